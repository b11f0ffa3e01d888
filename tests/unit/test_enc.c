/*
 * Tests for core/enc.c and its codecs: a sine is encoded, every sink call
 * is checked to be whole pages or frames, and what was made is decoded back
 * (libvorbisfile, libopusfile, libmpg123) for its length, its level, its
 * pitch and, for Ogg, each link's title. Refused settings and failures of
 * the sink come back as errors.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpg123.h>
#include <opus/opusfile.h>
#include <vorbis/vorbisfile.h>

#include <playout/util.h>

#include "enc.h"
#include "runner.h"

#define SINE_HZ 440.0
#define SINE_AMP 0.5

/* ---- the sink: keeps the bytes and checks each call's units --------------- */

struct capture {
	int ogg;            /* units are Ogg pages (else MP3 frames) */
	unsigned char *data;
	size_t len, cap;
	int calls;
	int bad_calls;      /* calls that were not whole pages / frames */
	int bos_pages;      /* Ogg pages beginning a logical stream */
	int eos_pages;
	uint32_t serials[8];/* of the BOS pages, in order */
	size_t bos_at[8];   /* where each BOS page starts in data */
	int64_t granule;    /* of the last Ogg page */
	long mp3_frames;    /* whole MP3 frames received */
	int fail_from_call; /* > 0: this call and the later ones return -2 */
};

/* 1 when p..n is exactly one Ogg page. */
static int one_ogg_page(const unsigned char *p, size_t n)
{
	size_t len;

	if (n < 27 || memcmp(p, "OggS", 4) || n < 27u + p[26])
		return 0;
	len = 27u + p[26];
	for (int i = 0; i < p[26]; i++)
		len += p[27 + i];
	return len == n;
}

/* 1 when p..n is one or more whole MP3 frames. */
static int whole_mp3_frames(const unsigned char *p, size_t n)
{
	struct playout_mp3_hdr h;
	size_t at = 0;

	while (at < n) {
		if (!playout_mp3_hdr_parse(p + at, n - at, &h) || h.len > n - at)
			return 0;
		at += h.len;
	}
	return n > 0;
}

static int capture_sink(void *arg, const uint8_t *buf, size_t len)
{
	struct capture *c = arg;

	c->calls++;
	if (c->fail_from_call && c->calls >= c->fail_from_call)
		return -2;
	if (c->ogg ? !one_ogg_page(buf, len) : !whole_mp3_frames(buf, len))
		c->bad_calls++;
	if (c->ogg && len >= 27) {
		if (buf[5] & 2) {
			if (c->bos_pages < 8) {
				c->serials[c->bos_pages] = (uint32_t)buf[14] | (uint32_t)buf[15] << 8 |
							   (uint32_t)buf[16] << 16 |
							   (uint32_t)buf[17] << 24;
				c->bos_at[c->bos_pages] = c->len;
			}
			c->bos_pages++;
		}
		if (buf[5] & 4)
			c->eos_pages++;
		c->granule = 0;
		for (int i = 13; i >= 6; i--)
			c->granule = c->granule << 8 | buf[i];
	}
	if (!c->ogg) {
		struct playout_mp3_hdr h;

		for (size_t at = 0; at < len && playout_mp3_hdr_parse(buf + at, len - at, &h);
		     at += h.len)
			c->mp3_frames++;
	}
	if (c->len + len > c->cap) {
		size_t cap = (c->len + len) * 2;
		unsigned char *d = realloc(c->data, cap);

		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		c->data = d;
		c->cap = cap;
	}
	memcpy(c->data + c->len, buf, len);
	c->len += len;
	return 0;
}

/* ---- the signal --------------------------------------------------------------- */

static float *sine(int rate, int channels, size_t frames)
{
	float *pcm = malloc(frames * (size_t)channels * sizeof(*pcm));

	for (size_t i = 0; pcm && i < frames; i++)
		for (int c = 0; c < channels; c++)
			pcm[i * (size_t)channels + (size_t)c] =
				(float)(SINE_AMP * sin(2 * M_PI * SINE_HZ * (double)i / rate));
	return pcm;
}

/* Write frames in uneven pieces, as a pipeline would. 0 or the error. */
static int write_uneven(struct po_enc *e, const float *pcm, size_t frames, int channels,
			struct playout_error *err)
{
	static const size_t pieces[] = { 1, 1000, 777, 4096, 13, 44100, 2047 };
	size_t at = 0;

