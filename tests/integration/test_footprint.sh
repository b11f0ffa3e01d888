#!/bin/bash
# Footprint of passthrough (doc/design.md §3): one playoutd plays one 8 s
# programme from a drop folder and a CSV to one icecast2 mount. It maps no
# network module (libcurl and its TLS stack: titles go on a plain socket),
# no TLS library at all (the icecast output's TLS helper is opened only for a
# tls setting), no libshout and no libsystemd, no PCM path (pcm.so: libsoxr
# and the encoders, opened for re-encoding outputs), wakes a few times a second
# rather than once a frame, and its peak RSS
# (VmHWM, the probe's decoding at start-up included) stays under
# PEAK_BOUND_KB. Skipped in sanitizer builds, whose shadow memory is the
# footprint.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
# Measured 6.0 MiB on Debian 12; 12.0 MiB with libshout (its dependencies
# were about 3 MiB: libssl, cairo, X11), libsystemd (1 MiB with its own) and
# the PCM path linked in (0.9 MiB), 17.8 MiB before the network module was
# left out.
PEAK_BOUND_KB=${PO_FOOTPRINT_PEAK_KB:-8192}

if [ ! -x "$PLAYOUTD" ] || [ ! -x "$PLAYOUTCTL" ]; then
	echo "not ok - $PLAYOUTD or $PLAYOUTCTL is not built"
	po_result footprint 0 1
fi
if ldd "$PO_BUILDDIR/.libs/playoutd" "$PLAYOUTD" 2>/dev/null | grep -q 'libasan\|libtsan'; then
	po_skip footprint "a sanitizer build: its shadow memory is the footprint"
fi

T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"
po_mp3 "$T/drop/item.mp3" 8 440 || { echo "cannot make the test mp3 (lame)" >&2; po_result footprint 0 1; }
po_icecast_start "$T/ice" || po_result footprint 0 1
export PO_TEST_ICECAST_PASSWORD=$PO_ICECAST_SOURCE_PASSWORD

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
START=$(( $(date +%s) + 5 ))
cat >"$T/schedule.csv" <<EOF
"$(iso "$START")","$(iso $((START + 10)))","item","item.mp3","Item Show"
EOF
CONF="$T/playout.conf"
cat >"$CONF" <<EOF
station = "Test FM"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plan_interval_s = 5;
schedule = ( { plugin = "csv"; path = "$T/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
outputs = ( { plugin = "icecast"; instance = "main"; host = "127.0.0.1"; port = $ICECAST_PORT;
              mount = "/prerec"; password = "env:PO_TEST_ICECAST_PASSWORD"; } );
EOF
po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f
DPID=$PO_LAST_PID

# Context switches of the players while the item plays: a wake per frame
# would be 38 a second.
switches() { # voluntary context switches of every thread, summed
	local s=0 t
	for t in /proc/"$DPID"/task/*; do
		s=$((s + $(sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' "$t/status" 2>/dev/null || echo 0)))
	done
	echo "$s"
}
while [ "$(date +%s)" -lt $((START + 2)) ]; do sleep 0.2; done
SW0=$(switches)
sleep 4
SW1=$(switches)
complete() { [ "$(po_play_field "$CONF" icecast:main item.mp3 outcome)" = complete ]; }
po_check "the item plays whole" po_wait_for 15 complete
[ "$PO_FAILED" -eq 0 ] || sed "s/^/#   /" "$T/playoutd.log" | tail -n 20
HWM=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$DPID/status")
RSS=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$DPID/status")
echo "# one passthrough output: peak RSS ${HWM:-?} kB, RSS ${RSS:-?} kB after the item;" \
	"$(( (SW1 - SW0) / 4 )) wake-ups a second over 4 s of air (all threads)"
po_check "peak RSS ${HWM:-?} kB is under $PEAK_BOUND_KB kB" test "${HWM:-999999}" -lt "$PEAK_BOUND_KB"
po_check "no network module, libcurl or GnuTLS is mapped" \
	sh -c "! grep -q 'net\.so\|libcurl\|libgnutls' /proc/$DPID/maps"
po_check "no libshout, libssl, TLS helper or libsystemd is mapped" \
	sh -c "! grep -q 'libshout\|libssl\|icecast_tls\.so\|libsystemd' /proc/$DPID/maps"
po_check "no PCM module, libsoxr or encoder (libvorbis, libopus, LAME) is mapped" \
	sh -c "! grep -q 'pcm\.so\|libsoxr\|libvorbis\|libopus\|libmp3lame' /proc/$DPID/maps"
# 5 batches a second, PROGRESS once a second and its sqlite write on the
# control thread, the planner's round: well under a wake per frame
po_check "fewer than 20 wake-ups a second while on air ($(( (SW1 - SW0) / 4 )))" \
	test $(( (SW1 - SW0) / 4 )) -lt 20

kill -TERM "$DPID"
po_reap "$DPID"
po_icecast_stop
po_result footprint
