/*
 * MP3 frames to float PCM at the stream's own rate and channels
 * (libmpg123 in feed mode). No channel mix and no resampling: that is
 * pcm_source.h's job, per output; this is the part outputs can share
 * (pcm_tap.h). Not for probing (media_scan.c).
 *
 * Whole frames in, their samples out at once: gapless trimming and the
 * parser's read-ahead are off, so each frame fed gives its own
 * samples_per_frame samples (an Info frame none) before the call returns,
 * and a decoder can take over from another at any frame without losing or
 * repeating a sample (its first frame lacks the bit reservoir, as after
 * any seek). One decoder is used by one thread at a time.
 */
#ifndef PO_PCM_DECODE_H
#define PO_PCM_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include <playout/plugin.h>

/* n frames of interleaved floats, ch channels at rate Hz, borrowed for the
 * call. Non-zero stops the decode and is returned by the call. */
typedef int (*po_pcm_dec_cb)(void *arg, const float *pcm, size_t n, int rate, int ch);

struct po_pcm_dec;

/* NULL and err set. Caller frees with po_pcm_dec_free. */
struct po_pcm_dec *po_pcm_dec_new(struct playout_error *err);
/* len bytes of whole MP3 frames, in order: cb gets what they decode to. */
int po_pcm_dec_feed(struct po_pcm_dec *d, const uint8_t *mp3, size_t len, po_pcm_dec_cb cb,
		    void *arg, struct playout_error *err);
/* Forget the stream: the next frame starts a new one. */
int po_pcm_dec_reset(struct po_pcm_dec *d, struct playout_error *err);
void po_pcm_dec_free(struct po_pcm_dec *d); /* NULL is a no-op */

#endif
