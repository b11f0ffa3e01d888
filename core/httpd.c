/*
 * The status server's core side (httpd.h): who may ask, what each path
 * answers, and starting the module. The documents themselves come from
 * report.c, metrics.c and status_page.c.
 */
#include "httpd.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ltdl.h>

#include "history_page.h"
#include "host.h"
#include "listen_addr.h"
#include "log.h"
#include "metrics.h"
#include "net_load.h"
#include "report.h"
#include "runtime.h"
#include "secret.h"
#include "status_page.h"

int po_httpd_token_ok(const char *token, const char *authorization, const char *query_token)
{
	const char *given = query_token;
	if (authorization && strncasecmp(authorization, "Bearer ", 7) == 0)
		given = authorization + 7;
	if (!token || !given)
		return 0;
	/* every byte of the token is compared whatever the given value, so the
	 * time taken says nothing about how much of it matched */
	size_t nt = strlen(token), ng = strlen(given);
	unsigned char diff = nt != ng;
	for (size_t i = 0; i < nt; i++)
		diff |= (unsigned char)(token[i] ^ (i < ng ? given[i] : 0));
	return diff == 0;
}

static void reply_text(struct po_httpd_reply *rp, int status, const char *text)
{
	rp->status = status;
	rp->content_type = "text/plain; charset=utf-8";
	rp->body = strdup(text);
	rp->len = rp->body ? strlen(rp->body) : 0;
}

enum page { PAGE_NONE, PAGE_HOME, PAGE_METRICS, PAGE_STATUS, PAGE_RUNDOWN, PAGE_HISTORY };

static enum page page_of(const char *path)
{
	static const struct {
		const char *path;
		enum page page;
	} pages[] = {
		{"/", PAGE_HOME}, {"/metrics", PAGE_METRICS}, {"/status.json", PAGE_STATUS},
		{"/rundown.json", PAGE_RUNDOWN}, {"/history.json", PAGE_HISTORY},
	};
	for (size_t i = 0; path && i < sizeof pages / sizeof pages[0]; i++)
		if (strcmp(path, pages[i].path) == 0)
			return pages[i].page;
	return PAGE_NONE;
}

/* 1 when the request may be answered: no token configured, or it carries it. */
static int allowed(struct po_httpd_site *site, const struct po_httpd_request *rq)
{
	const char *ref = site->conf->http_token;
	char *token = NULL;
	struct playout_error e = {0};
	if (!ref)
		return 1;
	int rc = site->rt ? po_host_secret(site->rt, ref, &token, &e)
			  : po_secret_resolve(ref, &token, &e);
	if (rc < 0) {
		po_log_warnx("http", "token %s cannot be read: %s; refusing every request", ref,
			     e.msg);
		return 0;
	}
	int ok = po_httpd_token_ok(token, rq->authorization, rq->token);
	po_secret_free(token);
	return ok;
}

/* 200, or an error status with why filled (the body is then dropped). */
static int write_page(FILE *f, enum page page, struct po_httpd_site *site, struct po_state *st,
		      const struct po_history_page *pg, int64_t now, char *why, size_t whyn)
{
	int status = 200;
	const struct po_config *c = site->conf;
	struct po_status s = {0};
	struct po_play *plays = NULL;
	size_t n = 0;
	switch (page) {
	case PAGE_METRICS: {
		struct po_metrics m;
		po_metrics_collect(&m, st, c, now);
		po_metrics_render(f, &m);
		po_metrics_free(&m);
		break;
	}
	case PAGE_STATUS:
		po_status_read(st, now, &s);
		po_report_status_json(f, &s, now, PO_REPORT_REDACT);
		break;
	case PAGE_RUNDOWN: {
		/* the daemon's last plan, over playoutctl rundown's default window */
		struct playout_item *v = NULL;
		po_state_get_rundown(st, now, now + (int64_t)c->horizon_h * 3600000, &v, &n);
		po_report_rundown_json(f, v, n, PO_REPORT_REDACT);
		free(v);
		break;
	}
	case PAGE_HISTORY: {
		size_t first = 0, count = 0;
		/* a time cursor bounds the read; an id needs the play's place */
		int64_t to = pg->before_id ? INT64_MAX : pg->before_ms;
		po_state_get_plays(st, INT64_MIN, to, &plays, &n);
		if (po_history_page_pick(plays, n, pg, &first, &count, why, whyn) < 0)
			status = 404;
		else
			po_report_history_json(f, st, plays + first, count, PO_REPORT_REDACT);
		break;
	}
	case PAGE_HOME: {
		po_status_read(st, now, &s);
		po_state_get_plays(st, now - 86400000, now + 86400000, &plays, &n);
		struct po_page p = {
			.station = c->station, .now_ms = now, .status = &s, .plays = plays, .nplays = n,
		};
		po_status_page_render(f, &p);
		break;
	}
	case PAGE_NONE:
		break;
	}
	po_status_free(&s);
	free(plays);
	return status;
}

static const char *content_type(enum page page)
{
	switch (page) {
	case PAGE_METRICS: return "text/plain; version=0.0.4; charset=utf-8";
	case PAGE_HOME: return "text/html; charset=utf-8";
	default: return "application/json";
	}
}

