/*
 * The state's alarm tables (schema v5): which causes were said (so a
 * restart does not say them again) and every delivery to a notify instance
 * with its outcome (playoutctl alerts). Any thread, like state.h.
 */
#ifndef PO_STATE_ALARMS_H
#define PO_STATE_ALARMS_H

#include <stdint.h>

#include "alarms.h"
#include "state.h"

/* Every stored alarm row. *v malloc'd (NULL when *n is 0). */
int po_state_alarm_rows(struct po_state *st, struct po_alarm_row **v, size_t *n);
/* Store a as said at now_ms (standing again if it was resolved). */
int po_state_alarm_raise(struct po_state *st, const struct po_alarm *a, int64_t now_ms);
/* Every row of key resolved at now_ms. */
int po_state_alarm_resolve(struct po_state *st, const char *key, int64_t now_ms);
/* Every row of key forgotten (its programme aired). */
int po_state_alarm_forget(struct po_state *st, const char *key);
/* Forget resolved and one-shot rows said before before_ms. */
int po_state_alarm_prune(struct po_state *st, int64_t before_ms);

/* One event for one notify instance. delivered: 0 pending, 1 delivered,
 * -1 given up after the last retry. */
struct po_alert_send {
	int64_t id;
	char key[200];
	char type[32];            /* the event's type ("resolved" for an end) */
	int cause_type;           /* enum po_alarm_type of the cause */
	int level;
	char instance[64];
	char pid[PLAYOUT_PID_MAX];
	char title[PLAYOUT_TITLE_MAX];
	int64_t start_ms;
	char message[512];
	char body[2048];
	int64_t event_ms;         /* when it happened */
	int64_t sent_ms;          /* the last attempt; 0: none yet */
	int delivered;
	int attempts;
	int64_t next_ms;          /* the next attempt, while pending */
	char last_error[256];
};
/* Insert s (pending); sets s->id. */
int po_state_send_add(struct po_state *st, struct po_alert_send *s);
/* Write s's sent_ms, delivered, attempts, next_ms and last_error. */
int po_state_send_update(struct po_state *st, const struct po_alert_send *s);
/* The pending sends of instance (NULL: all), oldest first. *v malloc'd. */
int po_state_send_pending(struct po_state *st, const char *instance, struct po_alert_send **v,
			  size_t *n);
/* The last `limit` sends, oldest first. *v malloc'd. */
int po_state_send_list(struct po_state *st, size_t limit, struct po_alert_send **v, size_t *n);

#endif
