/*
 * Probe: decode a file once (libmpg123) and measure it: EBU R128 loudness
 * (libebur128, on a second thread), true peak (truepeak.h) and dead air.
 * Not for air time: a full decode of an hour takes seconds (about 1.5x a
 * bare decode). Keeping the answer is media_scan.h's job.
 */
#ifndef PO_PROBE_H
#define PO_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include <playout/plugin.h>

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

#endif
