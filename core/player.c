/*
 * The player thread of one output: waits for each rundown item's start
 * instant (wall clock), streams its frames paced against absolute deadlines
 * on the monotonic clock measured from that instant, reconnects by the
 * clock after output errors, and posts BEGIN/END reports. Snapshots live in
 * snapshot.c, the queue in playq.c.
 */
#include "player.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "player_pcm.h"
#include "loudness.h"
#include "mp3gain.h"

#define NS_PER_MS 1000000LL
#define NS_PER_S 1000000000LL
#define SLICE_NS (250 * NS_PER_MS)      /* longest sleep between stop checks */
#define PREPARE_NS (1000 * NS_PER_MS)   /* open the files this long before start */
#define JOIN_SLACK_NS (1000 * NS_PER_MS) /* later than this: join at the frame due now */
#define RETRY_NS (1000 * NS_PER_MS)     /* output reconnect interval */
#define PROGRESS_NS (1000 * NS_PER_MS)  /* bytes sent reported this often */
/* Frames are sent in batches: after a send the player sleeps at least this
 * long (at most half the send-ahead), and then sends every frame due by now
 * plus the send-ahead in one write. A wake per frame (38 a second) cost
 * more CPU than the audio it moved; the lead over real time stays between
 * the send-ahead and the send-ahead less the batch. */
#define BATCH_NS (250 * NS_PER_MS)
/* A batch of 250 ms is 10 KiB at 320 kbps; a longer opening burst goes out
 * in several writes. Malloc'd apart from the player, so that only the bytes
 * a batch fills become resident (fifty outputs: fifty buffers). */
#define PLAYER_BUF (16 * 1024)
/* Connects at once across all players: below the listen backlog of 5 that
 * Icecast uses, so a crowd of outputs opening together is not dropped by
 * the kernel (a dropped SYN costs a 1 s retransmit). A slot held longer
 * than GATE_STALE_NS (a hung connect to a dead server) no longer counts, so
 * a dead output delays the others by that much at most. */
#define GATE_SLOTS 4
#define GATE_STALE_NS (250 * NS_PER_MS)
#define GATE_POLL_NS (10 * NS_PER_MS)
/* More players than slots connect in rounds: each connects this much
 * earlier per round beyond the first, so the last round is through before
 * the instant. The figure is an estimate of one connect (TCP and the source
 * login), the mean of those measured so far, starting here; times 3/2 for
 * the spread on a loaded machine. */
#define GATE_EST0_NS (150 * NS_PER_MS)
/* A fresh connection's player is ready this long before the instant
 * (snapshot, files, the item announced) and then sleeps to the instant for
 * its first write, so that at the instant fifty threads each do one write
 * and nothing else. */
#define READY_NS (20 * NS_PER_MS)

struct po_player {
	char *label;
	const struct playout_output_ops *ops;
	void *inst;
	const struct po_clock *clock;
	struct po_snapbox *box;
	struct po_playq *q;
	int64_t ahead_ns;
	int64_t batch_ns;               /* least time between two sends */
	int64_t keep_open_ns;
	int64_t connect_ahead_ns;
	int64_t prepare_ns;             /* open the files this long before start */
	int64_t step_limit_ns;          /* a larger step of the wall clock re-anchors */
	int in_crowd;                   /* counted in the connect gate's players */
	int64_t early_open_for;         /* start (ns) of the item opened early for */
	int loud_on;                    /* loudness normalisation (player.h) */
	double loud_target, loud_ceiling;
	pthread_t thread;
	int stop;                       /* atomic: set by po_player_stop */
	int64_t beat_ns;                /* atomic: monotonic time the thread last
	                                   checked for a stop (po_player_beat_ns) */
	struct po_pcm_out *pcm;         /* a re-encoding output's feed; NULL: passthrough */

	/* Player-thread state from here on. */
	struct po_snapshot *snap;       /* newest snapshot seen */
	uint64_t gen;
	uint64_t followed_gen;          /* the snapshot the item on air was checked against */
	int64_t born_ms;                /* items starting before this are not ours to report */
	int out_open;
	int on_air;                     /* out_open, and the last item's audio went out on it */
	int64_t last_end_ns;            /* audio end of the last item played */
	int64_t last_start_ms;          /* items starting at or before this are done */
	/* The next item's start on the monotonic clock, carried from the item
	 * that ran into it on this connection (valid while on_air). */
	int64_t carry_start_ms;
	int64_t carry_mono_ns;
	/* The item whose files are open (prepared ~1 s before its start). */
	struct po_snapshot *prep_snap;  /* a reference, or NULL */
	size_t prep_i;
	int prep_fd[PLAYOUT_MAX_SEGMENTS];
	int prep_rc;
	char prep_err[256];
	int run_gain;                   /* global_gain steps of the run being read */
	struct po_mp3gain_tally gain_tally; /* of the item on air */
	uint8_t *buf;                   /* PLAYER_BUF bytes */
};

/* One segment of the item on air, with its frame clock. */
struct seg_run {
	int fd;
	const struct po_mp3_index *ix;
	uint32_t first, count;
	int64_t off_ns;                 /* item-relative start of the segment */
	int64_t frame_num;              /* samples_per_frame * 1e9 */
	int rate;
	int gain_steps;                 /* global_gain steps (loudness), 0: none */
};

/* Pacing state of the item on air. */
struct play {
	struct seg_run seg[PLAYOUT_MAX_SEGMENTS];
	size_t nseg;
	size_t s;                       /* cursor: segment */
	uint32_t j;                     /* cursor: frame within the segment */
	int64_t start_ns;               /* the start instant, wall clock */
	int64_t anchor_ns;              /* the start instant, monotonic clock */
	int64_t wall_skew_ns;           /* the step of the wall clock last logged */
	int64_t cut_ns;                 /* item-relative; frames due at or after are not sent */
	int64_t total_ns;               /* item-relative end of all frames */
	int64_t bytes;
	int cut;                        /* stopped early by end_ms */
};

/* Every wait of the thread is sliced by this check, so it doubles as the
 * thread's heartbeat. */
static int stopping(struct po_player *p)
{
	__atomic_store_n(&p->beat_ns, po_clock_mono_ns(p->clock), __ATOMIC_RELAXED);
	return __atomic_load_n(&p->stop, __ATOMIC_ACQUIRE);
}

static int64_t now_ns(const struct po_player *p)
{
	return po_clock_now_ns(p->clock);
}

static int64_t mono_ns(const struct po_player *p)
{
	return po_clock_mono_ns(p->clock);
}

/* How far the wall clock moved against the monotonic one since the anchor
 * mono_ns was taken as the wall instant wall_ns. */
static int64_t wall_skew(const struct po_player *p, int64_t wall_ns, int64_t mono_anchor_ns)
{
	int64_t w = now_ns(p), m = mono_ns(p);
	return (w - m) - (wall_ns - mono_anchor_ns);
}

