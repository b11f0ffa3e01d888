/*
 * The planner (core/rundown.c): every rule of rundown.h, with small
 * fallback and join ops tables standing in for the plugins.
 */
#include "runner.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "filename.h"
#include "rundown.h"
#include "timeutil.h"

#define S 1000LL
#define MIN (60 * S)
#define HOUR (60 * MIN)
#define T0 1774864800000LL /* 2026-03-30T10:00:00Z */

static const struct po_cap default_caps[] = {
	{ 2000, 1792 }, { 4000, 3525 }, { 6000, 5392 }, { 8000, 7125 },
	{ 9120, 8992 }, { 11000, 10725 }, { 13000, 12592 },
};
#define NCAPS (sizeof default_caps / sizeof default_caps[0])

/* ---- builders ------------------------------------------------------------ */

static struct playout_asset asset(const char *name, const char *pid, int64_t start_ms,
				  int64_t duration_ms)
{
	struct playout_asset a;

	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "%s", name);
	snprintf(a.pid, sizeof a.pid, "%s", pid);
	a.start_ms = start_ms;
	a.duration_ms = duration_ms;
	return a;
}

static struct playout_slot slot(const char *pid, const char *title, int64_t start_ms,
				int64_t end_ms, int type)
{
	struct playout_slot s;

	memset(&s, 0, sizeof s);
	snprintf(s.pid, sizeof s.pid, "%s", pid);
	snprintf(s.title, sizeof s.title, "%s", title);
	snprintf(s.source, sizeof s.source, "csv:main");
	s.start_ms = start_ms;
	s.end_ms = end_ms;
	s.type = type;
	return s;
}

static struct po_plan_input input(int64_t from_ms, int64_t to_ms,
				  const struct playout_slot *slots, size_t nslots,
				  const struct playout_asset *assets, size_t nassets)
{
	struct po_plan_input in;

	memset(&in, 0, sizeof in);
	in.from_ms = from_ms;
	in.to_ms = to_ms;
	in.slots = slots;
	in.nslots = nslots;
	in.assets = assets;
	in.nassets = nassets;
	in.caps = default_caps;
	in.ncaps = NCAPS;
	return in;
}

static int plan_ok(const struct po_plan_input *in, struct po_rundown *r)
{
	struct playout_error err = { 0, "" };
	int rc = po_plan(in, r, &err);

	if (rc != PLAYOUT_OK)
		fprintf(stderr, "po_plan: %d %s\n", rc, err.msg);
	return rc;
}

static int has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

/* ---- a fallback stand-in --------------------------------------------------- */

struct fake_fallback {
	int calls;
	int rc;                 /* returned */
	const char *asset;      /* offered, or "" */
	const char *reason;
	char last_pid[PLAYOUT_PID_MAX];
	size_t last_nassets;
};

static int fake_choose(void *inst, const struct playout_slot *sl,
		       const struct playout_asset *assets, size_t nassets,
		       struct playout_choice *out, struct playout_error *err)
{
	struct fake_fallback *f = inst;

	(void)assets;
	f->calls++;
	snprintf(f->last_pid, sizeof f->last_pid, "%s", sl->pid);
	f->last_nassets = nassets;
	if (f->rc != PLAYOUT_OK)
		return playout_error_set(err, f->rc, "fake: %s", f->reason);
	snprintf(out->asset, sizeof out->asset, "%s", f->asset);
	snprintf(out->reason, sizeof out->reason, "%s", f->reason);
	return PLAYOUT_OK;
}

static const struct playout_fallback_ops fake_fallback_ops = { .choose = fake_choose };

static void use_fallback(struct po_plan_input *in, struct fake_fallback *f)
{
	in->fallback = &fake_fallback_ops;
	in->fallback_inst = f;
	in->fallback_label = "previous-edition";
}

/* ---- a join stand-in: merges the first two neighbours ------------------- */

struct fake_join {
	int calls;
	int fail;           /* scribble on the items, then return an error */
	int64_t extend_ms;  /* added to the joined item's end */
};

static int fake_plan(void *inst, struct playout_item *items, size_t *n,
		     const struct playout_asset *assets, size_t nassets,
		     struct playout_error *err)
{
	struct fake_join *j = inst;

	(void)assets;
	(void)nassets;
	j->calls++;
	if (j->fail) {
		for (size_t i = 0; i < *n; i++)
			items[i].decision = PLAYOUT_DECISION_JOINED;
		*n = 1;
		return playout_error_set(err, PLAYOUT_EPROTO, "fake join: refused");
	}
	if (*n < 2)
		return PLAYOUT_OK;
	struct playout_item *a = &items[0], *b = &items[1];
	a->decision = PLAYOUT_DECISION_JOINED;
	a->seg[0].nframes = 68906; /* 30:00 at 44.1 kHz */
	a->seg[1] = b->seg[0];
	a->nseg = 2;
	a->end_ms = b->end_ms + j->extend_ms;
	snprintf(a->reason, sizeof a->reason, "joined %s and %s", a->pid, b->pid);
	memmove(&items[1], &items[2], (*n - 2) * sizeof *items);
	(*n)--;
	return PLAYOUT_OK;
}

static const struct playout_join_ops fake_join_ops = { .plan = fake_plan };

/* ---- rule 1: exact and storage-only -------------------------------------- */

