/*
 * Gathering the planning inputs: one answer from a schedule source or the
 * storage, and the last good answer kept in the state for when a source
 * cannot answer. These calls wait on the network: the daemon makes them on
 * its input threads (inputs.h), playoutctl directly.
 */
#ifndef PO_GATHER_H
#define PO_GATHER_H

#include <stdint.h>

#include <playout/plugin.h>
#include "runtime.h"

/* Ask schedule source pi for [from_ms, to_ms). Each slot is stamped with
 * the instance label. store: keep the answer as the source's last good one
 * (writable state only). On failure *out is left as it was and err says
 * why. */
int po_gather_slots(struct po_runtime *rt, struct po_instance *pi, int64_t from_ms,
		    int64_t to_ms, int store, struct playout_slots *out,
		    struct playout_error *err);
/* Append pi's last good answer overlapping the window from the state;
 * returns when it was received (UTC ms), 0 when never. */
int64_t po_gather_last_slots(struct po_runtime *rt, struct po_instance *pi, int64_t from_ms,
			     int64_t to_ms, struct playout_slots *out);

/* What po_gather_listing found. */
enum po_listing_status {
	PO_LISTING_OK = 0,
	PO_LISTING_FAILED,  /* the storage could not list: an outage */
	PO_LISTING_EMPTY,   /* it listed nothing where prev had files: a
	                       missing mount or a vanished folder looks like
	                       this, so it is an outage too, not "no files" */
};

/* The storage's listing now, as a catalogue (catalog.h), into *out (empty
 * on entry). prev: the last good listing, sorted. store: bring the stored
 * listing from prev to the new one (changed rows only; writable state).
 * Returns a po_listing_status; err says why when not OK (*out is then
 * empty). */
int po_gather_listing(struct po_runtime *rt, const struct playout_assets *prev, int store,
		      struct playout_assets *out, struct playout_error *err);
/* The last good listing from the state, sorted; empty when none. */
void po_gather_last_listing(struct po_runtime *rt, struct playout_assets *out);

/* Add to the catalogue cat (sorted) every programme file in the cache that
 * it does not list, with the cache's size and mtime, and keep it sorted: a
 * new state knows no listing, and what is cached can still play while the
 * storage cannot answer. Returns how many. */
size_t po_gather_add_cached(struct po_runtime *rt, struct playout_assets *cat);

/* What a plan is made from: the gather stage's output (doc/design.md §4). */
struct po_plan_inputs {
	struct playout_slots slots;
	struct playout_assets cat;  /* a catalogue (catalog.h): sorted, parsed;
	                               the media stage fills each cached file's
	                               fields */
};
void po_plan_inputs_free(struct po_plan_inputs *in);

struct po_inputs;

/* The gather stage: the inputs of a plan for [from_ms, to_ms) into *in.
 * threads (the daemon's, inputs.h): the last good answers they hold, never
 * waiting; in->slots is replaced, in->cat only when the listing changed
 * since *listing_gen. threads NULL (playoutctl): ask every source now,
 * taking the last good answer in the state where one fails (said in the
 * log). Either way, while the storage cannot answer and no listing was
 * ever kept, the cached files are the catalogue. */
void po_gather_inputs(struct po_runtime *rt, struct po_inputs *threads, int64_t from_ms,
		      int64_t to_ms, uint64_t *listing_gen, struct po_plan_inputs *in);

#endif
