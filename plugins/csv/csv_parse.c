/*
 * The csv plugin's parser: the text of a schedule file (RFC 4180 records,
 * ISO 8601 times, the station's headerless shape or a header row) into
 * slots. Bad rows are logged as "path:LINE: reason" and skipped. Not for
 * reading the file: see csv.c. Fuzzed by fuzz/fuzz_csv.c.
 */
#include "csv_parse.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <playout/util.h>

#define CSV_MAX_ROWS 20000
#define CSV_MAX_FIELDS 16

enum csv_col { COL_START, COL_END, COL_PID, COL_TITLE, COL_TYPE, COL_FILE, COL_N };

static const char *const csv_col_names[COL_N] = {
	"start", "end", "pid", "title", "type", "file",
};

/* One record of the file: fields point into the (unescaped in place) buffer. */
struct csv_record {
	int line;                     /* line where the record starts, from 1 */
	size_t nfields;               /* may exceed CSV_MAX_FIELDS; only those kept */
	char *f[CSV_MAX_FIELDS];
	const char *bad;              /* syntax problem, or NULL */
};

struct csv_reader {
	char *p, *end;   /* read position; end of data */
	char *w;         /* write position for unescaped text (w <= p) */
	int line;        /* current line number */
};

/* ---- RFC 4180 records ---------------------------------------------------- */

/* Read the next record; 0 at end of data. Quoted fields may hold commas,
 * "" and line breaks; text after a closing quote is kept but marks the
 * record bad. The buffer must have one spare byte after end. */
static int csv_next(struct csv_reader *r, struct csv_record *rec)
{
	if (r->p >= r->end)
		return 0;
	memset(rec, 0, sizeof *rec);
	rec->line = r->line;
	for (;;) {
		char *start = r->w;
		int quoted = 0;
		if (r->p < r->end && *r->p == '"') {
			int closed = 0;
			quoted = 1;
			r->p++;
			while (r->p < r->end) {
				if (*r->p == '"') {
					if (r->p + 1 < r->end && r->p[1] == '"') {
						*r->w++ = '"';
						r->p += 2;
						continue;
					}
					r->p++;
					closed = 1;
					break;
				}
				if (*r->p == '\n' || (*r->p == '\r' && (r->p + 1 >= r->end || r->p[1] != '\n')))
					r->line++;
				*r->w++ = *r->p++;
			}
			if (!closed && !rec->bad)
				rec->bad = "quoted field not closed before the end of the file";
		}
		/* unquoted text, or anything after a closing quote */
		while (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r') {
			if (quoted && *r->p != ' ' && *r->p != '\t' && !rec->bad)
				rec->bad = "text after a closing quote";
			*r->w++ = *r->p++;
		}
		/* the terminating NUL may land on the delimiter: read it first */
		char delim = r->p < r->end ? *r->p : '\0';
		*r->w++ = '\0';
		if (rec->nfields < CSV_MAX_FIELDS)
			rec->f[rec->nfields] = start;
		rec->nfields++;
		if (r->p >= r->end)
			return 1;
		r->p++;
		if (delim == ',')
			continue;
		if (delim == '\r' && r->p < r->end && *r->p == '\n')
			r->p++;
		r->line++;
		return 1;
	}
}

/* Trim ASCII blanks on both sides, in place. */
static char *csv_trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

static int csv_record_blank(const struct csv_record *rec)
{
	if (rec->bad || rec->nfields > CSV_MAX_FIELDS)
		return 0;
	for (size_t i = 0; i < rec->nfields; i++)
		if (*csv_trim(rec->f[i]))
			return 0;
	return 1;
}

/* ---- rows ---------------------------------------------------------------- */

