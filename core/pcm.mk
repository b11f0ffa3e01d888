# Re-encoding outputs: the PCM path of the player (decode, shape, encode),
# with libsoxr and the encoders (enc.mk), in pcm.so (pkglibdir), which the
# core opens when the first output group with a re-encoding format starts
# (core/pcm_api.c): a passthrough daemon maps none of it. Only the table is
# exported; outfmt.c is built into both sides.
PCM_PATH_SOURCES = core/pcm_decode.c core/pcm_decode.h core/pcm_source.c core/pcm_source.h \
	core/pcm_tap.c core/pcm_tap.h core/pcm_shape.c core/pcm_shape.h \
	core/player_pcm.c core/player_pcm.h $(ENC_SOURCES)
PCM_PATH_CFLAGS = $(SOXR_CFLAGS) $(MPG123_CFLAGS) $(VORBISENC_CFLAGS) $(OPUSENC_CFLAGS)
PCM_PATH_LIBS = $(SOXR_LIBS) $(MPG123_LIBS) $(VORBISENC_LIBS) $(OPUSENC_LIBS) $(LAME_LIBS)
libpocore_la_SOURCES += core/pcm_api.c core/pcm_module.h
pkglib_LTLIBRARIES += core/pcm.la
core_pcm_la_SOURCES = core/pcm_module.c core/pcm_module.h core/outfmt.c core/outfmt.h \
	$(PCM_PATH_SOURCES)
core_pcm_la_CFLAGS = $(AM_CFLAGS) $(PCM_PATH_CFLAGS)
core_pcm_la_LIBADD = util/libpoutil.la $(PCM_PATH_LIBS) $(LIBCONFIG_LIBS) -lpthread -lm
core_pcm_la_LDFLAGS = -module -avoid-version -shared \
	-export-symbols-regex '^po_pcm_module$$' $(SAN_LDFLAGS)

# the PCM path's test links it directly, not through the module
check_PROGRAMS += tests/unit/test_pcm
TESTS += tests/unit/test_pcm
tests_unit_test_pcm_SOURCES = tests/unit/test_pcm.c $(PCM_PATH_SOURCES)
tests_unit_test_pcm_LDADD = $(UNIT_LDADD) $(PCM_PATH_LIBS) -lm
tests_unit_test_pcm_CFLAGS = $(UNIT_CFLAGS) $(PCM_PATH_CFLAGS)

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
tests_unit_test_pcm_tap_SOURCES = tests/unit/test_pcm_tap.c $(PCM_PATH_SOURCES)
tests_unit_test_pcm_tap_LDADD = $(UNIT_LDADD) $(PCM_PATH_LIBS) -lm
tests_unit_test_pcm_tap_CFLAGS = $(UNIT_CFLAGS) $(PCM_PATH_CFLAGS)