static void test_file_without_slot_plays_storage_only(void)
{
	struct playout_asset a[] = { asset("20260330_1000_abc.mp3", "abc", T0, 50 * MIN) };
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, NULL, 0, a, 1);
	struct po_rundown r;

	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_STORAGE_ONLY);
	PO_EXPECT_INT(r.v[0].start_ms, T0);
	PO_EXPECT_INT(r.v[0].end_ms, T0 + 50 * MIN);
	PO_EXPECT_STR(r.v[0].title, "abc");
	PO_EXPECT_STR(r.v[0].pid, "abc");
	PO_EXPECT_STR(r.v[0].source, "storage");
	PO_EXPECT_STR(r.v[0].reason, "file named for this time; no schedule slot");
	PO_EXPECT_INT(r.v[0].nseg, 1);
	PO_EXPECT_STR(r.v[0].seg[0].asset, "20260330_1000_abc.mp3");
	PO_EXPECT_INT(r.v[0].seg[0].first_frame, 0);
	PO_EXPECT_INT(r.v[0].seg[0].nframes, 0);
	po_rundown_free(&r);
	CU_ASSERT_PTR_NULL(r.v);
}

static void test_file_with_slot_plays_exact(void)
{
	struct playout_asset a[] = { asset("20260330_1000_abc.mp3", "abc", T0, 50 * MIN) };
	struct playout_slot s[] = { slot("abc", "The ABC Hour", T0, T0 + HOUR,
					 PLAYOUT_SLOT_RECORDED) };
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, s, 1, a, 1);
	struct po_rundown r;

	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_EXACT);
	PO_EXPECT_STR(r.v[0].title, "The ABC Hour");
	PO_EXPECT_STR(r.v[0].source, "csv:main");
	CU_ASSERT(has(r.v[0].reason, "slot csv:main "));
	CU_ASSERT(has(r.v[0].reason, " abc, file 20260330_1000_abc.mp3"));
	PO_EXPECT_INT(r.v[0].end_ms, T0 + 50 * MIN);
	po_rundown_free(&r);
}

static void test_case_insensitive_pid(void)
{
	struct playout_asset a[] = { asset("20260330_1000_ABC.mp3", "abc", T0, 20 * MIN) };
	struct playout_slot s[] = { slot("AbC", "Mixed Case", T0, T0 + HOUR,
					 PLAYOUT_SLOT_RECORDED) };
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, s, 1, a, 1);
	struct fake_fallback f = { .rc = PLAYOUT_OK, .asset = "", .reason = "none" };
	struct po_rundown r;

	use_fallback(&in, &f);
	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_EXACT);
	PO_EXPECT_STR(r.v[0].title, "Mixed Case");
	PO_EXPECT_INT(f.calls, 0);
	po_rundown_free(&r);
}

static void test_expected_file_name(void)
{
	/* The slot names a file (any case); the dated file it names plays at the
	 * slot, not also at the time in its own name. */
	struct playout_asset a[] = {
		asset("special.mp3", "", 0, 40 * MIN),
		asset("20260330_1000_old.mp3", "old", T0, 30 * MIN),
	};
	struct playout_slot s[] = {
		slot("xyz", "Special", T0 + 2 * HOUR, T0 + 3 * HOUR, PLAYOUT_SLOT_RECORDED),
		slot("rpt", "Repeat", T0 + 4 * HOUR, T0 + 5 * HOUR, PLAYOUT_SLOT_RECORDED),
	};
	snprintf(s[0].expected_file, sizeof s[0].expected_file, "SPECIAL.MP3");
	snprintf(s[1].expected_file, sizeof s[1].expected_file, "20260330_1000_old.mp3");
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, s, 2, a, 2);
	struct po_rundown r;

	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 2);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_EXACT);
	PO_EXPECT_INT(r.v[0].start_ms, T0 + 2 * HOUR);
	PO_EXPECT_INT(r.v[0].end_ms, T0 + 2 * HOUR + 40 * MIN);
	PO_EXPECT_STR(r.v[0].seg[0].asset, "special.mp3");
	PO_EXPECT_STR(r.v[0].title, "Special");
	PO_EXPECT_INT(r.v[1].decision, PLAYOUT_DECISION_EXACT);
	PO_EXPECT_INT(r.v[1].start_ms, T0 + 4 * HOUR);
	PO_EXPECT_STR(r.v[1].seg[0].asset, "20260330_1000_old.mp3");
	po_rundown_free(&r);
}

/* ---- rule 3: fallback, missing, live ------------------------------------- */

static void test_recorded_slot_without_file_asks_fallback(void)
{
	struct playout_asset a[] = { asset("20260323_1000_abc.mp3", "abc", T0 - 7 * 24 * HOUR,
					   3000 * S) };
	struct playout_slot s[] = { slot("ABC", "The ABC Hour", T0, T0 + HOUR,
					 PLAYOUT_SLOT_RECORDED) };
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, s, 1, a, 1);
	struct fake_fallback f = { .rc = PLAYOUT_OK, .asset = "20260323_1000_abc.mp3",
				   .reason = "previous edition of 2026-03-23" };
	struct po_rundown r;

	use_fallback(&in, &f);
	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT(f.calls, 1);
	PO_EXPECT_STR(f.last_pid, "ABC");
	PO_EXPECT_INT(f.last_nassets, 1);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_FALLBACK);
	PO_EXPECT_INT(r.v[0].start_ms, T0);
	PO_EXPECT_INT(r.v[0].end_ms, T0 + 3000 * S); /* its own duration, under the cap */
	PO_EXPECT_INT(r.v[0].cap_s, 3525);
	PO_EXPECT_INT(r.v[0].nseg, 1);
	PO_EXPECT_STR(r.v[0].seg[0].asset, "20260323_1000_abc.mp3");
	PO_EXPECT_STR(r.v[0].source, "previous-edition");
	PO_EXPECT_STR(r.v[0].reason, "previous edition of 2026-03-23");
	PO_EXPECT_STR(r.v[0].title, "The ABC Hour");
	po_rundown_free(&r);
}

