/*
 * libFuzzer target for what the gcal plugin reads from Google: any bytes as
 * an answer body, parsed as the plugin parses it (gcal_json.c), then read as
 * an events.list page (every item through gcal_event.c, as gcal_fetch does),
 * as a token answer (expires_in) and as a token.json (expiry, playout_time_parse).
 * Must never crash, leak, hang or trip UBSan (expires_in near INT64_MAX did).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_host.h"
#include "../plugins/gcal/gcal_event.h"
#include "../plugins/gcal/gcal_json.h"
#include <playout/util.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_slot(const struct playout_slot *s, int64_t from, int64_t to)
{
	if (s->end_ms <= s->start_ms || s->start_ms >= to || s->end_ms <= from || !s->pid[0] ||
	    memchr(s->pid, '\0', sizeof s->pid) == NULL ||
	    memchr(s->title, '\0', sizeof s->title) == NULL ||
	    (s->type != PLAYOUT_SLOT_RECORDED && s->type != PLAYOUT_SLOT_LIVE))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *o = gcal_json_parse((const char *)data, size), *items;
	const int64_t from = PO_FUZZ_NOW_MS - 24 * 3600 * 1000LL;
	const int64_t to = PO_FUZZ_NOW_MS + 366 * 24 * 3600 * 1000LL;
	char when[40];

	if (!o)
		return 0;
	if (json_object_object_get_ex(o, "items", &items) &&
	    json_object_is_type(items, json_type_array)) {
		size_t n = json_object_array_length(items);
		for (size_t i = 0; i < n; i++) {
			struct playout_slot slot;
			const char *id = NULL;
			char why[256];
			int r = gcal_event_read(json_object_array_get_idx(items, i), from, to, &slot, &id,
						why, sizeof why);
			if (!id)
				__builtin_trap();
			if (r == GCAL_EVENT_SLOT)
				check_slot(&slot, from, to);
			else if (r == GCAL_EVENT_BAD && memchr(why, '\0', sizeof why) == NULL)
				__builtin_trap();
		}
	}
	(void)gcal_json_str(o, "nextPageToken");
	/* the token's end is never before now nor more than a day ahead */
	int64_t expiry = gcal_token_expiry_ms(o, PO_FUZZ_NOW_MS);
	if (expiry < PO_FUZZ_NOW_MS || expiry > PO_FUZZ_NOW_MS + GCAL_LIFETIME_MAX_S * 1000LL)
		__builtin_trap();
	playout_time_format(expiry, when, sizeof when);
	const char *s = gcal_json_str(o, "expiry");
	int64_t ms;
	if (s && playout_time_parse(s, NULL, &ms) == 0) {
		/* what gcal writes back it reads again, to the second */
		int64_t back;
		playout_time_format(ms, when, sizeof when);
		if (ms >= 0 && ms < 253402300800000LL && /* 1970 to 9999 */
		    (playout_time_parse(when, NULL, &back) != 0 || back != ms - ms % 1000))
			__builtin_trap();
	}
	json_object_put(o);
	return 0;
}
