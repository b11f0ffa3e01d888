/*
 * A re-encoding output's feed (player_pcm.h): decode, shape, encode, write.
 * Positions are counted in samples of the output's rate from the item's
 * start, so the cut and the fades fall on the sample whatever the item's
 * own rate. Each frame's samples come from the item's shared decode
 * (pcm_tap.h: the frame's number in the item, from the player, and its
 * bytes must match) or, outside its window, from the output's private
 * decoder; the resampler runs on across a switch, so every sample goes
 * out once either way.
 *
 * Decoding and encoding run on a worker thread of the output, off the
 * pacing path: the player thread queues commands (begin, at, frames, end)
 * and returns; the encoder's pages wait in a buffer that the player thread
 * writes out at its next call (it alone calls the output's ops). One send's
 * frames are in the worker's hands at a time: their encode overlaps the
 * player's sleep until its next send, which waits for it only when the
 * encoder runs slower than real time. So a slow encode delays when pages
 * go out, not the deadlines, and what a send hands over goes out at the
 * next one. The player also waits (bounded) where every sample must be
 * out: at an item's end, and when a connection opens or goes.
 */
#include "player_pcm.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <playout/util.h>

#include "pcm_shape.h"
#include "pcm_source.h"
#include "pcm_tap.h"

#define QLEN 64                     /* commands waiting for the worker */
#define IN_CAP (64 * 1024)          /* MP3 bytes of the send in the worker's hands */
#define OUT_CAP (128 * 1024)        /* encoded bytes waiting for the player */
#define SCRATCH (64 * 1024)         /* one DATA command at most */
#define IDLE_WAIT_MS 1000           /* bound on a wait for the worker: the
                                       daemon stops within 2 s (design §3) */
#define CLOSED_WAIT_MS 250          /* ...for pages that are dropped anyway */

enum { C_BEGIN = 1, C_AT, C_DATA, C_END };

#define KEY_LEN 160                 /* an item's name for the shared decode */

struct cmd {
	int type;
	int64_t a, b, c;            /* BEGIN: cut_ns; AT: pos_ns, cut_ns, total_ns */
	uint32_t frame;             /* AT: the item's frame number at pos_ns */
	double gain_db;
	size_t len;                 /* DATA: bytes in the input ring */
	char title[PLAYOUT_TITLE_MAX];
	char key[KEY_LEN];          /* BEGIN: the item, for pcm_tap.h */
};

/* The private decoder against the item's frames: just made (or reset),
 * fed up to the previous frame, or behind (frames came from the tap). */
enum { PRIV_FRESH, PRIV_LIVE, PRIV_STALE };

struct po_pcm_out {
	struct po_outfmt f;
	const struct po_pcm_enc_ops *eo;
	const struct playout_output_ops *ops;
	void *inst;

	/* The worker's (the player's only while the worker is idle). */
	struct po_pcm_source *src;
	struct po_enc *enc;          /* lives as long as the connection */
	int in_item;                 /* begun, not yet ended, no error since */
	int placed;                  /* pos is known (a frame was placed) */
	int64_t pos;                 /* item-relative sample of the next decoded one */
	uint32_t frame;              /* the item's frame number of the next fed one */
	char key[KEY_LEN];           /* the item begun */
	struct po_pcm_tap_reader *tap; /* the item's shared decode; NULL: not joined */
	int priv;                    /* PRIV_*: the private decoder's state */
	struct po_pcm_tap_frame tf;  /* a frame's samples from the tap */
	double gain_db;
	int64_t cut_ns, total_ns;
	struct po_pcm_shape shape;
	char w_msg[256];             /* the encoder's words for a failed write */
	uint8_t scratch[SCRATCH];

	/* Shared, under mu. */
	pthread_t th;
	int th_up;
	pthread_mutex_t mu;
	pthread_cond_t cv;           /* any change: work queued, done, room made */
	struct cmd q[QLEN];
	unsigned qh, qt;             /* qh: next to run; qt: next free */
	uint8_t in[IN_CAP];
	size_t in_head, in_len;
	uint8_t out[OUT_CAP];
	size_t out_len;
	int busy;                    /* the worker runs a command */
	int discard;                 /* the connection is gone: drop pages */
	int quit;
	int err_code;                /* the worker's first error since taken */
	char err_msg[256];

