/*
 * Background downloads and probes (worker.h). One list of jobs under one
 * mutex; download threads take the queued download with the earliest air
 * time, the probe thread takes probes in order. A job leaves the list when
 * it succeeds; a failed download stays, marked, until its wait is over, so
 * an unreachable storage is not asked again at every plan.
 */
#include "worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "http.h"
#include "log.h"
#include "media_scan.h"

#define WORKER_MAX_DOWNLOADS 16
#define RETRY_FIRST_MS 30000
#define RETRY_MAX_MS 600000

enum job_kind { JOB_FETCH, JOB_PROBE };
enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_WAITING };

struct job {
	struct job *next;
	int kind, state;
	struct playout_asset asset;   /* JOB_FETCH */
	char *path;                   /* JOB_PROBE */
	int64_t air_ms;               /* earliest first */
	int64_t retry_at_ms;          /* JOB_WAITING: monotonic */
	int fails;
};

struct po_worker {
	struct po_worker_conf c;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *jobs;
	int quit;
	unsigned ok;                  /* successes not yet collected */
	int efd;
	pthread_t threads[WORKER_MAX_DOWNLOADS + 1];
	size_t nthreads;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *job_name(const struct job *j)
{
	return j->kind == JOB_FETCH ? j->asset.name : j->path;
}

static struct job *find(struct po_worker *w, int kind, const char *name)
{
	for (struct job *j = w->jobs; j; j = j->next)
		if (j->kind == kind && strcmp(job_name(j), name) == 0)
			return j;
	return NULL;
}

static void unlink_job(struct po_worker *w, struct job *dead)
{
	for (struct job **p = &w->jobs; *p; p = &(*p)->next)
		if (*p == dead) {
			*p = dead->next;
			break;
		}
	free(dead->path);
	free(dead);
}

/* The next job of this kind to run, or NULL: the earliest air time. */
static struct job *pick(struct po_worker *w, int kind)
{
	struct job *best = NULL;
	for (struct job *j = w->jobs; j; j = j->next)
		if (j->kind == kind && j->state == JOB_QUEUED && (!best || j->air_ms < best->air_ms))
			best = j;
	return best;
}

static void notify(struct po_worker *w)
{
	uint64_t one = 1;
	if (write(w->efd, &one, sizeof one) < 0 && errno != EAGAIN)
		po_log_error("worker", "eventfd");
}

static int run_fetch(struct po_worker *w, const struct job *j)
{
	struct playout_error e = {0};
	int64_t t0 = mono_ms();
	int rc = po_cache_fetch(w->c.cache_dir, w->c.ops, w->c.storage, &j->asset, &e);
	if (rc == PLAYOUT_OK)
		po_log_info(w->c.storage_label, "fetched %s (%lld bytes) in %.1f s", j->asset.name,
			    (long long)j->asset.size, (double)(mono_ms() - t0) / 1000.0);
	else if (!__atomic_load_n(&w->quit, __ATOMIC_RELAXED))
		po_log_warnx(w->c.storage_label, "cannot fetch %s: %s", j->asset.name, e.msg);
	return rc;
}

static int run_probe(struct po_worker *w, const struct job *j)
{
	struct playout_error e = {0};
	struct po_media m;
	int64_t t0 = mono_ms();
	int rc = po_media_scan(w->c.state, j->path, &w->c.probe, PO_MEDIA_PROBE | PO_MEDIA_STORE,
			       &m, &e);
	if (rc == PLAYOUT_OK)
		po_log_info("probe", "%s: probed in %.1f s%s%s%s", j->path,
			    (double)(mono_ms() - t0) / 1000.0, m.why[0] ? ": " : "", m.why,
			    m.ndamaged ? " (damaged: junk skipped, its good frames play)" : "");
	else if (!__atomic_load_n(&w->quit, __ATOMIC_RELAXED))
		po_log_warnx("probe", "%s", e.msg);
	return rc;
}

struct thread_arg {
	struct po_worker *w;
	int kind;
};

static void *thread_main(void *p)
{
	struct thread_arg *arg = p;
	struct po_worker *w = arg->w;
	int kind = arg->kind;
	free(arg);
	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct job *j = NULL;
		while (!w->quit && !(j = pick(w, kind)))
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->quit)
			break;
		j->state = JOB_RUNNING;
		pthread_mutex_unlock(&w->mu);
		/* j stays valid: only its runner removes a running job */
		int rc = kind == JOB_FETCH ? run_fetch(w, j) : run_probe(w, j);
		pthread_mutex_lock(&w->mu);
		if (rc == PLAYOUT_OK) {
			unlink_job(w, j);
			w->ok++;
		} else if (kind == JOB_FETCH) {
			int64_t wait = (int64_t)w->c.retry_ms << (j->fails < 5 ? j->fails : 5);
			j->fails++;
			j->state = JOB_WAITING;
			j->retry_at_ms = mono_ms() + (wait < RETRY_MAX_MS ? wait : RETRY_MAX_MS);
		} else {
			unlink_job(w, j); /* the next plan asks again if it still matters */
		}
		notify(w);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static int spawn(struct po_worker *w, int kind, struct playout_error *err)
{
	struct thread_arg *arg = malloc(sizeof *arg);
	if (!arg)
		return playout_error_set(err, PLAYOUT_ENOMEM, "worker: out of memory");
	arg->w = w;
	arg->kind = kind;
	int e = pthread_create(&w->threads[w->nthreads], NULL, thread_main, arg);
	if (e) {
		free(arg);
		return playout_error_set(err, PLAYOUT_ENOMEM, "worker: cannot start a thread: %s",
					 strerror(e));
	}
	w->nthreads++;
	return PLAYOUT_OK;
}

int po_worker_start(const struct po_worker_conf *c, struct po_worker **out,
		    struct playout_error *err)
{
	*out = NULL;
	struct po_worker *w = calloc(1, sizeof *w);
	if (!w)
		return playout_error_set(err, PLAYOUT_ENOMEM, "worker: out of memory");
	w->c = *c;
	w->c.probe.stop = &w->quit; /* a stop ends a long decode at once */
	if (w->c.downloads < 1)
		w->c.downloads = 1;
	if (w->c.downloads > WORKER_MAX_DOWNLOADS)
		w->c.downloads = WORKER_MAX_DOWNLOADS;
	if (w->c.retry_ms <= 0)
		w->c.retry_ms = RETRY_FIRST_MS;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->efd < 0) {
		playout_error_set(err, PLAYOUT_EIO, "worker: eventfd: %s", strerror(errno));
		po_worker_stop(w);
		return PLAYOUT_EIO;
	}
	int rc = spawn(w, JOB_PROBE, err);
	for (int i = 0; rc == PLAYOUT_OK && c->ops && i < w->c.downloads; i++)
		rc = spawn(w, JOB_FETCH, err);
	if (rc < 0) {
		po_worker_stop(w);
		return rc;
	}
	*out = w;
	return PLAYOUT_OK;
}

