# Sourced by ./demo and ./run-tests: install what playout needs from Debian.
# One list, so the demo, the tests and CI can never disagree.
PO_DEB_PACKAGES="gcc make autoconf automake libtool libltdl-dev pkg-config
  libconfig-dev libsqlite3-dev libmpg123-dev libcunit1-dev
  libcurl4-openssl-dev libjson-c-dev libxml2-dev libssl-dev libebur128-dev libical-dev libsoxr-dev
  libvorbis-dev libogg-dev libopusenc-dev libopus-dev libmp3lame-dev libopusfile-dev
  icecast2 lame mpg123 ffmpeg sqlite3 python3 python3-aiosmtpd ca-certificates procps iproute2
  clang libfuzzer-14-dev libclang-rt-14-dev nodejs
  libmicrohttpd-dev chromium chromium-driver"
# the Debian packages (tools/build-deb.sh, test_deb.sh), the manual pages
# (mandoc -Tlint) and the systemd units (systemd-analyze)
PO_DEB_PACKAGES="$PO_DEB_PACKAGES dpkg-dev debhelper fakeroot lintian mandoc systemd"

po_install_deps() {
	local missing=""
	for p in $PO_DEB_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "installing from Debian:$missing"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
}

# Configure and build in $1 (a folder under build/) with extra configure flags.
po_build() {
	local dir=$1
	shift
	local top
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	if [ ! -x "$top/configure" ] || [ "$top/configure.ac" -nt "$top/configure" ]; then
		(cd "$top" && autoreconf -fi)
	fi
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ]; then
		(cd "$dir" && "$top/configure" -q "$@")
	fi
	make -C "$dir" -j"$(nproc)" -s
}

# Only for bench/onair.sh (not the tests, not CI): the tools playout is
# measured against.
PO_BENCH_DEB_PACKAGES="liquidsoap ezstream"

po_install_bench_deps() {
	local saved=$PO_DEB_PACKAGES
	PO_DEB_PACKAGES=$PO_BENCH_DEB_PACKAGES
	po_install_deps
	local rc=$?
	PO_DEB_PACKAGES=$saved
	return $rc
}
