# the route53 plugin and its tests
plugin_LTLIBRARIES += plugins/route53/route53.la
plugins_route53_route53_la_SOURCES = plugins/route53/route53.c
plugins_route53_route53_la_LDFLAGS = $(PLUGIN_LDFLAGS)
