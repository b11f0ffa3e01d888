/*
 * The PCM path of re-encoding outputs: pcm_shape.c (gain, fades, the cut at
 * the sample), pcm_source.c (decode and resample) and player_pcm.c through
 * the player on a simulated clock (simclock.h), with a stand-in encoder
 * that writes the samples it is given as they are, framed so the test can
 * read back every item's samples, titles and flushes from what the output
 * received.
 */
#include "runner.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "diag.h"
#include "enc.h"
#include "mp3.h"
#include "pcm_shape.h"
#include "pcm_source.h"
#include "player.h"
#include "player_pcm.h"
#include "runtime.h"
#include "simclock.h"

#define MS 1000000LL
#define T0_MS INT64_C(1774746000000) /* 2026-03-29T01:00:00Z */
#define OUT_RATE 44100

/* ---- fixtures: a 440 Hz sine at -18 dBFS, 2 s at 44.1 kHz and 1 s at 48 kHz */

struct media {
	char path[512];
	struct po_mp3_index *ix;
};
static struct media m44, m48;

static int make_media(struct media *m, const char *name, int rate, int secs)
{
	char src[96];
	snprintf(m->path, sizeof m->path, "%s/%s", po_test_tmpdir(), name);
	snprintf(src, sizeof src, "sine=frequency=440:sample_rate=%d:duration=%d", rate, secs);
	const char *argv[] = { "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", src, "-ac", "1",
			       "-c:a", "libmp3lame", "-b:a", "128k", m->path, NULL };
	if (po_test_run_quiet(argv) != 0)
		return -1;
	return po_mp3_index_file(m->path, &m->ix, NULL) < 0 ? -1 : 0;
}

/* ---- pcm_shape ---------------------------------------------------------- */

static void test_cut_keeps_exactly_the_samples_before_it(void)
{
	struct po_pcm_shape sh;
	float buf[2 * 1000];
	/* cut at 10.5 ms of a 1 s item at 44.1 kHz: sample 463 */
	po_pcm_shape_init(&sh, 44100, 2, NULL, 0, 0, 10500000, 1000 * MS);
	PO_EXPECT_INT(sh.cut_at, 463);
	for (size_t i = 0; i < 2000; i++)
		buf[i] = 0.5f;
	PO_EXPECT_INT(po_pcm_shape_apply(&sh, buf, 400, 0), 400);
	PO_EXPECT_INT(po_pcm_shape_apply(&sh, buf, 400, 400), 63);
	PO_EXPECT_INT(po_pcm_shape_apply(&sh, buf, 400, 463), 0);
	PO_EXPECT_DOUBLE(buf[0], 0.5, 1e-6);
}

static void test_fade_out_falls_to_silence_on_the_last_sample_before_the_cut(void)
{
	struct po_pcm_shape sh;
	static float buf[44100];
	/* 1 s cut, 100 ms fade: samples 39690..44099 fall */
	po_pcm_shape_init(&sh, 44100, 1, NULL, 0, 100, 1000 * MS, 2000 * MS);
	for (size_t i = 0; i < 44100; i++)
		buf[i] = 1.0f;
	PO_EXPECT_INT(po_pcm_shape_apply(&sh, buf, 44100, 0), 44100);
	PO_EXPECT_DOUBLE(buf[39689], 1.0, 1e-6);
	PO_EXPECT_DOUBLE(buf[44099], 0.0, 1e-6);
	int falls = 1;
	for (size_t i = 39690; i < 44100; i++)
		falls &= buf[i] < buf[i - 1];
	PO_EXPECT_INT(falls, 1);
	PO_EXPECT_DOUBLE(buf[39690 + 2205], 0.5, 0.001);
}

static void test_natural_end_is_neither_cut_nor_faded(void)
{
	struct po_pcm_shape sh;
	float buf[100];
	/* the cut (end_ms) lies after the audio's end */
	po_pcm_shape_init(&sh, 44100, 1, NULL, 0, 3000, 3000 * MS, 2000 * MS);
	PO_EXPECT_INT(sh.cut_at, INT64_MAX);
	for (size_t i = 0; i < 100; i++)
		buf[i] = 1.0f;
	PO_EXPECT_INT(po_pcm_shape_apply(&sh, buf, 100, 88100), 100);
	PO_EXPECT_DOUBLE(buf[99], 1.0, 1e-6);
	/* end_ms in whole ms just short of the audio's end (2037 of 2037.55) */
	po_pcm_shape_init(&sh, 44100, 1, NULL, 0, 3000, 2037 * MS, 2037551020);
	PO_EXPECT_INT(sh.cut_at, INT64_MAX);
	PO_EXPECT_INT(sh.fade_out_n, 0);
}

