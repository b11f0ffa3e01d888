/*
 * Tests for the ical schedule plugin, compiled in (no dlopen) and created
 * through the core's validation with the fake host: the fixtures of
 * tests/fixtures/ical as files, and over real HTTP on loopback from
 * tests/fakes/ical_server.py through the core's HTTP helper (core/http.c).
 * The station zone is Europe/London; the feeds are mostly in Berlin time,
 * so a time read in the wrong zone is an hour off.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libconfig.h>

#include "fake_host.h"
#include "fake_server.h"
#include "plugin_conf.h"
#include "http.h"
#include "runner.h"
#include "timeutil.h"
#include "../ical_tz.h"

extern const struct playout_plugin playout_plugin;

#define SECRET_PATH "calendar/ical/station%%40group.calendar.google.com/private-0123abcdef"

static pid_t srv_pid = -1;
static int srv_port;
static char srv_log[512], srv_dir[512];

/* ---- the calendar server ------------------------------------------------ */

static int test_http(const struct playout_host *h, const struct playout_http_request *req,
		     struct playout_http_response *resp, struct playout_error *err)
{
	(void)h;
	return po_http_exchange(req, NULL, NULL, resp, err);
}

static int srv_start(void)
{
	snprintf(srv_log, sizeof srv_log, "%s/srv.jsonl", po_test_tmpdir());
	snprintf(srv_dir, sizeof srv_dir, "%s/www", po_test_tmpdir());
	if (mkdir(srv_dir, 0755) != 0 || po_http_global_init(NULL) < 0)
		return -1;
	srv_pid = po_fake_server_start(PO_ICAL_SERVER, "srv", &srv_port, "--dir", srv_dir, "--log",
				       srv_log, NULL);
	return srv_pid > 0 ? 0 : -1;
}

static void srv_stop(void)
{
	po_fake_server_stop(&srv_pid);
	po_http_global_cleanup();
}

/* The last request line of the server's log (JSON), or "" */
static void srv_last(char *buf, size_t n)
{
	FILE *f = fopen(srv_log, "r");
	char line[2048];
	buf[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof line, f))
		snprintf(buf, n, "%s", line);
	fclose(f);
}

/* Publish fixture name (NULL: remove) as the server's basic.ics, with an
 * mtime of mtime_s (a new one each time, as an edited calendar has). */
static void publish(const char *name, time_t mtime_s)
{
	char dst[700], src[700], cmd[1600];
	snprintf(dst, sizeof dst, "%s/basic.ics", srv_dir);
	if (!name) {
		unlink(dst);
		return;
	}
	snprintf(src, sizeof src, "%s/ical/%s", PO_FIXTURES, name);
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", src, dst);
	PO_EXPECT_INT_FATAL(system(cmd), 0);
	struct timespec ts[2] = { { mtime_s, 0 }, { mtime_s, 0 } };
	PO_EXPECT_INT(utimensat(AT_FDCWD, dst, ts, 0), 0);
}

/* ---- the plugin under test ------------------------------------------------ */

struct env {
	struct po_fake_host *fh;
	void *inst;
	struct playout_slots slots;
	struct playout_error err;
	int create_rc;
};

static struct po_fake_host *new_host(void)
{
	struct po_fake_host *fh = po_fake_host_new("ical:test", po_test_tmpdir());
	po_fake_host_set_http(fh, test_http);
	po_fake_host_set_timezone(fh, "Europe/London");
	return fh;
}

/* Create on host fh (taken over by e) with the config body text. */
static void env_open_on(struct env *e, struct po_fake_host *fh, const char *text)
{
	struct po_test_conf tc = { 0 };
	memset(e, 0, sizeof *e);
	e->fh = fh;
	e->create_rc = po_test_plugin_create(&tc, &playout_plugin, text, po_fake_host(fh),
					     &e->inst, &e->err);
	po_test_conf_free(&tc);
}

static void env_open(struct env *e, const char *text)
{
	env_open_on(e, new_host(), text);
}

/* A local fixture feed; extra: more config lines. */
static void env_file(struct env *e, const char *name, const char *extra)
{
	char text[1024];
	snprintf(text, sizeof text, "url = \"file:%s/ical/%s\";\n%s", PO_FIXTURES, name, extra);
	env_open(e, text);
}

