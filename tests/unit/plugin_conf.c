/*
 * Config text to plugin instance through the core's validation (see
 * plugin_conf.h).
 */
#include "plugin_conf.h"

#include <stdio.h>
#include <string.h>

#include "diag.h"

int po_test_conf_group(struct po_test_conf *tc, const struct playout_plugin *pl,
		       const char *text, const config_setting_t **group,
		       struct playout_error *err)
{
	struct po_diag d;
	size_t len = 0;

	po_test_conf_free(tc);
	config_init(&tc->core.cfg);
	snprintf(tc->core.path, sizeof tc->core.path, "test.conf");
	if (config_read_string(&tc->core.cfg, text) != CONFIG_TRUE)
		return playout_error_set(err, PLAYOUT_ECONFIG, "test.conf:%d: %s",
					 config_error_line(&tc->core.cfg),
					 config_error_text(&tc->core.cfg));
	tc->ic.kind = pl->kind;
	tc->ic.section = "test";
	tc->ic.plugin = pl->name;
	snprintf(tc->ic.label, sizeof tc->ic.label, "%s", pl->name);
	tc->ic.group = config_root_setting(&tc->core.cfg);
	po_diag_init(&d);
	int nerr = po_config_check_instance(&tc->core, &tc->ic, pl->settings, &d);
	if (err) {
		err->code = nerr ? PLAYOUT_ECONFIG : PLAYOUT_OK;
		err->msg[0] = '\0';
		for (size_t i = 0; nerr && i < d.n && len < sizeof err->msg; i++) {
			int k = snprintf(err->msg + len, sizeof err->msg - len, "%s%s",
					 i ? "\n" : "", d.msg[i]);
			if (k < 0)
				break;
			len += (size_t)k;
		}
	}
	po_diag_free(&d);
	if (nerr)
		return PLAYOUT_ECONFIG;
	*group = tc->ic.group;
	return PLAYOUT_OK;
}

int po_test_plugin_create(struct po_test_conf *tc, const struct playout_plugin *pl,
			  const char *text, const struct playout_host *host, void **inst,
			  struct playout_error *err)
{
	const config_setting_t *group = NULL;
	int rc = po_test_conf_group(tc, pl, text, &group, err);
	return rc < 0 ? rc : pl->create(group, host, inst, err);
}

void po_test_conf_free(struct po_test_conf *tc)
{
	if (tc->core.cfg.root)
		config_destroy(&tc->core.cfg);
	memset(tc, 0, sizeof *tc);
}
