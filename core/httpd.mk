# The read-only status server (doc/design.md §9): the pages and documents
# in the core, libmicrohttpd in its own module httpd.so (pkglibdir), which
# playoutd opens only when the config has an "http" group.
libpocore_la_SOURCES += core/report.c core/report.h core/listen_addr.c core/listen_addr.h
