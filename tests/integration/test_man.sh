#!/usr/bin/env bash
# The manual pages: clean under mandoc -Tlint (every message, style too),
# and playout.conf(5) documents every key the code accepts, with the range,
# choices and default the validator enforces (tests/man/check_keys.py), so
# the page and the code cannot drift apart.
set -u
. "$PO_SRCDIR/tests/integration/lib.sh"
MAN="$PO_SRCDIR/doc/man"
T=$(po_tmpdir)

command -v mandoc >/dev/null || po_fail man "mandoc is missing (tools/deps.sh installs it)"
# one run over all three, so each page's .Xr to the others resolves
(cd "$MAN" && mandoc -Tlint -W style playoutd.8 playoutctl.1 playout.conf.5) >"$T/lint.out" 2>&1
rc=$?
po_check "mandoc -Tlint passes on the three pages (exit $rc)" test "$rc" -eq 0
po_check "mandoc -Tlint says nothing at all" test ! -s "$T/lint.out"
[ -s "$T/lint.out" ] && sed 's/^/# /' "$T/lint.out"

"$PO_BUILDDIR/playoutctl" plugins >"$T/plugins.out" 2>"$T/plugins.err"
po_check "playoutctl plugins lists the plugins" test -s "$T/plugins.out"
"$PO_PY" "$PO_SRCDIR/tests/man/check_keys.py" "$PO_SRCDIR/core/config.c" "$MAN/playout.conf.5" \
	$(ls "$PO_SRCDIR"/core/*.c | grep -v /config.c) \
	<"$T/plugins.out" >"$T/keys.out" 2>&1
rc=$?
grep -v '^ok' "$T/keys.out" | sed 's/^/# /'
po_check "playout.conf.5 documents every key with its range, choices and default" test "$rc" -eq 0
po_result man
