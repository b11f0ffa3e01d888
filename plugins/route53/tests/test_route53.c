/*
 * route53 plugin tests: the plugin (compiled in) against tests/fakes/route53_fake.py,
 * which verifies SigV4 and logs every request as JSON lines. The host's http
 * is a small libcurl client here (CURLOPT_AWS_SIGV4 with test keys); instance
 * metadata answers a settable address. The IMDSv2 exchange itself is the
 * core's (core/aws.c) and is covered by tests/integration/test_ec2.sh.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libconfig.h>

#include "fake_host.h"
#include "fake_server.h"
#include "plugin_conf.h"
#include "runner.h"

extern const struct playout_plugin playout_plugin;

/* test fixture state: one fake server for the whole program */
static pid_t fake_pid = -1;
static int fake_port;
static char fake_log[1024];
static char imds_ip[64] = "203.0.113.7"; /* what instance metadata answers; "" = off EC2 */
static const char *test_secret = "secrettest";
static int imds_calls;

/* ---- host services for the plugin ------------------------------------------ */

struct buf {
	char *p;
	size_t n;
};

static size_t buf_write(char *data, size_t size, size_t nmemb, void *ud)
{
	struct buf *b = ud;
	size_t len = size * nmemb;
	char *p = realloc(b->p, b->n + len + 1);
	if (!p)
		return 0;
	memcpy(p + b->n, data, len);
	b->p = p;
	b->n += len;
	p[b->n] = '\0';
	return len;
}

static int test_http(const struct playout_host *h, const struct playout_http_request *req,
		     struct playout_http_response *resp, struct playout_error *err)
{
	(void)h;
	CURL *c = curl_easy_init();
	struct curl_slist *hl = NULL;
	struct buf body = { 0 }, hdrs = { 0 };
	char sigv4[128];
	char userpwd[128];
	int rc = PLAYOUT_OK;

	memset(resp, 0, sizeof *resp);
	if (!c)
		return playout_error_set(err, PLAYOUT_ENOMEM, "curl_easy_init");
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)req->body_len);
	}
	for (const char *const *p = req->headers; p && *p; p++)
		hl = curl_slist_append(hl, *p);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	if (req->aws_service) {
		snprintf(sigv4, sizeof sigv4, "aws:amz:%s:%s",
			 req->aws_region ? req->aws_region : "eu-west-1", req->aws_service);
		snprintf(userpwd, sizeof userpwd, "AKIDTEST:%s", test_secret);
		curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4);
		curl_easy_setopt(c, CURLOPT_USERPWD, userpwd);
	}
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, buf_write);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &hdrs);
	CURLcode cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		rc = playout_error_set(err, PLAYOUT_EUNAVAIL, "%s %s: %s", req->method, req->url,
				       curl_easy_strerror(cc));
		free(body.p);
		free(hdrs.p);
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
		resp->body = body.p ? body.p : calloc(1, 1);
		resp->body_len = body.n;
		resp->headers = hdrs.p;
	}
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return rc;
}

static int test_imds(const struct playout_host *h, const char *path, char **value,
		     struct playout_error *err)
{
	(void)h;
	imds_calls++;
	*value = NULL;
	if (strcmp(path, "meta-data/public-ipv4") != 0 || !imds_ip[0])
		return playout_error_set(err, PLAYOUT_ENOTFOUND, "instance metadata %s: 404", path);
	*value = strdup(imds_ip);
	return *value ? PLAYOUT_OK : PLAYOUT_ENOMEM;
}

/* ---- the fake server ----------------------------------------------------------- */

static int suite_init(void)
{
	snprintf(fake_log, sizeof fake_log, "%s/r53.jsonl", po_test_tmpdir());
	curl_global_init(CURL_GLOBAL_DEFAULT);
	fake_pid = po_fake_server_start(R53_FAKE, "r53", &fake_port, "--log", fake_log, "--zone",
					"Z123:example.org", "--zone", "ZFAIL:example.org", "--key",
					"AKIDTEST:secrettest", "--insync-after", "1", "--fail-once",
					"/2013-04-01/hostedzone/ZFAIL", NULL);
	return fake_pid > 0 ? 0 : -1;
}