/* The server's basic.ics behind a secret-looking path. */
static void env_http_on(struct env *e, struct po_fake_host *fh)
{
	char text[1024];
	snprintf(text, sizeof text, "url = \"http://127.0.0.1:%d/" SECRET_PATH "/basic.ics\";\n"
		 "timeout_s = 5;\n", srv_port);
	env_open_on(e, fh, text);
}

static int env_fetch(struct env *e, int64_t from, int64_t to)
{
	free(e->slots.v);
	memset(&e->slots, 0, sizeof e->slots);
	memset(&e->err, 0, sizeof e->err);
	return playout_plugin.ops.schedule->fetch(e->inst, from, to, &e->slots, &e->err);
}

/* Destroy the instance; keep_host: leave e->fh alive and return it. */
static struct po_fake_host *env_close(struct env *e, int keep_host)
{
	struct po_fake_host *fh = e->fh;
	if (e->inst)
		playout_plugin.destroy(e->inst);
	free(e->slots.v);
	if (!keep_host)
		po_fake_host_free(fh);
	memset(e, 0, sizeof *e);
	return keep_host ? fh : NULL;
}

/* UTC ms of a UTC calendar time. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi };
	return (int64_t)timegm(&tm) * 1000;
}

static size_t count_pid(const struct env *e, const char *pid)
{
	size_t n = 0;
	for (size_t i = 0; i < e->slots.n; i++)
		n += strcmp(e->slots.v[i].pid, pid) == 0;
	return n;
}

static const struct playout_slot *find(const struct env *e, const char *pid, int64_t start)
{
	for (size_t i = 0; i < e->slots.n; i++)
		if (strcmp(e->slots.v[i].pid, pid) == 0 && e->slots.v[i].start_ms == start)
			return &e->slots.v[i];
	return NULL;
}

/* Assert a slot of pid from start to end (UTC ms); print what came when not. */
static const struct playout_slot *expect(const struct env *e, const char *pid, int64_t start,
					 int64_t end)
{
	const struct playout_slot *s = find(e, pid, start);
	if (!s || s->end_ms != end) {
		fprintf(stderr, "expected %s at %lld..%lld; got:\n", pid, (long long)start,
			(long long)end);
		for (size_t i = 0; i < e->slots.n; i++)
			fprintf(stderr, "  %s %lld..%lld\n", e->slots.v[i].pid,
				(long long)e->slots.v[i].start_ms, (long long)e->slots.v[i].end_ms);
	}
	CU_ASSERT_PTR_NOT_NULL(s);
	if (s)
		PO_EXPECT_TIME(s->end_ms, end);
	return s;
}

#define HOUR (3600 * 1000LL)

/* ---- feeds as files ---------------------------------------------------------- */

static void test_google_weekly_follows_berlin_across_both_dst_changes(void)
{
	struct env e;
	env_file(&e, "google.ics", "");
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 1, 0, 0), utc(2026, 4, 20, 0, 0)), PLAYOUT_OK);
	/* 10:00 Berlin: 09:00Z in winter, 08:00Z from 29 March */
	expect(&e, "sunday_show", utc(2026, 3, 1, 9, 0), utc(2026, 3, 1, 10, 0));
	expect(&e, "sunday_show", utc(2026, 3, 8, 9, 0), utc(2026, 3, 8, 10, 0));
	expect(&e, "sunday_show", utc(2026, 3, 22, 9, 0), utc(2026, 3, 22, 10, 0));
	expect(&e, "sunday_show", utc(2026, 3, 29, 8, 0), utc(2026, 3, 29, 9, 0));
	expect(&e, "sunday_show", utc(2026, 4, 19, 8, 0), utc(2026, 4, 19, 9, 0));
	/* EXDATE 15 March; 5 April moved to noon (RECURRENCE-ID); 12 April cancelled */
	CU_ASSERT_PTR_NULL(find(&e, "sunday_show", utc(2026, 3, 15, 9, 0)));
	CU_ASSERT_PTR_NULL(find(&e, "sunday_show", utc(2026, 4, 5, 8, 0)));
	const struct playout_slot *moved = expect(&e, "sunday_show", utc(2026, 4, 5, 10, 0),
						  utc(2026, 4, 5, 11, 0));
	if (moved)
		PO_EXPECT_STR(moved->title, "Sunday Morning (Easter: at noon)");
	CU_ASSERT_PTR_NULL(find(&e, "sunday_show", utc(2026, 4, 12, 8, 0)));
	PO_EXPECT_INT(count_pid(&e, "sunday_show"), 6);

	PO_EXPECT_INT(env_fetch(&e, utc(2026, 10, 11, 0, 0), utc(2026, 11, 2, 0, 0)), PLAYOUT_OK);
	expect(&e, "sunday_show", utc(2026, 10, 11, 8, 0), utc(2026, 10, 11, 9, 0));
	expect(&e, "sunday_show", utc(2026, 10, 18, 8, 0), utc(2026, 10, 18, 9, 0));
	expect(&e, "sunday_show", utc(2026, 10, 25, 9, 0), utc(2026, 10, 25, 10, 0));
	expect(&e, "sunday_show", utc(2026, 11, 1, 9, 0), utc(2026, 11, 1, 10, 0));
	PO_EXPECT_INT(e.slots.n, 4);
	env_close(&e, 0);
}

