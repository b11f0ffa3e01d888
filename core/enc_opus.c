/*
 * Ogg Opus encoding (libopusenc): one Ogg logical stream per item, each
 * from an encoder of its own (begin creates it, end drains it), so an
 * item's stream is complete and trimmed to its samples as soon as it ends.
 * Not libopusenc's own chaining (ope_encoder_chain_current): it closes the
 * old link only once later audio is encoded, where po_enc_end must put the
 * whole item out at once, and a drained encoder cannot go on.
 * libopusenc resamples to Opus's 48 kHz when the input is at another rate.
 */
#include <limits.h>
#include <stdlib.h>

#include <opus/opusenc.h>

#include "enc_codec.h"

/* Frames given to libopusenc per call (its count is an int). */
#define OPUS_CHUNK_FRAMES 65536
/* How long a page may wait for more packets, in 48 kHz samples: 250 ms,
 * about a Vorbis page at 128 kbps; libopusenc's default (1 s) only delays. */
#define OPUS_MUXING_DELAY 12000

struct opus_enc {
	po_enc_sink sink;
	void *arg;
	int samplerate;
	int channels;
	int bitrate_bps;
	uint32_t serial; /* of the last link begun */
	OggOpusEnc *oe;  /* the item's, between begin and end */
	int sink_rc;     /* the first failure the sink returned in this item */
};

/* libopusenc hands over one whole page per call (its Ogg packer's pages). */
static int opus_page(void *user, const unsigned char *p, opus_int32 len)
{
	struct opus_enc *o = user;
	int rc;

	if (o->sink_rc)
		return 1;
	rc = o->sink(o->arg, p, (size_t)len);
	if (rc)
		o->sink_rc = rc;
	return rc ? 1 : 0;
}

static int opus_close_cb(void *user)
{
	(void)user;
	return 0;
}

static const OpusEncCallbacks opus_callbacks = { opus_page, opus_close_cb };

/* A libopusenc return code as ours; the sink's failure first. */
static int opus_fail(struct opus_enc *o, const char *what, int ope, struct playout_error *err)
{
	if (o->sink_rc)
		return po_enc_sink_failed("opus", o->sink_rc, err);
	return playout_error_set(err, ope == OPE_ALLOC_FAIL ? PLAYOUT_ENOMEM : PLAYOUT_EINVAL,
				 "opus: %s: %s", what, ope_strerror(ope));
}

/* *out: a new encoder with the output's settings and comments, the next
 * serial number set. */
static int opus_encoder(struct opus_enc *o, OggOpusComments *comments, OggOpusEnc **out,
			struct playout_error *err)
{
	int ope = OPE_OK;
	OggOpusEnc *oe = ope_encoder_create_callbacks(&opus_callbacks, o, comments, o->samplerate,
						      o->channels, 0, &ope);

	if (!oe)
		return opus_fail(o, "cannot create an encoder", ope, err);
	ope = ope_encoder_ctl(oe, OPUS_SET_BITRATE(o->bitrate_bps));
	/* no look-ahead beyond a frame: the listener is live, not a file */
	if (ope == OPE_OK)
		ope = ope_encoder_ctl(oe, OPE_SET_DECISION_DELAY(0));
	if (ope == OPE_OK)
		ope = ope_encoder_ctl(oe, OPE_SET_MUXING_DELAY(OPUS_MUXING_DELAY));
	if (ope == OPE_OK)
		ope = ope_encoder_ctl(oe, OPE_SET_SERIALNO((opus_int32)(o->serial + 1)));
	if (ope != OPE_OK) {
		ope_encoder_destroy(oe);
		return playout_error_set(err, PLAYOUT_ECONFIG, "opus: %d bps at %d Hz: %s",
					 o->bitrate_bps, o->samplerate, ope_strerror(ope));
	}
	*out = oe;
	return 0;
}

