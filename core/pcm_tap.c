/*
 * The shared decode of an item (pcm_tap.h): a registry of taps, each a
 * window of decoded frames in a ring of floats, and the readers placed in
 * it. The registry is process-wide, like the player's connect gate: the
 * outputs of one process share it, and no caller has to thread a handle
 * through the player for it.
 *
 * Why the readers decode rather than a thread of the tap: the frames
 * arrive as the players pace them, a send at a time into each output's
 * encoder thread; the first of those threads to need a frame has its bytes
 * in hand and is already off the pacing path, so it decodes for all. A
 * decode thread would need a copy of the bytes, a hand-off and a wake-up
 * per send, for the same work.
 */
#include "pcm_tap.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "pcm_decode.h"

#define KEY_MAX 192
#define WAIT_NS (100 * 1000000L)  /* the most a reader waits for a frame being
                                     decoded by another (one frame takes ~50 us) */

struct ent {
	uint64_t hash;                /* of the frame's bytes: readers must agree */
	uint32_t len;
	size_t off;                   /* in the ring */
	size_t nf;                    /* floats (n samples x ch) */
	int rate, ch;
};

struct po_pcm_tap_reader {
	struct po_pcm_tap *tap;
	struct po_pcm_tap_reader *next;
	uint32_t pos;                 /* the frame it asks for next */
};

struct po_pcm_tap {
	char key[KEY_MAX];
	struct po_pcm_tap *next;      /* in the registry */
	pthread_mutex_t mu;
	pthread_cond_t cv;            /* a frame decoded */

	/* Under mu. */
	struct po_pcm_tap_reader *readers;
	unsigned joins;
	uint32_t lo, hi;              /* frames [lo, hi) are in the window */
	struct ent ent[PO_PCM_TAP_FRAMES];  /* frame f at f % PO_PCM_TAP_FRAMES */
	float *ring;                  /* PO_PCM_TAP_FLOATS */
	size_t head, used;            /* floats: the oldest frame's start, held */
	int decoding;                 /* a reader decodes frame hi, lock released */
	int fresh;                    /* the decoder must start afresh */
	uint64_t decoded, shared, private_; /* frames: into the registry's figures
	                                       when the tap goes */

	/* The decoding reader's (decoding == 1). */
	struct po_pcm_dec *dec;
	struct po_pcm_tap_frame scratch;
	int scratch_bad;
};

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct po_pcm_tap *reg_head;  /* under reg_mu */
static struct po_pcm_tap_stats reg_st;  /* under reg_mu; bytes_held under it too */

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* The registry's count of decoded samples held grows by delta floats. */
static void held_add(long long delta_floats)
{
	pthread_mutex_lock(&reg_mu);
	reg_st.bytes_held += (size_t)(delta_floats * (long long)sizeof(float));
	if (reg_st.bytes_held > reg_st.bytes_held_max)
		reg_st.bytes_held_max = reg_st.bytes_held;
	pthread_mutex_unlock(&reg_mu);
}

/* Under t->mu: drop the oldest frame. */
static void evict_one(struct po_pcm_tap *t)
{
	struct ent *e = &t->ent[t->lo % PO_PCM_TAP_FRAMES];
	t->head = (t->head + e->nf) % PO_PCM_TAP_FLOATS;
	t->used -= e->nf;
	t->lo++;
}

/* Under t->mu: drop every frame each reader in the window has passed,
 * but the last PO_PCM_TAP_GRACE of them. A reader before the window (left
 * behind) or past its end holds nothing. Returns the change of floats
 * held (<= 0). */
static long long evict_passed(struct po_pcm_tap *t)
{
	uint32_t keep = t->hi;
	size_t before = t->used;
	for (struct po_pcm_tap_reader *r = t->readers; r; r = r->next)
		if (r->pos >= t->lo && r->pos < keep)
			keep = r->pos;
	while (t->lo + PO_PCM_TAP_GRACE < keep)
		evict_one(t);
	return -(long long)(before - t->used);
}

/* Under t->mu: frame hi from t->scratch, making room by dropping the
 * oldest frames (whoever has not read them yet decodes them privately).
 * Returns the change of floats held. */
static long long append(struct po_pcm_tap *t, uint64_t hash, uint32_t len)
{
	size_t nf = t->scratch.n * (size_t)t->scratch.ch;
	size_t before = t->used;
	while (t->lo < t->hi &&
	       (t->hi - t->lo >= PO_PCM_TAP_FRAMES || t->used + nf > PO_PCM_TAP_FLOATS))
		evict_one(t);
	if (t->lo == t->hi)
		t->head = 0;
	struct ent *e = &t->ent[t->hi % PO_PCM_TAP_FRAMES];
	e->hash = hash;
	e->len = len;
	e->off = (t->head + t->used) % PO_PCM_TAP_FLOATS;
	e->nf = nf;
	e->rate = t->scratch.rate;
	e->ch = t->scratch.ch;
	size_t first = PO_PCM_TAP_FLOATS - e->off;
	if (first > nf)
		first = nf;
	memcpy(t->ring + e->off, t->scratch.pcm, first * sizeof(float));
	memcpy(t->ring, t->scratch.pcm + first, (nf - first) * sizeof(float));
	t->used += nf;
	t->hi++;
	t->decoded++;
	return (long long)t->used - (long long)before;
}

