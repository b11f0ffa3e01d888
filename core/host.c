/*
 * The playout_host services plugins call: a thin layer over the core's log,
 * clock, secret, time-zone, state and AWS/HTTP modules. Nothing here keeps
 * state of its own; host->core is the runtime (secret values are cached by
 * core/secret_cache.c).
 */
#include "host.h"

#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "http.h"
#include "log.h"
#include "runtime.h"
#include "secret.h"
#include "secret_cache.h"
#include "timeutil.h"

static void host_log(const struct playout_host *h, int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	po_logv(level, h->instance, fmt, ap);
	va_end(ap);
}

static int64_t host_now_ms(const struct playout_host *h)
{
	const struct po_runtime *rt = h->core;
	return po_clock_now_ms(&rt->clock);
}

static int64_t host_wall_ms(const struct playout_host *h)
{
	(void)h;
	struct po_clock real = {0};
	return po_clock_now_ms(&real);
}

/* How the cache reads a reference: ssm: through the runtime's AWS context,
 * the others locally. */
static int host_fetch(void *ctx, const char *ref, char **value, struct playout_error *err)
{
	struct po_runtime *rt = ctx;
	if (strncmp(ref, "ssm:", 4) == 0) {
		*value = NULL;
		if (!rt->aws)
			return playout_error_set(err, PLAYOUT_EUNAVAIL, "%s: AWS is not set up", ref);
		return po_aws_ssm_get(rt->aws, ref + 4, value, err);
	}
	return po_secret_resolve(ref, value, err);
}

int po_host_secret(struct po_runtime *rt, const char *ref, char **value,
		   struct playout_error *err)
{
	return po_secret_cached(ref, host_fetch, rt, value, err);
}

/* Read once (in the plugins' create), then from memory until a SIGHUP. */
static int host_secret(const struct playout_host *h, const char *ref, char **value,
		       struct playout_error *err)
{
	return po_secret_cached(ref, host_fetch, h->core, value, err);
}

static int host_local_to_utc(const struct playout_host *h, int year, int mon, int day, int hour,
			     int min, int sec, int64_t *utc_ms)
{
	(void)h;
	return po_tz_local_to_utc(year, mon, day, hour, min, sec, utc_ms, NULL);
}

static int host_utc_to_local(const struct playout_host *h, int64_t utc_ms, struct tm *out)
{
	(void)h;
	return po_tz_to_local(utc_ms, out);
}

static int host_kv_get(const struct playout_host *h, const char *key, char **value)
{
	struct po_runtime *rt = h->core;
	if (!rt->state)
		return PLAYOUT_ENOTFOUND;
	return po_state_kv_get(rt->state, h->instance, key, value);
}

static int host_kv_put(const struct playout_host *h, const char *key, const char *value)
{
	struct po_runtime *rt = h->core;
	/* playoutctl's state is read-only: a plugin's counters and caches are
	 * not kept there, quietly (the state would log each refusal as an error) */
	if (!rt->state || po_state_readonly(rt->state))
		return PLAYOUT_EUNAVAIL;
	return po_state_kv_put(rt->state, h->instance, key, value);
}

/* The network services go through the runtime's AWS context (core/aws.c),
 * which signs when asked and otherwise hands the request to core/http.c. */
static int host_http(const struct playout_host *h, const struct playout_http_request *req,
		     struct playout_http_response *resp, struct playout_error *err)
{
	struct po_runtime *rt = h->core;
	if (!rt->aws) {
		memset(resp, 0, sizeof *resp);
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "%s %s: HTTP is not set up",
					 req->method, req->url);
	}
	return po_aws_http(rt->aws, req, resp, err);
}

static int host_instance_metadata(const struct playout_host *h, const char *path, char **value,
				  struct playout_error *err)
{
	struct po_runtime *rt = h->core;
	*value = NULL;
	if (!rt->aws)
		return playout_error_set(err, PLAYOUT_ENOTFOUND, "instance metadata %s: not set up",
					 path);
	return po_aws_imds_get(rt->aws, path, value, err);
}

static int host_secret_store(const struct playout_host *h, const char *ref, const char *value,
			     struct playout_error *err)
{
	struct po_runtime *rt = h->core;
	int rc;
	if (!ref || !value)
		return playout_error_set(err, PLAYOUT_EINVAL, "secret store: no reference or value");
	if (strncmp(ref, "file:", 5) == 0)
		rc = po_secret_store_file(ref + 5, value, err);
	else if (strncmp(ref, "ssm:", 4) == 0)
		rc = rt->aws ? po_aws_ssm_put(rt->aws, ref + 4, value, err)
			     : playout_error_set(err, PLAYOUT_EUNAVAIL, "%s: AWS is not set up", ref);
	else if (strncmp(ref, "env:", 4) == 0)
		return playout_error_set(err, PLAYOUT_EINVAL,
					 "cannot store a secret into %.60s: an environment "
					 "variable is read-only (use file: or ssm:)", ref);
	else
		return playout_error_set(err, PLAYOUT_EINVAL,
					 "cannot store a secret into a literal config value "
					 "(use file:/path or ssm:/name)");
	if (rc < 0)
		return rc;
	/* What is stored is what host->secret serves from now on. */
	return po_secret_cache_put(ref, value, err);
}

static int host_stopping(const struct playout_host *h)
{
	(void)h;
	return po_http_aborting();
}

void po_host_init(struct po_instance *inst, struct po_runtime *rt)
{
	struct playout_host *h = &inst->host;
	h->size = sizeof *h;
	h->abi_major = PLAYOUT_ABI_MAJOR;
	h->abi_minor = PLAYOUT_ABI_MINOR;
	h->core = rt;
	h->instance = inst->conf->label;
	h->timezone = rt->conf.timezone;
	h->cache_dir = rt->conf.cache_dir;
	h->config_file = rt->conf.path;
	h->log = host_log;
	h->now_ms = host_now_ms;
	h->wall_ms = host_wall_ms;
	h->secret = host_secret;
	h->local_to_utc = host_local_to_utc;
	h->kv_get = host_kv_get;
	h->kv_put = host_kv_put;
	h->http = host_http;
	h->instance_metadata = host_instance_metadata;
	h->secret_store = host_secret_store;
	h->stopping = host_stopping;
	h->utc_to_local = host_utc_to_local;
}

void po_host_reload_secrets(struct po_runtime *rt)
{
	struct po_secret_reload r;
	size_t read = 0, changed = 0, failed = 0;
	/* The AWS keys first: the ssm: reads below are signed with them. */
	if (rt->aws) {
		struct playout_error e = {0};
		int keys_changed = 0;
		int rc = po_aws_reload_keys(rt->aws, &keys_changed, &e);
		if (rc < 0) {
			po_log_warnx("core", "%s", e.msg);
			failed++;
		} else if (rc > 0) {
			read++;
			changed += keys_changed != 0;
		}
	}
	po_secret_cache_reload(host_fetch, rt, &r);
	read += r.read;
	changed += r.changed;
	failed += r.failed;
	if (failed)
		po_log_notice("core", "secrets: %zu read again, %zu changed; %zu could not be read "
			      "and keep their value", read, changed, failed);
	else
		po_log_notice("core", "secrets: %zu read again, %zu changed", read, changed);
}
