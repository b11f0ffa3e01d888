/*
 * libFuzzer target for the MP3 frame scanner: any bytes go through
 * po_mp3_index_mem (tags, Xing/Info/LAME/VBRI parsing, the header chain or
 * the libmpg123 walk, damage listing). Must never crash, leak or read out of
 * bounds. Differential too: whenever the hand-followed header chain accepts
 * the bytes, the libmpg123 walk (the reference) must give the same index.
 * And the state store's form of an index (mp3_store) must give back the
 * same index; the raw bytes are also offered to its decoder as a blob.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mp3.h"
#include "mp3_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when the two indexes agree in everything but refs and the mtime. */
static int same_index(const struct po_mp3_index *a, const struct po_mp3_index *b)
{
	return a->version == b->version && a->layer == b->layer &&
	       a->sample_rate == b->sample_rate && a->channels == b->channels &&
	       a->samples_per_frame == b->samples_per_frame &&
	       a->bitrate_kbps == b->bitrate_kbps && a->nframes == b->nframes &&
	       a->duration_ms == b->duration_ms && a->file_size == b->file_size &&
	       a->resyncs == b->resyncs && a->header_kind == b->header_kind &&
	       a->header_offset == b->header_offset && a->header_len == b->header_len &&
	       a->header_frames == b->header_frames && a->enc_delay == b->enc_delay &&
	       a->enc_padding == b->enc_padding && strcmp(a->encoder, b->encoder) == 0 &&
	       a->id3v2_bytes == b->id3v2_bytes && a->id3v1_bytes == b->id3v1_bytes &&
	       a->ape_bytes == b->ape_bytes && a->ndamaged == b->ndamaged &&
	       a->gapless_ms == b->gapless_ms &&
	       memcmp(a->frames, b->frames, a->nframes * sizeof *a->frames) == 0 &&
	       (a->ndamaged == 0 ||
		memcmp(a->damaged, b->damaged, a->ndamaged * sizeof *a->damaged) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct po_mp3_index *ix = NULL, *chain = NULL, *ref = NULL;
	struct playout_error err = {0};
	if (po_mp3_index_mem(data, size, "fuzz", &ix, &err) == PLAYOUT_OK) {
		/* The index must describe frames inside the input. */
		for (uint32_t i = 0; i < ix->nframes; i++)
			if ((uint64_t)ix->frames[i].offset + ix->frames[i].len > size)
				__builtin_trap();
		(void)po_mp3_frame_at_ms(ix, ix->duration_ms / 2);
		unsigned char *blob = NULL;
		size_t len = 0;
		struct po_mp3_index *back = NULL;
		if (po_mp3_store_encode(ix, &blob, &len, &err) == PLAYOUT_OK &&
		    (po_mp3_store_decode(blob, len, &back, &err) != PLAYOUT_OK ||
		     !same_index(ix, back)))
			__builtin_trap();
		free(blob);
		po_mp3_index_unref(back);
	}
	struct po_mp3_index *blob_ix = NULL;
	if (po_mp3_store_decode(data, size, &blob_ix, &err) == PLAYOUT_OK)
		po_mp3_index_unref(blob_ix);
	if (po_mp3_index_mem_walk(data, size, "fuzz", PO_MP3_WALK_CHAIN, &chain, &err) ==
	    PLAYOUT_OK) {
		if (po_mp3_index_mem_walk(data, size, "fuzz", PO_MP3_WALK_REF, &ref, &err) !=
			    PLAYOUT_OK ||
		    !same_index(chain, ref) || !ix || !same_index(ix, ref))
			__builtin_trap();
	}
	po_mp3_index_unref(ix);
	po_mp3_index_unref(chain);
	po_mp3_index_unref(ref);
	return 0;
}
