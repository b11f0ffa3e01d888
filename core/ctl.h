/*
 * playoutctl's commands. Each reads the config (and the state store read-only)
 * and prints to stdout; none of them disturbs a running daemon.
 * Each returns the process exit status.
 */
#ifndef PO_CTL_H
#define PO_CTL_H

#include <stdint.h>

/* check's flags */
#define PO_CHECK_STRICT 0x1  /* an unreachable source fails the check */
#define PO_CHECK_OFFLINE 0x2 /* ask no source: config, plugins, state only */
/* 0: the daemon would start (outages are reported, not counted); 1: a
 * configuration, plugin or state error, or with PO_CHECK_STRICT an outage. */
int po_ctl_check(const char *conf_path, int flags);
/* from: ISO 8601 (no offset: station time), NULL for now. hours 0: the horizon. */
int po_ctl_rundown(const char *conf_path, const char *from, int hours, int json);
/* limit, before: NULL, or the texts of --limit and --before (history_page.h). */
int po_ctl_history(const char *conf_path, int json, const char *limit, const char *before);
int po_ctl_status(const char *conf_path, int json);
/* What was sent to each notify instance, delivered or not (ctl_alerts.c). */
int po_ctl_alerts(const char *conf_path, int json);
/* conf_path may be NULL: the built-in search path only. */
int po_ctl_plugins(const char *conf_path);

/* Commands with their own arguments: argv[0] is the command word. */
int po_ctl_probe(const char *conf_path, int argc, char **argv);     /* ctl_probe.c */
int po_ctl_join(const char *conf_path, int argc, char **argv);      /* ctl_join.c */
int po_ctl_gcal_auth(const char *conf_path, int argc, char **argv); /* ctl_gcal.c */
int po_ctl_ec2_schedule(const char *conf_path, int argc, char **argv); /* ctl_ec2.c */

#endif
