/*
 * Tests for core/loader.c against the test-only modules built by
 * tests/unit/loader.mk into <builddir>/tests/unit/modules.
 */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_host.h"
#include "loader.h"

static char moddir[4096];

/* $PO_BUILDDIR/tests/unit/modules, else next to this program. */
static int find_moddir(void)
{
	const char *b = getenv("PO_BUILDDIR");

	if (b && *b) {
		snprintf(moddir, sizeof moddir, "%s/tests/unit/modules", b);
		return 0;
	}
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	size_t len = strlen(self);
	if (len >= 6 && !strcmp(self + len - 6, "/.libs"))
		self[len - 6] = '\0';
	snprintf(moddir, sizeof moddir, "%s/modules", self);
	return 0;
}

static int suite_init(void)
{
	struct playout_error err;

	if (find_moddir() < 0)
		return -1;
	/* Only the test modules and the empty scratch dir are searched below. */
	setenv("PLAYOUT_PLUGIN_PATH", po_test_tmpdir(), 1);
	return po_loader_init(&err) == 0 ? 0 : -1;
}

static int suite_cleanup(void)
{
	po_loader_exit();
	return 0;
}

static void test_good_module_loads_and_descriptor_is_usable(void)
{
	struct po_module m;
	struct playout_error err = { 0, "" };
	void *inst = NULL;

	int rc = po_loader_open("tgood", PLAYOUT_KIND_OUTPUT, moddir, &m, &err);
	PO_EXPECT_INT_FATAL(rc, PLAYOUT_OK);
	PO_EXPECT_STR(m.name, "tgood");
	CU_ASSERT_PTR_NOT_NULL(strstr(m.path, moddir));
	CU_ASSERT_PTR_NOT_NULL(m.handle);
	PO_EXPECT_INT(m.plugin->abi_major, PLAYOUT_ABI_MAJOR);
	PO_EXPECT_INT(m.plugin->abi_minor, PLAYOUT_ABI_MINOR);
	PO_EXPECT_INT(m.plugin->kind, PLAYOUT_KIND_OUTPUT);
	PO_EXPECT_STR(m.plugin->settings[0].name, "path");

	PO_EXPECT_INT_FATAL(m.plugin->create(NULL, NULL, &inst, &err), PLAYOUT_OK);
	const struct playout_output_ops *ops = m.plugin->ops.output;
	PO_EXPECT_INT(ops->open(inst, NULL, &err), PLAYOUT_OK);
	static const uint8_t frame[5] = { 1, 2, 3, 4, 5 };
	PO_EXPECT_INT(ops->write(inst, frame, sizeof frame, &err), 5);
	PO_EXPECT_INT(ops->write(inst, frame, 3, &err), 8);
	ops->close(inst);
	m.plugin->destroy(inst);
	po_loader_close(&m);
	CU_ASSERT_PTR_NULL(m.handle);
	CU_ASSERT_PTR_NULL(m.plugin);
}

static void test_any_kind_accepted_when_kind_is_zero(void)
{
	struct po_module m;
	struct playout_error err = { 0, "" };

	PO_EXPECT_INT_FATAL(po_loader_open("tgood", 0, moddir, &m, &err), PLAYOUT_OK);
	po_loader_close(&m);
}

static void test_wrong_kind_is_refused_naming_both_kinds(void)
{
	struct po_module m;
	struct playout_error err = { 0, "" };

	int rc = po_loader_open("tgood", PLAYOUT_KIND_SCHEDULE, moddir, &m, &err);
	PO_EXPECT_INT(rc, PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NULL(m.handle);
	PO_EXPECT_STR(err.msg, "plugin 'tgood' is an output plugin, not a schedule plugin");
}

static void test_contract_1_plugin_is_refused_with_both_numbers(void)
{
	struct po_module m;
	struct playout_error err = { 0, "" };
	char want[4300];

	int rc = po_loader_open("tcontract1", PLAYOUT_KIND_OUTPUT, moddir, &m, &err);
	PO_EXPECT_INT(rc, PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NULL(m.plugin);
	snprintf(want, sizeof want,
		 "plugin tcontract1 (%s/tcontract1.la) was built for plugin contract 1, "
		 "this playout has contract %d.%d",
		 moddir, PLAYOUT_ABI_MAJOR, PLAYOUT_ABI_MINOR);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "rebuild it against"));
}

