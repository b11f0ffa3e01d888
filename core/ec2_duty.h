/*
 * playoutd's side of EC2 on demand: a thread of its own that, after a plan
 * changed the blocks, puts the group's scheduled actions (ec2.apply_after_plan)
 * and, when nothing is due for longer than the tail and nothing is on air,
 * sets the group's desired capacity to 0 (ec2.idle_stop). The control thread
 * only hands over each rundown; every network call runs here.
 */
#ifndef PO_EC2_DUTY_H
#define PO_EC2_DUTY_H

#include <stdint.h>

#include <playout/plugin.h>

#include "rundown.h"
#include "runtime.h"

struct po_ec2_duty;

/* Control thread, before the players start. *out stays NULL (and nothing
 * runs) unless the config has an ec2 group with apply_after_plan or
 * idle_stop on. rt is borrowed until po_ec2_duty_stop. */
int po_ec2_duty_start(struct po_runtime *rt, struct po_ec2_duty **out, struct playout_error *err);

/* Control thread, after each plan: derive the blocks of r (borrowed for
 * the call) over [now_ms, to_ms) and wake the thread when they changed.
 * Never waits on the network. NULL d is a no-op. */
void po_ec2_duty_plan(struct po_ec2_duty *d, const struct po_rundown *r, int64_t now_ms,
		      int64_t to_ms);

/* Join the thread (a call in flight ends with po_http_abort_all) and free.
 * NULL is a no-op. */
void po_ec2_duty_stop(struct po_ec2_duty *d);

#endif
