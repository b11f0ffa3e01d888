/*
 * core/http.c against tests/fakes/aws_fake.py on loopback: methods and
 * bodies, retries and backoff, timeouts, downloads to a descriptor, the rate
 * limit, and SigV4 as the fake's verifier (tests/fakes/sigv4.py) judges it.
 */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "http.h"

static pid_t fake_pid;
static int fake_port;
static char state_dir[4096];

static void fakes_dir(char *out, size_t n)
{
	const char *s = getenv("PO_SRCDIR");
	if (s && *s) {
		snprintf(out, n, "%s/tests/fakes", s);
		return;
	}
	snprintf(out, n, "%s", __FILE__); /* <srcdir>/tests/unit/test_http.c */
	char *p = strstr(out, "tests/unit/");
	if (p)
		snprintf(p, n - (size_t)(p - out), "tests/fakes");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int start_fake(void)
{
	char dir[4096], script[4200];
	fakes_dir(dir, sizeof dir);
	snprintf(script, sizeof script, "%s/aws_fake.py", dir);
	snprintf(state_dir, sizeof state_dir, "%s/fake", po_test_tmpdir());
	mkdir(state_dir, 0700);
	char cfg[4200];
	snprintf(cfg, sizeof cfg, "%s/config.json", state_dir);
	write_file(cfg, "{\"keys\": {\"AKIDTEST\": \"secrettest\", "
			"\"ASIATEMP\": {\"secret\": \"tempsecret\", \"token\": \"tok/en+1=\"}}}");
	int fds[2];
	if (pipe(fds) < 0)
		return -1;
	fake_pid = fork();
	if (fake_pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl("/usr/bin/python3", "python3", script, "--port", "0", "--state", state_dir,
		      (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	FILE *f = fdopen(fds[0], "r");
	if (!f || fscanf(f, "port %d", &fake_port) != 1)
		fake_port = 0;
	if (f)
		fclose(f);
	return fake_port > 0 ? 0 : -1;
}

static int stop_fake(void)
{
	if (fake_pid > 0) {
		kill(fake_pid, SIGTERM);
		waitpid(fake_pid, NULL, 0);
	}
	fake_pid = 0;
	return 0;
}

static int suite_init(void)
{
	if (po_http_global_init(NULL) < 0)
		return -1;
	return start_fake();
}

static int suite_cleanup(void)
{
	stop_fake();
	po_http_global_cleanup();
	return 0;
}

static void url(char *out, size_t n, const char *path)
{
	snprintf(out, n, "http://127.0.0.1:%d%s", fake_port, path);
}

/* Lines of requests.jsonl containing needle. */
static int count_requests(const char *needle)
{
	char path[4200], line[65536];
	snprintf(path, sizeof path, "%s/requests.jsonl", state_dir);
	FILE *f = fopen(path, "r");
	int n = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (strstr(line, needle))
			n++;
	fclose(f);
	return n;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const struct po_http_opts fast = {.backoff_ms = 20};

static void test_post_sends_body_and_headers(void)
{
	char u[256];
	url(u, sizeof u, "/echo");
	const char *hdrs[] = {"X-Test: yes", "Content-Type: text/plain", NULL};
	struct playout_http_request req = {.method = "POST", .url = u, .headers = hdrs,
					   .body = "hello body", .body_len = 10};
	struct playout_http_response r;
	struct playout_error e = {0};
	PO_EXPECT_INT_FATAL(po_http_exchange(&req, NULL, NULL, &r, &e), PLAYOUT_OK);
	PO_EXPECT_INT(r.status, 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"method\": \"POST\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"body\": \"hello body\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"x-test\": \"yes\""));
	CU_ASSERT_PTR_NULL(strstr(r.body, "100-continue"));
	char ct[64];
	CU_ASSERT(po_http_header(r.headers, "content-type", ct, sizeof ct));
	PO_EXPECT_STR(ct, "application/x-amz-json-1.1");
	playout_http_response_free(&r);
}

static void test_get_and_put_use_their_methods(void)
{
	char u[256];
	url(u, sizeof u, "/echo?m=1");
	struct playout_http_request req = {.method = "GET", .url = u};
	struct playout_http_response r;
	struct playout_error e = {0};
	PO_EXPECT_INT_FATAL(po_http_exchange(&req, NULL, NULL, &r, &e), PLAYOUT_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"method\": \"GET\""));
	playout_http_response_free(&r);
	req.method = "PUT";
	req.body = "xyz";
	req.body_len = 3;
	PO_EXPECT_INT_FATAL(po_http_exchange(&req, NULL, NULL, &r, &e), PLAYOUT_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"method\": \"PUT\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"body\": \"xyz\""));
	playout_http_response_free(&r);
}

static void test_retries_500_then_succeeds(void)
{
	char u[256];
	url(u, sizeof u, "/status/500?key=r500&n=2");
	struct playout_http_request req = {.method = "GET", .url = u};
	struct playout_http_response r;
	struct playout_error e = {0};
	PO_EXPECT_INT_FATAL(po_http_exchange(&req, NULL, &fast, &r, &e), PLAYOUT_OK);
	PO_EXPECT_INT(r.status, 200);
	PO_EXPECT_INT(count_requests("key=r500"), 3);
	playout_http_response_free(&r);
}

static void test_gives_up_after_max_retries_with_last_status(void)
{
	char u[256];
	url(u, sizeof u, "/status/503?key=giveup");
	struct playout_http_request req = {.method = "GET", .url = u, .max_retries = 2};
	struct playout_http_response r;
	struct playout_error e = {0};
	PO_EXPECT_INT_FATAL(po_http_exchange(&req, NULL, &fast, &r, &e), PLAYOUT_OK);
	PO_EXPECT_INT(r.status, 503);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "status 503"));
	PO_EXPECT_INT(count_requests("key=giveup"), 3);
	playout_http_response_free(&r);
}

