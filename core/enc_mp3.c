/*
 * MP3 encoding (libmp3lame), handed to the sink in whole frames: lame's
 * output is cut at frame boundaries (the frame header parser of util.h) and
 * a partial frame waits for the next call. Each item is encoded by a lame
 * of its own, flushed at the item's end, so every item has the same delay
 * at its start (po_enc_delay_frames) and no Xing/LAME frame (a stream has
 * no length to announce).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <lame/lame.h>

#include <playout/util.h>

#include "enc_codec.h"

/* Frames given to lame per call, and the output room lame asks for them:
 * 1.25 * samples + 7200 bytes (lame.h). */
#define MP3_CHUNK_FRAMES 8192
#define MP3_OUT_ROOM (MP3_CHUNK_FRAMES * 5 / 4 + 7200)
/* lame adds 576 samples of its own in front; a decoder adds 529 more. */
#define MP3_DECODER_DELAY 529

struct mp3_enc {
	po_enc_sink sink;
	void *arg;
	int samplerate;
	int channels;
	int kbps;             /* CBR; 0: VBR at quality */
	double quality;
	lame_global_flags *gf; /* the item's, or one ready for the next item */
	unsigned char *buf;   /* bytes out of lame: whole frames, then a partial one */
	size_t len;           /* bytes in buf */
	size_t cap;
	int delay_frames;     /* lame's delay + the decoder's */
};

static const int mpeg1_kbps[] = { 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0 };
static const int mpeg2_kbps[] = { 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0 };
static const int mp3_rates[] = { 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 0 };

/* lame prints to stderr unless told where: the core never prints. */
static void mp3_quiet(const char *format, va_list ap)
{
	(void)format;
	(void)ap;
}

static int in_list(const int *list, int v)
{
	for (; *list; list++)
		if (*list == v)
			return 1;
	return 0;
}

/* Refuse what lame would silently change (a rate it resamples, a bitrate
 * it rounds), so the stream is what the output says it is. */
static int mp3_check(const struct po_outfmt *f, struct playout_error *err)
{
	const int *kbps = f->samplerate >= 32000 ? mpeg1_kbps : mpeg2_kbps;

	if (!in_list(mp3_rates, f->samplerate))
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "mp3: %d Hz is not an MP3 sample rate (8000, 11025, 12000, "
					 "16000, 22050, 24000, 32000, 44100, 48000)",
					 f->samplerate);
	if (f->bitrate_kbps && !in_list(kbps, f->bitrate_kbps))
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "mp3: %d kbps is not an MP3 bitrate at %d Hz (%s)",
					 f->bitrate_kbps, f->samplerate,
					 kbps == mpeg1_kbps
						 ? "32 40 48 56 64 80 96 112 128 160 192 224 256 320"
						 : "8 16 24 32 40 48 56 64 80 96 112 128 144 160");
	if (!f->bitrate_kbps && f->quality >= -1.5 && (f->quality < 0 || f->quality > 9))
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "mp3: quality %g: MP3 VBR quality is 0 (best) to 9",
					 f->quality);
	return 0;
}

static lame_global_flags *mp3_lame(struct mp3_enc *m, struct playout_error *err)
{
	lame_global_flags *gf = lame_init();

	if (!gf) {
		playout_error_set(err, PLAYOUT_ENOMEM, "mp3: out of memory");
		return NULL;
	}
	lame_set_errorf(gf, mp3_quiet);
	lame_set_debugf(gf, mp3_quiet);
	lame_set_msgf(gf, mp3_quiet);
	lame_set_in_samplerate(gf, m->samplerate);
	lame_set_out_samplerate(gf, m->samplerate);
	lame_set_num_channels(gf, m->channels);
	lame_set_mode(gf, m->channels == 1 ? MONO : JOINT_STEREO);
	if (m->kbps) {
		lame_set_VBR(gf, vbr_off);
		lame_set_brate(gf, m->kbps);
	} else {
		lame_set_VBR(gf, vbr_default);
		lame_set_VBR_quality(gf, (float)m->quality);
	}
	lame_set_bWriteVbrTag(gf, 0);
	lame_set_write_id3tag_automatic(gf, 0);
	if (lame_init_params(gf) < 0) {
		lame_close(gf);
		playout_error_set(err, PLAYOUT_ECONFIG, "mp3: lame refuses %d kbps at %d Hz, %d channels",
				  m->kbps, m->samplerate, m->channels);
		return NULL;
	}
	m->delay_frames = lame_get_encoder_delay(gf) + MP3_DECODER_DELAY;
	return gf;
}

/* Hand the sink every whole frame in buf; keep the partial one. With last,
 * nothing may be left. */
