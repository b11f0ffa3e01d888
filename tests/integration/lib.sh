# Shared helpers for the integration scripts (and the demo script); source it
# from bash:  . "$PO_SRCDIR/tests/integration/lib.sh"
#
#   po_tmpdir                  a fresh scratch dir (removed at exit) on stdout
#   po_spawn CMD...            run CMD in the background, registered for cleanup;
#                              its pid is in $PO_LAST_PID
#   po_spawn_out OUT CMD...    the same with stdout and stderr to file OUT
#   po_reap PID                wait for a spawned process; its exit status
#   po_check DESC CMD...       one assertion: prints "ok"/"not ok", counts it
#   po_result NAME             prints "RESULT NAME: N passed, M failed"; exit 1 if M > 0
#   po_fail NAME WHY           the script cannot go on: one more failure, then po_result
#   po_skip NAME WHY           the script cannot run here (WHY: what is missing):
#                              prints "SKIP NAME: WHY", counts one skipped, exits 77
#   po_wait_for SECONDS CMD... poll CMD every 50 ms until it succeeds (bounded)
#   po_free_port               a free loopback TCP port
#   po_port_is_free PORT       nothing listens on 127.0.0.1:PORT
#   po_icecast_start DIR       icecast2 on loopback; exports ICECAST_PORT, ICECAST_PID
#   po_icecast_stop            stop it and check that its port is free again
#   po_icecast_expect OUT FILE...  what a listener gets of one connection that
#                              sent FILE... (see below)
#   po_mp3 OUT SECONDS FREQ    a CBR 128 kbit/s mono 44.1 kHz MP3 of a sine tone,
#                              no Xing/LAME tag: audio frames only
#
# Every process started through po_spawn/po_icecast_start is killed on EXIT,
# INT and TERM, and every po_tmpdir is removed, so a failing or interrupted
# test leaves no port bound and no process running.

PO_PASSED=0
PO_FAILED=0
PO_PIDS=""
PO_DIRS=""
PO_ICECAST_SOURCE_PASSWORD=hackme-source
: "${PO_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/../.." && pwd)}"
: "${PO_BUILDDIR:=$PWD}"
# Debian's interpreter: a version-manager shim in PATH can take seconds to
# start on a loaded machine, which would make the listener late.
if [ -z "${PO_PY:-}" ]; then
	if [ -x /usr/bin/python3 ]; then PO_PY=/usr/bin/python3; else PO_PY=python3; fi
fi

po_log() {
	printf '# %s\n' "$*"
}

# ---- cleanup --------------------------------------------------------------

po_register_pid() {
	PO_PIDS="$PO_PIDS $1"
}

po_unregister_pid() {
	local p rest=""
	for p in $PO_PIDS; do
		[ "$p" = "$1" ] || rest="$rest $p"
	done
	PO_PIDS=$rest
}

# Kill one process: TERM, then KILL after 3 s; reap it if it is our child.
po_kill() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	for i in $(seq 1 60); do
		kill -0 "$pid" 2>/dev/null || break
		# a zombie child counts as gone once reaped
		if [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ]; then
			break
		fi
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null || true # gone already: fine (and safe under set -e)
	wait "$pid" 2>/dev/null || true
	return 0
}

po_cleanup() {
	local p d
	for p in $PO_PIDS; do
		po_kill "$p"
	done
	PO_PIDS=""
	# a test that mounts a file system under its tmpdir (a drop folder
	# unmounted mid-test) may have left it mounted if it failed early
	for d in $(awk -v r="$PO_ROOT/" 'index($2, r) == 1 { print $2 }' /proc/mounts 2>/dev/null); do
		umount -l "$d" 2>/dev/null
	done
	for d in $PO_DIRS; do
		rm -rf "$d"
	done
	PO_DIRS=""
}

# One root per script, made here in the sourcing shell: po_tmpdir runs in a
# $(...) subshell, which could not register anything for cleanup itself.
PO_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/po-it.XXXXXX") || exit 1
PO_DIRS="$PO_DIRS $PO_ROOT"

