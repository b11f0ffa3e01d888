/*
 * One HTTP exchange with libcurl: an easy handle per attempt, retries with
 * exponential backoff and jitter, SigV4 through CURLOPT_AWS_SIGV4, and a
 * 2xx body either in memory or streamed to a descriptor. No credentials are
 * looked up here; the caller passes them in.
 */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <playout/util.h>

#define HTTP_DEFAULT_TIMEOUT_S 30
#define HTTP_DEFAULT_RETRIES 3
#define HTTP_DEFAULT_CONNECT_MS 10000
#define HTTP_DEFAULT_BACKOFF_MS 500
#define HTTP_RETRY_AFTER_MAX_S 30
#define HTTP_HEADERS_MAX (256 * 1024)

/* State of one attempt, shared with the curl callbacks. */
struct attempt {
	CURL *curl;
	int sink_fd;      /* > 0: a 2xx body goes here */
	int sink_failed;  /* errno of a failed write, else 0 */
	struct playout_buf body;
	struct playout_buf headers;
	int64_t rate;     /* bytes per second; 0: unlimited */
	double t0;        /* monotonic seconds at the first body byte */
	int64_t received;
};

int po_http_global_init(struct playout_error *err)
{
	CURLcode c = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (c != CURLE_OK)
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "http: curl_global_init: %s",
					 curl_easy_strerror(c));
	return PLAYOUT_OK;
}

void po_http_global_cleanup(void)
{
	curl_global_cleanup();
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Set by po_http_abort_all: the daemon is stopping. */
static int aborting;

void po_http_abort_all(int on)
{
	__atomic_store_n(&aborting, on, __ATOMIC_RELAXED);
}

int po_http_aborting(void)
{
	return __atomic_load_n(&aborting, __ATOMIC_RELAXED);
}

static int is_aborting(void)
{
	return po_http_aborting();
}

/* libcurl calls this about once a second even when no byte moves, so a
 * stalled download stops too. */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	(void)ud, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return is_aborting();
}

/* Sleep in slices so that a stop does not wait out a long Retry-After. */
static void sleep_ms(long ms)
{
	while (ms > 0 && !is_aborting()) {
		long slice = ms < 100 ? ms : 100;
		struct timespec ts = {0, slice * 1000000L};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		ms -= slice;
	}
}

/* libcurl's own limit lets a burst through on a fast link (it averages over
 * seconds); pacing here, in the write callback, holds the socket back so the
 * sender sees it too. */
static void pace(struct attempt *a, size_t n)
{
	if (a->rate <= 0)
		return;
	if (a->received == 0)
		a->t0 = mono_s();
	a->received += (int64_t)n;
	double ahead = (double)a->received / (double)a->rate - (mono_s() - a->t0);
	if (ahead > 0.001)
		sleep_ms((long)(ahead > 1.0 ? 1000 : ahead * 1000));
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct attempt *a = ud;
	size_t n = size * nmemb;
	long status = 0;
	if (is_aborting())
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, &status);
	if (a->sink_fd > 0 && status >= 200 && status < 300) {
		if (playout_write_all(a->sink_fd, p, n) < 0) {
			a->sink_failed = errno;
			return 0; /* curl stops with CURLE_WRITE_ERROR */
		}
		pace(a, n);
		return n;
	}
	if (playout_buf_add(&a->body, p, n) < 0)
		return 0;
	pace(a, n);
	return n;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct attempt *a = ud;
	size_t n = size * nmemb;
	/* A new status line starts a new answer (after 100 Continue): keep the
	 * last answer's block only. */
	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		a->headers.n = 0;
		if (a->headers.p)
			a->headers.p[0] = '\0';
	}
	if (a->headers.n + n > HTTP_HEADERS_MAX)
		return 0;
	return playout_buf_add(&a->headers, p, n) < 0 ? 0 : n;
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	static const char hex[] = "0123456789abcdef";
	EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

static int has_header(const char *const *h, const char *name)
{
	size_t len = strlen(name);
	for (; h && *h; h++)
		if (strncasecmp(*h, name, len) == 0 && (*h)[len] == ':')
			return 1;
	return 0;
}

