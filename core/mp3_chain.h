/*
 * The frame index's fast path: follow an unbroken chain of layer III frame
 * headers by hand. Core private (mp3.c); libmpg123 stays the reference for
 * every file this does not accept.
 */
#ifndef PO_MP3_CHAIN_H
#define PO_MP3_CHAIN_H

#include <stddef.h>

#include "mp3.h"

/* 1 with ix's frames and format filled when [start, end) of the file is one
 * clean chain (ix's tag and header fields already parsed); 0, ix untouched,
 * otherwise. p holds the file, or at least its first frame when fd >= 0:
 * the rest is then read from fd through a small window. */
int po_mp3_chain_walk(const unsigned char *p, int fd, size_t start, size_t end,
		      struct po_mp3_index *ix);

#endif
