/*
 * run_storage: drive a config's storage plugin by hand or from a test, with
 * the real core services (HTTP, AWS credentials, state store, cache):
 *   run_storage CONF list          one line per asset: name, size, etag
 *   run_storage CONF fetch NAME... list, then bring each NAME into the cache
 *   run_storage CONF kv KEY        a value the storage instance stored
 * Exit 0, or 2 with the error on stderr. A test tool, like MPD's run_storage.
 */
#include <stdio.h>
#include <string.h>

#include "cache.h"
#include "diag.h"
#include "log.h"
#include "runtime.h"

static const struct playout_asset *find(const struct playout_assets *as, const char *name)
{
	for (size_t i = 0; i < as->n; i++)
		if (strcmp(as->v[i].name, name) == 0)
			return &as->v[i];
	return NULL;
}

int main(int argc, char **argv)
{
	struct po_runtime rt;
	struct po_diag d;
	struct playout_error e = {0};
	struct playout_assets as = {0};
	int rc = 2;
	if (argc < 3) {
		fprintf(stderr, "usage: run_storage CONF list|fetch NAME...|kv KEY\n");
		return 2;
	}
	po_log_init(1, PLAYOUT_LOG_INFO);
	po_diag_init(&d);
	memset(&rt, 0, sizeof rt);
	int orc = po_runtime_open(&rt, argv[1], PO_RT_STATE_DAEMON, 0, &d, &e);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.msg[i]);
	po_diag_free(&d);
	if (orc < 0 || !rt.storage) {
		fprintf(stderr, "run_storage: %s\n", orc < 0 ? e.msg : "no storage configured");
		goto out;
	}
	const struct playout_storage_ops *ops = rt.storage->mod.plugin->ops.storage;
	if (strcmp(argv[2], "kv") == 0 && argc == 4) {
		char *v = NULL;
		if (rt.storage->host.kv_get(&rt.storage->host, argv[3], &v) != PLAYOUT_OK) {
			fprintf(stderr, "run_storage: no value for %s\n", argv[3]);
			goto out;
		}
		printf("%s\n", v);
		free(v);
		rc = 0;
		goto out;
	}
	if (ops->list(rt.storage->inst, &as, &e) < 0) {
		fprintf(stderr, "run_storage: list: %s (code %d)\n", e.msg, e.code);
		goto out;
	}
	if (strcmp(argv[2], "list") == 0) {
		for (size_t i = 0; i < as.n; i++)
			printf("%s\t%lld\t%s\n", as.v[i].name, (long long)as.v[i].size, as.v[i].etag);
		rc = 0;
		goto out;
	}
	if (strcmp(argv[2], "fetch") != 0 || po_cache_init(rt.conf.cache_dir, &e) < 0) {
		fprintf(stderr, "run_storage: %s\n", e.msg[0] ? e.msg : "unknown command");
		goto out;
	}
	rc = 0;
	for (int i = 3; i < argc; i++) {
		const struct playout_asset *a = find(&as, argv[i]);
		if (!a) {
			fprintf(stderr, "run_storage: %s is not listed\n", argv[i]);
			rc = 2;
		} else if (po_cache_fetch(rt.conf.cache_dir, ops, rt.storage->inst, a, &e) < 0) {
			fprintf(stderr, "run_storage: fetch %s: %s (code %d)\n", argv[i], e.msg, e.code);
			rc = 2;
		} else {
			printf("fetched %s\n", argv[i]);
		}
	}
out:
	free(as.v);
	po_runtime_close(&rt);
	return rc;
}