po_tmpdir() {
	mktemp -d "$PO_ROOT/t.XXXXXX"
}

trap 'po_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM


# po_spawn CMD... : background CMD; pid in PO_LAST_PID. Redirect in the caller
# with a wrapper if needed: po_spawn sh -c 'exec cmd >out 2>err'.
po_spawn() {
	"$@" &
	PO_LAST_PID=$!
	po_register_pid "$PO_LAST_PID"
}

# po_spawn_out OUT CMD... : po_spawn with stdout and stderr to OUT.
po_spawn_out() {
	local out=$1
	shift
	po_spawn po_exec_to "$out" "$@"
}

po_exec_to() {
	local out=$1
	shift
	exec "$@" >"$out" 2>&1
}

# po_reap PID : wait for a spawned process to end; its exit status.
po_reap() {
	local rc=0
	wait "$1" || rc=$?
	po_unregister_pid "$1"
	return $rc
}

# ---- assertions -------------------------------------------------------------

po_check() {
	local desc=$1
	shift
	if "$@"; then
		PO_PASSED=$((PO_PASSED + 1))
		printf 'ok %d - %s\n' $((PO_PASSED + PO_FAILED)) "$desc"
	else
		PO_FAILED=$((PO_FAILED + 1))
		printf 'not ok %d - %s\n' $((PO_PASSED + PO_FAILED)) "$desc"
	fi
}

# po_result NAME [PASSED FAILED] : the line tests/summarize.sh adds up.
po_result() {
	local name=$1 p=${2:-$PO_PASSED} f=${3:-$PO_FAILED}
	echo "RESULT $name: $p passed, $f failed"
	[ "$f" -eq 0 ] || exit 1
	exit 0
}

# po_fail NAME WHY : a step the rest of the script needs went wrong (a tool
# failed, a server did not start): counted as one failure, never as a pass.
po_fail() {
	PO_FAILED=$((PO_FAILED + 1))
	printf 'not ok %d - %s\n' $((PO_PASSED + PO_FAILED)) "$2"
	po_result "$1"
}

# po_skip NAME WHY : what this script tests cannot be tested here because
# the machine lacks something that is not the code's fault (root, a second
# filesystem). Prints "SKIP NAME: WHY" and "RESULT NAME: N passed, M failed,
# 1 skipped", then exits 77, automake's SKIP (1 when a check already
# failed). A missing tool the project lists in tools/deps.sh is not a reason
# to skip: use po_fail.
po_skip() {
	echo "SKIP $1: $2"
	echo "RESULT $1: $PO_PASSED passed, $PO_FAILED failed, 1 skipped"
	[ "$PO_FAILED" -eq 0 ] || exit 1
	exit 77
}