static int suite_cleanup(void)
{
	po_fake_server_stop(&fake_pid);
	curl_global_cleanup();
	return 0;
}

/* Lines of the fake's log that contain n1 and n2 and n3 (NULL: any). */
static int log_count(const char *n1, const char *n2, const char *n3)
{
	FILE *f = fopen(fake_log, "r");
	char line[4096];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (strstr(line, n1) && (!n2 || strstr(line, n2)) && (!n3 || strstr(line, n3)))
			n++;
	fclose(f);
	return n;
}

/* ---- instances -------------------------------------------------------------------- */

struct r53 {
	struct po_fake_host *fh;
	const struct playout_host *host;
	void *inst;
	struct po_test_conf tc;
};

/* Create an instance from the settings text (the inside of a group), with
 * the fake as endpoint and fast polling. Returns create's code. */
static int r53_open(struct r53 *t, const char *settings, struct playout_error *err)
{
	char text[2048];
	memset(t, 0, sizeof *t);
	snprintf(text, sizeof text, "plugin = \"route53\"; %s endpoint = "
		 "\"http://127.0.0.1:%d/\"; poll_interval_ms = 20;", settings, fake_port);
	t->fh = po_fake_host_new("route53:test", NULL);
	CU_ASSERT_FATAL(t->fh != NULL);
	po_fake_host_set_http(t->fh, test_http);
	po_fake_host_set_instance_metadata(t->fh, test_imds);
	t->host = po_fake_host(t->fh);
	return po_test_plugin_create(&t->tc, &playout_plugin, text, t->host, &t->inst, err);
}

static void r53_close(struct r53 *t)
{
	if (t->inst)
		playout_plugin.destroy(t->inst);
	po_fake_host_free(t->fh);
	po_test_conf_free(&t->tc);
}

static int r53_update(struct r53 *t, struct playout_error *err)
{
	const struct playout_dns_ops *ops = playout_plugin.ops.dns;
	return ops->update(t->inst, err);
}

static char *kv(struct r53 *t, const char *key)
{
	char *v = NULL;
	t->host->kv_get(t->host, key, &v);
	return v; /* caller frees */
}

/* ---- tests -------------------------------------------------------------------------- */

static void test_upsert_is_signed_and_waits_for_insync(void)
{
	struct r53 t;
	struct playout_error e = { 0 };
	snprintf(imds_ip, sizeof imds_ip, "203.0.113.7");
	PO_EXPECT_INT_FATAL(r53_open(&t, "zone_id = \"Z123\"; name = \"signed.example.org\"; ttl = 300;", &e), 0);
	PO_EXPECT_INT(r53_update(&t, &e), PLAYOUT_OK);
	PO_EXPECT_INT(log_count("\"action\": \"UPSERT\"", "\"name\": \"signed.example.org.\"",
				  "\"sig\": \"ok\""), 1);
	PO_EXPECT_INT(log_count("\"name\": \"signed.example.org.\"", "\"values\": [\"203.0.113.7\"]",
				  "\"ttl\": \"300\""), 1);
	PO_EXPECT_INT(log_count("\"change_status\": \"INSYNC\"", "\"method\": \"GET\"", "\"sig\": \"ok\""), 1);
	char *st = kv(&t, "status"), *addr = kv(&t, "address");
	PO_EXPECT_STR(st ? st : "", "INSYNC");
	PO_EXPECT_STR(addr ? addr : "", "203.0.113.7");
	free(st);
	free(addr);
	CU_ASSERT(po_fake_host_log_contains(t.fh, "INSYNC"));
	r53_close(&t);
}

