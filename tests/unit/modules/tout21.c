/*
 * Test module for test_pcm: an output plugin built for contract 2.1, before
 * playout_item_meta.format: it knows only MP3 frames, so the core must
 * refuse to give it a re-encoded stream. Not installed.
 */
#include <playout/plugin.h>

static int tout21_create(const config_setting_t *conf, const struct playout_host *host,
			 void **instance, struct playout_error *err)
{
	(void)conf;
	(void)host;
	(void)err;
	*instance = NULL;
	return PLAYOUT_OK;
}

static void tout21_destroy(void *instance)
{
	(void)instance;
}

static int tout21_open(void *inst, const struct playout_item_meta *m, struct playout_error *err)
{
	(void)inst;
	(void)m;
	(void)err;
	return PLAYOUT_OK;
}

static int tout21_write(void *inst, const uint8_t *buf, size_t len, struct playout_error *err)
{
	(void)inst;
	(void)buf;
	(void)len;
	(void)err;
	return PLAYOUT_OK;
}

static void tout21_close(void *instance)
{
	(void)instance;
}

static const struct playout_output_ops tout21_ops = {
	.size = sizeof(struct playout_output_ops),
	.open = tout21_open,
	.write = tout21_write,
	.close = tout21_close,
};

const struct playout_plugin playout_plugin = {
	.abi_major = 2,
	.abi_minor = 1,
	.size = sizeof(struct playout_plugin),
	.name = "tout21",
	.kind = PLAYOUT_KIND_OUTPUT,
	.create = tout21_create,
	.destroy = tout21_destroy,
	.ops.output = &tout21_ops,
};
