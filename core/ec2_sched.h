/*
 * EC2 on demand: when the station's machine must run, derived from a
 * rundown. Items that will play (every decision but `missing`) form blocks;
 * the machine comes up `lead` before a block and goes down `tail` after it.
 * Pure: no I/O, no clock, no network (the Auto Scaling calls are
 * autoscaling.c's). Any thread.
 */
#ifndef PO_EC2_SCHED_H
#define PO_EC2_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include <playout/plugin.h>

/* Scheduled actions are named PO_EC2_PREFIX "up-" / "down-" + the UTC
 * minute: only actions with this prefix are ever changed or deleted. */
#define PO_EC2_PREFIX "playout-"
#define PO_EC2_NAME_MAX 64

struct po_ec2_params {
	int64_t lead_ms;      /* up this long before a block's first item */
	int64_t tail_ms;      /* down this long after its last item ends */
	int64_t merge_gap_ms; /* programmes closer than this share one block */
	int64_t horizon_ms;   /* how far the daemon plans; 0: no wake-up (see below) */
};

/* The parameters of a config's ec2 group (minutes) and horizon (hours). */
static inline struct po_ec2_params po_ec2_params_of(int lead_min, int tail_min, int merge_gap_min,
						   int horizon_h)
{
	struct po_ec2_params p = {
		.lead_ms = lead_min * 60000LL, .tail_ms = tail_min * 60000LL,
		.merge_gap_ms = merge_gap_min * 60000LL, .horizon_ms = horizon_h * 3600000LL,
	};
	return p;
}

/* One stretch of time the machine runs: [up_ms, down_ms). */
struct po_ec2_block {
	int64_t first_ms;  /* the first item's start */
	int64_t last_ms;   /* the last item's end */
	int64_t up_ms;     /* first_ms - lead */
	int64_t down_ms;   /* last_ms + tail */
	size_t nitems;     /* 0 for a wake-up block */
	int wake;          /* no programme: the machine wakes to plan further ahead */
};

struct po_ec2_schedule {
	struct po_ec2_block *v; /* sorted by up_ms; malloc'd */
	size_t n;
	int64_t from_ms, to_ms; /* the window the rundown covered */
};

/* Derive the blocks of items (any order; missing ones and those whose
 * tail is over by from_ms are skipped) over the window [from_ms, to_ms):
 * give it the items of at least [from_ms - tail - merge gap, to_ms).
 * Two items merge into one block when the gap between them is below
 * merge_gap, or too short for the machine to go down and come up again
 * (gap <= lead + tail). With horizon_ms > 0 a wake-up block is added
 * when the machine would otherwise stay down past the end of what the
 * daemon will have planned: without it, a machine that is off never plans
 * the programmes beyond its horizon and never comes back (see the .c).
 * s is overwritten; free it with po_ec2_schedule_free. PLAYOUT_ENOMEM. */
int po_ec2_schedule_build(const struct playout_item *items, size_t n, int64_t from_ms,
			  int64_t to_ms, const struct po_ec2_params *p, struct po_ec2_schedule *s);
void po_ec2_schedule_free(struct po_ec2_schedule *s); /* NULL or zeroed: no-op */

/* Machine time the schedule implies: the part of each block inside the
 * window, in ms. */
int64_t po_ec2_up_ms(const struct po_ec2_schedule *s);
/* The same as instance-hours per week (168 h of window -> 168 at most). */
double po_ec2_hours_per_week(const struct po_ec2_schedule *s);

/* One scheduled action of the Auto Scaling group. */
struct po_ec2_action {
	char name[PO_EC2_NAME_MAX]; /* "playout-up-20261203T0950Z" */
	int64_t start_ms;           /* whole minutes */
	int desired;                /* 1 up, 0 down */
	int min_size, max_size;     /* -1: not set */
};

/* The two actions of every block whose instant is after now_ms (an action
 * in the past is refused by Auto Scaling, and has done its work), sorted by
 * time. Instants are rounded to the minute: up down, down up, so the
 * machine never runs short. *out malloc'd (NULL when *n is 0). */
int po_ec2_actions(const struct po_ec2_schedule *s, int64_t now_ms, struct po_ec2_action **out,
		   size_t *n);

/* Is name one of ours (PO_EC2_PREFIX)? */
int po_ec2_is_ours(const char *name);

/* What --apply must do, given the actions the group has (any names):
 * put each wanted action that is absent or differs (time, desired
 * capacity), delete each of ours that is not wanted and starts inside
 * [from_ms, to_ms) (outside it this rundown does not know), never touch
 * another's. Indexes into want and have; *put and *del malloc'd. */
struct po_ec2_diff {
	size_t *put, nput;
	size_t *del, ndel;
};
int po_ec2_diff(const struct po_ec2_action *want, size_t nwant, const struct po_ec2_action *have,
		size_t nhave, int64_t from_ms, int64_t to_ms, struct po_ec2_diff *d);
void po_ec2_diff_free(struct po_ec2_diff *d);

/* Is now_ms inside the time the schedule keeps the machine up? */
int po_ec2_wanted_at(const struct po_ec2_schedule *s, int64_t now_ms);

#endif
