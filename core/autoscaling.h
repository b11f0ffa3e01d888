/*
 * The EC2 Auto Scaling Query API, as much as EC2 on demand needs: list,
 * put and delete a group's scheduled actions, set its desired capacity.
 * Form-encoded POSTs (Action=..., Version=2011-01-01) signed with SigV4
 * through po_aws_http (the network module, doc/design.md §2), XML answers.
 * Not for the control thread: every call waits on the network.
 */
#ifndef PO_AUTOSCALING_H
#define PO_AUTOSCALING_H

#include <stddef.h>

#include <playout/plugin.h>

#include "ec2_sched.h"

struct po_aws;

/* One group to talk to. Strings borrowed for as long as the struct is used. */
struct po_asg {
	struct po_aws *aws;   /* credentials and region; borrowed */
	const char *group;    /* AutoScalingGroupName */
	const char *endpoint; /* NULL: https://autoscaling.<region>.amazonaws.com/ */
};

/* Every scheduled action of the group (all pages), ours and others'.
 * *v malloc'd (NULL when *n is 0). Errors name the action, the group and
 * the AWS error code and message: EAUTH for a refused signature or
 * access, ENOTFOUND for no such group, EUNAVAIL / ETIMEOUT for outages,
 * EPROTO for an answer that is not what the API sends. */
int po_asg_describe(const struct po_asg *g, struct po_ec2_action **v, size_t *n,
		    struct playout_error *err);
/* PutScheduledUpdateGroupAction: create or replace a one-shot action. */
int po_asg_put(const struct po_asg *g, const struct po_ec2_action *a, struct playout_error *err);
/* DeleteScheduledAction by name. */
int po_asg_delete(const struct po_asg *g, const char *name, struct playout_error *err);
/* SetDesiredCapacity, not honouring the cooldown. */
int po_asg_set_desired(const struct po_asg *g, int desired, struct playout_error *err);

/* What po_asg_apply did. */
struct po_asg_applied {
	size_t existing; /* actions the group had, ours and others' */
	size_t put, deleted, kept;
};

/* Make the group's actions those of want (po_ec2_actions): describe, then
 * put what is missing or differs and delete our stale ones inside
 * [from_ms, to_ms) (po_ec2_diff); another's action is never touched.
 * Unchanged actions cost one Describe and no change. Stops at the first
 * error (what was done is in *done). */
int po_asg_apply(const struct po_asg *g, const struct po_ec2_action *want, size_t nwant,
		 int64_t from_ms, int64_t to_ms, struct po_asg_applied *done,
		 struct playout_error *err);

#endif
