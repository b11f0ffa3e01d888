/*
 * Gains, fades and the cut at the sample (pcm_shape.h). Linear ramps: the
 * fade-out reaches silence on the last sample before the cut, so what
 * follows (the next item, or the end of the stream) starts from nothing.
 *
 * A joined item's files each have their own loudness gain. The switch from
 * one to the next is a short linear ramp (PO_PCM_GAIN_RAMP_MS) rather than
 * a step, which would click; it lies wholly in the file with the larger
 * gain, at its end when the next file gets less and at its start when the
 * next one gets more. So every sample gets at most its own file's gain and
 * no file's true peak goes past the ceiling its gain was reduced for; the
 * file with the smaller gain gets exactly its own from its first sample to
 * its last.
 */
#include "pcm_shape.h"

#include <math.h>

#define NS_PER_S 1000000000LL
#define NS_PER_MS 1000000LL

int64_t po_pcm_samples(int64_t ns, int rate)
{
	/* split so that ns * rate cannot overflow for any instant we use */
	int64_t q = ns / NS_PER_S, r = ns % NS_PER_S;
	return q * rate + r * rate / NS_PER_S;
}

int64_t po_pcm_samples_up(int64_t ns, int rate)
{
	int64_t q = ns / NS_PER_S, r = ns % NS_PER_S;
	return q * rate + (r * rate + NS_PER_S - 1) / NS_PER_S;
}

int po_pcm_gains_equal(const struct po_pcm_gains *a, const struct po_pcm_gains *b)
{
	size_t na = a ? a->n : 0, nb = b ? b->n : 0;
	if (na != nb)
		return 0;
	for (size_t k = 0; k < na; k++)
		if (a->from_ns[k] != b->from_ns[k] || a->db[k] != b->db[k])
			return 0;
	return 1;
}

static float linear(double db)
{
	return (float)pow(10.0, db / 20.0);
}

/* The switches: one entry per run of samples with one gain. A file with no
 * frames (its successor starts where it does) gives its place to the next;
 * neighbours with the same gain are one run. */
static void init_gains(struct po_pcm_shape *sh, int rate, const struct po_pcm_gains *g)
{
	sh->ngain = 1;
	sh->gain_from[0] = INT64_MIN;
	sh->gain[0] = g && g->n ? linear(g->db[0]) : 1.0f;
	sh->ramp_n = (int64_t)PO_PCM_GAIN_RAMP_MS * rate / 1000;
	if (sh->ramp_n < 1)
		sh->ramp_n = 1;
	for (size_t k = 1; g && k < g->n && k < PO_PCM_GAINS_MAX; k++) {
		int64_t from = po_pcm_samples_up(g->from_ns[k] > 0 ? g->from_ns[k] : 0, rate);
		size_t last = sh->ngain - 1;
		float lin = linear(g->db[k]);
		if (from <= (last ? sh->gain_from[last] : 0)) {
			sh->gain[last] = lin; /* the one before has no samples */
			if (last && sh->gain[last - 1] == lin)
				sh->ngain--;
			continue;
		}
		if (lin == sh->gain[last])
			continue;
		sh->gain_from[sh->ngain] = from;
		sh->gain[sh->ngain] = lin;
		sh->ngain++;
	}
}

void po_pcm_shape_init(struct po_pcm_shape *sh, int rate, int channels,
		       const struct po_pcm_gains *gains, int fade_in_ms, int fade_out_ms,
		       int64_t cut_ns, int64_t total_ns)
{
	sh->channels = channels;
	init_gains(sh, rate, gains);
	sh->fade_in_n = (int64_t)fade_in_ms * rate / 1000;
	sh->fade_out_n = 0;
	sh->cut_at = INT64_MAX;
	/* end_ms is whole milliseconds: a cut within the audio's last
	 * millisecond is its natural end, not faded. */
	if (cut_ns <= total_ns - NS_PER_MS) {
		sh->cut_at = po_pcm_samples(cut_ns, rate);
		sh->fade_out_n = (int64_t)fade_out_ms * rate / 1000;
	}
}

/* The gain of sample pos, which lies in run k. A run too short for its
 * ramps takes the lower of the two where they overlap: a sample never gets
 * more than its own run's gain. */
static float gain_in(const struct po_pcm_shape *sh, size_t k, int64_t pos)
{
	float g = sh->gain[k];
	if (k > 0 && sh->gain[k - 1] < sh->gain[k] && pos - sh->gain_from[k] < sh->ramp_n) {
		/* up from the run before, over this run's first ramp_n samples */
		float a = sh->gain[k - 1];
		float r = a + (sh->gain[k] - a) * (float)(pos - sh->gain_from[k] + 1) /
				      (float)sh->ramp_n;
		if (r < g)
			g = r;
	}
	if (k + 1 < sh->ngain && sh->gain[k + 1] < sh->gain[k] &&
	    sh->gain_from[k + 1] - pos <= sh->ramp_n) {
		/* down to the next run, over this run's last ramp_n samples */
		float a = sh->gain[k], b = sh->gain[k + 1];
		float r = a + (b - a) * (float)(pos - sh->gain_from[k + 1] + sh->ramp_n + 1) /
				      (float)sh->ramp_n;
		if (r < g)
			g = r;
	}
	return g;
}

/* The run sample pos lies in. */
static size_t run_of(const struct po_pcm_shape *sh, int64_t pos)
{
	size_t k = 0;
	while (k + 1 < sh->ngain && pos >= sh->gain_from[k + 1])
		k++;
	return k;
}

float po_pcm_shape_gain_at(const struct po_pcm_shape *sh, int64_t pos)
{
	return gain_in(sh, run_of(sh, pos), pos);
}

size_t po_pcm_shape_apply(const struct po_pcm_shape *sh, float *pcm, size_t n, int64_t first)
{
	size_t keep = n;
	if (sh->cut_at != INT64_MAX) {
		if (first >= sh->cut_at)
			return 0;
		if (sh->cut_at - first < (int64_t)n)
			keep = (size_t)(sh->cut_at - first);
	}
	int64_t fade_from = sh->cut_at == INT64_MAX ? INT64_MAX : sh->cut_at - sh->fade_out_n;
	size_t k = run_of(sh, first);
	for (size_t i = 0; i < keep; i++) {
		int64_t pos = first + (int64_t)i;
		while (k + 1 < sh->ngain && pos >= sh->gain_from[k + 1])
			k++;
		float g = sh->ngain == 1 ? sh->gain[0] : gain_in(sh, k, pos);
		if (pos < sh->fade_in_n)
			g *= (float)(pos + 1) / (float)sh->fade_in_n;
		if (pos >= fade_from)
			g *= (float)(sh->cut_at - 1 - pos) / (float)sh->fade_out_n;
		if (g == 1.0f)
			continue;
		for (int c = 0; c < sh->channels; c++)
			pcm[i * (size_t)sh->channels + (size_t)c] *= g;
	}
	return keep;
}