	for (int i = 0; at < frames; i = (i + 1) % 7) {
		size_t n = pieces[i] < frames - at ? pieces[i] : frames - at;
		int rc = po_enc_write(e, pcm + at * (size_t)channels, n, err);

		if (rc)
			return rc;
		at += n;
	}
	return 0;
}

/* ---- what a decoder makes of it -------------------------------------------- */

struct decoded {
	int rate, channels;
	float *pcm; /* interleaved */
	size_t frames;
	int links;
	int64_t link_frames[8]; /* per link, from the granule positions */
	char titles[8][64];     /* TITLE= of each link, "" when none */
	char artists[8][64];
};

static void decoded_free(struct decoded *d)
{
	free(d->pcm);
	memset(d, 0, sizeof(*d));
}

static void append(struct decoded *d, const float *x, size_t frames, size_t *cap)
{
	size_t need = (d->frames + frames) * (size_t)d->channels;

	if (need > *cap) {
		*cap = need * 2;
		d->pcm = realloc(d->pcm, *cap * sizeof(float));
	}
	memcpy(d->pcm + d->frames * (size_t)d->channels, x, frames * (size_t)d->channels * sizeof(float));
	d->frames += frames;
}

static void set_tag(char *to, const char *v)
{
	snprintf(to, 64, "%s", v ? v : "");
}

struct mem {
	const unsigned char *p;
	size_t n, at;
};

static size_t mem_read(void *ptr, size_t size, size_t nmemb, void *src)
{
	struct mem *m = src;
	size_t want = size * nmemb, left = m->n - m->at;

	if (want > left)
		want = left;
	memcpy(ptr, m->p + m->at, want);
	m->at += want;
	return size ? want / size : 0;
}

static int mem_seek(void *src, ogg_int64_t off, int whence)
{
	struct mem *m = src;
	ogg_int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (ogg_int64_t)m->at
								      : (ogg_int64_t)m->n;

	if (base + off < 0 || base + off > (ogg_int64_t)m->n)
		return -1;
	m->at = (size_t)(base + off);
	return 0;
}

static long mem_tell(void *src)
{
	return (long)((struct mem *)src)->at;
}

static int decode_vorbis(const unsigned char *p, size_t n, struct decoded *d)
{
	struct mem m = { p, n, 0 };
	ov_callbacks cb = { mem_read, mem_seek, NULL, mem_tell };
	OggVorbis_File vf;
	size_t cap = 0;
	float **out;
	int link;
	long got;

	memset(d, 0, sizeof(*d));
	if (ov_open_callbacks(&m, &vf, NULL, 0, cb))
		return -1;
	d->links = (int)ov_streams(&vf);
	d->rate = (int)ov_info(&vf, 0)->rate;
	d->channels = ov_info(&vf, 0)->channels;
	for (int i = 0; i < d->links && i < 8; i++) {
		vorbis_comment *vc = ov_comment(&vf, i);

		d->link_frames[i] = ov_pcm_total(&vf, i);
		set_tag(d->titles[i], vorbis_comment_query(vc, "TITLE", 0));
		set_tag(d->artists[i], vorbis_comment_query(vc, "ARTIST", 0));
	}
	while ((got = ov_read_float(&vf, &out, 4096, &link)) > 0) {
		float tmp[4096 * 2];

		for (long i = 0; i < got; i++)
			for (int c = 0; c < d->channels; c++)
				tmp[i * d->channels + c] = out[c][i];
		append(d, tmp, (size_t)got, &cap);
	}
	ov_clear(&vf);
	return got < 0 ? -1 : 0;
}

static int decode_opus(const unsigned char *p, size_t n, struct decoded *d)
{
	OggOpusFile *of = op_open_memory(p, n, NULL);
	size_t cap = 0;
	float buf[5760 * 2];
	int got;

	memset(d, 0, sizeof(*d));
	if (!of)
		return -1;
	d->links = op_link_count(of);
	d->rate = 48000;
	d->channels = op_channel_count(of, 0);
	for (int i = 0; i < d->links && i < 8; i++) {
		const OpusTags *t = op_tags(of, i);

		d->link_frames[i] = op_pcm_total(of, i);
		set_tag(d->titles[i], opus_tags_query(t, "TITLE", 0));
		set_tag(d->artists[i], opus_tags_query(t, "ARTIST", 0));
	}
	while ((got = op_read_float(of, buf, (int)(sizeof(buf) / sizeof(*buf)), NULL)) > 0)
		append(d, buf, (size_t)got, &cap);
	op_free(of);
	return got < 0 ? -1 : 0;
}