static int64_t abs64(int64_t a)
{
	return a < 0 ? -a : a;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Item-relative deadline of frame j of segment sr, without accumulated
 * rounding and without overflowing for any uint32 j. */
static int64_t seg_deadline(const struct seg_run *sr, uint32_t j)
{
	int64_t q = (int64_t)j / sr->rate, r = (int64_t)j % sr->rate;
	return sr->off_ns + q * sr->frame_num + r * sr->frame_num / sr->rate;
}

/* Last frame of sr whose deadline is <= t (item-relative); t >= off_ns. */
static uint32_t seg_frame_at(const struct seg_run *sr, int64_t t)
{
	int64_t rel = t - sr->off_ns;
	int64_t j = rel / sr->frame_num * sr->rate + rel % sr->frame_num * sr->rate / sr->frame_num;
	while (j > 0 && seg_deadline(sr, (uint32_t)j) > t)
		j--;
	while (j + 1 < (int64_t)sr->count && seg_deadline(sr, (uint32_t)(j + 1)) <= t)
		j++;
	if (j >= (int64_t)sr->count)
		j = sr->count ? sr->count - 1 : 0;
	return (uint32_t)j;
}

/* ---- snapshot and item selection ------------------------------------- */

static void refresh_snap(struct po_player *p)
{
	uint64_t g = __atomic_load_n(&p->box->gen, __ATOMIC_ACQUIRE);
	if (g == p->gen)
		return;
	struct po_snapshot *s = po_snapbox_get(p->box, &p->gen);
	po_snapshot_unref(p->snap);
	p->snap = s;
}

/* The first item not yet played that has not ended by now_ms. */
static const struct po_air_item *next_item(const struct po_snapshot *s, int64_t after_start_ms,
					   int64_t now_ms, size_t *idx)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		const struct po_air_item *it = &s->v[i];
		if (it->item.nseg == 0 || it->item.start_ms <= after_start_ms)
			continue;
		if (it->item.end_ms > now_ms) {
			*idx = i;
			return it;
		}
	}
	return NULL;
}

/* ---- prepared files --------------------------------------------------- */

static void prep_release(struct po_player *p)
{
	for (size_t k = 0; k < PLAYOUT_MAX_SEGMENTS; k++) {
		if (p->prep_fd[k] >= 0)
			close(p->prep_fd[k]);
		p->prep_fd[k] = -1;
	}
	po_snapshot_unref(p->prep_snap);
	p->prep_snap = NULL;
	p->prep_rc = 0;
	p->prep_err[0] = '\0';
}

/* Same files and indexes: an open descriptor can be carried over. */
static int same_media(const struct po_air_item *a, const struct po_air_item *b)
{
	if (a->item.start_ms != b->item.start_ms || a->item.nseg != b->item.nseg)
		return 0;
	for (size_t k = 0; k < a->item.nseg; k++) {
		if (a->idx[k] != b->idx[k] || !a->path[k] || !b->path[k] ||
		    strcmp(a->path[k], b->path[k]) != 0)
			return 0;
	}
	return 1;
}

/* Open the files of item i of snap, unless they are open already. */
static void prepare(struct po_player *p, struct po_snapshot *snap, size_t i)
{
	const struct po_air_item *it = &snap->v[i];
	if (p->prep_snap) {
		if (same_media(&p->prep_snap->v[p->prep_i], it) && p->prep_rc == 0) {
			/* Adopt the newer snapshot's item, keep the descriptors. */
			struct po_snapshot *old = p->prep_snap;
			p->prep_snap = po_snapshot_ref(snap);
			po_snapshot_unref(old);
			p->prep_i = i;
			return;
		}
		prep_release(p);
	}
	p->prep_snap = po_snapshot_ref(snap);
	p->prep_i = i;
	p->prep_rc = 0;
	for (size_t k = 0; k < it->item.nseg; k++) {
		if (!it->path[k] || !it->idx[k] || it->idx[k]->nframes == 0) {
			p->prep_rc = PLAYOUT_ENOTFOUND;
			snprintf(p->prep_err, sizeof p->prep_err, "segment %zu (%s) is not cached",
				 k + 1, it->item.seg[k].asset);
			return;
		}
		p->prep_fd[k] = open(it->path[k], O_RDONLY | O_CLOEXEC);
		if (p->prep_fd[k] < 0) {
			p->prep_rc = PLAYOUT_EIO;
			snprintf(p->prep_err, sizeof p->prep_err, "open %s: %s", it->path[k],
				 strerror(errno));
			return;
		}
	}
}

/* ---- output ----------------------------------------------------------- */

static void fill_meta(const struct po_air_item *it, struct playout_item_meta *m)
{
	const struct po_mp3_index *ix = it->idx[0];
	memset(m, 0, sizeof *m);
	m->title = it->item.title;
	m->pid = it->item.pid;
	m->start_ms = it->item.start_ms;
	m->end_ms = it->item.end_ms;
	if (ix) {
		m->sample_rate = ix->sample_rate;
		m->channels = ix->channels;
		m->bitrate_kbps = ix->bitrate_kbps;
	}
}

static struct {
	pthread_mutex_t mu;
	pthread_cond_t freed;           /* a slot was left */
	int64_t since[GATE_SLOTS];      /* CLOCK_MONOTONIC when taken; 0: free */
	uint64_t gen[GATE_SLOTS];       /* which holder has the slot */
	int players;                    /* running players: who may crowd the gate */
	int64_t est_ns;                 /* one connect, mean of those measured */
	int64_t nmeasured;
} gate = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, { 0 }, { 0 }, 0,
	   GATE_EST0_NS, 0 };

static int64_t real_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

struct gate_ticket {
	int slot;
	uint64_t gen;
};

/* Take a connect slot: a free one, or one whose holder has been connecting
 * for longer than GATE_STALE_NS. Real time throughout: the slots are held
 * by real connects, whatever clock the player runs on. A waiter wakes the
 * moment a slot is left (a poll would lose up to its period per round),
 * and every GATE_POLL_NS for its stop flag and stale slots. */
static struct gate_ticket gate_enter(struct po_player *p)
{
	pthread_mutex_lock(&gate.mu);
	for (;;) {
		int64_t now = real_mono_ns();
		for (int i = 0; i < GATE_SLOTS; i++) {
			if (gate.since[i] == 0 || now - gate.since[i] > GATE_STALE_NS) {
				struct gate_ticket t = { i, ++gate.gen[i] };
				gate.since[i] = now;
				pthread_mutex_unlock(&gate.mu);
				return t;
			}
		}
		if (stopping(p)) {
			pthread_mutex_unlock(&gate.mu);
			return (struct gate_ticket){ -1, 0 };
		}
		/* the condition's clock is CLOCK_REALTIME: a step costs one
		 * short wait at most, as the loop looks again */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += GATE_POLL_NS;
		if (ts.tv_nsec >= NS_PER_S) {
			ts.tv_sec++;
			ts.tv_nsec -= NS_PER_S;
		}
		pthread_cond_timedwait(&gate.freed, &gate.mu, &ts);
	}
}

/* Leave the slot; a connect that succeeded in took_ns counts in the
 * estimate (0: failed, not measured). */
static void gate_leave(struct gate_ticket t, int64_t took_ns)
{
	if (t.slot < 0)
		return;
	pthread_mutex_lock(&gate.mu);
	if (gate.gen[t.slot] == t.gen)
		gate.since[t.slot] = 0;
	if (took_ns > 0) {
		gate.nmeasured++;
		gate.est_ns += (took_ns - gate.est_ns) / (gate.nmeasured < 8 ? gate.nmeasured : 8);
	}
	pthread_cond_signal(&gate.freed);
	pthread_mutex_unlock(&gate.mu);
}

/* How long before its item a player begins to connect: connect_ahead_ms,
 * and with more players than slots one estimated connect (times 3/2) per
 * round beyond the first, so that all are through before the instant. */
static int64_t connect_ahead(const struct po_player *p)
{
	pthread_mutex_lock(&gate.mu);
	int64_t rounds = (gate.players + GATE_SLOTS - 1) / GATE_SLOTS;
	int64_t crowd = rounds > 1 ? (rounds - 1) * gate.est_ns * 3 / 2 : 0;
	pthread_mutex_unlock(&gate.mu);
	return p->connect_ahead_ns + crowd;
}

static void gate_count(int delta)
{
	pthread_mutex_lock(&gate.mu);
	gate.players += delta;
	pthread_mutex_unlock(&gate.mu);
}

