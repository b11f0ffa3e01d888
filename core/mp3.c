/*
 * MP3 frame index: records each audio frame's offset and length without
 * decoding. A clean file is followed header to header by hand (an hour in a
 * few milliseconds); anything else is walked frame by frame with libmpg123,
 * which stays the reference: the hand walk only answers when it is sure to
 * give libmpg123's table. The tags at either end and the Xing/Info/LAME/VBRI
 * frame are parsed by hand (libmpg123 reports them only in part). Not for
 * reading frames at air time: the player preads them.
 */
#include "mp3.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <mpg123.h>

/* The mapped file as libmpg123 sees it through the replaced reader. */
struct mem_reader {
	const unsigned char *p;
	size_t n;
	size_t pos;
};

static mpg123_ssize_t mem_read(void *h, void *buf, size_t len)
{
	struct mem_reader *m = h;
	size_t left = m->n - m->pos;
	if (len > left)
		len = left;
	memcpy(buf, m->p + m->pos, len);
	m->pos += len;
	return (mpg123_ssize_t)len;
}

static off_t mem_seek(void *h, off_t off, int whence)
{
	struct mem_reader *m = h;
	off_t base;
	if (whence == SEEK_SET)
		base = 0;
	else if (whence == SEEK_CUR)
		base = (off_t)m->pos;
	else if (whence == SEEK_END)
		base = (off_t)m->n;
	else
		return -1;
	if (base + off < 0 || base + off > (off_t)m->n)
		return -1;
	m->pos = (size_t)(base + off);
	return (off_t)m->pos;
}


/* ---- hand parsing: tags and the metadata frame -------------------------- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Bytes of the ID3v2 tag(s) at the front (several may follow each other). */
static size_t id3v2_size(const unsigned char *p, size_t n)
{
	size_t at = 0;
	while (n - at >= 10 && memcmp(p + at, "ID3", 3) == 0 && p[at + 3] != 0xff &&
	       p[at + 4] != 0xff && !((p[at + 6] | p[at + 7] | p[at + 8] | p[at + 9]) & 0x80)) {
		size_t len = 10 + ((size_t)p[at + 6] << 21 | (size_t)p[at + 7] << 14 |
				   (size_t)p[at + 8] << 7 | p[at + 9]);
		if (p[at + 5] & 0x10)
			len += 10; /* footer */
		if (len > n - at)
			len = n - at;
		at += len;
	}
	return at;
}

/* A parsed frame header. */
struct hdr {
	int version; /* 10, 20, 25 */
	int layer;
	int rate;
	int mono;
	uint32_t len;
};

