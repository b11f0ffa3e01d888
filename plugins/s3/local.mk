# the s3 plugin and its tests
plugin_LTLIBRARIES += plugins/s3/s3.la
plugins_s3_s3_la_SOURCES = plugins/s3/s3.c
plugins_s3_s3_la_LDFLAGS = $(PLUGIN_LDFLAGS)
