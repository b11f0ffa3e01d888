#!/usr/bin/env bash
# The plugin SDK from the outside: `make install` this build into a staging
# root, build examples/plugin (the cuesheet output) with its own Makefile
# against that root through pkg-config alone, and run the installed playoutd
# with it beside a file output: the plugin loads, and its cue sheet names
# the programme with exactly the bytes the file output received.
set -u
. "$PO_SRCDIR/tests/integration/lib.sh"
T=$(po_tmpdir)
ROOT="$T/root"
PRETEND=2026-03-29T00:58:58Z
# nothing from the build tree: only what was installed
unset PLAYOUT_PLUGIN_PATH PLAYOUT_NET_MODULE

make -C "$PO_BUILDDIR" -s install DESTDIR="$ROOT" >"$T/install.out" 2>&1 ||
	{ tail -n 20 "$T/install.out" | sed 's/^/# /'; po_fail sdk "make install DESTDIR=$ROOT failed"; }
PC=$(find "$ROOT" -name playout-plugin.pc | head -n 1)
po_check "make install put playout-plugin.pc in the staging root" test -n "$PC"
[ -n "$PC" ] || po_result sdk
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$PC")
export PKG_CONFIG_SYSROOT_DIR=$ROOT
po_check "pkg-config cflags point into the staging root" \
	sh -c "pkg-config --cflags playout-plugin | grep -q -- '-I$ROOT/'"
# the plugin folder as installed (pkgconf would prefix the sysroot to it)
PLUGINDIR=$(env -u PKG_CONFIG_SYSROOT_DIR pkg-config --variable=plugindir playout-plugin)
po_check "the installed plugins are in pkg-config's plugindir ($PLUGINDIR)" \
	test -f "$ROOT$PLUGINDIR/file.so"

cp -r "$PO_SRCDIR/examples/plugin" "$T/ex"
chmod -R u+w "$T/ex"
make -C "$T/ex" >"$T/ex.out" 2>&1 && make -C "$T/ex" install plugindir="$ROOT$PLUGINDIR" >>"$T/ex.out" 2>&1
rc=$?
sed 's/^/# /' "$T/ex.out"
po_check "the example builds and installs with its own Makefile (exit $rc)" test "$rc" -eq 0
po_check "cuesheet.so is in the plugin folder" test -f "$ROOT$PLUGINDIR/cuesheet.so"
po_check "cuesheet.so exports only playout_plugin" \
	sh -c "nm -D --defined-only '$T/ex/cuesheet.so' | awk '\$2 ~ /[TDRB]/ {print \$3}' | grep -v '^_' | grep -vx playout_plugin | grep -q . && exit 1 || exit 0"

D=$(find "$ROOT" -path '*/sbin/playoutd' | head -n 1)
C=$(find "$ROOT" -path '*/bin/playoutctl' | head -n 1)
mkdir -p "$T/drop" "$T/cache"
po_mp3 "$T/drop/20260329_0059_alpha.mp3" 2 440 || po_fail sdk "cannot make a test mp3 (lame)"
cat >"$T/schedule.csv" <<'CSV'
"2026-03-29T00:59:00Z","2026-03-29T00:59:02Z","alpha","","Alpha Show"
CSV
cat >"$T/playout.conf" <<CONF
station = "SDK test"; timezone = "UTC"; state = "$T/state.db"; cache = "$T/cache";
plugin_dir = "$ROOT$PLUGINDIR";
plan_interval_s = 5; send_ahead_ms = 300;
schedule = ( { plugin = "csv"; path = "$T/schedule.csv"; } );
storage = { plugin = "localdisk"; path = "$T/drop"; settle_s = 0; };
outputs = ( { plugin = "file"; instance = "air"; path = "$T/out.mp3"; },
            { plugin = "cuesheet"; path = "$T/cuesheet.txt"; } );
CONF
"$C" -c "$T/playout.conf" plugins >"$T/plugins.out" 2>&1
po_check "the installed playoutctl lists cuesheet from the plugin folder" \
	sh -c "grep -A1 '^cuesheet  *output' '$T/plugins.out' | grep -q '$ROOT$PLUGINDIR/cuesheet.so'"
po_check "playoutctl plugins shows its setting" grep -q '^    path .*(required) text file' "$T/plugins.out"

po_spawn_out "$T/playoutd.log" "$D" -c "$T/playout.conf" -f --pretend-now "$PRETEND"
DPID=$PO_LAST_PID
# alpha is due 2 s after launch and lasts 2 s; the sheet's line is written when it ends
line_or_dead() { [ -s "$T/cuesheet.txt" ] || ! kill -0 "$DPID" 2>/dev/null; }
po_wait_for 30 line_or_dead
po_check "playoutd ran with the plugin loaded" kill -0 "$DPID"
po_stop_timed "$DPID"
po_check "playoutd stopped cleanly on SIGTERM" test $? -eq 0
sed 's/^/# sheet: /' "$T/cuesheet.txt" 2>/dev/null
bytes=$(stat -c %s "$T/out.mp3" 2>/dev/null || echo none)
po_check "the cue sheet has one line: start, pid, the bytes the file output got ($bytes), title" \
	grep -qx "2026-03-29T00:59:00Z alpha $bytes \"Alpha Show\"" "$T/cuesheet.txt"
po_check "and that was the whole programme" cmp -s "$T/out.mp3" "$T/drop/20260329_0059_alpha.mp3"
grep -i 'cuesheet\|error' "$T/playoutd.log" | head -n 10 | sed 's/^/# log: /'
po_result sdk
