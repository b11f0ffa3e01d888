#!/bin/bash
# A late upload during the previous programme (issue: no programme lost).
# long (30 s) airs at 10:01:00 by its file name, with nothing after it, so
# its planned end is 10:01:30. A CSV row wants late.mp3 (8 s) at 10:01:10,
# but the file reaches the drop folder only at 10:01:04, while long is on
# air. The player must follow the new plan: cut long at 10:01:10,
# frame-exact, on the same connection, and put late on air on time.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

PLAYOUTD="$PO_BUILDDIR/playoutd"
T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache" "$T/later"
po_mp3 "$T/drop/20260329_1001_long.mp3" 30 440 &&
	po_mp3 "$T/later/late.mp3" 8 660 || { echo "cannot make test mp3s (lame)" >&2; po_result fault_late 0 1; }
cat >"$T/schedule.csv" <<'EOF'
"2026-03-29T10:01:10Z","2026-03-29T10:01:18Z","late","late.mp3","Late Show"
EOF
CONF="$T/playout.conf"
cat >"$CONF" <<EOF
station = "Test FM"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plan_interval_s = 5; send_ahead_ms = 300;
schedule = ( { plugin = "csv"; path = "$T/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
outputs = ( { plugin = "file"; instance = "air"; path = "$T/out.mp3"; } );
EOF
# The rehearsal clock starts at 10:00:57: long is due 3 s after the launch.
LAUNCH=$(date +%s%N)
po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f --pretend-now 2026-03-29T10:00:57Z
DPID=$PO_LAST_PID

# At 10:01:04 (7 s after the launch) the late file arrives, complete at once.
while [ $(($(date +%s%N) - LAUNCH)) -lt 7000000000 ]; do sleep 0.05; done
cp "$T/later/late.mp3" "$T/drop/.late.tmp" && mv "$T/drop/.late.tmp" "$T/drop/late.mp3"

late_done() { [ -n "$(po_play_field "$CONF" file:air late.mp3 outcome | grep -v playing)" ]; }
po_wait_for 30 late_done
rc=0; po_stop_timed "$DPID" || rc=$?; ms=$PO_STOP_MS
po_check "SIGTERM: playoutd exits 0 (rc=$rc) in under 2 s (${ms} ms)" test "$rc" -eq 0 -a "$ms" -lt 2000

long_outcome=$(po_play_field "$CONF" file:air 20260329_1001_long.mp3 outcome)
long_ended=$(po_play_field "$CONF" file:air 20260329_1001_long.mp3 ended)
late_outcome=$(po_play_field "$CONF" file:air late.mp3 outcome)
late_err=$(po_play_field "$CONF" file:air late.mp3 start_error_ms)
echo "# long: $long_outcome, ended $long_ended; late: $late_outcome, start error $late_err ms"
po_check "long was cut by the new plan (outcome $long_outcome)" test "$long_outcome" = cut
po_check "long ended at 10:01:10 ($long_ended)" \
	"$PO_PY" -c 'import sys; s=sys.argv[1]; sys.exit(0 if s.startswith("2026-03-29T10:01:10") or s.startswith("2026-03-29T10:01:09.9") else 1)' "$long_ended"
po_check "late played in full (outcome $late_outcome)" test "$late_outcome" = complete
po_check "late started on time (|error| = $late_err ms < 100)" \
	"$PO_PY" -c 'import sys; sys.exit(0 if abs(float(sys.argv[1] or 1e9)) < 100 else 1)' "$late_err"
# What went out: 10 s of long, frame-exact, then all of late.
LATE_SIZE=$(stat -c %s "$T/later/late.mp3")
OUT_SIZE=$(stat -c %s "$T/out.mp3" 2>/dev/null || echo 0)
HEAD=$((OUT_SIZE - LATE_SIZE))
po_check "the output ends with late.mp3, byte for byte" \
	cmp -s "$T/later/late.mp3" <(tail -c "$LATE_SIZE" "$T/out.mp3")
po_check "the output starts with long.mp3's first $HEAD bytes" \
	cmp -s <(head -c "$HEAD" "$T/drop/20260329_1001_long.mp3") <(head -c "$HEAD" "$T/out.mp3")
# 128 kbit/s: 10 s is 160000 bytes; whole frames of 26.1 ms (417/418 bytes)
po_check "long's part is 10 s of audio, to the frame ($HEAD bytes)" test "$HEAD" -ge 159500 -a "$HEAD" -le 160500
[ "$PO_FAILED" -gt 0 ] && tail -n 30 "$T/playoutd.log" | sed 's/^/#   /'
po_result fault_late
