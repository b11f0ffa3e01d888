/*
 * The planning round of refresh.h: the stages in order. Each stage's work
 * is in its own file; this one only says what flows where.
 */
#include "refresh.h"

#include <stdlib.h>
#include <string.h>

#include "media.h"
#include "provision.h"

/* media: what the cache holds of each listed file. */
static void media_stage(struct po_runtime *rt, const struct po_refresh_opts *o,
			struct po_plan_inputs *in, struct po_media_fed *fed)
{
	int how = rt->state && o->write_state ? PO_MEDIA_PROBE | PO_MEDIA_STORE : 0;
	po_media_feed(rt->media, &in->cat, how, o->worker, fed);
}

/* plan: the short-file rule on the files just measured, then the planner. */
static int plan_stage(struct po_runtime *rt, const struct po_refresh_opts *o,
		      struct po_plan_inputs *pin, const struct po_media_fed *fed,
		      struct po_rundown *out, struct playout_error *err)
{
	for (size_t i = 0; i < fed->n; i++)
		po_plan_flag_short(&pin->cat.v[fed->v[i]], 1, pin->slots.v, pin->slots.n,
				   rt->conf.probe_min_fill_percent);
	struct po_plan_input in = {
		.from_ms = o->from_ms,
		.to_ms = o->to_ms,
		.slots = pin->slots.v,
		.nslots = pin->slots.n,
		.assets = pin->cat.v,
		.nassets = pin->cat.n,
		.assets_sorted = 1,
		.caps = rt->conf.caps,
		.ncaps = rt->conf.ncaps,
	};
	if (rt->fallback) {
		in.fallback = rt->fallback->mod.plugin->ops.fallback;
		in.fallback_inst = rt->fallback->inst;
		in.fallback_label = rt->fallback->conf->label;
	}
	if (rt->join) {
		in.join = rt->join->mod.plugin->ops.join;
		in.join_inst = rt->join->inst;
		in.join_label = rt->join->conf->label;
	}
	return po_plan(&in, out, err);
}

int po_refresh(struct po_runtime *rt, const struct po_refresh_opts *o, struct po_plan_inputs *in,
	       struct po_rundown *out, struct playout_error *err)
{
	int64_t now = po_clock_now_ms(&rt->clock);
	struct po_media_fed fed = {0};
	int rc;

	memset(out, 0, sizeof *out);
	media_stage(rt, o, in, &fed);
	rc = plan_stage(rt, o, in, &fed, out, err);
	if (rc == PLAYOUT_OK && o->fetch &&
	    po_provision_fetch(rt, out, &in->cat, now, o->worker) > 0) {
		/* Files arrived in this round (no worker): their durations are
		 * known now, so plan again for exact caps and ends. */
		po_rundown_free(out);
		media_stage(rt, o, in, &fed);
		rc = plan_stage(rt, o, in, &fed, out, err);
	}
	if (rc == PLAYOUT_OK && o->write_state && rt->state)
		po_state_put_rundown(rt->state, now, o->from_ms, out->v, out->n);
	if (rc == PLAYOUT_OK && o->fetch)
		po_provision_evict(rt, rt->media, out, &in->cat, o->from_ms);
	free(fed.v);
	return rc;
}
