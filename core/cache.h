/*
 * The local cache of programme files: the only directory the daemon writes
 * audio into. Names are storage keys treated as data, never as paths: a name
 * that is not a plain file name is refused. Files arrive through a temporary
 * file in <cache>/.part, are checked, fsynced and renamed into place.
 * Threads: the functions keep no state of their own, so any thread may
 * call them, and several do: the worker's download threads fetch
 * (po_cache_fetch), the storage input thread checks names while it parses a
 * listing (po_cache_name_ok), the control thread walks, plans against and
 * evicts the cache. Two calls on one name are the caller's to keep apart
 * (the worker never runs two downloads of one file).
 */
#ifndef PO_CACHE_H
#define PO_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include <sys/stat.h>

#include <playout/plugin.h>

/* Create the cache (0750) and its .part folder if missing; clear stale parts
 * except a storage plugin's resumable downloads (names ending in "partial",
 * such as "x.mp3.s3partial"). */
int po_cache_init(const char *dir, struct playout_error *err);

/* 1 when name is a plain file name we accept in the cache: not empty, not
 * starting with '.', no '/', no control characters, at most 200 bytes. */
int po_cache_name_ok(const char *name);

/* "<dir>/<name>" into buf; PLAYOUT_EINVAL for a name po_cache_name_ok refuses. */
int po_cache_path(const char *dir, const char *name, char *buf, size_t n,
		  struct playout_error *err);

/* 1 when the cache holds name with this size and mtime (the storage's). */
int po_cache_has(const char *dir, const struct playout_asset *a);

/* Copy a from storage into the cache: fetch into .part, verify the size,
 * fsync, set the mtime to the storage's, rename, fsync the folder. */
int po_cache_fetch(const char *dir, const struct playout_storage_ops *ops, void *inst,
		   const struct playout_asset *a, struct playout_error *err);

/* Call fn for each regular file with a plain name directly in dir (never
 * through a symlink, never in .part or sub-directories), with a descriptor
 * of dir and the file's lstat. Returns the sum of what fn returned, or a
 * negative code when dir cannot be read. */
int po_cache_each(const char *dir, int (*fn)(int dfd, const char *name, const struct stat *st,
					    void *arg),
		  void *arg, struct playout_error *err);
/* A file's mtime in ms, as the cache compares it with the storage's. */
int64_t po_cache_mtime_ms(const struct stat *st);

/* Remove cached programme files that are no longer wanted. A regular file
 * directly in dir is removed when keep (may be NULL) answers 0 for its name
 * and its time is more than retention_ms before now_ms: its air time when
 * the name follows yyyymmdd_hhmm_<pid>.mp3 (station zone), else its mtime
 * (the storage's). So a file whose air time is ahead of now_ms always stays:
 * pass the real time, never a rehearsal clock. Never follows symlinks, never
 * touches names starting with '.' (.part and its resumable partials),
 * sub-directories or anything outside dir. Returns the number of files
 * removed (>= 0) or a negative code. */
int po_cache_evict(const char *dir, int (*keep)(const char *name, void *arg), void *arg,
		   int64_t now_ms, int64_t retention_ms, struct playout_error *err);

#endif
