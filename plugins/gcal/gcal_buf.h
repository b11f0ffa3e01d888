/*
 * The gcal plugin's growable text buffer (gcal_buf.c). Internal to the
 * plugin: not exported from the module.
 */
#ifndef GCAL_BUF_H
#define GCAL_BUF_H

#include <stddef.h>

#include <playout/plugin.h>

/* Zero-initialise; p is always NUL-terminated once anything was added.
 * The owner frees p with free(). */
struct gcal_buf {
	char *p;
	size_t n, cap;
};

/* Append n bytes of s; PLAYOUT_OK or PLAYOUT_ENOMEM (b unchanged). */
int gcal_buf_add(struct gcal_buf *b, const char *s, size_t n);
int gcal_buf_str(struct gcal_buf *b, const char *s);
/* Append s percent-encoded (all but RFC 3986 unreserved characters). */
int gcal_buf_pct(struct gcal_buf *b, const char *s);
/* Append "&key=value" (no '&' when first), the value percent-encoded. */
int gcal_buf_param(struct gcal_buf *b, int first, const char *key, const char *value);

#endif
