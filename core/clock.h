/*
 * The daemon's clock: UTC wall time, optionally shifted so that it starts at
 * a pretend instant (--pretend-now) and then moves at real speed. Sleeping
 * is always to an absolute deadline on this clock (clock_nanosleep
 * TIMER_ABSTIME on CLOCK_REALTIME), so waits never accumulate drift.
 */
#ifndef PO_CLOCK_H
#define PO_CLOCK_H

#include <stdint.h>

struct po_clock {
	int64_t offset_ns; /* added to CLOCK_REALTIME; 0 for the real clock */
};

/* pretend_ms: the UTC instant "now" should be; 0 for the real clock. */
void po_clock_init(struct po_clock *c, int64_t pretend_ms);
int64_t po_clock_now_ns(const struct po_clock *c);
int64_t po_clock_now_ms(const struct po_clock *c);
/* Sleep until the clock reads deadline_ns; restarts after signals. Returns
 * at once when the deadline has passed. Thread-safe. */
void po_clock_sleep_until_ns(const struct po_clock *c, int64_t deadline_ns);

#endif
