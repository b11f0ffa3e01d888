/*
 * Hand parsing of what libmpg123 reports only in part (mp3_parse.h): frame
 * headers, the ID3v2 tags in front, the ID3v1/APE tags at the end and the
 * Xing/Info/LAME/VBRI frame. Every read is bounded by the caller's length.
 */
#include "mp3_parse.h"

#include <string.h>

/* Bytes of the ID3v2 tag(s) at the front (several may follow each other). */
size_t po_mp3_id3v2_size(const unsigned char *p, size_t n)
{
	size_t at = 0;
	while (n - at >= 10 && memcmp(p + at, "ID3", 3) == 0 && p[at + 3] != 0xff &&
	       p[at + 4] != 0xff && !((p[at + 6] | p[at + 7] | p[at + 8] | p[at + 9]) & 0x80)) {
		size_t len = 10 + ((size_t)p[at + 6] << 21 | (size_t)p[at + 7] << 14 |
				   (size_t)p[at + 8] << 7 | p[at + 9]);
		if (p[at + 5] & 0x10)
			len += 10; /* footer */
		if (len > n - at)
			len = n - at;
		at += len;
	}
	return at;
}

static const short kbps_tab[2][3][15] = {
	{ /* MPEG-1: layer I, II, III */
	  {0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
	  {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
	  {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320} },
	{ /* MPEG-2 and 2.5 */
	  {0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
	  {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
	  {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160} },
};

/* 1 when p holds a valid frame header (free format refused). */
int po_mp3_parse_hdr(const unsigned char *p, size_t left, struct po_mp3_hdr *h)
{
	static const int rates[3] = { 44100, 48000, 32000 };
	if (left < 4 || p[0] != 0xff || (p[1] & 0xe0) != 0xe0)
		return 0;
	int v = (p[1] >> 3) & 3, l = (p[1] >> 1) & 3, bi = p[2] >> 4, si = (p[2] >> 2) & 3;
	if (v == 1 || l == 0 || bi == 0 || bi == 15 || si == 3)
		return 0;
	h->version = v == 3 ? 10 : v == 2 ? 20 : 25;
	h->layer = 4 - l;
	h->rate = rates[si] / (v == 3 ? 1 : v == 2 ? 2 : 4);
	h->mono = (p[3] >> 6) == 3;
	int pad = (p[2] >> 1) & 1;
	h->kbps = kbps_tab[v == 3 ? 0 : 1][h->layer - 1][bi];
	long br = h->kbps * 1000L;
	if (h->layer == 1)
		h->len = (uint32_t)((12 * br / h->rate + pad) * 4);
	else if (h->layer == 3 && v != 3)
		h->len = (uint32_t)(72 * br / h->rate + pad);
	else
		h->len = (uint32_t)(144 * br / h->rate + pad);
	return h->len >= 4;
}

/* Recognise a Xing/Info(+LAME) or VBRI frame at p; fills the header fields. */
void po_mp3_parse_meta_frame(const unsigned char *p, size_t left, uint32_t off,
			     struct po_mp3_index *ix)
{
	struct po_mp3_hdr h;
	if (!po_mp3_parse_hdr(p, left, &h) || h.layer != 3 || h.len > left)
		return;
	size_t side = h.version == 10 ? (h.mono ? 17 : 32) : (h.mono ? 9 : 17);
	const unsigned char *x = p + 4 + side, *end = p + h.len;
	if (end - x >= 8 && (memcmp(x, "Xing", 4) == 0 || memcmp(x, "Info", 4) == 0)) {
		ix->header_kind = x[0] == 'X' ? PO_MP3_HEADER_XING : PO_MP3_HEADER_INFO;
		uint32_t flags = po_mp3_be32(x + 4);
		x += 8;
		if (flags & 1) {
			if (end - x < 4)
				goto found;
			ix->header_frames = po_mp3_be32(x);
			x += 4;
		}
		x += (flags & 2) ? 4 : 0;
		x += (flags & 4) ? 100 : 0;
		x += (flags & 8) ? 4 : 0;
		/* LAME extension: 9-byte version, ..., delay/padding at +21. */
		if (end - x >= 24 && x[0] >= 'A' && x[0] <= 'Z' && x[1] >= ' ' && x[1] < 0x7f) {
			size_t k = 0;
			for (; k < 9 && x[k] >= ' ' && x[k] < 0x7f; k++)
				ix->encoder[k] = (char)x[k];
			ix->encoder[k] = '\0';
			ix->enc_delay = (x[21] << 4) | (x[22] >> 4);
			ix->enc_padding = ((x[22] & 0x0f) << 8) | x[23];
		}
		goto found;
	}
	x = p + 4 + 32;
	if (end - x >= 18 && memcmp(x, "VBRI", 4) == 0) {
		ix->header_kind = PO_MP3_HEADER_VBRI;
		ix->header_frames = po_mp3_be32(x + 14);
		goto found;
	}
	return;
found:
	ix->header_offset = off;
	ix->header_len = h.len;
}

/* Tags at the end: ID3v1 (128 bytes, "TAG") and an APEv2 tag before it.
 * Returns where the audio ends. */
size_t po_mp3_end_tags(const unsigned char *p, size_t start, size_t n, struct po_mp3_index *ix)
{
	size_t end = n;
	if (end - start >= 128 && memcmp(p + end - 128, "TAG", 3) == 0) {
		ix->id3v1_bytes = 128;
		end -= 128;
	}
	if (end - start >= 32 && memcmp(p + end - 32, "APETAGEX", 8) == 0) {
		uint64_t len = po_mp3_le32(p + end - 32 + 12);
		if (po_mp3_le32(p + end - 32 + 20) & 0x80000000u)
			len += 32; /* a header too */
		if (len >= 32 && len <= end - start) {
			ix->ape_bytes = (uint32_t)len;
			end -= (size_t)len;
		}
	}
	return end;
}

int po_mp3_samples_per_frame(int version, int layer)
{
	if (layer == 1)
		return 384;
	if (layer == 2 || version == 10)
		return 1152;
	return 576;
}
