/*
 * The e-mail notifier: one plain-text message per alarm event, over SMTP
 * with libcurl: smtps:// (TLS from the start) or smtp:// with STARTTLS
 * required, certificates verified. starttls = false (plain SMTP) is
 * accepted only for a loopback server (a local relay, the tests).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include <playout/plugin.h>
#include <playout/util.h>

extern const struct playout_plugin playout_plugin;

#define MAX_RCPT 16

struct email {
	const struct playout_host *host;
	char *url;
	char *user;          /* NULL: no login */
	char *password_ref;
	char *from;
	char *to[MAX_RCPT];
	size_t nto;
	int starttls;
	int timeout_s;
};

static const struct playout_setting email_settings[] = {
	{ .name = "url", .type = PLAYOUT_SET_STRING, .required = 1,
	  .help = "smtp://host:587 (STARTTLS required) or smtps://host:465" },
	{ .name = "user", .type = PLAYOUT_SET_STRING, .help = "SMTP login; absent: none" },
	{ .name = "password", .type = PLAYOUT_SET_SECRET,
	  .help = "SMTP password (env:NAME, file:/path, ssm:/name)" },
	{ .name = "from", .type = PLAYOUT_SET_STRING, .required = 1,
	  .help = "sender address, playout@example.org" },
	{ .name = "to", .type = PLAYOUT_SET_LIST, .required = 1,
	  .help = "recipients: [ \"studio@example.org\" ]" },
	{ .name = "starttls", .type = PLAYOUT_SET_BOOL, .def = "true",
	  .help = "require STARTTLS on smtp://; false only for a loopback server" },
	{ .name = "timeout_s", .type = PLAYOUT_SET_INT, .min = 1, .max = 300, .def = "30",
	  .help = "whole exchange, seconds" },
	{ .name = NULL },
};

static void email_destroy(void *inst)
{
	struct email *m = inst;
	if (!m)
		return;
	free(m->url);
	free(m->user);
	free(m->password_ref);
	free(m->from);
	for (size_t i = 0; i < m->nto; i++)
		free(m->to[i]);
	free(m);
	curl_global_cleanup();
}

static int email_fail(struct email *m, struct playout_error *err, int code, const char *what)
{
	email_destroy(m);
	return playout_error_set(err, code, "%s", what);
}

static int email_create(const config_setting_t *conf, const struct playout_host *host,
			void **instance, struct playout_error *err)
{
	const char *url = playout_conf_str(conf, "url");
	const config_setting_t *to = config_setting_get_member(conf, "to");
	struct email *m;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return playout_error_set(err, PLAYOUT_EIO, "libcurl would not initialise");
	m = calloc(1, sizeof *m);
	if (!m) {
		curl_global_cleanup();
		return playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
	}
	m->host = host;
	m->starttls = playout_conf_bool(conf, "starttls");
	m->timeout_s = (int)playout_conf_int(conf, "timeout_s");
	if (strncmp(url, "smtp://", 7) && strncmp(url, "smtps://", 8))
		return email_fail(m, err, PLAYOUT_ECONFIG,
				  "url must start with smtp:// (STARTTLS) or smtps://");
	if (!m->starttls && strncmp(url, "smtp://", 7) == 0 && !playout_url_is_loopback(url))
		return email_fail(m, err, PLAYOUT_ECONFIG,
				  "starttls = false sends passwords and alarms in clear: only for a server on this machine (127.0.0.1, ::1, localhost)");
	if (!(m->url = strdup(url)) || !(m->from = strdup(playout_conf_str(conf, "from"))))
		return email_fail(m, err, PLAYOUT_ENOMEM, "out of memory");
	if (playout_conf_str(conf, "user") && !(m->user = strdup(playout_conf_str(conf, "user"))))
		return email_fail(m, err, PLAYOUT_ENOMEM, "out of memory");
	if (playout_conf_str(conf, "password") &&
	    !(m->password_ref = strdup(playout_conf_str(conf, "password"))))
		return email_fail(m, err, PLAYOUT_ENOMEM, "out of memory");
	for (int i = 0; to && i < config_setting_length(to); i++) {
		const char *a = config_setting_get_string(config_setting_get_elem(to, (unsigned)i));
		if (!a || !strchr(a, '@') || strpbrk(a, "\r\n<>,"))
			return email_fail(m, err, PLAYOUT_ECONFIG,
					  "to: each recipient is one address, like \"studio@example.org\"");
		if (m->nto == MAX_RCPT)
			return email_fail(m, err, PLAYOUT_ECONFIG, "to: at most 16 recipients");
		if (!(m->to[m->nto++] = strdup(a)))
			return email_fail(m, err, PLAYOUT_ENOMEM, "out of memory");
	}
	if (!m->nto)
		return email_fail(m, err, PLAYOUT_ECONFIG, "to: give at least one recipient");
	if (strpbrk(m->from, "\r\n<>") || !strchr(m->from, '@'))
		return email_fail(m, err, PLAYOUT_ECONFIG, "from: one address, like \"playout@example.org\"");
	if (m->password_ref) {
		char *v = NULL;
		int rc = host->secret(host, m->password_ref, &v, err);
		if (v) {
			memset(v, 0, strlen(v));
			free(v);
		}
		if (rc < 0) {
			email_destroy(m);
			return rc;
		}
	}
	*instance = m;
	return PLAYOUT_OK;
}

