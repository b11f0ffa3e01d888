# benchmarks: programs under bench/, run by hand (not tests): make benchmarks
# (not "make bench": a target named like the folder would be built by make dist)
EXTRA_PROGRAMS = bench/index
bench_index_SOURCES = bench/index.c
bench_index_LDADD = libpocore.la -lm
bench_index_CFLAGS = $(AM_CFLAGS) $(MPG123_CFLAGS) $(EBUR128_CFLAGS)

benchmarks: bench/index
	./bench/index
	sh $(srcdir)/bench/index_tools.sh

.PHONY: benchmarks
