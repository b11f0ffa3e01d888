/*
 * The fake servers' start-up handshake, once for every test that uses one.
 */
#include "fake_server.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"

#define FAKE_MAX_ARGS 32

pid_t po_fake_server_start(const char *script, const char *name, int *port, ...)
{
	char port_file[1024];
	const char *argv[FAKE_MAX_ARGS + 5];
	int n = 0;
	va_list ap;

	snprintf(port_file, sizeof port_file, "%s/%s.port", po_test_tmpdir(), name);
	unlink(port_file);
	argv[n++] = "python3";
	argv[n++] = script;
	argv[n++] = "--port-file";
	argv[n++] = port_file;
	va_start(ap, port);
	for (const char *a; (a = va_arg(ap, const char *)) != NULL && n < FAKE_MAX_ARGS + 4;)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;

	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv("/usr/bin/python3", (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) { /* up to 10 s for the interpreter */
		FILE *f = fopen(port_file, "r");
		if (f) {
			int ok = fscanf(f, "%d", port) == 1;
			fclose(f);
			if (ok)
				return pid;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) /* it died: say so now */
			return -1;
		struct timespec ts = { 0, 50 * 1000000L };
		nanosleep(&ts, NULL);
	}
	po_fake_server_stop(&pid);
	return -1;
}

void po_fake_server_stop(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGTERM);
		waitpid(*pid, NULL, 0);
	}
	*pid = -1;
}
