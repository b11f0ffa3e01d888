/*
 * Tests for core/state.c: schema and migrations, every table's round trip,
 * readers beside a writer, the daemon lock and crash consistency, and two
 * threads sharing one handle.
 */
#include "runner.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "mp3_store.h"
#include "state.h"

/* ---- helpers ---------------------------------------------------------- */

/* A fresh database path per call: "<tmpdir>/NAME.db". */
static const char *db_path(const char *name)
{
	static char path[4][512];
	static int next;
	char *p = path[next++ % 4];
	snprintf(p, sizeof path[0], "%s/%s.db", po_test_tmpdir(), name);
	return p;
}

static struct po_state *open_ok(const char *path, int mode)
{
	struct po_state *st = NULL;
	struct playout_error err = {0, ""};
	int rc = po_state_open(path, mode, &st, &err);
	if (rc != PLAYOUT_OK)
		fprintf(stderr, "open %s: %d %s\n", path, rc, err.msg);
	PO_EXPECT_INT_FATAL(rc, PLAYOUT_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	return st;
}

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
	PO_EXPECT_INT_FATAL(rc, SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void raw_text(sqlite3 *db, const char *sql, char *buf, size_t cap)
{
	sqlite3_stmt *s = NULL;
	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
}

static struct playout_slot mkslot(int64_t start, int64_t end, const char *pid)
{
	struct playout_slot s;
	memset(&s, 0, sizeof s);
	s.start_ms = start;
	s.end_ms = end;
	s.type = PLAYOUT_SLOT_RECORDED;
	snprintf(s.pid, sizeof s.pid, "%s", pid);
	snprintf(s.title, sizeof s.title, "Title of %s", pid);
	snprintf(s.expected_file, sizeof s.expected_file, "%s.mp3", pid);
	return s;
}

static struct playout_item mkitem(int64_t start, int64_t end, const char *pid)
{
	struct playout_item it;
	memset(&it, 0, sizeof it);
	it.start_ms = start;
	it.end_ms = end;
	it.decision = PLAYOUT_DECISION_EXACT;
	snprintf(it.pid, sizeof it.pid, "%s", pid);
	snprintf(it.title, sizeof it.title, "Item %s", pid);
	snprintf(it.source, sizeof it.source, "csv:main");
	snprintf(it.reason, sizeof it.reason, "file for %s", pid);
	it.nseg = 1;
	snprintf(it.seg[0].asset, sizeof it.seg[0].asset, "%s.mp3", pid);
	return it;
}

static struct po_play mkplay(const char *output, const char *pid, int64_t scheduled)
{
	struct po_play p;
	memset(&p, 0, sizeof p);
	snprintf(p.output, sizeof p.output, "%s", output);
	snprintf(p.pid, sizeof p.pid, "%s", pid);
	snprintf(p.title, sizeof p.title, "Show %s", pid);
	snprintf(p.asset, sizeof p.asset, "20260329_0100_%s.mp3", pid);
	p.decision = PLAYOUT_DECISION_FALLBACK;
	p.scheduled_ms = scheduled;
	p.started_us = scheduled * 1000 + 1234;
	p.start_error_us = 1234;
	return p;
}

/* ---- schema ----------------------------------------------------------- */

static void test_open_creates_schema_in_wal_and_reports_version(void)
{
	const char *path = db_path("schema");
	struct po_state *st = open_ok(path, PO_STATE_WRITER);
	PO_EXPECT_INT(po_state_schema_version(st), po_state_schema_latest());
	PO_EXPECT_STR(po_state_errmsg(st), "");

	sqlite3 *db = raw_open(path);
	char mode[16];
	raw_text(db, "PRAGMA journal_mode", mode, sizeof mode);
	PO_EXPECT_STR(mode, "wal");
	PO_EXPECT_INT(raw_int(db, "PRAGMA user_version"), po_state_schema_latest());
	PO_EXPECT_INT(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND"
				    " name IN ('kv', 'slots', 'slot_sources', 'assets', 'rundown',"
				    " 'plays')"), 6);
	PO_EXPECT_INT(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND"
				    " name IN ('plays_by_scheduled', 'rundown_by_start',"
				    " 'slots_by_source_start')"), 3);
	sqlite3_close(db);
	po_state_close(st);
}

static void test_reopen_keeps_data_and_version(void)
{
	const char *path = db_path("reopen");
	struct po_state *st = open_ok(path, PO_STATE_WRITER);
	PO_EXPECT_INT(po_state_kv_put(st, "core", "token", "abc"), PLAYOUT_OK);
	po_state_close(st);

	st = open_ok(path, PO_STATE_WRITER);
	PO_EXPECT_INT(po_state_schema_version(st), po_state_schema_latest());
	char *v = NULL;
	PO_EXPECT_INT(po_state_kv_get(st, "core", "token", &v), PLAYOUT_OK);
	PO_EXPECT_STR(v, "abc");
	free(v);
	po_state_close(st);
}

static void test_newer_schema_version_is_refused(void)
{
	const char *path = db_path("newer");
	po_state_close(open_ok(path, PO_STATE_WRITER));
	sqlite3 *db = raw_open(path);
	PO_EXPECT_INT(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	static const int modes[] = {PO_STATE_WRITER, PO_STATE_READONLY, PO_STATE_DAEMON};
	for (size_t i = 0; i < 3; i++) {
		struct po_state *st = NULL;
		struct playout_error err = {0, ""};
		int rc = po_state_open(path, modes[i], &st, &err);
		PO_EXPECT_INT(rc, PLAYOUT_EINVAL);
		PO_EXPECT_INT(err.code, PLAYOUT_EINVAL);
		CU_ASSERT_PTR_NULL(st);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, path));
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "99"));
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "newer"));
	}
	/* and the refused database was left alone */
	db = raw_open(path);
	PO_EXPECT_INT(raw_int(db, "PRAGMA user_version"), 99);
	sqlite3_close(db);
}

static void test_writer_in_missing_directory_fails_clearly(void)
{
	char path[600];
	snprintf(path, sizeof path, "%s/no-such-dir/state.db", po_test_tmpdir());
	struct po_state *st = NULL;
	struct playout_error err = {0, ""};
	PO_EXPECT_INT(po_state_open(path, PO_STATE_DAEMON, &st, &err), PLAYOUT_EIO);
	CU_ASSERT_PTR_NULL(st);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no-such-dir"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "No such file or directory"));
	struct stat sb;
	PO_EXPECT_INT(stat(path, &sb), -1);
}

static void test_readonly_on_missing_file_fails_clearly(void)
{
	const char *path = db_path("never-created");
	struct po_state *st = NULL;
	struct playout_error err = {0, ""};
	PO_EXPECT_INT(po_state_open(path, PO_STATE_READONLY, &st, &err), PLAYOUT_ENOTFOUND);
	CU_ASSERT_PTR_NULL(st);
	char want[700];
	snprintf(want, sizeof want, "no state yet at %s: has playoutd run?", path);
	PO_EXPECT_STR(err.msg, want);
	struct stat sb;
	PO_EXPECT_INT(stat(path, &sb), -1); /* and it did not create it */
}

static void test_readonly_handle_refuses_writes(void)
{
	const char *path = db_path("ro-writes");
	po_state_close(open_ok(path, PO_STATE_WRITER));
	struct po_state *ro = open_ok(path, PO_STATE_READONLY);
	PO_EXPECT_INT(po_state_schema_version(ro), po_state_schema_latest());
	PO_EXPECT_INT(po_state_kv_put(ro, "core", "k", "v"), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(po_state_errmsg(ro), "read-only"));
	char *v = NULL;
	PO_EXPECT_INT(po_state_kv_get(ro, "core", "k", &v), PLAYOUT_ENOTFOUND);
	CU_ASSERT_PTR_NULL(v);
	po_state_close(ro);
}

/* ---- kv --------------------------------------------------------------- */

