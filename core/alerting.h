/*
 * The daemon's side of the alarms: after each plan it gathers the facts
 * (the rundown, the probe verdicts, the sources' health, the outputs, the
 * cache's free space), asks alarms.c which causes stand, diffs them
 * against the state's alarms table and posts what is new or resolved to
 * the notify dispatcher; play reports and the daemon's own life add
 * one-shot events. Control thread only.
 */
#ifndef PO_ALERTING_H
#define PO_ALERTING_H

#include <stdint.h>

#include "gather.h"
#include "notify.h"
#include "player.h"
#include "playrec.h"
#include "rundown.h"
#include "runtime.h"

struct po_inputs;

/* The outputs' records, borrowed: rec[i] is output i's (po_runtime_nth). */
struct po_alerting_outputs {
	const struct po_playrec *rec;
	size_t n;
};

/* One round: facts -> causes -> events. now_ms: the daemon's clock.
 * files_known: the storage had answered since the start when pin was
 * gathered (ask before gathering: an answer in between would otherwise
 * call a file missing that the plan never saw). */
void po_alerting_round(struct po_runtime *rt, struct po_notify *n, const struct po_rundown *r,
		       const struct po_plan_inputs *pin, struct po_inputs *inputs,
		       int files_known, const struct po_alerting_outputs *out, int64_t now_ms);

/* A play report: a start later than alarms.late_start_ms, a fallback going
 * on air. Said once per item (and output, for a late start). */
void po_alerting_play(struct po_runtime *rt, struct po_notify *n, const struct po_play *p,
		      int64_t now_ms);

/* The daemon's life: what ("started", "stopping", "resumed ...") as a
 * one-shot "daemon" event; pid/title/start_ms may be ""/0. */
void po_alerting_daemon(struct po_runtime *rt, struct po_notify *n, const char *what,
			const char *pid, const char *title, int64_t start_ms, int64_t now_ms);

#endif