# Bounded by the clock, not by a count of tries (a try may itself be slow).
po_wait_for() {
	local limit_s=$1 deadline
	shift
	deadline=$(( $(date +%s%N) + limit_s * 1000000000 ))
	while :; do
		"$@" && return 0
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

po_file_contains() { grep -q -- "$2" "$1"; }
po_file_lacks() { ! grep -q -- "$2" "$1"; }

# ---- ports --------------------------------------------------------------

po_free_port() {
	"$PO_PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Free when a server could bind it again (SO_REUSEADDR, as icecast does) and
# nothing accepts connections on it.
po_port_is_free() {
	"$PO_PY" - "$1" <<'EOF'
import socket, sys
port = int(sys.argv[1])
c = socket.socket()
c.settimeout(1)
try:
    c.connect(("127.0.0.1", port))
    sys.exit(1)
except OSError:
    pass
finally:
    c.close()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", port))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
}

po_http_ok() {
	"$PO_PY" - "$1" <<'EOF'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=1) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception:
    sys.exit(1)
EOF
}

# ---- icecast --------------------------------------------------------------

# po_icecast_start DIR [PORT]: an icecast2 on a free port, or on PORT (to
# restart one where its sources reconnect).
po_icecast_start() {
	local dir=$1 port=${2:-} admin owner="" i
	mkdir -p "$dir/log" || return 1
	[ -n "$port" ] || port=$(po_free_port) || return 1
	admin=$("$PO_PY" -c 'import secrets; print(secrets.token_hex(12))')
	if [ "$(id -u)" -eq 0 ]; then
		# Debian's icecast2 refuses to run as root; its package creates
		# the icecast2 user and the icecast group.
		if ! getent passwd icecast2 >/dev/null || ! getent group icecast >/dev/null; then
			echo "po_icecast_start: running as root but user icecast2/group icecast are missing" >&2
			return 1
		fi
		owner='<changeowner><user>icecast2</user><group>icecast</group></changeowner>'
		chown icecast2:icecast "$dir/log"
		# and it must be able to reach the log dir through our 0700 tmpdirs
		local d
		d=$(cd "$dir" && pwd)
		while [ "$d" != / ]; do
			[ -O "$d" ] && chmod o+x "$d"
			d=$(dirname "$d")
		done
	fi
	cat >"$dir/icecast.xml" <<EOF
<icecast>
  <location>playout tests</location>
  <admin>nobody@localhost</admin>
  <limits>
    <clients>${PO_ICECAST_CLIENTS:-50}</clients>
    <sources>${PO_ICECAST_SOURCES:-8}</sources>
    <queue-size>8388608</queue-size>
    <client-timeout>30</client-timeout>
    <header-timeout>15</header-timeout>
    <source-timeout>10</source-timeout>
    <burst-on-connect>1</burst-on-connect>
    <burst-size>4194304</burst-size>
  </limits>
  <authentication>
    <source-password>$PO_ICECAST_SOURCE_PASSWORD</source-password>
    <relay-password>$admin</relay-password>
    <admin-user>admin</admin-user>
    <admin-password>$admin</admin-password>
  </authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket>
    <port>$port</port>
    <bind-address>127.0.0.1</bind-address>
  </listen-socket>
  <fileserve>0</fileserve>
  <paths>
    <basedir>/usr/share/icecast2</basedir>
    <logdir>$dir/log</logdir>
    <webroot>/usr/share/icecast2/web</webroot>
    <adminroot>/usr/share/icecast2/admin</adminroot>
    <pidfile>$dir/log/icecast.pid</pidfile>
  </paths>
  <logging>
    <accesslog>access.log</accesslog>
    <errorlog>error.log</errorlog>
    <loglevel>3</loglevel>
  </logging>
  <security>
    <chroot>0</chroot>
    $owner
  </security>
</icecast>
EOF
	ICECAST_PORT=$port
	ICECAST_DIR=$dir
	# A restart on the same port can lose a race with the old server's
	# socket (icecast2 then exits at once): start again, three tries.
	local try
	for try in 1 2 3; do
		/usr/bin/icecast2 -c "$dir/icecast.xml" >"$dir/icecast.out" 2>&1 &
		ICECAST_PID=$!
		po_register_pid "$ICECAST_PID"
		export ICECAST_PORT ICECAST_PID ICECAST_DIR
		for i in $(seq 1 100); do
			if po_http_ok "http://127.0.0.1:$port/status-json.xsl"; then
				return 0
			fi
			if ! kill -0 "$ICECAST_PID" 2>/dev/null; then
				break
			fi
			sleep 0.1
		done
		kill -0 "$ICECAST_PID" 2>/dev/null && break # alive but mute: give up
		echo "po_icecast_start: icecast2 exited (try $try):" >&2
		cat "$dir/icecast.out" >&2
		po_unregister_pid "$ICECAST_PID"
		sleep 0.5
	done
	echo "po_icecast_start: icecast2 did not answer on 127.0.0.1:$port" >&2
	cat "$dir/icecast.out" "$dir/log/error.log" >&2 2>/dev/null
	po_kill "$ICECAST_PID"
	po_unregister_pid "$ICECAST_PID"
	return 1
}

po_icecast_stop() {
	[ -n "${ICECAST_PID:-}" ] || return 0
	po_kill "$ICECAST_PID"
	po_unregister_pid "$ICECAST_PID"
	ICECAST_PID=""
	po_wait_for 5 po_port_is_free "$ICECAST_PORT"
}

# Icecast 2.4 (format_mp3.c complete_read) forwards a source's bytes to
# listeners in blocks of 1400 and drops the last partial block when the source
# disconnects, so a listener gets the first floor(n / 1400) * 1400 bytes of
# what one connection sent. po_icecast_expect OUT FILE... writes that prefix
# of the concatenated FILEs to OUT.
PO_ICECAST_BLOCK=1400
po_icecast_expect() {
	local out=$1 n
	shift
	cat "$@" >"$out.all" || return 1
	n=$(wc -c <"$out.all")
	head -c $((n / PO_ICECAST_BLOCK * PO_ICECAST_BLOCK)) "$out.all" >"$out"
	rm -f "$out.all"
}

# ---- media ----------------------------------------------------------------

po_mp3() {
	local out=$1 seconds=$2 freq=$3
	"$PO_PY" - "$out.wav" "$seconds" "$freq" <<'EOF' || return 1
import math, struct, sys, wave
path, seconds, freq = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
rate = 44100
n = int(seconds * rate)
with wave.open(path, "wb") as w:
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(rate)
    w.writeframes(b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq * i / rate)))
                           for i in range(n)))
