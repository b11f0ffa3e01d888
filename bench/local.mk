# benchmarks: programs under bench/, run by hand (not tests): make bench
EXTRA_PROGRAMS = bench/index
bench_index_SOURCES = bench/index.c
bench_index_LDADD = libpocore.la -lm
bench_index_CFLAGS = $(AM_CFLAGS) $(MPG123_CFLAGS) $(EBUR128_CFLAGS)

bench: bench/index
	./bench/index

.PHONY: bench
