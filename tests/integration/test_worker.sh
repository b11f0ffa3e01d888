#!/bin/bash
# playoutd's background probes: files are decoded and judged off the control
# thread, earliest air time first, and the plan follows their answers.
#   news  20260329_0100_news.mp3 is silent throughout: once probed it counts as
#         missing, so the previous-edition fallback airs last week's
#         20260322_0100_news.mp3 at 01:00:00, on time.
#   long  20260329_0200_long.mp3 (20 min) is probed in the background too; it
#         is due later, so the news is probed first.
# The clock starts at 00:59:54: the news is due 6 s after launch.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

PLAYOUTD="$PO_BUILDDIR/playoutd"
PLAYOUTCTL="$PO_BUILDDIR/playoutctl"
NAME=worker
if [ ! -x "$PLAYOUTD" ] || [ ! -x "$PLAYOUTCTL" ]; then
	echo "not ok - $PLAYOUTD or $PLAYOUTCTL is not built"
	po_result $NAME 0 1
fi

T=$(po_tmpdir) || exit 1
mkdir -p "$T/drop" "$T/cache"
D="$T/drop"
ffmpeg -nostdin -v error -f lavfi -i anullsrc=r=44100:cl=stereo -t 5 -c:a libmp3lame -b:a 128k \
	"$D/20260329_0100_news.mp3" &&
	po_mp3 "$D/20260322_0100_news.mp3" 5 440 &&
	po_mp3 "$D/20260329_0200_long.mp3" 1200 550 ||
	{ echo "not ok - cannot make test mp3s"; po_result $NAME 0 1; }
cat >"$T/schedule.csv" <<'EOF'
"2026-03-29T01:00:00Z","2026-03-29T01:00:05Z","news","","The News"
"2026-03-29T02:00:00Z","2026-03-29T02:20:00Z","long","","The Long Show"
EOF
CONF="$T/playout.conf"
cat >"$CONF" <<EOF
station = "Test FM"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plan_interval_s = 60; send_ahead_ms = 300; lookback_h = 0;
schedule = ( { plugin = "csv"; path = "$T/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$D"; settle_s = 0; };
fallback = { plugin = "previous-edition"; };
outputs = ( { plugin = "file"; instance = "copy"; path = "$T/out.mp3"; } );
EOF

po_spawn_out "$T/playoutd.log" "$PLAYOUTD" -c "$CONF" -f --pretend-now 2026-03-29T00:59:54Z
DPID=$PO_LAST_PID

played() {
	"$PLAYOUTCTL" -c "$CONF" history --json >"$T/history.json" 2>/dev/null &&
		grep -q '"outcome": *"complete"' "$T/history.json"
}
po_wait_for 30 played
po_check "a play completed" played
po_check "the file output holds last week's news, byte for byte" \
	cmp -s "$D/20260322_0100_news.mp3" "$T/out.mp3"
check_history() {
	"$PO_PY" - "$T/history.json" <<'EOF'
import json, sys
plays = json.load(open(sys.argv[1]))
p = [p for p in plays if p.get("pid") == "news"]
print("# news plays: %s" % [(x.get("asset"), x.get("start_error_ms")) for x in p])
sys.exit(0 if len(p) == 1 and p[0].get("asset") == "20260322_0100_news.mp3"
         and abs(p[0].get("start_error_ms", 1e9)) < 100 else 1)
EOF
}
po_check "history: the news slot aired the previous edition, within 100 ms" check_history
"$PLAYOUTCTL" -c "$CONF" rundown --from 2026-03-29T00:59:00Z --hours 2 >"$T/rundown.txt" 2>&1
po_check "the rundown says fallback and why (silent)" \
	grep -q 'fallback.*20260322_0100_news.mp3' "$T/rundown.txt"
po_check "... naming the silent file" grep -q 'silent' "$T/rundown.txt"
order_ok() { # the news due first was probed first, and before it was due
	"$PO_PY" - "$T/playoutd.log" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
order = [m.group(1) for m in re.finditer(r"probe: \S*/(\w+\.mp3): probed", text)]
probed = re.search(r"^(\S+) info probe: \S*/20260329_0100_news.mp3: probed", text, re.M)
aired = re.search(r"^(\S+) notice file:copy: on air: news", text, re.M)
# The previous edition is probed last, or not at all: once it has aired, the
# real clock (months after the rehearsal's date) may evict it first.
done_prev = "20260322_0100_news.mp3" in order or re.search(r"evicted 20260322_0100_news.mp3", text)
print("# probe order: %s" % order)
# The previous edition may come second: once the news due first is found
# silent, the fallback airs at 01:00, before the long file's 02:00.
sys.exit(0 if order[:1] == ["20260329_0100_news.mp3"] and "20260329_0200_long.mp3" in order
         and done_prev
         and probed and aired and probed.group(1) < aired.group(1) else 1)
EOF
}
all_probed() { # both due files probed; the previous edition probed or evicted
	[ "$(grep -c ': probed in' "$T/playoutd.log")" -ge 3 ] ||
		{ grep -q '0200_long.mp3: probed in' "$T/playoutd.log" &&
			grep -q 'evicted 20260322_0100_news.mp3' "$T/playoutd.log"; }
}
po_wait_for 60 all_probed
po_check "every file was probed (or evicted once aired), the news due first, before it aired" order_ok

kill -TERM "$DPID" 2>/dev/null
rc=0; po_reap "$DPID" || rc=$?
po_check "SIGTERM: playoutd exits 0 (rc=$rc)" test "$rc" -eq 0

# ---- SIGTERM while an hour is being decoded: the probe stops, playoutd too
mkdir -p "$T/drop2" "$T/cache2"
L="$D/20260329_0200_long.mp3"
cat "$L" "$L" "$L" >"$T/drop2/20260329_0300_hour.mp3"
sed -e "s|$T/state.db|$T/state2.db|" -e "s|$T/cache\"|$T/cache2\"|" -e "s|path = \"$D\"|path = \"$T/drop2\"|" \
	"$CONF" >"$T/playout2.conf"
po_spawn_out "$T/playoutd2.log" "$PLAYOUTD" -c "$T/playout2.conf" -f --pretend-now 2026-03-29T00:59:54Z
DPID=$PO_LAST_PID
po_wait_for 20 grep -q 'fetched 20260329_0300_hour.mp3' "$T/playoutd2.log"
sleep 1 # into the decode, which takes several seconds (not an assertion)
t0=$(date +%s%N)
kill -TERM "$DPID" 2>/dev/null
rc=0; po_reap "$DPID" || rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
po_check "SIGTERM during the decode of an hour: exit 0 within 1500 ms (rc=$rc, $ms ms)" \
	test "$rc" -eq 0 -a "$ms" -lt 1500
po_check "... and the unfinished probe is neither logged as done nor as a failure" \
	sh -c "! grep -q 'hour.mp3: probed\|warn probe' '$T/playoutd2.log'"
if [ "$PO_FAILED" -gt 0 ]; then
	echo "# playoutd log (last 30 lines):"
	tail -n 30 "$T/playoutd.log" | sed 's/^/#   /'
	[ -f "$T/playoutd2.log" ] && tail -n 10 "$T/playoutd2.log" | sed 's/^/#   /'
	sed 's/^/# rundown: /' "$T/rundown.txt"
fi
po_result $NAME
