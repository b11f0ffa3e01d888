/*
 * Tests for core/mp3_store.c (the frame index as a blob in the state) and
 * its users: po_media_scan and the media catalogue (po_media_index) take a
 * stored index instead of indexing again, and po_media_prune forgets
 * evicted files.
 * MP3s are made with ffmpeg at test time; blobs are checked byte by byte.
 */
#include "runner.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "mp3.h"
#include "mp3_store.h"
#include "media.h"
#include "runtime.h"
#include "state.h"

/* ---- helpers -------------------------------------------------------------- */

static char *tmp_path(const char *name)
{
	static char path[8][512];
	static int k;
	char *p = path[k++ % 8];
	snprintf(p, 512, "%s/%s", po_test_tmpdir(), name);
	return p;
}

/* A 44.1 kHz mono MP3 of a tone made by ffmpeg into path; extra: encoder
 * options ("-b:a 128k" or "-q:a 2" for VBR with a Xing frame). */
static int make_mp3(const char *path, double seconds, const char *opt, const char *val)
{
	char src[128];
	snprintf(src, sizeof src, "sine=frequency=440:sample_rate=44100:duration=%g", seconds);
	const char *argv[] = { "ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
			       "-i", src, "-c:a", "libmp3lame", opt, val, path, NULL };
	return po_test_run_quiet(argv);
}

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *buf = malloc((size_t)len);
	if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*n = (size_t)len;
	return buf;
}

/* The index of a fresh CBR file of this length (kept per length). */
static struct po_mp3_index *cbr_index(double seconds)
{
	char name[64];
	snprintf(name, sizeof name, "cbr_%g.mp3", seconds);
	const char *p = tmp_path(name);
	struct stat sb;
	if (stat(p, &sb) != 0 && make_mp3(p, seconds, "-b:a", "128k") != 0)
		return NULL;
	struct po_mp3_index *ix = NULL;
	struct playout_error err = {0};
	if (po_mp3_index_file(p, &ix, &err) < 0)
		fprintf(stderr, "index %s: %s\n", p, err.msg);
	return ix;
}

/* Every field and every frame and run equal (refs aside). */
static int same_index(const struct po_mp3_index *a, const struct po_mp3_index *b)
{
	int same = a->version == b->version && a->layer == b->layer &&
		   a->sample_rate == b->sample_rate && a->channels == b->channels &&
		   a->samples_per_frame == b->samples_per_frame &&
		   a->bitrate_kbps == b->bitrate_kbps && a->nframes == b->nframes &&
		   a->duration_ms == b->duration_ms && a->file_size == b->file_size &&
		   a->file_mtime_ms == b->file_mtime_ms && a->resyncs == b->resyncs &&
		   a->header_kind == b->header_kind && a->header_offset == b->header_offset &&
		   a->header_len == b->header_len && a->header_frames == b->header_frames &&
		   a->enc_delay == b->enc_delay && a->enc_padding == b->enc_padding &&
		   memcmp(a->encoder, b->encoder, sizeof a->encoder) == 0 &&
		   a->id3v2_bytes == b->id3v2_bytes && a->id3v1_bytes == b->id3v1_bytes &&
		   a->ape_bytes == b->ape_bytes && a->ndamaged == b->ndamaged &&
		   a->gapless_ms == b->gapless_ms;
	for (uint32_t i = 0; same && i < a->nframes; i++)
		same = a->frames[i].offset == b->frames[i].offset &&
		       a->frames[i].len == b->frames[i].len;
	for (uint32_t i = 0; same && i < a->ndamaged; i++)
		same = a->damaged[i].offset == b->damaged[i].offset &&
		       a->damaged[i].len == b->damaged[i].len;
	return same;
}

/* encode, decode, compare; returns the blob's length (0 on failure). */
static size_t round_trip(const struct po_mp3_index *ix)
{
	unsigned char *blob = NULL;
	size_t len = 0;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_mp3_store_encode(ix, &blob, &len, &err), PLAYOUT_OK);
	struct po_mp3_index *back = NULL;
	int rc = po_mp3_store_decode(blob, len, &back, &err);
	if (rc != PLAYOUT_OK)
		fprintf(stderr, "decode: %s\n", err.msg);
	PO_EXPECT_INT(rc, PLAYOUT_OK);
	CU_ASSERT(back && same_index(ix, back));
	CU_ASSERT(back && back->refs == 1);
	po_mp3_index_unref(back);
	free(blob);
	return rc == PLAYOUT_OK ? len : 0;
}

