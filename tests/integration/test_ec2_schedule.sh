#!/bin/bash
# EC2 on demand against a local Auto Scaling (tests/fakes/autoscaling_fake.py,
# SigV4 checked): playoutctl ec2-schedule derives the scheduled actions from a
# week's rundown (tests/fixtures/ec2/week.csv, a file for every recorded slot
# but one), applies them, applies again without changing anything, deletes the
# stale ones when the rundown changes and never touches another's action; a
# bad signature and an <ErrorResponse> fail with a clear message. Then
# playoutd (apply_after_plan, idle_stop) on a pretend clock: the schedule is
# put after planning, and the group is set to 0 only once the item on air has
# ended.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

D="$PO_BUILDDIR/playoutd"
C="$PO_BUILDDIR/playoutctl"
FAKE="$PO_SRCDIR/tests/fakes/autoscaling_fake.py"
WEEK="$PO_SRCDIR/tests/fixtures/ec2/week.csv"
T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop"

# ---- the week's files: every recorded slot but "late" has its file
po_mp3 "$T/one.mp3" 1 440 || po_fail test_ec2_schedule "po_mp3"
"$PO_PY" - "$WEEK" "$T/drop" "$T/one.mp3" <<'PY' || po_fail test_ec2_schedule "fixture files"
import csv, shutil, sys
for r in csv.DictReader(open(sys.argv[1])):
    if r["Type"] == "RECORDED" and r["PID"] != "late":
        s = r["Start"]
        name = "%s%s%s_%s%s_%s.mp3" % (s[0:4], s[5:7], s[8:10], s[11:13], s[14:16], r["PID"])
        shutil.copy(sys.argv[3], "%s/%s" % (sys.argv[2], name))
PY

# ---- the fake, with another's action already on the group; pages of 3
cat >"$T/seed.json" <<'EOF'
[{"group": "playout-asg", "name": "nightly-backup", "start": "2030-01-08T03:00:00Z", "desired": 1}]
EOF
po_spawn "$PO_PY" "$FAKE" --port-file "$T/as.port" --log "$T/as.jsonl" --dump "$T/as.json" \
	--group playout-asg --key AKIDEC2TEST:ec2-test-secret --seed "$T/seed.json" --page-size 3
po_wait_for 10 test -s "$T/as.port" || po_fail test_ec2_schedule "the fake did not start"
AS_PORT=$(cat "$T/as.port")
export PO_TEST_SECRET=ec2-test-secret

conf() { # conf NAME EC2-GROUP-BODY [SCHEDULE]
	cat >"$T/$1" <<CONF
station = "EC2 test"; timezone = "UTC";
state = "$T/state.db"; cache = "$T/cache";
probe = { min_fill_percent = 0; };
aws = { region = "eu-west-1"; access_key = "AKIDEC2TEST"; secret_key = "env:PO_TEST_SECRET"; };
ec2 = { $2 endpoint = "http://127.0.0.1:$AS_PORT/"; };
schedule = ( { plugin = "csv"; path = "${3:-$WEEK}"; } );
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
outputs = ( { plugin = "file"; path = "$T/out.mp3"; } );
CONF
	chmod 600 "$T/$1"
}
conf week.conf 'group = "playout-asg";'
WEEKARGS="--from 2030-01-07T00:00:00Z --hours 168"
changes() { # requests that changed the group so far
	grep -c '"changed": true' "$T/as.jsonl" 2>/dev/null || true
}

# ---- the schedule, without applying
"$C" -c "$T/week.conf" ec2-schedule $WEEKARGS --json >"$T/plan.json" 2>"$T/plan.err"
po_check "ec2-schedule --json exits 0" test $? -eq 0
sed 's/^/# /' "$T/plan.err"
po_check "the week: 18 blocks, lead 10 min, tail 5, gaps under 30 min merged, 31.5 instance-hours" \
	"$PO_PY" - "$T/plan.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
b = [x for x in j["blocks"] if not x["wake"]]
monday = [(x["up"], x["down"], x["items"]) for x in b[:3]]
print(monday, j["hours_per_week"], len(b), file=sys.stderr)
ok = len(b) == 5 * 3 + 2 + 1
ok = ok and monday == [("2030-01-07T06:50:00Z", "2030-01-07T09:05:00Z", 1),
                       ("2030-01-07T11:50:00Z", "2030-01-07T13:35:00Z", 2),
                       ("2030-01-07T18:50:00Z", "2030-01-07T20:05:00Z", 1)]
# Saturday's 30-minute gap is not under 30: two blocks; Sunday's missing slot needs none
ok = ok and [x["up"] for x in b[-3:]] == ["2030-01-12T09:50:00Z", "2030-01-12T12:20:00Z",
                                          "2030-01-13T17:50:00Z"]
