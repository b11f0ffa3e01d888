/*
 * playoutctl commands (ctl.h): check, rundown, history, status, plugins.
 * They open the state store read-only, so they run beside the daemon.
 */
#include "ctl.h"

#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "history_page.h"
#include "log.h"
#include "refresh.h"
#include "report.h"
#include "runtime.h"
#include "timeutil.h"

/* Open the runtime for a command; prints every config problem. */
static int ctl_open(struct po_runtime *rt, const char *conf_path, int flags)
{
	struct po_diag d;
	struct playout_error e = {0};
	po_diag_init(&d);
	int rc = po_runtime_open(rt, conf_path, flags, 0, &d, &e);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.msg[i]);
	if (rc < 0 && !d.nerrors)
		fprintf(stderr, "playoutctl: %s\n", e.msg);
	po_diag_free(&d);
	return rc;
}

/* Use the state when there is one (the daemon's last good answers), else none. */
static int state_flag(const char *conf_path)
{
	struct po_config c;
	struct po_diag d;
	int flag = PO_RT_NO_STATE;
	po_diag_init(&d);
	if (po_config_load(&c, conf_path, &d) == PLAYOUT_OK && access(c.state_path, R_OK) == 0)
		flag = PO_RT_STATE_READONLY;
	po_config_free(&c);
	po_diag_free(&d);
	return flag;
}

static int dir_writable(const char *path)
{
	char copy[4096];
	snprintf(copy, sizeof copy, "%s", path);
	return access(dirname(copy), W_OK) == 0;
}

/* How old the daemon's last good answer from a schedule source is: what it
 * plans with while the source fails. */
static void print_schedule_age(struct po_runtime *rt, const char *label, int64_t now_ms)
{
	struct po_state *st = NULL;
	if (po_state_open(rt->conf.state_path, PO_STATE_READONLY, &st, NULL) < 0)
		return;
	int64_t at = po_state_slots_fetched_ms(st, label);
	if (at)
		printf("%s: the daemon's last good answer is %.0f min old\n", label,
		       (now_ms - at) / 60000.0);
	else
		printf("%s: the daemon has no answer from it yet\n", label);
	po_state_close(st);
}

/* What a storage instance counted today (UTC): requests cost money. */
static void print_request_counts(struct po_runtime *rt, const char *label, int64_t now_ms)
{
	char day[40], key[64], *req = NULL, *bytes = NULL;
	struct po_state *st = NULL;
	if (po_state_open(rt->conf.state_path, PO_STATE_READONLY, &st, NULL) < 0)
		return;
	po_iso8601_utc(now_ms, day, sizeof day); /* "2026-11-25T..." cut to the date */
	day[10] = '\0';
	snprintf(key, sizeof key, "requests:%s", day);
	po_state_kv_get(st, label, key, &req);
	snprintf(key, sizeof key, "bytes:%s", day);
	po_state_kv_get(st, label, key, &bytes);
	if (req || bytes)
		printf("%s: today (UTC %s): %s requests, %s bytes\n", label, day, req ? req : "0",
		       bytes ? bytes : "0");
	free(req);
	free(bytes);
	po_state_close(st);
}

/* What check found: problems stop a start; outages only stop it with
 * --strict. */
struct check_tally {
	int problems;
	int outages;
};

/* An answer that says a source is out of reach for now, as against one
 * that says the configuration is wrong. The daemon starts through an
 * outage (it plans from its last good answers and the cache), so check
 * must not stop it for one. EAUTH counts here: a role or a token that is
 * not yet available at boot looks the same as a refused one. */
static int is_outage(int code)
{
	return code == PLAYOUT_EUNAVAIL || code == PLAYOUT_ETIMEOUT || code == PLAYOUT_EAUTH ||
	       code == PLAYOUT_EIO;
}

