#!/bin/bash
# Loudness normalisation on MP3 passthrough, end to end: playoutd with an
# icecast2 output (format passthrough, loudness_target = -16, ceiling
# -1 dBTP) plays three programmes made here, each on its own connection:
#   quiet  about -28 LUFS (two tones and a little noise)
#   loud   about  -9 LUFS
#   peaky  about -20 LUFS under 1 kHz bursts peaking near 0 dBFS: the gain
#          the loudness asks for (+4 dB) would clip, the ceiling forbids it
#   layer2 an MPEG Layer II file: no global_gain to move, so it airs as it
#          is, and the log says why
# A listener records each session; ffmpeg's ebur128 measures what it got:
# quiet and loud land within 0.8 dB of the target (global_gain moves in
# 1.5 dB steps), the peaky one's true peak stays at or under the ceiling
# (+0.5 dB for the decoders' differences), and the cached files are the
# files as they were dropped.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}symbolize=0" # a fast exit

PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
LISTEN="$PO_SRCDIR/tests/integration/listen.py"
command -v ffmpeg >/dev/null || po_skip loudness "ffmpeg is missing (tools/deps.sh)"
T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"

mk() { # NAME EXPR: 8 s, stereo, 44.1 kHz, 128 kbps (lame through ffmpeg)
	ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "aevalsrc=$2:s=44100" -t 8 \
		-c:a libmp3lame -b:a 128k "$T/drop/$1.mp3"
}
mk quiet "0.04*sin(2*PI*440*t)+0.026*sin(2*PI*660*t)+0.009*(random(0)-0.5)|0.035*sin(2*PI*550*t)+0.022*sin(2*PI*330*t)" &&
	mk loud "0.33*sin(2*PI*440*t)+0.23*sin(2*PI*660*t+1)|0.33*sin(2*PI*550*t)+0.23*sin(2*PI*330*t+2)" &&
	mk peaky "0.06*sin(2*PI*440*t)+0.97*sin(2*PI*1000*t)*lt(mod(t\,2)\,0.05)|0.06*sin(2*PI*550*t)" ||
	po_fail loudness "cannot make the fixtures (ffmpeg with libmp3lame)"
ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "aevalsrc=0.05*sin(2*PI*440*t):s=44100" \
	-t 4 -c:a mp2 -b:a 128k -f mp2 "$T/drop/layer2.mp3" || po_fail loudness "cannot make a Layer II file"
for f in quiet loud peaky layer2; do cp "$T/drop/$f.mp3" "$T/$f.orig"; done

# ebur128 of a file: "I TP" (LUFS, dBTP)
measure() {
	ffmpeg -nostdin -hide_banner -nostats -i "$1" -af ebur128=peak=true -f null - 2>&1 |
		awk '/Summary:/ {s = 1} s && $1 == "I:" {i = $2} s && $1 == "Peak:" {p = $2} END {print i, p}'
}
read -r QI QTP < <(measure "$T/drop/quiet.mp3")
read -r LI LTP < <(measure "$T/drop/loud.mp3")
read -r PI PTP < <(measure "$T/drop/peaky.mp3")
echo "# fixtures: quiet $QI LUFS $QTP dBTP, loud $LI LUFS $LTP dBTP, peaky $PI LUFS $PTP dBTP"
within() { [ -n "$1" ] && awk -v a="$1" -v lo="$2" -v hi="$3" 'BEGIN {exit !(a >= lo && a <= hi)}'; }
po_check "the quiet fixture is quiet (-30..-26 LUFS: $QI)" within "$QI" -30 -26
po_check "the loud fixture is loud (-11..-7 LUFS: $LI)" within "$LI" -11 -7
po_check "the peaky fixture peaks near 0 dBFS (-0.6..0.3: $PTP) and wants gain ($PI LUFS)" \
	within "$PTP" -0.6 0.3
po_check "the peaky fixture is below the target by more than 2 dB ($PI LUFS)" within "$PI" -40 -18

