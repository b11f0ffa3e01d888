/*
 * Google's JSON answers for the gcal plugin (gcal_json.c). Internal to the
 * plugin: not exported from the module.
 */
#ifndef GCAL_JSON_H
#define GCAL_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/* A token answer without expires_in lives this long (RFC 6749 makes it
 * optional; Google sends 3599). */
#define GCAL_LIFETIME_DEFAULT_S 3600
/* No token is trusted longer than a day, whatever the server says: a
 * refresh costs one request, and now_ms + expires_in * 1000 cannot
 * overflow. */
#define GCAL_LIFETIME_MAX_S (24 * 3600)

/* Parse text[0..len) (need not be NUL-terminated). A new reference the
 * caller puts with json_object_put, or NULL when it is not JSON. */
struct json_object *gcal_json_parse(const char *text, size_t len);

/* o's member key when it is a string, else NULL (also for o NULL). Borrowed
 * from o, valid while o is. */
const char *gcal_json_str(struct json_object *o, const char *key);

/* When the access token of an OAuth token answer ends, wall-clock ms:
 * now_ms + expires_in seconds, expires_in clamped to 0..GCAL_LIFETIME_MAX_S
 * (a negative one means "already expired"), GCAL_LIFETIME_DEFAULT_S when
 * absent or not a number. ans may be NULL. */
int64_t gcal_token_expiry_ms(struct json_object *ans, int64_t now_ms);

#endif
