/*
 * The webhook notifier: each alarm event as one HTTPS POST of a JSON body
 * through the core's HTTP helper (TLS verified, timeouts). The body is the
 * event as JSON, or body_template with {{type}}, {{pid}}, {{title}},
 * {{start}}, {{message}}, {{key}}, {{severity}}, {{station}}, {{time}} and
 * {{body}} replaced by JSON-escaped values, so it fits Slack, Matrix or
 * Discord. Retries are the core's (the notify dispatcher), not ours.
 */
#include <stdlib.h>
#include <string.h>

#include <playout/plugin.h>
#include <playout/util.h>

extern const struct playout_plugin playout_plugin;

struct webhook {
	const struct playout_host *host;
	char *url;
	char *token_ref;     /* NULL: no Authorization header */
	char *tmpl;          /* NULL: the event as JSON */
	int timeout_s;
};

static const struct playout_setting webhook_settings[] = {
	{ .name = "url", .type = PLAYOUT_SET_STRING, .required = 1,
	  .help = "https:// address the events are POSTed to" },
	{ .name = "token", .type = PLAYOUT_SET_SECRET,
	  .help = "sent as \"Authorization: Bearer <token>\" (env:NAME, file:/path, ssm:/name)" },
	{ .name = "body_template", .type = PLAYOUT_SET_STRING,
	  .help = "JSON body with {{type}} {{pid}} {{title}} {{start}} {{message}} {{key}} placeholders" },
	{ .name = "timeout_s", .type = PLAYOUT_SET_INT, .min = 1, .max = 120, .def = "15",
	  .help = "whole exchange, seconds" },
	{ .name = NULL },
};

static void webhook_destroy(void *inst)
{
	struct webhook *w = inst;
	if (!w)
		return;
	free(w->url);
	free(w->token_ref);
	free(w->tmpl);
	free(w);
}

static char *dup_or_null(const char *s, int *bad)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*bad = 1;
	return d;
}

static int webhook_create(const config_setting_t *conf, const struct playout_host *host,
			  void **instance, struct playout_error *err)
{
	const char *url = playout_conf_str(conf, "url");
	struct webhook *w = calloc(1, sizeof *w);
	int bad = 0;
	if (!w)
		return playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
	if (strncmp(url, "https://", 8) != 0 &&
	    (strncmp(url, "http://", 7) != 0 || !playout_url_is_loopback(url))) {
		webhook_destroy(w);
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "url %s: must start with https:// (http:// only for a receiver on this machine: 127.0.0.1, ::1, localhost)",
					 url);
	}
	w->host = host;
	w->url = dup_or_null(url, &bad);
	w->token_ref = dup_or_null(playout_conf_str(conf, "token"), &bad);
	w->tmpl = dup_or_null(playout_conf_str(conf, "body_template"), &bad);
	w->timeout_s = (int)playout_conf_int(conf, "timeout_s");
	if (bad) {
		webhook_destroy(w);
		return playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
	}
	if (w->token_ref) {
		/* read it now: a reference that cannot be read is a start-up
		 * error, not a surprise at the first alarm */
		char *v = NULL;
		int rc = host->secret(host, w->token_ref, &v, err);
		if (v) {
			memset(v, 0, strlen(v));
			free(v);
		}
		if (rc < 0) {
			webhook_destroy(w);
			return rc;
		}
	}
	*instance = w;
	return PLAYOUT_OK;
}

/* The value of placeholder name (without braces) for ev, or NULL. */
static const char *field(const struct playout_event *ev, const char *name, size_t len,
			 char *tbuf, size_t nt)
{
	static const char *const names[] = { "type", "pid", "title", "start", "message", "key",
					     "severity", "station", "time", "body", NULL };
	int k = -1;
	for (int i = 0; names[i]; i++)
		if (strlen(names[i]) == len && !strncmp(names[i], name, len))
			k = i;
	switch (k) {
	case 0: return ev->type;
	case 1: return ev->pid;
	case 2: return ev->title;
	case 3:
		if (!ev->start_ms)
			return "";
		playout_time_format(ev->start_ms, tbuf, nt);
		return tbuf;
	case 4: return ev->message;
	case 5: return ev->key;
	case 6: return ev->severity;
	case 7: return ev->station;
	case 8:
		playout_time_format(ev->time_ms, tbuf, nt);
		return tbuf;
	case 9: return ev->body ? ev->body : "";
	default: return NULL;
	}
}

/* body_template with each {{name}} JSON-escaped (without quotes: the
 * template writes them); an unknown name is kept as written. */
