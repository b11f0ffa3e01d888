#ifndef PO_CACHE_H
#define PO_CACHE_H
#endif
