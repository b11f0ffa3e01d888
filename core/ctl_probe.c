/*
 * playoutctl probe FILE [--json]: the frame index and the probe of one file,
 * for people (text) or scripts (JSON, snake_case keys). Exit 1 when the
 * file has no playable audio, 2 for a usage error. Reads no state.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "json.h"
#include "mp3.h"
#include "probe.h"

static const char *version_name(int v)
{
	return v == 10 ? "MPEG-1" : v == 20 ? "MPEG-2" : "MPEG-2.5";
}

/* Probe options from the config when it can be read, else the defaults. */
static void load_opts(const char *conf_path, struct po_probe_opts *o)
{
	struct po_config c;
	struct po_diag d;
	*o = (struct po_probe_opts){.silence_threshold_db = -50, .silence_max_s = 10};
	if (!conf_path || access(conf_path, R_OK) != 0)
		return;
	po_diag_init(&d);
	if (po_config_load(&c, conf_path, &d) == PLAYOUT_OK) {
		o->silence_threshold_db = c.probe_silence_threshold_db;
		o->silence_max_s = c.probe_silence_max_s;
	} else {
		fprintf(stderr, "playoutctl: %s does not load; probing with the default limits\n",
			conf_path);
	}
	po_config_free(&c);
	po_diag_free(&d);
}

static void json_num(FILE *f, const char *key, double v)
{
	if (isfinite(v))
		fprintf(f, ", \"%s\": %.1f", key, v);
	else
		fprintf(f, ", \"%s\": null", key);
}

static void print_json(const char *path, const struct po_mp3_index *ix, const char *ix_err,
		       const struct po_probe *p, int probed)
{
	FILE *f = stdout;
	fputc('{', f);
	po_json_kv_str(f, 1, "file", path);
	po_json_kv_int(f, 0, "playable", ix && probed && !(p->flags & PLAYOUT_ASSET_NO_AUDIO));
	if (!ix) {
		po_json_kv_str(f, 0, "error", ix_err);
		fputs("}\n", f);
		return;
	}
	po_json_kv_int(f, 0, "frames", ix->nframes);
	po_json_kv_int(f, 0, "duration_ms", ix->duration_ms);
	po_json_kv_int(f, 0, "gapless_duration_ms", ix->gapless_ms);
	po_json_kv_str(f, 0, "mpeg_version", version_name(ix->version));
	po_json_kv_int(f, 0, "layer", ix->layer);
	po_json_kv_int(f, 0, "sample_rate", ix->sample_rate);
	po_json_kv_int(f, 0, "channels", ix->channels);
	po_json_kv_int(f, 0, "bitrate_kbps", ix->bitrate_kbps);
	po_json_kv_int(f, 0, "vbr", ix->bitrate_kbps == 0);
	po_json_kv_str(f, 0, "header", po_mp3_header_name(ix->header_kind));
	po_json_kv_str(f, 0, "encoder", ix->encoder);
	po_json_kv_int(f, 0, "encoder_delay", ix->enc_delay);
	po_json_kv_int(f, 0, "encoder_padding", ix->enc_padding);
	fprintf(f, ", \"tags\": {");
	po_json_kv_int(f, 1, "id3v2_bytes", ix->id3v2_bytes);
	po_json_kv_int(f, 0, "id3v1_bytes", ix->id3v1_bytes);
	po_json_kv_int(f, 0, "ape_bytes", ix->ape_bytes);
	fprintf(f, "}, \"damaged\": [");
	for (uint32_t i = 0; i < ix->ndamaged; i++) {
		fprintf(f, "%s{", i ? ", " : "");
		po_json_kv_int(f, 1, "offset", ix->damaged[i].offset);
		po_json_kv_int(f, 0, "length", ix->damaged[i].len);
		fputc('}', f);
	}
	fputc(']', f);
	if (probed) {
		fprintf(f, ", \"loudness\": {\"decoded_ms\": %lld", (long long)p->decoded_ms);
		json_num(f, "integrated_lufs", p->integrated_lufs);
		json_num(f, "range_lu", p->range_lu);
		json_num(f, "true_peak_dbtp", p->true_peak_dbtp);
		fprintf(f, "}, \"silence\": {");
		po_json_kv_int(f, 1, "leading_ms", p->leading_silence_ms);
		po_json_kv_int(f, 0, "trailing_ms", p->trailing_silence_ms);
		po_json_kv_int(f, 0, "long_runs", (int64_t)p->nsilences_total);
		fprintf(f, ", \"runs\": [");
		for (size_t i = 0; i < p->nsilences; i++) {
			fprintf(f, "%s{", i ? ", " : "");
			po_json_kv_int(f, 1, "start_ms", p->silences[i].start_ms);
			po_json_kv_int(f, 0, "length_ms", p->silences[i].len_ms);
			fputc('}', f);
		}
		fprintf(f, "]}");
		po_json_kv_int(f, 0, "silent", (p->flags & PLAYOUT_ASSET_SILENT) != 0);
		po_json_kv_str(f, 0, "why", p->why);
	}
	fputs("}\n", f);
}

