/*
 * The planner: a pure function from slots and parsed assets (plus the
 * optional fallback and join plugins) to the rundown. See rundown.h for the
 * rules; DESIGN.md "The job, end to end" and "Time" for the why.
 */
#include "rundown.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <playout/util.h>

#include "catalog.h"
#include "log.h"

#define DEFAULT_UNKNOWN_LEN_MS (2 * 3600 * 1000LL)

/* One way an asset could go on air: at an instant, maybe for a slot. */
struct cand {
	size_t asset;       /* index into in->assets */
	int64_t start_ms;
	long slot;          /* index into in->slots, or -1 */
	int by_name;        /* the slot named the file (expected_file) */
	const char *note;   /* ambiguity note, or NULL */
	int winner;         /* plays at its instant */
};

struct plan {
	const struct po_plan_input *in;
	size_t *near;       /* dated assets whose time is near the window */
	size_t nnear;
	struct cand *c;
	size_t nc;
	struct playout_item *v;
	size_t n, cap;
};

static const char *const decision_names[] = {
	[PLAYOUT_DECISION_EXACT] = "exact",
	[PLAYOUT_DECISION_STORAGE_ONLY] = "storage-only",
	[PLAYOUT_DECISION_FALLBACK] = "fallback",
	[PLAYOUT_DECISION_JOINED] = "joined",
	[PLAYOUT_DECISION_MISSING] = "missing",
};

const char *po_decision_name(int decision)
{
	if (decision < 0 || (size_t)decision >= sizeof decision_names / sizeof decision_names[0])
		return "unknown";
	return decision_names[decision];
}

/* ---- small helpers ------------------------------------------------------ */