static void test_description_html_gives_pid_type_and_title(void)
{
	struct env e;
	env_file(&e, "google.ics", "");
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 28, 0, 0), utc(2026, 3, 30, 0, 0)), PLAYOUT_OK);
	const struct playout_slot *live = expect(&e, "night_live", utc(2026, 3, 28, 23, 0),
						 utc(2026, 3, 29, 1, 0));
	if (live) {
		PO_EXPECT_INT(live->type, PLAYOUT_SLOT_LIVE);
		PO_EXPECT_STR(live->title, "Clock-change night (live)");
	}
	const struct playout_slot *rec = find(&e, "sunday_show", utc(2026, 3, 29, 8, 0));
	CU_ASSERT_PTR_NOT_NULL(rec);
	if (rec) {
		PO_EXPECT_INT(rec->type, PLAYOUT_SLOT_RECORDED);
		PO_EXPECT_STR(rec->title, "Sunday Morning");
		PO_EXPECT_STR(rec->source, "");
	}
	env_close(&e, 0);
}

static void test_all_day_events_are_ignored_with_one_warning(void)
{
	struct env e;
	env_file(&e, "google.ics", "");
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 1, 0, 0), utc(2026, 11, 1, 0, 0)), PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 1, 0, 0), utc(2026, 11, 1, 0, 0)), PLAYOUT_OK);
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "all-day events are ignored"));
	/* two all-day events, two fetches: one warning; and one for the
	 * meeting without a PID */
	PO_EXPECT_INT(po_fake_host_log_count(e.fh, PLAYOUT_LOG_WARN), 2);
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "nopid-1@google.com: no PID:"));
	for (size_t i = 0; i < e.slots.n; i++)
		CU_ASSERT(e.slots.v[i].end_ms - e.slots.v[i].start_ms <= 2 * HOUR);
	env_close(&e, 0);
}

static void test_nextcloud_exdate_rdate_floating_and_duration(void)
{
	struct env e;
	env_file(&e, "nextcloud.ics", "");
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 16, 0, 0), utc(2026, 4, 1, 0, 0)), PLAYOUT_OK);
	/* Tuesdays 20:00 Berlin */
	expect(&e, "jazz", utc(2026, 3, 17, 19, 0), utc(2026, 3, 17, 20, 0));
	expect(&e, "jazz", utc(2026, 3, 24, 19, 0), utc(2026, 3, 24, 20, 0));
	expect(&e, "jazz", utc(2026, 3, 31, 18, 0), utc(2026, 3, 31, 19, 0));
	/* floating 18:00 is station time (London, GMT in March); DURATION:PT30M */
	expect(&e, "news_local", utc(2026, 3, 28, 18, 0), utc(2026, 3, 28, 18, 30));
	PO_EXPECT_INT(e.slots.n, 4);
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "TYPE is neither RECORDED nor LIVE"));

	PO_EXPECT_INT(env_fetch(&e, utc(2026, 10, 12, 0, 0), utc(2026, 11, 1, 0, 0)), PLAYOUT_OK);
	expect(&e, "jazz", utc(2026, 10, 13, 18, 0), utc(2026, 10, 13, 19, 0));
	CU_ASSERT_PTR_NULL(find(&e, "jazz", utc(2026, 10, 20, 18, 0))); /* EXDATE */
	expect(&e, "jazz", utc(2026, 10, 27, 19, 0), utc(2026, 10, 27, 20, 0));
	expect(&e, "jazz", utc(2026, 10, 28, 19, 0), utc(2026, 10, 28, 20, 0)); /* RDATE */
	PO_EXPECT_INT(e.slots.n, 3);
	env_close(&e, 0);
}

