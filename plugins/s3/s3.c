/*
 * s3: programme files from an S3 bucket (ListObjectsV2, GET with resume).
 * Keys are data, never paths: only a plain "<name>.mp3" directly under the
 * prefix becomes an asset; downloads go to the path the core gives, through a
 * resumable partial inside host->cache_dir/.part. Requests and bytes are
 * counted per UTC day in the state store. Not for uploads. fetch runs on the
 * core's download threads, several at once when the storage group sets
 * "downloads": it reads the instance's settings only, and the counters take
 * a lock.
 */
#include <playout/plugin.h>
#include <playout/util.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>

#include "s3_list_xml.h"

#define S3_FETCH_ATTEMPTS 3       /* each one resumes where the last stopped */
#define S3_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define S3_PART_SUFFIX ".s3partial"
#define S3_WARNED_MAX 1024        /* hostile keys remembered for warn-once */

struct s3 {
	const struct playout_host *host;
	char *bucket, *prefix, *region, *endpoint;
	int64_t max_bytes_per_s;      /* of one download: the setting's share */
	pthread_mutex_t count_mu;     /* the counters' read-modify-write: the
	                                 core's download threads count too */
	int list_days, full_list_h, page_size, timeout_s, download_timeout_s;
	struct playout_assets full;   /* the last full listing of the prefix */
	int64_t full_at_ms;           /* its wall-clock time; 0: none */
	int full_loaded;              /* tried the state store already */
	char **warned;                /* hostile keys already reported */
	size_t nwarned;
};

static const struct playout_setting s3_settings[] = {
	{ .name = "bucket", .type = PLAYOUT_SET_STRING, .required = 1, .help = "bucket name" },
	{ .name = "prefix", .type = PLAYOUT_SET_STRING, .def = "",
	  .help = "key prefix of the programme files" },
	{ .name = "region", .type = PLAYOUT_SET_STRING, .help = "bucket region (default: aws.region)" },
	{ .name = "endpoint", .type = PLAYOUT_SET_STRING,
	  .help = "http://127.0.0.1:PORT for tests (path-style URLs)" },
	{ .name = "max_bytes_per_s", .type = PLAYOUT_SET_INT, .min = 0, .max = INT64_C(1) << 40,
	  .def = "0",
	  .help = "download rate limit of all downloads together, shared equally among the "
		  "storage's 'downloads'; 0: none" },
	{ .name = "list_days", .type = PLAYOUT_SET_INT, .min = 1, .max = 62, .def = "3",
	  .help = "dated prefixes listed each round, from yesterday" },
	{ .name = "full_list_h", .type = PLAYOUT_SET_INT, .min = 0, .max = 24 * 366, .def = "24",
	  .help = "hours between full listings (0: every round)" },
	{ .name = "page_size", .type = PLAYOUT_SET_INT, .min = 1, .max = 1000, .def = "1000",
	  .help = "keys per listing page" },
	{ .name = "timeout_s", .type = PLAYOUT_SET_INT, .min = 1, .max = 3600, .def = "30",
	  .help = "timeout of one listing request" },
	{ .name = "download_timeout_s", .type = PLAYOUT_SET_INT, .min = 1, .max = 86400,
	  .def = "3600", .help = "timeout of one download" },
	{ .name = NULL },
};

/* ---- small helpers --------------------------------------------------------- */

static void warn_key_once(struct s3 *s, const char *key, const char *why)
{
	for (size_t i = 0; i < s->nwarned; i++)
		if (strcmp(s->warned[i], key) == 0)
			return;
	char shown[128];
	size_t j = 0;
	/* the key may hold anything: show control bytes as '?' */
	for (const unsigned char *p = (const unsigned char *)key; *p && j < sizeof shown - 4; p++)
		shown[j++] = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;
	if (*key && j >= sizeof shown - 4) {
		memcpy(shown + j, "...", 3);
		j += 3;
	}
	shown[j] = '\0';
	s->host->log(s->host, PLAYOUT_LOG_WARN, "skipping key \"%s\" in bucket %s: %s", shown,
		     s->bucket, why);
	if (s->nwarned < S3_WARNED_MAX) {
		char **v = realloc(s->warned, (s->nwarned + 1) * sizeof *v);
		if (!v)
			return;
		s->warned = v;
		v[s->nwarned] = strdup(key);
		if (v[s->nwarned])
			s->nwarned++;
	}
}

