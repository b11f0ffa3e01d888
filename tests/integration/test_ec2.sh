#!/bin/bash
# Issue 4 "done when": an EC2-style playoutd against local fakes. Credentials
# come from the instance role through IMDSv2 (aws_fake.py), the icecast
# password and the gcal token from SSM (aws_fake.py), the schedule from Google
# Calendar (google_fake.py), the files from S3 (s3rver behind sigproxy.py),
# the DNS record from Route53 (route53_fake.py). On a pretend clock:
#   alpha  20260329_0100_alpha.mp3 for the 01:00 calendar slot (exact)
#   bravo  the 01:00:08 slot has no file for this week: 20260322_0100_bravo.mp3,
#          last week's edition, plays (previous-edition)
# and the A record points at the IMDS public address.
# Needs: core/aws.c + core/http.c, the s3, gcal and previous-edition plugins,
# and aws_fake.py writing the role keys it issues to STATE/issued_keys.json
# (route53_fake.py and sigproxy.py verify signatures with them).
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
FAKES="$PO_SRCDIR/tests/fakes"
S3DIR="$PO_SRCDIR/tests/s3"
PRETEND=2026-03-29T00:59:56Z
PUBLIC_IP=203.0.113.77

for f in "$PLAYOUTD" "$PLAYOUTCTL" "$FAKES/aws_fake.py" "$FAKES/google_fake.py" \
	"$FAKES/route53_fake.py" "$S3DIR/sigproxy.py" "$S3DIR/node_modules/.bin/s3rver"; do
	[ -e "$f" ] || { echo "not ok - $f is missing"; po_result ec2 0 1; }
done
T=$(po_tmpdir) || exit 1
mkdir -p "$T/aws" "$T/cache" "$T/media" "$T/s3data"

# ---- media: this week's alpha, last week's bravo (this week's is missing)
po_mp3 "$T/media/20260329_0100_alpha.mp3" 4 440 &&
	po_mp3 "$T/media/20260322_0100_bravo.mp3" 3 660 || po_result ec2 0 1

# ---- AWS: IMDS (role credentials, public address) and SSM
cat >"$T/aws/config.json" <<EOF
{"region": "eu-west-1", "keys": {}, "role": "playout-role", "public_ipv4": "$PUBLIC_IP"}
EOF
cat >"$T/aws/ssm.json" <<EOF
{"/station/icecast-password": {"Type": "SecureString", "Value": "$PO_ICECAST_SOURCE_PASSWORD"},
 "/station/gcal-token": {"Type": "SecureString", "Value": "{\"refresh_token\": \"1//refresh-test\"}"},
 "/station/gcal-credentials": {"Type": "SecureString", "Value": "{\"installed\": {\"client_id\": \"test-client.apps.googleusercontent.com\", \"client_secret\": \"test-secret\"}}"}}
EOF
po_spawn_out "$T/aws.out" "$PO_PY" "$FAKES/aws_fake.py" --port 0 --state "$T/aws"
po_wait_for 10 grep -q '^port ' "$T/aws.out" || { cat "$T/aws.out"; po_result ec2 0 1; }
AWS_PORT=$(sed -n 's/^port //p' "$T/aws.out" | head -1)

# ---- Route53
po_spawn "$PO_PY" "$FAKES/route53_fake.py" --port-file "$T/r53.port" --log "$T/r53.jsonl" \
	--zone Z0EC2TEST:example.org --keys-file "$T/aws/issued_keys.json" --insync-after 1
po_wait_for 10 test -s "$T/r53.port" || po_result ec2 0 1
R53_PORT=$(cat "$T/r53.port")

# ---- S3: s3rver behind the signature-checking proxy
S3_PORT=$(po_free_port)
po_spawn_out "$T/s3rver.out" "$S3DIR/node_modules/.bin/s3rver" -d "$T/s3data" -a 127.0.0.1 \
	-p "$S3_PORT" --configure-bucket prerecs --silent
po_wait_for 20 po_http_ok "http://127.0.0.1:$S3_PORT/prerecs" || po_result ec2 0 1
"$PO_PY" "$S3DIR/s3put.py" "$S3_PORT" prerecs \
	20260329_0100_alpha.mp3 "$T/media/20260329_0100_alpha.mp3" \
	20260322_0100_bravo.mp3 "$T/media/20260322_0100_bravo.mp3" || po_result ec2 0 1
po_spawn "$PO_PY" "$S3DIR/sigproxy.py" --port-file "$T/s3p.port" --upstream "$S3_PORT" \
	--log "$T/s3p.jsonl" --region eu-west-1 --keys-file "$T/aws/issued_keys.json"
po_wait_for 10 test -s "$T/s3p.port" || po_result ec2 0 1
S3P_PORT=$(cat "$T/s3p.port")

# ---- Google Calendar: two RECORDED slots
cat >"$T/gcal.json" <<'EOF'
{"calendars": {"station@group.calendar.google.com": [
  {"id": "ev1", "status": "confirmed", "summary": "Alpha Show",
   "description": "PID:alpha\nTYPE:RECORDED",
   "start": {"dateTime": "2026-03-29T01:00:00Z"}, "end": {"dateTime": "2026-03-29T01:00:04Z"}},
  {"id": "ev2", "status": "confirmed", "summary": "Bravo Show",
   "description": "PID:bravo\nTYPE:RECORDED",
   "start": {"dateTime": "2026-03-29T01:00:08Z"}, "end": {"dateTime": "2026-03-29T01:00:11Z"}}]}}
