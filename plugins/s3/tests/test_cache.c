/*
 * core/cache.c: eviction by air time or age, what it never touches, and the
 * resumable partials that po_cache_init keeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "runner.h"
#include "timeutil.h"

#define HOUR_MS INT64_C(3600000)
#define DAY_MS (24 * HOUR_MS)

static int64_t t_2026_11_25; /* 2026-11-25T00:00:00Z */

static void join(char *out, size_t n, const char *dir, const char *name)
{
	int len = snprintf(out, n, "%s/%s", dir, name);
	CU_ASSERT_FATAL(len > 0 && (size_t)len < n);
}

static void touch(const char *dir, const char *name, int64_t mtime_ms)
{
	char p[4096];
	join(p, sizeof p, dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	CU_ASSERT_FATAL(fd >= 0);
	PO_EXPECT_INT(write(fd, "x", 1), 1);
	close(fd);
	struct timespec ts[2] = {{.tv_sec = mtime_ms / 1000}, {.tv_sec = mtime_ms / 1000}};
	PO_EXPECT_INT(utimensat(AT_FDCWD, p, ts, 0), 0);
}

static int exists(const char *dir, const char *name)
{
	char p[4096];
	struct stat st;
	join(p, sizeof p, dir, name);
	return lstat(p, &st) == 0;
}

static const char *fresh_dir(const char *leaf)
{
	static char p[4096];
	join(p, sizeof p, po_test_tmpdir(), leaf);
	PO_EXPECT_INT_FATAL(mkdir(p, 0750), 0);
	return p;
}

static void test_evict_removes_dated_file_past_retention(void)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", fresh_dir("c1"));
	int64_t now = t_2026_11_25;
	/* aired 2026-11-20 10:00 (5 days ago), uploaded just now */
	touch(dir, "20261120_1000_old.mp3", now);
	/* airs tomorrow, uploaded a year ago */
	touch(dir, "20261126_1000_next.mp3", now - 365 * DAY_MS);
	int n = po_cache_evict(dir, NULL, NULL, now, 2 * DAY_MS, NULL);
	PO_EXPECT_INT(n, 1);
	CU_ASSERT_FALSE(exists(dir, "20261120_1000_old.mp3"));
	CU_ASSERT_TRUE(exists(dir, "20261126_1000_next.mp3"));
}

static int keep_show(const char *name, void *arg)
{
	(void)arg;
	return strcmp(name, "20261101_1000_show.mp3") == 0;
}

static void test_evict_keeps_files_the_rundown_needs(void)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", fresh_dir("c2"));
	int64_t now = t_2026_11_25;
	touch(dir, "20261101_1000_show.mp3", now);
	touch(dir, "20261101_1100_other.mp3", now);
	PO_EXPECT_INT(po_cache_evict(dir, keep_show, NULL, now, DAY_MS, NULL), 1);
	CU_ASSERT_TRUE(exists(dir, "20261101_1000_show.mp3"));
	CU_ASSERT_FALSE(exists(dir, "20261101_1100_other.mp3"));
}

static void test_evict_judges_undated_names_by_mtime(void)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", fresh_dir("c3"));
	int64_t now = t_2026_11_25;
	touch(dir, "jingle.mp3", now - 10 * DAY_MS);
	touch(dir, "sustainer.mp3", now - HOUR_MS);
	PO_EXPECT_INT(po_cache_evict(dir, NULL, NULL, now, 7 * DAY_MS, NULL), 1);
	CU_ASSERT_FALSE(exists(dir, "jingle.mp3"));
	CU_ASSERT_TRUE(exists(dir, "sustainer.mp3"));
}

static void test_evict_never_follows_symlinks_or_enters_part(void)
{
	char dir[4096], outside[4096], p[4096], link[4096];
	snprintf(dir, sizeof dir, "%s", fresh_dir("c4"));
	snprintf(outside, sizeof outside, "%s", fresh_dir("c4-outside"));
	int64_t old = t_2026_11_25 - 100 * DAY_MS;
	touch(outside, "20200101_1000_victim.mp3", old);
	join(p, sizeof p, outside, "20200101_1000_victim.mp3");
	join(link, sizeof link, dir, "20200101_1000_link.mp3");
	PO_EXPECT_INT_FATAL(symlink(p, link), 0);
	join(link, sizeof link, dir, "linkdir");
	PO_EXPECT_INT_FATAL(symlink(outside, link), 0);
	join(p, sizeof p, dir, ".part");
	PO_EXPECT_INT_FATAL(mkdir(p, 0750), 0);
	touch(p, "20200101_1000_x.mp3.s3partial", old);
	touch(dir, ".hidden.mp3", old);
	join(p, sizeof p, dir, "sub");
	PO_EXPECT_INT_FATAL(mkdir(p, 0750), 0);
	touch(p, "20200101_1000_deep.mp3", old);

	PO_EXPECT_INT(po_cache_evict(dir, NULL, NULL, t_2026_11_25, DAY_MS, NULL), 0);
	CU_ASSERT_TRUE(exists(outside, "20200101_1000_victim.mp3"));
	CU_ASSERT_TRUE(exists(dir, "20200101_1000_link.mp3"));
	CU_ASSERT_TRUE(exists(dir, ".part/20200101_1000_x.mp3.s3partial"));
	CU_ASSERT_TRUE(exists(dir, ".hidden.mp3"));
	CU_ASSERT_TRUE(exists(dir, "sub/20200101_1000_deep.mp3"));
}

