# The network module (doc/design.md §2): http.c, aws.c and gcal-auth's OAuth
# with libcurl, OpenSSL and json-c, in net.so (pkglibdir), which the core
# opens on the first call that needs the network (core/net_load.c). Only the
# table is exported; secret.c and http_header.c are built into both sides.
pkglib_LTLIBRARIES = core/net.la
core_net_la_SOURCES = core/net_module.c core/net_module.h \
	core/http.c core/http.h core/http_header.c \
	core/aws.c core/aws.h core/net_gcal.c core/net_gcal.h \
	core/secret.c core/secret.h
core_net_la_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS) $(OPENSSL_CFLAGS)
core_net_la_LIBADD = util/libpoutil.la $(CURL_LIBS) $(JSONC_LIBS) $(OPENSSL_LIBS) -lpthread
core_net_la_LDFLAGS = -module -avoid-version -shared \
	-export-symbols-regex '^po_net_module$$' $(SAN_LDFLAGS)

# where core/net_load.c looks for it: installed, or beside a program run
# from this build tree
libpocore_la_CPPFLAGS = $(AM_CPPFLAGS) -DPO_NET_MODULE_DIR=\"$(pkglibdir)\" \
	-DPO_BUILD_DIR=\"$(abs_top_builddir)\"

# which commands load it (LD_DEBUG=files), and a missing module as an outage
TESTS += tests/integration/test_netload.sh

# the core's side without and with the module (order matters: one process)
check_PROGRAMS += tests/unit/test_net_api
TESTS += tests/unit/test_net_api
tests_unit_test_net_api_SOURCES = tests/unit/test_net_api.c
tests_unit_test_net_api_LDADD = $(UNIT_LDADD)
tests_unit_test_net_api_CFLAGS = $(UNIT_CFLAGS)
