/*
 * csv: a schedule read from an RFC 4180 CSV file, re-read on every fetch.
 * Two shapes: the station's headerless "start","end","pid","file","title"
 * with ISO 8601 offsets, or a header row naming the columns with
 * station-local times. This file reads the file and is the plugin; the text
 * is parsed by csv_parse.c.
 */
#include <playout/plugin.h>

#include "csv_parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CSV_MAX_BYTES (8 * 1024 * 1024) /* a year of hourly slots is ~1 MiB */

struct csv_inst {
	const struct playout_host *host;
	char *path;
};

/* Read path whole into a malloc'd buffer with one spare byte. */
static int csv_slurp(const struct csv_inst *ci, char **buf, size_t *len, struct playout_error *err)
{
	int rc;
	struct stat st;
	char *b = NULL;
	size_t n = 0;
	int fd = open(ci->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return playout_error_set(err, PLAYOUT_EUNAVAIL, "cannot open schedule %s: %s",
					 ci->path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		rc = playout_error_set(err, PLAYOUT_EUNAVAIL, "cannot stat schedule %s: %s",
				       ci->path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = playout_error_set(err, PLAYOUT_EUNAVAIL, "schedule %s is not a regular file",
				       ci->path);
		goto out;
	}
	if (st.st_size > CSV_MAX_BYTES) {
		rc = playout_error_set(err, PLAYOUT_EINVAL,
				       "schedule %s is %lld bytes, more than the %d allowed",
				       ci->path, (long long)st.st_size, CSV_MAX_BYTES);
		goto out;
	}
	for (size_t cap = 0;;) {
		/* read to EOF: the file may grow between fstat and here */
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : (size_t)st.st_size + 4096;
			if (ncap > CSV_MAX_BYTES + 1)
				ncap = CSV_MAX_BYTES + 1;
			char *nb = realloc(b, ncap + 1); /* + the parser's spare byte */
			if (!nb) {
				rc = playout_error_set(err, PLAYOUT_ENOMEM, "schedule %s: out of memory",
						       ci->path);
				goto out;
			}
			b = nb;
			cap = ncap;
		}
		ssize_t got = read(fd, b + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = playout_error_set(err, PLAYOUT_EUNAVAIL, "cannot read schedule %s: %s",
					       ci->path, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > CSV_MAX_BYTES) {
			rc = playout_error_set(err, PLAYOUT_EINVAL,
					       "schedule %s grew past the %d bytes allowed",
					       ci->path, CSV_MAX_BYTES);
			goto out;
		}
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
	rc = PLAYOUT_OK;
out:
	free(b);
	close(fd);
	return rc;
}

static int csv_fetch(void *inst, int64_t from_ms, int64_t to_ms, struct playout_slots *out,
		     struct playout_error *err)
{
	struct csv_inst *ci = inst;
	struct csv_src src = { .host = ci->host, .path = ci->path };
	struct csv_rows rows = { 0 };
	char *buf = NULL;
	size_t len = 0;
	int rc = csv_slurp(ci, &buf, &len, err);

	if (rc != PLAYOUT_OK)
		return rc;
	rc = csv_parse(&src, buf, len, &rows, err);
	if (rc == PLAYOUT_OK)
		rc = csv_rows_slots(&src, &rows, from_ms, to_ms, out, err);
	csv_rows_free(&rows);
	free(buf);
	return rc;
}

/* ---- instance -------------------------------------------------------------- */

static int csv_create(const config_setting_t *conf, const struct playout_host *host,
		      void **instance, struct playout_error *err)
{
	const char *path = playout_conf_str(conf, "path"); /* required: the core checked it */
	struct csv_inst *ci = calloc(1, sizeof *ci);
	if (!ci)
		return playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
	ci->host = host;
	ci->path = strdup(path);
	if (!ci->path) {
		free(ci);
		return playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
	}
	*instance = ci;
	return PLAYOUT_OK;
}

static void csv_destroy(void *instance)
{
	struct csv_inst *ci = instance;

	if (!ci)
		return;
	free(ci->path);
	free(ci);
}

static const struct playout_setting csv_settings[] = {
	{ .name = "path", .type = PLAYOUT_SET_STRING, .required = 1,
	  .help = "schedule CSV file, re-read on every fetch" },
	{ .name = NULL },
};

static const struct playout_schedule_ops csv_ops = {
	.size = sizeof(struct playout_schedule_ops),
	.fetch = csv_fetch,
};

extern const struct playout_plugin playout_plugin;
const struct playout_plugin playout_plugin = {
	PLAYOUT_PLUGIN_HEAD,
	.name = "csv",
	.kind = PLAYOUT_KIND_SCHEDULE,
	.description = "schedule from a CSV file (station format or a header row)",
	.settings = csv_settings,
	.create = csv_create,
	.destroy = csv_destroy,
	.ops.schedule = &csv_ops,
};