static void str_copy(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Format into a buffer, truncating silently. */
static void str_setf(char *dst, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void str_setf(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, n, fmt, ap);
	va_end(ap);
}

/* "01:00" in the station zone (the process TZ, set by po_tz_set). */
static void hhmm(int64_t utc_ms, char buf[8])
{
	time_t t = (time_t)(utc_ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || strftime(buf, 8, "%H:%M", &tm) == 0)
		str_copy(buf, 8, "??:??");
}

/* First row with duration < below_s; 0 when none applies. */
static int cap_for(const struct po_cap *caps, size_t ncaps, int64_t duration_ms)
{
	for (size_t i = 0; i < ncaps; i++)
		if (duration_ms < caps[i].below_s * 1000)
			return caps[i].cap_s;
	return 0;
}

static int64_t largest_cap_ms(const struct po_cap *caps, size_t ncaps)
{
	int best = 0;

	for (size_t i = 0; i < ncaps; i++)
		if (caps[i].cap_s > best)
			best = caps[i].cap_s;
	return best > 0 ? best * 1000LL : DEFAULT_UNKNOWN_LEN_MS;
}

static const struct playout_asset *asset_by_name(const struct po_plan_input *in,
						 const char *name)
{
	if (in->assets_sorted)
		return po_catalog_find(in->assets, in->nassets, name);
	for (size_t i = 0; i < in->nassets; i++)
		if (strcasecmp(in->assets[i].name, name) == 0)
			return &in->assets[i];
	return NULL;
}

/* A slot of this pid starting at exactly t, or -1. */
static long slot_at(const struct po_plan_input *in, const char *pid, int64_t t)
{
	for (size_t i = 0; i < in->nslots; i++)
		if (in->slots[i].start_ms == t && strcasecmp(in->slots[i].pid, pid) == 0)
			return (long)i;
	return -1;
}

static const char *slot_source(const struct playout_slot *s)
{
	return s->source[0] ? s->source : "schedule";
}

/* A file the probe (or the short-file rule) keeps off air. */
static int unplayable(const struct playout_asset *a)
{
	return (a->flags & PO_ASSET_UNPLAYABLE) != 0;
}

/* The flagged file that would have filled this slot, or NULL. */
static const struct playout_asset *flagged_for_slot(const struct plan *p,
						    const struct playout_slot *sl)
{
	const struct po_plan_input *in = p->in;
	if (sl->expected_file[0]) {
		const struct playout_asset *a = asset_by_name(in, sl->expected_file);
		if (a && unplayable(a))
			return a;
	}
	for (size_t i = 0; i < p->nnear; i++) {
		const struct playout_asset *a = &in->assets[p->near[i]];
		if (unplayable(a) && strcasecmp(a->pid, sl->pid) == 0 &&
		    (a->start_ms == sl->start_ms || a->start_alt_ms == sl->start_ms))
			return a;
	}
	return NULL;
}

/* ---- candidates --------------------------------------------------------- */

static int cand_push(struct plan *p, size_t *cap, const struct cand *x)
{
	for (size_t i = 0; i < p->nc; i++)
		if (p->c[i].asset == x->asset && p->c[i].start_ms == x->start_ms)
			return PLAYOUT_OK; /* named by a slot and by its own name */
	if (p->nc == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		struct cand *v = realloc(p->c, ncap * sizeof *v);
		if (!v)
			return PLAYOUT_ENOMEM;
		p->c = v;
		*cap = ncap;
	}
	p->c[p->nc++] = *x;
	return PLAYOUT_OK;
}

/* The longest an item can last: a known duration, a slot, or the largest
 * cap when neither is known. */
static int64_t longest_item_ms(const struct po_plan_input *in)
{
	int64_t l = largest_cap_ms(in->caps, in->ncaps);
	if (l < DEFAULT_UNKNOWN_LEN_MS)
		l = DEFAULT_UNKNOWN_LEN_MS;
	for (size_t i = 0; i < in->nassets; i++)
		if (in->assets[i].duration_ms > l)
			l = in->assets[i].duration_ms;
	for (size_t i = 0; i < in->nslots; i++)
		if (in->slots[i].end_ms - in->slots[i].start_ms > l)
			l = in->slots[i].end_ms - in->slots[i].start_ms;
	return l;
}

/* The dated assets whose time lies within an item's length of the window:
 * no other file can play in it, start before it and still be on air, or cut
 * an item in it. Everything after this works on these few. */
static int find_near(struct plan *p)
{
	const struct po_plan_input *in = p->in;
	int64_t l = longest_item_ms(in);
	int64_t lo = in->from_ms - l, hi = in->to_ms + l;
	size_t cap = 0;
	for (size_t i = 0; i < in->nassets; i++) {
		const struct playout_asset *a = &in->assets[i];
		int in_reach = (a->start_ms != 0 && a->start_ms >= lo && a->start_ms < hi) ||
			       (a->start_alt_ms != 0 && a->start_alt_ms >= lo && a->start_alt_ms < hi);
		if (!in_reach)
			continue;
		if (p->nnear == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			size_t *v = realloc(p->near, ncap * sizeof *v);
			if (!v)
				return PLAYOUT_ENOMEM;
			p->near = v;
			cap = ncap;
		}
		p->near[p->nnear++] = i;
	}
	return PLAYOUT_OK;
}

/* Where each asset could play: at the slot that names it (expected_file)
 * and at the time its own name carries (rules 1 and 2). */
static int collect_candidates(struct plan *p)
{
	const struct po_plan_input *in = p->in;
	size_t cap = 0;
	unsigned char *claimed = NULL;
	int rc = PLAYOUT_OK;

	if (in->nassets && !(claimed = calloc(in->nassets, 1)))
		return PLAYOUT_ENOMEM;

	for (size_t s = 0; s < in->nslots && rc == PLAYOUT_OK; s++) {
		const struct playout_slot *sl = &in->slots[s];
		if (!sl->expected_file[0])
			continue;
		const struct playout_asset *named = asset_by_name(in, sl->expected_file);
		if (!named || unplayable(named))
			continue;
		size_t a = (size_t)(named - in->assets);
		struct cand x = { .asset = a, .start_ms = sl->start_ms, .slot = (long)s, .by_name = 1 };
		claimed[a] = 1;
		rc = cand_push(p, &cap, &x);
	}

	for (size_t k = 0; k < p->nnear && rc == PLAYOUT_OK; k++) {
		size_t a = p->near[k];
		const struct playout_asset *as = &in->assets[a];
		struct cand x = { .asset = a, .start_ms = as->start_ms, .slot = -1 };

		if (as->start_ms == 0)
			continue;
		if (unplayable(as)) {
			po_log_info("planner", "%s not planned: %s", as->name,
				    as->why[0] ? as->why : "flagged by the probe");
			continue;
		}
		x.slot = slot_at(in, as->pid, as->start_ms);
		if (as->start_alt_ms != 0) {
			long alt = slot_at(in, as->pid, as->start_alt_ms);
			if (x.slot < 0 && alt >= 0) {
				x.slot = alt;
				x.start_ms = as->start_alt_ms;
				x.note = "ambiguous local time; the schedule decides: second occurrence";
			} else if (x.slot >= 0) {
				x.note = "ambiguous local time; the schedule decides: first occurrence";
			} else {
				x.note = "ambiguous local time; no slot decides, first occurrence";
			}
		}
		/* A file a slot names by name plays there, not also at its own
		 * time, unless a slot wants it at its own time too. */
		if (claimed[a] && x.slot < 0)
			continue;
		rc = cand_push(p, &cap, &x);
	}
	free(claimed);
	return rc;
}

static int cand_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;

	if (a->start_ms != b->start_ms)
		return a->start_ms < b->start_ms ? -1 : 1;
	if ((a->slot >= 0) != (b->slot >= 0))
		return a->slot >= 0 ? -1 : 1;
	return 0; /* names compared by the caller's second pass */
}

