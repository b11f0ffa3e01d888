#!/bin/bash
# A late upload and a schedule edit during the programme before (issue: no
# programme lost). long.mp3 (25 s) airs at 10:00:45, named by a CSV row that
# runs to 10:01:15, so its planned end is its own, 10:01:10. While it is on
# air, at 10:00:48:
#   - 20260329_1001_late.mp3 (8 s) reaches the drop folder: named for 10:01,
#     with no slot;
#   - a CSV row is added that puts edit.mp3 (3 s, in the folder all along)
#     at 10:01:04.
# The player must follow each new plan: cut long at 10:01:00 and late at
# 10:01:04, frame-exact, on the same connection, and put late and edit on
# air on time.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}symbolize=0" # a fast exit

PLAYOUTD="$PO_BUILDDIR/playoutd"
T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache" "$T/later"
LATE=20260329_1001_late.mp3
po_mp3 "$T/drop/long.mp3" 25 440 && po_mp3 "$T/drop/edit.mp3" 3 880 &&
	po_mp3 "$T/later/$LATE" 8 660 || { echo "cannot make test mp3s (lame)" >&2; po_result fault_late 0 1; }
cat >"$T/schedule.csv" <<'EOF'
"2026-03-29T10:00:45Z","2026-03-29T10:01:15Z","long","long.mp3","Long Show"
EOF
CONF=$(po_station_conf "$T")
# The rehearsal clock starts at 10:00:42: long is due 3 s after the launch.
LAUNCH=$(date +%s%N)
po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f --pretend-now 2026-03-29T10:00:42Z
DPID=$PO_LAST_PID

# At 10:00:48 (6 s after the launch) the late file arrives, complete at once,
# and the schedule is edited.
while [ $(($(date +%s%N) - LAUNCH)) -lt 6000000000 ]; do sleep 0.05; done
cp "$T/later/$LATE" "$T/drop/.late.tmp" && mv "$T/drop/.late.tmp" "$T/drop/$LATE"
cat >"$T/schedule.new" <<'EOF'
"2026-03-29T10:00:45Z","2026-03-29T10:01:15Z","long","long.mp3","Long Show"
"2026-03-29T10:01:04Z","2026-03-29T10:01:07Z","edit","edit.mp3","Edit Show"
EOF
mv "$T/schedule.new" "$T/schedule.csv"

edit_done() { [ -n "$(po_play_field "$CONF" file:air edit.mp3 outcome | grep -v playing)" ]; }
po_wait_for 40 edit_done
rc=0; po_stop_timed "$DPID" || rc=$?; ms=$PO_STOP_MS
po_check "SIGTERM: playoutd exits 0 (rc=$rc) in under 2 s (${ms} ms)" test "$rc" -eq 0 -a "$ms" -lt 2000

for a in long.mp3:cut:10:01:00 $LATE:cut:10:01:04 edit.mp3:complete:10:01:07; do
	IFS=: read -r name want h m s <<<"$a"
	o=$(po_play_field "$CONF" file:air "$name" outcome)
	e=$(po_play_field "$CONF" file:air "$name" ended)
	err=$(po_play_field "$CONF" file:air "$name" start_error_ms)
	po_check "$name: outcome $o (want $want)" test "$o" = "$want"
	po_check "$name ended at $h:$m:$s ($e)" "$PO_PY" -c '
import sys, datetime
e, want = sys.argv[1], sys.argv[2]
try:
    t = datetime.datetime.strptime(e.replace("Z", ""), "%Y-%m-%dT%H:%M:%S.%f")
except ValueError:
    t = datetime.datetime.strptime(e.replace("Z", ""), "%Y-%m-%dT%H:%M:%S")
w = datetime.datetime.strptime("2026-03-29T" + want, "%Y-%m-%dT%H:%M:%S")
sys.exit(0 if abs((t - w).total_seconds()) < 0.2 else 1)' "$e" "$h:$m:$s"
	po_check "$name started on time (|error| = $err ms < 100)" \
		"$PO_PY" -c 'import sys; sys.exit(0 if abs(float(sys.argv[1] or 1e9)) < 100 else 1)' "$err"
done
# What went out: 15 s of long and 4 s of late, each cut to the frame, then
# all of edit.
po_check "the output is long (15 s), late (4 s), edit, each a prefix, frame-cut" "$PO_PY" - \
	"$T/out.mp3" "$T/drop/long.mp3" "$T/later/$LATE" "$T/drop/edit.mp3" <<'EOF'
import sys
out, long_, late, edit = (open(p, "rb").read() for p in sys.argv[1:])
def frames(b):
    """MPEG-1 layer III frames of a tag-less CBR file (po_mp3's)."""
    rates = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
    v, i = [], 0
    while i + 4 <= len(b) and b[i] == 0xFF and (b[i + 1] & 0xE0) == 0xE0:
        n = 144000 * rates[b[i + 2] >> 4] // 44100 + ((b[i + 2] >> 1) & 1)
        v.append(b[i:i + n])
        i += n
    return v, i == len(b)
fo, whole = frames(out)
parts = []
at = 0
for src in (long_, late, edit):
    fs, _ = frames(src)
    k = 0
    while at < len(fo) and k < len(fs) and fo[at] == fs[k]:
        at += 1
        k += 1
    parts.append((k, len(fs)))
print("# frames of long %d/%d, late %d/%d, edit %d/%d; %d frames out, all whole: %s"
      % (parts[0] + parts[1] + parts[2] + (len(fo), whole)))
# 15 s and 4 s at 26.122 ms a frame: 575 (574.2 + the one due at 14.99 s) and 154
ok = whole and at == len(fo) and abs(parts[0][0] - 575) <= 1 and abs(parts[1][0] - 154) <= 1 \
    and parts[2][0] == parts[2][1]
sys.exit(0 if ok else 1)
EOF
[ "$PO_FAILED" -gt 0 ] && tail -n 30 "$T/playoutd.log" | sed 's/^/#   /'
po_result fault_late
