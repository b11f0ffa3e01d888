#!/bin/bash
# The s3 storage plugin against s3rver 3.7 (npm, tests/s3) behind a proxy that
# checks every SigV4 signature (tests/s3/sigproxy.py): paged listing, download
# byte for byte, resume after a dropped connection, a 500 survived, ETag
# mismatch, hostile keys, wrong credentials, server down, request counters,
# and playoutd playing from the cache while S3 is down.
# Needs `npm ci --prefix tests/s3` (node_modules under tests/s3).
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../../..}/tests/integration/lib.sh"

RUN="$PO_BUILDDIR/plugins/s3/tests/run_storage"
S3DIR="$PO_SRCDIR/tests/s3"
S3RVER="$S3DIR/node_modules/s3rver/bin/s3rver.js"
NAME=s3

if [ ! -f "$S3RVER" ]; then
	echo "not ok - s3rver is not installed: run npm ci --prefix $S3DIR"
	po_result $NAME 0 1
fi
if [ ! -x "$RUN" ]; then
	echo "not ok - $RUN is not built (make check builds it)"
	po_result $NAME 0 1
fi

T=$(po_tmpdir) || exit 1
mkdir -p "$T/s3data" "$T/cache" "$T/fix"

# ---- servers
S3PORT=$(po_free_port)
NODE_OPTIONS=--openssl-legacy-provider po_spawn_out "$T/s3rver.log" node "$S3RVER" \
	-d "$T/s3data" -a 127.0.0.1 -p "$S3PORT" --silent --configure-bucket prerecs
S3PID=$PO_LAST_PID
start_proxy() {
	rm -f "$T/proxy.port"
	po_spawn_out "$T/proxy.out" "$PO_PY" "$S3DIR/sigproxy.py" --port "${1:-0}" \
		--port-file "$T/proxy.port" --upstream "$S3PORT" --log "$T/proxy.log" \
		--region eu-west-1 --access-key S3RVER --secret-key S3RVER
	PROXYPID=$PO_LAST_PID
	po_wait_for 10 test -s "$T/proxy.port" || return 1
	PPORT=$(cat "$T/proxy.port")
}
start_proxy || { echo "not ok - the proxy did not start"; po_result $NAME 0 1; }
po_wait_for 20 curl -s -o /dev/null "http://127.0.0.1:$S3PORT/" ||
	{ echo "not ok - s3rver did not start"; cat "$T/s3rver.log"; po_result $NAME 0 1; }

# ---- fixtures: seven dated files (pages of 2), a big one, keys to skip
for n in 1 2 3 4 5 6 7; do
	head -c $((1000 * n)) /dev/urandom >"$T/fix/f$n"
	set -- "$@" "2026112${n}_1000_show$n.mp3" "$T/fix/f$n"
done
head -c 600000 /dev/urandom >"$T/fix/big"
head -c 100 /dev/urandom >"$T/fix/small"
"$PO_PY" "$S3DIR/s3put.py" "$S3PORT" prerecs "$@" 20261125_1200_big.mp3 "$T/fix/big" \
	sub/x.mp3 "$T/fix/small" .hidden.mp3 "$T/fix/small" notes.txt "$T/fix/small" ||
	{ echo "not ok - cannot upload fixtures"; po_result $NAME 0 1; }
set --
for k in ../x.mp3 /abs.mp3 a/../../b.mp3 "$(printf 'tab\t.mp3')" "$(printf 'y%.0s' $(seq 1 230)).mp3"; do
	curl -s -o /dev/null -X POST "http://127.0.0.1:$PPORT/__proxy/fault?kind=inject&key=$(
		"$PO_PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$k")"
done

conf() { # conf FILE SECRET [extra storage settings]
	cat >"$1" <<EOC
station = "Test FM"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plan_interval_s = 5;
aws = { region = "eu-west-1"; access_key = "S3RVER"; secret_key = "env:$2"; };
schedule = ( { plugin = "csv"; path = "$T/schedule.csv"; } );
storage = { plugin = "s3"; bucket = "prerecs"; endpoint = "http://127.0.0.1:$PPORT";
            page_size = 2; full_list_h = 0; ${3:-} };
outputs = ( { plugin = "file"; instance = "copy"; path = "$T/out.mp3"; } );
EOC
}
: >"$T/schedule.csv"
export PO_S3_GOOD=S3RVER PO_S3_BAD=WRONGSECRET
conf "$T/good.conf" PO_S3_GOOD
conf "$T/bad.conf" PO_S3_BAD