/* A hand-made index of n frames of flen bytes, back to back from 1000. */
static struct po_mp3_index *hand_index(uint32_t n, uint32_t flen)
{
	struct po_mp3_index *ix = calloc(1, sizeof *ix);
	CU_ASSERT_FATAL(ix != NULL);
	ix->refs = 1;
	ix->version = 10;
	ix->layer = 3;
	ix->sample_rate = 44100;
	ix->channels = 2;
	ix->samples_per_frame = 1152;
	ix->bitrate_kbps = 128;
	ix->nframes = n;
	ix->frames = calloc(n, sizeof *ix->frames);
	CU_ASSERT_FATAL(ix->frames != NULL);
	for (uint32_t i = 0; i < n; i++) {
		ix->frames[i].offset = 1000 + i * flen;
		ix->frames[i].len = flen;
	}
	ix->file_size = 1000 + (int64_t)n * flen + 128;
	ix->id3v1_bytes = 128;
	ix->enc_delay = ix->enc_padding = -1;
	ix->duration_ms = (int64_t)n * 1152 * 1000 / 44100;
	ix->gapless_ms = ix->duration_ms;
	return ix;
}

/* The blob's own CRC-32 (IEEE), computed bit by bit, to forge blobs whose
 * checksum is right but whose fields are not. */
static uint32_t crc32_ref(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static void reseal(unsigned char *blob, size_t len)
{
	uint32_t c = crc32_ref(blob, len - 4);
	for (int k = 0; k < 4; k++)
		blob[len - 4 + (size_t)k] = (unsigned char)(c >> (8 * k));
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		p[k] = (unsigned char)(v >> (8 * k));
}

/* ---- round trips -------------------------------------------------------------- */

static void test_cbr_index_round_trips_in_two_bytes_a_frame(void)
{
	struct po_mp3_index *ix = cbr_index(10);
	CU_ASSERT_FATAL(ix != NULL);
	CU_ASSERT(ix->nframes > 300);
	size_t len = round_trip(ix);
	/* header 112 + runs + 2 per frame + crc 4: the compact form was used */
	PO_EXPECT_INT(len, 112 + 8 * (size_t)ix->ndamaged + 2 * (size_t)ix->nframes + 4);
	po_mp3_index_unref(ix);
}

static void test_junk_between_frames_round_trips_compact_over_the_damaged_runs(void)
{
	const char *p = tmp_path("junk_src.mp3");
	PO_EXPECT_INT_FATAL(make_mp3(p, 5, "-b:a", "128k"), 0);
	size_t n = 0;
	unsigned char *buf = slurp(p, &n);
	CU_ASSERT_FATAL(buf != NULL);
	struct po_mp3_index *clean = NULL;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_mp3_index_mem(buf, n, "clean", &clean, &err), PLAYOUT_OK);
	/* 333 and 77 bytes of junk before frames 40 and 90 */
	uint32_t at1 = clean->frames[40].offset, at2 = clean->frames[90].offset;
	unsigned char *dirty = malloc(n + 410);
	CU_ASSERT_FATAL(dirty != NULL);
	memcpy(dirty, buf, at1);
	memset(dirty + at1, 0x00, 333);
	memcpy(dirty + at1 + 333, buf + at1, at2 - at1);
	memset(dirty + at2 + 333, 0x20, 77);
	memcpy(dirty + at2 + 410, buf + at2, n - at2);
	struct po_mp3_index *ix = NULL;
	PO_EXPECT_INT_FATAL(po_mp3_index_mem(dirty, n + 410, "dirty", &ix, &err), PLAYOUT_OK);
	CU_ASSERT(ix->ndamaged >= 2);
	PO_EXPECT_INT(ix->nframes, clean->nframes);
	size_t len = round_trip(ix);
	PO_EXPECT_INT(len, 112 + 8 * (size_t)ix->ndamaged + 2 * (size_t)ix->nframes + 4);
	po_mp3_index_unref(ix);
	po_mp3_index_unref(clean);
	free(dirty);
	free(buf);
}

