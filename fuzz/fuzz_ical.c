/*
 * libFuzzer target for what the ical plugin reads from a calendar server:
 * any bytes as a feed, checked and parsed as the plugin does (ical_feed.c),
 * then every event expanded over a year's window (ical_expand.c: zones,
 * RRULE, RDATE, EXDATE, RECURRENCE-ID) and its description read
 * (playout_desc_tags). Must never crash, leak, hang or trip UBSan; every slot
 * must lie in the window with a PID and a known type.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <playout/util.h>

#include "fuzz_host.h"
#include "../plugins/ical/ical_expand.h"
#include "../plugins/ical/ical_feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void skipped(void *arg, const char *uid, int all_day, const char *why)
{
	(void)arg;
	(void)all_day;
	if (!uid || !why || strlen(why) > 200)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const int64_t from = PO_FUZZ_NOW_MS - 24 * 3600 * 1000LL;
	const int64_t to = PO_FUZZ_NOW_MS + 366 * 24 * 3600 * 1000LL;
	struct ical_feed f = { 0 };
	struct playout_slots out = { 0 };
	char why[200];
	struct playout_desc tags;
	char *text = po_fuzz_text(data, size);

	if (!text)
		return 0;
	icalerror_set_errors_are_fatal(0);
	/* what it found is terminated, and a PID found is a PID */
	if (playout_desc_tags(text, &tags) == PLAYOUT_OK &&
	    (!memchr(tags.pid, '\0', sizeof tags.pid) || !memchr(tags.type, '\0', sizeof tags.type) ||
	     (tags.pid_len > 0) != (tags.pid[0] != '\0')))
		__builtin_trap();
	if (ical_feed_parse(&f, text, size, why, sizeof why) == PLAYOUT_OK) {
		struct ical_expand_opts o = {
			.host = po_fuzz_host(), .from_ms = from, .to_ms = to,
			.max_occurrences = 2000, .skip = skipped,
		};
		if (ical_expand(f.cal, &o, &out, NULL) == PLAYOUT_OK) {
			for (size_t i = 0; i < out.n; i++) {
				const struct playout_slot *s = &out.v[i];
				if (s->end_ms <= s->start_ms || s->start_ms >= to || s->end_ms <= from ||
				    s->end_ms - s->start_ms > ICAL_MAX_EVENT_MS || !s->pid[0] ||
				    memchr(s->pid, '\0', sizeof s->pid) == NULL ||
				    memchr(s->title, '\0', sizeof s->title) == NULL ||
				    (s->type != PLAYOUT_SLOT_RECORDED && s->type != PLAYOUT_SLOT_LIVE))
					__builtin_trap();
			}
		}
	}
	free(out.v);
	ical_feed_clear(&f);
	free(text);
	return 0;
}
