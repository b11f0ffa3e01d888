/*
 * How validation problems are collected as "file:line: error: ..." lines so
 * that every problem is reported before failing once.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void po_diag_init(struct po_diag *d)
{
	memset(d, 0, sizeof *d);
}

void po_diag_free(struct po_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msg[i]);
	free(d->msg);
	free(d->is_error);
	memset(d, 0, sizeof *d);
}

static int grow(struct po_diag *d)
{
	if (d->n < d->cap)
		return 0;
	size_t cap = d->cap ? d->cap * 2 : 8;
	char **msg = realloc(d->msg, cap * sizeof *msg);
	if (!msg)
		return -1;
	d->msg = msg;
	unsigned char *is_error = realloc(d->is_error, cap * sizeof *is_error);
	if (!is_error)
		return -1;
	d->is_error = is_error;
	d->cap = cap;
	return 0;
}

/* "file:line: error: " into buf (NULL, 0: only measure); snprintf's return. */
static int put_head(char *buf, size_t n, const char *where, int line, const char *kind)
{
	if (where && line > 0)
		return snprintf(buf, n, "%s:%d: %s: ", where, line, kind);
	if (where)
		return snprintf(buf, n, "%s: %s: ", where, kind);
	return snprintf(buf, n, "%s: ", kind);
}

static void add(struct po_diag *d, int is_error, const char *file,
		const config_setting_t *s, const char *fmt, va_list ap)
{
	const char *kind = is_error ? "error" : "warning";
	const char *where = NULL;
	int line = 0;
	if (s) {
		where = config_setting_source_file(s);
		line = (int)config_setting_source_line(s);
	}
	if (!where)
		where = file;

	/* The head holds a path of any length: measured, never cut. */
	int hlen = put_head(NULL, 0, where, line, kind);

	/* An error counts even when memory runs out, so the caller still fails. */
	if (is_error)
		d->nerrors++;

	va_list aq;
	va_copy(aq, ap);
	int body = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (hlen < 0 || body < 0 || grow(d) != 0)
		return;
	size_t size = (size_t)hlen + (size_t)body + 1;
	char *line_buf = malloc(size);
	if (!line_buf)
		return;
	put_head(line_buf, size, where, line, kind);
	vsnprintf(line_buf + hlen, (size_t)body + 1, fmt, ap);
	d->msg[d->n] = line_buf;
	d->is_error[d->n] = (unsigned char)is_error;
	d->n++;
}

void po_diag_error(struct po_diag *d, const char *file, const config_setting_t *s,
		   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add(d, 1, file, s, fmt, ap);
	va_end(ap);
}

void po_diag_warn(struct po_diag *d, const char *file, const config_setting_t *s,
		  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add(d, 0, file, s, fmt, ap);
	va_end(ap);
}

void po_diag_log(const struct po_diag *d, const char *src)
{
	for (size_t i = 0; i < d->n; i++)
		po_log(d->is_error[i] ? PLAYOUT_LOG_ERROR : PLAYOUT_LOG_WARN, src, "%s",
		       d->msg[i]);
}
