/*
 * Shared main for the CUnit programs: register suites from a table, run them
 * in basic mode and print one line "RESULT <name>: N passed, M failed" (then
 * ", K skipped" when a test skipped) that tests/summarize.sh adds up. Exit
 * status 1 when anything failed. Also the assertions that print both values
 * (PO_EXPECT_*) and PO_SKIP.
 */
#ifndef PO_TEST_RUNNER_H
#define PO_TEST_RUNNER_H

#include <stdint.h>

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

/* Run argv (argv[0] from PATH: ffmpeg, lame...) with its output to
 * /dev/null; its exit status, or -1 when it could not run or was killed. */
int po_test_run_quiet(const char *const *argv);

/*
 * Assertions that say what they got. Each counts in CUnit like CU_ASSERT
 * (CU_assertImplementation) and, when it fails, prints
 *   file:line: expected X, got Y (expr)
 * on stderr and keeps the same words as the CUnit failure's condition.
 * The first argument is the value under test, the second the expected one,
 * as in CU_ASSERT_EQUAL(actual, expected). Each argument is evaluated once.
 * The _FATAL forms end the test on failure, as CU_ASSERT_*_FATAL do.
 *
 * PO_EXPECT_INT: any integer types; signed and unsigned compare by value
 * (-1 never equals UINT_MAX), so it is stricter than == on mixed types. A
 * float or double argument compares exactly, as ==; for a tolerance use
 * PO_EXPECT_DOUBLE.
 * PO_EXPECT_STR: NULL-safe (NULL equals only NULL); printed quoted.
 * PO_EXPECT_TIME: int64_t milliseconds since the epoch, printed as the
 * number and as UTC ISO 8601 time, e.g. 1774746060000 (2026-03-29T01:01:00.000Z).
 * PO_EXPECT_DOUBLE: |a - b| <= eps.
 */
struct po_expect_int_val {
	int kind; /* 0 signed, 1 unsigned, 2 floating */
	intmax_t s;
	uintmax_t u;
	long double d;
};
struct po_expect_int_val po_expect_signed_(intmax_t v);
struct po_expect_int_val po_expect_unsigned_(uintmax_t v);
struct po_expect_int_val po_expect_real_(long double v);
/* Floating values compare as == does (so a rewritten CU_ASSERT_EQUAL on a
 * double keeps its meaning); a pointer does not compile. */
#define PO_EXPECT_INT_VAL_(x)                                                             \
	_Generic((x), unsigned char: po_expect_unsigned_, unsigned short: po_expect_unsigned_, \
		 unsigned int: po_expect_unsigned_, unsigned long: po_expect_unsigned_,        \
		 unsigned long long: po_expect_unsigned_, _Bool: po_expect_unsigned_,          \
		 float: po_expect_real_, double: po_expect_real_,                              \
		 long double: po_expect_real_, default: po_expect_signed_)(x)

void po_expect_int_(struct po_expect_int_val a, struct po_expect_int_val b, const char *expr,
		    unsigned line, const char *file, const char *func, CU_BOOL fatal);
void po_expect_str_(const char *a, const char *b, const char *expr, unsigned line,
		    const char *file, const char *func, CU_BOOL fatal);
void po_expect_time_(int64_t a, int64_t b, const char *expr, unsigned line, const char *file,
		     const char *func, CU_BOOL fatal);
void po_expect_double_(double a, double b, double eps, const char *expr, unsigned line,
		       const char *file, const char *func, CU_BOOL fatal);

/* (each public macro stringifies its own arguments, so the expression is
 * printed as written, before macro expansion) */
#define PO_EXPECT_INT_(a, b, expr, fatal) \
	po_expect_int_(PO_EXPECT_INT_VAL_(a), PO_EXPECT_INT_VAL_(b), expr, __LINE__, __FILE__, __func__, fatal)
#define PO_EXPECT_INT(a, b) PO_EXPECT_INT_(a, b, #a " == " #b, CU_FALSE)
#define PO_EXPECT_INT_FATAL(a, b) PO_EXPECT_INT_(a, b, #a " == " #b, CU_TRUE)
#define PO_EXPECT_STR_(a, b, expr, fatal) \
	po_expect_str_((const char *)(a), (const char *)(b), expr, __LINE__, __FILE__, __func__, fatal)
#define PO_EXPECT_STR(a, b) PO_EXPECT_STR_(a, b, #a " == " #b, CU_FALSE)
#define PO_EXPECT_STR_FATAL(a, b) PO_EXPECT_STR_(a, b, #a " == " #b, CU_TRUE)
#define PO_EXPECT_TIME(a, b) \
	po_expect_time_((a), (b), #a " == " #b, __LINE__, __FILE__, __func__, CU_FALSE)
#define PO_EXPECT_TIME_FATAL(a, b) \
	po_expect_time_((a), (b), #a " == " #b, __LINE__, __FILE__, __func__, CU_TRUE)
#define PO_EXPECT_DOUBLE(a, b, eps)                                                    \
	po_expect_double_((a), (b), (eps), #a " == " #b " within " #eps, __LINE__, __FILE__, \
			  __func__, CU_FALSE)
#define PO_EXPECT_DOUBLE_FATAL(a, b, eps)                                              \
	po_expect_double_((a), (b), (eps), #a " == " #b " within " #eps, __LINE__, __FILE__, \
			  __func__, CU_TRUE)

/*
 * PO_SKIP(why): end the running test as skipped, because something it needs
 * is missing (a second filesystem, a tool); why says what. Use it in the
 * test function itself (it returns from it). Prints "SKIP <test>: why" on
 * stdout; the test counts as skipped, not passed, in the RESULT line, unless
 * an assertion had already failed (then it counts as failed).
 */
void po_test_skip_(const char *why, const char *file, unsigned line);
#define PO_SKIP(why)                                     \
	do {                                             \
		po_test_skip_((why), __FILE__, __LINE__); \
		return;                                  \
	} while (0)

#endif