static int render_template(const char *t, const struct playout_event *ev, struct playout_buf *b)
{
	char tbuf[40];
	while (*t) {
		const char *open = strstr(t, "{{");
		const char *close = open ? strstr(open + 2, "}}") : NULL;
		if (!open || !close)
			return playout_buf_str(b, t);
		if (playout_buf_add(b, t, (size_t)(open - t)) < 0)
			return PLAYOUT_ENOMEM;
		const char *v = field(ev, open + 2, (size_t)(close - open - 2), tbuf, sizeof tbuf);
		if (!v) {
			if (playout_buf_add(b, open, (size_t)(close + 2 - open)) < 0)
				return PLAYOUT_ENOMEM;
		} else {
			/* playout_json_escape writes the quotes too: drop them */
			struct playout_buf q;
			playout_buf_init(&q);
			int rc = playout_json_escape(&q, v);
			if (rc == PLAYOUT_OK && q.n >= 2)
				rc = playout_buf_add(b, q.p + 1, q.n - 2);
			playout_buf_free(&q);
			if (rc < 0)
				return PLAYOUT_ENOMEM;
		}
		t = close + 2;
	}
	return PLAYOUT_OK;
}

static int render_json(const struct playout_event *ev, struct playout_buf *b)
{
	static const char *const keys[] = { "type", "pid", "title", "start", "message", "key",
					    "severity", "station", "time", "body", NULL };
	char tbuf[40];
	int rc = playout_buf_str(b, "{");
	for (int i = 0; keys[i] && rc == PLAYOUT_OK; i++) {
		const char *v = field(ev, keys[i], strlen(keys[i]), tbuf, sizeof tbuf);
		rc = playout_buf_printf(b, "%s\"%s\":", i ? "," : "", keys[i]);
		if (rc == PLAYOUT_OK)
			rc = playout_json_escape(b, v);
	}
	if (rc == PLAYOUT_OK)
		rc = playout_buf_str(b, "}");
	return rc;
}

static int webhook_send(void *inst, const struct playout_event *ev, struct playout_error *err)
{
	struct webhook *w = inst;
	const struct playout_host *h = w->host;
	struct playout_buf body, auth;
	struct playout_http_response resp = {0};
	char *token = NULL;
	const char *headers[3] = { "Content-Type: application/json", NULL, NULL };
	int rc;

	playout_buf_init(&body);
	playout_buf_init(&auth);
	rc = w->tmpl ? render_template(w->tmpl, ev, &body) : render_json(ev, &body);
	if (rc < 0) {
		rc = playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
		goto out;
	}
	if (w->token_ref) {
		/* each time: a SIGHUP may have rotated it */
		rc = h->secret(h, w->token_ref, &token, err);
		if (rc < 0)
			goto out;
		if (playout_buf_printf(&auth, "Authorization: Bearer %s", token) < 0) {
			rc = playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
			goto out;
		}
		headers[1] = auth.p;
	}
	struct playout_http_request req = {
		.method = "POST", .url = w->url, .headers = headers,
		.body = body.p, .body_len = body.n,
		.timeout_s = w->timeout_s,
		.max_retries = -1, /* the dispatcher retries, with its backoff */
	};
	rc = h->http(h, &req, &resp, err);
	if (rc == PLAYOUT_OK && (resp.status < 200 || resp.status > 299))
		rc = playout_error_set(err, resp.status == 401 || resp.status == 403 ? PLAYOUT_EAUTH
										 : PLAYOUT_EUNAVAIL,
				       "POST %s: HTTP %ld%s", w->url, resp.status,
				       resp.status == 401 || resp.status == 403 ? " (check the token)" : "");
out:
	if (token) {
		memset(token, 0, strlen(token));
		free(token);
	}
	if (auth.p)
		memset(auth.p, 0, auth.n);
	playout_buf_free(&auth);
	playout_buf_free(&body);
	playout_http_response_free(&resp);
	return rc;
}

static const struct playout_notify_ops webhook_ops = {
	.size = sizeof(struct playout_notify_ops),
	.send = webhook_send,
};

const struct playout_plugin playout_plugin = {
	PLAYOUT_PLUGIN_HEAD,
	.name = "webhook",
	.kind = PLAYOUT_KIND_NOTIFY,
	.description = "alarms as JSON POSTs (Slack, Matrix, Discord, a pager gateway)",
	.settings = webhook_settings,
	.create = webhook_create,
	.destroy = webhook_destroy,
	.ops.notify = &webhook_ops,
};
