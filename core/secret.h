/*
 * Secret references in config values: a literal, "file:/path" (first line,
 * trailing newline removed), "env:NAME", or "ssm:/name" (SSM Parameter Store:
 * resolved by the runtime's AWS context in core/host.c, not here;
 * po_secret_resolve answers PLAYOUT_ECONFIG for it).
 * Values are never logged; messages name the reference only.
 *
 * The values host->secret serves live in one in-memory cache per process
 * (a process runs one runtime): read at first use, read again on SIGHUP
 * (po_secret_cache_reload), wiped when replaced or cleared.
 */
#ifndef PO_SECRET_H
#define PO_SECRET_H

#include <playout/plugin.h>

/* 1 when ref is a literal (no known "scheme:" prefix). */
int po_secret_is_literal(const char *ref);
/* *value malloc'd, caller frees with po_secret_free (wipes it). */
int po_secret_resolve(const char *ref, char **value, struct playout_error *err);
void po_secret_free(char *value); /* NULL is a no-op */

/* Replace the file at path with value plus "\n": a temporary file in the
 * same directory (mode 0600), fsync, rename over path. Never logs value. */
int po_secret_store_file(const char *path, const char *value, struct playout_error *err);

/* ---- the cache -------------------------------------------------------- */

/* Reads one reference for the cache (host.c's reads ssm: through AWS).
 * *value malloc'd; the cache wipes and frees it. */
typedef int (*po_secret_fetch_fn)(void *ctx, const char *ref, char **value,
				  struct playout_error *err);

/* The value of ref, as po_secret_resolve: from the cache, else read with
 * fetch (NULL: po_secret_resolve) and kept. Literals are not kept: their
 * value is the reference. Thread-safe; the lock is never held across a
 * fetch, so a cached read never waits for the network. */
int po_secret_cached(const char *ref, po_secret_fetch_fn fetch, void *ctx, char **value,
		     struct playout_error *err);

/* ref now holds value (a secret_store succeeded): the cache serves it from
 * now on. A literal ref is ignored. Thread-safe. */
int po_secret_cache_put(const char *ref, const char *value, struct playout_error *err);

struct po_secret_reload {
	size_t read;    /* references read again */
	size_t changed; /* of those, how many have a new value */
	size_t failed;  /* could not be read: each keeps its value, one warning each */
};

/* Read every cached reference again with fetch (NULL: po_secret_resolve),
 * outside the lock. A failure logs a warning naming the reference and the
 * reason and keeps the old value; a value stored (po_secret_cache_put) while
 * this ran is newer and stays. */
void po_secret_cache_reload(po_secret_fetch_fn fetch, void *ctx, struct po_secret_reload *r);

/* Forget every value (wiped). Thread-safe. */
void po_secret_cache_clear(void);

/* Tests: fn sees every value po_secret_free releases, after the wipe and
 * before free (len: its length before the wipe). NULL: none. */
void po_secret_observe_free(void (*fn)(const char *value, size_t len));

#endif