	/* The player's. */
	uint8_t take_buf[OUT_CAP];
	int p_placed;
	int64_t p_cut, p_total;
};

const struct po_pcm_enc_ops po_pcm_enc_real = {
	.create = po_enc_new,
	.begin = po_enc_begin,
	.write = po_enc_write,
	.end = po_enc_end,
	.destroy = po_enc_free,
	.stream_format = po_enc_stream_format,
};

/* ---- the worker ---------------------------------------------------------- */

/* The encoder's whole pages or frames, kept for the player to write. */
static int sink(void *arg, const uint8_t *buf, size_t len)
{
	struct po_pcm_out *o = arg;
	if (len > OUT_CAP)
		return PLAYOUT_EINVAL;
	pthread_mutex_lock(&o->mu);
	while (!o->discard && !o->quit && o->out_len + len > OUT_CAP)
		pthread_cond_wait(&o->cv, &o->mu);
	if (!o->discard && !o->quit) {
		memcpy(o->out + o->out_len, buf, len);
		o->out_len += len;
		pthread_cond_broadcast(&o->cv);
	}
	pthread_mutex_unlock(&o->mu);
	return 0;
}

static void stage_at(struct po_pcm_out *o, int64_t pos_ns, uint32_t frame, int64_t cut_ns,
		     int64_t total_ns)
{
	if (!o->placed) {
		o->pos = po_pcm_samples(pos_ns, o->f.samplerate);
		o->frame = frame;
		o->placed = 1;
	}
	if (cut_ns != o->cut_ns || total_ns != o->total_ns || !o->shape.channels) {
		o->cut_ns = cut_ns;
		o->total_ns = total_ns;
		po_pcm_shape_init(&o->shape, o->f.samplerate, o->f.channels, o->gain_db,
				  o->f.fade_in_ms, o->f.fade_out_ms, cut_ns, total_ns);
	}
}

/* Decoded samples: shaped, then encoded; those past the cut are dropped. */
static int take(void *arg, float *pcm, size_t n)
{
	struct po_pcm_out *o = arg;
	size_t keep = po_pcm_shape_apply(&o->shape, pcm, n, o->pos);
	o->pos += (int64_t)n;
	if (!keep)
		return 0;
	struct playout_error e = { 0, "" };
	int rc = o->eo->write(o->enc, pcm, keep, &e);
	if (rc < 0)
		snprintf(o->w_msg, sizeof o->w_msg, "%s", e.msg);
	return rc < 0 ? rc : 0;
}

/* One frame through the private decoder, which starts afresh when the
 * frames before came from the tap. */
static int decode_private(struct po_pcm_out *o, const uint8_t *mp3, size_t len,
			  struct playout_error *err)
{
	if (o->priv == PRIV_STALE) {
		int rc = po_pcm_source_restart_decoder(o->src, err);
		if (rc < 0)
			return rc;
	}
	o->priv = PRIV_LIVE;
	return po_pcm_source_feed(o->src, mp3, len, take, o, err);
}

/* len bytes of whole frames of the item: each frame's samples from the
 * item's shared decode when it has them (or this worker decodes them there
 * for every output), else from the private decoder. */
static int decode(struct po_pcm_out *o, const uint8_t *mp3, size_t len,
		  struct playout_error *err)
{
	if (!o->tap && o->key[0]) {
		struct playout_error e = { 0, "" };
		o->tap = po_pcm_tap_join(o->key, o->frame, &e);
		if (!o->tap)
			o->key[0] = '\0'; /* out of memory: decode privately */
	}
	while (len) {
		struct playout_mp3_hdr h;
		if (!playout_mp3_hdr_parse(mp3, len, &h) || h.len > len)
			return decode_private(o, mp3, len, err); /* not whole frames */
		int rc;
		if (o->tap && po_pcm_tap_get(o->tap, o->frame, mp3, h.len, &o->tf)) {
			if (o->priv == PRIV_LIVE)
				o->priv = PRIV_STALE;
			rc = o->tf.n ? po_pcm_source_put(o->src, o->tf.pcm, o->tf.n, o->tf.rate,
							 o->tf.ch, take, o, err)
				     : 0;
		} else {
			rc = decode_private(o, mp3, h.len, err);
		}
		if (rc)
			return rc;
		mp3 += h.len;
		len -= h.len;
		o->frame++;
	}
	return 0;
}

