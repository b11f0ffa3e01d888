#!/bin/bash
# End to end: playoutd on a pretend clock puts three programmes on air through
# a real icecast2 and a file output, and playoutctl reports what played.
#   alpha   20260329_0059_alpha.mp3 (4 s) at 00:59:00, by its file name
#   bravo   bravo.mp3 (3 s) at 00:59:04, a CSV slot naming the file: back to
#           back with alpha, so on the same Icecast connection
#   charlie charlie.mp3 (3 s) at 00:59:12, after a gap: a new connection
# The clock starts at 00:58:57, so alpha is due 3 s after launch.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
LISTEN="$PO_SRCDIR/tests/integration/listen.py"
POLL_MS=20          # listen.py's poll interval
PRETEND=2026-03-29T00:58:57Z

if [ ! -x "$PLAYOUTD" ] || [ ! -x "$PLAYOUTCTL" ]; then
	echo "not ok - $PLAYOUTD or $PLAYOUTCTL is not built"
	po_result onair 0 1
fi

T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"
po_mp3 "$T/drop/20260329_0059_alpha.mp3" 3.9 440 &&
	po_mp3 "$T/drop/bravo.mp3" 3 550 &&
	po_mp3 "$T/drop/charlie.mp3" 3 660 || { echo "cannot make test mp3s (lame)" >&2; po_result onair 0 1; }
