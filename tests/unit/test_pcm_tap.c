/*
 * The shared decode of an item (pcm_tap.c): readers at different
 * positions read the samples a private decoder gives, each frame decoded
 * once; a reader outside the window is told to decode privately and holds
 * no one up; the window's memory is bounded and freed with the last
 * reader. Readers on threads, in lock step, share too. And through
 * player_pcm.c: outputs far apart each encode every sample once.
 */
#include "runner.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enc.h"
#include "mp3.h"
#include "outfmt.h"
#include "pcm_decode.h"
#include "pcm_tap.h"
#include "player_pcm.h"

#define FRAME_FLOATS (PO_PCM_TAP_FRAME_MAX * 2)
#define BOUND_BYTES ((size_t)PO_PCM_TAP_FLOATS * sizeof(float))

/* ---- fixture: 15 s of stereo at 44.1 kHz (more than a window), every
 * frame's bytes and what a private decoder makes of each ---------------- */

static struct {
	uint8_t *bytes;
	uint32_t *off, *len;
	uint32_t n;
	float *ref;          /* n x FRAME_FLOATS */
	size_t *ref_n;       /* samples of each frame */
} fx;

struct sink {
	float *pcm;
	size_t n;
};

static int ref_cb(void *arg, const float *pcm, size_t n, int rate, int ch)
{
	struct sink *s = arg;
	(void)rate;
	if (s->n + n > PO_PCM_TAP_FRAME_MAX)
		return -1;
	memcpy(s->pcm + s->n * (size_t)ch, pcm, n * (size_t)ch * sizeof(float));
	s->n += n;
	return 0;
}

static int init_fixture(void)
{
	char path[512];
	struct po_mp3_index *ix = NULL;
	snprintf(path, sizeof path, "%s/tap.mp3", po_test_tmpdir());
	const char *argv[] = { "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
			       "sine=frequency=440:sample_rate=44100:duration=15", "-ac", "2",
			       "-c:a", "libmp3lame", "-b:a", "128k", path, NULL };
	if (po_test_run_quiet(argv) != 0 || po_mp3_index_file(path, &ix, NULL) < 0)
		return -1;
	int fd = open(path, O_RDONLY);
	off_t size = lseek(fd, 0, SEEK_END);
	fx.bytes = malloc((size_t)size);
	fx.n = ix->nframes;
	fx.off = calloc(fx.n, sizeof *fx.off);
	fx.len = calloc(fx.n, sizeof *fx.len);
	fx.ref = calloc((size_t)fx.n * FRAME_FLOATS, sizeof(float));
	fx.ref_n = calloc(fx.n, sizeof *fx.ref_n);
	int ok = fd >= 0 && fx.bytes && fx.off && fx.len && fx.ref && fx.ref_n &&
		 pread(fd, fx.bytes, (size_t)size, 0) == size;
	for (uint32_t i = 0; ok && i < fx.n; i++) {
		fx.off[i] = ix->frames[i].offset;
		fx.len[i] = ix->frames[i].len;
	}
	if (fd >= 0)
		close(fd);
	po_mp3_index_unref(ix);
	struct po_pcm_dec *d = ok ? po_pcm_dec_new(NULL) : NULL;
	for (uint32_t i = 0; d && i < fx.n; i++) {
		struct sink s = { fx.ref + (size_t)i * FRAME_FLOATS, 0 };
		if (po_pcm_dec_feed(d, fx.bytes + fx.off[i], fx.len[i], ref_cb, &s, NULL) < 0)
			ok = 0;
		fx.ref_n[i] = s.n;
	}
	po_pcm_dec_free(d);
	return ok && d ? 0 : -1;
}

static int free_fixture(void)
{
	free(fx.bytes);
	free(fx.off);
	free(fx.len);
	free(fx.ref);
	free(fx.ref_n);
	return 0;
}

/* Reader r's frame i: 1 when read from the tap with the private decoder's
 * very samples, 0 when told to decode privately, -1 when the samples
 * differ. */
static int get(struct po_pcm_tap_reader *r, uint32_t i)
{
	struct po_pcm_tap_frame f; /* 9 KiB: one per thread */
	if (!po_pcm_tap_get(r, i, fx.bytes + fx.off[i], fx.len[i], &f))
		return 0;
	if (f.n != fx.ref_n[i] || (f.n && (f.rate != 44100 || f.ch != 2)) ||
	    memcmp(f.pcm, fx.ref + (size_t)i * FRAME_FLOATS, f.n * 2 * sizeof(float)) != 0)
		return -1;
	return 1;
}