static void test_vbr_index_with_xing_and_lame_tag_round_trips(void)
{
	const char *p = tmp_path("vbr.mp3");
	PO_EXPECT_INT_FATAL(make_mp3(p, 4, "-q:a", "2"), 0);
	struct po_mp3_index *ix = NULL;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_mp3_index_file(p, &ix, &err), PLAYOUT_OK);
	PO_EXPECT_INT(ix->header_kind, PO_MP3_HEADER_XING);
	CU_ASSERT(ix->file_mtime_ms > 0);
	CU_ASSERT(round_trip(ix) > 0);
	po_mp3_index_unref(ix);
}

static void test_frame_longer_than_16_bits_is_stored_with_offsets(void)
{
	struct po_mp3_index *ix = hand_index(5, 400);
	ix->frames[2].len = 70000; /* not an MP3 frame: the format must still hold it */
	for (uint32_t i = 3; i < 5; i++)
		ix->frames[i].offset = ix->frames[i - 1].offset + ix->frames[i - 1].len;
	ix->file_size = ix->frames[4].offset + 400 + 128;
	PO_EXPECT_INT(round_trip(ix), 112 + 8 * 5 + 4);
	po_mp3_index_unref(ix);
}

static void test_gap_with_no_damaged_run_is_stored_with_offsets(void)
{
	/* frames 3.. start 10 bytes later than frame 2 ends, and no run says
	 * why: lengths alone would put them in the wrong place */
	struct po_mp3_index *ix = hand_index(6, 418);
	for (uint32_t i = 3; i < 6; i++)
		ix->frames[i].offset += 10;
	ix->file_size += 10;
	PO_EXPECT_INT(round_trip(ix), 112 + 8 * 6 + 4);
	/* with the run recorded, the compact form rebuilds it */
	ix->ndamaged = 1;
	ix->damaged = malloc(sizeof *ix->damaged);
	CU_ASSERT_FATAL(ix->damaged != NULL);
	ix->damaged[0].offset = ix->frames[2].offset + 418;
	ix->damaged[0].len = 10;
	PO_EXPECT_INT(round_trip(ix), 112 + 8 + 2 * 6 + 4);
	po_mp3_index_unref(ix);
}

/* ---- refusals ------------------------------------------------------------------ */

static void test_every_truncation_and_every_corrupted_byte_is_refused(void)
{
	struct po_mp3_index *ix = cbr_index(2);
	CU_ASSERT_FATAL(ix != NULL);
	unsigned char *blob = NULL;
	size_t len = 0;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_mp3_store_encode(ix, &blob, &len, &err), PLAYOUT_OK);
	int accepted = 0;
	/* each truncation in a buffer of exactly that size, so the sanitizer
	 * sees any read past it */
	for (size_t n = 0; n < len; n++) {
		unsigned char *cut = malloc(n ? n : 1);
		CU_ASSERT_FATAL(cut != NULL);
		memcpy(cut, blob, n);
		struct po_mp3_index *back = NULL;
		int rc = po_mp3_store_decode(cut, n, &back, &err);
		accepted += rc != PLAYOUT_EPROTO || back != NULL;
		free(cut);
	}
	PO_EXPECT_INT(accepted, 0);
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			blob[i] ^= (unsigned char)(1u << bit);
			struct po_mp3_index *back = NULL;
			int rc = po_mp3_store_decode(blob, len, &back, &err);
			accepted += rc != PLAYOUT_EPROTO || back != NULL;
			po_mp3_index_unref(back);
			blob[i] ^= (unsigned char)(1u << bit);
		}
	}
	PO_EXPECT_INT(accepted, 0);
	struct po_mp3_index *back = NULL;
	PO_EXPECT_INT(po_mp3_store_decode(blob, len, &back, &err), PLAYOUT_OK);
	po_mp3_index_unref(back);
	PO_EXPECT_INT(po_mp3_store_decode(NULL, 0, &back, &err), PLAYOUT_EPROTO);
	free(blob);
	po_mp3_index_unref(ix);
}

