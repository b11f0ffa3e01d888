#!/bin/bash
# bench/join.sh: the seed station's join (two ffmpeg runs: cut A at 30:00 with
# -acodec copy, then the concat demuxer with -c copy) against `playoutctl join`
# on the same two files, `cat A B` as the copy floor, and the planner's join
# (segment list only, in process: bench/join_plan). Medians over N runs;
# whether each output's ffprobe duration is right (within one frame).
# playoutctl fsyncs its output before the rename (crash safety) and cat does
# not, so `cat A B; sync OUT` is timed too (the durable copy floor), and
# `playoutctl join --help` (what starting the program costs, no work).
# usage: bench/join.sh [N]   (env: PO_BUILDDIR, default the current folder)
set -u
N=${1:-5}
BUILD=${PO_BUILDDIR:-$PWD}
CTL="$BUILD/playoutctl"
PLAN="$BUILD/bench/join_plan"
[ -x "$PLAN" ] || make -C "$BUILD" -s bench/join_plan >/dev/null
CACHE=/tmp/po-bench-join
A="$CACHE/a_30m02.5s.mp3"
B="$CACHE/b_29m58s.mp3"
W=$(mktemp -d /tmp/po-bench-join-run.XXXXXX) || exit 1
trap 'rm -rf "$W"' EXIT

[ -x "$CTL" ] || { echo "bench/join: $CTL not built (set PO_BUILDDIR)" >&2; exit 2; }
mkdir -p "$CACHE"
make_mp3() { # out seconds freq: 128 kbps CBR stereo, made once
	[ -s "$1" ] && return 0
	ffmpeg -nostdin -v error -f lavfi -i "sine=frequency=$3:sample_rate=44100:duration=$2" \
		-ac 2 -c:a libmp3lame -b:a 128k "$1.tmp.mp3" && mv "$1.tmp.mp3" "$1"
}
make_mp3 "$A" 1802.5 440 && make_mp3 "$B" 1798 660 || { echo "cannot make the inputs" >&2; exit 1; }

now_ns() { date +%s%N; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
dur() { ffprobe -v error -show_entries format=duration -of csv=p=0 "$1"; }

t_ff=() t_po=() t_cat=() t_sync=() t_start=()
for ((i = 0; i < N; i++)); do
	rm -f "$W"/*.mp3 "$W/list.txt"
	t0=$(now_ns)
	ffmpeg -nostdin -y -v error -ss 0 -t 00:30:00 -i "$A" -acodec copy "$W/a_cut.mp3"
	printf "file '%s'\nfile '%s'\n" "$W/a_cut.mp3" "$B" >"$W/list.txt"
	ffmpeg -nostdin -y -v error -f concat -safe 0 -i "$W/list.txt" -c copy "$W/ffmpeg.mp3"
	t1=$(now_ns)
	"$CTL" join "$A" "$B" "$W/playout.mp3" >"$W/playout.txt" || exit 1
	t2=$(now_ns)
	cat "$A" "$B" >"$W/cat.mp3"
	t3=$(now_ns)
	cat "$A" "$B" >"$W/catsync.mp3" && sync "$W/catsync.mp3"
	t4=$(now_ns)
	"$CTL" join --help >/dev/null 2>&1
	t5=$(now_ns)
	t_ff+=($(((t1 - t0) / 1000))) t_po+=($(((t2 - t1) / 1000))) t_cat+=($(((t3 - t2) / 1000)))
	t_sync+=($(((t4 - t3) / 1000))) t_start+=($(((t5 - t4) / 1000)))
done
ms() { printf '%s\n' "$@" | median | awk '{printf "%.1f", $1 / 1000}'; }
FF=$(ms "${t_ff[@]}") PO=$(ms "${t_po[@]}") CAT=$(ms "${t_cat[@]}")
SYNC=$(ms "${t_sync[@]}") START=$(ms "${t_start[@]}")

# The right duration: A's frames that end by 30:00 plus all of B's frames.
frames=$(sed -n 's/.*: \([0-9]*\) frames,.*/\1/p' "$W/playout.txt" | head -1)
want=$(awk -v f="$frames" 'BEGIN {printf "%.3f", f * 1152 / 44100}')
ok() { awk -v d="$1" -v w="$want" 'BEGIN {x = d - w; if (x < 0) x = -x; print (x <= 1152 / 44100) ? "yes" : "no"}'; }
D_FF=$(dur "$W/ffmpeg.mp3") D_PO=$(dur "$W/playout.mp3") D_CAT=$(dur "$W/cat.mp3")

echo "# bench_join  A=$(basename "$A") B=$(basename "$B") 128k  N=$N  host=$(uname -n)  cpus=$(nproc)"
printf '%-28s %10s %s\n' \
	ffmpeg_two_runs "$FF" ms \
	playoutctl_join "$PO" ms \
	cat_copy_floor "$CAT" ms \
	cat_sync_floor "$SYNC" ms \
	playoutctl_startup "$START" ms
awk -v f="$FF" -v p="$PO" -v c="$CAT" -v s="$SYNC" 'BEGIN {
	printf "%-28s %10.1f x\n", "speedup_vs_ffmpeg", f / p
	printf "%-28s %10.2f x\n", "ratio_to_cat", p / c
	printf "%-28s %10.2f x\n", "ratio_to_cat_sync", p / s }'
if [ -x "$PLAN" ]; then
	"$PLAN" "$A" "$B" "$N" | awk '{printf "%-28s %10s %s\n", $1, $2, $3}'
else
	echo "# bench/join_plan not built: make bench/join_plan" >&2
fi
printf '%-28s %10s s\n' expected_duration "$want"
printf '%-28s %10s s  right=%s\n' duration_ffmpeg "$D_FF" "$(ok "$D_FF")" \
	duration_playoutctl "$D_PO" "$(ok "$D_PO")" duration_cat "$D_CAT" "$(ok "$D_CAT")"
