#!/usr/bin/env bash
# The command line as a station engineer meets it: playoutctl check, rundown,
# history and plugins on a real config and drop folder; every bad config
# refused with file:line; check through an outage (exit 0; --strict 1); a
# second daemon on the same state refused; SIGTERM exits 0. Uses the file output, so no Icecast is needed here.
set -u
. "$PO_SRCDIR/tests/integration/lib.sh"
D="$PO_BUILDDIR/playoutd"
C="$PO_BUILDDIR/playoutctl"
T=$(po_tmpdir)
mkdir -p "$T/drop"
po_mp3 "$T/drop/20300101_1000_alpha.mp3" 2 440
po_mp3 "$T/drop/20300101_1200_Gamma.mp3" 2 660
cat >"$T/schedule.csv" <<'CSV'
"2030-01-01T10:00:00Z","2030-01-01T11:00:00Z","ALPHA","","The Alpha Hour"
"2030-01-01T11:00:00Z","2030-01-01T12:00:00Z","beta","","Beta, ""live"" from tape"
CSV

FILE_OUT="{ plugin = \"file\"; instance = \"copy\"; path = \"$T/out.mp3\"; }"
conf() { # conf NAME EXTRA-TOP-LEVEL [OUTPUTS]
	local outputs=${3:-$FILE_OUT}
	cat >"$T/$1" <<CONF
station = "CLI test"; timezone = "UTC";
state = "$T/state.db"; cache = "$T/cache";
probe = { min_fill_percent = 0; };  # two-second test files in hour-long slots
$2
schedule = ( { plugin = "csv"; path = "$T/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
outputs = ( $outputs );
CONF
	chmod 600 "$T/$1"
}
conf good.conf ""

po_check "check accepts a good config" sh -c "'$C' -c '$T/good.conf' check >'$T/check.out' 2>&1"
po_check "check says configuration OK" po_file_contains "$T/check.out" "configuration OK"

"$C" -c "$T/good.conf" rundown --from 2030-01-01T09:00:00Z --hours 6 --json >"$T/rundown.json" 2>"$T/rundown.err"
po_check "rundown --json shows exact, missing and storage-only in order" "$PO_PY" - "$T/rundown.json" <<'PY'
import json, sys
items = json.load(open(sys.argv[1]))
got = [(i["start"], i["end"], i["pid"].lower(), i["decision"]) for i in items]
want = [("2030-01-01T10:00:00Z", "exact", "alpha"), ("2030-01-01T11:00:00Z", "missing", "beta"),
        ("2030-01-01T12:00:00Z", "storage-only", "gamma")]
ok = len(got) == 3 and all(g[0] == w[0] and g[3] == w[1] and g[2] == w[2] for g, w in zip(got, want))
ok = ok and items[1]["end"] == "2030-01-01T12:00:00Z" and items[0]["title"] == "The Alpha Hour"
ok = ok and items[1]["title"] == 'Beta, "live" from tape' and all("cap_s" in i and i["reason"] for i in items)
print(got, file=sys.stderr)
sys.exit(0 if ok else 1)
PY
po_check "rundown in text names each decision" sh -c "'$C' -c '$T/good.conf' rundown --from 2030-01-01T09:00 --hours 6 | grep -q 'missing'"

po_check "plugins lists the four built-in plugins" sh -c \
	"'$C' plugins >'$T/plugins.out' && grep -q '^csv ' '$T/plugins.out' && grep -q '^localdisk ' '$T/plugins.out' && grep -q '^icecast ' '$T/plugins.out' && grep -q '^file ' '$T/plugins.out'"

# ---- bad configs: each refused, naming file:line ----
printf 'station = "x";\ntimezone = "UTC"\nstate = ;\n' >"$T/syntax.conf"
"$D" -c "$T/syntax.conf" -f >"$T/syntax.out" 2>&1
po_check "a syntax error stops playoutd" test $? -ne 0
po_check "the syntax error names file:line" po_file_contains "$T/syntax.out" "syntax.conf:3"

conf type.conf 'horizon_h = "soon";'
"$D" -c "$T/type.conf" -f >"$T/type.out" 2>&1
po_check "a wrong type stops playoutd" test $? -ne 0
po_check "the wrong type names file:line and the key" sh -c "grep 'type.conf:4:' '$T/type.out' | grep -q horizon_h"

conf typo.conf 'timzone = "UTC";'
"$C" -c "$T/typo.conf" check >"$T/typo.out" 2>&1
po_check "check: a config with a typo exits 1" test $? -eq 1
po_check "an unknown key is an error at file:line, with the nearest key" \
	po_file_contains "$T/typo.out" "typo.conf:4: error: unknown key 'timzone' (did you mean 'timezone'?)"
"$D" -c "$T/typo.conf" -f >"$T/typo-d.out" 2>&1
po_check "an unknown key stops playoutd" test $? -ne 0
conf pasword.conf "" '{ plugin = "icecast"; mount = "/m"; pasword = "env:ICE"; }'
"$C" -c "$T/pasword.conf" check >"$T/pasword.out" 2>&1
po_check "a mistyped pasword does not pass silently" sh -c \
	"test $? -eq 1 && grep -q \"pasword.conf:7: error: unknown key 'pasword' in icecast (did you mean 'password'?)\" '$T/pasword.out'"

# ---- check during an outage: reported, exit 0; --strict exits 1 ----
# The bucket's endpoint is a loopback port nobody listens on: every request
# is refused at once, as with a provider down or the uplink gone at boot.
CLOSED=$(po_free_port)
cat >"$T/outage.conf" <<CONF
station = "CLI test"; timezone = "UTC";
state = "$T/outage-state.db"; cache = "$T/outage-cache";
aws = { region = "eu-west-1"; access_key = "AKIDEXAMPLE"; secret_key = "env:PO_TEST_SECRET"; };
schedule = ( { plugin = "csv"; path = "$T/schedule.csv"; } );
storage = { plugin = "s3"; bucket = "prerecs"; endpoint = "http://127.0.0.1:$CLOSED"; };
outputs = ( $FILE_OUT );
CONF
chmod 600 "$T/outage.conf"
export PO_TEST_SECRET=not-a-real-secret
"$C" -c "$T/outage.conf" check >"$T/outage.out" 2>&1
rc=$?
cat "$T/outage.out" | sed 's/^/# /'
po_check "check: an unreachable bucket exits 0" test $rc -eq 0
po_check "check names the outage as an outage" \
	sh -c "grep '^s3: unreachable: ' '$T/outage.out' | grep -q '127.0.0.1:$CLOSED.*(an outage, not a configuration error)'"
po_check "the schedule that answers is still checked" po_file_contains "$T/outage.out" "csv: ok, "
po_check "check says the daemon starts regardless" \
	po_file_contains "$T/outage.out" "configuration OK; 1 source unreachable"
"$C" -c "$T/outage.conf" check --strict >"$T/strict.out" 2>&1
po_check "check --strict: an unreachable bucket exits 1" test $? -eq 1
po_check "check --strict says why it failed" po_file_contains "$T/strict.out" "--strict"
"$C" -c "$T/outage.conf" check --offline >"$T/offline.out" 2>&1
po_check "check --offline (the unit's ExecStartPre) asks no source and exits 0" \
	sh -c "test $? -eq 0 && ! grep -q unreachable '$T/offline.out' && grep -q 'configuration OK' '$T/offline.out'"
# A schedule file on a share that is not mounted is an outage too.
sed "s|$T/schedule.csv|$T/unmounted/schedule.csv|" "$T/good.conf" >"$T/nocsv.conf"
chmod 600 "$T/nocsv.conf"
"$C" -c "$T/nocsv.conf" check >"$T/nocsv.out" 2>&1
po_check "check: a schedule file out of reach exits 0, named as an outage" \
	sh -c "test $? -eq 0 && grep -q '^csv: unreachable: .*(an outage' '$T/nocsv.out'"
po_check "check --strict: the same exits 1" sh -c "! '$C' -c '$T/nocsv.conf' check --strict >/dev/null 2>&1"
"$C" -c "$T/good.conf" rundown --strict >/dev/null 2>&1
po_check "--strict belongs to check alone" test $? -eq 2

# ---- check: a state file that cannot be opened is an error ----
sed "s|$T/state.db|$T/bad-state.db|" "$T/good.conf" >"$T/badstate.conf"
chmod 600 "$T/badstate.conf"
head -c 4096 /dev/urandom >"$T/bad-state.db"
"$C" -c "$T/badstate.conf" check --offline >"$T/badstate.out" 2>&1
po_check "check: a state file that cannot be opened exits 1, naming it" \
	sh -c "test $? -eq 1 && grep -q 'state: $T/bad-state.db: cannot be opened' '$T/badstate.out'"

conf nosuch.conf "" '{ plugin = "nosuch"; }'
"$D" -c "$T/nosuch.conf" -f >"$T/nosuch.out" 2>&1
po_check "an unknown plugin stops playoutd" test $? -ne 0
po_check "the unknown plugin error says where it looked" sh -c "grep -q 'nosuch' '$T/nosuch.out' && grep -q '$PLAYOUT_PLUGIN_PATH' '$T/nosuch.out'"

conf kind.conf "" '{ plugin = "csv"; path = "/dev/null"; }'
"$D" -c "$T/kind.conf" -f >"$T/kind.out" 2>&1
po_check "a plugin of the wrong kind is refused" sh -c "test $? -ne 0 && grep -q 'schedule plugin' '$T/kind.out'"

conf secret.conf "" '{ plugin = "icecast"; mount = "/m"; password = "s3cr3t-Literal"; }'
chmod 644 "$T/secret.conf"
"$D" -c "$T/secret.conf" -f >"$T/secret.out" 2>&1
po_check "a literal secret in a world-readable file is refused" sh -c "test $? -ne 0 && grep -q 'chmod' '$T/secret.out'"
po_check "the refusal does not print the secret" po_file_lacks "$T/secret.out" "s3cr3t-Literal"

"$D" -c "$T/good.conf" -f --pretend-now yesterday >"$T/pretend.out" 2>&1
po_check "a bad --pretend-now is refused with exit 2" test $? -eq 2
"$D" -c "$T/good.conf" -f --pretend-now 2300-01-01T00:00:00Z >"$T/pretend2300.out" 2>&1
po_check "a rehearsal past 2262 is refused with exit 2, not wrapped" test $? -eq 2
po_check "the refusal says which instants the clock can start at" \
	po_file_contains "$T/pretend2300.out" "2199-12-31T23:59:59Z"

# ---- one daemon per state file; SIGTERM exits 0 ----
po_spawn_out "$T/d1.out" "$D" -c "$T/good.conf" -f --pretend-now 2030-01-01T09:59:00Z
d1=$PO_LAST_PID
po_check "the first daemon comes up" po_wait_for 10 po_file_contains "$T/d1.out" "on duty"
"$D" -c "$T/good.conf" -f >"$T/d2.out" 2>&1
po_check "a second daemon on the same state is refused" test $? -ne 0
po_check "the refusal names the holder's pid" po_file_contains "$T/d2.out" "pid $d1"
"$C" -c "$T/good.conf" history --json >"$T/history.json" 2>&1
po_check "history reads while the daemon runs" sh -c "tr -d ' \n' <'$T/history.json' | grep -qx '\[\]'"
po_check "rundown reads while the daemon runs" sh -c "'$C' -c '$T/good.conf' rundown --from 2030-01-01T09:00:00Z --json | grep -q '\"exact\"'"
po_mp3 "$T/delta.mp3" 1 500
mv "$T/delta.mp3" "$T/drop/20300101_1300_delta.mp3"
po_check "a file dropped in is cached at once, not at the next planning round" \
	po_wait_for 8 test -s "$T/cache/20300101_1300_delta.mp3"
po_check "the daemon says why it planned again" po_file_contains "$T/d1.out" "storage changed"
kill -TERM "$d1"
po_reap "$d1"
po_check "SIGTERM: playoutd exits 0" test $? -eq 0
po_check "the cache holds the programme that was due" test -s "$T/cache/20300101_1000_alpha.mp3"
po_check "no part files left in the cache" sh -c "test -z \"\$(ls -A '$T/cache/.part')\""

po_result test_cli
