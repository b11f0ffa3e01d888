/*
 * The daemon's inputs, gathered beside the control loop: one thread per
 * schedule source, one for the storage listing and one for chores that talk
 * to the network (the DNS record, re-reading secrets on SIGHUP). Each asks
 * its source every plan interval or when kicked, keeps the last good answer
 * (the state's, from the start) and wakes the control thread through a
 * descriptor. The control thread only reads what arrived: a blackholed
 * calendar or bucket never delays a plan, and the first plan at start comes
 * from the state and the cache at once.
 */
#ifndef PO_INPUTS_H
#define PO_INPUTS_H

#include <stdint.h>

#include <playout/plugin.h>
#include "alarms.h"
#include "gather.h"
#include "runtime.h"

struct po_inputs;

/* Control thread, before the players start: load the last good answers from
 * the state, then start the threads (they ask at once). */
int po_inputs_start(struct po_runtime *rt, struct po_inputs **out, struct playout_error *err);
/* Ask every source again now (a plan interval passed). */
void po_inputs_kick(struct po_inputs *in);
/* Ask the storage again now (its watch descriptor fired). */
void po_inputs_kick_storage(struct po_inputs *in);
/* SIGHUP: the chores thread re-reads the secrets, then every source is
 * asked again. Returns at once. */
void po_inputs_reload(struct po_inputs *in);
/* Readable when an answer arrived; po_inputs_collect empties it and returns
 * 1 when an answer changed what the plan may see. */
int po_inputs_fd(const struct po_inputs *in);
int po_inputs_collect(struct po_inputs *in);

/* Say (once per call) which source has been silent for 5 s; the plan goes
 * on with its last good answer meanwhile. Returns 1 while any call is in
 * flight (ask again within a second), else 0. */
int po_inputs_overdue(struct po_inputs *in);

/* Append the last good slots of every source overlapping the window. */
void po_inputs_slots(struct po_inputs *in, int64_t from_ms, int64_t to_ms,
		     struct playout_slots *out);
/* The storage: when its last good listing changed since *gen, replace *cat
 * with a copy (sorted) and return 1; else 0. *status: enum
 * po_listing_status of the last attempt; why: its message ("" when OK). */
int po_inputs_listing(struct po_inputs *in, uint64_t *gen, struct playout_assets *cat,
		      int *status, char *why, size_t nwhy);

/* The sources' health for the alarms: each schedule source (up to max)
 * into v; whether the storage answered since the start, and its failure
 * (with when it began and why). Returns how many sources. Control thread. */
size_t po_inputs_health(struct po_inputs *in, struct po_source_health *v, size_t max,
			int *storage_answered, int *storage_failing, int64_t *storage_since_ms,
			char *why, size_t nwhy);

/* Stop the threads: a call in flight on the network ends within about a
 * second (po_http_abort_all); a thread still inside a plugin after ~1.5 s
 * (a hung file system) is abandoned. Returns how many were abandoned: the
 * caller must then not destroy the plugin instances. NULL is a no-op. */
size_t po_inputs_stop(struct po_inputs *in);

#endif
