#!/bin/bash
# One playoutd, three re-encoding outputs (vorbis 44.1 kHz, opus 48 kHz,
# mp3 44.1 kHz) on the same programme through a real icecast2: each output
# delivers the whole item, and the item was decoded once for all three (the
# shared decode's report in the log: one tap, three readers, no frame
# decoded privately, every frame decoded once and read three times).
#   alpha  6 s, 44.1 kHz, at 00:59:00; the clock starts at 00:58:57.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

NAME=pcm_shared
PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
LISTEN="$PO_SRCDIR/tests/integration/listen.py"
OGGSPLIT="$PO_SRCDIR/tests/integration/oggsplit.py"
PRETEND=2026-03-29T00:58:57Z

[ -x "$PLAYOUTD" ] && [ -x "$PLAYOUTCTL" ] || po_fail "$NAME" "$PLAYOUTD or $PLAYOUTCTL is not built"

T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"
ITEM="$T/drop/20260329_0059_alpha.mp3"
ffmpeg -v error -y -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=6" -ac 1 "$T/a.wav" &&
	lame -m m -b 128 --cbr -t --quiet "$T/a.wav" "$ITEM" ||
	po_fail "$NAME" "cannot make the test MP3 (ffmpeg, lame)"
: >"$T/schedule.csv"

po_icecast_start "$T/ice" || po_fail "$NAME" "icecast2 did not start"
PORT=$ICECAST_PORT
export PO_TEST_ICECAST_PASSWORD=$PO_ICECAST_SOURCE_PASSWORD
CONF="$T/playout.conf"
out() { # instance mount encoding
	echo "{ plugin = \"icecast\"; instance = \"$1\"; host = \"127.0.0.1\"; port = $PORT;
	  mount = \"$2\"; password = \"env:PO_TEST_ICECAST_PASSWORD\"; $3 }"
}
cat >"$CONF" <<EOF2
station = "Test FM"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plan_interval_s = 5; send_ahead_ms = 300;
schedule = ( { plugin = "csv"; path = "$T/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
outputs = ( $(out vorbis /v 'format = "vorbis"; quality = 4.0; samplerate = 44100;'),
            $(out opus /o 'format = "opus"; bitrate = 96; samplerate = 48000;'),
            $(out mp3 /m 'format = "mp3"; bitrate = 128; samplerate = 44100;') );
EOF2

LPIDS=""
for m in v o m; do
	mkdir -p "$T/listen-$m"
	po_spawn "$PO_PY" "$LISTEN" "http://127.0.0.1:$PORT/$m" "$T/listen-$m" --until 30 --sessions 1
	LPIDS="$LPIDS $PO_LAST_PID"
done
for m in v o m; do
	po_wait_for 10 test -f "$T/listen-$m/sessions.json" || echo "# listener $m did not start" >&2
done

po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f --pretend-now "$PRETEND"
DPID=$PO_LAST_PID

played() {
	"$PLAYOUTCTL" -c "$CONF" history --json >"$T/history.json" 2>"$T/history.err" || return 1
	"$PO_PY" -c '
import json, sys
try:
    plays = json.load(open(sys.argv[1]))
except ValueError:
    sys.exit(1)
sys.exit(0 if sum(1 for p in plays if p.get("ended")) >= 3 else 1)' "$T/history.json"
}
po_wait_for 25 played
po_check "history has the three plays within 25 s" played
kill -TERM "$DPID" 2>/dev/null
rc=0
po_wait_for 10 test ! -e "/proc/$DPID/stat" || true
po_reap "$DPID" || rc=$?
po_check "SIGTERM: playoutd exits 0 (rc=$rc)" test "$rc" -eq 0
for p in $LPIDS; do
	po_wait_for 10 test ! -e "/proc/$p" || po_kill "$p"
	po_reap "$p" || true
done

"$PLAYOUTCTL" probe "$ITEM" --json >"$T/alpha.probe.json" 2>/dev/null ||
	po_fail "$NAME" "playoutctl probe failed on the test item"
for m in v o; do
	[ -f "$T/listen-$m/session-1.bin" ] &&
		"$PO_PY" "$OGGSPLIT" "$T/listen-$m/session-1.bin" "$T/s$m" >"$T/s$m.streams"
done
[ -f "$T/listen-m/session-1.bin" ] && cp "$T/listen-m/session-1.bin" "$T/sm-1.mp3"

check_audio() {
	"$PO_PY" - "$T" <<'EOF2'
import json, os, subprocess, sys
T = sys.argv[1]
fails = 0
def check(desc, ok):
    global fails
    print("#   %s %s" % ("ok  " if ok else "FAIL", desc))
    fails += 0 if ok else 1
def samples(path, rate):
    if not os.path.exists(path):
        return -1
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "s16le", "-ac", "1",
                          "-ar", str(rate), "-"], capture_output=True).stdout
    return len(raw) // 2
want = json.load(open(os.path.join(T, "alpha.probe.json")))["duration_ms"] / 1000.0
def first_stream(m):
    p = os.path.join(T, "s%s.streams" % m)
    if not os.path.exists(p):
        return ""
    line = open(p).readline().split(" ")
    return os.path.join(T, "s%s-%s.ogg" % (m, line[0])) if line and line[0] else ""
for label, path, rate in (("vorbis 44.1 kHz", first_stream("v"), 44100),
                          ("opus 48 kHz", first_stream("o"), 48000)):
    have = samples(path, rate) / rate
    print("%s: item %.3f s, received %.3f s (%+.1f ms)" % (label, want, have, (have - want) * 1000))
    check("%s: every sample delivered, %.3f s against %.3f s (within 30 ms)" % (label, have, want),
          abs(have - want) <= 0.030)
# MP3 carries lame's 1105-sample delay and under a frame (1152) of padding.
have = samples(os.path.join(T, "sm-1.mp3"), 44100) / 44100
delay, frame = 1105 / 44100, 1152 / 44100
print("mp3 44.1 kHz: item %.3f s, received %.3f s, %+.1f ms past the item and lame's delay" %
      (want, have, (have - want - delay) * 1000))
check("mp3 44.1 kHz: every sample delivered, %.3f s against %.3f s + delay (within 30 ms, "
      "plus under a frame of padding)" % (have, want),
      -0.030 <= have - want - delay <= frame + 0.030)
sys.exit(1 if fails else 0)
EOF2
}
po_check "audio: each of the three outputs delivers the whole item (30 ms)" check_audio

