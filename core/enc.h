/*
 * Encoders of a re-encoding output (outfmt.h): PCM in, whole stream units
 * out (MP3 frames, or Ogg pages). One encoder per output, used only by the
 * thread that feeds that output, never on the pacing path: it may be slow.
 *
 * An encoder's life follows the output's connection: po_enc_new when the
 * output connects, po_enc_begin at each item (for Ogg: a new logical stream
 * whose comment header carries the title, so listeners' players and Icecast
 * see the new title), po_enc_write for the item's samples, po_enc_end at the
 * item's end or before a disconnect (flushes every sample: the last page or
 * frame goes out), po_enc_free after the disconnect.
 */
#ifndef PO_ENC_H
#define PO_ENC_H

#include <stddef.h>
#include <stdint.h>

#include <playout/plugin.h>
#include "outfmt.h"

/* Where encoded bytes go: called with whole frames or pages only, in order.
 * A non-zero return (the output failed) is passed back by the call that
 * made the bytes. */
typedef int (*po_enc_sink)(void *arg, const uint8_t *buf, size_t len);

struct po_enc;

/* A new encoder for f (codec MP3, Vorbis or Opus; f->samplerate and
 * f->channels already resolved to concrete values). The input is float PCM,
 * interleaved, f->channels channels at f->samplerate. NULL and err set when
 * the settings cannot be used (a bitrate the codec refuses...). */
struct po_enc *po_enc_new(const struct po_outfmt *f, po_enc_sink sink, void *arg,
			  struct playout_error *err);
/* An item begins: title and pid for the stream's metadata (Ogg comments:
 * TITLE=, and the station as ARTIST= when given). */
int po_enc_begin(struct po_enc *e, const char *title, const char *station,
		 struct playout_error *err);
/* n frames (n * channels floats, -1..1). */
int po_enc_write(struct po_enc *e, const float *pcm, size_t n, struct playout_error *err);
/* The item ended or the connection is about to close: flush everything
 * (the encoder's delay included), end the Ogg logical stream. */
int po_enc_end(struct po_enc *e, struct playout_error *err);
/* NULL is a no-op. Does not flush. */
void po_enc_free(struct po_enc *e);

/* The stream format an output is given for codec (plugin.h). */
int po_enc_stream_format(int codec);

#endif