static void opus_destroy(void *st)
{
	struct opus_enc *o = st;

	if (!o)
		return;
	if (o->oe)
		ope_encoder_destroy(o->oe); /* not drained: po_enc_free does not flush */
	free(o);
}

static void *opus_create(const struct po_outfmt *f, po_enc_sink sink, void *arg,
			 struct playout_error *err)
{
	struct opus_enc *o = calloc(1, sizeof(*o));
	OggOpusComments *c;
	OggOpusEnc *probe;
	int rc;

	if (!o) {
		playout_error_set(err, PLAYOUT_ENOMEM, "opus: out of memory");
		return NULL;
	}
	o->sink = sink;
	o->arg = arg;
	o->samplerate = f->samplerate;
	o->channels = f->channels;
	/* Opus has no quality scale: without a bitrate, a music stream's usual */
	o->bitrate_bps = (f->bitrate_kbps ? f->bitrate_kbps : f->channels == 1 ? 64 : 96) * 1000;
	o->serial = po_enc_ogg_serial_seed(o);
	/* try the settings now, so a bad output fails at connect, not at the
	 * first item; an encoder never written writes nothing */
	c = ope_comments_create(); /* libopusenc needs one */
	rc = c ? opus_encoder(o, c, &probe, err)
	       : playout_error_set(err, PLAYOUT_ENOMEM, "opus: out of memory");
	if (c)
		ope_comments_destroy(c);
	if (rc) {
		free(o);
		return NULL;
	}
	ope_encoder_destroy(probe);
	return o;
}

static int opus_begin(void *st, const char *title, const char *station,
		      struct playout_error *err)
{
	struct opus_enc *o = st;
	OggOpusComments *c = ope_comments_create();
	int ope = c ? OPE_OK : OPE_ALLOC_FAIL;
	int rc;

	if (o->oe) { /* an end that failed half-way */
		ope_encoder_destroy(o->oe);
		o->oe = NULL;
	}
	o->sink_rc = 0;
	if (ope == OPE_OK && title)
		ope = ope_comments_add(c, "TITLE", title);
	if (ope == OPE_OK && station)
		ope = ope_comments_add(c, "ARTIST", station);
	if (ope == OPE_OK)
		ope = ope_comments_add(c, "ENCODER", "playout");
	if (ope != OPE_OK) {
		if (c)
			ope_comments_destroy(c);
		return opus_fail(o, "comments", ope, err);
	}
	rc = opus_encoder(o, c, &o->oe, err); /* copies the comments */
	ope_comments_destroy(c);
	if (rc)
		return rc;
	o->serial++;
	/* the headers go out now, on pages of their own */
	ope = ope_encoder_flush_header(o->oe);
	if (ope != OPE_OK || o->sink_rc)
		return opus_fail(o, "headers", ope, err);
	return 0;
}

static int opus_write(void *st, const float *pcm, size_t n, struct playout_error *err)
{
	struct opus_enc *o = st;

	while (n) {
		int chunk = n > OPUS_CHUNK_FRAMES ? OPUS_CHUNK_FRAMES : (int)n;
		int ope = ope_encoder_write_float(o->oe, pcm, chunk);

		if (ope != OPE_OK || o->sink_rc)
			return opus_fail(o, "encoding", ope, err);
		pcm += (size_t)chunk * (size_t)o->channels;
		n -= (size_t)chunk;
	}
	return 0;
}

static int opus_end(void *st, struct playout_error *err)
{
	struct opus_enc *o = st;
	int ope;

	if (!o->oe)
		return 0;
	ope = ope_encoder_drain(o->oe); /* the last page, end of stream set */
	ope_encoder_destroy(o->oe);
	o->oe = NULL;
	if (ope != OPE_OK || o->sink_rc)
		return opus_fail(o, "end of stream", ope, err);
	return 0;
}

const struct po_enc_codec po_enc_opus = {
	.name = "opus",
	.create = opus_create,
	.begin = opus_begin,
	.write = opus_write,
	.end = opus_end,
	.destroy = opus_destroy,
};
