/*
 * http.h, aws.h and net_gcal.h on the core's side: thin forwarders into the
 * network module, which the first call that needs the network loads
 * (core/net_load.c). What must not load it stays here: the abort flag, the
 * AWS settings (po_aws_new touches no network, so it only keeps a copy),
 * libcurl's global init (the module does it when it loads).
 */
#include "aws.h"
#include "http.h"
#include "net_gcal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_load.h"

/* po_http_abort_all's flag, kept here so that it holds for a module loaded
 * after it was raised. */
static atomic_int aborting;

/* The module's context is created on the first call that needs it, from
 * the settings copied by po_aws_new. */
struct po_aws {
	pthread_mutex_t mu;      /* guards real */
	struct po_net_aws *real; /* NULL until then */
	char *region, *profile, *access_key, *secret_key, *ssm_endpoint, *imds_endpoint;
	int64_t (*wall_ms)(void *ctx);
	void *wall_ctx;
};

int po_http_global_init(struct playout_error *err)
{
	(void)err; /* the module initialises libcurl when it loads */
	return PLAYOUT_OK;
}

void po_http_global_cleanup(void)
{
	/* libcurl's global state lives as long as the resident module */
}

void po_http_abort_all(int on)
{
	atomic_store(&aborting, on != 0);
	const struct po_net_module *m = po_net_loaded();
	if (m)
		m->http_abort_all(on);
}

int po_http_aborting(void)
{
	return atomic_load(&aborting);
}

/* The module, told about an abort raised before it loaded: the flag is
 * stored before the table is read in po_http_abort_all and the table before
 * the flag here, so one of the two sides always sees the other. */
static const struct po_net_module *net(struct playout_error *err)
{
	const struct po_net_module *m = po_net_get(err);
	if (m && atomic_load(&aborting))
		m->http_abort_all(1);
	return m;
}

int po_http_exchange(const struct playout_http_request *req, const struct po_http_sign *sign,
		     const struct po_http_opts *opts, struct playout_http_response *resp,
		     struct playout_error *err)
{
	memset(resp, 0, sizeof *resp);
	const struct po_net_module *m = net(err);
	return m ? m->http_exchange(req, sign, opts, resp, err) : PLAYOUT_EUNAVAIL;
}

int po_gcal_auth_run(const struct po_gcal_auth *a)
{
	struct playout_error err = {0};
	const struct po_net_module *m = net(&err);
	if (!m) {
		fprintf(stderr, "playoutctl: gcal-auth: %s\n", err.msg);
		return 1;
	}
	return m->gcal_auth_run(a);
}

static int dup_opt(const char *s, char **out)
{
	*out = s && *s ? strdup(s) : NULL;
	return s && *s && !*out ? -1 : 0;
}

void po_aws_free(struct po_aws *a)
{
	if (!a)
		return;
	const struct po_net_module *m = po_net_loaded();
	if (a->real && m)
		m->aws_free(a->real);
	pthread_mutex_destroy(&a->mu);
	free(a->region);
	free(a->profile);
	/* a key may be written literally in the config */
	if (a->access_key)
		explicit_bzero(a->access_key, strlen(a->access_key));
	if (a->secret_key)
		explicit_bzero(a->secret_key, strlen(a->secret_key));
	free(a->access_key);
	free(a->secret_key);
	free(a->ssm_endpoint);
	free(a->imds_endpoint);
	free(a);
}

