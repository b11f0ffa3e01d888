#ifndef PO_HOST_H
#define PO_HOST_H
#endif
