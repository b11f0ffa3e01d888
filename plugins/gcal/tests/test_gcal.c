/*
 * Tests for the gcal schedule plugin, compiled in (no dlopen) and driven
 * through its descriptor with the fake host, against tests/fakes/google_fake.py
 * over real HTTP on loopback, through the core's HTTP helper (core/http.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libconfig.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "fake_host.h"
#include "plugin_conf.h"
#include "../gcal_event.h"
#include "../gcal_json.h"
#include <playout/util.h>
#include "fake_server.h"
#include "http.h"
#include "runner.h"

extern const struct playout_plugin playout_plugin;

#define H (3600 * 1000LL)
#define MAR29 1774742400000LL /* 2026-03-29T00:00:00Z */
#define OCT25 1792886400000LL /* 2026-10-25T00:00:00Z */
#define CAL "station@group.calendar.google.com"

static pid_t fake_pid = -1;
static int fake_port;
static char fake_log[512];

/* ---- the fake server ---------------------------------------------------- */

/* The host's HTTP service for these tests: the core's own (core/http.c). */
static int test_http(const struct playout_host *h, const struct playout_http_request *req,
		     struct playout_http_response *resp, struct playout_error *err)
{
	(void)h;
	return po_http_exchange(req, NULL, NULL, resp, err);
}

/* The host's secret_store for these tests: file: refs only, atomic, 0600. */
static int test_secret_store(const struct playout_host *h, const char *ref, const char *value,
			     struct playout_error *err)
{
	(void)h;
	if (strncmp(ref, "file:", 5) != 0)
		return playout_error_set(err, PLAYOUT_EINVAL, "cannot store into a literal");
	return playout_file_replace(ref + 5, 0600, value, strlen(value), err);
}

/* POST body to the fake's path (admin calls); 0 on HTTP 200. */
static int fake_post(const char *path, const char *body)
{
	char url[256];
	const char *hdr[] = { "Content-Type: application/json", NULL };
	struct playout_http_request req = { .method = "POST", .url = url, .headers = hdr,
					    .body = body, .body_len = strlen(body), .timeout_s = 5 };
	struct playout_http_response resp = { 0 };
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", fake_port, path);
	int rc = test_http(NULL, &req, &resp, NULL);
	long st = resp.status;
	playout_http_response_free(&resp);
	return rc == PLAYOUT_OK && st == 200 ? 0 : -1;
}

static int fake_start(void)
{
	snprintf(fake_log, sizeof fake_log, "%s/fake.jsonl", po_test_tmpdir());
	if (po_http_global_init(NULL) < 0)
		return -1;
	fake_pid = po_fake_server_start(PO_GOOGLE_FAKE, "fake", &fake_port, "--log", fake_log,
					NULL);
	return fake_pid > 0 ? 0 : -1;
}

static int fake_stop(void)
{
	po_fake_server_stop(&fake_pid);
	po_http_global_cleanup();
	return 0;
}

/* Lines of the fake's log containing every needle (NULL-terminated). */
static int log_count(const char *n1, const char *n2)
{
	FILE *f = fopen(fake_log, "r");
	char line[16384];
	int n = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (strstr(line, n1) && (!n2 || strstr(line, n2)))
			n++;
	fclose(f);
	return n;
}

static void log_reset(void)
{
	FILE *f = fopen(fake_log, "w");
	if (f)
		fclose(f);
}

/* ---- the plugin under test --------------------------------------------------- */

struct env {
	struct po_fake_host *fh;
	void *inst;
	struct playout_slots slots;
	struct playout_error err;
	int create_rc;
};

static const char *installed_creds =
	"{\\\"installed\\\":{\\\"client_id\\\":\\\"test-client.apps.googleusercontent.com\\\","
	"\\\"client_secret\\\":\\\"test-secret\\\",\\\"auth_uri\\\":\\\"https://accounts.google.com/o/oauth2/auth\\\","
	"\\\"token_uri\\\":\\\"https://oauth2.googleapis.com/token\\\"}}";

/* extra: more config lines (token, credentials...); NULL: a valid token. */
static void env_open_with(struct env *e, struct po_fake_host *fh, const char *extra)
{
	struct po_test_conf tc = { 0 };
	char text[8192];

	memset(e, 0, sizeof *e);
	e->fh = fh;
	snprintf(text, sizeof text,
		 "calendar_id = \"" CAL "\"; endpoint = \"http://127.0.0.1:%d/calendar/v3\";\n"
		 "token_endpoint = \"http://127.0.0.1:%d/token\"; timeout_s = 2; retries = -1;\n%s",
		 fake_port, fake_port, extra);
	e->create_rc = po_test_plugin_create(&tc, &playout_plugin, text, po_fake_host(e->fh),
					     &e->inst, &e->err);
	po_test_conf_free(&tc);
}

static struct po_fake_host *new_host(void)
{
	struct po_fake_host *fh = po_fake_host_new("gcal:test", po_test_tmpdir());
	po_fake_host_set_http(fh, test_http);
	po_fake_host_set_secret_store(fh, test_secret_store);
	return fh;
}

