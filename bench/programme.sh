# bench/programme.sh: sourced by the shell benches. po_bench_programme NAME
# sets PROG to the 60 s programme every bench plays (128 kbps 44.1 kHz
# stereo MP3, tones over pink noise, the one bench/onair.py makes), making
# it once in /tmp/po-bench-onair. NAME says who failed.
po_bench_programme() {
	local cache=/tmp/po-bench-onair
	PROG="$cache/programme_60s_128k_stereo.mp3"
	mkdir -p "$cache"
	[ -s "$PROG" ] && return 0
	ffmpeg -nostdin -v error -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=60" \
		-f lavfi -i "sine=frequency=554:sample_rate=44100:duration=60" \
		-f lavfi -i "anoisesrc=color=pink:amplitude=0.05:sample_rate=44100:duration=60" \
		-filter_complex "[0][1]amerge=inputs=2[s];[s][2]amix=inputs=2:duration=first" \
		-ac 2 -ar 44100 -c:a libmp3lame -b:a 128k -write_xing 0 -id3v2_version 0 \
		"$PROG.tmp.mp3" && mv "$PROG.tmp.mp3" "$PROG" ||
		{ echo "$1: cannot make the programme (ffmpeg)" >&2; return 1; }
}
