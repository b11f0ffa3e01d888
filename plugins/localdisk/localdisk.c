/*
 * localdisk: storage from a local drop folder. list() reports settled .mp3
 * files (unchanged for settle_s and since the previous list); fetch() copies
 * one into the cache. Symlinks count only when they resolve inside the folder.
 * Subfolders, FIFOs, devices and empty files are not listed (asset names are
 * bare file names), and nothing here opens one without O_NONBLOCK. A folder
 * that is missing, unreadable or looks unmounted is an error, never an empty
 * listing.
 */
#include <playout/plugin.h>
#include <playout/util.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

#define LD_COPY_BUF (64 * 1024)
/* Files arrive by rsync or SMB: a finished write or a rename into the folder
 * is when a new programme may have landed; IN_UNMOUNT comes by itself. */
#define LD_WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB | \
		       IN_ONLYDIR)
/* File times in ms stay within +-2^53 (285,000 years): no overflow below */
#define LD_MTIME_MAX_S (INT64_C(9007199254740991) / 1000)

/* What a file looked like at the previous list. */
struct localdisk_seen {
	char name[PLAYOUT_NAME_MAX];
	int64_t size;
	int64_t mtime_ms;
};

struct localdisk_seen_set {
	struct localdisk_seen *v; /* sorted by name */
	size_t n, cap;
};

struct localdisk_inst {
	const struct playout_host *host;
	char *path;               /* as configured */
	int64_t settle_ms;
	int watch_fd;             /* inotify instance, or -1 */
	int watch_failed;         /* the last inotify_add_watch failed, and said so */
	struct localdisk_seen_set seen;  /* the previous list's candidates */
	struct localdisk_seen_set empties; /* 0-byte files warned about, with mtime */
	char **warned;            /* symlink names already warned about */
	size_t nwarned;
	/* the folder at the last listing that found files (localdisk_unmounted) */
	int have_id;
	dev_t dev;
	ino_t ino;
	int mounted_loaded;       /* was_mount_point read from the host's kv */
	int was_mount_point;
};

/* ---- names ----------------------------------------------------------------- */

static int localdisk_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* A bare name: not empty, no '/', not "." or "..". */
static int localdisk_bare(const char *name)
{
	return name[0] && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* Worth a look: a visible, complete-looking .mp3 (the core filters further:
 * dated names "yyyymmdd_hhmm_<pid>.mp3" and expected files/sustainers). */
static int localdisk_name_wanted(const char *name)
{
	if (name[0] == '.' || strlen(name) >= PLAYOUT_NAME_MAX)
		return 0; /* hidden, "." and "..", rsync's .name.XXXXXX temporaries */
	for (const char *c = name; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return 0;
	if (localdisk_ends_with(name, ".part") || localdisk_ends_with(name, "~") || localdisk_ends_with(name, ".tmp"))
		return 0;
	return localdisk_ends_with(name, ".mp3") && strlen(name) > 4;
}

/* 1 when real (a realpath) lies inside the folder whose realpath is dir. */
static int localdisk_inside(const char *dir, const char *real)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return real[0] == '/' && real[1];
	return strncmp(real, dir, n) == 0 && real[n] == '/' && real[n + 1];
}

/* ---- the previous list ------------------------------------------------------ */

static int localdisk_seen_cmp(const void *a, const void *b)
{
	return strcmp(((const struct localdisk_seen *)a)->name, ((const struct localdisk_seen *)b)->name);
}

static const struct localdisk_seen *localdisk_seen_find(const struct localdisk_seen_set *s, const char *name)
{
	struct localdisk_seen key;
	if (!s->n)
		return NULL;
	snprintf(key.name, sizeof key.name, "%s", name);
	return bsearch(&key, s->v, s->n, sizeof *s->v, localdisk_seen_cmp);
}

static int localdisk_seen_push(struct localdisk_seen_set *s, const char *name, int64_t size, int64_t mtime_ms)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct localdisk_seen *v = realloc(s->v, cap * sizeof *v);
		if (!v)
			return PLAYOUT_ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	snprintf(s->v[s->n].name, sizeof s->v[s->n].name, "%s", name);
	s->v[s->n].size = size;
	s->v[s->n].mtime_ms = mtime_ms;
	s->n++;
	return PLAYOUT_OK;
}

