# the s3 plugin and its tests: a unit test that compiles s3.c in against a
# fake host with a scripted HTTP service, the cache eviction test, and the
# integration script against s3rver behind a SigV4-checking proxy (tests/s3)
plugin_LTLIBRARIES += plugins/s3/s3.la
plugins_s3_s3_la_SOURCES = plugins/s3/s3.c plugins/s3/s3_list_xml.c plugins/s3/s3_list_xml.h
plugins_s3_s3_la_CFLAGS = $(AM_CFLAGS) $(LIBXML_CFLAGS) $(OPENSSL_CFLAGS)
plugins_s3_s3_la_LIBADD = util/libpoutil.la $(LIBXML_LIBS) $(OPENSSL_LIBS)
plugins_s3_s3_la_LDFLAGS = $(PLUGIN_LDFLAGS)

check_PROGRAMS += plugins/s3/tests/test_s3 plugins/s3/tests/test_cache plugins/s3/tests/run_storage
TESTS += plugins/s3/tests/test_s3 plugins/s3/tests/test_cache plugins/s3/tests/test_s3.sh
plugins_s3_tests_test_s3_SOURCES = plugins/s3/tests/test_s3.c plugins/s3/s3.c \
	plugins/s3/s3_list_xml.c plugins/s3/s3_list_xml.h
plugins_s3_tests_test_s3_CFLAGS = $(UNIT_CFLAGS)
plugins_s3_tests_test_s3_LDADD = $(UNIT_LDADD) $(LIBXML_LIBS) $(OPENSSL_LIBS)
plugins_s3_tests_test_cache_SOURCES = plugins/s3/tests/test_cache.c
plugins_s3_tests_test_cache_CFLAGS = $(UNIT_CFLAGS)
plugins_s3_tests_test_cache_LDADD = $(UNIT_LDADD)
plugins_s3_tests_run_storage_SOURCES = plugins/s3/tests/run_storage.c
plugins_s3_tests_run_storage_LDADD = libpocore.la
EXTRA_DIST += plugins/s3/tests/test_s3.sh tests/s3/package.json tests/s3/package-lock.json \
	tests/s3/sigproxy.py tests/s3/s3put.py
