/*
 * libplayout-util (include/playout/util.h): every function with its edge
 * cases. Expected values are written out by hand or computed with timegm()
 * here, independently of the code under test.
 */
#include "runner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <playout/util.h>

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {
		.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
		.tm_hour = h, .tm_min = mi, .tm_sec = s,
	};
	return (int64_t)timegm(&tm) * 1000;
}

/* ---- buffer ---------------------------------------------------------------- */

static void test_buf_appends_text_and_binary_and_stays_terminated(void)
{
	struct playout_buf b;
	playout_buf_init(&b);
	CU_ASSERT_PTR_NULL(b.p);
	PO_EXPECT_INT(playout_buf_str(&b, "ab"), PLAYOUT_OK);
	PO_EXPECT_INT(playout_buf_add(&b, "c\0d", 3), PLAYOUT_OK);
	PO_EXPECT_INT(b.n, 5);
	PO_EXPECT_INT(memcmp(b.p, "abc\0d", 6), 0);
	/* past the first allocation: everything kept */
	for (int i = 0; i < 1000; i++)
		PO_EXPECT_INT(playout_buf_str(&b, "0123456789"), PLAYOUT_OK);
	PO_EXPECT_INT(b.n, 10005);
	PO_EXPECT_INT(b.p[b.n], '\0');
	PO_EXPECT_INT(memcmp(b.p + 9995, "0123456789", 10), 0);
	CU_ASSERT(b.cap > b.n);
	playout_buf_free(&b);
	CU_ASSERT_PTR_NULL(b.p);
	PO_EXPECT_INT(b.n, 0);
	playout_buf_free(&b); /* twice: a no-op */
	playout_buf_free(NULL);
}

