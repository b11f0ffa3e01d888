/*
 * core/history_page.c: the values of limit= and before= and the page they
 * pick from plays in the history's order.
 */
#include "runner.h"

#include <string.h>

#include "history_page.h"

/* 2026-07-02T15:00:00Z */
#define T0 1783004400000LL

/* five plays a minute apart, ids 11..15 */
static void plays(struct po_play v[5])
{
	memset(v, 0, 5 * sizeof *v);
	for (int i = 0; i < 5; i++) {
		v[i].id = 11 + i;
		v[i].scheduled_ms = T0 + i * 60000LL;
	}
}

static void test_defaults_take_every_play_or_the_default_limit(void)
{
	struct po_history_page pg;
	char why[200] = "";
	PO_EXPECT_INT(po_history_page_parse(NULL, NULL, 0, &pg, why, sizeof why), PLAYOUT_OK);
	PO_EXPECT_INT(pg.limit, 0);
	PO_EXPECT_INT(pg.before_id, 0);
	PO_EXPECT_INT(pg.before_ms == INT64_MAX, 1);
	PO_EXPECT_INT(po_history_page_parse(NULL, NULL, PO_HISTORY_LIMIT_DEFAULT, &pg, why,
					    sizeof why), PLAYOUT_OK);
	PO_EXPECT_INT(pg.limit, PO_HISTORY_LIMIT_DEFAULT);
}

static void test_limit_and_before_are_read_or_refused(void)
{
	struct po_history_page pg;
	char why[200] = "";
	PO_EXPECT_INT(po_history_page_parse("3", "14", 0, &pg, why, sizeof why), PLAYOUT_OK);
	PO_EXPECT_INT(pg.limit, 3);
	PO_EXPECT_INT(pg.before_id, 14);
	PO_EXPECT_INT(po_history_page_parse(NULL, "2026-07-02T15:02:00Z", 0, &pg, why, sizeof why),
		      PLAYOUT_OK);
	PO_EXPECT_TIME(pg.before_ms, T0 + 120000);
	PO_EXPECT_INT(po_history_page_parse(NULL, "2026-07-02T16:02:00+01:00", 0, &pg, why,
					    sizeof why), PLAYOUT_OK);
	PO_EXPECT_TIME(pg.before_ms, T0 + 120000);
	static const char *const bad_limits[] = { "0", "1001", "-1", "3x", "", " 3", "99999999999999999999" };
	for (size_t i = 0; i < sizeof bad_limits / sizeof *bad_limits; i++) {
		why[0] = '\0';
		PO_EXPECT_INT(po_history_page_parse(bad_limits[i], NULL, 0, &pg, why, sizeof why),
			      PLAYOUT_EINVAL);
		PO_EXPECT_STR(why, "limit: expected a number of plays from 1 to 1000");
	}
	PO_EXPECT_INT(po_history_page_parse("1000", NULL, 0, &pg, why, sizeof why), PLAYOUT_OK);
	/* no offset: the time would depend on the asker's zone */
	static const char *const bad_before[] = { "2026-07-02T15:00:00", "yesterday", "0", "-5", "" };
	for (size_t i = 0; i < sizeof bad_before / sizeof *bad_before; i++) {
		why[0] = '\0';
		PO_EXPECT_INT(po_history_page_parse(NULL, bad_before[i], 0, &pg, why, sizeof why),
			      PLAYOUT_EINVAL);
		PO_EXPECT_INT(strncmp(why, "before: ", 8), 0);
	}
}

static void test_pages_walk_back_without_gaps_or_repeats(void)
{
	struct po_play v[5];
	struct po_history_page pg;
	size_t first = 99, count = 99;
	char why[200] = "";
	plays(v);
	/* the newest two, then the two before the first of those, then one */
	po_history_page_parse("2", NULL, 0, &pg, why, sizeof why);
	PO_EXPECT_INT(po_history_page_pick(v, 5, &pg, &first, &count, why, sizeof why), PLAYOUT_OK);
	PO_EXPECT_INT(first, 3);
	PO_EXPECT_INT(count, 2);
	po_history_page_parse("2", "14", 0, &pg, why, sizeof why);
	PO_EXPECT_INT(po_history_page_pick(v, 5, &pg, &first, &count, why, sizeof why), PLAYOUT_OK);
	PO_EXPECT_INT(first, 1);
	PO_EXPECT_INT(count, 2);
	po_history_page_parse("2", "12", 0, &pg, why, sizeof why);
	PO_EXPECT_INT(po_history_page_pick(v, 5, &pg, &first, &count, why, sizeof why), PLAYOUT_OK);
	PO_EXPECT_INT(first, 0);
	PO_EXPECT_INT(count, 1);
	po_history_page_parse("2", "11", 0, &pg, why, sizeof why);
	PO_EXPECT_INT(po_history_page_pick(v, 5, &pg, &first, &count, why, sizeof why), PLAYOUT_OK);
	PO_EXPECT_INT(count, 0);
}

static void test_a_time_cursor_takes_plays_scheduled_before_it(void)
{
	struct po_play v[5];
	struct po_history_page pg;
	size_t first = 99, count = 99;
	char why[200] = "";
	plays(v);
	po_history_page_parse(NULL, "2026-07-02T15:02:00Z", 0, &pg, why, sizeof why);
	PO_EXPECT_INT(po_history_page_pick(v, 5, &pg, &first, &count, why, sizeof why), PLAYOUT_OK);
	PO_EXPECT_INT(first, 0);
	PO_EXPECT_INT(count, 2); /* 15:00 and 15:01; 15:02 itself is not before */
	po_history_page_parse("1", "2026-07-02T15:02:30Z", 0, &pg, why, sizeof why);
	PO_EXPECT_INT(po_history_page_pick(v, 5, &pg, &first, &count, why, sizeof why), PLAYOUT_OK);
	PO_EXPECT_INT(first, 2);
	PO_EXPECT_INT(count, 1);
	po_history_page_parse(NULL, "2026-07-02T14:00:00Z", 0, &pg, why, sizeof why);
	PO_EXPECT_INT(po_history_page_pick(v, 5, &pg, &first, &count, why, sizeof why), PLAYOUT_OK);
	PO_EXPECT_INT(count, 0);
}

static void test_an_unknown_id_is_not_found(void)
{
	struct po_play v[5];
	struct po_history_page pg;
	size_t first = 99, count = 99;
	char why[200] = "";
	plays(v);
	po_history_page_parse(NULL, "99", 0, &pg, why, sizeof why);
	PO_EXPECT_INT(po_history_page_pick(v, 5, &pg, &first, &count, why, sizeof why),
		      PLAYOUT_ENOTFOUND);
	PO_EXPECT_STR(why, "before: no play with id 99");
	PO_EXPECT_INT(count, 0);
	PO_EXPECT_INT(po_history_page_pick(NULL, 0, &pg, &first, &count, why, sizeof why),
		      PLAYOUT_ENOTFOUND);
}

static const struct po_test page_tests[] = {
	{ "defaults_take_every_play_or_the_default_limit",
	  test_defaults_take_every_play_or_the_default_limit },
	{ "limit_and_before_are_read_or_refused", test_limit_and_before_are_read_or_refused },
	{ "pages_walk_back_without_gaps_or_repeats", test_pages_walk_back_without_gaps_or_repeats },
	{ "a_time_cursor_takes_plays_scheduled_before_it",
	  test_a_time_cursor_takes_plays_scheduled_before_it },
	{ "an_unknown_id_is_not_found", test_an_unknown_id_is_not_found },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "history_page", page_tests, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_history_page", suites);
}