static int decode_mp3(const unsigned char *p, size_t n, int rate, int channels, struct decoded *d)
{
	mpg123_handle *mh = mpg123_new(NULL, NULL);
	unsigned char buf[16384];
	size_t cap = 0, done;
	int rc;

	memset(d, 0, sizeof(*d));
	if (!mh)
		return -1;
	d->rate = rate;
	d->channels = channels;
	d->links = 1;
	mpg123_param(mh, MPG123_ADD_FLAGS, MPG123_QUIET, 0);
	mpg123_format_none(mh);
	mpg123_format(mh, rate, channels == 1 ? MPG123_MONO : MPG123_STEREO, MPG123_ENC_FLOAT_32);
	mpg123_open_feed(mh);
	mpg123_feed(mh, p, n);
	for (;;) {
		rc = mpg123_read(mh, buf, sizeof(buf), &done);
		if (done)
			append(d, (const float *)(const void *)buf, done / sizeof(float) / (size_t)channels,
			       &cap);
		if (rc == MPG123_NEW_FORMAT || (rc == MPG123_OK && done))
			continue;
		break;
	}
	mpg123_delete(mh);
	return rc == MPG123_NEED_MORE || rc == MPG123_DONE ? 0 : -1;
}

/* RMS and pitch (upward zero crossings per second) of channel c over the
 * middle of [from, to). */
static void measure(const struct decoded *d, int c, size_t from, size_t to, double *rms,
		    double *hz)
{
	double sum = 0;
	int ups = 0;
	size_t a = from + (to - from) / 10, b = to - (to - from) / 10;

	for (size_t i = a; i < b; i++) {
		double x = d->pcm[i * (size_t)d->channels + (size_t)c];
		double prev = d->pcm[(i - 1) * (size_t)d->channels + (size_t)c];

		sum += x * x;
		if (prev < 0 && x >= 0)
			ups++;
	}
	*rms = sqrt(sum / (double)(b - a));
	*hz = ups * (double)d->rate / (double)(b - a);
}

/* ---- one item of a codec at a rate and channel count ------------------------- */

static struct po_outfmt fmt(int codec, int rate, int channels)
{
	return (struct po_outfmt){ .codec = codec, .quality = -2, .samplerate = rate,
				   .channels = channels };
}

/* Encode 10.000 s of sine as one item titled title; decoded into d. */
static void encode_sine(int codec, int rate, int channels, struct capture *cap,
			struct decoded *d)
{
	struct po_outfmt f = fmt(codec, rate, channels);
	struct playout_error err = { 0 };
	size_t frames = (size_t)rate * 10;
	float *pcm = sine(rate, channels, frames);
	struct po_enc *e;

