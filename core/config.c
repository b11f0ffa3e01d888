/*
 * The configuration file: libconfig parsing plus validation of every
 * top-level key, the caps table and the plugin instance sections, and the
 * check of one instance group against its plugin's settings table.
 * Plugins are not loaded here (see loader.c); the time zone is not resolved.
 */
#include "config.h"
#include "outfmt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "loader.h"
#include "secret.h"

/* Every key the top level may hold; used for the unknown-key suggestion. */
static const char *const top_keys[] = {
	"station", "timezone", "state", "cache", "plugin_dir", "horizon_h",
	"plan_interval_s", "send_ahead_ms", "connect_ahead_ms", "clock_step_limit_ms",
	"lookback_h",
	"cache_retention_days", "log_level", "caps", "probe",
	"schedule", "storage", "fallback", "join", "outputs", "dns", "aws", NULL,
};

static const char *const aws_keys[] = {
	"region", "profile", "access_key", "secret_key", "ssm_endpoint",
	"imds_endpoint", NULL,
};

static const char *const cap_keys[] = { "below_s", "cap_s", NULL };
static const char *const probe_keys[] = {
	"silence_threshold_db", "silence_max_s", "min_fill_percent", NULL
};

static const char *const log_levels[] = {
	[PLAYOUT_LOG_ERROR] = "error", [PLAYOUT_LOG_WARN] = "warn",
	[PLAYOUT_LOG_NOTICE] = "notice", [PLAYOUT_LOG_INFO] = "info",
	[PLAYOUT_LOG_DEBUG] = "debug",
};

struct section {
	const char *key;
	int kind;
	int list_ok;  /* a list of groups is accepted as well as one group */
	int required;
};

static const struct section sections[] = {
	{ "schedule", PLAYOUT_KIND_SCHEDULE, 1, 0 },
	{ "storage", PLAYOUT_KIND_STORAGE, 0, 1 },
	{ "fallback", PLAYOUT_KIND_FALLBACK, 0, 0 },
	{ "join", PLAYOUT_KIND_JOIN, 0, 0 },
	{ "outputs", PLAYOUT_KIND_OUTPUT, 1, 1 },
	{ "dns", PLAYOUT_KIND_DNS, 0, 0 },
};

/* File duration -> cap, seconds (doc/design.md §1: why caps exist). */
static const struct po_cap default_caps[] = {
	{ 2000, 1792 }, { 4000, 3525 }, { 6000, 5392 }, { 8000, 7125 },
	{ 9120, 8992 }, { 11000, 10725 }, { 13000, 12592 },
};

#define CAP_LIMIT_S (7 * 24 * 3600)
/* plugin ":" name must fit po_instance_conf.label (64, like the source
 * fields of plugin.h) */
#define PLUGIN_MAX_LEN 31
#define NAME_MAX_LEN 31

/* The file a setting came from (an @include'd file has its own), else the
 * name the config was loaded under. */
static const char *src(const struct po_config *c, const config_setting_t *s)
{
	const char *f = s ? config_setting_source_file(s) : NULL;
	return f ? f : c->path;
}

static const char *type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP: return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a float";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_ARRAY: return "an array";
	case CONFIG_TYPE_LIST: return "a list";
	default: return "nothing";
	}
}

/* What a plugin setting type reads as, for messages. */
static const char *type_name_of_setting(int type)
{
	switch (type) {
	case PLAYOUT_SET_INT: return "an integer";
	case PLAYOUT_SET_FLOAT: return "a number";
	case PLAYOUT_SET_BOOL: return "a boolean (true or false)";
	case PLAYOUT_SET_LIST: return "a list (which has no default)";
	case PLAYOUT_SET_GROUP: return "a group (which has no default)";
	default: return "a string";
	}
}

