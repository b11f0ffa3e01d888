/*
 * Ogg Vorbis encoding (libvorbisenc, libogg): one Ogg logical stream per
 * item, its three headers on pages of their own so a listener who joins at
 * the item's start can decode, every page handed to the sink whole.
 */
#include <stdlib.h>
#include <string.h>

#include <ogg/ogg.h>
#include <vorbis/vorbisenc.h>

#include "enc_codec.h"

/* Frames given to libvorbis per analysis call: bounds its input buffer. */
#define VORBIS_CHUNK_FRAMES 4096
/* The most audio a page holds before it goes out, in ms: libogg waits for
 * 4 KiB, which quiet passages take seconds to fill, and a listener's stream
 * would stall that long. */
#define VORBIS_PAGE_MS 250
/* An Ogg page: 27 bytes + 255 lacing values + 255 segments of 255 bytes. */
#define OGG_PAGE_MAX (27 + 255 + 255 * 255)

struct vorbis_enc {
	po_enc_sink sink;
	void *arg;
	int channels;
	int64_t page_frames;   /* VORBIS_PAGE_MS in frames */
	int64_t page_granule;  /* of the last page out */
	vorbis_info vi;      /* the settings, shared by every item's stream */
	uint32_t serial;     /* of the last link begun */
	int open;            /* the dsp, block and stream below are live */
	vorbis_dsp_state vd;
	vorbis_block vb;
	ogg_stream_state os;
	unsigned char *page; /* header and body of one page, for one sink call */
};

static int vorbis_emit(struct vorbis_enc *v, const ogg_page *og, struct playout_error *err)
{
	size_t n = (size_t)og->header_len + (size_t)og->body_len;
	int rc;

	memcpy(v->page, og->header, (size_t)og->header_len);
	memcpy(v->page + og->header_len, og->body, (size_t)og->body_len);
	rc = v->sink(v->arg, v->page, n);
	return rc ? po_enc_sink_failed("vorbis", rc, err) : 0;
}

/* Every page libogg has ready; with flush, the partial last one too. */
static int vorbis_pages(struct vorbis_enc *v, int flush, struct playout_error *err)
{
	ogg_page og;
	int rc;

	for (;;) {
		if (!(flush ? ogg_stream_flush(&v->os, &og) : ogg_stream_pageout(&v->os, &og)))
			return 0;
		if (ogg_page_granulepos(&og) > 0)
			v->page_granule = ogg_page_granulepos(&og);
		rc = vorbis_emit(v, &og, err);
		if (rc)
			return rc;
	}
}

