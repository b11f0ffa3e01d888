/*
 * Feed to slots (ical_expand.h). Every time is turned into a UTC instant
 * before it is compared: an EXDATE or a RECURRENCE-ID may be written in
 * another zone than the DTSTART it removes. Recurrences are walked in the
 * wall time of DTSTART's zone, so a weekly 10:00 stays 10:00 across DST.
 */
#include "ical_expand.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <playout/util.h>

#include "ical_tz.h"

#define ICAL_DAY_MS (24 * 3600 * 1000LL)

/* One occurrence a RECURRENCE-ID event replaces: uid borrowed from cal. */
struct ical_override {
	const char *uid;
	int64_t rid_ms;
};

/* Occurrences an event's EXDATEs remove: instants, and whole days (a DATE
 * value removes the occurrence on that day, as read in the event's zone). */
struct ical_exdates {
	int64_t *ms;
	size_t n;
	int32_t *days; /* yyyymmdd */
	size_t ndays;
};

struct ical_ctx {
	icalcomponent *cal;
	const struct ical_expand_opts *o;
	struct playout_slots *out;
	struct ical_override *ov;
	size_t nov, ovcap;
	size_t steps;  /* recurrence steps taken so far, for max_occurrences */
	int truncated;
};

/* A DATE-TIME value as a wall time and the zone it is read in. */
struct ical_when {
	struct icaltimetype tt; /* zone cleared */
	icaltimezone *zone;     /* NULL: floating, read in the station's zone */
};

static void ical_skip(struct ical_ctx *c, const char *uid, int all_day, const char *fmt,
		      const char *a) __attribute__((format(printf, 4, 0)));
static void ical_skip(struct ical_ctx *c, const char *uid, int all_day, const char *fmt,
		      const char *a)
{
	char why[200];
	snprintf(why, sizeof why, fmt, a);
	if (c->o->skip)
		c->o->skip(c->o->arg, uid, all_day, why);
}

/* Read tt, the value of property p, with p's TZID. 0, or -1 when the TZID
 * names no zone we can find (why says so). */
static int ical_when_of(struct ical_ctx *c, icalproperty *p, struct icaltimetype tt,
			struct ical_when *w, char *why, size_t why_n)
{
	w->zone = NULL;
	if (icaltime_is_utc(tt)) {
		w->zone = icaltimezone_get_utc_timezone();
	} else {
		icalparameter *tp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
		const char *tzid = tp ? icalparameter_get_tzid(tp) : NULL;
		if (tzid) {
			w->zone = ical_tz_find(c->cal, tzid);
			if (!w->zone) {
				snprintf(why, why_n, "unknown time zone \"%.60s\"", tzid);
				return -1;
			}
		}
	}
	tt.zone = NULL;
	w->tt = tt;
	return 0;
}

/* z's UTC offset in seconds at instant t. */
static int ical_offset_at(icaltimezone *z, time_t t)
{
	struct icaltimetype u = icaltime_from_timet_with_zone(t, 0, icaltimezone_get_utc_timezone());
	int dst = 0;
	return icaltimezone_get_utc_offset_of_utc_time(z, &u, &dst);
}

/* ical_offset_at as playout_local_to_utc asks for it. */
static int ical_offset_fn(void *zone, int64_t utc_s, long *offset_s)
{
	*offset_s = ical_offset_at(zone, (time_t)utc_s);
	return 0;
}

/* The UTC instant of wall time tt in zone z (NULL: station time). -1 for
 * a time out of the range the core plans in (1970 to 2199). */
static int ical_ms(const struct ical_ctx *c, struct icaltimetype tt, icaltimezone *z, int64_t *ms)
{
	if (icaltime_is_null_time(tt) || !icaltime_is_valid_time(tt) || tt.year < 1970 ||
	    tt.year > 2199 || tt.month < 1 || tt.month > 12 || tt.day < 1 || tt.day > 31)
		return -1;
	tt.is_date = 0;
	tt.zone = NULL;
	/* in a zone of the feed, the core's rule for station time (doc/design.md
	 * §5), which libical does not follow: a time in the spring gap moves
	 * forward by the gap, one in the repeated autumn hour is the first */
	if (z)
		return playout_local_to_utc(tt.year, tt.month, tt.day, tt.hour, tt.minute, tt.second,
					    ical_offset_fn, z, ms, NULL) == PLAYOUT_OK ? 0 : -1;
	return c->o->host->local_to_utc(c->o->host, tt.year, tt.month, tt.day, tt.hour, tt.minute,
					tt.second, ms) == PLAYOUT_OK ? 0 : -1;
}

