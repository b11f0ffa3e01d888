/*
 * core/player.c, snapshot.c, playq.c. The player scenarios run at the same
 * time, each with its own recording output (an ops table that keeps every
 * call, its clock time and the bytes), snapbox and queue; the suite's init
 * runs them on a simulated clock (simclock.h: 2.4 s of air in milliseconds
 * of real time, every instant exact) and the tests then check what each
 * output received and what was reported.
 */
#include "runner.h"

#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "mp3.h"
#include "player.h"
#include "simclock.h"

#define MS 1000000LL
#define AHEAD_MS 200
/* The scenarios' start instant on the simulated clock: 2026-03-29T01:00:00Z */
#define T0_FIXED_MS INT64_C(1774746000000)

/* ---- fixtures ------------------------------------------------------------ */

static int encode(const char *out, int rate_hz, double seconds)
{
	char rate[16];
	snprintf(rate, sizeof rate, "%g", rate_hz / 1000.0);
	const char *argv[] = { "lame", "-r", "-s", rate, "--bitwidth", "16", "--signed",
			       "--little-endian", "-m", "m", "-b", "128", "-t", "--quiet",
			       "-", out, NULL };
	int fds[2];
	if (pipe(fds) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[0], 0);
		close(fds[0]);
		close(fds[1]);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 2);
		execvp("lame", (char *const *)argv);
		_exit(127);
	}
	close(fds[0]);
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	size_t nsamp = (size_t)(seconds * rate_hz);
	int16_t buf[1024];
	int ok = 1;
	uint32_t noise = 12345;
	for (size_t i = 0; i < nsamp && ok;) {
		size_t k = 0;
		/* A tone plus noise, so that no two frames have the same bytes. */
		for (; k < 1024 && i < nsamp; i++) {
			noise = noise * 1103515245u + 12345u;
			buf[k++] = (int16_t)(8000 * sin(2 * M_PI * 440.0 * (double)i / rate_hz) +
					     (double)(noise >> 20) - 2048.0);
		}
		ok = write(fds[1], buf, k * sizeof buf[0]) == (ssize_t)(k * sizeof buf[0]);
	}
	close(fds[1]);
	signal(SIGPIPE, old);
	int st = 0;
	waitpid(pid, &st, 0);
	return ok && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

struct media {
	char path[512];
	struct po_mp3_index *ix;
	unsigned char *bytes;
};

/* a: 44.1 kHz 2 s; b: 48 kHz 1 s (both mono CBR 128, no tags). */
static struct media fa, fb;

static int load_media(struct media *m, const char *name, int rate, double secs)
{
	snprintf(m->path, sizeof m->path, "%s/%s", po_test_tmpdir(), name);
	if (encode(m->path, rate, secs) < 0 || po_mp3_index_file(m->path, &m->ix, NULL) < 0)
		return -1;
	m->bytes = malloc((size_t)m->ix->file_size);
	int fd = open(m->path, O_RDONLY);
	if (!m->bytes || fd < 0)
		return -1;
	ssize_t r = read(fd, m->bytes, (size_t)m->ix->file_size);
	close(fd);
	return r == m->ix->file_size ? 0 : -1;
}

/* ---- the recording output ---------------------------------------------- */

enum { EV_OPEN = 1, EV_START, EV_WRITE, EV_STOP, EV_CLOSE };

struct ev {
	int type;
	int64_t t_ns;  /* clock at entry */
	int64_t t_mono; /* the monotonic clock then */
	size_t at;     /* WRITE: offset in rec.data */
	size_t len;    /* WRITE: bytes (0 when it failed) */
};

#define MAX_EV 2048
#define MAX_DATA (1 << 20)

struct rec {
	const struct po_clock *clock;
	struct ev ev[MAX_EV];
	size_t nev;
	unsigned char data[MAX_DATA];
	size_t n;
	int open;
	int misuse;                 /* a call the contract forbids */
	int64_t fail_write_from_ns; /* the first write at or after fails; 0: never */
	int fail_opens_after;       /* opens after this many successes fail; 0: never */
	int fail_first_opens;       /* this many first opens fail */
	int64_t open_delay_ns;      /* a slow connect: open takes this long (monotonic) */
	int opens, open_calls;
};

static struct ev *rec_ev(struct rec *r, int type)
{
	if (r->nev == MAX_EV) {
		r->misuse++;
		return &r->ev[MAX_EV - 1];
	}
	struct ev *e = &r->ev[r->nev++];
	memset(e, 0, sizeof *e);
	e->type = type;
	e->t_ns = po_clock_now_ns(r->clock);
	e->t_mono = po_clock_mono_ns(r->clock);
	return e;
}

static int rec_open(void *inst, const struct playout_item_meta *m, struct playout_error *err)
{
	struct rec *r = inst;
	rec_ev(r, EV_OPEN);
	if (r->open || !m || !m->title)
		r->misuse++;
	if (r->open_calls++ < r->fail_first_opens)
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "rec: not yet");
	if (r->open_delay_ns)
		po_clock_sleep_until_mono_ns(r->clock, po_clock_mono_ns(r->clock) + r->open_delay_ns);
	if (r->fail_opens_after && r->opens >= r->fail_opens_after)
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "rec: connection refused");
	r->opens++;
	r->open = 1;
	return 0;
}

static int rec_start(void *inst, const struct playout_item_meta *m, struct playout_error *err)
{
	struct rec *r = inst;
	(void)err;
	rec_ev(r, EV_START);
	if (!r->open || !m || m->sample_rate <= 0)
		r->misuse++;
	return 0;
}

static int rec_write(void *inst, const uint8_t *buf, size_t len, struct playout_error *err)
{
	struct rec *r = inst;
	struct ev *e = rec_ev(r, EV_WRITE);
	if (!r->open)
		r->misuse++;
	if (r->fail_write_from_ns && e->t_ns >= r->fail_write_from_ns) {
		r->fail_write_from_ns = 0;
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "rec: broken pipe");
	}
	if (r->n + len > MAX_DATA) {
		r->misuse++;
		return playout_error_set(err, PLAYOUT_EIO, "rec: full");
	}
	memcpy(r->data + r->n, buf, len);
	e->at = r->n;
	e->len = len;
	r->n += len;
	return 0;
}

static int rec_stop(void *inst, struct playout_error *err)
{
	struct rec *r = inst;
	(void)err;
	rec_ev(r, EV_STOP);
	if (!r->open)
		r->misuse++;
	return 0;
}

static void rec_close(void *inst)
{
	struct rec *r = inst;
	rec_ev(r, EV_CLOSE);
	if (!r->open)
		r->misuse++;
	r->open = 0;
}

static const struct playout_output_ops rec_ops = {
	.open = rec_open,
	.start = rec_start,
	.write = rec_write,
	.stop = rec_stop,
	.close = rec_close,
};

static size_t count_ev(const struct rec *r, int type)
{
	size_t k = 0;
	for (size_t i = 0; i < r->nev; i++)
		k += r->ev[i].type == type;
	return k;
}

/* ---- scenarios ------------------------------------------------------------ */

struct seg_spec {
	struct media *m;
	uint32_t first, count; /* count 0: to the end */
};

struct item_spec {
	int64_t start_rel_ms;  /* from T0 */
	int64_t len_ms;        /* end_ms - start_ms */
	struct seg_spec seg[2];
	size_t nseg;
};

#define MAX_MSG 64

struct scen {
	const char *name;
	struct item_spec items[2];
	size_t nitems;
	int keep_open_ms;
	int64_t stop_at_rel_ms;   /* 0: stop at the end of the run */
	int64_t fail_write_rel_ms;
	int fail_opens_after;
	int fail_first_opens;
	int64_t replan_at_rel_ms;  /* publish items2 then (a plan changed on air) */
	struct item_spec items2[2];
	size_t nitems2;
	int connect_ahead_ms;
	int64_t open_delay_ms;
	int late;                 /* phase 1 or 2: runs after the others end, across steps of
				     the wall clock */
	/* results */
	struct rec *rec;
	struct po_snapbox box;
	struct po_playq q;
	struct po_player *player;
	struct po_playq_msg msg[MAX_MSG];
	size_t nmsg;
	int64_t stop_asked_ns;    /* S_STOP: when po_player_request_stop was called */
	int started;
};

enum { S_BASIC, S_B2B, S_GAP, S_RECONNECT, S_DOWN, S_STOP, S_LATE, S_SEGS, S_OPENLATE,
       S_NEWCUT, S_NEWJOIN, S_STEP, S_BIGSTEP, S_EARLY, S_SLOWOPEN, NSCEN };