	memset(cap, 0, sizeof(*cap));
	cap->ogg = codec != PO_CODEC_MP3;
	CU_ASSERT_PTR_NOT_NULL_FATAL(pcm);
	e = po_enc_new(&f, capture_sink, cap, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	PO_EXPECT_INT(po_enc_begin(e, "Sine", "Station", &err), 0);
	PO_EXPECT_INT(write_uneven(e, pcm, frames, channels, &err), 0);
	PO_EXPECT_INT(po_enc_end(e, &err), 0);
	po_enc_free(e);
	free(pcm);
	PO_EXPECT_INT(cap->bad_calls, 0);
	if (codec == PO_CODEC_VORBIS)
		PO_EXPECT_INT(decode_vorbis(cap->data, cap->len, d), 0);
	else if (codec == PO_CODEC_OPUS)
		PO_EXPECT_INT(decode_opus(cap->data, cap->len, d), 0);
	else
		PO_EXPECT_INT(decode_mp3(cap->data, cap->len, rate, channels, d), 0);
}

static void expect_sine(const struct decoded *d, size_t from, size_t to)
{
	for (int c = 0; c < d->channels; c++) {
		double rms, hz;

		measure(d, c, from, to, &rms, &hz);
		PO_EXPECT_DOUBLE(rms, SINE_AMP / sqrt(2), 0.05 * SINE_AMP);
		PO_EXPECT_DOUBLE(hz, SINE_HZ, 2.0);
	}
}

static const int rates[] = { 44100, 48000 };

/* ---- tests ------------------------------------------------------------------ */

static void test_vorbis_sine_comes_back_sample_exact_in_whole_pages(void)
{
	for (int r = 0; r < 2; r++)
		for (int ch = 1; ch <= 2; ch++) {
			struct capture cap;
			struct decoded d;

			encode_sine(PO_CODEC_VORBIS, rates[r], ch, &cap, &d);
			PO_EXPECT_INT(d.rate, rates[r]);
			PO_EXPECT_INT(d.channels, ch);
			PO_EXPECT_INT(d.links, 1);
			PO_EXPECT_INT(cap.bos_pages, 1);
			PO_EXPECT_INT(cap.eos_pages, 1);
			PO_EXPECT_INT(d.frames, (size_t)rates[r] * 10);
			PO_EXPECT_INT(d.link_frames[0], (int64_t)rates[r] * 10);
			PO_EXPECT_STR(d.titles[0], "Sine");
			PO_EXPECT_STR(d.artists[0], "Station");
			if (d.frames == (size_t)rates[r] * 10)
				expect_sine(&d, 0, d.frames);
			decoded_free(&d);
			free(cap.data);
		}
}

static void test_opus_sine_comes_back_sample_exact_at_48k_in_whole_pages(void)
{
	for (int r = 0; r < 2; r++)
		for (int ch = 1; ch <= 2; ch++) {
			struct capture cap;
			struct decoded d;

			encode_sine(PO_CODEC_OPUS, rates[r], ch, &cap, &d);
			PO_EXPECT_INT(d.channels, ch);
			PO_EXPECT_INT(d.links, 1);
			PO_EXPECT_INT(cap.bos_pages, 1);
			PO_EXPECT_INT(cap.eos_pages, 1);
			/* 10 s at 48 kHz whatever the input rate (resampled) */
			PO_EXPECT_INT(d.frames, 480000);
			PO_EXPECT_INT(d.link_frames[0], 480000);
			PO_EXPECT_STR(d.titles[0], "Sine");
			PO_EXPECT_STR(d.artists[0], "Station");
			if (d.frames == 480000)
				expect_sine(&d, 0, d.frames);
			decoded_free(&d);
			free(cap.data);
		}
}

/* No Xing/LAME frame, so a decoder plays lame's delay and padding: the
 * length is the input's + po_enc_delay_frames + under one frame. */
static void test_mp3_sine_comes_back_after_the_declared_delay_in_whole_frames(void)
{
	for (int r = 0; r < 2; r++)
		for (int ch = 1; ch <= 2; ch++) {
			struct po_outfmt f = fmt(PO_CODEC_MP3, rates[r], ch);
			struct playout_error err = { 0 };
			struct po_enc *e = po_enc_new(&f, capture_sink, NULL, &err);
			size_t n = (size_t)rates[r] * 10, extra, first = 0;
			struct capture cap;
			struct decoded d;
			int delay;

			CU_ASSERT_PTR_NOT_NULL_FATAL(e);
			delay = po_enc_delay_frames(e);
			po_enc_free(e);
			PO_EXPECT_INT(delay, 1105);
			encode_sine(PO_CODEC_MP3, rates[r], ch, &cap, &d);
			PO_EXPECT_INT(d.channels, ch);
			CU_ASSERT_FATAL(d.frames >= n + (size_t)delay);
			extra = d.frames - n - (size_t)delay;
			CU_ASSERT(extra < 1152);
			PO_EXPECT_INT(d.frames % 1152, 0);
			/* the sine first reaches 0.4 at asin(0.8) / (2 pi 440) s, after
			 * the delay */
			while (first < d.frames && fabsf(d.pcm[first * (size_t)ch]) < 0.4f)
				first++;
			PO_EXPECT_DOUBLE((double)first,
					 delay + asin(0.8) / (2 * M_PI * SINE_HZ) * rates[r], 8);
			expect_sine(&d, (size_t)delay, (size_t)delay + n);
			decoded_free(&d);
			free(cap.data);
		}
}

/* Two items: two links, each with its own title and serial, both whole;
 * and a listener who joins at the second item's start decodes it alone. */
static void chain(int codec)
{
	struct po_outfmt f = fmt(codec, 48000, 2);
	struct playout_error err = { 0 };
	size_t n1 = 48000 * 3 + 123, n2 = 48000 * 2 + 7;
	float *pcm = sine(48000, 2, n1);
	struct capture cap = { .ogg = 1 };
	struct po_enc *e = po_enc_new(&f, capture_sink, &cap, &err);
	struct decoded d, second;
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	PO_EXPECT_INT(po_enc_begin(e, "First item", "Radio X", &err), 0);
	PO_EXPECT_INT(write_uneven(e, pcm, n1, 2, &err), 0);
	PO_EXPECT_INT(po_enc_end(e, &err), 0);
	PO_EXPECT_INT(po_enc_begin(e, "Second item", "Radio X", &err), 0);
	PO_EXPECT_INT(write_uneven(e, pcm, n2, 2, &err), 0);
	PO_EXPECT_INT(po_enc_end(e, &err), 0);
	po_enc_free(e);
	free(pcm);

	PO_EXPECT_INT(cap.bad_calls, 0);
	PO_EXPECT_INT(cap.bos_pages, 2);
	PO_EXPECT_INT(cap.eos_pages, 2);
	/* ours, not the library's: each link takes the next number */
	PO_EXPECT_INT(cap.serials[1], cap.serials[0] + 1);
	rc = codec == PO_CODEC_VORBIS ? decode_vorbis(cap.data, cap.len, &d)
				      : decode_opus(cap.data, cap.len, &d);
	PO_EXPECT_INT(rc, 0);
	PO_EXPECT_INT(d.links, 2);
	PO_EXPECT_STR(d.titles[0], "First item");
	PO_EXPECT_STR(d.titles[1], "Second item");
	PO_EXPECT_STR(d.artists[1], "Radio X");
	PO_EXPECT_INT(d.link_frames[0], (int64_t)n1);
	PO_EXPECT_INT(d.link_frames[1], (int64_t)n2);
	PO_EXPECT_INT(d.frames, n1 + n2);

	rc = codec == PO_CODEC_VORBIS
		     ? decode_vorbis(cap.data + cap.bos_at[1], cap.len - cap.bos_at[1], &second)
		     : decode_opus(cap.data + cap.bos_at[1], cap.len - cap.bos_at[1], &second);
	PO_EXPECT_INT(rc, 0);
	PO_EXPECT_INT(second.links, 1);
	PO_EXPECT_STR(second.titles[0], "Second item");
	PO_EXPECT_INT(second.frames, n2);
	decoded_free(&second);
	decoded_free(&d);
	free(cap.data);
}

static void test_vorbis_two_items_are_two_links_with_their_titles(void)
{
	chain(PO_CODEC_VORBIS);
}

static void test_opus_two_items_are_two_links_with_their_titles(void)
{
	chain(PO_CODEC_OPUS);
}

static void test_mp3_two_items_each_carry_the_delay(void)
{
	struct po_outfmt f = fmt(PO_CODEC_MP3, 44100, 2);
	struct playout_error err = { 0 };
	size_t n = 44100 * 2;
	float *pcm = sine(44100, 2, n);
	struct capture cap = { 0 };
	struct po_enc *e = po_enc_new(&f, capture_sink, &cap, &err);
	struct decoded d;
	size_t item;

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	for (int i = 0; i < 2; i++) {
		PO_EXPECT_INT(po_enc_begin(e, "x", NULL, &err), 0);
		PO_EXPECT_INT(write_uneven(e, pcm, n, 2, &err), 0);
		PO_EXPECT_INT(po_enc_end(e, &err), 0);
	}
	po_enc_free(e);
	free(pcm);
	PO_EXPECT_INT(cap.bad_calls, 0);
	PO_EXPECT_INT(decode_mp3(cap.data, cap.len, 44100, 2, &d), 0);
	/* each item: delay + n + padding, rounded up to whole frames */
	item = (n + 1105 + 1151) / 1152 * 1152;
	PO_EXPECT_INT(d.frames, 2 * item);
	if (d.frames == 2 * item)
		expect_sine(&d, item + 1105, item + 1105 + n);
	decoded_free(&d);
	free(cap.data);
}

/* Fed in 20 ms pieces, as a player does, an encoder hands out pages or
 * frames that lag the input by little: the output can be paced from it. */
static void test_output_follows_the_input_closely(void)
{
	static const int codecs[] = { PO_CODEC_VORBIS, PO_CODEC_OPUS, PO_CODEC_MP3 };
	size_t n = 44100 * 5, piece = 44100 / 50;
	float *pcm = sine(44100, 2, n);

	for (int i = 0; i < 3; i++) {
		struct po_outfmt f = fmt(codecs[i], 44100, 2);
		struct playout_error err = { 0 };
		struct capture cap = { .ogg = codecs[i] != PO_CODEC_MP3 };
		struct po_enc *e = po_enc_new(&f, capture_sink, &cap, &err);
		double max_lag_s = 0;

		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		PO_EXPECT_INT(po_enc_begin(e, "lag", NULL, &err), 0);
		for (size_t at = 0; at < n; at += piece) {
			double in_s, out_s;

			PO_EXPECT_INT(po_enc_write(e, pcm + at * 2, piece, &err), 0);
			in_s = (double)(at + piece) / 44100;
			if (codecs[i] == PO_CODEC_VORBIS)
				out_s = (double)cap.granule / 44100;
			else if (codecs[i] == PO_CODEC_OPUS)
				out_s = (double)(cap.granule - 312) / 48000;
			else
				out_s = (double)(cap.mp3_frames * 1152 - 1105) / 44100;
			if (in_s >= 1 && in_s - out_s > max_lag_s)
				max_lag_s = in_s - out_s;
		}
		printf("[%s: output lags the input by %.3f s at most] ", po_codec_name(codecs[i]),
		       max_lag_s);
		CU_ASSERT(max_lag_s < 0.5);
		po_enc_free(e);
		free(cap.data);
	}
	free(pcm);
}

static void expect_refused(struct po_outfmt f, const char *words)
{
	struct playout_error err = { 0 };
	struct capture cap = { 0 };
	struct po_enc *e = po_enc_new(&f, capture_sink, &cap, &err);

	CU_ASSERT_PTR_NULL(e);
	po_enc_free(e);
	PO_EXPECT_INT(err.code, PLAYOUT_ECONFIG);
	if (!strstr(err.msg, words))
		fprintf(stderr, "message \"%s\" lacks \"%s\"\n", err.msg, words);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, words));
	PO_EXPECT_INT(cap.calls, 0);
}

