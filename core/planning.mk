# The planning round's stages (doc/design.md §4): gather.c, media.c,
# media_scan.c, rundown.c, provision.c, snapshot.c, refresh.c. Files listed
# in Makefile.am stay there; the stages added later are listed here.
libpocore_la_SOURCES += \
	core/media.c core/media.h \
	core/media_scan.c core/media_scan.h \
	core/provision.c core/provision.h \
	core/snapshot.h

check_PROGRAMS += tests/unit/test_media
TESTS += tests/unit/test_media
tests_unit_test_media_LDADD = $(UNIT_LDADD)
tests_unit_test_media_CFLAGS = $(UNIT_CFLAGS)

check_PROGRAMS += tests/unit/test_provision
TESTS += tests/unit/test_provision
tests_unit_test_provision_LDADD = $(UNIT_LDADD)
tests_unit_test_provision_CFLAGS = $(UNIT_CFLAGS)
