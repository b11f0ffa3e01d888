/*
 * gcal: a schedule read from a Google Calendar (API v3 events.list), with
 * OAuth2 from an installed-app credentials.json + authorized-user token.json
 * (refreshed and written back) or a service-account key (JWT RS256).
 * Not for the consent flow that creates token.json: see core/ctl_gcal.c.
 */
#include <playout/plugin.h>

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <playout/util.h>
#include "gcal_event.h"
#include "gcal_json.h"

#define GCAL_DEFAULT_ENDPOINT "https://www.googleapis.com/calendar/v3"
#define GCAL_DEFAULT_TOKEN_ENDPOINT "https://oauth2.googleapis.com/token"
#define GCAL_SCOPE "https://www.googleapis.com/auth/calendar.readonly"
#define GCAL_MAX_PAGES 100       /* 25 000 events: far past any horizon */
#define GCAL_EXPIRY_MARGIN_MS 60000 /* refresh a minute before the token ends */
#define GCAL_MAX_WARNED 4096     /* event ids remembered for warn-once */

enum gcal_cred { GCAL_INSTALLED, GCAL_SERVICE };

struct gcal_inst {
	const struct playout_host *host;
	char *calendar_id;
	char *endpoint;          /* no trailing slash */
	char *token_endpoint;
	char *subject;           /* NULL: no delegation */
	char *token_ref;         /* the configured reference (never its value), or NULL */
	char *credentials_ref;   /* likewise */
	int token_endpoint_set;  /* configured, not the credentials' token_uri */
	/* SHA-256 of the values last taken from the references: a fetch that
	 * sees another value (after a SIGHUP) takes the new one. */
	unsigned char creds_seen[32], token_seen[32];
	int timeout_s;
	int retries;
	int cred;                /* enum gcal_cred */
	char *client_id, *client_secret;     /* installed */
	char *sa_email, *sa_key;             /* service account (PEM) */
	struct json_object *token_doc;       /* installed: the token.json being kept */
	char *access_token;                  /* NULL until we have one */
	int64_t expiry_ms;                   /* wall clock; 0: unknown (assume valid) */
	int store_warned;                    /* secret_store failure logged once */
	char **warned;                       /* event ids already reported */
	size_t nwarned;
};

/* ---- small helpers ------------------------------------------------------- */

static void gcal_digest(const char *s, unsigned char md[32])
{
	unsigned int n = 32;
	if (EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL) != 1)
		memset(md, 0, 32); /* then the next look sees a "change" and reads it again */
}

static void gcal_wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static char *gcal_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

/* Warn about an event once per id for the life of the instance. */
static void gcal_warn_event(struct gcal_inst *gi, const char *id, const char *why)
{
	for (size_t i = 0; i < gi->nwarned; i++)
		if (strcmp(gi->warned[i], id) == 0)
			return;
	if (gi->nwarned < GCAL_MAX_WARNED) {
		char **v = realloc(gi->warned, (gi->nwarned + 1) * sizeof *v);
		char *c = gcal_strdup(id);
		if (v)
			gi->warned = v;
		if (v && c)
			gi->warned[gi->nwarned++] = c;
		else
			free(c);
	}
	gi->host->log(gi->host, PLAYOUT_LOG_WARN, "calendar %s: event %.80s: %s; skipped",
		      gi->calendar_id, id, why);
}

/* One events.list item into out (or skipped, with a warning once). */
static int gcal_event(struct gcal_inst *gi, struct json_object *ev, int64_t from_ms, int64_t to_ms,
		      struct playout_slots *out)
{
	struct playout_slot slot;
	const char *id;
	char why[256];
	int r = gcal_event_read(ev, from_ms, to_ms, &slot, &id, why, sizeof why);

	if (r == GCAL_EVENT_SLOT)
		return playout_slots_push(out, &slot);
	if (r == GCAL_EVENT_BAD)
		gcal_warn_event(gi, id, why);
	return r < 0 ? r : PLAYOUT_OK;
}

/* ---- HTTP and tokens -------------------------------------------------------- */

/* Google's error text: {"error":{"message":..}} or {"error":"x","error_description":..}. */
static void gcal_error_text(const struct playout_http_response *r, char *buf, size_t n)
{
	struct json_object *o = gcal_json_parse(r->body ? r->body : "", r->body_len);
	struct json_object *e;
	const char *msg = NULL, *code = NULL;

	buf[0] = '\0';
	if (o && json_object_object_get_ex(o, "error", &e)) {
		if (json_object_is_type(e, json_type_object)) {
			msg = gcal_json_str(e, "message");
			code = gcal_json_str(e, "status");
		} else if (json_object_is_type(e, json_type_string)) {
			code = json_object_get_string(e);
			msg = gcal_json_str(o, "error_description");
		}
	}
	snprintf(buf, n, "%s%s%.120s", code ? code : "", code && msg ? ": " : "", msg ? msg : "");
	json_object_put(o);
}

