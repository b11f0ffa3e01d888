/*
 * One Google Calendar events.list item into a schedule slot: the times, and
 * the PID and TYPE read from the HTML description. Not for the paging or
 * the warnings: see gcal.c. Fuzzed by fuzz/fuzz_gcal.c.
 */
#include "gcal_event.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gcal_buf.h"
#include "gcal_json.h"
#include "gcal_time.h"

struct gcal_entity {
	const char *name;
	const char *text;
};

static const struct gcal_entity gcal_entities[] = {
	{ "nbsp", " " }, { "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" },
	{ "apos", "'" }, { "#39", "'" }, { "ensp", " " }, { "emsp", " " }, { "thinsp", " " },
	{ NULL, NULL },
};

/* Tags that separate words; other tags (b, i, span, a, ...) vanish so that
 * "<b>PID:</b>abc" reads "PID:abc". */
static int gcal_tag_breaks(const char *name, size_t n)
{
	static const char *const breaks[] = { "br", "p", "div", "li", "ul", "ol", "tr", "td",
					       "th", "table", "h1", "h2", "h3", "h4", "hr", NULL };
	for (size_t i = 0; breaks[i]; i++)
		if (strlen(breaks[i]) == n && strncasecmp(breaks[i], name, n) == 0)
			return 1;
	return 0;
}

/* The description as plain text: tags stripped, common entities decoded,
 * non-ASCII numeric entities and no-break spaces turned into spaces. */
static char *gcal_plain_text(const char *html)
{
	struct gcal_buf b = { 0 };
	const char *p = html;
	/* The first '>' at or after p, or NULL when there is none: searched
	 * again only once p has passed it, so that "<a<a<a..." stays linear. */
	const char *gt = strchr(html, '>');

	if (gcal_buf_str(&b, ""))
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
			const char *close = gt;
			if (nlen > 0 && close) {
				if (gcal_tag_breaks(name, nlen))
					rc = gcal_buf_str(&b, " ");
				p = close + 1;
			} else {
				rc = gcal_buf_add(&b, p++, 1);
			}
		} else if (*p == '&') {
			/* an entity is at most 10 bytes: look no further ("&&&..." is linear) */
			const char *semi = memchr(p, ';', strnlen(p, 11));
			int done = 0;
			if (semi && semi - p <= 10) {
				size_t n = (size_t)(semi - p - 1);
				for (size_t i = 0; gcal_entities[i].name && !done; i++) {
					if (strlen(gcal_entities[i].name) == n &&
					    strncasecmp(gcal_entities[i].name, p + 1, n) == 0) {
						rc = gcal_buf_str(&b, gcal_entities[i].text);
						done = 1;
					}
				}
				if (!done && p[1] == '#') {
					char *end;
					long v = (p[2] == 'x' || p[2] == 'X') ? strtol(p + 3, &end, 16)
									       : strtol(p + 2, &end, 10);
					if (end == semi && v > 0) {
						char ch = v < 0x80 && v >= 0x20 ? (char)v : ' ';
						rc = gcal_buf_add(&b, &ch, 1);
						done = 1;
					}
				}
			}
			if (done)
				p = semi + 1;
			else
				rc = gcal_buf_add(&b, p++, 1);
		} else if ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0) {
			rc = gcal_buf_str(&b, " "); /* U+00A0 written out */
			p += 2;
		} else {
			rc = gcal_buf_add(&b, p++, 1);
		}
		if (rc != PLAYOUT_OK) {
			free(b.p);
			return NULL;
		}
	}
	return b.p;
}

static int gcal_pid_char(int c)
{
	return isalnum(c) || c == '_' || c == '-';
}

/* Find "KEY:value" (case-insensitive key, blanks allowed around ':') in text;
 * value is the run of [A-Za-z0-9_-] after it. 1 when found (value may be
 * truncated: *len says its full length), else 0. */
static int gcal_find_key(const char *text, const char *key, char *value, size_t n, size_t *len)
{
	size_t klen = strlen(key);
	for (const char *p = text; *p; p++) {
		if (strncasecmp(p, key, klen) != 0)
			continue;
		if (p > text && gcal_pid_char((unsigned char)p[-1]))
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
		while (gcal_pid_char((unsigned char)q[l]))
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

/* Copy at most n-1 bytes without cutting a UTF-8 sequence. */
static void gcal_copy_utf8(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);
	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* why gets the reason an item is skipped; always GCAL_EVENT_BAD. */
static int gcal_event_bad(char *why, size_t n, const char *fmt, const char *a)
	__attribute__((format(printf, 3, 0)));
static int gcal_event_bad(char *why, size_t n, const char *fmt, const char *a)
{
	snprintf(why, n, fmt, a);
	return GCAL_EVENT_BAD;
}

int gcal_event_read(struct json_object *ev, int64_t from_ms, int64_t to_ms,
		    struct playout_slot *slot, const char **id, char *why, size_t why_n)
{
	struct json_object *start = NULL, *end = NULL;
	const char *status = gcal_json_str(ev, "status");
	const char *summary = gcal_json_str(ev, "summary");
	const char *desc = gcal_json_str(ev, "description");
	size_t len;
	char type[32];

	*id = gcal_json_str(ev, "id");
	if (!*id)
		*id = "(no id)";
	if (!json_object_is_type(ev, json_type_object))
		return GCAL_EVENT_SKIP;
	if (status && strcmp(status, "cancelled") == 0)
		return GCAL_EVENT_SKIP;
	json_object_object_get_ex(ev, "start", &start);
	json_object_object_get_ex(ev, "end", &end);
	const char *s = gcal_json_str(start, "dateTime"), *e = gcal_json_str(end, "dateTime");
	if (!s && gcal_json_str(start, "date"))
		return GCAL_EVENT_SKIP; /* all-day: not a programme slot */
	memset(slot, 0, sizeof *slot);
	if (!s || !e || gcal_parse_time(s, &slot->start_ms) || gcal_parse_time(e, &slot->end_ms))
		return gcal_event_bad(why, why_n, "start/end is not an RFC 3339 dateTime (%.60s)",
				      s ? s : "none");
	if (slot->end_ms <= slot->start_ms)
		return gcal_event_bad(why, why_n, "end is not after start (%.60s)", s);
	if (slot->start_ms >= to_ms || slot->end_ms <= from_ms)
		return GCAL_EVENT_SKIP;
	char *text = gcal_plain_text(desc ? desc : "");
	if (!text)
		return PLAYOUT_ENOMEM;
	int found = gcal_find_key(text, "pid", slot->pid, sizeof slot->pid, &len);
	if (!found) {
		free(text);
		return gcal_event_bad(why, why_n, "no PID:<pid> in the description (\"%.60s\")",
				      summary ? summary : "");
	}
	if (len >= PLAYOUT_PID_MAX) {
		free(text);
		return gcal_event_bad(why, why_n, "PID longer than 63 characters (%.60s)", slot->pid);
	}
	slot->type = PLAYOUT_SLOT_RECORDED;
	if (gcal_find_key(text, "type", type, sizeof type, &len)) {
		if (strcasecmp(type, "LIVE") == 0) {
			slot->type = PLAYOUT_SLOT_LIVE;
		} else if (strcasecmp(type, "RECORDED") != 0) {
			free(text);
			return gcal_event_bad(why, why_n, "TYPE is neither RECORDED nor LIVE (%.30s)",
					      type);
		}
	}
	free(text);
	gcal_copy_utf8(slot->title, sizeof slot->title, summary ? summary : "");
	return GCAL_EVENT_SLOT;
}
