# the icecast output plugin, with a source client of its own; tested end to
# end by tests/integration
plugin_LTLIBRARIES += plugins/icecast/icecast.la
plugins_icecast_icecast_la_SOURCES = plugins/icecast/icecast.c \
	plugins/icecast/source.c plugins/icecast/source.h \
	plugins/icecast/conn.c plugins/icecast/conn.h \
	plugins/icecast/tls.c plugins/icecast/tls.h plugins/icecast/tls_api.h \
	plugins/icecast/title.c plugins/icecast/title.h \
	plugins/icecast/title_http.c plugins/icecast/title_http.h
# where tls.c looks for the TLS helper once installed
plugins_icecast_icecast_la_CPPFLAGS = $(AM_CPPFLAGS) -DPO_ICECAST_TLS_DIR=\"$(pkglibdir)\"
plugins_icecast_icecast_la_LIBADD = util/libpoutil.la $(LIBCONFIG_LIBS) -lpthread
plugins_icecast_icecast_la_LDFLAGS = $(PLUGIN_LDFLAGS)

# its TLS helper: OpenSSL, opened by the plugin only for a tls setting other
# than "disabled" (plugins/icecast/tls.c); in pkglibdir beside net.so, not
# among the plugins
pkglib_LTLIBRARIES += plugins/icecast/icecast_tls.la
plugins_icecast_icecast_tls_la_SOURCES = plugins/icecast/tls_openssl.c \
	plugins/icecast/tls_api.h
plugins_icecast_icecast_tls_la_CFLAGS = $(AM_CFLAGS) $(LIBSSL_CFLAGS) $(OPENSSL_CFLAGS)
plugins_icecast_icecast_tls_la_LIBADD = $(LIBSSL_LIBS) $(OPENSSL_LIBS) -lpthread
plugins_icecast_icecast_tls_la_LDFLAGS = -module -avoid-version -shared \
	-export-symbols-regex '^icecast_tls_module$$' $(SAN_LDFLAGS)

# TLS, the ICY login and a held mount against a real icecast2
TESTS += tests/integration/test_icecast_tls.sh
