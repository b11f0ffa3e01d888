/*
 * The media catalogue: what the core knows of each file in the cache, in
 * memory: its probe verdict and duration (media_scan.h, kept in the state)
 * and its frame index, loaded once per name, size and mtime and shared by
 * reference with the players. The media stage of a planning round
 * (doc/design.md §4): cached files in, asset durations and flags out.
 * Control thread only; the worker probes and writes verdicts to the state,
 * and the catalogue reads them there.
 */
#ifndef PO_MEDIA_H
#define PO_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include <playout/plugin.h>
#include "media_scan.h"
#include "mp3.h"
#include "probe.h"
#include "state.h"

struct po_media_cat;
struct po_worker;

struct po_media_conf {
	const char *cache_dir;      /* borrowed, valid for the catalogue's life */
	struct po_state *state;     /* NULL (no state), else borrowed likewise */
	struct po_probe_opts probe; /* for probes made here (no worker) */
};

/* *out: free with po_media_free. PLAYOUT_ENOMEM only. */
int po_media_new(const struct po_media_conf *c, struct po_media_cat **out,
		 struct playout_error *err);
/* Drops the catalogue's references; indexes a snapshot still holds stay
 * valid until their last unref. NULL is a no-op. */
void po_media_free(struct po_media_cat *mc);

/* Which assets po_media_feed filled: indexes into the catalogue it was
 * given. Caller-owned; free v. */
struct po_media_fed {
	size_t *v;
	size_t n, cap;
};

/* Fill in every asset of cat (sorted, catalog.h) whose file is in the cache
 * with the listing's size and mtime: flags and why from the verdict, and,
 * when playable, duration, frames and format. how: enum po_media_how for
 * files not yet known (PO_MEDIA_STORE: keep what is computed; with
 * PO_MEDIA_PROBE and no worker, decode now). worker (may be NULL): a file
 * indexed but not yet probed is queued there, and its verdict is read back
 * from the state at later calls. A cache folder this process cannot read
 * (playoutctl as another user) is filled from the state's stored scans.
 * fed (may be NULL) is emptied, then lists the assets filled. Returns how
 * many. */
size_t po_media_feed(struct po_media_cat *mc, struct playout_assets *cat, int how,
		     struct po_worker *worker, struct po_media_fed *fed);

/* The frame index of cached file name, one new reference (the caller
 * unrefs): from memory, else loaded once (po_media_load_index) and kept
 * while the file keeps its size and mtime; a changed file is indexed again.
 * NULL with err filled when it is not cached or will not index. */
struct po_mp3_index *po_media_index(struct po_media_cat *mc, const char *name,
				    struct playout_error *err);

/* The probe's integrated loudness (LUFS) and true peak (dBTP) of cached
 * file name as the catalogue last read them: 1 with *lufs and *tp set when
 * the file is probed and has audio above the gate, else 0 (not probed yet,
 * silent, unknown). For loudness normalisation (player.h). */
int po_media_loudness(const struct po_media_cat *mc, const char *name, double *lufs,
		      double *tp);

/* After cache eviction: forget the files no longer in the cache with their
 * size and mtime, and (writable state) the stored scans and indexes of
 * every file gone or changed. Returns how many in-memory entries went. */
int po_media_prune(struct po_media_cat *mc);

/* How many files the catalogue knows, and how many frame indexes it holds
 * (for tests and diagnostics). */
size_t po_media_count(const struct po_media_cat *mc, size_t *nindexed);

#endif
