/*
 * bench/spawn: how long a program takes to start and exit. Runs argv N
 * times with posix_spawn (stdout and stderr to /dev/null) and prints the
 * median and p99 of the wall time and of the CPU time (user + system, from
 * wait4) of each run. Not a shell loop: fork+exec of a shell would be
 * measured too, and it costs as much as the programs we measure.
 * usage: bench/spawn NAME N PROGRAM [ARG...]
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The value at fraction q of the sorted v[0..n-1] (nearest rank). */
static double rank(double *v, int n, double q)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	int i = (int)(q * n + 0.999999) - 1;
	return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

static double tv_ms(struct timeval t)
{
	return t.tv_sec * 1e3 + t.tv_usec / 1e3;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s NAME N PROGRAM [ARG...]\n", argv[0]);
		return 2;
	}
	const char *name = argv[1];
	int n = atoi(argv[2]);
	if (n < 1)
		n = 1;
	double *wall = calloc((size_t)n, sizeof *wall), *cpu = calloc((size_t)n, sizeof *cpu);
	if (!wall || !cpu)
		return 1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	int failed = 0;
	for (int i = 0; i < n; i++) {
		struct timespec t0, t1;
		struct rusage ru;
		pid_t pid;
		int status;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (posix_spawnp(&pid, argv[3], &fa, NULL, argv + 3, environ) != 0) {
			perror(argv[3]);
			return 1;
		}
		if (wait4(pid, &status, 0, &ru) != pid)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
		wall[i] = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
		cpu[i] = tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime);
	}
	posix_spawn_file_actions_destroy(&fa);
	printf("%-34s %8.2f ms wall p50  %8.2f p99  %8.2f ms cpu p50  n=%d%s\n", name,
	       rank(wall, n, 0.5), rank(wall, n, 0.99), rank(cpu, n, 0.5), n,
	       failed ? "  (some runs exited non-zero)" : "");
	free(wall);
	free(cpu);
	return 0;
}
