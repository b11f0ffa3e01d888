/*
 * The programme cache: safe names, atomic arrival. See cache.h.
 */
#include "cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <playout/util.h>

#include "filename.h"
#include "log.h"
#include "timeutil.h"

#define PART_DIR ".part"
#define RESUME_SUFFIX "partial" /* a storage plugin's resumable download */

static int mkdir_if_missing(const char *path, struct playout_error *err)
{
	if (mkdir(path, 0750) == 0 || errno == EEXIST) {
		struct stat st;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return PLAYOUT_OK;
		return playout_error_set(err, PLAYOUT_EIO, "cache %s: not a directory", path);
	}
	return playout_error_set(err, PLAYOUT_EIO, "cache %s: cannot create: %s", path,
				 strerror(errno));
}

int po_cache_init(const char *dir, struct playout_error *err)
{
	char part[4096];
	int rc = mkdir_if_missing(dir, err);
	if (rc < 0)
		return rc;
	snprintf(part, sizeof part, "%s/%s", dir, PART_DIR);
	rc = mkdir_if_missing(part, err);
	if (rc < 0)
		return rc;
	/* Parts left by a crash are never complete: remove them. */
	DIR *dp = opendir(part);
	if (!dp)
		return PLAYOUT_OK;
	struct dirent *de;
	while ((de = readdir(dp))) {
		size_t n = strlen(de->d_name);
		if (de->d_name[0] == '.' ||
		    (n >= sizeof RESUME_SUFFIX &&
		     strcmp(de->d_name + n - (sizeof RESUME_SUFFIX - 1), RESUME_SUFFIX) == 0))
			continue;
		unlinkat(dirfd(dp), de->d_name, 0);
	}
	closedir(dp);
	return PLAYOUT_OK;
}

int po_cache_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 200 || name[0] == '.')
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p == '/' || *p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

int po_cache_path(const char *dir, const char *name, char *buf, size_t n,
		  struct playout_error *err)
{
	if (!po_cache_name_ok(name))
		return playout_error_set(err, PLAYOUT_EINVAL,
					 "refusing file name \"%.80s\": not a plain file name", name);
	if ((size_t)snprintf(buf, n, "%s/%s", dir, name) >= n)
		return playout_error_set(err, PLAYOUT_EINVAL, "cache path too long for %.80s", name);
	return PLAYOUT_OK;
}

int po_cache_has(const char *dir, const struct playout_asset *a)
{
	char path[4096];
	struct stat st;
	if (po_cache_path(dir, a->name, path, sizeof path, NULL) < 0 || stat(path, &st) < 0)
		return 0;
	return S_ISREG(st.st_mode) && st.st_size == a->size && po_cache_mtime_ms(&st) == a->mtime_ms;
}

static int fsync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

int po_cache_fetch(const char *dir, const struct playout_storage_ops *ops, void *inst,
		   const struct playout_asset *a, struct playout_error *err)
{
	char final[4096], part[4096];
	struct stat st;
	int rc = po_cache_path(dir, a->name, final, sizeof final, err);
	if (rc < 0)
		return rc;
	if ((size_t)snprintf(part, sizeof part, "%s/%s/%s.%ld", dir, PART_DIR, a->name,
			     (long)getpid()) >= sizeof part)
		return playout_error_set(err, PLAYOUT_EINVAL, "cache path too long for %s", a->name);
	unlink(part);
	rc = ops->fetch(inst, a, part, err);
	if (rc < 0) {
		unlink(part);
		return rc;
	}
	if (stat(part, &st) < 0) {
		rc = playout_error_set(err, PLAYOUT_EIO, "%s: fetched file vanished", a->name);
		goto fail;
	}
	if (st.st_size != a->size) {
		rc = playout_error_set(err, PLAYOUT_EIO, "%s: fetched %lld bytes, storage said %lld",
				       a->name, (long long)st.st_size, (long long)a->size);
		goto fail;
	}
	if (fsync_path(part, O_RDONLY) < 0) {
		rc = playout_error_set(err, PLAYOUT_EIO, "%s: fsync: %s", part, strerror(errno));
		goto fail;
	}
	/* Floor division: a time before 1970 that is not a whole second has a
	 * negative remainder, which utimensat refuses (a download that then
	 * failed forever). */
	int64_t sec = a->mtime_ms / 1000, rem = a->mtime_ms % 1000;
	if (rem < 0) {
		sec--;
		rem += 1000;
	}
	struct timespec ts[2] = {
		{.tv_sec = 0, .tv_nsec = UTIME_OMIT},
		{.tv_sec = (time_t)sec, .tv_nsec = (long)rem * 1000000},
	};
	if (utimensat(AT_FDCWD, part, ts, 0) < 0 || rename(part, final) < 0) {
		rc = playout_error_set(err, PLAYOUT_EIO, "%s: cannot move into the cache: %s",
				       a->name, strerror(errno));
		goto fail;
	}
	(void)playout_fsync_dir_of(final); /* the name itself survives a crash */
	return PLAYOUT_OK;
fail:
	unlink(part);
	return rc;
}

/* The instant a cached file belongs to: its air time, else its mtime. */
static int64_t evict_time_ms(const char *name, const struct stat *st)
{
	struct po_filename f;
	int64_t t;
	if (po_filename_parse(name, &f) == PLAYOUT_OK &&
	    po_tz_local_to_utc(f.year, f.mon, f.day, f.hour, f.min, 0, &t, NULL) == PLAYOUT_OK)
		return t;
	return po_cache_mtime_ms(st);
}

int po_cache_each(const char *dir, int (*fn)(int dfd, const char *name, const struct stat *st,
					    void *arg),
		  void *arg, struct playout_error *err)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return playout_error_set(err, PLAYOUT_EIO, "cache %s: cannot open: %s", dir,
					 strerror(errno));
	DIR *dp = fdopendir(dfd);
	if (!dp) {
		close(dfd);
		return playout_error_set(err, PLAYOUT_EIO, "cache %s: cannot read: %s", dir,
					 strerror(errno));
	}
	int n = 0;
	struct dirent *de;
	while ((de = readdir(dp))) {
		struct stat st;
		/* lstat semantics: a symlink is not a regular file */
		if (!po_cache_name_ok(de->d_name) ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		n += fn(dfd, de->d_name, &st, arg);
	}
	closedir(dp);
	return n;
}

int64_t po_cache_mtime_ms(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
}

struct evict_ctx {
	int (*keep)(const char *name, void *arg);
	void *arg;
	int64_t now_ms, retention_ms;
};

static int evict_one(int dfd, const char *name, const struct stat *st, void *arg)
{
	const struct evict_ctx *c = arg;
	if (c->keep && c->keep(name, c->arg))
		return 0;
	int64_t t = evict_time_ms(name, st);
	if (c->now_ms - t <= c->retention_ms)
		return 0;
	if (unlinkat(dfd, name, 0) == 0) {
		po_log_info("cache", "evicted %s (%lld h past its time)", name,
			    (long long)((c->now_ms - t) / 3600000));
		return 1;
	}
	if (errno != ENOENT)
		po_log_warn("cache", "cannot evict %s", name);
	return 0;
}

int po_cache_evict(const char *dir, int (*keep)(const char *name, void *arg), void *arg,
		   int64_t now_ms, int64_t retention_ms, struct playout_error *err)
{
	struct evict_ctx c = {keep, arg, now_ms, retention_ms};
	return po_cache_each(dir, evict_one, &c, err);
}
