# Loudness normalisation: the gain (loudness.c), shared by re-encoding
# outputs and MP3 passthrough, and its tests.
libpocore_la_SOURCES += core/loudness.c core/loudness.h

check_PROGRAMS += tests/unit/test_loudness
TESTS += tests/unit/test_loudness
tests_unit_test_loudness_LDADD = $(UNIT_LDADD)
tests_unit_test_loudness_CFLAGS = $(UNIT_CFLAGS)

# MP3 passthrough: global_gain moved in the side information (mp3gain.c)
libpocore_la_SOURCES += core/mp3gain.c core/mp3gain.h

check_PROGRAMS += tests/unit/test_mp3gain
TESTS += tests/unit/test_mp3gain
tests_unit_test_mp3gain_LDADD = $(UNIT_LDADD)
tests_unit_test_mp3gain_CFLAGS = $(UNIT_CFLAGS)
