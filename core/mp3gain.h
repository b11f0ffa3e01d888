/*
 * Lossless MP3 gain, the method of mp3gain: every granule's global_gain in
 * a Layer III frame's side information moves by whole steps of 1.5 dB
 * (the decoder scales by 2^(steps/4)), and the frame's CRC-16, when it has
 * one, moves with them (a right CRC stays right, a wrong one stays wrong).
 * No decoding, no re-encoding. Applied to a copy of the frames (the
 * player's send buffer), never to the cached file. Choosing the steps is
 * loudness.h's job.
 */
#ifndef PO_MP3GAIN_H
#define PO_MP3GAIN_H

#include <stddef.h>
#include <stdint.h>

/* What one frame allows. */
struct po_mp3gain_info {
	int granules;   /* global_gain fields: 2 per channel (MPEG-1), 1 (MPEG-2/2.5) */
	int min_gain;   /* smallest and largest global_gain: steps must stay */
	int max_gain;   /* within -min_gain..255-max_gain to apply unclamped */
};

/* 0 and *info when the len bytes at frame are one whole Layer III frame
 * (MPEG-1, 2 or 2.5, mono or stereo, with or without CRC) whose gain can be
 * moved; -1 otherwise, *why a static sentence ("is Layer II", "is cut
 * short", ...). info and why may be NULL. Pure, thread-safe. */
int po_mp3gain_check(const uint8_t *frame, size_t len, struct po_mp3gain_info *info,
		     const char **why);

/* Add steps to every granule's global_gain of the frame at frame (len
 * bytes, modified in place), each clamped to 0..255, and move its CRC
 * with them when it has one. The number of granules clamped (those that
 * code audio: a silent granule's gain changes nothing), or -1 when
 * po_mp3gain_check refuses the frame (then it is left as it was). Without
 * a clamp (silent granules included), -steps gives back the same bytes. */
int po_mp3gain_apply(uint8_t *frame, size_t len, int steps);

/* Counts of po_mp3gain_run, added to by each call. */
struct po_mp3gain_tally {
	uint64_t frames;    /* adjusted */
	uint64_t clamped;   /* granules whose gain hit 0 or 255 */
	uint64_t refused;   /* frames left as they were (po_mp3gain_check) */
};

/* The same over len bytes of whole consecutive frames (a run of the frame
 * index read into the send buffer), each frame's length from its header;
 * the bytes after a frame that does not parse are left alone and counted
 * as one refused frame. No allocation, no logging: the player's hot path. */
void po_mp3gain_run(uint8_t *buf, size_t len, int steps, struct po_mp3gain_tally *t);

#endif
