/*
 * The source connection's bytes: connect, TLS, send and read with a
 * deadline. The socket is non-blocking; a call that must wait polls in
 * slices and looks at host->stopping between them, so neither a server that
 * never answers nor one that stops reading holds the player past its
 * timeout or a stop. Every send uses MSG_NOSIGNAL: no per-write signal mask.
 */
#include "config.h"

#include "conn.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "tls.h"

#define CONN_SLICE_MS 200 /* how often a wait looks at host->stopping */

int64_t icecast_conn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void icecast_conn_init(struct icecast_conn *c, const struct playout_host *host)
{
	memset(c, 0, sizeof *c);
	c->host = host;
	c->fd = -1;
}

/* Wait until fd is ready for events: OK, TIMEOUT, STOPPED or FAILED. */
static int conn_wait(struct icecast_conn *c, short events, int64_t deadline_ms)
{
	for (;;) {
		int64_t left = deadline_ms - icecast_conn_now_ms();
		struct pollfd p = { .fd = c->fd, .events = events };
		int r;

		if (c->host->stopping && c->host->stopping(c->host))
			return ICECAST_CONN_STOPPED;
		if (left <= 0) {
			snprintf(c->why, sizeof c->why, "timed out");
			return ICECAST_CONN_TIMEOUT;
		}
		r = poll(&p, 1, (int)(left < CONN_SLICE_MS ? left : CONN_SLICE_MS));
		if (r > 0)
			return ICECAST_CONN_OK;
		if (r < 0 && errno != EINTR) {
			snprintf(c->why, sizeof c->why, "poll: %s", strerror(errno));
			return ICECAST_CONN_FAILED;
		}
	}
}

/* One address: a socket, connecting by deadline_ms. */
static int conn_try(struct icecast_conn *c, const struct addrinfo *ai, int sndbuf,
		    int64_t deadline_ms)
{
	int one = 1, soerr = 0, rc;
	socklen_t sl = sizeof soerr;

	c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       ai->ai_protocol);
	if (c->fd < 0) {
		snprintf(c->why, sizeof c->why, "socket: %s", strerror(errno));
		return ICECAST_CONN_FAILED;
	}
	/* A failure of either only costs what the option was for. */
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (sndbuf > 0)
		(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return ICECAST_CONN_OK;
	if (errno != EINPROGRESS) {
		snprintf(c->why, sizeof c->why, "%s", strerror(errno));
		return errno == ECONNREFUSED ? ICECAST_CONN_REFUSED : ICECAST_CONN_FAILED;
	}
	rc = conn_wait(c, POLLOUT, deadline_ms);
	if (rc != ICECAST_CONN_OK)
		return rc;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		soerr = errno;
	if (soerr) {
		snprintf(c->why, sizeof c->why, "%s", strerror(soerr));
		return soerr == ECONNREFUSED || soerr == EHOSTUNREACH || soerr == ENETUNREACH
			       ? ICECAST_CONN_REFUSED : ICECAST_CONN_FAILED;
	}
	return ICECAST_CONN_OK;
}

int icecast_conn_open(struct icecast_conn *c, const char *hostname, unsigned port,
		      int sndbuf, int64_t deadline_ms)
{
	struct addrinfo hints, *res = NULL, *ai;
	char serv[16];
	int e, rc = ICECAST_CONN_REFUSED;

	icecast_conn_close(c);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(serv, sizeof serv, "%u", port);
	e = getaddrinfo(hostname, serv, &hints, &res);
	if (e != 0) {
		snprintf(c->why, sizeof c->why, "%s", gai_strerror(e));
		return e == EAI_MEMORY ? ICECAST_CONN_NOMEM : ICECAST_CONN_REFUSED;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		rc = conn_try(c, ai, sndbuf, deadline_ms);
		if (rc == ICECAST_CONN_OK || rc == ICECAST_CONN_TIMEOUT || rc == ICECAST_CONN_STOPPED)
			break;
		icecast_conn_close(c);
	}
	freeaddrinfo(res);
	if (rc != ICECAST_CONN_OK)
		icecast_conn_close(c);
	return rc;
}

