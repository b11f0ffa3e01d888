# The test runner's own pieces: PO_EXPECT_* (expect.c) in the test library,
# and test_runner, which checks that a failing expectation is counted and
# prints both values and that a skipped test is not counted as passed.
tests_unit_libpotest_la_SOURCES += tests/unit/expect.c
check_PROGRAMS += tests/unit/test_runner
TESTS += tests/unit/test_runner
tests_unit_test_runner_LDADD = $(UNIT_LDADD) -lm
tests_unit_test_runner_CFLAGS = $(UNIT_CFLAGS)

# The simulated clock (simclock.c) for tests of code that sleeps to deadlines.
tests_unit_libpotest_la_SOURCES += tests/unit/simclock.c tests/unit/simclock.h
check_PROGRAMS += tests/unit/test_simclock
TESTS += tests/unit/test_simclock
tests_unit_test_simclock_LDADD = $(UNIT_LDADD)
tests_unit_test_simclock_CFLAGS = $(UNIT_CFLAGS)
