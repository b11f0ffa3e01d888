/*
 * The stream title through Icecast's admin interface, on a sender thread.
 *
 * A title is a second HTTP exchange with the server, and a hung server
 * must never hold the player thread. So the request (GET
 * /admin/metadata?mode=updinfo&charset=UTF-8&mount=&song= with the source
 * login, or ICY's /admin.cgi?pass=) goes through title_http.c or host->http,
 * which has timeouts and ends early when the daemon stops, on a thread of
 * this instance: the audio never waits for a title.
 *
 * The thread starts when the connection opens and the request is built
 * when the title is known, both before the item's instant; the request is
 * held until the plugin releases it, a batch after the item's first write
 * (icecast.c), so that fifty outputs starting at one instant write their
 * first bytes with no thread start, allocation, wake or HTTP exchange of a
 * title among them.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <playout/util.h>

#include "title.h"
#include "title_http.h"

#define TITLE_TIMEOUT_S 2 /* a title is worth little once late; no retry */

struct title_job {
	char *url;
	/* Plain HTTP: sent on a socket of its own (title_http.c), not through
	 * host->http, so no network module is loaded for it. NULL: HTTPS. */
	char *host;
	unsigned port;
	const char *target; /* the path and query, inside url */
	char *auth;    /* "Authorization: Basic ..." or NULL; wiped when freed */
	char what[PLAYOUT_TITLE_MAX + 160]; /* "title \"X\" on host:port/mount" */
};

struct icecast_title {
	const struct playout_host *host;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int started, quit;
	struct title_job *held;    /* under mu; built, waiting for the first write */
	struct title_job *pending; /* under mu; the newest title not yet taken */
	int warned_no_http;
};

static void title_wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void title_job_free(struct title_job *j)
{
	if (!j)
		return;
	title_wipe_free(j->url); /* ICY's carries the password */
	free(j->host);
	title_wipe_free(j->auth);
	free(j);
}

/* "Authorization: Basic base64(user:password)", malloc'd; NULL when out of
 * memory. */
static char *title_basic_auth(const char *user, const char *password)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char prefix[] = "Authorization: Basic ";
	size_t ul = strlen(user), pl = strlen(password), n = ul + 1 + pl, i, o;
	unsigned char *raw = malloc(n + 1);
	char *out = raw ? malloc(sizeof prefix + (n + 2) / 3 * 4) : NULL;

	if (!out) {
		free(raw);
		return NULL;
	}
	memcpy(raw, user, ul);
	raw[ul] = ':';
	memcpy(raw + ul + 1, password, pl);
	memcpy(out, prefix, sizeof prefix - 1);
	o = sizeof prefix - 1;
	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)raw[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)raw[i + 1] << 8;
		if (i + 2 < n)
			v |= raw[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	explicit_bzero(raw, n);
	free(raw);
	return out;
}

#define TITLE_URL_MAX 4096 /* a longer request is absurd: refused */

/* The request for title; NULL when out of memory or absurdly long. */
static struct title_job *title_job_new(const struct icecast_title_target *to, const char *title)
{
	struct title_job *j = calloc(1, sizeof *j);
	struct playout_buf url = { 0 };
	int bad;

	if (!j)
		return NULL;
	/* All the room at once, so the bytes never move: ICY's URL carries the
	 * password, and a grown buffer would leave a copy in freed memory. An
	 * encoded byte takes at most 3; 96 covers the fixed text and the port. */
	size_t most = strlen(to->hostname) + 96 +
		      3 * (strlen(to->icy ? to->password : to->mount) + strlen(title));
	if (most >= TITLE_URL_MAX || playout_buf_reserve(&url, most) != PLAYOUT_OK)
		goto fail;
	/* ICY sources log in on port + 1, and their title goes there too. */
	bad = playout_buf_printf(&url, strchr(to->hostname, ':') ? "%s://[%s]:%u" : "%s://%s:%u",
				 to->https ? "https" : "http", to->hostname,
				 to->icy ? to->port + 1 : to->port);
	size_t path_at = url.n;
	if (to->icy) {
		bad |= playout_buf_str(&url, "/admin.cgi?mode=updinfo&pass=");
		bad |= playout_buf_pct(&url, to->password);
	} else {
		bad |= playout_buf_str(&url, "/admin/metadata?mode=updinfo&charset=UTF-8&mount=");
		bad |= playout_buf_pct(&url, to->mount);
	}
	bad |= playout_buf_str(&url, "&song=");
	bad |= playout_buf_pct(&url, title);
	if (bad)
		goto fail;
	j->url = url.p;
	url.p = NULL;
	if (!to->https) {
		j->host = strdup(to->hostname);
		if (!j->host)
			goto fail;
		j->port = to->icy ? to->port + 1 : to->port;
		j->target = j->url + path_at;
	}
	if (!to->icy && !(j->auth = title_basic_auth(to->user, to->password)))
		goto fail;
	snprintf(j->what, sizeof j->what, "title \"%s\" on %s:%u%s", title, to->hostname,
		 to->port, to->mount);
	return j;
fail:
	if (url.p)
		explicit_bzero(url.p, url.n);
	playout_buf_free(&url);
	title_job_free(j);
	return NULL;
}

