/*
 * core/probe.c (loudness, silence), the media scan kept in the state
 * (media_scan.c), the planner's rules for flagged files and the probe config
 * group. Fixtures are made with ffmpeg at test time.
 */
#include "runner.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "media_scan.h"
#include "probe.h"
#include "rundown.h"
#include "state.h"

static const struct po_probe_opts opts = { .silence_threshold_db = -50, .silence_max_s = 10 };

static char *tmp_path(const char *name)
{
	static char path[8][512];
	static int k;
	char *p = path[k++ % 8];
	snprintf(p, 512, "%s/%s", po_test_tmpdir(), name);
	return p;
}

/* Run argv; its stdout+stderr into a malloc'd string (NULL on failure). */
static char *run(const char *const *argv, int *status)
{
	int fds[2];
	if (pipe(fds) < 0)
		return NULL;
	pid_t pid = fork();
	if (pid < 0)
		return NULL;
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	ssize_t r;
	while (buf && n + 1 < cap && (r = read(fds[0], buf + n, cap - n - 1)) > 0)
		n += (size_t)r;
	char sink[4096];
	while (read(fds[0], sink, sizeof sink) > 0)
		;
	close(fds[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (buf)
		buf[n] = '\0';
	return buf;
}

/* Encode an aevalsrc expression (mono, 44.1 kHz, 128 kbps) with ffmpeg. */
static const char *make(const char *name, const char *expr, double seconds)
{
	const char *p = tmp_path(name);
	char src[512];
	snprintf(src, sizeof src, "aevalsrc=%s:s=44100:d=%g", expr, seconds);
	const char *argv[] = { "ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
			       "-i", src, "-c:a", "libmp3lame", "-b:a", "128k", p, NULL };
	int st = -1;
	free(run(argv, &st));
	return st == 0 ? p : NULL;
}

static const char *sine20(void)
{
	static char path[512];
	if (!path[0]) {
		const char *p = make("sine20.mp3", "0.1*sin(2*PI*1000*t)", 10);
		if (!p)
			return NULL;
		snprintf(path, sizeof path, "%s", p);
	}
	return path;
}

/* ---- probe --------------------------------------------------------------- */

static void test_sine_loudness_matches_ffmpeg_ebur128(void)
{
	const char *p = sine20();
	CU_ASSERT_FATAL(p != NULL);
	const char *argv[] = { "ffmpeg", "-hide_banner", "-nostats", "-i", p, "-af",
			       "ebur128=peak=true", "-f", "null", "-", NULL };
	int st = -1;
	char *out = run(argv, &st);
	CU_ASSERT_FATAL(out != NULL);
	const char *sum = strstr(out, "Integrated loudness:");
	double want_i = 0, want_tp = 0;
	CU_ASSERT_FATAL(sum != NULL);
	PO_EXPECT_INT(sscanf(strstr(sum, "I:"), "I: %lf", &want_i), 1);
	PO_EXPECT_INT(sscanf(strstr(sum, "Peak:"), "Peak: %lf", &want_tp), 1);
	free(out);

	struct po_probe pr;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_probe_file(p, &opts, &pr, &err), PLAYOUT_OK);
	/* A mono 1 kHz sine at -20 dBFS: -20 - 3.01 (mean square) + ~0 (K
	 * weighting at 1 kHz cancels the -0.691) = about -23 LUFS. */
	CU_ASSERT(fabs(pr.integrated_lufs - want_i) < 0.5);
	CU_ASSERT(fabs(pr.integrated_lufs - -23.0) < 1.0);
	CU_ASSERT(fabs(pr.true_peak_dbtp - want_tp) < 0.5);
	CU_ASSERT(pr.range_lu < 1.0);
	PO_EXPECT_INT(pr.flags, 0);
	PO_EXPECT_INT(pr.nsilences_total, 0);
	CU_ASSERT(llabs(pr.decoded_ms - 10000) <= 30);
}

static void test_twelve_seconds_of_silence_in_the_middle_is_one_run(void)
{
	const char *p = make("gap.mp3", "if(between(t\\,5\\,17)\\,0\\,0.1*sin(2*PI*1000*t))", 22);
	CU_ASSERT_FATAL(p != NULL);
	struct po_probe pr;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_probe_file(p, &opts, &pr, &err), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(pr.nsilences_total, 1);
	PO_EXPECT_INT(pr.nsilences, 1);
	CU_ASSERT(llabs(pr.silences[0].start_ms - 5000) <= 50);
	CU_ASSERT(llabs(pr.silences[0].len_ms - 12000) <= 100);
	CU_ASSERT(pr.leading_silence_ms < 100);
	CU_ASSERT(pr.trailing_silence_ms < 100);
	PO_EXPECT_INT(pr.flags, 0);
}

static void test_silence_shorter_than_the_limit_is_not_a_run(void)
{
	const char *p = make("short-gap.mp3", "if(between(t\\,2\\,5)\\,0\\,0.1*sin(2*PI*1000*t))", 8);
	CU_ASSERT_FATAL(p != NULL);
	struct po_probe pr;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_probe_file(p, &opts, &pr, &err), PLAYOUT_OK);
	PO_EXPECT_INT(pr.nsilences_total, 0);
	struct po_probe_opts tight = { .silence_threshold_db = -50, .silence_max_s = 2 };
	PO_EXPECT_INT_FATAL(po_probe_file(p, &tight, &pr, &err), PLAYOUT_OK);
	PO_EXPECT_INT(pr.nsilences_total, 1);
}

