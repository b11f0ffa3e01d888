/*
 * core/provision.c and the publish stage (snapshot.c po_snapshot_build):
 * what eviction keeps, by the real clock even in a rehearsal, and which
 * rundown items reach the players' snapshot. MP3s are written frame by
 * frame (empty MPEG-1 layer III frames), no encoder needed.
 */
#include "runner.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "diag.h"
#include "filename.h"
#include "media.h"
#include "provision.h"
#include "runtime.h"
#include "snapshot.h"

#define DAY_MS 86400000LL

static char cache[600];

/* An MPEG-1 layer III stream of n empty 417-byte frames into the cache. */
static int put_mp3(const char *name, int n)
{
	static const unsigned char hdr[4] = { 0xff, 0xfb, 0x90, 0x04 };
	unsigned char frame[417] = {0};
	char path[700];
	memcpy(frame, hdr, sizeof hdr);
	snprintf(path, sizeof path, "%s/%s", cache, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	for (int i = 0; i < n; i++)
		fwrite(frame, 1, sizeof frame, f);
	return fclose(f);
}

static int cached(const char *name)
{
	char path[700];
	snprintf(path, sizeof path, "%s/%s", cache, name);
	return access(path, F_OK) == 0;
}

/* "yyyymmdd_hhmm_<pid>.mp3" for an instant (the runtime's zone is UTC). */
static void dated_name(char *buf, size_t n, int64_t utc_ms, const char *pid)
{
	time_t t = (time_t)(utc_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(buf, n, "%04d%02d%02d_%02d%02d_%s.mp3", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, pid);
}

static int open_runtime(struct po_runtime *rt, int64_t clock_offset_ns)
{
	const char *dir = po_test_tmpdir();
	char conf[600];
	snprintf(cache, sizeof cache, "%s/cache", dir);
	mkdir(cache, 0750);
	snprintf(conf, sizeof conf, "%s/rt.conf", dir);
	FILE *f = fopen(conf, "w");
	if (!f)
		return -1;
	/* storage and outputs are required by the config, never loaded here */
	fprintf(f, "timezone = \"UTC\";\nstate = \"%s/rt.db\";\ncache = \"%s\";\n"
		"log_level = \"error\";\ncache_retention_days = 7;\n"
		"storage = { plugin = \"localdisk\"; path = \"%s\"; };\n"
		"outputs = ( { plugin = \"file\"; } );\n", dir, cache, dir);
	fclose(f);
	struct po_diag d;
	struct playout_error err = {0};
	po_diag_init(&d);
	int rc = po_runtime_open(rt, conf, PO_RT_NO_PLUGINS, clock_offset_ns, &d, &err);
	if (rc < 0)
		fprintf(stderr, "runtime: %s\n", err.msg);
	po_diag_free(&d);
	return rc;
}

/* A listing entry, parsed as the catalogue parses names. */
static void list(struct playout_assets *cat, const char *name, uint32_t flags)
{
	struct playout_asset a;
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "%s", name);
	po_filename_to_asset(&a);
	a.flags = flags;
	playout_assets_push(cat, &a);
	po_catalog_sort(cat);
}

static void set_mtime(const char *name, int64_t utc_ms)
{
	char path[700];
	snprintf(path, sizeof path, "%s/%s", cache, name);
	struct timespec t[2] = { { 0, UTIME_OMIT }, { (time_t)(utc_ms / 1000), 0 } };
	PO_EXPECT_INT(utimensat(AT_FDCWD, path, t, 0), 0);
}

static int64_t real_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct playout_item item_of(const char *name, int64_t start_ms, int64_t len_ms)
{
	struct playout_item it;
	memset(&it, 0, sizeof it);
	snprintf(it.pid, sizeof it.pid, "p");
	it.start_ms = start_ms;
	it.end_ms = start_ms + len_ms;
	it.decision = PLAYOUT_DECISION_EXACT;
	if (name) {
		it.nseg = 1;
		snprintf(it.seg[0].asset, sizeof it.seg[0].asset, "%s", name);
	} else {
		it.decision = PLAYOUT_DECISION_MISSING;
	}
	return it;
}

/* ---- eviction --------------------------------------------------------------- */

static void test_eviction_keeps_what_the_plan_may_want_and_removes_the_rest(void)
{
	struct po_runtime rt;
	PO_EXPECT_INT_FATAL(open_runtime(&rt, 0), PLAYOUT_OK);
	int64_t now = real_now_ms() / 60000 * 60000;
	char gone[64], played[64], flagged[64], ahead[64], recent[64];
	dated_name(gone, sizeof gone, now - 30 * DAY_MS, "gone");
	dated_name(played, sizeof played, now - 30 * DAY_MS, "played");
	dated_name(flagged, sizeof flagged, now - 30 * DAY_MS, "flagged");
	dated_name(ahead, sizeof ahead, now + 2 * DAY_MS, "ahead");
	dated_name(recent, sizeof recent, now - 3 * DAY_MS, "recent");
	const char *all[] = { gone, played, flagged, ahead, recent, "jingle.mp3", "stray.mp3" };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		PO_EXPECT_INT_FATAL(put_mp3(all[i], 10), 0);
	set_mtime("jingle.mp3", now - 30 * DAY_MS);
	set_mtime("stray.mp3", now - 30 * DAY_MS);

	struct playout_assets cat = {0};
	list(&cat, gone, 0);
	list(&cat, played, 0);
	list(&cat, flagged, PLAYOUT_ASSET_SILENT);
	list(&cat, recent, 0);
	list(&cat, "jingle.mp3", 0); /* undated and listed: a sustainer */
	struct playout_item items[] = { item_of(played, now - 30 * DAY_MS, 60000) };
	struct po_rundown r = { items, 1 };
	struct playout_error err = {0};
	struct po_mp3_index *ix = po_media_index(rt.media, gone, &err);
	CU_ASSERT_FATAL(ix != NULL);
	PO_EXPECT_INT(po_media_count(rt.media, NULL), 1);

	PO_EXPECT_INT(po_provision_evict(&rt, rt.media, &r, &cat, now - 2 * 3600000), 2);
	CU_ASSERT_FALSE(cached(gone));
	CU_ASSERT_FALSE(cached("stray.mp3"));
	CU_ASSERT_TRUE(cached(played));
	CU_ASSERT_TRUE(cached(flagged));
	CU_ASSERT_TRUE(cached(ahead));
	CU_ASSERT_TRUE(cached(recent));
	CU_ASSERT_TRUE(cached("jingle.mp3"));
	/* the catalogue forgot the file that went; its holder keeps the index */
	PO_EXPECT_INT(po_media_count(rt.media, NULL), 0);
	PO_EXPECT_INT(ix->nframes, 10);
	po_mp3_index_unref(ix);

	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		char path[700];
		snprintf(path, sizeof path, "%s/%s", cache, all[i]);
		unlink(path);
	}
	free(cat.v);
	po_runtime_close(&rt);
}