/* Under t->mu: frame f (in the window) into out, when its bytes match. */
static int copy_out(const struct po_pcm_tap *t, uint32_t f, uint64_t hash, uint32_t len,
		    struct po_pcm_tap_frame *out)
{
	const struct ent *e = &t->ent[f % PO_PCM_TAP_FRAMES];
	if (e->hash != hash || e->len != len)
		return 0;
	size_t first = PO_PCM_TAP_FLOATS - e->off;
	if (first > e->nf)
		first = e->nf;
	memcpy(out->pcm, t->ring + e->off, first * sizeof(float));
	memcpy(out->pcm + first, t->ring, (e->nf - first) * sizeof(float));
	out->rate = e->rate;
	out->ch = e->ch;
	out->n = e->ch ? e->nf / (size_t)e->ch : 0;
	return 1;
}

static int scratch_cb(void *arg, const float *pcm, size_t n, int rate, int ch)
{
	struct po_pcm_tap *t = arg;
	struct po_pcm_tap_frame *s = &t->scratch;
	if (t->scratch.n && (rate != s->rate || ch != s->ch))
		t->scratch_bad = 1;
	if (t->scratch_bad || s->n + n > PO_PCM_TAP_FRAME_MAX) {
		t->scratch_bad = 1;
		return 0;
	}
	memcpy(s->pcm + s->n * (size_t)ch, pcm, n * (size_t)ch * sizeof(float));
	s->n += n;
	s->rate = rate;
	s->ch = ch;
	return 0;
}

/* Called with t->mu held and decoding set: decode mp3 into t->scratch with
 * the lock released. 0 when it gave a frame's samples. */
static int decode_unlocked(struct po_pcm_tap *t, const uint8_t *mp3, size_t len)
{
	struct playout_error err = { 0, "" };
	int fresh = t->fresh;
	pthread_mutex_unlock(&t->mu);
	int rc = 0;
	if (fresh)
		rc = po_pcm_dec_reset(t->dec, &err);
	t->scratch.n = 0;
	t->scratch.rate = t->scratch.ch = 0;
	t->scratch_bad = 0;
	if (rc >= 0)
		rc = po_pcm_dec_feed(t->dec, mp3, len, scratch_cb, t, &err);
	if (rc >= 0 && t->scratch_bad)
		rc = PLAYOUT_EINVAL;
	pthread_mutex_lock(&t->mu);
	if (rc >= 0)
		t->fresh = 0;
	return rc;
}

/* Under t->mu: no reader but r needs the window. */
static int window_unused(const struct po_pcm_tap *t, const struct po_pcm_tap_reader *r)
{
	for (const struct po_pcm_tap_reader *o = t->readers; o; o = o->next)
		if (o != r && o->pos >= t->lo && o->pos <= t->hi)
			return 0;
	return 1;
}