/* POST a form to the token endpoint; the JSON answer in *out. */
static int gcal_token_post(struct gcal_inst *gi, const char *form, struct json_object **out,
			   struct playout_error *err)
{
	const char *headers[] = { "Content-Type: application/x-www-form-urlencoded",
				  "Accept: application/json", NULL };
	struct playout_http_request req = {
		.method = "POST", .url = gi->token_endpoint, .headers = headers,
		.body = form, .body_len = strlen(form), .timeout_s = gi->timeout_s,
		.max_retries = gi->retries,
	};
	struct playout_http_response resp = { 0 };
	char why[160];
	int rc = gi->host->http(gi->host, &req, &resp, err);

	*out = NULL;
	if (rc != PLAYOUT_OK) {
		char what[256];
		snprintf(what, sizeof what, "%s", err ? err->msg : "no answer");
		return playout_error_set(err, rc, "token endpoint: %s", what);
	}
	if (resp.status != 200) {
		gcal_error_text(&resp, why, sizeof why);
		rc = resp.status >= 500 || resp.status == 429 ? PLAYOUT_EUNAVAIL : PLAYOUT_EAUTH;
		playout_error_set(err, rc, "token endpoint %s: HTTP %ld %s%s", gi->token_endpoint,
				  resp.status, why,
				  rc == PLAYOUT_EAUTH && gi->cred == GCAL_INSTALLED
					  ? " (run playoutctl gcal-auth for a new token)" : "");
		playout_http_response_free(&resp);
		return rc;
	}
	*out = gcal_json_parse(resp.body, resp.body_len);
	explicit_bzero(resp.body, resp.body_len);
	playout_http_response_free(&resp);
	if (!*out || !gcal_json_str(*out, "access_token"))
		return playout_error_set(err, PLAYOUT_EPROTO,
					 "token endpoint %s: answer has no access_token",
					 gi->token_endpoint);
	return PLAYOUT_OK;
}

/* Take access_token and expires_in from a token answer. */
static int gcal_take_token(struct gcal_inst *gi, struct json_object *ans)
{
	char *tok = gcal_strdup(gcal_json_str(ans, "access_token"));

	if (!tok)
		return PLAYOUT_ENOMEM;
	gcal_wipe_free(gi->access_token);
	gi->access_token = tok;
	gi->expiry_ms = gcal_token_expiry_ms(ans, gi->host->wall_ms(gi->host));
	return PLAYOUT_OK;
}

/* Keep the refreshed token.json: state store, then where it came from. */
static void gcal_token_keep(struct gcal_inst *gi)
{
	const char *json = json_object_to_json_string_ext(gi->token_doc, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE);
	struct playout_error e = { 0 };

	if (gi->host->kv_put(gi->host, "token", json) != PLAYOUT_OK)
		gi->host->log(gi->host, PLAYOUT_LOG_WARN,
			      "cannot keep the refreshed token in the state store");
	if (!gi->token_ref)
		return;
	if (gi->host->secret_store(gi->host, gi->token_ref, json, &e) == PLAYOUT_OK) {
		gcal_digest(json, gi->token_seen); /* our own write is no news */
		gi->host->log(gi->host, PLAYOUT_LOG_INFO, "refreshed token written to %s",
			      strncmp(gi->token_ref, "file:", 5) == 0 ||
					      strncmp(gi->token_ref, "ssm:", 4) == 0
				      ? gi->token_ref : "its reference");
		return;
	}
	if (!gi->store_warned)
		gi->host->log(gi->host, PLAYOUT_LOG_NOTICE,
			      "refreshed token kept in the state store only: %s", e.msg);
	gi->store_warned = 1;
}