# ---- listing
"$RUN" "$T/good.conf" list >"$T/list.out" 2>"$T/list.err"
po_check "list succeeds through the signature check" test $? -eq 0
po_check "list shows the 8 programme files" test "$(wc -l <"$T/list.out")" -eq 8
po_check "list pages with continuation tokens (max-keys=2)" \
	grep -q 'continuation-token=.*max-keys=2' "$T/proxy.log"
po_check "list gives sizes and MD5 etags" grep -qP '^20261125_1200_big.mp3\t600000\t[0-9a-f]{32}$' "$T/list.out"
po_check "no hostile, hidden, nested or non-mp3 key is listed" \
	bash -c "! grep -qE 'x.mp3|abs|b.mp3|tab|yyy|hidden|notes' '$T/list.out'"
po_check "each hostile key is reported" test "$(grep -c 'skipping key' "$T/list.err")" -ge 7

# ---- download, byte for byte
"$RUN" "$T/good.conf" fetch 20261123_1000_show3.mp3 >/dev/null 2>"$T/f3.err"
po_check "fetch succeeds" test $? -eq 0
po_check "the cached file equals the object" cmp -s "$T/fix/f3" "$T/cache/20261123_1000_show3.mp3"

# ---- resume after a dropped connection
curl -s -o /dev/null -X POST "http://127.0.0.1:$PPORT/__proxy/fault?kind=drop&key=20261125_1200_big.mp3"
"$RUN" "$T/good.conf" fetch 20261125_1200_big.mp3 >/dev/null 2>"$T/big.err"
po_check "fetch survives a connection dropped mid-body" test $? -eq 0
po_check "the proxy dropped the first GET" grep -q '"key": "20261125_1200_big.mp3".*fault:drop' "$T/proxy.log"
po_check "the second GET asked for the rest with Range and If-Match" \
	grep -qE '"key": "20261125_1200_big.mp3", "range": "bytes=[1-9][0-9]*-", "if_match": "\\"[0-9a-f]{32}\\"", "verdict": "ok", "status": 206' "$T/proxy.log"
po_check "the resumed file equals the object" cmp -s "$T/fix/big" "$T/cache/20261125_1200_big.mp3"

# ---- a 500 once is retried
curl -s -o /dev/null -X POST "http://127.0.0.1:$PPORT/__proxy/fault?kind=500&key=20261124_1000_show4.mp3"
"$RUN" "$T/good.conf" fetch 20261124_1000_show4.mp3 >/dev/null 2>"$T/f4.err"
po_check "fetch survives one HTTP 500" test $? -eq 0
po_check "the 500 was answered" grep -q '"key": "20261124_1000_show4.mp3".*fault:500' "$T/proxy.log"
po_check "the file after the 500 equals the object" cmp -s "$T/fix/f4" "$T/cache/20261124_1000_show4.mp3"

# ---- ETag mismatch
curl -s -o /dev/null -X POST "http://127.0.0.1:$PPORT/__proxy/fault?kind=corrupt&key=20261125_1000_show5.mp3"
"$RUN" "$T/good.conf" fetch 20261125_1000_show5.mp3 >/dev/null 2>"$T/f5.err"
po_check "a corrupted body fails the fetch" test $? -ne 0
po_check "the error says etag mismatch" grep -q 'etag mismatch' "$T/f5.err"
po_check "nothing of it is left in the cache" \
	bash -c "! ls -A '$T/cache' '$T/cache/.part' | grep -q show5"

# ---- nothing was written outside the cache
po_check "no file from a hostile key exists anywhere outside s3rver's store" \
	bash -c "test -z \"\$(find '$T' -path '$T/s3data' -prune -o \( -name x.mp3 -o -name b.mp3 -o -name abs.mp3 -o -name 'tab*' -o -name 'yyy*' \) -print)\""
po_check "the cache holds only the fetched files" \
	test "$(ls "$T/cache" | tr '\n' ' ')" = "20261123_1000_show3.mp3 20261124_1000_show4.mp3 20261125_1200_big.mp3 "