static void report_failure(struct check_tally *t, const char *label, const struct playout_error *e)
{
	if (is_outage(e->code)) {
		printf("%s: unreachable: %s (an outage, not a configuration error)\n", label,
		       e->msg[0] ? e->msg : "no answer");
		t->outages++;
	} else {
		printf("%s: FAILED: %s\n", label, e->msg[0] ? e->msg : "no reason given");
		t->problems++;
	}
}

/* The state store: an existing file must open (and be writable by this
 * user, the daemon's); a missing one needs a folder the daemon can write. */
static void check_state(struct check_tally *t, const char *path)
{
	if (access(path, F_OK) != 0) {
		if (!dir_writable(path)) {
			printf("state: %s: its folder is not writable by this user\n", path);
			t->problems++;
		}
		return;
	}
	struct po_state *st = NULL;
	struct playout_error e = {0};
	if (po_state_open(path, PO_STATE_READONLY, &st, &e) < 0) {
		printf("state: %s: cannot be opened: %s\n", path, e.msg);
		t->problems++;
		return;
	}
	po_state_close(st);
	if (access(path, W_OK) != 0) {
		printf("state: %s: not writable by this user\n", path);
		t->problems++;
	}
}

static void check_sources(struct check_tally *t, struct po_runtime *rt, int64_t now)
{
	struct po_instance *pi;
	for (size_t i = 0; (pi = po_runtime_nth(rt, PLAYOUT_KIND_SCHEDULE, i)); i++) {
		const struct playout_schedule_ops *ops = pi->mod.plugin->ops.schedule;
		struct playout_slots s = {0};
		struct playout_error e = {0};
		if (ops->fetch(pi->inst, now, now + (int64_t)rt->conf.horizon_h * 3600000, &s, &e) < 0)
			report_failure(t, pi->conf->label, &e);
		else
			printf("%s: ok, %zu slots in the next %d h\n", pi->conf->label, s.n,
			       rt->conf.horizon_h);
		free(s.v);
		print_schedule_age(rt, pi->conf->label, now);
	}
	if (rt->storage) {
		const struct playout_storage_ops *ops = rt->storage->mod.plugin->ops.storage;
		struct playout_assets a = {0};
		struct playout_error e = {0};
		if (ops->list(rt->storage->inst, &a, &e) < 0)
			report_failure(t, rt->storage->conf->label, &e);
		else
			printf("%s: ok, %zu files\n", rt->storage->conf->label, a.n);
		free(a.v);
		print_request_counts(rt, rt->storage->conf->label, now);
	}
}

int po_ctl_check(const char *conf_path, int flags)
{
	struct po_runtime rt;
	struct check_tally t = {0};
	if (ctl_open(&rt, conf_path, PO_RT_NO_STATE) < 0) {
		po_runtime_close(&rt);
		fprintf(stderr, "configuration has errors\n");
		return 1;
	}
	int64_t now = po_clock_now_ms(&rt.clock);
	check_state(&t, rt.conf.state_path);
	if (!(flags & PO_CHECK_OFFLINE))
		check_sources(&t, &rt, now);
	struct po_instance *pi;
	for (size_t i = 0; (pi = po_runtime_nth(&rt, PLAYOUT_KIND_OUTPUT, i)); i++)
		printf("%s: loaded (not connected: the mount may be on air)\n", pi->conf->label);
	po_runtime_close(&rt);
	if (t.problems) {
		printf("%d problem%s\n", t.problems, t.problems == 1 ? "" : "s");
		return 1;
	}
	if (t.outages) {
		printf("configuration OK; %d source%s unreachable: %s\n", t.outages,
		       t.outages == 1 ? "" : "s",
		       (flags & PO_CHECK_STRICT) ? "--strict counts that as a failure"
						 : "the daemon starts and plans from its last good answers and the cache");
		return (flags & PO_CHECK_STRICT) ? 1 : 0;
	}
	printf((flags & PO_CHECK_OFFLINE) ? "configuration OK (sources not asked: --offline)\n"
					  : "configuration OK\n");
	return 0;
}

