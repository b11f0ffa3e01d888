# integration tests against real servers (icecast2 on loopback) and their tools
check_PROGRAMS += tests/tools/run_output
tests_tools_run_output_SOURCES = tests/tools/run_output.c tests/unit/plugin_conf.c
tests_tools_run_output_LDADD = libpocore.la $(LTDL_LIBS) $(LIBCONFIG_LIBS)

TESTS += tests/integration/test_icecast.sh tests/integration/test_onair.sh \
	tests/integration/test_reload.sh tests/integration/test_many_outputs.sh \
	tests/integration/test_sdnotify.sh tests/integration/test_footprint.sh
# the fault suite: each case a station met, each must leave no programme lost
TESTS += tests/integration/test_fault_late.sh tests/integration/test_fault_boot.sh \
	tests/integration/test_fault_unmount.sh tests/integration/test_fault_rehearsal.sh \
	tests/integration/test_fault_fifo.sh tests/integration/test_fault_icecast.sh \
	tests/integration/test_fault_junk.sh tests/integration/test_fault_damaged.sh
# loudness on the re-encoding outputs, measured at a listener
TESTS += tests/integration/test_loudness_pcm.sh
