# The read-only status server (doc/design.md §9): the pages and documents
# in the core, libmicrohttpd in its own module httpd.so (pkglibdir), which
# playoutd opens only when the config has an "http" group.
libpocore_la_SOURCES += core/report.c core/report.h core/listen_addr.c core/listen_addr.h
libpocore_la_SOURCES += core/redact.c core/redact.h core/html.c core/html.h \
	core/metrics.c core/metrics.h core/status_page.c core/status_page.h \
	core/httpd.c core/httpd.h core/httpd_module.h core/history_page.c core/history_page.h

# the module: libmicrohttpd only (its TLS library and the rest stay out of
# playoutd and playoutctl unless http is configured)
pkglib_LTLIBRARIES += core/httpd.la
core_httpd_la_SOURCES = core/httpd_mhd.c core/httpd_module.h
core_httpd_la_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS)
core_httpd_la_LIBADD = $(MHD_LIBS)
core_httpd_la_LDFLAGS = -module -avoid-version -shared \
	-export-symbols-regex '^po_httpd_module$$' $(SAN_LDFLAGS)

# unit tests: the Prometheus text, HTML escaping and the page, the
# request rules (method, token, paths), http.listen and the config rules
HTTPD_UNIT_TESTS = tests/unit/test_metrics tests/unit/test_status_page tests/unit/test_httpd \
	tests/unit/test_history_page
check_PROGRAMS += $(HTTPD_UNIT_TESTS)
TESTS += $(HTTPD_UNIT_TESTS)
tests_unit_test_metrics_LDADD = $(UNIT_LDADD)
tests_unit_test_metrics_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_status_page_LDADD = $(UNIT_LDADD)
tests_unit_test_status_page_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_httpd_LDADD = $(UNIT_LDADD)
tests_unit_test_httpd_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_history_page_LDADD = $(UNIT_LDADD)
tests_unit_test_history_page_CFLAGS = $(UNIT_CFLAGS)

# the daemon serving a real rundown, checked by a strict Prometheus parser
# and a headless Chromium (tests/tools/promparse.py, tests/tools/dom.py)
TESTS += tests/integration/test_httpd.sh tests/integration/test_history_page.sh
EXTRA_DIST += tests/tools/promparse.py tests/tools/dom.py