/* Change one thing, fix the checksum: the field checks must still refuse. */
static void expect_forged_refused(const unsigned char *good, size_t len, size_t at,
				  const void *bytes, size_t nbytes, const char *why)
{
	unsigned char *b = malloc(len);
	CU_ASSERT_FATAL(b != NULL);
	memcpy(b, good, len);
	memcpy(b + at, bytes, nbytes);
	reseal(b, len);
	struct po_mp3_index *back = NULL;
	struct playout_error err = {0};
	int rc = po_mp3_store_decode(b, len, &back, &err);
	PO_EXPECT_INT(rc, PLAYOUT_EPROTO);
	CU_ASSERT_PTR_NULL(back);
	if (!strstr(err.msg, why))
		fprintf(stderr, "forged at %zu: wanted \"%s\" in \"%s\"\n", at, why, err.msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, why));
	po_mp3_index_unref(back);
	free(b);
}

static void test_forged_blobs_with_a_good_checksum_are_refused_by_the_field_checks(void)
{
	struct po_mp3_index *ix = hand_index(8, 418);
	ix->ndamaged = 1;
	ix->damaged = malloc(sizeof *ix->damaged);
	CU_ASSERT_FATAL(ix->damaged != NULL);
	ix->damaged[0].offset = 100; /* before the first frame */
	ix->damaged[0].len = 20;
	unsigned char *blob = NULL;
	size_t len = 0;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_mp3_store_encode(ix, &blob, &len, &err), PLAYOUT_OK);
	/* the reference CRC agrees with the blob's own */
	unsigned char *copy = malloc(len);
	CU_ASSERT_FATAL(copy != NULL);
	memcpy(copy, blob, len);
	reseal(copy, len);
	PO_EXPECT_INT(memcmp(copy, blob, len), 0);
	free(copy);

	unsigned char b1 = 7, zero4[4] = {0}, v2[2] = {2, 0}, flag[2] = {2, 0}, big[4];
	expect_forged_refused(blob, len, 9, &b1, 1, "layer");
	expect_forged_refused(blob, len, 10, &b1, 1, "channel");
	expect_forged_refused(blob, len, 8, &b1, 1, "MPEG version");
	expect_forged_refused(blob, len, 11, &b1, 1, "header kind");
	expect_forged_refused(blob, len, 12, zero4, 4, "sample rate");
	/* Another build's format (the next one): refused by its number. */
	unsigned char vnext[2] = { (unsigned char)(PO_MP3_STORE_FORMAT + 1), 0 };
	char fmt_next[32];
	snprintf(fmt_next, sizeof fmt_next, "format %d", PO_MP3_STORE_FORMAT + 1);
	expect_forged_refused(blob, len, 4, vnext, 2, fmt_next);
	expect_forged_refused(blob, len, 6, flag, 2, "flags");
	expect_forged_refused(blob, len, 0, "XXXX", 4, "magic");
	expect_forged_refused(blob, len, 110, v2, 2, "reserved");
	put_le32(big, 9);
	expect_forged_refused(blob, len, 20, big, 4, "truncated");    /* nframes 8 -> 9 */
	put_le32(big, 7);
	expect_forged_refused(blob, len, 20, big, 4, "trailing");     /* nframes 8 -> 7 */
	put_le32(big, 0);
	expect_forged_refused(blob, len, 20, big, 4, "trailing");     /* no frames */
	put_le32(big, 2000);
	expect_forged_refused(blob, len, 32, big, 4, "past the end"); /* file_size */
	put_le32(big, 0xfffffff0u);
	expect_forged_refused(blob, len, 96, big, 4, "past the end"); /* first offset */
	expect_forged_refused(blob, len, 112 + 4, zero4, 4, "damaged"); /* run of 0 bytes */
	unsigned char zero2[2] = {0, 0};
	expect_forged_refused(blob, len, 112 + 8 + 2 * 3, zero2, 2, "frames"); /* frame of 0 */
	unsigned char noterm[10];
	memset(noterm, 'A', sizeof noterm);
	expect_forged_refused(blob, len, 100, noterm, 10, "encoder");
	unsigned char neg[4] = {0xfe, 0xff, 0xff, 0xff}; /* -2 */
	expect_forged_refused(blob, len, 76, neg, 4, "delay");
	free(blob);
	po_mp3_index_unref(ix);
}