static void test_429_waits_for_retry_after(void)
{
	char u[256];
	url(u, sizeof u, "/status/429?key=r429&n=1&retry_after=1");
	struct playout_http_request req = {.method = "GET", .url = u};
	struct playout_http_response r;
	struct playout_error e = {0};
	double t0 = now_s();
	PO_EXPECT_INT_FATAL(po_http_exchange(&req, NULL, &fast, &r, &e), PLAYOUT_OK);
	double dt = now_s() - t0;
	PO_EXPECT_INT(r.status, 200);
	CU_ASSERT(dt >= 0.95);
	CU_ASSERT(dt < 5.0);
	PO_EXPECT_INT(count_requests("key=r429"), 2);
	playout_http_response_free(&r);
}

static void test_4xx_is_not_retried(void)
{
	char u[256];
	url(u, sizeof u, "/status/404?key=r404");
	struct playout_http_request req = {.method = "GET", .url = u};
	struct playout_http_response r;
	struct playout_error e = {0};
	PO_EXPECT_INT_FATAL(po_http_exchange(&req, NULL, &fast, &r, &e), PLAYOUT_OK);
	PO_EXPECT_INT(r.status, 404);
	PO_EXPECT_INT(count_requests("key=r404"), 1);
	playout_http_response_free(&r);
}

static void test_slow_server_times_out(void)
{
	char u[256];
	url(u, sizeof u, "/slow?s=3");
	struct playout_http_request req = {.method = "GET", .url = u, .timeout_s = 1,
					   .max_retries = -1};
	struct playout_http_response r;
	struct playout_error e = {0};
	double t0 = now_s();
	PO_EXPECT_INT(po_http_exchange(&req, NULL, &fast, &r, &e), PLAYOUT_ETIMEOUT);
	CU_ASSERT(now_s() - t0 < 2.5);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/slow"));
	CU_ASSERT_PTR_NULL(r.body);
}

static void test_refused_connection_is_unavailable(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	bind(s, (struct sockaddr *)&a, sizeof a);
	getsockname(s, (struct sockaddr *)&a, &len);
	close(s); /* nobody listens there now */
	char u[256];
	snprintf(u, sizeof u, "http://127.0.0.1:%d/x", ntohs(a.sin_port));
	struct playout_http_request req = {.method = "GET", .url = u, .max_retries = 1};
	struct playout_http_response r;
	struct playout_error e = {0};
	PO_EXPECT_INT(po_http_exchange(&req, NULL, &fast, &r, &e), PLAYOUT_EUNAVAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "attempt 2 of 2"));
}