static void test_outlook_windows_zone_names_are_read(void)
{
	struct env e;
	env_file(&e, "outlook.ics", "");
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 28, 0, 0), utc(2026, 4, 2, 0, 0)), PLAYOUT_OK);
	/* daily 07:00 "W. Europe Standard Time" */
	expect(&e, "morning_mix", utc(2026, 3, 28, 6, 0), utc(2026, 3, 28, 8, 0));
	expect(&e, "morning_mix", utc(2026, 3, 29, 5, 0), utc(2026, 3, 29, 7, 0));
	CU_ASSERT_PTR_NULL(find(&e, "morning_mix", utc(2026, 3, 30, 5, 0))); /* EXDATE */
	const struct playout_slot *moved = expect(&e, "morning_mix", utc(2026, 3, 31, 6, 0),
						  utc(2026, 3, 31, 8, 0));
	if (moved)
		PO_EXPECT_INT(moved->type, PLAYOUT_SLOT_LIVE);
	CU_ASSERT_PTR_NULL(find(&e, "morning_mix", utc(2026, 3, 31, 5, 0)));
	expect(&e, "morning_mix", utc(2026, 4, 1, 5, 0), utc(2026, 4, 1, 7, 0));
	/* "GMT Standard Time" without a VTIMEZONE: London, BST on 29 March */
	expect(&e, "london_link", utc(2026, 3, 29, 11, 0), utc(2026, 3, 29, 12, 0));
	PO_EXPECT_INT(count_pid(&e, "mystery"), 0);
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "unknown time zone \"Customized Time Zone 7\""));
	/* UNTIL=20261101T060000Z: 1 November 07:00 CET is the last */
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 10, 31, 0, 0), utc(2026, 11, 4, 0, 0)), PLAYOUT_OK);
	expect(&e, "morning_mix", utc(2026, 10, 31, 6, 0), utc(2026, 10, 31, 8, 0));
	expect(&e, "morning_mix", utc(2026, 11, 1, 6, 0), utc(2026, 11, 1, 8, 0));
	PO_EXPECT_INT(e.slots.n, 2);
	env_close(&e, 0);
}

static void test_windows_names_map_to_iana(void)
{
	PO_EXPECT_STR(ical_tz_windows_to_iana("W. Europe Standard Time"), "Europe/Berlin");
	PO_EXPECT_STR(ical_tz_windows_to_iana("gmt standard time"), "Europe/London");
	PO_EXPECT_STR(ical_tz_windows_to_iana("Eastern Standard Time"), "America/New_York");
	CU_ASSERT_PTR_NULL(ical_tz_windows_to_iana("Europe/Berlin"));
	/* every name in the table is a zone the system knows */
	CU_ASSERT_PTR_NOT_NULL(ical_tz_find(NULL, "AUS Eastern Standard Time"));
	CU_ASSERT_PTR_NOT_NULL(ical_tz_find(NULL, "Argentina Standard Time"));
	CU_ASSERT_PTR_NOT_NULL(ical_tz_find(NULL, "India Standard Time"));
	CU_ASSERT_PTR_NOT_NULL(ical_tz_find(NULL, "FLE Standard Time"));
	CU_ASSERT_PTR_NULL(ical_tz_find(NULL, "../../etc/passwd"));
}

static void test_broken_feed_without_copy_is_an_error(void)
{
	struct env e;
	env_file(&e, "broken.ics", "");
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 16, 0, 0), utc(2026, 4, 1, 0, 0)), PLAYOUT_EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "cut short"));
	PO_EXPECT_INT(e.slots.n, 0);
	/* the same broken text again: the same error */
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 16, 0, 0), utc(2026, 4, 1, 0, 0)), PLAYOUT_EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "cut short"));
	env_close(&e, 0);
}

