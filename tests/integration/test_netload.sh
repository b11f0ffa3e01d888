#!/usr/bin/env bash
# The network module (net.so) is loaded only when a command needs the
# network: playoutctl --help, join, probe and rundown on a drop folder and a
# CSV, and playoutd on them, map no libcurl, OpenSSL or libxml2 (the dynamic loader's own list,
# LD_DEBUG=files); a rundown from a calendar (tests/fakes/google_fake.py)
# loads it and works. A missing module (PLAYOUT_NET_MODULE=/nonexistent), or
# a shared object that is not one, is an outage with a message naming the path: check --strict and gcal-auth
# exit 1, and playoutd still plays the cached programme.
set -u
. "$PO_SRCDIR/tests/integration/lib.sh"
D="$PO_BUILDDIR/playoutd"
C="$PO_BUILDDIR/playoutctl"
FAKE="$PO_SRCDIR/tests/fakes/google_fake.py"
T=$(po_tmpdir)
mkdir -p "$T/drop" "$T/cache"
po_mp3 "$T/drop/20300101_1000_alpha.mp3" 2 440 || { echo "not ok - lame"; po_result netload; }
po_mp3 "$T/b.mp3" 2 660
cat >"$T/schedule.csv" <<'CSV'
"2030-01-01T10:00:00Z","2030-01-01T11:00:00Z","ALPHA","","The Alpha Hour"
CSV
LOCAL="schedule = ( { plugin = \"csv\"; path = \"$T/schedule.csv\"; } );"
conf() { # conf NAME SCHEDULES
	cat >"$T/$1" <<CONF
station = "netload test"; timezone = "UTC";
state = "$T/state.db"; cache = "$T/cache";
probe = { min_fill_percent = 0; };
$2
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
outputs = ( { plugin = "file"; instance = "copy"; path = "$T/out.mp3"; } );
CONF
	chmod 600 "$T/$1"
}
conf local.conf "$LOCAL"

# What a run maps: LD_DEBUG=files names every object the loader opens,
# linked or dlopened, in $T/ld.<pid> (not on stderr, which stays the
# program's). ld_run NAME CMD... runs CMD; its objects are in $T/NAME.ld.
ld_run() {
	local name=$1 rc
	shift
	rm -f "$T"/ld.*
	LD_DEBUG=files LD_DEBUG_OUTPUT="$T/ld" "$@" >"$T/$name.out" 2>"$T/$name.err"
	rc=$?
	cat "$T"/ld.* 2>/dev/null | grep 'file=' >"$T/$name.ld"
	return $rc
}
NET_LIBS='libcurl\|libssl\|libcrypto\|libxml2\|libjson-c\|/net\.so'
no_net() { ! grep -q "$NET_LIBS" "$T/$1.ld"; }
has() { grep -q "$2" "$T/$1.ld"; }

# ---- commands that touch no network load none of it
po_check "--help runs" ld_run help "$C" --help
po_check "the loader's list is readable (LD_DEBUG works here)" has help 'libconfig'
po_check "--help maps no libcurl, OpenSSL, libxml2, json-c or net.so" no_net help
po_check "join runs" ld_run join "$C" join "$T/drop/20300101_1000_alpha.mp3" "$T/b.mp3" "$T/j.mp3" --at 00:01
po_check "join wrote its output" test -s "$T/j.mp3"
po_check "join loads no network code" no_net join
po_check "probe runs" ld_run probe "$C" probe "$T/b.mp3" --json
po_check "probe loads no network code" no_net probe
po_check "rundown on a drop folder and a CSV runs" \
	ld_run rundown "$C" -c "$T/local.conf" rundown --from 2030-01-01T09:00:00Z --hours 4
po_check "the rundown has the programme" po_file_contains "$T/rundown.out" "alpha"
po_check "it loaded its plugins (the list sees dlopen)" has rundown 'localdisk'
po_check "rundown on local storage loads no network code" no_net rundown

# playoutd on local files: on duty, through a planning round, without it
rm -f "$T/out.mp3"
po_spawn_out "$T/dl.out" "$D" -c "$T/local.conf" -f --pretend-now 2030-01-01T09:59:58Z
dpid=$PO_LAST_PID
po_check "playoutd on local files comes up" po_wait_for 10 po_file_contains "$T/dl.out" "on duty"
po_check "it plays" po_wait_for 15 test -s "$T/out.mp3"
po_check "playoutd on local files maps no network code" \
	sh -c "! grep -q '$NET_LIBS' /proc/$dpid/maps"
kill -TERM "$dpid"
po_reap "$dpid"

# ---- a calendar needs the network: the module loads and works
po_mp3 "$T/drop/20260329_0900_morning.mp3" 1 440
cat >"$T/fake.json" <<'EOF'
{"calendars": {"station@group.calendar.google.com": [
  {"id": "e1", "status": "confirmed", "summary": "Morning Show",
   "description": "<p>PID:<b>morning</b></p><p>TYPE:RECORDED</p>",
   "start": {"dateTime": "2026-03-29T10:00:00+01:00"}, "end": {"dateTime": "2026-03-29T11:00:00+01:00"}}
]},
 "access_tokens": {"ya29.netload": 4070908800}}
