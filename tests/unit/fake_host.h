#ifndef PO_FAKE_HOST_H
#define PO_FAKE_HOST_H
#include <playout/plugin.h>
#endif
