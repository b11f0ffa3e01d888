/*
 * The s3 plugin against a scripted host->http: paging and the query it signs,
 * hostile keys, errors, resume with Range, MD5 checks, request counters and
 * the stored full listing. The wire itself is tested by test_s3.sh.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_host.h"
#include "plugin_conf.h"
#include "../s3_list_xml.h"
#include "runner.h"

extern const struct playout_plugin playout_plugin;

#define NOW_MS INT64_C(1795593600000) /* 2026-11-25T08:00:00Z */
#define BODY "0123456789abcdefghijklmnopqrstuvwxyz"
#define BODY_MD5 "e9b1713db620f1e3a14b6812de523f4b" /* md5sum of BODY */

/* The scripted server: one handler per test, and what it saw. */
struct script {
	int (*handle)(const struct playout_http_request *req, struct playout_http_response *resp,
		      struct playout_error *err);
	int calls;
	char urls[8][1024];
	char range[8][64];
	char ifmatch[8][128];
};
static struct script sc;
static char body_md5[33];

static char *dupstr(const char *s)
{
	char *p = malloc(strlen(s) + 1);
	if (p)
		strcpy(p, s);
	return p;
}

static int fake_http(const struct playout_host *h, const struct playout_http_request *req,
		     struct playout_http_response *resp, struct playout_error *err)
{
	(void)h;
	int i = sc.calls < 8 ? sc.calls : 7;
	snprintf(sc.urls[i], sizeof sc.urls[i], "%s", req->url);
	sc.range[i][0] = sc.ifmatch[i][0] = '\0';
	for (const char *const *hd = req->headers; hd && *hd; hd++) {
		if (strncmp(*hd, "Range: ", 7) == 0)
			snprintf(sc.range[i], sizeof sc.range[i], "%s", *hd + 7);
		if (strncmp(*hd, "If-Match: ", 10) == 0)
			snprintf(sc.ifmatch[i], sizeof sc.ifmatch[i], "%s", *hd + 10);
	}
	sc.calls++;
	memset(resp, 0, sizeof *resp);
	return sc.handle(req, resp, err);
}

static void answer(struct playout_http_response *resp, long status, const char *body)
{
	resp->status = status;
	resp->body = dupstr(body);
	resp->body_len = strlen(body);
	resp->headers = dupstr("");
}

static int sink(const struct playout_http_request *req, const char *bytes, size_t n)
{
	return write(req->sink_fd, bytes, n) == (ssize_t)n ? 0 : -1;
}

struct fixture {
	struct po_fake_host *fh;
	struct playout_host host;
	struct po_test_conf tc;
	void *inst;
};

static void setup(struct fixture *f, const char *settings)
{
	char text[1024];
	struct playout_error e = {0};
	memset(&sc, 0, sizeof sc);
	f->fh = po_fake_host_new("s3:test", po_test_tmpdir());
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->fh);
	po_fake_host_set_now(f->fh, NOW_MS);
	f->host = *po_fake_host(f->fh);
	f->host.http = fake_http;
	snprintf(text, sizeof text, "plugin = \"s3\"; bucket = \"prerecs\"; "
		 "endpoint = \"http://127.0.0.1:9\"; %s", settings);
	memset(&f->tc, 0, sizeof f->tc);
	PO_EXPECT_INT_FATAL(po_test_plugin_create(&f->tc, &playout_plugin, text, &f->host,
						    &f->inst, &e), PLAYOUT_OK);
}

static void teardown(struct fixture *f)
{
	playout_plugin.destroy(f->inst);
	po_test_conf_free(&f->tc);
	po_fake_host_free(f->fh);
}

static int s3_list(struct fixture *f, struct playout_assets *out, struct playout_error *e)
{
	const struct playout_storage_ops *ops = playout_plugin.ops.storage;
	return ops->list(f->inst, out, e);
}

static int s3_fetch(struct fixture *f, const struct playout_asset *a, const char *dest,
		    struct playout_error *e)
{
	const struct playout_storage_ops *ops = playout_plugin.ops.storage;
	return ops->fetch(f->inst, a, dest, e);
}

#define CONTENTS(key) "<Contents><Key>" key "</Key><LastModified>2026-11-24T10:00:00.000Z" \
	"</LastModified><ETag>&quot;" "0123456789abcdef0123456789abcdef" "&quot;</ETag><Size>36</Size></Contents>"

