#!/usr/bin/env bash
# The Debian packages end to end, as a station installs them: build them
# from this source tree (tools/build-deb.sh), lintian finds no error, the
# on-site package depends on no network library, `apt-get install
# ./playout_*.deb` makes the playout user, its folders and a 0640
# configuration, the installed units verify, and the installed playoutd,
# run as playout (setpriv, no systemd as PID 1) with a configuration in
# /etc/playout, puts a programme from a drop folder on a local icecast2,
# byte for byte. Then `apt-get remove` keeps the state and the
# configuration, and `purge` deletes them.
#
# Root on Debian only (it installs packages); it leaves the machine as it
# found it (everything it installed is purged on exit, also after a failure)
# and refuses to touch a playout installation it did not make.
set -u
. "$PO_SRCDIR/tests/integration/lib.sh"
NAME=deb

[ "$(id -u)" -eq 0 ] || po_skip $NAME "not root: installing packages needs root"
[ -f /etc/debian_version ] && command -v dpkg-buildpackage >/dev/null && command -v apt-get >/dev/null ||
	po_skip $NAME "not a Debian system with dpkg-buildpackage and apt-get"
for tool in dh lintian setpriv systemd-analyze lame icecast2; do
	command -v $tool >/dev/null || po_fail $NAME "$tool is missing (tools/deps.sh installs it)"
done

PKGS="playout playout-net playout-cloud playout-dev"
# a package this test installed and did not purge (a killed run) carries this mark
MARK=/var/lib/playout-test-deb.installed
APT="env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300"
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
present() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -qv 'not-installed'; }
# apt-get purge of a local package works only while dpkg still knows it
# (installed, or removed with its configuration left)
purge_present() {
	local p list=""
	for p in $PKGS; do present "$p" && list="$list $p"; done
	[ -z "$list" ] || $APT purge $list
}
purge_ours() {
	purge_present >/dev/null 2>&1
	rm -f /etc/playout/deb-test.conf /etc/playout/deb-test.pass
	rmdir /etc/playout 2>/dev/null
	rm -f "$MARK"
}
for p in $PKGS; do
	if present "$p" && [ ! -f "$MARK" ]; then
		po_skip $NAME "$p is installed on this machine and not by this test: it would be replaced"
	fi
done
[ -f "$MARK" ] && { po_log "purging what an earlier run left installed"; purge_ours; }
trap 'purge_ours; po_cleanup' EXIT

T=$(po_tmpdir)
# only what the packages install: nothing from this build tree
unset PLAYOUT_PLUGIN_PATH PLAYOUT_NET_MODULE

# ---- build
t0=$(date +%s)
DEB_BUILD_OPTIONS="nocheck noddebs parallel=$(nproc)" "$PO_SRCDIR/tools/build-deb.sh" "$T/debs" \
	>"$T/build.out" 2>&1 || { tail -n 40 "$T/build.out" | sed 's/^/# /'; po_fail $NAME "tools/build-deb.sh failed"; }
po_log "packages built in $(($(date +%s) - t0)) s"
for p in $PKGS; do
	po_check "$p was built" test -f "$T/debs/${p}_"*.deb
done
DEB() { ls "$T/debs/$1_"*.deb; }

lintian --info "$T/debs/"*.changes >"$T/lintian.out" 2>&1
grep -E '^[EWI]: ' "$T/lintian.out" | sed 's/^/# lintian: /'
po_check "lintian reports no error" sh -c "! grep -q '^E: ' '$T/lintian.out'"

deps=$(dpkg-deb -f "$(DEB playout)" Depends)
po_log "playout Depends: $deps"
for lib in libcurl libssl libjson-c libxml2 libical; do
	po_check "playout does not depend on $lib" sh -c "! echo '$deps' | grep -q '$lib'"
done
po_check "playout only recommends playout-net" \
	sh -c "dpkg-deb -f '$(DEB playout)' Recommends | grep -qx playout-net"
po_check "playout-net carries libcurl" sh -c "dpkg-deb -f '$(DEB playout-net)' Depends | grep -q libcurl"
for plug in s3 route53 gcal ical; do
	po_check "$plug.so is in playout-cloud" sh -c "dpkg-deb -c '$(DEB playout-cloud)' 2>/dev/null | grep -q '/plugins/$plug.so$'"
