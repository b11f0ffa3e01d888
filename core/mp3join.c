/*
 * Gapless MP3 joins (see mp3join.h): a cut-and-append planned as a segment
 * list, and a segment list rendered to a file run by run behind a fresh
 * Info/Xing frame. Bytes are copied, never decoded. Not for air time.
 */
#include "mp3join.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <playout/util.h>

#define COPY_BUF (1024 * 1024)
#define SYNC_SLICE (4 * 1024 * 1024) /* bytes copied between writeback starts */
#define XING_PAYLOAD 120 /* "Xing", flags, frames, bytes, 100-byte TOC, quality */

/* Layer III bitrates in kbps by header index: MPEG-1, then MPEG-2/2.5. */
static const int l3_kbps[2][15] = {
	{ 0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320 },
	{ 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160 },
};

static const char *chan_name(int channels)
{
	return channels == 1 ? "mono" : "stereo";
}

int po_mp3join_compatible(const char *name_a, const struct po_mp3_index *a,
			  const char *name_b, const struct po_mp3_index *b,
			  struct playout_error *err)
{
	if (!a || !b)
		return playout_error_set(err, PLAYOUT_EINVAL, "mp3join: no index");
	if (a->sample_rate == b->sample_rate && a->channels == b->channels &&
	    a->version == b->version && a->layer == b->layer)
		return PLAYOUT_OK;
	if (a->layer != b->layer)
		return playout_error_set(err, PLAYOUT_EINVAL,
					 "%s is MPEG layer %d, %s is layer %d: they cannot be "
					 "joined without re-encoding", name_a, a->layer, name_b, b->layer);
	return playout_error_set(err, PLAYOUT_EINVAL,
				 "%s is %d Hz %s, %s is %d Hz %s: they cannot be joined without "
				 "re-encoding", name_a, a->sample_rate, chan_name(a->channels),
				 name_b, b->sample_rate, chan_name(b->channels));
}

int po_mp3join_plan(const char *path_a, const struct po_mp3_index *a,
		    const char *path_b, const struct po_mp3_index *b, int64_t cut_ms,
		    struct po_join_part parts[2], struct playout_error *err)
{
	int rc = po_mp3join_compatible(path_a, a, path_b, b, err);

	if (rc < 0)
		return rc;
	if (cut_ms < 0)
		return playout_error_set(err, PLAYOUT_EINVAL, "mp3join: negative cut (%lld ms)",
					 (long long)cut_ms);
	uint32_t keep = a->nframes;
	if (a->duration_ms > cut_ms) {
		/* Frame k starts at or before the cut: keep [0, k), which ends on
		 * the frame boundary at or before the cut. */
		keep = po_mp3_frame_at_ms(a, cut_ms);
	}
	parts[0] = (struct po_join_part){ .path = path_a, .ix = a, .first_frame = 0,
					  .nframes = keep };
	parts[1] = (struct po_join_part){ .path = path_b, .ix = b, .first_frame = 0,
					  .nframes = b->nframes };
	return PLAYOUT_OK;
}

/* ---- parsing "MM:SS" ----------------------------------------------------- */

/* Digits of s up to a non-digit; -1 when there are none or too many. */
static int64_t parse_uint(const char **s)
{
	int64_t v = 0;
	int n = 0;

	while (**s >= '0' && **s <= '9') {
		if (++n > 12)
			return -1;
		v = v * 10 + (**s - '0');
		(*s)++;
	}
	return n ? v : -1;
}