/* A fresh access token from the fake, as a token.json literal for the config. */
static void valid_token_conf(char *buf, size_t n)
{
	char body[256];
	snprintf(body, sizeof body, "{\"access_tokens\":{\"ya29.valid\":%lld}}",
		 (long long)time(NULL) + 3600);
	fake_post("/_admin/config", body);
	snprintf(buf, n,
		 "credentials = \"%s\";\n"
		 "token = \"{\\\"token\\\":\\\"ya29.valid\\\",\\\"refresh_token\\\":\\\"1//refresh-test\\\","
		 "\\\"expiry\\\":\\\"2099-01-01T00:00:00Z\\\"}\";\n", installed_creds);
}

static void env_open(struct env *e)
{
	char conf[4096];
	valid_token_conf(conf, sizeof conf);
	env_open_with(e, new_host(), conf);
}

static int env_fetch(struct env *e, int64_t from, int64_t to)
{
	const struct playout_schedule_ops *ops = playout_plugin.ops.schedule;
	free(e->slots.v);
	memset(&e->slots, 0, sizeof e->slots);
	memset(&e->err, 0, sizeof e->err);
	return ops->fetch(e->inst, from, to, &e->slots, &e->err);
}

static void env_close(struct env *e)
{
	if (e->inst)
		playout_plugin.destroy(e->inst);
	free(e->slots.v);
	po_fake_host_free(e->fh);
	memset(e, 0, sizeof *e);
}

static const struct playout_slot *find_pid(const struct env *e, const char *pid)
{
	for (size_t i = 0; i < e->slots.n; i++)
		if (strcmp(e->slots.v[i].pid, pid) == 0)
			return &e->slots.v[i];
	return NULL;
}

/* Set the calendar's events: a JSON array text. */
static void set_events(const char *items, int page_size)
{
	char *body = malloc(strlen(items) + 256);
	sprintf(body, "{\"page_size\":%d,\"calendars\":{\"" CAL "\":%s}}", page_size, items);
	PO_EXPECT_INT_FATAL(fake_post("/_admin/config", body), 0);
	free(body);
	log_reset();
}

/* One timed event as JSON; desc is JSON-escaped already. */
static int ev(char *buf, size_t n, const char *id, const char *start, const char *end,
	      const char *desc)
{
	return snprintf(buf, n,
			"{\"kind\":\"calendar#event\",\"id\":\"%s\",\"status\":\"confirmed\","
			"\"summary\":\"Show %s\",\"description\":\"%s\","
			"\"start\":{\"dateTime\":\"%s\",\"timeZone\":\"Europe/London\"},"
			"\"end\":{\"dateTime\":\"%s\",\"timeZone\":\"Europe/London\"}}",
			id, id, desc, start, end);
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_fetch_follows_three_pages(void)
{
	char items[8192] = "[", one[1024];
	for (int i = 0; i < 7; i++) {
		char id[16], s[32], en[32], desc[32];
		snprintf(id, sizeof id, "ev%d", i);
		snprintf(s, sizeof s, "2026-03-29T%02d:00:00Z", 10 + i);
		snprintf(en, sizeof en, "2026-03-29T%02d:00:00Z", 11 + i);
		snprintf(desc, sizeof desc, "PID:p%d", i);
		ev(one, sizeof one, id, s, en, desc);
		strcat(items, i ? "," : "");
		strcat(items, one);
	}
	strcat(items, "]");
	set_events(items, 3);
	struct env e;
	env_open(&e);
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 7);
	for (int i = 0; i < 7; i++) {
		char pid[8];
		snprintf(pid, sizeof pid, "p%d", i);
		const struct playout_slot *s = find_pid(&e, pid);
		CU_ASSERT_PTR_NOT_NULL(s);
		if (s) {
			PO_EXPECT_INT(s->start_ms, MAR29 + (10 + i) * H);
			PO_EXPECT_INT(s->type, PLAYOUT_SLOT_RECORDED);
		}
	}
	PO_EXPECT_INT(log_count("/events", NULL), 3);
	PO_EXPECT_INT(log_count("/events", "\"pageToken\""), 2);
	/* the query the real API needs, with the calendar id percent-encoded */
	PO_EXPECT_INT(log_count("station%40group.calendar.google.com/events", "\"singleEvents\": \"true\""), 3);
	PO_EXPECT_INT(log_count("\"timeMin\": \"2026-03-29T00:00:00Z\"", "\"timeMax\": \"2026-03-30T00:00:00Z\""), 3);
	env_close(&e);
}

