/*
 * One page of the history (history_page.h): a cursor and a count over the
 * plays in their order. Pure; the plays are read by the caller.
 */
#include "history_page.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int po_history_page_parse(const char *limit, const char *before, size_t default_limit,
			  struct po_history_page *pg, char *why, size_t n)
{
	memset(pg, 0, sizeof *pg);
	pg->limit = default_limit;
	pg->before_ms = INT64_MAX;
	if (limit) {
		char *end;
		errno = 0;
		long long v = strtoll(limit, &end, 10);
		if (!all_digits(limit) || errno || v < 1 || v > PO_HISTORY_LIMIT_MAX) {
			snprintf(why, n, "limit: expected a number of plays from 1 to %d", PO_HISTORY_LIMIT_MAX);
			return PLAYOUT_EINVAL;
		}
		pg->limit = (size_t)v;
	}
	if (!before)
		return PLAYOUT_OK;
	if (all_digits(before)) {
		char *end;
		errno = 0;
		long long id = strtoll(before, &end, 10);
		if (errno || id < 1) {
			snprintf(why, n, "before: a play id is a number from 1");
			return PLAYOUT_EINVAL;
		}
		pg->before_id = id;
		return PLAYOUT_OK;
	}
	/* an offset is required: a bare local time would depend on the zone of
	 * whoever asks */
	if (strlen(before) < 11 || po_iso8601_parse(before, &pg->before_ms) < 0 ||
	    !(strchr(before, 'Z') || strchr(before + 10, '+') || strchr(before + 10, '-'))) {
		snprintf(why, n, "before: expected a play id or an ISO 8601 time with an offset, "
			 "such as 2026-07-02T15:00:00Z");
		pg->before_ms = INT64_MAX;
		return PLAYOUT_EINVAL;
	}
	return PLAYOUT_OK;
}

int po_history_page_pick(const struct po_play *v, size_t n, const struct po_history_page *pg,
			 size_t *first, size_t *count, char *why, size_t whyn)
{
	size_t end = n; /* one past the last play of the page */
	if (pg->before_id > 0) {
		for (end = 0; end < n && v[end].id != pg->before_id; end++)
			;
		if (end == n) {
			snprintf(why, whyn, "before: no play with id %lld", (long long)pg->before_id);
			*first = *count = 0;
			return PLAYOUT_ENOTFOUND;
		}
	} else if (pg->before_ms != INT64_MAX) {
		for (end = 0; end < n && v[end].scheduled_ms < pg->before_ms; end++)
			;
	}
	*count = pg->limit && pg->limit < end ? pg->limit : end;
	*first = end - *count;
	return PLAYOUT_OK;
}
