/*
 * libplayout-util: the small helpers the core and every plugin would
 * otherwise each write again (a growable buffer, percent-encoding, JSON
 * escaping, UTF-8-safe copies, civil dates, ISO 8601 / RFC 3339, station
 * time, atomic file replace, MP3 frame headers, description tags).
 *
 * Not part of the plugin contract: a plugin links the static
 * libplayout-util.a (`pkg-config --libs playout-plugin`) and carries its own
 * copy, so no symbol here is ever resolved against playoutd at load time.
 * Every function is reentrant and thread-safe: no global state, no TZ, no
 * locale. Functions returning int give PLAYOUT_OK or a negative
 * enum playout_code unless said otherwise.
 */
#ifndef PLAYOUT_UTIL_H
#define PLAYOUT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <playout/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- growable buffer (util/buf.c) ---------------------------------------- */

/* A growable byte buffer, always NUL-terminated once anything was added
 * (p is NULL before that). Zero-initialise it (or playout_buf_init); the
 * owner releases it with playout_buf_free. Text and binary alike: n counts
 * the bytes, the NUL after them is not counted. On PLAYOUT_ENOMEM an append
 * leaves the buffer as it was. Not for secrets unless the caller wipes p
 * (explicit_bzero(b.p, b.n)) before freeing: growing moves the bytes. */
struct playout_buf {
	char *p;
	size_t n, cap;
};

void playout_buf_init(struct playout_buf *b);
/* Make room for n more bytes (and the NUL) now: appends that stay within
 * it never move the bytes, so a secret written into the buffer leaves no
 * copy behind in freed memory. */
