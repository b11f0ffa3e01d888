#!/bin/bash
# The status server (doc/design.md §9): one playoutd with http configured on
# loopback with a token, a file output on air with "prog" (a title with
# markup in it), a dead Icecast output (a last error, a password in the
# environment) and a programme whose file never came ("ghost": missing).
# Each endpoint is fetched: /metrics through a strict Prometheus parser
# (tests/tools/promparse.py), the JSON against playoutctl's, the page in
# headless Chromium (tests/tools/dom.py, a screenshot). No response may
# carry the token, the password or a path of the installation; every
# response has its type and Cache-Control: no-store. A config with a
# network address and no token is refused by playoutctl check.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}symbolize=0"

PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
TOOLS="$PO_SRCDIR/tests/tools"
T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"
command -v chromedriver >/dev/null && command -v chromium >/dev/null ||
	po_fail httpd "chromium and chromium-driver are needed (tools/deps.sh)"
po_mp3 "$T/drop/prog.mp3" 30 440 || po_fail httpd "cannot make test mp3s (lame)"

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
START=$(( $(date +%s) + 4 ))
cat >"$T/schedule.csv" <<CSV
"$(iso "$START")","$(iso $((START + 30)))","prog","prog.mp3","Prog <b>&amp; ""co"""
"$(iso $((START + 40)))","$(iso $((START + 3600)))","ghost","ghost.mp3","Ghost Hour"
CSV
TOKEN="tok-$("$PO_PY" -c 'import secrets; print(secrets.token_hex(16))')"
printf '%s\n' "$TOKEN" >"$T/http.token"
chmod 600 "$T/http.token"
export PO_TEST_ICECAST_PASSWORD="pw-$("$PO_PY" -c 'import secrets; print(secrets.token_hex(12))')"
DEAD_PORT=$(po_free_port) || po_fail httpd "no free port"
PORT=$(po_free_port) || po_fail httpd "no free port"
BASE="http://127.0.0.1:$PORT"
CONF="$T/playout.conf"
cat >"$CONF" <<CONF_END
station = "Test <FM>"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plan_interval_s = 5; send_ahead_ms = 300;
schedule = ( { plugin = "csv"; path = "$T/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
outputs = ( { plugin = "file"; instance = "air"; path = "$T/out.mp3"; },
            { plugin = "icecast"; instance = "dead"; host = "127.0.0.1"; port = $DEAD_PORT;
              mount = "/prerec"; password = "env:PO_TEST_ICECAST_PASSWORD"; } );
http = { listen = "127.0.0.1:$PORT"; token = "file:$T/http.token"; };
CONF_END
chmod 600 "$CONF"

# ---- the config rule: a network address needs a token
sed -e 's|^http = .*|http = { listen = "0.0.0.0:'"$PORT"'"; };|' "$CONF" >"$T/open.conf"
"$PLAYOUTCTL" -c "$T/open.conf" check --offline >"$T/open.out" 2>&1
po_check "check refuses a non-loopback listen without a token (exit 1)" test $? -eq 1
po_check "... and says why, with file:line" po_file_contains "$T/open.out" \
	"open.conf:8: error: http.listen '0.0.0.0:$PORT' is not a loopback address.*a token is required"
sed -e 's|^http = .*|http = { listen = "[::]:'"$PORT"'"; token = "file:'"$T"'/http.token"; };|' \
	"$CONF" >"$T/tokened.conf"
"$PLAYOUTCTL" -c "$T/tokened.conf" check --offline >"$T/tokened.out" 2>&1
po_check "check accepts it with a token" test $? -eq 0
"$PLAYOUTCTL" -c "$CONF" check --offline >"$T/check.out" 2>&1
po_check "check accepts the test's config" test $? -eq 0

po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f
DPID=$PO_LAST_PID
po_check "playoutd says where the status server listens" \
	po_wait_for 10 po_file_contains "$T/playoutd.log" "status server on http://127.0.0.1:$PORT/ (token required)"

# fetch PATH NAME [-XMETHOD] ["Header: value"]...: the body in $T/NAME, the
# status and headers (names lower-cased) in $T/NAME.h; prints the status
fetch() {
	local path=$1 name=$2
	shift 2
	"$PO_PY" - "$BASE$path" "$T/$name" "$@" <<'PY'
import sys, urllib.request, urllib.error
url, out = sys.argv[1], sys.argv[2]
method, headers = "GET", {}
for a in sys.argv[3:]:
    if a.startswith("-X"):
        method = a[2:]
    else:
        k, v = a.split(": ", 1)
        headers[k] = v
req = urllib.request.Request(url, method=method, headers=headers)
try:
    r = urllib.request.urlopen(req, timeout=10)
except urllib.error.HTTPError as e:
    r = e
body = r.read()
open(out, "wb").write(body)
with open(out + ".h", "w") as h:
    h.write("status: %d\n" % r.status)
    for k, v in r.headers.items():
        h.write("%s: %s\n" % (k.lower(), v))
print(r.status)
PY
}
AUTH="Authorization: Bearer $TOKEN"

on_air() { [ "$(po_play_field "$CONF" file:air prog.mp3 outcome)" = playing ]; }
po_check "prog is on air" po_wait_for 15 on_air
dead_down() { "$PLAYOUTCTL" -c "$CONF" status --json 2>/dev/null | grep -q '"state": "down"'; }
po_check "the dead output has reported down" po_wait_for 10 dead_down
# the bytes of a play are recorded by its progress reports (about every second)
progressed() { [ "$(po_play_field "$CONF" file:air prog.mp3 bytes)" -gt 0 ] 2>/dev/null; }
po_check "a progress report of prog has been recorded" po_wait_for 5 progressed

# ---- who may ask, and how
po_check "no token: 401" test "$(fetch /status.json noauth)" = 401
po_check "401 says Bearer" po_file_contains "$T/noauth.h" "^www-authenticate: Bearer"
po_check "a wrong token: 401" test "$(fetch /status.json wrong "Authorization: Bearer ${TOKEN}x")" = 401
po_check "a wrong query token: 401" test "$(fetch "/metrics?token=nope" wrongq)" = 401
po_check "POST: 405" test "$(fetch / post -XPOST "$AUTH")" = 405
po_check "405 says what is allowed" po_file_contains "$T/post.h" "^allow: GET, HEAD"
po_check "an unknown path: 404" test "$(fetch /state.db nf "$AUTH")" = 404
po_check "HEAD /: 200" test "$(fetch / head -XHEAD "$AUTH")" = 200
po_check "HEAD sends no body" test ! -s "$T/head"

# ---- the documents
po_check "/metrics: 200 with the token in the query" test "$(fetch "/metrics?token=$TOKEN" metrics)" = 200
po_check "/status.json: 200" test "$(fetch /status.json status "$AUTH")" = 200
"$PLAYOUTCTL" -c "$CONF" status --json >"$T/ctl-status.json" 2>&1
po_check "/rundown.json: 200" test "$(fetch /rundown.json rundown "$AUTH")" = 200
"$PLAYOUTCTL" -c "$CONF" rundown --json >"$T/ctl-rundown.json" 2>&1
po_check "/history.json: 200" test "$(fetch /history.json history "$AUTH")" = 200
"$PLAYOUTCTL" -c "$CONF" history --json >"$T/ctl-history.json" 2>&1
po_check "/: 200" test "$(fetch "/?token=$TOKEN" page)" = 200

ctype() { po_file_contains "$T/$1.h" "^content-type: $2\$"; }
po_check "/metrics is Prometheus text 0.0.4" ctype metrics 'text/plain; version=0.0.4; charset=utf-8'
po_check "/status.json is JSON" ctype status application/json
po_check "/rundown.json is JSON" ctype rundown application/json
po_check "/history.json is JSON" ctype history application/json
po_check "/ is HTML" ctype page 'text/html; charset=utf-8'
for n in metrics status rundown history page noauth nf post; do
	po_check "$n: Cache-Control: no-store" po_file_contains "$T/$n.h" "^cache-control: no-store"
done

po_check "/metrics parses strictly, with the figures of this station" "$PO_PY" "$TOOLS/promparse.py" "$T/metrics" \
	'v("playout_start_error_seconds_count", output="file:air") >= 1' \
	'v("playout_start_error_seconds_bucket", output="file:air", le="+Inf") >= 1' \
	'v("playout_plays_total", output="file:air", outcome="playing") == 1' \
	'v("playout_output_up", output="file:air") == 1' \
	'v("playout_output_up", output="icecast:dead") == 0' \
	'v("playout_rundown_items", decision="missing") >= 1' \
	'v("playout_rundown_items", decision="exact") >= 1' \
	'v("playout_schedule_age_seconds", source="csv") >= 0' \
	'v("playout_cache_files") >= 1 and v("playout_cache_bytes") > 0' \
	'v("playout_last_plan_age_seconds") < 30' \
	'v("playout_sent_bytes_total", output="file:air") > 0'
grep -v '^#' "$T/metrics" | head -n 14 | sed 's/^/#   /'

# same_json A B [KEY...]: equal once KEY (what moves with the clock between
# the two reads) is dropped everywhere
same_json() {
	"$PO_PY" - "$@" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
drop = set(sys.argv[3:])
def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k not in drop}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x
if strip(a) != strip(b):
    print("# server:     " + json.dumps(strip(a))[:600])
    print("# playoutctl: " + json.dumps(strip(b))[:600])
    sys.exit(1)
PY
}
po_check "status.json equals playoutctl status --json (but position, left, lead, updated, starts_in)" \
	same_json "$T/status" "$T/ctl-status.json" position_s left_s lead_ms updated starts_in_s
po_check "history.json equals playoutctl history --json (but the bytes of the play on air)" \
	same_json "$T/history" "$T/ctl-history.json" bytes
po_check "rundown.json has playoutctl rundown's items and decisions (the daemon's stored plan)" "$PO_PY" - \
	"$T/rundown" "$T/ctl-rundown.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda r: [(i["start"], i["pid"], i["decision"]) for i in r]
ok = key(a) == key(b) and any(i["decision"] == "missing" and i["pid"] == "ghost" for i in a)
if not ok:
    print("# server %s\n# playoutctl %s" % (key(a), key(b)))
sys.exit(0 if ok else 1)
PY

# ---- nothing secret, no path of the installation, in any answer
for n in metrics status rundown history page noauth wrong nf post; do
	po_check "$n: no token, no password, no path under the test's folder" \
		po_file_lacks "$T/$n" "$TOKEN\|$PO_TEST_ICECAST_PASSWORD\|$T"
done
po_check "the daemon's log has neither the token nor the password" \
	po_file_lacks "$T/playoutd.log" "$TOKEN\|$PO_TEST_ICECAST_PASSWORD"

# ---- the page, as a phone's browser shows it
ERR=$("$PO_PY" -c '
import json, sys
p = [p for p in json.load(open(sys.argv[1]))
     if p["asset"] == "prog.mp3" and p["output"] == "file:air"][0]
print("%+.1f ms" % p["start_error_ms"])' "$T/history")
SHOT="$PO_BUILDDIR/tests/integration/test_httpd.png"
po_check "the page in headless Chromium shows on air, the position, missing, the start error ($ERR)" \
	"$PO_PY" "$TOOLS/dom.py" "$BASE/?token=$TOKEN" "$SHOT" \
	'h1=Test <FM>' \
	'#onair .on-air .title=Prog <b>&amp; "co"' \
	'#onair .on-air .position= of 0:30' \
	"#onair .down .last-error=Couldn't connect" \
	'#rundown tr.missing .title=Ghost Hour' \
	'#rundown tr.missing .decision=missing' \
	'#missing-count=1 programme with nothing to play' \
	"#plays td.start-error=$ERR"
echo "# screenshot: $SHOT"
po_check "the screenshot is a PNG" "$PO_PY" -c \
	'import sys; sys.exit(0 if open(sys.argv[1], "rb").read(8) == b"\x89PNG\r\n\x1a\n" else 1)' "$SHOT"

# only a daemon with http configured maps libmicrohttpd
LD_DEBUG=files LD_DEBUG_OUTPUT="$T/ld" "$PLAYOUTCTL" -c "$CONF" status >/dev/null 2>&1
ld_clean() { cat "$T"/ld.* | grep -q 'file=libconfig' && ! cat "$T"/ld.* | grep -q 'microhttpd\|httpd\.so'; }
po_check "playoutctl maps no libmicrohttpd (LD_DEBUG=files)" ld_clean
po_check "playoutd mapped httpd.so and libmicrohttpd" sh -c "grep -q 'httpd\.so' /proc/$DPID/maps && grep -q libmicrohttpd /proc/$DPID/maps"
rc=0; po_stop_timed "$DPID" || rc=$?
po_check "SIGTERM: playoutd exits 0 within 2 s with the server running (rc=$rc, ${PO_STOP_MS} ms)" \
	test "$rc" -eq 0 -a "$PO_STOP_MS" -lt 2000
po_check "the port is free again" po_port_is_free "$PORT"
[ "$PO_FAILED" -gt 0 ] && tail -n 30 "$T/playoutd.log" | sed "s/^/#   /"
po_result httpd
