#ifndef PO_AWS_H
#define PO_AWS_H
#endif