static void test_fade_in_rises_from_silence_and_gain_scales(void)
{
	struct po_pcm_shape sh;
	float buf[2 * 441];
	struct po_pcm_gains g = { .n = 1, .db = { -6.0206 } };
	po_pcm_shape_init(&sh, 44100, 2, &g, 10, 0, INT64_MAX, INT64_MAX);
	for (size_t i = 0; i < 882; i++)
		buf[i] = 1.0f;
	PO_EXPECT_INT(po_pcm_shape_apply(&sh, buf, 441, 0), 441);
	PO_EXPECT_DOUBLE(buf[0], 0.5 / 441, 1e-5);
	PO_EXPECT_DOUBLE(buf[1], buf[0], 0);
	PO_EXPECT_DOUBLE(buf[2 * 220], 0.5 * 221 / 441, 1e-5);
	PO_EXPECT_DOUBLE(buf[2 * 440 + 1], 0.5, 1e-5);
	for (size_t i = 0; i < 882; i++)
		buf[i] = 1.0f;
	po_pcm_shape_apply(&sh, buf, 441, 441);
	PO_EXPECT_DOUBLE(buf[0], 0.5, 1e-5); /* past the fade: -6 dB only */
}

/* What item sample i of a joined item should get: file 0's gain g0 before
 * sample m, file 1's g1 from m on, the switch a linear ramp of r samples
 * inside the file with the larger gain (so no sample gets more than its
 * own file's). */
static double want_gain(double g0, double g1, int64_t m, int64_t r, int64_t i)
{
	if (g1 < g0) {
		if (i < m - r)
			return g0;
		return i >= m ? g1 : g0 + (g1 - g0) * (double)(i - (m - r) + 1) / (double)r;
	}
	if (i < m)
		return g0;
	return i >= m + r ? g1 : g0 + (g1 - g0) * (double)(i - m + 1) / (double)r;
}

#define JOIN_A_FRAMES 40                       /* the first file's frames */
#define JOIN_M ((int64_t)JOIN_A_FRAMES * 1152)  /* the second file's first sample */
#define JOIN_FROM_NS INT64_C(1044897959)        /* its frame's deadline: 46080 / 44100 s,
                                                   rounded down to the ns */

/* Shape len samples of ones (stereo) in chunks of 997 and compare each
 * sample with want_gain; returns the first sample that differs, or -1. */
static int64_t shape_and_compare(const struct po_pcm_shape *sh, double g0, double g1,
				 int64_t from, int64_t len)
{
	static float buf[2 * 997];
	for (int64_t at = from; at < from + len; at += 997) {
		size_t n = 997;
		for (size_t i = 0; i < 2 * n; i++)
			buf[i] = 1.0f;
		if (po_pcm_shape_apply(sh, buf, n, at) != n)
			return at;
		for (size_t i = 0; i < n; i++) {
			double want = want_gain(g0, g1, JOIN_M, 441, at + (int64_t)i);
			if (fabs(buf[2 * i] - want) > 1e-5 * want || buf[2 * i + 1] != buf[2 * i]) {
				fprintf(stderr, "sample %lld: %.7f, want %.7f\n",
					(long long)(at + (int64_t)i), buf[2 * i], want);
				return at + (int64_t)i;
			}
		}
	}
	return -1;
}

static void test_joined_gain_falls_before_the_second_files_first_sample(void)
{
	struct po_pcm_shape sh;
	struct po_pcm_gains g = { .n = 2, .from_ns = { 0, JOIN_FROM_NS }, .db = { 6.0, -6.0 } };
	double g0 = pow(10, 6.0 / 20), g1 = pow(10, -6.0 / 20);
	PO_EXPECT_INT(po_pcm_samples_up(JOIN_FROM_NS, 44100), JOIN_M);
	po_pcm_shape_init(&sh, 44100, 2, &g, 0, 0, INT64_MAX, INT64_MAX);
	PO_EXPECT_INT(sh.ngain, 2);
	PO_EXPECT_INT(sh.gain_from[1], JOIN_M);
	PO_EXPECT_INT(sh.ramp_n, 441);
	/* the first file's own gain up to 10 ms before its end, the second
	 * file's own from its first sample on, exactly */
	PO_EXPECT_DOUBLE(po_pcm_shape_gain_at(&sh, JOIN_M - 442), g0, 1e-6);
	PO_EXPECT_INT(po_pcm_shape_gain_at(&sh, JOIN_M - 441) < g0, 1);
	PO_EXPECT_DOUBLE(po_pcm_shape_gain_at(&sh, JOIN_M - 1), g1, 1e-6);
	PO_EXPECT_DOUBLE(po_pcm_shape_gain_at(&sh, JOIN_M), g1, 1e-6);
	PO_EXPECT_INT(shape_and_compare(&sh, g0, g1, 0, 60 * 997), -1);
}

