/*
 * The state store on sqlite3: opening (lock file, pragmas, schema migrations)
 * and one transaction per public call, with bound parameters only. The
 * handle's mutex is held exactly while a transaction is open (st_begin takes
 * it, st_end drops it), so calls from two threads never interleave.
 */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "catalog.h"
#include "log.h"
#include "state_tx.h"

#define LOG_SRC "state"
#define BUSY_TIMEOUT_MS 5000
#define ST_HOT_MAX 32 /* kept statements per handle (struct po_state hot) */

struct po_state {
	sqlite3 *db;
	char *path;
	int mode;
	int lock_fd;   /* PO_STATE_DAEMON: "<path>.lock", write-locked; else -1 */
	int version;   /* PRAGMA user_version after open */
	pthread_mutex_t mu; /* held from st_begin to st_end */
	int mu_up;     /* mu initialised */
	/* Statements a programme on air runs every second or two (the
	 * transaction's own, a play's progress, the output's status) and
	 * each planning round (the rundown, lookups), prepared once per
	 * handle: parsing them again was most of the control thread's
	 * sqlite time on air. Keyed by the SQL's address (string
	 * literals); used and filled only under mu. */
	struct {
		const char *sql;
		sqlite3_stmt *s;
	} hot[ST_HOT_MAX];
	size_t nhot;
};

/* The last failure, per thread like errno: two threads share a handle, and
 * one's message must not be overwritten by (or read while written by) the
 * other's. err_st says which handle it belongs to. */
static _Thread_local char err_text[256];
static _Thread_local const struct po_state *err_st;

/* A batch of this thread (po_state_batch_begin): its handle, and whether
 * its transaction has begun (at the first call that needs one). */
static _Thread_local struct po_state *batch_st;
static _Thread_local int batch_open;

/* ---- schema ----------------------------------------------------------- */

/* Ordered migrations: version N turns a version N-1 database into N. Append
 * new versions at the end; never edit one that has shipped. */
struct migration {
	int version;
	const char *sql;
};

static const struct migration migrations[] = {
	{1,
	 "CREATE TABLE kv("
	 " ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
	 " updated_ms INTEGER NOT NULL, PRIMARY KEY(ns, key));"
	 "CREATE TABLE slot_sources("
	 " source TEXT PRIMARY KEY, fetched_ms INTEGER NOT NULL);"
	 "CREATE TABLE slots("
	 " source TEXT NOT NULL REFERENCES slot_sources(source) ON DELETE CASCADE,"
	 " start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, type INTEGER NOT NULL,"
	 " pid TEXT NOT NULL, title TEXT NOT NULL, expected_file TEXT NOT NULL);"
	 "CREATE INDEX slots_by_source_start ON slots(source, start_ms);"
	 "CREATE TABLE assets("
	 " name TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ms INTEGER NOT NULL,"
	 " etag TEXT NOT NULL, start_ms INTEGER NOT NULL, start_alt_ms INTEGER NOT NULL,"
	 " pid TEXT NOT NULL, duration_ms INTEGER NOT NULL, nframes INTEGER NOT NULL,"
	 " sample_rate INTEGER NOT NULL, samples_per_frame INTEGER NOT NULL);"
	 "CREATE TABLE rundown("
	 " start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, decision INTEGER NOT NULL,"
	 " pid TEXT NOT NULL, title TEXT NOT NULL, source TEXT NOT NULL,"
	 " reason TEXT NOT NULL, cap_s INTEGER NOT NULL, segments TEXT NOT NULL,"
	 " planned_ms INTEGER NOT NULL);"
	 "CREATE INDEX rundown_by_start ON rundown(start_ms);"
	 "CREATE TABLE plays("
	 " id INTEGER PRIMARY KEY, output TEXT NOT NULL, pid TEXT NOT NULL,"
	 " title TEXT NOT NULL, asset TEXT NOT NULL, decision INTEGER NOT NULL,"
	 " scheduled_ms INTEGER NOT NULL, started_us INTEGER NOT NULL,"
	 " start_error_us INTEGER NOT NULL, ended_ms INTEGER NOT NULL,"
	 " bytes INTEGER NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL);"
	 "CREATE INDEX plays_by_scheduled ON plays(scheduled_ms);"
	 "CREATE INDEX plays_open ON plays(outcome) WHERE outcome = 'playing';"},
	{2, /* what the frame index and the probe learned, per file (doc/design.md §8) */
	 "CREATE TABLE media("
	 " path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ms INTEGER NOT NULL,"
	 " info TEXT NOT NULL, scanned_ms INTEGER NOT NULL);"},
	{3, /* the frame index itself (mp3_store.c's blob), per file. A
	     * table of its own: media rows are replaced whole by media_put. */
	 "CREATE TABLE media_index("
	 " path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ms INTEGER NOT NULL,"
	 " blob BLOB NOT NULL, stored_ms INTEGER NOT NULL);"},
	{4, /* plays tell what happened: where a play joined the item and how
	     * late that frame went out (kept apart from the start error), the
	     * audio lost, the bytes as of the last progress report, and each
	     * outage in play_gaps. Old "joined at +MM:SS" rows get their
	     * position back from the detail, so they leave the start-error
	     * figures too. */
	 "ALTER TABLE plays ADD COLUMN join_ms INTEGER NOT NULL DEFAULT 0;"
	 "ALTER TABLE plays ADD COLUMN join_delay_us INTEGER NOT NULL DEFAULT 0;"
	 "ALTER TABLE plays ADD COLUMN lost_ms INTEGER NOT NULL DEFAULT 0;"
	 "ALTER TABLE plays ADD COLUMN sent_ms INTEGER NOT NULL DEFAULT 0;"
	 "UPDATE plays SET join_ms = max(1, CAST(substr(detail, 12, 2) AS INTEGER) * 60000"
	 " + CAST(substr(detail, 15, 2) AS INTEGER) * 1000)"
	 " WHERE detail LIKE 'joined at +__:__%';"
	 "CREATE TABLE play_gaps("
	 " play_id INTEGER NOT NULL REFERENCES plays(id) ON DELETE CASCADE,"
	 " at_ms INTEGER NOT NULL, length_ms INTEGER NOT NULL, skipped_ms INTEGER NOT NULL,"
	 " resume_delay_us INTEGER NOT NULL, reason TEXT NOT NULL);"
	 "CREATE INDEX play_gaps_by_play ON play_gaps(play_id);"
	 /* what each output does now, for playoutctl status */
	 "CREATE TABLE output_status("
	 " output TEXT PRIMARY KEY, state TEXT NOT NULL, since_ms INTEGER NOT NULL,"
	 " last_error TEXT NOT NULL, error_ms INTEGER NOT NULL, pid TEXT NOT NULL,"
	 " title TEXT NOT NULL, scheduled_ms INTEGER NOT NULL, position_ms INTEGER NOT NULL,"
	 " end_ms INTEGER NOT NULL, lead_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"},
	{5, /* alarms (state_alarms.c): each cause said once, across restarts,
	     * and each delivery to each notify instance with its outcome */
	 "CREATE TABLE alarms("
	 " key TEXT NOT NULL, stage INTEGER NOT NULL, type INTEGER NOT NULL,"
	 " level INTEGER NOT NULL, oneshot INTEGER NOT NULL, pid TEXT NOT NULL,"
	 " title TEXT NOT NULL, start_ms INTEGER NOT NULL, message TEXT NOT NULL,"
	 " raised_ms INTEGER NOT NULL, resolved_ms INTEGER NOT NULL,"
	 " PRIMARY KEY(key, stage));"
	 "CREATE TABLE alert_sends("
	 " id INTEGER PRIMARY KEY, key TEXT NOT NULL, type TEXT NOT NULL,"
	 " cause_type INTEGER NOT NULL, level INTEGER NOT NULL, instance TEXT NOT NULL,"
	 " pid TEXT NOT NULL, title TEXT NOT NULL, start_ms INTEGER NOT NULL,"
	 " message TEXT NOT NULL, body TEXT NOT NULL, event_ms INTEGER NOT NULL,"
	 " sent_ms INTEGER NOT NULL, delivered INTEGER NOT NULL, attempts INTEGER NOT NULL,"
	 " next_ms INTEGER NOT NULL, last_error TEXT NOT NULL);"
	 "CREATE INDEX alert_sends_pending ON alert_sends(instance) WHERE delivered = 0;"},
};

#define NMIGRATIONS (sizeof migrations / sizeof migrations[0])
#define SCHEMA_LATEST (migrations[NMIGRATIONS - 1].version)

int po_state_schema_latest(void)
{
	return SCHEMA_LATEST;
}

/* ---- errors ----------------------------------------------------------- */

static int code_of(int sqlite_rc)
{
	switch (sqlite_rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return PLAYOUT_EUNAVAIL;
	case SQLITE_NOMEM:
		return PLAYOUT_ENOMEM;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_TOOBIG:
	case SQLITE_RANGE:
		return PLAYOUT_EINVAL;
	default:
		return PLAYOUT_EIO;
	}
}

/* Record a message for po_state_errmsg without logging it (an expected
 * answer such as "no state yet"). */
static void st_note(const struct po_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void st_note(const struct po_state *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err_text, sizeof err_text, fmt, ap);
	va_end(ap);
	err_st = st;
}

