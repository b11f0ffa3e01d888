# the ical feed parser and recurrence expansion under libFuzzer, as the
# targets in fuzz/local.mk (included after it: EXTRA_PROGRAMS is set there)
EXTRA_DIST += fuzz/fuzz_ical.c fuzz/ical.dict
if FUZZING
EXTRA_PROGRAMS += fuzz/fuzz_ical
fuzz_fuzz_ical_SOURCES = fuzz/fuzz_ical.c fuzz/fuzz_host.c plugins/ical/ical_feed.c \
	plugins/ical/ical_expand.c plugins/ical/ical_tz.c $(UTIL_SRCS)
fuzz_fuzz_ical_CFLAGS = $(FUZZER_CFLAGS) $(LIBICAL_CFLAGS)
fuzz_fuzz_ical_LDFLAGS = $(FUZZER_LINK)
fuzz_fuzz_ical_LDADD = libpocore.la $(LIBICAL_LIBS)
FUZZ_SECONDS_ical = 20
fuzz-smoke: fuzz-smoke-ical
fuzz-smoke-ical: fuzz/fuzz_ical
	$(FUZZ_SMOKE) ical $(FUZZ_SECONDS_ical) 65536 $(srcdir)/tests/fixtures/ical
endif
.PHONY: fuzz-smoke-ical