/* The wall time of instant ms in zone z (NULL: station time). */
static int ical_wall(const struct ical_ctx *c, int64_t ms, icaltimezone *z, struct icaltimetype *tt)
{
	struct tm tm;

	if (z) {
		*tt = icaltime_from_timet_with_zone((time_t)(ms / 1000), 0, z);
		tt->zone = NULL;
		return 0;
	}
	if (c->o->host->utc_to_local(c->o->host, ms, &tm) != PLAYOUT_OK)
		return -1;
	*tt = icaltime_null_time();
	tt->year = tm.tm_year + 1900;
	tt->month = tm.tm_mon + 1;
	tt->day = tm.tm_mday;
	tt->hour = tm.tm_hour;
	tt->minute = tm.tm_min;
	tt->second = tm.tm_sec;
	return 0;
}

/* PID and type of the slot from the description (playout_desc_tags): 0,
 * 1 with why filled when the event is not usable, or PLAYOUT_ENOMEM. */
static int ical_desc_tags(const char *desc, struct playout_slot *tmpl, char *why, size_t why_n)
{
	struct playout_desc tags;

	if (playout_desc_tags(desc, &tags) != PLAYOUT_OK)
		return PLAYOUT_ENOMEM;
	tmpl->type = PLAYOUT_SLOT_RECORDED;
	if (!tags.pid_len) {
		snprintf(why, why_n, "no PID:<pid> in the description");
		return 1;
	}
	if (tags.pid_len >= PLAYOUT_PID_MAX) {
		snprintf(why, why_n, "PID longer than %d characters (%.60s)", PLAYOUT_PID_MAX - 1,
			 tags.pid);
		return 1;
	}
	memcpy(tmpl->pid, tags.pid, sizeof tmpl->pid);
	if (strcasecmp(tags.type, "LIVE") == 0) {
		tmpl->type = PLAYOUT_SLOT_LIVE;
	} else if (tags.type[0] && strcasecmp(tags.type, "RECORDED") != 0) {
		snprintf(why, why_n, "TYPE is neither RECORDED nor LIVE (%.30s)", tags.type);
		return 1;
	}
	return 0;
}

static int ical_push(struct ical_ctx *c, int64_t start_ms, int64_t dur_ms,
		     const struct playout_slot *tmpl)
{
	struct playout_slot s;

	if (start_ms >= c->o->to_ms || start_ms + dur_ms <= c->o->from_ms)
		return PLAYOUT_OK;
	s = *tmpl;
	s.start_ms = start_ms;
	s.end_ms = start_ms + dur_ms;
	return playout_slots_push(c->out, &s);
}

static int ical_overridden(const struct ical_ctx *c, const char *uid, int64_t ms)
{
	for (size_t i = 0; i < c->nov; i++)
		if (c->ov[i].rid_ms == ms && strcmp(c->ov[i].uid, uid) == 0)
			return 1;
	return 0;
}

static int ical_excluded(const struct ical_exdates *ex, int64_t ms, struct icaltimetype wall)
{
	int32_t day = wall.year * 10000 + wall.month * 100 + wall.day;
	for (size_t i = 0; i < ex->n; i++)
		if (ex->ms[i] == ms)
			return 1;
	for (size_t i = 0; i < ex->ndays; i++)
		if (ex->days[i] == day)
			return 1;
	return 0;
}

/* One occurrence of a recurring event, unless an EXDATE removes it or a
 * RECURRENCE-ID event replaces it. */
static int ical_occurrence(struct ical_ctx *c, const char *uid, int64_t ms,
			   struct icaltimetype wall, int64_t dur_ms, const struct ical_exdates *ex,
			   const struct playout_slot *tmpl)
{
	if (ms >= c->o->to_ms || ms + dur_ms <= c->o->from_ms)
		return PLAYOUT_OK;
	if (ical_excluded(ex, ms, wall) || ical_overridden(c, uid, ms))
		return PLAYOUT_OK;
	return ical_push(c, ms, dur_ms, tmpl);
}

