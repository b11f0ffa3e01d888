/*
 * libFuzzer target for the configuration validator (core/config.c): any
 * bytes as a libconfig text, validated as playoutd validates it, then each
 * plugin instance group checked against that plugin's own settings table.
 * The tables come from the plugin modules of this build tree, loaded once
 * (po_loader_each), so every real table is exercised. Must never crash,
 * leak, hang or trip UBSan; every problem it reports names its file.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "diag.h"
#include "fuzz_host.h"
#include "loader.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_MAX_PLUGINS 32

struct fuzz_plugin {
	char name[64];
	const struct playout_setting *settings; /* inside a module kept resident */
};

static struct fuzz_plugin plugins[FUZZ_MAX_PLUGINS];
static size_t nplugins;

static void take_plugin(const struct po_module *m, void *arg)
{
	(void)arg;
	if (nplugins < FUZZ_MAX_PLUGINS) {
		snprintf(plugins[nplugins].name, sizeof plugins[nplugins].name, "%s", m->name);
		plugins[nplugins].settings = m->plugin->settings;
		nplugins++;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct playout_error err = { 0 };
	(void)argc;
	(void)argv;
	po_log_init(1, PLAYOUT_LOG_ERROR);
	if (po_loader_init(&err) != PLAYOUT_OK)
		abort();
	po_loader_each(NULL, take_plugin, NULL);
	/* csv, gcal, s3 ... : without them this target fuzzes far less */
	if (nplugins < 5) {
		fprintf(stderr, "fuzz_config: only %zu plugin modules found; build them first\n",
			nplugins);
		abort();
	}
	return 0;
}

static const struct playout_setting *settings_of(const char *plugin)
{
	for (size_t i = 0; plugin && i < nplugins; i++)
		if (strcmp(plugins[i].name, plugin) == 0)
			return plugins[i].settings;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct po_config c;
	struct po_diag d;
	char *text;

	/* @include reads other files: the fuzzer gives text, not a file tree */
	if (memmem(data, size, "@include", 8) || !(text = po_fuzz_text(data, size)))
		return 0;
	po_diag_init(&d);
	if (po_config_load_string(&c, text, "fuzz.conf", &d) == PLAYOUT_OK) {
		for (size_t i = 0; i < c.ninst; i++) {
			const struct playout_setting *set = settings_of(c.inst[i].plugin);
			if (set)
				po_config_check_instance(&c, &c.inst[i], set, &d);
		}
		for (int64_t ms = 0; ms < 4 * 3600 * 1000; ms += 600 * 1000)
			(void)po_config_cap_for(&c, ms);
	}
	for (size_t i = 0; i < d.n; i++)
		if (strncmp(d.msg[i], "fuzz.conf", 9) != 0)
			__builtin_trap();
	po_diag_free(&d);
	po_config_free(&c);
	free(text);
	return 0;
}
