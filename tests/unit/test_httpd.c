/*
 * Tests for the status server's rules (core/httpd.c, core/listen_addr.c,
 * the http group of core/config.c): what http.listen accepts, that a
 * non-loopback address needs a token, how the token is checked, and what
 * each request is answered, without a socket (po_httpd_handle directly).
 */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "httpd.h"
#include "listen_addr.h"
#include "report.h"
#include "state.h"

static void expect_listen(const char *s, int ok, int loopback)
{
	struct po_listen_addr a;
	char why[160] = "";
	int rc = po_listen_parse(s, &a, why, sizeof why);
	PO_EXPECT_INT(rc == 0, ok);
	if (ok && rc == 0)
		PO_EXPECT_INT(a.loopback, loopback);
	if (!ok)
		CU_ASSERT(why[0] != '\0');
}

static void test_listen_takes_literals_and_localhost_only(void)
{
	expect_listen("127.0.0.1:8080", 1, 1);
	expect_listen("127.1.2.3:1", 1, 1);
	expect_listen("localhost:65535", 1, 1);
	expect_listen("[::1]:8080", 1, 1);
	expect_listen("[::ffff:127.0.0.1]:8080", 1, 1);
	expect_listen("0.0.0.0:8080", 1, 0);
	expect_listen("192.168.1.10:80", 1, 0);
	expect_listen("[::]:8080", 1, 0);
	expect_listen("[2001:db8::1]:8080", 1, 0);
	expect_listen("example.org:8080", 0, 0); /* no lookups */
	expect_listen("127.0.0.1", 0, 0);
	expect_listen("127.0.0.1:0", 0, 0);
	expect_listen("127.0.0.1:65536", 0, 0);
	expect_listen("127.0.0.1:80x", 0, 0);
	expect_listen("::1:8080", 0, 0);
	expect_listen("[::1]8080", 0, 0);
	expect_listen("", 0, 0);
}

#define TAIL "storage = { plugin = \"localdisk\"; };\noutputs = { plugin = \"file\"; };\n"

/* Load text; 0 when it passes. *msgs: every diag line, joined. */
static int load(const char *text, char *msgs, size_t n, struct po_config *c)
{
	struct po_diag d;
	po_diag_init(&d);
	int rc = po_config_load_string(c, text, "t.conf", &d);
	msgs[0] = '\0';
	for (size_t i = 0; i < d.n; i++)
		snprintf(msgs + strlen(msgs), n - strlen(msgs), "%s\n", d.msg[i]);
	po_diag_free(&d);
	return rc;
}

static void test_config_http_is_off_by_default_and_on_when_given(void)
{
	struct po_config c;
	char msgs[2048];
	PO_EXPECT_INT(load(TAIL, msgs, sizeof msgs, &c), 0);
	CU_ASSERT_PTR_NULL(c.http_listen);
	po_config_free(&c);
	PO_EXPECT_INT(load("http = { listen = \"127.0.0.1:8080\"; };\n" TAIL, msgs, sizeof msgs, &c), 0);
	PO_EXPECT_STR(c.http_listen, "127.0.0.1:8080");
	CU_ASSERT_PTR_NULL(c.http_token);
	po_config_free(&c);
}

static void test_config_refuses_a_network_address_without_a_token(void)
{
	struct po_config c;
	char msgs[2048];
	int rc = load("http = { listen = \"0.0.0.0:8080\"; };\n" TAIL, msgs, sizeof msgs, &c);
	PO_EXPECT_INT(rc, PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msgs, "t.conf:1: error: http.listen '0.0.0.0:8080' is not a loopback address"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msgs, "a token is required"));
	po_config_free(&c);
	rc = load("http = { listen = \"0.0.0.0:8080\"; token = \"env:PO_TEST_TOKEN\"; };\n" TAIL, msgs,
		  sizeof msgs, &c);
	PO_EXPECT_INT(rc, 0);
	PO_EXPECT_STR(c.http_token, "env:PO_TEST_TOKEN");
	po_config_free(&c);
}

