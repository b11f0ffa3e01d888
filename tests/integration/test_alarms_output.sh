#!/bin/bash
# Alarms of the outputs, on a rehearsal clock from 14:59:58, every event to
# a local webhook receiver. One programme, prog, 15:00:03-15:00:33, on two
# icecast outputs:
#   slow  a server that answers a source login 2.5 s after it came
#         (tests/fakes/slow_icecast.py): the login begins 0.5 s ahead, so
#         prog starts about 2 s late there: exactly one "late-start" event,
#         with the start error the history measured;
#   main  a real icecast2, stopped while prog is on air and started again
#         once the "output-down" event came (output_down_s = 3): then one
#         "resolved" for it.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}symbolize=0"

PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
HOOK="$PO_PY $PO_SRCDIR/tests/tools/hook_events.py"
T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache" "$T/hook"
po_mp3 "$T/drop/prog.mp3" 30 440 || po_fail alarms_output "cannot make a test mp3 (lame)"
po_icecast_start "$T/ice" || po_fail alarms_output "icecast2 did not start"
MAIN_PORT=$ICECAST_PORT
po_spawn_out "$T/slow.out" "$PO_PY" "$PO_SRCDIR/tests/fakes/slow_icecast.py" 2.5 "$T/slow.log"
po_spawn "$PO_PY" "$PO_SRCDIR/tests/fakes/webhook_sink.py" --port-file "$T/hook.port" \
	--dir "$T/hook" --token hook-secret
po_wait_for 10 grep -q '^port ' "$T/slow.out" || po_fail alarms_output "the slow server did not start"
po_wait_for 10 test -s "$T/hook.port" || po_fail alarms_output "the webhook sink did not start"
SLOW_PORT=$(sed -n 's/^port //p' "$T/slow.out")
export HOOK_TOKEN=hook-secret PO_TEST_ICECAST_PASSWORD=$PO_ICECAST_SOURCE_PASSWORD
cat >"$T/schedule.csv" <<'CSV'
"2026-07-02T15:00:03Z","2026-07-02T15:00:33Z","prog","prog.mp3","Prog"
CSV
cat >"$T/playout.conf" <<CONF_END
station = "Test FM"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plan_interval_s = 5; send_ahead_ms = 300;
schedule = ( { plugin = "csv"; path = "$T/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
outputs = ( { plugin = "icecast"; instance = "main"; host = "127.0.0.1"; port = $MAIN_PORT;
              mount = "/prerec"; password = "env:PO_TEST_ICECAST_PASSWORD"; },
            { plugin = "icecast"; instance = "slow"; host = "127.0.0.1"; port = $SLOW_PORT;
              mount = "/prerec"; password = "env:PO_TEST_ICECAST_PASSWORD"; } );
alarms = { output_down_s = 3; late_start_ms = 1000; disk_low_mb = 0; };
notify = ( { plugin = "webhook"; url = "http://127.0.0.1:$(cat "$T/hook.port")/hook";
             token = "env:HOOK_TOKEN"; } );
CONF_END
CONF=$T/playout.conf
count() { $HOOK "$T/hook" count "$@"; }
have() { $HOOK "$T/hook" at-least "$@"; }

po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f --pretend-now 2026-07-02T14:59:58Z
DPID=$PO_LAST_PID
on_air() { [ "$(po_play_field "$CONF" "icecast:$1" prog.mp3 outcome)" = playing ]; }
po_check "prog is on air on main" po_wait_for 15 on_air main
po_check "prog is on air on slow" po_wait_for 10 on_air slow

# ---- late start on slow
po_check "one late-start event" po_wait_for 10 have 1 late-start
ERR_MS=$(po_play_field "$CONF" icecast:slow prog.mp3 start_error_ms)
MAIN_ERR_MS=$(po_play_field "$CONF" icecast:main prog.mp3 start_error_ms)
echo "# start error: slow $ERR_MS ms, main $MAIN_ERR_MS ms"
po_check "the history measured slow's start over the limit (${ERR_MS} ms)" \
	"$PO_PY" -c 'import sys; sys.exit(0 if float(sys.argv[1]) > 1000 else 1)' "$ERR_MS"
WANT=$("$PO_PY" -c 'import sys; print("started %.1f s late on icecast:slow" % (float(sys.argv[1]) / 1000))' "$ERR_MS")
po_check "the event gives that start error: \"$WANT\"" \
	test "$(count late-start --key late-start:icecast:slow: --has "prog $WANT")" -eq 1

# ---- main's icecast2 goes away while prog is on air, and comes back
DOWN_AT=$(date +%s%N)
po_icecast_stop
po_check "an output-down event for main" po_wait_for 15 have 1 output-down --key output-down:icecast:main
SAID_AFTER_MS=$(( ($(date +%s%N) - DOWN_AT) / 1000000 ))
po_check "... not before the 2 s a programme on air may wait (${SAID_AFTER_MS} ms)" \
	test "$SAID_AFTER_MS" -ge 2000
po_check "... naming the output and why" \
	test "$(count output-down --has "output icecast:main is down for")" -eq 1
po_icecast_start "$T/ice" "$MAIN_PORT" || po_fail alarms_output "icecast2 did not start again"
po_check "main back: output-down resolved" po_wait_for 20 have 1 resolved --key output-down:icecast:main
on_air_again() { "$PLAYOUTCTL" -c "$CONF" status --json 2>/dev/null | "$PO_PY" -c '
import json, sys
s = json.load(sys.stdin)
o = [x for x in s.get("outputs", []) if x.get("output") == "icecast:main"]
sys.exit(0 if o and o[0].get("state") == "on air" else 1)'; }
po_check "main is on air again (status)" on_air_again
sleep 1 # a round after: nothing more may come
RC=0
po_stop_timed "$DPID" || RC=$?
po_check "SIGTERM: exit 0 (rc=$RC)" test "$RC" -eq 0

po_check "exactly one late-start, on slow ($(count late-start))" \
	test "$(count late-start)" -eq 1 -a "$(count late-start --key late-start:icecast:slow:)" -eq 1
po_check "exactly one output-down and one resolved, both main's" \
	test "$(count output-down)" -eq 1 -a "$(count resolved)" -eq 1
po_check "no event said twice" $HOOK "$T/hook" dups
if [ "$PO_FAILED" -gt 0 ]; then
	$HOOK "$T/hook" dump | sed 's/^/#   /'
	"$PLAYOUTCTL" -c "$CONF" status | sed 's/^/#   /'
	tail -n 40 "$T/playoutd.log" | sed 's/^/#   /'
fi
po_icecast_stop
po_result alarms_output
