/*
 * sd_notify(3) for playoutd (service.h), spoken directly: one datagram per
 * message to the AF_UNIX socket in $NOTIFY_SOCKET ("@name": the abstract
 * namespace), as systemd's protocol documents it. Not libsystemd: linking
 * it maps about 1 MiB (it and libgcrypt, liblzma, libzstd, liblz4, libcap)
 * into every daemon for five lines of protocol.
 */
#include "service.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Send msg to the service manager; silently nothing when there is none (a
 * daemon run by hand or in a test) or it cannot be reached. */
static void notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	size_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len < 2 || len >= sizeof sa.sun_path)
		return;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	/* An abstract address is exactly as long as its name: no NUL at the end. */
	while (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (const struct sockaddr *)&sa,
		      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
				  (path[0] == '/'))) < 0 && errno == EINTR)
		;
	close(fd);
}

int64_t po_service_watchdog_ns(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	char *end;
	unsigned long long v;

	/* the variables stay set: the players must not inherit them, and a
	 * process they start does not look */
	if (!usec || !*usec)
		return 0;
	if (pid && *pid && strtol(pid, NULL, 10) != (long)getpid())
		return 0; /* meant for another process */
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno || *end || v == 0 || v > (unsigned long long)INT64_MAX / 1000)
		return 0;
	return (int64_t)v * 1000;
}

void po_service_ready(void)
{
	notify("READY=1");
}

void po_service_stopping(void)
{
	notify("STOPPING=1");
}

void po_service_status(const char *line)
{
	static char last[512];
	char msg[600];

	if (!strcmp(line, last))
		return;
	snprintf(last, sizeof last, "%s", line);
	snprintf(msg, sizeof msg, "STATUS=%s", line);
	notify(msg);
}

void po_service_ping(void)
{
	notify("WATCHDOG=1");
}
