/*
 * playoutctl join A.mp3 B.mp3 OUT.mp3 [--at MM:SS]: cut A at --at (30:00 by
 * default, frame-accurate) and append B into OUT, with a fresh Info header.
 * The config is not needed: this works on files only.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "mp3.h"
#include "mp3join.h"

#define DEFAULT_AT_MS (30 * 60 * 1000LL)

static void join_usage(void)
{
	fprintf(stderr, "usage: playoutctl join A.mp3 B.mp3 OUT.mp3 [--at MM:SS]\n"
			"  cut A at --at (default 30:00) and append B, without re-encoding\n");
}

static void fmt_dur(int64_t ms, char *buf, size_t n)
{
	snprintf(buf, n, "%lld:%02lld.%03lld", (long long)(ms / 60000),
		 (long long)(ms / 1000 % 60), (long long)(ms % 1000));
}

int po_ctl_join(const char *conf_path, int argc, char **argv)
{
	const char *files[3];
	int nfiles = 0, status = 1;
	int64_t at_ms = DEFAULT_AT_MS;
	struct po_mp3_index *a = NULL, *b = NULL;
	struct playout_error err = { 0, "" };

	(void)conf_path;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--at") == 0 && i + 1 < argc) {
			if (po_mp3join_parse_time(argv[++i], &at_ms) < 0) {
				fprintf(stderr, "playoutctl join: --at %s: expected MM:SS (or seconds)\n",
					argv[i]);
				return 2;
			}
		} else if (strncmp(argv[i], "--at=", 5) == 0) {
			if (po_mp3join_parse_time(argv[i] + 5, &at_ms) < 0) {
				fprintf(stderr, "playoutctl join: %s: expected MM:SS (or seconds)\n",
					argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			join_usage();
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "playoutctl join: unknown option %s\n", argv[i]);
			join_usage();
			return 2;
		} else if (nfiles < 3) {
			files[nfiles++] = argv[i];
		} else {
			join_usage();
			return 2;
		}
	}
	if (nfiles != 3) {
		join_usage();
		return 2;
	}

	struct po_join_part parts[2];
	struct po_join_result res;
	if (po_mp3_index_file(files[0], &a, &err) < 0 || po_mp3_index_file(files[1], &b, &err) < 0 ||
	    po_mp3join_plan(files[0], a, files[1], b, at_ms, parts, &err) < 0 ||
	    po_mp3join_render(parts, 2, files[2], &res, &err) < 0) {
		fprintf(stderr, "playoutctl join: %s\n", err.msg);
		goto out;
	}
	char d[32], cut[32];
	fmt_dur(res.duration_ms, d, sizeof d);
	fmt_dur((int64_t)parts[0].nframes * a->samples_per_frame * 1000 / a->sample_rate, cut,
		sizeof cut);
	printf("%s: %u frames, %s (%lld ms), %lld bytes, %s header\n", files[2], res.nframes, d,
	       (long long)res.duration_ms, (long long)res.bytes, res.vbr ? "Xing" : "Info");
	printf("  %s: frames 0..%u of %u (cut at %s)\n", files[0],
	       parts[0].nframes ? parts[0].nframes - 1 : 0, a->nframes, cut);
	printf("  %s: frames 0..%u of %u\n", files[1], b->nframes ? b->nframes - 1 : 0,
	       b->nframes);
	status = 0;
out:
	po_mp3_index_unref(a);
	po_mp3_index_unref(b);
	return status;
}