/* Rule 4: per instant, a slot's file wins; else the alphabetically first
 * name. Marks winners. */
static void pick_winners(struct plan *p, const struct playout_asset *assets)
{
	if (p->nc > 1)
		qsort(p->c, p->nc, sizeof *p->c, cand_cmp);
	for (size_t i = 0; i < p->nc;) {
		size_t j = i + 1, best = i;
		while (j < p->nc && p->c[j].start_ms == p->c[i].start_ms) {
			const struct cand *b = &p->c[best], *x = &p->c[j];
			if ((x->slot >= 0) == (b->slot >= 0)) {
				int c = strcasecmp(assets[x->asset].name, assets[b->asset].name);
				if (c == 0)
					c = strcmp(assets[x->asset].name, assets[b->asset].name);
				if (c < 0)
					best = j;
			}
			j++;
		}
		p->c[best].winner = 1;
		i = j;
	}
}

/* ---- items -------------------------------------------------------------- */

static struct playout_item *item_new(struct plan *p)
{
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 32;
		struct playout_item *v = realloc(p->v, ncap * sizeof *v);
		if (!v)
			return NULL;
		p->v = v;
		p->cap = ncap;
	}
	memset(&p->v[p->n], 0, sizeof p->v[p->n]);
	return &p->v[p->n++];
}

/* Rule 5: end from the duration and the cap table, or the slot end, or the
 * largest cap. */
static void set_end(const struct po_plan_input *in, struct playout_item *it,
		    int64_t duration_ms, const struct playout_slot *slot)
{
	if (duration_ms > 0) {
		it->cap_s = cap_for(in->caps, in->ncaps, duration_ms);
		int64_t len = duration_ms;
		if (it->cap_s > 0 && (int64_t)it->cap_s * 1000 < len)
			len = (int64_t)it->cap_s * 1000;
		it->end_ms = it->start_ms + len;
	} else {
		it->cap_s = 0;
		if (slot && slot->end_ms > it->start_ms)
			it->end_ms = slot->end_ms;
		else
			it->end_ms = it->start_ms + largest_cap_ms(in->caps, in->ncaps);
	}
}

static int add_asset_items(struct plan *p)
{
	const struct po_plan_input *in = p->in;

	for (size_t i = 0; i < p->nc; i++) {
		const struct cand *c = &p->c[i];
		const struct playout_asset *as = &in->assets[c->asset];
		const struct playout_slot *sl = c->slot >= 0 ? &in->slots[c->slot] : NULL;
		struct playout_item it;

		if (!c->winner)
			continue;
		memset(&it, 0, sizeof it);
		it.start_ms = c->start_ms;
		it.nseg = 1;
		str_copy(it.seg[0].asset, sizeof it.seg[0].asset, as->name);
		if (sl) {
			char t[8];
			hhmm(sl->start_ms, t);
			it.decision = PLAYOUT_DECISION_EXACT;
			str_copy(it.pid, sizeof it.pid, sl->pid);
			str_copy(it.title, sizeof it.title, sl->title[0] ? sl->title : sl->pid);
			str_copy(it.source, sizeof it.source, slot_source(sl));
			str_setf(it.reason, sizeof it.reason, "slot %.63s %s %.63s, file %.150s%s",
				 slot_source(sl), t, sl->pid, as->name,
				 c->by_name ? " (named by the slot)" : "");
		} else {
			it.decision = PLAYOUT_DECISION_STORAGE_ONLY;
			str_copy(it.pid, sizeof it.pid, as->pid);
			str_copy(it.title, sizeof it.title, as->pid);
			str_copy(it.source, sizeof it.source, "storage");
			str_copy(it.reason, sizeof it.reason,
				 "file named for this time; no schedule slot");
		}
		if (c->note)
			playout_str_appendf(it.reason, sizeof it.reason, "; %s", c->note);
		for (size_t j = 0; j < p->nc; j++)
			if (j != i && p->c[j].start_ms == c->start_ms)
				playout_str_appendf(it.reason, sizeof it.reason, "; passed over %s",
					    in->assets[p->c[j].asset].name);
		set_end(in, &it, as->duration_ms, sl);

		/* Rule 1: before the window only a known duration (or a slot)
		 * says the file is still on air. */
		if (it.end_ms <= in->from_ms)
			continue;
		if (it.start_ms < in->from_ms && as->duration_ms <= 0 && !sl)
			continue;

		struct playout_item *dst = item_new(p);
		if (!dst)
			return PLAYOUT_ENOMEM;
		*dst = it;
	}
	return PLAYOUT_OK;
}

