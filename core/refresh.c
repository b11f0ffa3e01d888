/*
 * The planning pass of refresh.h: what the cache knows, the plan, the files
 * it needs, eviction, and the plan turned into a player snapshot.
 */
#include "refresh.h"

#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "catalog.h"
#include "filename.h"
#include "gather.h"
#include "log.h"
#include "probe.h"
#include "timeutil.h"
#include "worker.h"

void po_plan_inputs_free(struct po_plan_inputs *in)
{
	free(in->slots.v);
	free(in->cat.v);
	memset(in, 0, sizeof *in);
}

void po_refresh_gather(struct po_runtime *rt, int64_t from_ms, int64_t to_ms,
		       struct po_plan_inputs *in)
{
	struct po_instance *pi;
	int64_t now = po_clock_now_ms(&rt->clock);
	for (size_t i = 0; (pi = po_runtime_nth(rt, PLAYOUT_KIND_SCHEDULE, i)); i++) {
		struct playout_error e = {0};
		if (po_gather_slots(rt, pi, from_ms, to_ms, 0, &in->slots, &e) == PLAYOUT_OK)
			continue;
		int64_t at = po_gather_last_slots(rt, pi, from_ms, to_ms, &in->slots);
		if (at)
			po_log_warnx(pi->conf->label, "schedule unavailable (%s); using the daemon's last good answer, %.0f min old",
				     e.msg, (now - at) / 60000.0);
		else
			po_log_warnx(pi->conf->label, "schedule unavailable (%s); no earlier answer is stored",
				     e.msg);
	}
	if (!rt->storage)
		return;
	struct playout_assets last = {0};
	struct playout_error e = {0};
	po_gather_last_listing(rt, &last);
	int st = po_gather_listing(rt, &last, 0, &in->cat, &e);
	if (st == PO_LISTING_OK) {
		free(last.v);
		return;
	}
	free(in->cat.v);
	in->cat = last;
	if (in->cat.n == 0)
		po_gather_add_cached(rt, &in->cat);
	po_log_warnx(rt->storage->conf->label, "storage unreachable: %s; planning with the %s", e.msg,
		     last.n ? "daemon's last good listing" : "files in the cache");
}

/* Fill in one cached asset: probe flags (the daemon probes a file once and
 * keeps the answer in the state: on its worker when it has one, as an hour
 * takes seconds to decode; else here), frame index fields, then the
 * short-file rule. playoutctl reads those answers and otherwise only
 * indexes. */
static void fill_cached(struct po_runtime *rt, const struct po_refresh_opts *o,
			const struct playout_slots *slots, struct playout_asset *a)
{
	const struct po_probe_opts popts = { .silence_threshold_db = rt->conf.probe_silence_threshold_db,
					     .silence_max_s = rt->conf.probe_silence_max_s };
	int how = rt->state && o->write_state ? PO_MEDIA_PROBE | PO_MEDIA_STORE : 0;
	struct playout_error e = {0};
	char path[4096];
	struct po_media m;

	if (o->worker)
		how &= ~PO_MEDIA_PROBE;
	a->flags = 0;
	a->why[0] = '\0';
	if (po_cache_path(rt->conf.cache_dir, a->name, path, sizeof path, &e) == PLAYOUT_OK &&
	    po_media_scan(rt->state, path, &popts, how, &m, &e) == PLAYOUT_OK) {
		if (o->worker && m.indexed && !m.probed)
			po_worker_probe(o->worker, path, a->start_ms);
		a->flags = m.flags;
		snprintf(a->why, sizeof a->why, "%s", m.why);
		if (m.flags & PO_ASSET_UNPLAYABLE)
			return;
	} else if (e.msg[0]) {
		po_log_warnx("probe", "%s: %s", a->name, e.msg);
	}
	struct po_mp3_index *ix = po_runtime_index(rt, a->name, &e);
	if (!ix) {
		po_log_warnx("cache", "%s: %s", a->name, e.msg);
		return;
	}
	a->duration_ms = ix->duration_ms;
	a->nframes = ix->nframes;
	a->sample_rate = ix->sample_rate;
	a->samples_per_frame = ix->samples_per_frame;
	po_probe_flag_short(a, 1, slots->v, slots->n, rt->conf.probe_min_fill_percent);
}

/* A cache folder this process cannot read (playoutctl run by a user other
 * than the daemon's: the daemon makes the folder 0750): fill each listed
 * file from the daemon's stored scan of that path with the listing's size
 * and mtime. The daemon forgets the scans of files that leave the cache,
 * so a row means it holds exactly that file. Without it every cached
 * programme would plan with no duration (cap 0, the slot end), unlike the
 * daemon's own plan, and say nothing. */
