/*
 * Play reports into the state: BEGIN inserts (or continues an interrupted
 * play on a rejoin), PROGRESS keeps the bytes durable, GAP records an outage,
 * END closes the row with the figures of the whole play.
 */
#include "playrec.h"

#include <stdio.h>
#include <string.h>

static void begin(struct po_state *st, struct po_playrec *r, struct po_play *p)
{
	struct po_play prev;
	memset(r, 0, sizeof *r);
	if (p->join_ms > 0 && po_state_play_rejoin(st, p, &prev) == PLAYOUT_OK) {
		r->id = prev.id;
		r->cont = 1;
		r->base_bytes = prev.bytes;
		r->base_lost_ms = prev.lost_ms;
		r->started_us = prev.started_us;
		r->start_error_us = prev.start_error_us;
		r->join_ms = prev.join_ms;
		r->join_delay_us = prev.join_delay_us;
		p->id = prev.id;
		return;
	}
	if (po_state_play_begin(st, p) == PLAYOUT_OK)
		r->id = p->id;
}

/* The player counts from its join; the row holds the whole play. */
static void merge(const struct po_playrec *r, struct po_play *p)
{
	int from_join = p->join_ms != 0;
	p->started_us = r->started_us;
	p->start_error_us = r->start_error_us;
	p->join_ms = r->join_ms;
	p->join_delay_us = r->join_delay_us;
	p->bytes += r->base_bytes;
	p->lost_ms += r->base_lost_ms;
	/* The player called its play partial for joining; the whole play is
	 * complete when the restart lost nothing and it began at the start. */
	if (from_join && strcmp(p->outcome, "partial") == 0 && !p->lost_ms && !p->join_ms)
		snprintf(p->outcome, sizeof p->outcome, "complete");
	size_t n = strlen(p->detail);
	snprintf(p->detail + n, sizeof p->detail - n, "%sresumed after a restart", n ? "; " : "");
	n = strlen(p->detail);
	if (r->base_lost_ms && n < sizeof p->detail)
		snprintf(p->detail + n, sizeof p->detail - n, "; %.1f s lost in all",
			 (double)p->lost_ms / 1000.0);
}

void po_playrec_apply(struct po_state *st, struct po_playrec *r, struct po_playq_msg *m)
{
	struct po_play *p = &m->play;
	switch (m->type) {
	case PO_PLAYQ_BEGIN:
		begin(st, r, p);
		break;
	case PO_PLAYQ_PROGRESS:
		if (r->id)
			po_state_play_progress(st, r->id, p->bytes + r->base_bytes, p->sent_ms);
		break;
	case PO_PLAYQ_GAP:
		m->gap.play_id = r->id;
		if (r->id)
			po_state_play_gap(st, &m->gap);
		break;
	case PO_PLAYQ_END:
		p->id = r->id;
		if (r->cont)
			merge(r, p);
		if (p->id)
			po_state_play_end(st, p);
		memset(r, 0, sizeof *r);
		break;
	default:
		break;
	}
}