static size_t levenshtein(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[65];

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The known key nearest to key, or NULL when none is close enough to be a
 * plausible typo (more than a third of the key's letters off, minimum 2). */
static void nearer(const char *key, const char *name, const char **best, size_t *best_d)
{
	size_t dist = levenshtein(key, name);

	if (dist < *best_d) {
		*best_d = dist;
		*best = name;
	}
}

/* The known key nearest to a mistyped one: in known, the core's keys of the
 * group and the plugin's settings (each may be NULL). */
static const char *nearest(const char *key, const char *const *known,
			   const struct playout_setting *core,
			   const struct playout_setting *settings)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;

	for (size_t i = 0; known && known[i]; i++)
		nearer(key, known[i], &best, &best_d);
	for (size_t i = 0; core && core[i].name; i++)
		nearer(key, core[i].name, &best, &best_d);
	for (size_t i = 0; settings && settings[i].name; i++)
		nearer(key, settings[i].name, &best, &best_d);
	size_t limit = strlen(key) / 3;
	if (limit < 2)
		limit = 2;
	return best_d <= limit ? best : NULL;
}

/* An unknown key is an error, not a warning: a mistyped `pasword` that
 * passed would leave the default in force without a word. */
static void unknown_key(const struct po_config *c, const config_setting_t *s,
			const char *where, const char *const *known,
			const struct playout_setting *core,
			const struct playout_setting *settings, struct po_diag *d)
{
	const char *key = config_setting_name(s);
	const char *near = nearest(key, known, core, settings);

	if (near)
		po_diag_error(d, src(c, s), s, "unknown key '%s'%s (did you mean '%s'?)",
			      key, where, near);
	else
		po_diag_error(d, src(c, s), s, "unknown key '%s'%s", key, where);
}

static int in_list(const char *key, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(key, list[i]))
			return 1;
	return 0;
}

static int is_int(const config_setting_t *s)
{
	int t = config_setting_type(s);
	return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
}

/* A non-empty string member; absent leaves *out alone. */
static void get_string(const struct po_config *c, const config_setting_t *parent,
		       const char *key, const char **out, struct po_diag *d)
{
	const config_setting_t *s = config_setting_get_member(parent, key);

	if (!s)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		po_diag_error(d, src(c, s), s, "key '%s' must be a string (got %s)", key,
			      type_name(config_setting_type(s)));
		return;
	}
	const char *v = config_setting_get_string(s);
	if (!*v) {
		po_diag_error(d, src(c, s), s, "key '%s' must not be empty", key);
		return;
	}
	*out = v;
}

static int check_int(const struct po_config *c, const config_setting_t *s, const char *key,
		     int64_t min, int64_t max, int64_t *out, struct po_diag *d)
{
	if (!is_int(s)) {
		po_diag_error(d, src(c, s), s, "key '%s' must be an integer (got %s)", key,
			      type_name(config_setting_type(s)));
		return -1;
	}
	long long v = config_setting_get_int64(s);
	if (min != max && (v < min || v > max)) {
		po_diag_error(d, src(c, s), s, "key '%s' must be between %lld and %lld (got %lld)",
			      key, (long long)min, (long long)max, v);
		return -1;
	}
	*out = v;
	return 0;
}

static void get_int(const struct po_config *c, const config_setting_t *parent,
		    const char *key, int min, int max, int *out, struct po_diag *d)
{
	const config_setting_t *s = config_setting_get_member(parent, key);
	int64_t v;

	if (s && check_int(c, s, key, min, max, &v, d) == 0)
		*out = (int)v;
}

static void get_log_level(struct po_config *c, const config_setting_t *root,
			  struct po_diag *d)
{
	const char *v = NULL;
	const config_setting_t *s = config_setting_get_member(root, "log_level");

	get_string(c, root, "log_level", &v, d);
	if (!v)
		return;
	for (int i = 0; i <= PLAYOUT_LOG_DEBUG; i++) {
		if (!strcmp(v, log_levels[i])) {
			c->log_level = i;
			return;
		}
	}
	po_diag_error(d, src(c, s), s,
		      "key 'log_level' must be one of error, warn, notice, info, debug (got '%s')", v);
}

/* A number (integer or float) within [min, max]; absent leaves *out alone. */
static void get_number(const struct po_config *c, const config_setting_t *parent,
		       const char *key, double min, double max, double *out, struct po_diag *d)
{
	const config_setting_t *s = config_setting_get_member(parent, key);
	double v;

	if (!s)
		return;
	if (is_int(s)) {
		v = (double)config_setting_get_int64(s);
	} else if (config_setting_type(s) == CONFIG_TYPE_FLOAT) {
		v = config_setting_get_float(s);
	} else {
		po_diag_error(d, src(c, s), s, "key '%s' must be a number (got %s)", key,
			      type_name(config_setting_type(s)));
		return;
	}
	if (!(v >= min && v <= max)) {
		po_diag_error(d, src(c, s), s, "key '%s' must be between %g and %g (got %g)", key,
			      min, max, v);
		return;
	}
	*out = v;
}

