#!/bin/bash
# Loudness normalisation of a joined item on the re-encoding outputs: each
# file gets its own gain. One playoutd on a pretend clock with the halfhour
# join plugin plays an hour made of a quiet file at 01:00 (about -28 LUFS:
# +12 dB), cut at 5 s, and a loud one named for 01:30 (about -9 LUFS:
# -7 dB) as one item, on a vorbis and an mp3 output through icecast2, both
# with loudness_target = -16. A listener per mount records the stream; the
# capture is cut at the second file's first sample (the first file keeps
# floor(5 * 44100 / 1152) = 191 frames: 220032 samples; the mp3 capture
# carries LAME's 1105 samples of delay besides) and ffmpeg's ebur128
# measures each part, leaving out 60 ms either side of the boundary (the
# 10 ms switch between the gains lies there). Both parts land within
# 0.5 dB of -16 LUFS and the loud part's true peak stays at the ceiling
# (-1 dBTP) plus what the codec adds. With the first file's gain for both,
# the loud part would be about 19 dB too loud.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}symbolize=0" # a fast exit

NAME=loudness_join
PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
LISTEN="$PO_SRCDIR/tests/integration/listen.py"
OGGSPLIT="$PO_SRCDIR/tests/integration/oggsplit.py"
PRETEND=2026-03-29T00:59:47Z
TARGET=-16
CEILING=-1
BOUNDARY=220032 # the second file's first sample in the item
FORMATS="vorbis mp3"
# what the decoded capture puts before the item's first sample
codec_delay() { case $1 in mp3) echo 1105 ;; *) echo 0 ;; esac; }
[ -x "$PLAYOUTD" ] && [ -x "$PLAYOUTCTL" ] || po_fail "$NAME" "$PLAYOUTD or $PLAYOUTCTL is not built"
command -v ffmpeg >/dev/null && command -v lame >/dev/null ||
	po_fail "$NAME" "ffmpeg or lame is missing (tools/deps.sh)"
T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"

# the quiet and loud fixtures of test_loudness_pcm.sh; lame -t writes no
# Info frame, so each file's frames are all audio
mk() { # NAME SECONDS EXPR
	ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "aevalsrc=$3:s=44100" -t "$2" \
		"$T/$1.wav" && lame -b 128 --cbr -t --quiet "$T/$1.wav" "$T/drop/$1.mp3"
}
QUIET=20260329_0100_quiet
LOUD=20260329_0130_loud
mk $QUIET 6 "0.04*sin(2*PI*440*t)+0.026*sin(2*PI*660*t)+0.009*(random(0)-0.5)|0.035*sin(2*PI*550*t)+0.022*sin(2*PI*330*t)" &&
	mk $LOUD 5 "0.33*sin(2*PI*440*t)+0.23*sin(2*PI*660*t+1)|0.33*sin(2*PI*550*t)+0.23*sin(2*PI*330*t+2)" ||
	po_fail "$NAME" "cannot make the fixtures (ffmpeg, lame)"

# ebur128 of a decoded span: "I TP" (LUFS, dBTP); FROM and TO in samples
measure() { # FILE FROM TO
	ffmpeg -nostdin -hide_banner -nostats -i "$1" \
		-af "atrim=start_sample=$2:end_sample=$3,ebur128=peak=true" -f null - 2>&1 |
		awk '/Summary:/ {s = 1} s && $1 == "I:" {i = $2} s && $1 == "Peak:" {p = $2} END {print i, p}'
}
probe() {
	"$PLAYOUTCTL" probe "$1" --json | "$PO_PY" -c '
import json, sys
l = json.load(sys.stdin)["loudness"]
print(l["integrated_lufs"], l["true_peak_dbtp"])'
}
within() { [ -n "$1" ] && awk -v a="$1" -v lo="$2" -v hi="$3" 'BEGIN {exit !(a >= lo && a <= hi)}'; }
calc() { awk "BEGIN {printf \"%.2f\", $1}"; }
for f in quiet loud; do
	eval "file=\$$(echo $f | tr a-z A-Z)"
	read -r I TP < <(probe "$T/drop/$file.mp3")
	eval "P_I_$f=\$I P_TP_$f=\$TP"
	echo "# fixture $f: $I LUFS, true peak $TP dBTP (probe)"
done
po_check "the two files want gains 15 dB or more apart ($P_I_quiet, $P_I_loud LUFS)" \
	within "$(calc "$P_I_loud - $P_I_quiet")" 15 99