static void test_feed_over_max_bytes_is_refused(void)
{
	struct env e;
	env_file(&e, "huge.ics", "max_bytes = 65536;\n");
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 4, 1, 0, 0), utc(2026, 5, 1, 0, 0)), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "max_bytes (65536)"));
	env_close(&e, 0);
	env_file(&e, "huge.ics", ""); /* the default, 10 MiB, takes it */
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 4, 1, 0, 0), utc(2026, 5, 1, 0, 0)), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 400);
	env_close(&e, 0);
}

static void test_touched_file_with_the_same_text_is_not_parsed_again(void)
{
	struct env e;
	char src[600], dst[700], cmd[1400];
	snprintf(src, sizeof src, "%s/ical/nextcloud.ics", PO_FIXTURES);
	snprintf(dst, sizeof dst, "%s/same.ics", po_test_tmpdir());
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", src, dst);
	PO_EXPECT_INT_FATAL(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "url = \"file:%s\";", dst);
	env_open(&e, cmd);
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 16, 0, 0), utc(2026, 4, 1, 0, 0)), PLAYOUT_OK);
	CU_ASSERT_FALSE(po_fake_host_log_contains(e.fh, "unchanged"));
	struct timespec ts[2] = { { 1772000000, 0 }, { 1772000000, 0 } };
	PO_EXPECT_INT(utimensat(AT_FDCWD, dst, ts, 0), 0);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 16, 0, 0), utc(2026, 4, 1, 0, 0)), PLAYOUT_OK);
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "unchanged (the same text)"));
	PO_EXPECT_INT(count_pid(&e, "jazz"), 3);
	env_close(&e, 0);
}

/* A feed written to the test's folder. */
static void write_feed(const char *name, const char *events)
{
	char path[700];
	snprintf(path, sizeof path, "%s/%s", po_test_tmpdir(), name);
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n%sEND:VCALENDAR\r\n",
		events);
	fclose(f);
}

static void test_max_occurrences_bounds_the_whole_feed(void)
{
	struct env e;
	char text[1024];
	/* a series that ended years ago costs nothing (its UNTIL says so);
	 * without COUNT a walk starts near the window: 26 years back cost 3
	 * steps; with COUNT it starts at DTSTART, and 50 steps end in February;
	 * then the budget is spent: the last series keeps only its DTSTART */
	write_feed("count.ics", "BEGIN:VEVENT\r\nUID:c0\r\nDTSTART;TZID=Europe/London:"
		   "20000101T090000\r\nDTEND;TZID=Europe/London:20000101T100000\r\n"
		   "RRULE:FREQ=DAILY;UNTIL=20101231T090000Z\r\n"
		   "DESCRIPTION:PID:ended\r\nEND:VEVENT\r\n"
		   "BEGIN:VEVENT\r\nUID:c2\r\nDTSTART:20000101T120000Z\r\n"
		   "DTEND:20000101T130000Z\r\nRRULE:FREQ=DAILY\r\n"
		   "DESCRIPTION:PID:old_daily\r\nEND:VEVENT\r\n"
		   "BEGIN:VEVENT\r\nUID:c1\r\nDTSTART:20260101T100000Z\r\n"
		   "DTEND:20260101T110000Z\r\nRRULE:FREQ=DAILY;COUNT=100000\r\n"
		   "DESCRIPTION:PID:daily\r\nEND:VEVENT\r\n"
		   "BEGIN:VEVENT\r\nUID:c3\r\nDTSTART:20260302T150000Z\r\n"
		   "DTEND:20260302T160000Z\r\nRRULE:FREQ=HOURLY\r\n"
		   "DESCRIPTION:PID:hourly\r\nEND:VEVENT\r\n");
	snprintf(text, sizeof text, "url = \"file:%s/count.ics\"; max_occurrences = 50;",
		 po_test_tmpdir());
	env_open(&e, text);
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 1, 0, 0), utc(2026, 3, 3, 0, 0)), PLAYOUT_OK);
	PO_EXPECT_INT(count_pid(&e, "old_daily"), 2);
	expect(&e, "old_daily", utc(2026, 3, 2, 12, 0), utc(2026, 3, 2, 13, 0));
	PO_EXPECT_INT(count_pid(&e, "daily"), 0);
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "event c1: the feed's recurrences make more "
						 "than 50 occurrences"));
	PO_EXPECT_INT(count_pid(&e, "hourly"), 1);
	CU_ASSERT_FALSE(po_fake_host_log_contains(e.fh, "event c3"));
	env_close(&e, 0);
}