static void print_item_text(const struct playout_item *it)
{
	char start[40], end[40];
	po_iso8601_local(it->start_ms, start, sizeof start);
	po_iso8601_local(it->end_ms, end, sizeof end);
	printf("%s  %s  %-12s %-16s %s\n", start, end + 11, po_decision_name(it->decision), it->pid,
	       it->title);
	printf("    %s%s%s\n", it->nseg ? it->seg[0].asset : "", it->nseg ? ": " : "", it->reason);
}

int po_ctl_rundown(const char *conf_path, const char *from, int hours, int json)
{
	struct po_runtime rt;
	int64_t from_ms;
	if (ctl_open(&rt, conf_path, state_flag(conf_path)) < 0) {
		po_runtime_close(&rt);
		return 1;
	}
	/* parsed only now: without an offset it is station time */
	if (!from) {
		from_ms = po_clock_now_ms(&rt.clock);
	} else if (po_iso8601_parse(from, &from_ms) < 0) {
		fprintf(stderr, "playoutctl: --from %s: expected ISO 8601, like 2026-03-29T00:00\n", from);
		po_runtime_close(&rt);
		return 2;
	}
	struct po_refresh_opts o = {
		.from_ms = from_ms,
		.to_ms = from_ms + (int64_t)(hours > 0 ? hours : rt.conf.horizon_h) * 3600000,
	};
	struct po_rundown r;
	struct po_plan_inputs in = {0};
	struct playout_error e = {0};
	po_gather_inputs(&rt, NULL, o.from_ms, o.to_ms, NULL, &in);
	int rc = po_refresh(&rt, &o, &in, &r, &e);
	po_plan_inputs_free(&in);
	if (rc < 0) {
		fprintf(stderr, "playoutctl: %s\n", e.msg);
		po_runtime_close(&rt);
		return 1;
	}
	if (json) {
		po_report_rundown_json(stdout, r.v, r.n, 0);
	} else {
		if (!r.n)
			printf("nothing to play in this period\n");
		for (size_t i = 0; i < r.n; i++)
			print_item_text(&r.v[i]);
	}
	po_rundown_free(&r);
	po_runtime_close(&rt);
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* count, p50, p99 and max of |start error| over plays that started. */
static void print_start_error_summary(const struct po_play *v, size_t n)
{
	int64_t *e = calloc(n ? n : 1, sizeof *e);
	size_t k = 0;
	if (!e)
		return;
	/* A join (after a restart, or an output down at the start) is not a
	 * start: its delay has figures of its own. */
	int64_t *jd = calloc(n ? n : 1, sizeof *jd);
	size_t nj = 0;
	if (!jd) {
		free(e);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!v[i].started_us)
			continue;
		if (v[i].join_ms)
			jd[nj++] = llabs(v[i].join_delay_us);
		else
			e[k++] = llabs(v[i].start_error_us);
	}
	if (k) {
		qsort(e, k, sizeof *e, cmp_i64);
		printf("start error over %zu plays: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", k,
		       e[(k - 1) / 2] / 1000.0, e[(size_t)ceil(0.99 * (double)k) - 1] / 1000.0,
		       e[k - 1] / 1000.0);
	}
	if (nj) {
		qsort(jd, nj, sizeof *jd, cmp_i64);
		printf("join delay over %zu joins: p50 %.1f ms, max %.1f ms\n", nj,
		       jd[(nj - 1) / 2] / 1000.0, jd[nj - 1] / 1000.0);
	}
	free(jd);
	free(e);
}

