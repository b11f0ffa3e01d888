/*
 * Reading the alarm keys of the config (alarm_conf.h): the "alarms" group
 * and the core's filter keys of each notify instance. Defaults are
 * po_alarm_conf_default's and "every event, every programme, warn".
 */
#include "alarm_conf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const levels[] = { "error", "warn", "notice", NULL };

const struct playout_setting po_alarm_filter_settings[] = {
	{ .name = "events", .type = PLAYOUT_SET_LIST,
	  .help = "event types this instance hears (default: all)" },
	{ .name = "pids", .type = PLAYOUT_SET_LIST,
	  .help = "programme ids this instance hears about (default: all)" },
	{ .name = "min_level", .type = PLAYOUT_SET_STRING, .choices = levels,
	  .help = "the least urgent level sent: error, warn (default) or notice" },
	{ 0 },
};

static const char *const alarm_keys[] = {
	"missing_leads_min", "schedule_stale_min", "storage_unreachable_min", "disk_low_mb", "output_down_s",
	"late_start_ms", "lufs_min", "lufs_max", NULL,
};

static const char *src(const struct po_config *c, const config_setting_t *s)
{
	const char *f = s ? config_setting_source_file(s) : NULL;
	return f ? f : c->path;
}

static int is_int(const config_setting_t *s)
{
	int t = config_setting_type(s);
	return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
}

static void get_int(const struct po_config *c, const config_setting_t *g, const char *key,
		    long min, long max, int *out, struct po_diag *d)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	if (!s)
		return;
	long long v = config_setting_get_int64(s);
	if (!is_int(s) || v < min || v > max) {
		po_diag_error(d, src(c, s), s, "key 'alarms.%s' must be an integer from %ld to %ld",
			      key, min, max);
		return;
	}
	*out = (int)v;
}

static void get_float(const struct po_config *c, const config_setting_t *g, const char *key,
		      double *out, struct po_diag *d)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	if (!s)
		return;
	double v = is_int(s) ? (double)config_setting_get_int64(s)
			     : config_setting_type(s) == CONFIG_TYPE_FLOAT ? config_setting_get_float(s)
									    : 1;
	if (!(v >= -70 && v <= 0)) {
		po_diag_error(d, src(c, s), s, "key 'alarms.%s' must be a loudness in LUFS from -70 to 0",
			      key);
		return;
	}
	*out = v;
}

static void get_leads(struct po_config *c, const config_setting_t *g, struct po_diag *d)
{
	const config_setting_t *s = config_setting_get_member(g, "missing_leads_min");
	if (!s)
		return;
	int n = config_setting_length(s);
	if ((!config_setting_is_array(s) && !config_setting_is_list(s)) || n < 1 ||
	    n > PO_ALARM_MAX_LEADS) {
		po_diag_error(d, src(c, s), s,
			      "key 'alarms.missing_leads_min' must be a list of 1 to %d minutes before air, e.g. [ 1440, 120, 15 ]",
			      PO_ALARM_MAX_LEADS);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		long long v = config_setting_get_int64(e);
		if (!is_int(e) || v < 1 || v > 14 * 1440) {
			po_diag_error(d, src(c, e), e,
				      "alarms.missing_leads_min: each lead time is 1 to %d minutes",
				      14 * 1440);
			return;
		}
		c->alarms.missing_leads_min[i] = (int)v;
	}
	c->alarms.nleads = (size_t)n;
}

static void get_alarms(struct po_config *c, struct po_diag *d)
{
	const config_setting_t *g = config_setting_get_member(config_root_setting(&c->cfg), "alarms");
	if (!g)
		return;
	if (!config_setting_is_group(g)) {
		po_diag_error(d, src(c, g), g,
			      "key 'alarms' must be a group, e.g. alarms = { missing_leads_min = [ 1440, 120, 15 ]; };");
		return;
	}
	for (int k = 0; k < config_setting_length(g); k++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)k);
		int known = 0;
		for (size_t i = 0; alarm_keys[i] && !known; i++)
			known = !strcmp(alarm_keys[i], config_setting_name(m));
		if (!known)
			po_diag_error(d, src(c, m), m, "unknown key '%s' in 'alarms' (known: missing_leads_min, schedule_stale_min, storage_unreachable_min, disk_low_mb, output_down_s, late_start_ms, lufs_min, lufs_max)",
				      config_setting_name(m));
	}
	get_leads(c, g, d);
	get_int(c, g, "schedule_stale_min", 1, 7 * 1440, &c->alarms.schedule_stale_min, d);
	get_int(c, g, "storage_unreachable_min", 1, 7 * 1440, &c->alarms.storage_unreachable_min, d);
	get_int(c, g, "disk_low_mb", 0, 1 << 30, &c->alarms.disk_low_mb, d);
	get_int(c, g, "output_down_s", 1, 86400, &c->alarms.output_down_s, d);
	get_int(c, g, "late_start_ms", 1, 3600000, &c->alarms.late_start_ms, d);
	get_float(c, g, "lufs_min", &c->alarms.lufs_min, d);
	get_float(c, g, "lufs_max", &c->alarms.lufs_max, d);
	if (c->alarms.lufs_min >= c->alarms.lufs_max) {
		po_diag_error(d, src(c, g), g, "alarms: lufs_min (%g) must be below lufs_max (%g)",
			      c->alarms.lufs_min, c->alarms.lufs_max);
	}
}

