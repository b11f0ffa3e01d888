/*
 * The --json documents of status, rundown and history (report.h), shared by
 * playoutctl and the status server. Text output stays in ctl.c.
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "redact.h"
#include "rundown.h"
#include "timeutil.h"

void po_status_read(struct po_state *st, int64_t now_ms, struct po_status *s)
{
	memset(s, 0, sizeof *s);
	po_state_get_output_status(st, &s->outs, &s->nouts);
	po_state_get_rundown(st, now_ms, now_ms + 86400000, &s->items, &s->nitems);
	for (size_t i = 0; i < s->nitems && !s->next; i++)
		if (s->items[i].start_ms > now_ms && s->items[i].nseg)
			s->next = &s->items[i];
}

void po_status_free(struct po_status *s)
{
	free(s->outs);
	free(s->items);
	memset(s, 0, sizeof *s);
}

int64_t po_report_position_ms(const struct po_output_status *o, int64_t now_ms)
{
	int64_t pos = o->position_ms + (o->pid[0] ? now_ms - o->updated_ms : 0);
	if (o->end_ms && pos > o->end_ms - o->scheduled_ms)
		pos = o->end_ms - o->scheduled_ms;
	return pos;
}

/* A free-text field: as it is, or with PO_REPORT_REDACT its paths cut. */
static void kv_text(FILE *f, int first, const char *key, const char *value, int flags)
{
	char buf[1024];
	if (flags & PO_REPORT_REDACT) {
		po_redact_paths(value, buf, sizeof buf);
		value = buf;
	}
	po_json_kv_str(f, first, key, value);
}

static void output_json(FILE *f, const struct po_output_status *o, int64_t now, int first,
			int flags)
{
	int on_air = strcmp(o->state, "on air") == 0;
	int64_t pos = po_report_position_ms(o, now);
	fprintf(f, "%s{", first ? "" : ", ");
	po_json_kv_str(f, 1, "output", o->output);
	po_json_kv_str(f, 0, "state", o->state);
	fprintf(f, ", \"connected\": %s", on_air ? "true" : "false");
	po_json_kv_time(f, 0, "since", o->since_ms);
	if (o->last_error[0]) {
		kv_text(f, 0, "last_error", o->last_error, flags);
		po_json_kv_time(f, 0, "last_error_at", o->error_ms);
	} else {
		fprintf(f, ", \"last_error\": null");
	}
	if (o->pid[0]) {
		fprintf(f, ", \"item\": {");
		po_json_kv_str(f, 1, "pid", o->pid);
		po_json_kv_str(f, 0, "title", o->title);
		po_json_kv_time(f, 0, "scheduled", o->scheduled_ms);
		po_json_kv_time(f, 0, "end", o->end_ms);
		fprintf(f, "}, \"position_s\": %.3f, \"left_s\": %.3f", pos / 1000.0,
			(o->end_ms - o->scheduled_ms - pos) / 1000.0);
		if (on_air)
			fprintf(f, ", \"lead_ms\": %lld", (long long)o->lead_ms);
		else
			fprintf(f, ", \"lead_ms\": null");
	} else {
		fprintf(f, ", \"item\": null");
	}
	po_json_kv_time(f, 0, "updated", o->updated_ms);
	fprintf(f, "}");
}

void po_report_status_json(FILE *f, const struct po_status *s, int64_t now_ms, int flags)
{
	fprintf(f, "{\"outputs\": [");
	for (size_t i = 0; i < s->nouts; i++)
		output_json(f, &s->outs[i], now_ms, i == 0, flags);
	fprintf(f, "], \"next\": ");
	const struct playout_item *next = s->next;
	if (next) {
		fprintf(f, "{");
		po_json_kv_time(f, 1, "start", next->start_ms);
		fprintf(f, ", \"starts_in_s\": %.3f", (next->start_ms - now_ms) / 1000.0);
		po_json_kv_str(f, 0, "pid", next->pid);
		po_json_kv_str(f, 0, "title", next->title);
		po_json_kv_str(f, 0, "decision", po_decision_name(next->decision));
		fprintf(f, "}");
	} else {
		fprintf(f, "null");
	}
	fprintf(f, "}\n");
}

