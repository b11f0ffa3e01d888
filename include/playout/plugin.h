/*
 * playout plugin contract 2: the one header a plugin includes (helpers that
 * save rewriting common code are in <playout/util.h>).
 *
 * A plugin is a libtool module exporting `const struct playout_plugin
 * playout_plugin`. The core loads it with libltdl and checks the contract
 * version, the kind and that every op the kind needs is there; then, per
 * instance, it validates the config group against .settings, fills in the
 * defaults, and calls .create, which sees only valid values.
 * Plugins never call core symbols: every service comes through playout_host.
 *
 * Versions. A major number changes when anything a built plugin relies on
 * changes: the layout of the data structs (slot, asset, item, setting...),
 * which are passed in arrays and so can never grow within a major. A minor
 * number grows when something is appended: an op at the end of an ops
 * struct, a member at the end of playout_host, a kind. A core accepts a
 * plugin built for its major and any minor up to its own; the .size members
 * tell each side how much of the other's struct exists (PLAYOUT_HAS).
 *   2.0  descriptor with sizes, typed ops checked by the loader, settings
 *        with defaults, ranges and enumerations
 *   2.1  host->utc_to_local; the notify kind (for alarms)
 *   2.2  playout_item_meta.format: an output may be given Ogg Vorbis or
 *        Ogg Opus pages instead of MP3 frames (a struct passed singly,
 *        never in an array, so it may grow at its end)
 *
 * Messages. A plugin's error messages and log lines never name the instance
 * ("icecast:main: ..."): the core adds the label wherever it shows them. Say
 * what failed, on what (a path, a host:port, an event id), and why.
 */
#ifndef PLAYOUT_PLUGIN_H
#define PLAYOUT_PLUGIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libconfig.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PLAYOUT_ABI_MAJOR 2
#define PLAYOUT_ABI_MINOR 2

/* 1 when the struct at p (which starts with a size_t size member filled by
 * whoever built it) is long enough to hold member m: test an op or host
 * member appended in a later minor before using it. */
#define PLAYOUT_HAS(p, type, m) \
	((p)->size >= offsetof(type, m) + sizeof(((type *)0)->m))

/* ---- errors ------------------------------------------------------------ */

enum playout_code {
	PLAYOUT_OK = 0,
	PLAYOUT_EINVAL = -1,    /* bad argument or bad input data */
	PLAYOUT_EIO = -2,       /* local I/O failed */
	PLAYOUT_ENOTFOUND = -3, /* no such file, key, event, parameter */
	PLAYOUT_ENOMEM = -4,
	PLAYOUT_ETIMEOUT = -5,
	PLAYOUT_EAUTH = -6,     /* refused credentials, bad signature */
	PLAYOUT_EPROTO = -7,    /* peer answered something we cannot use */
	PLAYOUT_EUNAVAIL = -8,  /* peer unreachable or down; try later */
	PLAYOUT_ECONFIG = -9,   /* configuration is wrong */
};

/* Caller-owned; the callee fills msg with what, where and why. */
struct playout_error {
	int code;
	char msg[256];
};

/* Where to end text that must be cut to at most n bytes (s holds more than
 * n): after the last whole word when one ends in the second half, else at a
 * UTF-8 character boundary, so no word and no character is cut in two.
 * Trailing spaces are not kept. */
static inline size_t playout_text_cut_at(const char *s, size_t n)
{
	size_t end = n;
	while (end > 0 && ((unsigned char)s[end] & 0xC0u) == 0x80u)
		end--; /* s[end] continues a character: keep none of it */
	for (size_t i = end; i > n / 2; i--) {
		if (s[i] == ' ') {
			end = i;
			break;
		}
	}
	while (end > 0 && s[end - 1] == ' ')
		end--;
	return end;
}

/* Fill err (may be NULL) and return code, so callers can `return
 * playout_error_set(err, PLAYOUT_EIO, "...", ...);`. A message longer than
 * msg ends at a word with "...", so a reader sees it was shortened. */