static void deadline_in(struct timespec *ts, long ns)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_nsec += ns;
	while (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int po_pcm_tap_get(struct po_pcm_tap_reader *r, uint32_t frame, const uint8_t *mp3, size_t len,
		   struct po_pcm_tap_frame *out)
{
	struct po_pcm_tap *t = r->tap;
	uint64_t hash = fnv1a(mp3, len);
	int got = 0;
	long long held = 0;
	pthread_mutex_lock(&t->mu);
	r->pos = frame;
	if (!t->decoding && (frame < t->lo || frame > t->hi) && window_unused(t, r)) {
		/* Nobody else is in the window: move it here, rather than
		 * leave every reader to come decoding privately. */
		held -= (long long)t->used;
		while (t->lo < t->hi)
			evict_one(t);
		t->lo = t->hi = frame;
		t->head = t->used = 0;
		t->fresh = 1;
	}
	if (frame == t->hi && t->decoding) {
		/* Another reader decodes this very frame: about 50 us. */
		struct timespec ts;
		deadline_in(&ts, WAIT_NS);
		while (t->decoding && frame == t->hi)
			if (pthread_cond_timedwait(&t->cv, &t->mu, &ts) == ETIMEDOUT)
				break;
	}
	if (frame == t->hi && !t->decoding) {
		t->decoding = 1;
		int rc = decode_unlocked(t, mp3, len);
		t->decoding = 0;
		if (rc >= 0 && frame == t->hi) {
			held += append(t, hash, (uint32_t)len);
		} else {
			/* Frame by frame from here is a new stream. */
			t->fresh = 1;
		}
		pthread_cond_broadcast(&t->cv);
	}
	if (frame >= t->lo && frame < t->hi)
		got = copy_out(t, frame, hash, (uint32_t)len, out);
	r->pos = frame + 1;
	if (got)
		t->shared++;
	else
		t->private_++;
	held += evict_passed(t);
	pthread_mutex_unlock(&t->mu);

	if (held)
		held_add(held);
	return got;
}

static struct po_pcm_tap *tap_new(const char *key, struct playout_error *err)
{
	struct po_pcm_tap *t = calloc(1, sizeof *t);
	if (!t) {
		playout_error_set(err, PLAYOUT_ENOMEM, "pcm: out of memory");
		return NULL;
	}
	snprintf(t->key, sizeof t->key, "%s", key);
	t->ring = malloc(PO_PCM_TAP_FLOATS * sizeof(float));
	t->dec = t->ring ? po_pcm_dec_new(err) : NULL;
	if (!t->dec) {
		if (!t->ring)
			playout_error_set(err, PLAYOUT_ENOMEM, "pcm: out of memory");
		free(t->ring);
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	return t;
}

static void tap_free(struct po_pcm_tap *t)
{
	po_log_info("pcm", "%s: decoded %llu frames once for %u readers (%llu read from the "
		    "shared decode, %llu decoded privately)", t->key,
		    (unsigned long long)t->decoded, t->joins, (unsigned long long)t->shared,
		    (unsigned long long)t->private_);
	po_pcm_dec_free(t->dec);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(t->ring);
	free(t);
}

struct po_pcm_tap_reader *po_pcm_tap_join(const char *key, uint32_t frame,
					  struct playout_error *err)
{
	struct po_pcm_tap_reader *r = calloc(1, sizeof *r);
	if (!r) {
		playout_error_set(err, PLAYOUT_ENOMEM, "pcm: out of memory");
		return NULL;
	}
	pthread_mutex_lock(&reg_mu);
	struct po_pcm_tap *t = reg_head;
	while (t && strncmp(t->key, key, KEY_MAX - 1) != 0)
		t = t->next;
	if (!t) {
		t = tap_new(key, err);
		if (!t) {
			pthread_mutex_unlock(&reg_mu);
			free(r);
			return NULL;
		}
		t->lo = t->hi = frame;
		t->next = reg_head;
		reg_head = t;
		reg_st.taps_made++;
		reg_st.taps_open++;
	}
	pthread_mutex_lock(&t->mu);
	r->tap = t;
	r->pos = frame;
	r->next = t->readers;
	t->readers = r;
	t->joins++;
	pthread_mutex_unlock(&t->mu);
	pthread_mutex_unlock(&reg_mu);
	return r;
}

void po_pcm_tap_leave(struct po_pcm_tap_reader *r)
{
	if (!r)
		return;
	struct po_pcm_tap *t = r->tap;
	pthread_mutex_lock(&reg_mu);
	pthread_mutex_lock(&t->mu);
	struct po_pcm_tap_reader **pp = &t->readers;
	while (*pp != r)
		pp = &(*pp)->next;
	*pp = r->next;
	int last = !t->readers;
	size_t held = 0;
	if (!last)
		held = (size_t)-evict_passed(t);
	else
		held = t->used;
	pthread_mutex_unlock(&t->mu);
	reg_st.bytes_held -= held * sizeof(float);
	if (last) {
		struct po_pcm_tap **tp = &reg_head;
		while (*tp != t)
			tp = &(*tp)->next;
		*tp = t->next;
		reg_st.taps_open--;
		reg_st.frames_decoded += t->decoded;
		reg_st.frames_shared += t->shared;
		reg_st.frames_private += t->private_;
	}
	pthread_mutex_unlock(&reg_mu);
	if (last)
		tap_free(t);
	free(r);
}

uint64_t po_pcm_tap_decoded(const struct po_pcm_tap_reader *r)
{
	struct po_pcm_tap *t = r->tap;
	pthread_mutex_lock(&t->mu);
	uint64_t n = t->decoded;
	pthread_mutex_unlock(&t->mu);
	return n;
}

void po_pcm_tap_stats(struct po_pcm_tap_stats *st)
{
	pthread_mutex_lock(&reg_mu);
	*st = reg_st;
	for (struct po_pcm_tap *t = reg_head; t; t = t->next) {
		pthread_mutex_lock(&t->mu);
		st->frames_decoded += t->decoded;
		st->frames_shared += t->shared;
		st->frames_private += t->private_;
		pthread_mutex_unlock(&t->mu);
	}
	pthread_mutex_unlock(&reg_mu);
}