/* Record a message "state PATH: what: why", log it and return code. */
static int st_fail(struct po_state *st, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int st_fail(struct po_state *st, int code, const char *fmt, ...)
{
	char what[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	st_note(st, "state %s: %s", st->path, what);
	po_log_errorx(LOG_SRC, "%s", err_text);
	return code;
}

/* The same for a failed sqlite call: appends sqlite's own text. */
static int st_sqlfail(struct po_state *st, int rc, const char *what)
{
	return st_fail(st, code_of(rc), "%s: %s (sqlite %d)", what, sqlite3_errmsg(st->db), rc);
}

const char *po_state_errmsg(const struct po_state *st)
{
	if (!st)
		return "state: no handle";
	return err_st == st ? err_text : "";
}

/* Forget this thread's message for st (a new or closed handle may reuse the
 * address of an old one). */
static void st_forget(const struct po_state *st)
{
	if (err_st == st) {
		err_st = NULL;
		err_text[0] = '\0';
	}
}

/* ---- small helpers ---------------------------------------------------- */

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int st_exec(struct po_state *st, const char *sql, const char *what)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? PLAYOUT_OK : st_sqlfail(st, rc, what);
}

/* The kept statement for SQL (a string literal), prepared on first use.
 * Call with st->mu held; give it back with st_unprepare. When every place
 * is taken the statement is a fresh one, finalized by st_unprepare. */
static int st_prepare_hot(struct po_state *st, const char *sql, sqlite3_stmt **s,
			  const char *what)
{
	for (size_t i = 0; i < st->nhot; i++)
		if (st->hot[i].sql == sql) {
			*s = st->hot[i].s;
			return PLAYOUT_OK;
		}
	int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, s, NULL);
	if (rc != SQLITE_OK) {
		*s = NULL;
		return st_sqlfail(st, rc, what);
	}
	if (st->nhot < ST_HOT_MAX) {
		st->hot[st->nhot].sql = sql;
		st->hot[st->nhot++].s = *s;
	}
	return PLAYOUT_OK;
}

/* Done with a statement of st_prepare_hot: a kept one is reset for its
 * next use (releasing what it read), any other finalized. NULL is a no-op. */
static void st_unprepare(struct po_state *st, sqlite3_stmt *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < st->nhot; i++)
		if (st->hot[i].s == s) {
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return;
		}
	sqlite3_finalize(s);
}

/* st_exec for a transaction's own statements (BEGIN, SAVEPOINT, RELEASE,
 * COMMIT: literals), kept prepared. Call with st->mu held. */
static int st_exec_hot(struct po_state *st, const char *sql, const char *what)
{
	sqlite3_stmt *s = NULL;
	int rc = st_prepare_hot(st, sql, &s, what);
	if (rc < 0)
		return rc;
	int src = sqlite3_step(s);
	rc = src == SQLITE_DONE || src == SQLITE_ROW ? PLAYOUT_OK : st_sqlfail(st, src, what);
	st_unprepare(st, s);
	return rc;
}

/* Start a transaction: IMMEDIATE for writes (takes the write lock now, so
 * the busy timeout applies here and not half way through), deferred for reads.
 * Takes the handle's mutex; on success the caller must call st_end, which
 * drops it. On failure the mutex is not held. */
static int st_begin(struct po_state *st, int write, const char *what)
{
	if (!st || !st->db)
		return PLAYOUT_EINVAL;
	if (write && st->mode == PO_STATE_READONLY)
		return st_fail(st, PLAYOUT_EINVAL, "%s: handle is read-only", what);
	if (batch_st == st) {
		/* Within this thread's batch: one transaction for all, each
		 * call a savepoint of it, so that a call that fails still
		 * leaves nothing of itself. */
		if (!batch_open) {
			pthread_mutex_lock(&st->mu);
			int rc = st_exec_hot(st, "BEGIN IMMEDIATE", what);
			if (rc < 0) {
				pthread_mutex_unlock(&st->mu);
				return rc;
			}
			batch_open = 1;
		}
		return st_exec_hot(st, "SAVEPOINT po_call", what);
	}
	pthread_mutex_lock(&st->mu);
	int rc = st_exec_hot(st, write ? "BEGIN IMMEDIATE" : "BEGIN", what);
	if (rc < 0)
		pthread_mutex_unlock(&st->mu);
	return rc;
}

/* End the transaction begun by st_begin: COMMIT when rc is OK, else ROLLBACK.
 * Returns rc, or the COMMIT failure. Drops the mutex. */
static int st_end(struct po_state *st, int rc, const char *what)
{
	if (batch_st == st && batch_open) {
		if (rc < 0)
			sqlite3_exec(st->db, "ROLLBACK TO po_call", NULL, NULL, NULL);
		int r2 = st_exec_hot(st, "RELEASE po_call", what);
		return rc < 0 ? rc : r2;
	}
	if (rc == PLAYOUT_OK)
		rc = st_exec_hot(st, "COMMIT", what);
	if (rc < 0 && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

void po_state_batch_begin(struct po_state *st)
{
	if (!st || batch_st)
		return;
	batch_st = st;
	batch_open = 0;
}

int po_state_batch_end(struct po_state *st, int *committed)
{
	int rc = PLAYOUT_OK;
	if (committed)
		*committed = 0;
	if (!st || batch_st != st)
		return PLAYOUT_OK;
	if (batch_open) {
		rc = st_exec_hot(st, "COMMIT", "batch");
		if (rc < 0 && !sqlite3_get_autocommit(st->db))
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		else if (committed)
			*committed = 1;
		pthread_mutex_unlock(&st->mu);
	}
	batch_st = NULL;
	batch_open = 0;
	return rc;
}

/* For the state's companion files (state_tx.h). */
int po_state_tx_begin(struct po_state *st, int write, const char *what, sqlite3 **db)
{
	int rc = st_begin(st, write, what);
	*db = rc == PLAYOUT_OK ? st->db : NULL;
	return rc;
}

int po_state_tx_end(struct po_state *st, int rc, const char *what)
{
	return st_end(st, rc, what);
}

int po_state_tx_fail(struct po_state *st, int sqlite_rc, const char *what)
{
	return st_sqlfail(st, sqlite_rc, what);
}

static int st_prepare(struct po_state *st, const char *sql, sqlite3_stmt **s, const char *what)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);
	return rc == SQLITE_OK ? PLAYOUT_OK : st_sqlfail(st, rc, what);
}

/* Step a statement that returns no rows, then reset it for the next binding. */
static int st_step_done(struct po_state *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? PLAYOUT_OK : st_sqlfail(st, rc, what);
}

/* Bind a char-array field: never reads past its end even without a NUL. */
static void bind_field(sqlite3_stmt *s, int idx, const char *f, size_t cap)
{
	sqlite3_bind_text(s, idx, f, (int)strnlen(f, cap), SQLITE_STATIC);
}
#define BIND_FIELD(s, idx, arr) bind_field((s), (idx), (arr), sizeof(arr))

static void col_copy(char *dst, size_t cap, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	snprintf(dst, cap, "%s", t ? (const char *)t : "");
}
#define COL_COPY(arr, s, col) col_copy((arr), sizeof(arr), (s), (col))

/* ---- opening ---------------------------------------------------------- */

/* Fill err for a failure before a handle exists. */
static int open_fail(struct po_state *st, struct playout_error *err, int code)
{
	playout_error_set(err, code, "%s", po_state_errmsg(st));
	po_state_close(st);
	return code;
}

static int parent_dir_exists(struct po_state *st)
{
	char *copy = strdup(st->path);
	if (!copy)
		return PLAYOUT_ENOMEM;
	const char *dir = dirname(copy);
	struct stat sb;
	int rc = PLAYOUT_OK;
	if (stat(dir, &sb) < 0)
		rc = st_fail(st, PLAYOUT_EIO, "directory %s: %s (create it for the playout user)",
			     dir, strerror(errno));
	else if (!S_ISDIR(sb.st_mode))
		rc = st_fail(st, PLAYOUT_EIO, "%s is not a directory", dir);
	free(copy);
	return rc;
}

/* Take the daemon lock: "<path>.lock" write-locked with fcntl, our pid in it. */
static int take_lock(struct po_state *st)
{
	size_t len = strlen(st->path) + sizeof ".lock";
	char *lpath = malloc(len);
	if (!lpath)
		return PLAYOUT_ENOMEM;
	snprintf(lpath, len, "%s.lock", st->path);
	int rc = PLAYOUT_OK;
	st->lock_fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (st->lock_fd < 0) {
		rc = st_fail(st, PLAYOUT_EIO, "cannot open lock file %s: %s", lpath, strerror(errno));
		goto out;
	}
	for (int attempt = 0; attempt < 3; attempt++) {
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
		if (fcntl(st->lock_fd, F_SETLK, &fl) == 0)
			break;
		if (errno != EACCES && errno != EAGAIN) {
			rc = st_fail(st, PLAYOUT_EIO, "cannot lock %s: %s", lpath, strerror(errno));
			goto out;
		}
		struct flock who = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
		if (fcntl(st->lock_fd, F_GETLK, &who) == 0 && who.l_type != F_UNLCK) {
			st_note(st, "state %s is in use by another playoutd (pid %ld)", st->path,
				(long)who.l_pid);
			rc = PLAYOUT_EUNAVAIL;
			goto out;
		}
		/* released between the two calls: try again */
		if (attempt == 2) {
			rc = st_fail(st, PLAYOUT_EUNAVAIL, "lock %s keeps changing hands", lpath);
			goto out;
		}
	}
	char pidbuf[32];
	int n = snprintf(pidbuf, sizeof pidbuf, "%ld\n", (long)getpid());
	if (ftruncate(st->lock_fd, 0) < 0 || pwrite(st->lock_fd, pidbuf, (size_t)n, 0) != n)
		rc = st_fail(st, PLAYOUT_EIO, "cannot write our pid to %s: %s", lpath,
			     strerror(errno));
out:
	free(lpath);
	return rc;
}

