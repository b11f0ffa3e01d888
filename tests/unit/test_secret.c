/*
 * Secret references (literal, file:, env:, ssm:) and the cache host->secret
 * serves them from (read again on SIGHUP), plus the two ways the core
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
#include "secret_cache.h"

static char *write_tmp(const char *name, const char *content, size_t len)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s/%s", po_test_tmpdir(), name);
	FILE *f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	PO_EXPECT_INT(fwrite(content, 1, len, f), len);
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
	PO_EXPECT_INT_FATAL(po_secret_resolve("hunter2", &v, &err), PLAYOUT_OK);
	PO_EXPECT_STR(v, "hunter2");
	po_secret_free(v);
}

static void test_secret_file_first_line_without_newline(void)
{
	char ref[4200];
	char *v = NULL;
	struct playout_error err = {0};

	snprintf(ref, sizeof ref, "file:%s", write_tmp("pass1", "s3cret\n", 7));
	PO_EXPECT_INT_FATAL(po_secret_resolve(ref, &v, &err), PLAYOUT_OK);
	PO_EXPECT_STR(v, "s3cret");
	po_secret_free(v);

	snprintf(ref, sizeof ref, "file:%s", write_tmp("pass2", "crlf\r\nsecond line\n", 18));
	PO_EXPECT_INT_FATAL(po_secret_resolve(ref, &v, &err), PLAYOUT_OK);
	PO_EXPECT_STR(v, "crlf");
	po_secret_free(v);

	snprintf(ref, sizeof ref, "file:%s", write_tmp("pass3", "no newline", 10));
	PO_EXPECT_INT_FATAL(po_secret_resolve(ref, &v, &err), PLAYOUT_OK);
	PO_EXPECT_STR(v, "no newline");
	po_secret_free(v);
}

static void test_secret_missing_file_names_path_and_reason(void)
{
	char ref[4200];
	char *v = (char *)"untouched";
	struct playout_error err = {0};
	snprintf(ref, sizeof ref, "file:%s/does-not-exist", po_test_tmpdir());
	PO_EXPECT_INT(po_secret_resolve(ref, &v, &err), PLAYOUT_ENOTFOUND);
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
	PO_EXPECT_INT(po_secret_resolve(ref, &v, &err), PLAYOUT_ECONFIG);
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
	PO_EXPECT_INT(po_secret_resolve(ref, &v, &err), PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NULL(v);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "empty"));
}

static void test_secret_env_set_unset_and_empty(void)
{
	char *v = NULL;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(setenv("PO_TEST_SECRET", "from-env", 1), 0);
	PO_EXPECT_INT_FATAL(po_secret_resolve("env:PO_TEST_SECRET", &v, &err), PLAYOUT_OK);
	PO_EXPECT_STR(v, "from-env");
	po_secret_free(v);
	v = NULL;

	unsetenv("PO_TEST_SECRET");
	PO_EXPECT_INT(po_secret_resolve("env:PO_TEST_SECRET", &v, &err), PLAYOUT_ENOTFOUND);
	CU_ASSERT_PTR_NULL(v);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "PO_TEST_SECRET"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not set"));

	PO_EXPECT_INT_FATAL(setenv("PO_TEST_SECRET", "", 1), 0);
	PO_EXPECT_INT(po_secret_resolve("env:PO_TEST_SECRET", &v, &err), PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "empty"));
	unsetenv("PO_TEST_SECRET");

	PO_EXPECT_INT(po_secret_resolve("env:", &v, &err), PLAYOUT_ECONFIG);
}

static void test_secret_ssm_is_reserved_until_aws_support(void)
{
	char *v = NULL;
	struct playout_error err = {0};
	PO_EXPECT_INT(po_secret_resolve("ssm:/station/icecast", &v, &err), PLAYOUT_ECONFIG);
	PO_EXPECT_INT(err.code, PLAYOUT_ECONFIG);
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
	PO_EXPECT_INT_FATAL(config_read_string(&cfg, conf_text), CONFIG_TRUE);
	po_diag_init(&d);

	po_diag_error(&d, "playout.conf", config_lookup(&cfg, "port"), "port: %s", "in use");
	po_diag_warn(&d, "playout.conf", config_lookup(&cfg, "outputs.[0].mount"),
		     "mount %s looks odd", "/prerec");
	po_diag_error(&d, "playout.conf", NULL, "no timezone");

	PO_EXPECT_INT_FATAL(d.n, 3);
	PO_EXPECT_INT(d.nerrors, 2);
	PO_EXPECT_STR(d.msg[0], "playout.conf:2: error: port: in use");
	PO_EXPECT_STR(d.msg[1], "playout.conf:5: warning: mount /prerec looks odd");
	PO_EXPECT_STR(d.msg[2], "playout.conf: error: no timezone");
	po_diag_free(&d);
	PO_EXPECT_INT(d.n, 0);
	PO_EXPECT_INT(d.nerrors, 0);
	config_destroy(&cfg);
}

static void test_diag_prefers_setting_source_file(void)
{
	config_t cfg;
	struct po_diag d;
	const char *path = write_tmp("real.conf", conf_text, sizeof conf_text - 1);
	char want[4200];
	config_init(&cfg);
	PO_EXPECT_INT_FATAL(config_read_file(&cfg, path), CONFIG_TRUE);
	po_diag_init(&d);
	po_diag_error(&d, "other.conf", config_lookup(&cfg, "station"), "bad");
	snprintf(want, sizeof want, "%s:1: error: bad", path);
	PO_EXPECT_INT_FATAL(d.n, 1);
	PO_EXPECT_STR(d.msg[0], want);
	po_diag_free(&d);
	config_destroy(&cfg);
}

static void test_diag_grows_past_initial_capacity(void)
{
	struct po_diag d;
	po_diag_init(&d);
	for (int i = 0; i < 100; i++)
		po_diag_warn(&d, "x.conf", NULL, "w%d", i);
	PO_EXPECT_INT(d.n, 100);
	PO_EXPECT_INT(d.nerrors, 0);
	PO_EXPECT_STR(d.msg[99], "x.conf: warning: w99");
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
	PO_EXPECT_INT_FATAL(regcomp(&re,
				      "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
				      "\\.[0-9]{3}Z notice core: hello 5\n$",
				      REG_EXTENDED), 0);
	PO_EXPECT_INT(regexec(&re, out, 0, NULL, 0), 0);
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
	PO_EXPECT_STR(out, "<3>core: e\n<4>icecast:main: w\n<5>core: n\n<6>core: i\n"
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
	PO_EXPECT_STR(out, "<5>core: shown\n");
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
	PO_EXPECT_INT(errno, ENOENT);
	errno = EACCES;
	po_log_warn("state", "write");
	char *out = capture_end(&c);
	snprintf(want, sizeof want, "<3>state: open /x: %s\n<4>state: write: %s\n",
		 strerror(ENOENT), strerror(EACCES));
	PO_EXPECT_STR(out, want);
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
	PO_EXPECT_STR(out, "<5>core: a b c");
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
	PO_EXPECT_INT(lines, LOG_THREADS * LOG_LINES);
	PO_EXPECT_INT(good, LOG_THREADS * LOG_LINES);
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
	PO_EXPECT_STR(out, "<3>config: a.conf: error: broken\n"
				    "<4>config: a.conf: warning: odd\n");
	free(out);
	po_diag_free(&d);
	po_log_init(1, PLAYOUT_LOG_INFO);
}


/* ---- the cache behind host->secret ------------------------------------------ */

