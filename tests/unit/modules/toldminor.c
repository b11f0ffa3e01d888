/*
 * Test module for test_loader: a schedule plugin built for contract 2.0,
 * before host->utc_to_local existed. A 2.1 core loads it and it runs; it
 * checks with PLAYOUT_HAS before using the 2.1 member, as a plugin built
 * for an older minor would have to if it wanted to. Not installed.
 */
#include <playout/plugin.h>

static int toldminor_create(const config_setting_t *conf, const struct playout_host *host,
			    void **instance, struct playout_error *err)
{
	(void)conf;
	(void)err;
	*instance = (void *)host;
	return PLAYOUT_OK;
}

static void toldminor_destroy(void *instance)
{
	(void)instance;
}

/* One slot at from_ms, titled with whether the host offered utc_to_local. */
static int toldminor_fetch(void *inst, int64_t from_ms, int64_t to_ms,
			   struct playout_slots *out, struct playout_error *err)
{
	const struct playout_host *host = inst;
	struct playout_slot s = { .start_ms = from_ms, .end_ms = to_ms };
	(void)err;
	snprintf(s.title, sizeof s.title, "%s",
		 host && PLAYOUT_HAS(host, struct playout_host, utc_to_local) ? "2.1 host"
									       : "2.0 host");
	return playout_slots_push(out, &s);
}

static const struct playout_schedule_ops toldminor_ops = {
	.size = sizeof(struct playout_schedule_ops),
	.fetch = toldminor_fetch,
};

const struct playout_plugin playout_plugin = {
	.abi_major = 2,
	.abi_minor = 0,
	.size = sizeof(struct playout_plugin),
	.name = "toldminor",
	.kind = PLAYOUT_KIND_SCHEDULE,
	.create = toldminor_create,
	.destroy = toldminor_destroy,
	.ops.schedule = &toldminor_ops,
};