static void test_joined_gain_rises_after_the_second_files_first_sample(void)
{
	struct po_pcm_shape sh;
	/* a file with no frames between them gives its place to the next */
	struct po_pcm_gains g = { .n = 3, .from_ns = { 0, JOIN_FROM_NS, JOIN_FROM_NS },
				  .db = { -6.0, 20.0, 6.0 } };
	double g0 = pow(10, -6.0 / 20), g1 = pow(10, 6.0 / 20);
	po_pcm_shape_init(&sh, 44100, 2, &g, 0, 0, INT64_MAX, INT64_MAX);
	PO_EXPECT_INT(sh.ngain, 2);
	PO_EXPECT_DOUBLE(po_pcm_shape_gain_at(&sh, JOIN_M - 1), g0, 1e-6);
	PO_EXPECT_INT(po_pcm_shape_gain_at(&sh, JOIN_M) > g0, 1);
	PO_EXPECT_INT(po_pcm_shape_gain_at(&sh, JOIN_M + 439) < g1, 1);
	PO_EXPECT_DOUBLE(po_pcm_shape_gain_at(&sh, JOIN_M + 440), g1, 1e-6);
	/* from the middle of the item on, as after a join */
	PO_EXPECT_INT(shape_and_compare(&sh, g0, g1, JOIN_M - 3000, 10 * 997), -1);
	/* the same gain for both files: no switch at all */
	g.n = 2;
	g.db[1] = -6.0;
	po_pcm_shape_init(&sh, 44100, 2, &g, 0, 0, INT64_MAX, INT64_MAX);
	PO_EXPECT_INT(sh.ngain, 1);
	PO_EXPECT_INT(po_pcm_gains_equal(&g, NULL), 0);
	g.n = 0;
	PO_EXPECT_INT(po_pcm_gains_equal(&g, NULL), 1);
}

/* ---- pcm_source --------------------------------------------------------- */

struct count {
	int64_t n;
	double peak;
};

static int count_cb(void *arg, float *pcm, size_t n)
{
	struct count *c = arg;
	for (size_t i = 0; i < 2 * n; i++)
		if (fabs(pcm[i]) > c->peak)
			c->peak = fabs(pcm[i]);
	c->n += (int64_t)n;
	return 0;
}

/* Feed every frame of m, a few at a time as the player does. */
static int64_t decode_all(const struct media *m, int out_rate, double *peak)
{
	struct playout_error err = { 0, "" };
	struct po_pcm_source *s = po_pcm_source_new(out_rate, 2, &err);
	struct count c = { 0, 0 };
	int fd = open(m->path, O_RDONLY);
	uint8_t buf[8192];
	if (!s || fd < 0)
		return -1;
	for (uint32_t i = 0; i < m->ix->nframes;) {
		size_t len = 0;
		uint32_t first = i;
		while (i < m->ix->nframes && i - first < 5)
			len += m->ix->frames[i++].len;
		if (pread(fd, buf, len, m->ix->frames[first].offset) != (ssize_t)len ||
		    po_pcm_source_feed(s, buf, len, count_cb, &c, &err) < 0)
			c.n = -1;
	}
	if (po_pcm_source_drain(s, count_cb, &c, &err) < 0)
		c.n = -1;
	close(fd);
	po_pcm_source_free(s);
	*peak = c.peak;
	return c.n;
}

static void test_decode_gives_every_frame_whole(void)
{
	double peak = 0;
	int64_t n = decode_all(&m44, 44100, &peak);
	PO_EXPECT_INT(n, (int64_t)m44.ix->nframes * 1152);
	PO_EXPECT_DOUBLE(peak, 0.125, 0.01); /* ffmpeg's sine: 1/8 */
}

static void test_48k_item_resampled_to_44k_keeps_its_length(void)
{
	double peak = 0;
	int64_t n = decode_all(&m48, 44100, &peak);
	int64_t want = (int64_t)m48.ix->nframes * 1152 * 44100 / 48000;
	PO_EXPECT_INT(llabs(n - want) <= 1, 1);
	PO_EXPECT_DOUBLE(peak, 0.125, 0.01);
}

/* ---- the stand-in encoder: records "BEGN" title, "PCM " floats, "END " --- */

struct po_enc {
	po_enc_sink sink;
	void *arg;
	int channels;
};

static int put(struct po_enc *e, const char *tag, const void *p, size_t len)
{
	uint8_t rec[8 + 4096];
	const uint8_t *b = p;
	do {
		size_t k = len > 4096 ? 4096 : len;
		uint32_t n = (uint32_t)k;
		memcpy(rec, tag, 4);
		memcpy(rec + 4, &n, 4);
		if (k)
			memcpy(rec + 8, b, k);
		int rc = e->sink(e->arg, rec, 8 + k);
		if (rc)
			return rc;
		b += k;
		len -= k;
	} while (len);
	return 0;
}

