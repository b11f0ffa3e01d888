/*
 * playoutd's control loop: signals, the planning timer, play reports from the
 * player threads into the state store, and a clean shutdown.
 */
#ifndef PO_DAEMON_H
#define PO_DAEMON_H

#include <stdint.h>

struct po_daemon_opts {
	const char *conf_path;
	int64_t clock_offset_ns; /* added to the real clock (--pretend-now); 0: real */
};

/* Runs until SIGTERM/SIGINT. Returns the process exit status. */
int po_daemon_run(const struct po_daemon_opts *o);

#endif
