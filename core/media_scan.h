/*
 * What is known of one media file, and where it is kept: the frame index
 * summary and the probe verdict of a path, stored in the state by path,
 * size and mtime so a file is indexed and decoded once. Also the one way a
 * frame index is loaded (the state's copy, else indexed now). Not the
 * in-memory catalogue of the cache (media.h), not the decoder (probe.h).
 */
#ifndef PO_MEDIA_SCAN_H
#define PO_MEDIA_SCAN_H

#include <stdint.h>

#include <playout/plugin.h>
#include "mp3.h"
#include "probe.h"
#include "state.h"

/* What the media cache holds for one file. */
struct po_media {
	int indexed;                 /* the frame index succeeded */
	char index_error[160];       /* its error when not */
	uint32_t nframes;
	int64_t duration_ms, gapless_ms;
	int version, layer, sample_rate, channels, samples_per_frame, bitrate_kbps;
	int header_kind;             /* enum po_mp3_header */
	int enc_delay, enc_padding;  /* -1 unknown */
	uint32_t id3v2_bytes, id3v1_bytes, ape_bytes;
	uint32_t ndamaged;
	int64_t damaged_bytes;
	int probed;                  /* probe below is filled */
	struct po_probe probe;
	uint32_t flags;              /* PLAYOUT_ASSET_*: index and probe together */
	char why[128];
};

enum po_media_how {
	PO_MEDIA_PROBE = 1 << 0,     /* decode too (seconds for an hour) */
	PO_MEDIA_STORE = 1 << 1,     /* write what was computed to the state */
};

/* The frame index of path with this size and mtime: the state's copy
 * (mp3_store.c) when st holds one, else indexed now and, with store (st
 * writable), kept there. Every index the core uses comes through here, so
 * a file is indexed once however it is asked for. PLAYOUT_OK with *ix (one
 * reference, po_mp3_index_unref); else the indexer's code with err filled.
 * st may be NULL. Any thread (the state locks per call). */
int po_media_load_index(struct po_state *st, const char *path, int64_t size, int64_t mtime_ms,
			int store, struct po_mp3_index **ix, struct playout_error *err);

/* The media facts of path: from st when size and mtime match (and the probe
 * is there if asked for), else computed now (stored with PO_MEDIA_STORE).
 * st may be NULL (no state). PLAYOUT_OK with out filled, also for a file
 * with no audio (out->flags says so); PLAYOUT_ENOTFOUND/EIO when the file
 * cannot be read. Any thread (the state locks per call). */
int po_media_scan(struct po_state *st, const char *path, const struct po_probe_opts *o, int how,
		  struct po_media *out, struct playout_error *err);
/* The same, and when the scan had the frame index in hand (it was not
 * taken from the stored facts), *ix is that index (one reference), else
 * NULL: the catalogue (media.c) keeps it instead of loading it again. */
int po_media_scan_index(struct po_state *st, const char *path, const struct po_probe_opts *o,
			int how, struct po_media *out, struct po_mp3_index **ix,
			struct playout_error *err);

/* The cache's text form (exposed for tests). encode: malloc'd, NULL on
 * ENOMEM. decode: PLAYOUT_EINVAL for text from another version. */
char *po_media_encode(const struct po_media *m);
int po_media_decode(const char *text, struct po_media *m);

#endif