static struct scen sc[NSCEN] = {
	[S_BASIC] = { .name = "basic", .nitems = 1, .keep_open_ms = 1000,
		      .items = { { 0, 10000, { { &fa, 0, 0 } }, 1 } } },
	[S_B2B] = { .name = "b2b", .nitems = 2, .keep_open_ms = 1000,
		    .items = { { 0, 500, { { &fa, 0, 0 } }, 1 },
			       { 500, 500, { { &fa, 0, 0 } }, 1 } } },
	[S_GAP] = { .name = "gap", .nitems = 2, .keep_open_ms = 200,
		    .items = { { 0, 400, { { &fa, 0, 0 } }, 1 },
			       { 900, 400, { { &fa, 0, 0 } }, 1 } } },
	[S_RECONNECT] = { .name = "reconnect", .nitems = 1, .keep_open_ms = 1000,
			  .fail_write_rel_ms = 400,
			  .items = { { 0, 10000, { { &fa, 0, 0 } }, 1 } } },
	[S_DOWN] = { .name = "down", .nitems = 1, .keep_open_ms = 1000,
		     .fail_write_rel_ms = 300, .fail_opens_after = 1,
		     .items = { { 0, 1200, { { &fa, 0, 0 } }, 1 } } },
	[S_STOP] = { .name = "stop", .nitems = 1, .keep_open_ms = 1000, .stop_at_rel_ms = 550,
		     .items = { { 0, 10000, { { &fa, 0, 0 } }, 1 } } },
	[S_LATE] = { .name = "late", .nitems = 1, .keep_open_ms = 1000,
		     .items = { { -1800, 10000, { { &fa, 0, 0 } }, 1 } } },
	[S_OPENLATE] = { .name = "openlate", .nitems = 1, .keep_open_ms = 1000,
			 .fail_first_opens = 1,
			 .items = { { 0, 10000, { { &fa, 0, 0 } }, 1 } } },
	[S_SEGS] = { .name = "segs", .nitems = 1, .keep_open_ms = 1000,
		     .items = { { 0, 10000, { { &fa, 5, 15 }, { &fb, 0, 20 } }, 2 } } },
	/* a late file: an item at +600 ms appears while the first is on air */
	[S_NEWCUT] = { .name = "newcut", .nitems = 1, .keep_open_ms = 1000,
		       .items = { { 0, 10000, { { &fa, 0, 0 } }, 1 } },
		       .replan_at_rel_ms = 200, .nitems2 = 2,
		       .items2 = { { 0, 600, { { &fa, 0, 0 } }, 1 },
				   { 600, 400, { { &fb, 0, 0 } }, 1 } } },
	/* a half-hour join formed after the first half began */
	[S_NEWJOIN] = { .name = "newjoin", .nitems = 1, .keep_open_ms = 1000,
			.items = { { 0, 10000, { { &fa, 0, 0 } }, 1 } },
			.replan_at_rel_ms = 300, .nitems2 = 1,
			.items2 = { { 0, 10000, { { &fa, 0, 20 }, { &fb, 0, 20 } }, 2 } } },
	/* back to back at +3 s and +4 s; the wall clock steps +300 ms at +3.4 s
	 * (monotonic) and -300 ms at +4.4 s, within the default limit */
	[S_STEP] = { .name = "step", .nitems = 2, .keep_open_ms = 1000, .late = 1,
		     .items = { { 3000, 1000, { { &fa, 0, 0 } }, 1 },
				{ 4000, 1000, { { &fa, 0, 0 } }, 1 } } },
	/* back to back at +6 s and +7 s; the wall clock steps +1500 ms at
	 * +6.4 s (monotonic), beyond the default limit of 1000 ms */
	[S_BIGSTEP] = { .name = "bigstep", .nitems = 2, .keep_open_ms = 1000, .late = 2,
			.items = { { 6000, 1000, { { &fa, 0, 0 } }, 1 },
				   { 7000, 2000, { { &fa, 0, 0 } }, 1 } } },
	/* connect_ahead_ms beyond the 1 s files are prepared ahead; the first
	 * connect is refused */
	[S_EARLY] = { .name = "early", .nitems = 1, .keep_open_ms = 1000, .late = 1,
		      .connect_ahead_ms = 1500, .fail_first_opens = 1,
		      .items = { { 3000, 10000, { { &fa, 0, 0 } }, 1 } } },
	/* a connect begun 300 ms ahead that takes 1.8 s */
	[S_SLOWOPEN] = { .name = "slowopen", .nitems = 1, .keep_open_ms = 1000, .late = 1,
			 .connect_ahead_ms = 300, .open_delay_ms = 1800,
			 .items = { { 3000, 10000, { { &fa, 0, 0 } }, 1 } } },
};

#define BIGSTEP_NS (1500 * MS)

#define STEP_NS (300 * MS)

static struct po_clock clk;
static int64_t T0_ms;       /* start instant of the scenarios (T0_FIXED_MS) */

/* Frame list of an item as the player should play it from frame 0. */
struct exp_frame {
	const struct media *m;
	uint32_t k;
	int64_t due_ns;  /* item-relative */
};

static size_t expected(const struct item_spec *it, struct exp_frame *out, size_t max,
		       int64_t *total_ns)
{
	size_t n = 0;
	int64_t off = 0;
	for (size_t s = 0; s < it->nseg; s++) {
		const struct seg_spec *sg = &it->seg[s];
		const struct po_mp3_index *ix = sg->m->ix;
		uint32_t count = sg->count ? sg->count : ix->nframes - sg->first;
		for (uint32_t j = 0; j < count && n < max; j++) {
			int64_t due = off + (int64_t)j * ix->samples_per_frame * 1000000000LL /
						    ix->sample_rate;
			if (due < it->len_ms * MS)
				out[n++] = (struct exp_frame){ sg->m, sg->first + j, due };
		}
		off += (int64_t)count * ix->samples_per_frame * 1000000000LL / ix->sample_rate;
	}
	if (total_ns)
		*total_ns = off;
	return n;
}

/* On the simulated clock the player wakes exactly at each frame's deadline
 * minus the send-ahead, so the instants below are exact. */

/* Deadline of frame j of m from the item's start, as the player computes it. */
static int64_t due_ns(const struct media *m, uint32_t j)
{
	return (int64_t)j * m->ix->samples_per_frame * 1000000000LL / m->ix->sample_rate;
}

/* The frame due at rel: the last one whose deadline is at or before it. */
static uint32_t frame_at(const struct media *m, int64_t rel_ns)
{
	uint32_t j = 0;
	while (j + 1 < m->ix->nframes && due_ns(m, j + 1) <= rel_ns)
		j++;
	return j;
}

/* The player sends in batches (core/player.c BATCH_NS: 200 ms, at most
 * half the send-ahead): after a wake at w it sends every frame due by w
 * plus the send-ahead, then sleeps to the next frame's deadline minus the
 * send-ahead, or to w plus the batch when that is later. */
#define BATCH_MS (AHEAD_MS / 2 < 200 ? AHEAD_MS / 2 : 200)

/* The wake after w (item-relative) when the first frame not yet sent is
 * due at next_due. */
static int64_t next_wake(int64_t w, int64_t next_due)
{
	int64_t a = next_due - AHEAD_MS * MS, b = w + BATCH_MS * MS;
	return a > b ? a : b;
}

/* The wakes that carry frames f[0..n) of an item (deadlines item-relative)
 * when the first is at w0: at[k] is the one that sends frame k. Returns
 * the last wake. */
static int64_t wakes_of(const struct exp_frame *f, size_t n, int64_t w0, int64_t *at)
{
	int64_t w = w0;
	size_t k = 0;
	while (k < n) {
		while (k < n && f[k].due_ns <= w + AHEAD_MS * MS)
			at[k++] = w;
		if (k < n)
			w = next_wake(w, f[k].due_ns);
	}
	return w;
}

/* The wakes of the player sending the whole of m from frame 0 at 0: the
 * first at or after rel (the last wake when none is), and in *before the
 * one before it (-1 when none). */
static int64_t wake_from(const struct media *m, int64_t rel_ns, int64_t *before)
{
	int64_t w = 0, prev = -1;
	uint32_t k = 0;
	for (;;) {
		if (w >= rel_ns)
			break;
		while (k < m->ix->nframes && due_ns(m, k) <= w + AHEAD_MS * MS)
			k++;
		if (k >= m->ix->nframes)
			break;
		prev = w;
		w = next_wake(w, due_ns(m, k));
	}
	if (before)
		*before = prev;
	return w;
}

static int64_t first_wake_from(const struct media *m, int64_t rel_ns)
{
	return wake_from(m, rel_ns, NULL);
}

/* Bytes of m's frames 0..n-1. */
static size_t prefix_bytes(const struct media *m, uint32_t n)
{
	return n ? m->ix->frames[n - 1].offset + m->ix->frames[n - 1].len - m->ix->frames[0].offset : 0;
}

static size_t frames_bytes(const struct exp_frame *f, size_t n, unsigned char *buf)
{
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		const struct po_mp3_frame *fr = &f[i].m->ix->frames[f[i].k];
		if (buf)
			memcpy(buf + at, f[i].m->bytes + fr->offset, fr->len);
		at += fr->len;
	}
	return at;
}

