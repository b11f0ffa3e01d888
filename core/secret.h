/*
 * Secret references in config values: a literal, "file:/path" (first line,
 * trailing newline removed), "env:NAME", or "ssm:/name" (SSM Parameter Store:
 * resolved by the runtime's AWS context in core/host.c, not here;
 * po_secret_resolve answers PLAYOUT_ECONFIG for it).
 * Values are never logged; messages name the reference only.

 */
#ifndef PO_SECRET_H
#define PO_SECRET_H

#include <playout/plugin.h>

/* 1 when ref is a literal (no known "scheme:" prefix). */
int po_secret_is_literal(const char *ref);
/* *value malloc'd, caller frees with po_secret_free (wipes it). */
int po_secret_resolve(const char *ref, char **value, struct playout_error *err);
void po_secret_free(char *value); /* NULL is a no-op */

/* Replace the file at path with value plus "\n", atomically and mode 0600
 * (playout_file_replace_with: temporary file, fsync, rename, fsync of the
 * folder). Never logs value. */
int po_secret_store_file(const char *path, const char *value, struct playout_error *err);

/* Tests: fn sees every value po_secret_free releases, after the wipe and
 * before free (len: its length before the wipe). NULL: none. */
void po_secret_observe_free(void (*fn)(const char *value, size_t len));

#endif
