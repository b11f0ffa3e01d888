/*
 * The frame index in the state store (to be written: issue 3).
 */
#include "mp3_store.h"

typedef int po_mp3_store_placeholder;
