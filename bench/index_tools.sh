#!/bin/sh
# bench/index_tools.sh: what a station would otherwise run on the same file
# bench/index uses, for side-by-side figures: ffprobe counting frames (the
# exact duration; bench/index's index_ lines) and ffmpeg's ebur128 filter
# with true peak (loudness; bench/index's probe_ lines). Medians of N runs.
# usage: bench/index_tools.sh [N]   (run by `make benchmarks` after bench/index)
N=${1:-3}
F=/tmp/po-bench-60min-128k.mp3
[ -s "$F" ] || { echo "bench/index_tools: $F missing: run bench/index first" >&2; exit 2; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
run() { # name command...: prints "name median ms"
	name=$1; shift
	i=0; : >/tmp/po-bench-tools.$$
	while [ $i -lt "$N" ]; do
		t0=$(now_ms); "$@" >/dev/null 2>&1; t1=$(now_ms)
		echo $((t1 - t0)) >>/tmp/po-bench-tools.$$
		i=$((i + 1))
	done
	printf '%s %s ms\n' "$name" "$(median </tmp/po-bench-tools.$$)"
	rm -f /tmp/po-bench-tools.$$
}
run ffprobe_count_frames_60min_wall_median \
	ffprobe -v error -count_frames -select_streams a:0 -show_entries stream=nb_read_frames "$F"
run ffmpeg_ebur128_truepeak_60min_wall_median \
	ffmpeg -nostdin -v error -i "$F" -af ebur128=peak=true -f null -
