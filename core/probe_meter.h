/*
 * The probe's loudness meter on a thread of its own: r128.h (integrated
 * loudness and range) fed with the decoder's float buffers through a small
 * ring, so decoding and measuring a file run side by side on two cores.
 * Used by probe.c only; the decoder thread is the caller's.
 */
#ifndef PO_PROBE_METER_H
#define PO_PROBE_METER_H

#include <stddef.h>

#define PO_METER_SLOTS 4
#define PO_METER_SLOT_BYTES (1 << 16)

struct po_meter;

/* Start the meter thread for channels at rate Hz; NULL when it cannot
 * (no memory, no thread). */
struct po_meter *po_meter_start(unsigned channels, unsigned long rate);

/* A free slot to decode into (PO_METER_SLOT_BYTES), waiting for the meter
 * when all are full. Then po_meter_push with the frames it holds. */
float *po_meter_slot(struct po_meter *m);
void po_meter_push(struct po_meter *m, size_t frames);

/* Wait for every pushed frame to be measured, end the thread, and give the
 * integrated loudness (LUFS, -INFINITY when nothing is above the gate) and
 * the loudness range (LU). Frees m. */
void po_meter_finish(struct po_meter *m, double *integrated_lufs, double *range_lu);

#endif