int po_aws_new(const struct po_aws_conf *c, struct po_aws **out, struct playout_error *err)
{
	*out = NULL;
	struct po_aws *a = calloc(1, sizeof *a);
	if (!a)
		return playout_error_set(err, PLAYOUT_ENOMEM, "aws: out of memory");
	if (pthread_mutex_init(&a->mu, NULL) != 0) {
		free(a);
		return playout_error_set(err, PLAYOUT_ENOMEM, "aws: cannot create a mutex");
	}
	/* The environment as it is now, as the module's po_aws_new would read
	 * it now: the context is created later. */
	const char *imds = c->imds_endpoint && *c->imds_endpoint
				   ? c->imds_endpoint : getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	if (dup_opt(c->region, &a->region) < 0 || dup_opt(c->profile, &a->profile) < 0 ||
	    dup_opt(c->access_key, &a->access_key) < 0 ||
	    dup_opt(c->secret_key, &a->secret_key) < 0 ||
	    dup_opt(c->ssm_endpoint, &a->ssm_endpoint) < 0 || dup_opt(imds, &a->imds_endpoint) < 0) {
		po_aws_free(a);
		return playout_error_set(err, PLAYOUT_ENOMEM, "aws: out of memory");
	}
	a->wall_ms = c->wall_ms;
	a->wall_ctx = c->wall_ctx;
	*out = a;
	return PLAYOUT_OK;
}

/* The module and a's context in it, both made on first use; NULL (err set)
 * when the module cannot be loaded. */
static const struct po_net_module *aws_net(struct po_aws *a, struct playout_error *err)
{
	const struct po_net_module *m = net(err);
	if (!m)
		return NULL;
	pthread_mutex_lock(&a->mu);
	if (!a->real) {
		struct po_aws_conf c = {
			.region = a->region, .profile = a->profile, .access_key = a->access_key,
			.secret_key = a->secret_key, .ssm_endpoint = a->ssm_endpoint,
			.imds_endpoint = a->imds_endpoint, .wall_ms = a->wall_ms,
			.wall_ctx = a->wall_ctx,
		};
		if (m->aws_new(&c, &a->real, err) < 0)
			m = NULL;
	}
	pthread_mutex_unlock(&a->mu);
	return m;
}

int po_aws_credentials(struct po_aws *a, struct po_aws_creds *out, struct playout_error *err)
{
	const struct po_net_module *m = aws_net(a, err);
	return m ? m->aws_credentials(a->real, out, err) : PLAYOUT_EUNAVAIL;
}

int po_aws_reload_keys(struct po_aws *a, int *changed, struct playout_error *err)
{
	*changed = 0;
	const struct po_net_module *m = aws_net(a, err);
	return m ? m->aws_reload_keys(a->real, changed, err) : PLAYOUT_EUNAVAIL;
}

void po_aws_region(struct po_aws *a, char *out, size_t n)
{
	struct playout_error err = {0};
	const struct po_net_module *m = aws_net(a, &err);
	if (m)
		m->aws_region(a->real, out, n);
	else
		snprintf(out, n, "%s", a->region ? a->region : "");
}

int po_aws_http(struct po_aws *a, const struct playout_http_request *req,
		struct playout_http_response *resp, struct playout_error *err)
{
	memset(resp, 0, sizeof *resp);
	const struct po_net_module *m = aws_net(a, err);
	return m ? m->aws_http(a->real, req, resp, err) : PLAYOUT_EUNAVAIL;
}

int po_aws_imds_get(struct po_aws *a, const char *path, char **value, struct playout_error *err)
{
	*value = NULL;
	const struct po_net_module *m = aws_net(a, err);
	return m ? m->aws_imds_get(a->real, path, value, err) : PLAYOUT_EUNAVAIL;
}

int po_aws_ssm_get(struct po_aws *a, const char *name, char **value, struct playout_error *err)
{
	*value = NULL;
	const struct po_net_module *m = aws_net(a, err);
	return m ? m->aws_ssm_get(a->real, name, value, err) : PLAYOUT_EUNAVAIL;
}

int po_aws_ssm_put(struct po_aws *a, const char *name, const char *value,
		   struct playout_error *err)
{
	const struct po_net_module *m = aws_net(a, err);
	return m ? m->aws_ssm_put(a->real, name, value, err) : PLAYOUT_EUNAVAIL;
}