/* Warn about an outside symlink once per name (per instance). */
static void localdisk_warn_outside(struct localdisk_inst *li, const char *name, const char *target)
{
	for (size_t i = 0; i < li->nwarned; i++)
		if (strcmp(li->warned[i], name) == 0)
			return;
	li->host->log(li->host, PLAYOUT_LOG_WARN,
		      "%s/%s: symlink to %s, outside the drop folder: ignored",
		      li->path, name, target);
	char **v = realloc(li->warned, (li->nwarned + 1) * sizeof *v);
	if (!v)
		return;
	li->warned = v;
	v[li->nwarned] = strdup(name);
	if (v[li->nwarned])
		li->nwarned++;
}

/* ---- the folder itself ---------------------------------------------------- */

/* Open the folder for reading, never blocking (a FIFO or a device put where
 * the folder was fails here), with its identity in *st. Every way it can be
 * missing is an outage, not an empty folder. */
static int localdisk_open_folder(struct localdisk_inst *li, int *dfd_out, struct stat *st,
				 struct playout_error *err)
{
	int dfd = open(li->path, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
	if (dfd < 0) {
		int e = errno;
		if (e == ENOENT)
			return playout_error_set(err, PLAYOUT_EUNAVAIL, "drop folder %s does not exist: "
						 "check the path and that its share is mounted",
						 li->path);
		if (e == ENOTDIR)
			return playout_error_set(err, PLAYOUT_EUNAVAIL, "drop folder %s is not a "
						 "directory: check the path and that its share is "
						 "mounted", li->path);
		if (e == EACCES || e == EPERM)
			return playout_error_set(err, PLAYOUT_EUNAVAIL, "drop folder %s is not readable "
						 "by playoutd (%s): check its permissions", li->path,
						 strerror(e));
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "cannot open drop folder %s (%s): "
					 "check that its share is mounted", li->path, strerror(e));
	}
	if (fstat(dfd, st) != 0) {
		int e = errno;
		close(dfd);
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "cannot stat drop folder %s (%s): "
					 "check that its share is mounted", li->path, strerror(e));
	}
	*dfd_out = dfd;
	return PLAYOUT_OK;
}

/* The stored memory that the folder was a mount point (see localdisk_unmounted):
 * the configured path, kept under this key, or "" when it was not. */
#define LD_KV_MOUNTED "mount_point"

static void localdisk_load_mounted(struct localdisk_inst *li)
{
	char *v = NULL;
	li->mounted_loaded = 1;
	if (li->host->kv_get && li->host->kv_get(li->host, LD_KV_MOUNTED, &v) == PLAYOUT_OK && v)
		li->was_mount_point = strcmp(v, li->path) == 0;
	free(v);
}

static void localdisk_store_mounted(struct localdisk_inst *li, int mount_point)
{
	if (li->was_mount_point == mount_point)
		return;
	li->was_mount_point = mount_point;
	if (li->host->kv_put)
		li->host->kv_put(li->host, LD_KV_MOUNTED, mount_point ? li->path : "");
}

/* An unmounted share leaves the bare directory it was mounted on, usually
 * empty: an empty folder that is not the one last seen holding files (another
 * device or inode), or no longer a mount point when it was one (remembered
 * across restarts), is an outage. nfiles: the candidates found now.
 * PLAYOUT_OK when the listing stands; else EUNAVAIL with err filled. */
static int localdisk_unmounted(struct localdisk_inst *li, int dfd, const struct stat *st,
			       size_t nfiles, struct playout_error *err)
{
	struct stat parent;
	/* st_dev differs from the parent's only on a mount point (a bind mount
	 * of the same filesystem is told by its inode instead, in memory only);
	 * -1: cannot tell */
	int mount_point = -1;
	if (fstatat(dfd, "..", &parent, 0) == 0)
		mount_point = parent.st_dev != st->st_dev;

	if (!li->mounted_loaded)
		localdisk_load_mounted(li);
	if (nfiles) {
		li->have_id = 1;
		li->dev = st->st_dev;
		li->ino = st->st_ino;
		if (mount_point >= 0)
			localdisk_store_mounted(li, mount_point);
		return PLAYOUT_OK;
	}
	if (li->have_id && li->dev != st->st_dev)
		return playout_error_set(err, PLAYOUT_EUNAVAIL,
					 "drop folder %s looks unmounted: device changed (%u:%u, "
					 "was %u:%u) and it holds no files: check its mount",
					 li->path, major(st->st_dev), minor(st->st_dev),
					 major(li->dev), minor(li->dev));
	if (li->have_id && li->ino != st->st_ino)
		return playout_error_set(err, PLAYOUT_EUNAVAIL,
					 "drop folder %s looks unmounted or replaced: another "
					 "directory (inode %llu, was %llu) that holds no files: "
					 "check its mount", li->path,
					 (unsigned long long)st->st_ino, (unsigned long long)li->ino);
	if (li->was_mount_point && mount_point == 0)
		return playout_error_set(err, PLAYOUT_EUNAVAIL,
					 "drop folder %s looks unmounted: it was a mount point and "
					 "is now a bare directory that holds no files: check its "
					 "mount", li->path);
	return PLAYOUT_OK;
} /* localdisk_unmounted */

