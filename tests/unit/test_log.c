/*
 * Tests for how messages end when they do not fit: playout_error_set
 * (include/playout/plugin.h, 256 bytes), a log line (core/log.c) and a
 * validation line (core/diag.c). A cut message ends at a word, or at a
 * character when there is no word to end at, and says it was cut.
 */
#include "runner.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <playout/plugin.h>
#include "diag.h"
#include "log.h"

/* "word000 word001 ..." of n words, each 7 letters and a space. */
static void words(char *buf, size_t cap, int n)
{
	size_t at = 0;
	for (int i = 0; i < n && at + 9 < cap; i++)
		at += (size_t)snprintf(buf + at, cap - at, "%sword%03d", i ? " " : "", i);
}

/* 1 when s is whole UTF-8: no sequence cut short or begun without a lead. */
static int utf8_whole(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int more = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2
			 : (*p & 0xF8) == 0xF0 ? 3 : -1;
		if (more < 0)
			return 0;
		p++;
		for (int i = 0; i < more; i++, p++)
			if ((*p & 0xC0) != 0x80)
				return 0;
	}
	return 1;
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && strcmp(s + n - m, tail) == 0;
}

static void test_error_short_message_is_kept_whole(void)
{
	struct playout_error e = {0};
	PO_EXPECT_INT(playout_error_set(&e, PLAYOUT_EIO, "disk %s full", "/srv"), PLAYOUT_EIO);
	PO_EXPECT_INT(e.code, PLAYOUT_EIO);
	PO_EXPECT_STR(e.msg, "disk /srv full");

	/* 255 bytes fit exactly: nothing is cut */
	char fit[256];
	memset(fit, 'x', 255);
	fit[255] = '\0';
	playout_error_set(&e, PLAYOUT_EIO, "%s", fit);
	PO_EXPECT_STR(e.msg, fit);
	PO_EXPECT_INT(playout_error_set(NULL, PLAYOUT_EINVAL, "%s", fit), PLAYOUT_EINVAL);
}

static void test_error_long_message_ends_at_a_word_with_an_ellipsis(void)
{
	char full[2048];
	struct playout_error e = {0};
	words(full, sizeof full, 100);
	playout_error_set(&e, PLAYOUT_EUNAVAIL, "%s", full);
	size_t n = strlen(e.msg);
	CU_ASSERT(n <= sizeof e.msg - 1);
	CU_ASSERT_TRUE(ends_with(e.msg, "..."));
	size_t kept = n - 3;
	/* what is kept is the start of the message, cut just before a space */
	PO_EXPECT_INT(strncmp(e.msg, full, kept), 0);
	PO_EXPECT_INT(full[kept], ' ');
	CU_ASSERT_NOT_EQUAL(e.msg[kept - 1], ' ');
	/* and no more than one word was given up for it */
	CU_ASSERT(kept > sizeof e.msg - 4 - 8);
	fprintf(stderr, "  cut: ...%s\n", e.msg + kept - 20);
}

static void test_error_one_long_token_is_cut_hard_with_an_ellipsis(void)
{
	char url[600] = "GET https://example.com/";
	size_t at = strlen(url);
	memset(url + at, 'a', sizeof url - at - 1);
	url[sizeof url - 1] = '\0';
	struct playout_error e = {0};
	playout_error_set(&e, PLAYOUT_EUNAVAIL, "%s", url);
	/* the only space is in the first half: cut inside the token, at the limit */
	PO_EXPECT_INT(strlen(e.msg), sizeof e.msg - 1);
	CU_ASSERT_TRUE(ends_with(e.msg, "a..."));
	PO_EXPECT_INT(strncmp(e.msg, url, sizeof e.msg - 4), 0);
}

