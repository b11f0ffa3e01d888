/*
 * Bring a config to life: parse and validate it, set the station zone, open
 * the state store and create every plugin instance. Shared by playoutd and
 * playoutctl so that `check` tests exactly what the daemon would run.
 */
#include "runtime.h"

#include <string.h>
#include <sys/stat.h>

#include "aws.h"
#include "cache.h"
#include "host.h"
#include "http.h"
#include "log.h"
#include "mp3_store.h"
#include "secret.h"
#include "secret_cache.h"
#include "timeutil.h"

static int open_instances(struct po_runtime *rt, int flags, struct po_diag *d)
{
	int bad = 0;
	for (size_t i = 0; i < rt->conf.ninst; i++) {
		const struct po_instance_conf *ic = &rt->conf.inst[i];
		struct po_instance *pi = &rt->inst[rt->ninst];
		struct playout_error e = {0};
		pi->conf = ic;
		if (po_loader_open(ic->plugin, ic->kind, rt->conf.plugin_dir, &pi->mod, &e) < 0) {
			po_diag_error(d, rt->conf.path, ic->group, "%s: %s", ic->section, e.msg);
			bad++;
			continue;
		}
		rt->ninst++;
		if (po_config_check_instance(&rt->conf, ic, pi->mod.plugin->settings, d) > 0) {
			bad++;
			continue;
		}
		po_host_init(pi, rt);
	}
	if (bad || (flags & PO_RT_NO_CREATE))
		return bad;
	for (size_t i = 0; i < rt->ninst; i++) {
		struct po_instance *pi = &rt->inst[i];
		struct playout_error e = {0};
		if (pi->mod.plugin->create(pi->conf->group, &pi->host, &pi->inst, &e) < 0) {
			pi->inst = NULL;
			po_diag_error(d, rt->conf.path, pi->conf->group, "%s: %s", pi->conf->label,
				      e.msg[0] ? e.msg : "could not start");
			bad++;
		}
	}
	return bad;
}

static struct po_instance *first_of(struct po_runtime *rt, int kind)
{
	return po_runtime_nth(rt, kind, 0);
}

int po_runtime_open(struct po_runtime *rt, const char *conf_path, int flags, int64_t clock_offset_ns,
		    struct po_diag *d, struct playout_error *err)
{
	memset(rt, 0, sizeof *rt);
	rt->clock.offset_ns = clock_offset_ns;
	if (po_config_load(&rt->conf, conf_path, d) < 0)
		return playout_error_set(err, PLAYOUT_ECONFIG, "%s: configuration has errors", conf_path);
	po_log_set_level(rt->conf.log_level);
	int rc = po_tz_set(rt->conf.timezone, err);
	if (rc < 0)
		return rc;
	rc = po_http_global_init(err);
	if (rc < 0)
		return rc;
	rt->http_up = 1;
	struct po_aws_conf ac;
	po_aws_conf_from(rt->conf.aws, &ac);
	rc = po_aws_new(&ac, &rt->aws, err);
	if (rc < 0)
		return rc;
	if (!(flags & PO_RT_NO_STATE)) {
		int mode = (flags & PO_RT_STATE_DAEMON) ? PO_STATE_DAEMON
			 : (flags & PO_RT_STATE_READONLY) ? PO_STATE_READONLY : PO_STATE_WRITER;
		rc = po_state_open(rt->conf.state_path, mode, &rt->state, err);
		if (rc < 0)
			return rc;
	}
	if (flags & PO_RT_STATE_DAEMON) {
		rc = po_cache_init(rt->conf.cache_dir, err);
		if (rc < 0)
			return rc;
	}
	if (flags & PO_RT_NO_PLUGINS)
		return PLAYOUT_OK;
	rc = po_loader_init(err);
	if (rc < 0)
		return rc;
	rt->loader_up = 1;
	if (open_instances(rt, flags, d) > 0)
		return playout_error_set(err, PLAYOUT_ECONFIG, "%s: plugins could not be set up",
					 conf_path);
	rt->storage = first_of(rt, PLAYOUT_KIND_STORAGE);
	rt->fallback = first_of(rt, PLAYOUT_KIND_FALLBACK);
	rt->join = first_of(rt, PLAYOUT_KIND_JOIN);
	rt->dns = first_of(rt, PLAYOUT_KIND_DNS);
	return PLAYOUT_OK;
}

void po_runtime_close(struct po_runtime *rt)
{
	for (size_t i = rt->ninst; i-- > 0;) {
		struct po_instance *pi = &rt->inst[i];
		if (pi->inst)
			pi->mod.plugin->destroy(pi->inst);
		pi->inst = NULL;
		po_loader_close(&pi->mod);
	}
	if (rt->loader_up)
		po_loader_exit();
	rt->loader_up = 0;
	rt->ninst = 0;
	po_secret_cache_clear(); /* wipe the secrets host->secret served */
	for (size_t i = 0; i < rt->nindex; i++)
		po_mp3_index_unref(rt->index[i].idx);
	free(rt->index);
	rt->index = NULL;
	rt->nindex = rt->capindex = 0;
	po_state_close(rt->state);
	rt->state = NULL;
	po_aws_free(rt->aws);
	rt->aws = NULL;
	if (rt->http_up)
		po_http_global_cleanup();
	rt->http_up = 0;
	po_config_free(&rt->conf);
}