static int read_user_version(struct po_state *st, int *version)
{
	sqlite3_stmt *s = NULL;
	int rc = st_prepare(st, "PRAGMA user_version", &s, "reading the schema version");
	if (rc < 0)
		return rc;
	int src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		*version = sqlite3_column_int(s, 0);
	else
		rc = st_sqlfail(st, src, "reading the schema version");
	sqlite3_finalize(s);
	return rc;
}

static int refuse_newer(struct po_state *st, int version)
{
	return st_fail(st, PLAYOUT_EINVAL,
		       "schema version %d is newer than this build knows (%d): "
		       "use a newer playout or another state file",
		       version, SCHEMA_LATEST);
}

/* Bring the schema to SCHEMA_LATEST in one transaction. */
static int migrate(struct po_state *st)
{
	int rc = st_begin(st, 1, "starting the schema migration");
	if (rc < 0)
		return rc;
	int version = 0;
	rc = read_user_version(st, &version);
	if (rc == PLAYOUT_OK && version > SCHEMA_LATEST)
		rc = refuse_newer(st, version);
	for (size_t i = 0; rc == PLAYOUT_OK && i < NMIGRATIONS; i++) {
		if (migrations[i].version <= version)
			continue;
		char what[64], pragma[64];
		snprintf(what, sizeof what, "migrating the schema to version %d",
			 migrations[i].version);
		rc = st_exec(st, migrations[i].sql, what);
		if (rc == PLAYOUT_OK) {
			/* PRAGMA takes no parameters; the number comes from our table. */
			snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d",
				 migrations[i].version);
			rc = st_exec(st, pragma, what);
		}
		if (rc == PLAYOUT_OK) {
			po_log_info(LOG_SRC, "%s: schema version %d -> %d", st->path, version,
				    migrations[i].version);
			version = migrations[i].version;
		}
	}
	rc = st_end(st, rc, "committing the schema migration");
	if (rc == PLAYOUT_OK)
		st->version = version;
	return rc;
}

static int open_writer(struct po_state *st)
{
	int version = 0;
	int rc = read_user_version(st, &version);
	if (rc < 0)
		return rc;
	if (version > SCHEMA_LATEST)
		return refuse_newer(st, version);

	sqlite3_stmt *s = NULL;
	rc = st_prepare(st, "PRAGMA journal_mode=WAL", &s, "setting WAL mode");
	if (rc < 0)
		return rc;
	int src = sqlite3_step(s);
	if (src != SQLITE_ROW)
		rc = st_sqlfail(st, src, "setting WAL mode");
	else if (strcmp((const char *)sqlite3_column_text(s, 0), "wal") != 0)
		rc = st_fail(st, PLAYOUT_EIO, "journal mode stays \"%s\", not wal",
			     (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	if (rc == PLAYOUT_OK)
		rc = st_exec(st, "PRAGMA synchronous=NORMAL", "setting synchronous=NORMAL");
	if (rc == PLAYOUT_OK)
		rc = st_exec(st, "PRAGMA foreign_keys=ON", "enabling foreign keys");
	if (rc == PLAYOUT_OK)
		rc = migrate(st);
	return rc;
}

static int open_reader(struct po_state *st)
{
	int version = 0;
	int rc = read_user_version(st, &version);
	if (rc < 0)
		return rc;
	if (version > SCHEMA_LATEST)
		return refuse_newer(st, version);
	if (version == 0) {
		st_note(st, "no state yet at %s: has playoutd run?", st->path);
		return PLAYOUT_ENOTFOUND;
	}
	if (version < SCHEMA_LATEST)
		return st_fail(st, PLAYOUT_EINVAL,
			       "schema version %d is older than this build's (%d): "
			       "start playoutd once to migrate it",
			       version, SCHEMA_LATEST);
	st->version = version;
	return PLAYOUT_OK;
}

int po_state_open(const char *path, int mode, struct po_state **out, struct playout_error *err)
{
	*out = NULL;
	if (!path || !*path)
		return playout_error_set(err, PLAYOUT_EINVAL, "state: no database path given");
	if (mode != PO_STATE_READONLY && mode != PO_STATE_WRITER && mode != PO_STATE_DAEMON)
		return playout_error_set(err, PLAYOUT_EINVAL, "state %s: unknown open mode %d",
					 path, mode);
	struct po_state *st = calloc(1, sizeof *st);
	if (!st || !(st->path = strdup(path))) {
		free(st);
		return playout_error_set(err, PLAYOUT_ENOMEM, "state %s: out of memory", path);
	}
	st->mode = mode;
	st->lock_fd = -1;
	st_forget(st);
	if (pthread_mutex_init(&st->mu, NULL) != 0) {
		free(st->path);
		free(st);
		return playout_error_set(err, PLAYOUT_ENOMEM, "state %s: cannot create a mutex", path);
	}
	st->mu_up = 1;

	int rc, flags;
	if (mode == PO_STATE_READONLY) {
		if (access(path, F_OK) < 0) {
			st_note(st, "no state yet at %s: has playoutd run?", path);
			return open_fail(st, err, PLAYOUT_ENOTFOUND);
		}
		flags = SQLITE_OPEN_READONLY;
	} else {
		rc = parent_dir_exists(st);
		if (rc == PLAYOUT_OK && mode == PO_STATE_DAEMON)
			rc = take_lock(st);
		if (rc < 0)
			return open_fail(st, err, rc);
		flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	}

	int src = sqlite3_open_v2(path, &st->db, flags, NULL);
	if (src != SQLITE_OK) {
		int sys = sqlite3_system_errno(st->db);
		st_fail(st, code_of(src), "cannot open: %s%s%s", sqlite3_errmsg(st->db),
			sys ? ": " : "", sys ? strerror(sys) : "");
		return open_fail(st, err, code_of(src));
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	rc = mode == PO_STATE_READONLY ? open_reader(st) : open_writer(st);
	if (rc < 0)
		return open_fail(st, err, rc);
	st_forget(st);
	*out = st;
	return PLAYOUT_OK;
}

void po_state_close(struct po_state *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nhot; i++)
		sqlite3_finalize(st->hot[i].s);
	st->nhot = 0;
	if (st->db && sqlite3_close(st->db) != SQLITE_OK)
		po_log_errorx(LOG_SRC, "state %s: close: %s", st->path, sqlite3_errmsg(st->db));
	if (st->lock_fd >= 0)
		close(st->lock_fd); /* releases the lock */
	if (st->mu_up)
		pthread_mutex_destroy(&st->mu);
	st_forget(st);
	free(st->path);
	free(st);
}

/* Set once by po_state_open, read-only afterwards: no lock needed. */
int po_state_schema_version(struct po_state *st)
{
	return st ? st->version : 0;
}

int po_state_readonly(const struct po_state *st)
{
	return !st || st->mode == PO_STATE_READONLY;
}

/* ---- key-value -------------------------------------------------------- */

/* Step s for at most one row and copy its column 0, NUL-terminated: text,
 * or a blob when len is given (*len: its bytes). PLAYOUT_ENOTFOUND: no row. */
static int st_copy_cell(struct po_state *st, sqlite3_stmt *s, void **out, size_t *len,
			const char *what)
{
	int src = sqlite3_step(s);
	if (src == SQLITE_DONE)
		return PLAYOUT_ENOTFOUND;
	if (src != SQLITE_ROW)
		return st_sqlfail(st, src, what);
	/* column_blob/text, then column_bytes: the order sqlite documents as safe */
	const void *p = len ? sqlite3_column_blob(s, 0) : (const void *)sqlite3_column_text(s, 0);
	int n = sqlite3_column_bytes(s, 0);
	size_t bytes = n > 0 && p ? (size_t)n : 0;
	unsigned char *v = malloc(bytes + 1);
	if (!v)
		return PLAYOUT_ENOMEM;
	if (bytes)
		memcpy(v, p, bytes);
	v[bytes] = '\0';
	*out = v;
	if (len)
		*len = bytes;
	return PLAYOUT_OK;
}

/* A read of one cell in its own transaction: ?1 is t1; ?2 is t2, or (t2
 * NULL) ?2 and ?3 are i2 and i3. Not found is an answer, not a failure: the
 * read ends normally and PLAYOUT_ENOTFOUND is returned. */
static int st_lookup(struct po_state *st, const char *sql, const char *t1, const char *t2,
		     int64_t i2, int64_t i3, void **out, size_t *len, const char *what)
{
	*out = NULL;
	if (len)
		*len = 0;
	int rc = st_begin(st, 0, what);
	if (rc < 0)
		return rc;
	sqlite3_stmt *s = NULL;
	rc = st_prepare_hot(st, sql, &s, what);
	if (rc == PLAYOUT_OK) {
		sqlite3_bind_text(s, 1, t1, -1, SQLITE_STATIC);
		if (t2) {
			sqlite3_bind_text(s, 2, t2, -1, SQLITE_STATIC);
		} else {
			sqlite3_bind_int64(s, 2, i2);
			sqlite3_bind_int64(s, 3, i3);
		}
		rc = st_copy_cell(st, s, out, len, what);
	}
	st_unprepare(st, s);
	int end = st_end(st, rc == PLAYOUT_ENOTFOUND ? PLAYOUT_OK : rc, what);
	if (end < 0 && rc == PLAYOUT_OK) {
		free(*out);
		*out = NULL;
		if (len)
			*len = 0;
	}
	return rc == PLAYOUT_ENOTFOUND ? rc : end;
}

int po_state_kv_get(struct po_state *st, const char *ns, const char *key, char **value)
{
	if (!ns || !key || !value)
		return PLAYOUT_EINVAL;
	void *v = NULL;
	int rc = st_lookup(st, "SELECT value FROM kv WHERE ns = ?1 AND key = ?2", ns, key, 0, 0,
			   &v, NULL, "kv_get");
	*value = v;
	return rc;
}

int po_state_kv_put(struct po_state *st, const char *ns, const char *key, const char *value)
{
	if (!ns || !key || !value)
		return PLAYOUT_EINVAL;
	int rc = st_begin(st, 1, "kv_put");
	if (rc < 0)
		return rc;
	sqlite3_stmt *s = NULL;
	rc = st_prepare(st,
			"INSERT INTO kv(ns, key, value, updated_ms) VALUES(?1, ?2, ?3, ?4)"
			" ON CONFLICT(ns, key) DO UPDATE SET value = excluded.value,"
			" updated_ms = excluded.updated_ms",
			&s, "kv_put");
	if (rc == PLAYOUT_OK) {
		sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, value, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, wall_ms());
		rc = st_step_done(st, s, "kv_put");
	}
	sqlite3_finalize(s);
	return st_end(st, rc, "kv_put");
}

/* ---- media (schema v2) ------------------------------------------------ */

int po_state_media_get(struct po_state *st, const char *path, int64_t size, int64_t mtime_ms,
		       char **info)
{
	if (!path || !info)
		return PLAYOUT_EINVAL;
	void *v = NULL;
	int rc = st_lookup(st, "SELECT info FROM media WHERE path = ?1 AND size = ?2 AND mtime_ms = ?3",
			   path, NULL, size, mtime_ms, &v, NULL, "media_get");
	*info = v;
	return rc;
}

/* Store one row of media or media_index (sql names the table): ?1..?3 the
 * file's path, size and mtime, ?4 the value (text, or a blob of blob_len
 * bytes when blob_len >= 0), ?5 now. */
static int media_row_put(struct po_state *st, const char *sql, const char *path, int64_t size,
			 int64_t mtime_ms, const void *value, int blob_len, const char *what)
{
	int rc = st_begin(st, 1, what);
	if (rc < 0)
		return rc;
	sqlite3_stmt *s = NULL;
	rc = st_prepare(st, sql, &s, what);
	if (rc == PLAYOUT_OK) {
		sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, size);
		sqlite3_bind_int64(s, 3, mtime_ms);
		if (blob_len >= 0)
			sqlite3_bind_blob(s, 4, value, blob_len, SQLITE_STATIC);
		else
			sqlite3_bind_text(s, 4, value, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 5, wall_ms());
		rc = st_step_done(st, s, what);
	}
	sqlite3_finalize(s);
	return st_end(st, rc, what);
}

