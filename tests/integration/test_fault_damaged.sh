#!/bin/bash
# Fault (doc/design.md §7): a damaged sustainer.
#   news      a RECORDED slot at 01:00:00 whose file never came, with no
#             earlier edition either: previous-edition's sustainer is due.
#   sustainer.mp3  5 s whose last frame is cut short (a truncated upload):
#             the index flags it DAMAGED, which is informational (plugin.h).
# Before, any flag made previous-edition refuse the sustainer and the slot
# went silent. It must air at 01:00:00 on the file output with every good
# frame, byte for byte (the cut frame left out). The clock starts 3 s before.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
NAME=fault_damaged
if [ ! -x "$PLAYOUTD" ] || [ ! -x "$PLAYOUTCTL" ]; then
	echo "not ok - $PLAYOUTD or $PLAYOUTCTL is not built"
	po_result $NAME 0 1
fi

T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"
po_mp3 "$T/whole.mp3" 5 440 || { echo "not ok - cannot make the mp3 (lame)"; po_result $NAME 0 1; }
# The sustainer loses the second half of its last frame; what must air is
# every frame before it.
"$PO_PY" - "$T/whole.mp3" "$T/drop/sustainer.mp3" "$T/good.mp3" <<'EOF' ||
import sys
b = open(sys.argv[1], "rb").read()
kbps = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0]
offs, p = [], 0
while p + 4 <= len(b) and b[p] == 0xff and (b[p + 1] & 0xfe) == 0xfa:
    offs.append(p)
    p += 144 * kbps[b[p + 2] >> 4] * 1000 // 44100 + (b[p + 2] >> 1 & 1)
assert p == len(b) and len(offs) > 100, "not one chain of 44.1 kHz frames"
last = offs[-1]
open(sys.argv[2], "wb").write(b[:last + (len(b) - last) // 2])
open(sys.argv[3], "wb").write(b[:last])
EOF
	{ echo "not ok - cannot cut the sustainer"; po_result $NAME 0 1; }
cat >"$T/schedule.csv" <<'EOF'
"2026-03-29T01:00:00Z","2026-03-29T01:00:08Z","news","","The News"
EOF
CONF="$T/playout.conf"
cat >"$CONF" <<EOF
station = "Test FM"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plan_interval_s = 60; send_ahead_ms = 300; lookback_h = 0;
schedule = ( { plugin = "csv"; path = "$T/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
fallback = { plugin = "previous-edition"; sustainer = "sustainer.mp3"; };
outputs = ( { plugin = "file"; instance = "copy"; path = "$T/out.mp3"; } );
EOF

# The fixture is what the case says: playable, and damaged at its end.
"$PLAYOUTCTL" -c "$CONF" probe --json "$T/drop/sustainer.mp3" >"$T/probe.json" 2>"$T/probe.err"
damaged_tail() {
	"$PO_PY" - "$T/probe.json" "$T/drop/sustainer.mp3" <<'EOF'
import json, os, sys
p = json.load(open(sys.argv[1]))
size = os.path.getsize(sys.argv[2])
d = p.get("damaged") or []
print("# probe: playable %s, frames %s, damaged %s" % (p.get("playable"), p.get("frames"), d))
sys.exit(0 if p.get("playable") == 1 and len(d) == 1 and
         d[0]["offset"] + d[0]["length"] == size else 1)
EOF
}
po_check "playoutctl probe: the sustainer is playable and damaged at its end" damaged_tail

po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f --pretend-now 2026-03-29T00:59:57Z
DPID=$PO_LAST_PID
played() {
	"$PLAYOUTCTL" -c "$CONF" history --json >"$T/history.json" 2>/dev/null &&
		grep -q '"outcome": *"complete"' "$T/history.json"
}
done_or_dead() { played || ! kill -0 "$DPID" 2>/dev/null; }
po_wait_for 30 done_or_dead
po_check "a play completed" played
po_check "the file output is the sustainer's good frames, byte for byte" \
	cmp -s "$T/good.mp3" "$T/out.mp3"
check_history() {
	"$PO_PY" - "$T/history.json" <<'EOF'
import json, sys
plays = [p for p in json.load(open(sys.argv[1])) if p.get("pid") == "news"]
print("# news plays: %s" % [(p.get("asset"), p.get("outcome"), p.get("start_error_ms"))
                            for p in plays])
sys.exit(0 if len(plays) == 1 and plays[0].get("asset") == "sustainer.mp3"
         and abs(plays[0].get("start_error_ms", 1e9)) < 100 else 1)
EOF
}
po_check "history: the news slot aired the sustainer at 01:00:00 (< 100 ms)" check_history
"$PLAYOUTCTL" -c "$CONF" rundown --from 2026-03-29T00:59:00Z --hours 1 >"$T/rundown.txt" 2>&1
po_check "the rundown says fallback for the news" grep -q 'fallback  *news' "$T/rundown.txt"
po_check "... playing the sustainer" grep -q 'playing the sustainer sustainer.mp3' "$T/rundown.txt"
po_check "the probe's log line says damaged, and that it plays" \
	grep -q 'sustainer.mp3: probed in .*(damaged: .*good frames play)' "$T/playoutd.log"

kill -TERM "$DPID" 2>/dev/null
rc=0; po_reap "$DPID" || rc=$?
po_check "SIGTERM: playoutd exits 0 (rc=$rc)" test "$rc" -eq 0
if [ "$PO_FAILED" -gt 0 ]; then
	echo "# playoutd log (last 30 lines):"
	tail -n 30 "$T/playoutd.log" | sed 's/^/#   /'
	sed 's/^/# rundown: /' "$T/rundown.txt"
	sed 's/^/# probe: /' "$T/probe.json" "$T/probe.err"
fi
po_result $NAME
