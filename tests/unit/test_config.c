/*
 * Tests for core/config.c: top-level keys, sections and labels, caps, the
 * literal-secret rule and settings-table checks. Fixture files live in
 * tests/fixtures/config; others are written to the scratch directory.
 */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/config.h" /* not the autoconf config.h in the build dir */
#include "plugin_conf.h"

#define MIN_TAIL "storage = { plugin = \"localdisk\"; };\noutputs = { plugin = \"file\"; };\n"

static char fixdir[4096];

static int suite_init(void)
{
	const char *s = getenv("PO_SRCDIR");

	if (s && *s) {
		snprintf(fixdir, sizeof fixdir, "%s/tests/fixtures/config", s);
	} else {
		/* __FILE__ is <srcdir>/tests/unit/test_config.c */
		snprintf(fixdir, sizeof fixdir, "%s", __FILE__);
		char *p = strstr(fixdir, "tests/unit/test_config.c");
		if (!p)
			return -1;
		snprintf(p, sizeof fixdir - (size_t)(p - fixdir), "tests/fixtures/config");
	}
	return 0;
}

/* 1 when one diag line contains text. */
static int has(const struct po_diag *d, const char *text)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->msg[i], text))
			return 1;
	return 0;
}

static void dump(const struct po_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  diag: %s\n", d->msg[i]);
}

/* Load text; returns the load result, d filled. */
static int load(struct po_config *c, struct po_diag *d, const char *text)
{
	po_diag_init(d);
	return po_config_load_string(c, text, "t.conf", d);
}

static void done(struct po_config *c, struct po_diag *d)
{
	po_config_free(c);
	po_diag_free(d);
}

/* Load text, expect failure with one diag line containing text. */
static void expect_error(const char *text, const char *msg)
{
	struct po_config c;
	struct po_diag d;

	PO_EXPECT_INT(load(&c, &d, text), PLAYOUT_ECONFIG);
	CU_ASSERT_TRUE(d.nerrors >= 1);
	if (!has(&d, msg)) {
		fprintf(stderr, "expected '%s' in:\n", msg);
		dump(&d);
		CU_FAIL("message not found");
	}
	done(&c, &d);
}

static void fixture(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", fixdir, name);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	PO_EXPECT_INT(chmod(path, mode), 0);
}

/* ---- top level ----------------------------------------------------------- */

static void test_minimal_config_gets_every_default(void)
{
	struct po_config c;
	struct po_diag d;

	PO_EXPECT_INT_FATAL(load(&c, &d, MIN_TAIL), PLAYOUT_OK);
	PO_EXPECT_INT(d.n, 0);
	PO_EXPECT_STR(c.station, "playout");
	PO_EXPECT_STR(c.timezone, "UTC");
	PO_EXPECT_STR(c.state_path, "/var/lib/playout/state.db");
	PO_EXPECT_STR(c.cache_dir, "/var/cache/playout");
	CU_ASSERT_PTR_NULL(c.plugin_dir);
	PO_EXPECT_INT(c.horizon_h, 36);
	PO_EXPECT_INT(c.plan_interval_s, 60);
	PO_EXPECT_INT(c.send_ahead_ms, 500);
	PO_EXPECT_INT(c.connect_ahead_ms, 500);
	PO_EXPECT_INT(c.clock_step_limit_ms, 1000);
	PO_EXPECT_INT(c.lookback_h, 4);
	PO_EXPECT_INT(c.log_level, PLAYOUT_LOG_INFO);
	CU_ASSERT_PTR_NULL(c.aws);
	PO_EXPECT_INT(c.ninst, 2);
	done(&c, &d);
}

static void test_good_fixture_sets_every_key(void)
{
	struct po_config c;
	struct po_diag d;
	char path[4200];

	fixture(path, sizeof path, "good.conf");
	po_diag_init(&d);
	int rc = po_config_load(&c, path, &d);
	dump(&d);
	PO_EXPECT_INT_FATAL(rc, PLAYOUT_OK);
	PO_EXPECT_INT(d.n, 0);
	PO_EXPECT_STR(c.path, path);
	PO_EXPECT_STR(c.station, "Test FM");
	PO_EXPECT_STR(c.timezone, "Europe/London");
	PO_EXPECT_STR(c.state_path, "/tmp/playout-test/state.db");
	PO_EXPECT_STR(c.cache_dir, "/tmp/playout-test/cache");
	PO_EXPECT_STR(c.plugin_dir, "/tmp/playout-test/plugins");
	PO_EXPECT_INT(c.horizon_h, 48);
	PO_EXPECT_INT(c.plan_interval_s, 30);
	PO_EXPECT_INT(c.send_ahead_ms, 250);
	PO_EXPECT_INT(c.connect_ahead_ms, 3000);
	PO_EXPECT_INT(c.lookback_h, 6);
	PO_EXPECT_INT(c.log_level, PLAYOUT_LOG_DEBUG);
	PO_EXPECT_INT(c.ncaps, 2);
	CU_ASSERT_PTR_NOT_NULL(c.aws);
	PO_EXPECT_INT_FATAL(c.ninst, 8);
	static const struct {
		int kind;
		const char *section, *plugin, *label;
	} want[] = {
		{ PLAYOUT_KIND_SCHEDULE, "schedule", "csv", "csv:main" },
		{ PLAYOUT_KIND_SCHEDULE, "schedule", "csv", "csv:2" },
		{ PLAYOUT_KIND_SCHEDULE, "schedule", "gcal", "gcal" },
		{ PLAYOUT_KIND_STORAGE, "storage", "localdisk", "localdisk" },
		{ PLAYOUT_KIND_FALLBACK, "fallback", "previous-edition", "previous-edition" },
		{ PLAYOUT_KIND_JOIN, "join", "halfhour", "halfhour" },
		{ PLAYOUT_KIND_OUTPUT, "outputs", "icecast", "icecast" },
		{ PLAYOUT_KIND_DNS, "dns", "route53", "route53" },
	};
	for (size_t i = 0; i < c.ninst; i++) {
		PO_EXPECT_INT(c.inst[i].kind, want[i].kind);
		PO_EXPECT_STR(c.inst[i].section, want[i].section);
		PO_EXPECT_STR(c.inst[i].plugin, want[i].plugin);
		PO_EXPECT_STR(c.inst[i].label, want[i].label);
		CU_ASSERT_TRUE(config_setting_is_group(c.inst[i].group));
	}
	done(&c, &d);
}

