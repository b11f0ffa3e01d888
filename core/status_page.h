/*
 * The status server's "/" page: one HTML page a volunteer reads on a phone.
 * On air now with the position, next, the coming hours with each decision
 * and its reason (missing and fallback marked), recent plays with their
 * start error. It reloads itself (meta refresh); no script. Every text is
 * escaped, and paths in free text are cut (redact.h). Rendering only: the
 * caller reads the state.
 */
#ifndef PO_STATUS_PAGE_H
#define PO_STATUS_PAGE_H

#include <stdint.h>
#include <stdio.h>

#include "report.h"
#include "state.h"

#define PO_STATUS_PAGE_REFRESH_S 15

struct po_page {
	const char *station;            /* borrowed */
	int64_t now_ms;
	const struct po_status *status; /* borrowed: outputs, next, items ahead */
	const struct po_play *plays;    /* borrowed: recent plays, oldest first */
	size_t nplays;
};

void po_status_page_render(FILE *f, const struct po_page *p);

#endif
