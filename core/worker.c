/*
 * Background work of the daemon (to be written: issue 3/4).
 */
#include "worker.h"

typedef int po_worker_placeholder;
