/*
 * The planner: from schedule slots and storage assets to the rundown, the
 * list of items that will go on air, each with its decision and reason.
 * Pure: no I/O, no clock; the caller passes everything in. Control thread.
 */
#ifndef PO_RUNDOWN_H
#define PO_RUNDOWN_H

#include <stdint.h>
#include <stddef.h>

#include <playout/plugin.h>
#include "config.h"

/* Core-private asset flag (beside plugin.h's PLAYOUT_ASSET_*): the file is
 * shorter than min_fill_percent of the slot it would fill. */
#define PO_ASSET_SHORT 0x100u
/* Flags that keep a file off air (DAMAGED is informational). */
#define PO_ASSET_UNPLAYABLE (PLAYOUT_ASSET_NO_AUDIO | PLAYOUT_ASSET_SILENT | PO_ASSET_SHORT)

struct po_plan_input {
	int64_t from_ms, to_ms;          /* the window; items overlapping it */
	const struct playout_slot *slots;
	size_t nslots;
	const struct playout_asset *assets; /* parsed (po_filename_to_asset) */
	size_t nassets;
	int assets_sorted;               /* in the catalogue's order (catalog.h):
	                                    names are found by binary search */
	const struct po_cap *caps;
	size_t ncaps;
	/* optional plugins (NULL when not configured) */
	const struct playout_fallback_ops *fallback;
	void *fallback_inst;
	const char *fallback_label;
	const struct playout_join_ops *join;
	void *join_inst;
	const char *join_label;
};

struct po_rundown {
	struct playout_item *v; /* sorted by start_ms; playable items never
	                           overlap (a missing item keeps its slot's
	                           times, which may overlap the next item) */
	size_t n;
};

/* Rules (DESIGN.md):
 * - a file whose name carries a time in the window plays at that time, with
 *   or without a slot (exact / storage-only);
 * - in the repeated autumn hour a slot of the same pid at either instant
 *   decides; else the first occurrence;
 * - a RECORDED slot with no file asks the fallback, else is missing;
 *   LIVE slots produce no item;
 * - the join plugin may merge neighbours;
 * - each item is capped by the cap table (duration known) and cut where the
 *   next item starts; unknown durations end at the slot end, else at
 *   start + the largest cap.
 * - times in reasons are shown in the process zone (TZ, see po_tz_set).
 * Cost: one pass over the assets, then work in the files near the window
 * (and, per slot without a file, what the fallback plugin spends), so an
 * archive of 100,000 dated files plans in milliseconds.
 * Returns PLAYOUT_OK (out filled, v NULL when empty; free with
 * po_rundown_free), PLAYOUT_EINVAL (empty window, NULL arrays) or ENOMEM.
 * A fallback error makes the slot missing (the reason says why); a join
 * error is logged and the items are kept unjoined. */
int po_plan(const struct po_plan_input *in, struct po_rundown *out, struct playout_error *err);
void po_rundown_free(struct po_rundown *r);

const char *po_decision_name(int decision); /* "exact", "storage-only", ... */

/* The short-file rule, applied to each file before it is planned: a file
 * whose known duration is under min_fill_percent of the RECORDED slot it
 * would fill (the slot that names it, or a slot of its pid at its time)
 * stays off air, so the fallback fills the slot instead of a few minutes
 * of programme and then dead air. Pure, like po_plan.
 * po_plan_short: 1 when a is short for one of slots (a file already
 * unplayable, of unknown duration, or min_fill_percent <= 0: 0), with the
 * reason ("is 5:00 long, under 50% of its 60:00 slot") in why when given. */
int po_plan_short(const struct playout_asset *a, const struct playout_slot *slots, size_t nslots,
		  int min_fill_percent, char *why, size_t nwhy);
/* Set PO_ASSET_SHORT and a->why on each of as[0..n) that po_plan_short
 * finds short. */
void po_plan_flag_short(struct playout_asset *as, size_t n, const struct playout_slot *slots,
			size_t nslots, int min_fill_percent);

#endif
