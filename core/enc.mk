# The encoders of re-encoding outputs (enc.h: Vorbis, Opus, MP3), their
# test, which decodes what they make (the bench: bench/enc.mk).
libpocore_la_SOURCES += core/enc.c core/enc.h core/enc_codec.h \
	core/enc_vorbis.c core/enc_opus.c core/enc_mp3.c
libpocore_la_CFLAGS += $(VORBISENC_CFLAGS) $(OPUSENC_CFLAGS)
libpocore_la_LIBADD += $(VORBISENC_LIBS) $(OPUSENC_LIBS) $(LAME_LIBS)

check_PROGRAMS += tests/unit/test_enc
TESTS += tests/unit/test_enc
tests_unit_test_enc_LDADD = $(UNIT_LDADD) $(VORBISFILE_LIBS) $(OPUSFILE_LIBS) $(MPG123_LIBS) -lm
tests_unit_test_enc_CFLAGS = $(UNIT_CFLAGS) $(VORBISFILE_CFLAGS) $(OPUSFILE_CFLAGS)
