/*
 * One decode of an item for every re-encoding output that plays it: a
 * process-wide, reference-counted tap per item (keyed by the item's
 * identity) that keeps a bounded window of decoded frames, at the item's
 * own rate and channels, indexed by the frame's number in the item. Each
 * output's encoder thread reads it at its own position and does its own
 * mix, resampling, shaping and encoding (pcm_source.h, player_pcm.c). Not
 * for passthrough outputs, which never decode.
 *
 * Who decodes: the reader that first needs the frame after the window's
 * end, on its own encoder thread (never a player thread), with the tap's
 * lock released, one frame at a time; a reader needing that same frame
 * meanwhile waits for it (about one frame's decode, bounded). A reader
 * outside the window (a late joiner, one left behind, one whose frame's
 * bytes differ) is told to decode the frame privately: it never blocks
 * the others, and the others never wait for it.
 *
 * Memory: at most PO_PCM_TAP_FLOATS floats and PO_PCM_TAP_FRAMES frames
 * per tap (1 MiB: 3 s of stereo at 44.1 kHz, ten times what outputs
 * playing together are apart; a reader further behind costs only its own
 * decode, about 0.1 % of a core), and at most one tap per
 * reader, so at most one per re-encoding output (in practice one per item
 * on air). Frames go once every reader in the window has passed them
 * (the last PO_PCM_TAP_GRACE of them kept for a reader that begins a
 * little late), and the oldest go first when the window is full (a reader
 * left behind then decodes privately); the tap goes with its last reader.
 *
 * Thread-safety: every function may be called from any thread; one reader
 * is used by one thread at a time.
 */
#ifndef PO_PCM_TAP_H
#define PO_PCM_TAP_H

#include <stddef.h>
#include <stdint.h>

#include <playout/plugin.h>

#define PO_PCM_TAP_FLOATS (256 * 1024) /* samples x channels kept per tap */
#define PO_PCM_TAP_FRAMES 512          /* frames kept per tap */
#define PO_PCM_TAP_FRAME_MAX 1152      /* samples one MPEG audio frame gives, at most */
/* Frames kept after every reader passed them, for an output that begins
 * the item a little after the others (its first send handed over a
 * send later): 64 frames are 1.7 s of MPEG-1 at 44.1 kHz. */
#define PO_PCM_TAP_GRACE 64

/* One frame's samples, copied out of the tap. */
struct po_pcm_tap_frame {
	int rate, ch;
	size_t n;                          /* samples (0: an Info frame) */
	float pcm[PO_PCM_TAP_FRAME_MAX * 2];
};

struct po_pcm_tap_reader;

/* Subscribe to the tap of the item named key (made when none is open),
 * placed before the item's frame number frame. key: borrowed, copied.
 * NULL and err set when out of memory. The caller leaves with
 * po_pcm_tap_leave. */
struct po_pcm_tap_reader *po_pcm_tap_join(const char *key, uint32_t frame,
					  struct playout_error *err);

/* The samples of the item's frame number frame, whose len bytes are mp3
 * (borrowed): 1 and *out filled (read from the window, or decoded now for
 * every reader), or 0: the frame is outside the window, decode it
 * privately. Frames are asked for in order; a jump (a seek) is allowed.
 * A decoder error of the tap also answers 0 (the private decoder then
 * says what is wrong with the frame). */
int po_pcm_tap_get(struct po_pcm_tap_reader *r, uint32_t frame, const uint8_t *mp3, size_t len,
		   struct po_pcm_tap_frame *out);

/* Unsubscribe; the last reader frees the tap (and logs what it decoded).
 * NULL is a no-op. */
void po_pcm_tap_leave(struct po_pcm_tap_reader *r);

/* Frames the reader's tap decoded so far (for every reader). */
uint64_t po_pcm_tap_decoded(const struct po_pcm_tap_reader *r);

/* Process-wide figures, for tests and the log. */
struct po_pcm_tap_stats {
	uint64_t taps_made;        /* taps made since start */
	uint64_t frames_decoded;   /* frames the taps decoded, once each */
	uint64_t frames_shared;    /* frames given to readers from a tap */
	uint64_t frames_private;   /* frames readers were told to decode privately */
	unsigned taps_open;        /* taps alive now */
	size_t bytes_held;         /* decoded samples held now, all taps */
	size_t bytes_held_max;     /* the most ever held at once */
};
void po_pcm_tap_stats(struct po_pcm_tap_stats *st);

#endif
