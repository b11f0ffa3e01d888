/*
 * MP3 frame index, built with libmpg123: every audio frame's byte offset and
 * length, the stream format, and the exact duration from the frame count.
 * Tags and the Xing/Info/VBRI frame are metadata, not audio, and are not in
 * the index; their kinds and sizes, the LAME encoder delay/padding and the
 * damaged (skipped) byte runs are recorded. A frame found after junk is
 * believed only when the frames that follow it confirm it (see mp3.c), so
 * a stray header inside junk is damage, not audio nor a format change.
 * Indexing never decodes audio.
 */
#ifndef PO_MP3_H
#define PO_MP3_H

#include <stddef.h>
#include <stdint.h>

#include <playout/plugin.h>

struct po_mp3_frame {
	uint32_t offset; /* byte offset in the file */
	uint32_t len;    /* whole frame, header included */
};

/* The metadata frame in front of the audio, if any. */
enum po_mp3_header {
	PO_MP3_HEADER_NONE = 0,
	PO_MP3_HEADER_XING,  /* "Xing": VBR (LAME, others) */
	PO_MP3_HEADER_INFO,  /* "Info": CBR written by LAME */
	PO_MP3_HEADER_VBRI,  /* Fraunhofer */
};

/* A run of bytes that is neither tag, header frame nor audio frame: junk
 * skipped by resynchronising, or a truncated frame at the end. */
struct po_mp3_damage {
	uint32_t offset;
	uint32_t len;
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
	/* what surrounds the audio: header frame, encoder tags, damage (field
	   order is free: mp3_store.c writes each field by name) */
	int header_kind;           /* enum po_mp3_header */
	uint32_t header_offset;    /* of the Xing/Info/VBRI frame (0 if none) */
	uint32_t header_len;
	uint32_t header_frames;    /* audio frames the header claims, 0 unknown */
	int enc_delay;             /* samples, from the LAME tag; -1 unknown */
	int enc_padding;           /* samples, from the LAME tag; -1 unknown */
	char encoder[10];          /* "LAME3.100" from the LAME tag, or "" */
	uint32_t id3v2_bytes;      /* ID3v2 tag(s) at the front, header included */
	uint32_t id3v1_bytes;      /* 128 when an ID3v1 tag ends the file, else 0 */
	uint32_t ape_bytes;        /* APEv2 tag at the end (header and footer) */
	uint32_t ndamaged;
	struct po_mp3_damage *damaged; /* ndamaged runs, in file order; owned */
	int64_t gapless_ms;        /* (nframes*spf - delay - padding) / rate;
	                              duration_ms when delay/padding unknown */
};

/* "none", "xing", "info", "vbri". */
const char *po_mp3_header_name(int kind);

/* Index a file. PLAYOUT_EINVAL (with the reason) for a file with no audio
 * frames or one that changes sample rate/channels mid-stream (a run of
 * frames in the new format, not a lone header in junk). *out has one
 * reference; release with po_mp3_index_unref. */
int po_mp3_index_file(const char *path, struct po_mp3_index **out, struct playout_error *err);
/* The same from memory (fuzzing, tests): buf is borrowed for the call;
 * name is used in messages; file_size is n and file_mtime_ms 0. */
int po_mp3_index_mem(const void *buf, size_t n, const char *name, struct po_mp3_index **out,
		     struct playout_error *err);
/* How frames are found. The index functions above use AUTO: the header
 * chain followed by hand when the file is one clean chain, else libmpg123
 * frame by frame (the reference). Tests and the fuzzer force either walk
 * and check that both give the same index. */
enum po_mp3_walk {
	PO_MP3_WALK_AUTO = 0,
	PO_MP3_WALK_REF,   /* libmpg123 only */
	PO_MP3_WALK_CHAIN, /* the chain only; PLAYOUT_EINVAL when the file is not one */
};
/* po_mp3_index_mem with the walk chosen. */
int po_mp3_index_mem_walk(const void *buf, size_t n, const char *name, int walk,
			  struct po_mp3_index **out, struct playout_error *err);
struct po_mp3_index *po_mp3_index_ref(struct po_mp3_index *ix);
void po_mp3_index_unref(struct po_mp3_index *ix); /* NULL is a no-op */

/* Duration of one frame in ns (samples_per_frame * 1e9 / sample_rate). */
int64_t po_mp3_frame_ns(const struct po_mp3_index *ix);
/* The last frame starting at or before t_ms from the start of the file. */
uint32_t po_mp3_frame_at_ms(const struct po_mp3_index *ix, int64_t t_ms);

#endif