/* ---- counters -------------------------------------------------------------- */

static void count_add(struct s3 *s, const char *what, int64_t n)
{
	char key[64], val[32], *old = NULL;
	int64_t y;
	int m, d;
	playout_civil_from_days(s->host->wall_ms(s->host) / 86400000, &y, &m, &d);
	snprintf(key, sizeof key, "%s:%04d-%02d-%02d", what, (int)y, m, d);
	long long cur = 0;
	pthread_mutex_lock(&s->count_mu);
	if (s->host->kv_get(s->host, key, &old) == PLAYOUT_OK && old)
		cur = strtoll(old, NULL, 10);
	free(old);
	snprintf(val, sizeof val, "%lld", cur + (long long)n);
	s->host->kv_put(s->host, key, val); /* playoutctl has no writable state: fine */
	pthread_mutex_unlock(&s->count_mu);
}

/* ---- requests -------------------------------------------------------------- */

/* The bucket's base URL: path-style on an endpoint, virtual-hosted on AWS. */
static int base_url(const struct s3 *s, struct playout_buf *b)
{
	if (s->endpoint) {
		size_t n = strlen(s->endpoint);
		while (n > 0 && s->endpoint[n - 1] == '/')
			n--;
		if (playout_buf_add(b, s->endpoint, n) < 0 || playout_buf_str(b, "/") < 0)
			return PLAYOUT_ENOMEM;
		return playout_buf_pct(b, s->bucket);
	}
	if (playout_buf_str(b, "https://") < 0 || playout_buf_str(b, s->bucket) < 0 || playout_buf_str(b, ".s3.") < 0)
		return PLAYOUT_ENOMEM;
	if (s->region && (playout_buf_str(b, s->region) < 0 || playout_buf_str(b, ".") < 0))
		return PLAYOUT_ENOMEM;
	return playout_buf_str(b, "amazonaws.com");
}

/* S3's error XML: <Error><Code>X</Code><Message>Y</Message></Error>. */
static void error_words(const char *body, size_t len, char *out, size_t n)
{
	out[0] = '\0';
	if (!body || !len)
		return;
	xmlDocPtr doc = xmlReadMemory(body, (int)len, "error.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	xmlChar *code = NULL, *msg = NULL;
	for (xmlNodePtr c = root ? root->children : NULL; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!code && xmlStrcmp(c->name, BAD_CAST "Code") == 0)
			code = xmlNodeGetContent(c);
		else if (!msg && xmlStrcmp(c->name, BAD_CAST "Message") == 0)
			msg = xmlNodeGetContent(c);
	}
	snprintf(out, n, "%s%s%s", code ? (const char *)code : "", code && msg ? ": " : "",
		 msg ? (const char *)msg : "");
	xmlFree(code);
	xmlFree(msg);
	xmlFreeDoc(doc);
}

/* A non-success HTTP status as a code and a message. */
static int status_error(struct s3 *s, const char *what, const struct playout_http_response *r,
			struct playout_error *err)
{
	char words[160];
	error_words(r->body, r->body_len, words, sizeof words);
	const char *sep = words[0] ? " " : "";
	if (r->status == 403 || r->status == 401)
		return playout_error_set(err, PLAYOUT_EAUTH,
					 "%s %s: HTTP %ld%s%s (check the credentials and the bucket policy)",
					 what, s->bucket, r->status, sep, words);
	if (r->status == 404)
		return playout_error_set(err, PLAYOUT_ENOTFOUND, "%s %s: HTTP 404%s%s", what, s->bucket,
					 sep, words);
	if (r->status >= 500 || r->status == 429)
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "%s %s: HTTP %ld%s%s", what, s->bucket,
					 r->status, sep, words);
	return playout_error_set(err, PLAYOUT_EPROTO, "%s %s: unexpected HTTP %ld%s%s", what,
				 s->bucket, r->status, sep, words);
}

/* ---- listing --------------------------------------------------------------- */

/* A hostile key seen by the listing parser: warn once (s3_list_xml.h). */
static void s3_key_warn(void *arg, const char *key, const char *why)
{
	warn_key_once(arg, key, why);
}

