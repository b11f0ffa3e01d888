# integration tests against real servers (icecast2 on loopback) and their tools
check_PROGRAMS += tests/tools/run_output
tests_tools_run_output_SOURCES = tests/tools/run_output.c
tests_tools_run_output_LDADD = $(LTDL_LIBS) $(LIBCONFIG_LIBS)

TESTS += tests/integration/test_icecast.sh tests/integration/test_onair.sh \
	tests/integration/test_reload.sh
TESTS += tests/integration/test_fault_junk.sh
TESTS += tests/integration/test_fault_damaged.sh
