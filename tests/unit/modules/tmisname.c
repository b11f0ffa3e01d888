/*
 * Test module for test_loader: file tmisname.la whose descriptor says
 * "other". Not installed.
 */
#include <playout/plugin.h>

static int tmisname_create(const config_setting_t *conf, const struct playout_host *host,
			   void **instance, struct playout_error *err)
{
	(void)conf;
	(void)host;
	(void)instance;
	return playout_error_set(err, PLAYOUT_EINVAL, "tmisname: must never be created");
}

static void tmisname_destroy(void *instance)
{
	(void)instance;
}

static const struct playout_dns_ops tmisname_ops = { .update = NULL };

const struct playout_plugin playout_plugin = {
	PLAYOUT_PLUGIN_HEAD,
	.name = "other",
	.kind = PLAYOUT_KIND_DNS,
	.create = tmisname_create,
	.destroy = tmisname_destroy,
	.ops.dns = &tmisname_ops,
};
