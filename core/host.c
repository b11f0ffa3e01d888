/*
 * The playout_host services plugins call: a thin layer over the core's log,
 * clock, secret, time-zone and state modules. Nothing here keeps state of its
 * own; host->core is the runtime.
 */
#include "host.h"

#include <stdlib.h>

#include "log.h"
#include "runtime.h"
#include "secret.h"
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

static int host_secret(const struct playout_host *h, const char *ref, char **value,
		       struct playout_error *err)
{
	(void)h;
	return po_secret_resolve(ref, value, err);
}

static int host_local_to_utc(const struct playout_host *h, int year, int mon, int day, int hour,
			     int min, int sec, int64_t *utc_ms)
{
	(void)h;
	return po_tz_local_to_utc(year, mon, day, hour, min, sec, utc_ms, NULL);
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
	if (!rt->state)
		return PLAYOUT_EUNAVAIL;
	return po_state_kv_put(rt->state, h->instance, key, value);
}

/* The network services arrive with the AWS and HTTP work (core/http.c,
 * core/aws.c); until then they answer plainly. */
static int host_http(const struct playout_host *h, const struct playout_http_request *req,
		     struct playout_http_response *resp, struct playout_error *err)
{
	(void)h;
	(void)resp;
	return playout_error_set(err, PLAYOUT_EUNAVAIL, "%s %s: HTTP is not built yet", req->method,
				 req->url);
}

static int host_instance_metadata(const struct playout_host *h, const char *path, char **value,
				  struct playout_error *err)
{
	(void)h;
	*value = NULL;
	return playout_error_set(err, PLAYOUT_ENOTFOUND, "instance metadata %s: not built yet", path);
}

static int host_secret_store(const struct playout_host *h, const char *ref, const char *value,
			     struct playout_error *err)
{
	(void)h;
	(void)value;
	return playout_error_set(err, PLAYOUT_EINVAL, "cannot store a secret into %.40s yet", ref);
}

void po_host_init(struct po_instance *inst, struct po_runtime *rt)
{
	struct playout_host *h = &inst->host;
	h->abi = PLAYOUT_PLUGIN_ABI;
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
}
