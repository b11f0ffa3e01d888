/*
 * One page of the history: which plays `playoutctl history --limit N
 * --before X` and /history.json?limit=N&before=X show. Parsing the two
 * values and picking the page from the plays in the history's order
 * (scheduled time, then id); reading the plays and printing them are
 * ctl.c's, httpd.c's and report.c's. Pure; any thread.
 */
#ifndef PO_HISTORY_PAGE_H
#define PO_HISTORY_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

#define PO_HISTORY_LIMIT_DEFAULT 100 /* /history.json without limit= */
#define PO_HISTORY_LIMIT_MAX 1000

struct po_history_page {
	size_t limit;        /* 0: every play (playoutctl's default) */
	int64_t before_id;   /* > 0: plays before this one in the order */
	int64_t before_ms;   /* when before_id is 0 and this is not INT64_MAX:
	                        plays scheduled before this UTC instant */
};

/* From the texts (NULL: absent). limit: 1..PO_HISTORY_LIMIT_MAX, default
 * default_limit (0: all). before: a play id (digits) or an ISO 8601 time
 * with an offset ("2026-07-02T15:00:00Z"). PLAYOUT_OK, or PLAYOUT_EINVAL
 * with why (n bytes) saying which value is wrong and what is expected. */
int po_history_page_parse(const char *limit, const char *before, size_t default_limit,
			  struct po_history_page *pg, char *why, size_t n);

/* The page of v (n plays in the history's order, borrowed): the newest
 * pg->limit plays before the cursor, oldest first, as v[*first] ..
 * v[*first + *count - 1]. PLAYOUT_OK, or PLAYOUT_ENOTFOUND (why filled)
 * when before names an id that is not in v. The next older page is then
 * before=<the id of v[*first]>. */
int po_history_page_pick(const struct po_play *v, size_t n, const struct po_history_page *pg,
			 size_t *first, size_t *count, char *why, size_t whyn);

#endif
