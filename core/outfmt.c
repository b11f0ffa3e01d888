/*
 * The core's keys of an output group (outfmt.h).
 */
#include "outfmt.h"

#include <math.h>

static const char *const codec_names[] = { "passthrough", "mp3", "vorbis", "opus", NULL };

static const struct playout_setting outfmt_settings[] = {
	{ .name = "format", .type = PLAYOUT_SET_STRING, .choices = codec_names,
	  .def = "passthrough",
	  .help = "passthrough (the cached MP3 as it is), or re-encode to mp3, vorbis or opus" },
	{ .name = "bitrate", .type = PLAYOUT_SET_INT, .min = 6, .max = 512,
	  .help = "kbps of a re-encoding output (default: the codec's)" },
	{ .name = "quality", .type = PLAYOUT_SET_FLOAT, .min = -1, .max = 10,
	  .help = "quality instead of a bitrate: Vorbis -1..10, MP3 VBR 0 (best)..9" },
	{ .name = "samplerate", .type = PLAYOUT_SET_INT, .min = 8000, .max = 48000,
	  .help = "Hz of a re-encoding output (default 44100; Opus 48000)" },
	{ .name = "channels", .type = PLAYOUT_SET_INT, .min = 1, .max = 2, .def = "2",
	  .help = "1 or 2, of a re-encoding output" },
	{ .name = "fade_out_s", .type = PLAYOUT_SET_FLOAT, .min = 0, .max = 30, .def = "3",
	  .help = "seconds faded out before a cap or a cut (re-encoding outputs)" },
	{ .name = "fade_in_s", .type = PLAYOUT_SET_FLOAT, .min = 0, .max = 30, .def = "0",
	  .help = "seconds faded in at each item's start (re-encoding outputs)" },
	{ .name = "loudness_target", .type = PLAYOUT_SET_FLOAT, .min = -40, .max = -5,
	  .help = "LUFS each item is brought to (off when absent)" },
	{ .name = "true_peak_ceiling", .type = PLAYOUT_SET_FLOAT, .min = -9, .max = 0,
	  .def = "-1", .help = "dBTP the loudness gain never pushes the true peak above" },
	{ 0 },
};

const struct playout_setting *po_outfmt_settings(void)
{
	return outfmt_settings;
}

const char *po_codec_name(int codec)
{
	return codec >= 0 && codec <= PO_CODEC_OPUS ? codec_names[codec] : "?";
}

static double num(const config_setting_t *g, const char *key, double def)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (!s)
		return def;
	return config_setting_type(s) == CONFIG_TYPE_FLOAT ? config_setting_get_float(s)
							    : (double)config_setting_get_int64(s);
}

void po_outfmt_read(const config_setting_t *group, struct po_outfmt *f)
{
	const char *name = NULL;

	*f = (struct po_outfmt){ .codec = PO_CODEC_PASSTHROUGH };
	if (config_setting_lookup_string(group, "format", &name))
		for (int i = 0; codec_names[i]; i++)
			if (!strcmp(name, codec_names[i]))
				f->codec = i;
	f->bitrate_kbps = (int)num(group, "bitrate", 0);
	f->quality = num(group, "quality", -2);
	f->samplerate = (int)num(group, "samplerate", 0);
	f->channels = (int)num(group, "channels", 2);
	f->fade_out_ms = (int)lround(num(group, "fade_out_s", 3) * 1000);
	f->fade_in_ms = (int)lround(num(group, "fade_in_s", 0) * 1000);
	f->loudness_on = config_setting_get_member(group, "loudness_target") != NULL;
	f->loudness_target = num(group, "loudness_target", -16);
	f->true_peak_ceiling = num(group, "true_peak_ceiling", -1);
}