static void test_kv_round_trip_and_overwrite(void)
{
	struct po_state *st = open_ok(db_path("kv"), PO_STATE_WRITER);
	char *v = NULL;
	PO_EXPECT_INT(po_state_kv_put(st, "gcal:main", "sync_token", "first"), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_kv_get(st, "gcal:main", "sync_token", &v), PLAYOUT_OK);
	PO_EXPECT_STR(v, "first");
	free(v);
	PO_EXPECT_INT(po_state_kv_put(st, "gcal:main", "sync_token", "second 'quoted'; --"), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_kv_get(st, "gcal:main", "sync_token", &v), PLAYOUT_OK);
	PO_EXPECT_STR(v, "second 'quoted'; --");
	free(v);
	PO_EXPECT_INT(po_state_kv_put(st, "gcal:main", "empty", ""), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_kv_get(st, "gcal:main", "empty", &v), PLAYOUT_OK);
	PO_EXPECT_STR(v, "");
	free(v);
	po_state_close(st);
}

static void test_kv_namespaces_are_separate(void)
{
	struct po_state *st = open_ok(db_path("kv-ns"), PO_STATE_WRITER);
	PO_EXPECT_INT(po_state_kv_put(st, "gcal:a", "token", "for a"), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_kv_put(st, "gcal:b", "token", "for b"), PLAYOUT_OK);
	char *v = NULL;
	PO_EXPECT_INT(po_state_kv_get(st, "gcal:a", "token", &v), PLAYOUT_OK);
	PO_EXPECT_STR(v, "for a");
	free(v);
	PO_EXPECT_INT(po_state_kv_get(st, "gcal:b", "token", &v), PLAYOUT_OK);
	PO_EXPECT_STR(v, "for b");
	free(v);
	v = NULL;
	PO_EXPECT_INT(po_state_kv_get(st, "core", "token", &v), PLAYOUT_ENOTFOUND);
	CU_ASSERT_PTR_NULL(v);
	po_state_close(st);
}

static void test_kv_get_missing_key_is_enotfound(void)
{
	struct po_state *st = open_ok(db_path("kv-missing"), PO_STATE_WRITER);
	char *v = (char *)"untouched";
	PO_EXPECT_INT(po_state_kv_get(st, "core", "nothing", &v), PLAYOUT_ENOTFOUND);
	CU_ASSERT_PTR_NULL(v);
	/* a not-found read leaves the handle usable */
	PO_EXPECT_INT(po_state_kv_put(st, "core", "nothing", "now"), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_kv_get(st, "core", "nothing", &v), PLAYOUT_OK);
	PO_EXPECT_STR(v, "now");
	free(v);
	po_state_close(st);
}

/* ---- slots ------------------------------------------------------------ */