static struct po_snapshot *build_snapshot(const struct scen *s, const struct item_spec *items,
					  size_t nitems)
{
	struct po_snapshot *snap = po_snapshot_new(nitems);
	if (!snap)
		return NULL;
	snap->planned_ms = T0_ms;
	for (size_t i = 0; i < nitems; i++) {
		const struct item_spec *is = &items[i];
		struct po_air_item *ai = &snap->v[i];
		ai->item.start_ms = T0_ms + is->start_rel_ms;
		ai->item.end_ms = ai->item.start_ms + is->len_ms;
		ai->item.decision = PLAYOUT_DECISION_EXACT;
		snprintf(ai->item.pid, sizeof ai->item.pid, "pid%zu", i);
		snprintf(ai->item.title, sizeof ai->item.title, "%s item %zu", s->name, i);
		ai->item.nseg = is->nseg;
		for (size_t k = 0; k < is->nseg; k++) {
			const char *base = strrchr(is->seg[k].m->path, '/') + 1;
			snprintf(ai->item.seg[k].asset, sizeof ai->item.seg[k].asset, "%s", base);
			ai->item.seg[k].first_frame = is->seg[k].first;
			ai->item.seg[k].nframes = is->seg[k].count;
			ai->path[k] = strdup(is->seg[k].m->path);
			ai->idx[k] = po_mp3_index_ref(is->seg[k].m->ix);
		}
	}
	return snap;
}

static void drain(struct scen *s)
{
	while (s->nmsg < MAX_MSG && po_playq_take(&s->q, &s->msg[s->nmsg]))
		s->nmsg++;
}

/* Every scenario on one simulated clock (simclock.h): time moves only when
 * the test and all the players sleep, so the run takes milliseconds of real
 * time and every instant recorded is the same in every run. */
static struct po_simclock *sim;

static int run_scenarios(void)
{
	po_clock_init(&clk, 0);
	if (load_media(&fa, "a44.mp3", 44100, 2.0) < 0 || load_media(&fb, "b48.mp3", 48000, 1.0) < 0)
		return 1;
	T0_ms = T0_FIXED_MS;
	sim = po_simclock_new(&clk, (T0_ms - 300) * MS);
	if (!sim)
		return 1;
	for (int i = 0; i < NSCEN; i++) {
		struct scen *s = &sc[i];
		s->rec = calloc(1, sizeof *s->rec);
		if (!s->rec || po_playq_init(&s->q, NULL) < 0)
			return 1;
		s->rec->clock = &clk;
		s->rec->fail_opens_after = s->fail_opens_after;
		s->rec->fail_first_opens = s->fail_first_opens;
		s->rec->open_delay_ns = s->open_delay_ms * MS;
		if (s->fail_write_rel_ms)
			s->rec->fail_write_from_ns = (T0_ms + s->fail_write_rel_ms) * MS;
		po_snapbox_init(&s->box);
		po_snapbox_publish(&s->box, build_snapshot(s, s->items, s->nitems));
		struct po_player_conf pc = {
			.label = s->name, .ops = &rec_ops, .inst = s->rec, .clock = &clk,
			.box = &s->box, .q = &s->q, .send_ahead_ms = AHEAD_MS,
			.keep_open_ms = s->keep_open_ms, .connect_ahead_ms = s->connect_ahead_ms,
		};
		po_simclock_add_thread(sim);
		if (po_player_start(&pc, &s->player, NULL) < 0) {
			po_simclock_cancel_thread(sim);
			return 1;
		}
		s->started = 1;
	}
	/* The plans that change on air (in time order). */
	for (int i = 0; i < NSCEN; i++) {
		if (!sc[i].nitems2)
			continue;
		po_clock_sleep_until_ns(&clk, (T0_ms + sc[i].replan_at_rel_ms) * MS);
		po_snapbox_publish(&sc[i].box, build_snapshot(&sc[i], sc[i].items2, sc[i].nitems2));
	}
	/* The mid-item stop: asked for now, seen by the player when it next
	 * wakes (time moves on while this thread sleeps below). */
	po_clock_sleep_until_ns(&clk, (T0_ms + sc[S_STOP].stop_at_rel_ms) * MS);
	sc[S_STOP].stop_asked_ns = po_clock_now_ns(&clk);
	po_player_request_stop(sc[S_STOP].player);
	/* Everything else has ended by +2.4 s (a44 lasts 2.04 s). */
	po_clock_sleep_until_ns(&clk, (T0_ms + 2400) * MS);
	int nlate = 0;
	for (int i = 0; i < NSCEN; i++) {
		if (sc[i].late)
			nlate++;
		else
			po_player_request_stop(sc[i].player);
	}
	/* Only the late ones sleep on the clock when the wall clock steps. */
	for (int i = 0; i < 10000 && po_simclock_members(sim) > 1 + nlate; i++)
		po_clock_sleep_until_ns(&clk, po_clock_now_ns(&clk) + 10 * MS);
	if (po_simclock_members(sim) > 1 + nlate)
		return 1;
	po_clock_sleep_until_mono_ns(&clk, (T0_ms + 3400) * MS);
	po_simclock_step_wall(sim, STEP_NS);
	po_clock_sleep_until_mono_ns(&clk, (T0_ms + 4400) * MS);
	po_simclock_step_wall(sim, -STEP_NS);
	po_clock_sleep_until_mono_ns(&clk, (T0_ms + 5900) * MS); /* slowopen ends at +5.84 s */
	int nlate2 = 0;
	for (int i = 0; i < NSCEN; i++) {
		if (sc[i].late == 2)
			nlate2++;
		else
			po_player_request_stop(sc[i].player);
	}
	for (int i = 0; i < 10000 && po_simclock_members(sim) > 1 + nlate2; i++)
		po_clock_sleep_until_ns(&clk, po_clock_now_ns(&clk) + 10 * MS);
	if (po_simclock_members(sim) > 1 + nlate2)
		return 1;
	po_clock_sleep_until_mono_ns(&clk, (T0_ms + 6400) * MS);
	po_simclock_step_wall(sim, BIGSTEP_NS);
	po_clock_sleep_until_mono_ns(&clk, (T0_ms + 8000) * MS); /* wall: +9.5 s, item 2 over */
	for (int i = 0; i < NSCEN; i++)
		po_player_request_stop(sc[i].player);
	/* Sleep on, so the players wake and see it, until every one has ended
	 * (bounded: 100 simulated seconds). */
	for (int i = 0; i < 10000 && po_simclock_members(sim) > 1; i++)
		po_clock_sleep_until_ns(&clk, po_clock_now_ns(&clk) + 10 * MS);
	if (po_simclock_members(sim) > 1)
		return 1;
	for (int i = 0; i < NSCEN; i++) {
		po_player_stop(sc[i].player);
		sc[i].player = NULL;
		drain(&sc[i]);
	}
	return 0;
}

static int free_scenarios(void)
{
	for (int i = 0; i < NSCEN; i++) {
		struct scen *s = &sc[i];
		if (!s->started)
			continue;
		po_player_stop(s->player);
		po_snapbox_destroy(&s->box);
		po_playq_destroy(&s->q);
		free(s->rec);
	}
	po_simclock_free(sim);
	sim = NULL;
	po_clock_init(&clk, 0);
	po_mp3_index_unref(fa.ix);
	po_mp3_index_unref(fb.ix);
	free(fa.bytes);
	free(fb.bytes);
	return 0;
}

/* ---- helpers for the checks ----------------------------------------------- */

static const struct ev *first_ev(const struct rec *r, int type, size_t from)
{
	for (size_t i = from; i < r->nev; i++)
		if (r->ev[i].type == type && (type != EV_WRITE || r->ev[i].len))
			return &r->ev[i];
	return NULL;
}

/* The nth message of type, or an all-zero one (type 0) when there is none. */
static const struct po_playq_msg *msg_of(const struct scen *s, int type, size_t nth)
{
	static const struct po_playq_msg none;
	for (size_t i = 0; i < s->nmsg; i++)
		if (s->msg[i].type == type && nth-- == 0)
			return &s->msg[i];
	return &none;
}

/* How many reports of s are not PROGRESS (those come once a second). */
static size_t reports_but_progress(const struct scen *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nmsg; i++)
		n += s->msg[i].type != PO_PLAYQ_PROGRESS;
	return n;
}

/* The one frame of m whose bytes start data, or -1 (none, or not unique). */
static long frame_with_bytes(const struct media *m, const unsigned char *data, size_t len)
{
	long found = -1;
	for (uint32_t k = 0; k < m->ix->nframes; k++) {
		const struct po_mp3_frame *fr = &m->ix->frames[k];
		if (len >= fr->len && memcmp(m->bytes + fr->offset, data, fr->len) == 0) {
			if (found >= 0)
				return -1;
			found = (long)k;
		}
	}
	return found;
}

/* ---- player tests ---------------------------------------------------------- */

static void test_item_bytes_are_the_exact_frames_of_the_file(void)
{
	const struct rec *r = sc[S_BASIC].rec;
	PO_EXPECT_INT(r->n, (size_t)fa.ix->file_size); /* no tags: frames tile the file */
	CU_ASSERT(r->n == (size_t)fa.ix->file_size && memcmp(r->data, fa.bytes, r->n) == 0);
	PO_EXPECT_INT(r->misuse, 0);
}