/* ---- listing ------------------------------------------------------------- */

static int two_pages(const struct playout_http_request *req, struct playout_http_response *resp,
		     struct playout_error *err)
{
	(void)err;
	if (!strstr(req->url, "continuation-token="))
		answer(resp, 200, "<?xml version=\"1.0\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
		       "<EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>"
		       "<NextContinuationToken>a+b/c=</NextContinuationToken>"
		       CONTENTS("shows/20261125_1000_one.mp3") CONTENTS("shows/notes.txt") "</ListBucketResult>");
	else
		answer(resp, 200, "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"
		       CONTENTS("shows/20261126_1000_two%20b.mp3") "</ListBucketResult>");
	return PLAYOUT_OK;
}

static void test_list_follows_pages_with_sorted_encoded_query(void)
{
	struct fixture f;
	struct playout_assets out = {0};
	struct playout_error e = {0};
	setup(&f, "prefix = \"shows/\"; page_size = 2; full_list_h = 0;");
	sc.handle = two_pages;
	PO_EXPECT_INT(s3_list(&f, &out, &e), PLAYOUT_OK);
	PO_EXPECT_INT(sc.calls, 2);
	PO_EXPECT_STR(sc.urls[0], "http://127.0.0.1:9/prerecs?encoding-type=url&list-type=2"
			       "&max-keys=2&prefix=shows%2F");
	PO_EXPECT_STR(sc.urls[1], "http://127.0.0.1:9/prerecs?continuation-token=a%2Bb%2Fc%3D"
			       "&encoding-type=url&list-type=2&max-keys=2&prefix=shows%2F");
	PO_EXPECT_INT_FATAL(out.n, 2);
	PO_EXPECT_STR(out.v[0].name, "20261125_1000_one.mp3");
	PO_EXPECT_INT(out.v[0].size, 36);
	PO_EXPECT_INT(out.v[0].mtime_ms, NOW_MS - 22 * INT64_C(3600000));
	PO_EXPECT_STR(out.v[0].etag, "0123456789abcdef0123456789abcdef");
	PO_EXPECT_STR(out.v[1].name, "20261126_1000_two b.mp3");
	free(out.v);
	teardown(&f);
}

static int hostile(const struct playout_http_request *req, struct playout_http_response *resp,
		   struct playout_error *err)
{
	(void)req;
	(void)err;
	answer(resp, 200, "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"
	       CONTENTS("..%2Fx.mp3") CONTENTS("%2Fabs.mp3") CONTENTS("a%2F..%2F..%2Fb.mp3")
	       CONTENTS("bell%07.mp3") CONTENTS("sub%2Fx.mp3") CONTENTS(".hidden.mp3")
	       CONTENTS("nl%0A.mp3")
	       CONTENTS("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxxxxxxxxxx.mp3")
	       CONTENTS("20261125_1000_good.mp3") "</ListBucketResult>");
	return PLAYOUT_OK;
}

