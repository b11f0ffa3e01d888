/*
 * Test module for test_loader: a descriptor built for another ABI (7).
 * Nothing in it may be called. Not installed.
 */
#include <playout/plugin.h>

static int tbadabi_create(const config_setting_t *conf, const struct playout_host *host,
			  void **instance, struct playout_error *err)
{
	(void)conf;
	(void)host;
	(void)instance;
	return playout_error_set(err, PLAYOUT_EINVAL, "tbadabi: must never be created");
}

static void tbadabi_destroy(void *instance)
{
	(void)instance;
}

static const struct playout_output_ops tbadabi_ops = { .close = NULL };

const struct playout_plugin playout_plugin = {
	.abi = 7,
	.name = "tbadabi",
	.kind = PLAYOUT_KIND_OUTPUT,
	.create = tbadabi_create,
	.destroy = tbadabi_destroy,
	.ops = &tbadabi_ops,
};
