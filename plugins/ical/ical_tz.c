/*
 * TZID to zone (ical_tz.h). The Windows table holds the zones Outlook and
 * Exchange write most, each to the IANA zone CLDR's windowsZones.xml gives
 * for the world ("001") territory.
 */
#include "ical_tz.h"

#include <string.h>
#include <strings.h>

struct ical_tz_map {
	const char *windows;
	const char *iana;
};

static const struct ical_tz_map ical_tz_windows[] = {
	{ "UTC", "UTC" },
	{ "GMT Standard Time", "Europe/London" },
	{ "Greenwich Standard Time", "Atlantic/Reykjavik" },
	{ "W. Europe Standard Time", "Europe/Berlin" },
	{ "Romance Standard Time", "Europe/Paris" },
	{ "Central Europe Standard Time", "Europe/Budapest" },
	{ "Central European Standard Time", "Europe/Warsaw" },
	{ "E. Europe Standard Time", "Europe/Chisinau" },
	{ "FLE Standard Time", "Europe/Kiev" },
	{ "GTB Standard Time", "Europe/Bucharest" },
	{ "Russian Standard Time", "Europe/Moscow" },
	{ "Turkey Standard Time", "Europe/Istanbul" },
	{ "Israel Standard Time", "Asia/Jerusalem" },
	{ "Egypt Standard Time", "Africa/Cairo" },
	{ "South Africa Standard Time", "Africa/Johannesburg" },
	{ "W. Central Africa Standard Time", "Africa/Lagos" },
	{ "E. Africa Standard Time", "Africa/Nairobi" },
	{ "Morocco Standard Time", "Africa/Casablanca" },
	{ "Arabian Standard Time", "Asia/Dubai" },
	{ "Arab Standard Time", "Asia/Riyadh" },
	{ "India Standard Time", "Asia/Kolkata" },
	{ "SE Asia Standard Time", "Asia/Bangkok" },
	{ "China Standard Time", "Asia/Shanghai" },
	{ "Singapore Standard Time", "Asia/Singapore" },
	{ "Tokyo Standard Time", "Asia/Tokyo" },
	{ "Korea Standard Time", "Asia/Seoul" },
	{ "AUS Eastern Standard Time", "Australia/Sydney" },
	{ "E. Australia Standard Time", "Australia/Brisbane" },
	{ "Cen. Australia Standard Time", "Australia/Adelaide" },
	{ "W. Australia Standard Time", "Australia/Perth" },
	{ "New Zealand Standard Time", "Pacific/Auckland" },
	{ "Hawaiian Standard Time", "Pacific/Honolulu" },
	{ "Alaskan Standard Time", "America/Anchorage" },
	{ "Pacific Standard Time", "America/Los_Angeles" },
	{ "US Mountain Standard Time", "America/Phoenix" },
	{ "Mountain Standard Time", "America/Denver" },
	{ "Central Standard Time", "America/Chicago" },
	{ "Central Standard Time (Mexico)", "America/Mexico_City" },
	{ "Canada Central Standard Time", "America/Regina" },
	{ "Eastern Standard Time", "America/New_York" },
	{ "Atlantic Standard Time", "America/Halifax" },
	{ "Newfoundland Standard Time", "America/St_Johns" },
	{ "E. South America Standard Time", "America/Sao_Paulo" },
	{ "Argentina Standard Time", "America/Argentina/Buenos_Aires" },
	{ NULL, NULL },
};

const char *ical_tz_windows_to_iana(const char *windows_name)
{
	for (size_t i = 0; ical_tz_windows[i].windows; i++)
		if (strcasecmp(ical_tz_windows[i].windows, windows_name) == 0)
			return ical_tz_windows[i].iana;
	return NULL;
}

icaltimezone *ical_tz_find(icalcomponent *cal, const char *tzid)
{
	const char *iana = ical_tz_windows_to_iana(tzid);
	icaltimezone *z = NULL;

	if (iana && strcmp(iana, "UTC") == 0)
		return icaltimezone_get_utc_timezone();
	if (iana)
		z = icaltimezone_get_builtin_timezone(iana);
	if (!z && cal)
		z = icalcomponent_get_timezone(cal, tzid);
	/* libical's built-in lookup wants a plain IANA name: not a path, not
	 * a name the system's zone data would be opened on the way to */
	if (!z && tzid[0] && !strchr(tzid, '.') && tzid[0] != '/')
		z = icaltimezone_get_builtin_timezone(tzid);
	if (!z && (strcasecmp(tzid, "UTC") == 0 || strcasecmp(tzid, "Etc/UTC") == 0 ||
		   strcasecmp(tzid, "GMT") == 0))
		z = icaltimezone_get_utc_timezone();
	return z;
}