EOF
po_spawn "$PO_PY" "$FAKE" --port-file "$T/port" --log "$T/fake.jsonl" --config "$T/fake.json"
po_wait_for 10 test -s "$T/port" || { echo "not ok - the fake did not start"; po_result netload; }
PORT=$(cat "$T/port")
printf '{"installed":{"client_id":"c.apps.googleusercontent.com","client_secret":"s","auth_uri":"http://127.0.0.1:%s/o/oauth2/auth","token_uri":"http://127.0.0.1:%s/token"}}' \
	"$PORT" "$PORT" >"$T/credentials.json"
# a token the fake accepts (listed above) until 2099: no refresh needed
printf '{"token":"ya29.netload","refresh_token":"1//netload","token_uri":"http://127.0.0.1:%s/token","client_id":"c.apps.googleusercontent.com","client_secret":"s","expiry":"2099-01-01T00:00:00Z"}' \
	"$PORT" >"$T/token.json"
chmod 600 "$T/credentials.json" "$T/token.json"
GCAL="schedule = ( { plugin = \"gcal\"; instance = \"main\";
  calendar_id = \"station@group.calendar.google.com\";
  credentials = \"file:$T/credentials.json\"; token = \"file:$T/token.json\";
  endpoint = \"http://127.0.0.1:$PORT/calendar/v3\"; timeout_s = 5; retries = -1; } );"
conf gcal.conf "$GCAL"
po_check "rundown from a calendar runs" \
	ld_run gcal "$C" -c "$T/gcal.conf" rundown --from 2026-03-29T08:00:00Z --hours 4
po_check "the calendar's programme is in the rundown, as exact" \
	sh -c "grep 'morning' '$T/gcal.out' | grep -q exact"
po_check "the network module was loaded for it" has gcal '/net\.so'
po_check "and libcurl with it" has gcal 'libcurl'

# ---- no module: an outage that says where it looked
export PLAYOUT_NET_MODULE=/nonexistent/net.so
"$C" -c "$T/gcal.conf" check --strict >"$T/nomod.out" 2>&1
po_check "check --strict with no network module exits 1" test $? -eq 1
po_check "the message names the path tried" po_file_contains "$T/nomod.out" "network module /nonexistent/net.so"
po_check "and says it is treated as an outage" po_file_contains "$T/nomod.out" "outage"
po_check "the missing module is logged once" test "$(grep -c 'every network exchange fails' "$T/nomod.out")" -eq 1
"$C" -c "$T/gcal.conf" gcal-auth --port 0 >"$T/auth.out" 2>&1
po_check "gcal-auth with no network module exits 1" test $? -eq 1
po_check "gcal-auth names the path" po_file_contains "$T/auth.out" "/nonexistent/net.so"
PLAYOUT_NET_MODULE=$(ls "$PO_BUILDDIR"/plugins/localdisk/.libs/localdisk.so) \
	"$C" -c "$T/gcal.conf" check --strict >"$T/wrongmod.out" 2>&1
po_check "a shared object that is not the network module: exit 1" test $? -eq 1
po_check "it is refused by name, not called" po_file_contains "$T/wrongmod.out" "not a playout network module"
"$C" -c "$T/local.conf" rundown --from 2030-01-01T09:00:00Z --hours 4 >"$T/nomod_local.out" 2>&1
po_check "a command with no network needs no module" test $? -eq 0
po_check "and says nothing about it" po_file_lacks "$T/nomod_local.out" "network module"

# playoutd: warns, plays the cached programme from the drop folder
conf both.conf "schedule = ( { plugin = \"csv\"; path = \"$T/schedule.csv\"; },
  { plugin = \"gcal\"; instance = \"main\"; calendar_id = \"station@group.calendar.google.com\";
    credentials = \"file:$T/credentials.json\"; token = \"file:$T/token.json\";
    endpoint = \"http://127.0.0.1:$PORT/calendar/v3\"; timeout_s = 5; retries = -1; } );"
rm -f "$T/out.mp3"
po_spawn_out "$T/d.out" "$D" -c "$T/both.conf" -f --pretend-now 2030-01-01T09:59:58Z
dpid=$PO_LAST_PID
po_check "playoutd comes up without the module" po_wait_for 10 po_file_contains "$T/d.out" "on duty"
# on the first exchange its calendar asks for: the module opens on first use
po_check "it warns with the path" po_wait_for 10 po_file_contains "$T/d.out" "network module /nonexistent/net.so"
po_check "it plays the cached programme" po_wait_for 15 test -s "$T/out.mp3"
po_check "it is still running" kill -0 "$dpid"
kill -TERM "$dpid"
po_reap "$dpid"
po_check "SIGTERM: playoutd exits 0" test $? -eq 0
unset PLAYOUT_NET_MODULE

po_result netload
