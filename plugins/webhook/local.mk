# the webhook notify plugin: alarms as JSON POSTs through the host's HTTP
plugin_LTLIBRARIES += plugins/webhook/webhook.la
plugins_webhook_webhook_la_SOURCES = plugins/webhook/webhook.c
plugins_webhook_webhook_la_LIBADD = util/libpoutil.la $(LIBCONFIG_LIBS)
plugins_webhook_webhook_la_LDFLAGS = $(PLUGIN_LDFLAGS)

check_PROGRAMS += plugins/webhook/tests/test_webhook
TESTS += plugins/webhook/tests/test_webhook
plugins_webhook_tests_test_webhook_SOURCES = plugins/webhook/tests/test_webhook.c \
	plugins/webhook/webhook.c
plugins_webhook_tests_test_webhook_CFLAGS = $(UNIT_CFLAGS)
plugins_webhook_tests_test_webhook_LDADD = $(UNIT_LDADD)
