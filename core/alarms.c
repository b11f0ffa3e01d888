/*
 * The alarm rules (alarms.h): which causes stand given the facts, and what
 * changed against what was already said. Pure; the daemon's side that
 * gathers the facts and sends the events is alerting.c.
 */
#include "alarms.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <playout/util.h>

#include "catalog.h"
#include "rundown.h"
#include "timeutil.h"

static const char *const type_names[PO_ALARM_NTYPES + 1] = {
	[PO_ALARM_SLOT_MISSING] = "slot-missing",
	[PO_ALARM_FILE_REJECTED] = "file-rejected",
	[PO_ALARM_FALLBACK] = "fallback",
	[PO_ALARM_OUTPUT_DOWN] = "output-down",
	[PO_ALARM_SCHEDULE_STALE] = "schedule-stale",
	[PO_ALARM_STORAGE_UNREACHABLE] = "storage-unreachable",
	[PO_ALARM_DISK_LOW] = "disk-low",
	[PO_ALARM_LATE_START] = "late-start",
	[PO_ALARM_DAEMON] = "daemon",
	[PO_ALARM_NTYPES] = "resolved",
};

const char *po_alarm_type_name(int type)
{
	return type >= 0 && type <= PO_ALARM_NTYPES ? type_names[type] : NULL;
}

int po_alarm_type_parse(const char *s)
{
	for (int i = 0; i <= PO_ALARM_NTYPES; i++)
		if (!strcmp(s, type_names[i]))
			return i;
	return -1;
}

void po_alarm_conf_default(struct po_alarm_conf *c)
{
	static const int leads[] = { 1440, 120, 15 };
	memset(c, 0, sizeof *c);
	memcpy(c->missing_leads_min, leads, sizeof leads);
	c->nleads = sizeof leads / sizeof leads[0];
	c->schedule_stale_min = 60;
	c->storage_unreachable_min = 15;
	c->disk_low_mb = 1024;
	c->output_down_s = 30;
	c->late_start_ms = 1000;
	c->lufs_min = -30;
	c->lufs_max = -8;
}

int po_alarm_filter_pass(const struct po_alarm_filter *f, int type, const char *pid, int level)
{
	if (type < 0 || type >= PO_ALARM_NTYPES || !(f->types & (1u << type)))
		return 0;
	if (level > f->min_level)
		return 0; /* enum playout_log_level: smaller is more urgent */
	if (f->pids) {
		for (size_t i = 0; i < f->npids; i++)
			if (pid && !strcasecmp(pid, f->pids[i]))
				return 1;
		return 0;
	}
	return 1;
}

int po_alarms_push(struct po_alarms *a, const struct po_alarm *x)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		struct po_alarm *v = realloc(a->v, cap * sizeof *v);
		if (!v)
			return PLAYOUT_ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = *x;
	return PLAYOUT_OK;
}