static void test_settings_a_codec_refuses_are_a_clear_error(void)
{
	struct po_outfmt f = fmt(PO_CODEC_VORBIS, 44100, 2);

	f.bitrate_kbps = 6;
	expect_refused(f, "vorbis: 6 kbps is not available at 44100 Hz stereo");
	f = fmt(PO_CODEC_VORBIS, 44100, 2);
	f.bitrate_kbps = 512;
	expect_refused(f, "vorbis: 512 kbps");
	f = fmt(PO_CODEC_MP3, 44100, 2);
	f.bitrate_kbps = 100;
	expect_refused(f, "mp3: 100 kbps is not an MP3 bitrate at 44100 Hz");
	f = fmt(PO_CODEC_MP3, 44100, 2);
	f.bitrate_kbps = 8;
	expect_refused(f, "mp3: 8 kbps");
	f = fmt(PO_CODEC_MP3, 40000, 2);
	expect_refused(f, "mp3: 40000 Hz is not an MP3 sample rate");
	f = fmt(PO_CODEC_MP3, 44100, 2);
	f.quality = 10;
	expect_refused(f, "mp3: quality 10");
	f = fmt(PO_CODEC_OPUS, 48000, 3);
	expect_refused(f, "3 channels");
	f = fmt(PO_CODEC_PASSTHROUGH, 44100, 2);
	expect_refused(f, "passthrough is not re-encoded");
}

