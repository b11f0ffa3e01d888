/*
 * The play queue: player threads post BEGIN/END reports into a fixed ring
 * and poke an eventfd; the control thread takes them and writes sqlite.
 * Never allocates; a full ring drops the new message and counts it.
 */
#include "player.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

int po_playq_init(struct po_playq *q, struct playout_error *err)
{
	memset(q, 0, sizeof *q);
	q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->efd < 0)
		return playout_error_set(err, PLAYOUT_EIO, "playq: eventfd: %s", strerror(errno));
	pthread_mutex_init(&q->mu, NULL);
	return PLAYOUT_OK;
}

void po_playq_destroy(struct po_playq *q)
{
	if (q->efd >= 0) {
		close(q->efd);
		pthread_mutex_destroy(&q->mu);
	}
	q->efd = -1;
}

void po_playq_post(struct po_playq *q, const struct po_playq_msg *m)
{
	int posted = 0;

	pthread_mutex_lock(&q->mu);
	if (q->tail - q->head < PO_PLAYQ_LEN) {
		q->ring[q->tail % PO_PLAYQ_LEN] = *m;
		q->tail++;
		posted = 1;
	} else {
		q->dropped++;
	}
	if (posted) {
		/* Under the lock, so take() never drains a count whose message it
		 * has not seen. Fails only when the counter would overflow, and
		 * then it is readable anyway. */
		uint64_t one = 1;
		ssize_t w = write(q->efd, &one, sizeof one);
		(void)w;
	}
	pthread_mutex_unlock(&q->mu);
}

int po_playq_take(struct po_playq *q, struct po_playq_msg *m)
{
	int got = 0;
	pthread_mutex_lock(&q->mu);
	if (q->head != q->tail) {
		*m = q->ring[q->head % PO_PLAYQ_LEN];
		q->head++;
		got = 1;
	}
	if (q->head == q->tail) {
		/* Drain under the lock: a post after this writes the counter again. */
		uint64_t v;
		ssize_t r = read(q->efd, &v, sizeof v);
		(void)r;
	}
	pthread_mutex_unlock(&q->mu);
	return got;
}
