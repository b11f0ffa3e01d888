/*
 * A file's media facts in the state (media_scan.h): the index summary and
 * the probe as text in the state's media table, and the one load path of
 * a frame index.
 */
#include "media_scan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "mp3_store.h"

/* A scan holds what the index found (frames, duration, damage, or why it
 * failed), so it carries the index's format too: when mp3.c finds other
 * frames in the same bytes, stored scans are made again. */
#define MEDIA_STR(x) #x
#define MEDIA_XSTR(x) MEDIA_STR(x)
#define MEDIA_FORMAT "po-media 1/" MEDIA_XSTR(PO_MP3_STORE_FORMAT)

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

int po_media_load_index(struct po_state *st, const char *path, int64_t size, int64_t mtime_ms,
			int store, struct po_mp3_index **ix, struct playout_error *err)
{
	*ix = NULL;
	if (st) {
		struct playout_error e = {0};
		int rc = po_mp3_store_load(st, path, size, mtime_ms, ix, &e);
		if (rc == PLAYOUT_OK)
			return rc;
		if (rc != PLAYOUT_ENOTFOUND)
			po_log_warnx("media", "%s; indexing it again", e.msg);
	}
	int rc = po_mp3_index_file(path, ix, err);
	if (rc == PLAYOUT_OK && st && store && !po_state_readonly(st)) {
		struct playout_error se = {0};
		if (po_mp3_store_save(st, path, *ix, &se) < 0)
			po_log_warnx("media", "%s: cannot keep its frame index in the state: %s",
				     path, se.msg);
	}
	return rc;
}

int po_media_scan_index(struct po_state *st, const char *path, const struct po_probe_opts *o,
			int how, struct po_media *out, struct po_mp3_index **ixp,
			struct playout_error *err)
{
	struct stat sb;
	memset(out, 0, sizeof *out);
	if (ixp)
		*ixp = NULL;
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
	int rc = po_media_load_index(st, path, sb.st_size, mtime_ms, how & PO_MEDIA_STORE, &ix, &e);
	if (rc == PLAYOUT_ENOTFOUND || rc == PLAYOUT_EIO || rc == PLAYOUT_ENOMEM) {
		*err = e;
		return rc;
	}
	if (ix)
		media_from_index(out, ix);
	else
		snprintf(out->index_error, sizeof out->index_error, "%.150s", e.msg);
	if (out->indexed && (how & PO_MEDIA_PROBE)) {
		struct po_probe_opts def = { .silence_threshold_db = -50, .silence_max_s = 10 };
		rc = po_probe_file(path, o ? o : &def, &out->probe, &e);
		if (rc == PLAYOUT_ENOMEM || rc == PLAYOUT_EIO || rc == PLAYOUT_ENOTFOUND ||
		    rc == PLAYOUT_EUNAVAIL) {
			po_mp3_index_unref(ix);
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
	if (ixp)
		*ixp = ix;
	else
		po_mp3_index_unref(ix);
	return PLAYOUT_OK;
}

int po_media_scan(struct po_state *st, const char *path, const struct po_probe_opts *o, int how,
		  struct po_media *out, struct playout_error *err)
{
	return po_media_scan_index(st, path, o, how, out, NULL, err);
}
