/*
 * The plugin-test host: see fake_host.h. Captures log lines, fakes the clock
 * and keeps kv pairs in memory; secrets and local time go to the real core
 * helpers (core/secret.c, core/timeutil.c). Not for the daemon.
 */
#include "fake_host.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "secret.h"
#include "timeutil.h"

struct fake_line {
	int level;
	char *text;
};

struct fake_kv {
	char *key;
	char *value;
};

struct po_fake_host {
	struct playout_host host; /* host.core points back here */
	char *instance;
	char *cache_dir;
	char *timezone;
	pthread_mutex_t lock;     /* guards lines, now and kv */
	int fixed_now;
	int64_t now_ms;
	struct fake_line *lines;
	size_t nlines, caplines;
	struct fake_kv *kv;
	size_t nkv, capkv;
	int stopping;             /* atomic: host->stopping's answer */
};

static const char *const level_names[] = { "error", "warn", "notice", "info", "debug" };

static struct po_fake_host *fake_of(const struct playout_host *h)
{
	return (struct po_fake_host *)h->core;
}

static char *fake_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

static void fake_log(const struct playout_host *h, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fake_log(const struct playout_host *h, int level, const char *fmt, ...)
{
	struct po_fake_host *fh = fake_of(h);
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	const char *lname = level >= 0 && level <= PLAYOUT_LOG_DEBUG ? level_names[level] : "?";
	fprintf(stderr, "[fake-host %s] %s: %s\n", fh->instance, lname, buf);

	pthread_mutex_lock(&fh->lock);
	if (fh->nlines == fh->caplines) {
		size_t cap = fh->caplines ? fh->caplines * 2 : 16;
		struct fake_line *v = realloc(fh->lines, cap * sizeof *v);
		if (!v)
			goto out;
		fh->lines = v;
		fh->caplines = cap;
	}
	char *text = fake_strdup(buf);
	if (!text)
		goto out;
	fh->lines[fh->nlines].level = level;
	fh->lines[fh->nlines].text = text;
	fh->nlines++;
out:
	pthread_mutex_unlock(&fh->lock);
}

static int64_t fake_now_ms(const struct playout_host *h)
{
	struct po_fake_host *fh = fake_of(h);
	int64_t ms;

	pthread_mutex_lock(&fh->lock);
	if (fh->fixed_now) {
		ms = fh->now_ms;
	} else {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	}
	pthread_mutex_unlock(&fh->lock);
	return ms;
}

static int fake_secret(const struct playout_host *h, const char *ref, char **value,
		       struct playout_error *err)
{
	(void)h;
	return po_secret_resolve(ref, value, err);
}

static int fake_local_to_utc(const struct playout_host *h, int year, int mon, int day,
			     int hour, int min, int sec, int64_t *utc_ms)
{
	(void)h;
	return po_tz_local_to_utc(year, mon, day, hour, min, sec, utc_ms, NULL);
}

static int fake_utc_to_local(const struct playout_host *h, int64_t utc_ms, struct tm *out)
{
	(void)h;
	return po_tz_to_local(utc_ms, out);
}

/* Caller holds the lock. */
static struct fake_kv *fake_kv_find(struct po_fake_host *fh, const char *key)
{
	for (size_t i = 0; i < fh->nkv; i++)
		if (strcmp(fh->kv[i].key, key) == 0)
			return &fh->kv[i];
	return NULL;
}

static int fake_kv_get(const struct playout_host *h, const char *key, char **value)
{
	struct po_fake_host *fh = fake_of(h);
	int rc = PLAYOUT_ENOTFOUND;

	*value = NULL;
	pthread_mutex_lock(&fh->lock);
	struct fake_kv *e = fake_kv_find(fh, key);
	if (e) {
		*value = fake_strdup(e->value);
		rc = *value ? PLAYOUT_OK : PLAYOUT_ENOMEM;
	}
	pthread_mutex_unlock(&fh->lock);
	return rc;
}

static int fake_kv_put(const struct playout_host *h, const char *key, const char *value)
{
	struct po_fake_host *fh = fake_of(h);
	int rc = PLAYOUT_ENOMEM;
	char *v = fake_strdup(value);

	if (!v)
		return PLAYOUT_ENOMEM;
	pthread_mutex_lock(&fh->lock);
	struct fake_kv *e = fake_kv_find(fh, key);
	if (e) {
		free(e->value);
		e->value = v;
		v = NULL;
		rc = PLAYOUT_OK;
		goto out;
	}
	if (fh->nkv == fh->capkv) {
		size_t cap = fh->capkv ? fh->capkv * 2 : 8;
		struct fake_kv *nv = realloc(fh->kv, cap * sizeof *nv);
		if (!nv)
			goto out;
		fh->kv = nv;
		fh->capkv = cap;
	}
	char *k = fake_strdup(key);
	if (!k)
		goto out;
	fh->kv[fh->nkv].key = k;
	fh->kv[fh->nkv].value = v;
	fh->nkv++;
	v = NULL;
	rc = PLAYOUT_OK;
out:
	pthread_mutex_unlock(&fh->lock);
	free(v);
	return rc;
}

static int fake_stopping(const struct playout_host *h)
{
	return __atomic_load_n(&fake_of(h)->stopping, __ATOMIC_ACQUIRE);
}

void po_fake_host_set_stopping(struct po_fake_host *fh, int on)
{
	__atomic_store_n(&fh->stopping, on, __ATOMIC_RELEASE);
}

struct po_fake_host *po_fake_host_new(const char *instance, const char *cache_dir)
{
	struct po_fake_host *fh = calloc(1, sizeof *fh);

	if (!fh)
		return NULL;
	fh->instance = fake_strdup(instance ? instance : "test:main");
	fh->cache_dir = cache_dir ? fake_strdup(cache_dir) : NULL;
	fh->timezone = fake_strdup("UTC");
	if (!fh->instance || !fh->timezone || (cache_dir && !fh->cache_dir)) {
		free(fh->instance);
		free(fh->cache_dir);
		free(fh->timezone);
		free(fh);
		return NULL;
	}
	pthread_mutex_init(&fh->lock, NULL);
	fh->host.size = sizeof fh->host;
	fh->host.abi_major = PLAYOUT_ABI_MAJOR;
	fh->host.abi_minor = PLAYOUT_ABI_MINOR;
	fh->host.core = fh;
	fh->host.instance = fh->instance;
	fh->host.timezone = fh->timezone;
	fh->host.cache_dir = fh->cache_dir;
	fh->host.config_file = "test.conf";
	fh->host.log = fake_log;
	fh->host.now_ms = fake_now_ms;
	fh->host.wall_ms = fake_now_ms; /* one settable clock serves both */
	fh->host.secret = fake_secret;
	fh->host.local_to_utc = fake_local_to_utc;
	fh->host.kv_get = fake_kv_get;
	fh->host.kv_put = fake_kv_put;
	fh->host.stopping = fake_stopping;
	fh->host.utc_to_local = fake_utc_to_local;
	return fh;
}

void po_fake_host_free(struct po_fake_host *fh)
{
	if (!fh)
		return;
	po_fake_host_log_clear(fh);
	free(fh->lines);
	for (size_t i = 0; i < fh->nkv; i++) {
		free(fh->kv[i].key);
		free(fh->kv[i].value);
	}
	free(fh->kv);
	pthread_mutex_destroy(&fh->lock);
	free(fh->instance);
	free(fh->cache_dir);
	free(fh->timezone);
	free(fh);
}

const struct playout_host *po_fake_host(struct po_fake_host *fh)
{
	return &fh->host;
}

void po_fake_host_set_now(struct po_fake_host *fh, int64_t ms)
{
	pthread_mutex_lock(&fh->lock);
	fh->fixed_now = 1;
	fh->now_ms = ms;
	pthread_mutex_unlock(&fh->lock);
}

void po_fake_host_set_timezone(struct po_fake_host *fh, const char *zone)
{
	char *z = fake_strdup(zone);

	if (!z)
		return;
	free(fh->timezone);
	fh->timezone = z;
	fh->host.timezone = z;
}

int po_fake_host_log_contains(struct po_fake_host *fh, const char *needle)
{
	int found = 0;

	pthread_mutex_lock(&fh->lock);
	for (size_t i = 0; i < fh->nlines && !found; i++)
		if (strstr(fh->lines[i].text, needle))
			found = 1;
	pthread_mutex_unlock(&fh->lock);
	return found;
}

size_t po_fake_host_log_count(struct po_fake_host *fh, int level)
{
	size_t n = 0;

	pthread_mutex_lock(&fh->lock);
	for (size_t i = 0; i < fh->nlines; i++)
		if (level < 0 || fh->lines[i].level == level)
			n++;
	pthread_mutex_unlock(&fh->lock);
	return n;
}

void po_fake_host_log_clear(struct po_fake_host *fh)
{
	pthread_mutex_lock(&fh->lock);
	for (size_t i = 0; i < fh->nlines; i++)
		free(fh->lines[i].text);
	fh->nlines = 0;
	pthread_mutex_unlock(&fh->lock);
}

void po_fake_host_set_http(struct po_fake_host *fh,
			   int (*fn)(const struct playout_host *h,
				     const struct playout_http_request *req,
				     struct playout_http_response *resp,
				     struct playout_error *err))
{
	fh->host.http = fn;
}

void po_fake_host_set_secret_store(struct po_fake_host *fh,
				   int (*fn)(const struct playout_host *h, const char *ref,
					     const char *value, struct playout_error *err))
{
	fh->host.secret_store = fn;
}

void po_fake_host_set_instance_metadata(struct po_fake_host *fh,
					int (*fn)(const struct playout_host *h, const char *path,
						  char **value, struct playout_error *err))
{
	fh->host.instance_metadata = fn;
}