/* A fetch that counts its calls and reads the real reference. */
struct counting {
	int calls;
	int put_during; /* store "stored-meanwhile" into the ref while fetching */
};

static int counting_fetch(void *ctx, const char *ref, char **value, struct playout_error *err)
{
	struct counting *c = ctx;
	c->calls++;
	if (c->put_during)
		PO_EXPECT_INT(po_secret_cache_put(ref, "stored-meanwhile", err), PLAYOUT_OK);
	return po_secret_resolve(ref, value, err);
}

static char *cached(const char *ref, struct counting *c)
{
	char *v = NULL;
	struct playout_error e = {0};
	if (po_secret_cached(ref, counting_fetch, c, &v, &e) != PLAYOUT_OK)
		return NULL;
	return v;
}

/* 1 when ref is served as want (the served copy is freed). */
static int serves(const char *ref, struct counting *c, const char *want)
{
	char *v = cached(ref, c);
	int ok = v && strcmp(v, want) == 0;
	po_secret_free(v);
	return ok;
}

static void test_cache_reads_once_then_serves_from_memory(void)
{
	struct counting c = {0};
	char ref[4200];
	po_secret_cache_clear();
	snprintf(ref, sizeof ref, "file:%s", write_tmp("c1", "first\n", 6));
	CU_ASSERT_TRUE(serves(ref, &c, "first"));
	CU_ASSERT_TRUE(serves(ref, &c, "first"));
	PO_EXPECT_INT(c.calls, 1);
	/* the file changes: still the value in memory until a reload */
	write_tmp("c1", "second\n", 7);
	CU_ASSERT_TRUE(serves(ref, &c, "first"));
	PO_EXPECT_INT(c.calls, 1);
	/* a caller's copy is its own */
	char *v = cached(ref, &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	v[0] = 'X';
	po_secret_free(v);
	CU_ASSERT_TRUE(serves(ref, &c, "first"));
	/* literals are not kept (and never fetched): the reference is the value */
	CU_ASSERT_TRUE(serves("plain-literal", &c, "plain-literal"));
	PO_EXPECT_INT(c.calls, 1);
	/* a failed first read is not remembered: the next call tries again */
	char missing[4200];
	snprintf(missing, sizeof missing, "file:%s/nope", po_test_tmpdir());
	CU_ASSERT_PTR_NULL(cached(missing, &c));
	CU_ASSERT_PTR_NULL(cached(missing, &c));
	PO_EXPECT_INT(c.calls, 3);
	po_secret_cache_clear();
	/* cleared: read afresh */
	CU_ASSERT_TRUE(serves(ref, &c, "second"));
	PO_EXPECT_INT(c.calls, 4);
	po_secret_cache_clear();
}

static void test_cache_reload_sees_changed_files_and_env(void)
{
	struct counting c = {0};
	struct po_secret_reload r;
	char ref1[4200], ref2[4200];
	po_secret_cache_clear();
	snprintf(ref1, sizeof ref1, "file:%s", write_tmp("r1", "one\n", 4));
	snprintf(ref2, sizeof ref2, "file:%s", write_tmp("r2", "two\n", 4));
	PO_EXPECT_INT_FATAL(setenv("PO_TEST_CACHE", "env-one", 1), 0);
	CU_ASSERT_TRUE(serves(ref1, &c, "one"));
	CU_ASSERT_TRUE(serves(ref2, &c, "two"));
	CU_ASSERT_TRUE(serves("env:PO_TEST_CACHE", &c, "env-one"));
	write_tmp("r1", "one-rotated\n", 12);
	PO_EXPECT_INT_FATAL(setenv("PO_TEST_CACHE", "env-two", 1), 0);
	po_secret_cache_reload(counting_fetch, &c, &r);
	PO_EXPECT_INT(r.read, 3);
	PO_EXPECT_INT(r.changed, 2);
	PO_EXPECT_INT(r.failed, 0);
	PO_EXPECT_INT(c.calls, 6);
	CU_ASSERT_TRUE(serves(ref1, &c, "one-rotated"));
	CU_ASSERT_TRUE(serves(ref2, &c, "two"));
	CU_ASSERT_TRUE(serves("env:PO_TEST_CACHE", &c, "env-two"));
	PO_EXPECT_INT(c.calls, 6); /* served from memory again */
	/* nothing changed since: nothing counted as changed */
	po_secret_cache_reload(NULL, NULL, &r);
	PO_EXPECT_INT(r.read, 3);
	PO_EXPECT_INT(r.changed, 0);
	unsetenv("PO_TEST_CACHE");
	po_secret_cache_clear();
}

static void test_cache_reload_failure_keeps_value_and_names_only_the_ref(void)
{
	struct counting c = {0};
	struct po_secret_reload r;
	struct capture cap;
	char ref[4300], path[4200];
	po_secret_cache_clear();
	po_log_init(1, PLAYOUT_LOG_INFO);
	snprintf(path, sizeof path, "%s", write_tmp("gone", "kept-value-77\n", 14));
	snprintf(ref, sizeof ref, "file:%s", path);
	CU_ASSERT_TRUE(serves(ref, &c, "kept-value-77"));
	PO_EXPECT_INT_FATAL(unlink(path), 0);
	capture_begin(&cap, "reload.log");
	po_secret_cache_reload(counting_fetch, &c, &r);
	char *out = capture_end(&cap);
	PO_EXPECT_INT(r.failed, 1);
	PO_EXPECT_INT(r.read, 0);
	PO_EXPECT_INT(r.changed, 0);
	CU_ASSERT_TRUE(serves(ref, &c, "kept-value-77"));
	/* one warning: the reference, the reason, never the value */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " warn core: secret file:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, strerror(ENOENT)));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "keeping the value read before"));
	CU_ASSERT_PTR_NULL(strstr(out, "kept-value"));
	free(out);
	/* back again with another value: the next reload takes it */
	write_tmp("gone", "new-value\n", 10);
	po_secret_cache_reload(counting_fetch, &c, &r);
	PO_EXPECT_INT(r.changed, 1);
	PO_EXPECT_INT(r.failed, 0);
	CU_ASSERT_TRUE(serves(ref, &c, "new-value"));
	po_secret_cache_clear();
}

static void test_cache_store_is_served_and_wins_over_a_reload_under_way(void)
{
	struct counting c = {0};
	struct po_secret_reload r;
	struct playout_error e = {0};
	char ref[4200];
	po_secret_cache_clear();
	snprintf(ref, sizeof ref, "file:%s", write_tmp("st", "on-disk\n", 8));
	/* a store makes the value known without a read */
	PO_EXPECT_INT(po_secret_cache_put(ref, "stored", &e), PLAYOUT_OK);
	CU_ASSERT_TRUE(serves(ref, &c, "stored"));
	PO_EXPECT_INT(c.calls, 0);
	/* a literal is never kept */
	PO_EXPECT_INT(po_secret_cache_put("literal-x", "y", &e), PLAYOUT_OK);
	CU_ASSERT_TRUE(serves("literal-x", &c, "literal-x"));
	/* a store while the reload reads: the reload's older answer loses */
	c.put_during = 1;
	po_secret_cache_reload(counting_fetch, &c, &r);
	c.put_during = 0;
	PO_EXPECT_INT(c.calls, 1);
	PO_EXPECT_INT(r.changed, 0);
	CU_ASSERT_TRUE(serves(ref, &c, "stored-meanwhile"));
	/* without one, the reload takes what is on disk */
	po_secret_cache_reload(counting_fetch, &c, &r);
	PO_EXPECT_INT(r.changed, 1);
	CU_ASSERT_TRUE(serves(ref, &c, "on-disk"));
	po_secret_cache_clear();
}

/* What po_secret_free released: lengths, and whether each was all zeros. */
static size_t released, released_dirty, released_len[16];

static void observe_free(const char *value, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (value[i] != '\0') {
			released_dirty++;
			break;
		}
	if (released < sizeof released_len / sizeof released_len[0])
		released_len[released] = len;
	released++;
}

static int released_one_of(size_t len)
{
	for (size_t i = 0; i < released && i < sizeof released_len / sizeof released_len[0]; i++)
		if (released_len[i] == len)
			return 1;
	return 0;
}

static void test_cache_wipes_replaced_and_cleared_values(void)
{
	struct counting c = {0};
	struct po_secret_reload r;
	struct playout_error e = {0};
	char ref[4200];
	po_secret_cache_clear();
	snprintf(ref, sizeof ref, "file:%s", write_tmp("w", "twelve-chars\n", 13));
	CU_ASSERT_TRUE(serves(ref, &c, "twelve-chars"));
	po_secret_observe_free(observe_free);
	released = released_dirty = 0;
	/* replaced by a store: the old value (12 bytes) is wiped */
	PO_EXPECT_INT(po_secret_cache_put(ref, "a-value-of-17-chr", &e), PLAYOUT_OK);
	PO_EXPECT_INT(released, 1);
	CU_ASSERT_TRUE(released_one_of(12));
	/* replaced by a reload: the stored value (17) is wiped, and so is the
	 * reload's own buffer when the value did not change */
	po_secret_cache_reload(counting_fetch, &c, &r);
	PO_EXPECT_INT(r.changed, 1);
	CU_ASSERT_TRUE(released_one_of(17));
	size_t before = released;
	po_secret_cache_reload(counting_fetch, &c, &r);
	PO_EXPECT_INT(r.changed, 0);
	PO_EXPECT_INT(released, before + 1);
	/* cleared: every kept value is wiped */
	PO_EXPECT_INT(po_secret_cache_put("ssm:/x", "ssm-value", &e), PLAYOUT_OK);
	before = released;
	po_secret_cache_clear();
	PO_EXPECT_INT(released, before + 2);
	CU_ASSERT_TRUE(released_one_of(9));
	PO_EXPECT_INT(released_dirty, 0);
	po_secret_observe_free(NULL);
}

/* Readers on other threads while the control thread reloads: each read is
 * one whole value, old or new. */
struct reader {
	const char *ref;
	int bad, n;
};

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	for (int i = 0; i < 2000; i++) {
		char *v = NULL;
		struct playout_error e = {0};
		if (po_secret_cached(rd->ref, NULL, NULL, &v, &e) != PLAYOUT_OK ||
		    (strcmp(v, "aaaaaaaa") != 0 && strcmp(v, "bbbbbbbbbbbbbbbb") != 0))
			rd->bad++;
		po_secret_free(v);
		rd->n++;
	}
	return NULL;
}