int po_mp3join_parse_time(const char *s, int64_t *ms)
{
	int64_t f[3];
	int nf = 0;
	int64_t frac = 0;

	if (!s || !*s)
		return PLAYOUT_EINVAL;
	for (;;) {
		if (nf == 3)
			return PLAYOUT_EINVAL;
		f[nf] = parse_uint(&s);
		if (f[nf] < 0)
			return PLAYOUT_EINVAL;
		nf++;
		if (*s != ':')
			break;
		s++;
	}
	if (*s == '.') {
		int digits = 0;
		s++;
		while (*s >= '0' && *s <= '9') {
			if (digits < 3) {
				frac = frac * 10 + (*s - '0');
				digits++;
			}
			s++;
		}
		if (digits == 0)
			return PLAYOUT_EINVAL;
		while (digits++ < 3)
			frac *= 10;
	}
	if (*s)
		return PLAYOUT_EINVAL;
	int64_t sec = 0;
	for (int i = 0; i < nf; i++) {
		if (i > 0 && f[i] >= 60)
			return PLAYOUT_EINVAL;
		sec = sec * 60 + f[i];
	}
	*ms = sec * 1000 + frac;
	return PLAYOUT_OK;
}

/* ---- rendering ----------------------------------------------------------- */

/* What one render holds open; freed by render_free. */
struct render {
	const struct po_join_part *parts;
	size_t n;
	struct po_mp3_index *own[PLAYOUT_MAX_SEGMENTS * 4]; /* indexes we built */
	const struct po_mp3_index **ix;                     /* per part */
	uint32_t *first, *count;                            /* resolved ranges */
	unsigned char *buf;
	int out_fd;
	char *tmp_path;
	int64_t written;
	int bitrate_kbps;   /* of every frame so far (see header_kbps); -2 none yet, -1 mixed */
	int no_cfr;         /* copy_file_range does not work here: use buf */
};

static int read_at(int fd, void *p, size_t len, off_t off)
{
	unsigned char *b = p;

	while (len > 0) {
		ssize_t r = pread(fd, b, len, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		b += r;
		len -= (size_t)r;
		off += r;
	}
	return 0;
}

/* Size of the ID3v2 tag(s) at the start of fd (header, body, footer), or 0. */
static uint32_t id3v2_len(int fd)
{
	unsigned char h[10];

	if (read_at(fd, h, sizeof h, 0) < 0)
		return 0;
	size_t len = playout_mp3_id3v2_len(h, sizeof h);
	return len > UINT32_MAX ? 0 : (uint32_t)len;
}

static uint32_t be32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Resolve every part: its index and frame range; check formats agree. */
static int render_resolve(struct render *r, struct playout_error *err)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct po_join_part *p = &r->parts[i];
		if (!p->path)
			return playout_error_set(err, PLAYOUT_EINVAL, "mp3join: part %zu has no path",
						 i + 1);
		r->ix[i] = p->ix;
		if (!r->ix[i]) {
			struct po_mp3_index *ix = NULL;
			int rc = po_mp3_index_file(p->path, &ix, err);
			if (rc < 0)
				return rc;
			r->own[i] = ix;
			r->ix[i] = ix;
		}
		const struct po_mp3_index *ix = r->ix[i];
		if (ix->layer != 3)
			return playout_error_set(err, PLAYOUT_EINVAL,
						 "mp3join: %s is MPEG layer %d; only layer III "
						 "joins are supported", p->path, ix->layer);
		if (p->first_frame > ix->nframes ||
		    (p->nframes && p->nframes > ix->nframes - p->first_frame))
			return playout_error_set(err, PLAYOUT_EINVAL,
						 "mp3join: %s: frames %u+%u are outside its %u frames",
						 p->path, p->first_frame, p->nframes, ix->nframes);
		r->first[i] = p->first_frame;
		r->count[i] = p->nframes ? p->nframes : ix->nframes - p->first_frame;
		if (i > 0) {
			int rc = po_mp3join_compatible(r->parts[0].path, r->ix[0], p->path, ix, err);
			if (rc < 0)
				return rc;
		}
	}
	return PLAYOUT_OK;
}

/* The render's copy buffer, made on first use: a CBR join never needs it. */
static int render_buf(struct render *r, struct playout_error *err)
{
	if (!r->buf && !(r->buf = malloc(COPY_BUF)))
		return playout_error_set(err, PLAYOUT_ENOMEM, "mp3join: out of memory");
	return PLAYOUT_OK;
}

/* Have the kernel start writing what we wrote so far (without waiting), so
 * the disk works while we copy and the final fsync waits for little. */
