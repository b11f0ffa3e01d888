# bench/join: the planner's join timed in process (bench/join.sh runs it)
EXTRA_PROGRAMS += bench/join_plan   # built on demand: make bench/join_plan (bench/join.sh does)
bench_join_plan_SOURCES = bench/join_plan.c
bench_join_plan_LDADD = libpocore.la
