/*
 * /metrics: what the state says about the station, in the Prometheus text
 * format (version 0.0.4). Collecting (reading the state and the cache
 * folder) and rendering (pure) are apart, so the rendering is tested on
 * figures made by hand. Any thread, on its own state handle.
 */
#ifndef PO_METRICS_H
#define PO_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "state.h"

/* Upper bounds of the start-error buckets, seconds (+Inf is implied). */
#define PO_METRICS_NBUCKETS 10
extern const double po_metrics_bucket_s[PO_METRICS_NBUCKETS];

#define PO_METRICS_NOUTCOMES 12
#define PO_METRICS_NDECISIONS 5

struct po_metrics_output {
	char output[96];
	int up;                               /* 1 on air, 0 idle or down, -1 no row */
	uint64_t bucket[PO_METRICS_NBUCKETS]; /* not cumulative: plays in each band */
	uint64_t over;                        /* above the last bound */
	double sum_s;                         /* of |start error| */
	struct {
		char outcome[32];
		int64_t n;
	} outcomes[PO_METRICS_NOUTCOMES];
	size_t noutcomes;
	int64_t bytes;
	int64_t reconnects;
};

struct po_metrics_source {
	char label[64];
	int64_t answered_ms; /* 0: no answer yet */
};

struct po_metrics {
	int64_t now_ms;
	struct po_metrics_output *out;  /* owned */
	size_t nout;
	int64_t decisions[PO_METRICS_NDECISIONS]; /* items of the horizon, by decision */
	int horizon_h;
	struct po_metrics_source *src;  /* owned: schedule sources, config order */
	size_t nsrc;
	char storage[64];               /* "" without storage */
	int64_t storage_requests, storage_bytes; /* today (UTC), as the plugin counted */
	int have_storage_counts;        /* 0: the storage plugin counts nothing */
	int64_t cache_bytes, cache_files;
	int64_t last_plan_ms;           /* 0: never planned */
};

/* Fill m from st (borrowed) and the config (borrowed: cache folder, source
 * labels, horizon) as of now_ms. 0, or a negative code when the state
 * cannot be read (m is then still safe to render and free). */
int po_metrics_collect(struct po_metrics *m, struct po_state *st, const struct po_config *c,
		       int64_t now_ms);
void po_metrics_free(struct po_metrics *m); /* zeroed: no-op */
/* Add one play's figures to m (collect calls it; tests too). */
void po_metrics_add_play(struct po_metrics *m, const struct po_play_figure *f);

void po_metrics_render(FILE *f, const struct po_metrics *m);
/* s as a Prometheus label value, without the quotes: \ " and newline
 * escaped. */
void po_metrics_label(FILE *f, const char *s);

#endif
