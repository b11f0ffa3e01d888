/*
 * Tests for the Prometheus text of /metrics (core/metrics.c): label
 * escaping, the start-error histogram's cumulative buckets, +Inf, _sum and
 * _count, and counters by output and outcome, on figures made by hand.
 */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

/* Render m into a malloc'd string. */
static char *render(const struct po_metrics *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	po_metrics_render(f, m);
	fclose(f);
	return text;
}

static char *label(const char *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	po_metrics_label(f, s);
	fclose(f);
	return text;
}

static void test_label_escapes_backslash_quote_and_newline(void)
{
	char *t = label("a\\b\"c\nd");
	PO_EXPECT_STR(t, "a\\\\b\\\"c\\nd");
	free(t);
	t = label("icecast:main");
	PO_EXPECT_STR(t, "icecast:main");
	free(t);
}

static void play(struct po_metrics *m, const char *output, const char *outcome, int started,
		 int64_t err_us, int64_t bytes, int64_t gaps)
{
	struct po_play_figure f = {.started = started, .start_error_us = err_us, .bytes = bytes,
				   .gaps = gaps};
	snprintf(f.output, sizeof f.output, "%s", output);
	snprintf(f.outcome, sizeof f.outcome, "%s", outcome);
	po_metrics_add_play(m, &f);
}

static void test_histogram_buckets_are_cumulative_and_end_with_inf(void)
{
	struct po_metrics m = {.now_ms = 1000000, .horizon_h = 36};
	play(&m, "file:air", "complete", 1, 400, 100, 0);      /* 0.4 ms */
	play(&m, "file:air", "complete", 1, -3000, 100, 0);    /* |-3 ms| */
	play(&m, "file:air", "partial", 1, 2000000, 100, 2);   /* 2 s */
	play(&m, "file:air", "complete", 1, 9000000, 100, 0);  /* 9 s: over the last bound */
	play(&m, "file:air", "interrupted", 0, 0, 50, 1);      /* a join: no start error */
	char *t = render(&m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "# TYPE playout_start_error_seconds histogram\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_start_error_seconds_bucket{output=\"file:air\",le=\"0.001\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_start_error_seconds_bucket{output=\"file:air\",le=\"0.002\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_start_error_seconds_bucket{output=\"file:air\",le=\"0.005\"} 2\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_start_error_seconds_bucket{output=\"file:air\",le=\"1\"} 2\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_start_error_seconds_bucket{output=\"file:air\",le=\"5\"} 3\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_start_error_seconds_bucket{output=\"file:air\",le=\"+Inf\"} 4\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_start_error_seconds_count{output=\"file:air\"} 4\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_start_error_seconds_sum{output=\"file:air\"} 11.003400\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_plays_total{output=\"file:air\",outcome=\"complete\"} 3\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_plays_total{output=\"file:air\",outcome=\"partial\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_plays_total{output=\"file:air\",outcome=\"interrupted\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_reconnects_total{output=\"file:air\"} 3\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_sent_bytes_total{output=\"file:air\"} 450\n"));
	free(t);
	po_metrics_free(&m);
}

static void test_each_output_has_its_own_series_with_escaped_labels(void)
{
	struct po_metrics m = {.now_ms = 1000000};
	play(&m, "a", "complete", 1, 100, 1, 0);
	play(&m, "we\"ird\\name", "complete", 1, 100, 1, 0);
	char *t = render(&m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_start_error_seconds_count{output=\"a\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_start_error_seconds_count{output=\"we\\\"ird\\\\name\"} 1\n"));
	free(t);
	po_metrics_free(&m);
}

static void test_gauges_for_rundown_schedule_storage_cache_and_plan(void)
{
	struct po_metrics m = {.now_ms = 7200000, .horizon_h = 36, .cache_bytes = 12345,
			       .cache_files = 3, .last_plan_ms = 7140000};
	m.decisions[PLAYOUT_DECISION_MISSING] = 2;
	m.decisions[PLAYOUT_DECISION_FALLBACK] = 1;
	struct po_metrics_source src[2] = {{"csv", 3600000}, {"gcal:main", 0}};
	m.src = malloc(sizeof src);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m.src);
	memcpy(m.src, src, sizeof src);
	m.nsrc = 2;
	snprintf(m.storage, sizeof m.storage, "s3");
	m.have_storage_counts = 1;
	m.storage_requests = 42;
	m.storage_bytes = 9000;
	char *t = render(&m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_rundown_items{decision=\"missing\"} 2\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_rundown_items{decision=\"fallback\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_rundown_items{decision=\"exact\"} 0\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_schedule_age_seconds{source=\"csv\"} 3600.000\n"));
	/* a source with no answer has no age, not a made-up one */
	CU_ASSERT_PTR_NULL(strstr(t, "source=\"gcal:main\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_storage_requests_today{storage=\"s3\"} 42\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_storage_bytes_today{storage=\"s3\"} 9000\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_cache_bytes 12345\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_cache_files 3\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_last_plan_timestamp_seconds 7140.000\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "playout_last_plan_age_seconds 60.000\n"));
	free(t);
	po_metrics_free(&m);
}

static void test_storage_counts_absent_when_the_plugin_counts_nothing(void)
{
	struct po_metrics m = {.now_ms = 1};
	char *t = render(&m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NULL(strstr(t, "playout_storage_requests_today"));
	CU_ASSERT_PTR_NULL(strstr(t, "playout_last_plan_timestamp_seconds"));
	/* every family announced is announced once, HELP before TYPE */
	const char *p = strstr(t, "# HELP playout_cache_bytes ");
	CU_ASSERT_PTR_NOT_NULL(p);
	CU_ASSERT_PTR_NOT_NULL(p && strstr(p, "# TYPE playout_cache_bytes gauge\n"));
	CU_ASSERT_PTR_NULL(p && strstr(p + 1, "# HELP playout_cache_bytes "));
	free(t);
}

static const struct po_test tests[] = {
	{"label_escapes_backslash_quote_and_newline", test_label_escapes_backslash_quote_and_newline},
	{"histogram_buckets_are_cumulative_and_end_with_inf",
	 test_histogram_buckets_are_cumulative_and_end_with_inf},
	{"each_output_has_its_own_series_with_escaped_labels",
	 test_each_output_has_its_own_series_with_escaped_labels},
	{"gauges_for_rundown_schedule_storage_cache_and_plan",
	 test_gauges_for_rundown_schedule_storage_cache_and_plan},
	{"storage_counts_absent_when_the_plugin_counts_nothing",
	 test_storage_counts_absent_when_the_plugin_counts_nothing},
	{NULL, NULL},
};

int main(void)
{
	static const struct po_suite suites[] = {
		{"prometheus text", tests, NULL, NULL},
		{NULL, NULL, NULL, NULL},
	};
	return po_test_run("test_metrics", suites);
}