done
po_check "net.so is in playout-net" sh -c "dpkg-deb -c '$(DEB playout-net)' 2>/dev/null | grep -q '/playout/net.so$'"

# ---- install the on-site package alone
touch "$MARK"
(cd "$T/debs" && $APT install --no-install-recommends "./$(basename "$(DEB playout)")") >"$T/install.out" 2>&1
rc=$?
po_check "apt-get install ./playout_*.deb (exit $rc)" test $rc -eq 0
[ $rc -eq 0 ] || { tail -n 20 "$T/install.out" | sed 's/^/# /'; po_result $NAME; }
for p in playout-net playout-cloud; do
	po_check "it did not pull $p" sh -c "! dpkg-query -W -f='\${Status}' $p 2>/dev/null | grep -q 'ok installed'"
done
po_check "the playout user exists" sh -c 'getent passwd playout >/dev/null'
po_check "the playout group exists" sh -c 'getent group playout >/dev/null' 
for d in /var/lib/playout /var/cache/playout; do
	po_check "$d is playout:playout 0750" test "$(stat -c '%U:%G %a' $d)" = "playout:playout 750"
done
po_check "/etc/playout/playout.conf is root:playout 0640" \
	test "$(stat -c '%U:%G %a' /etc/playout/playout.conf)" = "root:playout 640"
for m in man8/playoutd.8.gz man1/playoutctl.1.gz man5/playout.conf.5.gz; do
	po_check "man page $m is installed" test -f /usr/share/man/$m
done
po_check "the playout user can read the configuration" \
	sh -c 'setpriv --reuid playout --regid playout --init-groups cat /etc/playout/playout.conf >/dev/null' 

# the units as installed, with their programs and man pages in place
systemd-analyze verify playoutd.service >"$T/verify.out" 2>&1
systemd-analyze verify playoutd@deb-test.service >>"$T/verify.out" 2>&1
sed 's/^/# verify: /' "$T/verify.out"
po_check "systemd-analyze verify accepts the installed units" test ! -s "$T/verify.out"

"$(command -v playoutctl)" plugins >"$T/plugins.out" 2>&1
po_check "playoutctl is the installed one" test "$(command -v playoutctl)" = /usr/bin/playoutctl
po_check "the on-site plugins load from the installed folder" \
	sh -c "grep -c '^    /usr/lib/.*/playout/plugins/.*\.so (contract' '$T/plugins.out' | grep -qx 6"

# ---- on air, as the playout user
po_icecast_start "$T/ice" || po_fail $NAME "icecast2 did not start"
D="$T/drop"
# the drop folder as an upload share would be: group playout, setgid
mkdir -p "$D" && chgrp playout "$D" && chmod 2750 "$D"
po_mp3 "$D/20260329_0059_alpha.mp3" 3 440 || po_fail $NAME "cannot make a test mp3 (lame)"
chmod 0640 "$D/20260329_0059_alpha.mp3"
printf '%s\n' "$PO_ICECAST_SOURCE_PASSWORD" >/etc/playout/deb-test.pass
cat >/etc/playout/deb-test.conf <<CONF
station = "Deb FM"; timezone = "UTC";
state = "/var/lib/playout/deb-test/state.db"; cache = "/var/cache/playout/deb-test";
plan_interval_s = 5; send_ahead_ms = 300;
storage = { plugin = "localdisk"; path = "$D"; settle_s = 0; };
outputs = ( { plugin = "icecast"; instance = "main"; host = "127.0.0.1"; port = $ICECAST_PORT;
              mount = "/prerec"; password = "file:/etc/playout/deb-test.pass"; } );
CONF
chgrp playout /etc/playout/deb-test.conf /etc/playout/deb-test.pass
chmod 0640 /etc/playout/deb-test.conf /etc/playout/deb-test.pass
# what systemd's StateDirectory=playout/%i and CacheDirectory= would make
install -d -o playout -g playout -m 0750 /var/lib/playout/deb-test /var/cache/playout/deb-test
AS_PLAYOUT="setpriv --reuid playout --regid playout --init-groups"