static void test_quality_and_bitrate_settings_are_taken(void)
{
	struct po_outfmt fs[4];
	int ns = 0;

	fs[ns] = fmt(PO_CODEC_VORBIS, 44100, 2);
	fs[ns++].quality = 3;
	fs[ns] = fmt(PO_CODEC_VORBIS, 22050, 1);
	fs[ns++].bitrate_kbps = 32;
	fs[ns] = fmt(PO_CODEC_MP3, 44100, 2);
	fs[ns++].quality = 4;
	fs[ns] = fmt(PO_CODEC_OPUS, 44100, 2);
	fs[ns++].bitrate_kbps = 32;
	for (int i = 0; i < ns; i++) {
		struct playout_error err = { 0 };
		struct capture cap = { .ogg = fs[i].codec != PO_CODEC_MP3 };
		struct po_enc *e = po_enc_new(&fs[i], capture_sink, &cap, &err);
		size_t n = (size_t)fs[i].samplerate;
		float *pcm = sine(fs[i].samplerate, fs[i].channels, n);

		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		PO_EXPECT_INT(po_enc_begin(e, "q", NULL, &err), 0);
		PO_EXPECT_INT(po_enc_write(e, pcm, n, &err), 0);
		PO_EXPECT_INT(po_enc_end(e, &err), 0);
		po_enc_free(e);
		free(pcm);
		PO_EXPECT_INT(cap.bad_calls, 0);
		CU_ASSERT(cap.len > 1000);
		free(cap.data);
	}
}

