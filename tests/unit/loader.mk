# test-only plugin modules for tests/unit/test_loader (owned by the loader work).
# Built by `make check` only; -rpath makes libtool build a shared module that
# is never installed. test_loader finds them in $(PO_BUILDDIR)/tests/unit/modules.
TEST_MODULE_LDFLAGS = -module -avoid-version -shared -rpath /nowhere $(SAN_LDFLAGS)
check_LTLIBRARIES = tests/unit/modules/tgood.la tests/unit/modules/tcontract1.la \
	tests/unit/modules/tnodesc.la tests/unit/modules/tmisname.la \
	tests/unit/modules/tnoops.la tests/unit/modules/tnewminor.la \
	tests/unit/modules/toldminor.la tests/unit/modules/tnowrite.la
tests_unit_modules_tgood_la_SOURCES = tests/unit/modules/tgood.c
tests_unit_modules_tgood_la_LDFLAGS = $(TEST_MODULE_LDFLAGS)
tests_unit_modules_tcontract1_la_SOURCES = tests/unit/modules/tcontract1.c
tests_unit_modules_tcontract1_la_LDFLAGS = $(TEST_MODULE_LDFLAGS)
tests_unit_modules_tnodesc_la_SOURCES = tests/unit/modules/tnodesc.c
tests_unit_modules_tnodesc_la_LDFLAGS = $(TEST_MODULE_LDFLAGS)
tests_unit_modules_tmisname_la_SOURCES = tests/unit/modules/tmisname.c
tests_unit_modules_tmisname_la_LDFLAGS = $(TEST_MODULE_LDFLAGS)
tests_unit_modules_tnoops_la_SOURCES = tests/unit/modules/tnoops.c
tests_unit_modules_tnoops_la_LDFLAGS = $(TEST_MODULE_LDFLAGS)
tests_unit_modules_tnewminor_la_SOURCES = tests/unit/modules/tnewminor.c
tests_unit_modules_tnewminor_la_LDFLAGS = $(TEST_MODULE_LDFLAGS)
tests_unit_modules_toldminor_la_SOURCES = tests/unit/modules/toldminor.c
tests_unit_modules_toldminor_la_LDFLAGS = $(TEST_MODULE_LDFLAGS)
tests_unit_modules_tnowrite_la_SOURCES = tests/unit/modules/tnowrite.c
tests_unit_modules_tnowrite_la_LDFLAGS = $(TEST_MODULE_LDFLAGS)
