/*
 * One HTTP exchange over libcurl for the core and (through host->http) the
 * plugins: TLS always verified, timeouts, retries with backoff and jitter,
 * optional AWS Signature V4, streaming a 2xx body to a file descriptor.
 * Where credentials come from is core/aws.c's business, not this file's.
 * http.c lives in the network module (net.so); the core's callers reach it
 * through core/net_api.c, which loads the module on the first exchange
 * (doc/design.md §2). Without the module every exchange is EUNAVAIL.
 */
#ifndef PO_HTTP_H
#define PO_HTTP_H

#include <stddef.h>

#include <playout/plugin.h>

/* Call once per process user before any exchange (po_runtime_open does);
 * pairs with po_http_global_cleanup. In the module, libcurl counts the
 * calls; the core's forwarders do nothing (the module initialises libcurl
 * once when it loads and stays loaded). Not thread-safe: call before
 * threads start. */
int po_http_global_init(struct playout_error *err);
void po_http_global_cleanup(void);

/* on = 1: every exchange in flight, in any thread, stops within about a
 * second with an error and none retries (the daemon is stopping and waits
 * for its downloads). 0: back to normal. */
void po_http_abort_all(int on);
/* 1 between po_http_abort_all(1) and po_http_abort_all(0). Any thread. */
int po_http_aborting(void);

/* SigV4 signing material for one exchange; all strings borrowed for the
 * call. session_token NULL or "" for long-term keys.
 * libcurl 7.88 signs the query string exactly as written in the URL: the
 * caller must RFC 3986-encode it and sort it by key then value. libcurl adds
 * no x-amz-content-sha256; po_http_exchange adds it for service "s3". */
struct po_http_sign {
	const char *region;
	const char *service;
	const char *access_key;
	const char *secret_key;
	const char *session_token;
};

/* Knobs the host interface does not expose; zeroed means the defaults. */
struct po_http_opts {
	int connect_timeout_ms; /* 0: 10 s */
	int backoff_ms;         /* first retry delay, doubled each time; 0: 500 ms */
};

/* Perform req (see struct playout_http_request in plugin.h for the meaning
 * of every field). sign: NULL for no signature. opts: NULL for defaults.
 * req->timeout_s bounds each attempt. Retries on network errors, 429 and
 * 5xx (honouring Retry-After up to 30 s). Returns PLAYOUT_OK when an answer
 * arrived, whatever its status; resp then owns malloc'd body and headers
 * (free with playout_http_response_free). Else ETIMEOUT, EUNAVAIL, EIO
 * (writing sink_fd failed) or EINVAL, with resp zeroed. Thread-safe. */
int po_http_exchange(const struct playout_http_request *req, const struct po_http_sign *sign,
		     const struct po_http_opts *opts, struct playout_http_response *resp,
		     struct playout_error *err);

/* Find header name (case-insensitive) in a header block of "Name: value"
 * lines; copy its trimmed value into out (NUL-terminated, truncated to n).
 * Returns 1 when found, else 0 (out set to ""). block may be NULL. */
int po_http_header(const char *block, const char *name, char *out, size_t n);

#endif
