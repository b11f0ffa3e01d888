/*
 * pcm.so's one exported symbol: the table of player_pcm.h's functions,
 * which are built into this module and not into the core.
 */
#include "pcm_module.h"

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
};
