#ifndef PO_MP3JOIN_H
#define PO_MP3JOIN_H
#endif
