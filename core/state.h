/*
 * The state store: one sqlite database in WAL mode, with a schema version and
 * migrations. The daemon writes (control thread and worker thread, through
 * one handle); playoutctl opens it read-only at the same time (busy timeout,
 * WAL) and never blocks it. Each public call is one transaction, so a crash
 * leaves it consistent.
 * Threads: every function below except open/close may be called from any
 * thread on a shared handle. Each holds the handle's mutex for its whole
 * transaction, so two threads' calls never interleave; a long call (a big
 * put_assets) makes the other thread wait for it. open and close are not
 * concurrent with anything on that handle.
 */
#ifndef PO_STATE_H
#define PO_STATE_H

#include <stdint.h>
#include <stddef.h>

#include <playout/plugin.h>

struct po_state;

enum po_state_mode {
	PO_STATE_READONLY = 0, /* playoutctl: fails if the file does not exist */
	PO_STATE_WRITER,       /* creates/migrates the schema */
	PO_STATE_DAEMON,       /* writer, plus an exclusive lock on "<path>.lock"
	                          held until close; a second daemon gets
	                          PLAYOUT_EUNAVAIL with the holder's pid. The
	                          lock is an fcntl lock: nothing else in the
	                          process may open and close "<path>.lock", or
	                          the lock is dropped. */
};

int po_state_open(const char *path, int mode, struct po_state **out, struct playout_error *err);
void po_state_close(struct po_state *st); /* NULL is a no-op */
int po_state_schema_version(struct po_state *st);
/* The version this build creates and migrates to. */
int po_state_schema_latest(void);
/* The last failure of the CALLING thread on this handle, "state PATH: what:
 * sqlite's text" (also logged); "" when none. Per thread, like errno: the
 * other thread's failures never show here. Valid until this thread's next
 * call on st. */
const char *po_state_errmsg(const struct po_state *st);
/* 1 for a PO_STATE_READONLY handle (or NULL): writes would be refused. */
int po_state_readonly(const struct po_state *st);

/* Key-value table. ns: "core" or an instance label. get: *value malloc'd
 * (caller frees), PLAYOUT_ENOTFOUND when absent. */
int po_state_kv_get(struct po_state *st, const char *ns, const char *key, char **value);
int po_state_kv_put(struct po_state *st, const char *ns, const char *key, const char *value);

/* Media (schema v2): what the frame index and the probe learned about a
 * file, keyed by path, size and mtime so a file is scanned once. info is
 * opaque text written and read by probe.c. get: *info malloc'd (caller
 * frees); PLAYOUT_ENOTFOUND when absent or when size/mtime differ (the file
 * changed). put replaces the row of path. */
int po_state_media_get(struct po_state *st, const char *path, int64_t size, int64_t mtime_ms,
		       char **info);
int po_state_media_put(struct po_state *st, const char *path, int64_t size, int64_t mtime_ms,
		       const char *info);

/* The frame index (schema v3): mp3_store.c's blob, opaque here, in a table of
 * its own with the same key. get: *blob malloc'd (caller frees), *len its
 * bytes; PLAYOUT_ENOTFOUND when absent or size/mtime differ. put replaces
 * the row of path; len at most INT32_MAX. */
int po_state_media_index_get(struct po_state *st, const char *path, int64_t size,
			     int64_t mtime_ms, void **blob, size_t *len);
int po_state_media_index_put(struct po_state *st, const char *path, int64_t size,
			     int64_t mtime_ms, const void *blob, size_t len);
/* Drop the media and frame-index rows whose (path, size, mtime) keep answers
 * 0 for: files evicted from the cache or changed. keep is called without the
 * lock held (it may stat or call the state) and at most once per stored key;
 * a row rewritten meanwhile with another size/mtime is kept. Returns how many
 * keys were dropped (>= 0) or a negative code. Writable handles only. */
int po_state_media_prune(struct po_state *st,
			 int (*keep)(const char *path, int64_t size, int64_t mtime_ms, void *arg),
			 void *arg);

/* Slots: the last good answer of each schedule source. put replaces every
 * slot of `source` overlapping [from_ms, to_ms) with v; get appends the
 * stored slots of source (NULL: all sources) overlapping the window.
 * fetched_ms is when the answer was received (for "schedule age"). */
