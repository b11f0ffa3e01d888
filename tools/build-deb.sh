#!/usr/bin/env bash
# Build the Debian packages (playout, playout-cloud, playout-dev) from this
# tree: copy the tree to a scratch folder, lay packaging/debian out there as
# ./debian, run dpkg-buildpackage -us -uc -b, and move the .deb, .changes
# and .buildinfo files into OUTDIR. The tree itself is left untouched.
#
#   tools/build-deb.sh OUTDIR [dpkg-buildpackage options]
#
# A git checkout contributes its tracked and untracked-but-not-ignored files
# (no build folders); a release tarball contributes everything but build
# folders. Needs dpkg-dev, debhelper and the Build-Depends of
# packaging/debian/control (tools/deps.sh installs them).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [dpkg-buildpackage options]" >&2; exit 2; }
out=$(mkdir -p "$1" && cd "$1" && pwd)
shift
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/playout-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/playout"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$work/playout"
else
	tar -C "$top" --exclude=./build --exclude='./build-*' --exclude=./_build \
		--exclude=./debian --exclude=./autom4te.cache -cf - . | tar -xf - -C "$work/playout"
fi
rm -rf "$work/playout/debian"
cp -r "$top/packaging/debian" "$work/playout/debian"
(cd "$work/playout" && dpkg-buildpackage -us -uc -b "$@")
mv "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out"/