static void test_unchanged_address_sends_nothing(void)
{
	struct r53 t;
	struct playout_error e = { 0 };
	snprintf(imds_ip, sizeof imds_ip, "203.0.113.8");
	PO_EXPECT_INT_FATAL(r53_open(&t, "zone_id = \"Z123\"; name = \"same.example.org\";", &e), 0);
	PO_EXPECT_INT(r53_update(&t, &e), PLAYOUT_OK);
	int before = log_count("\"method\"", NULL, NULL);
	PO_EXPECT_INT(r53_update(&t, &e), PLAYOUT_OK);
	PO_EXPECT_INT(r53_update(&t, &e), PLAYOUT_OK);
	PO_EXPECT_INT(log_count("\"method\"", NULL, NULL), before);
	PO_EXPECT_INT(log_count("\"action\": \"UPSERT\"", "same.example.org.", NULL), 1);
	r53_close(&t);
}

static void test_new_address_sends_new_upsert(void)
{
	struct r53 t;
	struct playout_error e = { 0 };
	snprintf(imds_ip, sizeof imds_ip, "203.0.113.9");
	PO_EXPECT_INT_FATAL(r53_open(&t, "zone_id = \"Z123\"; name = \"moves.example.org\";", &e), 0);
	PO_EXPECT_INT(r53_update(&t, &e), PLAYOUT_OK);
	snprintf(imds_ip, sizeof imds_ip, "198.51.100.20");
	PO_EXPECT_INT(r53_update(&t, &e), PLAYOUT_OK);
	PO_EXPECT_INT(log_count("\"action\": \"UPSERT\"", "moves.example.org.", NULL), 2);
	PO_EXPECT_INT(log_count("moves.example.org.", "\"values\": [\"198.51.100.20\"]", NULL), 1);
	char *addr = kv(&t, "address");
	PO_EXPECT_STR(addr ? addr : "", "198.51.100.20");
	free(addr);
	r53_close(&t);
}

static void test_insync_timeout_warns_and_next_round_checks_once(void)
{
	struct r53 t;
	struct playout_error e = { 0 };
	snprintf(imds_ip, sizeof imds_ip, "203.0.113.10");
	PO_EXPECT_INT_FATAL(r53_open(&t, "zone_id = \"Z123\"; name = \"slow.example.org\"; "
				       "insync_timeout_s = 0;", &e), 0);
	PO_EXPECT_INT(r53_update(&t, &e), PLAYOUT_OK);
	CU_ASSERT(po_fake_host_log_count(t.fh, PLAYOUT_LOG_WARN) >= 1);
	CU_ASSERT(po_fake_host_log_contains(t.fh, "still PENDING"));
	char *st = kv(&t, "status");
	PO_EXPECT_STR(st ? st : "", "PENDING");
	free(st);
	char *change = kv(&t, "change");
	CU_ASSERT_FATAL(change != NULL);
	/* the next round asks about the same change instead of sending another */
	PO_EXPECT_INT(r53_update(&t, &e), PLAYOUT_OK);
	PO_EXPECT_INT(log_count("\"action\": \"UPSERT\"", "slow.example.org.", NULL), 1);
	PO_EXPECT_INT(log_count("\"method\": \"GET\"", change, "INSYNC"), 1);
	st = kv(&t, "status");
	PO_EXPECT_STR(st ? st : "", "INSYNC");
	free(st);
	free(change);
	r53_close(&t);
}

static void test_unknown_zone_reports_no_such_hosted_zone(void)
{
	struct r53 t;
	struct playout_error e = { 0 };
	snprintf(imds_ip, sizeof imds_ip, "203.0.113.11");
	PO_EXPECT_INT_FATAL(r53_open(&t, "zone_id = \"/hostedzone/ZNOPE\"; name = \"x.example.org\";", &e), 0);
	PO_EXPECT_INT(r53_update(&t, &e), PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "NoSuchHostedZone"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "zone_id"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "ZNOPE"));
	char *addr = kv(&t, "address");
	CU_ASSERT_PTR_NULL(addr); /* nothing remembered: the next round tries again */
	free(addr);
	r53_close(&t);
}

static void test_server_error_reported_then_next_round_succeeds(void)
{
	struct r53 t;
	struct playout_error e = { 0 };
	snprintf(imds_ip, sizeof imds_ip, "203.0.113.12");
	PO_EXPECT_INT_FATAL(r53_open(&t, "zone_id = \"ZFAIL\"; name = \"flaky.example.org\";", &e), 0);
	PO_EXPECT_INT(r53_update(&t, &e), PLAYOUT_EUNAVAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "HTTP 500"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "InternalFailure"));
	memset(&e, 0, sizeof e);
	PO_EXPECT_INT(r53_update(&t, &e), PLAYOUT_OK);
	PO_EXPECT_INT(log_count("\"action\": \"UPSERT\"", "flaky.example.org.", "\"status\": 200"), 1);
	r53_close(&t);
}