static unsigned taps_open(void)
{
	struct po_pcm_tap_stats st;
	po_pcm_tap_stats(&st);
	return st.taps_open;
}

static size_t held(void)
{
	struct po_pcm_tap_stats st;
	po_pcm_tap_stats(&st);
	return st.bytes_held;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_aligned_readers_decode_each_frame_once(void)
{
	struct po_pcm_tap_stats before, after;
	struct po_pcm_tap_reader *r[3];
	int bad = 0;
	po_pcm_tap_stats(&before);
	for (int k = 0; k < 3; k++)
		r[k] = po_pcm_tap_join("1000 aligned", 0, NULL);
	PO_EXPECT_INT(taps_open(), 1u);
	for (uint32_t i = 0; i < fx.n; i++)
		for (int k = 0; k < 3; k++)
			bad += get(r[k], i) != 1;
	PO_EXPECT_INT(bad, 0);
	PO_EXPECT_INT(po_pcm_tap_decoded(r[0]), (uint64_t)fx.n);
	for (int k = 0; k < 3; k++)
		po_pcm_tap_leave(r[k]);
	po_pcm_tap_stats(&after);
	PO_EXPECT_INT(after.frames_decoded - before.frames_decoded, (uint64_t)fx.n);
	PO_EXPECT_INT(after.frames_shared - before.frames_shared, 3 * (uint64_t)fx.n);
	PO_EXPECT_INT(after.frames_private - before.frames_private, 0u);
	PO_EXPECT_INT(after.taps_made - before.taps_made, 1u);
}

static void test_readers_at_different_positions_share_one_decode(void)
{
	/* A leads, B is 40 frames behind (a second), C 80: all in the window */
	struct po_pcm_tap_reader *a = po_pcm_tap_join("1000 staggered", 0, NULL);
	struct po_pcm_tap_reader *b = po_pcm_tap_join("1000 staggered", 0, NULL);
	struct po_pcm_tap_reader *c = po_pcm_tap_join("1000 staggered", 0, NULL);
	int bad = 0;
	for (uint32_t i = 0; i < fx.n + 80; i++) {
		if (i < fx.n)
			bad += get(a, i) != 1;
		if (i >= 40 && i - 40 < fx.n)
			bad += get(b, i - 40) != 1;
		if (i >= 80)
			bad += get(c, i - 80) != 1;
	}
	PO_EXPECT_INT(bad, 0);
	PO_EXPECT_INT(po_pcm_tap_decoded(c), (uint64_t)fx.n);
	po_pcm_tap_leave(a);
	po_pcm_tap_leave(b);
	po_pcm_tap_leave(c);
}

static void test_reader_left_behind_decodes_privately_and_holds_no_one(void)
{
	struct po_pcm_tap_reader *a = po_pcm_tap_join("1000 behind", 0, NULL);
	struct po_pcm_tap_reader *b = po_pcm_tap_join("1000 behind", 0, NULL);
	int bad = 0;
	size_t most = 0;
	/* B reads frame 0 and stops; A reads on far past a window's worth */
	PO_EXPECT_INT(get(b, 0), 1);
	for (uint32_t i = 0; i < fx.n; i++) {
		bad += get(a, i) != 1;
		if (held() > most)
			most = held();
	}
	PO_EXPECT_INT(bad, 0);
	PO_EXPECT_INT(most <= BOUND_BYTES, 1);
	PO_EXPECT_INT(most > BOUND_BYTES / 2, 1); /* B held the window up to its bound */
	/* B's next frame went with the window's oldest: it decodes privately */
	PO_EXPECT_INT(get(b, 1), 0);
	PO_EXPECT_INT(get(b, 2), 0);
	/* a frame still in the window is read again */
	PO_EXPECT_INT(get(b, fx.n - 1), 1);
	PO_EXPECT_INT(po_pcm_tap_decoded(a), (uint64_t)fx.n);
	po_pcm_tap_leave(a);
	po_pcm_tap_leave(b);
	PO_EXPECT_INT(held(), 0u);
}

static void test_late_joiner_outside_the_window_decodes_privately(void)
{
	struct po_pcm_tap_reader *a = po_pcm_tap_join("1000 late", 0, NULL);
	int bad = 0;
	for (uint32_t i = 0; i < 300; i++)
		bad += get(a, i) != 1;
	/* long past the grace: frame 0 is gone, frame 290 is kept */
	struct po_pcm_tap_reader *late = po_pcm_tap_join("1000 late", 0, NULL);
	struct po_pcm_tap_reader *near = po_pcm_tap_join("1000 late", 290, NULL);
	PO_EXPECT_INT(get(late, 0), 0);
	PO_EXPECT_INT(get(late, 1), 0);
	for (uint32_t i = 290; i < 310; i++) {
		if (i >= 300)
			bad += get(a, i) != 1;
		bad += get(near, i) != 1;
	}
	PO_EXPECT_INT(bad, 0);
	PO_EXPECT_INT(po_pcm_tap_decoded(a), 310u);
	po_pcm_tap_leave(late);
	po_pcm_tap_leave(near);
	po_pcm_tap_leave(a);
}

static void test_frame_whose_bytes_differ_is_not_shared(void)
{
	struct po_pcm_tap_reader *a = po_pcm_tap_join("1000 differ", 0, NULL);
	struct po_pcm_tap_reader *b = po_pcm_tap_join("1000 differ", 0, NULL);
	static struct po_pcm_tap_frame f;
	for (uint32_t i = 0; i < 10; i++)
		PO_EXPECT_INT(get(a, i), 1);
	/* B's frame 5 is another frame's bytes (a plan that differs) */
	PO_EXPECT_INT(get(b, 4), 1);
	PO_EXPECT_INT(po_pcm_tap_get(b, 5, fx.bytes + fx.off[200], fx.len[200], &f), 0);
	PO_EXPECT_INT(get(b, 6), 1);
	po_pcm_tap_leave(a);
	po_pcm_tap_leave(b);
}

static void test_memory_is_bounded_and_freed_after_the_last_reader(void)
{
	PO_EXPECT_INT_FATAL(taps_open(), 0u);
	PO_EXPECT_INT(held(), 0u);
	struct po_pcm_tap_reader *a = po_pcm_tap_join("1000 memory", 0, NULL);
	struct po_pcm_tap_reader *b = po_pcm_tap_join("1000 memory", 0, NULL);
	size_t most = 0;
	int bad = 0;
	/* alone in step: frames go once both passed them, but the grace */
	for (uint32_t i = 0; i < fx.n; i++) {
		bad += get(a, i) != 1;
		bad += get(b, i) != 1;
		if (held() > most)
			most = held();
	}
	PO_EXPECT_INT(bad, 0);
	PO_EXPECT_INT(most <= (size_t)(PO_PCM_TAP_GRACE + 1) * FRAME_FLOATS * sizeof(float), 1);
	PO_EXPECT_INT(held() > 0, 1);
	po_pcm_tap_leave(a);
	PO_EXPECT_INT(taps_open(), 1u); /* b still reads */
	po_pcm_tap_leave(b);
	PO_EXPECT_INT(taps_open(), 0u);
	PO_EXPECT_INT(held(), 0u);
	struct po_pcm_tap_stats st;
	po_pcm_tap_stats(&st);
	PO_EXPECT_INT(st.bytes_held_max <= BOUND_BYTES, 1);
	/* a new join makes a new tap, decoding afresh from the frame it asks
	 * for (so the samples are not the reference's: see the jump test) */
	static struct po_pcm_tap_frame f;
	a = po_pcm_tap_join("1000 memory", 100, NULL);
	PO_EXPECT_INT(po_pcm_tap_get(a, 100, fx.bytes + fx.off[100], fx.len[100], &f), 1);
	PO_EXPECT_INT(po_pcm_tap_decoded(a), 1u);
	po_pcm_tap_leave(a);
}

static void test_reader_alone_out_of_the_window_moves_it(void)
{
	/* a reconnect jumps ahead; nobody else reads: the tap follows it
	 * rather than leave it decoding privately */
	static struct po_pcm_tap_frame f;
	struct po_pcm_tap_reader *a = po_pcm_tap_join("1000 jump", 0, NULL);
	PO_EXPECT_INT(get(a, 0), 1);
	PO_EXPECT_INT(get(a, 1), 1);
	/* a decoder starting afresh at 400, as after any seek: its first
	 * frames lack the bit reservoir, so only their length is checked */
	PO_EXPECT_INT(po_pcm_tap_get(a, 400, fx.bytes + fx.off[400], fx.len[400], &f), 1);
	PO_EXPECT_INT(f.n, fx.ref_n[400]);
	PO_EXPECT_INT(po_pcm_tap_get(a, 401, fx.bytes + fx.off[401], fx.len[401], &f), 1);
	PO_EXPECT_INT(f.n, fx.ref_n[401]);
	PO_EXPECT_INT(po_pcm_tap_decoded(a), 4u);
	PO_EXPECT_INT(held(), 2 * FRAME_FLOATS * sizeof(float)); /* frames 400 and 401 */
	po_pcm_tap_leave(a);
	PO_EXPECT_INT(held(), 0u);
}

/* ---- readers on threads ----------------------------------------------------- */

#define THREADS 3
#define STEP 8 /* frames per send, about 200 ms */

struct th {
	struct po_pcm_tap_reader *r;
	pthread_barrier_t *bar;
	int bad;
};

static void *reader_main(void *arg)
{
	struct th *t = arg;
	for (uint32_t i = 0; i < fx.n; i++) {
		if (i % STEP == 0)
			pthread_barrier_wait(t->bar);
		t->bad += get(t->r, i) != 1;
	}
	return NULL;
}

static void test_readers_on_threads_in_step_share_one_decode(void)
{
	pthread_barrier_t bar;
	pthread_t th[THREADS];
	struct th t[THREADS];
	struct po_pcm_tap_stats before, after;
	po_pcm_tap_stats(&before);
	pthread_barrier_init(&bar, NULL, THREADS);
	for (int k = 0; k < THREADS; k++) {
		t[k] = (struct th){ po_pcm_tap_join("1000 threads", 0, NULL), &bar, 0 };
		pthread_create(&th[k], NULL, reader_main, &t[k]);
	}
	int bad = 0;
	for (int k = 0; k < THREADS; k++) {
		pthread_join(th[k], NULL);
		bad += t[k].bad;
	}
	PO_EXPECT_INT(bad, 0);
	PO_EXPECT_INT(po_pcm_tap_decoded(t[0].r), (uint64_t)fx.n);
	for (int k = 0; k < THREADS; k++)
		po_pcm_tap_leave(t[k].r);
	pthread_barrier_destroy(&bar);
	po_pcm_tap_stats(&after);
	PO_EXPECT_INT(after.frames_decoded - before.frames_decoded, (uint64_t)fx.n);
	PO_EXPECT_INT(after.frames_private - before.frames_private, 0u);
}

/* ---- through player_pcm.c: outputs at different places, every sample ---- */

struct po_enc {
	int64_t samples;              /* written since begin */
};

static struct po_enc *count_new(const struct po_outfmt *f, po_enc_sink sink, void *arg,
				struct playout_error *err)
{
	(void)f, (void)sink, (void)arg, (void)err;
	return calloc(1, sizeof(struct po_enc));
}

static int count_begin(struct po_enc *e, const char *title, const char *station,
		       struct playout_error *err)
{
	(void)title, (void)station, (void)err;
	e->samples = 0;
	return 0;
}

static int count_write(struct po_enc *e, const float *pcm, size_t n, struct playout_error *err)
{
	(void)pcm, (void)err;
	e->samples += (int64_t)n;
	return 0;
}

static int count_end(struct po_enc *e, struct playout_error *err)
{
	(void)e, (void)err;
	return 0;
}

static int count_format(int codec)
{
	(void)codec;
	return PLAYOUT_STREAM_MP3;
}

static int null_write(void *inst, const uint8_t *buf, size_t len, struct playout_error *err)
{
	(void)inst, (void)buf, (void)len, (void)err;
	return 0;
}

static const struct playout_output_ops null_out = { .size = sizeof null_out, .write = null_write };

struct feed_out {
	struct po_pcm_out *o;
	struct po_enc *enc;           /* the count, read once the output is idle */
	uint32_t next;                /* the next frame to feed */
};

static struct po_enc *last_enc;
static struct po_enc *spy_new(const struct po_outfmt *f, po_enc_sink sink, void *arg,
			      struct playout_error *err)
{
	last_enc = count_new(f, sink, arg, err);
	return last_enc;
}

static const struct po_pcm_enc_ops spy_enc = {
	.create = spy_new, .begin = count_begin, .write = count_write, .end = count_end,
	.destroy = (void (*)(struct po_enc *))free, .stream_format = count_format,
};

/* An output that begins item key at frame first. */
static void out_begin(struct feed_out *fo, uint32_t first)
{
	struct po_outfmt f = { .codec = PO_CODEC_VORBIS, .samplerate = 44100, .channels = 2 };
	struct playout_item_meta m = { .title = "T", .pid = "shared", .start_ms = 5000 };
	struct playout_error err = { 0, "" };
	fo->o = po_pcm_out_new(&f, &spy_enc, &null_out, NULL, &err);
	PO_EXPECT_INT_FATAL(po_pcm_out_begin(fo->o, &m, 0.0, &err), 0);
	fo->enc = last_enc;
	int64_t total_ns = (int64_t)fx.n * 1152 * 1000000000 / 44100;
	int64_t pos_ns = (int64_t)first * 1152 * 1000000000 / 44100;
	po_pcm_out_at(fo->o, pos_ns, first, INT64_MAX, total_ns);
	fo->next = first;
}

/* Feed k more frames, in sends of up to 8 as the player does. */
static void out_feed(struct feed_out *fo, uint32_t k)
{
	struct playout_error err = { 0, "" };
	int64_t written = 0;
	while (k && fo->next < fx.n) {
		uint32_t n = 0;
		size_t len = 0;
		while (n < 8 && n < k && fo->next + n < fx.n)
			len += fx.len[fo->next + n++];
		PO_EXPECT_INT(po_pcm_out_feed(fo->o, fx.bytes + fx.off[fo->next], len, &written, &err),
			      0);
		fo->next += n;
		k -= n;
	}
}

static int64_t out_end(struct feed_out *fo)
{
	struct playout_error err = { 0, "" };
	int64_t written = 0;
	PO_EXPECT_INT(po_pcm_out_end(fo->o, &written, &err), 0);
	int64_t n = fo->enc->samples;
	po_pcm_out_free(fo->o);
	return n;
}

static void test_outputs_far_apart_each_get_every_sample_once(void)
{
	struct po_pcm_tap_stats before, after;
	struct feed_out a, b, c;
	po_pcm_tap_stats(&before);
	/* A leads; B stalls after 8 frames while A goes a window past it, so
	 * B decodes privately from there; C begins late, at frame 400, in A's
	 * window. */
	out_begin(&a, 0);
	out_begin(&b, 0);
	out_feed(&a, 8);
	out_feed(&b, 8);
	out_feed(&a, 392);
	out_begin(&c, 400);
	out_feed(&c, 8);
	out_feed(&a, fx.n);
	out_feed(&c, fx.n);
	out_feed(&b, fx.n);
	PO_EXPECT_INT(out_end(&a), (int64_t)fx.n * 1152);
	PO_EXPECT_INT(out_end(&b), (int64_t)fx.n * 1152);
	PO_EXPECT_INT(out_end(&c), (int64_t)(fx.n - 400) * 1152);
	po_pcm_tap_stats(&after);
	PO_EXPECT_INT(after.taps_open, 0u);
	/* each frame decoded once in the tap, whatever order the three
	 * encoder threads ran in; B, a window behind, decoded privately */
	PO_EXPECT_INT(after.frames_decoded - before.frames_decoded, (uint64_t)fx.n);
	PO_EXPECT_INT(after.frames_private - before.frames_private > 0, 1);
	PO_EXPECT_INT(after.frames_shared - before.frames_shared +
			      (after.frames_private - before.frames_private),
		      (uint64_t)fx.n * 2 + (fx.n - 400));
}

static const struct po_test out_tests[] = {
	{ "test_outputs_far_apart_each_get_every_sample_once", test_outputs_far_apart_each_get_every_sample_once },
	{ NULL, NULL },
};

static const struct po_test tap_tests[] = {
	{ "test_memory_is_bounded_and_freed_after_the_last_reader", test_memory_is_bounded_and_freed_after_the_last_reader },
	{ "test_aligned_readers_decode_each_frame_once", test_aligned_readers_decode_each_frame_once },
	{ "test_readers_at_different_positions_share_one_decode", test_readers_at_different_positions_share_one_decode },
	{ "test_reader_left_behind_decodes_privately_and_holds_no_one", test_reader_left_behind_decodes_privately_and_holds_no_one },
	{ "test_late_joiner_outside_the_window_decodes_privately", test_late_joiner_outside_the_window_decodes_privately },
	{ "test_frame_whose_bytes_differ_is_not_shared", test_frame_whose_bytes_differ_is_not_shared },
	{ "test_reader_alone_out_of_the_window_moves_it", test_reader_alone_out_of_the_window_moves_it },
	{ "test_readers_on_threads_in_step_share_one_decode", test_readers_on_threads_in_step_share_one_decode },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "pcm_tap", tap_tests, init_fixture, free_fixture },
	{ "player_pcm", out_tests, init_fixture, free_fixture },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_pcm_tap", suites);
}
