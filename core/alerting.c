/*
 * The daemon's side of the alarms (alerting.h): facts in, events out. The
 * rules themselves are alarms.c's; the deliveries notify.c's.
 */
#include "alerting.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "cache.h"
#include "inputs.h"
#include "log.h"
#include "media_scan.h"
#include "state_alarms.h"
#include "timeutil.h"

#define MAX_SOURCES 32
/* Resolved and one-shot alarms are kept this long, then forgotten. */
#define ALARM_KEEP_MS (14LL * 24 * 3600 * 1000)

/* Where a volunteer puts a file: the storage's folder or bucket, when its
 * group says (localdisk path, s3 bucket/prefix). */
static void upload_hint(const struct po_runtime *rt, char *buf, size_t n)
{
	const char *path = NULL, *bucket = NULL, *prefix = NULL;
	buf[0] = '\0';
	if (!rt->storage)
		return;
	config_setting_lookup_string(rt->storage->conf->group, "path", &path);
	config_setting_lookup_string(rt->storage->conf->group, "bucket", &bucket);
	config_setting_lookup_string(rt->storage->conf->group, "prefix", &prefix);
	if (path)
		snprintf(buf, n, "the folder %s", path);
	else if (bucket)
		snprintf(buf, n, "the bucket s3://%s/%s", bucket, prefix ? prefix : "");
	else
		snprintf(buf, n, "the storage (%s)", rt->storage->conf->label);
}

static void post(struct po_runtime *rt, struct po_notify *n, const struct po_alarm *a,
		 const char *type, int64_t now_ms)
{
	struct po_alert_send s;
	memset(&s, 0, sizeof s);
	po_alarm_setf(s.key, sizeof s.key, "%s", a->key);
	po_alarm_setf(s.type, sizeof s.type, "%s", type);
	s.cause_type = a->type;
	s.level = a->level;
	po_alarm_setf(s.pid, sizeof s.pid, "%s", a->pid);
	po_alarm_setf(s.title, sizeof s.title, "%s", a->title);
	s.start_ms = a->start_ms;
	po_alarm_setf(s.message, sizeof s.message, "%s", a->message);
	po_alarm_setf(s.body, sizeof s.body, "%s", a->body);
	s.event_ms = now_ms;
	int k = po_notify_post(n, &s);
	po_log(strcmp(type, "resolved") ? a->level : PLAYOUT_LOG_NOTICE, "alarm",
	       "%s (%s; to %d instance%s)", a->message, a->key, k, k == 1 ? "" : "s");
	(void)rt;
}

/* The integrated loudness of each dated file ahead that the probe
 * measured (NAN otherwise), from its stored scan. */
static double *loudness(struct po_runtime *rt, const struct playout_assets *cat, int64_t now_ms)
{
	double *v = malloc((cat->n ? cat->n : 1) * sizeof *v);
	if (!v)
		return NULL;
	for (size_t i = 0; i < cat->n; i++) {
		const struct playout_asset *a = &cat->v[i];
		char path[4096], *text = NULL;
		struct po_media m;
		v[i] = NAN;
		if (!a->start_ms || a->start_ms <= now_ms || !a->duration_ms || !rt->state ||
		    a->start_ms > now_ms + (int64_t)rt->conf.horizon_h * 3600000 ||
		    po_cache_path(rt->conf.cache_dir, a->name, path, sizeof path, NULL) < 0 ||
		    po_state_media_get(rt->state, path, a->size, a->mtime_ms, &text) != PLAYOUT_OK)
			continue;
		if (po_media_decode(text, &m) == PLAYOUT_OK && m.probed && isfinite(m.probe.integrated_lufs))
			v[i] = m.probe.integrated_lufs;
		free(text);
	}
	return v;
}

static void apply_diff(struct po_runtime *rt, struct po_notify *n, const struct po_alarms *causes,
		       const struct po_alarm_row *rows, const struct po_alarm_diff *df, int64_t now)
{
	for (size_t i = 0; i < df->nraise; i++) {
		const struct po_alarm *a = &causes->v[df->raise[i]];
		if (po_state_alarm_raise(rt->state, a, now) == PLAYOUT_OK)
			post(rt, n, a, po_alarm_type_name(a->type), now);
	}
	for (size_t i = 0; i < df->nresolve; i++) {
		const struct po_alarm_row *r = &rows[df->resolve[i]];
		struct po_alarm a = { .type = r->type, .level = r->level, .start_ms = r->start_ms };
		po_alarm_setf(a.key, sizeof a.key, "%s", r->key);
		po_alarm_setf(a.pid, sizeof a.pid, "%s", r->pid);
		po_alarm_setf(a.title, sizeof a.title, "%s", r->title);
		po_alarm_setf(a.message, sizeof a.message, "resolved: %s (%s)",
			 po_alarm_type_name(r->type), r->key);
		po_alarm_setf(a.body, sizeof a.body, "The problem is over: %s%s%s no longer stands.\n",
			 po_alarm_type_name(r->type), r->pid[0] ? " for " : "", r->pid);
		if (po_state_alarm_resolve(rt->state, r->key, now) == PLAYOUT_OK)
			post(rt, n, &a, "resolved", now);
	}
	for (size_t i = 0; i < df->nexpire; i++)
		po_state_alarm_forget(rt->state, rows[df->expire[i]].key);
}

