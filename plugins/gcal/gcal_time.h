/*
 * RFC 3339 times for the gcal plugin (gcal_time.c). Internal to the plugin.
 */
#ifndef GCAL_TIME_H
#define GCAL_TIME_H

#include <stddef.h>
#include <stdint.h>

/* "2026-03-29T01:30:00+01:00", "...Z", "...[.frac]..."; no zone counts as UTC
 * (token.json expiry). Four-digit years only, so *ms never overflows.
 * Returns 0 and *ms, or -1. */
int gcal_parse_time(const char *s, int64_t *ms);

/* "2026-03-29T01:30:00Z" into buf (n >= 21); a time gmtime cannot break
 * down is written as the nearest end of 1970..9999. */
void gcal_format_time(int64_t ms, char *buf, size_t n);

#endif