static void test_example_conf_loads_without_warnings(void)
{
	struct po_config c;
	struct po_diag d;
	char path[4200];

	/* fixdir is <srcdir>/tests/fixtures/config */
	snprintf(path, sizeof path, "%s/../../../conf/playout.conf", fixdir);
	po_diag_init(&d);
	int rc = po_config_load(&c, path, &d);
	dump(&d);
	PO_EXPECT_INT(rc, PLAYOUT_OK);
	PO_EXPECT_INT(d.n, 0);
	PO_EXPECT_INT(c.ncaps, 7);
	PO_EXPECT_INT(c.ninst, 3);
	done(&c, &d);
}

static void test_parse_error_names_file_and_line(void)
{
	struct po_config c;
	struct po_diag d;
	char path[4200], want[4300];

	fixture(path, sizeof path, "parse_error.conf");
	po_diag_init(&d);
	PO_EXPECT_INT(po_config_load(&c, path, &d), PLAYOUT_ECONFIG);
	PO_EXPECT_INT(d.nerrors, 1);
	/* "horizon_h = ;" on line 3 */
	snprintf(want, sizeof want, "%s:3: error: syntax error", path);
	CU_ASSERT_TRUE(has(&d, want));
	dump(&d);
	done(&c, &d);

	expect_error("station = \"x\";\nhorizon_h = ;\n", "t.conf:2: error: syntax error");
}

static void test_missing_file_is_reported_with_errno_text(void)
{
	struct po_config c;
	struct po_diag d;
	char path[4200];

	snprintf(path, sizeof path, "%s/nope.conf", po_test_tmpdir());
	po_diag_init(&d);
	PO_EXPECT_INT(po_config_load(&c, path, &d), PLAYOUT_ECONFIG);
	CU_ASSERT_TRUE(has(&d, "nope.conf: error: cannot read the configuration file: No such file"));
	done(&c, &d);
}

static void test_bad_fixture_reports_every_problem_with_its_line(void)
{
	struct po_config c;
	struct po_diag d;
	char path[4200], want[4400];

	fixture(path, sizeof path, "bad_values.conf");
	po_diag_init(&d);
	PO_EXPECT_INT(po_config_load(&c, path, &d), PLAYOUT_ECONFIG);
	dump(&d);
	snprintf(want, sizeof want, "%s:1: error: key 'station' must not be empty", path);
	CU_ASSERT_TRUE(has(&d, want));
	snprintf(want, sizeof want, "%s:2: error: unknown key 'timzone' (did you mean 'timezone'?)", path);
	CU_ASSERT_TRUE(has(&d, want));
	snprintf(want, sizeof want, "%s:3: error: key 'horizon_h' must be an integer (got a string)", path);
	CU_ASSERT_TRUE(has(&d, want));
	snprintf(want, sizeof want, "%s:4: error: key 'plan_interval_s' must be between 5 and 3600 (got 1)", path);
	CU_ASSERT_TRUE(has(&d, want));
	snprintf(want, sizeof want, "%s:6: error: 'outputs' instance needs a 'plugin' key", path);
	CU_ASSERT_TRUE(has(&d, want));
	snprintf(want, sizeof want, "%s: error: no 'storage' section", path);
	CU_ASSERT_TRUE(has(&d, want));
	PO_EXPECT_INT(d.nerrors, 6); /* the unknown key counts as one */
	PO_EXPECT_INT(d.n, 6);
	done(&c, &d);
}

static void test_include_is_read_from_the_files_directory(void)
{
	struct po_config c;
	struct po_diag d;
	char path[4200], cwd[4096];

	fixture(path, sizeof path, "include_main.conf");
	CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
	PO_EXPECT_INT_FATAL(chdir(po_test_tmpdir()), 0);
	po_diag_init(&d);
	int rc = po_config_load(&c, path, &d);
	PO_EXPECT_INT(chdir(cwd), 0);
	dump(&d);
	/* the included file was read: its bad horizon_h is reported at its line */
	PO_EXPECT_INT(rc, PLAYOUT_ECONFIG);
	PO_EXPECT_INT(d.nerrors, 1);
	CU_ASSERT_TRUE(has(&d, "include_part.conf:3: error: key 'horizon_h' must be between 1 and 336 (got 0)"));
	PO_EXPECT_STR(c.station, "Include FM");
	PO_EXPECT_INT(c.ninst, 2);
	done(&c, &d);
}

static void test_string_keys_reject_wrong_type_and_empty(void)
{
	static const char *const keys[] = { "station", "timezone", "state", "cache", "plugin_dir" };
	char text[512], msg[256];

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		snprintf(text, sizeof text, "\n%s = 5;\n" MIN_TAIL, keys[i]);
		snprintf(msg, sizeof msg, "t.conf:2: error: key '%s' must be a string (got an integer)", keys[i]);
		expect_error(text, msg);
		snprintf(text, sizeof text, "%s = \"\";\n" MIN_TAIL, keys[i]);
		snprintf(msg, sizeof msg, "t.conf:1: error: key '%s' must not be empty", keys[i]);
		expect_error(text, msg);
	}
}

/* Fifty outputs in one process is a use case: no fixed instance limit. */
static void test_sixty_outputs_load_in_file_order(void)
{
	static char text[16384];
	size_t n = (size_t)snprintf(text, sizeof text,
				    "storage = { plugin = \"localdisk\"; };\noutputs = (");
	for (int i = 0; i < 60; i++)
		n += (size_t)snprintf(text + n, sizeof text - n,
				      "%s{ plugin = \"file\"; instance = \"o%02d\"; }",
				      i ? ", " : "", i);
	snprintf(text + n, sizeof text - n, " );\n");
	struct po_config c;
	struct po_diag d;
	PO_EXPECT_INT_FATAL(load(&c, &d, text), PLAYOUT_OK);
	PO_EXPECT_INT(d.n, 0);
	PO_EXPECT_INT_FATAL(c.ninst, 61);
	size_t outs = 0;
	for (size_t i = 0; i < c.ninst; i++)
		if (c.inst[i].kind == PLAYOUT_KIND_OUTPUT) {
			char want[32];
			snprintf(want, sizeof want, "file:o%02zu", outs++);
			PO_EXPECT_STR(c.inst[i].label, want);
		}
	PO_EXPECT_INT(outs, 60);
	done(&c, &d);
}

