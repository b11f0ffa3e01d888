/*
 * Secret references (literal, file:, env:, ssm:), plus the two ways the core
 * puts words in front of people: diag lines ("file:line: error: ...") and
 * log lines (timestamped in the foreground, "<N>" under systemd).
 */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "log.h"
#include "secret.h"

static char *write_tmp(const char *name, const char *content, size_t len)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s/%s", po_test_tmpdir(), name);
	FILE *f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(content, 1, len, f), len);
	fclose(f);
	return path;
}

/* ---- secrets ---------------------------------------------------------------- */

static void test_secret_literal_detection(void)
{
	CU_ASSERT_TRUE(po_secret_is_literal("hunter2"));
	CU_ASSERT_TRUE(po_secret_is_literal("https://example.org"));
	CU_ASSERT_TRUE(po_secret_is_literal(""));
	CU_ASSERT_FALSE(po_secret_is_literal("file:/etc/x"));
	CU_ASSERT_FALSE(po_secret_is_literal("env:X"));
	CU_ASSERT_FALSE(po_secret_is_literal("ssm:/station/x"));
}

static void test_secret_literal_resolves_to_itself(void)
{
	char *v = NULL;
	struct playout_error err = {0};
	CU_ASSERT_EQUAL_FATAL(po_secret_resolve("hunter2", &v, &err), PLAYOUT_OK);
	CU_ASSERT_STRING_EQUAL(v, "hunter2");
	po_secret_free(v);
}

static void test_secret_file_first_line_without_newline(void)
{
	char ref[4200];
	char *v = NULL;
	struct playout_error err = {0};

	snprintf(ref, sizeof ref, "file:%s", write_tmp("pass1", "s3cret\n", 7));
	CU_ASSERT_EQUAL_FATAL(po_secret_resolve(ref, &v, &err), PLAYOUT_OK);
	CU_ASSERT_STRING_EQUAL(v, "s3cret");
	po_secret_free(v);

	snprintf(ref, sizeof ref, "file:%s", write_tmp("pass2", "crlf\r\nsecond line\n", 18));
	CU_ASSERT_EQUAL_FATAL(po_secret_resolve(ref, &v, &err), PLAYOUT_OK);
	CU_ASSERT_STRING_EQUAL(v, "crlf");
	po_secret_free(v);

	snprintf(ref, sizeof ref, "file:%s", write_tmp("pass3", "no newline", 10));
	CU_ASSERT_EQUAL_FATAL(po_secret_resolve(ref, &v, &err), PLAYOUT_OK);
	CU_ASSERT_STRING_EQUAL(v, "no newline");
	po_secret_free(v);
}

static void test_secret_missing_file_names_path_and_reason(void)
{
	char ref[4200];
	char *v = (char *)"untouched";
	struct playout_error err = {0};
	snprintf(ref, sizeof ref, "file:%s/does-not-exist", po_test_tmpdir());
	CU_ASSERT_EQUAL(po_secret_resolve(ref, &v, &err), PLAYOUT_ENOTFOUND);
	CU_ASSERT_PTR_NULL(v);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "does-not-exist"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, strerror(ENOENT)));
}

static void test_secret_oversized_file_fails_without_echoing_content(void)
{
	size_t n = 70 * 1024;
	char *big = malloc(n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, 'Q', n);
	char ref[4200];
	snprintf(ref, sizeof ref, "file:%s", write_tmp("big", big, n));
	free(big);
	char *v = NULL;
	struct playout_error err = {0};
	CU_ASSERT_EQUAL(po_secret_resolve(ref, &v, &err), PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NULL(v);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/big"));
	CU_ASSERT_PTR_NULL(strstr(err.msg, "QQ"));
}

static void test_secret_empty_file_is_an_error(void)
{
	char ref[4200];
	char *v = NULL;
	struct playout_error err = {0};
	snprintf(ref, sizeof ref, "file:%s", write_tmp("empty", "\n", 1));
	CU_ASSERT_EQUAL(po_secret_resolve(ref, &v, &err), PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NULL(v);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "empty"));
}