/* probe = { silence_threshold_db = -50; silence_max_s = 10; min_fill_percent = 50; } */
static void get_probe(struct po_config *c, const config_setting_t *root, struct po_diag *d)
{
	const config_setting_t *s = config_setting_get_member(root, "probe");

	if (!s)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		po_diag_error(d, src(c, s), s,
			      "key 'probe' must be a group { silence_threshold_db = -50; silence_max_s = 10; min_fill_percent = 50; } (got %s)",
			      type_name(config_setting_type(s)));
		return;
	}
	for (int k = 0; k < config_setting_length(s); k++) {
		const config_setting_t *m = config_setting_get_elem(s, (unsigned)k);
		if (!in_list(config_setting_name(m), probe_keys))
			unknown_key(c, m, " in the probe group", probe_keys, NULL, NULL, d);
	}
	get_number(c, s, "silence_threshold_db", -120, 0, &c->probe_silence_threshold_db, d);
	get_number(c, s, "silence_max_s", 0.1, 3600, &c->probe_silence_max_s, d);
	get_int(c, s, "min_fill_percent", 0, 100, &c->probe_min_fill_percent, d);
}

static void get_caps(struct po_config *c, const config_setting_t *root, struct po_diag *d)
{
	const config_setting_t *s = config_setting_get_member(root, "caps");

	if (!s)
		return;
	if (!config_setting_is_list(s)) {
		po_diag_error(d, src(c, s), s,
			      "key 'caps' must be a list of groups ( { below_s = 2000; cap_s = 1792; }, ... ) (got %s)",
			      type_name(config_setting_type(s)));
		return;
	}
	int n = config_setting_length(s);
	if (n > PO_MAX_CAPS) {
		po_diag_error(d, src(c, s), s, "key 'caps' has %d rows; at most %d are allowed",
			      n, PO_MAX_CAPS);
		return;
	}
	int ok = 1;
	int64_t prev = 0;
	c->ncaps = 0;
	for (int i = 0; i < n; i++) {
		const config_setting_t *row = config_setting_get_elem(s, (unsigned)i);
		const config_setting_t *b, *cap;
		int64_t below = 0, cap_s = 0;

		if (!config_setting_is_group(row)) {
			po_diag_error(d, src(c, row), row, "caps row %d must be a group (got %s)",
				      i + 1, type_name(config_setting_type(row)));
			ok = 0;
			continue;
		}
		for (int k = 0; k < config_setting_length(row); k++) {
			const config_setting_t *m = config_setting_get_elem(row, (unsigned)k);
			if (!in_list(config_setting_name(m), cap_keys))
				unknown_key(c, m, " in a caps row", cap_keys, NULL, NULL, d);
		}
		b = config_setting_get_member(row, "below_s");
		cap = config_setting_get_member(row, "cap_s");
		if (!b || !cap) {
			po_diag_error(d, src(c, row), row, "caps row %d needs both below_s and cap_s",
				      i + 1);
			ok = 0;
			continue;
		}
		if (check_int(c, b, "below_s", 1, CAP_LIMIT_S, &below, d) < 0 ||
		    check_int(c, cap, "cap_s", 1, CAP_LIMIT_S, &cap_s, d) < 0) {
			ok = 0;
			continue;
		}
		if (below <= prev) {
			po_diag_error(d, src(c, b), b,
				      "caps row %d: below_s %lld is not above the previous row's %lld: list rows by ascending below_s",
				      i + 1, (long long)below, (long long)prev);
			ok = 0;
		}
		prev = below;
		c->caps[c->ncaps].below_s = below;
		c->caps[c->ncaps].cap_s = (int)cap_s;
		c->ncaps++;
	}
	if (!ok)
		c->ncaps = 0;
}

/* A literal secret in a file others can read is refused: anyone on the
 * machine could read the password. */
static void check_secret(const struct po_config *c, const config_setting_t *s,
			 struct po_diag *d)
{
	const char *file = s ? config_setting_source_file(s) : NULL;
	const char *incdir = config_get_include_dir(&c->cfg);
	const char *v;
	char buf[8192];
	struct stat st;

