/*
 * What each codec of enc.c provides (enc_vorbis.c, enc_opus.c, enc_mp3.c):
 * an ops table the dispatcher calls. Core private. The dispatcher keeps
 * the item bracket straight (begin before write, one end per begin), so a
 * codec sees begin, write..., end, begin... and never a write outside.
 */
#ifndef PO_ENC_CODEC_H
#define PO_ENC_CODEC_H

#include "enc.h"

struct po_enc_codec {
	const char *name;
	/* The codec's state for f (samplerate and channels concrete), or NULL
	 * and err (PLAYOUT_ECONFIG for settings it refuses). sink and arg are
	 * kept until destroy. */
	void *(*create)(const struct po_outfmt *f, po_enc_sink sink, void *arg,
			struct playout_error *err);
	/* title and station: borrowed for the call, either may be NULL. */
	int (*begin)(void *st, const char *title, const char *station, struct playout_error *err);
	/* n > 0 frames. */
	int (*write)(void *st, const float *pcm, size_t n, struct playout_error *err);
	int (*end)(void *st, struct playout_error *err);
	void (*destroy)(void *st);
	/* po_enc_delay_frames; NULL: 0 */
	int (*delay_frames)(const void *st);
};

extern const struct po_enc_codec po_enc_vorbis;
extern const struct po_enc_codec po_enc_opus;
extern const struct po_enc_codec po_enc_mp3;

/* The first Ogg serial number of an encoder: unlikely to be another
 * process's or another output's. Each next link takes the previous + 1, so
 * that two links in a row never share one (a chained stream needs that). */
uint32_t po_enc_ogg_serial_seed(const void *salt);

/* The sink failed: err says so and the sink's return value is passed on. */
int po_enc_sink_failed(const char *codec, int rc, struct playout_error *err);

#endif
