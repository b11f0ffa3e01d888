/*
 * Tests for the localdisk storage plugin, compiled in (no dlopen) and driven
 * through its descriptor with the fake host and its fake clock. Every test
 * builds its own drop folder under the scratch dir.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libconfig.h>

#include "fake_host.h"
#include "plugin_conf.h"
#include "runner.h"

extern const struct playout_plugin playout_plugin;

#define T0_S 1774742400LL /* file mtimes: 2026-03-29T00:00:00Z */
#define T0_MS (T0_S * 1000)

struct ld_env {
	struct po_fake_host *fh;
	void *inst;
	char dir[512];
	char cache[512];
	struct playout_assets assets;
	struct playout_error err;
};

/* A fresh drop folder and cache named after the test; settle_s < 0: default. */
static int env_open(struct ld_env *e, const char *name, int settle_s)
{
	struct po_test_conf tc = { 0 };
	char text[1024];
	int rc;

	memset(e, 0, sizeof *e);
	snprintf(e->dir, sizeof e->dir, "%s/%s", po_test_tmpdir(), name);
	snprintf(e->cache, sizeof e->cache, "%s/%s-cache", po_test_tmpdir(), name);
	if (mkdir(e->dir, 0755) != 0 || mkdir(e->cache, 0755) != 0)
		return PLAYOUT_EIO;
	e->fh = po_fake_host_new("localdisk:test", e->cache);
	if (!e->fh)
		return PLAYOUT_ENOMEM;
	po_fake_host_set_now(e->fh, T0_MS + 3600 * 1000);
	if (settle_s >= 0)
		snprintf(text, sizeof text, "path = \"%s\"; settle_s = %d;", e->dir, settle_s);
	else
		snprintf(text, sizeof text, "path = \"%s\";", e->dir);
	rc = po_test_plugin_create(&tc, &playout_plugin, text, po_fake_host(e->fh), &e->inst,
				   &e->err);
	po_test_conf_free(&tc);
	return rc;
}

static void env_close(struct ld_env *e)
{
	if (e->inst)
		playout_plugin.destroy(e->inst);
	free(e->assets.v);
	po_fake_host_free(e->fh);
}

static int env_list(struct ld_env *e)
{
	const struct playout_storage_ops *ops = playout_plugin.ops.storage;
	free(e->assets.v);
	memset(&e->assets, 0, sizeof e->assets);
	return ops->list(e->inst, &e->assets, &e->err);
}

static int env_fetch(struct ld_env *e, const struct playout_asset *a, const char *dest)
{
	const struct playout_storage_ops *ops = playout_plugin.ops.storage;
	return ops->fetch(e->inst, a, dest, &e->err);
}

static const struct playout_asset *find_asset(const struct ld_env *e, const char *name)
{
	for (size_t i = 0; i < e->assets.n; i++)
		if (strcmp(e->assets.v[i].name, name) == 0)
			return &e->assets.v[i];
	return NULL;
}

/* Write len bytes (a pattern) to dir/name with mtime mtime_s; append when asked. */
static void put_file(const char *dir, const char *name, size_t len, int64_t mtime_s, int append)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, append ? "ab" : "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (size_t i = 0; i < len; i++)
		fputc((int)((i * 131 + len) & 0xff), f);
	fclose(f);
	struct timespec ts[2] = { { (time_t)mtime_s, 0 }, { (time_t)mtime_s, 0 } };
	PO_EXPECT_INT(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0);
}

/* ---- a guard against a call that blocks ----------------------------------- */

/* A regression that blocks (an open of a FIFO waiting for a writer) must
 * fail the program with a word, not hang make check. */
static const char *guard_what = "";

static void guard_fired(int sig)
{
	(void)sig;
	static const char head[] = "\nFAIL: blocked for 5 s: ";
	if (write(2, head, sizeof head - 1) < 0 || write(2, guard_what, strlen(guard_what)) < 0 ||
	    write(2, "\n", 1) < 0)
		_exit(2);
	_exit(1);
}

static void guard_arm(const char *what)
{
	guard_what = what;
	signal(SIGALRM, guard_fired);
	alarm(5);
}