/* Analyse what libvorbis has buffered and page the packets it gives. */
static int vorbis_drain(struct vorbis_enc *v, struct playout_error *err)
{
	ogg_packet op;
	int rc;

	while (vorbis_analysis_blockout(&v->vd, &v->vb) == 1) {
		vorbis_analysis(&v->vb, NULL);
		vorbis_bitrate_addblock(&v->vb);
		while (vorbis_bitrate_flushpacket(&v->vd, &op) == 1) {
			ogg_stream_packetin(&v->os, &op);
			rc = vorbis_pages(v, op.granulepos - v->page_granule >= v->page_frames, err);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static void vorbis_close(struct vorbis_enc *v)
{
	if (!v->open)
		return;
	ogg_stream_clear(&v->os);
	vorbis_block_clear(&v->vb);
	vorbis_dsp_clear(&v->vd);
	v->open = 0;
}

/* The settings as libvorbisenc takes them: a quality, or a nominal bitrate
 * without hard limits (as oggenc -b: the bitrate manager's cost spared). */
static int vorbis_setup(struct vorbis_enc *v, const struct po_outfmt *f,
			struct playout_error *err)
{
	const char *ch = f->channels == 1 ? "mono" : "stereo";
	int kbps = f->bitrate_kbps;
	int rc;

	if (!kbps && f->quality >= -1.5) {
		rc = vorbis_encode_init_vbr(&v->vi, f->channels, f->samplerate,
					    (float)(f->quality / 10.0));
		if (rc)
			return playout_error_set(err, PLAYOUT_ECONFIG,
						 "vorbis: quality %g is not available at %d Hz %s",
						 f->quality, f->samplerate, ch);
		return 0;
	}
	if (!kbps)
		kbps = 128;
	rc = vorbis_encode_setup_managed(&v->vi, f->channels, f->samplerate, -1, kbps * 1000L,
					 -1);
	if (!rc)
		rc = vorbis_encode_ctl(&v->vi, OV_ECTL_RATEMANAGE2_SET, NULL);
	if (!rc)
		rc = vorbis_encode_setup_init(&v->vi);
	if (rc)
		return playout_error_set(err, PLAYOUT_ECONFIG,
					 "vorbis: %d kbps is not available at %d Hz %s (libvorbis "
					 "error %d; try another bitrate, or a quality)",
					 kbps, f->samplerate, ch, rc);
	return 0;
}

static void vorbis_destroy(void *st)
{
	struct vorbis_enc *v = st;

	if (!v)
		return;
	vorbis_close(v);
	vorbis_info_clear(&v->vi);
	free(v->page);
	free(v);
}

static void *vorbis_create(const struct po_outfmt *f, po_enc_sink sink, void *arg,
			   struct playout_error *err)
{
	struct vorbis_enc *v = calloc(1, sizeof(*v));

	if (!v || !(v->page = malloc(OGG_PAGE_MAX))) {
		free(v);
		playout_error_set(err, PLAYOUT_ENOMEM, "vorbis: out of memory");
		return NULL;
	}
	v->sink = sink;
	v->arg = arg;
	v->channels = f->channels;
	v->page_frames = (int64_t)f->samplerate * VORBIS_PAGE_MS / 1000;
	vorbis_info_init(&v->vi);
	if (vorbis_setup(v, f, err)) {
		vorbis_destroy(v);
		return NULL;
	}
	v->serial = po_enc_ogg_serial_seed(v);
	return v;
}

static int vorbis_begin(void *st, const char *title, const char *station,
			struct playout_error *err)
{
	struct vorbis_enc *v = st;
	vorbis_comment vc;
	ogg_packet id, comment, code;
	int rc;

	vorbis_close(v); /* an end that failed half-way */
	if (vorbis_analysis_init(&v->vd, &v->vi))
		return playout_error_set(err, PLAYOUT_ENOMEM, "vorbis: cannot start a stream");
	if (vorbis_block_init(&v->vd, &v->vb)) {
		vorbis_dsp_clear(&v->vd);
		return playout_error_set(err, PLAYOUT_ENOMEM, "vorbis: cannot start a stream");
	}
	v->serial++;
	ogg_stream_init(&v->os, (int)v->serial);
	v->open = 1;
	v->page_granule = 0;

	vorbis_comment_init(&vc);
	if (title)
		vorbis_comment_add_tag(&vc, "TITLE", title);
	if (station)
		vorbis_comment_add_tag(&vc, "ARTIST", station);
	vorbis_comment_add_tag(&vc, "ENCODER", "playout");
	rc = vorbis_analysis_headerout(&v->vd, &vc, &id, &comment, &code);
	if (!rc) {
		ogg_stream_packetin(&v->os, &id);
		ogg_stream_packetin(&v->os, &comment);
		ogg_stream_packetin(&v->os, &code);
	}
	vorbis_comment_clear(&vc);
	if (rc)
		return playout_error_set(err, PLAYOUT_EINVAL, "vorbis: no headers (error %d)", rc);
	/* the headers end their pages: audio starts on a page of its own */
	return vorbis_pages(v, 1, err);
}

static int vorbis_write(void *st, const float *pcm, size_t n, struct playout_error *err)
{
	struct vorbis_enc *v = st;
	int rc;

	while (n) {
		int chunk = n > VORBIS_CHUNK_FRAMES ? VORBIS_CHUNK_FRAMES : (int)n;
		float **buf = vorbis_analysis_buffer(&v->vd, chunk);

		for (int c = 0; c < v->channels; c++) {
			const float *in = pcm + c;
			float *out = buf[c];

			for (int i = 0; i < chunk; i++, in += v->channels)
				out[i] = *in;
		}
		vorbis_analysis_wrote(&v->vd, chunk);
		rc = vorbis_drain(v, err);
		if (rc)
			return rc;
		pcm += (size_t)chunk * (size_t)v->channels;
		n -= (size_t)chunk;
	}
	return 0;
}

static int vorbis_end(void *st, struct playout_error *err)
{
	struct vorbis_enc *v = st;
	int rc;

	if (!v->open)
		return 0;
	vorbis_analysis_wrote(&v->vd, 0); /* the last packet carries end of stream */
	rc = vorbis_drain(v, err);
	if (!rc)
		rc = vorbis_pages(v, 1, err);
	vorbis_close(v);
	return rc;
}

const struct po_enc_codec po_enc_vorbis = {
	.name = "vorbis",
	.create = vorbis_create,
	.begin = vorbis_begin,
	.write = vorbis_write,
	.end = vorbis_end,
	.destroy = vorbis_destroy,
};
