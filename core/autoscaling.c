/*
 * The Auto Scaling Query API calls of autoscaling.h: the form body, the
 * signed POST, and reading the XML answer or its <ErrorResponse>. The XML
 * is flat and small (a page of at most 100 actions), so a few string
 * searches read it; no XML library is pulled into the core.
 */
#include "autoscaling.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <playout/util.h>

#include "aws.h"

#define API_VERSION "2011-01-01"
#define TIMEOUT_S 20
#define PAGE_MAX "100"

/* ---- reading the answer ------------------------------------------------ */

/* The text of the first <tag>...</tag> in [p, end), entities decoded, cut
 * to n - 1 bytes; NULL when absent, else the end of the element. */
static const char *xml_text(const char *p, const char *end, const char *tag, char *out,
			    size_t n)
{
	char open[80], close[80];
	snprintf(open, sizeof open, "<%s>", tag);
	snprintf(close, sizeof close, "</%s>", tag);
	out[0] = '\0';
	const char *a = strstr(p, open);
	if (!a || a >= end)
		return NULL;
	a += strlen(open);
	const char *b = strstr(a, close);
	if (!b || b > end)
		return NULL;
	static const struct { const char *ent; char c; } ents[] = {
		{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''},
	};
	size_t k = 0;
	while (a < b && k + 1 < n) {
		size_t i, m = sizeof ents / sizeof ents[0];
		for (i = 0; *a == '&' && i < m; i++)
			if (strncmp(a, ents[i].ent, strlen(ents[i].ent)) == 0)
				break;
		if (*a == '&' && i < m) {
			out[k++] = ents[i].c;
			a += strlen(ents[i].ent);
		} else {
			out[k++] = *a++;
		}
	}
	out[k] = '\0';
	return b + strlen(close);
}

/* Codes that mean the keys or the role, not the request. */
static int auth_code(const char *code)
{
	static const char *const v[] = {
		"AccessDenied", "InvalidClientTokenId", "SignatureDoesNotMatch",
		"IncompleteSignature", "MissingAuthenticationToken", "UnrecognizedClient",
		"ExpiredToken", "RequestExpired", "AuthFailure", NULL,
	};
	for (size_t i = 0; v[i]; i++)
		if (strstr(code, v[i]))
			return 1;
	return 0;
}

/* An <ErrorResponse> (or any non-2xx) into err, with the fix where known. */
static int answer_error(const char *what, const struct po_asg *g,
			const struct playout_http_response *r, struct playout_error *err)
{
	char code[96] = "", msg[200] = "";
	const char *body = r->body ? r->body : "";
	const char *end = body + strlen(body);
	xml_text(body, end, "Code", code, sizeof code);
	xml_text(body, end, "Message", msg, sizeof msg);
	int rc = PLAYOUT_EPROTO;
	const char *hint = "";
	if (auth_code(code)) {
		rc = PLAYOUT_EAUTH;
		hint = strstr(code, "AccessDenied")
			       ? " (allow this autoscaling action on the group to the instance role "
				 "or user: packaging/ec2/iam-policy.json)"
			       : " (check the AWS keys or the instance role)";
	} else if (strstr(code, "Throttling") || r->status >= 500) {
		rc = PLAYOUT_EUNAVAIL;
	} else if (strstr(code, "ValidationError") && strstr(msg, "not found")) {
		rc = PLAYOUT_ENOTFOUND;
		hint = " (check ec2.group)";
	}
	if (!code[0])
		return playout_error_set(err, rc, "autoscaling: %s, group %s: HTTP %ld, no AWS error in "
					 "the answer", what, g->group, r->status);
	/* the hint first: a long AWS message is cut at the end */
	return playout_error_set(err, rc, "autoscaling: %s, group %s: HTTP %ld %s%s: %s", what,
				 g->group, r->status, code, hint, msg);
}

/* ---- the call ---------------------------------------------------------- */

/* POST the form form (Action=...&Version=... already in it); on a 2xx
 * answer without an error, *resp holds it (caller frees). */
