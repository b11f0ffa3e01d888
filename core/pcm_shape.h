/*
 * The level of an item's samples on a re-encoding output: the loudness
 * gain, a fade-in at the start, a fade-out that ends exactly at a cap or a
 * cut, and the cut itself at the sample. Pure arithmetic on item-relative
 * sample positions (sample 0 is the item's start instant), no I/O.
 */
#ifndef PO_PCM_SHAPE_H
#define PO_PCM_SHAPE_H

#include <stddef.h>
#include <stdint.h>

struct po_pcm_shape {
	int channels;
	float gain;          /* linear, applied to every sample */
	int64_t fade_in_n;   /* samples (per channel) faded in from 0; 0: none */
	int64_t fade_out_n;  /* samples faded out before a cut; 0: none */
	int64_t cut_at;      /* first sample not played: the cap or cut;
	                        INT64_MAX when the item ends naturally */
};

/* Samples (per channel) at rate for ns nanoseconds, rounded down, exact. */
int64_t po_pcm_samples(int64_t ns, int rate);

/* The shape for an item cut at cut_ns whose audio lasts total_ns (both
 * item-relative): the cut and its fade-out only when cut_ns falls before
 * the audio's last millisecond (a natural end is never faded). */
void po_pcm_shape_init(struct po_pcm_shape *sh, int rate, int channels, double gain_db,
		       int fade_in_ms, int fade_out_ms, int64_t cut_ns, int64_t total_ns);

/* Shape n frames of interleaved pcm, the first at item-relative sample
 * first, in place. Returns how many of them come before the cut (the rest
 * must not be played). */
size_t po_pcm_shape_apply(const struct po_pcm_shape *sh, float *pcm, size_t n, int64_t first);

#endif