static void test_html_descriptions_give_pid_and_type(void)
{
	char items[8192], a[1024], b[1024], c[1024], d[1024], f[1024];
	ev(a, sizeof a, "h1", "2026-03-29T10:00:00Z", "2026-03-29T11:00:00Z",
	   "Notes<br>PID:alpha<br>TYPE:LIVE");
	ev(b, sizeof b, "h2", "2026-03-29T11:00:00Z", "2026-03-29T12:00:00Z",
	   "<p>pid:&nbsp;bravo_2</p><p>type&nbsp;:&nbsp;recorded</p>");
	ev(c, sizeof c, "h3", "2026-03-29T12:00:00Z", "2026-03-29T13:00:00Z",
	   "<b>PID:</b>charlie-3<br><b>TYPE:</b>RECORDED");
	ev(d, sizeof d, "h4", "2026-03-29T13:00:00Z", "2026-03-29T14:00:00Z",
	   "PID: <a href=\\\"https://example.org/x?a=1&amp;b=2\\\">delta</a> &amp; friends");
	ev(f, sizeof f, "h5", "2026-03-29T14:00:00Z", "2026-03-29T15:00:00Z",
	   "Rapid&#58; no. Not a PID here; EPID:wrong\\nPID:echo\\nTYPE:Live");
	snprintf(items, sizeof items, "[%s,%s,%s,%s,%s]", a, b, c, d, f);
	set_events(items, 250);
	struct env e;
	env_open(&e);
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 5);
	const struct playout_slot *s;
	s = find_pid(&e, "alpha");
	CU_ASSERT(s && s->type == PLAYOUT_SLOT_LIVE);
	s = find_pid(&e, "bravo_2");
	CU_ASSERT(s && s->type == PLAYOUT_SLOT_RECORDED);
	s = find_pid(&e, "charlie-3");
	CU_ASSERT(s && s->type == PLAYOUT_SLOT_RECORDED);
	s = find_pid(&e, "delta");
	CU_ASSERT(s && s->type == PLAYOUT_SLOT_RECORDED && strcmp(s->title, "Show h4") == 0);
	s = find_pid(&e, "echo");
	CU_ASSERT(s && s->type == PLAYOUT_SLOT_LIVE);
	CU_ASSERT_PTR_NULL(find_pid(&e, "wrong"));
	env_close(&e);
}

static void test_events_without_pid_are_skipped_and_warned_once(void)
{
	char items[8192], a[1024], b[1024];
	ev(a, sizeof a, "nopid1", "2026-03-29T10:00:00Z", "2026-03-29T11:00:00Z",
	   "Live phone-in, no programme id");
	ev(b, sizeof b, "ok1", "2026-03-29T11:00:00Z", "2026-03-29T12:00:00Z", "PID:kept");
	snprintf(items, sizeof items, "[%s,%s]", a, b);
	set_events(items, 250);
	struct env e;
	env_open(&e);
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 1);
	CU_ASSERT_PTR_NOT_NULL(find_pid(&e, "kept"));
	CU_ASSERT(po_fake_host_log_contains(e.fh, "nopid1"));
	size_t warns = po_fake_host_log_count(e.fh, PLAYOUT_LOG_WARN);
	PO_EXPECT_INT(warns, 1);
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(po_fake_host_log_count(e.fh, PLAYOUT_LOG_WARN), warns);
	env_close(&e);
}

static void test_cancelled_and_all_day_events_are_ignored(void)
{
	char items[8192], a[1024], b[1024];
	ev(a, sizeof a, "ok2", "2026-03-29T11:00:00Z", "2026-03-29T12:00:00Z", "PID:kept");
	ev(b, sizeof b, "gone", "2026-03-29T12:00:00Z", "2026-03-29T13:00:00Z", "PID:cancelled");
	char *st = strstr(b, "confirmed");
	memcpy(st, "cancelled", 9);
	snprintf(items, sizeof items,
		 "[%s,%s,{\"id\":\"allday\",\"status\":\"confirmed\",\"summary\":\"Festival\","
		 "\"description\":\"PID:festival\",\"start\":{\"date\":\"2026-03-29\"},"
		 "\"end\":{\"date\":\"2026-03-30\"}}]", a, b);
	set_events(items, 250);
	struct env e;
	env_open(&e);
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 1);
	CU_ASSERT_PTR_NOT_NULL(find_pid(&e, "kept"));
	CU_ASSERT_PTR_NULL(find_pid(&e, "cancelled"));
	CU_ASSERT_PTR_NULL(find_pid(&e, "festival"));
	PO_EXPECT_INT(po_fake_host_log_count(e.fh, PLAYOUT_LOG_WARN), 0);
	env_close(&e);
}

static void test_offsets_map_to_utc(void)
{
	char items[8192], a[1024], b[1024], c[1024];
	ev(a, sizeof a, "o1", "2026-03-29T13:00:00+01:00", "2026-03-29T14:00:00+01:00", "PID:plus");
	ev(b, sizeof b, "o2", "2026-03-29T08:00:00-05:00", "2026-03-29T09:30:00.500-05:00", "PID:minus");
	ev(c, sizeof c, "o3", "2026-03-29T15:00:00Z", "2026-03-29T16:00:00Z", "PID:zulu");
	snprintf(items, sizeof items, "[%s,%s,%s]", a, b, c);
	set_events(items, 250);
	struct env e;
	env_open(&e);
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	const struct playout_slot *s = find_pid(&e, "plus");
	CU_ASSERT(s && s->start_ms == MAR29 + 12 * H && s->end_ms == MAR29 + 13 * H);
	s = find_pid(&e, "minus");
	CU_ASSERT(s && s->start_ms == MAR29 + 13 * H && s->end_ms == MAR29 + 14 * H + 30 * 60000 + 500);
	s = find_pid(&e, "zulu");
	CU_ASSERT(s && s->start_ms == MAR29 + 15 * H);
	env_close(&e);
}

