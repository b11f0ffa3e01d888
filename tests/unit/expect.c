/*
 * The PO_EXPECT_* assertions of runner.h: compare, and on failure say
 * "file:line: expected X, got Y (expr)" both on stderr and as the CUnit
 * failure's condition. Not for skipping tests (runner.c).
 */
#include "runner.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Room for two shown values and the expression; CUnit copies the text. */
#define MSG_MAX 2048
/* A longer string is shown as its first STR_SHOWN bytes and "...". */
#define STR_SHOWN 400

static void report(CU_BOOL ok, const char *msg, unsigned line, const char *file,
		   const char *func, CU_BOOL fatal)
{
	if (!ok)
		fprintf(stderr, "%s:%u: %s\n", file, line, msg);
	/* last: a fatal failure does not return */
	CU_assertImplementation(ok, line, msg, file, func, fatal);
}

enum { SIGNED, UNSIGNED, REAL };

struct po_expect_int_val po_expect_signed_(intmax_t v)
{
	struct po_expect_int_val r = { SIGNED, v, (uintmax_t)v, (long double)v };
	return r;
}

struct po_expect_int_val po_expect_unsigned_(uintmax_t v)
{
	struct po_expect_int_val r = { UNSIGNED, (intmax_t)v, v, (long double)v };
	return r;
}

struct po_expect_int_val po_expect_real_(long double v)
{
	struct po_expect_int_val r = { REAL, 0, 0, v };
	return r;
}

static int int_equal(struct po_expect_int_val a, struct po_expect_int_val b)
{
	/* as == converts: an integer meets a floating value as a floating one */
	if (a.kind == REAL || b.kind == REAL)
		return a.d == b.d;
	if (a.kind == b.kind)
		return a.u == b.u;
	/* by value: a negative number equals no unsigned one */
	const struct po_expect_int_val *s = a.kind == UNSIGNED ? &b : &a;
	return s->s >= 0 && a.u == b.u;
}

static void int_text(char *out, size_t n, struct po_expect_int_val v)
{
	if (v.kind == REAL)
		snprintf(out, n, "%.17Lg", v.d);
	else if (v.kind == UNSIGNED)
		snprintf(out, n, "%" PRIuMAX, v.u);
	else
		snprintf(out, n, "%" PRIdMAX, v.s);
}

void po_expect_int_(struct po_expect_int_val a, struct po_expect_int_val b, const char *expr,
		    unsigned line, const char *file, const char *func, CU_BOOL fatal)
{
	char msg[MSG_MAX] = "", got[64], want[64];
	CU_BOOL ok = int_equal(a, b) ? CU_TRUE : CU_FALSE;

	if (!ok) {
		int_text(got, sizeof got, a);
		int_text(want, sizeof want, b);
		snprintf(msg, sizeof msg, "expected %s, got %s (%s)", want, got, expr);
	}
	report(ok, ok ? expr : msg, line, file, func, fatal);
}

static void str_text(char *out, size_t n, const char *s)
{
	if (!s)
		snprintf(out, n, "NULL");
	else if (strlen(s) > STR_SHOWN)
		snprintf(out, n, "\"%.*s\"...", STR_SHOWN, s);
	else
		snprintf(out, n, "\"%s\"", s);
}

void po_expect_str_(const char *a, const char *b, const char *expr, unsigned line,
		    const char *file, const char *func, CU_BOOL fatal)
{
	char msg[MSG_MAX] = "", got[STR_SHOWN + 8], want[STR_SHOWN + 8];
	CU_BOOL ok = (!a || !b) ? (a == b) : !strcmp(a, b);

	if (!ok) {
		str_text(got, sizeof got, a);
		str_text(want, sizeof want, b);
		snprintf(msg, sizeof msg, "expected %s, got %s (%s)", want, got, expr);
	}
	report(ok, ok ? expr : msg, line, file, func, fatal);
}

/* "1774746060000 (2026-03-29T01:01:00.000Z)"; only the number when gmtime
 * cannot say the instant. */
static void time_text(char *out, size_t n, int64_t ms)
{
	int64_t s = ms / 1000, rem = ms % 1000;
	struct tm tm;
	char iso[64];

	if (rem < 0) { /* floor, so 1969 reads right */
		rem += 1000;
		s--;
	}
	time_t t = (time_t)s;
	if (!gmtime_r(&t, &tm) || !strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(out, n, "%" PRId64, ms);
		return;
	}
	snprintf(out, n, "%" PRId64 " (%s.%03dZ)", ms, iso, (int)rem);
}

void po_expect_time_(int64_t a, int64_t b, const char *expr, unsigned line, const char *file,
		     const char *func, CU_BOOL fatal)
{
	char msg[MSG_MAX] = "", got[96], want[96];
	CU_BOOL ok = a == b ? CU_TRUE : CU_FALSE;

	if (!ok) {
		time_text(got, sizeof got, a);
		time_text(want, sizeof want, b);
		snprintf(msg, sizeof msg, "expected %s, got %s (%s)", want, got, expr);
	}
	report(ok, ok ? expr : msg, line, file, func, fatal);
}

void po_expect_double_(double a, double b, double eps, const char *expr, unsigned line,
		       const char *file, const char *func, CU_BOOL fatal)
{
	char msg[MSG_MAX] = "";
	/* written so that a NaN on either side fails */
	CU_BOOL ok = fabs(a - b) <= fabs(eps) ? CU_TRUE : CU_FALSE;

	if (!ok)
		snprintf(msg, sizeof msg, "expected %.15g, got %.15g, off by %.3g (%s)", b, a,
			 a - b, expr);
	report(ok, ok ? expr : msg, line, file, func, fatal);
}
