/*
 * The provision stage (provision.h): downloads a rundown needs, and
 * eviction of what nobody wants.
 */
#include "provision.h"

#include <string.h>

#include "cache.h"
#include "catalog.h"
#include "clock.h"
#include "log.h"
#include "worker.h"

int po_provision_fetch(struct po_runtime *rt, const struct po_rundown *r,
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

struct keep_ctx {
	const struct po_rundown *r;
	const struct playout_assets *cat;
	int64_t from_ms;           /* the planning window's start */
};

/* Evicting a file the plan may want again would only download and probe
 * it again at the next round, round after round. */
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

int po_provision_evict(struct po_runtime *rt, struct po_media_cat *media,
		       const struct po_rundown *r, const struct playout_assets *cat,
		       int64_t from_ms)
{
	struct po_clock real;
	struct keep_ctx k = {r, cat, from_ms};
	struct playout_error e = {0};
	po_clock_init(&real, 0);
	int removed = po_cache_evict(rt->conf.cache_dir, keep_file, &k, po_clock_now_ms(&real),
				     (int64_t)rt->conf.cache_retention_days * 86400000, &e);
	if (removed < 0) {
		po_log_warnx("cache", "eviction: %s", e.msg);
		return removed;
	}
	if (removed > 0)
		po_log_info("cache", "removed %d file%s past retention", removed, removed == 1 ? "" : "s");
	po_media_prune(media); /* forget the files gone or changed */
	return removed;
}
