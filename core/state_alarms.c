/*
 * The alarm tables of the state store (state_alarms.h): bound parameters,
 * one transaction per call, through state.c's handle (state_tx.h).
 */
#include "state_alarms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state_tx.h"

static void text(sqlite3_stmt *s, int idx, const char *f, size_t cap)
{
	sqlite3_bind_text(s, idx, f, (int)strnlen(f, cap), SQLITE_STATIC);
}
#define TEXT(s, idx, arr) text((s), (idx), (arr), sizeof(arr))

static void col(char *dst, size_t cap, sqlite3_stmt *s, int c)
{
	const unsigned char *t = sqlite3_column_text(s, c);
	snprintf(dst, cap, "%s", t ? (const char *)t : "");
}
#define COL(arr, s, c) col((arr), sizeof(arr), (s), (c))

/* One write statement with its bindings done by bind(s, arg). */
static int write1(struct po_state *st, const char *sql, const char *what,
		  void (*bind)(sqlite3_stmt *, const void *), const void *arg, int64_t *rowid)
{
	sqlite3 *db;
	sqlite3_stmt *s = NULL;
	int rc = po_state_tx_begin(st, 1, what, &db);
	if (rc < 0)
		return rc;
	int q = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (q == SQLITE_OK) {
		bind(s, arg);
		q = sqlite3_step(s);
		if (q == SQLITE_DONE) {
			q = SQLITE_OK;
			if (rowid)
				*rowid = sqlite3_last_insert_rowid(db);
		}
	}
	if (q != SQLITE_OK)
		rc = po_state_tx_fail(st, q, what);
	sqlite3_finalize(s);
	return po_state_tx_end(st, rc, what);
}

static void bind_raise(sqlite3_stmt *s, const void *arg)
{
	const struct { const struct po_alarm *a; int64_t now; } *x = arg;
	const struct po_alarm *a = x->a;
	TEXT(s, 1, a->key);
	sqlite3_bind_int(s, 2, a->stage);
	sqlite3_bind_int(s, 3, a->type);
	sqlite3_bind_int(s, 4, a->level);
	sqlite3_bind_int(s, 5, a->oneshot);
	TEXT(s, 6, a->pid);
	TEXT(s, 7, a->title);
	sqlite3_bind_int64(s, 8, a->start_ms);
	TEXT(s, 9, a->message);
	sqlite3_bind_int64(s, 10, x->now);
}

int po_state_alarm_raise(struct po_state *st, const struct po_alarm *a, int64_t now_ms)
{
	struct { const struct po_alarm *a; int64_t now; } x = { a, now_ms };
	return write1(st,
		      "INSERT OR REPLACE INTO alarms(key, stage, type, level, oneshot, pid, title,"
		      " start_ms, message, raised_ms, resolved_ms)"
		      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0)",
		      "alarm_raise", bind_raise, &x, NULL);
}

struct key_time { const char *key; int64_t ms; };

static void bind_key_time(sqlite3_stmt *s, const void *arg)
{
	const struct key_time *x = arg;
	if (x->key)
		sqlite3_bind_text(s, 1, x->key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, x->ms);
}

int po_state_alarm_resolve(struct po_state *st, const char *key, int64_t now_ms)
{
	struct key_time x = { key, now_ms };
	return write1(st, "UPDATE alarms SET resolved_ms = ?2 WHERE key = ?1 AND resolved_ms = 0",
		      "alarm_resolve", bind_key_time, &x, NULL);
}

int po_state_alarm_forget(struct po_state *st, const char *key)
{
	struct key_time x = { key, 0 };
	return write1(st, "DELETE FROM alarms WHERE key = ?1 AND ?2 = 0", "alarm_forget",
		      bind_key_time, &x, NULL);
}

int po_state_alarm_prune(struct po_state *st, int64_t before_ms)
{
	struct key_time x = { NULL, before_ms };
	return write1(st,
		      "DELETE FROM alarms WHERE ?1 IS NULL AND raised_ms < ?2"
		      " AND (oneshot = 1 OR resolved_ms > 0)",
		      "alarm_prune", bind_key_time, &x, NULL);
}

/* Run a query and hand each row to take; grows *v of elem bytes. */
static int read_rows(struct po_state *st, const char *sql, const char *what,
		     void (*bind)(sqlite3_stmt *, const void *), const void *arg,
		     void (*take)(sqlite3_stmt *, void *), size_t elem, void **v, size_t *n)
{
	sqlite3 *db;
	sqlite3_stmt *s = NULL;
	size_t cap = 0;
	*v = NULL;
	*n = 0;
	int rc = po_state_tx_begin(st, 0, what, &db);
	if (rc < 0)
		return rc;
	int q = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (q == SQLITE_OK && bind)
		bind(s, arg);
	while (q == SQLITE_OK && (q = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			void *nv = realloc(*v, nc * elem);
			if (!nv) {
				rc = PLAYOUT_ENOMEM;
				break;
			}
			*v = nv;
			cap = nc;
		}
		char *slot = (char *)*v + *n * elem;
		memset(slot, 0, elem);
		take(s, slot);
		(*n)++;
		q = SQLITE_OK;
	}
	if (rc == PLAYOUT_OK && q != SQLITE_DONE && q != SQLITE_OK)
		rc = po_state_tx_fail(st, q, what);
	sqlite3_finalize(s);
	rc = po_state_tx_end(st, rc, what);
	if (rc < 0) {
		free(*v);
		*v = NULL;
		*n = 0;
	}
	return rc;
}

