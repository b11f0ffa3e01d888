#!/bin/bash
# The icecast and file output plugins against a real icecast2 on loopback,
# driven by tests/tools/run_output (no daemon): a listener gets the stream
# byte for byte, the title reaches Icecast, a wrong password and a missing
# server give clear errors, a server that dies mid-stream is an error (not a
# SIGPIPE death), and the file output writes exactly the file's bytes.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

RUN="$PO_BUILDDIR/tests/tools/run_output"
ICE="$PO_BUILDDIR/plugins/icecast/icecast.la"
FILE="$PO_BUILDDIR/plugins/file/file.la"
LISTEN="$PO_SRCDIR/tests/integration/listen.py"

T=$(po_tmpdir) || exit 1
po_mp3 "$T/tone.mp3" 3 440 || { echo "cannot make a test mp3 (lame)" >&2; po_result icecast 0 1; }
po_mp3 "$T/long.mp3" 8 660 || { echo "cannot make a test mp3 (lame)" >&2; po_result icecast 0 1; }
po_icecast_start "$T/ice" || po_result icecast 0 1
PORT=$ICECAST_PORT
export PO_TEST_PW=$PO_ICECAST_SOURCE_PASSWORD

ice_group() { # MOUNT [extra settings]
	printf 'port = %s; mount = "%s"; password = "env:PO_TEST_PW"; %s' "$PORT" "$1" "${2:-}"
}

source_title_is() { # MOUNT TITLE
	"$PO_PY" - "http://127.0.0.1:$PORT/status-json.xsl" "$1" "$2" <<'EOF'
import json, sys, urllib.request
url, mount, title = sys.argv[1:]
try:
    with urllib.request.urlopen(url, timeout=1) as r:
        st = json.loads(r.read().decode("utf-8", "replace"))
except Exception:
    sys.exit(1)
src = st.get("icestats", {}).get("source", [])
if isinstance(src, dict):
    src = [src]
ok = any(s.get("listenurl", "").endswith(mount) and s.get("title") == title for s in src)
sys.exit(0 if ok else 1)
EOF
}

# ---- 1. the listener receives the file byte for byte, with its title
po_spawn "$PO_PY" "$LISTEN" "http://127.0.0.1:$PORT/live" "$T/l1" --until 20 --sessions 1
LPID=$PO_LAST_PID
po_wait_for 10 test -f "$T/l1/sessions.json" # the listener is polling
po_spawn_out "$T/run1.out" "$RUN" "$ICE" "$(ice_group /live 'stream_name = "Test FM"; genre = "test";')" \
	"$T/tone.mp3" --rate-kbps 128 --title "Tone Show" --name main
RPID=$PO_LAST_PID
po_check "the mount shows the item's title while it plays" \
	po_wait_for 5 source_title_is /live "Tone Show"
rc=0; po_reap "$RPID" || rc=$?
po_check "run_output streams the file to icecast and exits 0 (rc=$rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || cat "$T/run1.out"
rc=0; po_reap "$LPID" || rc=$?
po_check "the listener recorded one session" test -f "$T/l1/session-1.bin"
po_icecast_expect "$T/tone.expect" "$T/tone.mp3"
po_check "the listener received the file byte for byte (but Icecast's last partial block)" \
	cmp -s "$T/tone.expect" "$T/l1/session-1.bin"
po_check "the password never appears in the output" po_file_lacks "$T/run1.out" "$PO_TEST_PW"

# ---- 1b. one instance, three connections in a row (its connection reused)
po_spawn "$PO_PY" "$LISTEN" "http://127.0.0.1:$PORT/again" "$T/l2" --until 30 --sessions 3
LPID=$PO_LAST_PID
po_wait_for 10 test -f "$T/l2/sessions.json"
"$RUN" "$ICE" "$(ice_group /again)" "$T/tone.mp3" --rate-kbps 256 --repeat 3 >"$T/run1b.out" 2>&1
rc=$?
po_check "run_output reconnects the same instance three times (rc=$rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || cat "$T/run1b.out"
rc=0; po_reap "$LPID" || rc=$?
for k in 1 2 3; do
	po_check "listener session $k of 3 is the file (but Icecast's last partial block)" \
		cmp -s "$T/tone.expect" "$T/l2/session-$k.bin"
done

