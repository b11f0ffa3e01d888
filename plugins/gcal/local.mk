# the gcal plugin and its tests (the unit test compiles gcal.c in and talks
# HTTP to tests/fakes/google_fake.py; the script drives playoutctl)
plugin_LTLIBRARIES += plugins/gcal/gcal.la
GCAL_PARTS = plugins/gcal/gcal_event.c plugins/gcal/gcal_event.h plugins/gcal/gcal_json.c \
	plugins/gcal/gcal_json.h
plugins_gcal_gcal_la_SOURCES = plugins/gcal/gcal.c $(GCAL_PARTS)
plugins_gcal_gcal_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(OPENSSL_CFLAGS)
plugins_gcal_gcal_la_LIBADD = util/libpoutil.la $(JSONC_LIBS) $(OPENSSL_LIBS)
plugins_gcal_gcal_la_LDFLAGS = $(PLUGIN_LDFLAGS)

check_PROGRAMS += plugins/gcal/tests/test_gcal
TESTS += plugins/gcal/tests/test_gcal plugins/gcal/tests/test_gcal_auth.sh
plugins_gcal_tests_test_gcal_SOURCES = plugins/gcal/tests/test_gcal.c plugins/gcal/gcal.c $(GCAL_PARTS)
plugins_gcal_tests_test_gcal_CPPFLAGS = $(AM_CPPFLAGS) \
	-DPO_GOOGLE_FAKE=\"$(abs_top_srcdir)/tests/fakes/google_fake.py\"
plugins_gcal_tests_test_gcal_CFLAGS = $(UNIT_CFLAGS)
plugins_gcal_tests_test_gcal_LDADD = $(UNIT_LDADD) $(JSONC_LIBS) $(OPENSSL_LIBS)
EXTRA_DIST += plugins/gcal/tests/test_gcal_auth.sh
