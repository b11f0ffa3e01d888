/*
 * playoutctl ec2-schedule: the Auto Scaling actions that run the station's
 * EC2 machine only while programmes are due (ec2_sched.h), derived from the
 * rundown as `playoutctl rundown` makes it (the sources, else the state's
 * last good answers); printed, and with --apply put on the group
 * (autoscaling.h).
 */
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "autoscaling.h"
#include "ec2_sched.h"
#include "json.h"
#include "refresh.h"
#include "runtime.h"
#include "timeutil.h"

#define WEEK_H 168

static int ec2_usage(void)
{
	fprintf(stderr, "usage: playoutctl [-c FILE] ec2-schedule [--json] [--apply] [--from T] "
		"[--hours N]\n");
	return 2;
}

/* The state when there is one (its last good answers), read-only. */
static int open_runtime(struct po_runtime *rt, const char *conf_path)
{
	struct po_diag d;
	struct playout_error e = {0};
	struct po_config c;
	int flags = PO_RT_NO_STATE;
	po_diag_init(&d);
	if (po_config_load(&c, conf_path, &d) == PLAYOUT_OK && access(c.state_path, R_OK) == 0)
		flags = PO_RT_STATE_READONLY;
	po_config_free(&c);
	po_diag_free(&d);
	po_diag_init(&d);
	int rc = po_runtime_open(rt, conf_path, flags, 0, &d, &e);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.msg[i]);
	if (rc < 0 && !d.nerrors)
		fprintf(stderr, "playoutctl: %s\n", e.msg);
	po_diag_free(&d);
	return rc;
}

static void print_text(const struct po_config *c, const struct po_ec2_schedule *s,
		       const struct po_ec2_action *a, size_t na)
{
	char from[40], to[40], up[40], down[40], first[40], last[40];
	po_iso8601_local(s->from_ms, from, sizeof from);
	po_iso8601_local(s->to_ms, to, sizeof to);
	printf("group %s, %s to %s: up %d min before, down %d min after, gaps under %d min kept up\n",
	       c->ec2.group, from, to, c->ec2.lead_min, c->ec2.tail_min, c->ec2.merge_gap_min);
	if (!s->n)
		printf("no programme in this period: the machine stays down\n");
	for (size_t i = 0; i < s->n; i++) {
		const struct po_ec2_block *b = &s->v[i];
		po_iso8601_local(b->up_ms, up, sizeof up);
		po_iso8601_local(b->down_ms, down, sizeof down);
		if (b->wake) {
			printf("wake   %s .. %s  no programme: up to plan the next %d h\n", up,
			       down + 11, c->horizon_h);
			continue;
		}
		po_iso8601_local(b->first_ms, first, sizeof first);
		po_iso8601_local(b->last_ms, last, sizeof last);
		printf("block  %s .. %s  %zu item%s %.5s-%.5s, %.2f h\n", up, down + 11, b->nitems,
		       b->nitems == 1 ? "" : "s", first + 11, last + 11,
		       (b->down_ms - b->up_ms) / 3600000.0);
	}
	printf("actions (UTC, the ones still ahead):\n");
	for (size_t i = 0; i < na; i++) {
		char at[40];
		po_iso8601_utc(a[i].start_ms, at, sizeof at);
		printf("  %-28s %s  desired %d (min %d, max %d)\n", a[i].name, at, a[i].desired,
		       a[i].min_size, a[i].max_size);
	}
	double window_h = (s->to_ms - s->from_ms) / 3600000.0;
	double per_week = po_ec2_hours_per_week(s);
	printf("machine time: %.2f h in this %.0f h period: %.2f instance-hours per week, against "
	       "%d running all day (%.1f %%)\n", po_ec2_up_ms(s) / 3600000.0, window_h, per_week,
	       WEEK_H, 100.0 * per_week / WEEK_H);
}

static void print_json(const struct po_config *c, const struct po_ec2_schedule *s,
		       const struct po_ec2_action *a, size_t na, const struct po_asg_applied *done)
{
	printf("{");
	po_json_kv_str(stdout, 1, "group", c->ec2.group);
	po_json_kv_time(stdout, 0, "from", s->from_ms);
	po_json_kv_time(stdout, 0, "to", s->to_ms);
	po_json_kv_int(stdout, 0, "lead_min", c->ec2.lead_min);
	po_json_kv_int(stdout, 0, "tail_min", c->ec2.tail_min);
	po_json_kv_int(stdout, 0, "merge_gap_min", c->ec2.merge_gap_min);
	printf(",\n \"blocks\": [");
	for (size_t i = 0; i < s->n; i++) {
		const struct po_ec2_block *b = &s->v[i];
		printf("%s\n  {", i ? "," : "");
		po_json_kv_time(stdout, 1, "up", b->up_ms);
		po_json_kv_time(stdout, 0, "down", b->down_ms);
		po_json_kv_time(stdout, 0, "first", b->first_ms);
		po_json_kv_time(stdout, 0, "last", b->last_ms);
		po_json_kv_int(stdout, 0, "items", (int64_t)b->nitems);
		printf(", \"wake\": %s}", b->wake ? "true" : "false");
	}
	printf("%s],\n \"actions\": [", s->n ? "\n " : "");
	for (size_t i = 0; i < na; i++) {
		printf("%s\n  {", i ? "," : "");
		po_json_kv_str(stdout, 1, "name", a[i].name);
		po_json_kv_time(stdout, 0, "start", a[i].start_ms);
		po_json_kv_int(stdout, 0, "desired", a[i].desired);
		po_json_kv_int(stdout, 0, "min_size", a[i].min_size);
		po_json_kv_int(stdout, 0, "max_size", a[i].max_size);
		printf("}");
	}
	printf("%s],\n \"up_hours\": %.3f, \"window_hours\": %.3f, \"hours_per_week\": %.3f, "
	       "\"always_on_hours_per_week\": %d", na ? "\n " : "", po_ec2_up_ms(s) / 3600000.0,
	       (s->to_ms - s->from_ms) / 3600000.0, po_ec2_hours_per_week(s), WEEK_H);
	if (done)
		printf(",\n \"applied\": {\"existing\": %zu, \"put\": %zu, \"deleted\": %zu, "
		       "\"kept\": %zu}", done->existing, done->put, done->deleted, done->kept);
	printf("}\n");
}

