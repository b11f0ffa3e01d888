/*
 * Test module for test_loader: a current-ABI descriptor without its ops
 * table, which the loader must refuse. Not installed.
 */
#include <playout/plugin.h>

static int tnoops_create(const config_setting_t *conf, const struct playout_host *host,
			 void **instance, struct playout_error *err)
{
	(void)conf;
	(void)host;
	(void)instance;
	return playout_error_set(err, PLAYOUT_EINVAL, "tnoops: must never be created");
}

static void tnoops_destroy(void *instance)
{
	(void)instance;
}

const struct playout_plugin playout_plugin = {
	PLAYOUT_PLUGIN_HEAD,
	.name = "tnoops",
	.kind = PLAYOUT_KIND_STORAGE,
	.create = tnoops_create,
	.destroy = tnoops_destroy,
	.ops.storage = NULL,
};
