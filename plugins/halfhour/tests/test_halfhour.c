/*
 * Tests for the halfhour join plugin, compiled in (nothing is dlopened): when
 * a :00 and a :30 item become one joined segment list, where the cut falls,
 * when they stay apart and why, silence padding, and the planner re-joining.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <libconfig.h>

#include "fake_host.h"
#include "plugin_conf.h"
#include "filename.h"
#include "mp3.h"
#include "rundown.h"
#include "runner.h"
#include "timeutil.h"

extern const struct playout_plugin playout_plugin;

static char cache[4096];
static int64_t t0100; /* 2026-03-29 01:00 UTC */

static const struct playout_join_ops *ops(void)
{
	return playout_plugin.ops.join;
}

struct fixture {
	struct po_test_conf tc;
	struct po_fake_host *fh;
	void *inst;
};

static int fixture_open(struct fixture *f, const char *conf)
{
	struct playout_error err = { 0, "" };

	memset(f, 0, sizeof *f);
	if (!(f->fh = po_fake_host_new("halfhour:test", cache)))
		return -1;
	return po_test_plugin_create(&f->tc, &playout_plugin, conf, po_fake_host(f->fh), &f->inst,
				     &err);
}

static void fixture_close(struct fixture *f)
{
	if (f->inst)
		playout_plugin.destroy(f->inst);
	po_fake_host_free(f->fh);
	po_test_conf_free(&f->tc);
}

/* An indexed asset: 44.1 kHz (or rate), 1152 samples a frame, nframes. */
static struct playout_asset asset(const char *name, int rate, uint32_t nframes)
{
	struct playout_asset a;

	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "%s", name);
	(void)po_filename_to_asset(&a);
	a.sample_rate = rate;
	a.samples_per_frame = 1152;
	a.nframes = nframes;
	a.duration_ms = (int64_t)nframes * 1152 * 1000 / rate;
	return a;
}

static struct playout_item item(const char *name, int64_t start_ms)
{
	struct playout_item it;

	memset(&it, 0, sizeof it);
	it.start_ms = start_ms;
	it.end_ms = start_ms + 1792 * 1000;
	it.decision = PLAYOUT_DECISION_EXACT;
	snprintf(it.pid, sizeof it.pid, "%.10s", name + 14);
	snprintf(it.title, sizeof it.title, "%.10s", name + 14);
	snprintf(it.reason, sizeof it.reason, "slot");
	it.cap_s = 1792;
	it.nseg = 1;
	snprintf(it.seg[0].asset, sizeof it.seg[0].asset, "%s", name);
	return it;
}

