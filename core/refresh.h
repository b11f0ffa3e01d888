/*
 * One planning pass: ask every schedule source and the storage, fall back to
 * their last good answers in the state store when they fail, bring needed
 * files into the cache, and plan the rundown. Control thread.
 */
#ifndef PO_REFRESH_H
#define PO_REFRESH_H

#include "player.h"
#include "rundown.h"
#include "runtime.h"

struct po_worker;

struct po_refresh_opts {
	int64_t from_ms, to_ms; /* the planning window */
	int write_state;        /* store slots, listing and rundown (the daemon) */
	int fetch;              /* copy the files the rundown needs into the cache */
	struct po_worker *worker; /* the daemon's: downloads and probes are queued
	                             there, not done in the pass; NULL: done now */
};

/* out: free with po_rundown_free. Fails only when nothing can be planned
 * (no storage answer and no stored listing is fine: an empty rundown). */
int po_refresh(struct po_runtime *rt, const struct po_refresh_opts *o, struct po_rundown *out,
	       struct playout_error *err);

/* The player's view of a rundown: items whose files are all cached and
 * indexed, each with its paths and index references. One reference. An item
 * waiting for a download of worker (may be NULL) is left out quietly. */
struct po_snapshot *po_refresh_snapshot(struct po_runtime *rt, const struct po_rundown *r,
					int64_t planned_ms, struct po_worker *worker);

#endif