static inline int playout_error_set(struct playout_error *err, int code,
				    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline int playout_error_set(struct playout_error *err, int code,
				    const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		err->code = code;
		int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
		if (n >= (int)sizeof err->msg) {
			/* msg[252] is still text: the cut may look at it */
			size_t at = playout_text_cut_at(err->msg, sizeof err->msg - 4);
			memcpy(err->msg + at, "...", 4);
		}
	}
	return code;
}

/* ---- logging levels ------------------------------------------------------ */

enum playout_log_level {
	PLAYOUT_LOG_ERROR = 0,
	PLAYOUT_LOG_WARN,
	PLAYOUT_LOG_NOTICE,
	PLAYOUT_LOG_INFO,
	PLAYOUT_LOG_DEBUG,
};

/* ---- schedule data ----------------------------------------------------- */

enum playout_slot_type {
	PLAYOUT_SLOT_RECORDED = 0, /* a pre-recorded programme is expected */
	PLAYOUT_SLOT_LIVE = 1,     /* presented live: nothing to play */
};

#define PLAYOUT_PID_MAX 64
#define PLAYOUT_TITLE_MAX 256
#define PLAYOUT_NAME_MAX 256

/* One schedule entry. Times are UTC milliseconds since the epoch. */
struct playout_slot {
	int64_t start_ms;
	int64_t end_ms;
	int type;                             /* enum playout_slot_type */
	char pid[PLAYOUT_PID_MAX];            /* as written; compared case-insensitively */
	char title[PLAYOUT_TITLE_MAX];
	char expected_file[PLAYOUT_NAME_MAX]; /* may be empty */
	char source[64];                      /* filled by the core: "csv:main" */
};

/* A growable array. The core owns it and frees v with free(); plugins append
 * with playout_slots_push. */
struct playout_slots {
	struct playout_slot *v;
	size_t n, cap;
};

static inline int playout_slots_push(struct playout_slots *s,
				     const struct playout_slot *x)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct playout_slot *v = (struct playout_slot *)realloc(s->v, cap * sizeof *v);
		if (!v)
			return PLAYOUT_ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *x;
	return PLAYOUT_OK;
}

/* ---- storage data ------------------------------------------------------ */

/* One file a storage plugin can provide. The plugin fills name, size,
 * mtime_ms and (if it has one) etag; the core fills the parsed fields. */
struct playout_asset {
	char name[PLAYOUT_NAME_MAX]; /* key within the storage: a bare file name */
	int64_t size;
	int64_t mtime_ms;
	char etag[80];
	/* filled by the core from the name: */
	int64_t start_ms;            /* UTC instant the name says, or 0 if none */
	int64_t start_alt_ms;        /* second instant when the local time falls in
	                                the repeated autumn hour, else 0 */
	char pid[PLAYOUT_PID_MAX];   /* lower-cased */
	/* filled by the core once the cached copy is indexed (else 0): */
	int64_t duration_ms;
	uint32_t nframes;
	int32_t sample_rate;         /* frame duration is samples_per_frame /
	                                sample_rate seconds */
	int32_t samples_per_frame;
	uint32_t flags;              /* PLAYOUT_ASSET_*, from the probe; 0 = fine */
	char why[128];               /* for people, when flags != 0 */
};

/* Reasons the planner will not put a file on air (asset flags). */
#define PLAYOUT_ASSET_NO_AUDIO 0x1u  /* no playable frames */
#define PLAYOUT_ASSET_SILENT   0x2u  /* silent throughout */
#define PLAYOUT_ASSET_DAMAGED  0x4u  /* informational: resynchronised places */

struct playout_assets {
	struct playout_asset *v;
	size_t n, cap;
};

static inline int playout_assets_push(struct playout_assets *s,
				      const struct playout_asset *x)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct playout_asset *v = (struct playout_asset *)realloc(s->v, cap * sizeof *v);
		if (!v)
			return PLAYOUT_ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *x;
	return PLAYOUT_OK;
}