$AS_PLAYOUT /usr/bin/playoutctl -c /etc/playout/deb-test.conf check --offline >"$T/check.out" 2>&1
rc=$?
sed 's/^/# check: /' "$T/check.out"
po_check "playoutctl check --offline as playout (the unit's ExecStartPre) exits 0" test $rc -eq 0

po_spawn "$PO_PY" "$PO_SRCDIR/tests/integration/listen.py" "http://127.0.0.1:$ICECAST_PORT/prerec" \
	"$T/listen" --until 60 --sessions 1
LPID=$PO_LAST_PID
po_wait_for 10 test -f "$T/listen/sessions.json" || po_log "the listener did not start"
# the clock starts 3 s before the programme
po_spawn_out "$T/playoutd.log" $AS_PLAYOUT /usr/sbin/playoutd -c /etc/playout/deb-test.conf -f \
	--pretend-now 2026-03-29T00:58:57Z
DPID=$PO_LAST_PID
heard_or_gone() { ! kill -0 "$LPID" 2>/dev/null || ! kill -0 "$DPID" 2>/dev/null; }
po_wait_for 40 heard_or_gone
po_check "the installed playoutd ran as playout until the programme ended" kill -0 "$DPID"
po_check "it runs as the playout user" test "$(ps -o user= -p "$DPID" 2>/dev/null)" = playout
po_stop_timed "$DPID"
po_check "it stopped cleanly on SIGTERM" test $? -eq 0
po_kill "$LPID"
po_reap "$LPID"
po_icecast_expect "$T/s1.expect" "$D/20260329_0059_alpha.mp3"
po_check "the listener heard the programme byte for byte" cmp -s "$T/s1.expect" "$T/listen/session-1.bin"
grep -E 'error|warn|on air|off air' "$T/playoutd.log" | head -n 10 | sed 's/^/# log: /'
po_check "the state database is the playout user's" \
	test "$(stat -c %U /var/lib/playout/deb-test/state.db 2>/dev/null)" = playout
/usr/bin/playoutctl -c /etc/playout/deb-test.conf history --json >"$T/history.json" 2>/dev/null
po_check "history has the play, complete" "$PO_PY" -c '
import json, sys
plays = json.load(open(sys.argv[1]))
sys.exit(0 if any(p.get("asset") == "20260329_0059_alpha.mp3" and p.get("outcome") == "complete"
                  for p in plays) else 1)' "$T/history.json"

# ---- the network, cloud and SDK packages beside it
(cd "$T/debs" && $APT install --no-install-recommends "./$(basename "$(DEB playout-net)")" \
	"./$(basename "$(DEB playout-cloud)")" "./$(basename "$(DEB playout-dev)")") >"$T/install2.out" 2>&1
po_check "apt-get install playout-net, playout-cloud and playout-dev" test $? -eq 0
/usr/bin/playoutctl plugins >"$T/plugins2.out" 2>&1
for plug in s3 route53 gcal ical; do
	po_check "playoutctl plugins lists $plug" grep -q "^$plug " "$T/plugins2.out"
done
po_check "pkg-config finds playout-plugin" pkg-config --exists playout-plugin

# ---- remove keeps the state, purge deletes it
$APT remove $PKGS >"$T/remove.out" 2>&1
po_check "apt-get remove (exit $?)" test ! -e /usr/sbin/playoutd
po_check "remove kept the state database" test -f /var/lib/playout/deb-test/state.db
po_check "remove kept the cache" test -d /var/cache/playout/deb-test
po_check "remove kept the configuration" test -f /etc/playout/playout.conf
rm -f /etc/playout/deb-test.conf /etc/playout/deb-test.pass
purge_present >"$T/purge.out" 2>&1
rc=$?
po_check "apt-get purge (exit $rc)" test $rc -eq 0
po_check "dpkg no longer knows playout" sh -c "! dpkg-query -W -f='\${Status}' playout 2>/dev/null | grep -q 'ok '"
po_check "purge deleted the state" test ! -e /var/lib/playout
po_check "purge deleted the cache" test ! -e /var/cache/playout
po_check "purge deleted the configuration" test ! -e /etc/playout
po_check "purge dropped the file mode override" sh -c "! dpkg-statoverride --list /etc/playout/playout.conf"
rm -f "$MARK"
po_result $NAME