static int ical_exdates_read(struct ical_ctx *c, icalcomponent *ev, const char *uid,
			     struct ical_exdates *ex)
{
	char why[128];

	for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_EXDATE_PROPERTY); p;
	     p = icalcomponent_get_next_property(ev, ICAL_EXDATE_PROPERTY)) {
		struct icaltimetype tt = icalproperty_get_exdate(p);
		struct ical_when w;
		int64_t ms;
		if (tt.is_date) {
			int32_t *v = realloc(ex->days, (ex->ndays + 1) * sizeof *v);
			if (!v)
				return PLAYOUT_ENOMEM;
			ex->days = v;
			ex->days[ex->ndays++] = tt.year * 10000 + tt.month * 100 + tt.day;
			continue;
		}
		if (ical_when_of(c, p, tt, &w, why, sizeof why) != 0) {
			ical_skip(c, uid, 0, "an EXDATE: %s (the occurrence stays)", why);
			continue;
		}
		if (ical_ms(c, w.tt, w.zone, &ms) != 0)
			continue;
		int64_t *v = realloc(ex->ms, (ex->n + 1) * sizeof *v);
		if (!v)
			return PLAYOUT_ENOMEM;
		ex->ms = v;
		ex->ms[ex->n++] = ms;
	}
	return PLAYOUT_OK;
}

/* The occurrences of one RRULE, walked from near the window's start. */
static int ical_rrule(struct ical_ctx *c, icalproperty *p, const char *uid,
		      const struct ical_when *ws, int64_t start_ms, int64_t dur_ms,
		      const struct ical_exdates *ex, const struct playout_slot *tmpl)
{
	struct icalrecurrencetype r = icalproperty_get_rrule(p);
	icaltimezone *utc = icaltimezone_get_utc_timezone();
	int rc = PLAYOUT_OK;

	if (r.freq == ICAL_NO_RECURRENCE) {
		ical_skip(c, uid, 0, "RRULE without a usable FREQ%s; its first time only", "");
		return PLAYOUT_OK;
	}
	/* A UTC UNTIL (as RFC 5545 wants with a TZID start) compared with wall
	 * times: turn it into the same wall clock first. */
	if (!icaltime_is_null_time(r.until)) {
		int64_t until_ms;
		struct icaltimetype u = r.until;
		int is_utc = icaltime_is_utc(u);
		u.zone = NULL;
		if (u.is_date) { /* a date UNTIL ends with its day */
			u.is_date = 0;
			u.hour = 23;
			u.minute = u.second = 59;
		}
		if (ical_ms(c, u, is_utc ? utc : ws->zone, &until_ms) == 0) {
			/* a series that ended before the window costs nothing: old
			 * calendars export every series they ever had */
			if (until_ms < c->o->from_ms - dur_ms)
				return PLAYOUT_OK;
			if (is_utc && ws->zone != utc && ical_wall(c, until_ms, ws->zone, &u) == 0)
				r.until = u;
		}
	}
	r.until.zone = NULL;
	if (c->truncated)
		return PLAYOUT_OK; /* the budget is spent, and that was said */
	icalrecur_iterator *it = icalrecur_iterator_new(r, ws->tt);
	if (!it) {
		ical_skip(c, uid, 0, "RRULE not usable%s; its first time only", "");
		return PLAYOUT_OK;
	}
	/* Skip the years before the window (not with COUNT: then the count
	 * must be walked from the start). */
	int64_t jump_ms = c->o->from_ms - dur_ms - ICAL_DAY_MS;
	struct icaltimetype jump;
	if (r.count == 0 && jump_ms > start_ms && ical_wall(c, jump_ms, ws->zone, &jump) == 0)
		icalrecur_iterator_set_start(it, jump);
	for (;;) {
		struct icaltimetype tt = icalrecur_iterator_next(it);
		int64_t ms;
		if (icaltime_is_null_time(tt))
			break;
		if (++c->steps > c->o->max_occurrences) {
			char lim[32];
			snprintf(lim, sizeof lim, "%zu", c->o->max_occurrences);
			ical_skip(c, uid, 0, "the feed's recurrences make more than %s occurrences "
				  "(max_occurrences): this one and the recurring events after it "
				  "are cut short", lim);
			c->truncated = 1;
			break;
		}
		if (ical_ms(c, tt, ws->zone, &ms) != 0)
			continue;
		if (ms >= c->o->to_ms)
			break;
		if (ms == start_ms)
			continue; /* DTSTART is taken on its own */
		rc = ical_occurrence(c, uid, ms, tt, dur_ms, ex, tmpl);
		if (rc != PLAYOUT_OK)
			break;
	}
	icalrecur_iterator_free(it);
	return rc;
}

