/*
 * MPEG audio frame headers and the ID3v2 tag length of <playout/util.h>:
 * what the core's frame index and a join plugin both read by hand. Every
 * read is bounded by the caller's length. Not for Xing/LAME frames or end
 * tags: the core's mp3_parse.c reads those.
 */
#include <playout/util.h>

#include <string.h>

static const short kbps_tab[2][3][15] = {
	{ /* MPEG-1: layer I, II, III */
	  { 0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448 },
	  { 0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384 },
	  { 0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320 } },
	{ /* MPEG-2 and 2.5 */
	  { 0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256 },
	  { 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160 },
	  { 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160 } },
};

int playout_mp3_hdr_parse(const unsigned char *p, size_t left, struct playout_mp3_hdr *h)
{
	static const int rates[3] = { 44100, 48000, 32000 };
	if (!p || left < 4 || p[0] != 0xff || (p[1] & 0xe0) != 0xe0)
		return 0;
	int v = (p[1] >> 3) & 3, l = (p[1] >> 1) & 3, bi = p[2] >> 4, si = (p[2] >> 2) & 3;
	if (v == 1 || l == 0 || bi == 0 || bi == 15 || si == 3)
		return 0; /* reserved version or layer, free format, bad bitrate or rate */
	h->version = v == 3 ? 10 : v == 2 ? 20 : 25;
	h->layer = 4 - l;
	h->rate = rates[si] / (v == 3 ? 1 : v == 2 ? 2 : 4);
	h->mono = (p[3] >> 6) == 3;
	h->padding = (p[2] >> 1) & 1;
	h->kbps = kbps_tab[v == 3 ? 0 : 1][h->layer - 1][bi];
	long br = h->kbps * 1000L;
	/* slots per frame: layer I 12 x 4 bytes, MPEG-2/2.5 layer III half of 144 */
	if (h->layer == 1)
		h->len = (uint32_t)((12 * br / h->rate + h->padding) * 4);
	else if (h->layer == 3 && v != 3)
		h->len = (uint32_t)(72 * br / h->rate + h->padding);
	else
		h->len = (uint32_t)(144 * br / h->rate + h->padding);
	return h->len >= 4;
}

int playout_mp3_samples_per_frame(int version, int layer)
{
	if (layer == 1)
		return 384;
	if (layer == 2 || version == 10)
		return 1152;
	return 576;
}

size_t playout_mp3_id3v2_len(const unsigned char *p, size_t n)
{
	size_t at = 0;
	/* a header: "ID3", version bytes not 0xff, a syncsafe size (no high bits) */
	while (at <= n && n - at >= 10 && memcmp(p + at, "ID3", 3) == 0 && p[at + 3] != 0xff &&
	       p[at + 4] != 0xff && !((p[at + 6] | p[at + 7] | p[at + 8] | p[at + 9]) & 0x80)) {
		size_t len = 10 + ((size_t)p[at + 6] << 21 | (size_t)p[at + 7] << 14 |
				   (size_t)p[at + 8] << 7 | p[at + 9]);
		if (p[at + 5] & 0x10)
			len += 10; /* footer */
		at += len;
	}
	return at;
}