/* ---- rundown items ----------------------------------------------------- */

enum playout_decision {
	PLAYOUT_DECISION_EXACT = 0,    /* schedule slot and its file */
	PLAYOUT_DECISION_STORAGE_ONLY, /* file named for a time, no schedule slot */
	PLAYOUT_DECISION_FALLBACK,     /* slot without file: fallback's choice */
	PLAYOUT_DECISION_JOINED,       /* two half-hour files played as one */
	PLAYOUT_DECISION_MISSING,      /* slot without anything to play */
};

/* A run of frames of one asset: frames [first_frame, first_frame+nframes).
 * nframes == 0 means "to the end of the file". */
struct playout_segment {
	char asset[PLAYOUT_NAME_MAX];
	uint32_t first_frame;
	uint32_t nframes;
};

#define PLAYOUT_MAX_SEGMENTS 4

struct playout_item {
	int64_t start_ms;       /* UTC air time */
	int64_t end_ms;         /* UTC: start + min(duration, cap), or the slot end */
	int decision;           /* enum playout_decision */
	char pid[PLAYOUT_PID_MAX];
	char title[PLAYOUT_TITLE_MAX];
	char source[64];        /* "csv:main", "storage", "previous-edition" */
	char reason[256];       /* one line for people: why this decision */
	int cap_s;              /* cap applied, seconds; 0 = none */
	size_t nseg;            /* 0 for missing */
	struct playout_segment seg[PLAYOUT_MAX_SEGMENTS];
};

/* What the bytes an output is given are (2.2). */
enum playout_stream_format {
	PLAYOUT_STREAM_MP3 = 0,   /* whole MP3 frames (passthrough or re-encoded) */
	PLAYOUT_STREAM_OGG_VORBIS,/* whole Ogg pages; each item begins a new
	                             logical stream whose comment header carries
	                             the title (no separate metadata update) */
	PLAYOUT_STREAM_OGG_OPUS,  /* the same, Opus */
};

/* What the output is told when an item starts. Borrowed for the call. */
struct playout_item_meta {
	const char *title;
	const char *pid;
	int64_t start_ms;
	int64_t end_ms;
	int sample_rate;
	int channels;
	int bitrate_kbps;  /* 0 when VBR */
	/* 2.2. A plugin built for 2.0 or 2.1 is only ever given MP3 */
	int format;        /* enum playout_stream_format */
};

/* ---- settings: declared by the plugin, validated by the core ----------- */

enum playout_setting_type {
	PLAYOUT_SET_STRING = 1,
	PLAYOUT_SET_INT,
	PLAYOUT_SET_BOOL,
	PLAYOUT_SET_FLOAT,
	PLAYOUT_SET_SECRET, /* string: literal, file:/path, env:NAME or ssm:/name */
	PLAYOUT_SET_LIST,   /* list or array; plugin reads it itself */
	PLAYOUT_SET_GROUP,  /* group; plugin reads it itself */
};

struct playout_setting {
	const char *name;
	int type;            /* enum playout_setting_type */
	int required;        /* the key must be given (then def is ignored) */
	int64_t min, max;    /* INT and FLOAT: the inclusive range; none when
	                        min == max */
	const char *def;     /* the value when the key is absent, written as in
	                        the config file: "8000", "true", "0.5", "http";
	                        NULL: absent stays absent. Checked like a value
	                        the user wrote (a bad default is a load error) */
	const char *const *choices; /* STRING: the only values allowed,
	                        NULL-terminated; NULL: any string */
	const char *help;    /* one line; shown in errors and `playoutctl plugins` */
};
/* A settings table ends with an entry whose name is NULL. The keys "plugin"
 * and "instance" (the instance name in "icecast:main") are always allowed
 * and never listed. Before create the core has checked every key (type,
 * range, choices, non-empty required strings, unknown keys are errors) and
 * added each absent key that has a default, so create may read a key with a
 * default without checking it again. */

