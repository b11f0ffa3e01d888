/*
 * The OAuth consent of playoutctl gcal-auth, in the network module: loopback
 * redirect with PKCE (S256): print the consent URL, take one redirect on
 * 127.0.0.1, exchange the code and write the token.json where the instance's
 * `token` reference points. Not the token refresh (plugins/gcal/gcal.c does
 * that), not choosing the instance (core/ctl_gcal.c).
 */
#include "net_gcal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <playout/util.h>

#define GA_SCOPE "https://www.googleapis.com/auth/calendar.readonly"
#define GA_AUTH_URI "https://accounts.google.com/o/oauth2/auth"
#define GA_TOKEN_URI "https://oauth2.googleapis.com/token"
#define GA_WAIT_S 600 /* how long a person gets to click through */

static void ga_b64url(const unsigned char *in, size_t n, char *out)
{
	int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	while (len > 0 && out[len - 1] == '=')
		len--;
	out[len] = '\0';
	for (char *c = out; *c; c++)
		*c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
}

static const char *ga_json_str(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Decode the value of key from a query string into out; 0 when present. */
static int ga_query_get(const char *query, const char *key, char *out, size_t n)
{
	size_t klen = strlen(key);
	for (const char *p = query; p && *p;) {
		const char *amp = strchr(p, '&');
		const char *end = amp ? amp : p + strlen(p);
		if ((size_t)(end - p) > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t w = 0;
			for (const char *c = p + klen + 1; c < end && w + 1 < n; c++) {
				unsigned v;
				if (*c == '%' && c + 2 < end && isxdigit((unsigned char)c[1]) && isxdigit((unsigned char)c[2]) && sscanf(c + 1, "%2x", &v) == 1) {
					out[w++] = (char)v;
					c += 2;
				} else {
					out[w++] = *c == '+' ? ' ' : *c;
				}
			}
			out[w] = '\0';
			return 0;
		}
		p = amp ? amp + 1 : NULL;
	}
	return -1;
}

static void ga_reply(int fd, int status, const char *text)
{
	char buf[1024];
	int n = snprintf(buf, sizeof buf,
			 "HTTP/1.1 %d %s\r\nContent-Type: text/html; charset=utf-8\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
			 status, status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request",
			 strlen(text), text);
	if (n > 0 && write(fd, buf, (size_t)n) < 0)
		return;
}

/* Wait for the redirect carrying code and state; 0 with code filled. */
static int ga_wait_code(int lfd, const char *state, char *code, size_t n)
{
	time_t deadline = time(NULL) + GA_WAIT_S;
	while (time(NULL) < deadline) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		if (poll(&p, 1, 1000) <= 0)
			continue;
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		char req[8192];
		size_t got = 0;
		struct pollfd q = { .fd = fd, .events = POLLIN };
		while (got < sizeof req - 1 && poll(&q, 1, 5000) > 0) {
			ssize_t r = read(fd, req + got, sizeof req - 1 - got);
			if (r <= 0)
				break;
			got += (size_t)r;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		req[got] = '\0';
		char *sp = strchr(req, ' ');
		char *path = sp ? sp + 1 : NULL;
		char *end = path ? strchr(path, ' ') : NULL;
		if (!path || !end || strncmp(req, "GET ", 4) != 0) {
			ga_reply(fd, 400, "bad request");
			close(fd);
			continue;
		}
		*end = '\0';
		char *query = strchr(path, '?');
		if (!query) { /* favicon and the like */
			ga_reply(fd, 404, "not here");
			close(fd);
			continue;
		}
		query++;
		char got_state[256], err[256];
		if (ga_query_get(query, "error", err, sizeof err) == 0) {
			ga_reply(fd, 400, "Authorization was refused. You may close this window.");
			close(fd);
			fprintf(stderr, "playoutctl: gcal-auth: Google answered: %s\n", err);
			return -1;
		}
		if (ga_query_get(query, "state", got_state, sizeof got_state) != 0 ||
		    strcmp(got_state, state) != 0 || ga_query_get(query, "code", code, n) != 0) {
			ga_reply(fd, 400, "The redirect does not belong to this request.");
			close(fd);
			fprintf(stderr, "playoutctl: gcal-auth: a redirect arrived with a wrong or "
				"missing state; refused\n");
			return -1;
		}
		ga_reply(fd, 200, "<p>playout: authorization received. You may close this window.</p>");
		close(fd);
		return 0;
	}
	fprintf(stderr, "playoutctl: gcal-auth: no redirect within %d s\n", GA_WAIT_S);
	return -1;
}

struct ga_ctx {
	const struct playout_host *host;
	const char *label;
	const char *token_ref;
	const char *token_endpoint;  /* from the config, or NULL */
	int port;
	char *client_id, *client_secret, *auth_uri, *token_uri;
};

static int ga_read_credentials(struct ga_ctx *c, const char *ref)
{
	char *value = NULL;
	struct playout_error e = {0};
	if (c->host->secret(c->host, ref, &value, &e) < 0) {
		fprintf(stderr, "playoutctl: gcal-auth: %s: credentials: %s\n", c->label, e.msg);
		return -1;
	}
	struct json_object *o = json_tokener_parse(value), *app = NULL;
	explicit_bzero(value, strlen(value));
	free(value);
	if (!o || !json_object_object_get_ex(o, "installed", &app)) {
		fprintf(stderr, "playoutctl: gcal-auth: %s: credentials are not an installed-app "
			"client (credentials.json with \"installed\"); a service account needs "
			"no consent\n", c->label);
		json_object_put(o);
		return -1;
	}
	const char *id = ga_json_str(app, "client_id"), *secret = ga_json_str(app, "client_secret");
	const char *auth = ga_json_str(app, "auth_uri"), *tok = ga_json_str(app, "token_uri");
	if (!id || !secret) {
		fprintf(stderr, "playoutctl: gcal-auth: %s: credentials lack client_id or "
			"client_secret\n", c->label);
		json_object_put(o);
		return -1;
	}
	c->client_id = strdup(id);
	c->client_secret = strdup(secret);
	c->auth_uri = strdup(auth ? auth : GA_AUTH_URI);
	c->token_uri = strdup(c->token_endpoint ? c->token_endpoint : tok ? tok : GA_TOKEN_URI);
	json_object_put(o);
	return c->client_id && c->client_secret && c->auth_uri && c->token_uri ? 0 : -1;
}

/* Exchange the code; *token_json malloc'd (the token.json to keep). */
static int ga_exchange(struct ga_ctx *c, const char *code, const char *verifier,
		       const char *redirect, char **token_json)
{
	struct playout_buf form = {0};
	struct playout_http_response resp = {0};
	struct playout_error e = {0};
	const char *headers[] = { "Content-Type: application/x-www-form-urlencoded",
				  "Accept: application/json", NULL };
	int rc = -1;

	*token_json = NULL;
	if (playout_buf_param(&form, 1, "grant_type", "authorization_code") ||
	    playout_buf_param(&form, 0, "code", code) ||
	    playout_buf_param(&form, 0, "client_id", c->client_id) ||
	    playout_buf_param(&form, 0, "client_secret", c->client_secret) ||
	    playout_buf_param(&form, 0, "redirect_uri", redirect) ||
	    playout_buf_param(&form, 0, "code_verifier", verifier)) {
		free(form.p);
		return -1;
	}
	struct playout_http_request req = {
		.method = "POST", .url = c->token_uri, .headers = headers,
		.body = form.p, .body_len = form.n, .timeout_s = 30,
	};
	if (c->host->http(c->host, &req, &resp, &e) < 0) {
		fprintf(stderr, "playoutctl: gcal-auth: token endpoint %s: %s\n", c->token_uri, e.msg);
		goto out;
	}
	struct json_object *ans = json_tokener_parse(resp.body ? resp.body : "");
	if (resp.status != 200 || !ga_json_str(ans, "access_token") ||
	    !ga_json_str(ans, "refresh_token")) {
		fprintf(stderr, "playoutctl: gcal-auth: token endpoint %s: HTTP %ld %s %s\n",
			c->token_uri, resp.status, ga_json_str(ans, "error") ? ga_json_str(ans, "error") : "",
			resp.status == 200 ? "(no refresh_token in the answer)" :
			ga_json_str(ans, "error_description") ? ga_json_str(ans, "error_description") : "");
		json_object_put(ans);
		goto out;
	}
	struct json_object *v;
	int64_t expires_s = json_object_object_get_ex(ans, "expires_in", &v) ? json_object_get_int64(v)
									    : 3600;
	char when[40];
	if (expires_s < 0 || expires_s > INT32_MAX)
		expires_s = 3600; /* nonsense from the peer: the usual hour, no overflow */
	playout_time_format(c->host->wall_ms(c->host) + expires_s * 1000, when, sizeof when);
	/* google-auth's authorized-user token.json */
	struct json_object *tok = json_object_new_object(), *scopes = json_object_new_array();
	json_object_object_add(tok, "token", json_object_new_string(ga_json_str(ans, "access_token")));
	json_object_object_add(tok, "refresh_token",
			       json_object_new_string(ga_json_str(ans, "refresh_token")));
	json_object_object_add(tok, "token_uri", json_object_new_string(c->token_uri));
	json_object_object_add(tok, "client_id", json_object_new_string(c->client_id));
	json_object_object_add(tok, "client_secret", json_object_new_string(c->client_secret));
	json_object_array_add(scopes, json_object_new_string(GA_SCOPE));
	json_object_object_add(tok, "scopes", scopes);
	json_object_object_add(tok, "expiry", json_object_new_string(when));
	*token_json = strdup(json_object_to_json_string_ext(tok, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(tok);
	json_object_put(ans);
	rc = *token_json ? 0 : -1;
out:
	if (resp.body)
		explicit_bzero(resp.body, resp.body_len);
	playout_http_response_free(&resp);
	explicit_bzero(form.p, form.n);
	free(form.p);
	return rc;
}

/* Through the host's secret store: a file: reference is replaced
 * atomically with mode 0600, as every secret the core writes. */
static int ga_store(struct ga_ctx *c, const char *json)
{
	struct playout_error e = {0};
	if (c->host->secret_store(c->host, c->token_ref, json, &e) < 0) {
		fprintf(stderr, "playoutctl: gcal-auth: cannot write the token to %s: %s\n",
			c->token_ref, e.msg);
		return -1;
	}
	printf("token written to %s\n", c->token_ref);
	return 0;
}

static int ga_run(struct ga_ctx *c)
{
	unsigned char rnd[32], digest[32];
	char verifier[64], challenge[64], state[32], redirect[64], code[2048];
	struct playout_buf url = {0};
	char *json = NULL;
	int lfd = -1, rc = 1;
	unsigned dlen = 0;

	if (RAND_bytes(rnd, sizeof rnd) != 1)
		return 1;
	ga_b64url(rnd, sizeof rnd, verifier); /* 43 characters, as RFC 7636 asks */
	if (!EVP_Digest(verifier, strlen(verifier), digest, &dlen, EVP_sha256(), NULL) ||
	    RAND_bytes(rnd, 16) != 1)
		return 1;
	ga_b64url(digest, dlen, challenge);
	ga_b64url(rnd, 16, state);

	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)c->port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t slen = sizeof sa;
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 4) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &slen) != 0) {
		fprintf(stderr, "playoutctl: gcal-auth: cannot listen on 127.0.0.1:%d: %s\n", c->port,
			strerror(errno));
		goto out;
	}
	snprintf(redirect, sizeof redirect, "http://127.0.0.1:%d", ntohs(sa.sin_port));
	if (playout_buf_str(&url, c->auth_uri) ||
	    playout_buf_str(&url, strchr(c->auth_uri, '?') ? "&" : "?") ||
	    playout_buf_param(&url, 1, "client_id", c->client_id) ||
	    playout_buf_param(&url, 0, "redirect_uri", redirect) ||
	    playout_buf_param(&url, 0, "response_type", "code") ||
	    playout_buf_param(&url, 0, "scope", GA_SCOPE) ||
	    playout_buf_param(&url, 0, "access_type", "offline") ||
	    playout_buf_param(&url, 0, "prompt", "consent") ||
	    playout_buf_param(&url, 0, "state", state) ||
	    playout_buf_param(&url, 0, "code_challenge", challenge) ||
	    playout_buf_param(&url, 0, "code_challenge_method", "S256"))
		goto out;
	printf("Open this URL in a browser, sign in with the calendar's account and allow access:\n\n"
	       "%s\n\nWaiting for Google's redirect to %s (up to %d s)...\n", url.p, redirect,
	       GA_WAIT_S);
	fflush(stdout);
	if (ga_wait_code(lfd, state, code, sizeof code) < 0)
		goto out;
	if (ga_exchange(c, code, verifier, redirect, &json) < 0)
		goto out;
	if (ga_store(c, json) < 0)
		goto out;
	rc = 0;
out:
	if (json) {
		explicit_bzero(json, strlen(json));
		free(json);
	}
	free(url.p);
	if (lfd >= 0)
		close(lfd);
	return rc;
}

int po_gcal_auth_run(const struct po_gcal_auth *a)
{
	struct ga_ctx c = {
		.host = a->host, .label = a->label, .token_ref = a->token_ref,
		.token_endpoint = a->token_endpoint, .port = a->port,
	};
	int rc = 1;
	if (ga_read_credentials(&c, a->credentials_ref) == 0)
		rc = ga_run(&c);
	free(c.client_id);
	if (c.client_secret)
		explicit_bzero(c.client_secret, strlen(c.client_secret));
	free(c.client_secret);
	free(c.auth_uri);
	free(c.token_uri);
	return rc;
}