static void test_integer_keys_check_type_and_range(void)
{
	static const struct {
		const char *key;
		int min, max;
	} keys[] = {
		{ "horizon_h", 1, 336 }, { "plan_interval_s", 5, 3600 },
		{ "send_ahead_ms", 0, 10000 }, { "connect_ahead_ms", 0, 60000 },
		{ "lookback_h", 0, 48 }, { "clock_step_limit_ms", 1, 3600000 },
	};
	char text[512], msg[256];

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		snprintf(text, sizeof text, "%s = 1.5;\n" MIN_TAIL, keys[i].key);
		snprintf(msg, sizeof msg, "t.conf:1: error: key '%s' must be an integer (got a float)", keys[i].key);
		expect_error(text, msg);
		snprintf(text, sizeof text, "\n\n%s = %d;\n" MIN_TAIL, keys[i].key, keys[i].max + 1);
		snprintf(msg, sizeof msg, "t.conf:3: error: key '%s' must be between %d and %d (got %d)",
			 keys[i].key, keys[i].min, keys[i].max, keys[i].max + 1);
		expect_error(text, msg);
		snprintf(text, sizeof text, "%s = %d;\n" MIN_TAIL, keys[i].key, keys[i].min - 1);
		snprintf(msg, sizeof msg, "must be between %d and %d (got %d)", keys[i].min, keys[i].max,
			 keys[i].min - 1);
		expect_error(text, msg);
	}
}

static void test_integer_keys_accept_their_bounds(void)
{
	struct po_config c;
	struct po_diag d;

	PO_EXPECT_INT(load(&c, &d, "horizon_h = 336; plan_interval_s = 5; send_ahead_ms = 0;\n"
			     "lookback_h = 48;\n" MIN_TAIL), PLAYOUT_OK);
	PO_EXPECT_INT(c.horizon_h, 336);
	PO_EXPECT_INT(c.plan_interval_s, 5);
	PO_EXPECT_INT(c.send_ahead_ms, 0);
	PO_EXPECT_INT(c.lookback_h, 48);
	done(&c, &d);
}

static void test_log_level_names(void)
{
	static const char *const names[] = { "error", "warn", "notice", "info", "debug" };
	char text[256];
	struct po_config c;
	struct po_diag d;

	for (int i = 0; i < 5; i++) {
		snprintf(text, sizeof text, "log_level = \"%s\";\n" MIN_TAIL, names[i]);
		PO_EXPECT_INT(load(&c, &d, text), PLAYOUT_OK);
		PO_EXPECT_INT(c.log_level, i);
		done(&c, &d);
	}
	expect_error("log_level = \"loud\";\n" MIN_TAIL,
		     "t.conf:1: error: key 'log_level' must be one of error, warn, notice, info, debug (got 'loud')");
	expect_error("log_level = 3;\n" MIN_TAIL, "key 'log_level' must be a string (got an integer)");
}

static void test_unknown_top_level_key_is_an_error_with_nearest_key(void)
{
	struct po_config c;
	struct po_diag d;

	PO_EXPECT_INT(load(&c, &d, MIN_TAIL "timzone = \"UTC\";\nouputs = 1;\nzzzzzzzzzz = 1;\n"), PLAYOUT_ECONFIG);
	dump(&d);
	PO_EXPECT_INT(d.nerrors, 3);
	PO_EXPECT_INT(d.n, 3);
	CU_ASSERT_TRUE(has(&d, "t.conf:3: error: unknown key 'timzone' (did you mean 'timezone'?)"));
	CU_ASSERT_TRUE(has(&d, "t.conf:4: error: unknown key 'ouputs' (did you mean 'outputs'?)"));
	/* nothing close: no silly suggestion */
	CU_ASSERT_TRUE(has(&d, "t.conf:5: error: unknown key 'zzzzzzzzzz'"));
	CU_ASSERT_FALSE(has(&d, "did you mean 'z"));
	done(&c, &d);
}

static void test_ec2_group_defaults_values_and_errors(void)
{
	struct po_config c;
	struct po_diag d;

	PO_EXPECT_INT_FATAL(load(&c, &d, MIN_TAIL), PLAYOUT_OK);
	CU_ASSERT_PTR_NULL(c.ec2.group);
	done(&c, &d);
	PO_EXPECT_INT_FATAL(load(&c, &d, "ec2 = { group = \"playout-asg\"; };\n" MIN_TAIL), PLAYOUT_OK);
	PO_EXPECT_STR(c.ec2.group, "playout-asg");
	PO_EXPECT_INT(c.ec2.lead_min, 10);
	PO_EXPECT_INT(c.ec2.tail_min, 5);
	PO_EXPECT_INT(c.ec2.merge_gap_min, 30);
	PO_EXPECT_INT(c.ec2.apply_after_plan, 0);
	PO_EXPECT_INT(c.ec2.idle_stop, 0);
	CU_ASSERT_PTR_NULL(c.ec2.endpoint);
	done(&c, &d);
	PO_EXPECT_INT_FATAL(load(&c, &d, "ec2 = { group = \"g\"; lead_min = 0; tail_min = 720; "
				 "merge_gap_min = 60; apply_after_plan = true; idle_stop = true; "
				 "endpoint = \"http://127.0.0.1:9/\"; };\n" MIN_TAIL), PLAYOUT_OK);
	PO_EXPECT_INT(c.ec2.lead_min, 0);
	PO_EXPECT_INT(c.ec2.tail_min, 720);
	PO_EXPECT_INT(c.ec2.merge_gap_min, 60);
	PO_EXPECT_INT(c.ec2.apply_after_plan, 1);
	PO_EXPECT_INT(c.ec2.idle_stop, 1);
	PO_EXPECT_STR(c.ec2.endpoint, "http://127.0.0.1:9/");
	done(&c, &d);
	expect_error("ec2 = { lead_min = 10; };\n" MIN_TAIL,
		     "t.conf:1: error: group 'ec2' needs group = \"NAME\"");
	expect_error("ec2 = { group = \"g\"; lead_min = 721; };\n" MIN_TAIL,
		     "key 'lead_min' must be between 0 and 720 (got 721)");
	expect_error("ec2 = { group = \"g\"; idle_stop = \"yes\"; };\n" MIN_TAIL,
		     "key 'idle_stop' must be true or false (got a string)");
	expect_error("ec2 = { group = \"g\"; tail = 5; };\n" MIN_TAIL,
		     "unknown key 'tail' in 'ec2'");
	expect_error("ec2 = { group = \"g\"; endpoint = \"autoscaling.local\"; };\n" MIN_TAIL,
		     "key 'endpoint' must be a URL starting with http:// or https://");
	expect_error("ec2 = \"playout-asg\";\n" MIN_TAIL, "key 'ec2' must be a group");
}

