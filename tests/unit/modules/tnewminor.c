/*
 * Test module for test_loader: a plugin built for a later minor of this
 * contract than the core has; it may use host members the core lacks, so
 * the loader must refuse it naming both versions. Not installed.
 */
#include <playout/plugin.h>

static int tnewminor_create(const config_setting_t *conf, const struct playout_host *host,
			    void **instance, struct playout_error *err)
{
	(void)conf;
	(void)host;
	(void)instance;
	return playout_error_set(err, PLAYOUT_EINVAL, "must never be created");
}

static void tnewminor_destroy(void *instance)
{
	(void)instance;
}

static void tnewminor_close(void *instance)
{
	(void)instance;
}

static int tnewminor_open(void *inst, const struct playout_item_meta *m, struct playout_error *err)
{
	(void)inst;
	(void)m;
	(void)err;
	return PLAYOUT_OK;
}

static int tnewminor_write(void *inst, const uint8_t *buf, size_t len, struct playout_error *err)
{
	(void)inst;
	(void)buf;
	(void)len;
	(void)err;
	return PLAYOUT_OK;
}

static const struct playout_output_ops tnewminor_ops = {
	.size = sizeof(struct playout_output_ops),
	.open = tnewminor_open,
	.write = tnewminor_write,
	.close = tnewminor_close,
};

const struct playout_plugin playout_plugin = {
	.abi_major = PLAYOUT_ABI_MAJOR,
	.abi_minor = PLAYOUT_ABI_MINOR + 1,
	.size = sizeof(struct playout_plugin),
	.name = "tnewminor",
	.kind = PLAYOUT_KIND_OUTPUT,
	.create = tnewminor_create,
	.destroy = tnewminor_destroy,
	.ops.output = &tnewminor_ops,
};
