/*
 * MP3 frames to float PCM at the output's rate and channels (pcm_source.h):
 * libmpg123 in feed mode, a channel mix, libsoxr when the rates differ.
 */
#include "pcm_source.h"

#include <mpg123.h>
#include <soxr.h>
#include <stdlib.h>
#include <string.h>

#define MIX_FRAMES 1152          /* one layer III frame: the most mpg123 gives */
#define RS_FRAMES 4096           /* resampler output per call */

struct po_pcm_source {
	int out_rate, out_ch;
	mpg123_handle *mh;
	int in_rate, in_ch;          /* the stream's format (0: not seen yet) */
	soxr_t rs;                   /* NULL while in_rate == out_rate */
	int rs_rate;                 /* in_rate the resampler was made for */
	float mix[MIX_FRAMES * 2];
	float rs_out[RS_FRAMES * 2];
};

static int mh_open(struct po_pcm_source *s, struct playout_error *err)
{
	int e = MPG123_OK;
	s->mh = mpg123_new(NULL, &e);
	if (!s->mh)
		return playout_error_set(err, PLAYOUT_ENOMEM, "mpg123: %s",
					 mpg123_plain_strerror(e));
	/* No gapless trimming: each frame is samples_per_frame samples, as
	 * the player's deadlines count them. */
	mpg123_param(s->mh, MPG123_FLAGS, MPG123_QUIET | MPG123_FORCE_FLOAT, 0);
	mpg123_param(s->mh, MPG123_RESYNC_LIMIT, -1, 0);
	mpg123_format_none(s->mh);
	const long *rates = NULL;
	size_t nrates = 0;
	mpg123_rates(&rates, &nrates);
	for (size_t i = 0; i < nrates; i++)
		mpg123_format(s->mh, rates[i], MPG123_MONO | MPG123_STEREO, MPG123_ENC_FLOAT_32);
	if (mpg123_open_feed(s->mh) != MPG123_OK)
		return playout_error_set(err, PLAYOUT_EIO, "mpg123: %s", mpg123_strerror(s->mh));
	s->in_rate = s->in_ch = 0;
	return PLAYOUT_OK;
}

struct po_pcm_source *po_pcm_source_new(int out_rate, int out_channels,
					struct playout_error *err)
{
	if (out_rate < 8000 || out_rate > 192000 || out_channels < 1 || out_channels > 2) {
		playout_error_set(err, PLAYOUT_EINVAL, "pcm: %d Hz, %d channels: unusable",
				  out_rate, out_channels);
		return NULL;
	}
	mpg123_init(); /* a no-op since 1.27; needed before */
	struct po_pcm_source *s = calloc(1, sizeof *s);
	if (!s) {
		playout_error_set(err, PLAYOUT_ENOMEM, "pcm: out of memory");
		return NULL;
	}
	s->out_rate = out_rate;
	s->out_ch = out_channels;
	if (mh_open(s, err) < 0) {
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

/* Decode every frame mpg123 can complete from what it was fed. */
static int pump(struct po_pcm_source *s, po_pcm_cb cb, void *arg, struct playout_error *err)
{
	for (;;) {
		off_t num = 0;
		unsigned char *audio = NULL;
		size_t bytes = 0;
		int r = mpg123_decode_frame(s->mh, &num, &audio, &bytes);
		if (r == MPG123_NEW_FORMAT) {
			long rate = 0;
			int ch = 0, enc = 0;
			mpg123_getformat(s->mh, &rate, &ch, &enc);
			s->in_rate = (int)rate;
			s->in_ch = ch;
			continue;
		}
		if (r == MPG123_NEED_MORE || r == MPG123_DONE)
			return 0;
		if (r != MPG123_OK)
			return playout_error_set(err, PLAYOUT_EIO, "mpg123: %s",
						 mpg123_strerror(s->mh));
		if (!bytes || !s->in_ch)
			continue;
		size_t n = bytes / (sizeof(float) * (size_t)s->in_ch);
		const float *pcm = (const float *)(void *)audio;
		while (n) {
			size_t k = mix(s, pcm, n);
			int rc = emit(s, k, cb, arg, err);
			if (rc)
				return rc;
			pcm += k * (size_t)s->in_ch;
			n -= k;
		}
	}
}

int po_pcm_source_feed(struct po_pcm_source *s, const uint8_t *mp3, size_t len, po_pcm_cb cb,
		       void *arg, struct playout_error *err)
{
	if (len && mpg123_feed(s->mh, mp3, len) != MPG123_OK)
		return playout_error_set(err, PLAYOUT_EIO, "mpg123: %s", mpg123_strerror(s->mh));
	return pump(s, cb, arg, err);
}

int po_pcm_source_drain(struct po_pcm_source *s, po_pcm_cb cb, void *arg,
			struct playout_error *err)
{
	int rc = pump(s, cb, arg, err);
	if (rc)
		return rc;
	return rs_flush(s, cb, arg);
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
	mpg123_delete(s->mh);
	s->mh = NULL;
	return mh_open(s, err);
}

void po_pcm_source_free(struct po_pcm_source *s)
{
	if (!s)
		return;
	if (s->rs)
		soxr_delete(s->rs);
	mpg123_delete(s->mh);
	free(s);
}
