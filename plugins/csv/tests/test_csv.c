/*
 * Tests for the csv schedule plugin, compiled in (no dlopen) and driven
 * through its descriptor with the fake host. Fixtures: tests/fixtures/csv/;
 * CRLF/BOM files are written to the test's scratch dir.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "fake_host.h"
#include "plugin_conf.h"
#include "runner.h"
#include "timeutil.h"

extern const struct playout_plugin playout_plugin;

#define H (3600 * 1000LL)
#define MAR29 1774742400000LL /* 2026-03-29T00:00:00Z */
#define OCT25 1792886400000LL /* 2026-10-25T00:00:00Z */
#define WIDE_FROM 0
#define WIDE_TO (4102444800000LL) /* 2100 */

struct csv_env {
	struct po_fake_host *fh;
	void *inst;
	struct playout_slots slots;
	struct playout_error err;
};

static int env_open(struct csv_env *e, const char *path)
{
	struct po_test_conf tc = { 0 };
	char text[1024];
	int rc;

	memset(e, 0, sizeof *e);
	e->fh = po_fake_host_new("csv:test", po_test_tmpdir());
	if (!e->fh)
		return PLAYOUT_ENOMEM;
	snprintf(text, sizeof text, "path = \"%s\";", path);
	rc = po_test_plugin_create(&tc, &playout_plugin, text, po_fake_host(e->fh), &e->inst,
				   &e->err);
	po_test_conf_free(&tc);
	return rc;
}

static int env_fetch(struct csv_env *e, int64_t from, int64_t to)
{
	const struct playout_schedule_ops *ops = playout_plugin.ops.schedule;
	free(e->slots.v);
	memset(&e->slots, 0, sizeof e->slots);
	return ops->fetch(e->inst, from, to, &e->slots, &e->err);
}

static void env_close(struct csv_env *e)
{
	if (e->inst)
		playout_plugin.destroy(e->inst);
	free(e->slots.v);
	po_fake_host_free(e->fh);
}

static const struct playout_slot *find_pid(const struct csv_env *e, const char *pid)
{
	for (size_t i = 0; i < e->slots.n; i++)
		if (strcmp(e->slots.v[i].pid, pid) == 0)
			return &e->slots.v[i];
	return NULL;
}

static void fixture(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/csv/%s", PO_FIXTURES, name);
}

