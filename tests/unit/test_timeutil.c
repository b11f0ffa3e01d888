/*
 * Station zone, local-to-UTC across DST changes, ISO 8601, and the clock.
 * Expected instants are built with timegm() here, independently of the code
 * under test; the DST dates were checked against Python's zoneinfo.
 */
#include "runner.h"

#include <string.h>
#include <time.h>

#include "clock.h"
#include "timeutil.h"

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {
		.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
		.tm_hour = h, .tm_min = mi, .tm_sec = s,
	};
	return (int64_t)timegm(&tm) * 1000;
}

static void zone(const char *name)
{
	struct playout_error err = {0};
	int rc = po_tz_set(name, &err);
	PO_EXPECT_INT_FATAL(rc, PLAYOUT_OK);
}

/* ---- zone --------------------------------------------------------------- */

static void test_tz_set_accepts_known_zone(void)
{
	struct playout_error err = {0};
	PO_EXPECT_INT(po_tz_set("Europe/London", &err), PLAYOUT_OK);
	PO_EXPECT_INT(po_tz_set("UTC", &err), PLAYOUT_OK);
}

static void test_tz_set_rejects_unknown_zone_naming_it(void)
{
	struct playout_error err = {0};
	PO_EXPECT_INT(po_tz_set("Europe/Atlantis", &err), PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "Europe/Atlantis"));
	PO_EXPECT_INT(err.code, PLAYOUT_ECONFIG);
}

static void test_tz_set_rejects_paths_and_dotdot(void)
{
	struct playout_error err = {0};
	PO_EXPECT_INT(po_tz_set("../../../etc/passwd", &err), PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "../../../etc/passwd"));
	PO_EXPECT_INT(po_tz_set("/usr/share/zoneinfo/Europe/London", &err), PLAYOUT_ECONFIG);
	PO_EXPECT_INT(po_tz_set("Europe/../Europe/London", &err), PLAYOUT_ECONFIG);
	PO_EXPECT_INT(po_tz_set("", &err), PLAYOUT_ECONFIG);
	PO_EXPECT_INT(po_tz_set(NULL, &err), PLAYOUT_ECONFIG);
}

static void test_tz_set_rejects_directory(void)
{
	struct playout_error err = {0};
	PO_EXPECT_INT(po_tz_set("Europe", &err), PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "Europe"));
}

/* ---- local to UTC --------------------------------------------------------- */

static void check_local(int y, int mo, int d, int h, int mi, int64_t want_first,
			int64_t want_second)
{
	int64_t first = -1, second = -1;
	PO_EXPECT_INT(po_tz_local_to_utc(y, mo, d, h, mi, 0, &first, &second), PLAYOUT_OK);
	PO_EXPECT_INT(first, want_first);
	PO_EXPECT_INT(second, want_second);
}

static void test_london_ordinary_winter_and_summer(void)
{
	zone("Europe/London");
	check_local(2026, 1, 15, 12, 0, utc(2026, 1, 15, 12, 0, 0), 0);
	check_local(2026, 7, 1, 12, 0, utc(2026, 7, 1, 11, 0, 0), 0);
}

static void test_london_spring_gap_moves_forward(void)
{
	zone("Europe/London");
	/* 01:30 does not exist on 29 March 2026: it becomes 02:30 BST */
	check_local(2026, 3, 29, 1, 30, utc(2026, 3, 29, 1, 30, 0), 0);
	check_local(2026, 3, 29, 1, 0, utc(2026, 3, 29, 1, 0, 0), 0);
	check_local(2026, 3, 29, 2, 0, utc(2026, 3, 29, 1, 0, 0), 0);
	check_local(2026, 3, 29, 0, 59, utc(2026, 3, 29, 0, 59, 0), 0);
}

static void test_london_autumn_repeat_gives_first_and_second(void)
{
	zone("Europe/London");
	check_local(2026, 10, 25, 1, 30, utc(2026, 10, 25, 0, 30, 0), utc(2026, 10, 25, 1, 30, 0));
	check_local(2026, 10, 25, 1, 0, utc(2026, 10, 25, 0, 0, 0), utc(2026, 10, 25, 1, 0, 0));
	check_local(2026, 10, 25, 2, 0, utc(2026, 10, 25, 2, 0, 0), 0);
	check_local(2026, 10, 25, 0, 59, utc(2026, 10, 24, 23, 59, 0), 0);
}