void po_alerting_round(struct po_runtime *rt, struct po_notify *n, const struct po_rundown *r,
		       const struct po_plan_inputs *pin, struct po_inputs *inputs,
		       int files_known, const struct po_alerting_outputs *out, int64_t now_ms)
{
	struct po_source_health src[MAX_SOURCES];
	char hint[600];
	struct po_alarm_facts f = {
		.now_ms = now_ms,
		.items = r->v, .nitems = r->n,
		.slots = pin->slots.v, .nslots = pin->slots.n,
		.assets = pin->cat.v, .nassets = pin->cat.n,
		.sources = src,
		.disk_free_mb = -1,
		.cache_dir = rt->conf.cache_dir,
		.upload_hint = hint,
	};
	struct po_alarms causes = {0};
	struct po_alarm_row *rows = NULL;
	size_t nrows = 0;
	struct po_alarm_diff df = {0};
	struct statvfs vfs;
	const char **names = calloc(out->n + 1, sizeof *names);
	const char **errors = calloc(out->n + 1, sizeof *errors);
	int64_t *since = calloc(out->n + 1, sizeof *since);
	int *due = calloc(out->n + 1, sizeof *due);
	double *lufs = loudness(rt, &pin->cat, now_ms);
	int answered = 1;

	if (!rt->state || !names || !errors || !since || !due || !lufs)
		goto out;
	upload_hint(rt, hint, sizeof hint);
	f.lufs = lufs;
	if (inputs)
		f.nsources = po_inputs_health(inputs, src, MAX_SOURCES, &answered, &f.storage_failing,
					      &f.storage_failing_since_ms, f.storage_why,
					      sizeof f.storage_why);
	if (statvfs(rt->conf.cache_dir, &vfs) == 0)
		f.disk_free_mb = (int64_t)((unsigned long long)vfs.f_bavail * vfs.f_frsize >> 20);
	for (size_t i = 0; i < out->n; i++) {
		const struct po_output_status *o = &out->rec[i].status;
		names[i] = o->output;
		errors[i] = o->last_error;
		since[i] = strcmp(o->state, "down") == 0 ? o->since_ms : 0;
		due[i] = o->pid[0] && o->scheduled_ms <= now_ms && o->end_ms > now_ms;
	}
	f.files_unknown = !files_known || !answered;
	f.noutputs = out->n;
	f.output_names = names;
	f.output_errors = errors;
	f.output_down_since_ms = since;
	f.output_item_due = due;
	if (po_alarms_collect(&rt->conf.alarms, &f, &causes) < 0 ||
	    po_state_alarm_rows(rt->state, &rows, &nrows) < 0 ||
	    po_alarms_diff(causes.v, causes.n, rows, nrows, now_ms, &df) < 0)
		goto out;
	apply_diff(rt, n, &causes, rows, &df, now_ms);
	po_state_alarm_prune(rt->state, now_ms - ALARM_KEEP_MS);
out:
	po_alarm_diff_free(&df);
	free(rows);
	po_alarms_free(&causes);
	free(lufs);
	free(names);
	free(errors);
	free(since);
	free(due);
}

/* A one-shot alarm: said when its key was never said. */
static void oneshot(struct po_runtime *rt, struct po_notify *n, struct po_alarm *a, int64_t now)
{
	struct po_alarm_row *rows = NULL;
	size_t nrows = 0;
	struct po_alarm_diff df = {0};
	a->oneshot = 1;
	if (!rt->state || po_state_alarm_rows(rt->state, &rows, &nrows) < 0)
		return;
	if (po_alarms_diff(a, 1, rows, nrows, now, &df) == PLAYOUT_OK && df.nraise == 1 &&
	    po_state_alarm_raise(rt->state, a, now) == PLAYOUT_OK)
		post(rt, n, a, po_alarm_type_name(a->type), now);
	po_alarm_diff_free(&df);
	free(rows);
}

static void when(int64_t ms, char *buf, size_t n)
{
	char local[40], utc[40];
	po_iso8601_local(ms, local, sizeof local);
	po_iso8601_utc(ms, utc, sizeof utc);
	snprintf(buf, n, "%s (%s)", local, utc);
}

/* 1 when the state holds the crash alarm of this programme (said by
 * po_alerting_daemon at start-up for a play the last run left open). */
static int crashed_during(struct po_runtime *rt, const struct po_play *p)
{
	struct po_alarm_row *rows = NULL;
	size_t nrows = 0;
	int found = 0;
	if (!rt->state || po_state_alarm_rows(rt->state, &rows, &nrows) < 0)
		return 0;
	for (size_t i = 0; i < nrows && !found; i++)
		found = rows[i].type == PO_ALARM_DAEMON && rows[i].start_ms == p->scheduled_ms &&
			!strcmp(rows[i].pid, p->pid) && strstr(rows[i].key, "crash") != NULL;
	free(rows);
	return found;
}