static void test_all_silent_file_is_flagged_silent_with_leading_silence(void)
{
	const char *p = make("silent.mp3", "0", 4);
	CU_ASSERT_FATAL(p != NULL);
	struct po_probe pr;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_probe_file(p, &opts, &pr, &err), PLAYOUT_OK);
	PO_EXPECT_INT(pr.flags, PLAYOUT_ASSET_SILENT);
	PO_EXPECT_STR(pr.why, "is silent throughout (peak below -50 dBFS)");
	CU_ASSERT(pr.leading_silence_ms >= 3900);
	CU_ASSERT(isinf(pr.integrated_lufs) || pr.integrated_lufs < -69);
}

static void test_text_file_named_mp3_has_no_audio(void)
{
	const char *p = tmp_path("text.mp3");
	FILE *f = fopen(p, "w");
	CU_ASSERT_FATAL(f != NULL);
	for (int i = 0; i < 200; i++)
		fprintf(f, "this is not audio, line %d\n", i);
	fclose(f);
	struct po_probe pr;
	struct playout_error err = {0};
	PO_EXPECT_INT(po_probe_file(p, &opts, &pr, &err), PLAYOUT_EINVAL);
	PO_EXPECT_INT(pr.flags, PLAYOUT_ASSET_NO_AUDIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "text.mp3"));
	struct po_media m;
	PO_EXPECT_INT(po_media_scan(NULL, p, &opts, PO_MEDIA_PROBE, &m, &err), PLAYOUT_OK);
	PO_EXPECT_INT(m.indexed, 0);
	CU_ASSERT(m.flags & PLAYOUT_ASSET_NO_AUDIO);
	PO_EXPECT_INT(strncmp(m.why, "has no playable audio", 21), 0);
}

static void test_zero_byte_file_has_no_audio_and_missing_file_is_enotfound(void)
{
	const char *p = tmp_path("zero.mp3");
	FILE *f = fopen(p, "w");
	CU_ASSERT_FATAL(f != NULL);
	fclose(f);
	struct po_media m;
	struct playout_error err = {0};
	PO_EXPECT_INT(po_media_scan(NULL, p, &opts, PO_MEDIA_PROBE, &m, &err), PLAYOUT_OK);
	CU_ASSERT(m.flags & PLAYOUT_ASSET_NO_AUDIO);
	PO_EXPECT_INT(po_media_scan(NULL, tmp_path("nope.mp3"), &opts, 0, &m, &err), PLAYOUT_ENOTFOUND);
}

/* ---- media cache in the state (schema v2) ------------------------------- */

static struct po_state *open_state(const char *name)
{
	struct po_state *st = NULL;
	struct playout_error err = {0};
	PO_EXPECT_INT(po_state_open(tmp_path(name), PO_STATE_WRITER, &st, &err), PLAYOUT_OK);
	return st;
}

