/*
 * Lossless MP3 gain (mp3gain.h): find each granule's global_gain in the
 * Layer III side information, move it, and move the CRC-16 with it.
 */
#include "mp3gain.h"

#include <playout/util.h>

/* Side information (ISO/IEC 11172-3 2.4.1.7, 13818-3 2.4.1.7): bits before
 * the first granule, bits per granule and channel, and where global_gain
 * sits in a granule (after part2_3_length 12 and big_values 9). */
#define GAIN_OFFSET_BITS 21

struct layout {
	int side_bytes;    /* side information */
	int crc;           /* a CRC-16 follows the header */
	int head_bits;     /* main_data_begin, private_bits, scfsi */
	int gran_bits;     /* one granule of one channel */
	int granules;      /* granules x channels */
};

static int layout_of(const uint8_t *frame, size_t len, struct layout *l, const char **why)
{
	struct playout_mp3_hdr h;
	const char *w = NULL;

	if (len < 4 || !playout_mp3_hdr_parse(frame, len, &h))
		w = "has no valid MPEG audio header (free format included)";
	else if (h.layer != 3)
		w = h.layer == 2 ? "is Layer II (only Layer III has a global_gain)"
				 : "is Layer I (only Layer III has a global_gain)";
	else if (h.len > len)
		w = "is cut short";
	if (w) {
		if (why)
			*why = w;
		return -1;
	}
	int nch = h.mono ? 1 : 2;
	l->crc = !(frame[1] & 1);
	if (h.version == 10) {
		l->side_bytes = nch == 1 ? 17 : 32;
		l->head_bits = 9 + (nch == 1 ? 5 : 3) + 4 * nch;
		l->gran_bits = 59;
		l->granules = 2 * nch;
	} else {
		l->side_bytes = nch == 1 ? 9 : 17;
		l->head_bits = 8 + nch;
		l->gran_bits = 63;
		l->granules = nch;
	}
	if ((size_t)(4 + 2 * l->crc + l->side_bytes) > h.len) {
		if (why)
			*why = "is shorter than its side information";
		return -1;
	}
	return 0;
}

static int get8(const uint8_t *side, int bit)
{
	unsigned v = (unsigned)side[bit / 8] << 8 | side[bit / 8 + 1];
	return (int)((v >> (8 - bit % 8)) & 0xff);
}

/* part2_3_length, the 12 bits that start a granule: 0 when it codes no
 * spectral values (digital silence), where a clamped gain changes nothing */
static int get12(const uint8_t *side, int bit)
{
	unsigned v = (unsigned)side[bit / 8] << 16 | (unsigned)side[bit / 8 + 1] << 8 |
		     side[bit / 8 + 2];
	return (int)((v >> (12 - bit % 8)) & 0xfff);
}

static void put8(uint8_t *side, int bit, int val)
{
	unsigned v = (unsigned)side[bit / 8] << 8 | side[bit / 8 + 1];
	unsigned shift = 8 - (unsigned)(bit % 8);
	v = (v & ~(0xffu << shift)) | ((unsigned)val & 0xff) << shift;
	side[bit / 8] = (uint8_t)(v >> 8);
	side[bit / 8 + 1] = (uint8_t)v;
}

/* CRC-16 of the MPEG audio frame (polynomial 0x8005, start 0xffff) over
 * the header's last two bytes and the side information. */
static unsigned crc16(const uint8_t *p, size_t n, unsigned crc)
{
	for (size_t i = 0; i < n; i++) {
		crc ^= (unsigned)p[i] << 8;
		for (int b = 0; b < 8; b++)
			crc = crc & 0x8000 ? (crc << 1) ^ 0x8005 : crc << 1;
	}
	return crc & 0xffff;
}

static unsigned frame_crc(const uint8_t *frame, const struct layout *l)
{
	return crc16(frame + 6, (size_t)l->side_bytes, crc16(frame + 2, 2, 0xffff));
}

/* The stored CRC moves by what the side information's CRC moved: a right
 * CRC stays right, and a wrong one stays exactly as wrong (the CRC is
 * affine in the bits, so the stored ^ computed difference is kept). A
 * frame damaged in transit must not be made to look whole, and the change
 * undoes bit for bit. */
static void move_crc(uint8_t *frame, unsigned before, unsigned after)
{
	unsigned stored = (unsigned)frame[4] << 8 | frame[5];
	stored ^= before ^ after;
	frame[4] = (uint8_t)(stored >> 8);
	frame[5] = (uint8_t)stored;
}

int po_mp3gain_check(const uint8_t *frame, size_t len, struct po_mp3gain_info *info,
		     const char **why)
{
	struct layout l;
	if (layout_of(frame, len, &l, why) < 0)
		return -1;
	if (info) {
		const uint8_t *side = frame + 4 + 2 * l.crc;
		info->granules = l.granules;
		info->min_gain = 255;
		info->max_gain = 0;
		for (int g = 0; g < l.granules; g++) {
			int v = get8(side, l.head_bits + g * l.gran_bits + GAIN_OFFSET_BITS);
			if (v < info->min_gain)
				info->min_gain = v;
			if (v > info->max_gain)
				info->max_gain = v;
		}
	}
	return 0;
}

int po_mp3gain_apply(uint8_t *frame, size_t len, int steps)
{
	struct layout l;
	if (layout_of(frame, len, &l, NULL) < 0)
		return -1;
	uint8_t *side = frame + 4 + 2 * l.crc;
	unsigned crc_before = l.crc ? frame_crc(frame, &l) : 0;
	int clamped = 0;
	for (int g = 0; g < l.granules; g++) {
		int start = l.head_bits + g * l.gran_bits, bit = start + GAIN_OFFSET_BITS;
		int v = get8(side, bit) + steps;
		if (v < 0 || v > 255) {
			v = v < 0 ? 0 : 255;
			clamped += get12(side, start) != 0;
		}
		put8(side, bit, v);
	}
	if (l.crc)
		move_crc(frame, crc_before, frame_crc(frame, &l));
	return clamped;
}

void po_mp3gain_run(uint8_t *buf, size_t len, int steps, struct po_mp3gain_tally *t)
{
	size_t off = 0;
	while (off < len) {
		struct playout_mp3_hdr h;
		if (!playout_mp3_hdr_parse(buf + off, len - off, &h) || h.len > len - off) {
			t->refused++;
			return;
		}
		int c = po_mp3gain_apply(buf + off, h.len, steps);
		if (c < 0) {
			t->refused++;
		} else {
			t->frames++;
			t->clamped += (uint64_t)c;
		}
		off += h.len;
	}
}