/* Each outage of play p on a line of its own under it. */
static void print_gaps_text(struct po_state *st, const struct po_play *p)
{
	struct po_play_gap *g = NULL;
	size_t n = 0;
	if (!p->ngaps || po_state_get_play_gaps(st, p->id, &g, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char at[40];
		po_iso8601_utc(g[i].at_ms, at, sizeof at);
		printf("    down %s for %.1f s, %.1f s of audio lost, back %+.1f ms: %s\n", at,
		       g[i].length_ms / 1000.0, g[i].skipped_ms / 1000.0,
		       g[i].resume_delay_us / 1000.0, g[i].reason);
	}
	free(g);
}

int po_ctl_history(const char *conf_path, int json, const char *limit, const char *before)
{
	struct po_runtime rt;
	struct po_history_page pg;
	char why[200];
	size_t first = 0, count = 0;
	if (po_history_page_parse(limit, before, 0, &pg, why, sizeof why) < 0) {
		fprintf(stderr, "playoutctl: history: %s\n", why);
		return 2;
	}
	if (ctl_open(&rt, conf_path, PO_RT_STATE_READONLY | PO_RT_NO_PLUGINS) < 0) {
		po_runtime_close(&rt);
		return 1;
	}
	struct po_play *v = NULL;
	size_t n = 0;
	if (po_state_get_plays(rt.state, INT64_MIN, pg.before_id ? INT64_MAX : pg.before_ms, &v,
			       &n) < 0) {
		fprintf(stderr, "playoutctl: cannot read the history\n");
		po_runtime_close(&rt);
		return 1;
	}
	if (po_history_page_pick(v, n, &pg, &first, &count, why, sizeof why) < 0) {
		fprintf(stderr, "playoutctl: history: %s\n", why);
		free(v);
		po_runtime_close(&rt);
		return 1;
	}
	/* the page only: the summary below covers what is shown */
	if (first)
		memmove(v, v + first, count * sizeof *v);
	n = count;
	if (json)
		po_report_history_json(stdout, rt.state, v, n, 0);
	for (size_t i = 0; i < n && !json; i++) {
		const struct po_play *p = &v[i];
		char sched[40], err[32];
		po_iso8601_local(p->scheduled_ms, sched, sizeof sched);
		if (p->join_ms)
			snprintf(err, sizeof err, "join %+.1f ms", p->join_delay_us / 1000.0);
		else
			snprintf(err, sizeof err, "%+.1f ms", p->start_error_us / 1000.0);
		printf("%s  %-16s %-14s %15s  %-11s %10lld B  %s%s%s\n", sched, p->pid, p->output,
		       err, p->outcome, (long long)p->bytes, p->asset, p->detail[0] ? "  " : "",
		       p->detail);
		print_gaps_text(rt.state, p);
	}
	if (!json && !n)
		printf("nothing has played yet\n");
	else if (!json)
		print_start_error_summary(v, n);
	free(v);
	po_runtime_close(&rt);
	return 0;
}

/* One output's status as of now: the position moves on from the row's
 * update while on air. */
static void print_output_status(const struct po_output_status *o, int64_t now)
{
	int on_air = strcmp(o->state, "on air") == 0;
	int64_t pos = po_report_position_ms(o, now);
	char since[40], end[40];
	po_iso8601_local(o->since_ms, since, sizeof since);
	printf("%s: %s since %s", o->output, o->state, since);
	if (o->pid[0]) {
		po_iso8601_local(o->end_ms, end, sizeof end);
		printf(", %s \"%s\" at %.1f s, %.1f s left (ends %s)", o->pid, o->title,
		       pos / 1000.0, (o->end_ms - o->scheduled_ms - pos) / 1000.0, end);
		if (on_air)
			printf(", %+lld ms ahead", (long long)o->lead_ms);
	}
	printf("\n");
	if (o->last_error[0]) {
		char at[40];
		po_iso8601_local(o->error_ms, at, sizeof at);
		printf("  last error at %s: %s\n", at, o->last_error);
	}
}

int po_ctl_status(const char *conf_path, int json)
{
	struct po_runtime rt;
	if (ctl_open(&rt, conf_path, PO_RT_STATE_READONLY | PO_RT_NO_PLUGINS) < 0) {
		po_runtime_close(&rt);
		return 1;
	}
	int64_t now = po_clock_now_ms(&rt.clock);
	struct po_status s;
	po_status_read(rt.state, now, &s);
	if (json) {
		po_report_status_json(stdout, &s, now, 0);
		po_status_free(&s);
		po_runtime_close(&rt);
		return 0;
	}
	for (size_t i = 0; i < s.nouts; i++)
		print_output_status(&s.outs[i], now);
	if (!s.nouts)
		printf("no output has reported (is playoutd running?)\n");
	if (s.next) {
		char at[40];
		po_iso8601_local(s.next->start_ms, at, sizeof at);
		printf("next: %s \"%s\" at %s, in %.1f s (%s)\n", s.next->pid, s.next->title, at,
		       (s.next->start_ms - now) / 1000.0, po_decision_name(s.next->decision));
	}
	for (size_t i = 0; i < rt.conf.ninst; i++) {
		const struct po_instance_conf *ic = &rt.conf.inst[i];
		if (ic->kind != PLAYOUT_KIND_SCHEDULE)
			continue;
		int64_t at = po_state_slots_fetched_ms(rt.state, ic->label);
		if (at)
			printf("schedule %s: last good answer %.0f min old\n", ic->label,
			       (now - at) / 60000.0);
		else
			printf("schedule %s: no answer yet\n", ic->label);
	}
	po_status_free(&s);
	po_runtime_close(&rt);
	return 0;
}

/* "(required)", "(1..65535, default 8000)", "(one of http, icy; default
 * http)": what a key accepts, from the settings table the core enforces. */
static void print_setting(const struct playout_setting *s)
{
	char what[256] = "";
	size_t n = 0;

#define ADD(...)                                                                   \
	do {                                                                       \
		int k_ = snprintf(what + n, sizeof what - n, __VA_ARGS__);         \
		if (k_ > 0 && (size_t)k_ < sizeof what - n)                        \
			n += (size_t)k_;                                           \
	} while (0)
	if (s->required)
		ADD("required");
	if ((s->type == PLAYOUT_SET_INT || s->type == PLAYOUT_SET_FLOAT) && s->min != s->max)
		ADD("%s%lld..%lld", n ? ", " : "", (long long)s->min, (long long)s->max);
	for (size_t i = 0; s->choices && s->choices[i]; i++)
		ADD("%s%s", i ? ", " : n ? "; one of " : "one of ", s->choices[i]);
	if (s->def && !s->required)
		ADD("%sdefault %s", n ? (s->choices ? "; " : ", ") : "", *s->def ? s->def : "\"\"");
#undef ADD
	printf("    %-18s %s%s%s%s\n", s->name, n ? "(" : "", what, n ? ") " : "",
	       s->help ? s->help : "");
}

static void print_module(const struct po_module *m, void *arg)
{
	(void)arg;
	const struct playout_plugin *p = m->plugin;
	printf("%-12s %-9s %s\n    %s (contract %d.%d)\n", p->name, po_kind_name(p->kind),
	       p->description ? p->description : "", m->path, p->abi_major, p->abi_minor);
	for (const struct playout_setting *s = p->settings; s && s->name; s++)
		print_setting(s);
}

int po_ctl_plugins(const char *conf_path)
{
	struct po_config c;
	struct po_diag d;
	struct playout_error e = {0};
	const char *dir = NULL;
	po_diag_init(&d);
	memset(&c, 0, sizeof c);
	if (conf_path && po_config_load(&c, conf_path, &d) == PLAYOUT_OK)
		dir = c.plugin_dir;
	if (po_loader_init(&e) == PLAYOUT_OK) {
		po_loader_each(dir, print_module, NULL);
		po_loader_exit();
	}
	if (conf_path)
		po_config_free(&c);
	po_diag_free(&d);
	return 0;
}