static void test_encode_refuses_what_decode_would_refuse(void)
{
	struct po_mp3_index *ix = hand_index(4, 418);
	unsigned char *blob = (unsigned char *)"x";
	size_t len = 1;
	struct playout_error err = {0};
	ix->frames[3].len = 5000; /* past the end of the file */
	PO_EXPECT_INT(po_mp3_store_encode(ix, &blob, &len, &err), PLAYOUT_EINVAL);
	CU_ASSERT_PTR_NULL(blob);
	PO_EXPECT_INT(len, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "past the end"));
	ix->frames[3].len = 418;
	ix->sample_rate = 0;
	PO_EXPECT_INT(po_mp3_store_encode(ix, &blob, &len, &err), PLAYOUT_EINVAL);
	ix->sample_rate = 44100;
	ix->frames[2].offset = ix->frames[1].offset; /* overlapping frames */
	PO_EXPECT_INT(po_mp3_store_encode(ix, &blob, &len, &err), PLAYOUT_EINVAL);
	po_mp3_index_unref(ix);
}

/* ---- in the state ---------------------------------------------------------------- */

static struct po_state *open_state(const char *name, int mode)
{
	struct po_state *st = NULL;
	struct playout_error err = {0};
	int rc = po_state_open(tmp_path(name), mode, &st, &err);
	if (rc != PLAYOUT_OK)
		fprintf(stderr, "open: %s\n", err.msg);
	PO_EXPECT_INT_FATAL(rc, PLAYOUT_OK);
	return st;
}

static void test_save_and_load_through_the_state_by_size_and_mtime(void)
{
	struct po_state *st = open_state("store.db", PO_STATE_WRITER);
	struct po_mp3_index *ix = cbr_index(10), *back = NULL;
	CU_ASSERT_FATAL(ix != NULL);
	struct playout_error err = {0};
	const char *path = "/cache/a.mp3";
	PO_EXPECT_INT(po_mp3_store_load(st, path, ix->file_size, ix->file_mtime_ms, &back, &err), PLAYOUT_ENOTFOUND);
	PO_EXPECT_INT(po_mp3_store_save(st, path, ix, &err), PLAYOUT_OK);
	PO_EXPECT_INT(po_mp3_store_load(st, path, ix->file_size, ix->file_mtime_ms, &back, &err), PLAYOUT_OK);
	CU_ASSERT(back && same_index(ix, back));
	po_mp3_index_unref(back);
	back = NULL;
	PO_EXPECT_INT(po_mp3_store_load(st, path, ix->file_size, ix->file_mtime_ms + 1, &back,
					  &err), PLAYOUT_ENOTFOUND);
	PO_EXPECT_INT(po_mp3_store_load(st, path, ix->file_size + 1, ix->file_mtime_ms, &back,
					  &err), PLAYOUT_ENOTFOUND);
	CU_ASSERT_PTR_NULL(back);

	/* A corrupt row is refused with the file named, and a save replaces it. */
	PO_EXPECT_INT(po_state_media_index_put(st, path, ix->file_size, ix->file_mtime_ms, "junk",
						 4), PLAYOUT_OK);
	PO_EXPECT_INT(po_mp3_store_load(st, path, ix->file_size, ix->file_mtime_ms, &back, &err), PLAYOUT_EPROTO);
	CU_ASSERT_PTR_NULL(back);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, path));
	PO_EXPECT_INT(po_mp3_store_save(st, path, ix, &err), PLAYOUT_OK);
	PO_EXPECT_INT(po_mp3_store_load(st, path, ix->file_size, ix->file_mtime_ms, &back, &err), PLAYOUT_OK);
	po_mp3_index_unref(back);
	back = NULL;

	/* A blob keyed under another size/mtime than it describes is refused. */
	unsigned char *blob = NULL;
	size_t len = 0;
	PO_EXPECT_INT_FATAL(po_mp3_store_encode(ix, &blob, &len, &err), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_media_index_put(st, "/cache/b.mp3", ix->file_size, 42, blob, len), PLAYOUT_OK);
	PO_EXPECT_INT(po_mp3_store_load(st, "/cache/b.mp3", ix->file_size, 42, &back, &err), PLAYOUT_EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "disagree"));
	free(blob);
	po_mp3_index_unref(ix);
	po_state_close(st);
}