static void test_fallback_empty_choice_marks_missing(void)
{
	struct playout_slot s[] = { slot("ABC", "The ABC Hour", T0, T0 + HOUR,
					 PLAYOUT_SLOT_RECORDED) };
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, s, 1, NULL, 0);
	struct fake_fallback f = { .rc = PLAYOUT_OK, .asset = "",
				   .reason = "no earlier edition within 56 days" };
	struct po_rundown r;

	use_fallback(&in, &f);
	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT(f.calls, 1);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_MISSING);
	PO_EXPECT_INT(r.v[0].nseg, 0);
	PO_EXPECT_INT(r.v[0].start_ms, T0);
	PO_EXPECT_INT(r.v[0].end_ms, T0 + HOUR);
	CU_ASSERT(has(r.v[0].reason, "no file for ABC at "));
	CU_ASSERT(has(r.v[0].reason, " and the fallback (previous-edition) offered none: "
				     "no earlier edition within 56 days"));
	po_rundown_free(&r);
}

static void test_fallback_error_marks_missing(void)
{
	struct playout_slot s[] = { slot("ABC", "The ABC Hour", T0, T0 + HOUR,
					 PLAYOUT_SLOT_RECORDED) };
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, s, 1, NULL, 0);
	struct fake_fallback f = { .rc = PLAYOUT_EIO, .asset = "x.mp3", .reason = "disk on fire" };
	struct po_rundown r;

	use_fallback(&in, &f);
	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT(f.calls, 1);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_MISSING);
	PO_EXPECT_INT(r.v[0].nseg, 0);
	CU_ASSERT(has(r.v[0].reason, "offered none: fake: disk on fire"));
	po_rundown_free(&r);
}

static void test_no_fallback_configured_marks_missing(void)
{
	struct playout_slot s[] = { slot("ABC", "The ABC Hour", T0, T0 + HOUR,
					 PLAYOUT_SLOT_RECORDED) };
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, s, 1, NULL, 0);
	struct po_rundown r;

	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_MISSING);
	PO_EXPECT_STR(r.v[0].source, "csv:main");
	CU_ASSERT(has(r.v[0].reason, "no file for ABC at "));
	CU_ASSERT(has(r.v[0].reason, "and no fallback configured"));
	po_rundown_free(&r);
}

static void test_live_slot_makes_no_item(void)
{
	struct playout_slot s[] = { slot("talk", "Live Talk", T0, T0 + HOUR, PLAYOUT_SLOT_LIVE) };
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, s, 1, NULL, 0);
	struct fake_fallback f = { .rc = PLAYOUT_OK, .asset = "any.mp3", .reason = "r" };
	struct po_rundown r;

	use_fallback(&in, &f);
	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT(r.n, 0);
	PO_EXPECT_INT(f.calls, 0);
	po_rundown_free(&r);
}

static void test_file_named_for_slot_start_stops_fallback(void)
{
	/* Another programme's file is named for the slot's instant: it plays,
	 * and the fallback is not asked to fill the same instant. */
	struct playout_asset a[] = { asset("20260330_1000_xyz.mp3", "xyz", T0, 30 * MIN) };
	struct playout_slot s[] = { slot("abc", "ABC", T0, T0 + HOUR, PLAYOUT_SLOT_RECORDED) };
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, s, 1, a, 1);
	struct fake_fallback f = { .rc = PLAYOUT_OK, .asset = "old.mp3", .reason = "r" };
	struct po_rundown r;

	use_fallback(&in, &f);
	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT(f.calls, 0);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_STORAGE_ONLY);
	po_rundown_free(&r);
}

/* ---- rule 2: the repeated autumn hour ------------------------------------- */

static void test_ambiguous_autumn_hour_slot_decides_second(void)
{
	struct playout_asset a[] = { asset("20261025_0130_abc.mp3", "abc", T0, 20 * MIN) };
	a[0].start_alt_ms = T0 + HOUR;
	struct playout_slot s[] = { slot("ABC", "ABC", T0 + HOUR, T0 + 2 * HOUR,
					 PLAYOUT_SLOT_RECORDED) };
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, s, 1, a, 1);
	struct po_rundown r;

	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].start_ms, T0 + HOUR);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_EXACT);
	CU_ASSERT(has(r.v[0].reason, "ambiguous local time; the schedule decides"));
	CU_ASSERT(has(r.v[0].reason, "second occurrence"));
	po_rundown_free(&r);
}

static void test_ambiguous_autumn_hour_slot_decides_first(void)
{
	struct playout_asset a[] = { asset("20261025_0130_abc.mp3", "abc", T0, 20 * MIN) };
	a[0].start_alt_ms = T0 + HOUR;
	struct playout_slot s[] = { slot("abc", "ABC", T0, T0 + HOUR, PLAYOUT_SLOT_RECORDED) };
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, s, 1, a, 1);
	struct po_rundown r;

	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].start_ms, T0);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_EXACT);
	CU_ASSERT(has(r.v[0].reason, "the schedule decides: first occurrence"));
	po_rundown_free(&r);
}

