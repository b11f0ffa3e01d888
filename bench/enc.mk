# bench/enc: CPU seconds per minute of audio of each re-encoding codec
# (built on demand: make bench/enc; run ./bench/enc [N])
EXTRA_PROGRAMS += bench/enc
bench_enc_SOURCES = bench/enc.c $(ENC_SOURCES)
bench_enc_CFLAGS = $(AM_CFLAGS) $(VORBISENC_CFLAGS) $(OPUSENC_CFLAGS)
bench_enc_LDADD = libpocore.la $(VORBISENC_LIBS) $(OPUSENC_LIBS) $(LAME_LIBS) -lm
