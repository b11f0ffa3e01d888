/*
 * Opening the network module with libltdl, once (pthread_once), and
 * checking its table. Why a module at all: libcurl, OpenSSL and their
 * dependencies cost most of a playoutctl start, and most commands never
 * touch the network (doc/design.md §2).
 */
#include "net_load.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ltdl.h>

#include "log.h"

#ifndef PO_NET_MODULE_DIR
#define PO_NET_MODULE_DIR "/usr/local/lib/playout"
#endif
#ifndef PO_BUILD_DIR
#define PO_BUILD_DIR ""
#endif

/* Written once inside pthread_once; read by any thread after it. The
 * table pointer is also read without the once (po_net_loaded), hence
 * atomic. */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static _Atomic(const struct po_net_module *) table;
static char tried[PATH_MAX + 32];
static char why[512];

/* 1 when this process's program file lies in the build tree: tests and
 * benchmarks use the module built beside them, not an installed one. */
static int in_build_tree(void)
{
	char exe[PATH_MAX];
	size_t n = strlen(PO_BUILD_DIR);
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n == 0 || len <= 0)
		return 0;
	exe[len] = '\0';
	return strncmp(exe, PO_BUILD_DIR, n) == 0 && exe[n] == '/';
}

void po_module_path(const char *env_var, const char *file, char *out, size_t n)
{
	const char *env = getenv(env_var);
	if (env && *env)
		snprintf(out, n, "%s", env);
	else if (in_build_tree())
		snprintf(out, n, "%s/core/.libs/%s", PO_BUILD_DIR, file);
	else
		snprintf(out, n, "%s/%s", PO_NET_MODULE_DIR, file);
}

static void choose_path(void)
{
	po_module_path("PLAYOUT_NET_MODULE", "net.so", tried, sizeof tried);
}

/* Open the module; NULL with why filled when it cannot be used. */
static const struct po_net_module *open_module(void)
{
	lt_dladvise advise;
	const char *e;
	if (lt_dlinit() != 0) {
		e = lt_dlerror();
		snprintf(why, sizeof why, "cannot initialise libltdl: %s", e ? e : "unknown error");
		return NULL;
	}
	/* Local: the module's libcurl and OpenSSL symbols stay out of the
	 * global scope the plugins bind against. */
	if (lt_dladvise_init(&advise) || lt_dladvise_local(&advise)) {
		e = lt_dlerror();
		snprintf(why, sizeof why, "libltdl: %s", e ? e : "unknown error");
		lt_dladvise_destroy(&advise);
		return NULL;
	}
	lt_dlhandle h = lt_dlopenadvise(tried, advise);
	lt_dladvise_destroy(&advise);
	if (!h) {
		e = lt_dlerror();
		snprintf(why, sizeof why, "%s", e ? e : "cannot open");
		return NULL;
	}
	const struct po_net_module *m = lt_dlsym(h, PO_NET_MODULE_SYMBOL);
	if (!m) {
		snprintf(why, sizeof why, "no symbol %s: not a playout network module",
			 PO_NET_MODULE_SYMBOL);
	} else if (m->version != PO_NET_MODULE_VERSION || m->size != sizeof *m) {
		snprintf(why, sizeof why, "table version %u (%zu bytes), this program needs "
			 "version %d (%zu bytes): the module belongs to another build",
			 m->version, m->size, PO_NET_MODULE_VERSION, sizeof *m);
		m = NULL;
	} else {
		struct playout_error err = {0};
		if (m->global_init(&err) == PLAYOUT_OK) {
			lt_dlmakeresident(h);
			return m;
		}
		snprintf(why, sizeof why, "%s", err.msg);
		m = NULL;
	}
	lt_dlclose(h);
	return NULL;
}

static void load_once(void)
{
	choose_path();
	const struct po_net_module *m = open_module();
	if (!m)
		po_log_warnx("net", "network module %s: %s; every network exchange fails "
			     "(treated as an outage)", tried, why);
	atomic_store(&table, m);
}

const struct po_net_module *po_net_get(struct playout_error *err)
{
	pthread_once(&once, load_once);
	const struct po_net_module *m = atomic_load(&table);
	if (!m)
		playout_error_set(err, PLAYOUT_EUNAVAIL, "network module %s: %s", tried, why);
	return m;
}

const struct po_net_module *po_net_loaded(void)
{
	return atomic_load(&table);
}
