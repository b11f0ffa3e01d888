# the email notify plugin: alarms as plain-text mail over SMTP (libcurl)
plugin_LTLIBRARIES += plugins/email/email.la
plugins_email_email_la_SOURCES = plugins/email/email.c
plugins_email_email_la_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS)
plugins_email_email_la_LIBADD = util/libpoutil.la $(LIBCONFIG_LIBS) $(CURL_LIBS)
plugins_email_email_la_LDFLAGS = $(PLUGIN_LDFLAGS)

check_PROGRAMS += plugins/email/tests/test_email
TESTS += plugins/email/tests/test_email
plugins_email_tests_test_email_SOURCES = plugins/email/tests/test_email.c
plugins_email_tests_test_email_CFLAGS = $(UNIT_CFLAGS)
plugins_email_tests_test_email_LDADD = $(UNIT_LDADD) $(CURL_LIBS)