static int gcal_refresh_user(struct gcal_inst *gi, struct playout_error *err)
{
	struct playout_buf form = { 0 };
	struct json_object *ans = NULL;
	const char *refresh = gcal_json_str(gi->token_doc, "refresh_token");
	char when[40];
	int rc;

	if (!refresh)
		return playout_error_set(err, PLAYOUT_EAUTH,
					 "token has no refresh_token (run playoutctl gcal-auth)");
	if (playout_buf_param(&form, 1, "grant_type", "refresh_token") ||
	    playout_buf_param(&form, 0, "client_id", gi->client_id) ||
	    playout_buf_param(&form, 0, "client_secret", gi->client_secret) ||
	    playout_buf_param(&form, 0, "refresh_token", refresh)) {
		rc = playout_error_set(err, PLAYOUT_ENOMEM, "token refresh: out of memory");
		goto out;
	}
	rc = gcal_token_post(gi, form.p, &ans, err);
	if (rc != PLAYOUT_OK)
		goto out;
	rc = gcal_take_token(gi, ans);
	if (rc != PLAYOUT_OK)
		goto out;
	/* the same token.json, with the new access token and expiry */
	const char *key = gcal_json_str(gi->token_doc, "access_token") &&
				  !gcal_json_str(gi->token_doc, "token") ? "access_token" : "token";
	json_object_object_add(gi->token_doc, key, json_object_new_string(gi->access_token));
	playout_time_format(gi->expiry_ms, when, sizeof when);
	json_object_object_add(gi->token_doc, "expiry", json_object_new_string(when));
	if (gcal_json_str(ans, "refresh_token"))
		json_object_object_add(gi->token_doc, "refresh_token",
				       json_object_new_string(gcal_json_str(ans, "refresh_token")));
	gcal_token_keep(gi);
out:
	json_object_put(ans);
	if (form.p)
		explicit_bzero(form.p, form.n);
	free(form.p);
	return rc;
}

static char *gcal_b64url(const unsigned char *in, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);
	if (!out)
		return NULL;
	int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	while (len > 0 && out[len - 1] == '=')
		len--;
	out[len] = '\0';
	for (char *c = out; *c; c++)
		*c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
	return out;
}

/* The signed JWT assertion for the service account; *jwt malloc'd. */
static int gcal_jwt(struct gcal_inst *gi, char **jwt, struct playout_error *err)
{
	struct json_object *claims = json_object_new_object();
	struct playout_buf in = { 0 };
	char *h64 = NULL, *c64 = NULL, *s64 = NULL;
	unsigned char *sig = NULL;
	size_t siglen = 0;
	EVP_PKEY *key = NULL;
	EVP_MD_CTX *md = NULL;
	BIO *bio = NULL;
	int rc = PLAYOUT_ENOMEM;
	int64_t iat = gi->host->wall_ms(gi->host) / 1000;
	static const char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";

	*jwt = NULL;
	if (!claims)
		goto out;
	json_object_object_add(claims, "iss", json_object_new_string(gi->sa_email));
	json_object_object_add(claims, "scope", json_object_new_string(GCAL_SCOPE));
	json_object_object_add(claims, "aud", json_object_new_string(gi->token_endpoint));
	json_object_object_add(claims, "iat", json_object_new_int64(iat));
	json_object_object_add(claims, "exp", json_object_new_int64(iat + 3600));
	if (gi->subject)
		json_object_object_add(claims, "sub", json_object_new_string(gi->subject));
	const char *ctext = json_object_to_json_string_ext(claims, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE);
	h64 = gcal_b64url((const unsigned char *)header, sizeof header - 1);
	c64 = gcal_b64url((const unsigned char *)ctext, strlen(ctext));
	if (!h64 || !c64 || playout_buf_str(&in, h64) || playout_buf_str(&in, ".") || playout_buf_str(&in, c64))
		goto out;
	bio = BIO_new_mem_buf(gi->sa_key, -1);
	key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	if (!key) {
		rc = playout_error_set(err, PLAYOUT_ECONFIG,
				       "credentials: private_key is not a PEM private key");
		goto out;
	}
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)in.p, in.n) != 1 ||
	    !(sig = malloc(siglen)) ||
	    EVP_DigestSign(md, sig, &siglen, (const unsigned char *)in.p, in.n) != 1) {
		rc = playout_error_set(err, PLAYOUT_EAUTH, "credentials: cannot sign the JWT with "
				       "the service account key (RS256)");
		goto out;
	}
	s64 = gcal_b64url(sig, siglen);
	if (!s64 || playout_buf_str(&in, ".") || playout_buf_str(&in, s64))
		goto out;
	*jwt = in.p;
	in.p = NULL;
	rc = PLAYOUT_OK;
out:
	if (rc == PLAYOUT_ENOMEM)
		playout_error_set(err, rc, "service account JWT: out of memory");
	free(in.p);
	free(h64);
	free(c64);
	free(s64);
	free(sig);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	BIO_free(bio);
	json_object_put(claims);
	return rc;
}

