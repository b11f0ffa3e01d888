/*
 * Path redaction for text the status server shows (redact.h).
 */
#include "redact.h"

#include <string.h>

static int path_starts_after(char c)
{
	return c == ' ' || c == '\t' || strchr("([<=:'\",", c) != NULL;
}

static int path_ends_at(char c)
{
	return c == '\0' || c == ' ' || c == '\t' || c == '\n' || strchr(")]>'\",;:", c) != NULL;
}

/* Append len bytes of s to out (used of n), cutting at n - 1. */
static void put(char *out, size_t n, size_t *used, const char *s, size_t len)
{
	if (*used + 1 >= n)
		return;
	if (len > n - 1 - *used)
		len = n - 1 - *used;
	memcpy(out + *used, s, len);
	*used += len;
	out[*used] = '\0';
}

void po_redact_paths(const char *in, char *out, size_t n)
{
	size_t used = 0;
	if (!n)
		return;
	out[0] = '\0';
	for (size_t i = 0; in[i];) {
		int url = in[i] == '/' && i > 0 && in[i - 1] == ':' && in[i + 1] == '/';
		if (in[i] != '/' || (i > 0 && !path_starts_after(in[i - 1])) || url) {
			/* a URL's "//host/path" is copied whole */
			size_t j = i + 1;
			if (url)
				while (!path_ends_at(in[j]))
					j++;
			put(out, n, &used, in + i, j - i);
			i = j;
			continue;
		}
		size_t j = i, slashes = 0, last = i;
		while (!path_ends_at(in[j])) {
			if (in[j] == '/' && in[j + 1] && !path_ends_at(in[j + 1])) {
				slashes++;
				last = j;
			}
			j++;
		}
		if (slashes >= 2) {
			put(out, n, &used, "...", 3);
			put(out, n, &used, in + last, j - last);
		} else {
			put(out, n, &used, in + i, j - i);
		}
		i = j;
	}
}
