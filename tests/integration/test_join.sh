#!/bin/bash
# End to end: playoutd on a pretend clock with csv + localdisk + halfhour and
# a file output plays a joined hour made of two short files: A (14 s) at
# 01:00 cut at 10 s (cut_at_s = 10) and B (4 s, named for 01:30) right after,
# on one connection. The file output must be A's frames up to the cut
# followed by B's frames, byte for byte, and decode cleanly.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
PRETEND=2026-03-29T00:59:56Z

if [ ! -x "$PLAYOUTD" ] || [ ! -x "$PLAYOUTCTL" ]; then
	echo "not ok - $PLAYOUTD or $PLAYOUTCTL is not built"
	po_result join 0 1
fi

T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"
A="$T/drop/20260329_0100_aaa.mp3"
B="$T/drop/20260329_0130_bbb.mp3"
po_mp3 "$A" 14 440 && po_mp3 "$B" 4 660 ||
	{ echo "cannot make test mp3s (lame)" >&2; po_result join 0 1; }
# Slots as short as the files: the planner treats a file much shorter than
# its slot as missing.
cat >"$T/schedule.csv" <<'EOF'
"2026-03-29T01:00:00Z","2026-03-29T01:00:15Z","aaa","","Alpha Half"
"2026-03-29T01:30:00Z","2026-03-29T01:30:05Z","bbb","","Bravo Half"
EOF
CONF="$T/playout.conf"
cat >"$CONF" <<EOF
station = "Test FM"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plan_interval_s = 5; send_ahead_ms = 300;
schedule = ( { plugin = "csv"; path = "$T/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
join = { plugin = "halfhour"; cut_at_s = 10; };
outputs = ( { plugin = "file"; instance = "copy"; path = "$T/out.mp3"; } );
EOF

po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f --pretend-now "$PRETEND"
DPID=$PO_LAST_PID

one_complete() {
	"$PLAYOUTCTL" -c "$CONF" history --json >"$T/history.json" 2>"$T/history.err" || return 1
	"$PO_PY" - "$T/history.json" <<'EOF'
import json, sys
try:
    plays = json.load(open(sys.argv[1]))
except ValueError:
    sys.exit(1)
sys.exit(0 if any(p.get("outcome") == "complete" for p in plays) else 1)
EOF
}
# A is due 4 s after launch and the joined item lasts about 14 s: allow 40 s
done_or_dead() { one_complete || ! kill -0 "$DPID" 2>/dev/null; }
po_wait_for 40 done_or_dead
RUNNING=0
kill -0 "$DPID" 2>/dev/null && RUNNING=1
po_check "playoutd is still running" test "$RUNNING" -eq 1
po_check "history shows a complete play within 40 s" one_complete

"$PLAYOUTCTL" -c "$CONF" rundown --from 2026-03-29T00:30:00 --hours 2 >"$T/rundown.txt" 2>&1
po_check "the rundown shows one joined item, A cut at 00:10 + B" \
	po_file_contains "$T/rundown.txt" "joined: 20260329_0100_aaa.mp3 cut at 00:10 + 20260329_0130_bbb.mp3"

# Expected bytes: A's frames that end by 10 s (floor(10 * 44100 / 1152) = 382),
# then all of B's frames (po_mp3 writes no tags and no Xing frame).
"$PO_PY" - "$A" "$B" "$T/expect.mp3" <<'EOF'
import sys
def frames(path):
    d = open(path, "rb").read()
    rates = [44100, 48000, 32000]
    kbps = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
    out, i = [], 0
    while i + 4 <= len(d):
        if d[i] != 0xFF or (d[i + 1] & 0xFE) != 0xFA:
            raise SystemExit("%s: no MPEG-1 layer III frame at byte %d" % (path, i))
        n = 144000 * kbps[d[i + 2] >> 4] // rates[(d[i + 2] >> 2) & 3] + ((d[i + 2] >> 1) & 1)
        out.append(d[i:i + n])
        i += n
    return out
a, b = frames(sys.argv[1]), frames(sys.argv[2])
open(sys.argv[3], "wb").write(b"".join(a[:382] + b))
EOF
po_check "the file output is A's first 382 frames then B's frames, byte for byte" \
	cmp "$T/expect.mp3" "$T/out.mp3"
mpg123 -t "$T/out.mp3" >"$T/mpg123.out" 2>&1
MRC=$?
po_check "mpg123 decodes the joined hour (exit $MRC)" test "$MRC" -eq 0
po_check "mpg123 reports no error" po_file_lacks "$T/mpg123.out" "rror"

kill -TERM "$DPID" 2>/dev/null
daemon_gone() { ! kill -0 "$DPID" 2>/dev/null || [ "$(ps -o stat= -p "$DPID" | cut -c1)" = Z ]; }
po_wait_for 10 daemon_gone
rc=0; po_reap "$DPID" || rc=$?
po_check "SIGTERM: playoutd exits 0 (rc=$rc)" test "$RUNNING" -eq 1 -a "$rc" -eq 0
if [ "$PO_FAILED" -gt 0 ]; then
	echo "# playoutd log (last 40 lines):"
	tail -n 40 "$T/playoutd.log" | sed 's/^/#   /'
	sed 's/^/# rundown: /' "$T/rundown.txt"
fi
po_result join