static void test_evict_reports_a_missing_cache(void)
{
	struct playout_error e = {0};
	char p[4096];
	join(p, sizeof p, po_test_tmpdir(), "no-such-cache");
	PO_EXPECT_INT(po_cache_evict(p, NULL, NULL, t_2026_11_25, DAY_MS, &e), PLAYOUT_EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "no-such-cache"));
}

static void test_init_keeps_resumable_partials_only(void)
{
	char dir[4096], part[4096];
	join(dir, sizeof dir, po_test_tmpdir(), "c5");
	PO_EXPECT_INT_FATAL(po_cache_init(dir, NULL), PLAYOUT_OK);
	join(part, sizeof part, dir, ".part");
	touch(part, "a.mp3.s3partial", t_2026_11_25);
	touch(part, "a.mp3.1234", t_2026_11_25);
	PO_EXPECT_INT(po_cache_init(dir, NULL), PLAYOUT_OK);
	CU_ASSERT_TRUE(exists(part, "a.mp3.s3partial"));
	CU_ASSERT_FALSE(exists(part, "a.mp3.1234"));
}

/* A storage that writes three bytes. */
static int three_bytes(void *inst, const struct playout_asset *a, const char *dest,
		       struct playout_error *err)
{
	(void)inst, (void)a, (void)err;
	int fd = open(dest, O_WRONLY | O_CREAT | O_EXCL, 0640);
	if (fd < 0)
		return PLAYOUT_EIO;
	ssize_t w = write(fd, "abc", 3);
	close(fd);
	return w == 3 ? PLAYOUT_OK : PLAYOUT_EIO;
}

static void test_fetch_keeps_an_mtime_before_1970(void)
{
	char dir[4096];
	struct playout_error e = {0};
	struct playout_storage_ops ops = {.fetch = three_bytes};
	struct playout_asset a;
	join(dir, sizeof dir, po_test_tmpdir(), "c6");
	PO_EXPECT_INT_FATAL(po_cache_init(dir, NULL), PLAYOUT_OK);
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "old.mp3");
	a.size = 3;
	a.mtime_ms = -1500; /* 1969-12-31T23:59:58.5Z */
	PO_EXPECT_INT(po_cache_fetch(dir, &ops, NULL, &a, &e), PLAYOUT_OK);
	CU_ASSERT_TRUE(po_cache_has(dir, &a));
}

static int suite_init(void)
{
	struct playout_error e;
	if (po_tz_set("UTC", &e) < 0)
		return 1;
	return po_tz_local_to_utc(2026, 11, 25, 0, 0, 0, &t_2026_11_25, NULL) == PLAYOUT_OK ? 0 : 1;
}

static const struct po_test tests[] = {
	{"test_fetch_keeps_an_mtime_before_1970", test_fetch_keeps_an_mtime_before_1970},
	{"test_evict_removes_dated_file_past_retention", test_evict_removes_dated_file_past_retention},
	{"test_evict_keeps_files_the_rundown_needs", test_evict_keeps_files_the_rundown_needs},
	{"test_evict_judges_undated_names_by_mtime", test_evict_judges_undated_names_by_mtime},
	{"test_evict_never_follows_symlinks_or_enters_part",
	 test_evict_never_follows_symlinks_or_enters_part},
	{"test_evict_reports_a_missing_cache", test_evict_reports_a_missing_cache},
	{"test_init_keeps_resumable_partials_only", test_init_keeps_resumable_partials_only},
	{NULL, NULL},
};

int main(void)
{
	static const struct po_suite suites[] = {
		{"cache", tests, suite_init, NULL},
		{NULL, NULL, NULL, NULL},
	};
	return po_test_run("test_cache", suites);
}
