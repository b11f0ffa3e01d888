#!/bin/bash
# Many outputs (doc/design.md §5): one playoutd carries 50 icecast outputs to
# one icecast2 (50 mounts), beside a dead one (tests/fakes/hung_icecast.py
# silent: accepts TCP, never answers). On the real clock, one 4 s item at
# START = launch + 8 s. Every healthy output must play it whole, starting
# within START_BOUND_MS of its instant: the connects are bounded and
# staggered so Icecast's listen backlog of 5 drops none, and the dead output
# holds up nobody. Each output reaches the server through
# bench/tsproxy.py, which keeps the kernel's receive time of every chunk:
# the first audio byte of every output must reach it within
# FIRST_BYTE_BOUND_MS of the instant. Prints the start errors and the
# first-byte times (median, max) and the peak RSS. Each output's title
# request, through the proxy too, must come after every first byte.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
HUNG="$PO_SRCDIR/tests/fakes/hung_icecast.py"
TSPROXY="$PO_SRCDIR/bench/tsproxy.py"
N=50
# The player's own start error: the first write against the instant. On an
# idle machine it is under 5 ms; 50 threads waking at one instant on a
# loaded 2-core CI machine (a sanitizer build, other tests running) can be
# served 10-30 ms apart. A connect that missed the instant (a dropped SYN
# costs 1 s) shows as far more than this bound.
START_BOUND_MS=${PO_MANY_START_BOUND_MS:-100}
# The config's default: the daemon adds the time the crowd of connects
# needs, four at a time (core/daemon.c).
CONNECT_AHEAD_MS=${PO_MANY_CONNECT_AHEAD_MS:-500}
# The first audio byte at the server's door (the proxy's kernel receive
# time) against the instant, for every output. On a quiet 2-core machine
# the fifty arrive within 5 ms of the instant; on a CI machine running
# other tests (load 4 and more) or a sanitizer build a thread waits its
# turn on a busy core for tens of ms. A connect that missed the instant
# (a dropped SYN: 1 s) or an output held up by another's connect or write
# (a burst, a title request) is far over this bound.
FIRST_BYTE_BOUND_MS=${PO_MANY_FIRST_BYTE_BOUND_MS:-100}
# The median of those times: each output's first write is alone at the
# instant (the connect, the title's request and thread, the play report
# all come before or after it), so half of the fifty are through within
# a few ms even on a loaded machine (measured: 0.6-3 ms at load 2-4, a
# sanitizer build 1.2-1.5 ms); work brought back to the instant shows here
# first.
FIRST_BYTE_MEDIAN_MS=${PO_MANY_FIRST_BYTE_MEDIAN_MS:-5}

export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}symbolize=0"

if [ ! -x "$PLAYOUTD" ] || [ ! -x "$PLAYOUTCTL" ]; then
	echo "not ok - $PLAYOUTD or $PLAYOUTCTL is not built"
	po_result many_outputs 0 1
fi

T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"
po_mp3 "$T/drop/item.mp3" 4 440 || { echo "cannot make the test mp3 (lame)" >&2; po_result many_outputs 0 1; }
PO_ICECAST_SOURCES=$((N + 10)) PO_ICECAST_CLIENTS=$((N + 50)) po_icecast_start "$T/ice" ||
	po_result many_outputs 0 1
export PO_TEST_ICECAST_PASSWORD=$PO_ICECAST_SOURCE_PASSWORD

po_spawn_out "$T/hung.out" "$PO_PY" "$HUNG" silent "$T/hung.log"
po_wait_for 10 grep -q '^port ' "$T/hung.out" ||
	{ echo "not ok - the silent server did not start"; po_result many_outputs 0 1; }
HUNG_PORT=$(sed -n 's/^port //p' "$T/hung.out")
mkdir -p "$T/proxy"
po_spawn "$PO_PY" "$TSPROXY" "$ICECAST_PORT" "$T/proxy" --port-file "$T/proxy.port"
PROXY_PID=$PO_LAST_PID
po_wait_for 10 test -s "$T/proxy.port" ||
	{ echo "not ok - the timestamping proxy did not start"; po_result many_outputs 0 1; }