	if (!file || config_setting_type(s) != CONFIG_TYPE_STRING)
		return;
	v = config_setting_get_string(s);
	if (!*v || !po_secret_is_literal(v))
		return;
	/* libconfig names an @include'd file as written: relative to incdir */
	if (file[0] != '/' && strcmp(file, c->path) && incdir) {
		snprintf(buf, sizeof buf, "%s/%s", incdir, file);
		file = buf;
	}
	if (stat(file, &st) != 0 || !(st.st_mode & S_IROTH))
		return;
	po_diag_error(d, src(c, s), s,
		      "key '%s' holds a literal secret and %s is readable by others (mode %04o): chmod 640 %s, or use file:/path or env:NAME",
		      config_setting_name(s), file, (unsigned)(st.st_mode & 07777), file);
}

static void get_aws(struct po_config *c, const config_setting_t *root, struct po_diag *d)
{
	const config_setting_t *s = config_setting_get_member(root, "aws");
	const char *v[6] = { NULL };

	if (!s)
		return;
	if (!config_setting_is_group(s)) {
		po_diag_error(d, src(c, s), s, "key 'aws' must be a group (got %s)",
			      type_name(config_setting_type(s)));
		return;
	}
	c->aws = s;
	for (int k = 0; k < config_setting_length(s); k++) {
		const config_setting_t *m = config_setting_get_elem(s, (unsigned)k);
		if (!in_list(config_setting_name(m), aws_keys))
			unknown_key(c, m, " in 'aws'", aws_keys, NULL, NULL, d);
	}
	for (int i = 0; aws_keys[i]; i++)
		get_string(c, s, aws_keys[i], &v[i], d);
	/* v[] follows aws_keys: 2 access_key, 3 secret_key, 4 ssm, 5 imds */
	if (!v[2] != !v[3])
		po_diag_error(d, src(c, s), s,
			      "group 'aws' needs both access_key and secret_key, or neither (then the instance role or profile is used)");
	if (v[3])
		check_secret(c, config_setting_get_member(s, "secret_key"), d);
	for (int i = 4; i <= 5; i++) {
		if (v[i] && strncmp(v[i], "http://", 7) && strncmp(v[i], "https://", 8)) {
			const config_setting_t *m = config_setting_get_member(s, aws_keys[i]);
			po_diag_error(d, src(c, m), m, "key '%s' must be a URL starting with http:// or https:// (got '%s')",
				      aws_keys[i], v[i]);
		}
	}
}

