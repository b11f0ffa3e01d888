/*
 * The frame index's fast path (mp3_chain.h): a clean file is followed header
 * to header by hand, an hour in a few milliseconds, and answers only when it
 * is sure to give libmpg123's table.
 */
#include "mp3_chain.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "mp3_parse.h"

/* 1 when libmpg123 takes the Xing/Info frame at p as its info frame (and so
 * hides it): it looks only when the side info before the tag is all zero. */
static int meta_hidden_by_libmpg123(const unsigned char *p, uint32_t len, int version, int mono)
{
	size_t side = version == 10 ? (mono ? 17 : 32) : (mono ? 9 : 17);
	if (len < 4 + side + 8)
		return 0;
	for (size_t i = 2; i < side; i++)
		if (p[4 + i] != 0)
			return 0;
	return 1;
}

/* Where the chain walk reads headers: the buffer itself, or (a file) pread
 * into a small window that is reused. Touching every page of a mapping
 * costs more than copying the bytes through a cache-sized buffer on some
 * machines (page-table-heavy VMs: 30 ms an hour of audio against 6 ms). */
struct chain_src {
	const unsigned char *p; /* the whole file in memory, or NULL: read fd */
	int fd;
	unsigned char *win;
	size_t base, avail; /* win holds the bytes [base, base + avail) */
};

#define CHAIN_WINDOW (128 * 1024)

/* The 4 bytes at off (the caller knows off + 4 <= the file size), or NULL
 * when the file cannot be read there. */
static const unsigned char *chain_at(struct chain_src *s, size_t off)
{
	if (s->p)
		return s->p + off;
	if (off < s->base || off + 4 > s->base + s->avail) {
		ssize_t r;
		do
			r = pread(s->fd, s->win, CHAIN_WINDOW, (off_t)off);
		while (r < 0 && errno == EINTR);
		s->base = off;
		s->avail = r > 0 ? (size_t)r : 0;
		if (s->avail < 4)
			return NULL;
	}
	return s->win + (off - s->base);
}

/*
 * A clean file is one chain of layer III frames: from the audio start (after
 * the ID3v2 tag) each header is valid and of the first one's class (MPEG
 * version, sample rate, mono or not, no CRC) and the next one starts where
 * it ends, until the last one ends exactly at the audio end (before the end
 * tags). On such a file libmpg123 finds exactly these frames, so following
 * the chain gives its table without its per-frame cost. p holds at least
 * the first frame (the caller's mapping or buffer); the rest is read through
 * src. Returns 1 with ix filled (frames, format, bitrate), or 0 with ix
 * untouched when the file is anything else: junk, a truncated last frame, a
 * format change, free format, CRC, layer I/II, a VBRI frame, an info frame
 * libmpg123 may read differently. The caller then walks with libmpg123, so
 * damaged and unusual files keep the reference behaviour. An allocation or
 * read failure also returns 0 (the reference walk reports it).
 */
static int chain_walk(const unsigned char *p, struct chain_src *src, size_t start, size_t end,
		      struct po_mp3_index *ix)
{
	struct playout_mp3_hdr h0;
	uint32_t len_of[16][2];
	size_t at = start;
	if (end <= start || !playout_mp3_hdr_parse(p + start, end - start, &h0) || h0.layer != 3 ||
	    !(p[start + 1] & 1) || ix->header_kind == PO_MP3_HEADER_VBRI)
		return 0;
	uint32_t first = po_mp3_be32(p + start), mask = 0xfffe0c00u; /* sync version layer crc rate */
	int mono = h0.mono;
	if (ix->header_kind != PO_MP3_HEADER_NONE) {
		/* libmpg123 must hide it as we do, and its LAME delay/padding
		 * must be ours (otherwise the walk asks libmpg123). */
		if (ix->header_offset != start || ix->header_len != h0.len || ix->enc_delay < 0 ||
		    !meta_hidden_by_libmpg123(p + start, h0.len, h0.version, mono))
			return 0;
		at += h0.len;
	}
	for (int bi = 0; bi < 16; bi++)
		for (int pad = 0; pad < 2; pad++) {
			struct playout_mp3_hdr h;
			unsigned char b[4] = { p[start], p[start + 1],
					       (unsigned char)((p[start + 2] & 0x0d) | bi << 4 | pad << 1),
					       p[start + 3] };
			len_of[bi][pad] = playout_mp3_hdr_parse(b, 4, &h) ? h.len : 0;
		}
	const unsigned char *q = end - at >= 4 ? chain_at(src, at) : NULL;
	if (!q || len_of[q[2] >> 4][0] == 0)
		return 0;
	/* Room for a CBR file's frames: none is shorter than the first unpadded. */
	int bits0 = q[2] >> 4, cbr = 1, kbps0 = 0;
	struct playout_mp3_hdr hq;
	if (playout_mp3_hdr_parse(q, 4, &hq))
		kbps0 = hq.kbps;
	uint32_t cap = (uint32_t)((end - at) / len_of[bits0][0]) + 16, n = 0;
	struct po_mp3_frame *fr = malloc((size_t)cap * sizeof *fr);
	while (fr && at < end) {
		if (end - at < 4 || !(q = chain_at(src, at)))
			break;
		uint32_t hd = po_mp3_be32(q);
		uint32_t len = len_of[hd >> 12 & 15][hd >> 9 & 1];
		if ((hd & mask) != (first & mask) || ((hd >> 6 & 3) == 3) != mono || len == 0 ||
		    len > end - at)
			break;
		if (n == cap) {
			struct po_mp3_frame *v = realloc(fr, (size_t)cap * 2 * sizeof *fr);
			if (!v)
				break;
			fr = v;
			cap *= 2;
		}
		fr[n].offset = (uint32_t)at;
		fr[n].len = len;
		n++;
		cbr &= (int)(hd >> 12 & 15) == bits0;
		at += len;
	}
	/* libmpg123 takes its first frame only when the next header confirms
	 * it: a stream of one frame (counting the info frame) has none. */
	if (!fr || at != end || n == 0 || (n == 1 && ix->header_kind == PO_MP3_HEADER_NONE)) {
		free(fr);
		return 0;
	}
	if (cap - n > n / 8 + 16) {
		/* A VBR file that began with short frames: give back the room. */
		struct po_mp3_frame *v = realloc(fr, (size_t)n * sizeof *fr);
		fr = v ? v : fr;
	}
	ix->frames = fr;
	ix->nframes = n;
	ix->version = h0.version;
	ix->layer = 3;
	ix->sample_rate = h0.rate;
	ix->channels = mono ? 1 : 2;
	ix->samples_per_frame = playout_mp3_samples_per_frame(h0.version, 3);
	ix->bitrate_kbps = cbr ? kbps0 : 0;
	return 1;
}

int po_mp3_chain_walk(const unsigned char *p, int fd, size_t start, size_t end,
		      struct po_mp3_index *ix)
{
	struct chain_src src = { fd >= 0 ? NULL : p, fd, NULL, 0, 0 };
	if (!src.p && !(src.win = malloc(CHAIN_WINDOW)))
		return 0;
	int chained = chain_walk(p, &src, start, end, ix);
	free(src.win);
	return chained;
}
