#ifndef PO_REFRESH_H
#define PO_REFRESH_H
#endif