/* Read a key of the validated group in create: the value, or (when the key
 * is absent and has no default) NULL, 0 or 0.0. Borrowed until create
 * returns. */
static inline const char *playout_conf_str(const config_setting_t *conf, const char *key)
{
	const char *v = NULL;
	return conf && config_setting_lookup_string(conf, key, &v) ? v : NULL;
}

static inline int64_t playout_conf_int(const config_setting_t *conf, const char *key)
{
	long long v = 0;
	return conf && config_setting_lookup_int64(conf, key, &v) ? (int64_t)v : 0;
}

static inline int playout_conf_bool(const config_setting_t *conf, const char *key)
{
	int v = 0;
	return conf && config_setting_lookup_bool(conf, key, &v) ? v : 0;
}

static inline double playout_conf_float(const config_setting_t *conf, const char *key)
{
	double v = 0;
	long long i = 0;
	if (conf && config_setting_lookup_float(conf, key, &v))
		return v;
	return conf && config_setting_lookup_int64(conf, key, &i) ? (double)i : 0.0;
}

/* ---- HTTP through the host ---------------------------------------------- */

struct playout_http_request {
	const char *method;          /* "GET", "PUT", "POST", "DELETE", "HEAD" */
	const char *url;             /* complete; for AWS the query string must be
	                                encoded and sorted already (libcurl 7.88
	                                signs it as given) */
	const char *const *headers;  /* "Name: value" strings, NULL-terminated; may be NULL */
	const void *body;            /* may be NULL */
	size_t body_len;
	const char *aws_service;     /* "s3", "ssm", "route53": sign with SigV4; NULL: don't */
	const char *aws_region;      /* NULL: the config's aws.region */
	int timeout_s;               /* whole exchange; 0: 30 s */
	int max_retries;             /* network errors, 429, 5xx; 0: the default (3); -1: none */
	int sink_fd;                 /* > 0: a 2xx body is written here, not kept in memory;
	                                a retry rewinds the fd to where it started */
	int64_t max_bytes_per_s;     /* download rate limit; 0: none */
};

struct playout_http_response {
	long status;                 /* HTTP status of the final answer */
	char *body;                  /* malloc'd, NUL-terminated (empty with sink_fd) */
	size_t body_len;
	char *headers;               /* the final answer's header block, malloc'd */
};

static inline void playout_http_response_free(struct playout_http_response *r)
{
	free(r->body);
	free(r->headers);
	r->body = r->headers = NULL;
	r->body_len = 0;
}

/* ---- host services ----------------------------------------------------- */

/* What the core offers every instance. Filled by the core, borrowed by the
 * instance from create until destroy. Members appended in a later minor
 * than the one a plugin was built for are there when PLAYOUT_HAS(host,
 * struct playout_host, member) says so (a plugin built for 2.1 may use
 * every member below: a core that loads it is 2.1 or later). */
struct playout_host {
	size_t size;            /* sizeof(struct playout_host) of the core */
	int abi_major, abi_minor; /* the core's contract version */
	void *core;             /* opaque; pass back unchanged */
	const char *instance;   /* "icecast:main": the label the core adds to this
	                           instance's messages (never add it yourself) */
	const char *timezone;   /* station zone, IANA name */
	const char *cache_dir;  /* the only place a plugin may write files */
	const char *config_file;/* for messages */

