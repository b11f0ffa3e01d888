/*
 * Config text to plugin instance through the core's own validation, for
 * the plugins' unit tests: the group a plugin's create receives is the one
 * playoutd would give it (types, ranges and choices checked, unknown keys
 * refused, defaults filled in).
 */
#ifndef PO_TEST_PLUGIN_CONF_H
#define PO_TEST_PLUGIN_CONF_H

#include <playout/plugin.h>

#include "../../core/config.h" /* not the autoconf config.h in the build dir */

/* Holds the parsed text; zero it before the first use, free it with
 * po_test_conf_free (also after an error). */
struct po_test_conf {
	struct po_config core;
	struct po_instance_conf ic;
};

/* Parse text, the body of one instance group ("path = \"/x\"; port = 1;"),
 * and check it against pl's settings table. PLAYOUT_OK and *group, or
 * PLAYOUT_ECONFIG with every problem in err->msg ("test.conf:1: error: ..."). */
int po_test_conf_group(struct po_test_conf *tc, const struct playout_plugin *pl,
		       const char *text, const config_setting_t **group,
		       struct playout_error *err);

/* The same, then pl->create(group, host, inst, err): what create returns,
 * or PLAYOUT_ECONFIG when the core's validation refused the text first. */
int po_test_plugin_create(struct po_test_conf *tc, const struct playout_plugin *pl,
			  const char *text, const struct playout_host *host, void **inst,
			  struct playout_error *err);

void po_test_conf_free(struct po_test_conf *tc);

#endif