static void fill_from_state(struct po_runtime *rt, const struct playout_slots *slots,
			    struct playout_assets *cat, const char *why)
{
	size_t filled = 0;
	for (size_t i = 0; rt->state && i < cat->n; i++) {
		struct playout_asset *a = &cat->v[i];
		struct playout_error e = {0};
		char path[4096], *text = NULL;
		struct po_media m;
		if (po_cache_path(rt->conf.cache_dir, a->name, path, sizeof path, &e) < 0 ||
		    po_state_media_get(rt->state, path, a->size, a->mtime_ms, &text) != PLAYOUT_OK)
			continue;
		int rc = po_media_decode(text, &m);
		free(text);
		if (rc != PLAYOUT_OK || !m.indexed)
			continue;
		a->flags = m.flags;
		snprintf(a->why, sizeof a->why, "%s", m.why);
		filled++;
		if (m.flags & PO_ASSET_UNPLAYABLE)
			continue;
		a->duration_ms = m.duration_ms;
		a->nframes = m.nframes;
		a->sample_rate = m.sample_rate;
		a->samples_per_frame = m.samples_per_frame;
		po_probe_flag_short(a, 1, slots->v, slots->n, rt->conf.probe_min_fill_percent);
	}
	po_log_warnx("cache", "%s: %zu file%s taken from the daemon's stored scans%s", why, filled,
		     filled == 1 ? "" : "s", rt->state ? "" : " (no state either: durations unknown)");
}

struct fill_ctx {
	struct po_runtime *rt;
	const struct po_refresh_opts *o;
	const struct playout_slots *slots;
	struct playout_assets *cat;
};

static int fill_one(int dfd, const char *name, const struct stat *st, void *arg)
{
	struct fill_ctx *c = arg;
	struct playout_asset *a = po_catalog_find_exact(c->cat->v, c->cat->n, name);
	(void)dfd;
	if (a && st->st_size == a->size && po_cache_mtime_ms(st) == a->mtime_ms)
		fill_cached(c->rt, c->o, c->slots, a);
	return 0;
}

/* The cache holds only what the planning window needs (plus files past
 * their air time for a while), so walk it, not the listing: each cached
 * file the catalogue lists with the same size and mtime is filled in. */
static void fill_durations(struct po_runtime *rt, const struct po_refresh_opts *o,
			   const struct playout_slots *slots, struct playout_assets *cat)
{
	struct fill_ctx c = {rt, o, slots, cat};
	struct playout_error e = {0};
	if (po_cache_each(rt->conf.cache_dir, fill_one, &c, &e) < 0 &&
	    access(rt->conf.cache_dir, F_OK) == 0) /* no folder yet: nothing is cached */
		fill_from_state(rt, slots, cat, e.msg);
}

/* Copy into the cache every file an item of the window still needs, or
 * queue it on the worker (earliest air first). Returns how many files
 * arrived in this pass. */
static int fetch_needed(struct po_runtime *rt, const struct po_rundown *r,
			const struct playout_assets *cat, int64_t now_ms, struct po_worker *worker)
{
	int arrived = 0;
	if (!rt->storage)
		return 0;
	const struct playout_storage_ops *ops = rt->storage->mod.plugin->ops.storage;
	for (size_t i = 0; i < r->n; i++) {
		const struct playout_item *it = &r->v[i];
		if (it->end_ms <= now_ms)
			continue;
		for (size_t s = 0; s < it->nseg; s++) {
			const struct playout_asset *a = po_catalog_find(cat->v, cat->n, it->seg[s].asset);
			struct playout_error e = {0};
			if (!a || po_cache_has(rt->conf.cache_dir, a))
				continue;
			if (worker) {
				po_worker_fetch(worker, a, it->start_ms);
				continue;
			}
			if (po_cache_fetch(rt->conf.cache_dir, ops, rt->storage->inst, a, &e) < 0) {
				po_log_warnx(rt->storage->conf->label, "cannot fetch %s: %s", a->name, e.msg);
				continue;
			}
			po_log_info(rt->storage->conf->label, "fetched %s (%lld bytes)", a->name,
				    (long long)a->size);
			arrived++;
		}
	}
	return arrived;
}

static int plan(struct po_runtime *rt, const struct po_refresh_opts *o,
		const struct po_plan_inputs *pin, struct po_rundown *out, struct playout_error *err)
{
	struct po_plan_input in = {
		.from_ms = o->from_ms,
		.to_ms = o->to_ms,
		.slots = pin->slots.v,
		.nslots = pin->slots.n,
		.assets = pin->cat.v,
		.nassets = pin->cat.n,
		.assets_sorted = 1,
		.caps = rt->conf.caps,
		.ncaps = rt->conf.ncaps,
	};
	if (rt->fallback) {
		in.fallback = rt->fallback->mod.plugin->ops.fallback;
		in.fallback_inst = rt->fallback->inst;
		in.fallback_label = rt->fallback->conf->label;
	}
	if (rt->join) {
		in.join = rt->join->mod.plugin->ops.join;
		in.join_inst = rt->join->inst;
		in.join_label = rt->join->conf->label;
	}
	return po_plan(&in, out, err);
}

