# the previous-edition plugin and its tests (the test compiles the plugin in)
plugin_LTLIBRARIES += plugins/previous-edition/previous-edition.la
plugins_previous_edition_previous_edition_la_SOURCES = plugins/previous-edition/previous-edition.c
plugins_previous_edition_previous_edition_la_LIBADD = $(LIBCONFIG_LIBS)
plugins_previous_edition_previous_edition_la_LDFLAGS = $(PLUGIN_LDFLAGS)

check_PROGRAMS += plugins/previous-edition/tests/test_previous_edition
TESTS += plugins/previous-edition/tests/test_previous_edition
plugins_previous_edition_tests_test_previous_edition_SOURCES = \
	plugins/previous-edition/tests/test_previous_edition.c \
	plugins/previous-edition/previous-edition.c
plugins_previous_edition_tests_test_previous_edition_CFLAGS = $(UNIT_CFLAGS)
plugins_previous_edition_tests_test_previous_edition_LDADD = $(UNIT_LDADD)
