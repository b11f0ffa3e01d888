/*
 * Decoded audio of the item on air for a re-encoding output: MP3 frames in
 * (as the player paces them), float PCM out at the output's rate and
 * channels (libmpg123, then libsoxr when the item's rate differs, so one
 * connection carries items of any rate). Not for probing (probe.c).
 *
 * Frames are decoded whole and gapless trimming is off: every frame gives
 * samples_per_frame samples, so the decoded audio lies on the same
 * timeline as the player's frame deadlines (player.c seg_deadline).
 * One source per output; used only by that output's player thread.
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
/* len bytes of whole MP3 frames, in order; cb gets what they decode to. */
int po_pcm_source_feed(struct po_pcm_source *s, const uint8_t *mp3, size_t len, po_pcm_cb cb,
		       void *arg, struct playout_error *err);
/* The stream ends: cb gets what the decoder and the resampler still hold. */
int po_pcm_source_drain(struct po_pcm_source *s, po_pcm_cb cb, void *arg,
			struct playout_error *err);
/* NULL is a no-op. */
void po_pcm_source_free(struct po_pcm_source *s);

#endif
