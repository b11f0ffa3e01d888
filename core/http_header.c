/*
 * Reading one header out of a block of "Name: value" lines (http.h). Built
 * into both the core and the network module: callers of either side read
 * the headers an exchange returned.
 */
#include "http.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

int po_http_header(const char *block, const char *name, char *out, size_t n)
{
	size_t len = strlen(name);
	if (n)
		out[0] = '\0';
	for (const char *line = block; line && *line;) {
		const char *eol = strchr(line, '\n');
		size_t ll = eol ? (size_t)(eol - line) : strlen(line);
		if (ll > len && strncasecmp(line, name, len) == 0 && line[len] == ':') {
			const char *v = line + len + 1;
			const char *end = line + ll;
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			while (end > v && isspace((unsigned char)end[-1]))
				end--;
			if (n) {
				size_t k = (size_t)(end - v) < n - 1 ? (size_t)(end - v) : n - 1;
				memcpy(out, v, k);
				out[k] = '\0';
			}
			return 1;
		}
		line = eol ? eol + 1 : NULL;
	}
	return 0;
}
