/*
 * Test module for test_loader: an output plugin without the write op every
 * output needs; the loader must refuse it naming the op. Not installed.
 */
#include <playout/plugin.h>

static int tnowrite_create(const config_setting_t *conf, const struct playout_host *host,
			   void **instance, struct playout_error *err)
{
	(void)conf;
	(void)host;
	(void)instance;
	return playout_error_set(err, PLAYOUT_EINVAL, "must never be created");
}

static void tnowrite_destroy(void *instance)
{
	(void)instance;
}

static int tnowrite_open(void *inst, const struct playout_item_meta *m, struct playout_error *err)
{
	(void)inst;
	(void)m;
	(void)err;
	return PLAYOUT_OK;
}

static void tnowrite_close(void *instance)
{
	(void)instance;
}

static const struct playout_output_ops tnowrite_ops = {
	.size = sizeof(struct playout_output_ops),
	.open = tnowrite_open,
	.close = tnowrite_close,
};

const struct playout_plugin playout_plugin = {
	PLAYOUT_PLUGIN_HEAD,
	.name = "tnowrite",
	.kind = PLAYOUT_KIND_OUTPUT,
	.create = tnowrite_create,
	.destroy = tnowrite_destroy,
	.ops.output = &tnowrite_ops,
};