static void test_new_york_spring_gap_and_autumn_repeat(void)
{
	zone("America/New_York");
	check_local(2026, 3, 8, 2, 30, utc(2026, 3, 8, 7, 30, 0), 0);
	check_local(2026, 3, 8, 1, 59, utc(2026, 3, 8, 6, 59, 0), 0);
	check_local(2026, 11, 1, 1, 30, utc(2026, 11, 1, 5, 30, 0), utc(2026, 11, 1, 6, 30, 0));
	check_local(2026, 11, 1, 2, 0, utc(2026, 11, 1, 7, 0, 0), 0);
}

static void test_sydney_autumn_in_april_and_spring_in_october(void)
{
	zone("Australia/Sydney");
	check_local(2026, 4, 5, 2, 30, utc(2026, 4, 4, 15, 30, 0), utc(2026, 4, 4, 16, 30, 0));
	check_local(2026, 10, 4, 2, 30, utc(2026, 10, 3, 16, 30, 0), 0);
	check_local(2026, 1, 1, 0, 0, utc(2025, 12, 31, 13, 0, 0), 0);
}

static void test_dublin_negative_dst_repeat_and_gap(void)
{
	zone("Europe/Dublin");
	check_local(2026, 1, 15, 12, 0, utc(2026, 1, 15, 12, 0, 0), 0);
	check_local(2026, 7, 1, 12, 0, utc(2026, 7, 1, 11, 0, 0), 0);
	check_local(2026, 10, 25, 1, 30, utc(2026, 10, 25, 0, 30, 0), utc(2026, 10, 25, 1, 30, 0));
	check_local(2026, 3, 29, 1, 30, utc(2026, 3, 29, 1, 30, 0), 0);
}

static void test_lord_howe_half_hour_dst(void)
{
	zone("Australia/Lord_Howe");
	check_local(2026, 4, 5, 1, 45, utc(2026, 4, 4, 14, 45, 0), utc(2026, 4, 4, 15, 15, 0));
	check_local(2026, 10, 4, 2, 15, utc(2026, 10, 3, 15, 45, 0), 0);
}

static void test_kolkata_without_dst_is_never_ambiguous(void)
{
	zone("Asia/Kolkata");
	check_local(2026, 3, 29, 1, 30, utc(2026, 3, 28, 20, 0, 0), 0);
	check_local(2026, 10, 25, 1, 30, utc(2026, 10, 24, 20, 0, 0), 0);
}

/* Offset changes that keep tm_isdst unchanged: tm_isdst alone cannot see them. */
static void test_standard_offset_changes_without_dst_flag(void)
{
	zone("Europe/Moscow"); /* 26 Oct 2014: +04 -> +03, both "standard" */
	check_local(2014, 10, 26, 1, 30, utc(2014, 10, 25, 21, 30, 0), utc(2014, 10, 25, 22, 30, 0));
	zone("Pacific/Apia"); /* 30 Dec 2011 skipped entirely: -10 -> +14 */
	check_local(2011, 12, 30, 12, 0, utc(2011, 12, 30, 22, 0, 0), 0);
	check_local(2011, 12, 29, 23, 59, utc(2011, 12, 30, 9, 59, 0), 0);
}

static void test_midnight_and_year_boundaries(void)
{
	zone("America/New_York");
	check_local(2027, 1, 1, 0, 0, utc(2027, 1, 1, 5, 0, 0), 0);
	check_local(2026, 12, 31, 23, 59, utc(2027, 1, 1, 4, 59, 0), 0);
	zone("Europe/London");
	check_local(2026, 12, 31, 23, 59, utc(2026, 12, 31, 23, 59, 0), 0);
	check_local(2027, 1, 1, 0, 0, utc(2027, 1, 1, 0, 0, 0), 0);
	check_local(2024, 2, 29, 0, 0, utc(2024, 2, 29, 0, 0, 0), 0);

	struct tm tm;
	long off = 99;
	po_tz_utc_to_local(utc(2026, 12, 31, 23, 59, 59) + 999, &tm, &off);
	PO_EXPECT_INT(tm.tm_year, 126);
	PO_EXPECT_INT(tm.tm_yday, 364);
	PO_EXPECT_INT(off, 0);
	po_tz_utc_to_local(utc(2027, 1, 1, 0, 0, 0), &tm, &off);
	PO_EXPECT_INT(tm.tm_year, 127);
	PO_EXPECT_INT(tm.tm_mon, 0);
	PO_EXPECT_INT(tm.tm_mday, 1);
	PO_EXPECT_INT(tm.tm_hour, 0);
	po_tz_utc_to_local(utc(2026, 7, 1, 11, 0, 0), &tm, &off);
	PO_EXPECT_INT(tm.tm_hour, 12);
	PO_EXPECT_INT(off, 3600);
}

