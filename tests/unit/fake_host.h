/*
 * A struct playout_host for plugin tests, without a daemon: a settable clock,
 * log lines captured in memory (and echoed to stderr), secrets and local time
 * through the real core helpers, and an in-memory key-value store.
 * Test code only; never linked into playoutd.
 */
#ifndef PO_FAKE_HOST_H
#define PO_FAKE_HOST_H

#include <stddef.h>
#include <stdint.h>

#include <playout/plugin.h>

struct po_fake_host;

/* instance: "csv:test" (copied); cache_dir: may be NULL (copied).
 * timezone starts as "UTC"; the clock follows the real time until
 * po_fake_host_set_now. Returns NULL when out of memory.
 * Free with po_fake_host_free. */
struct po_fake_host *po_fake_host_new(const char *instance, const char *cache_dir);
void po_fake_host_free(struct po_fake_host *fh); /* NULL is a no-op */

/* The host table to hand to a plugin's create; valid until po_fake_host_free. */
const struct playout_host *po_fake_host(struct po_fake_host *fh);

/* Fix the clock at ms (UTC ms since the epoch); host->now_ms and
 * host->wall_ms return it. */
void po_fake_host_set_now(struct po_fake_host *fh, int64_t ms);
/* Only sets host->timezone (copied); the conversion zone is process-wide:
 * call po_tz_set (core/timeutil.h) too. */
void po_fake_host_set_timezone(struct po_fake_host *fh, const char *zone);

/* What host->stopping answers from now on (0 at first). Any thread. */
void po_fake_host_set_stopping(struct po_fake_host *fh, int on);

/* 1 when a captured log line (message text, without the instance prefix)
 * contains needle, else 0. */
int po_fake_host_log_contains(struct po_fake_host *fh, const char *needle);
/* Captured lines at exactly this level (enum playout_log_level); -1: all. */
size_t po_fake_host_log_count(struct po_fake_host *fh, int level);
/* Forget the captured lines. */
void po_fake_host_log_clear(struct po_fake_host *fh);

/* Install network services for plugin tests (the fake has none by default:
 * host->http and host->secret_store are NULL until set). fn may be NULL. */
void po_fake_host_set_http(struct po_fake_host *fh,
			   int (*fn)(const struct playout_host *h,
				     const struct playout_http_request *req,
				     struct playout_http_response *resp,
				     struct playout_error *err));
void po_fake_host_set_secret_store(struct po_fake_host *fh,
				   int (*fn)(const struct playout_host *h, const char *ref,
					     const char *value, struct playout_error *err));

/* Install host->instance_metadata (NULL until set); fn may be NULL. */
void po_fake_host_set_instance_metadata(struct po_fake_host *fh,
					int (*fn)(const struct playout_host *h, const char *path,
						  char **value, struct playout_error *err));

#endif
