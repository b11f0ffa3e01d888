/*
 * Bring a config to life: parse and validate it, set the station zone, open
 * the state store and create every plugin instance. Shared by playoutd and
 * playoutctl so that `check` tests exactly what the daemon would run.
 */
#include "runtime.h"

#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "cache.h"
#include "host.h"
#include "http.h"
#include "log.h"
#include "media.h"
#include "outfmt.h"
#include "secret.h"
#include "secret_cache.h"
#include "timeutil.h"

/* An output plugin built before contract 2.2 knows only MP3 frames: it is
 * never given a re-encoded stream (Ogg pages, or MP3 it would take for the
 * cached file's). */
static int refuse_format(const struct po_instance *pi, struct po_diag *d, const char *path)
{
	struct po_outfmt f;
	const struct playout_plugin *pl = pi->mod.plugin;
	if (pi->conf->kind != PLAYOUT_KIND_OUTPUT)
		return 0;
	po_outfmt_read(pi->conf->group, &f);
	if (f.codec == PO_CODEC_PASSTHROUGH || pl->abi_minor >= 2)
		return 0;
	po_diag_error(d, path, pi->conf->group,
		      "%s: format \"%s\" needs an output plugin built for contract 2.2 or "
		      "later; %s was built for %d.%d (rebuild it, or use format \"passthrough\")",
		      pi->conf->label, po_codec_name(f.codec), pl->name, pl->abi_major,
		      pl->abi_minor);
	return 1;
}

static int open_instances(struct po_runtime *rt, int flags, struct po_diag *d)
{
	int bad = 0;
	rt->inst = calloc(rt->conf.ninst ? rt->conf.ninst : 1, sizeof *rt->inst);
	if (!rt->inst) {
		po_diag_error(d, rt->conf.path, NULL, "out of memory for %zu plugin instances",
			      rt->conf.ninst);
		return 1;
	}
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
		if (refuse_format(pi, d, rt->conf.path)) {
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
	struct po_media_conf mconf = {
		.cache_dir = rt->conf.cache_dir,
		.state = rt->state,
		.probe = { .silence_threshold_db = rt->conf.probe_silence_threshold_db,
			   .silence_max_s = rt->conf.probe_silence_max_s },
	};
	rc = po_media_new(&mconf, &rt->media, err);
	if (rc < 0)
		return rc;
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
	free(rt->inst);
	rt->inst = NULL;
	po_secret_cache_clear(); /* wipe the secrets host->secret served */
	po_media_free(rt->media);
	rt->media = NULL;
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
