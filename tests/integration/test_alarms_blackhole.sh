#!/bin/bash
# A dead mail server delays nothing: the e-mail notifier points at a server
# that accepts and never answers (blackhole.py). At the start the daemon
# raises alarms (a slot without a file, the daemon starting) whose sending
# hangs; meanwhile a programme due 5 s after the launch must go on air on
# time, and SIGTERM must still end the daemon within 2 s.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}symbolize=0"

PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"
po_mp3 "$T/drop/prog.mp3" 3 440 || po_fail alarms_blackhole "cannot make a test mp3 (lame)"
po_spawn "$PO_PY" "$PO_SRCDIR/tests/fakes/blackhole.py" --port-file "$T/bh.port" --log "$T/bh.log"
po_wait_for 10 test -s "$T/bh.port" || po_fail alarms_blackhole "blackhole.py did not start"
BH=$(cat "$T/bh.port")

cat >"$T/schedule.csv" <<'CSV'
"2026-03-29T10:00:45Z","2026-03-29T10:00:48Z","prog","prog.mp3","Prog"
"2026-03-29T10:02:00Z","2026-03-29T10:30:00Z","miss","","Missing Show"
CSV
CONF=$(po_station_conf "$T" \
	"alarms = { missing_leads_min = [ 5 ]; disk_low_mb = 0; };" \
	"notify = { plugin = \"email\"; url = \"smtp://127.0.0.1:$BH\"; starttls = false;" \
	"           from = \"playout@example.org\"; to = [ \"studio@example.org\" ]; timeout_s = 60; };")
po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f --pretend-now 2026-03-29T10:00:40Z
DPID=$PO_LAST_PID

po_check "the mail server got a connection (a send is hanging)" \
	po_wait_for 10 grep -qs accept "$T/bh.log"
done_() { [ -n "$(po_play_field "$CONF" file:air prog.mp3 outcome | grep -v playing)" ]; }
po_check "the programme played" po_wait_for 30 done_
err=$(po_play_field "$CONF" file:air prog.mp3 start_error_ms)
po_check "it started on time while the mail hung (|error| = $err ms < 100)" \
	"$PO_PY" -c 'import sys; sys.exit(0 if abs(float(sys.argv[1] or 1e9)) < 100 else 1)' "$err"
po_check "the plan went on: the missing slot is in the rundown" \
	po_file_contains "$T/playoutd.log" "1 missing"
rc=0; po_stop_timed "$DPID" || rc=$?
po_check "SIGTERM with a send hanging: exit 0 (rc=$rc) in under 2 s (${PO_STOP_MS} ms)" \
	test "$rc" -eq 0 -a "$PO_STOP_MS" -lt 2000
"$PLAYOUTCTL" -c "$CONF" alerts >"$T/alerts.txt" 2>&1
sed 's/^/#   /' "$T/alerts.txt"
po_check "playoutctl alerts: the slot-missing e-mail is not delivered, to be retried" \
	"$PO_PY" -c '
import json, sys
a = [x for x in json.load(sys.stdin)["alerts"] if x["type"] == "slot-missing"]
sys.exit(0 if len(a) == 1 and not a[0]["delivered"] and a[0]["outcome"] == "pending" else 1)' \
	< <("$PLAYOUTCTL" -c "$CONF" alerts --json)
[ "$PO_FAILED" -gt 0 ] && tail -n 30 "$T/playoutd.log" | sed 's/^/#   /'
po_result alarms_blackhole
