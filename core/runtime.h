/*
 * What playoutd and playoutctl share once a config is loaded: the config, the
 * clock, the state store, the media catalogue and every plugin instance,
 * created and validated.
 * Control thread only (the players get their output instance and the clock).
 */
#ifndef PO_RUNTIME_H
#define PO_RUNTIME_H

#include <playout/plugin.h>
#include "clock.h"
#include "config.h"
#include "loader.h"
#include "state.h"

struct po_runtime;
struct po_aws;
struct po_media_cat;

/* One plugin instance and the host table it was given. */
struct po_instance {
	const struct po_instance_conf *conf; /* borrowed from the runtime's config */
	struct po_module mod;
	void *inst;                           /* from create; NULL if not created */
	struct playout_host host;             /* host.core points at the runtime */
};

struct po_runtime {
	struct po_config conf;
	struct po_clock clock;
	struct po_state *state;     /* NULL when opened without state */
	struct po_instance *inst;   /* one per configured instance (conf.ninst) */
	size_t ninst;
	struct po_instance *storage, *fallback, *join, *dns; /* NULL if absent */
	int loader_up;              /* po_loader_init succeeded */
	struct po_media_cat *media; /* what the cache holds (media.h); set by
	                               po_runtime_open once the state is open */
	int http_up;                /* po_http_global_init succeeded */
	struct po_aws *aws;         /* HTTP signing, credentials, IMDS, SSM; never NULL
	                               once the config loaded */
};

enum po_runtime_flags {
	PO_RT_STATE_READONLY = 1 << 0, /* playoutctl: read the state, never write */
	PO_RT_STATE_DAEMON = 1 << 1,   /* playoutd: write, and hold the lock */
	PO_RT_NO_STATE = 1 << 2,       /* no state store at all */
	PO_RT_NO_CREATE = 1 << 3,      /* load and validate plugins, create none */
	PO_RT_NO_PLUGINS = 1 << 4,     /* load no plugin at all */
};

/* Load config (every problem into d), set the zone, open the state, load,
 * validate and create every plugin. clock_offset_ns: added to the real
 * clock (a rehearsal); 0 for the real clock.
 * On failure the runtime is partly set up: always call po_runtime_close. */
int po_runtime_open(struct po_runtime *rt, const char *conf_path, int flags, int64_t clock_offset_ns,
		    struct po_diag *d, struct playout_error *err);
void po_runtime_close(struct po_runtime *rt);

/* The instances of one kind, in config order: call with i = 0, 1, ... until NULL. */
struct po_instance *po_runtime_nth(struct po_runtime *rt, int kind, size_t i);

#endif
