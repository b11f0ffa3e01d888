#!/bin/bash
# bench/onair.sh: playout on air against Liquidsoap and ezstream, side by side
# against one local icecast2, every source through bench/tsproxy.py (which
# times each chunk of audio as it reaches the server's door). Part 1: the
# same 60 s programme (128 kbps 44.1 kHz stereo MP3) through playoutd (MP3
# passthrough, a CSV slot; and one playoutd each re-encoding to Vorbis and
# to Opus), ezstream and Liquidsoap (%mp3 and %vorbis), the last two
# launched at their instant as a cron line would. Part 2: one
# playoutd with N_OUTPUTS outputs against N_OUTPUTS ezstream processes.
# bench/onair.py does the measuring and prints the tables.
# usage: bench/onair.sh [N_OUTPUTS]   (default 30; env: PO_BUILDDIR, default
#        the current folder; PO_BENCH_PARTS=1 or 2 runs one part only)
# Installs liquidsoap and ezstream (po_install_bench_deps) when missing.
set -u
N=${1:-30}
SRC=$(cd "$(dirname "$0")/.." && pwd)
export PO_BUILDDIR=${PO_BUILDDIR:-$PWD}
PO_SRCDIR=$SRC
. "$SRC/tools/deps.sh"
. "$SRC/tests/integration/lib.sh"

PLAYOUTD="$PO_BUILDDIR/playoutd"
[ -x "$PLAYOUTD" ] || { echo "bench/onair: $PLAYOUTD not built (set PO_BUILDDIR)" >&2; exit 2; }
po_install_bench_deps >&2 || { echo "bench/onair: cannot install liquidsoap, ezstream" >&2; exit 2; }

# The programme, made once: two tones over pink noise, so that an encoder has
# real work; no Xing frame, so every byte is audio.
CACHE=/tmp/po-bench-onair
PROG="$CACHE/programme_60s_128k_stereo.mp3"
mkdir -p "$CACHE"
if [ ! -s "$PROG" ]; then
	ffmpeg -nostdin -v error -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=60" \
		-f lavfi -i "sine=frequency=554:sample_rate=44100:duration=60" \
		-f lavfi -i "anoisesrc=color=pink:amplitude=0.05:sample_rate=44100:duration=60" \
		-filter_complex "[0][1]amerge=inputs=2[s];[s][2]amix=inputs=2:duration=first" \
		-ac 2 -ar 44100 -c:a libmp3lame -b:a 128k -write_xing 0 -id3v2_version 0 \
		"$PROG.tmp.mp3" && mv "$PROG.tmp.mp3" "$PROG" ||
		{ echo "bench/onair: cannot make the programme (ffmpeg)" >&2; exit 1; }
fi
chmod o+r "$PROG" "$CACHE" # liquidsoap and ezstream may read it as another user

W=$(po_tmpdir) || exit 1
chmod 755 "$W"

# icecast2 on loopback, with room for every source of part 2: the test
# helper's limits are for a handful of sources, so raise them and restart.
po_icecast_start "$W/ice" || exit 1
po_icecast_stop || true
sed -i -e "s|<sources>[0-9]*</sources>|<sources>$((2 * N + 16))</sources>|" \
	-e "s|<clients>[0-9]*</clients>|<clients>$((4 * N + 64))</clients>|" "$ICECAST_DIR/icecast.xml"
/usr/bin/icecast2 -c "$ICECAST_DIR/icecast.xml" >"$ICECAST_DIR/icecast.out" 2>&1 &
ICECAST_PID=$!
po_register_pid "$ICECAST_PID"
po_wait_for 10 po_http_ok "http://127.0.0.1:$ICECAST_PORT/status-json.xsl" ||
	{ echo "bench/onair: icecast2 did not restart" >&2; cat "$ICECAST_DIR/icecast.out" >&2; exit 1; }

mkdir -p "$W/proxy"
po_spawn "$PO_PY" "$SRC/bench/tsproxy.py" "$ICECAST_PORT" "$W/proxy" --port-file "$W/proxy.port"
PROXY_PID=$PO_LAST_PID
po_wait_for 10 test -s "$W/proxy.port" || { echo "bench/onair: tsproxy did not start" >&2; exit 1; }

echo "# bench_onair  programme=$(basename "$PROG")  N=$N  host=$(uname -n)  cpus=$(nproc)" \
	"load=$(cut -d' ' -f1-3 /proc/loadavg)  $(liquidsoap --version 2>/dev/null | head -1)," \
	"$(ezstream -V 2>/dev/null | head -1), $(/usr/sbin/icecast2 -v 2>/dev/null || icecast2 -v 2>/dev/null)"
export PO_BENCH_ICECAST_PASSWORD=$PO_ICECAST_SOURCE_PASSWORD
"$PO_PY" "$SRC/bench/onair.py" "$PLAYOUTD" "$(cat "$W/proxy.port")" \
	"$PO_ICECAST_SOURCE_PASSWORD" "$PROG" "$W" "$N"
rc=$?
[ -n "${PO_BENCH_KEEP:-}" ] && cp -a "$W" "$PO_BENCH_KEEP" && echo "# kept in $PO_BENCH_KEEP"
po_kill "$PROXY_PID"
exit $rc
