/*
 * playoutctl gcal-auth's network half: the OAuth consent for one gcal
 * instance with installed-app credentials (loopback redirect with PKCE),
 * in the network module. Choosing the instance is core/ctl_gcal.c's job.
 */
#ifndef PO_NET_GCAL_H
#define PO_NET_GCAL_H

#include <playout/plugin.h>

/* Every pointer borrowed for the call. */
struct po_gcal_auth {
	const struct playout_host *host; /* the instance's: secret, http, wall_ms, secret_store */
	const char *label;               /* the instance, for messages */
	const char *credentials_ref;     /* secret reference to credentials.json */
	const char *token_ref;           /* file:/path or ssm:/name to write token.json to */
	const char *token_endpoint;      /* NULL: the credentials' token_uri */
	int port;                        /* loopback port for the redirect; 0: any */
};

/* Print the consent URL, wait for the redirect (up to 10 minutes), exchange
 * the code and write the token. Messages go to stdout/stderr (a playoutctl
 * command). Returns the exit status: 0 done, 1 failed. */
int po_gcal_auth_run(const struct po_gcal_auth *a);

#endif
