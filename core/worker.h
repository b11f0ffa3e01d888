/*
 * Background work of the daemon (to be written: issue 3/4).
 */
#ifndef PO_WORKER_H
#define PO_WORKER_H

#endif
