#!/bin/bash
# End to end on a re-encoding output (format vorbis, opus or mp3: the first
# argument, default vorbis): playoutd on a pretend clock decodes, resamples,
# fades and encodes five programmes through a real icecast2, a listener
# records the stream, and what it received is decoded and measured.
#   alpha   3.9 s 44.1 kHz at 00:59:00 (file name)  \ back to back, one
#   bravo   3 s   48 kHz   at 00:59:04 (CSV)        / connection; resampled
#   charlie 6 s            at 00:59:12, cut at 3 s by delta: faded out
#   delta   2 s            at 00:59:15, ends naturally: not faded
#   echo    10 s           at 00:59:22; icecast2 is killed and restarted
#                          3 s in: the title is sent again on the reconnect
# The clock starts at 00:58:57, so alpha is due 3 s after launch.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

FORMAT=${1:-vorbis}
NAME=pcm_$FORMAT
PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
LISTEN="$PO_SRCDIR/tests/integration/listen.py"
TITLES="$PO_SRCDIR/tests/integration/titles.py"
OGGSPLIT="$PO_SRCDIR/tests/integration/oggsplit.py"
TSPROXY="$PO_SRCDIR/bench/tsproxy.py"
POLL_MS=20
PRETEND=2026-03-29T00:58:57Z
FADE_S=1.5

[ -x "$PLAYOUTD" ] && [ -x "$PLAYOUTCTL" ] || po_fail "$NAME" "$PLAYOUTD or $PLAYOUTCTL is not built"

T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"
# tone FILE SECONDS FREQ RATE: a mono CBR MP3 without tags
tone() {
	ffmpeg -v error -y -f lavfi -i "sine=frequency=$3:sample_rate=$4:duration=$2" -ac 1 \
		"$1.wav" && lame -m m -b 128 --cbr -t --quiet "$1.wav" "$1" && rm -f "$1.wav"
}
tone "$T/drop/20260329_0059_alpha.mp3" 3.9 440 44100 &&
	tone "$T/drop/bravo.mp3" 3 550 48000 &&
	tone "$T/drop/charlie.mp3" 6 660 44100 &&
	tone "$T/drop/delta.mp3" 2 770 44100 &&
	tone "$T/drop/echo.mp3" 10 880 44100 || po_fail "$NAME" "cannot make the test MP3s (ffmpeg, lame)"
cat >"$T/schedule.csv" <<'EOF2'
"2026-03-29T00:59:04Z","2026-03-29T00:59:07Z","bravo","bravo.mp3","Bravo Show"
"2026-03-29T00:59:12Z","2026-03-29T00:59:18Z","charlie","charlie.mp3","Charlie Show"
"2026-03-29T00:59:15Z","2026-03-29T00:59:17Z","delta","delta.mp3","Delta Show"
"2026-03-29T00:59:22Z","2026-03-29T00:59:32Z","echo","echo.mp3","Echo Show"
EOF2
case $FORMAT in
vorbis) ENC='format = "vorbis"; quality = 4.0; samplerate = 44100;' ;;
opus) ENC='format = "opus"; bitrate = 96; samplerate = 48000;' ;;
*) ENC='format = "mp3"; bitrate = 128; samplerate = 44100;' ;;
esac
RATE=$(echo "$ENC" | sed 's/.*samplerate = \([0-9]*\).*/\1/')

