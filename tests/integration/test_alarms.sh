#!/bin/bash
# Alarms end to end, on loopback: a RECORDED slot "jazz" at 15:00 has no
# file; lead times of 2 and 1 min. Three daemon runs on a rehearsal clock:
#   run 1 at 14:58:10 (1:50 ahead): one "slot-missing" e-mail (2 min lead),
#   run 2 at 14:58:20: a restart; nothing said again,
#   run 3 at 14:59:10 (0:50 ahead): one more (1 min lead); then the file
#   arrives in the drop folder: one "resolved".
# The e-mails go to a local SMTP server (aiosmtpd, with a login), the same
# events as JSON to a local webhook receiver checking the bearer token.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}symbolize=0"

PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
"$PO_PY" -c 'import aiosmtpd' 2>/dev/null ||
	po_fail alarms "python3-aiosmtpd is missing (tools/deps.sh installs it)"
T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache" "$T/mail" "$T/hook"
po_mp3 "$T/jazz.mp3" 3 440 || po_fail alarms "cannot make a test mp3 (lame)"
FILE=20260702_1500_jazz.mp3

po_spawn "$PO_PY" "$PO_SRCDIR/tests/fakes/smtp_sink.py" --port-file "$T/smtp.port" \
	--dir "$T/mail" --user playout --password mail-secret
po_spawn "$PO_PY" "$PO_SRCDIR/tests/fakes/webhook_sink.py" --port-file "$T/hook.port" \
	--dir "$T/hook" --token hook-secret
po_wait_for 10 test -s "$T/smtp.port" -a -s "$T/hook.port" || po_fail alarms "the sinks did not start"
SMTP_PORT=$(cat "$T/smtp.port")
HOOK_PORT=$(cat "$T/hook.port")
export SMTP_PASSWORD=mail-secret HOOK_TOKEN=hook-secret

cat >"$T/schedule.csv" <<'CSV'
"2026-07-02T15:00:00Z","2026-07-02T15:00:05Z","jazz","","Jazz Hour"
CSV
CONF=$(po_station_conf "$T" \
	"alarms = { missing_leads_min = [ 2, 1 ]; disk_low_mb = 0; };" \
	"notify = ( { plugin = \"email\"; instance = \"ops\"; url = \"smtp://127.0.0.1:$SMTP_PORT\";" \
	"             starttls = false; user = \"playout\"; password = \"env:SMTP_PASSWORD\";" \
	"             from = \"playout@example.org\"; to = [ \"studio@example.org\" ];" \
	"             events = [ \"slot-missing\", \"daemon\" ]; }," \
	"           { plugin = \"webhook\"; url = \"http://127.0.0.1:$HOOK_PORT/hook\";" \
	"             token = \"env:HOOK_TOKEN\"; } );")

