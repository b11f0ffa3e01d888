/*
 * The planning pass of refresh.h: gather slots and assets, cache the files
 * the next hours need, plan, and turn the plan into a player snapshot.
 */
#include "refresh.h"

#include <string.h>

#include "cache.h"
#include "filename.h"
#include "log.h"
#include "probe.h"
#include "timeutil.h"
#include "worker.h"

static void gather_slots(struct po_runtime *rt, const struct po_refresh_opts *o,
			 struct playout_slots *all)
{
	int64_t now = po_clock_now_ms(&rt->clock);
	struct po_instance *pi;
	for (size_t i = 0; (pi = po_runtime_nth(rt, PLAYOUT_KIND_SCHEDULE, i)); i++) {
		const struct playout_schedule_ops *ops = pi->mod.plugin->ops;
		struct playout_slots got = {0};
		struct playout_error e = {0};
		if (ops->fetch(pi->inst, o->from_ms, o->to_ms, &got, &e) == PLAYOUT_OK) {
			for (size_t k = 0; k < got.n; k++) {
				snprintf(got.v[k].source, sizeof got.v[k].source, "%s", pi->conf->label);
				playout_slots_push(all, &got.v[k]);
			}
			if (o->write_state && rt->state)
				po_state_put_slots(rt->state, pi->conf->label, o->from_ms, o->to_ms, now,
						   got.v, got.n);
		} else if (rt->state) {
			int64_t at = po_state_slots_fetched_ms(rt->state, pi->conf->label);
			po_log_warnx(pi->conf->label, "schedule unavailable (%s); using the last good answer%s%.0f min old",
				     e.msg, at ? ", " : " (none)", at ? (now - at) / 60000.0 : 0.0);
			po_state_get_slots(rt->state, pi->conf->label, o->from_ms, o->to_ms, all);
		} else {
			po_log_warnx(pi->conf->label, "schedule unavailable: %s", e.msg);
		}
		free(got.v);
	}
}

/* Parse names and drop the ones the cache could never hold. */
static void parse_assets(struct playout_assets *as)
{
	size_t w = 0;
	for (size_t i = 0; i < as->n; i++) {
		struct playout_asset *a = &as->v[i];
		if (!po_cache_name_ok(a->name)) {
			po_log_warnx("storage", "skipping \"%.80s\": not a plain file name", a->name);
			continue;
		}
		if (po_filename_to_asset(a) < 0) {
			a->start_ms = a->start_alt_ms = 0;
			a->pid[0] = '\0';
		}
		as->v[w++] = *a;
	}
	as->n = w;
}

static void gather_assets(struct po_runtime *rt, const struct po_refresh_opts *o,
			  struct playout_assets *as)
{
	if (!rt->storage)
		return;
	const struct playout_storage_ops *ops = rt->storage->mod.plugin->ops;
	struct playout_error e = {0};
	if (ops->list(rt->storage->inst, as, &e) == PLAYOUT_OK) {
		parse_assets(as);
		if (o->write_state && rt->state)
			po_state_put_assets(rt->state, as->v, as->n);
		return;
	}
	as->n = 0;
	po_log_warnx(rt->storage->conf->label, "listing failed (%s); planning with the last listing",
		     e.msg);
	if (rt->state)
		po_state_get_assets(rt->state, as);
}

/* Fill duration and frame fields of assets whose cached copy is current,
 * and the probe's flags. The cache only holds files the planning window
 * needs, so only those are decoded; the daemon (write_state) probes a file
 * once and keeps the answer in the state: on its worker when it has one (an
 * hour takes seconds to decode; the answer comes with a later plan), else
 * here. playoutctl reads those answers and otherwise only indexes. Then the
 * short-file rule. */
static void fill_durations(struct po_runtime *rt, const struct po_refresh_opts *o,
			   const struct playout_slots *slots, struct playout_assets *as)
{
	const struct po_probe_opts popts = { .silence_threshold_db = rt->conf.probe_silence_threshold_db,
					     .silence_max_s = rt->conf.probe_silence_max_s };
	int how = rt->state && o->write_state ? PO_MEDIA_PROBE | PO_MEDIA_STORE : 0;
	if (o->worker)
		how &= ~PO_MEDIA_PROBE;
	for (size_t i = 0; i < as->n; i++) {
		struct playout_asset *a = &as->v[i];
		struct playout_error e = {0};
		char path[4096];
		struct po_media m;
		a->flags = 0;
		a->why[0] = '\0';
		if (!po_cache_has(rt->conf.cache_dir, a))
			continue;
		if (po_cache_path(rt->conf.cache_dir, a->name, path, sizeof path, &e) == PLAYOUT_OK &&
		    po_media_scan(rt->state, path, &popts, how, &m, &e) == PLAYOUT_OK) {
			if (o->worker && m.indexed && !m.probed)
				po_worker_probe(o->worker, path, a->start_ms);
			a->flags = m.flags;
			snprintf(a->why, sizeof a->why, "%s", m.why);
			if (m.flags & PO_ASSET_UNPLAYABLE)
				continue;
		} else if (e.msg[0]) {
			po_log_warnx("probe", "%s: %s", a->name, e.msg);
		}
		struct po_mp3_index *ix = po_runtime_index(rt, a->name, &e);
		if (!ix) {
			po_log_warnx("cache", "%s: %s", a->name, e.msg);
			continue;
		}
		a->duration_ms = ix->duration_ms;
		a->nframes = ix->nframes;
		a->sample_rate = ix->sample_rate;
		a->samples_per_frame = ix->samples_per_frame;
	}
	po_probe_flag_short(as->v, as->n, slots->v, slots->n, rt->conf.probe_min_fill_percent);
}

