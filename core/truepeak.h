/*
 * True peak as ITU-R BS.1770-4 Annex 2 measures it (4x oversampling with a
 * polyphase FIR; truepeak.c says which), run only where it can change the
 * answer. A stretch whose
 * sample peak is more than PO_TRUEPEAK_MARGIN_DB below the largest true
 * peak found so far is skipped: with the high band of broadcast audio
 * (lossy-coded, low-passed) the inter-sample peak exceeds the sample peak
 * by far less than that. Loudness itself is libebur128's (probe.c).
 */
#ifndef PO_TRUEPEAK_H
#define PO_TRUEPEAK_H

#include <stddef.h>
#include <stdint.h>

/* The skip margin. A sine at a quarter of the sample rate, sampled 45
 * degrees off its crests, reads 3.01 dB low: the largest shortfall of
 * content below fs/4; 4 dB leaves room for louder high bands. */
#define PO_TRUEPEAK_MARGIN_DB 4.0

struct po_truepeak;

/* A meter for interleaved float frames of 1..8 channels; NULL on ENOMEM.
 * Free with po_truepeak_free (NULL is a no-op). One thread at a time. */
struct po_truepeak *po_truepeak_new(int channels);
void po_truepeak_free(struct po_truepeak *t);

/* Add frames (borrowed for the call). */
void po_truepeak_add(struct po_truepeak *t, const float *v, size_t frames);

/* The true peak so far, linear (1.0 = 0 dBTP; never below the sample peak).
 * Call it once, at the end: it measures the frames still gathered. */
double po_truepeak_get(struct po_truepeak *t);

/* Frames run through the filter and frames seen (how much was skipped). */
void po_truepeak_counts(const struct po_truepeak *t, uint64_t *filtered, uint64_t *seen);

/* Without skipping: every frame filtered (tests, to compare with). */
void po_truepeak_set_exhaustive(struct po_truepeak *t, int on);

#endif