static void print_text(const char *path, const struct po_mp3_index *ix, const struct po_probe *p,
		       int probed)
{
	printf("file        %s\n", path);
	printf("frames      %u\n", ix->nframes);
	printf("duration    %lld ms (gapless %lld ms)\n", (long long)ix->duration_ms,
	       (long long)ix->gapless_ms);
	printf("format      %s layer %d, %d Hz, %s, ", version_name(ix->version), ix->layer,
	       ix->sample_rate, ix->channels == 1 ? "mono" : "stereo");
	if (ix->bitrate_kbps)
		printf("%d kbps CBR\n", ix->bitrate_kbps);
	else
		printf("VBR\n");
	printf("header      %s%s%s\n", po_mp3_header_name(ix->header_kind),
	       ix->encoder[0] ? ", encoder " : "", ix->encoder);
	if (ix->enc_delay >= 0)
		printf("gapless     delay %d, padding %d samples\n", ix->enc_delay, ix->enc_padding);
	else
		printf("gapless     delay and padding unknown\n");
	printf("tags        ID3v2 %u bytes, ID3v1 %u bytes, APE %u bytes\n", ix->id3v2_bytes,
	       ix->id3v1_bytes, ix->ape_bytes);
	printf("damaged     %u region%s\n", ix->ndamaged, ix->ndamaged == 1 ? "" : "s");
	for (uint32_t i = 0; i < ix->ndamaged; i++)
		printf("            %u bytes at byte %u\n", ix->damaged[i].len, ix->damaged[i].offset);
	if (!probed)
		return;
	printf("loudness    I %.1f LUFS, LRA %.1f LU, true peak %.1f dBTP (%lld ms decoded)\n",
	       p->integrated_lufs, p->range_lu, p->true_peak_dbtp, (long long)p->decoded_ms);
	printf("silence     leading %lld ms, trailing %lld ms, %zu long run%s\n",
	       (long long)p->leading_silence_ms, (long long)p->trailing_silence_ms,
	       p->nsilences_total, p->nsilences_total == 1 ? "" : "s");
	for (size_t i = 0; i < p->nsilences; i++)
		printf("            %lld ms at %lld ms\n", (long long)p->silences[i].len_ms,
		       (long long)p->silences[i].start_ms);
	if (p->flags)
		printf("verdict     %s %s\n", path, p->why);
}

int po_ctl_probe(const char *conf_path, int argc, char **argv)
{
	const char *path = NULL;
	int json = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (!path && argv[i][0] != '-')
			path = argv[i];
		else {
			fprintf(stderr, "playoutctl probe: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!path) {
		fprintf(stderr, "usage: playoutctl probe FILE.mp3 [--json]\n");
		return 2;
	}
	struct po_probe_opts o;
	load_opts(conf_path, &o);

	struct po_mp3_index *ix = NULL;
	struct po_probe p;
	struct playout_error e = {0}, pe = {0};
	int probed = 0;
	memset(&p, 0, sizeof p);
	if (po_mp3_index_file(path, &ix, &e) == PLAYOUT_OK) {
		int rc = po_probe_file(path, &o, &p, &pe);
		probed = rc == PLAYOUT_OK || (p.flags & PLAYOUT_ASSET_NO_AUDIO);
	}
	if (json)
		print_json(path, ix, e.msg, &p, probed);
	else if (ix)
		print_text(path, ix, &p, probed);
	int status = 0;
	if (!ix) {
		fprintf(stderr, "playoutctl probe: %s\n", e.msg);
		status = 1;
	} else if (!probed) {
		fprintf(stderr, "playoutctl probe: %s\n", pe.msg);
		status = 1;
	} else if (p.flags & PLAYOUT_ASSET_NO_AUDIO) {
		fprintf(stderr, "playoutctl probe: %s %s\n", path, p.why);
		status = 1;
	}
	po_mp3_index_unref(ix);
	return status;
}