static void test_error_cut_never_splits_a_character(void)
{
	/* "é" is two bytes, "€" three: try every alignment against the limit */
	static const char *const chars[] = { "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x8e\xb5" };
	for (size_t k = 0; k < 3; k++) {
		for (int lead = 0; lead < 4; lead++) {
			char full[1024];
			size_t at = 0;
			for (int i = 0; i < lead; i++)
				full[at++] = 'x';
			while (at + strlen(chars[k]) < sizeof full) {
				memcpy(full + at, chars[k], strlen(chars[k]));
				at += strlen(chars[k]);
			}
			full[at] = '\0';
			struct playout_error e = {0};
			playout_error_set(&e, PLAYOUT_EPROTO, "%s", full);
			CU_ASSERT_TRUE(utf8_whole(e.msg));
			CU_ASSERT_TRUE(ends_with(e.msg, "..."));
			CU_ASSERT(strlen(e.msg) >= sizeof e.msg - 1 - 3);
		}
	}
}

/* Run po_log with stderr sent to a file; the line written is in out. */
static void capture_log(const char *msg, char *out, size_t cap)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/log.txt", po_test_tmpdir());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	po_log(PLAYOUT_LOG_ERROR, "test", "%s", msg);
	dup2(saved, STDERR_FILENO);
	close(saved);
	ssize_t n = pread(fd, out, cap - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
}

static void test_log_line_too_long_ends_at_a_word_and_says_so(void)
{
	static char full[8192], line[8192];
	words(full, sizeof full, 800); /* 6.4 kB: past the 2 kB line */
	capture_log(full, line, sizeof line);
	CU_ASSERT_TRUE(ends_with(line, "... [truncated]\n"));
	const char *body = strstr(line, "test: ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	body += strlen("test: ");
	size_t kept = strlen(body) - strlen("... [truncated]\n");
	PO_EXPECT_INT(strncmp(body, full, kept), 0);
	PO_EXPECT_INT(full[kept], ' ');
	CU_ASSERT(strlen(line) <= 2048);

	/* a short one is whole, without the mark */
	capture_log("all fine", line, sizeof line);
	CU_ASSERT_TRUE(ends_with(line, "test: all fine\n"));
}

static void test_diag_line_keeps_a_long_path_whole(void)
{
	char path[3001];
	memset(path, 'p', sizeof path - 1);
	path[0] = '/';
	path[sizeof path - 1] = '\0';
	struct po_diag d;
	po_diag_init(&d);
	po_diag_error(&d, path, NULL, "key '%s' is wrong", "x");
	PO_EXPECT_INT_FATAL(d.n, 1);
	PO_EXPECT_INT(d.nerrors, 1);
	PO_EXPECT_INT(strncmp(d.msg[0], path, sizeof path - 1), 0);
	PO_EXPECT_STR(d.msg[0] + sizeof path - 1, ": error: key 'x' is wrong");
	po_diag_free(&d);
}

static const struct po_test error_tests[] = {
	{"error_short_message_is_kept_whole", test_error_short_message_is_kept_whole},
	{"error_long_message_ends_at_a_word_with_an_ellipsis",
	 test_error_long_message_ends_at_a_word_with_an_ellipsis},
	{"error_one_long_token_is_cut_hard_with_an_ellipsis",
	 test_error_one_long_token_is_cut_hard_with_an_ellipsis},
	{"error_cut_never_splits_a_character", test_error_cut_never_splits_a_character},
	{NULL, NULL},
};

static const struct po_test line_tests[] = {
	{"log_line_too_long_ends_at_a_word_and_says_so",
	 test_log_line_too_long_ends_at_a_word_and_says_so},
	{"diag_line_keeps_a_long_path_whole", test_diag_line_keeps_a_long_path_whole},
	{NULL, NULL},
};

int main(void)
{
	static const struct po_suite suites[] = {
		{"playout_error_set", error_tests, NULL, NULL},
		{"log and diag lines", line_tests, NULL, NULL},
		{NULL, NULL, NULL, NULL},
	};
	return po_test_run("test_log", suites);
}
