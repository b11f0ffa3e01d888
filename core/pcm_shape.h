/*
 * The level of an item's samples on a re-encoding output: the loudness
 * gain of each of its files, a fade-in at the start, a fade-out that ends
 * exactly at a cap or a cut, and the cut itself at the sample. Pure
 * arithmetic on item-relative sample positions (sample 0 is the item's
 * start instant), no I/O.
 */
#ifndef PO_PCM_SHAPE_H
#define PO_PCM_SHAPE_H

#include <stddef.h>
#include <stdint.h>

#include <playout/plugin.h>

#define PO_PCM_GAINS_MAX PLAYOUT_MAX_SEGMENTS
/* A switch between two files' gains is a linear ramp this long, laid in
 * the file with the larger gain (pcm_shape.c says why). */
#define PO_PCM_GAIN_RAMP_MS 10

/* The loudness gain of each file of an item (a joined item has several):
 * gain db[k] from item-relative from_ns[k] on, the deadline of file k's
 * first frame (player.c seg_deadline: whole ns, rounded down), ascending;
 * from_ns[0] is 0. n == 0: no gain. Only the first n entries count. */
struct po_pcm_gains {
	size_t n;
	int64_t from_ns[PO_PCM_GAINS_MAX];
	double db[PO_PCM_GAINS_MAX];
};

/* 1 when a and b (either may be NULL: no gain) give the same gains. */
int po_pcm_gains_equal(const struct po_pcm_gains *a, const struct po_pcm_gains *b);

struct po_pcm_shape {
	int channels;
	size_t ngain;        /* 1 .. PO_PCM_GAINS_MAX */
	int64_t gain_from[PO_PCM_GAINS_MAX]; /* first sample of gain[k]; [0]: INT64_MIN */
	float gain[PO_PCM_GAINS_MAX];        /* linear; neighbours differ */
	int64_t ramp_n;      /* samples of a switch between two gains */
	int64_t fade_in_n;   /* samples (per channel) faded in from 0; 0: none */
	int64_t fade_out_n;  /* samples faded out before a cut; 0: none */
	int64_t cut_at;      /* first sample not played: the cap or cut;
	                        INT64_MAX when the item ends naturally */
};

/* Samples (per channel) at rate for ns nanoseconds, rounded down, exact. */
int64_t po_pcm_samples(int64_t ns, int rate);
/* The same rounded up (ns >= 0): the first sample at or after ns. For a
 * frame's deadline (its exact instant, less than a few ns early from the
 * rounding down of player.c seg_deadline) that is the frame's first
 * sample, exactly, at the item's own rate. */
int64_t po_pcm_samples_up(int64_t ns, int rate);

/* The shape for an item cut at cut_ns whose audio lasts total_ns (both
 * item-relative): gains (borrowed for the call; NULL: none) switch at the
 * sample of each file's first frame, the cut and its fade-out only when
 * cut_ns falls before the audio's last millisecond (a natural end is never
 * faded). */
void po_pcm_shape_init(struct po_pcm_shape *sh, int rate, int channels,
		       const struct po_pcm_gains *gains, int fade_in_ms, int fade_out_ms,
		       int64_t cut_ns, int64_t total_ns);

/* The loudness gain (linear, fades aside) of item-relative sample pos. */
float po_pcm_shape_gain_at(const struct po_pcm_shape *sh, int64_t pos);

/* Shape n frames of interleaved pcm, the first at item-relative sample
 * first, in place. Returns how many of them come before the cut (the rest
 * must not be played). */
size_t po_pcm_shape_apply(const struct po_pcm_shape *sh, float *pcm, size_t n, int64_t first);

#endif
