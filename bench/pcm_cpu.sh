#!/bin/bash
# bench/pcm_cpu.sh: what a re-encoding output costs. One playoutd with one
# icecast2 output plays the 60 s programme of bench/onair.sh (128 kbps 44.1
# kHz stereo MP3, tones over pink noise) once per format: passthrough, and
# re-encoded to vorbis, opus and mp3 (decode, resample when needed, encode).
# Prints, per format, the daemon's CPU over the programme (% of one core)
# and its peak RSS. A format the build cannot encode is reported as such.
# usage: bench/pcm_cpu.sh [FORMAT...]   (env: PO_BUILDDIR, default the
#        current folder)
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
export PO_BUILDDIR=${PO_BUILDDIR:-$PWD}
PO_SRCDIR=$SRC
. "$SRC/tests/integration/lib.sh"
PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
[ -x "$PLAYOUTD" ] || { echo "bench/pcm_cpu: $PLAYOUTD not built (set PO_BUILDDIR)" >&2; exit 2; }
FORMATS=${*:-passthrough vorbis opus mp3}

. "$SRC/bench/programme.sh"
po_bench_programme bench/pcm_cpu || exit 1

W=$(po_tmpdir) || exit 1
po_icecast_start "$W/ice" || exit 1
export PO_TEST_ICECAST_PASSWORD=$PO_ICECAST_SOURCE_PASSWORD
TCK=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null; }

echo "# bench_pcm_cpu  programme=60 s 128k stereo 44.1 kHz  host=$(uname -n)  cores=$(nproc)"
for fmt in $FORMATS; do
	D="$W/$fmt"
	mkdir -p "$D/drop" "$D/cache"
	cp "$PROG" "$D/drop/20260329_0100_prog.mp3"
	case $fmt in
	passthrough) ENC='format = "passthrough";' ;;
	vorbis) ENC='format = "vorbis"; quality = 4.0;' ;;
	opus) ENC='format = "opus"; bitrate = 96;' ;;
	mp3) ENC='format = "mp3"; bitrate = 128;' ;;
	*) echo "bench/pcm_cpu: unknown format $fmt" >&2; continue ;;
	esac
	cat >"$D/playout.conf" <<EOF2
station = "Bench FM"; timezone = "UTC"; state = "$D/state.db"; cache = "$D/cache";
storage = { plugin = "localdisk"; path = "$D/drop"; settle_s = 0; };
outputs = ( { plugin = "icecast"; host = "127.0.0.1"; port = $ICECAST_PORT;
              mount = "/$fmt"; password = "env:PO_TEST_ICECAST_PASSWORD"; $ENC } );
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
	kill -TERM "$P"
	po_reap "$P" >/dev/null 2>&1
	outcome=$("$PLAYOUTCTL" -c "$D/playout.conf" history --json 2>/dev/null | "$PO_PY" -c '
import json, sys
p = [x for x in json.load(sys.stdin) if x.get("asset") == "20260329_0100_prog.mp3"]
print(p[-1].get("outcome", "?") if p else "none")')
	if [ "$outcome" != complete ]; then
		echo "# $fmt: not measured: the play is $outcome ($(grep -m1 -o 'cannot open the output: .*' "$D/playoutd.log"))"
		continue
	fi
	awk -v f="$fmt" -v a="$a" -v b="$b" -v t="$TCK" -v h="$hwm" 'BEGIN {
		printf "%s_cpu  %.2f  %% of one core\n", f, (b - a) / t / 60 * 100
		printf "%s_rss_max  %.1f  MiB\n", f, h / 1024 }'
done
