/*
 * The previous-edition fallback plugin: a RECORDED slot without its file
 * gets the most recent earlier edition of the same programme (same pid, air
 * time strictly before the slot, within max_age_days), else an optional
 * sustainer file, else nothing. Choosing only: the core fetches and plays.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <playout/plugin.h>

struct prev_inst {
	const struct playout_host *host;
	int64_t max_age_ms;
	char sustainer[PLAYOUT_NAME_MAX]; /* a file in the storage; empty: none */
};

/* Asset flags that keep a file off air: all but DAMAGED, which plugin.h
 * makes informational (a damaged file plays its good frames: a truncated
 * last frame must not silence the slot). Flags this plugin does not know,
 * such as the core's own short-file rule, keep a file off air: the core
 * would refuse such a choice, and an older edition may still do. */
static int prev_off_air(const struct playout_asset *a)
{
	return (a->flags & ~PLAYOUT_ASSET_DAMAGED) != 0;
}

/* "2026-03-22 01:00" in the station zone. */
static void station_time(const struct playout_host *host, int64_t utc_ms, char buf[32])
{
	struct tm tm;

	if (host->utc_to_local(host, utc_ms, &tm) != PLAYOUT_OK ||
	    strftime(buf, 32, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, 32, "%lld ms", (long long)utc_ms);
}

static int prev_choose(void *instance, const struct playout_slot *slot,
		       const struct playout_asset *assets, size_t nassets,
		       struct playout_choice *out, struct playout_error *err)
{
	const struct prev_inst *pi = instance;
	const struct playout_asset *best = NULL;
	char at[32], when[32];

	if (!slot || !out || (nassets && !assets))
		return playout_error_set(err, PLAYOUT_EINVAL, "no slot or output");
	memset(out, 0, sizeof *out);
	station_time(pi->host, slot->start_ms, at);
	for (size_t i = 0; i < nassets; i++) {
		const struct playout_asset *a = &assets[i];
		if (prev_off_air(a) || a->start_ms == 0 || !a->pid[0] ||
		    strcasecmp(a->pid, slot->pid) != 0)
			continue;
		if (a->start_ms >= slot->start_ms || slot->start_ms - a->start_ms > pi->max_age_ms)
			continue; /* never a future edition, nor a stale one */
		if (!best || a->start_ms > best->start_ms ||
		    (a->start_ms == best->start_ms && strcmp(a->name, best->name) < 0))
			best = a;
	}
	if (best) {
		station_time(pi->host, best->start_ms, when);
		snprintf(out->asset, sizeof out->asset, "%s", best->name);
		snprintf(out->reason, sizeof out->reason,
			 "no file for %.40s at %.20s; playing the edition of %.20s (%.120s)", slot->pid, at,
			 when, best->name);
		return PLAYOUT_OK;
	}
	if (pi->sustainer[0]) {
		for (size_t i = 0; i < nassets; i++) {
			if (strcmp(assets[i].name, pi->sustainer) != 0)
				continue;
			if (prev_off_air(&assets[i]))
				break;
			snprintf(out->asset, sizeof out->asset, "%s", pi->sustainer);
			snprintf(out->reason, sizeof out->reason,
				 "no file for %.40s at %.20s and no earlier edition within %d days; "
				 "playing the sustainer %.80s", slot->pid, at,
				 (int)(pi->max_age_ms / 86400000), pi->sustainer);
			return PLAYOUT_OK;
		}
		snprintf(out->reason, sizeof out->reason,
			 "no file for %.40s at %.20s, no earlier edition within %d days, and the "
			 "sustainer %.70s is not in the storage (or unplayable)", slot->pid, at,
			 (int)(pi->max_age_ms / 86400000), pi->sustainer);
		return PLAYOUT_OK;
	}
	snprintf(out->reason, sizeof out->reason,
		 "no file for %.40s at %.20s and no earlier edition within %d days", slot->pid, at,
		 (int)(pi->max_age_ms / 86400000));
	return PLAYOUT_OK;
}

static int prev_create(const config_setting_t *conf, const struct playout_host *host,
		       void **instance, struct playout_error *err)
{
	struct prev_inst *pi = calloc(1, sizeof *pi);
	const char *s = playout_conf_str(conf, "sustainer");

	if (!pi)
		return playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
	pi->host = host;
	pi->max_age_ms = playout_conf_int(conf, "max_age_days") * 86400000; /* defaulted */
	if (s) {
		if (strlen(s) >= sizeof pi->sustainer || strchr(s, '/')) {
			free(pi);
			return playout_error_set(err, PLAYOUT_ECONFIG,
						 "sustainer \"%.100s\" must be the name of one file "
						 "in the storage", s);
		}
		snprintf(pi->sustainer, sizeof pi->sustainer, "%s", s);
	}
	*instance = pi;
	return PLAYOUT_OK;
}

static void prev_destroy(void *instance)
{
	free(instance);
}

static const struct playout_setting prev_settings[] = {
	{ .name = "max_age_days", .type = PLAYOUT_SET_INT, .min = 1, .max = 3650, .def = "56",
	  .help = "oldest edition to replay, days before the slot" },
	{ .name = "sustainer", .type = PLAYOUT_SET_STRING,
	  .help = "a file in the storage to play when no edition exists (default none)" },
	{ .name = NULL },
};

static const struct playout_fallback_ops prev_ops = {
	.size = sizeof(struct playout_fallback_ops),
	.choose = prev_choose,
};

extern const struct playout_plugin playout_plugin;
const struct playout_plugin playout_plugin = {
	PLAYOUT_PLUGIN_HEAD,
	.name = "previous-edition",
	.kind = PLAYOUT_KIND_FALLBACK,
	.description = "replays the latest earlier edition of a programme with no file",
	.settings = prev_settings,
	.create = prev_create,
	.destroy = prev_destroy,
	.ops.fallback = &prev_ops,
};
