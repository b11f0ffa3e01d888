#!/bin/bash
# Fault (doc/design.md §7): a hung Icecast server. One playoutd, two icecast
# outputs: a real icecast2 and a server that accepts TCP and never answers
# (tests/fakes/hung_icecast.py silent). On the real clock:
#   short  short.mp3 (4 s) at START, START = launch + 6 s
#   long   long.mp3 (30 s) at START + 6 s
# The healthy output must carry "short" on time, the hung one must say
# "no answer" within connect_timeout_s + 1 s of its first try (0.5 s before
# START), and SIGTERM sent while it is in a connect attempt must end playoutd
# with 0 in under 2 s. Then a second daemon against a server that accepts the
# source login and never reads (hung_icecast.py stalled): a write timeout, a
# reconnect, and again a stop under 2 s while its writes are backed up.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
LISTEN="$PO_SRCDIR/tests/integration/listen.py"
HUNG="$PO_SRCDIR/tests/fakes/hung_icecast.py"
CONNECT_TIMEOUT_S=2
WRITE_TIMEOUT_S=2
CONNECT_AHEAD_MS=500  # the config's default
STOP_LIMIT_MS=2000

# A stop time includes a sanitizer build's exit-time leak scan. Symbolizing
# a report starts llvm-symbolizer, 1-3 s that are not playoutd's: scan
# without names. A real leak still fails the exit status (reports come
# unsymbolized; rerun without this to read them).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}symbolize=0"

if [ ! -x "$PLAYOUTD" ] || [ ! -x "$PLAYOUTCTL" ]; then
	echo "not ok - $PLAYOUTD or $PLAYOUTCTL is not built"
	po_result fault_icecast 0 1
fi

T=$(po_tmpdir) || exit 1
mkdir -p "$T/a/drop" "$T/a/cache" "$T/b/drop" "$T/b/cache"
po_mp3 "$T/a/drop/short.mp3" 4 440 && po_mp3 "$T/a/drop/long.mp3" 30 550 &&
	po_mp3 "$T/b/drop/long.mp3" 40 660 ||
	{ echo "cannot make test mp3s (lame)" >&2; po_result fault_icecast 0 1; }
po_icecast_start "$T/ice" || po_result fault_icecast 0 1
export PO_TEST_ICECAST_PASSWORD=$PO_ICECAST_SOURCE_PASSWORD

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# hung_icecast.py MODE LOG: start it; its port in HUNG_PORT
start_hung() {
	po_spawn_out "$T/$1.out" "$PO_PY" "$HUNG" "$1" "$2"
	HUNG_PID=$PO_LAST_PID
	po_wait_for 10 grep -q '^port ' "$T/$1.out" || return 1
	HUNG_PORT=$(sed -n 's/^port //p' "$T/$1.out")
}
count() { # LOG WHAT: lines of that kind so far
	[ -f "$1" ] || { echo 0; return; }
	grep -c " $2" "$1"
}
daemon_gone() { ! kill -0 "$DPID" 2>/dev/null || [ "$(ps -o stat= -p "$DPID" | cut -c1)" = Z ]; }

# stop_daemon LOG: SIGTERM to $DPID; STOP_MS and STOP_RC say how long it took
# and how it ended; the daemon's own "stopping"/"stopped" lines are printed.
stop_daemon() {
	local t0 t1
	t0=$(date +%s%N)
	kill -TERM "$DPID"
	po_wait_for 10 daemon_gone
	t1=$(date +%s%N)
	STOP_MS=$(( (t1 - t0) / 1000000 ))
	STOP_RC=0
	if daemon_gone; then
		po_reap "$DPID" || STOP_RC=$?
	else
		STOP_RC=timeout
	fi
	grep -E "core: .*stopping$|core: stopped$" "$1" | sed 's/^/#   /'
}

