/*
 * Tests for core/mp3join.c: the planned cut, the rendered join (bytes, Info
 * frame, decoders' view through mpg123 and ffprobe), format refusals and the
 * atomic write. Fixtures are made with lame at test time in the scratch dir.
 */
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mp3.h"
#include "mp3join.h"
#include "runner.h"

static char dir[4096];
static char a_path[4200], b_path[4200], m48_path[4200], vbr_path[4200], long_path[4200];

/* ---- helpers ------------------------------------------------------------- */

/* Run argv; stdout to /dev/null, stderr to err_path (or /dev/null). Exit status or -1. */
static int run(char *const argv[], const char *err_path)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		int efd = err_path ? open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : devnull;
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(efd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void put16(FILE *f, unsigned v) { fputc(v & 255, f); fputc(v >> 8 & 255, f); }
static void put32(FILE *f, unsigned v) { put16(f, v & 0xFFFF); put16(f, v >> 16); }

/* A sine WAV: seconds long, rate Hz, channels. */
static int make_wav(const char *path, double seconds, int rate, int channels, double freq)
{
	FILE *f = fopen(path, "wb");
	unsigned n = (unsigned)(seconds * rate);

	if (!f)
		return -1;
	fwrite("RIFF", 1, 4, f);
	put32(f, 36 + n * 2 * (unsigned)channels);
	fwrite("WAVEfmt ", 1, 8, f);
	put32(f, 16);
	put16(f, 1);
	put16(f, (unsigned)channels);
	put32(f, (unsigned)rate);
	put32(f, (unsigned)(rate * 2 * channels));
	put16(f, (unsigned)(2 * channels));
	put16(f, 16);
	fwrite("data", 1, 4, f);
	put32(f, n * 2 * (unsigned)channels);
	for (unsigned i = 0; i < n; i++) {
		int v = (int)(9000 * sin(2 * M_PI * freq * i / rate));
		for (int c = 0; c < channels; c++)
			put16(f, (unsigned)(v & 0xFFFF));
	}
	return fclose(f);
}

static int lame(const char *wav, const char *mp3, const char *mode, const char *quality,
		const char *title)
{
	char *argv[16];
	int i = 0;

	argv[i++] = "lame";
	argv[i++] = "--quiet";
	argv[i++] = "-m";
	argv[i++] = (char *)mode;
	if (strcmp(quality, "vbr") == 0) {
		argv[i++] = "-V";
		argv[i++] = "2";
	} else {
		argv[i++] = "--cbr";
		argv[i++] = "-b";
		argv[i++] = (char *)quality;
	}
	if (title) {
		argv[i++] = "--id3v2-only";
		argv[i++] = "--tt";
		argv[i++] = (char *)title;
	}
	argv[i++] = (char *)wav;
	argv[i++] = (char *)mp3;
	argv[i] = NULL;
	return run(argv, NULL);
}

/* A file of n identical all-zero (silent) 128 kbps 44.1 kHz stereo frames. */
static int make_silent_mp3(const char *path, uint32_t n)
{
	unsigned char fr[418];
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	memset(fr, 0, sizeof fr);
	fr[0] = 0xFF;
	fr[1] = 0xFB; /* MPEG-1 layer III, no CRC */
	fr[2] = 0x90; /* 128 kbps, 44.1 kHz, no padding */
	fr[3] = 0x00; /* stereo */
	for (uint32_t i = 0; i < n; i++)
		fwrite(fr, 1, 417, f);
	return fclose(f);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = NULL;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (p = malloc((size_t)n + 1)) && fread(p, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	else {
		free(p);
		p = NULL;
	}
	fclose(f);
	return p;
}

static int file_contains(const char *path, const char *needle)
{
	size_t n;
	unsigned char *p = slurp(path, &n);
	int found = 0;

	if (!p)
		return 0;
	p[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (p[i] == '\0')
			p[i] = ' ';
	found = strcasestr((char *)p, needle) != NULL;
	free(p);
	return found;
}

/* Entries in d whose name starts with '.' (temporary files), "." and ".." aside. */
static int hidden_files(const char *d)
{
	DIR *dh = opendir(d);
	struct dirent *e;
	int n = 0;

	if (!dh)
		return -1;
	while ((e = readdir(dh)))
		if (e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(dh);
	return n;
}

static uint32_t be32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static int setup(void)
{
	char wav[4200];

	snprintf(dir, sizeof dir, "%s/join", po_test_tmpdir());
	if (mkdir(dir, 0755) < 0)
		return -1;
	snprintf(a_path, sizeof a_path, "%s/a.mp3", dir);
	snprintf(b_path, sizeof b_path, "%s/b.mp3", dir);
	snprintf(m48_path, sizeof m48_path, "%s/m48.mp3", dir);
	snprintf(vbr_path, sizeof vbr_path, "%s/vbr.mp3", dir);
	snprintf(long_path, sizeof long_path, "%s/long.mp3", dir);
	snprintf(wav, sizeof wav, "%s/a.wav", dir);
	if (make_wav(wav, 12.5, 44100, 2, 440) || lame(wav, a_path, "j", "128", "Alpha") ||
	    lame(wav, vbr_path, "j", "vbr", NULL))
		return -1;
	snprintf(wav, sizeof wav, "%s/b.wav", dir);
	if (make_wav(wav, 5, 44100, 2, 660) || lame(wav, b_path, "j", "128", "Bravo"))
		return -1;
	snprintf(wav, sizeof wav, "%s/m48.wav", dir);
	if (make_wav(wav, 3, 48000, 1, 550) || lame(wav, m48_path, "m", "64", NULL))
		return -1;
	/* 30:02.5 at 44.1 kHz: 69002 frames of 1152 samples */
	return make_silent_mp3(long_path, 69002);
}

/* Join a (cut at cut_ms) + b into out; fills parts and res. */
static int join_files(const char *pa, const char *pb, int64_t cut_ms, const char *out,
		      struct po_mp3_index **a, struct po_mp3_index **b,
		      struct po_join_part parts[2], struct po_join_result *res,
		      struct playout_error *err)
{
	int rc = po_mp3_index_file(pa, a, err);

	if (rc == 0)
		rc = po_mp3_index_file(pb, b, err);
	if (rc == 0)
		rc = po_mp3join_plan(pa, *a, pb, *b, cut_ms, parts, err);
	if (rc == 0)
		rc = po_mp3join_render(parts, 2, out, res, err);
	return rc;
}

/* ---- tests --------------------------------------------------------------- */

static void test_join_is_tag_info_frame_a_frames_to_cut_then_b_frames(void)
{
	char out[4300];
	struct po_mp3_index *a = NULL, *b = NULL;
	struct po_join_part parts[2];
	struct po_join_result res;
	struct playout_error err = { 0, "" };
	size_t na, nb, no;

	snprintf(out, sizeof out, "%s/bytes.mp3", dir);
	PO_EXPECT_INT_FATAL(join_files(a_path, b_path, 10000, out, &a, &b, parts, &res, &err), 0);
	unsigned char *pa = slurp(a_path, &na), *pb = slurp(b_path, &nb), *po = slurp(out, &no);
	CU_ASSERT_FATAL(pa && pb && po);

	/* 10 s at 44.1 kHz is 382.8 frames: 382 end before the cut */
	PO_EXPECT_INT(parts[0].nframes, 382);
	PO_EXPECT_INT(res.nframes, 382 + b->nframes);
	PO_EXPECT_INT(res.bytes, (int64_t)no);
	PO_EXPECT_INT(res.vbr, 0);

	/* A's ID3v2 tag, byte for byte */
	PO_EXPECT_INT_FATAL(memcmp(pa, "ID3", 3), 0);
	size_t tag = 10 + ((size_t)pa[6] << 21 | (size_t)pa[7] << 14 | (size_t)pa[8] << 7 | pa[9]);
	CU_ASSERT_FATAL(tag <= a->frames[0].offset && tag < no);
	PO_EXPECT_INT(memcmp(po, pa, tag), 0);

	/* then the Info frame: MPEG-1 stereo, so the tag sits after 32 bytes of side info */
	const unsigned char *x = po + tag;
	PO_EXPECT_INT(x[0], 0xFF);
	PO_EXPECT_INT(memcmp(x + 36, "Info", 4), 0);
	PO_EXPECT_INT(be32(x + 40) & 7, 7);
	PO_EXPECT_INT(be32(x + 44), res.nframes);
	size_t xlen = 417; /* 128 kbps, 44.1 kHz, no padding */
	PO_EXPECT_INT(be32(x + 48), no - tag);
	PO_EXPECT_INT(x[52], 0);          /* TOC starts at 0 ... */
	CU_ASSERT(x[52 + 50] > 100 && x[52 + 50] < 160); /* ... and is halfway by 50% */

	/* then A's frames up to the cut, then B's frames; no B tag */
	size_t at = tag + xlen;
	uint32_t alen = a->frames[381].offset + a->frames[381].len - a->frames[0].offset;
	CU_ASSERT_FATAL(at + alen <= no);
	PO_EXPECT_INT(memcmp(po + at, pa + a->frames[0].offset, alen), 0);
	at += alen;
	uint32_t blen = b->frames[b->nframes - 1].offset + b->frames[b->nframes - 1].len -
			b->frames[0].offset;
	PO_EXPECT_INT(at + blen, no);
	CU_ASSERT_FATAL(at + blen <= no);
	PO_EXPECT_INT(memcmp(po + at, pb + b->frames[0].offset, blen), 0);

	/* and the joined file indexes to exactly those frames */
	struct po_mp3_index *o = NULL;
	PO_EXPECT_INT_FATAL(po_mp3_index_file(out, &o, &err), 0);
	PO_EXPECT_INT(o->nframes, res.nframes);
	po_mp3_index_unref(o);
	free(pa);
	free(pb);
	free(po);
	po_mp3_index_unref(a);
	po_mp3_index_unref(b);
}

static void test_join_decodes_cleanly_and_ffprobe_reports_its_duration(void)
{
	char out[4300], errp[4300], durp[4300];
	struct po_mp3_index *a = NULL, *b = NULL;
	struct po_join_part parts[2];
	struct po_join_result res;
	struct playout_error err = { 0, "" };

	snprintf(out, sizeof out, "%s/decode.mp3", dir);
	snprintf(errp, sizeof errp, "%s/mpg123.err", dir);
	snprintf(durp, sizeof durp, "%s/ffprobe.out", dir);
	PO_EXPECT_INT_FATAL(join_files(a_path, b_path, 10000, out, &a, &b, parts, &res, &err), 0);

	char *mpg[] = { "mpg123", "-t", out, NULL };
	PO_EXPECT_INT(run(mpg, errp), 0);
	CU_ASSERT(file_contains(errp, "decoding of"));   /* it did run */
	CU_ASSERT(!file_contains(errp, "error"));
	CU_ASSERT(!file_contains(errp, "warning"));

	char cmd[9000];
	snprintf(cmd, sizeof cmd,
		 "ffprobe -v error -show_entries format=duration -of csv=p=0 '%s' >'%s'", out, durp);
	char *ff[] = { "sh", "-c", cmd, NULL };
	PO_EXPECT_INT_FATAL(run(ff, NULL), 0);
	size_t n;
	char *txt = (char *)slurp(durp, &n);
	CU_ASSERT_FATAL(txt != NULL);
	txt[n] = '\0';
	double got = atof(txt), want = res.nframes * 1152.0 / 44100.0;
	CU_ASSERT(fabs(got - want) < 1152.0 / 44100.0);
	CU_ASSERT(got > 9.95 + b->duration_ms / 1000.0); /* A up to 10 s, then all of B */
	free(txt);
	po_mp3_index_unref(a);
	po_mp3_index_unref(b);
}

static void test_cut_at_30_minutes_keeps_frames_ending_by_30_00(void)
{
	char out[4300];
	struct po_mp3_index *a = NULL, *b = NULL;
	struct po_join_part parts[2];
	struct po_join_result res;
	struct playout_error err = { 0, "" };

	snprintf(out, sizeof out, "%s/hour.mp3", dir);
	PO_EXPECT_INT_FATAL(join_files(long_path, b_path, 30 * 60000, out, &a, &b, parts, &res,
					 &err), 0);
	PO_EXPECT_INT(a->nframes, 69002);
	/* 1800 s * 44100 / 1152 = 68906.25: frames 0..68905 end by 30:00, 68906 starts
	 * 6.5 ms before it */
	PO_EXPECT_INT(parts[0].nframes, 68906);
	CU_ASSERT(68906LL * 1152 * 1000 <= 1800000LL * 44100);
	CU_ASSERT(68907LL * 1152 * 1000 > 1800000LL * 44100);
	PO_EXPECT_INT(res.nframes, 68906 + b->nframes);
	PO_EXPECT_INT(res.duration_ms, (int64_t)res.nframes * 1152 * 1000 / 44100);
	po_mp3_index_unref(a);
	po_mp3_index_unref(b);
}

static void test_a_shorter_than_the_cut_plays_whole(void)
{
	struct po_mp3_index *a = NULL, *b = NULL;
	struct po_join_part parts[2];
	struct playout_error err = { 0, "" };

	PO_EXPECT_INT_FATAL(po_mp3_index_file(a_path, &a, &err), 0);
	PO_EXPECT_INT_FATAL(po_mp3_index_file(b_path, &b, &err), 0);
	PO_EXPECT_INT(po_mp3join_plan(a_path, a, b_path, b, 60000, parts, &err), 0);
	PO_EXPECT_INT(parts[0].nframes, a->nframes);
	PO_EXPECT_INT(parts[1].first_frame, 0);
	PO_EXPECT_INT(parts[1].nframes, b->nframes);
	CU_ASSERT_PTR_EQUAL(parts[1].ix, b);
	po_mp3_index_unref(a);
	po_mp3_index_unref(b);
}

static void test_sample_rate_mismatch_is_refused_and_leaves_nothing(void)
{
	char out[4300];
	struct po_mp3_index *a = NULL, *b = NULL;
	struct po_join_part parts[2] = { { a_path, NULL, 0, 100 }, { m48_path, NULL, 0, 0 } };
	struct playout_error err = { 0, "" };

	snprintf(out, sizeof out, "%s/mismatch.mp3", dir);
	PO_EXPECT_INT_FATAL(po_mp3_index_file(a_path, &a, &err), 0);
	PO_EXPECT_INT_FATAL(po_mp3_index_file(m48_path, &b, &err), 0);
	PO_EXPECT_INT(po_mp3join_plan("A.mp3", a, "B.mp3", b, 10000, parts, &err), PLAYOUT_EINVAL);
	PO_EXPECT_STR(err.msg, "A.mp3 is 44100 Hz stereo, B.mp3 is 48000 Hz mono: they "
			       "cannot be joined without re-encoding");
	/* the renderer refuses too, even when handed the parts directly */
	parts[0] = (struct po_join_part){ a_path, NULL, 0, 100 };
	parts[1] = (struct po_join_part){ m48_path, NULL, 0, 0 };
	err.msg[0] = '\0';
	PO_EXPECT_INT(po_mp3join_render(parts, 2, out, NULL, &err), PLAYOUT_EINVAL);
	CU_ASSERT(strstr(err.msg, "48000 Hz mono") != NULL);
	CU_ASSERT(access(out, F_OK) != 0);
	PO_EXPECT_INT(hidden_files(dir), 0);
	po_mp3_index_unref(a);
	po_mp3_index_unref(b);
}

static void test_no_temporary_file_after_success_or_failure(void)
{
	char out[4300], cut[4300];
	struct po_mp3_index *a = NULL;
	struct playout_error err = { 0, "" };
	struct po_join_result res;

	snprintf(out, sizeof out, "%s/atomic.mp3", dir);
	snprintf(cut, sizeof cut, "%s/truncated.mp3", dir);
	FILE *f = fopen(out, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs("old", f);
	fclose(f);

	/* success: replaced, no temporary left */
	struct po_join_part ok[1] = { { a_path, NULL, 0, 0 } };
	PO_EXPECT_INT(po_mp3join_render(ok, 1, out, &res, &err), 0);
	struct stat st;
	CU_ASSERT(stat(out, &st) == 0 && st.st_size == res.bytes);
	PO_EXPECT_INT(hidden_files(dir), 0);

	/* failure half way: the source shrinks after it was indexed */
	size_t n;
	unsigned char *p = slurp(a_path, &n);
	CU_ASSERT_FATAL(p != NULL);
	f = fopen(cut, "wb");
	CU_ASSERT_FATAL(f != NULL);
	fwrite(p, 1, n, f);
	fclose(f);
	free(p);
	PO_EXPECT_INT_FATAL(po_mp3_index_file(cut, &a, &err), 0);
	PO_EXPECT_INT(truncate(cut, (off_t)(n / 2)), 0);
	struct po_join_part bad[1] = { { cut, a, 0, 0 } };
	err.msg[0] = '\0';
	CU_ASSERT(po_mp3join_render(bad, 1, out, NULL, &err) < 0);
	CU_ASSERT(strstr(err.msg, "truncated.mp3") != NULL);
	CU_ASSERT(stat(out, &st) == 0 && st.st_size == res.bytes); /* the old output stays */
	PO_EXPECT_INT(hidden_files(dir), 0);

	/* a frame range outside the file is refused before anything is written */
	struct po_join_part range[1] = { { a_path, NULL, 5, 100000 } };
	PO_EXPECT_INT(po_mp3join_render(range, 1, out, NULL, &err), PLAYOUT_EINVAL);
	PO_EXPECT_INT(hidden_files(dir), 0);
	po_mp3_index_unref(a);
}

static void test_vbr_join_gets_a_xing_header(void)
{
	char out[4300];
	struct po_mp3_index *a = NULL, *b = NULL;
	struct po_join_part parts[2];
	struct po_join_result res;
	struct playout_error err = { 0, "" };
	size_t n;

	snprintf(out, sizeof out, "%s/vbr-join.mp3", dir);
	PO_EXPECT_INT_FATAL(join_files(vbr_path, b_path, 5000, out, &a, &b, parts, &res, &err), 0);
	PO_EXPECT_INT(res.vbr, 1);
	unsigned char *p = slurp(out, &n);
	CU_ASSERT_FATAL(p != NULL && n > 64);
	PO_EXPECT_INT(memcmp(p + 36, "Xing", 4), 0); /* no tag: the frame is first */
	PO_EXPECT_INT(be32(p + 44), res.nframes);
	free(p);
	po_mp3_index_unref(a);
	po_mp3_index_unref(b);
}

/* Junk between two frames of A is no audio: the join of A with junk is the
 * join of A without it, byte for byte. */
static void test_junk_between_frames_stays_out_of_the_join(void)
{
	char junked[4300], clean_out[4300], junk_out[4300];
	struct po_mp3_index *a = NULL, *j = NULL, *b = NULL;
	struct po_join_part parts[2];
	struct po_join_result res;
	struct playout_error err = { 0, "" };
	size_t na, n1, n2;

	snprintf(junked, sizeof junked, "%s/junked.mp3", dir);
	snprintf(clean_out, sizeof clean_out, "%s/clean-join.mp3", dir);
	snprintf(junk_out, sizeof junk_out, "%s/junk-join.mp3", dir);
	PO_EXPECT_INT_FATAL(po_mp3_index_file(a_path, &a, &err), 0);
	unsigned char *pa = slurp(a_path, &na);
	CU_ASSERT_FATAL(pa != NULL && a->nframes > 200);
	size_t cut = a->frames[100].offset;
	FILE *f = fopen(junked, "wb");
	CU_ASSERT_FATAL(f != NULL);
	fwrite(pa, 1, cut, f);
	for (int i = 0; i < 300; i++)
		fputc('j', f);
	fwrite(pa + cut, 1, na - cut, f);
	fclose(f);
	PO_EXPECT_INT_FATAL(po_mp3_index_file(junked, &j, &err), 0);
	PO_EXPECT_INT(j->ndamaged, 1);
	PO_EXPECT_INT(j->nframes, a->nframes);
	po_mp3_index_unref(j);
	po_mp3_index_unref(a);
	a = j = NULL;

	PO_EXPECT_INT_FATAL(join_files(a_path, b_path, 10000, clean_out, &a, &b, parts, &res, &err), 0);
	po_mp3_index_unref(a);
	po_mp3_index_unref(b);
	PO_EXPECT_INT_FATAL(join_files(junked, b_path, 10000, junk_out, &j, &b, parts, &res, &err), 0);
	unsigned char *p1 = slurp(clean_out, &n1), *p2 = slurp(junk_out, &n2);
	CU_ASSERT_FATAL(p1 && p2);
	PO_EXPECT_INT(n1, n2);
	CU_ASSERT(n1 == n2 && memcmp(p1, p2, n1) == 0);
	free(p1);
	free(p2);
	free(pa);
	po_mp3_index_unref(j);
	po_mp3_index_unref(b);
}

/* A file rewritten in place after it was indexed, even at the same size and
 * with its old mtime put back, is refused rather than copied blind. */
static void test_a_source_changed_after_indexing_is_refused(void)
{
	char src[4300], out[4300];
	struct po_mp3_index *a = NULL;
	struct playout_error err = { 0, "" };
	struct stat st;
	size_t n;

	snprintf(src, sizeof src, "%s/changed.mp3", dir);
	snprintf(out, sizeof out, "%s/changed-join.mp3", dir);
	unsigned char *p = slurp(a_path, &n);
	CU_ASSERT_FATAL(p != NULL);
	FILE *f = fopen(src, "wb");
	CU_ASSERT_FATAL(f != NULL);
	fwrite(p, 1, n, f);
	fclose(f);
	PO_EXPECT_INT_FATAL(po_mp3_index_file(src, &a, &err), 0);
	PO_EXPECT_INT_FATAL(stat(src, &st), 0);
	struct po_join_part part[1] = { { src, a, 0, 0 } };

	/* touched: the mtime says so */
	struct timespec later[2] = { st.st_atim, { st.st_mtim.tv_sec + 5, st.st_mtim.tv_nsec } };
	PO_EXPECT_INT(utimensat(AT_FDCWD, src, later, 0), 0);
	PO_EXPECT_INT(po_mp3join_render(part, 1, out, NULL, &err), PLAYOUT_EINVAL);
	CU_ASSERT(strstr(err.msg, "changed since it was indexed") != NULL);

	/* rewritten at the same size, old mtime back: the headers say so */
	int fd = open(src, O_WRONLY);
	CU_ASSERT_FATAL(fd >= 0);
	PO_EXPECT_INT(pwrite(fd, "JUNK", 4, (off_t)a->frames[a->nframes - 1].offset), 4);
	close(fd);
	struct timespec back[2] = { st.st_atim, st.st_mtim };
	PO_EXPECT_INT(utimensat(AT_FDCWD, src, back, 0), 0);
	err.msg[0] = '\0';
	PO_EXPECT_INT(po_mp3join_render(part, 1, out, NULL, &err), PLAYOUT_EINVAL);
	CU_ASSERT(strstr(err.msg, "did the file change") != NULL);
	CU_ASSERT(access(out, F_OK) != 0);
	PO_EXPECT_INT(hidden_files(dir), 0);
	free(p);
	po_mp3_index_unref(a);
}

/* Two CBR files at different bitrates make a VBR join: a Xing header. */
static void test_cbr_parts_at_two_bitrates_get_a_xing_header(void)
{
	char wav[4300], c_path[4300], out[4300];
	struct po_mp3_index *a = NULL, *c = NULL;
	struct po_join_part parts[2];
	struct po_join_result res;
	struct playout_error err = { 0, "" };
	size_t n;

	snprintf(wav, sizeof wav, "%s/c.wav", dir);
	snprintf(c_path, sizeof c_path, "%s/c160.mp3", dir);
	snprintf(out, sizeof out, "%s/two-rates.mp3", dir);
	CU_ASSERT_FATAL(make_wav(wav, 2, 44100, 2, 330) == 0 && lame(wav, c_path, "j", "160", NULL) == 0);
	PO_EXPECT_INT_FATAL(join_files(a_path, c_path, 5000, out, &a, &c, parts, &res, &err), 0);
	PO_EXPECT_INT(a->bitrate_kbps, 128);
	PO_EXPECT_INT(c->bitrate_kbps, 160);
	PO_EXPECT_INT(res.vbr, 1);
	unsigned char *p = slurp(out, &n);
	CU_ASSERT_FATAL(p != NULL);
	size_t tag = 10 + ((size_t)p[6] << 21 | (size_t)p[7] << 14 | (size_t)p[8] << 7 | p[9]);
	CU_ASSERT_FATAL(memcmp(p, "ID3", 3) == 0 && tag + 64 < n);
	PO_EXPECT_INT(memcmp(p + tag + 36, "Xing", 4), 0);
	free(p);
	po_mp3_index_unref(a);
	po_mp3_index_unref(c);
}

/* Rendered onto another filesystem (where copy_file_range may refuse to
 * work and the bytes go through a buffer): the same bytes. */
static void test_join_onto_another_filesystem_is_the_same_bytes(void)
{
	char here[4300], there[64] = "/dev/shm/po-join-XXXXXX", there_out[128];
	struct po_mp3_index *a = NULL, *b = NULL;
	struct po_join_part parts[2];
	struct po_join_result res;
	struct playout_error err = { 0, "" };
	struct stat s1, s2;
	size_t n1, n2;

	if (stat("/dev/shm", &s1) < 0 || stat(dir, &s2) < 0 || s1.st_dev == s2.st_dev ||
	    !mkdtemp(there))
		PO_SKIP("no second filesystem at /dev/shm");
	snprintf(here, sizeof here, "%s/here.mp3", dir);
	snprintf(there_out, sizeof there_out, "%s/there.mp3", there);
	PO_EXPECT_INT_FATAL(join_files(a_path, b_path, 10000, here, &a, &b, parts, &res, &err), 0);
	PO_EXPECT_INT(po_mp3join_render(parts, 2, there_out, &res, &err), 0);
	unsigned char *p1 = slurp(here, &n1), *p2 = slurp(there_out, &n2);
	CU_ASSERT(p1 && p2 && n1 == n2 && memcmp(p1, p2, n1) == 0);
	free(p1);
	free(p2);
	unlink(there_out);
	rmdir(there);
	po_mp3_index_unref(a);
	po_mp3_index_unref(b);
}

static void test_parse_time_accepts_mm_ss_and_seconds(void)
{
	int64_t ms = -1;

	CU_ASSERT(po_mp3join_parse_time("30:00", &ms) == 0 && ms == 1800000);
	CU_ASSERT(po_mp3join_parse_time("00:10", &ms) == 0 && ms == 10000);
	CU_ASSERT(po_mp3join_parse_time("29:59.5", &ms) == 0 && ms == 1799500);
	CU_ASSERT(po_mp3join_parse_time("1:02:03", &ms) == 0 && ms == 3723000);
	CU_ASSERT(po_mp3join_parse_time("10.25", &ms) == 0 && ms == 10250);
	PO_EXPECT_INT(po_mp3join_parse_time("1:60", &ms), PLAYOUT_EINVAL);
	PO_EXPECT_INT(po_mp3join_parse_time("ten", &ms), PLAYOUT_EINVAL);
	PO_EXPECT_INT(po_mp3join_parse_time("", &ms), PLAYOUT_EINVAL);
	PO_EXPECT_INT(po_mp3join_parse_time("1:2:3:4", &ms), PLAYOUT_EINVAL);
}

static const struct po_test tests[] = {
	{ "join_is_tag_info_frame_a_frames_to_cut_then_b_frames",
	  test_join_is_tag_info_frame_a_frames_to_cut_then_b_frames },
	{ "join_decodes_cleanly_and_ffprobe_reports_its_duration",
	  test_join_decodes_cleanly_and_ffprobe_reports_its_duration },
	{ "cut_at_30_minutes_keeps_frames_ending_by_30_00",
	  test_cut_at_30_minutes_keeps_frames_ending_by_30_00 },
	{ "a_shorter_than_the_cut_plays_whole", test_a_shorter_than_the_cut_plays_whole },
	{ "sample_rate_mismatch_is_refused_and_leaves_nothing",
	  test_sample_rate_mismatch_is_refused_and_leaves_nothing },
	{ "no_temporary_file_after_success_or_failure",
	  test_no_temporary_file_after_success_or_failure },
	{ "vbr_join_gets_a_xing_header", test_vbr_join_gets_a_xing_header },
	{ "junk_between_frames_stays_out_of_the_join",
	  test_junk_between_frames_stays_out_of_the_join },
	{ "a_source_changed_after_indexing_is_refused",
	  test_a_source_changed_after_indexing_is_refused },
	{ "cbr_parts_at_two_bitrates_get_a_xing_header",
	  test_cbr_parts_at_two_bitrates_get_a_xing_header },
	{ "join_onto_another_filesystem_is_the_same_bytes",
	  test_join_onto_another_filesystem_is_the_same_bytes },
	{ "parse_time_accepts_mm_ss_and_seconds", test_parse_time_accepts_mm_ss_and_seconds },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "mp3join", tests, setup, NULL },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_mp3join", suites);
}
