/*
 * tests/unit/simclock.c and the clock ops of core/clock.c: time stands still
 * while a thread taking part runs, jumps to the earliest deadline when all
 * sleep, and a thread that ends no longer holds it back.
 */
#include "runner.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "simclock.h"

#define MS 1000000LL
#define T0 (INT64_C(1774746000000) * MS)

static void test_time_stands_still_until_the_thread_sleeps_then_jumps(void)
{
	struct po_clock c;
	struct po_simclock *s = po_simclock_new(&c, T0);
	CU_ASSERT_FATAL(s != NULL);
	PO_EXPECT_INT(po_clock_now_ns(&c), T0);
	/* real work takes real time; the simulated clock does not move */
	volatile unsigned x = 0;
	for (unsigned i = 0; i < 1000000; i++)
		x += i;
	PO_EXPECT_INT(po_clock_now_ns(&c), T0);
	PO_EXPECT_TIME(po_clock_now_ms(&c), T0 / MS);
	po_clock_sleep_until_ns(&c, T0 + 250 * MS);
	PO_EXPECT_INT(po_clock_now_ns(&c), T0 + 250 * MS);
	PO_EXPECT_INT(po_clock_mono_ns(&c), T0 + 250 * MS);
	PO_EXPECT_INT(po_simclock_jumps(s), 1);
	/* a deadline already passed returns at once, time unchanged */
	po_clock_sleep_until_ns(&c, T0);
	PO_EXPECT_INT(po_clock_now_ns(&c), T0 + 250 * MS);
	PO_EXPECT_INT(po_simclock_jumps(s), 1);
	po_simclock_free(s);
}

struct sleeper {
	struct po_clock *c;
	int64_t deadline;
	int64_t woke; /* the clock when it woke */
	int sleep;    /* 0: end without sleeping */
};

static void *sleeper_main(void *arg)
{
	struct sleeper *z = arg;
	if (z->sleep) {
		po_clock_sleep_until_ns(z->c, z->deadline);
		z->woke = po_clock_now_ns(z->c);
	} else {
		z->woke = po_clock_now_ns(z->c);
	}
	return NULL;
}

static void test_threads_wake_in_deadline_order_at_their_deadlines(void)
{
	struct po_clock c;
	struct po_simclock *s = po_simclock_new(&c, T0);
	CU_ASSERT_FATAL(s != NULL);
	struct sleeper a = { &c, T0 + 100 * MS, 0, 1 }, b = { &c, T0 + 300 * MS, 0, 1 };
	pthread_t ta, tb;
	po_simclock_add_thread(s);
	PO_EXPECT_INT_FATAL(pthread_create(&ta, NULL, sleeper_main, &a), 0);
	po_simclock_add_thread(s);
	PO_EXPECT_INT_FATAL(pthread_create(&tb, NULL, sleeper_main, &b), 0);
	po_clock_sleep_until_ns(&c, T0 + 200 * MS);
	PO_EXPECT_INT(po_clock_now_ns(&c), T0 + 200 * MS);
	/* a woke at its deadline, before this thread; b still sleeps */
	PO_EXPECT_INT(a.woke, T0 + 100 * MS);
	PO_EXPECT_INT(b.woke, 0);
	po_clock_sleep_until_ns(&c, T0 + 400 * MS);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	PO_EXPECT_INT(b.woke, T0 + 300 * MS);
	PO_EXPECT_INT(po_simclock_members(s), 1);
	PO_EXPECT_INT(po_simclock_jumps(s), 4);
	po_simclock_free(s);
}