static void test_buf_printf_grows_for_long_output(void)
{
	struct playout_buf b = { 0 };
	char big[3000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	PO_EXPECT_INT(playout_buf_printf(&b, "%d-%s", 42, "a"), PLAYOUT_OK);
	PO_EXPECT_INT(playout_buf_printf(&b, "[%s]", big), PLAYOUT_OK);
	PO_EXPECT_INT(b.n, 4 + 2 + sizeof big - 1);
	PO_EXPECT_INT(strncmp(b.p, "42-a[xxx", 8), 0);
	PO_EXPECT_INT(b.p[b.n - 1], ']');
	PO_EXPECT_INT(strlen(b.p), b.n);
	playout_buf_free(&b);
}

static void test_buf_pct_encodes_every_reserved_byte(void)
{
	struct playout_buf b = { 0 };
	PO_EXPECT_INT(playout_buf_pct(&b, "aZ09-._~ /?#[]@!$&'()*+,;=%\x01\x7f\xc3\xa9"), PLAYOUT_OK);
	PO_EXPECT_STR(b.p, "aZ09-._~%20%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%25"
			"%01%7F%C3%A9");
	playout_buf_free(&b);
	PO_EXPECT_INT(playout_buf_pct_path(&b, "a b/c+d/"), PLAYOUT_OK);
	PO_EXPECT_STR(b.p, "a%20b/c%2Bd/");
	playout_buf_free(&b);
	PO_EXPECT_INT(playout_buf_pct(&b, ""), PLAYOUT_OK);
	CU_ASSERT_PTR_NULL(b.p); /* nothing added: nothing allocated */
}

static void test_buf_reserve_keeps_the_bytes_in_place(void)
{
	struct playout_buf b = { 0 };
	PO_EXPECT_INT(playout_buf_reserve(&b, 5000), PLAYOUT_OK);
	const char *at = b.p;
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	PO_EXPECT_INT(b.n, 0);
	for (int i = 0; i < 500; i++) /* 5000 bytes: exactly the reserve */
		PO_EXPECT_INT(playout_buf_str(&b, "pass=w0rd!"), PLAYOUT_OK);
	CU_ASSERT_PTR_EQUAL(b.p, at); /* never moved: no copy left in freed memory */
	PO_EXPECT_INT(b.n, 5000);
	PO_EXPECT_INT(playout_buf_str(&b, "!"), PLAYOUT_OK); /* past it: grows */
	PO_EXPECT_INT(b.n, 5001);
	PO_EXPECT_INT(playout_buf_reserve(&b, SIZE_MAX), PLAYOUT_ENOMEM);
	PO_EXPECT_INT(b.n, 5001);
	playout_buf_free(&b);
}

static void test_buf_param_builds_a_query(void)
{
	struct playout_buf b = { 0 };
	PO_EXPECT_INT(playout_buf_str(&b, "/x?"), PLAYOUT_OK);
	PO_EXPECT_INT(playout_buf_param(&b, 1, "a", "1 2"), PLAYOUT_OK);
	PO_EXPECT_INT(playout_buf_param(&b, 0, "t", "2026-03-29T01:00:00+01:00"), PLAYOUT_OK);
	PO_EXPECT_INT(playout_buf_param(&b, 0, "e", ""), PLAYOUT_OK);
	PO_EXPECT_STR(b.p, "/x?a=1%202&t=2026-03-29T01%3A00%3A00%2B01%3A00&e=");
	playout_buf_free(&b);
}

/* ---- text ------------------------------------------------------------------ */

static void test_str_appendf_cuts_silently(void)
{
	char s[8] = "ab";
	playout_str_appendf(s, sizeof s, "%s", "cd");
	PO_EXPECT_STR(s, "abcd");
	playout_str_appendf(s, sizeof s, "%d", 123456);
	PO_EXPECT_STR(s, "abcd123");
	playout_str_appendf(s, sizeof s, "more");
	PO_EXPECT_STR(s, "abcd123");
}

static void test_json_escape_control_chars_quotes_and_utf8(void)
{
	struct playout_buf b = { 0 };
	PO_EXPECT_INT(playout_json_escape(&b, "a\"b\\c\n\r\t\b\f\x01\x1f\x7f\xc3\xa9/"), PLAYOUT_OK);
	PO_EXPECT_STR(b.p, "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f\xc3\xa9/\"");
	playout_buf_free(&b);
	PO_EXPECT_INT(playout_json_escape(&b, ""), PLAYOUT_OK);
	PO_EXPECT_STR(b.p, "\"\"");
	playout_buf_free(&b);
}

static void test_utf8_cut_never_splits_a_sequence(void)
{
	const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x8e\xb5z"; /* a é € 🎵 z */
	PO_EXPECT_INT(playout_utf8_cut(s, 0), 0);
	PO_EXPECT_INT(playout_utf8_cut(s, 1), 1);
	PO_EXPECT_INT(playout_utf8_cut(s, 2), 1);  /* inside é */
	PO_EXPECT_INT(playout_utf8_cut(s, 3), 3);
	PO_EXPECT_INT(playout_utf8_cut(s, 4), 3);  /* inside € */
	PO_EXPECT_INT(playout_utf8_cut(s, 5), 3);
	PO_EXPECT_INT(playout_utf8_cut(s, 6), 6);
	PO_EXPECT_INT(playout_utf8_cut(s, 9), 6);  /* inside the 4-byte note */
	PO_EXPECT_INT(playout_utf8_cut(s, 10), 10);
	PO_EXPECT_INT(playout_utf8_cut(s, 11), 11); /* at the NUL */
}

static void test_utf8_copy_cuts_at_a_character(void)
{
	char d[5];
	playout_utf8_copy(d, sizeof d, "ab\xe2\x82\xac"); /* "ab€": 5 bytes, 4 fit */
	PO_EXPECT_STR(d, "ab");
	playout_utf8_copy(d, sizeof d, "abcd");
	PO_EXPECT_STR(d, "abcd");
	playout_utf8_copy(d, sizeof d, "abcdef");
	PO_EXPECT_STR(d, "abcd");
	playout_utf8_copy(d, sizeof d, "\xc3\xa9\xc3\xa9x");
	PO_EXPECT_STR(d, "\xc3\xa9\xc3\xa9");
	playout_utf8_copy(d, 1, "abc");
	PO_EXPECT_STR(d, "");
}

/* ---- civil dates ----------------------------------------------------------- */

static void test_civil_leap_years_and_month_lengths(void)
{
	CU_ASSERT(playout_civil_leap(2024));
	CU_ASSERT(!playout_civil_leap(2026));
	CU_ASSERT(!playout_civil_leap(1900));
	CU_ASSERT(playout_civil_leap(2000));
	CU_ASSERT(playout_civil_leap(0));
	CU_ASSERT(playout_civil_leap(-4));
	PO_EXPECT_INT(playout_civil_days_in_month(2024, 2), 29);
	PO_EXPECT_INT(playout_civil_days_in_month(2100, 2), 28);
	PO_EXPECT_INT(playout_civil_days_in_month(2026, 4), 30);
	PO_EXPECT_INT(playout_civil_days_in_month(2026, 12), 31);
	PO_EXPECT_INT(playout_civil_days_in_month(2026, 0), 0);
	PO_EXPECT_INT(playout_civil_days_in_month(2026, 13), 0);
}

static void test_civil_days_both_ways_agree_with_timegm(void)
{
	PO_EXPECT_INT(playout_days_from_civil(1970, 1, 1), 0);
	PO_EXPECT_INT(playout_days_from_civil(1969, 12, 31), -1);
	PO_EXPECT_INT(playout_days_from_civil(2000, 3, 1), 11017);
	PO_EXPECT_INT(playout_days_from_civil(0, 1, 1), -719528);
	/* every day from 1896 to 2104: both ways, against timegm */
	int64_t y;
	int m, d;
	for (int64_t day = -27000; day <= 49000; day++) {
		playout_civil_from_days(day, &y, &m, &d);
		if (playout_days_from_civil(y, m, d) != day ||
		    utc((int)y, m, d, 0, 0, 0) != day * 86400000) {
			CU_FAIL("civil days disagree");
			fprintf(stderr, "day %" PRId64 ": %" PRId64 "-%d-%d\n", day, y, m, d);
			break;
		}
	}
	playout_civil_from_days(playout_days_from_civil(2024, 2, 29), &y, &m, &d);
	PO_EXPECT_INT(y, 2024);
	PO_EXPECT_INT(m, 2);
	PO_EXPECT_INT(d, 29);
	playout_civil_from_days(playout_days_from_civil(-1, 12, 31), &y, &m, &d);
	PO_EXPECT_INT(y, -1);
	PO_EXPECT_INT(m, 12);
	PO_EXPECT_INT(d, 31);
}

/* ---- ISO 8601 ---------------------------------------------------------------- */

static void test_time_scan_reads_fields_and_offsets(void)
{
	struct playout_time t;
	PO_EXPECT_INT(playout_time_scan("2026-03-29T01:02:03.456789+05:30", &t), PLAYOUT_OK);
	PO_EXPECT_INT(t.year, 2026);
	PO_EXPECT_INT(t.mon, 3);
	PO_EXPECT_INT(t.day, 29);
	PO_EXPECT_INT(t.hour, 1);
	PO_EXPECT_INT(t.min, 2);
	PO_EXPECT_INT(t.sec, 3);
	PO_EXPECT_INT(t.ms, 456);
	PO_EXPECT_INT(t.has_offset, 1);
	PO_EXPECT_INT(t.offset_s, 19800);
	PO_EXPECT_INT(playout_time_scan("2026-03-29 01:02", &t), PLAYOUT_OK);
	PO_EXPECT_INT(t.sec, 0);
	PO_EXPECT_INT(t.ms, 0);
	PO_EXPECT_INT(t.has_offset, 0);
	PO_EXPECT_INT(playout_time_scan("2026-03-29t01:02:03,5-0130", &t), PLAYOUT_OK);
	PO_EXPECT_INT(t.ms, 500);
	PO_EXPECT_INT(t.has_offset, 1);
	PO_EXPECT_INT(t.offset_s, -5400);
	PO_EXPECT_INT(playout_time_scan("2026-03-29T01:02:03-01", &t), PLAYOUT_OK);
	PO_EXPECT_INT(t.offset_s, -3600);
	PO_EXPECT_INT(playout_time_scan("2024-02-29T00:00:00z", &t), PLAYOUT_OK);
	PO_EXPECT_INT(t.has_offset, 1);
	PO_EXPECT_INT(t.offset_s, 0);
}

static void test_time_scan_refuses_impossible_and_malformed(void)
{
	static const char *const bad[] = {
		"", "2026-03-29", "2026-03-29T", "2026-3-29T01:00Z", "2026-02-29T00:00Z",
		"2100-02-29T00:00Z", "2026-04-31T00:00Z", "2026-00-01T00:00Z",
		"2026-03-29T24:00Z", "2026-03-29T01:60Z", "2026-12-31T23:59:60Z",
		"2026-03-29T01:00:00+24:00", "2026-03-29T01:00:00+01:60", "2026-03-29T01:00:00+010",
		"2026-03-29T01:00:00.Z", "2026-03-29T01:00:00.1234567890Z", "2026-03-29T01:00Z ",
		"2026-03-29T01:00:00 Z", "20260329T010000Z", "2026-03-29X01:00Z",
	};
	struct playout_time t;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = playout_time_scan(bad[i], &t);
		PO_EXPECT_INT(rc, PLAYOUT_EINVAL);
		if (rc != PLAYOUT_EINVAL)
			fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
	}
	PO_EXPECT_INT(playout_time_scan(NULL, &t), PLAYOUT_EINVAL);
}

