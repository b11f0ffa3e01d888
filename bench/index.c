/*
 * Benchmark of the audio engine: index time and full probe (decode +
 * loudness + silence) time of a 60-minute 128 kbps file, generated once with
 * lame from a tone with noise and cached in /tmp. Prints "name value unit"
 * lines (doc/design.md §10). usage: bench/index [N] (default 20 index runs,
 * 3 probe runs).
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mp3.h"
#include "probe.h"

#define FILE_PATH "/tmp/po-bench-60min-128k.mp3"
#define SECONDS 3600
#define RATE 44100

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* lame reads raw 16-bit mono from a pipe we feed. */
static int make_file(void)
{
	struct stat sb;
	if (stat(FILE_PATH, &sb) == 0 && sb.st_size > 50000000)
		return 0;
	int fds[2];
	if (pipe(fds) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[0], 0);
		close(fds[0]);
		close(fds[1]);
		execlp("lame", "lame", "--quiet", "-r", "-s", "44.1", "-m", "m", "-b", "128", "-",
		       FILE_PATH ".part", (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	int16_t buf[4410];
	unsigned seed = 1;
	for (long s = 0; s < (long)SECONDS * RATE; s += 4410) {
		for (int i = 0; i < 4410; i++) {
			seed = seed * 1103515245u + 12345u;
			double n = ((seed >> 16) & 0x7fff) / 32768.0 - 0.5;
			buf[i] = (int16_t)(6000 * sin(2 * M_PI * 440.0 * (double)(s + i) / RATE) + 2000 * n);
		}
		if (write(fds[1], buf, sizeof buf) != (ssize_t)sizeof buf)
			break;
	}
	close(fds[1]);
	int st = 0;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return rename(FILE_PATH ".part", FILE_PATH);
}

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *name, double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	int p99 = (int)ceil(0.99 * n) - 1;
	printf("%s_median %.1f ms\n", name, v[n / 2]);
	printf("%s_p99 %.1f ms\n", name, v[p99 < 0 ? 0 : p99]);
	printf("%s_runs %d count\n", name, n);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20;
	if (n < 1)
		n = 1;
	int np = n < 3 ? n : 3;
	if (make_file() < 0) {
		fprintf(stderr, "bench: cannot make %s with lame\n", FILE_PATH);
		return 1;
	}
	double *t = calloc((size_t)n, sizeof *t), *c = calloc((size_t)n, sizeof *c);
	struct playout_error err = {0};
	uint32_t frames = 0;
	for (int i = 0; i < n; i++) {
		struct po_mp3_index *ix = NULL;
		double t0 = now_ms(), c0 = cpu_ms();
		if (po_mp3_index_file(FILE_PATH, &ix, &err) < 0) {
			fprintf(stderr, "bench: %s\n", err.msg);
			free(t);
			free(c);
			return 1;
		}
		t[i] = now_ms() - t0;
		c[i] = cpu_ms() - c0;
		frames = ix->nframes;
		po_mp3_index_unref(ix);
	}
	printf("index_frames %u count\n", frames);
	report("index_60min_128k_wall", t, n);
	report("index_60min_128k_cpu", c, n);
	struct po_probe_opts o = { .silence_threshold_db = -50, .silence_max_s = 10 };
	for (int i = 0; i < np; i++) {
		struct po_probe p;
		double t0 = now_ms(), c0 = cpu_ms();
		if (po_probe_file(FILE_PATH, &o, &p, &err) < 0) {
			fprintf(stderr, "bench: %s\n", err.msg);
			free(t);
			free(c);
			return 1;
		}
		t[i] = now_ms() - t0;
		c[i] = cpu_ms() - c0;
	}
	report("probe_60min_128k_wall", t, np);
	report("probe_60min_128k_cpu", c, np);
	free(t);
	free(c);
	return 0;
}
