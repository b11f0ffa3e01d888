/*
 * ical: a schedule read from an iCalendar feed (Google Calendar's secret
 * address, Nextcloud, Outlook, or a local .ics file), fetched through the
 * host's HTTP service with a conditional GET. This file is the plugin: its
 * settings, where the feed comes from and what happens when it cannot be
 * had. Parsing and the last good copy: ical_feed.c; slots: ical_expand.c.
 */
#include <playout/plugin.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libical/ical.h>

#include "ical_expand.h"
#include "ical_feed.h"

#define ICAL_MAX_WARNED 4096 /* event uids remembered for warn-once */

struct ical_inst {
	const struct playout_host *host;
	char *url_ref;          /* the `url` setting: a secret reference, never logged
	                           unless it is a local feed's path */
	char *path;             /* a local feed file, or NULL: the feed is fetched by URL */
	char site[160];         /* for messages: "https://calendar.google.com" or the path */
	int timeout_s;
	int64_t max_bytes;
	size_t max_occurrences;
	struct ical_feed copy;  /* the last good feed; copy.cal NULL: none yet */
	int copy_tried;         /* the kv state was read for a copy */
	int failing;            /* the last fetch planned from the copy */
	char fail_why[256];     /* ...because of this */
	uint64_t bad_hash;      /* the last feed refused, by hash and length, and */
	size_t bad_len;         /* why: the same broken text is not parsed again */
	char bad_why[200];      /* (libical writes to stderr about some lines) */
	int all_day_warned;
	char **warned;          /* uids already reported */
	size_t nwarned;
};

/* ---- addresses ------------------------------------------------------------ */

/* Split url into scheme and host (userinfo dropped), lower case, into site
 * "scheme://host[:port]". 0, or -1 when it is not scheme://host... */
static int ical_url_site(const char *url, char *site, size_t n, char *host, size_t hn)
{
	const char *sep = strstr(url, "://");
	if (!sep || sep == url)
		return -1;
	const char *h = sep + 3;
	size_t hl = strcspn(h, "/?#");
	const char *at = memchr(h, '@', hl);
	while (at) { /* the last '@' of the authority ends any userinfo */
		hl -= (size_t)(at + 1 - h);
		h = at + 1;
		at = memchr(h, '@', hl);
	}
	if (hl == 0 || hl >= hn)
		return -1;
	for (size_t i = 0; i < hl; i++)
		host[i] = (char)tolower((unsigned char)h[i]);
	host[hl] = '\0';
	snprintf(site, n, "%.*s://%s", (int)(sep - url), url, host);
	for (char *c = site; *c && *c != ':'; c++)
		*c = (char)tolower((unsigned char)*c);
	return 0;
}

/* host ("127.0.0.1:8080", "[::1]", "localhost") is this machine. */
static int ical_loopback(const char *host)
{
	char name[128];
	size_t n;
	if (host[0] == '[') {
		const char *close = strchr(host, ']');
		return close && (size_t)(close - host) == 4 && strncmp(host, "[::1]", 5) == 0;
	}
	n = strcspn(host, ":");
	if (n >= sizeof name)
		return 0;
	memcpy(name, host, n);
	name[n] = '\0';
	return strcmp(name, "localhost") == 0 || strncmp(name, "127.", 4) == 0;
}

/* Check url (the value of the `url` reference): https://, webcal:// (taken
 * as https://), or http:// to this machine only (a secret address must not
 * cross a network in clear). *fetch_url: the URL to GET (malloc'd). */
static int ical_url_check(const char *url, char **fetch_url, char *site, size_t site_n,
			  struct playout_error *err)
{
	char host[128];
	const char *rest = NULL;
	int plain = 0;

	if (strncasecmp(url, "https://", 8) == 0) {
		rest = url + 8;
	} else if (strncasecmp(url, "webcal://", 9) == 0 || strncasecmp(url, "webcals://", 10) == 0) {
		rest = strstr(url, "://") + 3;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		rest = url + 7;
		plain = 1;
	}
	if (!rest || ical_url_site(url, site, site_n, host, sizeof host) != 0)
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "url: the feed address must be https://..., webcal://... or "
					 "file:/path");
	if (plain && !ical_loopback(host))
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "url: http:// is allowed only to this machine (127.0.0.1, "
					 "::1, localhost), not %s: the address is a secret; use https://",
					 host);
	size_t n = strlen(rest) + 9;
	*fetch_url = malloc(n);
	if (!*fetch_url)
		return playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
	snprintf(*fetch_url, n, "%s%s", plain ? "http://" : "https://", rest);
	if (!plain)
		snprintf(site, site_n, "https://%s", host);
	return PLAYOUT_OK;
}