static int csv_pid_ok(const char *pid)
{
	for (const char *c = pid; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
			return 0;
	return 1;
}

static void csv_warn(const struct csv_src *cs, int line, const char *reason, const char *detail)
{
	cs->host->log(cs->host, PLAYOUT_LOG_WARN, "%s:%d: %s%s%s%s", cs->path, line, reason,
		      detail ? " \"" : "", detail ? detail : "", detail ? "\"" : "");
}

/* Fill slot from the mapped fields (NULL when the column is absent); 0 when
 * usable, else the reason and the offending text. */
static int csv_row_from(const struct csv_src *cs, int line, char *const col[COL_N],
			struct csv_row *row, const char **why, const char **what)
{
	const char *start = col[COL_START] ? csv_trim(col[COL_START]) : "";
	const char *end = col[COL_END] ? csv_trim(col[COL_END]) : "";
	const char *pid = col[COL_PID] ? csv_trim(col[COL_PID]) : "";
	const char *title = col[COL_TITLE] ? csv_trim(col[COL_TITLE]) : "";
	const char *type = col[COL_TYPE] ? csv_trim(col[COL_TYPE]) : "";
	const char *file = col[COL_FILE] ? csv_trim(col[COL_FILE]) : "";

	memset(row, 0, sizeof *row);
	row->line = line;
	*what = NULL;
	if (playout_time_parse(start, cs->host, &row->slot.start_ms) != PLAYOUT_OK) {
		*why = "bad start time";
		*what = start;
		return -1;
	}
	if (!*end) {
		row->open_end = 1;
	} else if (playout_time_parse(end, cs->host, &row->slot.end_ms) != PLAYOUT_OK) {
		*why = "bad end time";
		*what = end;
		return -1;
	} else if (row->slot.end_ms <= row->slot.start_ms) {
		*why = "end is not after start";
		*what = end;
		return -1;
	}
	if (!*pid) {
		*why = "empty pid";
		return -1;
	}
	if (!csv_pid_ok(pid)) {
		*why = "pid has characters outside [A-Za-z0-9_-]";
		*what = pid;
		return -1;
	}
	if (strlen(pid) >= PLAYOUT_PID_MAX) {
		*why = "pid longer than 63 bytes";
		*what = pid;
		return -1;
	}
	if (!*type || strcasecmp(type, "RECORDED") == 0) {
		row->slot.type = PLAYOUT_SLOT_RECORDED;
	} else if (strcasecmp(type, "LIVE") == 0) {
		row->slot.type = PLAYOUT_SLOT_LIVE;
	} else {
		*why = "type is neither RECORDED nor LIVE";
		*what = type;
		return -1;
	}
	memcpy(row->slot.pid, pid, strlen(pid) + 1);
	if (strlen(title) >= PLAYOUT_TITLE_MAX)
		csv_warn(cs, line, "title longer than 255 bytes, truncated", NULL);
	playout_utf8_copy(row->slot.title, sizeof row->slot.title, title);
	if (*file) {
		int bad = file[0] == '.' || strchr(file, '/') || strlen(file) >= PLAYOUT_NAME_MAX;
		for (const char *c = file; *c && !bad; c++)
			bad = (unsigned char)*c < 0x20 || *c == 0x7f;
		if (bad)
			csv_warn(cs, line, "expected file is not a bare file name, ignored", file);
		else
			memcpy(row->slot.expected_file, file, strlen(file) + 1);
	}
	return 0;
}

static int csv_rows_push(struct csv_rows *rows, const struct csv_row *row)
{
	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? rows->cap * 2 : 64;
		struct csv_row *v = realloc(rows->v, cap * sizeof *v);
		if (!v)
			return PLAYOUT_ENOMEM;
		rows->v = v;
		rows->cap = cap;
	}
	rows->v[rows->n++] = *row;
	return PLAYOUT_OK;
}

static int csv_row_cmp(const void *a, const void *b)
{
	const struct csv_row *x = a, *y = b;
	if (x->slot.start_ms != y->slot.start_ms)
		return x->slot.start_ms < y->slot.start_ms ? -1 : 1;
	return x->line - y->line;
}

/* Map header names to columns; 0, or an error for the whole file. */
static int csv_header(const struct csv_src *cs, const struct csv_record *rec, int map[COL_N],
		      struct playout_error *err)
{
	for (int c = 0; c < COL_N; c++)
		map[c] = -1;
	for (size_t i = 0; i < rec->nfields && i < CSV_MAX_FIELDS; i++) {
		const char *name = csv_trim(rec->f[i]);
		int c;
		for (c = 0; c < COL_N; c++)
			if (strcasecmp(name, csv_col_names[c]) == 0)
				break;
		if (c == COL_N) {
			csv_warn(cs, rec->line, "unknown column ignored (known: start, end, pid, "
				 "title, type, file)", name);
			continue;
		}
		if (map[c] >= 0)
			return playout_error_set(err, PLAYOUT_EINVAL, "%s:%d: column \"%s\" appears twice",
						 cs->path, rec->line, csv_col_names[c]);
		map[c] = (int)i;
	}
	if (map[COL_START] < 0 || map[COL_PID] < 0)
		return playout_error_set(err, PLAYOUT_EINVAL,
					 "%s:%d: the header names no \"%s\" column",
					 cs->path, rec->line, map[COL_START] < 0 ? "start" : "pid");
	return PLAYOUT_OK;
}

