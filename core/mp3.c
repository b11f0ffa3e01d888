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

#include "mp3_chain.h"
#include "mp3_parse.h"

/* The mapped file as libmpg123 sees it through the replaced reader. */
struct mem_reader {
	const unsigned char *p;
	size_t n;
	size_t pos;
};

static mpg123_ssize_t mem_read(void *h, void *buf, size_t len)
{
	struct mem_reader *m = h;
	size_t left = m->pos < m->n ? m->n - m->pos : 0;
	if (left == 0)
		return 0;
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
	/* Past the end is allowed, as lseek allows it: libmpg123 looks ahead
	 * for the next header when it takes a first frame. */
	if (base + off < 0)
		return -1;
	m->pos = (size_t)(base + off);
	return (off_t)m->pos;
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

/* ---- the libmpg123 walk -------------------------------------------------- */

static int version_code(int v)
{
	switch (v) {
	case MPG123_1_0: return 10;
	case MPG123_2_0: return 20;
	default: return 25;
	}
}

/*
 * A frame libmpg123 finds after junk (or first) is only a candidate: a few
 * hundred bytes of junk hold a valid-looking header often enough, and
 * believing one turns junk into a "format change" that refuses the file, or
 * sends junk on air as a frame. A candidate is believed once WALK_CONFIRM
 * frames in all (it and the ones that follow it, each starting where the
 * last ended) share its format, or when its chain ends exactly at the audio
 * end. Otherwise it is junk, and libmpg123 starts again one byte after it:
 * its made-up length may have swallowed the start of a good frame. A frame
 * that starts where the last believed one ended, in its format, is believed
 * at once (a clean file costs nothing more).
 */
#define WALK_CONFIRM 3

struct walk_frame {
	uint32_t off, len;
	int version, layer, rate, channels, kbps;
};

struct walk {
	const char *path;
	size_t n;                  /* the audio ends here (before the end tags) */
	struct po_mp3_index *ix;
	uint32_t cap;              /* of ix->frames */
	int bitrate;               /* of the believed frames: -1 none yet, 0 varies */
	int64_t end;               /* where the last believed frame ends */
	struct walk_frame pend[WALK_CONFIRM]; /* the candidate chain */
	int npend;
};

static int walk_same_format(const struct walk_frame *a, const struct walk_frame *b)
{
	return a->version == b->version && a->layer == b->layer && a->rate == b->rate &&
	       a->channels == b->channels;
}

/* Believe the candidate chain: the stream's first frames, more of the same
 * stream, or (a chain in another format) a real format change. */
static int walk_confirm(struct walk *w, struct playout_error *err)
{
	struct po_mp3_index *ix = w->ix;
	const struct walk_frame *c = &w->pend[0];
	if (ix->nframes == 0) {
		ix->version = c->version;
		ix->layer = c->layer;
		ix->sample_rate = c->rate;
		ix->channels = c->channels;
		ix->samples_per_frame = playout_mp3_samples_per_frame(c->version, c->layer);
	} else if (c->version != ix->version || c->layer != ix->layer ||
		   c->rate != ix->sample_rate || c->channels != ix->channels) {
		return playout_error_set(err, PLAYOUT_EINVAL,
					 "mp3: %s: format changes at frame %u "
					 "(%d Hz %s -> %d Hz %s, byte %lu)",
					 w->path, ix->nframes, ix->sample_rate,
					 ix->channels == 1 ? "mono" : "stereo", c->rate,
					 c->channels == 1 ? "mono" : "stereo", (unsigned long)c->off);
	} else if ((int64_t)c->off != w->end) {
		ix->resyncs++;
	}
	for (int i = 0; i < w->npend; i++) {
		const struct walk_frame *f = &w->pend[i];
		if (push_frame(ix, &w->cap, f->off, f->len) < 0)
			return playout_error_set(err, PLAYOUT_ENOMEM,
						 "mp3: %s: out of memory at frame %u", w->path,
						 ix->nframes);
		if (w->bitrate < 0)
			w->bitrate = f->kbps;
		else if (w->bitrate != f->kbps)
			w->bitrate = 0;
		w->end = (int64_t)f->off + f->len;
	}
	w->npend = 0;
	return PLAYOUT_OK;
}

/* One frame from libmpg123. 0: go on; 1: the candidate chain was junk
 * (start again one byte after its first frame); < 0: an error. */
static int walk_take(struct walk *w, const struct walk_frame *f, struct playout_error *err)
{
	const struct po_mp3_index *ix = w->ix;
	if (w->npend == 0) {
		struct walk_frame stream = { .version = ix->version, .layer = ix->layer,
					     .rate = ix->sample_rate, .channels = ix->channels };
		w->pend[w->npend++] = *f;
		if (ix->nframes && (int64_t)f->off == w->end && walk_same_format(f, &stream))
			return walk_confirm(w, err);
	} else {
		const struct walk_frame *last = &w->pend[w->npend - 1];
		if ((int64_t)last->off + last->len != (int64_t)f->off || !walk_same_format(last, f))
			return 1;
		w->pend[w->npend++] = *f;
	}
	if (w->npend == WALK_CONFIRM || (uint64_t)f->off + f->len == w->n)
		return walk_confirm(w, err);
	return 0;
}

/* The LAME encoder delay and padding as libmpg123 read them from the first
 * frame (when our own parse found none). */
static void walk_lame_state(mpg123_handle *mh, struct po_mp3_index *ix)
{
#if MPG123_API_VERSION >= 45
	if (ix->enc_delay < 0 && ix->header_kind != PO_MP3_HEADER_VBRI) {
		long d = -1, p = -1;
		if (mpg123_getstate(mh, MPG123_ENC_DELAY, &d, NULL) == MPG123_OK &&
		    mpg123_getstate(mh, MPG123_ENC_PADDING, &p, NULL) == MPG123_OK && d >= 0 && p >= 0) {
			ix->enc_delay = (int)d;
			ix->enc_padding = (int)p;
		}
	}
#else
	(void)mh;
	(void)ix;
#endif
}

/* Walk [base, n) of the file with libmpg123 (opened on those bytes). Sets
 * *again to where to start again when a candidate chain was junk, else to
 * n; *stopped to 1 when libmpg123 gave up with an error. */
static int walk_segment(mpg123_handle *mh, struct walk *w, const unsigned char *p, size_t base,
			size_t *again, int *stopped, struct playout_error *err)
{
	struct mem_reader mem = { p + base, w->n - base, 0 };
	int rc = PLAYOUT_OK;
	*again = w->n;
	if (mpg123_replace_reader_handle(mh, mem_read, mem_seek, NULL) != MPG123_OK ||
	    mpg123_open_handle(mh, &mem) != MPG123_OK)
		return playout_error_set(err, PLAYOUT_EINVAL, "mp3: %s: libmpg123 cannot open it: %s",
					 w->path, mpg123_strerror(mh));
	for (;;) {
		int r = mpg123_framebyframe_next(mh);
		if (r == MPG123_DONE)
			break;
		if (r != MPG123_OK && r != MPG123_NEW_FORMAT) {
			if (w->ix->nframes == 0)
				rc = playout_error_set(err, PLAYOUT_EINVAL,
						       "mp3: %s: not an MPEG audio file: %s",
						       w->path, mpg123_strerror(mh));
			*stopped = 1;
			break;
		}
		unsigned long header = 0;
		unsigned char *body = NULL;
		size_t body_len = 0;
		struct mpg123_frameinfo2 fi;
		if (mpg123_framedata(mh, &header, &body, &body_len) != MPG123_OK ||
		    mpg123_info2(mh, &fi) != MPG123_OK) {
			rc = playout_error_set(err, PLAYOUT_EINVAL, "mp3: %s: frame %u unreadable: %s",
					       w->path, w->ix->nframes, mpg123_strerror(mh));
			break;
		}
		int64_t pos = (int64_t)mpg123_framepos(mh);
		int64_t len = (int64_t)body_len + 4;
		if (pos < 0 || (size_t)pos + base + (size_t)len > w->n) {
			rc = playout_error_set(err, PLAYOUT_EINVAL,
					       "mp3: %s: frame %u at byte %lld runs past the end",
					       w->path, w->ix->nframes, (long long)pos + (long long)base);
			break;
		}
		struct walk_frame f = { (uint32_t)((size_t)pos + base), (uint32_t)len,
					version_code(fi.version), fi.layer, (int)fi.rate,
					fi.mode == MPG123_M_MONO ? 1 : 2, fi.bitrate };
		rc = walk_take(w, &f, err);
		if (rc == 1) {
			*again = (size_t)w->pend[0].off + 1;
			w->npend = 0;
			rc = PLAYOUT_OK;
			break;
		}
		if (rc < 0)
			break;
	}
	if (base == 0)
		walk_lame_state(mh, w->ix);
	mpg123_close(mh);
	return rc;
}

/* Every frame of [0, n) of the mapped file into ix. */
static int walk_frames(const char *path, const unsigned char *p, size_t n,
		       struct po_mp3_index *ix, struct playout_error *err)
{
	int rc = PLAYOUT_OK, e = 0, stopped = 0;
	struct walk w = { .path = path, .n = n, .ix = ix, .cap = (uint32_t)(n / 400) + 16,
			  .bitrate = -1, .end = -1 };
	mpg123_init(); /* a no-op since 1.27; needed before */
	mpg123_handle *mh = mpg123_new(NULL, &e);
	if (!mh)
		return playout_error_set(err, PLAYOUT_ENOMEM, "mp3: %s: cannot create a decoder: %s",
					 path, mpg123_plain_strerror(e));
	ix->frames = malloc((size_t)w.cap * sizeof *ix->frames);
	if (!ix->frames) {
		rc = playout_error_set(err, PLAYOUT_ENOMEM, "mp3: %s: out of memory", path);
		goto out;
	}
	/* Quiet; resync over junk of any length; no gapless trimming (we count
	 * frames, not samples). */
	mpg123_param(mh, MPG123_FLAGS, MPG123_QUIET, 0);
	mpg123_param(mh, MPG123_RESYNC_LIMIT, -1, 0);
	/* Each new start is past the last one's first candidate: this ends. */
	for (size_t base = 0; base < n && !stopped;) {
		size_t again = n;
		rc = walk_segment(mh, &w, p, base, &again, &stopped, err);
		if (rc < 0)
			goto out;
		if (again == n && w.npend > 0 && !stopped) {
			/* A candidate chain cut short before the audio end. */
			again = (size_t)w.pend[0].off + 1;
			w.npend = 0;
		}
		base = again;
	}
	if (stopped && ix->nframes > 0)
		ix->resyncs++; /* damage near the end: keep what came before it */
	if (ix->nframes == 0) {
		rc = playout_error_set(err, PLAYOUT_EINVAL,
				       "mp3: %s: no MPEG audio frames in %zu bytes (not an MP3?)",
				       path, n);
		goto out;
	}
	ix->bitrate_kbps = w.bitrate > 0 ? w.bitrate : 0;
out:
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
 * mp3_chain.h). walk: enum po_mp3_walk. */
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
	size_t start = playout_mp3_id3v2_len(p, n);
	if (start > n)
		start = n; /* a tag running past the end: no audio */
	size_t end = po_mp3_end_tags(p, start, n, ix);
	ix->id3v2_bytes = (uint32_t)start;
	/* The metadata frame: at the audio start, or after a little junk. */
	for (size_t at = start; at < end && at - start < 4096; at++) {
		struct playout_mp3_hdr h;
		if (playout_mp3_hdr_parse(p + at, end - at, &h)) {
			po_mp3_parse_meta_frame(p + at, end - at, (uint32_t)at, ix);
			break;
		}
	}
	int chained = walk != PO_MP3_WALK_REF && po_mp3_chain_walk(p, fd, start, end, ix);
	if (!chained && walk == PO_MP3_WALK_CHAIN) {
		rc = playout_error_set(err, PLAYOUT_EINVAL, "mp3: %s: not one clean frame chain",
				       path);
		goto out;
	}
	if (!chained) {
		rc = walk_frames(path, p, end, ix, err);
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
