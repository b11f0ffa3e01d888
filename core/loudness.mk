# Loudness normalisation: the gain (loudness.c), shared by re-encoding
# outputs and MP3 passthrough, and its tests.
libpocore_la_SOURCES += core/loudness.c core/loudness.h

check_PROGRAMS += tests/unit/test_loudness
TESTS += tests/unit/test_loudness
tests_unit_test_loudness_LDADD = $(UNIT_LDADD)
tests_unit_test_loudness_CFLAGS = $(UNIT_CFLAGS)

# MP3 passthrough: global_gain moved in the side information (mp3gain.c)
libpocore_la_SOURCES += core/mp3gain.c core/mp3gain.h

# the probe: the true peak where it matters (truepeak.c), libebur128 on its
# own thread (probe_meter.c)
libpocore_la_SOURCES += core/truepeak.c core/truepeak.h core/probe_meter.c core/probe_meter.h core/r128.c core/r128.h

check_PROGRAMS += tests/unit/test_mp3gain
TESTS += tests/unit/test_mp3gain
tests_unit_test_mp3gain_LDADD = $(UNIT_LDADD)
tests_unit_test_mp3gain_CFLAGS = $(UNIT_CFLAGS)

check_PROGRAMS += tests/unit/test_truepeak
TESTS += tests/unit/test_truepeak
tests_unit_test_truepeak_LDADD = $(UNIT_LDADD) $(EBUR128_LIBS)
tests_unit_test_truepeak_CFLAGS = $(UNIT_CFLAGS)

TESTS += tests/integration/test_loudness.sh

check_PROGRAMS += tests/unit/test_r128
TESTS += tests/unit/test_r128
tests_unit_test_r128_LDADD = $(UNIT_LDADD) $(EBUR128_LIBS)
tests_unit_test_r128_CFLAGS = $(UNIT_CFLAGS)
