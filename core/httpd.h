/*
 * The status server (doc/design.md §9): optional, off unless the config
 * has an "http" group. Read-only: /metrics, /status.json, /rundown.json,
 * /history.json and the "/" page, answered on the module's own thread from
 * a read-only handle on the state, so it never waits on (or makes wait)
 * the control or player threads. libmicrohttpd lives in httpd.so, opened
 * only when the server is configured.
 */
#ifndef PO_HTTPD_H
#define PO_HTTPD_H

#include <stdint.h>

#include "clock.h"
#include "config.h"
#include "httpd_module.h"

struct po_runtime;

/* What a request is answered from. */
struct po_httpd_site {
	const struct po_config *conf; /* borrowed: the daemon never changes it once
	                                 loaded; read from the server thread */
	struct po_clock clock;        /* a copy (the rehearsal offset) */
	struct po_runtime *rt;        /* borrowed: the token's reference is read
	                                 through its secret cache (ssm: too);
	                                 NULL: po_secret_resolve (tests) */
};

/* Answer one request (the module's handler; tests call it directly).
 * Only GET and HEAD (else 405), the token when one is configured (else
 * 401), the five paths (else 404). rp->body malloc'd (caller frees). */
void po_httpd_handle(struct po_httpd_site *site, const struct po_httpd_request *rq,
		     struct po_httpd_reply *rp);

/* 1 when given equals the configured token: the Authorization header
 * "Bearer <token>" or the query's token=. Constant time in the given
 * value's content (the token's length aside). */
int po_httpd_token_ok(const char *token, const char *authorization, const char *query_token);

struct po_httpd;
/* Control thread. Without an "http" group: 0 and *out NULL. Else open
 * httpd.so ($PLAYOUT_HTTPD_MODULE, the build tree, pkglibdir), read the
 * token once (so a bad reference shows now), and listen. rt is borrowed
 * until po_httpd_stop. A failure is logged and returned; the caller plays
 * on without the server. */
int po_httpd_start(struct po_runtime *rt, struct po_httpd **out);
/* Stop listening and join the server thread. NULL is a no-op. */
void po_httpd_stop(struct po_httpd *h);

#endif