/* Parse one ListObjectsV2 page; *token gets the next continuation token
 * (malloc'd) or NULL on the last page. */
static int parse_page(struct s3 *s, const char *body, size_t len, const char *prefix,
		      struct playout_assets *out, char **token, struct playout_error *err)
{
	const struct s3_list_src src = {
		.bucket = s->bucket, .prefix = s->prefix, .warn = s3_key_warn, .arg = s,
	};
	return s3_list_parse_page(&src, body, len, prefix, out, token, err);
}

/* Every key under prefix (a full key prefix), all pages, into out. */
static int list_prefix(struct s3 *s, const char *prefix, struct playout_assets *out,
		       struct playout_error *err)
{
	char *token = NULL;
	int rc = PLAYOUT_OK;
	for (int page = 0; page < 100000; page++) {
		struct playout_buf url = {0};
		char num[24];
		snprintf(num, sizeof num, "%d", s->page_size);
		/* parameters sorted by name and encoded: libcurl 7.88 signs them as given */
		rc = base_url(s, &url);
		if (rc == PLAYOUT_OK && !s->endpoint)
			rc = playout_buf_str(&url, "/");
		if (rc == PLAYOUT_OK && token)
			rc = playout_buf_str(&url, "?continuation-token=") || playout_buf_pct(&url, token) ||
			     playout_buf_str(&url, "&encoding-type=url&list-type=2&max-keys=");
		else if (rc == PLAYOUT_OK)
			rc = playout_buf_str(&url, "?encoding-type=url&list-type=2&max-keys=");
		if (rc == PLAYOUT_OK)
			rc = playout_buf_str(&url, num) || playout_buf_str(&url, "&prefix=") || playout_buf_pct(&url, prefix);
		if (rc != PLAYOUT_OK) {
			free(url.p);
			rc = playout_error_set(err, PLAYOUT_ENOMEM, "list %s: out of memory", s->bucket);
			break;
		}
		const char *headers[] = {"x-amz-content-sha256: " S3_EMPTY_SHA256, NULL};
		struct playout_http_request req = {
			.method = "GET", .url = url.p, .headers = headers,
			.aws_service = "s3", .aws_region = s->region, .timeout_s = s->timeout_s,
		};
		struct playout_http_response resp = {0};
		rc = s->host->http(s->host, &req, &resp, err);
		free(url.p);
		count_add(s, "requests", 1); /* sent, answered or not */
		if (rc < 0) {
			playout_http_response_free(&resp);
			break;
		}
		count_add(s, "bytes", (int64_t)resp.body_len);
		char what[128];
		snprintf(what, sizeof what, "list prefix \"%.60s\" of", prefix);
		if (resp.status != 200) {
			rc = status_error(s, what, &resp, err);
			playout_http_response_free(&resp);
			break;
		}
		free(token);
		token = NULL;
		rc = parse_page(s, resp.body, resp.body_len, prefix, out, &token, err);
		playout_http_response_free(&resp);
		if (rc < 0 || !token)
			break;
	}
	free(token);
	return rc;
}

/* ---- the full listing, kept in memory and in the state store ---------------- */

/* TSV: first line "full_at_ms", then "size\tmtime_ms\tetag\tname" per asset. */
static int full_save(struct s3 *s)
{
	struct playout_buf b = {0};
	char line[128];
	snprintf(line, sizeof line, "%" PRId64 "\n", s->full_at_ms);
	int rc = playout_buf_str(&b, line);
	for (size_t i = 0; i < s->full.n && rc == PLAYOUT_OK; i++) {
		const struct playout_asset *a = &s->full.v[i];
		snprintf(line, sizeof line, "%" PRId64 "\t%" PRId64 "\t", a->size, a->mtime_ms);
		rc = playout_buf_str(&b, line) || playout_buf_str(&b, a->etag) || playout_buf_str(&b, "\t") ||
		     playout_buf_str(&b, a->name) || playout_buf_str(&b, "\n");
	}
	if (rc == PLAYOUT_OK)
		s->host->kv_put(s->host, "full_list", b.p);
	free(b.p);
	return rc;
}