/* Something already starts at t (any candidate that won, or an item). */
static int instant_taken(const struct plan *p, int64_t t)
{
	for (size_t i = 0; i < p->nc; i++)
		if (p->c[i].winner && p->c[i].start_ms == t)
			return 1;
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].start_ms == t)
			return 1;
	return 0;
}

/* Rule 3: a RECORDED slot overlapping the window with nothing at its start
 * asks the fallback; else it is missing. */
static int add_slot_items(struct plan *p)
{
	const struct po_plan_input *in = p->in;
	const char *label = in->fallback_label && *in->fallback_label ?
		in->fallback_label : "fallback";

	for (size_t s = 0; s < in->nslots; s++) {
		const struct playout_slot *sl = &in->slots[s];
		struct playout_item it;
		char t[8];

		if (sl->type != PLAYOUT_SLOT_RECORDED)
			continue;
		if (sl->end_ms <= in->from_ms || sl->start_ms >= in->to_ms)
			continue;
		if (instant_taken(p, sl->start_ms))
			continue;

		memset(&it, 0, sizeof it);
		it.start_ms = sl->start_ms;
		str_copy(it.pid, sizeof it.pid, sl->pid);
		str_copy(it.title, sizeof it.title, sl->title[0] ? sl->title : sl->pid);
		hhmm(sl->start_ms, t);
		/* "20260329_0100_abc.mp3 is silent throughout; " when a file was
		 * there but the probe keeps it off air. */
		char lead[200] = "";
		const struct playout_asset *bad = flagged_for_slot(p, sl);
		if (bad)
			str_setf(lead, sizeof lead, "%.90s %.100s; ", bad->name,
				 bad->why[0] ? bad->why : "is flagged by the probe");

		if (in->fallback && in->fallback->choose) {
			struct playout_choice ch;
			struct playout_error e = { 0, "" };
			memset(&ch, 0, sizeof ch);
			int rc = in->fallback->choose(in->fallback_inst, sl, in->assets,
						      in->nassets, &ch, &e);
			ch.asset[sizeof ch.asset - 1] = '\0';
			ch.reason[sizeof ch.reason - 1] = '\0';
			e.msg[sizeof e.msg - 1] = '\0';
			const struct playout_asset *as = NULL;
			if (rc == PLAYOUT_OK && ch.asset[0])
				as = asset_by_name(in, ch.asset);
			if (as && unplayable(as)) {
				it.decision = PLAYOUT_DECISION_MISSING;
				str_copy(it.source, sizeof it.source, slot_source(sl));
				str_setf(it.reason, sizeof it.reason,
					 "%sthe fallback (%.40s) chose %.80s, but it %.100s", lead, label,
					 as->name, as->why[0] ? as->why : "is flagged by the probe");
				it.end_ms = sl->end_ms;
			} else if (rc == PLAYOUT_OK && ch.asset[0]) {
				it.decision = PLAYOUT_DECISION_FALLBACK;
				it.nseg = 1;
				str_copy(it.seg[0].asset, sizeof it.seg[0].asset, ch.asset);
				str_copy(it.source, sizeof it.source, label);
				if (lead[0])
					str_setf(it.reason, sizeof it.reason, "%sfallback chose %.80s: %.100s",
						 lead, ch.asset,
						 ch.reason[0] ? ch.reason : "chosen by the fallback");
				else
					str_copy(it.reason, sizeof it.reason,
						 ch.reason[0] ? ch.reason : "chosen by the fallback");
				set_end(in, &it, as ? as->duration_ms : 0, sl);
			} else {
				if (rc != PLAYOUT_OK)
					po_log_warnx("planner", "fallback %s for %s at %s: %s",
						     label, sl->pid, t, e.msg);
				it.decision = PLAYOUT_DECISION_MISSING;
				str_copy(it.source, sizeof it.source, slot_source(sl));
				str_setf(it.reason, sizeof it.reason,
					 "%sno file for %.63s at %s and the fallback (%.40s) offered none: %.120s",
					 lead, sl->pid, t, label,
					 rc != PLAYOUT_OK ? (e.msg[0] ? e.msg : "error")
							  : (ch.reason[0] ? ch.reason : "no reason given"));
				it.end_ms = sl->end_ms;
			}
		} else {
			it.decision = PLAYOUT_DECISION_MISSING;
			str_copy(it.source, sizeof it.source, slot_source(sl));
			str_setf(it.reason, sizeof it.reason,
				 "%sno file for %.63s at %s and no fallback configured", lead, sl->pid, t);
			it.end_ms = sl->end_ms;
		}

		struct playout_item *dst = item_new(p);
		if (!dst)
			return PLAYOUT_ENOMEM;
		*dst = it;
	}
	return PLAYOUT_OK;
}

