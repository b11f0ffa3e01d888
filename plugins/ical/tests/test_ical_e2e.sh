#!/usr/bin/env bash
# ical end to end through the real core (host http, secrets, station time):
# playoutctl rundown plans a week across each DST change from a feed in
# Berlin time, over HTTP from tests/fakes/ical_server.py and as a file:,
# with localdisk files named for the slots; the planned starts are asserted
# in UTC. The secret part of the address never reaches the output.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../../..}/tests/integration/lib.sh"

C="$PO_BUILDDIR/playoutctl"
SERVER="$PO_SRCDIR/tests/fakes/ical_server.py"
[ -x "$C" ] || { echo "not ok - $C is not built"; po_result ical_e2e 0 1; }
T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/www"

# Daily 10:00 Berlin from 26 March to 31 October 2026; 30 March removed
# (EXDATE), 31 March moved to 11:00 (RECURRENCE-ID), 24 October cancelled.
ics() {
	printf '%s\r\n' "BEGIN:VCALENDAR" "VERSION:2.0" "PRODID:-//playout test//EN" \
		"BEGIN:VTIMEZONE" "TZID:Europe/Berlin" \
		"BEGIN:DAYLIGHT" "TZOFFSETFROM:+0100" "TZOFFSETTO:+0200" "TZNAME:CEST" \
		"DTSTART:19700329T020000" "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" "END:DAYLIGHT" \
		"BEGIN:STANDARD" "TZOFFSETFROM:+0200" "TZOFFSETTO:+0100" "TZNAME:CET" \
		"DTSTART:19701025T030000" "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU" "END:STANDARD" \
		"END:VTIMEZONE" \
		"BEGIN:VEVENT" "UID:daily@test" "DTSTAMP:20260301T000000Z" \
		"DTSTART;TZID=Europe/Berlin:20260326T100000" "DTEND;TZID=Europe/Berlin:20260326T110000" \
		"RRULE:FREQ=DAILY;UNTIL=20261031T235959Z" \
		"EXDATE;TZID=Europe/Berlin:20260330T100000" \
		"SUMMARY:Daily Show" "DESCRIPTION:PID:daily\\nTYPE:RECORDED" "END:VEVENT" \
		"BEGIN:VEVENT" "UID:daily@test" "DTSTAMP:20260301T000000Z" \
		"RECURRENCE-ID;TZID=Europe/Berlin:20260331T100000" \
		"DTSTART;TZID=Europe/Berlin:20260331T110000" "DTEND;TZID=Europe/Berlin:20260331T120000" \
		"SUMMARY:Daily Show (late)" "DESCRIPTION:PID:daily" "END:VEVENT" \
		"BEGIN:VEVENT" "UID:daily@test" "DTSTAMP:20260301T000000Z" \
		"RECURRENCE-ID;TZID=Europe/Berlin:20261024T100000" \
		"DTSTART;TZID=Europe/Berlin:20261024T100000" "DTEND;TZID=Europe/Berlin:20261024T110000" \
		"STATUS:CANCELLED" "SUMMARY:Daily Show" "DESCRIPTION:PID:daily" "END:VEVENT" \
		"END:VCALENDAR"
}
ics >"$T/www/basic.ics"
cp "$T/www/basic.ics" "$T/feed.ics"
# files named in station time (Berlin) for the slots
for f in 20260328_1000 20260329_1000 20260331_1100 20261023_1000 20261025_1000; do
	po_mp3 "$T/drop/${f}_daily.mp3" 2 440 || { echo "not ok - lame"; po_result ical_e2e 0 1; }
done

po_spawn "$PO_PY" "$SERVER" --dir "$T/www" --port-file "$T/port" --log "$T/server.jsonl"
po_wait_for 10 test -s "$T/port" || { echo "not ok - the server did not start"; po_result ical_e2e 0 1; }
PORT=$(cat "$T/port")
SECRET="private-5f2a9c0d7e"

conf() { # conf NAME URL MODE
	cat >"$T/$1" <<EOF
station = "Test FM"; timezone = "Europe/Berlin"; state = "$T/state-$1.db"; cache = "$T/cache";
probe = { min_fill_percent = 0; };  # two-second test files in hour-long slots
schedule = ( { plugin = "ical"; instance = "studio"; url = "$2"; timeout_s = 5; } );
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
outputs = ( { plugin = "file"; path = "$T/out.mp3"; } );
EOF
	chmod "$3" "$T/$1"
}
conf http.conf "http://127.0.0.1:$PORT/calendar/ical/$SECRET/basic.ics" 600
conf file.conf "file:$T/feed.ics" 644

# rundown FORM FROM HOURS: the items as "start decision pid" lines
rundown() {
	"$C" -c "$T/$1.conf" rundown --from "$2" --hours "$3" --json >"$T/$1.json" 2>>"$T/$1.err" &&
		"$PO_PY" -c '
import json, sys
for i in json.load(open(sys.argv[1])):
    print(i["start"], i["decision"], i["pid"].lower())' "$T/$1.json"
}

SPRING="2026-03-28T09:00:00Z exact daily
2026-03-29T08:00:00Z exact daily
2026-03-31T09:00:00Z exact daily
2026-04-01T08:00:00Z missing daily"
AUTUMN="2026-10-23T08:00:00Z exact daily
2026-10-25T09:00:00Z exact daily
2026-10-26T09:00:00Z missing daily"

for form in http file; do
	got=$(rundown $form 2026-03-28T00:00:00Z 110)
	po_check "$form: spring week in UTC: 10:00 Berlin is 09:00Z, then 08:00Z; EXDATE gone; moved to 11:00" \
		test "$got" = "$SPRING"
	[ "$got" = "$SPRING" ] || printf '%s\n' "$got" | sed 's/^/# got: /'
	got=$(rundown $form 2026-10-23T00:00:00Z 90)
	po_check "$form: autumn week in UTC: 08:00Z until 25 October, then 09:00Z; cancelled day gone" \
		test "$got" = "$AUTUMN"
	[ "$got" = "$AUTUMN" ] || printf '%s\n' "$got" | sed 's/^/# got: /'
done

po_check "the feed was fetched over HTTP" grep -q '"status": 200' "$T/server.jsonl"
po_check "the secret part of the address is in no output" \
	bash -c "! grep -rq '$SECRET' '$T/http.json' '$T/http.err' '$T/file.err'"

# the secret address written in a config others can read is refused by the core
conf open.conf "http://127.0.0.1:$PORT/calendar/ical/$SECRET/basic.ics" 644
"$C" -c "$T/open.conf" check >"$T/open.out" 2>&1
po_check "a literal url in a world-readable config is refused" test $? -ne 0
po_check "...naming the fix" grep -q 'readable by others' "$T/open.out"
# an address that would cross the network in clear is refused
conf clear.conf "http://calendar.example.org/calendar/ical/$SECRET/basic.ics" 600
"$C" -c "$T/clear.conf" check >"$T/clear.out" 2>&1
po_check "http:// to another machine is refused" test $? -ne 0
po_check "...without printing the secret" bash -c "! grep -q '$SECRET' '$T/clear.out'"

po_result ical_e2e