static struct po_enc *fake_new(const struct po_outfmt *f, po_enc_sink sink, void *arg,
			       struct playout_error *err)
{
	(void)err;
	struct po_enc *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->sink = sink;
	e->arg = arg;
	e->channels = f->channels;
	return e;
}

static int fake_begin(struct po_enc *e, const char *title, const char *station,
		      struct playout_error *err)
{
	(void)station;
	int rc = put(e, "BEGN", title, strlen(title));
	return rc ? playout_error_set(err, rc, "fake: sink failed") : 0;
}

static int fake_write(struct po_enc *e, const float *pcm, size_t n, struct playout_error *err)
{
	int rc = put(e, "PCM ", pcm, n * (size_t)e->channels * sizeof *pcm);
	return rc ? playout_error_set(err, rc, "fake: sink failed") : 0;
}

static int fake_end(struct po_enc *e, struct playout_error *err)
{
	int rc = put(e, "END ", NULL, 0);
	return rc ? playout_error_set(err, rc, "fake: sink failed") : 0;
}

static int fake_format(int codec)
{
	return codec == PO_CODEC_VORBIS ? PLAYOUT_STREAM_OGG_VORBIS : PLAYOUT_STREAM_MP3;
}

static const struct po_pcm_enc_ops fake_enc = {
	.create = fake_new, .begin = fake_begin, .write = fake_write, .end = fake_end,
	.destroy = (void (*)(struct po_enc *))free, .stream_format = fake_format,
};

/* ---- the recording output ----------------------------------------------- */

#define MAX_DATA (16 << 20)

struct rec {
	const struct po_clock *clock;
	uint8_t *data;
	size_t n;
	int open, opens, misuse, bad_format;
	int64_t fail_write_from_ns; /* the first write at or after fails; 0: never */
};

static int rec_open(void *inst, const struct playout_item_meta *m, struct playout_error *err)
{
	struct rec *r = inst;
	(void)err;
	r->misuse += r->open;
	r->bad_format += m->format != PLAYOUT_STREAM_OGG_VORBIS || m->sample_rate != OUT_RATE ||
			 m->channels != 2;
	r->open = 1;
	r->opens++;
	return 0;
}

static int rec_start(void *inst, const struct playout_item_meta *m, struct playout_error *err)
{
	struct rec *r = inst;
	(void)err;
	r->misuse += !r->open;
	r->bad_format += m->format != PLAYOUT_STREAM_OGG_VORBIS;
	return 0;
}

static int rec_write(void *inst, const uint8_t *buf, size_t len, struct playout_error *err)
{
	struct rec *r = inst;
	if (r->fail_write_from_ns && po_clock_now_ns(r->clock) >= r->fail_write_from_ns) {
		r->fail_write_from_ns = 0;
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "rec: broken pipe");
	}
	if (!r->open || r->n + len > MAX_DATA) {
		r->misuse++;
		return playout_error_set(err, PLAYOUT_EIO, "rec: misuse");
	}
	memcpy(r->data + r->n, buf, len);
	r->n += len;
	return 0;
}

static void rec_close(void *inst)
{
	struct rec *r = inst;
	r->misuse += !r->open;
	r->open = 0;
}

static const struct playout_output_ops rec_ops = {
	.open = rec_open, .start = rec_start, .write = rec_write, .close = rec_close,
};

/* What the output received, item by item (between BEGN records). */
#define MAX_ITEMS 4
struct heard {
	int nitems;
	char title[MAX_ITEMS][64];
	int ends[MAX_ITEMS];
	int64_t n[MAX_ITEMS];       /* sample frames */
	float *left[MAX_ITEMS];     /* channel 0 */
};

static void heard_free(struct heard *h)
{
	for (int i = 0; i < MAX_ITEMS; i++)
		free(h->left[i]);
	memset(h, 0, sizeof *h);
}

static int parse(const struct rec *r, struct heard *h)
{
	memset(h, 0, sizeof *h);
	for (size_t at = 0; at + 8 <= r->n;) {
		uint32_t len;
		memcpy(&len, r->data + at + 4, 4);
		const uint8_t *p = r->data + at + 8;
		int k = h->nitems - 1;
		if (!memcmp(r->data + at, "BEGN", 4)) {
			if (h->nitems == MAX_ITEMS)
				return -1;
			k = h->nitems++;
			snprintf(h->title[k], sizeof h->title[k], "%.*s", (int)len, (const char *)p);
			h->left[k] = malloc(sizeof(float) * 48000 * 4);
		} else if (k < 0) {
			return -1;
		} else if (!memcmp(r->data + at, "END ", 4)) {
			h->ends[k]++;
		} else {
			size_t frames = len / (2 * sizeof(float));
			for (size_t i = 0; i < frames && h->n[k] < 48000 * 4; i++)
				memcpy(&h->left[k][h->n[k]++], p + i * 2 * sizeof(float), sizeof(float));
		}
		at += 8 + len;
	}
	return 0;
}