struct po_instance *po_runtime_nth(struct po_runtime *rt, int kind, size_t i)
{
	for (size_t k = 0; k < rt->ninst; k++) {
		if (rt->inst[k].conf->kind != kind)
			continue;
		if (i-- == 0)
			return &rt->inst[k];
	}
	return NULL;
}

static int64_t mtime_ms_of(const struct stat *sb)
{
	return (int64_t)sb->st_mtim.tv_sec * 1000 + sb->st_mtim.tv_nsec / 1000000;
}

/* The index of path from the state, else made now and kept in the state
 * when the handle may write. NULL with err filled when the file will not
 * index. */
static struct po_mp3_index *load_or_index(struct po_runtime *rt, const char *name,
					  const char *path, const struct stat *sb,
					  struct playout_error *err)
{
	struct po_mp3_index *idx = NULL;
	struct playout_error e = {0};
	if (rt->state) {
		int rc = po_mp3_store_load(rt->state, path, sb->st_size, mtime_ms_of(sb), &idx, &e);
		if (rc == PLAYOUT_OK)
			return idx;
		if (rc != PLAYOUT_ENOTFOUND)
			po_log_warnx("cache", "%s: %s; indexing it again", name, e.msg);
	}
	if (po_mp3_index_file(path, &idx, err) < 0)
		return NULL;
	if (rt->state && !po_state_readonly(rt->state) &&
	    po_mp3_store_save(rt->state, path, idx, &e) < 0)
		po_log_warnx("cache", "%s: cannot keep its frame index in the state: %s", name,
			     e.msg);
	return idx;
}

struct po_mp3_index *po_runtime_index(struct po_runtime *rt, const char *name,
				      struct playout_error *err)
{
	char path[4096];
	struct stat st;
	if (po_cache_path(rt->conf.cache_dir, name, path, sizeof path, err) < 0)
		return NULL;
	if (stat(path, &st) < 0) {
		playout_error_set(err, PLAYOUT_ENOTFOUND, "%s: not in the cache", name);
		return NULL;
	}
	int64_t mtime_ms = mtime_ms_of(&st);
	struct po_index_entry *slot = NULL;
	for (size_t i = 0; i < rt->nindex; i++) {
		struct po_index_entry *e = &rt->index[i];
		if (strcmp(e->name, name) != 0)
			continue;
		if (e->size == (int64_t)st.st_size && e->mtime_ms == mtime_ms)
			return e->idx;
		slot = e; /* the file changed: index it again in place */
		break;
	}
	struct po_mp3_index *idx = load_or_index(rt, name, path, &st, err);
	if (!idx)
		return NULL;
	if (!slot) {
		if (rt->nindex == rt->capindex) {
			size_t cap = rt->capindex ? rt->capindex * 2 : 16;
			struct po_index_entry *v = realloc(rt->index, cap * sizeof *v);
			if (!v) {
				po_mp3_index_unref(idx);
				playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
				return NULL;
			}
			rt->index = v;
			rt->capindex = cap;
		}
		slot = &rt->index[rt->nindex++];
		snprintf(slot->name, sizeof slot->name, "%s", name);
	} else {
		po_mp3_index_unref(slot->idx);
	}
	/* keyed by what was indexed: a file that changed meanwhile differs from
	 * it at the next call and is indexed again */
	slot->size = idx->file_size;
	slot->mtime_ms = idx->file_mtime_ms;
	slot->idx = idx;
	return idx;
}

/* 1 when path is still there with this size and mtime. */
static int same_file(const char *path, int64_t size, int64_t mtime_ms)
{
	struct stat sb;
	return stat(path, &sb) == 0 && (int64_t)sb.st_size == size && mtime_ms_of(&sb) == mtime_ms;
}

static int keep_row(const char *path, int64_t size, int64_t mtime_ms, void *arg)
{
	(void)arg;
	return same_file(path, size, mtime_ms);
}

int po_runtime_index_prune(struct po_runtime *rt)
{
	size_t w = 0;
	int dropped = 0;
	for (size_t i = 0; i < rt->nindex; i++) {
		struct po_index_entry *e = &rt->index[i];
		char path[4096];
		if (po_cache_path(rt->conf.cache_dir, e->name, path, sizeof path, NULL) == PLAYOUT_OK &&
		    same_file(path, e->size, e->mtime_ms)) {
			rt->index[w++] = *e;
			continue;
		}
		po_mp3_index_unref(e->idx);
		dropped++;
	}
	rt->nindex = w;
	if (rt->state && !po_state_readonly(rt->state)) {
		int n = po_state_media_prune(rt->state, keep_row, NULL);
		if (n > 0)
			po_log_info("cache", "forgot the stored scans of %d file(s) gone or changed", n);
	}
	return dropped;
}
