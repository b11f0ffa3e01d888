/*
 * The player: one thread per output that streams the rundown's items in real
 * time. It reads an immutable snapshot of the rundown (shared through a
 * snapbox), sleeps to each item's start instant, paces frames against
 * absolute deadlines measured from that instant, and posts what it played to
 * a queue drained by the control thread. No sqlite, no logging per frame and
 * no allocation per frame on its path.
 */
#ifndef PO_PLAYER_H
#define PO_PLAYER_H

#include <pthread.h>
#include <stdint.h>

#include <playout/plugin.h>
#include "clock.h"
#include "mp3.h"
#include "outfmt.h"
#include "state.h"

/* An item ready for air: the rundown item plus, for each segment, the cached
 * file and its index. */
struct po_air_item {
	struct playout_item item;
	char *path[PLAYOUT_MAX_SEGMENTS];             /* owned by the snapshot */
	struct po_mp3_index *idx[PLAYOUT_MAX_SEGMENTS]; /* a reference each */
	/* The probe's measure of each segment's file, for loudness
	 * normalisation: loud_known[s] 0 when it is not known (not probed). */
	int loud_known[PLAYOUT_MAX_SEGMENTS];
	double lufs[PLAYOUT_MAX_SEGMENTS], true_peak_dbtp[PLAYOUT_MAX_SEGMENTS];
};

/* Immutable once published; reference-counted across threads. */
struct po_snapshot {
	int refs;
	int64_t planned_ms;
	size_t n;
	struct po_air_item *v; /* sorted by start, not overlapping; items with
	                          nseg == 0 (missing) are not included */
};

/* n zeroed items, one reference. */
struct po_snapshot *po_snapshot_new(size_t n);
struct po_snapshot *po_snapshot_ref(struct po_snapshot *s);
void po_snapshot_unref(struct po_snapshot *s); /* frees paths, unrefs indexes */

/* Where the control thread publishes the current snapshot for all players. */
struct po_snapbox {
	pthread_mutex_t mu;
	struct po_snapshot *cur;
	uint64_t gen;          /* bumped on every publish */
};
void po_snapbox_init(struct po_snapbox *b);
void po_snapbox_destroy(struct po_snapbox *b);
/* Takes over the caller's reference to s. */
void po_snapbox_publish(struct po_snapbox *b, struct po_snapshot *s);
/* A new reference to the current snapshot (or NULL); *gen may be NULL. */
struct po_snapshot *po_snapbox_get(struct po_snapbox *b, uint64_t *gen);

/* Play reports from player threads to the control thread: a fixed ring (no
 * allocation), an eventfd to wake the control loop's poll. */
/* PROGRESS (about every second while on air): play.bytes as of
 * play.sent_ms. GAP: an outage of the play on air, after its BEGIN. Both
 * carry play.output to say whose play it is. */
enum po_playq_type {
	PO_PLAYQ_BEGIN = 1, PO_PLAYQ_END, PO_PLAYQ_PROGRESS, PO_PLAYQ_GAP, PO_PLAYQ_STATUS
};
struct po_playq_msg {
	int type;
	struct po_play play; /* BEGIN: scheduled/started/asset...; END: all */
	struct po_play_gap gap; /* GAP only; gap.play_id is not set */
	/* STATUS (an outage began), BEGIN, PROGRESS: what the output does
	 * (state, since_ms, last_error, position_ms, end_ms, lead_ms). */
	struct po_output_status status;
};
#define PO_PLAYQ_LEN 64
struct po_playq {
	pthread_mutex_t mu;
	struct po_playq_msg ring[PO_PLAYQ_LEN];
	unsigned head, tail;   /* head: next to read; tail: next to write */
	unsigned dropped;
	int efd;               /* eventfd; readable when messages wait */
};
int po_playq_init(struct po_playq *q, struct playout_error *err);
void po_playq_destroy(struct po_playq *q);
void po_playq_post(struct po_playq *q, const struct po_playq_msg *m); /* any thread */
/* Control thread: 1 and *m filled, or 0 when empty. */
int po_playq_take(struct po_playq *q, struct po_playq_msg *m);

struct po_pcm_enc_ops;
struct po_player_conf {
	const char *label;                      /* "icecast:main"; copied */
	const struct playout_output_ops *ops;
	void *inst;                             /* the output instance; borrowed */
	const struct po_clock *clock;           /* borrowed, outlives the player */
	struct po_snapbox *box;                 /* borrowed */
	struct po_playq *q;                     /* borrowed */
	int send_ahead_ms;                      /* frames are sent this far ahead */
	int connect_ahead_ms;                   /* open a closed output this long
	                                           before the start, so the connect
	                                           does not delay the first frame */
	int keep_open_ms;                       /* keep the connection between two
	                                           items closer than this (1000) */
	const struct po_outfmt *fmt;            /* NULL or passthrough: the cached
	                                           frames as they are; else decoded
	                                           and re-encoded (player_pcm.h);
	                                           copied */
	const struct po_pcm_enc_ops *enc_ops;   /* NULL: the real encoders; a
	                                           stand-in in tests */
	int clock_step_limit_ms;                /* a step of the wall clock larger
	                                           than this is logged and the next
	                                           item starts on the new time
	                                           (0: PO_PLAYER_STEP_LIMIT_MS) */
	/* Loudness normalisation of MP3 passthrough (outfmt.h): each item's
	 * frames move by whole global_gain steps (mp3gain.h) toward
	 * loudness_target LUFS, the true peak kept at or below
	 * true_peak_ceiling dBTP. Off when loudness_on is 0. */
	int loudness_on;
	double loudness_target, true_peak_ceiling;
};

/* Within an item the frames are paced on the monotonic clock from the start
 * instant, so no step of the wall clock hurries or stalls them. */
#define PO_PLAYER_STEP_LIMIT_MS 1000

/* Control thread. Starts the output's player thread (all signals blocked in
 * it). The thread owns the output from then on: it is the only caller of the
 * ops. It opens each item's files ~1 s (or connect_ahead_ms) before the
 * start, connects a closed output connect_ahead_ms before it (through a
 * gate shared by all players: a few connects at a time), sends from the
 * start instant, or a send-ahead before it on a connection that carries the
 * item before (or, when it finds an item already running, from the frame
 * due now, detail "joined at +MM:SS", join_ms and join_delay_us set, no
 * start error; never when its connect began in time and was merely slow),
 * reconnects every 1 s after an output error, and posts BEGIN (after the
 * first write), PROGRESS about every second, a GAP per outage (when the
 * output comes back, or at the end) and END ("complete" when every frame
 * went out, "partial" when a join or an outage lost audio, "cut",
 * "interrupted", "failed") for every item it attempted. *out: free with
 * po_player_stop. */
struct po_player;
int po_player_start(const struct po_player_conf *pc, struct po_player **out,
		    struct playout_error *err);
/* Ends the thread: an item on air is stopped cleanly (output stop + close)
 * and reported "interrupted"; then joins and frees. NULL is a no-op. */
void po_player_stop(struct po_player *p);
/* Asks the thread to end as po_player_stop does, without waiting for it:
 * it ends within one sleep slice (200 ms) by its clock. For a test on a
 * simulated clock, where time moves only while the test itself sleeps on
 * it; po_player_stop must still follow, to join and free. Any thread. */
void po_player_request_stop(struct po_player *p);

/* When the thread last showed life, on the clock's monotonic time: it
 * checks for a stop at least every 200 ms unless an output op (a write to
 * a slow server, bounded by the plugin's timeouts) or a wedge holds it. */
int64_t po_player_beat_ns(const struct po_player *p);

#endif
