/*
 * EBU R128 loudness of a whole file (ITU-R BS.1770-4, EBU Tech 3342):
 * integrated loudness and loudness range, the K-weighting run once per
 * sample and the 400 ms and 3 s blocks summed from 100 ms parts. What the
 * probe needs of libebur128, at a fraction of its cost. True peak is
 * truepeak.h's.
 */
#ifndef PO_R128_H
#define PO_R128_H

#include <stddef.h>

struct po_r128;

/* A meter for interleaved float frames of 1 or 2 channels (weight 1 each)
 * at rate Hz; NULL on ENOMEM or bad arguments. One thread at a time. */
struct po_r128 *po_r128_new(int channels, long rate);
void po_r128_free(struct po_r128 *m); /* NULL is a no-op */

/* Add frames (borrowed for the call). 0, or -1 when out of memory (the
 * measure is then unusable). */
int po_r128_add(struct po_r128 *m, const float *v, size_t frames);

/* Integrated loudness (LUFS, -INFINITY when no block is above the
 * absolute gate) and loudness range (LU, 0 when unknown). */
void po_r128_result(const struct po_r128 *m, double *integrated_lufs, double *range_lu);

#endif
