/*
 * MP3 frames to float PCM at the stream's rate (pcm_decode.h): libmpg123
 * in feed mode, float output at every rate it knows.
 */
#include "pcm_decode.h"

#include <mpg123.h>
#include <stdlib.h>

struct po_pcm_dec {
	mpg123_handle *mh;
	int rate, ch;                /* the stream's format (0: not seen yet) */
};

static int mh_open(struct po_pcm_dec *d, struct playout_error *err)
{
	int e = MPG123_OK;
	d->mh = mpg123_new(NULL, &e);
	if (!d->mh)
		return playout_error_set(err, PLAYOUT_ENOMEM, "mpg123: %s",
					 mpg123_plain_strerror(e));
	/* No gapless trimming: each frame is samples_per_frame samples, as
	 * the player's deadlines count them. No read-ahead: we feed whole
	 * frames, so each gives its samples at once, not when the next
	 * header confirms it (which would hold a decoder's first frame
	 * back, and lose it when another decoder takes over). */
	mpg123_param(d->mh, MPG123_FLAGS,
		     MPG123_QUIET | MPG123_FORCE_FLOAT | MPG123_NO_READAHEAD, 0);
	mpg123_param(d->mh, MPG123_RESYNC_LIMIT, -1, 0);
	mpg123_format_none(d->mh);
	const long *rates = NULL;
	size_t nrates = 0;
	mpg123_rates(&rates, &nrates);
	for (size_t i = 0; i < nrates; i++)
		mpg123_format(d->mh, rates[i], MPG123_MONO | MPG123_STEREO, MPG123_ENC_FLOAT_32);
	if (mpg123_open_feed(d->mh) != MPG123_OK)
		return playout_error_set(err, PLAYOUT_EIO, "mpg123: %s", mpg123_strerror(d->mh));
	d->rate = d->ch = 0;
	return PLAYOUT_OK;
}

struct po_pcm_dec *po_pcm_dec_new(struct playout_error *err)
{
	mpg123_init(); /* a no-op since 1.27; needed before */
	struct po_pcm_dec *d = calloc(1, sizeof *d);
	if (!d) {
		playout_error_set(err, PLAYOUT_ENOMEM, "pcm: out of memory");
		return NULL;
	}
	if (mh_open(d, err) < 0) {
		po_pcm_dec_free(d);
		return NULL;
	}
	return d;
}

/* Decode every frame mpg123 can complete from what it was fed. */
static int pump(struct po_pcm_dec *d, po_pcm_dec_cb cb, void *arg, struct playout_error *err)
{
	for (;;) {
		off_t num = 0;
		unsigned char *audio = NULL;
		size_t bytes = 0;
		int r = mpg123_decode_frame(d->mh, &num, &audio, &bytes);
		if (r == MPG123_NEW_FORMAT) {
			long rate = 0;
			int ch = 0, enc = 0;
			mpg123_getformat(d->mh, &rate, &ch, &enc);
			d->rate = (int)rate;
			d->ch = ch;
			continue;
		}
		if (r == MPG123_NEED_MORE || r == MPG123_DONE)
			return 0;
		if (r != MPG123_OK)
			return playout_error_set(err, PLAYOUT_EIO, "mpg123: %s",
						 mpg123_strerror(d->mh));
		if (!bytes || !d->ch)
			continue;
		size_t n = bytes / (sizeof(float) * (size_t)d->ch);
		int rc = cb(arg, (const float *)(const void *)audio, n, d->rate, d->ch);
		if (rc)
			return rc;
	}
}

int po_pcm_dec_feed(struct po_pcm_dec *d, const uint8_t *mp3, size_t len, po_pcm_dec_cb cb,
		    void *arg, struct playout_error *err)
{
	if (len && mpg123_feed(d->mh, mp3, len) != MPG123_OK)
		return playout_error_set(err, PLAYOUT_EIO, "mpg123: %s", mpg123_strerror(d->mh));
	return pump(d, cb, arg, err);
}

int po_pcm_dec_reset(struct po_pcm_dec *d, struct playout_error *err)
{
	mpg123_delete(d->mh);
	d->mh = NULL;
	return mh_open(d, err);
}

void po_pcm_dec_free(struct po_pcm_dec *d)
{
	if (!d)
		return;
	mpg123_delete(d->mh);
	free(d);
}