static int valid_plugin_name(const char *s)
{
	if (!*s || strlen(s) > PLUGIN_MAX_LEN)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int valid_instance_name(const char *s)
{
	if (!*s || strlen(s) > NAME_MAX_LEN)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return 0;
	return 1;
}

static void add_instance(struct po_config *c, const struct section *sec,
			 const config_setting_t *g, int index, struct po_diag *d)
{
	const config_setting_t *p, *nm;

	if (!config_setting_is_group(g)) {
		po_diag_error(d, src(c, g), g, "element %d of '%s' must be a group (got %s)",
			      index + 1, sec->key, type_name(config_setting_type(g)));
		return;
	}
	p = config_setting_get_member(g, "plugin");
	if (!p) {
		po_diag_error(d, src(c, g), g, "'%s' instance needs a 'plugin' key (e.g. plugin = \"%s\";)",
			      sec->key, sec->kind == PLAYOUT_KIND_OUTPUT ? "icecast" :
			      sec->kind == PLAYOUT_KIND_SCHEDULE ? "csv" :
			      sec->kind == PLAYOUT_KIND_STORAGE ? "localdisk" : "...");
		return;
	}
	if (config_setting_type(p) != CONFIG_TYPE_STRING) {
		po_diag_error(d, src(c, p), p, "key 'plugin' must be a string (got %s)",
			      type_name(config_setting_type(p)));
		return;
	}
	if (!valid_plugin_name(config_setting_get_string(p))) {
		po_diag_error(d, src(c, p), p,
			      "plugin name '%s' is not valid: use 1 to %d lower-case letters, digits, '_' and '-'",
			      config_setting_get_string(p), PLUGIN_MAX_LEN);
		return;
	}
	nm = config_setting_get_member(g, "instance");
	if (nm && (config_setting_type(nm) != CONFIG_TYPE_STRING ||
		   !valid_instance_name(config_setting_get_string(nm)))) {
		po_diag_error(d, src(c, nm), nm,
			      "key 'instance' must be a string of 1 to %d letters, digits, '_', '-' or '.'",
			      NAME_MAX_LEN);
		return;
	}
	if (c->ninst == c->inst_cap) {
		size_t cap = c->inst_cap ? c->inst_cap * 2 : 16;
		struct po_instance_conf *v = realloc(c->inst, cap * sizeof *v);
		if (!v) {
			po_diag_error(d, src(c, g), g, "out of memory for %zu plugin instances",
				      cap);
			return;
		}
		c->inst = v;
		c->inst_cap = cap;
	}
	struct po_instance_conf *ic = &c->inst[c->ninst++];
	ic->kind = sec->kind;
	ic->section = sec->key;
	ic->plugin = config_setting_get_string(p);
	ic->group = g;
	ic->label[0] = '\0';
}

static void get_sections(struct po_config *c, const config_setting_t *root, struct po_diag *d)
{
	for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
		const struct section *sec = &sections[i];
		const config_setting_t *s = config_setting_get_member(root, sec->key);

		if (!s) {
			if (sec->required)
				po_diag_error(d, c->path, NULL,
					      "no '%s' section: at least one %s plugin is required, e.g. %s",
					      sec->key, po_kind_name(sec->kind),
					      sec->kind == PLAYOUT_KIND_STORAGE ?
					      "storage = { plugin = \"localdisk\"; path = \"/srv/playout/prerecs\"; };" :
					      "outputs = ( { plugin = \"icecast\"; ... } );");
			continue;
		}
		if (config_setting_is_group(s)) {
			add_instance(c, sec, s, 0, d);
		} else if (sec->list_ok && config_setting_is_list(s)) {
			for (int k = 0; k < config_setting_length(s); k++)
				add_instance(c, sec, config_setting_get_elem(s, (unsigned)k), k, d);
			if (sec->required && config_setting_length(s) == 0)
				po_diag_error(d, src(c, s), s, "'%s' is empty: at least one %s plugin is required",
					      sec->key, po_kind_name(sec->kind));
		} else {
			po_diag_error(d, src(c, s), s, "key '%s' must be %s (got %s)", sec->key,
				      sec->list_ok ? "a group or a list of groups" : "a group",
				      type_name(config_setting_type(s)));
		}
	}
}

/* "plugin:name", else "plugin" when the plugin appears once, else
 * "plugin:N" (1-based among that plugin's instances). Duplicates are errors. */
static void make_labels(struct po_config *c, struct po_diag *d)
{
	for (size_t i = 0; i < c->ninst; i++) {
		struct po_instance_conf *ic = &c->inst[i];
		const char *name = NULL;
		size_t same = 0, pos = 0;

		for (size_t j = 0; j < c->ninst; j++) {
			if (!strcmp(c->inst[j].plugin, ic->plugin)) {
				same++;
				if (j == i)
					pos = same;
			}
		}
		config_setting_lookup_string(ic->group, "instance", &name);
		if (name)
			snprintf(ic->label, sizeof ic->label, "%s:%s", ic->plugin, name);
		else if (same == 1)
			snprintf(ic->label, sizeof ic->label, "%s", ic->plugin);
		else
			snprintf(ic->label, sizeof ic->label, "%s:%zu", ic->plugin, pos);
	}
	for (size_t i = 0; i < c->ninst; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(c->inst[i].label, c->inst[j].label))
				continue;
			const config_setting_t *g = c->inst[i].group;
			po_diag_error(d, src(c, g), g,
				      "duplicate instance '%s' (first at %s:%u): give each a different 'name'",
				      c->inst[i].label, src(c, c->inst[j].group),
				      config_setting_source_line(c->inst[j].group));
			break;
		}
	}
}

