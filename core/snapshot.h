/*
 * The publish stage of a planning round (doc/design.md §4): a rundown
 * turned into the players' immutable snapshot. The snapshot type, its
 * references and the snapbox are in player.h.
 */
#ifndef PO_SNAPSHOT_H
#define PO_SNAPSHOT_H

#include <stdint.h>

#include "media.h"
#include "player.h"
#include "rundown.h"

struct po_worker;

/* The items of r whose files are all cached and indexed, each with its
 * paths and a reference to each frame index (from media). An item waiting
 * for a download of worker (may be NULL) is left out quietly: it comes
 * with a later round; one that cannot air otherwise is left out and
 * logged. One reference (po_snapshot_unref), NULL on ENOMEM. Control
 * thread. */
struct po_snapshot *po_snapshot_build(struct po_media_cat *media, const char *cache_dir,
				      const struct po_rundown *r, int64_t planned_ms,
				      struct po_worker *worker);

#endif
