#!/bin/bash
# bench/pcm_shared_cpu.sh: what three re-encoding outputs of one programme
# cost together (vorbis 44.1 kHz, opus 48 kHz, mp3 44.1 kHz on one
# playoutd and one icecast2), the case the shared decode (core/pcm_tap.c)
# is for. Plays the 60 s programme of bench/pcm_cpu.sh N times (one
# playoutd per run) and prints the daemon's CPU over the programme (% of one
# core: median and each run), its peak RSS, and what the log says was
# decoded. Run it against two builds to compare.
# usage: bench/pcm_shared_cpu.sh [N]   (env: PO_BUILDDIR, default the
#        current folder)
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
export PO_BUILDDIR=${PO_BUILDDIR:-$PWD}
PO_SRCDIR=$SRC
. "$SRC/tests/integration/lib.sh"
PLAYOUTD="$PO_BUILDDIR/playoutd"
[ -x "$PLAYOUTD" ] || { echo "bench/pcm_shared_cpu: $PLAYOUTD not built (set PO_BUILDDIR)" >&2; exit 2; }
N=${1:-3}

. "$SRC/bench/programme.sh"
po_bench_programme bench/pcm_shared_cpu || exit 1

W=$(po_tmpdir) || exit 1
po_icecast_start "$W/ice" || exit 1
export PO_TEST_ICECAST_PASSWORD=$PO_ICECAST_SOURCE_PASSWORD
TCK=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null; }
out() { # mount encoding
	echo "{ plugin = \"icecast\"; instance = \"$1\"; host = \"127.0.0.1\"; port = $ICECAST_PORT;
	  mount = \"/$1\"; password = \"env:PO_TEST_ICECAST_PASSWORD\"; $2 }"
}

echo "# bench_pcm_shared_cpu  programme=60 s 128k stereo 44.1 kHz  outputs=vorbis,opus,mp3" \
	" runs=$N  build=$PO_BUILDDIR  host=$(uname -n)  cores=$(nproc)"
cpus=""
for run in $(seq 1 "$N"); do
	D="$W/run$run"
	mkdir -p "$D/drop" "$D/cache"
	cp "$PROG" "$D/drop/20260329_0100_prog.mp3"
	cat >"$D/playout.conf" <<EOF2
station = "Bench FM"; timezone = "UTC"; state = "$D/state.db"; cache = "$D/cache";
storage = { plugin = "localdisk"; path = "$D/drop"; settle_s = 0; };
outputs = ( $(out v 'format = "vorbis"; quality = 4.0; samplerate = 44100;'),
            $(out o 'format = "opus"; bitrate = 96; samplerate = 48000;'),
            $(out m 'format = "mp3"; bitrate = 128; samplerate = 44100;') );
EOF2
	# the programme starts 5 s after launch (the file is probed meanwhile)
	po_spawn_out "$D/playoutd.log" "$PLAYOUTD" -c "$D/playout.conf" -f \
		--pretend-now 2026-03-29T00:59:55Z
	P=$PO_LAST_PID
	t0=$(date +%s%N)
	until [ "$(date +%s%N)" -ge $((t0 + 5 * 1000000000)) ]; do sleep 0.05; done
	a=$(ticks "$P")
	until [ "$(date +%s%N)" -ge $((t0 + 65 * 1000000000)) ]; do sleep 0.2; done
	b=$(ticks "$P")
	hwm=$(awk '/VmHWM/ {print $2}' "/proc/$P/status")
	until [ "$(date +%s%N)" -ge $((t0 + 67 * 1000000000)) ]; do sleep 0.2; done
	kill -TERM "$P"
	po_reap "$P" >/dev/null 2>&1
	cpu=$(awk -v a="$a" -v b="$b" -v t="$TCK" 'BEGIN { printf "%.2f", (b - a) / t / 60 * 100 }')
	cpus="$cpus $cpu"
	echo "run${run}_cpu  $cpu  % of one core"
	awk -v h="$hwm" -v r="$run" 'BEGIN { printf "run%s_rss_max  %.1f  MiB\n", r, h / 1024 }'
	grep -o 'pcm: .*decoded privately)' "$D/playoutd.log" | sed 's/^/# /'
done
echo "$cpus" | tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 }
	END { printf "cpu_median  %s  %% of one core (N=%d)\n", v[int((NR + 1) / 2)], NR }'
