/*
 * Minimal JSON writing for playoutctl's --json output: strings escaped per
 * RFC 8259. Output only; nothing here parses.
 */
#ifndef PO_JSON_H
#define PO_JSON_H

#include <stdint.h>
#include <stdio.h>

/* Write s as a JSON string literal, quotes included. */
void po_json_str(FILE *f, const char *s);
/* Write "key": "value" (preceded by a comma unless first). */
void po_json_kv_str(FILE *f, int first, const char *key, const char *value);
void po_json_kv_int(FILE *f, int first, const char *key, int64_t value);
/* A UTC instant as an ISO 8601 string. */
void po_json_kv_time(FILE *f, int first, const char *key, int64_t utc_ms);

#endif
