# the halfhour plugin and its tests
plugin_LTLIBRARIES += plugins/halfhour/halfhour.la
plugins_halfhour_halfhour_la_SOURCES = plugins/halfhour/halfhour.c
plugins_halfhour_halfhour_la_LDFLAGS = $(PLUGIN_LDFLAGS)