static void test_ambiguous_autumn_hour_defaults_first(void)
{
	struct playout_asset a[] = { asset("20261025_0130_abc.mp3", "abc", T0, 20 * MIN) };
	a[0].start_alt_ms = T0 + HOUR;
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, NULL, 0, a, 1);
	struct po_rundown r;

	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].start_ms, T0);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_STORAGE_ONLY);
	CU_ASSERT(has(r.v[0].reason, "ambiguous local time"));
	CU_ASSERT(has(r.v[0].reason, "first occurrence"));
	po_rundown_free(&r);
}

/* ---- rule 4: two files for one instant ------------------------------------ */

static void test_two_files_same_instant_slot_pid_wins(void)
{
	struct playout_asset a[] = {
		asset("20260330_1000_aaa.mp3", "aaa", T0, 20 * MIN),
		asset("20260330_1000_zzz.mp3", "zzz", T0, 20 * MIN),
	};
	struct playout_slot s[] = { slot("ZZZ", "Zed", T0, T0 + HOUR, PLAYOUT_SLOT_RECORDED) };
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, s, 1, a, 2);
	struct po_rundown r;

	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_STR(r.v[0].seg[0].asset, "20260330_1000_zzz.mp3");
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_EXACT);
	CU_ASSERT(has(r.v[0].reason, "passed over 20260330_1000_aaa.mp3"));
	po_rundown_free(&r);
}

static void test_two_files_same_instant_first_name_wins(void)
{
	struct playout_asset a[] = {
		asset("20260330_1000_bbb.mp3", "bbb", T0, 20 * MIN),
		asset("20260330_1000_aaa.mp3", "aaa", T0, 20 * MIN),
	};
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, NULL, 0, a, 2);
	struct po_rundown r;

	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_STR(r.v[0].seg[0].asset, "20260330_1000_aaa.mp3");
	CU_ASSERT(has(r.v[0].reason, "passed over 20260330_1000_bbb.mp3"));
	po_rundown_free(&r);
}

/* ---- rule 5: caps, unknown durations, cuts -------------------------------- */

static void test_cap_table_default_values(void)
{
	struct playout_asset a[] = {
		asset("20260330_1000_a.mp3", "a", T0, 1900 * S),
		asset("20260330_1200_b.mp3", "b", T0 + 2 * HOUR, 3600 * S),
		asset("20260330_1400_c.mp3", "c", T0 + 4 * HOUR, 2000 * S),
		asset("20260330_1600_d.mp3", "d", T0 + 6 * HOUR, 1000 * S),
	};
	struct po_plan_input in = input(T0 - HOUR, T0 + 12 * HOUR, NULL, 0, a, 4);
	struct po_rundown r;

	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 4);
	PO_EXPECT_INT(r.v[0].cap_s, 1792);
	PO_EXPECT_INT(r.v[0].end_ms, T0 + 1792 * S);
	PO_EXPECT_INT(r.v[1].cap_s, 3525);
	PO_EXPECT_INT(r.v[1].end_ms, T0 + 2 * HOUR + 3525 * S);
	PO_EXPECT_INT(r.v[2].cap_s, 3525); /* 2000 exactly is not below 2000 */
	PO_EXPECT_INT(r.v[2].end_ms, T0 + 4 * HOUR + 2000 * S);
	PO_EXPECT_INT(r.v[3].cap_s, 1792); /* shorter than its cap: plays whole */
	PO_EXPECT_INT(r.v[3].end_ms, T0 + 6 * HOUR + 1000 * S);
	po_rundown_free(&r);
}

static void test_file_longer_than_every_cap_row_is_uncapped(void)
{
	struct playout_asset a[] = { asset("20260330_1000_long.mp3", "long", T0, 14000 * S) };
	struct po_plan_input in = input(T0 - HOUR, T0 + 12 * HOUR, NULL, 0, a, 1);
	struct po_rundown r;

	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].cap_s, 0);
	PO_EXPECT_INT(r.v[0].end_ms, T0 + 14000 * S);
	po_rundown_free(&r);
}

static void test_unknown_duration_ends_at_slot_end(void)
{
	struct playout_asset a[] = { asset("20260330_1000_abc.mp3", "abc", T0, 0) };
	struct playout_slot s[] = { slot("abc", "ABC", T0, T0 + 45 * MIN, PLAYOUT_SLOT_RECORDED) };
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, s, 1, a, 1);
	struct po_rundown r;

	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].end_ms, T0 + 45 * MIN);
	PO_EXPECT_INT(r.v[0].cap_s, 0);
	po_rundown_free(&r);
}

static void test_unknown_duration_without_slot_uses_largest_cap(void)
{
	struct playout_asset a[] = { asset("20260330_1000_abc.mp3", "abc", T0, 0) };
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, NULL, 0, a, 1);
	struct po_rundown r;

	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].end_ms, T0 + 12592 * S);
	PO_EXPECT_INT(r.v[0].cap_s, 0);
	po_rundown_free(&r);

	in.caps = NULL;
	in.ncaps = 0;
	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].end_ms, T0 + 2 * HOUR);
	po_rundown_free(&r);
}