mails() { ls "$T/mail"/*.eml 2>/dev/null | wc -l; }
# how many received e-mails carry header X-Playout-Type: $1
mails_of() { grep -l "^X-Playout-Type: $1" "$T/mail"/*.eml 2>/dev/null | wc -l; }
# at least $2 e-mails of type $1 (for po_wait_for: counted at each poll)
have_mails() { [ "$(mails_of "$1")" -ge "$2" ]; }

run() { # run AT: a daemon on the rehearsal clock, until its "started" e-mail
	local before
	before=$(mails_of daemon)
	po_spawn_out "$T/playoutd.$1.log" "$PLAYOUTD" -c "$CONF" -f --pretend-now "$1"
	DPID=$PO_LAST_PID
	po_wait_for 20 have_mails daemon $((before + 1))
	# the first plan after the storage's answer has posted its alarms
	po_wait_for 20 po_file_contains "$T/playoutd.$1.log" "files are judged from now on"
}
# slot-missing sends queued for the e-mail instance (delivered or not)
queued() {
	"$PLAYOUTCTL" -c "$CONF" alerts --json | "$PO_PY" -c '
import json, sys
print(sum(1 for a in json.load(sys.stdin)["alerts"]
          if a["instance"] == "email:ops" and a["type"] == "slot-missing"))'
}
stop() {
	local rc=0
	po_stop_timed "$DPID" || rc=$?
	po_check "SIGTERM: exit 0 (rc=$rc) in under 2 s (${PO_STOP_MS} ms)" \
		test "$rc" -eq 0 -a "$PO_STOP_MS" -lt 2000
}

run 2026-07-02T14:58:10Z
po_check "run 1: one slot-missing e-mail (the 2 min lead)" po_wait_for 20 have_mails slot-missing 1
stop
run 2026-07-02T14:58:20Z
po_check "run 2 (a restart, same lead): still one slot-missing alarm queued ($(queued))" \
	test "$(queued)" -eq 1
stop
run 2026-07-02T14:59:10Z
po_check "run 3: a second slot-missing e-mail (the 1 min lead)" po_wait_for 20 have_mails slot-missing 2
cp "$T/jazz.mp3" "$T/drop/.$FILE" && mv "$T/drop/.$FILE" "$T/drop/$FILE"
po_check "the file arrives: a resolved e-mail" po_wait_for 20 have_mails resolved 1
stop
po_check "after the last stop: exactly one resolved e-mail, two slot-missing" \
	test "$(mails_of resolved)" -eq 1 -a "$(mails_of slot-missing)" -eq 2

FIRST=$(grep -l "^X-Playout-Type: slot-missing" "$T/mail"/*.eml | head -1)
po_check "the e-mail names the exact file expected" grep -q "^ *$FILE" "$FIRST"
po_check "the e-mail says where to upload it" grep -q "the folder $T/drop" "$FIRST"
po_check "the e-mail gives the air time in station time and UTC" \
	grep -q "Thu  2 Jul 2026 15:00 UTC (2026-07-02T15:00:00Z)\|Thu 2 Jul 2026 15:00 UTC (2026-07-02T15:00:00Z)" "$FIRST"
po_check "the envelope goes to the configured recipient" grep -qx "to studio@example.org" "${FIRST%.eml}.env"
echo "# one e-mail as received by the SMTP sink ($FIRST):"
sed 's/^/#   /' "$FIRST"

# the webhook saw the same causes, with the token, as JSON
po_check "the webhook was never refused (token sent)" test ! -e "$T/hook/rejected"
po_check "the webhook got slot-missing twice and resolved once, with pid, start and key" \
	"$PO_PY" - "$T/hook" <<'PY'
import glob, json, sys
ev = [json.load(open(p)) for p in sorted(glob.glob(sys.argv[1] + "/*.json"))]
miss = [e for e in ev if e["type"] == "slot-missing"]
res = [e for e in ev if e["type"] == "resolved"]
ok = len(miss) == 2 and len(res) == 1 and all(
    e["pid"] == "jazz" and e["title"] == "Jazz Hour" and e["start"] == "2026-07-02T15:00:00Z"
    and e["key"] == "slot-missing:jazz:1783004400000" for e in miss + res)
daemon = [e for e in ev if e["type"] == "daemon"]
ok = ok and len(daemon) >= 3  # started x3, stopped x2 or 3
if not ok:
    print(json.dumps(ev, indent=1))
sys.exit(0 if ok else 1)
PY
"$PLAYOUTCTL" -c "$CONF" alerts >"$T/alerts.txt" 2>&1
sed 's/^/#   /' "$T/alerts.txt"
po_check "playoutctl alerts lists the e-mails, delivered" \
	test "$(grep -c "email:ops .*delivered" "$T/alerts.txt")" -eq "$(mails)"
po_check "playoutctl alerts --json is JSON with delivered flags" "$PO_PY" -c '
import json, sys
a = json.load(sys.stdin)["alerts"]
sys.exit(0 if a and all(x["delivered"] for x in a) else 1)' < <("$PLAYOUTCTL" -c "$CONF" alerts --json)
[ "$PO_FAILED" -gt 0 ] && tail -n 40 "$T"/playoutd.*.log | sed 's/^/#   /'
po_result alarms
