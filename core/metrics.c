/*
 * The Prometheus text of /metrics (metrics.h): counters over every play
 * the state keeps (so they survive restarts and only grow while plays
 * are kept), gauges for what holds now.
 */
#include "metrics.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rundown.h"
#include "timeutil.h"

/* From "as it should be" to "a listener hears it": a station cares about
 * the milliseconds, and anything past a second is an incident. */
const double po_metrics_bucket_s[PO_METRICS_NBUCKETS] = {
	0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1, 5,
};

static struct po_metrics_output *output_of(struct po_metrics *m, const char *name)
{
	for (size_t i = 0; i < m->nout; i++)
		if (strcmp(m->out[i].output, name) == 0)
			return &m->out[i];
	struct po_metrics_output *v = realloc(m->out, (m->nout + 1) * sizeof *v);
	if (!v)
		return NULL;
	m->out = v;
	struct po_metrics_output *o = &m->out[m->nout++];
	memset(o, 0, sizeof *o);
	o->up = -1;
	snprintf(o->output, sizeof o->output, "%s", name);
	return o;
}

void po_metrics_add_play(struct po_metrics *m, const struct po_play_figure *f)
{
	struct po_metrics_output *o = output_of(m, f->output);
	if (!o)
		return;
	size_t k;
	for (k = 0; k < o->noutcomes; k++)
		if (strcmp(o->outcomes[k].outcome, f->outcome) == 0)
			break;
	if (k == o->noutcomes && k < PO_METRICS_NOUTCOMES) {
		snprintf(o->outcomes[k].outcome, sizeof o->outcomes[k].outcome, "%s", f->outcome);
		o->noutcomes++;
	}
	if (k < o->noutcomes)
		o->outcomes[k].n++;
	o->bytes += f->bytes;
	o->reconnects += f->gaps;
	if (!f->started)
		return;
	double e = fabs((double)f->start_error_us) / 1e6;
	o->sum_s += e;
	for (k = 0; k < PO_METRICS_NBUCKETS; k++) {
		if (e <= po_metrics_bucket_s[k]) {
			o->bucket[k]++;
			return;
		}
	}
	o->over++;
}

static void add_play_cb(const struct po_play_figure *f, void *arg)
{
	po_metrics_add_play(arg, f);
}

/* Files and bytes in the cache folder (downloads in progress, in .part,
 * are not counted: hidden names are skipped). */
static void cache_use(struct po_metrics *m, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		m->cache_files++;
		m->cache_bytes += st.st_size;
	}
	closedir(d);
}

/* What the storage plugin counted today (UTC), in its kv namespace: the
 * s3 plugin counts requests and bytes (they cost money); others count
 * nothing. */
static void storage_counts(struct po_metrics *m, struct po_state *st)
{
	char day[40], key[64], *v = NULL;
	po_iso8601_utc(m->now_ms, day, sizeof day);
	day[10] = '\0';
	snprintf(key, sizeof key, "requests:%s", day);
	if (po_state_kv_get(st, m->storage, key, &v) == PLAYOUT_OK) {
		m->storage_requests = strtoll(v, NULL, 10);
		m->have_storage_counts = 1;
	}
	free(v);
	v = NULL;
	snprintf(key, sizeof key, "bytes:%s", day);
	if (po_state_kv_get(st, m->storage, key, &v) == PLAYOUT_OK) {
		m->storage_bytes = strtoll(v, NULL, 10);
		m->have_storage_counts = 1;
	}
	free(v);
}

int po_metrics_collect(struct po_metrics *m, struct po_state *st, const struct po_config *c,
		       int64_t now_ms)
{
	memset(m, 0, sizeof *m);
	m->now_ms = now_ms;
	m->horizon_h = c->horizon_h;
	int rc = po_state_each_play_figure(st, add_play_cb, m);

	struct po_output_status *os = NULL;
	size_t nos = 0;
	if (po_state_get_output_status(st, &os, &nos) == PLAYOUT_OK) {
		for (size_t i = 0; i < nos; i++) {
			struct po_metrics_output *o = output_of(m, os[i].output);
			if (o)
				o->up = strcmp(os[i].state, "on air") == 0;
		}
	}
	free(os);

	struct playout_item *items = NULL;
	size_t ni = 0;
	if (po_state_get_rundown(st, now_ms, now_ms + (int64_t)c->horizon_h * 3600000, &items,
				 &ni) == PLAYOUT_OK)
		for (size_t i = 0; i < ni; i++)
			if (items[i].decision >= 0 && items[i].decision < PO_METRICS_NDECISIONS)
				m->decisions[items[i].decision]++;
	free(items);

	m->src = calloc(c->ninst ? c->ninst : 1, sizeof *m->src);
	for (size_t i = 0; m->src && i < c->ninst; i++) {
		const struct po_instance_conf *ic = &c->inst[i];
		if (ic->kind == PLAYOUT_KIND_SCHEDULE) {
			struct po_metrics_source *s = &m->src[m->nsrc++];
			snprintf(s->label, sizeof s->label, "%s", ic->label);
			s->answered_ms = po_state_slots_fetched_ms(st, ic->label);
		} else if (ic->kind == PLAYOUT_KIND_STORAGE) {
			snprintf(m->storage, sizeof m->storage, "%s", ic->label);
		}
	}
	if (m->storage[0])
		storage_counts(m, st);
	cache_use(m, c->cache_dir);
	m->last_plan_ms = po_state_last_planned_ms(st);
	return rc;
}

void po_metrics_free(struct po_metrics *m)
{
	free(m->out);
	free(m->src);
	memset(m, 0, sizeof *m);
}

