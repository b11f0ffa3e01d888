/*
 * Plugin modules: find a module by name in the search path, open it with
 * libltdl and check its descriptor (contract version, name, kind, the
 * ops its kind requires).
 * Creating instances and validating their config is not done here.
 */
#include "loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ltdl.h>

#include "log.h"

#ifndef PO_PLUGIN_DIR
#define PO_PLUGIN_DIR "/usr/local/lib/playout/plugins"
#endif
#ifndef PO_BUILD_PLUGIN_DIR
#define PO_BUILD_PLUGIN_DIR ""
#endif

#define MAX_DIRS 32

/* The search path; dirs point into buf or at string constants. */
struct search_path {
	const char *dir[MAX_DIRS];
	size_t n;
	char buf[8192];
};

static void add_dir(struct search_path *sp, const char *dir)
{
	if (!dir || !*dir || sp->n == MAX_DIRS)
		return;
	for (size_t i = 0; i < sp->n; i++)
		if (!strcmp(sp->dir[i], dir))
			return;
	sp->dir[sp->n++] = dir;
}

/* 1 when this program file lies in the build tree whose plugins folder is
 * PO_BUILD_PLUGIN_DIR (tests, the demo). An installed program never
 * searches a build folder: that folder may be gone and made again by
 * anyone (a package is built under /tmp). */
static int run_from_build_tree(void)
{
	static const char sub[] = "/plugins";
	size_t n = strlen(PO_BUILD_PLUGIN_DIR);
	char exe[PATH_MAX];
	ssize_t len;

	if (n <= sizeof sub - 1)
		return 0;
	n -= sizeof sub - 1;
	len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len <= 0)
		return 0;
	exe[len] = '\0';
	return strncmp(exe, PO_BUILD_PLUGIN_DIR, n) == 0 && exe[n] == '/';
}

static void build_path(struct search_path *sp, const char *plugin_dir)
{
	const char *env = getenv("PLAYOUT_PLUGIN_PATH");

	sp->n = 0;
	add_dir(sp, plugin_dir);
	if (env) {
		snprintf(sp->buf, sizeof sp->buf, "%s", env);
		char *save = NULL;
		for (char *tok = strtok_r(sp->buf, ":", &save); tok; tok = strtok_r(NULL, ":", &save))
			add_dir(sp, tok);
	}
	add_dir(sp, PO_PLUGIN_DIR);
	if (run_from_build_tree())
		add_dir(sp, PO_BUILD_PLUGIN_DIR);
}

