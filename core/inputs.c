/*
 * The input threads of inputs.h. One mutex guards every answer and flag; the
 * plugin calls run without it.
 */
#include "inputs.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "host.h"
#include "log.h"

#define STOP_WAIT_MS 1500 /* a thread still inside a plugin after this is left */
#define OVERDUE_MS 5000   /* a source silent this long is said to be late */

enum input_kind { INPUT_SCHEDULE, INPUT_STORAGE, INPUT_CHORES };

struct input {
	struct po_inputs *owner;
	int kind;
	struct po_instance *pi;  /* NULL for chores */
	pthread_t thread;
	int started, finished;   /* finished: guarded by mu */
	int kick;                /* ask now */
	int64_t busy_since;      /* monotonic ms the call in flight began; 0: idle */
	int overdue_said;        /* that call was reported as overdue */
	/* the last good answer and the last attempt */
	struct playout_slots slots;
	int64_t fetched_ms;      /* when the slots were answered; 0: never */
	int failing;             /* the last attempt failed */
	int64_t failing_since_ms;/* the first failure since the last answer */
	char why[256];
};

struct po_inputs {
	struct po_runtime *rt;
	pthread_mutex_t mu;
	pthread_cond_t cv;       /* CLOCK_MONOTONIC */
	int quit;
	int reload;              /* chores: re-read the secrets */
	int efd;
	int changed;             /* an answer changed what a plan sees */
	struct input *v;
	size_t n;
	/* the storage: last good listing (sorted), replaced only under mu by
	 * its thread, which alone writes it */
	struct playout_assets listing;
	uint64_t listing_gen;
	int listing_status;
	int listing_answered;    /* the storage answered once since the start */
	int64_t listing_failing_since_ms; /* first failure since the last listing */
	char listing_why[256];
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void wake_control(struct po_inputs *in)
{
	uint64_t one = 1;
	ssize_t w = write(in->efd, &one, sizeof one);
	(void)w; /* a full counter still wakes the reader */
}

static void schedule_round(struct input *x)
{
	struct po_inputs *in = x->owner;
	struct po_runtime *rt = in->rt;
	int64_t now = po_clock_now_ms(&rt->clock);
	int64_t from = now - (int64_t)rt->conf.lookback_h * 3600000;
	int64_t to = now + (int64_t)rt->conf.horizon_h * 3600000;
	struct playout_slots got = {0};
	struct playout_error e = {0};
	int rc = po_gather_slots(rt, x->pi, from, to, 1, &got, &e);

	pthread_mutex_lock(&in->mu);
	if (rc == PLAYOUT_OK) {
		if (x->failing)
			po_log_notice(x->pi->conf->label, "schedule answers again (%zu slots)", got.n);
		/* An unchanged answer needs no new plan (the timer plans anyway). */
		if (x->failing || got.n != x->slots.n ||
		    (got.n && memcmp(got.v, x->slots.v, got.n * sizeof *got.v) != 0))
			in->changed = 1;
		free(x->slots.v);
		x->slots = got;
		x->fetched_ms = now;
		x->failing = 0;
		x->why[0] = '\0';
	} else {
		if (!x->failing || strcmp(x->why, e.msg) != 0) {
			if (x->fetched_ms)
				po_log_warnx(x->pi->conf->label,
					     "schedule unavailable (%s); planning with the last good answer, %.0f min old",
					     e.msg, (now - x->fetched_ms) / 60000.0);
			else
				po_log_warnx(x->pi->conf->label,
					     "schedule unavailable (%s); no earlier answer is stored: planning from the files' names",
					     e.msg);
		}
		if (!x->failing)
			x->failing_since_ms = now;
		x->failing = 1;
		snprintf(x->why, sizeof x->why, "%s", e.msg);
		free(got.v);
	}
	pthread_mutex_unlock(&in->mu);
}

static void storage_round(struct input *x)
{
	struct po_inputs *in = x->owner;
	struct playout_assets got = {0};
	struct playout_error e = {0};
	/* in->listing is read here without the lock: only this thread writes it */
	int st = po_gather_listing(in->rt, &in->listing, 1, &got, &e);
	const char *label = x->pi->conf->label;

	pthread_mutex_lock(&in->mu);
	if (st == PO_LISTING_OK) {
		if (in->listing_status != PO_LISTING_OK && in->listing_answered)
			po_log_notice(label, "storage answers again (%zu files)", got.n);
		in->listing_answered = 1;
		in->listing_failing_since_ms = 0;
		if (in->listing_status != PO_LISTING_OK || got.n != in->listing.n ||
		    (got.n && memcmp(got.v, in->listing.v, got.n * sizeof *got.v) != 0)) {
			free(in->listing.v);
			in->listing = got;
			in->listing_gen++;
			in->changed = 1;
		} else {
			free(got.v); /* the same files: the control thread keeps its copy */
		}
		in->listing_why[0] = '\0';
	} else {
		in->listing_answered = 1;
		if (in->listing_status != st || strcmp(in->listing_why, e.msg) != 0) {
			if (in->listing.n)
				po_log_warnx(label, "storage unreachable: %s; planning with the last good listing (%zu files)",
					     e.msg, in->listing.n);
			else
				po_log_warnx(label, "storage unreachable: %s; planning with the files in the cache",
					     e.msg);
			in->changed = 1;
		}
		if (!in->listing_failing_since_ms)
			in->listing_failing_since_ms = po_clock_now_ms(&in->rt->clock);
		snprintf(in->listing_why, sizeof in->listing_why, "%s", e.msg);
		free(got.v);
	}
	in->listing_status = st;
	pthread_mutex_unlock(&in->mu);
}

static void update_dns(struct po_runtime *rt)
{
	struct po_instance *pi = rt->dns;
	struct playout_error e = {0};
	if (!pi)
		return;
	const struct playout_dns_ops *ops = pi->mod.plugin->ops.dns;
	if (ops->update(pi->inst, &e) < 0)
		po_log_warnx(pi->conf->label, "DNS update failed: %s", e.msg);
}

static void chores_round(struct input *x)
{
	struct po_inputs *in = x->owner;
	pthread_mutex_lock(&in->mu);
	int reload = in->reload;
	in->reload = 0;
	pthread_mutex_unlock(&in->mu);
	if (reload) {
		po_host_reload_secrets(in->rt);
		po_inputs_kick(in); /* the sources may answer now */
	}
	update_dns(in->rt);
}

static void *input_main(void *arg)
{
	struct input *x = arg;
	struct po_inputs *in = x->owner;
	int64_t interval_ms = (int64_t)in->rt->conf.plan_interval_s * 1000;
	int64_t due = 0; /* at once */

	pthread_mutex_lock(&in->mu);
	for (;;) {
		while (!in->quit && !x->kick && mono_ms() < due) {
			int64_t d = due;
			struct timespec ts = {.tv_sec = d / 1000, .tv_nsec = (d % 1000) * 1000000};
			pthread_cond_timedwait(&in->cv, &in->mu, &ts);
		}
		if (in->quit)
			break;
		x->kick = 0;
		x->busy_since = mono_ms();
		x->overdue_said = 0;
		pthread_mutex_unlock(&in->mu);
		if (x->kind == INPUT_SCHEDULE)
			schedule_round(x);
		else if (x->kind == INPUT_STORAGE)
			storage_round(x);
		else
			chores_round(x);
		wake_control(in);
		due = mono_ms() + interval_ms;
		pthread_mutex_lock(&in->mu);
		if (x->overdue_said)
			po_log_notice(x->pi ? x->pi->conf->label : "core", "answered after %.1f s",
				      (mono_ms() - x->busy_since) / 1000.0);
		x->busy_since = 0;
	}
	x->finished = 1;
	pthread_mutex_unlock(&in->mu);
	return NULL;
}

static int add_input(struct po_inputs *in, int kind, struct po_instance *pi)
{
	struct input *v = realloc(in->v, (in->n + 1) * sizeof *v);
	if (!v)
		return PLAYOUT_ENOMEM;
	in->v = v;
	memset(&v[in->n], 0, sizeof v[in->n]);
	v[in->n].owner = in;
	v[in->n].kind = kind;
	v[in->n].pi = pi;
	in->n++;
	return PLAYOUT_OK;
}

/* What the state holds from the last run, so the first plan needs nobody. */
static void load_last_answers(struct po_inputs *in)
{
	struct po_runtime *rt = in->rt;
	int64_t now = po_clock_now_ms(&rt->clock);
	int64_t from = now - (int64_t)rt->conf.lookback_h * 3600000;
	int64_t to = now + (int64_t)rt->conf.horizon_h * 3600000;
	for (size_t i = 0; i < in->n; i++) {
		struct input *x = &in->v[i];
		if (x->kind == INPUT_SCHEDULE)
			x->fetched_ms = po_gather_last_slots(rt, x->pi, from, to, &x->slots);
	}
	if (rt->storage) {
		po_gather_last_listing(rt, &in->listing);
		in->listing_gen = 1;
		/* Until the storage answers, the cached files may play too. */
		in->listing_status = PO_LISTING_FAILED;
		snprintf(in->listing_why, sizeof in->listing_why, "no answer yet since the start");
	}
	in->changed = 1;
}

int po_inputs_start(struct po_runtime *rt, struct po_inputs **out, struct playout_error *err)
{
	struct po_inputs *in = calloc(1, sizeof *in);
	struct po_instance *pi;
	pthread_condattr_t ca;
	int rc = PLAYOUT_OK;

	*out = NULL;
	if (!in)
		return playout_error_set(err, PLAYOUT_ENOMEM, "inputs: out of memory");
	in->rt = rt;
	in->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&in->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&in->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (in->efd < 0) {
		po_inputs_stop(in);
		return playout_error_set(err, PLAYOUT_EIO, "inputs: eventfd: %s", strerror(errno));
	}
	for (size_t i = 0; rc == PLAYOUT_OK && (pi = po_runtime_nth(rt, PLAYOUT_KIND_SCHEDULE, i)); i++)
		rc = add_input(in, INPUT_SCHEDULE, pi);
	if (rc == PLAYOUT_OK && rt->storage)
		rc = add_input(in, INPUT_STORAGE, rt->storage);
	if (rc == PLAYOUT_OK)
		rc = add_input(in, INPUT_CHORES, NULL);
	if (rc < 0) {
		po_inputs_stop(in);
		return playout_error_set(err, rc, "inputs: out of memory");
	}
	load_last_answers(in);

	/* Signals belong to the control thread (signalfd). */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (size_t i = 0; i < in->n; i++) {
		int e = pthread_create(&in->v[i].thread, NULL, input_main, &in->v[i]);
		if (e != 0) {
			rc = playout_error_set(err, PLAYOUT_EIO, "inputs: cannot start a thread: %s",
					       strerror(e));
			break;
		}
		in->v[i].started = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc < 0) {
		po_inputs_stop(in);
		return rc;
	}
	*out = in;
	return PLAYOUT_OK;
}

static void kick_kind(struct po_inputs *in, int kind, int all)
{
	pthread_mutex_lock(&in->mu);
	for (size_t i = 0; i < in->n; i++)
		if (all || in->v[i].kind == kind)
			in->v[i].kick = 1;
	pthread_cond_broadcast(&in->cv);
	pthread_mutex_unlock(&in->mu);
}

void po_inputs_kick(struct po_inputs *in)
{
	kick_kind(in, 0, 1);
}

void po_inputs_kick_storage(struct po_inputs *in)
{
	kick_kind(in, INPUT_STORAGE, 0);
}

void po_inputs_reload(struct po_inputs *in)
{
	pthread_mutex_lock(&in->mu);
	in->reload = 1;
	pthread_mutex_unlock(&in->mu);
	kick_kind(in, INPUT_CHORES, 0);
}

int po_inputs_overdue(struct po_inputs *in)
{
	int64_t now = mono_ms(), limit = OVERDUE_MS;
	int busy = 0;
	pthread_mutex_lock(&in->mu);
	for (size_t i = 0; i < in->n; i++) {
		struct input *x = &in->v[i];
		if (!x->busy_since)
			continue;
		busy = 1;
		if (x->overdue_said || now - x->busy_since < limit)
			continue;
		x->overdue_said = 1;
		if (x->kind == INPUT_CHORES)
			po_log_warnx("core", "DNS update or secret reading: no answer after %lld s",
				     (long long)((now - x->busy_since) / 1000));
		else
			po_log_warnx(x->pi->conf->label,
				     "no answer after %lld s; planning with the last good answer meanwhile",
				     (long long)((now - x->busy_since) / 1000));
	}
	pthread_mutex_unlock(&in->mu);
	return busy;
}

int po_inputs_fd(const struct po_inputs *in)
{
	return in->efd;
}

int po_inputs_collect(struct po_inputs *in)
{
	uint64_t n;
	while (read(in->efd, &n, sizeof n) > 0)
		;
	pthread_mutex_lock(&in->mu);
	int changed = in->changed;
	in->changed = 0;
	pthread_mutex_unlock(&in->mu);
	return changed;
}

void po_inputs_slots(struct po_inputs *in, int64_t from_ms, int64_t to_ms,
		     struct playout_slots *out)
{
	pthread_mutex_lock(&in->mu);
	for (size_t i = 0; i < in->n; i++) {
		const struct playout_slots *s = &in->v[i].slots;
		for (size_t k = 0; k < s->n; k++)
			if (s->v[k].end_ms > from_ms && s->v[k].start_ms < to_ms)
				playout_slots_push(out, &s->v[k]);
	}
	pthread_mutex_unlock(&in->mu);
}

int po_inputs_listing(struct po_inputs *in, uint64_t *gen, struct playout_assets *cat,
		      int *status, char *why, size_t nwhy)
{
	int copied = 0;
	pthread_mutex_lock(&in->mu);
	*status = in->listing_status;
	snprintf(why, nwhy, "%s", in->listing_why);
	if (*gen != in->listing_gen) {
		struct playout_asset *v = NULL;
		size_t n = in->listing.n;
		if (n == 0 || (v = malloc(n * sizeof *v))) {
			if (n)
				memcpy(v, in->listing.v, n * sizeof *v);
			free(cat->v);
			cat->v = v;
			cat->n = cat->cap = n;
			*gen = in->listing_gen;
			copied = 1;
		}
	}
	pthread_mutex_unlock(&in->mu);
	return copied;
}

size_t po_inputs_health(struct po_inputs *in, struct po_source_health *v, size_t max,
			int *storage_answered, int *storage_failing, int64_t *storage_since_ms,
			char *why, size_t nwhy)
{
	size_t n = 0;
	pthread_mutex_lock(&in->mu);
	for (size_t i = 0; i < in->n; i++) {
		const struct input *x = &in->v[i];
		if (x->kind != INPUT_SCHEDULE || n == max)
			continue;
		snprintf(v[n].label, sizeof v[n].label, "%s", x->pi->conf->label);
		v[n].failing = x->failing;
		v[n].failing_since_ms = x->failing_since_ms;
		snprintf(v[n].why, sizeof v[n].why, "%s", x->why);
		n++;
	}
	*storage_answered = in->listing_answered;
	/* before its first answer the storage has not failed, only not spoken */
	*storage_failing = in->listing_status != PO_LISTING_OK && in->listing_failing_since_ms;
	*storage_since_ms = in->listing_failing_since_ms;
	snprintf(why, nwhy, "%s", in->listing_why);
	pthread_mutex_unlock(&in->mu);
	return n;
}

size_t po_inputs_stop(struct po_inputs *in)
{
	size_t abandoned = 0;
	if (!in)
		return 0;
	pthread_mutex_lock(&in->mu);
	in->quit = 1;
	pthread_cond_broadcast(&in->cv);
	pthread_mutex_unlock(&in->mu);
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline); /* pthread_timedjoin_np's clock */
	deadline.tv_sec += STOP_WAIT_MS / 1000;
	deadline.tv_nsec += (STOP_WAIT_MS % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (size_t i = 0; i < in->n; i++) {
		struct input *x = &in->v[i];
		if (!x->started)
			continue;
		if (pthread_timedjoin_np(x->thread, NULL, &deadline) != 0) {
			po_log_warnx(x->pi ? x->pi->conf->label : "core",
				     "still inside a call after %d ms (a hung file system?): not waiting for it",
				     STOP_WAIT_MS);
			pthread_detach(x->thread);
			abandoned++;
		}
	}
	if (abandoned)
		return abandoned; /* the threads still use everything below */
	for (size_t i = 0; i < in->n; i++)
		free(in->v[i].slots.v);
	free(in->v);
	free(in->listing.v);
	if (in->efd >= 0)
		close(in->efd);
	pthread_cond_destroy(&in->cv);
	pthread_mutex_destroy(&in->mu);
	free(in);
	return 0;
}
