/*
 * Tests for core/alarms.c (the rules and the diff), core/alarm_conf.c (the
 * config keys and notify filters) and core/state_alarms.c (the tables on a
 * real database): a missing file is said once per lead time and resolved
 * once, across a "restart" (a new diff against the stored rows); a file
 * that airs unfixed expires silently; filters pass what they should.
 */
#include "runner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alarms.h"
#include "config.h"
#include "rundown.h"
#include "state_alarms.h"
#include "timeutil.h"

#define T0 1783000800000LL /* 2026-07-02 14:00:00 UTC = 15:00 BST, ms */
#define MIN 60000LL

static struct po_alarm_conf conf(void)
{
	struct po_alarm_conf c;
	po_alarm_conf_default(&c);
	return c;
}

static struct playout_slot slot(const char *pid, int64_t start)
{
	struct playout_slot s;
	memset(&s, 0, sizeof s);
	s.start_ms = start;
	s.end_ms = start + 60 * MIN;
	s.type = PLAYOUT_SLOT_RECORDED;
	snprintf(s.pid, sizeof s.pid, "%s", pid);
	snprintf(s.title, sizeof s.title, "Jazz Hour");
	return s;
}

static struct playout_item item(const struct playout_slot *s, int decision)
{
	struct playout_item it;
	memset(&it, 0, sizeof it);
	it.start_ms = s->start_ms;
	it.end_ms = s->end_ms;
	it.decision = decision;
	snprintf(it.pid, sizeof it.pid, "%s", s->pid);
	snprintf(it.title, sizeof it.title, "%s", s->title);
	if (decision == PLAYOUT_DECISION_FALLBACK) {
		it.nseg = 1;
		snprintf(it.seg[0].asset, sizeof it.seg[0].asset, "20260625_1500_jazz.mp3");
		snprintf(it.reason, sizeof it.reason, "previous edition of 25 Jun");
	} else if (decision == PLAYOUT_DECISION_MISSING) {
		snprintf(it.reason, sizeof it.reason, "no file and no fallback");
	} else {
		it.nseg = 1;
	}
	return it;
}

/* The stored rows after saying each raised cause and resolving each key,
 * as alerting.c does. */
struct store {
	struct po_alarm_row v[32];
	size_t n;
};

static void apply(struct store *st, const struct po_alarms *c, const struct po_alarm_diff *d,
		  int64_t now)
{
	for (size_t i = 0; i < d->nraise; i++) {
		const struct po_alarm *a = &c->v[d->raise[i]];
		struct po_alarm_row *r = NULL;
		for (size_t k = 0; k < st->n; k++)
			if (!strcmp(st->v[k].key, a->key) && st->v[k].stage == a->stage)
				r = &st->v[k];
		if (!r)
			r = &st->v[st->n++];
		memset(r, 0, sizeof *r);
		snprintf(r->key, sizeof r->key, "%s", a->key);
		r->stage = a->stage;
		r->oneshot = a->oneshot;
		r->start_ms = a->start_ms;
		r->type = a->type;
	}
	for (size_t i = 0; i < d->nresolve; i++) {
		char key[200];
		snprintf(key, sizeof key, "%s", st->v[d->resolve[i]].key);
		for (size_t k = 0; k < st->n; k++)
			if (!strcmp(st->v[k].key, key))
				st->v[k].resolved_ms = now;
	}
}

/* One round at now over one slot with the given decision: how many raised
 * and resolved. */