# ---- wrong credentials
"$RUN" "$T/bad.conf" list >/dev/null 2>"$T/bad.err"
po_check "a wrongly signed listing fails" test $? -ne 0
po_check "the 403 and S3's error code are surfaced" grep -q 'HTTP 403 SignatureDoesNotMatch' "$T/bad.err"
po_check "the error tells what to check" grep -q 'check the credentials' "$T/bad.err"

# ---- requests and bytes counted per UTC day
DAY=$(date -u +%Y-%m-%d)
REQ=$("$RUN" "$T/good.conf" kv "requests:$DAY" 2>/dev/null)
SEEN=$(grep -c '"method": "GET"' "$T/proxy.log")
po_check "requests counted ($REQ) match the requests the proxy saw ($SEEN)" test "${REQ:-0}" -eq "$SEEN"
BYTES=$("$RUN" "$T/good.conf" kv "bytes:$DAY" 2>/dev/null)
po_check "bytes counted ($BYTES) cover the downloads" test "${BYTES:-0}" -ge 609000

# ---- server down
po_kill "$PROXYPID"; po_unregister_pid "$PROXYPID"
"$RUN" "$T/good.conf" list >/dev/null 2>"$T/down.err"
po_check "with S3 down the listing fails" test $? -ne 0
po_check "... as unavailable (code -8), not as bad data" grep -q 'code -8' "$T/down.err"

# ---- playoutd: files from the bucket go on air; S3 goes down, play goes on
D=$(po_tmpdir) || exit 1
po_mp3 "$D/alpha.mp3" 3 440 && po_mp3 "$D/bravo.mp3" 3 550 ||
	po_fail $NAME "cannot make test mp3s (lame)"
"$PO_PY" "$S3DIR/s3put.py" "$S3PORT" prerecs alpha.mp3 "$D/alpha.mp3" bravo.mp3 "$D/bravo.mp3"
cat >"$D/schedule.csv" <<'EOC'
"2026-12-01T10:00:00Z","2026-12-01T10:00:03Z","alpha","alpha.mp3","Alpha Show"
"2026-12-01T10:00:15Z","2026-12-01T10:00:18Z","bravo","bravo.mp3","Bravo Show"
EOC
start_proxy || echo "# the proxy did not restart"
cat >"$D/playout.conf" <<EOC
station = "Test FM"; timezone = "UTC"; state = "$D/state.db"; cache = "$D/cache";
plan_interval_s = 5; send_ahead_ms = 300;
aws = { region = "eu-west-1"; access_key = "S3RVER"; secret_key = "env:PO_S3_GOOD"; };
schedule = ( { plugin = "csv"; path = "$D/schedule.csv"; } );
storage = { plugin = "s3"; bucket = "prerecs"; endpoint = "http://127.0.0.1:$PPORT"; };
outputs = ( { plugin = "file"; instance = "copy"; path = "$D/out.mp3"; } );
EOC
po_spawn_out "$D/playoutd.log" "$PO_BUILDDIR/playoutd" -c "$D/playout.conf" -f \
	--pretend-now 2026-12-01T09:59:56Z
DPID=$PO_LAST_PID
po_wait_for 15 test -f "$D/cache/bravo.mp3"
po_check "playoutd brought both programmes into the cache" test -f "$D/cache/bravo.mp3"
po_kill "$PROXYPID"; po_unregister_pid "$PROXYPID"
po_wait_for 25 grep -q 'storage unreachable' "$D/playoutd.log"
po_check "playoutd says the listing failed and it plans with the last one" \
	grep -q 'storage unreachable.*last good listing' "$D/playoutd.log"
cat "$D/alpha.mp3" "$D/bravo.mp3" >"$D/expect.mp3"
po_wait_for 25 cmp -s "$D/expect.mp3" "$D/out.mp3"
po_check "both programmes went out byte for byte, bravo while S3 was down" \
	cmp -s "$D/expect.mp3" "$D/out.mp3"
po_check "playoutd is still running" kill -0 "$DPID"
po_kill "$DPID"; po_unregister_pid "$DPID"

