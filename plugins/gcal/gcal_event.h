/*
 * One events.list item into a slot (gcal_event.c). Internal to the gcal
 * plugin: not exported from the module.
 */
#ifndef GCAL_EVENT_H
#define GCAL_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <playout/plugin.h>

enum gcal_event_result {
	GCAL_EVENT_SKIP = 0, /* not a slot, nothing to say: cancelled, all-day,
	                        outside the window, not an object */
	GCAL_EVENT_SLOT = 1, /* *slot filled (source left empty) */
	GCAL_EVENT_BAD = 2,  /* not usable: why says why, for a warning */
};

/* Read item ev (borrowed) for the window [from_ms, to_ms). Returns an
 * enum gcal_event_result, or PLAYOUT_ENOMEM. *id always gets the event's id
 * or "(no id)", borrowed from ev. why (why_n bytes) is written only for
 * GCAL_EVENT_BAD. */
int gcal_event_read(struct json_object *ev, int64_t from_ms, int64_t to_ms,
		    struct playout_slot *slot, const char **id, char *why, size_t why_n);

#endif