/* A host message may quote the URL, and ICY's carries the password in
 * pass=: star it out, even when the message was cut inside it. */
static void title_redact(char *msg)
{
	char *p = msg;

	while ((p = strstr(p, "pass=")) != NULL) {
		p += 5;
		while (*p && *p != '&' && *p != ' ')
			*p++ = '*';
	}
}

static void title_send(struct icecast_title *t, struct title_job *j)
{
	const struct playout_host *h = t->host;
	const char *headers[3];
	struct playout_http_request req;
	struct playout_http_response resp;
	struct playout_error err = { 0, "" };
	size_t nh = 0;
	int rc;

	memset(&req, 0, sizeof req);
	memset(&resp, 0, sizeof resp);
	if (j->auth)
		headers[nh++] = j->auth;
	/* Shoutcast-style admin.cgi answers browsers only (so did libshout). */
	headers[nh++] = "User-Agent: playout/" PACKAGE_VERSION " (Mozilla compatible)";
	headers[nh] = NULL;
	req.method = "GET";
	req.url = j->url;
	req.headers = headers;
	req.timeout_s = TITLE_TIMEOUT_S;
	req.max_retries = -1;
	if (j->host) {
		rc = icecast_title_http_get(h, j->host, j->port, j->target, headers,
					    TITLE_TIMEOUT_S, &resp.status, err.msg, sizeof err.msg);
		if (rc < 0)
			rc = PLAYOUT_EUNAVAIL;
	} else {
		rc = h->http(h, &req, &resp, &err);
	}
	if (rc != PLAYOUT_OK) {
		title_redact(err.msg);
		h->log(h, PLAYOUT_LOG_WARN, "set %s: %s (listeners keep the old title)", j->what,
		       err.msg);
	} else if (resp.status < 200 || resp.status > 299) {
		h->log(h, PLAYOUT_LOG_WARN,
		       "set %s: HTTP %ld (check the source password and that the mount is ours; "
		       "listeners keep the old title)",
		       j->what, resp.status);
	}
	playout_http_response_free(&resp);
}

static void *title_main(void *arg)
{
	struct icecast_title *t = arg;

	pthread_mutex_lock(&t->mu);
	for (;;) {
		while (!t->quit && !t->pending)
			pthread_cond_wait(&t->cv, &t->mu);
		if (t->quit)
			break;
		struct title_job *j = t->pending;
		t->pending = NULL;
		pthread_mutex_unlock(&t->mu);
		title_send(t, j);
		title_job_free(j);
		pthread_mutex_lock(&t->mu);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

struct icecast_title *icecast_title_new(const struct playout_host *host)
{
	struct icecast_title *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->host = host;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	return t;
}

void icecast_title_free(struct icecast_title *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	t->quit = 1;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	if (t->started)
		pthread_join(t->thread, NULL);
	title_job_free(t->held);
	title_job_free(t->pending);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

/* Start the thread unless it runs; 0, or -1 when it cannot. Under mu. */
static int title_start_locked(struct icecast_title *t)
{
	if (t->started)
		return 0;
	if (pthread_create(&t->thread, NULL, title_main, t) != 0)
		return -1;
	t->started = 1;
	return 0;
}

void icecast_title_start(struct icecast_title *t)
{
	pthread_mutex_lock(&t->mu);
	/* A failure is told by the release, which tries again. */
	(void)title_start_locked(t);
	pthread_mutex_unlock(&t->mu);
}

void icecast_title_post(struct icecast_title *t, const struct icecast_title_target *to,
			const char *title)
{
	const struct playout_host *h = t->host;
	struct title_job *j, *old;

	if (to->https && !h->http) {
		if (!t->warned_no_http)
			h->log(h, PLAYOUT_LOG_WARN,
			       "the host offers no HTTP client: stream titles over HTTPS are not sent");
		t->warned_no_http = 1;
		icecast_title_drop(t);
		return;
	}
	j = title_job_new(to, title);
	if (!j) {
		h->log(h, PLAYOUT_LOG_WARN, "title \"%s\" on %s:%u%s: out of memory or too long",
		       title, to->hostname, to->port, to->mount);
		icecast_title_drop(t);
		return;
	}
	pthread_mutex_lock(&t->mu);
	old = t->held;
	t->held = j;
	pthread_mutex_unlock(&t->mu);
	title_job_free(old);
}

void icecast_title_release(struct icecast_title *t)
{
	const struct playout_host *h = t->host;
	struct title_job *j, *old = NULL;

	pthread_mutex_lock(&t->mu);
	j = t->held;
	t->held = NULL;
	if (j && title_start_locked(t) < 0) {
		pthread_mutex_unlock(&t->mu);
		h->log(h, PLAYOUT_LOG_WARN, "set %s: cannot start the title thread", j->what);
		title_job_free(j);
		return;
	}
	if (j) {
		old = t->pending;
		t->pending = j;
		pthread_cond_signal(&t->cv);
	}
	pthread_mutex_unlock(&t->mu);
	title_job_free(old);
}

void icecast_title_drop(struct icecast_title *t)
{
	struct title_job *old;

	pthread_mutex_lock(&t->mu);
	old = t->held;
	t->held = NULL;
	pthread_mutex_unlock(&t->mu);
	title_job_free(old);
}
