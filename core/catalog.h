/*
 * The catalogue: a storage listing made ready for planning. Names are
 * checked (a name the cache could never hold is dropped), parsed
 * (yyyymmdd_hhmm_<pid>.mp3 gives the air time and pid) and sorted, so a
 * file is found by name in O(log n) however large the archive. The order is
 * case-insensitive first (names are matched that way), then byte order, so
 * it is total and two listings can be compared in one pass.
 */
#ifndef PO_CATALOG_H
#define PO_CATALOG_H

#include <stddef.h>

#include <playout/plugin.h>

/* The catalogue's order: strcasecmp, then strcmp. */
int po_catalog_cmp(const char *a, const char *b);

/* Drop names the cache refuses (with a warning), parse the others (air time,
 * pid; the core's fields from the probe are cleared) and sort. known (a
 * sorted catalogue, may be NULL): names it holds are not parsed again. */
void po_catalog_prepare(struct playout_assets *as, const struct playout_assets *known);

/* Sort only (the names are parsed already: a stored listing). */
void po_catalog_sort(struct playout_assets *as);

/* In a sorted catalogue: the asset named name, compared case-insensitively
 * (an exact match preferred among names that differ only in case), or NULL. */
const struct playout_asset *po_catalog_find(const struct playout_asset *v, size_t n,
					    const char *name);
/* The same, byte for byte (mutable when v is). */
struct playout_asset *po_catalog_find_exact(const struct playout_asset *v, size_t n,
					    const char *name);

#endif