static void guard_disarm(void)
{
	alarm(0);
	signal(SIGALRM, SIG_DFL);
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- mounts (the tests that use them run as root, as CI does) ----------------- */

/* Every folder something was mounted on, unmounted again by the suite's
 * cleanup when a test stops half-way (a fatal assertion). */
static char mounted[8][1024];

static void remember_mount(const char *dir)
{
	for (size_t i = 0; i < sizeof mounted / sizeof mounted[0]; i++)
		if (!mounted[i][0] || strcmp(mounted[i], dir) == 0) {
			snprintf(mounted[i], sizeof mounted[i], "%s", dir);
			return;
		}
}

static int unmount_all(void)
{
	for (size_t i = 0; i < sizeof mounted / sizeof mounted[0]; i++)
		while (mounted[i][0] && umount2(mounted[i], MNT_DETACH) == 0)
			;
	return 0;
}

static int mount_tmpfs(const char *dir)
{
	remember_mount(dir);
	return mount("tmpfs", dir, "tmpfs", 0, "size=4m,mode=0755");
}

static int mount_bind(const char *src, const char *dir)
{
	remember_mount(dir);
	return mount(src, dir, NULL, MS_BIND, NULL);
}

static void unmount_quietly(const char *dir)
{
	umount2(dir, MNT_DETACH);
}

/* 1 when the inotify descriptor has an event within ms, after draining it. */
static int watch_fires(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int got = poll(&p, 1, ms) == 1;
	char buf[4096];
	while (read(fd, buf, sizeof buf) > 0)
		;
	return got;
}

static int files_equal(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int same = fa && fb;
	while (same) {
		int ca = fgetc(fa), cb = fgetc(fb);
		if (ca != cb)
			same = 0;
		if (ca == EOF || cb == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

static void test_descriptor_is_a_storage_plugin(void)
{
	PO_EXPECT_INT(playout_plugin.abi_major, PLAYOUT_ABI_MAJOR);
	PO_EXPECT_STR(playout_plugin.name, "localdisk");
	PO_EXPECT_INT(playout_plugin.kind, PLAYOUT_KIND_STORAGE);
}

static void test_create_refuses_settle_out_of_range(void)
{
	struct ld_env e;
	PO_EXPECT_INT(env_open(&e, "range", 86401), PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "settle_s"));
	CU_ASSERT_PTR_NULL(e.inst);
	env_close(&e);
}

static void test_list_reports_settled_mp3_files_only(void)
{
	struct ld_env e;
	char path[1024];

	PO_EXPECT_INT_FATAL(env_open(&e, "list", 60), PLAYOUT_OK);
	put_file(e.dir, "20260329_0100_abc.mp3", 1000, T0_S, 0);
	put_file(e.dir, "Sustainer.MP3", 500, T0_S, 0);
	put_file(e.dir, "notes.txt", 10, T0_S, 0);
	put_file(e.dir, ".hidden.mp3", 10, T0_S, 0);
	put_file(e.dir, ".20260329_0200_abc.mp3.Xy12Ab", 10, T0_S, 0); /* rsync temporary */
	put_file(e.dir, "upload.mp3.part", 10, T0_S, 0);
	put_file(e.dir, "upload.mp3~", 10, T0_S, 0);
	put_file(e.dir, "upload.mp3.tmp", 10, T0_S, 0);
	put_file(e.dir, "bad\001name.mp3", 10, T0_S, 0);
	put_file(e.dir, "empty.mp3", 0, T0_S, 0);
	snprintf(path, sizeof path, "%s/folder.mp3", e.dir);
	PO_EXPECT_INT(mkdir(path, 0755), 0);
	put_file(path, "20260329_0300_abc.mp3", 10, T0_S, 0); /* not listed: subfolder */

	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(e.assets.n, 2);
	const struct playout_asset *a = find_asset(&e, "20260329_0100_abc.mp3");
	const struct playout_asset *s = find_asset(&e, "Sustainer.MP3");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	PO_EXPECT_INT(a->size, 1000);
	PO_EXPECT_INT(a->mtime_ms, T0_MS);
	PO_EXPECT_INT(s->size, 500);
	env_close(&e);
}

static void test_list_waits_until_a_file_has_settled(void)
{
	struct ld_env e;

	PO_EXPECT_INT_FATAL(env_open(&e, "settle", 60), PLAYOUT_OK);
	put_file(e.dir, "20260329_0100_new.mp3", 100, T0_S, 0);
	po_fake_host_set_now(e.fh, T0_MS); /* just written */
	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(e.assets.n, 0);
	po_fake_host_set_now(e.fh, T0_MS + 59999);
	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(e.assets.n, 0);
	po_fake_host_set_now(e.fh, T0_MS + 60000);
	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(e.assets.n, 1);
	env_close(&e);
}

static void test_list_default_settle_is_sixty_seconds(void)
{
	struct ld_env e;

	PO_EXPECT_INT_FATAL(env_open(&e, "default", -1), PLAYOUT_OK);
	put_file(e.dir, "20260329_0100_new.mp3", 100, T0_S, 0);
	po_fake_host_set_now(e.fh, T0_MS + 30000);
	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(e.assets.n, 0);
	po_fake_host_set_now(e.fh, T0_MS + 60000);
	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(e.assets.n, 1);
	env_close(&e);
}

static void test_list_skips_a_file_that_grew_since_the_previous_list(void)
{
	struct ld_env e;

	PO_EXPECT_INT_FATAL(env_open(&e, "grow", 60), PLAYOUT_OK);
	put_file(e.dir, "20260329_0100_grow.mp3", 100, T0_S, 0);
	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(e.assets.n, 1);
	/* grows, but the uploader keeps the old mtime */
	put_file(e.dir, "20260329_0100_grow.mp3", 50, T0_S, 1);
	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(e.assets.n, 0);
	/* unchanged since: listed again, with the new size */
	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(e.assets.n, 1);
	PO_EXPECT_INT(e.assets.v[0].size, 150);
	env_close(&e);
}

static void test_list_follows_symlinks_inside_and_refuses_outside(void)
{
	struct ld_env e;
	char link[1024], outside[1024];

	PO_EXPECT_INT_FATAL(env_open(&e, "links", 60), PLAYOUT_OK);
	put_file(e.dir, "target.bin", 300, T0_S, 0);
	snprintf(link, sizeof link, "%s/20260329_0100_lnk.mp3", e.dir);
	PO_EXPECT_INT(symlink("target.bin", link), 0);
	snprintf(outside, sizeof outside, "%s/links-outside.mp3", po_test_tmpdir());
	put_file(po_test_tmpdir(), "links-outside.mp3", 300, T0_S, 0);
	snprintf(link, sizeof link, "%s/20260329_0200_out.mp3", e.dir);
	PO_EXPECT_INT(symlink(outside, link), 0);
	snprintf(link, sizeof link, "%s/20260329_0300_esc.mp3", e.dir);
	PO_EXPECT_INT(symlink("../links-outside.mp3", link), 0);

	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(e.assets.n, 1);
	const struct playout_asset *in = find_asset(&e, "20260329_0100_lnk.mp3");
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	PO_EXPECT_INT(in->size, 300);
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "20260329_0200_out.mp3: symlink"));
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "outside the drop folder"));
	PO_EXPECT_INT(po_fake_host_log_count(e.fh, PLAYOUT_LOG_WARN), 2);
	/* warned once per name */
	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(po_fake_host_log_count(e.fh, PLAYOUT_LOG_WARN), 2);
	env_close(&e);
}

