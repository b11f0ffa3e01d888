# the icecast output plugin (libshout); tested end to end by tests/integration
plugin_LTLIBRARIES += plugins/icecast/icecast.la
plugins_icecast_icecast_la_SOURCES = plugins/icecast/icecast.c \
	plugins/icecast/title.c plugins/icecast/title.h \
	plugins/icecast/title_http.c plugins/icecast/title_http.h \
	plugins/icecast/sock.c plugins/icecast/sock.h
plugins_icecast_icecast_la_CFLAGS = $(AM_CFLAGS) $(SHOUT_CFLAGS)
plugins_icecast_icecast_la_LIBADD = util/libpoutil.la $(SHOUT_LIBS) $(LIBCONFIG_LIBS) -lpthread
plugins_icecast_icecast_la_LDFLAGS = $(PLUGIN_LDFLAGS)
