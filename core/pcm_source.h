/*
 * Decoded audio of the item on air for a re-encoding output, at the
 * output's rate and channels: MP3 frames in (as the player paces them,
 * through a private decoder: pcm_decode.h) or samples another decoder made
 * (the shared one of pcm_tap.h), then a channel mix and libsoxr when the
 * item's rate differs, so one connection carries items of any rate. The
 * mix and the resampler run on across a change of decoder: a switch loses
 * and repeats nothing. Not for probing (probe.c).
 *
 * Frames are decoded whole and gapless trimming is off: every frame gives
 * samples_per_frame samples, so the decoded audio lies on the same
 * timeline as the player's frame deadlines (player.c seg_deadline).
 * One source per output; used by one thread at a time (the output's
 * encoder thread).
 */
#ifndef PO_PCM_SOURCE_H
#define PO_PCM_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include <playout/plugin.h>

/* Where decoded audio goes: n frames of interleaved floats (the source's
 * out_channels), borrowed for the call. Non-zero stops the decode and is
 * returned by the call that decoded. */
typedef int (*po_pcm_cb)(void *arg, float *pcm, size_t n);

struct po_pcm_source;

/* A source giving out_rate Hz, out_channels (1 or 2). NULL and err set. */
struct po_pcm_source *po_pcm_source_new(int out_rate, int out_channels,
					struct playout_error *err);
/* Forget the stream (the decoder's state and the resampler's history): the
 * next frames are a new stream (a new item, or a jump after a reconnect). */
int po_pcm_source_reset(struct po_pcm_source *s, struct playout_error *err);
/* len bytes of whole MP3 frames, in order, through the private decoder;
 * cb gets what they decode to. */
int po_pcm_source_feed(struct po_pcm_source *s, const uint8_t *mp3, size_t len, po_pcm_cb cb,
		       void *arg, struct playout_error *err);
/* n frames of pcm (ch channels at rate Hz, decoded elsewhere; borrowed),
 * next in the stream; cb gets them at the output's rate and channels. */
int po_pcm_source_put(struct po_pcm_source *s, const float *pcm, size_t n, int rate, int ch,
		      po_pcm_cb cb, void *arg, struct playout_error *err);
/* The private decoder starts afresh (its next frame follows samples that
 * came through put), keeping the resampler's history. */
int po_pcm_source_restart_decoder(struct po_pcm_source *s, struct playout_error *err);
/* The stream ends: cb gets what the resampler still holds (the decoder
 * gives each frame's samples as it is fed). */
int po_pcm_source_drain(struct po_pcm_source *s, po_pcm_cb cb, void *arg,
			struct playout_error *err);
/* NULL is a no-op. */
void po_pcm_source_free(struct po_pcm_source *s);

#endif