static int gcal_refresh_service(struct gcal_inst *gi, struct playout_error *err)
{
	struct playout_buf form = { 0 };
	struct json_object *ans = NULL;
	char *jwt = NULL;
	int rc = gcal_jwt(gi, &jwt, err);

	if (rc != PLAYOUT_OK)
		return rc;
	if (playout_buf_param(&form, 1, "grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer") ||
	    playout_buf_param(&form, 0, "assertion", jwt)) {
		rc = playout_error_set(err, PLAYOUT_ENOMEM, "token request: out of memory");
		goto out;
	}
	rc = gcal_token_post(gi, form.p, &ans, err);
	if (rc == PLAYOUT_OK)
		rc = gcal_take_token(gi, ans);
out:
	json_object_put(ans);
	free(form.p);
	free(jwt);
	return rc;
}

/* A usable access token in gi->access_token; force: the last one was refused. */
static int gcal_token_ensure(struct gcal_inst *gi, int force, struct playout_error *err)
{
	if (!force && gi->access_token &&
	    (gi->expiry_ms == 0 || gi->host->wall_ms(gi->host) < gi->expiry_ms - GCAL_EXPIRY_MARGIN_MS))
		return PLAYOUT_OK;
	return gi->cred == GCAL_SERVICE ? gcal_refresh_service(gi, err) : gcal_refresh_user(gi, err);
}

/* ---- events.list ---------------------------------------------------------------- */

/* GET one page; *page is the parsed answer. Refreshes once on 401. */
static int gcal_get_page(struct gcal_inst *gi, const char *url, struct json_object **page,
			 struct playout_error *err)
{
	int rc = PLAYOUT_OK;
	*page = NULL;
	for (int attempt = 0; attempt < 2; attempt++) {
		rc = gcal_token_ensure(gi, attempt > 0, err);
		if (rc != PLAYOUT_OK)
			return rc;
		struct playout_buf auth = { 0 };
		if (playout_buf_str(&auth, "Authorization: Bearer ") || playout_buf_str(&auth, gi->access_token)) {
			free(auth.p);
			return playout_error_set(err, PLAYOUT_ENOMEM, "events.list: out of memory");
		}
		const char *headers[] = { auth.p, "Accept: application/json", NULL };
		struct playout_http_request req = {
			.method = "GET", .url = url, .headers = headers,
			.timeout_s = gi->timeout_s, .max_retries = gi->retries,
		};
		struct playout_http_response resp = { 0 };
		rc = gi->host->http(gi->host, &req, &resp, err);
		explicit_bzero(auth.p, auth.n);
		free(auth.p);
		if (rc != PLAYOUT_OK) {
			char why[256];
			snprintf(why, sizeof why, "%s", err ? err->msg : "no answer");
			return playout_error_set(err, rc, "calendar %s: events.list: %s",
						 gi->calendar_id, why);
		}
		if (resp.status == 401 && attempt == 0) {
			gi->host->log(gi->host, PLAYOUT_LOG_INFO,
				      "calendar %s: access token refused (HTTP 401); refreshing",
				      gi->calendar_id);
			playout_http_response_free(&resp);
			continue;
		}
		if (resp.status != 200) {
			char why[160];
			gcal_error_text(&resp, why, sizeof why);
			rc = resp.status == 401 || resp.status == 403 ? PLAYOUT_EAUTH
			   : resp.status == 404 ? PLAYOUT_ENOTFOUND
			   : resp.status >= 500 || resp.status == 429 ? PLAYOUT_EUNAVAIL
			   : PLAYOUT_EPROTO;
			playout_error_set(err, rc, "calendar %s: events.list: HTTP %ld %s%s",
					  gi->calendar_id, resp.status, why,
					  resp.status == 404 ? " (check calendar_id, and that the "
							       "calendar is shared with these credentials)"
							     : "");
			playout_http_response_free(&resp);
			return rc;
		}
		*page = gcal_json_parse(resp.body, resp.body_len);
		playout_http_response_free(&resp);
		if (!*page || !json_object_is_type(*page, json_type_object)) {
			json_object_put(*page);
			*page = NULL;
			return playout_error_set(err, PLAYOUT_EPROTO,
						 "calendar %s: events.list answer is not a JSON object",
						 gi->calendar_id);
		}
		return PLAYOUT_OK;
	}
	return rc;
}

static void gcal_follow_secrets(struct gcal_inst *gi);

static int gcal_fetch(void *inst, int64_t from_ms, int64_t to_ms, struct playout_slots *out,
		      struct playout_error *err)
{
	struct gcal_inst *gi = inst;
	struct playout_slots got = { 0 };
	char *token = NULL;
	char tmin[40], tmax[40];
	int rc = PLAYOUT_OK;

