/*
 * Civil (proleptic Gregorian) dates as day numbers, both ways, in plain
 * integer arithmetic: no time_t, no TZ, no year limit short of int64.
 * Not for wall-clock times or zones: see time.c and local_time.c.
 */
#include <playout/util.h>

int playout_civil_leap(int64_t year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int playout_civil_days_in_month(int64_t year, int mon)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (mon < 1 || mon > 12)
		return 0;
	return mon == 2 && playout_civil_leap(year) ? 29 : dim[mon - 1];
}

/* H. Hinnant's days_from_civil: years counted from March, so the leap day
 * ends a year, in 400-year eras of 146097 days; floor division keeps
 * negative years right. */
int64_t playout_days_from_civil(int64_t year, int mon, int day)
{
	int64_t y = year - (mon <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                                    /* 0..399 */
	int64_t doy = (153 * (mon > 2 ? mon - 3 : mon + 9) + 2) / 5 + day - 1; /* 0..365 */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* 0..146096 */
	return era * 146097 + doe - 719468;
}

/* The inverse (civil_from_days), same eras. */
void playout_civil_from_days(int64_t days, int64_t *year, int *mon, int *day)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1);
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * 400 + (m <= 2);
	*mon = m;
	*day = d;
}
