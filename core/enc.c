/*
 * The encoder of a re-encoding output: picks the codec (enc_vorbis.c,
 * enc_opus.c, enc_mp3.c) and keeps each item bracketed, so a write with no
 * item open opens one and a begin inside an item ends it first.
 */
#include "enc.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "enc_codec.h"

struct po_enc {
	const struct po_enc_codec *codec;
	void *st;      /* the codec's, until po_enc_free */
	int in_item;   /* between a begin and its end */
};

static const struct po_enc_codec *codec_of(int codec)
{
	switch (codec) {
	case PO_CODEC_MP3:
		return &po_enc_mp3;
	case PO_CODEC_VORBIS:
		return &po_enc_vorbis;
	case PO_CODEC_OPUS:
		return &po_enc_opus;
	default:
		return NULL;
	}
}

struct po_enc *po_enc_new(const struct po_outfmt *f, po_enc_sink sink, void *arg,
			  struct playout_error *err)
{
	const struct po_enc_codec *codec = codec_of(f->codec);
	struct po_outfmt fmt = *f;
	struct po_enc *e;

	if (!codec) {
		playout_error_set(err, PLAYOUT_ECONFIG, "encoder: format %s is not re-encoded",
				  po_codec_name(f->codec));
		return NULL;
	}
	/* outfmt.h's defaults, in case the caller left them unresolved */
	if (!fmt.samplerate)
		fmt.samplerate = f->codec == PO_CODEC_OPUS ? 48000 : 44100;
	if (!fmt.channels)
		fmt.channels = 2;
	if (fmt.channels != 1 && fmt.channels != 2) {
		playout_error_set(err, PLAYOUT_ECONFIG, "%s: %d channels (1 or 2)", codec->name,
				  fmt.channels);
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		playout_error_set(err, PLAYOUT_ENOMEM, "%s: out of memory", codec->name);
		return NULL;
	}
	e->codec = codec;
	e->st = codec->create(&fmt, sink, arg, err);
	if (!e->st) {
		free(e);
		return NULL;
	}
	return e;
}

int po_enc_begin(struct po_enc *e, const char *title, const char *station,
		 struct playout_error *err)
{
	int rc;

	if (e->in_item) {
		rc = po_enc_end(e, err);
		if (rc)
			return rc;
	}
	rc = e->codec->begin(e->st, title, station, err);
	if (rc)
		return rc;
	e->in_item = 1;
	return 0;
}

int po_enc_write(struct po_enc *e, const float *pcm, size_t n, struct playout_error *err)
{
	int rc;

	if (!n)
		return 0;
	if (!e->in_item) {
		rc = po_enc_begin(e, NULL, NULL, err);
		if (rc)
			return rc;
	}
	return e->codec->write(e->st, pcm, n, err);
}

int po_enc_end(struct po_enc *e, struct playout_error *err)
{
	if (!e->in_item)
		return 0;
	/* closed even when the flush failed: the output reconnects with a
	 * fresh begin, never inside a half-ended stream */
	e->in_item = 0;
	return e->codec->end(e->st, err);
}

void po_enc_free(struct po_enc *e)
{
	if (!e)
		return;
	e->codec->destroy(e->st);
	free(e);
}

int po_enc_stream_format(int codec)
{
	switch (codec) {
	case PO_CODEC_VORBIS:
		return PLAYOUT_STREAM_OGG_VORBIS;
	case PO_CODEC_OPUS:
		return PLAYOUT_STREAM_OGG_OPUS;
	default:
		return PLAYOUT_STREAM_MP3;
	}
}

int po_enc_delay_frames(const struct po_enc *e)
{
	return e->codec->delay_frames ? e->codec->delay_frames(e->st) : 0;
}

uint32_t po_enc_ogg_serial_seed(const void *salt)
{
	struct timespec ts;
	uint64_t x;

	clock_gettime(CLOCK_REALTIME, &ts);
	x = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec ^
	    (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)salt;
	/* splitmix64's finaliser: every input bit moves the 32 we keep */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9u;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebu;
	x ^= x >> 31;
	return (uint32_t)x;
}

int po_enc_sink_failed(const char *codec, int rc, struct playout_error *err)
{
	playout_error_set(err, rc < 0 ? rc : PLAYOUT_EIO, "%s: the output refused the encoded data",
			  codec);
	return rc;
}
