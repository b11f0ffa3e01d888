/*
 * core/mp3.c: frame index. Fixtures are encoded at test time by piping a
 * sine tone through lame; frame headers are also parsed by hand here so the
 * index is checked against an independent count.
 */
#include "runner.h"

#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mp3.h"

/* ---- fixtures ------------------------------------------------------------ */

/* Encode seconds of a 440 Hz tone at rate_hz with lame; extra: more lame
 * arguments (NULL-terminated) such as "-t". Returns 0 on success. */
static int encode(const char *out, int rate_hz, int channels, double seconds, int kbps,
		  const char *const *extra)
{
	char rate[16], br[16];
	snprintf(rate, sizeof rate, "%g", rate_hz / 1000.0);
	snprintf(br, sizeof br, "%d", kbps);
	const char *argv[32] = { "lame", "-r", "-s", rate, "--bitwidth", "16", "--signed",
				 "--little-endian", "-m", channels == 1 ? "m" : "j", "--quiet" };
	int n = 11;
	if (kbps > 0) {
		argv[n++] = "-b";
		argv[n++] = br;
	}
	for (; extra && *extra; extra++)
		argv[n++] = *extra;
	argv[n++] = "-";
	argv[n++] = out;
	argv[n] = NULL;

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
	int16_t buf[2048];
	int ok = 1;
	for (size_t i = 0; i < nsamp && ok;) {
		size_t k = 0;
		for (; k + (size_t)channels <= 2048 && i < nsamp; i++)
			for (int c = 0; c < channels; c++)
				buf[k++] = (int16_t)(8000 * sin(2 * M_PI * 440.0 * (double)i / rate_hz));
		ok = write(fds[1], buf, k * sizeof buf[0]) == (ssize_t)(k * sizeof buf[0]);
	}
	close(fds[1]);
	signal(SIGPIPE, old);
	int st = 0;
	waitpid(pid, &st, 0);
	return ok && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static char *tmp_path(const char *name)
{
	static char path[8][512];
	static int k;
	char *p = path[k++ % 8];
	snprintf(p, 512, "%s/%s", po_test_tmpdir(), name);
	return p;
}

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc((size_t)sz + 1);
	if (b && fread(b, 1, (size_t)sz, f) != (size_t)sz) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*n = (size_t)sz;
	return b;
}

static void spit(const char *path, const void *a, size_t na, const void *b, size_t nb,
		 const void *c, size_t nc)
{
	FILE *f = fopen(path, "wb");
	CU_ASSERT_FATAL(f != NULL);
	PO_EXPECT_INT(fwrite(a, 1, na, f), na);
	if (nb)
		PO_EXPECT_INT(fwrite(b, 1, nb, f), nb);
	if (nc)
		PO_EXPECT_INT(fwrite(c, 1, nc, f), nc);
	fclose(f);
}

/* Independent layer III header parser: frame length at p, or 0. */
static size_t hand_frame_len(const unsigned char *p, size_t left)
{
	static const int br1[16] = { 0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0 };
	static const int br2[16] = { 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0 };
	static const int sr1[3] = { 44100, 48000, 32000 };
	if (left < 4 || p[0] != 0xff || (p[1] & 0xe0) != 0xe0 || ((p[1] >> 1) & 3) != 1)
		return 0;
	int mpeg1 = (p[1] >> 3) & 1;
	int bri = p[2] >> 4, sri = (p[2] >> 2) & 3, pad = (p[2] >> 1) & 1;
	if (sri == 3 || bri == 0 || bri == 15)
		return 0;
	int sr = sr1[sri] >> (mpeg1 ? 0 : 1);
	int br = (mpeg1 ? br1 : br2)[bri] * 1000;
	return (size_t)((mpeg1 ? 144 : 72) * br / sr + pad);
}

/* Count frames from byte start to the end, filling offsets (may be NULL). */
static unsigned hand_count(const unsigned char *b, size_t n, size_t start, uint32_t *offs)
{
	unsigned k = 0;
	size_t pos = start;
	while (pos < n) {
		size_t len = hand_frame_len(b + pos, n - pos);
		if (!len || pos + len > n)
			break;
		if (offs)
			offs[k] = (uint32_t)pos;
		k++;
		pos += len;
	}
	return pos == n ? k : 0;
}

static const char *const notag[] = { "-t", NULL };

/* The basic fixture: 2 s, 44.1 kHz mono CBR 128, no Xing frame. */
static const char *mono44(void)
{
	static int done;
	const char *p = tmp_path("mono44.mp3");
	if (!done)
		done = encode(p, 44100, 1, 2.0, 128, notag) == 0;
	return done ? p : NULL;
}

/* ---- tests -------------------------------------------------------------- */

static void test_cbr_index_matches_hand_parsed_headers(void)
{
	const char *path = mono44();
	CU_ASSERT_FATAL(path != NULL);
	size_t n;
	unsigned char *b = slurp(path, &n);
	CU_ASSERT_FATAL(b != NULL);
	uint32_t offs[256];
	unsigned count = hand_count(b, n, 0, offs);
	CU_ASSERT_FATAL(count > 70 && count < 256);

	struct po_mp3_index *ix = NULL;
	struct playout_error err = { 0, "" };
	PO_EXPECT_INT_FATAL(po_mp3_index_file(path, &ix, &err), 0);
	PO_EXPECT_INT(ix->nframes, count);
	for (uint32_t k = 0; k < ix->nframes && k < count; k++)
		PO_EXPECT_INT(ix->frames[k].offset, offs[k]);
	PO_EXPECT_INT(ix->version, 10);
	PO_EXPECT_INT(ix->layer, 3);
	PO_EXPECT_INT(ix->sample_rate, 44100);
	PO_EXPECT_INT(ix->channels, 1);
	PO_EXPECT_INT(ix->samples_per_frame, 1152);
	PO_EXPECT_INT(ix->bitrate_kbps, 128);
	PO_EXPECT_INT(ix->resyncs, 0);
	PO_EXPECT_INT(ix->file_size, (int64_t)n);
	PO_EXPECT_INT(ix->duration_ms, (int64_t)count * 1152 * 1000 / 44100);
	free(b);
	po_mp3_index_unref(ix);
}

static void test_frames_tile_the_file_exactly(void)
{
	const char *path = mono44();
	CU_ASSERT_FATAL(path != NULL);
	struct po_mp3_index *ix = NULL;
	PO_EXPECT_INT_FATAL(po_mp3_index_file(path, &ix, NULL), 0);
	PO_EXPECT_INT(ix->frames[0].offset, 0);
	for (uint32_t k = 0; k + 1 < ix->nframes; k++)
		PO_EXPECT_INT(ix->frames[k + 1].offset, ix->frames[k].offset + ix->frames[k].len);
	const struct po_mp3_frame *last = &ix->frames[ix->nframes - 1];
	PO_EXPECT_INT((int64_t)last->offset + last->len, ix->file_size);
	po_mp3_index_unref(ix);
}