/* ---- sections and labels ---------------------------------------------------- */

static void test_storage_and_an_output_are_required(void)
{
	expect_error("outputs = { plugin = \"file\"; };\n", "t.conf: error: no 'storage' section");
	expect_error("storage = { plugin = \"localdisk\"; };\n", "t.conf: error: no 'outputs' section");
	expect_error("storage = { plugin = \"localdisk\"; };\n\noutputs = ();\n",
		     "t.conf:3: error: 'outputs' is empty: at least one output plugin is required");
}

static void test_sections_reject_wrong_shapes(void)
{
	expect_error("storage = ( { plugin = \"localdisk\"; } );\noutputs = { plugin = \"file\"; };\n",
		     "t.conf:1: error: key 'storage' must be a group (got a list)");
	expect_error(MIN_TAIL "schedule = \"csv\";\n",
		     "t.conf:3: error: key 'schedule' must be a group or a list of groups (got a string)");
	expect_error(MIN_TAIL "schedule = ( { plugin = \"csv\"; },\n  5 );\n",
		     "t.conf:4: error: element 2 of 'schedule' must be a group (got an integer)");
	expect_error(MIN_TAIL "fallback = 1;\n", "key 'fallback' must be a group (got an integer)");
	expect_error(MIN_TAIL "join = [1];\n", "key 'join' must be a group (got an array)");
	expect_error(MIN_TAIL "dns = \"x\";\n", "key 'dns' must be a group (got a string)");
}

static void test_instance_without_plugin_key_is_an_error_at_its_line(void)
{
	expect_error(MIN_TAIL "\nschedule = (\n  { path = \"/a.csv\"; }\n);\n",
		     "t.conf:5: error: 'schedule' instance needs a 'plugin' key");
	expect_error("storage = { path = \"/x\"; };\noutputs = { plugin = \"file\"; };\n",
		     "t.conf:1: error: 'storage' instance needs a 'plugin' key");
	expect_error(MIN_TAIL "dns = { plugin = 53; };\n",
		     "t.conf:3: error: key 'plugin' must be a string (got an integer)");
	expect_error(MIN_TAIL "dns = { plugin = \"../route53\"; };\n",
		     "t.conf:3: error: plugin name '../route53' is not valid");
	expect_error(MIN_TAIL "dns = { plugin = \"route53\"; instance = \"a b\"; };\n",
		     "t.conf:3: error: key 'instance' must be a string of 1 to 31 letters");
}