void po_alarms_free(struct po_alarms *a)
{
	if (!a)
		return;
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

void po_alarm_setf(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(dst, n, fmt, ap);
	va_end(ap);
	if (len >= 0 && (size_t)len >= n && n > 1)
		dst[playout_utf8_cut(dst, n - 1)] = '\0';
}

void po_alarm_expected_name(const struct playout_slot *s, char *buf, size_t n)
{
	struct tm tm;
	if (s->expected_file[0]) {
		snprintf(buf, n, "%s", s->expected_file);
		return;
	}
	po_tz_to_local(s->start_ms, &tm);
	snprintf(buf, n, "%04d%02d%02d_%02d%02d_%s.mp3", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, s->pid);
}

/* "Sat 5 Dec 2026 14:00 GMT (2026-12-05T14:00:00Z)": station time for
 * people, UTC beside it for anyone elsewhere. */
static void when(int64_t utc_ms, char *buf, size_t n)
{
	struct tm tm;
	char local[64], utc[40];
	po_tz_to_local(utc_ms, &tm);
	strftime(local, sizeof local, "%a %e %b %Y %H:%M %Z", &tm);
	po_iso8601_utc(utc_ms, utc, sizeof utc);
	snprintf(buf, n, "%s (%s)", local[0] == ' ' ? local + 1 : local, utc);
}

static const struct playout_slot *slot_of(const struct po_alarm_facts *f,
					  const struct playout_item *it)
{
	for (size_t i = 0; i < f->nslots; i++) {
		const struct playout_slot *s = &f->slots[i];
		if (s->start_ms == it->start_ms && s->type == PLAYOUT_SLOT_RECORDED &&
		    !strcasecmp(s->pid, it->pid))
			return s;
	}
	return NULL;
}

/* The smallest lead (minutes) the time left is within, or -1. */
static int lead_stage(const struct po_alarm_conf *c, int64_t left_ms)
{
	int stage = -1;
	for (size_t i = 0; i < c->nleads; i++) {
		int l = c->missing_leads_min[i];
		if (left_ms <= (int64_t)l * 60000 && (stage < 0 || l < stage))
			stage = l;
	}
	return stage;
}

static void left_text(int64_t ms, char *buf, size_t n)
{
	int64_t min = (ms + 59999) / 60000;
	if (min >= 120)
		snprintf(buf, n, "%lld h %02lld min", (long long)(min / 60), (long long)(min % 60));
	else
		snprintf(buf, n, "%lld min", (long long)min);
}

/* A planned item whose file has arrived but is not measured yet (the
 * short-file rule and the probe may still turn it down): its missing-file
 * alarm is neither resolved nor said again until it is. */
static int unmeasured(const struct po_alarm_facts *f, const struct playout_item *it)
{
	if (it->nseg == 0 || it->start_ms <= f->now_ms || !slot_of(f, it))
		return 0;
	const struct playout_asset *a = po_catalog_find(f->assets, f->nassets, it->seg[0].asset);
	return a && a->duration_ms == 0 && a->flags == 0;
}

static void hold_key(struct po_alarm *a, const char *type, const struct playout_item *it)
{
	po_alarm_setf(a->key, sizeof a->key, "%s:%s:%lld", type, it->pid, (long long)it->start_ms);
}

/* The last lead time (minutes): from then on a fallback in the plan is
 * what will be on air, not a guess a day ahead. */
static int last_lead_min(const struct po_alarm_conf *c)
{
	int l = c->nleads ? c->missing_leads_min[0] : 15;
	for (size_t i = 1; i < c->nleads; i++)
		if (c->missing_leads_min[i] < l)
			l = c->missing_leads_min[i];
	return l;
}

/* A recorded programme the plan fills with its fallback, from the last
 * lead time until it has aired: said once, resolved when its own file
 * arrives before air. It stands while the fallback is on air, so the
 * on-air event (alerting.c, the same key) is not said a second time. */
static int fallback_planned(const struct po_alarm_conf *c, const struct po_alarm_facts *f,
			    const struct playout_item *it, struct po_alarms *out)
{
	const struct playout_slot *s = slot_of(f, it);
	if (it->decision != PLAYOUT_DECISION_FALLBACK || !s || it->nseg == 0 ||
	    it->end_ms <= f->now_ms || it->start_ms - f->now_ms > (int64_t)last_lead_min(c) * 60000)
		return PLAYOUT_OK;
	struct po_alarm a = { .type = PO_ALARM_FALLBACK, .level = PLAYOUT_LOG_WARN,
			      .start_ms = it->start_ms, .hold = f->files_unknown };
	char name[PLAYOUT_NAME_MAX], at[128], left[32];
	po_alarm_expected_name(s, name, sizeof name);
	when(it->start_ms, at, sizeof at);
	po_alarm_setf(a.key, sizeof a.key, "fallback:%s:%lld", it->pid, (long long)it->start_ms);
	playout_utf8_copy(a.pid, sizeof a.pid, it->pid);
	playout_utf8_copy(a.title, sizeof a.title, it->title);
	if (it->start_ms > f->now_ms) {
		left_text(it->start_ms - f->now_ms, left, sizeof left);
		po_alarm_setf(a.message, sizeof a.message,
			      "%s \"%s\" airs in %s with the fallback %s: its own file %s has not arrived",
			      it->pid, it->title, left, it->seg[0].asset, name);
	} else {
		po_alarm_setf(a.message, sizeof a.message,
			      "%s \"%s\" is on air with the fallback %s: its own file %s did not arrive",
			      it->pid, it->title, it->seg[0].asset, name);
	}
	po_alarm_setf(a.body, sizeof a.body,
		      "Programme:   %s (%s)\n"
		      "Airs:        %s\n"
		      "Problem:     its own file has not arrived.\n"
		      "Instead:     the fallback %s plays (%s).\n"
		      "To fix:      upload the programme to %s with exactly this name:\n"
		      "                 %s\n"
		      "             before it airs; this alarm is then resolved.\n",
		      it->title, it->pid, at, it->seg[0].asset, it->reason,
		      f->upload_hint ? f->upload_hint : "the storage", name);
	return po_alarms_push(out, &a);
}

static int missing_slots(const struct po_alarm_conf *c, const struct po_alarm_facts *f,
			 struct po_alarms *out)
{
	for (size_t i = 0; i < f->nitems; i++) {
		const struct playout_item *it = &f->items[i];
		if (it->decision != PLAYOUT_DECISION_MISSING &&
		    it->decision != PLAYOUT_DECISION_FALLBACK) {
			if (f->files_unknown || unmeasured(f, it)) {
				/* the fallback said for it waits for the verdict too */
				struct po_alarm h = { .hold = 1, .type = PO_ALARM_SLOT_MISSING,
						      .start_ms = it->start_ms };
				struct po_alarm hf = { .hold = 1, .type = PO_ALARM_FALLBACK,
						       .start_ms = it->start_ms };
				hold_key(&h, "slot-missing", it);
				hold_key(&hf, "fallback", it);
				if (po_alarms_push(out, &h) < 0 || po_alarms_push(out, &hf) < 0)
					return PLAYOUT_ENOMEM;
			}
			continue;
		}
		if (fallback_planned(c, f, it, out) < 0)
			return PLAYOUT_ENOMEM;
		if (it->start_ms <= f->now_ms)
			continue;
		int stage = lead_stage(c, it->start_ms - f->now_ms);
		const struct playout_slot *s = slot_of(f, it);
		if (stage < 0 || !s)
			continue;
		struct po_alarm a = { .stage = stage, .type = PO_ALARM_SLOT_MISSING,
				      .start_ms = it->start_ms, .hold = f->files_unknown };
		char name[PLAYOUT_NAME_MAX], at[128], left[32], instead[400];
		po_alarm_expected_name(s, name, sizeof name);
		when(it->start_ms, at, sizeof at);
		left_text(it->start_ms - f->now_ms, left, sizeof left);
		if (it->decision == PLAYOUT_DECISION_FALLBACK) {
			a.level = PLAYOUT_LOG_WARN;
			po_alarm_setf(instead, sizeof instead, "%s (%s)", it->seg[0].asset, it->reason);
		} else {
			a.level = PLAYOUT_LOG_ERROR;
			po_alarm_setf(instead, sizeof instead,
				 "nothing: the station's fallback mount or silence (%s)", it->reason);
		}
		po_alarm_setf(a.key, sizeof a.key, "slot-missing:%s:%lld", it->pid,
			 (long long)it->start_ms);
		playout_utf8_copy(a.pid, sizeof a.pid, it->pid);
		playout_utf8_copy(a.title, sizeof a.title, it->title);
		po_alarm_setf(a.message, sizeof a.message, "%s \"%s\" airs in %s and has no file: expected %s",
			 it->pid, it->title, left, name);
		po_alarm_setf(a.body, sizeof a.body,
			 "Programme:   %s (%s)\n"
			 "Airs:        %s, in %s\n"
			 "Problem:     no playable file has arrived for it.\n"
			 "Instead:     %s will play.\n"
			 "To fix:      upload the programme to %s with exactly this name:\n"
			 "                 %s\n"
			 "             (yyyymmdd_hhmm_<programme id>.mp3, station time). It is picked up\n"
			 "             within a minute and this alarm is then resolved.\n",
			 it->title, it->pid, at, left, instead,
			 f->upload_hint ? f->upload_hint : "the storage", name);
		if (po_alarms_push(out, &a) < 0)
			return PLAYOUT_ENOMEM;
	}
	return PLAYOUT_OK;
}

static const char *title_for(const struct po_alarm_facts *f, const struct playout_asset *as)
{
	for (size_t i = 0; i < f->nslots; i++) {
		const struct playout_slot *s = &f->slots[i];
		if ((s->start_ms == as->start_ms && !strcasecmp(s->pid, as->pid)) ||
		    !strcmp(s->expected_file, as->name))
			return s->title;
	}
	return "";
}

static int rejected_files(const struct po_alarm_conf *c, const struct po_alarm_facts *f,
			  struct po_alarms *out)
{
	for (size_t i = 0; i < f->nassets; i++) {
		const struct playout_asset *as = &f->assets[i];
		double lufs = f->lufs ? f->lufs[i] : NAN;
		int loud = !isnan(lufs) && !(as->flags & PO_ASSET_UNPLAYABLE) &&
			   (lufs < c->lufs_min || lufs > c->lufs_max);
		if (!as->start_ms || as->start_ms <= f->now_ms)
			continue; /* undated (a sustainer) or aired already */
		if (!(as->flags & (PO_ASSET_UNPLAYABLE | PLAYOUT_ASSET_DAMAGED)) && !loud)
			continue;
		struct po_alarm a = { .type = PO_ALARM_FILE_REJECTED, .level = PLAYOUT_LOG_WARN,
				      .start_ms = as->start_ms };
		char at[128], what[300];
		int rejected = (as->flags & PO_ASSET_UNPLAYABLE) != 0;
		if (rejected || (as->flags & PLAYOUT_ASSET_DAMAGED))
			po_alarm_setf(what, sizeof what, "%s", as->why[0] ? as->why : "is damaged");
		else
			po_alarm_setf(what, sizeof what, "has a loudness of %.1f LUFS, outside %.0f to %.0f",
				 lufs, c->lufs_min, c->lufs_max);
		when(as->start_ms, at, sizeof at);
		po_alarm_setf(a.key, sizeof a.key, "file-rejected:%s", as->name);
		playout_utf8_copy(a.pid, sizeof a.pid, as->pid);
		playout_utf8_copy(a.title, sizeof a.title, title_for(f, as));
		po_alarm_setf(a.message, sizeof a.message, "%s %s%s", as->name, what,
			 rejected ? ": it will not be played" : "");
		po_alarm_setf(a.body, sizeof a.body,
			 "Programme:   %s (%s)\n"
			 "Airs:        %s\n"
			 "Problem:     the file %s %s.\n"
			 "%s"
			 "To fix:      upload a corrected file with the same name to %s;\n"
			 "             it replaces this one and this alarm is then resolved.\n",
			 a.title[0] ? a.title : "(no slot)", as->pid, at, as->name, what,
			 rejected ? "Instead:     the fallback plays, if one is configured (see the\n"
				    "             rundown: playoutctl rundown).\n"
				  : "Note:        it will still play as it is.\n",
			 f->upload_hint ? f->upload_hint : "the storage");
		if (po_alarms_push(out, &a) < 0)
			return PLAYOUT_ENOMEM;
	}
	return PLAYOUT_OK;
}

static int plain(struct po_alarms *out, int type, int level, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int plain(struct po_alarms *out, int type, int level, const char *key, const char *fmt, ...)
{
	struct po_alarm a = { .type = type, .level = level };
	va_list ap;
	po_alarm_setf(a.key, sizeof a.key, "%s", key);
	va_start(ap, fmt);
	vsnprintf(a.message, sizeof a.message, fmt, ap);
	va_end(ap);
	po_alarm_setf(a.body, sizeof a.body, "%s.\n", a.message);
	return po_alarms_push(out, &a);
}

static int health(const struct po_alarm_conf *c, const struct po_alarm_facts *f,
		  struct po_alarms *out)
{
	int64_t stale_ms = (int64_t)c->schedule_stale_min * 60000;
	char key[200];
	for (size_t i = 0; i < f->nsources; i++) {
		const struct po_source_health *s = &f->sources[i];
		if (!s->failing || f->now_ms - s->failing_since_ms < stale_ms)
			continue;
		po_alarm_setf(key, sizeof key, "schedule-stale:%s", s->label);
		if (plain(out, PO_ALARM_SCHEDULE_STALE, PLAYOUT_LOG_WARN, key,
			  "schedule %s has not answered for %lld min (%s); planning with its last good answer",
			  s->label, (long long)((f->now_ms - s->failing_since_ms) / 60000), s->why) < 0)
			return PLAYOUT_ENOMEM;
	}
	if (f->storage_failing &&
	    f->now_ms - f->storage_failing_since_ms >= (int64_t)c->storage_unreachable_min * 60000 &&
	    plain(out, PO_ALARM_STORAGE_UNREACHABLE, PLAYOUT_LOG_WARN, "storage-unreachable",
		  "the storage cannot be listed (%s); cached files still play, new uploads are not seen",
		  f->storage_why) < 0)
		return PLAYOUT_ENOMEM;
	if (f->disk_free_mb >= 0 && f->disk_free_mb < c->disk_low_mb) {
		po_alarm_setf(key, sizeof key, "disk-low:%s", f->cache_dir ? f->cache_dir : "cache");
		if (plain(out, PO_ALARM_DISK_LOW, PLAYOUT_LOG_WARN, key,
			  "the cache %s has %lld MB free, under %d MB: downloads may fail",
			  f->cache_dir ? f->cache_dir : "", (long long)f->disk_free_mb,
			  c->disk_low_mb) < 0)
			return PLAYOUT_ENOMEM;
	}
	for (size_t i = 0; i < f->noutputs; i++) {
		int64_t since = f->output_down_since_ms[i];
		int64_t down = f->now_ms - since;
		/* An item due now cannot wait the full output_down_s: listeners
		 * hear the fallback mount; a blip of a reconnect stays quiet. */
		int64_t limit = f->output_item_due[i] ? 2000 : (int64_t)c->output_down_s * 1000;
		if (!since || down < limit)
			continue;
		po_alarm_setf(key, sizeof key, "output-down:%s", f->output_names[i]);
		if (plain(out, PO_ALARM_OUTPUT_DOWN, PLAYOUT_LOG_ERROR, key,
			  "output %s is down for %lld s%s (%s)", f->output_names[i],
			  (long long)(down / 1000),
			  f->output_item_due[i] ? " while a programme is due" : "",
			  f->output_errors[i] && f->output_errors[i][0] ? f->output_errors[i]
									 : "no error given") < 0)
			return PLAYOUT_ENOMEM;
	}
	return PLAYOUT_OK;
}

int po_alarms_collect(const struct po_alarm_conf *c, const struct po_alarm_facts *f,
		      struct po_alarms *out)
{
	int rc = missing_slots(c, f, out);
	if (rc == PLAYOUT_OK)
		rc = rejected_files(c, f, out);
	if (rc == PLAYOUT_OK)
		rc = health(c, f, out);
	return rc;
}

static int push_index(size_t **v, size_t *n, size_t x)
{
	size_t *nv = realloc(*v, (*n + 1) * sizeof *nv);
	if (!nv)
		return PLAYOUT_ENOMEM;
	nv[(*n)++] = x;
	*v = nv;
	return PLAYOUT_OK;
}

/* Quadratic in the number of alarms: tens, not thousands (one per
 * programme without a file in the horizon, at most). */
int po_alarms_diff(const struct po_alarm *causes, size_t ncauses, const struct po_alarm_row *rows,
		   size_t nrows, int64_t now_ms, struct po_alarm_diff *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < ncauses; i++) {
		int said = causes[i].hold;
		for (size_t k = 0; k < nrows && !said; k++)
			said = !strcmp(rows[k].key, causes[i].key) && rows[k].stage == causes[i].stage &&
			       (!rows[k].resolved_ms || rows[k].oneshot);
		if (!said && push_index(&out->raise, &out->nraise, i) < 0)
			goto nomem;
	}
	for (size_t k = 0; k < nrows; k++) {
		const struct po_alarm_row *r = &rows[k];
		int standing = 0, first = 1;
		if (r->resolved_ms || r->oneshot)
			continue;
		for (size_t i = 0; i < ncauses && !standing; i++)
			standing = !strcmp(causes[i].key, r->key);
		if (standing)
			continue;
		for (size_t j = 0; j < k && first; j++)
			first = rows[j].resolved_ms || strcmp(rows[j].key, r->key);
		if (!first)
			continue;
		if (r->start_ms && r->start_ms <= now_ms) {
			if (push_index(&out->expire, &out->nexpire, k) < 0)
				goto nomem;
		} else if (push_index(&out->resolve, &out->nresolve, k) < 0) {
			goto nomem;
		}
	}
	return PLAYOUT_OK;
nomem:
	po_alarm_diff_free(out);
	return PLAYOUT_ENOMEM;
}

void po_alarm_diff_free(struct po_alarm_diff *d)
{
	if (!d)
		return;
	free(d->raise);
	free(d->resolve);
	free(d->expire);
	memset(d, 0, sizeof *d);
}