/* A host whose station is one hour east of UTC all year, and counts calls. */
static int fixed_calls;
static int fixed_local_to_utc(const struct playout_host *h, int year, int mon, int day, int hour,
			      int min, int sec, int64_t *utc_ms)
{
	(void)h;
	fixed_calls++;
	*utc_ms = utc(year, mon, day, hour, min, sec) - 3600000;
	return PLAYOUT_OK;
}

static void test_time_parse_offset_utc_and_station_local(void)
{
	struct playout_host h = { 0 };
	h.local_to_utc = fixed_local_to_utc;
	int64_t t = 0;
	fixed_calls = 0;
	PO_EXPECT_INT(playout_time_parse("2026-03-29T02:00:00+01:00", &h, &t), PLAYOUT_OK);
	PO_EXPECT_TIME(t, utc(2026, 3, 29, 1, 0, 0));
	PO_EXPECT_INT(fixed_calls, 0); /* an offset never asks the station */
	PO_EXPECT_INT(playout_time_parse("2026-03-29T02:00:00.250", &h, &t), PLAYOUT_OK);
	PO_EXPECT_TIME(t, utc(2026, 3, 29, 1, 0, 0) + 250);
	PO_EXPECT_INT(fixed_calls, 1);
	PO_EXPECT_INT(playout_time_parse("2026-03-29T02:00:00", NULL, &t), PLAYOUT_OK);
	PO_EXPECT_TIME(t, utc(2026, 3, 29, 2, 0, 0)); /* no host: UTC */
	PO_EXPECT_INT(playout_time_parse("1969-12-31T23:59:59.999Z", NULL, &t), PLAYOUT_OK);
	PO_EXPECT_TIME(t, -1);
	PO_EXPECT_INT(playout_time_parse("0000-01-01T00:00:00Z", NULL, &t), PLAYOUT_OK);
	PO_EXPECT_TIME(t, INT64_C(-62167219200000));
	t = 7;
	PO_EXPECT_INT(playout_time_parse("junk", &h, &t), PLAYOUT_EINVAL);
	PO_EXPECT_TIME(t, 7);
}