/* ops->open through the connect gate. */
static int gated_open(struct po_player *p, const struct playout_item_meta *m,
		      struct playout_error *err)
{
	struct playout_item_meta pm = *m;
	if (p->pcm)
		po_pcm_out_meta(p->pcm, &pm);
	struct gate_ticket t = gate_enter(p);
	int64_t t0 = real_mono_ns();
	int rc = p->ops->open(p->inst, &pm, err);
	gate_leave(t, rc == PLAYOUT_OK ? real_mono_ns() - t0 : 0);
	return rc;
}

static void output_close(struct po_player *p)
{
	if (p->out_open)
		p->ops->close(p->inst);
	if (p->pcm)
		po_pcm_out_closed(p->pcm);
	p->out_open = 0;
	p->on_air = 0;
}

static void lay_out(const struct po_air_item *it, const int *fds, struct play *pl);

/* A re-encoding output's loudness gains for the item on air (the prepared
 * one) as pl lays it out (NULL: laid out here): each file's exact gain
 * from its own probe, from its first frame's deadline on (pcm_shape.h);
 * 0 dB for a file whose loudness is not known. announce logs them, at each
 * start and reconnect, as set_gain does for passthrough; before each send
 * they are taken again, quietly, so they follow a new plan (follow_plan). */
static void pcm_gains(const struct po_player *p, const struct play *pl,
		      struct po_pcm_gains *g, int announce)
{
	struct play laid;

	g->n = 0;
	if (!p->loud_on || !p->prep_snap || p->prep_i >= p->prep_snap->n)
		return;
	const struct po_air_item *it = &p->prep_snap->v[p->prep_i];
	if (!pl) {
		lay_out(it, p->prep_fd, &laid);
		pl = &laid;
	}
	for (size_t k = 0; k < pl->nseg && k < PO_PCM_GAINS_MAX; k++) {
		const char *name = it->item.seg[k].asset;
		g->from_ns[k] = pl->seg[k].off_ns;
		g->db[k] = 0.0;
		g->n = k + 1;
		if (!it->loud_known[k]) {
			if (announce)
				po_log_info(p->label, "%s: loudness not known (not probed yet): no gain",
					    name);
			continue;
		}
		g->db[k] = po_loudness_gain_db(it->lufs[k], it->true_peak_dbtp[k], p->loud_target,
					       p->loud_ceiling);
		if (announce)
			po_log_info(p->label, "%s: %.1f LUFS, true peak %.1f dBTP: gain %+.2f dB "
				    "(exact)", name, it->lufs[k], it->true_peak_dbtp[k], g->db[k]);
	}
}

/* Open (when closed) and announce the item. */
static int output_begin(struct po_player *p, const struct playout_item_meta *m,
			struct playout_error *err)
{
	if (!p->out_open) {
		int rc = gated_open(p, m, err);
		if (rc < 0)
			return rc;
		p->out_open = 1;
	}
	struct playout_item_meta pm = *m;
	if (p->pcm)
		po_pcm_out_meta(p->pcm, &pm);
	if (p->ops->start) {
		int rc = p->ops->start(p->inst, &pm, err);
		if (rc < 0) {
			output_close(p);
			return rc;
		}
	}
	if (p->pcm) {
		/* A new logical stream with the title, on every start and
		 * after every reconnect. */
		struct po_pcm_gains g;
		pcm_gains(p, NULL, &g, 1);
		int rc = po_pcm_out_begin(p->pcm, &pm, &g, err);
		if (rc < 0) {
			output_close(p);
			return rc;
		}
	}
	return PLAYOUT_OK;
}

/* ---- the hot path ----------------------------------------------------- */

static int read_run(struct po_player *p, int fd, uint32_t off, size_t len, size_t *fill,
		    struct playout_error *err)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = pread(fd, p->buf + *fill + got, len - got, (off_t)off + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return playout_error_set(err, PLAYOUT_EIO, "read %zu bytes at %u: %s", len,
						 off, r < 0 ? strerror(errno) : "file shrank");
		got += (size_t)r;
	}
	/* the send buffer is this output's copy: the cached file is never changed */
	if (p->run_gain)
		po_mp3gain_run(p->buf + *fill, len, p->run_gain, &p->gain_tally);
	*fill += len;
	return PLAYOUT_OK;
}

static int flush_buf(struct po_player *p, struct play *pl, size_t *fill,
		     struct playout_error *err)
{
	if (*fill == 0)
		return PLAYOUT_OK;
	int64_t sent = (int64_t)*fill;
	int rc = p->pcm ? po_pcm_out_feed(p->pcm, p->buf, *fill, &sent, err)
			: p->ops->write(p->inst, p->buf, *fill, err);
	if (rc < 0)
		return rc;
	pl->bytes += sent;
	*fill = 0;
	return PLAYOUT_OK;
}

static int at_end(const struct play *pl)
{
	return pl->s >= pl->nseg;
}

static void advance(struct play *pl)
{
	pl->j++;
	while (pl->s < pl->nseg && pl->j >= pl->seg[pl->s].count) {
		pl->s++;
		pl->j = 0;
	}
}

/* Item-relative deadline of the cursor's frame (valid when !at_end). */
static int64_t cursor_deadline(const struct play *pl)
{
	return seg_deadline(&pl->seg[pl->s], pl->j);
}

/* Item-relative position of the cursor: the end once every frame is out. */
static int64_t cursor_pos(const struct play *pl)
{
	return pl->s < pl->nseg ? cursor_deadline(pl) : pl->total_ns;
}

/* The cursor's frame number in the item, counted across its segments (a
 * re-encoding output's shared decode indexes frames so: pcm_tap.h). */
static uint32_t cursor_frame(const struct play *pl)
{
	uint32_t n = 0;
	for (size_t k = 0; k < pl->s && k < pl->nseg; k++)
		n += pl->seg[k].count;
	return n + (pl->s < pl->nseg ? pl->j : 0);
}

/* Put the cursor on the frame due at item-relative time t. */
static void seek_to(struct play *pl, int64_t t)
{
	pl->s = 0;
	pl->j = 0;
	if (t <= 0)
		return;
	while (pl->s + 1 < pl->nseg && pl->seg[pl->s + 1].off_ns <= t)
		pl->s++;
	if (pl->s < pl->nseg && pl->seg[pl->s].count)
		pl->j = seg_frame_at(&pl->seg[pl->s], t);
	while (pl->s < pl->nseg && pl->j >= pl->seg[pl->s].count) {
		pl->s++;
		pl->j = 0;
	}
}

/* Send every frame due at or before item-relative time horizon, reading
 * contiguous frames with one pread and writing 64 KiB at a time. *rd_fail
 * tells a read error (the file) from a write error (the output). */
static int send_due(struct po_player *p, struct play *pl, int64_t horizon, int *rd_fail,
		    struct playout_error *err)
{
	size_t fill = 0, run_len = 0;
	uint32_t run_off = 0;
	int run_fd = -1, rc;
	*rd_fail = 0;
	while (!at_end(pl)) {
		int64_t d = cursor_deadline(pl);
		if (d >= pl->cut_ns) {
			pl->cut = 1;
			break;
		}
		if (d > horizon)
			break;
		const struct seg_run *sr = &pl->seg[pl->s];
		const struct po_mp3_frame *fr = &sr->ix->frames[sr->first + pl->j];
		if (run_len && (sr->fd != run_fd || fr->offset != run_off + run_len)) {
			rc = read_run(p, run_fd, run_off, run_len, &fill, err);
			if (rc < 0)
				goto read_fail;
			run_len = 0;
		}
		if (fill + run_len + fr->len > PLAYER_BUF) {
			if (run_len) {
				rc = read_run(p, run_fd, run_off, run_len, &fill, err);
				if (rc < 0)
					goto read_fail;
				run_len = 0;
			}
			rc = flush_buf(p, pl, &fill, err);
			if (rc < 0)
				return rc;
			if (fr->len > PLAYER_BUF) {
				*rd_fail = 1;
				return playout_error_set(err, PLAYOUT_EINVAL, "frame of %u bytes",
							 fr->len);
			}
		}
		if (!run_len) {
			run_fd = sr->fd;
			run_off = fr->offset;
			p->run_gain = sr->gain_steps;
		}
		run_len += fr->len;
		advance(pl);
	}
	if (run_len) {
		rc = read_run(p, run_fd, run_off, run_len, &fill, err);
		if (rc < 0)
			goto read_fail;
	}
	return flush_buf(p, pl, &fill, err);
read_fail:
	*rd_fail = 1;
	return rc;
}

