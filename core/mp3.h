/*
 * MP3 frame index, built with libmpg123: every audio frame's byte offset and
 * length, the stream format, and the exact duration from the frame count.
 * Tags and the Xing/Info/VBRI frame are metadata, not audio, and are not in
 * the index. Indexing never decodes audio.
 */
#ifndef PO_MP3_H
#define PO_MP3_H

#include <stdint.h>

#include <playout/plugin.h>

struct po_mp3_frame {
	uint32_t offset; /* byte offset in the file */
	uint32_t len;    /* whole frame, header included */
};

struct po_mp3_index {
	int refs;                  /* atomic; see ref/unref */
	int version;               /* 10 MPEG-1, 20 MPEG-2, 25 MPEG-2.5 */
	int layer;                 /* 1..3 */
	int sample_rate;           /* Hz */
	int channels;              /* 1 or 2 */
	int samples_per_frame;     /* 1152 or 576 for layer III */
	int bitrate_kbps;          /* 0 when the bitrate varies */
	uint32_t nframes;
	struct po_mp3_frame *frames;
	int64_t duration_ms;       /* nframes * samples_per_frame / sample_rate */
	int64_t file_size;
	int64_t file_mtime_ms;
	uint32_t resyncs;          /* places where junk was skipped */
};

/* Index a file. PLAYOUT_EINVAL (with the reason) for a file with no audio
 * frames or one that changes sample rate/channels mid-stream. *out has one
 * reference; release with po_mp3_index_unref. */
int po_mp3_index_file(const char *path, struct po_mp3_index **out, struct playout_error *err);
struct po_mp3_index *po_mp3_index_ref(struct po_mp3_index *ix);
void po_mp3_index_unref(struct po_mp3_index *ix); /* NULL is a no-op */

/* Duration of one frame in ns (samples_per_frame * 1e9 / sample_rate). */
int64_t po_mp3_frame_ns(const struct po_mp3_index *ix);
/* The last frame starting at or before t_ms from the start of the file. */
uint32_t po_mp3_frame_at_ms(const struct po_mp3_index *ix, int64_t t_ms);

#endif