static void test_time_format_utc_ms_and_offset(void)
{
	char b[40];
	int64_t t = utc(2026, 3, 29, 1, 0, 0);
	playout_time_format(t + 999, b, sizeof b);
	PO_EXPECT_STR(b, "2026-03-29T01:00:00Z");
	playout_time_format_ms(t, b, sizeof b);
	PO_EXPECT_STR(b, "2026-03-29T01:00:00Z");
	playout_time_format_ms(t + 250, b, sizeof b);
	PO_EXPECT_STR(b, "2026-03-29T01:00:00.250Z");
	playout_time_format_ms(-1, b, sizeof b);
	PO_EXPECT_STR(b, "1969-12-31T23:59:59.999Z");
	playout_time_format_offset(t, 3600, b, sizeof b);
	PO_EXPECT_STR(b, "2026-03-29T02:00:00+01:00");
	playout_time_format_offset(t + 5, -9000, b, sizeof b);
	PO_EXPECT_STR(b, "2026-03-28T22:30:00.005-02:30");
	playout_time_format(INT64_MAX, b, sizeof b);
	PO_EXPECT_STR(b, "9999-12-31T23:59:59Z");
	playout_time_format(INT64_MIN, b, sizeof b);
	PO_EXPECT_STR(b, "0000-01-01T00:00:00Z");
	playout_time_format_offset(INT64_MAX, 50400, b, sizeof b);
	PO_EXPECT_STR(b, "9999-12-31T23:59:59+14:00");
	/* a small buffer is cut, never overrun */
	char small[11];
	playout_time_format(t, small, sizeof small);
	PO_EXPECT_STR(small, "2026-03-29");
}

static void test_time_format_then_parse_round_trips(void)
{
	static const int64_t v[] = { 0, 1, -1, 1774746000123, INT64_C(253402300799999),
				     INT64_C(-62167219200000) };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char b[40];
		int64_t back = 0;
		playout_time_format_ms(v[i], b, sizeof b);
		PO_EXPECT_INT(playout_time_parse(b, NULL, &back), PLAYOUT_OK);
		PO_EXPECT_TIME(back, v[i]);
		playout_time_format_offset(v[i], -3600, b, sizeof b);
		PO_EXPECT_INT(playout_time_parse(b, NULL, &back), PLAYOUT_OK);
		if (i < 4)
			PO_EXPECT_TIME(back, v[i]);
	}
}

/* ---- station time -------------------------------------------------------------- */

/* London in 2026, by hand: BST from 29 March 01:00 UTC to 25 October 01:00
 * UTC. */
static int london_2026(void *ctx, int64_t utc_s, long *off)
{
	(void)ctx;
	int64_t from = utc(2026, 3, 29, 1, 0, 0) / 1000, to = utc(2026, 10, 25, 1, 0, 0) / 1000;
	*off = utc_s >= from && utc_s < to ? 3600 : 0;
	return 0;
}

/* Dublin's negative DST the other way round is the same shape; Lord Howe
 * moves 30 minutes: +10:30 standard, +11:00 from 4 October 2026 02:00 local
 * (15:30 UTC the day before). */
static int lord_howe(void *ctx, int64_t utc_s, long *off)
{
	(void)ctx;
	*off = utc_s >= utc(2026, 10, 3, 15, 30, 0) / 1000 ? 39600 : 37800;
	return 0;
}

static int no_offsets(void *ctx, int64_t utc_s, long *off)
{
	(void)ctx;
	(void)utc_s;
	(void)off;
	return -1;
}