/* A `url` of file:/path names a local feed when the file is one (it begins
 * with BEGIN:VCALENDAR) or does not exist; any other file holds the
 * address, like every file: secret reference. 1 for a local feed. */
static int ical_is_local_feed(const char *ref)
{
	char head[64];
	const char *path = ref + 5;
	if (strncmp(ref, "file:", 5) != 0)
		return 0;
	if (strncmp(path, "//", 2) == 0) /* file:///path */
		path += 2;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT;
	ssize_t got = read(fd, head, sizeof head - 1);
	close(fd);
	if (got < 0)
		return 0;
	head[got] = '\0';
	const char *p = head;
	if (strncmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (*p == ' ' || *p == '\r' || *p == '\n' || *p == '\t')
		p++;
	return strncasecmp(p, "BEGIN:VCALENDAR", 15) == 0;
}

/* The value of the url reference, checked. On SIGHUP the core reads the
 * reference again: asked on every fetch, a rotated address is followed. */
static int ical_resolve_url(struct ical_inst *ii, char **fetch_url, struct playout_error *err)
{
	char *value = NULL;
	char site[sizeof ii->site];
	int rc = ii->host->secret(ii->host, ii->url_ref, &value, err);

	if (rc != PLAYOUT_OK)
		return rc;
	rc = ical_url_check(value, fetch_url, site, sizeof site, err);
	explicit_bzero(value, strlen(value));
	free(value);
	if (rc == PLAYOUT_OK)
		memcpy(ii->site, site, sizeof site);
	return rc;
}

/* ---- getting the feed ------------------------------------------------------ */

/* A header's value from a header block ("Name: value" lines), trimmed, into
 * out; "" when absent. */
static void ical_header(const char *block, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);
	out[0] = '\0';
	for (const char *line = block; line && *line;) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		if (len > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *v = line + nl + 1;
			size_t vl = len - nl - 1;
			while (vl && (*v == ' ' || *v == '\t')) {
				v++;
				vl--;
			}
			while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (vl >= n)
				vl = n - 1;
			memcpy(out, v, vl);
			out[vl] = '\0';
		}
		line = eol ? eol + 1 : NULL;
	}
}

/* Take text as the new copy when it parses. */
static int ical_take(struct ical_inst *ii, const char *text, size_t len, const char *etag,
		     const char *last_modified, struct playout_error *err)
{
	char why[200];
	int rc;

	if (ical_feed_same(&ii->copy, text, len)) {
		/* a server without validators sends the same feed every time */
		ii->host->log(ii->host, PLAYOUT_LOG_DEBUG, "feed %s unchanged (the same text)",
			      ii->site);
		rc = ical_feed_set_validators(&ii->copy, etag, last_modified);
		ii->copy.fetched_ms = ii->host->wall_ms(ii->host);
		return rc == PLAYOUT_OK ? rc : playout_error_set(err, rc, "out of memory");
	}
	uint64_t hash = ical_feed_hash(text, len);
	if (ii->bad_len == len && ii->bad_hash == hash && ii->bad_why[0])
		return playout_error_set(err, PLAYOUT_EPROTO, "feed %s: %s", ii->site, ii->bad_why);
	rc = ical_feed_parse(&ii->copy, text, len, why, sizeof why);
	if (rc == PLAYOUT_ENOMEM)
		return playout_error_set(err, rc, "feed %s: out of memory", ii->site);
	if (rc != PLAYOUT_OK) {
		ii->bad_hash = hash;
		ii->bad_len = len;
		snprintf(ii->bad_why, sizeof ii->bad_why, "%s", why);
		return playout_error_set(err, rc, "feed %s: %s", ii->site, why);
	}
	rc = ical_feed_set_validators(&ii->copy, etag, last_modified);
	if (rc != PLAYOUT_OK)
		return playout_error_set(err, rc, "feed %s: out of memory", ii->site);
	ii->copy.fetched_ms = ii->host->wall_ms(ii->host);
	if (ical_feed_keep(&ii->copy, ii->host, text) != PLAYOUT_OK)
		ii->host->log(ii->host, PLAYOUT_LOG_DEBUG,
			      "feed %s: the copy could not be kept in the state (read-only?)",
			      ii->site);
	return PLAYOUT_OK;
}

