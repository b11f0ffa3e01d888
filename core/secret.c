/*
 * How a secret reference in the config (literal, file:, env:, ssm:) becomes
 * the secret's value, without the value ever reaching a message; the cache
 * at the end keeps those values in memory between SIGHUPs.
 */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <playout/util.h>

#define SECRET_FILE_MAX (64 * 1024)

static const char *const schemes[] = {"file:", "env:", "ssm:"};

int po_secret_is_literal(const char *ref)
{
	if (!ref)
		return 0;
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (strncmp(ref, schemes[i], strlen(schemes[i])) == 0)
			return 0;
	return 1;
}

static void (*free_observer)(const char *value, size_t len);

void po_secret_observe_free(void (*fn)(const char *value, size_t len))
{
	free_observer = fn;
}

void po_secret_free(char *value)
{
	if (!value)
		return;
	size_t len = strlen(value);
	explicit_bzero(value, len);
	if (free_observer)
		free_observer(value, len);
	free(value);
}

static int dup_value(const char *ref, const char *src, size_t len, char **value,
		     struct playout_error *err)
{
	char *v = malloc(len + 1);
	if (!v)
		return playout_error_set(err, PLAYOUT_ENOMEM, "secret %s: out of memory", ref);
	memcpy(v, src, len);
	v[len] = '\0';
	*value = v;
	return PLAYOUT_OK;
}

/* Length of the first line of buf[0..n), without its "\n" or "\r\n". */
static size_t first_line(const char *buf, size_t n)
{
	const char *nl = memchr(buf, '\n', n);
	size_t len = nl ? (size_t)(nl - buf) : n;
	while (len > 0 && (buf[len - 1] == '\r' || buf[len - 1] == '\n'))
		len--;
	return len;
}

static int resolve_file(const char *ref, const char *path, char **value,
			struct playout_error *err)
{
	if (!*path)
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "secret \"%s\": no path after \"file:\"", ref);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		return playout_error_set(err, e == ENOENT ? PLAYOUT_ENOTFOUND : PLAYOUT_EIO,
					 "secret file %s: %s", path, strerror(e));
	}
	char *buf = malloc(SECRET_FILE_MAX);
	if (!buf) {
		close(fd);
		return playout_error_set(err, PLAYOUT_ENOMEM, "secret file %s: out of memory",
					 path);
	}
	size_t n = 0;
	int rc = PLAYOUT_OK;
	while (n < SECRET_FILE_MAX) {
		ssize_t r = read(fd, buf + n, SECRET_FILE_MAX - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = playout_error_set(err, PLAYOUT_EIO, "secret file %s: read: %s", path,
					       strerror(errno));
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (memchr(buf + n - (size_t)r, '\n', (size_t)r))
			break; /* only the first line matters */
	}
	close(fd);
	if (rc == PLAYOUT_OK) {
		size_t len = first_line(buf, n);
		if (!memchr(buf, '\n', n) && n == SECRET_FILE_MAX)
			rc = playout_error_set(err, PLAYOUT_ECONFIG,
					       "secret file %s: first line longer than %d bytes",
					       path, SECRET_FILE_MAX);
		else if (len == 0)
			rc = playout_error_set(err, PLAYOUT_ECONFIG,
					       "secret file %s: first line is empty", path);
		else if (memchr(buf, '\0', len))
			rc = playout_error_set(err, PLAYOUT_ECONFIG,
					       "secret file %s: contains a NUL byte", path);
		else
			rc = dup_value(ref, buf, len, value, err);
	}
	explicit_bzero(buf, SECRET_FILE_MAX);
	free(buf);
	return rc;
}

static int resolve_env(const char *ref, const char *name, char **value,
		       struct playout_error *err)
{
	if (!*name)
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "secret \"%s\": no variable name after \"env:\"", ref);
	const char *v = getenv(name);
	if (!v)
		return playout_error_set(err, PLAYOUT_ENOTFOUND,
					 "secret %s: environment variable %s is not set", ref, name);
	if (!*v)
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "secret %s: environment variable %s is empty", ref, name);
	return dup_value(ref, v, strlen(v), value, err);
}

int po_secret_resolve(const char *ref, char **value, struct playout_error *err)
{
	if (!ref || !value)
		return playout_error_set(err, PLAYOUT_EINVAL, "secret: no reference given");
	*value = NULL;
	if (strncmp(ref, "file:", 5) == 0)
		return resolve_file(ref, ref + 5, value, err);
	if (strncmp(ref, "env:", 4) == 0)
		return resolve_env(ref, ref + 4, value, err);
	if (strncmp(ref, "ssm:", 4) == 0)
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "secret %s: ssm: secrets need the AWS support of the host secret service",
					 ref);
	/* A literal: its text is the value and is never echoed in messages. */
	return dup_value("(literal)", ref, strlen(ref), value, err);
}

/* The value and a newline: po_secret_resolve reads the first line back. */
static int fill_line(int fd, void *arg)
{
	const char *value = arg;
	if (playout_write_all(fd, value, strlen(value)) < 0)
		return -1;
	return playout_write_all(fd, "\n", 1);
}

int po_secret_store_file(const char *path, const char *value, struct playout_error *err)
{
	if (!path || !*path || !value)
		return playout_error_set(err, PLAYOUT_EINVAL, "secret file: no path or value");
	struct playout_error e = { 0 };
	if (playout_file_replace_with(path, 0600, fill_line, (void *)value, &e) < 0)
		return playout_error_set(err, e.code, "secret file %s", e.msg);
	return PLAYOUT_OK;
}
