#!/bin/bash
# playoutd under systemd (Type=notify), with a listener in systemd's place on
# NOTIFY_SOCKET: READY=1 once planned, STATUS= naming what is on air,
# WATCHDOG=1 pings while every thread is alive, none while a player thread
# is wedged (a file output whose reader stopped reading: the write never
# returns), pings again once it is free, STOPPING=1 on SIGTERM.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

PLAYOUTD="$PO_BUILDDIR/playoutd"
NAME=sdnotify
PRETEND=2026-03-29T00:58:58Z

[ -x "$PLAYOUTD" ] || po_fail $NAME "$PLAYOUTD is not built"
T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"
po_mp3 "$T/drop/20260329_0059_alpha.mp3" 40 440 || po_fail $NAME "cannot make a test mp3 (lame)"
CONF="$T/playout.conf"
cat >"$CONF" <<EOF
station = "Test FM"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plan_interval_s = 5; send_ahead_ms = 300;
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
outputs = ( { plugin = "file"; instance = "pipe"; path = "$T/out.fifo"; } );
EOF
mkfifo "$T/out.fifo" || po_fail $NAME "mkfifo"

# The reader of the output: a small pipe buffer, so that once it stops
# reading the player's write blocks within a second.
cat >"$T/reader.py" <<'PY'
import fcntl, sys
fd = open(sys.argv[1], "rb", buffering=0)
fcntl.fcntl(fd, 1031, 4096)  # F_SETPIPE_SZ
with open(sys.argv[2], "wb") as out:
    while True:
        b = fd.read(4096)
        if not b:
            break
        out.write(b)
PY
po_spawn "$PO_PY" "$T/reader.py" "$T/out.fifo" "$T/out.mp3"
RPID=$PO_LAST_PID
po_spawn "$PO_PY" "$PO_SRCDIR/tests/tools/notify_listen.py" "$T/notify.sock" "$T/notify.log"
po_wait_for 10 test -S "$T/notify.sock" || po_fail $NAME "the notify listener did not start"

START_NS=$(date +%s%N)
po_spawn_out "$T/playoutd.log" env NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=2000000 \
	"$PLAYOUTD" -c "$CONF" -f --pretend-now "$PRETEND"
DPID=$PO_LAST_PID

po_check "READY=1 is sent" po_wait_for 10 po_file_contains "$T/notify.log" " READY=1"
READY_NS=$(date +%s%N)
echo "# process start to READY=1 seen by the test: $(( (READY_NS - START_NS) / 1000000 )) ms (an upper bound: the test polls every 50 ms)"
po_check "STATUS= says what is next before air" \
	po_file_contains "$T/notify.log" "STATUS=idle; next: alpha at "
po_check "STATUS= names the programme on air" \
	po_wait_for 10 po_file_contains "$T/notify.log" "STATUS=on air: alpha"
pings() { grep -c ' WATCHDOG=1$' "$T/notify.log"; }
pings_at_least() { test "$(pings)" -ge "$1"; }
po_check "WATCHDOG=1 pings while all is well (a third of WATCHDOG_USEC apart)" \
	po_wait_for 5 pings_at_least 4

# ---- wedge the player: its write to the pipe never returns
kill -STOP "$RPID"
po_check "a wedged player thread is named in the log" \
	po_wait_for 10 po_file_contains "$T/playoutd.log" "has shown no life"
before=$(pings)
sleep 2.5 # a window in which ~4 pings would have come
after=$(pings)
po_check "no ping while the player is wedged (got $((after - before)) in 2.5 s; 1 may have been in flight)" \
	test $((after - before)) -le 1
size() { stat -c %s "$T/out.mp3"; }
size_above() { test "$(size)" -gt "$1"; }
wedged_at=$(size)
kill -CONT "$RPID"
po_check "pings resume once the player is free" \
	po_wait_for 5 pings_at_least $((after + 2))
po_check "the recovery is logged" po_file_contains "$T/playoutd.log" "every player thread is alive again"

po_check "the programme goes on through the pipe after the wedge" \
	po_wait_for 5 size_above $((wedged_at + 32000))
kill -TERM "$DPID"
po_check "playoutd ends cleanly on SIGTERM" po_reap "$DPID"
po_check "STOPPING=1 is sent" po_file_contains "$T/notify.log" " STOPPING=1"
po_kill "$RPID"
[ "$PO_FAILED" -eq 0 ] || sed 's/^/# /' "$T/playoutd.log"
po_result $NAME