/* RMS of left[from, to) */
static double rms(const float *v, int64_t from, int64_t to)
{
	double s = 0;
	for (int64_t i = from; i < to; i++)
		s += (double)v[i] * v[i];
	return to > from ? sqrt(s / (double)(to - from)) : 0;
}

/* ---- player scenarios on the simulated clock ---------------------------- */

struct item_spec {
	struct media *m;
	int64_t start_rel_ms, len_ms;
};

/* A joined item: JOIN_A_FRAMES frames of m44, then all of m44 again, each
 * file probed at lufs[k] LUFS (true peak -18 dBTP), played to -16 LUFS. */
struct join_spec {
	int loud_on;
	double lufs[2];
	double lufs1_replanned;  /* != 0: a new plan at +REPLAN_MS says this of file 1 */
};

#define JOIN_TARGET -16.0
#define JOIN_TP -18.0
#define REPLAN_MS 300

struct scen {
	const char *name;
	struct item_spec items[2];
	size_t nitems;
	int64_t fail_write_rel_ms;
	int fade_out_ms;
	struct join_spec join;   /* items[0] joined when join.lufs[0] != 0 */
	struct rec rec;
	struct po_snapbox box;
	struct po_playq q;
	struct po_player *player;
	struct heard h;
	int started;
};

enum { S_CUT, S_NATURAL, S_B2B, S_RECONNECT, S_JOIN_PLAIN, S_JOIN, S_JOIN_REPLAN, NSCEN };
static struct scen sc[NSCEN] = {
	[S_CUT] = { "cut", { { &m44, 0, 1500 } }, 1, 0, 500, { 0 } },
	[S_NATURAL] = { "natural", { { &m44, 0, 3000 } }, 1, 0, 3000, { 0 } },
	[S_B2B] = { "b2b", { { &m44, 0, 2100 }, { &m48, 2100, 2000 } }, 2, 0, 3000, { 0 } },
	[S_RECONNECT] = { "reconnect", { { &m44, 0, 3000 } }, 1, 1000, 3000, { 0 } },
	/* the same joined item without loudness: what each sample was */
	[S_JOIN_PLAIN] = { "joinplain", { { &m44, 0, 4000 } }, 1, 0, 3000, { 0, { -22, -10 }, 0 } },
	/* +6 dB, then -6 dB */
	[S_JOIN] = { "join", { { &m44, 0, 4000 } }, 1, 0, 3000, { 1, { -22, -10 }, 0 } },
	/* +6, -6, but a new plan says the second file is at -28 LUFS: +12 */
	[S_JOIN_REPLAN] = { "joinreplan", { { &m44, 0, 4000 } }, 1, 0, 3000,
			    { 1, { -22, -10 }, -28 } },
};
static struct po_clock clk;
static struct po_simclock *sim;

static struct po_snapshot *build_snapshot(const struct scen *s, int replanned)
{
	struct po_snapshot *snap = po_snapshot_new(s->nitems);
	if (!snap)
		return NULL;
	snap->planned_ms = T0_MS;
	for (size_t i = 0; i < s->nitems; i++) {
		struct po_air_item *ai = &snap->v[i];
		ai->item.start_ms = T0_MS + s->items[i].start_rel_ms;
		ai->item.end_ms = ai->item.start_ms + s->items[i].len_ms;
		ai->item.decision = PLAYOUT_DECISION_EXACT;
		/* a pid of each scenario's own: each decodes its item alone */
		snprintf(ai->item.pid, sizeof ai->item.pid, "%s%zu", s->name, i);
		snprintf(ai->item.title, sizeof ai->item.title, "%s item %zu", s->name, i);
		ai->item.nseg = 1;
		snprintf(ai->item.seg[0].asset, sizeof ai->item.seg[0].asset, "%s",
			 strrchr(s->items[i].m->path, '/') + 1);
		ai->path[0] = strdup(s->items[i].m->path);
		ai->idx[0] = po_mp3_index_ref(s->items[i].m->ix);
		if (i > 0 || s->join.lufs[0] == 0)
			continue;
		ai->item.nseg = 2;
		ai->item.seg[0].nframes = JOIN_A_FRAMES;
		ai->item.seg[1] = ai->item.seg[0];
		ai->item.seg[1].nframes = 0; /* to its end */
		ai->path[1] = strdup(s->items[i].m->path);
		ai->idx[1] = po_mp3_index_ref(s->items[i].m->ix);
		for (int k = 0; k < 2; k++) {
			ai->loud_known[k] = 1;
			ai->lufs[k] = s->join.lufs[k];
			ai->true_peak_dbtp[k] = JOIN_TP;
		}
		if (replanned)
			ai->lufs[1] = s->join.lufs1_replanned;
	}
	return snap;
}

