/*
 * The catalogue of catalog.h: checked, parsed and sorted listings.
 */
#include "catalog.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cache.h"
#include "filename.h"
#include "log.h"

int po_catalog_cmp(const char *a, const char *b)
{
	int c = strcasecmp(a, b);
	return c ? c : strcmp(a, b);
}

static int asset_cmp(const void *pa, const void *pb)
{
	const struct playout_asset *a = pa, *b = pb;
	return po_catalog_cmp(a->name, b->name);
}

void po_catalog_sort(struct playout_assets *as)
{
	if (as->n > 1)
		qsort(as->v, as->n, sizeof *as->v, asset_cmp);
}

void po_catalog_prepare(struct playout_assets *as, const struct playout_assets *known)
{
	size_t w = 0;
	for (size_t i = 0; i < as->n; i++) {
		struct playout_asset *a = &as->v[i];
		a->name[sizeof a->name - 1] = '\0';
		if (!po_cache_name_ok(a->name)) {
			po_log_warnx("storage", "skipping \"%.80s\": not a plain file name", a->name);
			continue;
		}
		/* Station time to UTC costs microseconds a name: a listing of
		 * 100,000 files takes the answer of the last one where it can. */
		const struct playout_asset *k =
			known ? po_catalog_find_exact(known->v, known->n, a->name) : NULL;
		if (k) {
			a->start_ms = k->start_ms;
			a->start_alt_ms = k->start_alt_ms;
			memcpy(a->pid, k->pid, sizeof a->pid);
		} else if (po_filename_to_asset(a) < 0) {
			a->start_ms = a->start_alt_ms = 0;
			a->pid[0] = '\0';
		}
		a->duration_ms = 0;
		a->nframes = 0;
		a->sample_rate = a->samples_per_frame = 0;
		a->flags = 0;
		a->why[0] = '\0';
		if (w != i)
			as->v[w] = *a;
		w++;
	}
	as->n = w;
	po_catalog_sort(as);
}

/* First index whose name is not case-insensitively below name. */
static size_t lower_bound(const struct playout_asset *v, size_t n, const char *name)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcasecmp(v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct playout_asset *po_catalog_find(const struct playout_asset *v, size_t n,
					    const char *name)
{
	size_t i = lower_bound(v, n, name);
	const struct playout_asset *first = NULL;
	for (; i < n && strcasecmp(v[i].name, name) == 0; i++) {
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
		if (!first)
			first = &v[i];
	}
	return first;
}

struct playout_asset *po_catalog_find_exact(const struct playout_asset *v, size_t n,
					    const char *name)
{
	for (size_t i = lower_bound(v, n, name); i < n && strcasecmp(v[i].name, name) == 0; i++)
		if (strcmp(v[i].name, name) == 0)
			return (struct playout_asset *)&v[i];
	return NULL;
}
