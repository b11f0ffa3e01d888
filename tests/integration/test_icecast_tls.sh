#!/bin/bash
# The icecast output's own source client against a real icecast2 on
# loopback beyond the plain HTTP PUT login (test_icecast.sh): TLS from the
# start (tls = "rfc2818") with the station's CA file, a certificate that
# does not verify, TLS asked of a server that offers none ("auto" falls back
# to plain, "auto_no_plain" refuses), the Shoutcast-style ICY login
# (protocol = "icy") on a shoutcast-mount socket, and a mount another source
# holds. icecast2 gets three listen sockets: plain, TLS (a certificate made
# here for 127.0.0.1) and shoutcast.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

RUN="$PO_BUILDDIR/tests/tools/run_output"
ICE="$PO_BUILDDIR/plugins/icecast/icecast.la"
LISTEN="$PO_SRCDIR/tests/integration/listen.py"

command -v openssl >/dev/null || po_skip icecast_tls "no openssl command to make a certificate"
ldd /usr/bin/icecast2 2>/dev/null | grep -q libssl ||
	po_skip icecast_tls "this icecast2 is built without TLS"

T=$(po_tmpdir) || exit 1
po_mp3 "$T/tone.mp3" 3 440 || { echo "cannot make a test mp3 (lame)" >&2; po_result icecast_tls 0 1; }
po_mp3 "$T/long.mp3" 20 660 || { echo "cannot make a test mp3 (lame)" >&2; po_result icecast_tls 0 1; }
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=playout test" \
	-addext "subjectAltName=IP:127.0.0.1" -keyout "$T/key.pem" -out "$T/cert.pem" \
	>"$T/openssl.out" 2>&1 || { cat "$T/openssl.out" >&2; po_result icecast_tls 0 1; }
cat "$T/key.pem" "$T/cert.pem" >"$T/icecast.pem"
chmod 644 "$T/icecast.pem" # icecast2 runs as its own user when we are root

# icecast2 with the test helper's configuration plus a TLS and a shoutcast
# socket (the latter's source port is its port + 1)
po_icecast_start "$T/ice" || po_result icecast_tls 0 1
PORT=$ICECAST_PORT
po_icecast_stop || true
TLS_PORT=$(po_free_port) || po_result icecast_tls 0 1
ICY_PORT=
for i in $(seq 1 50); do
	p=$(po_free_port) || break
	if [ "$p" != "$TLS_PORT" ] && [ "$((p + 1))" != "$TLS_PORT" ] && po_port_is_free $((p + 1)); then
		ICY_PORT=$p
		break
	fi
done
[ -n "$ICY_PORT" ] || { echo "no free pair of ports for the shoutcast socket" >&2; po_result icecast_tls 0 1; }
"$PO_PY" - "$ICECAST_DIR/icecast.xml" "$TLS_PORT" "$ICY_PORT" "$T/icecast.pem" <<'PY'
import sys
path, tls_port, icy_port, pem = sys.argv[1:]
x = open(path).read()
extra = ("<listen-socket><port>%s</port><bind-address>127.0.0.1</bind-address><ssl>1</ssl>"
         "</listen-socket>\n  <listen-socket><port>%s</port><bind-address>127.0.0.1</bind-address>"
         "<shoutcast-mount>/icy</shoutcast-mount></listen-socket>\n  <fileserve>"
         % (tls_port, icy_port))
x = x.replace("<fileserve>", extra, 1)
x = x.replace("</paths>", "  <ssl-certificate>%s</ssl-certificate>\n  </paths>" % pem, 1)
open(path, "w").write(x)
PY
/usr/bin/icecast2 -c "$ICECAST_DIR/icecast.xml" >"$ICECAST_DIR/icecast.out" 2>&1 &
ICECAST_PID=$!
po_register_pid "$ICECAST_PID"
po_wait_for 10 po_http_ok "http://127.0.0.1:$PORT/status-json.xsl"
if ! po_http_ok "http://127.0.0.1:$PORT/status-json.xsl"; then
	echo "icecast2 did not start with the TLS and shoutcast sockets" >&2
	cat "$ICECAST_DIR/icecast.out" "$ICECAST_DIR/log/error.log" >&2 2>/dev/null
	po_result icecast_tls 0 1
fi
export PO_TEST_PW=$PO_ICECAST_SOURCE_PASSWORD

ice_group() { # PORT MOUNT [extra settings]
	printf 'port = %s; mount = "%s"; password = "env:PO_TEST_PW"; connect_timeout_s = 3; %s' \
		"$1" "$2" "${3:-}"
}
po_icecast_expect "$T/tone.expect" "$T/tone.mp3"