static void test_info_frame_is_not_indexed(void)
{
	const char *path = tmp_path("info.mp3");
	PO_EXPECT_INT_FATAL(encode(path, 44100, 1, 2.0, 128, NULL), 0);
	size_t n;
	unsigned char *b = slurp(path, &n);
	CU_ASSERT_FATAL(b != NULL);
	int has_info = 0;
	for (size_t i = 0; i + 4 < n && i < 200; i++)
		has_info |= memcmp(b + i, "Info", 4) == 0;
	CU_ASSERT(has_info); /* lame wrote one */
	size_t info_len = hand_frame_len(b, n);
	unsigned count = hand_count(b, n, 0, NULL);
	CU_ASSERT_FATAL(info_len > 0 && count > 1);

	struct po_mp3_index *ix = NULL;
	PO_EXPECT_INT_FATAL(po_mp3_index_file(path, &ix, NULL), 0);
	PO_EXPECT_INT(ix->nframes, count - 1);
	PO_EXPECT_INT(ix->frames[0].offset, info_len);
	PO_EXPECT_INT(ix->resyncs, 0);
	free(b);
	po_mp3_index_unref(ix);
}

static void test_id3v2_tag_is_skipped(void)
{
	const char *src = mono44();
	CU_ASSERT_FATAL(src != NULL);
	size_t n;
	unsigned char *b = slurp(src, &n);
	CU_ASSERT_FATAL(b != NULL);
	/* A 1 KiB ID3v2.3 tag: 10-byte header, syncsafe size 1014, one TIT2 frame. */
	unsigned char tag[1024];
	memset(tag, 0, sizeof tag);
	memcpy(tag, "ID3\x03\x00\x00", 6);
	tag[6] = 0, tag[7] = 0, tag[8] = 1014 >> 7, tag[9] = 1014 & 0x7f;
	memcpy(tag + 10, "TIT2\x00\x00\x00\x06\x00\x00\x00hello", 16);
	const char *path = tmp_path("id3.mp3");
	spit(path, tag, sizeof tag, b, n, NULL, 0);

	struct po_mp3_index *plain = NULL, *ix = NULL;
	PO_EXPECT_INT_FATAL(po_mp3_index_file(src, &plain, NULL), 0);
	PO_EXPECT_INT_FATAL(po_mp3_index_file(path, &ix, NULL), 0);
	PO_EXPECT_INT(ix->frames[0].offset, 1024);
	PO_EXPECT_INT(ix->nframes, plain->nframes);
	PO_EXPECT_INT(ix->resyncs, 0);
	PO_EXPECT_INT(ix->frames[ix->nframes - 1].offset, plain->frames[plain->nframes - 1].offset + 1024);
	free(b);
	po_mp3_index_unref(plain);
	po_mp3_index_unref(ix);
}

static void test_junk_in_the_middle_is_skipped_and_counted(void)
{
	const char *src = mono44();
	CU_ASSERT_FATAL(src != NULL);
	struct po_mp3_index *plain = NULL, *ix = NULL;
	PO_EXPECT_INT_FATAL(po_mp3_index_file(src, &plain, NULL), 0);
	size_t n;
	unsigned char *b = slurp(src, &n);
	CU_ASSERT_FATAL(b != NULL);
	char junk[300];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = "garbage in the middle "[i % 22];
	size_t cut = plain->frames[10].offset;
	const char *path = tmp_path("junk.mp3");
	spit(path, b, cut, junk, sizeof junk, b + cut, n - cut);

	PO_EXPECT_INT_FATAL(po_mp3_index_file(path, &ix, NULL), 0);
	CU_ASSERT(ix->resyncs >= 1);
	PO_EXPECT_INT(ix->nframes, plain->nframes);
	PO_EXPECT_INT(ix->frames[9].offset, plain->frames[9].offset);
	PO_EXPECT_INT(ix->frames[10].offset, plain->frames[10].offset + sizeof junk);
	PO_EXPECT_INT(ix->frames[ix->nframes - 1].offset, plain->frames[plain->nframes - 1].offset + sizeof junk);
	free(b);
	po_mp3_index_unref(plain);
	po_mp3_index_unref(ix);
}

static void test_empty_file_is_einval(void)
{
	const char *path = tmp_path("empty.mp3");
	spit(path, "", 0, NULL, 0, NULL, 0);
	struct po_mp3_index *ix = (struct po_mp3_index *)1;
	struct playout_error err = { 0, "" };
	PO_EXPECT_INT(po_mp3_index_file(path, &ix, &err), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NULL(ix);
	PO_EXPECT_INT(err.code, PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "empty.mp3"));
}