static void test_list_of_a_missing_folder_is_unavailable(void)
{
	struct ld_env e;
	char gone[1024];

	PO_EXPECT_INT_FATAL(env_open(&e, "gone", 60), PLAYOUT_OK);
	snprintf(gone, sizeof gone, "%s", e.dir);
	PO_EXPECT_INT(rmdir(gone), 0);
	PO_EXPECT_INT(env_list(&e), PLAYOUT_EUNAVAIL);
	PO_EXPECT_INT(e.assets.n, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, gone));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "does not exist"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "mounted"));
	env_close(&e);
}

static void test_fetch_copies_byte_identical(void)
{
	struct ld_env e;
	char src[1024], dest[1024];

	PO_EXPECT_INT_FATAL(env_open(&e, "copy", 60), PLAYOUT_OK);
	put_file(e.dir, "20260329_0100_big.mp3", 200000, T0_S, 0); /* > the 64 KiB buffer */
	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(e.assets.n, 1);
	snprintf(src, sizeof src, "%s/20260329_0100_big.mp3", e.dir);
	snprintf(dest, sizeof dest, "%s/big.part", e.cache);
	PO_EXPECT_INT_FATAL(env_fetch(&e, &e.assets.v[0], dest), PLAYOUT_OK);
	CU_ASSERT_TRUE(files_equal(src, dest));
	struct stat st;
	PO_EXPECT_INT_FATAL(stat(dest, &st), 0);
	PO_EXPECT_INT(st.st_size, 200000);
	PO_EXPECT_INT(st.st_mode & 0777 & ~(mode_t)0640, 0); /* 0640 less the umask */
	env_close(&e);
}

static void test_fetch_follows_an_inside_symlink_and_refuses_an_outside_one(void)
{
	struct ld_env e;
	char link[1024], outside[1024], dest[1024];
	struct playout_asset a;

	PO_EXPECT_INT_FATAL(env_open(&e, "fetchlinks", 60), PLAYOUT_OK);
	put_file(e.dir, "target.bin", 300, T0_S, 0);
	snprintf(link, sizeof link, "%s/in.mp3", e.dir);
	PO_EXPECT_INT(symlink("target.bin", link), 0);
	snprintf(outside, sizeof outside, "%s/fetchlinks-outside.mp3", po_test_tmpdir());
	put_file(po_test_tmpdir(), "fetchlinks-outside.mp3", 300, T0_S, 0);
	snprintf(link, sizeof link, "%s/out.mp3", e.dir);
	PO_EXPECT_INT(symlink(outside, link), 0);

	memset(&a, 0, sizeof a);
	a.size = 300;
	snprintf(a.name, sizeof a.name, "in.mp3");
	snprintf(dest, sizeof dest, "%s/in.part", e.cache);
	PO_EXPECT_INT(env_fetch(&e, &a, dest), PLAYOUT_OK);
	snprintf(link, sizeof link, "%s/target.bin", e.dir);
	CU_ASSERT_TRUE(files_equal(link, dest));

	snprintf(a.name, sizeof a.name, "out.mp3");
	snprintf(dest, sizeof dest, "%s/out.part", e.cache);
	PO_EXPECT_INT(env_fetch(&e, &a, dest), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "outside the drop folder"));
	PO_EXPECT_INT(access(dest, F_OK), -1);
	env_close(&e);
}

