/*
 * A playout_host for the plugin parsers under libFuzzer: logs are formatted
 * (so a bad format argument shows up) and dropped; local times are in
 * Europe/London (DST both ways); the clocks stand still. Not for anything
 * that talks to a network or a store: those ops answer "unavailable".
 */
#ifndef PO_FUZZ_HOST_H
#define PO_FUZZ_HOST_H

#include <playout/plugin.h>

/* The fixed "now" of both clocks: 2026-03-29T00:00:00Z, a DST Sunday. */
#define PO_FUZZ_NOW_MS 1774742400000LL

/* The host, set up on the first call (it sets TZ). Borrowed, valid for the
 * life of the process. */
const struct playout_host *po_fuzz_host(void);

/* A copy of the n bytes of data, NUL-terminated, with one spare byte after
 * the NUL (the CSV parser wants one); caller frees. NULL when out of memory. */
char *po_fuzz_text(const unsigned char *data, size_t n);

#endif
