/*
 * The media catalogue (media.h): one entry per cached file, sorted by name,
 * holding the verdict and, once asked for, the frame index of the file as
 * it was when scanned. An entry whose file changed is scanned again.
 */
#include "media.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "catalog.h"
#include "log.h"
#include "rundown.h"
#include "worker.h"

struct entry {
	char name[PLAYOUT_NAME_MAX];
	int64_t size, mtime_ms;      /* the file the facts below describe */
	int scanned;                 /* m is filled */
	struct po_media m;
	struct po_mp3_index *idx;    /* NULL until made or asked for; one reference */
};

struct po_media_cat {
	struct po_media_conf c;
	struct entry **v;            /* sorted by name (strcmp) */
	size_t n, cap;
};

int po_media_new(const struct po_media_conf *c, struct po_media_cat **out,
		 struct playout_error *err)
{
	struct po_media_cat *mc = calloc(1, sizeof *mc);
	if (!mc)
		return playout_error_set(err, PLAYOUT_ENOMEM, "media: out of memory");
	mc->c = *c;
	*out = mc;
	return PLAYOUT_OK;
}

static void entry_forget(struct entry *e)
{
	po_mp3_index_unref(e->idx);
	e->idx = NULL;
	e->scanned = 0;
}

void po_media_free(struct po_media_cat *mc)
{
	if (!mc)
		return;
	for (size_t i = 0; i < mc->n; i++) {
		entry_forget(mc->v[i]);
		free(mc->v[i]);
	}
	free(mc->v);
	free(mc);
}

size_t po_media_count(const struct po_media_cat *mc, size_t *nindexed)
{
	size_t k = 0;
	for (size_t i = 0; i < mc->n; i++)
		k += mc->v[i]->idx != NULL;
	if (nindexed)
		*nindexed = k;
	return mc->n;
}

