/*
 * The file output: appends exactly the bytes the player sends to one file.
 * A do-nothing backend for dry runs and tests (what went "on air" can be
 * compared byte for byte with the source files).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <playout/plugin.h>
#include <playout/util.h>

extern const struct playout_plugin playout_plugin;

struct file_out {
	const struct playout_host *host;
	char *path;
	int truncate_pending; /* mode "truncate": cut the file on the first open */
	int fd;
};

static const char *const file_modes[] = { "append", "truncate", NULL };

static const struct playout_setting file_settings[] = {
	{ .name = "path", .type = PLAYOUT_SET_STRING, .required = 1,
	  .help = "file the stream is appended to" },
	{ .name = "mode", .type = PLAYOUT_SET_STRING, .choices = file_modes, .def = "append",
	  .help = "\"truncate\" empties the file when the daemon first opens it" },
	{ .name = NULL },
};

static int file_create(const config_setting_t *conf, const struct playout_host *host,
		       void **instance, struct playout_error *err)
{
	/* both checked by the core: path required, mode one of file_modes */
	const char *path = playout_conf_str(conf, "path"), *mode = playout_conf_str(conf, "mode");
	struct file_out *f;

	f = calloc(1, sizeof *f);
	if (!f || !(f->path = strdup(path))) {
		free(f);
		return playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
	}
	f->host = host;
	f->truncate_pending = strcmp(mode, "truncate") == 0;
	f->fd = -1;
	*instance = f;
	return PLAYOUT_OK;
}

static void file_close(void *inst)
{
	struct file_out *f = inst;

	if (f->fd >= 0) {
		if (close(f->fd) != 0)
			f->host->log(f->host, PLAYOUT_LOG_WARN, "close %s: %s", f->path,
				     strerror(errno));
		f->fd = -1;
	}
}

static void file_destroy(void *inst)
{
	struct file_out *f = inst;

	if (!f)
		return;
	file_close(f);
	free(f->path);
	free(f);
}

static int file_open(void *inst, const struct playout_item_meta *first,
		     struct playout_error *err)
{
	struct file_out *f = inst;
	int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
	struct stat st;

	(void)first;
	if (f->fd >= 0)
		return PLAYOUT_OK;
	if (stat(f->path, &st) == 0 && S_ISDIR(st.st_mode))
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "open %s: is a directory (path must name a file)", f->path);
	if (f->truncate_pending)
		flags |= O_TRUNC;
	f->fd = open(f->path, flags, 0644);
	if (f->fd < 0)
		return playout_error_set(err, PLAYOUT_EIO, "open %s: %s", f->path, strerror(errno));
	f->truncate_pending = 0;
	return PLAYOUT_OK;
}

static int file_write(void *inst, const uint8_t *buf, size_t len,
		      struct playout_error *err)
{
	struct file_out *f = inst;

	if (f->fd < 0)
		return playout_error_set(err, PLAYOUT_EINVAL, "write before open");
	if (playout_write_all(f->fd, buf, len) < 0)
		return playout_error_set(err, PLAYOUT_EIO, "write %s: %s", f->path, strerror(errno));
	return PLAYOUT_OK;
}

static const struct playout_output_ops file_ops = {
	.size = sizeof(struct playout_output_ops),
	.open = file_open,
	.write = file_write,
	.close = file_close,
};

const struct playout_plugin playout_plugin = {
	PLAYOUT_PLUGIN_HEAD,
	.name = "file",
	.kind = PLAYOUT_KIND_OUTPUT,
	.description = "writes the stream to a file (dry runs, tests)",
	.settings = file_settings,
	.create = file_create,
	.destroy = file_destroy,
	.ops.output = &file_ops,
};