static void test_overrun_cut_at_next_item(void)
{
	struct playout_asset a[] = {
		asset("20260330_1000_a.mp3", "a", T0, 40 * MIN),
		asset("20260330_1030_b.mp3", "b", T0 + 30 * MIN, 25 * MIN),
	};
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, NULL, 0, a, 2);
	struct po_rundown r;

	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 2);
	PO_EXPECT_INT(r.v[0].end_ms, T0 + 30 * MIN);
	CU_ASSERT(has(r.v[0].reason, "cut at next item"));
	PO_EXPECT_INT(r.v[1].start_ms, T0 + 30 * MIN);
	PO_EXPECT_INT(r.v[1].end_ms, T0 + 55 * MIN);
	CU_ASSERT(!has(r.v[1].reason, "cut at next item"));
	po_rundown_free(&r);
}

static void test_missing_item_keeps_slot_times(void)
{
	/* A file overrunning into a missing slot is cut where the slot begins;
	 * the missing item keeps the slot's times even though a file follows. */
	struct playout_asset a[] = {
		asset("20260330_0930_pre.mp3", "pre", T0 - 30 * MIN, 50 * MIN),
		asset("20260330_1030_post.mp3", "post", T0 + 30 * MIN, 20 * MIN),
	};
	struct playout_slot s[] = { slot("gone", "Gone", T0, T0 + HOUR, PLAYOUT_SLOT_RECORDED) };
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, s, 1, a, 2);
	struct po_rundown r;

	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 3);
	PO_EXPECT_INT(r.v[0].end_ms, T0);
	PO_EXPECT_INT(r.v[1].decision, PLAYOUT_DECISION_MISSING);
	PO_EXPECT_INT(r.v[1].start_ms, T0);
	PO_EXPECT_INT(r.v[1].end_ms, T0 + HOUR);
	PO_EXPECT_INT(r.v[2].start_ms, T0 + 30 * MIN);
	po_rundown_free(&r);
}

/* ---- rule 6: the join plugin ---------------------------------------------- */

static void test_join_plugin_can_merge(void)
{
	struct playout_asset a[] = {
		asset("20260330_1000_a.mp3", "a", T0, 29 * MIN),
		asset("20260330_1030_b.mp3", "b", T0 + 30 * MIN, 28 * MIN),
		asset("20260330_1100_c.mp3", "c", T0 + HOUR, 50 * MIN),
	};
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, NULL, 0, a, 3);
	struct fake_join j = { .extend_ms = 10 * MIN }; /* overruns c: must be cut */
	struct po_rundown r;

	in.join = &fake_join_ops;
	in.join_inst = &j;
	in.join_label = "halfhour";
	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT(j.calls, 1);
	PO_EXPECT_INT_FATAL(r.n, 2);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_JOINED);
	PO_EXPECT_INT(r.v[0].nseg, 2);
	PO_EXPECT_STR(r.v[0].seg[0].asset, "20260330_1000_a.mp3");
	PO_EXPECT_STR(r.v[0].seg[1].asset, "20260330_1030_b.mp3");
	PO_EXPECT_INT(r.v[0].start_ms, T0);
	PO_EXPECT_INT(r.v[0].end_ms, T0 + HOUR);
	CU_ASSERT(has(r.v[0].reason, "cut at next item"));
	PO_EXPECT_STR(r.v[1].seg[0].asset, "20260330_1100_c.mp3");
	PO_EXPECT_INT(r.v[1].end_ms, T0 + HOUR + 50 * MIN);
	po_rundown_free(&r);
}

static void test_join_error_keeps_unjoined_items(void)
{
	struct playout_asset a[] = {
		asset("20260330_1000_a.mp3", "a", T0, 29 * MIN),
		asset("20260330_1030_b.mp3", "b", T0 + 30 * MIN, 28 * MIN),
	};
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, NULL, 0, a, 2);
	struct fake_join j = { .fail = 1 };
	struct po_rundown r;

	in.join = &fake_join_ops;
	in.join_inst = &j;
	in.join_label = "halfhour";
	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT(j.calls, 1);
	PO_EXPECT_INT_FATAL(r.n, 2);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_STORAGE_ONLY);
	PO_EXPECT_INT(r.v[1].decision, PLAYOUT_DECISION_STORAGE_ONLY);
	PO_EXPECT_INT(r.v[0].nseg, 1);
	po_rundown_free(&r);
}

/* ---- rule 7: the window, order ------------------------------------------- */

static void test_window_bounds(void)
{
	struct playout_asset a[] = {
		asset("20260330_0900_ended.mp3", "ended", T0 - HOUR, 30 * MIN),   /* over */
		asset("20260330_0901_onair.mp3", "onair", T0 - 59 * MIN, 90 * MIN), /* on air */
		asset("20260330_0902_unk.mp3", "unk", T0 - 58 * MIN, 0),          /* unknown */
		asset("20260330_1559_last.mp3", "last", T0 + 6 * HOUR - MIN, 10 * MIN),
		asset("20260330_1600_after.mp3", "after", T0 + 6 * HOUR, 10 * MIN),
	};
	struct playout_slot s[] = {
		slot("far", "Far", T0 + 7 * HOUR, T0 + 8 * HOUR, PLAYOUT_SLOT_RECORDED),
		slot("early", "Early", T0 - 3 * HOUR, T0 - 2 * HOUR, PLAYOUT_SLOT_RECORDED),
	};
	struct po_plan_input in = input(T0, T0 + 6 * HOUR, s, 2, a, 5);
	struct fake_fallback f = { .rc = PLAYOUT_OK, .asset = "", .reason = "none" };
	struct po_rundown r;

	use_fallback(&in, &f);
	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT(f.calls, 0);
	PO_EXPECT_INT_FATAL(r.n, 2);
	PO_EXPECT_STR(r.v[0].pid, "onair");
	PO_EXPECT_INT(r.v[0].start_ms, T0 - 59 * MIN);
	PO_EXPECT_STR(r.v[1].pid, "last");
	/* the item just past the window still cuts the last one inside it */
	PO_EXPECT_INT(r.v[1].end_ms, T0 + 6 * HOUR);
	CU_ASSERT(has(r.v[1].reason, "cut at next item"));
	po_rundown_free(&r);
}

