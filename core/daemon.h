#ifndef PO_DAEMON_H
#define PO_DAEMON_H
#endif