int po_state_media_put(struct po_state *st, const char *path, int64_t size, int64_t mtime_ms,
		       const char *info)
{
	if (!path || !info)
		return PLAYOUT_EINVAL;
	return media_row_put(st,
			     "INSERT OR REPLACE INTO media(path, size, mtime_ms, info, scanned_ms)"
			     " VALUES(?1, ?2, ?3, ?4, ?5)",
			     path, size, mtime_ms, info, -1, "media_put");
}

/* ---- media index (schema v3) ------------------------------------------ */

int po_state_media_index_get(struct po_state *st, const char *path, int64_t size,
			     int64_t mtime_ms, void **blob, size_t *len)
{
	if (!path || !blob || !len)
		return PLAYOUT_EINVAL;
	return st_lookup(st,
			 "SELECT blob FROM media_index WHERE path = ?1 AND size = ?2 AND mtime_ms = ?3",
			 path, NULL, size, mtime_ms, blob, len, "media_index_get");
}

int po_state_media_index_put(struct po_state *st, const char *path, int64_t size,
			     int64_t mtime_ms, const void *blob, size_t len)
{
	if (!path || !blob || len > INT32_MAX)
		return PLAYOUT_EINVAL;
	return media_row_put(st,
			     "INSERT OR REPLACE INTO media_index(path, size, mtime_ms, blob, stored_ms)"
			     " VALUES(?1, ?2, ?3, ?4, ?5)",
			     path, size, mtime_ms, blob, (int)len, "media_index_put");
}

struct media_key {
	char *path;
	int64_t size, mtime_ms;
};

