/*
 * bench/enc: how much CPU each re-encoding codec costs, in CPU seconds per
 * minute of audio (and so the share of one core it takes on air), over a
 * minute of music-like signal (three tones and noise), encoded N times;
 * and the heap one encoder holds in the middle of an item.
 *
 * usage: bench/enc [N]   (default 5)
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>

#include "enc.h"

struct cfg {
	const char *name;
	struct po_outfmt f;
};

static int count_sink(void *arg, const uint8_t *buf, size_t len)
{
	(void)buf;
	*(size_t *)arg += len;
	return 0;
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A minute at rate, stereo or mono: tones at 220, 1375 and 5100 Hz moving
 * in level, and white noise 30 dB down. */
static float *signal(int rate, int channels, size_t frames)
{
	float *pcm = malloc(frames * (size_t)channels * sizeof(*pcm));
	unsigned s = 12345;

	for (size_t i = 0; pcm && i < frames; i++) {
		double t = (double)i / rate;
		double lfo = 0.5 + 0.5 * sin(2 * M_PI * 0.3 * t);
		double x = 0.3 * sin(2 * M_PI * 220 * t) + 0.15 * lfo * sin(2 * M_PI * 1375 * t) +
			   0.05 * (1 - lfo) * sin(2 * M_PI * 5100 * t);

		for (int c = 0; c < channels; c++) {
			s = s * 1103515245u + 12345u;
			pcm[i * (size_t)channels + (size_t)c] =
				(float)(x + 0.03 * ((double)(s >> 8) / 8388608.0 - 1.0));
		}
	}
	return pcm;
}

int main(int argc, char **argv)
{
	const struct cfg cfgs[] = {
		{ "vorbis_128k_44100_stereo",
		  { .codec = PO_CODEC_VORBIS, .bitrate_kbps = 128, .quality = -2,
		    .samplerate = 44100, .channels = 2 } },
		{ "vorbis_q4_44100_stereo",
		  { .codec = PO_CODEC_VORBIS, .quality = 4, .samplerate = 44100, .channels = 2 } },
		{ "opus_96k_48000_stereo",
		  { .codec = PO_CODEC_OPUS, .bitrate_kbps = 96, .quality = -2, .samplerate = 48000,
		    .channels = 2 } },
		{ "opus_96k_44100_stereo",
		  { .codec = PO_CODEC_OPUS, .bitrate_kbps = 96, .quality = -2, .samplerate = 44100,
		    .channels = 2 } },
		{ "mp3_128k_44100_stereo",
		  { .codec = PO_CODEC_MP3, .bitrate_kbps = 128, .quality = -2, .samplerate = 44100,
		    .channels = 2 } },
		{ "mp3_v2_44100_stereo",
		  { .codec = PO_CODEC_MP3, .quality = 2, .samplerate = 44100, .channels = 2 } },
	};
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	struct utsname u;
	struct rusage ru;

	if (runs < 1 || runs > 100) {
		fprintf(stderr, "usage: bench/enc [N 1..100]\n");
		return 2;
	}
	uname(&u);
	printf("# bench_enc  audio=60s per run  runs=%d  host=%s  cc=%s\n", runs, u.nodename,
	       __VERSION__);
	for (size_t k = 0; k < sizeof(cfgs) / sizeof(*cfgs); k++) {
		const struct po_outfmt *f = &cfgs[k].f;
		size_t frames = (size_t)f->samplerate * 60, bytes = 0;
		float *pcm = signal(f->samplerate, f->channels, frames);
		double t[100];
		size_t heap = 0;

		for (int r = 0; r < runs; r++) {
			struct playout_error err = { 0 };
			struct po_enc *e;
			double t0 = cpu_s();
			size_t heap0 = mallinfo2().uordblks;

			bytes = 0;
			e = po_enc_new(f, count_sink, &bytes, &err);
			if (!e) {
				fprintf(stderr, "%s: %s\n", cfgs[k].name, err.msg);
				return 1;
			}
			/* 20 ms pieces, as a player would feed it */
			for (size_t at = 0; at < frames; at += (size_t)f->samplerate / 50) {
				size_t n = (size_t)f->samplerate / 50;

				if (n > frames - at)
					n = frames - at;
				if (po_enc_write(e, pcm + at * (size_t)f->channels, n, &err)) {
					fprintf(stderr, "%s: %s\n", cfgs[k].name, err.msg);
					return 1;
				}
				if (at == frames / 2)
					heap = mallinfo2().uordblks - heap0;
			}
			po_enc_end(e, &err);
			po_enc_free(e);
			t[r] = cpu_s() - t0;
		}
		qsort(t, (size_t)runs, sizeof(*t), cmp);
		printf("%-26s %6.3f cpu_s_per_audio_min (median; max %.3f)  %5.2f %%core  %6.1f kbps"
		       "  %5.2f MiB_heap\n",
		       cfgs[k].name, t[runs / 2], t[runs - 1], t[runs / 2] / 60 * 100,
		       (double)bytes * 8 / 60 / 1000, heap / 1048576.0);
		free(pcm);
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("rss_max %.1f MiB\n", ru.ru_maxrss / 1024.0);
	return 0;
}
