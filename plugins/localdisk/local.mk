# the localdisk plugin and its tests (the test compiles localdisk.c in)
plugin_LTLIBRARIES += plugins/localdisk/localdisk.la
plugins_localdisk_localdisk_la_SOURCES = plugins/localdisk/localdisk.c
plugins_localdisk_localdisk_la_LIBADD = util/libpoutil.la
plugins_localdisk_localdisk_la_LDFLAGS = $(PLUGIN_LDFLAGS)

check_PROGRAMS += plugins/localdisk/tests/test_localdisk
TESTS += plugins/localdisk/tests/test_localdisk
plugins_localdisk_tests_test_localdisk_SOURCES = plugins/localdisk/tests/test_localdisk.c \
	plugins/localdisk/localdisk.c
plugins_localdisk_tests_test_localdisk_CFLAGS = $(UNIT_CFLAGS)
plugins_localdisk_tests_test_localdisk_LDADD = $(UNIT_LDADD)