static void set_defaults(struct po_config *c)
{
	c->station = "playout";
	c->timezone = "UTC";
	c->state_path = "/var/lib/playout/state.db";
	c->cache_dir = "/var/cache/playout";
	c->plugin_dir = NULL;
	c->horizon_h = 36;
	c->plan_interval_s = 60;
	c->send_ahead_ms = 500;
	c->connect_ahead_ms = 500;
	c->clock_step_limit_ms = 1000;
	c->lookback_h = 4;
	c->cache_retention_days = 7;
	c->log_level = PLAYOUT_LOG_INFO;
	memcpy(c->caps, default_caps, sizeof default_caps);
	c->ncaps = sizeof default_caps / sizeof default_caps[0];
	c->probe_silence_threshold_db = -50;
	c->probe_silence_max_s = 10;
	c->probe_min_fill_percent = 50;
	c->aws = NULL;
	c->inst = NULL;
	c->ninst = c->inst_cap = 0;
}

static int validate(struct po_config *c, struct po_diag *d)
{
	const config_setting_t *root = config_root_setting(&c->cfg);
	size_t errors_before = d->nerrors;

	for (int k = 0; k < config_setting_length(root); k++) {
		const config_setting_t *m = config_setting_get_elem(root, (unsigned)k);
		if (!in_list(config_setting_name(m), top_keys))
			unknown_key(c, m, "", top_keys, NULL, NULL, d);
	}
	get_string(c, root, "station", &c->station, d);
	get_string(c, root, "timezone", &c->timezone, d);
	get_string(c, root, "state", &c->state_path, d);
	get_string(c, root, "cache", &c->cache_dir, d);
	get_string(c, root, "plugin_dir", &c->plugin_dir, d);
	get_int(c, root, "horizon_h", 1, 336, &c->horizon_h, d);
	get_int(c, root, "plan_interval_s", 5, 3600, &c->plan_interval_s, d);
	get_int(c, root, "send_ahead_ms", 0, 10000, &c->send_ahead_ms, d);
	get_int(c, root, "connect_ahead_ms", 0, 60000, &c->connect_ahead_ms, d);
	get_int(c, root, "clock_step_limit_ms", 1, 3600000, &c->clock_step_limit_ms, d);
	get_int(c, root, "lookback_h", 0, 48, &c->lookback_h, d);
	get_int(c, root, "cache_retention_days", 0, 3650, &c->cache_retention_days, d);
	get_log_level(c, root, d);
	get_caps(c, root, d);
	get_probe(c, root, d);
	get_aws(c, root, d);
	get_sections(c, root, d);
	make_labels(c, d);
	return d->nerrors > errors_before ? PLAYOUT_ECONFIG : PLAYOUT_OK;
}

static void start(struct po_config *c, const char *name)
{
	memset(c, 0, sizeof *c);
	config_init(&c->cfg);
	snprintf(c->path, sizeof c->path, "%s", name ? name : "(config)");
	set_defaults(c);
}

static int parse_error(struct po_config *c, struct po_diag *d)
{
	char where[4200];
	const char *file = config_error_file(&c->cfg);

	snprintf(where, sizeof where, "%s:%d", file ? file : c->path,
		 config_error_line(&c->cfg));
	po_diag_error(d, where, NULL, "%s", config_error_text(&c->cfg));
	return PLAYOUT_ECONFIG;
}

int po_config_load(struct po_config *c, const char *path, struct po_diag *d)
{
	char dir[4096];
	char *slash;

	start(c, path);
	snprintf(dir, sizeof dir, "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	config_set_include_dir(&c->cfg, dir);
	if (config_read_file(&c->cfg, path) != CONFIG_TRUE) {
		if (config_error_type(&c->cfg) == CONFIG_ERR_FILE_IO) {
			FILE *f = fopen(path, "r");
			int e = f ? 0 : errno;
			if (f)
				fclose(f);
			po_diag_error(d, path, NULL, "cannot read the configuration file: %s",
				      e ? strerror(e) : "read error");
			return PLAYOUT_ECONFIG;
		}
		return parse_error(c, d);
	}
	return validate(c, d);
}

int po_config_load_string(struct po_config *c, const char *text, const char *name,
			  struct po_diag *d)
{
	start(c, name);
	if (config_read_string(&c->cfg, text) != CONFIG_TRUE)
		return parse_error(c, d);
	return validate(c, d);
}

void po_config_free(struct po_config *c)
{
	if (!c)
		return;
	if (c->cfg.root) /* a zeroed, never loaded struct holds nothing */
		config_destroy(&c->cfg);
	free(c->inst);
	memset(c, 0, sizeof *c);
}


/* The closest of a setting's choices to v, for the message. */
static const char *nearest_choice(const char *v, const char *const *choices)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	for (size_t i = 0; choices[i]; i++) {
		size_t dist = levenshtein(v, choices[i]);
		if (dist < best_d) {
			best_d = dist;
			best = choices[i];
		}
	}
	return best_d <= 2 ? best : NULL;
}

