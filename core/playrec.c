/*
 * Play reports into the state: BEGIN inserts (or continues an interrupted
 * play on a rejoin), PROGRESS keeps the bytes durable, GAP records an outage,
 * END closes the row with the figures of the whole play.
 */
#include "playrec.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The output's status row after report m: a new state starts its "since";
 * the last error stays until another comes. */
static void set_status(struct po_state *st, struct po_playrec *r, const struct po_playq_msg *m,
		       const char *state, int64_t at_ms)
{
	struct po_output_status *o = &r->status;
	const struct po_play *p = &m->play;
	if (strcmp(o->state, state) != 0) {
		snprintf(o->state, sizeof o->state, "%s", state);
		o->since_ms = at_ms;
	}
	if (strcmp(state, "idle") == 0) {
		o->pid[0] = o->title[0] = '\0';
		o->scheduled_ms = o->position_ms = o->end_ms = o->lead_ms = 0;
	} else {
		snprintf(o->pid, sizeof o->pid, "%s", p->pid);
		snprintf(o->title, sizeof o->title, "%s", p->title);
		o->scheduled_ms = p->scheduled_ms;
		if (m->type != PO_PLAYQ_GAP) {
			o->position_ms = m->status.position_ms;
			o->end_ms = m->status.end_ms;
			o->lead_ms = m->status.lead_ms;
		}
	}
	if (m->status.last_error[0]) {
		snprintf(o->last_error, sizeof o->last_error, "%s", m->status.last_error);
		o->error_ms = m->status.error_ms;
	}
	o->updated_ms = m->status.updated_ms ? m->status.updated_ms : at_ms;
	po_state_put_output_status(st, o);
}

void po_playrec_init(struct po_state *st, struct po_playrec *r, const char *label,
		     int64_t now_ms)
{
	memset(r, 0, sizeof *r);
	snprintf(r->status.output, sizeof r->status.output, "%s", label);
	snprintf(r->status.state, sizeof r->status.state, "idle");
	r->status.since_ms = r->status.updated_ms = now_ms;
	po_state_put_output_status(st, &r->status);
}

/* Forget the open play, keep the output's status (and a held PROGRESS:
 * the caller writes it before anything else). */
static void play_reset(struct po_playrec *r)
{
	struct po_output_status keep = r->status;
	int pending = r->pending;
	int64_t since = r->pending_since_ms;
	struct po_playq_msg held = r->held;
	memset(r, 0, sizeof *r);
	r->status = keep;
	r->pending = pending;
	r->pending_since_ms = since;
	r->held = held;
}

static void begin(struct po_state *st, struct po_playrec *r, struct po_play *p)
{
	struct po_play prev;
	if (r->id && r->scheduled_ms == p->scheduled_ms && strcmp(r->pid, p->pid) == 0) {
		/* The output is back: the play's first audio. A continued play
		 * keeps the start of the play the restart interrupted. */
		p->id = r->id;
		if (!r->cont)
			po_state_play_started(st, p);
		return;
	}
	play_reset(r);
	r->scheduled_ms = p->scheduled_ms;
	snprintf(r->pid, sizeof r->pid, "%s", p->pid);
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
		/* a row opened with the output down (no audio yet) keeps the
		 * "down" its outage reported */
		if (p->started_us)
			set_status(st, r, m, "on air", p->started_us / 1000);
		break;
	case PO_PLAYQ_PROGRESS:
		if (r->id)
			po_state_play_progress(st, r->id, p->bytes + r->base_bytes, p->sent_ms);
		set_status(st, r, m, "on air", p->sent_ms);
		break;
	case PO_PLAYQ_STATUS:
		set_status(st, r, m, m->status.state, m->status.since_ms);
		break;
	case PO_PLAYQ_GAP:
		m->gap.play_id = r->id;
		if (r->id)
			po_state_play_gap(st, &m->gap);
		/* back on air, unless the outage ran to the item's end */
		if (m->gap.resume_delay_us || m->gap.at_ms + m->gap.length_ms < r->status.end_ms)
			set_status(st, r, m, "on air", m->gap.at_ms + m->gap.length_ms);
		break;
	case PO_PLAYQ_END:
		p->id = r->id;
		if (r->cont)
			merge(r, p);
		if (p->id)
			po_state_play_end(st, p);
		play_reset(r);
		/* an output that failed through the item, or was down at its
		 * end, stays down */
		set_status(st, r, m,
			   strcmp(p->outcome, "failed") == 0 || strcmp(r->status.state, "down") == 0
				   ? "down" : "idle",
			   p->ended_ms);
		break;
	default:
		break;
	}
}

void po_playrec_post(struct po_state *st, struct po_playrec *r, struct po_playq_msg *m,
		     int64_t now_ms)
{
	if (m->type == PO_PLAYQ_PROGRESS) {
		if (!r->pending)
			r->pending_since_ms = now_ms;
		r->pending = 1;
		r->held = *m;
		return;
	}
	po_playrec_flush(st, r, now_ms, 1);
	po_playrec_apply(st, r, m);
}

int64_t po_playrec_flush(struct po_state *st, struct po_playrec *r, int64_t now_ms, int force)
{
	if (!r->pending)
		return INT64_MAX;
	if (!force && now_ms - r->pending_since_ms < PO_PLAYREC_HOLD_MS)
		return r->pending_since_ms + PO_PLAYREC_HOLD_MS;
	r->pending = 0;
	po_playrec_apply(st, r, &r->held);
	return INT64_MAX;
}