static void test_state_v2_media_rows_are_keyed_by_size_and_mtime(void)
{
	struct po_state *st = open_state("media.db");
	CU_ASSERT_FATAL(st != NULL);
	CU_ASSERT(po_state_schema_version(st) >= 2);
	char *v = NULL;
	PO_EXPECT_INT(po_state_media_get(st, "/a.mp3", 10, 20, &v), PLAYOUT_ENOTFOUND);
	PO_EXPECT_INT(po_state_media_put(st, "/a.mp3", 10, 20, "x"), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_media_get(st, "/a.mp3", 10, 20, &v), PLAYOUT_OK);
	PO_EXPECT_STR(v, "x");
	free(v);
	v = NULL;
	PO_EXPECT_INT(po_state_media_get(st, "/a.mp3", 11, 20, &v), PLAYOUT_ENOTFOUND);
	PO_EXPECT_INT(po_state_media_get(st, "/a.mp3", 10, 21, &v), PLAYOUT_ENOTFOUND);
	CU_ASSERT_PTR_NULL(v);
	po_state_close(st);
}

static void test_media_text_round_trips(void)
{
	struct po_media m, back;
	memset(&m, 0, sizeof m);
	m.indexed = 1;
	m.nframes = 1234;
	m.duration_ms = 32235;
	m.gapless_ms = 32200;
	m.version = 10;
	m.layer = 3;
	m.sample_rate = 44100;
	m.channels = 2;
	m.samples_per_frame = 1152;
	m.header_kind = 2;
	m.enc_delay = 576;
	m.enc_padding = 1000;
	m.id3v2_bytes = 4096;
	m.ndamaged = 1;
	m.damaged_bytes = 333;
	m.probed = 1;
	m.probe.integrated_lufs = -23.25;
	m.probe.range_lu = 4.5;
	m.probe.true_peak_dbtp = -INFINITY;
	m.probe.nsilences = m.probe.nsilences_total = 2;
	m.probe.silences[1].start_ms = 5000;
	m.probe.silences[1].len_ms = 12000;
	m.probe.flags = PLAYOUT_ASSET_SILENT;
	snprintf(m.probe.why, sizeof m.probe.why, "is silent throughout (x)");
	char *t = po_media_encode(&m);
	CU_ASSERT_FATAL(t != NULL);
	PO_EXPECT_INT(po_media_decode(t, &back), PLAYOUT_OK);
	free(t);
	PO_EXPECT_INT(back.nframes, 1234);
	PO_EXPECT_INT(back.gapless_ms, 32200);
	PO_EXPECT_INT(back.enc_padding, 1000);
	PO_EXPECT_INT(back.probe.integrated_lufs, -23.25);
	CU_ASSERT(isinf(back.probe.true_peak_dbtp));
	PO_EXPECT_INT(back.probe.silences[1].len_ms, 12000);
	PO_EXPECT_STR(back.why, "is silent throughout (x)");
	PO_EXPECT_INT(back.flags, PLAYOUT_ASSET_SILENT | PLAYOUT_ASSET_DAMAGED);
	PO_EXPECT_INT(po_media_decode("po-media 0\nindexed 1\n", &back), PLAYOUT_EINVAL);
}

static void test_media_scan_is_stored_once_and_redone_when_the_file_changes(void)
{
	struct po_state *st = open_state("scan.db");
	const char *p = sine20();
	CU_ASSERT_FATAL(st != NULL && p != NULL);
	struct po_media m;
	struct playout_error err = {0};
	PO_EXPECT_INT(po_media_scan(st, p, &opts, PO_MEDIA_PROBE | PO_MEDIA_STORE, &m, &err), PLAYOUT_OK);
	CU_ASSERT(m.probed && m.indexed);
	/* Tamper with the stored row: a second scan must return it unchanged. */
	struct stat sb;
	PO_EXPECT_INT_FATAL(stat(p, &sb), 0);
	int64_t mt = (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
	m.nframes = 999999;
	char *t = po_media_encode(&m);
	PO_EXPECT_INT(po_state_media_put(st, p, sb.st_size, mt, t), PLAYOUT_OK);
	free(t);
	struct po_media again;
	PO_EXPECT_INT(po_media_scan(st, p, &opts, PO_MEDIA_PROBE | PO_MEDIA_STORE, &again, &err), PLAYOUT_OK);
	PO_EXPECT_INT(again.nframes, 999999);
	/* A new mtime: scanned again. */
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { sb.st_mtim.tv_sec + 60, 0 } };
	PO_EXPECT_INT_FATAL(utimensat(AT_FDCWD, p, ts, 0), 0);
	PO_EXPECT_INT(po_media_scan(st, p, &opts, PO_MEDIA_PROBE | PO_MEDIA_STORE, &again, &err), PLAYOUT_OK);
	PO_EXPECT_INT(again.nframes, m.nframes == 999999 ? again.nframes : 0);
	CU_ASSERT(again.nframes != 999999);
	po_state_close(st);
}

