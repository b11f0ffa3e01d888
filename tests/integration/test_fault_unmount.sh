#!/bin/bash
# An unmounted drop folder (issue: no programme lost). The drop folder is a
# tmpfs this test mounts. Four programmes are copied into the cache; one is
# then deliberately deleted from the folder (it must leave the plan), and
# the share is unmounted, leaving the bare, empty mount point. The other
# three must still play on time from the cache, and `playoutctl rundown`
# must list them and say the storage cannot answer, not "nothing to play".
# Needs root (mount), as CI runs.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}symbolize=0" # a fast exit

PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"
# As root a mount that fails is a failure; without root it cannot be tried.
[ "$(id -u)" -eq 0 ] || po_skip fault_unmount "needs root to mount a tmpfs (CI runs as root)"
if ! mount -t tmpfs -o size=16m tmpfs "$T/drop"; then
	echo "not ok - cannot mount a tmpfs (this test needs root, as CI runs)"
	po_result fault_unmount 0 1
fi
for p in one:440 two:550 three:660 gone:770; do
	po_mp3 "$T/drop/${p%%:*}.mp3" 3 "${p##*:}" || po_result fault_unmount 0 1
done
cat >"$T/schedule.csv" <<'EOF'
"2026-03-29T10:01:00Z","2026-03-29T10:01:03Z","one","one.mp3","One"
"2026-03-29T10:01:06Z","2026-03-29T10:01:09Z","two","two.mp3","Two"
"2026-03-29T10:01:12Z","2026-03-29T10:01:15Z","three","three.mp3","Three"
"2026-03-29T10:01:18Z","2026-03-29T10:01:21Z","gone","gone.mp3","Gone"
EOF
CONF=$(po_station_conf "$T")
LAUNCH=$(date +%s%N)
po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f --pretend-now 2026-03-29T10:00:52Z
DPID=$PO_LAST_PID
all_cached() { for f in one two three gone; do test -f "$T/cache/$f.mp3" || return 1; done; }
po_check "the four programmes reach the cache" po_wait_for 5 all_cached

# gone.mp3 is withdrawn on purpose: deleted from the share
rm -f "$T/drop/gone.mp3"
rundown_lacks_gone() {
	"$PLAYOUTCTL" -c "$CONF" rundown --from 2026-03-29T10:00:00Z --hours 1 --json 2>/dev/null | grep -q one.mp3 &&
		! "$PLAYOUTCTL" -c "$CONF" rundown --from 2026-03-29T10:00:00Z --hours 1 --json 2>/dev/null | grep -q gone.mp3
}
po_check "a file deleted from the share leaves the plan" po_wait_for 3 rundown_lacks_gone
sleep 3 # the daemon's storage watch waits 2 s for quiet, then lists again

umount "$T/drop"
po_check "the share is unmounted (the bare mount point is left)" test -d "$T/drop"
"$PLAYOUTCTL" -c "$CONF" rundown --from 2026-03-29T10:00:00Z --hours 1 --json >"$T/rundown.json" 2>"$T/rundown.err"
po_check "the rundown still lists one, two and three from the cache" \
	"$PO_PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); a={s["asset"] for i in r for s in i.get("segments", [])}; sys.exit(0 if {"one.mp3","two.mp3","three.mp3"} <= a and "gone.mp3" not in a else 1)' "$T/rundown.json"
po_check "the rundown says the storage cannot answer" grep -qi "storage unreachable" "$T/rundown.err"

three_done() { [ -n "$(po_play_field "$CONF" file:air three.mp3 outcome | grep -v playing)" ]; }
po_wait_for 30 three_done
sleep 1
for f in one two three; do
	o=$(po_play_field "$CONF" file:air $f.mp3 outcome)
	e=$(po_play_field "$CONF" file:air $f.mp3 start_error_ms)
	po_check "$f played in full from the cache (outcome $o)" test "$o" = complete
	po_check "$f started on time (|error| = $e ms < 100)" \
		"$PO_PY" -c 'import sys; sys.exit(0 if abs(float(sys.argv[1] or 1e9)) < 100 else 1)' "$e"
done
po_check "the daemon logged the outage" grep -q "storage unreachable" "$T/playoutd.log"
rc=0; po_stop_timed "$DPID" || rc=$?; ms=$PO_STOP_MS
po_check "SIGTERM: exit 0 (rc=$rc) in under 2 s (${ms} ms)" test "$rc" -eq 0 -a "$ms" -lt 2000
po_check "gone.mp3 never went on air" test -z "$(po_play_field "$CONF" file:air gone.mp3 outcome)"
cat "$T/drop/../cache/one.mp3" "$T/cache/two.mp3" "$T/cache/three.mp3" >"$T/expect.mp3"
po_check "the output is one+two+three, byte for byte" cmp -s "$T/expect.mp3" "$T/out.mp3"
[ "$PO_FAILED" -gt 0 ] && tail -n 30 "$T/playoutd.log" | sed 's/^/#   /'
po_result fault_unmount