/* A recurring event: DTSTART, its RDATEs and its RRULEs' occurrences. */
static int ical_series(struct ical_ctx *c, icalcomponent *ev, const char *uid,
		       const struct ical_when *ws, int64_t start_ms, int64_t dur_ms,
		       const struct playout_slot *tmpl)
{
	struct ical_exdates ex = { 0 };
	char why[128];
	int rc = ical_exdates_read(c, ev, uid, &ex);

	if (rc == PLAYOUT_OK)
		rc = ical_occurrence(c, uid, start_ms, ws->tt, dur_ms, &ex, tmpl);
	for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_RDATE_PROPERTY);
	     p && rc == PLAYOUT_OK; p = icalcomponent_get_next_property(ev, ICAL_RDATE_PROPERTY)) {
		struct icaldatetimeperiodtype dp = icalproperty_get_rdate(p);
		struct icaltimetype tt = icaltime_is_null_time(dp.time) ? dp.period.start : dp.time;
		struct ical_when w;
		int64_t ms;
		if (tt.is_date || ical_when_of(c, p, tt, &w, why, sizeof why) != 0 ||
		    ical_ms(c, w.tt, w.zone, &ms) != 0 || ms == start_ms)
			continue;
		rc = ical_occurrence(c, uid, ms, w.tt, dur_ms, &ex, tmpl);
	}
	for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY);
	     p && rc == PLAYOUT_OK; p = icalcomponent_get_next_property(ev, ICAL_RRULE_PROPERTY)) {
		/* ical_rrule reads no property of ev: this walk is not disturbed */
		rc = ical_rrule(c, p, uid, ws, start_ms, dur_ms, &ex, tmpl);
	}
	free(ex.ms);
	free(ex.days);
	return rc;
}

/* The event's length from DTEND or DURATION; 0 when it has neither or
 * they make no sense (why says so). */
static int64_t ical_duration(struct ical_ctx *c, icalcomponent *ev, int64_t start_ms, char *why,
			     size_t why_n)
{
	icalproperty *pe = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY);
	icalproperty *pd = icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY);
	int64_t dur = 0;

	if (pe) {
		struct icaltimetype et = icalproperty_get_dtend(pe);
		struct ical_when w;
		int64_t end_ms;
		if (et.is_date) {
			snprintf(why, why_n, "DTEND is a date, DTSTART a time");
			return 0;
		}
		if (ical_when_of(c, pe, et, &w, why, why_n) != 0)
			return 0;
		if (ical_ms(c, w.tt, w.zone, &end_ms) != 0) {
			snprintf(why, why_n, "DTEND out of range");
			return 0;
		}
		dur = end_ms - start_ms;
	} else if (pd) {
		struct icaldurationtype d = icalproperty_get_duration(pd);
		dur = (int64_t)icaldurationtype_as_int(d) * 1000;
	} else {
		snprintf(why, why_n, "neither DTEND nor DURATION");
		return 0;
	}
	if (dur <= 0) {
		snprintf(why, why_n, "end is not after start");
		return 0;
	}
	if (dur > ICAL_MAX_EVENT_MS) {
		snprintf(why, why_n, "longer than a week");
		return 0;
	}
	return dur;
}