/* A write outside an item opens one (untitled); a begin inside an item
 * ends it first; an end with nothing open does nothing. (3 s items:
 * libvorbisfile 1.3.7 starts reading a seekable chain smaller than its
 * 64 KiB chunk at the last link, whoever made the file.) */
static void test_the_item_bracket_is_kept_by_the_encoder(void)
{
	struct po_outfmt f = fmt(PO_CODEC_VORBIS, 44100, 2);
	struct playout_error err = { 0 };
	size_t n = 44100 * 3;
	float *pcm = sine(44100, 2, n);
	struct capture cap = { .ogg = 1 };
	struct po_enc *e = po_enc_new(&f, capture_sink, &cap, &err);
	struct decoded d;

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	PO_EXPECT_INT(po_enc_end(e, &err), 0);
	PO_EXPECT_INT(cap.calls, 0);
	PO_EXPECT_INT(po_enc_write(e, pcm, 0, &err), 0);
	PO_EXPECT_INT(cap.calls, 0);
	PO_EXPECT_INT(po_enc_write(e, pcm, n, &err), 0);
	PO_EXPECT_INT(po_enc_begin(e, "Next", NULL, &err), 0);
	PO_EXPECT_INT(po_enc_write(e, pcm, n, &err), 0);
	PO_EXPECT_INT(po_enc_end(e, &err), 0);
	PO_EXPECT_INT(po_enc_end(e, &err), 0);
	po_enc_free(e);
	free(pcm);
	PO_EXPECT_INT(cap.bad_calls, 0);
	PO_EXPECT_INT(decode_vorbis(cap.data, cap.len, &d), 0);
	PO_EXPECT_INT(d.links, 2);
	PO_EXPECT_STR(d.titles[0], "");
	PO_EXPECT_STR(d.titles[1], "Next");
	PO_EXPECT_INT(d.link_frames[0], (int64_t)n);
	PO_EXPECT_INT(d.link_frames[1], (int64_t)n);
	PO_EXPECT_INT(d.frames, 2 * n);
	decoded_free(&d);
	free(cap.data);
}

/* Freed in the middle of an item, or right after new: nothing leaks (the
 * sanitizer build checks) and nothing more is written. */
static void test_free_in_the_middle_of_an_item_flushes_nothing(void)
{
	static const int codecs[] = { PO_CODEC_VORBIS, PO_CODEC_OPUS, PO_CODEC_MP3 };
	float *pcm = sine(48000, 2, 48000);

	for (int i = 0; i < 3; i++) {
		struct po_outfmt f = fmt(codecs[i], 48000, 2);
		struct playout_error err = { 0 };
		struct capture cap = { .ogg = codecs[i] != PO_CODEC_MP3 };
		struct po_enc *e = po_enc_new(&f, capture_sink, &cap, &err);
		int calls;

		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		po_enc_free(po_enc_new(&f, capture_sink, &cap, &err));
		PO_EXPECT_INT(cap.calls, 0);
		PO_EXPECT_INT(po_enc_begin(e, "cut", "st", &err), 0);
		PO_EXPECT_INT(po_enc_write(e, pcm, 48000, &err), 0);
		calls = cap.calls;
		po_enc_free(e);
		PO_EXPECT_INT(cap.calls, calls);
		PO_EXPECT_INT(cap.bad_calls, 0);
		free(cap.data);
	}
	free(pcm);
	po_enc_free(NULL);
}

