/*
 * core/aws.c against tests/fakes/aws_fake.py: the credential chain and its
 * order, IMDSv2 tokens, credential refresh, regions, SSM secrets, and the
 * host secret services routed through the AWS context.
 */
#include "runner.h"

#include <dirent.h>
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

#include "aws.h"
#include "host.h"
#include "http.h"
#include "runtime.h"
#include "secret.h"

static pid_t fake_pid;
static int fake_port;
static char state_dir[4096], imds_url[128], ssm_url[128], dead_url[128], home[4200];

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
	char script[4200];
	const char *s = getenv("PO_SRCDIR");
	if (s && *s) {
		snprintf(script, sizeof script, "%s/tests/fakes/aws_fake.py", s);
	} else {
		snprintf(script, sizeof script, "%s", __FILE__);
		char *p = strstr(script, "tests/unit/");
		if (p)
			snprintf(p, sizeof script - (size_t)(p - script), "tests/fakes/aws_fake.py");
	}
	snprintf(state_dir, sizeof state_dir, "%s/fake", po_test_tmpdir());
	mkdir(state_dir, 0700);
	char p[4300];
	snprintf(p, sizeof p, "%s/config.json", state_dir);
	write_file(p, "{\"region\": \"eu-west-2\", \"deny\": [\"/locked\"], \"creds_ttl_s\": 3600}");
	snprintf(p, sizeof p, "%s/ssm.json", state_dir);
	write_file(p, "{\"/station/icecast\": {\"Value\": \"hackme\", \"Type\": \"SecureString\", "
		      "\"Version\": 1}}");
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
	snprintf(imds_url, sizeof imds_url, "http://127.0.0.1:%d", fake_port);
	snprintf(ssm_url, sizeof ssm_url, "http://127.0.0.1:%d/", fake_port);
	/* a port nobody listens on: IMDS "off EC2" */
	int sk = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	bind(sk, (struct sockaddr *)&a, sizeof a);
	getsockname(sk, (struct sockaddr *)&a, &len);
	close(sk);
	snprintf(dead_url, sizeof dead_url, "http://127.0.0.1:%d", ntohs(a.sin_port));
	snprintf(home, sizeof home, "%s/home", po_test_tmpdir());
	mkdir(home, 0700);
	return fake_port > 0 ? 0 : -1;
}

static int suite_init(void)
{
	if (po_http_global_init(NULL) < 0)
		return -1;
	return start_fake();
}

static int suite_cleanup(void)
{
	if (fake_pid > 0) {
		kill(fake_pid, SIGTERM);
		waitpid(fake_pid, NULL, 0);
	}
	po_http_global_cleanup();
	return 0;
}

/* A clean environment: no AWS_* variables, HOME without credentials. */
static void clean_env(void)
{
	static const char *const vars[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_SHARED_CREDENTIALS_FILE",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT", NULL};
	for (int i = 0; vars[i]; i++)
		unsetenv(vars[i]);
	char p[4300];
	snprintf(p, sizeof p, "%s/.aws/credentials", home);
	unlink(p);
	setenv("HOME", home, 1);
}

static void write_credentials(void)
{
	char p[4300];
	snprintf(p, sizeof p, "%s/.aws", home);
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/.aws/credentials", home);
	write_file(p, "# test\n[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = sfile\n"
		      "\n[radio]\naws_access_key_id=AKIDRADIO\naws_secret_access_key=sradio\n");
}

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

static struct po_aws *new_aws(const struct po_aws_conf *c)
{
	struct po_aws *a = NULL;
	struct playout_error e = {0};
	PO_EXPECT_INT(po_aws_new(c, &a, &e), PLAYOUT_OK);
	return a;
}

static void source_is(const struct po_aws_conf *c, const char *want_source, const char *want_key)
{
	struct po_aws *a = new_aws(c);
	struct po_aws_creds cr;
	struct playout_error e = {0};
	PO_EXPECT_INT_FATAL(po_aws_credentials(a, &cr, &e), PLAYOUT_OK);
	PO_EXPECT_STR(cr.source, want_source);
	if (want_key)
		PO_EXPECT_STR(cr.access_key, want_key);
	po_aws_free(a);
}

static void test_config_keys_beat_environment(void)
{
	clean_env();
	write_credentials();
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "senv", 1);
	struct po_aws_conf c = {.access_key = "AKIDCONF", .secret_key = "env:AWS_SECRET_ACCESS_KEY",
				.imds_endpoint = imds_url};
	source_is(&c, "config", "AKIDCONF");
}