static void test_first_write_is_at_the_start_instant_not_before(void)
{
	const struct rec *r = sc[S_BASIC].rec;
	const struct ev *w = first_ev(r, EV_WRITE, 0);
	CU_ASSERT_FATAL(w != NULL);
	PO_EXPECT_TIME(w->t_ns / MS, T0_ms);
	PO_EXPECT_INT(w->t_ns, T0_ms * MS);
	/* The first batch is the first send-ahead of audio: every frame due
	 * by +200 ms, no more. */
	struct exp_frame f[256];
	size_t n = expected(&sc[S_BASIC].items[0], f, 256, NULL), k = 0;
	while (k < n && f[k].due_ns <= AHEAD_MS * MS)
		k++;
	PO_EXPECT_INT(w->len, frames_bytes(f, k, NULL));
	/* open and start come before it, at the start instant too. */
	PO_EXPECT_INT(r->ev[0].type, EV_OPEN);
	PO_EXPECT_INT(r->ev[1].type, EV_START);
	PO_EXPECT_INT(r->ev[0].t_ns, T0_ms * MS);
}

static void test_item_lasts_its_audio_duration(void)
{
	const struct scen *s = &sc[S_BASIC];
	const struct rec *r = s->rec;
	int64_t total_ns;
	struct exp_frame f[256];
	expected(&s->items[0], f, 256, &total_ns);
	const struct ev *last = NULL;
	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i].type == EV_WRITE)
			last = &r->ev[i];
	CU_ASSERT_FATAL(last != NULL);
	/* the last frame goes out with the first batch that reaches it */
	PO_EXPECT_INT(last->t_ns, T0_ms * MS + first_wake_from(&fa, INT64_MAX));
	CU_ASSERT(last->t_ns >= T0_ms * MS + due_ns(&fa, fa.ix->nframes - 1) - AHEAD_MS * MS);
	/* stop and close after the audio's end instant */
	const struct ev *stop = first_ev(r, EV_STOP, 0);
	CU_ASSERT_FATAL(stop != NULL);
	PO_EXPECT_INT(stop->t_ns, T0_ms * MS + total_ns);
	PO_EXPECT_INT(r->ev[r->nev - 1].type, EV_CLOSE);
}

static void test_frames_go_out_in_batches_at_most_ten_writes_a_second(void)
{
	const struct scen *s = &sc[S_BASIC];
	const struct rec *r = s->rec;
	int64_t total_ns;
	struct exp_frame f[256];
	expected(&s->items[0], f, 256, &total_ns);
	/* a wake per batch, not per frame (a44: 26 ms frames, 78 of them) */
	size_t nw = count_ev(r, EV_WRITE);
	CU_ASSERT(nw * 1000 * MS <= (size_t)(10 * total_ns + 1000 * MS));
	/* and still paced: no two writes closer than a batch, none further
	 * apart than one */
	int64_t prev = -1;
	for (size_t i = 0; i < r->nev; i++) {
		if (r->ev[i].type != EV_WRITE)
			continue;
		if (prev >= 0)
			PO_EXPECT_INT(r->ev[i].t_mono - prev, BATCH_MS * MS);
		prev = r->ev[i].t_mono;
	}
	CU_ASSERT(nw >= (size_t)((total_ns - AHEAD_MS * MS) / (BATCH_MS * MS)));
}

/* No write may carry a frame due later than its time plus the send-ahead. */
static void check_never_early(const struct scen *s)
{
	const struct rec *r = s->rec;
	struct exp_frame f[512];
	size_t n = 0;
	for (size_t i = 0; i < s->nitems; i++) {
		struct exp_frame fi[256];
		size_t ni = expected(&s->items[i], fi, 256, NULL);
		for (size_t k = 0; k < ni && n < 512; k++) {
			f[n] = fi[k];
			f[n].due_ns += (T0_ms + s->items[i].start_rel_ms) * MS; /* absolute */
			n++;
		}
	}
	/* Only for streams sent from frame 0 without gaps. */
	size_t bytes = 0, k = 0;
	for (size_t i = 0; i < r->nev; i++) {
		if (r->ev[i].type != EV_WRITE || !r->ev[i].len)
			continue;
		bytes += r->ev[i].len;
		size_t due = 0;
		for (k = 0; k < n && f[k].due_ns <= r->ev[i].t_ns + AHEAD_MS * MS; k++)
			due += f[k].m->ix->frames[f[k].k].len;
		CU_ASSERT(bytes <= due);
	}
}

static void test_frames_are_never_sent_before_deadline_minus_send_ahead(void)
{
	check_never_early(&sc[S_BASIC]);
	check_never_early(&sc[S_B2B]);
	check_never_early(&sc[S_GAP]);
	check_never_early(&sc[S_SEGS]);
}

static void test_begin_and_end_messages_carry_the_play(void)
{
	const struct scen *s = &sc[S_BASIC];
	/* BEGIN, a PROGRESS per second on air, END */
	size_t np = (size_t)(first_wake_from(&fa, INT64_MAX) / (1000 * MS));
	PO_EXPECT_INT_FATAL(s->nmsg, 2 + np);
	const struct po_play *b = &s->msg[0].play, *e = &s->msg[s->nmsg - 1].play;
	PO_EXPECT_INT(s->msg[0].type, PO_PLAYQ_BEGIN);
	PO_EXPECT_INT(s->msg[s->nmsg - 1].type, PO_PLAYQ_END);
	for (size_t i = 1; i + 1 < s->nmsg; i++) {
		const struct po_play *g = &s->msg[i].play;
		PO_EXPECT_INT(s->msg[i].type, PO_PLAYQ_PROGRESS);
		PO_EXPECT_STR(g->output, "basic");
		/* about a second apart, each with what went out by then */
		int64_t at = first_wake_from(&fa, (int64_t)i * 1000 * MS);
		PO_EXPECT_INT(g->sent_ms, T0_ms + at / MS);
		PO_EXPECT_INT(g->bytes, prefix_bytes(&fa, frame_at(&fa, at + AHEAD_MS * MS) + 1));
	}
	PO_EXPECT_INT(e->join_ms, 0);
	PO_EXPECT_INT(e->lost_ms, 0);
	/* BEGIN says what the output does: on air, the item's end, the lead */
	const struct po_output_status *bs = &s->msg[0].status;
	PO_EXPECT_STR(bs->state, "on air");
	PO_EXPECT_STR(bs->output, "basic");
	PO_EXPECT_INT(bs->end_ms, T0_ms + due_ns(&fa, fa.ix->nframes) / MS);
	PO_EXPECT_INT(bs->position_ms, 0);
	/* what went out runs ahead by the send-ahead (to the next frame) */
	PO_EXPECT_INT(bs->lead_ms, due_ns(&fa, frame_at(&fa, AHEAD_MS * MS) + 1) / MS);
	for (size_t i = 1; i + 1 < s->nmsg; i++) {
		const struct po_output_status *ps = &s->msg[i].status;
		PO_EXPECT_INT(ps->position_ms, s->msg[i].play.sent_ms - T0_ms);
		CU_ASSERT(ps->lead_ms >= AHEAD_MS && ps->lead_ms <= AHEAD_MS + 27);
	}
	PO_EXPECT_STR(b->output, "basic");
	PO_EXPECT_STR(b->pid, "pid0");
	PO_EXPECT_STR(b->title, "basic item 0");
	PO_EXPECT_STR(b->asset, "a44.mp3");
	PO_EXPECT_INT(b->decision, PLAYOUT_DECISION_EXACT);
	PO_EXPECT_INT(b->scheduled_ms, T0_ms);
	PO_EXPECT_INT(b->started_us, T0_ms * 1000);
	PO_EXPECT_INT(b->start_error_us, 0);
	const struct ev *w = first_ev(s->rec, EV_WRITE, 0);
	CU_ASSERT(w && b->started_us <= w->t_ns / 1000);
	PO_EXPECT_STR(e->outcome, "complete");
	PO_EXPECT_INT(e->bytes, fa.ix->file_size);
	PO_EXPECT_INT(e->started_us, b->started_us);
	PO_EXPECT_TIME(e->ended_ms, T0_ms + due_ns(&fa, fa.ix->nframes) / MS);
	PO_EXPECT_STR(e->pid, "pid0");
	PO_EXPECT_INT(s->q.dropped, 0);
}

static void test_back_to_back_items_share_one_connection(void)
{
	const struct scen *s = &sc[S_B2B];
	const struct rec *r = s->rec;
	PO_EXPECT_INT(count_ev(r, EV_OPEN), 1);
	PO_EXPECT_INT(count_ev(r, EV_START), 2);
	PO_EXPECT_INT(count_ev(r, EV_STOP), 2);
	PO_EXPECT_INT(count_ev(r, EV_CLOSE), 1);
	PO_EXPECT_INT(r->ev[r->nev - 1].type, EV_CLOSE);
	PO_EXPECT_INT(r->misuse, 0);
	PO_EXPECT_INT_FATAL(s->nmsg, 4);
	PO_EXPECT_INT(msg_of(s, PO_PLAYQ_BEGIN, 1)->play.scheduled_ms, T0_ms + 500);
	PO_EXPECT_STR(msg_of(s, PO_PLAYQ_END, 0)->play.outcome, "cut");
	PO_EXPECT_STR(msg_of(s, PO_PLAYQ_END, 1)->play.outcome, "cut");
	/* the second item starts at its instant, not when the first was sent */
	const struct po_play *b2 = &msg_of(s, PO_PLAYQ_BEGIN, 1)->play;
	PO_EXPECT_INT(b2->start_error_us, 0);
}