/* ---- order, cut, join, window ------------------------------------------- */

static int item_cmp(const void *pa, const void *pb)
{
	const struct playout_item *a = pa, *b = pb;
	int c;

	if (a->start_ms != b->start_ms)
		return a->start_ms < b->start_ms ? -1 : 1;
	if ((a->decision == PLAYOUT_DECISION_MISSING) != (b->decision == PLAYOUT_DECISION_MISSING))
		return a->decision == PLAYOUT_DECISION_MISSING ? 1 : -1;
	if ((c = strcmp(a->pid, b->pid)) != 0)
		return c;
	return strcmp(a->seg[0].asset, b->seg[0].asset);
}

/* Sort, then end each playable item where the next one starts. Missing
 * items keep their slot's times. Items cut to nothing are dropped. */
static void sort_and_cut(struct plan *p)
{
	size_t w = 0;

	if (p->n > 1)
		qsort(p->v, p->n, sizeof *p->v, item_cmp);
	for (size_t i = 0; i < p->n; i++) {
		struct playout_item *it = &p->v[i];
		if (it->decision != PLAYOUT_DECISION_MISSING && i + 1 < p->n &&
		    it->end_ms > p->v[i + 1].start_ms) {
			it->end_ms = p->v[i + 1].start_ms;
			playout_str_appendf(it->reason, sizeof it->reason, "; cut at next item");
		}
	}
	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i].decision != PLAYOUT_DECISION_MISSING &&
		    p->v[i].end_ms <= p->v[i].start_ms) {
			po_log_warnx("planner", "%s (%s) dropped: nothing left after the cut",
				     p->v[i].pid, p->v[i].nseg ? p->v[i].seg[0].asset : "-");
			continue;
		}
		if (w != i)
			p->v[w] = p->v[i];
		w++;
	}
	p->n = w;
}

/* Rule 6: the join plugin may merge neighbours; on error keep the items. */
static int run_join(struct plan *p)
{
	const struct po_plan_input *in = p->in;
	const char *label = in->join_label && *in->join_label ? in->join_label : "join";
	struct playout_error e = { 0, "" };
	struct playout_item *saved;
	size_t n = p->n;
	int rc;

	if (!in->join || !in->join->plan || p->n == 0)
		return PLAYOUT_OK;
	if (!(saved = malloc(p->n * sizeof *saved)))
		return PLAYOUT_ENOMEM;
	memcpy(saved, p->v, p->n * sizeof *saved);
	rc = in->join->plan(in->join_inst, p->v, &n, in->assets, in->nassets, &e);
	e.msg[sizeof e.msg - 1] = '\0';
	if (rc == PLAYOUT_OK && n > p->n) {
		rc = PLAYOUT_EPROTO;
		str_setf(e.msg, sizeof e.msg, "returned %zu items for %zu", n, p->n);
	}
	if (rc != PLAYOUT_OK) {
		po_log_warnx("planner", "join %s failed, items kept unjoined: %s", label,
			     e.msg[0] ? e.msg : "no message");
		memcpy(p->v, saved, p->n * sizeof *saved);
	} else {
		p->n = n;
		for (size_t i = 0; i < n; i++) {
			struct playout_item *it = &p->v[i];
			if (it->nseg > PLAYOUT_MAX_SEGMENTS)
				it->nseg = PLAYOUT_MAX_SEGMENTS;
			it->reason[sizeof it->reason - 1] = '\0';
		}
	}
	free(saved);
	return PLAYOUT_OK;
}

