/*
 * Tests for core/worker.c: downloads in air-time order, each once; several
 * at once; a failed download waits before it may be queued again; a probe
 * is kept in a real state file. The storage is a small stand-in plugin (the
 * ops table every storage plugin fills) whose fetch can be held at a gate
 * or made to fail; the cache and the state are real.
 */
#include "runner.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "media_scan.h"
#include "state.h"
#include "worker.h"

/* ---- the stand-in storage ------------------------------------------------- */

struct tstore {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int gate_closed;        /* fetches wait while set */
	int fail;               /* fetches fail while set */
	int running, max_running;
	char order[8][PLAYOUT_NAME_MAX]; /* names in the order fetches began */
	int n;
};

static int t_fetch(void *inst, const struct playout_asset *a, const char *dest,
		   struct playout_error *err)
{
	struct tstore *t = inst;
	pthread_mutex_lock(&t->mu);
	if (t->n < 8)
		snprintf(t->order[t->n++], sizeof t->order[0], "%s", a->name);
	if (++t->running > t->max_running)
		t->max_running = t->running;
	pthread_cond_broadcast(&t->cv);
	while (t->gate_closed)
		pthread_cond_wait(&t->cv, &t->mu);
	int fail = t->fail;
	pthread_mutex_unlock(&t->mu);
	int rc = PLAYOUT_OK;
	if (fail) {
		rc = playout_error_set(err, PLAYOUT_EUNAVAIL, "%s: the storage is down", a->name);
	} else {
		FILE *f = fopen(dest, "w");
		for (int64_t i = 0; f && i < a->size; i++)
			fputc('x', f);
		if (!f || fclose(f) != 0)
			rc = playout_error_set(err, PLAYOUT_EIO, "%s: cannot write", dest);
	}
	pthread_mutex_lock(&t->mu);
	t->running--;
	pthread_mutex_unlock(&t->mu);
	return rc;
}

static int t_list(void *inst, struct playout_assets *out, struct playout_error *err)
{
	(void)inst, (void)out, (void)err;
	return PLAYOUT_OK;
}

static const struct playout_storage_ops t_ops = { .list = t_list, .fetch = t_fetch };

static struct tstore *tstore_new(int gate_closed)
{
	struct tstore *t = calloc(1, sizeof *t);
	CU_ASSERT_FATAL(t != NULL);
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	t->gate_closed = gate_closed;
	return t;
}

static void tstore_set(struct tstore *t, int *field, int v)
{
	pthread_mutex_lock(&t->mu);
	*field = v;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

static void tstore_free(struct tstore *t)
{
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	free(t);
}

/* ---- helpers -------------------------------------------------------------- */

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A fresh cache folder under the test's tmpdir. */
static const char *new_cache(const char *name)
{
	static char path[4][512];
	static int k;
	char *p = path[k++ % 4];
	snprintf(p, 512, "%s/%s", po_test_tmpdir(), name);
	struct playout_error e = {0};
	PO_EXPECT_INT_FATAL(po_cache_init(p, &e), PLAYOUT_OK);
	return p;
}

static struct playout_asset asset(const char *name, int64_t size)
{
	struct playout_asset a;
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "%s", name);
	a.size = size;
	a.mtime_ms = 1700000000000;
	return a;
}

/* Collect until want jobs succeeded or 10 s passed; returns how many did. */
static unsigned wait_ok(struct po_worker *w, unsigned want)
{
	unsigned got = 0;
	int64_t end = mono_ms() + 10000;
	while (got < want && mono_ms() < end) {
		struct pollfd pf = { .fd = po_worker_fd(w), .events = POLLIN };
		if (poll(&pf, 1, 100) > 0)
			got += po_worker_collect(w);
	}
	return got;
}

/* Wait (10 s at most) until some job ended; returns how many succeeded. */
static int wait_ended(struct po_worker *w)
{
	struct pollfd pf = { .fd = po_worker_fd(w), .events = POLLIN };
	if (poll(&pf, 1, 10000) != 1)
		return -1;
	return (int)po_worker_collect(w);
}