	gcal_follow_secrets(gi);
	playout_time_format(from_ms, tmin, sizeof tmin);
	playout_time_format(to_ms, tmax, sizeof tmax);
	for (int page = 0;; page++) {
		struct playout_buf url = { 0 };
		struct json_object *ans = NULL, *items;
		if (page == GCAL_MAX_PAGES) {
			rc = playout_error_set(err, PLAYOUT_EPROTO, "calendar %s: more than %d pages",
					       gi->calendar_id, GCAL_MAX_PAGES);
			break;
		}
		if (playout_buf_str(&url, gi->endpoint) || playout_buf_str(&url, "/calendars/") ||
		    playout_buf_pct(&url, gi->calendar_id) || playout_buf_str(&url, "/events?") ||
		    playout_buf_param(&url, 1, "singleEvents", "true") ||
		    playout_buf_param(&url, 0, "orderBy", "startTime") ||
		    playout_buf_param(&url, 0, "timeMin", tmin) || playout_buf_param(&url, 0, "timeMax", tmax) ||
		    playout_buf_param(&url, 0, "maxResults", "250") ||
		    (token && playout_buf_param(&url, 0, "pageToken", token))) {
			free(url.p);
			rc = playout_error_set(err, PLAYOUT_ENOMEM, "calendar %s: out of memory",
					       gi->calendar_id);
			break;
		}
		rc = gcal_get_page(gi, url.p, &ans, err);
		free(url.p);
		if (rc != PLAYOUT_OK)
			break;
		if (json_object_object_get_ex(ans, "items", &items) &&
		    json_object_is_type(items, json_type_array)) {
			size_t n = json_object_array_length(items);
			for (size_t i = 0; i < n && rc == PLAYOUT_OK; i++)
				rc = gcal_event(gi, json_object_array_get_idx(items, i), from_ms, to_ms, &got);
		}
		free(token);
		token = NULL;
		if (rc == PLAYOUT_OK && gcal_json_str(ans, "nextPageToken")) {
			token = gcal_strdup(gcal_json_str(ans, "nextPageToken"));
			if (!token)
				rc = PLAYOUT_ENOMEM;
		}
		json_object_put(ans);
		if (rc != PLAYOUT_OK) {
			playout_error_set(err, rc, "calendar %s: out of memory", gi->calendar_id);
			break;
		}
		if (!token)
			break;
	}
	for (size_t i = 0; rc == PLAYOUT_OK && i < got.n; i++)
		rc = playout_slots_push(out, &got.v[i]);
	if (rc == PLAYOUT_ENOMEM && got.n)
		playout_error_set(err, rc, "calendar %s: out of memory", gi->calendar_id);
	free(got.v);
	free(token);
	return rc;
}

/* ---- instance ------------------------------------------------------------------- */

static int64_t gcal_doc_expiry(struct json_object *doc)
{
	const char *s = gcal_json_str(doc, "expiry");
	int64_t ms = 0;
	if (!s)
		s = gcal_json_str(doc, "token_expiry");
	if (!s || playout_time_parse(s, NULL, &ms))
		return 0;
	return ms;
}

/* Adopt a token.json (takes the reference). */
static int gcal_adopt_token(struct gcal_inst *gi, struct json_object *doc)
{
	const char *tok = gcal_json_str(doc, "token");
	if (!tok)
		tok = gcal_json_str(doc, "access_token");
	json_object_put(gi->token_doc);
	gi->token_doc = doc;
	gcal_wipe_free(gi->access_token);
	gi->access_token = NULL;
	if (tok && !(gi->access_token = gcal_strdup(tok)))
		return PLAYOUT_ENOMEM;
	gi->expiry_ms = gcal_doc_expiry(doc);
	if (!gi->access_token)
		gi->expiry_ms = 0;
	return PLAYOUT_OK;
}

/* Read the client credentials JSON (installed-app or service account). */
static int gcal_read_credentials(struct gcal_inst *gi, const char *text,
				 const char **token_uri_out, struct json_object **keep,
				 struct playout_error *err)
{
	struct json_object *o = gcal_json_parse(text, strlen(text)), *app = NULL;
	const char *type = gcal_json_str(o, "type");