static const config_setting_t *list_of_strings(const struct po_config *c,
					       const struct po_instance_conf *ic, const char *key,
					       struct po_diag *d)
{
	const config_setting_t *s = config_setting_get_member(ic->group, key);
	if (!s)
		return NULL;
	int ok = config_setting_is_array(s) || config_setting_is_list(s);
	for (int i = 0; ok && i < config_setting_length(s); i++)
		ok = config_setting_type(config_setting_get_elem(s, (unsigned)i)) ==
		     CONFIG_TYPE_STRING;
	if (!ok) {
		po_diag_error(d, src(c, s), s, "%s: key '%s' must be a list of strings, e.g. [ \"%s\" ]",
			      ic->label, key, !strcmp(key, "events") ? "slot-missing" : "news");
		return NULL;
	}
	return s;
}

static void get_filter(struct po_config *c, struct po_instance_conf *ic, struct po_diag *d)
{
	struct po_alarm_filter *f = &ic->filter;
	const config_setting_t *s;
	const char *lvl = NULL;

	f->types = (1u << PO_ALARM_NTYPES) - 1;
	f->min_level = PLAYOUT_LOG_WARN;
	if ((s = list_of_strings(c, ic, "events", d))) {
		f->types = 0;
		for (int i = 0; i < config_setting_length(s); i++) {
			const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			int t = po_alarm_type_parse(config_setting_get_string(e));
			if (t < 0 || t == PO_ALARM_NTYPES) {
				po_diag_error(d, src(c, e), e,
					      "%s: unknown event '%s' (events: slot-missing, file-rejected, fallback, output-down, schedule-stale, storage-unreachable, disk-low, late-start, daemon; resolved events follow the alarm they end)",
					      ic->label, config_setting_get_string(e));
				continue;
			}
			f->types |= 1u << t;
		}
	}
	if ((s = list_of_strings(c, ic, "pids", d))) {
		int n = config_setting_length(s);
		f->pids = calloc(n ? (size_t)n : 1, sizeof *f->pids);
		for (int i = 0; f->pids && i < n; i++)
			f->pids[f->npids++] =
				(char *)config_setting_get_string(config_setting_get_elem(s, (unsigned)i));
	}
	s = config_setting_get_member(ic->group, "min_level");
	if (s && config_setting_type(s) == CONFIG_TYPE_STRING)
		lvl = config_setting_get_string(s);
	if (s) {
		if (lvl && !strcmp(lvl, "error"))
			f->min_level = PLAYOUT_LOG_ERROR;
		else if (lvl && !strcmp(lvl, "warn"))
			f->min_level = PLAYOUT_LOG_WARN;
		else if (lvl && !strcmp(lvl, "notice"))
			f->min_level = PLAYOUT_LOG_NOTICE;
		else
			po_diag_error(d, src(c, s), s,
				      "%s: key 'min_level' must be \"error\", \"warn\" or \"notice\"",
				      ic->label);
	}
}

void po_alarm_conf_load(struct po_config *c, struct po_diag *d)
{
	get_alarms(c, d);
	for (size_t i = 0; i < c->ninst; i++)
		if (c->inst[i].kind == PLAYOUT_KIND_NOTIFY)
			get_filter(c, &c->inst[i], d);
}

void po_alarm_conf_free(struct po_config *c)
{
	for (size_t i = 0; i < c->ninst; i++) {
		free(c->inst[i].filter.pids);
		c->inst[i].filter.pids = NULL;
	}
}
