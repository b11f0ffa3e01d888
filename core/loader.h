/*
 * Plugin modules: find "<name>.so"/".la" in the plugin path, open it with
 * libltdl, fetch the playout_plugin descriptor and check its ABI and kind.
 * Search order: plugin_dir from the config, $PLAYOUT_PLUGIN_PATH (':'-separated,
 * used by the build tree and tests), the installed $(pkglibdir)/plugins, then
 * the build tree's plugins/. In each directory: <name>.la, <name>.so,
 * <name>/<name>.la. Names must match [a-z0-9_-]+.
 * Threads: control thread only (libltdl's error state is global).
 */
#ifndef PO_LOADER_H
#define PO_LOADER_H

#include <playout/plugin.h>

struct po_module {
	char name[64];
	char path[4096];
	void *handle;                        /* lt_dlhandle */
	const struct playout_plugin *plugin; /* inside the module; valid until unload */
};

/* Call once before loading (lt_dlinit); po_loader_exit at the end. Modules
 * stay mapped until the process exits (see po_loader_close). */
int po_loader_init(struct playout_error *err);
void po_loader_exit(void);

/* Load plugin `name` and check that it is of `kind` (0: any kind). On error
 * the message lists the directories searched, the libltdl error text, or
 * both contract versions. */
int po_loader_open(const char *name, int kind, const char *plugin_dir,
		   struct po_module *out, struct playout_error *err);
/* Forget m (NULL is a no-op). The module itself stays mapped until the
 * process exits: a loaded module is made resident, because libraries that
 * plugins link (libshout's TLS stack) allocate in constructors and cannot be
 * unloaded cleanly. m->plugin stays valid, but do not rely on it. */
void po_loader_close(struct po_module *m);

/* Call cb for every loadable module in the search path (playoutctl plugins),
 * once per name: the first in search order wins. m is borrowed for the call.
 * Modules that fail to load are logged (warning) and skipped. */
void po_loader_each(const char *plugin_dir,
		    void (*cb)(const struct po_module *m, void *arg), void *arg);

const char *po_kind_name(int kind);

#endif
