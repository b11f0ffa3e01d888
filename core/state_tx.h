/*
 * For the state's companion files only (state_alarms.c): one transaction on
 * the shared handle, as state.c's own calls make them. Not for other code.
 */
#ifndef PO_STATE_TX_H
#define PO_STATE_TX_H

#include <sqlite3.h>

#include "state.h"

/* Take the handle's mutex and BEGIN (IMMEDIATE when write); *db is the
 * handle's connection until po_state_tx_end, which COMMITs when rc is OK,
 * else rolls back, and drops the mutex. */
int po_state_tx_begin(struct po_state *st, int write, const char *what, sqlite3 **db);
int po_state_tx_end(struct po_state *st, int rc, const char *what);
/* Record (and log) a failed sqlite call: "state PATH: what: text". */
int po_state_tx_fail(struct po_state *st, int sqlite_rc, const char *what);

#endif
