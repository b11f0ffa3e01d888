#!/bin/bash
# Issue 4: ssm: secrets are read at start and again on SIGHUP. playoutd takes
# the Icecast source password from SSM (aws_fake.py, SigV4-checked) and its
# AWS keys from files named in the aws group. A real icecast2 wants P2; SSM
# holds a wrong P1, so alpha's connection is refused. Then the station puts P2
# in SSM and rotates its AWS keys (the fake accepts only the new ones), sends
# SIGHUP, and bravo goes on air, without a restart. The passwords and keys
# never reach the daemon's log. On a pretend clock:
#   alpha  alpha.mp3 (4 s) at 00:59:00: refused (wrong password)
#   bravo  bravo.mp3 (4 s) at 00:59:20: on air after the SIGHUP
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
FAKES="$PO_SRCDIR/tests/fakes"
LISTEN="$PO_SRCDIR/tests/integration/listen.py"
PRETEND=2026-03-29T00:58:57Z
PARAM=/station/icecast-password

for f in "$PLAYOUTD" "$PLAYOUTCTL" "$FAKES/aws_fake.py"; do
	[ -e "$f" ] || { echo "not ok - $f is missing"; po_result reload 0 1; }
done
rand() { "$PO_PY" -c 'import secrets; print(secrets.token_hex(10))'; }
P1=wrong-$(rand)
P2=right-$(rand)
SECRET1=secret-one-$(rand)
SECRET2=secret-two-$(rand)

T=$(po_tmpdir) || exit 1
mkdir -p "$T/aws" "$T/drop" "$T/cache"
po_mp3 "$T/drop/alpha.mp3" 4 440 && po_mp3 "$T/drop/bravo.mp3" 4 660 ||
	{ echo "cannot make test mp3s (lame)" >&2; po_result reload 0 1; }
cat >"$T/schedule.csv" <<'EOF'
"2026-03-29T00:59:00Z","2026-03-29T00:59:04Z","alpha","alpha.mp3","Alpha Show"
"2026-03-29T00:59:20Z","2026-03-29T00:59:24Z","bravo","bravo.mp3","Bravo Show"
EOF

# Files written whole, then renamed: a reader never sees half of one.
put_file() { printf '%s\n' "$2" >"$1.tmp" && mv -f "$1.tmp" "$1"; }
set_aws() { # akid secret icecast-password: what SSM and the fake's keys hold now
	put_file "$T/aws/config.json" "{\"region\": \"us-east-1\", \"keys\": {\"$1\": \"$2\"}, \"role\": \"\"}"
	put_file "$T/aws/ssm.json" "{\"$PARAM\": {\"Type\": \"SecureString\", \"Value\": \"$3\"}}"
	put_file "$T/akid" "$1"
	put_file "$T/secret" "$2"
}
set_aws AKIDONE "$SECRET1" "$P1"
chmod 600 "$T/akid" "$T/secret"

po_spawn_out "$T/aws.out" "$PO_PY" "$FAKES/aws_fake.py" --port 0 --state "$T/aws"
po_wait_for 10 grep -q '^port ' "$T/aws.out" || { cat "$T/aws.out"; po_result reload 0 1; }
AWS_PORT=$(sed -n 's/^port //p' "$T/aws.out" | head -1)

PO_ICECAST_SOURCE_PASSWORD=$P2
po_icecast_start "$T/ice" || po_result reload 0 1

CONF="$T/playout.conf"
cat >"$CONF" <<EOF
station = "Test FM"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plan_interval_s = 5; send_ahead_ms = 300;
aws = { region = "us-east-1"; access_key = "file:$T/akid"; secret_key = "file:$T/secret";
        ssm_endpoint = "http://127.0.0.1:$AWS_PORT"; imds_endpoint = "http://127.0.0.1:$AWS_PORT"; };