static int init_all(void)
{
	if (make_media(&m44, "t44.mp3", 44100, 2) < 0 || make_media(&m48, "t48.mp3", 48000, 1) < 0)
		return 1;
	po_clock_init(&clk, 0);
	sim = po_simclock_new(&clk, (T0_MS - 300) * MS);
	if (!sim)
		return 1;
	for (int i = 0; i < NSCEN; i++) {
		struct scen *s = &sc[i];
		struct po_outfmt f = { .codec = PO_CODEC_VORBIS, .samplerate = OUT_RATE,
				       .channels = 2, .fade_out_ms = s->fade_out_ms };
		s->rec.clock = &clk;
		s->rec.data = malloc(MAX_DATA);
		if (!s->rec.data || po_playq_init(&s->q, NULL) < 0)
			return 1;
		if (s->fail_write_rel_ms)
			s->rec.fail_write_from_ns = (T0_MS + s->fail_write_rel_ms) * MS;
		po_snapbox_init(&s->box);
		po_snapbox_publish(&s->box, build_snapshot(s, 0));
		struct po_player_conf pc = {
			.label = s->name, .ops = &rec_ops, .inst = &s->rec, .clock = &clk,
			.box = &s->box, .q = &s->q, .send_ahead_ms = 200, .keep_open_ms = 1000,
			.fmt = &f, .enc_ops = &fake_enc, .loudness_on = s->join.loud_on,
			.loudness_target = JOIN_TARGET, .true_peak_ceiling = -1.0,
		};
		po_simclock_add_thread(sim);
		if (po_player_start(&pc, &s->player, NULL) < 0) {
			po_simclock_cancel_thread(sim);
			return 1;
		}
		s->started = 1;
	}
	po_clock_sleep_until_ns(&clk, (T0_MS + REPLAN_MS) * MS);
	for (int i = 0; i < NSCEN; i++)
		if (sc[i].join.lufs1_replanned != 0)
			po_snapbox_publish(&sc[i].box, build_snapshot(&sc[i], 1));
	po_clock_sleep_until_ns(&clk, (T0_MS + 4500) * MS);
	for (int i = 0; i < NSCEN; i++)
		po_player_request_stop(sc[i].player);
	for (int i = 0; i < 10000 && po_simclock_members(sim) > 1; i++)
		po_clock_sleep_until_ns(&clk, po_clock_now_ns(&clk) + 10 * MS);
	if (po_simclock_members(sim) > 1)
		return 1;
	for (int i = 0; i < NSCEN; i++) {
		po_player_stop(sc[i].player);
		sc[i].player = NULL;
		if (parse(&sc[i].rec, &sc[i].h) < 0)
			return 1;
	}
	return 0;
}

static int free_all(void)
{
	for (int i = 0; i < NSCEN; i++) {
		struct scen *s = &sc[i];
		heard_free(&s->h);
		if (!s->started)
			continue;
		po_player_stop(s->player);
		po_snapbox_destroy(&s->box);
		po_playq_destroy(&s->q);
		free(s->rec.data);
	}
	po_simclock_free(sim);
	po_mp3_index_unref(m44.ix);
	po_mp3_index_unref(m48.ix);
	return 0;
}

static void test_cap_ends_at_the_sample_after_a_fade(void)
{
	struct heard *h = &sc[S_CUT].h;
	PO_EXPECT_INT_FATAL(h->nitems, 1);
	PO_EXPECT_STR(h->title[0], "cut item 0");
	PO_EXPECT_INT(h->ends[0], 1);                 /* flushed once */
	PO_EXPECT_INT(h->n[0], 44100 * 1500 / 1000);  /* 1.5 s to the sample */
	/* the last 500 ms fall in level, steadily, to silence */
	int64_t end = h->n[0], fade = 22050;
	double before = rms(h->left[0], end - fade - 4410, end - fade);
	double prev = before;
	int falls = 1;
	for (int64_t b = end - fade; b + 2205 <= end; b += 2205) {
		double r = rms(h->left[0], b, b + 2205);
		falls &= r < prev;
		prev = r;
	}
	PO_EXPECT_INT(falls, 1);
	PO_EXPECT_DOUBLE(before, 0.125 / sqrt(2), 0.01);
	PO_EXPECT_INT(fabs(h->left[0][end - 1]) < 0.001, 1);
	PO_EXPECT_INT(sc[S_CUT].rec.bad_format + sc[S_CUT].rec.misuse, 0);
}