/* The sink's failure comes back from the call that made the bytes. */
static void test_a_failing_sink_is_passed_back(void)
{
	static const int codecs[] = { PO_CODEC_VORBIS, PO_CODEC_OPUS, PO_CODEC_MP3 };
	float *pcm = sine(44100, 2, 44100);

	for (int i = 0; i < 3; i++) {
		struct po_outfmt f = fmt(codecs[i], 44100, 2);
		struct playout_error err = { 0 };
		struct capture cap = { .ogg = codecs[i] != PO_CODEC_MP3, .fail_from_call = 1 };
		struct po_enc *e = po_enc_new(&f, capture_sink, &cap, &err);
		int rc;

		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		rc = po_enc_begin(e, "t", NULL, &err);
		if (!rc)
			rc = po_enc_write(e, pcm, 44100, &err);
		if (!rc)
			rc = po_enc_end(e, &err);
		PO_EXPECT_INT(rc, -2);
		PO_EXPECT_INT(err.code, -2);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "refused"));
		/* the output reconnects: a new item starts cleanly */
		cap.fail_from_call = 0;
		cap.calls = 0;
		PO_EXPECT_INT(po_enc_begin(e, "again", NULL, &err), 0);
		PO_EXPECT_INT(po_enc_write(e, pcm, 4410, &err), 0);
		PO_EXPECT_INT(po_enc_end(e, &err), 0);
		CU_ASSERT(cap.calls > 0);
		po_enc_free(e);
		free(cap.data);
	}
	free(pcm);
}

static void test_stream_format_follows_the_codec(void)
{
	PO_EXPECT_INT(po_enc_stream_format(PO_CODEC_PASSTHROUGH), PLAYOUT_STREAM_MP3);
	PO_EXPECT_INT(po_enc_stream_format(PO_CODEC_MP3), PLAYOUT_STREAM_MP3);
	PO_EXPECT_INT(po_enc_stream_format(PO_CODEC_VORBIS), PLAYOUT_STREAM_OGG_VORBIS);
	PO_EXPECT_INT(po_enc_stream_format(PO_CODEC_OPUS), PLAYOUT_STREAM_OGG_OPUS);
}

static const struct po_test tests[] = {
	{ "vorbis_sine_comes_back_sample_exact_in_whole_pages",
	  test_vorbis_sine_comes_back_sample_exact_in_whole_pages },
	{ "opus_sine_comes_back_sample_exact_at_48k_in_whole_pages",
	  test_opus_sine_comes_back_sample_exact_at_48k_in_whole_pages },
	{ "mp3_sine_comes_back_after_the_declared_delay_in_whole_frames",
	  test_mp3_sine_comes_back_after_the_declared_delay_in_whole_frames },
	{ "vorbis_two_items_are_two_links_with_their_titles",
	  test_vorbis_two_items_are_two_links_with_their_titles },
	{ "opus_two_items_are_two_links_with_their_titles",
	  test_opus_two_items_are_two_links_with_their_titles },
	{ "mp3_two_items_each_carry_the_delay", test_mp3_two_items_each_carry_the_delay },
	{ "output_follows_the_input_closely", test_output_follows_the_input_closely },
	{ "settings_a_codec_refuses_are_a_clear_error",
	  test_settings_a_codec_refuses_are_a_clear_error },
	{ "quality_and_bitrate_settings_are_taken", test_quality_and_bitrate_settings_are_taken },
	{ "the_item_bracket_is_kept_by_the_encoder", test_the_item_bracket_is_kept_by_the_encoder },
	{ "free_in_the_middle_of_an_item_flushes_nothing",
	  test_free_in_the_middle_of_an_item_flushes_nothing },
	{ "a_failing_sink_is_passed_back", test_a_failing_sink_is_passed_back },
	{ "stream_format_follows_the_codec", test_stream_format_follows_the_codec },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "enc", tests, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_enc", suites);
}
