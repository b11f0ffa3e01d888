/*
 * Probe: decode a file (libmpg123) and measure it: EBU R128 loudness
 * (libebur128) and dead air. Plus the media cache: the frame index summary
 * and the probe, kept in the state store by path, size and mtime so a file
 * is scanned once. Not for air time: a full decode of an hour takes seconds.
 */
#ifndef PO_PROBE_H
#define PO_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include <playout/plugin.h>
#include "state.h"

/* Core-private asset flag (beside plugin.h's PLAYOUT_ASSET_*): the file is
 * shorter than min_fill_percent of the slot it would fill. */
#define PO_ASSET_SHORT 0x100u
/* Flags that keep a file off air (DAMAGED is informational). */
#define PO_ASSET_UNPLAYABLE (PLAYOUT_ASSET_NO_AUDIO | PLAYOUT_ASSET_SILENT | PO_ASSET_SHORT)

struct po_probe_opts {
	double silence_threshold_db; /* a 10 ms block whose PEAK sample (any
	                                channel) is below this dBFS is silent */
	double silence_max_s;        /* report silent runs longer than this */
	const int *stop;             /* NULL, or a flag another thread sets to end
	                                a probe early (PLAYOUT_EUNAVAIL, nothing
	                                kept): the daemon is stopping */
};

#define PO_PROBE_MAX_SILENCES 16

struct po_silence {
	int64_t start_ms;
	int64_t len_ms;
};

struct po_probe {
	int64_t decoded_ms;          /* audio decoded */
	double integrated_lufs;      /* -INFINITY when nothing is above the gate */
	double range_lu;
	double true_peak_dbtp;       /* -INFINITY for digital silence */
	int64_t leading_silence_ms;
	int64_t trailing_silence_ms;
	size_t nsilences;            /* runs longer than silence_max_s (leading and
	                                trailing ones included), first 16 kept */
	size_t nsilences_total;
	struct po_silence silences[PO_PROBE_MAX_SILENCES];
	uint32_t decode_errors;      /* frames libmpg123 could not decode */
	uint32_t flags;              /* PLAYOUT_ASSET_NO_AUDIO, PLAYOUT_ASSET_SILENT */
	char why[128];               /* a predicate for "NAME <why>", when flags */
};

/* Decode path and measure it. PLAYOUT_OK when audio was decoded (silent or
 * not: see out->flags); PLAYOUT_EINVAL with out->flags NO_AUDIO when none
 * could be; PLAYOUT_ENOTFOUND/EIO for an unreadable file. Thread-safe. */
int po_probe_file(const char *path, const struct po_probe_opts *o, struct po_probe *out,
		  struct playout_error *err);

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

/* The media facts of path: from st when size and mtime match (and the probe
 * is there if asked for), else computed now (stored with PO_MEDIA_STORE).
 * The frame index behind them is itself taken from st when stored there
 * (mp3_store.c) and, when made here, stored with PO_MEDIA_STORE, so
 * po_runtime_index does not index the file a second time.
 * st may be NULL (no cache). PLAYOUT_OK with out filled, also for a file
 * with no audio (out->flags says so); PLAYOUT_ENOTFOUND/EIO when the file
 * cannot be read. Any thread (the state locks per call). */
int po_media_scan(struct po_state *st, const char *path, const struct po_probe_opts *o, int how,
		  struct po_media *out, struct playout_error *err);

/* The cache's text form (exposed for tests). encode: malloc'd, NULL on
 * ENOMEM. decode: PLAYOUT_EINVAL for text from another version. */
char *po_media_encode(const struct po_media *m);
int po_media_decode(const char *text, struct po_media *m);

/* Set PO_ASSET_SHORT (and why) on each asset without flags whose known
 * duration is under min_fill_percent of the RECORDED slot it would fill:
 * the slot that names it, or a slot of its pid at its time. 0: no-op. */
void po_probe_flag_short(struct playout_asset *as, size_t n, const struct playout_slot *slots,
			 size_t nslots, int min_fill_percent);

#endif