static int sink_file(const char *name, off_t prefix)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", po_test_tmpdir(), name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	for (off_t i = 0; i < prefix; i++)
		(void)!write(fd, "P", 1);
	return fd;
}

static int check_pattern(int fd, off_t from, size_t n)
{
	unsigned char *b = malloc(n + 1);
	ssize_t got = pread(fd, b, n + 1, from);
	int ok = got == (ssize_t)n;
	for (size_t i = 0; ok && i < n; i++)
		ok = b[i] == ((i * 7 + 3) & 0xFF);
	free(b);
	return ok;
}

static void test_download_to_fd_rewinds_on_retry(void)
{
	int fd = sink_file("dl.bin", 5); /* the download starts after 5 bytes */
	char u[256];
	url(u, sizeof u, "/bytes?n=200000&key=cut1&cut=1");
	struct playout_http_request req = {.method = "GET", .url = u, .sink_fd = fd};
	struct playout_http_response r;
	struct playout_error e = {0};
	PO_EXPECT_INT_FATAL(po_http_exchange(&req, NULL, &fast, &r, &e), PLAYOUT_OK);
	PO_EXPECT_INT(r.status, 200);
	PO_EXPECT_INT(r.body_len, 0);
	PO_EXPECT_INT(count_requests("key=cut1"), 2);
	struct stat st;
	fstat(fd, &st);
	PO_EXPECT_INT(st.st_size, 5 + 200000);
	CU_ASSERT(check_pattern(fd, 5, 200000));
	playout_http_response_free(&r);
	close(fd);
}

static void test_error_body_goes_to_memory_not_the_fd(void)
{
	int fd = sink_file("err.bin", 0);
	char u[256];
	url(u, sizeof u, "/status/403?key=e403");
	struct playout_http_request req = {.method = "GET", .url = u, .sink_fd = fd};
	struct playout_http_response r;
	struct playout_error e = {0};
	PO_EXPECT_INT_FATAL(po_http_exchange(&req, NULL, &fast, &r, &e), PLAYOUT_OK);
	PO_EXPECT_INT(r.status, 403);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "status 403"));
	PO_EXPECT_INT(lseek(fd, 0, SEEK_END), 0);
	playout_http_response_free(&r);
	close(fd);
}

static void test_rate_limit_slows_the_download(void)
{
	int fd = sink_file("slow.bin", 0);
	char u[256];
	url(u, sizeof u, "/bytes?n=98304&key=rate");
	struct playout_http_request req = {.method = "GET", .url = u, .sink_fd = fd,
					   .max_bytes_per_s = 32768};
	struct playout_http_response r;
	struct playout_error e = {0};
	double t0 = now_s();
	PO_EXPECT_INT_FATAL(po_http_exchange(&req, NULL, &fast, &r, &e), PLAYOUT_OK);
	double dt = now_s() - t0;
	CU_ASSERT(dt >= 1.5); /* 96 KiB at 32 KiB/s: about 3 s */
	CU_ASSERT(dt < 8.0);
	CU_ASSERT(check_pattern(fd, 0, 98304));
	playout_http_response_free(&r);
	close(fd);
}

static int signed_status(const char *method, const char *path, const char *body,
			 const struct po_http_sign *s, char **reply)
{
	char u[512];
	url(u, sizeof u, path);
	const char *hdrs[] = {"Content-Type: application/json", NULL};
	struct playout_http_request req = {.method = method, .url = u, .headers = hdrs,
					   .body = body, .body_len = body ? strlen(body) : 0,
					   .max_retries = -1};
	struct playout_http_response r;
	struct playout_error e = {0};
	if (po_http_exchange(&req, s, NULL, &r, &e) < 0)
		return -1;
	long st = r.status;
	if (reply)
		*reply = r.body;
	else
		free(r.body);
	free(r.headers);
	return (int)st;
}

static const struct po_http_sign good = {"us-east-1", "route53", "AKIDTEST", "secrettest", NULL};

static void test_sigv4_sorted_query_passes_verifier(void)
{
	char *reply = NULL;
	int st = signed_status("GET", "/sigv4/route53/2013-04-01/hostedzone?maxitems=10&name=a.example.org&type=A%20B",
			       NULL, &good, &reply);
	PO_EXPECT_INT(st, 200);
	if (st != 200 && reply)
		fprintf(stderr, "verifier: %s\n", reply);
	free(reply);
}

