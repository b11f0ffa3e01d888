/*
 * Finding the TCP socket libshout opened for a source connection, so its
 * send buffer can be bounded. Private to the icecast module; Linux
 * (/proc/self/fd).
 */
#ifndef PO_ICECAST_SOCK_H
#define PO_ICECAST_SOCK_H

#include <stddef.h>

/* The sockets this process holds at one moment, by inode. */
struct icecast_sockset {
	unsigned long *ino;
	size_t n, cap;
};

/* Fill s (emptied first) with the process's sockets. 0, or -1 when
 * /proc/self/fd cannot be read or memory runs out (s is then empty). */
int icecast_sock_snapshot(struct icecast_sockset *s);

/* The descriptor of the one connected TCP socket that is not in before and
 * whose peer port is port; -1 when there is none or more than one (another
 * thread connected to the same port meanwhile: no guess). */
int icecast_sock_find_new(const struct icecast_sockset *before, unsigned port);

void icecast_sockset_free(struct icecast_sockset *s);

#endif /* PO_ICECAST_SOCK_H */
