/*
 * Which zone a TZID names in a feed: the Windows names Outlook writes
 * ("W. Europe Standard Time") mapped to IANA, the feed's own VTIMEZONE, or
 * an IANA name from the system's zone data. Internal to the ical plugin.
 */
#ifndef ICAL_TZ_H
#define ICAL_TZ_H

#include <libical/ical.h>

/* The IANA name for a Windows zone name, or NULL when it is not one we
 * know (the common ones of Europe, the Americas, Africa, Asia, Oceania). */
const char *ical_tz_windows_to_iana(const char *windows_name);

/* The zone tzid names for times in cal: a Windows name we know (system zone
 * data: right for every year, where Outlook's VTIMEZONE holds only today's
 * rule), else cal's VTIMEZONE of that TZID, else the system zone of that
 * IANA name; NULL when none. Borrowed: from libical's built-in zones (for
 * the process) or from cal (until it is freed). The caller's thread only
 * for cal's zones (libical expands them lazily, without a lock). */
icaltimezone *ical_tz_find(icalcomponent *cal, const char *tzid);

#endif