static void test_environment_beats_credentials_file(void)
{
	clean_env();
	write_credentials();
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "senv", 1);
	setenv("AWS_SESSION_TOKEN", "envtoken", 1);
	struct po_aws_conf c = {.imds_endpoint = imds_url};
	struct po_aws *a = new_aws(&c);
	struct po_aws_creds cr;
	PO_EXPECT_INT_FATAL(po_aws_credentials(a, &cr, NULL), PLAYOUT_OK);
	PO_EXPECT_STR(cr.source, "environment");
	PO_EXPECT_STR(cr.session_token, "envtoken");
	po_aws_free(a);
}

static void test_credentials_file_beats_instance_role(void)
{
	clean_env();
	write_credentials();
	struct po_aws_conf c = {.imds_endpoint = imds_url};
	source_is(&c, "profile default", "AKIDFILE");
	c.profile = "radio";
	source_is(&c, "profile radio", "AKIDRADIO");
	struct po_aws_conf c2 = {.imds_endpoint = imds_url};
	setenv("AWS_PROFILE", "radio", 1);
	source_is(&c2, "profile radio", "AKIDRADIO");
}

static void test_instance_role_uses_imds_token(void)
{
	clean_env();
	struct po_aws_conf c = {.imds_endpoint = imds_url};
	struct po_aws *a = new_aws(&c);
	struct po_aws_creds cr;
	int tokens0 = count_requests("\"path\": \"/latest/api/token\"");
	struct playout_error e = {0};
	PO_EXPECT_INT_FATAL(po_aws_credentials(a, &cr, &e), PLAYOUT_OK);
	PO_EXPECT_STR(cr.source, "instance role playout-role");
	CU_ASSERT_NSTRING_EQUAL(cr.access_key, "ASIAFAKE", 8);
	CU_ASSERT(cr.session_token[0] != '\0');
	CU_ASSERT(cr.expires_ms > 0);
	PO_EXPECT_INT(count_requests("\"path\": \"/latest/api/token\"") - tokens0, 1);
	/* every metadata GET carried the token; none was refused */
	PO_EXPECT_INT(count_requests("\"/latest/meta-data/iam/security-credentials/"), count_requests("x-aws-ec2-metadata-token\": \""));
	explicit_bzero(&cr, sizeof cr);
	po_aws_free(a);
}

static int64_t fake_now_ms;
static int64_t fake_wall(void *ctx)
{
	(void)ctx;
	return fake_now_ms;
}

static void test_role_credentials_refresh_before_expiry(void)
{
	clean_env();
	fake_now_ms = (int64_t)time(NULL) * 1000;
	struct po_aws_conf c = {.imds_endpoint = imds_url, .wall_ms = fake_wall};
	struct po_aws *a = new_aws(&c);
	struct po_aws_creds c1, c2, c3;
	PO_EXPECT_INT_FATAL(po_aws_credentials(a, &c1, NULL), PLAYOUT_OK);
	fake_now_ms += 1000 * 1000; /* 40 min before expiry: cached */
	PO_EXPECT_INT_FATAL(po_aws_credentials(a, &c2, NULL), PLAYOUT_OK);
	PO_EXPECT_STR(c1.access_key, c2.access_key);
	fake_now_ms += 2400 * 1000; /* 200 s before expiry: inside the 5 min margin */
	PO_EXPECT_INT_FATAL(po_aws_credentials(a, &c3, NULL), PLAYOUT_OK);
	CU_ASSERT_STRING_NOT_EQUAL(c1.access_key, c3.access_key);
	po_aws_free(a);
}

static void test_no_credentials_error_names_every_source(void)
{
	clean_env();
	struct po_aws_conf c = {.imds_endpoint = dead_url};
	struct po_aws *a = new_aws(&c);
	struct po_aws_creds cr;
	struct playout_error e = {0};
	PO_EXPECT_INT(po_aws_credentials(a, &cr, &e), PLAYOUT_EAUTH);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "config aws.access_key (not set)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "environment (AWS_ACCESS_KEY_ID not set)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/.aws/credentials (no such file)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "instance role (IMDS"));
	/* and a signed request says the same */
	struct playout_http_request req = {.method = "GET", .url = ssm_url, .aws_service = "ssm"};
	struct playout_http_response r;
	PO_EXPECT_INT(po_aws_http(a, &req, &r, &e), PLAYOUT_EAUTH);
	po_aws_free(a);
}

