/*
 * What an output group asks of the core besides its plugin's own keys: the
 * stream format (MP3 passthrough, or PCM re-encoded to MP3, Vorbis or Opus),
 * the encoder's settings, fades at cuts and caps, and loudness
 * normalisation. The core validates these keys with the plugin's (config.c)
 * and reads them here once the group is valid.
 */
#ifndef PO_OUTFMT_H
#define PO_OUTFMT_H

#include <libconfig.h>

#include <playout/plugin.h>

enum po_codec {
	PO_CODEC_PASSTHROUGH = 0, /* the cached MP3 frames as they are */
	PO_CODEC_MP3,             /* decoded and re-encoded (libmp3lame) */
	PO_CODEC_VORBIS,          /* Ogg Vorbis (libvorbisenc) */
	PO_CODEC_OPUS,            /* Ogg Opus (libopusenc) */
};

struct po_outfmt {
	int codec;               /* enum po_codec; key "format", default passthrough */
	int bitrate_kbps;        /* key "bitrate"; 0: the codec's default or quality */
	double quality;          /* key "quality" (Vorbis -1..10, MP3 VBR 0..9);
	                            < -1.5: not set */
	int samplerate;          /* key "samplerate"; 0: the codec's default
	                            (44100, Opus 48000) */
	int channels;            /* key "channels", 1 or 2; default 2 */
	int fade_out_ms;         /* key "fade_out_s", default 3: before a cap or
	                            a cut, never at a natural end */
	int fade_in_ms;          /* key "fade_in_s", default 0 */
	int loudness_on;         /* key "loudness_target" given */
	double loudness_target;  /* LUFS, -40..-5 */
	double true_peak_ceiling;/* key "true_peak_ceiling", dBTP, default -1 */
};

/* The keys above as a settings table (ends with a NULL name), for config.c
 * to validate output groups with. */
const struct playout_setting *po_outfmt_settings(void);

/* Read a validated output group (config.c has added the defaults). */
void po_outfmt_read(const config_setting_t *group, struct po_outfmt *f);

/* "passthrough", "mp3", "vorbis", "opus". */
const char *po_codec_name(int codec);

#endif