/* Every frame of s goes out with the first batch at or after its deadline
 * minus the send-ahead on the monotonic clock, the batches a batch apart
 * from the first start instant on, and the next item's first frame a
 * send-ahead before its instant: the stream keeps between send_ahead_ms
 * and send_ahead_ms less a batch of lead, no burst, no stall. */
static void check_lead(const struct scen *s, size_t nframes)
{
	const struct rec *r = s->rec;
	int64_t t0 = (T0_ms + s->items[0].start_rel_ms) * MS; /* mono == wall then */
	int64_t last_wake = INT64_MIN;
	size_t sent = 0, w = 0, checked = 0;
	for (size_t i = 0; i < s->nitems; i++) {
		struct exp_frame f[256];
		int64_t at[256];
		size_t n = expected(&s->items[i], f, 256, NULL);
		int64_t item_ns = t0 + (s->items[i].start_rel_ms - s->items[0].start_rel_ms) * MS;
		int64_t w0 = i == 0 ? 0 : -AHEAD_MS * MS;
		if (i > 0 && last_wake - item_ns > w0)
			w0 = last_wake - item_ns;
		last_wake = item_ns + wakes_of(f, n, w0, at);
		for (size_t k = 0; k < n; k++) {
			sent += f[k].m->ix->frames[f[k].k].len;
			/* the write that carried the frame's last byte */
			while (w < r->nev && (r->ev[w].type != EV_WRITE ||
					      r->ev[w].at + r->ev[w].len < sent))
				w++;
			CU_ASSERT_FATAL(w < r->nev);
			PO_EXPECT_INT(r->ev[w].t_mono, item_ns + at[k]);
			checked++;
		}
	}
	PO_EXPECT_INT(checked, nframes);
	PO_EXPECT_INT(r->n, sent);
}

static void test_junction_keeps_the_send_ahead(void)
{
	const struct scen *s = &sc[S_B2B];
	check_lead(s, 40);
	/* the first frame of the second item left with the batch that
	 * reached it: the whole send-ahead before its instant */
	const struct po_play *b2 = &msg_of(s, PO_PLAYQ_BEGIN, 1)->play;
	PO_EXPECT_INT(b2->started_us, (T0_ms + 500) * 1000);
}

static void test_wall_clock_steps_neither_burst_nor_stall(void)
{
	const struct scen *s = &sc[S_STEP];
	/* 1000 ms of a: 39 frames of 26.1 ms, twice; one connection */
	check_lead(s, 78);
	PO_EXPECT_INT(count_ev(s->rec, EV_OPEN), 1);
	PO_EXPECT_INT(s->rec->misuse, 0);
	PO_EXPECT_INT_FATAL(reports_but_progress(s), 4);
	PO_EXPECT_STR(msg_of(s, PO_PLAYQ_END, 0)->play.outcome, "cut");
	PO_EXPECT_STR(msg_of(s, PO_PLAYQ_END, 1)->play.outcome, "cut");
	/* within the limit, the second item follows the first seamlessly */
	PO_EXPECT_INT(msg_of(s, PO_PLAYQ_BEGIN, 1)->play.start_error_us, 0);
	/* the wall clock was 300 ms ahead during the first frames after the
	 * step: the writes read it, the pacing did not follow it */
	const struct ev *w = NULL;
	for (size_t i = 0; i < s->rec->nev && !w; i++)
		if (s->rec->ev[i].type == EV_WRITE && s->rec->ev[i].t_mono > (T0_ms + 3400) * MS)
			w = &s->rec->ev[i];
	CU_ASSERT_FATAL(w != NULL);
	PO_EXPECT_INT(w->t_ns - w->t_mono, STEP_NS);
}

static void test_wall_clock_step_beyond_the_limit_moves_the_next_item(void)
{
	const struct scen *s = &sc[S_BIGSTEP];
	const struct rec *r = s->rec;
	int64_t m0 = (T0_ms + 6000) * MS; /* item 1's start, mono == wall then */
	/* item 1 plays on at its pace on the monotonic clock: every frame at
	 * its deadline minus the send-ahead, none in a burst at the step */
	struct exp_frame f[64];
	int64_t at[64];
	size_t n = expected(&s->items[0], f, 64, NULL), sent = 0, w = 0;
	PO_EXPECT_INT_FATAL(n, 39);
	wakes_of(f, n, 0, at);
	for (size_t k = 0; k < n; k++) {
		sent += f[k].m->ix->frames[f[k].k].len;
		while (w < r->nev && (r->ev[w].type != EV_WRITE || r->ev[w].at + r->ev[w].len < sent))
			w++;
		CU_ASSERT_FATAL(w < r->nev);
		PO_EXPECT_INT(r->ev[w].t_mono, m0 + at[k]);
	}
	PO_EXPECT_INT_FATAL(reports_but_progress(s), 4);
	PO_EXPECT_STR(msg_of(s, PO_PLAYQ_END, 0)->play.outcome, "cut");
	/* item 2 starts on the new time: its first write leaves when item 1's
	 * tail ends (+6.8 s monotonic), when the wall clock reads +8.3 s,
	 * 1.3 s into item 2: it joins at the frame due then (a join: no start
	 * error, where it joined plus how late that frame went is 1.3 s) */
	const struct po_play *b2 = &msg_of(s, PO_PLAYQ_BEGIN, 1)->play;
	PO_EXPECT_INT(b2->start_error_us, 0);
	CU_ASSERT(llabs(b2->join_ms * 1000 + b2->join_delay_us - 1300000) < 1000);
	CU_ASSERT_PTR_NOT_NULL(strstr(b2->detail, "joined at +00:01"));
	w++;
	while (w < r->nev && (r->ev[w].type != EV_WRITE || !r->ev[w].len))
		w++;
	CU_ASSERT_FATAL(w < r->nev);
	PO_EXPECT_INT(r->ev[w].t_mono, m0 + 800 * MS);
	PO_EXPECT_INT(r->ev[w].t_ns - r->ev[w].t_mono, BIGSTEP_NS);
	PO_EXPECT_INT(r->ev[w].at, sent);
	long k = frame_with_bytes(&fa, r->data + r->ev[w].at, r->ev[w].len);
	PO_EXPECT_INT(k, frame_at(&fa, 1300 * MS));
	PO_EXPECT_INT(count_ev(r, EV_OPEN), 1);
}

static void test_connect_ahead_beyond_a_second_and_a_refusal_retried_at_once(void)
{
	const struct scen *s = &sc[S_EARLY];
	const struct rec *r = s->rec;
	PO_EXPECT_INT_FATAL(count_ev(r, EV_OPEN), 2);
	const struct ev *o1 = first_ev(r, EV_OPEN, 0), *o2 = first_ev(r, EV_OPEN, 1);
	CU_ASSERT_FATAL(o1 && o2);
	/* both at connect_ahead_ms before the start: the refusal is retried
	 * at once, not a second later nor at the start */
	PO_EXPECT_INT(o1->t_mono, (T0_ms + 1500) * MS);
	PO_EXPECT_INT(o2->t_mono, (T0_ms + 1500) * MS);
	const struct ev *w = first_ev(r, EV_WRITE, 0);
	CU_ASSERT_FATAL(w != NULL);
	PO_EXPECT_INT(w->t_mono, (T0_ms + 3000) * MS);
	PO_EXPECT_INT(r->n, (size_t)fa.ix->file_size);
	PO_EXPECT_INT(msg_of(s, PO_PLAYQ_BEGIN, 0)->play.start_error_us, 0);
	PO_EXPECT_STR(msg_of(s, PO_PLAYQ_END, 0)->play.outcome, "complete");
	PO_EXPECT_INT(r->misuse, 0);
}

static void test_slow_connect_begun_in_time_skips_no_audio(void)
{
	const struct scen *s = &sc[S_SLOWOPEN];
	const struct rec *r = s->rec;
	PO_EXPECT_INT_FATAL(count_ev(r, EV_OPEN), 1);
	PO_EXPECT_INT(first_ev(r, EV_OPEN, 0)->t_mono, (T0_ms + 2700) * MS);
	const struct ev *w = first_ev(r, EV_WRITE, 0);
	CU_ASSERT_FATAL(w != NULL);
	/* connected 1.5 s late: the item goes out whole from its first frame */
	PO_EXPECT_INT(w->t_mono, (T0_ms + 4500) * MS);
	PO_EXPECT_INT(r->n, (size_t)fa.ix->file_size);
	CU_ASSERT(r->n == (size_t)fa.ix->file_size && memcmp(r->data, fa.bytes, r->n) == 0);
	const struct po_play *b = &msg_of(s, PO_PLAYQ_BEGIN, 0)->play;
	PO_EXPECT_INT(b->start_error_us, 1500000);
	CU_ASSERT_PTR_NULL(strstr(b->detail, "joined"));
	PO_EXPECT_STR(msg_of(s, PO_PLAYQ_END, 0)->play.outcome, "complete");
}