static void test_fetch_refuses_a_file_whose_size_changed(void)
{
	struct ld_env e;
	char dest[1024];

	PO_EXPECT_INT_FATAL(env_open(&e, "changed", 60), PLAYOUT_OK);
	put_file(e.dir, "20260329_0100_chg.mp3", 100, T0_S, 0);
	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(e.assets.n, 1);
	put_file(e.dir, "20260329_0100_chg.mp3", 10, T0_S, 1);
	snprintf(dest, sizeof dest, "%s/chg.part", e.cache);
	PO_EXPECT_INT(env_fetch(&e, &e.assets.v[0], dest), PLAYOUT_EUNAVAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "changed since listed"));
	PO_EXPECT_INT(access(dest, F_OK), -1);
	env_close(&e);
}

static void test_fetch_refuses_names_that_are_not_bare(void)
{
	static const char *const bad[] = { "../escape.mp3", "sub/x.mp3", "/etc/passwd", "..", ".", "" };
	struct ld_env e;
	char dest[1024];
	struct playout_asset a;

	PO_EXPECT_INT_FATAL(env_open(&e, "names", 60), PLAYOUT_OK);
	put_file(po_test_tmpdir(), "escape.mp3", 10, T0_S, 0);
	snprintf(dest, sizeof dest, "%s/x.part", e.cache);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&a, 0, sizeof a);
		a.size = 10;
		snprintf(a.name, sizeof a.name, "%s", bad[i]);
		PO_EXPECT_INT(env_fetch(&e, &a, dest), PLAYOUT_EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "bare file name"));
		PO_EXPECT_INT(access(dest, F_OK), -1);
	}
	env_close(&e);
}

static void test_fetch_never_overwrites_an_existing_dest(void)
{
	struct ld_env e;
	char dest[1024], buf[16] = { 0 };

	PO_EXPECT_INT_FATAL(env_open(&e, "exists", 60), PLAYOUT_OK);
	put_file(e.dir, "20260329_0100_x.mp3", 100, T0_S, 0);
	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(e.assets.n, 1);
	snprintf(dest, sizeof dest, "%s/x.part", e.cache);
	FILE *f = fopen(dest, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("keep", f);
	fclose(f);
	PO_EXPECT_INT(env_fetch(&e, &e.assets.v[0], dest), PLAYOUT_EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, dest));
	f = fopen(dest, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	PO_EXPECT_INT(fread(buf, 1, sizeof buf - 1, f), 4);
	fclose(f);
	PO_EXPECT_STR(buf, "keep");
	env_close(&e);
}

static void test_fetch_of_a_vanished_file_is_not_found(void)
{
	struct ld_env e;
	char dest[1024];
	struct playout_asset a;

	PO_EXPECT_INT_FATAL(env_open(&e, "vanished", 60), PLAYOUT_OK);
	memset(&a, 0, sizeof a);
	a.size = 10;
	snprintf(a.name, sizeof a.name, "20260329_0100_gone.mp3");
	snprintf(dest, sizeof dest, "%s/gone.part", e.cache);
	PO_EXPECT_INT(env_fetch(&e, &a, dest), PLAYOUT_ENOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "20260329_0100_gone.mp3"));
	PO_EXPECT_INT(access(dest, F_OK), -1);
	/* with the folder gone too, it is an outage */
	PO_EXPECT_INT_FATAL(rmdir(e.dir), 0);
	PO_EXPECT_INT(env_fetch(&e, &a, dest), PLAYOUT_EUNAVAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "the drop folder is not there"));
	PO_EXPECT_INT(access(dest, F_OK), -1);
	env_close(&e);
}


static void test_list_skips_fifos_and_devices_without_blocking(void)
{
	struct ld_env e;
	char path[1024];

	PO_EXPECT_INT_FATAL(env_open(&e, "specials", 0), PLAYOUT_OK);
	put_file(e.dir, "20260329_0100_real.mp3", 100, T0_S, 0);
	snprintf(path, sizeof path, "%s/20260329_0200_fifo.mp3", e.dir);
	PO_EXPECT_INT_FATAL(mkfifo(path, 0644), 0);
	snprintf(path, sizeof path, "%s/20260329_0300_lnk.mp3", e.dir);
	PO_EXPECT_INT_FATAL(symlink("20260329_0200_fifo.mp3", path), 0);
	snprintf(path, sizeof path, "%s/20260329_0400_dev.mp3", e.dir);
	PO_EXPECT_INT_FATAL(mknod(path, S_IFCHR | 0644, makedev(1, 5)), 0); /* as root: /dev/zero */

	guard_arm("localdisk list of a folder with a FIFO");
	PO_EXPECT_INT(env_list(&e), PLAYOUT_OK);
	guard_disarm();
	PO_EXPECT_INT(e.assets.n, 1);
	CU_ASSERT_PTR_NOT_NULL(find_asset(&e, "20260329_0100_real.mp3"));
	PO_EXPECT_INT(po_fake_host_log_count(e.fh, PLAYOUT_LOG_WARN), 0);
	env_close(&e);
}

