# What went on air, as it happened: the play reports written to the state
# (playrec.c) and their tests.
libpocore_la_SOURCES += core/playrec.c core/playrec.h

check_PROGRAMS += tests/unit/test_playrec
TESTS += tests/unit/test_playrec
tests_unit_test_playrec_LDADD = $(UNIT_LDADD)
tests_unit_test_playrec_CFLAGS = $(UNIT_CFLAGS)

TESTS += tests/integration/test_history.sh tests/integration/test_history_icecast.sh