static void test_local_to_utc_rejects_impossible_fields(void)
{
	int64_t t;
	zone("Europe/London");
	PO_EXPECT_INT(po_tz_local_to_utc(2026, 13, 1, 0, 0, 0, &t, NULL), PLAYOUT_EINVAL);
	PO_EXPECT_INT(po_tz_local_to_utc(2026, 0, 1, 0, 0, 0, &t, NULL), PLAYOUT_EINVAL);
	PO_EXPECT_INT(po_tz_local_to_utc(2026, 2, 30, 0, 0, 0, &t, NULL), PLAYOUT_EINVAL);
	PO_EXPECT_INT(po_tz_local_to_utc(2026, 2, 29, 0, 0, 0, &t, NULL), PLAYOUT_EINVAL);
	PO_EXPECT_INT(po_tz_local_to_utc(2026, 4, 31, 0, 0, 0, &t, NULL), PLAYOUT_EINVAL);
	PO_EXPECT_INT(po_tz_local_to_utc(2026, 1, 1, 24, 0, 0, &t, NULL), PLAYOUT_EINVAL);
	PO_EXPECT_INT(po_tz_local_to_utc(2026, 1, 1, 0, 60, 0, &t, NULL), PLAYOUT_EINVAL);
	PO_EXPECT_INT(po_tz_local_to_utc(2026, 1, 1, 0, 0, 60, &t, NULL), PLAYOUT_EINVAL);
	PO_EXPECT_INT(po_tz_local_to_utc(2026, 1, 0, 0, 0, 0, &t, NULL), PLAYOUT_EINVAL);
}

/* ---- ISO 8601 --------------------------------------------------------------- */

static void check_parse(const char *s, int64_t want)
{
	int64_t got = -1;
	PO_EXPECT_INT(po_iso8601_parse(s, &got), PLAYOUT_OK);
	PO_EXPECT_INT(got, want);
}

static void test_iso_parse_offsets(void)
{
	zone("Europe/London");
	int64_t t = utc(2026, 3, 29, 1, 0, 0);
	check_parse("2026-03-29T01:00:00Z", t);
	check_parse("2026-03-29T02:00:00+01:00", t);
	check_parse("2026-03-29T02:00:00+0100", t);
	check_parse("2026-03-28T20:00:00-05:00", t);
	check_parse("2026-03-29T06:30:00+05:30", t);
	check_parse("2026-03-29T02:00:00+01", t);
	check_parse("2026-03-29 01:00Z", t);
	check_parse("2026-03-29t01:00:00z", t);
}

static void test_iso_parse_fractional_seconds(void)
{
	zone("UTC");
	int64_t t = utc(2026, 3, 29, 1, 0, 0);
	check_parse("2026-03-29T01:00:00.250Z", t + 250);
	check_parse("2026-03-29T01:00:00.5Z", t + 500);
	check_parse("2026-03-29T01:00:00,123456+00:00", t + 123);
	check_parse("2026-03-29T01:00:59.999Z", t + 59999);
}

static void test_iso_parse_without_offset_is_station_local(void)
{
	zone("Europe/London");
	check_parse("2026-07-01T12:00:00", utc(2026, 7, 1, 11, 0, 0));
	check_parse("2026-01-15T12:00", utc(2026, 1, 15, 12, 0, 0));
	/* repeated hour: first occurrence */
	check_parse("2026-10-25T01:30:00", utc(2026, 10, 25, 0, 30, 0));
	zone("America/New_York");
	check_parse("2026-07-01T12:00:00", utc(2026, 7, 1, 16, 0, 0));
}

