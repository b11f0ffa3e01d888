/*
 * libFuzzer target for the csv plugin's parser (plugins/csv/csv_parse.c):
 * any bytes as a schedule file, through records, times and rows, then into
 * slots for a wide and a narrow window. Must never crash, leak, hang or
 * trip UBSan, and every slot it gives must be one the planner can use.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_host.h"
#include "../plugins/csv/csv_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A slot the planner takes: a real span, a pid of [A-Za-z0-9_-], all text
 * NUL-terminated inside its field. */
static void check_slot(const struct playout_slot *s)
{
	if (s->end_ms <= s->start_ms || !s->pid[0] ||
	    memchr(s->pid, '\0', sizeof s->pid) == NULL ||
	    memchr(s->title, '\0', sizeof s->title) == NULL ||
	    memchr(s->expected_file, '\0', sizeof s->expected_file) == NULL ||
	    (s->type != PLAYOUT_SLOT_RECORDED && s->type != PLAYOUT_SLOT_LIVE))
		__builtin_trap();
	for (const char *c = s->pid; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
			__builtin_trap();
	if (strchr(s->expected_file, '/') || s->expected_file[0] == '.')
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_src src = { .host = po_fuzz_host(), .path = "fuzz.csv" };
	struct playout_error err = { 0 };
	struct csv_rows rows = { 0 };
	struct playout_slots wide = { 0 }, narrow = { 0 };
	char *buf = po_fuzz_text(data, size);

	if (!buf)
		return 0;
	if (csv_parse(&src, buf, size, &rows, &err) == PLAYOUT_OK) {
		struct csv_rows copy = { 0 };
		if (rows.n) {
			copy.v = malloc(rows.n * sizeof *rows.v);
			if (copy.v) {
				memcpy(copy.v, rows.v, rows.n * sizeof *rows.v);
				copy.n = copy.cap = rows.n;
			}
		}
		if (csv_rows_slots(&src, &rows, INT64_MIN, INT64_MAX, &wide, &err) == PLAYOUT_OK)
			for (size_t i = 0; i < wide.n; i++)
				check_slot(&wide.v[i]);
		/* the window keeps exactly the overlapping slots of the wide answer */
		int64_t from = PO_FUZZ_NOW_MS, to = PO_FUZZ_NOW_MS + 36 * 3600 * 1000LL;
		if (copy.v && csv_rows_slots(&src, &copy, from, to, &narrow, &err) == PLAYOUT_OK) {
			size_t n = 0;
			for (size_t i = 0; i < wide.n; i++)
				n += wide.v[i].start_ms < to && wide.v[i].end_ms > from;
			if (n != narrow.n)
				__builtin_trap();
		}
		csv_rows_free(&copy);
	}
	csv_rows_free(&rows);
	free(wide.v);
	free(narrow.v);
	free(buf);
	return 0;
}
