/*
 * The file naming rule yyyymmdd_hhmm_<pid>.mp3: what is accepted, what is
 * refused, and the UTC instants a name stands for in the station zone.
 */
#include "runner.h"

#include <string.h>
#include <time.h>

#include "filename.h"
#include "timeutil.h"

static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {
		.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi,
	};
	return (int64_t)timegm(&tm) * 1000;
}

static void zone(const char *name)
{
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_tz_set(name, &err), PLAYOUT_OK);
}

static void test_parse_valid_name_gives_fields(void)
{
	struct po_filename f;
	PO_EXPECT_INT_FATAL(po_filename_parse("20260329_0100_abc.mp3", &f), PLAYOUT_OK);
	PO_EXPECT_INT(f.year, 2026);
	PO_EXPECT_INT(f.mon, 3);
	PO_EXPECT_INT(f.day, 29);
	PO_EXPECT_INT(f.hour, 1);
	PO_EXPECT_INT(f.min, 0);
	PO_EXPECT_STR(f.pid, "abc");
}

static void test_parse_lowercases_pid_and_accepts_uppercase_extension(void)
{
	struct po_filename f;
	PO_EXPECT_INT_FATAL(po_filename_parse("20261231_2359_Late-Show_2.MP3", &f), PLAYOUT_OK);
	PO_EXPECT_STR(f.pid, "late-show_2");
	PO_EXPECT_INT(f.hour, 23);
	PO_EXPECT_INT(f.min, 59);
	PO_EXPECT_INT(po_filename_parse("20260101_0000_x.Mp3", &f), PLAYOUT_OK);
	PO_EXPECT_STR(f.pid, "x");
}

static void test_parse_accepts_leap_day_only_in_leap_years(void)
{
	struct po_filename f;
	PO_EXPECT_INT(po_filename_parse("20240229_1200_p.mp3", &f), PLAYOUT_OK);
	PO_EXPECT_INT(po_filename_parse("20000229_1200_p.mp3", &f), PLAYOUT_OK);
	PO_EXPECT_INT(po_filename_parse("20250229_1200_p.mp3", &f), PLAYOUT_EINVAL);
	PO_EXPECT_INT(po_filename_parse("21000229_1200_p.mp3", &f), PLAYOUT_EINVAL);
}

static void test_parse_pid_length_limit_is_63(void)
{
	char name[128];
	char pid[70];
	struct po_filename f;
	memset(pid, 'a', 63);
	pid[63] = '\0';
	snprintf(name, sizeof name, "20260329_0100_%s.mp3", pid);
	PO_EXPECT_INT(po_filename_parse(name, &f), PLAYOUT_OK);
	PO_EXPECT_INT(strlen(f.pid), 63);
	pid[63] = 'a';
	pid[64] = '\0';
	snprintf(name, sizeof name, "20260329_0100_%s.mp3", pid);
	PO_EXPECT_INT(po_filename_parse(name, &f), PLAYOUT_EINVAL);
}

static void test_parse_rejects_bad_names(void)
{
	static const char *const bad[] = {
		"20260230_1200_p.mp3",  /* 30 February */
		"20260431_1200_p.mp3",  /* 31 April */
		"20261301_1200_p.mp3",  /* month 13 */
		"20260001_1200_p.mp3",  /* month 0 */
		"20260100_1200_p.mp3",  /* day 0 */
		"20260329_2460_p.mp3",  /* 24:60 */
		"20260329_2400_p.mp3",  /* 24:00 */
		"20260329_1260_p.mp3",  /* minute 60 */
		"20260329_0100_.mp3",   /* missing pid */
		"20260329_0100.mp3",    /* missing pid and separator */
		"dir/20260329_0100_p.mp3",
		"20260329_0100_a/b.mp3",
		"20260329_0100_p.mp3/",
		"20260329_0100_p.wav",
		"20260329_0100_p.mp3.part",
		"20260329_0100_p.mp",
		"2026329_0100_p.mp3",   /* 7-digit date */
		"202603290_100_p.mp3",
		"20260329-0100_p.mp3",
		"20260329_0100-p.mp3",
		"20260329_01000_p.mp3",  /* 5-digit time */
		"20260329_0100_p q.mp3",
		"20260329_0100_p.q.mp3",
		"20260329_0100_p\xc3\xa9.mp3", /* non-ASCII pid */
		" 20260329_0100_p.mp3",
		"2026O329_0100_p.mp3",
		"",
		".mp3",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct po_filename f;
		int rc = po_filename_parse(bad[i], &f);
		PO_EXPECT_INT(rc, PLAYOUT_EINVAL);
		if (rc != PLAYOUT_EINVAL)
			fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
	}
	struct po_filename f;
	PO_EXPECT_INT(po_filename_parse(NULL, &f), PLAYOUT_EINVAL);
}