/* Build the header list: the caller's, then ours. NULL on ENOMEM. */
static struct curl_slist *make_headers(const struct playout_http_request *req,
				       const struct po_http_sign *sign, int *ok)
{
	struct curl_slist *l = NULL, *t;
	char line[8192];
	*ok = 0;
	for (const char *const *h = req->headers; h && *h; h++) {
		t = curl_slist_append(l, *h);
		if (!t)
			goto fail;
		l = t;
	}
	/* No "Expect: 100-continue" round trip; no form content type nobody
	 * asked for. libcurl 7.88 signs every header in the list, even an empty
	 * one that only removes a default: so a signed request names a real
	 * content type instead and leaves Expect alone (libcurl sends it only
	 * for bodies over 1 MiB, unsigned, which AWS accepts). */
	if (!sign) {
		t = curl_slist_append(l, "Expect:");
		if (!t)
			goto fail;
		l = t;
	}
	if (req->body && !has_header(req->headers, "Content-Type")) {
		t = curl_slist_append(l, sign ? "Content-Type: application/octet-stream"
					      : "Content-Type:");
		if (!t)
			goto fail;
		l = t;
	}
	if (sign && sign->session_token && *sign->session_token) {
		snprintf(line, sizeof line, "x-amz-security-token: %s", sign->session_token);
		t = curl_slist_append(l, line);
		explicit_bzero(line, sizeof line);
		if (!t)
			goto fail;
		l = t;
	}
	if (sign && strcmp(sign->service, "s3") == 0 &&
	    !has_header(req->headers, "x-amz-content-sha256")) {
		char hex[65];
		sha256_hex(req->body ? req->body : "", req->body ? req->body_len : 0, hex);
		snprintf(line, sizeof line, "x-amz-content-sha256: %s", hex);
		t = curl_slist_append(l, line);
		if (!t)
			goto fail;
		l = t;
	}
	*ok = 1;
	return l;
fail:
	curl_slist_free_all(l);
	return NULL;
}

static void setup(CURL *c, const struct playout_http_request *req,
		  const struct po_http_sign *sign, const struct po_http_opts *opts,
		  struct curl_slist *hdrs, struct attempt *a, char *errbuf, char *sigv4)
{
	const char *m = req->method ? req->method : "GET";
	int timeout_s = req->timeout_s > 0 ? req->timeout_s : HTTP_DEFAULT_TIMEOUT_S;
	long connect_ms = opts && opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms
							      : HTTP_DEFAULT_CONNECT_MS;
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)timeout_s);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "playout/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	if (req->max_bytes_per_s > 0)
		curl_easy_setopt(c, CURLOPT_MAX_RECV_SPEED_LARGE,
				 (curl_off_t)req->max_bytes_per_s);
	if (strcmp(m, "HEAD") == 0) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (req->body || strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? (const char *)req->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(req->body ? req->body_len : 0));
		if (strcmp(m, "POST") != 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
	} else if (strcmp(m, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
	}
	if (sign) {
		snprintf(sigv4, 128, "aws:amz:%s:%s", sign->region, sign->service);
		curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4);
		curl_easy_setopt(c, CURLOPT_USERNAME, sign->access_key);
		curl_easy_setopt(c, CURLOPT_PASSWORD, sign->secret_key);
	}
}

static int map_curl_error(CURLcode c)
{
	switch (c) {
	case CURLE_OPERATION_TIMEDOUT:
		return PLAYOUT_ETIMEOUT;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return PLAYOUT_EINVAL;
	case CURLE_OUT_OF_MEMORY:
		return PLAYOUT_ENOMEM;
	default:
		return PLAYOUT_EUNAVAIL;
	}
}

static int retryable_status(long s)
{
	return s == 429 || s >= 500;
}

/* Milliseconds to wait before retry number `retry` (1-based): base * 2^(retry-1)
 * plus up to a quarter more, at random; Retry-After wins when it says so. */
static long backoff_ms(int base_ms, int retry, const char *headers, unsigned *seed)
{
	long d = (long)base_ms << (retry - 1 < 10 ? retry - 1 : 10);
	d += (long)(rand_r(seed) % (unsigned)(d / 4 + 1));
	char ra[32];
	if (po_http_header(headers, "Retry-After", ra, sizeof ra)) {
		char *end;
		long s = strtol(ra, &end, 10);
		if (end != ra && s >= 0) {
			if (s > HTTP_RETRY_AFTER_MAX_S)
				s = HTTP_RETRY_AFTER_MAX_S;
			d = s * 1000;
		}
	}
	return d;
}