/* ---- one item --------------------------------------------------------- */

static void post(struct po_player *p, int type, const struct po_play *play)
{
	struct po_playq_msg m;
	memset(&m.gap, 0, sizeof m.gap);
	memset(&m.status, 0, sizeof m.status);
	m.type = type;
	m.play = *play;
	po_playq_post(p->q, &m);
}

/* An outage of the item on air: since when, from which item-relative
 * position audio was lost, and, once the output is back, the position it
 * resumed at. */
struct outage {
	int64_t at_ns;                  /* 0: none */
	int count;                      /* outages of the play so far */
	int64_t from_pos_ns;
	int64_t resume_pos_ns;          /* -1 until the output is back */
	char reason[128];
};

/* Make in *mp the message type with play and what the output does: state,
 * where the clock is in the item pl, and how far the audio sent (up to
 * pos_ns) runs ahead of it. */
static void status_msg(struct po_player *p, struct po_playq_msg *mp, int type,
		       const struct po_play *play, const struct play *pl, const char *state,
		       int64_t pos_ns, const char *error)
{
	memset(&mp->gap, 0, sizeof mp->gap);
	memset(&mp->status, 0, sizeof mp->status);
	mp->type = type;
	mp->play = *play;
	int64_t t = now_ns(p);
	snprintf(mp->status.output, sizeof mp->status.output, "%s", p->label);
	snprintf(mp->status.state, sizeof mp->status.state, "%s", state);
	snprintf(mp->status.last_error, sizeof mp->status.last_error, "%s", error);
	mp->status.since_ms = t / NS_PER_MS;
	mp->status.error_ms = error[0] ? t / NS_PER_MS : 0;
	/* on air now: where the clock is in the item (the listener hears it) */
	mp->status.position_ms = t > pl->start_ns ? (t - pl->start_ns) / NS_PER_MS : 0;
	mp->status.end_ms = (pl->start_ns + min64(pl->cut_ns, pl->total_ns)) / NS_PER_MS;
	mp->status.lead_ms = (pl->start_ns + pos_ns - t) / NS_PER_MS;
	mp->status.updated_ms = t / NS_PER_MS;
}

/* Post that message now. */
static void post_status(struct po_player *p, int type, const struct po_play *play,
			const struct play *pl, const char *state, int64_t pos_ns, const char *error)
{
	struct po_playq_msg m;
	status_msg(p, &m, type, play, pl, state, pos_ns, error);
	po_playq_post(p->q, &m);
}

static void outage_begin(struct po_player *p, const struct po_play *play, const struct play *pl,
			 struct outage *o, int64_t at_ns, int64_t pos_ns, const char *why)
{
	if (o->at_ns)
		return; /* still the same outage */
	o->at_ns = at_ns;
	o->count++;
	o->from_pos_ns = pos_ns;
	o->resume_pos_ns = -1;
	snprintf(o->reason, sizeof o->reason, "%s", why[0] ? why : "output unavailable");
	post_status(p, PO_PLAYQ_STATUS, play, pl, "down", pos_ns, o->reason);
}

/* Post the outage o (after the play's BEGIN): ended at end_ns, audio lost
 * up to resume_pos_ns, the first frame after it sent late by delay_ns. */
static void post_gap(struct po_player *p, struct po_play *play, struct outage *o, int64_t end_ns,
		     int64_t resume_pos_ns, int64_t delay_ns)
{
	struct po_playq_msg m;
	memset(&m.gap, 0, sizeof m.gap);
	memset(&m.status, 0, sizeof m.status);
	m.type = PO_PLAYQ_GAP;
	m.play = *play;
	m.gap.at_ms = o->at_ns / NS_PER_MS;
	/* whole ms at both ends: an outage to the item's end ends on its ms */
	m.gap.length_ms = end_ns / NS_PER_MS - m.gap.at_ms;
	int64_t lost = resume_pos_ns > o->from_pos_ns ? resume_pos_ns - o->from_pos_ns : 0;
	m.gap.skipped_ms = lost / NS_PER_MS;
	m.gap.resume_delay_us = delay_ns / 1000;
	snprintf(m.gap.reason, sizeof m.gap.reason, "%s", o->reason);
	play->lost_ms += m.gap.skipped_ms;
	po_playq_post(p->q, &m);
	o->at_ns = 0;
}