/* A cached file of n silent frames with this 4-byte header (417 bytes each). */
static int cache_file(const char *name, const unsigned char hdr[4], unsigned n)
{
	char path[8192];
	unsigned char fr[417];

	snprintf(path, sizeof path, "%s/%s", cache, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	memset(fr, 0, sizeof fr);
	memcpy(fr, hdr, 4);
	for (unsigned i = 0; i < n; i++)
		fwrite(fr, 1, sizeof fr, f);
	return fclose(f);
}

static const unsigned char stereo_hdr[4] = { 0xFF, 0xFB, 0x90, 0x00 };
static const unsigned char mono_hdr[4] = { 0xFF, 0xFB, 0x90, 0xC0 };

static int setup(void)
{
	snprintf(cache, sizeof cache, "%s/cache", po_test_tmpdir());
	if (mkdir(cache, 0755) < 0 || po_tz_set("UTC", NULL) < 0)
		return -1;
	return po_iso8601_parse("2026-03-29T01:00:00Z", &t0100);
}

static void test_joins_00_and_30_cutting_the_first_at_30_00(void)
{
	struct fixture f;
	struct playout_asset as[] = { asset("20260329_0100_aaa.mp3", 44100, 69002), /* 30:02.5 */
				      asset("20260329_0130_bbb.mp3", 44100, 68815) }; /* 29:58 */
	struct playout_item v[3] = { item(as[0].name, t0100), item(as[1].name, t0100 + 1800000),
				     item("20260329_0200_ccc.mp3", t0100 + 3600000) };
	struct playout_error err = { 0, "" };
	size_t n = 3;

	PO_EXPECT_INT_FATAL(fixture_open(&f, ""), 0);
	PO_EXPECT_INT(ops()->plan(f.inst, v, &n, as, 2, &err), 0);
	PO_EXPECT_INT_FATAL(n, 2);
	PO_EXPECT_INT(v[0].decision, PLAYOUT_DECISION_JOINED);
	PO_EXPECT_INT(v[0].start_ms, t0100);
	PO_EXPECT_INT_FATAL(v[0].nseg, 2);
	PO_EXPECT_STR(v[0].seg[0].asset, as[0].name);
	PO_EXPECT_INT(v[0].seg[0].first_frame, 0);
	PO_EXPECT_INT(v[0].seg[0].nframes, 68906); /* 1800 s * 44100 / 1152 = 68906.25 */
	PO_EXPECT_STR(v[0].seg[1].asset, as[1].name);
	PO_EXPECT_INT(v[0].seg[1].nframes, 68815);
	/* end from the segments, not from the capped first item */
	PO_EXPECT_INT(v[0].end_ms, t0100 + ((68906LL + 68815) * 1152 * 1000 + 44099) / 44100);
	PO_EXPECT_STR(v[0].reason, "joined: 20260329_0100_aaa.mp3 cut at 30:00 + "
			       "20260329_0130_bbb.mp3");
	PO_EXPECT_STR(v[1].seg[0].asset, "20260329_0200_ccc.mp3"); /* moved up */
	fixture_close(&f);
}

static void test_keeps_items_apart_when_sample_rates_differ(void)
{
	struct fixture f;
	struct playout_asset as[] = { asset("20260329_0100_aaa.mp3", 44100, 60000),
				      asset("20260329_0130_bbb.mp3", 48000, 60000) };
	struct playout_item v[2] = { item(as[0].name, t0100), item(as[1].name, t0100 + 1800000) };
	struct playout_error err = { 0, "" };
	size_t n = 2;

	PO_EXPECT_INT_FATAL(fixture_open(&f, ""), 0);
	PO_EXPECT_INT(ops()->plan(f.inst, v, &n, as, 2, &err), 0);
	PO_EXPECT_INT_FATAL(n, 2);
	for (int i = 0; i < 2; i++) {
		PO_EXPECT_INT(v[i].decision, PLAYOUT_DECISION_EXACT);
		CU_ASSERT(strstr(v[i].reason, "not joined") != NULL);
		CU_ASSERT(strstr(v[i].reason, "44100 Hz") != NULL);
		CU_ASSERT(strstr(v[i].reason, "48000 Hz") != NULL);
	}
	fixture_close(&f);
}

static void test_keeps_items_apart_when_channels_differ_in_the_cache(void)
{
	struct fixture f;
	struct playout_asset as[] = { asset("20260329_0100_mono.mp3", 44100, 40),
				      asset("20260329_0130_stereo.mp3", 44100, 40) };
	struct playout_item v[2] = { item(as[0].name, t0100), item(as[1].name, t0100 + 1800000) };
	struct playout_error err = { 0, "" };
	size_t n = 2;

	PO_EXPECT_INT_FATAL(cache_file(as[0].name, mono_hdr, 40), 0);
	PO_EXPECT_INT_FATAL(cache_file(as[1].name, stereo_hdr, 40), 0);
	PO_EXPECT_INT_FATAL(fixture_open(&f, ""), 0);
	PO_EXPECT_INT(ops()->plan(f.inst, v, &n, as, 2, &err), 0);
	PO_EXPECT_INT_FATAL(n, 2);
	CU_ASSERT(strstr(v[0].reason, "is mono") != NULL);
	CU_ASSERT(strstr(v[1].reason, "is stereo") != NULL);
	fixture_close(&f);
}

static void test_leaves_pairs_not_at_00_and_30_or_too_long_or_unindexed(void)
{
	struct fixture f;
	struct playout_asset as[] = { asset("20260329_0115_aaa.mp3", 44100, 60000),
				      asset("20260329_0145_bbb.mp3", 44100, 60000),
				      asset("20260329_0300_long.mp3", 44100, 78000), /* 2037 s */
				      asset("20260329_0330_ddd.mp3", 44100, 60000),
				      asset("20260329_0400_eee.mp3", 44100, 0), /* not cached yet */
				      asset("20260329_0430_fff.mp3", 44100, 60000) };
	struct playout_item v[6] = { item(as[0].name, t0100 + 900000),
				     item(as[1].name, t0100 + 2700000),
				     item(as[2].name, t0100 + 7200000),
				     item(as[3].name, t0100 + 9000000),
				     item(as[4].name, t0100 + 10800000),
				     item(as[5].name, t0100 + 12600000) };
	struct playout_error err = { 0, "" };
	size_t n = 6;

	PO_EXPECT_INT_FATAL(fixture_open(&f, ""), 0);
	PO_EXPECT_INT(ops()->plan(f.inst, v, &n, as, 6, &err), 0);
	PO_EXPECT_INT(n, 6);
	for (size_t i = 0; i < n; i++)
		PO_EXPECT_INT(v[i].decision, PLAYOUT_DECISION_EXACT);
	fixture_close(&f);
	/* a larger limit joins the long one */
	n = 6;
	PO_EXPECT_INT_FATAL(fixture_open(&f, "limit_s = 2100;"), 0);
	PO_EXPECT_INT(ops()->plan(f.inst, v, &n, as, 6, &err), 0);
	PO_EXPECT_INT(n, 5);
	PO_EXPECT_INT(v[2].decision, PLAYOUT_DECISION_JOINED);
	fixture_close(&f);
}

static void test_short_first_is_followed_directly_or_padded_with_silence(void)
{
	struct fixture f;
	struct playout_asset as[] = { asset("20260329_0100_short.mp3", 44100, 400),
				      asset("20260329_0130_bbb.mp3", 44100, 500) };
	struct playout_item v[2] = { item(as[0].name, t0100), item(as[1].name, t0100 + 1800000) };
	struct playout_item w[2];
	struct playout_error err = { 0, "" };
	size_t n = 2;

	memcpy(w, v, sizeof w);
	PO_EXPECT_INT_FATAL(cache_file(as[0].name, stereo_hdr, 400), 0);
	PO_EXPECT_INT_FATAL(fixture_open(&f, "cut_at_s = 20;"), 0);
	PO_EXPECT_INT(ops()->plan(f.inst, v, &n, as, 2, &err), 0);
	PO_EXPECT_INT_FATAL(n, 1);
	PO_EXPECT_INT(v[0].nseg, 2);
	PO_EXPECT_INT(v[0].seg[0].nframes, 400); /* whole: 10.4 s < 20 s */
	CU_ASSERT(strstr(v[0].reason, "whole, shorter than 00:20") != NULL);
	fixture_close(&f);

	n = 2;
	PO_EXPECT_INT_FATAL(fixture_open(&f, "cut_at_s = 20; pad = true;"), 0);
	PO_EXPECT_INT(ops()->plan(f.inst, w, &n, as, 2, &err), 0);
	PO_EXPECT_INT_FATAL(n, 1);
	PO_EXPECT_INT_FATAL(w[0].nseg, 3);
	PO_EXPECT_INT(w[0].seg[0].nframes, 400);
	/* 20 s is 765.6 frames: 365 silent frames take it to 765 */
	PO_EXPECT_INT(w[0].seg[1].nframes, 365);
	PO_EXPECT_STR(w[0].seg[2].asset, as[1].name);
	PO_EXPECT_INT(w[0].end_ms, t0100 + ((765LL + 500) * 1152 * 1000 + 44099) / 44100);
	/* the silence is a real MP3 in the cache, long enough and in A's format */
	char path[8192];
	struct po_mp3_index *ix = NULL;
	snprintf(path, sizeof path, "%s/%s", cache, w[0].seg[1].asset);
	PO_EXPECT_INT_FATAL(po_mp3_index_file(path, &ix, &err), 0);
	CU_ASSERT(ix->nframes >= 365);
	PO_EXPECT_INT(ix->sample_rate, 44100);
	PO_EXPECT_INT(ix->channels, 2);
	po_mp3_index_unref(ix);
	fixture_close(&f);
}

/* Through the planner: the join is re-planned each round from its inputs. */
static void test_planner_joins_when_both_files_are_there_and_unjoins_when_one_goes(void)
{
	struct fixture f;
	struct playout_asset as[] = { asset("20260329_0100_aaa.mp3", 44100, 69002),
				      asset("20260329_0130_bbb.mp3", 44100, 68815) };
	struct po_plan_input in;
	struct po_rundown r;
	struct playout_error err = { 0, "" };

	PO_EXPECT_INT_FATAL(fixture_open(&f, ""), 0);
	memset(&in, 0, sizeof in);
	in.from_ms = t0100 - 3600000;
	in.to_ms = t0100 + 6 * 3600000;
	in.assets = as;
	in.nassets = 2;
	in.join = ops();
	in.join_inst = f.inst;
	in.join_label = "halfhour";
	PO_EXPECT_INT_FATAL(po_plan(&in, &r, &err), 0);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_JOINED);
	PO_EXPECT_INT(r.v[0].seg[0].nframes, 68906);
	PO_EXPECT_INT(r.v[0].end_ms, t0100 + ((68906LL + 68815) * 1152 * 1000 + 44099) / 44100);
	po_rundown_free(&r);

	as[1].nframes = 0; /* B replaced, not indexed yet */
	PO_EXPECT_INT_FATAL(po_plan(&in, &r, &err), 0);
	PO_EXPECT_INT(r.n, 2);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_STORAGE_ONLY);
	po_rundown_free(&r);
	fixture_close(&f);
}

static const struct po_test tests[] = {
	{ "joins_00_and_30_cutting_the_first_at_30_00",
	  test_joins_00_and_30_cutting_the_first_at_30_00 },
	{ "keeps_items_apart_when_sample_rates_differ",
	  test_keeps_items_apart_when_sample_rates_differ },
	{ "keeps_items_apart_when_channels_differ_in_the_cache",
	  test_keeps_items_apart_when_channels_differ_in_the_cache },
	{ "leaves_pairs_not_at_00_and_30_or_too_long_or_unindexed",
	  test_leaves_pairs_not_at_00_and_30_or_too_long_or_unindexed },
	{ "short_first_is_followed_directly_or_padded_with_silence",
	  test_short_first_is_followed_directly_or_padded_with_silence },
	{ "planner_joins_when_both_files_are_there_and_unjoins_when_one_goes",
	  test_planner_joins_when_both_files_are_there_and_unjoins_when_one_goes },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "halfhour", tests, setup, NULL },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_halfhour", suites);
}