void po_httpd_handle(struct po_httpd_site *site, const struct po_httpd_request *rq,
		     struct po_httpd_reply *rp)
{
	memset(rp, 0, sizeof *rp);
	if (!rq->method || (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD"))) {
		reply_text(rp, 405, "only GET and HEAD\n");
		rp->allow = 1;
		return;
	}
	if (!allowed(site, rq)) {
		reply_text(rp, 401, "a token is required: Authorization: Bearer TOKEN, or ?token=TOKEN\n");
		rp->challenge = 1;
		return;
	}
	enum page page = page_of(rq->path);
	if (page == PAGE_NONE) {
		reply_text(rp, 404, "not found: try /, /metrics, /status.json, /rundown.json, /history.json\n");
		return;
	}
	struct po_history_page pg;
	char why[200];
	if (po_history_page_parse(page == PAGE_HISTORY ? rq->limit : NULL,
				  page == PAGE_HISTORY ? rq->before : NULL, PO_HISTORY_LIMIT_DEFAULT,
				  &pg, why, sizeof why - 1) < 0) {
		strcat(why, "\n");
		reply_text(rp, 400, why);
		return;
	}
	struct po_state *st = NULL;
	/* per request: a read-only handle on this thread, never the daemon's */
	if (po_state_open(site->conf->state_path, PO_STATE_READONLY, &st, NULL) < 0) {
		reply_text(rp, 503, "the state cannot be read yet (has playoutd planned once?)\n");
		return;
	}
	size_t len = 0;
	FILE *f = open_memstream(&rp->body, &len);
	if (!f) {
		po_state_close(st);
		reply_text(rp, 500, "out of memory\n");
		return;
	}
	int status = write_page(f, page, site, st, &pg, po_clock_now_ms(&site->clock), why,
				sizeof why - 1);
	po_state_close(st);
	if (fclose(f) != 0 || status != 200) {
		free(rp->body);
		rp->body = NULL;
		if (status == 200)
			snprintf(why, sizeof why, "out of memory");
		strcat(why, "\n");
		reply_text(rp, status == 200 ? 500 : status, why);
		return;
	}
	rp->len = len;
	rp->status = 200;
	rp->content_type = content_type(page);
}

/* ---- the server ---------------------------------------------------------- */

struct po_httpd {
	struct po_httpd_site site;
	lt_dlhandle lib;
	const struct po_httpd_module *mod;
	void *server;
};

static void handle_cb(void *arg, const struct po_httpd_request *rq, struct po_httpd_reply *rp)
{
	struct po_httpd *h = arg;
	po_httpd_handle(&h->site, rq, rp);
}

static void log_cb(void *arg, const char *msg)
{
	(void)arg;
	po_log_warnx("http", "%s", msg);
}

/* Open httpd.so; NULL with why filled when it cannot be used. */
static const struct po_httpd_module *open_module(struct po_httpd *h, const char *path,
						 char *why, size_t why_len)
{
	lt_dladvise advise;
	const char *e;
	if (lt_dlinit() != 0 || lt_dladvise_init(&advise)) {
		e = lt_dlerror();
		snprintf(why, why_len, "libltdl: %s", e ? e : "unknown error");
		return NULL;
	}
	lt_dladvise_local(&advise);
	h->lib = lt_dlopenadvise(path, advise);
	lt_dladvise_destroy(&advise);
	if (!h->lib) {
		e = lt_dlerror();
		snprintf(why, why_len, "%s", e ? e : "cannot open");
		lt_dlexit();
		return NULL;
	}
	const struct po_httpd_module *m = lt_dlsym(h->lib, PO_HTTPD_MODULE_SYMBOL);
	if (m && m->version == PO_HTTPD_MODULE_VERSION && m->size == sizeof *m) {
		/* kept to the end, as net.so is: libmicrohttpd's TLS library
		 * keeps state that must not be unloaded under it */
		lt_dlmakeresident(h->lib);
		return m;
	}
	snprintf(why, why_len, "not this build's status server module (no %s, or another version)",
		 PO_HTTPD_MODULE_SYMBOL);
	lt_dlclose(h->lib);
	h->lib = NULL;
	lt_dlexit();
	return NULL;
}

int po_httpd_start(struct po_runtime *rt, struct po_httpd **out)
{
	const struct po_config *c = &rt->conf;
	struct po_listen_addr a;
	char why[512], path[PATH_MAX + 32];
	*out = NULL;
	if (!c->http_listen)
		return 0;
	if (po_listen_parse(c->http_listen, &a, why, sizeof why) < 0) {
		po_log_errorx("http", "listen %s: %s", c->http_listen, why); /* config.c checked it */
		return PLAYOUT_ECONFIG;
	}
	struct po_httpd *h = calloc(1, sizeof *h);
	if (!h)
		return PLAYOUT_ENOMEM;
	h->site.conf = c;
	h->site.clock = rt->clock;
	h->site.rt = rt;
	if (c->http_token) {
		char *token = NULL;
		struct playout_error e = {0};
		if (po_host_secret(rt, c->http_token, &token, &e) < 0) {
			po_log_errorx("http", "token %s: %s; the status server stays off", c->http_token,
				      e.msg);
			free(h);
			return e.code ? e.code : PLAYOUT_ECONFIG;
		}
		po_secret_free(token);
	}
	po_module_path("PLAYOUT_HTTPD_MODULE", "httpd.so", path, sizeof path);
	h->mod = open_module(h, path, why, sizeof why);
	if (!h->mod) {
		po_log_errorx("http", "status server module %s: %s; the status server stays off",
			      path, why);
		free(h);
		return PLAYOUT_EUNAVAIL;
	}
	h->server = h->mod->start((const struct sockaddr *)&a.sa, a.len, handle_cb, log_cb, h, why,
				  sizeof why);
	if (!h->server) {
		po_log_errorx("http", "%s: %s; the status server stays off", c->http_listen, why);
		po_httpd_stop(h);
		return PLAYOUT_EUNAVAIL;
	}
	po_log_notice("http", "status server on http://%s/%s", c->http_listen,
		      c->http_token ? " (token required)" : "");
	*out = h;
	return 0;
}

void po_httpd_stop(struct po_httpd *h)
{
	if (!h)
		return;
	if (h->server)
		h->mod->stop(h->server);
	free(h);
}
