/*
 * The frame index as a blob in the state store. Layout (little-endian):
 *
 *   header (112 bytes): "POFX", format u16, flags u16, the stream format,
 *     counts, sizes and tag facts (see put_header), first frame offset
 *   damaged runs:       ndamaged x (offset u32, len u32)
 *   frames:             nframes x len u16              (compact), or
 *                       nframes x (offset u32, len u32) (FLAG_OFFSETS)
 *   crc32 u32 of everything before it
 *
 * Compact frames keep only lengths: frame i+1 starts where frame i ends,
 * plus the damaged runs that start exactly there. encode checks that this
 * rebuilds every offset exactly and otherwise stores offsets. A 60-minute
 * 128 kbps file (137,812 frames) is 276 KB instead of 1.1 MB.
 */
#include "mp3_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "POFX"
#define HEADER_LEN 112
#define FLAG_OFFSETS 0x0001u /* frames carry explicit offsets */
#define MAX_FRAME_LEN16 65535u

/* ---- little-endian bytes and a checksum ----------------------------------- */

static void put16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xffffu);
	put16(p + 2, v >> 16);
}

static void put64(unsigned char *p, int64_t v)
{
	uint64_t u = (uint64_t)v;
	put32(p, (uint32_t)u);
	put32(p + 4, (uint32_t)(u >> 32));
}

static uint32_t get16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t get32(const unsigned char *p)
{
	return get16(p) | get16(p + 2) << 16;
}

static int64_t get64(const unsigned char *p)
{
	return (int64_t)((uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32);
}

/* CRC-32 (IEEE, as zlib; reflected 0xedb88320), a byte at a time: a flipped
 * bit in a frame length would otherwise pass every range check and shift
 * all later frames. About 0.5 ms for a 60-minute file's 276 KB. */
static const uint32_t crc_table[256] = {
	0x00000000, 0x77073096, 0xee0e612c, 0x990951ba, 0x076dc419, 0x706af48f,
	0xe963a535, 0x9e6495a3, 0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988,
	0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91, 0x1db71064, 0x6ab020f2,
	0xf3b97148, 0x84be41de, 0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
	0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec, 0x14015c4f, 0x63066cd9,
	0xfa0f3d63, 0x8d080df5, 0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172,
	0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b, 0x35b5a8fa, 0x42b2986c,
	0xdbbbc9d6, 0xacbcf940, 0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
	0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116, 0x21b4f4b5, 0x56b3c423,
	0xcfba9599, 0xb8bda50f, 0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924,
	0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d, 0x76dc4190, 0x01db7106,
	0x98d220bc, 0xefd5102a, 0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
	0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818, 0x7f6a0dbb, 0x086d3d2d,
	0x91646c97, 0xe6635c01, 0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e,
	0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457, 0x65b0d9c6, 0x12b7e950,
	0x8bbeb8ea, 0xfcb9887c, 0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
	0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2, 0x4adfa541, 0x3dd895d7,
	0xa4d1c46d, 0xd3d6f4fb, 0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0,
	0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9, 0x5005713c, 0x270241aa,
	0xbe0b1010, 0xc90c2086, 0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
	0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4, 0x59b33d17, 0x2eb40d81,
	0xb7bd5c3b, 0xc0ba6cad, 0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a,
	0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683, 0xe3630b12, 0x94643b84,
	0x0d6d6a3e, 0x7a6a5aa8, 0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
	0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe, 0xf762575d, 0x806567cb,
	0x196c3671, 0x6e6b06e7, 0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc,
	0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5, 0xd6d6a3e8, 0xa1d1937e,
	0x38d8c2c4, 0x4fdff252, 0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
	0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60, 0xdf60efc3, 0xa867df55,
	0x316e8eef, 0x4669be79, 0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236,
	0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f, 0xc5ba3bbe, 0xb2bd0b28,
	0x2bb45a92, 0x5cb36a04, 0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
	0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a, 0x9c0906a9, 0xeb0e363f,
	0x72076785, 0x05005713, 0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38,
	0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21, 0x86d3d2d4, 0xf1d4e242,
	0x68ddb3f8, 0x1fda836e, 0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
	0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c, 0x8f659eff, 0xf862ae69,
	0x616bffd3, 0x166ccf45, 0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2,
	0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db, 0xaed16a4a, 0xd9d65adc,
	0x40df0b66, 0x37d83bf0, 0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
	0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6, 0xbad03605, 0xcdd70693,
	0x54de5729, 0x23d967bf, 0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94,
	0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++)
		c = (c >> 8) ^ crc_table[(c ^ p[i]) & 0xff];
	return ~c;
}

/* ---- what a valid index looks like ---------------------------------------- */

/* The checks decode applies, shared with encode so that nothing is stored
 * that would be refused on the way back. Returns a reason, or NULL. */
