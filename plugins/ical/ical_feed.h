/*
 * The feed the ical plugin plans from: text checked and parsed with
 * libical, and the last good copy kept in the instance's key-value state
 * (with the validators a conditional GET sends) so that an outage or a
 * broken feed, even across a restart, plans from the copy. Not for
 * fetching: see ical.c. Internal to the plugin.
 */
#ifndef ICAL_FEED_H
#define ICAL_FEED_H

#include <stddef.h>
#include <stdint.h>

#include <libical/ical.h>
#include <playout/plugin.h>

struct ical_feed {
	icalcomponent *cal;  /* the VCALENDAR, owned; NULL: no copy */
	icalcomponent *root; /* what the parser returned (cal or its parent), owned */
	char *etag;          /* ETag of the copy, or NULL */
	char *last_modified; /* Last-Modified of the copy, or NULL */
	int64_t fetched_ms;  /* wall clock when the copy arrived; 0: unknown */
	int64_t file_mtime_ms, file_size; /* a local feed's stamp, else 0 */
	uint64_t text_hash;  /* FNV-1a of the copy's text, and its length: a */
	size_t text_len;     /* full answer equal to the copy is not parsed again */
};

/* FNV-1a of len bytes of text: what ical_feed_same compares. */
uint64_t ical_feed_hash(const char *text, size_t len);

/* 1 when len bytes of text are the copy's text (by length and hash). */
int ical_feed_same(const struct ical_feed *f, const char *text, size_t len);

/* Check and parse len bytes of text (NUL-terminated at text[len]). Into
 * f->cal and f->root (f's old copy is freed first only on success).
 * PLAYOUT_OK, or PLAYOUT_EPROTO with why filled (not a calendar, cut short,
 * a NUL byte, nothing libical can read), or PLAYOUT_ENOMEM. Any thread. */
int ical_feed_parse(struct ical_feed *f, const char *text, size_t len, char *why, size_t why_n);

/* Set the copy's validators (copied; NULL or "" for none). ENOMEM or OK. */
int ical_feed_set_validators(struct ical_feed *f, const char *etag, const char *last_modified);

/* Keep text (the feed f now holds) and f's validators in the host's
 * key-value state, the text first so that a crash between the two writes
 * leaves validators that do not match (the next GET downloads again), never
 * validators that match an old text. A failure to write is not an error
 * of the feed: it returns the kv_put code and the caller warns. */
int ical_feed_keep(const struct ical_feed *f, const struct playout_host *h, const char *text);

/* Load the copy kept by ical_feed_keep into f. PLAYOUT_ENOTFOUND when there
 * is none, PLAYOUT_EPROTO (why filled) when it does not parse. */
int ical_feed_load(struct ical_feed *f, const struct playout_host *h, char *why, size_t why_n);

/* Free what f holds and zero it. NULL is a no-op. */
void ical_feed_clear(struct ical_feed *f);

#endif