static void item_json(FILE *f, const struct playout_item *it, int first, int flags)
{
	fprintf(f, "%s\n  {", first ? "" : ",");
	po_json_kv_time(f, 1, "start", it->start_ms);
	po_json_kv_time(f, 0, "end", it->end_ms);
	po_json_kv_str(f, 0, "pid", it->pid);
	po_json_kv_str(f, 0, "title", it->title);
	po_json_kv_str(f, 0, "decision", po_decision_name(it->decision));
	po_json_kv_str(f, 0, "source", it->source);
	po_json_kv_int(f, 0, "cap_s", it->cap_s);
	kv_text(f, 0, "reason", it->reason, flags);
	fprintf(f, ", \"segments\": [");
	for (size_t s = 0; s < it->nseg; s++) {
		fprintf(f, "%s{", s ? ", " : "");
		po_json_kv_str(f, 1, "asset", it->seg[s].asset);
		po_json_kv_int(f, 0, "first_frame", it->seg[s].first_frame);
		po_json_kv_int(f, 0, "nframes", it->seg[s].nframes);
		fprintf(f, "}");
	}
	fprintf(f, "]}");
}

void po_report_rundown_json(FILE *f, const struct playout_item *v, size_t n, int flags)
{
	fprintf(f, "[");
	for (size_t i = 0; i < n; i++)
		item_json(f, &v[i], i == 0, flags);
	fprintf(f, "%s]\n", n ? "\n" : "");
}

static void gaps_json(FILE *f, struct po_state *st, const struct po_play *p, int flags)
{
	struct po_play_gap *g = NULL;
	size_t n = 0;
	fprintf(f, ", \"gaps\": [");
	if (p->ngaps && po_state_get_play_gaps(st, p->id, &g, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			fprintf(f, "%s{", i ? ", " : "");
			po_json_kv_time(f, 1, "at", g[i].at_ms);
			fprintf(f, ", \"length_s\": %.3f, \"lost_s\": %.3f, \"resume_delay_ms\": %.3f",
				g[i].length_ms / 1000.0, g[i].skipped_ms / 1000.0,
				g[i].resume_delay_us / 1000.0);
			kv_text(f, 0, "reason", g[i].reason, flags);
			fprintf(f, "}");
		}
	}
	free(g);
	fprintf(f, "]");
}

static void play_json(FILE *f, struct po_state *st, const struct po_play *p, int first,
		      int flags)
{
	char started[40];
	po_iso8601_utc(p->started_us / 1000, started, sizeof started);
	fprintf(f, "%s\n  {", first ? "" : ",");
	po_json_kv_time(f, 1, "scheduled", p->scheduled_ms);
	/* started keeps milliseconds even when they are zero; null while no
	 * audio went out (an output down from the item's start) */
	if (!p->started_us)
		fprintf(f, ", \"started\": null");
	else
		fprintf(f, ", \"started\": \"%.19s.%03lldZ\"", started,
			(long long)((p->started_us / 1000) % 1000 + 1000) % 1000);
	/* null for a join (it has no start error) and for no start at all */
	if (p->join_ms || !p->started_us)
		fprintf(f, ", \"start_error_ms\": null");
	else
		fprintf(f, ", \"start_error_ms\": %.3f", p->start_error_us / 1000.0);
	po_json_kv_int(f, 0, "join_ms", p->join_ms);
	if (p->join_ms)
		fprintf(f, ", \"join_delay_ms\": %.3f", p->join_delay_us / 1000.0);
	fprintf(f, ", \"lost_s\": %.3f", p->lost_ms / 1000.0);
	gaps_json(f, st, p, flags);
	po_json_kv_str(f, 0, "output", p->output);
	po_json_kv_int(f, 0, "bytes", p->bytes);
	po_json_kv_str(f, 0, "outcome", p->outcome);
	po_json_kv_str(f, 0, "pid", p->pid);
	po_json_kv_str(f, 0, "title", p->title);
	po_json_kv_str(f, 0, "asset", p->asset);
	po_json_kv_str(f, 0, "decision", po_decision_name(p->decision));
	if (p->ended_ms)
		po_json_kv_time(f, 0, "ended", p->ended_ms);
	kv_text(f, 0, "detail", p->detail, flags);
	/* the cursor of the next older page: before=<id> */
	po_json_kv_int(f, 0, "id", p->id);
	fprintf(f, "}");
}

void po_report_history_json(FILE *f, struct po_state *st, const struct po_play *v, size_t n,
			    int flags)
{
	fprintf(f, "[");
	for (size_t i = 0; i < n; i++)
		play_json(f, st, &v[i], i == 0, flags);
	fprintf(f, "%s]\n", n ? "\n" : "");
}