/* Inotify watches die with an unmount (IN_IGNORED) and name an inode, not a
 * path: watch the folder that is there now, at every listing. A share mounted
 * again may come back with the same device and inode numbers, so only the
 * kernel can tell whether the watch is still there; adding it again to a
 * watched folder only returns the watch it has. */
static void localdisk_rewatch(struct localdisk_inst *li)
{
	if (li->watch_fd < 0)
		return;
	if (inotify_add_watch(li->watch_fd, li->path, LD_WATCH_MASK) < 0) {
		if (!li->watch_failed) /* the next list tries again, quietly */
			li->host->log(li->host, PLAYOUT_LOG_WARN, "cannot watch %s (%s): changes are "
				      "seen at the next planning round", li->path, strerror(errno));
		li->watch_failed = 1;
		return;
	}
	li->watch_failed = 0;
}

/* ---- list -------------------------------------------------------------------- */

/* stat name in the folder, following a symlink only into the folder; never
 * opens it (a FIFO or a device must not block the listing).
 * 1: a regular file (of any size) in *st; 0: skip it. */
static int localdisk_stat_entry(struct localdisk_inst *li, int dfd, const char *dir_real, const char *name,
			 struct stat *st)
{
	if (fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) != 0)
		return 0; /* vanished meanwhile */
	if (S_ISLNK(st->st_mode)) {
		char link[PATH_MAX + PLAYOUT_NAME_MAX + 2];
		char real[PATH_MAX];
		snprintf(link, sizeof link, "%s/%s", li->path, name);
		if (!realpath(link, real))
			return 0; /* dangling */
		if (!localdisk_inside(dir_real, real)) {
			localdisk_warn_outside(li, name, real);
			return 0;
		}
		if (stat(real, st) != 0)
			return 0;
	}
	return S_ISREG(st->st_mode);
}

/* st's mtime in ms. tv_nsec is never negative, so a time before 1970 comes
 * out right (-1.5 s is tv_sec -2 + 0.5 s); absurd years are clamped. */
static int64_t localdisk_mtime_ms(const struct stat *st)
{
	int64_t s = (int64_t)st->st_mtim.tv_sec;
	if (s > LD_MTIME_MAX_S)
		s = LD_MTIME_MAX_S;
	if (s < -LD_MTIME_MAX_S)
		s = -LD_MTIME_MAX_S;
	return s * 1000 + st->st_mtim.tv_nsec / 1000000;
}

/* Read the folder's candidates: files with bytes into *files, settled or not;
 * empty ones into *empties. */
static int localdisk_read_folder(struct localdisk_inst *li, DIR *d, const char *dir_real,
				 struct localdisk_seen_set *files, struct localdisk_seen_set *empties,
				 struct playout_error *err)
{
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno) /* a share that went away under us: an outage */
				return playout_error_set(err, PLAYOUT_EUNAVAIL, "cannot read drop folder "
							 "%s (%s): check that its share is mounted",
							 li->path, strerror(errno));
			return PLAYOUT_OK;
		}
		if (!localdisk_name_wanted(de->d_name))
			continue;
		struct stat st;
		if (!localdisk_stat_entry(li, dirfd(d), dir_real, de->d_name, &st))
			continue;
		int rc = localdisk_seen_push(st.st_size > 0 ? files : empties, de->d_name,
					     (int64_t)st.st_size, localdisk_mtime_ms(&st));
		if (rc != PLAYOUT_OK)
			return playout_error_set(err, rc, "listing %s: out of memory", li->path);
	}
}

