/*
 * Opening the icecast output's TLS helper (icecast_tls.so) on first use.
 * Private to the icecast module.
 */
#ifndef PO_ICECAST_TLS_H
#define PO_ICECAST_TLS_H

#include <stddef.h>

#include "tls_api.h"

/* The helper's table, loaded once per process and kept; NULL with why
 * filled when it cannot be opened (every later call says the same). */
const struct icecast_tls_module *icecast_tls_get(char *why, size_t why_len);

#endif /* PO_ICECAST_TLS_H */