	*keep = o;
	if (!o)
		return playout_error_set(err, PLAYOUT_ECONFIG, "credentials: not JSON");
	if (type && strcmp(type, "service_account") == 0) {
		const char *email = gcal_json_str(o, "client_email");
		const char *key = gcal_json_str(o, "private_key");
		if (!email || !key)
			return playout_error_set(err, PLAYOUT_ECONFIG, "credentials: a service account "
						 "key needs client_email and private_key");
		gi->cred = GCAL_SERVICE;
		gi->sa_email = gcal_strdup(email);
		gi->sa_key = gcal_strdup(key);
		*token_uri_out = gcal_json_str(o, "token_uri");
		return gi->sa_email && gi->sa_key ? PLAYOUT_OK : PLAYOUT_ENOMEM;
	}
	if (!json_object_object_get_ex(o, "installed", &app) &&
	    !json_object_object_get_ex(o, "web", &app))
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "credentials: neither an \"installed\" client nor a "
					 "service account key (\"type\": \"service_account\")");
	const char *id = gcal_json_str(app, "client_id"), *secret = gcal_json_str(app, "client_secret");
	if (!id || !secret)
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "credentials: the client has no client_id or client_secret");
	gi->cred = GCAL_INSTALLED;
	gi->client_id = gcal_strdup(id);
	gi->client_secret = gcal_strdup(secret);
	*token_uri_out = gcal_json_str(app, "token_uri");
	return gi->client_id && gi->client_secret ? PLAYOUT_OK : PLAYOUT_ENOMEM;
}

/* Installed-app token: the configured one, or the state store's copy when it
 * is newer (a refresh that could not be written back). */
static int gcal_load_token(struct gcal_inst *gi, const config_setting_t *conf,
			   struct playout_error *err)
{
	const struct playout_host *h = gi->host;
	struct json_object *cfg_doc = NULL, *kv_doc = NULL;
	struct playout_error e = { 0 };
	char *value = NULL;
	int rc;

	if (gi->token_ref) {
		rc = h->secret(h, gi->token_ref, &value, &e);
		if (rc == PLAYOUT_OK) {
			gcal_digest(value, gi->token_seen);
			cfg_doc = gcal_json_parse(value, strlen(value));
			gcal_wipe_free(value);
			value = NULL;
			if (!cfg_doc || !json_object_is_type(cfg_doc, json_type_object)) {
				json_object_put(cfg_doc);
				return playout_error_set(err, PLAYOUT_ECONFIG, "%s:%d: token: not a "
							 "token.json (JSON object)", h->config_file,
							 config_setting_source_line(conf));
			}
		} else {
			h->log(h, PLAYOUT_LOG_WARN, "token: %s", e.msg);
		}
	}
	if (h->kv_get(h, "token", &value) == PLAYOUT_OK) {
		kv_doc = gcal_json_parse(value, strlen(value));
		gcal_wipe_free(value);
		if (kv_doc && !json_object_is_type(kv_doc, json_type_object)) {
			json_object_put(kv_doc);
			kv_doc = NULL;
		}
	}
	if (kv_doc && (!cfg_doc || gcal_doc_expiry(kv_doc) > gcal_doc_expiry(cfg_doc))) {
		h->log(h, PLAYOUT_LOG_INFO, "using the refreshed token kept in the state store");
		json_object_put(cfg_doc);
		cfg_doc = kv_doc;
		kv_doc = NULL;
	}
	json_object_put(kv_doc);
	if (!cfg_doc)
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "%s:%d: installed-app credentials need a token (%s); run "
					 "playoutctl gcal-auth to create one", h->config_file,
					 config_setting_source_line(conf),
					 gi->token_ref ? e.msg : "no token setting");
	return gcal_adopt_token(gi, cfg_doc);
}

/* ---- following a SIGHUP ---------------------------------------------------- */

/* A reference as it may appear in a log line (a literal is the secret). */
static const char *gcal_ref_name(const char *ref)
{
	return strncmp(ref, "file:", 5) == 0 || strncmp(ref, "ssm:", 4) == 0 ? ref : "its reference";
}

/* New credentials: parsed apart and swapped in only when whole, so a bad
 * value leaves the working ones. */
static int gcal_swap_credentials(struct gcal_inst *gi, const char *text, struct playout_error *err)
{
	struct gcal_inst n = { .host = gi->host };
	struct json_object *keep = NULL;
	const char *token_uri = NULL;
	char *endpoint = NULL;
	int rc = gcal_read_credentials(&n, text, &token_uri, &keep, err);

	if (rc == PLAYOUT_OK && n.cred == GCAL_INSTALLED && !gi->token_doc)
		rc = playout_error_set(err, PLAYOUT_ECONFIG, "credentials: an installed-app client in "
				       "place of a service account needs a token and a restart");
	if (rc == PLAYOUT_OK && !gi->token_endpoint_set &&
	    !(endpoint = gcal_strdup(token_uri ? token_uri : GCAL_DEFAULT_TOKEN_ENDPOINT)))
		rc = PLAYOUT_ENOMEM;
	json_object_put(keep); /* token_uri pointed into it */
	if (rc == PLAYOUT_ENOMEM)
		playout_error_set(err, rc, "credentials: out of memory");
	if (rc != PLAYOUT_OK) {
		free(n.client_id);
		gcal_wipe_free(n.client_secret);
		free(n.sa_email);
		gcal_wipe_free(n.sa_key);
		return rc;
	}
	free(gi->client_id);
	gcal_wipe_free(gi->client_secret);
	free(gi->sa_email);
	gcal_wipe_free(gi->sa_key);
	gi->client_id = n.client_id;
	gi->client_secret = n.client_secret;
	gi->sa_email = n.sa_email;
	gi->sa_key = n.sa_key;
	gi->cred = n.cred;
	if (endpoint) {
		free(gi->token_endpoint);
		gi->token_endpoint = endpoint;
	}
	/* The access token belongs to the old client: get one for the new. */
	gcal_wipe_free(gi->access_token);
	gi->access_token = NULL;
	gi->expiry_ms = 0;
	return PLAYOUT_OK;
}