static void test_dst_weeks_map_to_utc(void)
{
	char items[8192], a[1024], b[1024], c[1024], d[1024];
	/* spring: 00:30 GMT, then 02:30 BST = 01:30Z (01:00-02:00 local does not exist) */
	ev(a, sizeof a, "s1", "2026-03-29T00:30:00Z", "2026-03-29T00:59:00+00:00", "PID:spring_a");
	ev(b, sizeof b, "s2", "2026-03-29T02:30:00+01:00", "2026-03-29T03:00:00+01:00", "PID:spring_b");
	/* autumn: 01:30 local twice: BST (00:30Z) and GMT (01:30Z) */
	ev(c, sizeof c, "a1", "2026-10-25T01:30:00+01:00", "2026-10-25T01:59:00+01:00", "PID:autumn_a");
	ev(d, sizeof d, "a2", "2026-10-25T01:30:00+00:00", "2026-10-25T02:00:00Z", "PID:autumn_b");
	snprintf(items, sizeof items, "[%s,%s,%s,%s]", a, b, c, d);
	set_events(items, 250);
	struct env e;
	env_open(&e);
	PO_EXPECT_INT(env_fetch(&e, MAR29 - 24 * H, OCT25 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 4);
	const struct playout_slot *s = find_pid(&e, "spring_a");
	CU_ASSERT(s && s->start_ms == MAR29 + 30 * 60000);
	s = find_pid(&e, "spring_b");
	CU_ASSERT(s && s->start_ms == MAR29 + 90 * 60000 && s->end_ms == MAR29 + 2 * H);
	s = find_pid(&e, "autumn_a");
	CU_ASSERT(s && s->start_ms == OCT25 + 30 * 60000);
	s = find_pid(&e, "autumn_b");
	CU_ASSERT(s && s->start_ms == OCT25 + 90 * 60000 && s->end_ms == OCT25 + 2 * H);
	env_close(&e);
}

/* A description of a million unclosed "<a" and a million bare '&' (found by
 * fuzz_gcal: each searched to the end of the text, minutes of CPU per
 * event) is read in well under a second's work, PID and all. */
static void test_long_unclosed_descriptions_are_read_in_linear_time(void)
{
	const size_t n = 1000000;
	char *desc = malloc(n * 3 + 32);
	CU_ASSERT_PTR_NOT_NULL_FATAL(desc);
	for (size_t i = 0; i < n; i++)
		memcpy(desc + 2 * i, "<a", 2);
	memset(desc + 2 * n, '&', n);
	strcpy(desc + 3 * n, " PID:long_one");
	struct json_object *ev = json_object_new_object(), *start = json_object_new_object(),
			   *end = json_object_new_object();
	json_object_object_add(start, "dateTime", json_object_new_string("2026-03-29T10:00:00Z"));
	json_object_object_add(end, "dateTime", json_object_new_string("2026-03-29T11:00:00Z"));
	json_object_object_add(ev, "id", json_object_new_string("long"));
	json_object_object_add(ev, "description", json_object_new_string(desc));
	json_object_object_add(ev, "start", start);
	json_object_object_add(ev, "end", end);
	struct playout_slot slot;
	const char *id;
	char why[256];
	clock_t t0 = clock();
	int r = gcal_event_read(ev, MAR29, MAR29 + 24 * H, &slot, &id, why, sizeof why);
	double cpu_s = (double)(clock() - t0) / CLOCKS_PER_SEC;
	PO_EXPECT_INT(r, GCAL_EVENT_SLOT);
	PO_EXPECT_STR(slot.pid, "long_one");
	if (cpu_s >= 5)
		fprintf(stderr, "  description read in %.1f s of CPU\n", cpu_s);
	CU_ASSERT(cpu_s < 5); /* linear: well under a second; quadratic: 37 s at -O2 */
	json_object_put(ev);
	free(desc);
}

static void one_event(void)
{
	char a[1024], items[1100];
	ev(a, sizeof a, "t1", "2026-03-29T10:00:00Z", "2026-03-29T11:00:00Z", "PID:tok");
	snprintf(items, sizeof items, "[%s]", a);
	set_events(items, 250);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);
	if (f) {
		size_t n = fread(buf, 1, 65535, f);
		buf[n] = '\0';
		fclose(f);
	}
	return buf;
}

