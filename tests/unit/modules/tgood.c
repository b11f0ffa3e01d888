/*
 * Test module for test_loader: a well-formed output plugin that counts the
 * bytes written to it. Not installed.
 */
#include <playout/plugin.h>

struct tgood {
	size_t bytes;
	int open;
};

static const struct playout_setting tgood_settings[] = {
	{ .name = "path", .type = PLAYOUT_SET_STRING, .required = 1,
	  .help = "where the bytes would go" },
	{ .name = NULL },
};

static int tgood_create(const config_setting_t *conf, const struct playout_host *host,
			void **instance, struct playout_error *err)
{
	struct tgood *t = calloc(1, sizeof *t);

	(void)conf;
	(void)host;
	if (!t)
		return playout_error_set(err, PLAYOUT_ENOMEM, "tgood: out of memory");
	*instance = t;
	return PLAYOUT_OK;
}

static void tgood_destroy(void *instance)
{
	free(instance);
}

static int tgood_open(void *inst, const struct playout_item_meta *first, struct playout_error *err)
{
	struct tgood *t = inst;

	(void)first;
	(void)err;
	t->open = 1;
	return PLAYOUT_OK;
}

static int tgood_write(void *inst, const uint8_t *buf, size_t len, struct playout_error *err)
{
	struct tgood *t = inst;

	(void)buf;
	if (!t->open)
		return playout_error_set(err, PLAYOUT_EINVAL, "tgood: write before open");
	t->bytes += len;
	return (int)t->bytes;
}

static void tgood_close(void *inst)
{
	struct tgood *t = inst;
	t->open = 0;
}

static const struct playout_output_ops tgood_ops = {
	.size = sizeof(struct playout_output_ops),
	.open = tgood_open,
	.write = tgood_write,
	.close = tgood_close,
};

const struct playout_plugin playout_plugin = {
	PLAYOUT_PLUGIN_HEAD,
	.name = "tgood",
	.kind = PLAYOUT_KIND_OUTPUT,
	.description = "test output that counts bytes",
	.settings = tgood_settings,
	.create = tgood_create,
	.destroy = tgood_destroy,
	.ops.output = &tgood_ops,
};