static void test_bad_signature_is_an_auth_error(void)
{
	struct r53 t;
	struct playout_error e = { 0 };
	snprintf(imds_ip, sizeof imds_ip, "203.0.113.13");
	PO_EXPECT_INT_FATAL(r53_open(&t, "zone_id = \"Z123\"; name = \"badsig.example.org\";", &e), 0);
	test_secret = "wrongsecret";
	PO_EXPECT_INT(r53_update(&t, &e), PLAYOUT_EAUTH);
	test_secret = "secrettest";
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "SignatureDoesNotMatch"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "instance role"));
	r53_close(&t);
}

static void test_name_outside_zone_is_invalid_change_batch(void)
{
	struct r53 t;
	struct playout_error e = { 0 };
	snprintf(imds_ip, sizeof imds_ip, "203.0.113.14");
	PO_EXPECT_INT_FATAL(r53_open(&t, "zone_id = \"Z123\"; name = \"radio.other.net\";", &e), 0);
	PO_EXPECT_INT(r53_update(&t, &e), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "InvalidChangeBatch"));
	r53_close(&t);
}

static void test_private_address_from_imds_is_refused(void)
{
	struct r53 t;
	struct playout_error e = { 0 };
	PO_EXPECT_INT_FATAL(r53_open(&t, "zone_id = \"Z123\"; name = \"priv.example.org\";", &e), 0);
	const char *bad[] = { "10.1.2.3", "192.168.0.4", "172.20.0.1", "127.0.0.1", "169.254.169.254" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(imds_ip, sizeof imds_ip, "%s", bad[i]);
		PO_EXPECT_INT(r53_update(&t, &e), PLAYOUT_EPROTO);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, bad[i]));
	}
	PO_EXPECT_INT(log_count("priv.example.org.", NULL, NULL), 0);
	r53_close(&t);
}

static void test_garbage_or_missing_metadata_is_reported(void)
{
	struct r53 t;
	struct playout_error e = { 0 };
	PO_EXPECT_INT_FATAL(r53_open(&t, "zone_id = \"Z123\"; name = \"junk.example.org\";", &e), 0);
	const char *bad[] = { "not-an-ip", "1.2.3", "1.2.3.256", "01.2.3.4", "1.2.3.4.5" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(imds_ip, sizeof imds_ip, "%s", bad[i]);
		PO_EXPECT_INT(r53_update(&t, &e), PLAYOUT_EPROTO);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not an IPv4"));
	}
	imds_ip[0] = '\0';
	PO_EXPECT_INT(r53_update(&t, &e), PLAYOUT_ENOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "ip_source"));
	PO_EXPECT_INT(log_count("junk.example.org.", NULL, NULL), 0);
	r53_close(&t);
}

static void test_config_source_publishes_private_address(void)
{
	struct r53 t;
	struct playout_error e = { 0 };
	int calls = imds_calls;
	PO_EXPECT_INT_FATAL(r53_open(&t, "zone_id = \"Z123\"; name = \"lan.example.org\"; "
				       "ip_source = \"config\"; ip = \"192.168.1.10\";", &e), 0);
	PO_EXPECT_INT(r53_update(&t, &e), PLAYOUT_OK);
	PO_EXPECT_INT(log_count("lan.example.org.", "\"values\": [\"192.168.1.10\"]", "UPSERT"), 1);
	PO_EXPECT_INT(imds_calls, calls);
	r53_close(&t);
}

