/*
 * Tests for the webhook plugin against a fake host whose http records the
 * request: the event as JSON, a body_template with JSON-escaped values, the
 * bearer token from a secret reference, and what a refusal turns into.
 */
#include "runner.h"

#include <stdlib.h>
#include <string.h>

#include "fake_host.h"
#include "plugin_conf.h"

extern const struct playout_plugin playout_plugin;

static char last_body[4096], last_auth[256], last_url[256];
static long answer_status = 204;

static int fake_http(const struct playout_host *h, const struct playout_http_request *req,
		     struct playout_http_response *resp, struct playout_error *err)
{
	(void)h;
	(void)err;
	snprintf(last_body, sizeof last_body, "%.*s", (int)req->body_len, (const char *)req->body);
	snprintf(last_url, sizeof last_url, "%s", req->url);
	last_auth[0] = '\0';
	for (size_t i = 0; req->headers && req->headers[i]; i++)
		if (!strncmp(req->headers[i], "Authorization: ", 15))
			snprintf(last_auth, sizeof last_auth, "%s", req->headers[i]);
	memset(resp, 0, sizeof *resp);
	resp->status = answer_status;
	return PLAYOUT_OK;
}

static struct playout_event event(void)
{
	struct playout_event ev;
	memset(&ev, 0, sizeof ev);
	ev.size = sizeof ev;
	ev.time_ms = 1783000000000LL; /* 2026-07-02T13:46:40Z */
	ev.level = PLAYOUT_LOG_WARN;
	ev.type = ev.code = "slot-missing";
	ev.pid = "jazz";
	ev.title = "Jazz \"Live\" Hour";
	ev.start_ms = 1783004400000LL; /* 2026-07-02T15:00:00Z */
	ev.key = "slot-missing:jazz:1783004400000";
	ev.message = ev.subject = "jazz has no file";
	ev.body = "line 1\nline 2";
	ev.severity = "warn";
	ev.station = "Test FM";
	return ev;
}

static int send_with(const char *conf, struct playout_error *err)
{
	struct po_fake_host *fh = po_fake_host_new("webhook", "/tmp");
	struct po_test_conf tc;
	void *inst = NULL;
	struct playout_event ev = event();
	memset(&tc, 0, sizeof tc);
	po_fake_host_set_http(fh, fake_http);
	int rc = po_test_plugin_create(&tc, &playout_plugin, conf, po_fake_host(fh), &inst, err);
	if (rc == PLAYOUT_OK) {
		rc = playout_plugin.ops.notify->send(inst, &ev, err);
		playout_plugin.destroy(inst);
	}
	po_test_conf_free(&tc);
	po_fake_host_free(fh);
	return rc;
}

static void test_event_is_posted_as_json_with_the_bearer_token(void)
{
	struct playout_error err = {0, ""};
	setenv("PO_TEST_HOOK_TOKEN", "t0ken", 1);
	answer_status = 204;
	PO_EXPECT_INT(send_with("url = \"https://hooks.example.org/x\"; token = \"env:PO_TEST_HOOK_TOKEN\";",
				&err), PLAYOUT_OK);
	PO_EXPECT_STR(last_url, "https://hooks.example.org/x");
	PO_EXPECT_STR(last_auth, "Authorization: Bearer t0ken");
	PO_EXPECT_STR(last_body,
		      "{\"type\":\"slot-missing\",\"pid\":\"jazz\",\"title\":\"Jazz \\\"Live\\\" Hour\","
		      "\"start\":\"2026-07-02T15:00:00Z\",\"message\":\"jazz has no file\","
		      "\"key\":\"slot-missing:jazz:1783004400000\",\"severity\":\"warn\","
		      "\"station\":\"Test FM\",\"time\":\"2026-07-02T13:46:40Z\","
		      "\"body\":\"line 1\\nline 2\"}");
}

static void test_template_gets_json_escaped_values(void)
{
	struct playout_error err = {0, ""};
	answer_status = 200;
	PO_EXPECT_INT(send_with("url = \"https://h/x\";"
				" body_template = \"{\\\"text\\\": \\\"{{title}} at {{start}}: {{body}} {{nope}}\\\"}\";",
				&err), PLAYOUT_OK);
	PO_EXPECT_STR(last_body,
		      "{\"text\": \"Jazz \\\"Live\\\" Hour at 2026-07-02T15:00:00Z: line 1\\nline 2 {{nope}}\"}");
	PO_EXPECT_STR(last_auth, "");
}

static void test_refusals_are_errors_that_say_why(void)
{
	struct playout_error err = {0, ""};
	answer_status = 401;
	PO_EXPECT_INT(send_with("url = \"https://h/x\";", &err), PLAYOUT_EAUTH);
	PO_EXPECT_STR(err.msg, "POST https://h/x: HTTP 401 (check the token)");
	answer_status = 503;
	PO_EXPECT_INT(send_with("url = \"https://h/x\";", &err), PLAYOUT_EUNAVAIL);
	PO_EXPECT_STR(err.msg, "POST https://h/x: HTTP 503");
	PO_EXPECT_INT(send_with("url = \"ftp://h/x\";", &err), PLAYOUT_ECONFIG);
	/* http only to this machine: a token must not cross a network in clear */
	PO_EXPECT_INT(send_with("url = \"http://hooks.example.org/x\";", &err), PLAYOUT_ECONFIG);
	PO_EXPECT_INT(send_with("url = \"http://127.example.org/x\";", &err), PLAYOUT_ECONFIG);
	answer_status = 204;
	PO_EXPECT_INT(send_with("url = \"http://127.0.0.1:8080/x\";", &err), PLAYOUT_OK);
}

static const struct po_test tests[] = {
	{"event_is_posted_as_json_with_the_bearer_token",
	 test_event_is_posted_as_json_with_the_bearer_token},
	{"template_gets_json_escaped_values", test_template_gets_json_escaped_values},
	{"refusals_are_errors_that_say_why", test_refusals_are_errors_that_say_why},
	{NULL, NULL},
};

static const struct po_suite suites[] = {
	{"webhook", tests, NULL, NULL},
	{NULL, NULL, NULL, NULL},
};

int main(void)
{
	return po_test_run("test_webhook", suites);
}
