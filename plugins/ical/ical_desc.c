/*
 * PID: and TYPE: from an event description (ical_desc.h): the HTML some
 * calendars write there is reduced to text first, so "<b>PID:</b> abc"
 * reads "PID: abc". The same reading as plugins/gcal/gcal_event.c.
 */
#include "ical_desc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct ical_text {
	char *p;
	size_t n, cap;
};

static int ical_text_add(struct ical_text *b, const char *s, size_t n)
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

struct ical_entity {
	const char *name;
	const char *text;
};

static const struct ical_entity ical_entities[] = {
	{ "nbsp", " " }, { "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" },
	{ "apos", "'" }, { "#39", "'" }, { "ensp", " " }, { "emsp", " " }, { "thinsp", " " },
	{ NULL, NULL },
};

/* Tags that separate words; other tags (b, i, span, a...) vanish. */
static int ical_tag_breaks(const char *name, size_t n)
{
	static const char *const breaks[] = { "br", "p", "div", "li", "ul", "ol", "tr", "td",
					       "th", "table", "h1", "h2", "h3", "h4", "hr", NULL };
	for (size_t i = 0; breaks[i]; i++)
		if (strlen(breaks[i]) == n && strncasecmp(breaks[i], name, n) == 0)
			return 1;
	return 0;
}

/* The text of html: tags stripped, common entities decoded. Linear in the
 * input whatever it holds ("<a<a<a...", "&&&..."). */
static char *ical_plain_text(const char *html)
{
	struct ical_text b = { 0 };
	const char *p = html;
	const char *gt = strchr(html, '>'); /* first '>' at or after p, or NULL */

	if (ical_text_add(&b, "", 0))
		return NULL;
	while (*p) {
		int rc = PLAYOUT_OK;
		if (*p == '<') {
			const char *q = p + 1;
			if (*q == '/')
				q++;
			const char *name = q;
			while (isalnum((unsigned char)*q))
				q++;
			size_t nlen = (size_t)(q - name);
			if (gt && gt < p)
				gt = strchr(p, '>');
			if (nlen > 0 && gt) {
				if (ical_tag_breaks(name, nlen))
					rc = ical_text_add(&b, " ", 1);
				p = gt + 1;
			} else {
				rc = ical_text_add(&b, p++, 1);
			}
		} else if (*p == '&') {
			const char *semi = memchr(p, ';', strnlen(p, 11));
			int done = 0;
			if (semi) {
				size_t n = (size_t)(semi - p - 1);
				for (size_t i = 0; ical_entities[i].name && !done; i++) {
					if (strlen(ical_entities[i].name) == n &&
					    strncasecmp(ical_entities[i].name, p + 1, n) == 0) {
						rc = ical_text_add(&b, ical_entities[i].text,
								   strlen(ical_entities[i].text));
						done = 1;
					}
				}
				if (!done && p[1] == '#') {
					char *end;
					long v = (p[2] == 'x' || p[2] == 'X') ? strtol(p + 3, &end, 16)
									       : strtol(p + 2, &end, 10);
					if (end == semi && v > 0) {
						char ch = v < 0x80 && v >= 0x20 ? (char)v : ' ';
						rc = ical_text_add(&b, &ch, 1);
						done = 1;
					}
				}
			}
			if (done)
				p = semi + 1;
			else
				rc = ical_text_add(&b, p++, 1);
		} else if ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0) {
			rc = ical_text_add(&b, " ", 1); /* U+00A0 */
			p += 2;
		} else {
			rc = ical_text_add(&b, p++, 1);
		}
		if (rc != PLAYOUT_OK) {
			free(b.p);
			return NULL;
		}
	}
	return b.p;
}

static int ical_pid_char(int c)
{
	return isalnum(c) || c == '_' || c == '-';
}

/* "KEY:value" (key case-insensitive, blanks around ':'): value is the run
 * of [A-Za-z0-9_-] after it, copied (cut to n-1), *len its full length.
 * 1 when found, else 0. */
static int ical_find_key(const char *text, const char *key, char *value, size_t n, size_t *len)
{
	size_t klen = strlen(key);
	for (const char *p = text; *p; p++) {
		if (strncasecmp(p, key, klen) != 0)
			continue;
		if (p > text && ical_pid_char((unsigned char)p[-1]))
			continue;
		const char *q = p + klen;
		while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
			q++;
		if (*q != ':')
			continue;
		q++;
		while (*q == ' ' || *q == '\t')
			q++;
		size_t l = 0;
		while (ical_pid_char((unsigned char)q[l]))
			l++;
		if (l == 0)
			continue;
		*len = l;
		size_t c = l < n - 1 ? l : n - 1;
		memcpy(value, q, c);
		value[c] = '\0';
		return 1;
	}
	return 0;
}

int ical_desc_read(const char *desc, char pid[PLAYOUT_PID_MAX], int *type, char *why,
		   size_t why_n)
{
	char word[32];
	size_t len = 0;
	char *text = ical_plain_text(desc ? desc : "");
	int rc = ICAL_DESC_OK;

	if (!text)
		return PLAYOUT_ENOMEM;
	*type = PLAYOUT_SLOT_RECORDED;
	if (!ical_find_key(text, "pid", pid, PLAYOUT_PID_MAX, &len)) {
		snprintf(why, why_n, "no PID:<pid> in the description");
		rc = ICAL_DESC_BAD;
	} else if (len >= PLAYOUT_PID_MAX) {
		snprintf(why, why_n, "PID longer than %d characters (%.60s)", PLAYOUT_PID_MAX - 1,
			 pid);
		rc = ICAL_DESC_BAD;
	} else if (ical_find_key(text, "type", word, sizeof word, &len)) {
		if (strcasecmp(word, "LIVE") == 0) {
			*type = PLAYOUT_SLOT_LIVE;
		} else if (strcasecmp(word, "RECORDED") != 0) {
			snprintf(why, why_n, "TYPE is neither RECORDED nor LIVE (%.30s)", word);
			rc = ICAL_DESC_BAD;
		}
	}
	free(text);
	return rc;
}