static int stage(struct po_pcm_out *o, const struct cmd *c, struct playout_error *err)
{
	int rc = 0;
	if (!o->enc)
		return 0; /* the connection went; its commands are moot */
	switch (c->type) {
	case C_BEGIN:
		po_pcm_tap_leave(o->tap);
		o->tap = NULL;
		snprintf(o->key, sizeof o->key, "%s", c->key);
		o->priv = PRIV_FRESH;
		rc = po_pcm_source_reset(o->src, err);
		if (rc >= 0)
			rc = o->eo->begin(o->enc, c->title, NULL, err);
		o->in_item = rc >= 0;
		o->placed = 0;
		o->gain_db = c->gain_db;
		o->shape.channels = 0; /* made again at the first AT */
		o->cut_ns = c->a;
		o->total_ns = INT64_MAX;
		break;
	case C_AT:
		if (o->in_item)
			stage_at(o, c->a, c->frame, c->b, c->c);
		break;
	case C_DATA:
		if (!o->in_item)
			break;
		if (!o->placed)
			stage_at(o, 0, 0, o->cut_ns, o->total_ns);
		rc = decode(o, o->scratch, c->len, err);
		break;
	case C_END:
		if (!o->in_item)
			break;
		o->in_item = 0;
		if (!o->placed)
			stage_at(o, 0, 0, o->cut_ns, o->total_ns);
		rc = po_pcm_source_drain(o->src, take, o, err);
		if (rc >= 0)
			rc = o->eo->end(o->enc, err);
		/* this output reads no more of the item: let its frames go */
		po_pcm_tap_leave(o->tap);
		o->tap = NULL;
		break;
	}
	if (rc < 0)
		o->in_item = 0; /* nothing more of this item */
	return rc;
}

static void *worker_main(void *arg)
{
	struct po_pcm_out *o = arg;
	pthread_mutex_lock(&o->mu);
	for (;;) {
		while (!o->quit && o->qh == o->qt)
			pthread_cond_wait(&o->cv, &o->mu);
		if (o->quit)
			break;
		struct cmd c = o->q[o->qh % QLEN];
		if (c.type == C_DATA) {
			size_t first = IN_CAP - o->in_head;
			if (first > c.len)
				first = c.len;
			memcpy(o->scratch, o->in + o->in_head, first);
			memcpy(o->scratch + first, o->in, c.len - first);
			o->in_head = (o->in_head + c.len) % IN_CAP;
			o->in_len -= c.len;
		}
		o->qh++;
		o->busy = 1;
		pthread_mutex_unlock(&o->mu);
		struct playout_error e = { 0, "" };
		o->w_msg[0] = '\0';
		int rc = stage(o, &c, &e);
		pthread_mutex_lock(&o->mu);
		if (rc < 0 && !o->err_code) {
			o->err_code = rc;
			snprintf(o->err_msg, sizeof o->err_msg, "%s",
				 e.msg[0] ? e.msg : o->w_msg[0] ? o->w_msg : "pcm: encoding failed");
		}
		o->busy = 0;
		pthread_cond_broadcast(&o->cv);
	}
	pthread_mutex_unlock(&o->mu);
	return NULL;
}

/* ---- the player's side ---------------------------------------------------- */

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Called with mu held: write out what the worker made (mu released while
 * writing). *written grows; the output's error is returned. */
static int drain_locked(struct po_pcm_out *o, int64_t *written, struct playout_error *err)
{
	while (o->out_len) {
		size_t n = o->out_len;
		memcpy(o->take_buf, o->out, n);
		o->out_len = 0;
		int discard = o->discard;
		pthread_cond_broadcast(&o->cv);
		pthread_mutex_unlock(&o->mu);
		int rc = discard ? 0 : o->ops->write(o->inst, o->take_buf, n, err);
		pthread_mutex_lock(&o->mu);
		if (rc < 0)
			return rc;
		*written += (int64_t)n;
	}
	return 0;
}

/* Called with mu held: the worker's error, once. */
static int worker_error_locked(struct po_pcm_out *o, struct playout_error *err)
{
	if (!o->err_code)
		return 0;
	int rc = o->err_code;
	playout_error_set(err, rc, "%s", o->err_msg);
	o->err_code = 0;
	return rc;
}

