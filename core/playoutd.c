/*
 * playoutd: the daemon's command line. Everything else is in daemon.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "timeutil.h"

#define DEFAULT_CONF "/etc/playout/playout.conf"

static void usage(FILE *f)
{
	fprintf(f, "usage: playoutd [-c FILE] [-f] [--pretend-now ISO8601]\n"
		   "  -c, --config FILE     configuration (default " DEFAULT_CONF ")\n"
		   "  -f, --foreground      log to stderr with timestamps (for a terminal)\n"
		   "      --pretend-now T   rehearse: the clock starts at T (ISO 8601) and runs\n"
		   "  -v, --verbose         log debug messages too\n"
		   "  -h, --help\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"foreground", no_argument, NULL, 'f'},
		{"pretend-now", required_argument, NULL, 'P'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct po_daemon_opts o = {.conf_path = DEFAULT_CONF};
	const char *pretend = NULL;
	int foreground = 0, verbose = 0, ch;

	while ((ch = getopt_long(argc, argv, "c:fvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o.conf_path = optarg; break;
		case 'f': foreground = 1; break;
		case 'P': pretend = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	po_log_init(foreground, verbose ? PLAYOUT_LOG_DEBUG : PLAYOUT_LOG_INFO);
	/* An offset-less --pretend-now would be read in the station zone, which
	 * is not known yet: insist on an explicit offset. */
	if (pretend) {
		int64_t at_ms;
		if (strlen(pretend) < 11 || po_iso8601_parse(pretend, &at_ms) < 0 ||
		    !(strchr(pretend, 'Z') || strchr(pretend + 10, '+') || strchr(pretend + 10, '-'))) {
			fprintf(stderr, "playoutd: --pretend-now %s: expected ISO 8601 with an offset, "
					"like 2026-03-29T00:59:57Z\n", pretend);
			return 2;
		}
		/* The rehearsal clock starts now, as the process starts, not
		 * once the config and plugins are loaded. */
		struct po_clock c;
		struct playout_error e = {0};
		if (po_clock_pretend(&c, at_ms, &e) < 0) {
			fprintf(stderr, "playoutd: --pretend-now %s: %s\n", pretend, e.msg);
			return 2;
		}
		o.clock_offset_ns = c.offset_ns;
	}
	return po_daemon_run(&o);
}
