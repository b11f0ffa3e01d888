#!/bin/bash
# A rehearsal on the station's cache (issue: no programme lost). A daemon
# rehearsing 30 days ahead (--pretend-now) shares the cache of the station,
# which holds programmes due in 1 to 3 minutes and one that aired 10 days
# ago. Eviction must go by the real clock: the old one goes (retention 2
# days), the ones still ahead stay.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}symbolize=0" # a fast exit

PLAYOUTD="$PO_BUILDDIR/playoutd"
T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"
name_at() { date -u -d "@$1" +%Y%m%d_%H%M; }
NOW=$(date +%s)
po_mp3 "$T/src.mp3" 2 440 || po_result fault_rehearsal 0 1
AHEAD=""
for m in 1 2 3; do
	f="$(name_at $((NOW + m * 60)))_soon$m.mp3"
	cp "$T/src.mp3" "$T/cache/$f"
	AHEAD="$AHEAD $f"
done
OLD="$(name_at $((NOW - 10 * 86400)))_old.mp3"
cp "$T/src.mp3" "$T/cache/$OLD"
CONF=$(po_station_conf "$T" "cache_retention_days = 2;")
: >"$T/schedule.csv"
PRETEND=$(date -u -d "@$((NOW + 30 * 86400))" +%Y-%m-%dT%H:%M:%SZ)
po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f --pretend-now "$PRETEND"
DPID=$PO_LAST_PID
po_check "the rehearsal evicts the programme that aired 10 days ago" \
	po_wait_for 10 test ! -e "$T/cache/$OLD"
for f in $AHEAD; do
	po_check "$f, due within minutes by the real clock, stays in the cache" test -f "$T/cache/$f"
done
rc=0; po_stop_timed "$DPID" || rc=$?
po_check "SIGTERM: exit 0 (rc=$rc) in under 2 s (${PO_STOP_MS} ms)" test "$rc" -eq 0 -a "$PO_STOP_MS" -lt 2000
[ "$PO_FAILED" -gt 0 ] && tail -n 30 "$T/playoutd.log" | sed 's/^/#   /'
po_result fault_rehearsal