static void test_instance_metadata_and_missing_path(void)
{
	clean_env();
	struct po_aws_conf c = {.imds_endpoint = imds_url};
	struct po_aws *a = new_aws(&c);
	char *v = NULL;
	struct playout_error e = {0};
	PO_EXPECT_INT(po_aws_imds_get(a, "meta-data/public-ipv4", &v, &e), PLAYOUT_OK);
	PO_EXPECT_STR(v ? v : "", "203.0.113.7");
	free(v);
	PO_EXPECT_INT(po_aws_imds_get(a, "meta-data/nothing-here", &v, &e), PLAYOUT_ENOTFOUND);
	CU_ASSERT_PTR_NULL(v);
	po_aws_free(a);
}

static void test_off_ec2_metadata_fails_fast(void)
{
	clean_env();
	struct po_aws_conf c = {.imds_endpoint = dead_url};
	struct po_aws *a = new_aws(&c);
	char *v = NULL;
	struct playout_error e = {0};
	time_t t0 = time(NULL);
	PO_EXPECT_INT(po_aws_imds_get(a, "meta-data/public-ipv4", &v, &e), PLAYOUT_ENOTFOUND);
	CU_ASSERT(time(NULL) - t0 <= 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not on EC2"));
	po_aws_free(a);
}

static void test_region_order(void)
{
	clean_env();
	char r[64];
	struct po_aws_conf c = {.region = "ap-south-1", .imds_endpoint = imds_url};
	setenv("AWS_REGION", "ca-central-1", 1);
	struct po_aws *a = new_aws(&c);
	po_aws_region(a, r, sizeof r);
	PO_EXPECT_STR(r, "ap-south-1");
	po_aws_free(a);
	c.region = NULL;
	a = new_aws(&c);
	po_aws_region(a, r, sizeof r);
	PO_EXPECT_STR(r, "ca-central-1");
	po_aws_free(a);
	unsetenv("AWS_REGION");
	a = new_aws(&c);
	po_aws_region(a, r, sizeof r);
	PO_EXPECT_STR(r, "eu-west-2"); /* the fake's placement/region */
	po_aws_free(a);
	c.imds_endpoint = dead_url;
	a = new_aws(&c);
	po_aws_region(a, r, sizeof r);
	PO_EXPECT_STR(r, "us-east-1");
	po_aws_free(a);
}

static struct po_aws *ssm_aws(const char *secret)
{
	clean_env();
	setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", secret, 1);
	struct po_aws_conf c = {.region = "eu-west-2", .ssm_endpoint = ssm_url,
				.imds_endpoint = dead_url};
	return new_aws(&c);
}

static void test_ssm_parameter_resolves(void)
{
	struct po_aws *a = ssm_aws("secrettest");
	char *v = NULL;
	struct playout_error e = {0};
	PO_EXPECT_INT(po_aws_ssm_get(a, "/station/icecast", &v, &e), PLAYOUT_OK);
	PO_EXPECT_STR(v ? v : "", "hackme");
	po_secret_free(v);
	CU_ASSERT(count_requests("AmazonSSM.GetParameter") >= 1);
	CU_ASSERT(count_requests("\\\"WithDecryption\\\": true") + count_requests("\\\"WithDecryption\\\":true") >= 1);
	po_aws_free(a);
}

static void test_ssm_errors_map_to_codes(void)
{
	struct po_aws *a = ssm_aws("secrettest");
	char *v = NULL;
	struct playout_error e = {0};
	PO_EXPECT_INT(po_aws_ssm_get(a, "/nope", &v, &e), PLAYOUT_ENOTFOUND);
	PO_EXPECT_STR(e.msg, "ssm:/nope: no such parameter");
	PO_EXPECT_INT(po_aws_ssm_get(a, "/locked", &v, &e), PLAYOUT_EAUTH);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "access denied"));
	po_aws_free(a);
	a = ssm_aws("wrong-secret");
	PO_EXPECT_INT(po_aws_ssm_get(a, "/station/icecast", &v, &e), PLAYOUT_EAUTH);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "InvalidSignatureException"));
	CU_ASSERT_PTR_NULL(v);
	po_aws_free(a);
}

/* A host table served by a bare runtime that has only the AWS context. */
struct bare {
	struct po_runtime rt;
	struct po_instance_conf ic;
	struct po_instance pi;
};

