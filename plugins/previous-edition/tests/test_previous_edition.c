/*
 * Tests for the previous-edition fallback plugin, compiled in (nothing is
 * dlopened): which edition it picks, what it never picks, the sustainer, and
 * through the planner (core/rundown.c) the switch back to the real file.
 */
#include <string.h>

#include <libconfig.h>

#include "fake_host.h"
#include "plugin_conf.h"
#include "filename.h"
#include "rundown.h"
#include "runner.h"
#include "timeutil.h"

extern const struct playout_plugin playout_plugin;

static const struct playout_fallback_ops *ops(void)
{
	return playout_plugin.ops.fallback;
}

/* A plugin instance from a config group text such as "max_age_days = 7;". */
struct fixture {
	struct po_test_conf tc;
	struct po_fake_host *fh;
	void *inst;
};

static int fixture_open(struct fixture *f, const char *conf)
{
	struct playout_error err = { 0, "" };

	memset(f, 0, sizeof *f);
	f->fh = po_fake_host_new("previous-edition:test", NULL);
	if (!f->fh)
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

static struct playout_asset asset(const char *name, uint32_t flags)
{
	struct playout_asset a;

	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "%s", name);
	a.size = 1000;
	(void)po_filename_to_asset(&a);
	a.flags = flags;
	return a;
}

static struct playout_slot slot_abc(void)
{
	struct playout_slot s;

	memset(&s, 0, sizeof s);
	po_iso8601_parse("2026-03-29T01:00:00Z", &s.start_ms);
	s.end_ms = s.start_ms + 3600 * 1000;
	s.type = PLAYOUT_SLOT_RECORDED;
	snprintf(s.pid, sizeof s.pid, "ABC");
	return s;
}

static int setup(void)
{
	return po_tz_set("UTC", NULL);
}

static void test_fallback_picks_latest_earlier_edition(void)
{
	struct fixture f;
	struct playout_slot s = slot_abc();
	struct playout_asset as[] = {
		asset("20260315_0100_abc.mp3", 0), asset("20260322_0100_ABC.mp3", 0),
		asset("20260322_0100_xyz.mp3", 0), asset("20260328_0100_other.mp3", 0),
		asset("20260405_0100_abc.mp3", 0),
	};
	struct playout_choice ch;
	struct playout_error err = { 0, "" };

	PO_EXPECT_INT_FATAL(fixture_open(&f, ""), 0);
	PO_EXPECT_INT(ops()->choose(f.inst, &s, as, 5, &ch, &err), 0);
	PO_EXPECT_STR(ch.asset, "20260322_0100_ABC.mp3");
	PO_EXPECT_STR(ch.reason, "no file for ABC at 2026-03-29 01:00; playing the "
			       "edition of 2026-03-22 01:00 (20260322_0100_ABC.mp3)");
	fixture_close(&f);
}

static void test_fallback_never_picks_a_future_or_same_time_edition(void)
{
	struct fixture f;
	struct playout_slot s = slot_abc();
	struct playout_asset as[] = {
		asset("20260329_0100_abc.mp3", 0), /* the slot's own time: not "earlier" */
		asset("20260405_0100_abc.mp3", 0),
	};
	struct playout_choice ch;
	struct playout_error err = { 0, "" };

	PO_EXPECT_INT_FATAL(fixture_open(&f, ""), 0);
	PO_EXPECT_INT(ops()->choose(f.inst, &s, as, 2, &ch, &err), 0);
	PO_EXPECT_STR(ch.asset, "");
	CU_ASSERT(strstr(ch.reason, "no earlier edition within 56 days") != NULL);
	fixture_close(&f);
}

static void test_fallback_skips_editions_older_than_max_age(void)
{
	struct fixture f;
	struct playout_slot s = slot_abc();
	struct playout_asset as[] = { asset("20260321_0100_abc.mp3", 0) }; /* 8 days */
	struct playout_choice ch;
	struct playout_error err = { 0, "" };

	PO_EXPECT_INT_FATAL(fixture_open(&f, "max_age_days = 7;"), 0);
	PO_EXPECT_INT(ops()->choose(f.inst, &s, as, 1, &ch, &err), 0);
	PO_EXPECT_STR(ch.asset, "");
	CU_ASSERT(strstr(ch.reason, "within 7 days") != NULL);
	fixture_close(&f);
	PO_EXPECT_INT_FATAL(fixture_open(&f, "max_age_days = 8;"), 0);
	PO_EXPECT_INT(ops()->choose(f.inst, &s, as, 1, &ch, &err), 0);
	PO_EXPECT_STR(ch.asset, "20260321_0100_abc.mp3");
	fixture_close(&f);
}

