# bench/enc: CPU seconds per minute of audio of each re-encoding codec
# (built on demand: make bench/enc; run ./bench/enc [N])
EXTRA_PROGRAMS += bench/enc
bench_enc_SOURCES = bench/enc.c
bench_enc_LDADD = libpocore.la -lm