ok = ok and abs(j["hours_per_week"] - 31.5) < 1e-9 and j["always_on_hours_per_week"] == 168
names = [a["name"] for a in j["actions"]]
ok = ok and names[:2] == ["playout-up-20300107T0650Z", "playout-down-20300107T0905Z"]
ok = ok and all(a["desired"] == (1 if "-up-" in a["name"] else 0) and a["min_size"] == 0
                and a["max_size"] == 1 for a in j["actions"])
sys.exit(0 if ok else 1)
PY
po_check "planning asks the group nothing" test ! -s "$T/as.jsonl"
"$C" -c "$T/week.conf" ec2-schedule $WEEKARGS >"$T/plan.txt" 2>&1
sed -n '1,4p;$p' "$T/plan.txt" | sed 's/^/# /'
po_check "the text says the instance-hours against running all day" \
	po_file_contains "$T/plan.txt" "31.50 instance-hours per week, against 168 running all day (18.8 %)"
NACT=$("$PO_PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["actions"]))' "$T/plan.json")

# ---- apply
"$C" -c "$T/week.conf" ec2-schedule $WEEKARGS --apply >"$T/apply1.out" 2>&1
po_check "--apply exits 0" test $? -eq 0
tail -1 "$T/apply1.out" | sed 's/^/# /'
po_check "the group holds exactly the schedule's actions and the other one" \
	"$PO_PY" - "$T/as.json" "$T/plan.json" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))["groups"]["playout-asg"]["actions"]
want = {a["name"]: a for a in json.load(open(sys.argv[2]))["actions"]}
ok = set(g) == set(want) | {"nightly-backup"}
ok = ok and all(g[n]["start"] == want[n]["start"] and g[n]["desired"] == want[n]["desired"]
                for n in want)
sys.exit(0 if ok else 1)
PY
po_check "every request was signed and said which action" sh -c \
	"! grep -v '\"sig\": \"ok\"' '$T/as.jsonl' && ! grep -v '\"action\": \"' '$T/as.jsonl'"
po_check "one put per action, nothing deleted" sh -c \
	"test \$(grep -c PutScheduledUpdateGroupAction '$T/as.jsonl') -eq $NACT && ! grep -q DeleteScheduledAction '$T/as.jsonl'"

# ---- apply again: idempotent
before=$(changes)
"$C" -c "$T/week.conf" ec2-schedule $WEEKARGS --apply >"$T/apply2.out" 2>&1
po_check "a second --apply exits 0" test $? -eq 0
po_check "a second --apply changes nothing" test "$(changes)" -eq "$before"
po_check "it says so" po_file_contains "$T/apply2.out" "0 put, 0 deleted, $NACT unchanged"
po_check "the describe read every page (pages of 3)" sh -c \
	"grep DescribeScheduledActions '$T/as.jsonl' | grep -q '\"NextToken\": \"36\"'"

# ---- the rundown changes: Tuesday's evening file is withdrawn
rm "$T/drop/20300108_1900_evening.mp3"
"$C" -c "$T/week.conf" ec2-schedule $WEEKARGS --apply --json >"$T/apply3.json" 2>&1
po_check "after a change --apply exits 0" test $? -eq 0
po_check "the stale pair is deleted, nothing else changes, the other action stays" \
	"$PO_PY" - "$T/as.json" "$T/apply3.json" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))["groups"]["playout-asg"]["actions"]
j = json.load(open(sys.argv[2]))
ok = j["applied"]["deleted"] == 2 and j["applied"]["put"] == 0
ok = ok and "playout-up-20300108T1850Z" not in g and "playout-down-20300108T2005Z" not in g
ok = ok and "nightly-backup" in g and "playout-up-20300109T1850Z" in g
print(j["applied"], file=sys.stderr)
sys.exit(0 if ok else 1)
PY
po_check "the deletes name the stale actions" sh -c \
	"grep DeleteScheduledAction '$T/as.jsonl' | grep -q 'playout-up-20300108T1850Z'"

# ---- a bad signature: a clear message, nothing changed
before=$(changes)
PO_TEST_SECRET=wrong-secret "$C" -c "$T/week.conf" ec2-schedule $WEEKARGS --apply \
	>"$T/badsig.out" 2>&1
po_check "a refused signature exits 1" test $? -eq 1
sed 's/^/# /' "$T/badsig.out" | head -3
po_check "and says what, where and why" sh -c \
	"grep -q 'DescribeScheduledActions, group playout-asg: HTTP 403 SignatureDoesNotMatch (check the AWS keys or the instance role): ' '$T/badsig.out'"