static void test_labels_follow_name_single_and_position_rules(void)
{
	struct po_config c;
	struct po_diag d;

	PO_EXPECT_INT_FATAL(load(&c, &d, "storage = { plugin = \"localdisk\"; };\n"
				   "outputs = ( { plugin = \"icecast\"; },\n"
				   "            { plugin = \"file\"; },\n"
				   "            { plugin = \"icecast\"; instance = \"backup\"; },\n"
				   "            { plugin = \"icecast\"; } );\n"), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(c.ninst, 5);
	PO_EXPECT_STR(c.inst[0].label, "localdisk");
	PO_EXPECT_STR(c.inst[1].label, "icecast:1");
	PO_EXPECT_STR(c.inst[2].label, "file");
	PO_EXPECT_STR(c.inst[3].label, "icecast:backup");
	PO_EXPECT_STR(c.inst[4].label, "icecast:3");
	done(&c, &d);
}

static void test_duplicate_labels_are_errors(void)
{
	expect_error("storage = { plugin = \"localdisk\"; };\n"
		     "outputs = ( { plugin = \"icecast\"; instance = \"main\"; },\n"
		     "            { plugin = \"icecast\"; instance = \"main\"; } );\n",
		     "t.conf:3: error: duplicate instance 'icecast:main' (first at t.conf:2)");
	/* a name that looks like a position collides with the positional label */
	expect_error("storage = { plugin = \"localdisk\"; };\n"
		     "outputs = ( { plugin = \"icecast\"; instance = \"2\"; },\n"
		     "            { plugin = \"icecast\"; } );\n",
		     "t.conf:3: error: duplicate instance 'icecast:2'");
}

/* ---- caps ------------------------------------------------------------------ */

static void test_default_caps_are_the_design_table(void)
{
	static const int64_t below[] = { 2000, 4000, 6000, 8000, 9120, 11000, 13000 };
	static const int cap[] = { 1792, 3525, 5392, 7125, 8992, 10725, 12592 };
	struct po_config c;
	struct po_diag d;

	PO_EXPECT_INT_FATAL(load(&c, &d, MIN_TAIL), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(c.ncaps, 7);
	for (size_t i = 0; i < 7; i++) {
		PO_EXPECT_INT(c.caps[i].below_s, below[i]);
		PO_EXPECT_INT(c.caps[i].cap_s, cap[i]);
	}
	PO_EXPECT_INT(po_config_cap_for(&c, 1800 * 1000), 1792);
	PO_EXPECT_INT(po_config_cap_for(&c, 1999999), 1792);
	PO_EXPECT_INT(po_config_cap_for(&c, 2000 * 1000), 3525);
	PO_EXPECT_INT(po_config_cap_for(&c, 9119 * 1000), 8992);
	PO_EXPECT_INT(po_config_cap_for(&c, 12999 * 1000), 12592);
	PO_EXPECT_INT(po_config_cap_for(&c, 13000 * 1000), 0);
	done(&c, &d);
}

static void test_custom_caps_replace_the_default_table(void)
{
	struct po_config c;
	struct po_diag d;

	PO_EXPECT_INT_FATAL(load(&c, &d, "caps = ( { below_s = 100; cap_s = 90; },\n"
				   "         { below_s = 3600; cap_s = 3000; } );\n" MIN_TAIL), PLAYOUT_OK);
	PO_EXPECT_INT(c.ncaps, 2);
	PO_EXPECT_INT(po_config_cap_for(&c, 50 * 1000), 90);
	PO_EXPECT_INT(po_config_cap_for(&c, 100 * 1000), 3000);
	PO_EXPECT_INT(po_config_cap_for(&c, 3600 * 1000), 0);
	done(&c, &d);

	PO_EXPECT_INT_FATAL(load(&c, &d, "caps = ();\n" MIN_TAIL), PLAYOUT_OK);
	PO_EXPECT_INT(c.ncaps, 0);
	PO_EXPECT_INT(po_config_cap_for(&c, 1000), 0);
	done(&c, &d);
}

static void test_bad_caps_are_errors(void)
{
	expect_error("caps = ( { below_s = 4000; cap_s = 3525; },\n"
		     "         { below_s = 2000; cap_s = 1792; } );\n" MIN_TAIL,
		     "t.conf:2: error: caps row 2: below_s 2000 is not above the previous row's 4000");
	expect_error("caps = ( { below_s = 2000; } );\n" MIN_TAIL,
		     "t.conf:1: error: caps row 1 needs both below_s and cap_s");
	expect_error("caps = ( { below_s = 2000; cap_s = \"x\"; } );\n" MIN_TAIL,
		     "t.conf:1: error: key 'cap_s' must be an integer (got a string)");
	expect_error("caps = ( { below_s = 0; cap_s = 1; } );\n" MIN_TAIL,
		     "key 'below_s' must be between 1 and 604800 (got 0)");
	expect_error("caps = { below_s = 2000; cap_s = 1792; };\n" MIN_TAIL,
		     "t.conf:1: error: key 'caps' must be a list of groups");
	expect_error("caps = ( 5 );\n" MIN_TAIL, "t.conf:1: error: caps row 1 must be a group (got an integer)");
}

/* ---- aws ------------------------------------------------------------------- */

static void test_aws_group_is_validated(void)
{
	struct po_config c;
	struct po_diag d;

	PO_EXPECT_INT(load(&c, &d, MIN_TAIL "aws = { region = \"eu-west-1\"; profile = \"p\";\n"
			     "  access_key = \"AKIAX\"; secret_key = \"env:AWS_SECRET\";\n"
			     "  ssm_endpoint = \"http://127.0.0.1:1\"; imds_endpoint = \"http://127.0.0.1:2\"; };\n"), PLAYOUT_OK);
	PO_EXPECT_INT(d.n, 0);
	CU_ASSERT_PTR_NOT_NULL(c.aws);
	done(&c, &d);

	expect_error(MIN_TAIL "aws = { region = 5; };\n", "t.conf:3: error: key 'region' must be a string (got an integer)");
	expect_error(MIN_TAIL "aws = { access_key = \"AKIAX\"; };\n",
		     "t.conf:3: error: group 'aws' needs both access_key and secret_key, or neither");
	expect_error(MIN_TAIL "aws = { ssm_endpoint = \"ftp://x\"; };\n",
		     "t.conf:3: error: key 'ssm_endpoint' must be a URL starting with http:// or https://");
	expect_error(MIN_TAIL "aws = \"eu-west-1\";\n", "t.conf:3: error: key 'aws' must be a group (got a string)");

	PO_EXPECT_INT(load(&c, &d, MIN_TAIL "aws = { regoin = \"x\"; };\n"), PLAYOUT_ECONFIG);
	CU_ASSERT_TRUE(has(&d, "t.conf:3: error: unknown key 'regoin' in 'aws' (did you mean 'region'?)"));
	done(&c, &d);
}

/* ---- literal secrets and file modes ------------------------------------------ */

static const struct playout_setting secret_settings[] = {
	{ .name = "mount", .type = PLAYOUT_SET_STRING, .required = 1, .help = "mount point" },
	{ .name = "password", .type = PLAYOUT_SET_SECRET, .required = 1, .help = "source password" },
	{ .name = NULL },
};

/* Write a config holding password = value at mode, load it and check the
 * output instance; returns the number of errors the check added. */
static int check_secret_file(const char *value, mode_t mode, struct po_diag *d, char *path,
			     size_t size)
{
	struct po_config c;
	char text[512];
	int n;

	snprintf(path, size, "%s/secret.conf", po_test_tmpdir());
	snprintf(text, sizeof text, "storage = { plugin = \"localdisk\"; };\n"
		 "outputs = { plugin = \"icecast\"; mount = \"/a\";\n"
		 "  password = \"%s\"; };\n", value);
	write_file(path, text, mode);
	po_diag_init(d);
	PO_EXPECT_INT_FATAL(po_config_load(&c, path, d), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(c.ninst, 2);
	n = po_config_check_instance(&c, &c.inst[1], secret_settings, d);
	po_config_free(&c);
	return n;
}

static void test_literal_secret_in_world_readable_file_is_refused(void)
{
	struct po_diag d;
	char path[4200], want[13000];

	PO_EXPECT_INT(check_secret_file("hackme", 0644, &d, path, sizeof path), 1);
	snprintf(want, sizeof want,
		 "%s:3: error: key 'password' holds a literal secret and %s is readable by others (mode 0644): chmod 640 %s, or use file:/path or env:NAME",
		 path, path, path);
	CU_ASSERT_TRUE(has(&d, want));
	dump(&d);
	po_diag_free(&d);
}

static void test_literal_secret_accepted_in_private_file(void)
{
	struct po_diag d;
	char path[4200];

	PO_EXPECT_INT(check_secret_file("hackme", 0600, &d, path, sizeof path), 0);
	PO_EXPECT_INT(d.n, 0);
	po_diag_free(&d);
	PO_EXPECT_INT(check_secret_file("hackme", 0640, &d, path, sizeof path), 0);
	po_diag_free(&d);
}

static void test_secret_reference_accepted_in_world_readable_file(void)
{
	struct po_diag d;
	char path[4200];

	PO_EXPECT_INT(check_secret_file("file:/etc/playout/icecast.pass", 0644, &d, path, sizeof path), 0);
	PO_EXPECT_INT(d.n, 0);
	po_diag_free(&d);
	PO_EXPECT_INT(check_secret_file("env:ICECAST_PASS", 0644, &d, path, sizeof path), 0);
	PO_EXPECT_INT(d.n, 0);
	po_diag_free(&d);
}

static void test_literal_secret_in_world_readable_included_file_is_refused(void)
{
	struct po_config c;
	struct po_diag d;
	char dir[4200], main_conf[4300], part[4300], cwd[4096], want[4400];

	snprintf(dir, sizeof dir, "%s/inc", po_test_tmpdir());
	PO_EXPECT_INT_FATAL(mkdir(dir, 0700), 0);
	snprintf(main_conf, sizeof main_conf, "%s/main.conf", dir);
	snprintf(part, sizeof part, "%s/out.conf", dir);
	write_file(main_conf, "storage = { plugin = \"localdisk\"; };\n@include \"out.conf\"\n", 0600);
	write_file(part, "outputs = { plugin = \"icecast\"; mount = \"/a\";\n  password = \"hackme\"; };\n",
		   0644);
	/* from another directory, so a relative name would not be found */
	CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
	PO_EXPECT_INT_FATAL(chdir("/"), 0);
	po_diag_init(&d);
	PO_EXPECT_INT(po_config_load(&c, main_conf, &d), PLAYOUT_OK);
	PO_EXPECT_INT(c.ninst, 2);
	if (c.ninst == 2)
		PO_EXPECT_INT(po_config_check_instance(&c, &c.inst[1], secret_settings, &d), 1);
	PO_EXPECT_INT(chdir(cwd), 0);
	CU_ASSERT_TRUE(has(&d, "out.conf:2: error: key 'password' holds a literal secret"));
	snprintf(want, sizeof want, "chmod 640 %s, or use", part);
	CU_ASSERT_TRUE(has(&d, want));
	done(&c, &d);
}

static void test_aws_literal_secret_key_in_world_readable_file_is_refused(void)
{
	struct po_config c;
	struct po_diag d;
	char path[4200];

	snprintf(path, sizeof path, "%s/aws.conf", po_test_tmpdir());
	write_file(path, MIN_TAIL "aws = { access_key = \"AKIAX\";\n  secret_key = \"abc\"; };\n", 0604);
	po_diag_init(&d);
	PO_EXPECT_INT(po_config_load(&c, path, &d), PLAYOUT_ECONFIG);
	CU_ASSERT_TRUE(has(&d, "aws.conf:4: error: key 'secret_key' holds a literal secret"));
	CU_ASSERT_TRUE(has(&d, "(mode 0604)"));
	done(&c, &d);

	PO_EXPECT_INT(chmod(path, 0600), 0);
	po_diag_init(&d);
	PO_EXPECT_INT(po_config_load(&c, path, &d), PLAYOUT_OK);
	done(&c, &d);
}

/* ---- settings tables ---------------------------------------------------------- */

static const struct playout_setting table[] = {
	{ .name = "path", .type = PLAYOUT_SET_STRING, .required = 1, .help = "the drop folder" },
	{ .name = "port", .type = PLAYOUT_SET_INT, .min = 1, .max = 65535, .help = "server port" },
	{ .name = "count", .type = PLAYOUT_SET_INT },
	{ .name = "gain", .type = PLAYOUT_SET_FLOAT, .min = -20, .max = 20 },
	{ .name = "public", .type = PLAYOUT_SET_BOOL },
	{ .name = "token", .type = PLAYOUT_SET_SECRET },
	{ .name = "hosts", .type = PLAYOUT_SET_LIST },
	{ .name = "opts", .type = PLAYOUT_SET_GROUP },
	{ .name = NULL },
};

/* Load an output group `body` and check it against table. */
static int check_body(const char *body, struct po_diag *d)
{
	struct po_config c;
	char text[1024];
	int n;

	snprintf(text, sizeof text, "storage = { plugin = \"localdisk\"; };\noutputs = { plugin = \"x\";\n%s };\n",
		 body);
	po_diag_init(d);
	PO_EXPECT_INT_FATAL(po_config_load_string(&c, text, "t.conf", d), PLAYOUT_OK);
	n = po_config_check_instance(&c, &c.inst[1], table, d);
	po_config_free(&c);
	return n;
}

static void expect_setting_error(const char *body, const char *msg)
{
	struct po_diag d;

	PO_EXPECT_INT(check_body(body, &d), 1);
	if (!has(&d, msg)) {
		fprintf(stderr, "expected '%s' in:\n", msg);
		dump(&d);
		CU_FAIL("message not found");
	}
	po_diag_free(&d);
}

static void test_settings_accept_every_type(void)
{
	struct po_diag d;

	PO_EXPECT_INT(check_body("path = \"/x\"; port = 8000; count = 5000000000L; gain = -3.5;\n"
				   "public = true; token = \"ssm:/a\"; hosts = [\"a\", \"b\"]; opts = { a = 1; };\n"
				   "instance = \"main\";", &d), 0);
	PO_EXPECT_INT(d.n, 0);
	po_diag_free(&d);
	/* a float setting takes an integer; a list setting takes a list */
	PO_EXPECT_INT(check_body("path = \"/x\"; gain = 2; hosts = (1, \"a\");", &d), 0);
	po_diag_free(&d);
}

static void test_settings_missing_required_key(void)
{
	expect_setting_error("port = 80;", "t.conf:2: error: x needs key 'path': the drop folder");
	expect_setting_error("path = \"\";", "t.conf:3: error: key 'path' of x must not be empty");
}

static void test_settings_wrong_types(void)
{
	expect_setting_error("path = 5;", "t.conf:3: error: key 'path' must be a string (got an integer)");
	expect_setting_error("path = \"/x\"; port = \"80\";", "key 'port' must be an integer (got a string)");
	expect_setting_error("path = \"/x\"; gain = \"loud\";", "key 'gain' must be a number (got a string)");
	expect_setting_error("path = \"/x\"; public = 1;", "key 'public' must be a boolean (true or false) (got an integer)");
	expect_setting_error("path = \"/x\"; token = 1;", "key 'token' must be a string (got an integer)");
	expect_setting_error("path = \"/x\"; hosts = \"a\";", "key 'hosts' must be a list (got a string)");
	expect_setting_error("path = \"/x\"; opts = 1;", "key 'opts' must be a group (got an integer)");
}

static void test_settings_ranges(void)
{
	expect_setting_error("path = \"/x\";\nport = 0;", "t.conf:4: error: key 'port' must be between 1 and 65535 (got 0)");
	expect_setting_error("path = \"/x\"; port = 70000;", "key 'port' must be between 1 and 65535 (got 70000)");
	expect_setting_error("path = \"/x\"; gain = 20.5;", "key 'gain' must be between -20 and 20 (got 20.5)");

	struct po_diag d;
	/* min == max: no range */
	PO_EXPECT_INT(check_body("path = \"/x\"; count = -7; port = 65535; gain = -20.0;", &d), 0);
	po_diag_free(&d);
}

static void test_settings_unknown_key_is_an_error_with_nearest(void)
{
	struct po_diag d;

	PO_EXPECT_INT(check_body("path = \"/x\";\nprot = 8000;\npluginn = \"y\";", &d), 2);
	PO_EXPECT_INT(d.nerrors, 2);
	CU_ASSERT_TRUE(has(&d, "t.conf:4: error: unknown key 'prot' in x (did you mean 'port'?)"));
	CU_ASSERT_TRUE(has(&d, "t.conf:5: error: unknown key 'pluginn' in x (did you mean 'plugin'?)"));
	po_diag_free(&d);
}

static void test_settings_null_table_allows_only_plugin_and_name(void)
{
	struct po_config c;
	struct po_diag d;

	PO_EXPECT_INT_FATAL(load(&c, &d, "storage = { plugin = \"localdisk\"; instance = \"a\";\n  extra = 1; };\n"
				   "outputs = { plugin = \"file\"; };\n"), PLAYOUT_OK);
	PO_EXPECT_INT(po_config_check_instance(&c, &c.inst[0], NULL, &d), 1);
	PO_EXPECT_INT(d.n, 1);
	CU_ASSERT_TRUE(has(&d, "t.conf:2: error: unknown key 'extra' in localdisk:a"));
	done(&c, &d);
}

/* ---- defaults and choices, as a plugin's create sees them ----------------- */

static int tdef_create(const config_setting_t *conf, const struct playout_host *host,
		       void **instance, struct playout_error *err)
{
	(void)conf;
	(void)host;
	(void)instance;
	(void)err;
	return PLAYOUT_OK;
}

static void tdef_destroy(void *instance)
{
	(void)instance;
}

static const char *const protocols[] = { "http", "icy", NULL };

static const struct playout_setting defaults_table[] = {
	{ .name = "host", .type = PLAYOUT_SET_STRING, .def = "127.0.0.1" },
	{ .name = "port", .type = PLAYOUT_SET_INT, .min = 1, .max = 65535, .def = "8000" },
	{ .name = "gain", .type = PLAYOUT_SET_FLOAT, .min = -20, .max = 20, .def = "-1.5" },
	{ .name = "public", .type = PLAYOUT_SET_BOOL, .def = "false" },
	{ .name = "protocol", .type = PLAYOUT_SET_STRING, .choices = protocols, .def = "http" },
	{ .name = "nodefault", .type = PLAYOUT_SET_INT },
	{ .name = NULL },
};

static const struct playout_plugin tdef = {
	PLAYOUT_PLUGIN_HEAD, .name = "tdef", .kind = PLAYOUT_KIND_OUTPUT,
	.settings = defaults_table, .create = tdef_create, .destroy = tdef_destroy,
};

static void test_settings_defaults_are_filled_in_before_create(void)
{
	struct po_test_conf tc = { 0 };
	struct playout_error err = { 0 };
	const config_setting_t *g = NULL;

	PO_EXPECT_INT_FATAL(po_test_conf_group(&tc, &tdef, "port = 8080;", &g, &err), PLAYOUT_OK);
	PO_EXPECT_STR(playout_conf_str(g, "host"), "127.0.0.1");
	PO_EXPECT_INT(playout_conf_int(g, "port"), 8080); /* written wins */
	PO_EXPECT_DOUBLE(playout_conf_float(g, "gain"), -1.5, 1e-9);
	PO_EXPECT_INT(playout_conf_bool(g, "public"), 0);
	CU_ASSERT_PTR_NOT_NULL(config_setting_get_member(g, "public"));
	PO_EXPECT_STR(playout_conf_str(g, "protocol"), "http");
	CU_ASSERT_PTR_NULL(config_setting_get_member(g, "nodefault"));
	po_test_conf_free(&tc);
}

static void test_settings_choices_are_enforced_with_the_list(void)
{
	struct po_test_conf tc = { 0 };
	struct playout_error err = { 0 };
	const config_setting_t *g = NULL;

	PO_EXPECT_INT(po_test_conf_group(&tc, &tdef, "protocol = \"icy\";", &g, &err), PLAYOUT_OK);
	PO_EXPECT_INT(po_test_conf_group(&tc, &tdef, "protocol = \"htp\";", &g, &err), PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "test.conf:1: error: key 'protocol' of tdef must be "
					       "one of \"http\", \"icy\" (got \"htp\"); did you mean "
					       "\"http\"?"));
	po_test_conf_free(&tc);
}

/* A plugin whose own default breaks its table is refused at load, not
 * handed a value it never expected. */
static void test_settings_bad_default_is_an_error_naming_the_plugin(void)
{
	static const struct playout_setting broken[] = {
		{ .name = "port", .type = PLAYOUT_SET_INT, .min = 1, .max = 65535, .def = "80x" },
		{ .name = "level", .type = PLAYOUT_SET_INT, .min = 1, .max = 9, .def = "10" },
		{ .name = NULL },
	};
	const struct playout_plugin tbroken = {
		PLAYOUT_PLUGIN_HEAD, .name = "tbroken", .kind = PLAYOUT_KIND_OUTPUT,
		.settings = broken, .create = tdef_create, .destroy = tdef_destroy,
	};
	struct po_test_conf tc = { 0 };
	struct playout_error err = { 0 };
	const config_setting_t *g = NULL;

	PO_EXPECT_INT(po_test_conf_group(&tc, &tbroken, "", &g, &err), PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "plugin tbroken declares default \"80x\" for key "
					       "'port', which is not an integer: the plugin is broken"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "key 'level' must be between 1 and 9 (got 10)"));
	po_test_conf_free(&tc);
}

/* A mistyped secret must not pass: the default (no password) would be used. */
static void test_mistyped_password_is_an_error_naming_the_key(void)
{
	static const struct playout_setting ice[] = {
		{ .name = "mount", .type = PLAYOUT_SET_STRING, .required = 1 },
		{ .name = "password", .type = PLAYOUT_SET_SECRET },
		{ .name = NULL },
	};
	struct po_config c;
	struct po_diag d;

	PO_EXPECT_INT_FATAL(load(&c, &d, "storage = { plugin = \"localdisk\";\n  downlods = 2; };\n"
				   "outputs = { plugin = \"icecast\"; mount = \"/m\";\n  pasword = \"env:P\"; };\n"), PLAYOUT_OK);
	PO_EXPECT_INT(po_config_check_instance(&c, &c.inst[0], NULL, &d), 1);
	PO_EXPECT_INT(po_config_check_instance(&c, &c.inst[1], ice, &d), 1);
	dump(&d);
	PO_EXPECT_INT(d.nerrors, 2);
	CU_ASSERT_TRUE(has(&d, "t.conf:2: error: unknown key 'downlods' in localdisk (did you mean 'downloads'?)"));
	CU_ASSERT_TRUE(has(&d, "t.conf:4: error: unknown key 'pasword' in icecast (did you mean 'password'?)"));
	done(&c, &d);
}

static void test_free_accepts_null_and_a_zeroed_config(void)
{
	struct po_config c;

	memset(&c, 0, sizeof c);
	po_config_free(&c);
	po_config_free(NULL);
	CU_ASSERT_PTR_NULL(c.cfg.root);
	PO_EXPECT_INT(c.ninst, 0);
}

static const struct po_test tests[] = {
	{ "test_minimal_config_gets_every_default", test_minimal_config_gets_every_default },
	{ "test_ec2_group_defaults_values_and_errors", test_ec2_group_defaults_values_and_errors },
	{ "test_good_fixture_sets_every_key", test_good_fixture_sets_every_key },
	{ "test_example_conf_loads_without_warnings", test_example_conf_loads_without_warnings },
	{ "test_parse_error_names_file_and_line", test_parse_error_names_file_and_line },
	{ "test_missing_file_is_reported_with_errno_text", test_missing_file_is_reported_with_errno_text },
	{ "test_bad_fixture_reports_every_problem_with_its_line", test_bad_fixture_reports_every_problem_with_its_line },
	{ "test_include_is_read_from_the_files_directory", test_include_is_read_from_the_files_directory },
	{ "test_string_keys_reject_wrong_type_and_empty", test_string_keys_reject_wrong_type_and_empty },
	{ "test_integer_keys_check_type_and_range", test_integer_keys_check_type_and_range },
	{ "test_sixty_outputs_load_in_file_order", test_sixty_outputs_load_in_file_order },
	{ "test_integer_keys_accept_their_bounds", test_integer_keys_accept_their_bounds },
	{ "test_log_level_names", test_log_level_names },
	{ "test_unknown_top_level_key_is_an_error_with_nearest_key", test_unknown_top_level_key_is_an_error_with_nearest_key },
	{ "test_storage_and_an_output_are_required", test_storage_and_an_output_are_required },
	{ "test_sections_reject_wrong_shapes", test_sections_reject_wrong_shapes },
	{ "test_instance_without_plugin_key_is_an_error_at_its_line", test_instance_without_plugin_key_is_an_error_at_its_line },
	{ "test_labels_follow_name_single_and_position_rules", test_labels_follow_name_single_and_position_rules },
	{ "test_duplicate_labels_are_errors", test_duplicate_labels_are_errors },
	{ "test_default_caps_are_the_design_table", test_default_caps_are_the_design_table },
	{ "test_custom_caps_replace_the_default_table", test_custom_caps_replace_the_default_table },
	{ "test_bad_caps_are_errors", test_bad_caps_are_errors },
	{ "test_aws_group_is_validated", test_aws_group_is_validated },
	{ "test_literal_secret_in_world_readable_file_is_refused", test_literal_secret_in_world_readable_file_is_refused },
	{ "test_literal_secret_accepted_in_private_file", test_literal_secret_accepted_in_private_file },
	{ "test_secret_reference_accepted_in_world_readable_file", test_secret_reference_accepted_in_world_readable_file },
	{ "test_literal_secret_in_world_readable_included_file_is_refused", test_literal_secret_in_world_readable_included_file_is_refused },
	{ "test_aws_literal_secret_key_in_world_readable_file_is_refused", test_aws_literal_secret_key_in_world_readable_file_is_refused },
	{ "test_settings_accept_every_type", test_settings_accept_every_type },
	{ "test_settings_missing_required_key", test_settings_missing_required_key },
	{ "test_settings_wrong_types", test_settings_wrong_types },
	{ "test_settings_ranges", test_settings_ranges },
	{ "test_settings_unknown_key_is_an_error_with_nearest", test_settings_unknown_key_is_an_error_with_nearest },
	{ "test_mistyped_password_is_an_error_naming_the_key", test_mistyped_password_is_an_error_naming_the_key },
	{ "test_settings_null_table_allows_only_plugin_and_name", test_settings_null_table_allows_only_plugin_and_name },
	{ "test_settings_defaults_are_filled_in_before_create", test_settings_defaults_are_filled_in_before_create },
	{ "test_settings_choices_are_enforced_with_the_list", test_settings_choices_are_enforced_with_the_list },
	{ "test_settings_bad_default_is_an_error_naming_the_plugin", test_settings_bad_default_is_an_error_naming_the_plugin },
	{ "test_free_accepts_null_and_a_zeroed_config", test_free_accepts_null_and_a_zeroed_config },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "config", tests, suite_init, NULL },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_config", suites);
}
