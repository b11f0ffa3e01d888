# bench/join: the planner's join timed in process (bench/join.sh runs it)
check_PROGRAMS += bench/join_plan   # built by make check (or make bench/join_plan); not a test
bench_join_plan_SOURCES = bench/join_plan.c
bench_join_plan_LDADD = libpocore.la
