/*
 * bench/plan: the cost of planning with a large archive. A catalogue of N
 * dated files (one every 30 minutes, going back years, as a bucket that
 * keeps every edition has), a schedule for the horizon, and the daemon's
 * planning pass (po_refresh: cache walk, plan, rundown kept in the state,
 * eviction) timed over repeated rounds, as after every download, probe or
 * answer. The listing's own costs, paid once per listing on the storage
 * thread, are timed too: parsing and sorting, and bringing the stored
 * listing up to date (all rows the first time, none when nothing changed,
 * one when one file arrived).
 * The newest K files of the listing (default 48: the window's) are in the
 * cache as small MP3s of silent frames, so each round also meets the
 * media stage's work on cached files (indexes, verdicts).
 * Prints `name value unit` lines. usage: plan [N files] [rounds] [K cached]
 */
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "diag.h"
#include "refresh.h"
#include "runtime.h"
#include "timeutil.h"
#include "worker.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time of this thread: the round's own cost, whatever else the
 * machine runs (wall time on a shared machine says more about the others). */
static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(path);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return v[n / 2];
}

/* N files named for every half hour back from the end of the horizon. */
static void make_listing(struct playout_assets *as, size_t n, int64_t last_ms)
{
	for (size_t i = 0; i < n; i++) {
		struct playout_asset a;
		time_t t = (time_t)((last_ms - (int64_t)i * 1800000) / 1000);
		struct tm tm;
		memset(&a, 0, sizeof a);
		gmtime_r(&t, &tm);
		snprintf(a.name, sizeof a.name, "%04d%02d%02d_%02d%02d_show%zu.mp3", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, i % 40);
		a.size = 57600000;
		a.mtime_ms = last_ms - (int64_t)i * 1800000 - 86400000;
		playout_assets_push(as, &a);
	}
}

/* The first k assets of as (the newest) into the cache as MPEG-1 layer III
 * streams of 1000 empty 417-byte frames (26 s), with the listing's mtime
 * and, in the listing, the size written. Returns how many were written. */
static size_t make_cached(const char *cache_dir, struct playout_assets *as, size_t k)
{
	static unsigned char frame[417] = { 0xff, 0xfb, 0x90, 0x04 };
	size_t made = 0;
	for (size_t i = 0; i < k && i < as->n; i++) {
		char path[4200];
		snprintf(path, sizeof path, "%s/%s", cache_dir, as->v[i].name);
		FILE *f = fopen(path, "wb");
		if (!f)
			break;
		for (int j = 0; j < 1000; j++)
			fwrite(frame, 1, sizeof frame, f);
		if (fclose(f) != 0)
			break;
		struct timespec t[2] = { { 0, UTIME_OMIT },
					 { (time_t)(as->v[i].mtime_ms / 1000),
					   (long)(as->v[i].mtime_ms % 1000) * 1000000 } };
		utimensat(AT_FDCWD, path, t, 0);
		as->v[i].size = 1000 * (int64_t)sizeof frame;
		made++;
	}
	return made;
}

