/*
 * The table of the status server's module (httpd.so): libmicrohttpd and
 * nothing else. It listens, hands each request to the core's handler on
 * libmicrohttpd's own thread and sends the reply with the headers every
 * page carries; what to answer is the core's (httpd.c). Nothing here
 * calls a core symbol.
 */
#ifndef PO_HTTPD_MODULE_H
#define PO_HTTPD_MODULE_H

#include <stddef.h>
#include <sys/socket.h>

#define PO_HTTPD_MODULE_SYMBOL "po_httpd_module"
#define PO_HTTPD_MODULE_VERSION 2 /* 2: limit, before */

/* One request, borrowed for the handler's call. NULL: absent. */
struct po_httpd_request {
	const char *method;        /* "GET", "HEAD", ... */
	const char *path;          /* without the query */
	const char *authorization; /* the Authorization header */
	const char *token;         /* the query's token= */
	const char *limit;         /* the query's limit= (/history.json) */
	const char *before;        /* the query's before= (/history.json) */
};

/* What the handler answers. body: malloc'd, the module frees it. */
struct po_httpd_reply {
	int status;
	const char *content_type;  /* static text */
	char *body;
	size_t len;
	int allow;                 /* 405: add "Allow: GET, HEAD" */
	int challenge;             /* 401: add "WWW-Authenticate: Bearer" */
};

typedef void (*po_httpd_handler)(void *arg, const struct po_httpd_request *rq,
				 struct po_httpd_reply *rp);
/* A message for the daemon's log (no secrets are ever passed). */
typedef void (*po_httpd_log)(void *arg, const char *msg);

struct po_httpd_module {
	unsigned version;          /* PO_HTTPD_MODULE_VERSION */
	size_t size;               /* sizeof (struct po_httpd_module) */
	/* Listen on sa and serve from a thread of the module's own, calling fn
	 * (with arg) for each request, one at a time. NULL with why filled
	 * when it cannot listen. */
	void *(*start)(const struct sockaddr *sa, socklen_t len, po_httpd_handler fn,
		       po_httpd_log log, void *arg, char *why, size_t why_len);
	/* Stop listening, finish the request in hand, join the thread. */
	void (*stop)(void *server);
};

#endif
