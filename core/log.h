/*
 * One logging entry point for the core and (through the host table) plugins.
 * Lines go to stderr; under systemd (not foreground) each line carries the
 * "<N>" priority prefix journald understands. Thread-safe.
 */
#ifndef PO_LOG_H
#define PO_LOG_H

#include <playout/plugin.h>

/* Call once from main before threads start. level: highest level printed. */
void po_log_init(int foreground, int level);
void po_log_set_level(int level);

/* src: "core", "planner", "icecast:main"... */
void po_log(int level, const char *src, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void po_logv(int level, const char *src, const char *fmt, va_list ap);

/* The *x forms print the message alone; the others append ": strerror(errno)". */
#define po_log_errorx(src, ...) po_log(PLAYOUT_LOG_ERROR, src, __VA_ARGS__)
#define po_log_warnx(src, ...) po_log(PLAYOUT_LOG_WARN, src, __VA_ARGS__)
#define po_log_notice(src, ...) po_log(PLAYOUT_LOG_NOTICE, src, __VA_ARGS__)
#define po_log_info(src, ...) po_log(PLAYOUT_LOG_INFO, src, __VA_ARGS__)
#ifdef NDEBUG
#define po_log_debug(src, ...) ((void)0)
#else
#define po_log_debug(src, ...) po_log(PLAYOUT_LOG_DEBUG, src, __VA_ARGS__)
#endif
void po_log_error(const char *src, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void po_log_warn(const char *src, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