static void check_choice(const struct po_config *c, const struct po_instance_conf *ic,
			 const struct playout_setting *set, const config_setting_t *s,
			 struct po_diag *d)
{
	const char *v = config_setting_get_string(s);
	char list[256];
	size_t len = 0;

	if (!set->choices || in_list(v, set->choices))
		return;
	list[0] = '\0';
	for (size_t i = 0; set->choices[i] && len < sizeof list; i++) {
		int k = snprintf(list + len, sizeof list - len, "%s\"%s\"", i ? ", " : "",
				 set->choices[i]);
		if (k < 0)
			break;
		len += (size_t)k;
	}
	const char *near = nearest_choice(v, set->choices);
	po_diag_error(d, src(c, s), s, "key '%s' of %s must be one of %s (got \"%s\")%s%s%s",
		      set->name, ic->label, list, v, near ? "; did you mean \"" : "",
		      near ? near : "", near ? "\"?" : "");
}

static void check_setting(const struct po_config *c, const struct po_instance_conf *ic,
			  const struct playout_setting *set, const config_setting_t *s,
			  struct po_diag *d)
{
	int t = config_setting_type(s);
	const char *want = NULL;

	switch (set->type) {
	case PLAYOUT_SET_INT: {
		int64_t v;
		check_int(c, s, set->name, set->min, set->max, &v, d);
		return;
	}
	case PLAYOUT_SET_FLOAT:
		if (t != CONFIG_TYPE_FLOAT && !is_int(s)) {
			want = "a number";
			break;
		}
		if (set->min != set->max) {
			double v = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(s) :
				   (double)config_setting_get_int64(s);
			if (v < (double)set->min || v > (double)set->max)
				po_diag_error(d, src(c, s), s,
					      "key '%s' must be between %lld and %lld (got %g)",
					      set->name, (long long)set->min, (long long)set->max, v);
		}
		return;
	case PLAYOUT_SET_BOOL:
		if (t != CONFIG_TYPE_BOOL)
			want = "a boolean (true or false)";
		break;
	case PLAYOUT_SET_STRING:
	case PLAYOUT_SET_SECRET:
		if (t != CONFIG_TYPE_STRING) {
			want = "a string";
			break;
		}
		if (set->required && !*config_setting_get_string(s)) {
			po_diag_error(d, src(c, s), s, "key '%s' of %s must not be empty%s%s",
				      set->name, ic->label, set->help ? ": " : "",
				      set->help ? set->help : "");
			return;
		}
		if (set->type == PLAYOUT_SET_SECRET)
			check_secret(c, s, d);
		else
			check_choice(c, ic, set, s, d);
		return;
	case PLAYOUT_SET_LIST:
		if (t != CONFIG_TYPE_LIST && t != CONFIG_TYPE_ARRAY)
			want = "a list";
		break;
	case PLAYOUT_SET_GROUP:
		if (t != CONFIG_TYPE_GROUP)
			want = "a group";
		break;
	default:
		po_diag_error(d, src(c, s), s, "plugin %s declares key '%s' with unknown type %d",
			      ic->plugin, set->name, set->type);
		return;
	}
	if (want)
		po_diag_error(d, src(c, s), s, "key '%s' must be %s (got %s)", set->name, want,
			      type_name(t));
}

/* Add set's default to group g as the setting a user would have written;
 * NULL (and an error in d naming the plugin) when the default text does not
 * read as the setting's type. The new setting is then checked like any. */
static config_setting_t *add_default(const struct po_config *c,
				     const struct po_instance_conf *ic,
				     const struct playout_setting *set, config_setting_t *g,
				     struct po_diag *d)
{
	const char *v = set->def;
	char *end = NULL;
	config_setting_t *s = NULL;

