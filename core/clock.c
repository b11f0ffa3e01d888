/*
 * How the daemon reads the time and sleeps to an absolute deadline on a
 * clock that may be shifted to a pretend instant.
 */
#include "clock.h"

#include <errno.h>
#include <stdint.h>
#include <time.h>

#define NS_PER_S 1000000000LL
#define NS_PER_MS 1000000LL

static int64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

int po_clock_pretend(struct po_clock *c, int64_t pretend_ms, struct playout_error *err)
{
	c->offset_ns = 0;
	c->ops = NULL;
	c->ops_arg = NULL;
	if (pretend_ms < PO_CLOCK_MIN_MS || pretend_ms >= PO_CLOCK_END_MS)
		return playout_error_set(err, PLAYOUT_EINVAL,
					 "the clock can start from 1970-01-01T00:00:00Z up to "
					 "2199-12-31T23:59:59Z (it counts nanoseconds in 64 bits)");
	/* in range, pretend_ms * NS_PER_MS < 7.3e18 < INT64_MAX, and the real
	 * clock is in range too until 2262 */
	c->offset_ns = pretend_ms * NS_PER_MS - realtime_ns();
	return PLAYOUT_OK;
}

void po_clock_init(struct po_clock *c, int64_t pretend_ms)
{
	c->offset_ns = 0;
	c->ops = NULL;
	c->ops_arg = NULL;
	if (pretend_ms)
		po_clock_pretend(c, pretend_ms, NULL);
}

void po_clock_set_ops(struct po_clock *c, const struct po_clock_ops *ops, void *arg)
{
	c->ops = ops;
	c->ops_arg = arg;
}

int64_t po_clock_now_ns(const struct po_clock *c)
{
	if (c->ops)
		return c->ops->now_ns(c->ops_arg);
	return realtime_ns() + c->offset_ns;
}

int64_t po_clock_mono_ns(const struct po_clock *c)
{
	struct timespec ts;
	if (c->ops)
		return c->ops->mono_ns(c->ops_arg);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

int64_t po_clock_now_ms(const struct po_clock *c)
{
	int64_t ns = po_clock_now_ns(c);
	/* floor, so instants before 1970 round the same way as after */
	return ns >= 0 ? ns / NS_PER_MS : -((-ns + NS_PER_MS - 1) / NS_PER_MS);
}

void po_clock_sleep_until_ns(const struct po_clock *c, int64_t deadline_ns)
{
	int64_t real;
	if (c->ops) {
		c->ops->sleep_until_ns(c->ops_arg, deadline_ns);
		return;
	}
	/* deadline_ns - offset_ns, saturated: a far deadline on a clock set
	 * back (a negative offset) must not wrap into the past */
	if (c->offset_ns < 0 && deadline_ns > INT64_MAX + c->offset_ns)
		real = INT64_MAX;
	else if (c->offset_ns > 0 && deadline_ns < INT64_MIN + c->offset_ns)
		return;
	else
		real = deadline_ns - c->offset_ns;
	if (real <= 0)
		return;
	struct timespec ts = {
		.tv_sec = (time_t)(real / NS_PER_S),
		.tv_nsec = (long)(real % NS_PER_S),
	};
	/* clock_nanosleep returns the error number rather than setting errno.
	 * TIMER_ABSTIME: after a signal, the same deadline still holds. */
	while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

void po_clock_sleep_until_mono_ns(const struct po_clock *c, int64_t deadline_ns)
{
	if (c->ops) {
		c->ops->sleep_until_mono_ns(c->ops_arg, deadline_ns);
		return;
	}
	if (deadline_ns <= 0)
		return;
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ns / NS_PER_S),
		.tv_nsec = (long)(deadline_ns % NS_PER_S),
	};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}