po_icecast_start "$T/ice" || po_fail "$NAME" "icecast2 did not start"
PORT=$ICECAST_PORT
export PO_TEST_ICECAST_PASSWORD=$PO_ICECAST_SOURCE_PASSWORD
# slots as short as the files: the planner treats a file much shorter than
# its slot as missing
cat >"$T/schedule.csv" <<'EOF'
"2026-03-29T01:00:00Z","2026-03-29T01:00:07Z","quiet","","Quiet Half"
"2026-03-29T01:30:00Z","2026-03-29T01:30:06Z","loud","","Loud Half"
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
join = { plugin = "halfhour"; cut_at_s = 5; };
outputs = ( $(output vorbis "quality = 4.0; samplerate = 44100;"),
            $(output mp3 "bitrate = 192; samplerate = 44100;") );
EOF
LPIDS=""
for fmt in $FORMATS; do
	po_spawn "$PO_PY" "$LISTEN" "http://127.0.0.1:$PORT/$fmt" "$T/l-$fmt" --until 35 --sessions 1
	LPIDS="$LPIDS $PO_LAST_PID"
done
po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f --pretend-now "$PRETEND"
DPID=$PO_LAST_PID
for pid in $LPIDS; do po_reap "$pid" || true; done
"$PLAYOUTCTL" -c "$CONF" rundown --from 2026-03-29T00:30:00 --hours 2 >"$T/rundown.txt" 2>&1
rc=0; po_stop_timed "$DPID" || rc=$?
po_check "SIGTERM: playoutd exits 0 (rc=$rc)" test "$rc" -eq 0
grep -E "LUFS|loudness" "$T/playoutd.log" | sed 's/^/#   /'
po_check "the rundown shows one joined item, quiet cut at 00:05 + loud" \
	po_file_contains "$T/rundown.txt" "joined: $QUIET.mp3 cut at 00:05 + $LOUD.mp3"
po_check "each output decided each file's gain from its own probe (4 lines)" \
	test "$(grep -c 'dBTP: gain .* dB (exact)' "$T/playoutd.log")" -ge 4
po_check "no file aired with its loudness unknown" po_file_lacks "$T/playoutd.log" "loudness not known"

# measure the four parts side by side, then check in order
MPIDS=""
for fmt in $FORMATS; do
	cap="$T/l-$fmt/session-1.bin"
	[ -s "$cap" ] || continue
	if [ "$fmt" = vorbis ]; then
		"$PO_PY" "$OGGSPLIT" "$cap" "$T/$fmt" >/dev/null && cap="$T/$fmt-1.ogg"
	fi
	b=$((BOUNDARY + $(codec_delay "$fmt")))
	ffmpeg -nostdin -v error -i "$cap" -f s16le -ac 1 -ar 44100 - | wc -c >"$T/$fmt.bytes"
	margin=2646 # 60 ms
	measure "$cap" 0 $((b - margin)) >"$T/$fmt-quiet.measure" &
	MPIDS="$MPIDS $!"
	measure "$cap" $((b + margin)) $((b + 5 * 44100)) >"$T/$fmt-loud.measure" &
	MPIDS="$MPIDS $!"
done
for pid in $MPIDS; do wait "$pid"; done
for fmt in $FORMATS; do
	n=$(($(cat "$T/$fmt.bytes" 2>/dev/null || echo 0) / 2))
	po_check "$fmt: the listener recorded the joined item: $n samples, 4.5 s or more after the second file's first ($BOUNDARY)" \
		test "$n" -ge $((BOUNDARY + 198450))
	for f in quiet loud; do
		RI="" RTP=""
		[ -s "$T/$fmt-$f.measure" ] && read -r RI RTP <"$T/$fmt-$f.measure"
		eval "pi=\$P_I_$f ptp=\$P_TP_$f"
		gain=$(calc "($TARGET - $pi < $CEILING - $ptp) ? $TARGET - $pi : $CEILING - $ptp")
		want=$(calc "$pi + $gain")
		echo "# $fmt $f: gain $gain dB, received $RI LUFS (want $want), true peak $RTP dBTP"
		po_check "$fmt $f part: the listener hears $want +- 0.5 LUFS ($RI)" \
			within "$RI" "$(calc "$want - 0.5")" "$(calc "$want + 0.5")"
		po_check "$fmt $f part: true peak at most $CEILING + 0.5 dBTP ($RTP)" \
			within "$RTP" -99 "$(calc "$CEILING + 0.5")"
	done
done
[ "$PO_FAILED" -gt 0 ] && tail -n 30 "$T/playoutd.log" | sed "s/^/#   /"
po_result "$NAME"