# ---- A. a silent server next to a healthy one ------------------------------
start_hung silent "$T/silent.log" || { echo "not ok - the silent server did not start"; po_result fault_icecast 0 1; }
START=$(( $(date +%s) + 6 ))
cat >"$T/a/schedule.csv" <<EOF
"$(iso "$START")","$(iso $((START + 5)))","short","short.mp3","Short Show"
"$(iso $((START + 6)))","$(iso $((START + 40)))","long","long.mp3","Long Show"
EOF
CONF="$T/a/playout.conf"
cat >"$CONF" <<EOF
station = "Test FM"; timezone = "UTC"; state = "$T/a/state.db"; cache = "$T/a/cache";
plan_interval_s = 5; send_ahead_ms = 300;
schedule = ( { plugin = "csv"; path = "$T/a/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$T/a/drop"; settle_s = 0; };
outputs = ( { plugin = "icecast"; instance = "main"; host = "127.0.0.1"; port = $ICECAST_PORT;
              mount = "/prerec"; password = "env:PO_TEST_ICECAST_PASSWORD"; },
            { plugin = "icecast"; instance = "hung"; host = "127.0.0.1"; port = $HUNG_PORT;
              mount = "/prerec"; password = "env:PO_TEST_ICECAST_PASSWORD";
              connect_timeout_s = $CONNECT_TIMEOUT_S; write_timeout_s = $WRITE_TIMEOUT_S; } );
EOF

po_spawn "$PO_PY" "$LISTEN" "http://127.0.0.1:$ICECAST_PORT/prerec" "$T/listen" --until 30 --sessions 1
LPID=$PO_LAST_PID
po_wait_for 10 test -f "$T/listen/sessions.json" || echo "# the listener did not start" >&2

po_spawn_out "$T/a/playoutd.log" "$PLAYOUTD" -c "$CONF" -f
DPID=$PO_LAST_PID

short_complete() {
	"$PLAYOUTCTL" -c "$CONF" history --json >"$T/a/history.json" 2>"$T/a/history.err" || return 1
	"$PO_PY" - "$T/a/history.json" <<'EOF'
import json, sys
try:
    plays = json.load(open(sys.argv[1]))
except ValueError:
    sys.exit(1)
sys.exit(0 if any(p.get("output") == "icecast:main" and p.get("asset") == "short.mp3"
                  and p.get("outcome") == "complete" for p in plays) else 1)
EOF
}
po_check "the healthy output plays short.mp3 to the end (history)" \
	po_wait_for $(( START + 15 - $(date +%s) )) short_complete

check_short() {
	"$PO_PY" - "$T/a/history.json" <<'EOF'
import json, sys
plays = json.load(open(sys.argv[1]))
p = [p for p in plays if p.get("output") == "icecast:main" and p.get("asset") == "short.mp3"][0]
err = p.get("start_error_ms")
print("# icecast:main short.mp3: start error %s ms" % err)
sys.exit(0 if isinstance(err, (int, float)) and abs(err) < 100 else 1)
EOF
}
po_check "the healthy output started short.mp3 within 100 ms of its time" check_short

rc=0; po_wait_for 10 test ! -e "/proc/$LPID" || po_kill "$LPID"
po_reap "$LPID" || rc=$?
po_icecast_expect "$T/short.expect" "$T/a/drop/short.mp3"
po_check "a listener of the healthy output got short.mp3, byte for byte" \
	cmp -s "$T/short.expect" "$T/listen/session-1.bin"

# the warning's time against the first try (connect_ahead_ms before START)
check_warning() {
	"$PO_PY" - "$T/a/playoutd.log" "$START" "$CONNECT_AHEAD_MS" "$CONNECT_TIMEOUT_S" <<'EOF'
import calendar, re, sys, time
log, start, ahead_ms, timeout_s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for line in open(log, errors="replace"):
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3})Z warn icecast:hung: .*no answer within", line)
    if m:
        at = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")) + int(m.group(2)) / 1000
        first_try = start - ahead_ms / 1000
        print("# first timeout warning %.3f s after the first connect attempt (limit %d + 1 s): %s"
              % (at - first_try, timeout_s, line.strip()))
        sys.exit(0 if at - first_try <= timeout_s + 1 else 1)
print("# no timeout warning from icecast:hung")
sys.exit(1)
EOF
}
po_check "the hung output warns of the timeout within connect_timeout_s + 1 s" check_warning
po_check "the warning names host:port/mount and the setting" \
	po_file_contains "$T/a/playoutd.log" "connect 127.0.0.1:$HUNG_PORT/prerec: no answer within $CONNECT_TIMEOUT_S s (connect_timeout_s)"

# SIGTERM while the hung output is inside a connect attempt: right after the
# silent server accepted a new connection (an attempt lasts 2 s).
N=$(count "$T/silent.log" accept)
new_attempt() { [ "$(count "$T/silent.log" accept)" -gt "$N" ]; }
po_check "the hung output keeps trying (a new connection to the silent server)" \
	po_wait_for 10 new_attempt
