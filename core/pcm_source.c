/*
 * Float PCM at the output's rate and channels (pcm_source.h): a private
 * decoder (pcm_decode.h) or samples decoded elsewhere (pcm_tap.h) in, a
 * channel mix, libsoxr when the rates differ.
 */
#include "pcm_source.h"

#include <soxr.h>
#include <stdlib.h>
#include <string.h>

#include "pcm_decode.h"

#define MIX_FRAMES 1152          /* samples mixed per step */
#define RS_FRAMES 4096           /* resampler output per call */

struct po_pcm_source {
	int out_rate, out_ch;
	struct po_pcm_dec *dec;      /* the private decoder */
	int in_rate, in_ch;          /* format of the samples being converted */
	soxr_t rs;                   /* NULL while in_rate == out_rate */
	int rs_rate;                 /* in_rate the resampler was made for */
	float mix[MIX_FRAMES * 2];
	float rs_out[RS_FRAMES * 2];
	po_pcm_cb cb;                /* while a feed runs: where the samples go */
	void *cb_arg;
	struct playout_error *cb_err;
};

struct po_pcm_source *po_pcm_source_new(int out_rate, int out_channels,
					struct playout_error *err)
{
	if (out_rate < 8000 || out_rate > 192000 || out_channels < 1 || out_channels > 2) {
		playout_error_set(err, PLAYOUT_EINVAL, "pcm: %d Hz, %d channels: unusable",
				  out_rate, out_channels);
		return NULL;
	}
	struct po_pcm_source *s = calloc(1, sizeof *s);
	if (!s) {
		playout_error_set(err, PLAYOUT_ENOMEM, "pcm: out of memory");
		return NULL;
	}
	s->out_rate = out_rate;
	s->out_ch = out_channels;
	s->dec = po_pcm_dec_new(err);
	if (!s->dec) {
		po_pcm_source_free(s);
		return NULL;
	}
	return s;
}

/* Everything the resampler holds, then drop it. */
static int rs_flush(struct po_pcm_source *s, po_pcm_cb cb, void *arg)
{
	int rc = 0;
	if (!s->rs)
		return 0;
	for (;;) {
		size_t odone = 0;
		if (soxr_process(s->rs, NULL, 0, NULL, s->rs_out, RS_FRAMES, &odone) || !odone)
			break;
		rc = cb(arg, s->rs_out, odone);
		if (rc)
			break;
	}
	soxr_delete(s->rs);
	s->rs = NULL;
	s->rs_rate = 0;
	return rc;
}

/* n frames of s->mix at in_rate to the callback at out_rate. */
static int emit(struct po_pcm_source *s, size_t n, po_pcm_cb cb, void *arg,
		struct playout_error *err)
{
	if (s->in_rate == s->out_rate) {
		int rc = rs_flush(s, cb, arg); /* a segment at another rate before */
		return rc ? rc : cb(arg, s->mix, n);
	}
	if (s->rs && s->rs_rate != s->in_rate) {
		int rc = rs_flush(s, cb, arg);
		if (rc)
			return rc;
	}
	if (!s->rs) {
		soxr_error_t e = NULL;
		soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
		soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
		s->rs = soxr_create(s->in_rate, s->out_rate, (unsigned)s->out_ch, &e, &io, &q, NULL);
		if (!s->rs)
			return playout_error_set(err, PLAYOUT_ENOMEM, "soxr %d to %d Hz: %s",
						 s->in_rate, s->out_rate, e ? e : "?");
		s->rs_rate = s->in_rate;
	}
	const float *in = s->mix;
	size_t left = n;
	do {
		size_t idone = 0, odone = 0;
		soxr_error_t e = soxr_process(s->rs, in, left, &idone, s->rs_out, RS_FRAMES, &odone);
		if (e)
			return playout_error_set(err, PLAYOUT_EIO, "soxr: %s", e);
		in += idone * (size_t)s->out_ch;
		left -= idone;
		if (odone) {
			int rc = cb(arg, s->rs_out, odone);
			if (rc)
				return rc;
		}
		if (!idone && !odone)
			break;
	} while (left);
	return 0;
}

/* Decoded frames (in_ch channels) into s->mix as out_ch channels. */
static size_t mix(struct po_pcm_source *s, const float *in, size_t n)
{
	if (n > MIX_FRAMES)
		n = MIX_FRAMES;
	if (s->in_ch == s->out_ch) {
		memcpy(s->mix, in, n * (size_t)s->out_ch * sizeof *in);
	} else if (s->out_ch == 2) {
		for (size_t i = 0; i < n; i++)
			s->mix[2 * i] = s->mix[2 * i + 1] = in[i];
	} else {
		for (size_t i = 0; i < n; i++)
			s->mix[i] = 0.5f * (in[2 * i] + in[2 * i + 1]);
	}
	return n;
}

int po_pcm_source_put(struct po_pcm_source *s, const float *pcm, size_t n, int rate, int ch,
		      po_pcm_cb cb, void *arg, struct playout_error *err)
{
	if (rate < 1 || ch < 1 || ch > 2)
		return playout_error_set(err, PLAYOUT_EINVAL, "pcm: %d Hz, %d channels: unusable",
					 rate, ch);
	s->in_rate = rate;
	s->in_ch = ch;
	while (n) {
		size_t k = mix(s, pcm, n);
		int rc = emit(s, k, cb, arg, err);
		if (rc)
			return rc;
		pcm += k * (size_t)ch;
		n -= k;
	}
	return 0;
}

static int put_cb(void *arg, const float *pcm, size_t n, int rate, int ch)
{
	struct po_pcm_source *s = arg;
	return po_pcm_source_put(s, pcm, n, rate, ch, s->cb, s->cb_arg, s->cb_err);
}

int po_pcm_source_feed(struct po_pcm_source *s, const uint8_t *mp3, size_t len, po_pcm_cb cb,
		       void *arg, struct playout_error *err)
{
	s->cb = cb;
	s->cb_arg = arg;
	s->cb_err = err;
	return po_pcm_dec_feed(s->dec, mp3, len, put_cb, s, err);
}

int po_pcm_source_drain(struct po_pcm_source *s, po_pcm_cb cb, void *arg,
			struct playout_error *err)
{
	(void)err;
	return rs_flush(s, cb, arg);
}

int po_pcm_source_restart_decoder(struct po_pcm_source *s, struct playout_error *err)
{
	return po_pcm_dec_reset(s->dec, err);
}

static int discard(void *arg, float *pcm, size_t n)
{
	(void)arg;
	(void)pcm;
	(void)n;
	return 0;
}

int po_pcm_source_reset(struct po_pcm_source *s, struct playout_error *err)
{
	rs_flush(s, discard, NULL);
	s->in_rate = s->in_ch = 0;
	return po_pcm_dec_reset(s->dec, err);
}

void po_pcm_source_free(struct po_pcm_source *s)
{
	if (!s)
		return;
	if (s->rs)
		soxr_delete(s->rs);
	po_pcm_dec_free(s->dec);
	free(s);
}