static const char *check_format(const struct po_mp3_index *ix)
{
	if (ix->version != 10 && ix->version != 20 && ix->version != 25)
		return "MPEG version";
	if (ix->layer < 1 || ix->layer > 3)
		return "layer";
	if (ix->channels < 1 || ix->channels > 2)
		return "channel count";
	if (ix->sample_rate < 1 || ix->sample_rate > 192000)
		return "sample rate";
	if (ix->samples_per_frame != 384 && ix->samples_per_frame != 576 &&
	    ix->samples_per_frame != 1152)
		return "samples per frame";
	if (ix->bitrate_kbps < 0 || ix->bitrate_kbps > 65535)
		return "bitrate";
	if (ix->header_kind < PO_MP3_HEADER_NONE || ix->header_kind > PO_MP3_HEADER_VBRI)
		return "header kind";
	if (ix->nframes == 0)
		return "frame count (no audio)";
	if (ix->file_size < 0 || ix->duration_ms < 0 || ix->gapless_ms < 0)
		return "negative size or duration";
	if (ix->enc_delay < -1 || ix->enc_padding < -1)
		return "encoder delay/padding";
	if (!memchr(ix->encoder, '\0', sizeof ix->encoder))
		return "encoder name not terminated";
	uint64_t size = (uint64_t)ix->file_size;
	if ((uint64_t)ix->header_offset + ix->header_len > size ||
	    (uint64_t)ix->id3v2_bytes + ix->id3v1_bytes + ix->ape_bytes > size)
		return "header or tags past the end of the file";
	return NULL;
}

/* Runs in file order, not empty, not overlapping, inside the file. */
static const char *check_runs(const struct po_mp3_index *ix)
{
	uint64_t size = (uint64_t)ix->file_size, at = 0;
	for (uint32_t i = 0; i < ix->ndamaged; i++) {
		const struct po_mp3_damage *d = &ix->damaged[i];
		if (d->len == 0 || d->offset < at || (uint64_t)d->offset + d->len > size)
			return "damaged runs out of order or past the end";
		at = (uint64_t)d->offset + d->len;
	}
	at = 0;
	for (uint32_t i = 0; i < ix->nframes; i++) {
		const struct po_mp3_frame *f = &ix->frames[i];
		if (f->len == 0 || f->offset < at || (uint64_t)f->offset + f->len > size)
			return "frames out of order or past the end";
		at = (uint64_t)f->offset + f->len;
	}
	return NULL;
}

/* ---- compact frames: lengths only ----------------------------------------- */

/* Rebuild the offsets of frames[1..] from frames[0].offset, the lengths and
 * the damaged runs: frame i+1 starts at the end of frame i plus every run
 * that starts exactly there. */
static void rebuild_offsets(struct po_mp3_frame *f, uint32_t n, const struct po_mp3_damage *d,
			    uint32_t nd)
{
	uint32_t k = 0;
	while (k < nd && d[k].offset < f[0].offset)
		k++;
	for (uint32_t i = 0; i + 1 < n; i++) {
		uint64_t at = (uint64_t)f[i].offset + f[i].len;
		while (k < nd && d[k].offset == at)
			at += d[k++].len;
		/* a corrupt blob may overflow: check_runs refuses what does not fit */
		f[i + 1].offset = at > UINT32_MAX ? UINT32_MAX : (uint32_t)at;
	}
}

/* 1 when the compact form reproduces ix's frames exactly. */
static int compact_ok(const struct po_mp3_index *ix)
{
	uint32_t k = 0;
	const struct po_mp3_damage *d = ix->damaged;
	while (k < ix->ndamaged && d[k].offset < ix->frames[0].offset)
		k++;
	for (uint32_t i = 0; i < ix->nframes; i++) {
		const struct po_mp3_frame *f = &ix->frames[i];
		if (f->len > MAX_FRAME_LEN16)
			return 0;
		if (i + 1 == ix->nframes)
			break;
		uint64_t at = (uint64_t)f->offset + f->len;
		while (k < ix->ndamaged && d[k].offset == at)
			at += d[k++].len;
		if (at != ix->frames[i + 1].offset)
			return 0;
	}
	return 1;
}

/* ---- encode --------------------------------------------------------------- */

