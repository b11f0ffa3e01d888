/*
 * Text helpers of <playout/util.h>: bounded appends, JSON string escaping
 * and copies that never cut a UTF-8 character in two.
 */
#include <playout/util.h>

#include <stdio.h>
#include <string.h>

void playout_str_appendf(char *dst, size_t n, const char *fmt, ...)
{
	size_t len = strnlen(dst, n);
	va_list ap;

	if (len + 1 >= n)
		return;
	va_start(ap, fmt);
	vsnprintf(dst + len, n - len, fmt, ap);
	va_end(ap);
}

int playout_json_escape(struct playout_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t before = b->n;
	int rc = playout_buf_add(b, "\"", 1);
	for (const unsigned char *c = (const unsigned char *)s; *c && rc == PLAYOUT_OK; c++) {
		char e[6] = { '\\', 0, 0, 0, 0, 0 };
		size_t len = 2;
		switch (*c) {
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		default:
			if (*c < 0x20 || *c == 0x7f) {
				memcpy(e + 1, "u00", 3);
				e[4] = hex[*c >> 4];
				e[5] = hex[*c & 15];
				len = 6;
			} else {
				e[0] = (char)*c;
				len = 1;
			}
		}
		rc = playout_buf_add(b, e, len);
	}
	if (rc == PLAYOUT_OK)
		rc = playout_buf_add(b, "\"", 1);
	if (rc != PLAYOUT_OK) {
		b->n = before;
		if (b->p)
			b->p[b->n] = '\0';
	}
	return rc;
}

size_t playout_utf8_cut(const char *s, size_t n)
{
	/* a continuation byte (10xxxxxx) at n belongs to a character that
	 * started before it: back up to that start and keep none of it */
	while (n > 0 && ((unsigned char)s[n] & 0xC0u) == 0x80u)
		n--;
	return n;
}

void playout_utf8_copy(char *dst, size_t n, const char *src)
{
	if (n == 0)
		return;
	size_t len = strnlen(src, n);
	if (len >= n)
		len = playout_utf8_cut(src, n - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}