int po_state_put_slots(struct po_state *st, const char *source, int64_t from_ms, int64_t to_ms,
		       int64_t fetched_ms, const struct playout_slot *v, size_t n);
int po_state_get_slots(struct po_state *st, const char *source, int64_t from_ms, int64_t to_ms,
		       struct playout_slots *out);
/* When source last answered; 0 if never. */
int64_t po_state_slots_fetched_ms(struct po_state *st, const char *source);

/* Assets: the storage listing, replaced whole on every successful list. */
int po_state_put_assets(struct po_state *st, const struct playout_asset *v, size_t n);
int po_state_get_assets(struct po_state *st, struct playout_assets *out);
/* Bring the stored listing from old (what is stored) to cur (the new
 * listing), both sorted in the catalogue's order (catalog.h): only rows
 * added, changed or gone are written, so an unchanged archive of 100,000
 * files costs one pass in memory and no write. *written: rows written. */
int po_state_sync_assets(struct po_state *st, const struct playout_asset *old, size_t nold,
			 const struct playout_asset *cur, size_t ncur, size_t *written);

/* Rundown decisions: replaces every stored item that ends after from_ms with
 * the items of v that end after from_ms (others in v are ignored, so the
 * stored history before from_ms is never duplicated). Items keep up to
 * PLAYOUT_MAX_SEGMENTS segments; more is PLAYOUT_EINVAL. */
int po_state_put_rundown(struct po_state *st, int64_t planned_ms, int64_t from_ms,
			 const struct playout_item *v, size_t n);
/* Items overlapping [from_ms, to_ms), sorted by start. *v malloc'd (NULL
 * when *n is 0). */
int po_state_get_rundown(struct po_state *st, int64_t from_ms, int64_t to_ms,
			 struct playout_item **v, size_t *n);

/* Plays: what actually went on air. */
struct po_play {
	int64_t id;                 /* set by play_begin */
	char output[96];            /* instance label */
	char pid[PLAYOUT_PID_MAX];
	char title[PLAYOUT_TITLE_MAX];
	char asset[PLAYOUT_NAME_MAX]; /* first segment's asset */
	int decision;
	int64_t scheduled_ms;       /* planned start */
	int64_t started_us;         /* UTC microseconds of the first byte sent */
	int64_t start_error_us;     /* started - scheduled (positive: late) */
	int64_t ended_ms;           /* 0 while playing */
	int64_t bytes;
	char outcome[32];           /* "playing", "complete", "capped", "cut",
	                               "partial" (audio lost to outages), "interrupted",
	                               "failed", "missed" */
	char detail[256];           /* error text or note */
	/* Where the play began in the item: 0 when its first frame went out
	 * first (then start_error_us is the item's start error); else the
	 * item-relative position of the first frame sent (a join after a
	 * restart, or an output that was down at the start), and
	 * join_delay_us how late that frame went out against its own
	 * deadline. Such a play has no start error: it is kept out of the
	 * start-error figures. */
	int64_t join_ms;
	int64_t join_delay_us;
	int64_t lost_ms;            /* audio skipped by outages, in total */
	int64_t sent_ms;            /* when bytes was last brought up to date */
	int ngaps;                  /* get_plays only: outages recorded */
};

/* One outage during a play: the output was down from at_ms for length_ms,
 * and skipped_ms of audio never went out; resume_delay_us is how late the
 * first frame after it went out against its deadline (0 when it never
 * came back). */
struct po_play_gap {
	int64_t play_id;
	int64_t at_ms;
	int64_t length_ms;
	int64_t skipped_ms;
	int64_t resume_delay_us;
	char reason[128];
};
/* begin: inserts p (outcome "playing" when p->outcome is empty) and sets
 * p->id. end: updates started_us, start_error_us, ended_ms, bytes, outcome
 * ("complete" when empty) and detail of play p->id; PLAYOUT_ENOTFOUND if no
 * such play. */
