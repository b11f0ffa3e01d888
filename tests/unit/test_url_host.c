/*
 * util/url_host.c: which URLs count as loopback for the notify plugins'
 * plain-text exception, and which look local without being so.
 */
#include "runner.h"

#include <playout/util.h>

static void test_numeric_loopback_addresses_are_loopback(void)
{
	PO_EXPECT_INT(playout_url_is_loopback("smtp://127.0.0.1:2525"), 1);
	PO_EXPECT_INT(playout_url_is_loopback("http://127.8.9.10/hook"), 1);
	PO_EXPECT_INT(playout_url_is_loopback("http://[::1]:8080/hook"), 1);
	PO_EXPECT_INT(playout_url_is_loopback("http://localhost/x"), 1);
	PO_EXPECT_INT(playout_url_is_loopback("http://LocalHost:99"), 1);
}

static void test_the_login_part_is_not_the_host(void)
{
	PO_EXPECT_INT(playout_url_is_loopback("smtp://user:pw@127.0.0.1:25"), 1);
	PO_EXPECT_INT(playout_url_is_loopback("smtp://127.0.0.1@mail.example.org"), 0);
	/* an '@' after the first '/' belongs to the path */
	PO_EXPECT_INT(playout_url_is_loopback("http://127.0.0.1/a@example.org"), 1);
	PO_EXPECT_INT(playout_url_is_loopback("http://example.org/x@127.0.0.1"), 0);
}

static void test_names_and_addresses_that_only_look_local_are_not(void)
{
	PO_EXPECT_INT(playout_url_is_loopback("http://127.example.org/hook"), 0);
	PO_EXPECT_INT(playout_url_is_loopback("http://localhost.example.org/"), 0);
	PO_EXPECT_INT(playout_url_is_loopback("http://128.0.0.1/"), 0);
	PO_EXPECT_INT(playout_url_is_loopback("http://10.0.0.1/"), 0);
	PO_EXPECT_INT(playout_url_is_loopback("http://[::2]/"), 0);
	PO_EXPECT_INT(playout_url_is_loopback("http://[::ffff:127.0.0.1]/"), 0);
}

static void test_no_scheme_or_null_is_not_loopback(void)
{
	PO_EXPECT_INT(playout_url_is_loopback("127.0.0.1:25"), 0);
	PO_EXPECT_INT(playout_url_is_loopback(""), 0);
	PO_EXPECT_INT(playout_url_is_loopback(NULL), 0);
	PO_EXPECT_INT(playout_url_is_loopback("http://"), 0);
}

static void test_an_overlong_host_is_cut_not_overrun(void)
{
	char url[600] = "http://";
	for (size_t i = 7; i < sizeof url - 1; i++)
		url[i] = 'a';
	url[sizeof url - 1] = '\0';
	PO_EXPECT_INT(playout_url_is_loopback(url), 0);
}

static const struct po_test url_tests[] = {
	{ "numeric_loopback_addresses_are_loopback", test_numeric_loopback_addresses_are_loopback },
	{ "the_login_part_is_not_the_host", test_the_login_part_is_not_the_host },
	{ "names_and_addresses_that_only_look_local_are_not",
	  test_names_and_addresses_that_only_look_local_are_not },
	{ "no_scheme_or_null_is_not_loopback", test_no_scheme_or_null_is_not_loopback },
	{ "an_overlong_host_is_cut_not_overrun", test_an_overlong_host_is_cut_not_overrun },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "url_host", url_tests, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_url_host", suites);
}