# ---- two downloads at once, sharing one bandwidth limit
# Two 20 s files (about 320 kB each), downloads = 2 and 160 kB/s in all: each
# download gets 80 kB/s, so both requests arrive together and each takes
# about 4 s (one at a time, the second would start 2 s after the first).
E=$(po_tmpdir) || exit 1
po_mp3 "$E/charlie.mp3" 20 440 && po_mp3 "$E/delta.mp3" 20 550 ||
	po_fail $NAME "cannot make test mp3s (lame)"
"$PO_PY" "$S3DIR/s3put.py" "$S3PORT" prerecs charlie.mp3 "$E/charlie.mp3" delta.mp3 "$E/delta.mp3"
cat >"$E/schedule.csv" <<'EOC'
"2026-12-01T11:00:00Z","2026-12-01T11:00:20Z","charlie","charlie.mp3","Charlie Show"
"2026-12-01T11:01:00Z","2026-12-01T11:01:20Z","delta","delta.mp3","Delta Show"
EOC
start_proxy || echo "# the proxy did not restart"
: >"$T/proxy.log"
sed -e "s|$D/|$E/|g" -e 's|endpoint = "http://127.0.0.1:[0-9]*"|endpoint = "http://127.0.0.1:'"$PPORT"'"; downloads = 2; max_bytes_per_s = 160000|' \
	"$D/playout.conf" >"$E/playout.conf"
po_spawn_out "$E/playoutd.log" "$PO_BUILDDIR/playoutd" -c "$E/playout.conf" -f \
	--pretend-now 2026-12-01T10:00:00Z
DPID=$PO_LAST_PID
both_cached() { test -f "$E/cache/charlie.mp3" -a -f "$E/cache/delta.mp3"; }
po_wait_for 30 both_cached
po_check "playoutd fetched both files (downloads = 2)" both_cached
po_check "the cached files equal the objects" \
	sh -c "cmp -s '$E/charlie.mp3' '$E/cache/charlie.mp3' && cmp -s '$E/delta.mp3' '$E/cache/delta.mp3'"
concurrent() {
	"$PO_PY" - "$T/proxy.log" "$E/playoutd.log" <<'EOP'
import json, re, sys
t0 = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["method"] == "GET" and r["key"] in ("charlie.mp3", "delta.mp3") and r["status"] == 200:
        t0.setdefault(r["key"], r["t0"])
took = {m.group(1): float(m.group(2)) for m in
        re.finditer(r"fetched (\w+\.mp3) \(\d+ bytes\) in ([0-9.]+) s", open(sys.argv[2]).read())}
print("# GET arrivals %s, download times %s" % (t0, took))
ok = len(t0) == 2 and abs(t0["charlie.mp3"] - t0["delta.mp3"]) < 1.0
ok = ok and len(took) == 2 and min(took.values()) >= 3.0
sys.exit(0 if ok else 1)
EOP
}
po_check "both GETs arrived within 1 s and each took >= 3 s (the limit shared)" concurrent

# ---- SIGTERM in the middle of a download: a prompt, clean exit; the part stays
po_mp3 "$E/echo.mp3" 60 660 &&
	"$PO_PY" "$S3DIR/s3put.py" "$S3PORT" prerecs 20261201_1102_echo.mp3 "$E/echo.mp3"
kill -HUP "$DPID" # a dated name: the next listing of the day's prefix finds it
po_wait_for 20 grep -q '"key": "20261201_1102_echo.mp3"' "$T/proxy.log"
po_wait_for 5 test -s "$E/cache/.part/20261201_1102_echo.mp3.s3partial"
kill -TERM "$DPID"
gone() { ! kill -0 "$DPID" 2>/dev/null || [ "$(ps -o stat= -p "$DPID" | cut -c1)" = Z ]; }
po_wait_for 3 gone
po_check "SIGTERM during a 12 s download: playoutd is gone within 3 s" gone
rc=0; po_reap "$DPID" || rc=$?; po_unregister_pid "$DPID"
po_check "... and exits 0 (rc=$rc)" test "$rc" -eq 0
po_check "the partial download is kept for a resume" test -s "$E/cache/.part/20261201_1102_echo.mp3.s3partial"
po_check "no half file in the cache" test ! -e "$E/cache/20261201_1102_echo.mp3"
[ "$PO_FAILED" -gt 0 ] && { ls -la "$E/cache" "$E/cache/.part"; tail -n 15 "$E/playoutd.log"; } | sed 's/^/# /'