static void test_config_names_bad_listen_values_and_keys(void)
{
	struct po_config c;
	char msgs[2048];
	PO_EXPECT_INT(load("http = { listen = \"example.org:80\"; };\n" TAIL, msgs, sizeof msgs, &c),
		      PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msgs, "http.listen 'example.org:80': the host must be"));
	po_config_free(&c);
	PO_EXPECT_INT(load("http = { token = \"env:X\"; };\n" TAIL, msgs, sizeof msgs, &c),
		      PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msgs, "group 'http' needs listen"));
	po_config_free(&c);
	load("http = { listen = \"127.0.0.1:1\"; tokn = \"env:X\"; };\n" TAIL, msgs, sizeof msgs, &c);
	CU_ASSERT_PTR_NOT_NULL(strstr(msgs, "tokn"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msgs, "token"));
	po_config_free(&c);
	PO_EXPECT_INT(load("http = \"127.0.0.1:8080\";\n" TAIL, msgs, sizeof msgs, &c), PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msgs, "key 'http' must be a group"));
	po_config_free(&c);
}

static void test_token_from_bearer_or_query_compared_whole(void)
{
	CU_ASSERT(po_httpd_token_ok("s3cret", "Bearer s3cret", NULL));
	CU_ASSERT(po_httpd_token_ok("s3cret", "bearer s3cret", NULL));
	CU_ASSERT(po_httpd_token_ok("s3cret", NULL, "s3cret"));
	CU_ASSERT(!po_httpd_token_ok("s3cret", "Bearer s3cre", NULL));
	CU_ASSERT(!po_httpd_token_ok("s3cret", "Bearer s3cret2", NULL));
	CU_ASSERT(!po_httpd_token_ok("s3cret", "Bearer ", NULL));
	CU_ASSERT(!po_httpd_token_ok("s3cret", "Basic s3cret", NULL));
	CU_ASSERT(!po_httpd_token_ok("s3cret", NULL, NULL));
	CU_ASSERT(!po_httpd_token_ok("s3cret", NULL, "S3CRET"));
	/* a wrong header is not rescued by a right query, nor the other way */
	CU_ASSERT(!po_httpd_token_ok("s3cret", "Bearer nope", "s3cret"));
}

/* A site over a real state file with one output on air. */
struct fixture {
	struct po_config c;
	struct po_httpd_site site;
	char state[512];
};

static int fixture_open(struct fixture *fx, const char *http)
{
	char text[2048], msgs[2048];
	snprintf(fx->state, sizeof fx->state, "%s/httpd-%d.db", po_test_tmpdir(), rand());
	snprintf(text, sizeof text, "state = \"%s\"; cache = \"%s\";\nhttp = { %s };\n" TAIL,
		 fx->state, po_test_tmpdir(), http);
	memset(&fx->site, 0, sizeof fx->site);
	if (load(text, msgs, sizeof msgs, &fx->c) != 0) {
		fprintf(stderr, "%s", msgs);
		return -1;
	}
	fx->site.conf = &fx->c;
	po_clock_init(&fx->site.clock, 0);
	return 0;
}

static void fill_state(const char *path)
{
	struct po_state *st = NULL;
	if (po_state_open(path, PO_STATE_WRITER, &st, NULL) < 0)
		return;
	struct po_output_status o = {.since_ms = 1, .updated_ms = 1};
	snprintf(o.output, sizeof o.output, "file:air");
	snprintf(o.state, sizeof o.state, "idle");
	po_state_put_output_status(st, &o);
	po_state_close(st);
}

static void ask(struct fixture *fx, const char *method, const char *path, const char *auth,
		const char *token, struct po_httpd_reply *rp)
{
	struct po_httpd_request rq = {.method = method, .path = path, .authorization = auth,
				      .token = token};
	po_httpd_handle(&fx->site, &rq, rp);
}

