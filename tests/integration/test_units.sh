#!/usr/bin/env bash
# The systemd units, without systemd as PID 1: both parse and verify
# (systemd-analyze verify, on copies whose programs point at this build:
# test_deb.sh verifies the installed units unchanged), their hardening
# scores an exposure of at most 2.0 (systemd-analyze security --offline),
# and the template keeps each station's state and cache apart.
set -u
. "$PO_SRCDIR/tests/integration/lib.sh"
U="$PO_SRCDIR/packaging/systemd"
T=$(po_tmpdir)
command -v systemd-analyze >/dev/null ||
	po_fail units "systemd-analyze is missing (tools/deps.sh installs systemd)"

# verify: everything but the program paths (and man pages, not installed here)
for unit in playoutd.service playoutd@.service; do
	sed -e "s|/usr/sbin/playoutd|$PO_BUILDDIR/playoutd|; s|/usr/bin/playoutctl|$PO_BUILDDIR/playoutctl|" \
		"$U/$unit" >"$T/$unit"
done
(cd "$T" && systemd-analyze verify --man=no ./playoutd.service) >"$T/verify.out" 2>&1
po_check "systemd-analyze verify accepts playoutd.service" test ! -s "$T/verify.out"
# a template verifies as an instance
cp "$T/playoutd@.service" "$T/playoutd@test.service"
(cd "$T" && systemd-analyze verify --man=no ./playoutd@test.service) >"$T/verify@.out" 2>&1
po_check "systemd-analyze verify accepts playoutd@.service (as playoutd@test)" test ! -s "$T/verify@.out"
cat "$T/verify.out" "$T/verify@.out" | sed 's/^/# /'

exposure() { # the "Overall exposure level" figure
	systemd-analyze security --offline=true "$1" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
for unit in playoutd.service playoutd@test.service; do
	e=$(exposure "$T/$unit")
	po_log "$unit exposure ${e:-?}"
	po_check "$unit: exposure ${e:-?} is at most 2.0" \
		"$PO_PY" -c 'import sys; sys.exit(0 if sys.argv[1] and float(sys.argv[1]) <= 2.0 else 1)' "${e:-}"
done

for unit in playoutd.service playoutd@.service; do
	for line in Type=notify NotifyAccess=main WatchdogSec=30s Restart=on-failure User=playout \
		ProtectSystem=strict NoNewPrivileges=yes; do
		po_check "$unit has $line" grep -qx "$line" "$U/$unit"
	done
done
po_check "playoutd@.service reads /etc/playout/%i.conf" \
	grep -q 'ExecStart=/usr/sbin/playoutd -c /etc/playout/%i.conf$' "$U/playoutd@.service"
po_check "playoutd@.service has its own state folder" grep -qx 'StateDirectory=playout/%i' "$U/playoutd@.service"
po_check "playoutd@.service has its own cache folder" grep -qx 'CacheDirectory=playout/%i' "$U/playoutd@.service"
po_result units