static void test_list_skips_hostile_keys_and_warns_once_each(void)
{
	struct fixture f;
	struct playout_assets out = {0};
	struct playout_error e = {0};
	setup(&f, "full_list_h = 0;");
	sc.handle = hostile;
	PO_EXPECT_INT(s3_list(&f, &out, &e), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(out.n, 1);
	PO_EXPECT_STR(out.v[0].name, "20261125_1000_good.mp3");
	PO_EXPECT_INT(po_fake_host_log_count(f.fh, PLAYOUT_LOG_WARN), 8);
	CU_ASSERT_TRUE(po_fake_host_log_contains(f.fh, "\"../x.mp3\""));
	CU_ASSERT_TRUE(po_fake_host_log_contains(f.fh, "control character"));
	CU_ASSERT_TRUE(po_fake_host_log_contains(f.fh, "longer than 200"));
	out.n = 0;
	PO_EXPECT_INT(s3_list(&f, &out, &e), PLAYOUT_OK);
	PO_EXPECT_INT(out.n, 1);
	PO_EXPECT_INT(po_fake_host_log_count(f.fh, PLAYOUT_LOG_WARN), 8);
	free(out.v);
	teardown(&f);
}

static int down(const struct playout_http_request *req, struct playout_http_response *resp,
		struct playout_error *err)
{
	(void)resp;
	return playout_error_set(err, PLAYOUT_EUNAVAIL, "GET %s: connection refused", req->url);
}

static int forbidden(const struct playout_http_request *req, struct playout_http_response *resp,
		     struct playout_error *err)
{
	(void)req;
	(void)err;
	answer(resp, 403, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SignatureDoesNotMatch</Code>"
	       "<Message>The request signature we calculated does not match</Message></Error>");
	return PLAYOUT_OK;
}

/* Listing answers that once tripped UBSan or slipped through, fed to the
 * parser directly: a LastModified with a year near INT_MIN or INT_MAX
 * (signed overflow, then ms past INT64_MAX) gives "unknown" (0); a
 * fraction is a fraction (".5" is 500 ms); a negative Size and a key with
 * "%00" (cut short at the NUL) are refused with a warning. */
static int nwarned;
static char last_why[128];

static void count_warn(void *arg, const char *key, const char *why)
{
	(void)arg;
	(void)key;
	nwarned++;
	snprintf(last_why, sizeof last_why, "%s", why);
}

static void test_list_parser_survives_absurd_times_sizes_and_nul_keys(void)
{
	const struct s3_list_src src = { .bucket = "b", .prefix = "", .warn = count_warn };
	struct playout_assets out = { 0 };
	struct playout_error err = { 0 };
	char *token = NULL;
	static const char page[] =
		"<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"
		"<Contents><Key>min.mp3</Key><LastModified>-2147483648-01-01T00:00:00Z"
		"</LastModified><Size>1</Size></Contents>"
		"<Contents><Key>max.mp3</Key><LastModified>2147483647-12-31T23:59:59.999Z"
		"</LastModified><Size>1</Size></Contents>"
		"<Contents><Key>half.mp3</Key><LastModified>2026-11-24T10:00:00.5Z"
		"</LastModified><Size>9223372036854775807</Size></Contents>"
		"<Contents><Key>neg.mp3</Key><Size>-5</Size></Contents>"
		"<Contents><Key>cut%00.mp3.txt</Key><Size>1</Size></Contents>"
		"</ListBucketResult>";

	nwarned = 0;
	PO_EXPECT_INT_FATAL(s3_list_parse_page(&src, page, sizeof page - 1, "", &out, &token, &err), PLAYOUT_OK);
	CU_ASSERT_PTR_NULL(token);
	PO_EXPECT_INT_FATAL(out.n, 3);
	PO_EXPECT_STR(out.v[0].name, "min.mp3");
	PO_EXPECT_INT(out.v[0].mtime_ms, 0);
	PO_EXPECT_STR(out.v[1].name, "max.mp3");
	PO_EXPECT_INT(out.v[1].mtime_ms, 0);
	PO_EXPECT_STR(out.v[2].name, "half.mp3");
	PO_EXPECT_INT(out.v[2].mtime_ms, 1795514400500LL); /* 2026-11-24T10:00:00.5Z */
	PO_EXPECT_INT(out.v[2].size, INT64_MAX);
	PO_EXPECT_INT(nwarned, 2);
	PO_EXPECT_STR(last_why, "control character in the name");
	free(out.v);
}

static void test_list_reports_unreachable_and_refused(void)
{
	struct fixture f;
	struct playout_assets out = {0};
	struct playout_error e = {0};
	setup(&f, "");
	sc.handle = down;
	PO_EXPECT_INT(s3_list(&f, &out, &e), PLAYOUT_EUNAVAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "connection refused"));
	sc.handle = forbidden;
	PO_EXPECT_INT(s3_list(&f, &out, &e), PLAYOUT_EAUTH);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "HTTP 403 SignatureDoesNotMatch"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "prerecs"));
	PO_EXPECT_INT(out.n, 0);
	teardown(&f);
}

static int one_key(const struct playout_http_request *req, struct playout_http_response *resp,
		   struct playout_error *err)
{
	(void)req;
	(void)err;
	answer(resp, 200, "<ListBucketResult><IsTruncated>false</IsTruncated>"
	       CONTENTS("20261120_1000_old.mp3") "</ListBucketResult>");
	return PLAYOUT_OK;
}