/* Case 9 of issue 8: the file is listed, then a FIFO of the same name takes
 * its place before the download thread gets to it. */
static void test_fetch_of_a_fifo_swapped_in_after_listing_fails_promptly(void)
{
	struct ld_env e;
	char path[1024], dest[1024];

	PO_EXPECT_INT_FATAL(env_open(&e, "fifo", 0), PLAYOUT_OK);
	put_file(e.dir, "20260329_0100_fifo.mp3", 100, T0_S, 0);
	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(e.assets.n, 1);
	snprintf(path, sizeof path, "%s/20260329_0100_fifo.mp3", e.dir);
	PO_EXPECT_INT_FATAL(unlink(path), 0);
	PO_EXPECT_INT_FATAL(mkfifo(path, 0644), 0);
	snprintf(dest, sizeof dest, "%s/fifo.part", e.cache);

	guard_arm("localdisk fetch of a FIFO");
	int64_t t0 = mono_ms();
	int rc = env_fetch(&e, &e.assets.v[0], dest);
	int64_t took_ms = mono_ms() - t0;
	guard_disarm();
	PO_EXPECT_INT(rc, PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "20260329_0100_fifo.mp3 is a FIFO, not a regular file"));
	CU_ASSERT(took_ms < 1000);
	PO_EXPECT_INT(access(dest, F_OK), -1);

	/* the same through a symlink inside the folder */
	struct playout_asset a = e.assets.v[0];
	snprintf(path, sizeof path, "%s/20260329_0200_lnk.mp3", e.dir);
	PO_EXPECT_INT_FATAL(symlink("20260329_0100_fifo.mp3", path), 0);
	snprintf(a.name, sizeof a.name, "20260329_0200_lnk.mp3");
	guard_arm("localdisk fetch of a symlink to a FIFO");
	PO_EXPECT_INT(env_fetch(&e, &a, dest), PLAYOUT_EINVAL);
	guard_disarm();
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "is a FIFO"));
	PO_EXPECT_INT(access(dest, F_OK), -1);
	env_close(&e);
}

static void test_fetch_refuses_a_directory_or_a_device_swapped_in(void)
{
	struct ld_env e;
	char path[1024], dest[1024];

	PO_EXPECT_INT_FATAL(env_open(&e, "swapped", 0), PLAYOUT_OK);
	put_file(e.dir, "20260329_0100_dir.mp3", 100, T0_S, 0);
	put_file(e.dir, "20260329_0200_dev.mp3", 100, T0_S, 0);
	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(e.assets.n, 2);
	snprintf(path, sizeof path, "%s/20260329_0100_dir.mp3", e.dir);
	PO_EXPECT_INT_FATAL(unlink(path), 0);
	PO_EXPECT_INT_FATAL(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/20260329_0200_dev.mp3", e.dir);
	PO_EXPECT_INT_FATAL(unlink(path), 0);
	PO_EXPECT_INT_FATAL(mknod(path, S_IFCHR | 0644, makedev(1, 5)), 0); /* as root: /dev/zero */
	snprintf(dest, sizeof dest, "%s/x.part", e.cache);

	guard_arm("localdisk fetch of a directory or a device");
	PO_EXPECT_INT(env_fetch(&e, find_asset(&e, "20260329_0100_dir.mp3"), dest), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "is a directory, not a regular file"));
	PO_EXPECT_INT(access(dest, F_OK), -1);
	PO_EXPECT_INT(env_fetch(&e, find_asset(&e, "20260329_0200_dev.mp3"), dest), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "is a character device, not a regular file"));
	PO_EXPECT_INT(access(dest, F_OK), -1);
	guard_disarm();
	env_close(&e);
}

