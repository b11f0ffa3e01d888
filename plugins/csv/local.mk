# the csv plugin and its tests (the test compiles csv.c in: nothing is dlopened)
plugin_LTLIBRARIES += plugins/csv/csv.la
plugins_csv_csv_la_SOURCES = plugins/csv/csv.c plugins/csv/csv_parse.c plugins/csv/csv_parse.h
plugins_csv_csv_la_LIBADD = util/libpoutil.la
plugins_csv_csv_la_LDFLAGS = $(PLUGIN_LDFLAGS)

check_PROGRAMS += plugins/csv/tests/test_csv
TESTS += plugins/csv/tests/test_csv
plugins_csv_tests_test_csv_SOURCES = plugins/csv/tests/test_csv.c plugins/csv/csv.c \
	plugins/csv/csv_parse.c plugins/csv/csv_parse.h
plugins_csv_tests_test_csv_CPPFLAGS = $(AM_CPPFLAGS) -DPO_FIXTURES=\"$(abs_top_srcdir)/tests/fixtures\"
plugins_csv_tests_test_csv_CFLAGS = $(UNIT_CFLAGS)
plugins_csv_tests_test_csv_LDADD = $(UNIT_LDADD)
