/*
 * sd_notify(3) for playoutd (service.h).
 */
#include "service.h"

#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>

int64_t po_service_watchdog_ns(void)
{
	uint64_t usec = 0;

	/* 0 unset the variables: the players must not inherit them */
	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return (int64_t)usec * 1000;
}

void po_service_ready(void)
{
	sd_notify(0, "READY=1");
}

void po_service_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

void po_service_status(const char *line)
{
	static char last[512];
	char msg[600];

	if (!strcmp(line, last))
		return;
	snprintf(last, sizeof last, "%s", line);
	snprintf(msg, sizeof msg, "STATUS=%s", line);
	sd_notify(0, msg);
}

void po_service_ping(void)
{
	sd_notify(0, "WATCHDOG=1");
}