static void test_expired_token_is_refreshed_and_written_back(void)
{
	char path[512], conf[4096];
	struct stat st;
	one_event();
	snprintf(path, sizeof path, "%s/token.json", po_test_tmpdir());
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("{\"token\":\"ya29.old\",\"refresh_token\":\"1//refresh-test\","
	      "\"expiry\":\"2020-01-01T00:00:00.123456Z\",\"scopes\":[\"x\"]}\n", f);
	fclose(f);
	snprintf(conf, sizeof conf, "credentials = \"%s\"; token = \"file:%s\";", installed_creds, path);
	struct env e;
	env_open_with(&e, new_host(), conf);
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 1);
	/* refreshed before the call, never sent the expired token */
	PO_EXPECT_INT(log_count("\"grant_type\": \"refresh_token\"", "\"status\": 200"), 1);
	PO_EXPECT_INT(log_count("ya29.old", NULL), 0);
	PO_EXPECT_INT(log_count("/events", "\"status\": 200"), 1);
	char *text = slurp(path);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "ya29.fake-"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "1//refresh-test"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"scopes\""));
	CU_ASSERT_PTR_NULL(strstr(text, "2020-01-01"));
	CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	char *kv = NULL;
	PO_EXPECT_INT(po_fake_host(e.fh)->kv_get(po_fake_host(e.fh), "token", &kv), PLAYOUT_OK);
	CU_ASSERT(kv && strcmp(kv, text) == 0);
	free(kv);
	free(text);
	/* a second fetch uses the cached token: no second refresh */
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(log_count("\"grant_type\": \"refresh_token\"", NULL), 1);
	env_close(&e);
}

/* expires_in as a token answer gives it: the token's end, or -1 when the
 * answer text is not JSON. */
static int64_t expiry_for(const char *answer, int64_t now_ms)
{
	struct json_object *o = gcal_json_parse(answer, strlen(answer));
	int64_t ms = o ? gcal_token_expiry_ms(o, now_ms) : -1;
	json_object_put(o);
	return ms;
}

#define EXPECT_EXPIRY(answer, want)                                                          \
	do {                                                                                  \
		int64_t got_ = expiry_for(answer, MAR29);                                     \
		if (got_ != (want))                                                           \
			fprintf(stderr, "  %s: expiry %lld, want %lld\n", answer,             \
				(long long)got_, (long long)(want));                          \
		PO_EXPECT_INT(got_, (want));                                                \
	} while (0)

static void test_expires_in_is_clamped_to_zero_and_a_day(void)
{
	const int64_t day = GCAL_LIFETIME_MAX_S * 1000LL;
	EXPECT_EXPIRY("{\"expires_in\":3599}", MAR29 + 3599000);
	EXPECT_EXPIRY("{\"expires_in\":9223372036854775807}", MAR29 + day);
	EXPECT_EXPIRY("{\"expires_in\":18446744073709551615}", MAR29 + day);
	EXPECT_EXPIRY("{\"expires_in\":9223372036854775}", MAR29 + day);
	EXPECT_EXPIRY("{\"expires_in\":86401}", MAR29 + day);
	EXPECT_EXPIRY("{\"expires_in\":-1}", MAR29);
	EXPECT_EXPIRY("{\"expires_in\":-9223372036854775808}", MAR29);
	EXPECT_EXPIRY("{\"expires_in\":-9223372036854775807}", MAR29);
	EXPECT_EXPIRY("{\"expires_in\":0}", MAR29);
	EXPECT_EXPIRY("{\"expires_in\":1e300}", MAR29 + day);
	EXPECT_EXPIRY("{\"expires_in\":-1e300}", MAR29);
	EXPECT_EXPIRY("{\"expires_in\":1799.9}", MAR29 + 1799000);
	EXPECT_EXPIRY("{\"expires_in\":\"9223372036854775807\"}", MAR29 + day);
	EXPECT_EXPIRY("{\"expires_in\":\"120\"}", MAR29 + 120000);
	EXPECT_EXPIRY("{\"expires_in\":null}", MAR29 + GCAL_LIFETIME_DEFAULT_S * 1000LL);
	EXPECT_EXPIRY("{\"access_token\":\"x\"}", MAR29 + GCAL_LIFETIME_DEFAULT_S * 1000LL);
	/* no answer at all: the default */
	PO_EXPECT_INT(gcal_token_expiry_ms(NULL, 0), GCAL_LIFETIME_DEFAULT_S * 1000LL);
}

/* A token endpoint announcing expires_in = INT64_MAX: the token is kept a
 * day, written back with a real date, and used again without a refresh. */
static void test_huge_expires_in_keeps_the_token_one_day(void)
{
	char path[512], conf[4096];
	one_event();
	PO_EXPECT_INT_FATAL(fake_post("/_admin/config", "{\"expires_in\":9223372036854775807}"), 0);
	snprintf(path, sizeof path, "%s/token-huge.json", po_test_tmpdir());
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("{\"token\":\"ya29.old\",\"refresh_token\":\"1//refresh-test\","
	      "\"expiry\":\"2020-01-01T00:00:00Z\"}\n", f);
	fclose(f);
	snprintf(conf, sizeof conf, "credentials = \"%s\"; token = \"file:%s\";", installed_creds, path);
	struct env e;
	env_open_with(&e, new_host(), conf);
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	int64_t before = po_fake_host(e.fh)->wall_ms(po_fake_host(e.fh));
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 1);
	PO_EXPECT_INT(log_count("\"grant_type\": \"refresh_token\"", "\"status\": 200"), 1);
	char *text = slurp(path);
	const char *at = strstr(text, "\"expiry\":\"");
	char when[64] = "";
	int64_t expiry = 0;
	if (at)
		sscanf(at + 10, "%63[^\"]", when);
	PO_EXPECT_INT(playout_time_parse(when, NULL, &expiry), 0);
	if (expiry < before + 86399000 || expiry > before + 86401000 + 60000)
		fprintf(stderr, "  expiry written back: \"%s\" (%s)\n", when, text);
	CU_ASSERT(expiry >= before + 86399000 && expiry <= before + 86401000 + 60000);
	free(text);
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(log_count("\"grant_type\": \"refresh_token\"", NULL), 1);
	env_close(&e);
	PO_EXPECT_INT(fake_post("/_admin/config", "{\"expires_in\":3600}"), 0);
}

