/*
 * JSON string escaping for playoutctl (json.h).
 */
#include "json.h"

#include <inttypes.h>

#include "timeutil.h"

void po_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
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