struct keep_ctx {
	const struct po_rundown *r;
	const struct playout_assets *cat;
	int64_t from_ms;           /* the planning window's start */
};

/* Kept: a file the rundown plays, and a file still listed that the plan may
 * want again: an undated one (a sustainer), one dated inside the planning
 * window, and one the probe keeps off air (its verdict lives with the cached
 * copy). Evicting those would only download and probe them again at the
 * next plan, round after round. The rest is judged by its air time against
 * the real clock. */
static int keep_file(const char *name, void *arg)
{
	const struct keep_ctx *k = arg;
	for (size_t i = 0; i < k->r->n; i++)
		for (size_t s = 0; s < k->r->v[i].nseg; s++)
			if (strcmp(k->r->v[i].seg[s].asset, name) == 0)
				return 1;
	const struct playout_asset *a = po_catalog_find(k->cat->v, k->cat->n, name);
	if (!a || strcmp(a->name, name) != 0)
		return 0;
	return a->start_ms == 0 || a->start_ms >= k->from_ms || a->start_alt_ms >= k->from_ms ||
	       (a->flags & PO_ASSET_UNPLAYABLE);
}

/* Files go once they are cache_retention_days past their air time, by the
 * real clock: a rehearsal (--pretend-now) on a shared cache never removes a
 * programme that is still ahead. */
static void evict(struct po_runtime *rt, const struct po_rundown *r,
		  const struct playout_assets *cat, int64_t from_ms)
{
	struct po_clock real;
	struct keep_ctx k = {r, cat, from_ms};
	struct playout_error e = {0};
	po_clock_init(&real, 0);
	int removed = po_cache_evict(rt->conf.cache_dir, keep_file, &k, po_clock_now_ms(&real),
				     (int64_t)rt->conf.cache_retention_days * 86400000, &e);
	if (removed < 0)
		po_log_warnx("cache", "eviction: %s", e.msg);
	else if (removed > 0)
		po_log_info("cache", "removed %d file%s past retention", removed, removed == 1 ? "" : "s");
	if (removed >= 0)
		po_runtime_index_prune(rt); /* forget indexes of files gone or changed */
}

int po_refresh(struct po_runtime *rt, const struct po_refresh_opts *o, struct po_plan_inputs *in,
	       struct po_rundown *out, struct playout_error *err)
{
	int64_t now = po_clock_now_ms(&rt->clock);
	int rc;

	memset(out, 0, sizeof *out);
	fill_durations(rt, o, &in->slots, &in->cat);
	rc = plan(rt, o, in, out, err);
	if (rc == PLAYOUT_OK && o->fetch && fetch_needed(rt, out, &in->cat, now, o->worker) > 0) {
		/* Durations are known now: plan again so caps and ends are exact. */
		po_rundown_free(out);
		fill_durations(rt, o, &in->slots, &in->cat);
		rc = plan(rt, o, in, out, err);
	}
	if (rc == PLAYOUT_OK && o->write_state && rt->state)
		po_state_put_rundown(rt->state, now, o->from_ms, out->v, out->n);
	if (rc == PLAYOUT_OK && o->fetch)
		evict(rt, out, &in->cat, o->from_ms);
	return rc;
}

struct po_snapshot *po_refresh_snapshot(struct po_runtime *rt, const struct po_rundown *r,
					int64_t planned_ms, struct po_worker *worker)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += r->v[i].nseg > 0;
	struct po_snapshot *snap = po_snapshot_new(n);
	if (!snap)
		return NULL;
	snap->planned_ms = planned_ms;
	size_t w = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct playout_item *it = &r->v[i];
		if (it->nseg == 0)
			continue;
		struct po_air_item *ai = &snap->v[w];
		int ok = 1;
		for (size_t s = 0; ok && s < it->nseg; s++) {
			struct playout_error e = {0};
			char path[4096];
			struct po_mp3_index *ix = po_runtime_index(rt, it->seg[s].asset, &e);
			if (!ix && worker && po_worker_fetching(worker, it->seg[s].asset)) {
				ok = 0; /* it comes with a later plan */
				break;
			}
			if (!ix || po_cache_path(rt->conf.cache_dir, it->seg[s].asset, path, sizeof path, &e) < 0) {
				po_log_warnx("player", "cannot air %s at item %s: %s", it->seg[s].asset,
					     it->pid, e.msg);
				ok = 0;
				break;
			}
			ai->path[s] = strdup(path);
			ai->idx[s] = po_mp3_index_ref(ix);
			if (!ai->path[s])
				ok = 0;
		}
		if (!ok) {
			for (size_t s = 0; s < PLAYOUT_MAX_SEGMENTS; s++) {
				free(ai->path[s]);
				ai->path[s] = NULL;
				po_mp3_index_unref(ai->idx[s]);
				ai->idx[s] = NULL;
			}
			continue;
		}
		ai->item = *it;
		w++;
	}
	snap->n = w;
	return snap;
}