static void test_newer_minor_is_refused_with_both_versions(void)
{
	struct po_module m;
	struct playout_error err = { 0, "" };
	char want[200];

	int rc = po_loader_open("tnewminor", PLAYOUT_KIND_OUTPUT, moddir, &m, &err);
	PO_EXPECT_INT(rc, PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NULL(m.plugin);
	snprintf(want, sizeof want,
		 "was built for plugin contract %d.%d, newer than this playout's %d.%d: "
		 "upgrade playout",
		 PLAYOUT_ABI_MAJOR, PLAYOUT_ABI_MINOR + 1, PLAYOUT_ABI_MAJOR, PLAYOUT_ABI_MINOR);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
}

/* A plugin built for 2.0 loads into this core and runs, and sees by
 * PLAYOUT_HAS the host member 2.1 appended. */
static void test_older_minor_loads_and_runs(void)
{
	struct po_module m;
	struct playout_error err = { 0, "" };
	struct po_fake_host *fh = po_fake_host_new("toldminor", NULL);
	struct playout_slots out = { 0 };
	void *inst = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fh);
	int rc = po_loader_open("toldminor", PLAYOUT_KIND_SCHEDULE, moddir, &m, &err);
	PO_EXPECT_INT_FATAL(rc, PLAYOUT_OK);
	PO_EXPECT_INT(m.plugin->abi_minor, 0);
	PO_EXPECT_INT_FATAL(m.plugin->create(NULL, po_fake_host(fh), &inst, &err), PLAYOUT_OK);
	PO_EXPECT_INT(m.plugin->ops.schedule->fetch(inst, 1000, 2000, &out, &err), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(out.n, 1);
	PO_EXPECT_STR(out.v[0].title, "2.1 host");
	free(out.v);
	m.plugin->destroy(inst);
	po_loader_close(&m);
	po_fake_host_free(fh);
}

static void test_missing_required_op_is_named(void)
{
	struct po_module m;
	struct playout_error err = { 0, "" };

	int rc = po_loader_open("tnowrite", PLAYOUT_KIND_OUTPUT, moddir, &m, &err);
	PO_EXPECT_INT(rc, PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NULL(m.plugin);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "plugin 'tnowrite' ("));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "lacks the output op 'write', which every output plugin needs"));
}

static void test_module_without_descriptor_is_refused(void)
{
	struct po_module m;
	struct playout_error err = { 0, "" };

	int rc = po_loader_open("tnodesc", 0, moddir, &m, &err);
	PO_EXPECT_INT(rc, PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "tnodesc.la has no 'playout_plugin' symbol"));
}

static void test_descriptor_name_must_match_file_name(void)
{
	struct po_module m;
	struct playout_error err = { 0, "" };

	int rc = po_loader_open("tmisname", 0, moddir, &m, &err);
	PO_EXPECT_INT(rc, PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "calls itself 'other', not 'tmisname'"));
}

static void test_descriptor_without_ops_is_refused(void)
{
	struct po_module m;
	struct playout_error err = { 0, "" };

	int rc = po_loader_open("tnoops", PLAYOUT_KIND_STORAGE, moddir, &m, &err);
	PO_EXPECT_INT(rc, PLAYOUT_ECONFIG);
	CU_ASSERT_PTR_NULL(m.plugin);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "plugin 'tnoops' ("));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "has no ops: set .ops.storage"));
}

static void test_unloadable_file_reports_path_and_libltdl_error(void)
{
	char dir[4200], path[4300];
	struct po_module m;
	struct playout_error err = { 0, "" };
	FILE *f;

	snprintf(dir, sizeof dir, "%s/junk", po_test_tmpdir());
	PO_EXPECT_INT_FATAL(mkdir(dir, 0755), 0);
	snprintf(path, sizeof path, "%s/tjunk.so", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (int i = 0; i < 32; i++)
		fputs("not an ELF file\n", f);
	fclose(f);
	int rc = po_loader_open("tjunk", 0, dir, &m, &err);
	PO_EXPECT_INT(rc, PLAYOUT_EIO);
	CU_ASSERT_PTR_NULL(m.handle);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cannot open plugin "));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, path));
	/* libltdl's text, then the dynamic linker's reason */
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "invalid ELF header"));
}

static void test_not_found_lists_every_directory_tried(void)
{
	struct po_module m;
	struct playout_error err = { 0, "" };

	int rc = po_loader_open("nosuch", PLAYOUT_KIND_OUTPUT, moddir, &m, &err);
	PO_EXPECT_INT(rc, PLAYOUT_ENOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "plugin 'nosuch' not found in "));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, moddir));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, po_test_tmpdir()));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "nosuch.la, nosuch.so and nosuch/nosuch.la"));
	/* plugin_dir comes first, then $PLAYOUT_PLUGIN_PATH */
	CU_ASSERT_TRUE(strstr(err.msg, moddir) < strstr(err.msg, po_test_tmpdir()));
}

static void test_name_with_path_characters_is_refused(void)
{
	static const char *const bad[] = { "../tgood", "modules/tgood", "TGood", "", "t good" };
	struct po_module m;
	struct playout_error err = { 0, "" };

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = po_loader_open(bad[i], 0, moddir, &m, &err);
		PO_EXPECT_INT(rc, PLAYOUT_EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "is not valid"));
	}
}

