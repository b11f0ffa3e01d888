/*
 * The notify dispatcher (notify.h): one thread per notify instance,
 * reading its pending sends from the state, calling the plugin's send and
 * writing the outcome back. The control thread only inserts rows and
 * signals; it never waits on a delivery.
 */
#include "notify.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define RETRY_FIRST_MS 30000
#define RETRY_MAX_MS 600000
#define MAX_ATTEMPTS 10
#define STOP_WAIT_MS 1500

struct worker {
	struct po_notify *owner;
	struct po_instance *pi;
	pthread_t thread;
	int started, finished;  /* finished: under owner->mu */
	int wake;               /* new rows to look at */
	int busy;               /* inside a send */
};

struct po_notify {
	struct po_runtime *rt;
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* CLOCK_MONOTONIC; workers wait on it */
	pthread_cond_t done_cv; /* a worker finished a pass or exited */
	int quit;
	struct worker *w;
	size_t n;
};

static const char *const severities[] = { "error", "warn", "notice", "info", "debug" };


static void deadline_in(struct timespec *ts, int64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

void po_notify_event(const struct po_alert_send *s, const char *station, const char *severity,
		     struct playout_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->time_ms = s->event_ms;
	ev->level = s->level;
	ev->code = s->type;
	ev->subject = s->message;
	ev->body = s->body;
	ev->station = station;
	ev->size = sizeof *ev;
	ev->type = s->type;
	ev->pid = s->pid;
	ev->title = s->title;
	ev->start_ms = s->start_ms;
	ev->key = s->key;
	ev->message = s->message;
	ev->severity = severity;
}

/* One attempt at s; writes the outcome. Worker thread. */
static void attempt(struct worker *w, struct po_alert_send *s)
{
	struct po_runtime *rt = w->owner->rt;
	const struct playout_notify_ops *ops = w->pi->mod.plugin->ops.notify;
	struct playout_event ev;
	struct playout_error e = {0};
	const char *sev = s->level >= 0 && s->level <= PLAYOUT_LOG_DEBUG ? severities[s->level] : "warn";

	po_notify_event(s, rt->conf.station, sev, &ev);
	int rc = ops->send(w->pi->inst, &ev, &e);
	int64_t now = po_clock_now_ms(&rt->clock);
	s->sent_ms = now;
	s->attempts++;
	if (rc == PLAYOUT_OK) {
		s->delivered = 1;
		s->last_error[0] = '\0';
		po_log_info(w->pi->conf->label, "sent %s: %s", s->type, s->message);
	} else {
		int64_t wait = RETRY_FIRST_MS;
		for (int i = 1; i < s->attempts && wait < RETRY_MAX_MS; i++)
			wait *= 2;
		if (wait > RETRY_MAX_MS)
			wait = RETRY_MAX_MS;
		snprintf(s->last_error, sizeof s->last_error, "%s", e.msg[0] ? e.msg : "failed");
		if (s->attempts >= MAX_ATTEMPTS) {
			s->delivered = -1;
			po_log_errorx(w->pi->conf->label, "giving up %s after %d attempts: %s", s->type,
				      s->attempts, s->last_error);
		} else {
			s->next_ms = now + wait;
			po_log_warnx(w->pi->conf->label, "could not send %s (%s); trying again in %lld s",
				     s->type, s->last_error, (long long)(wait / 1000));
		}
	}
	po_state_send_update(rt->state, s);
}

/* Attempt every send due now; returns ms until the next one is due (or a
 * minute when none waits). Worker thread, without the lock. */
static int64_t one_pass(struct worker *w)
{
	struct po_runtime *rt = w->owner->rt;
	struct po_alert_send *v = NULL;
	size_t n = 0;
	int64_t next = 60000;
	if (po_state_send_pending(rt->state, w->pi->conf->label, &v, &n) < 0)
		return 5000;
	for (size_t i = 0; i < n; i++) {
		int64_t now = po_clock_now_ms(&rt->clock);
		pthread_mutex_lock(&w->owner->mu);
		int quit = w->owner->quit;
		pthread_mutex_unlock(&w->owner->mu);
		if (quit)
			break;
		if (v[i].next_ms > now) {
			if (v[i].next_ms - now < next)
				next = v[i].next_ms - now;
			continue;
		}
		attempt(w, &v[i]);
		if (!v[i].delivered && v[i].next_ms - po_clock_now_ms(&rt->clock) < next)
			next = v[i].next_ms - po_clock_now_ms(&rt->clock);
	}
	free(v);
	return next > 0 ? next : 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct po_notify *n = w->owner;
	pthread_mutex_lock(&n->mu);
	while (!n->quit) {
		w->wake = 0;
		w->busy = 1;
		pthread_mutex_unlock(&n->mu);
		int64_t next = one_pass(w);
		pthread_mutex_lock(&n->mu);
		w->busy = 0;
		pthread_cond_broadcast(&n->done_cv);
		if (n->quit || w->wake)
			continue;
		struct timespec ts;
		deadline_in(&ts, next);
		while (!n->quit && !w->wake &&
		       pthread_cond_timedwait(&n->cv, &n->mu, &ts) != ETIMEDOUT)
			;
	}
	w->finished = 1;
	pthread_cond_broadcast(&n->done_cv);
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

int po_notify_start(struct po_runtime *rt, struct po_notify **out, struct playout_error *err)
{
	struct po_notify *n = calloc(1, sizeof *n);
	struct po_instance *pi;
	size_t count = 0;
	pthread_condattr_t ca;

	*out = NULL;
	if (!n)
		return playout_error_set(err, PLAYOUT_ENOMEM, "notify: out of memory");
	n->rt = rt;
	while (po_runtime_nth(rt, PLAYOUT_KIND_NOTIFY, count))
		count++;
	n->w = calloc(count ? count : 1, sizeof *n->w);
	if (!n->w) {
		free(n);
		return playout_error_set(err, PLAYOUT_ENOMEM, "notify: out of memory");
	}
	pthread_mutex_init(&n->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&n->cv, &ca);
	pthread_cond_init(&n->done_cv, &ca);
	pthread_condattr_destroy(&ca);
	*out = n;
	for (size_t i = 0; (pi = po_runtime_nth(rt, PLAYOUT_KIND_NOTIFY, i)); i++) {
		struct worker *w = &n->w[i];
		w->owner = n;
		w->pi = pi;
		n->n = i + 1;
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
			return playout_error_set(err, PLAYOUT_EIO, "%s: cannot start its thread",
						 pi->conf->label);
		w->started = 1;
	}
	return PLAYOUT_OK;
}

int po_notify_post(struct po_notify *n, const struct po_alert_send *ev)
{
	int posted = 0;
	if (!n)
		return 0;
	for (size_t i = 0; i < n->n; i++) {
		struct worker *w = &n->w[i];
		if (!po_alarm_filter_pass(&w->pi->conf->filter, ev->cause_type, ev->pid, ev->level))
			continue;
		struct po_alert_send s = *ev;
		s.id = 0;
		snprintf(s.instance, sizeof s.instance, "%s", w->pi->conf->label);
		s.sent_ms = 0;
		s.delivered = 0;
		s.attempts = 0;
		s.next_ms = 0;
		s.last_error[0] = '\0';
		if (po_state_send_add(n->rt->state, &s) < 0)
			continue; /* logged by the state */
		pthread_mutex_lock(&n->mu);
		w->wake = 1;
		pthread_cond_broadcast(&n->cv);
		pthread_mutex_unlock(&n->mu);
		posted++;
	}
	return posted;
}

void po_notify_drain(struct po_notify *n, int grace_ms)
{
	struct timespec ts;
	if (!n)
		return;
	deadline_in(&ts, grace_ms);
	pthread_mutex_lock(&n->mu);
	for (;;) {
		int pending = 0;
		for (size_t i = 0; i < n->n; i++)
			pending |= n->w[i].started && !n->w[i].finished &&
				   (n->w[i].wake || n->w[i].busy);
		if (!pending || pthread_cond_timedwait(&n->done_cv, &n->mu, &ts) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&n->mu);
}

size_t po_notify_stop(struct po_notify *n)
{
	size_t stuck = 0;
	struct timespec ts;
	if (!n)
		return 0;
	pthread_mutex_lock(&n->mu);
	n->quit = 1;
	pthread_cond_broadcast(&n->cv);
	deadline_in(&ts, STOP_WAIT_MS);
	for (;;) {
		int running = 0;
		for (size_t i = 0; i < n->n; i++)
			running |= n->w[i].started && !n->w[i].finished;
		if (!running || pthread_cond_timedwait(&n->done_cv, &n->mu, &ts) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&n->mu);
	for (size_t i = 0; i < n->n; i++) {
		struct worker *w = &n->w[i];
		if (!w->started)
			continue;
		pthread_mutex_lock(&n->mu);
		int fin = w->finished;
		pthread_mutex_unlock(&n->mu);
		if (fin) {
			pthread_join(w->thread, NULL);
		} else {
			po_log_warnx(w->pi->conf->label, "still sending after %d ms: left behind",
				     STOP_WAIT_MS);
			pthread_detach(w->thread);
			stuck++;
		}
	}
	if (stuck)
		return stuck; /* the threads still use n */
	pthread_cond_destroy(&n->cv);
	pthread_cond_destroy(&n->done_cv);
	pthread_mutex_destroy(&n->mu);
	free(n->w);
	free(n);
	return 0;
}
