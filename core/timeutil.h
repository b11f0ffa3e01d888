/*
 * Station time zone and ISO 8601, the only places local time appears.
 * The zone is process-wide (TZ): po_tz_set is called once by main before any
 * thread starts; the conversions are then thread-safe (localtime_r/mktime).
 */
#ifndef PO_TIMEUTIL_H
#define PO_TIMEUTIL_H

#include <stdint.h>
#include <stddef.h>
#include <time.h>

#include <playout/plugin.h>

/* zone: IANA name ("Europe/London"); fails when /usr/share/zoneinfo lacks it. */
int po_tz_set(const char *zone, struct playout_error *err);

/* Local wall time to UTC ms. *first gets the first occurrence (the earlier
 * instant in the repeated autumn hour); *second (may be NULL) gets the later
 * one, or 0 when the time is not ambiguous. A time inside the spring gap is
 * moved forward by the gap (01:30 -> 02:30 in London) and PLAYOUT_OK is
 * returned. PLAYOUT_EINVAL for impossible fields (month 13, Feb 30). */
int po_tz_local_to_utc(int year, int mon, int day, int hour, int min, int sec,
		       int64_t *first, int64_t *second);
/* UTC ms to station-local broken-down time; *utcoff_s gets the offset. */
void po_tz_utc_to_local(int64_t utc_ms, struct tm *out, long *utcoff_s);
/* The same, as host->utc_to_local: PLAYOUT_EINVAL (out zeroed) for an
 * instant localtime_r cannot break down. */
int po_tz_to_local(int64_t utc_ms, struct tm *out);

/* Parse "2026-03-29T01:00:00Z", "...+01:00", "...+0100", fractions allowed,
 * "T" or " " as separator, seconds optional. Without an offset the time is
 * station-local (first occurrence). Returns PLAYOUT_OK or PLAYOUT_EINVAL. */
int po_iso8601_parse(const char *s, int64_t *utc_ms);
/* "2026-03-29T01:00:00Z" (ms shown only when not zero). buf >= 32 bytes. */
void po_iso8601_utc(int64_t utc_ms, char *buf, size_t n);
/* "2026-03-29T02:00:00+01:00" in the station zone. buf >= 40 bytes. */
void po_iso8601_local(int64_t utc_ms, char *buf, size_t n);

#endif
