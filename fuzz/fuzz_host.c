/*
 * The fuzz targets' playout_host (see fuzz_host.h). Every op a parser could
 * call is filled, so a NULL call is a harness bug, not a finding.
 */
#include "fuzz_host.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"

static void fuzz_log(const struct playout_host *h, int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	(void)h;
	(void)level;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
}

static int64_t fuzz_now(const struct playout_host *h)
{
	(void)h;
	return PO_FUZZ_NOW_MS;
}

static int fuzz_secret(const struct playout_host *h, const char *ref, char **value,
		       struct playout_error *err)
{
	(void)h;
	*value = NULL;
	return playout_error_set(err, PLAYOUT_EUNAVAIL, "no secrets under the fuzzer (%s)", ref);
}

static int fuzz_local_to_utc(const struct playout_host *h, int year, int mon, int day, int hour,
			     int min, int sec, int64_t *utc_ms)
{
	(void)h;
	return po_tz_local_to_utc(year, mon, day, hour, min, sec, utc_ms, NULL);
}

static int fuzz_utc_to_local(const struct playout_host *h, int64_t utc_ms, struct tm *out)
{
	(void)h;
	return po_tz_to_local(utc_ms, out);
}

static int fuzz_kv_get(const struct playout_host *h, const char *key, char **value)
{
	(void)h;
	(void)key;
	*value = NULL;
	return PLAYOUT_ENOTFOUND;
}

static int fuzz_kv_put(const struct playout_host *h, const char *key, const char *value)
{
	(void)h;
	(void)key;
	(void)value;
	return PLAYOUT_OK;
}

static int fuzz_http(const struct playout_host *h, const struct playout_http_request *req,
		     struct playout_http_response *resp, struct playout_error *err)
{
	(void)h;
	(void)resp;
	return playout_error_set(err, PLAYOUT_EUNAVAIL, "no network under the fuzzer (%s)",
				 req->url);
}

static int fuzz_metadata(const struct playout_host *h, const char *path, char **value,
			 struct playout_error *err)
{
	(void)h;
	*value = NULL;
	return playout_error_set(err, PLAYOUT_ENOTFOUND, "not on EC2 (%s)", path);
}

static int fuzz_secret_store(const struct playout_host *h, const char *ref, const char *value,
			     struct playout_error *err)
{
	(void)h;
	(void)value;
	return playout_error_set(err, PLAYOUT_EINVAL, "cannot store %s under the fuzzer", ref);
}

static int fuzz_stopping(const struct playout_host *h)
{
	(void)h;
	return 0;
}

const struct playout_host *po_fuzz_host(void)
{
	static struct playout_host host;
	if (!host.size) {
		struct playout_error err;
		if (po_tz_set("Europe/London", &err) != PLAYOUT_OK)
			abort(); /* tzdata missing: the harness cannot run */
		host = (struct playout_host){
			.size = sizeof host, .abi_major = PLAYOUT_ABI_MAJOR,
			.abi_minor = PLAYOUT_ABI_MINOR, .instance = "fuzz", .timezone = "Europe/London",
			.cache_dir = "/nonexistent", .config_file = "fuzz.conf",
			.log = fuzz_log, .now_ms = fuzz_now, .secret = fuzz_secret,
			.local_to_utc = fuzz_local_to_utc, .kv_get = fuzz_kv_get,
			.kv_put = fuzz_kv_put, .wall_ms = fuzz_now, .http = fuzz_http,
			.instance_metadata = fuzz_metadata, .secret_store = fuzz_secret_store,
			.stopping = fuzz_stopping, .utc_to_local = fuzz_utc_to_local,
		};
	}
	return &host;
}

char *po_fuzz_text(const unsigned char *data, size_t n)
{
	char *t = malloc(n + 2);
	if (!t)
		return NULL;
	memcpy(t, data, n);
	t[n] = '\0';
	t[n + 1] = '\0';
	return t;
}
