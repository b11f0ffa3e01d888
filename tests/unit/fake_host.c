/* placeholder */
#include "fake_host.h"
typedef int po_placeholder_fake_host;