/* A settled file: older than settle_s by the real clock (a future mtime is
 * not settled). Written as a difference so a negative mtime (before 1970)
 * compares like any other. */
static int localdisk_settled(const struct localdisk_inst *li, int64_t mtime_ms, int64_t now_ms)
{
	return now_ms - mtime_ms >= li->settle_ms;
}

/* Say once per file and mtime that a settled empty .mp3 is left out; forget
 * the ones that are gone or changed, so li->empties stays small. */
static void localdisk_warn_empties(struct localdisk_inst *li, struct localdisk_seen_set *empties,
				   int64_t now_ms)
{
	struct localdisk_seen_set keep = { 0 };
	for (size_t i = 0; i < empties->n; i++) {
		const struct localdisk_seen *f = &empties->v[i];
		if (!localdisk_settled(li, f->mtime_ms, now_ms))
			continue; /* being written, maybe: not yet worth a word */
		const struct localdisk_seen *prev = localdisk_seen_find(&li->empties, f->name);
		if (!prev || prev->mtime_ms != f->mtime_ms)
			li->host->log(li->host, PLAYOUT_LOG_WARN,
				      "%s/%s is empty (0 bytes): ignored until it has content",
				      li->path, f->name);
		if (localdisk_seen_push(&keep, f->name, 0, f->mtime_ms) != PLAYOUT_OK)
			break; /* out of memory: at worst a warning is repeated */
	}
	if (keep.n)
		qsort(keep.v, keep.n, sizeof *keep.v, localdisk_seen_cmp);
	free(li->empties.v);
	li->empties = keep;
}

static int localdisk_list(void *inst, struct playout_assets *out, struct playout_error *err)
{
	struct localdisk_inst *li = inst;
	struct localdisk_seen_set now = { 0 }, empties = { 0 };
	char dir_real[PATH_MAX];
	struct stat dst;
	DIR *d = NULL;
	int dfd = -1, rc;

	rc = localdisk_open_folder(li, &dfd, &dst, err);
	if (rc != PLAYOUT_OK)
		return rc;
	d = fdopendir(dfd);
	if (!d) {
		rc = playout_error_set(err, PLAYOUT_EUNAVAIL, "cannot read drop folder %s (%s): "
				       "check that its share is mounted", li->path, strerror(errno));
		close(dfd);
		return rc;
	}
	if (!realpath(li->path, dir_real)) {
		rc = playout_error_set(err, PLAYOUT_EUNAVAIL, "drop folder %s (%s): check that its "
				       "share is mounted", li->path, strerror(errno));
		goto out;
	}
	rc = localdisk_read_folder(li, d, dir_real, &now, &empties, err);
	if (rc != PLAYOUT_OK)
		goto out;
	rc = localdisk_unmounted(li, dfd, &dst, now.n, err);
	if (rc != PLAYOUT_OK)
		goto out; /* li->seen stays: a share that comes back is not "changed" */
	localdisk_rewatch(li);
	/* file times are real: a rehearsal clock must not decide settling */
	int64_t now_ms = li->host->wall_ms(li->host);
	if (now.n) /* qsort must not see NULL, even for 0 items */
		qsort(now.v, now.n, sizeof *now.v, localdisk_seen_cmp);
	for (size_t i = 0; i < now.n; i++) {
		const struct localdisk_seen *f = &now.v[i];
		/* still being written: touched within settle_s (or dated in the future) */
		if (!localdisk_settled(li, f->mtime_ms, now_ms))
			continue;
		/* changed since the previous list: an upload that keeps the old mtime */
		const struct localdisk_seen *prev = localdisk_seen_find(&li->seen, f->name);
		if (prev && (prev->size != f->size || prev->mtime_ms != f->mtime_ms))
			continue;
		struct playout_asset a;
		memset(&a, 0, sizeof a);
		snprintf(a.name, sizeof a.name, "%s", f->name);
		a.size = f->size;
		a.mtime_ms = f->mtime_ms;
		rc = playout_assets_push(out, &a);
		if (rc != PLAYOUT_OK) {
			rc = playout_error_set(err, rc, "listing %s: out of memory", li->path);
			goto out;
		}
	}
	localdisk_warn_empties(li, &empties, now_ms);
	free(li->seen.v);
	li->seen = now;
	now.v = NULL;
	rc = PLAYOUT_OK;
out:
	free(now.v);
	free(empties.v);
	closedir(d); /* closes dfd */
	return rc;
} /* localdisk_list */