static void take_row(sqlite3_stmt *s, void *out)
{
	struct po_alarm_row *r = out;
	COL(r->key, s, 0);
	r->stage = sqlite3_column_int(s, 1);
	r->oneshot = sqlite3_column_int(s, 2);
	r->start_ms = sqlite3_column_int64(s, 3);
	r->resolved_ms = sqlite3_column_int64(s, 4);
	r->type = sqlite3_column_int(s, 5);
	r->level = sqlite3_column_int(s, 6);
	COL(r->pid, s, 7);
	COL(r->title, s, 8);
}

int po_state_alarm_rows(struct po_state *st, struct po_alarm_row **v, size_t *n)
{
	return read_rows(st,
			 "SELECT key, stage, oneshot, start_ms, resolved_ms, type, level, pid, title"
			 " FROM alarms ORDER BY key, stage",
			 "alarm_rows", NULL, NULL, take_row, sizeof **v, (void **)v, n);
}

/* Binds every column; a statement ignores the numbers it does not use
 * (sqlite answers SQLITE_RANGE for one beyond its largest, harmlessly). */
static void bind_send(sqlite3_stmt *s, const void *arg)
{
	const struct po_alert_send *x = arg;
	TEXT(s, 1, x->key);
	TEXT(s, 2, x->type);
	sqlite3_bind_int(s, 3, x->cause_type);
	sqlite3_bind_int(s, 4, x->level);
	TEXT(s, 5, x->instance);
	TEXT(s, 6, x->pid);
	TEXT(s, 7, x->title);
	sqlite3_bind_int64(s, 8, x->start_ms);
	TEXT(s, 9, x->message);
	TEXT(s, 10, x->body);
	sqlite3_bind_int64(s, 11, x->event_ms);
	sqlite3_bind_int64(s, 12, x->sent_ms);
	sqlite3_bind_int(s, 13, x->delivered);
	sqlite3_bind_int(s, 14, x->attempts);
	sqlite3_bind_int64(s, 15, x->next_ms);
	TEXT(s, 16, x->last_error);
	sqlite3_bind_int64(s, 17, x->id);
}

int po_state_send_add(struct po_state *st, struct po_alert_send *s)
{
	return write1(st,
		      "INSERT INTO alert_sends(key, type, cause_type, level, instance, pid, title,"
		      " start_ms, message, body, event_ms, sent_ms, delivered, attempts, next_ms,"
		      " last_error) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
		      " ?14, ?15, ?16)",
		      "send_add", bind_send, s, &s->id);
}

int po_state_send_update(struct po_state *st, const struct po_alert_send *s)
{
	return write1(st,
		      "UPDATE alert_sends SET sent_ms = ?12, delivered = ?13, attempts = ?14,"
		      " next_ms = ?15, last_error = ?16 WHERE id = ?17",
		      "send_update", bind_send, s, NULL);
}

#define SEND_COLS "id, key, type, cause_type, level, instance, pid, title, start_ms," \
	" message, body, event_ms, sent_ms, delivered, attempts, next_ms, last_error"

static void take_send(sqlite3_stmt *s, void *out)
{
	struct po_alert_send *x = out;
	x->id = sqlite3_column_int64(s, 0);
	COL(x->key, s, 1);
	COL(x->type, s, 2);
	x->cause_type = sqlite3_column_int(s, 3);
	x->level = sqlite3_column_int(s, 4);
	COL(x->instance, s, 5);
	COL(x->pid, s, 6);
	COL(x->title, s, 7);
	x->start_ms = sqlite3_column_int64(s, 8);
	COL(x->message, s, 9);
	COL(x->body, s, 10);
	x->event_ms = sqlite3_column_int64(s, 11);
	x->sent_ms = sqlite3_column_int64(s, 12);
	x->delivered = sqlite3_column_int(s, 13);
	x->attempts = sqlite3_column_int(s, 14);
	x->next_ms = sqlite3_column_int64(s, 15);
	COL(x->last_error, s, 16);
}

static void bind_instance(sqlite3_stmt *s, const void *arg)
{
	if (arg)
		sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC);
}

int po_state_send_pending(struct po_state *st, const char *instance, struct po_alert_send **v,
			  size_t *n)
{
	return read_rows(st,
			 "SELECT " SEND_COLS " FROM alert_sends WHERE delivered = 0"
			 " AND (?1 IS NULL OR instance = ?1) ORDER BY id",
			 "send_pending", bind_instance, instance, take_send, sizeof **v, (void **)v, n);
}

static void bind_limit(sqlite3_stmt *s, const void *arg)
{
	sqlite3_bind_int64(s, 1, (sqlite3_int64)*(const size_t *)arg);
}

int po_state_send_list(struct po_state *st, size_t limit, struct po_alert_send **v, size_t *n)
{
	return read_rows(st,
			 "SELECT * FROM (SELECT " SEND_COLS " FROM alert_sends ORDER BY id DESC"
			 " LIMIT ?1) ORDER BY id",
			 "send_list", bind_limit, &limit, take_send, sizeof **v, (void **)v, n);
}
