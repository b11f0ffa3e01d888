/*
 * The JSON that `playoutctl status|rundown|history --json` print and the
 * status server serves (httpd.c): one writer per document, so the two can
 * never differ. Reads what it is given or the state store; prints nothing
 * else. Any thread, on its own state handle.
 */
#ifndef PO_REPORT_H
#define PO_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include <playout/plugin.h>

#include "state.h"

/* What status shows: every output's row and the rundown of the next 24 h. */
struct po_status {
	struct po_output_status *outs; /* owned; po_status_free */
	size_t nouts;
	struct playout_item *items;    /* owned; the stored rundown, now .. now + 24 h */
	size_t nitems;
	const struct playout_item *next; /* into items: the next item with audio, or NULL */
};
/* Read it from st (borrowed) as of now_ms. Never fails: what cannot be read
 * is left empty. */
void po_status_read(struct po_state *st, int64_t now_ms, struct po_status *s);
void po_status_free(struct po_status *s); /* a zeroed struct is a no-op */
/* Where output o is in its item at now_ms: it runs by the clock, on air or
 * not, and stops at the item's end. */
int64_t po_report_position_ms(const struct po_output_status *o, int64_t now_ms);

/* flags: */
#define PO_REPORT_REDACT 0x1 /* for the network: paths in free text (errors,
                                reasons, details) cut to their last component
                                (redact.h) */

/* The documents, each ending with a newline. */
void po_report_status_json(FILE *f, const struct po_status *s, int64_t now_ms, int flags);
void po_report_rundown_json(FILE *f, const struct playout_item *v, size_t n, int flags);
/* v: plays from po_state_get_plays; st (borrowed) gives their gaps. */
void po_report_history_json(FILE *f, struct po_state *st, const struct po_play *v, size_t n,
			    int flags);

#endif