/* ---- the planner and flagged files (the short-file rule: test_rundown) -- */

#define T0 1774746000000LL /* 2026-03-29 01:00 UTC */

static struct playout_slot slot(const char *pid, int64_t start, int64_t end)
{
	struct playout_slot s;
	memset(&s, 0, sizeof s);
	s.start_ms = start;
	s.end_ms = end;
	s.type = PLAYOUT_SLOT_RECORDED;
	snprintf(s.pid, sizeof s.pid, "%s", pid);
	snprintf(s.source, sizeof s.source, "csv");
	return s;
}

static struct playout_asset asset(const char *name, const char *pid, int64_t start,
				  int64_t duration_ms)
{
	struct playout_asset a;
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "%s", name);
	snprintf(a.pid, sizeof a.pid, "%s", pid);
	a.start_ms = start;
	a.duration_ms = duration_ms;
	return a;
}

static int fake_choose(void *inst, const struct playout_slot *sl,
		       const struct playout_asset *assets, size_t nassets,
		       struct playout_choice *out, struct playout_error *err)
{
	(void)inst;
	(void)sl;
	(void)assets;
	(void)nassets;
	(void)err;
	snprintf(out->asset, sizeof out->asset, "20260322_0100_abc.mp3");
	snprintf(out->reason, sizeof out->reason, "previous edition");
	return PLAYOUT_OK;
}

static const struct playout_fallback_ops fake_fallback = { .choose = fake_choose };

static void test_silent_file_is_not_planned_and_fallback_reason_says_why(void)
{
	struct playout_slot s[] = { slot("abc", T0, T0 + 3600000) };
	struct playout_asset a[] = {
		asset("20260329_0100_abc.mp3", "abc", T0, 3500000),
		asset("20260322_0100_abc.mp3", "abc", T0 - 7 * 86400000LL, 3500000),
	};
	a[0].flags = PLAYOUT_ASSET_SILENT;
	snprintf(a[0].why, sizeof a[0].why, "is silent throughout");
	struct po_plan_input in = { .from_ms = T0 - 60000, .to_ms = T0 + 7200000, .slots = s,
				    .nslots = 1, .assets = a, .nassets = 2,
				    .fallback = &fake_fallback, .fallback_label = "previous-edition" };
	struct po_rundown r;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_plan(&in, &r, &err), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_FALLBACK);
	PO_EXPECT_STR(r.v[0].seg[0].asset, "20260322_0100_abc.mp3");
	PO_EXPECT_STR(r.v[0].reason, "20260329_0100_abc.mp3 is silent throughout; fallback chose "
			       "20260322_0100_abc.mp3: previous edition");
	po_rundown_free(&r);

	/* The fallback's own choice flagged: missing, and it says so. */
	a[1].flags = PO_ASSET_SHORT;
	snprintf(a[1].why, sizeof a[1].why, "is 1:00 long, under 50%% of its 60:00 slot");
	PO_EXPECT_INT_FATAL(po_plan(&in, &r, &err), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_MISSING);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.v[0].reason, "chose 20260322_0100_abc.mp3, but it is 1:00 long"));
	po_rundown_free(&r);
}

static void test_no_audio_file_without_fallback_is_missing_with_reason(void)
{
	struct playout_slot s[] = { slot("abc", T0, T0 + 3600000) };
	struct playout_asset a[] = { asset("20260329_0100_abc.mp3", "abc", T0, 0) };
	a[0].flags = PLAYOUT_ASSET_NO_AUDIO;
	snprintf(a[0].why, sizeof a[0].why, "has no playable audio (not an MP3)");
	struct po_plan_input in = { .from_ms = T0 - 60000, .to_ms = T0 + 7200000, .slots = s,
				    .nslots = 1, .assets = a, .nassets = 1 };
	struct po_rundown r;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_plan(&in, &r, &err), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_MISSING);
	PO_EXPECT_INT(r.v[0].nseg, 0);
	PO_EXPECT_INT(strncmp(r.v[0].reason,
			  "20260329_0100_abc.mp3 has no playable audio (not an MP3); no file for abc",
			  72), 0);
	po_rundown_free(&r);
	/* DAMAGED alone is informational: the file plays. */
	a[0].flags = PLAYOUT_ASSET_DAMAGED;
	PO_EXPECT_INT_FATAL(po_plan(&in, &r, &err), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_EXACT);
	po_rundown_free(&r);
}

