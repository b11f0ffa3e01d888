/*
 * The gcal plugin's growable text buffer: URLs, forms, plain text. Not for
 * binary data. Internal to the plugin.
 */
#include "gcal_buf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int gcal_buf_add(struct gcal_buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return PLAYOUT_ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
	return PLAYOUT_OK;
}

int gcal_buf_str(struct gcal_buf *b, const char *s)
{
	return gcal_buf_add(b, s, strlen(s));
}

/* Percent-encode everything but RFC 3986 unreserved characters. */
int gcal_buf_pct(struct gcal_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		char e[3];
		if (isalnum(*c) || *c == '-' || *c == '.' || *c == '_' || *c == '~') {
			if (gcal_buf_add(b, (const char *)c, 1) != PLAYOUT_OK)
				return PLAYOUT_ENOMEM;
			continue;
		}
		e[0] = '%';
		e[1] = hex[*c >> 4];
		e[2] = hex[*c & 15];
		if (gcal_buf_add(b, e, 3) != PLAYOUT_OK)
			return PLAYOUT_ENOMEM;
	}
	return PLAYOUT_OK;
}

/* "&key=value" (or without '&' when first), the value percent-encoded. */
int gcal_buf_param(struct gcal_buf *b, int first, const char *key, const char *value)
{
	if (gcal_buf_str(b, first ? "" : "&") || gcal_buf_str(b, key) || gcal_buf_str(b, "=") ||
	    gcal_buf_pct(b, value))
		return PLAYOUT_ENOMEM;
	return PLAYOUT_OK;
}