PROXY_PORT=$(cat "$T/proxy.port")

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
START=$(( $(date +%s) + 8 ))
cat >"$T/schedule.csv" <<EOF
"$(iso "$START")","$(iso $((START + 6)))","item","item.mp3","Item Show"
EOF
CONF="$T/playout.conf"
{
	echo "station = \"Test FM\"; timezone = \"UTC\"; state = \"$T/state.db\"; cache = \"$T/cache\";"
	echo "plan_interval_s = 5; send_ahead_ms = 300; connect_ahead_ms = $CONNECT_AHEAD_MS;"
	echo "schedule = ( { plugin = \"csv\"; path = \"$T/schedule.csv\"; } );"
	echo "storage = { plugin = \"localdisk\"; path = \"$T/drop\"; settle_s = 0; };"
	echo "outputs = ("
	echo "  { plugin = \"icecast\"; instance = \"dead\"; host = \"127.0.0.1\"; port = $HUNG_PORT;"
	echo "    mount = \"/dead\"; password = \"env:PO_TEST_ICECAST_PASSWORD\"; connect_timeout_s = 2; },"
	for i in $(seq -w 1 $N); do
		sep=","
		[ "$i" = "$N" ] && sep=""
		echo "  { plugin = \"icecast\"; instance = \"m$i\"; host = \"127.0.0.1\"; port = $PROXY_PORT;"
		echo "    mount = \"/m$i\"; password = \"env:PO_TEST_ICECAST_PASSWORD\"; }$sep"
	done
	echo ");"
} >"$CONF"

po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f
DPID=$PO_LAST_PID

all_complete() {
	"$PLAYOUTCTL" -c "$CONF" history --json >"$T/history.json" 2>"$T/history.err" || return 1
	"$PO_PY" - "$T/history.json" "$N" <<'EOF'
import json, sys
try:
    plays = json.load(open(sys.argv[1]))
except ValueError:
    sys.exit(1)
done = [p for p in plays if p.get("output", "").startswith("icecast:m") and
        p.get("outcome") not in (None, "playing")]
sys.exit(0 if len(done) >= int(sys.argv[2]) else 1)
EOF
}
po_wait_for $(( START + 20 - $(date +%s) )) all_complete
RSS_KB=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$DPID/status" 2>/dev/null)
THREADS=$(sed -n 's/^Threads:[[:space:]]*//p' "/proc/$DPID/status" 2>/dev/null)
RUNNING=0
kill -0 "$DPID" 2>/dev/null && RUNNING=1
po_check "playoutd is still running" test "$RUNNING" -eq 1

check_plays() {
	"$PO_PY" - "$T/history.json" "$N" "$START_BOUND_MS" "$(stat -c %s "$T/drop/item.mp3")" <<'EOF'
import json, statistics, sys
hist, n, bound, size = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
plays = json.load(open(hist))
fails = 0
def check(desc, ok):
    global fails
    if not ok:
        print("#   FAIL %s" % desc)
    fails += 0 if ok else 1
mine = {p["output"]: p for p in plays if p.get("output", "").startswith("icecast:m")}
check("a play on each of the %d outputs (got %d)" % (n, len(mine)), len(mine) == n)
errs = []
for out, p in sorted(mine.items()):
    err = p.get("start_error_ms")
    check("%s: outcome %s" % (out, p.get("outcome")), p.get("outcome") == "complete")
    check("%s: %s bytes of %d" % (out, p.get("bytes"), size), p.get("bytes") == size)
    ok = isinstance(err, (int, float))
    check("%s: start error %s ms within %g ms" % (out, err, bound), ok and abs(err) <= bound)
    if ok:
        errs.append(err)
if errs:
    print("# start error over %d outputs: median %.2f ms, max %.2f ms, min %.2f ms" %
          (len(errs), statistics.median(errs), max(errs), min(errs)))
sys.exit(1 if fails else 0)
EOF
}
po_check "all $N outputs play the item whole, each within ${START_BOUND_MS} ms of its instant" check_plays
echo "# playoutd with $N+1 icecast outputs: peak RSS ${RSS_KB:-?} kB, ${THREADS:-?} threads"
po_check "the peak RSS was read" test -n "$RSS_KB"
# Passthrough for fifty outputs in under 20 MiB (a sanitizer build's
# shadow memory is not the daemon's footprint)
if ! ldd "$PO_BUILDDIR/.libs/playoutd" "$PLAYOUTD" 2>/dev/null | grep -q 'libasan\|libtsan'; then
	po_check "the peak RSS of $N+1 outputs, ${RSS_KB:-?} kB, is under 20 MiB" \
		test "${RSS_KB:-999999}" -lt 20480
fi
po_check "the dead output says so in the log" grep -q "dead" "$T/playoutd.log"