/* GET the feed, conditionally when there is a copy to fall back on. */
static int ical_get(struct ical_inst *ii, struct playout_error *err)
{
	char inm[300], ims[120], etag[256], lm[100];
	const char *headers[4] = { "Accept: text/calendar, */*;q=0.1", NULL, NULL, NULL };
	size_t nh = 1;
	char *url = NULL;
	struct playout_http_response resp = { 0 };
	int rc = ical_resolve_url(ii, &url, err);

	if (rc != PLAYOUT_OK)
		return rc;
	if (ii->copy.cal && ii->copy.etag) {
		snprintf(inm, sizeof inm, "If-None-Match: %s", ii->copy.etag);
		headers[nh++] = inm;
	}
	if (ii->copy.cal && ii->copy.last_modified) {
		snprintf(ims, sizeof ims, "If-Modified-Since: %s", ii->copy.last_modified);
		headers[nh++] = ims;
	}
	struct playout_http_request req = {
		.method = "GET", .url = url, .headers = headers, .timeout_s = ii->timeout_s,
		.max_retries = -1, /* the next round is the retry; the copy covers the gap */
	};
	rc = ii->host->http(ii->host, &req, &resp, err);
	explicit_bzero(url, strlen(url));
	free(url);
	if (rc != PLAYOUT_OK) {
		/* the core's message names the URL: say only where */
		return playout_error_set(err, rc, "feed %s: no answer (%s)", ii->site,
					 rc == PLAYOUT_ETIMEOUT ? "timed out" : "unreachable");
	}
	if (resp.status == 304 && ii->copy.cal) {
		ii->host->log(ii->host, PLAYOUT_LOG_DEBUG, "feed %s unchanged (HTTP 304)", ii->site);
		ii->copy.fetched_ms = ii->host->wall_ms(ii->host);
		playout_http_response_free(&resp);
		return PLAYOUT_OK;
	}
	if (resp.status != 200) {
		long st = resp.status;
		rc = st == 401 || st == 403 ? PLAYOUT_EAUTH
		   : st == 404 || st == 410 ? PLAYOUT_ENOTFOUND
		   : st >= 500 || st == 429 ? PLAYOUT_EUNAVAIL : PLAYOUT_EPROTO;
		playout_http_response_free(&resp);
		return playout_error_set(err, rc, "feed %s: HTTP %ld%s", ii->site, st,
					 rc == PLAYOUT_EAUTH || rc == PLAYOUT_ENOTFOUND
						 ? " (was the secret address reset?)" : "");
	}
	if ((int64_t)resp.body_len > ii->max_bytes) {
		size_t got = resp.body_len;
		playout_http_response_free(&resp);
		return playout_error_set(err, PLAYOUT_EINVAL,
					 "feed %s: %zu bytes, more than max_bytes (%lld)", ii->site,
					 got, (long long)ii->max_bytes);
	}
	ical_header(resp.headers, "ETag", etag, sizeof etag);
	ical_header(resp.headers, "Last-Modified", lm, sizeof lm);
	rc = ical_take(ii, resp.body ? resp.body : "", resp.body_len, etag, lm, err);
	playout_http_response_free(&resp);
	return rc;
}

