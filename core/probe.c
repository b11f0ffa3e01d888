/*
 * The probe (probe.h): decode with libmpg123 into float, feed libebur128
 * for loudness, and find silence on 10 ms blocks by their peak sample. What
 * is kept of a file's scan, and where, is media_scan.c's job.
 */
#include "probe.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ebur128.h>
#include <mpg123.h>


/* ---- silence ------------------------------------------------------------ */

/* Silence runs over 10 ms blocks. */
struct silence_scan {
	double threshold;        /* linear peak */
	int64_t max_ms;
	long block_frames;       /* frames per 10 ms */
	long in_block;           /* frames seen in the current block */
	float block_peak;
	int64_t blocks;          /* complete blocks so far */
	int64_t run_start;       /* block where the current silent run began, -1 */
	int64_t first_loud;      /* first non-silent block, -1 */
	struct po_probe *out;
};

static void silence_run_end(struct silence_scan *s, int64_t end_block)
{
	int64_t start_ms = s->run_start * 10, len_ms = (end_block - s->run_start) * 10;
	if (s->run_start == 0)
		s->out->leading_silence_ms = len_ms;
	if (len_ms > s->max_ms) {
		if (s->out->nsilences < PO_PROBE_MAX_SILENCES) {
			s->out->silences[s->out->nsilences].start_ms = start_ms;
			s->out->silences[s->out->nsilences].len_ms = len_ms;
			s->out->nsilences++;
		}
		s->out->nsilences_total++;
	}
}

static void silence_block_done(struct silence_scan *s)
{
	int silent = s->block_peak < s->threshold;
	if (silent && s->run_start < 0)
		s->run_start = s->blocks;
	if (!silent) {
		if (s->first_loud < 0)
			s->first_loud = s->blocks;
		if (s->run_start >= 0)
			silence_run_end(s, s->blocks);
		s->run_start = -1;
	}
	s->blocks++;
	s->in_block = 0;
	s->block_peak = 0;
}

static void silence_feed(struct silence_scan *s, const float *v, size_t frames, int channels)
{
	for (size_t i = 0; i < frames; i++) {
		for (int c = 0; c < channels; c++) {
			float a = fabsf(v[i * (size_t)channels + (size_t)c]);
			if (a > s->block_peak)
				s->block_peak = a;
		}
		if (++s->in_block == s->block_frames)
			silence_block_done(s);
	}
}

static void silence_finish(struct silence_scan *s)
{
	if (s->in_block > 0)
		silence_block_done(s);
	if (s->run_start >= 0) {
		s->out->trailing_silence_ms = (s->blocks - s->run_start) * 10;
		silence_run_end(s, s->blocks);
	}
}

/* ---- decode and measure ------------------------------------------------- */

static double db(double linear)
{
	return linear > 0 ? 20 * log10(linear) : -INFINITY;
}

static void set_why(struct po_probe *out, uint32_t flag, const char *fmt, const char *detail)
{
	out->flags |= flag;
	snprintf(out->why, sizeof out->why, fmt, detail);
}

int po_probe_file(const char *path, const struct po_probe_opts *o, struct po_probe *out,
		  struct playout_error *err)
{
	int rc = PLAYOUT_OK, e = 0;
	long rate = 0;
	int channels = 0, enc = 0;
	ebur128_state *eb = NULL;
	unsigned char *buf = NULL;
	const size_t bufsize = 1 << 16;
	struct silence_scan sil;