static void test_spring_gap_moves_forward_and_autumn_hour_takes_the_first(void)
{
	struct env e;
	char text[1024];
	/* 02:30 Berlin does not exist on 29 March and happens twice on 25
	 * October: as the core reads station time (doc/design.md §5), the gap
	 * moves forward by an hour (03:30 CEST, 01:30Z) and the repeated hour is
	 * its first time (CEST, 00:30Z); in the feed's zone and in a Windows one */
	write_feed("gap.ics", "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:DAYLIGHT\r\n"
		   "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nDTSTART:19700329T020000\r\n"
		   "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\n"
		   "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nDTSTART:19701025T030000\r\n"
		   "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
		   "BEGIN:VEVENT\r\nUID:g1\r\nDTSTART;TZID=Europe/Berlin:20260327T023000\r\n"
		   "DTEND;TZID=Europe/Berlin:20260327T030000\r\nRRULE:FREQ=DAILY;COUNT=3\r\n"
		   "DESCRIPTION:PID:night\r\nEND:VEVENT\r\n"
		   "BEGIN:VEVENT\r\nUID:g2\r\nDTSTART;TZID=W. Europe Standard Time:20261024T023000\r\n"
		   "DTEND;TZID=W. Europe Standard Time:20261024T030000\r\nRRULE:FREQ=DAILY;COUNT=3\r\n"
		   "DESCRIPTION:PID:night\r\nEND:VEVENT\r\n");
	snprintf(text, sizeof text, "url = \"file:%s/gap.ics\";", po_test_tmpdir());
	env_open(&e, text);
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 26, 0, 0), utc(2026, 3, 31, 0, 0)), PLAYOUT_OK);
	expect(&e, "night", utc(2026, 3, 27, 1, 30), utc(2026, 3, 27, 2, 0));
	expect(&e, "night", utc(2026, 3, 28, 1, 30), utc(2026, 3, 28, 2, 0));
	expect(&e, "night", utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 2, 0));
	PO_EXPECT_INT(e.slots.n, 3);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 10, 23, 0, 0), utc(2026, 10, 28, 0, 0)), PLAYOUT_OK);
	expect(&e, "night", utc(2026, 10, 24, 0, 30), utc(2026, 10, 24, 1, 0));
	expect(&e, "night", utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 0));
	expect(&e, "night", utc(2026, 10, 26, 1, 30), utc(2026, 10, 26, 2, 0));
	PO_EXPECT_INT(e.slots.n, 3);
	env_close(&e, 0);
}

/* ---- over HTTP --------------------------------------------------------------- */

static void test_unchanged_feed_is_not_downloaded_again(void)
{
	struct env e;
	char last[2048];
	publish("google.ics", 1772000000);
	env_http_on(&e, new_host());
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 1, 0, 0), utc(2026, 4, 20, 0, 0)), PLAYOUT_OK);
	PO_EXPECT_INT(count_pid(&e, "sunday_show"), 6);
	srv_last(last, sizeof last);
	CU_ASSERT_PTR_NOT_NULL(strstr(last, "\"if_none_match\": null"));
	CU_ASSERT_PTR_NOT_NULL(strstr(last, "\"status\": 200"));

	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 1, 0, 0), utc(2026, 4, 20, 0, 0)), PLAYOUT_OK);
	PO_EXPECT_INT(count_pid(&e, "sunday_show"), 6);
	srv_last(last, sizeof last);
	CU_ASSERT_PTR_NOT_NULL(strstr(last, "\"if_none_match\": \"\\\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(last, "\"if_modified_since\": \"")); /* both sent */
	CU_ASSERT_PTR_NOT_NULL(strstr(last, "\"status\": 304"));
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "unchanged (HTTP 304)"));

	publish("nextcloud.ics", 1772000600); /* edited: a full answer */
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 16, 0, 0), utc(2026, 4, 1, 0, 0)), PLAYOUT_OK);
	srv_last(last, sizeof last);
	CU_ASSERT_PTR_NOT_NULL(strstr(last, "\"status\": 200"));
	PO_EXPECT_INT(count_pid(&e, "jazz"), 3);
	PO_EXPECT_INT(count_pid(&e, "sunday_show"), 0);
	CU_ASSERT_FALSE(po_fake_host_log_contains(e.fh, "private-0123abcdef"));
	env_close(&e, 0);
}