static void test_rejected_token_is_refreshed_once_on_401(void)
{
	struct env e;
	one_event();
	env_open(&e);
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(log_count("/token", NULL), 0);
	PO_EXPECT_INT(fake_post("/_admin/revoke", "{}"), 0);
	log_reset();
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 1);
	PO_EXPECT_INT(log_count("/events", "\"status\": 401"), 1);
	PO_EXPECT_INT(log_count("\"grant_type\": \"refresh_token\"", NULL), 1);
	PO_EXPECT_INT(log_count("/events", "\"status\": 200"), 1);
	env_close(&e);
}

static void test_refused_refresh_fails_with_eauth(void)
{
	char conf[4096];
	struct env e;
	one_event();
	snprintf(conf, sizeof conf, "credentials = \"%s\"; token = \"{\\\"token\\\":\\\"x\\\","
		 "\\\"refresh_token\\\":\\\"1//revoked\\\",\\\"expiry\\\":\\\"2001-01-01T00:00:00Z\\\"}\";",
		 installed_creds);
	env_open_with(&e, new_host(), conf);
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_EAUTH);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "invalid_grant"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "gcal-auth"));
	CU_ASSERT_PTR_NULL(strstr(e.err.msg, "1//revoked"));
	env_close(&e);
}

static void test_literal_token_refresh_is_kept_in_kv_with_one_notice(void)
{
	char conf[4096];
	struct env e;
	one_event();
	snprintf(conf, sizeof conf, "credentials = \"%s\"; token = \"{\\\"token\\\":\\\"x\\\","
		 "\\\"refresh_token\\\":\\\"1//refresh-test\\\",\\\"expiry\\\":\\\"2001-01-01T00:00:00Z\\\"}\";",
		 installed_creds);
	struct po_fake_host *fh = new_host();
	env_open_with(&e, fh, conf);
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(fake_post("/_admin/revoke", "{}"), 0);
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(log_count("\"grant_type\": \"refresh_token\"", NULL), 2);
	PO_EXPECT_INT(po_fake_host_log_count(fh, PLAYOUT_LOG_NOTICE), 1);
	char *kv = NULL;
	PO_EXPECT_INT(po_fake_host(fh)->kv_get(po_fake_host(fh), "token", &kv), PLAYOUT_OK);
	CU_ASSERT(kv && strstr(kv, "ya29.fake-"));
	free(kv);
	/* a new instance on the same state prefers the newer kv copy: no refresh */
	playout_plugin.destroy(e.inst);
	e.inst = NULL;
	log_reset();
	struct env e2;
	env_open_with(&e2, fh, conf);
	PO_EXPECT_INT_FATAL(e2.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e2, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(log_count("/token", NULL), 0);
	PO_EXPECT_INT(e2.slots.n, 1);
	free(e.slots.v);
	env_close(&e2);
}

static void test_installed_credentials_without_token_are_refused(void)
{
	char conf[4096];
	struct env e;
	snprintf(conf, sizeof conf, "credentials = \"%s\";", installed_creds);
	env_open_with(&e, new_host(), conf);
	PO_EXPECT_INT(e.create_rc, PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "gcal-auth"));
	CU_ASSERT_PTR_NULL(e.inst);
	env_close(&e);
}

/* A fresh RSA key: the service account's JSON for the config (escaped) and
 * its public key registered with the fake. */
static char *service_account_conf(const char *email)
{
	EVP_PKEY *key = EVP_RSA_gen(2048);
	BIO *priv = BIO_new(BIO_s_mem()), *pub = BIO_new(BIO_s_mem());
	char *pp, *up;
	PEM_write_bio_PrivateKey(priv, key, NULL, NULL, 0, NULL, NULL);
	PEM_write_bio_PUBKEY(pub, key);
	long pn = BIO_get_mem_data(priv, &pp), un = BIO_get_mem_data(pub, &up);
	char *admin = malloc((size_t)un * 2 + 512), *conf = malloc((size_t)pn * 3 + 1024);
	char *w = admin + sprintf(admin, "{\"sa_email\":\"%s\",\"sa_pubkey_pem\":\"", email);
	for (long i = 0; i < un; i++)
		w += up[i] == '\n' ? sprintf(w, "\\n") : sprintf(w, "%c", up[i]);
	strcpy(w, "\"}");
	PO_EXPECT_INT(fake_post("/_admin/config", admin), 0);
	/* libconfig string holding JSON holding the PEM: \n must be \\n in JSON */
	w = conf + sprintf(conf, "credentials = \"{\\\"type\\\":\\\"service_account\\\","
			   "\\\"client_email\\\":\\\"%s\\\",\\\"token_uri\\\":\\\"https://oauth2.googleapis.com/token\\\","
			   "\\\"private_key\\\":\\\"", email);
	for (long i = 0; i < pn; i++)
		w += pp[i] == '\n' ? sprintf(w, "\\\\n") : sprintf(w, "%c", pp[i]);
	strcpy(w, "\\\"}\";");
	free(admin);
	BIO_free(priv);
	BIO_free(pub);
	EVP_PKEY_free(key);
	return conf;
}

