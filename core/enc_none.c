/*
 * Stand-in for the encoders of enc.h until they are built into the core:
 * every re-encoding output is refused at its first connect with a clear
 * message; passthrough outputs are not affected. Remove this file (and its
 * line in core/pcm.mk) when core/enc.c arrives.
 */
#include "enc.h"

struct po_enc *po_enc_new(const struct po_outfmt *f, po_enc_sink sink, void *arg,
			  struct playout_error *err)
{
	(void)sink;
	(void)arg;
	playout_error_set(err, PLAYOUT_EUNAVAIL, "format %s: this build has no encoders",
			  po_codec_name(f->codec));
	return NULL;
}

int po_enc_begin(struct po_enc *e, const char *title, const char *station,
		 struct playout_error *err)
{
	(void)e;
	(void)title;
	(void)station;
	return playout_error_set(err, PLAYOUT_EUNAVAIL, "no encoders");
}

int po_enc_write(struct po_enc *e, const float *pcm, size_t n, struct playout_error *err)
{
	(void)e;
	(void)pcm;
	(void)n;
	return playout_error_set(err, PLAYOUT_EUNAVAIL, "no encoders");
}

int po_enc_end(struct po_enc *e, struct playout_error *err)
{
	(void)e;
	return playout_error_set(err, PLAYOUT_EUNAVAIL, "no encoders");
}

void po_enc_free(struct po_enc *e)
{
	(void)e;
}

int po_enc_stream_format(int codec)
{
	return codec == PO_CODEC_VORBIS ? PLAYOUT_STREAM_OGG_VORBIS
	       : codec == PO_CODEC_OPUS ? PLAYOUT_STREAM_OGG_OPUS
					: PLAYOUT_STREAM_MP3;
}
