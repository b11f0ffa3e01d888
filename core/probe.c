/*
 * The probe (probe.h): decode with libmpg123 into float, feed libebur128
 * for loudness, and find silence on 10 ms blocks by their peak sample. Also
 * the media cache: index summary + probe as text in the state's media table.
 */
#include "probe.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <ebur128.h>
#include <mpg123.h>

#include "log.h"
#include "mp3.h"
#include "mp3_store.h"

/* A scan holds what the index found (frames, duration, damage, or why it
 * failed), so it carries the index's format too: when mp3.c finds other
 * frames in the same bytes, stored scans are made again. */
#define MEDIA_STR(x) #x
#define MEDIA_XSTR(x) MEDIA_STR(x)
#define MEDIA_FORMAT "po-media 1/" MEDIA_XSTR(PO_MP3_STORE_FORMAT)

/* ---- silence ------------------------------------------------------------ */

/* Silence runs over 10 ms blocks. */
struct silence_scan {
	double threshold;        /* linear peak */
	int64_t max_ms;
	long block_frames;       /* frames per 10 ms */
	long in_block;           /* frames seen in the current block */
	float block_peak;
	int64_t blocks;          /* complete blocks so far */
	int64_t run_start;       /* block where the current silent run began, -1 */
	int64_t first_loud;      /* first non-silent block, -1 */
	struct po_probe *out;
};

static void silence_run_end(struct silence_scan *s, int64_t end_block)
{
	int64_t start_ms = s->run_start * 10, len_ms = (end_block - s->run_start) * 10;
	if (s->run_start == 0)
		s->out->leading_silence_ms = len_ms;
	if (len_ms > s->max_ms) {
		if (s->out->nsilences < PO_PROBE_MAX_SILENCES) {
			s->out->silences[s->out->nsilences].start_ms = start_ms;
			s->out->silences[s->out->nsilences].len_ms = len_ms;
			s->out->nsilences++;
		}
		s->out->nsilences_total++;
	}
}

static void silence_block_done(struct silence_scan *s)
{
	int silent = s->block_peak < s->threshold;
	if (silent && s->run_start < 0)
		s->run_start = s->blocks;
	if (!silent) {
		if (s->first_loud < 0)
			s->first_loud = s->blocks;
		if (s->run_start >= 0)
			silence_run_end(s, s->blocks);
		s->run_start = -1;
	}
	s->blocks++;
	s->in_block = 0;
	s->block_peak = 0;
}

static void silence_feed(struct silence_scan *s, const float *v, size_t frames, int channels)
{
	for (size_t i = 0; i < frames; i++) {
		for (int c = 0; c < channels; c++) {
			float a = fabsf(v[i * (size_t)channels + (size_t)c]);
			if (a > s->block_peak)
				s->block_peak = a;
		}
		if (++s->in_block == s->block_frames)
			silence_block_done(s);
	}
}

static void silence_finish(struct silence_scan *s)
{
	if (s->in_block > 0)
		silence_block_done(s);
	if (s->run_start >= 0) {
		s->out->trailing_silence_ms = (s->blocks - s->run_start) * 10;
		silence_run_end(s, s->blocks);
	}
}

/* ---- decode and measure ------------------------------------------------- */

static double db(double linear)
{
	return linear > 0 ? 20 * log10(linear) : -INFINITY;
}

static void set_why(struct po_probe *out, uint32_t flag, const char *fmt, const char *detail)
{
	out->flags |= flag;
	snprintf(out->why, sizeof out->why, fmt, detail);
}

int po_probe_file(const char *path, const struct po_probe_opts *o, struct po_probe *out,
		  struct playout_error *err)
{
	int rc = PLAYOUT_OK, e = 0;
	long rate = 0;
	int channels = 0, enc = 0;
	ebur128_state *eb = NULL;
	unsigned char *buf = NULL;
	const size_t bufsize = 1 << 16;
	struct silence_scan sil;