static void full_load(struct s3 *s)
{
	char *v = NULL;
	s->full_loaded = 1;
	if (s->host->kv_get(s->host, "full_list", &v) != PLAYOUT_OK || !v) {
		free(v);
		return;
	}
	char *save = NULL, *line = strtok_r(v, "\n", &save);
	if (line)
		s->full_at_ms = strtoll(line, NULL, 10);
	while ((line = strtok_r(NULL, "\n", &save))) {
		struct playout_asset a;
		memset(&a, 0, sizeof a);
		char *f[4], *fs = NULL;
		int n = 0;
		for (char *p = strtok_r(line, "\t", &fs); p && n < 4; p = strtok_r(NULL, "\t", &fs))
			f[n++] = p;
		/* the etag may be empty: then three fields */
		if (n == 3) {
			f[3] = f[2];
			f[2] = "";
		} else if (n != 4) {
			continue;
		}
		const char *why = s3_name_problem(f[3]);
		if (!why || *why || strlen(f[2]) >= sizeof a.etag)
			continue;
		a.size = strtoll(f[0], NULL, 10);
		a.mtime_ms = strtoll(f[1], NULL, 10);
		snprintf(a.etag, sizeof a.etag, "%s", f[2]);
		snprintf(a.name, sizeof a.name, "%s", f[3]);
		if (playout_assets_push(&s->full, &a) < 0)
			break;
	}
	free(v);
}

/* Local midnight of the civil day `days` after 1970-01-01, in UTC ms. */
static int local_midnight(struct s3 *s, int64_t days, int64_t *ms, int *y, int *m, int *d)
{
	int64_t year;
	playout_civil_from_days(days, &year, m, d);
	*y = (int)year;
	return s->host->local_to_utc(s->host, *y, *m, *d, 0, 0, 0, ms);
}

/* The station-local date of now, as days since 1970-01-01. */
static int64_t local_today(struct s3 *s, int64_t now_ms)
{
	int64_t guess = now_ms / 86400000;
	for (int64_t d = guess + 1; d >= guess - 1; d--) {
		int64_t m;
		int y, mo, da;
		if (local_midnight(s, d, &m, &y, &mo, &da) == PLAYOUT_OK && m <= now_ms)
			return d;
	}
	return guess;
}

static void merge(struct playout_assets *into, const struct playout_asset *a)
{
	for (size_t i = 0; i < into->n; i++)
		if (strcmp(into->v[i].name, a->name) == 0) {
			into->v[i] = *a;
			return;
		}
	playout_assets_push(into, a);
}

static int s3_list(void *inst, struct playout_assets *out, struct playout_error *err)
{
	struct s3 *s = inst;
	int rc;
	if (!s->full_loaded)
		full_load(s);
	int64_t wall = s->host->wall_ms(s->host);
	int full_due = s->full_at_ms == 0 ||
		       wall - s->full_at_ms >= (int64_t)s->full_list_h * 3600000 ||
		       wall < s->full_at_ms;
	int full_fresh = 0;
	if (full_due) {
		struct playout_assets fresh = {0};
		struct playout_error e = {0};
		rc = list_prefix(s, s->prefix, &fresh, &e);
		if (rc == PLAYOUT_OK) {
			free(s->full.v);
			s->full = fresh;
			s->full_at_ms = wall;
			full_fresh = 1;
			full_save(s);
		} else {
			free(fresh.v);
			if (rc != PLAYOUT_EUNAVAIL && rc != PLAYOUT_ETIMEOUT)
				return playout_error_set(err, rc, "%s", e.msg);
			if (s->full_at_ms == 0)
				return playout_error_set(err, rc, "%s", e.msg);
			s->host->log(s->host, PLAYOUT_LOG_WARN,
				     "full listing failed (%s); keeping the one from %.1f h ago", e.msg,
				     (double)(wall - s->full_at_ms) / 3600000.0);
		}
	}
	struct playout_assets dated = {0};
	if (!full_fresh) {
		/* the days of the planning horizon, a cheap listing each */
		int64_t today = local_today(s, s->host->now_ms(s->host));
		for (int64_t d = today - 1; d < today - 1 + s->list_days; d++) {
			int64_t m;
			int y, mo, da;
			char p[1024];
			local_midnight(s, d, &m, &y, &mo, &da);
			snprintf(p, sizeof p, "%s%04d%02d%02d_", s->prefix, y, mo, da);
			rc = list_prefix(s, p, &dated, err);
			if (rc < 0) {
				free(dated.v);
				return rc;
			}
		}
	}
	for (size_t i = 0; i < s->full.n; i++)
		if (playout_assets_push(out, &s->full.v[i]) < 0)
			goto nomem;
	for (size_t i = 0; i < dated.n; i++)
		merge(out, &dated.v[i]);
	free(dated.v);
	return PLAYOUT_OK;
nomem:
	free(dated.v);
	return playout_error_set(err, PLAYOUT_ENOMEM, "list %s: out of memory", s->bucket);
}

