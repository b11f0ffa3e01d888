#!/bin/bash
# Loudness normalisation on the re-encoding outputs, end to end: one
# playoutd with three icecast2 outputs (format vorbis, opus and mp3, each
# loudness_target = -16, ceiling -1 dBTP by default) plays three
# programmes made here, 3 s apart so each has its own connection:
#   quiet  about -28 LUFS: turned up 12 dB
#   loud   about  -9 LUFS: turned down 7 dB
#   peaky  about -19 LUFS under 1 kHz bursts peaking near 0 dBFS: the
#          target asks for +3 dB, the ceiling allows only about -1 dB
# A listener per mount records each session; ffmpeg's ebur128 measures the
# decoded capture. The gain is exact (a float multiply before the
# encoder), so quiet and loud land within 0.5 dB of -16 LUFS (LAME at
# 192 kbps gives these fixtures back 0.2-0.3 dB quieter, whoever feeds it); peaky lands
# within 0.5 dB of its probe loudness plus the gain the ceiling allows, and
# its true peak stays at or under the ceiling plus what the codec adds
# (0.5 dB for Vorbis and MP3, 0.8 dB for Opus: a lossy codec moves a
# short peak by a few tenths of a dB).
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}symbolize=0" # a fast exit

NAME=loudness_pcm
PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
LISTEN="$PO_SRCDIR/tests/integration/listen.py"
OGGSPLIT="$PO_SRCDIR/tests/integration/oggsplit.py"
TARGET=-16
CEILING=-1
# what a lossy codec may add to a true peak (measured: Vorbis q4 +0.2 dB,
# LAME 192 kbps none, Opus 96 kbps +0.5 dB on the peaky fixture's bursts)
codec_tp_db() { case $1 in opus) echo 0.8 ;; *) echo 0.5 ;; esac; }
FORMATS="vorbis opus mp3"
[ -x "$PLAYOUTD" ] && [ -x "$PLAYOUTCTL" ] || po_fail "$NAME" "$PLAYOUTD or $PLAYOUTCTL is not built"
command -v ffmpeg >/dev/null || po_fail "$NAME" "ffmpeg is missing (tools/deps.sh)"
T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"

# the fixtures of test_loudness.sh, 6 s: stereo, 44.1 kHz, 128 kbps
mk() {
	ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "aevalsrc=$2:s=44100" -t 6 \
		-c:a libmp3lame -b:a 128k "$T/drop/$1.mp3"
}
mk quiet "0.04*sin(2*PI*440*t)+0.026*sin(2*PI*660*t)+0.009*(random(0)-0.5)|0.035*sin(2*PI*550*t)+0.022*sin(2*PI*330*t)" &&
	mk loud "0.33*sin(2*PI*440*t)+0.23*sin(2*PI*660*t+1)|0.33*sin(2*PI*550*t)+0.23*sin(2*PI*330*t+2)" &&
	mk peaky "0.06*sin(2*PI*440*t)+0.97*sin(2*PI*1000*t)*lt(mod(t\,2)\,0.05)|0.06*sin(2*PI*550*t)" ||
	po_fail "$NAME" "cannot make the fixtures (ffmpeg with libmp3lame)"

# ebur128 of a file: "I TP" (LUFS, dBTP)
measure() {
	ffmpeg -nostdin -hide_banner -nostats -i "$1" -af ebur128=peak=true -f null - 2>&1 |
		awk '/Summary:/ {s = 1} s && $1 == "I:" {i = $2} s && $1 == "Peak:" {p = $2} END {print i, p}'
}
# the probe's own figures, which the gain is decided from: "I TP"
probe() {
	"$PLAYOUTCTL" probe "$1" --json | "$PO_PY" -c '
import json, sys
l = json.load(sys.stdin)["loudness"]
print(l["integrated_lufs"], l["true_peak_dbtp"])'
}
within() { [ -n "$1" ] && awk -v a="$1" -v lo="$2" -v hi="$3" 'BEGIN {exit !(a >= lo && a <= hi)}'; }
calc() { awk "BEGIN {printf \"%.2f\", $1}"; }
for f in quiet loud peaky; do
	read -r I TP < <(probe "$T/drop/$f.mp3")
	eval "P_I_$f=\$I P_TP_$f=\$TP"
	echo "# fixture $f: $I LUFS, true peak $TP dBTP (probe)"
done
po_check "the quiet fixture is quiet (-30..-26 LUFS: $P_I_quiet)" within "$P_I_quiet" -30 -26
po_check "the loud fixture is loud (-11..-7 LUFS: $P_I_loud)" within "$P_I_loud" -11 -7
po_check "the peaky fixture peaks near 0 dBFS (-0.6..0.3: $P_TP_peaky)" within "$P_TP_peaky" -0.6 0.3
po_check "the peaky fixture wants more gain than its peak allows ($P_I_peaky LUFS)" \
	within "$(calc "$TARGET - $P_I_peaky - ($CEILING - $P_TP_peaky)")" 1 99

