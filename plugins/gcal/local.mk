# the gcal plugin and its tests
plugin_LTLIBRARIES += plugins/gcal/gcal.la
plugins_gcal_gcal_la_SOURCES = plugins/gcal/gcal.c
plugins_gcal_gcal_la_LDFLAGS = $(PLUGIN_LDFLAGS)