static void test_list_of_a_folder_replaced_by_a_file_is_unavailable(void)
{
	struct ld_env e;

	PO_EXPECT_INT_FATAL(env_open(&e, "notdir", 0), PLAYOUT_OK);
	put_file(e.dir, "20260329_0100_x.mp3", 100, T0_S, 0);
	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(e.assets.n, 1);
	char path[1024];
	snprintf(path, sizeof path, "%s/20260329_0100_x.mp3", e.dir);
	PO_EXPECT_INT_FATAL(unlink(path), 0);
	PO_EXPECT_INT_FATAL(rmdir(e.dir), 0);
	put_file(po_test_tmpdir(), "notdir", 10, T0_S, 0);
	PO_EXPECT_INT(env_list(&e), PLAYOUT_EUNAVAIL);
	PO_EXPECT_INT(e.assets.n, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, e.dir));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "is not a directory"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "check the path"));

	/* a FIFO there is refused at once, not waited on */
	PO_EXPECT_INT_FATAL(unlink(e.dir), 0);
	PO_EXPECT_INT_FATAL(mkfifo(e.dir, 0644), 0);
	guard_arm("localdisk list of a folder that is a FIFO");
	PO_EXPECT_INT(env_list(&e), PLAYOUT_EUNAVAIL);
	guard_disarm();
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "is not a directory"));
	env_close(&e);
}

/* Root reads anything: the list runs in a child that is "nobody". */
static void test_list_of_an_unreadable_folder_is_unavailable(void)
{
	struct ld_env e;

	PO_EXPECT_INT_FATAL(env_open(&e, "unreadable", 0), PLAYOUT_OK);
	put_file(e.dir, "20260329_0100_x.mp3", 100, T0_S, 0);
	PO_EXPECT_INT_FATAL(chmod(e.dir, 0), 0);
	fflush(NULL);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(3);
		int rc = env_list(&e);
		_exit(rc == PLAYOUT_EUNAVAIL && e.assets.n == 0 &&
		      strstr(e.err.msg, "is not readable by playoutd") &&
		      strstr(e.err.msg, "check its permissions") && strstr(e.err.msg, e.dir) ? 0 : 1);
	}
	int status = 0;
	PO_EXPECT_INT(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(status));
	PO_EXPECT_INT(WEXITSTATUS(status), 0);
	PO_EXPECT_INT(chmod(e.dir, 0755), 0);
	env_close(&e);
}

/* Case 5 of issue 8: the share under the drop folder goes away and leaves
 * the empty directory it was mounted on. */
static void test_list_of_an_unmounted_tmpfs_is_unavailable_until_it_returns(void)
{
	struct ld_env e;
	struct stat st;

	PO_EXPECT_INT_FATAL(env_open(&e, "tmpfs", 0), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(mount_tmpfs(e.dir), 0); /* as root */
	put_file(e.dir, "20260329_0100_a.mp3", 100, T0_S, 0);
	put_file(e.dir, "20260329_0200_b.mp3", 100, T0_S, 0);
	PO_EXPECT_INT(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(e.assets.n, 2);
	PO_EXPECT_INT(stat(e.dir, &st), 0);
	unsigned was_major = major(st.st_dev), was_minor = minor(st.st_dev);
	/* the share empties itself: an empty listing, not an outage */
	PO_EXPECT_INT(unlink(strcat(strcpy((char[1024]){ 0 }, e.dir), "/20260329_0100_a.mp3")), 0);
	PO_EXPECT_INT(unlink(strcat(strcpy((char[1024]){ 0 }, e.dir), "/20260329_0200_b.mp3")), 0);
	PO_EXPECT_INT(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(e.assets.n, 0);
	put_file(e.dir, "20260329_0100_a.mp3", 100, T0_S, 0);
	PO_EXPECT_INT(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(e.assets.n, 1);

	PO_EXPECT_INT(umount2(e.dir, 0), 0);
	PO_EXPECT_INT(env_list(&e), PLAYOUT_EUNAVAIL);
	PO_EXPECT_INT(e.assets.n, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, e.dir));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "looks unmounted: device changed"));
	char was[64];
	snprintf(was, sizeof was, "was %u:%u", was_major, was_minor);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, was));
	PO_EXPECT_INT(env_list(&e), PLAYOUT_EUNAVAIL); /* until it comes back */

	/* back, with the same file: listed at once (it has not changed) */
	PO_EXPECT_INT_FATAL(mount_tmpfs(e.dir), 0);
	put_file(e.dir, "20260329_0100_a.mp3", 100, T0_S, 0);
	PO_EXPECT_INT(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(e.assets.n, 1);
	unmount_quietly(e.dir);
	env_close(&e);
}

/* A bind mount of a folder on the same filesystem keeps st_dev: the inode
 * tells it. And the next daemon, started while the share is away, knows the
 * folder was a mount point. */