	/* Log one line, prefixed with the instance name. Thread-safe. */
	void (*log)(const struct playout_host *h, int level, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));

	/* Current UTC time in ms (follows --pretend-now). Thread-safe. */
	int64_t (*now_ms)(const struct playout_host *h);

	/* Resolve a secret reference (literal, file:, env:, ssm:). *value is
	 * malloc'd, NUL-terminated; caller frees it (and should wipe it).
	 * Never logs the value. The core reads each reference at its first use
	 * (normally in create) and again on SIGHUP, and serves it from memory in
	 * between: after create a call is a memory read, fine on any thread.
	 * To follow a SIGHUP (a rotated password), call it each time the value
	 * is used (a connection, a login) rather than keeping the copy from
	 * create. */
	int (*secret)(const struct playout_host *h, const char *ref, char **value,
		      struct playout_error *err);

	/* Station-local broken-down time to UTC ms; the first occurrence wins in
	 * the repeated autumn hour; a time in the spring gap is moved forward by
	 * the gap. Returns PLAYOUT_EINVAL for impossible fields. */
	int (*local_to_utc)(const struct playout_host *h, int year, int mon, int day,
			    int hour, int min, int sec, int64_t *utc_ms);

	/* Key-value state that survives restarts, namespaced per instance.
	 * kv_get: *value malloc'd (caller frees) or PLAYOUT_ENOTFOUND.
	 * Any thread; each call is atomic, a get then a put is not (a counter
	 * several threads add to needs the plugin's own lock). */
	int (*kv_get)(const struct playout_host *h, const char *key, char **value);
	int (*kv_put)(const struct playout_host *h, const char *key, const char *value);

	/* Real UTC time in ms, even under --pretend-now: compare file times and
	 * server dates with this, never with now_ms. Thread-safe. */
	int64_t (*wall_ms)(const struct playout_host *h);

	/* One HTTP exchange through the core's libcurl helper: TLS verified,
	 * timeouts, retries with backoff on network errors, 429 and 5xx, and
	 * AWS Signature V4 when req->aws_service is set (credentials from the
	 * core's chain). PLAYOUT_OK when an answer arrived, whatever its status
	 * (check resp->status); else EUNAVAIL, ETIMEOUT, or EAUTH when no AWS
	 * credentials could be found. Free resp with playout_http_response_free.
	 * Thread-safe. */
	int (*http)(const struct playout_host *h, const struct playout_http_request *req,
		    struct playout_http_response *resp, struct playout_error *err);

	/* EC2 instance metadata (IMDSv2: token, then GET) at path, such as
	 * "meta-data/public-ipv4". *value malloc'd; caller frees. ENOTFOUND off
	 * EC2 or for a missing path. Any thread. */
	int (*instance_metadata)(const struct playout_host *h, const char *path, char **value,
				 struct playout_error *err);

	/* Write a new value back to where a secret reference points (a refreshed
	 * OAuth token): file:/path (atomic replace, mode 0600) or ssm:/name
	 * (PutParameter, SecureString). PLAYOUT_EINVAL for literal and env:.
	 * Never logs the value. Any thread. */
	int (*secret_store)(const struct playout_host *h, const char *ref, const char *value,
			    struct playout_error *err);

	/* 1 once the daemon is stopping (SIGTERM), else 0. Thread-safe, a
	 * memory read. An op that waits on a peer (a connect, a write to a
	 * slow server) must poll it at least every 200 ms and give up with an
	 * error when it turns 1: the daemon stops within 2 s in every state.
	 */
	int (*stopping)(const struct playout_host *h);

	/* ---- 2.1 */

	/* A UTC instant as station-local broken-down time (tm_year, tm_mon...
	 * as localtime_r fills them; tm_isdst and tm_gmtoff set). Use it, never
	 * localtime_r or setenv("TZ"): the station's zone is the core's to
	 * keep. PLAYOUT_EINVAL for an instant out of range. Thread-safe. */
	int (*utc_to_local)(const struct playout_host *h, int64_t utc_ms, struct tm *out);
};

/* ---- kinds and their operations ---------------------------------------- */

enum playout_kind {
	PLAYOUT_KIND_SCHEDULE = 1,
	PLAYOUT_KIND_STORAGE,
	PLAYOUT_KIND_FALLBACK,
	PLAYOUT_KIND_JOIN,
	PLAYOUT_KIND_OUTPUT,
	PLAYOUT_KIND_DNS,
	PLAYOUT_KIND_NOTIFY,   /* 2.1 */
};

