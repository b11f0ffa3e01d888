/*
 * The test runner itself: a failing PO_EXPECT_* is counted by CUnit and
 * prints both values; PO_SKIP counts a test as skipped, never as passed.
 * The failing cases run in a child (this program run again with --inner),
 * whose output and exit status the real tests read.
 */
#include "runner.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the inner program: one passing test, eight failing, one skipped */

static void inner_passes(void)
{
	PO_EXPECT_INT(2 + 2, 4);
	PO_EXPECT_INT(3u, 3);
	PO_EXPECT_INT((unsigned char)200, 200);
	PO_EXPECT_STR(NULL, NULL);
	PO_EXPECT_STR("abc", "abc");
	PO_EXPECT_TIME(INT64_C(1774746060000), INT64_C(1774746060000));
	PO_EXPECT_DOUBLE(0.1 + 0.2, 0.3, 1e-9);
	PO_EXPECT_INT(0.5, 0.5);
	PO_EXPECT_INT(2.0, 2);
}

enum { INT_FAIL_LINE = __LINE__ + 3 };
static void inner_int_fails(void)
{
	PO_EXPECT_INT(2 + 2, 5);
}

static void inner_str_fails(void)
{
	const char *none = NULL;
	PO_EXPECT_STR(none, "abc");
}

static void inner_time_fails(void)
{
	PO_EXPECT_TIME(INT64_C(1774746060500), INT64_C(1774746060000));
}

static void inner_double_fails(void)
{
	PO_EXPECT_DOUBLE(0.5, 0.25, 0.01);
}

static void inner_fatal_stops(void)
{
	PO_EXPECT_INT_FATAL(1, 2);
	puts("after the fatal expectation");
}

static void inner_skips(void)
{
	PO_EXPECT_INT(1, 1);
	PO_SKIP("no widget here");
}

static void inner_fails_then_skips(void)
{
	PO_EXPECT_INT(1, 2);
	PO_SKIP("too late to skip");
}

static void inner_signed_is_not_unsigned(void)
{
	PO_EXPECT_INT(-1, UINT_MAX);
}

static void inner_double_is_not_truncated(void)
{
	PO_EXPECT_INT(2.5, 2);
}

static const struct po_test inner_tests[] = {
	{ "inner_passes", inner_passes },
	{ "inner_int_fails", inner_int_fails },
	{ "inner_str_fails", inner_str_fails },
	{ "inner_time_fails", inner_time_fails },
	{ "inner_double_fails", inner_double_fails },
	{ "inner_fatal_stops", inner_fatal_stops },
	{ "inner_skips", inner_skips },
	{ "inner_fails_then_skips", inner_fails_then_skips },
	{ "inner_signed_is_not_unsigned", inner_signed_is_not_unsigned },
	{ "inner_double_is_not_truncated", inner_double_is_not_truncated },
	{ NULL, NULL },
};

static const struct po_suite inner_suites[] = {
	{ "inner", inner_tests, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

/* ---- the real tests, reading the inner program's output */

static char self[4096];
static char *out;  /* stdout and stderr of the inner run */
static int status; /* its exit status, or -1 */

static int run_inner(void)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/inner.out", po_test_tmpdir());
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (!freopen(path, "w", stdout) || dup2(fileno(stdout), 2) < 0)
			_exit(125);
		execl(self, self, "--inner", (char *)NULL);
		_exit(126);
	}
	int ws;
	if (waitpid(pid, &ws, 0) != pid)
		return -1;
	status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	out = calloc(1, 1 << 20);
	size_t n = out ? fread(out, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	(void)n;
	return out ? 0 : -1;
}

static int cleanup_inner(void)
{
	free(out);
	out = NULL;
	return 0;
}

static void expect_line(const char *want)
{
	if (!strstr(out, want))
		fprintf(stderr, "wanted \"%s\" in the inner output:\n%s\n", want, out);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
}

static void test_failures_are_counted_and_skips_are_not_passes(void)
{
	PO_EXPECT_INT(status, 1);
	expect_line("RESULT inner: 1 passed, 8 failed, 1 skipped\n");
}

static void test_a_failed_int_prints_file_line_both_values_and_expression(void)
{
	char want[256];
	snprintf(want, sizeof want, "test_runner.c:%d: expected 5, got 4 (2 + 2 == 5)\n",
		 INT_FAIL_LINE);
	expect_line(want);
}

static void test_a_failed_str_prints_null_and_the_quoted_string(void)
{
	expect_line(": expected \"abc\", got NULL (none == \"abc\")\n");
}

static void test_a_failed_time_prints_both_instants_in_iso_time(void)
{
	expect_line(": expected 1774746060000 (2026-03-29T01:01:00.000Z), "
		    "got 1774746060500 (2026-03-29T01:01:00.500Z)");
}

static void test_a_failed_double_prints_both_values_and_the_difference(void)
{
	expect_line(": expected 0.25, got 0.5, off by 0.25 (0.5 == 0.25 within 0.01)\n");
}

static void test_a_fatal_expectation_ends_the_test(void)
{
	expect_line(": expected 2, got 1 (1 == 2)\n");
	CU_ASSERT_PTR_NULL(strstr(out, "after the fatal expectation"));
}

static void test_skip_names_the_test_and_why(void)
{
	expect_line("\nSKIP inner_skips: no widget here (");
	/* printed, but a test that failed first still counts as failed (above) */
	expect_line("\nSKIP inner_fails_then_skips: too late to skip (");
}

static void test_minus_one_is_not_uint_max(void)
{
	char want[128];
	snprintf(want, sizeof want, ": expected %u, got -1 (-1 == UINT_MAX)\n", UINT_MAX);
	expect_line(want);
}

static void test_a_double_compares_as_equals_does_not_truncated(void)
{
	expect_line(": expected 2, got 2.5 (2.5 == 2)\n");
}

static void test_failures_are_in_cunit_condition_text(void)
{
	/* CUnit's own report of the failure carries the same words */
	expect_line("  - expected 5, got 4 (2 + 2 == 5)");
}

static const struct po_test tests[] = {
	{ "failures_are_counted_and_skips_are_not_passes",
	  test_failures_are_counted_and_skips_are_not_passes },
	{ "a_failed_int_prints_file_line_both_values_and_expression",
	  test_a_failed_int_prints_file_line_both_values_and_expression },
	{ "a_failed_str_prints_null_and_the_quoted_string",
	  test_a_failed_str_prints_null_and_the_quoted_string },
	{ "a_failed_time_prints_both_instants_in_iso_time",
	  test_a_failed_time_prints_both_instants_in_iso_time },
	{ "a_failed_double_prints_both_values_and_the_difference",
	  test_a_failed_double_prints_both_values_and_the_difference },
	{ "a_fatal_expectation_ends_the_test", test_a_fatal_expectation_ends_the_test },
	{ "skip_names_the_test_and_why", test_skip_names_the_test_and_why },
	{ "minus_one_is_not_uint_max", test_minus_one_is_not_uint_max },
	{ "a_double_compares_as_equals_does_not_truncated",
	  test_a_double_compares_as_equals_does_not_truncated },
	{ "failures_are_in_cunit_condition_text", test_failures_are_in_cunit_condition_text },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "runner", tests, run_inner, cleanup_inner },
	{ NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--inner"))
		return po_test_run("inner", inner_suites);
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return 2;
	self[n] = '\0';
	return po_test_run("test_runner", suites);
}