static int mp3_frames(struct mp3_enc *m, int last, struct playout_error *err)
{
	struct playout_mp3_hdr h;
	size_t whole = 0;
	int rc;

	while (m->len - whole >= 4) {
		if (!playout_mp3_hdr_parse(m->buf + whole, m->len - whole, &h))
			return playout_error_set(err, PLAYOUT_EPROTO,
						 "mp3: lame's output is not a frame at byte %zu",
						 whole);
		if (h.len > m->len - whole)
			break;
		whole += h.len;
	}
	if (last && whole != m->len)
		return playout_error_set(err, PLAYOUT_EPROTO,
					 "mp3: lame's output ends inside a frame (%zu bytes)",
					 m->len - whole);
	if (!whole)
		return 0;
	rc = m->sink(m->arg, m->buf, whole);
	memmove(m->buf, m->buf + whole, m->len - whole);
	m->len -= whole;
	return rc ? po_enc_sink_failed("mp3", rc, err) : 0;
}

static void mp3_destroy(void *st)
{
	struct mp3_enc *m = st;

	if (!m)
		return;
	if (m->gf)
		lame_close(m->gf);
	free(m->buf);
	free(m);
}

static void *mp3_create(const struct po_outfmt *f, po_enc_sink sink, void *arg,
			struct playout_error *err)
{
	struct mp3_enc *m;

	if (mp3_check(f, err))
		return NULL;
	m = calloc(1, sizeof(*m));
	/* what may wait (under a frame, 1441 bytes at most) + one call's output */
	if (m) {
		m->cap = 2048 + MP3_OUT_ROOM;
		m->buf = malloc(m->cap);
	}
	if (!m || !m->buf) {
		free(m);
		playout_error_set(err, PLAYOUT_ENOMEM, "mp3: out of memory");
		return NULL;
	}
	m->sink = sink;
	m->arg = arg;
	m->samplerate = f->samplerate;
	m->channels = f->channels;
	m->kbps = f->bitrate_kbps;
	m->quality = f->quality;
	if (!m->kbps && m->quality < -1.5)
		m->kbps = 128;
	/* made now to try the settings; the first item uses it */
	m->gf = mp3_lame(m, err);
	if (!m->gf) {
		mp3_destroy(m);
		return NULL;
	}
	return m;
}

static int mp3_begin(void *st, const char *title, const char *station,
		     struct playout_error *err)
{
	struct mp3_enc *m = st;

	(void)title; /* MP3 titles go by the output's metadata update */
	(void)station;
	m->len = 0;
	if (!m->gf)
		m->gf = mp3_lame(m, err);
	return m->gf ? 0 : (err ? err->code : PLAYOUT_ECONFIG);
}

static int mp3_write(void *st, const float *pcm, size_t n, struct playout_error *err)
{
	struct mp3_enc *m = st;
	int rc;

	while (n) {
		int chunk = n > MP3_CHUNK_FRAMES ? MP3_CHUNK_FRAMES : (int)n;
		unsigned char *out = m->buf + m->len;
		int room = (int)(m->cap - m->len);
		int got = m->channels == 2
				  ? lame_encode_buffer_interleaved_ieee_float(m->gf, pcm, chunk, out,
									      room)
				  : lame_encode_buffer_ieee_float(m->gf, pcm, NULL, chunk, out, room);

		if (got < 0)
			return playout_error_set(err, PLAYOUT_EINVAL, "mp3: lame error %d", got);
		m->len += (size_t)got;
		rc = mp3_frames(m, 0, err);
		if (rc)
			return rc;
		pcm += (size_t)chunk * (size_t)m->channels;
		n -= (size_t)chunk;
	}
	return 0;
}

static int mp3_end(void *st, struct playout_error *err)
{
	struct mp3_enc *m = st;
	int got, rc;

	if (!m->gf)
		return 0;
	got = lame_encode_flush(m->gf, m->buf + m->len, (int)(m->cap - m->len));
	/* a flushed lame cannot go on: the next item gets a fresh one */
	lame_close(m->gf);
	m->gf = NULL;
	if (got < 0)
		return playout_error_set(err, PLAYOUT_EINVAL, "mp3: lame error %d at the end", got);
	m->len += (size_t)got;
	rc = mp3_frames(m, 1, err);
	m->len = 0;
	return rc;
}

static int mp3_delay(const void *st)
{
	const struct mp3_enc *m = st;

	return m->delay_frames;
}

const struct po_enc_codec po_enc_mp3 = {
	.name = "mp3",
	.delay_frames = mp3_delay,
	.create = mp3_create,
	.begin = mp3_begin,
	.write = mp3_write,
	.end = mp3_end,
	.destroy = mp3_destroy,
};