static void write_tmp(char *path, size_t n, const char *name, const char *data, size_t len)
{
	snprintf(path, n, "%s/%s", po_test_tmpdir(), name);
	FILE *f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	PO_EXPECT_INT(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void test_descriptor_is_a_schedule_plugin(void)
{
	PO_EXPECT_INT(playout_plugin.abi_major, PLAYOUT_ABI_MAJOR);
	PO_EXPECT_STR(playout_plugin.name, "csv");
	PO_EXPECT_INT(playout_plugin.kind, PLAYOUT_KIND_SCHEDULE);
	PO_EXPECT_STR(playout_plugin.settings[0].name, "path");
	CU_ASSERT_TRUE(playout_plugin.settings[0].required);
}

static void test_create_without_path_is_a_config_error(void)
{
	struct po_fake_host *fh = po_fake_host_new("csv:test", NULL);
	struct playout_error err = { 0 };
	struct po_test_conf tc = { 0 };
	void *inst = NULL;

	PO_EXPECT_INT(po_test_plugin_create(&tc, &playout_plugin, "other = 1;", po_fake_host(fh),
					      &inst, &err), PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "csv needs key 'path'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unknown key 'other' in csv"));
	CU_ASSERT_PTR_NULL(inst);
	po_test_conf_free(&tc);
	po_fake_host_free(fh);
}

static void test_station_format_reads_offsets_z_plus_and_minus(void)
{
	struct csv_env e;
	char path[512];

	fixture(path, sizeof path, "station.csv");
	PO_EXPECT_INT_FATAL(env_open(&e, path), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(env_fetch(&e, WIDE_FROM, WIDE_TO), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 3);
	const struct playout_slot *news = find_pid(&e, "NEWS");
	const struct playout_slot *jazz = find_pid(&e, "jazz_1");
	const struct playout_slot *talk = find_pid(&e, "Talk-2");
	CU_ASSERT_PTR_NOT_NULL_FATAL(news);
	CU_ASSERT_PTR_NOT_NULL_FATAL(jazz);
	CU_ASSERT_PTR_NOT_NULL_FATAL(talk);
	/* Z */
	PO_EXPECT_INT(news->start_ms, MAR29);
	PO_EXPECT_INT(news->end_ms, MAR29 + H);
	PO_EXPECT_INT(news->type, PLAYOUT_SLOT_RECORDED);
	PO_EXPECT_STR(news->expected_file, "20260329_0000_NEWS.mp3");
	/* +01:00 */
	PO_EXPECT_INT(jazz->start_ms, MAR29 + H);
	PO_EXPECT_INT(jazz->end_ms, MAR29 + 2 * H);
	PO_EXPECT_STR(jazz->expected_file, "");
	/* -05:00, the day before locally */
	PO_EXPECT_INT(talk->start_ms, MAR29 + H);
	PO_EXPECT_INT(talk->end_ms, MAR29 + 2 * H + H / 2);
	PO_EXPECT_INT(po_fake_host_log_count(e.fh, PLAYOUT_LOG_WARN), 0);
	env_close(&e);
}

static void test_quoted_titles_keep_commas_quotes_and_newlines(void)
{
	struct csv_env e;
	char path[512];

	fixture(path, sizeof path, "station.csv");
	PO_EXPECT_INT_FATAL(env_open(&e, path), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(env_fetch(&e, WIDE_FROM, WIDE_TO), PLAYOUT_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(find_pid(&e, "NEWS"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(find_pid(&e, "jazz_1"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(find_pid(&e, "Talk-2"));
	PO_EXPECT_STR(find_pid(&e, "NEWS")->title, "News, Weather and Sport");
	PO_EXPECT_STR(find_pid(&e, "jazz_1")->title, "The \"Late\" Show");
	PO_EXPECT_STR(find_pid(&e, "Talk-2")->title, "Line one\nline two");
	env_close(&e);
}

static void test_crlf_and_bom_are_accepted(void)
{
	static const char data[] =
		"\xEF\xBB\xBF"
		"\"2026-03-29T00:00:00Z\",\"2026-03-29T01:00:00Z\",\"ONE\",\"\",\"First\r\nsecond\"\r\n"
		"2026-03-29T01:00:00.500Z,2026-03-29T03:00:00+0100,TWO,,Plain\r\n"
		"\r\n";
	struct csv_env e;
	char path[512];

	write_tmp(path, sizeof path, "crlf.csv", data, sizeof data - 1);
	PO_EXPECT_INT_FATAL(env_open(&e, path), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(env_fetch(&e, WIDE_FROM, WIDE_TO), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(e.slots.n, 2);
	const struct playout_slot *one = find_pid(&e, "ONE");
	const struct playout_slot *two = find_pid(&e, "TWO");
	CU_ASSERT_PTR_NOT_NULL_FATAL(one);
	CU_ASSERT_PTR_NOT_NULL_FATAL(two);
	PO_EXPECT_INT(one->start_ms, MAR29);
	PO_EXPECT_STR(one->title, "First\r\nsecond");
	PO_EXPECT_INT(two->start_ms, MAR29 + H + 500);
	PO_EXPECT_INT(two->end_ms, MAR29 + 2 * H);
	PO_EXPECT_STR(two->title, "Plain");
	env_close(&e);
}

static void test_header_format_converts_local_times_across_dst(void)
{
	struct playout_error err = { 0 };
	struct csv_env e;
	char path[512];

	PO_EXPECT_INT_FATAL(po_tz_set("Europe/London", &err), PLAYOUT_OK);
	fixture(path, sizeof path, "header-dst.csv");
	PO_EXPECT_INT_FATAL(env_open(&e, path), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(env_fetch(&e, WIDE_FROM, WIDE_TO), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 4);
	const struct playout_slot *early = find_pid(&e, "early");
	const struct playout_slot *spring = find_pid(&e, "spring");
	const struct playout_slot *autumn = find_pid(&e, "autumn");
	const struct playout_slot *offset = find_pid(&e, "offset");
	CU_ASSERT_PTR_NOT_NULL_FATAL(early);
	CU_ASSERT_PTR_NOT_NULL_FATAL(spring);
	CU_ASSERT_PTR_NOT_NULL_FATAL(autumn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(offset);
	/* spring: 00:30 GMT, then 02:00 BST = 01:00Z */
	PO_EXPECT_INT(early->start_ms, MAR29 + H / 2);
	PO_EXPECT_INT(early->end_ms, MAR29 + H);
	PO_EXPECT_STR(early->title, "Before the change");
	PO_EXPECT_INT(spring->start_ms, MAR29 + H);
	PO_EXPECT_INT(spring->end_ms, MAR29 + 2 * H);
	/* autumn: 01:30 is repeated; the first occurrence (BST) wins; 02:30 is GMT */
	PO_EXPECT_INT(autumn->start_ms, OCT25 + H / 2);
	PO_EXPECT_INT(autumn->end_ms, OCT25 + 2 * H + H / 2);
	/* an explicit offset picks the second 01:30 */
	PO_EXPECT_INT(offset->start_ms, OCT25 + H + H / 2);
	PO_EXPECT_STR(offset->title, "Second 01:30, by offset");
	env_close(&e);
	po_tz_set("UTC", &err);
}

static void test_header_format_reads_type_live_and_columns_in_any_order(void)
{
	struct playout_error err = { 0 };
	struct csv_env e;
	char path[512];

	PO_EXPECT_INT_FATAL(po_tz_set("Europe/London", &err), PLAYOUT_OK);
	fixture(path, sizeof path, "header-dst.csv");
	PO_EXPECT_INT_FATAL(env_open(&e, path), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(env_fetch(&e, WIDE_FROM, WIDE_TO), PLAYOUT_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(find_pid(&e, "spring"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(find_pid(&e, "early"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(find_pid(&e, "autumn"));
	PO_EXPECT_INT(find_pid(&e, "spring")->type, PLAYOUT_SLOT_LIVE);
	PO_EXPECT_INT(find_pid(&e, "early")->type, PLAYOUT_SLOT_RECORDED);
	PO_EXPECT_INT(find_pid(&e, "autumn")->type, PLAYOUT_SLOT_RECORDED);
	PO_EXPECT_STR(find_pid(&e, "autumn")->expected_file, "autumn.mp3");
	PO_EXPECT_STR(find_pid(&e, "autumn")->title, "Repeated hour");
	env_close(&e);
	po_tz_set("UTC", &err);
}

static void test_header_without_end_column_ends_at_next_start(void)
{
	static const char data[] =
		"title,start,pid\n"
		"B,2026-03-29 02:00,bbb\n"
		"A,2026-03-29 00:00,aaa\n"
		"C,2026-03-29 03:30,ccc\n";
	struct csv_env e;
	char path[512];

	write_tmp(path, sizeof path, "noend.csv", data, sizeof data - 1);
	PO_EXPECT_INT_FATAL(env_open(&e, path), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(env_fetch(&e, WIDE_FROM, WIDE_TO), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(find_pid(&e, "aaa"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(find_pid(&e, "bbb"));
	PO_EXPECT_INT(find_pid(&e, "aaa")->end_ms, MAR29 + 2 * H);
	PO_EXPECT_INT(find_pid(&e, "bbb")->end_ms, MAR29 + 3 * H + H / 2);
	CU_ASSERT_PTR_NULL(find_pid(&e, "ccc"));
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "noend.csv:4: no end time"));
	env_close(&e);
}

static void test_station_row_titled_start_is_not_a_header(void)
{
	static const char data[] = "2026-03-29T00:00Z,2026-03-29T01:00Z,S,,Start\n";
	struct csv_env e;
	char path[512];

	write_tmp(path, sizeof path, "start.csv", data, sizeof data - 1);
	PO_EXPECT_INT_FATAL(env_open(&e, path), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(env_fetch(&e, WIDE_FROM, WIDE_TO), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(e.slots.n, 1);
	PO_EXPECT_STR(e.slots.v[0].title, "Start");
	env_close(&e);
}

static void test_header_without_pid_column_fails_the_file(void)
{
	static const char data[] = "start,end,title\n2026-03-29 00:00,2026-03-29 01:00,x\n";
	struct csv_env e;
	char path[512];

	write_tmp(path, sizeof path, "nopid.csv", data, sizeof data - 1);
	PO_EXPECT_INT_FATAL(env_open(&e, path), PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, WIDE_FROM, WIDE_TO), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "nopid.csv:1:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "pid"));
	PO_EXPECT_INT(e.slots.n, 0);
	env_close(&e);
}

static void test_bad_rows_are_reported_with_their_line_and_skipped(void)
{
	struct csv_env e;
	char path[512];

	fixture(path, sizeof path, "bad-rows/schedule.csv");
	PO_EXPECT_INT_FATAL(env_open(&e, path), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(env_fetch(&e, WIDE_FROM, WIDE_TO), PLAYOUT_OK);
	/* the good rows still count */
	PO_EXPECT_INT(e.slots.n, 4);
	CU_ASSERT_PTR_NOT_NULL(find_pid(&e, "AAA"));
	CU_ASSERT_PTR_NOT_NULL(find_pid(&e, "BBB"));
	CU_ASSERT_PTR_NULL(find_pid(&e, "CCC"));
	CU_ASSERT_PTR_NULL(find_pid(&e, "DDD"));
	CU_ASSERT_PTR_NULL(find_pid(&e, "EEE"));
	/* line 4: the multi-line title on lines 1-2 is counted */
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "schedule.csv:4: end is not after start"));
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "schedule.csv:5: empty pid"));
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "schedule.csv:6: pid has characters"));
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "schedule.csv:7: 4 fields, expected 5"));
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "schedule.csv:8: bad start time"));
	CU_ASSERT_FALSE(po_fake_host_log_contains(e.fh, "schedule.csv:1:"));
	CU_ASSERT_FALSE(po_fake_host_log_contains(e.fh, "schedule.csv:3:"));
	env_close(&e);
}

static void test_bad_file_name_is_cleared_and_long_title_truncated(void)
{
	struct csv_env e;
	char path[512];

	fixture(path, sizeof path, "bad-rows/schedule.csv");
	PO_EXPECT_INT_FATAL(env_open(&e, path), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(env_fetch(&e, WIDE_FROM, WIDE_TO), PLAYOUT_OK);
	const struct playout_slot *fff = find_pid(&e, "FFF");
	const struct playout_slot *ggg = find_pid(&e, "GGG");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fff);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ggg);
	PO_EXPECT_STR(fff->expected_file, "");
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "schedule.csv:9: expected file"));
	PO_EXPECT_INT(strlen(ggg->title), PLAYOUT_TITLE_MAX - 1);
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "schedule.csv:10: title longer"));
	env_close(&e);
}

static void test_title_truncation_keeps_utf8_whole(void)
{
	char data[1024];
	char title[400];
	struct csv_env e;
	char path[512];

	/* "ab" then 2-byte characters: the cut at 255 bytes falls inside one */
	size_t n = 0;
	title[n++] = 'a';
	title[n++] = 'b';
	while (n < 300) {
		title[n++] = '\xC3';
		title[n++] = '\xA9';
	}
	title[n] = '\0';
	int len = snprintf(data, sizeof data, "2026-03-29T00:00Z,2026-03-29T01:00Z,U,,%s\n", title);
	write_tmp(path, sizeof path, "utf8.csv", data, (size_t)len);
	PO_EXPECT_INT_FATAL(env_open(&e, path), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(env_fetch(&e, WIDE_FROM, WIDE_TO), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(e.slots.n, 1);
	PO_EXPECT_INT(strlen(e.slots.v[0].title), 254); /* "ab" + 126 whole characters */
	env_close(&e);
}

static void test_fetch_returns_only_slots_overlapping_the_window(void)
{
	struct csv_env e;
	char path[512];

	fixture(path, sizeof path, "station.csv");
	PO_EXPECT_INT_FATAL(env_open(&e, path), PLAYOUT_OK);
	/* NEWS [0,1h) ends exactly at from: out; jazz [1h,2h) and talk [1h,2.5h) in */
	PO_EXPECT_INT_FATAL(env_fetch(&e, MAR29 + H, MAR29 + 2 * H), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 2);
	CU_ASSERT_PTR_NULL(find_pid(&e, "NEWS"));
	/* to is exclusive: a window ending at 1h holds NEWS only */
	PO_EXPECT_INT_FATAL(env_fetch(&e, MAR29 - H, MAR29 + H), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 1);
	CU_ASSERT_PTR_NOT_NULL(find_pid(&e, "NEWS"));
	/* only talk still runs at 2h15 */
	PO_EXPECT_INT_FATAL(env_fetch(&e, MAR29 + 2 * H + H / 4, MAR29 + 3 * H), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 1);
	CU_ASSERT_PTR_NOT_NULL(find_pid(&e, "Talk-2"));
	env_close(&e);
}

static void test_fetch_rereads_a_changed_file(void)
{
	static const char one[] = "2026-03-29T00:00Z,2026-03-29T01:00Z,FIRST,,\n";
	static const char two[] = "2026-03-29T00:00Z,2026-03-29T01:00Z,SECOND,,\n";
	struct csv_env e;
	char path[512];

	write_tmp(path, sizeof path, "changing.csv", one, sizeof one - 1);
	PO_EXPECT_INT_FATAL(env_open(&e, path), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(env_fetch(&e, WIDE_FROM, WIDE_TO), PLAYOUT_OK);
	CU_ASSERT_PTR_NOT_NULL(find_pid(&e, "FIRST"));
	write_tmp(path, sizeof path, "changing.csv", two, sizeof two - 1);
	PO_EXPECT_INT_FATAL(env_fetch(&e, WIDE_FROM, WIDE_TO), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 1);
	CU_ASSERT_PTR_NOT_NULL(find_pid(&e, "SECOND"));
	env_close(&e);
}

static void test_missing_file_is_unavailable_with_path_and_reason(void)
{
	struct csv_env e;
	char path[512];

	snprintf(path, sizeof path, "%s/does-not-exist.csv", po_test_tmpdir());
	PO_EXPECT_INT_FATAL(env_open(&e, path), PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, WIDE_FROM, WIDE_TO), PLAYOUT_EUNAVAIL);
	PO_EXPECT_INT(e.err.code, PLAYOUT_EUNAVAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "No such file"));
	PO_EXPECT_INT(e.slots.n, 0);
	env_close(&e);
}

static void test_unclosed_quote_skips_the_row_from_its_first_line(void)
{
	static const char data[] =
		"2026-03-29T00:00Z,2026-03-29T01:00Z,OK1,,fine\n"
		"2026-03-29T01:00Z,2026-03-29T02:00Z,OPEN,,\"never closed\n"
		"2026-03-29T02:00Z,2026-03-29T03:00Z,LOST,,swallowed\n";
	struct csv_env e;
	char path[512];

	write_tmp(path, sizeof path, "open.csv", data, sizeof data - 1);
	PO_EXPECT_INT_FATAL(env_open(&e, path), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(env_fetch(&e, WIDE_FROM, WIDE_TO), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 1);
	CU_ASSERT_PTR_NOT_NULL(find_pid(&e, "OK1"));
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "open.csv:2: quoted field not closed"));
	env_close(&e);
}

static void test_impossible_dates_and_offsets_are_bad_rows(void)
{
	static const char data[] =
		"2026-02-29T00:00Z,2026-03-01T01:00Z,FEB,,\n"
		"2026-03-29T24:00Z,2026-03-30T01:00Z,HOUR,,\n"
		"2026-03-29T00:00+25:00,2026-03-29T01:00Z,OFF,,\n"
		"2026-03-29T00:00Zjunk,2026-03-29T01:00Z,TAIL,,\n"
		"2028-02-29T00:00:00Z,2028-02-29T01:00:00Z,LEAP,,\n";
	struct csv_env e;
	char path[512];

	write_tmp(path, sizeof path, "dates.csv", data, sizeof data - 1);
	PO_EXPECT_INT_FATAL(env_open(&e, path), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(env_fetch(&e, WIDE_FROM, WIDE_TO), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(find_pid(&e, "LEAP"));
	PO_EXPECT_INT(find_pid(&e, "LEAP")->start_ms, 1835395200000LL); /* 2028-02-29Z */
	PO_EXPECT_INT(po_fake_host_log_count(e.fh, PLAYOUT_LOG_WARN), 4);
	env_close(&e);
}

static const struct po_test tests[] = {
	{ "descriptor_is_a_schedule_plugin", test_descriptor_is_a_schedule_plugin },
	{ "create_without_path_is_a_config_error", test_create_without_path_is_a_config_error },
	{ "station_format_reads_offsets_z_plus_and_minus", test_station_format_reads_offsets_z_plus_and_minus },
	{ "quoted_titles_keep_commas_quotes_and_newlines", test_quoted_titles_keep_commas_quotes_and_newlines },
	{ "crlf_and_bom_are_accepted", test_crlf_and_bom_are_accepted },
	{ "header_format_converts_local_times_across_dst", test_header_format_converts_local_times_across_dst },
	{ "header_format_reads_type_live_and_columns_in_any_order", test_header_format_reads_type_live_and_columns_in_any_order },
	{ "header_without_end_column_ends_at_next_start", test_header_without_end_column_ends_at_next_start },
	{ "station_row_titled_start_is_not_a_header", test_station_row_titled_start_is_not_a_header },
	{ "header_without_pid_column_fails_the_file", test_header_without_pid_column_fails_the_file },
	{ "bad_rows_are_reported_with_their_line_and_skipped", test_bad_rows_are_reported_with_their_line_and_skipped },
	{ "bad_file_name_is_cleared_and_long_title_truncated", test_bad_file_name_is_cleared_and_long_title_truncated },
	{ "title_truncation_keeps_utf8_whole", test_title_truncation_keeps_utf8_whole },
	{ "fetch_returns_only_slots_overlapping_the_window", test_fetch_returns_only_slots_overlapping_the_window },
	{ "fetch_rereads_a_changed_file", test_fetch_rereads_a_changed_file },
	{ "missing_file_is_unavailable_with_path_and_reason", test_missing_file_is_unavailable_with_path_and_reason },
	{ "unclosed_quote_skips_the_row_from_its_first_line", test_unclosed_quote_skips_the_row_from_its_first_line },
	{ "impossible_dates_and_offsets_are_bad_rows", test_impossible_dates_and_offsets_are_bad_rows },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "csv", tests, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_csv", suites);
}