static void test_full_listing_survives_restart_and_dated_prefixes_follow(void)
{
	struct fixture f;
	struct playout_assets out = {0};
	struct playout_error e = {0};
	setup(&f, "list_days = 3;");
	sc.handle = one_key;
	PO_EXPECT_INT(s3_list(&f, &out, &e), PLAYOUT_OK);
	PO_EXPECT_INT(sc.calls, 1); /* a fresh full listing covers the days too */
	PO_EXPECT_STR(sc.urls[0], "http://127.0.0.1:9/prerecs?encoding-type=url&list-type=2"
			       "&max-keys=1000&prefix=");
	/* a second instance on the same state: the full listing is not due */
	struct playout_host h2 = f.host;
	void *inst2 = NULL;
	PO_EXPECT_INT_FATAL(playout_plugin.create(f.tc.ic.group, &h2, &inst2, &e), PLAYOUT_OK);
	const struct playout_storage_ops *ops = playout_plugin.ops.storage;
	sc.calls = 0;
	out.n = 0;
	PO_EXPECT_INT(ops->list(inst2, &out, &e), PLAYOUT_OK);
	PO_EXPECT_INT(sc.calls, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(sc.urls[0], "prefix=20261124_"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sc.urls[1], "prefix=20261125_"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sc.urls[2], "prefix=20261126_"));
	PO_EXPECT_INT_FATAL(out.n, 1);
	PO_EXPECT_STR(out.v[0].name, "20261120_1000_old.mp3");
	/* requests are counted per UTC day */
	char *v = NULL;
	PO_EXPECT_INT(f.host.kv_get(&f.host, "requests:2026-11-25", &v), PLAYOUT_OK);
	PO_EXPECT_STR(v ? v : "", "4");
	free(v);
	playout_plugin.destroy(inst2);
	free(out.v);
	teardown(&f);
}

/* ---- download -------------------------------------------------------------- */

static int serve_whole(const struct playout_http_request *req, struct playout_http_response *resp,
		       struct playout_error *err)
{
	(void)err;
	if (sink(req, BODY, strlen(BODY)) < 0)
		return PLAYOUT_EIO;
	answer(resp, 200, "");
	return PLAYOUT_OK;
}

static int serve_corrupt(const struct playout_http_request *req, struct playout_http_response *resp,
			 struct playout_error *err)
{
	(void)err;
	char b[] = BODY;
	b[3] ^= 1;
	if (sink(req, b, strlen(b)) < 0)
		return PLAYOUT_EIO;
	answer(resp, 200, "");
	return PLAYOUT_OK;
}

/* First call: half the body, then the connection drops; then 206 the rest. */
static int serve_dropping(const struct playout_http_request *req, struct playout_http_response *resp,
			  struct playout_error *err)
{
	if (sc.calls == 1) {
		sink(req, BODY, 10);
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "connection reset");
	}
	if (sc.calls == 2)
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "connection refused");
	if (sink(req, BODY + 10, strlen(BODY) - 10) < 0)
		return PLAYOUT_EIO;
	answer(resp, 206, "");
	return PLAYOUT_OK;
}

static struct playout_asset asset(const char *name, const char *etag)
{
	struct playout_asset a;
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "%s", name);
	snprintf(a.etag, sizeof a.etag, "%s", etag);
	a.size = (int64_t)strlen(BODY);
	return a;
}

static int file_is(const char *path, const char *want)
{
	char buf[256];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf);
	close(fd);
	return n == (ssize_t)strlen(want) && memcmp(buf, want, (size_t)n) == 0;
}

static void test_fetch_writes_the_object_and_checks_md5(void)
{
	struct fixture f;
	struct playout_error e = {0};
	char dest[4096];
	setup(&f, "prefix = \"in dir/\";");
	sc.handle = serve_whole;
	struct playout_asset a = asset("20261125_1000_one.mp3", body_md5);
	snprintf(dest, sizeof dest, "%s/dest-one.mp3", po_test_tmpdir());
	PO_EXPECT_INT(s3_fetch(&f, &a, dest, &e), PLAYOUT_OK);
	PO_EXPECT_STR(sc.urls[0], "http://127.0.0.1:9/prerecs/in%20dir/20261125_1000_one.mp3");
	PO_EXPECT_STR(sc.range[0], "");
	CU_ASSERT_TRUE(file_is(dest, BODY));
	char *v = NULL;
	PO_EXPECT_INT(f.host.kv_get(&f.host, "bytes:2026-11-25", &v), PLAYOUT_OK);
	PO_EXPECT_STR(v ? v : "", "36");
	free(v);
	teardown(&f);
}