check_decoded_once() {
	"$PO_PY" - "$T/playoutd.log" "$T/alpha.probe.json" <<'EOF2'
import json, re, sys
log, probe = sys.argv[1:]
fails = 0
def check(desc, ok):
    global fails
    print("#   %s %s" % ("ok  " if ok else "FAIL", desc))
    fails += 0 if ok else 1
# one line per tap, when its last reader leaves
pat = re.compile(r" pcm: (-?\d+) (\S*): decoded (\d+) frames once for (\d+) readers "
                 r"\((\d+) read from the shared decode, (\d+) decoded privately\)")
taps = [m.groups() for m in map(pat.search, open(log, errors="replace")) if m]
for t in taps:
    print("# tap %s %s: decoded %s, readers %s, shared %s, private %s" % t)
frames = json.load(open(probe)).get("frames")
check("one shared decode of the item (%d taps)" % len(taps), len(taps) == 1)
if taps:
    _, _, dec, readers, shared, private = (int(x) if x.lstrip("-").isdigit() else x for x in taps[0])
    check("three outputs read it (%d)" % readers, readers == 3)
    check("no frame decoded privately (%d)" % private, private == 0)
    check("every frame decoded once: %d of the item's %s" % (dec, frames),
          frames is None or dec == frames)
    check("each frame read by the three outputs (%d = 3 x %d)" % (shared, dec),
          shared == 3 * dec and dec > 0)
sys.exit(1 if fails else 0)
EOF2
}
po_check "the item was decoded once for the three outputs" check_decoded_once

po_result "$NAME"