/* Where name is, or where it would go. */
static size_t find_pos(const struct po_media_cat *mc, const char *name, int *found)
{
	size_t lo = 0, hi = mc->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(mc->v[mid]->name, name);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

/* The entry of name describing a file of this size and mtime: an entry
 * for an older copy is emptied first. NULL on ENOMEM. */
static struct entry *entry_for(struct po_media_cat *mc, const char *name, int64_t size,
			       int64_t mtime_ms)
{
	int found;
	size_t at = find_pos(mc, name, &found);
	struct entry *e;
	if (found) {
		e = mc->v[at];
	} else {
		if (mc->n == mc->cap) {
			size_t cap = mc->cap ? mc->cap * 2 : 64;
			struct entry **v = realloc(mc->v, cap * sizeof *v);
			if (!v)
				return NULL;
			mc->v = v;
			mc->cap = cap;
		}
		e = calloc(1, sizeof *e);
		if (!e)
			return NULL;
		snprintf(e->name, sizeof e->name, "%s", name);
		memmove(&mc->v[at + 1], &mc->v[at], (mc->n - at) * sizeof *mc->v);
		mc->v[at] = e;
		mc->n++;
	}
	if (e->size != size || e->mtime_ms != mtime_ms) {
		entry_forget(e);
		e->size = size;
		e->mtime_ms = mtime_ms;
	}
	return e;
}

/* The verdict of e is final once probed or known unindexable; until then,
 * with a worker on it or a probe asked for, it is read again. */
static int needs_scan(const struct entry *e, int how, const struct po_worker *worker)
{
	if (!e->scanned)
		return 1;
	return e->m.indexed && !e->m.probed && (worker || (how & PO_MEDIA_PROBE));
}

static void fed_push(struct po_media_fed *fed, size_t i)
{
	if (!fed)
		return;
	if (fed->n == fed->cap) {
		size_t cap = fed->cap ? fed->cap * 2 : 64;
		size_t *v = realloc(fed->v, cap * sizeof *v);
		if (!v)
			return; /* the short-file rule skips this file this round */
		fed->v = v;
		fed->cap = cap;
	}
	fed->v[fed->n++] = i;
}

/* Copy a verdict onto its asset: flags always, durations when playable. */
static void apply(struct playout_asset *a, const struct po_media *m)
{
	a->flags = m->flags;
	snprintf(a->why, sizeof a->why, "%s", m->why);
	if ((m->flags & PO_ASSET_UNPLAYABLE) || !m->indexed)
		return;
	a->duration_ms = m->duration_ms;
	a->nframes = m->nframes;
	a->sample_rate = m->sample_rate;
	a->samples_per_frame = m->samples_per_frame;
}

/* One cached file: its entry, scanned again when needed, onto a. Returns 1
 * when a was filled. */
static int feed_one(struct po_media_cat *mc, struct playout_asset *a, int how,
		    struct po_worker *worker)
{
	struct playout_error e = {0};
	char path[4096];
	a->flags = 0;
	a->why[0] = '\0';
	struct entry *en = entry_for(mc, a->name, a->size, a->mtime_ms);
	if (!en || po_cache_path(mc->c.cache_dir, a->name, path, sizeof path, &e) < 0)
		return 0;
	if (worker)
		how &= ~PO_MEDIA_PROBE; /* an hour takes seconds to decode: not here */
	if (needs_scan(en, how, worker)) {
		struct po_mp3_index *ix = NULL;
		if (po_media_scan_index(mc->c.state, path, &mc->c.probe, how, &en->m, &ix, &e) < 0) {
			po_log_warnx("media", "%s: %s", a->name, e.msg);
			en->scanned = 0;
			return 0;
		}
		en->scanned = 1;
		if (ix && !en->idx && ix->file_size == en->size && ix->file_mtime_ms == en->mtime_ms)
			en->idx = ix;
		else
			po_mp3_index_unref(ix);
		if (worker && en->m.indexed && !en->m.probed)
			po_worker_probe(worker, path, a->start_ms);
	}
	apply(a, &en->m);
	return 1;
}

struct feed_ctx {
	struct po_media_cat *mc;
	struct playout_assets *cat;
	int how;
	struct po_worker *worker;
	struct po_media_fed *fed;
};

static int feed_cached(int dfd, const char *name, const struct stat *st, void *arg)
{
	struct feed_ctx *c = arg;
	struct playout_asset *a = po_catalog_find_exact(c->cat->v, c->cat->n, name);
	(void)dfd;
	if (!a || st->st_size != a->size || po_cache_mtime_ms(st) != a->mtime_ms ||
	    !feed_one(c->mc, a, c->how, c->worker))
		return 0;
	fed_push(c->fed, (size_t)(a - c->cat->v));
	return 1;
}

/* A cache folder this process cannot read (playoutctl run by a user other
 * than the daemon's: the daemon makes the folder 0750): fill each listed
 * file from the daemon's stored scan of that path with the listing's size
 * and mtime. The daemon forgets the scans of files that leave the cache,
 * so a row means it holds exactly that file. Without it every cached
 * programme would plan with no duration (cap 0, the slot end), unlike the
 * daemon's own plan, and say nothing. */
static size_t feed_from_state(struct po_media_cat *mc, struct playout_assets *cat,
			      struct po_media_fed *fed, const char *why)
{
	size_t filled = 0;
	for (size_t i = 0; mc->c.state && i < cat->n; i++) {
		struct playout_asset *a = &cat->v[i];
		char path[4096], *text = NULL;
		struct po_media m;
		if (po_cache_path(mc->c.cache_dir, a->name, path, sizeof path, NULL) < 0 ||
		    po_state_media_get(mc->c.state, path, a->size, a->mtime_ms, &text) != PLAYOUT_OK)
			continue;
		int rc = po_media_decode(text, &m);
		free(text);
		if (rc != PLAYOUT_OK || !m.indexed)
			continue;
		apply(a, &m);
		fed_push(fed, i);
		filled++;
	}
	po_log_warnx("cache", "%s: %zu file%s taken from the daemon's stored scans%s", why, filled,
		     filled == 1 ? "" : "s", mc->c.state ? "" : " (no state either: durations unknown)");
	return filled;
}

size_t po_media_feed(struct po_media_cat *mc, struct playout_assets *cat, int how,
		     struct po_worker *worker, struct po_media_fed *fed)
{
	struct feed_ctx c = {mc, cat, how, worker, fed};
	struct playout_error e = {0};
	if (fed)
		fed->n = 0;
	/* The cache holds only what the planning window needs (plus files past
	 * their air time for a while), so walk it, not the listing. */
	int n = po_cache_each(mc->c.cache_dir, feed_cached, &c, &e);
	if (n >= 0)
		return (size_t)n;
	if (access(mc->c.cache_dir, F_OK) != 0)
		return 0; /* no folder yet: nothing is cached */
	return feed_from_state(mc, cat, fed, e.msg);
}

struct po_mp3_index *po_media_index(struct po_media_cat *mc, const char *name,
				    struct playout_error *err)
{
	char path[4096];
	struct stat st;
	if (po_cache_path(mc->c.cache_dir, name, path, sizeof path, err) < 0)
		return NULL;
	if (stat(path, &st) < 0) {
		playout_error_set(err, PLAYOUT_ENOTFOUND, "%s: not in the cache", name);
		return NULL;
	}
	struct entry *en = entry_for(mc, name, st.st_size, po_cache_mtime_ms(&st));
	if (!en) {
		playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
		return NULL;
	}
	if (!en->idx) {
		struct po_mp3_index *ix = NULL;
		if (po_media_load_index(mc->c.state, path, en->size, en->mtime_ms, 1, &ix, err) < 0)
			return NULL;
		/* keyed by what was indexed: a file that changed meanwhile differs
		 * from it at the next call and is indexed again */
		if (ix->file_size != en->size || ix->file_mtime_ms != en->mtime_ms) {
			entry_forget(en);
			en->size = ix->file_size;
			en->mtime_ms = ix->file_mtime_ms;
		}
		en->idx = ix;
	}
	return po_mp3_index_ref(en->idx);
}

int po_media_loudness(const struct po_media_cat *mc, const char *name, double *lufs,
		      double *tp)
{
	int found;
	size_t at = find_pos(mc, name, &found);
	if (!found)
		return 0;
	const struct po_media *m = &mc->v[at]->m;
	if (!mc->v[at]->scanned || !m->probed || !isfinite(m->probe.integrated_lufs))
		return 0;
	*lufs = m->probe.integrated_lufs;
	*tp = m->probe.true_peak_dbtp;
	return 1;
}

/* 1 when path is still there with this size and mtime. */
static int same_file(const char *path, int64_t size, int64_t mtime_ms)
{
	struct stat sb;
	return stat(path, &sb) == 0 && (int64_t)sb.st_size == size &&
	       po_cache_mtime_ms(&sb) == mtime_ms;
}

static int keep_row(const char *path, int64_t size, int64_t mtime_ms, void *arg)
{
	(void)arg;
	return same_file(path, size, mtime_ms);
}

int po_media_prune(struct po_media_cat *mc)
{
	size_t w = 0;
	int dropped = 0;
	for (size_t i = 0; i < mc->n; i++) {
		struct entry *e = mc->v[i];
		char path[4096];
		if (po_cache_path(mc->c.cache_dir, e->name, path, sizeof path, NULL) == PLAYOUT_OK &&
		    same_file(path, e->size, e->mtime_ms)) {
			mc->v[w++] = e;
			continue;
		}
		entry_forget(e);
		free(e);
		dropped++;
	}
	mc->n = w;
	if (mc->c.state && !po_state_readonly(mc->c.state)) {
		int n = po_state_media_prune(mc->c.state, keep_row, NULL);
		if (n > 0)
			po_log_info("cache", "forgot the stored scans of %d file(s) gone or changed", n);
	}
	return dropped;
}