po_check "a refused signature changes nothing" test "$(changes)" -eq "$before"

# ---- an <ErrorResponse>: no such group
conf nogroup.conf 'group = "no-such-asg";'
"$C" -c "$T/nogroup.conf" ec2-schedule $WEEKARGS --apply >"$T/nogroup.out" 2>&1
po_check "an unknown group exits 1" test $? -eq 1
po_check "the AWS error code and message are shown, with the fix" sh -c \
	"grep -q 'group no-such-asg: HTTP 400 ValidationError (check ec2.group): AutoScalingGroup name not found - no-such-asg' '$T/nogroup.out'"

# ---- the ec2 group is validated like every other
conf nokey.conf 'lead_min = 10;'
"$C" -c "$T/nokey.conf" check --offline >"$T/nokey.out" 2>&1
po_check "an ec2 group without group is an error at file:line" sh -c \
	"grep -q 'nokey.conf:5: error: group .ec2. needs group' '$T/nokey.out'"
conf badbool.conf 'group = "g"; idle_stop = 1; lead_mins = 3;'
"$C" -c "$T/badbool.conf" check --offline >"$T/badbool.out" 2>&1
po_check "idle_stop must be a boolean" po_file_contains "$T/badbool.out" "key 'idle_stop' must be true or false"
po_check "a mistyped key is named with the nearest" \
	po_file_contains "$T/badbool.out" "unknown key 'lead_mins' in 'ec2' (did you mean 'lead_min'?)"

# ---- playoutd: apply after planning; idle stop only once nothing is on air
# One 5 s programme at 10:00:50 (pretend clock from 10:00:44); lead and tail
# 0: the block runs 10:00 to 10:01 (whole minutes, outwards).
mkdir -p "$T/drop2"
po_mp3 "$T/drop2/onair.mp3" 5 440 || po_fail test_ec2_schedule "po_mp3"
cat >"$T/day.csv" <<'CSV'
PID,Start,End,Title,Type,File
onair,2030-01-01T10:00:50Z,2030-01-01T10:01:00Z,On air,RECORDED,onair.mp3
CSV
cat >"$T/daemon.conf" <<CONF
station = "EC2 test"; timezone = "UTC"; plan_interval_s = 5;
state = "$T/d-state.db"; cache = "$T/d-cache";
probe = { min_fill_percent = 0; };
aws = { region = "eu-west-1"; access_key = "AKIDEC2TEST"; secret_key = "env:PO_TEST_SECRET"; };
ec2 = { group = "playout-asg"; lead_min = 0; tail_min = 0; apply_after_plan = true;
        idle_stop = true; endpoint = "http://127.0.0.1:$AS_PORT/"; };
schedule = ( { plugin = "csv"; path = "$T/day.csv"; } );
storage = { plugin = "localdisk"; path = "$T/drop2"; settle_s = 0; };
outputs = ( { plugin = "file"; path = "$T/d-out.mp3"; } );
CONF
chmod 600 "$T/daemon.conf"
: >"$T/as.jsonl"
po_spawn_out "$T/d.out" "$D" -c "$T/daemon.conf" -f --pretend-now 2030-01-01T10:00:44Z
dpid=$PO_LAST_PID
po_check "the daemon puts the schedule after planning" \
	po_wait_for 15 grep -q 'PutScheduledUpdateGroupAction.*playout-down-20300101T1001Z' "$T/as.jsonl"
po_check "the item goes on air" po_wait_for 20 grep -q 'on air: onair' "$T/d.out"
po_check "no idle stop while it is on air" sh -c "! grep -q SetDesiredCapacity '$T/as.jsonl'"
po_check "the item ends" po_wait_for 20 grep -q 'off air: onair' "$T/d.out"
po_check "no idle stop until its block is over" sh -c "! grep -q SetDesiredCapacity '$T/as.jsonl'"
po_check "then the group is set to 0" \
	po_wait_for 30 grep -q '"action": "SetDesiredCapacity".*"DesiredCapacity": "0"' "$T/as.jsonl"
po_check "the block's down action was never deleted" sh -c "! grep -q DeleteScheduledAction '$T/as.jsonl'"
po_check "once" sh -c "test \$(grep -c SetDesiredCapacity '$T/as.jsonl') -eq 1"
po_check "the daemon says why" po_file_contains "$T/d.out" "nothing due and nothing on air: desired capacity of playout-asg set to 0"
[ -n "${PO_EC2_DEBUG:-}" ] && { cat "$T/d.out"; cat "$T/as.jsonl"; }
kill -TERM "$dpid"
po_reap "$dpid"
po_check "SIGTERM: playoutd exits 0" test $? -eq 0

po_result test_ec2_schedule
