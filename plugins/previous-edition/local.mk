# the previous-edition plugin and its tests
plugin_LTLIBRARIES += plugins/previous-edition/previous-edition.la
plugins_previous_edition_previous_edition_la_SOURCES = plugins/previous-edition/previous-edition.c
plugins_previous_edition_previous_edition_la_LDFLAGS = $(PLUGIN_LDFLAGS)