static void test_fetch_etag_mismatch_leaves_nothing(void)
{
	struct fixture f;
	struct playout_error e = {0};
	char dest[4096], part[4096];
	struct stat st;
	setup(&f, "");
	sc.handle = serve_corrupt;
	struct playout_asset a = asset("20261125_1000_bad.mp3", body_md5);
	snprintf(dest, sizeof dest, "%s/dest-bad.mp3", po_test_tmpdir());
	PO_EXPECT_INT(s3_fetch(&f, &a, dest, &e), PLAYOUT_EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "etag mismatch"));
	CU_ASSERT_NOT_EQUAL(stat(dest, &st), 0);
	snprintf(part, sizeof part, "%s/.part/20261125_1000_bad.mp3.s3partial", po_test_tmpdir());
	CU_ASSERT_NOT_EQUAL(stat(part, &st), 0);
	teardown(&f);
}

static void test_fetch_resumes_with_range_and_if_match(void)
{
	struct fixture f;
	struct playout_error e = {0};
	char dest[4096];
	setup(&f, "");
	sc.handle = serve_dropping;
	struct playout_asset a = asset("20261125_1000_long.mp3", body_md5);
	snprintf(dest, sizeof dest, "%s/dest-long.mp3", po_test_tmpdir());
	PO_EXPECT_INT(s3_fetch(&f, &a, dest, &e), PLAYOUT_OK);
	PO_EXPECT_INT(sc.calls, 3);
	PO_EXPECT_STR(sc.range[1], "bytes=10-");
	PO_EXPECT_STR(sc.range[2], "bytes=10-");
	char want[64];
	snprintf(want, sizeof want, "\"%s\"", body_md5);
	PO_EXPECT_STR(sc.ifmatch[2], want);
	CU_ASSERT_TRUE(file_is(dest, BODY));
	teardown(&f);
}

static void test_fetch_refuses_a_key_that_is_a_path(void)
{
	struct fixture f;
	struct playout_error e = {0};
	char dest[4096];
	setup(&f, "");
	sc.handle = serve_whole;
	struct playout_asset a = asset("../escape.mp3", "");
	snprintf(dest, sizeof dest, "%s/dest-escape.mp3", po_test_tmpdir());
	PO_EXPECT_INT(s3_fetch(&f, &a, dest, &e), PLAYOUT_EINVAL);
	PO_EXPECT_INT(sc.calls, 0);
	teardown(&f);
}

static void test_create_refuses_missing_bucket(void)
{
	struct po_test_conf tc = { 0 };
	void *inst = NULL;
	struct playout_error e = {0};
	struct po_fake_host *fh = po_fake_host_new("s3:test", po_test_tmpdir());
	PO_EXPECT_INT(po_test_plugin_create(&tc, &playout_plugin, "plugin = \"s3\";",
					      po_fake_host(fh), &inst, &e), PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "s3 needs key 'bucket'"));
	po_test_conf_free(&tc);
	po_fake_host_free(fh);
}

static const struct po_test tests[] = {
	{"test_list_follows_pages_with_sorted_encoded_query", test_list_follows_pages_with_sorted_encoded_query},
	{"test_list_skips_hostile_keys_and_warns_once_each", test_list_skips_hostile_keys_and_warns_once_each},
	{"test_list_parser_survives_absurd_times_sizes_and_nul_keys",
	 test_list_parser_survives_absurd_times_sizes_and_nul_keys},
	{"test_list_reports_unreachable_and_refused", test_list_reports_unreachable_and_refused},
	{"test_full_listing_survives_restart_and_dated_prefixes_follow",
	 test_full_listing_survives_restart_and_dated_prefixes_follow},
	{"test_fetch_writes_the_object_and_checks_md5", test_fetch_writes_the_object_and_checks_md5},
	{"test_fetch_etag_mismatch_leaves_nothing", test_fetch_etag_mismatch_leaves_nothing},
	{"test_fetch_resumes_with_range_and_if_match", test_fetch_resumes_with_range_and_if_match},
	{"test_fetch_refuses_a_key_that_is_a_path", test_fetch_refuses_a_key_that_is_a_path},
	{"test_create_refuses_missing_bucket", test_create_refuses_missing_bucket},
	{NULL, NULL},
};

static int suite_init(void)
{
	snprintf(body_md5, sizeof body_md5, "%s", BODY_MD5);
	return 0;
}

int main(void)
{
	static const struct po_suite suites[] = {
		{"s3", tests, suite_init, NULL},
		{NULL, NULL, NULL, NULL},
	};
	return po_test_run("test_s3", suites);
}
