/*
 * The socket libshout opened, found by elimination: libshout 2.4.6 has no
 * getter for its descriptor, and without one the kernel's autotuned send
 * buffer (up to 4 MiB: minutes of audio) hides a server that stopped
 * reading. The caller lists the process's sockets before shout_open and,
 * once connected, takes the single new TCP socket with the server's port;
 * when another thread connected to that port meanwhile there are two, and
 * nobody guesses.
 */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include "sock.h"

/* Inode of fd when it is a socket, else 0. */
static unsigned long sock_inode(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
		return 0;
	return (unsigned long)st.st_ino;
}

static int sock_in(const struct icecast_sockset *s, unsigned long ino)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->ino[i] == ino)
			return 1;
	return 0;
}

/* Call fn(fd, ino, arg) for every socket descriptor of the process; stop
 * when fn returns non-zero. -1 when /proc/self/fd cannot be read. */
static int sock_each(int (*fn)(int fd, unsigned long ino, void *arg), void *arg)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		unsigned long ino;
		if (end == e->d_name || *end || fd < 0 || fd == dirfd(d))
			continue;
		ino = sock_inode((int)fd);
		if (ino && fn((int)fd, ino, arg))
			break;
	}
	closedir(d);
	return 0;
}

struct sock_collect {
	struct icecast_sockset *s;
	int failed;
};

static int sock_add(int fd, unsigned long ino, void *arg)
{
	struct sock_collect *c = arg;
	struct icecast_sockset *s = c->s;

	(void)fd;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		unsigned long *v = realloc(s->ino, cap * sizeof *v);
		if (!v) {
			c->failed = 1;
			return 1;
		}
		s->ino = v;
		s->cap = cap;
	}
	s->ino[s->n++] = ino;
	return 0;
}

int icecast_sock_snapshot(struct icecast_sockset *s)
{
	struct sock_collect c = { s, 0 };

	s->n = 0;
	if (sock_each(sock_add, &c) < 0 || c.failed) {
		s->n = 0;
		return -1;
	}
	return 0;
}

struct sock_search {
	const struct icecast_sockset *before;
	unsigned port;
	int fd, found;
};

static int sock_match(int fd, unsigned long ino, void *arg)
{
	struct sock_search *q = arg;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int type = 0;
	socklen_t tl = sizeof type;
	unsigned port;

	if (sock_in(q->before, ino))
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_STREAM)
		return 0;
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
		return 0;
	if (ss.ss_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		port = ntohs(((const struct sockaddr_in6 *)&ss)->sin6_port);
	else
		return 0;
	if (port != q->port)
		return 0;
	q->fd = fd;
	return ++q->found > 1;
}

int icecast_sock_find_new(const struct icecast_sockset *before, unsigned port)
{
	struct sock_search q = { before, port, -1, 0 };

	if (sock_each(sock_match, &q) < 0 || q.found != 1)
		return -1;
	return q.fd;
}

void icecast_sockset_free(struct icecast_sockset *s)
{
	free(s->ino);
	s->ino = NULL;
	s->n = s->cap = 0;
}
