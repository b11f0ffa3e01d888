/*
 * The csv plugin's parser, apart from the plugin so that the fuzz target
 * (fuzz/fuzz_csv.c) runs the very code the plugin runs. Internal to the
 * plugin: not part of plugin.h, not exported from the module.
 */
#ifndef CSV_PARSE_H
#define CSV_PARSE_H

#include <playout/plugin.h>

/* Where the text came from, for messages; both borrowed for the call. */
struct csv_src {
	const struct playout_host *host; /* log, local_to_utc */
	const char *path;
};

/* A parsed row waiting for its end time (header files may omit "end"). */
struct csv_row {
	struct playout_slot slot;
	int line;
	int open_end;    /* end comes from the next row's start */
};

struct csv_rows {
	struct csv_row *v;
	size_t n, cap;
};

/* Parse every record of buf[0..len) into rows (appended, unfiltered, in
 * file order). buf is rewritten in place (unescaping) and must have one
 * spare byte at buf[len]. PLAYOUT_OK with bad rows logged and skipped;
 * PLAYOUT_EINVAL (a header that names no start or pid column, or one twice)
 * or PLAYOUT_ENOMEM with err filled. rows is the caller's: free it with
 * csv_rows_free, also after an error. */
int csv_parse(const struct csv_src *cs, char *buf, size_t len, struct csv_rows *rows,
	      struct playout_error *err);

/* Sort rows by start, end each open row at the next later start (a last
 * open row is logged and dropped), and append the slots overlapping
 * [from_ms, to_ms) to out. PLAYOUT_OK, or PLAYOUT_ENOMEM with err filled. */
int csv_rows_slots(const struct csv_src *cs, struct csv_rows *rows, int64_t from_ms,
		   int64_t to_ms, struct playout_slots *out, struct playout_error *err);

/* Free what rows holds and zero it; NULL is a no-op. */
void csv_rows_free(struct csv_rows *rows);

#endif
