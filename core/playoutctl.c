/*
 * playoutctl: inspect and exercise a playout installation. Thin: the
 * commands live in ctl.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "log.h"

#define DEFAULT_CONF "/etc/playout/playout.conf"

static void usage(FILE *f)
{
	fprintf(f, "usage: playoutctl [-c FILE] COMMAND [options]\n"
		   "  check [--strict] [--offline]  load config, plugins and state, ask each source\n"
		   "  rundown [--from T] [--hours N] [--json]   the plan, item by item, and why\n"
		   "  history [--json] [--limit N] [--before ID|T]   what played, with measured\n"
		   "                                start error; the N newest before play ID or time T\n"
		   "  status [--json]               what is on air now, what is next\n"
		   "  alerts [--json]               alarms sent, when, to which instance, delivered or not\n"
		   "  plugins                       what can be loaded\n"
		   "  probe FILE.mp3 [--json]       frames, duration, format, damage, loudness, silences\n"
		   "  join A.mp3 B.mp3 OUT.mp3 [--at MM:SS]   cut A at --at (30:00) and append B\n"
		   "  gcal-auth                     one-time Google consent: writes the token\n"
		   "  ec2-schedule [--json] [--apply] [--from T] [--hours N]   the Auto Scaling\n"
		   "                                actions that run the machine only while due\n"
		   "check exits 0 when the daemon would start: a source that cannot be reached\n"
		   "(a calendar, a bucket, a drop folder) is reported as an outage, not counted;\n"
		   "1 for a configuration error, a plugin that will not load or start, a state\n"
		   "file that cannot be opened, or, with --strict, any unreachable source.\n"
		   "--offline asks no source (for ExecStartPre: a blackholed endpoint would\n"
		   "hold the start for minutes). Every command exits 2 for a usage error.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"from", required_argument, NULL, 'F'},
		{"hours", required_argument, NULL, 'H'},
		{"json", no_argument, NULL, 'j'},
		{"limit", required_argument, NULL, 'L'},
		{"before", required_argument, NULL, 'B'},
		{"strict", no_argument, NULL, 'S'},
		{"offline", no_argument, NULL, 'O'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *conf = DEFAULT_CONF, *from = NULL, *limit = NULL, *before = NULL;
	int hours = 0, json = 0, conf_given = 0, check_flags = 0, ch;

	/* Commands that take their own arguments get everything after the
	 * command word: playoutctl [-c FILE] probe FILE.mp3 --json */
	int i = 1;
	if (i + 1 < argc && (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0)) {
		conf = argv[i + 1];
		i += 2;
	}
	if (i < argc) {
		static const struct {
			const char *word;
			int (*fn)(const char *conf_path, int argc, char **argv);
		} own_args[] = {
			{"probe", po_ctl_probe},
			{"join", po_ctl_join},
			{"gcal-auth", po_ctl_gcal_auth},
			{"ec2-schedule", po_ctl_ec2_schedule},
		};
		for (size_t k = 0; k < sizeof own_args / sizeof own_args[0]; k++) {
			if (strcmp(argv[i], own_args[k].word) == 0) {
				po_log_init(1, PLAYOUT_LOG_WARN);
				return own_args[k].fn(conf, argc - i, argv + i);
			}
		}
	}

	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf = optarg; conf_given = 1; break;
		case 'F': from = optarg; break;
		case 'H': {
			char *end;
			long h = strtol(optarg, &end, 10);
			if (*end || h < 1 || h > 24 * 31) {
				fprintf(stderr, "playoutctl: --hours %s: expected 1 to 744\n", optarg);
				return 2;
			}
			hours = (int)h;
			break;
		}
		case 'j': json = 1; break;
		case 'L': limit = optarg; break;
		case 'B': before = optarg; break;
		case 'S': check_flags |= PO_CHECK_STRICT; break;
		case 'O': check_flags |= PO_CHECK_OFFLINE; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[optind];
	po_log_init(1, PLAYOUT_LOG_WARN);
	if (strcmp(cmd, "check") == 0)
		return po_ctl_check(conf, check_flags);
	if (check_flags) {
		fprintf(stderr, "playoutctl: --strict and --offline belong to check\n");
		return 2;
	}
	if (strcmp(cmd, "rundown") == 0)
		return po_ctl_rundown(conf, from, hours, json);
	if (strcmp(cmd, "history") == 0)
		return po_ctl_history(conf, json, limit, before);
	if (limit || before) {
		fprintf(stderr, "playoutctl: --limit and --before belong to history\n");
		return 2;
	}
	if (strcmp(cmd, "status") == 0)
		return po_ctl_status(conf, json);
	if (strcmp(cmd, "alerts") == 0)
		return po_ctl_alerts(conf, json);
	if (strcmp(cmd, "plugins") == 0)
		return po_ctl_plugins(conf_given ? conf : NULL);
	fprintf(stderr, "playoutctl: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
