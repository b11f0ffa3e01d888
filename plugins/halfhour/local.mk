# the halfhour plugin and its tests (the test compiles the plugin in)
plugin_LTLIBRARIES += plugins/halfhour/halfhour.la
plugins_halfhour_halfhour_la_SOURCES = plugins/halfhour/halfhour.c
plugins_halfhour_halfhour_la_LIBADD = util/libpoutil.la $(LIBCONFIG_LIBS)
plugins_halfhour_halfhour_la_LDFLAGS = $(PLUGIN_LDFLAGS)

check_PROGRAMS += plugins/halfhour/tests/test_halfhour
TESTS += plugins/halfhour/tests/test_halfhour tests/integration/test_join.sh
plugins_halfhour_tests_test_halfhour_SOURCES = plugins/halfhour/tests/test_halfhour.c \
	plugins/halfhour/halfhour.c
plugins_halfhour_tests_test_halfhour_CFLAGS = $(UNIT_CFLAGS)
plugins_halfhour_tests_test_halfhour_LDADD = $(UNIT_LDADD)
