/*
 * The station's file naming rule, yyyymmdd_hhmm_<pid>.mp3, where the time is
 * station-local and pid is matched case-insensitively. Parsing only: no I/O.
 */
#ifndef PO_FILENAME_H
#define PO_FILENAME_H

#include <playout/plugin.h>

struct po_filename {
	int year, mon, day, hour, min;
	char pid[PLAYOUT_PID_MAX]; /* lower-cased; [a-z0-9-] and '_' allowed */
};

/* PLAYOUT_OK when name (a bare file name, no '/') follows the rule and the
 * date and time are real; PLAYOUT_EINVAL otherwise. Extension ".mp3" in any
 * case. */
int po_filename_parse(const char *name, struct po_filename *out);

/* Fill a->start_ms, a->start_alt_ms and a->pid from a->name in the station
 * zone. PLAYOUT_EINVAL (fields left 0/empty) when the name does not match. */
int po_filename_to_asset(struct playout_asset *a);

#endif