int main(int argc, char **argv)
{
	size_t nfiles = argc > 1 ? (size_t)atol(argv[1]) : 100000;
	int rounds = argc > 2 ? atoi(argv[2]) : 21;
	size_t ncached = argc > 3 ? (size_t)atol(argv[3]) : 48;
	char dir[] = "/tmp/po-bench-plan-XXXXXX", path[4200];
	double t0, *v;
	if (rounds < 1 || rounds > 1000 || !mkdtemp(dir))
		return 2;
	v = calloc((size_t)rounds, sizeof *v);
	double *cpu = calloc((size_t)rounds, sizeof *cpu);

	/* A schedule of half-hour slots for 36 h, every slot named like its file. */
	int64_t now = (time(NULL) / 1800) * 1800 * 1000LL;
	snprintf(path, sizeof path, "%s/schedule.csv", dir);
	FILE *f = fopen(path, "w");
	for (int i = -2; i < 72; i++) {
		char a[40], b[40];
		po_iso8601_utc(now + (int64_t)i * 1800000, a, sizeof a);
		po_iso8601_utc(now + (int64_t)(i + 1) * 1800000, b, sizeof b);
		fprintf(f, "\"%s\",\"%s\",\"show%d\",\"\",\"Show\"\n", a, b, i % 7 == 3 ? 99 : i % 40);
	}
	fclose(f);
	snprintf(path, sizeof path, "%s/playout.conf", dir);
	f = fopen(path, "w");
	fprintf(f, "station = \"bench\"; timezone = \"UTC\";\n"
		   "state = \"%s/state.db\"; cache = \"%s/cache\";\n"
		   "schedule = ( { plugin = \"csv\"; path = \"%s/schedule.csv\"; } );\n"
		   "storage = { plugin = \"localdisk\"; path = \"%s\"; };\n"
		   "outputs = ( { plugin = \"file\"; path = \"%s/out.mp3\"; } );\n"
		   /* the cached files are short: plan them all the same */
		   "probe = { min_fill_percent = 0; };\n",
		dir, dir, dir, dir, dir);
	fclose(f);

	struct po_runtime rt;
	struct po_diag d;
	struct playout_error e = {0};
	po_diag_init(&d);
	if (po_runtime_open(&rt, path, PO_RT_STATE_DAEMON, 0, &d, &e) < 0) {
		fprintf(stderr, "plan: %s\n", e.msg);
		po_diag_log(&d, "config");
		return 1;
	}
	struct po_plan_inputs in = {0};
	int64_t from = now - (int64_t)rt.conf.lookback_h * 3600000;
	int64_t to = now + (int64_t)rt.conf.horizon_h * 3600000;
	po_gather_inputs(&rt, NULL, from, to, NULL, &in);

	make_listing(&in.cat, nfiles, to);
	ncached = make_cached(rt.conf.cache_dir, &in.cat, ncached);
	struct playout_assets again = {0};
	for (size_t i = 0; i < in.cat.n; i++)
		playout_assets_push(&again, &in.cat.v[i]);
	t0 = now_ms();
	po_catalog_prepare(&in.cat, NULL);
	printf("files %zu\n", in.cat.n);
	printf("files_cached %zu (1000 frames each)\n", ncached);
	printf("listing_parse_sort_first %.1f ms\n", now_ms() - t0);
	t0 = now_ms();
	po_catalog_prepare(&again, &in.cat);
	printf("listing_parse_sort_next %.1f ms (names known from the last listing)\n", now_ms() - t0);
	free(again.v);

	size_t written = 0;
	t0 = now_ms();
	po_state_sync_assets(rt.state, NULL, 0, in.cat.v, in.cat.n, &written);
	printf("listing_store_first %.1f ms (%zu rows)\n", now_ms() - t0, written);
	t0 = now_ms();
	po_state_sync_assets(rt.state, in.cat.v, in.cat.n, in.cat.v, in.cat.n, &written);
	printf("listing_store_unchanged %.2f ms (%zu rows)\n", now_ms() - t0, written);
	struct playout_assets one = {0};
	for (size_t i = 0; i < in.cat.n; i++)
		playout_assets_push(&one, &in.cat.v[i]);
	one.v[one.n / 2].size++;
	t0 = now_ms();
	po_state_sync_assets(rt.state, in.cat.v, in.cat.n, one.v, one.n, &written);
	printf("listing_store_one_changed %.2f ms (%zu rows)\n", now_ms() - t0, written);
	free(one.v);

	/* The daemon queues downloads on its worker; this one has no storage
	 * ops, so nothing is downloaded and the queueing still costs what it
	 * costs. */
	struct po_worker *w = NULL;
	struct po_worker_conf wc = {.cache_dir = rt.conf.cache_dir, .state = rt.state, .downloads = 1};
	if (po_worker_start(&wc, &w, &e) < 0) {
		fprintf(stderr, "plan: %s\n", e.msg);
		return 1;
	}
	struct po_refresh_opts o = {.from_ms = from, .to_ms = to, .write_state = 1, .fetch = 1,
				    .worker = w};
	/* Steady state: plan until the worker has probed every cached file
	 * (silent for 3 s), then time the rounds. */
	int warmup = 0;
	for (; warmup < 120; warmup++) {
		struct po_rundown rd;
		struct pollfd pfd = {.fd = po_worker_fd(w), .events = POLLIN};
		if (po_refresh(&rt, &o, &in, &rd, &e) < 0) {
			fprintf(stderr, "plan: %s\n", e.msg);
			return 1;
		}
		po_rundown_free(&rd);
		if (poll(&pfd, 1, 3000) == 0)
			break;
		po_worker_collect(w);
	}
	printf("warmup_rounds %d (until every cached file was probed)\n", warmup + 1);
	size_t items = 0;
	for (int r = 0; r < rounds; r++) {
		struct po_rundown rd;
		double c0 = cpu_ms();
		t0 = now_ms();
		if (po_refresh(&rt, &o, &in, &rd, &e) < 0) {
			fprintf(stderr, "plan: %s\n", e.msg);
			return 1;
		}
		v[r] = now_ms() - t0;
		cpu[r] = cpu_ms() - c0;
		items = rd.n;
		po_rundown_free(&rd);
	}
	printf("rundown_items %zu\n", items);
	printf("plan_round_median %.1f ms (N=%d; target under 100 ms)\n", median(v, rounds), rounds);
	printf("plan_round_max %.1f ms\n", v[rounds - 1]);
	printf("plan_round_cpu_median %.2f ms (this thread's CPU time)\n", median(cpu, rounds));
	printf("plan_round_cpu_max %.2f ms\n", cpu[rounds - 1]);

	po_worker_stop(w);
	po_plan_inputs_free(&in);
	po_runtime_close(&rt);
	po_diag_free(&d);
	free(v);
	free(cpu);
	nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}
