/*
 * A plain-HTTP/1.0 GET with a deadline on the output's own connection code
 * (conn.h): connect, send, read the status line, close. Only what
 * Icecast's admin interface answers needs; HTTPS titles still go through
 * the host's HTTP client.
 */
#include "title_http.h"

#include <stdio.h>
#include <string.h>

#include "conn.h"

/* The request: target, Host, the header lines and the empty line. */
static int title_request(char *req, size_t cap, const char *hostname, unsigned port,
			 const char *target, const char *const *headers)
{
	int w = snprintf(req, cap, "GET %s HTTP/1.0\r\nHost: %s%s%s:%u\r\n", target,
			 strchr(hostname, ':') ? "[" : "", hostname,
			 strchr(hostname, ':') ? "]" : "", port);
	for (size_t i = 0; headers && headers[i] && w > 0 && (size_t)w < cap; i++)
		w += snprintf(req + w, cap - (size_t)w, "%s\r\n", headers[i]);
	if (w > 0 && (size_t)w < cap)
		w += snprintf(req + w, cap - (size_t)w, "\r\n");
	return w > 0 && (size_t)w < cap ? w : -1;
}

int icecast_title_http_get(const struct playout_host *host, const char *hostname, unsigned port,
			   const char *target, const char *const *headers, int timeout_s,
			   long *status, char *msg, size_t msglen)
{
	int64_t deadline = icecast_conn_now_ms() + (int64_t)timeout_s * 1000;
	struct icecast_conn c;
	char req[8192], resp[256];
	size_t got = 0;
	int w, rc = -1, e;

	*status = 0;
	icecast_conn_init(&c, host);
	w = title_request(req, sizeof req, hostname, port, target, headers);
	if (w < 0) {
		snprintf(msg, msglen, "request too long");
		goto out;
	}
	e = icecast_conn_open(&c, hostname, port, 0, deadline);
	if (e != ICECAST_CONN_OK) {
		snprintf(msg, msglen, "connect %s:%u: %s", hostname, port,
			 e == ICECAST_CONN_TIMEOUT ? "timed out" : c.why);
		goto out;
	}
	e = icecast_conn_send(&c, req, (size_t)w, deadline, NULL);
	if (e != ICECAST_CONN_OK) {
		snprintf(msg, msglen, "send: %s", e == ICECAST_CONN_TIMEOUT ? "timed out" : c.why);
		goto out;
	}
	/* The status line is all we need: "HTTP/1.x NNN ..." */
	e = icecast_conn_read_head(&c, resp, sizeof resp, &got, deadline);
	if (e == ICECAST_CONN_TIMEOUT || e == ICECAST_CONN_STOPPED) {
		snprintf(msg, msglen, "no answer within %d s", timeout_s);
		goto out;
	}
	if (e != ICECAST_CONN_OK || strncmp(resp, "HTTP/1.", 7) != 0 || got < 12 ||
	    sscanf(resp + 9, "%3ld", status) != 1) {
		snprintf(msg, msglen, "not an HTTP answer");
		goto out;
	}
	rc = 0;
out:
	icecast_conn_close(&c);
	explicit_bzero(req, sizeof req); /* the login, or ICY's pass= */
	return rc;
}