# ---- 2. a wrong password fails with the login failure, without the password
PO_TEST_PW=wrong-pw-5f3a9 "$RUN" "$ICE" "$(ice_group /live)" "$T/tone.mp3" >"$T/run2.out" 2>&1
rc=$?
po_check "a wrong password makes run_output fail" test "$rc" -eq 1
po_check "the error names server and mount" po_file_contains "$T/run2.out" "connect 127.0.0.1:$PORT/live"
po_check "the error says the login failed" grep -qi "login failed" "$T/run2.out"
po_check "the error advises checking the password" po_file_contains "$T/run2.out" "check the password"
po_check "the wrong password is not printed" po_file_lacks "$T/run2.out" "wrong-pw-5f3a9"
sed 's/^/# /' "$T/run2.out"

# ---- 3. settings the plugin refuses, before any connection
"$RUN" "$ICE" "port = $PORT; mount = \"live\"; password = \"x\";" "$T/tone.mp3" >"$T/run3.out" 2>&1
po_check "a mount without a leading / is a config error" \
	po_file_contains "$T/run3.out" "must start with '/'"
"$RUN" "$ICE" "$(ice_group /live 'format = "ogg";')" "$T/tone.mp3" >"$T/run4.out" 2>&1
po_check "format ogg is refused clearly" \
	po_file_contains "$T/run4.out" "key 'format' of icecast must be one of \"passthrough\", \"mp3\", \"vorbis\", \"opus\" (got \"ogg\")"
"$RUN" "$ICE" "$(ice_group /live 'tls = "maybe";')" "$T/tone.mp3" >"$T/run5.out" 2>&1
po_check "an unknown tls mode is refused, naming the modes" \
	po_file_contains "$T/run5.out" "key 'tls' of icecast must be one of \"disabled\", \"auto\", \"auto_no_plain\", \"rfc2818\", \"rfc2817\" (got \"maybe\")"

# ---- 4. the server dies mid-stream: a write error, not a SIGPIPE death
po_spawn_out "$T/run6.out" "$RUN" "$ICE" "$(ice_group /dying)" "$T/long.mp3" --rate-kbps 128
RPID=$PO_LAST_PID
po_check "the long stream is on air" po_wait_for 5 grep -q "connected to" "$T/run6.out"
sleep 1 # let it stream a little (not an assertion)
po_icecast_stop
po_check "icecast stopped and its port is free" po_port_is_free "$PORT"
rc=0; po_reap "$RPID" || rc=$?
po_check "run_output reports the lost server with exit 1, not a signal (rc=$rc)" test "$rc" -eq 1
po_check "the error comes from the write" po_file_contains "$T/run6.out" "write at byte"
sed 's/^/# /' "$T/run6.out"

# ---- 5. icecast down: a clear connection error
"$RUN" "$ICE" "$(ice_group /live)" "$T/tone.mp3" >"$T/run7.out" 2>&1
rc=$?
po_check "no server: run_output fails" test "$rc" -eq 1
po_check "no server: the error names host, port and mount" \
	po_file_contains "$T/run7.out" "connect 127.0.0.1:$PORT/live"
po_check "no server: the error asks whether icecast runs" \
	po_file_contains "$T/run7.out" "is Icecast running"
sed 's/^/# /' "$T/run7.out"

# ---- 6. the file output
printf 'old junk' >"$T/out.mp3"
"$RUN" "$FILE" "path = \"$T/out.mp3\"; mode = \"truncate\";" "$T/tone.mp3" --rate-kbps 0 >"$T/run8.out" 2>&1
po_check "file output: mode truncate replaces the old content with exactly the file" \
	cmp -s "$T/tone.mp3" "$T/out.mp3"
"$RUN" "$FILE" "path = \"$T/out.mp3\";" "$T/long.mp3" --rate-kbps 0 >"$T/run9.out" 2>&1
cat "$T/tone.mp3" "$T/long.mp3" >"$T/both.mp3"
po_check "file output: the default mode appends exactly the bytes sent" \
	cmp -s "$T/both.mp3" "$T/out.mp3"
mkdir -p "$T/adir"
"$RUN" "$FILE" "path = \"$T/adir\";" "$T/tone.mp3" --rate-kbps 0 >"$T/run10.out" 2>&1
rc=$?
po_check "file output: a directory path is refused" test "$rc" -eq 1
po_check "file output: the error says it is a directory" \
	po_file_contains "$T/run10.out" "is a directory"

po_result icecast
