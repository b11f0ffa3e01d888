/*
 * core/r128.c: integrated loudness and loudness range agree with
 * libebur128's on programme-like signals (mono and stereo, 22.05, 44.1 and
 * 48 kHz), a -23 dBFS 1 kHz sine reads -23 LUFS (EBU Tech 3341), and
 * silence has no loudness.
 */
#include "runner.h"

#include <math.h>
#include <stdlib.h>

#include <ebur128.h>

#include "r128.h"

static void measure(const float *v, size_t frames, int ch, long rate, double *i, double *lra)
{
	struct po_r128 *m = po_r128_new(ch, rate);
	CU_ASSERT_FATAL(m != NULL);
	size_t at = 0, step = 777;
	while (at < frames) {
		size_t n = frames - at < step ? frames - at : step;
		PO_EXPECT_INT(po_r128_add(m, v + at * (size_t)ch, n), 0);
		at += n;
		step = step * 5 % 4099 + 1;
	}
	po_r128_result(m, i, lra);
	po_r128_free(m);
}

/* A programme: noise and tones under a slow envelope, a quiet middle. */
static float *programme(size_t frames, int ch, long rate)
{
	float *v = malloc(frames * (size_t)ch * sizeof *v);
	CU_ASSERT_FATAL(v != NULL);
	srand(3);
	for (size_t i = 0; i < frames; i++) {
		double t = (double)i / (double)rate;
		double env = (0.4 + 0.35 * sin(2 * M_PI * t / 5)) * (t > 20 && t < 30 ? 0.1 : 1);
		for (int c = 0; c < ch; c++) {
			double n = (double)rand() / RAND_MAX - 0.5;
			v[i * (size_t)ch + (size_t)c] =
				(float)(env * (0.3 * n + 0.3 * sin(2 * M_PI * (300 + 200 * c) * t)));
		}
	}
	return v;
}

static void test_agrees_with_libebur128(void)
{
	static const struct { int ch; long rate; } k[] = { { 1, 44100 }, { 2, 44100 },
							   { 2, 48000 }, { 2, 22050 } };
	for (size_t j = 0; j < sizeof k / sizeof k[0]; j++) {
		size_t frames = (size_t)k[j].rate * 45;
		float *v = programme(frames, k[j].ch, k[j].rate);
		double i, lra, ei, elra;
		measure(v, frames, k[j].ch, k[j].rate, &i, &lra);
		ebur128_state *eb = ebur128_init((unsigned)k[j].ch, (unsigned long)k[j].rate,
						 EBUR128_MODE_I | EBUR128_MODE_LRA);
		CU_ASSERT_FATAL(eb != NULL);
		ebur128_add_frames_float(eb, v, frames);
		ebur128_loudness_global(eb, &ei);
		ebur128_loudness_range(eb, &elra);
		ebur128_destroy(&eb);
		PO_EXPECT_DOUBLE(i, ei, 0.05);
		/* libebur128 takes a 3 s block every second, r128.c every 100 ms
		 * (as ffmpeg does): close, not equal */
		PO_EXPECT_DOUBLE(lra, elra, 1.0);
		CU_ASSERT(lra > 5);
		free(v);
	}
}

static void test_sine_at_minus_23_dbfs_reads_minus_23_lufs(void)
{
	long rate = 48000;
	size_t frames = (size_t)rate * 20;
	float *v = malloc(2 * frames * sizeof *v);
	CU_ASSERT_FATAL(v != NULL);
	double a = pow(10, -23.0 / 20);
	for (size_t i = 0; i < frames; i++)
		v[2 * i] = v[2 * i + 1] = (float)(a * sin(2 * M_PI * 1000 * (double)i / rate));
	double i, lra;
	measure(v, frames, 2, rate, &i, &lra);
	PO_EXPECT_DOUBLE(i, -23.0, 0.1);
	PO_EXPECT_DOUBLE(lra, 0.0, 0.1);
	free(v);
}

static void test_silence_has_no_loudness(void)
{
	float *v = calloc(44100 * 5, sizeof *v);
	CU_ASSERT_FATAL(v != NULL);
	double i, lra;
	measure(v, 44100 * 5, 1, 44100, &i, &lra);
	CU_ASSERT(isinf(i) && i < 0);
	PO_EXPECT_DOUBLE(lra, 0.0, 0);
	free(v);
}

static const struct po_test r128_tests[] = {
	{"agrees_with_libebur128", test_agrees_with_libebur128},
	{"sine_at_minus_23_dbfs_reads_minus_23_lufs", test_sine_at_minus_23_dbfs_reads_minus_23_lufs},
	{"silence_has_no_loudness", test_silence_has_no_loudness},
	{NULL, NULL},
};

static const struct po_suite suites[] = {
	{"r128", r128_tests, NULL, NULL},
	{NULL, NULL, NULL, NULL},
};

int main(void)
{
	return po_test_run("test_r128", suites);
}