# ---- playoutctl rundown plans a cached, probed programme as the daemon did,
# also when it cannot read the cache folder (run by another user than the
# daemon's, which makes the folder 0750): then from the daemon's stored scans,
# and it says so. Before, it gave cap_s 0 and the slot end, without a word.
F=$(po_tmpdir) || exit 1
po_mp3 "$F/foxtrot.mp3" 20 440 &&
	"$PO_PY" "$S3DIR/s3put.py" "$S3PORT" prerecs foxtrot.mp3 "$F/foxtrot.mp3"
cat >"$F/schedule.csv" <<'EOC'
"2026-12-01T12:00:00Z","2026-12-01T12:00:30Z","foxtrot","foxtrot.mp3","Foxtrot Show"
EOC
sed -e "s|$E/|$F/|g" -e 's|; downloads = 2; max_bytes_per_s = 160000||' "$E/playout.conf" >"$F/playout.conf"
po_spawn_out "$F/playoutd.log" "$PO_BUILDDIR/playoutd" -c "$F/playout.conf" -f \
	--pretend-now 2026-12-01T11:58:00Z
DPID=$PO_LAST_PID
# the daemon's own plan of foxtrot, from its state: "end_ms cap_s"
daemon_plan() {
	"$PO_PY" - "$F/state.db" <<'EOP'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
r = db.execute("SELECT end_ms, cap_s FROM rundown WHERE pid = 'foxtrot'").fetchone()
print("%d %d" % r if r else "")
EOP
}
planned_with_duration() { grep -q 'foxtrot.mp3: probed' "$F/playoutd.log" && [ "$(daemon_plan | cut -d' ' -f2)" -gt 0 ] 2>/dev/null; }
po_wait_for 30 planned_with_duration
po_check "the daemon cached and probed foxtrot and planned it with its duration" planned_with_duration
WANT=$(daemon_plan)
po_kill "$DPID"; po_unregister_pid "$DPID"
# "end_ms cap_s" of foxtrot in a playoutctl rundown --json
ctl_plan() {
	"$PO_PY" -c '
import datetime, json, sys
for it in json.load(open(sys.argv[1])):
    if it["pid"] == "foxtrot":
        t = datetime.datetime.fromisoformat(it["end"].replace("Z", "+00:00"))
        print("%d %d" % (round(t.timestamp() * 1000), it["cap_s"]))' "$1"
}
"$PO_BUILDDIR/playoutctl" -c "$F/playout.conf" rundown --json --from 2026-12-01T11:59:00Z --hours 1 \
	>"$F/ctl.json" 2>"$F/ctl.err"
GOT=$(ctl_plan "$F/ctl.json")
po_check "playoutctl rundown gives the daemon's end and cap_s ($GOT; daemon: $WANT)" \
	test -n "$WANT" -a "$GOT" = "$WANT"
po_check "... and no error about the read-only state (a plugin's kv_put)" \
	bash -c "! grep -q 'read-only' '$F/ctl.err'"
# As root, drop the capabilities that read any folder, so the mode counts.
NOCAP=""
[ "$(id -u)" -eq 0 ] && NOCAP="setpriv --bounding-set=-dac_override,-dac_read_search"
chmod 000 "$F/cache"
$NOCAP "$PO_BUILDDIR/playoutctl" -c "$F/playout.conf" rundown --json --from 2026-12-01T11:59:00Z \
	--hours 1 >"$F/ctl2.json" 2>"$F/ctl2.err"
chmod 750 "$F/cache"
GOT=$(ctl_plan "$F/ctl2.json")
po_check "with the cache folder unreadable, the same end and cap_s ($GOT; daemon: $WANT)" \
	test -n "$WANT" -a "$GOT" = "$WANT"
po_check "... and it says it could not read the cache folder" \
	grep -qE "cache $F/cache: cannot open: Permission denied: [0-9]+ files? taken from the daemon's stored scans" "$F/ctl2.err"
[ "$PO_FAILED" -gt 0 ] && { cat "$F/ctl.err" "$F/ctl2.err" "$F/ctl2.json"; tail -n 15 "$F/playoutd.log"; } | sed 's/^/# /'

po_result $NAME
