/*
 * Files of <playout/util.h>: complete writes, folder fsync and the atomic
 * replace (temporary file, fsync, rename, fsync the folder) that secrets,
 * tokens and generated media use. Not for downloads into the cache: the
 * core verifies those before its own rename (core/cache.c).
 */
#include <playout/util.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int playout_write_all(int fd, const void *p, size_t n)
{
	const unsigned char *b = p;
	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int playout_fsync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];

	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else if ((size_t)(slash - path) >= sizeof dir) {
		errno = ENAMETOOLONG;
		return -1;
	} else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

int playout_file_replace_with(const char *path, mode_t mode, playout_file_fill_fn fill,
			      void *arg, struct playout_error *err)
{
	char tmp[PATH_MAX];
	int rc = PLAYOUT_OK;

	if (!path || !*path || !fill)
		return playout_error_set(err, PLAYOUT_EINVAL, "file replace: no path");
	/* hidden (".name.tmpXXXXXX"): folder scanners skip dot files, so
	 * nothing lists a half-written file, nor one a crash left behind */
	const char *slash = strrchr(path, '/');
	int dir_len = slash ? (int)(slash - path + 1) : 0;
	if (snprintf(tmp, sizeof tmp, "%.*s.%s.tmpXXXXXX", dir_len, path, path + dir_len) >=
	    (int)sizeof tmp)
		return playout_error_set(err, PLAYOUT_EINVAL, "%.200s: path too long", path);
	int fd = mkstemp(tmp); /* 0600, O_EXCL: never follows a planted link */
	if (fd < 0)
		return playout_error_set(err, PLAYOUT_EIO, "%s: creating %s: %s", path, tmp,
					 strerror(errno));
	if (fchmod(fd, mode) < 0 || fill(fd, arg) < 0 || fsync(fd) < 0)
		rc = playout_error_set(err, PLAYOUT_EIO, "%s: writing %s: %s", path, tmp,
				       strerror(errno));
	if (close(fd) < 0 && rc == PLAYOUT_OK)
		rc = playout_error_set(err, PLAYOUT_EIO, "%s: closing %s: %s", path, tmp,
				       strerror(errno));
	if (rc == PLAYOUT_OK && rename(tmp, path) < 0)
		rc = playout_error_set(err, PLAYOUT_EIO, "%s: renaming into place: %s", path,
				       strerror(errno));
	if (rc != PLAYOUT_OK) {
		unlink(tmp);
		return rc;
	}
	/* the rename itself must survive a crash, or the old file comes back */
	if (playout_fsync_dir_of(path) < 0)
		return playout_error_set(err, PLAYOUT_EIO, "%s: fsync of its folder: %s", path,
					 strerror(errno));
	return PLAYOUT_OK;
}

struct bytes {
	const void *data;
	size_t len;
};

static int fill_bytes(int fd, void *arg)
{
	const struct bytes *b = arg;
	return playout_write_all(fd, b->data, b->len);
}

int playout_file_replace(const char *path, mode_t mode, const void *data, size_t len,
			 struct playout_error *err)
{
	struct bytes b = { data, len };
	if (!data && len)
		return playout_error_set(err, PLAYOUT_EINVAL, "file replace: no data");
	return playout_file_replace_with(path, mode, fill_bytes, &b, err);
}
