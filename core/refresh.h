/*
 * One planning round (doc/design.md §4), as a sequence of stages with data
 * flowing one way: gather (gather.h, done before) -> media (media.h) ->
 * plan (rundown.h) -> provision (provision.h) -> publish (snapshot.h, by
 * the caller). It never waits on the network: the daemon's control thread
 * calls it whenever an input, a download or a probe answers.
 */
#ifndef PO_REFRESH_H
#define PO_REFRESH_H

#include "gather.h"
#include "rundown.h"
#include "runtime.h"

struct po_worker;

struct po_refresh_opts {
	int64_t from_ms, to_ms; /* the planning window */
	int write_state;        /* store the rundown, probe answers (the daemon) */
	int fetch;              /* copy the files the rundown needs into the cache
	                           and evict what is not wanted */
	struct po_worker *worker; /* the daemon's: downloads and probes are queued
	                             there, not done in the round; NULL: done now */
};

/* Media, plan and provision for the inputs in (gathered by
 * po_gather_inputs; the media stage fills the cached files' fields in
 * in->cat). out: free with po_rundown_free. Fails only when nothing can be
 * planned. */
int po_refresh(struct po_runtime *rt, const struct po_refresh_opts *o, struct po_plan_inputs *in,
	       struct po_rundown *out, struct playout_error *err);

#endif
