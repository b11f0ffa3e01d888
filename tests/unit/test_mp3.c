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
	CU_ASSERT(fwrite(a, 1, na, f) == na);
	if (nb)
		CU_ASSERT(fwrite(b, 1, nb, f) == nb);
	if (nc)
		CU_ASSERT(fwrite(c, 1, nc, f) == nc);
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
	CU_ASSERT_EQUAL_FATAL(po_mp3_index_file(path, &ix, &err), 0);
	CU_ASSERT_EQUAL(ix->nframes, count);
	for (uint32_t k = 0; k < ix->nframes && k < count; k++)
		CU_ASSERT_EQUAL(ix->frames[k].offset, offs[k]);
	CU_ASSERT_EQUAL(ix->version, 10);
	CU_ASSERT_EQUAL(ix->layer, 3);
	CU_ASSERT_EQUAL(ix->sample_rate, 44100);
	CU_ASSERT_EQUAL(ix->channels, 1);
	CU_ASSERT_EQUAL(ix->samples_per_frame, 1152);
	CU_ASSERT_EQUAL(ix->bitrate_kbps, 128);
	CU_ASSERT_EQUAL(ix->resyncs, 0);
	CU_ASSERT_EQUAL(ix->file_size, (int64_t)n);
	CU_ASSERT_EQUAL(ix->duration_ms, (int64_t)count * 1152 * 1000 / 44100);
	free(b);
	po_mp3_index_unref(ix);
}

static void test_frames_tile_the_file_exactly(void)
{
	const char *path = mono44();
	CU_ASSERT_FATAL(path != NULL);
	struct po_mp3_index *ix = NULL;
	CU_ASSERT_EQUAL_FATAL(po_mp3_index_file(path, &ix, NULL), 0);
	CU_ASSERT_EQUAL(ix->frames[0].offset, 0);
	for (uint32_t k = 0; k + 1 < ix->nframes; k++)
		CU_ASSERT_EQUAL(ix->frames[k + 1].offset, ix->frames[k].offset + ix->frames[k].len);
	const struct po_mp3_frame *last = &ix->frames[ix->nframes - 1];
	CU_ASSERT_EQUAL((int64_t)last->offset + last->len, ix->file_size);
	po_mp3_index_unref(ix);
}