	memset(out, 0, sizeof *out);
	out->integrated_lufs = out->true_peak_dbtp = -INFINITY;
	struct stat sb;
	if (stat(path, &sb) < 0)
		return playout_error_set(err, errno == ENOENT ? PLAYOUT_ENOTFOUND : PLAYOUT_EIO,
					 "probe: %s: %s", path, strerror(errno));
	mpg123_init();
	mpg123_handle *mh = mpg123_new(NULL, &e);
	if (!mh)
		return playout_error_set(err, PLAYOUT_ENOMEM, "probe: %s: cannot create a decoder: %s",
					 path, mpg123_plain_strerror(e));
	mpg123_param(mh, MPG123_FLAGS, MPG123_QUIET | MPG123_FORCE_FLOAT | MPG123_GAPLESS, 0);
	mpg123_param(mh, MPG123_RESYNC_LIMIT, -1, 0);
	if (mpg123_open(mh, path) != MPG123_OK || mpg123_getformat(mh, &rate, &channels, &enc) != MPG123_OK ||
	    rate <= 0 || channels < 1 || channels > 2) {
		set_why(out, PLAYOUT_ASSET_NO_AUDIO, "has no playable audio (%s)", mpg123_strerror(mh));
		rc = playout_error_set(err, PLAYOUT_EINVAL, "probe: %s: no MPEG audio: %s", path,
				       mpg123_strerror(mh));
		goto out;
	}
	/* Hold the format: a stream that changes it is measured up to there. */
	mpg123_format_none(mh);
	mpg123_format(mh, rate, channels, MPG123_ENC_FLOAT_32);
	/* Histogram mode: a fixed table of loudness bins (0.1 LU) instead of
	 * a list that grows by a block every 100 ms, so measuring a three-hour
	 * programme takes no more memory than a three-minute one. */
	eb = ebur128_init((unsigned)channels, (unsigned long)rate,
			  EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK |
			  EBUR128_MODE_HISTOGRAM);
	buf = malloc(bufsize);
	if (!eb || !buf) {
		rc = playout_error_set(err, PLAYOUT_ENOMEM, "probe: %s: out of memory", path);
		goto out;
	}
	memset(&sil, 0, sizeof sil);
	sil.threshold = pow(10, o->silence_threshold_db / 20);
	sil.max_ms = (int64_t)(o->silence_max_s * 1000);
	sil.block_frames = rate / 100;
	sil.run_start = sil.first_loud = -1;
	sil.out = out;
	int64_t frames_total = 0;
	for (;;) {
		size_t got = 0;
		if (o->stop && __atomic_load_n(o->stop, __ATOMIC_RELAXED)) {
			rc = playout_error_set(err, PLAYOUT_EUNAVAIL, "probe: %s: stopped", path);
			goto out;
		}
		int r = mpg123_read(mh, buf, bufsize, &got);
		size_t frames = got / (sizeof(float) * (size_t)channels);
		if (frames > 0) {
			ebur128_add_frames_float(eb, (const float *)(void *)buf, frames);
			silence_feed(&sil, (const float *)(void *)buf, frames, channels);
			frames_total += (int64_t)frames;
		}
		if (r == MPG123_DONE)
			break;
		if (r == MPG123_NEW_FORMAT) {
			long r2;
			int c2, e2;
			if (mpg123_getformat(mh, &r2, &c2, &e2) == MPG123_OK && r2 == rate && c2 == channels)
				continue;
			break;
		}
		if (r != MPG123_OK) {
			/* libmpg123 resyncs by itself; an error here ends the stream. */
			out->decode_errors++;
			break;
		}
	}
	silence_finish(&sil);
	out->decoded_ms = frames_total * 1000 / rate;
	if (frames_total == 0) {
		set_why(out, PLAYOUT_ASSET_NO_AUDIO, "has no playable audio (%s)", "nothing decodes");
		rc = playout_error_set(err, PLAYOUT_EINVAL, "probe: %s: no audio decodes", path);
		goto out;
	}
	double v;
	if (ebur128_loudness_global(eb, &v) == EBUR128_SUCCESS)
		out->integrated_lufs = v;
	if (ebur128_loudness_range(eb, &v) == EBUR128_SUCCESS)
		out->range_lu = v;
	double peak = 0;
	for (unsigned c = 0; c < (unsigned)channels; c++)
		if (ebur128_true_peak(eb, c, &v) == EBUR128_SUCCESS && v > peak)
			peak = v;
	out->true_peak_dbtp = db(peak);
	if (sil.first_loud < 0) {
		char t[32];
		snprintf(t, sizeof t, "%g", o->silence_threshold_db);
		set_why(out, PLAYOUT_ASSET_SILENT, "is silent throughout (peak below %s dBFS)", t);
	}
out:
	free(buf);
	if (eb)
		ebur128_destroy(&eb);
	mpg123_close(mh);
	mpg123_delete(mh);
	return rc;
}