static void test_cache_reads_from_threads_during_reloads(void)
{
	struct po_secret_reload r;
	char ref[4200];
	po_secret_cache_clear();
	snprintf(ref, sizeof ref, "file:%s", write_tmp("t", "aaaaaaaa\n", 9));
	CU_ASSERT_TRUE(serves(ref, &(struct counting){0}, "aaaaaaaa"));
	struct reader rd[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		rd[i] = (struct reader){.ref = ref};
		PO_EXPECT_INT_FATAL(pthread_create(&th[i], NULL, reader_main, &rd[i]), 0);
	}
	size_t changed = 0;
	for (int i = 0; i < 50; i++) {
		if (i % 2)
			write_tmp("t", "aaaaaaaa\n", 9);
		else
			write_tmp("t", "bbbbbbbbbbbbbbbb\n", 17);
		po_secret_cache_reload(NULL, NULL, &r);
		changed += r.changed;
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		PO_EXPECT_INT(rd[i].n, 2000);
		PO_EXPECT_INT(rd[i].bad, 0);
	}
	PO_EXPECT_INT(changed, 50);
	po_secret_cache_clear();
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

static const struct po_test cache_tests[] = {
	{"cache_reads_once_then_serves_from_memory", test_cache_reads_once_then_serves_from_memory},
	{"cache_reload_sees_changed_files_and_env", test_cache_reload_sees_changed_files_and_env},
	{"cache_reload_failure_keeps_value_and_names_only_the_ref",
	 test_cache_reload_failure_keeps_value_and_names_only_the_ref},
	{"cache_store_is_served_and_wins_over_a_reload_under_way",
	 test_cache_store_is_served_and_wins_over_a_reload_under_way},
	{"cache_wipes_replaced_and_cleared_values", test_cache_wipes_replaced_and_cleared_values},
	{"cache_reads_from_threads_during_reloads", test_cache_reads_from_threads_during_reloads},
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
	{"cache", cache_tests, NULL, NULL},
	{"diag", diag_tests, NULL, NULL},
	{"log", log_tests, NULL, NULL},
	{NULL, NULL, NULL, NULL},
};

int main(void)
{
	return po_test_run("test_secret", suites);
}
