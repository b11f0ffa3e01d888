#!/bin/bash
# Fault (doc/design.md §7): garbage in the middle of a programme.
#   20260329_0100_junk.mp3  8 s of 44.1 kHz joint stereo (CBR 128, no tag)
#   with 400 bytes of junk spliced between two frames at 4 s. The junk holds
#   a plausible MPEG-2 22050 Hz frame header (taken before as a "format
#   change", which refused the whole file) and a header in the stream's own
#   format whose made-up length runs into the next good frame.
# It must air on time and in full: the file output gets every good frame,
# byte for byte, and none of the junk. The clock starts 3 s before 01:00.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
NAME=fault_junk
if [ ! -x "$PLAYOUTD" ] || [ ! -x "$PLAYOUTCTL" ]; then
	echo "not ok - $PLAYOUTD or $PLAYOUTCTL is not built"
	po_result $NAME 0 1
fi

T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"
PROG="$T/drop/20260329_0100_junk.mp3"
# The clean programme: stereo, so made here rather than with po_mp3 (mono).
"$PO_PY" - "$T/clean.wav" <<'EOF' || { echo "not ok - cannot make the wav"; po_result $NAME 0 1; }
import math, struct, sys, wave
rate, n = 44100, 8 * 44100
with wave.open(sys.argv[1], "wb") as w:
    w.setnchannels(2)
    w.setsampwidth(2)
    w.setframerate(rate)
    w.writeframes(b"".join(struct.pack("<hh", int(9000 * math.sin(2 * math.pi * 440 * i / rate)),
                                       int(9000 * math.sin(2 * math.pi * 660 * i / rate)))
                           for i in range(n)))
EOF
lame -m j -b 128 --cbr -t --quiet "$T/clean.wav" "$T/clean.mp3" ||
	{ echo "not ok - cannot encode (lame)"; po_result $NAME 0 1; }
# Splice the junk in before the frame at 4 s (frame 153). Junk filler has no
# 0xff byte, so the planted headers are the only ones in it.
"$PO_PY" - "$T/clean.mp3" "$PROG" <<'EOF' || { echo "not ok - cannot splice"; po_result $NAME 0 1; }
import sys
b = open(sys.argv[1], "rb").read()
kbps = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0]
offs, p = [], 0
while p + 4 <= len(b) and b[p] == 0xff and (b[p + 1] & 0xfe) == 0xfa:
    offs.append(p)
    p += 144 * kbps[b[p + 2] >> 4] * 1000 // 44100 + (b[p + 2] >> 1 & 1)
assert p == len(b) and len(offs) > 300, "not one chain of 44.1 kHz frames"
x, junk = 12345, bytearray()
for _ in range(400):
    x = (x * 1103515245 + 12345) & 0xffffffff
    junk.append((x >> 16) % 255)
junk[60:64] = b"\xff\xf3\x80\x44"   # MPEG-2 22050 Hz, 64 kbps: a 208-byte frame
junk[300:304] = b"\xff\xfb\x90\x04" # 44.1 kHz 128 kbps: 417 bytes, into the next frame
cut = offs[153]
open(sys.argv[2], "wb").write(b[:cut] + bytes(junk) + b[cut:])
EOF
cat >"$T/schedule.csv" <<'EOF'
"2026-03-29T01:00:00Z","2026-03-29T01:00:09Z","junk","20260329_0100_junk.mp3","Junk Show"
EOF
CONF="$T/playout.conf"
cat >"$CONF" <<EOF
station = "Test FM"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plan_interval_s = 60; send_ahead_ms = 300; lookback_h = 0;
schedule = ( { plugin = "csv"; path = "$T/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
outputs = ( { plugin = "file"; instance = "copy"; path = "$T/out.mp3"; } );
EOF

# What the indexer and prober say of the file, before the daemon runs.
"$PLAYOUTCTL" -c "$CONF" probe --json "$PROG" >"$T/probe.json" 2>"$T/probe.err"
probe_ok() {
	"$PO_PY" - "$T/probe.json" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
print("# probe: playable %s, frames %s, damaged %s" % (p.get("playable"), p.get("frames"),
                                                       p.get("damaged")))
sys.exit(0 if p.get("playable") == 1 else 1)
EOF
}
po_check "playoutctl probe: the junk file is playable" probe_ok

po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f --pretend-now 2026-03-29T00:59:57Z
DPID=$PO_LAST_PID
played() {
	"$PLAYOUTCTL" -c "$CONF" history --json >"$T/history.json" 2>/dev/null &&
		grep -q '"outcome": *"complete"' "$T/history.json"
}
done_or_dead() { played || ! kill -0 "$DPID" 2>/dev/null; }
po_wait_for 30 done_or_dead
po_check "the programme played to the end" played
po_check "the file output is every good frame, byte for byte (the junk left out)" \
	cmp -s "$T/clean.mp3" "$T/out.mp3"
size_ok() { [ "$(stat -c %s "$T/out.mp3")" -eq $(($(stat -c %s "$PROG") - 400)) ]; }
po_check "... so it is the programme's size minus the 400 junk bytes" size_ok
check_history() {
	"$PO_PY" - "$T/history.json" <<'EOF'
import json, sys
plays = [p for p in json.load(open(sys.argv[1])) if p.get("pid") == "junk"]
print("# plays: %s" % [(p.get("asset"), p.get("outcome"), p.get("start_error_ms")) for p in plays])
sys.exit(0 if len(plays) == 1 and plays[0].get("asset") == "20260329_0100_junk.mp3"
         and abs(plays[0].get("start_error_ms", 1e9)) < 100 else 1)
EOF
}
po_check "history: one play of the junk programme, on time (< 100 ms)" check_history
po_check "no format change was reported" sh -c "! grep -q 'format changes' '$T/playoutd.log'"

kill -TERM "$DPID" 2>/dev/null
rc=0; po_reap "$DPID" || rc=$?
po_check "SIGTERM: playoutd exits 0 (rc=$rc)" test "$rc" -eq 0
if [ "$PO_FAILED" -gt 0 ]; then
	echo "# playoutd log (last 30 lines):"
	tail -n 30 "$T/playoutd.log" | sed 's/^/#   /'
	sed 's/^/# probe: /' "$T/probe.json" "$T/probe.err"
fi
po_result $NAME