static void test_service_account_jwt_is_accepted(void)
{
	struct env e;
	char *conf = service_account_conf("playout@station.iam.gserviceaccount.com");
	one_event();
	env_open_with(&e, new_host(), conf);
	free(conf);
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 1);
	PO_EXPECT_INT(log_count("jwt-bearer", "\"jwt_ok\": true"), 1);
	/* a signature by another key is refused by the fake's openssl check */
	conf = service_account_conf("playout@station.iam.gserviceaccount.com");
	struct env e2;
	env_open_with(&e2, new_host(), conf);
	free(conf);
	log_reset();
	PO_EXPECT_INT(fake_post("/_admin/revoke", "{}"), 0);
	PO_EXPECT_INT(env_fetch(&e2, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_EAUTH);
	PO_EXPECT_INT(log_count("Invalid JWT Signature", NULL), 1);
	env_close(&e2);
	env_close(&e);
}

static void test_server_errors_fail_fetch_then_recover(void)
{
	struct env e;
	one_event();
	env_open(&e);
	PO_EXPECT_INT(fake_post("/_admin/config", "{\"fail_500\":1}"), 0);
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_EUNAVAIL);
	PO_EXPECT_INT(e.slots.n, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "HTTP 500"));
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 1);
	env_close(&e);
}

static void test_hanging_server_times_out_then_recovers(void)
{
	struct env e;
	one_event();
	env_open(&e);
	PO_EXPECT_INT(fake_post("/_admin/config", "{\"hang\":1,\"hang_s\":4}"), 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = env_fetch(&e, MAR29, MAR29 + 24 * H);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	PO_EXPECT_INT(rc, PLAYOUT_ETIMEOUT);
	CU_ASSERT(t1.tv_sec - t0.tv_sec < 4);
	PO_EXPECT_INT(e.slots.n, 0);
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 1);
	env_close(&e);
}

static void test_unknown_calendar_is_not_found(void)
{
	struct env e;
	set_events("[]", 250);
	char body[256];
	snprintf(body, sizeof body, "{\"calendars\":{}}");
	fake_post("/_admin/config", body);
	env_open(&e);
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_ENOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "calendar_id"));
	env_close(&e);
}


/* A SIGHUP that brings a new token (the station re-ran gcal-auth): the next
 * fetch takes it; a value that is no token.json is refused with a warning.
 * (The fake host reads file: afresh on each call, as the real host does
 * after a SIGHUP.) */
static void write_token(const char *path, const char *tok)
{
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "{\"token\":\"%s\",\"refresh_token\":\"1//refresh-test\","
		"\"expiry\":\"2099-01-01T00:00:00Z\"}\n", tok);
	fclose(f);
}

static void test_new_token_after_sighup_is_taken(void)
{
	char path[512], conf[4096], body[256];
	one_event();
	snprintf(body, sizeof body, "{\"access_tokens\":{\"ya29.first\":%lld,\"ya29.second\":%lld}}",
		 (long long)time(NULL) + 3600, (long long)time(NULL) + 3600);
	PO_EXPECT_INT_FATAL(fake_post("/_admin/config", body), 0);
	snprintf(path, sizeof path, "%s/token-hup.json", po_test_tmpdir());
	write_token(path, "ya29.first");
	snprintf(conf, sizeof conf, "credentials = \"%s\"; token = \"file:%s\";", installed_creds, path);
	struct po_fake_host *fh = new_host();
	struct env e;
	env_open_with(&e, fh, conf);
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	log_reset();
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(log_count("ya29.first", NULL), 1);
	/* unchanged: nothing new said */
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	CU_ASSERT_FALSE(po_fake_host_log_contains(fh, "new token"));
	write_token(path, "ya29.second");
	log_reset();
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(e.slots.n, 1);
	PO_EXPECT_INT(log_count("ya29.second", NULL), 1);
	PO_EXPECT_INT(log_count("ya29.first", NULL), 0);
	PO_EXPECT_INT(log_count("/token", NULL), 0);
	CU_ASSERT_TRUE(po_fake_host_log_contains(fh, "new token in file:"));
	char *kv = NULL;
	PO_EXPECT_INT(po_fake_host(fh)->kv_get(po_fake_host(fh), "token", &kv), PLAYOUT_OK);
	CU_ASSERT(kv && strstr(kv, "ya29.second"));
	free(kv);
	/* a broken value: warned once, the token in use stays */
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("not json\n", f);
	fclose(f);
	size_t warns = po_fake_host_log_count(fh, PLAYOUT_LOG_WARN);
	log_reset();
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	PO_EXPECT_INT(log_count("ya29.second", NULL), 2);
	PO_EXPECT_INT(po_fake_host_log_count(fh, PLAYOUT_LOG_WARN), warns + 1);
	CU_ASSERT_TRUE(po_fake_host_log_contains(fh, "not a token.json"));
	env_close(&e);
}

