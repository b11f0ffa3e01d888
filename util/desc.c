/*
 * The PID: and TYPE: tags of a calendar event's description (plain text or
 * the HTML calendars write), for every schedule plugin that reads events.
 * Not for the event's times or title: each plugin reads its own format.
 */
#include <playout/util.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct entity {
	const char *name;
	const char *text;
};

static const struct entity entities[] = {
	{ "nbsp", " " }, { "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" },
	{ "apos", "'" }, { "#39", "'" }, { "ensp", " " }, { "emsp", " " }, { "thinsp", " " },
	{ NULL, NULL },
};

static int is_alnum(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int pid_char(unsigned char c)
{
	return is_alnum(c) || c == '_' || c == '-';
}

/* Tags that separate words; other tags (b, i, span, a, ...) vanish so that
 * "<b>PID:</b>abc" reads "PID:abc". */
static int tag_breaks(const char *name, size_t n)
{
	static const char *const breaks[] = { "br", "p", "div", "li", "ul", "ol", "tr", "td",
					       "th", "table", "h1", "h2", "h3", "h4", "hr", NULL };
	for (size_t i = 0; breaks[i]; i++)
		if (strlen(breaks[i]) == n && strncasecmp(breaks[i], name, n) == 0)
			return 1;
	return 0;
}

/* At '&' (p): the entity's text added and its length, or 0 when p starts
 * none. An entity is at most 10 bytes: "&&&..." stays linear. */
static size_t entity(struct playout_buf *b, const char *p, int *rc)
{
	const char *semi = memchr(p, ';', strnlen(p, 11));
	if (!semi || semi - p > 10)
		return 0;
	size_t n = (size_t)(semi - p - 1);
	for (size_t i = 0; entities[i].name; i++)
		if (strlen(entities[i].name) == n && strncasecmp(entities[i].name, p + 1, n) == 0) {
			*rc = playout_buf_str(b, entities[i].text);
			return n + 2;
		}
	if (p[1] != '#')
		return 0;
	char *end;
	long v = (p[2] == 'x' || p[2] == 'X') ? strtol(p + 3, &end, 16) : strtol(p + 2, &end, 10);
	if (end != semi || v <= 0)
		return 0;
	char ch = v < 0x80 && v >= 0x20 ? (char)v : ' '; /* only ASCII can make a tag */
	*rc = playout_buf_add(b, &ch, 1);
	return n + 2;
}

/* The description as plain text (caller frees): tags stripped, common
 * entities decoded, non-ASCII numeric entities and no-break spaces turned
 * into spaces. NULL when out of memory. */
static char *plain_text(const char *html)
{
	struct playout_buf b = { 0 };
	const char *p = html;
	/* The first '>' at or after p, or NULL when there is none: searched
	 * again only once p has passed it, so that "<a<a<a..." stays linear. */
	const char *gt = strchr(html, '>');

	if (playout_buf_str(&b, ""))
		return NULL;
	while (*p) {
		int rc = PLAYOUT_OK;
		size_t used;
		if (*p == '<') {
			const char *q = p + 1;
			if (*q == '/')
				q++;
			const char *name = q;
			while (is_alnum((unsigned char)*q))
				q++;
			size_t nlen = (size_t)(q - name);
			if (gt && gt < p)
				gt = strchr(p, '>');
			if (nlen > 0 && gt) {
				if (tag_breaks(name, nlen))
					rc = playout_buf_str(&b, " ");
				p = gt + 1;
			} else {
				rc = playout_buf_add(&b, p++, 1);
			}
		} else if (*p == '&' && (used = entity(&b, p, &rc)) > 0) {
			p += used;
		} else if ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0) {
			rc = playout_buf_str(&b, " "); /* U+00A0 written out */
			p += 2;
		} else {
			rc = playout_buf_add(&b, p++, 1);
		}
		if (rc != PLAYOUT_OK) {
			playout_buf_free(&b);
			return NULL;
		}
	}
	return b.p;
}

/* Find "KEY:value" in text; value is the run of [A-Za-z0-9_-] after it,
 * copied into value (n bytes, cut) with its full length in *len. */
static void find_key(const char *text, const char *key, char *value, size_t n, size_t *len)
{
	size_t klen = strlen(key);
	value[0] = '\0';
	*len = 0;
	for (const char *p = text; *p; p++) {
		if (strncasecmp(p, key, klen) != 0)
			continue;
		if (p > text && pid_char((unsigned char)p[-1]))
			continue; /* "XPID:" is not "PID:" */
		const char *q = p + klen;
		while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
			q++;
		if (*q != ':')
			continue;
		q++;
		while (*q == ' ' || *q == '\t')
			q++;
		size_t l = 0;
		while (pid_char((unsigned char)q[l]))
			l++;
		if (l == 0)
			continue;
		*len = l;
		size_t c = l < n - 1 ? l : n - 1;
		memcpy(value, q, c);
		value[c] = '\0';
		return;
	}
}

int playout_desc_tags(const char *desc, struct playout_desc *out)
{
	size_t type_len;
	char *text = plain_text(desc ? desc : "");
	memset(out, 0, sizeof *out);
	if (!text)
		return PLAYOUT_ENOMEM;
	find_key(text, "pid", out->pid, sizeof out->pid, &out->pid_len);
	find_key(text, "type", out->type, sizeof out->type, &type_len);
	free(text);
	return PLAYOUT_OK;
}