static void test_fallback_never_picks_an_unplayable_edition(void)
{
	struct fixture f;
	struct playout_slot s = slot_abc();
	struct playout_asset as[] = {
		asset("20260315_0100_abc.mp3", 0),
		asset("20260322_0100_abc.mp3", PLAYOUT_ASSET_SILENT),
	};
	struct playout_choice ch;
	struct playout_error err = { 0, "" };

	PO_EXPECT_INT_FATAL(fixture_open(&f, ""), 0);
	PO_EXPECT_INT(ops()->choose(f.inst, &s, as, 2, &ch, &err), 0);
	PO_EXPECT_STR(ch.asset, "20260315_0100_abc.mp3");
	fixture_close(&f);
}

static void test_fallback_plays_the_sustainer_when_no_edition_exists(void)
{
	struct fixture f;
	struct playout_slot s = slot_abc();
	struct playout_asset as[] = { asset("sustainer.mp3", 0), asset("20260322_0100_xyz.mp3", 0) };
	struct playout_choice ch;
	struct playout_error err = { 0, "" };

	PO_EXPECT_INT_FATAL(fixture_open(&f, "sustainer = \"sustainer.mp3\";"), 0);
	PO_EXPECT_INT(ops()->choose(f.inst, &s, as, 2, &ch, &err), 0);
	PO_EXPECT_STR(ch.asset, "sustainer.mp3");
	CU_ASSERT(strstr(ch.reason, "playing the sustainer sustainer.mp3") != NULL);
	/* a sustainer the storage does not hold is not offered; the reason says so */
	PO_EXPECT_INT(ops()->choose(f.inst, &s, as + 1, 1, &ch, &err), 0);
	PO_EXPECT_STR(ch.asset, "");
	CU_ASSERT(strstr(ch.reason, "sustainer.mp3 is not in the storage") != NULL);
	fixture_close(&f);
}

static void test_create_refuses_a_sustainer_path(void)
{
	struct fixture f;

	PO_EXPECT_INT(fixture_open(&f, "sustainer = \"../etc/passwd\";"), PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NULL(f.inst);
	fixture_close(&f);
}

/* The planner asks again every round: the real file replaces the fallback. */
static void test_planner_switches_from_fallback_to_the_real_file_when_it_arrives(void)
{
	struct fixture f;
	struct playout_slot s = slot_abc();
	struct playout_asset as[] = { asset("20260322_0100_abc.mp3", 0),
				      asset("20260329_0100_abc.mp3", 0) };
	struct po_plan_input in;
	struct po_rundown r;
	struct playout_error err = { 0, "" };

	PO_EXPECT_INT_FATAL(fixture_open(&f, ""), 0);
	memset(&in, 0, sizeof in);
	in.from_ms = s.start_ms - 3600 * 1000;
	in.to_ms = s.start_ms + 6 * 3600 * 1000;
	in.slots = &s;
	in.nslots = 1;
	in.assets = as;
	in.nassets = 1; /* the real file has not arrived */
	in.fallback = ops();
	in.fallback_inst = f.inst;
	in.fallback_label = "previous-edition";
	PO_EXPECT_INT_FATAL(po_plan(&in, &r, &err), 0);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_FALLBACK);
	PO_EXPECT_INT(r.v[0].start_ms, s.start_ms);
	PO_EXPECT_STR(r.v[0].seg[0].asset, "20260322_0100_abc.mp3");
	CU_ASSERT(strstr(r.v[0].reason, "playing the edition of 2026-03-22 01:00") != NULL);
	po_rundown_free(&r);

	in.nassets = 2; /* it arrives before air time */
	PO_EXPECT_INT_FATAL(po_plan(&in, &r, &err), 0);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_EXACT);
	PO_EXPECT_STR(r.v[0].seg[0].asset, "20260329_0100_abc.mp3");
	po_rundown_free(&r);
	fixture_close(&f);
}

/* DAMAGED is informational (plugin.h): a damaged file plays its good frames,
 * so a damaged edition or sustainer is chosen like a clean one. */