static const struct playout_host *bare_host(struct bare *b, struct po_aws *a)
{
	memset(b, 0, sizeof *b);
	snprintf(b->ic.label, sizeof b->ic.label, "test");
	b->pi.conf = &b->ic;
	b->rt.aws = a;
	po_host_init(&b->pi, &b->rt);
	return &b->pi.host;
}

static void test_host_routes_ssm_secret_and_store(void)
{
	struct po_aws *a = ssm_aws("secrettest");
	static struct bare b;
	const struct playout_host *h = bare_host(&b, a);
	struct playout_error e = {0};
	PO_EXPECT_INT(h->secret_store(h, "ssm:/oauth/refresh", "r3fresh", &e), PLAYOUT_OK);
	char p[4300], buf[4096] = "";
	snprintf(p, sizeof p, "%s/ssm.json", state_dir);
	FILE *f = fopen(p, "r");
	if (f) {
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		buf[n] = '\0';
		fclose(f);
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"/oauth/refresh\": {\"Value\": \"r3fresh\", \"Type\": \"SecureString\""));
	char *v = NULL;
	PO_EXPECT_INT(h->secret(h, "ssm:/oauth/refresh", &v, &e), PLAYOUT_OK);
	PO_EXPECT_STR(v ? v : "", "r3fresh");
	po_secret_free(v);
	PO_EXPECT_INT(h->secret(h, "ssm:/nope", &v, &e), PLAYOUT_ENOTFOUND);
	/* literal and env: still resolve locally */
	PO_EXPECT_INT(h->secret(h, "plain", &v, &e), PLAYOUT_OK);
	po_secret_free(v);
	po_aws_free(a);
}

static void test_secret_store_file_is_atomic_and_private(void)
{
	static struct bare b;
	const struct playout_host *h = bare_host(&b, NULL);
	char dir[4200], path[4300], ref[4400];
	snprintf(dir, sizeof dir, "%s/store", po_test_tmpdir());
	mkdir(dir, 0700);
	snprintf(path, sizeof path, "%s/token", dir);
	write_file(path, "old\n");
	chmod(path, 0644);
	snprintf(ref, sizeof ref, "file:%s", path);
	struct playout_error e = {0};
	PO_EXPECT_INT(h->secret_store(h, ref, "new-token", &e), PLAYOUT_OK);
	struct stat st;
	PO_EXPECT_INT(stat(path, &st), 0);
	PO_EXPECT_INT(st.st_mode & 0777, 0600);
	char *v = NULL;
	PO_EXPECT_INT(po_secret_resolve(ref, &v, &e), PLAYOUT_OK);
	PO_EXPECT_STR(v ? v : "", "new-token");
	po_secret_free(v);
	/* nothing left behind but the file itself */
	int entries = 0;
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			entries++;
	if (d)
		closedir(d);
	PO_EXPECT_INT(entries, 1);
	PO_EXPECT_INT(h->secret_store(h, "env:TOKEN", "x", &e), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "read-only"));
	PO_EXPECT_INT(h->secret_store(h, "literal", "x", &e), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "literal"));
}

static const struct po_test tests[] = {
	{"config_keys_beat_environment", test_config_keys_beat_environment},
	{"environment_beats_credentials_file", test_environment_beats_credentials_file},
	{"credentials_file_beats_instance_role", test_credentials_file_beats_instance_role},
	{"instance_role_uses_imds_token", test_instance_role_uses_imds_token},
	{"role_credentials_refresh_before_expiry", test_role_credentials_refresh_before_expiry},
	{"no_credentials_error_names_every_source", test_no_credentials_error_names_every_source},
	{"instance_metadata_and_missing_path", test_instance_metadata_and_missing_path},
	{"off_ec2_metadata_fails_fast", test_off_ec2_metadata_fails_fast},
	{"region_order", test_region_order},
	{"ssm_parameter_resolves", test_ssm_parameter_resolves},
	{"ssm_errors_map_to_codes", test_ssm_errors_map_to_codes},
	{"host_routes_ssm_secret_and_store", test_host_routes_ssm_secret_and_store},
	{"secret_store_file_is_atomic_and_private", test_secret_store_file_is_atomic_and_private},
	{NULL, NULL},
};

static const struct po_suite suites[] = {
	{"aws", tests, suite_init, suite_cleanup},
	{NULL, NULL, NULL, NULL},
};

int main(void)
{
	return po_test_run("test_aws", suites);
}