/* ---- fetch ------------------------------------------------------------------- */

/* O_NONBLOCK: opening a FIFO for reading waits for a writer, and a device
 * may wait for its hardware; the type is checked on the descriptor after. */
#define LD_OPEN_FLAGS (O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)

/* Open the asset for reading: O_NOFOLLOW, or an in-folder symlink's target.
 * Never blocks; the descriptor may be anything but a symlink (see
 * localdisk_check_source). */
static int localdisk_open_source(struct localdisk_inst *li, const char *name, int *fd_out,
			  struct playout_error *err)
{
	char src[PATH_MAX + PLAYOUT_NAME_MAX + 2];
	int fd;

	snprintf(src, sizeof src, "%s/%s", li->path, name);
	fd = open(src, LD_OPEN_FLAGS);
	if (fd < 0 && errno == ELOOP) {
		char dir_real[PATH_MAX], real[PATH_MAX];
		if (!realpath(li->path, dir_real) || !realpath(src, real))
			return playout_error_set(err, PLAYOUT_ENOTFOUND, "%s: %s", src, strerror(errno));
		if (!localdisk_inside(dir_real, real))
			return playout_error_set(err, PLAYOUT_EINVAL,
						 "%s: symlink to %s, outside the drop folder: refused",
						 src, real);
		fd = open(real, LD_OPEN_FLAGS);
	}
	if (fd < 0) {
		int e = errno;
		struct stat dst;
		/* the folder gone (an unmounted share) is an outage, not a lost file */
		if ((e == ENOENT || e == ENOTDIR) && (stat(li->path, &dst) != 0 || !S_ISDIR(dst.st_mode)))
			return playout_error_set(err, PLAYOUT_EUNAVAIL, "cannot open %s: the drop folder "
						 "is not there: check that its share is mounted", src);
		return playout_error_set(err, e == ENOENT ? PLAYOUT_ENOTFOUND : PLAYOUT_EIO,
					 "cannot open %s: %s", src, strerror(e));
	}
	*fd_out = fd;
	return PLAYOUT_OK;
}

