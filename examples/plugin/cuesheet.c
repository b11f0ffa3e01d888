/*
 * cuesheet: an output plugin built out of tree against the installed SDK
 * (pkg-config playout-plugin). It sends no audio anywhere; it appends one
 * line per programme to a text file, the log a station keeps for royalty
 * returns:
 *
 *   2026-03-29T00:59:00Z alpha 64000 "Alpha Show"
 *
 * (scheduled start in UTC, programme id, bytes sent, title). Add it beside
 * the real outputs:
 *
 *   outputs = ( { plugin = "icecast"; ... },
 *               { plugin = "cuesheet"; path = "/var/lib/playout/cuesheet.txt"; } );
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <playout/plugin.h>
#include <playout/util.h>

extern const struct playout_plugin playout_plugin;

struct cuesheet {
	const struct playout_host *host;
	char *path;
	int fd;            /* open while the output is connected */
	int in_item;       /* start called, stop not yet */
	char when[40];     /* the current item: scheduled start, UTC */
	char pid[64];      /* its programme id */
	char title[256];   /* its title */
	uint64_t bytes;    /* bytes sent for it so far */
};

static const struct playout_setting cuesheet_settings[] = {
	{ .name = "path", .type = PLAYOUT_SET_STRING, .required = 1,
	  .help = "text file one line per programme is appended to" },
	{ .name = NULL },
};

static int cuesheet_create(const config_setting_t *conf, const struct playout_host *host,
			   void **instance, struct playout_error *err)
{
	const char *path = playout_conf_str(conf, "path"); /* required: checked by the core */
	struct cuesheet *c = calloc(1, sizeof *c);

	if (!c || !(c->path = strdup(path))) {
		free(c);
		return playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
	}
	c->host = host;
	c->fd = -1;
	*instance = c;
	return PLAYOUT_OK;
}

static int cuesheet_start(void *inst, const struct playout_item_meta *meta,
			  struct playout_error *err)
{
	struct cuesheet *c = inst;
	(void)err;
	playout_time_format(meta->start_ms, c->when, sizeof c->when);
	playout_utf8_copy(c->pid, sizeof c->pid, meta->pid && *meta->pid ? meta->pid : "-");
	playout_utf8_copy(c->title, sizeof c->title, meta->title ? meta->title : "");
	c->bytes = 0;
	c->in_item = 1;
	return PLAYOUT_OK;
}

static int cuesheet_stop(void *inst, struct playout_error *err)
{
	struct cuesheet *c = inst;
	char out[512];
	int n;

	if (!c->in_item || c->fd < 0)
		return PLAYOUT_OK;
	c->in_item = 0;
	n = snprintf(out, sizeof out, "%s %s %llu \"%s\"\n", c->when, c->pid,
		     (unsigned long long)c->bytes, c->title);
	if (n < 0 || (size_t)n >= sizeof out)
		n = (int)sizeof out - 1;
	if (playout_write_all(c->fd, out, (size_t)n) < 0)
		return playout_error_set(err, PLAYOUT_EIO, "write %s: %s", c->path, strerror(errno));
	return PLAYOUT_OK;
}

/* The core calls start for every item, the first one too, after open. */
static int cuesheet_open(void *inst, const struct playout_item_meta *first,
			 struct playout_error *err)
{
	struct cuesheet *c = inst;

	(void)first;
	if (c->fd >= 0)
		return PLAYOUT_OK;
	c->fd = open(c->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (c->fd < 0)
		return playout_error_set(err, PLAYOUT_EIO, "open %s: %s", c->path, strerror(errno));
	return PLAYOUT_OK;
}

static int cuesheet_write(void *inst, const uint8_t *buf, size_t len,
			  struct playout_error *err)
{
	struct cuesheet *c = inst;

	(void)buf;
	(void)err;
	c->bytes += len;
	return PLAYOUT_OK;
}

static void cuesheet_close(void *inst)
{
	struct cuesheet *c = inst;
	struct playout_error e = { 0 };

	if (cuesheet_stop(c, &e) < 0)
		c->host->log(c->host, PLAYOUT_LOG_WARN, "%s", e.msg);
	if (c->fd >= 0 && close(c->fd) != 0)
		c->host->log(c->host, PLAYOUT_LOG_WARN, "close %s: %s", c->path, strerror(errno));
	c->fd = -1;
}

static void cuesheet_destroy(void *inst)
{
	struct cuesheet *c = inst;

	if (!c)
		return;
	cuesheet_close(c);
	free(c->path);
	free(c);
}

static const struct playout_output_ops cuesheet_ops = {
	.size = sizeof(struct playout_output_ops),
	.open = cuesheet_open,
	.start = cuesheet_start,
	.write = cuesheet_write,
	.stop = cuesheet_stop,
	.close = cuesheet_close,
};

const struct playout_plugin playout_plugin = {
	PLAYOUT_PLUGIN_HEAD,
	.name = "cuesheet",
	.kind = PLAYOUT_KIND_OUTPUT,
	.description = "appends one line per programme to a text file (an out-of-tree example)",
	.settings = cuesheet_settings,
	.create = cuesheet_create,
	.destroy = cuesheet_destroy,
	.ops.output = &cuesheet_ops,
};