static int ical_event(struct ical_ctx *c, icalcomponent *ev)
{
	const char *uid = icalcomponent_get_uid(ev);
	icalproperty *ps = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
	int recurring = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY) ||
			icalcomponent_get_first_property(ev, ICAL_RDATE_PROPERTY);
	int is_override = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY) != NULL;
	const char *summary = icalcomponent_get_summary(ev);
	struct playout_slot tmpl;
	struct ical_when ws;
	int64_t start_ms, dur_ms;
	char why[200];
	int rc;

	if (!uid)
		uid = "";
	if (icalcomponent_get_status(ev) == ICAL_STATUS_CANCELLED)
		return PLAYOUT_OK;
	if (!ps) {
		ical_skip(c, uid, 0, "no DTSTART%s", "");
		return PLAYOUT_OK;
	}
	struct icaltimetype st = icalproperty_get_dtstart(ps);
	if (st.is_date) {
		ical_skip(c, uid, 1, "all-day event (\"%.60s\"): not a programme slot",
			  summary ? summary : "");
		return PLAYOUT_OK;
	}
	if (ical_when_of(c, ps, st, &ws, why, sizeof why) != 0) {
		ical_skip(c, uid, 0, "%s", why);
		return PLAYOUT_OK;
	}
	if (ical_ms(c, ws.tt, ws.zone, &start_ms) != 0) {
		ical_skip(c, uid, 0, "DTSTART out of range%s", "");
		return PLAYOUT_OK;
	}
	dur_ms = ical_duration(c, ev, start_ms, why, sizeof why);
	if (dur_ms == 0) {
		ical_skip(c, uid, 0, "%s", why);
		return PLAYOUT_OK;
	}
	/* An event that cannot reach the window says nothing (a bad PID in
	 * last year's single event is no news) */
	if (!recurring && (start_ms >= c->o->to_ms || start_ms + dur_ms <= c->o->from_ms))
		return PLAYOUT_OK;
	if (recurring && start_ms >= c->o->to_ms)
		return PLAYOUT_OK;
	memset(&tmpl, 0, sizeof tmpl);
	rc = ical_desc_tags(icalcomponent_get_description(ev), &tmpl, why, sizeof why);
	if (rc < 0)
		return rc;
	if (rc > 0) {
		ical_skip(c, uid, 0, "%s", why);
		return PLAYOUT_OK;
	}
	playout_utf8_copy(tmpl.title, sizeof tmpl.title, summary ? summary : "");
	if (recurring && !is_override)
		return ical_series(c, ev, uid, &ws, start_ms, dur_ms, &tmpl);
	if (!is_override && ical_overridden(c, uid, start_ms))
		return PLAYOUT_OK;
	return ical_push(c, start_ms, dur_ms, &tmpl);
}

/* The occurrences RECURRENCE-ID events replace (or cancel). */
static int ical_overrides_read(struct ical_ctx *c)
{
	char why[128];

	for (icalcomponent *ev = icalcomponent_get_first_component(c->cal, ICAL_VEVENT_COMPONENT);
	     ev; ev = icalcomponent_get_next_component(c->cal, ICAL_VEVENT_COMPONENT)) {
		icalproperty *p = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
		const char *uid = icalcomponent_get_uid(ev);
		struct ical_when w;
		int64_t ms;
		if (!p || !uid)
			continue;
		struct icaltimetype tt = icalproperty_get_recurrenceid(p);
		if (tt.is_date || ical_when_of(c, p, tt, &w, why, sizeof why) != 0 ||
		    ical_ms(c, w.tt, w.zone, &ms) != 0)
			continue;
		if (c->nov == c->ovcap) {
			size_t cap = c->ovcap ? c->ovcap * 2 : 16;
			struct ical_override *v = realloc(c->ov, cap * sizeof *v);
			if (!v)
				return PLAYOUT_ENOMEM;
			c->ov = v;
			c->ovcap = cap;
		}
		c->ov[c->nov].uid = uid;
		c->ov[c->nov++].rid_ms = ms;
	}
	return PLAYOUT_OK;
}

int ical_expand(icalcomponent *cal, const struct ical_expand_opts *o, struct playout_slots *out,
		int *truncated)
{
	struct ical_ctx c = { .cal = cal, .o = o, .out = out };
	int rc = ical_overrides_read(&c);

	for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	     ev && rc == PLAYOUT_OK; ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
		rc = ical_event(&c, ev);
	free(c.ov);
	if (truncated)
		*truncated = c.truncated;
	return rc;
}