static const char *localdisk_type_name(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/* The opened source is the regular file listed: refuse anything else, then
 * make reads blocking again (a regular file ignores O_NONBLOCK, but the copy
 * must not depend on that). */
static int localdisk_check_source(struct localdisk_inst *li, int fd, const struct playout_asset *asset,
				  struct playout_error *err)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return playout_error_set(err, PLAYOUT_EIO, "cannot stat %s/%s: %s", li->path,
					 asset->name, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return playout_error_set(err, PLAYOUT_EINVAL, "%s/%s is %s, not a regular file: "
					 "refused", li->path, asset->name,
					 localdisk_type_name(st.st_mode));
	if ((int64_t)st.st_size != asset->size)
		return playout_error_set(err, PLAYOUT_EUNAVAIL,
					 "%s/%s changed since listed (%lld bytes, listed %lld)",
					 li->path, asset->name, (long long)st.st_size,
					 (long long)asset->size);
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return playout_error_set(err, PLAYOUT_EIO, "%s/%s: fcntl: %s", li->path,
					 asset->name, strerror(errno));
	return PLAYOUT_OK;
}

/* Copy exactly size bytes from in to out. */
static int localdisk_copy(int in, int out, int64_t size, const char *src, const char *dest,
		   struct playout_error *err)
{
	char *buf = malloc(LD_COPY_BUF);
	int64_t done = 0;
	int rc = PLAYOUT_OK;

	if (!buf)
		return playout_error_set(err, PLAYOUT_ENOMEM, "copying %s: out of memory", src);
	for (;;) {
		ssize_t got = read(in, buf, LD_COPY_BUF);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = playout_error_set(err, PLAYOUT_EIO, "cannot read %s: %s", src, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		if (playout_write_all(out, buf, (size_t)got) < 0) {
			rc = playout_error_set(err, PLAYOUT_EIO, "cannot write %s: %s", dest,
					       strerror(errno));
			goto out;
		}
		done += got;
		if (done > size)
			break;
	}
	if (done != size)
		rc = playout_error_set(err, PLAYOUT_EUNAVAIL,
				       "%s changed while copying (%lld bytes, listed %lld)", src,
				       (long long)done, (long long)size);
out:
	free(buf);
	return rc;
}

static int localdisk_fetch(void *inst, const struct playout_asset *asset, const char *dest_path,
		    struct playout_error *err)
{
	struct localdisk_inst *li = inst;
	int in = -1, out = -1, rc;

	if (!localdisk_bare(asset->name))
		return playout_error_set(err, PLAYOUT_EINVAL,
					 "asset name \"%s\" is not a bare file name",
					 asset->name);
	rc = localdisk_open_source(li, asset->name, &in, err);
	if (rc != PLAYOUT_OK)
		return rc;
	rc = localdisk_check_source(li, in, asset, err);
	if (rc != PLAYOUT_OK)
		goto out;
	out = open(dest_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (out < 0) {
		rc = playout_error_set(err, PLAYOUT_EIO, "cannot create %s: %s", dest_path,
				       strerror(errno));
		goto out; /* not ours: never unlink it */
	}
	rc = localdisk_copy(in, out, asset->size, asset->name, dest_path, err);
	if (rc == PLAYOUT_OK && fsync(out) != 0)
		rc = playout_error_set(err, PLAYOUT_EIO, "cannot fsync %s: %s", dest_path,
				       strerror(errno));
	if (close(out) != 0 && rc == PLAYOUT_OK)
		rc = playout_error_set(err, PLAYOUT_EIO, "cannot close %s: %s", dest_path,
				       strerror(errno));
	if (rc != PLAYOUT_OK)
		unlink(dest_path);
out:
	close(in);
	return rc;
} /* localdisk_fetch */

/* ---- instance ------------------------------------------------------------------ */

static int localdisk_create(const config_setting_t *conf, const struct playout_host *host,
		     void **instance, struct playout_error *err)
{
	const char *path = playout_conf_str(conf, "path"); /* required: the core checked it */
	int64_t settle_s = playout_conf_int(conf, "settle_s");

	struct localdisk_inst *li = calloc(1, sizeof *li);
	if (!li)
		return playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
	li->host = host;
	li->settle_ms = settle_s * 1000;
	li->path = strdup(path);
	if (!li->path) {
		free(li);
		return playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
	}
	/* strip trailing slashes so messages read "dir/name" */
	for (size_t n = strlen(li->path); n > 1 && li->path[n - 1] == '/'; n--)
		li->path[n - 1] = '\0';
	/* The watch itself is added by list, on the folder it found: a share
	 * mounted later, or again, is watched from then on. */
	li->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (li->watch_fd < 0)
		host->log(host, PLAYOUT_LOG_WARN, "cannot watch %s (%s): changes are seen at the next "
			  "planning round", li->path, strerror(errno));
	*instance = li;
	return PLAYOUT_OK;
}

static void localdisk_destroy(void *instance)
{
	struct localdisk_inst *li = instance;

	if (!li)
		return;
	if (li->watch_fd >= 0)
		close(li->watch_fd);
	for (size_t i = 0; i < li->nwarned; i++)
		free(li->warned[i]);
	free(li->warned);
	free(li->seen.v);
	free(li->empties.v);
	free(li->path);
	free(li);
}

static const struct playout_setting localdisk_settings[] = {
	{ .name = "path", .type = PLAYOUT_SET_STRING, .required = 1,
	  .help = "the drop folder holding the .mp3 files" },
	{ .name = "settle_s", .type = PLAYOUT_SET_INT, .min = 0, .max = 86400, .def = "60",
	  .help = "seconds a file must stay unchanged before it counts" },
	{ .name = NULL },
};

static int localdisk_watch_fd(void *instance)
{
	const struct localdisk_inst *li = instance;
	return li->watch_fd;
}

static const struct playout_storage_ops localdisk_ops = {
	.size = sizeof(struct playout_storage_ops),
	.list = localdisk_list,
	.fetch = localdisk_fetch,
	.watch_fd = localdisk_watch_fd,
};

extern const struct playout_plugin playout_plugin;
const struct playout_plugin playout_plugin = {
	PLAYOUT_PLUGIN_HEAD,
	.name = "localdisk",
	.kind = PLAYOUT_KIND_STORAGE,
	.description = "files from a local drop folder",
	.settings = localdisk_settings,
	.create = localdisk_create,
	.destroy = localdisk_destroy,
	.ops.storage = &localdisk_ops,
};
