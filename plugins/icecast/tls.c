/*
 * Where icecast_tls.so is and opening it, once. A plain configuration never
 * calls this, so it maps no OpenSSL. Looked for: $PLAYOUT_ICECAST_TLS_MODULE,
 * then beside this plugin (a build tree keeps both in plugins/icecast/.libs),
 * then in the package's library folder, where it is installed.
 */
#include "config.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tls.h"

#ifndef PO_ICECAST_TLS_DIR
#define PO_ICECAST_TLS_DIR "/usr/local/lib/playout"
#endif
#define TLS_FILE "icecast_tls.so"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const struct icecast_tls_module *table;
static char failure[512];

/* The folder this plugin was loaded from, into dir; 0, or -1. */
static int own_dir(char *dir, size_t n)
{
	Dl_info info;
	const char *slash;

	if (!dladdr((void *)icecast_tls_get, &info) || !info.dli_fname)
		return -1;
	slash = strrchr(info.dli_fname, '/');
	if (!slash || (size_t)(slash - info.dli_fname) >= n)
		return -1;
	memcpy(dir, info.dli_fname, (size_t)(slash - info.dli_fname));
	dir[slash - info.dli_fname] = '\0';
	return 0;
}

static const struct icecast_tls_module *try_open(const char *path, char *why, size_t n)
{
	/* Local: OpenSSL's symbols stay out of the plugins' global scope. Never
	 * closed: sessions of other outputs may be live. */
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	const struct icecast_tls_module *m;

	if (!h) {
		const char *e = dlerror();
		snprintf(why, n, "%s", e ? e : path);
		return NULL;
	}
	m = dlsym(h, ICECAST_TLS_SYMBOL);
	if (!m || m->version != ICECAST_TLS_VERSION || m->size != sizeof *m) {
		snprintf(why, n, "%s: not the TLS helper of this build", path);
		dlclose(h);
		return NULL;
	}
	return m;
}

static void load_once(void)
{
	const char *env = getenv("PLAYOUT_ICECAST_TLS_MODULE");
	char path[PATH_MAX], dir[PATH_MAX - sizeof TLS_FILE - 1];

	if (env && *env) {
		table = try_open(env, failure, sizeof failure);
		return;
	}
	if (own_dir(dir, sizeof dir) == 0) {
		snprintf(path, sizeof path, "%s/%s", dir, TLS_FILE);
		if (access(path, F_OK) == 0) {
			table = try_open(path, failure, sizeof failure);
			return;
		}
	}
	table = try_open(PO_ICECAST_TLS_DIR "/" TLS_FILE, failure, sizeof failure);
}

const struct icecast_tls_module *icecast_tls_get(char *why, size_t why_len)
{
	pthread_once(&once, load_once);
	if (!table)
		snprintf(why, why_len, "TLS helper: %s", failure);
	return table;
}