	memset(out, 0, sizeof *out);
	out->integrated_lufs = out->true_peak_dbtp = -INFINITY;
	struct stat sb;
	if (stat(path, &sb) < 0)
		return playout_error_set(err, errno == ENOENT ? PLAYOUT_ENOTFOUND : PLAYOUT_EIO,
					 "probe: %s: %s", path, strerror(errno));
	mpg123_init();
	mpg123_handle *mh = mpg123_new(NULL, &e);
	if (!mh)
		return playout_error_set(err, PLAYOUT_ENOMEM, "probe: %s: cannot create a decoder: %s",
					 path, mpg123_plain_strerror(e));
	mpg123_param(mh, MPG123_FLAGS, MPG123_QUIET | MPG123_FORCE_FLOAT | MPG123_GAPLESS, 0);
	mpg123_param(mh, MPG123_RESYNC_LIMIT, -1, 0);
	if (mpg123_open(mh, path) != MPG123_OK || mpg123_getformat(mh, &rate, &channels, &enc) != MPG123_OK ||
	    rate <= 0 || channels < 1 || channels > 2) {
		set_why(out, PLAYOUT_ASSET_NO_AUDIO, "has no playable audio (%s)", mpg123_strerror(mh));
		rc = playout_error_set(err, PLAYOUT_EINVAL, "probe: %s: no MPEG audio: %s", path,
				       mpg123_strerror(mh));
		goto out;
	}
	/* Hold the format: a stream that changes it is measured up to there. */
	mpg123_format_none(mh);
	mpg123_format(mh, rate, channels, MPG123_ENC_FLOAT_32);
	eb = ebur128_init((unsigned)channels, (unsigned long)rate,
			  EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK);
	buf = malloc(bufsize);
	if (!eb || !buf) {
		rc = playout_error_set(err, PLAYOUT_ENOMEM, "probe: %s: out of memory", path);
		goto out;
	}
	memset(&sil, 0, sizeof sil);
	sil.threshold = pow(10, o->silence_threshold_db / 20);
	sil.max_ms = (int64_t)(o->silence_max_s * 1000);
	sil.block_frames = rate / 100;
	sil.run_start = sil.first_loud = -1;
	sil.out = out;
	int64_t frames_total = 0;
	for (;;) {
		size_t got = 0;
		if (o->stop && __atomic_load_n(o->stop, __ATOMIC_RELAXED)) {
			rc = playout_error_set(err, PLAYOUT_EUNAVAIL, "probe: %s: stopped", path);
			goto out;
		}
		int r = mpg123_read(mh, buf, bufsize, &got);
		size_t frames = got / (sizeof(float) * (size_t)channels);
		if (frames > 0) {
			ebur128_add_frames_float(eb, (const float *)(void *)buf, frames);
			silence_feed(&sil, (const float *)(void *)buf, frames, channels);
			frames_total += (int64_t)frames;
		}
		if (r == MPG123_DONE)
			break;
		if (r == MPG123_NEW_FORMAT) {
			long r2;
			int c2, e2;
			if (mpg123_getformat(mh, &r2, &c2, &e2) == MPG123_OK && r2 == rate && c2 == channels)
				continue;
			break;
		}
		if (r != MPG123_OK) {
			/* libmpg123 resyncs by itself; an error here ends the stream. */
			out->decode_errors++;
			break;
		}
	}
	silence_finish(&sil);
	out->decoded_ms = frames_total * 1000 / rate;
	if (frames_total == 0) {
		set_why(out, PLAYOUT_ASSET_NO_AUDIO, "has no playable audio (%s)", "nothing decodes");
		rc = playout_error_set(err, PLAYOUT_EINVAL, "probe: %s: no audio decodes", path);
		goto out;
	}
	double v;
	if (ebur128_loudness_global(eb, &v) == EBUR128_SUCCESS)
		out->integrated_lufs = v;
	if (ebur128_loudness_range(eb, &v) == EBUR128_SUCCESS)
		out->range_lu = v;
	double peak = 0;
	for (unsigned c = 0; c < (unsigned)channels; c++)
		if (ebur128_true_peak(eb, c, &v) == EBUR128_SUCCESS && v > peak)
			peak = v;
	out->true_peak_dbtp = db(peak);
	if (sil.first_loud < 0) {
		char t[32];
		snprintf(t, sizeof t, "%g", o->silence_threshold_db);
		set_why(out, PLAYOUT_ASSET_SILENT, "is silent throughout (peak below %s dBFS)", t);
	}
out:
	free(buf);
	if (eb)
		ebur128_destroy(&eb);
	mpg123_close(mh);
	mpg123_delete(mh);
	return rc;
}