static void test_list_of_an_unmounted_bind_mount_is_unavailable_after_a_restart_too(void)
{
	struct ld_env e;
	char src[1024];

	PO_EXPECT_INT_FATAL(env_open(&e, "bind", 0), PLAYOUT_OK);
	snprintf(src, sizeof src, "%s/bind-src", po_test_tmpdir());
	PO_EXPECT_INT_FATAL(mkdir(src, 0755), 0);
	put_file(src, "20260329_0100_a.mp3", 100, T0_S, 0);
	PO_EXPECT_INT_FATAL(mount_bind(src, e.dir), 0); /* as root */
	PO_EXPECT_INT(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(e.assets.n, 1);
	PO_EXPECT_INT(umount2(e.dir, 0), 0);
	PO_EXPECT_INT(env_list(&e), PLAYOUT_EUNAVAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "looks unmounted or replaced"));

	/* a tmpfs share, listed, then a restart while it is away: the state
	 * (the fake host's kv) remembers that the folder was a mount point */
	PO_EXPECT_INT_FATAL(mount_tmpfs(e.dir), 0);
	put_file(e.dir, "20260329_0100_a.mp3", 100, T0_S, 0);
	PO_EXPECT_INT(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(e.assets.n, 1);
	playout_plugin.destroy(e.inst);
	e.inst = NULL;
	PO_EXPECT_INT(umount2(e.dir, 0), 0);
	struct po_test_conf tc = { 0 };
	char text[1200];
	snprintf(text, sizeof text, "path = \"%s\"; settle_s = 0;", e.dir);
	PO_EXPECT_INT(po_test_plugin_create(&tc, &playout_plugin, text, po_fake_host(e.fh),
					      &e.inst, &e.err), PLAYOUT_OK);
	po_test_conf_free(&tc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e.inst);
	PO_EXPECT_INT(env_list(&e), PLAYOUT_EUNAVAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "looks unmounted: it was a mount point"));
	/* files in the bare folder: the folder is what it is now */
	put_file(e.dir, "20260329_0300_c.mp3", 100, T0_S, 0);
	PO_EXPECT_INT(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(e.assets.n, 1);
	unmount_quietly(e.dir);
	env_close(&e);
}

/* An inotify watch ends with the unmount: the folder that is there now is
 * watched, and one that appears after create too. */
static void test_watch_follows_the_folder_through_a_remount(void)
{
	struct ld_env e;
	const struct playout_storage_ops *ops = playout_plugin.ops.storage;

	PO_EXPECT_INT_FATAL(env_open(&e, "rewatch", 0), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(rmdir(e.dir), 0);
	int fd = ops->watch_fd(e.inst);
	CU_ASSERT_FATAL(fd >= 0);
	PO_EXPECT_INT(env_list(&e), PLAYOUT_EUNAVAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "does not exist"));
	PO_EXPECT_INT_FATAL(mkdir(e.dir, 0755), 0);
	PO_EXPECT_INT_FATAL(mount_tmpfs(e.dir), 0); /* as root */
	PO_EXPECT_INT(env_list(&e), PLAYOUT_OK);
	put_file(e.dir, "20260329_0100_a.mp3", 100, T0_S, 0);
	CU_ASSERT_TRUE(watch_fires(fd, 2000));
	PO_EXPECT_INT(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(umount2(e.dir, 0), 0);
	CU_ASSERT_TRUE(watch_fires(fd, 2000)); /* IN_UNMOUNT: plan again now */
	PO_EXPECT_INT(env_list(&e), PLAYOUT_EUNAVAIL);
	PO_EXPECT_INT_FATAL(mount_tmpfs(e.dir), 0);
	put_file(e.dir, "20260329_0100_a.mp3", 100, T0_S, 0);
	PO_EXPECT_INT(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(e.assets.n, 1);
	watch_fires(fd, 0);
	put_file(e.dir, "20260329_0200_b.mp3", 100, T0_S, 0);
	CU_ASSERT_TRUE(watch_fires(fd, 2000));
	unmount_quietly(e.dir);
	env_close(&e);
}

static void test_list_warns_once_about_an_empty_file_per_mtime(void)
{
	struct ld_env e;

	PO_EXPECT_INT_FATAL(env_open(&e, "zero", 60), PLAYOUT_OK);
	put_file(e.dir, "20260329_0100_zero.mp3", 0, T0_S, 0);
	put_file(e.dir, "20260329_0200_full.mp3", 10, T0_S, 0);
	po_fake_host_set_now(e.fh, T0_MS + 30000); /* not settled: may be on its way */
	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(e.assets.n, 0);
	PO_EXPECT_INT(po_fake_host_log_count(e.fh, PLAYOUT_LOG_WARN), 0);
	po_fake_host_set_now(e.fh, T0_MS + 60000);
	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(e.assets.n, 1);
	CU_ASSERT_PTR_NULL(find_asset(&e, "20260329_0100_zero.mp3"));
	PO_EXPECT_INT(po_fake_host_log_count(e.fh, PLAYOUT_LOG_WARN), 1);
	char want[1200];
	snprintf(want, sizeof want, "%s/20260329_0100_zero.mp3 is empty (0 bytes)", e.dir);
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, want));
	for (int i = 0; i < 3; i++)
		PO_EXPECT_INT(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(po_fake_host_log_count(e.fh, PLAYOUT_LOG_WARN), 1);
	/* emptied again later: a new mtime, a new warning */
	put_file(e.dir, "20260329_0100_zero.mp3", 0, T0_S + 1, 0);
	po_fake_host_set_now(e.fh, T0_MS + 120000);
	PO_EXPECT_INT(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(po_fake_host_log_count(e.fh, PLAYOUT_LOG_WARN), 2);
	PO_EXPECT_INT(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT(po_fake_host_log_count(e.fh, PLAYOUT_LOG_WARN), 2);
	env_close(&e);
}

/* Case 11 of issue 8: a file dated before 1970 (mtime_ms < 0, not a whole
 * second) settles like any other and copies. */
static void test_list_settles_a_file_dated_before_1970(void)
{
	struct ld_env e;
	char path[1024], dest[1024];

	PO_EXPECT_INT_FATAL(env_open(&e, "old", 60), PLAYOUT_OK);
	put_file(e.dir, "old.mp3", 100, 0, 0);
	snprintf(path, sizeof path, "%s/old.mp3", e.dir);
	struct timespec ts[2] = { { -2, 500000000 }, { -2, 500000000 } }; /* -1.5 s */
	PO_EXPECT_INT_FATAL(utimensat(AT_FDCWD, path, ts, 0), 0);
	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(e.assets.n, 1);
	PO_EXPECT_INT(e.assets.v[0].mtime_ms, -1500);
	PO_EXPECT_INT_FATAL(env_list(&e), PLAYOUT_OK); /* and stays listed */
	PO_EXPECT_INT_FATAL(e.assets.n, 1);
	snprintf(dest, sizeof dest, "%s/old.part", e.cache);
	PO_EXPECT_INT(env_fetch(&e, &e.assets.v[0], dest), PLAYOUT_OK);
	CU_ASSERT_TRUE(files_equal(path, dest));
	env_close(&e);
}

static const struct po_test tests[] = {
	{ "descriptor_is_a_storage_plugin", test_descriptor_is_a_storage_plugin },
	{ "create_refuses_settle_out_of_range", test_create_refuses_settle_out_of_range },
	{ "list_reports_settled_mp3_files_only", test_list_reports_settled_mp3_files_only },
	{ "list_waits_until_a_file_has_settled", test_list_waits_until_a_file_has_settled },
	{ "list_default_settle_is_sixty_seconds", test_list_default_settle_is_sixty_seconds },
	{ "list_skips_a_file_that_grew_since_the_previous_list", test_list_skips_a_file_that_grew_since_the_previous_list },
	{ "list_follows_symlinks_inside_and_refuses_outside", test_list_follows_symlinks_inside_and_refuses_outside },
	{ "list_of_a_missing_folder_is_unavailable", test_list_of_a_missing_folder_is_unavailable },
	{ "fetch_copies_byte_identical", test_fetch_copies_byte_identical },
	{ "fetch_follows_an_inside_symlink_and_refuses_an_outside_one", test_fetch_follows_an_inside_symlink_and_refuses_an_outside_one },
	{ "fetch_refuses_a_file_whose_size_changed", test_fetch_refuses_a_file_whose_size_changed },
	{ "fetch_refuses_names_that_are_not_bare", test_fetch_refuses_names_that_are_not_bare },
	{ "fetch_never_overwrites_an_existing_dest", test_fetch_never_overwrites_an_existing_dest },
	{ "fetch_of_a_vanished_file_is_not_found", test_fetch_of_a_vanished_file_is_not_found },
	{ "list_skips_fifos_and_devices_without_blocking", test_list_skips_fifos_and_devices_without_blocking },
	{ "fetch_of_a_fifo_swapped_in_after_listing_fails_promptly", test_fetch_of_a_fifo_swapped_in_after_listing_fails_promptly },
	{ "fetch_refuses_a_directory_or_a_device_swapped_in", test_fetch_refuses_a_directory_or_a_device_swapped_in },
	{ "list_of_a_folder_replaced_by_a_file_is_unavailable", test_list_of_a_folder_replaced_by_a_file_is_unavailable },
	{ "list_of_an_unreadable_folder_is_unavailable", test_list_of_an_unreadable_folder_is_unavailable },
	{ "list_of_an_unmounted_tmpfs_is_unavailable_until_it_returns", test_list_of_an_unmounted_tmpfs_is_unavailable_until_it_returns },
	{ "list_of_an_unmounted_bind_mount_is_unavailable_after_a_restart_too", test_list_of_an_unmounted_bind_mount_is_unavailable_after_a_restart_too },
	{ "watch_follows_the_folder_through_a_remount", test_watch_follows_the_folder_through_a_remount },
	{ "list_warns_once_about_an_empty_file_per_mtime", test_list_warns_once_about_an_empty_file_per_mtime },
	{ "list_settles_a_file_dated_before_1970", test_list_settles_a_file_dated_before_1970 },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "localdisk", tests, NULL, unmount_all },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_localdisk", suites);
}
