/*
 * The status server's transport (httpd_module.h), on libmicrohttpd: one
 * internal polling thread, a few connections, short timeouts. It only
 * carries requests to the core's handler and its replies back.
 */
#include "httpd_module.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

/* answer's return type changed from int in 0.9.71 */
#if MHD_VERSION < 0x00097002
#define PO_MHD_RESULT int
#else
#define PO_MHD_RESULT enum MHD_Result
#endif

struct server {
	struct MHD_Daemon *mhd;
	po_httpd_handler fn;
	po_httpd_log log;
	void *arg;
};

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct server *s = cls;
	char msg[256];
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	s->log(s->arg, msg);
}

static PO_MHD_RESULT answer(void *cls, struct MHD_Connection *c, const char *url,
			    const char *method, const char *version, const char *upload,
			    size_t *upload_len, void **con_cls)
{
	struct server *s = cls;
	(void)version;
	(void)upload;
	(void)upload_len;
	(void)con_cls;
	struct po_httpd_request rq = {
		.method = method,
		.path = url,
		.authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_AUTHORIZATION),
		.token = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token"),
		.limit = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit"),
		.before = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "before"),
	};
	struct po_httpd_reply rp = {0};
	s->fn(s->arg, &rq, &rp);
	struct MHD_Response *r =
		MHD_create_response_from_buffer(rp.len, rp.body ? rp.body : (void *)"",
						rp.body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(rp.body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rp.content_type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	/* the token may be in the address: no page may send it on */
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
	if (rp.allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (rp.challenge)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	PO_MHD_RESULT ret = MHD_queue_response(c, (unsigned)rp.status, r);
	MHD_destroy_response(r);
	return ret;
}

static void *httpd_start(const struct sockaddr *sa, socklen_t len, po_httpd_handler fn,
			 po_httpd_log log, void *arg, char *why, size_t why_len)
{
	(void)len;
	struct server *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(why, why_len, "out of memory");
		return NULL;
	}
	s->fn = fn;
	s->log = log;
	s->arg = arg;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (sa->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, answer, s,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s, /* first, or MHD warns */
				  MHD_OPTION_SOCK_ADDR, sa,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)8,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
				  MHD_OPTION_END);
	if (!s->mhd) {
		snprintf(why, why_len, "cannot listen (address in use, or not this machine's?)");
		free(s);
		return NULL;
	}
	return s;
}

static void httpd_stop(void *server)
{
	struct server *s = server;
	if (!s)
		return;
	MHD_stop_daemon(s->mhd);
	free(s);
}

const struct po_httpd_module po_httpd_module = {
	.version = PO_HTTPD_MODULE_VERSION,
	.size = sizeof(struct po_httpd_module),
	.start = httpd_start,
	.stop = httpd_stop,
};
