/*
 * PID: and TYPE: read from an event's DESCRIPTION, as the gcal plugin reads
 * them (plain text or the HTML some calendars put there). Internal to the
 * ical plugin; to be replaced by <playout/util.h> playout_desc_tags once
 * that library is on main.
 */
#ifndef ICAL_DESC_H
#define ICAL_DESC_H

#include <stddef.h>

#include <playout/plugin.h>

enum ical_desc_result {
	ICAL_DESC_OK = 0,  /* pid and *type filled */
	ICAL_DESC_BAD = 1, /* no usable PID:, or a TYPE: that is neither
	                      RECORDED nor LIVE: why says which */
};

/* desc: borrowed, may be NULL. pid: PLAYOUT_PID_MAX bytes. *type: enum
 * playout_slot_type (RECORDED without a TYPE:). Returns an enum
 * ical_desc_result or PLAYOUT_ENOMEM. Any thread. */
int ical_desc_read(const char *desc, char pid[PLAYOUT_PID_MAX], int *type, char *why,
		   size_t why_n);

#endif