/* The value behind ref when it differs from the one seen (seen updated),
 * else NULL. host->secret is a memory read between SIGHUPs. */
static char *gcal_changed(struct gcal_inst *gi, const char *ref, unsigned char seen[32])
{
	struct playout_error e = { 0 };
	unsigned char md[32];
	char *value = NULL;

	if (!ref || gi->host->secret(gi->host, ref, &value, &e) != PLAYOUT_OK)
		return NULL;
	gcal_digest(value, md);
	if (memcmp(md, seen, sizeof md) == 0) {
		gcal_wipe_free(value);
		return NULL;
	}
	memcpy(seen, md, sizeof md);
	return value;
}

/* After a SIGHUP the credentials or the token may hold another value (a
 * station that re-ran playoutctl gcal-auth): take it. A value that will not
 * do is reported once and the ones in use stay. */
static void gcal_follow_secrets(struct gcal_inst *gi)
{
	const struct playout_host *h = gi->host;
	struct playout_error e = { 0 };
	char *value = gcal_changed(gi, gi->credentials_ref, gi->creds_seen);

	if (value) {
		if (gcal_swap_credentials(gi, value, &e) == PLAYOUT_OK)
			h->log(h, PLAYOUT_LOG_NOTICE, "new credentials in %s: using them",
			       gcal_ref_name(gi->credentials_ref));
		else
			h->log(h, PLAYOUT_LOG_WARN, "new credentials in %s, not usable (%s): "
			       "keeping the ones in use", gcal_ref_name(gi->credentials_ref), e.msg);
		gcal_wipe_free(value);
	}
	if (gi->cred != GCAL_INSTALLED || !(value = gcal_changed(gi, gi->token_ref, gi->token_seen)))
		return;
	struct json_object *doc = gcal_json_parse(value, strlen(value));
	gcal_wipe_free(value);
	if (!doc || !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		h->log(h, PLAYOUT_LOG_WARN, "new token in %s is not a token.json (JSON object): "
		       "keeping the one in use", gcal_ref_name(gi->token_ref));
		return;
	}
	if (gcal_adopt_token(gi, doc) != PLAYOUT_OK) {
		h->log(h, PLAYOUT_LOG_WARN, "new token in %s: out of memory",
		       gcal_ref_name(gi->token_ref));
		return;
	}
	/* The state store's copy would look newer at the next start. */
	const char *json = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE);
	if (h->kv_put(h, "token", json) != PLAYOUT_OK)
		h->log(h, PLAYOUT_LOG_WARN, "cannot keep the new token in the state store");
	h->log(h, PLAYOUT_LOG_NOTICE, "new token in %s: using it", gcal_ref_name(gi->token_ref));
}

/* A key's value; an empty optional string counts as absent. */
static const char *gcal_conf_str(const config_setting_t *conf, const char *key)
{
	const char *v = playout_conf_str(conf, key);
	return v && *v ? v : NULL;
}

static void gcal_destroy(void *inst)
{
	struct gcal_inst *gi = inst;
	if (!gi)
		return;
	free(gi->calendar_id);
	free(gi->endpoint);
	free(gi->token_endpoint);
	free(gi->subject);
	free(gi->token_ref);
	free(gi->credentials_ref);
	free(gi->client_id);
	gcal_wipe_free(gi->client_secret);
	free(gi->sa_email);
	gcal_wipe_free(gi->sa_key);
	json_object_put(gi->token_doc);
	gcal_wipe_free(gi->access_token);
	for (size_t i = 0; i < gi->nwarned; i++)
		free(gi->warned[i]);
	free(gi->warned);
	free(gi);
}

