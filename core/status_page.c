/*
 * The HTML of the status page (status_page.h). Classes and ids name what a
 * cell holds (onair, missing, fallback, start-error), so the styling and
 * the tests find the same things.
 */
#include "status_page.h"

#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "redact.h"
#include "rundown.h"
#include "timeutil.h"

/* How many plays the page lists, newest first. */
#define RECENT_PLAYS 12

static const char STYLE[] =
	"body{font-family:sans-serif;margin:0.5em;max-width:50em;color:#111}"
	"h1{font-size:1.2em}h2{font-size:1.05em;margin:1em 0 0.3em}"
	"table{border-collapse:collapse;width:100%;font-size:0.9em}"
	"td,th{border-bottom:1px solid #ccc;padding:0.25em;text-align:left;vertical-align:top}"
	".card{border:1px solid #999;border-radius:4px;padding:0.4em;margin:0.3em 0}"
	".on-air{background:#e6f7e6}.down{background:#fde0e0}.idle{background:#f2f2f2}"
	"tr.missing{background:#fcc;font-weight:bold}tr.fallback{background:#ffe9b3}"
	".warn{color:#a00;font-weight:bold}.small{font-size:0.85em;color:#444}";

static void esc(FILE *f, const char *s)
{
	po_html_escape(f, s);
}

/* Free text (errors, reasons): paths cut, then escaped. */
static void esc_text(FILE *f, const char *s)
{
	char buf[1024];
	po_redact_paths(s, buf, sizeof buf);
	po_html_escape(f, buf);
}

/* "HH:MM" in the station's zone; with the date when not today. */
static void when(FILE *f, int64_t at_ms, int64_t now_ms)
{
	char at[40], now[40];
	po_iso8601_local(at_ms, at, sizeof at);
	po_iso8601_local(now_ms, now, sizeof now);
	if (strncmp(at, now, 10) == 0)
		fprintf(f, "%.5s", at + 11);
	else
		fprintf(f, "%.10s %.5s", at, at + 11);
}

static void duration(FILE *f, int64_t ms)
{
	int64_t s = (ms < 0 ? -ms : ms) / 1000;
	if (s >= 3600)
		fprintf(f, "%s%lld:%02lld:%02lld", ms < 0 ? "-" : "", (long long)(s / 3600),
			(long long)(s / 60 % 60), (long long)(s % 60));
	else
		fprintf(f, "%s%lld:%02lld", ms < 0 ? "-" : "", (long long)(s / 60), (long long)(s % 60));
}

static const char *state_class(const char *state)
{
	if (strcmp(state, "on air") == 0)
		return "on-air";
	return strcmp(state, "down") == 0 ? "down" : "idle";
}

static void on_air(FILE *f, const struct po_page *p)
{
	const struct po_status *s = p->status;
	fprintf(f, "<section id=\"onair\"><h2>On air now</h2>\n");
	if (!s->nouts)
		fprintf(f, "<p class=\"warn\">No output has reported: is playoutd running?</p>\n");
	for (size_t i = 0; i < s->nouts; i++) {
		const struct po_output_status *o = &s->outs[i];
		fprintf(f, "<div class=\"card output %s\"><b class=\"output-name\">",
			state_class(o->state));
		esc(f, o->output);
		fprintf(f, "</b>: <span class=\"state\">");
		esc(f, o->state);
		fprintf(f, "</span>");
		if (o->pid[0]) {
			int64_t pos = po_report_position_ms(o, p->now_ms);
			fprintf(f, "<br><span class=\"title\">");
			esc(f, o->title[0] ? o->title : o->pid);
			fprintf(f, "</span> <span class=\"pid small\">(");
			esc(f, o->pid);
			fprintf(f, ")</span><br><span class=\"position\">");
			duration(f, pos);
			fprintf(f, " of ");
			duration(f, o->end_ms - o->scheduled_ms);
			fprintf(f, "</span>, ends ");
			when(f, o->end_ms, p->now_ms);
		}
		if (o->last_error[0]) {
			fprintf(f, "<br><span class=\"small\">last error at ");
			when(f, o->error_ms, p->now_ms);
			fprintf(f, ": <span class=\"last-error\">");
			esc_text(f, o->last_error);
			fprintf(f, "</span></span>");
		}
		fprintf(f, "</div>\n");
	}
	fprintf(f, "</section>\n<section id=\"next\"><h2>Next</h2>\n");
	if (s->next) {
		fprintf(f, "<p>");
		when(f, s->next->start_ms, p->now_ms);
		fprintf(f, " <span class=\"title\">");
		esc(f, s->next->title[0] ? s->next->title : s->next->pid);
		fprintf(f, "</span> (");
		esc(f, po_decision_name(s->next->decision));
		fprintf(f, "), in ");
		duration(f, s->next->start_ms - p->now_ms);
		fprintf(f, "</p>\n");
	} else {
		fprintf(f, "<p>Nothing planned in the next 24 hours.</p>\n");
	}
	fprintf(f, "</section>\n");
}

