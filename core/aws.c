/*
 * Which AWS keys and region the core signs with, where they come from
 * (config, environment, shared credentials file, EC2 instance role), and the
 * two AWS calls the core itself makes: instance metadata and SSM parameters.
 */
#include "aws.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <playout/util.h>

#include "http.h"
#include "secret.h"

#define IMDS_DEFAULT "http://169.254.169.254"
#define IMDS_TOKEN_TTL_S 21600
#define IMDS_CONNECT_MS 1000
#define IMDS_TIMEOUT_S 2
#define CREDS_REFRESH_MS (5 * 60 * 1000)
#define WHY_MAX 96

struct po_aws {
	pthread_mutex_t mu;          /* guards everything below that changes */
	char *region_conf, *profile, *access_ref, *secret_ref, *ssm_endpoint, *imds_endpoint;
	int64_t (*wall_ms)(void *ctx);
	void *wall_ctx;
	char region[64];             /* "" until resolved */
	struct po_aws_creds creds;
	int have_creds;
	char imds_token[512];
	int64_t imds_token_until_ms;
};

static int64_t real_wall_ms(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall(const struct po_aws *a)
{
	return a->wall_ms(a->wall_ctx);
}

static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
}

static int dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (!nz(s))
		return 0;
	*out = strdup(s);
	return *out ? 0 : -1;
}