static void test_output_sorted_without_overlaps(void)
{
	struct playout_asset a[] = {
		asset("20260330_1200_c.mp3", "c", T0 + 2 * HOUR, 70 * MIN),
		asset("20260330_1000_a.mp3", "a", T0, 100 * MIN),
		asset("20260330_1300_d.mp3", "d", T0 + 3 * HOUR, 0),
		asset("20260330_1100_b.mp3", "b", T0 + HOUR, 30 * MIN),
	};
	struct playout_slot s[] = {
		slot("e", "E", T0 + 4 * HOUR, T0 + 5 * HOUR, PLAYOUT_SLOT_RECORDED),
	};
	struct po_plan_input in = input(T0 - HOUR, T0 + 6 * HOUR, s, 1, a, 4);
	struct fake_fallback f = { .rc = PLAYOUT_OK, .asset = "20260330_1000_a.mp3",
				   .reason = "repeat" };
	struct po_rundown r;

	use_fallback(&in, &f);
	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 5);
	for (size_t i = 0; i + 1 < r.n; i++) {
		CU_ASSERT(r.v[i].start_ms < r.v[i + 1].start_ms);
		CU_ASSERT(r.v[i].end_ms <= r.v[i + 1].start_ms);
	}
	PO_EXPECT_INT(r.v[3].end_ms, T0 + 4 * HOUR); /* unknown length, cut */
	PO_EXPECT_INT(r.v[4].decision, PLAYOUT_DECISION_FALLBACK);
	po_rundown_free(&r);
}

static void test_empty_window_is_rejected(void)
{
	struct po_plan_input in = input(T0, T0, NULL, 0, NULL, 0);
	struct playout_error err = { 0, "" };
	struct po_rundown r;

	PO_EXPECT_INT(po_plan(&in, &r, &err), PLAYOUT_EINVAL);
	CU_ASSERT(has(err.msg, "empty window"));
	CU_ASSERT_PTR_NULL(r.v);
	PO_EXPECT_INT(r.n, 0);
}

static void test_decision_names(void)
{
	PO_EXPECT_STR(po_decision_name(PLAYOUT_DECISION_EXACT), "exact");
	PO_EXPECT_STR(po_decision_name(PLAYOUT_DECISION_STORAGE_ONLY), "storage-only");
	PO_EXPECT_STR(po_decision_name(PLAYOUT_DECISION_FALLBACK), "fallback");
	PO_EXPECT_STR(po_decision_name(PLAYOUT_DECISION_JOINED), "joined");
	PO_EXPECT_STR(po_decision_name(PLAYOUT_DECISION_MISSING), "missing");
	PO_EXPECT_STR(po_decision_name(99), "unknown");
	PO_EXPECT_STR(po_decision_name(-1), "unknown");
}

/* ---- DST, through the real file-name parser ------------------------------ */

static struct playout_asset named(const char *name, int64_t duration_ms)
{
	struct playout_asset a;

	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "%s", name);
	PO_EXPECT_INT(po_filename_to_asset(&a), PLAYOUT_OK);
	a.duration_ms = duration_ms;
	return a;
}