/* Wait (10 s at most) until the stand-in storage has run n fetches at once. */
static int wait_running(struct tstore *t, int n)
{
	int64_t end = mono_ms() + 10000;
	pthread_mutex_lock(&t->mu);
	while (t->running < n && mono_ms() < end) {
		pthread_mutex_unlock(&t->mu);
		usleep(5000);
		pthread_mutex_lock(&t->mu);
	}
	int ok = t->running >= n;
	pthread_mutex_unlock(&t->mu);
	return ok;
}

static int64_t file_size(const char *dir, const char *name)
{
	char path[1024];
	struct stat sb;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return stat(path, &sb) == 0 ? (int64_t)sb.st_size : -1;
}

static struct po_worker *start(struct tstore *t, const char *cache, int downloads, int retry_ms)
{
	struct po_worker_conf c = {
		.cache_dir = cache, .ops = &t_ops, .storage = t, .storage_label = "tstore",
		.probe = {.silence_threshold_db = -50, .silence_max_s = 10},
		.downloads = downloads, .retry_ms = retry_ms,
	};
	struct po_worker *w = NULL;
	struct playout_error e = {0};
	PO_EXPECT_INT_FATAL(po_worker_start(&c, &w, &e), PLAYOUT_OK);
	return w;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_downloads_run_once_each_earliest_air_first(void)
{
	struct tstore *t = tstore_new(1);
	const char *cache = new_cache("c1");
	struct po_worker *w = start(t, cache, 1, 0);
	struct playout_asset a = asset("a.mp3", 100), b = asset("b.mp3", 200), c = asset("c.mp3", 300);
	PO_EXPECT_INT(po_worker_fetch(w, &a, 500), 1);
	CU_ASSERT_TRUE(wait_running(t, 1)); /* a is held at the gate */
	PO_EXPECT_INT(po_worker_fetch(w, &c, 300), 1);
	PO_EXPECT_INT(po_worker_fetch(w, &b, 100), 1);
	PO_EXPECT_INT(po_worker_fetch(w, &c, 300), 0); /* queued already */
	PO_EXPECT_INT(po_worker_fetch(w, &a, 500), 0); /* running */
	CU_ASSERT_TRUE(po_worker_fetching(w, "a.mp3"));
	CU_ASSERT_TRUE(po_worker_fetching(w, "c.mp3"));
	CU_ASSERT_FALSE(po_worker_fetching(w, "d.mp3"));
	tstore_set(t, &t->gate_closed, 0);
	PO_EXPECT_INT(wait_ok(w, 3), 3);
	PO_EXPECT_INT(t->n, 3);
	PO_EXPECT_STR(t->order[0], "a.mp3");
	PO_EXPECT_STR(t->order[1], "b.mp3"); /* due at 100, before c at 300 */
	PO_EXPECT_STR(t->order[2], "c.mp3");
	PO_EXPECT_INT(file_size(cache, "a.mp3"), 100);
	PO_EXPECT_INT(file_size(cache, "b.mp3"), 200);
	PO_EXPECT_INT(file_size(cache, "c.mp3"), 300);
	CU_ASSERT_FALSE(po_worker_fetching(w, "a.mp3"));
	po_worker_stop(w);
	tstore_free(t);
}

static void test_downloads_setting_runs_that_many_at_once(void)
{
	struct tstore *t = tstore_new(1);
	const char *cache = new_cache("c2");
	struct po_worker *w = start(t, cache, 2, 0);
	struct playout_asset x = asset("x.mp3", 10), y = asset("y.mp3", 20), z = asset("z.mp3", 30);
	po_worker_fetch(w, &x, 1);
	po_worker_fetch(w, &y, 2);
	po_worker_fetch(w, &z, 3);
	CU_ASSERT_TRUE(wait_running(t, 2));
	tstore_set(t, &t->gate_closed, 0);
	PO_EXPECT_INT(wait_ok(w, 3), 3);
	PO_EXPECT_INT(t->max_running, 2); /* two at once, never three */
	po_worker_stop(w);
	tstore_free(t);
}

static void test_a_failed_download_waits_before_it_is_queued_again(void)
{
	struct tstore *t = tstore_new(0);
	const char *cache = new_cache("c3");
	struct po_worker *w = start(t, cache, 1, 300);
	struct playout_asset f = asset("f.mp3", 50);
	tstore_set(t, &t->fail, 1);
	int64_t t0 = mono_ms();
	PO_EXPECT_INT(po_worker_fetch(w, &f, 1), 1);
	PO_EXPECT_INT(wait_ended(w), 0); /* it ended, and not well */
	PO_EXPECT_INT(t->n, 1);
	PO_EXPECT_INT(po_worker_fetch(w, &f, 1), 0); /* still waiting */
	CU_ASSERT_FALSE(po_worker_fetching(w, "f.mp3"));
	tstore_set(t, &t->fail, 0);
	int queued = 0;
	while (!queued && mono_ms() - t0 < 5000) {
		queued = po_worker_fetch(w, &f, 1);
		if (!queued)
			usleep(10000);
	}
	CU_ASSERT_TRUE(queued);
	CU_ASSERT_TRUE(mono_ms() - t0 >= 300); /* not before the wait ended */
	PO_EXPECT_INT(wait_ok(w, 1), 1);
	PO_EXPECT_INT(t->n, 2);
	PO_EXPECT_INT(file_size(cache, "f.mp3"), 50);
	po_worker_stop(w);
	tstore_free(t);
}

static void test_a_probe_is_kept_in_the_state(void)
{
	char mp3[1024], db[1024], src[128];
	snprintf(mp3, sizeof mp3, "%s/tone.mp3", po_test_tmpdir());
	snprintf(db, sizeof db, "%s/worker.db", po_test_tmpdir());
	snprintf(src, sizeof src, "sine=frequency=440:sample_rate=44100:duration=3");
	const char *argv[] = {"ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", src,
			      "-c:a", "libmp3lame", "-b:a", "128k", mp3, NULL};
	pid_t pid = fork();
	if (pid == 0) {
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	CU_ASSERT_FATAL(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	struct po_state *st = NULL;
	struct playout_error e = {0};
	PO_EXPECT_INT_FATAL(po_state_open(db, PO_STATE_WRITER, &st, &e), PLAYOUT_OK);
	struct po_worker_conf c = {
		.cache_dir = po_test_tmpdir(), .state = st,
		.probe = {.silence_threshold_db = -50, .silence_max_s = 10}, .downloads = 1,
	};
	struct po_worker *w = NULL;
	PO_EXPECT_INT_FATAL(po_worker_start(&c, &w, &e), PLAYOUT_OK);
	PO_EXPECT_INT(po_worker_fetch(w, &(struct playout_asset){.name = "x"}, 0), 0);
	PO_EXPECT_INT(po_worker_probe(w, mp3, 0), 1);
	PO_EXPECT_INT(wait_ok(w, 1), 1);
	po_worker_stop(w);

	struct po_media m;
	PO_EXPECT_INT(po_media_scan(st, mp3, &c.probe, 0, &m, &e), PLAYOUT_OK);
	CU_ASSERT_TRUE(m.indexed);
	CU_ASSERT_TRUE(m.probed); /* read from the state: no probe was asked for */
	CU_ASSERT_TRUE(m.probe.decoded_ms > 2900 && m.probe.decoded_ms < 3100);
	PO_EXPECT_INT(m.flags, 0u);
	po_state_close(st);
}

static const struct po_test tests[] = {
	{"downloads_run_once_each_earliest_air_first",
	 test_downloads_run_once_each_earliest_air_first},
	{"downloads_setting_runs_that_many_at_once", test_downloads_setting_runs_that_many_at_once},
	{"a_failed_download_waits_before_it_is_queued_again",
	 test_a_failed_download_waits_before_it_is_queued_again},
	{"a_probe_is_kept_in_the_state", test_a_probe_is_kept_in_the_state},
	{NULL, NULL},
};

int main(void)
{
	static const struct po_suite suites[] = {
		{"worker", tests, NULL, NULL},
		{NULL, NULL, NULL, NULL},
	};
	return po_test_run("test_worker", suites);
}
