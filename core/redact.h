/*
 * Free text leaving the machine (the status server's pages): file paths in
 * error messages and reasons cut to their last component, so no page shows
 * where the daemon keeps its files. Secrets never reach these texts (the
 * core never puts a value in a message, doc/design.md §9).
 */
#ifndef PO_REDACT_H
#define PO_REDACT_H

#include <stddef.h>

/* Copy in to out (n >= 1 bytes, always NUL-terminated, cut at n - 1):
 * every absolute path of two or more components ("/var/cache/x.mp3")
 * becomes ".../x.mp3". A path starts with '/' at the start or after a
 * space or one of ( [ < = : ' " , and runs to a space or one of
 * ) ] > ' " , ; or ':'. "//" after ':' is a URL and stays. Thread-safe. */
void po_redact_paths(const char *in, char *out, size_t n);

#endif
