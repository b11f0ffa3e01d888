/*
 * How station-local wall time maps to UTC instants (DST gaps and repeats
 * included), and how instants are read from and written as ISO 8601.
 */
#include "timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZONEINFO_DIR "/usr/share/zoneinfo"
#define YEAR_MIN 1900
#define YEAR_MAX 9999

/* ---- the zone ------------------------------------------------------------ */

static int zone_name_ok(const char *zone)
{
	if (!zone[0] || zone[0] == '/' || strlen(zone) > 200)
		return 0;
	for (const char *p = zone; *p; p++) {
		char ch = *p;
		if (!(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') &&
		    !(ch >= '0' && ch <= '9') && ch != '/' && ch != '_' && ch != '-' &&
		    ch != '+' && ch != '.')
			return 0;
	}
	/* no "..", no empty component, no trailing '/' */
	return !strstr(zone, "..") && !strstr(zone, "//") && zone[strlen(zone) - 1] != '/';
}

int po_tz_set(const char *zone, struct playout_error *err)
{
	if (!zone || !zone_name_ok(zone))
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "timezone \"%s\": not an IANA zone name "
					 "(like \"Europe/London\"; no paths, no \"..\")",
					 zone ? zone : "(null)");

	char path[512];
	snprintf(path, sizeof path, "%s/%s", ZONEINFO_DIR, zone);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "timezone \"%s\": %s: %s (is tzdata installed?)", zone,
					 path, strerror(errno));
	struct stat st;
	char magic[4] = {0};
	int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		 read(fd, magic, sizeof magic) == (ssize_t)sizeof magic &&
		 memcmp(magic, "TZif", 4) == 0;
	close(fd);
	if (!ok)
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "timezone \"%s\": %s is not a zone file", zone, path);

	char tz[256];
	snprintf(tz, sizeof tz, ":%s", zone);
	if (setenv("TZ", tz, 1) != 0)
		return playout_error_set(err, PLAYOUT_ENOMEM, "timezone \"%s\": setenv: %s",
					 zone, strerror(errno));
	tzset();
	return PLAYOUT_OK;
}

/* ---- calendar helpers ---------------------------------------------------- */

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

static int fields_ok(int year, int mon, int day, int hour, int min, int sec)
{
	return year >= YEAR_MIN && year <= YEAR_MAX && mon >= 1 && mon <= 12 && day >= 1 &&
	       day <= days_in_month(year, mon) && hour >= 0 && hour <= 23 && min >= 0 &&
	       min <= 59 && sec >= 0 && sec <= 59;
}

