/*
 * The network module (net.so) as the core sees it: one table of function
 * pointers, exported as the symbol po_net_module. The module holds libcurl,
 * OpenSSL and json-c so that a command that touches no network never loads
 * them (doc/design.md §2). The core calls it only through core/net_api.c
 * (http.h, aws.h, net_gcal.h), which loads it on first use (core/net_load.c).
 */
#ifndef PO_NET_MODULE_H
#define PO_NET_MODULE_H

#include <stddef.h>

#include <playout/plugin.h>

#include "aws.h"
#include "http.h"
#include "net_gcal.h"

/* Bumped whenever a member below changes; the core refuses any other. */
#define PO_NET_MODULE_VERSION 1
#define PO_NET_MODULE_SYMBOL "po_net_module"

/* The module's AWS context (its struct po_aws), opaque to the core. */
struct po_net_aws;

/* Each member has the contract of the function of the same name in http.h,
 * aws.h or net_gcal.h. */
struct po_net_module {
	unsigned version; /* PO_NET_MODULE_VERSION */
	size_t size;      /* sizeof (struct po_net_module) of the module's build */

	/* libcurl's global state: once, when the module loads, before any
	 * other member is called; never undone (the module stays resident). */
	int (*global_init)(struct playout_error *err);

	void (*http_abort_all)(int on);
	int (*http_exchange)(const struct playout_http_request *req, const struct po_http_sign *sign,
			     const struct po_http_opts *opts, struct playout_http_response *resp,
			     struct playout_error *err);

	int (*aws_new)(const struct po_aws_conf *c, struct po_net_aws **out,
		       struct playout_error *err);
	void (*aws_free)(struct po_net_aws *a);
	int (*aws_credentials)(struct po_net_aws *a, struct po_aws_creds *out,
			       struct playout_error *err);
	int (*aws_reload_keys)(struct po_net_aws *a, int *changed, struct playout_error *err);
	void (*aws_region)(struct po_net_aws *a, char *out, size_t n);
	int (*aws_http)(struct po_net_aws *a, const struct playout_http_request *req,
			struct playout_http_response *resp, struct playout_error *err);
	int (*aws_imds_get)(struct po_net_aws *a, const char *path, char **value,
			    struct playout_error *err);
	int (*aws_ssm_get)(struct po_net_aws *a, const char *name, char **value,
			   struct playout_error *err);
	int (*aws_ssm_put)(struct po_net_aws *a, const char *name, const char *value,
			   struct playout_error *err);

	int (*gcal_auth_run)(const struct po_gcal_auth *a);
};

#endif