static void free_keys(struct media_key *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

/* Every (path, size, mtime) in media and media_index, in one read. */
static int media_keys(struct po_state *st, struct media_key **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	int rc = st_begin(st, 0, "media_prune");
	if (rc < 0)
		return rc;
	struct media_key *v = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *s = NULL;
	rc = st_prepare(st,
			"SELECT path, size, mtime_ms FROM media UNION"
			" SELECT path, size, mtime_ms FROM media_index",
			&s, "media_prune");
	int src = SQLITE_DONE;
	while (rc == PLAYOUT_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct media_key *nv = realloc(v, ncap * sizeof *nv);
			if (!nv) {
				rc = PLAYOUT_ENOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		const unsigned char *t = sqlite3_column_text(s, 0);
		v[n].path = strdup(t ? (const char *)t : "");
		v[n].size = sqlite3_column_int64(s, 1);
		v[n].mtime_ms = sqlite3_column_int64(s, 2);
		if (!v[n].path) {
			rc = PLAYOUT_ENOMEM;
			break;
		}
		n++;
	}
	if (rc == PLAYOUT_OK && src != SQLITE_DONE)
		rc = st_sqlfail(st, src, "media_prune");
	sqlite3_finalize(s);
	rc = st_end(st, rc, "media_prune");
	if (rc < 0) {
		free_keys(v, n);
		return rc;
	}
	*out = v;
	*nout = n;
	return PLAYOUT_OK;
}

int po_state_media_prune(struct po_state *st,
			 int (*keep)(const char *path, int64_t size, int64_t mtime_ms, void *arg),
			 void *arg)
{
	if (!keep)
		return PLAYOUT_EINVAL;
	struct media_key *v = NULL;
	size_t n = 0;
	int rc = media_keys(st, &v, &n);
	if (rc < 0)
		return rc;
	/* Ask without the lock held: keep may stat files or call the state. */
	size_t ndrop = 0;
	for (size_t i = 0; i < n; i++) {
		if (keep(v[i].path, v[i].size, v[i].mtime_ms, arg))
			free(v[i].path);
		else
			v[ndrop++] = v[i]; /* v[0..ndrop) are the rows to drop */
	}
	int removed = 0;
	sqlite3_stmt *del[2] = {NULL, NULL};
	if (ndrop == 0)
		goto out;
	rc = st_begin(st, 1, "media_prune");
	if (rc < 0)
		goto out;
	/* size and mtime in the condition: a row rewritten since the read is kept */
	rc = st_prepare(st, "DELETE FROM media WHERE path = ?1 AND size = ?2 AND mtime_ms = ?3",
			&del[0], "media_prune");
	if (rc == PLAYOUT_OK)
		rc = st_prepare(st, "DELETE FROM media_index WHERE path = ?1 AND size = ?2"
				" AND mtime_ms = ?3", &del[1], "media_prune");
	for (size_t i = 0; rc == PLAYOUT_OK && i < ndrop; i++) {
		int changed = 0;
		for (int k = 0; rc == PLAYOUT_OK && k < 2; k++) {
			sqlite3_bind_text(del[k], 1, v[i].path, -1, SQLITE_STATIC);
			sqlite3_bind_int64(del[k], 2, v[i].size);
			sqlite3_bind_int64(del[k], 3, v[i].mtime_ms);
			rc = st_step_done(st, del[k], "media_prune: delete");
			if (rc == PLAYOUT_OK)
				changed += sqlite3_changes(st->db);
		}
		removed += changed > 0;
	}
	sqlite3_finalize(del[0]);
	sqlite3_finalize(del[1]);
	rc = st_end(st, rc, "media_prune");
out:
	free_keys(v, ndrop);
	return rc < 0 ? rc : removed;
}

/* ---- slots ------------------------------------------------------------ */

int po_state_put_slots(struct po_state *st, const char *source, int64_t from_ms, int64_t to_ms,
		       int64_t fetched_ms, const struct playout_slot *v, size_t n)
{
	if (!source || (n && !v))
		return PLAYOUT_EINVAL;
	int rc = st_begin(st, 1, "put_slots");
	if (rc < 0)
		return rc;
	sqlite3_stmt *src_up = NULL, *del = NULL, *ins = NULL;
	rc = st_prepare(st,
			"INSERT INTO slot_sources(source, fetched_ms) VALUES(?1, ?2)"
			" ON CONFLICT(source) DO UPDATE SET fetched_ms = excluded.fetched_ms",
			&src_up, "put_slots");
	if (rc == PLAYOUT_OK)
		rc = st_prepare(st,
				"DELETE FROM slots WHERE source = ?1 AND start_ms < ?3 AND end_ms > ?2",
				&del, "put_slots");
	if (rc == PLAYOUT_OK)
		rc = st_prepare(st,
				"INSERT INTO slots(source, start_ms, end_ms, type, pid, title,"
				" expected_file) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
				&ins, "put_slots");
	if (rc == PLAYOUT_OK) {
		sqlite3_bind_text(src_up, 1, source, -1, SQLITE_STATIC);
		sqlite3_bind_int64(src_up, 2, fetched_ms);
		rc = st_step_done(st, src_up, "put_slots: source");
	}
	if (rc == PLAYOUT_OK) {
		sqlite3_bind_text(del, 1, source, -1, SQLITE_STATIC);
		sqlite3_bind_int64(del, 2, from_ms);
		sqlite3_bind_int64(del, 3, to_ms);
		rc = st_step_done(st, del, "put_slots: delete");
	}
	for (size_t i = 0; rc == PLAYOUT_OK && i < n; i++) {
		sqlite3_bind_text(ins, 1, source, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 2, v[i].start_ms);
		sqlite3_bind_int64(ins, 3, v[i].end_ms);
		sqlite3_bind_int(ins, 4, v[i].type);
		BIND_FIELD(ins, 5, v[i].pid);
		BIND_FIELD(ins, 6, v[i].title);
		BIND_FIELD(ins, 7, v[i].expected_file);
		rc = st_step_done(st, ins, "put_slots: insert");
	}
	sqlite3_finalize(src_up);
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	return st_end(st, rc, "put_slots");
}

int po_state_get_slots(struct po_state *st, const char *source, int64_t from_ms, int64_t to_ms,
		       struct playout_slots *out)
{
	if (!out)
		return PLAYOUT_EINVAL;
	int rc = st_begin(st, 0, "get_slots");
	if (rc < 0)
		return rc;
	size_t n0 = out->n;
	sqlite3_stmt *s = NULL;
	rc = st_prepare(st,
			"SELECT source, start_ms, end_ms, type, pid, title, expected_file FROM slots"
			" WHERE (?1 IS NULL OR source = ?1) AND start_ms < ?3 AND end_ms > ?2"
			" ORDER BY start_ms, source, rowid",
			&s, "get_slots");
	if (rc == PLAYOUT_OK) {
		if (source)
			sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, from_ms);
		sqlite3_bind_int64(s, 3, to_ms);
		int src;
		while (rc == PLAYOUT_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
			struct playout_slot x;
			memset(&x, 0, sizeof x);
			COL_COPY(x.source, s, 0);
			x.start_ms = sqlite3_column_int64(s, 1);
			x.end_ms = sqlite3_column_int64(s, 2);
			x.type = sqlite3_column_int(s, 3);
			COL_COPY(x.pid, s, 4);
			COL_COPY(x.title, s, 5);
			COL_COPY(x.expected_file, s, 6);
			rc = playout_slots_push(out, &x);
		}
		if (rc == PLAYOUT_OK && src != SQLITE_DONE)
			rc = st_sqlfail(st, src, "get_slots");
	}
	sqlite3_finalize(s);
	rc = st_end(st, rc, "get_slots");
	if (rc < 0)
		out->n = n0;
	return rc;
}

int64_t po_state_slots_fetched_ms(struct po_state *st, const char *source)
{
	if (!source || st_begin(st, 0, "slots_fetched_ms") < 0)
		return 0;
	int64_t when = 0;
	sqlite3_stmt *s = NULL;
	int rc = st_prepare(st, "SELECT fetched_ms FROM slot_sources WHERE source = ?1", &s,
			    "slots_fetched_ms");
	if (rc == PLAYOUT_OK) {
		sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
		int src = sqlite3_step(s);
		if (src == SQLITE_ROW)
			when = sqlite3_column_int64(s, 0);
		else if (src != SQLITE_DONE)
			rc = st_sqlfail(st, src, "slots_fetched_ms");
	}
	sqlite3_finalize(s);
	return st_end(st, rc, "slots_fetched_ms") == PLAYOUT_OK ? when : 0;
}

/* ---- assets ----------------------------------------------------------- */

static const char ASSET_INSERT[] =
	"INSERT OR REPLACE INTO assets(name, size, mtime_ms, etag, start_ms, start_alt_ms, pid,"
	" duration_ms, nframes, sample_rate, samples_per_frame)"
	" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

/* Write one asset row with a prepared ASSET_INSERT. */
static int bind_asset(struct po_state *st, sqlite3_stmt *ins, const struct playout_asset *a)
{
	BIND_FIELD(ins, 1, a->name);
	sqlite3_bind_int64(ins, 2, a->size);
	sqlite3_bind_int64(ins, 3, a->mtime_ms);
	BIND_FIELD(ins, 4, a->etag);
	sqlite3_bind_int64(ins, 5, a->start_ms);
	sqlite3_bind_int64(ins, 6, a->start_alt_ms);
	BIND_FIELD(ins, 7, a->pid);
	sqlite3_bind_int64(ins, 8, a->duration_ms);
	sqlite3_bind_int64(ins, 9, a->nframes);
	sqlite3_bind_int(ins, 10, a->sample_rate);
	sqlite3_bind_int(ins, 11, a->samples_per_frame);
	return st_step_done(st, ins, "assets: insert");
}

static int same_listed(const struct playout_asset *a, const struct playout_asset *b)
{
	return a->size == b->size && a->mtime_ms == b->mtime_ms && strcmp(a->etag, b->etag) == 0 &&
	       a->start_ms == b->start_ms && a->start_alt_ms == b->start_alt_ms &&
	       strcmp(a->pid, b->pid) == 0;
}

int po_state_put_assets(struct po_state *st, const struct playout_asset *v, size_t n)
{
	if (n && !v)
		return PLAYOUT_EINVAL;
	int rc = st_begin(st, 1, "put_assets");
	if (rc < 0)
		return rc;
	sqlite3_stmt *ins = NULL;
	rc = st_exec(st, "DELETE FROM assets", "put_assets: delete");
	if (rc == PLAYOUT_OK)
		rc = st_prepare(st,
				ASSET_INSERT,
				&ins, "put_assets");
	for (size_t i = 0; rc == PLAYOUT_OK && i < n; i++)
		rc = bind_asset(st, ins, &v[i]);
	sqlite3_finalize(ins);
	return st_end(st, rc, "put_assets");
}

int po_state_sync_assets(struct po_state *st, const struct playout_asset *old, size_t nold,
			 const struct playout_asset *cur, size_t ncur, size_t *written)
{
	if ((nold && !old) || (ncur && !cur))
		return PLAYOUT_EINVAL;
	size_t i = 0, j = 0, w = 0;
	*written = 0;
	/* Most rounds change nothing: do not even open a transaction. */
	while (i < nold && j < ncur && strcmp(old[i].name, cur[j].name) == 0 &&
	       same_listed(&old[i], &cur[j]))
		i++, j++;
	if (i == nold && j == ncur)
		return PLAYOUT_OK;
	int rc = st_begin(st, 1, "sync_assets");
	if (rc < 0)
		return rc;
	sqlite3_stmt *ins = NULL, *del = NULL;
	rc = st_prepare(st,
			ASSET_INSERT,
			&ins, "sync_assets");
	if (rc == PLAYOUT_OK)
		rc = st_prepare(st, "DELETE FROM assets WHERE name = ?1", &del, "sync_assets");
	while (rc == PLAYOUT_OK && (i < nold || j < ncur)) {
		int c = i == nold ? 1 : j == ncur ? -1 : po_catalog_cmp(old[i].name, cur[j].name);
		if (c < 0) {
			BIND_FIELD(del, 1, old[i].name);
			rc = st_step_done(st, del, "sync_assets: delete");
			i++;
		} else if (c > 0 || !same_listed(&old[i], &cur[j])) {
			rc = bind_asset(st, ins, &cur[j]);
			i += c == 0;
			j++;
		} else {
			i++, j++;
			continue;
		}
		w++;
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(del);
	rc = st_end(st, rc, "sync_assets");
	if (rc == PLAYOUT_OK)
		*written = w;
	return rc;
}

int po_state_get_assets(struct po_state *st, struct playout_assets *out)
{
	if (!out)
		return PLAYOUT_EINVAL;
	int rc = st_begin(st, 0, "get_assets");
	if (rc < 0)
		return rc;
	size_t n0 = out->n;
	sqlite3_stmt *s = NULL;
	rc = st_prepare(st,
			"SELECT name, size, mtime_ms, etag, start_ms, start_alt_ms, pid, duration_ms,"
			" nframes, sample_rate, samples_per_frame FROM assets ORDER BY name",
			&s, "get_assets");
	if (rc == PLAYOUT_OK) {
		int src;
		while (rc == PLAYOUT_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
			struct playout_asset a;
			memset(&a, 0, sizeof a);
			COL_COPY(a.name, s, 0);
			a.size = sqlite3_column_int64(s, 1);
			a.mtime_ms = sqlite3_column_int64(s, 2);
			COL_COPY(a.etag, s, 3);
			a.start_ms = sqlite3_column_int64(s, 4);
			a.start_alt_ms = sqlite3_column_int64(s, 5);
			COL_COPY(a.pid, s, 6);
			a.duration_ms = sqlite3_column_int64(s, 7);
			a.nframes = (uint32_t)sqlite3_column_int64(s, 8);
			a.sample_rate = sqlite3_column_int(s, 9);
			a.samples_per_frame = sqlite3_column_int(s, 10);
			rc = playout_assets_push(out, &a);
		}
		if (rc == PLAYOUT_OK && src != SQLITE_DONE)
			rc = st_sqlfail(st, src, "get_assets");
	}
	sqlite3_finalize(s);
	rc = st_end(st, rc, "get_assets");
	if (rc < 0)
		out->n = n0;
	return rc;
}

/* ---- rundown ---------------------------------------------------------- */

/* The segment list as text: each segment is
 *     FIRST_FRAME,NFRAMES,NAME_BYTES:NAME;
 * with decimal numbers; the byte count makes any character safe in NAME.
 * Example: "0,0,22:20260329_0100_abc.mp3;". No segments: "". */
#define SEGTEXT_MAX (PLAYOUT_MAX_SEGMENTS * (PLAYOUT_NAME_MAX + 40))

static int seg_encode(const struct playout_item *it, char *buf, size_t cap)
{
	if (it->nseg > PLAYOUT_MAX_SEGMENTS)
		return PLAYOUT_EINVAL;
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < it->nseg; i++) {
		const struct playout_segment *sg = &it->seg[i];
		size_t len = strnlen(sg->asset, sizeof sg->asset - 1);
		int w = snprintf(buf + off, cap - off, "%" PRIu32 ",%" PRIu32 ",%zu:%.*s;",
				 sg->first_frame, sg->nframes, len, (int)len, sg->asset);
		if (w < 0 || (size_t)w >= cap - off)
			return PLAYOUT_EINVAL;
		off += (size_t)w;
	}
	return PLAYOUT_OK;
}

/* Parse a decimal number ending at `stop`; advance *p past the stop char. */
static int seg_number(const char **p, char stop, unsigned long long max, unsigned long long *out)
{
	const char *q = *p;
	unsigned long long x = 0;
	if (*q < '0' || *q > '9')
		return -1;
	for (; *q >= '0' && *q <= '9'; q++) {
		x = x * 10 + (unsigned)(*q - '0');
		if (x > max)
			return -1;
	}
	if (*q != stop)
		return -1;
	*p = q + 1;
	*out = x;
	return 0;
}

static int seg_decode(const char *text, struct playout_item *it)
{
	const char *p = text;
	it->nseg = 0;
	while (*p) {
		unsigned long long first, nframes, len;
		if (it->nseg == PLAYOUT_MAX_SEGMENTS || seg_number(&p, ',', UINT32_MAX, &first) ||
		    seg_number(&p, ',', UINT32_MAX, &nframes) ||
		    seg_number(&p, ':', PLAYOUT_NAME_MAX - 1, &len) || strnlen(p, len) != len ||
		    p[len] != ';')
			return PLAYOUT_EPROTO;
		struct playout_segment *sg = &it->seg[it->nseg++];
		sg->first_frame = (uint32_t)first;
		sg->nframes = (uint32_t)nframes;
		memcpy(sg->asset, p, len);
		sg->asset[len] = '\0';
		p += len + 1;
	}
	return PLAYOUT_OK;
}

int po_state_put_rundown(struct po_state *st, int64_t planned_ms, int64_t from_ms,
			 const struct playout_item *v, size_t n)
{
	if (n && !v)
		return PLAYOUT_EINVAL;
	char *segtext = malloc(SEGTEXT_MAX);
	if (!segtext)
		return PLAYOUT_ENOMEM;
	int rc = st_begin(st, 1, "put_rundown");
	if (rc < 0) {
		free(segtext);
		return rc;
	}
	sqlite3_stmt *del = NULL, *ins = NULL;
	rc = st_prepare_hot(st, "DELETE FROM rundown WHERE end_ms > ?1", &del, "put_rundown");
	if (rc == PLAYOUT_OK)
		rc = st_prepare_hot(st,
				"INSERT INTO rundown(start_ms, end_ms, decision, pid, title, source,"
				" reason, cap_s, segments, planned_ms)"
				" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
				&ins, "put_rundown");
	if (rc == PLAYOUT_OK) {
		sqlite3_bind_int64(del, 1, from_ms);
		rc = st_step_done(st, del, "put_rundown: delete");
	}
	for (size_t i = 0; rc == PLAYOUT_OK && i < n; i++) {
		const struct playout_item *it = &v[i];
		if (it->end_ms <= from_ms)
			continue; /* outside the replaced window: kept as stored */
		if (seg_encode(it, segtext, SEGTEXT_MAX) < 0) {
			rc = st_fail(st, PLAYOUT_EINVAL, "put_rundown: item at %" PRId64
				     " has %zu segments (max %d)", it->start_ms, it->nseg,
				     PLAYOUT_MAX_SEGMENTS);
			break;
		}
		sqlite3_bind_int64(ins, 1, it->start_ms);
		sqlite3_bind_int64(ins, 2, it->end_ms);
		sqlite3_bind_int(ins, 3, it->decision);
		BIND_FIELD(ins, 4, it->pid);
		BIND_FIELD(ins, 5, it->title);
		BIND_FIELD(ins, 6, it->source);
		BIND_FIELD(ins, 7, it->reason);
		sqlite3_bind_int(ins, 8, it->cap_s);
		sqlite3_bind_text(ins, 9, segtext, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 10, planned_ms);
		rc = st_step_done(st, ins, "put_rundown: insert");
	}
	st_unprepare(st, del);
	st_unprepare(st, ins);
	free(segtext);
	return st_end(st, rc, "put_rundown");
}

/* Double a result array (16 to start); NULL when out of memory, and arr
 * is then still valid. */
static void *grow(void *arr, size_t *cap, size_t size)
{
	size_t ncap = *cap ? *cap * 2 : 16;
	void *na = realloc(arr, ncap * size);
	if (na)
		*cap = ncap;
	return na;
}

/* A read of many rows into one array, in its own transaction: sql with
 * ?1 = from_ms and ?2 = to_ms; row fills one zeroed element of size bytes
 * from the current row (it may fail with st_fail). *v malloc'd. */
static int st_read_rows(struct po_state *st, const char *sql, int64_t from_ms, int64_t to_ms,
			size_t size, int (*row)(struct po_state *, sqlite3_stmt *, void *),
			void **v, size_t *n, const char *what)
{
	*v = NULL;
	*n = 0;
	int rc = st_begin(st, 0, what);
	if (rc < 0)
		return rc;
	unsigned char *arr = NULL;
	size_t len = 0, cap = 0;
	sqlite3_stmt *s = NULL;
	rc = st_prepare_hot(st, sql, &s, what);
	if (rc == PLAYOUT_OK) {
		sqlite3_bind_int64(s, 1, from_ms);
		sqlite3_bind_int64(s, 2, to_ms);
		int src;
		while (rc == PLAYOUT_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
			if (len == cap) {
				void *na = grow(arr, &cap, size);
				if (!na) {
					rc = PLAYOUT_ENOMEM;
					break;
				}
				arr = na;
			}
			memset(arr + len * size, 0, size);
			rc = row(st, s, arr + len * size);
			len += rc == PLAYOUT_OK;
		}
		if (rc == PLAYOUT_OK && src != SQLITE_DONE)
			rc = st_sqlfail(st, src, what);
	}
	st_unprepare(st, s);
	rc = st_end(st, rc, what);
	if (rc < 0) {
		free(arr);
		return rc;
	}
	*v = arr;
	*n = len;
	return PLAYOUT_OK;
}

static int rundown_row(struct po_state *st, sqlite3_stmt *s, void *elem)
{
	struct playout_item *it = elem;
	it->start_ms = sqlite3_column_int64(s, 0);
	it->end_ms = sqlite3_column_int64(s, 1);
	it->decision = sqlite3_column_int(s, 2);
	COL_COPY(it->pid, s, 3);
	COL_COPY(it->title, s, 4);
	COL_COPY(it->source, s, 5);
	COL_COPY(it->reason, s, 6);
	it->cap_s = sqlite3_column_int(s, 7);
	const unsigned char *seg = sqlite3_column_text(s, 8);
	if (seg_decode(seg ? (const char *)seg : "", it) < 0)
		return st_fail(st, PLAYOUT_EPROTO,
			       "get_rundown: item at %" PRId64 " has malformed segments", it->start_ms);
	return PLAYOUT_OK;
}

int po_state_get_rundown(struct po_state *st, int64_t from_ms, int64_t to_ms,
			 struct playout_item **v, size_t *n)
{
	if (!v || !n)
		return PLAYOUT_EINVAL;
	void *arr = NULL;
	int rc = st_read_rows(st,
			      "SELECT start_ms, end_ms, decision, pid, title, source, reason, cap_s,"
			      " segments FROM rundown WHERE start_ms < ?2 AND end_ms > ?1"
			      " ORDER BY start_ms, rowid",
			      from_ms, to_ms, sizeof **v, rundown_row, &arr, n, "get_rundown");
	*v = arr;
	return rc;
}

/* ---- plays ------------------------------------------------------------ */

int po_state_play_begin(struct po_state *st, struct po_play *p)
{
	if (!p)
		return PLAYOUT_EINVAL;
	int rc = st_begin(st, 1, "play_begin");
	if (rc < 0)
		return rc;
	if (!p->outcome[0])
		snprintf(p->outcome, sizeof p->outcome, "playing");
	sqlite3_stmt *s = NULL;
	rc = st_prepare_hot(st,
			"INSERT INTO plays(output, pid, title, asset, decision, scheduled_ms,"
			" started_us, start_error_us, ended_ms, bytes, outcome, detail, join_ms,"
			" join_delay_us, lost_ms, sent_ms)"
			" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
			&s, "play_begin");
	if (rc == PLAYOUT_OK) {
		BIND_FIELD(s, 1, p->output);
		BIND_FIELD(s, 2, p->pid);
		BIND_FIELD(s, 3, p->title);
		BIND_FIELD(s, 4, p->asset);
		sqlite3_bind_int(s, 5, p->decision);
		sqlite3_bind_int64(s, 6, p->scheduled_ms);
		sqlite3_bind_int64(s, 7, p->started_us);
		sqlite3_bind_int64(s, 8, p->start_error_us);
		sqlite3_bind_int64(s, 9, p->ended_ms);
		sqlite3_bind_int64(s, 10, p->bytes);
		BIND_FIELD(s, 11, p->outcome);
		BIND_FIELD(s, 12, p->detail);
		sqlite3_bind_int64(s, 13, p->join_ms);
		sqlite3_bind_int64(s, 14, p->join_delay_us);
		sqlite3_bind_int64(s, 15, p->lost_ms);
		sqlite3_bind_int64(s, 16, p->sent_ms);
		rc = st_step_done(st, s, "play_begin");
	}
	st_unprepare(st, s);
	int64_t id = sqlite3_last_insert_rowid(st->db);
	rc = st_end(st, rc, "play_begin");
	if (rc == PLAYOUT_OK)
		p->id = id;
	return rc;
}

int po_state_play_end(struct po_state *st, const struct po_play *p)
{
	if (!p)
		return PLAYOUT_EINVAL;
	int rc = st_begin(st, 1, "play_end");
	if (rc < 0)
		return rc;
	sqlite3_stmt *s = NULL;
	rc = st_prepare_hot(st,
			"UPDATE plays SET started_us = ?2, start_error_us = ?3, ended_ms = ?4,"
			" bytes = ?5, outcome = ?6, detail = ?7, join_ms = ?8, join_delay_us = ?9,"
			" lost_ms = ?10, sent_ms = ?11 WHERE id = ?1",
			&s, "play_end");
	if (rc == PLAYOUT_OK) {
		sqlite3_bind_int64(s, 1, p->id);
		sqlite3_bind_int64(s, 2, p->started_us);
		sqlite3_bind_int64(s, 3, p->start_error_us);
		sqlite3_bind_int64(s, 4, p->ended_ms);
		sqlite3_bind_int64(s, 5, p->bytes);
		if (p->outcome[0])
			BIND_FIELD(s, 6, p->outcome);
		else
			sqlite3_bind_text(s, 6, "complete", -1, SQLITE_STATIC);
		BIND_FIELD(s, 7, p->detail);
		sqlite3_bind_int64(s, 8, p->join_ms);
		sqlite3_bind_int64(s, 9, p->join_delay_us);
		sqlite3_bind_int64(s, 10, p->lost_ms);
		sqlite3_bind_int64(s, 11, p->sent_ms);
		rc = st_step_done(st, s, "play_end");
		if (rc == PLAYOUT_OK && sqlite3_changes(st->db) == 0)
			rc = st_fail(st, PLAYOUT_ENOTFOUND, "play_end: no play with id %" PRId64,
				     p->id);
	}
	st_unprepare(st, s);
	return st_end(st, rc, "play_end");
}

int po_state_play_started(struct po_state *st, const struct po_play *p)
{
	if (!p)
		return PLAYOUT_EINVAL;
	int rc = st_begin(st, 1, "play_started");
	if (rc < 0)
		return rc;
	sqlite3_stmt *s = NULL;
	rc = st_prepare_hot(st,
			"UPDATE plays SET started_us = ?2, start_error_us = ?3, join_ms = ?4,"
			" join_delay_us = ?5 WHERE id = ?1",
			&s, "play_started");
	if (rc == PLAYOUT_OK) {
		sqlite3_bind_int64(s, 1, p->id);
		sqlite3_bind_int64(s, 2, p->started_us);
		sqlite3_bind_int64(s, 3, p->start_error_us);
		sqlite3_bind_int64(s, 4, p->join_ms);
		sqlite3_bind_int64(s, 5, p->join_delay_us);
		rc = st_step_done(st, s, "play_started");
		if (rc == PLAYOUT_OK && sqlite3_changes(st->db) == 0)
			rc = st_fail(st, PLAYOUT_ENOTFOUND, "play_started: no play with id %" PRId64,
				     p->id);
	}
	st_unprepare(st, s);
	return st_end(st, rc, "play_started");
}

static int play_row(struct po_state *st, sqlite3_stmt *s, void *elem)
{
	struct po_play *p = elem;
	(void)st;
	p->id = sqlite3_column_int64(s, 0);
	COL_COPY(p->output, s, 1);
	COL_COPY(p->pid, s, 2);
	COL_COPY(p->title, s, 3);
	COL_COPY(p->asset, s, 4);
	p->decision = sqlite3_column_int(s, 5);
	p->scheduled_ms = sqlite3_column_int64(s, 6);
	p->started_us = sqlite3_column_int64(s, 7);
	p->start_error_us = sqlite3_column_int64(s, 8);
	p->ended_ms = sqlite3_column_int64(s, 9);
	p->bytes = sqlite3_column_int64(s, 10);
	COL_COPY(p->outcome, s, 11);
	COL_COPY(p->detail, s, 12);
	p->join_ms = sqlite3_column_int64(s, 13);
	p->join_delay_us = sqlite3_column_int64(s, 14);
	p->lost_ms = sqlite3_column_int64(s, 15);
	p->sent_ms = sqlite3_column_int64(s, 16);
	p->ngaps = sqlite3_column_int(s, 17);
	return PLAYOUT_OK;
}

int po_state_get_plays(struct po_state *st, int64_t from_ms, int64_t to_ms,
		       struct po_play **v, size_t *n)
{
	if (!v || !n)
		return PLAYOUT_EINVAL;
	void *arr = NULL;
	int rc = st_read_rows(st,
			      "SELECT id, output, pid, title, asset, decision, scheduled_ms, started_us,"
			      " start_error_us, ended_ms, bytes, outcome, detail, join_ms, join_delay_us,"
			      " lost_ms, sent_ms,"
			      " (SELECT count(*) FROM play_gaps g WHERE g.play_id = plays.id) FROM plays"
			      " WHERE scheduled_ms >= ?1 AND scheduled_ms < ?2 ORDER BY scheduled_ms, id",
			      from_ms, to_ms, sizeof **v, play_row, &arr, n, "get_plays");
	*v = arr;
	return rc;
}

int po_state_close_open_plays(struct po_state *st, int64_t now_ms)
{
	int rc = st_begin(st, 1, "close_open_plays");
	if (rc < 0)
		return rc;
	sqlite3_stmt *s = NULL;
	rc = st_prepare(st,
			"UPDATE plays SET outcome = 'interrupted',"
			" ended_ms = CASE WHEN sent_ms > 0 THEN sent_ms ELSE ?1 END"
			" WHERE outcome = 'playing'",
			&s, "close_open_plays");
	if (rc == PLAYOUT_OK) {
		sqlite3_bind_int64(s, 1, now_ms);
		rc = st_step_done(st, s, "close_open_plays");
		if (rc == PLAYOUT_OK && sqlite3_changes(st->db) > 0)
			po_log_notice(LOG_SRC, "%s: %d play(s) left open by the last run marked "
				      "interrupted", st->path, sqlite3_changes(st->db));
	}
	sqlite3_finalize(s);
	return st_end(st, rc, "close_open_plays");
}

/* One statement on play id, under one write transaction. */
static int play_update(struct po_state *st, const char *sql, int64_t id, int64_t a, int64_t b,
		       const char *what)
{
	int rc = st_begin(st, 1, what);
	if (rc < 0)
		return rc;
	sqlite3_stmt *s = NULL;
	rc = st_prepare_hot(st, sql, &s, what);
	if (rc == PLAYOUT_OK) {
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, a);
		sqlite3_bind_int64(s, 3, b);
		rc = st_step_done(st, s, what);
		if (rc == PLAYOUT_OK && sqlite3_changes(st->db) == 0)
			rc = st_fail(st, PLAYOUT_ENOTFOUND, "%s: no play with id %" PRId64, what, id);
	}
	st_unprepare(st, s);
	return st_end(st, rc, what);
}