/* ---- download ---------------------------------------------------------------- */

static int etag_is_md5(const char *etag)
{
	size_t n = strlen(etag);
	if (n != 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s3_hexval((unsigned char)etag[i]) < 0)
			return 0;
	return 1;
}

static int file_md5_hex(int fd, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE], buf[65536];
	unsigned int mdlen = 0;
	int rc = -1;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_md5(), NULL))
		goto out;
	off_t off = 0;
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof buf, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		if (!EVP_DigestUpdate(ctx, buf, (size_t)n))
			goto out;
		off += n;
	}
	if (!EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != 16)
		goto out;
	for (unsigned i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

static void part_forget(struct s3 *s, const char *path, const char *kvkey)
{
	unlink(path);
	s->host->kv_put(s->host, kvkey, "");
}

/* One GET of the object from offset off into fd. *status gets the HTTP status
 * (0 when no answer arrived). */
static int get_once(struct s3 *s, const struct playout_asset *a, int fd, int64_t off, long *status,
		    struct playout_http_response *resp, struct playout_error *err)
{
	struct playout_buf url = {0};
	char range[64], ifmatch[128];
	const char *headers[4] = {"x-amz-content-sha256: " S3_EMPTY_SHA256, NULL, NULL, NULL};
	size_t nh = 1;
	*status = 0;
	if (base_url(s, &url) < 0 || playout_buf_str(&url, "/") < 0 || playout_buf_pct_path(&url, s->prefix) < 0 ||
	    playout_buf_pct(&url, a->name) < 0) {
		free(url.p);
		return playout_error_set(err, PLAYOUT_ENOMEM, "GET %s: out of memory", a->name);
	}
	if (off > 0) {
		snprintf(range, sizeof range, "Range: bytes=%" PRId64 "-", off);
		headers[nh++] = range;
		if (a->etag[0]) {
			snprintf(ifmatch, sizeof ifmatch, "If-Match: \"%s\"", a->etag);
			headers[nh++] = ifmatch;
		}
	}
	int64_t timeout = s->download_timeout_s;
	struct playout_http_request req = {
		.method = "GET", .url = url.p, .headers = headers, .aws_service = "s3",
		.aws_region = s->region, .timeout_s = (int)timeout, .max_retries = -1,
		.sink_fd = fd, .max_bytes_per_s = s->max_bytes_per_s,
	};
	if (lseek(fd, (off_t)off, SEEK_SET) < 0 || ftruncate(fd, (off_t)off) < 0) {
		free(url.p);
		return playout_error_set(err, PLAYOUT_EIO, "%s: cannot prepare the partial file: %s",
					 a->name, strerror(errno));
	}
	int rc = s->host->http(s->host, &req, resp, err);
	free(url.p);
	if (rc == PLAYOUT_OK)
		*status = resp->status;
	count_add(s, "requests", 1);
	return rc;
}

static int s3_fetch(void *inst, const struct playout_asset *a, const char *dest_path,
		    struct playout_error *err)
{
	struct s3 *s = inst;
	char part[4096], kvkey[300];
	struct stat st;
	int fd = -1, rc;
	int64_t off = 0;
	const char *why = s3_name_problem(a->name);
	if (!why || *why)
		return playout_error_set(err, PLAYOUT_EINVAL, "refusing to fetch \"%.80s\": %s",
					 a->name, why ? why : "not an .mp3 name");
	if (!s->host->cache_dir)
		return playout_error_set(err, PLAYOUT_ECONFIG, "fetch %s: no cache directory", a->name);
	snprintf(part, sizeof part, "%s/.part", s->host->cache_dir);
	if (mkdir(part, 0750) < 0 && errno != EEXIST)
		return playout_error_set(err, PLAYOUT_EIO, "%s: cannot create: %s", part, strerror(errno));
	if ((size_t)snprintf(part, sizeof part, "%s/.part/%s" S3_PART_SUFFIX, s->host->cache_dir,
			     a->name) >= sizeof part)
		return playout_error_set(err, PLAYOUT_EINVAL, "fetch %s: cache path too long", a->name);
	snprintf(kvkey, sizeof kvkey, "partial:%s", a->name);

	/* resume a partial of the same object (same etag) left by an earlier try */
	fd = open(part, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		char *old = NULL;
		int same = a->etag[0] && s->host->kv_get(s->host, kvkey, &old) == PLAYOUT_OK && old &&
			   strcmp(old, a->etag) == 0;
		free(old);
		if (same && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < a->size) {
			off = st.st_size;
			s->host->log(s->host, PLAYOUT_LOG_INFO, "%s: resuming at byte %" PRId64,
				     a->name, off);
		} else {
			close(fd);
			fd = -1;
			unlink(part);
		}
	}
	if (fd < 0) {
		fd = open(part, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
		if (fd < 0)
			return playout_error_set(err, PLAYOUT_EIO, "%s: cannot create: %s", part,
						 strerror(errno));
		s->host->kv_put(s->host, kvkey, a->etag);
	}

	rc = PLAYOUT_EUNAVAIL;
	for (int attempt = 0; attempt < S3_FETCH_ATTEMPTS; attempt++) {
		struct playout_http_response resp = {0};
		long status;
		rc = get_once(s, a, fd, off, &status, &resp, err);
		int64_t size = fstat(fd, &st) == 0 ? (int64_t)st.st_size : off;
		if (size > off)
			count_add(s, "bytes", size - off);
		if (rc < 0) {
			/* no complete answer: keep what arrived and resume from there */
			playout_http_response_free(&resp);
			s->host->log(s->host, PLAYOUT_LOG_INFO, "%s: %s; %" PRId64 " bytes so far",
				     a->name, err ? err->msg : "download failed", size);
			off = size;
			continue;
		}
		if ((status == 200 && off == 0) || (status == 206 && off > 0)) {
			playout_http_response_free(&resp);
			off = size;
			rc = PLAYOUT_OK;
			break;
		}
		if (status == 200 || status == 412 || status == 416) {
			/* range ignored, or the object changed: start again from zero */
			playout_http_response_free(&resp);
			s->host->kv_put(s->host, kvkey, a->etag);
			off = 0;
			rc = playout_error_set(err, PLAYOUT_EPROTO, "GET %s: HTTP %ld on a resumed download",
					       a->name, status);
			continue;
		}
		char what[300];
		snprintf(what, sizeof what, "GET %.200s from", a->name);
		rc = status_error(s, what, &resp, err);
		playout_http_response_free(&resp);
		if (rc != PLAYOUT_EUNAVAIL)
			break;
	}
	if (rc < 0) {
		close(fd);
		if (rc != PLAYOUT_EUNAVAIL && rc != PLAYOUT_ETIMEOUT)
			part_forget(s, part, kvkey);
		return rc;
	}
	if (off != a->size) {
		rc = playout_error_set(err, PLAYOUT_EIO, "GET %s: got %" PRId64 " bytes, the listing said %" PRId64,
				       a->name, off, a->size);
		goto fail;
	}
	if (etag_is_md5(a->etag)) {
		char md5[33];
		if (file_md5_hex(fd, md5) < 0) {
			rc = playout_error_set(err, PLAYOUT_EIO, "%s: cannot read back: %s", part,
					       strerror(errno));
			goto fail;
		}
		if (strcasecmp(md5, a->etag) != 0) {
			rc = playout_error_set(err, PLAYOUT_EIO,
					       "GET %s: etag mismatch (MD5 %s, ETag %s); download discarded",
					       a->name, md5, a->etag);
			goto fail;
		}
	}
	if (fsync(fd) < 0) {
		rc = playout_error_set(err, PLAYOUT_EIO, "%s: fsync: %s", part, strerror(errno));
		goto fail;
	}
	close(fd);
	fd = -1;
	/* link, not rename: fails rather than replace if dest_path exists */
	if (link(part, dest_path) < 0) {
		rc = playout_error_set(err, PLAYOUT_EIO, "%s: cannot create %s: %s", a->name, dest_path,
				       strerror(errno));
		goto fail;
	}
	part_forget(s, part, kvkey);
	return PLAYOUT_OK;
fail:
	if (fd >= 0)
		close(fd);
	part_forget(s, part, kvkey);
	return rc;
} /* s3_fetch */

/* ---- life cycle ------------------------------------------------------------ */

static char *opt_string(const config_setting_t *conf, const char *name)
{
	const char *v = playout_conf_str(conf, name);
	return v ? strdup(v) : NULL;
}

static void s3_destroy(void *inst)
{
	struct s3 *s = inst;
	if (!s)
		return;
	free(s->bucket);
	free(s->prefix);
	free(s->region);
	free(s->endpoint);
	free(s->full.v);
	for (size_t i = 0; i < s->nwarned; i++)
		free(s->warned[i]);
	free(s->warned);
	pthread_mutex_destroy(&s->count_mu);
	free(s);
}

static int s3_create(const config_setting_t *conf, const struct playout_host *host, void **instance,
		     struct playout_error *err)
{
	struct s3 *s = calloc(1, sizeof *s);
	if (!s)
		return playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
	s->host = host;
	pthread_mutex_init(&s->count_mu, NULL);
	s->bucket = opt_string(conf, "bucket");
	s->prefix = opt_string(conf, "prefix");
	s->region = opt_string(conf, "region");
	s->endpoint = opt_string(conf, "endpoint");
	s->max_bytes_per_s = playout_conf_int(conf, "max_bytes_per_s");
	/* "downloads" is the core's key (it runs that many fetches at once):
	 * give each its share so that together they keep to the limit */
	int64_t downloads = playout_conf_int(conf, "downloads");
	if (downloads > 1 && s->max_bytes_per_s > 0)
		s->max_bytes_per_s = s->max_bytes_per_s / downloads > 0 ? s->max_bytes_per_s / downloads : 1;
	s->list_days = (int)playout_conf_int(conf, "list_days");
	s->full_list_h = (int)playout_conf_int(conf, "full_list_h");
	s->page_size = (int)playout_conf_int(conf, "page_size");
	s->timeout_s = (int)playout_conf_int(conf, "timeout_s");
	s->download_timeout_s = (int)playout_conf_int(conf, "download_timeout_s");
	int line = config_setting_source_line(conf);
	const char *file = host->config_file ? host->config_file : "config";
	if (!s->bucket || !s->prefix) {
		s3_destroy(s);
		return playout_error_set(err, PLAYOUT_ECONFIG, "%s:%d: s3 needs a bucket", file, line);
	}
	if (!*s->bucket || strchr(s->bucket, '/')) {
		playout_error_set(err, PLAYOUT_ECONFIG, "%s:%d: s3 bucket \"%.60s\" is not a bucket name",
				  file, line, s->bucket);
		s3_destroy(s);
		return PLAYOUT_ECONFIG;
	}
	if (s->endpoint && strncmp(s->endpoint, "http://", 7) != 0 &&
	    strncmp(s->endpoint, "https://", 8) != 0) {
		playout_error_set(err, PLAYOUT_ECONFIG, "%s:%d: s3 endpoint \"%.80s\" is not an http(s) URL",
				  file, line, s->endpoint);
		s3_destroy(s);
		return PLAYOUT_ECONFIG;
	}
	if (s->list_days < 1)
		s->list_days = 1;
	if (s->page_size < 1 || s->page_size > 1000)
		s->page_size = 1000;
	*instance = s;
	return PLAYOUT_OK;
}

static const struct playout_storage_ops s3_ops = {
	.size = sizeof(struct playout_storage_ops),
	.list = s3_list,
	.fetch = s3_fetch,
};

extern const struct playout_plugin playout_plugin;
const struct playout_plugin playout_plugin = {
	PLAYOUT_PLUGIN_HEAD,
	.name = "s3",
	.kind = PLAYOUT_KIND_STORAGE,
	.description = "programme files from an S3 bucket (ListObjectsV2, resumable GET)",
	.settings = s3_settings,
	.create = s3_create,
	.destroy = s3_destroy,
	.ops.storage = &s3_ops,
};
