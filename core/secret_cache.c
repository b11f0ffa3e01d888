/*
 * The cache behind host->secret (secret_cache.h): references and their
 * values under one mutex, never held across a read from a file or SSM.
 */
#include "secret_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "secret.h"

/* gen changes with every new value, so a reload can tell that a store
 * replaced the value while it was reading (the stored one is newer). */
struct cache_entry {
	char *ref;
	char *value;
	unsigned long gen;
};

static struct {
	pthread_mutex_t mu;
	struct cache_entry *v;
	size_t n, cap;
	unsigned long gen;
} cache = {.mu = PTHREAD_MUTEX_INITIALIZER};

static struct cache_entry *cache_find_locked(const char *ref)
{
	for (size_t i = 0; i < cache.n; i++)
		if (strcmp(cache.v[i].ref, ref) == 0)
			return &cache.v[i];
	return NULL;
}

/* Takes value (wiped and freed on failure). */
static int cache_add_locked(const char *ref, char *value)
{
	if (cache.n == cache.cap) {
		size_t cap = cache.cap ? cache.cap * 2 : 8;
		struct cache_entry *v = realloc(cache.v, cap * sizeof *v);
		if (!v)
			goto nomem;
		cache.v = v;
		cache.cap = cap;
	}
	char *r = strdup(ref);
	if (!r)
		goto nomem;
	cache.v[cache.n++] = (struct cache_entry){.ref = r, .value = value, .gen = ++cache.gen};
	return PLAYOUT_OK;
nomem:
	po_secret_free(value);
	return PLAYOUT_ENOMEM;
}

/* Replaces e's value with value (taken); the old one is wiped. */
static void cache_set_locked(struct cache_entry *e, char *value)
{
	po_secret_free(e->value);
	e->value = value;
	e->gen = ++cache.gen;
}

static int fetch_one(po_secret_fetch_fn fetch, void *ctx, const char *ref, char **value,
		     struct playout_error *err)
{
	*value = NULL;
	return fetch ? fetch(ctx, ref, value, err) : po_secret_resolve(ref, value, err);
}

int po_secret_cached(const char *ref, po_secret_fetch_fn fetch, void *ctx, char **value,
		     struct playout_error *err)
{
	if (!ref || !value)
		return playout_error_set(err, PLAYOUT_EINVAL, "secret: no reference given");
	*value = NULL;
	if (po_secret_is_literal(ref))
		return po_secret_resolve(ref, value, err);
	pthread_mutex_lock(&cache.mu);
	struct cache_entry *e = cache_find_locked(ref);
	char *copy = e ? strdup(e->value) : NULL;
	pthread_mutex_unlock(&cache.mu);
	if (e && !copy)
		return playout_error_set(err, PLAYOUT_ENOMEM, "secret %s: out of memory", ref);
	if (copy) {
		*value = copy;
		return PLAYOUT_OK;
	}
	char *fresh = NULL;
	int rc = fetch_one(fetch, ctx, ref, &fresh, err);
	if (rc < 0)
		return rc;
	/* Keep a copy. Out of memory only means the next call reads again. */
	char *keep = strdup(fresh);
	pthread_mutex_lock(&cache.mu);
	if (keep && !cache_find_locked(ref))
		cache_add_locked(ref, keep);
	else
		po_secret_free(keep); /* another thread was first: keep its value */
	pthread_mutex_unlock(&cache.mu);
	*value = fresh;
	return PLAYOUT_OK;
}

int po_secret_cache_put(const char *ref, const char *value, struct playout_error *err)
{
	if (!ref || !value)
		return playout_error_set(err, PLAYOUT_EINVAL, "secret: no reference or value");
	if (po_secret_is_literal(ref))
		return PLAYOUT_OK;
	char *v = strdup(value);
	if (!v)
		return playout_error_set(err, PLAYOUT_ENOMEM, "secret %s: out of memory", ref);
	int rc = PLAYOUT_OK;
	pthread_mutex_lock(&cache.mu);
	struct cache_entry *e = cache_find_locked(ref);
	if (e)
		cache_set_locked(e, v);
	else
		rc = cache_add_locked(ref, v);
	pthread_mutex_unlock(&cache.mu);
	if (rc < 0)
		return playout_error_set(err, rc, "secret %s: out of memory", ref);
	return PLAYOUT_OK;
}

struct reload_item {
	char *ref;
	unsigned long gen;
};

void po_secret_cache_reload(po_secret_fetch_fn fetch, void *ctx, struct po_secret_reload *r)
{
	memset(r, 0, sizeof *r);
	/* The references as they stand, so no fetch runs under the lock. */
	pthread_mutex_lock(&cache.mu);
	size_t n = cache.n;
	struct reload_item *items = n ? calloc(n, sizeof *items) : NULL;
	for (size_t i = 0; items && i < n; i++) {
		items[i].ref = strdup(cache.v[i].ref);
		items[i].gen = cache.v[i].gen;
	}
	pthread_mutex_unlock(&cache.mu);
	if (n && !items) {
		po_log_warnx("core", "secrets: out of memory: every secret keeps its value");
		r->failed = n;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *ref = items[i].ref;
		struct playout_error e = {0};
		char *fresh = NULL;
		if (!ref) {
			r->failed++;
			continue;
		}
		if (fetch_one(fetch, ctx, ref, &fresh, &e) < 0) {
			po_log_warnx("core", "secret %s: cannot read it again, keeping the value read "
				     "before: %s", ref, e.msg);
			r->failed++;
			continue;
		}
		r->read++;
		pthread_mutex_lock(&cache.mu);
		struct cache_entry *c = cache_find_locked(ref);
		if (c && c->gen == items[i].gen && strcmp(c->value, fresh) != 0) {
			cache_set_locked(c, fresh);
			fresh = NULL;
			r->changed++;
		}
		pthread_mutex_unlock(&cache.mu);
		po_secret_free(fresh);
	}
	for (size_t i = 0; i < n; i++)
		free(items[i].ref);
	free(items);
}

void po_secret_cache_clear(void)
{
	pthread_mutex_lock(&cache.mu);
	for (size_t i = 0; i < cache.n; i++) {
		free(cache.v[i].ref);
		po_secret_free(cache.v[i].value);
	}
	free(cache.v);
	cache.v = NULL;
	cache.n = cache.cap = 0;
	pthread_mutex_unlock(&cache.mu);
}
