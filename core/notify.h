/*
 * The notify dispatcher: delivers alarm events to the notify plugin
 * instances, each on a thread of its own, so a slow or dead mail server
 * never delays planning, playout or another instance. The queue is the
 * state's alert_sends table (state_alarms.h): what was not delivered when
 * the daemon stopped is sent after the next start. A failed send is tried
 * again after 30 s, doubling to 10 min, and given up after 10 attempts.
 */
#ifndef PO_NOTIFY_H
#define PO_NOTIFY_H

#include <stdint.h>

#include "runtime.h"
#include "state_alarms.h"

struct po_notify;

/* Start one thread per notify instance of rt (none configured: *out is a
 * dispatcher that drops every event). rt is borrowed until po_notify_stop.
 * Control thread. */
int po_notify_start(struct po_runtime *rt, struct po_notify **out, struct playout_error *err);

/* Queue ev (ev->instance, id and the delivery fields ignored) for every
 * instance whose filter passes it; returns how many. A resolved event is
 * judged by its cause's type and level (ev->cause_type, ev->level).
 * Control thread; never waits on a delivery. */
int po_notify_post(struct po_notify *n, const struct po_alert_send *ev);

/* Wait up to grace_ms for every send due now to be attempted (the daemon's
 * "stopped" event), without asking anything to stop. Control thread. */
void po_notify_drain(struct po_notify *n, int grace_ms);

/* Stop the threads: a send in flight ends when host->stopping turns 1 (the
 * caller has set it) or its timeout passes; a thread still inside a plugin
 * after ~1.5 s is abandoned. Returns how many were abandoned: the caller
 * must then not destroy the plugin instances. Frees n unless it returns
 * > 0. NULL is a no-op. */
size_t po_notify_stop(struct po_notify *n);

/* The event a plugin sees for a stored send; strings borrow from s. */
void po_notify_event(const struct po_alert_send *s, const char *station, const char *severity,
		     struct playout_event *ev);

#endif
