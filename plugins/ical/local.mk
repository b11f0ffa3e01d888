# the ical plugin and its tests (the unit test compiles the plugin in and
# talks HTTP to tests/fakes/ical_server.py; the script drives playoutctl)
plugin_LTLIBRARIES += plugins/ical/ical.la
ICAL_PARTS = plugins/ical/ical_expand.c plugins/ical/ical_expand.h plugins/ical/ical_feed.c \
	plugins/ical/ical_feed.h plugins/ical/ical_tz.c plugins/ical/ical_tz.h
plugins_ical_ical_la_SOURCES = plugins/ical/ical.c $(ICAL_PARTS)
plugins_ical_ical_la_CFLAGS = $(AM_CFLAGS) $(LIBICAL_CFLAGS)
plugins_ical_ical_la_LIBADD = util/libpoutil.la $(LIBICAL_LIBS)
plugins_ical_ical_la_LDFLAGS = $(PLUGIN_LDFLAGS)

check_PROGRAMS += plugins/ical/tests/test_ical
TESTS += plugins/ical/tests/test_ical plugins/ical/tests/test_ical_e2e.sh
plugins_ical_tests_test_ical_SOURCES = plugins/ical/tests/test_ical.c plugins/ical/ical.c \
	$(ICAL_PARTS)
plugins_ical_tests_test_ical_CPPFLAGS = $(AM_CPPFLAGS) \
	-DPO_FIXTURES=\"$(abs_top_srcdir)/tests/fixtures\" \
	-DPO_ICAL_SERVER=\"$(abs_top_srcdir)/tests/fakes/ical_server.py\"
plugins_ical_tests_test_ical_CFLAGS = $(UNIT_CFLAGS) $(LIBICAL_CFLAGS)
plugins_ical_tests_test_ical_LDADD = $(UNIT_LDADD) $(LIBICAL_LIBS)
EXTRA_DIST += plugins/ical/tests/test_ical_e2e.sh
