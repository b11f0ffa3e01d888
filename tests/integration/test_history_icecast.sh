#!/bin/bash
# The history and status tell an Icecast restart as it happened (doc/design.md
# §3, §8). One playoutd, one icecast2 on loopback, one 14 s programme from
# START = launch + 4 s. At START + 4 s icecast2 is stopped; 2 s later it is
# started again on the same port; the player reconnects (every 1 s) and goes
# on where the clock says. While it is down, `status --json` lists the output
# as down with its error and the item; afterwards the history has one play,
# outcome "partial", with one outage: its start, length and the audio lost.
# Its slot ends at +12 s: it is cut there too, and the detail says both.
# A second programme (8 s, from START + 13 s) loses its server for good at
# +3 s: its play is "partial", down to the end, with the audio lost, and the
# output stays down.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}symbolize=0" # a fast exit

PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"
po_mp3 "$T/drop/prog.mp3" 14 440 || po_fail history_icecast "cannot make test mp3s (lame)"
po_mp3 "$T/drop/prog2.mp3" 8 550 || po_fail history_icecast "cannot make test mp3s (lame)"
po_icecast_start "$T/ice1" || po_fail history_icecast "icecast2 did not start"
PORT=$ICECAST_PORT
export PO_TEST_ICECAST_PASSWORD=$PO_ICECAST_SOURCE_PASSWORD

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
START=$(( $(date +%s) + 4 ))
cat >"$T/schedule.csv" <<EOF
"$(iso "$START")","$(iso $((START + 12)))","prog","prog.mp3","Programme"
"$(iso $((START + 13)))","$(iso $((START + 21)))","prog2","prog2.mp3","Second"
EOF
CONF="$T/playout.conf"
cat >"$CONF" <<EOF
station = "Test FM"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plan_interval_s = 5; send_ahead_ms = 300;
schedule = ( { plugin = "csv"; path = "$T/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
outputs = ( { plugin = "icecast"; instance = "main"; host = "127.0.0.1"; port = $PORT;
              mount = "/prerec"; password = "env:PO_TEST_ICECAST_PASSWORD"; } );
EOF
po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f
DPID=$PO_LAST_PID
field() { po_play_field "$CONF" icecast:main prog.mp3 "$1"; }
on_air_4s() { [ "$(field outcome)" = playing ] && [ "$(now_ms)" -ge $(( (START + 4) * 1000 )) ]; }
po_check "prog.mp3 is on air" po_wait_for 12 on_air_4s

STOPPED_MS=$(now_ms)
po_icecast_stop
status() { # DESCRIPTION PYTHON-EXPRESSION over o (icecast:main's status)
	"$PLAYOUTCTL" -c "$CONF" status --json >"$T/status.json" 2>&1
	"$PO_PY" - "$T/status.json" "$1" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
o = ([o for o in s["outputs"] if o["output"] == "icecast:main"] or [{}])[0]
ok = eval(sys.argv[2])
sys.exit(0 if ok else 1)
EOF
}
po_check "while icecast2 is down, status lists the output as down, with its error and the item" \
	po_wait_for 3 status 'o["state"] == "down" and not o["connected"] and o["last_error"] and o["item"]["pid"] == "prog"'
sed 's/^/#   /' "$T/status.json"
sleep 1.5
po_icecast_start "$T/ice2" "$PORT" || po_fail history_icecast "icecast2 did not start again on $PORT"
po_check "once it is back, status says on air again and keeps the last error" \
	po_wait_for 4 status 'o["state"] == "on air" and o["connected"] and o["last_error"]'

done_playing() { o=$(field outcome); [ -n "$o" ] && [ "$o" != playing ]; }
po_check "the programme ends" po_wait_for $(( START + 20 - $(date +%s) )) done_playing
"$PLAYOUTCTL" -c "$CONF" history --json >"$T/history.json" 2>&1
"$PLAYOUTCTL" -c "$CONF" history 2>&1 | sed 's/^/#   /'
check() { # DESCRIPTION PYTHON-EXPRESSION over p (the play), g (its gaps), plays
	po_check "$1" "$PO_PY" - "$T/history.json" "$2" "$STOPPED_MS" <<'EOF'
import datetime, json, sys
plays = [p for p in json.load(open(sys.argv[1]))
         if p.get("output") == "icecast:main" and p.get("asset") == "prog.mp3"]
stopped = int(sys.argv[3])
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
check "one play of the programme" 'len(plays) == 1'
check "outcome partial, not complete (1 reconnect)" 'p["outcome"] == "partial" and "1 reconnect" in p["detail"]'
check "lost and cut: the detail says both" \
	'"cut at " in p["detail"] and "s in 1 outage" in p["detail"] and p["detail"].find("lost ") >= 0'
check "its start error is the programme's start (|e| < 100 ms)" 'abs(p["start_error_ms"]) < 100'
check "one outage, from when icecast2 went away (within 1.5 s)" \
	'len(g) == 1 and stopped - 500 <= ms(g[0]["at"]) <= stopped + 1500'
check "it lasted until icecast2 was back (2 s .. 5 s)" '2.0 <= g[0]["length_s"] < 5.0'
check "the audio lost is the outage less the send-ahead, and the play's loss" \
	'g[0]["length_s"] - 0.8 <= g[0]["lost_s"] <= g[0]["length_s"] + 0.1 and abs(p["lost_s"] - g[0]["lost_s"]) < 0.001'
check "the resumed frame went out on its deadline (|d| < 100 ms)" 'abs(g[0]["resume_delay_ms"]) < 100'

# The second programme: its server goes away for good 3 s in.
field2() { po_play_field "$CONF" icecast:main prog2.mp3 "$1"; }
on_air2_3s() { [ "$(field2 outcome)" = playing ] && [ "$(now_ms)" -ge $(( (START + 16) * 1000 )) ]; }
po_check "prog2.mp3 is on air" po_wait_for 8 on_air2_3s
GONE_MS=$(now_ms)
po_icecast_stop
done2() { o=$(field2 outcome); [ -n "$o" ] && [ "$o" != playing ]; }
po_check "prog2 ends" po_wait_for $(( START + 26 - $(date +%s) )) done2
"$PLAYOUTCTL" -c "$CONF" history --json >"$T/history.json" 2>&1
"$PLAYOUTCTL" -c "$CONF" history 2>&1 | grep prog2 | sed 's/^/#   /'
po_check "prog2: partial, down to the end, the rest of it lost (4..5.5 s)" "$PO_PY" - "$T/history.json" <<'EOF'
import json, sys
p = [p for p in json.load(open(sys.argv[1])) if p.get("asset") == "prog2.mp3"]
ok = (len(p) == 1 and p[0]["outcome"] == "partial" and "down to the end" in p[0]["detail"]
      and 4.0 <= p[0]["lost_s"] <= 5.5 and p[0]["bytes"] > 0)
if not ok:
    print("# " + json.dumps(p))
sys.exit(0 if ok else 1)
EOF
po_check "after it, status lists the output as down" \
	status 'o["state"] == "down" and not o["connected"] and o["last_error"]'

rc=0; po_stop_timed "$DPID" || rc=$?
po_check "SIGTERM: playoutd exits 0 (rc=$rc)" test "$rc" -eq 0
[ "$PO_FAILED" -gt 0 ] && tail -n 30 "$T/playoutd.log" | sed "s/^/#   /"
po_result history_icecast