static void test_outage_and_broken_feed_plan_from_the_last_good_copy(void)
{
	struct env e;
	publish("google.ics", 1772001000);
	env_http_on(&e, new_host());
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 1, 0, 0), utc(2026, 4, 20, 0, 0)), PLAYOUT_OK);
	PO_EXPECT_INT(count_pid(&e, "sunday_show"), 6);

	publish(NULL, 0); /* the secret address was reset: 404 */
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 10, 11, 0, 0), utc(2026, 11, 2, 0, 0)), PLAYOUT_OK);
	PO_EXPECT_INT(count_pid(&e, "sunday_show"), 4); /* a new window from the copy */
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "HTTP 404"));
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "planning from the last good copy"));
	size_t warns = po_fake_host_log_count(e.fh, PLAYOUT_LOG_WARN);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 10, 11, 0, 0), utc(2026, 11, 2, 0, 0)), PLAYOUT_OK);
	PO_EXPECT_INT(po_fake_host_log_count(e.fh, PLAYOUT_LOG_WARN), warns); /* said once */

	publish("broken.ics", 1772002000); /* cut short: never replaces the copy */
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 10, 11, 0, 0), utc(2026, 11, 2, 0, 0)), PLAYOUT_OK);
	PO_EXPECT_INT(count_pid(&e, "sunday_show"), 4);
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "cut short"));

	publish("google.ics", 1772003000);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 10, 11, 0, 0), utc(2026, 11, 2, 0, 0)), PLAYOUT_OK);
	CU_ASSERT_TRUE(po_fake_host_log_contains(e.fh, "usable again"));
	CU_ASSERT_FALSE(po_fake_host_log_contains(e.fh, "private-0123abcdef"));
	env_close(&e, 0);
}

static void test_copy_survives_a_restart(void)
{
	struct env e;
	char last[2048];
	publish("outlook.ics", 1772004000);
	env_http_on(&e, new_host());
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 28, 0, 0), utc(2026, 4, 2, 0, 0)), PLAYOUT_OK);
	size_t n = e.slots.n;
	CU_ASSERT(n > 0);
	struct po_fake_host *fh = env_close(&e, 1); /* the kv state stays, as sqlite's does */

	env_http_on(&e, fh);
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 28, 0, 0), utc(2026, 4, 2, 0, 0)), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, n);
	srv_last(last, sizeof last); /* the kept validators were sent */
	CU_ASSERT_PTR_NOT_NULL(strstr(last, "\"status\": 304"));
	fh = env_close(&e, 1);

	publish(NULL, 0);
	env_http_on(&e, fh);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 28, 0, 0), utc(2026, 4, 2, 0, 0)), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, n);
	env_close(&e, 0);
}

static void test_unreachable_feed_without_copy_reports_the_error(void)
{
	struct env e;
	publish(NULL, 0);
	env_http_on(&e, new_host());
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 1, 0, 0), utc(2026, 4, 1, 0, 0)), PLAYOUT_ENOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "HTTP 404"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "http://127.0.0.1"));
	CU_ASSERT_PTR_NULL(strstr(e.err.msg, "private-0123abcdef"));
	env_close(&e, 0);

	publish("huge.ics", 1772005000);
	char text[512];
	snprintf(text, sizeof text, "url = \"http://127.0.0.1:%d/" SECRET_PATH "/basic.ics\";"
		 "max_bytes = 65536;", srv_port);
	env_open(&e, text);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 4, 1, 0, 0), utc(2026, 5, 1, 0, 0)), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "more than max_bytes"));
	env_close(&e, 0);
}

