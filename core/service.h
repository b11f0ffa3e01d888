/*
 * playoutd as a systemd service (Type=notify): READY=1 once it can play,
 * STATUS= with what is on air and what is next, STOPPING=1, and the
 * watchdog. Every call is a no-op when not started by systemd (no
 * NOTIFY_SOCKET), so the daemon runs the same by hand and in tests.
 */
#ifndef PO_SERVICE_H
#define PO_SERVICE_H

#include <stdint.h>

/* The watchdog interval systemd asked for (WatchdogSec=), in ns; 0: none. */
int64_t po_service_watchdog_ns(void);

void po_service_ready(void);
void po_service_stopping(void);
/* STATUS=<line>; sent only when it differs from the last one sent. */
void po_service_status(const char *line);
/* WATCHDOG=1: the caller has checked that the control loop and every
 * player thread are alive. */
void po_service_ping(void);

#endif
