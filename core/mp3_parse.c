/*
 * Hand parsing of what libmpg123 reports only in part (mp3_parse.h): the
 * ID3v1/APE tags at the end and the Xing/Info/LAME/VBRI frame. Frame
 * headers and ID3v2 lengths are libplayout-util's (playout_mp3_hdr_parse).
 * Every read is bounded by the caller's length.
 */
#include "mp3_parse.h"

#include <string.h>

/* Recognise a Xing/Info(+LAME) or VBRI frame at p; fills the header fields. */
void po_mp3_parse_meta_frame(const unsigned char *p, size_t left, uint32_t off,
			     struct po_mp3_index *ix)
{
	struct playout_mp3_hdr h;
	if (!playout_mp3_hdr_parse(p, left, &h) || h.layer != 3 || h.len > left)
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