static int call(const struct po_asg *g, const char *what, const struct playout_buf *form,
		struct playout_http_response *resp, struct playout_error *err)
{
	char url[512], region[64];
	memset(resp, 0, sizeof *resp);
	po_aws_region(g->aws, region, sizeof region);
	if (g->endpoint)
		snprintf(url, sizeof url, "%s", g->endpoint);
	else
		snprintf(url, sizeof url, "https://autoscaling.%s.amazonaws.com/", region);
	static const char *const hdrs[] = {
		"Content-Type: application/x-www-form-urlencoded; charset=utf-8", NULL,
	};
	struct playout_http_request req = {
		.method = "POST", .url = url, .headers = hdrs, .body = form->p,
		.body_len = form->n, .aws_service = "autoscaling", .aws_region = region,
		.timeout_s = TIMEOUT_S,
	};
	struct playout_error e = {0};
	int rc = po_aws_http(g->aws, &req, resp, &e);
	if (rc < 0)
		return playout_error_set(err, rc, "autoscaling: %s, group %s: %s", what, g->group,
					 e.msg);
	if (resp->status / 100 != 2 || (resp->body && strstr(resp->body, "<ErrorResponse"))) {
		rc = answer_error(what, g, resp, err);
		playout_http_response_free(resp);
		memset(resp, 0, sizeof *resp);
	}
	return rc;
}

/* "Action=X&Version=..&AutoScalingGroupName=.." */
static int form_start(struct playout_buf *f, const char *action, const char *group)
{
	playout_buf_init(f);
	if (playout_buf_param(f, 1, "Action", action) < 0 ||
	    playout_buf_param(f, 0, "Version", API_VERSION) < 0 ||
	    playout_buf_param(f, 0, "AutoScalingGroupName", group) < 0)
		return PLAYOUT_ENOMEM;
	return PLAYOUT_OK;
}

static int oom(struct playout_buf *f, struct playout_error *err)
{
	playout_buf_free(f);
	return playout_error_set(err, PLAYOUT_ENOMEM, "autoscaling: out of memory");
}

/* One <member> of ScheduledUpdateGroupActions. */
static int read_member(const char *p, const char *end, struct po_ec2_action *a)
{
	char t[64], num[32];
	memset(a, 0, sizeof *a);
	if (!xml_text(p, end, "ScheduledActionName", a->name, sizeof a->name) || !a->name[0])
		return -1;
	/* Time is the older name of StartTime for a one-shot action */
	if ((xml_text(p, end, "StartTime", t, sizeof t) || xml_text(p, end, "Time", t, sizeof t)) &&
	    playout_time_parse(t, NULL, &a->start_ms) != PLAYOUT_OK)
		a->start_ms = 0;
	a->desired = xml_text(p, end, "DesiredCapacity", num, sizeof num) ? atoi(num) : -1;
	a->min_size = xml_text(p, end, "MinSize", num, sizeof num) ? atoi(num) : -1;
	a->max_size = xml_text(p, end, "MaxSize", num, sizeof num) ? atoi(num) : -1;
	return 0;
}

int po_asg_describe(const struct po_asg *g, struct po_ec2_action **v, size_t *n,
		    struct playout_error *err)
{
	struct po_ec2_action *out = NULL;
	size_t k = 0, cap = 0;
	char token[1024] = "";
	int rc = PLAYOUT_OK;
	*v = NULL;
	*n = 0;
	for (int page = 0; page < 1000 && rc == PLAYOUT_OK; page++) {
		struct playout_buf f;
		if (form_start(&f, "DescribeScheduledActions", g->group) < 0 ||
		    playout_buf_param(&f, 0, "MaxRecords", PAGE_MAX) < 0 ||
		    (token[0] && playout_buf_param(&f, 0, "NextToken", token) < 0)) {
			rc = oom(&f, err);
			break;
		}
		struct playout_http_response r;
		rc = call(g, "DescribeScheduledActions", &f, &r, err);
		playout_buf_free(&f);
		if (rc < 0)
			break;
		const char *body = r.body ? r.body : "";
		const char *end = body + strlen(body);
		if (!strstr(body, "<DescribeScheduledActionsResponse")) {
			rc = playout_error_set(err, PLAYOUT_EPROTO,
					       "autoscaling: DescribeScheduledActions, group %s: the "
					       "answer is not a DescribeScheduledActionsResponse",
					       g->group);
			playout_http_response_free(&r);
			break;
		}
		for (const char *p = strstr(body, "<member>"); p; p = strstr(p, "<member>")) {
			const char *q = strstr(p, "</member>");
			if (!q)
				break;
			if (k == cap) {
				size_t ncap = cap ? cap * 2 : 32;
				struct po_ec2_action *nv = realloc(out, ncap * sizeof *nv);
				if (!nv) {
					rc = playout_error_set(err, PLAYOUT_ENOMEM, "autoscaling: out of memory");
					break;
				}
				out = nv;
				cap = ncap;
			}
			if (read_member(p, q, &out[k]) == 0)
				k++;
			p = q;
		}
		/* NextToken sits after the list, outside every member */
		const char *list_end = strstr(body, "</ScheduledUpdateGroupActions>");
		if (!list_end || !xml_text(list_end, end, "NextToken", token, sizeof token))
			token[0] = '\0';
		playout_http_response_free(&r);
		if (!token[0])
			break;
	}
	if (rc < 0) {
		free(out);
		return rc;
	}
	*v = out;
	*n = k;
	return PLAYOUT_OK;
}