static void test_new_credentials_after_sighup_are_taken(void)
{
	char cpath[512], conf[4096], body[256];
	one_event();
	snprintf(body, sizeof body, "{\"access_tokens\":{}}");
	PO_EXPECT_INT_FATAL(fake_post("/_admin/config", body), 0);
	snprintf(cpath, sizeof cpath, "%s/creds-hup.json", po_test_tmpdir());
	FILE *f = fopen(cpath, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("{\"installed\":{\"client_id\":\"test-client.apps.googleusercontent.com\","
	      "\"client_secret\":\"test-secret\"}}\n", f);
	fclose(f);
	snprintf(conf, sizeof conf, "credentials = \"file:%s\"; token = \"{\\\"token\\\":\\\"x\\\","
		 "\\\"refresh_token\\\":\\\"1//refresh-test\\\",\\\"expiry\\\":\\\"2001-01-01T00:00:00Z\\\"}\";",
		 cpath);
	struct po_fake_host *fh = new_host();
	struct env e;
	env_open_with(&e, fh, conf);
	PO_EXPECT_INT_FATAL(e.create_rc, PLAYOUT_OK);
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_OK);
	/* a client the fake does not know: the refresh with it is refused */
	f = fopen(cpath, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("{\"installed\":{\"client_id\":\"other-client\",\"client_secret\":\"other\"}}\n", f);
	fclose(f);
	log_reset();
	PO_EXPECT_INT(env_fetch(&e, MAR29, MAR29 + 24 * H), PLAYOUT_EAUTH);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.err.msg, "invalid_client"));
	CU_ASSERT_TRUE(po_fake_host_log_contains(fh, "new credentials in file:"));
	PO_EXPECT_INT(log_count("other-client", NULL), 1); /* a new token asked for with it */
	env_close(&e);
}

static const struct po_test fetch_tests[] = {
	{ "test_fetch_follows_three_pages", test_fetch_follows_three_pages },
	{ "test_html_descriptions_give_pid_and_type", test_html_descriptions_give_pid_and_type },
	{ "test_events_without_pid_are_skipped_and_warned_once",
	  test_events_without_pid_are_skipped_and_warned_once },
	{ "test_cancelled_and_all_day_events_are_ignored", test_cancelled_and_all_day_events_are_ignored },
	{ "test_offsets_map_to_utc", test_offsets_map_to_utc },
	{ "test_dst_weeks_map_to_utc", test_dst_weeks_map_to_utc },
	{ "test_long_unclosed_descriptions_are_read_in_linear_time",
	  test_long_unclosed_descriptions_are_read_in_linear_time },
	{ "test_server_errors_fail_fetch_then_recover", test_server_errors_fail_fetch_then_recover },
	{ "test_hanging_server_times_out_then_recovers", test_hanging_server_times_out_then_recovers },
	{ "test_unknown_calendar_is_not_found", test_unknown_calendar_is_not_found },
	{ NULL, NULL },
};

static const struct po_test auth_tests[] = {
	{ "test_expired_token_is_refreshed_and_written_back",
	  test_expired_token_is_refreshed_and_written_back },
	{ "test_rejected_token_is_refreshed_once_on_401", test_rejected_token_is_refreshed_once_on_401 },
	{ "test_expires_in_is_clamped_to_zero_and_a_day", test_expires_in_is_clamped_to_zero_and_a_day },
	{ "test_huge_expires_in_keeps_the_token_one_day", test_huge_expires_in_keeps_the_token_one_day },
	{ "test_refused_refresh_fails_with_eauth", test_refused_refresh_fails_with_eauth },
	{ "test_literal_token_refresh_is_kept_in_kv_with_one_notice",
	  test_literal_token_refresh_is_kept_in_kv_with_one_notice },
	{ "test_installed_credentials_without_token_are_refused",
	  test_installed_credentials_without_token_are_refused },
	{ "test_service_account_jwt_is_accepted", test_service_account_jwt_is_accepted },
	{ "test_new_token_after_sighup_is_taken", test_new_token_after_sighup_is_taken },
	{ "test_new_credentials_after_sighup_are_taken", test_new_credentials_after_sighup_are_taken },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "gcal_fetch", fetch_tests, NULL, NULL },
	{ "gcal_auth", auth_tests, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	/* one fake for every test: the interpreter is slow to start */
	if (fake_start() != 0) {
		fake_stop();
		printf("RESULT gcal: 0 passed, 1 failed (google_fake.py did not start)\n");
		return 1;
	}
	int rc = po_test_run("gcal", suites);
	fake_stop();
	return rc;
}