static int valid_name(const char *name)
{
	if (!name || !*name || strlen(name) >= sizeof ((struct po_module *)0)->name)
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

static int is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The first candidate file for name in dir, in path; 0 when none exists. */
static int find_in_dir(const char *dir, const char *name, char *path, size_t size)
{
	static const char *const fmt[] = { "%s/%s.la", "%s/%s.so", "%s/%s/%s.la" };

	for (size_t i = 0; i < sizeof fmt / sizeof fmt[0]; i++) {
		int len = i < 2 ? snprintf(path, size, fmt[i], dir, name)
				: snprintf(path, size, fmt[i], dir, name, name);
		if (len < 0 || (size_t)len >= size)
			continue;
		po_log_debug("loader", "trying %s", path);
		if (is_file(path))
			return 1;
	}
	return 0;
}

const char *po_kind_name(int kind)
{
	switch (kind) {
	case PLAYOUT_KIND_SCHEDULE: return "schedule";
	case PLAYOUT_KIND_STORAGE: return "storage";
	case PLAYOUT_KIND_FALLBACK: return "fallback";
	case PLAYOUT_KIND_JOIN: return "join";
	case PLAYOUT_KIND_OUTPUT: return "output";
	case PLAYOUT_KIND_DNS: return "dns";
	case PLAYOUT_KIND_NOTIFY: return "notify";
	default: return "unknown";
	}
}

static const char *article(const char *word)
{
	return strchr("aeiou", word[0]) ? "an" : "a";
}

static int not_found(const char *name, const struct search_path *sp,
		     struct playout_error *err)
{
	char dirs[200];
	size_t len = 0;

	dirs[0] = '\0';
	for (size_t i = 0; i < sp->n && len < sizeof dirs; i++) {
		int k = snprintf(dirs + len, sizeof dirs - len, "%s%s", i ? ", " : "", sp->dir[i]);
		if (k < 0)
			break;
		len += (size_t)k;
	}
	if (!sp->n)
		snprintf(dirs, sizeof dirs, "(no directory)");
	return playout_error_set(err, PLAYOUT_ENOTFOUND,
				 "plugin '%s' not found in %s (tried %s.la, %s.so and %s/%s.la in each)",
				 name, dirs, name, name, name, name);
}

/* The ops each kind must provide: the offset of each required pointer in
 * its ops struct, and the smallest ops struct a plugin may have (the
 * struct of the minor that brought the kind). */
struct kind_ops {
	int kind;
	size_t min_size;
	struct {
		const char *name;
		size_t off;
	} need[4];
};

#define NEED(type, m) { #m, offsetof(struct type, m) }
static const struct kind_ops kinds[] = {
	{ PLAYOUT_KIND_SCHEDULE, sizeof(struct playout_schedule_ops),
	  { NEED(playout_schedule_ops, fetch) } },
	{ PLAYOUT_KIND_STORAGE, sizeof(struct playout_storage_ops),
	  { NEED(playout_storage_ops, list), NEED(playout_storage_ops, fetch) } },
	{ PLAYOUT_KIND_FALLBACK, sizeof(struct playout_fallback_ops),
	  { NEED(playout_fallback_ops, choose) } },
	{ PLAYOUT_KIND_JOIN, sizeof(struct playout_join_ops), { NEED(playout_join_ops, plan) } },
	{ PLAYOUT_KIND_OUTPUT, sizeof(struct playout_output_ops),
	  { NEED(playout_output_ops, open), NEED(playout_output_ops, write),
	    NEED(playout_output_ops, close) } },
	{ PLAYOUT_KIND_DNS, sizeof(struct playout_dns_ops), { NEED(playout_dns_ops, update) } },
	{ PLAYOUT_KIND_NOTIFY, sizeof(struct playout_notify_ops),
	  { NEED(playout_notify_ops, send) } },
};
#undef NEED

/* The minor of the contract that brought kind. */
static int kind_minor(int kind)
{
	return kind == PLAYOUT_KIND_NOTIFY ? 1 : 0;
}

static const struct kind_ops *kind_ops(int kind)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (kinds[i].kind == kind)
			return &kinds[i];
	return NULL;
}

/* Every op the kind requires is set in ops (size bytes as the plugin built
 * it); else the message names the first one missing. */
static int check_ops(const struct playout_plugin *p, const char *name, const char *path,
		     struct playout_error *err)
{
	const struct kind_ops *k = kind_ops(p->kind);
	const void *ops = p->ops.any;
	size_t size;

	if (!ops)
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "plugin '%s' (%s) has no ops: set .ops.%s", name, path,
					 po_kind_name(p->kind));
	memcpy(&size, ops, sizeof size); /* every ops struct starts with its size */
	if (size < k->min_size)
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "plugin '%s' (%s): its %s ops are %zu bytes, contract %d.%d "
					 "needs %zu: set .size = sizeof(struct playout_%s_ops)",
					 name, path, po_kind_name(p->kind), size, PLAYOUT_ABI_MAJOR,
					 p->abi_minor, k->min_size, po_kind_name(p->kind));
	for (size_t i = 0; i < sizeof k->need / sizeof k->need[0] && k->need[i].name; i++) {
		void (*fn)(void);
		memcpy(&fn, (const char *)ops + k->need[i].off, sizeof fn);
		if (!fn)
			return playout_error_set(err, PLAYOUT_ECONFIG,
						 "plugin '%s' (%s) lacks the %s op '%s', which every "
						 "%s plugin needs",
						 name, path, po_kind_name(p->kind), k->need[i].name,
						 po_kind_name(p->kind));
	}
	return PLAYOUT_OK;
}

/* Check the descriptor of an open module; the message names path. The
 * contract numbers come first: a module built for another major may lay out
 * everything after them differently, so nothing else of it is read. */
