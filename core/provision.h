/*
 * The provision stage of a planning round (doc/design.md §4): from a
 * rundown to the cache it needs. What to fetch (queued on the worker,
 * earliest air first, or fetched now without one) and what to evict.
 * Not the planning (rundown.h), not the copying itself (cache.h).
 * Control thread (playoutctl's only thread).
 */
#ifndef PO_PROVISION_H
#define PO_PROVISION_H

#include <stdint.h>

#include <playout/plugin.h>
#include "media.h"
#include "rundown.h"
#include "runtime.h"

struct po_worker;

/* Bring into the cache every file an item ending after now_ms still needs
 * (cat: the catalogue the rundown was planned from): queued on worker when
 * given, else fetched now. Returns how many files arrived in this call
 * (always 0 with a worker: they arrive later). */
int po_provision_fetch(struct po_runtime *rt, const struct po_rundown *r,
		       const struct playout_assets *cat, int64_t now_ms, struct po_worker *worker);

/* Evict what the rundown no longer wants (po_cache_evict): kept are the
 * files it plays, and the files still listed that the plan may want again:
 * undated ones (sustainers), ones dated at or after from_ms (the window's
 * start) and ones flagged unplayable (their verdict lives with the copy).
 * The rest goes cache_retention_days after its air time BY THE REAL CLOCK,
 * whatever rt's clock says: a rehearsal (--pretend-now) on a shared cache
 * never removes a programme still ahead. Then media forgets what went.
 * Returns how many files were removed, or a negative code. */
int po_provision_evict(struct po_runtime *rt, struct po_media_cat *media,
		       const struct po_rundown *r, const struct playout_assets *cat,
		       int64_t from_ms);

#endif
