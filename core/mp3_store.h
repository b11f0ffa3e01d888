/*
 * The frame index in the state store (to be written: issue 3).
 */
#ifndef PO_MP3_STORE_H
#define PO_MP3_STORE_H

#endif