schedule = ( { plugin = "csv"; path = "$T/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
outputs = ( { plugin = "icecast"; instance = "main"; host = "127.0.0.1"; port = $ICECAST_PORT;
              mount = "/prerec"; password = "ssm:$PARAM"; },
            { plugin = "file"; instance = "copy"; path = "$T/out.mp3"; } );
EOF

# A listener on the mount: what went on air, byte for byte.
po_spawn "$PO_PY" "$LISTEN" "http://127.0.0.1:$ICECAST_PORT/prerec" "$T/listen" --until 60 --sessions 1
LPID=$PO_LAST_PID
po_wait_for 10 test -f "$T/listen/sessions.json" || echo "# the listener did not start" >&2

env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
	AWS_SHARED_CREDENTIALS_FILE=/nonexistent \
	"$PLAYOUTD" -c "$CONF" -f --pretend-now "$PRETEND" >"$T/playoutd.log" 2>&1 &
DPID=$!
po_register_pid "$DPID"

# outcome OUTPUT ASSET: the outcome of that play in the history ("" if none)
outcome() {
	"$PLAYOUTCTL" -c "$CONF" history --json >"$T/history.json" 2>/dev/null || return 1
	"$PO_PY" - "$T/history.json" "$1" "$2" <<'EOF'
import json, sys
try:
    plays = json.load(open(sys.argv[1]))
except ValueError:
    plays = []
print(" ".join(p.get("outcome", "") for p in plays
               if p.get("output") == sys.argv[2] and p.get("asset") == sys.argv[3]))
EOF
}
is_outcome() { [ "$(outcome "$1" "$2")" = "$3" ]; }
# gets AKID: GetParameter requests for the password signed (and accepted) with AKID
gets() {
	"$PO_PY" - "$T/aws/requests.jsonl" "$PARAM" "$1" <<'EOF'
import json, sys
n = 0
try:
    for line in open(sys.argv[1]):
        r = json.loads(line)
        h = r.get("headers", {})
        if (h.get("x-amz-target") == "AmazonSSM.GetParameter"
                and json.loads(r.get("body") or "{}").get("Name") == sys.argv[2]
                and r.get("sigv4") == "ok"
                and "Credential=%s/" % sys.argv[3] in h.get("authorization", "")):
            n += 1
except OSError:
    pass
print(n)
EOF
}

# ---- before: the wrong password from SSM, refused by icecast
po_wait_for 30 is_outcome icecast:main alpha.mp3 failed
po_check "alpha with P1 from SSM: refused by icecast, the play failed" \
	is_outcome icecast:main alpha.mp3 failed
po_check "the refusal is logged" \
	grep -q 'alpha.mp3: cannot open the output: .*check the password' "$T/playoutd.log"
po_check "alpha went out on the file output all the same" is_outcome file:copy alpha.mp3 complete
po_check "SSM was read once, at start, with the first keys" test "$(gets AKIDONE)" -eq 1

# ---- the station puts P2 in SSM, rotates its AWS keys, sends SIGHUP
set_aws AKIDTWO "$SECRET2" "$P2"
kill -HUP "$DPID"
po_check "SIGHUP: one notice, the keys and the password changed" \
	po_wait_for 10 grep -q 'notice core: secrets: 2 read again, 2 changed$' "$T/playoutd.log"
po_check "SSM was read again, signed with the new keys (the old ones are refused now)" \
	test "$(gets AKIDTWO)" -eq 1
po_check "no more GetParameter with the old keys" test "$(gets AKIDONE)" -eq 1

# ---- after: bravo goes on air with P2, same playoutd
po_wait_for 40 is_outcome icecast:main bravo.mp3 complete
po_check "bravo on icecast:main: complete (P2 taken at the next connection)" \
	is_outcome icecast:main bravo.mp3 complete
po_check "icecast had refused the wrong password" \
	grep -q 'Source (/prerec) attempted to login with invalid or missing password' \
	"$T/ice/log/error.log"
po_wait_for 10 test ! -e "/proc/$LPID" || po_kill "$LPID"
po_reap "$LPID"
po_icecast_expect "$T/s1.expect" "$T/drop/bravo.mp3"
po_check "the listener got bravo, byte for byte" cmp -s "$T/s1.expect" "$T/listen/session-1.bin"
po_check "the daemon logged the connection" grep -q 'icecast:main: connected to' "$T/playoutd.log"
po_check "playoutd did not restart (still pid $DPID)" kill -0 "$DPID"
po_check "each connection read the password from memory: SSM read twice in all" \
	test "$(( $(gets AKIDONE) + $(gets AKIDTWO) ))" -eq 2
no_secret_in_log() {
	local s
	for s in "$P1" "$P2" "$SECRET1" "$SECRET2"; do
		grep -qF -- "$s" "$T/playoutd.log" && return 1
	done
	return 0
}
po_check "no password or key in the daemon's log" no_secret_in_log

kill -TERM "$DPID" 2>/dev/null
daemon_gone() { ! kill -0 "$DPID" 2>/dev/null || [ "$(ps -o stat= -p "$DPID" | cut -c1)" = Z ]; }
po_wait_for 10 daemon_gone
rc=0; po_reap "$DPID" || rc=$?
po_check "SIGTERM: playoutd exits 0 (rc=$rc)" test "$rc" -eq 0
if [ "$PO_FAILED" -gt 0 ]; then
	echo "# playoutd log (last 40 lines):"
	tail -n 40 "$T/playoutd.log" | sed 's/^/#   /'
fi
po_icecast_stop
po_result reload