cat >"$T/schedule.csv" <<'EOF'
"2026-03-29T00:59:04Z","2026-03-29T00:59:07Z","bravo","bravo.mp3","Bravo Show"
"2026-03-29T00:59:12Z","2026-03-29T00:59:15Z","charlie","charlie.mp3","Charlie Show"
EOF
po_icecast_start "$T/ice" || po_result onair 0 1
export PO_TEST_ICECAST_PASSWORD=$PO_ICECAST_SOURCE_PASSWORD
CONF="$T/playout.conf"
cat >"$CONF" <<EOF
station = "Test FM"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plan_interval_s = 5; send_ahead_ms = 300;
schedule = ( { plugin = "csv"; path = "$T/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
outputs = ( { plugin = "icecast"; instance = "main"; host = "127.0.0.1"; port = $ICECAST_PORT;
              mount = "/prerec"; password = "env:PO_TEST_ICECAST_PASSWORD"; },
            { plugin = "file"; instance = "copy"; path = "$T/out.mp3"; } );
EOF

po_spawn "$PO_PY" "$LISTEN" "http://127.0.0.1:$ICECAST_PORT/prerec" "$T/listen" --until 60 --sessions 2
LPID=$PO_LAST_PID
po_wait_for 10 test -f "$T/listen/sessions.json" || echo "# the listener did not start" >&2

po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f --pretend-now "$PRETEND"
DPID=$PO_LAST_PID

six_complete() {
	"$PLAYOUTCTL" -c "$CONF" history --json >"$T/history.json" 2>"$T/history.err" || return 1
	"$PO_PY" - "$T/history.json" <<'EOF'
import json, sys
try:
    plays = json.load(open(sys.argv[1]))
except ValueError:
    sys.exit(1)
sys.exit(0 if sum(1 for p in plays if p.get("outcome") == "complete") >= 6 else 1)
EOF
}
# alpha starts 3 s after launch and charlie ends 18 s after: allow 40 s
done_or_dead() { six_complete || ! kill -0 "$DPID" 2>/dev/null; }
po_wait_for 40 done_or_dead
RUNNING=0
kill -0 "$DPID" 2>/dev/null && RUNNING=1
po_check "playoutd is still running" test "$RUNNING" -eq 1
po_check "history shows 6 complete plays within 40 s" six_complete

# ---- what the listener and the file got
rc=0; po_wait_for 5 test ! -e "/proc/$LPID" || po_kill "$LPID"
po_reap "$LPID" || rc=$?
D="$T/drop"
po_icecast_expect "$T/s1.expect" "$D/20260329_0059_alpha.mp3" "$D/bravo.mp3"
po_icecast_expect "$T/s2.expect" "$D/charlie.mp3"
po_check "listener session 1 is alpha+bravo, byte for byte (one connection)" \
	cmp -s "$T/s1.expect" "$T/listen/session-1.bin"
po_check "listener session 2 is charlie, byte for byte (a new connection)" \
	cmp -s "$T/s2.expect" "$T/listen/session-2.bin"
cat "$D/20260329_0059_alpha.mp3" "$D/bravo.mp3" "$D/charlie.mp3" >"$T/all.mp3"
po_check "the file output is alpha+bravo+charlie, byte for byte" cmp -s "$T/all.mp3" "$T/out.mp3"

# ---- history and timing
check_history() {
	"$PO_PY" - "$T/history.json" "$T/listen/sessions.json" "$T/playoutd.log" \
		"$POLL_MS" <<'EOF'
import calendar, json, re, statistics, sys
hist, sess, daemon_log, poll_ms = sys.argv[1:]
try:
    plays = json.load(open(hist))
    sessions = json.load(open(sess))
except (OSError, ValueError) as e:
    print("#   FAIL cannot read the history or the listener's sessions: %s" % e)
    sys.exit(1)
fails = 0
def check(desc, ok):
    global fails
    print("#   %s %s" % ("ok  " if ok else "FAIL", desc))
    fails += 0 if ok else 1
want = {(o, a) for o in ("icecast:main", "file:copy")
        for a in ("20260329_0059_alpha.mp3", "bravo.mp3", "charlie.mp3")}
got = {(p.get("output"), p.get("asset")) for p in plays}
check("plays are alpha, bravo, charlie on icecast:main and file:copy: %s" % sorted(got),
      want <= got and len(plays) == 6)
for p in plays:
    check("%s %s: outcome %s" % (p.get("output"), p.get("asset"), p.get("outcome")),
          p.get("outcome") == "complete")
    err = p.get("start_error_ms")
    check("%s %s: |start_error_ms| = %s < 100" % (p.get("output"), p.get("asset"), err),
          isinstance(err, (int, float)) and abs(err) < 100)
    check("%s %s: started has milliseconds (%s)" % (p.get("output"), p.get("asset"), p.get("started")),
          isinstance(p.get("started"), str) and "." in p["started"])
errs = [abs(p["start_error_ms"]) for p in plays if isinstance(p.get("start_error_ms"), (int, float))]
if errs:
    print("start error over %d plays: median %.1f ms, max %.1f ms" %
          (len(errs), statistics.median(errs), max(errs)))
# Where the rehearsal clock stands against the real one, from the daemon's
# own line "<real time> notice core: rehearsal: the clock reads <pretend>".
def epoch(iso):
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z$", iso)
    return calendar.timegm(__import__("time").strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")) + \
        float(m.group(2) or 0)
offset = None
for line in open(daemon_log, errors="replace"):
    m = re.match(r"(\S+Z) notice core: rehearsal: the clock reads (\S+Z)", line)
    if m:
        offset = epoch(m.group(2)) - epoch(m.group(1))
check("the daemon says where its rehearsal clock stands", offset is not None)
expected = epoch("2026-03-29T00:59:00Z") - (offset or 0)
first = sessions[0]["first_byte"] if sessions and sessions[0].get("first_byte") else None
if first is None:
    check("the listener received alpha's first byte", False)
else:
    off_ms = (first - expected) * 1000
    print("alpha's first byte at the listener: %+.1f ms from the pretend 00:59:00" % off_ms)
    check("alpha's first byte arrives within 100 + %s + 100 ms of 00:59:00 (%+.1f ms)"
          % (poll_ms, off_ms), abs(off_ms) < 100 + float(poll_ms) + 100)
sys.exit(1 if fails else 0)
EOF
}
po_check "history: 6 complete plays, start errors < 100 ms, alpha on time at the listener" \
	check_history

# ---- clean shutdown
kill -TERM "$DPID" 2>/dev/null
daemon_gone() { ! kill -0 "$DPID" 2>/dev/null || [ "$(ps -o stat= -p "$DPID" | cut -c1)" = Z ]; }
po_wait_for 10 daemon_gone
rc=0; po_reap "$DPID" || rc=$?
po_check "SIGTERM: the running playoutd exits 0 (rc=$rc)" test "$RUNNING" -eq 1 -a "$rc" -eq 0
no_daemon_left() { # no playoutd process runs with this test's config
	"$PO_PY" - "$CONF" <<'EOF'
import os, sys
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        argv = open("/proc/%s/cmdline" % pid, "rb").read().split(b"\0")
    except OSError:
        continue
    if argv and argv[0].endswith(b"playoutd") and sys.argv[1].encode() in argv:
        sys.exit(1)
EOF
}
po_check "no playoutd process is left" no_daemon_left
mount_free() { ! po_http_ok "http://127.0.0.1:$ICECAST_PORT/prerec"; }
po_check "the icecast mount is free afterwards" po_wait_for 5 mount_free
if [ "$PO_FAILED" -gt 0 ]; then
	echo "# playoutd log (last 40 lines):"
	tail -n 40 "$T/playoutd.log" | sed 's/^/#   /'
	[ -s "$T/history.err" ] && sed 's/^/# playoutctl: /' "$T/history.err"
fi
po_icecast_stop
po_check "icecast stopped and its port is free" po_port_is_free "$ICECAST_PORT"
po_result onair
