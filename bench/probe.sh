#!/bin/bash
# bench/probe.sh: playoutctl probe (loudness, true peak, silence) against
# ffmpeg's ebur128 filter with true peak and against a decode alone
# (mpg123 -t), side by side on one 60-minute 128 kbps MP3: medians of N
# interleaved runs (wall and CPU seconds) and the loudness figures of both,
# which must agree (integrated within 0.1 LU, true peak within 0.3 dB).
# The file is a programme-like signal (pink and brown noise under a slow
# speech-like envelope, limited to -0.4 dBFS), made once with ffmpeg.
# usage: bench/probe.sh [N] [FILE]     exit 1 when the figures disagree
set -u
N=${1:-3}
F=${2:-${TMPDIR:-/tmp}/po-bench-probe-60min-128k.mp3}
top=$(cd "$(dirname "$0")/.." && pwd)
B=${PO_BUILDDIR:-$top/build/plain}
ctl=$B/playoutctl
[ -x "$ctl" ] || { echo "bench/probe: $ctl missing: build first" >&2; exit 2; }
for t in ffmpeg mpg123 python3; do
	command -v $t >/dev/null || { echo "bench/probe: $t missing (tools/deps.sh)" >&2; exit 2; }
done
if [ ! -s "$F" ]; then
	echo "# generating $F (60 min, a minute or two)" >&2
	ffmpeg -nostdin -hide_banner -loglevel error -y \
		-f lavfi -i "anoisesrc=c=pink:r=44100:a=0.3:d=3600:s=1" \
		-f lavfi -i "anoisesrc=c=brown:r=44100:a=0.3:d=3600:s=2" \
		-filter_complex "[0][1]amerge=inputs=2,volume='(0.35+0.3*sin(2*PI*t/7)*sin(2*PI*t/53))*4':eval=frame,lowpass=f=12000,alimiter=limit=0.95:level=0" \
		-c:a libmp3lame -b:a 128k "$F.part" && mv "$F.part" "$F" || exit 2
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
TIMEFORMAT='%R %U %S'
timed() { # name command...: appends "wall cpu" to $out/name.t, output to $out/name.out
	local name=$1
	shift
	{ time "$@" >"$out/$name.out" 2>&1; } 2>>"$out/$name.raw"
}
for ((i = 0; i < N; i++)); do
	timed playout "$ctl" probe "$F" --json
	timed ffmpeg ffmpeg -nostdin -hide_banner -nostats -i "$F" -af ebur128=peak=true -f null -
	timed mpg123 mpg123 -q -t "$F"
done
median() { # file column: the median of that column
	awk -v c="$2" '{print $c}' "$1" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
}
cpu() { awk '{printf "%.2f\n", $2 + $3}' "$1"; }
for t in playout ffmpeg mpg123; do
	cpu "$out/$t.raw" >"$out/$t.cpu"
	printf '%s %s\n' "$(median "$out/$t.raw" 1)" "$(median "$out/$t.cpu" 1)" >"$out/$t.med"
done
read -r p_i p_tp < <(python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["loudness"]; print(l["integrated_lufs"], l["true_peak_dbtp"])' "$out/playout.out")
f_i=$(sed -n '/Summary:/,$p' "$out/ffmpeg.out" | awk '$1 == "I:" {print $2; exit}')
f_tp=$(sed -n '/True peak:/,$p' "$out/ffmpeg.out" | awk '$1 == "Peak:" {print $2; exit}')
read -r pw pc <"$out/playout.med"
read -r fw fc <"$out/ffmpeg.med"
read -r mw mc <"$out/mpg123.med"
printf '# bench/probe  file=%s  runs=%d  host=%s  cpus=%s  load=%s\n' "$F" "$N" "$(uname -n)" \
	"$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %10s %10s %12s %12s\n' tool wall_s cpu_s I_LUFS TP_dBTP
printf '%-34s %10s %10s %12s %12s\n' "playoutctl probe" "$pw" "$pc" "$p_i" "$p_tp"
printf '%-34s %10s %10s %12s %12s\n' "ffmpeg -af ebur128=peak=true" "$fw" "$fc" "$f_i" "$f_tp"
printf '%-34s %10s %10s %12s %12s\n' "mpg123 -t (decode only)" "$mw" "$mc" - -
python3 - "$pw" "$pc" "$fw" "$fc" "$mw" "$p_i" "$f_i" "$p_tp" "$f_tp" <<'PY'
import sys
pw, pc, fw, fc, mw, pi, fi, ptp, ftp = map(float, sys.argv[1:])
print(f"speedup_vs_ffmpeg_wall   {fw / pw:.2f} x   (target >= 3)")
print(f"speedup_vs_ffmpeg_cpu    {fc / pc:.2f} x")
print(f"playout_vs_decode_wall   {pw / mw:.2f} x")
di, dtp = abs(pi - fi), abs(ptp - ftp)
print(f"integrated_difference    {di:.1f} LU  (limit 0.1)")
print(f"true_peak_difference     {dtp:.1f} dB  (limit 0.3)")
sys.exit(0 if di <= 0.1 + 1e-9 and dtp <= 0.3 + 1e-9 else 1)
PY