static void test_secret_env_set_unset_and_empty(void)
{
	char *v = NULL;
	struct playout_error err = {0};
	CU_ASSERT_EQUAL_FATAL(setenv("PO_TEST_SECRET", "from-env", 1), 0);
	CU_ASSERT_EQUAL_FATAL(po_secret_resolve("env:PO_TEST_SECRET", &v, &err), PLAYOUT_OK);
	CU_ASSERT_STRING_EQUAL(v, "from-env");
	po_secret_free(v);
	v = NULL;

	unsetenv("PO_TEST_SECRET");
	CU_ASSERT_EQUAL(po_secret_resolve("env:PO_TEST_SECRET", &v, &err), PLAYOUT_ENOTFOUND);
	CU_ASSERT_PTR_NULL(v);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "PO_TEST_SECRET"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not set"));

	CU_ASSERT_EQUAL_FATAL(setenv("PO_TEST_SECRET", "", 1), 0);
	CU_ASSERT_EQUAL(po_secret_resolve("env:PO_TEST_SECRET", &v, &err), PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "empty"));
	unsetenv("PO_TEST_SECRET");

	CU_ASSERT_EQUAL(po_secret_resolve("env:", &v, &err), PLAYOUT_ECONFIG);
}

static void test_secret_ssm_is_reserved_until_aws_support(void)
{
	char *v = NULL;
	struct playout_error err = {0};
	CU_ASSERT_EQUAL(po_secret_resolve("ssm:/station/icecast", &v, &err), PLAYOUT_ECONFIG);
	CU_ASSERT_EQUAL(err.code, PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NULL(v);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/station/icecast"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "AWS support"));
	po_secret_free(NULL); /* harmless */
}

/* ---- diag ------------------------------------------------------------------- */

static const char conf_text[] =
	"station = \"Example FM\";\n"
	"port = 8000;\n"
	"outputs = (\n"
	"  { plugin = \"icecast\";\n"
	"    mount = \"/prerec\"; }\n"
	");\n";

static void test_diag_error_carries_file_and_line(void)
{
	config_t cfg;
	struct po_diag d;
	config_init(&cfg);
	CU_ASSERT_EQUAL_FATAL(config_read_string(&cfg, conf_text), CONFIG_TRUE);
	po_diag_init(&d);

	po_diag_error(&d, "playout.conf", config_lookup(&cfg, "port"), "port: %s", "in use");
	po_diag_warn(&d, "playout.conf", config_lookup(&cfg, "outputs.[0].mount"),
		     "mount %s looks odd", "/prerec");
	po_diag_error(&d, "playout.conf", NULL, "no timezone");

	CU_ASSERT_EQUAL_FATAL(d.n, 3);
	CU_ASSERT_EQUAL(d.nerrors, 2);
	CU_ASSERT_STRING_EQUAL(d.msg[0], "playout.conf:2: error: port: in use");
	CU_ASSERT_STRING_EQUAL(d.msg[1], "playout.conf:5: warning: mount /prerec looks odd");
	CU_ASSERT_STRING_EQUAL(d.msg[2], "playout.conf: error: no timezone");
	po_diag_free(&d);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_EQUAL(d.nerrors, 0);
	config_destroy(&cfg);
}

static void test_diag_prefers_setting_source_file(void)
{
	config_t cfg;
	struct po_diag d;
	const char *path = write_tmp("real.conf", conf_text, sizeof conf_text - 1);
	char want[4200];
	config_init(&cfg);
	CU_ASSERT_EQUAL_FATAL(config_read_file(&cfg, path), CONFIG_TRUE);
	po_diag_init(&d);
	po_diag_error(&d, "other.conf", config_lookup(&cfg, "station"), "bad");
	snprintf(want, sizeof want, "%s:1: error: bad", path);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_STRING_EQUAL(d.msg[0], want);
	po_diag_free(&d);
	config_destroy(&cfg);
}

static void test_diag_grows_past_initial_capacity(void)
{
	struct po_diag d;
	po_diag_init(&d);
	for (int i = 0; i < 100; i++)
		po_diag_warn(&d, "x.conf", NULL, "w%d", i);
	CU_ASSERT_EQUAL(d.n, 100);
	CU_ASSERT_EQUAL(d.nerrors, 0);
	CU_ASSERT_STRING_EQUAL(d.msg[99], "x.conf: warning: w99");
	po_diag_free(&d);
}

/* ---- log (stderr captured into a file) ----------------------------------------- */

struct capture {
	int saved;
	char path[4200];
};

static void capture_begin(struct capture *c, const char *name)
{
	snprintf(c->path, sizeof c->path, "%s/%s", po_test_tmpdir(), name);
	int fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	fflush(stderr);
	c->saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

/* Returns the captured text, malloc'd. */
static char *capture_end(struct capture *c)
{
	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	FILE *f = fopen(c->path, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	char *buf = calloc(1, 1 << 20);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_log_foreground_line_has_utc_timestamp_and_level(void)
{
	struct capture c;
	regex_t re;
	po_log_init(1, PLAYOUT_LOG_INFO);
	capture_begin(&c, "fg.log");
	po_log(PLAYOUT_LOG_NOTICE, "core", "hello %d", 5);
	char *out = capture_end(&c);
	CU_ASSERT_EQUAL_FATAL(regcomp(&re,
				      "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
				      "\\.[0-9]{3}Z notice core: hello 5\n$",
				      REG_EXTENDED),
			      0);
	CU_ASSERT_EQUAL(regexec(&re, out, 0, NULL, 0), 0);
	regfree(&re);
	free(out);
}

static void test_log_journal_lines_carry_sd_priority(void)
{
	struct capture c;
	po_log_init(0, PLAYOUT_LOG_DEBUG);
	capture_begin(&c, "journal.log");
	po_log_errorx("core", "e");
	po_log_warnx("icecast:main", "w");
	po_log_notice("core", "n");
	po_log_info("core", "i");
	po_log(PLAYOUT_LOG_DEBUG, "core", "d");
	char *out = capture_end(&c);
	CU_ASSERT_STRING_EQUAL(out, "<3>core: e\n<4>icecast:main: w\n<5>core: n\n<6>core: i\n"
				    "<7>core: d\n");
	free(out);
	po_log_init(1, PLAYOUT_LOG_INFO);
}

static void test_log_level_filters_lower_priorities(void)
{
	struct capture c;
	po_log_init(0, PLAYOUT_LOG_NOTICE);
	capture_begin(&c, "level.log");
	po_log_info("core", "hidden");
	po_log_notice("core", "shown");
	po_log_set_level(PLAYOUT_LOG_ERROR);
	po_log_warnx("core", "hidden too");
	char *out = capture_end(&c);
	CU_ASSERT_STRING_EQUAL(out, "<5>core: shown\n");
	free(out);
	po_log_init(1, PLAYOUT_LOG_INFO);
}

static void test_log_errno_variants_append_strerror_and_keep_errno(void)
{
	struct capture c;
	char want[256];
	po_log_init(0, PLAYOUT_LOG_INFO);
	capture_begin(&c, "errno.log");
	errno = ENOENT;
	po_log_error("state", "open %s", "/x");
	CU_ASSERT_EQUAL(errno, ENOENT);
	errno = EACCES;
	po_log_warn("state", "write");
	char *out = capture_end(&c);
	snprintf(want, sizeof want, "<3>state: open /x: %s\n<4>state: write: %s\n",
		 strerror(ENOENT), strerror(EACCES));
	CU_ASSERT_STRING_EQUAL(out, want);
	free(out);
	po_log_init(1, PLAYOUT_LOG_INFO);
}

static void test_log_keeps_one_line_per_call_and_caps_length(void)
{
	struct capture c;
	size_t n = 5000;
	char *long_msg = malloc(n + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(long_msg);
	memset(long_msg, 'x', n);
	long_msg[n] = '\0';
	po_log_init(0, PLAYOUT_LOG_INFO);
	capture_begin(&c, "long.log");
	po_log_notice("core", "a\nb\rc");
	po_log_notice("core", "%s", long_msg);
	char *out = capture_end(&c);
	free(long_msg);
	char *second = strchr(out, '\n');
	CU_ASSERT_PTR_NOT_NULL_FATAL(second);
	*second++ = '\0';
	CU_ASSERT_STRING_EQUAL(out, "<5>core: a b c");
	size_t len = strlen(second);
	CU_ASSERT(len <= 2048);
	CU_ASSERT(len > 1000);
	CU_ASSERT_PTR_NOT_NULL(strstr(second, "[truncated]\n"));
	CU_ASSERT_EQUAL(strchr(second, '\n'), second + len - 1);
	free(out);
	po_log_init(1, PLAYOUT_LOG_INFO);
}

#define LOG_THREADS 4
#define LOG_LINES 200

static void *log_worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	for (int i = 0; i < LOG_LINES; i++)
		po_log_notice("t", "thread %d line %03d %s", id, i,
			      "padding-padding-padding-padding-padding-padding-padding");
	return NULL;
}

static void test_log_lines_from_threads_never_interleave(void)
{
	struct capture c;
	pthread_t th[LOG_THREADS];
	po_log_init(0, PLAYOUT_LOG_INFO);
	capture_begin(&c, "threads.log");
	for (int i = 0; i < LOG_THREADS; i++)
		pthread_create(&th[i], NULL, log_worker, (void *)(intptr_t)i);
	for (int i = 0; i < LOG_THREADS; i++)
		pthread_join(th[i], NULL);
	char *out = capture_end(&c);
	int lines = 0, good = 0;
	for (char *save = NULL, *l = strtok_r(out, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		int id, no;
		char tail[80];
		lines++;
		if (sscanf(l, "<5>t: thread %d line %d %79s", &id, &no, tail) == 3 &&
		    strcmp(tail, "padding-padding-padding-padding-padding-padding-padding") == 0)
			good++;
	}
	CU_ASSERT_EQUAL(lines, LOG_THREADS * LOG_LINES);
	CU_ASSERT_EQUAL(good, LOG_THREADS * LOG_LINES);
	free(out);
	po_log_init(1, PLAYOUT_LOG_INFO);
}

static void test_diag_log_writes_errors_and_warnings(void)
{
	struct capture c;
	struct po_diag d;
	po_diag_init(&d);
	po_diag_error(&d, "a.conf", NULL, "broken");
	po_diag_warn(&d, "a.conf", NULL, "odd");
	po_log_init(0, PLAYOUT_LOG_INFO);
	capture_begin(&c, "diag.log");
	po_diag_log(&d, "config");
	char *out = capture_end(&c);
	CU_ASSERT_STRING_EQUAL(out, "<3>config: a.conf: error: broken\n"
				    "<4>config: a.conf: warning: odd\n");
	free(out);
	po_diag_free(&d);
	po_log_init(1, PLAYOUT_LOG_INFO);
}

static const struct po_test secret_tests[] = {
	{"secret_literal_detection", test_secret_literal_detection},
	{"secret_literal_resolves_to_itself", test_secret_literal_resolves_to_itself},
	{"secret_file_first_line_without_newline", test_secret_file_first_line_without_newline},
	{"secret_missing_file_names_path_and_reason",
	 test_secret_missing_file_names_path_and_reason},
	{"secret_oversized_file_fails_without_echoing_content",
	 test_secret_oversized_file_fails_without_echoing_content},
	{"secret_empty_file_is_an_error", test_secret_empty_file_is_an_error},
	{"secret_env_set_unset_and_empty", test_secret_env_set_unset_and_empty},
	{"secret_ssm_is_reserved_until_aws_support", test_secret_ssm_is_reserved_until_aws_support},
	{NULL, NULL},
};

static const struct po_test diag_tests[] = {
	{"diag_error_carries_file_and_line", test_diag_error_carries_file_and_line},
	{"diag_prefers_setting_source_file", test_diag_prefers_setting_source_file},
	{"diag_grows_past_initial_capacity", test_diag_grows_past_initial_capacity},
	{"diag_log_writes_errors_and_warnings", test_diag_log_writes_errors_and_warnings},
	{NULL, NULL},
};

static const struct po_test log_tests[] = {
	{"log_foreground_line_has_utc_timestamp_and_level",
	 test_log_foreground_line_has_utc_timestamp_and_level},
	{"log_journal_lines_carry_sd_priority", test_log_journal_lines_carry_sd_priority},
	{"log_level_filters_lower_priorities", test_log_level_filters_lower_priorities},
	{"log_errno_variants_append_strerror_and_keep_errno",
	 test_log_errno_variants_append_strerror_and_keep_errno},
	{"log_keeps_one_line_per_call_and_caps_length",
	 test_log_keeps_one_line_per_call_and_caps_length},
	{"log_lines_from_threads_never_interleave", test_log_lines_from_threads_never_interleave},
	{NULL, NULL},
};

static const struct po_suite suites[] = {
	{"secret", secret_tests, NULL, NULL},
	{"diag", diag_tests, NULL, NULL},
	{"log", log_tests, NULL, NULL},
	{NULL, NULL, NULL, NULL},
};

int main(void)
{
	return po_test_run("test_secret", suites);
}
