#ifndef PO_HTTP_H
#define PO_HTTP_H
#endif
