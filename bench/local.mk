# benchmarks: programs under bench/, run by hand (not tests): make benchmarks
# (not "make bench": a target named like the folder would be built by make dist)
EXTRA_PROGRAMS = bench/index bench/plan
bench_index_SOURCES = bench/index.c
bench_index_LDADD = libpocore.la -lm
bench_index_CFLAGS = $(AM_CFLAGS) $(MPG123_CFLAGS) $(EBUR128_CFLAGS)

bench_plan_SOURCES = bench/plan.c
bench_plan_LDADD = libpocore.la -lm

benchmarks: bench/index bench/plan
	./bench/index
	./bench/plan 100000
	sh $(srcdir)/bench/index_tools.sh

.PHONY: benchmarks

# bench/spawn: start-up time of a program (bench/start.sh runs it)
EXTRA_PROGRAMS += bench/spawn
bench_spawn_SOURCES = bench/spawn.c