# The proxy writes each connection's times when it closes: stop it
# (closing them all) once the item is over.
po_kill "$PROXY_PID"
check_first_bytes() {
	"$PO_PY" - "$T/proxy" "$N" "$START" "$FIRST_BYTE_BOUND_MS" "$FIRST_BYTE_MEDIAN_MS" <<'EOF'
import glob, json, statistics, sys
d, n, start, bound = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
median_bound = float(sys.argv[5])
first = {}
for f in glob.glob(d + "/conn-*.json"):
    c = json.load(open(f))
    if c.get("method") not in ("SOURCE", "PUT") or not c.get("chunks"):
        continue
    at = (c["chunks"][0][0] - start * 10**9) / 1e6
    path = c.get("path", "")
    first[path] = min(at, first.get(path, at))
late = sorted((abs(v), k) for k, v in first.items() if abs(v) > bound)
for v, k in late[:10]:
    print("#   %s: first byte %+.2f ms from the instant" % (k, first[k]))
if first:
    v = sorted(first.values())
    print("# first audio byte at the server's door, %d outputs: median %.2f ms, max %.2f ms,"
          " min %.2f ms, spread %.2f ms" % (len(v), statistics.median(v), max(v), min(v),
                                           max(v) - min(v)))
median_ok = bool(first) and statistics.median(first.values()) <= median_bound
if first and not median_ok:
    print("#   the median, %.2f ms, is over %g ms" % (statistics.median(first.values()),
                                                  median_bound))
sys.exit(0 if len(first) == n and not late and median_ok else 1)
EOF
}
po_check "every output's first audio byte reaches the server within ${FIRST_BYTE_BOUND_MS} ms of the instant, the median within ${FIRST_BYTE_MEDIAN_MS} ms" \
	check_first_bytes
# The stream titles go through the proxy too: each output's metadata
# request must come, and come after the opening burst (the plugin holds it
# for a batch after the item's first write), never among the first bytes.
check_titles() {
	"$PO_PY" - "$T/proxy" "$N" "$START" <<'EOF'
import glob, json, sys, urllib.parse
d, n, start = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
first, title = {}, {}
for f in glob.glob(d + "/conn-*.json"):
    c = json.load(open(f))
    path = c.get("path") or ""
    if c.get("method") in ("SOURCE", "PUT") and c.get("chunks"):
        at = (c["chunks"][0][0] - start * 10**9) / 1e6
        first[path] = min(at, first.get(path, at))
    elif c.get("method") == "GET" and path.startswith("/admin/metadata?") and \
            c.get("headers_wall_ns"):
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        mount = q.get("mount", [""])[0]
        at = (c["headers_wall_ns"] - start * 10**9) / 1e6
        title[mount] = min(at, title.get(mount, at))
missing = sorted(set(first) - set(title))
for k in missing[:10]:
    print("#   %s: no title request" % k)
if not first or not title:
    sys.exit(1)
last_first = max(first.values())
early = sorted((v, k) for k, v in title.items() if v <= last_first)
for v, k in early[:10]:
    print("#   %s: title request %+.2f ms from the instant, among the first bytes "
          "(the last at %+.2f ms)" % (k, v, last_first))
print("# title requests, %d outputs: the first %+.2f ms from the instant, the last first "
      "audio byte %+.2f ms" % (len(title), min(title.values()), last_first))
sys.exit(0 if len(first) == n and not missing and not early else 1)
EOF
}
po_check "every output's title request reaches the server after every first audio byte" \
	check_titles

kill -TERM "$DPID" 2>/dev/null
daemon_gone() { ! kill -0 "$DPID" 2>/dev/null || [ "$(ps -o stat= -p "$DPID" | cut -c1)" = Z ]; }
po_wait_for 10 daemon_gone
rc=0; po_reap "$DPID" || rc=$?
po_check "SIGTERM: playoutd exits 0 (rc=$rc)" test "$RUNNING" -eq 1 -a "$rc" -eq 0
if [ "$PO_FAILED" -gt 0 ]; then
	echo "# START $(iso "$START"); playoutd log (m03, dead, warnings):"
	grep -E "connected to|dead|warn" "$T/playoutd.log" | head -n 60 | sed 's/^/#   /'
	echo "# icecast error log (tail):"
	tail -n 15 "$ICECAST_DIR/log/error.log" | sed 's/^/#   /'
	[ -s "$T/history.err" ] && sed 's/^/# playoutctl: /' "$T/history.err"
fi
po_icecast_stop
po_result many_outputs
