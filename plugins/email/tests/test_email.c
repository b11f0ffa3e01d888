/*
 * Tests for the e-mail plugin's own rules (the delivery itself is
 * tests/integration/test_alarms.sh, against a local SMTP server): plain
 * SMTP only to a numeric loopback address or localhost, a URL scheme of
 * smtp or smtps, addresses without header tricks, non-ASCII subjects as
 * RFC 2047 words.
 */
#include "runner.h"

#include <string.h>

#include "fake_host.h"
#include "plugin_conf.h"

#include "../email.c"

static int create_with(const char *conf, struct playout_error *err)
{
	struct po_fake_host *fh = po_fake_host_new("email", "/tmp");
	struct po_test_conf tc;
	void *inst = NULL;
	memset(&tc, 0, sizeof tc);
	int rc = po_test_plugin_create(&tc, &playout_plugin, conf, po_fake_host(fh), &inst, err);
	if (rc == PLAYOUT_OK)
		playout_plugin.destroy(inst);
	po_test_conf_free(&tc);
	po_fake_host_free(fh);
	return rc;
}

#define ADDR " from = \"playout@example.org\"; to = [ \"studio@example.org\" ];"

static void test_plain_smtp_only_to_this_machine(void)
{
	struct playout_error err = {0, ""};
	PO_EXPECT_INT(create_with("url = \"smtp://127.0.0.1:2525\"; starttls = false;" ADDR, &err),
		      PLAYOUT_OK);
	PO_EXPECT_INT(create_with("url = \"smtp://[::1]:25\"; starttls = false;" ADDR, &err),
		      PLAYOUT_OK);
	PO_EXPECT_INT(create_with("url = \"smtp://localhost\"; starttls = false;" ADDR, &err),
		      PLAYOUT_OK);
	PO_EXPECT_INT(create_with("url = \"smtp://127.example.org:25\"; starttls = false;" ADDR, &err),
		      PLAYOUT_ECONFIG);
	PO_EXPECT_INT(strstr(err.msg, "only for a server on this machine") != NULL, 1);
	PO_EXPECT_INT(create_with("url = \"smtp://u@mail.example.org:587\"; starttls = false;" ADDR,
				  &err), PLAYOUT_ECONFIG);
	/* STARTTLS required (the default) and smtps: anywhere */
	PO_EXPECT_INT(create_with("url = \"smtp://mail.example.org:587\";" ADDR, &err), PLAYOUT_OK);
	PO_EXPECT_INT(create_with("url = \"smtps://mail.example.org\";" ADDR, &err), PLAYOUT_OK);
	PO_EXPECT_INT(create_with("url = \"http://mail.example.org\";" ADDR, &err), PLAYOUT_ECONFIG);
}

static void test_addresses_cannot_smuggle_headers(void)
{
	struct playout_error err = {0, ""};
	PO_EXPECT_INT(create_with("url = \"smtps://m\"; from = \"a@b\\r\\nBcc: x@y\";"
				  " to = [ \"s@e\" ];", &err), PLAYOUT_ECONFIG);
	PO_EXPECT_INT(create_with("url = \"smtps://m\"; from = \"a@b\"; to = [ \"s@e, t@f\" ];",
				  &err), PLAYOUT_ECONFIG);
	PO_EXPECT_INT(create_with("url = \"smtps://m\"; from = \"a@b\"; to = [ ];", &err),
		      PLAYOUT_ECONFIG);
}

static void test_subject_words(void)
{
	struct playout_buf b;
	playout_buf_init(&b);
	PO_EXPECT_INT(header_text(&b, "plain ascii"), PLAYOUT_OK);
	PO_EXPECT_STR(b.p, "plain ascii");
	playout_buf_free(&b);
	playout_buf_init(&b);
	PO_EXPECT_INT(header_text(&b, "Caf\xc3\xa9"), PLAYOUT_OK);
	PO_EXPECT_STR(b.p, "=?UTF-8?B?Q2Fmw6k=?=");
	playout_buf_free(&b);
}

static const struct po_test tests[] = {
	{"plain_smtp_only_to_this_machine", test_plain_smtp_only_to_this_machine},
	{"addresses_cannot_smuggle_headers", test_addresses_cannot_smuggle_headers},
	{"subject_words", test_subject_words},
	{NULL, NULL},
};

static const struct po_suite suites[] = {
	{"email", tests, NULL, NULL},
	{NULL, NULL, NULL, NULL},
};

int main(void)
{
	return po_test_run("test_email", suites);
}