static void test_natural_end_delivers_every_sample_unfaded(void)
{
	struct heard *h = &sc[S_NATURAL].h;
	PO_EXPECT_INT_FATAL(h->nitems, 1);
	PO_EXPECT_INT(h->ends[0], 1);
	PO_EXPECT_INT(h->n[0], (int64_t)m44.ix->nframes * 1152);
	int64_t end = h->n[0];
	/* the sine goes on to the end: the last 100 ms are as loud as the middle */
	PO_EXPECT_DOUBLE(rms(h->left[0], end - 4410 - 1152, end - 1152),
			 rms(h->left[0], 44100, 44100 + 4410), 0.005);
}

static void test_back_to_back_items_of_two_rates_share_one_connection(void)
{
	struct scen *s = &sc[S_B2B];
	struct heard *h = &s->h;
	PO_EXPECT_INT(s->rec.opens, 1);
	PO_EXPECT_INT_FATAL(h->nitems, 2);
	PO_EXPECT_STR(h->title[0], "b2b item 0");
	PO_EXPECT_STR(h->title[1], "b2b item 1");
	PO_EXPECT_INT(h->ends[0] + h->ends[1], 2);
	PO_EXPECT_INT(h->n[0], (int64_t)m44.ix->nframes * 1152);
	/* 48 kHz resampled to 44.1: the same length within a sample */
	int64_t want = (int64_t)m48.ix->nframes * 1152 * 44100 / 48000;
	PO_EXPECT_INT(llabs(h->n[1] - want) <= 1, 1);
	PO_EXPECT_DOUBLE(rms(h->left[1], 4410, 8820), 0.125 / sqrt(2), 0.01);
}

static void test_reconnect_begins_a_new_stream_with_the_title(void)
{
	struct scen *s = &sc[S_RECONNECT];
	struct heard *h = &s->h;
	PO_EXPECT_INT(s->rec.opens, 2);
	PO_EXPECT_INT_FATAL(h->nitems, 2);
	PO_EXPECT_STR(h->title[0], "reconnect item 0");
	PO_EXPECT_STR(h->title[1], "reconnect item 0");
	PO_EXPECT_INT(h->ends[1], 1); /* the resumed stream is flushed at the end */
	/* resumed about a second later by the clock: fewer samples in all */
	PO_EXPECT_INT(h->n[0] + h->n[1] < (int64_t)m44.ix->nframes * 1152, 1);
	PO_EXPECT_INT(s->rec.misuse, 0);
}

/* The first sample of the joined item h whose gain, against the same item
 * played without loudness (plain), is not want_gain(g0, g1): -1 when none. */
static int64_t first_wrong_gain(const struct heard *h, const struct heard *plain, double g0,
				double g1)
{
	for (int64_t i = 0; i < plain->n[0] && i < h->n[0]; i++) {
		double x = plain->left[0][i], want = want_gain(g0, g1, JOIN_M, 441, i);
		if (fabs(x) < 1e-3)
			continue; /* near a zero crossing the ratio says little */
		if (fabs(h->left[0][i] / x - want) > 1e-4 * want) {
			fprintf(stderr, "sample %lld: gain %.6f, want %.6f\n", (long long)i,
				h->left[0][i] / x, want);
			return i;
		}
	}
	return -1;
}

static void test_joined_item_gives_each_file_its_own_gain_from_its_first_sample(void)
{
	struct heard *h = &sc[S_JOIN].h, *plain = &sc[S_JOIN_PLAIN].h;
	int64_t total = (JOIN_A_FRAMES + (int64_t)m44.ix->nframes) * 1152;
	PO_EXPECT_INT_FATAL(h->nitems, 1);
	PO_EXPECT_INT_FATAL(plain->nitems, 1);
	PO_EXPECT_INT(plain->n[0], total);
	PO_EXPECT_INT(h->n[0], total);
	/* -22 LUFS: +6 dB; -10 LUFS: -6 dB, down over the first file's last
	 * 10 ms, the second file's own gain from its first sample */
	PO_EXPECT_INT(first_wrong_gain(h, plain, pow(10, 6.0 / 20), pow(10, -6.0 / 20)), -1);
	PO_EXPECT_INT(sc[S_JOIN].rec.misuse + sc[S_JOIN].rec.bad_format, 0);
}

static void test_joined_item_gains_follow_a_new_plan_on_air(void)
{
	struct heard *h = &sc[S_JOIN_REPLAN].h, *plain = &sc[S_JOIN_PLAIN].h;
	PO_EXPECT_INT_FATAL(h->nitems, 1);
	PO_EXPECT_INT(h->n[0], plain->n[0]);
	/* the new plan came at +300 ms, in the first file: the second gets
	 * +12 dB, up over its first 10 ms */
	PO_EXPECT_INT(first_wrong_gain(h, plain, pow(10, 6.0 / 20), pow(10, 12.0 / 20)), -1);
}