static int london(void)
{
	struct playout_error err = { 0, "" };

	if (po_tz_set("Europe/London", &err) != PLAYOUT_OK) {
		fprintf(stderr, "po_tz_set: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static void test_spring_gap(void)
{
	/* 2026-03-29: London jumps from 01:00 GMT to 02:00 BST. */
	struct playout_asset a[3];
	a[0] = named("20260329_0030_abc.mp3", 20 * MIN); /* 00:30Z */
	a[1] = named("20260329_0130_gap.mp3", 20 * MIN); /* no such time: 02:30 BST */
	a[2] = named("20260329_0300_def.mp3", 20 * MIN); /* 03:00 BST = 02:00Z */
	struct po_plan_input in = input(1774744200000LL - HOUR, 1774744200000LL + 6 * HOUR,
					NULL, 0, a, 3);
	struct po_rundown r;

	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 3);
	PO_EXPECT_INT(r.v[0].start_ms, 1774744200000LL); /* 2026-03-29T00:30Z */
	PO_EXPECT_INT(r.v[1].start_ms, 1774747800000LL); /* 2026-03-29T01:30Z */
	PO_EXPECT_STR(r.v[1].pid, "gap");
	PO_EXPECT_INT(r.v[2].start_ms, 1774749600000LL); /* 2026-03-29T02:00Z */
	po_rundown_free(&r);
}

static void test_autumn_repeated_hour_from_file_name(void)
{
	/* 2026-10-25: 01:30 London happens at 00:30Z (BST) and 01:30Z (GMT). */
	struct playout_asset a[2];
	a[0] = named("20261025_0130_abc.mp3", 20 * MIN);
	a[1] = named("20261025_0130_xyz.mp3", 20 * MIN);
	PO_EXPECT_INT(a[0].start_ms, 1792888200000LL);
	PO_EXPECT_INT(a[0].start_alt_ms, 1792891800000LL);
	struct playout_slot s[] = { slot("ABC", "ABC", 1792891800000LL, 1792891800000LL + HOUR,
					 PLAYOUT_SLOT_RECORDED) };
	struct po_plan_input in = input(1792888200000LL - HOUR, 1792888200000LL + 6 * HOUR,
					s, 1, a, 2);
	struct po_rundown r;

	PO_EXPECT_INT_FATAL(plan_ok(&in, &r), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 2);
	PO_EXPECT_STR(r.v[0].pid, "xyz"); /* no slot: first occurrence */
	PO_EXPECT_INT(r.v[0].start_ms, 1792888200000LL);
	PO_EXPECT_STR(r.v[1].pid, "ABC"); /* the slot says the second */
	PO_EXPECT_INT(r.v[1].start_ms, 1792891800000LL);
	CU_ASSERT(has(r.v[1].reason, "the schedule decides"));
	CU_ASSERT(has(r.v[1].reason, " 01:30 ")); /* shown in station time */
	po_rundown_free(&r);
}

static const struct po_test rules[] = {
	{ "test_file_without_slot_plays_storage_only", test_file_without_slot_plays_storage_only },
	{ "test_file_with_slot_plays_exact", test_file_with_slot_plays_exact },
	{ "test_case_insensitive_pid", test_case_insensitive_pid },
	{ "test_expected_file_name", test_expected_file_name },
	{ "test_recorded_slot_without_file_asks_fallback",
	  test_recorded_slot_without_file_asks_fallback },
	{ "test_fallback_empty_choice_marks_missing", test_fallback_empty_choice_marks_missing },
	{ "test_fallback_error_marks_missing", test_fallback_error_marks_missing },
	{ "test_no_fallback_configured_marks_missing", test_no_fallback_configured_marks_missing },
	{ "test_live_slot_makes_no_item", test_live_slot_makes_no_item },
	{ "test_file_named_for_slot_start_stops_fallback",
	  test_file_named_for_slot_start_stops_fallback },
	{ "test_ambiguous_autumn_hour_slot_decides_second",
	  test_ambiguous_autumn_hour_slot_decides_second },
	{ "test_ambiguous_autumn_hour_slot_decides_first",
	  test_ambiguous_autumn_hour_slot_decides_first },
	{ "test_ambiguous_autumn_hour_defaults_first", test_ambiguous_autumn_hour_defaults_first },
	{ "test_two_files_same_instant_slot_pid_wins", test_two_files_same_instant_slot_pid_wins },
	{ "test_two_files_same_instant_first_name_wins",
	  test_two_files_same_instant_first_name_wins },
	{ "test_cap_table_default_values", test_cap_table_default_values },
	{ "test_file_longer_than_every_cap_row_is_uncapped",
	  test_file_longer_than_every_cap_row_is_uncapped },
	{ "test_unknown_duration_ends_at_slot_end", test_unknown_duration_ends_at_slot_end },
	{ "test_unknown_duration_without_slot_uses_largest_cap",
	  test_unknown_duration_without_slot_uses_largest_cap },
	{ "test_overrun_cut_at_next_item", test_overrun_cut_at_next_item },
	{ "test_missing_item_keeps_slot_times", test_missing_item_keeps_slot_times },
	{ "test_join_plugin_can_merge", test_join_plugin_can_merge },
	{ "test_join_error_keeps_unjoined_items", test_join_error_keeps_unjoined_items },
	{ "test_window_bounds", test_window_bounds },
	{ "test_output_sorted_without_overlaps", test_output_sorted_without_overlaps },
	{ "test_empty_window_is_rejected", test_empty_window_is_rejected },
	{ "test_decision_names", test_decision_names },
	{ NULL, NULL },
};

static const struct po_test dst[] = {
	{ "test_spring_gap", test_spring_gap },
	{ "test_autumn_repeated_hour_from_file_name", test_autumn_repeated_hour_from_file_name },
	{ NULL, NULL },
};

/* ---- the short-file rule -------------------------------------------------- */

static void test_file_under_min_fill_percent_of_its_slot_is_flagged_short(void)
{
	struct playout_slot s[] = { slot("abc", "ABC", T0, T0 + HOUR, PLAYOUT_SLOT_RECORDED) };
	struct playout_asset a[] = {
		asset("20260330_1000_abc.mp3", "abc", T0, 12 * MIN),
		asset("20260330_1000_xyz.mp3", "xyz", T0, 12 * MIN), /* no slot */
	};
	po_plan_flag_short(a, 2, s, 1, 0);
	PO_EXPECT_INT(a[0].flags, 0);
	po_plan_flag_short(a, 2, s, 1, 50);
	PO_EXPECT_INT(a[0].flags, PO_ASSET_SHORT);
	PO_EXPECT_STR(a[0].why, "is 12:00 long, under 50% of its 60:00 slot");
	PO_EXPECT_INT(a[1].flags, 0);
	struct playout_asset ok = asset("20260330_1000_abc.mp3", "abc", T0, 31 * MIN);
	po_plan_flag_short(&ok, 1, s, 1, 50);
	PO_EXPECT_INT(ok.flags, 0);
}

static void test_file_at_exactly_min_fill_percent_is_not_short(void)
{
	struct playout_slot s[] = { slot("abc", "ABC", T0, T0 + HOUR, PLAYOUT_SLOT_RECORDED) };
	struct playout_asset a = asset("20260330_1000_abc.mp3", "abc", T0, 30 * MIN);
	char why[128] = "";
	PO_EXPECT_INT(po_plan_short(&a, s, 1, 50, why, sizeof why), 0);
	PO_EXPECT_STR(why, "");
	a.duration_ms -= 1;
	PO_EXPECT_INT(po_plan_short(&a, s, 1, 50, why, sizeof why), 1);
	PO_EXPECT_STR(why, "is 29:59 long, under 50% of its 60:00 slot");
}

static void test_short_rule_uses_the_slot_that_names_the_file(void)
{
	/* An undated file named by a slot of another pid: that slot decides. */
	struct playout_slot s[] = {
		slot("abc", "ABC", T0, T0 + 2 * HOUR, PLAYOUT_SLOT_RECORDED),
		slot("live", "Live", T0 + 2 * HOUR, T0 + 3 * HOUR, PLAYOUT_SLOT_LIVE),
	};
	snprintf(s[0].expected_file, sizeof s[0].expected_file, "special.mp3");
	snprintf(s[1].expected_file, sizeof s[1].expected_file, "jingle.mp3");
	struct playout_asset a[] = {
		asset("special.mp3", "", 0, 50 * MIN),
		asset("jingle.mp3", "", 0, 1 * MIN), /* a LIVE slot's file is never short */
	};
	po_plan_flag_short(a, 2, s, 2, 50);
	PO_EXPECT_INT(a[0].flags, PO_ASSET_SHORT);
	PO_EXPECT_STR(a[0].why, "is 50:00 long, under 50% of its 120:00 slot");
	PO_EXPECT_INT(a[1].flags, 0);
}

static void test_short_rule_matches_a_slot_at_the_second_instant(void)
{
	/* In the repeated autumn hour a name has two instants: a slot at the
	 * second one is the file's slot too. */
	struct playout_slot s[] = { slot("abc", "ABC", T0 + HOUR, T0 + 2 * HOUR,
					 PLAYOUT_SLOT_RECORDED) };
	struct playout_asset a = asset("20260330_1000_abc.mp3", "abc", T0, 10 * MIN);
	PO_EXPECT_INT(po_plan_short(&a, s, 1, 50, NULL, 0), 0);
	a.start_alt_ms = T0 + HOUR;
	PO_EXPECT_INT(po_plan_short(&a, s, 1, 50, NULL, 0), 1);
}

static void test_short_rule_leaves_unknown_durations_and_flagged_files(void)
{
	struct playout_slot s[] = { slot("abc", "ABC", T0, T0 + HOUR, PLAYOUT_SLOT_RECORDED) };
	struct playout_asset a[] = {
		asset("20260330_1000_abc.mp3", "abc", T0, 0), /* not cached: unknown */
		asset("20260330_1000_abc.mp3", "abc", T0, 1 * MIN),
	};
	a[1].flags = PLAYOUT_ASSET_SILENT;
	snprintf(a[1].why, sizeof a[1].why, "is silent throughout");
	po_plan_flag_short(a, 2, s, 1, 50);
	PO_EXPECT_INT(a[0].flags, 0);
	PO_EXPECT_INT(a[1].flags, PLAYOUT_ASSET_SILENT);
	PO_EXPECT_STR(a[1].why, "is silent throughout");
}

static void test_short_file_is_planned_missing_with_its_reason(void)
{
	struct playout_slot s[] = { slot("abc", "ABC", T0, T0 + HOUR, PLAYOUT_SLOT_RECORDED) };
	struct playout_asset a[] = { asset("20260330_1000_abc.mp3", "abc", T0, 5 * MIN) };
	po_plan_flag_short(a, 1, s, 1, 50);
	struct po_plan_input in = input(T0 - MIN, T0 + 2 * HOUR, s, 1, a, 1);
	struct po_rundown r;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_plan(&in, &r, &err), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(r.n, 1);
	PO_EXPECT_INT(r.v[0].decision, PLAYOUT_DECISION_MISSING);
	PO_EXPECT_INT(r.v[0].nseg, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.v[0].reason,
				      "20260330_1000_abc.mp3 is 5:00 long, under 50% of its 60:00 slot"));
	po_rundown_free(&r);
}

static const struct po_test short_rule[] = {
	{ "test_file_under_min_fill_percent_of_its_slot_is_flagged_short",
	  test_file_under_min_fill_percent_of_its_slot_is_flagged_short },
	{ "test_file_at_exactly_min_fill_percent_is_not_short",
	  test_file_at_exactly_min_fill_percent_is_not_short },
	{ "test_short_rule_uses_the_slot_that_names_the_file",
	  test_short_rule_uses_the_slot_that_names_the_file },
	{ "test_short_rule_matches_a_slot_at_the_second_instant",
	  test_short_rule_matches_a_slot_at_the_second_instant },
	{ "test_short_rule_leaves_unknown_durations_and_flagged_files",
	  test_short_rule_leaves_unknown_durations_and_flagged_files },
	{ "test_short_file_is_planned_missing_with_its_reason",
	  test_short_file_is_planned_missing_with_its_reason },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "rundown", rules, london, NULL },
	{ "rundown_dst", dst, london, NULL },
	{ "rundown_short", short_rule, london, NULL },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_rundown", suites);
}