static void test_info_frame_is_not_indexed(void)
{
	const char *path = tmp_path("info.mp3");
	CU_ASSERT_FATAL(encode(path, 44100, 1, 2.0, 128, NULL) == 0);
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
	CU_ASSERT_EQUAL_FATAL(po_mp3_index_file(path, &ix, NULL), 0);
	CU_ASSERT_EQUAL(ix->nframes, count - 1);
	CU_ASSERT_EQUAL(ix->frames[0].offset, info_len);
	CU_ASSERT_EQUAL(ix->resyncs, 0);
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
	CU_ASSERT_EQUAL_FATAL(po_mp3_index_file(src, &plain, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(po_mp3_index_file(path, &ix, NULL), 0);
	CU_ASSERT_EQUAL(ix->frames[0].offset, 1024);
	CU_ASSERT_EQUAL(ix->nframes, plain->nframes);
	CU_ASSERT_EQUAL(ix->resyncs, 0);
	CU_ASSERT_EQUAL(ix->frames[ix->nframes - 1].offset,
			plain->frames[plain->nframes - 1].offset + 1024);
	free(b);
	po_mp3_index_unref(plain);
	po_mp3_index_unref(ix);
}

static void test_junk_in_the_middle_is_skipped_and_counted(void)
{
	const char *src = mono44();
	CU_ASSERT_FATAL(src != NULL);
	struct po_mp3_index *plain = NULL, *ix = NULL;
	CU_ASSERT_EQUAL_FATAL(po_mp3_index_file(src, &plain, NULL), 0);
	size_t n;
	unsigned char *b = slurp(src, &n);
	CU_ASSERT_FATAL(b != NULL);
	char junk[300];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = "garbage in the middle "[i % 22];
	size_t cut = plain->frames[10].offset;
	const char *path = tmp_path("junk.mp3");
	spit(path, b, cut, junk, sizeof junk, b + cut, n - cut);

	CU_ASSERT_EQUAL_FATAL(po_mp3_index_file(path, &ix, NULL), 0);
	CU_ASSERT(ix->resyncs >= 1);
	CU_ASSERT_EQUAL(ix->nframes, plain->nframes);
	CU_ASSERT_EQUAL(ix->frames[9].offset, plain->frames[9].offset);
	CU_ASSERT_EQUAL(ix->frames[10].offset, plain->frames[10].offset + sizeof junk);
	CU_ASSERT_EQUAL(ix->frames[ix->nframes - 1].offset,
			plain->frames[plain->nframes - 1].offset + sizeof junk);
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
	CU_ASSERT_EQUAL(po_mp3_index_file(path, &ix, &err), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NULL(ix);
	CU_ASSERT_EQUAL(err.code, PLAYOUT_EINVAL);
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
	CU_ASSERT_EQUAL(po_mp3_index_file(path, &ix, &err), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NULL(ix);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "text.mp3"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no MPEG audio frames"));
}

static void test_missing_file_is_enotfound(void)
{
	struct po_mp3_index *ix = NULL;
	struct playout_error err = { 0, "" };
	CU_ASSERT_EQUAL(po_mp3_index_file(tmp_path("nope.mp3"), &ix, &err), PLAYOUT_ENOTFOUND);
	CU_ASSERT_PTR_NULL(ix);
}

static void test_mpeg2_22050_stereo_has_576_samples_per_frame(void)
{
	const char *path = tmp_path("m2.mp3");
	CU_ASSERT_FATAL(encode(path, 22050, 2, 1.0, 64, notag) == 0);
	size_t n;
	unsigned char *b = slurp(path, &n);
	CU_ASSERT_FATAL(b != NULL);
	unsigned count = hand_count(b, n, 0, NULL);
	struct po_mp3_index *ix = NULL;
	CU_ASSERT_EQUAL_FATAL(po_mp3_index_file(path, &ix, NULL), 0);
	CU_ASSERT_EQUAL(ix->version, 20);
	CU_ASSERT_EQUAL(ix->sample_rate, 22050);
	CU_ASSERT_EQUAL(ix->channels, 2);
	CU_ASSERT_EQUAL(ix->samples_per_frame, 576);
	CU_ASSERT_EQUAL(ix->bitrate_kbps, 64);
	CU_ASSERT_EQUAL(ix->nframes, count);
	CU_ASSERT_EQUAL(po_mp3_frame_ns(ix), 576LL * 1000000000LL / 22050);
	CU_ASSERT_EQUAL(ix->duration_ms, (int64_t)count * 576 * 1000 / 22050);
	const struct po_mp3_frame *last = &ix->frames[ix->nframes - 1];
	CU_ASSERT_EQUAL((int64_t)last->offset + last->len, ix->file_size);
	free(b);
	po_mp3_index_unref(ix);
}

static void test_48k_stereo_is_mpeg1(void)
{
	const char *path = tmp_path("s48.mp3");
	CU_ASSERT_FATAL(encode(path, 48000, 2, 1.0, 192, notag) == 0);
	struct po_mp3_index *ix = NULL;
	CU_ASSERT_EQUAL_FATAL(po_mp3_index_file(path, &ix, NULL), 0);
	CU_ASSERT_EQUAL(ix->version, 10);
	CU_ASSERT_EQUAL(ix->sample_rate, 48000);
	CU_ASSERT_EQUAL(ix->channels, 2);
	CU_ASSERT_EQUAL(ix->samples_per_frame, 1152);
	CU_ASSERT_EQUAL(ix->bitrate_kbps, 192);
	CU_ASSERT_EQUAL(po_mp3_frame_ns(ix), 24000000);
	/* 48 kHz / 192 kbps frames are exactly 576 bytes (no padding). */
	CU_ASSERT_EQUAL(ix->frames[1].len, 576);
	po_mp3_index_unref(ix);
}

static void test_vbr_file_reports_bitrate_zero(void)
{
	const char *path = tmp_path("vbr.mp3");
	static const char *const vbr[] = { "-V", "2", "-t", NULL };
	CU_ASSERT_FATAL(encode(path, 44100, 2, 2.0, 0, vbr) == 0);
	struct po_mp3_index *ix = NULL;
	CU_ASSERT_EQUAL_FATAL(po_mp3_index_file(path, &ix, NULL), 0);
	CU_ASSERT_EQUAL(ix->bitrate_kbps, 0);
	CU_ASSERT(ix->nframes > 70);
	po_mp3_index_unref(ix);
}

static void test_sample_rate_change_is_einval_with_frame_number(void)
{
	const char *a = mono44();
	const char *bpath = tmp_path("m48.mp3");
	CU_ASSERT_FATAL(a != NULL);
	CU_ASSERT_FATAL(encode(bpath, 48000, 1, 1.0, 128, notag) == 0);
	struct po_mp3_index *ia = NULL;
	CU_ASSERT_EQUAL_FATAL(po_mp3_index_file(a, &ia, NULL), 0);
	size_t na, nb;
	unsigned char *ba = slurp(a, &na), *bb = slurp(bpath, &nb);
	CU_ASSERT_FATAL(ba && bb);
	const char *path = tmp_path("change.mp3");
	spit(path, ba, na, bb, nb, NULL, 0);
	struct po_mp3_index *ix = NULL;
	struct playout_error err = { 0, "" };
	CU_ASSERT_EQUAL(po_mp3_index_file(path, &ix, &err), PLAYOUT_EINVAL);
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
	CU_ASSERT_FATAL(encode(bpath, 44100, 2, 1.0, 128, notag) == 0);
	size_t na, nb;
	unsigned char *ba = slurp(a, &na), *bb = slurp(bpath, &nb);
	CU_ASSERT_FATAL(ba && bb);
	const char *path = tmp_path("change2.mp3");
	spit(path, ba, na, bb, nb, NULL, 0);
	struct po_mp3_index *ix = NULL;
	struct playout_error err = { 0, "" };
	CU_ASSERT_EQUAL(po_mp3_index_file(path, &ix, &err), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "format changes at frame"));
	free(ba);
	free(bb);
}

static void test_frame_at_ms_finds_last_frame_starting_before(void)
{
	const char *path = mono44();
	CU_ASSERT_FATAL(path != NULL);
	struct po_mp3_index *ix = NULL;
	CU_ASSERT_EQUAL_FATAL(po_mp3_index_file(path, &ix, NULL), 0);
	CU_ASSERT_EQUAL(po_mp3_frame_ns(ix), 26122448); /* 1152 / 44100 s */
	CU_ASSERT_EQUAL(po_mp3_frame_at_ms(ix, 0), 0);
	CU_ASSERT_EQUAL(po_mp3_frame_at_ms(ix, 26), 0);  /* frame 1 starts at 26.12 ms */
	CU_ASSERT_EQUAL(po_mp3_frame_at_ms(ix, 27), 1);
	CU_ASSERT_EQUAL(po_mp3_frame_at_ms(ix, 1000), 38); /* 38 * 26.12 = 992.7 */
	CU_ASSERT_EQUAL(po_mp3_frame_at_ms(ix, 3600000), ix->nframes - 1);
	CU_ASSERT_EQUAL(po_mp3_frame_at_ms(ix, -5), 0);
	po_mp3_index_unref(ix);
}

static void test_ref_keeps_index_alive_until_last_unref(void)
{
	const char *path = mono44();
	CU_ASSERT_FATAL(path != NULL);
	struct po_mp3_index *ix = NULL;
	CU_ASSERT_EQUAL_FATAL(po_mp3_index_file(path, &ix, NULL), 0);
	CU_ASSERT_EQUAL(ix->refs, 1);
	CU_ASSERT_PTR_EQUAL(po_mp3_index_ref(ix), ix);
	CU_ASSERT_EQUAL(ix->refs, 2);
	po_mp3_index_unref(ix);
	CU_ASSERT_EQUAL(ix->refs, 1); /* still readable: ASan would flag a free */
	CU_ASSERT(ix->nframes > 0);
	po_mp3_index_unref(ix);
	po_mp3_index_unref(NULL);
	CU_ASSERT_PTR_NULL(po_mp3_index_ref(NULL));
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
