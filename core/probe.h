#ifndef PO_PROBE_H
#define PO_PROBE_H
#endif