static void test_end_ms_cuts_before_the_first_frame_due_at_or_after_it(void)
{
	const struct scen *s = &sc[S_B2B];
	struct exp_frame f[256];
	size_t n = expected(&s->items[0], f, 256, NULL);
	/* 500 ms at 26.122 ms a frame: frames 0..19 (19 starts at 496.3 ms) */
	PO_EXPECT_INT(n, 20);
	static unsigned char want[2 * 20 * 420];
	size_t len = frames_bytes(f, n, want);
	memcpy(want + len, want, len);
	PO_EXPECT_INT(s->rec->n, 2 * len);
	CU_ASSERT(s->rec->n == 2 * len && memcmp(s->rec->data, want, 2 * len) == 0);
	PO_EXPECT_INT(msg_of(s, PO_PLAYQ_END, 0)->play.bytes, (int64_t)len);
	/* the cut item ends at end_ms, not at the end of its last frame */
	PO_EXPECT_TIME(msg_of(s, PO_PLAYQ_END, 0)->play.ended_ms, T0_ms + 500);
}

static void test_gap_longer_than_keep_open_closes_and_reopens(void)
{
	const struct scen *s = &sc[S_GAP];
	const struct rec *r = s->rec;
	static const int want[] = { EV_OPEN, EV_START, EV_WRITE, EV_STOP, EV_CLOSE,
				    EV_OPEN, EV_START, EV_WRITE, EV_STOP, EV_CLOSE };
	size_t w = 0;
	for (size_t i = 0; i < r->nev && w < 10; i++) {
		if (r->ev[i].type == EV_WRITE && w > 0 && want[w - 1] == EV_WRITE)
			continue;
		PO_EXPECT_INT(r->ev[i].type, want[w]);
		w++;
	}
	PO_EXPECT_INT(w, 10);
	PO_EXPECT_INT(count_ev(r, EV_OPEN), 2);
	const struct ev *c1 = first_ev(r, EV_CLOSE, 0);
	const struct ev *o2 = first_ev(r, EV_OPEN, 1);
	CU_ASSERT_FATAL(c1 && o2);
	PO_EXPECT_INT(c1->t_ns, (T0_ms + 400) * MS); /* closed at the first end */
	PO_EXPECT_INT(o2->t_ns, (T0_ms + 900) * MS); /* reopened at the second start */
	PO_EXPECT_INT(r->misuse, 0);
}

static void test_write_error_reconnects_and_resumes_by_the_clock(void)
{
	const struct scen *s = &sc[S_RECONNECT];
	const struct rec *r = s->rec;
	PO_EXPECT_INT(count_ev(r, EV_OPEN), 2);
	PO_EXPECT_INT(count_ev(r, EV_CLOSE), 2);
	PO_EXPECT_INT(r->misuse, 0);
	const struct ev *o2 = first_ev(r, EV_OPEN, 1);
	CU_ASSERT_FATAL(o2 != NULL);
	const struct ev *w2 = first_ev(r, EV_WRITE, (size_t)(o2 - r->ev));
	CU_ASSERT_FATAL(w2 != NULL);
	/* reopened 1 s after the first write at or after +400 ms failed */
	int64_t sent_rel;
	int64_t failed_rel = wake_from(&fa, 400 * MS, &sent_rel);
	CU_ASSERT_FATAL(sent_rel >= 0);
	int64_t reopen_rel = o2->t_ns - T0_ms * MS;
	PO_EXPECT_INT(reopen_rel, failed_rel + 1000 * MS);
	/* the first frame after the reconnect is the one due then */
	long k = frame_with_bytes(&fa, r->data + w2->at, w2->len);
	CU_ASSERT_FATAL(k > 0);
	int64_t rel = w2->t_ns - T0_ms * MS;
	PO_EXPECT_INT(rel, reopen_rel);
	PO_EXPECT_INT(k, frame_at(&fa, rel));
	/* what went out: a prefix of the file, then its tail from frame k */
	const struct po_mp3_frame *fk = &fa.ix->frames[k];
	size_t tail = (size_t)fa.ix->file_size - fk->offset;
	PO_EXPECT_INT_FATAL(w2->at + tail, r->n);
	PO_EXPECT_INT(memcmp(r->data, fa.bytes, w2->at), 0);
	PO_EXPECT_INT(memcmp(r->data + w2->at, fa.bytes + fk->offset, tail), 0);
	/* before the failure: every frame due by the wake before it plus the
	 * send-ahead, the batch that failed not included */
	uint32_t nsent = frame_at(&fa, sent_rel + AHEAD_MS * MS) + 1;
	PO_EXPECT_INT(w2->at, prefix_bytes(&fa, nsent));
	const struct po_playq_msg *e = msg_of(s, PO_PLAYQ_END, 0);
	PO_EXPECT_INT_FATAL(e->type, PO_PLAYQ_END);
	/* frames from the one that failed to frame k never went out */
	int64_t failed_pos = due_ns(&fa, nsent);
	int64_t lost_ms = (due_ns(&fa, (uint32_t)k) - failed_pos) / MS;
	CU_ASSERT(lost_ms > 700); /* 1 s down, less the send-ahead */
	PO_EXPECT_STR(e->play.outcome, "partial");
	CU_ASSERT_PTR_NOT_NULL(strstr(e->play.detail, "1 reconnect"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e->play.detail, " s in 1 outage"));
	PO_EXPECT_INT(e->play.lost_ms, lost_ms);
	PO_EXPECT_INT(e->play.join_ms, 0);
	PO_EXPECT_INT(e->play.bytes, (int64_t)r->n);
	/* the outage, posted when the output came back */
	const struct po_playq_msg *g = msg_of(s, PO_PLAYQ_GAP, 0);
	PO_EXPECT_INT_FATAL(g->type, PO_PLAYQ_GAP);
	PO_EXPECT_INT(msg_of(s, PO_PLAYQ_GAP, 1)->type, 0);
	PO_EXPECT_INT(g->gap.at_ms, T0_ms + failed_rel / MS);
	PO_EXPECT_INT(g->gap.length_ms, 1000);
	PO_EXPECT_INT(g->gap.skipped_ms, lost_ms);
	PO_EXPECT_INT(g->gap.resume_delay_us, (rel - due_ns(&fa, (uint32_t)k)) / 1000);
	CU_ASSERT(g->gap.reason[0] != '\0');
	CU_ASSERT(g < e); /* before the END */
	/* reports that carry no status carry an empty one, not stack bytes */
	PO_EXPECT_STR(g->status.last_error, "");
	PO_EXPECT_STR(e->status.state, "");
	PO_EXPECT_STR(e->gap.reason, "");
}