/* Read the local feed, unless it is the copy already (same mtime and size). */
static int ical_read_file(struct ical_inst *ii, struct playout_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	int rc;
	int fd = open(ii->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "feed %s: cannot open: %s", ii->path,
					 strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = playout_error_set(err, PLAYOUT_EUNAVAIL, "feed %s: not a regular file",
				       ii->path);
		goto out;
	}
	int64_t mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
	if (ii->copy.cal && ii->copy.file_size == (int64_t)st.st_size &&
	    ii->copy.file_mtime_ms == mtime_ms) {
		rc = PLAYOUT_OK;
		goto out;
	}
	if ((int64_t)st.st_size > ii->max_bytes) {
		rc = playout_error_set(err, PLAYOUT_EINVAL,
				       "feed %s: %lld bytes, more than max_bytes (%lld)", ii->path,
				       (long long)st.st_size, (long long)ii->max_bytes);
		goto out;
	}
	for (size_t cap = 0;;) { /* to EOF: the file may have grown since fstat */
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : (size_t)st.st_size + 4096;
			if (ncap > (size_t)ii->max_bytes + 1)
				ncap = (size_t)ii->max_bytes + 1;
			char *nb = realloc(buf, ncap + 1); /* + the NUL */
			if (!nb) {
				rc = playout_error_set(err, PLAYOUT_ENOMEM, "feed %s: out of memory",
						       ii->path);
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = playout_error_set(err, PLAYOUT_EUNAVAIL, "feed %s: cannot read: %s",
					       ii->path, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if ((int64_t)n > ii->max_bytes) {
			rc = playout_error_set(err, PLAYOUT_EINVAL, "feed %s: more than max_bytes (%lld)",
					       ii->path, (long long)ii->max_bytes);
			goto out;
		}
	}
	buf[n] = '\0';
	rc = ical_take(ii, buf, n, NULL, NULL, err);
	if (rc == PLAYOUT_OK) {
		ii->copy.file_size = (int64_t)st.st_size;
		ii->copy.file_mtime_ms = mtime_ms;
	}
out:
	free(buf);
	close(fd);
	return rc;
}

/* ---- fetch ------------------------------------------------------------------- */

static void ical_skipped(void *arg, const char *uid, int all_day, const char *why)
{
	struct ical_inst *ii = arg;
	if (all_day) {
		if (!ii->all_day_warned)
			ii->host->log(ii->host, PLAYOUT_LOG_WARN,
				      "feed %s: event %.80s: %s; all-day events are ignored (said "
				      "once)", ii->site, uid, why);
		ii->all_day_warned = 1;
		return;
	}
	for (size_t i = 0; i < ii->nwarned; i++)
		if (strcmp(ii->warned[i], uid) == 0)
			return;
	if (ii->nwarned < ICAL_MAX_WARNED) {
		char **v = realloc(ii->warned, (ii->nwarned + 1) * sizeof *v);
		char *c = strdup(uid);
		if (v)
			ii->warned = v;
		if (v && c)
			ii->warned[ii->nwarned++] = c;
		else
			free(c);
	}
	ii->host->log(ii->host, PLAYOUT_LOG_WARN, "feed %s: event %.80s: %s; skipped", ii->site,
		      uid[0] ? uid : "(no UID)", why);
}

static int ical_fetch(void *inst, int64_t from_ms, int64_t to_ms, struct playout_slots *out,
		      struct playout_error *err)
{
	struct ical_inst *ii = inst;
	struct playout_error e = { 0 };
	char why[200];
	int rc;

	if (!ii->copy_tried) {
		/* the copy from before a restart: a feed down at start still plans */
		rc = ical_feed_load(&ii->copy, ii->host, why, sizeof why);
		if (rc == PLAYOUT_EPROTO)
			ii->host->log(ii->host, PLAYOUT_LOG_WARN, "the kept copy of the feed: %s", why);
		ii->copy_tried = 1;
	}
	rc = ii->path ? ical_read_file(ii, &e) : ical_get(ii, &e);
	if (rc != PLAYOUT_OK) {
		if (!ii->copy.cal) {
			if (err)
				*err = e;
			return rc;
		}
		if (!ii->failing || strcmp(ii->fail_why, e.msg) != 0) {
			int64_t age_ms = ii->host->wall_ms(ii->host) - ii->copy.fetched_ms;
			ii->host->log(ii->host, PLAYOUT_LOG_WARN,
				      "%s; planning from the last good copy (%.0f min old)", e.msg,
				      ii->copy.fetched_ms ? age_ms / 60000.0 : 0.0);
			snprintf(ii->fail_why, sizeof ii->fail_why, "%s", e.msg);
		}
		ii->failing = 1;
	} else if (ii->failing) {
		ii->host->log(ii->host, PLAYOUT_LOG_NOTICE, "feed %s usable again", ii->site);
		ii->failing = 0;
		ii->fail_why[0] = '\0';
	}
	struct ical_expand_opts o = {
		.host = ii->host, .from_ms = from_ms, .to_ms = to_ms,
		.max_occurrences = ii->max_occurrences, .skip = ical_skipped, .arg = ii,
	};
	rc = ical_expand(ii->copy.cal, &o, out, NULL);
	if (rc != PLAYOUT_OK)
		return playout_error_set(err, rc, "feed %s: out of memory", ii->site);
	return PLAYOUT_OK;
}

/* ---- instance ----------------------------------------------------------------- */

static void ical_destroy(void *instance)
{
	struct ical_inst *ii = instance;

	if (!ii)
		return;
	ical_feed_clear(&ii->copy);
	for (size_t i = 0; i < ii->nwarned; i++)
		free(ii->warned[i]);
	free(ii->warned);
	if (ii->url_ref)
		explicit_bzero(ii->url_ref, strlen(ii->url_ref));
	free(ii->url_ref);
	free(ii->path);
	free(ii);
}

static int ical_create(const config_setting_t *conf, const struct playout_host *host,
		       void **instance, struct playout_error *err)
{
	const char *ref = playout_conf_str(conf, "url"); /* required: the core checked it */
	struct ical_inst *ii = calloc(1, sizeof *ii);
	int rc = PLAYOUT_OK;

	if (!ii)
		return playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
	ii->host = host;
	ii->timeout_s = (int)playout_conf_int(conf, "timeout_s");
	ii->max_bytes = playout_conf_int(conf, "max_bytes");
	ii->max_occurrences = (size_t)playout_conf_int(conf, "max_occurrences");
	ii->url_ref = strdup(ref);
	if (!ii->url_ref) {
		rc = playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
		goto out;
	}
	if (ical_is_local_feed(ref)) {
		const char *path = ref + 5;
		if (strncmp(path, "//", 2) == 0)
			path += 2;
		if (path[0] != '/') {
			rc = playout_error_set(err, PLAYOUT_ECONFIG,
					       "url: file: wants an absolute path (file:/path)");
			goto out;
		}
		ii->path = strdup(path);
		if (!ii->path) {
			rc = playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
			goto out;
		}
		snprintf(ii->site, sizeof ii->site, "%s", path);
	} else {
		/* the address checked now, so a wrong one stops the start */
		char *url = NULL;
		rc = ical_resolve_url(ii, &url, err);
		if (url)
			explicit_bzero(url, strlen(url));
		free(url);
		if (rc != PLAYOUT_OK)
			goto out;
	}
	/* a broken feed must never end the process from inside libical */
	icalerror_set_errors_are_fatal(0);
out:
	if (rc != PLAYOUT_OK) {
		ical_destroy(ii);
		return rc;
	}
	*instance = ii;
	return PLAYOUT_OK;
}

static const struct playout_setting ical_settings[] = {
	{ .name = "url", .type = PLAYOUT_SET_SECRET, .required = 1,
	  .help = "the feed: https://... or webcal://... (a secret: keep it in file:/path or "
		  "env:NAME), http:// to this machine only, or file:/path.ics" },
	{ .name = "timeout_s", .type = PLAYOUT_SET_INT, .min = 1, .max = 300, .def = "30",
	  .help = "seconds for the whole download" },
	{ .name = "max_bytes", .type = PLAYOUT_SET_INT, .min = 1024, .max = 1073741824,
	  .def = "10485760", .help = "a larger feed is refused (the last good copy is used)" },
	{ .name = "max_occurrences", .type = PLAYOUT_SET_INT, .min = 1, .max = 10000000,
	  .def = "20000", .help = "recurrence steps per fetch for the whole feed (a bound "
				  "on hostile or broken rules)" },
	{ .name = NULL },
};

static const struct playout_schedule_ops ical_ops = {
	.size = sizeof(struct playout_schedule_ops),
	.fetch = ical_fetch,
};

extern const struct playout_plugin playout_plugin;
const struct playout_plugin playout_plugin = {
	PLAYOUT_PLUGIN_HEAD,
	.name = "ical",
	.kind = PLAYOUT_KIND_SCHEDULE,
	.description = "schedule from an iCalendar feed (Google, Nextcloud, Outlook) or .ics file",
	.settings = ical_settings,
	.create = ical_create,
	.destroy = ical_destroy,
	.ops.schedule = &ical_ops,
};
