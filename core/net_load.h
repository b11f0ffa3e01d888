/*
 * Finding and opening the network module (net.so) once per process, on the
 * first call that needs the network. Where it is looked for: the file
 * $PLAYOUT_NET_MODULE names; else, for a program run from the build tree,
 * the build tree's core/.libs/net.so; else net.so in the installed pkglibdir.
 * What the module holds: core/net_module.h.
 */
#ifndef PO_NET_LOAD_H
#define PO_NET_LOAD_H

#include <stddef.h>

#include <playout/plugin.h>

#include "net_module.h"

/* The module's table, loading it on the first call (any thread; a second
 * caller waits for the first). NULL when it cannot be loaded: err gets
 * PLAYOUT_EUNAVAIL with the path tried and why, on every call; the first
 * failure is also logged, once. A failure is final for the process, like
 * a network outage that lasts. The table stays valid until exit. */
const struct po_net_module *po_net_get(struct playout_error *err);

/* The table if the module is already loaded, else NULL; never loads. */
const struct po_net_module *po_net_loaded(void);

/* Where a core module FILE ("net.so", "httpd.so") is: $ENV_VAR when set;
 * else, for a program run from the build tree, that tree's core/.libs;
 * else the installed pkglibdir. Thread-safe. */
void po_module_path(const char *env_var, const char *file, char *out, size_t n);

#endif