void po_aws_free(struct po_aws *a)
{
	if (!a)
		return;
	pthread_mutex_destroy(&a->mu);
	free(a->region_conf);
	free(a->profile);
	free(a->access_ref);
	free(a->secret_ref);
	free(a->ssm_endpoint);
	free(a->imds_endpoint);
	explicit_bzero(a, sizeof *a);
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
	const char *imds = nz(c->imds_endpoint) ? c->imds_endpoint
						 : nz(getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT"));
	if (dup_opt(c->region, &a->region_conf) < 0 || dup_opt(c->profile, &a->profile) < 0 ||
	    dup_opt(c->access_key, &a->access_ref) < 0 ||
	    dup_opt(c->secret_key, &a->secret_ref) < 0 ||
	    dup_opt(c->ssm_endpoint, &a->ssm_endpoint) < 0 ||
	    dup_opt(imds ? imds : IMDS_DEFAULT, &a->imds_endpoint) < 0) {
		po_aws_free(a);
		return playout_error_set(err, PLAYOUT_ENOMEM, "aws: out of memory");
	}
	/* "http://host/" and "http://host" both work: drop trailing slashes. */
	for (size_t n = strlen(a->imds_endpoint); n > 0 && a->imds_endpoint[n - 1] == '/';)
		a->imds_endpoint[--n] = '\0';
	a->wall_ms = c->wall_ms ? c->wall_ms : real_wall_ms;
	a->wall_ctx = c->wall_ctx;
	*out = a;
	return PLAYOUT_OK;
}

/* ---- instance metadata (IMDSv2) --------------------------------------- */

static int imds_exchange(struct po_aws *a, const char *method, const char *path,
			 const char *header, struct playout_http_response *resp,
			 struct playout_error *err)
{
	char url[1024];
	const char *hdrs[] = {header, NULL};
	snprintf(url, sizeof url, "%s/latest/%s", a->imds_endpoint, path);
	struct playout_http_request req = {
		.method = method, .url = url, .headers = hdrs, .timeout_s = IMDS_TIMEOUT_S,
		.max_retries = -1,
	};
	if (strcmp(method, "PUT") == 0) {
		req.body = "";
		req.body_len = 0;
	}
	struct po_http_opts opts = {.connect_timeout_ms = IMDS_CONNECT_MS};
	struct playout_error e = {0};
	int rc = po_http_exchange(&req, NULL, &opts, resp, &e);
	if (rc < 0) {
		/* Keep curl's words only: "Connection refused", "timed out after..." */
		size_t skip = strlen(method) + 1 + strlen(url) + 2;
		const char *why = strlen(e.msg) > skip ? e.msg + skip : e.msg;
		size_t n = strcspn(why, "(");
		while (n > 0 && why[n - 1] == ' ')
			n--;
		return playout_error_set(err, PLAYOUT_ENOTFOUND, "IMDS %s: %.*s (not on EC2?)",
					 a->imds_endpoint, (int)(n < 120 ? n : 120), why);
	}
	return PLAYOUT_OK;
}

/* Caller holds a->mu. */
static int imds_token_locked(struct po_aws *a, struct playout_error *err)
{
	if (a->imds_token[0] && wall(a) < a->imds_token_until_ms)
		return PLAYOUT_OK;
	char ttl[64];
	snprintf(ttl, sizeof ttl, "X-aws-ec2-metadata-token-ttl-seconds: %d", IMDS_TOKEN_TTL_S);
	struct playout_http_response r;
	int64_t asked = wall(a);
	int rc = imds_exchange(a, "PUT", "api/token", ttl, &r, err);
	if (rc < 0)
		return rc;
	if (r.status != 200 || r.body_len == 0 || r.body_len >= sizeof a->imds_token) {
		rc = playout_error_set(err, PLAYOUT_ENOTFOUND, "IMDS %s: token request: HTTP %ld",
				       a->imds_endpoint, r.status);
	} else {
		memcpy(a->imds_token, r.body, r.body_len + 1);
		/* A minute early, so a token never dies in flight. */
		a->imds_token_until_ms = asked + (IMDS_TOKEN_TTL_S - 60) * 1000LL;
	}
	playout_http_response_free(&r);
	return rc;
}

static int imds_get_locked(struct po_aws *a, const char *path, char **value,
			   struct playout_error *err)
{
	*value = NULL;
	for (int round = 0; round < 2; round++) {
		int rc = imds_token_locked(a, err);
		if (rc < 0)
			return rc;
		char hdr[600];
		snprintf(hdr, sizeof hdr, "X-aws-ec2-metadata-token: %s", a->imds_token);
		struct playout_http_response r;
		rc = imds_exchange(a, "GET", path, hdr, &r, err);
		if (rc < 0)
			return rc;
		long status = r.status;
		if (status == 200) {
			*value = r.body; /* handed over */
			r.body = NULL;
			playout_http_response_free(&r);
			return PLAYOUT_OK;
		}
		playout_http_response_free(&r);
		if (status == 401 && round == 0) {
			a->imds_token[0] = '\0'; /* expired or revoked: get a new one */
			continue;
		}
		if (status == 404)
			return playout_error_set(err, PLAYOUT_ENOTFOUND, "IMDS %s: no %s",
						 a->imds_endpoint, path);
		return playout_error_set(err, PLAYOUT_EPROTO, "IMDS %s: GET %s: HTTP %ld",
					 a->imds_endpoint, path, status);
	}
	return playout_error_set(err, PLAYOUT_EAUTH, "IMDS %s: token refused", a->imds_endpoint);
}

int po_aws_imds_get(struct po_aws *a, const char *path, char **value, struct playout_error *err)
{
	pthread_mutex_lock(&a->mu);
	int rc = imds_get_locked(a, path, value, err);
	pthread_mutex_unlock(&a->mu);
	return rc;
}

/* ---- region ------------------------------------------------------------ */

static void region_locked(struct po_aws *a)
{
	if (a->region[0])
		return;
	const char *r = a->region_conf;
	if (!r)
		r = nz(getenv("AWS_REGION"));
	if (!r)
		r = nz(getenv("AWS_DEFAULT_REGION"));
	char *from_imds = NULL;
	if (!r && imds_get_locked(a, "meta-data/placement/region", &from_imds, NULL) == 0)
		r = from_imds;
	snprintf(a->region, sizeof a->region, "%s", r && *r ? r : "us-east-1");
	free(from_imds);
}

void po_aws_region(struct po_aws *a, char *out, size_t n)
{
	pthread_mutex_lock(&a->mu);
	region_locked(a);
	snprintf(out, n, "%s", a->region);
	pthread_mutex_unlock(&a->mu);
}

/* ---- the credential chain ---------------------------------------------- */

static int set_creds(struct po_aws_creds *c, const char *key, const char *secret,
		     const char *token, const char *source)
{
	memset(c, 0, sizeof *c);
	if (strlen(key) >= sizeof c->access_key || strlen(secret) >= sizeof c->secret_key ||
	    (token && strlen(token) >= sizeof c->session_token))
		return -1;
	strcpy(c->access_key, key);
	strcpy(c->secret_key, secret);
	if (token)
		strcpy(c->session_token, token);
	snprintf(c->source, sizeof c->source, "%s", source);
	return 0;
}

static int from_config(struct po_aws *a, struct po_aws_creds *c, char *why)
{
	if (!a->access_ref || !a->secret_ref) {
		snprintf(why, WHY_MAX, "not set");
		return -1;
	}
	char *k = NULL, *s = NULL;
	struct playout_error e = {0};
	int rc = -1;
	if (po_secret_resolve(a->access_ref, &k, &e) < 0 ||
	    po_secret_resolve(a->secret_ref, &s, &e) < 0)
		snprintf(why, WHY_MAX, "%.95s", e.msg);
	else if (set_creds(c, k, s, NULL, "config") < 0)
		snprintf(why, WHY_MAX, "value too long");
	else
		rc = 0;
	po_secret_free(k);
	po_secret_free(s);
	return rc;
}

static int from_env(struct po_aws_creds *c, char *why)
{
	const char *k = nz(getenv("AWS_ACCESS_KEY_ID"));
	const char *s = nz(getenv("AWS_SECRET_ACCESS_KEY"));
	if (!k || !s) {
		snprintf(why, WHY_MAX, "%s not set",
			 !k ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY");
		return -1;
	}
	if (set_creds(c, k, s, nz(getenv("AWS_SESSION_TOKEN")), "environment") < 0) {
		snprintf(why, WHY_MAX, "value too long");
		return -1;
	}
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* The [profile] section of an INI credentials file. */
static int from_file(struct po_aws *a, struct po_aws_creds *c, char *path, size_t pathlen,
		     char *why)
{
	const char *f = nz(getenv("AWS_SHARED_CREDENTIALS_FILE"));
	const char *home = nz(getenv("HOME"));
	if (f)
		snprintf(path, pathlen, "%s", f);
	else
		snprintf(path, pathlen, "%s/.aws/credentials", home ? home : "");
	const char *profile = a->profile ? a->profile : nz(getenv("AWS_PROFILE"));
	if (!profile)
		profile = "default";
	FILE *fp = fopen(path, "re");
	if (!fp) {
		snprintf(why, WHY_MAX, "%s", errno == ENOENT ? "no such file" : strerror(errno));
		return -1;
	}
	char line[4096], key[256] = "", secret[256] = "", token[4096] = "";
	int in = 0, seen = 0;
	while (fgets(line, sizeof line, fp)) {
		char *l = trim(line);
		if (!*l || *l == '#' || *l == ';')
			continue;
		if (*l == '[') {
			char *end = strchr(l, ']');
			if (end)
				*end = '\0';
			in = strcmp(trim(l + 1), profile) == 0;
			seen |= in;
			continue;
		}
		char *eq = strchr(l, '=');
		if (!in || !eq)
			continue;
		*eq = '\0';
		char *k = trim(l), *v = trim(eq + 1);
		if (strcmp(k, "aws_access_key_id") == 0)
			snprintf(key, sizeof key, "%s", v);
		else if (strcmp(k, "aws_secret_access_key") == 0)
			snprintf(secret, sizeof secret, "%s", v);
		else if (strcmp(k, "aws_session_token") == 0)
			snprintf(token, sizeof token, "%s", v);
	}
	explicit_bzero(line, sizeof line);
	fclose(fp);
	int rc = -1;
	char source[64];
	snprintf(source, sizeof source, "profile %s", profile);
	if (!seen)
		snprintf(why, WHY_MAX, "no profile [%s]", profile);
	else if (!key[0] || !secret[0])
		snprintf(why, WHY_MAX, "profile [%s] lacks aws_access_key_id or aws_secret_access_key",
			 profile);
	else if (set_creds(c, key, secret, token[0] ? token : NULL, source) < 0)
		snprintf(why, WHY_MAX, "value too long");
	else
		rc = 0;
	explicit_bzero(secret, sizeof secret);
	explicit_bzero(token, sizeof token);
	return rc;
}

static const char *json_str(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int from_role(struct po_aws *a, struct po_aws_creds *c, char *why)
{
	struct playout_error e = {0};
	char *role = NULL, *doc = NULL;
	int rc = -1;
	if (imds_get_locked(a, "meta-data/iam/security-credentials/", &role, &e) < 0) {
		snprintf(why, WHY_MAX, "%.95s", e.msg);
		return -1;
	}
	role[strcspn(role, "\r\n")] = '\0';
	char path[512];
	snprintf(path, sizeof path, "meta-data/iam/security-credentials/%s", role);
	if (!role[0]) {
		snprintf(why, WHY_MAX, "no role attached to the instance");
		goto out;
	}
	if (imds_get_locked(a, path, &doc, &e) < 0) {
		snprintf(why, WHY_MAX, "%.95s", e.msg);
		goto out;
	}
	struct json_object *j = json_tokener_parse(doc);
	const char *k = json_str(j, "AccessKeyId"), *s = json_str(j, "SecretAccessKey");
	const char *t = json_str(j, "Token"), *x = json_str(j, "Expiration");
	char source[64];
	snprintf(source, sizeof source, "instance role %.40s", role);
	if (!k || !s || !t)
		snprintf(why, WHY_MAX, "role %.40s: credentials document unreadable", role);
	else if (set_creds(c, k, s, t, source) < 0)
		snprintf(why, WHY_MAX, "role %.40s: value too long", role);
	else {
		/* "2026-03-29T01:00:00Z"; 0 when unreadable */
		if (playout_time_parse(x, NULL, &c->expires_ms) != PLAYOUT_OK)
			c->expires_ms = 0;
		rc = 0;
	}
	json_object_put(j);
	explicit_bzero(doc, strlen(doc));
out:
	free(doc);
	free(role);
	return rc;
}

static int creds_fresh(const struct po_aws *a)
{
	return a->have_creds &&
	       (a->creds.expires_ms == 0 || wall(a) < a->creds.expires_ms - CREDS_REFRESH_MS);
}

static int creds_locked(struct po_aws *a, struct playout_error *err)
{
	if (creds_fresh(a))
		return PLAYOUT_OK;
	a->have_creds = 0;
	char w_conf[WHY_MAX], w_env[WHY_MAX], w_file[WHY_MAX], w_role[WHY_MAX], path[512];
	struct po_aws_creds *c = &a->creds;
	if (from_config(a, c, w_conf) == 0 || from_env(c, w_env) == 0 ||
	    from_file(a, c, path, sizeof path, w_file) == 0 || from_role(a, c, w_role) == 0) {
		a->have_creds = 1;
		return PLAYOUT_OK;
	}
	explicit_bzero(c, sizeof *c);
	return playout_error_set(err, PLAYOUT_EAUTH,
				 "no AWS credentials: tried config aws.access_key (%s), "
				 "environment (%s), %s (%s), instance role (%s)",
				 w_conf, w_env, path, w_file, w_role);
}

int po_aws_credentials(struct po_aws *a, struct po_aws_creds *out, struct playout_error *err)
{
	pthread_mutex_lock(&a->mu);
	int rc = creds_locked(a, err);
	if (rc == 0)
		*out = a->creds;
	pthread_mutex_unlock(&a->mu);
	return rc;
}

/* SIGHUP: the keys of the aws group may name a file whose content changed.
 * Read outside the lock (files only; never the network), swap under it. */
int po_aws_reload_keys(struct po_aws *a, int *changed, struct playout_error *err)
{
	struct po_aws_creds c;
	char why[WHY_MAX];
	*changed = 0;
	if (!a->access_ref || !a->secret_ref)
		return 0;
	if (from_config(a, &c, why) < 0) {
		explicit_bzero(&c, sizeof c);
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "aws access_key/secret_key: cannot read them again, keeping "
					 "the keys in use: %s", why);
	}
	pthread_mutex_lock(&a->mu);
	/* Config keys come first in the chain: they replace whatever it found. */
	*changed = a->have_creds && (strcmp(a->creds.source, c.source) != 0 ||
				     strcmp(a->creds.access_key, c.access_key) != 0 ||
				     strcmp(a->creds.secret_key, c.secret_key) != 0);
	a->creds = c;
	a->have_creds = 1;
	pthread_mutex_unlock(&a->mu);
	explicit_bzero(&c, sizeof c);
	return 1;
}

/* ---- signed exchanges -------------------------------------------------- */

int po_aws_http(struct po_aws *a, const struct playout_http_request *req,
		struct playout_http_response *resp, struct playout_error *err)
{
	if (!req->aws_service)
		return po_http_exchange(req, NULL, NULL, resp, err);
	struct po_aws_creds c;
	char region[64];
	memset(resp, 0, sizeof *resp);
	int rc = po_aws_credentials(a, &c, err);
	if (rc < 0)
		return rc;
	if (req->aws_region && *req->aws_region)
		snprintf(region, sizeof region, "%s", req->aws_region);
	else
		po_aws_region(a, region, sizeof region);
	struct po_http_sign s = {
		.region = region, .service = req->aws_service, .access_key = c.access_key,
		.secret_key = c.secret_key, .session_token = c.session_token,
	};
	rc = po_http_exchange(req, &s, NULL, resp, err);
	explicit_bzero(&c, sizeof c);
	return rc;
}

/* ---- SSM Parameter Store ----------------------------------------------- */

/* One SSM JSON call; *reply parsed (caller puts it) whatever the status. */
static int ssm_call(struct po_aws *a, const char *target, struct json_object *in,
		    const char *name, long *status, struct json_object **reply,
		    struct playout_error *err)
{
	char url[512], region[64], tgt[128];
	*reply = NULL;
	po_aws_region(a, region, sizeof region);
	if (a->ssm_endpoint)
		snprintf(url, sizeof url, "%s", a->ssm_endpoint);
	else
		snprintf(url, sizeof url, "https://ssm.%s.amazonaws.com/", region);
	snprintf(tgt, sizeof tgt, "X-Amz-Target: AmazonSSM.%s", target);
	const char *hdrs[] = {tgt, "Content-Type: application/x-amz-json-1.1", NULL};
	const char *body = json_object_to_json_string_ext(in, JSON_C_TO_STRING_PLAIN);
	struct playout_http_request req = {
		.method = "POST", .url = url, .headers = hdrs, .body = body,
		.body_len = strlen(body), .aws_service = "ssm", .aws_region = region,
	};
	struct playout_http_response r;
	struct playout_error e = {0};
	int rc = po_aws_http(a, &req, &r, &e);
	explicit_bzero((char *)body, strlen(body)); /* may hold a value (PutParameter) */
	if (rc < 0)
		return playout_error_set(err, rc, "ssm:%s: %s", name, e.msg);
	*status = r.status;
	*reply = json_tokener_parse(r.body);
	explicit_bzero(r.body, r.body_len);
	playout_http_response_free(&r);
	if (!*reply)
		return playout_error_set(err, PLAYOUT_EPROTO, "ssm:%s: %s: HTTP %ld, not JSON",
					 name, url, *status);
	return PLAYOUT_OK;
}

static int ssm_error(struct json_object *reply, long status, const char *name,
		     const char *action, struct playout_error *err)
{
	const char *type = json_str(reply, "__type");
	const char *msg = json_str(reply, "message");
	if (!msg)
		msg = json_str(reply, "Message");
	if (!type)
		type = "";
	if (strstr(type, "ParameterNotFound"))
		return playout_error_set(err, PLAYOUT_ENOTFOUND, "ssm:%s: no such parameter", name);
	if (strstr(type, "AccessDenied"))
		return playout_error_set(err, PLAYOUT_EAUTH,
					 "ssm:%s: access denied (allow ssm:%s%s on this parameter "
					 "to the instance role or user)",
					 name, action,
					 strcmp(action, "GetParameter") == 0 ? " and kms:Decrypt" : "");
	if (strstr(type, "UnrecognizedClient") || strstr(type, "InvalidSignature") ||
	    strstr(type, "IncompleteSignature") || strstr(type, "MissingAuthentication"))
		return playout_error_set(err, PLAYOUT_EAUTH, "ssm:%s: credentials refused: %.40s%s%.80s",
					 name, type, msg ? ": " : "", msg ? msg : "");
	return playout_error_set(err, status >= 500 ? PLAYOUT_EUNAVAIL : PLAYOUT_EPROTO,
				 "ssm:%s: %s: HTTP %ld %.60s%s%.80s", name, action, status,
				 type[0] ? type : "", msg ? " " : "", msg ? msg : "");
}

int po_aws_ssm_get(struct po_aws *a, const char *name, char **value, struct playout_error *err)
{
	*value = NULL;
	if (!name || name[0] == '\0')
		return playout_error_set(err, PLAYOUT_ECONFIG, "ssm: no parameter name after \"ssm:\"");
	struct json_object *in = json_object_new_object();
	if (!in)
		return playout_error_set(err, PLAYOUT_ENOMEM, "ssm:%s: out of memory", name);
	json_object_object_add(in, "Name", json_object_new_string(name));
	json_object_object_add(in, "WithDecryption", json_object_new_boolean(1));
	long status = 0;
	struct json_object *reply = NULL;
	int rc = ssm_call(a, "GetParameter", in, name, &status, &reply, err);
	json_object_put(in);
	if (rc < 0)
		return rc;
	if (status == 200) {
		struct json_object *p = NULL;
		json_object_object_get_ex(reply, "Parameter", &p);
		const char *v = json_str(p, "Value");
		if (!v)
			rc = playout_error_set(err, PLAYOUT_EPROTO, "ssm:%s: answer without Parameter.Value",
					       name);
		else if (!(*value = strdup(v)))
			rc = playout_error_set(err, PLAYOUT_ENOMEM, "ssm:%s: out of memory", name);
		if (v)
			explicit_bzero((char *)v, strlen(v));
	} else {
		rc = ssm_error(reply, status, name, "GetParameter", err);
	}
	json_object_put(reply);
	return rc;
}

int po_aws_ssm_put(struct po_aws *a, const char *name, const char *value,
		   struct playout_error *err)
{
	if (!name || name[0] == '\0')
		return playout_error_set(err, PLAYOUT_EINVAL, "ssm: no parameter name after \"ssm:\"");
	struct json_object *in = json_object_new_object();
	if (!in)
		return playout_error_set(err, PLAYOUT_ENOMEM, "ssm:%s: out of memory", name);
	json_object_object_add(in, "Name", json_object_new_string(name));
	json_object_object_add(in, "Value", json_object_new_string(value));
	json_object_object_add(in, "Type", json_object_new_string("SecureString"));
	json_object_object_add(in, "Overwrite", json_object_new_boolean(1));
	long status = 0;
	struct json_object *reply = NULL;
	int rc = ssm_call(a, "PutParameter", in, name, &status, &reply, err);
	struct json_object *v = NULL;
	if (json_object_object_get_ex(in, "Value", &v))
		explicit_bzero((char *)json_object_get_string(v), strlen(value));
	json_object_put(in);
	if (rc < 0)
		return rc;
	if (status != 200)
		rc = ssm_error(reply, status, name, "PutParameter", err);
	json_object_put(reply);
	return rc;
}