int po_ctl_ec2_schedule(const char *conf_path, int argc, char **argv)
{
	int json = 0, apply = 0, hours = 0;
	const char *from = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--apply") == 0) {
			apply = 1;
		} else if (strcmp(argv[i], "--from") == 0 && i + 1 < argc) {
			from = argv[++i];
		} else if (strcmp(argv[i], "--hours") == 0 && i + 1 < argc) {
			char *end;
			long h = strtol(argv[++i], &end, 10);
			if (*end || h < 1 || h > 24 * 31) {
				fprintf(stderr, "playoutctl: --hours %s: expected 1 to 744\n", argv[i]);
				return 2;
			}
			hours = (int)h;
		} else {
			return ec2_usage();
		}
	}
	struct po_runtime rt;
	if (open_runtime(&rt, conf_path) < 0) {
		po_runtime_close(&rt);
		return 1;
	}
	const struct po_config *c = &rt.conf;
	if (!c->ec2.group) {
		fprintf(stderr, "playoutctl: ec2-schedule: %s has no ec2 group (ec2 = { group = "
			"\"NAME\"; }): which Auto Scaling group?\n", c->path);
		po_runtime_close(&rt);
		return 1;
	}
	int64_t now = po_clock_now_ms(&rt.clock), from_ms = now;
	if (from && po_iso8601_parse(from, &from_ms) < 0) {
		fprintf(stderr, "playoutctl: --from %s: expected ISO 8601, like 2026-03-29T00:00\n",
			from);
		po_runtime_close(&rt);
		return 2;
	}
	struct po_ec2_params p = po_ec2_params_of(c->ec2.lead_min, c->ec2.tail_min,
						  c->ec2.merge_gap_min, c->horizon_h);
	/* an item that ended a moment ago may still hold its block up */
	struct po_refresh_opts o = {
		.from_ms = from_ms - p.tail_ms - p.merge_gap_ms,
		.to_ms = from_ms + (int64_t)(hours > 0 ? hours : c->horizon_h) * 3600000,
	};
	struct po_rundown r;
	struct po_plan_inputs in = {0};
	struct playout_error e = {0};
	po_gather_inputs(&rt, NULL, o.from_ms, o.to_ms, NULL, &in);
	int rc = po_refresh(&rt, &o, &in, &r, &e);
	po_plan_inputs_free(&in);
	if (rc < 0) {
		fprintf(stderr, "playoutctl: %s\n", e.msg);
		po_runtime_close(&rt);
		return 1;
	}
	struct po_ec2_schedule s;
	struct po_ec2_action *a = NULL;
	size_t na = 0;
	struct po_asg_applied done = {0};
	int status = 0;
	rc = po_ec2_schedule_build(r.v, r.n, from_ms, o.to_ms, &p, &s);
	po_rundown_free(&r);
	if (rc == PLAYOUT_OK)
		rc = po_ec2_actions(&s, now, &a, &na);
	if (rc < 0) {
		fprintf(stderr, "playoutctl: ec2-schedule: out of memory\n");
		status = 1;
		goto out;
	}
	if (apply) {
		struct po_asg g = {.aws = rt.aws, .group = c->ec2.group, .endpoint = c->ec2.endpoint};
		if (po_asg_apply(&g, a, na, from_ms, o.to_ms, &done, &e) < 0) {
			fprintf(stderr, "playoutctl: ec2-schedule --apply: %s (%zu put, %zu deleted "
				"before it)\n", e.msg, done.put, done.deleted);
			status = 1;
			goto out;
		}
	}
	if (json) {
		print_json(c, &s, a, na, apply ? &done : NULL);
	} else {
		print_text(c, &s, a, na);
		if (apply)
			printf("applied to %s: %zu put, %zu deleted, %zu unchanged (the group had %zu "
			       "actions)\n", c->ec2.group, done.put, done.deleted, done.kept,
			       done.existing);
	}
out:
	free(a);
	po_ec2_schedule_free(&s);
	po_runtime_close(&rt);
	return status;
}
