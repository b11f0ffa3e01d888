/*
 * One answer from an input, or the last good one (gather.h).
 */
#include "gather.h"

#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "catalog.h"
#include "inputs.h"
#include "log.h"

int po_gather_slots(struct po_runtime *rt, struct po_instance *pi, int64_t from_ms,
		    int64_t to_ms, int store, struct playout_slots *out,
		    struct playout_error *err)
{
	const struct playout_schedule_ops *ops = pi->mod.plugin->ops.schedule;
	struct playout_slots got = {0};
	int rc = ops->fetch(pi->inst, from_ms, to_ms, &got, err);
	if (rc == PLAYOUT_OK) {
		for (size_t k = 0; k < got.n && rc == PLAYOUT_OK; k++) {
			snprintf(got.v[k].source, sizeof got.v[k].source, "%s", pi->conf->label);
			rc = playout_slots_push(out, &got.v[k]);
		}
		if (rc < 0)
			playout_error_set(err, rc, "out of memory");
	} else if (err && !err->msg[0]) {
		playout_error_set(err, rc, "failed without a message (code %d)", rc);
	}
	if (rc == PLAYOUT_OK && store && rt->state && !po_state_readonly(rt->state))
		po_state_put_slots(rt->state, pi->conf->label, from_ms, to_ms,
				   po_clock_now_ms(&rt->clock), got.v, got.n);
	free(got.v);
	return rc;
}

int64_t po_gather_last_slots(struct po_runtime *rt, struct po_instance *pi, int64_t from_ms,
			     int64_t to_ms, struct playout_slots *out)
{
	if (!rt->state)
		return 0;
	po_state_get_slots(rt->state, pi->conf->label, from_ms, to_ms, out);
	return po_state_slots_fetched_ms(rt->state, pi->conf->label);
}

int po_gather_listing(struct po_runtime *rt, const struct playout_assets *prev, int store,
		      struct playout_assets *out, struct playout_error *err)
{
	const struct playout_storage_ops *ops = rt->storage->mod.plugin->ops.storage;
	int rc = ops->list(rt->storage->inst, out, err);
	if (rc != PLAYOUT_OK) {
		if (err && !err->msg[0])
			playout_error_set(err, rc, "failed without a message (code %d)", rc);
		out->n = 0;
		return PO_LISTING_FAILED;
	}
	po_catalog_prepare(out, prev);
	if (out->n == 0 && prev && prev->n > 0) {
		playout_error_set(err, PLAYOUT_EUNAVAIL,
				  "listed no files where the last listing had %zu: taken as an "
				  "outage (an unmounted share or a vanished folder looks like this)",
				  prev->n);
		return PO_LISTING_EMPTY;
	}
	if (store && rt->state && !po_state_readonly(rt->state)) {
		size_t written = 0;
		if (po_state_sync_assets(rt->state, prev ? prev->v : NULL, prev ? prev->n : 0,
					 out->v, out->n, &written) == PLAYOUT_OK && written)
			po_log_debug("storage", "listing: %zu of %zu rows changed", written, out->n);
	}
	return PO_LISTING_OK;
}

void po_gather_last_listing(struct po_runtime *rt, struct playout_assets *out)
{
	if (rt->state)
		po_state_get_assets(rt->state, out);
	po_catalog_sort(out);
}

struct cached_ctx {
	struct playout_assets *cat;
	size_t n0; /* the listing's own entries */
};

static int add_one(int dfd, const char *name, const struct stat *st, void *arg)
{
	struct cached_ctx *c = arg;
	struct playout_asset a;
	(void)dfd;
	if (po_catalog_find_exact(c->cat->v, c->n0, name))
		return 0;
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "%s", name);
	a.size = st->st_size;
	a.mtime_ms = po_cache_mtime_ms(st);
	return playout_assets_push(c->cat, &a) == PLAYOUT_OK;
}

size_t po_gather_add_cached(struct po_runtime *rt, struct playout_assets *cat)
{
	struct cached_ctx c = {cat, cat->n};
	int added = po_cache_each(rt->conf.cache_dir, add_one, &c, NULL);
	if (added <= 0)
		return 0;
	struct playout_assets extra = {cat->v + c.n0, (size_t)added, (size_t)added};
	po_catalog_prepare(&extra, NULL); /* parse the names */
	cat->n = c.n0 + extra.n;
	po_catalog_sort(cat);
	return extra.n;
}

void po_plan_inputs_free(struct po_plan_inputs *in)
{
	free(in->slots.v);
	free(in->cat.v);
	memset(in, 0, sizeof *in);
}

/* The daemon: what its input threads hold now. */
static void take_from_threads(struct po_runtime *rt, struct po_inputs *threads, int64_t from_ms,
			      int64_t to_ms, uint64_t *gen, struct po_plan_inputs *in)
{
	char why[256];
	int status = PO_LISTING_OK;
	in->slots.n = 0;
	po_inputs_slots(threads, from_ms, to_ms, &in->slots);
	if (!rt->storage)
		return;
	po_inputs_listing(threads, gen, &in->cat, &status, why, sizeof why);
	if (status != PO_LISTING_OK && in->cat.n == 0)
		po_gather_add_cached(rt, &in->cat);
}

/* playoutctl: every source asked now, the stored answers when one fails. */
static void ask_now(struct po_runtime *rt, int64_t from_ms, int64_t to_ms,
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

void po_gather_inputs(struct po_runtime *rt, struct po_inputs *threads, int64_t from_ms,
		      int64_t to_ms, uint64_t *listing_gen, struct po_plan_inputs *in)
{
	if (threads)
		take_from_threads(rt, threads, from_ms, to_ms, listing_gen, in);
	else
		ask_now(rt, from_ms, to_ms, in);
}