static void test_a_thread_that_ends_no_longer_holds_time(void)
{
	struct po_clock c;
	struct po_simclock *s = po_simclock_new(&c, T0);
	CU_ASSERT_FATAL(s != NULL);
	struct sleeper z = { &c, 0, 0, 0 };
	pthread_t t;
	po_simclock_add_thread(s);
	PO_EXPECT_INT(po_simclock_members(s), 2);
	PO_EXPECT_INT_FATAL(pthread_create(&t, NULL, sleeper_main, &z), 0);
	pthread_join(t, NULL);
	PO_EXPECT_INT(z.woke, T0);
	PO_EXPECT_INT(po_simclock_members(s), 1);
	po_clock_sleep_until_ns(&c, T0 + MS); /* would wait for ever otherwise */
	PO_EXPECT_INT(po_clock_now_ns(&c), T0 + MS);
	/* announced, then not started after all */
	po_simclock_add_thread(s);
	po_simclock_cancel_thread(s);
	po_clock_sleep_until_ns(&c, T0 + 2 * MS);
	PO_EXPECT_INT(po_clock_now_ns(&c), T0 + 2 * MS);
	po_simclock_free(s);
}

static void test_without_ops_the_clock_is_the_system_one(void)
{
	struct po_clock c;
	struct po_simclock *s = po_simclock_new(&c, T0);
	CU_ASSERT_FATAL(s != NULL);
	po_clock_set_ops(&c, NULL, NULL);
	int64_t sys_ms = (int64_t)time(NULL) * 1000;
	int64_t got = po_clock_now_ms(&c);
	CU_ASSERT(got >= sys_ms - 1000 && got <= sys_ms + 2000);
	po_clock_init(&c, 0);
	CU_ASSERT_PTR_NULL(c.ops);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t mono = po_clock_mono_ns(&c);
	CU_ASSERT(mono >= (int64_t)ts.tv_sec * 1000 * MS && mono < ((int64_t)ts.tv_sec + 2) * 1000 * MS);
	po_simclock_free(s);
}

static void test_a_wall_step_moves_wall_deadlines_not_monotonic_ones(void)
{
	struct po_clock c;
	struct po_simclock *s = po_simclock_new(&c, T0);
	CU_ASSERT_FATAL(s != NULL);
	po_simclock_step_wall(s, 300 * MS);
	PO_EXPECT_INT(po_clock_now_ns(&c), T0 + 300 * MS);
	PO_EXPECT_INT(po_clock_mono_ns(&c), T0);
	/* a wall deadline is reached 300 ms sooner on the monotonic clock */
	po_clock_sleep_until_ns(&c, T0 + 1000 * MS);
	PO_EXPECT_INT(po_clock_mono_ns(&c), T0 + 700 * MS);
	PO_EXPECT_INT(po_clock_now_ns(&c), T0 + 1000 * MS);
	/* a monotonic deadline is where it was */
	po_clock_sleep_until_mono_ns(&c, T0 + 1000 * MS);
	PO_EXPECT_INT(po_clock_mono_ns(&c), T0 + 1000 * MS);
	PO_EXPECT_INT(po_clock_now_ns(&c), T0 + 1300 * MS);
	/* back: a wall deadline now lies further off */
	po_simclock_step_wall(s, -800 * MS);
	PO_EXPECT_INT(po_clock_now_ns(&c), T0 + 500 * MS);
	po_clock_sleep_until_ns(&c, T0 + 1500 * MS);
	PO_EXPECT_INT(po_clock_mono_ns(&c), T0 + 2000 * MS);
	po_simclock_free(s);
}

static const struct po_test tests[] = {
	{ "time_stands_still_until_the_thread_sleeps_then_jumps",
	  test_time_stands_still_until_the_thread_sleeps_then_jumps },
	{ "threads_wake_in_deadline_order_at_their_deadlines",
	  test_threads_wake_in_deadline_order_at_their_deadlines },
	{ "a_thread_that_ends_no_longer_holds_time", test_a_thread_that_ends_no_longer_holds_time },
	{ "without_ops_the_clock_is_the_system_one", test_without_ops_the_clock_is_the_system_one },
	{ "a_wall_step_moves_wall_deadlines_not_monotonic_ones",
	  test_a_wall_step_moves_wall_deadlines_not_monotonic_ones },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "simclock", tests, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_simclock", suites);
}
