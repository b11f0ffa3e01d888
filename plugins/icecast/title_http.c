/*
 * A plain-HTTP/1.0 GET with a deadline: resolve, connect, send, read the
 * status line, close. Only what Icecast's admin interface answers needs;
 * HTTPS titles still go through the host's HTTP client.
 */
#include "title_http.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SLICE_MS 200 /* looks at host->stopping this often */

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until deadline_ms; 1 ready, 0 timed out or
 * stopping, -1 error. */
static int wait_fd(const struct playout_host *host, int fd, short events, long long deadline_ms)
{
	for (;;) {
		long long left = deadline_ms - mono_ms();
		if (left <= 0 || (host->stopping && host->stopping(host)))
			return 0;
		struct pollfd p = { .fd = fd, .events = events };
		int r = poll(&p, 1, (int)(left < SLICE_MS ? left : SLICE_MS));
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static int connect_to(const struct playout_host *host, const char *hostname, unsigned port,
		      long long deadline_ms, char *msg, size_t msglen)
{
	struct addrinfo hints, *res = NULL, *ai;
	char serv[16];
	int fd = -1, e;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(serv, sizeof serv, "%u", port);
	e = getaddrinfo(hostname, serv, &hints, &res);
	if (e != 0) {
		snprintf(msg, msglen, "%s: %s", hostname, gai_strerror(e));
		return -1;
	}
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
			snprintf(msg, msglen, "connect %s:%u: %s", hostname, port, strerror(errno));
			close(fd);
			fd = -1;
			continue;
		}
		int soerr = 0;
		socklen_t sl = sizeof soerr;
		if (wait_fd(host, fd, POLLOUT, deadline_ms) <= 0 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr != 0) {
			snprintf(msg, msglen, "connect %s:%u: %s", hostname, port,
				 soerr ? strerror(soerr) : "timed out");
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

int icecast_title_http_get(const struct playout_host *host, const char *hostname, unsigned port,
			   const char *target, const char *const *headers, int timeout_s,
			   long *status, char *msg, size_t msglen)
{
	long long deadline = mono_ms() + (long long)timeout_s * 1000;
	char req[8192], resp[256];
	size_t n = 0, got = 0;
	int rc = -1, fd = -1;

	*status = 0;
	int w = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s%s%s:%u\r\n", target,
			 strchr(hostname, ':') ? "[" : "", hostname,
			 strchr(hostname, ':') ? "]" : "", port);
	for (size_t i = 0; headers && headers[i] && w > 0 && (size_t)w < sizeof req; i++)
		w += snprintf(req + w, sizeof req - (size_t)w, "%s\r\n", headers[i]);
	if (w > 0 && (size_t)w < sizeof req)
		w += snprintf(req + w, sizeof req - (size_t)w, "\r\n");
	if (w <= 0 || (size_t)w >= sizeof req) {
		snprintf(msg, msglen, "request too long");
		goto out;
	}
	fd = connect_to(host, hostname, port, deadline, msg, msglen);
	if (fd < 0)
		goto out;
	while (n < (size_t)w) {
		ssize_t s = send(fd, req + n, (size_t)w - n, MSG_NOSIGNAL);
		if (s > 0) {
			n += (size_t)s;
		} else if (s < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(host, fd, POLLOUT, deadline) <= 0) {
				snprintf(msg, msglen, "send: timed out");
				goto out;
			}
		} else {
			snprintf(msg, msglen, "send: %s", strerror(errno));
			goto out;
		}
	}
	/* The status line is all we need: "HTTP/1.x NNN ..." */
	while (got < sizeof resp - 1 && !memchr(resp, '\n', got)) {
		ssize_t r = recv(fd, resp + got, sizeof resp - 1 - got, 0);
		if (r > 0) {
			got += (size_t)r;
		} else if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(host, fd, POLLIN, deadline) <= 0) {
				snprintf(msg, msglen, "no answer within %d s", timeout_s);
				goto out;
			}
		} else {
			break; /* closed (or an error): parse what came */
		}
	}
	resp[got] = '\0';
	if (strncmp(resp, "HTTP/1.", 7) != 0 || got < 12 || sscanf(resp + 9, "%3ld", status) != 1) {
		snprintf(msg, msglen, "not an HTTP answer");
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	explicit_bzero(req, sizeof req); /* the login, or ICY's pass= */
	return rc;
}
