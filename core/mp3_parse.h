/*
 * Hand parsing of MP3 framing that libmpg123 reports only in part: frame
 * headers, tags at either end, and the Xing/Info/LAME/VBRI frame. Core
 * private: used by the frame index (mp3.c) and its fast path (mp3_chain.c).
 */
#ifndef PO_MP3_PARSE_H
#define PO_MP3_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "mp3.h"

static inline uint32_t po_mp3_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t po_mp3_le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* A parsed frame header. */
struct po_mp3_hdr {
	int version; /* 10, 20, 25 */
	int layer;
	int rate;
	int mono;
	int kbps;
	uint32_t len;
};

/* 1 when p holds a valid frame header (free format refused). */
int po_mp3_parse_hdr(const unsigned char *p, size_t left, struct po_mp3_hdr *h);
/* Bytes of the ID3v2 tag(s) at the front (several may follow each other). */
size_t po_mp3_id3v2_size(const unsigned char *p, size_t n);
/* Recognise a Xing/Info(+LAME) or VBRI frame at p (file offset off); fills
 * ix's header_* fields, encoder, enc_delay and enc_padding. */
void po_mp3_parse_meta_frame(const unsigned char *p, size_t left, uint32_t off,
			     struct po_mp3_index *ix);
/* ID3v1 and APEv2 tags at the end (sets ix->id3v1_bytes, ape_bytes);
 * returns where the audio ends. */
size_t po_mp3_end_tags(const unsigned char *p, size_t start, size_t n, struct po_mp3_index *ix);
/* 384, 1152 or 576. */
int po_mp3_samples_per_frame(int version, int layer);

#endif