/* ---- the contract: an output plugin built before 2.2 ---------------------- */

static void test_output_plugin_before_2_2_is_refused_a_reencoding_format(void)
{
	const char *dir = po_test_tmpdir();
	const char *b = getenv("PO_BUILDDIR");
	char conf[600], moddir[512];
	snprintf(moddir, sizeof moddir, "%s/tests/unit/modules", b && *b ? b : ".");
	snprintf(conf, sizeof conf, "%s/old.conf", dir);
	FILE *f = fopen(conf, "w");
	PO_EXPECT_INT_FATAL(f != NULL, 1);
	fprintf(f, "timezone = \"UTC\";\ncache = \"%s\";\nplugin_dir = \"%s\";\n"
		"log_level = \"error\";\n"
		"storage = { plugin = \"localdisk\"; path = \"%s\"; };\n"
		"outputs = ( { plugin = \"tout21\"; instance = \"mp3\"; },\n"
		"            { plugin = \"tout21\"; instance = \"ogg\"; format = \"vorbis\"; } );\n",
		dir, moddir, dir);
	fclose(f);
	struct po_runtime rt;
	struct po_diag d;
	struct playout_error err = { 0, "" };
	po_diag_init(&d);
	int rc = po_runtime_open(&rt, conf, PO_RT_NO_STATE | PO_RT_NO_CREATE, 0, &d, &err);
	PO_EXPECT_INT(rc < 0, 1);
	PO_EXPECT_INT(d.nerrors, 1); /* the passthrough one is fine */
	const char *msg = d.n ? d.msg[0] : "";
	PO_EXPECT_INT(strstr(msg, "old.conf:7:") != NULL, 1);
	PO_EXPECT_INT(strstr(msg, "tout21:ogg: format \"vorbis\" needs an output plugin built "
			  "for contract 2.2 or later; tout21 was built for 2.1") != NULL, 1);
	if (d.nerrors != 1 || !strstr(msg, "old.conf:7:"))
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "diag: %s\n", d.msg[i]);
	po_diag_free(&d);
	po_runtime_close(&rt);
}

static const struct po_test contract_tests[] = {
	{ "test_output_plugin_before_2_2_is_refused_a_reencoding_format", test_output_plugin_before_2_2_is_refused_a_reencoding_format },
	{ NULL, NULL },
};

static const struct po_test shape_tests[] = {
	{ "test_cut_keeps_exactly_the_samples_before_it", test_cut_keeps_exactly_the_samples_before_it },
	{ "test_fade_out_falls_to_silence_on_the_last_sample_before_the_cut", test_fade_out_falls_to_silence_on_the_last_sample_before_the_cut },
	{ "test_natural_end_is_neither_cut_nor_faded", test_natural_end_is_neither_cut_nor_faded },
	{ "test_fade_in_rises_from_silence_and_gain_scales", test_fade_in_rises_from_silence_and_gain_scales },
	{ "test_joined_gain_falls_before_the_second_files_first_sample", test_joined_gain_falls_before_the_second_files_first_sample },
	{ "test_joined_gain_rises_after_the_second_files_first_sample", test_joined_gain_rises_after_the_second_files_first_sample },
	{ NULL, NULL },
};

static const struct po_test source_tests[] = {
	{ "test_decode_gives_every_frame_whole", test_decode_gives_every_frame_whole },
	{ "test_48k_item_resampled_to_44k_keeps_its_length", test_48k_item_resampled_to_44k_keeps_its_length },
	{ "test_cap_ends_at_the_sample_after_a_fade", test_cap_ends_at_the_sample_after_a_fade },
	{ "test_natural_end_delivers_every_sample_unfaded", test_natural_end_delivers_every_sample_unfaded },
	{ "test_back_to_back_items_of_two_rates_share_one_connection", test_back_to_back_items_of_two_rates_share_one_connection },
	{ "test_reconnect_begins_a_new_stream_with_the_title", test_reconnect_begins_a_new_stream_with_the_title },
	{ "test_joined_item_gives_each_file_its_own_gain_from_its_first_sample", test_joined_item_gives_each_file_its_own_gain_from_its_first_sample },
	{ "test_joined_item_gains_follow_a_new_plan_on_air", test_joined_item_gains_follow_a_new_plan_on_air },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "pcm_shape", shape_tests, NULL, NULL },
	{ "contract", contract_tests, NULL, NULL },
	{ "pcm_player", source_tests, init_all, free_all },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_pcm", suites);
}
