/*
 * Start and stop the Python stand-ins of tests/fakes/ from a CUnit test:
 * each takes --port-file and writes its port there once it listens.
 */
#ifndef PO_TEST_FAKE_SERVER_H
#define PO_TEST_FAKE_SERVER_H

#include <sys/types.h>

/* Run `python3 script --port-file <tmp>/<name>.port args...` (args ends
 * with NULL) and wait up to 10 s for its port. Returns the child's pid and
 * sets *port, or -1 (no child left behind). Readiness, not an assertion. */
pid_t po_fake_server_start(const char *script, const char *name, int *port, ...)
	__attribute__((sentinel));
/* SIGTERM the server and reap it; *pid becomes -1. A pid <= 0 is a no-op. */
void po_fake_server_stop(pid_t *pid);

#endif
