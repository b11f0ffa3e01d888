/*
 * Writing the players' reports to the state, one output at a time (the
 * control thread drains the play queue into it). A play that joins its item
 * after a restart continues the play the restart interrupted, so each item
 * has one play per output with its interruptions (doc/design.md §3, §8).
 */
#ifndef PO_PLAYREC_H
#define PO_PLAYREC_H

#include <stdint.h>

#include "player.h"
#include "state.h"

/* One output's open play. Zero it to start. */
struct po_playrec {
	int64_t id;           /* the open play row, 0 when none */
	/* Its item: a second BEGIN of the same item is its first audio after
	 * an output that was down when the item began (the row opened then). */
	int64_t scheduled_ms;
	char pid[PLAYOUT_PID_MAX];
	/* When the open play continues an interrupted one: what that one had
	 * (its start, its bytes and its losses), added to the player's
	 * figures, which count from the join. */
	int cont;
	int64_t base_bytes, base_lost_ms, started_us, start_error_us, join_ms, join_delay_us;
	/* What the output does, as last written to output_status. */
	struct po_output_status status;
	/* The newest PROGRESS not yet written (held up to PO_PLAYREC_HOLD_MS,
	 * so that several go out in one commit) and since when it is held
	 * (the caller's monotonic ms). */
	int pending;
	int64_t pending_since_ms;
	struct po_playq_msg held;
};

/* How long progress may wait in memory: the bytes sent are durable within
 * this plus the player's report interval (1 s) of being sent. */
#define PO_PLAYREC_HOLD_MS 1000

/* Start output label's record: its status row says "idle" since now_ms. */
void po_playrec_init(struct po_state *st, struct po_playrec *r, const char *label,
		     int64_t now_ms);

/* Apply report m (BEGIN, PROGRESS, GAP, STATUS or END) of r's output; each
 * updates its status row too. m->play may be
 * changed (the figures as written). Failures are logged by the state. */
void po_playrec_apply(struct po_state *st, struct po_playrec *r, struct po_playq_msg *m);

/* Like po_playrec_apply, but a PROGRESS is held in memory (the newest one
 * replaces it) until po_playrec_flush writes it; any other report writes
 * the held one first. now_ms: a monotonic clock. */
void po_playrec_post(struct po_state *st, struct po_playrec *r, struct po_playq_msg *m,
		     int64_t now_ms);

/* Write the held PROGRESS when it has waited PO_PLAYREC_HOLD_MS by now_ms
 * (or at once when force). Returns when the next one falls due (monotonic
 * ms), INT64_MAX when nothing is held. */
int64_t po_playrec_flush(struct po_state *st, struct po_playrec *r, int64_t now_ms, int force);

#endif