static void test_iso_parse_rejects_garbage(void)
{
	static const char *const bad[] = {
		"", "garbage", "2026-03-29", "2026-03-29T", "2026-3-29T01:00Z",
		"2026-03-29T1:00Z", "2026-13-01T00:00Z", "2026-02-30T00:00Z",
		"2026-03-29T24:00Z", "2026-03-29T01:60Z", "2026-03-29T01:00:61Z",
		"2026-03-29T01:00:00Zjunk", "2026-03-29T01:00:00+25:00",
		"2026-03-29T01:00:00+01:60", "2026-03-29T01:00:00+010",
		"2026-03-29T01:00:00.Z", "2026-03-29T01:00:00 Z", " 2026-03-29T01:00Z",
		"2026-03-29X01:00Z", "+2026-03-29T01:00Z", "2026-03-29T01:00:00.1234567890Z",
		"2026-03-29T01:00:00Z ", "20260329T010000Z",
	};
	zone("UTC");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t t = 42;
		int rc = po_iso8601_parse(bad[i], &t);
		PO_EXPECT_INT(rc, PLAYOUT_EINVAL);
		PO_EXPECT_INT(t, 42);
		if (rc != PLAYOUT_EINVAL)
			fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
	}
	int64_t t;
	PO_EXPECT_INT(po_iso8601_parse(NULL, &t), PLAYOUT_EINVAL);
}

static void test_iso_format_utc_shows_ms_only_when_set(void)
{
	char buf[32];
	po_iso8601_utc(utc(2026, 3, 29, 1, 0, 0), buf, sizeof buf);
	PO_EXPECT_STR(buf, "2026-03-29T01:00:00Z");
	po_iso8601_utc(utc(2026, 3, 29, 1, 0, 0) + 250, buf, sizeof buf);
	PO_EXPECT_STR(buf, "2026-03-29T01:00:00.250Z");
	po_iso8601_utc(-1, buf, sizeof buf);
	PO_EXPECT_STR(buf, "1969-12-31T23:59:59.999Z");
}

static void test_iso_format_local_carries_offset(void)
{
	char buf[40];
	zone("Europe/London");
	po_iso8601_local(utc(2026, 3, 29, 1, 0, 0), buf, sizeof buf);
	PO_EXPECT_STR(buf, "2026-03-29T02:00:00+01:00");
	po_iso8601_local(utc(2026, 3, 29, 0, 59, 59), buf, sizeof buf);
	PO_EXPECT_STR(buf, "2026-03-29T00:59:59+00:00");
	zone("America/New_York");
	po_iso8601_local(utc(2026, 11, 1, 6, 30, 0), buf, sizeof buf);
	PO_EXPECT_STR(buf, "2026-11-01T01:30:00-05:00");
	zone("Asia/Kolkata");
	po_iso8601_local(utc(2026, 3, 29, 1, 0, 0) + 5, buf, sizeof buf);
	PO_EXPECT_STR(buf, "2026-03-29T06:30:00.005+05:30");
}

static void test_iso_format_then_parse_round_trips(void)
{
	static const char *const zones[] = {"Europe/London", "America/New_York",
					    "Australia/Lord_Howe"};
	int64_t base = utc(2026, 10, 24, 22, 0, 0);
	for (size_t z = 0; z < 3; z++) {
		zone(zones[z]);
		for (int i = 0; i < 48; i++) {
			int64_t t = base + (int64_t)i * 15 * 60 * 1000 + 7;
			char buf[40];
			int64_t back = 0;
			po_iso8601_local(t, buf, sizeof buf);
			PO_EXPECT_INT(po_iso8601_parse(buf, &back), PLAYOUT_OK);
			PO_EXPECT_INT(back, t);
			po_iso8601_utc(t, buf, sizeof buf);
			PO_EXPECT_INT(po_iso8601_parse(buf, &back), PLAYOUT_OK);
			PO_EXPECT_INT(back, t);
		}
	}
}

/* ---- clock ------------------------------------------------------------------ */

/* Bounds are generous: the machine is shared and may be loaded. */
#define SLACK_NS (200 * 1000000LL)

