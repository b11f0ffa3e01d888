# the route53 plugin and its tests (the unit test compiles route53.c in)
plugin_LTLIBRARIES += plugins/route53/route53.la
plugins_route53_route53_la_SOURCES = plugins/route53/route53.c
plugins_route53_route53_la_CFLAGS = $(AM_CFLAGS) $(LIBXML_CFLAGS)
plugins_route53_route53_la_LIBADD = $(LIBXML_LIBS)
plugins_route53_route53_la_LDFLAGS = $(PLUGIN_LDFLAGS)

check_PROGRAMS += plugins/route53/tests/test_route53
TESTS += plugins/route53/tests/test_route53
plugins_route53_tests_test_route53_SOURCES = plugins/route53/tests/test_route53.c \
	plugins/route53/route53.c
plugins_route53_tests_test_route53_CFLAGS = $(UNIT_CFLAGS) \
	-DR53_FAKE=\"$(abs_top_srcdir)/tests/fakes/route53_fake.py\"
plugins_route53_tests_test_route53_LDADD = $(UNIT_LDADD) $(CURL_LIBS) $(LIBXML_LIBS)

# EC2 end to end (doc/design.md §10): calendar, bucket, SSM, instance role, Route53, Icecast
TESTS += tests/integration/test_ec2.sh
