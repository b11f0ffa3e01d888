/*
 * Shared main for the CUnit programs: register suites from a table, run them
 * in basic mode and print one line "RESULT <name>: N passed, M failed" that
 * tests/summarize.sh adds up. Exit status 1 when anything failed.
 */
#ifndef PO_TEST_RUNNER_H
#define PO_TEST_RUNNER_H

#include <CUnit/CUnit.h>

struct po_test {
	const char *name;
	void (*fn)(void);
};

struct po_suite {
	const char *name;
	const struct po_test *tests; /* ends with {NULL, NULL} */
	int (*init)(void);           /* may be NULL */
	int (*cleanup)(void);        /* may be NULL */
};

/* suites ends with {NULL}. name: the program's name for the RESULT line. */
int po_test_run(const char *name, const struct po_suite *suites);

/* A fresh empty directory under $TMPDIR (or /tmp) for this test program;
 * removed with everything in it at exit. */
const char *po_test_tmpdir(void);

#endif
