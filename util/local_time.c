/*
 * Local civil time to UTC for a zone described only by its UTC offset at
 * each instant: the DST gap and overlap rule of doc/design.md §5, without
 * TZ, mktime or localtime. Not for reading or writing text: see time.c.
 */
#include <playout/util.h>

#define MAX_OFFSETS 8
#define DAY_S INT64_C(86400)

struct offsets {
	long v[MAX_OFFSETS];
	size_t n;
};

static void offsets_add(struct offsets *o, long off)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->v[i] == off)
			return;
	if (o->n < MAX_OFFSETS)
		o->v[o->n++] = off;
}

/*
 * An instant t reads as the wall time t0 (counted like UTC) when
 * t + offset(t) == t0. Every such t is t0 - o for an offset o in force
 * near t0, so: collect the offsets a day either side and at t0, and those
 * at each candidate, then check each candidate. None valid: a gap, and the
 * candidate whose reading lands soonest after t0 is the time moved forward
 * by the gap; two valid: the repeated hour. This holds for negative DST
 * (Dublin), 30-minute DST (Lord Howe) and changes of standard offset, where
 * an is-DST flag alone would not.
 */
int playout_local_to_utc(int year, int mon, int day, int hour, int min, int sec,
			 playout_utc_offset_fn utc_offset, void *ctx, int64_t *first,
			 int64_t *second)
{
	if (second)
		*second = 0;
	if (!utc_offset || year < 0 || year > 9999 || mon < 1 || mon > 12 || day < 1 ||
	    day > playout_civil_days_in_month(year, mon) || hour < 0 || hour > 23 || min < 0 ||
	    min > 59 || sec < 0 || sec > 59)
		return PLAYOUT_EINVAL;

	int64_t t0 = playout_days_from_civil(year, mon, day) * DAY_S + hour * 3600 + min * 60 + sec;
	struct offsets offs = { .n = 0 };
	long off;
	for (int d = -1; d <= 1; d++)
		if (utc_offset(ctx, t0 + d * DAY_S, &off) == 0)
			offsets_add(&offs, off);
	for (size_t i = 0; i < offs.n; i++) /* offs grows while we walk it */
		if (utc_offset(ctx, t0 - offs.v[i], &off) == 0)
			offsets_add(&offs, off);

	int64_t lo = 0, hi = 0, gap_t = 0, gap_local = 0;
	int nvalid = 0, have_gap = 0;
	for (size_t i = 0; i < offs.n; i++) {
		int64_t t = t0 - offs.v[i];
		if (utc_offset(ctx, t, &off) != 0)
			continue;
		int64_t local = t + off;
		if (local == t0) {
			if (!nvalid || t < lo)
				lo = t;
			if (!nvalid || t > hi)
				hi = t;
			nvalid++;
		} else if (local > t0 &&
			   (!have_gap || local < gap_local || (local == gap_local && t < gap_t))) {
			gap_t = t;
			gap_local = local;
			have_gap = 1;
		}
	}
	if (!nvalid) {
		if (!have_gap)
			return PLAYOUT_EINVAL;
		*first = gap_t * 1000;
		return PLAYOUT_OK;
	}
	*first = lo * 1000;
	if (second && hi != lo)
		*second = hi * 1000;
	return PLAYOUT_OK;
}
