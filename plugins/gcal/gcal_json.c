/*
 * Google's JSON answers for the gcal plugin: parsing a body, reading a
 * string member, and the lifetime of an OAuth token answer. Not for
 * writing JSON (token.json is written by gcal.c with json-c).
 */
#include "gcal_json.h"

#include <limits.h>
#include <math.h>

const char *gcal_json_str(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

struct json_object *gcal_json_parse(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	if (!tok || len > INT_MAX) {
		json_tokener_free(tok);
		return NULL;
	}
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (o && json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}


int64_t gcal_token_expiry_ms(struct json_object *ans, int64_t now_ms)
{
	struct json_object *v;
	int64_t s = GCAL_LIFETIME_DEFAULT_S;

	if (ans && json_object_object_get_ex(ans, "expires_in", &v)) {
		/* json_object_get_int64 would cast a double (1e300, NaN) itself */
		if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_string)) {
			s = json_object_get_int64(v); /* saturates; "abc" is 0 */
		} else if (json_object_is_type(v, json_type_double)) {
			double dv = json_object_get_double(v);
			s = isnan(dv) ? 0 : dv >= GCAL_LIFETIME_MAX_S ? GCAL_LIFETIME_MAX_S
			  : dv <= 0 ? 0 : (int64_t)dv;
		}
	}
	if (s < 0)
		s = 0;
	if (s > GCAL_LIFETIME_MAX_S)
		s = GCAL_LIFETIME_MAX_S;
	return now_ms + s * 1000;
}
