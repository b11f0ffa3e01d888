/*
 * CUnit driver shared by every unit test program; see runner.h.
 */
#include "runner.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/Basic.h>

static char tmpdir[4096];

/* The tests that called PO_SKIP in this run; the registry owns them. */
#define SKIPS_MAX 256
static CU_pTest skipped[SKIPS_MAX];
static unsigned n_skipped;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_tmpdir(void)
{
	if (tmpdir[0])
		nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *po_test_tmpdir(void)
{
	if (!tmpdir[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(tmpdir, sizeof tmpdir, "%s/po-test-XXXXXX", base && *base ? base : "/tmp");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			exit(2);
		}
		atexit(rm_tmpdir);
	}
	return tmpdir;
}

void po_test_skip_(const char *why, const char *file, unsigned line)
{
	CU_pTest t = CU_get_current_test();

	/* on a line of its own: CUnit's verbose mode has printed "Test: x ..." */
	printf("\nSKIP %s: %s (%s:%u)\n", t && t->pName ? t->pName : "?", why, file, line);
	fflush(stdout);
	if (t && n_skipped < SKIPS_MAX)
		skipped[n_skipped++] = t;
}

/* Skipped tests that had not failed before they skipped: a failure wins. */
static unsigned count_skipped(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < n_skipped; i++) {
		int dup = 0, failed = 0;
		for (unsigned j = 0; j < i; j++)
			dup |= skipped[j] == skipped[i];
		for (CU_pFailureRecord f = CU_get_failure_list(); f; f = f->pNext)
			failed |= f->pTest == skipped[i];
		n += !dup && !failed;
	}
	return n;
}

int po_test_run(const char *name, const struct po_suite *suites)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (const struct po_suite *s = suites; s->name; s++) {
		CU_pSuite cs = CU_add_suite(s->name, s->init, s->cleanup);
		if (!cs)
			return 2;
		for (const struct po_test *t = s->tests; t->name; t++)
			if (!CU_add_test(cs, t->name, t->fn))
				return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned run = CU_get_number_of_tests_run();
	unsigned tests_failed = CU_get_number_of_tests_failed();
	/* A suite whose init failed ran none of its tests: count it as one failure. */
	unsigned failed = tests_failed + CU_get_number_of_suites_failed();
	unsigned skips = count_skipped();
	CU_cleanup_registry();
	n_skipped = 0;
	if (skips)
		printf("RESULT %s: %u passed, %u failed, %u skipped\n", name,
		       run - tests_failed - skips, failed, skips);
	else
		printf("RESULT %s: %u passed, %u failed\n", name, run - tests_failed, failed);
	return failed ? 1 : 0;
}

int po_test_run_quiet(const char *const *argv)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	int st = 0;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