static void round_at(struct store *st, const struct playout_slot *s, int decision, int64_t now,
		     size_t *raised, size_t *resolved, size_t *expired, struct po_alarm *first)
{
	struct po_alarm_conf c = conf();
	struct playout_item it = item(s, decision);
	struct po_alarm_facts f = { .now_ms = now, .items = &it, .nitems = 1, .slots = s,
				    .nslots = 1, .disk_free_mb = -1 };
	struct po_alarms out = {0};
	struct po_alarm_diff d;
	PO_EXPECT_INT_FATAL(po_alarms_collect(&c, &f, &out), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(po_alarms_diff(out.v, out.n, st->v, st->n, now, &d), PLAYOUT_OK);
	*raised = d.nraise;
	*resolved = d.nresolve;
	*expired = d.nexpire;
	if (first && d.nraise)
		*first = out.v[d.raise[0]];
	apply(st, &out, &d, now);
	po_alarm_diff_free(&d);
	po_alarms_free(&out);
}

static void test_missing_file_is_said_once_per_lead_time_and_resolved_once(void)
{
	struct store st = {0};
	struct playout_slot s = slot("jazz", T0);
	size_t r, v, x;
	struct po_alarm a;

	round_at(&st, &s, PLAYOUT_DECISION_FALLBACK, T0 - 30 * 60 * MIN, &r, &v, &x, NULL);
	PO_EXPECT_INT(r, 0); /* 30 h ahead: before the first lead time */
	round_at(&st, &s, PLAYOUT_DECISION_FALLBACK, T0 - 20 * 60 * MIN, &r, &v, &x, &a);
	PO_EXPECT_INT(r, 1);
	PO_EXPECT_INT(a.stage, 1440);
	PO_EXPECT_INT(a.type, PO_ALARM_SLOT_MISSING);
	PO_EXPECT_INT(a.level, PLAYOUT_LOG_WARN);
	PO_EXPECT_STR(a.key, "slot-missing:jazz:1783000800000");
	PO_EXPECT_INT(strstr(a.body, "20260702_1500_jazz.mp3") != NULL, 1);
	PO_EXPECT_INT(strstr(a.body, "20260625_1500_jazz.mp3 (previous edition") != NULL, 1);
	PO_EXPECT_INT(strstr(a.body, "15:00 BST (2026-07-02T14:00:00Z)") != NULL, 1);
	/* the next rounds, and a restart (the same stored rows): nothing new */
	round_at(&st, &s, PLAYOUT_DECISION_FALLBACK, T0 - 19 * 60 * MIN, &r, &v, &x, NULL);
	PO_EXPECT_INT(r, 0);
	round_at(&st, &s, PLAYOUT_DECISION_FALLBACK, T0 - 100 * MIN, &r, &v, &x, &a);
	PO_EXPECT_INT(r, 1);
	PO_EXPECT_INT(a.stage, 120);
	round_at(&st, &s, PLAYOUT_DECISION_FALLBACK, T0 - 99 * MIN, &r, &v, &x, NULL);
	PO_EXPECT_INT(r, 0);
	/* the file arrives: one resolved event for the key, not one per stage */
	round_at(&st, &s, PLAYOUT_DECISION_EXACT, T0 - 90 * MIN, &r, &v, &x, NULL);
	PO_EXPECT_INT(r, 0);
	PO_EXPECT_INT(v, 1);
	PO_EXPECT_INT(x, 0);
	round_at(&st, &s, PLAYOUT_DECISION_EXACT, T0 - 89 * MIN, &r, &v, &x, NULL);
	PO_EXPECT_INT(v, 0);
	/* withdrawn again: the lead time in force is said again */
	round_at(&st, &s, PLAYOUT_DECISION_MISSING, T0 - 10 * MIN, &r, &v, &x, &a);
	PO_EXPECT_INT(r, 1);
	PO_EXPECT_INT(a.stage, 15);
	PO_EXPECT_INT(a.level, PLAYOUT_LOG_ERROR);
}

/* One round as round_at: how many causes of type were raised (the last
 * in *got), how many rows of type resolved, how many expired. */
static size_t raised_of_type(struct store *st, const struct playout_slot *s, int decision,
			     int64_t now, int type, size_t *resolved, size_t *expired,
			     struct po_alarm *got)
{
	struct po_alarm_conf c = conf();
	struct playout_item it = item(s, decision);
	struct po_alarm_facts f = { .now_ms = now, .items = &it, .nitems = 1, .slots = s,
				    .nslots = 1, .disk_free_mb = -1 };
	struct po_alarms out = {0};
	struct po_alarm_diff d;
	size_t n = 0;
	PO_EXPECT_INT_FATAL(po_alarms_collect(&c, &f, &out), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(po_alarms_diff(out.v, out.n, st->v, st->n, now, &d), PLAYOUT_OK);
	for (size_t i = 0; i < d.nraise; i++)
		if (out.v[d.raise[i]].type == type) {
			n++;
			*got = out.v[d.raise[i]];
		}
	*resolved = 0;
	for (size_t i = 0; i < d.nresolve; i++)
		*resolved += st->v[d.resolve[i]].type == type;
	*expired = 0;
	for (size_t i = 0; i < d.nexpire; i++)
		*expired += st->v[d.expire[i]].type == type;
	apply(st, &out, &d, now);
	po_alarm_diff_free(&d);
	po_alarms_free(&out);
	return n;
}

static void test_fallback_is_said_at_the_last_lead_and_resolved_by_the_file(void)
{
	struct store st = {0};
	struct playout_slot s = slot("jazz", T0);
	struct po_alarm a;
	size_t v, x;
	/* 2 h ahead: a slot-missing warning, no fallback event yet */
	PO_EXPECT_INT(raised_of_type(&st, &s, PLAYOUT_DECISION_FALLBACK, T0 - 100 * MIN,
				     PO_ALARM_FALLBACK, &v, &x, &a), 0);
	/* the last lead (15 min): the fallback is what will air */
	PO_EXPECT_INT_FATAL(raised_of_type(&st, &s, PLAYOUT_DECISION_FALLBACK, T0 - 15 * MIN,
					   PO_ALARM_FALLBACK, &v, &x, &a), 1);
	PO_EXPECT_STR(a.key, "fallback:jazz:1783000800000");
	PO_EXPECT_INT(a.oneshot, 0);
	PO_EXPECT_STR(a.message, "jazz \"Jazz Hour\" airs in 15 min with the fallback "
				 "20260625_1500_jazz.mp3: its own file 20260702_1500_jazz.mp3 has not arrived");
	PO_EXPECT_INT(raised_of_type(&st, &s, PLAYOUT_DECISION_FALLBACK, T0 - 14 * MIN,
				     PO_ALARM_FALLBACK, &v, &x, &a), 0);
	/* the file arrives before air: resolved */
	PO_EXPECT_INT(raised_of_type(&st, &s, PLAYOUT_DECISION_EXACT, T0 - 10 * MIN,
				     PO_ALARM_FALLBACK, &v, &x, &a), 0);
	PO_EXPECT_INT(v, 1);
}

static void test_fallback_on_air_stands_until_the_end_then_expires(void)
{
	struct store st = {0};
	struct playout_slot s = slot("jazz", T0);
	struct po_alarm a;
	size_t v, x;
	PO_EXPECT_INT(raised_of_type(&st, &s, PLAYOUT_DECISION_FALLBACK, T0 - 5 * MIN,
				     PO_ALARM_FALLBACK, &v, &x, &a), 1);
	/* on air: the cause still stands, nothing said, nothing ended */
	PO_EXPECT_INT(raised_of_type(&st, &s, PLAYOUT_DECISION_FALLBACK, T0 + 5 * MIN,
				     PO_ALARM_FALLBACK, &v, &x, &a), 0);
	PO_EXPECT_INT(v + x, 0);
	/* the on-air event of alerting.c (same key, one-shot) finds it said */
	struct po_alarm on_air = { .key = "fallback:jazz:1783000800000", .type = PO_ALARM_FALLBACK,
				   .oneshot = 1 };
	struct po_alarm_diff d;
	PO_EXPECT_INT_FATAL(po_alarms_diff(&on_air, 1, st.v, st.n, T0 + 5 * MIN, &d), PLAYOUT_OK);
	PO_EXPECT_INT(d.nraise, 0);
	po_alarm_diff_free(&d);
	/* a daemon started during the programme says it once, on air */
	struct store fresh = {0};
	PO_EXPECT_INT_FATAL(raised_of_type(&fresh, &s, PLAYOUT_DECISION_FALLBACK, T0 + 5 * MIN,
					   PO_ALARM_FALLBACK, &v, &x, &a), 1);
	PO_EXPECT_INT(strstr(a.message, "is on air with the fallback 20260625_1500_jazz.mp3") != NULL, 1);
	/* over: forgotten without a resolved event */
	PO_EXPECT_INT(raised_of_type(&st, &s, PLAYOUT_DECISION_FALLBACK, T0 + 61 * MIN,
				     PO_ALARM_FALLBACK, &v, &x, &a), 0);
	PO_EXPECT_INT(v, 0);
	PO_EXPECT_INT(x, 1);
}

static void test_file_not_yet_measured_holds_the_alarm(void)
{
	struct store st = {0};
	struct playout_slot s = slot("jazz", T0);
	struct po_alarm_conf c = conf();
	struct playout_item it = item(&s, PLAYOUT_DECISION_EXACT);
	struct playout_asset as;
	struct po_alarms out = {0};
	struct po_alarm_diff d;
	size_t r, v, x;
	round_at(&st, &s, PLAYOUT_DECISION_MISSING, T0 - 10 * MIN, &r, &v, &x, NULL);
	PO_EXPECT_INT(r, 1);
	memset(&as, 0, sizeof as);
	snprintf(as.name, sizeof as.name, "20260702_1500_jazz.mp3");
	snprintf(it.seg[0].asset, sizeof it.seg[0].asset, "%s", as.name);
	struct po_alarm_facts f = { .now_ms = T0 - 9 * MIN, .items = &it, .nitems = 1,
				    .slots = &s, .nslots = 1, .assets = &as, .nassets = 1,
				    .disk_free_mb = -1 };
	/* planned, but not downloaded and measured yet: neither said nor resolved */
	PO_EXPECT_INT_FATAL(po_alarms_collect(&c, &f, &out), PLAYOUT_OK);
	PO_EXPECT_INT(po_alarms_diff(out.v, out.n, st.v, st.n, f.now_ms, &d), PLAYOUT_OK);
	PO_EXPECT_INT(d.nraise + d.nresolve + d.nexpire, 0);
	po_alarm_diff_free(&d);
	po_alarms_free(&out);
	/* measured and fine: resolved */
	as.duration_ms = 3540000;
	PO_EXPECT_INT_FATAL(po_alarms_collect(&c, &f, &out), PLAYOUT_OK);
	PO_EXPECT_INT(po_alarms_diff(out.v, out.n, st.v, st.n, f.now_ms, &d), PLAYOUT_OK);
	PO_EXPECT_INT(d.nraise, 0);
	PO_EXPECT_INT(d.nresolve, 1);
	po_alarm_diff_free(&d);
	po_alarms_free(&out);
}

static void test_file_not_yet_measured_holds_the_fallback_too(void)
{
	struct store st = {0};
	struct playout_slot s = slot("jazz", T0);
	struct po_alarm_conf c = conf();
	struct playout_item it = item(&s, PLAYOUT_DECISION_EXACT);
	struct playout_asset as;
	struct po_alarms out = {0};
	struct po_alarm_diff d;
	size_t r, v, x;
	round_at(&st, &s, PLAYOUT_DECISION_FALLBACK, T0 - 10 * MIN, &r, &v, &x, NULL);
	PO_EXPECT_INT(r, 2); /* slot-missing (15 min) and fallback */
	memset(&as, 0, sizeof as);
	snprintf(as.name, sizeof as.name, "20260702_1500_jazz.mp3");
	snprintf(it.seg[0].asset, sizeof it.seg[0].asset, "%s", as.name);
	struct po_alarm_facts f = { .now_ms = T0 - 9 * MIN, .items = &it, .nitems = 1,
				    .slots = &s, .nslots = 1, .assets = &as, .nassets = 1,
				    .disk_free_mb = -1 };
	PO_EXPECT_INT_FATAL(po_alarms_collect(&c, &f, &out), PLAYOUT_OK);
	PO_EXPECT_INT(po_alarms_diff(out.v, out.n, st.v, st.n, f.now_ms, &d), PLAYOUT_OK);
	PO_EXPECT_INT(d.nraise + d.nresolve + d.nexpire, 0);
	po_alarm_diff_free(&d);
	po_alarms_free(&out);
	as.duration_ms = 3540000;
	PO_EXPECT_INT_FATAL(po_alarms_collect(&c, &f, &out), PLAYOUT_OK);
	PO_EXPECT_INT(po_alarms_diff(out.v, out.n, st.v, st.n, f.now_ms, &d), PLAYOUT_OK);
	PO_EXPECT_INT(d.nraise, 0);
	PO_EXPECT_INT(d.nresolve, 2);
	po_alarm_diff_free(&d);
	po_alarms_free(&out);
}

static void test_first_seen_close_to_air_says_only_the_nearest_lead(void)
{
	struct store st = {0};
	struct playout_slot s = slot("jazz", T0);
	size_t r, v, x;
	struct po_alarm a;
	round_at(&st, &s, PLAYOUT_DECISION_MISSING, T0 - 5 * MIN, &r, &v, &x, &a);
	PO_EXPECT_INT(r, 1);
	PO_EXPECT_INT(a.stage, 15);
}

static void test_programme_that_airs_unfixed_expires_without_a_resolved_event(void)
{
	struct store st = {0};
	struct playout_slot s = slot("jazz", T0);
	size_t r, v, x;
	round_at(&st, &s, PLAYOUT_DECISION_MISSING, T0 - 10 * MIN, &r, &v, &x, NULL);
	PO_EXPECT_INT(r, 1);
	/* at air time the item is no longer ahead: the cause is gone */
	round_at(&st, &s, PLAYOUT_DECISION_MISSING, T0 + MIN, &r, &v, &x, NULL);
	PO_EXPECT_INT(r, 0);
	PO_EXPECT_INT(v, 0);
	PO_EXPECT_INT(x, 1);
}

static void test_rejected_damaged_and_loud_files_are_causes(void)
{
	struct po_alarm_conf c = conf();
	struct playout_asset as[4];
	double lufs[4] = { NAN, NAN, -4.0, -16.0 };
	memset(as, 0, sizeof as);
	const char *names[4] = { "20260702_1500_jazz.mp3", "20260702_1600_talk.mp3",
				 "20260702_1700_rock.mp3", "20260702_1800_folk.mp3" };
	for (int i = 0; i < 4; i++) {
		snprintf(as[i].name, sizeof as[i].name, "%s", names[i]);
		as[i].start_ms = T0 + i * 60 * MIN;
		as[i].duration_ms = 3000000;
	}
	as[0].flags = PLAYOUT_ASSET_SILENT;
	snprintf(as[0].why, sizeof as[0].why, "is silent throughout");
	as[1].flags = PLAYOUT_ASSET_DAMAGED;
	snprintf(as[1].why, sizeof as[1].why, "has 2 damaged places");
	struct po_alarm_facts f = { .now_ms = T0 - MIN, .assets = as, .nassets = 4, .lufs = lufs,
				    .disk_free_mb = -1 };
	struct po_alarms out = {0};
	PO_EXPECT_INT_FATAL(po_alarms_collect(&c, &f, &out), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(out.n, 3);
	PO_EXPECT_STR(out.v[0].key, "file-rejected:20260702_1500_jazz.mp3");
	PO_EXPECT_STR(out.v[0].message, "20260702_1500_jazz.mp3 is silent throughout: it will not be played");
	PO_EXPECT_STR(out.v[1].key, "file-rejected:20260702_1600_talk.mp3");
	PO_EXPECT_STR(out.v[2].message,
		      "20260702_1700_rock.mp3 has a loudness of -4.0 LUFS, outside -30 to -8");
	po_alarms_free(&out);
	/* once aired, a file is no longer a cause */
	f.now_ms = T0 + 1;
	PO_EXPECT_INT_FATAL(po_alarms_collect(&c, &f, &out), PLAYOUT_OK);
	PO_EXPECT_INT(out.n, 2);
	po_alarms_free(&out);
}

static void test_health_thresholds(void)
{
	struct po_alarm_conf c = conf();
	struct po_source_health src = { .label = "csv:main", .failing = 1,
					.failing_since_ms = T0 - 59 * MIN, .why = "HTTP 503" };
	const char *names[2] = { "icecast:main", "icecast:backup" };
	const char *errs[2] = { "connection refused", "" };
	int64_t since[2] = { T0 - 10000, T0 - 29000 };
	int due[2] = { 1, 0 };
	struct po_alarm_facts f = { .now_ms = T0, .sources = &src, .nsources = 1,
				    .disk_free_mb = 900, .cache_dir = "/var/cache/playout",
				    .noutputs = 2, .output_names = names,
				    .output_down_since_ms = since, .output_errors = errs,
				    .output_item_due = due };
	struct po_alarms out = {0};
	PO_EXPECT_INT_FATAL(po_alarms_collect(&c, &f, &out), PLAYOUT_OK);
	/* the schedule 59 of 60 min: not yet; disk under 1024 MB; main down
	 * 10 s with an item due; backup 29 of 30 s idle: not yet */
	PO_EXPECT_INT_FATAL(out.n, 2);
	PO_EXPECT_STR(out.v[0].key, "disk-low:/var/cache/playout");
	PO_EXPECT_STR(out.v[1].key, "output-down:icecast:main");
	PO_EXPECT_INT(out.v[1].level, PLAYOUT_LOG_ERROR);
	po_alarms_free(&out);
	f.now_ms = T0 + 2 * MIN;
	f.storage_failing = 1;
	f.storage_failing_since_ms = T0 - 60 * MIN;
	f.disk_free_mb = 5000;
	PO_EXPECT_INT_FATAL(po_alarms_collect(&c, &f, &out), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(out.n, 4);
	PO_EXPECT_STR(out.v[0].key, "schedule-stale:csv:main");
	PO_EXPECT_STR(out.v[1].key, "storage-unreachable");
	PO_EXPECT_STR(out.v[3].key, "output-down:icecast:backup");
	po_alarms_free(&out);
}

static void test_storage_outage_has_its_own_limit(void)
{
	struct po_alarm_conf c = conf();
	struct po_alarm_facts f = { .now_ms = T0, .disk_free_mb = -1, .storage_failing = 1,
				    .storage_failing_since_ms = T0 - 14 * MIN,
				    .storage_why = "not mounted" };
	struct po_alarms out = {0};
	PO_EXPECT_INT(c.storage_unreachable_min, 15);
	PO_EXPECT_INT_FATAL(po_alarms_collect(&c, &f, &out), PLAYOUT_OK);
	PO_EXPECT_INT(out.n, 0); /* 14 of 15 min */
	po_alarms_free(&out);
	f.now_ms = T0 + MIN;
	PO_EXPECT_INT_FATAL(po_alarms_collect(&c, &f, &out), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(out.n, 1);
	PO_EXPECT_STR(out.v[0].key, "storage-unreachable");
	PO_EXPECT_INT(out.v[0].type, PO_ALARM_STORAGE_UNREACHABLE);
	po_alarms_free(&out);
	/* the schedule's limit does not apply to the storage, either way */
	c.schedule_stale_min = 1;
	c.storage_unreachable_min = 30;
	PO_EXPECT_INT_FATAL(po_alarms_collect(&c, &f, &out), PLAYOUT_OK);
	PO_EXPECT_INT(out.n, 0);
	po_alarms_free(&out);
	c.storage_unreachable_min = 2;
	c.schedule_stale_min = 600;
	f.now_ms = T0 - 12 * MIN;
	PO_EXPECT_INT_FATAL(po_alarms_collect(&c, &f, &out), PLAYOUT_OK);
	PO_EXPECT_INT(out.n, 1);
	po_alarms_free(&out);
}

static void test_oneshot_is_said_once_and_never_resolved(void)
{
	struct po_alarm a = { .key = "late-start:icecast:main:1", .type = PO_ALARM_LATE_START,
			      .oneshot = 1 };
	struct po_alarm_row row = { .key = "late-start:icecast:main:1", .oneshot = 1,
				    .type = PO_ALARM_LATE_START };
	struct po_alarm_diff d;
	PO_EXPECT_INT(po_alarms_diff(&a, 1, NULL, 0, T0, &d), PLAYOUT_OK);
	PO_EXPECT_INT(d.nraise, 1);
	po_alarm_diff_free(&d);
	PO_EXPECT_INT(po_alarms_diff(&a, 1, &row, 1, T0, &d), PLAYOUT_OK);
	PO_EXPECT_INT(d.nraise, 0);
	po_alarm_diff_free(&d);
	PO_EXPECT_INT(po_alarms_diff(NULL, 0, &row, 1, T0, &d), PLAYOUT_OK);
	PO_EXPECT_INT(d.nresolve + d.nexpire, 0);
	po_alarm_diff_free(&d);
}

static void test_filters(void)
{
	char *pids[] = { "jazz" };
	struct po_alarm_filter all = { .types = (1u << PO_ALARM_NTYPES) - 1,
				       .min_level = PLAYOUT_LOG_WARN };
	struct po_alarm_filter some = { .types = 1u << PO_ALARM_SLOT_MISSING, .pids = pids,
					.npids = 1, .min_level = PLAYOUT_LOG_ERROR };
	PO_EXPECT_INT(po_alarm_filter_pass(&all, PO_ALARM_DISK_LOW, "", PLAYOUT_LOG_WARN), 1);
	PO_EXPECT_INT(po_alarm_filter_pass(&all, PO_ALARM_DAEMON, "", PLAYOUT_LOG_NOTICE), 0);
	PO_EXPECT_INT(po_alarm_filter_pass(&some, PO_ALARM_SLOT_MISSING, "JAZZ", PLAYOUT_LOG_ERROR), 1);
	PO_EXPECT_INT(po_alarm_filter_pass(&some, PO_ALARM_SLOT_MISSING, "jazz", PLAYOUT_LOG_WARN), 0);
	PO_EXPECT_INT(po_alarm_filter_pass(&some, PO_ALARM_SLOT_MISSING, "news", PLAYOUT_LOG_ERROR), 0);
	PO_EXPECT_INT(po_alarm_filter_pass(&some, PO_ALARM_FALLBACK, "jazz", PLAYOUT_LOG_ERROR), 0);
	PO_EXPECT_INT(po_alarm_filter_pass(&some, PO_ALARM_DISK_LOW, "", PLAYOUT_LOG_ERROR), 0);
}

static const char *base_conf =
	"state = \"/tmp/x.db\"; cache = \"/tmp\";\n"
	"storage = { plugin = \"localdisk\"; path = \"/tmp\"; };\n"
	"outputs = ( { plugin = \"file\"; path = \"/tmp/out.mp3\"; } );\n";

static int load(const char *extra, struct po_config *c, struct po_diag *d)
{
	char text[4096];
	snprintf(text, sizeof text, "%s%s", base_conf, extra);
	po_diag_init(d);
	return po_config_load_string(c, text, "alarms.conf", d);
}

static void test_config_reads_alarms_and_notify_filters(void)
{
	struct po_config c;
	struct po_diag d;
	int rc = load("alarms = { missing_leads_min = [ 2, 1 ]; output_down_s = 5; lufs_max = -10;\n"
		      "           storage_unreachable_min = 3; };\n"
		      "notify = ( { plugin = \"webhook\"; url = \"https://h/x\";\n"
		      "             events = [ \"slot-missing\", \"daemon\" ]; pids = [ \"jazz\" ];\n"
		      "             min_level = \"error\"; },\n"
		      "           { plugin = \"email\"; instance = \"ops\"; } );\n",
		      &c, &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.msg[i]);
	PO_EXPECT_INT_FATAL(rc, PLAYOUT_OK);
	PO_EXPECT_INT(c.alarms.nleads, 2);
	PO_EXPECT_INT(c.alarms.missing_leads_min[0], 2);
	PO_EXPECT_INT(c.alarms.output_down_s, 5);
	PO_EXPECT_INT(c.alarms.schedule_stale_min, 60);
	PO_EXPECT_INT(c.alarms.storage_unreachable_min, 3);
	PO_EXPECT_DOUBLE(c.alarms.lufs_max, -10, 1e-9);
	const struct po_instance_conf *w = NULL, *e = NULL;
	for (size_t i = 0; i < c.ninst; i++) {
		if (!strcmp(c.inst[i].label, "webhook"))
			w = &c.inst[i];
		if (!strcmp(c.inst[i].label, "email:ops"))
			e = &c.inst[i];
	}
	PO_EXPECT_INT_FATAL(w && e, 1);
	PO_EXPECT_INT(w->kind, PLAYOUT_KIND_NOTIFY);
	PO_EXPECT_INT(w->filter.types, (1u << PO_ALARM_SLOT_MISSING) | (1u << PO_ALARM_DAEMON));
	PO_EXPECT_INT(w->filter.npids, 1);
	PO_EXPECT_STR(w->filter.pids[0], "jazz");
	PO_EXPECT_INT(w->filter.min_level, PLAYOUT_LOG_ERROR);
	PO_EXPECT_INT(e->filter.types, (1u << PO_ALARM_NTYPES) - 1);
	PO_EXPECT_INT(e->filter.min_level, PLAYOUT_LOG_WARN);
	PO_EXPECT_INT(e->filter.pids == NULL, 1);
	po_config_free(&c);
	po_diag_free(&d);
}

static void test_config_refuses_unknown_events_and_bad_alarms(void)
{
	struct po_config c;
	struct po_diag d;
	int rc = load("alarms = { missing_leads_min = [ 0 ]; disk_low = 5; storage_unreachable_min = 0; };\n"
		      "notify = { plugin = \"webhook\"; events = [ \"slot-mising\" ];"
		      " min_level = \"loud\"; };\n",
		      &c, &d);
	PO_EXPECT_INT(rc, PLAYOUT_ECONFIG);
	PO_EXPECT_INT(d.nerrors, 5);
	int said = 0, storage = 0;
	for (size_t i = 0; i < d.n; i++)
		storage += strstr(d.msg[i], "'alarms.storage_unreachable_min' must be an integer from 1 to 10080") != NULL;
	PO_EXPECT_INT(storage, 1);
	for (size_t i = 0; i < d.n; i++)
		said += strstr(d.msg[i], "alarms.conf:5: error: webhook: unknown event 'slot-mising'") != NULL;
	PO_EXPECT_INT(said, 1);
	po_config_free(&c);
	po_diag_free(&d);
}

static void test_state_keeps_alarms_and_sends(void)
{
	char path[512];
	struct po_state *st = NULL;
	struct playout_error err = {0, ""};
	snprintf(path, sizeof path, "%s/alarms.db", po_test_tmpdir());
	PO_EXPECT_INT_FATAL(po_state_open(path, PO_STATE_WRITER, &st, &err), PLAYOUT_OK);
	struct po_alarm a = { .key = "slot-missing:jazz:1", .stage = 120,
			      .type = PO_ALARM_SLOT_MISSING, .level = PLAYOUT_LOG_WARN,
			      .pid = "jazz", .title = "Jazz Hour", .start_ms = T0 };
	PO_EXPECT_INT(po_state_alarm_raise(st, &a, T0 - MIN), PLAYOUT_OK);
	a.stage = 15;
	PO_EXPECT_INT(po_state_alarm_raise(st, &a, T0 - MIN), PLAYOUT_OK);
	struct po_alarm_row *rows = NULL;
	size_t n = 0;
	PO_EXPECT_INT(po_state_alarm_rows(st, &rows, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 2);
	PO_EXPECT_INT(rows[0].stage, 15);
	PO_EXPECT_STR(rows[1].title, "Jazz Hour");
	free(rows);
	PO_EXPECT_INT(po_state_alarm_resolve(st, "slot-missing:jazz:1", T0), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_alarm_rows(st, &rows, &n), PLAYOUT_OK);
	PO_EXPECT_INT(n == 2 && rows[0].resolved_ms == T0 && rows[1].resolved_ms == T0, 1);
	free(rows);
	PO_EXPECT_INT(po_state_alarm_prune(st, T0), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_alarm_rows(st, &rows, &n), PLAYOUT_OK);
	PO_EXPECT_INT(n, 0);
	free(rows);

	struct po_alert_send s = { .key = "k", .type = "slot-missing", .instance = "email:ops",
				   .pid = "jazz", .message = "no file", .event_ms = T0 };
	PO_EXPECT_INT(po_state_send_add(st, &s), PLAYOUT_OK);
	PO_EXPECT_INT(s.id > 0, 1);
	struct po_alert_send *v = NULL;
	PO_EXPECT_INT(po_state_send_pending(st, "email:ops", &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT(n, 1);
	free(v);
	PO_EXPECT_INT(po_state_send_pending(st, "webhook", &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT(n, 0);
	free(v);
	s.delivered = 1;
	s.attempts = 2;
	s.sent_ms = T0 + 5;
	snprintf(s.last_error, sizeof s.last_error, "%s", "");
	PO_EXPECT_INT(po_state_send_update(st, &s), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_send_pending(st, NULL, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT(n, 0);
	free(v);
	PO_EXPECT_INT(po_state_send_list(st, 10, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 1);
	PO_EXPECT_INT(v[0].attempts, 2);
	PO_EXPECT_INT(v[0].delivered, 1);
	PO_EXPECT_TIME(v[0].sent_ms, T0 + 5);
	PO_EXPECT_STR(v[0].message, "no file");
	free(v);
	po_state_close(st);
}

static int set_zone(void)
{
	struct playout_error err = {0, ""};
	return po_tz_set("Europe/London", &err) == PLAYOUT_OK ? 0 : -1;
}

static void test_expected_name_is_station_time_unless_the_slot_names_one(void)
{
	struct playout_slot s = slot("jazz", T0);
	char name[PLAYOUT_NAME_MAX];
	po_alarm_expected_name(&s, name, sizeof name);
	PO_EXPECT_STR(name, "20260702_1500_jazz.mp3");
	snprintf(s.expected_file, sizeof s.expected_file, "jazz-final.mp3");
	po_alarm_expected_name(&s, name, sizeof name);
	PO_EXPECT_STR(name, "jazz-final.mp3");
}

static const struct po_test tests[] = {
	{"missing_file_is_said_once_per_lead_time_and_resolved_once",
	 test_missing_file_is_said_once_per_lead_time_and_resolved_once},
	{"first_seen_close_to_air_says_only_the_nearest_lead",
	 test_first_seen_close_to_air_says_only_the_nearest_lead},
	{"file_not_yet_measured_holds_the_alarm", test_file_not_yet_measured_holds_the_alarm},
	{"file_not_yet_measured_holds_the_fallback_too",
	 test_file_not_yet_measured_holds_the_fallback_too},
	{"programme_that_airs_unfixed_expires_without_a_resolved_event",
	 test_programme_that_airs_unfixed_expires_without_a_resolved_event},
	{"rejected_damaged_and_loud_files_are_causes",
	 test_rejected_damaged_and_loud_files_are_causes},
	{"fallback_is_said_at_the_last_lead_and_resolved_by_the_file",
	 test_fallback_is_said_at_the_last_lead_and_resolved_by_the_file},
	{"fallback_on_air_stands_until_the_end_then_expires",
	 test_fallback_on_air_stands_until_the_end_then_expires},
	{"health_thresholds", test_health_thresholds},
	{"storage_outage_has_its_own_limit", test_storage_outage_has_its_own_limit},
	{"oneshot_is_said_once_and_never_resolved", test_oneshot_is_said_once_and_never_resolved},
	{"filters", test_filters},
	{"expected_name_is_station_time_unless_the_slot_names_one",
	 test_expected_name_is_station_time_unless_the_slot_names_one},
	{"config_reads_alarms_and_notify_filters", test_config_reads_alarms_and_notify_filters},
	{"config_refuses_unknown_events_and_bad_alarms",
	 test_config_refuses_unknown_events_and_bad_alarms},
	{"state_keeps_alarms_and_sends", test_state_keeps_alarms_and_sends},
	{NULL, NULL},
};

static int init_zone(void)
{
	return set_zone();
}

static const struct po_suite suites[] = {
	{"alarms", tests, init_zone, NULL},
	{NULL, NULL, NULL, NULL},
};

int main(void)
{
	return po_test_run("test_alarms", suites);
}