int po_state_play_progress(struct po_state *st, int64_t id, int64_t bytes, int64_t sent_ms)
{
	return play_update(st, "UPDATE plays SET bytes = ?2, sent_ms = ?3 WHERE id = ?1", id, bytes,
			   sent_ms, "play_progress");
}

int po_state_play_gap(struct po_state *st, const struct po_play_gap *g)
{
	if (!g)
		return PLAYOUT_EINVAL;
	int rc = st_begin(st, 1, "play_gap");
	if (rc < 0)
		return rc;
	sqlite3_stmt *s = NULL;
	rc = st_prepare_hot(st,
			"INSERT INTO play_gaps(play_id, at_ms, length_ms, skipped_ms,"
			" resume_delay_us, reason) SELECT id, ?2, ?3, ?4, ?5, ?6 FROM plays"
			" WHERE id = ?1",
			&s, "play_gap");
	if (rc == PLAYOUT_OK) {
		sqlite3_bind_int64(s, 1, g->play_id);
		sqlite3_bind_int64(s, 2, g->at_ms);
		sqlite3_bind_int64(s, 3, g->length_ms);
		sqlite3_bind_int64(s, 4, g->skipped_ms);
		sqlite3_bind_int64(s, 5, g->resume_delay_us);
		BIND_FIELD(s, 6, g->reason);
		rc = st_step_done(st, s, "play_gap");
		if (rc == PLAYOUT_OK && sqlite3_changes(st->db) == 0)
			rc = st_fail(st, PLAYOUT_ENOTFOUND, "play_gap: no play with id %" PRId64,
				     g->play_id);
	}
	st_unprepare(st, s);
	s = NULL;
	/* The play's total follows its gaps even if its END never comes. */
	if (rc == PLAYOUT_OK)
		rc = st_prepare_hot(st, "UPDATE plays SET lost_ms = lost_ms + ?2 WHERE id = ?1", &s,
				"play_gap");
	if (rc == PLAYOUT_OK) {
		sqlite3_bind_int64(s, 1, g->play_id);
		sqlite3_bind_int64(s, 2, g->skipped_ms);
		rc = st_step_done(st, s, "play_gap");
	}
	st_unprepare(st, s);
	return st_end(st, rc, "play_gap");
}

