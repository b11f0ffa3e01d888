/*
 * Test module for test_loader: a plugin built for contract 1, whose
 * descriptor began with one int (1) and had an untyped ops pointer. The
 * layout is written out here as contract 1 had it; the loader must refuse
 * it naming both contracts, reading nothing past the first int. Not
 * installed.
 */
#include <playout/plugin.h>

struct contract1_plugin {
	int abi;
	const char *name;
	int kind;
	const char *description;
	const struct playout_setting *settings;
	int (*create)(const config_setting_t *, const struct playout_host *, void **,
		      struct playout_error *);
	void (*destroy)(void *);
	const void *ops;
};

static int tcontract1_create(const config_setting_t *conf, const struct playout_host *host,
			     void **instance, struct playout_error *err)
{
	(void)conf;
	(void)host;
	(void)instance;
	return playout_error_set(err, PLAYOUT_EINVAL, "must never be created");
}

static void tcontract1_destroy(void *instance)
{
	(void)instance;
}

const struct contract1_plugin playout_plugin = {
	.abi = 1,
	.name = "tcontract1",
	.kind = PLAYOUT_KIND_OUTPUT,
	.create = tcontract1_create,
	.destroy = tcontract1_destroy,
	.ops = NULL,
};
