/*
 * core/mp3gain.c: Layer III frames of MPEG-1, 2 and 2.5, mono and stereo,
 * with and without CRC, made with lame at test time; the adjusted stream
 * decodes (mpg123) to the original scaled by 2^(steps/4), its CRCs stay
 * valid (ffmpeg's CRC check), gains clamp at 0 and 255, and Layer II is
 * refused.
 */
#include "runner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <playout/util.h>

#include "mp3gain.h"

static char *tmp_path(const char *name)
{
	static char path[8][512];
	static int k;
	char *p = path[k++ % 8];
	snprintf(p, 512, "%s/%s", po_test_tmpdir(), name);
	return p;
}

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc(sz > 0 ? (size_t)sz : 1);
	*n = b ? fread(b, 1, (size_t)sz, f) : 0;
	fclose(f);
	return b;
}

static int spill(const char *path, const uint8_t *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t w = fwrite(b, 1, n, f);
	return fclose(f) == 0 && w == n ? 0 : -1;
}

/* A 2 s tone (two tones in stereo) at rate Hz encoded by lame: no LAME
 * tag, no ID3, so the file is Layer III frames only. NULL when a tool is
 * missing. */
static const char *make_mp3(const char *name, int rate, int stereo, int crc)
{
	char wav[512], src[256], r[16];
	snprintf(wav, sizeof wav, "%s.wav", tmp_path(name));
	snprintf(src, sizeof src, "aevalsrc=0.3*sin(2*PI*440*t)%s:s=%d:d=2",
		 stereo ? "|0.2*sin(2*PI*660*t)" : "", rate);
	const char *ff[] = { "ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
			     "-i", src, "-c:a", "pcm_s16le", wav, NULL };
	if (po_test_run_quiet(ff) != 0)
		return NULL;
	const char *out = tmp_path(name);
	snprintf(r, sizeof r, "%g", rate / 1000.0);
	const char *lame[] = { "lame", "--quiet", "-t", "-b", "64", "--resample", r,
			       "-m", stereo ? "j" : "m", crc ? "-p" : "--quiet", wav, out, NULL };
	return po_test_run_quiet(lame) == 0 ? out : NULL;
}

/* Decode with mpg123 to raw float; malloc'd samples, *n of them. */
static float *decode(const char *mp3, size_t *n)
{
	char raw[600];
	snprintf(raw, sizeof raw, "%s.f32", mp3);
	const char *argv[] = { "mpg123", "-q", "-e", "f32", "-O", raw, mp3, NULL };
	if (po_test_run_quiet(argv) != 0)
		return NULL;
	size_t bytes = 0;
	float *v = (float *)(void *)slurp(raw, &bytes);
	*n = bytes / sizeof(float);
	return v;
}

struct kind {
	const char *name;
	int rate, stereo, crc, version;
};

static const struct kind kinds[] = {
	{ "m1_mono_crc.mp3", 44100, 0, 1, 10 },
	{ "m1_stereo.mp3", 44100, 1, 0, 10 },
	{ "m1_stereo_crc.mp3", 48000, 1, 1, 10 },
	{ "m2_mono.mp3", 22050, 0, 0, 20 },
	{ "m2_stereo_crc.mp3", 24000, 1, 1, 20 },
	{ "m25_stereo_crc.mp3", 11025, 1, 1, 25 },
};

static void test_adjusted_frames_decode_to_the_original_scaled(void)
{
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		const struct kind *kd = &kinds[k];
		const char *orig = make_mp3(kd->name, kd->rate, kd->stereo, kd->crc);
		if (!orig)
			PO_SKIP("ffmpeg or lame missing");
		size_t n = 0;
		uint8_t *b = slurp(orig, &n);
		CU_ASSERT_FATAL(b && n > 1000);
		struct playout_mp3_hdr h;
		CU_ASSERT_FATAL(playout_mp3_hdr_parse(b, n, &h));
		PO_EXPECT_INT(h.version, kd->version);
		PO_EXPECT_INT(h.mono, !kd->stereo);
		PO_EXPECT_INT(!(b[1] & 1), kd->crc);
		for (int steps = -4; steps <= 3; steps += 7) {
			uint8_t *c = malloc(n);
			CU_ASSERT_FATAL(c != NULL);
			memcpy(c, b, n);
			struct po_mp3gain_tally t = {0};
			po_mp3gain_run(c, n, steps, &t);
			PO_EXPECT_INT(t.refused, 0);
			PO_EXPECT_INT(t.clamped, 0);
			CU_ASSERT(t.frames > 30);
			char adj[600];
			snprintf(adj, sizeof adj, "%s.%d.mp3", orig, steps + 10);
			PO_EXPECT_INT_FATAL(spill(adj, c, n), 0);
			size_t na = 0, nb = 0;
			float *a = decode(orig, &na), *d = decode(adj, &nb);
			CU_ASSERT_FATAL(a && d);
			PO_EXPECT_INT(nb, na);
			/* least squares scale and the residual against it */
			double ad = 0, aa = 0, err = 0, want = pow(2, steps / 4.0);
			for (size_t i = 0; i < na && i < nb; i++) {
				ad += (double)a[i] * d[i];
				aa += (double)a[i] * a[i];
			}
			for (size_t i = 0; i < na && i < nb; i++)
				err += pow(d[i] - want * a[i], 2);
			CU_ASSERT_FATAL(aa > 0);
			PO_EXPECT_DOUBLE(ad / aa, want, 1e-4 * want);
			CU_ASSERT(sqrt(err / aa) < 1e-4);
			free(a);
			free(d);
			free(c);
		}
		free(b);
	}
}