/* ---- the media cache ---------------------------------------------------- */

static void media_from_index(struct po_media *m, const struct po_mp3_index *ix)
{
	m->indexed = 1;
	m->nframes = ix->nframes;
	m->duration_ms = ix->duration_ms;
	m->gapless_ms = ix->gapless_ms;
	m->version = ix->version;
	m->layer = ix->layer;
	m->sample_rate = ix->sample_rate;
	m->channels = ix->channels;
	m->samples_per_frame = ix->samples_per_frame;
	m->bitrate_kbps = ix->bitrate_kbps;
	m->header_kind = ix->header_kind;
	m->enc_delay = ix->enc_delay;
	m->enc_padding = ix->enc_padding;
	m->id3v2_bytes = ix->id3v2_bytes;
	m->id3v1_bytes = ix->id3v1_bytes;
	m->ape_bytes = ix->ape_bytes;
	m->ndamaged = ix->ndamaged;
	for (uint32_t i = 0; i < ix->ndamaged; i++)
		m->damaged_bytes += ix->damaged[i].len;
}

/* Put the flags of the index and the probe together, index first. */
static void media_flags(struct po_media *m)
{
	m->flags = 0;
	m->why[0] = '\0';
	if (!m->indexed) {
		m->flags = PLAYOUT_ASSET_NO_AUDIO;
		snprintf(m->why, sizeof m->why, "has no playable audio (%.100s)", m->index_error);
		return;
	}
	if (m->probed && m->probe.flags) {
		m->flags = m->probe.flags;
		snprintf(m->why, sizeof m->why, "%s", m->probe.why);
	}
	if (m->ndamaged)
		m->flags |= PLAYOUT_ASSET_DAMAGED;
}