static void test_output_down_until_item_end_reports_partial_down_to_the_end(void)
{
	const struct scen *s = &sc[S_DOWN];
	const struct rec *r = s->rec;
	/* item of 1.2 s; write fails at +300 ms; retries at ~+1.3 s are past its end */
	PO_EXPECT_INT(count_ev(r, EV_OPEN), 1);
	PO_EXPECT_INT(count_ev(r, EV_CLOSE), 1);
	PO_EXPECT_INT(r->misuse, 0);
	PO_EXPECT_INT(r->open, 0);
	const struct po_playq_msg *e = msg_of(s, PO_PLAYQ_END, 0);
	PO_EXPECT_INT_FATAL(e->type, PO_PLAYQ_END);
	/* audio went out until +300 ms: partial, with the rest lost */
	PO_EXPECT_STR(e->play.outcome, "partial");
	CU_ASSERT_PTR_NOT_NULL(strstr(e->play.detail, "down to the end: rec:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e->play.detail, " s in 1 outage"));
	CU_ASSERT(e->play.lost_ms >= 1200 - 300 - AHEAD_MS - 250 && e->play.lost_ms <= 900);
	PO_EXPECT_TIME(e->play.ended_ms, T0_ms + 1200);
	PO_EXPECT_INT(e->play.bytes, (int64_t)r->n);
}

static void test_output_refusing_at_start_opens_later_at_the_clock_position(void)
{
	const struct scen *s = &sc[S_OPENLATE];
	const struct rec *r = s->rec;
	PO_EXPECT_INT(count_ev(r, EV_OPEN), 2);
	PO_EXPECT_INT(r->misuse, 0);
	const struct ev *w = first_ev(r, EV_WRITE, 0);
	CU_ASSERT_FATAL(w != NULL);
	int64_t rel = w->t_ns - T0_ms * MS;
	PO_EXPECT_INT(rel, 1000 * MS); /* retried 1 s later */
	long k = frame_with_bytes(&fa, r->data, w->len);
	CU_ASSERT_FATAL(k > 0);
	PO_EXPECT_INT(k, frame_at(&fa, rel));
	PO_EXPECT_INT(r->n, (size_t)fa.ix->file_size - fa.ix->frames[k].offset);
	/* the play's row opened at the first try, nothing sent yet */
	const struct po_playq_msg *b0 = msg_of(s, PO_PLAYQ_BEGIN, 0);
	PO_EXPECT_INT_FATAL(b0->type, PO_PLAYQ_BEGIN);
	PO_EXPECT_INT(b0->play.started_us, 0);
	PO_EXPECT_INT(b0->play.join_ms, 0);
	const struct po_playq_msg *b = msg_of(s, PO_PLAYQ_BEGIN, 1);
	PO_EXPECT_INT_FATAL(b->type, PO_PLAYQ_BEGIN);
	CU_ASSERT(b0 < b);
	/* not a start: no start error, but where it joined and how late */
	PO_EXPECT_INT(b->play.start_error_us, 0);
	PO_EXPECT_INT(b->play.join_ms, due_ns(&fa, (uint32_t)k) / MS);
	PO_EXPECT_INT(b->play.join_delay_us, (rel - due_ns(&fa, (uint32_t)k)) / 1000);
	/* the output was listed as down from its first try, with the item */
	const struct po_playq_msg *d = msg_of(s, PO_PLAYQ_STATUS, 0);
	PO_EXPECT_INT_FATAL(d->type, PO_PLAYQ_STATUS);
	CU_ASSERT(d < b);
	PO_EXPECT_STR(d->status.state, "down");
	PO_EXPECT_INT(d->status.since_ms, T0_ms);
	CU_ASSERT(d->status.last_error[0] != '\0');
	PO_EXPECT_STR(d->play.pid, b->play.pid);
	const struct po_playq_msg *g = msg_of(s, PO_PLAYQ_GAP, 0);
	PO_EXPECT_INT_FATAL(g->type, PO_PLAYQ_GAP);
	CU_ASSERT(g > b); /* after its BEGIN */
	PO_EXPECT_INT(g->gap.at_ms, T0_ms);
	PO_EXPECT_INT(g->gap.length_ms, 1000);
	PO_EXPECT_INT(g->gap.skipped_ms, due_ns(&fa, (uint32_t)k) / MS);
	const struct po_play *e = &msg_of(s, PO_PLAYQ_END, 0)->play;
	PO_EXPECT_STR(e->outcome, "partial");
	PO_EXPECT_INT(e->lost_ms, g->gap.skipped_ms);
}

static void test_stop_mid_item_reports_interrupted_and_closes(void)
{
	const struct scen *s = &sc[S_STOP];
	const struct rec *r = s->rec;
	CU_ASSERT_FATAL(r->nev >= 2);
	/* seen at the player's next wake after +550 ms (between two batches,
	 * not at the instant of one), which closes at once */
	int64_t sent_rel;
	int64_t seen_rel = wake_from(&fa, 550 * MS, &sent_rel);
	PO_EXPECT_INT(s->stop_asked_ns, (T0_ms + 550) * MS);
	PO_EXPECT_INT(r->ev[r->nev - 1].t_ns, T0_ms * MS + seen_rel);
	CU_ASSERT(seen_rel - 550 * MS < 200 * MS); /* within one sleep slice */
	PO_EXPECT_INT_FATAL(s->nmsg, 2);
	const struct po_play *e = &msg_of(s, PO_PLAYQ_END, 0)->play;
	PO_EXPECT_STR(e->outcome, "interrupted");
	PO_EXPECT_TIME(e->ended_ms, T0_ms + seen_rel / MS);
	CU_ASSERT(r->nev >= 2);
	PO_EXPECT_INT(r->ev[r->nev - 2].type, EV_STOP);
	PO_EXPECT_INT(r->ev[r->nev - 1].type, EV_CLOSE);
	/* what was due by the last wake before it, plus the send-ahead */
	PO_EXPECT_INT(r->n, prefix_bytes(&fa, frame_at(&fa, sent_rel + AHEAD_MS * MS) + 1));
	PO_EXPECT_INT(e->bytes, (int64_t)r->n);
	PO_EXPECT_INT(memcmp(r->data, fa.bytes, r->n), 0);
}

static void test_joined_late_item_starts_at_the_frame_due_now(void)
{
	const struct scen *s = &sc[S_LATE];
	const struct rec *r = s->rec;
	int64_t start_ns = (T0_ms - 1800) * MS;
	const struct ev *w = first_ev(r, EV_WRITE, 0);
	CU_ASSERT_FATAL(w != NULL);
	long k = frame_with_bytes(&fa, r->data, w->len);
	CU_ASSERT_FATAL(k > 0);
	/* the player starts 300 ms before T0: 1.5 s into the item */
	PO_EXPECT_INT(w->t_ns, (T0_ms - 300) * MS);
	PO_EXPECT_INT(k, frame_at(&fa, w->t_ns - start_ns));
	const struct po_mp3_frame *fk = &fa.ix->frames[k];
	PO_EXPECT_INT(r->n, (size_t)fa.ix->file_size - fk->offset);
	PO_EXPECT_INT(memcmp(r->data, fa.bytes + fk->offset, r->n), 0);
	const struct po_playq_msg *b = msg_of(s, PO_PLAYQ_BEGIN, 0);
	const struct po_playq_msg *e = msg_of(s, PO_PLAYQ_END, 0);
	CU_ASSERT_FATAL(b->type == PO_PLAYQ_BEGIN && e->type == PO_PLAYQ_END);
	PO_EXPECT_INT(b->play.scheduled_ms, T0_ms - 1800);
	/* a join, not a start: where and how late, no start error */
	PO_EXPECT_INT(b->play.start_error_us, 0);
	PO_EXPECT_INT(b->play.join_ms, due_ns(&fa, (uint32_t)k) / MS);
	PO_EXPECT_INT(b->play.join_delay_us, (w->t_ns - start_ns - due_ns(&fa, (uint32_t)k)) / 1000);
	CU_ASSERT(b->play.join_delay_us >= 0 && b->play.join_delay_us < 30000);
	CU_ASSERT_PTR_NOT_NULL(strstr(b->play.detail, "joined at +00:01"));
	PO_EXPECT_STR(e->play.outcome, "partial");
	PO_EXPECT_INT(e->play.lost_ms, 0);
	PO_EXPECT_INT(msg_of(s, PO_PLAYQ_GAP, 0)->type, 0);
}

static void test_segments_at_two_sample_rates_play_in_order_on_time(void)
{
	const struct scen *s = &sc[S_SEGS];
	const struct rec *r = s->rec;
	struct exp_frame f[64];
	int64_t total_ns;
	size_t n = expected(&s->items[0], f, 64, &total_ns);
	PO_EXPECT_INT_FATAL(n, 35);
	static unsigned char want[64 * 420];
	size_t len = frames_bytes(f, n, want);
	PO_EXPECT_INT(r->n, len);
	CU_ASSERT(r->n == len && memcmp(r->data, want, len) == 0);
	/* 15 frames of 1152/44100 s then 20 of 24 ms, rounded once per segment */
	PO_EXPECT_INT(total_ns, 15 * 1152 * 1000000000LL / 44100 + 20 * 24000000LL);
	const struct po_play *e = &msg_of(s, PO_PLAYQ_END, 0)->play;
	PO_EXPECT_STR(e->outcome, "complete");
	PO_EXPECT_TIME(e->ended_ms, T0_ms + total_ns / MS);
	PO_EXPECT_INT(count_ev(r, EV_OPEN), 1);
}

static void test_new_item_in_a_new_plan_cuts_the_one_on_air(void)
{
	const struct scen *s = &sc[S_NEWCUT];
	struct exp_frame f[128];
	size_t n1 = expected(&s->items2[0], f, 128, NULL);
	size_t n2 = expected(&s->items2[1], f + n1, 128 - n1, NULL);
	static unsigned char want[128 * 420];
	size_t len = frames_bytes(f, n1 + n2, want);
	/* 600 ms of a (23 frames of 26.1 ms), then 400 ms of b (17 of 24 ms) */
	PO_EXPECT_INT(n1, 23);
	PO_EXPECT_INT(n2, 17);
	PO_EXPECT_INT(s->rec->n, len);
	CU_ASSERT(s->rec->n == len && memcmp(s->rec->data, want, len) == 0);
	const struct po_play *e0 = &msg_of(s, PO_PLAYQ_END, 0)->play;
	PO_EXPECT_STR(e0->outcome, "cut");
	CU_ASSERT_PTR_NOT_NULL(strstr(e0->detail, "end moved to"));
	const struct po_play *b1 = &msg_of(s, PO_PLAYQ_BEGIN, 1)->play;
	PO_EXPECT_INT(b1->scheduled_ms, T0_ms + 600);
	PO_EXPECT_INT(b1->start_error_us, 0);
	PO_EXPECT_INT(count_ev(s->rec, EV_OPEN), 1); /* the same connection */
}

static void test_join_formed_on_air_continues_into_the_second_half(void)
{
	const struct scen *s = &sc[S_NEWJOIN];
	struct exp_frame f[64];
	size_t n = expected(&s->items2[0], f, 64, NULL);
	static unsigned char want[64 * 420];
	size_t len = frames_bytes(f, n, want);
	PO_EXPECT_INT(n, 40);
	PO_EXPECT_INT(s->rec->n, len);
	CU_ASSERT(s->rec->n == len && memcmp(s->rec->data, want, len) == 0);
	PO_EXPECT_STR(msg_of(s, PO_PLAYQ_END, 0)->play.outcome, "complete");
	PO_EXPECT_INT(msg_of(s, PO_PLAYQ_BEGIN, 1)->type, 0); /* one play, not two */
}

/* ---- playq and snapshot ------------------------------------------------- */

static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, 0) == 1;
}

