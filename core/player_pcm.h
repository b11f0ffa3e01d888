/*
 * A re-encoding output's side of the player (player.c): the MP3 frames the
 * player paces are decoded (once per item for every such output: pcm_tap.h;
 * privately where the shared decode cannot serve), brought to the output's
 * rate and channels (pcm_source.h), shaped (gain, fades, the cut at the
 * sample: pcm_shape.h) and encoded (enc.h), and the encoder's whole frames
 * or pages go to the output's write op. The pacing stays the
 * player's: this only turns the bytes of one send into other bytes.
 * Decoding and encoding run on a thread of the output's own (created by
 * po_pcm_out_new), off the pacing path; the output's ops are still called
 * only from the player thread, inside these functions.
 *
 * Only the output's player thread calls these, in this order per item:
 * meta (for open and start), begin (after start), at (before each send),
 * feed (each buffer of frames), end (all frames sent: flush), and closed
 * when the connection goes.
 */
#ifndef PO_PLAYER_PCM_H
#define PO_PLAYER_PCM_H

#include <stdint.h>

#include <playout/plugin.h>
#include "enc.h"
#include "outfmt.h"

/* The encoder functions (enc.h), as a table so that tests can put a
 * stand-in in their place. */
struct po_pcm_enc_ops {
	struct po_enc *(*create)(const struct po_outfmt *f, po_enc_sink sink, void *arg,
				 struct playout_error *err);
	int (*begin)(struct po_enc *e, const char *title, const char *station,
		     struct playout_error *err);
	int (*write)(struct po_enc *e, const float *pcm, size_t n, struct playout_error *err);
	int (*end)(struct po_enc *e, struct playout_error *err);
	void (*destroy)(struct po_enc *e);
	int (*stream_format)(int codec);
};

/* The real encoders of enc.h. */
extern const struct po_pcm_enc_ops po_pcm_enc_real;

struct po_pcm_out;

/* f: the output group's format (codec not passthrough), copied; its
 * samplerate and channels are resolved here (0: 44100, Opus 48000). eo:
 * NULL for po_pcm_enc_real; borrowed. ops, inst: the output, borrowed.
 * NULL and err set when the decoder cannot be made. */
struct po_pcm_out *po_pcm_out_new(const struct po_outfmt *f, const struct po_pcm_enc_ops *eo,
				  const struct playout_output_ops *ops, void *inst,
				  struct playout_error *err);
void po_pcm_out_free(struct po_pcm_out *o); /* NULL is a no-op */

/* What the output is told for open and start: the encoded stream's format,
 * rate, channels and bitrate instead of the cached file's. */
void po_pcm_out_meta(const struct po_pcm_out *o, struct playout_item_meta *m);

/* The output started item m (on a new connection after open, or on the one
 * carrying the item before): a new encoder when the connection is new, a
 * new logical stream with m's title (also after a reconnect: Ogg carries
 * the title in the stream), and a fresh decode. gain_db: the loudness gain
 * of the item (0: none). */
int po_pcm_out_begin(struct po_pcm_out *o, const struct playout_item_meta *m, double gain_db,
		     struct playout_error *err);

/* Before a send: the next frame fed is at item-relative pos_ns and is the
 * item's frame number frame, counted from its first across segments (both
 * taken only for the first frame after begin: later frames follow on), the
 * item is cut at cut_ns and its frames last total_ns (both may change
 * while it plays: a new plan). */
void po_pcm_out_at(struct po_pcm_out *o, int64_t pos_ns, uint32_t frame, int64_t cut_ns,
		   int64_t total_ns);

/* len bytes of whole MP3 frames, in order: handed to the encoder's thread
 * (waiting only while it still encodes the previous send), and what it
 * made of earlier sends written out. *written: encoded bytes that went to
 * the output. A write error of the output is returned as is, and so is an
 * error of the decoder or encoder on an earlier send. */
int po_pcm_out_feed(struct po_pcm_out *o, const uint8_t *mp3, size_t len, int64_t *written,
		    struct playout_error *err);

/* Every frame of the item was fed (or it is being stopped): decode and
 * encode what is held, up to the cut, flush the encoder and wait (up to
 * 1 s) until every page is written: every sample goes out. */
int po_pcm_out_end(struct po_pcm_out *o, int64_t *written, struct playout_error *err);

/* The connection is gone (closed, or failed): the encoder with it. */
void po_pcm_out_closed(struct po_pcm_out *o);

#endif
