#!/bin/bash
# Boot during an outage (issue: no programme lost). The calendar and the
# bucket are blackholed: their endpoint accepts TCP and never answers. A
# programme is already in the cache from an earlier run. playoutd must be on
# duty within a second, plan from the cache without waiting for anybody, put
# the programme on air on time, answer SIGHUP without blocking, and stop
# within 2 s on SIGTERM while both requests still hang.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}symbolize=0" # a fast exit

PLAYOUTD="$PO_BUILDDIR/playoutd"
T=$(po_tmpdir) || exit 1
mkdir -p "$T/cache"
po_mp3 "$T/cache/20260329_1001_boot.mp3" 4 440 || { echo "cannot make test mp3s (lame)" >&2; po_result fault_boot 0 1; }
po_spawn "$PO_PY" "$PO_SRCDIR/tests/fakes/blackhole.py" --port-file "$T/bh.port" --log "$T/bh.log"
po_wait_for 10 test -s "$T/bh.port" || po_result fault_boot 0 1
BH=$(cat "$T/bh.port")

umask 077
cat >"$T/creds.json" <<'EOF'
{"installed": {"client_id": "test-client.apps.googleusercontent.com", "client_secret": "test-secret"}}
EOF
cat >"$T/token.json" <<'EOF'
{"refresh_token": "1//refresh-test"}
EOF
export AWS_ACCESS_KEY_ID=AKIDBOOTTEST AWS_SECRET_ACCESS_KEY=bootsecret
CONF="$T/playout.conf"
cat >"$CONF" <<EOF
station = "Test FM"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plan_interval_s = 5; send_ahead_ms = 300;
aws = { region = "eu-west-1"; };
schedule = ( { plugin = "gcal"; calendar_id = "station@group.calendar.google.com";
               credentials = "file:$T/creds.json"; token = "file:$T/token.json";
               endpoint = "http://127.0.0.1:$BH/calendar/v3"; token_endpoint = "http://127.0.0.1:$BH/token"; } );
storage = { plugin = "s3"; bucket = "prerecs"; endpoint = "http://127.0.0.1:$BH"; };
outputs = ( { plugin = "file"; instance = "air"; path = "$T/out.mp3"; } );
EOF

LAUNCH=$(date +%s%N)
po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f --pretend-now 2026-03-29T10:00:57Z
DPID=$PO_LAST_PID
po_wait_for 5 grep -q "on duty" "$T/playoutd.log"
# when the daemon's own line says it is on duty, against the launch
DUTY_MS=$("$PO_PY" -c '
import calendar, re, sys, time
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)Z .*on duty", line)
    if m:
        t = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")) + float(m.group(2))
        print(int((t - int(sys.argv[2]) / 1e9) * 1000))
        break
' "$T/playoutd.log" "$LAUNCH")
po_check "on duty within 1 s of the launch (${DUTY_MS:-never} ms)" test "${DUTY_MS:-99999}" -lt 1000
po_check "both endpoints were asked and hang (connections held: $(wc -l <"$T/bh.log" 2>/dev/null))" \
	po_wait_for 5 test "$(wc -l <"$T/bh.log" 2>/dev/null || echo 0)" -ge 2
# SIGHUP re-reads secrets on a thread of its own: the control loop answers
kill -HUP "$DPID"
po_check "SIGHUP is taken at once" po_wait_for 1 grep -q "SIGHUP" "$T/playoutd.log"

done_playing() { [ "$(po_play_field "$CONF" file:air 20260329_1001_boot.mp3 outcome)" = complete ]; }
po_wait_for 15 done_playing
outcome=$(po_play_field "$CONF" file:air 20260329_1001_boot.mp3 outcome)
err=$(po_play_field "$CONF" file:air 20260329_1001_boot.mp3 start_error_ms)
po_check "the cached programme played in full (outcome $outcome)" test "$outcome" = complete
po_check "it started on time (|error| = $err ms < 100)" \
	"$PO_PY" -c 'import sys; sys.exit(0 if abs(float(sys.argv[1] or 1e9)) < 100 else 1)' "$err"
po_check "the output holds the programme, byte for byte" cmp -s "$T/cache/20260329_1001_boot.mp3" "$T/out.mp3"
po_check "the log says which sources have not answered (after 5 s)" \
	po_wait_for 5 eval 'grep -q "s3: no answer after" "$T/playoutd.log" && grep -q "gcal: no answer after" "$T/playoutd.log"'

rc=0; po_stop_timed "$DPID" || rc=$?; ms=$PO_STOP_MS
po_check "SIGTERM while both requests hang: exit 0 (rc=$rc) in under 2 s (${ms} ms)" \
	test "$rc" -eq 0 -a "$ms" -lt 2000
[ "$PO_FAILED" -gt 0 ] && tail -n 30 "$T/playoutd.log" | sed 's/^/#   /'
po_result fault_boot