static void start_writeback(struct render *r)
{
#ifdef __linux__
	(void)sync_file_range(r->out_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
	(void)r;
#endif
}

/* Append len bytes of in_fd from off to the output. copy_file_range keeps
 * the bytes in the kernel (or shares the blocks, on filesystems that can);
 * where it cannot work (across filesystems of different kinds, kernels
 * before 4.5, special files) the bytes go through the buffer. A short source is an
 * error (errno 0: the file ended early). */
static int copy_bytes(struct render *r, int in_fd, off_t off, size_t len,
		      struct playout_error *err)
{
	errno = 0;
#ifdef __linux__
	while (len > 0 && !r->no_cfr) {
		ssize_t c = copy_file_range(in_fd, &off, r->out_fd, NULL,
					    len < SYNC_SLICE ? len : SYNC_SLICE, 0);
		if (c > 0) {
			len -= (size_t)c;
			r->written += c;
			start_writeback(r);
			continue;
		}
		if (c == 0) {
			errno = 0;
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
			return -1;
		r->no_cfr = 1; /* and go on below with what is left */
	}
#endif
	if (len > 0 && render_buf(r, err) < 0)
		return -1;
	while (len > 0) {
		size_t chunk = len < COPY_BUF ? len : COPY_BUF;
		errno = 0;
		if (read_at(in_fd, r->buf, chunk, off) < 0 ||
		    playout_write_all(r->out_fd, r->buf, chunk) < 0)
			return -1;
		off += (off_t)chunk;
		len -= chunk;
		r->written += (int64_t)chunk;
		start_writeback(r);
	}
	return 0;
}

/* The bitrate of a header as the Info/Xing choice compares it: kbps, or a
 * value no table entry has for free format and the invalid index. */
static int header_kbps(const unsigned char *h)
{
	int bits = h[2] >> 4, mpeg1 = (h[1] >> 3 & 3) == 3;
	return bits >= 1 && bits <= 14 ? l3_kbps[mpeg1 ? 0 : 1][bits] : 1000 + bits;
}

static void note_kbps(struct render *r, int kbps)
{
	if (r->bitrate_kbps == -2)
		r->bitrate_kbps = kbps;
	else if (r->bitrate_kbps != kbps)
		r->bitrate_kbps = -1;
}

/* 1 when the 4 bytes at off are a frame header of bitrate kbps (any when
 * kbps is 0). */
static int header_ok(int fd, uint32_t off, int kbps)
{
	unsigned char h[4];
	return read_at(fd, h, 4, (off_t)off) == 0 && h[0] == 0xFF && (h[1] & 0xE0) == 0xE0 &&
	       (kbps == 0 || header_kbps(h) == kbps);
}

/* Read frames [k, e) of part i (contiguous, len bytes) through the buffer,
 * check every sync word, note every bitrate, and write them. */
static int copy_run_read(struct render *r, size_t i, int fd, uint32_t k, uint32_t e, size_t len,
			 struct playout_error *err)
{
	const struct po_join_part *p = &r->parts[i];
	const struct po_mp3_frame *fr = r->ix[i]->frames + r->first[i];
	int rc = render_buf(r, err);

	if (rc < 0)
		return rc;
	errno = 0;
	if (read_at(fd, r->buf, len, (off_t)fr[k].offset) < 0)
		return playout_error_set(err, PLAYOUT_EIO,
					 "mp3join: %s: cannot read frames %u..%u at byte %u: %s",
					 p->path, r->first[i] + k, r->first[i] + e - 1, fr[k].offset,
					 errno ? strerror(errno) : "short file");
	size_t at = 0;
	for (uint32_t j = k; j < e; j++) {
		const unsigned char *h = r->buf + at;
		if (h[0] != 0xFF || (h[1] & 0xE0) != 0xE0)
			return playout_error_set(err, PLAYOUT_EINVAL,
						 "mp3join: %s: no frame at byte %u (frame %u); "
						 "did the file change since it was indexed?",
						 p->path, fr[j].offset, r->first[i] + j);
		note_kbps(r, header_kbps(h));
		at += fr[j].len;
	}
	if (playout_write_all(r->out_fd, r->buf, len) < 0)
		return playout_error_set(err, PLAYOUT_EIO, "mp3join: %s: write: %s", r->tmp_path,
					 strerror(errno));
	r->written += (int64_t)len;
	start_writeback(r);
	return PLAYOUT_OK;
}

/* Copy part i's frames to the output, one contiguous run (frames with no
 * damage between them: damaged bytes are no frames and stay behind) at a
 * time, and note the bitrates for the Info/Xing choice. The file may have
 * changed since it was indexed: its size and mtime (when the index has one)
 * must still be the indexed ones and each run's first and last headers are
 * checked. A CBR file (its index says
 * one bitrate) has each run copied whole by copy_bytes, never read by us; a
 * VBR file is read through the buffer, where every frame is looked at. */
static int render_copy_part(struct render *r, size_t i, struct playout_error *err)
{
	const struct po_join_part *p = &r->parts[i];
	const struct po_mp3_index *ix = r->ix[i];
	const struct po_mp3_frame *fr = ix->frames + r->first[i];
	uint32_t count = r->count[i];
	int kbps = ix->bitrate_kbps; /* > 0: CBR */
	int rc = PLAYOUT_OK;
	struct stat st;
	int fd = open(p->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return playout_error_set(err, errno == ENOENT ? PLAYOUT_ENOTFOUND : PLAYOUT_EIO,
					 "mp3join: %s: cannot open: %s", p->path, strerror(errno));
	if (fstat(fd, &st) < 0)
		st.st_size = -1;
	int64_t mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
	if (st.st_size != ix->file_size || (ix->file_mtime_ms && mtime_ms != ix->file_mtime_ms)) {
		rc = playout_error_set(err, PLAYOUT_EINVAL,
				       "mp3join: %s changed since it was indexed (%lld bytes, %lld "
				       "then; modified %lld ms after); index it again", p->path,
				       (long long)st.st_size, (long long)ix->file_size,
				       (long long)(mtime_ms - ix->file_mtime_ms));
		goto out;
	}
	if (kbps > 0 && count > 0)
		note_kbps(r, kbps);
	for (uint32_t k = 0; k < count && rc == PLAYOUT_OK;) {
		uint32_t e = k + 1;
		uint64_t len = fr[k].len;
		while (e < count && fr[e].offset == fr[e - 1].offset + fr[e - 1].len &&
		       (kbps > 0 || len + fr[e].len <= COPY_BUF)) {
			len += fr[e].len;
			e++;
		}
		uint32_t bad = !header_ok(fd, fr[k].offset, kbps) ? k
			       : !header_ok(fd, fr[e - 1].offset, kbps) ? e - 1 : UINT32_MAX;
		if (bad != UINT32_MAX)
			rc = playout_error_set(err, PLAYOUT_EINVAL,
					       "mp3join: %s: no frame at byte %u (frame %u); "
					       "did the file change since it was indexed?",
					       p->path, fr[bad].offset, r->first[i] + bad);
		else if (kbps <= 0)
			rc = copy_run_read(r, i, fd, k, e, (size_t)len, err);
		else if (copy_bytes(r, fd, (off_t)fr[k].offset, (size_t)len, err) < 0)
			rc = playout_error_set(err, PLAYOUT_EIO,
					       "mp3join: copying frames %u..%u of %s (byte %u) to "
					       "%s: %s", r->first[i] + k, r->first[i] + e - 1,
					       p->path, fr[k].offset, r->tmp_path,
					       errno ? strerror(errno) : "the file ended early");
		k = e;
	}
out:
	close(fd);
	return rc;
}

/* Frame length in bytes of a layer III header with padding 0. */
static uint32_t l3_frame_len(uint32_t hdr, int bitrate_index)
{
	static const int rates[4][3] = { { 11025, 12000, 8000 }, { 0, 0, 0 },
					 { 22050, 24000, 16000 }, { 44100, 48000, 32000 } };
	int ver = (int)((hdr >> 19) & 3);
	int sr = rates[ver][(hdr >> 10) & 3];
	int mpeg1 = ver == 3;

	if (sr == 0 || bitrate_index < 1 || bitrate_index > 14)
		return 0;
	return (uint32_t)((mpeg1 ? 144 : 72) * l3_kbps[mpeg1 ? 0 : 1][bitrate_index] * 1000 / sr);
}

/* Build the Info/Xing frame into out (zeroed, *len bytes) from the first
 * audio frame's header. Returns its length, or 0 when no bitrate fits. */
static uint32_t xing_frame_len(uint32_t first_hdr, uint32_t *hdr_out, size_t *side_out)
{
	int mpeg1 = ((first_hdr >> 19) & 3) == 3;
	int mono = ((first_hdr >> 6) & 3) == 3;
	size_t side = mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17);
	/* protection bit set (no CRC), padding and mode extension cleared */
	uint32_t base = (first_hdr & ~(0xFu << 12) & ~(1u << 9) & ~(3u << 4)) | (1u << 16);
	int start = (int)((first_hdr >> 12) & 0xF);

	if (start < 1 || start > 14)
		start = 1;
	for (int bi = start; bi <= 14; bi++) {
		uint32_t len = l3_frame_len(base, bi);
		if (len >= 4 + side + XING_PAYLOAD) {
			*hdr_out = base | ((uint32_t)bi << 12);
			*side_out = side;
			return len;
		}
	}
	return 0;
}

static void fill_xing(unsigned char *f, uint32_t hdr, size_t side, int vbr, uint32_t nframes,
		      uint32_t bytes, const unsigned char toc[100])
{
	unsigned char *x = f + 4 + side;

	put_be32(f, hdr);
	memcpy(x, vbr ? "Xing" : "Info", 4);
	put_be32(x + 4, 0x0F); /* frames, bytes, TOC, quality */
	put_be32(x + 8, nframes);
	put_be32(x + 12, bytes);
	memcpy(x + 16, toc, 100);
	put_be32(x + 116, 0);
}

/* TOC: for each percent of the duration, the byte position (of the stream
 * from the Info frame on) scaled to 0..255. */
static void build_toc(const struct render *r, uint32_t xing_len, uint32_t total_frames,
		      uint64_t stream_bytes, unsigned char toc[100])
{
	uint64_t pos = xing_len;
	uint32_t seen = 0;
	size_t part = 0;
	uint32_t k = 0;

	for (int pct = 0; pct < 100; pct++) {
		uint32_t target = (uint32_t)((uint64_t)total_frames * (uint64_t)pct / 100);
		while (seen < target && part < r->n) {
			if (k >= r->count[part]) {
				part++;
				k = 0;
				continue;
			}
			pos += r->ix[part]->frames[r->first[part] + k].len;
			k++;
			seen++;
		}
		uint64_t v = stream_bytes ? pos * 256 / stream_bytes : 0;
		toc[pct] = (unsigned char)(v > 255 ? 255 : v);
	}
}

static int copy_tag(struct render *r, uint32_t *tag_len, struct playout_error *err)
{
	const struct po_join_part *p = &r->parts[0];
	int rc = PLAYOUT_OK;
	int fd = open(p->path, O_RDONLY | O_CLOEXEC);

	*tag_len = 0;
	if (fd < 0)
		return playout_error_set(err, PLAYOUT_EIO, "mp3join: %s: cannot open: %s", p->path,
					 strerror(errno));
	uint32_t len = id3v2_len(fd);
	/* Only a tag that ends before the first audio frame is a tag. */
	if (len == 0 || (r->ix[0]->nframes && len > r->ix[0]->frames[0].offset))
		goto out;
	if (copy_bytes(r, fd, 0, len, err) < 0) {
		rc = playout_error_set(err, PLAYOUT_EIO, "mp3join: copying the ID3v2 tag of %s to %s: %s",
				       p->path, r->tmp_path, errno ? strerror(errno) : "short file");
		goto out;
	}
	*tag_len = len;
out:
	close(fd);
	return rc;
}

/* mkstemp beside out_path: "<dir>/.<base>.XXXXXX". */
static int open_tmp(struct render *r, const char *out_path, struct playout_error *err)
{
	const char *slash = strrchr(out_path, '/');
	const char *base = slash ? slash + 1 : out_path;
	size_t dirlen = slash ? (size_t)(slash - out_path) : 0;
	size_t n = strlen(out_path) + 16;

	if (!*base)
		return playout_error_set(err, PLAYOUT_EINVAL, "mp3join: %s: not a file name",
					 out_path);
	if (!(r->tmp_path = malloc(n)))
		return playout_error_set(err, PLAYOUT_ENOMEM, "mp3join: out of memory");
	if (slash)
		snprintf(r->tmp_path, n, "%.*s/.%s.XXXXXX", (int)dirlen, out_path, base);
	else
		snprintf(r->tmp_path, n, ".%s.XXXXXX", base);
	r->out_fd = mkstemp(r->tmp_path);
	if (r->out_fd < 0) {
		int e = errno;
		free(r->tmp_path);
		r->tmp_path = NULL;
		return playout_error_set(err, PLAYOUT_EIO,
					 "mp3join: cannot create a temporary file beside %s: %s",
					 out_path, strerror(e));
	}
	(void)fchmod(r->out_fd, 0644);
	return PLAYOUT_OK;
}

int po_mp3join_render(const struct po_join_part *parts, size_t n, const char *out_path,
		      struct po_join_result *res, struct playout_error *err)
{
	struct render r;
	int rc;
	uint32_t tag_len = 0, first_hdr = 0, xhdr = 0, xing_len;
	uint64_t total_frames = 0, audio_bytes = 0;
	size_t side = 0;
	unsigned char hb[4], *xing = NULL;

	if (!parts || n == 0 || !out_path)
		return playout_error_set(err, PLAYOUT_EINVAL, "mp3join: nothing to render");
	if (n > sizeof r.own / sizeof r.own[0])
		return playout_error_set(err, PLAYOUT_EINVAL, "mp3join: %zu parts (at most %zu)", n,
					 sizeof r.own / sizeof r.own[0]);
	memset(&r, 0, sizeof r);
	r.parts = parts;
	r.n = n;
	r.out_fd = -1;
	r.bitrate_kbps = -2;
	r.ix = calloc(n, sizeof *r.ix);
	r.first = calloc(n, sizeof *r.first);
	r.count = calloc(n, sizeof *r.count);
	if (!r.ix || !r.first || !r.count) {
		rc = playout_error_set(err, PLAYOUT_ENOMEM, "mp3join: out of memory");
		goto out;
	}
	rc = render_resolve(&r, err);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		total_frames += r.count[i];
		for (uint32_t k = 0; k < r.count[i]; k++)
			audio_bytes += r.ix[i]->frames[r.first[i] + k].len;
	}
	if (total_frames == 0) {
		rc = playout_error_set(err, PLAYOUT_EINVAL, "mp3join: %s: no frames to write",
				       out_path);
		goto out;
	}
	/* The format of the Info frame comes from the first frame written. */
	for (size_t i = 0; i < n; i++) {
		if (!r.count[i])
			continue;
		int fd = open(parts[i].path, O_RDONLY | O_CLOEXEC);
		int ok = fd >= 0 &&
			 read_at(fd, hb, 4, (off_t)r.ix[i]->frames[r.first[i]].offset) == 0;
		if (fd >= 0)
			close(fd);
		if (!ok) {
			rc = playout_error_set(err, PLAYOUT_EIO, "mp3join: %s: cannot read frame %u",
					       parts[i].path, r.first[i]);
			goto out;
		}
		first_hdr = be32(hb);
		break;
	}
	xing_len = xing_frame_len(first_hdr, &xhdr, &side);
	if (xing_len == 0 || (first_hdr >> 21) != 0x7FF) {
		rc = playout_error_set(err, PLAYOUT_EINVAL,
				       "mp3join: %s: unusable first frame header %08x", parts[0].path,
				       (unsigned)first_hdr);
		goto out;
	}
	if (audio_bytes + xing_len > UINT32_MAX || total_frames > UINT32_MAX) {
		rc = playout_error_set(err, PLAYOUT_EINVAL,
				       "mp3join: %s: the result would exceed 4 GiB", out_path);
		goto out;
	}
	if (!(xing = calloc(1, xing_len))) {
		rc = playout_error_set(err, PLAYOUT_ENOMEM, "mp3join: out of memory");
		goto out;
	}

	rc = open_tmp(&r, out_path, err);
	if (rc < 0)
		goto out;
	rc = copy_tag(&r, &tag_len, err);
	if (rc < 0)
		goto out;
	/* Placeholder; the real frame goes in once the bitrates are known. */
	if (playout_write_all(r.out_fd, xing, xing_len) < 0) {
		rc = playout_error_set(err, PLAYOUT_EIO, "mp3join: %s: write: %s", r.tmp_path,
				       strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < n && rc == PLAYOUT_OK; i++)
		rc = render_copy_part(&r, i, err);
	if (rc < 0)
		goto out;

	unsigned char toc[100];
	uint64_t stream_bytes = audio_bytes + xing_len;
	build_toc(&r, xing_len, (uint32_t)total_frames, stream_bytes, toc);
	fill_xing(xing, xhdr, side, r.bitrate_kbps == -1, (uint32_t)total_frames,
		  (uint32_t)stream_bytes, toc);
	/* Crash safety: the new name must never reach the disk before the
	 * bytes do, or a power cut could leave a short or empty join under it
	 * (ext4 and XFS allocate late; only ext4's replacing rename forces the
	 * data out first, and a first join replaces nothing). So fsync before
	 * the rename, always: the disk must take the whole join anyway, and
	 * for an hour at 128 kbps that (about 40 ms on the VM this was measured
	 * on) is more than the copy itself. The copy started the writeback as
	 * it went, so this waits for the tail and the flush only. The folder's
	 * fsync after the rename makes the name itself durable before we
	 * report success. A process crash needs none of this (the rename alone
	 * keeps a half-written join out of sight); a power cut does. */
	if (pwrite(r.out_fd, xing, xing_len, (off_t)tag_len) != (ssize_t)xing_len ||
	    fsync(r.out_fd) < 0) {
		rc = playout_error_set(err, PLAYOUT_EIO, "mp3join: %s: write/fsync: %s", r.tmp_path,
				       strerror(errno));
		goto out;
	}
	if (close(r.out_fd) < 0) {
		r.out_fd = -1;
		rc = playout_error_set(err, PLAYOUT_EIO, "mp3join: %s: close: %s", r.tmp_path,
				       strerror(errno));
		goto out;
	}
	r.out_fd = -1;
	if (rename(r.tmp_path, out_path) < 0) {
		rc = playout_error_set(err, PLAYOUT_EIO, "mp3join: rename %s to %s: %s", r.tmp_path,
				       out_path, strerror(errno));
		goto out;
	}
	free(r.tmp_path);
	r.tmp_path = NULL;
	(void)playout_fsync_dir_of(out_path);
	if (res) {
		const struct po_mp3_index *ix0 = r.ix[0];
		res->nframes = (uint32_t)total_frames;
		res->bytes = (int64_t)(tag_len + stream_bytes);
		res->duration_ms = (int64_t)total_frames * ix0->samples_per_frame * 1000 /
				   ix0->sample_rate;
		res->vbr = r.bitrate_kbps == -1;
	}
out:
	if (r.out_fd >= 0)
		close(r.out_fd);
	if (r.tmp_path) {
		unlink(r.tmp_path);
		free(r.tmp_path);
	}
	for (size_t i = 0; i < sizeof r.own / sizeof r.own[0]; i++)
		po_mp3_index_unref(r.own[i]);
	free(xing);
	free(r.buf);
	free(r.ix);
	free(r.first);
	free(r.count);
	return rc;
} /* po_mp3join_render */
