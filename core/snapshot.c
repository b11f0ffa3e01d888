/*
 * Rundown snapshots shared between the control thread and the players:
 * building one from a rundown (snapshot.h), reference counting, and the
 * snapbox where the control thread publishes the current one. Not the
 * planning itself (rundown.c).
 */
#include "snapshot.h"

#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "log.h"
#include "worker.h"

struct po_snapshot *po_snapshot_new(size_t n)
{
	struct po_snapshot *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	if (n) {
		s->v = calloc(n, sizeof *s->v);
		if (!s->v) {
			free(s);
			return NULL;
		}
	}
	s->n = n;
	s->refs = 1;
	return s;
}

struct po_snapshot *po_snapshot_ref(struct po_snapshot *s)
{
	if (s)
		__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	return s;
}

void po_snapshot_unref(struct po_snapshot *s)
{
	if (!s)
		return;
	if (__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (size_t i = 0; i < s->n; i++) {
		for (size_t j = 0; j < PLAYOUT_MAX_SEGMENTS; j++) {
			free(s->v[i].path[j]);
			po_mp3_index_unref(s->v[i].idx[j]);
		}
	}
	free(s->v);
	free(s);
}

void po_snapbox_init(struct po_snapbox *b)
{
	pthread_mutex_init(&b->mu, NULL);
	b->cur = NULL;
	b->gen = 0;
}

void po_snapbox_destroy(struct po_snapbox *b)
{
	po_snapshot_unref(b->cur);
	b->cur = NULL;
	pthread_mutex_destroy(&b->mu);
}

void po_snapbox_publish(struct po_snapbox *b, struct po_snapshot *s)
{
	pthread_mutex_lock(&b->mu);
	struct po_snapshot *old = b->cur;
	b->cur = s;
	/* Players poll gen without the lock to notice a new snapshot cheaply. */
	__atomic_add_fetch(&b->gen, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&b->mu);
	po_snapshot_unref(old);
}

struct po_snapshot *po_snapbox_get(struct po_snapbox *b, uint64_t *gen)
{
	pthread_mutex_lock(&b->mu);
	struct po_snapshot *s = po_snapshot_ref(b->cur);
	if (gen)
		*gen = __atomic_load_n(&b->gen, __ATOMIC_ACQUIRE);
	pthread_mutex_unlock(&b->mu);
	return s;
}

/* Empty a slot that will not air. */
static void air_item_clear(struct po_air_item *ai)
{
	for (size_t s = 0; s < PLAYOUT_MAX_SEGMENTS; s++) {
		free(ai->path[s]);
		ai->path[s] = NULL;
		po_mp3_index_unref(ai->idx[s]);
		ai->idx[s] = NULL;
	}
}

/* Fill ai with its paths and indexes: 1 when every segment is ready. */
static int air_item_fill(struct po_air_item *ai, struct po_media_cat *media, const char *cache_dir,
			 const struct playout_item *it, struct po_worker *worker)
{
	for (size_t s = 0; s < it->nseg; s++) {
		const char *name = it->seg[s].asset;
		struct playout_error e = {0};
		char path[4096];
		struct po_mp3_index *ix = po_media_index(media, name, &e);
		if (!ix && worker && po_worker_fetching(worker, name))
			return 0; /* it comes with a later plan */
		if (!ix || po_cache_path(cache_dir, name, path, sizeof path, &e) < 0) {
			po_log_warnx("player", "cannot air %s at item %s: %s", name, it->pid, e.msg);
			po_mp3_index_unref(ix);
			return 0;
		}
		ai->idx[s] = ix;
		ai->loud_known[s] = po_media_loudness(media, name, &ai->lufs[s],
						      &ai->true_peak_dbtp[s]);
		ai->path[s] = strdup(path);
		if (!ai->path[s])
			return 0;
	}
	ai->item = *it;
	return 1;
}

struct po_snapshot *po_snapshot_build(struct po_media_cat *media, const char *cache_dir,
				      const struct po_rundown *r, int64_t planned_ms,
				      struct po_worker *worker)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += r->v[i].nseg > 0;
	struct po_snapshot *snap = po_snapshot_new(n);
	if (!snap)
		return NULL;
	snap->planned_ms = planned_ms;
	size_t w = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i].nseg == 0)
			continue;
		if (air_item_fill(&snap->v[w], media, cache_dir, &r->v[i], worker))
			w++;
		else
			air_item_clear(&snap->v[w]);
	}
	snap->n = w;
	return snap;
}
