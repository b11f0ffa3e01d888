/*
 * ISO 8601 / RFC 3339 times of <playout/util.h>: reading them into fields
 * and an instant, writing instants in UTC or at an offset. Pure
 * arithmetic (civil.c): no TZ, no time_t, thread-safe. Local times go
 * through the host (playout_time_parse) or local_time.c.
 */
#include <playout/util.h>

#include <stdio.h>

#define MS_PER_DAY INT64_C(86400000)

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Read exactly n digits. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!is_digit((*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* ".250", ",5", up to 9 digits: cut to milliseconds. */
static int fraction(const char **p, int *ms)
{
	int scale = 100, nd = 0;
	if (!is_digit(**p))
		return -1;
	for (; is_digit(**p); (*p)++, nd++) {
		if (nd >= 9)
			return -1;
		*ms += (**p - '0') * scale;
		scale /= 10;
	}
	return 0;
}

/* "Z", "+hh:mm", "+hhmm", "+hh"; nothing at all is no offset. */
static int offset(const char **p, struct playout_time *t)
{
	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		t->has_offset = 1;
		return 0;
	}
	if (**p != '+' && **p != '-')
		return 0;
	int sign = *(*p)++ == '-' ? -1 : 1, oh, om = 0;
	if (digits(p, 2, &oh))
		return -1;
	if (**p == ':') {
		(*p)++;
		if (digits(p, 2, &om))
			return -1;
	} else if (is_digit(**p) && digits(p, 2, &om)) {
		return -1;
	}
	if (oh > 23 || om > 59)
		return -1;
	t->has_offset = 1;
	t->offset_s = sign * (oh * 3600 + om * 60);
	return 0;
}

int playout_time_scan(const char *s, struct playout_time *t)
{
	const char *p = s;

	if (!s || !t)
		return PLAYOUT_EINVAL;
	*t = (struct playout_time){ 0 };
	if (digits(&p, 4, &t->year) || *p++ != '-' || digits(&p, 2, &t->mon) || *p++ != '-' ||
	    digits(&p, 2, &t->day))
		return PLAYOUT_EINVAL;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return PLAYOUT_EINVAL;
	p++;
	if (digits(&p, 2, &t->hour) || *p++ != ':' || digits(&p, 2, &t->min))
		return PLAYOUT_EINVAL;
	if (*p == ':') {
		p++;
		if (digits(&p, 2, &t->sec))
			return PLAYOUT_EINVAL;
		if ((*p == '.' || *p == ',') && (p++, fraction(&p, &t->ms)))
			return PLAYOUT_EINVAL;
	}
	if (offset(&p, t) || *p != '\0')
		return PLAYOUT_EINVAL;
	if (t->mon < 1 || t->mon > 12 || t->day < 1 ||
	    t->day > playout_civil_days_in_month(t->year, t->mon) || t->hour > 23 || t->min > 59 ||
	    t->sec > 59)
		return PLAYOUT_EINVAL;
	return PLAYOUT_OK;
}

int64_t playout_time_utc_ms(const struct playout_time *t)
{
	int64_t s = playout_days_from_civil(t->year, t->mon, t->day) * 86400 + t->hour * 3600 +
		    t->min * 60 + t->sec - (t->has_offset ? t->offset_s : 0);
	return s * 1000 + t->ms;
}

int playout_time_parse(const char *s, const struct playout_host *host, int64_t *utc_ms)
{
	struct playout_time t;
	if (playout_time_scan(s, &t) != PLAYOUT_OK)
		return PLAYOUT_EINVAL;
	if (t.has_offset || !host) {
		*utc_ms = playout_time_utc_ms(&t);
		return PLAYOUT_OK;
	}
	int64_t ms;
	if (!host->local_to_utc ||
	    host->local_to_utc(host, t.year, t.mon, t.day, t.hour, t.min, t.sec, &ms) != PLAYOUT_OK)
		return PLAYOUT_EINVAL;
	*utc_ms = ms + t.ms;
	return PLAYOUT_OK;
}

/* Floor division: instants before 1970 still land on their day. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* wall_ms (a wall time counted like UTC) as fields, clamped to years
 * 0000..9999 so that every caller's buffer size holds. */
static void wall_format(int64_t wall_ms, int show_ms, const char *suffix, char *buf, size_t n)
{
	static const int64_t lo = INT64_C(-62167219200000);  /* 0000-01-01T00:00:00 */
	static const int64_t hi = INT64_C(253402300799000);  /* 9999-12-31T23:59:59 */
	if (wall_ms < lo)
		wall_ms = lo;
	else if (wall_ms > hi + 999)
		wall_ms = hi;
	int64_t days = floor_div(wall_ms, MS_PER_DAY), y;
	int64_t in_day = wall_ms - days * MS_PER_DAY;
	int mon, day;
	playout_civil_from_days(days, &y, &mon, &day);
	int hh = (int)(in_day / 3600000), mm = (int)(in_day / 60000 % 60),
	    ss = (int)(in_day / 1000 % 60), ms = (int)(in_day % 1000);
	if (show_ms && ms)
		snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%s", (int)y, mon, day, hh, mm,
			 ss, ms, suffix);
	else
		snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d%s", (int)y, mon, day, hh, mm, ss,
			 suffix);
}

void playout_time_format(int64_t utc_ms, char *buf, size_t n)
{
	wall_format(utc_ms, 0, "Z", buf, n);
}

void playout_time_format_ms(int64_t utc_ms, char *buf, size_t n)
{
	wall_format(utc_ms, 1, "Z", buf, n);
}

void playout_time_format_offset(int64_t utc_ms, long offset_s, char *buf, size_t n)
{
	char suffix[16];
	long a = (offset_s < 0 ? -offset_s : offset_s) % 86400;
	snprintf(suffix, sizeof suffix, "%c%02ld:%02ld", offset_s < 0 ? '-' : '+', a / 3600,
		 a % 3600 / 60);
	int64_t off_ms = (int64_t)(offset_s % 86400) * 1000;
	/* saturate: a wall time past the int64 range is clamped anyway */
	int64_t wall = (off_ms > 0 && utc_ms > INT64_MAX - off_ms) ? INT64_MAX :
		       (off_ms < 0 && utc_ms < INT64_MIN - off_ms) ? INT64_MIN : utc_ms + off_ms;
	wall_format(wall, 1, suffix, buf, n);
}