static int gap_row(struct po_state *st, sqlite3_stmt *s, void *elem)
{
	struct po_play_gap *g = elem;
	(void)st;
	g->play_id = sqlite3_column_int64(s, 0);
	g->at_ms = sqlite3_column_int64(s, 1);
	g->length_ms = sqlite3_column_int64(s, 2);
	g->skipped_ms = sqlite3_column_int64(s, 3);
	g->resume_delay_us = sqlite3_column_int64(s, 4);
	COL_COPY(g->reason, s, 5);
	return PLAYOUT_OK;
}

int po_state_get_play_gaps(struct po_state *st, int64_t play_id, struct po_play_gap **v,
			   size_t *n)
{
	if (!v || !n)
		return PLAYOUT_EINVAL;
	void *arr = NULL;
	int rc = st_read_rows(st,
			      "SELECT play_id, at_ms, length_ms, skipped_ms, resume_delay_us, reason"
			      " FROM play_gaps WHERE play_id >= ?1 AND play_id <= ?2"
			      " ORDER BY play_id, at_ms, rowid",
			      play_id, play_id, sizeof **v, gap_row, &arr, n, "get_play_gaps");
	*v = arr;
	return rc;
}

int po_state_play_rejoin(struct po_state *st, const struct po_play *p, struct po_play *prev)
{
	if (!p || !prev)
		return PLAYOUT_EINVAL;
	int rc = st_begin(st, 1, "play_rejoin");
	if (rc < 0)
		return rc;
	sqlite3_stmt *s = NULL;
	int found = 0;
	rc = st_prepare(st,
			"SELECT id, output, pid, title, asset, decision, scheduled_ms, started_us,"
			" start_error_us, ended_ms, bytes, outcome, detail, join_ms, join_delay_us,"
			" lost_ms, sent_ms, 0 FROM plays WHERE output = ?1 AND scheduled_ms = ?2"
			" AND pid = ?3 AND outcome = 'interrupted' AND ended_ms > 0"
			" ORDER BY id DESC LIMIT 1",
			&s, "play_rejoin");
	if (rc == PLAYOUT_OK) {
		BIND_FIELD(s, 1, p->output);
		sqlite3_bind_int64(s, 2, p->scheduled_ms);
		BIND_FIELD(s, 3, p->pid);
		int src = sqlite3_step(s);
		if (src == SQLITE_ROW) {
			memset(prev, 0, sizeof *prev);
			rc = play_row(st, s, prev);
			found = rc == PLAYOUT_OK;
		} else if (src != SQLITE_DONE) {
			rc = st_sqlfail(st, src, "play_rejoin");
		}
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc == PLAYOUT_OK && !found)
		rc = st_fail(st, PLAYOUT_ENOTFOUND, "play_rejoin: no interrupted play to continue");
	/* The audio between the last progress and the frame joined at never
	 * went out as far as the record knows. */
	int64_t skipped = p->join_ms - (prev->ended_ms - prev->scheduled_ms);
	if (skipped < 0)
		skipped = 0;
	if (rc == PLAYOUT_OK)
		rc = st_prepare(st,
				"INSERT INTO play_gaps(play_id, at_ms, length_ms, skipped_ms,"
				" resume_delay_us, reason) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
				&s, "play_rejoin");
	/* the rejoin's instant: its first audio, or where it joined with the
	 * output down (no audio yet) */
	int64_t back_ms = p->started_us ? p->started_us / 1000 : p->scheduled_ms + p->join_ms;
	if (rc == PLAYOUT_OK) {
		sqlite3_bind_int64(s, 1, prev->id);
		sqlite3_bind_int64(s, 2, prev->ended_ms);
		sqlite3_bind_int64(s, 3, back_ms > prev->ended_ms ? back_ms - prev->ended_ms : 0);
		sqlite3_bind_int64(s, 4, skipped);
		sqlite3_bind_int64(s, 5, p->join_delay_us);
		sqlite3_bind_text(s, 6, "playoutd stopped; joined again after its restart", -1,
				  SQLITE_STATIC);
		rc = st_step_done(st, s, "play_rejoin");
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc == PLAYOUT_OK)
		rc = st_prepare(st,
				"UPDATE plays SET outcome = 'playing', ended_ms = 0,"
				" lost_ms = lost_ms + ?2 WHERE id = ?1",
				&s, "play_rejoin");
	if (rc == PLAYOUT_OK) {
		sqlite3_bind_int64(s, 1, prev->id);
		sqlite3_bind_int64(s, 2, skipped);
		rc = st_step_done(st, s, "play_rejoin");
	}
	sqlite3_finalize(s);
	if (rc == PLAYOUT_OK) {
		prev->lost_ms += skipped;
		prev->ended_ms = 0;
		snprintf(prev->outcome, sizeof prev->outcome, "playing");
	}
	return st_end(st, rc, "play_rejoin");
}

