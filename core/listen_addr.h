/*
 * The address the status server listens on, as written in the config's
 * http.listen: "127.0.0.1:8080", "[::1]:8080", "localhost:8080". Parsing
 * only: no name is looked up (localhost is 127.0.0.1), nothing is bound.
 */
#ifndef PO_LISTEN_ADDR_H
#define PO_LISTEN_ADDR_H

#include <netinet/in.h>
#include <sys/socket.h>

struct po_listen_addr {
	struct sockaddr_storage sa; /* AF_INET or AF_INET6, port set */
	socklen_t len;
	int loopback;               /* 1: only this machine can connect */
};

/* Parse s: an IPv4 literal, a bracketed IPv6 literal or "localhost", then
 * ":" and a port 1..65535. 0, or PLAYOUT_EINVAL with why (a phrase for a
 * config message, why_len bytes) filled. Thread-safe. */
int po_listen_parse(const char *s, struct po_listen_addr *out, char *why, size_t why_len);

#endif