po_icecast_start "$T/ice" || po_fail loudness "icecast2 did not start"
PORT=$ICECAST_PORT
export PO_TEST_ICECAST_PASSWORD=$PO_ICECAST_SOURCE_PASSWORD
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
# time for the plan, the fetch and the probes before the first start; 4 s
# between programmes, so each has its own connection (a listener session)
START=$(($(date +%s) + 14))
cat >"$T/schedule.csv" <<EOF
"$(iso "$START")","$(iso $((START + 9)))","quiet","quiet.mp3","Quiet"
"$(iso $((START + 12)))","$(iso $((START + 21)))","loud","loud.mp3","Loud"
"$(iso $((START + 24)))","$(iso $((START + 33)))","peaky","peaky.mp3","Peaky"
"$(iso $((START + 36)))","$(iso $((START + 41)))","layer2","layer2.mp3","Layer II"
EOF
CONF="$T/playout.conf"
cat >"$CONF" <<EOF
station = "Test FM"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plan_interval_s = 5; send_ahead_ms = 300;
schedule = ( { plugin = "csv"; path = "$T/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
outputs = ( { plugin = "icecast"; instance = "main"; host = "127.0.0.1"; port = $PORT;
              mount = "/norm"; password = "env:PO_TEST_ICECAST_PASSWORD";
              loudness_target = -16.0; } );
EOF
po_spawn "$PO_PY" "$LISTEN" "http://127.0.0.1:$PORT/norm" "$T/l" --until $((START + 50 - $(date +%s))) --sessions 4
LPID=$PO_LAST_PID
po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f
DPID=$PO_LAST_PID
rc=0; po_reap "$LPID" || rc=$?
po_check "the listener recorded four sessions" test -s "$T/l/session-4.bin"
rc=0; po_stop_timed "$DPID" || rc=$?
po_check "SIGTERM: playoutd exits 0 (rc=$rc)" test "$rc" -eq 0
grep -E "LUFS|loudness" "$T/playoutd.log" | sed 's/^/#   /'
po_check "each programme's gain was decided from its probe" \
	test "$(grep -c 'global_gain steps' "$T/playoutd.log")" -eq 3
po_check "no programme aired with its loudness unknown" po_file_lacks "$T/playoutd.log" "loudness not known"

read -r RQI RQTP < <(measure "$T/l/session-1.bin")
read -r RLI RLTP < <(measure "$T/l/session-2.bin")
read -r RPI RPTP < <(measure "$T/l/session-3.bin")
echo "# received: quiet $RQI LUFS $RQTP dBTP, loud $RLI LUFS $RLTP dBTP, peaky $RPI LUFS $RPTP dBTP"
po_check "quiet: the listener hears -16 +- 0.8 LUFS ($RQI)" within "$RQI" -16.8 -15.2
po_check "quiet: turned up without passing the ceiling ($RQTP dBTP)" within "$RQTP" -99 -0.5
po_check "loud: the listener hears -16 +- 0.8 LUFS ($RLI)" within "$RLI" -16.8 -15.2
po_check "peaky: not pushed into clipping, true peak at most -1 + 0.5 dBTP ($RPTP)" \
	within "$RPTP" -99 -0.5
po_check "peaky: turned down to the ceiling, not up to the target ($RPI < $PI)" \
	within "$RPI" -99 "$PI"
po_check "layer2: refused, and the log says why" \
	po_file_contains "$T/playoutd.log" "layer2.mp3: Layer 2: no loudness gain (only Layer III"
po_icecast_expect "$T/layer2.expect" "$T/layer2.orig"
po_check "layer2: the listener got the file's frames unchanged (but Icecast's last partial block)" \
	cmp -s "$T/layer2.expect" "$T/l/session-4.bin"
for f in quiet loud peaky layer2; do
	po_check "$f: the cached file is the dropped file, byte for byte" \
		cmp -s "$T/$f.orig" "$T/cache/$f.mp3"
done
[ "$PO_FAILED" -gt 0 ] && tail -n 30 "$T/playoutd.log" | sed "s/^/#   /"
po_result loudness
