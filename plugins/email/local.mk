# the email notify plugin: alarms as plain-text mail over SMTP (libcurl)
plugin_LTLIBRARIES += plugins/email/email.la
plugins_email_email_la_SOURCES = plugins/email/email.c
plugins_email_email_la_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS)
plugins_email_email_la_LIBADD = util/libpoutil.la $(LIBCONFIG_LIBS) $(CURL_LIBS)
plugins_email_email_la_LDFLAGS = $(PLUGIN_LDFLAGS)