static void test_requests_method_token_and_path_rules(void)
{
	struct fixture fx;
	struct po_httpd_reply rp;
	setenv("PO_TEST_HTTP_TOKEN", "tok-123", 1);
	PO_EXPECT_INT_FATAL(fixture_open(&fx, "listen = \"0.0.0.0:1\"; token = \"env:PO_TEST_HTTP_TOKEN\";"), 0);

	ask(&fx, "POST", "/", NULL, NULL, &rp);
	PO_EXPECT_INT(rp.status, 405);
	PO_EXPECT_INT(rp.allow, 1);
	free(rp.body);
	ask(&fx, "GET", "/status.json", NULL, NULL, &rp);
	PO_EXPECT_INT(rp.status, 401);
	PO_EXPECT_INT(rp.challenge, 1);
	CU_ASSERT_PTR_NULL(rp.body ? strstr(rp.body, "tok-123") : NULL);
	free(rp.body);
	ask(&fx, "GET", "/status.json", "Bearer tok-12", NULL, &rp);
	PO_EXPECT_INT(rp.status, 401);
	free(rp.body);
	/* no state yet: said, without the path */
	ask(&fx, "GET", "/status.json", "Bearer tok-123", NULL, &rp);
	PO_EXPECT_INT(rp.status, 503);
	CU_ASSERT_PTR_NULL(rp.body ? strstr(rp.body, fx.state) : NULL);
	free(rp.body);

	fill_state(fx.state);
	ask(&fx, "GET", "/status.json", "Bearer tok-123", NULL, &rp);
	PO_EXPECT_INT(rp.status, 200);
	PO_EXPECT_STR(rp.content_type, "application/json");
	CU_ASSERT_PTR_NOT_NULL(rp.body ? strstr(rp.body, "\"output\": \"file:air\"") : NULL);
	free(rp.body);
	ask(&fx, "HEAD", "/metrics", NULL, "tok-123", &rp);
	PO_EXPECT_INT(rp.status, 200);
	PO_EXPECT_STR(rp.content_type, "text/plain; version=0.0.4; charset=utf-8");
	free(rp.body);
	ask(&fx, "GET", "/", NULL, "tok-123", &rp);
	PO_EXPECT_INT(rp.status, 200);
	PO_EXPECT_STR(rp.content_type, "text/html; charset=utf-8");
	free(rp.body);
	const char *paths[] = {"/rundown.json", "/history.json"};
	for (size_t i = 0; i < 2; i++) {
		ask(&fx, "GET", paths[i], NULL, "tok-123", &rp);
		PO_EXPECT_INT(rp.status, 200);
		CU_ASSERT(rp.body && rp.body[0] == '[');
		free(rp.body);
	}
	ask(&fx, "GET", "/status.json/", NULL, "tok-123", &rp);
	PO_EXPECT_INT(rp.status, 404);
	free(rp.body);
	ask(&fx, "GET", "/../state.db", NULL, "tok-123", &rp);
	PO_EXPECT_INT(rp.status, 404);
	free(rp.body);
	po_config_free(&fx.c);
}

static void test_loopback_without_token_answers_anyone(void)
{
	struct fixture fx;
	struct po_httpd_reply rp;
	PO_EXPECT_INT_FATAL(fixture_open(&fx, "listen = \"127.0.0.1:1\";"), 0);
	fill_state(fx.state);
	ask(&fx, "GET", "/metrics", NULL, NULL, &rp);
	PO_EXPECT_INT(rp.status, 200);
	CU_ASSERT_PTR_NOT_NULL(rp.body ? strstr(rp.body, "playout_output_up{output=\"file:air\"} 0\n") : NULL);
	free(rp.body);
	po_config_free(&fx.c);
}

static const struct po_test listen_tests[] = {
	{"listen_takes_literals_and_localhost_only", test_listen_takes_literals_and_localhost_only},
	{"config_http_is_off_by_default_and_on_when_given",
	 test_config_http_is_off_by_default_and_on_when_given},
	{"config_refuses_a_network_address_without_a_token",
	 test_config_refuses_a_network_address_without_a_token},
	{"config_names_bad_listen_values_and_keys", test_config_names_bad_listen_values_and_keys},
	{NULL, NULL},
};

static const struct po_test request_tests[] = {
	{"token_from_bearer_or_query_compared_whole", test_token_from_bearer_or_query_compared_whole},
	{"requests_method_token_and_path_rules", test_requests_method_token_and_path_rules},
	{"loopback_without_token_answers_anyone", test_loopback_without_token_answers_anyone},
	{NULL, NULL},
};

int main(void)
{
	static const struct po_suite suites[] = {
		{"http config", listen_tests, NULL, NULL},
		{"requests", request_tests, NULL, NULL},
		{NULL, NULL, NULL, NULL},
	};
	return po_test_run("test_httpd", suites);
}