/* Seconds since the epoch of the fields read as if they were UTC. */
static time_t naive_utc(int year, int mon, int day, int hour, int min, int sec)
{
	struct tm tm = {
		.tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = day,
		.tm_hour = hour, .tm_min = min, .tm_sec = sec,
	};
	return timegm(&tm);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* ---- local wall time to UTC ---------------------------------------------- */

#define MAX_OFFSETS 8

static void add_offset(long *offs, size_t *n, long off)
{
	for (size_t i = 0; i < *n; i++)
		if (offs[i] == off)
			return;
	if (*n < MAX_OFFSETS)
		offs[(*n)++] = off;
}

/*
 * The instant t is a valid reading of local wall time L (naive seconds t0)
 * when t + utcoff(t) == t0. Every such t is t0 - o for an offset o the zone
 * uses near t0, so: collect the offsets in force around t0 (mktime with
 * tm_isdst 0 and 1, and localtime a day either side), then verify each
 * candidate by converting it back. Zero valid candidates: a gap; two: the
 * repeated hour. This works for negative DST (Dublin), 30-minute DST
 * (Lord Howe) and changes of standard offset, where tm_isdst alone would not.
 */
int po_tz_local_to_utc(int year, int mon, int day, int hour, int min, int sec,
		       int64_t *first, int64_t *second)
{
	if (second)
		*second = 0;
	if (!fields_ok(year, mon, day, hour, min, sec))
		return PLAYOUT_EINVAL;

	time_t t0 = naive_utc(year, mon, day, hour, min, sec);
	long offs[MAX_OFFSETS];
	size_t noffs = 0;
	struct tm tm;

	for (int isdst = 0; isdst <= 1; isdst++) {
		struct tm in = {
			.tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = day,
			.tm_hour = hour, .tm_min = min, .tm_sec = sec, .tm_isdst = isdst,
		};
		time_t t = mktime(&in);
		if (t != (time_t)-1)
			add_offset(offs, &noffs, (long)(t0 - t));
	}
	for (int d = -1; d <= 1; d++) {
		time_t probe = t0 + (time_t)d * 86400;
		if (localtime_r(&probe, &tm))
			add_offset(offs, &noffs, tm.tm_gmtoff);
	}

	time_t valid[MAX_OFFSETS];
	size_t nvalid = 0;
	/* for the gap: the candidate whose reading lands soonest after t0 */
	time_t gap_t = 0, gap_local = 0;
	int have_gap = 0;

	for (size_t i = 0; i < noffs; i++) {
		time_t t = t0 - offs[i];
		if (!localtime_r(&t, &tm))
			continue;
		time_t local = t + tm.tm_gmtoff;
		if (local == t0) {
			int dup = 0;
			for (size_t j = 0; j < nvalid; j++)
				dup |= valid[j] == t;
			if (!dup)
				valid[nvalid++] = t;
		} else if (local > t0 &&
			   (!have_gap || local < gap_local || (local == gap_local && t < gap_t))) {
			gap_t = t;
			gap_local = local;
			have_gap = 1;
		}
	}

	if (nvalid == 0) {
		if (!have_gap)
			return PLAYOUT_EINVAL;
		*first = (int64_t)gap_t * 1000;
		return PLAYOUT_OK;
	}
	time_t lo = valid[0], hi = valid[0];
	for (size_t j = 1; j < nvalid; j++) {
		if (valid[j] < lo)
			lo = valid[j];
		if (valid[j] > hi)
			hi = valid[j];
	}
	*first = (int64_t)lo * 1000;
	if (second && hi != lo)
		*second = (int64_t)hi * 1000;
	return PLAYOUT_OK;
}

void po_tz_utc_to_local(int64_t utc_ms, struct tm *out, long *utcoff_s)
{
	time_t t = (time_t)floor_div(utc_ms, 1000);
	if (!localtime_r(&t, out))
		memset(out, 0, sizeof *out);
	if (utcoff_s)
		*utcoff_s = out->tm_gmtoff;
}

int po_tz_to_local(int64_t utc_ms, struct tm *out)
{
	time_t t = (time_t)floor_div(utc_ms, 1000);
	if (!localtime_r(&t, out)) {
		memset(out, 0, sizeof *out);
		return PLAYOUT_EINVAL;
	}
	return PLAYOUT_OK;
}

/* ---- ISO 8601 ------------------------------------------------------------- */

/* Read exactly n digits. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int po_iso8601_parse(const char *s, int64_t *utc_ms)
{
	int year, mon, day, hour, min, sec = 0, ms = 0;
	const char *p = s;

	if (!s)
		return PLAYOUT_EINVAL;
	if (digits(&p, 4, &year) || *p++ != '-' || digits(&p, 2, &mon) || *p++ != '-' ||
	    digits(&p, 2, &day))
		return PLAYOUT_EINVAL;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return PLAYOUT_EINVAL;
	p++;
	if (digits(&p, 2, &hour) || *p++ != ':' || digits(&p, 2, &min))
		return PLAYOUT_EINVAL;
	if (*p == ':') {
		p++;
		if (digits(&p, 2, &sec))
			return PLAYOUT_EINVAL;
		if (*p == '.' || *p == ',') {
			p++;
			if (!isdigit((unsigned char)*p))
				return PLAYOUT_EINVAL;
			int scale = 100, nd = 0;
			for (; isdigit((unsigned char)*p); p++, nd++) {
				if (nd >= 9)
					return PLAYOUT_EINVAL;
				ms += (*p - '0') * scale;
				scale /= 10;
			}
		}
	}
	if (!fields_ok(year, mon, day, hour, min, sec))
		return PLAYOUT_EINVAL;

	int64_t t;
	if (*p == 'Z' || *p == 'z') {
		p++;
		t = (int64_t)naive_utc(year, mon, day, hour, min, sec) * 1000;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
		if (digits(&p, 2, &oh))
			return PLAYOUT_EINVAL;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &om))
				return PLAYOUT_EINVAL;
		} else if (isdigit((unsigned char)*p)) {
			if (digits(&p, 2, &om))
				return PLAYOUT_EINVAL;
		}
		if (oh > 18 || om > 59)
			return PLAYOUT_EINVAL;
		int64_t off = sign * (oh * 3600 + om * 60);
		t = ((int64_t)naive_utc(year, mon, day, hour, min, sec) - off) * 1000;
	} else {
		if (po_tz_local_to_utc(year, mon, day, hour, min, sec, &t, NULL) != PLAYOUT_OK)
			return PLAYOUT_EINVAL;
	}
	if (*p != '\0')
		return PLAYOUT_EINVAL;
	*utc_ms = t + ms;
	return PLAYOUT_OK;
}

static void format_tm(const struct tm *tm, int ms, char *buf, size_t n, const char *suffix)
{
	if (ms)
		snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%s", tm->tm_year + 1900,
			 tm->tm_mon + 1, tm->tm_mday, tm->tm_hour, tm->tm_min, tm->tm_sec, ms,
			 suffix);
	else
		snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d%s", tm->tm_year + 1900,
			 tm->tm_mon + 1, tm->tm_mday, tm->tm_hour, tm->tm_min, tm->tm_sec,
			 suffix);
}

void po_iso8601_utc(int64_t utc_ms, char *buf, size_t n)
{
	time_t t = (time_t)floor_div(utc_ms, 1000);
	int ms = (int)(utc_ms - (int64_t)t * 1000);
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof tm);
	format_tm(&tm, ms, buf, n, "Z");
}

void po_iso8601_local(int64_t utc_ms, char *buf, size_t n)
{
	time_t t = (time_t)floor_div(utc_ms, 1000);
	int ms = (int)(utc_ms - (int64_t)t * 1000);
	struct tm tm;
	long off;
	po_tz_utc_to_local(utc_ms, &tm, &off);
	char suffix[16];
	int a = (int)((off < 0 ? -off : off) % 86400);
	snprintf(suffix, sizeof suffix, "%c%02d:%02d", off < 0 ? '-' : '+', a / 3600,
		 (a % 3600) / 60);
	format_tm(&tm, ms, buf, n, suffix);
}
