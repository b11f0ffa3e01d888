#!/bin/bash
# Alarms of the sources, on a rehearsal clock, every event to a local
# webhook receiver; schedule_stale_min = 1, storage_unreachable_min = 1
# (the smallest limits: this test waits a minute of real time). While
# playoutd runs, the CSV schedule is taken away (cannot open) and the drop
# folder, a tmpfs, is unmounted (the bare mount point is left, as an
# unmounted share leaves it). After a minute: one "schedule-stale" and one
# "storage-unreachable" event, neither before the minute; both put back:
# one "resolved" for each. Needs root (mount), as CI runs.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}symbolize=0"

PLAYOUTD="$PO_BUILDDIR/playoutd"
HOOK="$PO_PY $PO_SRCDIR/tests/tools/hook_events.py"
T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache" "$T/hook"
[ "$(id -u)" -eq 0 ] || po_skip alarms_stale "needs root to mount a tmpfs (CI runs as root)"
mount -t tmpfs -o size=8m tmpfs "$T/drop" || po_fail alarms_stale "cannot mount a tmpfs"
po_mp3 "$T/prog.mp3" 3 440 && cp "$T/prog.mp3" "$T/drop/prog.mp3" ||
	po_fail alarms_stale "cannot make a test mp3 (lame)"
po_spawn "$PO_PY" "$PO_SRCDIR/tests/fakes/webhook_sink.py" --port-file "$T/hook.port" \
	--dir "$T/hook" --token hook-secret
po_wait_for 10 test -s "$T/hook.port" || po_fail alarms_stale "the webhook sink did not start"
export HOOK_TOKEN=hook-secret
cat >"$T/schedule.csv" <<'CSV'
"2026-07-02T18:00:00Z","2026-07-02T18:00:03Z","prog","prog.mp3","Prog"
CSV
CONF=$(po_station_conf "$T" \
	"alarms = { schedule_stale_min = 1; storage_unreachable_min = 1; disk_low_mb = 0; };" \
	"notify = ( { plugin = \"webhook\"; url = \"http://127.0.0.1:$(cat "$T/hook.port")/hook\";" \
	"             token = \"env:HOOK_TOKEN\"; } );")
count() { $HOOK "$T/hook" count "$@"; }
have() { $HOOK "$T/hook" at-least "$@"; }

po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f --pretend-now 2026-07-02T15:00:00Z
DPID=$PO_LAST_PID
po_check "the storage has answered" \
	po_wait_for 15 po_file_contains "$T/playoutd.log" "files are judged from now on"
po_check "prog is in the cache" po_wait_for 10 test -f "$T/cache/prog.mp3"

# ---- both sources fail
FAULT_AT=$(date +%s%N)
mv "$T/schedule.csv" "$T/schedule.away"
umount "$T/drop"
po_check "the share is unmounted (the bare mount point is left)" test -d "$T/drop" -a ! -e "$T/drop/prog.mp3"
po_check "the schedule failing is noticed" \
	po_wait_for 15 po_file_contains "$T/playoutd.log" "cannot open schedule"
po_check "the storage failing is noticed" \
	po_wait_for 15 po_file_contains "$T/playoutd.log" "looks unmounted\|cannot be listed\|not mounted"
po_check "one schedule-stale event within 75 s" po_wait_for 75 have 1 schedule-stale
STALE_MS=$(( ($(date +%s%N) - FAULT_AT) / 1000000 ))
po_check "one storage-unreachable event" po_wait_for 10 have 1 storage-unreachable
STORAGE_MS=$(( ($(date +%s%N) - FAULT_AT) / 1000000 ))
po_check "... the schedule's not before its minute (${STALE_MS} ms)" test "$STALE_MS" -ge 60000
po_check "... the storage's not before its minute (${STORAGE_MS} ms)" test "$STORAGE_MS" -ge 60000
po_check "the schedule event names the source and why" \
	test "$(count schedule-stale --key schedule-stale:csv --has "cannot open schedule")" -eq 1
po_check "the storage event says why" \
	test "$(count storage-unreachable --key storage-unreachable --has "the storage cannot be listed")" -eq 1

# ---- both back
mv "$T/schedule.away" "$T/schedule.csv"
mount -t tmpfs -o size=8m tmpfs "$T/drop" && cp "$T/prog.mp3" "$T/drop/prog.mp3" ||
	po_fail alarms_stale "cannot mount the tmpfs again"
po_check "schedule back: resolved" po_wait_for 15 have 1 resolved --key schedule-stale:
po_check "storage back: resolved" po_wait_for 15 have 1 resolved --key storage-unreachable
RC=0
po_stop_timed "$DPID" || RC=$?
po_check "SIGTERM: exit 0 (rc=$RC)" test "$RC" -eq 0
umount "$T/drop"
po_check "exactly one of each, and two resolved" \
	test "$(count schedule-stale)" -eq 1 -a "$(count storage-unreachable)" -eq 1 \
	-a "$(count resolved)" -eq 2
po_check "no event said twice" $HOOK "$T/hook" dups
if [ "$PO_FAILED" -gt 0 ]; then
	$HOOK "$T/hook" dump | sed 's/^/#   /'
	tail -n 40 "$T/playoutd.log" | sed 's/^/#   /'
fi
po_result alarms_stale
