/*
 * How station-local wall time maps to UTC instants (DST gaps and repeats
 * included), and how instants are read from and written as ISO 8601.
 */
#include "timeutil.h"

#include <playout/util.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZONEINFO_DIR "/usr/share/zoneinfo"

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

/* ---- local wall time to UTC ---------------------------------------------- */

/* The station zone's offset at an instant: the process TZ (po_tz_set). */
static int tz_offset(void *ctx, int64_t utc_s, long *offset_s)
{
	(void)ctx;
	time_t t = (time_t)utc_s;
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return -1;
	*offset_s = tm.tm_gmtoff;
	return 0;
}

/* The gap and overlap rule is libplayout-util's (playout_local_to_utc);
 * the zone is the process TZ. */
int po_tz_local_to_utc(int year, int mon, int day, int hour, int min, int sec,
		       int64_t *first, int64_t *second)
{
	return playout_local_to_utc(year, mon, day, hour, min, sec, tz_offset, NULL, first,
				    second);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
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

int po_iso8601_parse(const char *s, int64_t *utc_ms)
{
	struct playout_time t;
	int64_t ms;

	if (playout_time_scan(s, &t) != PLAYOUT_OK)
		return PLAYOUT_EINVAL;
	if (t.has_offset)
		ms = playout_time_utc_ms(&t);
	else if (po_tz_local_to_utc(t.year, t.mon, t.day, t.hour, t.min, t.sec, &ms, NULL) ==
		 PLAYOUT_OK)
		ms += t.ms;
	else
		return PLAYOUT_EINVAL;
	*utc_ms = ms;
	return PLAYOUT_OK;
}

void po_iso8601_utc(int64_t utc_ms, char *buf, size_t n)
{
	playout_time_format_ms(utc_ms, buf, n);
}

void po_iso8601_local(int64_t utc_ms, char *buf, size_t n)
{
	struct tm tm;
	long off;
	po_tz_utc_to_local(utc_ms, &tm, &off);
	playout_time_format_offset(utc_ms, off, buf, n);
}
