/*
 * One planning pass, from inputs already gathered (gather.h, inputs.h): fill
 * in what the cache knows of each file (duration, frames, probe flags), plan
 * the rundown, bring the files it needs into the cache, keep the plan in the
 * state and evict what is no longer wanted. It never waits on the network:
 * the daemon's control thread calls it whenever an input, a download or a
 * probe answers.
 */
#ifndef PO_REFRESH_H
#define PO_REFRESH_H

#include "player.h"
#include "rundown.h"
#include "runtime.h"

struct po_worker;

/* What a plan is made from. */
struct po_plan_inputs {
	struct playout_slots slots;
	struct playout_assets cat;  /* a catalogue (catalog.h): sorted, parsed;
	                               the pass fills each cached file's fields */
};
void po_plan_inputs_free(struct po_plan_inputs *in);

/* playoutctl: ask every source now for the window, taking the last good
 * answer in the state where one fails (said on stderr); while the storage
 * cannot answer, the last good listing, or the cached files when none was
 * ever kept. */
void po_refresh_gather(struct po_runtime *rt, int64_t from_ms, int64_t to_ms,
		       struct po_plan_inputs *in);

struct po_refresh_opts {
	int64_t from_ms, to_ms; /* the planning window */
	int write_state;        /* store the rundown, probe answers (the daemon) */
	int fetch;              /* copy the files the rundown needs into the cache
	                           and evict what is not wanted */
	struct po_worker *worker; /* the daemon's: downloads and probes are queued
	                             there, not done in the pass; NULL: done now */
};

/* out: free with po_rundown_free. Fails only when nothing can be planned. */
int po_refresh(struct po_runtime *rt, const struct po_refresh_opts *o, struct po_plan_inputs *in,
	       struct po_rundown *out, struct playout_error *err);

/* The player's view of a rundown: items whose files are all cached and
 * indexed, each with its paths and index references. One reference. An item
 * waiting for a download of worker (may be NULL) is left out quietly. */
struct po_snapshot *po_refresh_snapshot(struct po_runtime *rt, const struct po_rundown *r,
					int64_t planned_ms, struct po_worker *worker);

#endif