/* Rule 7: keep what overlaps [from, to). */
static void keep_window(struct plan *p)
{
	size_t w = 0;

	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i].end_ms <= p->in->from_ms || p->v[i].start_ms >= p->in->to_ms)
			continue;
		if (w != i)
			p->v[w] = p->v[i];
		w++;
	}
	p->n = w;
}

int po_plan(const struct po_plan_input *in, struct po_rundown *out, struct playout_error *err)
{
	struct plan p;
	int rc;

	if (!in || !out)
		return playout_error_set(err, PLAYOUT_EINVAL, "planner: no input or output");
	out->v = NULL;
	out->n = 0;
	if (in->to_ms <= in->from_ms)
		return playout_error_set(err, PLAYOUT_EINVAL,
					 "planner: empty window (from %lld ms, to %lld ms)",
					 (long long)in->from_ms, (long long)in->to_ms);
	if ((in->nslots && !in->slots) || (in->nassets && !in->assets) ||
	    (in->ncaps && !in->caps))
		return playout_error_set(err, PLAYOUT_EINVAL,
					 "planner: a count is set but its array is NULL");

	memset(&p, 0, sizeof p);
	p.in = in;
	rc = find_near(&p);
	if (rc == PLAYOUT_OK)
		rc = collect_candidates(&p);
	if (rc == PLAYOUT_OK) {
		pick_winners(&p, in->assets);
		rc = add_asset_items(&p);
	}
	if (rc == PLAYOUT_OK)
		rc = add_slot_items(&p);
	if (rc == PLAYOUT_OK) {
		sort_and_cut(&p);
		rc = run_join(&p);
	}
	free(p.c);
	free(p.near);
	if (rc != PLAYOUT_OK) {
		free(p.v);
		return playout_error_set(err, rc, "planner: out of memory building the rundown");
	}
	sort_and_cut(&p);
	keep_window(&p);
	if (p.n == 0) {
		free(p.v);
		p.v = NULL;
	}
	out->v = p.v;
	out->n = p.n;
	return PLAYOUT_OK;
}

void po_rundown_free(struct po_rundown *r)
{
	if (!r)
		return;
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* ---- the short-file rule ------------------------------------------------ */

/* The RECORDED slot a would fill: the one naming it, else one of its pid at
 * its time. */
static const struct playout_slot *slot_for(const struct playout_asset *a,
					   const struct playout_slot *slots, size_t nslots)
{
	for (size_t i = 0; i < nslots; i++)
		if (slots[i].type == PLAYOUT_SLOT_RECORDED &&
		    strcasecmp(slots[i].expected_file, a->name) == 0)
			return &slots[i];
	for (size_t i = 0; i < nslots; i++)
		if (slots[i].type == PLAYOUT_SLOT_RECORDED && a->start_ms != 0 &&
		    (slots[i].start_ms == a->start_ms || slots[i].start_ms == a->start_alt_ms) &&
		    strcasecmp(slots[i].pid, a->pid) == 0)
			return &slots[i];
	return NULL;
}

int po_plan_short(const struct playout_asset *a, const struct playout_slot *slots, size_t nslots,
		  int min_fill_percent, char *why, size_t nwhy)
{
	if (min_fill_percent <= 0 || unplayable(a) || a->duration_ms <= 0)
		return 0;
	const struct playout_slot *s = slot_for(a, slots, nslots);
	if (!s || s->end_ms <= s->start_ms)
		return 0;
	int64_t slot_ms = s->end_ms - s->start_ms;
	if (a->duration_ms * 100 >= slot_ms * min_fill_percent)
		return 0;
	if (why && nwhy)
		str_setf(why, nwhy, "is %lld:%02lld long, under %d%% of its %lld:%02lld slot",
			 (long long)(a->duration_ms / 60000), (long long)(a->duration_ms / 1000 % 60),
			 min_fill_percent, (long long)(slot_ms / 60000),
			 (long long)(slot_ms / 1000 % 60));
	return 1;
}

void po_plan_flag_short(struct playout_asset *as, size_t n, const struct playout_slot *slots,
			size_t nslots, int min_fill_percent)
{
	for (size_t i = 0; i < n; i++)
		if (po_plan_short(&as[i], slots, nslots, min_fill_percent, as[i].why,
				  sizeof as[i].why))
			as[i].flags |= PO_ASSET_SHORT;
}