static void test_crc_is_written_again_and_valid(void)
{
	const char *orig = make_mp3("crc.mp3", 44100, 1, 1);
	if (!orig)
		PO_SKIP("ffmpeg or lame missing");
	size_t n = 0;
	uint8_t *b = slurp(orig, &n);
	CU_ASSERT_FATAL(b && n > 1000);
	uint8_t *c = malloc(n);
	CU_ASSERT_FATAL(c != NULL);
	/* 0 steps rewrites every CRC: it must be lame's own, byte for byte */
	memcpy(c, b, n);
	struct po_mp3gain_tally t = {0};
	po_mp3gain_run(c, n, 0, &t);
	CU_ASSERT(t.frames > 30);
	PO_EXPECT_INT(memcmp(b, c, n), 0);
	/* after a real change the CRC differs and ffmpeg's check accepts it */
	po_mp3gain_run(c, n, -3, &t);
	PO_EXPECT_INT(c[4] == b[4] && c[5] == b[5], 0);
	const char *adj = tmp_path("crc_adj.mp3");
	PO_EXPECT_INT_FATAL(spill(adj, c, n), 0);
	const char *ff[] = { "ffmpeg", "-hide_banner", "-loglevel", "error", "-err_detect",
			     "crccheck+explode", "-xerror", "-i", adj, "-f", "null", "-", NULL };
	PO_EXPECT_INT(po_test_run_quiet(ff), 0);
	/* a wrong CRC is caught by the same check: the check is real */
	c[5] ^= 0x5a;
	PO_EXPECT_INT_FATAL(spill(adj, c, n), 0);
	CU_ASSERT(po_test_run_quiet(ff) != 0);
	free(c);
	free(b);
}

/* A frame damaged on its way (its CRC no longer matches) must not be made
 * to look whole by the gain, or a decoder plays the damage instead of
 * hiding it; and the gain undoes bit for bit either way. */
static void test_a_wrong_crc_stays_wrong(void)
{
	const char *orig = make_mp3("badcrc.mp3", 44100, 1, 1);
	if (!orig)
		PO_SKIP("ffmpeg or lame missing");
	size_t n = 0;
	uint8_t *b = slurp(orig, &n);
	CU_ASSERT_FATAL(b && n > 1000);
	/* the second frame (the first is lame's Info frame, not decoded) */
	struct playout_mp3_hdr h;
	CU_ASSERT_FATAL(playout_mp3_hdr_parse(b, n, &h));
	size_t at = h.len;
	CU_ASSERT_FATAL(playout_mp3_hdr_parse(b + at, n - at, &h));
	b[at + 5] ^= 0x21; /* its CRC, wrong */
	uint8_t *c = malloc(n);
	CU_ASSERT_FATAL(c != NULL);
	memcpy(c, b, n);
	PO_EXPECT_INT(po_mp3gain_apply(c + at, h.len, -3), 0);
	const char *adj = tmp_path("badcrc_adj.mp3");
	PO_EXPECT_INT_FATAL(spill(adj, c, n), 0);
	const char *ff[] = { "ffmpeg", "-hide_banner", "-loglevel", "error", "-err_detect",
			     "crccheck+explode", "-xerror", "-i", adj, "-f", "null", "-", NULL };
	CU_ASSERT(po_test_run_quiet(ff) != 0);
	PO_EXPECT_INT(po_mp3gain_apply(c + at, h.len, 3), 0);
	PO_EXPECT_INT(memcmp(b, c, n), 0);
	free(c);
	free(b);
}