/* One "key value" line per field; text fields last on their line. */
char *po_media_encode(const struct po_media *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	const struct po_probe *p = &m->probe;
	fprintf(f, "%s\nindexed %d\nnframes %u\nduration_ms %lld\ngapless_ms %lld\n"
		"format %d %d %d %d %d %d\nheader %d %d %d\ntags %u %u %u\ndamaged %u %lld\n"
		"probed %d\nloudness %.17g %.17g %.17g\ndecoded_ms %lld\nedges %lld %lld\n"
		"decode_errors %u\nsilences %zu",
		MEDIA_FORMAT, m->indexed, m->nframes, (long long)m->duration_ms,
		(long long)m->gapless_ms, m->version, m->layer, m->sample_rate, m->channels,
		m->samples_per_frame, m->bitrate_kbps, m->header_kind, m->enc_delay, m->enc_padding,
		m->id3v2_bytes, m->id3v1_bytes, m->ape_bytes, m->ndamaged,
		(long long)m->damaged_bytes, m->probed, p->integrated_lufs, p->range_lu,
		p->true_peak_dbtp, (long long)p->decoded_ms, (long long)p->leading_silence_ms,
		(long long)p->trailing_silence_ms, p->decode_errors, p->nsilences_total);
	for (size_t i = 0; i < p->nsilences; i++)
		fprintf(f, " %lld+%lld", (long long)p->silences[i].start_ms,
			(long long)p->silences[i].len_ms);
	fprintf(f, "\nprobe_flags %u\nprobe_why %s\nindex_error %s\n", p->flags, p->why,
		m->index_error);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static void copy_rest(char *dst, size_t n, const char *src)
{
	size_t k = strcspn(src, "\n");
	if (k >= n)
		k = n - 1;
	memcpy(dst, src, k);
	dst[k] = '\0';
}

int po_media_decode(const char *text, struct po_media *m)
{
	memset(m, 0, sizeof *m);
	if (strncmp(text, MEDIA_FORMAT "\n", sizeof MEDIA_FORMAT) != 0)
		return PLAYOUT_EINVAL;
	struct po_probe *p = &m->probe;
	long long a, b, c;
	int ok = 0;
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		ok += sscanf(l, "indexed %d", &m->indexed) == 1;
		ok += sscanf(l, "nframes %u", &m->nframes) == 1;
		if (sscanf(l, "duration_ms %lld", &a) == 1)
			m->duration_ms = a, ok++;
		if (sscanf(l, "gapless_ms %lld", &a) == 1)
			m->gapless_ms = a, ok++;
		ok += sscanf(l, "format %d %d %d %d %d %d", &m->version, &m->layer, &m->sample_rate,
			     &m->channels, &m->samples_per_frame, &m->bitrate_kbps) == 6;
		ok += sscanf(l, "header %d %d %d", &m->header_kind, &m->enc_delay,
			     &m->enc_padding) == 3;
		ok += sscanf(l, "tags %u %u %u", &m->id3v2_bytes, &m->id3v1_bytes,
			     &m->ape_bytes) == 3;
		if (sscanf(l, "damaged %u %lld", &m->ndamaged, &a) == 2)
			m->damaged_bytes = a, ok++;
		ok += sscanf(l, "probed %d", &m->probed) == 1;
		ok += sscanf(l, "loudness %lf %lf %lf", &p->integrated_lufs, &p->range_lu,
			     &p->true_peak_dbtp) == 3;
		if (sscanf(l, "decoded_ms %lld", &a) == 1)
			p->decoded_ms = a, ok++;
		if (sscanf(l, "edges %lld %lld", &a, &b) == 2)
			p->leading_silence_ms = a, p->trailing_silence_ms = b, ok++;
		ok += sscanf(l, "decode_errors %u", &p->decode_errors) == 1;
		ok += sscanf(l, "probe_flags %u", &p->flags) == 1;
		if (strncmp(l, "probe_why ", 10) == 0)
			copy_rest(p->why, sizeof p->why, l + 10), ok++;
		if (strncmp(l, "index_error ", 12) == 0)
			copy_rest(m->index_error, sizeof m->index_error, l + 12), ok++;
		if (strncmp(l, "silences ", 9) == 0) {
			const char *s = l + 9;
			int used = 0;
			if (sscanf(s, "%zu%n", &p->nsilences_total, &used) != 1)
				return PLAYOUT_EINVAL;
			s += used;
			while (p->nsilences < PO_PROBE_MAX_SILENCES &&
			       sscanf(s, " %lld+%lld%n", &b, &c, &used) == 2) {
				p->silences[p->nsilences].start_ms = b;
				p->silences[p->nsilences].len_ms = c;
				p->nsilences++;
				s += used;
			}
			ok++;
		}
	}
	if (ok != 17)
		return PLAYOUT_EINVAL;
	media_flags(m);
	return PLAYOUT_OK;
}

/* The frame index of path: the one stored in st (mp3_store.c, shared with
 * po_runtime_index, so a file is indexed once however it is asked for),
 * else made now and stored with PO_MEDIA_STORE. */
static int index_of(struct po_state *st, const char *path, const struct stat *sb,
		    int64_t mtime_ms, int how, struct po_mp3_index **ix, struct playout_error *e)
{
	if (st) {
		int rc = po_mp3_store_load(st, path, sb->st_size, mtime_ms, ix, e);
		if (rc == PLAYOUT_OK)
			return rc;
		if (rc != PLAYOUT_ENOTFOUND)
			po_log_warnx("probe", "%s; indexing it again", e->msg);
		*e = (struct playout_error){0};
	}
	int rc = po_mp3_index_file(path, ix, e);
	if (rc == PLAYOUT_OK && st && (how & PO_MEDIA_STORE)) {
		struct playout_error se = {0};
		if (po_mp3_store_save(st, path, *ix, &se) < 0)
			po_log_warnx("probe", "%s: cannot keep its frame index in the state: %s",
				     path, se.msg);
	}
	return rc;
}