static void coming(FILE *f, const struct po_page *p)
{
	const struct po_status *s = p->status;
	size_t missing = 0, fallback = 0;
	for (size_t i = 0; i < s->nitems; i++) {
		missing += s->items[i].decision == PLAYOUT_DECISION_MISSING;
		fallback += s->items[i].decision == PLAYOUT_DECISION_FALLBACK;
	}
	fprintf(f, "<section id=\"coming\"><h2>Coming up (24 h)</h2>\n");
	if (missing)
		fprintf(f, "<p class=\"warn\" id=\"missing-count\">%zu programme%s with nothing to play</p>\n",
			missing, missing == 1 ? "" : "s");
	if (fallback)
		fprintf(f, "<p class=\"warn\" id=\"fallback-count\">%zu programme%s on a fallback</p>\n",
			fallback, fallback == 1 ? "" : "s");
	fprintf(f, "<table id=\"rundown\"><tr><th>Time</th><th>Programme</th><th>Decision</th>"
		   "<th>Why</th></tr>\n");
	for (size_t i = 0; i < s->nitems; i++) {
		const struct playout_item *it = &s->items[i];
		const char *cls = it->decision == PLAYOUT_DECISION_MISSING	? "missing"
				  : it->decision == PLAYOUT_DECISION_FALLBACK ? "fallback"
									      : "ok";
		fprintf(f, "<tr class=\"%s\"><td>", cls);
		when(f, it->start_ms, p->now_ms);
		fprintf(f, "&ndash;");
		when(f, it->end_ms, p->now_ms);
		fprintf(f, "</td><td><span class=\"title\">");
		esc(f, it->title[0] ? it->title : it->pid);
		fprintf(f, "</span> <span class=\"pid small\">");
		esc(f, it->pid);
		fprintf(f, "</span>");
		if (it->nseg) {
			fprintf(f, "<br><span class=\"file small\">");
			esc(f, it->seg[0].asset);
			fprintf(f, "</span>");
		}
		fprintf(f, "</td><td class=\"decision\">");
		esc(f, po_decision_name(it->decision));
		fprintf(f, "</td><td class=\"reason\">");
		esc_text(f, it->reason);
		fprintf(f, "</td></tr>\n");
	}
	if (!s->nitems)
		fprintf(f, "<tr><td colspan=\"4\">Nothing planned.</td></tr>\n");
	fprintf(f, "</table></section>\n");
}

static void recent(FILE *f, const struct po_page *p)
{
	fprintf(f, "<section id=\"recent\"><h2>Recent plays</h2>\n"
		   "<table id=\"plays\"><tr><th>Time</th><th>Programme</th><th>Output</th>"
		   "<th>Outcome</th><th>Start error</th></tr>\n");
	size_t shown = 0;
	for (size_t k = p->nplays; k-- > 0 && shown < RECENT_PLAYS; shown++) {
		const struct po_play *pl = &p->plays[k];
		fprintf(f, "<tr class=\"play %s\"><td>", strcmp(pl->outcome, "complete") == 0 ||
					strcmp(pl->outcome, "playing") == 0 || strcmp(pl->outcome, "capped") == 0
					? "ok" : "trouble");
		when(f, pl->scheduled_ms, p->now_ms);
		fprintf(f, "</td><td><span class=\"title\">");
		esc(f, pl->title[0] ? pl->title : pl->pid);
		fprintf(f, "</span> <span class=\"file small\">");
		esc(f, pl->asset);
		fprintf(f, "</span></td><td>");
		esc(f, pl->output);
		fprintf(f, "</td><td class=\"outcome\">");
		esc(f, pl->outcome);
		if (pl->detail[0]) {
			fprintf(f, "<br><span class=\"small\">");
			esc_text(f, pl->detail);
			fprintf(f, "</span>");
		}
		fprintf(f, "</td><td class=\"start-error\">");
		if (!pl->started_us)
			fprintf(f, "&ndash;");
		else if (pl->join_ms)
			fprintf(f, "joined at %lld s, %+.1f ms", (long long)(pl->join_ms / 1000),
				pl->join_delay_us / 1000.0);
		else
			fprintf(f, "%+.1f ms", pl->start_error_us / 1000.0);
		fprintf(f, "</td></tr>\n");
	}
	if (!p->nplays)
		fprintf(f, "<tr><td colspan=\"5\">Nothing has played yet.</td></tr>\n");
	fprintf(f, "</table></section>\n");
}

void po_status_page_render(FILE *f, const struct po_page *p)
{
	char now[40];
	po_iso8601_local(p->now_ms, now, sizeof now);
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		   "<meta http-equiv=\"refresh\" content=\"%d\">\n<title>",
		PO_STATUS_PAGE_REFRESH_S);
	esc(f, p->station);
	fprintf(f, ": playout</title>\n<style>%s</style></head>\n<body>\n<h1>", STYLE);
	esc(f, p->station);
	fprintf(f, "</h1>\n<p class=\"small\">As of <span id=\"now\">%.10s %.8s</span> "
		   "(station time); this page reloads every %d s.</p>\n",
		now, now + 11, PO_STATUS_PAGE_REFRESH_S);
	on_air(f, p);
	coming(f, p);
	recent(f, p);
	fprintf(f, "</body></html>\n");
}
