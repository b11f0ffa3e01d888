/*
 * How the daemon reads the time and sleeps to an absolute deadline on a
 * clock that may be shifted to a pretend instant.
 */
#include "clock.h"

#include <errno.h>
#include <time.h>

#define NS_PER_S 1000000000LL
#define NS_PER_MS 1000000LL

static int64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

void po_clock_init(struct po_clock *c, int64_t pretend_ms)
{
	c->offset_ns = pretend_ms ? pretend_ms * NS_PER_MS - realtime_ns() : 0;
}

int64_t po_clock_now_ns(const struct po_clock *c)
{
	return realtime_ns() + c->offset_ns;
}

int64_t po_clock_now_ms(const struct po_clock *c)
{
	int64_t ns = po_clock_now_ns(c);
	/* floor, so instants before 1970 round the same way as after */
	return ns >= 0 ? ns / NS_PER_MS : -((-ns + NS_PER_MS - 1) / NS_PER_MS);
}

void po_clock_sleep_until_ns(const struct po_clock *c, int64_t deadline_ns)
{
	int64_t real = deadline_ns - c->offset_ns;
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