static void test_sigv4_body_passes_verifier(void)
{
	PO_EXPECT_INT(signed_status("POST", "/sigv4/route53/2013-04-01/hostedzone/Z1/rrset",
				      "{\"change\": 1}", &good, NULL), 200);
}

static void test_sigv4_s3_put_sends_content_sha256(void)
{
	struct po_http_sign s3 = good;
	s3.service = "s3";
	PO_EXPECT_INT(signed_status("PUT", "/sigv4/s3/bucket/prerecs/file%20one.mp3",
				      "mp3 bytes", &s3, NULL), 200);
	CU_ASSERT(count_requests("\"x-amz-content-sha256\": \"") >= 1);
}

static void test_sigv4_wrong_secret_is_refused(void)
{
	struct po_http_sign bad = good;
	bad.secret_key = "not-the-secret";
	char *reply = NULL;
	PO_EXPECT_INT(signed_status("GET", "/sigv4/route53/x?a=1", NULL, &bad, &reply), 403);
	CU_ASSERT_PTR_NOT_NULL(reply && strstr(reply, "SignatureDoesNotMatch"));
	free(reply);
}

static void test_sigv4_temporary_credentials_send_token(void)
{
	struct po_http_sign tmp = {"us-east-1", "route53", "ASIATEMP", "tempsecret", "tok/en+1="};
	PO_EXPECT_INT(signed_status("GET", "/sigv4/route53/tmp?x=1", NULL, &tmp, NULL), 200);
	CU_ASSERT(count_requests("\"x-amz-security-token\": \"tok/en+1=\"") >= 1);
	tmp.session_token = NULL; /* without it the fake refuses, as STS keys need it */
	PO_EXPECT_INT(signed_status("GET", "/sigv4/route53/tmp?x=2", NULL, &tmp, NULL), 403);
}

static void test_header_finder_is_case_insensitive(void)
{
	const char *block = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nx-amz-request-id:  abc \r\n\r\n";
	char v[32];
	CU_ASSERT(po_http_header(block, "X-Amz-Request-Id", v, sizeof v));
	PO_EXPECT_STR(v, "abc");
	CU_ASSERT(!po_http_header(block, "ETag", v, sizeof v));
	PO_EXPECT_STR(v, "");
	CU_ASSERT(!po_http_header(NULL, "ETag", v, sizeof v));
}

static const struct po_test tests[] = {
	{"post_sends_body_and_headers", test_post_sends_body_and_headers},
	{"get_and_put_use_their_methods", test_get_and_put_use_their_methods},
	{"retries_500_then_succeeds", test_retries_500_then_succeeds},
	{"gives_up_after_max_retries_with_last_status", test_gives_up_after_max_retries_with_last_status},
	{"429_waits_for_retry_after", test_429_waits_for_retry_after},
	{"4xx_is_not_retried", test_4xx_is_not_retried},
	{"slow_server_times_out", test_slow_server_times_out},
	{"refused_connection_is_unavailable", test_refused_connection_is_unavailable},
	{"download_to_fd_rewinds_on_retry", test_download_to_fd_rewinds_on_retry},
	{"error_body_goes_to_memory_not_the_fd", test_error_body_goes_to_memory_not_the_fd},
	{"rate_limit_slows_the_download", test_rate_limit_slows_the_download},
	{"sigv4_sorted_query_passes_verifier", test_sigv4_sorted_query_passes_verifier},
	{"sigv4_body_passes_verifier", test_sigv4_body_passes_verifier},
	{"sigv4_s3_put_sends_content_sha256", test_sigv4_s3_put_sends_content_sha256},
	{"sigv4_wrong_secret_is_refused", test_sigv4_wrong_secret_is_refused},
	{"sigv4_temporary_credentials_send_token", test_sigv4_temporary_credentials_send_token},
	{"header_finder_is_case_insensitive", test_header_finder_is_case_insensitive},
	{NULL, NULL},
};

static const struct po_suite suites[] = {
	{"http", tests, suite_init, suite_cleanup},
	{NULL, NULL, NULL, NULL},
};

int main(void)
{
	return po_test_run("test_http", suites);
}