po_icecast_start "$T/ice" || po_fail "$NAME" "icecast2 did not start"
PORT=$ICECAST_PORT
# The source goes through the timestamping proxy: when its bytes reach the
# server's door is the start error at the server. (A listener's first byte
# says less for Ogg: Icecast gathers Vorbis audio into pages of about half
# a second before it sends any to listeners.)
mkdir -p "$T/proxy"
po_spawn "$PO_PY" "$TSPROXY" "$PORT" "$T/proxy" --port-file "$T/proxy.port"
PPID_=$PO_LAST_PID
po_wait_for 10 test -s "$T/proxy.port" || po_fail "$NAME" "tsproxy did not start"
export PO_TEST_ICECAST_PASSWORD=$PO_ICECAST_SOURCE_PASSWORD
CONF="$T/playout.conf"
cat >"$CONF" <<EOF2
station = "Test FM"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plan_interval_s = 5; send_ahead_ms = 300;
schedule = ( { plugin = "csv"; path = "$T/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
outputs = ( { plugin = "icecast"; instance = "main"; host = "127.0.0.1"; port = $(cat "$T/proxy.port");
              mount = "/live"; password = "env:PO_TEST_ICECAST_PASSWORD";
              $ENC fade_out_s = $FADE_S; } );
EOF2

po_spawn "$PO_PY" "$LISTEN" "http://127.0.0.1:$PORT/live" "$T/listen" --until 45 --sessions 4
LPID=$PO_LAST_PID
po_spawn "$PO_PY" "$TITLES" "http://127.0.0.1:$PORT/status-json.xsl" /live "$T/titles.txt" --until 45
TPID=$PO_LAST_PID
po_wait_for 10 test -f "$T/listen/sessions.json" || echo "# the listener did not start" >&2

po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f --pretend-now "$PRETEND"
DPID=$PO_LAST_PID

# echo is due 25 s after launch: kill icecast2 3 s into it, restart it at
# once on the same port (the player reconnects within a second or two).
sleep_until_real() { local t=$1; while [ "$(date +%s%N)" -lt "$t" ]; do sleep 0.05; done; }
LAUNCH=$(date +%s%N)
sleep_until_real $((LAUNCH + 28 * 1000000000))
po_icecast_stop
po_icecast_start "$T/ice" "$PORT" || po_fail "$NAME" "icecast2 did not restart on port $PORT"

played() {
	"$PLAYOUTCTL" -c "$CONF" history --json >"$T/history.json" 2>"$T/history.err" || return 1
	"$PO_PY" -c '
import json, sys
try:
    plays = json.load(open(sys.argv[1]))
except ValueError:
    sys.exit(1)
sys.exit(0 if sum(1 for p in plays if p.get("ended")) >= 5 else 1)' "$T/history.json"
}
po_wait_for 25 played
po_check "history has the five plays within 35 s of launch" played
kill -TERM "$DPID" 2>/dev/null
rc=0; po_wait_for 10 test ! -e "/proc/$DPID/stat" || true
po_reap "$DPID" || rc=$?
po_check "SIGTERM: playoutd exits 0 (rc=$rc)" test "$rc" -eq 0
po_wait_for 10 test ! -e "/proc/$LPID" || po_kill "$LPID"
po_reap "$LPID" || true
po_kill "$TPID"
po_reap "$TPID" || true
po_kill "$PPID_"
po_reap "$PPID_" || true

# ---- what the listener received, measured
for f in 20260329_0059_alpha bravo charlie delta echo; do
	"$PLAYOUTCTL" probe "$T/drop/$f.mp3" --json >"$T/$f.probe.json" 2>/dev/null
done
for k in 1 2 3 4; do
	[ -f "$T/listen/session-$k.bin" ] || continue
	if [ "$FORMAT" = mp3 ]; then
		cp "$T/listen/session-$k.bin" "$T/s$k-1.mp3"
		echo "1 0 0 0 1 " >"$T/s$k.streams"
	else
		"$PO_PY" "$OGGSPLIT" "$T/listen/session-$k.bin" "$T/s$k" >"$T/s$k.streams"
	fi
done

check_audio() {
	"$PO_PY" - "$T" "$FORMAT" "$RATE" "$FADE_S" <<'EOF2'
import array, json, math, os, subprocess, sys
T, fmt, rate, fade_s = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
fails = 0
def check(desc, ok):
    global fails
    print("#   %s %s" % ("ok  " if ok else "FAIL", desc))
    fails += 0 if ok else 1
def streams(k):
    p = "%s/s%d.streams" % (T, k)
    if not os.path.exists(p):
        return []
    out = []
    for line in open(p):
        f = line.rstrip("\n").split(" ", 5)
        ext = "mp3" if fmt == "mp3" else "ogg"
        out.append({"file": "%s/s%d-%s.%s" % (T, k, f[0], ext), "eos": f[4] == "1",
                    "title": f[5] if len(f) > 5 else ""})
    return out
def pcm(path):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "s16le", "-ac", "1",
                          "-ar", str(rate), "-"], capture_output=True).stdout
    a = array.array("h")
    a.frombytes(raw[:len(raw) // 2 * 2])
    return a
def rms(a, i, j):
    i, j = max(0, int(i)), min(len(a), int(j))
    return math.sqrt(sum(x * x for x in a[i:j]) / (j - i)) if j > i else 0.0
def db(x, ref):
    return 20 * math.log10(x / ref) if x > 0 and ref > 0 else -120.0
def item_s(name):
    return json.load(open("%s/%s.probe.json" % (T, name)))["duration_ms"] / 1000.0
s1, s2 = streams(1), streams(2)
check("session 1 holds alpha and bravo as two logical streams (%d)" % len(s1),
      len(s1) == 2 or fmt == "mp3")
check("session 2 holds charlie and delta as two logical streams (%d)" % len(s2),
      len(s2) == 2 or fmt == "mp3")
if fmt != "mp3" and len(s1) == 2 and len(s2) == 2:
    for s, want in ((s1[1], "Bravo Show"), (s2[0], "Charlie Show"), (s2[1], "Delta Show")):
        check("the stream's comment header says %r (%r)" % (want, s["title"]), s["title"] == want)
    for s in s1 + s2:
        check("%s ends with an end-of-stream page (flushed)" % os.path.basename(s["file"]), s["eos"])
    got = {}
    for name, s in (("alpha", s1[0]), ("bravo", s1[1]), ("charlie", s2[0]), ("delta", s2[1])):
        got[name] = pcm(s["file"])
    for name, fname in (("alpha", "20260329_0059_alpha"), ("bravo", "bravo"), ("delta", "delta")):
        want, have = item_s(fname), len(got[name]) / rate
        print("%s: item %.3f s, received %.3f s (%+.1f ms)" % (name, want, have, (have - want) * 1000))
        check("%s: every sample delivered, %.3f s against %.3f s (within 30 ms)" % (name, have, want),
              abs(have - want) <= 0.030)
    c = got["charlie"]
    have = len(c) / rate
    print("charlie: cut at 3.000 s, received %.3f s (%+.1f ms)" % (have, (have - 3.0) * 1000))
    check("charlie: cut at the sample, %.3f s against 3.000 s (within 30 ms)" % have,
          abs(have - 3.0) <= 0.030)
    n, f = len(c), int(fade_s * rate)
    steady = rms(c, n - f - rate // 2, n - f)
    steps = [rms(c, n - f + i * f // 5, n - f + (i + 1) * f // 5) for i in range(5)]
    print("charlie: level before the fade %.1f dB, fade steps %s dB" %
          (db(steady, 32768), " ".join("%.1f" % db(x, 32768) for x in steps)))
    check("charlie: the last %.1f s fall in level, step by step" % fade_s,
          all(steps[i + 1] < steps[i] for i in range(4)) and steps[0] < steady * 1.05 and
          steps[-1] < steady * 0.35)
    for name, a in (("bravo", got["bravo"]), ("delta", got["delta"])):
        tail, mid = rms(a, len(a) - rate // 5 - rate // 10, len(a) - rate // 10), \
            rms(a, len(a) // 2, len(a) // 2 + rate // 5)
        print("%s: last 200 ms at %.1f dB against the middle" % (name, db(tail, mid)))
        check("%s ends naturally: not faded (last 200 ms within 1.5 dB of the middle)" % name,
              abs(db(tail, mid)) < 1.5)
sys.exit(1 if fails else 0)
EOF2
}
po_check "audio: every sample delivered (30 ms), cut at the sample with a fade, no fade at natural ends" \
	check_audio

check_plays() {
	"$PO_PY" - "$T/history.json" "$T/listen/sessions.json" "$T/playoutd.log" "$POLL_MS" \
		"$T/proxy" "$FORMAT" <<'EOF2'
import calendar, json, os, re, sys, time
hist, sess, daemon_log, poll_ms, proxy, fmt = sys.argv[1:]
plays = json.load(open(hist))
sessions = json.load(open(sess))
fails = 0
def check(desc, ok):
    global fails
    print("#   %s %s" % ("ok  " if ok else "FAIL", desc))
    fails += 0 if ok else 1
want = {"20260329_0059_alpha.mp3": "complete", "bravo.mp3": "complete", "charlie.mp3": "cut",
        "delta.mp3": "complete"}
for p in plays:
    a = p.get("asset")
    if a in want:
        err = p.get("start_error_ms")
        check("%s: outcome %s (want %s), start error %s ms (< 100)" % (a, p.get("outcome"), want[a], err),
              p.get("outcome") == want[a] and isinstance(err, (int, float)) and abs(err) < 100)
def epoch(iso):
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z$", iso)
    return calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")) + float(m.group(2) or 0)
offset = None
for line in open(daemon_log, errors="replace"):
    m = re.match(r"(\S+Z) notice core: rehearsal: the clock reads (\S+Z)", line)
    if m:
        offset = epoch(m.group(2)) - epoch(m.group(1))
# the first source connection that carried audio (the others: probes)
chunks = []
for k in range(1, 100):
    try:
        c = json.load(open(os.path.join(proxy, "conn-%d.json" % k)))
    except (OSError, ValueError):
        continue
    if c.get("chunks"):
        chunks = c["chunks"]
        break
first = sessions[0].get("first_byte") if sessions else None
if offset is None or not chunks:
    check("the server received alpha's first byte", False)
else:
    due = epoch("2026-03-29T00:59:00Z") - offset
    at_server_ms = (chunks[0][0] / 1e9 - due) * 1000
    print("alpha's first byte at the server: %+.1f ms from the pretend 00:59:00" % at_server_ms)
    check("alpha's first byte reaches the server within 100 + %s + 100 ms of 00:59:00 (%+.1f ms)"
          % (poll_ms, at_server_ms), abs(at_server_ms) < 100 + float(poll_ms) + 100)
    if first is not None:
        off_ms = (first - due) * 1000
        print("alpha's first byte at the listener: %+.1f ms from the pretend 00:59:00" % off_ms)
        if fmt == "mp3":
            check("alpha's first byte reaches the listener within 100 + %s + 100 ms (%+.1f ms)"
                  % (poll_ms, off_ms), abs(off_ms) < 100 + float(poll_ms) + 100)
sys.exit(1 if fails else 0)
EOF2
}
po_check "plays: outcomes, start errors < 100 ms, alpha on time at the listener" check_plays

check_titles() {
	"$PO_PY" - "$T/titles.txt" <<'EOF2'
import sys
seen = [l.rstrip("\n").split(" ", 1)[1] for l in open(sys.argv[1]) if " " in l]
print("# titles Icecast showed: %s" % seen)
order = ["Bravo Show", "Charlie Show", "Delta Show", "Echo Show"]
at, ok = 0, True
for t in order:
    try:
        at = seen.index(t, at) + 1
    except ValueError:
        ok = False
print("#   %s each title shows at its boundary, in order" % ("ok  " if ok else "FAIL"))
# after the restart (the mount gone, or back without a title) echo's title
# shows again
back = False
if "Echo Show" in seen:
    rest = seen[seen.index("Echo Show") + 1:]
    gone = [i for i, t in enumerate(rest) if t != "Echo Show"]
    back = bool(gone) and "Echo Show" in rest[gone[0]:]
print("#   %s echo's title is shown again after icecast2 restarted" % ("ok  " if back else "FAIL"))
sys.exit(0 if ok and back else 1)
EOF2
}
# icecast2 2.4 (Debian 12) reads no comment header of an Opus stream: its
# status shows no title for any Opus mount, whoever the source. The titles
# are checked in the stream itself above (each logical stream's OpusTags).
if [ "$FORMAT" = opus ]; then
	echo "# titles Icecast showed for Opus (not checked: icecast2 2.4 parses no OpusTags): $(tr '\n' ' ' <"$T/titles.txt" | head -c 200)"
else
	po_check "titles: Icecast's status shows each item's title, and again after a reconnect" check_titles
fi

po_result "$NAME"