int po_asg_put(const struct po_asg *g, const struct po_ec2_action *a, struct playout_error *err)
{
	struct playout_buf f;
	char at[40], what[128];
	playout_time_format(a->start_ms, at, sizeof at);
	if (form_start(&f, "PutScheduledUpdateGroupAction", g->group) < 0 ||
	    playout_buf_param(&f, 0, "ScheduledActionName", a->name) < 0 ||
	    playout_buf_param(&f, 0, "StartTime", at) < 0 ||
	    playout_buf_printf(&f, "&DesiredCapacity=%d", a->desired) < 0 ||
	    (a->min_size >= 0 && playout_buf_printf(&f, "&MinSize=%d", a->min_size) < 0) ||
	    (a->max_size >= 0 && playout_buf_printf(&f, "&MaxSize=%d", a->max_size) < 0))
		return oom(&f, err);
	snprintf(what, sizeof what, "PutScheduledUpdateGroupAction %s", a->name);
	struct playout_http_response r;
	int rc = call(g, what, &f, &r, err);
	playout_buf_free(&f);
	if (rc == PLAYOUT_OK)
		playout_http_response_free(&r);
	return rc;
}

int po_asg_delete(const struct po_asg *g, const char *name, struct playout_error *err)
{
	struct playout_buf f;
	char what[128];
	if (form_start(&f, "DeleteScheduledAction", g->group) < 0 ||
	    playout_buf_param(&f, 0, "ScheduledActionName", name) < 0)
		return oom(&f, err);
	snprintf(what, sizeof what, "DeleteScheduledAction %s", name);
	struct playout_http_response r;
	int rc = call(g, what, &f, &r, err);
	playout_buf_free(&f);
	if (rc == PLAYOUT_OK)
		playout_http_response_free(&r);
	return rc;
}

int po_asg_set_desired(const struct po_asg *g, int desired, struct playout_error *err)
{
	struct playout_buf f;
	char what[64];
	if (form_start(&f, "SetDesiredCapacity", g->group) < 0 ||
	    playout_buf_printf(&f, "&DesiredCapacity=%d", desired) < 0 ||
	    playout_buf_param(&f, 0, "HonorCooldown", "false") < 0)
		return oom(&f, err);
	snprintf(what, sizeof what, "SetDesiredCapacity %d", desired);
	struct playout_http_response r;
	int rc = call(g, what, &f, &r, err);
	playout_buf_free(&f);
	if (rc == PLAYOUT_OK)
		playout_http_response_free(&r);
	return rc;
}

int po_asg_apply(const struct po_asg *g, const struct po_ec2_action *want, size_t nwant,
		 int64_t from_ms, int64_t to_ms, struct po_asg_applied *done,
		 struct playout_error *err)
{
	struct po_ec2_action *have = NULL;
	size_t nhave = 0;
	struct po_ec2_diff d;
	memset(done, 0, sizeof *done);
	int rc = po_asg_describe(g, &have, &nhave, err);
	if (rc < 0)
		return rc;
	done->existing = nhave;
	rc = po_ec2_diff(want, nwant, have, nhave, from_ms, to_ms, &d);
	if (rc < 0) {
		free(have);
		return playout_error_set(err, rc, "autoscaling: out of memory");
	}
	done->kept = nwant - d.nput;
	/* delete first: a group holds at most 125 scheduled actions */
	for (size_t i = 0; rc == PLAYOUT_OK && i < d.ndel; i++) {
		rc = po_asg_delete(g, have[d.del[i]].name, err);
		done->deleted += rc == PLAYOUT_OK;
	}
	for (size_t i = 0; rc == PLAYOUT_OK && i < d.nput; i++) {
		rc = po_asg_put(g, &want[d.put[i]], err);
		done->put += rc == PLAYOUT_OK;
	}
	po_ec2_diff_free(&d);
	free(have);
	return rc;
}