static void test_module_in_plugin_subfolder_is_found(void)
{
	/* the build tree layout: <dir>/<name>/<name>.la */
	char dir[4096], link[4200], target[4200];
	struct po_module m;
	struct playout_error err = { 0, "" };

	snprintf(dir, sizeof dir, "%s/sub", po_test_tmpdir());
	snprintf(link, sizeof link, "%s/tgood", dir);
	snprintf(target, sizeof target, "%s", moddir);
	PO_EXPECT_INT_FATAL(mkdir(dir, 0755) == 0 || access(dir, F_OK) == 0, 1);
	/* sub/tgood -> modules, so sub/tgood/tgood.la exists */
	if (access(link, F_OK) != 0)
		PO_EXPECT_INT_FATAL(symlink(target, link), 0);
	PO_EXPECT_INT_FATAL(po_loader_open("tgood", PLAYOUT_KIND_OUTPUT, dir, &m, &err), PLAYOUT_OK);
	snprintf(target, sizeof target, "%s/tgood/tgood.la", dir);
	PO_EXPECT_STR(m.path, target);
	po_loader_close(&m);
}

struct each_seen {
	int tgood, broken;
	char tgood_path[4096];
};

static void each_cb(const struct po_module *m, void *arg)
{
	struct each_seen *s = arg;

	if (!strcmp(m->name, "tgood")) {
		s->tgood++;
		snprintf(s->tgood_path, sizeof s->tgood_path, "%s", m->path);
	} else if (!strcmp(m->name, "tbadabi") || !strcmp(m->name, "tnodesc") ||
		   !strcmp(m->name, "tmisname") || !strcmp(m->name, "tnoops") ||
		   !strcmp(m->name, "other")) {
		s->broken++;
	}
}

static void test_each_lists_loadable_modules_once_first_dir_wins(void)
{
	/* scratch dir first (tgood.so there), then moddir also holding tgood */
	char so[4200], target[4200], env[8400];
	struct each_seen seen = { 0, 0, "" };

	snprintf(so, sizeof so, "%s/tgood.so", po_test_tmpdir());
	snprintf(target, sizeof target, "%s/.libs/tgood.so", moddir);
	if (access(so, F_OK) != 0)
		PO_EXPECT_INT_FATAL(symlink(target, so), 0);
	snprintf(env, sizeof env, "%s:%s", po_test_tmpdir(), moddir);
	setenv("PLAYOUT_PLUGIN_PATH", env, 1);
	po_loader_each(NULL, each_cb, &seen);
	setenv("PLAYOUT_PLUGIN_PATH", po_test_tmpdir(), 1);
	PO_EXPECT_INT(seen.tgood, 1);
	PO_EXPECT_STR(seen.tgood_path, so);
	/* tbadabi, tnodesc, tmisname and tnoops do not load: not listed */
	PO_EXPECT_INT(seen.broken, 0);
}

static void test_kind_names(void)
{
	PO_EXPECT_STR(po_kind_name(PLAYOUT_KIND_SCHEDULE), "schedule");
	PO_EXPECT_STR(po_kind_name(PLAYOUT_KIND_STORAGE), "storage");
	PO_EXPECT_STR(po_kind_name(PLAYOUT_KIND_OUTPUT), "output");
	PO_EXPECT_STR(po_kind_name(PLAYOUT_KIND_DNS), "dns");
	PO_EXPECT_STR(po_kind_name(PLAYOUT_KIND_NOTIFY), "notify");
	PO_EXPECT_STR(po_kind_name(99), "unknown");
}

static const struct po_test tests[] = {
	{ "test_good_module_loads_and_descriptor_is_usable", test_good_module_loads_and_descriptor_is_usable },
	{ "test_any_kind_accepted_when_kind_is_zero", test_any_kind_accepted_when_kind_is_zero },
	{ "test_wrong_kind_is_refused_naming_both_kinds", test_wrong_kind_is_refused_naming_both_kinds },
	{ "test_contract_1_plugin_is_refused_with_both_numbers", test_contract_1_plugin_is_refused_with_both_numbers },
	{ "test_newer_minor_is_refused_with_both_versions", test_newer_minor_is_refused_with_both_versions },
	{ "test_older_minor_loads_and_runs", test_older_minor_loads_and_runs },
	{ "test_missing_required_op_is_named", test_missing_required_op_is_named },
	{ "test_module_without_descriptor_is_refused", test_module_without_descriptor_is_refused },
	{ "test_descriptor_name_must_match_file_name", test_descriptor_name_must_match_file_name },
	{ "test_descriptor_without_ops_is_refused", test_descriptor_without_ops_is_refused },
	{ "test_unloadable_file_reports_path_and_libltdl_error", test_unloadable_file_reports_path_and_libltdl_error },
	{ "test_not_found_lists_every_directory_tried", test_not_found_lists_every_directory_tried },
	{ "test_name_with_path_characters_is_refused", test_name_with_path_characters_is_refused },
	{ "test_module_in_plugin_subfolder_is_found", test_module_in_plugin_subfolder_is_found },
	{ "test_each_lists_loadable_modules_once_first_dir_wins", test_each_lists_loadable_modules_once_first_dir_wins },
	{ "test_kind_names", test_kind_names },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "loader", tests, suite_init, suite_cleanup },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_loader", suites);
}