/* A play that joins its programme after a crash: the daemon says it is
 * back on air with it, and where, once per output and programme. */
static void resumed(struct po_runtime *rt, struct po_notify *n, const struct po_play *p,
		    const char *at, int64_t now_ms)
{
	struct po_alarm a = { .type = PO_ALARM_DAEMON, .level = PLAYOUT_LOG_WARN,
			      .start_ms = p->scheduled_ms };
	int64_t s = p->join_ms / 1000;
	po_alarm_setf(a.pid, sizeof a.pid, "%s", p->pid);
	po_alarm_setf(a.title, sizeof a.title, "%s", p->title);
	po_alarm_setf(a.key, sizeof a.key, "daemon:resumed:%s:%s:%lld", p->output, p->pid,
		      (long long)p->scheduled_ms);
	po_alarm_setf(a.message, sizeof a.message,
		      "%s: playoutd resumed %s \"%s\" on %s at +%02lld:%02lld after a crash",
		      rt->conf.station, p->pid, p->title, p->output, (long long)(s / 60),
		      (long long)(s % 60));
	po_alarm_setf(a.body, sizeof a.body,
		      "Programme:   %s (%s)\nAirs:        %s\nProblem:     playoutd stopped without closing it (a crash or a kill).\nNow:         back on air on %s from %.1f s into the programme, %.1f ms after that frame's time; the audio in between was lost.\n",
		      p->title, p->pid, at, p->output, p->join_ms / 1000.0, p->join_delay_us / 1000.0);
	oneshot(rt, n, &a, now_ms);
}

void po_alerting_play(struct po_runtime *rt, struct po_notify *n, const struct po_play *p,
		      int64_t now_ms)
{
	struct po_alarm a = { .start_ms = p->scheduled_ms, .level = PLAYOUT_LOG_WARN };
	char at[100];
	when(p->scheduled_ms, at, sizeof at);
	po_alarm_setf(a.pid, sizeof a.pid, "%s", p->pid);
	po_alarm_setf(a.title, sizeof a.title, "%s", p->title);
	if (p->decision == PLAYOUT_DECISION_FALLBACK) {
		a.type = PO_ALARM_FALLBACK;
		po_alarm_setf(a.key, sizeof a.key, "fallback:%s:%lld", p->pid, (long long)p->scheduled_ms);
		po_alarm_setf(a.message, sizeof a.message, "%s \"%s\" is on air with the fallback %s",
			 p->pid, p->title, p->asset);
		po_alarm_setf(a.body, sizeof a.body,
			 "Programme:   %s (%s)\nAirs:        %s\nProblem:     its own file did not arrive in time.\nInstead:     %s is on air now.\n",
			 p->title, p->pid, at, p->asset);
		oneshot(rt, n, &a, now_ms);
	}
	if (p->join_ms && crashed_during(rt, p))
		resumed(rt, n, p, at, now_ms);
	if (!p->join_ms && p->start_error_us > (int64_t)rt->conf.alarms.late_start_ms * 1000) {
		a.type = PO_ALARM_LATE_START;
		po_alarm_setf(a.key, sizeof a.key, "late-start:%s:%lld", p->output,
			 (long long)p->scheduled_ms);
		po_alarm_setf(a.message, sizeof a.message, "%s started %.1f s late on %s", p->pid,
			 p->start_error_us / 1e6, p->output);
		po_alarm_setf(a.body, sizeof a.body,
			 "Programme:   %s (%s)\nAirs:        %s\nProblem:     it went on air %.3f s after its time on %s (the limit is %d ms).\n",
			 p->title, p->pid, at, p->start_error_us / 1e6, p->output,
			 rt->conf.alarms.late_start_ms);
		oneshot(rt, n, &a, now_ms);
	}
}

void po_alerting_daemon(struct po_runtime *rt, struct po_notify *n, const char *what,
			const char *pid, const char *title, int64_t start_ms, int64_t now_ms)
{
	struct po_alarm a = { .type = PO_ALARM_DAEMON, .level = PLAYOUT_LOG_WARN,
			      .start_ms = start_ms };
	po_alarm_setf(a.key, sizeof a.key, "daemon:%s:%s:%lld", what, pid ? pid : "",
		 (long long)now_ms);
	po_alarm_setf(a.pid, sizeof a.pid, "%s", pid ? pid : "");
	po_alarm_setf(a.title, sizeof a.title, "%s", title ? title : "");
	if (pid && pid[0])
		po_alarm_setf(a.message, sizeof a.message,
			      "%s: playoutd %s %s \"%s\" was on air; it rejoins the programme if it is still on",
			      rt->conf.station, what, pid, title ? title : "");
	else
		po_alarm_setf(a.message, sizeof a.message, "%s: playoutd %s", rt->conf.station, what);
	po_alarm_setf(a.body, sizeof a.body, "%s.\n", a.message);
	oneshot(rt, n, &a, now_ms);
}
