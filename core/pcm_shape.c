/*
 * Gain, fades and the cut at the sample (pcm_shape.h). Linear ramps: the
 * fade-out reaches silence on the last sample before the cut, so what
 * follows (the next item, or the end of the stream) starts from nothing.
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

void po_pcm_shape_init(struct po_pcm_shape *sh, int rate, int channels, double gain_db,
		       int fade_in_ms, int fade_out_ms, int64_t cut_ns, int64_t total_ns)
{
	sh->channels = channels;
	sh->gain = (float)pow(10.0, gain_db / 20.0);
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
	for (size_t i = 0; i < keep; i++) {
		int64_t pos = first + (int64_t)i;
		float g = sh->gain;
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