static int check_plugin(const struct playout_plugin *p, const char *name, int kind,
			const char *path, struct playout_error *err)
{
	if (p->abi_major != PLAYOUT_ABI_MAJOR)
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "plugin %s (%s) was built for plugin contract %d, this playout "
					 "has contract %d.%d: rebuild it against this version's "
					 "playout/plugin.h",
					 name, path, p->abi_major, PLAYOUT_ABI_MAJOR, PLAYOUT_ABI_MINOR);
	if (p->abi_minor < 0 || p->abi_minor > PLAYOUT_ABI_MINOR)
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "plugin %s (%s) was built for plugin contract %d.%d, newer "
					 "than this playout's %d.%d: upgrade playout",
					 name, path, p->abi_major, p->abi_minor, PLAYOUT_ABI_MAJOR,
					 PLAYOUT_ABI_MINOR);
	if (p->size < sizeof *p)
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "plugin %s (%s): its descriptor is %zu bytes, contract %d "
					 "needs %zu: start it with PLAYOUT_PLUGIN_HEAD",
					 name, path, p->size, PLAYOUT_ABI_MAJOR, sizeof *p);
	if (!p->name || strcmp(p->name, name))
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "plugin file %s calls itself '%s', not '%s': rename the file or fix its .name",
					 path, p->name ? p->name : "(null)", name);
	if (!p->create || !p->destroy)
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "plugin '%s' (%s) lacks %s: every plugin needs create and destroy",
					 name, path, !p->create ? "create" : "destroy");
	if (!kind_ops(p->kind) || kind_minor(p->kind) > p->abi_minor)
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "plugin '%s' (%s) has kind %d, unknown to contract %d.%d",
					 name, path, p->kind, p->abi_major, p->abi_minor);
	if (kind && p->kind != kind) {
		const char *is = po_kind_name(p->kind), *want = po_kind_name(kind);
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "plugin '%s' is %s %s plugin, not %s %s plugin",
					 name, article(is), is, article(want), want);
	}
	return check_ops(p, name, path, err);
}

int po_loader_init(struct playout_error *err)
{
	if (lt_dlinit() != 0) {
		const char *e = lt_dlerror();
		return playout_error_set(err, PLAYOUT_EIO, "loader: cannot initialise libltdl: %s",
					 e ? e : "unknown error");
	}
	return PLAYOUT_OK;
}

/* lt_dlexit is deliberately not called: it unlinks resident modules from
 * libltdl's list without freeing them, and resident they all are (see
 * open_path). The process exit releases everything. */
void po_loader_exit(void)
{
}

/* The shared object a .la file names (dlname='x.so'), next to it or in
 * .libs/; else path itself. */
static void la_target(const char *path, char *out, size_t size)
{
	char line[1024], dir[4096];
	const char *slash = strrchr(path, '/');
	FILE *f;

	snprintf(out, size, "%s", path);
	if (strlen(path) < 3 || strcmp(path + strlen(path) - 3, ".la") || !slash)
		return;
	snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		char *q, *end;
		if (strncmp(line, "dlname='", 8))
			continue;
		q = line + 8;
		end = strchr(q, '\'');
		if (!end || end == q)
			break;
		*end = '\0';
		int n = snprintf(out, size, "%s/%s", dir, q);
		if (n > 0 && (size_t)n < size && !is_file(out))
			n = snprintf(out, size, "%s/.libs/%s", dir, q);
		if (n < 0 || (size_t)n >= size)
			snprintf(out, size, "%s", path);
		break;
	}
	fclose(f);
}

/* libltdl often says only "file not found" when the file exists but the
 * dynamic linker refused it (bad ELF, missing dependency): ask dlopen why. */
static void dl_reason(const char *path, char *out, size_t size)
{
	char target[4096];
	void *h;

	out[0] = '\0';
	la_target(path, target, sizeof target);
	h = dlopen(target, RTLD_LAZY | RTLD_LOCAL);
	if (h) {
		dlclose(h);
		return;
	}
	const char *e = dlerror();
	if (e)
		snprintf(out, size, " (%s)", e);
}

static int open_path(const char *name, int kind, const char *path, struct po_module *out,
		     struct playout_error *err)
{
	lt_dladvise advise;
	lt_dlhandle h = NULL;
	const struct playout_plugin *p;
	const char *e;
	int rc;

