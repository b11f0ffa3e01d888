/*
 * run_output: drive one output plugin by hand, without the daemon (like
 * MPD's test/run_output). Loads MODULE.la with libltdl, creates an instance
 * from a libconfig group given as text, then open/start/write FILE in 4 KiB
 * chunks paced at a bitrate/stop/close. Errors go to stderr; exit 1 on any.
 *
 *   run_output MODULE.la 'mount = "/x"; password = "env:PW";' FILE.mp3
 *              [--rate-kbps 128] [--title TEXT] [--name NAME] [--repeat N]
 *
 * The host offers log, now_ms, secret (literal, env:) and the core's http.
 * --rate-kbps 0 sends as fast as the output takes it; --repeat plays the file
 * N times on the same instance, one connection each. The module stays
 * resident until exit so leak reports can name its frames.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ltdl.h>

#include <playout/plugin.h>

#include "http.h"
#include "../unit/plugin_conf.h"

#define RUN_CHUNK 4096

static void run_log(const struct playout_host *h, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void run_log(const struct playout_host *h, int level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warn", "notice", "info", "debug" };
	va_list ap;

	fprintf(stderr, "%s: %s: ", h->instance,
		level >= 0 && level <= PLAYOUT_LOG_DEBUG ? names[level] : "?");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int64_t run_now_ms(const struct playout_host *h)
{
	struct timespec ts;

	(void)h;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Literal and env: only; enough for a driver. */
static int run_secret(const struct playout_host *h, const char *ref, char **value,
		      struct playout_error *err)
{
	const char *v = ref;

	if (strncmp(ref, "env:", 4) == 0) {
		v = getenv(ref + 4);
		if (!v)
			return playout_error_set(err, PLAYOUT_ENOTFOUND,
						 "%s: secret %s: variable not set", h->instance, ref);
	} else if (strncmp(ref, "file:", 5) == 0 || strncmp(ref, "ssm:", 4) == 0) {
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "%s: secret %s: run_output resolves only literals and env:",
					 h->instance, ref);
	}
	*value = strdup(v);
	if (!*value)
		return playout_error_set(err, PLAYOUT_ENOMEM, "%s: out of memory", h->instance);
	return PLAYOUT_OK;
}

/* The core's HTTP helper, as the daemon offers it (no AWS signing). */
static int run_http(const struct playout_host *h, const struct playout_http_request *req,
		    struct playout_http_response *resp, struct playout_error *err)
{
	(void)h;
	return po_http_exchange(req, NULL, NULL, resp, err);
}

