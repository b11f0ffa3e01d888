/*
 * JSON string escaping for playoutctl (json.h).
 */
#include "json.h"

#include <inttypes.h>

#include <playout/util.h>

#include "timeutil.h"

void po_json_str(FILE *f, const char *s)
{
	struct playout_buf b = { 0 };
	if (playout_json_escape(&b, s) == PLAYOUT_OK)
		fputs(b.p, f);
	else
		fputs("\"\"", f); /* out of memory: still valid JSON */
	playout_buf_free(&b);
}

void po_json_kv_str(FILE *f, int first, const char *key, const char *value)
{
	fprintf(f, "%s\"%s\": ", first ? "" : ", ", key);
	po_json_str(f, value);
}

void po_json_kv_int(FILE *f, int first, const char *key, int64_t value)
{
	fprintf(f, "%s\"%s\": %" PRId64, first ? "" : ", ", key, value);
}

void po_json_kv_time(FILE *f, int first, const char *key, int64_t utc_ms)
{
	char buf[40];
	po_iso8601_utc(utc_ms, buf, sizeof buf);
	po_json_kv_str(f, first, key, buf);
}