static void test_gain_clamps_at_0_and_255(void)
{
	const char *orig = make_mp3("clamp.mp3", 22050, 1, 1);
	if (!orig)
		PO_SKIP("ffmpeg or lame missing");
	size_t n = 0;
	uint8_t *b = slurp(orig, &n);
	CU_ASSERT_FATAL(b && n > 1000);
	struct playout_mp3_hdr h;
	CU_ASSERT_FATAL(playout_mp3_hdr_parse(b, n, &h));
	struct po_mp3gain_info in;
	PO_EXPECT_INT(po_mp3gain_check(b, h.len, &in, NULL), 0);
	PO_EXPECT_INT(in.granules, 2); /* MPEG-2 stereo: one granule per channel */
	CU_ASSERT(in.min_gain > 100 && in.max_gain < 255);
	int up = 255 - in.max_gain;
	PO_EXPECT_INT(po_mp3gain_apply(b, h.len, up), 0);
	PO_EXPECT_INT(po_mp3gain_check(b, h.len, &in, NULL), 0);
	PO_EXPECT_INT(in.max_gain, 255);
	PO_EXPECT_INT(po_mp3gain_apply(b, h.len, 1), 1 + (in.min_gain == 255));
	PO_EXPECT_INT(po_mp3gain_apply(b, h.len, -300), 2);
	PO_EXPECT_INT(po_mp3gain_check(b, h.len, &in, NULL), 0);
	PO_EXPECT_INT(in.min_gain, 0);
	PO_EXPECT_INT(in.max_gain, 0);
	/* a granule that codes nothing (part2_3_length 0, side bits 10..21
	 * here) changes nothing when clamped: not counted */
	PO_EXPECT_INT(po_mp3gain_apply(b, h.len, 100), 0);
	uint8_t *side = b + 6;
	side[1] &= 0xc0;
	side[2] &= 0x03;
	PO_EXPECT_INT(po_mp3gain_apply(b, h.len, -300), 1);
	free(b);
}

static void test_layer_ii_and_broken_frames_are_refused(void)
{
	const char *p = tmp_path("l2.mp2");
	const char *ff[] = { "ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
			     "-i", "sine=frequency=440:sample_rate=44100:duration=1", "-c:a", "mp2",
			     "-f", "mp2", p, NULL };
	if (po_test_run_quiet(ff) != 0)
		PO_SKIP("ffmpeg missing");
	size_t n = 0;
	uint8_t *b = slurp(p, &n);
	CU_ASSERT_FATAL(b && n > 1000);
	const char *why = NULL;
	PO_EXPECT_INT(po_mp3gain_check(b, n, NULL, &why), -1);
	CU_ASSERT_FATAL(why != NULL);
	CU_ASSERT(strstr(why, "Layer II") != NULL);
	uint8_t *c = malloc(n);
	CU_ASSERT_FATAL(c != NULL);
	memcpy(c, b, n);
	PO_EXPECT_INT(po_mp3gain_apply(c, n, 4), -1);
	struct po_mp3gain_tally t = {0};
	po_mp3gain_run(c, n, 4, &t);
	PO_EXPECT_INT(t.frames, 0);
	CU_ASSERT(t.refused > 10);
	PO_EXPECT_INT(memcmp(b, c, n), 0);
	/* a Layer III frame cut inside its side information */
	const char *m = make_mp3("short.mp3", 44100, 1, 0);
	if (m) {
		size_t k = 0;
		uint8_t *f = slurp(m, &k);
		CU_ASSERT_FATAL(f && k > 100);
		why = NULL;
		PO_EXPECT_INT(po_mp3gain_check(f, 20, NULL, &why), -1);
		CU_ASSERT(why && strstr(why, "cut short"));
		PO_EXPECT_INT(po_mp3gain_check(f, 3, NULL, &why), -1);
		free(f);
	}
	free(c);
	free(b);
}

static const struct po_test gain_tests[] = {
	{"adjusted_frames_decode_to_the_original_scaled",
	 test_adjusted_frames_decode_to_the_original_scaled},
	{"crc_is_written_again_and_valid", test_crc_is_written_again_and_valid},
	{"a_wrong_crc_stays_wrong", test_a_wrong_crc_stays_wrong},
	{"gain_clamps_at_0_and_255", test_gain_clamps_at_0_and_255},
	{"layer_ii_and_broken_frames_are_refused", test_layer_ii_and_broken_frames_are_refused},
	{NULL, NULL},
};

static const struct po_suite suites[] = {
	{"mp3gain", gain_tests, NULL, NULL},
	{NULL, NULL, NULL, NULL},
};

int main(void)
{
	return po_test_run("test_mp3gain", suites);
}