/* Put a sink back where it started before a retry. */
static int rewind_sink(int fd, off_t start, const struct playout_http_request *req,
		       struct playout_error *err)
{
	if (ftruncate(fd, start) < 0 || lseek(fd, start, SEEK_SET) < 0)
		return playout_error_set(err, PLAYOUT_EIO, "%s %s: rewinding the download: %s",
					 req->method, req->url, strerror(errno));
	return PLAYOUT_OK;
}

int po_http_exchange(const struct playout_http_request *req, const struct po_http_sign *sign,
		     const struct po_http_opts *opts, struct playout_http_response *resp,
		     struct playout_error *err)
{
	memset(resp, 0, sizeof *resp);
	if (!req || !req->url || !req->method)
		return playout_error_set(err, PLAYOUT_EINVAL, "http: request without method or URL");
	if (sign && (!sign->region || !sign->service || !sign->access_key || !sign->secret_key))
		return playout_error_set(err, PLAYOUT_EINVAL, "%s %s: incomplete signing data",
					 req->method, req->url);
	int retries = req->max_retries < 0 ? 0 : req->max_retries ? req->max_retries
								  : HTTP_DEFAULT_RETRIES;
	int base = opts && opts->backoff_ms > 0 ? opts->backoff_ms : HTTP_DEFAULT_BACKOFF_MS;
	off_t start = 0;
	if (req->sink_fd > 0) {
		start = lseek(req->sink_fd, 0, SEEK_CUR);
		if (start < 0)
			return playout_error_set(err, PLAYOUT_EIO, "%s %s: sink descriptor: %s",
						 req->method, req->url, strerror(errno));
	}
	int hok;
	struct curl_slist *hdrs = make_headers(req, sign, &hok);
	if (!hok)
		return playout_error_set(err, PLAYOUT_ENOMEM, "%s %s: out of memory", req->method,
					 req->url);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	unsigned seed = (unsigned)now.tv_nsec ^ (unsigned)(uintptr_t)req;
	int rc = PLAYOUT_EUNAVAIL;
	for (int attempt_no = 0;; attempt_no++) {
		struct attempt a = {.sink_fd = req->sink_fd, .rate = req->max_bytes_per_s};
		char errbuf[CURL_ERROR_SIZE] = "";
		char sigv4[128];
		a.curl = curl_easy_init();
		if (!a.curl) {
			rc = playout_error_set(err, PLAYOUT_ENOMEM, "%s %s: curl_easy_init failed",
					       req->method, req->url);
			break;
		}
		setup(a.curl, req, sign, opts, hdrs, &a, errbuf, sigv4);
		CURLcode cc = curl_easy_perform(a.curl);
		long status = 0;
		curl_easy_getinfo(a.curl, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_cleanup(a.curl);
		int again = attempt_no < retries && !is_aborting();
		if (a.sink_failed) {
			rc = playout_error_set(err, PLAYOUT_EIO, "%s %s: writing the download: %s",
					       req->method, req->url, strerror(a.sink_failed));
			again = 0;
		} else if (cc != CURLE_OK) {
			rc = playout_error_set(err, map_curl_error(cc), "%s %s: %s (attempt %d of %d)",
					       req->method, req->url,
					       errbuf[0] ? errbuf : curl_easy_strerror(cc),
					       attempt_no + 1, retries + 1);
			if (rc == PLAYOUT_EINVAL || rc == PLAYOUT_ENOMEM)
				again = 0;
		} else {
			rc = PLAYOUT_OK;
			if (!again || !retryable_status(status)) {
				if (!a.body.p && playout_buf_add(&a.body, "", 0) < 0) {
					playout_buf_free(&a.headers);
					rc = playout_error_set(err, PLAYOUT_ENOMEM,
							       "%s %s: out of memory", req->method,
							       req->url);
					break;
				}
				if (!a.headers.p)
					playout_buf_add(&a.headers, "", 0);
				resp->status = status;
				resp->body = a.body.p;
				resp->body_len = a.body.n;
				resp->headers = a.headers.p;
				break;
			}
		}
		if (!again) {
			playout_buf_free(&a.body);
			playout_buf_free(&a.headers);
			break;
		}
		long wait = backoff_ms(base, attempt_no + 1, a.headers.p, &seed);
		playout_buf_free(&a.body);
		playout_buf_free(&a.headers);
		if (req->sink_fd > 0) {
			rc = rewind_sink(req->sink_fd, start, req, err);
			if (rc < 0)
				break;
		}
		sleep_ms(wait);
	}
	curl_slist_free_all(hdrs);
	return rc;
} /* po_http_exchange */
