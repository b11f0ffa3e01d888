/*
 * ListObjectsV2 answers for the s3 plugin (s3_list_xml.c). Internal to the
 * plugin: not exported from the module.
 */
#ifndef S3_LIST_XML_H
#define S3_LIST_XML_H

#include <stddef.h>

#include <playout/plugin.h>

#define S3_NAME_MAX 200 /* the cache's limit for a file name */

/* Who asked, for messages and for the keys that are refused. All borrowed
 * for the call. */
struct s3_list_src {
	const char *bucket;
	const char *prefix; /* the configured key prefix: asset names follow it */
	/* A key that looks like a programme file but is refused, and why. */
	void (*warn)(void *arg, const char *key, const char *why);
	void *arg;
};

/* Parse one ListObjectsV2 page body[0..len) asked for with prefix (the
 * configured prefix plus perhaps a day). Appends the programme files to
 * out; *token gets the next continuation token (malloc'd, caller frees) or
 * NULL on the last page. PLAYOUT_OK, PLAYOUT_EPROTO (not XML, not a
 * ListBucketResult, truncated without a token) or PLAYOUT_ENOMEM, with err
 * filled. */
int s3_list_parse_page(const struct s3_list_src *src, const char *body, size_t len,
		       const char *prefix, struct playout_assets *out, char **token,
		       struct playout_error *err);

/* For rest, a key without the prefix: "" when it is a programme file we
 * take; NULL when it is not a programme file (skipped quietly); else why
 * it is refused (static text). */
const char *s3_name_problem(const char *rest);

/* The value of hex digit c, or -1. */
int s3_hexval(int c);

#endif