static void put_header(unsigned char *p, const struct po_mp3_index *ix, uint32_t flags)
{
	memcpy(p, MAGIC, 4);
	put16(p + 4, PO_MP3_STORE_FORMAT);
	put16(p + 6, flags);
	p[8] = (unsigned char)ix->version;
	p[9] = (unsigned char)ix->layer;
	p[10] = (unsigned char)ix->channels;
	p[11] = (unsigned char)ix->header_kind;
	put32(p + 12, (uint32_t)ix->sample_rate);
	put16(p + 16, (uint32_t)ix->samples_per_frame);
	put16(p + 18, (uint32_t)ix->bitrate_kbps);
	put32(p + 20, ix->nframes);
	put32(p + 24, ix->ndamaged);
	put32(p + 28, ix->resyncs);
	put64(p + 32, ix->file_size);
	put64(p + 40, ix->file_mtime_ms);
	put64(p + 48, ix->duration_ms);
	put64(p + 56, ix->gapless_ms);
	put32(p + 64, ix->header_offset);
	put32(p + 68, ix->header_len);
	put32(p + 72, ix->header_frames);
	put32(p + 76, (uint32_t)ix->enc_delay);
	put32(p + 80, (uint32_t)ix->enc_padding);
	put32(p + 84, ix->id3v2_bytes);
	put32(p + 88, ix->id3v1_bytes);
	put32(p + 92, ix->ape_bytes);
	put32(p + 96, ix->frames[0].offset);
	memcpy(p + 100, ix->encoder, sizeof ix->encoder); /* 10 bytes, then 2 zero */
	put16(p + 110, 0);
}

int po_mp3_store_encode(const struct po_mp3_index *ix, unsigned char **blob, size_t *len,
			struct playout_error *err)
{
	*blob = NULL;
	*len = 0;
	const char *why = check_format(ix);
	if (!why)
		why = check_runs(ix);
	if (why)
		return playout_error_set(err, PLAYOUT_EINVAL, "mp3 store: index not stored: %s",
					 why);
	uint32_t flags = compact_ok(ix) ? 0 : FLAG_OFFSETS;
	size_t per_frame = flags & FLAG_OFFSETS ? 8 : 2;
	size_t n = HEADER_LEN + (size_t)ix->ndamaged * 8 + (size_t)ix->nframes * per_frame + 4;
	unsigned char *p = malloc(n);
	if (!p)
		return playout_error_set(err, PLAYOUT_ENOMEM, "mp3 store: out of memory (%zu bytes)",
					 n);
	put_header(p, ix, flags);
	unsigned char *w = p + HEADER_LEN;
	for (uint32_t i = 0; i < ix->ndamaged; i++, w += 8) {
		put32(w, ix->damaged[i].offset);
		put32(w + 4, ix->damaged[i].len);
	}
	for (uint32_t i = 0; i < ix->nframes; i++) {
		if (flags & FLAG_OFFSETS) {
			put32(w, ix->frames[i].offset);
			put32(w + 4, ix->frames[i].len);
			w += 8;
		} else {
			put16(w, ix->frames[i].len);
			w += 2;
		}
	}
	put32(w, crc32_of(p, n - 4));
	*blob = p;
	*len = n;
	return PLAYOUT_OK;
}

/* ---- decode --------------------------------------------------------------- */

static int refuse(struct playout_error *err, const char *why)
{
	return playout_error_set(err, PLAYOUT_EPROTO, "mp3 store: stored index refused: %s", why);
}

static void get_header(const unsigned char *p, struct po_mp3_index *ix)
{
	ix->version = p[8];
	ix->layer = p[9];
	ix->channels = p[10];
	ix->header_kind = p[11];
	ix->sample_rate = (int)get32(p + 12); /* > INT_MAX lands negative: refused */
	ix->samples_per_frame = (int)get16(p + 16);
	ix->bitrate_kbps = (int)get16(p + 18);
	ix->nframes = get32(p + 20);
	ix->ndamaged = get32(p + 24);
	ix->resyncs = get32(p + 28);
	ix->file_size = get64(p + 32);
	ix->file_mtime_ms = get64(p + 40);
	ix->duration_ms = get64(p + 48);
	ix->gapless_ms = get64(p + 56);
	ix->header_offset = get32(p + 64);
	ix->header_len = get32(p + 68);
	ix->header_frames = get32(p + 72);
	ix->enc_delay = (int32_t)get32(p + 76);
	ix->enc_padding = (int32_t)get32(p + 80);
	ix->id3v2_bytes = get32(p + 84);
	ix->id3v1_bytes = get32(p + 88);
	ix->ape_bytes = get32(p + 92);
	memcpy(ix->encoder, p + 100, sizeof ix->encoder);
}

/* Free an index built here (mp3.c's layout: calloc'd struct, malloc'd arrays). */
static void release(struct po_mp3_index *ix)
{
	if (!ix)
		return;
	free(ix->frames);
	free(ix->damaged);
	free(ix);
}