static void test_clock_real_follows_system_time(void)
{
	struct po_clock c;
	po_clock_init(&c, 0);
	PO_EXPECT_INT(c.offset_ns, 0);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t sys_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	int64_t d = po_clock_now_ms(&c) - sys_ms;
	CU_ASSERT(d >= 0 && d < 200);
}

static void test_clock_pretend_starts_at_instant_and_moves_at_real_speed(void)
{
	struct po_clock c;
	int64_t pretend = utc(2026, 3, 29, 0, 59, 0);
	po_clock_init(&c, pretend);
	int64_t t0 = po_clock_now_ms(&c);
	CU_ASSERT(t0 >= pretend && t0 - pretend < 200);

	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	int64_t n0 = po_clock_now_ns(&c);
	po_clock_sleep_until_ns(&c, n0 + 20 * 1000000LL);
	int64_t n1 = po_clock_now_ns(&c);
	clock_gettime(CLOCK_MONOTONIC, &b);
	int64_t real = (int64_t)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
	/* pretend time advanced by the same amount as real time, within slack */
	int64_t diff = (n1 - n0) - real;
	CU_ASSERT(diff > -SLACK_NS && diff < SLACK_NS);
	CU_ASSERT(n1 - n0 >= 20 * 1000000LL);
}

static void test_clock_sleep_wakes_at_or_after_deadline(void)
{
	struct po_clock c;
	po_clock_init(&c, utc(2030, 1, 1, 0, 0, 0));
	int64_t deadline = po_clock_now_ns(&c) + 20 * 1000000LL;
	po_clock_sleep_until_ns(&c, deadline);
	int64_t now = po_clock_now_ns(&c);
	CU_ASSERT(now >= deadline);
	CU_ASSERT(now - deadline < SLACK_NS);
}

static void test_clock_sleep_returns_at_once_for_past_deadline(void)
{
	struct po_clock c;
	po_clock_init(&c, 0);
	int64_t before = po_clock_now_ns(&c);
	po_clock_sleep_until_ns(&c, before - 3600 * 1000000000LL);
	CU_ASSERT(po_clock_now_ns(&c) - before < SLACK_NS);
}

/* Past 2262 the nanoseconds no longer fit an int64_t: a rehearsal there
 * must be refused, not wrapped to 1677. */
static void test_clock_pretend_refuses_instants_it_cannot_count(void)
{
	struct po_clock c;
	struct playout_error e = {0};
	const int64_t refused[] = {
		utc(2262, 4, 12, 0, 0, 0), utc(2300, 1, 1, 0, 0, 0), utc(9999, 12, 31, 23, 59, 59),
		utc(2200, 1, 1, 0, 0, 0), utc(1969, 12, 31, 23, 59, 59), INT64_MAX, INT64_MIN,
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		c.offset_ns = 12345;
		PO_EXPECT_INT(po_clock_pretend(&c, refused[i], &e), PLAYOUT_EINVAL);
		PO_EXPECT_INT(c.offset_ns, 0); /* the real clock, never a wrapped one */
		po_clock_init(&c, refused[i]);
		PO_EXPECT_INT(c.offset_ns, 0);
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "2199-12-31T23:59:59Z"));
}

static void test_clock_pretend_accepts_the_ends_of_its_range(void)
{
	struct po_clock c;
	struct playout_error e = {0};
	int64_t last = utc(2199, 12, 31, 23, 59, 59);
	PO_EXPECT_INT(po_clock_pretend(&c, last, &e), PLAYOUT_OK);
	int64_t now = po_clock_now_ms(&c);
	CU_ASSERT(now >= last && now - last < 200);
	/* a horizon of 14 days in nanoseconds, from there, still fits */
	CU_ASSERT(po_clock_now_ns(&c) < INT64_MAX - 14 * 86400 * 1000000000LL);

	/* 1970-01-01T00:00:00Z is 0 ms: a rehearsal there, not the real clock */
	PO_EXPECT_INT(po_clock_pretend(&c, 0, &e), PLAYOUT_OK);
	CU_ASSERT(c.offset_ns < 0);
	now = po_clock_now_ms(&c);
	CU_ASSERT(now >= 0 && now < 200);
}

