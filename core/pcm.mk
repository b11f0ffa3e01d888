# Re-encoding outputs: the PCM path of the player (decode, shape, encode).
libpocore_la_SOURCES += core/pcm_decode.c core/pcm_decode.h core/pcm_source.c core/pcm_source.h \
	core/pcm_tap.c core/pcm_tap.h core/pcm_shape.c core/pcm_shape.h \
	core/player_pcm.c core/player_pcm.h
libpocore_la_CFLAGS += $(SOXR_CFLAGS)
libpocore_la_LIBADD += $(SOXR_LIBS)

check_PROGRAMS += tests/unit/test_pcm
TESTS += tests/unit/test_pcm
tests_unit_test_pcm_LDADD = $(UNIT_LDADD) -lm
tests_unit_test_pcm_CFLAGS = $(UNIT_CFLAGS)

# End to end through icecast2, one script per format (test_pcm_onair.sh);
TESTS += tests/integration/test_pcm_vorbis.sh tests/integration/test_pcm_opus.sh \
	tests/integration/test_pcm_mp3.sh tests/integration/test_pcm_shared.sh

# An output plugin built for contract 2.1, which test_pcm expects the core
# to refuse a re-encoding format for (TEST_MODULE_LDFLAGS: tests/unit/loader.mk).
check_LTLIBRARIES += tests/unit/modules/tout21.la
tests_unit_modules_tout21_la_SOURCES = tests/unit/modules/tout21.c
tests_unit_modules_tout21_la_LDFLAGS = $(TEST_MODULE_LDFLAGS)

# The shared decode of an item (pcm_tap.c).
check_PROGRAMS += tests/unit/test_pcm_tap
TESTS += tests/unit/test_pcm_tap
tests_unit_test_pcm_tap_LDADD = $(UNIT_LDADD)
tests_unit_test_pcm_tap_CFLAGS = $(UNIT_CFLAGS)
