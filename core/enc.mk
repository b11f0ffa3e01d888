# The encoders of re-encoding outputs (enc.h: Vorbis, Opus, MP3), built into
# pcm.so with the rest of the PCM path (core/pcm.mk); their test, which
# decodes what they make, links them directly (the bench: bench/enc.mk).
ENC_SOURCES = core/enc.c core/enc.h core/enc_codec.h \
	core/enc_vorbis.c core/enc_opus.c core/enc_mp3.c

check_PROGRAMS += tests/unit/test_enc
TESTS += tests/unit/test_enc
tests_unit_test_enc_SOURCES = tests/unit/test_enc.c $(ENC_SOURCES)
tests_unit_test_enc_LDADD = $(UNIT_LDADD) $(VORBISENC_LIBS) $(OPUSENC_LIBS) $(LAME_LIBS) \
	$(VORBISFILE_LIBS) $(OPUSFILE_LIBS) $(MPG123_LIBS) -lm
tests_unit_test_enc_CFLAGS = $(UNIT_CFLAGS) $(VORBISENC_CFLAGS) $(OPUSENC_CFLAGS) \
	$(VORBISFILE_CFLAGS) $(OPUSFILE_CFLAGS)
