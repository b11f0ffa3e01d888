/*
 * A re-encoding output's feed (player_pcm.h): decode, shape, encode, write.
 * Positions are counted in samples of the output's rate from the item's
 * start, so the cut and the fades fall on the sample whatever the item's
 * own rate.
 */
#include "player_pcm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcm_shape.h"
#include "pcm_source.h"

struct po_pcm_out {
	struct po_outfmt f;
	const struct po_pcm_enc_ops *eo;
	const struct playout_output_ops *ops;
	void *inst;
	struct po_pcm_source *src;
	struct po_enc *enc;          /* lives as long as the connection */
	int in_item;                 /* begun, not yet ended */
	int placed;                  /* pos is known (a frame was placed) */
	int64_t pos;                 /* item-relative sample of the next decoded one */
	double gain_db;
	int64_t cut_ns, total_ns;
	struct po_pcm_shape shape;
	int64_t written;             /* bytes the sink passed on, this call */
	struct playout_error werr;   /* the output's write error, for the caller */
	int wrc;
};

const struct po_pcm_enc_ops po_pcm_enc_real = {
	.create = po_enc_new,
	.begin = po_enc_begin,
	.write = po_enc_write,
	.end = po_enc_end,
	.destroy = po_enc_free,
	.stream_format = po_enc_stream_format,
};

static int sink(void *arg, const uint8_t *buf, size_t len)
{
	struct po_pcm_out *o = arg;
	int rc = o->ops->write(o->inst, buf, len, &o->werr);
	if (rc < 0) {
		o->wrc = rc;
		return rc;
	}
	o->written += (int64_t)len;
	return 0;
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
	o->src = po_pcm_source_new(o->f.samplerate, o->f.channels, err);
	if (!o->src) {
		free(o);
		return NULL;
	}
	return o;
}

void po_pcm_out_free(struct po_pcm_out *o)
{
	if (!o)
		return;
	po_pcm_out_closed(o);
	po_pcm_source_free(o->src);
	free(o);
}

void po_pcm_out_meta(const struct po_pcm_out *o, struct playout_item_meta *m)
{
	m->format = o->eo->stream_format(o->f.codec);
	m->sample_rate = o->f.samplerate;
	m->channels = o->f.channels;
	m->bitrate_kbps = o->f.bitrate_kbps;
}

/* The output's write error wins over what the encoder made of it. */
static int result(struct po_pcm_out *o, int rc, struct playout_error *err)
{
	if (o->wrc < 0) {
		*err = o->werr;
		rc = o->wrc;
		o->wrc = 0;
	}
	return rc < 0 ? rc : PLAYOUT_OK;
}

int po_pcm_out_begin(struct po_pcm_out *o, const struct playout_item_meta *m, double gain_db,
		     struct playout_error *err)
{
	int rc;
	o->written = 0;
	o->wrc = 0;
	if (!o->enc) {
		o->enc = o->eo->create(&o->f, sink, o, err);
		if (!o->enc)
			return err->code < 0 ? err->code : PLAYOUT_EINVAL;
	}
	rc = po_pcm_source_reset(o->src, err);
	if (rc < 0)
		return rc;
	const char *title = m->title && *m->title ? m->title : m->pid;
	rc = o->eo->begin(o->enc, title ? title : "", NULL, err);
	o->in_item = 1;
	o->placed = 0;
	o->gain_db = gain_db;
	o->shape.channels = 0; /* made again at the first at() */
	o->cut_ns = m->end_ms > m->start_ms ? (m->end_ms - m->start_ms) * 1000000LL : INT64_MAX;
	o->total_ns = INT64_MAX;
	return result(o, rc, err);
}

void po_pcm_out_at(struct po_pcm_out *o, int64_t pos_ns, int64_t cut_ns, int64_t total_ns)
{
	if (!o->placed) {
		o->pos = po_pcm_samples(pos_ns, o->f.samplerate);
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
	if (rc < 0 && o->wrc == 0) {
		o->wrc = rc;
		o->werr = e;
	}
	return rc < 0 ? rc : 0;
}

int po_pcm_out_feed(struct po_pcm_out *o, const uint8_t *mp3, size_t len, int64_t *written,
		    struct playout_error *err)
{
	o->written = 0;
	if (!o->in_item || !o->enc)
		return playout_error_set(err, PLAYOUT_EINVAL, "pcm: frames fed outside an item");
	if (!o->placed)
		po_pcm_out_at(o, 0, o->cut_ns, o->total_ns);
	int rc = po_pcm_source_feed(o->src, mp3, len, take, o, err);
	*written = o->written;
	return result(o, rc, err);
}

int po_pcm_out_end(struct po_pcm_out *o, int64_t *written, struct playout_error *err)
{
	o->written = 0;
	*written = 0;
	if (!o->in_item || !o->enc)
		return PLAYOUT_OK;
	o->in_item = 0;
	if (!o->placed)
		po_pcm_out_at(o, 0, o->cut_ns, o->total_ns);
	int rc = po_pcm_source_drain(o->src, take, o, err);
	if (rc >= 0 && o->wrc == 0)
		rc = o->eo->end(o->enc, err);
	*written = o->written;
	return result(o, rc, err);
}

void po_pcm_out_closed(struct po_pcm_out *o)
{
	if (o->enc)
		o->eo->destroy(o->enc);
	o->enc = NULL;
	o->in_item = 0;
}