static void test_url_source_trims_the_answer(void)
{
	struct r53 t;
	struct playout_error e = { 0 };
	char settings[512];
	snprintf(settings, sizeof settings, "zone_id = \"Z123\"; name = \"url.example.org\"; "
		 "ip_source = \"url\"; ip_url = \"http://127.0.0.1:%d/checkip\";", fake_port);
	PO_EXPECT_INT_FATAL(r53_open(&t, settings, &e), 0);
	PO_EXPECT_INT(r53_update(&t, &e), PLAYOUT_OK);
	/* the fake answers "203.0.113.7\n" */
	PO_EXPECT_INT(log_count("url.example.org.", "\"values\": [\"203.0.113.7\"]", "UPSERT"), 1);
	r53_close(&t);
}

static void test_create_rejects_bad_settings(void)
{
	static const struct {
		const char *conf, *says;
	} bad[] = {
		{ "name = \"a.example.org\";", "route53 needs key 'zone_id'" },
		{ "zone_id = \"Z123\";", "route53 needs key 'name'" },
		{ "zone_id = \"Z 1\"; name = \"a.example.org\";", "zone_id \"Z 1\" is not a hosted zone id" },
		{ "zone_id = \"Z123\"; name = \"a.example.org\"; ttl = 0;",
		  "key 'ttl' must be between 1 and 86400 (got 0)" },
		{ "zone_id = \"Z123\"; name = \"a.example.org\"; ip_source = \"dhcp\";",
		  "key 'ip_source' of route53 must be one of \"imds\", \"config\", \"url\"" },
		{ "zone_id = \"Z123\"; name = \"a.example.org\"; ip_source = \"config\";",
		  "ip_source = \"config\" needs ip = \"a.b.c.d\"" },
		{ "zone_id = \"Z123\"; name = \"a.example.org\"; ip_source = \"config\"; ip = \"1.2.3\";",
		  "ip_source = \"config\" needs ip = \"a.b.c.d\"" },
		{ "zone_id = \"Z123\"; name = \"a<b>.example.org\";", "name \"a<b>.example.org\" is not a DNS name" },
		{ "zone_id = \"Z123\"; name = \"a.example.org\"; ip_url = \"ftp://x\";",
		  "endpoint and ip_url must be http:// or https:// URLs" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct r53 t;
		struct playout_error e = { 0 };
		int rc = r53_open(&t, bad[i].conf, &e);
		PO_EXPECT_INT(rc, PLAYOUT_ECONFIG);
		CU_ASSERT_PTR_NULL(t.inst);
		if (rc != PLAYOUT_ECONFIG || !strstr(e.msg, bad[i].says)) {
			fprintf(stderr, "config %s\n  wanted: %s\n  got (%d): %s\n", bad[i].conf,
				bad[i].says, rc, e.msg);
			CU_FAIL("not refused as expected");
		}
		r53_close(&t);
	}
}

static const struct po_test r53_tests[] = {
	{ "test_upsert_is_signed_and_waits_for_insync", test_upsert_is_signed_and_waits_for_insync },
	{ "test_unchanged_address_sends_nothing", test_unchanged_address_sends_nothing },
	{ "test_new_address_sends_new_upsert", test_new_address_sends_new_upsert },
	{ "test_insync_timeout_warns_and_next_round_checks_once",
	  test_insync_timeout_warns_and_next_round_checks_once },
	{ "test_unknown_zone_reports_no_such_hosted_zone", test_unknown_zone_reports_no_such_hosted_zone },
	{ "test_server_error_reported_then_next_round_succeeds",
	  test_server_error_reported_then_next_round_succeeds },
	{ "test_bad_signature_is_an_auth_error", test_bad_signature_is_an_auth_error },
	{ "test_name_outside_zone_is_invalid_change_batch", test_name_outside_zone_is_invalid_change_batch },
	{ "test_private_address_from_imds_is_refused", test_private_address_from_imds_is_refused },
	{ "test_garbage_or_missing_metadata_is_reported", test_garbage_or_missing_metadata_is_reported },
	{ "test_config_source_publishes_private_address", test_config_source_publishes_private_address },
	{ "test_url_source_trims_the_answer", test_url_source_trims_the_answer },
	{ "test_create_rejects_bad_settings", test_create_rejects_bad_settings },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "route53", r53_tests, suite_init, suite_cleanup },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_route53", suites);
}
