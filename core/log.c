/*
 * How a log line is formatted and written: one write(2) per line to stderr,
 * UTC timestamp in the foreground, sd-daemon "<N>" prefix under systemd.
 *
 * The two settings below are the one deliberate exception to "no global
 * mutable state": the log is process-wide by nature (stderr is), callers
 * have no context pointer at hand (plugins log through the host table,
 * signal-free paths log from any thread), and both values are atomics set
 * by main.
 */
#include "log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

static atomic_int log_foreground = 1;
static atomic_int log_level = PLAYOUT_LOG_INFO;

static const char *const level_names[] = {
	[PLAYOUT_LOG_ERROR] = "error",
	[PLAYOUT_LOG_WARN] = "warn",
	[PLAYOUT_LOG_NOTICE] = "notice",
	[PLAYOUT_LOG_INFO] = "info",
	[PLAYOUT_LOG_DEBUG] = "debug",
};

/* sd-daemon(3) priorities: SD_ERR 3 .. SD_DEBUG 7. */
static const int level_prio[] = {
	[PLAYOUT_LOG_ERROR] = 3,
	[PLAYOUT_LOG_WARN] = 4,
	[PLAYOUT_LOG_NOTICE] = 5,
	[PLAYOUT_LOG_INFO] = 6,
	[PLAYOUT_LOG_DEBUG] = 7,
};

static int clamp_level(int level)
{
	if (level < PLAYOUT_LOG_ERROR)
		return PLAYOUT_LOG_ERROR;
	if (level > PLAYOUT_LOG_DEBUG)
		return PLAYOUT_LOG_DEBUG;
	return level;
}

void po_log_init(int foreground, int level)
{
	atomic_store(&log_foreground, foreground ? 1 : 0);
	atomic_store(&log_level, clamp_level(level));
}

void po_log_set_level(int level)
{
	atomic_store(&log_level, clamp_level(level));
}

/* Bytes that would break "one line per message" become spaces. */
static void flatten(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n' || s[i] == '\r' || s[i] == '\0')
			s[i] = ' ';
}

static size_t put_prefix(char *buf, size_t cap, int level, const char *src)
{
	int n;
	if (atomic_load(&log_foreground)) {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L, level_names[level],
			     src);
	} else {
		n = snprintf(buf, cap, "<%d>%s: ", level_prio[level], src);
	}
	if (n < 0)
		return 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* The length to keep of text that a bounded printf cut to room - 1 bytes:
 * whole words and whole characters only (the last byte written is not
 * looked past). */
static size_t cut_clean(const char *text, size_t room)
{
	return room < 2 ? 0 : playout_text_cut_at(text, room - 2);
}

/* errnum >= 0: append ": strerror(errnum)". A line too long for the buffer
 * ends at a word, with a mark that says it was cut. */
static void log_line(int level, const char *src, int errnum, const char *fmt, va_list ap)
{
	static const char cut[] = "... [truncated]";
	char buf[LOG_LINE_MAX];
	/* Room kept at the end for the truncation mark and the newline. */
	size_t cap = sizeof buf - sizeof cut - 1;

	level = clamp_level(level);
	if (level > atomic_load(&log_level))
		return;
	if (!src)
		src = "?";

	size_t len = put_prefix(buf, cap, level, src);
	int truncated = 0;
	int n = vsnprintf(buf + len, cap - len, fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= cap - len) {
		truncated = 1;
		n = (int)cut_clean(buf + len, cap - len);
	}
	flatten(buf + len, (size_t)n);
	len += (size_t)n;
	if (errnum >= 0 && !truncated) {
		char ebuf[128];
#ifdef _GNU_SOURCE /* configure's AC_USE_SYSTEM_EXTENSIONS: the GNU variant */
		const char *etxt = strerror_r(errnum, ebuf, sizeof ebuf);
#else
		const char *etxt = strerror_r(errnum, ebuf, sizeof ebuf) == 0 ? ebuf : "unknown error";
#endif
		n = snprintf(buf + len, cap - len, ": %s", etxt);
		if (n < 0)
			n = 0;
		if ((size_t)n >= cap - len) {
			truncated = 1;
			n = (int)cut_clean(buf + len, cap - len);
		}
		len += (size_t)n;
	}
	if (truncated) {
		memcpy(buf + len, cut, sizeof cut - 1);
		len += sizeof cut - 1;
	}
	buf[len++] = '\n';

	/* One write per line keeps lines whole between threads; a short write
	 * on a pipe is finished rather than dropped. Errors are ignored: there
	 * is nowhere left to report them. */
	const char *p = buf;
	while (len > 0) {
		ssize_t w = write(STDERR_FILENO, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		p += w;
		len -= (size_t)w;
	}
}

void po_logv(int level, const char *src, const char *fmt, va_list ap)
{
	int saved = errno;
	log_line(level, src, -1, fmt, ap);
	errno = saved;
}

void po_log(int level, const char *src, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	log_line(level, src, -1, fmt, ap);
	va_end(ap);
	errno = saved;
}

void po_log_error(const char *src, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	log_line(PLAYOUT_LOG_ERROR, src, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void po_log_warn(const char *src, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	log_line(PLAYOUT_LOG_WARN, src, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}