static const struct playout_asset *find_asset(const struct playout_assets *as, const char *name)
{
	for (size_t i = 0; i < as->n; i++)
		if (strcmp(as->v[i].name, name) == 0)
			return &as->v[i];
	return NULL;
}

/* Copy into the cache every file an item of the window still needs, or
 * queue it on the worker (earliest air first). Returns how many files
 * arrived in this pass. */
static int fetch_needed(struct po_runtime *rt, const struct po_rundown *r,
			const struct playout_assets *as, int64_t now_ms, struct po_worker *worker)
{
	int arrived = 0;
	if (!rt->storage)
		return 0;
	const struct playout_storage_ops *ops = rt->storage->mod.plugin->ops;
	for (size_t i = 0; i < r->n; i++) {
		const struct playout_item *it = &r->v[i];
		if (it->end_ms <= now_ms)
			continue;
		for (size_t s = 0; s < it->nseg; s++) {
			const struct playout_asset *a = find_asset(as, it->seg[s].asset);
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
		const struct playout_slots *slots, const struct playout_assets *as,
		struct po_rundown *out, struct playout_error *err)
{
	struct po_plan_input in = {
		.from_ms = o->from_ms,
		.to_ms = o->to_ms,
		.slots = slots->v,
		.nslots = slots->n,
		.assets = as->v,
		.nassets = as->n,
		.caps = rt->conf.caps,
		.ncaps = rt->conf.ncaps,
	};
	if (rt->fallback) {
		in.fallback = rt->fallback->mod.plugin->ops;
		in.fallback_inst = rt->fallback->inst;
		in.fallback_label = rt->fallback->conf->label;
	}
	if (rt->join) {
		in.join = rt->join->mod.plugin->ops;
		in.join_inst = rt->join->inst;
		in.join_label = rt->join->conf->label;
	}
	return po_plan(&in, out, err);
}

/* Keep what the rundown needs and every listed file still ahead; older
 * files go once they are cache_retention_days past their air time. */
static void evict(struct po_runtime *rt, const struct po_rundown *r,
		  const struct playout_assets *as, int64_t now_ms)
{
	size_t cap = as->n, n = 0;
	for (size_t i = 0; i < r->n; i++)
		cap += r->v[i].nseg;
	const char **keep = calloc(cap ? cap : 1, sizeof *keep);
	struct playout_error e = {0};
	if (!keep)
		return;
	for (size_t i = 0; i < r->n; i++)
		for (size_t s = 0; s < r->v[i].nseg; s++)
			keep[n++] = r->v[i].seg[s].asset;
	for (size_t i = 0; i < as->n; i++)
		if (as->v[i].start_ms > now_ms || as->v[i].start_alt_ms > now_ms)
			keep[n++] = as->v[i].name;
	int removed = po_cache_evict(rt->conf.cache_dir, keep, n, now_ms,
				     (int64_t)rt->conf.cache_retention_days * 86400000, &e);
	if (removed < 0)
		po_log_warnx("cache", "eviction: %s", e.msg);
	else if (removed > 0)
		po_log_info("cache", "removed %d file%s past retention", removed, removed == 1 ? "" : "s");
	if (removed >= 0)
		po_runtime_index_prune(rt); /* forget indexes of files that left the cache */
	free(keep);
}

int po_refresh(struct po_runtime *rt, const struct po_refresh_opts *o, struct po_rundown *out,
	       struct playout_error *err)
{
	struct playout_slots slots = {0};
	struct playout_assets as = {0};
	int64_t now = po_clock_now_ms(&rt->clock);
	int rc;

	memset(out, 0, sizeof *out);
	gather_slots(rt, o, &slots);
	gather_assets(rt, o, &as);
	fill_durations(rt, o, &slots, &as);
	rc = plan(rt, o, &slots, &as, out, err);
	if (rc == PLAYOUT_OK && o->fetch && fetch_needed(rt, out, &as, now, o->worker) > 0) {
		/* Durations are known now: plan again so caps and ends are exact. */
		po_rundown_free(out);
		fill_durations(rt, o, &slots, &as);
		rc = plan(rt, o, &slots, &as, out, err);
	}
	if (rc == PLAYOUT_OK && o->write_state && rt->state)
		po_state_put_rundown(rt->state, now, o->from_ms, out->v, out->n);
	if (rc == PLAYOUT_OK && o->fetch)
		evict(rt, out, &as, now);
	free(slots.v);
	free(as.v);
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
