/*
 * playout plugin contract: the one header a plugin includes.
 * A plugin is a libtool module exporting `const struct playout_plugin
 * playout_plugin`; the core loads it with libltdl, checks .abi, validates the
 * instance's config group against .settings and then calls .create.
 * Plugins never call core symbols: every service comes through playout_host.
 */
#ifndef PLAYOUT_PLUGIN_H
#define PLAYOUT_PLUGIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bump on any change of a struct layout or a function signature below. */
#define PLAYOUT_PLUGIN_ABI 1

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

/* What the output is told when an item starts. Borrowed for the call. */
struct playout_item_meta {
	const char *title;
	const char *pid;
	int64_t start_ms;
	int64_t end_ms;
	int sample_rate;
	int channels;
	int bitrate_kbps;  /* 0 when VBR */
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
	int required;
	int64_t min, max;    /* for INT (and FLOAT); ignored when min == max */
	const char *help;    /* one line; shown in errors and `playoutctl plugins` */
};
/* A settings table ends with an entry whose name is NULL. The keys "plugin"
 * and "instance" (the instance name in "icecast:main") are always allowed
 * and never listed. */

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

struct playout_host {
	int abi;                /* PLAYOUT_PLUGIN_ABI of the core */
	void *core;             /* opaque; pass back unchanged */
	const char *instance;   /* "icecast:main"; prefix for messages */
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
	 * Appended in ABI 1: a core that fills it is the core that loads you. */
	int (*stopping)(const struct playout_host *h);
};

/* ---- kinds and their operations ---------------------------------------- */

enum playout_kind {
	PLAYOUT_KIND_SCHEDULE = 1,
	PLAYOUT_KIND_STORAGE,
	PLAYOUT_KIND_FALLBACK,
	PLAYOUT_KIND_JOIN,
	PLAYOUT_KIND_OUTPUT,
	PLAYOUT_KIND_DNS,
};

/* Every op may be called only from the thread named; all return PLAYOUT_OK
 * or a negative enum playout_code with err filled. Calls that wait on the
 * network (schedule fetch, storage list and fetch, DNS update) run on
 * threads of the core's own, never on the control thread that plans or on
 * a player: the plan goes on with the last good answer while they wait. */

struct playout_schedule_ops {
	/* This instance's input thread (one per schedule instance; never two
	 * calls at once). Append the slots overlapping [from_ms, to_ms) to out.
	 * A source that fails returns an error; the core then keeps the last
	 * good answer of this instance. Bad entries are logged and skipped. */
	int (*fetch)(void *inst, int64_t from_ms, int64_t to_ms,
		     struct playout_slots *out, struct playout_error *err);
};

struct playout_storage_ops {
	/* The storage's input thread. Append every complete, playable-looking
	 * file. A folder or bucket that cannot be read is an error (EUNAVAIL),
	 * never an empty listing: the core then plans with the last good one.
	 * An empty listing where the last one had files is taken as an outage
	 * too. */
	int (*list)(void *inst, struct playout_assets *out, struct playout_error *err);
	/* A download thread of the core: several at once (the storage group's
	 * "downloads", default 1), each with its own asset, while the input
	 * thread may call list; keep shared instance state under a lock. Copy
	 * asset to dest_path, a path inside the cache that does not exist yet;
	 * write it completely or remove it. The core renames it into place.
	 * When the daemon stops, host->http calls in flight end with an error
	 * within about a second: keep what arrived if you can resume it. */
	int (*fetch)(void *inst, const struct playout_asset *asset, const char *dest_path,
		     struct playout_error *err);
	/* Optional. A descriptor that becomes readable when the storage may have
	 * changed (localdisk: inotify), or -1. The core reads and discards what
	 * it holds, waits a moment for quiet, and plans again. The instance owns
	 * it and closes it in destroy. */
	int (*watch_fd)(void *inst);
};

/* The fallback's answer for one slot. */
struct playout_choice {
	char asset[PLAYOUT_NAME_MAX]; /* empty: nothing to offer */
	char reason[256];
};

struct playout_fallback_ops {
	/* Control thread. assets are every asset the storage lists, parsed. */
	int (*choose)(void *inst, const struct playout_slot *slot,
		      const struct playout_asset *assets, size_t nassets,
		      struct playout_choice *out, struct playout_error *err);
};

struct playout_join_ops {
	/* Control thread. items is the rundown, sorted by start; the plugin may
	 * merge neighbours into one PLAYOUT_DECISION_JOINED item, shrinking *n.
	 * assets carry duration_ms, nframes, samples_per_frame and the sample
	 * rate for cached files; frame numbers in segments come from those. */
	int (*plan)(void *inst, struct playout_item *items, size_t *n,
		    const struct playout_asset *assets, size_t nassets,
		    struct playout_error *err);
};

struct playout_output_ops {
	/* All output ops run on that output's player thread, never concurrently.
	 * open: connect (for Icecast: the mount becomes ours). */
	int (*open)(void *inst, const struct playout_item_meta *first, struct playout_error *err);
	/* An item begins on the open connection: update stream metadata. Optional. */
	int (*start)(void *inst, const struct playout_item_meta *meta, struct playout_error *err);
	/* Send bytes (whole MP3 frames). Must not buffer without bound. */
	int (*write)(void *inst, const uint8_t *buf, size_t len, struct playout_error *err);
	/* The item ended. Optional. */
	int (*stop)(void *inst, struct playout_error *err);
	/* Disconnect (the station's fallback mount takes over). */
	void (*close)(void *inst);
};

struct playout_dns_ops {
	/* The core's chores thread; called at start and then every plan
	 * interval. Find
	 * this machine's address (as the instance is configured: instance
	 * metadata, a fixed address or a "what is my IP" URL) and point the
	 * record at it when it differs from what the record holds. Must be cheap
	 * when nothing changed. */
	int (*update)(void *inst, struct playout_error *err);
};

/* ---- the descriptor ---------------------------------------------------- */

struct playout_plugin {
	int abi;                 /* PLAYOUT_PLUGIN_ABI */
	const char *name;        /* "icecast"; matches the module file name */
	int kind;                /* enum playout_kind */
	const char *description; /* one line for `playoutctl plugins` */
	const struct playout_setting *settings;
	/* conf: the instance's group, borrowed until create returns (copy what
	 * you keep). host: kept by the instance until destroy. */
	int (*create)(const config_setting_t *conf, const struct playout_host *host,
		      void **instance, struct playout_error *err);
	void (*destroy)(void *instance);
	const void *ops;         /* struct playout_<kind>_ops */
};

#ifdef __cplusplus
}
#endif
#endif /* PLAYOUT_PLUGIN_H */
