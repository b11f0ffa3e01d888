#!/bin/bash
# History paging: five short programmes play on a file output (rehearsal
# clock), then `playoutctl history --limit N --before ID|T` and
# /history.json?limit=N&before=ID|T must pick the same pages, walk back
# without gaps or repeats, and refuse bad values (400, 404; exit 2, 1).
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}symbolize=0"

PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"
po_mp3 "$T/drop/p.mp3" 2 440 || po_fail history_page "cannot make a test mp3 (lame)"
for i in 0 1 2 3 4; do
	printf '"2026-07-02T15:00:0%dZ","2026-07-02T15:00:0%dZ","p%d","p.mp3","P%d"\n' \
		$((i * 2)) $((i * 2 + 2)) $i $i
done | sed 's/:010Z/:10Z/' >"$T/schedule.csv"
PORT=$(po_free_port) || po_fail history_page "no free port"
CONF=$(po_station_conf "$T" "http = { listen = \"127.0.0.1:$PORT\"; };")
po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f --pretend-now 2026-07-02T14:59:57Z
DPID=$PO_LAST_PID
done5() {
	"$PLAYOUTCTL" -c "$CONF" history --json 2>/dev/null | "$PO_PY" -c '
import json, sys
try:
    p = json.load(sys.stdin)
except ValueError:
    sys.exit(1)
sys.exit(0 if len(p) == 5 and all(x["outcome"] != "playing" for x in p) else 1)'
}
po_check "five plays have ended" po_wait_for 40 done5
po_check "the status server is up" \
	po_wait_for 10 po_file_contains "$T/playoutd.log" "status server on http://127.0.0.1:$PORT/"

# get PATH OUT: the body in OUT; prints the status
get() {
	"$PO_PY" - "http://127.0.0.1:$PORT$1" "$2" <<'PY'
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=10)
except urllib.error.HTTPError as e:
    r = e
open(sys.argv[2], "wb").write(r.read())
print(r.status)
PY
}
"$PLAYOUTCTL" -c "$CONF" history --json >"$T/all.json"
# ids ID0..ID4 in the history's order
read -r ID0 ID1 ID2 ID3 ID4 < <("$PO_PY" -c '
import json, sys
print(" ".join(str(p["id"]) for p in json.load(open(sys.argv[1]))))' "$T/all.json")
po_check "every play has an id ($ID0 .. $ID4)" test -n "${ID4:-}"

# same A B: A and B are the same JSON; pick FILE I J: the plays I..J-1 of all.json
same() { "$PO_PY" -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1])) == json.load(open(sys.argv[2])) else 1)' "$1" "$2"; }
pick() { "$PO_PY" -c 'import json, sys; json.dump(json.load(open(sys.argv[1]))[int(sys.argv[2]):int(sys.argv[3])], open(sys.argv[4], "w"))' "$T/all.json" "$1" "$2" "$3"; }

po_check "/history.json without paging: 200" test "$(get /history.json "$T/h.all")" = 200
po_check "... all five (under the default limit), as playoutctl's" same "$T/h.all" "$T/all.json"

page() { # page NAME QUERY CTL-ARGS... : both sides of one page
	local name=$1 q=$2
	shift 2
	po_check "/history.json?$q: 200" test "$(get "/history.json?$q" "$T/h.$name")" = 200
	"$PLAYOUTCTL" -c "$CONF" history --json "$@" >"$T/c.$name"
	po_check "playoutctl history $* (exit 0)" test $? -eq 0
	po_check "... the same page both ways" same "$T/h.$name" "$T/c.$name"
}
page 1 "limit=2" --limit 2
pick 3 5 "$T/want.1"
po_check "page 1: the newest two" same "$T/c.1" "$T/want.1"
page 2 "limit=2&before=$ID3" --limit 2 --before "$ID3"
pick 1 3 "$T/want.2"
po_check "page 2: the two before the first of page 1" same "$T/c.2" "$T/want.2"
page 3 "limit=2&before=$ID1" --limit 2 --before "$ID1"
pick 0 1 "$T/want.3"
po_check "page 3: the one left" same "$T/c.3" "$T/want.3"
page t "before=2026-07-02T15:00:04Z" --before 2026-07-02T15:00:04Z
pick 0 2 "$T/want.t"
po_check "a time cursor: the plays scheduled before it" same "$T/c.t" "$T/want.t"

po_check "limit=0: 400" test "$(get "/history.json?limit=0" "$T/bad1")" = 400
po_check "... saying what is expected" grep -q "from 1 to 1000" "$T/bad1"
po_check "limit=1001: 400" test "$(get "/history.json?limit=1001" "$T/bad2")" = 400
po_check "before=yesterday: 400" test "$(get "/history.json?before=yesterday" "$T/bad3")" = 400
po_check "before=<unknown id>: 404" test "$(get "/history.json?before=999999" "$T/bad4")" = 404
po_check "... naming the id" grep -q "no play with id 999999" "$T/bad4"
"$PLAYOUTCTL" -c "$CONF" history --limit 0 >/dev/null 2>&1
po_check "playoutctl history --limit 0: exit 2" test $? -eq 2
"$PLAYOUTCTL" -c "$CONF" history --before 999999 >/dev/null 2>"$T/ctl.err"
po_check "playoutctl history --before <unknown id>: exit 1" test $? -eq 1
"$PLAYOUTCTL" -c "$CONF" status --limit 2 >/dev/null 2>&1
po_check "--limit elsewhere than history: exit 2" test $? -eq 2
"$PLAYOUTCTL" -c "$CONF" history --limit 2 >"$T/text"
po_check "the text form shows the page only (2 plays)" test "$(grep -c ' p[0-9] ' "$T/text")" -eq 2
[ "$PO_FAILED" -gt 0 ] && sed 's/^/#   /' "$T/text" "$T"/playoutd*.log | tail -40
po_result history_page