static void test_rehearsal_a_year_ahead_never_evicts_a_file_still_ahead(void)
{
	/* --pretend-now a year from now: by that clock a file airing tomorrow
	 * is long past its retention, but by the real clock it is ahead. */
	struct po_runtime rt;
	PO_EXPECT_INT_FATAL(open_runtime(&rt, 365 * DAY_MS * 1000000), PLAYOUT_OK);
	int64_t real = real_now_ms() / 60000 * 60000;
	int64_t pretend = po_clock_now_ms(&rt.clock);
	CU_ASSERT_FATAL(pretend - real > 364 * DAY_MS);
	char tomorrow[64], old[64];
	dated_name(tomorrow, sizeof tomorrow, real + DAY_MS, "tomorrow");
	dated_name(old, sizeof old, real - 30 * DAY_MS, "old");
	PO_EXPECT_INT_FATAL(put_mp3(tomorrow, 10), 0);
	PO_EXPECT_INT_FATAL(put_mp3(old, 10), 0);
	struct playout_assets cat = {0};
	struct po_rundown r = { NULL, 0 };

	PO_EXPECT_INT(po_provision_evict(&rt, rt.media, &r, &cat, pretend - 2 * 3600000), 1);
	CU_ASSERT_TRUE(cached(tomorrow));
	CU_ASSERT_FALSE(cached(old));

	char path[700];
	snprintf(path, sizeof path, "%s/%s", cache, tomorrow);
	unlink(path);
	po_runtime_close(&rt);
}

/* ---- publish ------------------------------------------------------------------ */

static void test_snapshot_holds_the_cached_items_with_a_reference_to_each_index(void)
{
	struct po_runtime rt;
	PO_EXPECT_INT_FATAL(open_runtime(&rt, 0), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(put_mp3("here.mp3", 100), 0);
	struct playout_item items[] = {
		item_of("here.mp3", 1000000, 60000),
		item_of(NULL, 2000000, 60000),           /* missing: nothing to air */
		item_of("not_here.mp3", 3000000, 60000), /* not cached: left out */
	};
	struct po_rundown r = { items, 3 };

	struct po_snapshot *s = po_snapshot_build(rt.media, rt.conf.cache_dir, &r, 42, NULL);
	CU_ASSERT_FATAL(s != NULL);
	PO_EXPECT_INT(s->planned_ms, 42);
	PO_EXPECT_INT_FATAL(s->n, 1);
	PO_EXPECT_INT(s->v[0].item.start_ms, 1000000);
	char want[700];
	snprintf(want, sizeof want, "%s/here.mp3", cache);
	PO_EXPECT_STR(s->v[0].path[0], want);
	struct po_mp3_index *ix = s->v[0].idx[0];
	CU_ASSERT_FATAL(ix != NULL);
	PO_EXPECT_INT(ix->nframes, 100);
	PO_EXPECT_INT(__atomic_load_n(&ix->refs, __ATOMIC_RELAXED), 2); /* catalogue + snapshot */

	/* the next round's snapshot shares the same index */
	struct po_snapshot *s2 = po_snapshot_build(rt.media, rt.conf.cache_dir, &r, 43, NULL);
	CU_ASSERT_FATAL(s2 && s2->n == 1);
	CU_ASSERT_PTR_EQUAL(s2->v[0].idx[0], ix);
	PO_EXPECT_INT(__atomic_load_n(&ix->refs, __ATOMIC_RELAXED), 3);
	po_snapshot_unref(s2);
	po_snapshot_unref(s);
	PO_EXPECT_INT(__atomic_load_n(&ix->refs, __ATOMIC_RELAXED), 1);
	po_runtime_close(&rt);
}

static const struct po_test evict_tests[] = {
	{ "test_eviction_keeps_what_the_plan_may_want_and_removes_the_rest",
	  test_eviction_keeps_what_the_plan_may_want_and_removes_the_rest },
	{ "test_rehearsal_a_year_ahead_never_evicts_a_file_still_ahead",
	  test_rehearsal_a_year_ahead_never_evicts_a_file_still_ahead },
	{ NULL, NULL },
};

static const struct po_test publish_tests[] = {
	{ "test_snapshot_holds_the_cached_items_with_a_reference_to_each_index",
	  test_snapshot_holds_the_cached_items_with_a_reference_to_each_index },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "provision", evict_tests, NULL, NULL },
	{ "publish", publish_tests, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_provision", suites);
}
