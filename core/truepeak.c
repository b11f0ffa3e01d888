/*
 * True peak (truepeak.h): a 4x polyphase interpolator over chunks of
 * frames, each chunk filtered only when its sample peak (and the previous
 * chunk's, whose last frames are in the filter's window) is within the
 * margin of the running true peak.
 */
#include "truepeak.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TAPS 24          /* per phase; 96 in all */
#define PHASES 4
#define CHUNK 256        /* frames judged together */
#define MAX_CH 8
#define KAISER_BETA 7.0

/* I0, the modified Bessel function of the first kind, by its series. */
static double bessel_i0(double x)
{
	double sum = 1, term = 1;
	for (int k = 1; k < 30; k++) {
		term *= (x / (2 * k)) * (x / (2 * k));
		sum += term;
	}
	return sum;
}

/* The interpolator: a Kaiser-windowed sinc cut at the original Nyquist
 * frequency, in four phases, each scaled to unity gain at DC. The 48-tap
 * filter of BS.1770-4 Annex 2 reads a tone at a quarter of the rate about
 * 0.2 dB high; twice the taps keep the pass band flat to 0.05 dB there, so
 * the figures agree with libebur128's and ffmpeg's. Phase 0 is the samples
 * themselves. */
static void make_coef(float coef[PHASES][TAPS])
{
	const double c = TAPS / 2, half = c + 0.5;
	for (int p = 0; p < PHASES; p++) {
		double h[TAPS], sum = 0;
		for (int k = 0; k < TAPS; k++) {
			double t = c - k - p / (double)PHASES, x = t / half;
			double sinc = t == 0 ? 1 : sin(M_PI * t) / (M_PI * t);
			h[k] = sinc * bessel_i0(KAISER_BETA * sqrt(1 - x * x)) / bessel_i0(KAISER_BETA);
			sum += h[k];
		}
		for (int k = 0; k < TAPS; k++)
			coef[p][k] = (float)(h[k] / sum);
	}
}

struct po_truepeak {
	int channels;
	int exhaustive;
	float margin;                  /* linear, < 1 */
	float coef[PHASES][TAPS];
	float peak;                    /* true peak so far, linear */
	float prev_chunk_peak;         /* sample peak of the chunk before */
	size_t fill;                   /* frames in the chunk being gathered */
	/* per channel: TAPS-1 frames of history, then the chunk */
	float x[MAX_CH][TAPS - 1 + CHUNK];
	uint64_t filtered, seen;
};

struct po_truepeak *po_truepeak_new(int channels)
{
	if (channels < 1 || channels > MAX_CH)
		return NULL;
	struct po_truepeak *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->channels = channels;
	t->margin = (float)pow(10, -PO_TRUEPEAK_MARGIN_DB / 20);
	make_coef(t->coef);
	return t;
}

void po_truepeak_free(struct po_truepeak *t)
{
	free(t);
}

void po_truepeak_set_exhaustive(struct po_truepeak *t, int on)
{
	t->exhaustive = on;
}

/* The largest |output| of the four phases over n frames of one channel
 * whose window starts at x (TAPS-1 frames of history first). */
static float filter_peak(const float coef[PHASES][TAPS], const float *x, size_t n)
{
	float m = 0;
	for (size_t i = 0; i < n; i++) {
		const float *w = x + i; /* w[TAPS-1] is the newest frame */
		for (int p = 0; p < PHASES; p++) {
			float y = 0;
			for (int k = 0; k < TAPS; k++)
				y += coef[p][k] * w[TAPS - 1 - k];
			y = fabsf(y);
			if (y > m)
				m = y;
		}
	}
	return m;
}

/* Judge and maybe filter the gathered chunk, then keep its tail as the
 * next chunk's history. */
static void chunk_done(struct po_truepeak *t)
{
	size_t n = t->fill;
	float sp = 0;
	for (int c = 0; c < t->channels; c++)
		for (size_t i = 0; i < n; i++) {
			float a = fabsf(t->x[c][TAPS - 1 + i]);
			if (a > sp)
				sp = a;
		}
	float bound = sp > t->prev_chunk_peak ? sp : t->prev_chunk_peak;
	if (t->exhaustive || bound > t->peak * t->margin) {
		for (int c = 0; c < t->channels; c++) {
			float m = filter_peak(t->coef, t->x[c], n);
			if (m > t->peak)
				t->peak = m;
		}
		t->filtered += n;
	}
	if (sp > t->peak)
		t->peak = sp;
	t->seen += n;
	t->prev_chunk_peak = sp;
	for (int c = 0; c < t->channels; c++)
		memmove(t->x[c], t->x[c] + n, (TAPS - 1) * sizeof(float));
	t->fill = 0;
}

void po_truepeak_add(struct po_truepeak *t, const float *v, size_t frames)
{
	size_t ch = (size_t)t->channels;
	while (frames > 0) {
		size_t take = CHUNK - t->fill;
		if (take > frames)
			take = frames;
		for (size_t c = 0; c < ch; c++) {
			float *dst = t->x[c] + TAPS - 1 + t->fill;
			for (size_t i = 0; i < take; i++)
				dst[i] = v[i * ch + c];
		}
		t->fill += take;
		v += take * ch;
		frames -= take;
		if (t->fill == CHUNK)
			chunk_done(t);
	}
}

double po_truepeak_get(struct po_truepeak *t)
{
	/* No tail of zeros after the last frame: a stream cut off there would
	 * ring as a band-limited step does, a peak that is not in the audio
	 * (libebur128 and ffmpeg stop at the last frame too). Its last frames
	 * count by their samples. */
	if (t->fill > 0)
		chunk_done(t);
	return t->peak;
}

void po_truepeak_counts(const struct po_truepeak *t, uint64_t *filtered, uint64_t *seen)
{
	*filtered = t->filtered;
	*seen = t->seen;
}