int po_state_play_begin(struct po_state *st, struct po_play *p);
int po_state_play_end(struct po_state *st, const struct po_play *p);
/* A batch: the calls this thread makes on st until po_state_batch_end are
 * one transaction (begun by the first of them, each a savepoint of it), so
 * a burst of writes is one commit. Other threads wait for the handle from
 * the first call to the end: keep a batch short. end: COMMIT (if anything
 * was written; *committed says, when not NULL). */
void po_state_batch_begin(struct po_state *st);
int po_state_batch_end(struct po_state *st, int *committed);
/* The first audio of play p->id, whose row opened while its output was
 * down: its started_us, start_error_us, join_ms and join_delay_us. */
int po_state_play_started(struct po_state *st, const struct po_play *p);
/* Plays scheduled in [from_ms, to_ms), oldest first. *v malloc'd. */
int po_state_get_plays(struct po_state *st, int64_t from_ms, int64_t to_ms,
		       struct po_play **v, size_t *n);
/* Mark every play still "playing" as "interrupted" (start-up after a crash),
 * ended when its bytes were last brought up to date (now_ms when never). */
int po_state_close_open_plays(struct po_state *st, int64_t now_ms);
/* The bytes of play id as of sent_ms (the player's progress reports). */
int po_state_play_progress(struct po_state *st, int64_t id, int64_t bytes, int64_t sent_ms);
/* Record an outage of play g->play_id and add its skipped audio to the
 * play's lost_ms; PLAYOUT_ENOTFOUND if no such play. */
int po_state_play_gap(struct po_state *st, const struct po_play_gap *g);
/* A play that joins its item (p->join_ms > 0, after a restart) continues
 * the interrupted play of the same output, item start and pid, if there is
 * one: the time between that play's end (its last progress) and p's first
 * byte becomes an outage of it, with the audio skipped up to p->join_ms,
 * and it is "playing" again. *prev: that play as it now is.
 * PLAYOUT_ENOTFOUND when there is none (then nothing changed). */
int po_state_play_rejoin(struct po_state *st, const struct po_play *p, struct po_play *prev);
/* The outages of play play_id, in order. *v malloc'd (NULL when *n is 0). */
int po_state_get_play_gaps(struct po_state *st, int64_t play_id, struct po_play_gap **v,
			   size_t *n);

/* What one output does now (the control thread writes it from the player's
 * reports; playoutctl status reads it). state: "idle" (nothing to play),
 * "on air", "down" (an output error; since_ms is when it went down). */
struct po_output_status {
	char output[96];
	char state[16];
	int64_t since_ms;           /* in this state since */
	char last_error[256];       /* the last output error, kept after recovery */
	int64_t error_ms;           /* when it happened (0: none yet) */
	char pid[PLAYOUT_PID_MAX];  /* the item on air or due ("" when idle) */
	char title[PLAYOUT_TITLE_MAX];
	int64_t scheduled_ms;
	int64_t position_ms;        /* item-relative, as of updated_ms */
	int64_t end_ms;             /* the item's end instant */
	int64_t lead_ms;            /* how far the audio sent runs ahead of real time */
	int64_t updated_ms;
};
int po_state_put_output_status(struct po_state *st, const struct po_output_status *o);
/* Forget every output's row (at start-up, before the outputs write theirs). */
int po_state_clear_output_status(struct po_state *st);
/* Every output's row, by name. *v malloc'd (NULL when *n is 0). */
int po_state_get_output_status(struct po_state *st, struct po_output_status **v, size_t *n);

/* Figures for the metrics page (metrics.c): one row per play kept, by
 * output then age. fn runs inside the read transaction, holding the
 * handle's lock: it must not call the state. */
struct po_play_figure {
	char output[96];
	char outcome[32];
	int started;             /* 1: it began at its first frame (start_error_us
	                            applies); 0: a join, or it never started */
	int64_t start_error_us;
	int64_t bytes;
	int64_t gaps;            /* outages during it: each one a reconnect */
};
int po_state_each_play_figure(struct po_state *st,
			      void (*fn)(const struct po_play_figure *f, void *arg), void *arg);
/* When the stored rundown was last planned (UTC ms); 0 when never. */
int64_t po_state_last_planned_ms(struct po_state *st);

#endif
