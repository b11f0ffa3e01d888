/*
 * A list of "file:line: message" problems, so config and plugin validation
 * can report every problem at once and then fail once.
 */
#ifndef PO_DIAG_H
#define PO_DIAG_H

#include <stddef.h>
#include <libconfig.h>

struct po_diag {
	char **msg;      /* malloc'd lines */
	size_t n, cap;
	size_t nerrors;  /* entries that are errors (the rest are warnings) */
	unsigned char *is_error; /* parallel to msg: 1 error, 0 warning */
};

void po_diag_init(struct po_diag *d);
void po_diag_free(struct po_diag *d);
/* Adds "file:line: error: <fmt>" using the setting's source position (s may
 * be NULL: then file alone). */
void po_diag_error(struct po_diag *d, const char *file, const config_setting_t *s,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void po_diag_warn(struct po_diag *d, const char *file, const config_setting_t *s,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Log every line through po_log (errors as errors, warnings as warnings). */
void po_diag_log(const struct po_diag *d, const char *src);

#endif
