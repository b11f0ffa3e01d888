/*
 * The Icecast source login: the request that opens a mount (HTTP PUT, or
 * Shoutcast's ICY password line) and what the server's answer means.
 * Private to the icecast module.
 */
#ifndef PO_ICECAST_SOURCE_H
#define PO_ICECAST_SOURCE_H

#include <stddef.h>

/* What goes into the request; NULL strings and zero numbers are left out. */
struct icecast_source_req {
	const char *hostname;
	unsigned port;
	const char *mount, *user, *password, *agent;
	const char *content_type; /* audio/mpeg, audio/ogg */
	const char *name, *description, *genre, *url;
	int public_;
	int bitrate_kbps, sample_rate, channels;
};

/* The request into buf (NUL-terminated): PUT mount HTTP/1.1 with Basic
 * auth and the ice-* headers, or with icy the password line and icy-*
 * headers of a Shoutcast source. Its length, or 0 when it does not fit. */
size_t icecast_source_request(const struct icecast_source_req *r, int icy, char *buf,
			      size_t cap);

/* Judge the answer's head: PLAYOUT_OK when the server takes the stream;
 * otherwise a PLAYOUT_E* code with what (the server's words) and advice
 * (what a person should check) set to static or head-borrowed text. */
int icecast_source_answer(const char *head, int icy, char *what, size_t what_len,
			  const char **advice);

/* The request to upgrade a plain connection to TLS (RFC 2817), and whether
 * the answer agreed (101). */
size_t icecast_source_upgrade_request(const char *hostname, unsigned port, char *buf,
				      size_t cap);
int icecast_source_upgraded(const char *head);

#endif /* PO_ICECAST_SOURCE_H */
