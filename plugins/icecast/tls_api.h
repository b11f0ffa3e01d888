/*
 * The table of icecast_tls.so, the icecast output's TLS helper: OpenSSL on
 * a socket the plugin connected, opened only by an output whose tls setting
 * asks for it (tls.c), so a plain configuration maps no libssl. Shared by
 * the plugin and the helper; private to the icecast module.
 */
#ifndef PO_ICECAST_TLS_API_H
#define PO_ICECAST_TLS_API_H

#include <stddef.h>
#include <sys/types.h>

#define ICECAST_TLS_SYMBOL "icecast_tls_module"
#define ICECAST_TLS_VERSION 1

/* What a step of the helper needs next: a retry once the socket is ready
 * for it, or the end. */
enum icecast_tls_want {
	ICECAST_TLS_DONE = 0,
	ICECAST_TLS_WANT_READ = 1,
	ICECAST_TLS_WANT_WRITE = 2,
	ICECAST_TLS_FAILED = -1,
	ICECAST_TLS_BADCERT = -2, /* the certificate chain or name did not verify */
	ICECAST_TLS_CLOSED = -3,  /* the peer closed the connection */
};

struct icecast_tls;

struct icecast_tls_module {
	unsigned version; /* ICECAST_TLS_VERSION */
	size_t size;      /* sizeof (struct icecast_tls_module) */
	/* A client session on the connected, non-blocking socket fd (borrowed:
	 * the caller closes it) for server name (checked against the
	 * certificate; an IP address is checked as one). ca_file and ca_dir may
	 * be NULL: the system's CAs. NULL with why filled on failure. */
	struct icecast_tls *(*client)(int fd, const char *name, const char *ca_file,
				      const char *ca_dir, char *why, size_t why_len);
	/* One step of the handshake: DONE, WANT_*, or a failure with why. */
	int (*handshake)(struct icecast_tls *t, char *why, size_t why_len);
	/* Bytes sent or received (> 0); or 0 with *state set to WANT_*, or to
	 * FAILED or CLOSED (why filled). Never raises SIGPIPE. */
	ssize_t (*send)(struct icecast_tls *t, const void *buf, size_t len, int *state,
			char *why, size_t why_len);
	ssize_t (*recv)(struct icecast_tls *t, void *buf, size_t len, int *state,
			char *why, size_t why_len);
	void (*free)(struct icecast_tls *t); /* NULL is a no-op; fd stays open */
};

#endif /* PO_ICECAST_TLS_API_H */
