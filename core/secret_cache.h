/*
 * The values host->secret serves: one in-memory cache per process (a process
 * runs one runtime), read at first use, read again on SIGHUP
 * (po_secret_cache_reload), wiped when replaced or cleared.
 */
#ifndef PO_SECRET_CACHE_H
#define PO_SECRET_CACHE_H

#include <stddef.h>

#include <playout/plugin.h>

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

#endif
