#!/bin/bash
# The history tells what happened (doc/design.md §3, §8). One playoutd, a
# file output, one 14 s programme on the real clock from START = launch + 4 s.
# At START + 5 s, while it is on air:
#   - the open play's bytes are already in the state (progress reports);
#   - playoutd is killed with SIGKILL; its row keeps the bytes that went out
#     (within ~2 s worth) and, on the restart, ends when sending stopped;
#   - a new playoutd joins the programme where the clock says it is.
# The history must show one play of the programme with the restart as an
# outage (its start, length, the audio skipped), outcome "partial", the start
# error of the programme's start only, and the rejoin's delay apart from it.
# The dead output (refused from the start) has its play's row from the
# start too, so the kill leaves it, and after the restart it is one play.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}symbolize=0" # a fast exit

PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"
po_mp3 "$T/drop/prog.mp3" 14 440 || po_fail history "cannot make test mp3s (lame)"
SIZE=$(stat -c %s "$T/drop/prog.mp3")

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
START=$(( $(date +%s) + 4 ))
cat >"$T/schedule.csv" <<EOF
"$(iso "$START")","$(iso $((START + 15)))","prog","prog.mp3","Programme"
EOF
# nothing listens there: the "dead" output is refused on every try
DEAD_PORT=$(po_free_port) || po_fail history "no free port"
export PO_TEST_ICECAST_PASSWORD=hackme
CONF="$T/playout.conf"
cat >"$CONF" <<EOF
station = "Test FM"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plan_interval_s = 5; send_ahead_ms = 300;
schedule = ( { plugin = "csv"; path = "$T/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
outputs = ( { plugin = "file"; instance = "air"; path = "$T/out.mp3"; },
            { plugin = "icecast"; instance = "dead"; host = "127.0.0.1"; port = $DEAD_PORT;
              mount = "/prerec"; password = "env:PO_TEST_ICECAST_PASSWORD"; } );
EOF

po_spawn_out "$T/playoutd.1.log" "$PLAYOUTD" -c "$CONF" -f
DPID=$PO_LAST_PID
field() { po_play_field "$CONF" file:air prog.mp3 "$1"; }
playing_for_5s() { [ "$(field outcome)" = playing ] && [ "$(now_ms)" -ge $(( (START + 5) * 1000 )) ]; }
po_check "prog.mp3 is on air" po_wait_for 12 playing_for_5s

# bytes of the file that are due by now, at the file's own rate
due_bytes() { echo $(( SIZE * ($(now_ms) - START * 1000) / 14000 )); }
live=$(field bytes); due=$(due_bytes)
po_check "while on air, the row has the bytes sent within ~2 s ($live of $due due)" \
	test "${live:-0}" -ge $(( due - SIZE * 2 / 14 ))

"$PLAYOUTCTL" -c "$CONF" status --json >"$T/status.json" 2>&1
"$PLAYOUTCTL" -c "$CONF" status 2>&1 | sed 's/^/#   /'
status() { # DESCRIPTION OUTPUT PYTHON-EXPRESSION over o (that output), s
	po_check "$1" "$PO_PY" - "$T/status.json" "$2" "$3" "$START" <<'EOF'
import json, sys, time
s = json.load(open(sys.argv[1]))
o = [o for o in s["outputs"] if o["output"] == sys.argv[2]]
o = o[0] if o else {}
start = int(sys.argv[4])
ok = eval(sys.argv[3])
if not ok:
    print("# " + json.dumps(s))
sys.exit(0 if ok else 1)
EOF
}
status "status: file:air is on air, connected, with prog" file:air \
	'o["state"] == "on air" and o["connected"] and o["item"]["pid"] == "prog" and o["last_error"] is None'
status "status: its position is the clock's (5 s in, +-1.5 s), time left and end match" file:air \
	'abs(o["position_s"] - 5) < 1.5 and abs(o["position_s"] + o["left_s"] - 14) < 0.1 and o["item"]["end"].startswith(time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(start + 14)))'
status "status: its lead over real time is the send-ahead (0..400 ms)" file:air '0 <= o["lead_ms"] <= 400'
status "status: the dead output is listed as down, with its last error and the item" icecast:dead \
	'o["state"] == "down" and not o["connected"] and o["last_error"] and o["item"]["pid"] == "prog"'
status "status: nothing next" file:air 's["next"] is None'
po_check "the dead output's play has its row while the item is on (outcome playing, 0 bytes)" \
	test "$(po_play_field "$CONF" icecast:dead prog.mp3 outcome)/$(po_play_field "$CONF" icecast:dead prog.mp3 bytes)" = playing/0

kill -KILL "$DPID"
KILLED_MS=$(now_ms)
po_reap "$DPID" 2>/dev/null
po_unregister_pid "$DPID"
sent=$(( SIZE * (KILLED_MS - START * 1000 + 300) / 14000 )) # plus the send-ahead
crashed=$(field bytes)
po_check "after kill -9, the open row holds the bytes that went out within ~2 s ($crashed of ~$sent)" \
	test "${crashed:-0}" -ge $(( sent - SIZE * 2 / 14 )) -a "${crashed:-0}" -le "$sent"
sleep 1

po_spawn_out "$T/playoutd.2.log" "$PLAYOUTD" -c "$CONF" -f
DPID=$PO_LAST_PID
# The status tells the rejoin at once, not from the first progress report
# a second later: read it as soon as the rejoin is logged (the log line
# follows the status row's write).
po_check "the restarted playoutd rejoins the programme" \
	po_wait_for 5 grep -q 'file:air: on air: prog .*joined at' "$T/playoutd.2.log"
"$PLAYOUTCTL" -c "$CONF" status --json >"$T/status.json" 2>&1
status "status right after the rejoin: file:air is on air with prog, at the clock's position" file:air \
	'o["state"] == "on air" and o["item"]["pid"] == "prog" and abs(o["position_s"] - (time.time() - start)) < 1.0'
done_playing() { o=$(field outcome); [ -n "$o" ] && [ "$o" != playing ] && [ "$o" != interrupted ]; }
po_check "the programme ends after the restart" po_wait_for $(( START + 25 - $(date +%s) )) done_playing
"$PLAYOUTCTL" -c "$CONF" history --json >"$T/history.json" 2>"$T/history.err"
"$PLAYOUTCTL" -c "$CONF" history >"$T/history.txt" 2>&1
sed 's/^/#   /' "$T/history.txt"

check() { # DESCRIPTION PYTHON-EXPRESSION over p (the play), g (its gaps), plays
	po_check "$1" "$PO_PY" - "$T/history.json" "$2" "$KILLED_MS" "$SIZE" <<'EOF'
import datetime, json, sys
plays = [p for p in json.load(open(sys.argv[1]))
         if p.get("asset") == "prog.mp3" and p.get("output") == "file:air"]
killed_ms, size = int(sys.argv[3]), int(sys.argv[4])
def ms(s):
    f = "%Y-%m-%dT%H:%M:%S.%f%z" if "." in s else "%Y-%m-%dT%H:%M:%S%z"
    return int(datetime.datetime.strptime(s.replace("Z", "+0000"), f).timestamp() * 1000)
p = plays[0] if plays else {}
g = p.get("gaps", [])
ok = eval(sys.argv[2])
if not ok:
    print("# " + json.dumps(plays))
sys.exit(0 if ok else 1)
EOF
}
check "one play of the programme on the output, not two" 'len(plays) == 1'
check "outcome partial, not complete" 'p.get("outcome") == "partial"'
check "its start error is the programme's start (|e| < 100 ms)" \
	'isinstance(p.get("start_error_ms"), (int, float)) and abs(p["start_error_ms"]) < 100 and p.get("join_ms") == 0'
# the record is durable within 2 s of the sending (a report a second,
# held up to a second to share a commit), plus a loaded machine's margin
check "the restart is one outage, from the last progress before the kill" \
	'len(g) == 1 and killed_ms - 2500 <= ms(g[0]["at"]) <= killed_ms'
check "the outage lasts until the rejoin (1 s wait + start, < 4 s)" '1.0 <= g[0]["length_s"] < 4.0'
check "the audio skipped is counted, and the play's loss is that" \
	'0.5 <= g[0]["lost_s"] <= g[0]["length_s"] + 0.5 and abs(p["lost_s"] - g[0]["lost_s"]) < 0.001'
check "the rejoin's own delay is on the outage (|d| < 100 ms)" 'abs(g[0]["resume_delay_ms"]) < 100'
check "bytes: the file less what the outage skipped (within 2 s worth)" \
	'size - size * (p["lost_s"] + 2) / 14 <= p["bytes"] <= size'
po_check "history's start-error figures exclude the rejoin (p99 < 100 ms)" "$PO_PY" -c '
import re, sys
m = re.search(r"start error over 1 plays: p50 [-0-9.]+ ms, p99 ([0-9.]+) ms", open(sys.argv[1]).read())
sys.exit(0 if m and float(m.group(1)) < 100 else 1)' "$T/history.txt"

po_check "the dead output: one play of the programme across the restart, failed, the restart one of its outages" \
	"$PO_PY" - "$T/history.json" <<'EOF'
import json, sys
plays = [p for p in json.load(open(sys.argv[1]))
         if p.get("asset") == "prog.mp3" and p.get("output") == "icecast:dead"]
ok = (len(plays) == 1 and plays[0]["outcome"] == "failed" and
      "resumed after a restart" in plays[0]["detail"] and
      any("restart" in g["reason"] for g in plays[0].get("gaps", [])))
if not ok:
    print("# " + json.dumps(plays))
sys.exit(0 if ok else 1)
EOF
"$PLAYOUTCTL" -c "$CONF" status --json >"$T/status.json" 2>&1
status "status after the end: file:air is idle, no item" file:air \
	'o["state"] == "idle" and o["item"] is None and not o["connected"]'
status "status after the end: the dead output is still down" icecast:dead 'o["state"] == "down"'

rc=0; po_stop_timed "$DPID" || rc=$?
po_check "SIGTERM: playoutd exits 0 (rc=$rc)" test "$rc" -eq 0
[ "$PO_FAILED" -gt 0 ] && tail -n 30 "$T/playoutd.1.log" "$T/playoutd.2.log" | sed "s/^/#   /"
po_result history