static void test_address_rules(void)
{
	struct env e;
	char path[700], text[1024];

	env_open(&e, "url = \"http://calendar.example.org/secret/basic.ics\";");
	PO_EXPECT_INT(e.create_rc, PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "only to this machine"));
	CU_ASSERT_PTR_NULL(strstr(e.err.msg, "secret/basic"));
	env_close(&e, 0);
	env_open(&e, "url = \"ftp://calendar.example.org/basic.ics\";");
	PO_EXPECT_INT(e.create_rc, PLAYOUT_ECONFIG);
	env_close(&e, 0);
	env_open(&e, "url = \"webcal://p01-calendars.icloud.com/published/2/abc\";");
	PO_EXPECT_INT(e.create_rc, PLAYOUT_OK);
	env_close(&e, 0);
	env_open(&e, "url = \"https://user:pw@calendar.example.org/x.ics\";");
	PO_EXPECT_INT(e.create_rc, PLAYOUT_OK);
	env_close(&e, 0);
	env_open(&e, "url = \"https://calendar.example.org/x.ics\"; timeout_s = 0;");
	PO_EXPECT_INT(e.create_rc, PLAYOUT_ECONFIG); /* the core's range check */
	env_close(&e, 0);

	/* file: naming a file that holds the address (a secret reference) */
	publish("nextcloud.ics", 1772006000);
	snprintf(path, sizeof path, "%s/url.txt", po_test_tmpdir());
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "http://127.0.0.1:%d/" SECRET_PATH "/basic.ics\n", srv_port);
	fclose(f);
	snprintf(text, sizeof text, "url = \"file:%s\";", path);
	env_open(&e, text);
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, utc(2026, 3, 16, 0, 0), utc(2026, 4, 1, 0, 0)), PLAYOUT_OK);
	PO_EXPECT_INT(count_pid(&e, "jazz"), 3);
	env_close(&e, 0);
}

static const struct po_test file_tests[] = {
	{ "test_google_weekly_follows_berlin_across_both_dst_changes",
	  test_google_weekly_follows_berlin_across_both_dst_changes },
	{ "test_description_html_gives_pid_type_and_title",
	  test_description_html_gives_pid_type_and_title },
	{ "test_all_day_events_are_ignored_with_one_warning",
	  test_all_day_events_are_ignored_with_one_warning },
	{ "test_nextcloud_exdate_rdate_floating_and_duration",
	  test_nextcloud_exdate_rdate_floating_and_duration },
	{ "test_outlook_windows_zone_names_are_read", test_outlook_windows_zone_names_are_read },
	{ "test_windows_names_map_to_iana", test_windows_names_map_to_iana },
	{ "test_broken_feed_without_copy_is_an_error", test_broken_feed_without_copy_is_an_error },
	{ "test_feed_over_max_bytes_is_refused", test_feed_over_max_bytes_is_refused },
	{ "test_touched_file_with_the_same_text_is_not_parsed_again",
	  test_touched_file_with_the_same_text_is_not_parsed_again },
	{ "test_max_occurrences_bounds_the_whole_feed", test_max_occurrences_bounds_the_whole_feed },
	{ "test_spring_gap_moves_forward_and_autumn_hour_takes_the_first",
	  test_spring_gap_moves_forward_and_autumn_hour_takes_the_first },
	{ NULL, NULL },
};

static const struct po_test http_tests[] = {
	{ "test_unchanged_feed_is_not_downloaded_again",
	  test_unchanged_feed_is_not_downloaded_again },
	{ "test_outage_and_broken_feed_plan_from_the_last_good_copy",
	  test_outage_and_broken_feed_plan_from_the_last_good_copy },
	{ "test_copy_survives_a_restart", test_copy_survives_a_restart },
	{ "test_unreachable_feed_without_copy_reports_the_error",
	  test_unreachable_feed_without_copy_reports_the_error },
	{ "test_address_rules", test_address_rules },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "ical_file", file_tests, NULL, NULL },
	{ "ical_http", http_tests, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	if (po_tz_set("Europe/London", NULL) != 0) {
		printf("RESULT ical: 0 passed, 1 failed (no Europe/London zone)\n");
		return 1;
	}
	if (srv_start() != 0) {
		srv_stop();
		printf("RESULT ical: 0 passed, 1 failed (ical_server.py did not start)\n");
		return 1;
	}
	int rc = po_test_run("ical", suites);
	srv_stop();
	return rc;
}