/* The helper's state after a TLS step, as a wait or an end. */
static int conn_tls_next(struct icecast_conn *c, int state, int64_t deadline_ms)
{
	switch (state) {
	case ICECAST_TLS_WANT_READ:
		return conn_wait(c, POLLIN, deadline_ms);
	case ICECAST_TLS_WANT_WRITE:
		return conn_wait(c, POLLOUT, deadline_ms);
	case ICECAST_TLS_BADCERT:
		return ICECAST_CONN_BADCERT;
	default:
		return ICECAST_CONN_FAILED;
	}
}

int icecast_conn_tls(struct icecast_conn *c, const char *name, const char *ca_file,
		     const char *ca_dir, int64_t deadline_ms)
{
	int state, rc;

	c->tm = icecast_tls_get(c->why, sizeof c->why);
	if (!c->tm)
		return ICECAST_CONN_NOTLS;
	c->tls = c->tm->client(c->fd, name, ca_file, ca_dir, c->why, sizeof c->why);
	if (!c->tls)
		return ICECAST_CONN_NOTLS;
	while ((state = c->tm->handshake(c->tls, c->why, sizeof c->why)) != ICECAST_TLS_DONE) {
		rc = conn_tls_next(c, state, deadline_ms);
		if (rc != ICECAST_CONN_OK)
			return rc;
	}
	return ICECAST_CONN_OK;
}

/* One send or receive: > 0 bytes, 0 with *rc set when it must wait (OK) or
 * has failed. */
static ssize_t conn_io(struct icecast_conn *c, int out, void *buf, size_t len,
		       int64_t deadline_ms, int *rc)
{
	ssize_t n;
	int state = 0;

	*rc = ICECAST_CONN_OK;
	if (c->tls) {
		n = out ? c->tm->send(c->tls, buf, len, &state, c->why, sizeof c->why)
			: c->tm->recv(c->tls, buf, len, &state, c->why, sizeof c->why);
		if (n > 0)
			return n;
		if (state == ICECAST_TLS_CLOSED && !out)
			return 0; /* rc OK and 0 bytes: the end */
		*rc = conn_tls_next(c, state, deadline_ms);
		return *rc == ICECAST_CONN_OK ? -1 : 0;
	}
	n = out ? send(c->fd, buf, len, MSG_NOSIGNAL) : recv(c->fd, buf, len, 0);
	if (n > 0)
		return n;
	if (n == 0 && !out)
		return 0;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		*rc = conn_wait(c, out ? POLLOUT : POLLIN, deadline_ms);
		return *rc == ICECAST_CONN_OK ? -1 : 0;
	}
	snprintf(c->why, sizeof c->why, "%s", n < 0 ? strerror(errno) : "nothing sent");
	*rc = ICECAST_CONN_FAILED;
	return 0;
}

int icecast_conn_send(struct icecast_conn *c, const void *buf, size_t len, int64_t deadline_ms,
		      size_t *sent)
{
	size_t done = 0;
	int rc = ICECAST_CONN_OK;

	if (c->fd < 0) {
		snprintf(c->why, sizeof c->why, "not connected");
		rc = ICECAST_CONN_FAILED;
	}
	while (rc == ICECAST_CONN_OK && done < len) {
		ssize_t n = conn_io(c, 1, (char *)buf + done, len - done, deadline_ms, &rc);
		if (n > 0)
			done += (size_t)n;
	}
	if (sent)
		*sent = done;
	return rc;
}

int icecast_conn_read_head(struct icecast_conn *c, char *buf, size_t cap, size_t *len,
			   int64_t deadline_ms)
{
	size_t got = 0;
	int rc = ICECAST_CONN_OK;

	buf[0] = '\0';
	while (got < cap - 1) {
		/* One byte at a time: nothing after the head may be taken from
		 * the socket (an upgrade's TLS handshake follows it). Heads are
		 * a few hundred bytes, read once per connection. */
		ssize_t n = conn_io(c, 0, buf + got, 1, deadline_ms, &rc);
		if (rc != ICECAST_CONN_OK)
			break;
		if (n == 0)
			break; /* closed */
		if (n < 0)
			continue;
		got++;
		buf[got] = '\0';
		if (got >= 2 && buf[got - 1] == '\n' &&
		    (buf[got - 2] == '\n' || (got >= 4 && !memcmp(buf + got - 4, "\r\n\r\n", 4))))
			break;
	}
	*len = got;
	return rc;
}

void icecast_conn_close(struct icecast_conn *c)
{
	if (c->tls) {
		c->tm->free(c->tls);
		c->tls = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
