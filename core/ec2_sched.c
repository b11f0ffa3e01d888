/*
 * EC2 on demand (ec2_sched.h): blocks of programmes, the scheduled actions
 * that bring the machine up and down around them, and what --apply changes.
 * Pure arithmetic on the rundown; the wire is autoscaling.c's.
 */
#include "ec2_sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <playout/util.h>

#define MIN_MS 60000LL
#define HOUR_MS 3600000LL
#define WEEK_H 168.0
/* A wake-up comes this long before the end of what the machine planned
 * when it went down (plus the lead), so it is up and planning before
 * anything it could not see is due. */
#define WAKE_MARGIN_MS HOUR_MS
/* A wake-up keeps the machine up at least this long: boot, plan, apply. */
#define WAKE_MIN_UP_MS (15 * MIN_MS)

static int64_t floor_to(int64_t t, int64_t unit)
{
	int64_t q = t / unit;
	if (t % unit < 0)
		q--;
	return q * unit;
}

static int64_t ceil_to(int64_t t, int64_t unit)
{
	return -floor_to(-t, unit);
}

struct span {
	int64_t start_ms, end_ms;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	if (x->start_ms != y->start_ms)
		return (x->start_ms > y->start_ms) - (x->start_ms < y->start_ms);
	return (x->end_ms > y->end_ms) - (x->end_ms < y->end_ms);
}

static int push_block(struct po_ec2_schedule *s, size_t *cap, const struct po_ec2_block *b)
{
	if (s->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct po_ec2_block *v = realloc(s->v, ncap * sizeof *v);
		if (!v)
			return PLAYOUT_ENOMEM;
		s->v = v;
		*cap = ncap;
	}
	s->v[s->n++] = *b;
	return PLAYOUT_OK;
}

/* A machine that goes down at down_ms planned up to down_ms + horizon: if
 * nothing is due by then, it must wake before that end to plan the next
 * stretch, or it stays off for good. The instant depends only on down_ms
 * (stable from round to round), so re-applying changes nothing. */
static int wake_after(struct po_ec2_schedule *s, size_t *cap, int64_t down_ms, int64_t next_up_ms,
		      const struct po_ec2_params *p)
{
	int64_t up = floor_to(down_ms + p->horizon_ms - p->lead_ms - WAKE_MARGIN_MS, HOUR_MS);
	if (p->horizon_ms <= 0 || up <= down_ms || (next_up_ms && up >= next_up_ms))
		return PLAYOUT_OK;
	int64_t stay = p->lead_ms + p->tail_ms > WAKE_MIN_UP_MS ? p->lead_ms + p->tail_ms
								 : WAKE_MIN_UP_MS;
	struct po_ec2_block w = {
		.first_ms = up, .last_ms = up, .up_ms = up, .down_ms = up + stay, .wake = 1,
	};
	if (next_up_ms && w.down_ms > next_up_ms)
		w.down_ms = next_up_ms;
	return push_block(s, cap, &w);
}

int po_ec2_schedule_build(const struct playout_item *items, size_t n, int64_t from_ms,
			  int64_t to_ms, const struct po_ec2_params *p, struct po_ec2_schedule *s)
{
	memset(s, 0, sizeof *s);
	s->from_ms = from_ms;
	s->to_ms = to_ms;
	struct span *sp = calloc(n ? n : 1, sizeof *sp);
	if (!sp)
		return PLAYOUT_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct playout_item *it = &items[i];
		/* an item that ended less than a tail (to the minute) ago still
		 * holds its block up */
		if (it->decision == PLAYOUT_DECISION_MISSING ||
		    ceil_to(it->end_ms + p->tail_ms, MIN_MS) <= from_ms ||
		    it->start_ms >= to_ms || it->end_ms <= it->start_ms)
			continue;
		sp[k].start_ms = it->start_ms;
		sp[k].end_ms = it->end_ms;
		k++;
	}
	qsort(sp, k, sizeof *sp, cmp_span);

	/* Blocks of programmes first, then the wake-ups between them. */
	struct po_ec2_block *blk = calloc(k ? k : 1, sizeof *blk);
	size_t nb = 0, cap = 0;
	int rc = blk ? PLAYOUT_OK : PLAYOUT_ENOMEM;
	for (size_t i = 0; rc == PLAYOUT_OK && i < k; i++) {
		struct po_ec2_block *b = nb ? &blk[nb - 1] : NULL;
		int64_t gap = b ? sp[i].start_ms - b->last_ms : 0;
		/* a gap the machine cannot go down and come up in is no gap */
		if (b && (gap < p->merge_gap_ms || gap <= p->lead_ms + p->tail_ms)) {
			if (sp[i].end_ms > b->last_ms)
				b->last_ms = sp[i].end_ms;
			b->nitems++;
			continue;
		}
		blk[nb++] = (struct po_ec2_block){
			.first_ms = sp[i].start_ms, .last_ms = sp[i].end_ms, .nitems = 1,
		};
	}
	for (size_t i = 0; rc == PLAYOUT_OK && i < nb; i++) {
		/* whole minutes, the wide way: the machine never runs short */
		blk[i].up_ms = floor_to(blk[i].first_ms - p->lead_ms, MIN_MS);
		blk[i].down_ms = ceil_to(blk[i].last_ms + p->tail_ms, MIN_MS);
	}
	/* Nothing at all ahead: wake one horizon on from the hour planned now. */
	if (rc == PLAYOUT_OK && nb == 0)
		rc = wake_after(s, &cap, floor_to(from_ms, HOUR_MS), 0, p);
	for (size_t i = 0; rc == PLAYOUT_OK && i < nb; i++) {
		rc = push_block(s, &cap, &blk[i]);
		if (rc == PLAYOUT_OK)
			rc = wake_after(s, &cap, blk[i].down_ms, i + 1 < nb ? blk[i + 1].up_ms : 0, p);
	}
	free(blk);
	free(sp);
	if (rc < 0)
		po_ec2_schedule_free(s);
	return rc;
}