int po_media_scan(struct po_state *st, const char *path, const struct po_probe_opts *o, int how,
		  struct po_media *out, struct playout_error *err)
{
	struct stat sb;
	memset(out, 0, sizeof *out);
	if (stat(path, &sb) < 0)
		return playout_error_set(err, errno == ENOENT ? PLAYOUT_ENOTFOUND : PLAYOUT_EIO,
					 "probe: %s: %s", path, strerror(errno));
	int64_t mtime_ms = (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
	char *text = NULL;
	if (st && po_state_media_get(st, path, sb.st_size, mtime_ms, &text) == PLAYOUT_OK) {
		int rc = po_media_decode(text, out);
		free(text);
		if (rc == PLAYOUT_OK && (out->probed || !(how & PO_MEDIA_PROBE) || !out->indexed))
			return PLAYOUT_OK;
		memset(out, 0, sizeof *out);
	}

	struct po_mp3_index *ix = NULL;
	struct playout_error e = {0};
	int rc = index_of(st, path, &sb, mtime_ms, how, &ix, &e);
	if (rc == PLAYOUT_ENOTFOUND || rc == PLAYOUT_EIO || rc == PLAYOUT_ENOMEM) {
		*err = e;
		return rc;
	}
	if (ix) {
		media_from_index(out, ix);
		po_mp3_index_unref(ix);
	} else {
		snprintf(out->index_error, sizeof out->index_error, "%.150s", e.msg);
	}
	if (out->indexed && (how & PO_MEDIA_PROBE)) {
		struct po_probe_opts def = { .silence_threshold_db = -50, .silence_max_s = 10 };
		rc = po_probe_file(path, o ? o : &def, &out->probe, &e);
		if (rc == PLAYOUT_ENOMEM || rc == PLAYOUT_EIO || rc == PLAYOUT_ENOTFOUND ||
		    rc == PLAYOUT_EUNAVAIL) {
			*err = e;
			return rc;
		}
		out->probed = 1;
	}
	media_flags(out);
	if (st && (how & PO_MEDIA_STORE)) {
		text = po_media_encode(out);
		if (!text || po_state_media_put(st, path, sb.st_size, mtime_ms, text) < 0)
			po_log_warnx("probe", "%s: cannot keep the scan in the state: %s", path,
				     text ? po_state_errmsg(st) : "out of memory");
		free(text);
	}
	return PLAYOUT_OK;
}

/* ---- the short-file rule ------------------------------------------------ */

static const struct playout_slot *slot_for(const struct playout_asset *a,
					   const struct playout_slot *slots, size_t nslots)
{
	for (size_t i = 0; i < nslots; i++)
		if (slots[i].type == PLAYOUT_SLOT_RECORDED &&
		    strcasecmp(slots[i].expected_file, a->name) == 0)
			return &slots[i];
	for (size_t i = 0; i < nslots; i++)
		if (slots[i].type == PLAYOUT_SLOT_RECORDED && a->start_ms != 0 &&
		    (slots[i].start_ms == a->start_ms || slots[i].start_ms == a->start_alt_ms) &&
		    strcasecmp(slots[i].pid, a->pid) == 0)
			return &slots[i];
	return NULL;
}

void po_probe_flag_short(struct playout_asset *as, size_t n, const struct playout_slot *slots,
			 size_t nslots, int min_fill_percent)
{
	if (min_fill_percent <= 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct playout_asset *a = &as[i];
		if ((a->flags & PO_ASSET_UNPLAYABLE) || a->duration_ms <= 0)
			continue;
		const struct playout_slot *s = slot_for(a, slots, nslots);
		if (!s || s->end_ms <= s->start_ms)
			continue;
		int64_t slot_ms = s->end_ms - s->start_ms;
		if (a->duration_ms * 100 >= slot_ms * min_fill_percent)
			continue;
		a->flags |= PO_ASSET_SHORT;
		snprintf(a->why, sizeof a->why, "is %lld:%02lld long, under %d%% of its %lld:%02lld slot",
			 (long long)(a->duration_ms / 60000), (long long)(a->duration_ms / 1000 % 60),
			 min_fill_percent, (long long)(slot_ms / 60000), (long long)(slot_ms / 1000 % 60));
	}
}
