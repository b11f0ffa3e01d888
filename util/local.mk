# libplayout-util (include/playout/util.h): the helpers the core and the
# plugins share. Built twice from the same sources:
# - util/libpoutil.la, a PIC libtool convenience library that libpocore and
#   each plugin needing it LIBADD. A plugin exports only playout_plugin
#   (PLUGIN_LDFLAGS), so its copy never interposes on the core's;
# - libplayout-util.a, installed for plugins built out of tree
#   (pkg-config --libs playout-plugin). Static on purpose: a dlopened plugin
#   then carries its copy and has no runtime dependency and no soname to
#   version; the plugin contract stays the only ABI between core and plugin.
UTIL_SRCS = util/buf.c util/text.c util/civil.c util/time.c util/local_time.c util/file.c \
	util/mp3_hdr.c util/desc.c util/url_host.c

noinst_LTLIBRARIES += util/libpoutil.la
util_libpoutil_la_SOURCES = $(UTIL_SRCS)

playoutinclude_HEADERS += include/playout/util.h
lib_LIBRARIES = util/libplayout-util.a
util_libplayout_util_a_SOURCES = $(UTIL_SRCS)
util_libplayout_util_a_CFLAGS = $(AM_CFLAGS) -fPIC

check_PROGRAMS += tests/unit/test_util
TESTS += tests/unit/test_util
tests_unit_test_util_SOURCES = tests/unit/test_util.c
tests_unit_test_util_LDADD = $(UNIT_LDADD)
tests_unit_test_util_CFLAGS = $(UNIT_CFLAGS)
