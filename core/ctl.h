#ifndef PO_CTL_H
#define PO_CTL_H
#endif