static void add_detail(struct po_play *play, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add_detail(struct po_play *play, const char *fmt, ...)
{
	size_t n = strlen(play->detail);
	if (n + 3 >= sizeof play->detail)
		return;
	if (n) {
		memcpy(play->detail + n, "; ", 3);
		n += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(play->detail + n, sizeof play->detail - n, fmt, ap);
	va_end(ap);
}

static void init_play_record(const struct po_player *p, const struct po_air_item *it,
			     struct po_play *play)
{
	memset(play, 0, sizeof *play);
	snprintf(play->output, sizeof play->output, "%s", p->label);
	snprintf(play->pid, sizeof play->pid, "%s", it->item.pid);
	snprintf(play->title, sizeof play->title, "%s", it->item.title);
	snprintf(play->asset, sizeof play->asset, "%s", it->item.seg[0].asset);
	play->decision = it->item.decision;
	play->scheduled_ms = it->item.start_ms;
	snprintf(play->outcome, sizeof play->outcome, "playing");
}

/* Lay out the segments of it on the item's clock, reading from fds. */
static void lay_out(const struct po_air_item *it, const int *fds, struct play *pl)
{
	int64_t off = 0;
	memset(pl->seg, 0, sizeof pl->seg);
	for (size_t k = 0; k < it->item.nseg; k++) {
		struct seg_run *sr = &pl->seg[k];
		const struct po_mp3_index *ix = it->idx[k];
		const struct playout_segment *sg = &it->item.seg[k];
		sr->fd = fds[k];
		sr->ix = ix;
		sr->rate = ix->sample_rate;
		sr->frame_num = (int64_t)ix->samples_per_frame * NS_PER_S;
		sr->first = sg->first_frame < ix->nframes ? sg->first_frame : ix->nframes;
		uint32_t avail = ix->nframes - sr->first;
		sr->count = sg->nframes == 0 || sg->nframes > avail ? avail : sg->nframes;
		sr->off_ns = off;
		off = seg_deadline(sr, sr->count);
	}
	pl->nseg = it->item.nseg;
	pl->total_ns = off;
}

/* Loudness: each segment's global_gain steps from its own file's probe,
 * decided when the item starts (or follows a new plan); announce logs
 * them once. */
static void set_gain(const struct po_player *p, const struct po_air_item *it, struct play *pl,
		     int announce)
{
	if (!p->loud_on || p->pcm) /* a re-encoding output applies the exact gain */
		return;
	for (size_t k = 0; k < pl->nseg; k++) {
		const char *name = it->item.seg[k].asset;
		if (it->idx[k] && it->idx[k]->layer != 3) {
			if (announce)
				po_log_warnx(p->label, "%s: Layer %d: no loudness gain (only Layer III "
					     "frames carry a global_gain to move)", name, it->idx[k]->layer);
			continue;
		}
		if (!it->loud_known[k]) {
			if (announce)
				po_log_info(p->label, "%s: loudness not known (not probed yet): no gain",
					     name);
			continue;
		}
		int steps = po_loudness_mp3_steps(it->lufs[k], it->true_peak_dbtp[k],
						  p->loud_target, p->loud_ceiling);
		pl->seg[k].gain_steps = steps;
		if (announce)
			po_log_info(p->label, "%s: %.1f LUFS, true peak %.1f dBTP: gain %+.1f dB "
				     "(%+d global_gain steps)", name, it->lufs[k], it->true_peak_dbtp[k],
				     steps * PO_MP3_GAIN_STEP_DB, steps);
	}
}

static void init_play(struct po_player *p, const struct po_air_item *it, struct play *pl)
{
	memset(pl, 0, sizeof *pl);
	pl->start_ns = it->item.start_ms * NS_PER_MS;
	pl->cut_ns = (it->item.end_ms - it->item.start_ms) * NS_PER_MS;
	lay_out(it, p->prep_fd, pl);
	set_gain(p, it, pl, 1);
	memset(&p->gain_tally, 0, sizeof p->gain_tally);
	while (pl->s < pl->nseg && pl->seg[pl->s].count == 0)
		pl->s++;
}

/* ---- following the plan while an item is on air ---------------------- */

/* The new plan's item at the same instant continues what is on air when the
 * segments up to the cursor's are the same files from the same frame: then
 * it may end elsewhere or go on into more segments (a half-hour join formed
 * after the first half began). */
static int continues(const struct po_air_item *cur, const struct po_air_item *nw, size_t s)
{
	if (nw->item.nseg <= s)
		return 0;
	for (size_t k = 0; k <= s && k < cur->item.nseg; k++) {
		if (nw->idx[k] != cur->idx[k] || !nw->path[k] || !cur->path[k] ||
		    strcmp(nw->path[k], cur->path[k]) != 0 ||
		    nw->item.seg[k].first_frame != cur->item.seg[k].first_frame)
			return 0;
	}
	return 1;
}

/* Take item k of snap as the item on air: reuse the open files, open the
 * new ones, lay the segments out again and keep the position. 0, or -1
 * (nothing changed) when a new file cannot be opened. */
static int adopt(struct po_player *p, struct play *pl, struct po_snapshot *snap, size_t k)
{
	const struct po_air_item *cur = &p->prep_snap->v[p->prep_i], *nw = &snap->v[k];
	int fds[PLAYOUT_MAX_SEGMENTS];
	for (size_t i = 0; i < PLAYOUT_MAX_SEGMENTS; i++)
		fds[i] = -1;
	for (size_t i = 0; i < nw->item.nseg; i++) {
		for (size_t c = 0; c < cur->item.nseg && fds[i] < 0; c++)
			if (p->prep_fd[c] >= 0 && cur->path[c] && nw->path[i] &&
			    strcmp(cur->path[c], nw->path[i]) == 0 && cur->idx[c] == nw->idx[i])
				fds[i] = dup(p->prep_fd[c]);
		if (fds[i] < 0 && nw->path[i] && nw->idx[i] && nw->idx[i]->nframes)
			fds[i] = open(nw->path[i], O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			po_log_warnx(p->label, "%s: cannot follow the new plan: %s", nw->item.seg[i].asset,
				     strerror(errno));
			for (size_t j = 0; j < i; j++)
				close(fds[j]);
			return -1;
		}
	}
	int64_t t = pl->s < pl->nseg ? cursor_deadline(pl) : pl->total_ns;
	struct po_snapshot *old = p->prep_snap;
	for (size_t i = 0; i < PLAYOUT_MAX_SEGMENTS; i++) {
		if (p->prep_fd[i] >= 0)
			close(p->prep_fd[i]);
		p->prep_fd[i] = fds[i];
	}
	p->prep_snap = po_snapshot_ref(snap);
	p->prep_i = k;
	po_snapshot_unref(old);
	lay_out(nw, p->prep_fd, pl);
	set_gain(p, nw, pl, 0);
	seek_to(pl, t);
	return 0;
}

/* A new plan arrived while an item is on air: follow it. The item's end
 * moves to where the new plan ends it, and anything planned to start before
 * that end cuts it there, frame-exact, on the same connection. An item the
 * new plan no longer holds plays on to its old end unless something else
 * starts first. Returns 1 when the item on air now lives in the new
 * snapshot (the caller's pointers into the old one are stale), else 0. */
static int follow_plan(struct po_player *p, struct play *pl, struct po_play *play)
{
	int adopted = 0;
	refresh_snap(p);
	if (p->gen == p->followed_gen || !p->snap)
		return 0;
	p->followed_gen = p->gen;
	const struct po_air_item *cur = &p->prep_snap->v[p->prep_i];
	int64_t start = cur->item.start_ms, end = cur->item.end_ms;
	const struct po_air_item *next = NULL;
	for (size_t i = 0; i < p->snap->n; i++) {
		const struct po_air_item *x = &p->snap->v[i];
		if (x->item.start_ms == start && x->item.nseg && pl->s < pl->nseg &&
		    continues(cur, x, pl->s) && adopt(p, pl, p->snap, i) == 0) {
			cur = &p->prep_snap->v[p->prep_i];
			end = cur->item.end_ms;
			adopted = 1;
		}
		if (x->item.start_ms > start && x->item.nseg && (!next || x->item.start_ms < next->item.start_ms))
			next = x;
	}
	if (next && next->item.start_ms < end)
		end = next->item.start_ms;
	int64_t cut_ns = (end - start) * NS_PER_MS;
	if (cut_ns == pl->cut_ns)
		return adopted;
	char at[16];
	time_t secs = (time_t)(end / 1000);
	struct tm tm;
	strftime(at, sizeof at, "%H:%M:%S", gmtime_r(&secs, &tm));
	add_detail(play, "end moved to %s UTC by a new plan", at);
	pl->cut_ns = cut_ns;
	pl->cut = 0; /* send_due decides again against the new end */
	return adopted;
}

/* Sleep to an absolute deadline on the monotonic clock in slices; returns
 * 1 when stopped. */
static int wait_until_mono(struct po_player *p, int64_t deadline)
{
	for (;;) {
		if (stopping(p))
			return 1;
		int64_t t = mono_ns(p);
		if (t >= deadline)
			return 0;
		po_clock_sleep_until_mono_ns(p->clock, min64(deadline, t + SLICE_NS));
	}
}

/* The item's start instant on the monotonic clock: carried from the item
 * before it on this connection, so the junction stays seamless whatever
 * the wall clock did meanwhile, unless the wall clock stepped further than
 * the limit: then the item starts on the new time. */
static int64_t anchor_item(struct po_player *p, const struct po_air_item *it)
{
	int64_t start = it->item.start_ms * NS_PER_MS;
	int64_t w = now_ns(p), m = mono_ns(p);
	if (p->on_air && p->carry_start_ms == it->item.start_ms) {
		int64_t skew = (w - m) - (start - p->carry_mono_ns);
		if (abs64(skew) <= p->step_limit_ns)
			return p->carry_mono_ns;
		po_log_warnx(p->label, "the wall clock stepped by %+lld ms: %s starts on the new time",
			     (long long)(skew / NS_PER_MS), it->item.seg[0].asset);
	}
	return m - (w - start);
}

/* A re-encoding output: every sample of the item goes out now, before the
 * tail's wait (so the last page keeps the lead) or a disconnect. */
static void pcm_flush(struct po_player *p, struct play *pl, const struct po_air_item *it)
{
	struct playout_error err = { 0, "" };
	int64_t sent = 0;
	if (po_pcm_out_end(p->pcm, &sent, &err) < 0) {
		po_log_warnx(p->label, "%s: the encoder's last frames: %s", it->item.seg[0].asset,
			     err.msg);
		output_close(p);
	}
	pl->bytes += sent;
}

/* Play the prepared item from its start instant (or the frame due now) to
 * its end, and report it. Called at or after the start instant. */
static void play_item(struct po_player *p)
{
	const struct po_air_item *it = &p->prep_snap->v[p->prep_i];
	struct playout_item_meta meta;
	struct playout_error err = { 0, "" };
	struct po_play play;
	struct play pl;
	int began = 0, interrupted = 0, failed = 0, reconnects = 0, rd_fail = 0, row = 0;
	int fresh = !p->on_air;         /* no earlier item's audio runs into this one */
	int64_t retry_at = 0, progress_at = 0;
	struct outage down = {0, 0, 0, -1, ""};

	init_play_record(p, it, &play);
	p->last_start_ms = it->item.start_ms;
	if (p->prep_rc < 0) {
		/* The cache may have caught up since the prepare step. */
		struct po_snapshot *s = po_snapshot_ref(p->prep_snap);
		size_t i = p->prep_i;
		prep_release(p);
		prepare(p, s, i);
		po_snapshot_unref(s);
		it = &p->prep_snap->v[p->prep_i];
	}
	if (p->prep_rc < 0) {
		snprintf(play.outcome, sizeof play.outcome, "failed");
		add_detail(&play, "%s", p->prep_err);
		play.ended_ms = po_clock_now_ms(p->clock);
		post(p, PO_PLAYQ_BEGIN, &play);
		post(p, PO_PLAYQ_END, &play);
		po_log_warnx(p->label, "%s: not played: %s", it->item.seg[0].asset, p->prep_err);
		prep_release(p);
		return;
	}
	fill_meta(it, &meta);
	init_play(p, it, &pl);
	p->followed_gen = UINT64_MAX; /* check the newest plan at once */

	/* Deadlines within the item are on the monotonic clock from here. */
	pl.anchor_ns = anchor_item(p, it);
	int64_t t0 = mono_ns(p) - pl.anchor_ns;
	/* Late by more than the slack: join at the frame due now, unless the
	 * connection was begun in time for this item and was merely slow:
	 * then the item goes out whole, late, rather than lose its start. */
	int began_in_time = p->out_open && p->early_open_for == pl.start_ns;
	if (t0 > JOIN_SLACK_NS && !began_in_time) {
		seek_to(&pl, t0);
		int64_t secs = t0 / NS_PER_S;
		add_detail(&play, "joined at +%02lld:%02lld", (long long)(secs / 60),
			   (long long)(secs % 60));
	}
	if (fresh && !p->out_open && t0 < 0 && wait_until_mono(p, pl.anchor_ns)) {
		/* ready early on a closed output: its connect (and a refusal's
		 * retry a second later) starts at the instant, as without */
		interrupted = 1;
	}
	int rc = interrupted ? PLAYOUT_EUNAVAIL : output_begin(p, &meta, &err);
	if (interrupted) {
		/* stopped before the instant: reported below as interrupted */
	} else if (rc < 0) {
		retry_at = mono_ns(p) + RETRY_NS;
		outage_begin(p, &play, &pl, &down, now_ns(p), cursor_pos(&pl), err.msg);
		po_log_warnx(p->label, "%s: cannot open the output: %s", it->item.seg[0].asset,
			     err.msg);
		/* The play's row opens now, down, so that a crash or a server
		 * gone for good still leaves it; a join says where (a restart
		 * continues the play it interrupted). The first audio, if the
		 * output comes back, completes the row's start. */
		play.join_ms = cursor_pos(&pl) / NS_PER_MS;
		post(p, PO_PLAYQ_BEGIN, &play);
		row = 1;
	}
	/* A fresh item's BEGIN, made at its first write, is posted at the
	 * next wake: the post wakes the daemon's thread (a database write, the
	 * "on air" line), which must not take a core while the other outputs
	 * starting at the same instant write their first bytes. */
	struct po_playq_msg begin_msg;
	int begin_held = 0;
	for (;;) {
		if (begin_held) {
			begin_held = 0;
			po_playq_post(p->q, &begin_msg);
		}
		if (interrupted || stopping(p)) {
			interrupted = 1;
			break;
		}
		if (follow_plan(p, &pl, &play)) {
			/* The old snapshot, which it and meta's strings point
			 * into, may be gone. */
			it = &p->prep_snap->v[p->prep_i];
			fill_meta(it, &meta);
		}
		int64_t t = mono_ns(p), woke = t;
		int64_t rel = t - pl.anchor_ns;
		int64_t skew = wall_skew(p, pl.start_ns, pl.anchor_ns);
		if (abs64(skew - pl.wall_skew_ns) > p->step_limit_ns) {
			po_log_warnx(p->label, "%s: the wall clock stepped by %+lld ms at +%lld ms; "
				     "the item plays on at its pace, the next starts on the new time",
				     it->item.seg[0].asset,
				     (long long)((skew - pl.wall_skew_ns) / NS_PER_MS),
				     (long long)(rel / NS_PER_MS));
			pl.wall_skew_ns = skew;
		}
		int64_t end_rel = pl.cut_ns < pl.total_ns ? pl.cut_ns : pl.total_ns;
		if (!p->out_open) {
			/* Waiting to reconnect; the clock decides the position. */
			if (rel >= end_rel) {
				failed = 1;
				break;
			}
			if (t < retry_at) {
				int64_t until = min64(retry_at, pl.anchor_ns + end_rel);
				po_clock_sleep_until_mono_ns(p->clock, min64(until, t + SLICE_NS));
				continue;
			}
			rc = output_begin(p, &meta, &err);
			if (rc < 0) {
				retry_at = t + RETRY_NS;
				continue;
			}
			/* Resume where the clock says the programme is now. */
			reconnects++;
			seek_to(&pl, mono_ns(p) - pl.anchor_ns);
			down.resume_pos_ns = cursor_pos(&pl);
			continue;
		}
		if (at_end(&pl) || pl.cut)
			break;
		if (!began && fresh && rel < 0) {
			/* Ready early: the first write at the instant itself. */
			po_clock_sleep_until_mono_ns(p->clock, min64(pl.anchor_ns, t + SLICE_NS));
			continue;
		}
		int64_t sent_at = now_ns(p), pos = cursor_pos(&pl), bytes_before = pl.bytes;
		if (!began) {
			/* On a connection that carries the previous item the
			 * first frames go out a send-ahead early: the stream
			 * reaches the item at its instant, not before. A start
			 * error only when the item's first frame goes out first;
			 * a join has its own delay. */
			play.started_us = (pl.start_ns + (rel > 0 ? rel : 0)) / 1000;
			play.start_error_us = pos ? 0 : play.started_us - it->item.start_ms * 1000;
			play.join_ms = pos / NS_PER_MS;
			play.join_delay_us = pos ? (rel - pos) / 1000 : 0;
		}
		if (p->pcm) {
			struct po_pcm_gains g;
			pcm_gains(p, &pl, &g, 0);
			po_pcm_out_at(p->pcm, pos, cursor_frame(&pl), pl.cut_ns, pl.total_ns, &g);
		}
		rc = send_due(p, &pl, rel + p->ahead_ns, &rd_fail, &err);
		if (!began && (rc == 0 || pl.bytes > 0)) {
			began = 1;
			status_msg(p, &begin_msg, PO_PLAYQ_BEGIN, &play, &pl, "on air",
				   cursor_pos(&pl), "");
			if (fresh && !down.at_ns)
				begin_held = 1;
			else
				po_playq_post(p->q, &begin_msg);
			progress_at = sent_at + PROGRESS_NS;
		}
		if (down.at_ns && down.resume_pos_ns >= 0 && pl.bytes > bytes_before)
			post_gap(p, &play, &down, sent_at, down.resume_pos_ns,
				 rel - down.resume_pos_ns);
		if (began && sent_at >= progress_at) {
			/* On a grid from the first byte, not drifting by the wakes. */
			while (progress_at <= sent_at)
				progress_at += PROGRESS_NS;
			play.bytes = pl.bytes;
			play.sent_ms = sent_at / NS_PER_MS;
			post_status(p, PO_PLAYQ_PROGRESS, &play, &pl, "on air", cursor_pos(&pl), "");
		}
		if (rc < 0 && rd_fail) {
			/* The cached file went bad under us: nothing to retry. */
			size_t k = pl.s < pl.nseg ? pl.s : pl.nseg - 1;
			po_log_warnx(p->label, "%s: %s", it->path[k], err.msg);
			add_detail(&play, "%s", it->item.seg[k].asset);
			failed = 1;
			break;
		}
		if (rc < 0) {
			po_log_warnx(p->label, "%s: output failed at +%lld ms: %s; reconnecting",
				     it->item.seg[0].asset, (long long)(rel / NS_PER_MS), err.msg);
			output_close(p);
			retry_at = mono_ns(p) + RETRY_NS;
			/* From the first frame of this send: part of it may have
			 * gone out, but no frame after pos surely did. */
			outage_begin(p, &play, &pl, &down, now_ns(p), pos, err.msg);
			continue;
		}
		if (at_end(&pl) || pl.cut)
			break;
		/* Next frame's deadline minus the send-ahead, but not within a
		 * batch of this wake: the frames due meanwhile go out together. */
		int64_t wake = pl.anchor_ns + cursor_deadline(&pl) - p->ahead_ns;
		if (wake < woke + p->batch_ns)
			wake = woke + p->batch_ns;
		t = mono_ns(p);
		if (wake > t)
			po_clock_sleep_until_mono_ns(p->clock, min64(wake, t + SLICE_NS));
	}
	if (begin_held)
		po_playq_post(p->q, &begin_msg);

	if (p->pcm && p->out_open)
		pcm_flush(p, &pl, it);

	/* Tail: all frames are out; wait for the audio's end instant, or only
	 * until the next item's first frame is due minus the send-ahead when
	 * that item follows on this connection, so the lead over real time
	 * holds across the junction. */
	int64_t end_rel = pl.cut ? pl.cut_ns : pl.total_ns;
	int64_t end_abs = pl.start_ns + end_rel;
	refresh_snap(p);
	size_t ni;
	const struct po_air_item *next = next_item(p->snap, p->last_start_ms, INT64_MIN, &ni);
	int keep = !interrupted && p->out_open && next &&
		   next->item.start_ms * NS_PER_MS - end_abs <= p->keep_open_ns;
	int64_t tail_end = pl.anchor_ns + end_rel;
	if (keep) {
		p->carry_start_ms = next->item.start_ms;
		p->carry_mono_ns = pl.anchor_ns + (next->item.start_ms * NS_PER_MS - pl.start_ns);
		if (p->carry_mono_ns - p->ahead_ns < tail_end)
			tail_end = p->carry_mono_ns - p->ahead_ns;
	}
	if (!interrupted && !failed && wait_until_mono(p, tail_end))
		interrupted = 1;

	if (!began && !row) {
		/* Nothing went out: still report the attempt. */
		post(p, PO_PLAYQ_BEGIN, &play);
	}
	if (down.at_ns) {
		/* Down to the end (or back without a frame left to send). */
		int64_t t = now_ns(p);
		int64_t end_pos = pl.cut_ns < pl.total_ns ? pl.cut_ns : pl.total_ns;
		if (interrupted && t - pl.start_ns < end_pos)
			end_pos = t - pl.start_ns;
		post_gap(p, &play, &down, t, end_pos, 0);
	}
	play.bytes = pl.bytes;
	/* A tail cut short for the next item: the audio still ends at end_abs. */
	play.ended_ms = po_clock_now_ms(p->clock);
	if (!interrupted && !failed && play.ended_ms < end_abs / NS_PER_MS)
		play.ended_ms = end_abs / NS_PER_MS;
	play.sent_ms = play.ended_ms;
	if (reconnects)
		add_detail(&play, "%d reconnect%s", reconnects, reconnects > 1 ? "s" : "");
	if (play.lost_ms)
		add_detail(&play, "lost %.1f s in %d outage%s", (double)play.lost_ms / 1000.0,
			   down.count, down.count == 1 ? "" : "s");
	if (pl.cut && (play.lost_ms || play.join_ms) && !interrupted && !failed) {
		/* partial and cut: say both */
		char at[16];
		time_t secs = (time_t)((pl.start_ns + pl.cut_ns) / NS_PER_S);
		struct tm tm;
		strftime(at, sizeof at, "%H:%M:%S", gmtime_r(&secs, &tm));
		add_detail(&play, "cut at %s UTC", at);
	}
	if (interrupted) {
		snprintf(play.outcome, sizeof play.outcome, "interrupted");
	} else if (failed && !rd_fail && pl.bytes > 0) {
		/* Some audio went out; the output was gone for the rest. */
		snprintf(play.outcome, sizeof play.outcome, "partial");
		add_detail(&play, "down to the end: %s", err.msg[0] ? err.msg : "output unavailable");
	} else if (failed) {
		snprintf(play.outcome, sizeof play.outcome, "failed");
		add_detail(&play, "%s", err.msg[0] ? err.msg : "output unavailable");
	} else if (play.lost_ms || play.join_ms) {
		snprintf(play.outcome, sizeof play.outcome, "partial");
	} else if (pl.cut) {
		snprintf(play.outcome, sizeof play.outcome, "cut");
	} else {
		snprintf(play.outcome, sizeof play.outcome, "complete");
	}
	post(p, PO_PLAYQ_END, &play);
	if (p->gain_tally.clamped || p->gain_tally.refused)
		po_log_warnx(p->label, "%s: loudness gain: %llu granule gain(s) clamped at 0 or 255, "
			     "%llu frame(s) left as they were (not Layer III or broken)",
			     it->item.seg[0].asset, (unsigned long long)p->gain_tally.clamped,
			     (unsigned long long)p->gain_tally.refused);

	if (p->out_open && p->ops->stop) {
		struct playout_error serr = { 0, "" };
		if (p->ops->stop(p->inst, &serr) < 0)
			po_log_warnx(p->label, "output stop: %s", serr.msg);
	}
	p->last_end_ns = end_abs;
	prep_release(p);

	/* Keep the connection for a next item that follows closely (the plan
	 * may have changed during the tail: look again). */
	refresh_snap(p);
	next = next_item(p->snap, p->last_start_ms, INT64_MIN, &ni);
	if (interrupted || !next || next->item.start_ms * NS_PER_MS - end_abs > p->keep_open_ns)
		output_close(p);
	else if (p->out_open && !failed)
		p->on_air = 1;
} /* play_item */

/* ---- the thread ------------------------------------------------------- */

/* Connect a closed output connect_ahead before the item, once per item,
 * retrying a refused connect at once (a server busy with a crowd of
 * connects); a second failure is retried by play_item at the start. */
static void open_early(struct po_player *p, int64_t start)
{
	struct playout_item_meta m;
	struct playout_error err = { 0, "" };
	if (p->out_open || p->early_open_for == start || !p->prep_snap || p->prep_rc < 0)
		return;
	p->early_open_for = start;
	fill_meta(&p->prep_snap->v[p->prep_i], &m);
	for (int tries = 0; tries < 2 && !p->out_open && !stopping(p); tries++)
		if (gated_open(p, &m, &err) == PLAYOUT_OK)
			p->out_open = 1;
}

/* Items of the plan whose whole time passed without this player starting
 * them (the output was busy with an item that ran on, or the file came too
 * late) are reported, so every planned item either played or says why not. */
static void report_missed(struct po_player *p, int64_t now_ms)
{
	if (!p->snap)
		return;
	for (size_t i = 0; i < p->snap->n; i++) {
		const struct po_air_item *it = &p->snap->v[i];
		struct po_play play;
		if (it->item.nseg == 0 || it->item.start_ms <= p->last_start_ms ||
		    it->item.start_ms < p->born_ms)
			continue;
		if (it->item.end_ms > now_ms)
			break; /* sorted by start: the rest is still ahead */
		init_play_record(p, it, &play);
		snprintf(play.outcome, sizeof play.outcome, "missed");
		add_detail(&play, "its time passed before this output could start it");
		play.ended_ms = now_ms;
		post(p, PO_PLAYQ_BEGIN, &play);
		post(p, PO_PLAYQ_END, &play);
		p->last_start_ms = it->item.start_ms;
	}
}

static void *player_main(void *arg)
{
	struct po_player *p = arg;
	p->born_ms = po_clock_now_ms(p->clock);
	while (!stopping(p)) {
		refresh_snap(p);
		report_missed(p, po_clock_now_ms(p->clock));
		int64_t t = now_ns(p);
		size_t i = 0;
		const struct po_air_item *it =
			next_item(p->snap, p->last_start_ms, t / NS_PER_MS, &i);
		int64_t start = it ? it->item.start_ms * NS_PER_MS : INT64_MAX;
		/* Idle on an open connection only until a close-enough next item
		 * (or the one it was opened early for). */
		if (p->out_open && (!it || start - p->last_end_ns > p->keep_open_ns) &&
		    p->early_open_for != start)
			output_close(p);
		if (!it) {
			if (p->prep_snap)
				prep_release(p);
			po_clock_sleep_until_ns(p->clock, t + SLICE_NS);
			continue;
		}
		if (p->prep_snap && !same_media(&p->prep_snap->v[p->prep_i], it))
			prep_release(p);
		/* On a connection carrying the previous item the next one goes
		 * out on its frames' deadlines minus the send-ahead, on the
		 * timeline carried over (read on the wall clock now); a fresh
		 * connection starts at the instant itself. */
		int64_t go = start - READY_NS;
		if (p->on_air && p->out_open) {
			go = start - p->ahead_ns;
			if (p->carry_start_ms == it->item.start_ms &&
			    abs64(wall_skew(p, start, p->carry_mono_ns)) <= p->step_limit_ns)
				go = p->carry_mono_ns - p->ahead_ns + (t - mono_ns(p));
		}
		int64_t cah = connect_ahead(p);
		int64_t prep = cah > p->prepare_ns ? cah : p->prepare_ns;
		if (t >= min64(go, start - prep))
			prepare(p, p->snap, i);
		if (t < start && t >= start - cah)
			open_early(p, start);
		if (t < go) {
			int64_t target = go;
			if (t < min64(go, start - prep))
				target = min64(go, start - prep);
			else if (!p->out_open && p->early_open_for != start &&
				 t < start - cah)
				target = start - cah;
			po_clock_sleep_until_ns(p->clock, min64(target, t + SLICE_NS));
			continue;
		}
		play_item(p);
	}
	prep_release(p);
	output_close(p);
	po_snapshot_unref(p->snap);
	p->snap = NULL;
	return NULL;
} /* player_main */

int po_player_start(const struct po_player_conf *pc, struct po_player **out,
		    struct playout_error *err)
{
	*out = NULL;
	if (!pc->ops || !pc->ops->open || !pc->ops->write || !pc->ops->close || !pc->clock ||
	    !pc->box || !pc->q)
		return playout_error_set(err, PLAYOUT_EINVAL,
					 "player %s: output ops open/write/close, clock, box and "
					 "queue are required", pc->label ? pc->label : "?");
	struct po_player *p = calloc(1, sizeof *p);
	if (!p)
		return playout_error_set(err, PLAYOUT_ENOMEM, "player: out of memory");
	p->label = strdup(pc->label ? pc->label : "output");
	p->buf = malloc(PLAYER_BUF);
	if (!p->label || !p->buf) {
		free(p->label);
		free(p->buf);
		free(p);
		return playout_error_set(err, PLAYOUT_ENOMEM, "player: out of memory");
	}
	p->ops = pc->ops;
	p->inst = pc->inst;
	p->clock = pc->clock;
	p->box = pc->box;
	p->q = pc->q;
	p->ahead_ns = (int64_t)(pc->send_ahead_ms > 0 ? pc->send_ahead_ms : 0) * NS_PER_MS;
	p->loud_on = pc->loudness_on;
	p->loud_target = pc->loudness_target;
	p->loud_ceiling = pc->true_peak_ceiling;
	p->batch_ns = min64(BATCH_NS, p->ahead_ns / 2);
	p->keep_open_ns = (int64_t)(pc->keep_open_ms > 0 ? pc->keep_open_ms : 0) * NS_PER_MS;
	p->connect_ahead_ns = (int64_t)(pc->connect_ahead_ms > 0 ? pc->connect_ahead_ms : 0) * NS_PER_MS;
	/* the files are open before the connect that needs the item's meta
	 * (player_main: also before an earlier connect for a crowd) */
	p->prepare_ns = p->connect_ahead_ns > PREPARE_NS ? p->connect_ahead_ns : PREPARE_NS;
	p->step_limit_ns = (int64_t)(pc->clock_step_limit_ms > 0 ? pc->clock_step_limit_ms
								   : PO_PLAYER_STEP_LIMIT_MS) * NS_PER_MS;
	if (pc->fmt && pc->fmt->codec != PO_CODEC_PASSTHROUGH) {
		p->pcm = po_pcm_out_new(pc->fmt, pc->enc_ops, pc->ops, pc->inst, err);
		if (!p->pcm) {
			free(p->label);
			free(p->buf);
			free(p);
			return err->code < 0 ? err->code : PLAYOUT_EINVAL;
		}
	}
	p->early_open_for = INT64_MIN;
	p->beat_ns = po_clock_mono_ns(p->clock);
	p->last_start_ms = INT64_MIN;
	p->gen = UINT64_MAX; /* differs from any box: the first look fetches */
	for (size_t k = 0; k < PLAYOUT_MAX_SEGMENTS; k++)
		p->prep_fd[k] = -1;

	/* Signals belong to the control thread (signalfd): block them all here. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	/* a crowd is of real connects: players on a simulated clock (tests)
	 * connect when their connect_ahead_ms says */
	p->in_crowd = !pc->clock->ops;
	if (p->in_crowd)
		gate_count(1);
	int e = pthread_create(&p->thread, NULL, player_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		if (p->in_crowd)
			gate_count(-1);
		po_pcm_out_free(p->pcm);
		free(p->label);
		free(p->buf);
		free(p);
		return playout_error_set(err, PLAYOUT_EIO, "player %s: cannot start a thread: %s",
					 pc->label ? pc->label : "output", strerror(e));
	}
	*out = p;
	return PLAYOUT_OK;
}

int64_t po_player_beat_ns(const struct po_player *p)
{
	return __atomic_load_n(&p->beat_ns, __ATOMIC_RELAXED);
}

void po_player_request_stop(struct po_player *p)
{
	if (p)
		__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
}

void po_player_stop(struct po_player *p)
{
	if (!p)
		return;
	po_player_request_stop(p);
	pthread_join(p->thread, NULL);
	if (p->in_crowd)
		gate_count(-1);
	po_pcm_out_free(p->pcm);
	free(p->label);
	free(p->buf);
	free(p);
}
