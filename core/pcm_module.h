/*
 * The table of pcm.so, the PCM path of re-encoding outputs (decode, shape,
 * encode: player_pcm.h and what it uses, with libsoxr and the Vorbis, Opus
 * and LAME encoders) in a module of its own, opened by the first output
 * group with a re-encoding format (pcm_api.c), so that a passthrough daemon
 * maps none of those libraries (doc/design.md §2).
 */
#ifndef PO_PCM_MODULE_H
#define PO_PCM_MODULE_H

#include <stdarg.h>
#include <stddef.h>

#include "player_pcm.h"

#define PO_PCM_MODULE_SYMBOL "po_pcm_module"
#define PO_PCM_MODULE_VERSION 2

/* player_pcm.h's functions, by the same names. */
struct po_pcm_module {
	unsigned version; /* PO_PCM_MODULE_VERSION */
	size_t size;      /* sizeof (struct po_pcm_module) */
	struct po_pcm_out *(*out_new)(const struct po_outfmt *f, const struct po_pcm_enc_ops *eo,
				      const struct playout_output_ops *ops, void *inst,
				      struct playout_error *err);
	void (*out_free)(struct po_pcm_out *o);
	void (*out_meta)(const struct po_pcm_out *o, struct playout_item_meta *m);
	int (*out_begin)(struct po_pcm_out *o, const struct playout_item_meta *m, double gain_db,
			 struct playout_error *err);
	void (*out_at)(struct po_pcm_out *o, int64_t pos_ns, uint32_t frame, int64_t cut_ns,
		       int64_t total_ns);
	int (*out_feed)(struct po_pcm_out *o, const uint8_t *mp3, size_t len, int64_t *written,
			struct playout_error *err);
	int (*out_end)(struct po_pcm_out *o, int64_t *written, struct playout_error *err);
	void (*out_closed)(struct po_pcm_out *o);
	/* The core's log (log.h): the module's po_log lines go through it,
	 * set once before the first out_new. */
	void (*set_log)(void (*logv)(int level, const char *src, const char *fmt, va_list ap));
};

#endif
