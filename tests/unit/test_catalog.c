/*
 * The catalogue: names checked, parsed and sorted; found by name in a
 * listing of any size; the stored listing brought up to date by difference.
 */
#include "runner.h"

#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "state.h"
#include "timeutil.h"

static void push(struct playout_assets *as, const char *name, int64_t size)
{
	struct playout_asset a;
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "%s", name);
	a.size = size;
	a.mtime_ms = 1000;
	PO_EXPECT_INT_FATAL(playout_assets_push(as, &a), PLAYOUT_OK);
}

static void test_prepare_drops_bad_names_parses_and_sorts(void)
{
	struct playout_error e = {0};
	struct playout_assets as = {0};
	PO_EXPECT_INT_FATAL(po_tz_set("UTC", &e), PLAYOUT_OK);
	push(&as, "zulu.mp3", 1);
	push(&as, "../escape.mp3", 1);
	push(&as, "20260329_0100_Abc.mp3", 1);
	push(&as, ".hidden.mp3", 1);
	push(&as, "Alpha.mp3", 1);
	po_catalog_prepare(&as, NULL);
	PO_EXPECT_INT_FATAL(as.n, 3);
	PO_EXPECT_STR(as.v[0].name, "20260329_0100_Abc.mp3");
	PO_EXPECT_STR(as.v[1].name, "Alpha.mp3");
	PO_EXPECT_STR(as.v[2].name, "zulu.mp3");
	PO_EXPECT_STR(as.v[0].pid, "abc");
	PO_EXPECT_INT(as.v[0].start_ms, 1774746000000LL);
	PO_EXPECT_INT(as.v[1].start_ms, 0);
	free(as.v);
}

static void test_prepare_takes_parsed_fields_from_a_known_listing(void)
{
	struct playout_assets known = {0}, as = {0};
	push(&known, "20260329_0100_abc.mp3", 1);
	po_catalog_prepare(&known, NULL);
	/* a wrong answer planted in the known listing shows it was reused */
	known.v[0].start_ms = 42;
	push(&as, "20260329_0100_abc.mp3", 1);
	push(&as, "20260329_0200_new.mp3", 1);
	po_catalog_prepare(&as, &known);
	PO_EXPECT_INT_FATAL(as.n, 2);
	PO_EXPECT_INT(as.v[0].start_ms, 42);
	PO_EXPECT_INT(as.v[1].start_ms, 1774749600000LL);
	free(as.v);
	free(known.v);
}

static void test_find_is_case_insensitive_and_prefers_the_exact_name(void)
{
	struct playout_assets as = {0};
	char name[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "file%04d.mp3", i);
		push(&as, name, i);
	}
	push(&as, "Show.mp3", 1);
	push(&as, "show.mp3", 2);
	po_catalog_prepare(&as, NULL);
	const struct playout_asset *a = po_catalog_find(as.v, as.n, "FILE0777.MP3");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	PO_EXPECT_STR(a->name, "file0777.mp3");
	PO_EXPECT_INT(po_catalog_find(as.v, as.n, "show.mp3")->size, 2);
	PO_EXPECT_INT(po_catalog_find(as.v, as.n, "Show.mp3")->size, 1);
	CU_ASSERT_PTR_NULL(po_catalog_find(as.v, as.n, "file1000.mp3"));
	CU_ASSERT_PTR_NULL(po_catalog_find_exact(as.v, as.n, "FILE0777.MP3"));
	CU_ASSERT_PTR_NOT_NULL(po_catalog_find_exact(as.v, as.n, "file0777.mp3"));
	free(as.v);
}

static size_t stored(struct po_state *st, struct playout_assets *out)
{
	out->n = 0;
	PO_EXPECT_INT(po_state_get_assets(st, out), PLAYOUT_OK);
	po_catalog_sort(out);
	return out->n;
}

static void test_sync_writes_only_the_rows_that_changed(void)
{
	char path[4096];
	struct po_state *st = NULL;
	struct playout_error e = {0};
	struct playout_assets a = {0}, b = {0}, got = {0};
	size_t written = 99;
	snprintf(path, sizeof path, "%s/catalog.db", po_test_tmpdir());
	PO_EXPECT_INT_FATAL(po_state_open(path, PO_STATE_WRITER, &st, &e), PLAYOUT_OK);
	push(&a, "a.mp3", 1);
	push(&a, "b.mp3", 2);
	push(&a, "c.mp3", 3);
	po_catalog_prepare(&a, NULL);
	PO_EXPECT_INT(po_state_sync_assets(st, NULL, 0, a.v, a.n, &written), PLAYOUT_OK);
	PO_EXPECT_INT(written, 3);
	PO_EXPECT_INT(stored(st, &got), 3);
	PO_EXPECT_INT(po_state_sync_assets(st, a.v, a.n, a.v, a.n, &written), PLAYOUT_OK);
	PO_EXPECT_INT(written, 0);
	/* b changed size, c went, d arrived */
	push(&b, "a.mp3", 1);
	push(&b, "b.mp3", 20);
	push(&b, "d.mp3", 4);
	po_catalog_prepare(&b, NULL);
	PO_EXPECT_INT(po_state_sync_assets(st, a.v, a.n, b.v, b.n, &written), PLAYOUT_OK);
	PO_EXPECT_INT(written, 3);
	PO_EXPECT_INT_FATAL(stored(st, &got), 3);
	PO_EXPECT_STR(got.v[0].name, "a.mp3");
	PO_EXPECT_STR(got.v[1].name, "b.mp3");
	PO_EXPECT_INT(got.v[1].size, 20);
	PO_EXPECT_STR(got.v[2].name, "d.mp3");
	po_state_close(st);
	free(a.v);
	free(b.v);
	free(got.v);
}

static const struct po_test catalog_tests[] = {
	{"prepare_drops_bad_names_parses_and_sorts", test_prepare_drops_bad_names_parses_and_sorts},
	{"prepare_takes_parsed_fields_from_a_known_listing",
	 test_prepare_takes_parsed_fields_from_a_known_listing},
	{"find_is_case_insensitive_and_prefers_the_exact_name",
	 test_find_is_case_insensitive_and_prefers_the_exact_name},
	{"sync_writes_only_the_rows_that_changed", test_sync_writes_only_the_rows_that_changed},
	{NULL, NULL},
};

static const struct po_suite suites[] = {
	{"catalog", catalog_tests, NULL, NULL},
	{NULL, NULL, NULL, NULL},
};

int main(void)
{
	return po_test_run("test_catalog", suites);
}
