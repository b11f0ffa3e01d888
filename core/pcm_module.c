/*
 * pcm.so's one exported symbol: the table of player_pcm.h's functions,
 * which are built into this module and not into the core.
 */
#include "pcm_module.h"

#include "log.h"

/* log.c lives in the core, which exports nothing to modules: the module's
 * po_log forwards to the core's through the pointer it is given. */
static void (*core_logv)(int, const char *, const char *, va_list);

static void set_log(void (*logv)(int, const char *, const char *, va_list))
{
	core_logv = logv;
}

void po_log(int level, const char *src, const char *fmt, ...)
{
	va_list ap;

	if (!core_logv)
		return;
	va_start(ap, fmt);
	core_logv(level, src, fmt, ap);
	va_end(ap);
}

extern const struct po_pcm_module po_pcm_module;
const struct po_pcm_module po_pcm_module = {
	.version = PO_PCM_MODULE_VERSION,
	.size = sizeof(struct po_pcm_module),
	.out_new = po_pcm_out_new,
	.out_free = po_pcm_out_free,
	.out_meta = po_pcm_out_meta,
	.out_begin = po_pcm_out_begin,
	.out_at = po_pcm_out_at,
	.out_feed = po_pcm_out_feed,
	.out_end = po_pcm_out_end,
	.out_closed = po_pcm_out_closed,
	.set_log = set_log,
};