/* Rules for every op below:
 * - Threads: an op is called only from the thread named on it. Calls that
 *   wait on the network (schedule fetch, storage list and fetch, DNS
 *   update, notify send) run on threads of the core's own, never on the
 *   control thread that plans or on a player: the plan goes on with the
 *   last good answer while they wait. Such an op bounds every wait (the
 *   host->http timeouts do) and polls host->stopping while it waits.
 * - Results: PLAYOUT_OK, or a negative enum playout_code with err filled.
 * - Ownership: pointers passed in are borrowed for the call; what an op
 *   appends to an out array belongs to the core; the instance owns what it
 *   allocates and frees it in destroy.
 * - Each ops struct begins with size = sizeof the struct as built; the
 *   loader refuses a plugin whose kind lacks a required op (the message
 *   names it). "Optional" ops may be NULL. */

struct playout_schedule_ops {
	size_t size;
	/* Required. This instance's input thread (one per schedule instance;
	 * never two calls at once). Append the slots overlapping [from_ms,
	 * to_ms) to out. A source that fails returns an error; the core then
	 * keeps the last good answer of this instance. Bad entries are logged
	 * and skipped. */
	int (*fetch)(void *inst, int64_t from_ms, int64_t to_ms,
		     struct playout_slots *out, struct playout_error *err);
};

struct playout_storage_ops {
	size_t size;
	/* Required. The storage's input thread. Append every complete,
	 * playable-looking file. A folder or bucket that cannot be read is an
	 * error (EUNAVAIL), never an empty listing: the core then plans with the
	 * last good one. An empty listing where the last one had files is taken
	 * as an outage too. */
	int (*list)(void *inst, struct playout_assets *out, struct playout_error *err);
	/* Required. A download thread of the core: several at once (the
	 * storage group's "downloads", default 1), each with its own asset,
	 * while the input thread may call list; keep shared instance state under
	 * a lock. Copy asset to dest_path, a path inside the cache that does not
	 * exist yet; write it completely or remove it. The core renames it into
	 * place. When the daemon stops, host->http calls in flight end with an
	 * error within about a second: keep what arrived if you can resume it. */
	int (*fetch)(void *inst, const struct playout_asset *asset, const char *dest_path,
		     struct playout_error *err);
	/* Optional. Control thread, once after create. A descriptor that
	 * becomes readable when the storage may have changed (localdisk:
	 * inotify), or -1. The core reads and discards what it holds, waits a
	 * moment for quiet, and plans again. The instance owns it and closes it
	 * in destroy. */
	int (*watch_fd)(void *inst);
};

/* The fallback's answer for one slot. */
struct playout_choice {
	char asset[PLAYOUT_NAME_MAX]; /* empty: nothing to offer */
	char reason[256];
};

struct playout_fallback_ops {
	size_t size;
	/* Required. Control thread: no waiting on anything. assets are every
	 * asset the storage lists, parsed, borrowed for the call. */
	int (*choose)(void *inst, const struct playout_slot *slot,
		      const struct playout_asset *assets, size_t nassets,
		      struct playout_choice *out, struct playout_error *err);
};

struct playout_join_ops {
	size_t size;
	/* Required. Control thread: no waiting on anything. items is the
	 * rundown, sorted by start; the plugin may merge neighbours into one
	 * PLAYOUT_DECISION_JOINED item, shrinking *n. assets carry duration_ms,
	 * nframes, samples_per_frame and the sample rate for cached files; frame
	 * numbers in segments come from those. */
	int (*plan)(void *inst, struct playout_item *items, size_t *n,
		    const struct playout_asset *assets, size_t nassets,
		    struct playout_error *err);
};

