/*
 * libFuzzer target for the MP3 frame scanner: any bytes go through
 * po_mp3_index_mem (tags, Xing/Info/LAME/VBRI parsing, the libmpg123 walk,
 * damage listing). Must never crash, leak or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>

#include "mp3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct po_mp3_index *ix = NULL;
	struct playout_error err = {0};
	if (po_mp3_index_mem(data, size, "fuzz", &ix, &err) == PLAYOUT_OK) {
		/* The index must describe frames inside the input. */
		for (uint32_t i = 0; i < ix->nframes; i++)
			if ((uint64_t)ix->frames[i].offset + ix->frames[i].len > size)
				__builtin_trap();
		(void)po_mp3_frame_at_ms(ix, ix->duration_ms / 2);
	}
	po_mp3_index_unref(ix);
	return 0;
}