static int run_read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	uint8_t *b;

	if (!f) {
		fprintf(stderr, "run_output: open %s: %s\n", path, strerror(errno));
		return -1;
	}
	b = malloc(cap);
	while (b) {
		size_t got = fread(b + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
		if (n == cap) {
			uint8_t *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
	}
	if (!b || ferror(f)) {
		fprintf(stderr, "run_output: read %s: %s\n", path, b ? strerror(errno) : "out of memory");
		free(b);
		fclose(f);
		return -1;
	}
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
}

static void run_sleep_until(const struct timespec *t0, double offset_s)
{
	struct timespec t = *t0;
	long long ns = (long long)(offset_s * 1e9);

	t.tv_sec += (time_t)(ns / 1000000000LL);
	t.tv_nsec += (long)(ns % 1000000000LL);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

struct run_args {
	const char *module, *group, *file, *title, *name;
	int rate_kbps;
	int repeat;
};

static int run_parse_args(int argc, char **argv, struct run_args *a)
{
	int i;

	if (argc < 4)
		return -1;
	a->module = argv[1];
	a->group = argv[2];
	a->file = argv[3];
	a->rate_kbps = 128;
	a->title = NULL;
	a->name = "test";
	a->repeat = 1;
	for (i = 4; i < argc; i++) {
		if (i + 1 >= argc)
			return -1;
		if (strcmp(argv[i], "--rate-kbps") == 0)
			a->rate_kbps = atoi(argv[++i]);
		else if (strcmp(argv[i], "--title") == 0)
			a->title = argv[++i];
		else if (strcmp(argv[i], "--name") == 0)
			a->name = argv[++i];
		else if (strcmp(argv[i], "--repeat") == 0)
			a->repeat = atoi(argv[++i]);
		else
			return -1;
	}
	return a->rate_kbps < 0 || a->repeat < 1 ? -1 : 0;
}

/* open/start/write.../stop/close; 0 or -1 with the error printed. */
static int run_play(const struct playout_output_ops *ops, void *inst, const struct run_args *a,
		    const uint8_t *data, size_t len)
{
	struct playout_error err = { 0, "" };
	struct playout_item_meta meta;
	struct timespec t0;
	double chunk_s = a->rate_kbps > 0 ? RUN_CHUNK * 8.0 / (a->rate_kbps * 1000.0) : 0;
	size_t off, i;
	int rc = 0;

	memset(&meta, 0, sizeof meta);
	meta.title = a->title ? a->title : a->file;
	meta.pid = "test";
	meta.start_ms = run_now_ms(NULL);
	meta.bitrate_kbps = a->rate_kbps;
	if (ops->open(inst, &meta, &err) != PLAYOUT_OK) {
		fprintf(stderr, "run_output: open: %s\n", err.msg);
		return -1;
	}
	if (ops->start && ops->start(inst, &meta, &err) != PLAYOUT_OK) {
		fprintf(stderr, "run_output: start: %s\n", err.msg);
		rc = -1;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (off = 0, i = 0; off < len; off += RUN_CHUNK, i++) {
		size_t n = len - off < RUN_CHUNK ? len - off : RUN_CHUNK;
		if (chunk_s > 0)
			run_sleep_until(&t0, (double)i * chunk_s);
		if (ops->write(inst, data + off, n, &err) != PLAYOUT_OK) {
			fprintf(stderr, "run_output: write at byte %zu: %s\n", off, err.msg);
			rc = -1;
			goto out;
		}
	}
	/* let the last chunk play out in real time before disconnecting */
	if (chunk_s > 0)
		run_sleep_until(&t0, (double)len * 8.0 / (a->rate_kbps * 1000.0));
	if (ops->stop && ops->stop(inst, &err) != PLAYOUT_OK) {
		fprintf(stderr, "run_output: stop: %s\n", err.msg);
		rc = -1;
	}
out:
	ops->close(inst);
	return rc;
}

int main(int argc, char **argv)
{
	struct run_args a;
	struct playout_host host;
	struct playout_error err = { 0, "" };
	const struct playout_plugin *pl;
	lt_dlhandle h = NULL;
	int i;
	struct po_test_conf tc = { 0 };
	char label[128];
	uint8_t *data = NULL;
	size_t len = 0;
	void *inst = NULL;
	int status = 1;

	if (run_parse_args(argc, argv, &a) != 0) {
		fprintf(stderr, "usage: run_output MODULE.la 'libconfig group text' FILE.mp3 "
				"[--rate-kbps N] [--title TEXT] [--name NAME] [--repeat N]\n");
		return 2;
	}
	if (run_read_file(a.file, &data, &len) != 0)
		return 1;
	if (lt_dlinit() != 0) {
		fprintf(stderr, "run_output: lt_dlinit: %s\n", lt_dlerror());
		goto out_lt;
	}
	h = lt_dlopenext(a.module);
	if (!h) {
		fprintf(stderr, "run_output: load %s: %s\n", a.module, lt_dlerror());
		goto out_lt;
	}
	pl = (const struct playout_plugin *)lt_dlsym(h, "playout_plugin");
	if (!pl) {
		fprintf(stderr, "run_output: %s: no playout_plugin symbol: %s\n", a.module,
			lt_dlerror());
		goto out_lt;
	}
	if (pl->abi_major != PLAYOUT_ABI_MAJOR || pl->kind != PLAYOUT_KIND_OUTPUT ||
	    !pl->ops.output) {
		fprintf(stderr, "run_output: %s: contract %d (want %d), kind %d (want output %d)\n",
			a.module, pl->abi_major, PLAYOUT_ABI_MAJOR, pl->kind, PLAYOUT_KIND_OUTPUT);
		goto out_lt;
	}
	snprintf(label, sizeof label, "%s:%s", pl->name, a.name);
	memset(&host, 0, sizeof host);
	host.size = sizeof host;
	host.abi_major = PLAYOUT_ABI_MAJOR;
	host.abi_minor = PLAYOUT_ABI_MINOR;
	host.instance = label;
	host.timezone = "UTC";
	host.cache_dir = "/tmp";
	host.config_file = "(command line)";
	host.log = run_log;
	host.now_ms = run_now_ms;
	host.secret = run_secret;
	host.http = run_http;
	if (po_http_global_init(&err) != PLAYOUT_OK) {
		fprintf(stderr, "run_output: %s\n", err.msg);
		goto out_lt;
	}
	/* through the core's validation, as playoutd would: defaults filled in */
	if (po_test_plugin_create(&tc, pl, a.group, &host, &inst, &err) != PLAYOUT_OK) {
		fprintf(stderr, "run_output: create: %s\n", err.msg);
		goto out_lt;
	}
	status = 0;
	for (i = 0; i < a.repeat && status == 0; i++) {
		if (run_play(pl->ops.output, inst, &a, data, len) == 0)
			fprintf(stderr, "run_output: %s: sent %zu bytes\n", label, len);
		else
			status = 1;
	}
	pl->destroy(inst);
	po_http_global_cleanup();
out_lt:
	/* no lt_dlclose/lt_dlexit: the module stays mapped (and reachable from
	 * libltdl) until exit, so a leak report can still name its frames */
	po_test_conf_free(&tc);
	free(data);
	return status;
}