EOF
	lame -m m -b 128 --cbr -t --quiet "$out.wav" "$out" || { rm -f "$out.wav"; return 1; }
	rm -f "$out.wav"
}

# po_station_conf DIR [LINE...]: DIR/playout.conf for a station on a CSV
# schedule (DIR/schedule.csv), a localdisk drop folder (DIR/drop) and a file
# output "file:air" (DIR/out.mp3), state and cache in DIR, planning every
# 5 s; each LINE is added as it is. Prints the path.
po_station_conf() {
	local d=$1
	shift
	{
		echo "station = \"Test FM\"; timezone = \"UTC\"; state = \"$d/state.db\"; cache = \"$d/cache\";"
		echo "plan_interval_s = 5; send_ahead_ms = 300;"
		echo "schedule = ( { plugin = \"csv\"; path = \"$d/schedule.csv\"; } );"
		echo "storage = { plugin = \"localdisk\"; path = \"$d/drop\"; settle_s = 0; };"
		echo "outputs = ( { plugin = \"file\"; instance = \"air\"; path = \"$d/out.mp3\"; } );"
		printf '%s\n' "$@"
	} >"$d/playout.conf"
	echo "$d/playout.conf"
}

# po_play_field CONF OUTPUT ASSET FIELD: one field of the newest play of ASSET
# on OUTPUT in `playoutctl history --json` (empty when there is none).
po_play_field() {
	"$PO_BUILDDIR/playoutctl" -c "$1" history --json 2>/dev/null | "$PO_PY" -c '
import json, sys
out, asset, field = sys.argv[1:]
try:
    plays = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
for p in reversed(plays):
    if p.get("output") == out and p.get("asset") == asset:
        print(p.get(field, ""))
        break
' "$2" "$3" "$4"
}

# po_stop_timed PID: SIGTERM, wait (at most 10 s, then SIGKILL) for the exit;
# sets PO_STOP_MS to the milliseconds until it exited and returns its exit
# status. Call it directly, not in $(...): only this shell can reap PID.
po_stop_timed() {
	local pid=$1 t0 t1 rc=0 i=0
	t0=$(date +%s%N)
	kill -TERM "$pid" 2>/dev/null
	while [ $i -lt 1000 ] && kill -0 "$pid" 2>/dev/null &&
		[ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" != Z ]; do
		sleep 0.01
		i=$((i + 1))
	done
	t1=$(date +%s%N)
	[ $i -ge 1000 ] && kill -KILL "$pid" 2>/dev/null
	po_reap "$pid" || rc=$?
	PO_STOP_MS=$(((t1 - t0) / 1000000))
	return $rc
}
