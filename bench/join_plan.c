/*
 * bench/join_plan: the planner's join of two files, in process: index both
 * (as the daemon does once per file) and plan the segment list with
 * po_mp3join_plan. Prints `name value unit` lines; medians over N runs.
 * usage: join_plan A.mp3 B.mp3 [N] [cut_ms]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mp3.h"
#include "mp3join.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 3 ? atoi(argv[3]) : 5;
	int64_t cut_ms = argc > 4 ? atoll(argv[4]) : 1800000;
	double ix_ms[100], plan_ms[100];
	struct playout_error err = { 0, "" };
	struct po_join_part parts[2];
	struct po_mp3_index *a = NULL, *b = NULL;

	if (argc < 3 || n < 1 || n > 100) {
		fprintf(stderr, "usage: join_plan A.mp3 B.mp3 [N (1..100)] [cut_ms]\n");
		return 2;
	}
	for (int i = 0; i < n; i++) {
		double t0 = now_ms();
		if (po_mp3_index_file(argv[1], &a, &err) < 0 || po_mp3_index_file(argv[2], &b, &err) < 0) {
			fprintf(stderr, "join_plan: %s\n", err.msg);
			return 1;
		}
		double t1 = now_ms();
		if (po_mp3join_plan(argv[1], a, argv[2], b, cut_ms, parts, &err) < 0) {
			fprintf(stderr, "join_plan: %s\n", err.msg);
			return 1;
		}
		double t2 = now_ms();
		ix_ms[i] = t1 - t0;
		plan_ms[i] = t2 - t1;
		if (i + 1 < n) {
			po_mp3_index_unref(a);
			po_mp3_index_unref(b);
		}
	}
	qsort(ix_ms, (size_t)n, sizeof ix_ms[0], cmp);
	qsort(plan_ms, (size_t)n, sizeof plan_ms[0], cmp);
	uint64_t frames = (uint64_t)parts[0].nframes + parts[1].nframes;
	printf("planned_join_index_both  %.2f ms\n", ix_ms[n / 2]);
	printf("planned_join_plan        %.4f ms\n", plan_ms[n / 2]);
	printf("planned_join_total       %.2f ms\n", ix_ms[n / 2] + plan_ms[n / 2]);
	printf("planned_join_frames      %llu frames\n", (unsigned long long)frames);
	printf("planned_join_duration    %.3f s\n",
	       (double)frames * a->samples_per_frame / a->sample_rate);
	printf("planned_join_cut_frame   %u frames\n", parts[0].nframes);
	po_mp3_index_unref(a);
	po_mp3_index_unref(b);
	return 0;
}
