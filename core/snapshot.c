/*
 * Rundown snapshots shared between the control thread and the players:
 * reference counting, and the snapbox where the control thread publishes the
 * current one. Not the planning itself (rundown.c).
 */
#include "player.h"

#include <stdlib.h>

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