/* A header row holds a field named "start"; a station row starts with a
 * time (and may well have a title "Start"). */
static int csv_is_header(const struct csv_record *rec)
{
	if (isdigit((unsigned char)*csv_trim(rec->f[0])))
		return 0;
	for (size_t i = 0; i < rec->nfields && i < CSV_MAX_FIELDS; i++)
		if (strcasecmp(csv_trim(rec->f[i]), "start") == 0)
			return 1;
	return 0;
}

/* Parse every record of buf into rows (all of them, unfiltered). */
int csv_parse(const struct csv_src *cs, char *buf, size_t len, struct csv_rows *rows,
	      struct playout_error *err)
{
	struct csv_reader r = { .p = buf, .end = buf + len, .w = buf, .line = 1 };
	struct csv_record rec;
	int map[COL_N];
	int header = -1; /* unknown until the first non-blank record */
	size_t nrec = 0;

	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		r.p += 3;
	while (csv_next(&r, &rec)) {
		if (csv_record_blank(&rec))
			continue;
		if (++nrec > CSV_MAX_ROWS) {
			cs->host->log(cs->host, PLAYOUT_LOG_WARN,
				      "%s:%d: more than %d rows; the rest is ignored",
				      cs->path, rec.line, CSV_MAX_ROWS);
			break;
		}
		if (header < 0) {
			header = csv_is_header(&rec);
			if (header) {
				int rc = csv_header(cs, &rec, map, err);
				if (rc != PLAYOUT_OK)
					return rc;
				continue;
			}
			for (int c = 0; c < COL_N; c++)
				map[c] = -1;
			map[COL_START] = 0;
			map[COL_END] = 1;
			map[COL_PID] = 2;
			map[COL_FILE] = 3;
			map[COL_TITLE] = 4;
		}
		if (rec.bad) {
			csv_warn(cs, rec.line, rec.bad, NULL);
			continue;
		}
		if (!header && rec.nfields != 5) {
			char why[96];
			snprintf(why, sizeof why, "%zu fields, expected 5 (start,end,pid,file,title)",
				 rec.nfields);
			csv_warn(cs, rec.line, why, NULL);
			continue;
		}
		if (rec.nfields > CSV_MAX_FIELDS) {
			csv_warn(cs, rec.line, "too many fields", NULL);
			continue;
		}
		char *col[COL_N];
		for (int c = 0; c < COL_N; c++)
			col[c] = map[c] >= 0 && (size_t)map[c] < rec.nfields ? rec.f[map[c]] : NULL;
		struct csv_row row;
		const char *why, *what;
		if (csv_row_from(cs, rec.line, col, &row, &why, &what) != 0) {
			csv_warn(cs, rec.line, why, what);
			continue;
		}
		if (!header && row.open_end) {
			csv_warn(cs, rec.line, "empty end time", NULL);
			continue;
		}
		if (csv_rows_push(rows, &row) != PLAYOUT_OK)
			return playout_error_set(err, PLAYOUT_ENOMEM, "schedule %s: out of memory",
						 cs->path);
	}
	return PLAYOUT_OK;
}

/* Sort rows by start, end the open rows at the next later start, and append
 * those overlapping [from_ms, to_ms) to out. */
int csv_rows_slots(const struct csv_src *cs, struct csv_rows *rows, int64_t from_ms,
		   int64_t to_ms, struct playout_slots *out, struct playout_error *err)
{
	/* In start order; a row without an end lasts until the next start. */
	if (rows->n)
		qsort(rows->v, rows->n, sizeof *rows->v, csv_row_cmp);
	for (size_t i = 0; i < rows->n; i++) {
		struct csv_row *row = &rows->v[i];
		if (row->open_end) {
			size_t j = i + 1;
			while (j < rows->n && rows->v[j].slot.start_ms == row->slot.start_ms)
				j++;
			if (j == rows->n) {
				csv_warn(cs, row->line, "no end time and no later row to end it", NULL);
				continue;
			}
			row->slot.end_ms = rows->v[j].slot.start_ms;
		}
		if (row->slot.start_ms >= to_ms || row->slot.end_ms <= from_ms)
			continue;
		int rc = playout_slots_push(out, &row->slot);
		if (rc != PLAYOUT_OK)
			return playout_error_set(err, rc, "schedule %s: out of memory", cs->path);
	}
	return PLAYOUT_OK;
}

void csv_rows_free(struct csv_rows *rows)
{
	if (!rows)
		return;
	free(rows->v);
	memset(rows, 0, sizeof *rows);
}
