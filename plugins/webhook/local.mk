# the webhook notify plugin: alarms as JSON POSTs through the host's HTTP
plugin_LTLIBRARIES += plugins/webhook/webhook.la
plugins_webhook_webhook_la_SOURCES = plugins/webhook/webhook.c
plugins_webhook_webhook_la_LIBADD = util/libpoutil.la $(LIBCONFIG_LIBS)
plugins_webhook_webhook_la_LDFLAGS = $(PLUGIN_LDFLAGS)
