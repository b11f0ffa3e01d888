/*
 * Tests for the status page (core/status_page.c), its HTML escaping
 * (core/html.c) and the path cutting of free text (core/redact.c): what a
 * volunteer must see is there, and nothing from the data can become markup
 * or show where the daemon keeps its files.
 */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "redact.h"
#include "status_page.h"
#include "timeutil.h"

static char *escaped(const char *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	po_html_escape(f, s);
	fclose(f);
	return text;
}

static void test_html_escape_turns_markup_into_text(void)
{
	char *t = escaped("<script>alert('x')</script> & \"q\"");
	PO_EXPECT_STR(t, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
	free(t);
	t = escaped("caf\xc3\xa9\x01\x1b end");
	PO_EXPECT_STR(t, "caf\xc3\xa9 end"); /* UTF-8 kept, control bytes dropped */
	free(t);
}

static void expect_redacted(const char *in, const char *want)
{
	char out[256];
	po_redact_paths(in, out, sizeof out);
	PO_EXPECT_STR(out, want);
}

static void test_redact_cuts_paths_to_their_last_component(void)
{
	expect_redacted("open /var/lib/playout/out.mp3: Permission denied",
			"open .../out.mp3: Permission denied");
	expect_redacted("file:/etc/playout/http.token", "file:.../http.token");
	expect_redacted("(\"/srv/drop/a.mp3\")", "(\".../a.mp3\")");
	/* a mount, a URL and a bare name stay as they are */
	expect_redacted("mount /prerec refused", "mount /prerec refused");
	expect_redacted("GET https://bucket.example/prerecs/x.mp3: HTTP 403",
			"GET https://bucket.example/prerecs/x.mp3: HTTP 403");
	expect_redacted("20300101_1000_alpha.mp3 passed over", "20300101_1000_alpha.mp3 passed over");
	char small[8];
	po_redact_paths("/a/b/longname.mp3", small, sizeof small);
	PO_EXPECT_STR(small, ".../lon"); /* cut to fit, still ended */
}

static char *page(const struct po_page *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	po_status_page_render(f, p);
	fclose(f);
	return text;
}

static void test_page_shows_on_air_missing_and_start_error_escaped(void)
{
	po_tz_set("UTC", NULL);
	const int64_t now = 1900000000000; /* 2030-03-17T17:46:40Z */
	struct po_output_status out = {
		.since_ms = now - 60000, .scheduled_ms = now - 65000, .position_ms = 60000,
		.end_ms = now + 3535000, .updated_ms = now - 5000, .lead_ms = 300,
	};
	snprintf(out.output, sizeof out.output, "icecast:main");
	snprintf(out.state, sizeof out.state, "on air");
	snprintf(out.pid, sizeof out.pid, "morning");
	snprintf(out.title, sizeof out.title, "Morning <b>Show</b>");
	snprintf(out.last_error, sizeof out.last_error, "write /var/lib/playout/secret/x: EPIPE");
	out.error_ms = now - 70000;
	struct playout_item items[2] = {{0}};
	items[0].start_ms = now + 3535000;
	items[0].end_ms = now + 7135000;
	items[0].decision = PLAYOUT_DECISION_MISSING;
	snprintf(items[0].pid, sizeof items[0].pid, "jazz");
	snprintf(items[0].title, sizeof items[0].title, "Jazz & Blues");
	snprintf(items[0].reason, sizeof items[0].reason, "no file for slot jazz");
	items[1].start_ms = now + 7135000;
	items[1].end_ms = now + 9000000;
	items[1].decision = PLAYOUT_DECISION_FALLBACK;
	items[1].nseg = 1;
	snprintf(items[1].seg[0].asset, sizeof items[1].seg[0].asset, "20300310_1000_news.mp3");
	snprintf(items[1].pid, sizeof items[1].pid, "news");
	snprintf(items[1].reason, sizeof items[1].reason, "previous edition");
	struct po_status s = {.outs = &out, .nouts = 1, .items = items, .nitems = 2,
			      .next = &items[1]};
	struct po_play pl = {.scheduled_ms = now - 65000, .started_us = (now - 65000) * 1000 + 1234,
			     .start_error_us = 1234, .bytes = 1000};
	snprintf(pl.output, sizeof pl.output, "icecast:main");
	snprintf(pl.pid, sizeof pl.pid, "morning");
	snprintf(pl.asset, sizeof pl.asset, "20300317_1745_morning.mp3");
	snprintf(pl.outcome, sizeof pl.outcome, "playing");
	struct po_page p = {.station = "Radio \"Test\"", .now_ms = now, .status = &s,
			    .plays = &pl, .nplays = 1};
	char *t = page(&p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "<meta http-equiv=\"refresh\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "<h1>Radio &quot;Test&quot;</h1>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "Morning &lt;b&gt;Show&lt;/b&gt;"));
	CU_ASSERT_PTR_NULL(strstr(t, "<b>Show"));
	/* 60 s as of the row, 5 s since: 1:05 into a 1:00:00 item */
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "<span class=\"position\">1:05 of 1:00:00</span>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "<tr class=\"missing\">"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "Jazz &amp; Blues"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "<tr class=\"fallback\">"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "id=\"missing-count\">1 programme with nothing to play"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "<td class=\"start-error\">+1.2 ms</td>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "write .../x: EPIPE"));
	CU_ASSERT_PTR_NULL(strstr(t, "/var/lib"));
	CU_ASSERT_PTR_NULL(strstr(t, "<script"));
	free(t);
}

static void test_page_with_nothing_says_so(void)
{
	struct po_status s = {0};
	struct po_page p = {.station = "S", .now_ms = 1900000000000, .status = &s};
	char *t = page(&p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "No output has reported"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "Nothing has played yet."));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "</html>\n"));
	free(t);
}

static const struct po_test tests[] = {
	{"html_escape_turns_markup_into_text", test_html_escape_turns_markup_into_text},
	{"redact_cuts_paths_to_their_last_component", test_redact_cuts_paths_to_their_last_component},
	{"page_shows_on_air_missing_and_start_error_escaped",
	 test_page_shows_on_air_missing_and_start_error_escaped},
	{"page_with_nothing_says_so", test_page_with_nothing_says_so},
	{NULL, NULL},
};

int main(void)
{
	static const struct po_suite suites[] = {
		{"status page", tests, NULL, NULL},
		{NULL, NULL, NULL, NULL},
	};
	return po_test_run("test_status_page", suites);
}