po_check "quiet and loud are not held by the ceiling: they aim at $TARGET LUFS itself" \
	test "$(calc "$P_TP_quiet + $TARGET - $P_I_quiet < $CEILING && $P_TP_loud + $TARGET - $P_I_loud < $CEILING")" = 1.00

po_icecast_start "$T/ice" || po_fail "$NAME" "icecast2 did not start"
PORT=$ICECAST_PORT
export PO_TEST_ICECAST_PASSWORD=$PO_ICECAST_SOURCE_PASSWORD
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
# time for the plan, the fetch and the probes before the first start
START=$(($(date +%s) + 12))
cat >"$T/schedule.csv" <<EOF
"$(iso "$START")","$(iso $((START + 7)))","quiet","quiet.mp3","Quiet"
"$(iso $((START + 9)))","$(iso $((START + 16)))","loud","loud.mp3","Loud"
"$(iso $((START + 18)))","$(iso $((START + 25)))","peaky","peaky.mp3","Peaky"
EOF
output() { # FORMAT SETTINGS
	echo "{ plugin = \"icecast\"; instance = \"$1\"; host = \"127.0.0.1\"; port = $PORT;
	  mount = \"/$1\"; password = \"env:PO_TEST_ICECAST_PASSWORD\"; format = \"$1\"; $2
	  loudness_target = $TARGET.0; }"
}
CONF="$T/playout.conf"
cat >"$CONF" <<EOF
station = "Test FM"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plan_interval_s = 5; send_ahead_ms = 300;
schedule = ( { plugin = "csv"; path = "$T/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
outputs = ( $(output vorbis "quality = 4.0; samplerate = 44100;"),
            $(output opus "bitrate = 96; samplerate = 48000;"),
            $(output mp3 "bitrate = 192; samplerate = 44100;") );
EOF
LPIDS=""
for fmt in $FORMATS; do
	po_spawn "$PO_PY" "$LISTEN" "http://127.0.0.1:$PORT/$fmt" "$T/l-$fmt" \
		--until $((START + 30 - $(date +%s))) --sessions 3
	LPIDS="$LPIDS $PO_LAST_PID"
done
po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f
DPID=$PO_LAST_PID
for pid in $LPIDS; do po_reap "$pid" || true; done
rc=0; po_stop_timed "$DPID" || rc=$?
po_check "SIGTERM: playoutd exits 0 (rc=$rc)" test "$rc" -eq 0
grep -E "LUFS|loudness" "$T/playoutd.log" | sed 's/^/#   /'
po_check "each output decided each programme's gain from its probe (9 lines)" \
	test "$(grep -c 'dBTP: gain .* dB (exact' "$T/playoutd.log")" -ge 9
po_check "no programme aired with its loudness unknown" po_file_lacks "$T/playoutd.log" "loudness not known"

# measure the captures side by side (nine decodes), then check in order
MPIDS=""
for fmt in $FORMATS; do
	k=0
	for f in quiet loud peaky; do
		k=$((k + 1))
		cap="$T/l-$fmt/session-$k.bin"
		[ -s "$cap" ] || continue
		if [ "$fmt" != mp3 ]; then
			# one logical stream per session, each page once
			"$PO_PY" "$OGGSPLIT" "$cap" "$T/$fmt-$k" >/dev/null && cap="$T/$fmt-$k-1.ogg"
		fi
		measure "$cap" >"$T/$fmt-$f.measure" &
		MPIDS="$MPIDS $!"
	done
done
for pid in $MPIDS; do wait "$pid"; done
for fmt in $FORMATS; do
	po_check "$fmt: the listener recorded three sessions" test -s "$T/l-$fmt/session-3.bin"
	for f in quiet loud peaky; do
		RI="" RTP=""
		[ -s "$T/$fmt-$f.measure" ] && read -r RI RTP <"$T/$fmt-$f.measure"
		eval "pi=\$P_I_$f ptp=\$P_TP_$f"
		gain=$(calc "($TARGET - $pi < $CEILING - $ptp) ? $TARGET - $pi : $CEILING - $ptp")
		want=$(calc "$pi + $gain")
		echo "# $fmt $f: gain $gain dB, received $RI LUFS (want $want), true peak $RTP dBTP"
		po_check "$fmt $f: the listener hears $want +- 0.5 LUFS ($RI)" \
			within "$RI" "$(calc "$want - 0.5")" "$(calc "$want + 0.5")"
		tol=$(codec_tp_db "$fmt")
		po_check "$fmt $f: true peak at most $CEILING + $tol dBTP ($RTP)" \
			within "$RTP" -99 "$(calc "$CEILING + $tol")"
	done
done
[ "$PO_FAILED" -gt 0 ] && tail -n 30 "$T/playoutd.log" | sed "s/^/#   /"
po_result "$NAME"