/* Called with mu held: until the worker has run every command (draining its
 * pages meanwhile), or until done() holds, bounded by IDLE_WAIT_MS
 * (CLOSED_WAIT_MS once the connection is gone). */
static int wait_locked(struct po_pcm_out *o, int (*done)(const struct po_pcm_out *),
		       int64_t *written, struct playout_error *err)
{
	int64_t until = mono_ms() + (o->discard ? CLOSED_WAIT_MS : IDLE_WAIT_MS);
	for (;;) {
		int rc = drain_locked(o, written, err);
		if (rc < 0)
			return rc;
		if (done(o))
			return 0;
		if (mono_ms() >= until)
			return playout_error_set(err, PLAYOUT_ETIMEOUT,
						 "pcm: the encoder is more than %d ms behind",
						 IDLE_WAIT_MS);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&o->cv, &o->mu, &ts);
	}
}

static int idle(const struct po_pcm_out *o)
{
	return !o->busy && o->qh == o->qt && !o->out_len;
}

static int has_room(const struct po_pcm_out *o)
{
	return o->qt - o->qh < QLEN;
}

/* Queue c (and len bytes of data for a DATA command), waiting for room. */
static int post(struct po_pcm_out *o, const struct cmd *c, const uint8_t *data,
		int64_t *written, struct playout_error *err)
{
	pthread_mutex_lock(&o->mu);
	int rc = 0;
	if (data || !has_room(o))
		rc = wait_locked(o, data ? idle : has_room, written, err);
	if (rc >= 0) {
		if (data) {
			size_t tail = (o->in_head + o->in_len) % IN_CAP;
			size_t first = IN_CAP - tail;
			if (first > c->len)
				first = c->len;
			memcpy(o->in + tail, data, first);
			memcpy(o->in, data + first, c->len - first);
			o->in_len += c->len;
		}
		o->q[o->qt % QLEN] = *c;
		o->qt++;
		pthread_cond_broadcast(&o->cv);
		rc = drain_locked(o, written, err);
	}
	if (rc >= 0)
		rc = worker_error_locked(o, err);
	pthread_mutex_unlock(&o->mu);
	return rc < 0 ? rc : PLAYOUT_OK;
}

struct po_pcm_out *po_pcm_out_new(const struct po_outfmt *f, const struct po_pcm_enc_ops *eo,
				  const struct playout_output_ops *ops, void *inst,
				  struct playout_error *err)
{
	struct po_pcm_out *o = calloc(1, sizeof *o);
	if (!o) {
		playout_error_set(err, PLAYOUT_ENOMEM, "pcm: out of memory");
		return NULL;
	}
	o->f = *f;
	if (!o->f.samplerate)
		o->f.samplerate = o->f.codec == PO_CODEC_OPUS ? 48000 : 44100;
	if (!o->f.channels)
		o->f.channels = 2;
	o->eo = eo ? eo : &po_pcm_enc_real;
	o->ops = ops;
	o->inst = inst;
	pthread_mutex_init(&o->mu, NULL);
	pthread_cond_init(&o->cv, NULL);
	o->src = po_pcm_source_new(o->f.samplerate, o->f.channels, err);
	if (!o->src) {
		po_pcm_out_free(o);
		return NULL;
	}
	int e = pthread_create(&o->th, NULL, worker_main, o);
	if (e) {
		playout_error_set(err, PLAYOUT_EIO, "pcm: cannot start the encoder's thread: %s",
				  strerror(e));
		po_pcm_out_free(o);
		return NULL;
	}
	o->th_up = 1;
	return o;
}

void po_pcm_out_free(struct po_pcm_out *o)
{
	if (!o)
		return;
	if (o->th_up) {
		pthread_mutex_lock(&o->mu);
		o->quit = 1;
		pthread_cond_broadcast(&o->cv);
		pthread_mutex_unlock(&o->mu);
		pthread_join(o->th, NULL);
	}
	if (o->enc)
		o->eo->destroy(o->enc);
	po_pcm_tap_leave(o->tap);
	po_pcm_source_free(o->src);
	pthread_cond_destroy(&o->cv);
	pthread_mutex_destroy(&o->mu);
	free(o);
}

void po_pcm_out_meta(const struct po_pcm_out *o, struct playout_item_meta *m)
{
	m->format = o->eo->stream_format(o->f.codec);
	m->sample_rate = o->f.samplerate;
	m->channels = o->f.channels;
	m->bitrate_kbps = o->f.bitrate_kbps;
}

