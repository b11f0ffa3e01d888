/*
 * The s3 plugin's reading of a ListObjectsV2 answer (XML) into assets: which
 * keys are programme files, their size, time and ETag, and the next page's
 * token. Not for the requests: see s3.c. Fuzzed by fuzz/fuzz_s3.c.
 */
#include "s3_list_xml.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <playout/util.h>

int s3_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode an EncodingType=url value in place ('+' is a space there); the
 * decoded length, which a "%00" makes longer than strlen. */
static size_t s3_url_decode(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		int hi, lo;
		if (*r == '%' && (hi = s3_hexval(r[1])) >= 0 && (lo = s3_hexval(r[2])) >= 0) {
			*w++ = (char)(hi * 16 + lo);
			r += 2;
		} else {
			*w++ = *r == '+' ? ' ' : *r;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

const char *s3_name_problem(const char *rest)
{
	size_t n = strlen(rest);
	if (n == 0)
		return "empty name";
	if (n > S3_NAME_MAX)
		return "name longer than 200 bytes";
	if (rest[0] == '.')
		return "name starts with '.'";
	for (const unsigned char *p = (const unsigned char *)rest; *p; p++) {
		if (*p == '/')
			return "'/' inside the name (a key is never a path)";
		if (*p < 0x20 || *p == 0x7f)
			return "control character in the name";
	}
	if (n < 5 || strcasecmp(rest + n - 4, ".mp3") != 0)
		return NULL; /* not a programme file: skipped quietly */
	return "";
}

/* S3's LastModified ("2026-03-29T01:00:00.000Z") to ms; 0 when it is not
 * one or before 1970. */
static int64_t s3_time_ms(const char *v)
{
	int64_t ms;
	return playout_time_parse(v, NULL, &ms) == PLAYOUT_OK && ms >= 0 ? ms : 0;
}

static char *child_text(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && xmlStrcmp(c->name, BAD_CAST name) == 0)
			return (char *)xmlNodeGetContent(c);
	return NULL;
}

/* One <Contents> entry: an asset when its key passes, else a warning. */
static int s3_take_contents(const struct s3_list_src *src, xmlNodePtr c, const char *prefix,
			    int url_encoded, struct playout_assets *out)
{
	char *key = child_text(c, "Key");
	char *size = child_text(c, "Size");
	char *lm = child_text(c, "LastModified");
	char *etag = child_text(c, "ETag");
	long long sz = 0;
	int rc = PLAYOUT_OK;
	if (!key)
		goto out;
	/* a "%00" decodes to a NUL that would cut the key short */
	int cut = url_encoded && s3_url_decode(key) != strlen(key);
	size_t plen = strlen(src->prefix);
	if (strncmp(key, src->prefix, plen) != 0 || strncmp(key, prefix, strlen(prefix)) != 0)
		goto out; /* the server answered outside what we asked: ignore */
	const char *rest = key + plen;
	const char *why = cut ? "control character in the name" : s3_name_problem(rest);
	if (!why)
		goto out;
	if (!*why && size && (sz = strtoll(size, NULL, 10)) < 0)
		why = "negative Size";
	if (*why) {
		src->warn(src->arg, key, why);
		goto out;
	}
	struct playout_asset a;
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "%s", rest);
	a.size = sz;
	a.mtime_ms = lm ? s3_time_ms(lm) : 0;
	if (etag) {
		const char *e = etag;
		size_t n = strlen(e);
		if (n >= 2 && e[0] == '"' && e[n - 1] == '"') {
			e++;
			n -= 2;
		}
		if (n < sizeof a.etag) {
			memcpy(a.etag, e, n);
			a.etag[n] = '\0';
		}
	}
	rc = playout_assets_push(out, &a);
out:
	xmlFree(key);
	xmlFree(size);
	xmlFree(lm);
	xmlFree(etag);
	return rc;
}

int s3_list_parse_page(const struct s3_list_src *src, const char *body, size_t len,
		       const char *prefix, struct playout_assets *out, char **token,
		       struct playout_error *err)
{
	*token = NULL;
	if (len > INT_MAX)
		return playout_error_set(err, PLAYOUT_EPROTO, "list %s/%s: the answer is too large",
					 src->bucket, prefix);
	xmlDocPtr doc = xmlReadMemory(body, (int)len, "list.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return playout_error_set(err, PLAYOUT_EPROTO, "list %s/%s: the answer is not XML",
					 src->bucket, prefix);
	int rc = PLAYOUT_OK;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	if (!root || xmlStrcmp(root->name, BAD_CAST "ListBucketResult") != 0) {
		rc = playout_error_set(err, PLAYOUT_EPROTO,
				       "list %s/%s: the answer is not a ListBucketResult", src->bucket, prefix);
		goto out;
	}
	char *enc = child_text(root, "EncodingType");
	int url_encoded = enc && strcmp(enc, "url") == 0;
	xmlFree(enc);
	char *trunc = child_text(root, "IsTruncated");
	int truncated = trunc && strcmp(trunc, "true") == 0;
	xmlFree(trunc);
	for (xmlNodePtr c = root->children; c && rc == PLAYOUT_OK; c = c->next)
		if (c->type == XML_ELEMENT_NODE && xmlStrcmp(c->name, BAD_CAST "Contents") == 0)
			rc = s3_take_contents(src, c, prefix, url_encoded, out);
	if (rc == PLAYOUT_OK && truncated) {
		char *t = child_text(root, "NextContinuationToken");
		if (!t || !*t) {
			xmlFree(t);
			rc = playout_error_set(err, PLAYOUT_EPROTO,
					       "list %s/%s: truncated page without NextContinuationToken",
					       src->bucket, prefix);
			goto out;
		}
		*token = strdup(t);
		xmlFree(t);
		if (!*token)
			rc = PLAYOUT_ENOMEM;
	}
out:
	xmlFreeDoc(doc);
	return rc;
}