int po_mp3_store_decode(const void *blob, size_t len, struct po_mp3_index **out,
			struct playout_error *err)
{
	const unsigned char *p = blob;
	*out = NULL;
	if (!p || len < HEADER_LEN + 4)
		return refuse(err, "shorter than its header");
	if (memcmp(p, MAGIC, 4) != 0)
		return refuse(err, "not a frame index (magic)");
	if (get16(p + 4) != PO_MP3_STORE_FORMAT)
		return playout_error_set(err, PLAYOUT_EPROTO,
					 "mp3 store: stored index refused: format %u, this build "
					 "reads %d", (unsigned)get16(p + 4), PO_MP3_STORE_FORMAT);
	uint32_t flags = get16(p + 6);
	if (flags & ~FLAG_OFFSETS)
		return refuse(err, "unknown flags");
	if (get16(p + 110) != 0)
		return refuse(err, "reserved bytes not zero");
	/* The length must be exact before anything is allocated: counts from a
	 * corrupt header can then never ask for more than the blob holds. */
	uint64_t nframes = get32(p + 20), ndamaged = get32(p + 24);
	uint64_t want = HEADER_LEN + ndamaged * 8 + nframes * (flags & FLAG_OFFSETS ? 8 : 2) + 4;
	if (want != len)
		return refuse(err, want > len ? "truncated" : "trailing bytes");
	if (get32(p + len - 4) != crc32_of(p, len - 4))
		return refuse(err, "checksum mismatch (corrupt)");

	int rc = PLAYOUT_OK;
	struct po_mp3_index *ix = calloc(1, sizeof *ix);
	if (!ix)
		return playout_error_set(err, PLAYOUT_ENOMEM, "mp3 store: out of memory");
	ix->refs = 1;
	get_header(p, ix);
	const char *why = check_format(ix);
	if (why) {
		rc = refuse(err, why);
		goto out;
	}
	ix->frames = malloc((size_t)nframes * sizeof *ix->frames);
	ix->damaged = ndamaged ? malloc((size_t)ndamaged * sizeof *ix->damaged) : NULL;
	if (!ix->frames || (ndamaged && !ix->damaged)) {
		rc = playout_error_set(err, PLAYOUT_ENOMEM, "mp3 store: out of memory");
		goto out;
	}
	const unsigned char *r = p + HEADER_LEN;
	for (uint32_t i = 0; i < ix->ndamaged; i++, r += 8) {
		ix->damaged[i].offset = get32(r);
		ix->damaged[i].len = get32(r + 4);
	}
	for (uint32_t i = 0; i < ix->nframes; i++) {
		if (flags & FLAG_OFFSETS) {
			ix->frames[i].offset = get32(r);
			ix->frames[i].len = get32(r + 4);
			r += 8;
		} else {
			ix->frames[i].len = get16(r);
			r += 2;
		}
	}
	if (!(flags & FLAG_OFFSETS)) {
		ix->frames[0].offset = get32(p + 96);
		rebuild_offsets(ix->frames, ix->nframes, ix->damaged, ix->ndamaged);
	} else if (ix->frames[0].offset != get32(p + 96)) {
		rc = refuse(err, "first frame offset disagrees");
		goto out;
	}
	why = check_runs(ix);
	if (why) {
		rc = refuse(err, why);
		goto out;
	}
	*out = ix;
	ix = NULL;
out:
	release(ix);
	return rc;
}

/* ---- in the state --------------------------------------------------------- */

int po_mp3_store_load(struct po_state *st, const char *path, int64_t size, int64_t mtime_ms,
		      struct po_mp3_index **out, struct playout_error *err)
{
	*out = NULL;
	void *blob = NULL;
	size_t len = 0;
	int rc = po_state_media_index_get(st, path, size, mtime_ms, &blob, &len);
	if (rc == PLAYOUT_ENOTFOUND)
		return playout_error_set(err, rc, "mp3 store: %s: no stored index", path);
	if (rc < 0)
		return playout_error_set(err, rc, "%s", po_state_errmsg(st));
	rc = po_mp3_store_decode(blob, len, out, err);
	free(blob);
	if (rc == PLAYOUT_OK && ((*out)->file_size != size || (*out)->file_mtime_ms != mtime_ms)) {
		po_mp3_index_unref(*out);
		*out = NULL;
		rc = refuse(err, "its size/mtime disagree with the row's");
	}
	if (rc == PLAYOUT_EPROTO && err) {
		/* say which file: the decoder does not know it */
		char why[sizeof err->msg];
		snprintf(why, sizeof why, "%s", err->msg);
		playout_error_set(err, rc, "%s: %s", path, why);
	}
	return rc;
}

int po_mp3_store_save(struct po_state *st, const char *path, const struct po_mp3_index *ix,
		      struct playout_error *err)
{
	unsigned char *blob = NULL;
	size_t len = 0;
	int rc = po_mp3_store_encode(ix, &blob, &len, err);
	if (rc < 0)
		return rc;
	rc = po_state_media_index_put(st, path, ix->file_size, ix->file_mtime_ms, blob, len);
	free(blob);
	if (rc < 0)
		return playout_error_set(err, rc, "%s", po_state_errmsg(st));
	return PLAYOUT_OK;
}