static void test_text_file_named_mp3_is_einval(void)
{
	const char *path = tmp_path("text.mp3");
	char text[4000];
	for (size_t i = 0; i < sizeof text; i++)
		text[i] = "This is not an MP3 file, only words.\n"[i % 37];
	spit(path, text, sizeof text, NULL, 0, NULL, 0);
	struct po_mp3_index *ix = NULL;
	struct playout_error err = { 0, "" };
	PO_EXPECT_INT(po_mp3_index_file(path, &ix, &err), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NULL(ix);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "text.mp3"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no MPEG audio frames"));
}

static void test_missing_file_is_enotfound(void)
{
	struct po_mp3_index *ix = NULL;
	struct playout_error err = { 0, "" };
	PO_EXPECT_INT(po_mp3_index_file(tmp_path("nope.mp3"), &ix, &err), PLAYOUT_ENOTFOUND);
	CU_ASSERT_PTR_NULL(ix);
}

static void test_mpeg2_22050_stereo_has_576_samples_per_frame(void)
{
	const char *path = tmp_path("m2.mp3");
	PO_EXPECT_INT_FATAL(encode(path, 22050, 2, 1.0, 64, notag), 0);
	size_t n;
	unsigned char *b = slurp(path, &n);
	CU_ASSERT_FATAL(b != NULL);
	unsigned count = hand_count(b, n, 0, NULL);
	struct po_mp3_index *ix = NULL;
	PO_EXPECT_INT_FATAL(po_mp3_index_file(path, &ix, NULL), 0);
	PO_EXPECT_INT(ix->version, 20);
	PO_EXPECT_INT(ix->sample_rate, 22050);
	PO_EXPECT_INT(ix->channels, 2);
	PO_EXPECT_INT(ix->samples_per_frame, 576);
	PO_EXPECT_INT(ix->bitrate_kbps, 64);
	PO_EXPECT_INT(ix->nframes, count);
	PO_EXPECT_INT(po_mp3_frame_ns(ix), 576LL * 1000000000LL / 22050);
	PO_EXPECT_INT(ix->duration_ms, (int64_t)count * 576 * 1000 / 22050);
	const struct po_mp3_frame *last = &ix->frames[ix->nframes - 1];
	PO_EXPECT_INT((int64_t)last->offset + last->len, ix->file_size);
	free(b);
	po_mp3_index_unref(ix);
}

static void test_48k_stereo_is_mpeg1(void)
{
	const char *path = tmp_path("s48.mp3");
	PO_EXPECT_INT_FATAL(encode(path, 48000, 2, 1.0, 192, notag), 0);
	struct po_mp3_index *ix = NULL;
	PO_EXPECT_INT_FATAL(po_mp3_index_file(path, &ix, NULL), 0);
	PO_EXPECT_INT(ix->version, 10);
	PO_EXPECT_INT(ix->sample_rate, 48000);
	PO_EXPECT_INT(ix->channels, 2);
	PO_EXPECT_INT(ix->samples_per_frame, 1152);
	PO_EXPECT_INT(ix->bitrate_kbps, 192);
	PO_EXPECT_INT(po_mp3_frame_ns(ix), 24000000);
	/* 48 kHz / 192 kbps frames are exactly 576 bytes (no padding). */
	PO_EXPECT_INT(ix->frames[1].len, 576);
	po_mp3_index_unref(ix);
}

static void test_vbr_file_reports_bitrate_zero(void)
{
	const char *path = tmp_path("vbr.mp3");
	static const char *const vbr[] = { "-V", "2", "-t", NULL };
	PO_EXPECT_INT_FATAL(encode(path, 44100, 2, 2.0, 0, vbr), 0);
	struct po_mp3_index *ix = NULL;
	PO_EXPECT_INT_FATAL(po_mp3_index_file(path, &ix, NULL), 0);
	PO_EXPECT_INT(ix->bitrate_kbps, 0);
	CU_ASSERT(ix->nframes > 70);
	po_mp3_index_unref(ix);
}

static void test_sample_rate_change_is_einval_with_frame_number(void)
{
	const char *a = mono44();
	const char *bpath = tmp_path("m48.mp3");
	CU_ASSERT_FATAL(a != NULL);
	PO_EXPECT_INT_FATAL(encode(bpath, 48000, 1, 1.0, 128, notag), 0);
	struct po_mp3_index *ia = NULL;
	PO_EXPECT_INT_FATAL(po_mp3_index_file(a, &ia, NULL), 0);
	size_t na, nb;
	unsigned char *ba = slurp(a, &na), *bb = slurp(bpath, &nb);
	CU_ASSERT_FATAL(ba && bb);
	const char *path = tmp_path("change.mp3");
	spit(path, ba, na, bb, nb, NULL, 0);
	struct po_mp3_index *ix = NULL;
	struct playout_error err = { 0, "" };
	PO_EXPECT_INT(po_mp3_index_file(path, &ix, &err), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NULL(ix);
	char want[64];
	snprintf(want, sizeof want, "format changes at frame %u", ia->nframes);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
	free(ba);
	free(bb);
	po_mp3_index_unref(ia);
}

static void test_mono_to_stereo_change_is_einval(void)
{
	const char *a = mono44();
	const char *bpath = tmp_path("st44.mp3");
	CU_ASSERT_FATAL(a != NULL);
	PO_EXPECT_INT_FATAL(encode(bpath, 44100, 2, 1.0, 128, notag), 0);
	size_t na, nb;
	unsigned char *ba = slurp(a, &na), *bb = slurp(bpath, &nb);
	CU_ASSERT_FATAL(ba && bb);
	const char *path = tmp_path("change2.mp3");
	spit(path, ba, na, bb, nb, NULL, 0);
	struct po_mp3_index *ix = NULL;
	struct playout_error err = { 0, "" };
	PO_EXPECT_INT(po_mp3_index_file(path, &ix, &err), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "format changes at frame"));
	free(ba);
	free(bb);
}

static void test_frame_at_ms_finds_last_frame_starting_before(void)
{
	const char *path = mono44();
	CU_ASSERT_FATAL(path != NULL);
	struct po_mp3_index *ix = NULL;
	PO_EXPECT_INT_FATAL(po_mp3_index_file(path, &ix, NULL), 0);
	PO_EXPECT_INT(po_mp3_frame_ns(ix), 26122448); /* 1152 / 44100 s */
	PO_EXPECT_INT(po_mp3_frame_at_ms(ix, 0), 0);
	PO_EXPECT_INT(po_mp3_frame_at_ms(ix, 26), 0);  /* frame 1 starts at 26.12 ms */
	PO_EXPECT_INT(po_mp3_frame_at_ms(ix, 27), 1);
	PO_EXPECT_INT(po_mp3_frame_at_ms(ix, 1000), 38); /* 38 * 26.12 = 992.7 */
	PO_EXPECT_INT(po_mp3_frame_at_ms(ix, 3600000), ix->nframes - 1);
	PO_EXPECT_INT(po_mp3_frame_at_ms(ix, -5), 0);
	po_mp3_index_unref(ix);
}

static void test_ref_keeps_index_alive_until_last_unref(void)
{
	const char *path = mono44();
	CU_ASSERT_FATAL(path != NULL);
	struct po_mp3_index *ix = NULL;
	PO_EXPECT_INT_FATAL(po_mp3_index_file(path, &ix, NULL), 0);
	PO_EXPECT_INT(ix->refs, 1);
	CU_ASSERT_PTR_EQUAL(po_mp3_index_ref(ix), ix);
	PO_EXPECT_INT(ix->refs, 2);
	po_mp3_index_unref(ix);
	PO_EXPECT_INT(ix->refs, 1); /* still readable: ASan would flag a free */
	CU_ASSERT(ix->nframes > 0);
	po_mp3_index_unref(ix);
	po_mp3_index_unref(NULL);
	CU_ASSERT_PTR_NULL(po_mp3_index_ref(NULL));
}

/* ---- issue 3: header kind, gapless, tags, damage, external tools -------- */

/* Run a command (argv) and return its stdout (and stderr when with_err),
 * malloc'd; NULL on failure. */
static char *run_capture(const char *const *argv, int with_err)
{
	int fds[2];
	if (pipe(fds) < 0)
		return NULL;
	pid_t pid = fork();
	if (pid < 0)
		return NULL;
	if (pid == 0) {
		dup2(fds[1], 1);
		if (with_err) {
			dup2(fds[1], 2);
		} else {
			int devnull = open("/dev/null", O_WRONLY);
			if (devnull >= 0)
				dup2(devnull, 2);
		}
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	ssize_t r;
	while (buf && (r = read(fds[0], buf + n, cap - n - 1)) > 0) {
		n += (size_t)r;
		if (cap - n < 4096) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	close(fds[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	if (buf)
		buf[n] = '\0';
	return buf;
}

/* The duration ffprobe reports for the file, in seconds. */
static double ffprobe_seconds(const char *path)
{
	const char *argv[] = { "ffprobe", "-v", "error", "-show_entries", "format=duration",
			       "-of", "default=nw=1:nk=1", path, NULL };
	char *out = run_capture(argv, 0);
	double d = out ? strtod(out, NULL) : -1;
	free(out);
	return d;
}

/* The frame count `mpg123 -t -v` reports on its last "> N+M" status line. */
static long mpg123_frames(const char *path)
{
	const char *argv[] = { "mpg123", "-t", "-v", path, NULL };
	char *out = run_capture(argv, 1);
	long best = -1;
	for (char *p = out; p && (p = strchr(p, '>')); p++) {
		long a, b;
		if (sscanf(p, "> %ld+%ld", &a, &b) == 2)
			best = a + b;
	}
	free(out);
	return best;
}

/* Index, ffprobe and mpg123 agree to the frame. */
static void check_against_tools(const char *path)
{
	struct po_mp3_index *ix = NULL;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_mp3_index_file(path, &ix, &err), PLAYOUT_OK);
	double frame_s = (double)ix->samples_per_frame / ix->sample_rate;
	double ff = ffprobe_seconds(path);
	CU_ASSERT(ff > 0);
	CU_ASSERT(fabs(ff - ix->nframes * frame_s) < frame_s);
	CU_ASSERT(llabs(ix->duration_ms - (int64_t)(ff * 1000)) <= (int64_t)(frame_s * 1000) + 1);
	PO_EXPECT_INT(mpg123_frames(path), (long)ix->nframes);
	po_mp3_index_unref(ix);
}

static void test_durations_match_ffprobe_and_mpg123_to_the_frame(void)
{
	static const struct { int rate, ch, kbps; const char *vbr; } v[] = {
		{ 44100, 1, 128, NULL }, { 48000, 2, 192, NULL }, { 22050, 2, 64, NULL },
		{ 44100, 2, 0, "-V2" }, { 22050, 1, 0, "-V6" },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char name[32];
		snprintf(name, sizeof name, "tools%zu.mp3", i);
		const char *p = tmp_path(name);
		const char *extra[] = { v[i].vbr, NULL };
		PO_EXPECT_INT_FATAL(encode(p, v[i].rate, v[i].ch, 3.0, v[i].kbps, extra), 0);
		check_against_tools(p);
	}
}

static void test_lame_info_header_gives_delay_padding_and_gapless_duration(void)
{
	const char *p = tmp_path("info.mp3");
	PO_EXPECT_INT_FATAL(encode(p, 44100, 1, 2.0, 128, NULL), 0);
	struct po_mp3_index *ix = NULL;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_mp3_index_file(p, &ix, &err), PLAYOUT_OK);
	PO_EXPECT_INT(ix->header_kind, PO_MP3_HEADER_INFO);
	PO_EXPECT_STR(po_mp3_header_name(ix->header_kind), "info");
	PO_EXPECT_INT(ix->header_offset, 0);
	PO_EXPECT_INT(ix->frames[0].offset, ix->header_len);
	PO_EXPECT_INT(ix->enc_delay, 576);
	CU_ASSERT(ix->enc_padding >= 0 && ix->enc_padding < 1152 + 576);
	PO_EXPECT_INT(strncmp(ix->encoder, "LAME", 4), 0);
	/* 2 s of input = 88200 samples: the gapless length is exactly that. */
	PO_EXPECT_INT((int64_t)ix->nframes * 1152 - ix->enc_delay - ix->enc_padding, 88200);
	PO_EXPECT_INT(ix->gapless_ms, 2000);
	PO_EXPECT_INT(ix->header_frames, ix->nframes);
	PO_EXPECT_INT(ix->ndamaged, 0);
	po_mp3_index_unref(ix);
}

static void test_vbr_file_has_xing_header(void)
{
	const char *p = tmp_path("xing.mp3");
	const char *extra[] = { "-V4", NULL };
	PO_EXPECT_INT_FATAL(encode(p, 44100, 2, 2.0, 0, extra), 0);
	struct po_mp3_index *ix = NULL;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_mp3_index_file(p, &ix, &err), PLAYOUT_OK);
	PO_EXPECT_INT(ix->header_kind, PO_MP3_HEADER_XING);
	PO_EXPECT_INT(ix->bitrate_kbps, 0);
	PO_EXPECT_INT(ix->header_frames, ix->nframes);
	po_mp3_index_unref(ix);
}

/* A VBRI frame written by hand in front of a headerless stream: lame cannot
 * make one. It is metadata, not audio. */
static void test_hand_made_vbri_frame_is_recognised_and_not_indexed(void)
{
	size_t n;
	unsigned char *b = slurp(mono44(), &n);
	CU_ASSERT_FATAL(b != NULL);
	size_t flen = hand_frame_len(b, n);
	CU_ASSERT_FATAL(flen > 60);
	unsigned char *vbri = calloc(1, flen);
	memcpy(vbri, b, 4); /* the same header: a 128 kbps frame */
	vbri[2] &= (unsigned char)~0x02; /* no padding bit */
	size_t vlen = hand_frame_len(vbri, flen);
	memcpy(vbri + 36, "VBRI", 4);
	vbri[36 + 17] = 77; /* frames, big endian at +14 */
	const char *p = tmp_path("vbri.mp3");
	spit(p, vbri, vlen, b, n, NULL, 0);
	struct po_mp3_index *ix = NULL, *plain = NULL;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_mp3_index_file(p, &ix, &err), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(po_mp3_index_file(mono44(), &plain, &err), PLAYOUT_OK);
	PO_EXPECT_INT(ix->header_kind, PO_MP3_HEADER_VBRI);
	PO_EXPECT_INT(ix->header_frames, 77);
	PO_EXPECT_INT(ix->nframes, plain->nframes);
	PO_EXPECT_INT(ix->frames[0].offset, vlen);
	PO_EXPECT_INT(ix->ndamaged, 0);
	po_mp3_index_unref(ix);
	po_mp3_index_unref(plain);
	free(vbri);
	free(b);
}

static void test_id3v1_and_ape_tags_are_measured_and_not_damage(void)
{
	size_t n;
	unsigned char *b = slurp(mono44(), &n);
	CU_ASSERT_FATAL(b != NULL);
	/* APEv2: header + one item + footer; footer size counts item + footer. */
	unsigned char ape[32 + 20 + 32];
	memset(ape, 0, sizeof ape);
	memcpy(ape, "APETAGEX", 8);
	memcpy(ape + 32, "\x04\0\0\0\0\0\0\0Artist\0Abba", 20 - 0);
	memcpy(ape + 52, "APETAGEX", 8);
	unsigned char *foot = ape + 52, *head = ape;
	uint32_t size = 20 + 32, ver = 2000, flags_f = 0x80000000u, flags_h = 0xa0000000u;
	for (int k = 0; k < 4; k++) {
		head[8 + k] = foot[8 + k] = (unsigned char)(ver >> (8 * k));
		head[12 + k] = foot[12 + k] = (unsigned char)(size >> (8 * k));
		head[16 + k] = foot[16 + k] = (unsigned char)(1u >> (8 * k));
		foot[20 + k] = (unsigned char)(flags_f >> (8 * k));
		head[20 + k] = (unsigned char)(flags_h >> (8 * k));
	}
	unsigned char v1[128];
	memset(v1, 0, sizeof v1);
	memcpy(v1, "TAGTitle", 8);
	const char *p = tmp_path("endtags.mp3");
	spit(p, b, n, ape, sizeof ape, v1, sizeof v1);
	struct po_mp3_index *ix = NULL, *plain = NULL;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_mp3_index_file(p, &ix, &err), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(po_mp3_index_file(mono44(), &plain, &err), PLAYOUT_OK);
	PO_EXPECT_INT(ix->id3v1_bytes, 128);
	PO_EXPECT_INT(ix->ape_bytes, sizeof ape);
	PO_EXPECT_INT(ix->nframes, plain->nframes);
	PO_EXPECT_INT(ix->ndamaged, 0);
	po_mp3_index_unref(ix);
	po_mp3_index_unref(plain);
	free(b);
}

/* A 1 MB ID3v2 tag (an APIC-sized picture frame) in front. */
static void test_one_megabyte_id3v2_artwork_tag_is_skipped(void)
{
	size_t n;
	unsigned char *b = slurp(mono44(), &n);
	CU_ASSERT_FATAL(b != NULL);
	size_t body = 1 << 20;
	unsigned char *tag = calloc(1, 10 + body);
	memcpy(tag, "ID3\x03\0\0", 6);
	tag[6] = (unsigned char)((body >> 21) & 0x7f);
	tag[7] = (unsigned char)((body >> 14) & 0x7f);
	tag[8] = (unsigned char)((body >> 7) & 0x7f);
	tag[9] = (unsigned char)(body & 0x7f);
	memcpy(tag + 10, "APIC", 4);
	size_t fsz = body - 10;
	tag[14] = (unsigned char)(fsz >> 24);
	tag[15] = (unsigned char)(fsz >> 16);
	tag[16] = (unsigned char)(fsz >> 8);
	tag[17] = (unsigned char)fsz;
	memcpy(tag + 21, "image/jpeg", 10);
	for (size_t i = 40; i < 10 + body; i++)
		tag[i] = (unsigned char)(i * 7 % 127); /* no 0xff: no false sync */
	const char *p = tmp_path("artwork.mp3");
	spit(p, tag, 10 + body, b, n, NULL, 0);
	struct po_mp3_index *ix = NULL, *plain = NULL;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_mp3_index_file(p, &ix, &err), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(po_mp3_index_file(mono44(), &plain, &err), PLAYOUT_OK);
	PO_EXPECT_INT(ix->id3v2_bytes, 10 + body);
	PO_EXPECT_INT(ix->nframes, plain->nframes);
	PO_EXPECT_INT(ix->frames[0].offset, 10 + body);
	PO_EXPECT_INT(ix->ndamaged, 0);
	check_against_tools(p);
	po_mp3_index_unref(ix);
	po_mp3_index_unref(plain);
	free(tag);
	free(b);
}

static void test_garbage_in_the_middle_is_one_damaged_region(void)
{
	size_t n;
	unsigned char *b = slurp(mono44(), &n);
	CU_ASSERT_FATAL(b != NULL);
	struct po_mp3_index *ix = NULL;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_mp3_index_file(mono44(), &ix, &err), PLAYOUT_OK);
	size_t cut = ix->frames[20].offset;
	po_mp3_index_unref(ix);
	ix = NULL;
	unsigned char junk[333];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (unsigned char)(i * 13 % 200);
	const char *p = tmp_path("garbage.mp3");
	spit(p, b, cut, junk, sizeof junk, b + cut, n - cut);
	PO_EXPECT_INT_FATAL(po_mp3_index_file(p, &ix, &err), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(ix->ndamaged, 1);
	PO_EXPECT_INT(ix->damaged[0].offset, cut);
	PO_EXPECT_INT(ix->damaged[0].len, sizeof junk);
	po_mp3_index_unref(ix);
	free(b);
}

static void test_truncated_file_keeps_whole_frames_and_reports_the_tail(void)
{
	size_t n;
	unsigned char *b = slurp(mono44(), &n);
	CU_ASSERT_FATAL(b != NULL);
	size_t flen = hand_frame_len(b, n);
	size_t keep = flen * 10 + flen / 2;
	const char *p = tmp_path("trunc.mp3");
	spit(p, b, keep, NULL, 0, NULL, 0);
	struct po_mp3_index *ix = NULL;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_mp3_index_file(p, &ix, &err), PLAYOUT_OK);
	PO_EXPECT_INT(ix->nframes, 10);
	PO_EXPECT_INT_FATAL(ix->ndamaged, 1);
	PO_EXPECT_INT(ix->damaged[0].offset + ix->damaged[0].len, keep);
	po_mp3_index_unref(ix);
	free(b);
}

static void test_index_from_memory_matches_index_from_file(void)
{
	size_t n;
	unsigned char *b = slurp(mono44(), &n);
	CU_ASSERT_FATAL(b != NULL);
	struct po_mp3_index *a = NULL, *m = NULL;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_mp3_index_file(mono44(), &a, &err), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(po_mp3_index_mem(b, n, "mem", &m, &err), PLAYOUT_OK);
	PO_EXPECT_INT(a->nframes, m->nframes);
	PO_EXPECT_INT(memcmp(a->frames, m->frames, a->nframes * sizeof *a->frames), 0);
	po_mp3_index_unref(m);
	PO_EXPECT_INT(po_mp3_index_mem(b, 0, "mem", &m, &err), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NULL(m);
	po_mp3_index_unref(a);
	free(b);
}

/* Every prefix and a few corruptions of a real file: an error or an index
 * whose frames lie inside the bytes, never a crash. */
static void test_prefixes_and_bit_flips_never_crash(void)
{
	size_t n;
	unsigned char *b = slurp(mono44(), &n);
	CU_ASSERT_FATAL(b != NULL);
	int bad = 0;
	for (size_t k = 1; k < 3000 && k < n; k += 37) {
		struct po_mp3_index *ix = NULL;
		struct playout_error err = {0};
		b[k] ^= 0x5a;
		if (po_mp3_index_mem(b, k * 3, "flip", &ix, &err) == PLAYOUT_OK) {
			for (uint32_t i = 0; i < ix->nframes; i++)
				bad += ix->frames[i].offset + ix->frames[i].len > k * 3;
		} else {
			bad += err.msg[0] == '\0';
		}
		po_mp3_index_unref(ix);
	}
	PO_EXPECT_INT(bad, 0);
	free(b);
}

/* ---- the header chain against the libmpg123 walk ------------------------ */

/* The first field where two indexes differ, or NULL when they are the same
 * (all but refs and the file's mtime). */
static const char *index_diff(const struct po_mp3_index *a, const struct po_mp3_index *b)
{
#define SAME(f) if (a->f != b->f) return #f
	SAME(version); SAME(layer); SAME(sample_rate); SAME(channels);
	SAME(samples_per_frame); SAME(bitrate_kbps); SAME(nframes); SAME(duration_ms);
	SAME(file_size); SAME(resyncs); SAME(header_kind); SAME(header_offset);
	SAME(header_len); SAME(header_frames); SAME(enc_delay); SAME(enc_padding);
	SAME(id3v2_bytes); SAME(id3v1_bytes); SAME(ape_bytes); SAME(ndamaged);
	SAME(gapless_ms);
#undef SAME
	if (strcmp(a->encoder, b->encoder) != 0)
		return "encoder";
	if (memcmp(a->frames, b->frames, a->nframes * sizeof *a->frames) != 0)
		return "frames";
	if (a->ndamaged && memcmp(a->damaged, b->damaged, a->ndamaged * sizeof *a->damaged) != 0)
		return "damaged";
	return NULL;
}

/* Index the bytes every way: the chain must accept them exactly when
 * want_chain, and the automatic walk (from memory and from the file) must
 * give libmpg123's index, or fail with its error. Returns the failures. */
static int check_walks_agree(const char *name, const unsigned char *b, size_t n, int want_chain)
{
	struct po_mp3_index *ref = NULL, *chain = NULL, *mem = NULL, *file = NULL;
	struct playout_error e1 = { 0, "" }, e2 = { 0, "" }, e3 = { 0, "" }, e4 = { 0, "" };
	int bad = 0;
	const char *path = tmp_path(name);
	spit(path, b, n, NULL, 0, NULL, 0);
	int rr = po_mp3_index_mem_walk(b, n, path, PO_MP3_WALK_REF, &ref, &e1);
	int rc = po_mp3_index_mem_walk(b, n, path, PO_MP3_WALK_CHAIN, &chain, &e2);
	int rm = po_mp3_index_mem(b, n, path, &mem, &e3);
	int rf = po_mp3_index_file(path, &file, &e4);
	if ((rc == PLAYOUT_OK) != want_chain) {
		fprintf(stderr, "%s: the chain %s it (%s)\n", name, rc ? "refused" : "took", e2.msg);
		bad++;
	}
	const struct po_mp3_index *got[3] = { chain, mem, file };
	const int codes[3] = { rc, rm, rf };
	const char *what[3] = { "chain", "auto (memory)", "auto (file)" };
	for (int k = 0; k < 3; k++) {
		if (k == 0 && rc != PLAYOUT_OK)
			continue;
		if (codes[k] != rr) {
			fprintf(stderr, "%s: %s returns %d, libmpg123 %d (%s)\n", name, what[k],
				codes[k], rr, e1.msg);
			bad++;
		} else if (rr == PLAYOUT_OK && index_diff(got[k], ref)) {
			fprintf(stderr, "%s: %s differs from libmpg123 in %s\n", name, what[k],
				index_diff(got[k], ref));
			bad++;
		}
	}
	if (rr != PLAYOUT_OK && (strcmp(e1.msg, e3.msg) != 0)) {
		fprintf(stderr, "%s: errors differ: '%s' / '%s'\n", name, e1.msg, e3.msg);
		bad++;
	}
	po_mp3_index_unref(ref);
	po_mp3_index_unref(chain);
	po_mp3_index_unref(mem);
	po_mp3_index_unref(file);
	return bad;
}

/* A fixture encoded with lame, read back (NULL when lame failed). */
static unsigned char *encoded(const char *name, int rate, int ch, double s, int kbps,
			      const char *const *extra, size_t *n)
{
	const char *p = tmp_path(name);
	if (encode(p, rate, ch, s, kbps, extra) != 0)
		return NULL;
	return slurp(p, n);
}

static void test_chain_walk_gives_libmpg123_index_on_every_kind_of_file(void)
{
	static const char *const none[] = { NULL }, *const t[] = { "-t", NULL },
		*const crc[] = { "-p", NULL }, *const v2[] = { "-V2", NULL },
		*const v6[] = { "-V6", NULL }, *const ff[] = { "--freeformat", "-t", NULL },
		*const st[] = { "-t", "-m", "s", NULL }, *const js[] = { "-t", "--resample", "44.1", NULL };
	static const struct {
		const char *name;
		int rate, ch, kbps;
		const char *const *extra;
		int chain;
	} enc[] = {
		{ "w_info44m.mp3", 44100, 1, 128, none, 1 },  /* Info frame, padding bits */
		{ "w_raw44m.mp3", 44100, 1, 128, t, 0 + 1 },  /* no Info frame */
		{ "w_info48s.mp3", 48000, 2, 192, none, 1 },
		{ "w_raw32m.mp3", 32000, 1, 64, t, 1 },
		{ "w_info22s.mp3", 22050, 2, 64, none, 1 },   /* MPEG-2 */
		{ "w_raw24m.mp3", 24000, 1, 32, t, 1 },
		{ "w_info11m.mp3", 11025, 1, 32, none, 1 },   /* MPEG-2.5 */
		{ "w_raw8m.mp3", 8000, 1, 16, t, 1 },
		{ "w_xing44s.mp3", 44100, 2, 0, v2, 1 },      /* VBR */
		{ "w_xing22m.mp3", 22050, 1, 0, v6, 1 },
		{ "w_crc44s.mp3", 44100, 2, 128, crc, 0 },   /* CRC: libmpg123 only */
		{ "w_free44s.mp3", 44100, 2, 128, ff, 0 },   /* free format */
		{ "w_st44s.mp3", 44100, 2, 128, st, 1 },     /* plain stereo */
	};
	int bad = 0;
	unsigned char *raw44 = NULL, *info44 = NULL, *st44 = NULL, *js44 = NULL, *raw48 = NULL;
	size_t nraw44 = 0, ninfo44 = 0, nst44 = 0, njs44 = 0, nraw48 = 0;
	for (size_t i = 0; i < sizeof enc / sizeof enc[0]; i++) {
		size_t n = 0;
		unsigned char *b = encoded(enc[i].name, enc[i].rate, enc[i].ch, 2.0, enc[i].kbps,
					   enc[i].extra, &n);
		CU_ASSERT_FATAL(b != NULL);
		bad += check_walks_agree(enc[i].name, b, n, enc[i].chain);
		free(b);
	}
	raw44 = slurp(tmp_path("w_raw44m.mp3"), &nraw44);
	info44 = slurp(tmp_path("w_info44m.mp3"), &ninfo44);
	st44 = slurp(tmp_path("w_st44s.mp3"), &nst44);
	js44 = encoded("w_js44s.mp3", 44100, 2, 1.0, 96, js, &njs44);
	raw48 = encoded("w_raw48m.mp3", 48000, 1, 1.0, 128, t, &nraw48);
	CU_ASSERT_FATAL(raw44 && info44 && st44 && js44 && raw48);
	size_t flen = hand_frame_len(info44, ninfo44),
	       cap = 2 * (ninfo44 + nraw44 + nst44 + njs44 + nraw48) + (1 << 16);
	unsigned char *b = calloc(1, cap);
	CU_ASSERT_FATAL(b != NULL && flen > 100);

	/* Tags at both ends: ID3v2 in front, APE and ID3v1 behind. */
	static const unsigned char id3[32] = "ID3\x03\0\0\0\0\0\x16";
	static const unsigned char ape[32] = "APETAGEX\xd0\x07\0\0\x20\0\0\0";
	memcpy(b, id3, 32);
	memcpy(b + 32, info44, ninfo44);
	memcpy(b + 32 + ninfo44, ape, 32);
	memset(b + 64 + ninfo44, 0, 128);
	memcpy(b + 64 + ninfo44, "TAG", 3);
	bad += check_walks_agree("w_tags.mp3", b, 64 + ninfo44 + 128, 1);
	struct po_mp3_index *tags = NULL;
	PO_EXPECT_INT(po_mp3_index_mem(b, 64 + ninfo44 + 128, "tags", &tags, NULL), 0);
	CU_ASSERT(tags && tags->id3v2_bytes == 32 && tags->ape_bytes == 32 &&
		  tags->id3v1_bytes == 128 && tags->ndamaged == 0);
	po_mp3_index_unref(tags);
	/* Stereo then joint stereo, and 128 then 96 kbps: one class, a VBR chain. */
	memcpy(b, st44, nst44);
	memcpy(b + nst44, js44, njs44);
	bad += check_walks_agree("w_modes.mp3", b, nst44 + njs44, 1);
	/* A sample rate change: both walks refuse it with the same message. */
	memcpy(b, raw44, nraw44);
	memcpy(b + nraw44, raw48, nraw48);
	bad += check_walks_agree("w_rate.mp3", b, nraw44 + nraw48, 0);
	/* Junk in the middle, at the end, a truncated last frame. */
	memcpy(b, info44, flen * 20);
	memset(b + flen * 20, 'j', 300);
	memcpy(b + flen * 20 + 300, info44 + flen * 20, ninfo44 - flen * 20);
	bad += check_walks_agree("w_junk.mp3", b, ninfo44 + 300, 0);
	memcpy(b, info44, ninfo44);
	memset(b + ninfo44, 0, 50);
	bad += check_walks_agree("w_tailjunk.mp3", b, ninfo44 + 50, 0);
	bad += check_walks_agree("w_trunc.mp3", info44, ninfo44 - 100, 0);
	/* One audio frame; the Info frame alone; one frame without it. */
	bad += check_walks_agree("w_one.mp3", info44, 2 * flen, 1);
	bad += check_walks_agree("w_infoonly.mp3", info44, flen, 0);
	bad += check_walks_agree("w_single.mp3", raw44, hand_frame_len(raw44, nraw44), 0);
	bad += check_walks_agree("w_two.mp3", raw44, hand_frame_len(raw44, nraw44) +
				 hand_frame_len(raw44 + hand_frame_len(raw44, nraw44), nraw44), 1);
	/* An Info frame that claims the wrong frame count. */
	memcpy(b, info44, ninfo44);
	b[21 + 8 + 3] ^= 0x10;
	bad += check_walks_agree("w_count.mp3", b, ninfo44, 1);
	b[21 + 8] = b[21 + 9] = b[21 + 10] = 0;
	b[21 + 11] = 5;
	bad += check_walks_agree("w_count5.mp3", b, ninfo44, 1);
	/* Two files one after the other (`cat A B`): libmpg123 plays the second
	 * Info frame as audio, and so must the chain. */
	memcpy(b, info44, ninfo44);
	memcpy(b + ninfo44, info44, ninfo44);
	bad += check_walks_agree("w_cat.mp3", b, 2 * ninfo44, 1);
	/* An Info frame without a LAME tag: libmpg123 is asked for the delay. */
	memcpy(b, info44, ninfo44);
	memset(b + 21 + 120, 0, 36);
	bad += check_walks_agree("w_nolame.mp3", b, ninfo44, 0);
	/* Side info bytes under the Info frame: libmpg123 then plays it. */
	memcpy(b, info44, ninfo44);
	b[10] = 0x42;
	bad += check_walks_agree("w_side.mp3", b, ninfo44, 0);
	PO_EXPECT_INT(bad, 0);
	free(b);
	free(raw44);
	free(info44);
	free(st44);
	free(js44);
	free(raw48);
}

/* ---- junk between frames (issue 8, case 10) ------------------------------ */

/* 61 s of 44.1 kHz joint stereo at 128 kbps with lame's Info frame: the
 * programme of the report. */
static const char *stereo61(void)
{
	static int done;
	const char *p = tmp_path("stereo61.mp3");
	if (!done)
		done = encode(p, 44100, 2, 61.0, 128, NULL) == 0;
	return done ? p : NULL;
}

#define JUNK_LEN 400

/* JUNK_LEN bytes of junk with no 0xff in them (so no header), then the
 * headers of plant[] (4 bytes each, at at[]) written over it. */
static void make_junk(unsigned char *junk, const unsigned char (*plant)[4], const size_t *at,
		      int nplant)
{
	uint32_t x = 12345;
	for (size_t i = 0; i < JUNK_LEN; i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (unsigned char)((x >> 16) % 255);
	}
	for (int k = 0; k < nplant; k++)
		memcpy(junk + at[k], plant[k], 4);
}

/* MPEG-2 layer III, 22050 Hz, 64 kbps, joint stereo: a 208-byte frame. */
#define HDR22050 { 0xff, 0xf3, 0x80, 0x44 }
/* MPEG-1 layer III, 44100 Hz, 128 kbps, stereo: the stream's own format,
 * a 417-byte frame. */
#define HDR44100 { 0xff, 0xfb, 0x90, 0x04 }

static void test_junk_holding_a_22050_header_is_damage_not_a_format_change(void)
{
	const char *src = stereo61();
	CU_ASSERT_FATAL(src != NULL);
	struct po_mp3_index *plain = NULL;
	PO_EXPECT_INT_FATAL(po_mp3_index_file(src, &plain, NULL), 0);
	PO_EXPECT_INT_FATAL(plain->sample_rate, 44100);
	PO_EXPECT_INT_FATAL(plain->channels, 2);
	CU_ASSERT_FATAL(plain->nframes > 2300);
	size_t n;
	unsigned char *b = slurp(src, &n);
	CU_ASSERT_FATAL(b != NULL);
	const uint32_t k = 782; /* junk before the 783rd audio frame, as reported */
	const size_t cut = plain->frames[k].offset;
	static const struct {
		const char *name;
		unsigned char plant[2][4];
		size_t at[2];
		int nplant;
	} cases[] = {
		/* a 22050 Hz header whose made-up frame ends inside the junk */
		{ "junk22a.mp3", { HDR22050 }, { 100 }, 1 },
		/* one whose made-up frame swallows the start of the next good one */
		{ "junk22b.mp3", { HDR22050 }, { 300 }, 1 },
		/* two 22050 Hz frames that chain: still too short a chain */
		{ "junk22c.mp3", { HDR22050, HDR22050 }, { 0, 208 }, 2 },
		/* a header in the stream's own format that swallows a good frame */
		{ "junk44.mp3", { HDR44100 }, { 250 }, 1 },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		unsigned char junk[JUNK_LEN];
		make_junk(junk, cases[c].plant, cases[c].at, cases[c].nplant);
		const char *path = tmp_path(cases[c].name);
		spit(path, b, cut, junk, sizeof junk, b + cut, n - cut);
		struct po_mp3_index *ix = NULL;
		struct playout_error err = { 0, "" };
		int rc = po_mp3_index_file(path, &ix, &err);
		if (rc != PLAYOUT_OK)
			fprintf(stderr, "%s: %s\n", cases[c].name, err.msg);
		PO_EXPECT_INT(rc, PLAYOUT_OK);
		CU_ASSERT_PTR_NULL(strstr(err.msg, "format changes"));
		if (rc != PLAYOUT_OK)
			continue;
		/* Every good frame, and nothing of the junk. */
		PO_EXPECT_INT(ix->nframes, plain->nframes);
		PO_EXPECT_INT(ix->sample_rate, 44100);
		PO_EXPECT_INT(ix->channels, 2);
		PO_EXPECT_INT(ix->bitrate_kbps, 128);
		PO_EXPECT_INT(ix->duration_ms, plain->duration_ms);
		PO_EXPECT_INT(ix->resyncs, 1);
		PO_EXPECT_INT_FATAL(ix->ndamaged, 1);
		PO_EXPECT_INT(ix->damaged[0].offset, cut);
		PO_EXPECT_INT(ix->damaged[0].len, JUNK_LEN);
		int same = ix->nframes == plain->nframes;
		for (uint32_t i = 0; same && i < ix->nframes; i++)
			same = ix->frames[i].offset == plain->frames[i].offset + (i >= k ? JUNK_LEN : 0) &&
			       ix->frames[i].len == plain->frames[i].len;
		CU_ASSERT(same);
		po_mp3_index_unref(ix);
		size_t jn;
		unsigned char *jb = slurp(path, &jn);
		CU_ASSERT_FATAL(jb != NULL);
		PO_EXPECT_INT(check_walks_agree(cases[c].name, jb, jn, 0), 0);
		free(jb);
	}
	free(b);
	po_mp3_index_unref(plain);
}

static void test_format_change_after_junk_is_still_einval(void)
{
	const char *a = mono44();
	const char *bpath = tmp_path("m48j.mp3");
	CU_ASSERT_FATAL(a != NULL);
	PO_EXPECT_INT_FATAL(encode(bpath, 48000, 1, 1.0, 128, notag), 0);
	struct po_mp3_index *ia = NULL;
	PO_EXPECT_INT_FATAL(po_mp3_index_file(a, &ia, NULL), 0);
	size_t na, nb;
	unsigned char *ba = slurp(a, &na), *bb = slurp(bpath, &nb);
	CU_ASSERT_FATAL(ba && bb);
	unsigned char junk[JUNK_LEN];
	const unsigned char plant[1][4] = { HDR22050 };
	const size_t at[1] = { 100 };
	make_junk(junk, plant, at, 1);
	const char *path = tmp_path("change_after_junk.mp3");
	spit(path, ba, na, junk, sizeof junk, bb, nb);
	struct po_mp3_index *ix = NULL;
	struct playout_error err = { 0, "" };
	PO_EXPECT_INT(po_mp3_index_file(path, &ix, &err), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NULL(ix);
	char want[96];
	snprintf(want, sizeof want, "format changes at frame %u (44100 Hz mono -> 48000 Hz mono",
		 ia->nframes);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
	free(ba);
	free(bb);
	po_mp3_index_unref(ia);
}

static const struct po_test tests[] = {
	{ "test_cbr_index_matches_hand_parsed_headers", test_cbr_index_matches_hand_parsed_headers },
	{ "test_frames_tile_the_file_exactly", test_frames_tile_the_file_exactly },
	{ "test_info_frame_is_not_indexed", test_info_frame_is_not_indexed },
	{ "test_id3v2_tag_is_skipped", test_id3v2_tag_is_skipped },
	{ "test_junk_in_the_middle_is_skipped_and_counted", test_junk_in_the_middle_is_skipped_and_counted },
	{ "test_empty_file_is_einval", test_empty_file_is_einval },
	{ "test_text_file_named_mp3_is_einval", test_text_file_named_mp3_is_einval },
	{ "test_missing_file_is_enotfound", test_missing_file_is_enotfound },
	{ "test_mpeg2_22050_stereo_has_576_samples_per_frame", test_mpeg2_22050_stereo_has_576_samples_per_frame },
	{ "test_48k_stereo_is_mpeg1", test_48k_stereo_is_mpeg1 },
	{ "test_vbr_file_reports_bitrate_zero", test_vbr_file_reports_bitrate_zero },
	{ "test_sample_rate_change_is_einval_with_frame_number", test_sample_rate_change_is_einval_with_frame_number },
	{ "test_mono_to_stereo_change_is_einval", test_mono_to_stereo_change_is_einval },
	{ "test_frame_at_ms_finds_last_frame_starting_before", test_frame_at_ms_finds_last_frame_starting_before },
	{ "test_ref_keeps_index_alive_until_last_unref", test_ref_keeps_index_alive_until_last_unref },
	{ "test_durations_match_ffprobe_and_mpg123_to_the_frame", test_durations_match_ffprobe_and_mpg123_to_the_frame },
	{ "test_lame_info_header_gives_delay_padding_and_gapless_duration", test_lame_info_header_gives_delay_padding_and_gapless_duration },
	{ "test_vbr_file_has_xing_header", test_vbr_file_has_xing_header },
	{ "test_hand_made_vbri_frame_is_recognised_and_not_indexed", test_hand_made_vbri_frame_is_recognised_and_not_indexed },
	{ "test_id3v1_and_ape_tags_are_measured_and_not_damage", test_id3v1_and_ape_tags_are_measured_and_not_damage },
	{ "test_one_megabyte_id3v2_artwork_tag_is_skipped", test_one_megabyte_id3v2_artwork_tag_is_skipped },
	{ "test_garbage_in_the_middle_is_one_damaged_region", test_garbage_in_the_middle_is_one_damaged_region },
	{ "test_truncated_file_keeps_whole_frames_and_reports_the_tail", test_truncated_file_keeps_whole_frames_and_reports_the_tail },
	{ "test_index_from_memory_matches_index_from_file", test_index_from_memory_matches_index_from_file },
	{ "test_prefixes_and_bit_flips_never_crash", test_prefixes_and_bit_flips_never_crash },
	{ "test_chain_walk_gives_libmpg123_index_on_every_kind_of_file", test_chain_walk_gives_libmpg123_index_on_every_kind_of_file },
	{ "test_junk_holding_a_22050_header_is_damage_not_a_format_change", test_junk_holding_a_22050_header_is_damage_not_a_format_change },
	{ "test_format_change_after_junk_is_still_einval", test_format_change_after_junk_is_still_einval },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "mp3", tests, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_mp3", suites);
}
