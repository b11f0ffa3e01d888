/*
 * core/truepeak.c: the BS.1770-4 interpolator finds peaks between samples,
 * agrees with libebur128's true peak, and skips only what cannot change
 * the answer (same result as filtering everything).
 */
#include "runner.h"

#include <math.h>
#include <stdlib.h>

#include <ebur128.h>

#include "truepeak.h"

#define RATE 48000

static double db(double v)
{
	return 20 * log10(v);
}

/* libebur128's true peak of the same frames, all channels. */
static double ebur128_tp(const float *v, size_t frames, int ch)
{
	ebur128_state *eb = ebur128_init((unsigned)ch, RATE, EBUR128_MODE_TRUE_PEAK);
	CU_ASSERT_FATAL(eb != NULL);
	ebur128_add_frames_float(eb, v, frames);
	double m = 0, p;
	for (int c = 0; c < ch; c++)
		if (ebur128_true_peak(eb, (unsigned)c, &p) == EBUR128_SUCCESS && p > m)
			m = p;
	ebur128_destroy(&eb);
	return m;
}

static double meter(const float *v, size_t frames, int ch, int exhaustive, uint64_t *filtered)
{
	struct po_truepeak *t = po_truepeak_new(ch);
	CU_ASSERT_FATAL(t != NULL);
	po_truepeak_set_exhaustive(t, exhaustive);
	/* in uneven pieces, as a decoder hands them out */
	size_t at = 0, step = 1000;
	while (at < frames) {
		size_t n = frames - at < step ? frames - at : step;
		po_truepeak_add(t, v + at * (size_t)ch, n);
		at += n;
		step = step * 7 % 1531 + 1;
	}
	double p = po_truepeak_get(t);
	uint64_t seen;
	po_truepeak_counts(t, filtered, &seen);
	PO_EXPECT_INT(seen, frames);
	po_truepeak_free(t);
	return p;
}

static void test_peak_between_samples_is_found(void)
{
	/* a sine at fs/4, sampled 45 degrees off its crests: samples at 0.707 */
	size_t n = RATE;
	float *v = malloc(n * sizeof *v);
	CU_ASSERT_FATAL(v != NULL);
	float smax = 0;
	for (size_t i = 0; i < n; i++) {
		/* faded in and out over 1000 samples: an abrupt edge rings */
		double edge = i < 1000 ? i / 1000.0 : n - i < 1000 ? (n - i) / 1000.0 : 1;
		v[i] = (float)(0.5 * edge * sin(M_PI / 2 * (double)i + M_PI / 4));
		if (fabsf(v[i]) > smax)
			smax = fabsf(v[i]);
	}
	uint64_t f;
	double tp = meter(v, n, 1, 0, &f);
	PO_EXPECT_DOUBLE(db(smax), db(0.5) - 3.01, 0.02);
	PO_EXPECT_DOUBLE(db(tp), db(0.5), 0.05);
	PO_EXPECT_DOUBLE(db(tp), db(ebur128_tp(v, n, 1)), 0.1);
	free(v);
}

static void test_skipping_gives_the_exhaustive_answer_and_skips(void)
{
	/* stereo programme: a loud opening, then 20 s 12 dB quieter with a
	 * high tone whose peaks fall between samples, then a last loud burst */
	size_t n = (size_t)RATE * 30;
	float *v = malloc(2 * n * sizeof *v);
	CU_ASSERT_FATAL(v != NULL);
	srand(7);
	for (size_t i = 0; i < n; i++) {
		double t = (double)i / RATE;
		double a = t < 5 ? 0.6 : t < 25 ? 0.15 : 0.7;
		if (t < 0.1)
			a *= t / 0.1;
		double noise = (double)rand() / RAND_MAX - 0.5;
		v[2 * i] = (float)(a * (0.6 * sin(2 * M_PI * 997 * t) + 0.4 * noise));
		v[2 * i + 1] = (float)(a * sin(2 * M_PI * 11025 * t + 0.3));
	}
	uint64_t f_skip, f_all;
	double skip = meter(v, n, 2, 0, &f_skip), all = meter(v, n, 2, 1, &f_all);
	PO_EXPECT_DOUBLE(skip, all, 0);
	CU_ASSERT(f_all >= n);
	CU_ASSERT(f_skip < n / 2); /* the quiet 20 s are not filtered */
	PO_EXPECT_DOUBLE(db(skip), db(ebur128_tp(v, n, 2)), 0.1);
	free(v);
}

static void test_silence_and_last_frames(void)
{
	float z[300] = {0};
	uint64_t f;
	PO_EXPECT_DOUBLE(meter(z, 150, 2, 0, &f), 0.0, 0);
	/* a lone full-scale sample in the very last frame still counts */
	z[299] = -1.0f;
	CU_ASSERT(meter(z, 300, 1, 0, &f) >= 1.0);
}

static const struct po_test tp_tests[] = {
	{"peak_between_samples_is_found", test_peak_between_samples_is_found},
	{"skipping_gives_the_exhaustive_answer_and_skips",
	 test_skipping_gives_the_exhaustive_answer_and_skips},
	{"silence_and_last_frames", test_silence_and_last_frames},
	{NULL, NULL},
};

static const struct po_suite suites[] = {
	{"truepeak", tp_tests, NULL, NULL},
	{NULL, NULL, NULL, NULL},
};

int main(void)
{
	return po_test_run("test_truepeak", suites);
}
