/*
 * Tests for core/ec2_sched.c: blocks of programmes from a rundown (merging,
 * lead, tail, missing items), the wake-up past the horizon, the action
 * names and times, the instance-hours, and what --apply changes.
 */
#include "runner.h"

#include <stdlib.h>
#include <string.h>

#include "ec2_sched.h"

#define DAY0 1796256000000LL /* 2026-12-03T00:00:00Z */
#define MIN 60000LL
#define HOUR 3600000LL
#define AT(h, m) (DAY0 + (h) * HOUR + (m) * MIN)

static struct playout_item item(int64_t start, int64_t end, int decision)
{
	struct playout_item it;
	memset(&it, 0, sizeof it);
	it.start_ms = start;
	it.end_ms = end;
	it.decision = decision;
	it.nseg = decision == PLAYOUT_DECISION_MISSING ? 0 : 1;
	return it;
}

static const struct po_ec2_params defaults = {
	.lead_ms = 10 * MIN, .tail_ms = 5 * MIN, .merge_gap_ms = 30 * MIN, .horizon_ms = 0,
};

static void test_gaps_under_merge_gap_share_a_block_with_lead_and_tail(void)
{
	struct playout_item v[] = {
		item(AT(13, 0), AT(14, 0), PLAYOUT_DECISION_EXACT), /* out of order on purpose */
		item(AT(10, 0), AT(11, 0), PLAYOUT_DECISION_EXACT),
		item(AT(11, 20), AT(12, 0), PLAYOUT_DECISION_FALLBACK),
	};
	struct po_ec2_schedule s;
	PO_EXPECT_INT_FATAL(po_ec2_schedule_build(v, 3, DAY0, DAY0 + 24 * HOUR, &defaults, &s),
			    PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(s.n, 2);
	PO_EXPECT_TIME(s.v[0].up_ms, AT(9, 50));
	PO_EXPECT_TIME(s.v[0].down_ms, AT(12, 5));
	PO_EXPECT_INT(s.v[0].nitems, 2);
	PO_EXPECT_TIME(s.v[1].up_ms, AT(12, 50));
	PO_EXPECT_TIME(s.v[1].down_ms, AT(14, 5));
	PO_EXPECT_INT(s.v[1].wake, 0);
	po_ec2_schedule_free(&s);
}

static void test_a_gap_of_exactly_merge_gap_is_two_blocks(void)
{
	struct playout_item v[] = {
		item(AT(10, 0), AT(11, 0), PLAYOUT_DECISION_EXACT),
		item(AT(11, 30), AT(12, 0), PLAYOUT_DECISION_EXACT),
	};
	struct po_ec2_schedule s;
	PO_EXPECT_INT_FATAL(po_ec2_schedule_build(v, 2, DAY0, DAY0 + 24 * HOUR, &defaults, &s),
			    PLAYOUT_OK);
	PO_EXPECT_INT(s.n, 2);
	po_ec2_schedule_free(&s);
}

static void test_missing_items_and_the_past_need_no_machine(void)
{
	struct playout_item v[] = {
		item(AT(1, 0), AT(2, 0), PLAYOUT_DECISION_EXACT), /* over before the window */
		item(AT(10, 0), AT(11, 0), PLAYOUT_DECISION_MISSING),
		item(AT(20, 0), AT(21, 0), PLAYOUT_DECISION_STORAGE_ONLY),
	};
	struct po_ec2_schedule s;
	PO_EXPECT_INT_FATAL(po_ec2_schedule_build(v, 3, AT(3, 0), DAY0 + 24 * HOUR, &defaults, &s),
			    PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(s.n, 1);
	PO_EXPECT_TIME(s.v[0].first_ms, AT(20, 0));
	po_ec2_schedule_free(&s);
}

static void test_a_block_stays_until_its_tail_is_over(void)
{
	struct playout_item v[] = {item(AT(10, 0), AT(11, 0) - 5000, PLAYOUT_DECISION_EXACT)};
	struct po_ec2_schedule s;
	/* ended 4 min ago: the tail (5 min, to the minute: 11:05) still runs */
	PO_EXPECT_INT_FATAL(po_ec2_schedule_build(v, 1, AT(11, 4), DAY0 + 24 * HOUR, &defaults, &s),
			    PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(s.n, 1);
	PO_EXPECT_TIME(s.v[0].down_ms, AT(11, 5));
	PO_EXPECT_INT(po_ec2_wanted_at(&s, AT(11, 4)), 1);
	po_ec2_schedule_free(&s);
	PO_EXPECT_INT_FATAL(po_ec2_schedule_build(v, 1, AT(11, 5), DAY0 + 24 * HOUR, &defaults, &s),
			    PLAYOUT_OK);
	PO_EXPECT_INT(s.n, 0);
	po_ec2_schedule_free(&s);
}

static void test_a_gap_too_short_to_go_down_and_up_is_kept_up(void)
{
	struct po_ec2_params p = {.lead_ms = 30 * MIN, .tail_ms = 30 * MIN, .merge_gap_ms = 10 * MIN};
	struct playout_item v[] = {
		item(AT(10, 0), AT(11, 0), PLAYOUT_DECISION_EXACT),
		item(AT(11, 45), AT(12, 0), PLAYOUT_DECISION_EXACT),
	};
	struct po_ec2_schedule s;
	PO_EXPECT_INT_FATAL(po_ec2_schedule_build(v, 2, DAY0, DAY0 + 24 * HOUR, &p, &s), PLAYOUT_OK);
	/* down at 11:30 and up at 11:15 would overlap: one block */
	PO_EXPECT_INT_FATAL(s.n, 1);
	PO_EXPECT_TIME(s.v[0].up_ms, AT(9, 30));
	PO_EXPECT_TIME(s.v[0].down_ms, AT(12, 30));
	po_ec2_schedule_free(&s);
}

static void test_instants_round_outwards_to_the_minute(void)
{
	struct playout_item v[] = {
		item(AT(10, 0) + 30000, AT(11, 0) + 10000, PLAYOUT_DECISION_EXACT),
	};
	struct po_ec2_schedule s;
	PO_EXPECT_INT_FATAL(po_ec2_schedule_build(v, 1, DAY0, DAY0 + 24 * HOUR, &defaults, &s),
			    PLAYOUT_OK);
	PO_EXPECT_TIME(s.v[0].up_ms, AT(9, 50));
	PO_EXPECT_TIME(s.v[0].down_ms, AT(11, 6));
	po_ec2_schedule_free(&s);
}

static void test_a_week_of_two_hour_shows_is_15_75_instance_hours(void)
{
	struct playout_item v[7];
	for (int d = 0; d < 7; d++)
		v[d] = item(AT(24 * d + 18, 0), AT(24 * d + 20, 0), PLAYOUT_DECISION_EXACT);
	struct po_ec2_schedule s;
	PO_EXPECT_INT_FATAL(po_ec2_schedule_build(v, 7, DAY0, DAY0 + 168 * HOUR, &defaults, &s),
			    PLAYOUT_OK);
	PO_EXPECT_INT(s.n, 7);
	PO_EXPECT_INT(po_ec2_up_ms(&s), 7 * (2 * HOUR + 15 * MIN));
	PO_EXPECT_DOUBLE(po_ec2_hours_per_week(&s), 15.75, 1e-9);
	po_ec2_schedule_free(&s);
	/* the same day in a 24 h window is the same rate per week */
	PO_EXPECT_INT_FATAL(po_ec2_schedule_build(v, 1, DAY0, DAY0 + 24 * HOUR, &defaults, &s),
			    PLAYOUT_OK);
	PO_EXPECT_DOUBLE(po_ec2_hours_per_week(&s), 15.75, 1e-9);
	po_ec2_schedule_free(&s);
}

static void test_a_block_past_the_window_counts_only_inside_it(void)
{
	struct playout_item v[] = {item(AT(23, 0), AT(25, 0), PLAYOUT_DECISION_EXACT)};
	struct po_ec2_schedule s;
	PO_EXPECT_INT_FATAL(po_ec2_schedule_build(v, 1, DAY0, DAY0 + 24 * HOUR, &defaults, &s),
			    PLAYOUT_OK);
	PO_EXPECT_INT(po_ec2_up_ms(&s), 70 * MIN); /* 22:50 to midnight */
	po_ec2_schedule_free(&s);
}

static void test_the_machine_wakes_before_its_horizon_runs_out(void)
{
	struct po_ec2_params p = defaults;
	p.horizon_ms = 36 * HOUR;
	struct playout_item v[] = {item(AT(10, 0), AT(12, 0), PLAYOUT_DECISION_EXACT)};
	struct po_ec2_schedule s;
	PO_EXPECT_INT_FATAL(po_ec2_schedule_build(v, 1, DAY0, DAY0 + 36 * HOUR, &p, &s), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(s.n, 2);
	/* down 12:05; planned up to 12:05 + 36 h; up at the hour before that, less the lead */
	PO_EXPECT_INT(s.v[1].wake, 1);
	PO_EXPECT_TIME(s.v[1].up_ms, AT(46, 0));
	PO_EXPECT_TIME(s.v[1].down_ms, AT(46, 15));
	po_ec2_schedule_free(&s);
	/* a later programme within the horizon needs no wake-up */
	struct playout_item w[] = {
		item(AT(10, 0), AT(12, 0), PLAYOUT_DECISION_EXACT),
		item(AT(30, 0), AT(31, 0), PLAYOUT_DECISION_EXACT),
	};
	PO_EXPECT_INT_FATAL(po_ec2_schedule_build(w, 2, DAY0, DAY0 + 36 * HOUR, &p, &s), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(s.n, 3);
	PO_EXPECT_INT(s.v[1].wake, 0);
	PO_EXPECT_INT(s.v[2].wake, 1);
	po_ec2_schedule_free(&s);
	/* nothing at all: wake one horizon from the hour planned */
	PO_EXPECT_INT_FATAL(po_ec2_schedule_build(NULL, 0, AT(9, 20), AT(45, 20), &p, &s),
			    PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(s.n, 1);
	PO_EXPECT_TIME(s.v[0].up_ms, AT(43, 0));
	po_ec2_schedule_free(&s);
}

static void test_actions_are_named_by_utc_minute_and_past_ones_dropped(void)
{
	struct playout_item v[] = {
		item(AT(10, 0), AT(11, 0), PLAYOUT_DECISION_EXACT),
		item(AT(14, 0), AT(15, 0), PLAYOUT_DECISION_EXACT),
	};
	struct po_ec2_schedule s;
	struct po_ec2_action *a = NULL;
	size_t n = 0;
	PO_EXPECT_INT_FATAL(po_ec2_schedule_build(v, 2, DAY0, DAY0 + 24 * HOUR, &defaults, &s),
			    PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(po_ec2_actions(&s, DAY0, &a, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 4);
	PO_EXPECT_STR(a[0].name, "playout-up-20261203T0950Z");
	PO_EXPECT_INT(a[0].desired, 1);
	PO_EXPECT_INT(a[0].min_size, 0);
	PO_EXPECT_INT(a[0].max_size, 1);
	PO_EXPECT_STR(a[1].name, "playout-down-20261203T1105Z");
	PO_EXPECT_INT(a[1].desired, 0);
	PO_EXPECT_STR(a[3].name, "playout-down-20261203T1505Z");
	free(a);
	/* on air in the first block: its up has done its work */
	PO_EXPECT_INT_FATAL(po_ec2_actions(&s, AT(10, 30), &a, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 3);
	PO_EXPECT_STR(a[0].name, "playout-down-20261203T1105Z");
	free(a);
	PO_EXPECT_INT(po_ec2_wanted_at(&s, AT(9, 49)), 0);
	PO_EXPECT_INT(po_ec2_wanted_at(&s, AT(9, 50)), 1);
	PO_EXPECT_INT(po_ec2_wanted_at(&s, AT(11, 5)), 0);
	po_ec2_schedule_free(&s);
}

static struct po_ec2_action act(const char *name, int64_t at, int desired)
{
	struct po_ec2_action a;
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "%s", name);
	a.start_ms = at;
	a.desired = desired;
	return a;
}

static void test_apply_puts_what_differs_and_deletes_only_our_stale_ones(void)
{
	struct po_ec2_action want[] = {
		act("playout-up-20261203T0950Z", AT(9, 50), 1),
		act("playout-down-20261203T1105Z", AT(11, 5), 0),
		act("playout-up-20261203T1350Z", AT(13, 50), 1),
	};
	struct po_ec2_action have[] = {
		act("playout-up-20261203T0950Z", AT(9, 50), 1),    /* the same: kept */
		act("playout-down-20261203T1105Z", AT(11, 5), 1),  /* edited by hand: put */
		act("playout-up-20261203T1250Z", AT(12, 50), 1),   /* stale: deleted */
		act("nightly-backup", AT(3, 0), 1),                /* not ours: left alone */
		act("playout-up-20261210T0950Z", AT(24 * 7 + 9, 50), 1), /* outside: left */
	};
	struct po_ec2_diff d;
	PO_EXPECT_INT_FATAL(po_ec2_diff(want, 3, have, 5, DAY0, DAY0 + 36 * HOUR, &d), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(d.nput, 2);
	PO_EXPECT_INT(d.put[0], 1);
	PO_EXPECT_INT(d.put[1], 2);
	PO_EXPECT_INT_FATAL(d.ndel, 1);
	PO_EXPECT_INT(d.del[0], 2);
	po_ec2_diff_free(&d);
	/* applied: nothing left to do */
	PO_EXPECT_INT_FATAL(po_ec2_diff(want, 3, want, 3, DAY0, DAY0 + 36 * HOUR, &d), PLAYOUT_OK);
	PO_EXPECT_INT(d.nput, 0);
	PO_EXPECT_INT(d.ndel, 0);
	po_ec2_diff_free(&d);
	PO_EXPECT_INT(po_ec2_is_ours("playout-down-x"), 1);
	PO_EXPECT_INT(po_ec2_is_ours("Playout-down-x"), 0);
}

static const struct po_test tests[] = {
	{"gaps_under_merge_gap_share_a_block_with_lead_and_tail",
	 test_gaps_under_merge_gap_share_a_block_with_lead_and_tail},
	{"a_gap_of_exactly_merge_gap_is_two_blocks", test_a_gap_of_exactly_merge_gap_is_two_blocks},
	{"missing_items_and_the_past_need_no_machine",
	 test_missing_items_and_the_past_need_no_machine},
	{"a_block_stays_until_its_tail_is_over", test_a_block_stays_until_its_tail_is_over},
	{"a_gap_too_short_to_go_down_and_up_is_kept_up",
	 test_a_gap_too_short_to_go_down_and_up_is_kept_up},
	{"instants_round_outwards_to_the_minute", test_instants_round_outwards_to_the_minute},
	{"a_week_of_two_hour_shows_is_15_75_instance_hours",
	 test_a_week_of_two_hour_shows_is_15_75_instance_hours},
	{"a_block_past_the_window_counts_only_inside_it",
	 test_a_block_past_the_window_counts_only_inside_it},
	{"the_machine_wakes_before_its_horizon_runs_out",
	 test_the_machine_wakes_before_its_horizon_runs_out},
	{"actions_are_named_by_utc_minute_and_past_ones_dropped",
	 test_actions_are_named_by_utc_minute_and_past_ones_dropped},
	{"apply_puts_what_differs_and_deletes_only_our_stale_ones",
	 test_apply_puts_what_differs_and_deletes_only_our_stale_ones},
	{NULL, NULL},
};

static const struct po_suite suites[] = {
	{"ec2_sched", tests, NULL, NULL},
	{NULL, NULL, NULL, NULL},
};

int main(void)
{
	return po_test_run("test_ec2_sched", suites);
}