	if (lt_dladvise_init(&advise) || lt_dladvise_ext(&advise) || lt_dladvise_local(&advise)) {
		e = lt_dlerror();
		lt_dladvise_destroy(&advise);
		return playout_error_set(err, PLAYOUT_EIO, "loader: libltdl advise failed: %s",
					 e ? e : "unknown error (was po_loader_init called?)");
	}
	h = lt_dlopenadvise(path, advise);
	lt_dladvise_destroy(&advise);
	if (!h) {
		char why[200];
		e = lt_dlerror();
		dl_reason(path, why, sizeof why);
		rc = playout_error_set(err, PLAYOUT_EIO, "cannot open plugin %s: %s%s", path,
				       e ? e : "unknown libltdl error", why);
		po_log_errorx("loader", "%s", err ? err->msg : path);
		return rc;
	}
	p = (const struct playout_plugin *)lt_dlsym(h, "playout_plugin");
	if (!p) {
		rc = playout_error_set(err, PLAYOUT_ECONFIG,
				       "%s has no 'playout_plugin' symbol: not a playout plugin", path);
		goto fail;
	}
	rc = check_plugin(p, name, kind, path, err);
	if (rc < 0)
		goto fail;
	/* Never unmapped: libraries a plugin links (libshout's TLS stack)
	 * allocate in constructors and do not survive an unload cleanly. */
	lt_dlmakeresident(h);
	snprintf(out->name, sizeof out->name, "%s", name);
	snprintf(out->path, sizeof out->path, "%s", path);
	out->handle = h;
	out->plugin = p;
	po_log_debug("loader", "loaded %s plugin '%s' from %s", po_kind_name(p->kind), name, path);
	return PLAYOUT_OK;
fail:
	lt_dlclose(h);
	return rc;
}

int po_loader_open(const char *name, int kind, const char *plugin_dir,
		   struct po_module *out, struct playout_error *err)
{
	struct search_path sp;
	char path[4096];

	memset(out, 0, sizeof *out);
	if (!valid_name(name))
		return playout_error_set(err, PLAYOUT_EINVAL,
					 "plugin name '%s' is not valid: use lower-case letters, digits, '_' and '-'",
					 name ? name : "(null)");
	build_path(&sp, plugin_dir);
	for (size_t i = 0; i < sp.n; i++)
		if (find_in_dir(sp.dir[i], name, path, sizeof path))
			return open_path(name, kind, path, out, err);
	return not_found(name, &sp, err);
}

void po_loader_close(struct po_module *m)
{
	if (!m)
		return;
	if (m->handle)
		lt_dlclose((lt_dlhandle)m->handle); /* resident: drops the reference only */
	memset(m, 0, sizeof *m);
}

/* Names already reported by po_loader_each. */
struct seen {
	char (*v)[64];
	size_t n, cap;
};

static int seen_add(struct seen *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char (*v)[64] = realloc(s->v, cap * sizeof *v);
		if (!v)
			return 0;
		s->v = v;
		s->cap = cap;
	}
	snprintf(s->v[s->n++], 64, "%s", name);
	return 1;
}

/* The module name a directory entry stands for, or 0. */
static int entry_name(const char *dir, const char *entry, char *name, size_t size)
{
	char path[4096];
	size_t len = strlen(entry);
	const char *dot = strrchr(entry, '.');

	if (dot && (!strcmp(dot, ".la") || !strcmp(dot, ".so"))) {
		len = (size_t)(dot - entry);
		if (len == 0 || len >= size)
			return 0;
		memcpy(name, entry, len);
		name[len] = '\0';
	} else {
		if (len >= size)
			return 0;
		memcpy(name, entry, len + 1);
	}
	if (!valid_name(name))
		return 0;
	return find_in_dir(dir, name, path, sizeof path);
}

void po_loader_each(const char *plugin_dir,
		    void (*cb)(const struct po_module *m, void *arg), void *arg)
{
	struct search_path sp;
	struct seen seen = { NULL, 0, 0 };

	build_path(&sp, plugin_dir);
	for (size_t i = 0; i < sp.n; i++) {
		DIR *dh = opendir(sp.dir[i]);
		struct dirent *de;

		if (!dh)
			continue;
		while ((de = readdir(dh))) {
			char name[64];
			struct po_module m;
			struct playout_error err;

			if (de->d_name[0] == '.' || !entry_name(sp.dir[i], de->d_name, name, sizeof name))
				continue;
			if (!seen_add(&seen, name))
				continue;
			if (po_loader_open(name, 0, plugin_dir, &m, &err) < 0) {
				po_log_warnx("loader", "%s", err.msg);
				continue;
			}
			cb(&m, arg);
			po_loader_close(&m);
		}
		closedir(dh);
	}
	free(seen.v);
}
