/*
 * The daemon's background work: downloads into the cache (up to a set number
 * at once) and probes (decode and measure, one at a time), so that neither a
 * slow uplink nor an hour's decode holds up the control loop. The control
 * thread queues jobs and is told through a descriptor when some ended; it
 * then plans again. Jobs are named by file: a file already queued or
 * running is not queued twice, and a download that failed waits (30 s,
 * doubling up to 10 min) before it may be queued again; one nobody asks for
 * again is forgotten.
 */
#ifndef PO_WORKER_H
#define PO_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include <playout/plugin.h>
#include "probe.h"
#include "state.h"

struct po_worker;

struct po_worker_conf {
	const char *cache_dir;                 /* borrowed, outlives the worker */
	const struct playout_storage_ops *ops; /* NULL: no downloads */
	void *storage;                         /* the storage instance */
	const char *storage_label;             /* for messages */
	struct po_state *state;                /* probes keep their answer here; may be NULL */
	struct po_probe_opts probe;
	int downloads;                         /* at once, >= 1 */
	int retry_ms;                          /* first wait after a failed
	                                          download; 0: 30 s */
};

int po_worker_start(const struct po_worker_conf *c, struct po_worker **out,
		    struct playout_error *err);
/* Drop the queued jobs, stop the downloads in flight (they resume next
 * time), wait for the threads. NULL is a no-op. */
void po_worker_stop(struct po_worker *w);

/* Readable when jobs ended; po_worker_collect empties it. */
int po_worker_fd(const struct po_worker *w);
/* How many jobs succeeded since the last call (a download arrived, a probe
 * was kept): the control thread plans again when it is not 0. */
unsigned po_worker_collect(struct po_worker *w);

/* Queue a download of a into the cache, earliest air time (start_ms) first.
 * Returns 1 when queued, 0 when it is already queued, running or waiting
 * after a failure. */
int po_worker_fetch(struct po_worker *w, const struct playout_asset *a, int64_t air_ms);
/* 1 when a download of name is queued or running. */
int po_worker_fetching(struct po_worker *w, const char *name);
/* Queue a probe of a cached file (path inside the cache), earliest air time
 * first: a file due soon is judged (silent? no audio?) before the rest.
 * 1 queued, 0 not. */
int po_worker_probe(struct po_worker *w, const char *path, int64_t air_ms);

#endif