/* A header value: ASCII as it is, else RFC 2047 base64 words. */
static int header_text(struct playout_buf *b, const char *s)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int ascii = 1;
	for (const char *p = s; *p; p++)
		ascii &= (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f;
	if (ascii)
		return playout_buf_str(b, s);
	size_t len = strlen(s);
	int rc = PLAYOUT_OK;
	/* words of at most 45 bytes of text (60 of base64) */
	for (size_t at = 0; at < len && rc == PLAYOUT_OK;) {
		size_t n = len - at > 45 ? 45 : len - at;
		while (n < len - at && n > 1 && ((unsigned char)s[at + n] & 0xC0) == 0x80)
			n--; /* never cut a character in two */
		rc = playout_buf_str(b, at ? "\r\n =?UTF-8?B?" : "=?UTF-8?B?");
		for (size_t i = 0; i < n && rc == PLAYOUT_OK; i += 3) {
			const unsigned char *p = (const unsigned char *)s + at + i;
			uint32_t v = (uint32_t)p[0] << 16 | (i + 1 < n ? (uint32_t)p[1] << 8 : 0) |
				     (i + 2 < n ? p[2] : 0);
			char q[4] = { b64[v >> 18 & 63], b64[v >> 12 & 63],
				      i + 1 < n ? b64[v >> 6 & 63] : '=', i + 2 < n ? b64[v & 63] : '=' };
			rc = playout_buf_add(b, q, 4);
		}
		if (rc == PLAYOUT_OK)
			rc = playout_buf_str(b, "?=");
		at += n;
	}
	return rc;
}

/* Body lines with CRLF ends; a lone CR or LF becomes CRLF. */
static int crlf_text(struct playout_buf *b, const char *s)
{
	int rc = PLAYOUT_OK;
	for (const char *p = s; *p && rc == PLAYOUT_OK; p++) {
		if (*p == '\r')
			continue;
		rc = *p == '\n' ? playout_buf_str(b, "\r\n") : playout_buf_add(b, p, 1);
	}
	return rc;
}

static void local_and_utc(const struct playout_host *h, int64_t ms, char *buf, size_t n)
{
	struct tm tm;
	char local[80] = "", utc[40];
	playout_time_format(ms, utc, sizeof utc);
	if (h->utc_to_local(h, ms, &tm) == PLAYOUT_OK)
		strftime(local, sizeof local, "%A %e %B %Y, %H:%M %Z", &tm);
	snprintf(buf, n, "%s station time (%s)", local, utc);
}

static int compose(struct email *m, const struct playout_event *ev, struct playout_buf *b)
{
	const struct playout_host *h = m->host;
	char date[64], airs[160] = "", msgid[160];
	struct tm tm;
	time_t t = (time_t)(h->wall_ms(h) / 1000);
	int rc = PLAYOUT_OK;

	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	snprintf(msgid, sizeof msgid, "<%lld.%lx@playout>", (long long)h->wall_ms(h),
		 (unsigned long)(uintptr_t)ev);
	if (ev->start_ms)
		local_and_utc(h, ev->start_ms, airs, sizeof airs);
	rc = playout_buf_printf(b, "Date: %s\r\nFrom: %s\r\nTo: ", date, m->from);
	for (size_t i = 0; i < m->nto && rc == PLAYOUT_OK; i++)
		rc = playout_buf_printf(b, "%s%s", i ? ", " : "", m->to[i]);
	if (rc == PLAYOUT_OK)
		rc = playout_buf_str(b, "\r\nSubject: ");
	if (rc == PLAYOUT_OK) {
		char subj[700];
		snprintf(subj, sizeof subj, "[%s] %s%s", ev->station,
			 strcmp(ev->type, "resolved") ? "" : "", ev->message);
		rc = header_text(b, subj);
	}
	if (rc == PLAYOUT_OK)
		rc = playout_buf_printf(b, "\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\n"
					   "Content-Type: text/plain; charset=UTF-8\r\n"
					   "Content-Transfer-Encoding: 8bit\r\n"
					   "X-Playout-Type: %s\r\nX-Playout-Key: %s\r\n\r\n",
					msgid, ev->type, ev->key);
	if (rc == PLAYOUT_OK)
		rc = playout_buf_printf(b, "Hello,\r\n\r\nthis is playout at %s%s:\r\n\r\n",
					ev->station,
					strcmp(ev->type, "resolved") ? ". Something needs a person"
								     : ". A problem is over");
	if (rc == PLAYOUT_OK)
		rc = crlf_text(b, ev->message);
	if (rc == PLAYOUT_OK)
		rc = playout_buf_str(b, "\r\n\r\n");
	if (rc == PLAYOUT_OK && ev->body && ev->body[0])
		rc = crlf_text(b, ev->body);
	if (rc == PLAYOUT_OK && airs[0])
		rc = playout_buf_printf(b, "\r\nAir time:    %s\r\n", airs);
	if (rc == PLAYOUT_OK)
		rc = playout_buf_printf(b, "\r\n-- \r\nplayout alarm: %s (%s), key %s\r\n"
					   "playoutctl alerts lists what was sent; playoutctl rundown says what will play.\r\n",
					ev->type, ev->severity, ev->key);
	return rc;
}