static int gcal_create(const config_setting_t *conf, const struct playout_host *host,
		       void **instance, struct playout_error *err)
{
	struct gcal_inst *gi = calloc(1, sizeof *gi);
	struct json_object *creds = NULL;
	const char *token_uri = NULL, *s;
	char *value = NULL;
	int rc;

	*instance = NULL;
	if (!gi)
		return playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
	gi->host = host;
	gi->timeout_s = (int)playout_conf_int(conf, "timeout_s");
	gi->retries = (int)playout_conf_int(conf, "retries");
	/* calendar_id, credentials: required; endpoint: defaulted (the core
	 * checked them) */
	gi->calendar_id = gcal_strdup(playout_conf_str(conf, "calendar_id"));
	gi->endpoint = gcal_strdup(playout_conf_str(conf, "endpoint"));
	if (gi->endpoint) {
		size_t n = strlen(gi->endpoint);
		while (n > 0 && gi->endpoint[n - 1] == '/')
			gi->endpoint[--n] = '\0';
	}
	s = gcal_conf_str(conf, "subject");
	gi->subject = s ? gcal_strdup(s) : NULL;
	s = gcal_conf_str(conf, "token");
	gi->token_ref = s ? gcal_strdup(s) : NULL;
	if (!gi->calendar_id || !gi->endpoint)
		goto nomem;
	s = playout_conf_str(conf, "credentials");
	gi->credentials_ref = gcal_strdup(s);
	if (!gi->credentials_ref)
		goto nomem;
	rc = host->secret(host, s, &value, err);
	if (rc != PLAYOUT_OK)
		goto fail;
	gcal_digest(value, gi->creds_seen);
	rc = gcal_read_credentials(gi, value, &token_uri, &creds, err);
	gcal_wipe_free(value);
	if (rc != PLAYOUT_OK)
		goto fail;
	s = gcal_conf_str(conf, "token_endpoint");
	gi->token_endpoint_set = s != NULL;
	gi->token_endpoint = gcal_strdup(s ? s : token_uri ? token_uri : GCAL_DEFAULT_TOKEN_ENDPOINT);
	json_object_put(creds);
	creds = NULL;
	if (!gi->token_endpoint)
		goto nomem;
	if (gi->cred == GCAL_INSTALLED) {
		rc = gcal_load_token(gi, conf, err);
		if (rc != PLAYOUT_OK)
			goto fail;
	}
	*instance = gi;
	return PLAYOUT_OK;
nomem:
	rc = playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
fail:
	json_object_put(creds);
	gcal_destroy(gi);
	return rc;
}

static const struct playout_setting gcal_settings[] = {
	{ .name = "calendar_id", .type = PLAYOUT_SET_STRING, .required = 1,
	  .help = "calendar id, such as abc@group.calendar.google.com" },
	{ .name = "credentials", .type = PLAYOUT_SET_SECRET, .required = 1,
	  .help = "client credentials.json (installed app) or a service-account key" },
	{ .name = "token", .type = PLAYOUT_SET_SECRET,
	  .help = "authorized-user token.json (installed app); refreshed tokens are written back" },
	{ .name = "endpoint", .type = PLAYOUT_SET_STRING, .def = GCAL_DEFAULT_ENDPOINT,
	  .help = "Calendar API base URL (tests)" },
	{ .name = "token_endpoint", .type = PLAYOUT_SET_STRING,
	  .help = "OAuth token URL; default the credentials' token_uri" },
	{ .name = "subject", .type = PLAYOUT_SET_STRING,
	  .help = "user to impersonate (service account with domain-wide delegation)" },
	{ .name = "timeout_s", .type = PLAYOUT_SET_INT, .min = 1, .max = 300, .def = "30",
	  .help = "seconds allowed for each HTTP exchange" },
	{ .name = "retries", .type = PLAYOUT_SET_INT, .min = -1, .max = 10, .def = "0",
	  .help = "retries on network errors and 5xx; 0 the core's default, -1 none" },
	{ .name = NULL },
};

static const struct playout_schedule_ops gcal_ops = {
	.size = sizeof(struct playout_schedule_ops),
	.fetch = gcal_fetch,
};

extern const struct playout_plugin playout_plugin;
const struct playout_plugin playout_plugin = {
	PLAYOUT_PLUGIN_HEAD,
	.name = "gcal",
	.kind = PLAYOUT_KIND_SCHEDULE,
	.description = "Google Calendar schedule (events with PID:<pid> and TYPE:RECORDED|LIVE)",
	.settings = gcal_settings,
	.create = gcal_create,
	.destroy = gcal_destroy,
	.ops.schedule = &gcal_ops,
};
