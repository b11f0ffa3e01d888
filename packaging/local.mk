# Debian packages (packaging/debian, tools/build-deb.sh), the systemd units
# (packaging/systemd) and the out-of-tree plugin example (examples/plugin).
#
# test_deb builds the packages from the source tree, not from this build
# folder, so it runs once per ./run-tests: in the plain build only.
if !SANITIZERS
TESTS += tests/integration/test_deb.sh
endif
TESTS += tests/integration/test_units.sh tests/integration/test_sdk.sh
EXTRA_DIST += examples