void po_metrics_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{key="value"} or name{key="value",le="x"}: the start of a sample. */
static void sample(FILE *f, const char *name, const char *key, const char *value)
{
	fprintf(f, "%s{%s=\"", name, key);
	po_metrics_label(f, value);
	fputc('"', f);
}

static void histogram(FILE *f, const struct po_metrics *m)
{
	head(f, "playout_start_error_seconds", "histogram",
	     "How far from its scheduled instant each play's first byte went out (absolute; joins after a restart or an outage are not starts).");
	for (size_t i = 0; i < m->nout; i++) {
		const struct po_metrics_output *o = &m->out[i];
		uint64_t cum = 0;
		for (size_t k = 0; k < PO_METRICS_NBUCKETS; k++) {
			cum += o->bucket[k];
			sample(f, "playout_start_error_seconds_bucket", "output", o->output);
			fprintf(f, ",le=\"%g\"} %llu\n", po_metrics_bucket_s[k], (unsigned long long)cum);
		}
		cum += o->over;
		sample(f, "playout_start_error_seconds_bucket", "output", o->output);
		fprintf(f, ",le=\"+Inf\"} %llu\n", (unsigned long long)cum);
		sample(f, "playout_start_error_seconds_sum", "output", o->output);
		fprintf(f, "} %.6f\n", o->sum_s);
		sample(f, "playout_start_error_seconds_count", "output", o->output);
		fprintf(f, "} %llu\n", (unsigned long long)cum);
	}
}

static void per_output(FILE *f, const struct po_metrics *m)
{
	head(f, "playout_plays_total", "counter", "Plays kept in the state, by output and outcome.");
	for (size_t i = 0; i < m->nout; i++) {
		const struct po_metrics_output *o = &m->out[i];
		for (size_t k = 0; k < o->noutcomes; k++) {
			sample(f, "playout_plays_total", "output", o->output);
			fputs(",outcome=\"", f);
			po_metrics_label(f, o->outcomes[k].outcome);
			fprintf(f, "\"} %lld\n", (long long)o->outcomes[k].n);
		}
	}
	head(f, "playout_reconnects_total", "counter",
	     "Outages of an output during a play (each ended by a reconnect, or by the item's end).");
	for (size_t i = 0; i < m->nout; i++) {
		sample(f, "playout_reconnects_total", "output", m->out[i].output);
		fprintf(f, "} %lld\n", (long long)m->out[i].reconnects);
	}
	head(f, "playout_sent_bytes_total", "counter", "Audio bytes sent to each output.");
	for (size_t i = 0; i < m->nout; i++) {
		sample(f, "playout_sent_bytes_total", "output", m->out[i].output);
		fprintf(f, "} %lld\n", (long long)m->out[i].bytes);
	}
	head(f, "playout_output_up", "gauge", "1 while the output is on air, 0 while idle or down.");
	for (size_t i = 0; i < m->nout; i++) {
		if (m->out[i].up < 0)
			continue;
		sample(f, "playout_output_up", "output", m->out[i].output);
		fprintf(f, "} %d\n", m->out[i].up);
	}
}

void po_metrics_render(FILE *f, const struct po_metrics *m)
{
	histogram(f, m);
	per_output(f, m);

	head(f, "playout_rundown_items", "gauge",
	     "Items planned from now to the end of the horizon, by decision (missing: nothing to play; fallback: a stand-in plays).");
	for (int d = 0; d < PO_METRICS_NDECISIONS; d++) {
		sample(f, "playout_rundown_items", "decision", po_decision_name(d));
		fprintf(f, "} %lld\n", (long long)m->decisions[d]);
	}
	head(f, "playout_rundown_horizon_seconds", "gauge", "How far ahead playout_rundown_items looks.");
	fprintf(f, "playout_rundown_horizon_seconds %d\n", m->horizon_h * 3600);

	head(f, "playout_schedule_age_seconds", "gauge",
	     "Age of each schedule source's last good answer (absent: no answer yet).");
	for (size_t i = 0; i < m->nsrc; i++) {
		if (!m->src[i].answered_ms)
			continue;
		sample(f, "playout_schedule_age_seconds", "source", m->src[i].label);
		fprintf(f, "} %.3f\n", (m->now_ms - m->src[i].answered_ms) / 1000.0);
	}

	if (m->have_storage_counts) {
		head(f, "playout_storage_requests_today", "gauge",
		     "Requests the storage plugin sent today (UTC day), as it counts them.");
		sample(f, "playout_storage_requests_today", "storage", m->storage);
		fprintf(f, "} %lld\n", (long long)m->storage_requests);
		head(f, "playout_storage_bytes_today", "gauge",
		     "Bytes the storage plugin downloaded today (UTC day), as it counts them.");
		sample(f, "playout_storage_bytes_today", "storage", m->storage);
		fprintf(f, "} %lld\n", (long long)m->storage_bytes);
	}

	head(f, "playout_cache_bytes", "gauge", "Bytes of the files in the cache folder.");
	fprintf(f, "playout_cache_bytes %lld\n", (long long)m->cache_bytes);
	head(f, "playout_cache_files", "gauge", "Files in the cache folder.");
	fprintf(f, "playout_cache_files %lld\n", (long long)m->cache_files);

	if (m->last_plan_ms) {
		head(f, "playout_last_plan_timestamp_seconds", "gauge",
		     "When the daemon last planned and stored a rundown (Unix time).");
		fprintf(f, "playout_last_plan_timestamp_seconds %.3f\n", m->last_plan_ms / 1000.0);
		head(f, "playout_last_plan_age_seconds", "gauge", "Seconds since that plan.");
		fprintf(f, "playout_last_plan_age_seconds %.3f\n",
			(m->now_ms - m->last_plan_ms) / 1000.0);
	}
}