stop_daemon "$T/a/playoutd.log"
echo "# stop time, SIGTERM during a connect to the silent server: $STOP_MS ms (rc=$STOP_RC)"
po_check "SIGTERM during a hung connect: playoutd exits 0 (rc=$STOP_RC)" test "$STOP_RC" = 0
po_check "SIGTERM during a hung connect: playoutd ends in $STOP_MS ms < $STOP_LIMIT_MS ms" \
	test "$STOP_MS" -lt "$STOP_LIMIT_MS"
[ "$STOP_RC" = timeout ] && po_kill "$DPID"
po_kill "$HUNG_PID"

# ---- B. a server that takes the login and never reads ----------------------
start_hung stalled "$T/stalled.log" || { echo "not ok - the stalled server did not start"; po_result fault_icecast 0 1; }
START=$(( $(date +%s) + 4 ))
cat >"$T/b/schedule.csv" <<EOF
"$(iso "$START")","$(iso $((START + 45)))","long","long.mp3","Long Show"
EOF
CONF="$T/b/playout.conf"
cat >"$CONF" <<EOF
station = "Test FM"; timezone = "UTC"; state = "$T/b/state.db"; cache = "$T/b/cache";
plan_interval_s = 5; send_ahead_ms = 300;
schedule = ( { plugin = "csv"; path = "$T/b/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$T/b/drop"; settle_s = 0; };
outputs = ( { plugin = "icecast"; instance = "stalled"; host = "127.0.0.1"; port = $HUNG_PORT;
              mount = "/prerec"; password = "env:PO_TEST_ICECAST_PASSWORD";
              connect_timeout_s = $CONNECT_TIMEOUT_S; write_timeout_s = $WRITE_TIMEOUT_S; } );
EOF
po_spawn_out "$T/b/playoutd.log" "$PLAYOUTD" -c "$CONF" -f
DPID=$PO_LAST_PID

# 64 KiB of send buffer fill in ~4 s at 128 kbit/s, then write_timeout_s
po_check "the stalled output logs a write timeout" \
	po_wait_for 25 grep -q "took no data for $WRITE_TIMEOUT_S s (write_timeout_s" "$T/b/playoutd.log"
po_check "the player reports the failed output and reconnects" \
	po_file_contains "$T/b/playoutd.log" "reconnecting"
two_logins() { [ "$(count "$T/stalled.log" login)" -ge 2 ]; }
po_check "the stalled server sees a second source login (the reconnect)" po_wait_for 5 two_logins
grep -E "icecast:stalled|reconnect" "$T/b/playoutd.log" | head -n 6 | sed 's/^/#   /'

# SIGTERM once the new connection's writes are backed up: the socket's
# Send-Q is non-zero and stops moving, so the player waits in a write.
sendq() {
	ss -tnH dst "127.0.0.1:$HUNG_PORT" | awk '$1 == "ESTAB" && $3 > m { m = $3 } END { print m + 0 }'
}
sendq_stuck() {
	local a b
	a=$(sendq)
	sleep 0.3
	b=$(sendq)
	[ "$a" -gt 8192 ] && [ "$a" -eq "$b" ]
}
po_check "the reconnected output's writes back up again (Send-Q stuck)" po_wait_for 15 sendq_stuck
stop_daemon "$T/b/playoutd.log"
echo "# stop time, SIGTERM during a backed-up write to the stalled server: $STOP_MS ms (rc=$STOP_RC)"
po_check "SIGTERM during a stalled write: playoutd exits 0 (rc=$STOP_RC)" test "$STOP_RC" = 0
po_check "SIGTERM during a stalled write: playoutd ends in $STOP_MS ms < $STOP_LIMIT_MS ms" \
	test "$STOP_MS" -lt "$STOP_LIMIT_MS"
[ "$STOP_RC" = timeout ] && po_kill "$DPID"
po_check "the password never appears in the logs" \
	po_file_lacks "$T/a/playoutd.log" "$PO_ICECAST_SOURCE_PASSWORD"
po_check "the password never appears in the second log" \
	po_file_lacks "$T/b/playoutd.log" "$PO_ICECAST_SOURCE_PASSWORD"

if [ "$PO_FAILED" -gt 0 ]; then
	for f in "$T/a/playoutd.log" "$T/b/playoutd.log"; do
		echo "# $f (last 30 lines):"
		tail -n 30 "$f" | sed 's/^/#   /'
	done
fi
po_kill "$HUNG_PID"
po_icecast_stop
po_result fault_icecast
