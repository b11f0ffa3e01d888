/*
 * A parsed iCalendar feed to the slots of a window: single events, and
 * recurring ones expanded (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides,
 * STATUS:CANCELLED) in the zone each time names. Not for fetching or
 * keeping the feed: see ical.c and ical_feed.c. Internal to the plugin.
 */
#ifndef ICAL_EXPAND_H
#define ICAL_EXPAND_H

#include <stddef.h>
#include <stdint.h>

#include <libical/ical.h>
#include <playout/plugin.h>

/* An event is never longer than this (a week): a longer one is skipped. */
#define ICAL_MAX_EVENT_MS (7 * 24 * 3600 * 1000LL)

struct ical_expand_opts {
	const struct playout_host *host; /* local_to_utc, utc_to_local: floating times
	                                    are station time */
	int64_t from_ms, to_ms;          /* the window: slots overlapping it */
	size_t max_occurrences;          /* recurrence steps for the whole feed, each
	                                    series counted from where its walk starts
	                                    (near from_ms; from DTSTART with COUNT) */
	/* An event left out, for a warning: uid (borrowed for the call, "" when
	 * the event has none) and why. all_day is 1 for an all-day event. */
	void (*skip)(void *arg, const char *uid, int all_day, const char *why);
	void *arg;
};

/* Append to out the slots of every VEVENT of cal (a VCALENDAR, borrowed)
 * overlapping the window; *truncated (may be NULL) is set to 1 when the
 * recurrences took more than max_occurrences steps: the series where that
 * happened is cut there, later ones keep only their DTSTART and RDATEs
 * (skip is called once, for the first). PLAYOUT_OK or PLAYOUT_ENOMEM. The caller's thread: libical
 * expands cal's zones lazily, so one thread per cal at a time. */
int ical_expand(icalcomponent *cal, const struct ical_expand_opts *o, struct playout_slots *out,
		int *truncated);

#endif
