/*
 * The host table handed to each plugin instance: logging with the instance
 * prefix, the clock, secrets, station-time conversion and per-instance state.
 */
#ifndef PO_HOST_H
#define PO_HOST_H

#include <playout/plugin.h>

struct po_runtime;
struct po_instance;

/* Fill inst->host for inst, served by rt (both outlive the plugin instance). */
void po_host_init(struct po_instance *inst, struct po_runtime *rt);

/* SIGHUP: read every secret reference host->secret has served again
 * (ssm:, file:, env:), and the aws group's access_key/secret_key, so the
 * plugins get the new values at their next host->secret. One that cannot be
 * read keeps its value (a warning names it); one notice says how many
 * changed. Control thread. */
void po_host_reload_secrets(struct po_runtime *rt);

/* The value of a secret reference for the core's own use (the status
 * server's token), from the same cache host->secret serves, so a SIGHUP
 * renews it too. *value: free with po_secret_free. Any thread. */
int po_host_secret(struct po_runtime *rt, const char *ref, char **value,
		   struct playout_error *err);

#endif