static const short kbps_tab[2][3][15] = {
	{ /* MPEG-1: layer I, II, III */
	  {0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
	  {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
	  {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320} },
	{ /* MPEG-2 and 2.5 */
	  {0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
	  {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
	  {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160} },
};

/* 1 when p holds a valid frame header (free format refused). */
static int parse_hdr(const unsigned char *p, size_t left, struct hdr *h)
{
	static const int rates[3] = { 44100, 48000, 32000 };
	if (left < 4 || p[0] != 0xff || (p[1] & 0xe0) != 0xe0)
		return 0;
	int v = (p[1] >> 3) & 3, l = (p[1] >> 1) & 3, bi = p[2] >> 4, si = (p[2] >> 2) & 3;
	if (v == 1 || l == 0 || bi == 0 || bi == 15 || si == 3)
		return 0;
	h->version = v == 3 ? 10 : v == 2 ? 20 : 25;
	h->layer = 4 - l;
	h->rate = rates[si] / (v == 3 ? 1 : v == 2 ? 2 : 4);
	h->mono = (p[3] >> 6) == 3;
	int pad = (p[2] >> 1) & 1;
	long br = kbps_tab[v == 3 ? 0 : 1][h->layer - 1][bi] * 1000L;
	if (h->layer == 1)
		h->len = (uint32_t)((12 * br / h->rate + pad) * 4);
	else if (h->layer == 3 && v != 3)
		h->len = (uint32_t)(72 * br / h->rate + pad);
	else
		h->len = (uint32_t)(144 * br / h->rate + pad);
	return h->len >= 4;
}

/* Recognise a Xing/Info(+LAME) or VBRI frame at p; fills the header fields. */
static void parse_meta_frame(const unsigned char *p, size_t left, uint32_t off,
			     struct po_mp3_index *ix)
{
	struct hdr h;
	if (!parse_hdr(p, left, &h) || h.layer != 3 || h.len > left)
		return;
	size_t side = h.version == 10 ? (h.mono ? 17 : 32) : (h.mono ? 9 : 17);
	const unsigned char *x = p + 4 + side, *end = p + h.len;
	if (end - x >= 8 && (memcmp(x, "Xing", 4) == 0 || memcmp(x, "Info", 4) == 0)) {
		ix->header_kind = x[0] == 'X' ? PO_MP3_HEADER_XING : PO_MP3_HEADER_INFO;
		uint32_t flags = be32(x + 4);
		x += 8;
		if (flags & 1) {
			if (end - x < 4)
				goto found;
			ix->header_frames = be32(x);
			x += 4;
		}
		x += (flags & 2) ? 4 : 0;
		x += (flags & 4) ? 100 : 0;
		x += (flags & 8) ? 4 : 0;
		/* LAME extension: 9-byte version, ..., delay/padding at +21. */
		if (end - x >= 24 && x[0] >= 'A' && x[0] <= 'Z' && x[1] >= ' ' && x[1] < 0x7f) {
			size_t k = 0;
			for (; k < 9 && x[k] >= ' ' && x[k] < 0x7f; k++)
				ix->encoder[k] = (char)x[k];
			ix->encoder[k] = '\0';
			ix->enc_delay = (x[21] << 4) | (x[22] >> 4);
			ix->enc_padding = ((x[22] & 0x0f) << 8) | x[23];
		}
		goto found;
	}
	x = p + 4 + 32;
	if (end - x >= 18 && memcmp(x, "VBRI", 4) == 0) {
		ix->header_kind = PO_MP3_HEADER_VBRI;
		ix->header_frames = be32(x + 14);
		goto found;
	}
	return;
found:
	ix->header_offset = off;
	ix->header_len = h.len;
}

/* Tags at the end: ID3v1 (128 bytes, "TAG") and an APEv2 tag before it.
 * Returns where the audio ends. */
static size_t end_tags(const unsigned char *p, size_t start, size_t n, struct po_mp3_index *ix)
{
	size_t end = n;
	if (end - start >= 128 && memcmp(p + end - 128, "TAG", 3) == 0) {
		ix->id3v1_bytes = 128;
		end -= 128;
	}
	if (end - start >= 32 && memcmp(p + end - 32, "APETAGEX", 8) == 0) {
		uint64_t len = le32(p + end - 32 + 12);
		if (le32(p + end - 32 + 20) & 0x80000000u)
			len += 32; /* a header too */
		if (len >= 32 && len <= end - start) {
			ix->ape_bytes = (uint32_t)len;
			end -= (size_t)len;
		}
	}
	return end;
}

static int push_damage(struct po_mp3_index *ix, uint32_t *cap, uint32_t off, uint32_t len)
{
	if (len == 0)
		return PLAYOUT_OK;
	if (ix->ndamaged == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 8;
		struct po_mp3_damage *v = realloc(ix->damaged, (size_t)ncap * sizeof *v);
		if (!v)
			return PLAYOUT_ENOMEM;
		ix->damaged = v;
		*cap = ncap;
	}
	ix->damaged[ix->ndamaged].offset = off;
	ix->damaged[ix->ndamaged].len = len;
	ix->ndamaged++;
	return PLAYOUT_OK;
}

/* Every byte run between audio_start and audio_end that is no frame. */
static int find_damage(struct po_mp3_index *ix, uint32_t audio_start, uint32_t audio_end)
{
	uint32_t cap = 0, at = audio_start;
	int rc = PLAYOUT_OK;
	if (ix->header_kind != PO_MP3_HEADER_NONE && ix->header_offset == audio_start)
		at = audio_start + ix->header_len;
	for (uint32_t i = 0; rc == PLAYOUT_OK && i < ix->nframes; i++) {
		const struct po_mp3_frame *f = &ix->frames[i];
		if (f->offset > at)
			rc = push_damage(ix, &cap, at, f->offset - at);
		at = f->offset + f->len;
	}
	if (rc == PLAYOUT_OK && audio_end > at)
		rc = push_damage(ix, &cap, at, audio_end - at);
	return rc;
}

static int samples_per_frame(int version, int layer)
{
	if (layer == 1)
		return 384;
	if (layer == 2 || version == 10)
		return 1152;
	return 576;
}

static int push_frame(struct po_mp3_index *ix, uint32_t *cap, uint32_t off, uint32_t len)
{
	if (ix->nframes == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 1024;
		struct po_mp3_frame *v = realloc(ix->frames, (size_t)ncap * sizeof *v);
		if (!v)
			return PLAYOUT_ENOMEM;
		ix->frames = v;
		*cap = ncap;
	}
	ix->frames[ix->nframes].offset = off;
	ix->frames[ix->nframes].len = len;
	ix->nframes++;
	return PLAYOUT_OK;
}

/* ---- the fast path: following an unbroken header chain ------------------ */

/* 1 when libmpg123 takes the Xing/Info frame at p as its info frame (and so
 * hides it): it looks only when the side info before the tag is all zero. */
static int meta_hidden_by_libmpg123(const unsigned char *p, uint32_t len, int version, int mono)
{
	size_t side = version == 10 ? (mono ? 17 : 32) : (mono ? 9 : 17);
	if (len < 4 + side + 8)
		return 0;
	for (size_t i = 2; i < side; i++)
		if (p[4 + i] != 0)
			return 0;
	return 1;
}

/* Where the chain walk reads headers: the buffer itself, or (a file) pread
 * into a small window that is reused. Touching every page of a mapping
 * costs more than copying the bytes through a cache-sized buffer on some
 * machines (page-table-heavy VMs: 30 ms an hour of audio against 6 ms). */
struct chain_src {
	const unsigned char *p; /* the whole file in memory, or NULL: read fd */
	int fd;
	unsigned char *win;
	size_t base, avail; /* win holds the bytes [base, base + avail) */
};

#define CHAIN_WINDOW (128 * 1024)

/* The 4 bytes at off (the caller knows off + 4 <= the file size), or NULL
 * when the file cannot be read there. */
static const unsigned char *chain_at(struct chain_src *s, size_t off)
{
	if (s->p)
		return s->p + off;
	if (off < s->base || off + 4 > s->base + s->avail) {
		ssize_t r;
		do
			r = pread(s->fd, s->win, CHAIN_WINDOW, (off_t)off);
		while (r < 0 && errno == EINTR);
		s->base = off;
		s->avail = r > 0 ? (size_t)r : 0;
		if (s->avail < 4)
			return NULL;
	}
	return s->win + (off - s->base);
}

/*
 * A clean file is one chain of layer III frames: from the audio start (after
 * the ID3v2 tag) each header is valid and of the first one's class (MPEG
 * version, sample rate, mono or not, no CRC) and the next one starts where
 * it ends, until the last one ends exactly at the audio end (before the end
 * tags). On such a file libmpg123 finds exactly these frames, so following
 * the chain gives its table without its per-frame cost. p holds at least
 * the first frame (the caller's mapping or buffer); the rest is read through
 * src. Returns 1 with ix filled (frames, format, bitrate), or 0 with ix
 * untouched when the file is anything else: junk, a truncated last frame, a
 * format change, free format, CRC, layer I/II, a VBRI frame, an info frame
 * libmpg123 may read differently. The caller then walks with libmpg123, so
 * damaged and unusual files keep the reference behaviour. An allocation or
 * read failure also returns 0 (the reference walk reports it).
 */
static int chain_walk(const unsigned char *p, struct chain_src *src, size_t start, size_t end,
		      struct po_mp3_index *ix)
{
	struct hdr h0;
	uint32_t len_of[16][2];
	size_t at = start;
	if (end <= start || !parse_hdr(p + start, end - start, &h0) || h0.layer != 3 ||
	    !(p[start + 1] & 1) || ix->header_kind == PO_MP3_HEADER_VBRI)
		return 0;
	uint32_t first = be32(p + start), mask = 0xfffe0c00u; /* sync version layer crc rate */
	int mono = h0.mono;
	if (ix->header_kind != PO_MP3_HEADER_NONE) {
		/* libmpg123 must hide it as we do, and its LAME delay/padding
		 * must be ours (otherwise the walk asks libmpg123). */
		if (ix->header_offset != start || ix->header_len != h0.len || ix->enc_delay < 0 ||
		    !meta_hidden_by_libmpg123(p + start, h0.len, h0.version, mono))
			return 0;
		at += h0.len;
	}
	for (int bi = 0; bi < 16; bi++)
		for (int pad = 0; pad < 2; pad++) {
			struct hdr h;
			unsigned char b[4] = { p[start], p[start + 1],
					       (unsigned char)((p[start + 2] & 0x0d) | bi << 4 | pad << 1),
					       p[start + 3] };
			len_of[bi][pad] = parse_hdr(b, 4, &h) ? h.len : 0;
		}
	const unsigned char *q = end - at >= 4 ? chain_at(src, at) : NULL;
	if (!q || len_of[q[2] >> 4][0] == 0)
		return 0;
	/* Room for a CBR file's frames: none is shorter than the first unpadded. */
	int bits0 = q[2] >> 4, cbr = 1;
	uint32_t cap = (uint32_t)((end - at) / len_of[bits0][0]) + 16, n = 0;
	struct po_mp3_frame *fr = malloc((size_t)cap * sizeof *fr);
	while (fr && at < end) {
		if (end - at < 4 || !(q = chain_at(src, at)))
			break;
		uint32_t hd = be32(q);
		uint32_t len = len_of[hd >> 12 & 15][hd >> 9 & 1];
		if ((hd & mask) != (first & mask) || ((hd >> 6 & 3) == 3) != mono || len == 0 ||
		    len > end - at)
			break;
		if (n == cap) {
			struct po_mp3_frame *v = realloc(fr, (size_t)cap * 2 * sizeof *fr);
			if (!v)
				break;
			fr = v;
			cap *= 2;
		}
		fr[n].offset = (uint32_t)at;
		fr[n].len = len;
		n++;
		cbr &= (int)(hd >> 12 & 15) == bits0;
		at += len;
	}
	/* libmpg123 takes its first frame only when the next header confirms
	 * it: a stream of one frame (counting the info frame) has none. */
	if (!fr || at != end || n == 0 || (n == 1 && ix->header_kind == PO_MP3_HEADER_NONE)) {
		free(fr);
		return 0;
	}
	if (cap - n > n / 8 + 16) {
		/* A VBR file that began with short frames: give back the room. */
		struct po_mp3_frame *v = realloc(fr, (size_t)n * sizeof *fr);
		fr = v ? v : fr;
	}
	ix->frames = fr;
	ix->nframes = n;
	ix->version = h0.version;
	ix->layer = 3;
	ix->sample_rate = h0.rate;
	ix->channels = mono ? 1 : 2;
	ix->samples_per_frame = samples_per_frame(h0.version, 3);
	ix->bitrate_kbps = cbr ? kbps_tab[h0.version == 10 ? 0 : 1][2][bits0] : 0;
	return 1;
}

/* ---- the libmpg123 walk -------------------------------------------------- */

static int version_code(int v)
{
	switch (v) {
	case MPG123_1_0: return 10;
	case MPG123_2_0: return 20;
	default: return 25;
	}
}

/* Walk every frame of the mapped file into ix. */
static int walk_frames(const char *path, struct mem_reader *mem, struct po_mp3_index *ix,
		       struct playout_error *err)
{
	int rc = PLAYOUT_OK, e = 0;
	uint32_t cap = (uint32_t)(mem->n / 400) + 16;
	int bitrate = -1;
	int64_t prev_end = -1;
	mpg123_init(); /* a no-op since 1.27; needed before */
	mpg123_handle *mh = mpg123_new(NULL, &e);
	if (!mh)
		return playout_error_set(err, PLAYOUT_ENOMEM, "mp3: %s: cannot create a decoder: %s",
					 path, mpg123_plain_strerror(e));
	ix->frames = malloc((size_t)cap * sizeof *ix->frames);
	if (!ix->frames) {
		rc = playout_error_set(err, PLAYOUT_ENOMEM, "mp3: %s: out of memory", path);
		goto out;
	}
	/* Quiet; resync over junk of any length; no gapless trimming (we count
	 * frames, not samples). */
	mpg123_param(mh, MPG123_FLAGS, MPG123_QUIET, 0);
	mpg123_param(mh, MPG123_RESYNC_LIMIT, -1, 0);
	if (mpg123_replace_reader_handle(mh, mem_read, mem_seek, NULL) != MPG123_OK ||
	    mpg123_open_handle(mh, mem) != MPG123_OK) {
		rc = playout_error_set(err, PLAYOUT_EINVAL, "mp3: %s: libmpg123 cannot open it: %s",
				       path, mpg123_strerror(mh));
		goto out;
	}
	for (;;) {
		int r = mpg123_framebyframe_next(mh);
		if (r == MPG123_DONE)
			break;
		if (r != MPG123_OK && r != MPG123_NEW_FORMAT) {
			if (ix->nframes == 0) {
				rc = playout_error_set(err, PLAYOUT_EINVAL,
						       "mp3: %s: not an MPEG audio file: %s",
						       path, mpg123_strerror(mh));
				goto out;
			}
			/* Damage near the end: keep what came before it. */
			ix->resyncs++;
			break;
		}
		unsigned long header = 0;
		unsigned char *body = NULL;
		size_t body_len = 0;
		struct mpg123_frameinfo2 fi;
		if (mpg123_framedata(mh, &header, &body, &body_len) != MPG123_OK ||
		    mpg123_info2(mh, &fi) != MPG123_OK) {
			rc = playout_error_set(err, PLAYOUT_EINVAL, "mp3: %s: frame %u unreadable: %s",
					       path, ix->nframes, mpg123_strerror(mh));
			goto out;
		}
		int64_t pos = (int64_t)mpg123_framepos(mh);
		int64_t len = (int64_t)body_len + 4;
		if (pos < 0 || pos + len > (int64_t)mem->n) {
			rc = playout_error_set(err, PLAYOUT_EINVAL,
					       "mp3: %s: frame %u at byte %lld runs past the end",
					       path, ix->nframes, (long long)pos);
			goto out;
		}
		int version = version_code(fi.version);
		int channels = fi.mode == MPG123_M_MONO ? 1 : 2;
		if (ix->nframes == 0) {
			ix->version = version;
			ix->layer = fi.layer;
			ix->sample_rate = (int)fi.rate;
			ix->channels = channels;
			ix->samples_per_frame = samples_per_frame(version, fi.layer);
			bitrate = fi.bitrate;
		} else {
			if (version != ix->version || fi.layer != ix->layer ||
			    fi.rate != ix->sample_rate || channels != ix->channels) {
				rc = playout_error_set(err, PLAYOUT_EINVAL,
						       "mp3: %s: format changes at frame %u "
						       "(%d Hz %s -> %ld Hz %s, byte %lld)",
						       path, ix->nframes, ix->sample_rate,
						       ix->channels == 1 ? "mono" : "stereo", fi.rate,
						       channels == 1 ? "mono" : "stereo", (long long)pos);
				goto out;
			}
			if (pos != prev_end)
				ix->resyncs++;
			if (fi.bitrate != bitrate)
				bitrate = 0;
		}
		rc = push_frame(ix, &cap, (uint32_t)pos, (uint32_t)len);
		if (rc < 0) {
			playout_error_set(err, rc, "mp3: %s: out of memory at frame %u", path,
					  ix->nframes);
			goto out;
		}
		prev_end = pos + len;
	}
	if (ix->nframes == 0) {
		rc = playout_error_set(err, PLAYOUT_EINVAL,
				       "mp3: %s: no MPEG audio frames in %zu bytes (not an MP3?)",
				       path, mem->n);
		goto out;
	}
	ix->bitrate_kbps = bitrate > 0 ? bitrate : 0;
#if MPG123_API_VERSION >= 45
	if (ix->enc_delay < 0 && ix->header_kind != PO_MP3_HEADER_VBRI) {
		long d = -1, p = -1;
		if (mpg123_getstate(mh, MPG123_ENC_DELAY, &d, NULL) == MPG123_OK &&
		    mpg123_getstate(mh, MPG123_ENC_PADDING, &p, NULL) == MPG123_OK && d >= 0 && p >= 0) {
			ix->enc_delay = (int)d;
			ix->enc_padding = (int)p;
		}
	}
#endif
out:
	mpg123_close(mh);
	mpg123_delete(mh);
	return rc;
}

static void index_free(struct po_mp3_index *ix)
{
	free(ix->frames);
	free(ix->damaged);
	free(ix);
}

/* Index n bytes at p (a mapped file or a buffer) into a new index. fd >= 0:
 * p maps that file, and the header chain is read with pread instead (see
 * struct chain_src). walk: enum po_mp3_walk. */
static int index_buf(const char *path, const unsigned char *p, size_t n, int fd, int walk,
		     struct po_mp3_index **out, struct playout_error *err)
{
	int rc = PLAYOUT_OK;
	struct po_mp3_index *ix = calloc(1, sizeof *ix);
	*out = NULL;
	if (!ix)
		return playout_error_set(err, PLAYOUT_ENOMEM, "mp3: %s: out of memory", path);
	ix->refs = 1;
	ix->file_size = (int64_t)n;
	ix->enc_delay = ix->enc_padding = -1;
	size_t start = id3v2_size(p, n);
	size_t end = end_tags(p, start, n, ix);
	ix->id3v2_bytes = (uint32_t)start;
	/* The metadata frame: at the audio start, or after a little junk. */
	for (size_t at = start; at < end && at - start < 4096; at++) {
		struct hdr h;
		if (parse_hdr(p + at, end - at, &h)) {
			parse_meta_frame(p + at, end - at, (uint32_t)at, ix);
			break;
		}
	}
	struct chain_src src = { fd >= 0 ? NULL : p, fd, NULL, 0, 0 };
	int chained = 0;
	if (walk != PO_MP3_WALK_REF && (src.p || (src.win = malloc(CHAIN_WINDOW)))) {
		chained = chain_walk(p, &src, start, end, ix);
		free(src.win);
	}
	if (!chained && walk == PO_MP3_WALK_CHAIN) {
		rc = playout_error_set(err, PLAYOUT_EINVAL, "mp3: %s: not one clean frame chain",
				       path);
		goto out;
	}
	if (!chained) {
		struct mem_reader mem = { p, end, 0 };
		rc = walk_frames(path, &mem, ix, err);
		if (rc < 0)
			goto out;
	}
	/* libmpg123 hides Xing/Info but may hand over a VBRI frame as audio. */
	if (ix->header_kind != PO_MP3_HEADER_NONE && ix->frames[0].offset == ix->header_offset) {
		memmove(ix->frames, ix->frames + 1, (size_t)(ix->nframes - 1) * sizeof *ix->frames);
		ix->nframes--;
		if (ix->nframes == 0) {
			rc = playout_error_set(err, PLAYOUT_EINVAL,
					       "mp3: %s: only a %s header frame, no audio", path,
					       po_mp3_header_name(ix->header_kind));
			goto out;
		}
	}
	rc = find_damage(ix, (uint32_t)start, (uint32_t)end);
	if (rc < 0) {
		playout_error_set(err, rc, "mp3: %s: out of memory listing damage", path);
		goto out;
	}
	ix->duration_ms = (int64_t)ix->nframes * ix->samples_per_frame * 1000 / ix->sample_rate;
	ix->gapless_ms = ix->duration_ms;
	if (ix->enc_delay >= 0 && ix->enc_padding >= 0) {
		int64_t samples = (int64_t)ix->nframes * ix->samples_per_frame - ix->enc_delay -
				  ix->enc_padding;
		if (samples > 0)
			ix->gapless_ms = samples * 1000 / ix->sample_rate;
	}
	*out = ix;
	ix = NULL;
out:
	if (ix)
		index_free(ix);
	return rc;
}

int po_mp3_index_mem_walk(const void *buf, size_t n, const char *name, int walk,
			  struct po_mp3_index **out, struct playout_error *err)
{
	*out = NULL;
	if (!name)
		name = "(memory)";
	if (!buf || n == 0)
		return playout_error_set(err, PLAYOUT_EINVAL, "mp3: %s: empty (0 bytes)", name);
	if ((uint64_t)n > UINT32_MAX)
		return playout_error_set(err, PLAYOUT_EINVAL,
					 "mp3: %s: %zu bytes is more than the 4 GiB an index can address",
					 name, n);
	return index_buf(name, buf, n, -1, walk, out, err);
}

int po_mp3_index_mem(const void *buf, size_t n, const char *name, struct po_mp3_index **out,
		     struct playout_error *err)
{
	return po_mp3_index_mem_walk(buf, n, name, PO_MP3_WALK_AUTO, out, err);
}

int po_mp3_index_file(const char *path, struct po_mp3_index **out, struct playout_error *err)
{
	int rc = PLAYOUT_OK;
	void *map = MAP_FAILED;
	struct stat st;
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return playout_error_set(err, errno == ENOENT ? PLAYOUT_ENOTFOUND : PLAYOUT_EIO,
					 "mp3: %s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = playout_error_set(err, PLAYOUT_EIO, "mp3: %s: stat: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = playout_error_set(err, PLAYOUT_EINVAL, "mp3: %s: not a regular file", path);
		goto out;
	}
	if (st.st_size == 0) {
		rc = playout_error_set(err, PLAYOUT_EINVAL, "mp3: %s: empty file (0 bytes)", path);
		goto out;
	}
	if ((uint64_t)st.st_size > UINT32_MAX) {
		rc = playout_error_set(err, PLAYOUT_EINVAL,
				       "mp3: %s: %lld bytes is more than the 4 GiB an index can address",
				       path, (long long)st.st_size);
		goto out;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		rc = playout_error_set(err, PLAYOUT_EIO, "mp3: %s: mmap: %s", path, strerror(errno));
		goto out;
	}
	(void)posix_madvise(map, (size_t)st.st_size, POSIX_MADV_SEQUENTIAL);
	rc = index_buf(path, map, (size_t)st.st_size, fd, PO_MP3_WALK_AUTO, out, err);
	if (rc == PLAYOUT_OK)
		(*out)->file_mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
out:
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	close(fd);
	return rc;
}

const char *po_mp3_header_name(int kind)
{
	switch (kind) {
	case PO_MP3_HEADER_XING: return "xing";
	case PO_MP3_HEADER_INFO: return "info";
	case PO_MP3_HEADER_VBRI: return "vbri";
	default: return "none";
	}
}

struct po_mp3_index *po_mp3_index_ref(struct po_mp3_index *ix)
{
	if (ix)
		__atomic_add_fetch(&ix->refs, 1, __ATOMIC_RELAXED);
	return ix;
}

void po_mp3_index_unref(struct po_mp3_index *ix)
{
	if (!ix)
		return;
	if (__atomic_sub_fetch(&ix->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	index_free(ix);
}

int64_t po_mp3_frame_ns(const struct po_mp3_index *ix)
{
	if (!ix || ix->sample_rate <= 0)
		return 0;
	return (int64_t)ix->samples_per_frame * 1000000000LL / ix->sample_rate;
}

uint32_t po_mp3_frame_at_ms(const struct po_mp3_index *ix, int64_t t_ms)
{
	if (!ix || ix->nframes == 0 || t_ms <= 0 || ix->samples_per_frame <= 0)
		return 0;
	/* frame k starts at k * spf / rate seconds; largest k with start <= t. */
	int64_t k = t_ms * ix->sample_rate / (1000LL * ix->samples_per_frame);
	if (k >= (int64_t)ix->nframes)
		k = (int64_t)ix->nframes - 1;
	return (uint32_t)k;
}