EOF
po_spawn "$PO_PY" "$FAKES/google_fake.py" --port-file "$T/g.port" --log "$T/g.jsonl" --config "$T/gcal.json"
po_wait_for 10 test -s "$T/g.port" || po_result ec2 0 1
G_PORT=$(cat "$T/g.port")

po_icecast_start "$T/ice" || po_result ec2 0 1

CONF="$T/playout.conf"
cat >"$CONF" <<EOF
station = "Test FM"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plan_interval_s = 5; send_ahead_ms = 300;
aws = { region = "eu-west-1"; imds_endpoint = "http://127.0.0.1:$AWS_PORT";
        ssm_endpoint = "http://127.0.0.1:$AWS_PORT"; };
schedule = ( { plugin = "gcal"; calendar_id = "station@group.calendar.google.com";
               credentials = "ssm:/station/gcal-credentials"; token = "ssm:/station/gcal-token";
               endpoint = "http://127.0.0.1:$G_PORT/calendar/v3"; token_endpoint = "http://127.0.0.1:$G_PORT/token"; } );
storage = { plugin = "s3"; bucket = "prerecs"; region = "eu-west-1";
            endpoint = "http://127.0.0.1:$S3P_PORT"; };
fallback = { plugin = "previous-edition"; max_age_days = 56; };
outputs = ( { plugin = "icecast"; instance = "main"; host = "127.0.0.1"; port = $ICECAST_PORT;
              mount = "/prerec"; password = "ssm:/station/icecast-password"; },
            { plugin = "file"; instance = "copy"; path = "$T/out.mp3"; } );
dns = { plugin = "route53"; zone_id = "Z0EC2TEST"; name = "radio.example.org"; ttl = 60;
        endpoint = "http://127.0.0.1:$R53_PORT"; poll_interval_ms = 200; };
EOF

# the fake refuses IMDSv1: a GET without a token gets 401
imds_v1_refused() {
	"$PO_PY" - "$AWS_PORT" <<'EOF'
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen("http://127.0.0.1:%s/latest/meta-data/public-ipv4" % sys.argv[1], timeout=2)
    sys.exit(1)
except urllib.error.HTTPError as e:
    sys.exit(0 if e.code == 401 else 1)
EOF
}
po_check "IMDS without a token is refused (IMDSv2 only)" imds_v1_refused

# no AWS keys in the environment: they must come from the role
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
	AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_CONFIG_FILE=/nonexistent \
	"$PLAYOUTD" -c "$CONF" -f --pretend-now "$PRETEND" >"$T/playoutd.log" 2>&1 &
DPID=$!
po_register_pid "$DPID"

dns_points_here() {
	grep '"action": "UPSERT"' "$T/r53.jsonl" 2>/dev/null | grep '"sig": "ok"' |
		grep -q "\"values\": \[\"$PUBLIC_IP\"\]"
}
po_wait_for 30 dns_points_here
po_check "the A record radio.example.org points at the IMDS address $PUBLIC_IP (signed)" dns_points_here
po_check "the change was polled to INSYNC" po_wait_for 10 grep -q '"change_status": "INSYNC"' "$T/r53.jsonl"
po_check "IMDS was asked with a token (PUT /latest/api/token)" \
	grep -q '"PUT".*api/token\|api/token.*"PUT"' "$T/aws/requests.jsonl"

plays_done() { # alpha and bravo complete on the file output
	"$PLAYOUTCTL" -c "$CONF" history --json >"$T/history.json" 2>/dev/null || return 1
	"$PO_PY" - "$T/history.json" <<'EOF'
import json, sys
try:
    plays = json.load(open(sys.argv[1]))
except ValueError:
    sys.exit(1)
done = {p.get("asset") for p in plays if p.get("outcome") == "complete" and p.get("output") == "file:copy"}
sys.exit(0 if {"20260329_0100_alpha.mp3", "20260322_0100_bravo.mp3"} <= done else 1)
EOF
}
po_wait_for 40 plays_done
po_check "alpha (from the bucket) and last week's bravo (fallback) played" plays_done
cat "$T/media/20260329_0100_alpha.mp3" "$T/media/20260322_0100_bravo.mp3" >"$T/want.mp3"
po_check "the file output is alpha + previous bravo, byte for byte" cmp -s "$T/want.mp3" "$T/out.mp3"
po_check "the rundown came from the calendar" grep -q 'calendars/station' "$T/g.jsonl"
po_check "every S3 request was signed with role keys" \
	"$PO_PY" -c 'import json,sys; L=[json.loads(l) for l in open(sys.argv[1])]; sys.exit(0 if L and all(x.get("akid", "").startswith("ASIA") for x in L) else 1)' "$T/s3p.jsonl"
po_check "playoutd is still running" kill -0 "$DPID"

kill -TERM "$DPID" 2>/dev/null
po_wait_for 10 sh -c "! kill -0 $DPID 2>/dev/null || [ \"\$(ps -o stat= -p $DPID | cut -c1)\" = Z ]"
rc=0; po_reap "$DPID" || rc=$?
po_check "SIGTERM: playoutd exits 0 (rc=$rc)" test "$rc" -eq 0
if [ "$PO_FAILED" -gt 0 ]; then
	echo "# playoutd log (last 40 lines):"
	tail -n 40 "$T/playoutd.log" | sed 's/^/#   /'
fi
po_icecast_stop
po_result ec2
