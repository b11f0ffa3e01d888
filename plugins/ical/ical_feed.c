/*
 * Parsing and keeping the feed (ical_feed.h). A feed is accepted only
 * whole: it must begin with BEGIN:VCALENDAR and end with END:VCALENDAR,
 * so a download cut short or an HTML error page never replaces the copy.
 */
#include "ical_feed.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ICAL_KV_TEXT "feed"
#define ICAL_KV_META "feed_meta" /* "fetched_ms\netag\nlast_modified" */

static int ical_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Printable ASCII of at most 40 bytes of s, for a message. */
static void ical_show(char *out, size_t n, const char *s, size_t len)
{
	size_t j = 0;
	for (size_t i = 0; i < len && j + 1 < n && i < 40; i++)
		out[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '.';
	out[j] = '\0';
}

uint64_t ical_feed_hash(const char *text, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)text[i];
		h *= 1099511628211ULL;
	}
	return h;
}

int ical_feed_same(const struct ical_feed *f, const char *text, size_t len)
{
	return f->cal && f->text_len == len && f->text_hash == ical_feed_hash(text, len);
}

int ical_feed_parse(struct ical_feed *f, const char *text, size_t len, char *why, size_t why_n)
{
	static const char begin[] = "BEGIN:VCALENDAR", end[] = "END:VCALENDAR";
	const char *p = text;
	size_t n = len;
	char shown[48];

	if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) { /* a UTF-8 BOM (Outlook) */
		p += 3;
		n -= 3;
	}
	while (n && ical_is_space(*p)) {
		p++;
		n--;
	}
	while (n && ical_is_space(p[n - 1]))
		n--;
	if (n < sizeof begin - 1 || strncasecmp(p, begin, sizeof begin - 1) != 0) {
		ical_show(shown, sizeof shown, p, n);
		snprintf(why, why_n, "not an iCalendar feed (it begins \"%s\")", shown);
		return PLAYOUT_EPROTO;
	}
	if (n < sizeof end - 1 || strncasecmp(p + n - (sizeof end - 1), end, sizeof end - 1) != 0) {
		snprintf(why, why_n, "cut short: no END:VCALENDAR at the end (%zu bytes)", len);
		return PLAYOUT_EPROTO;
	}
	if (memchr(text, '\0', len)) {
		snprintf(why, why_n, "holds a NUL byte");
		return PLAYOUT_EPROTO;
	}
	icalcomponent *root = icalparser_parse_string(text);
	icalcomponent *cal = root;
	if (root && icalcomponent_isa(root) != ICAL_VCALENDAR_COMPONENT)
		cal = icalcomponent_get_first_component(root, ICAL_VCALENDAR_COMPONENT);
	if (!cal) {
		if (root)
			icalcomponent_free(root);
		snprintf(why, why_n, "libical finds no VCALENDAR in it");
		return PLAYOUT_EPROTO;
	}
	if (f->root)
		icalcomponent_free(f->root);
	f->root = root;
	f->cal = cal;
	f->text_hash = ical_feed_hash(text, len);
	f->text_len = len;
	return PLAYOUT_OK;
}

static int ical_dup(char **dst, const char *s)
{
	char *c = NULL;
	if (s && *s) {
		c = strdup(s);
		if (!c)
			return PLAYOUT_ENOMEM;
	}
	free(*dst);
	*dst = c;
	return PLAYOUT_OK;
}

int ical_feed_set_validators(struct ical_feed *f, const char *etag, const char *last_modified)
{
	if (ical_dup(&f->etag, etag) || ical_dup(&f->last_modified, last_modified))
		return PLAYOUT_ENOMEM;
	return PLAYOUT_OK;
}

int ical_feed_keep(const struct ical_feed *f, const struct playout_host *h, const char *text)
{
	const char *etag = f->etag ? f->etag : "", *lm = f->last_modified ? f->last_modified : "";
	size_t n = strlen(etag) + strlen(lm) + 32;
	char *meta;
	int rc = h->kv_put(h, ICAL_KV_TEXT, text);

	if (rc != PLAYOUT_OK)
		return rc;
	meta = malloc(n);
	if (!meta)
		return PLAYOUT_ENOMEM;
	snprintf(meta, n, "%" PRId64 "\n%s\n%s", f->fetched_ms, etag, lm);
	rc = h->kv_put(h, ICAL_KV_META, meta);
	free(meta);
	return rc;
}

int ical_feed_load(struct ical_feed *f, const struct playout_host *h, char *why, size_t why_n)
{
	char *text = NULL, *meta = NULL;
	int rc = h->kv_get(h, ICAL_KV_TEXT, &text);

	if (rc != PLAYOUT_OK)
		return rc == PLAYOUT_ENOMEM ? rc : PLAYOUT_ENOTFOUND;
	rc = ical_feed_parse(f, text, strlen(text), why, why_n);
	free(text);
	if (rc != PLAYOUT_OK)
		return rc;
	/* Validators only with the text they belong to: without them the next
	 * GET is a full one, which is always right. */
	if (h->kv_get(h, ICAL_KV_META, &meta) == PLAYOUT_OK) {
		char *etag = strchr(meta, '\n');
		char *lm = etag ? strchr(etag + 1, '\n') : NULL;
		if (etag && lm) {
			*etag++ = '\0';
			*lm++ = '\0';
			f->fetched_ms = strtoll(meta, NULL, 10);
			rc = ical_feed_set_validators(f, etag, lm);
		}
		free(meta);
	}
	return rc;
}

void ical_feed_clear(struct ical_feed *f)
{
	if (!f)
		return;
	if (f->root)
		icalcomponent_free(f->root);
	free(f->etag);
	free(f->last_modified);
	memset(f, 0, sizeof *f);
}