/* ---- config -------------------------------------------------------------- */

#define BASE "storage = { plugin = \"localdisk\"; path = \"/srv\"; };\n" \
	"outputs = ( { plugin = \"file\"; path = \"/tmp/x\"; } );\n"

/* 1 when one diag line contains text. */
static int has(const struct po_diag *d, const char *text)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->msg[i], text))
			return 1;
	return 0;
}

static void test_probe_config_group_has_defaults_and_checks_ranges_with_line(void)
{
	struct po_config c;
	struct po_diag d;
	po_diag_init(&d);
	PO_EXPECT_INT(po_config_load_string(&c, BASE, "t.conf", &d), PLAYOUT_OK);
	PO_EXPECT_INT(c.probe_silence_threshold_db, -50);
	PO_EXPECT_INT(c.probe_silence_max_s, 10);
	PO_EXPECT_INT(c.probe_min_fill_percent, 50);
	po_config_free(&c);
	po_diag_free(&d);

	po_diag_init(&d);
	PO_EXPECT_INT(po_config_load_string(&c,
					      BASE "probe = {\n silence_threshold_db = -60.5;\n"
					      " silence_max_s = 4;\n min_fill_percent = 80;\n};\n",
					      "t.conf", &d), PLAYOUT_OK);
	PO_EXPECT_INT(c.probe_silence_threshold_db, -60.5);
	PO_EXPECT_INT(c.probe_silence_max_s, 4);
	PO_EXPECT_INT(c.probe_min_fill_percent, 80);
	po_config_free(&c);
	po_diag_free(&d);

	po_diag_init(&d);
	PO_EXPECT_INT(po_config_load_string(&c,
					      BASE "probe = {\n silence_threshold_db = 3;\n"
					      " min_fill_percent = \"half\";\n};\n",
					      "t.conf", &d), PLAYOUT_ECONFIG);
	PO_EXPECT_INT(d.nerrors, 2);
	CU_ASSERT(has(&d, "t.conf:4: error: key 'silence_threshold_db' must be between -120 and 0 (got 3)"));
	CU_ASSERT(has(&d, "t.conf:5: error: key 'min_fill_percent' must be an integer"));
	po_config_free(&c);
	po_diag_free(&d);
}

static const struct po_test tests[] = {
	{ "test_sine_loudness_matches_ffmpeg_ebur128", test_sine_loudness_matches_ffmpeg_ebur128 },
	{ "test_twelve_seconds_of_silence_in_the_middle_is_one_run", test_twelve_seconds_of_silence_in_the_middle_is_one_run },
	{ "test_silence_shorter_than_the_limit_is_not_a_run", test_silence_shorter_than_the_limit_is_not_a_run },
	{ "test_all_silent_file_is_flagged_silent_with_leading_silence", test_all_silent_file_is_flagged_silent_with_leading_silence },
	{ "test_text_file_named_mp3_has_no_audio", test_text_file_named_mp3_has_no_audio },
	{ "test_zero_byte_file_has_no_audio_and_missing_file_is_enotfound", test_zero_byte_file_has_no_audio_and_missing_file_is_enotfound },
	{ "test_state_v2_media_rows_are_keyed_by_size_and_mtime", test_state_v2_media_rows_are_keyed_by_size_and_mtime },
	{ "test_media_text_round_trips", test_media_text_round_trips },
	{ "test_media_scan_is_stored_once_and_redone_when_the_file_changes", test_media_scan_is_stored_once_and_redone_when_the_file_changes },
	{ "test_silent_file_is_not_planned_and_fallback_reason_says_why", test_silent_file_is_not_planned_and_fallback_reason_says_why },
	{ "test_no_audio_file_without_fallback_is_missing_with_reason", test_no_audio_file_without_fallback_is_missing_with_reason },
	{ "test_probe_config_group_has_defaults_and_checks_ranges_with_line", test_probe_config_group_has_defaults_and_checks_ranges_with_line },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "probe", tests, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_probe", suites);
}
