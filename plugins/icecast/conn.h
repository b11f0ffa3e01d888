/*
 * The icecast output's connection to its server: a non-blocking TCP socket,
 * TLS on it when asked, and sends and receives that end by a deadline or
 * when the daemon stops. Private to the icecast module.
 */
#ifndef PO_ICECAST_CONN_H
#define PO_ICECAST_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <playout/plugin.h>

#include "tls_api.h"

/* How a call ended; every failure but STOPPED leaves the reason in why. */
enum icecast_conn_rc {
	ICECAST_CONN_OK = 0,
	ICECAST_CONN_TIMEOUT = -1, /* the deadline passed */
	ICECAST_CONN_STOPPED = -2, /* host->stopping said so */
	ICECAST_CONN_REFUSED = -3, /* nobody listens there, or no such host */
	ICECAST_CONN_FAILED = -4,  /* the connection failed or the server closed it */
	ICECAST_CONN_NOTLS = -5,   /* the TLS helper cannot be used */
	ICECAST_CONN_BADCERT = -6, /* the server's certificate did not verify */
	ICECAST_CONN_NOMEM = -7,
};

struct icecast_conn {
	const struct playout_host *host;
	int fd;                              /* -1: closed */
	const struct icecast_tls_module *tm; /* with tls: the helper */
	struct icecast_tls *tls;             /* NULL: plain */
	char why[256];
};

/* A closed connection for host's stop checks. */
void icecast_conn_init(struct icecast_conn *c, const struct playout_host *host);

/* Resolve and connect to hostname:port by deadline_ms (monotonic). The
 * socket's send buffer is bounded to sndbuf bytes (0: the system's) so
 * that a server that stops reading shows within seconds, and Nagle is off. */
int icecast_conn_open(struct icecast_conn *c, const char *hostname, unsigned port,
		      int sndbuf, int64_t deadline_ms);

/* TLS on the open connection, checking the certificate against name. */
int icecast_conn_tls(struct icecast_conn *c, const char *name, const char *ca_file,
		     const char *ca_dir, int64_t deadline_ms);

/* Send all len bytes by deadline_ms (MSG_NOSIGNAL: a closed peer is an
 * error, not a signal). *sent (may be NULL) says how many went. */
int icecast_conn_send(struct icecast_conn *c, const void *buf, size_t len, int64_t deadline_ms,
		      size_t *sent);

/* Read an answer's head: until an empty line, the peer closes, or cap - 1
 * bytes; buf is NUL-terminated and *len its length. OK even when the peer
 * closed after some bytes (the caller judges what came). */
int icecast_conn_read_head(struct icecast_conn *c, char *buf, size_t cap, size_t *len,
			   int64_t deadline_ms);

void icecast_conn_close(struct icecast_conn *c);

/* CLOCK_MONOTONIC in milliseconds. */
int64_t icecast_conn_now_ms(void);

#endif /* PO_ICECAST_CONN_H */