int po_pcm_out_begin(struct po_pcm_out *o, const struct playout_item_meta *m, double gain_db,
		     struct playout_error *err)
{
	int64_t written = 0;
	pthread_mutex_lock(&o->mu);
	int rc = wait_locked(o, idle, &written, err);
	if (rc >= 0)
		worker_error_locked(o, err); /* an old connection's: moot now */
	o->discard = 0;
	if (rc >= 0 && !o->enc) {
		/* A new connection: a new encoder, made here while the worker
		 * is idle, so its settings are refused at once. */
		o->enc = o->eo->create(&o->f, sink, o, err);
		if (!o->enc)
			rc = err->code < 0 ? err->code : PLAYOUT_EINVAL;
	}
	pthread_mutex_unlock(&o->mu);
	if (rc < 0)
		return rc;
	struct cmd c = { .type = C_BEGIN, .gain_db = gain_db };
	const char *title = m->title && *m->title ? m->title : m->pid;
	snprintf(c.title, sizeof c.title, "%s", title ? title : "");
	c.a = m->end_ms > m->start_ms ? (m->end_ms - m->start_ms) * 1000000LL : INT64_MAX;
	/* Every output playing this item names it the same way; the tap
	 * checks each frame's bytes too, so a name never mixes two items. */
	snprintf(c.key, sizeof c.key, "%lld %s", (long long)m->start_ms, m->pid ? m->pid : "");
	o->p_placed = 0;
	o->p_cut = c.a;
	o->p_total = INT64_MAX;
	return post(o, &c, NULL, &written, err);
}

void po_pcm_out_at(struct po_pcm_out *o, int64_t pos_ns, uint32_t frame, int64_t cut_ns,
		   int64_t total_ns)
{
	if (o->p_placed && cut_ns == o->p_cut && total_ns == o->p_total)
		return;
	struct cmd c = { .type = C_AT, .a = pos_ns, .frame = frame, .b = cut_ns, .c = total_ns };
	struct playout_error e = { 0, "" };
	int64_t written = 0;
	o->p_placed = 1;
	o->p_cut = cut_ns;
	o->p_total = total_ns;
	/* written bytes and errors show at the next feed */
	pthread_mutex_lock(&o->mu);
	if (has_room(o)) {
		o->q[o->qt % QLEN] = c;
		o->qt++;
		pthread_cond_broadcast(&o->cv);
		pthread_mutex_unlock(&o->mu);
		return;
	}
	pthread_mutex_unlock(&o->mu);
	post(o, &c, NULL, &written, &e);
}

int po_pcm_out_feed(struct po_pcm_out *o, const uint8_t *mp3, size_t len, int64_t *written,
		    struct playout_error *err)
{
	*written = 0;
	while (len) {
		struct cmd c = { .type = C_DATA, .len = len > SCRATCH ? SCRATCH : len };
		int rc = post(o, &c, mp3, written, err);
		if (rc < 0)
			return rc;
		mp3 += c.len;
		len -= c.len;
	}
	return PLAYOUT_OK;
}

int po_pcm_out_end(struct po_pcm_out *o, int64_t *written, struct playout_error *err)
{
	struct cmd c = { .type = C_END };
	*written = 0;
	int rc = post(o, &c, NULL, written, err);
	if (rc < 0)
		return rc;
	/* Every sample out before the tail's wait or a disconnect. */
	pthread_mutex_lock(&o->mu);
	rc = wait_locked(o, idle, written, err);
	if (rc >= 0)
		rc = worker_error_locked(o, err);
	pthread_mutex_unlock(&o->mu);
	return rc < 0 ? rc : PLAYOUT_OK;
}

void po_pcm_out_closed(struct po_pcm_out *o)
{
	struct playout_error e = { 0, "" };
	int64_t written = 0;
	pthread_mutex_lock(&o->mu);
	o->discard = 1;
	pthread_cond_broadcast(&o->cv);
	wait_locked(o, idle, &written, &e);
	if (o->enc && idle(o)) {
		o->eo->destroy(o->enc);
		o->enc = NULL;
		po_pcm_tap_leave(o->tap); /* the worker is idle: its state is ours */
		o->tap = NULL;
	}
	o->err_code = 0;
	pthread_mutex_unlock(&o->mu);
}
