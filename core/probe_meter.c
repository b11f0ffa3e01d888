/*
 * The loudness meter (r128.h) on its own thread (probe_meter.h): a ring of PO_METER_SLOTS
 * buffers, the decoder filling one while the meter reads another.
 */
#include "probe_meter.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "r128.h"

struct po_meter {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct po_r128 *eb;
	unsigned channels;
	/* slots are used in turn: head is the next to measure, tail the next
	 * to fill; full ones are head..tail-1 (mod SLOTS); counts grow forever */
	unsigned long head, tail;
	int done;                      /* no more pushes */
	size_t frames[PO_METER_SLOTS];
	float *buf[PO_METER_SLOTS];
};

static void *meter_main(void *arg)
{
	struct po_meter *m = arg;
	pthread_mutex_lock(&m->mu);
	for (;;) {
		while (m->head == m->tail && !m->done)
			pthread_cond_wait(&m->cv, &m->mu);
		if (m->head == m->tail)
			break;
		unsigned k = (unsigned)(m->head % PO_METER_SLOTS);
		pthread_mutex_unlock(&m->mu);
		/* the slot is ours until head moves past it */
		po_r128_add(m->eb, m->buf[k], m->frames[k]);
		pthread_mutex_lock(&m->mu);
		m->head++;
		pthread_cond_broadcast(&m->cv);
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

static void meter_free(struct po_meter *m)
{
	for (int k = 0; k < PO_METER_SLOTS; k++)
		free(m->buf[k]);
	po_r128_free(m->eb);
	free(m);
}

struct po_meter *po_meter_start(unsigned channels, unsigned long rate)
{
	struct po_meter *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->channels = channels;
	m->eb = po_r128_new((int)channels, (long)rate);
	for (int k = 0; k < PO_METER_SLOTS; k++)
		m->buf[k] = malloc(PO_METER_SLOT_BYTES);
	if (!m->eb || !m->buf[0] || !m->buf[1] || !m->buf[2] || !m->buf[3]) {
		meter_free(m);
		return NULL;
	}
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	if (pthread_create(&m->thread, NULL, meter_main, m) != 0) {
		pthread_cond_destroy(&m->cv);
		pthread_mutex_destroy(&m->mu);
		meter_free(m);
		return NULL;
	}
	return m;
}

float *po_meter_slot(struct po_meter *m)
{
	pthread_mutex_lock(&m->mu);
	while (m->tail - m->head == PO_METER_SLOTS)
		pthread_cond_wait(&m->cv, &m->mu);
	unsigned k = (unsigned)(m->tail % PO_METER_SLOTS);
	pthread_mutex_unlock(&m->mu);
	return m->buf[k];
}

void po_meter_push(struct po_meter *m, size_t frames)
{
	pthread_mutex_lock(&m->mu);
	m->frames[m->tail % PO_METER_SLOTS] = frames;
	m->tail++;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

void po_meter_finish(struct po_meter *m, double *integrated_lufs, double *range_lu)
{
	pthread_mutex_lock(&m->mu);
	m->done = 1;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
	pthread_join(m->thread, NULL);
	po_r128_result(m->eb, integrated_lufs, range_lu);
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->mu);
	meter_free(m);
}