static void test_local_to_utc_plain_gap_and_overlap(void)
{
	int64_t a, b;
	PO_EXPECT_INT(playout_local_to_utc(2026, 1, 15, 12, 0, 0, london_2026, NULL, &a, &b), PLAYOUT_OK);
	PO_EXPECT_TIME(a, utc(2026, 1, 15, 12, 0, 0));
	PO_EXPECT_TIME(b, 0);
	PO_EXPECT_INT(playout_local_to_utc(2026, 7, 1, 12, 0, 0, london_2026, NULL, &a, &b), PLAYOUT_OK);
	PO_EXPECT_TIME(a, utc(2026, 7, 1, 11, 0, 0));
	/* spring gap: 01:30 does not exist and moves forward to 02:30 BST */
	PO_EXPECT_INT(playout_local_to_utc(2026, 3, 29, 1, 30, 0, london_2026, NULL, &a, &b), PLAYOUT_OK);
	PO_EXPECT_TIME(a, utc(2026, 3, 29, 1, 30, 0));
	PO_EXPECT_TIME(b, 0);
	/* autumn overlap: 01:30 happens twice */
	PO_EXPECT_INT(playout_local_to_utc(2026, 10, 25, 1, 30, 0, london_2026, NULL, &a, &b), PLAYOUT_OK);
	PO_EXPECT_TIME(a, utc(2026, 10, 25, 0, 30, 0));
	PO_EXPECT_TIME(b, utc(2026, 10, 25, 1, 30, 0));
	PO_EXPECT_INT(playout_local_to_utc(2026, 10, 25, 1, 30, 0, london_2026, NULL, &a, NULL), PLAYOUT_OK);
	PO_EXPECT_TIME(a, utc(2026, 10, 25, 0, 30, 0));
	/* the edges of the overlap: 02:00 once, 00:59:59 once */
	PO_EXPECT_INT(playout_local_to_utc(2026, 10, 25, 2, 0, 0, london_2026, NULL, &a, &b), PLAYOUT_OK);
	PO_EXPECT_TIME(a, utc(2026, 10, 25, 2, 0, 0));
	PO_EXPECT_TIME(b, 0);
}

static void test_local_to_utc_half_hour_gap(void)
{
	int64_t a, b;
	/* 02:15 on 4 October does not exist at Lord Howe: 02:45 +11:00 */
	PO_EXPECT_INT(playout_local_to_utc(2026, 10, 4, 2, 15, 0, lord_howe, NULL, &a, &b), PLAYOUT_OK);
	PO_EXPECT_TIME(a, utc(2026, 10, 3, 15, 45, 0));
	PO_EXPECT_TIME(b, 0);
}

static void test_local_to_utc_refuses_impossible_fields(void)
{
	int64_t a = 5, b = 5;
	static const int bad[][6] = {
		{ 2026, 13, 1, 0, 0, 0 }, { 2026, 0, 1, 0, 0, 0 }, { 2026, 2, 29, 0, 0, 0 },
		{ 2026, 4, 31, 0, 0, 0 }, { 2026, 1, 1, 24, 0, 0 }, { 2026, 1, 1, 0, 60, 0 },
		{ 2026, 1, 1, 0, 0, 60 }, { 2026, 1, 0, 0, 0, 0 },  { 10000, 1, 1, 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		PO_EXPECT_INT(playout_local_to_utc(bad[i][0], bad[i][1], bad[i][2], bad[i][3],
						     bad[i][4], bad[i][5], london_2026, NULL, &a,
						     &b), PLAYOUT_EINVAL);
	PO_EXPECT_INT(playout_local_to_utc(2026, 1, 1, 0, 0, 0, no_offsets, NULL, &a, &b), PLAYOUT_EINVAL);
	PO_EXPECT_INT(playout_local_to_utc(2026, 1, 1, 0, 0, 0, NULL, NULL, &a, &b), PLAYOUT_EINVAL);
	PO_EXPECT_INT(playout_local_to_utc(2024, 2, 29, 0, 0, 0, london_2026, NULL, &a, &b), PLAYOUT_OK);
}

/* ---- files ------------------------------------------------------------------------ */

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static char *slurp(const char *path)
{
	static char buf[256];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static void test_file_replace_writes_mode_and_replaces(void)
{
	char dir[4096], path[4200];
	struct playout_error e = { 0 };
	struct stat st;
	snprintf(dir, sizeof dir, "%s/replace", po_test_tmpdir());
	PO_EXPECT_INT_FATAL(mkdir(dir, 0700), 0);
	snprintf(path, sizeof path, "%s/token.json", dir);
	PO_EXPECT_INT(playout_file_replace(path, 0600, "one", 3, &e), PLAYOUT_OK);
	PO_EXPECT_STR(slurp(path), "one");
	PO_EXPECT_INT(stat(path, &st), 0);
	PO_EXPECT_INT(st.st_mode & 07777, 0600);
	PO_EXPECT_INT(playout_file_replace(path, 0644, "second", 6, &e), PLAYOUT_OK);
	PO_EXPECT_STR(slurp(path), "second");
	PO_EXPECT_INT(stat(path, &st), 0);
	PO_EXPECT_INT(st.st_mode & 07777, 0644);
	PO_EXPECT_INT(count_entries(dir), 1); /* no temporary file left */
	PO_EXPECT_INT(playout_fsync_dir_of(path), 0);
	PO_EXPECT_INT(playout_fsync_dir_of("relative-name"), 0); /* "." */
}

static int fill_fails(int fd, void *arg)
{
	(void)arg;
	if (playout_write_all(fd, "half", 4) < 0)
		return -1;
	errno = ENOSPC;
	return -1;
}

static void test_file_replace_leaves_no_temp_and_old_file_on_error(void)
{
	char dir[4096], path[4200];
	struct playout_error e = { 0 };
	snprintf(dir, sizeof dir, "%s/fail", po_test_tmpdir());
	PO_EXPECT_INT_FATAL(mkdir(dir, 0700), 0);
	snprintf(path, sizeof path, "%s/f", dir);
	PO_EXPECT_INT(playout_file_replace(path, 0600, "old", 3, &e), PLAYOUT_OK);
	PO_EXPECT_INT(playout_file_replace_with(path, 0600, fill_fails, NULL, &e), PLAYOUT_EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "No space left"));
	PO_EXPECT_STR(slurp(path), "old");
	PO_EXPECT_INT(count_entries(dir), 1);
	/* a folder that does not exist: refused, nothing created */
	char missing[4300];
	snprintf(missing, sizeof missing, "%s/no/such", dir);
	PO_EXPECT_INT(playout_file_replace(missing, 0600, "x", 1, &e), PLAYOUT_EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, missing));
	/* the target is a folder: the rename fails, the temp goes */
	char sub[4250];
	snprintf(sub, sizeof sub, "%s/sub", dir);
	PO_EXPECT_INT_FATAL(mkdir(sub, 0700), 0);
	snprintf(missing, sizeof missing, "%s/x", sub);
	PO_EXPECT_INT_FATAL(mkdir(missing, 0700), 0);
	PO_EXPECT_INT(playout_file_replace(missing, 0600, "x", 1, &e), PLAYOUT_EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "renaming"));
	PO_EXPECT_INT(count_entries(sub), 1);
	PO_EXPECT_INT(playout_file_replace(NULL, 0600, "x", 1, &e), PLAYOUT_EINVAL);
}