struct playout_output_ops {
	size_t size;
	/* All output ops run on that output's player thread, never
	 * concurrently. A write that waits on a slow server polls
	 * host->stopping. */
	/* Required. Connect (for Icecast: the mount becomes ours). */
	int (*open)(void *inst, const struct playout_item_meta *first, struct playout_error *err);
	/* Optional. An item begins on the open connection: update stream
	 * metadata. meta is borrowed for the call. */
	int (*start)(void *inst, const struct playout_item_meta *meta, struct playout_error *err);
	/* Required. Send bytes (whole MP3 frames), borrowed for the call. Must
	 * not buffer without bound. */
	int (*write)(void *inst, const uint8_t *buf, size_t len, struct playout_error *err);
	/* Optional. The item ended. */
	int (*stop)(void *inst, struct playout_error *err);
	/* Required. Disconnect (the station's fallback mount takes over). */
	void (*close)(void *inst);
};

struct playout_dns_ops {
	size_t size;
	/* Required. The core's chores thread; called at start and then every
	 * plan interval. Find this machine's address (as the instance is
	 * configured: instance metadata, a fixed address or a "what is my IP"
	 * URL) and point the record at it when it differs from what the record
	 * holds. Must be cheap when nothing changed. */
	int (*update)(void *inst, struct playout_error *err);
};

/* ---- 2.1: notify, for alarms -------------------------------------------- */

/* Something a person should hear about. Borrowed for the call. */
struct playout_event {
	int64_t time_ms;       /* UTC, when it happened */
	int level;             /* enum playout_log_level: ERROR, WARN or NOTICE */
	const char *code;      /* stable, for filters: "programme.missing" */
	const char *subject;   /* one line, no newline */
	const char *body;      /* lines for people; may be NULL */
	const char *station;   /* the config's station name */
};

struct playout_notify_ops {
	size_t size;
	/* Required. A notify thread of the core (never two calls at once per
	 * instance). Deliver ev (mail, chat, a pager). A failure returns an
	 * error: the core logs it and retries later. */
	int (*send)(void *inst, const struct playout_event *ev, struct playout_error *err);
};

/* ---- the descriptor ---------------------------------------------------- */

/* The ops of the plugin's kind: set the one member that matches .kind. */
union playout_ops {
	const void *any;
	const struct playout_schedule_ops *schedule;
	const struct playout_storage_ops *storage;
	const struct playout_fallback_ops *fallback;
	const struct playout_join_ops *join;
	const struct playout_output_ops *output;
	const struct playout_dns_ops *dns;
	const struct playout_notify_ops *notify;
};

struct playout_plugin {
	/* These two stay first in every contract, so that any core can tell
	 * which contract a module was built for. */
	int abi_major;           /* PLAYOUT_ABI_MAJOR */
	int abi_minor;           /* PLAYOUT_ABI_MINOR */
	size_t size;             /* sizeof(struct playout_plugin) */
	const char *name;        /* "icecast"; matches the module file name */
	int kind;                /* enum playout_kind */
	const char *description; /* one line for `playoutctl plugins` */
	const struct playout_setting *settings;
	/* Control thread. conf: the instance's group, checked against settings
	 * with defaults filled in, borrowed until create returns (copy what you
	 * keep). host: kept by the instance until destroy. On error nothing is
	 * left allocated and *instance is not used. */
	int (*create)(const config_setting_t *conf, const struct playout_host *host,
		      void **instance, struct playout_error *err);
	/* Control thread, after every op of the instance has returned. Frees
	 * everything; closes what it opened. */
	void (*destroy)(void *instance);
	union playout_ops ops;
};

/* The descriptor's first lines, for a plugin built against this header:
 *   const struct playout_plugin playout_plugin = {
 *       PLAYOUT_PLUGIN_HEAD, .name = "csv", .kind = PLAYOUT_KIND_SCHEDULE, ...
 *       .ops.schedule = &csv_ops,
 *   }; */
#define PLAYOUT_PLUGIN_HEAD \
	.abi_major = PLAYOUT_ABI_MAJOR, .abi_minor = PLAYOUT_ABI_MINOR, \
	.size = sizeof(struct playout_plugin)

#ifdef __cplusplus
}
#endif
#endif /* PLAYOUT_PLUGIN_H */
