/*
 * The growable buffer of <playout/util.h>: appends, formatted text and
 * percent-encoding. Not for parsing anything.
 */
#include <playout/util.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_FIRST_CAP 256

void playout_buf_init(struct playout_buf *b)
{
	b->p = NULL;
	b->n = b->cap = 0;
}

/* Room for want more bytes and the NUL; doubling keeps appends amortised
 * O(1) without overflowing: a size near SIZE_MAX fails instead. */
static int buf_reserve(struct playout_buf *b, size_t want)
{
	if (want > SIZE_MAX - b->n - 1)
		return PLAYOUT_ENOMEM;
	size_t need = b->n + want + 1;
	if (need <= b->cap)
		return PLAYOUT_OK;
	size_t cap = b->cap ? b->cap : BUF_FIRST_CAP;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	char *p = realloc(b->p, cap);
	if (!p)
		return PLAYOUT_ENOMEM;
	b->p = p;
	b->cap = cap;
	return PLAYOUT_OK;
}

int playout_buf_reserve(struct playout_buf *b, size_t n)
{
	return buf_reserve(b, n);
}

int playout_buf_add(struct playout_buf *b, const void *s, size_t n)
{
	if (buf_reserve(b, n) != PLAYOUT_OK)
		return PLAYOUT_ENOMEM;
	if (n)
		memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
	return PLAYOUT_OK;
}

int playout_buf_str(struct playout_buf *b, const char *s)
{
	return playout_buf_add(b, s, strlen(s));
}

int playout_buf_vprintf(struct playout_buf *b, const char *fmt, va_list ap)
{
	va_list again;
	va_copy(again, ap);
	int len = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (len < 0 || buf_reserve(b, (size_t)len) != PLAYOUT_OK)
		return PLAYOUT_ENOMEM;
	vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
	b->n += (size_t)len;
	return PLAYOUT_OK;
}

int playout_buf_printf(struct playout_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = playout_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

/* RFC 3986 section 2.3, without the locale isalnum would consult. */
static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

static int buf_pct_keep(struct playout_buf *b, const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t before = b->n;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		char e[3] = { (char)*c, 0, 0 };
		size_t len = 1;
		if (!unreserved(*c) && !(keep_slash && *c == '/')) {
			e[0] = '%';
			e[1] = hex[*c >> 4];
			e[2] = hex[*c & 15];
			len = 3;
		}
		if (playout_buf_add(b, e, len) != PLAYOUT_OK) {
			b->n = before; /* as it was: the doc promises it */
			if (b->p)
				b->p[b->n] = '\0';
			return PLAYOUT_ENOMEM;
		}
	}
	return PLAYOUT_OK;
}

int playout_buf_pct(struct playout_buf *b, const char *s)
{
	return buf_pct_keep(b, s, 0);
}

int playout_buf_pct_path(struct playout_buf *b, const char *s)
{
	return buf_pct_keep(b, s, 1);
}

int playout_buf_param(struct playout_buf *b, int first, const char *key, const char *value)
{
	size_t before = b->n;
	if ((!first && playout_buf_add(b, "&", 1)) || playout_buf_str(b, key) ||
	    playout_buf_add(b, "=", 1) || playout_buf_pct(b, value)) {
		b->n = before;
		if (b->p)
			b->p[b->n] = '\0';
		return PLAYOUT_ENOMEM;
	}
	return PLAYOUT_OK;
}

void playout_buf_free(struct playout_buf *b)
{
	if (!b)
		return;
	free(b->p);
	playout_buf_init(b);
}
