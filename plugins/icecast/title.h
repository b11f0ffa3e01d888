/*
 * The icecast output's stream title: Icecast's admin metadata request, sent
 * through the host's HTTP client on a thread of its own, so a slow or hung
 * server delays the title, never the audio. Private to the icecast module.
 */
#ifndef PO_ICECAST_TITLE_H
#define PO_ICECAST_TITLE_H

#include <playout/plugin.h>

/* Where and as whom a title goes; every pointer borrowed for the call. */
struct icecast_title_target {
	const char *hostname;
	unsigned port;        /* the source port; ICY's admin port is port + 1 */
	const char *mount;
	const char *user;
	const char *password;
	int icy;              /* SHOUT_PROTOCOL_ICY: /admin.cgi with pass= */
	int https;            /* TLS as in RFC 2818 */
};

struct icecast_title;

/* A sender for one instance; no thread runs until icecast_title_start or
 * the first release. NULL when out of memory. Free with icecast_title_free.
 * Control thread (create). */
struct icecast_title *icecast_title_new(const struct playout_host *host);

/* Stop the thread (a request in flight ends by its 2 s timeout, or within
 * about a second once host->stopping says 1) and free. NULL is a no-op. */
void icecast_title_free(struct icecast_title *t);

/* Start the sender thread now, unless it runs: at the connect, so that no
 * thread starts at the item's instant. The player thread (open). */
void icecast_title_start(struct icecast_title *t);

/* Build the request for title to and hold it until icecast_title_release;
 * a title held before is replaced. Allocates, never waits on the network.
 * The player thread, before the item's first write (open, start). */
void icecast_title_post(struct icecast_title *t, const struct icecast_title_target *to,
			const char *title);

/* Send the held title, if any, replacing one not sent yet (only the
 * newest matters): a lock and a signal, no allocation. A failure is logged
 * by the sender thread as a warning. The player thread, after the item's
 * opening burst (write). */
void icecast_title_release(struct icecast_title *t);

/* Forget the held title (the connection closed before its first write). */
void icecast_title_drop(struct icecast_title *t);

#endif /* PO_ICECAST_TITLE_H */
