/*
 * playoutctl alerts: what the daemon sent to each notify instance, when,
 * and whether it was delivered (the state's alert_sends, read-only).
 */
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"
#include "json.h"
#include "runtime.h"
#include "state_alarms.h"
#include "timeutil.h"

#define ALERTS_SHOWN 200

static const char *outcome(const struct po_alert_send *s)
{
	return s->delivered > 0 ? "delivered" : s->delivered < 0 ? "gave up" : "pending";
}

static void print_one(const struct po_alert_send *s, int json, int first)
{
	if (json) {
		printf("%s{", first ? "" : ", ");
		po_json_kv_time(stdout, 1, "time", s->event_ms);
		po_json_kv_str(stdout, 0, "type", s->type);
		po_json_kv_str(stdout, 0, "key", s->key);
		po_json_kv_str(stdout, 0, "instance", s->instance);
		po_json_kv_str(stdout, 0, "pid", s->pid);
		po_json_kv_str(stdout, 0, "title", s->title);
		if (s->start_ms)
			po_json_kv_time(stdout, 0, "start", s->start_ms);
		po_json_kv_str(stdout, 0, "message", s->message);
		po_json_kv_str(stdout, 0, "outcome", outcome(s));
		printf(", \"delivered\": %s", s->delivered > 0 ? "true" : "false");
		if (s->sent_ms)
			po_json_kv_time(stdout, 0, "sent", s->sent_ms);
		po_json_kv_int(stdout, 0, "attempts", s->attempts);
		po_json_kv_str(stdout, 0, "last_error", s->last_error);
		printf("}");
		return;
	}
	char at[40], sent[40] = "-";
	po_iso8601_local(s->event_ms, at, sizeof at);
	if (s->sent_ms)
		po_iso8601_local(s->sent_ms, sent, sizeof sent);
	printf("%s  %-14s %-19s %-9s sent %s (%d attempt%s)  %s\n", at, s->instance, s->type,
	       outcome(s), sent, s->attempts, s->attempts == 1 ? "" : "s", s->message);
	if (s->delivered <= 0 && s->last_error[0])
		printf("    last error: %s\n", s->last_error);
}

int po_ctl_alerts(const char *conf_path, int json)
{
	struct po_runtime rt;
	struct po_diag d;
	struct playout_error e = {0};
	struct po_alert_send *v = NULL;
	size_t n = 0;
	po_diag_init(&d);
	int rc = po_runtime_open(&rt, conf_path, PO_RT_STATE_READONLY | PO_RT_NO_PLUGINS, 0, &d, &e);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.msg[i]);
	if (rc < 0 && !d.nerrors)
		fprintf(stderr, "playoutctl: %s\n", e.msg);
	po_diag_free(&d);
	if (rc < 0 || po_state_send_list(rt.state, ALERTS_SHOWN, &v, &n) < 0) {
		po_runtime_close(&rt);
		return 1;
	}
	if (json)
		printf("{\"alerts\": [");
	for (size_t i = 0; i < n; i++)
		print_one(&v[i], json, i == 0);
	if (json)
		printf("]}\n");
	else if (!n)
		printf("no alert sent yet\n");
	free(v);
	po_runtime_close(&rt);
	return 0;
}