static void set_name(struct playout_asset *a, const char *name)
{
	memset(a, 0x55, sizeof *a); /* garbage a parser must overwrite */
	snprintf(a->name, sizeof a->name, "%s", name);
}

static void test_asset_gets_utc_start_in_station_zone(void)
{
	struct playout_asset a;
	zone("Europe/London");
	set_name(&a, "20260701_0900_Breakfast.mp3");
	PO_EXPECT_INT_FATAL(po_filename_to_asset(&a), PLAYOUT_OK);
	PO_EXPECT_INT(a.start_ms, utc(2026, 7, 1, 8, 0));
	PO_EXPECT_INT(a.start_alt_ms, 0);
	PO_EXPECT_STR(a.pid, "breakfast");

	zone("America/New_York");
	PO_EXPECT_INT_FATAL(po_filename_to_asset(&a), PLAYOUT_OK);
	PO_EXPECT_INT(a.start_ms, utc(2026, 7, 1, 13, 0));
}

static void test_asset_in_repeated_hour_has_both_instants(void)
{
	struct playout_asset a;
	zone("Europe/London");
	set_name(&a, "20261025_0130_news.mp3");
	PO_EXPECT_INT_FATAL(po_filename_to_asset(&a), PLAYOUT_OK);
	PO_EXPECT_INT(a.start_ms, utc(2026, 10, 25, 0, 30));
	PO_EXPECT_INT(a.start_alt_ms, utc(2026, 10, 25, 1, 30));
}

static void test_asset_in_spring_gap_moves_forward(void)
{
	struct playout_asset a;
	zone("Europe/London");
	set_name(&a, "20260329_0130_night.mp3");
	PO_EXPECT_INT_FATAL(po_filename_to_asset(&a), PLAYOUT_OK);
	PO_EXPECT_INT(a.start_ms, utc(2026, 3, 29, 1, 30)); /* 02:30 BST */
	PO_EXPECT_INT(a.start_alt_ms, 0);
}

static void test_asset_with_bad_name_is_left_empty(void)
{
	struct playout_asset a;
	zone("Europe/London");
	set_name(&a, "20260230_0130_night.mp3");
	PO_EXPECT_INT(po_filename_to_asset(&a), PLAYOUT_EINVAL);
	PO_EXPECT_INT(a.start_ms, 0);
	PO_EXPECT_INT(a.start_alt_ms, 0);
	PO_EXPECT_STR(a.pid, "");

	memset(a.name, 'x', sizeof a.name); /* not NUL-terminated */
	PO_EXPECT_INT(po_filename_to_asset(&a), PLAYOUT_EINVAL);
	PO_EXPECT_STR(a.pid, "");
}

static const struct po_test parse_tests[] = {
	{"parse_valid_name_gives_fields", test_parse_valid_name_gives_fields},
	{"parse_lowercases_pid_and_accepts_uppercase_extension",
	 test_parse_lowercases_pid_and_accepts_uppercase_extension},
	{"parse_accepts_leap_day_only_in_leap_years",
	 test_parse_accepts_leap_day_only_in_leap_years},
	{"parse_pid_length_limit_is_63", test_parse_pid_length_limit_is_63},
	{"parse_rejects_bad_names", test_parse_rejects_bad_names},
	{NULL, NULL},
};

static const struct po_test asset_tests[] = {
	{"asset_gets_utc_start_in_station_zone", test_asset_gets_utc_start_in_station_zone},
	{"asset_in_repeated_hour_has_both_instants",
	 test_asset_in_repeated_hour_has_both_instants},
	{"asset_in_spring_gap_moves_forward", test_asset_in_spring_gap_moves_forward},
	{"asset_with_bad_name_is_left_empty", test_asset_with_bad_name_is_left_empty},
	{NULL, NULL},
};

static const struct po_suite suites[] = {
	{"parse", parse_tests, NULL, NULL},
	{"asset", asset_tests, NULL, NULL},
	{NULL, NULL, NULL, NULL},
};

int main(void)
{
	return po_test_run("test_filename", suites);
}
