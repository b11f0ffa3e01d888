#!/bin/bash
# Alarms on air, on a rehearsal clock from 14:59:55, every event to a local
# webhook receiver (tests/fakes/webhook_sink.py):
#   jazz  15:00:00-15:00:04  recorded, no file; the previous edition of
#                            25 Jun is the fallback and airs: one "fallback"
#                            event naming it, never resolved, not said again
#                            when it goes on air;
#   long  15:00:05-15:00:35  its file; playoutd is killed (-9) while it is
#                            on air and started again: one "daemon" event
#                            for the crash and one saying it resumed long;
#                            nothing said before the crash is said again;
#   talk  15:01:00-15:01:05  recorded, no file, a fallback: one "fallback"
#                            event; its own file then arrives before air:
#                            one "resolved" for it;
#   loud  15:02:00-15:02:03  its file is at about -4.5 LUFS, above lufs_max (-8):
#                            one "file-rejected" event with the figure,
#                            not said again after the crash.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}symbolize=0"

PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
HOOK="$PO_PY $PO_SRCDIR/tests/tools/hook_events.py"
T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache" "$T/hook" "$T/later"
po_mp3 "$T/drop/20260625_1500_jazz.mp3" 3 440 && po_mp3 "$T/drop/20260625_1501_talk.mp3" 3 550 &&
	po_mp3 "$T/drop/long.mp3" 30 660 && po_mp3 "$T/later/20260702_1501_talk.mp3" 4 770 &&
	po_mp3 "$T/later/quiet.mp3" 3 880 &&
	lame --quiet --mp3input --scale 2.7 -m m -b 128 --cbr -t "$T/later/quiet.mp3" \
		"$T/drop/20260702_1502_loud.mp3" ||
	po_fail alarms_onair "cannot make test mp3s (lame)"
po_spawn "$PO_PY" "$PO_SRCDIR/tests/fakes/webhook_sink.py" --port-file "$T/hook.port" \
	--dir "$T/hook" --token hook-secret
po_wait_for 10 test -s "$T/hook.port" || po_fail alarms_onair "the webhook sink did not start"
export HOOK_TOKEN=hook-secret
cat >"$T/schedule.csv" <<'CSV'
"2026-07-02T15:00:00Z","2026-07-02T15:00:04Z","jazz","","Jazz Hour"
"2026-07-02T15:00:05Z","2026-07-02T15:00:35Z","long","long.mp3","Long Show"
"2026-07-02T15:01:00Z","2026-07-02T15:01:05Z","talk","","Talk Time"
"2026-07-02T15:02:00Z","2026-07-02T15:02:03Z","loud","","Loud Hour"
CSV
CONF=$(po_station_conf "$T" \
	"fallback = { plugin = \"previous-edition\"; max_age_days = 14; };" \
	"alarms = { missing_leads_min = [ 2 ]; disk_low_mb = 0; };" \
	"notify = ( { plugin = \"webhook\"; url = \"http://127.0.0.1:$(cat "$T/hook.port")/hook\";" \
	"             token = \"env:HOOK_TOKEN\"; } );")
count() { $HOOK "$T/hook" count "$@"; }
have() { $HOOK "$T/hook" at-least "$@"; }

LAUNCH=$(date +%s%N)
po_spawn_out "$T/playoutd.1.log" "$PLAYOUTD" -c "$CONF" -f --pretend-now 2026-07-02T14:59:55Z
DPID=$PO_LAST_PID

# ---- before air: a fallback event for each of jazz and talk
po_check "jazz: a fallback event" po_wait_for 15 have 1 fallback --key fallback:jazz:
po_check "talk: a fallback event" po_wait_for 15 have 1 fallback --key fallback:talk:
po_check "... naming the fallback that plays for jazz" \
	test "$(count fallback --key fallback:jazz: --has "with the fallback 20260625_1500_jazz.mp3")" -eq 1
po_check "... and the file expected" \
	test "$(count fallback --key fallback:jazz: --has "20260702_1500_jazz.mp3")" -eq 1

