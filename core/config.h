/*
 * The configuration file: parse with libconfig, validate every top-level key
 * (types, ranges, unknown keys with a suggestion), and check each plugin
 * instance's group against the plugin's settings table. Messages name
 * file:line and the key. No plugin is loaded here.
 */
#ifndef PO_CONFIG_H
#define PO_CONFIG_H

#include <stdint.h>
#include <libconfig.h>

#include <playout/plugin.h>
#include "alarms.h"
#include "diag.h"

#define PO_MAX_CAPS 32

struct po_cap {
	int64_t below_s; /* applies to files shorter than this */
	int cap_s;
};

/* One plugin instance: a group in a section. */
struct po_instance_conf {
	int kind;                      /* enum playout_kind, from the section */
	const char *section;           /* "schedule", "storage", "outputs"... */
	const char *plugin;            /* the group's "plugin" value */
	char label[64];                /* "csv:main" when the group has name = "main";
	                                  "csv" when csv appears once; else "csv:2"
	                                  (1-based among csv's instances). 64 so it
	                                  fits the source fields of plugin.h */
	const config_setting_t *group; /* borrowed from cfg */
	struct po_alarm_filter filter; /* notify instances: the core's filter
	                                  (events, pids, min_level); pids owned
	                                  by the config */
};

struct po_config {
	config_t cfg;                  /* owns every string below */
	char path[4096];
	const char *station;           /* default "playout" */
	const char *timezone;          /* default "UTC" */
	const char *state_path;        /* key "state"; default "/var/lib/playout/state.db" */
	const char *cache_dir;         /* key "cache"; default "/var/cache/playout" */
	const char *plugin_dir;        /* NULL: built-in search path */
	int horizon_h;                 /* default 36, 1..336 */
	int plan_interval_s;           /* default 60, 5..3600 */
	int send_ahead_ms;             /* default 500, 0..10000 */
	int connect_ahead_ms;          /* default 500, 0..60000: a closed output
	                                  is opened this long before an item */
	int clock_step_limit_ms;       /* default 1000, 1..3600000: a larger step
	                                  of the wall clock is logged and the next
	                                  item starts on the new time */
	int lookback_h;                /* default 4, 0..48: items that started this
	                                  long ago may still be joined mid-way */
	int cache_retention_days;      /* default 7, 0..3650: cached files this long
	                                  past their air time go, unless needed */
	int log_level;                 /* enum playout_log_level; "error", "warn",
	                                  "notice", "info" (default), "debug" */
	struct po_cap caps[PO_MAX_CAPS];
	size_t ncaps;                  /* default table of doc/design.md §1; key "caps" =
	                                  ( { below_s = 2000; cap_s = 1792; }, ... ),
	                                  rows ascending by below_s */
	/* the optional "probe" group: dead-air and short-file rules */
	double probe_silence_threshold_db; /* default -50 dBFS (peak of a 10 ms
	                                  block), -120..0 */
	double probe_silence_max_s;    /* default 10; silence runs longer than
	                                  this are reported, 0.1..3600 */
	int probe_min_fill_percent;    /* default 50, 0..100: a file shorter than
	                                  this share of its slot is treated as
	                                  missing (0: never) */
	struct po_alarm_conf alarms;   /* the "alarms" group (alarms.h defaults) */
	const config_setting_t *aws;   /* the "aws" group (region, profile,
	                                  access_key, secret_key, ssm_endpoint,
	                                  imds_endpoint: validated strings), or NULL;
	                                  borrowed from cfg */
	const char *http_listen;       /* the "http" group's listen ("127.0.0.1:8080"),
	                                  checked by po_listen_parse; NULL: no status
	                                  server (the default) */
	const char *http_token;        /* its token, a secret reference; NULL: none
	                                  (only allowed on a loopback address) */
	/* the optional "ec2" group: the Auto Scaling group that runs this
	   machine only while programmes are due (ec2_sched.h) */
	struct {
		const char *group;     /* NULL: no ec2 group; else required */
		int lead_min;          /* default 10, 0..720: up before a block */
		int tail_min;          /* default 5, 0..720: down after it */
		int merge_gap_min;     /* default 30, 0..10080: shorter gaps stay up */
		int apply_after_plan;  /* default 0: playoutd applies the schedule */
		int idle_stop;         /* default 0: playoutd sets capacity 0 when idle */
		const char *endpoint;  /* NULL: https://autoscaling.<region>.amazonaws.com/ */
	} ec2;
	struct po_instance_conf *inst; /* ninst of them, in file order; no fixed
	                                  limit (50 outputs is a use case) */
	size_t ninst, inst_cap;
};

/* Parse and validate. c need not be initialised; afterwards (success or
 * not) it must be freed with po_config_free. On failure every problem is in
 * d (warnings too) and the return is PLAYOUT_ECONFIG. A file readable by
 * others (S_IROTH) that holds a literal secret is refused, with the fix in
 * the message: aws.secret_key here, plugin SECRET keys by
 * po_config_check_instance. Includes are relative to the file's directory. */
int po_config_load(struct po_config *c, const char *path, struct po_diag *d);
/* Same, from a string (tests, the embedded demo). name is used in messages.
 * No file mode applies, so literal secrets are accepted. */
int po_config_load_string(struct po_config *c, const char *text, const char *name,
			  struct po_diag *d);
/* NULL, or a zeroed struct never loaded, is a no-op. */
void po_config_free(struct po_config *c);

/* Validate one instance group against the plugin's settings table: types,
 * required keys, ranges, unknown keys (warning, with the nearest known key),
 * and literal secrets in a file others can read (error). Adds to d; returns
 * the number of errors added. */
int po_config_check_instance(const struct po_config *c, const struct po_instance_conf *ic,
			     const struct playout_setting *settings, struct po_diag *d);

/* Cap for a file of this duration, in seconds; 0 when no row applies. */
int po_config_cap_for(const struct po_config *c, int64_t duration_ms);

#endif
