#!/bin/bash
# bench/start.sh: what starting playoutctl costs when the command touches no
# network. Side by side, medians over N runs of bench/spawn: `true` (the
# process floor on this machine), `playoutctl --help`, `playoutctl rundown`
# on a local drop folder and CSV schedule (no state yet, so it gathers and
# plans), and how many shared objects each one maps.
# With PO_CTL_BEFORE set to another playoutctl (say, one built from an
# older commit), each figure is measured for it too, on the line above,
# runs interleaved so a change in the machine's load hits both alike.
# usage: bench/start.sh [N]   (env: PO_BUILDDIR, default the current folder;
#                              PO_CTL: the playoutctl to measure, default the
#                              build's; PO_CTL_BEFORE: one to compare with)
set -u
N=${1:-200}
BUILD=${PO_BUILDDIR:-$PWD}
SRC=$(cd "$(dirname "$0")/.." && pwd)
CTL=${PO_CTL:-$BUILD/playoutctl}
SPAWN="$BUILD/bench/spawn"
[ -x "$SPAWN" ] || make -C "$BUILD" -s bench/spawn >/dev/null
[ -x "$CTL" ] || { echo "bench/start: $CTL not built (set PO_BUILDDIR)" >&2; exit 2; }
export PLAYOUT_PLUGIN_PATH=${PLAYOUT_PLUGIN_PATH:-$BUILD/plugins}
W=$(mktemp -d /tmp/po-bench-start.XXXXXX) || exit 1
trap 'rm -rf "$W"' EXIT

# A station on local storage: two files in a drop folder, a CSV schedule.
mkdir -p "$W/drop" "$W/cache"
head -c 4096 /dev/zero >"$W/drop/20300101_1000_alpha.mp3"
head -c 4096 /dev/zero >"$W/drop/20300101_1200_gamma.mp3"
cat >"$W/schedule.csv" <<'CSV'
"2030-01-01T10:00:00Z","2030-01-01T11:00:00Z","ALPHA","","The Alpha Hour"
CSV
cat >"$W/local.conf" <<CONF
station = "bench"; timezone = "UTC";
state = "$W/state.db"; cache = "$W/cache";
schedule = ( { plugin = "csv"; path = "$W/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$W/drop"; settle_s = 0; };
outputs = ( { plugin = "file"; instance = "copy"; path = "$W/out.mp3"; } );
CONF
chmod 600 "$W/local.conf"
# The commands, with @CTL@ standing for the playoutctl measured.
HELP=(@CTL@ --help)
RUNDOWN=(@CTL@ -c "$W/local.conf" rundown --from 2030-01-01T09:00:00Z --hours 6)
with() { # with CTL CMD...: CMD with @CTL@ replaced
	local ctl=$1 a out=()
	shift
	for a in "$@"; do [ "$a" = @CTL@ ] && out+=("$ctl") || out+=("$a"); done
	printf '%s\0' "${out[@]}"
}
run_with() { local ctl=$1; shift; mapfile -d '' -t CMD < <(with "$ctl" "$@"); }
for c in ${PO_CTL_BEFORE:+"$PO_CTL_BEFORE"} "$CTL"; do
	run_with "$c" "${RUNDOWN[@]}"
	"${CMD[@]}" >/dev/null 2>"$W/rundown.err" ||
		{ echo "bench/start: $c rundown failed:" >&2; cat "$W/rundown.err" >&2; exit 1; }
done

# Shared objects a run maps besides the program and the dynamic loader: the
# loader's own list (LD_DEBUG=files), which counts the ones opened with
# dlopen (plugins, the network module) as well as the linked ones.
sos() {
	env LD_DEBUG=files "$@" 2>&1 >/dev/null | grep -c 'generating link map'
}

# measure NAME CMD...: one line per playoutctl, "before" first
measure() {
	local name=$1 c
	shift
	for c in ${PO_CTL_BEFORE:+"$PO_CTL_BEFORE"} "$CTL"; do
		run_with "$c" "$@"
		"$SPAWN" "$name${PO_CTL_BEFORE:+$([ "$c" = "$CTL" ] && echo _after || echo _before)}" "$N" "${CMD[@]}"
	done
}
objects() {
	local name=$1 c
	shift
	for c in ${PO_CTL_BEFORE:+"$PO_CTL_BEFORE"} "$CTL"; do
		run_with "$c" "$@"
		printf '%-34s %8s objects\n' \
			"$name${PO_CTL_BEFORE:+$([ "$c" = "$CTL" ] && echo _after || echo _before)}" "$(sos "${CMD[@]}")"
	done
}

echo "# bench_start  ctl=$CTL${PO_CTL_BEFORE:+  before=$PO_CTL_BEFORE}  N=$N  host=$(uname -n)  cpus=$(nproc)  load=$(cut -d' ' -f1 /proc/loadavg)"
"$SPAWN" true_floor "$N" true
measure playoutctl_help "${HELP[@]}"
measure playoutctl_rundown_local "${RUNDOWN[@]}"
printf '%-34s %8s objects\n' shared_objects_true "$(sos "$(command -v true)")"
objects shared_objects_help "${HELP[@]}"
objects shared_objects_rundown "${RUNDOWN[@]}"
