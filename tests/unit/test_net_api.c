/*
 * core/net_api.c: what the core does without the network module and when
 * it loads it. Nothing but an exchange loads it; an abort raised before it
 * loaded holds once it has (no retries), and lowering it reaches the
 * module. The tests run in order in one process: the first must see the
 * module not loaded yet. A missing module: tests/integration/test_netload.sh.
 */
#include "runner.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aws.h"
#include "http.h"
#include "net_load.h"

/* A loopback server that answers every request 503 and counts them. */
static int listen_fd = -1, port;
static atomic_int requests;
static pthread_t server;

static void *serve(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(listen_fd, NULL, NULL);
		if (fd < 0)
			return NULL; /* shut down by suite_cleanup */
		char buf[4096];
		size_t got = 0;
		ssize_t r;
		while (got < sizeof buf - 1 && (r = read(fd, buf + got, sizeof buf - 1 - got)) > 0) {
			got += (size_t)r;
			buf[got] = '\0';
			if (strstr(buf, "\r\n\r\n"))
				break;
		}
		atomic_fetch_add(&requests, 1);
		static const char answer[] = "HTTP/1.1 503 Service Unavailable\r\n"
					     "Content-Length: 0\r\nConnection: close\r\n\r\n";
		if (write(fd, answer, sizeof answer - 1) < 0)
			perror("test_net_api: write");
		close(fd);
	}
}

static int suite_init(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(listen_fd, 8) != 0 || getsockname(listen_fd, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	port = ntohs(sa.sin_port);
	return pthread_create(&server, NULL, serve, NULL) == 0 ? 0 : -1;
}

static int suite_cleanup(void)
{
	shutdown(listen_fd, SHUT_RDWR);
	pthread_join(server, NULL);
	close(listen_fd);
	return 0;
}

/* One GET of the 503 server with up to 3 retries 10 ms apart: its return
 * code, and in *seen the number of requests the server saw for it. */
static int one_get(int *seen)
{
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/x", port);
	struct playout_http_request req = { .method = "GET", .url = url, .timeout_s = 5,
					    .max_retries = 3 };
	struct po_http_opts opts = { .backoff_ms = 10 };
	struct playout_http_response resp;
	struct playout_error e = {0};
	int before = atomic_load(&requests);
	int rc = po_http_exchange(&req, NULL, &opts, &resp, &e);
	if (rc == PLAYOUT_OK)
		PO_EXPECT_INT(resp.status, 503);
	playout_http_response_free(&resp);
	*seen = atomic_load(&requests) - before;
	return rc;
}

static void test_settings_abort_and_headers_do_not_load_the_module(void)
{
	struct playout_error e = {0};
	struct po_aws *a = NULL;
	struct po_aws_conf c = { .region = "eu-west-2", .access_key = "AKIDX", .secret_key = "sx" };
	char v[32];
	PO_EXPECT_INT(po_http_global_init(&e), PLAYOUT_OK);
	PO_EXPECT_INT(po_aws_new(&c, &a, &e), PLAYOUT_OK);
	PO_EXPECT_INT(po_http_header("Retry-After: 2\r\n", "retry-after", v, sizeof v), 1);
	PO_EXPECT_STR(v, "2");
	po_http_abort_all(1);
	PO_EXPECT_INT(po_http_aborting(), 1);
	po_aws_free(a);
	CU_ASSERT_PTR_NULL(po_net_loaded());
}

static void test_an_abort_raised_before_the_module_loaded_holds_after(void)
{
	int seen = -1;
	/* raised by the test above, while nothing was loaded: the module,
	 * loaded by this exchange, stops it (EUNAVAIL) and does not retry */
	PO_EXPECT_INT(po_http_aborting(), 1);
	PO_EXPECT_INT(one_get(&seen), PLAYOUT_EUNAVAIL);
	CU_ASSERT(seen <= 1);
	CU_ASSERT_PTR_NOT_NULL(po_net_loaded());
}

static void test_lowering_the_abort_reaches_the_loaded_module(void)
{
	int seen = -1;
	po_http_abort_all(0);
	PO_EXPECT_INT(po_http_aborting(), 0);
	/* the first try and 3 retries, then the 503 as the answer */
	PO_EXPECT_INT(one_get(&seen), PLAYOUT_OK);
	PO_EXPECT_INT(seen, 4);
}

static void test_aws_context_is_made_in_the_module_on_first_use(void)
{
	struct playout_error e = {0};
	struct po_aws *a = NULL;
	struct po_aws_conf c = { .region = "ap-south-1", .access_key = "AKIDX", .secret_key = "sx" };
	struct po_aws_creds cr;
	char r[64];
	PO_EXPECT_INT(po_aws_new(&c, &a, &e), PLAYOUT_OK);
	po_aws_region(a, r, sizeof r);
	PO_EXPECT_STR(r, "ap-south-1");
	PO_EXPECT_INT(po_aws_credentials(a, &cr, &e), PLAYOUT_OK);
	PO_EXPECT_STR(cr.access_key, "AKIDX");
	PO_EXPECT_STR(cr.source, "config");
	explicit_bzero(&cr, sizeof cr);
	po_aws_free(a);
}

static const struct po_test tests[] = {
	{"settings_abort_and_headers_do_not_load_the_module",
	 test_settings_abort_and_headers_do_not_load_the_module},
	{"an_abort_raised_before_the_module_loaded_holds_after",
	 test_an_abort_raised_before_the_module_loaded_holds_after},
	{"lowering_the_abort_reaches_the_loaded_module",
	 test_lowering_the_abort_reaches_the_loaded_module},
	{"aws_context_is_made_in_the_module_on_first_use",
	 test_aws_context_is_made_in_the_module_on_first_use},
	{NULL, NULL},
};

int main(void)
{
	static const struct po_suite suites[] = {
		{"net_api", tests, suite_init, suite_cleanup},
		{NULL, NULL, NULL, NULL},
	};
	return po_test_run("test_net_api", suites);
}
