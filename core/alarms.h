/*
 * Alarms: from what the daemon knows (the rundown, the catalogue's probe
 * verdicts, the sources' health, the outputs' status) to the set of causes
 * a person should hear about, and the diff of that set against what was
 * already said (the state's alarms table). Pure: no I/O, no clock, no
 * lock; the caller passes everything in. Any thread.
 */
#ifndef PO_ALARMS_H
#define PO_ALARMS_H

#include <stddef.h>
#include <stdint.h>

#include <playout/plugin.h>

enum po_alarm_type {
	PO_ALARM_SLOT_MISSING = 0,
	PO_ALARM_FILE_REJECTED,
	PO_ALARM_FALLBACK,
	PO_ALARM_OUTPUT_DOWN,
	PO_ALARM_SCHEDULE_STALE,
	PO_ALARM_STORAGE_UNREACHABLE,
	PO_ALARM_DISK_LOW,
	PO_ALARM_LATE_START,
	PO_ALARM_DAEMON,
	PO_ALARM_NTYPES
};

/* "slot-missing", ...; "resolved" for PO_ALARM_NTYPES; NULL out of range. */
const char *po_alarm_type_name(int type);
/* The type named s, PO_ALARM_NTYPES for "resolved", -1 when unknown. */
int po_alarm_type_parse(const char *s);

#define PO_ALARM_MAX_LEADS 8

/* The "alarms" group of the config (defaults: po_alarm_conf_default). */
struct po_alarm_conf {
	int missing_leads_min[PO_ALARM_MAX_LEADS]; /* descending: 1440, 120, 15 */
	size_t nleads;
	int schedule_stale_min;  /* a source failing this long: 60 */
	int storage_unreachable_min; /* the storage failing to list this
	                            long: 15 (new uploads go unseen) */
	int disk_low_mb;         /* cache free space below this: 1024 */
	int output_down_s;       /* an output down this long: 30 */
	int late_start_ms;       /* a start error above this: 1000 */
	double lufs_min, lufs_max; /* integrated loudness outside: -30, -8 */
};
void po_alarm_conf_default(struct po_alarm_conf *c);

/* One notify instance's filter, handled by the core. */
struct po_alarm_filter {
	uint32_t types;          /* bit per enum po_alarm_type; all by default */
	char **pids;             /* NULL: every programme; else npids
	                            lower-case ids (owned by the config) */
	size_t npids;
	int min_level;           /* enum playout_log_level; WARN by default: an
	                            event at this level or more urgent passes */
};
/* 1 when an event of this type, pid ("" when none) and level passes. A
 * resolved event is judged by the alarm it ends (its type and level), so
 * an instance hears the end of what it heard. */
int po_alarm_filter_pass(const struct po_alarm_filter *f, int type, const char *pid, int level);

/* One cause. key names it (stable across rounds and restarts); stage tells
 * steps of one cause apart (a missing file's lead time in minutes), each
 * said once; a oneshot cause is said once and never resolved (a late
 * start, the daemon starting). */
struct po_alarm {
	char key[200];
	int stage;
	int type;                /* enum po_alarm_type */
	int level;               /* enum playout_log_level */
	int oneshot;
	int hold;                /* neither said nor resolved: the cause may be
	                            over but it is not known yet (a file that
	                            arrived and is not measured yet) */
	char pid[PLAYOUT_PID_MAX];
	char title[PLAYOUT_TITLE_MAX];
	int64_t start_ms;        /* the programme's air time; 0 when none */
	char message[512];       /* one line */
	char body[2048];         /* lines for people: what, when, what instead,
	                            how to fix */
};

struct po_alarms {
	struct po_alarm *v;
	size_t n, cap;
};
int po_alarms_push(struct po_alarms *a, const struct po_alarm *x); /* ENOMEM */
void po_alarms_free(struct po_alarms *a);

/* One schedule source's health. */
struct po_source_health {
	char label[64];
	int failing;
	int64_t failing_since_ms; /* first failure since the last answer */
	char why[256];
};

/* What the collector looks at; every array borrowed for the call. */
struct po_alarm_facts {
	int64_t now_ms;
	const struct playout_item *items;   /* the rundown, sorted */
	size_t nitems;
	const struct playout_slot *slots;   /* the slots it was planned from */
	size_t nslots;
	const struct playout_asset *assets; /* the catalogue (catalog.h: sorted),
	                                       flags filled */
	size_t nassets;
	const double *lufs;                 /* nassets integrated loudness
	                                       values (NAN: unknown), or NULL */
	const struct po_source_health *sources;
	size_t nsources;
	int files_unknown;                  /* the storage has not answered since
	                                       the start: a file may be there
	                                       unseen, so no file is called
	                                       missing yet (nor found) */
	int storage_failing;
	int64_t storage_failing_since_ms;
	char storage_why[256];
	int64_t disk_free_mb;               /* -1: unknown */
	const char *cache_dir;
	const char *upload_hint;            /* "the folder /srv/prerecs": where
	                                       files go; NULL: "the storage" */
	/* outputs: name, down since (0: up), last error, item due now */
	size_t noutputs;
	const char *const *output_names;
	const int64_t *output_down_since_ms;
	const char *const *output_errors;
	const int *output_item_due;         /* an item should be on air now */
};

/* The causes standing now, appended to out. Returns PLAYOUT_OK or ENOMEM. */
int po_alarms_collect(const struct po_alarm_conf *c, const struct po_alarm_facts *f,
		      struct po_alarms *out);

/* A row of the state's alarms table as the diff needs it. */
struct po_alarm_row {
	char key[200];
	int stage;
	int oneshot;
	int64_t start_ms;
	int64_t resolved_ms;     /* 0 while the cause stands */
	int type, level;
	char pid[PLAYOUT_PID_MAX];
	char title[PLAYOUT_TITLE_MAX];
};

/* What changed. raise: indexes into the causes to say now; resolve:
 * indexes into the rows whose cause went away, one per key (the first row
 * of that key); expire: indexes of rows whose programme has aired while
 * the cause stood: forget them without a word (the air time passed; the
 * history says what played). Caller frees the three arrays. */
struct po_alarm_diff {
	size_t *raise, nraise;
	size_t *resolve, nresolve;
	size_t *expire, nexpire;
};
/* causes: standing now; rows: the stored, unresolved and resolved alike.
 * A cause is raised when no row of its key and stage stands (a held one
 * never is, but keeps its key standing); a key
 * without a standing cause whose rows stand is resolved, unless oneshot
 * (never resolved) or its programme's time has come (expired: the cause
 * ended by airing, not by a fix). Returns PLAYOUT_OK or ENOMEM. */
int po_alarms_diff(const struct po_alarm *causes, size_t ncauses, const struct po_alarm_row *rows,
		   size_t nrows, int64_t now_ms, struct po_alarm_diff *out);
void po_alarm_diff_free(struct po_alarm_diff *d);

/* Text into dst (n bytes), cut at a character boundary when too long:
 * alarm texts quote titles and reasons of any length. */
void po_alarm_setf(char *dst, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The file name a RECORDED slot expects: its expected_file, else
 * yyyymmdd_hhmm_<pid>.mp3 in station time (the process zone). */
void po_alarm_expected_name(const struct playout_slot *s, char *buf, size_t n);

#endif