# stream FILE to MOUNT through the output with SETTINGS while a listener on
# the plain port records it; NAME.out is run_output's, NAME/ the listener's
stream_heard() { # NAME PORT MOUNT SETTINGS
	po_spawn "$PO_PY" "$LISTEN" "http://127.0.0.1:$PORT$3" "$T/$1" --until 20 --sessions 1
	local lpid=$PO_LAST_PID rc=0
	po_wait_for 10 test -f "$T/$1/sessions.json"
	"$RUN" "$ICE" "$(ice_group "$2" "$3" "$4")" "$T/tone.mp3" --rate-kbps 128 >"$T/$1.out" 2>&1 || rc=$?
	po_reap "$lpid" || true
	[ "$rc" -eq 0 ] || { sed 's/^/#   /' "$T/$1.out"; return 1; }
	if [ "${TAIL_OK:-0}" = 1 ]; then
		heard_tail "$T/tone.mp3" "$T/$1/session-1.bin"
	else
		cmp -s "$T/tone.expect" "$T/$1/session-1.bin"
	fi
}

# Icecast 2.4 starts a listener of a shoutcast-compatible mount a few KiB
# into the stream (4045 bytes here, whatever the burst settings): the
# listener must get the file from some point to its end (but Icecast's last
# partial block, as po_icecast_expect says), byte for byte, and most of it.
heard_tail() { # EXPECTED HEARD
	"$PO_PY" - "$1" "$2" <<'PY'
import sys
want, got = (open(p, "rb").read() for p in sys.argv[1:])
at = want.find(got) if got else -1
ok = len(got) >= 0.8 * len(want) and at >= 0 and len(want) - (at + len(got)) < 1400
print("# heard %d of %d bytes, %s" % (len(got), len(want), "the file's tail" if ok else "not the file's tail"))
sys.exit(0 if ok else 1)
PY
}

# ---- 1. TLS from the start, checked against the station's CA file
po_check "tls rfc2818 with ca_file: the listener gets the file byte for byte" \
	stream_heard tls1 "$TLS_PORT" /tls "tls = \"rfc2818\"; ca_file = \"$T/cert.pem\";"

# ---- 2. the same server without its CA: the certificate does not verify
"$RUN" "$ICE" "$(ice_group "$TLS_PORT" /tls 'tls = "rfc2818";')" "$T/tone.mp3" >"$T/run2.out" 2>&1
rc=$?
po_check "an untrusted certificate makes run_output fail (rc=$rc)" test "$rc" -eq 1
po_check "the error says the certificate is not trusted" \
	po_file_contains "$T/run2.out" "the server certificate is not trusted"
sed 's/^/# /' "$T/run2.out"

# ---- 3. TLS asked of a plain socket (Icecast 2.4 does not upgrade)
po_check "tls auto on a plain server: falls back to plain, the listener gets the file" \
	stream_heard auto1 "$PORT" /auto 'tls = "auto";'
"$RUN" "$ICE" "$(ice_group "$PORT" /auto 'tls = "auto_no_plain";')" "$T/tone.mp3" >"$T/run4.out" 2>&1
rc=$?
po_check "tls auto_no_plain on a plain server fails (rc=$rc)" test "$rc" -eq 1
po_check "the error says the server offers no TLS" \
	po_file_contains "$T/run4.out" "the server does not offer TLS"
sed 's/^/# /' "$T/run4.out"

# ---- 4. the ICY login on the shoutcast socket's port + 1
TAIL_OK=1
po_check "protocol icy: the listener of the shoutcast mount gets the file's bytes" \
	stream_heard icy1 "$ICY_PORT" /icy 'protocol = "icy";'
TAIL_OK=0
PO_TEST_PW=wrong-pw-77 "$RUN" "$ICE" "$(ice_group "$ICY_PORT" /icy 'protocol = "icy";')" \
	"$T/tone.mp3" >"$T/run5.out" 2>&1
rc=$?
po_check "protocol icy, wrong password: run_output fails (rc=$rc)" test "$rc" -eq 1
po_check "protocol icy, wrong password: the login failed" grep -qi "login failed" "$T/run5.out"
sed 's/^/# /' "$T/run5.out"

# ---- 5. a mount another source holds
po_spawn_out "$T/run6a.out" "$RUN" "$ICE" "$(ice_group "$PORT" /held)" "$T/long.mp3" --rate-kbps 128
HPID=$PO_LAST_PID
po_wait_for 5 grep -q "connected to" "$T/run6a.out"
"$RUN" "$ICE" "$(ice_group "$PORT" /held)" "$T/tone.mp3" >"$T/run6.out" 2>&1
rc=$?
po_check "a held mount makes the second source fail (rc=$rc)" test "$rc" -eq 1
po_check "the error names the 403 and the mount held by another source" \
	sh -c "grep -q '403' '$T/run6.out' && grep -q 'no other source holds the mount' '$T/run6.out'"
sed 's/^/# /' "$T/run6.out"
kill -TERM "$HPID" 2>/dev/null
po_reap "$HPID" || true

po_icecast_stop
po_result icecast_tls
