/*
 * One Google Calendar events.list item into a schedule slot: the times, and
 * the PID and TYPE of the description (playout_desc_tags). Not for the
 * paging or the warnings: see gcal.c. Fuzzed by fuzz/fuzz_gcal.c.
 */
#include "gcal_event.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <playout/util.h>

#include "gcal_json.h"

/* why gets the reason an item is skipped; always GCAL_EVENT_BAD. */
static int gcal_event_bad(char *why, size_t n, const char *fmt, const char *a)
	__attribute__((format(printf, 3, 0)));
static int gcal_event_bad(char *why, size_t n, const char *fmt, const char *a)
{
	snprintf(why, n, fmt, a);
	return GCAL_EVENT_BAD;
}

int gcal_event_read(struct json_object *ev, int64_t from_ms, int64_t to_ms,
		    struct playout_slot *slot, const char **id, char *why, size_t why_n)
{
	struct json_object *start = NULL, *end = NULL;
	const char *status = gcal_json_str(ev, "status");
	const char *summary = gcal_json_str(ev, "summary");
	const char *desc = gcal_json_str(ev, "description");

	*id = gcal_json_str(ev, "id");
	if (!*id)
		*id = "(no id)";
	if (!json_object_is_type(ev, json_type_object))
		return GCAL_EVENT_SKIP;
	if (status && strcmp(status, "cancelled") == 0)
		return GCAL_EVENT_SKIP;
	json_object_object_get_ex(ev, "start", &start);
	json_object_object_get_ex(ev, "end", &end);
	const char *s = gcal_json_str(start, "dateTime"), *e = gcal_json_str(end, "dateTime");
	if (!s && gcal_json_str(start, "date"))
		return GCAL_EVENT_SKIP; /* all-day: not a programme slot */
	memset(slot, 0, sizeof *slot);
	if (!s || !e || playout_time_parse(s, NULL, &slot->start_ms) ||
	    playout_time_parse(e, NULL, &slot->end_ms))
		return gcal_event_bad(why, why_n, "start/end is not an RFC 3339 dateTime (%.60s)",
				      s ? s : "none");
	if (slot->end_ms <= slot->start_ms)
		return gcal_event_bad(why, why_n, "end is not after start (%.60s)", s);
	if (slot->start_ms >= to_ms || slot->end_ms <= from_ms)
		return GCAL_EVENT_SKIP;
	struct playout_desc tags;
	if (playout_desc_tags(desc, &tags) != PLAYOUT_OK)
		return PLAYOUT_ENOMEM;
	if (!tags.pid_len)
		return gcal_event_bad(why, why_n, "no PID:<pid> in the description (\"%.60s\")",
				      summary ? summary : "");
	if (tags.pid_len >= PLAYOUT_PID_MAX)
		return gcal_event_bad(why, why_n, "PID longer than 63 characters (%.60s)", tags.pid);
	memcpy(slot->pid, tags.pid, sizeof slot->pid);
	slot->type = PLAYOUT_SLOT_RECORDED;
	if (strcasecmp(tags.type, "LIVE") == 0)
		slot->type = PLAYOUT_SLOT_LIVE;
	else if (tags.type[0] && strcasecmp(tags.type, "RECORDED") != 0)
		return gcal_event_bad(why, why_n, "TYPE is neither RECORDED nor LIVE (%.30s)",
				      tags.type);
	playout_utf8_copy(slot->title, sizeof slot->title, summary ? summary : "");
	return GCAL_EVENT_SLOT;
}