struct reader {
	const char *p;
	size_t left;
};

static size_t read_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct reader *r = arg;
	size_t n = size * nmemb < r->left ? size * nmemb : r->left;
	memcpy(buf, r->p, n);
	r->p += n;
	r->left -= n;
	return n;
}

/* Abort a transfer once the daemon stops (checked about every second by
 * libcurl, and at every chunk). */
static int progress_cb(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	const struct playout_host *h = arg;
	(void)a; (void)b; (void)c; (void)d;
	return h->stopping(h) ? 1 : 0;
}

static int email_send(void *inst, const struct playout_event *ev, struct playout_error *err)
{
	struct email *m = inst;
	const struct playout_host *h = m->host;
	struct playout_buf msg;
	struct curl_slist *rcpt = NULL;
	char *password = NULL, errbuf[CURL_ERROR_SIZE] = "";
	CURL *c = NULL;
	int rc;

	playout_buf_init(&msg);
	rc = compose(m, ev, &msg);
	if (rc < 0) {
		rc = playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
		goto out;
	}
	if (m->password_ref && (rc = h->secret(h, m->password_ref, &password, err)) < 0)
		goto out;
	for (size_t i = 0; i < m->nto; i++) {
		struct curl_slist *n = curl_slist_append(rcpt, m->to[i]);
		if (!n) {
			rc = playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
			goto out;
		}
		rcpt = n;
	}
	c = curl_easy_init();
	if (!c) {
		rc = playout_error_set(err, PLAYOUT_ENOMEM, "libcurl: no handle");
		goto out;
	}
	struct reader r = { msg.p, msg.n };
	curl_easy_setopt(c, CURLOPT_URL, m->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, m->from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &r);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg.n);
	curl_easy_setopt(c, CURLOPT_USE_SSL, m->starttls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)m->timeout_s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)h);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	if (m->user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, m->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, password ? password : "");
	}
	CURLcode cc = curl_easy_perform(c);
	if (cc == CURLE_ABORTED_BY_CALLBACK) {
		rc = playout_error_set(err, PLAYOUT_EUNAVAIL, "%s: stopped while sending (the daemon is stopping)",
				       m->url);
	} else if (cc != CURLE_OK) {
		long code = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		rc = playout_error_set(err,
				       cc == CURLE_LOGIN_DENIED ? PLAYOUT_EAUTH :
				       cc == CURLE_OPERATION_TIMEDOUT ? PLAYOUT_ETIMEOUT : PLAYOUT_EUNAVAIL,
				       "%s: %s%s%s", m->url, errbuf[0] ? errbuf : curl_easy_strerror(cc),
				       code ? ", SMTP " : "", code ? "reply" : "");
		if (code)
			playout_str_appendf(err->msg, sizeof err->msg, " %ld", code);
	}
out:
	if (c)
		curl_easy_cleanup(c);
	curl_slist_free_all(rcpt);
	if (password) {
		memset(password, 0, strlen(password));
		free(password);
	}
	playout_buf_free(&msg);
	return rc;
}

static const struct playout_notify_ops email_ops = {
	.size = sizeof(struct playout_notify_ops),
	.send = email_send,
};

const struct playout_plugin playout_plugin = {
	PLAYOUT_PLUGIN_HEAD,
	.name = "email",
	.kind = PLAYOUT_KIND_NOTIFY,
	.description = "alarms as plain-text e-mail over SMTP (STARTTLS or SMTPS)",
	.settings = email_settings,
	.create = email_create,
	.destroy = email_destroy,
	.ops.notify = &email_ops,
};
