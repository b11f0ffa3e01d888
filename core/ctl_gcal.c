/*
 * playoutctl gcal-auth: choose the gcal instance whose one-time OAuth
 * consent to run, then run it (core/net_gcal.c, in the network module,
 * loaded only for this command).
 */
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_gcal.h"
#include "runtime.h"

static int ga_usage(void)
{
	fprintf(stderr, "usage: playoutctl -c CONF gcal-auth [--calendar-instance LABEL] "
		"[--port N] [--no-browser]\n");
	return 2;
}

int po_ctl_gcal_auth(const char *conf_path, int argc, char **argv)
{
	struct po_gcal_auth c = {0};
	const char *want = NULL;
	struct po_runtime rt;
	struct po_diag d;
	struct playout_error e = {0};
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--calendar-instance") == 0 && i + 1 < argc) {
			want = argv[++i];
		} else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
			char *end;
			long p = strtol(argv[++i], &end, 10);
			if (*end || p < 0 || p > 65535)
				return ga_usage();
			c.port = (int)p;
		} else if (strcmp(argv[i], "--no-browser") == 0) {
			/* the URL is always printed; no browser is ever started */
		} else {
			return ga_usage();
		}
	}
	po_diag_init(&d);
	int orc = po_runtime_open(&rt, conf_path, PO_RT_NO_STATE | PO_RT_NO_CREATE, 0, &d, &e);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.msg[i]);
	po_diag_free(&d);
	if (orc < 0) {
		fprintf(stderr, "playoutctl: %s\n", e.msg);
		goto out;
	}
	struct po_instance *pi, *found = NULL;
	int n = 0;
	for (size_t i = 0; (pi = po_runtime_nth(&rt, PLAYOUT_KIND_SCHEDULE, i)); i++) {
		if (strcmp(pi->conf->plugin, "gcal") != 0)
			continue;
		n++;
		if (!want || strcmp(pi->conf->label, want) == 0)
			found = found ? found : pi;
	}
	if (!found || (!want && n > 1)) {
		fprintf(stderr, "playoutctl: gcal-auth: %s\n",
			n == 0 ? "the configuration has no gcal schedule" :
			!found ? "no gcal instance has that label" :
			"several gcal instances: choose one with --calendar-instance LABEL");
		goto out;
	}
	c.host = &found->host;
	c.label = found->conf->label;
	config_setting_lookup_string(found->conf->group, "credentials", &c.credentials_ref);
	config_setting_lookup_string(found->conf->group, "token", &c.token_ref);
	config_setting_lookup_string(found->conf->group, "token_endpoint", &c.token_endpoint);
	if (!c.token_ref || (strncmp(c.token_ref, "file:", 5) != 0 &&
			     strncmp(c.token_ref, "ssm:", 4) != 0)) {
		fprintf(stderr, "playoutctl: gcal-auth: %s: token must be a file:/path or ssm:/name "
			"reference to write the new token to\n", c.label);
		goto out;
	}
	if (!c.credentials_ref)
		goto out;
	rc = po_gcal_auth_run(&c);
out:
	po_runtime_close(&rt);
	return rc;
}