void po_ec2_schedule_free(struct po_ec2_schedule *s)
{
	if (!s)
		return;
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

int64_t po_ec2_up_ms(const struct po_ec2_schedule *s)
{
	int64_t sum = 0;
	for (size_t i = 0; i < s->n; i++) {
		int64_t a = s->v[i].up_ms > s->from_ms ? s->v[i].up_ms : s->from_ms;
		int64_t b = s->v[i].down_ms < s->to_ms ? s->v[i].down_ms : s->to_ms;
		if (b > a)
			sum += b - a;
	}
	return sum;
}

double po_ec2_hours_per_week(const struct po_ec2_schedule *s)
{
	int64_t window = s->to_ms - s->from_ms;
	if (window <= 0)
		return 0;
	return (double)po_ec2_up_ms(s) / (double)window * WEEK_H;
}

/* "playout-up-20261203T0950Z" */
static void action_name(char *out, size_t n, const char *what, int64_t t_ms)
{
	int64_t days = floor_to(t_ms, 86400000LL) / 86400000LL;
	int64_t y;
	int mon, day;
	playout_civil_from_days(days, &y, &mon, &day);
	int64_t in_day = (t_ms - days * 86400000LL) / MIN_MS;
	snprintf(out, n, PO_EC2_PREFIX "%s-%04lld%02d%02dT%02d%02dZ", what, (long long)y, mon, day,
		 (int)(in_day / 60), (int)(in_day % 60));
}

static int cmp_action(const void *a, const void *b)
{
	const struct po_ec2_action *x = a, *y = b;
	if (x->start_ms != y->start_ms)
		return (x->start_ms > y->start_ms) - (x->start_ms < y->start_ms);
	return x->desired - y->desired; /* a down before an up at the same minute */
}

int po_ec2_actions(const struct po_ec2_schedule *s, int64_t now_ms, struct po_ec2_action **out,
		   size_t *n)
{
	*out = NULL;
	*n = 0;
	struct po_ec2_action *v = calloc(s->n * 2 + 1, sizeof *v);
	if (!v)
		return PLAYOUT_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct po_ec2_block *b = &s->v[i];
		for (int up = 1; up >= 0; up--) {
			int64_t t = up ? b->up_ms : b->down_ms;
			if (t <= now_ms)
				continue;
			struct po_ec2_action *a = &v[k++];
			action_name(a->name, sizeof a->name, up ? "up" : "down", t);
			a->start_ms = t;
			a->desired = up;
			/* the group may hold 0 or 1: idle stop can always set 0 */
			a->min_size = 0;
			a->max_size = 1;
		}
	}
	qsort(v, k, sizeof *v, cmp_action);
	/* one action per name: a second at the same minute adds nothing */
	size_t w = 0;
	for (size_t i = 0; i < k; i++)
		if (!w || strcmp(v[w - 1].name, v[i].name) != 0)
			v[w++] = v[i];
	if (!w) {
		free(v);
		return PLAYOUT_OK;
	}
	*out = v;
	*n = w;
	return PLAYOUT_OK;
}

int po_ec2_is_ours(const char *name)
{
	return strncmp(name, PO_EC2_PREFIX, strlen(PO_EC2_PREFIX)) == 0;
}

static const struct po_ec2_action *find(const struct po_ec2_action *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

int po_ec2_diff(const struct po_ec2_action *want, size_t nwant, const struct po_ec2_action *have,
		size_t nhave, int64_t from_ms, int64_t to_ms, struct po_ec2_diff *d)
{
	memset(d, 0, sizeof *d);
	d->put = calloc(nwant + 1, sizeof *d->put);
	d->del = calloc(nhave + 1, sizeof *d->del);
	if (!d->put || !d->del) {
		po_ec2_diff_free(d);
		return PLAYOUT_ENOMEM;
	}
	for (size_t i = 0; i < nwant; i++) {
		const struct po_ec2_action *h = find(have, nhave, want[i].name);
		if (!h || h->start_ms != want[i].start_ms || h->desired != want[i].desired)
			d->put[d->nput++] = i;
	}
	for (size_t i = 0; i < nhave; i++) {
		if (!po_ec2_is_ours(have[i].name) || find(want, nwant, have[i].name))
			continue;
		if (have[i].start_ms >= from_ms && have[i].start_ms < to_ms)
			d->del[d->ndel++] = i;
	}
	return PLAYOUT_OK;
}

void po_ec2_diff_free(struct po_ec2_diff *d)
{
	if (!d)
		return;
	free(d->put);
	free(d->del);
	memset(d, 0, sizeof *d);
}

int po_ec2_wanted_at(const struct po_ec2_schedule *s, int64_t now_ms)
{
	for (size_t i = 0; i < s->n; i++)
		if (now_ms >= s->v[i].up_ms && now_ms < s->v[i].down_ms)
			return 1;
	return 0;
}
