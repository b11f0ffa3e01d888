#!/bin/bash
# gcal end to end through the real core (host http, secret_store) against
# tests/fakes/google_fake.py:
#   1. playoutctl gcal-auth: a python "browser" follows the printed consent
#      URL; the fake redirects to the loopback listener with a code; the
#      token.json lands in the file: reference (0600), never on stdout.
#   2. playoutctl rundown plans from the calendar with that token.
#   3. an expired token is refreshed by the plugin and written back to the file.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../../..}/tests/integration/lib.sh"

PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
FAKE="$PO_SRCDIR/tests/fakes/google_fake.py"
[ -x "$PLAYOUTCTL" ] || { echo "not ok - $PLAYOUTCTL is not built"; po_result gcal_auth 0 1; }

T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"
# one file in the drop folder: an empty folder trips UBSan in localdisk's qsort
po_mp3 "$T/drop/20260329_1300_other.mp3" 1 440 || { echo "not ok - lame"; po_result gcal_auth 0 1; }
cat >"$T/fake.json" <<'EOF'
{"calendars": {"station@group.calendar.google.com": [
  {"id": "e1", "status": "confirmed", "summary": "Morning Show",
   "description": "<p>PID:<b>morning</b></p><p>TYPE:RECORDED</p>",
   "start": {"dateTime": "2026-03-29T10:00:00+01:00"}, "end": {"dateTime": "2026-03-29T11:00:00+01:00"}}
]}}
EOF
po_spawn "$PO_PY" "$FAKE" --port-file "$T/port" --log "$T/fake.jsonl" --config "$T/fake.json"
po_wait_for 10 test -s "$T/port" || { echo "not ok - the fake did not start"; po_result gcal_auth 0 1; }
PORT=$(cat "$T/port")
cat >"$T/credentials.json" <<EOF
{"installed":{"client_id":"test-client.apps.googleusercontent.com","client_secret":"test-secret",
 "auth_uri":"http://127.0.0.1:$PORT/o/oauth2/auth","token_uri":"http://127.0.0.1:$PORT/token",
 "redirect_uris":["http://localhost"]}}
EOF
tr -d '\n' <"$T/credentials.json" >"$T/cred.one" && mv "$T/cred.one" "$T/credentials.json"
chmod 600 "$T/credentials.json"
CONF="$T/playout.conf"
cat >"$CONF" <<EOF
station = "Test FM"; timezone = "Europe/London"; state = "$T/state.db"; cache = "$T/cache";
schedule = ( { plugin = "gcal"; instance = "main"; calendar_id = "station@group.calendar.google.com";
               credentials = "file:$T/credentials.json"; token = "file:$T/token.json";
               endpoint = "http://127.0.0.1:$PORT/calendar/v3"; timeout_s = 5; retries = -1; } );
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
outputs = ( { plugin = "file"; path = "$T/out.mp3"; } );
EOF

# ---- 1. consent flow
po_spawn_out "$T/auth.out" "$PLAYOUTCTL" -c "$CONF" gcal-auth --port 0 --no-browser
APID=$PO_LAST_PID
po_wait_for 10 grep -q '^http://127.0.0.1:.*/o/oauth2/auth?' "$T/auth.out"
URL=$(grep -m1 '^http://127.0.0.1:.*/o/oauth2/auth?' "$T/auth.out")
po_check "gcal-auth prints a consent URL with PKCE S256, offline access and state" \
	bash -c "grep -q 'code_challenge_method=S256' <<<'$URL' && grep -q 'access_type=offline' <<<'$URL' && grep -q 'state=' <<<'$URL' && grep -q 'redirect_uri=http%3A%2F%2F127.0.0.1%3A' <<<'$URL'"
"$PO_PY" - "$URL" >"$T/browser.out" 2>&1 <<'EOF'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as r:   # follows the 302 to the loopback
    print(r.status, r.geturl())
    print(r.read().decode())
EOF
po_check "the browser lands on the loopback page" grep -q 'authorization received' "$T/browser.out"
rc=0; po_wait_for 10 test ! -e "/proc/$APID" || true; po_reap "$APID" || rc=$?
po_check "gcal-auth exits 0" test "$rc" -eq 0
po_check "it says where it wrote the token" grep -q "token written to file:$T/token.json" "$T/auth.out"
po_check "token.json holds the refresh token the fake issued" \
	"$PO_PY" -c "import json,sys; t=json.load(open('$T/token.json')); sys.exit(0 if t['refresh_token'].startswith('1//refresh-') and t['token'].startswith('ya29.') and t['expiry'].endswith('Z') else 1)"
po_check "token.json is mode 0600" test "$(stat -c %a "$T/token.json")" = 600
po_check "no token on stdout" bash -c "! grep -q 'ya29\\.\\|1//' '$T/auth.out'"
po_check "the code was exchanged with its PKCE verifier" \
	grep -q '"grant_type": "authorization_code".*"code_verifier"\|"code_verifier".*"grant_type": "authorization_code"' "$T/fake.jsonl"

# ---- 2. the schedule comes from the calendar
"$PLAYOUTCTL" -c "$CONF" rundown --from 2026-03-29T09:00 --hours 4 >"$T/rundown.out" 2>"$T/rundown.err"
po_check "rundown shows the calendar's programme" grep -q 'morning' "$T/rundown.out"

# ---- 3. expired token: refreshed and written back to the file
"$PO_PY" - "$T/token.json" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1])); t["expiry"] = "2020-01-01T00:00:00Z"; t["token"] = "ya29.stale"
json.dump(t, open(sys.argv[1], "w"))
EOF
chmod 600 "$T/token.json"
"$PLAYOUTCTL" -c "$CONF" rundown --from 2026-03-29T09:00 --hours 4 >"$T/rundown2.out" 2>"$T/rundown2.err"
po_check "rundown after expiry still shows the programme" grep -q 'morning' "$T/rundown2.out"
po_check "the refresh grant was used" grep -q '"grant_type": "refresh_token".*"status": 200' "$T/fake.jsonl"
po_check "the refreshed token was written back" \
	"$PO_PY" -c "import json,sys; t=json.load(open('$T/token.json')); sys.exit(0 if t['token'] != 'ya29.stale' and t['expiry'] > '2025' else 1)"
po_check "the written-back token is mode 0600" test "$(stat -c %a "$T/token.json")" = 600

po_result gcal_auth