static void test_playq_drops_new_messages_when_full_and_counts_them(void)
{
	static struct po_playq q;
	PO_EXPECT_INT_FATAL(po_playq_init(&q, NULL), 0);
	struct po_playq_msg m;
	memset(&m, 0, sizeof m);
	for (int i = 0; i < PO_PLAYQ_LEN + 5; i++) {
		m.type = PO_PLAYQ_BEGIN;
		m.play.bytes = i;
		po_playq_post(&q, &m);
	}
	PO_EXPECT_INT(q.dropped, 5);
	for (int i = 0; i < PO_PLAYQ_LEN; i++) {
		PO_EXPECT_INT(po_playq_take(&q, &m), 1);
		PO_EXPECT_INT(m.play.bytes, i); /* oldest first; the new ones were dropped */
	}
	PO_EXPECT_INT(po_playq_take(&q, &m), 0);
	po_playq_destroy(&q);
}

static void test_playq_eventfd_is_readable_until_drained(void)
{
	static struct po_playq q;
	PO_EXPECT_INT_FATAL(po_playq_init(&q, NULL), 0);
	struct po_playq_msg m, out;
	memset(&m, 0, sizeof m);
	CU_ASSERT(!readable(q.efd));
	m.type = PO_PLAYQ_BEGIN;
	po_playq_post(&q, &m);
	m.type = PO_PLAYQ_END;
	po_playq_post(&q, &m);
	CU_ASSERT(readable(q.efd));
	PO_EXPECT_INT(po_playq_take(&q, &out), 1);
	PO_EXPECT_INT(out.type, PO_PLAYQ_BEGIN);
	CU_ASSERT(readable(q.efd)); /* one still waits */
	PO_EXPECT_INT(po_playq_take(&q, &out), 1);
	PO_EXPECT_INT(out.type, PO_PLAYQ_END);
	CU_ASSERT(!readable(q.efd));
	/* a wrap-around keeps order */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < PO_PLAYQ_LEN - 1; i++) {
			m.play.bytes = i;
			po_playq_post(&q, &m);
		}
		for (int i = 0; i < PO_PLAYQ_LEN - 1; i++)
			CU_ASSERT(po_playq_take(&q, &out) == 1 && out.play.bytes == i);
	}
	CU_ASSERT(!readable(q.efd));
	PO_EXPECT_INT(q.dropped, 0);
	po_playq_destroy(&q);
}

static void test_snapbox_publish_bumps_gen_and_releases_old_snapshot(void)
{
	struct po_snapbox b;
	po_snapbox_init(&b);
	uint64_t gen = 99;
	CU_ASSERT_PTR_NULL(po_snapbox_get(&b, &gen));
	PO_EXPECT_INT(gen, 0);
	struct po_snapshot *s1 = po_snapshot_new(1), *s2 = po_snapshot_new(0);
	CU_ASSERT_FATAL(s1 && s2);
	po_snapbox_publish(&b, s1);
	struct po_snapshot *got = po_snapbox_get(&b, &gen);
	CU_ASSERT_PTR_EQUAL(got, s1);
	PO_EXPECT_INT(gen, 1);
	PO_EXPECT_INT(s1->refs, 2);
	po_snapbox_publish(&b, s2);
	PO_EXPECT_INT(s1->refs, 1); /* the box let go; our reference keeps it */
	po_snapshot_unref(got);
	got = po_snapbox_get(&b, &gen);
	CU_ASSERT_PTR_EQUAL(got, s2);
	PO_EXPECT_INT(gen, 2);
	po_snapshot_unref(got);
	po_snapbox_destroy(&b);
}

static void test_snapshot_unref_frees_paths_and_releases_indexes(void)
{
	CU_ASSERT_FATAL(fa.ix != NULL);
	int before = fa.ix->refs;
	struct po_snapshot *s = po_snapshot_new(2);
	CU_ASSERT_FATAL(s != NULL);
	PO_EXPECT_INT(s->n, 2);
	PO_EXPECT_INT(s->v[1].item.nseg, 0);
	s->v[0].path[0] = strdup(fa.path);
	s->v[0].idx[0] = po_mp3_index_ref(fa.ix);
	s->v[1].path[1] = strdup(fa.path);
	s->v[1].idx[1] = po_mp3_index_ref(fa.ix);
	PO_EXPECT_INT(fa.ix->refs, before + 2);
	CU_ASSERT_PTR_EQUAL(po_snapshot_ref(s), s);
	po_snapshot_unref(s);
	PO_EXPECT_INT(fa.ix->refs, before + 2);
	po_snapshot_unref(s); /* LeakSanitizer checks the paths */
	PO_EXPECT_INT(fa.ix->refs, before);
	po_snapshot_unref(NULL);
}

static void test_player_start_refuses_missing_ops(void)
{
	struct playout_output_ops none = { 0 };
	struct po_snapbox b;
	struct po_playq q;
	po_snapbox_init(&b);
	PO_EXPECT_INT_FATAL(po_playq_init(&q, NULL), 0);
	struct po_player_conf pc = { .label = "nullout", .ops = &none, .clock = &clk, .box = &b, .q = &q };
	struct po_player *p = (struct po_player *)&pc;
	struct playout_error err = { 0, "" };
	PO_EXPECT_INT(po_player_start(&pc, &p, &err), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "nullout"));
	po_player_stop(NULL);
	po_playq_destroy(&q);
	po_snapbox_destroy(&b);
}

static const struct po_test player_tests[] = {
	{ "test_item_bytes_are_the_exact_frames_of_the_file", test_item_bytes_are_the_exact_frames_of_the_file },
	{ "test_first_write_is_at_the_start_instant_not_before", test_first_write_is_at_the_start_instant_not_before },
	{ "test_frames_go_out_in_batches_at_most_ten_writes_a_second", test_frames_go_out_in_batches_at_most_ten_writes_a_second },
	{ "test_item_lasts_its_audio_duration", test_item_lasts_its_audio_duration },
	{ "test_frames_are_never_sent_before_deadline_minus_send_ahead", test_frames_are_never_sent_before_deadline_minus_send_ahead },
	{ "test_begin_and_end_messages_carry_the_play", test_begin_and_end_messages_carry_the_play },
	{ "test_back_to_back_items_share_one_connection", test_back_to_back_items_share_one_connection },
	{ "test_junction_keeps_the_send_ahead", test_junction_keeps_the_send_ahead },
	{ "test_wall_clock_steps_neither_burst_nor_stall", test_wall_clock_steps_neither_burst_nor_stall },
	{ "test_wall_clock_step_beyond_the_limit_moves_the_next_item", test_wall_clock_step_beyond_the_limit_moves_the_next_item },
	{ "test_connect_ahead_beyond_a_second_and_a_refusal_retried_at_once", test_connect_ahead_beyond_a_second_and_a_refusal_retried_at_once },
	{ "test_slow_connect_begun_in_time_skips_no_audio", test_slow_connect_begun_in_time_skips_no_audio },
	{ "test_end_ms_cuts_before_the_first_frame_due_at_or_after_it", test_end_ms_cuts_before_the_first_frame_due_at_or_after_it },
	{ "test_gap_longer_than_keep_open_closes_and_reopens", test_gap_longer_than_keep_open_closes_and_reopens },
	{ "test_write_error_reconnects_and_resumes_by_the_clock", test_write_error_reconnects_and_resumes_by_the_clock },
	{ "test_output_down_until_item_end_reports_partial_down_to_the_end", test_output_down_until_item_end_reports_partial_down_to_the_end },
	{ "test_output_refusing_at_start_opens_later_at_the_clock_position", test_output_refusing_at_start_opens_later_at_the_clock_position },
	{ "test_stop_mid_item_reports_interrupted_and_closes", test_stop_mid_item_reports_interrupted_and_closes },
	{ "test_joined_late_item_starts_at_the_frame_due_now", test_joined_late_item_starts_at_the_frame_due_now },
	{ "test_segments_at_two_sample_rates_play_in_order_on_time", test_segments_at_two_sample_rates_play_in_order_on_time },
	{ "test_new_item_in_a_new_plan_cuts_the_one_on_air", test_new_item_in_a_new_plan_cuts_the_one_on_air },
	{ "test_join_formed_on_air_continues_into_the_second_half", test_join_formed_on_air_continues_into_the_second_half },
	{ "test_snapshot_unref_frees_paths_and_releases_indexes", test_snapshot_unref_frees_paths_and_releases_indexes },
	{ "test_player_start_refuses_missing_ops", test_player_start_refuses_missing_ops },
	{ NULL, NULL },
};

static const struct po_test queue_tests[] = {
	{ "test_playq_drops_new_messages_when_full_and_counts_them", test_playq_drops_new_messages_when_full_and_counts_them },
	{ "test_playq_eventfd_is_readable_until_drained", test_playq_eventfd_is_readable_until_drained },
	{ "test_snapbox_publish_bumps_gen_and_releases_old_snapshot", test_snapbox_publish_bumps_gen_and_releases_old_snapshot },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "playq", queue_tests, NULL, NULL },
	{ "player", player_tests, run_scenarios, free_scenarios },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_player", suites);
}