	errno = 0;
	switch (set->type) {
	case PLAYOUT_SET_INT: {
		long long n = strtoll(v, &end, 10);
		if (*v && !*end && errno == 0 && (s = config_setting_add(g, set->name,
									 CONFIG_TYPE_INT64)))
			config_setting_set_int64(s, n);
		break;
	}
	case PLAYOUT_SET_FLOAT: {
		double x = strtod(v, &end);
		if (*v && !*end && errno == 0 && (s = config_setting_add(g, set->name,
									 CONFIG_TYPE_FLOAT)))
			config_setting_set_float(s, x);
		break;
	}
	case PLAYOUT_SET_BOOL:
		if ((!strcmp(v, "true") || !strcmp(v, "false")) &&
		    (s = config_setting_add(g, set->name, CONFIG_TYPE_BOOL)))
			config_setting_set_bool(s, !strcmp(v, "true"));
		break;
	case PLAYOUT_SET_STRING:
	case PLAYOUT_SET_SECRET:
		if ((s = config_setting_add(g, set->name, CONFIG_TYPE_STRING)))
			config_setting_set_string(s, v);
		break;
	default: /* lists and groups have no default */
		break;
	}
	if (!s)
		po_diag_error(d, src(c, g), g,
			      "plugin %s declares default \"%s\" for key '%s', which is not %s: "
			      "the plugin is broken",
			      ic->plugin, v, set->name, type_name_of_setting(set->type));
	return s;
}

/* The keys the core reads from a plugin's group, beside the plugin's own:
 * validated the same way, defaults added the same way. */
static const struct playout_setting storage_core_settings[] = {
	/* the worker runs this many downloads at once */
	{ .name = "downloads", .type = PLAYOUT_SET_INT, .min = 1, .max = 16,
	  .help = "downloads at once (default 1: a small station's uplink)" },
	{ 0 },
};

static const struct playout_setting *core_settings(int kind)
{
	switch (kind) {
	case PLAYOUT_KIND_STORAGE:
		return storage_core_settings;
	case PLAYOUT_KIND_OUTPUT:
		return po_outfmt_settings();
	default:
		return NULL;
	}
}

static int in_settings(const char *key, const struct playout_setting *t)
{
	for (size_t i = 0; t && t[i].name; i++)
		if (!strcmp(key, t[i].name))
			return 1;
	return 0;
}

/* Check the keys of table t present in g, add its defaults. */
static void check_table(const struct po_config *c, const struct po_instance_conf *ic,
			const struct playout_setting *t, config_setting_t *g, struct po_diag *d)
{
	for (size_t i = 0; t && t[i].name; i++) {
		const struct playout_setting *set = &t[i];
		const config_setting_t *s = config_setting_get_member(g, set->name);

		if (!s && set->required) {
			po_diag_error(d, src(c, g), g, "%s needs key '%s'%s%s", ic->label,
				      set->name, set->help ? ": " : "",
				      set->help ? set->help : "");
			continue;
		}
		if (!s && set->def)
			s = add_default(c, ic, set, g, d);
		if (s)
			check_setting(c, ic, set, s, d);
	}
}

int po_config_check_instance(const struct po_config *c, const struct po_instance_conf *ic,
			     const struct playout_setting *settings, struct po_diag *d)
{
	static const char *const always[] = { "plugin", "instance", NULL };
	const struct playout_setting *core = core_settings(ic->kind);
	size_t before = d->nerrors;
	/* The group belongs to c->cfg, which the caller owns: defaults are
	 * added to it so that create reads them like written values. */
	config_setting_t *g = (config_setting_t *)ic->group;
	char where[128];

	snprintf(where, sizeof where, " in %s", ic->label);
	for (int k = 0; k < config_setting_length(g); k++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)k);
		const char *key = config_setting_name(m);

		if (!in_list(key, always) && !in_settings(key, core) &&
		    !in_settings(key, settings))
			unknown_key(c, m, where, always, core, settings, d);
	}
	check_table(c, ic, settings, g, d);
	check_table(c, ic, core, g, d);
	return (int)(d->nerrors - before);
}

int po_config_cap_for(const struct po_config *c, int64_t duration_ms)
{
	for (size_t i = 0; i < c->ncaps; i++)
		if (duration_ms < c->caps[i].below_s * 1000)
			return c->caps[i].cap_s;
	return 0;
}