static void test_media_scan_stores_the_index_and_takes_a_stored_one(void)
{
	struct po_state *st = open_state("scan.db", PO_STATE_WRITER);
	const char *p = tmp_path("scan.mp3");
	PO_EXPECT_INT_FATAL(make_mp3(p, 6, "-b:a", "128k"), 0);
	struct po_media m;
	struct playout_error err = {0};
	PO_EXPECT_INT(po_media_scan(st, p, NULL, PO_MEDIA_STORE, &m, &err), PLAYOUT_OK);
	CU_ASSERT(m.indexed);
	struct stat sb;
	PO_EXPECT_INT_FATAL(stat(p, &sb), 0);
	int64_t mt = (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
	struct po_mp3_index *stored = NULL;
	PO_EXPECT_INT(po_mp3_store_load(st, p, sb.st_size, mt, &stored, &err), PLAYOUT_OK);
	CU_ASSERT(stored && stored->nframes == m.nframes);
	po_mp3_index_unref(stored);

	/* Forget the summary, store another (shorter) file's index under this
	 * file's key: the next scan must take it rather than index the file. */
	struct po_mp3_index *other = cbr_index(2);
	CU_ASSERT_FATAL(other != NULL);
	CU_ASSERT_FATAL(other->nframes < m.nframes);
	other->file_size = sb.st_size;
	other->file_mtime_ms = mt;
	PO_EXPECT_INT(po_mp3_store_save(st, p, other, &err), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_media_put(st, p, sb.st_size, mt, "not a summary"), PLAYOUT_OK);
	struct po_media again;
	PO_EXPECT_INT(po_media_scan(st, p, NULL, 0, &again, &err), PLAYOUT_OK);
	PO_EXPECT_INT(again.nframes, other->nframes);
	/* without the state the file itself is indexed */
	PO_EXPECT_INT(po_media_scan(NULL, p, NULL, 0, &again, &err), PLAYOUT_OK);
	PO_EXPECT_INT(again.nframes, m.nframes);
	po_mp3_index_unref(other);
	po_state_close(st);
}

/* ---- the runtime's media catalogue ---------------------------------------------- */

/* The catalogue's index of name; it keeps a reference of its own, so the
 * pointer stays valid while the entry lives. */
static struct po_mp3_index *catalogue_index(struct po_runtime *rt, const char *name,
				     struct playout_error *err)
{
	struct po_mp3_index *ix = po_media_index(rt->media, name, err);
	po_mp3_index_unref(ix);
	return ix;
}

static int open_runtime(struct po_runtime *rt, const char *dir, int flags)
{
	char conf[600], cache[600];
	snprintf(conf, sizeof conf, "%s/rt.conf", dir);
	snprintf(cache, sizeof cache, "%s/cache", dir);
	mkdir(cache, 0750);
	FILE *f = fopen(conf, "w");
	if (!f)
		return -1;
	/* storage and outputs are required by the config, never loaded here */
	fprintf(f, "timezone = \"UTC\";\nstate = \"%s/rt.db\";\ncache = \"%s\";\n"
		"log_level = \"error\";\nstorage = { plugin = \"localdisk\"; path = \"%s\"; };\n"
		"outputs = ( { plugin = \"file\"; } );\n", dir, cache, dir);
	fclose(f);
	struct po_diag d;
	po_diag_init(&d);
	struct playout_error err = {0};
	int rc = po_runtime_open(rt, conf, flags | PO_RT_NO_PLUGINS, 0, &d, &err);
	if (rc < 0)
		fprintf(stderr, "runtime: %s\n", err.msg);
	for (size_t i = 0; rc < 0 && i < d.n; i++)
		fprintf(stderr, "  %s\n", d.msg[i]);
	po_diag_free(&d);
	return rc;
}

static void test_media_index_reads_the_state_first_and_stores_when_writable(void)
{
	const char *dir = po_test_tmpdir();
	char a[600], b[600];
	snprintf(a, sizeof a, "%s/cache/a.mp3", dir);
	snprintf(b, sizeof b, "%s/cache/b.mp3", dir);
	struct po_runtime rt;
	PO_EXPECT_INT_FATAL(open_runtime(&rt, dir, 0), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(make_mp3(a, 6, "-b:a", "128k"), 0);
	PO_EXPECT_INT_FATAL(make_mp3(b, 3, "-b:a", "128k"), 0);
	struct stat sa;
	PO_EXPECT_INT_FATAL(stat(a, &sa), 0);
	int64_t mta = (int64_t)sa.st_mtim.tv_sec * 1000 + sa.st_mtim.tv_nsec / 1000000;

	/* a stored index is taken as it is: plant a shorter one under a's key */
	struct po_mp3_index *planted = cbr_index(2);
	CU_ASSERT_FATAL(planted != NULL);
	planted->file_size = sa.st_size;
	planted->file_mtime_ms = mta;
	struct playout_error err = {0};
	PO_EXPECT_INT(po_mp3_store_save(rt.state, a, planted, &err), PLAYOUT_OK);
	struct po_mp3_index *ix = catalogue_index(&rt, "a.mp3", &err);
	CU_ASSERT_FATAL(ix != NULL);
	PO_EXPECT_INT(ix->nframes, planted->nframes);
	CU_ASSERT_PTR_EQUAL(catalogue_index(&rt, "a.mp3", &err), ix); /* from memory */

	/* b is not stored: indexed, and kept in the state */
	ix = catalogue_index(&rt, "b.mp3", &err);
	CU_ASSERT_FATAL(ix != NULL);
	struct po_mp3_index *stored = NULL;
	PO_EXPECT_INT(po_mp3_store_load(rt.state, b, ix->file_size, ix->file_mtime_ms, &stored,
					  &err), PLAYOUT_OK);
	CU_ASSERT(stored && same_index(stored, ix));
	po_mp3_index_unref(stored);
	PO_EXPECT_INT(po_media_count(rt.media, NULL), 2);

	/* b leaves the cache: prune forgets it in memory and in the state */
	int64_t bsize = ix->file_size, bmt = ix->file_mtime_ms;
	PO_EXPECT_INT_FATAL(unlink(b), 0);
	struct po_mp3_index *ia = catalogue_index(&rt, "a.mp3", &err);
	PO_EXPECT_INT(po_media_prune(rt.media), 1);
	PO_EXPECT_INT(po_media_count(rt.media, NULL), 1);
	CU_ASSERT_PTR_EQUAL(catalogue_index(&rt, "a.mp3", &err), ia); /* a is kept */
	void *blob = NULL;
	size_t len = 0;
	PO_EXPECT_INT(po_state_media_index_get(rt.state, b, bsize, bmt, &blob, &len), PLAYOUT_ENOTFOUND);
	PO_EXPECT_INT(po_state_media_index_get(rt.state, a, sa.st_size, mta, &blob, &len), PLAYOUT_OK);
	free(blob);
	PO_EXPECT_INT(po_media_prune(rt.media), 0);
	po_runtime_close(&rt);

	/* playoutctl's read-only state: indexes but stores nothing */
	PO_EXPECT_INT_FATAL(make_mp3(b, 3, "-b:a", "128k"), 0);
	PO_EXPECT_INT_FATAL(open_runtime(&rt, dir, PO_RT_STATE_READONLY), PLAYOUT_OK);
	CU_ASSERT(po_state_readonly(rt.state));
	ix = catalogue_index(&rt, "b.mp3", &err);
	CU_ASSERT_FATAL(ix != NULL);
	PO_EXPECT_INT(po_state_media_index_get(rt.state, b, ix->file_size, ix->file_mtime_ms,
						 &blob, &len), PLAYOUT_ENOTFOUND);
	ix = catalogue_index(&rt, "a.mp3", &err); /* still the planted one */
	CU_ASSERT(ix && ix->nframes == planted->nframes);
	po_runtime_close(&rt);
	po_mp3_index_unref(planted);
}

/* ---- the figure: how long a round trip takes ---------------------------------------------- */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Round trip through a real state file; the times are printed for the
 * reader, not asserted. */
static void test_a_minute_of_audio_round_trips_through_the_state_with_times_printed(void)
{
	struct po_state *st = open_state("timing.db", PO_STATE_WRITER);
	const char *p = tmp_path("minute.mp3");
	PO_EXPECT_INT_FATAL(make_mp3(p, 60, "-b:a", "128k"), 0);
	struct playout_error err = {0};
	double t0 = now_ms();
	struct po_mp3_index *ix = NULL;
	PO_EXPECT_INT_FATAL(po_mp3_index_file(p, &ix, &err), PLAYOUT_OK);
	double t1 = now_ms();
	PO_EXPECT_INT(po_mp3_store_save(st, p, ix, &err), PLAYOUT_OK);
	double t2 = now_ms();
	struct po_mp3_index *back = NULL;
	PO_EXPECT_INT(po_mp3_store_load(st, p, ix->file_size, ix->file_mtime_ms, &back, &err), PLAYOUT_OK);
	double t3 = now_ms();
	CU_ASSERT(back && same_index(ix, back));
	fprintf(stderr, "  60 s file, %u frames: index %.2f ms, save %.2f ms, load %.2f ms\n",
		ix->nframes, t1 - t0, t2 - t1, t3 - t2);
	po_mp3_index_unref(back);
	po_mp3_index_unref(ix);
	po_state_close(st);
}

static const struct po_test blob_tests[] = {
	{"cbr_index_round_trips_in_two_bytes_a_frame",
	 test_cbr_index_round_trips_in_two_bytes_a_frame},
	{"junk_between_frames_round_trips_compact_over_the_damaged_runs",
	 test_junk_between_frames_round_trips_compact_over_the_damaged_runs},
	{"vbr_index_with_xing_and_lame_tag_round_trips",
	 test_vbr_index_with_xing_and_lame_tag_round_trips},
	{"frame_longer_than_16_bits_is_stored_with_offsets",
	 test_frame_longer_than_16_bits_is_stored_with_offsets},
	{"gap_with_no_damaged_run_is_stored_with_offsets",
	 test_gap_with_no_damaged_run_is_stored_with_offsets},
	{"every_truncation_and_every_corrupted_byte_is_refused",
	 test_every_truncation_and_every_corrupted_byte_is_refused},
	{"forged_blobs_with_a_good_checksum_are_refused_by_the_field_checks",
	 test_forged_blobs_with_a_good_checksum_are_refused_by_the_field_checks},
	{"encode_refuses_what_decode_would_refuse", test_encode_refuses_what_decode_would_refuse},
	{NULL, NULL},
};

static const struct po_test state_tests[] = {
	{"save_and_load_through_the_state_by_size_and_mtime",
	 test_save_and_load_through_the_state_by_size_and_mtime},
	{"media_scan_stores_the_index_and_takes_a_stored_one",
	 test_media_scan_stores_the_index_and_takes_a_stored_one},
	{"media_index_reads_the_state_first_and_stores_when_writable",
	 test_media_index_reads_the_state_first_and_stores_when_writable},
	{"a_minute_of_audio_round_trips_through_the_state_with_times_printed",
	 test_a_minute_of_audio_round_trips_through_the_state_with_times_printed},
	{NULL, NULL},
};

int main(void)
{
	static const struct po_suite suites[] = {
		{"mp3_store_blob", blob_tests, NULL, NULL},
		{"mp3_store_state", state_tests, NULL, NULL},
		{NULL, NULL, NULL, NULL},
	};
	return po_test_run("test_mp3_store", suites);
}
