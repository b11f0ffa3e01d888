/*
 * One plain-HTTP GET for the stream title, on a socket of its own: the
 * title needs no HTTP client library, so an Icecast output never maps the
 * network module (libcurl, OpenSSL: megabytes of resident pages) unless it
 * sends titles over HTTPS. Private to the icecast module.
 */
#ifndef PO_ICECAST_TITLE_HTTP_H
#define PO_ICECAST_TITLE_HTTP_H

#include <stddef.h>

#include <playout/plugin.h>

/* GET target ("/admin/metadata?...") from hostname:port with the header
 * lines headers (NULL-terminated, without CRLF), within timeout_s, ending
 * early when host->stopping says so. *status: the HTTP status. 0, or -1
 * with msg (msglen bytes) saying why. Any thread; blocks (the title
 * thread). */
int icecast_title_http_get(const struct playout_host *host, const char *hostname, unsigned port,
			   const char *target, const char *const *headers, int timeout_s,
			   long *status, char *msg, size_t msglen);

#endif /* PO_ICECAST_TITLE_HTTP_H */