int playout_buf_reserve(struct playout_buf *b, size_t n);
/* Append n bytes of s (borrowed). */
int playout_buf_add(struct playout_buf *b, const void *s, size_t n);
/* Append the string s (borrowed). */
int playout_buf_str(struct playout_buf *b, const char *s);
/* Append formatted text. */
int playout_buf_printf(struct playout_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int playout_buf_vprintf(struct playout_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Append s percent-encoded: every byte but the RFC 3986 unreserved
 * characters (A-Z a-z 0-9 - . _ ~) becomes %XX, upper-case hex. For a
 * query value, a form field or a single path segment. */
int playout_buf_pct(struct playout_buf *b, const char *s);
/* The same, keeping '/': for an object path of several segments. */
int playout_buf_pct_path(struct playout_buf *b, const char *s);
/* Append "key=value", preceded by '&' unless first; value percent-encoded
 * (key is written as given). */
int playout_buf_param(struct playout_buf *b, int first, const char *key, const char *value);
/* Free p and zero the buffer; NULL or an empty buffer is a no-op. */
void playout_buf_free(struct playout_buf *b);

/* ---- text (util/text.c) --------------------------------------------------- */

/* Append formatted text to the NUL-terminated dst of n bytes, cutting
 * silently when it does not fit (at a byte: use for ASCII notes). */
void playout_str_appendf(char *dst, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Append s as a JSON string literal, quotes included (RFC 8259): '"' and
 * '\\' escaped, \n \r \t \b \f by name, other bytes below 0x20 and 0x7f as
 * \u00XX. Bytes >= 0x80 are copied as they are (UTF-8 passes through). */
int playout_json_escape(struct playout_buf *b, const char *s);
/* The largest length <= n at which s (strlen(s) > n or not) may be cut
 * without splitting a UTF-8 sequence: n when s[n] starts a character (or is
 * the NUL), else the start of the character s[n] belongs to. */
size_t playout_utf8_cut(const char *s, size_t n);
/* Copy src into dst (n >= 1 bytes), at most n - 1 bytes, never cutting a
 * UTF-8 sequence in two; dst is always NUL-terminated. */
void playout_utf8_copy(char *dst, size_t n, const char *src);

/* ---- civil dates (util/civil.c): proleptic Gregorian, any year ----------- */

/* 1 in a leap year. */
int playout_civil_leap(int64_t year);
/* 28..31; 0 when mon is not 1..12. */
int playout_civil_days_in_month(int64_t year, int mon);
/* Days since 1970-01-01 of year-mon-day (mon 1..12, day 1..31; not checked:
 * day 0 or 32 count on from the month's start). */
int64_t playout_days_from_civil(int64_t year, int mon, int day);
/* The date days after 1970-01-01 (negative: before). */
void playout_civil_from_days(int64_t days, int64_t *year, int *mon, int *day);

/* ---- ISO 8601 / RFC 3339 (util/time.c) ------------------------------------ */

/* What playout_time_scan read. */
struct playout_time {
	int year, mon, day;   /* 0000..9999, 1..12, 1..days in month */
	int hour, min, sec;   /* 0..23, 0..59, 0..59 (0 when not written) */
	int ms;               /* 0..999: a fraction cut to milliseconds */
	int has_offset;       /* 0: no zone written (the station's local time) */
	int offset_s;         /* with has_offset: east of UTC, -23:59..+23:59 */
};

/* Read "2026-03-29T01:00:00Z", "...+01:00", "...+0100", "...+01", a
 * fraction of up to 9 digits after '.' or ',', 'T', 't' or ' ' between date
 * and time, seconds optional ("2026-03-29 01:00"); nothing may follow.
 * Leap seconds (:60) and impossible dates are refused. PLAYOUT_EINVAL
 * when s is not such a time (*t then undefined). */
int playout_time_scan(const char *s, struct playout_time *t);
/* The UTC instant of t; a t without offset is taken as UTC. */
int64_t playout_time_utc_ms(const struct playout_time *t);
/* Scan s and give its UTC instant. A time without offset is station-local,
 * converted with host->local_to_utc (the first occurrence in a repeated
 * hour); with host NULL it is UTC. */
int playout_time_parse(const char *s, const struct playout_host *host, int64_t *utc_ms);
/* "2026-03-29T01:00:00Z" (seconds, rounded down) into buf of n >= 21 bytes.
 * A year outside 0000..9999 is written as the nearest end of that range. */
void playout_time_format(int64_t utc_ms, char *buf, size_t n);
/* "2026-03-29T01:00:00.250Z": the same, with milliseconds when they are
 * not zero. n >= 25. */
void playout_time_format_ms(int64_t utc_ms, char *buf, size_t n);
/* "2026-03-29T02:00:00+01:00": the wall time offset_s east of UTC, with
 * milliseconds when not zero. n >= 30. */
void playout_time_format_offset(int64_t utc_ms, long offset_s, char *buf, size_t n);

/* ---- station time (util/local_time.c) ------------------------------------- */

/* The UTC offset (seconds east) in force at the instant utc_s, into
 * *offset_s; 0, or -1 when unknown. ctx is the caller's. */
typedef int (*playout_utc_offset_fn)(void *ctx, int64_t utc_s, long *offset_s);

/* Local civil time to UTC in the zone utc_offset describes, with the rule
 * the core uses for the station zone (doc/design.md §5): *first gets the
 * instant, the earlier one in a repeated (autumn) hour, and *second (may be
 * NULL) the later one there, else 0. A time inside a gap (spring) moves
 * forward by the gap (01:30 -> 02:30 in London). PLAYOUT_EINVAL for
 * impossible fields (month 13, Feb 30, hour 24) or when the offsets cannot
 * be read. Works for any offsets and gaps shorter than a day. */
int playout_local_to_utc(int year, int mon, int day, int hour, int min, int sec,
			 playout_utc_offset_fn utc_offset, void *ctx, int64_t *first,
			 int64_t *second);

/* ---- files (util/file.c) --------------------------------------------------- */

/* Write all n bytes, going on after EINTR and short writes. 0, or -1 with
 * errno set (a write that wrote nothing sets EIO). */
int playout_write_all(int fd, const void *p, size_t n);
/* fsync the folder holding path ("." when path has no '/'), so a rename
 * into it survives a crash. 0, or -1 with errno set. */
int playout_fsync_dir_of(const char *path);
/* Fills the temporary file fd; 0, or -1 with errno set. */
typedef int (*playout_file_fill_fn)(int fd, void *arg);
/* Replace path atomically with what fill writes: a hidden temporary file
 * beside it (".name.tmpXXXXXX", created exclusively, then given mode; the
 * umask does not apply), fill, fsync, rename over path, fsync the folder.
 * Readers see the old file or the new one, never a part; on any error the
 * temporary file is removed and path is untouched. err names the path and
 * the step that failed. */
int playout_file_replace_with(const char *path, mode_t mode, playout_file_fill_fn fill,
			      void *arg, struct playout_error *err);
/* The same for len bytes of data. */
int playout_file_replace(const char *path, mode_t mode, const void *data, size_t len,
			 struct playout_error *err);

/* ---- MP3 frame headers (util/mp3_hdr.c) ----------------------------------- */

/* One MPEG audio frame header. */
struct playout_mp3_hdr {
	int version;   /* 10 (MPEG-1), 20 (MPEG-2), 25 (MPEG-2.5) */
	int layer;     /* 1, 2, 3 */
	int rate;      /* samples per second */
	int mono;      /* 1: single channel */
	int kbps;
	int padding;   /* 1: the frame has the padding slot */
	uint32_t len;  /* bytes of the frame, header and padding included */
};

/* 1 and *h when the left >= 4 bytes at p are a valid frame header, else 0
 * (a reserved version, layer, rate or bitrate; free format is refused). */
int playout_mp3_hdr_parse(const unsigned char *p, size_t left, struct playout_mp3_hdr *h);
/* 384 (layer I), 1152 (layer II, and layer III of MPEG-1) or 576. */
int playout_mp3_samples_per_frame(int version, int layer);
/* Bytes of the ID3v2 tag(s) at p as their headers declare (header, body,
 * footer; several tags may follow each other), 0 when p does not start
 * with one. The walk reads only the n bytes at p and stops at a tag ending
 * beyond them, so the result may exceed n: a caller holding just the first
 * 10 bytes learns where the audio starts. */
size_t playout_mp3_id3v2_len(const unsigned char *p, size_t n);

/* ---- schedule description tags (util/desc.c) ------------------------------ */

/* What playout_desc_tags found in an event's description. */
struct playout_desc {
	char pid[PLAYOUT_PID_MAX]; /* "" when there is no PID: tag */
	size_t pid_len;            /* the value's full length (>= PLAYOUT_PID_MAX:
	                              too long, pid holds the start) */
	char type[32];             /* the TYPE: value as written, "" when absent */
};

/* Read "PID: <pid>" and "TYPE: <type>" from a calendar description, plain
 * text or the HTML calendars write: tags are stripped (<b>PID:</b>abc reads
 * "PID:abc"), common entities decoded. A key matches case-insensitively at
 * a word start, blanks may surround ':', the value is the run of
 * [A-Za-z0-9_-] after it; the first occurrence counts. desc may be NULL.
 * PLAYOUT_OK (out filled) or PLAYOUT_ENOMEM. Linear in strlen(desc). */
int playout_desc_tags(const char *desc, struct playout_desc *out);

/* ---- URL host (util/url_host.c) -------------------------------------------- */

/* 1 when the host of url ("scheme://[user[:pw]@]host[:port][/...]", an
 * IPv6 host in brackets) is loopback: 127.0.0.0/8, ::1 or "localhost"
 * (any case); a name that merely looks local (127.example.org) is not.
 * 0 otherwise, and for NULL or a string without "://". */
int playout_url_is_loopback(const char *url);

#ifdef __cplusplus
}
#endif

#endif
