# The manual pages (hand-written mdoc) and the test that keeps them honest:
# mandoc -Tlint, and every configuration key documented in playout.conf.5.
dist_man_MANS = doc/man/playoutd.8 doc/man/playoutctl.1 doc/man/playout.conf.5
TESTS += tests/integration/test_man.sh
EXTRA_DIST += tests/man