static void test_clock_sleep_takes_any_deadline_without_overflow(void)
{
	struct po_clock c;
	/* a clock set forward: INT64_MIN - offset would wrap to the far future */
	PO_EXPECT_INT(po_clock_pretend(&c, utc(2199, 1, 1, 0, 0, 0), NULL), PLAYOUT_OK);
	int64_t before = po_clock_now_ns(&c);
	po_clock_sleep_until_ns(&c, INT64_MIN);
	po_clock_sleep_until_ns(&c, INT64_MIN + 1);
	CU_ASSERT(po_clock_now_ns(&c) - before < SLACK_NS);
}

static const struct po_test zone_tests[] = {
	{"tz_set_accepts_known_zone", test_tz_set_accepts_known_zone},
	{"tz_set_rejects_unknown_zone_naming_it", test_tz_set_rejects_unknown_zone_naming_it},
	{"tz_set_rejects_paths_and_dotdot", test_tz_set_rejects_paths_and_dotdot},
	{"tz_set_rejects_directory", test_tz_set_rejects_directory},
	{NULL, NULL},
};

static const struct po_test local_tests[] = {
	{"london_ordinary_winter_and_summer", test_london_ordinary_winter_and_summer},
	{"london_spring_gap_moves_forward", test_london_spring_gap_moves_forward},
	{"london_autumn_repeat_gives_first_and_second",
	 test_london_autumn_repeat_gives_first_and_second},
	{"new_york_spring_gap_and_autumn_repeat", test_new_york_spring_gap_and_autumn_repeat},
	{"sydney_autumn_in_april_and_spring_in_october",
	 test_sydney_autumn_in_april_and_spring_in_october},
	{"dublin_negative_dst_repeat_and_gap", test_dublin_negative_dst_repeat_and_gap},
	{"lord_howe_half_hour_dst", test_lord_howe_half_hour_dst},
	{"kolkata_without_dst_is_never_ambiguous", test_kolkata_without_dst_is_never_ambiguous},
	{"standard_offset_changes_without_dst_flag",
	 test_standard_offset_changes_without_dst_flag},
	{"midnight_and_year_boundaries", test_midnight_and_year_boundaries},
	{"local_to_utc_rejects_impossible_fields", test_local_to_utc_rejects_impossible_fields},
	{NULL, NULL},
};

static const struct po_test iso_tests[] = {
	{"iso_parse_offsets", test_iso_parse_offsets},
	{"iso_parse_fractional_seconds", test_iso_parse_fractional_seconds},
	{"iso_parse_without_offset_is_station_local",
	 test_iso_parse_without_offset_is_station_local},
	{"iso_parse_rejects_garbage", test_iso_parse_rejects_garbage},
	{"iso_format_utc_shows_ms_only_when_set", test_iso_format_utc_shows_ms_only_when_set},
	{"iso_format_local_carries_offset", test_iso_format_local_carries_offset},
	{"iso_format_then_parse_round_trips", test_iso_format_then_parse_round_trips},
	{NULL, NULL},
};

static const struct po_test clock_tests[] = {
	{"clock_real_follows_system_time", test_clock_real_follows_system_time},
	{"clock_pretend_starts_at_instant_and_moves_at_real_speed",
	 test_clock_pretend_starts_at_instant_and_moves_at_real_speed},
	{"clock_sleep_wakes_at_or_after_deadline", test_clock_sleep_wakes_at_or_after_deadline},
	{"clock_sleep_returns_at_once_for_past_deadline",
	 test_clock_sleep_returns_at_once_for_past_deadline},
	{"clock_pretend_refuses_instants_it_cannot_count",
	 test_clock_pretend_refuses_instants_it_cannot_count},
	{"clock_pretend_accepts_the_ends_of_its_range",
	 test_clock_pretend_accepts_the_ends_of_its_range},
	{"clock_sleep_takes_any_deadline_without_overflow",
	 test_clock_sleep_takes_any_deadline_without_overflow},
	{NULL, NULL},
};

static const struct po_suite suites[] = {
	{"zone", zone_tests, NULL, NULL},
	{"local_to_utc", local_tests, NULL, NULL},
	{"iso8601", iso_tests, NULL, NULL},
	{"clock", clock_tests, NULL, NULL},
	{NULL, NULL, NULL, NULL},
};

int main(void)
{
	return po_test_run("test_timeutil", suites);
}
