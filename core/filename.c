/*
 * How a file name yyyymmdd_hhmm_<pid>.mp3 becomes a programme id and the
 * UTC instant(s) it is meant to start.
 */
#include "filename.h"

#include <string.h>
#include <strings.h>

#include <playout/util.h>

#include "timeutil.h"

#define PREFIX_LEN 14 /* "yyyymmdd_hhmm_" */
#define EXT ".mp3"
#define EXT_LEN 4

static int num(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int real_date(int y, int m, int d)
{
	return y >= 1900 && d >= 1 && d <= playout_civil_days_in_month(y, m);
}

/* ASCII only, whatever the locale says */
static int pid_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-';
}

int po_filename_parse(const char *name, struct po_filename *out)
{
	struct po_filename f;
	if (!name || strchr(name, '/'))
		return PLAYOUT_EINVAL;
	size_t len = strlen(name);
	if (len < PREFIX_LEN + 1 + EXT_LEN)
		return PLAYOUT_EINVAL;
	size_t pid_len = len - PREFIX_LEN - EXT_LEN;
	if (pid_len >= PLAYOUT_PID_MAX)
		return PLAYOUT_EINVAL;
	if (num(name, 4, &f.year) || num(name + 4, 2, &f.mon) || num(name + 6, 2, &f.day) ||
	    name[8] != '_' || num(name + 9, 2, &f.hour) || num(name + 11, 2, &f.min) ||
	    name[13] != '_' || strcasecmp(name + len - EXT_LEN, EXT) != 0)
		return PLAYOUT_EINVAL;
	if (!real_date(f.year, f.mon, f.day) || f.hour > 23 || f.min > 59)
		return PLAYOUT_EINVAL;
	for (size_t i = 0; i < pid_len; i++) {
		unsigned char ch = (unsigned char)name[PREFIX_LEN + i];
		if (!pid_char(ch))
			return PLAYOUT_EINVAL;
		f.pid[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
	}
	f.pid[pid_len] = '\0';
	if (out)
		*out = f;
	return PLAYOUT_OK;
}

int po_filename_to_asset(struct playout_asset *a)
{
	struct po_filename f;
	a->start_ms = 0;
	a->start_alt_ms = 0;
	a->pid[0] = '\0';
	if (!memchr(a->name, '\0', sizeof a->name) || po_filename_parse(a->name, &f) != PLAYOUT_OK)
		return PLAYOUT_EINVAL;
	int64_t first, second;
	if (po_tz_local_to_utc(f.year, f.mon, f.day, f.hour, f.min, 0, &first, &second) !=
	    PLAYOUT_OK)
		return PLAYOUT_EINVAL;
	a->start_ms = first;
	a->start_alt_ms = second;
	memcpy(a->pid, f.pid, strlen(f.pid) + 1);
	return PLAYOUT_OK;
}
