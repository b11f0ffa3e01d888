/*
 * The AWS context of a runtime: region, the credential chain (config,
 * environment, shared credentials file, EC2 instance role over IMDSv2),
 * instance metadata, and SSM parameters as secrets. Signing itself is
 * core/http.c's; this file decides which keys it signs with.
 * aws.c lives in the network module (net.so): the core's struct po_aws
 * (core/net_api.c) keeps the settings and creates the module's context on
 * the first call that needs the network. po_aws_conf_from is aws_conf.c's.
 */
#ifndef PO_AWS_H
#define PO_AWS_H

#include <stdint.h>

#include <libconfig.h>
#include <playout/plugin.h>

struct po_aws;

/* Settings; every string borrowed for the po_aws_new call only (copied).
 * NULL fields fall back as documented on each. */
struct po_aws_conf {
	const char *region;        /* NULL: $AWS_REGION, $AWS_DEFAULT_REGION, IMDS, "us-east-1" */
	const char *profile;       /* NULL: $AWS_PROFILE, "default" */
	const char *access_key;    /* secret references (literal, file:, env:); */
	const char *secret_key;    /*   both or neither */
	const char *ssm_endpoint;  /* NULL: https://ssm.<region>.amazonaws.com/ */
	const char *imds_endpoint; /* NULL: $AWS_EC2_METADATA_SERVICE_ENDPOINT, http://169.254.169.254 */
	/* Real UTC ms for credential expiry (tests fake it); NULL: the system clock. */
	int64_t (*wall_ms)(void *ctx);
	void *wall_ctx;
};

/* Fill c from the config's "aws" group (may be NULL: all defaults). The
 * strings are borrowed from the libconfig tree. */
void po_aws_conf_from(const config_setting_t *group, struct po_aws_conf *c);

/* Nothing touches the network here: region and credentials are looked up
 * on first use. *out freed with po_aws_free. */
int po_aws_new(const struct po_aws_conf *c, struct po_aws **out, struct playout_error *err);
void po_aws_free(struct po_aws *a); /* NULL is a no-op */

/* Credentials of the chain, cached; refreshed 5 minutes before they expire.
 * Caller-owned copy: wipe it (explicit_bzero) when done. */
struct po_aws_creds {
	char access_key[128];
	char secret_key[128];
	char session_token[4096]; /* "" for long-term keys */
	int64_t expires_ms;       /* 0: does not expire */
	char source[64];          /* "config", "environment", "profile default", "instance role x" */
};

/* PLAYOUT_EAUTH with every source tried and why each failed. Thread-safe. */
int po_aws_credentials(struct po_aws *a, struct po_aws_creds *out, struct playout_error *err);

/* SIGHUP: read the config's access_key/secret_key references again and
 * use them from now on. 0 when the config names no keys, 1 when read again
 * (*changed: they differ from the keys in use), PLAYOUT_ECONFIG when they
 * cannot be read (the keys in use stay; err names the reason, never a
 * value). Thread-safe. */
int po_aws_reload_keys(struct po_aws *a, int *changed, struct playout_error *err);

/* The region in use (copied into out). Thread-safe. */
void po_aws_region(struct po_aws *a, char *out, size_t n);

/* host->http: po_http_exchange, signed with the chain's credentials when
 * req->aws_service is set (region: req->aws_region or the context's).
 * Thread-safe. */
int po_aws_http(struct po_aws *a, const struct playout_http_request *req,
		struct playout_http_response *resp, struct playout_error *err);

/* host->instance_metadata: IMDSv2 GET of /latest/<path> with a cached
 * token. *value malloc'd (caller frees). ENOTFOUND off EC2 or for a missing
 * path (1 s connect timeout, no retries). Thread-safe. */
int po_aws_imds_get(struct po_aws *a, const char *path, char **value, struct playout_error *err);

/* SSM Parameter Store. name starts with "/" (the part after "ssm:").
 * get: *value malloc'd; caller frees with po_secret_free. ENOTFOUND when no
 * such parameter, EAUTH when refused. put: SecureString, Overwrite. Values
 * never reach a log or a message. Thread-safe. */
int po_aws_ssm_get(struct po_aws *a, const char *name, char **value, struct playout_error *err);
int po_aws_ssm_put(struct po_aws *a, const char *name, const char *value,
		   struct playout_error *err);

#endif