void po_worker_stop(struct po_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	__atomic_store_n(&w->quit, 1, __ATOMIC_RELAXED); /* read unlocked by probes */
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	/* A download in flight ends within a second. The daemon may have
	 * raised the flag already for its whole stop: then it stays up. */
	int was_aborting = po_http_aborting();
	po_http_abort_all(1);
	for (size_t i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	if (!was_aborting)
		po_http_abort_all(0);
	while (w->jobs)
		unlink_job(w, w->jobs);
	if (w->efd >= 0)
		close(w->efd);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

int po_worker_fd(const struct po_worker *w)
{
	return w->efd;
}

unsigned po_worker_collect(struct po_worker *w)
{
	uint64_t n;
	while (read(w->efd, &n, sizeof n) > 0)
		;
	pthread_mutex_lock(&w->mu);
	unsigned ok = w->ok;
	w->ok = 0;
	pthread_mutex_unlock(&w->mu);
	return ok;
}

/* Forget failed downloads nobody asked for again long after their wait
 * ended (the file left the rundown or the storage): the list stays small
 * in a daemon that runs for months. */
static void sweep_locked(struct po_worker *w, int64_t now)
{
	for (struct job *j = w->jobs, *next; j; j = next) {
		next = j->next;
		if (j->state == JOB_WAITING && now > j->retry_at_ms + 2 * RETRY_MAX_MS)
			unlink_job(w, j);
	}
}

/* Queue a new job, or requeue a waiting one whose wait is over. */
static int queue(struct po_worker *w, struct job *fresh)
{
	pthread_mutex_lock(&w->mu);
	sweep_locked(w, mono_ms());
	struct job *j = find(w, fresh->kind, job_name(fresh));
	int queued = 0;
	if (!j) {
		fresh->next = w->jobs;
		w->jobs = fresh;
		fresh = NULL;
		queued = 1;
	} else if (j->state == JOB_WAITING && mono_ms() >= j->retry_at_ms) {
		j->state = JOB_QUEUED;
		j->air_ms = fresh->air_ms;
		if (j->kind == JOB_FETCH)
			j->asset = fresh->asset; /* the storage may list it anew */
		queued = 1;
	} else if (j->state == JOB_QUEUED && fresh->air_ms < j->air_ms) {
		j->air_ms = fresh->air_ms;
	}
	if (queued)
		pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (fresh) {
		free(fresh->path);
		free(fresh);
	}
	return queued;
}

int po_worker_fetch(struct po_worker *w, const struct playout_asset *a, int64_t air_ms)
{
	if (!w->c.ops)
		return 0;
	struct job *j = calloc(1, sizeof *j);
	if (!j)
		return 0;
	j->kind = JOB_FETCH;
	j->asset = *a;
	j->air_ms = air_ms;
	return queue(w, j);
}

int po_worker_fetching(struct po_worker *w, const char *name)
{
	pthread_mutex_lock(&w->mu);
	const struct job *j = find(w, JOB_FETCH, name);
	int busy = j && j->state != JOB_WAITING;
	pthread_mutex_unlock(&w->mu);
	return busy;
}

int po_worker_probe(struct po_worker *w, const char *path, int64_t air_ms)
{
	struct job *j = calloc(1, sizeof *j);
	if (!j || !(j->path = strdup(path))) {
		free(j);
		return 0;
	}
	j->kind = JOB_PROBE;
	j->air_ms = air_ms;
	return queue(w, j);
}
