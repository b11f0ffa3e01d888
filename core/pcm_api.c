/*
 * player_pcm.h on the core's side: forwarders into pcm.so, which the first
 * po_pcm_out_new opens (once, with libltdl, kept: doc/design.md §2). Only
 * a re-encoding output makes one, so a passthrough daemon never maps
 * libsoxr or an encoder. Every other function is called with what
 * po_pcm_out_new returned, so the module is there by then.
 */
#include "pcm_module.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include <ltdl.h>

#include "log.h"
#include "net_load.h" /* po_module_path */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static _Atomic(const struct po_pcm_module *) table;
static char tried[PATH_MAX + 32];
static char why[512];

static void load_once(void)
{
	lt_dladvise advise;
	lt_dlhandle h;
	const char *e;
	const struct po_pcm_module *m = NULL;

	po_module_path("PLAYOUT_PCM_MODULE", "pcm.so", tried, sizeof tried);
	if (lt_dlinit() != 0 || lt_dladvise_init(&advise)) {
		e = lt_dlerror();
		snprintf(why, sizeof why, "libltdl: %s", e ? e : "unknown error");
		return;
	}
	/* Local: the encoders' symbols stay out of the plugins' scope. */
	if (lt_dladvise_local(&advise)) {
		e = lt_dlerror();
		snprintf(why, sizeof why, "libltdl: %s", e ? e : "unknown error");
		lt_dladvise_destroy(&advise);
		return;
	}
	h = lt_dlopenadvise(tried, advise);
	lt_dladvise_destroy(&advise);
	if (!h) {
		e = lt_dlerror();
		snprintf(why, sizeof why, "%s", e ? e : "cannot open");
		return;
	}
	m = lt_dlsym(h, PO_PCM_MODULE_SYMBOL);
	if (!m || m->version != PO_PCM_MODULE_VERSION || m->size != sizeof *m) {
		snprintf(why, sizeof why, "not the PCM module of this build");
		lt_dlclose(h);
		return;
	}
	lt_dlmakeresident(h);
	m->set_log(po_logv);
	atomic_store(&table, m);
}

struct po_pcm_out *po_pcm_out_new(const struct po_outfmt *f, const struct po_pcm_enc_ops *eo,
				  const struct playout_output_ops *ops, void *inst,
				  struct playout_error *err)
{
	pthread_once(&once, load_once);
	const struct po_pcm_module *m = atomic_load(&table);
	if (!m) {
		playout_error_set(err, PLAYOUT_EUNAVAIL, "PCM module %s: %s (re-encoding "
				  "outputs need it)", tried, why);
		return NULL;
	}
	return m->out_new(f, eo, ops, inst, err);
}

void po_pcm_out_free(struct po_pcm_out *o)
{
	if (o)
		atomic_load(&table)->out_free(o);
}

void po_pcm_out_meta(const struct po_pcm_out *o, struct playout_item_meta *m)
{
	atomic_load(&table)->out_meta(o, m);
}

int po_pcm_out_begin(struct po_pcm_out *o, const struct playout_item_meta *m, double gain_db,
		     struct playout_error *err)
{
	return atomic_load(&table)->out_begin(o, m, gain_db, err);
}

void po_pcm_out_at(struct po_pcm_out *o, int64_t pos_ns, uint32_t frame, int64_t cut_ns,
		   int64_t total_ns)
{
	atomic_load(&table)->out_at(o, pos_ns, frame, cut_ns, total_ns);
}

int po_pcm_out_feed(struct po_pcm_out *o, const uint8_t *mp3, size_t len, int64_t *written,
		    struct playout_error *err)
{
	return atomic_load(&table)->out_feed(o, mp3, len, written, err);
}

int po_pcm_out_end(struct po_pcm_out *o, int64_t *written, struct playout_error *err)
{
	return atomic_load(&table)->out_end(o, written, err);
}

void po_pcm_out_closed(struct po_pcm_out *o)
{
	atomic_load(&table)->out_closed(o);
}
