# the file output plugin: writes exactly the bytes the player sends
plugin_LTLIBRARIES += plugins/file/file.la
plugins_file_file_la_SOURCES = plugins/file/file.c
plugins_file_file_la_LIBADD = util/libpoutil.la $(LIBCONFIG_LIBS)
plugins_file_file_la_LDFLAGS = $(PLUGIN_LDFLAGS)