/* ---- output status ------------------------------------------------------ */

int po_state_put_output_status(struct po_state *st, const struct po_output_status *o)
{
	if (!o)
		return PLAYOUT_EINVAL;
	int rc = st_begin(st, 1, "put_output_status");
	if (rc < 0)
		return rc;
	sqlite3_stmt *s = NULL;
	rc = st_prepare_hot(st,
			"INSERT OR REPLACE INTO output_status(output, state, since_ms, last_error,"
			" error_ms, pid, title, scheduled_ms, position_ms, end_ms, lead_ms, updated_ms)"
			" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
			&s, "put_output_status");
	if (rc == PLAYOUT_OK) {
		BIND_FIELD(s, 1, o->output);
		BIND_FIELD(s, 2, o->state);
		sqlite3_bind_int64(s, 3, o->since_ms);
		BIND_FIELD(s, 4, o->last_error);
		sqlite3_bind_int64(s, 5, o->error_ms);
		BIND_FIELD(s, 6, o->pid);
		BIND_FIELD(s, 7, o->title);
		sqlite3_bind_int64(s, 8, o->scheduled_ms);
		sqlite3_bind_int64(s, 9, o->position_ms);
		sqlite3_bind_int64(s, 10, o->end_ms);
		sqlite3_bind_int64(s, 11, o->lead_ms);
		sqlite3_bind_int64(s, 12, o->updated_ms);
		rc = st_step_done(st, s, "put_output_status");
	}
	st_unprepare(st, s);
	return st_end(st, rc, "put_output_status");
}

int po_state_clear_output_status(struct po_state *st)
{
	int rc = st_begin(st, 1, "clear_output_status");
	if (rc < 0)
		return rc;
	rc = st_exec(st, "DELETE FROM output_status", "clear_output_status");
	return st_end(st, rc, "clear_output_status");
}

static int output_status_row(struct po_state *st, sqlite3_stmt *s, void *elem)
{
	struct po_output_status *o = elem;
	(void)st;
	COL_COPY(o->output, s, 0);
	COL_COPY(o->state, s, 1);
	o->since_ms = sqlite3_column_int64(s, 2);
	COL_COPY(o->last_error, s, 3);
	o->error_ms = sqlite3_column_int64(s, 4);
	COL_COPY(o->pid, s, 5);
	COL_COPY(o->title, s, 6);
	o->scheduled_ms = sqlite3_column_int64(s, 7);
	o->position_ms = sqlite3_column_int64(s, 8);
	o->end_ms = sqlite3_column_int64(s, 9);
	o->lead_ms = sqlite3_column_int64(s, 10);
	o->updated_ms = sqlite3_column_int64(s, 11);
	return PLAYOUT_OK;
}

int po_state_get_output_status(struct po_state *st, struct po_output_status **v, size_t *n)
{
	if (!v || !n)
		return PLAYOUT_EINVAL;
	void *arr = NULL;
	int rc = st_read_rows(st,
			      "SELECT output, state, since_ms, last_error, error_ms, pid, title,"
			      " scheduled_ms, position_ms, end_ms, lead_ms, updated_ms FROM output_status"
			      " WHERE ?1 <= ?2 ORDER BY output",
			      0, 0, sizeof **v, output_status_row, &arr, n, "get_output_status");
	*v = arr;
	return rc;
}

/* ---- figures for the metrics page ------------------------------------- */

int po_state_each_play_figure(struct po_state *st,
			      void (*fn)(const struct po_play_figure *f, void *arg), void *arg)
{
	if (!fn || st_begin(st, 0, "each_play_figure") < 0)
		return PLAYOUT_EINVAL;
	sqlite3_stmt *s = NULL;
	int rc = st_prepare(st,
			    "SELECT output, outcome, started_us, join_ms, start_error_us, bytes,"
			    " (SELECT count(*) FROM play_gaps g WHERE g.play_id = plays.id)"
			    " FROM plays ORDER BY output, id",
			    &s, "each_play_figure");
	int src = SQLITE_DONE;
	while (rc == PLAYOUT_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
		struct po_play_figure f = {0};
		const unsigned char *t = sqlite3_column_text(s, 0);
		snprintf(f.output, sizeof f.output, "%s", t ? (const char *)t : "");
		t = sqlite3_column_text(s, 1);
		snprintf(f.outcome, sizeof f.outcome, "%s", t ? (const char *)t : "");
		f.started = sqlite3_column_int64(s, 2) != 0 && sqlite3_column_int64(s, 3) == 0;
		f.start_error_us = sqlite3_column_int64(s, 4);
		f.bytes = sqlite3_column_int64(s, 5);
		f.gaps = sqlite3_column_int64(s, 6);
		fn(&f, arg);
	}
	if (rc == PLAYOUT_OK && src != SQLITE_DONE)
		rc = st_sqlfail(st, src, "each_play_figure");
	sqlite3_finalize(s);
	return st_end(st, rc, "each_play_figure");
}

int64_t po_state_last_planned_ms(struct po_state *st)
{
	if (st_begin(st, 0, "last_planned_ms") < 0)
		return 0;
	int64_t when = 0;
	sqlite3_stmt *s = NULL;
	int rc = st_prepare(st, "SELECT max(planned_ms) FROM rundown", &s, "last_planned_ms");
	if (rc == PLAYOUT_OK) {
		int src = sqlite3_step(s);
		if (src == SQLITE_ROW)
			when = sqlite3_column_int64(s, 0);
		else if (src != SQLITE_DONE)
			rc = st_sqlfail(st, src, "last_planned_ms");
	}
	sqlite3_finalize(s);
	return st_end(st, rc, "last_planned_ms") == PLAYOUT_OK ? when : 0;
}
