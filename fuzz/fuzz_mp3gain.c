/*
 * libFuzzer target for the lossless MP3 gain (core/mp3gain.c): the first
 * two input bytes are the steps (-256..255, so both clamps are reached),
 * the rest is taken as one frame (po_mp3gain_check, po_mp3gain_apply) and
 * as a run of frames (po_mp3gain_run). Never a read or write outside the
 * bytes given; only the global_gain bits and the CRC of a frame change;
 * apply and check agree; and where no granule is clamped, applying -steps
 * gives back the original bytes exactly (a frame's CRC included, right or
 * wrong), so the gain never repairs nor damages a frame.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <playout/util.h>

#include "mp3gain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GUARD 64
/* header 4, CRC 2, the largest side information 32 */
#define SIDE_END_MAX 38

static void check_or_trap(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* An independent CRC-16 (0x8005, start 0xffff) over the header's last two
 * bytes and the side information: 1 when the frame's stored CRC is right. */
static int crc_ok(const uint8_t *f, size_t side_bytes)
{
	unsigned crc = 0xffff;
	for (size_t i = 2; i < 6 + side_bytes; i++) {
		if (i == 4 || i == 5)
			continue;
		for (int b = 7; b >= 0; b--) {
			unsigned in = (f[i] >> b) & 1, top = (crc >> 15) & 1;
			crc = (crc << 1) & 0xffff;
			if (in ^ top)
				crc ^= 0x8005;
		}
	}
	return crc == ((unsigned)f[4] << 8 | f[5]);
}

static size_t side_bytes_of(const struct playout_mp3_hdr *h)
{
	if (h->version == 10)
		return h->mono ? 17 : 32;
	return h->mono ? 9 : 17;
}

/* One frame: apply against check, what may change, and the way back. */
static void one_frame(const uint8_t *in, size_t len, int steps)
{
	struct po_mp3gain_info before, after;
	int ok = po_mp3gain_check(in, len, &before, NULL) == 0;
	uint8_t *f = malloc(len ? len : 1);
	if (!f)
		return;
	memcpy(f, in, len);
	int c = po_mp3gain_apply(f, len, steps);
	check_or_trap(ok == (c >= 0));
	if (!ok) {
		check_or_trap(memcmp(f, in, len) == 0);
		free(f);
		return;
	}
	struct playout_mp3_hdr h;
	check_or_trap(playout_mp3_hdr_parse(in, len, &h) && h.layer == 3 && h.len <= len);
	int has_crc = !(in[1] & 1);
	size_t side = side_bytes_of(&h), end = 4 + 2 * (size_t)has_crc + side;
	check_or_trap(end <= h.len && end <= SIDE_END_MAX);
	check_or_trap(before.granules >= 1 && before.granules <= 4 && c <= before.granules);
	check_or_trap(before.min_gain <= before.max_gain);
	/* the header, the main data and whatever follows the frame stay */
	check_or_trap(memcmp(f, in, 4) == 0);
	check_or_trap(memcmp(f + end, in + end, len - end) == 0);
	check_or_trap(po_mp3gain_check(f, len, &after, NULL) == 0);
	check_or_trap(after.granules == before.granules);
	if (has_crc && crc_ok(in, side))
		check_or_trap(crc_ok(f, side));
	if (has_crc && !crc_ok(in, side))
		check_or_trap(!crc_ok(f, side));
	int unclamped = before.min_gain + steps >= 0 && before.max_gain + steps <= 255;
	if (unclamped) {
		check_or_trap(c == 0);
		check_or_trap(after.min_gain == before.min_gain + steps);
		check_or_trap(after.max_gain == before.max_gain + steps);
		check_or_trap(po_mp3gain_apply(f, len, -steps) == 0);
		check_or_trap(memcmp(f, in, len) == 0);
	} else {
		check_or_trap(after.min_gain >= 0 && after.max_gain <= 255);
		check_or_trap(steps < 0 ? after.min_gain == 0 : after.max_gain == 255);
	}
	free(f);
}

/* A run of frames: the guard after the buffer stays, the counts add up,
 * and without a clamp anywhere -steps gives back the original bytes. */
static void run_frames(const uint8_t *in, size_t len, int steps)
{
	uint8_t *b = malloc(len + GUARD);
	if (!b)
		return;
	memcpy(b, in, len);
	memset(b + len, 0xa5, GUARD);
	struct po_mp3gain_tally t = { 0, 0, 0 };
	po_mp3gain_run(b, len, steps, &t);
	for (size_t i = 0; i < GUARD; i++)
		check_or_trap(b[len + i] == 0xa5);
	/* walk the run as the player does: how many frames, any clamp */
	uint64_t frames = 0, refused = 0;
	int clamps = 0;
	size_t off = 0;
	while (off < len) {
		struct playout_mp3_hdr h;
		struct po_mp3gain_info info;
		if (!playout_mp3_hdr_parse(in + off, len - off, &h) || h.len > len - off) {
			refused++;
			break;
		}
		if (po_mp3gain_check(in + off, h.len, &info, NULL) == 0) {
			frames++;
			clamps |= info.min_gain + steps < 0 || info.max_gain + steps > 255;
		} else {
			refused++;
		}
		off += h.len;
	}
	check_or_trap(t.frames == frames && t.refused == refused);
	if (!clamps) {
		check_or_trap(t.clamped == 0);
		po_mp3gain_run(b, len, -steps, &t);
		check_or_trap(memcmp(b, in, len) == 0);
	}
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	int steps = (int)(((unsigned)data[0] << 8 | data[1]) % 512) - 256;
	data += 2;
	size -= 2;
	one_frame(data, size, steps);
	run_frames(data, size, steps);
	/* a small step as the player uses, on the same bytes */
	one_frame(data, size, steps % 16);
	return 0;
}
