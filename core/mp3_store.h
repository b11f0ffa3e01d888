/*
 * The frame index in the state store: a struct po_mp3_index as a compact,
 * versioned, checksummed little-endian blob, and loading/saving that blob by
 * path, size and mtime so a file is indexed once. Not the indexer (mp3.c).
 */
#ifndef PO_MP3_STORE_H
#define PO_MP3_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <playout/plugin.h>
#include "mp3.h"
#include "state.h"

/* The blob's format. Bump it when the layout changes OR when mp3.c starts
 * finding different frames in the same bytes: a stored blob of another
 * format is refused, and the file is indexed again. */
/* 2: junk between frames no longer yields frames, nor a format change
 * (a header found after junk must be confirmed by the frames after it). */
#define PO_MP3_STORE_FORMAT 2

/* Serialise ix. *blob malloc'd (caller frees), *len its size: about
 * 2 bytes a frame (8 when offsets cannot be rebuilt from the lengths and
 * the damaged runs, or a frame is longer than 65535 bytes). PLAYOUT_EINVAL
 * (with the reason) for an index whose fields are out of range, so nothing
 * is stored that decode would refuse. Thread-safe. */
int po_mp3_store_encode(const struct po_mp3_index *ix, unsigned char **blob, size_t *len,
			struct playout_error *err);

/* Parse a blob (borrowed for the call). Every field is checked: a truncated,
 * corrupt (checksum), foreign-format or inconsistent blob is PLAYOUT_EPROTO
 * with the reason; never reads outside [blob, blob+len). *out has one
 * reference (po_mp3_index_unref). Thread-safe. */
int po_mp3_store_decode(const void *blob, size_t len, struct po_mp3_index **out,
			struct playout_error *err);

/* The stored index of path when its size and mtime match: PLAYOUT_OK with
 * *out (one reference); PLAYOUT_ENOTFOUND when none is stored for this
 * size/mtime; PLAYOUT_EPROTO when the stored blob is unusable (index the
 * file again and save over it); other codes from the state. Any thread
 * (the state locks per call). */
int po_mp3_store_load(struct po_state *st, const char *path, int64_t size, int64_t mtime_ms,
		      struct po_mp3_index **out, struct playout_error *err);

/* Store ix for path, keyed by ix->file_size and ix->file_mtime_ms (what
 * was actually indexed). st must be writable. Any thread. */
int po_mp3_store_save(struct po_state *st, const char *path, const struct po_mp3_index *ix,
		      struct playout_error *err);

#endif
