/*
 * The network module's one exported symbol: the table core/net_load.c looks
 * up in net.so. Each entry is the module's own http.c, aws.c or net_gcal.c
 * function; the AWS context crosses as the opaque struct po_net_aws.
 */
#include "net_module.h"

/* The core never looks inside a struct po_net_aws: it is this module's
 * struct po_aws under another name, so the casts below are the whole
 * adapter. */
static struct po_aws *real(struct po_net_aws *a)
{
	return (struct po_aws *)a;
}

static int aws_new(const struct po_aws_conf *c, struct po_net_aws **out, struct playout_error *err)
{
	struct po_aws *a = NULL;
	int rc = po_aws_new(c, &a, err);
	*out = (struct po_net_aws *)a;
	return rc;
}

static void aws_free(struct po_net_aws *a)
{
	po_aws_free(real(a));
}

static int aws_credentials(struct po_net_aws *a, struct po_aws_creds *out, struct playout_error *err)
{
	return po_aws_credentials(real(a), out, err);
}

static int aws_reload_keys(struct po_net_aws *a, int *changed, struct playout_error *err)
{
	return po_aws_reload_keys(real(a), changed, err);
}

static void aws_region(struct po_net_aws *a, char *out, size_t n)
{
	po_aws_region(real(a), out, n);
}

static int aws_http(struct po_net_aws *a, const struct playout_http_request *req,
		    struct playout_http_response *resp, struct playout_error *err)
{
	return po_aws_http(real(a), req, resp, err);
}

static int aws_imds_get(struct po_net_aws *a, const char *path, char **value,
			struct playout_error *err)
{
	return po_aws_imds_get(real(a), path, value, err);
}

static int aws_ssm_get(struct po_net_aws *a, const char *name, char **value,
		       struct playout_error *err)
{
	return po_aws_ssm_get(real(a), name, value, err);
}

static int aws_ssm_put(struct po_net_aws *a, const char *name, const char *value,
		       struct playout_error *err)
{
	return po_aws_ssm_put(real(a), name, value, err);
}

const struct po_net_module po_net_module = {
	.version = PO_NET_MODULE_VERSION,
	.size = sizeof (struct po_net_module),
	.global_init = po_http_global_init,
	.http_abort_all = po_http_abort_all,
	.http_exchange = po_http_exchange,
	.aws_new = aws_new,
	.aws_free = aws_free,
	.aws_credentials = aws_credentials,
	.aws_reload_keys = aws_reload_keys,
	.aws_region = aws_region,
	.aws_http = aws_http,
	.aws_imds_get = aws_imds_get,
	.aws_ssm_get = aws_ssm_get,
	.aws_ssm_put = aws_ssm_put,
	.gcal_auth_run = po_gcal_auth_run,
};
