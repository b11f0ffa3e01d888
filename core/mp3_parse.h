/*
 * Hand parsing of MP3 framing that libmpg123 reports only in part: tags at
 * the end and the Xing/Info/LAME/VBRI frame (frame headers and ID3v2 tags
 * are <playout/util.h>'s). Core private: used by the frame index (mp3.c)
 * and its fast path (mp3_chain.c).
 */
#ifndef PO_MP3_PARSE_H
#define PO_MP3_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <playout/util.h>

#include "mp3.h"

static inline uint32_t po_mp3_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t po_mp3_le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Recognise a Xing/Info(+LAME) or VBRI frame at p (file offset off); fills
 * ix's header_* fields, encoder, enc_delay and enc_padding. */
void po_mp3_parse_meta_frame(const unsigned char *p, size_t left, uint32_t off,
			     struct po_mp3_index *ix);
/* ID3v1 and APEv2 tags at the end (sets ix->id3v1_bytes, ape_bytes);
 * returns where the audio ends. */
size_t po_mp3_end_tags(const unsigned char *p, size_t start, size_t n, struct po_mp3_index *ix);

#endif