static void test_write_all_reports_a_closed_pipe(void)
{
	int p[2];
	PO_EXPECT_INT_FATAL(pipe(p), 0);
	PO_EXPECT_INT(playout_write_all(p[1], "abc", 3), 0);
	char got[4] = { 0 };
	PO_EXPECT_INT(read(p[0], got, 3), 3);
	PO_EXPECT_STR(got, "abc");
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	errno = 0;
	PO_EXPECT_INT(playout_write_all(p[1], "abc", 3), -1);
	PO_EXPECT_INT(errno, EPIPE);
	close(p[1]);
	PO_EXPECT_INT(playout_write_all(-1, "a", 1), -1);
	PO_EXPECT_INT(errno, EBADF);
}

/* ---- MP3 headers ---------------------------------------------------------------- */

/* One header and what it must read as, field by field. */
struct hdr_case {
	const char *what;
	unsigned char b[4];
	int version, layer, rate, kbps, padding, mono;
	uint32_t len;
	int samples;
};

static void test_mp3_hdr_parses_the_three_versions(void)
{
	static const struct hdr_case cases[] = {
		{ "MPEG-1 layer III 128 kbps 44.1 kHz padded", { 0xff, 0xfb, 0x92, 0x64 },
		  10, 3, 44100, 128, 1, 0, 418, 1152 },
		{ "MPEG-2 layer III 64 kbps 24 kHz mono", { 0xff, 0xf3, 0x84, 0xc0 },
		  20, 3, 24000, 64, 0, 1, 192, 576 },
		{ "MPEG-2.5 layer III 8 kbps 8 kHz", { 0xff, 0xe3, 0x18, 0x00 },
		  25, 3, 8000, 8, 0, 0, 72, 576 },
		{ "MPEG-1 layer II 128 kbps", { 0xff, 0xfd, 0x80, 0x00 },
		  10, 2, 44100, 128, 0, 0, 417, 1152 },
		{ "MPEG-1 layer I 288 kbps", { 0xff, 0xff, 0x90, 0x00 },
		  10, 1, 44100, 288, 0, 0, 312, 384 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct hdr_case *c = &cases[i];
		struct playout_mp3_hdr h;
		unsigned before = CU_get_number_of_failures();
		PO_EXPECT_INT(playout_mp3_hdr_parse(c->b, 4, &h), 1);
		PO_EXPECT_INT(h.version, c->version);
		PO_EXPECT_INT(h.layer, c->layer);
		PO_EXPECT_INT(h.rate, c->rate);
		PO_EXPECT_INT(h.kbps, c->kbps);
		PO_EXPECT_INT(h.padding, c->padding);
		PO_EXPECT_INT(h.mono, c->mono);
		PO_EXPECT_INT(h.len, c->len);
		PO_EXPECT_INT(playout_mp3_samples_per_frame(h.version, h.layer), c->samples);
		if (CU_get_number_of_failures() != before)
			fprintf(stderr, "  in the case: %s\n", c->what);
	}
}

static void test_mp3_hdr_refuses_bad_headers(void)
{
	static const unsigned char bad[][4] = {
		{ 0xff, 0xfb, 0x02, 0x00 }, /* free format */
		{ 0xff, 0xfb, 0xf0, 0x00 }, /* bitrate index 15 */
		{ 0xff, 0xfb, 0x9c, 0x00 }, /* rate index 3 */
		{ 0xff, 0xeb, 0x90, 0x00 }, /* reserved version */
		{ 0xff, 0xf9, 0x90, 0x00 }, /* reserved layer */
		{ 0xfe, 0xfb, 0x90, 0x00 }, /* no sync */
		{ 0xff, 0x1b, 0x90, 0x00 }, /* sync cut short */
	};
	struct playout_mp3_hdr h;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		PO_EXPECT_INT(playout_mp3_hdr_parse(bad[i], 4, &h), 0);
	static const unsigned char ok[4] = { 0xff, 0xfb, 0x90, 0x00 };
	PO_EXPECT_INT(playout_mp3_hdr_parse(ok, 3, &h), 0); /* too short */
	PO_EXPECT_INT(playout_mp3_hdr_parse(NULL, 4, &h), 0);
}

static void test_mp3_id3v2_len_walks_tags_and_refuses_bad_sizes(void)
{
	unsigned char b[64] = { 0 };
	/* a tag of 10 + 20 bytes, then a second one with a footer: 10 + 2 + 10 */
	memcpy(b, "ID3\x04\x00\x00\x00\x00\x00\x14", 10);
	memcpy(b + 30, "ID3\x04\x00\x10\x00\x00\x00\x02", 10);
	PO_EXPECT_INT(playout_mp3_id3v2_len(b, sizeof b), 30 + 22);
	/* only the first header read: its declared length */
	PO_EXPECT_INT(playout_mp3_id3v2_len(b, 10), 30);
	/* syncsafe sizes: 0x7f per byte, 28 bits */
	memcpy(b, "ID3\x03\x00\x00\x01\x7f\x7f\x7f", 10);
	PO_EXPECT_INT(playout_mp3_id3v2_len(b, 10), 10 + (1u << 21) + 0x1fffff - (1u << 21) +
							      (1u << 21));
	b[7] = 0x80; /* a high bit: not a tag */
	PO_EXPECT_INT(playout_mp3_id3v2_len(b, 10), 0);
	memcpy(b, "ID3\xff\x00\x00\x00\x00\x00\x01", 10); /* version 0xff */
	PO_EXPECT_INT(playout_mp3_id3v2_len(b, 10), 0);
	PO_EXPECT_INT(playout_mp3_id3v2_len((const unsigned char *)"ID3\x04", 4), 0);
	PO_EXPECT_INT(playout_mp3_id3v2_len((const unsigned char *)"\xff\xfb\x90\x00xxxxxx", 10), 0);
}

/* ---- description tags --------------------------------------------------------------- */

static void test_desc_tags_read_plain_and_html(void)
{
	struct playout_desc d;
	PO_EXPECT_INT(playout_desc_tags("PID: abc_1\nTYPE: live", &d), PLAYOUT_OK);
	PO_EXPECT_STR(d.pid, "abc_1");
	PO_EXPECT_INT(d.pid_len, 5);
	PO_EXPECT_STR(d.type, "live");
	PO_EXPECT_INT(playout_desc_tags("<p><b>pid</b> :<i>XY-9</i></p><br>Type&nbsp;:RECORDED",
					  &d), PLAYOUT_OK);
	PO_EXPECT_STR(d.pid, "XY-9");
	PO_EXPECT_STR(d.type, "RECORDED");
	/* an entity, a no-break space and a numeric entity around the key */
	PO_EXPECT_INT(playout_desc_tags("Notes &amp; more\xc2\xa0PID&#58;q1", &d), PLAYOUT_OK);
	PO_EXPECT_STR(d.pid, "q1");
	/* "XPID:" is not "PID:"; the first real one counts */
	PO_EXPECT_INT(playout_desc_tags("XPID: no PID: yes PID: later", &d), PLAYOUT_OK);
	PO_EXPECT_STR(d.pid, "yes");
	PO_EXPECT_INT(playout_desc_tags(NULL, &d), PLAYOUT_OK);
	PO_EXPECT_STR(d.pid, "");
	PO_EXPECT_INT(d.pid_len, 0);
	PO_EXPECT_STR(d.type, "");
	PO_EXPECT_INT(playout_desc_tags("PID: ", &d), PLAYOUT_OK);
	PO_EXPECT_INT(d.pid_len, 0);
}

static void test_desc_tags_long_pid_gives_full_length(void)
{
	char desc[200] = "PID:";
	memset(desc + 4, 'a', 100);
	struct playout_desc d;
	PO_EXPECT_INT(playout_desc_tags(desc, &d), PLAYOUT_OK);
	PO_EXPECT_INT(d.pid_len, 100);
	PO_EXPECT_INT(strlen(d.pid), PLAYOUT_PID_MAX - 1);
}

static void test_desc_tags_hostile_input_stays_linear(void)
{
	/* "<a<a<a..." and "&&&...": quadratic scans would take minutes */
	size_t n = 2000000;
	char *s = malloc(n + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	for (size_t i = 0; i < n; i += 2)
		memcpy(s + i, "<a", 2);
	s[n] = '\0';
	struct playout_desc d;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	PO_EXPECT_INT(playout_desc_tags(s, &d), PLAYOUT_OK);
	memset(s, '&', n);
	PO_EXPECT_INT(playout_desc_tags(s, &d), PLAYOUT_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double sec = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CU_ASSERT(sec < 10.0);
	free(s);
}

static const struct po_test buf_tests[] = {
	{ "buf_appends_text_and_binary_and_stays_terminated",
	  test_buf_appends_text_and_binary_and_stays_terminated },
	{ "buf_printf_grows_for_long_output", test_buf_printf_grows_for_long_output },
	{ "buf_pct_encodes_every_reserved_byte", test_buf_pct_encodes_every_reserved_byte },
	{ "buf_reserve_keeps_the_bytes_in_place", test_buf_reserve_keeps_the_bytes_in_place },
	{ "buf_param_builds_a_query", test_buf_param_builds_a_query },
	{ NULL, NULL },
};

static const struct po_test text_tests[] = {
	{ "str_appendf_cuts_silently", test_str_appendf_cuts_silently },
	{ "json_escape_control_chars_quotes_and_utf8",
	  test_json_escape_control_chars_quotes_and_utf8 },
	{ "utf8_cut_never_splits_a_sequence", test_utf8_cut_never_splits_a_sequence },
	{ "utf8_copy_cuts_at_a_character", test_utf8_copy_cuts_at_a_character },
	{ NULL, NULL },
};

static const struct po_test time_tests[] = {
	{ "civil_leap_years_and_month_lengths", test_civil_leap_years_and_month_lengths },
	{ "civil_days_both_ways_agree_with_timegm", test_civil_days_both_ways_agree_with_timegm },
	{ "time_scan_reads_fields_and_offsets", test_time_scan_reads_fields_and_offsets },
	{ "time_scan_refuses_impossible_and_malformed",
	  test_time_scan_refuses_impossible_and_malformed },
	{ "time_parse_offset_utc_and_station_local",
	  test_time_parse_offset_utc_and_station_local },
	{ "time_format_utc_ms_and_offset", test_time_format_utc_ms_and_offset },
	{ "time_format_then_parse_round_trips", test_time_format_then_parse_round_trips },
	{ "local_to_utc_plain_gap_and_overlap", test_local_to_utc_plain_gap_and_overlap },
	{ "local_to_utc_half_hour_gap", test_local_to_utc_half_hour_gap },
	{ "local_to_utc_refuses_impossible_fields", test_local_to_utc_refuses_impossible_fields },
	{ NULL, NULL },
};

static const struct po_test file_tests[] = {
	{ "file_replace_writes_mode_and_replaces", test_file_replace_writes_mode_and_replaces },
	{ "file_replace_leaves_no_temp_and_old_file_on_error",
	  test_file_replace_leaves_no_temp_and_old_file_on_error },
	{ "write_all_reports_a_closed_pipe", test_write_all_reports_a_closed_pipe },
	{ NULL, NULL },
};

static const struct po_test media_tests[] = {
	{ "mp3_hdr_parses_the_three_versions", test_mp3_hdr_parses_the_three_versions },
	{ "mp3_hdr_refuses_bad_headers", test_mp3_hdr_refuses_bad_headers },
	{ "mp3_id3v2_len_walks_tags_and_refuses_bad_sizes",
	  test_mp3_id3v2_len_walks_tags_and_refuses_bad_sizes },
	{ "desc_tags_read_plain_and_html", test_desc_tags_read_plain_and_html },
	{ "desc_tags_long_pid_gives_full_length", test_desc_tags_long_pid_gives_full_length },
	{ "desc_tags_hostile_input_stays_linear", test_desc_tags_hostile_input_stays_linear },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "buf", buf_tests, NULL, NULL },
	{ "text", text_tests, NULL, NULL },
	{ "time", time_tests, NULL, NULL },
	{ "file", file_tests, NULL, NULL },
	{ "media", media_tests, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_util", suites);
}
