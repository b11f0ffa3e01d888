/*
 * Gapless MP3 joins: plan a cut-and-append as a segment list (pure, from two
 * frame indexes), and render a segment list to a file with a fresh Info/Xing
 * header, the first file's ID3v2 tag and an atomic rename. Never re-encodes.
 * Not for air time: the player plays segment lists itself.
 */
#ifndef PO_MP3JOIN_H
#define PO_MP3JOIN_H

#include <stddef.h>
#include <stdint.h>

#include <playout/plugin.h>
#include "mp3.h"

/* One run of frames of one file: frames [first_frame, first_frame + nframes);
 * nframes == 0 means "to the end of the file". */
struct po_join_part {
	const char *path;               /* borrowed, valid for the call */
	const struct po_mp3_index *ix;  /* borrowed; NULL: the renderer indexes path */
	uint32_t first_frame;
	uint32_t nframes;
};

struct po_join_result {
	uint32_t nframes;     /* audio frames written (the Info/Xing frame excluded) */
	int64_t bytes;        /* whole output file, tag and Info/Xing frame included */
	int64_t duration_ms;  /* nframes * samples_per_frame / sample_rate */
	int vbr;              /* 1: the header is "Xing" (bitrates differ), 0: "Info" */
};

/* 0 when frames of a and b can share one MP3 stream (same MPEG version,
 * layer, sample rate and channel count); else PLAYOUT_EINVAL with err saying
 * "A.mp3 is 44100 Hz stereo, B.mp3 is 48000 Hz mono: they cannot be joined
 * without re-encoding". Names are for the message only. */
int po_mp3join_compatible(const char *name_a, const struct po_mp3_index *a,
			  const char *name_b, const struct po_mp3_index *b,
			  struct playout_error *err);

/* Pure: cut a at cut_ms (frame-accurate: a keeps the frames [0, k) where
 * frame k is the last one starting at or before cut_ms, so the cut is the
 * frame boundary at or before cut_ms; all of a when it is not longer than
 * cut_ms) and append all of b. Fills parts[0] (path_a, a) and parts[1]
 * (path_b, b); paths and indexes are borrowed into parts. Returns 0, or
 * PLAYOUT_EINVAL for incompatible formats (see po_mp3join_compatible) or a
 * negative cut. */
int po_mp3join_plan(const char *path_a, const struct po_mp3_index *a,
		    const char *path_b, const struct po_mp3_index *b, int64_t cut_ms,
		    struct po_join_part parts[2], struct playout_error *err);

/* Render parts (n >= 1, all compatible) to out_path: the ID3v2 tag of the
 * first part's file (bytes copied), an Info (CBR) or Xing (VBR) frame with
 * the result's frame count, byte count and a 100-entry TOC, then the frames.
 * Written to a temporary file in out_path's folder, fsynced and renamed over
 * out_path (the folder is fsynced too); on any failure the temporary file is
 * removed and out_path is untouched. res may be NULL. Frames are copied in
 * contiguous runs (copy_file_range where it works); damaged bytes between
 * frames are left behind. An index is trusted only while its file keeps
 * the indexed size and mtime and the runs' end headers are still frames.
 * Returns 0, PLAYOUT_EINVAL (bad parts, incompatible formats, frame range
 * outside a file, a file changed since it was indexed), PLAYOUT_ENOTFOUND,
 * PLAYOUT_EIO or PLAYOUT_ENOMEM. */
int po_mp3join_render(const struct po_join_part *parts, size_t n, const char *out_path,
		      struct po_join_result *res, struct playout_error *err);

/* Parse "MM:SS", "MM:SS.mmm", "HH:MM:SS" or plain seconds ("1800", "10.5")
 * into ms. Returns 0 or PLAYOUT_EINVAL. */
int po_mp3join_parse_time(const char *s, int64_t *ms);

#endif