static void test_fallback_picks_a_damaged_edition_and_a_damaged_sustainer(void)
{
	struct fixture f;
	struct playout_slot s = slot_abc();
	struct playout_asset as[] = {
		asset("20260315_0100_abc.mp3", 0),
		asset("20260322_0100_abc.mp3", PLAYOUT_ASSET_DAMAGED),
		asset("sustainer.mp3", PLAYOUT_ASSET_DAMAGED),
	};
	struct playout_choice ch;
	struct playout_error err = { 0, "" };

	PO_EXPECT_INT_FATAL(fixture_open(&f, "sustainer = \"sustainer.mp3\";"), 0);
	PO_EXPECT_INT(ops()->choose(f.inst, &s, as, 3, &ch, &err), 0);
	PO_EXPECT_STR(ch.asset, "20260322_0100_abc.mp3");
	/* no edition at all: the damaged sustainer */
	PO_EXPECT_INT(ops()->choose(f.inst, &s, as + 2, 1, &ch, &err), 0);
	PO_EXPECT_STR(ch.asset, "sustainer.mp3");
	CU_ASSERT(strstr(ch.reason, "playing the sustainer sustainer.mp3") != NULL);
	/* DAMAGED beside a flag that keeps a file off air: still off air */
	as[1].flags = PLAYOUT_ASSET_DAMAGED | PLAYOUT_ASSET_NO_AUDIO;
	as[2].flags = PLAYOUT_ASSET_DAMAGED | PLAYOUT_ASSET_SILENT;
	PO_EXPECT_INT(ops()->choose(f.inst, &s, as, 3, &ch, &err), 0);
	PO_EXPECT_STR(ch.asset, "20260315_0100_abc.mp3");
	PO_EXPECT_INT(ops()->choose(f.inst, &s, as + 2, 1, &ch, &err), 0);
	PO_EXPECT_STR(ch.asset, "");
	CU_ASSERT(strstr(ch.reason, "(or unplayable)") != NULL);
	fixture_close(&f);
}

/* Through the planner: a slot with no file airs the damaged sustainer. */
static void test_planner_airs_a_damaged_sustainer(void)
{
	struct fixture f;
	struct playout_slot s = slot_abc();
	struct playout_asset as[] = { asset("sustainer.mp3", PLAYOUT_ASSET_DAMAGED) };
	struct po_plan_input in;
	struct po_rundown r;
	struct playout_error err = { 0, "" };

	as[0].duration_ms = 600 * 1000;
	PO_EXPECT_INT_FATAL(fixture_open(&f, "sustainer = \"sustainer.mp3\";"), 0);
	memset(&in, 0, sizeof in);
	in.from_ms = s.start_ms - 3600 * 1000;
	in.to_ms = s.start_ms + 6 * 3600 * 1000;
	in.slots = &s;
	in.nslots = 1;
	in.assets = as;
	in.nassets = 1;
	in.fallback = ops();
	in.fallback_inst = f.inst;
	in.fallback_label = "previous-edition";
	PO_EXPECT_INT_FATAL(po_plan(&in, &r, &err), 0);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_FALLBACK);
	PO_EXPECT_INT(r.v[0].start_ms, s.start_ms);
	PO_EXPECT_STR(r.v[0].seg[0].asset, "sustainer.mp3");
	po_rundown_free(&r);
	fixture_close(&f);
}

static const struct po_test tests[] = {
	{ "fallback_picks_latest_earlier_edition", test_fallback_picks_latest_earlier_edition },
	{ "fallback_never_picks_a_future_or_same_time_edition",
	  test_fallback_never_picks_a_future_or_same_time_edition },
	{ "fallback_skips_editions_older_than_max_age",
	  test_fallback_skips_editions_older_than_max_age },
	{ "fallback_never_picks_an_unplayable_edition",
	  test_fallback_never_picks_an_unplayable_edition },
	{ "fallback_plays_the_sustainer_when_no_edition_exists",
	  test_fallback_plays_the_sustainer_when_no_edition_exists },
	{ "create_refuses_a_sustainer_path", test_create_refuses_a_sustainer_path },
	{ "planner_switches_from_fallback_to_the_real_file_when_it_arrives",
	  test_planner_switches_from_fallback_to_the_real_file_when_it_arrives },
	{ "fallback_picks_a_damaged_edition_and_a_damaged_sustainer",
	  test_fallback_picks_a_damaged_edition_and_a_damaged_sustainer },
	{ "planner_airs_a_damaged_sustainer", test_planner_airs_a_damaged_sustainer },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "previous-edition", tests, setup, NULL },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_previous_edition", suites);
}