po_check "loud: a file-rejected event with its loudness" \
	po_wait_for 20 have 1 file-rejected --key file-rejected:20260702_1502_loud.mp3 \
	--has "LUFS, outside -30 to -8"

# ---- jazz airs with its fallback; long goes on air
long_on() { [ "$(po_play_field "$CONF" file:air long.mp3 outcome)" = playing ]; }
po_check "long is on air" po_wait_for 20 long_on
po_check "jazz aired with the fallback" \
	test "$(po_play_field "$CONF" file:air 20260625_1500_jazz.mp3 decision)" = fallback
# a progress report of long (bytes) so the crash has a position to resume from
progressed() { [ "$(po_play_field "$CONF" file:air long.mp3 bytes)" -gt 0 ] 2>/dev/null; }
po_wait_for 5 progressed
BEFORE=$(ls "$T/hook"/*.json | wc -l)
po_check "the events before the crash were delivered ($BEFORE)" test "$BEFORE" -ge 5

# ---- crash: kill -9 mid-programme, start again on the same clock
kill -KILL "$DPID"
po_reap "$DPID"
NOW=$("$PO_PY" -c 'import sys, datetime
t = datetime.datetime(2026, 7, 2, 14, 59, 55, tzinfo=datetime.timezone.utc)
t += datetime.timedelta(microseconds=(int(sys.argv[2]) - int(sys.argv[1])) // 1000)
print(t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")' "$LAUNCH" "$(date +%s%N)")
po_spawn_out "$T/playoutd.2.log" "$PLAYOUTD" -c "$CONF" -f --pretend-now "$NOW"
DPID=$PO_LAST_PID
po_check "a daemon event says it restarted after a crash while long was on air" \
	po_wait_for 15 have 1 daemon --has "after a crash while long"
po_check "a daemon event says it resumed long on file:air" \
	po_wait_for 15 have 1 daemon --has "resumed long \"Long Show\" on file:air at +00:"

# ---- talk's own file arrives before air
cp "$T/later/20260702_1501_talk.mp3" "$T/drop/.talk.tmp" &&
	mv "$T/drop/.talk.tmp" "$T/drop/20260702_1501_talk.mp3"
po_check "talk: the fallback event is resolved" \
	po_wait_for 20 have 1 resolved --key fallback:talk:
po_check "talk: its slot-missing event is resolved too" \
	po_wait_for 10 have 1 resolved --key slot-missing:talk:
sleep 1 # a plan round or two after the last event: nothing more may come
RC=0
po_stop_timed "$DPID" || RC=$?
po_check "SIGTERM: exit 0 (rc=$RC)" test "$RC" -eq 0

# ---- exactly once each
po_check "one fallback event for jazz, one for talk ($(count fallback))" \
	test "$(count fallback --key fallback:jazz:)" -eq 1 -a "$(count fallback --key fallback:talk:)" -eq 1 \
	-a "$(count fallback)" -eq 2
po_check "jazz's fallback is never resolved (it aired)" test "$(count resolved --key fallback:jazz:)" -eq 0
po_check "one resolved per talk cause, none else ($(count resolved))" \
	test "$(count resolved --key fallback:talk:)" -eq 1 -a "$(count resolved)" -eq 2
po_check "one crash event and one resume event" \
	test "$(count daemon --has "after a crash while")" -eq 1 -a "$(count daemon --has resumed)" -eq 1
po_check "two starts said, one per run" test "$(count daemon --has "playoutd started")" -eq 2
po_check "no event said twice (type and key)" $HOOK "$T/hook" dups
po_check "one file-rejected event in all" test "$(count file-rejected)" -eq 1
po_check "no late-start: every start was on time" test "$(count late-start)" -eq 0
if [ "$PO_FAILED" -gt 0 ]; then
	$HOOK "$T/hook" dump | sed 's/^/#   /'
	"$PLAYOUTCTL" -c "$CONF" rundown --from 2026-07-02T14:59:00Z --hours 1 | sed 's/^/#   /'
	"$PLAYOUTCTL" -c "$CONF" history | sed 's/^/#   /'
	tail -n 30 "$T"/playoutd.*.log | sed 's/^/#   /'
fi
po_result alarms_onair
