/*
 * The daemon's clock: UTC wall time, optionally shifted so that it starts at
 * a pretend instant (--pretend-now) and then moves at real speed. Sleeping
 * is always to an absolute deadline on this clock (clock_nanosleep
 * TIMER_ABSTIME on CLOCK_REALTIME), so waits never accumulate drift. A test
 * may replace the three readings (po_clock_set_ops) with a simulated clock.
 */
#ifndef PO_CLOCK_H
#define PO_CLOCK_H

#include <stdint.h>

#include <playout/plugin.h>

/* The instants a pretend clock may start at: 1970-01-01T00:00:00Z up to,
 * not including, 2200-01-01T00:00:00Z. Nanoseconds in an int64_t end in
 * April 2262; stopping decades short leaves every sum the daemon makes
 * (a horizon of days ahead, a rehearsal that runs for years) in range. */
#define PO_CLOCK_MIN_MS INT64_C(0)
#define PO_CLOCK_END_MS INT64_C(7258118400000)

/* What a clock does; the daemon's is the system's (ops NULL). A test puts a
 * simulated one here (tests/unit/simclock.h) so that code which sleeps to
 * deadlines runs on simulated time. arg: the ops' own state. Each op may be
 * called from any thread. */
struct po_clock_ops {
	int64_t (*now_ns)(void *arg);   /* UTC nanoseconds since the epoch */
	int64_t (*mono_ns)(void *arg);  /* nanoseconds, never steps back */
	/* return once now_ns reads deadline_ns or later */
	void (*sleep_until_ns)(void *arg, int64_t deadline_ns);
	/* return once mono_ns reads deadline_ns or later */
	void (*sleep_until_mono_ns)(void *arg, int64_t deadline_ns);
};

struct po_clock {
	int64_t offset_ns; /* added to CLOCK_REALTIME; 0 for the real clock */
	const struct po_clock_ops *ops; /* NULL: the system clocks (and offset_ns) */
	void *ops_arg;                  /* borrowed; handed to each op */
};

/* pretend_ms: the UTC instant "now" should be; 0 for the real clock. Both
 * po_clock_init and po_clock_pretend leave the system clocks in place (ops
 * NULL). An
 * instant outside [PO_CLOCK_MIN_MS, PO_CLOCK_END_MS) also gives the real
 * clock: check it first with po_clock_pretend. */
void po_clock_init(struct po_clock *c, int64_t pretend_ms);
/* Start c at the UTC instant pretend_ms (1970 itself included). Returns
 * PLAYOUT_OK, or PLAYOUT_EINVAL with err saying the range when the clock
 * cannot represent the instant; c is then the real clock. */
int po_clock_pretend(struct po_clock *c, int64_t pretend_ms, struct playout_error *err);
/* Replace the clock's readings and sleep with ops (borrowed, as is arg,
 * until the clock is no longer used); offset_ns is then not used. For
 * tests; NULL puts the system clocks back. */
void po_clock_set_ops(struct po_clock *c, const struct po_clock_ops *ops, void *arg);
int64_t po_clock_now_ns(const struct po_clock *c);
int64_t po_clock_now_ms(const struct po_clock *c);
/* For measuring intervals: CLOCK_MONOTONIC, which no pretend offset or
 * step of the wall clock moves. */
int64_t po_clock_mono_ns(const struct po_clock *c);
/* Sleep until the clock reads deadline_ns; restarts after signals. Returns
 * at once when the deadline has passed. Any deadline is safe (INT64_MAX:
 * as long as the clock can count). Thread-safe. */
void po_clock_sleep_until_ns(const struct po_clock *c, int64_t deadline_ns);
/* Sleep until po_clock_mono_ns reads deadline_ns: pacing that a step of the
 * wall clock (NTP, an operator) neither hurries nor holds back. */
void po_clock_sleep_until_mono_ns(const struct po_clock *c, int64_t deadline_ns);

#endif