static void test_slots_get_by_window_and_source(void)
{
	struct po_state *st = open_ok(db_path("slots"), PO_STATE_WRITER);
	struct playout_slot a[3] = {mkslot(1000, 2000, "a1"), mkslot(2000, 3000, "a2"),
				    mkslot(3000, 4000, "a3")};
	a[1].type = PLAYOUT_SLOT_LIVE;
	struct playout_slot b[1] = {mkslot(1500, 2500, "b1")};
	PO_EXPECT_INT(po_state_put_slots(st, "csv:a", 0, 10000, 111, a, 3), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_put_slots(st, "gcal:b", 0, 10000, 222, b, 1), PLAYOUT_OK);

	struct playout_slots out = {0};
	/* [1999, 3000) overlaps a1 (ends 2000), a2 and b1; not a3 (starts 3000) */
	PO_EXPECT_INT(po_state_get_slots(st, NULL, 1999, 3000, &out), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(out.n, 3);
	PO_EXPECT_STR(out.v[0].pid, "a1");
	PO_EXPECT_STR(out.v[0].source, "csv:a");
	PO_EXPECT_STR(out.v[1].pid, "b1");
	PO_EXPECT_STR(out.v[1].source, "gcal:b");
	PO_EXPECT_STR(out.v[2].pid, "a2");
	PO_EXPECT_INT(out.v[2].type, PLAYOUT_SLOT_LIVE);
	PO_EXPECT_INT(out.v[2].start_ms, 2000);
	PO_EXPECT_INT(out.v[2].end_ms, 3000);
	PO_EXPECT_STR(out.v[2].title, "Title of a2");
	PO_EXPECT_STR(out.v[2].expected_file, "a2.mp3");

	/* per source, appended after what is already there */
	PO_EXPECT_INT(po_state_get_slots(st, "csv:a", 0, 10000, &out), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(out.n, 6);
	PO_EXPECT_STR(out.v[3].pid, "a1");
	PO_EXPECT_STR(out.v[5].pid, "a3");
	free(out.v);
	po_state_close(st);
}

static void test_put_slots_replaces_only_that_sources_window(void)
{
	struct po_state *st = open_ok(db_path("slots-replace"), PO_STATE_WRITER);
	struct playout_slot a[3] = {mkslot(1000, 2000, "old1"), mkslot(5000, 6000, "old2"),
				    mkslot(9000, 9500, "old3")};
	struct playout_slot b[1] = {mkslot(5000, 6000, "other")};
	PO_EXPECT_INT(po_state_put_slots(st, "csv:a", 0, 10000, 1, a, 3), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_put_slots(st, "csv:b", 0, 10000, 1, b, 1), PLAYOUT_OK);

	/* a new answer of csv:a for [4000, 8000) */
	struct playout_slot n[2] = {mkslot(4000, 5000, "new1"), mkslot(7000, 8000, "new2")};
	PO_EXPECT_INT(po_state_put_slots(st, "csv:a", 4000, 8000, 2, n, 2), PLAYOUT_OK);

	struct playout_slots out = {0};
	PO_EXPECT_INT(po_state_get_slots(st, "csv:a", 0, 10000, &out), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(out.n, 4);
	PO_EXPECT_STR(out.v[0].pid, "old1");
	PO_EXPECT_STR(out.v[1].pid, "new1");
	PO_EXPECT_STR(out.v[2].pid, "new2");
	PO_EXPECT_STR(out.v[3].pid, "old3");
	out.n = 0;
	PO_EXPECT_INT(po_state_get_slots(st, "csv:b", 0, 10000, &out), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(out.n, 1);
	PO_EXPECT_STR(out.v[0].pid, "other");

	/* an empty answer empties the window */
	PO_EXPECT_INT(po_state_put_slots(st, "csv:a", 0, 10000, 3, NULL, 0), PLAYOUT_OK);
	out.n = 0;
	PO_EXPECT_INT(po_state_get_slots(st, "csv:a", 0, 10000, &out), PLAYOUT_OK);
	PO_EXPECT_INT(out.n, 0);
	free(out.v);
	po_state_close(st);
}

static void test_slots_fetched_ms_tracks_each_source(void)
{
	struct po_state *st = open_ok(db_path("slots-fetched"), PO_STATE_WRITER);
	PO_EXPECT_INT(po_state_slots_fetched_ms(st, "csv:a"), 0);
	struct playout_slot a = mkslot(1000, 2000, "x");
	PO_EXPECT_INT(po_state_put_slots(st, "csv:a", 0, 5000, 1700000000123LL, &a, 1), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_put_slots(st, "csv:b", 0, 5000, 42, NULL, 0), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_slots_fetched_ms(st, "csv:a"), 1700000000123LL);
	PO_EXPECT_INT(po_state_slots_fetched_ms(st, "csv:b"), 42);
	PO_EXPECT_INT(po_state_put_slots(st, "csv:a", 0, 5000, 1700000099999LL, &a, 1), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_slots_fetched_ms(st, "csv:a"), 1700000099999LL);
	PO_EXPECT_INT(po_state_slots_fetched_ms(st, "csv:b"), 42);
	po_state_close(st);
}

/* ---- assets ----------------------------------------------------------- */

static void test_put_assets_replaces_whole_listing(void)
{
	struct po_state *st = open_ok(db_path("assets"), PO_STATE_WRITER);
	struct playout_asset a[2];
	memset(a, 0, sizeof a);
	snprintf(a[0].name, sizeof a[0].name, "20260329_0100_abc.mp3");
	a[0].size = 57600000;
	a[0].mtime_ms = 1774700000000LL;
	snprintf(a[0].etag, sizeof a[0].etag, "\"9b2cf535f27731c974343645a3985328\"");
	a[0].start_ms = 1774746000000LL;
	a[0].start_alt_ms = 1774749600000LL;
	snprintf(a[0].pid, sizeof a[0].pid, "abc");
	a[0].duration_ms = 3600000;
	a[0].nframes = 137812;
	a[0].sample_rate = 44100;
	a[0].samples_per_frame = 1152;
	snprintf(a[1].name, sizeof a[1].name, "zzz.mp3");
	a[1].size = 1;
	PO_EXPECT_INT(po_state_put_assets(st, a, 2), PLAYOUT_OK);

	struct playout_assets out = {0};
	PO_EXPECT_INT(po_state_get_assets(st, &out), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(out.n, 2);
	PO_EXPECT_INT(memcmp(&out.v[0], &a[0], sizeof a[0]), 0);
	PO_EXPECT_INT(memcmp(&out.v[1], &a[1], sizeof a[1]), 0);

	/* a new listing without zzz.mp3 and with a new file replaces the old */
	struct playout_asset b[2];
	b[0] = a[0];
	b[0].duration_ms = 0;
	memset(&b[1], 0, sizeof b[1]);
	snprintf(b[1].name, sizeof b[1].name, "20260330_0100_abc.mp3");
	PO_EXPECT_INT(po_state_put_assets(st, b, 2), PLAYOUT_OK);
	out.n = 0;
	PO_EXPECT_INT(po_state_get_assets(st, &out), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(out.n, 2);
	PO_EXPECT_STR(out.v[0].name, "20260329_0100_abc.mp3");
	PO_EXPECT_INT(out.v[0].duration_ms, 0);
	PO_EXPECT_STR(out.v[1].name, "20260330_0100_abc.mp3");

	PO_EXPECT_INT(po_state_put_assets(st, NULL, 0), PLAYOUT_OK);
	out.n = 0;
	PO_EXPECT_INT(po_state_get_assets(st, &out), PLAYOUT_OK);
	PO_EXPECT_INT(out.n, 0);
	free(out.v);
	po_state_close(st);
}

/* ---- rundown ---------------------------------------------------------- */

static void test_rundown_round_trips_every_field_with_four_awkward_segments(void)
{
	struct po_state *st = open_ok(db_path("rundown"), PO_STATE_WRITER);
	struct playout_item it[2];
	memset(it, 0, sizeof it);
	it[0].start_ms = 1774746000000LL;
	it[0].end_ms = 1774749525000LL;
	it[0].decision = PLAYOUT_DECISION_JOINED;
	snprintf(it[0].pid, sizeof it[0].pid, "Ab|C;d");
	snprintf(it[0].title, sizeof it[0].title, "Bob's \"Late\" Show | Ünïcødé ♫ 日本語");
	snprintf(it[0].source, sizeof it[0].source, "csv:main");
	snprintf(it[0].reason, sizeof it[0].reason, "joined: a; b | c");
	it[0].cap_s = 3525;
	it[0].nseg = 4;
	static const char *names[4] = {
		"20260329_0100_a|b.mp3",
		"semi;colon,comma:colon 'single' \"double\".mp3",
		"12,34,5:trap;x.mp3",
		"Ünïcødé ♫ 日本語 ~!@#$%^&*()_+{}[]<>?/\\=`.mp3",
	};
	for (int i = 0; i < 4; i++) {
		snprintf(it[0].seg[i].asset, sizeof it[0].seg[i].asset, "%s", names[i]);
		it[0].seg[i].first_frame = (uint32_t)(i * 1000);
		it[0].seg[i].nframes = i == 3 ? 0 : 76563u + (uint32_t)i;
	}
	it[0].seg[2].first_frame = UINT32_MAX;
	/* a missing item: no segments */
	it[1].start_ms = it[0].end_ms;
	it[1].end_ms = it[1].start_ms + 1800000;
	it[1].decision = PLAYOUT_DECISION_MISSING;
	snprintf(it[1].pid, sizeof it[1].pid, "gone");
	snprintf(it[1].reason, sizeof it[1].reason, "no file and no earlier edition");

	PO_EXPECT_INT(po_state_put_rundown(st, 1774700000000LL, 0, it, 2), PLAYOUT_OK);
	struct playout_item *v = NULL;
	size_t n = 0;
	PO_EXPECT_INT(po_state_get_rundown(st, 0, INT64_MAX, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 2);
	PO_EXPECT_INT(memcmp(&v[0], &it[0], sizeof it[0]), 0);
	PO_EXPECT_INT(memcmp(&v[1], &it[1], sizeof it[1]), 0);
	PO_EXPECT_INT(v[0].nseg, 4);
	PO_EXPECT_STR(v[0].seg[2].asset, "12,34,5:trap;x.mp3");
	PO_EXPECT_INT(v[0].seg[2].first_frame, UINT32_MAX);
	PO_EXPECT_INT(v[1].nseg, 0);
	free(v);

	/* five segments do not fit the item and are refused, nothing written */
	struct playout_item bad = it[0];
	bad.nseg = 5;
	PO_EXPECT_INT(po_state_put_rundown(st, 1, 0, &bad, 1), PLAYOUT_EINVAL);
	PO_EXPECT_INT(po_state_get_rundown(st, 0, INT64_MAX, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT(n, 2);
	free(v);
	po_state_close(st);
}

static void test_get_rundown_rejects_malformed_segment_text(void)
{
	const char *path = db_path("rundown-bad");
	struct po_state *st = open_ok(path, PO_STATE_WRITER);
	struct playout_item it = mkitem(1000, 2000, "x");
	PO_EXPECT_INT(po_state_put_rundown(st, 1, 0, &it, 1), PLAYOUT_OK);
	sqlite3 *db = raw_open(path);
	/* the length says 9 bytes but only 5 follow before the end */
	PO_EXPECT_INT(sqlite3_exec(db, "UPDATE rundown SET segments = '0,0,9:x.mp3;'", NULL,
				     NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	struct playout_item *v = (struct playout_item *)&it;
	size_t n = 7;
	PO_EXPECT_INT(po_state_get_rundown(st, 0, 5000, &v, &n), PLAYOUT_EPROTO);
	CU_ASSERT_PTR_NULL(v);
	PO_EXPECT_INT(n, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(po_state_errmsg(st), "malformed segments"));
	po_state_close(st);
}

static void test_put_rundown_replaces_only_items_ending_after_from(void)
{
	struct po_state *st = open_ok(db_path("rundown-replace"), PO_STATE_WRITER);
	struct playout_item first[3] = {mkitem(0, 1000, "past"), mkitem(1000, 2000, "now"),
					mkitem(2000, 3000, "next")};
	PO_EXPECT_INT(po_state_put_rundown(st, 10, 0, first, 3), PLAYOUT_OK);

	/* replan from 1500: "past" ends before and stays; "now" ends after and
	 * is replaced; the plan's own copy of "past" is not stored twice */
	struct playout_item second[3] = {mkitem(0, 1000, "past"), mkitem(1000, 2000, "now2"),
					 mkitem(2000, 3600, "next2")};
	PO_EXPECT_INT(po_state_put_rundown(st, 20, 1500, second, 3), PLAYOUT_OK);

	struct playout_item *v = NULL;
	size_t n = 0;
	PO_EXPECT_INT(po_state_get_rundown(st, 0, 10000, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 3);
	PO_EXPECT_STR(v[0].pid, "past");
	PO_EXPECT_STR(v[1].pid, "now2");
	PO_EXPECT_STR(v[2].pid, "next2");
	PO_EXPECT_INT(v[2].end_ms, 3600);
	free(v);

	/* the window selects overlapping items only */
	PO_EXPECT_INT(po_state_get_rundown(st, 1000, 2000, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 1);
	PO_EXPECT_STR(v[0].pid, "now2");
	free(v);
	PO_EXPECT_INT(po_state_get_rundown(st, 5000, 6000, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT(n, 0);
	CU_ASSERT_PTR_NULL(v);
	po_state_close(st);
}

/* ---- plays ------------------------------------------------------------ */

static void test_plays_begin_end_and_get_in_scheduled_order(void)
{
	struct po_state *st = open_ok(db_path("plays"), PO_STATE_WRITER);
	struct po_play late = mkplay("icecast:main", "late", 7200000);
	struct po_play early = mkplay("icecast:main", "early", 3600000);
	struct po_play other = mkplay("icecast:backup", "early", 3600000);
	PO_EXPECT_INT(po_state_play_begin(st, &late), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_play_begin(st, &early), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_play_begin(st, &other), PLAYOUT_OK);
	CU_ASSERT(late.id > 0);
	CU_ASSERT(early.id != late.id);
	CU_ASSERT(other.id != early.id);
	PO_EXPECT_STR(early.outcome, "playing");

	early.ended_ms = 5400000;
	early.bytes = 57600000;
	early.start_error_us = -250;
	snprintf(early.outcome, sizeof early.outcome, "capped");
	snprintf(early.detail, sizeof early.detail, "cap 1792 s; 'faded'");
	PO_EXPECT_INT(po_state_play_end(st, &early), PLAYOUT_OK);

	struct po_play *v = NULL;
	size_t n = 0;
	PO_EXPECT_INT(po_state_get_plays(st, 0, 86400000, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 3);
	PO_EXPECT_INT(memcmp(&v[0], &early, sizeof early), 0);
	PO_EXPECT_INT(v[0].start_error_us, -250);
	PO_EXPECT_STR(v[0].outcome, "capped");
	PO_EXPECT_INT(v[1].id, other.id);
	PO_EXPECT_STR(v[1].output, "icecast:backup");
	PO_EXPECT_STR(v[1].outcome, "playing");
	PO_EXPECT_INT(v[1].ended_ms, 0);
	PO_EXPECT_INT(memcmp(&v[2], &late, sizeof late), 0);
	free(v);

	/* [from, to) on scheduled_ms */
	PO_EXPECT_INT(po_state_get_plays(st, 3600001, 7200000, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT(n, 0);
	free(v);
	PO_EXPECT_INT(po_state_get_plays(st, 7200000, 7200001, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 1);
	PO_EXPECT_STR(v[0].pid, "late");
	free(v);
	po_state_close(st);
}

static void test_play_end_of_unknown_id_is_enotfound(void)
{
	struct po_state *st = open_ok(db_path("plays-unknown"), PO_STATE_WRITER);
	struct po_play p = mkplay("file:test", "x", 1000);
	p.id = 4242;
	PO_EXPECT_INT(po_state_play_end(st, &p), PLAYOUT_ENOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(po_state_errmsg(st), "4242"));
	po_state_close(st);
}

static void test_close_open_plays_marks_only_playing_as_interrupted(void)
{
	struct po_state *st = open_ok(db_path("plays-close"), PO_STATE_WRITER);
	struct po_play done = mkplay("icecast:main", "done", 1000);
	struct po_play open1 = mkplay("icecast:main", "open1", 2000);
	struct po_play open2 = mkplay("icecast:backup", "open2", 2000);
	PO_EXPECT_INT(po_state_play_begin(st, &done), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_play_begin(st, &open1), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_play_begin(st, &open2), PLAYOUT_OK);
	done.ended_ms = 1500;
	snprintf(done.outcome, sizeof done.outcome, "complete");
	PO_EXPECT_INT(po_state_play_end(st, &done), PLAYOUT_OK);

	PO_EXPECT_INT(po_state_close_open_plays(st, 99999), PLAYOUT_OK);
	struct po_play *v = NULL;
	size_t n = 0;
	PO_EXPECT_INT(po_state_get_plays(st, 0, 10000, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 3);
	PO_EXPECT_STR(v[0].outcome, "complete");
	PO_EXPECT_INT(v[0].ended_ms, 1500);
	PO_EXPECT_STR(v[1].outcome, "interrupted");
	PO_EXPECT_INT(v[1].ended_ms, 99999);
	PO_EXPECT_STR(v[2].outcome, "interrupted");
	PO_EXPECT_INT(v[2].ended_ms, 99999);
	free(v);
	po_state_close(st);
}

/* An Icecast restart mid-item: the outage is stored with its start, length
 * and the audio skipped, the play's total follows its gaps, and the play's
 * own fields round-trip. */
static void test_play_gaps_record_each_outage_and_add_up_the_loss(void)
{
	struct po_state *st = open_ok(db_path("plays-gaps"), PO_STATE_WRITER);
	struct po_play p = mkplay("icecast:main", "gappy", 60000);
	struct po_play other = mkplay("icecast:backup", "gappy", 60000);
	PO_EXPECT_INT(po_state_play_begin(st, &p), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_play_begin(st, &other), PLAYOUT_OK);
	struct po_play_gap g = {p.id, 70000, 5200, 4700, 20500, "Icecast closed the connection"};
	PO_EXPECT_INT(po_state_play_gap(st, &g), PLAYOUT_OK);
	struct po_play_gap g2 = {p.id, 90000, 1100, 1000, -3000, "write failed"};
	PO_EXPECT_INT(po_state_play_gap(st, &g2), PLAYOUT_OK);
	struct po_play_gap bad = {4242, 1, 1, 1, 0, "x"};
	PO_EXPECT_INT(po_state_play_gap(st, &bad), PLAYOUT_ENOTFOUND);

	struct po_play *v = NULL;
	size_t n = 0;
	PO_EXPECT_INT(po_state_get_plays(st, 0, 100000, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 2);
	PO_EXPECT_INT(v[0].lost_ms, 5700); /* the END has not come yet */
	PO_EXPECT_INT(v[0].ngaps, 2);
	PO_EXPECT_INT(v[1].lost_ms, 0);
	PO_EXPECT_INT(v[1].ngaps, 0);
	free(v);

	struct po_play_gap *gv = NULL;
	PO_EXPECT_INT(po_state_get_play_gaps(st, p.id, &gv, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 2);
	PO_EXPECT_INT(memcmp(&gv[0], &g, sizeof g), 0);
	PO_EXPECT_INT(gv[1].resume_delay_us, -3000);
	PO_EXPECT_STR(gv[1].reason, "write failed");
	free(gv);
	PO_EXPECT_INT(po_state_get_play_gaps(st, other.id, &gv, &n), PLAYOUT_OK);
	PO_EXPECT_INT(n, 0);
	free(gv);

	p.ended_ms = 120000;
	p.bytes = 864000;
	p.lost_ms = 5700;
	p.join_ms = 2500;
	p.join_delay_us = 1800;
	p.sent_ms = 119500;
	snprintf(p.outcome, sizeof p.outcome, "partial");
	PO_EXPECT_INT(po_state_play_end(st, &p), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_get_plays(st, 0, 100000, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 2);
	p.ngaps = 2;
	PO_EXPECT_INT(memcmp(&v[0], &p, sizeof p), 0);
	free(v);
	po_state_close(st);
}

/* Progress reports make the bytes durable while the play runs; after a
 * crash the open play ends when its bytes were last brought up to date. */
static void test_progress_keeps_bytes_and_a_crash_ends_at_the_last_progress(void)
{
	struct po_state *st = open_ok(db_path("plays-progress"), PO_STATE_WRITER);
	struct po_play p = mkplay("icecast:main", "crashy", 60000);
	struct po_play quiet = mkplay("icecast:main", "quiet", 70000);
	PO_EXPECT_INT(po_state_play_begin(st, &p), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_play_begin(st, &quiet), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_play_progress(st, p.id, 16000, 61000), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_play_progress(st, p.id, 490000, 90600), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_play_progress(st, 4242, 1, 1), PLAYOUT_ENOTFOUND);

	struct po_play *v = NULL;
	size_t n = 0;
	PO_EXPECT_INT(po_state_get_plays(st, 0, 100000, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 2);
	PO_EXPECT_INT(v[0].bytes, 490000);
	PO_EXPECT_INT(v[0].sent_ms, 90600);
	PO_EXPECT_STR(v[0].outcome, "playing");
	free(v);

	PO_EXPECT_INT(po_state_close_open_plays(st, 123456), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_get_plays(st, 0, 100000, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 2);
	PO_EXPECT_STR(v[0].outcome, "interrupted");
	PO_EXPECT_INT(v[0].ended_ms, 90600);
	PO_EXPECT_INT(v[0].bytes, 490000);
	PO_EXPECT_STR(v[1].outcome, "interrupted");
	PO_EXPECT_INT(v[1].ended_ms, 123456); /* never reported progress */
	free(v);
	po_state_close(st);
}

/* ---- concurrency, locking, crashes ------------------------------------ */

static void test_readonly_reads_committed_data_while_writer_holds_write_transaction(void)
{
	const char *path = db_path("ro-beside-writer");
	struct po_state *w = open_ok(path, PO_STATE_WRITER);
	PO_EXPECT_INT(po_state_kv_put(w, "core", "k", "committed"), PLAYOUT_OK);
	struct po_play p = mkplay("icecast:main", "x", 1000);
	PO_EXPECT_INT(po_state_play_begin(w, &p), PLAYOUT_OK);
	struct po_state *r = open_ok(path, PO_STATE_READONLY);

	/* a second writer connection takes the write lock and changes things */
	sqlite3 *db = raw_open(path);
	PO_EXPECT_INT_FATAL(sqlite3_exec(db,
					   "BEGIN IMMEDIATE;"
					   "UPDATE kv SET value = 'dirty' WHERE key = 'k';"
					   "INSERT INTO kv VALUES('core', 'k2', 'uncommitted', 0);"
					   "UPDATE plays SET outcome = 'complete';",
					   NULL, NULL, NULL), SQLITE_OK);
	CU_ASSERT_FALSE(sqlite3_get_autocommit(db)); /* still inside the transaction */

	char *v = NULL;
	PO_EXPECT_INT(po_state_kv_get(r, "core", "k", &v), PLAYOUT_OK);
	PO_EXPECT_STR(v, "committed");
	free(v);
	v = NULL;
	PO_EXPECT_INT(po_state_kv_get(r, "core", "k2", &v), PLAYOUT_ENOTFOUND);
	struct po_play *pv = NULL;
	size_t n = 0;
	PO_EXPECT_INT(po_state_get_plays(r, 0, 5000, &pv, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 1);
	PO_EXPECT_STR(pv[0].outcome, "playing");
	free(pv);
	/* the daemon's own handle can read too */
	PO_EXPECT_INT(po_state_kv_get(w, "core", "k", &v), PLAYOUT_OK);
	PO_EXPECT_STR(v, "committed");
	free(v);

	PO_EXPECT_INT(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	PO_EXPECT_INT(po_state_kv_get(r, "core", "k", &v), PLAYOUT_OK);
	PO_EXPECT_STR(v, "dirty");
	free(v);
	sqlite3_close(db);
	po_state_close(r);
	po_state_close(w);
}

struct child_report {
	int rc;
	long file_pid; /* the pid written in the lock file */
	char msg[256];
};

/* The pid a lock file names. Only the child reads it: closing any descriptor
 * of a file drops every fcntl lock the process holds on it. */
static long lock_file_pid(const char *lpath)
{
	char buf[64] = "";
	FILE *f = fopen(lpath, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof buf, f))
		buf[0] = '\0';
	fclose(f);
	return atol(buf);
}

static void test_second_daemon_open_fails_with_holder_pid(void)
{
	const char *path = db_path("daemon-lock");
	struct po_state *d = open_ok(path, PO_STATE_DAEMON);

	char lpath[600];
	snprintf(lpath, sizeof lpath, "%s.lock", path);
	struct stat sb;
	PO_EXPECT_INT(stat(lpath, &sb), 0);
	PO_EXPECT_INT(sb.st_mode & 0777 & ~0640, 0);

	for (int round = 0; round < 2; round++) {
		int fds[2];
		PO_EXPECT_INT_FATAL(pipe(fds), 0);
		fflush(NULL);
		pid_t pid = fork();
		CU_ASSERT_FATAL(pid >= 0);
		if (pid == 0) {
			struct child_report rep;
			memset(&rep, 0, sizeof rep);
			struct playout_error err = {0, ""};
			struct po_state *st = NULL;
			close(fds[0]);
			rep.rc = po_state_open(path, PO_STATE_DAEMON, &st, &err);
			rep.file_pid = lock_file_pid(lpath);
			snprintf(rep.msg, sizeof rep.msg, "%s", err.msg);
			if (write(fds[1], &rep, sizeof rep) != (ssize_t)sizeof rep)
				_exit(3);
			_exit(st ? 0 : 1);
		}
		close(fds[1]);
		struct child_report rep;
		memset(&rep, 0, sizeof rep);
		ssize_t got = read(fds[0], &rep, sizeof rep);
		close(fds[0]);
		int status = 0;
		PO_EXPECT_INT(waitpid(pid, &status, 0), pid);
		PO_EXPECT_INT_FATAL(got, (ssize_t)sizeof rep);
		if (round == 0) {
			char want[700];
			snprintf(want, sizeof want,
				 "state %s is in use by another playoutd (pid %ld)", path,
				 (long)getpid());
			PO_EXPECT_INT(rep.file_pid, (long)getpid());
			PO_EXPECT_INT(rep.rc, PLAYOUT_EUNAVAIL);
			PO_EXPECT_STR(rep.msg, want);
			CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 1);
			/* the holder is unaffected */
			PO_EXPECT_INT(po_state_kv_put(d, "core", "still", "ours"), PLAYOUT_OK);
			po_state_close(d); /* releases the lock for round 1 */
		} else {
			PO_EXPECT_INT(rep.rc, PLAYOUT_OK);
			PO_EXPECT_INT(rep.file_pid, (long)pid); /* the child wrote its own */
			CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		}
	}
}

/* Child of the crash test: a committed play, then an uncommitted transaction
 * big enough to spill pages into the WAL, then death without COMMIT. */
static void crash_child(const char *path)
{
	struct po_state *st = NULL;
	struct playout_error err = {0, ""};
	if (po_state_open(path, PO_STATE_DAEMON, &st, &err) != PLAYOUT_OK)
		_exit(10);
	struct po_play p = mkplay("icecast:main", "committed", 1000);
	if (po_state_play_begin(st, &p) != PLAYOUT_OK)
		_exit(11);
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		_exit(12);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db,
			 "PRAGMA cache_size = 2;"
			 "BEGIN IMMEDIATE;"
			 "INSERT INTO plays(output, pid, title, asset, decision, scheduled_ms,"
			 " started_us, start_error_us, ended_ms, bytes, outcome, detail)"
			 " VALUES('icecast:main', 'uncommitted', 't', 'a', 0, 2000, 0, 0, 0, 0,"
			 " 'playing', '');"
			 "UPDATE plays SET outcome = 'complete' WHERE pid = 'committed';"
			 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
			 " WHERE i < 400)"
			 " INSERT INTO plays(output, pid, title, asset, decision, scheduled_ms,"
			 " started_us, start_error_us, ended_ms, bytes, outcome, detail)"
			 " SELECT 'filler', 'filler', 't', 'a', 0, 3000 + i, 0, 0, 0, 0,"
			 " 'playing', zeroblob(2000) FROM n;",
			 NULL, NULL, NULL) != SQLITE_OK)
		_exit(13);
	_exit(0); /* no COMMIT, no close: as if killed */
}

static void test_crash_mid_transaction_leaves_db_consistent(void)
{
	const char *path = db_path("crash");
	po_state_close(open_ok(path, PO_STATE_WRITER));
	fflush(NULL);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0)
		crash_child(path);
	int status = 0;
	PO_EXPECT_INT(waitpid(pid, &status, 0), pid);
	CU_ASSERT_FATAL(WIFEXITED(status));
	PO_EXPECT_INT_FATAL(WEXITSTATUS(status), 0);

	/* the dead child's lock is gone; the uncommitted pages are in the WAL */
	char wal[600];
	snprintf(wal, sizeof wal, "%s-wal", path);
	struct stat sb;
	PO_EXPECT_INT(stat(wal, &sb), 0);
	CU_ASSERT(sb.st_size > 100000);
	struct po_state *st = open_ok(path, PO_STATE_DAEMON);
	sqlite3 *db = raw_open(path);
	char ok[64];
	raw_text(db, "PRAGMA integrity_check", ok, sizeof ok);
	PO_EXPECT_STR(ok, "ok");
	PO_EXPECT_INT(raw_int(db, "SELECT count(*) FROM plays WHERE pid = 'uncommitted'"), 0);
	PO_EXPECT_INT(raw_int(db, "SELECT count(*) FROM plays WHERE pid = 'filler'"), 0);
	sqlite3_close(db);

	struct po_play *v = NULL;
	size_t n = 0;
	PO_EXPECT_INT(po_state_get_plays(st, 0, INT64_MAX, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 1);
	PO_EXPECT_STR(v[0].pid, "committed");
	PO_EXPECT_STR(v[0].outcome, "playing");
	free(v);
	/* and start-up closes the play the crash left open */
	PO_EXPECT_INT(po_state_close_open_plays(st, 5000), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_get_plays(st, 0, INT64_MAX, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 1);
	PO_EXPECT_STR(v[0].outcome, "interrupted");
	PO_EXPECT_INT(v[0].ended_ms, 5000);
	free(v);
	po_state_close(st);
}

/* ---- schema v3: the frame index ----------------------------------------- */

static int table_exists(sqlite3 *db, const char *name)
{
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'", name);
	return raw_int(db, sql) == 1;
}

/* Turn a fresh database back into what an older build left: the later
 * migrations only add tables, so dropping them gives that version's schema. */
static void make_old_file(const char *path, int version)
{
	struct po_state *st = open_ok(path, PO_STATE_WRITER);
	PO_EXPECT_INT(po_state_kv_put(st, "core", "token", "kept"), PLAYOUT_OK);
	if (version >= 2)
		PO_EXPECT_INT(po_state_media_put(st, "/c/a.mp3", 10, 20, "summary"), PLAYOUT_OK);
	po_state_close(st);
	sqlite3 *db = raw_open(path);
	char sql[200];
	/* v4 added columns to plays as well: drop them too; v5 the alarms */
	PO_EXPECT_INT(sqlite3_exec(db,
				     "DROP TABLE alarms; DROP TABLE alert_sends;"
				     " DROP TABLE play_gaps; DROP TABLE output_status;"
				     " ALTER TABLE plays DROP COLUMN join_ms;"
				     " ALTER TABLE plays DROP COLUMN join_delay_us;"
				     " ALTER TABLE plays DROP COLUMN lost_ms;"
				     " ALTER TABLE plays DROP COLUMN sent_ms;",
				     NULL, NULL, NULL), SQLITE_OK);
	snprintf(sql, sizeof sql, "%s%s PRAGMA user_version = %d;",
		 version < 3 ? "DROP TABLE media_index;" : "",
		 version < 2 ? " DROP TABLE media;" : "", version);
	PO_EXPECT_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	PO_EXPECT_INT(table_exists(db, "media_index"), version >= 3);
	CU_ASSERT_FALSE(table_exists(db, "play_gaps"));
	sqlite3_close(db);
}

static void test_v3_v2_and_v1_files_migrate_to_v4_keeping_their_rows(void)
{
	PO_EXPECT_INT(po_state_schema_latest(), 5);
	for (int from = 1; from <= 3; from++) {
		static const char *const names[] = {"", "from-v1", "from-v2", "from-v3"};
		const char *path = db_path(names[from]);
		make_old_file(path, from);
		/* playoutctl does not migrate: it asks for the daemon */
		struct po_state *ro = NULL;
		struct playout_error err = {0, ""};
		PO_EXPECT_INT(po_state_open(path, PO_STATE_READONLY, &ro, &err), PLAYOUT_EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "older"));

		struct po_state *st = open_ok(path, PO_STATE_DAEMON);
		PO_EXPECT_INT(po_state_schema_version(st), 5);
		char *v = NULL;
		PO_EXPECT_INT(po_state_kv_get(st, "core", "token", &v), PLAYOUT_OK);
		PO_EXPECT_STR(v ? v : "", "kept");
		free(v);
		v = NULL;
		PO_EXPECT_INT(po_state_media_get(st, "/c/a.mp3", 10, 20, &v),
				from >= 2 ? PLAYOUT_OK : PLAYOUT_ENOTFOUND);
		free(v);
		PO_EXPECT_INT(po_state_media_index_put(st, "/c/a.mp3", 10, 20, "\0\1\2", 3), PLAYOUT_OK);
		po_state_close(st);
		sqlite3 *db = raw_open(path);
		PO_EXPECT_INT(raw_int(db, "PRAGMA user_version"), 5);
		CU_ASSERT(table_exists(db, "play_gaps"));
		CU_ASSERT(table_exists(db, "media"));
		CU_ASSERT(table_exists(db, "media_index"));
		PO_EXPECT_INT(raw_int(db, "SELECT length(blob) FROM media_index"), 3);
		sqlite3_close(db);
	}
}

/* A version 3 history: a normal play and a rejoin after a crash whose
 * "start error" was its position in the item. After the migration the
 * rejoin says where it joined, so the history keeps it out of the
 * start-error figures; nothing else changes. */
static void test_v3_plays_migrate_with_joins_out_of_the_start_error(void)
{
	const char *path = db_path("plays-from-v3");
	make_old_file(path, 3);
	sqlite3 *db = raw_open(path);
	PO_EXPECT_INT(sqlite3_exec(db,
				     "INSERT INTO plays(output, pid, title, asset, decision,"
				     " scheduled_ms, started_us, start_error_us, ended_ms, bytes,"
				     " outcome, detail) VALUES"
				     " ('icecast:main', 'a', 'A', 'a.mp3', 1, 1000, 1000900, 900,"
				     "  61000, 960000, 'complete', ''),"
				     " ('icecast:main', 'b', 'B', 'b.mp3', 1, 61000, 94157000,"
				     "  33157000, 121000, 420000, 'complete', 'joined at +00:33'),"
				     " ('icecast:main', 'c', 'C', 'c.mp3', 1, 121000, 0, 0, 0, 0,"
				     "  'playing', 'joined at +12:07; 1 reconnect');",
				     NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	struct po_state *st = open_ok(path, PO_STATE_DAEMON);
	struct po_play *v = NULL;
	size_t n = 0;
	PO_EXPECT_INT(po_state_get_plays(st, 0, 1000000, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 3);
	PO_EXPECT_INT(v[0].join_ms, 0);
	PO_EXPECT_INT(v[0].start_error_us, 900);
	PO_EXPECT_INT(v[0].bytes, 960000);
	PO_EXPECT_INT(v[1].join_ms, 33000);
	PO_EXPECT_INT(v[1].join_delay_us, 0);
	PO_EXPECT_INT(v[2].join_ms, 12 * 60000 + 7000);
	for (size_t i = 0; i < n; i++) {
		PO_EXPECT_INT(v[i].lost_ms, 0);
		PO_EXPECT_INT(v[i].sent_ms, 0);
		PO_EXPECT_INT(v[i].ngaps, 0);
	}
	PO_EXPECT_STR(v[1].detail, "joined at +00:33");
	free(v);
	po_state_close(st);
}

static void test_media_index_blob_round_trips_byte_exact_keyed_by_size_and_mtime(void)
{
	const char *path = db_path("media-index");
	struct po_state *st = open_ok(path, PO_STATE_WRITER);
	unsigned char blob[1000];
	for (size_t i = 0; i < sizeof blob; i++)
		blob[i] = (unsigned char)(i * 7); /* NUL bytes and all */
	void *got = NULL;
	size_t len = 99;
	PO_EXPECT_INT(po_state_media_index_get(st, "/c/x.mp3", 1, 2, &got, &len), PLAYOUT_ENOTFOUND);
	CU_ASSERT_PTR_NULL(got);
	PO_EXPECT_INT(len, 0);
	PO_EXPECT_INT(po_state_media_index_put(st, "/c/x.mp3", 1, 2, blob, sizeof blob), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_media_index_get(st, "/c/x.mp3", 1, 2, &got, &len), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(len, sizeof blob);
	PO_EXPECT_INT(memcmp(got, blob, len), 0);
	free(got);
	got = NULL;
	PO_EXPECT_INT(po_state_media_index_get(st, "/c/x.mp3", 1, 3, &got, &len), PLAYOUT_ENOTFOUND);
	PO_EXPECT_INT(po_state_media_index_get(st, "/c/x.mp3", 2, 2, &got, &len), PLAYOUT_ENOTFOUND);
	/* the file changed: the new key replaces the row */
	PO_EXPECT_INT(po_state_media_index_put(st, "/c/x.mp3", 5, 6, blob, 10), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_media_index_get(st, "/c/x.mp3", 1, 2, &got, &len), PLAYOUT_ENOTFOUND);
	PO_EXPECT_INT(po_state_media_index_get(st, "/c/x.mp3", 5, 6, &got, &len), PLAYOUT_OK);
	PO_EXPECT_INT(len, 10);
	free(got);
	/* a media_put of the same path leaves the index alone */
	PO_EXPECT_INT(po_state_media_put(st, "/c/x.mp3", 5, 6, "summary"), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_media_index_get(st, "/c/x.mp3", 5, 6, &got, &len), PLAYOUT_OK);
	free(got);
	po_state_close(st);

	struct po_state *ro = open_ok(path, PO_STATE_READONLY);
	CU_ASSERT(po_state_readonly(ro));
	PO_EXPECT_INT(po_state_media_index_put(ro, "/c/y.mp3", 1, 2, blob, 4), PLAYOUT_EINVAL);
	PO_EXPECT_INT(po_state_media_index_get(ro, "/c/x.mp3", 5, 6, &got, &len), PLAYOUT_OK);
	free(got);
	po_state_close(ro);
}

/* A small real-looking index: 50 frames of 418 bytes after a 1000-byte tag. */
static struct po_mp3_index *small_index(void)
{
	struct po_mp3_index *ix = calloc(1, sizeof *ix);
	CU_ASSERT_FATAL(ix != NULL);
	ix->refs = 1;
	ix->version = 10;
	ix->layer = 3;
	ix->sample_rate = 44100;
	ix->channels = 1;
	ix->samples_per_frame = 1152;
	ix->bitrate_kbps = 128;
	ix->nframes = 50;
	ix->frames = calloc(50, sizeof *ix->frames);
	CU_ASSERT_FATAL(ix->frames != NULL);
	for (uint32_t i = 0; i < 50; i++) {
		ix->frames[i].offset = 1000 + i * 418;
		ix->frames[i].len = 418;
	}
	ix->file_size = 1000 + 50 * 418;
	ix->file_mtime_ms = 1774746000123;
	ix->id3v2_bytes = 1000;
	ix->enc_delay = ix->enc_padding = -1;
	ix->duration_ms = 50 * 1152 * 1000 / 44100;
	ix->gapless_ms = ix->duration_ms;
	return ix;
}

static void test_corrupted_stored_index_is_refused_not_trusted(void)
{
	const char *path = db_path("corrupt-index");
	struct po_state *st = open_ok(path, PO_STATE_WRITER);
	struct po_mp3_index *ix = small_index(), *back = NULL;
	struct playout_error err = {0, ""};
	PO_EXPECT_INT(po_mp3_store_save(st, "/c/z.mp3", ix, &err), PLAYOUT_OK);
	PO_EXPECT_INT(po_mp3_store_load(st, "/c/z.mp3", ix->file_size, ix->file_mtime_ms, &back,
					  &err), PLAYOUT_OK);
	CU_ASSERT(back && back->nframes == 50 && back->frames[49].offset == 1000 + 49 * 418);
	po_mp3_index_unref(back);
	back = NULL;

	/* one frame length changed on disk (419 for 418): every later offset would
	 * be wrong, so the checksum must refuse it */
	sqlite3 *db = raw_open(path);
	PO_EXPECT_INT(sqlite3_exec(db, "UPDATE media_index SET blob = CAST("
				     " substr(blob, 1, 112 + 2*10) || x'a301' || substr(blob, 112 + 2*11 + 1)"
				     " AS BLOB)", NULL, NULL, NULL), SQLITE_OK);
	PO_EXPECT_INT(raw_int(db, "SELECT typeof(blob) = 'blob' FROM media_index"), 1);
	PO_EXPECT_INT(raw_int(db, "SELECT length(blob) FROM media_index"), 112 + 2 * 50 + 4);
	sqlite3_close(db);
	PO_EXPECT_INT(po_mp3_store_load(st, "/c/z.mp3", ix->file_size, ix->file_mtime_ms, &back,
					  &err), PLAYOUT_EPROTO);
	CU_ASSERT_PTR_NULL(back);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "checksum"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/c/z.mp3"));

	/* cut short on disk: truncated */
	db = raw_open(path);
	PO_EXPECT_INT(sqlite3_exec(db, "UPDATE media_index SET blob = substr(blob, 1, 150)",
				     NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	PO_EXPECT_INT(po_mp3_store_load(st, "/c/z.mp3", ix->file_size, ix->file_mtime_ms, &back,
					  &err), PLAYOUT_EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "truncated"));
	po_mp3_index_unref(ix);
	po_state_close(st);
}

struct prune_arg {
	const char *gone;
	int calls;
};

static int keep_all_but(const char *path, int64_t size, int64_t mtime_ms, void *arg)
{
	struct prune_arg *a = arg;
	(void)size;
	(void)mtime_ms;
	a->calls++;
	return strcmp(path, a->gone) != 0;
}

static void test_media_prune_drops_summary_and_index_of_files_gone(void)
{
	struct po_state *st = open_ok(db_path("prune"), PO_STATE_WRITER);
	PO_EXPECT_INT(po_state_media_put(st, "/c/gone.mp3", 1, 2, "s"), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_media_index_put(st, "/c/gone.mp3", 1, 2, "b", 1), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_media_put(st, "/c/here.mp3", 3, 4, "s"), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_media_index_put(st, "/c/here.mp3", 3, 4, "b", 1), PLAYOUT_OK);
	struct prune_arg a = {"/c/gone.mp3", 0};
	PO_EXPECT_INT(po_state_media_prune(st, keep_all_but, &a), 1);
	PO_EXPECT_INT(a.calls, 2); /* once per key, not per table */
	char *v = NULL;
	void *b = NULL;
	size_t len = 0;
	PO_EXPECT_INT(po_state_media_get(st, "/c/gone.mp3", 1, 2, &v), PLAYOUT_ENOTFOUND);
	PO_EXPECT_INT(po_state_media_index_get(st, "/c/gone.mp3", 1, 2, &b, &len), PLAYOUT_ENOTFOUND);
	PO_EXPECT_INT(po_state_media_get(st, "/c/here.mp3", 3, 4, &v), PLAYOUT_OK);
	free(v);
	PO_EXPECT_INT(po_state_media_index_get(st, "/c/here.mp3", 3, 4, &b, &len), PLAYOUT_OK);
	free(b);
	PO_EXPECT_INT(po_state_media_prune(st, keep_all_but, &a), 0);
	po_state_close(st);
}

/* ---- two threads on one handle ---------------------------------------- */

#define HAMMER_ROUNDS 300

struct hammer {
	struct po_state *st;
	int id;
	int failures;
	char first_failure[300];
};

static void hammer_fail(struct hammer *h, const char *what, int rc)
{
	if (h->failures++ == 0)
		snprintf(h->first_failure, sizeof h->first_failure, "thread %d: %s: %d %s", h->id,
			 what, rc, po_state_errmsg(h->st));
}

/* kv_put then kv_get of our own keys; the value read must be ours. */
static void *hammer_kv(void *arg)
{
	struct hammer *h = arg;
	char ns[16], key[16], val[32];
	snprintf(ns, sizeof ns, "t%d", h->id);
	for (int i = 0; i < HAMMER_ROUNDS; i++) {
		snprintf(key, sizeof key, "k%d", i % 7);
		snprintf(val, sizeof val, "v%d-%d", h->id, i);
		int rc = po_state_kv_put(h->st, ns, key, val);
		if (rc != PLAYOUT_OK) {
			hammer_fail(h, "kv_put", rc);
			continue;
		}
		char *got = NULL;
		rc = po_state_kv_get(h->st, ns, key, &got);
		if (rc != PLAYOUT_OK || strcmp(got, val) != 0)
			hammer_fail(h, "kv_get", rc);
		free(got);
	}
	return NULL;
}

/* put_rundown of 3 items (a multi-statement transaction) then get_rundown:
 * all 3 back, with this round's pid; kv writes in between. */
static void *hammer_rundown(void *arg)
{
	struct hammer *h = arg;
	for (int i = 0; i < HAMMER_ROUNDS; i++) {
		char pid[32];
		snprintf(pid, sizeof pid, "r%d", i);
		struct playout_item v[3] = {mkitem(1000, 2000, pid), mkitem(2000, 3000, pid),
					    mkitem(3000, 4000, pid)};
		int rc = po_state_put_rundown(h->st, i, 0, v, 3);
		if (rc != PLAYOUT_OK) {
			hammer_fail(h, "put_rundown", rc);
			continue;
		}
		struct playout_item *got = NULL;
		size_t n = 0;
		rc = po_state_get_rundown(h->st, 0, 10000, &got, &n);
		if (rc != PLAYOUT_OK || n != 3 || strcmp(got[0].pid, pid) != 0 ||
		    strcmp(got[2].pid, pid) != 0)
			hammer_fail(h, "get_rundown", rc);
		free(got);
		rc = po_state_kv_put(h->st, "rundown", "round", pid);
		if (rc != PLAYOUT_OK)
			hammer_fail(h, "kv_put", rc);
	}
	return NULL;
}

static void test_two_threads_share_one_handle_without_interleaving(void)
{
	struct po_state *st = open_ok(db_path("threads"), PO_STATE_DAEMON);
	struct hammer a = {st, 1, 0, ""}, b = {st, 2, 0, ""}, c = {st, 3, 0, ""};
	pthread_t ta, tb, tc;
	PO_EXPECT_INT_FATAL(pthread_create(&ta, NULL, hammer_kv, &a), 0);
	PO_EXPECT_INT_FATAL(pthread_create(&tb, NULL, hammer_rundown, &b), 0);
	PO_EXPECT_INT_FATAL(pthread_create(&tc, NULL, hammer_kv, &c), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_join(tc, NULL);
	if (a.failures || b.failures || c.failures)
		fprintf(stderr, "%d/%d/%d failures: %s%s%s\n", a.failures, b.failures, c.failures,
			a.first_failure, b.first_failure, c.first_failure);
	PO_EXPECT_INT(a.failures + b.failures + c.failures, 0);
	char *v = NULL;
	PO_EXPECT_INT(po_state_kv_get(st, "rundown", "round", &v), PLAYOUT_OK);
	PO_EXPECT_STR(v ? v : "", "r299");
	free(v);
	PO_EXPECT_INT(po_state_kv_get(st, "t3", "k5", &v), PLAYOUT_OK);
	PO_EXPECT_STR(v ? v : "", "v3-299");
	free(v);
	po_state_close(st);
}

struct errmsg_arg {
	struct po_state *st;
	int rc;
	int saw_own;
};

static void *fail_a_write(void *arg)
{
	struct errmsg_arg *e = arg;
	e->rc = po_state_kv_put(e->st, "core", "k", "v");
	e->saw_own = strstr(po_state_errmsg(e->st), "read-only") != NULL;
	return NULL;
}

static void test_errmsg_is_per_thread(void)
{
	const char *path = db_path("errmsg-threads");
	po_state_close(open_ok(path, PO_STATE_WRITER));
	struct po_state *ro = open_ok(path, PO_STATE_READONLY);
	struct errmsg_arg e = {ro, 0, 0};
	pthread_t t;
	PO_EXPECT_INT_FATAL(pthread_create(&t, NULL, fail_a_write, &e), 0);
	pthread_join(t, NULL);
	PO_EXPECT_INT(e.rc, PLAYOUT_EINVAL);
	CU_ASSERT(e.saw_own);
	PO_EXPECT_STR(po_state_errmsg(ro), ""); /* not this thread's failure */
	PO_EXPECT_INT(po_state_kv_put(ro, "core", "k", "v"), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(po_state_errmsg(ro), "read-only"));
	po_state_close(ro);
}

static const struct po_test schema_tests[] = {
	{"open_creates_schema_in_wal_and_reports_version",
	 test_open_creates_schema_in_wal_and_reports_version},
	{"reopen_keeps_data_and_version", test_reopen_keeps_data_and_version},
	{"newer_schema_version_is_refused", test_newer_schema_version_is_refused},
	{"writer_in_missing_directory_fails_clearly",
	 test_writer_in_missing_directory_fails_clearly},
	{"readonly_on_missing_file_fails_clearly", test_readonly_on_missing_file_fails_clearly},
	{"readonly_handle_refuses_writes", test_readonly_handle_refuses_writes},
	{"v3_v2_and_v1_files_migrate_to_v4_keeping_their_rows",
	 test_v3_v2_and_v1_files_migrate_to_v4_keeping_their_rows},
	{"v3_plays_migrate_with_joins_out_of_the_start_error",
	 test_v3_plays_migrate_with_joins_out_of_the_start_error},
	{NULL, NULL},
};

static const struct po_test data_tests[] = {
	{"kv_round_trip_and_overwrite", test_kv_round_trip_and_overwrite},
	{"kv_namespaces_are_separate", test_kv_namespaces_are_separate},
	{"kv_get_missing_key_is_enotfound", test_kv_get_missing_key_is_enotfound},
	{"slots_get_by_window_and_source", test_slots_get_by_window_and_source},
	{"put_slots_replaces_only_that_sources_window",
	 test_put_slots_replaces_only_that_sources_window},
	{"slots_fetched_ms_tracks_each_source", test_slots_fetched_ms_tracks_each_source},
	{"put_assets_replaces_whole_listing", test_put_assets_replaces_whole_listing},
	{"rundown_round_trips_every_field_with_four_awkward_segments",
	 test_rundown_round_trips_every_field_with_four_awkward_segments},
	{"get_rundown_rejects_malformed_segment_text",
	 test_get_rundown_rejects_malformed_segment_text},
	{"put_rundown_replaces_only_items_ending_after_from",
	 test_put_rundown_replaces_only_items_ending_after_from},
	{"plays_begin_end_and_get_in_scheduled_order",
	 test_plays_begin_end_and_get_in_scheduled_order},
	{"play_end_of_unknown_id_is_enotfound", test_play_end_of_unknown_id_is_enotfound},
	{"close_open_plays_marks_only_playing_as_interrupted",
	 test_close_open_plays_marks_only_playing_as_interrupted},
	{"play_gaps_record_each_outage_and_add_up_the_loss",
	 test_play_gaps_record_each_outage_and_add_up_the_loss},
	{"progress_keeps_bytes_and_a_crash_ends_at_the_last_progress",
	 test_progress_keeps_bytes_and_a_crash_ends_at_the_last_progress},
	{"media_index_blob_round_trips_byte_exact_keyed_by_size_and_mtime",
	 test_media_index_blob_round_trips_byte_exact_keyed_by_size_and_mtime},
	{"corrupted_stored_index_is_refused_not_trusted",
	 test_corrupted_stored_index_is_refused_not_trusted},
	{"media_prune_drops_summary_and_index_of_files_gone",
	 test_media_prune_drops_summary_and_index_of_files_gone},
	{NULL, NULL},
};

static const struct po_test process_tests[] = {
	{"readonly_reads_committed_data_while_writer_holds_write_transaction",
	 test_readonly_reads_committed_data_while_writer_holds_write_transaction},
	{"second_daemon_open_fails_with_holder_pid", test_second_daemon_open_fails_with_holder_pid},
	{"crash_mid_transaction_leaves_db_consistent",
	 test_crash_mid_transaction_leaves_db_consistent},
	{NULL, NULL},
};

static const struct po_test thread_tests[] = {
	{"two_threads_share_one_handle_without_interleaving",
	 test_two_threads_share_one_handle_without_interleaving},
	{"errmsg_is_per_thread", test_errmsg_is_per_thread},
	{NULL, NULL},
};

static const struct po_suite suites[] = {
	{"state_schema", schema_tests, NULL, NULL},
	{"state_data", data_tests, NULL, NULL},
	{"state_processes", process_tests, NULL, NULL},
	{"state_threads", thread_tests, NULL, NULL},
	{NULL, NULL, NULL, NULL},
};

int main(void)
{
	return po_test_run("test_state", suites);
}
