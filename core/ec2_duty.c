/*
 * The daemon's ec2 thread (ec2_duty.h). The control thread publishes the
 * latest blocks under a mutex held only to swap them; this thread applies
 * them to the Auto Scaling group and watches for idleness, each at most
 * once per plan interval or when the blocks change.
 */
#include "ec2_duty.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "autoscaling.h"
#include "ec2_sched.h"
#include "log.h"

#define SRC "ec2"

struct po_ec2_duty {
	struct po_runtime *rt;
	struct po_asg g;
	struct po_ec2_params p;
	int apply, idle_stop;
	int64_t interval_ms;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;        /* CLOCK_MONOTONIC */
	int quit, kick;           /* under mu */
	/* the latest blocks, under mu */
	struct po_ec2_schedule sched;
	uint64_t sig;             /* of sched's blocks */
	int planned;              /* a plan arrived since the start */
	/* the thread's own */
	uint64_t applied_sig;
	int applied_once;
	char last_err[256];
	int64_t grace_until_ms;   /* no idle stop before (see po_ec2_duty_start) */
	int stopped;              /* capacity 0 set in this idle spell */
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t blocks_sig(const struct po_ec2_schedule *s)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < s->n; i++) {
		const int64_t f[3] = {s->v[i].up_ms, s->v[i].down_ms, s->v[i].wake};
		for (size_t k = 0; k < 3; k++)
			h = (h ^ (uint64_t)f[k]) * 1099511628211ull;
	}
	return h ^ s->n;
}

/* A failure is logged when its message changes, not every interval. */
static void say_failure(struct po_ec2_duty *d, const char *what, const char *msg)
{
	if (strcmp(d->last_err, msg) == 0)
		return;
	snprintf(d->last_err, sizeof d->last_err, "%s", msg);
	po_log_warnx(SRC, "%s failed: %s; trying again in %lld s", what, msg,
		     (long long)(d->interval_ms / 1000));
}

static void apply_round(struct po_ec2_duty *d, const struct po_ec2_schedule *s, uint64_t sig,
			int64_t now)
{
	struct po_ec2_action *a = NULL;
	size_t na = 0;
	struct po_asg_applied done;
	struct playout_error e = {0};
	if (d->applied_once && sig == d->applied_sig)
		return;
	if (po_ec2_actions(s, now, &a, &na) < 0)
		return;
	if (po_asg_apply(&d->g, a, na, now, s->to_ms, &done, &e) < 0) {
		say_failure(d, "applying the schedule", e.msg);
	} else {
		d->applied_sig = sig;
		d->applied_once = 1;
		d->last_err[0] = '\0';
		po_log_notice(SRC, "schedule of %s: %zu action%s ahead, %zu put, %zu deleted, "
			      "%.1f instance-hours per week", d->g.group, na, na == 1 ? "" : "s",
			      done.put, done.deleted, po_ec2_hours_per_week(s));
	}
	free(a);
}

/* Any output on air now, as the control thread last recorded it. */
static int on_air(struct po_runtime *rt)
{
	struct po_output_status *v = NULL;
	size_t n = 0;
	int yes = 0;
	if (!rt->state || po_state_get_output_status(rt->state, &v, &n) < 0)
		return 1; /* cannot tell: never stop on a guess */
	for (size_t i = 0; i < n && !yes; i++)
		yes = strcmp(v[i].state, "on air") == 0;
	free(v);
	return yes;
}

static void idle_round(struct po_ec2_duty *d, const struct po_ec2_schedule *s, int64_t now)
{
	/* a block ends a tail after its last item: past it nothing has been
	 * due for longer than the tail */
	if (po_ec2_wanted_at(s, now) || on_air(d->rt)) {
		d->stopped = 0;
		return;
	}
	if (d->stopped || now < d->grace_until_ms)
		return;
	struct playout_error e = {0};
	/* the last check as late as it can be: a play may have begun since */
	if (on_air(d->rt))
		return;
	if (po_asg_set_desired(&d->g, 0, &e) < 0) {
		say_failure(d, "idle stop", e.msg);
		return;
	}
	d->stopped = 1;
	d->last_err[0] = '\0';
	po_log_notice(SRC, "nothing due and nothing on air: desired capacity of %s set to 0",
		      d->g.group);
}

static void *duty_main(void *arg)
{
	struct po_ec2_duty *d = arg;
	int64_t due = 0;
	pthread_mutex_lock(&d->mu);
	for (;;) {
		while (!d->quit && !d->kick && mono_ms() < due) {
			struct timespec ts = {.tv_sec = due / 1000, .tv_nsec = (due % 1000) * 1000000};
			pthread_cond_timedwait(&d->cv, &d->mu, &ts);
		}
		if (d->quit)
			break;
		d->kick = 0;
		/* a private copy: the control thread may swap in the next one */
		struct po_ec2_schedule s = d->sched;
		s.v = NULL;
		if (d->sched.n && (s.v = malloc(d->sched.n * sizeof *s.v)))
			memcpy(s.v, d->sched.v, d->sched.n * sizeof *s.v);
		uint64_t sig = d->sig;
		int planned = d->planned && (!d->sched.n || s.v);
		pthread_mutex_unlock(&d->mu);
		if (planned) {
			int64_t now = po_clock_now_ms(&d->rt->clock);
			if (d->apply)
				apply_round(d, &s, sig, now);
			if (d->idle_stop)
				idle_round(d, &s, now);
		}
		po_ec2_schedule_free(&s);
		due = mono_ms() + d->interval_ms;
		pthread_mutex_lock(&d->mu);
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

int po_ec2_duty_start(struct po_runtime *rt, struct po_ec2_duty **out, struct playout_error *err)
{
	const struct po_config *c = &rt->conf;
	*out = NULL;
	if (!c->ec2.group || (!c->ec2.apply_after_plan && !c->ec2.idle_stop))
		return PLAYOUT_OK;
	struct po_ec2_duty *d = calloc(1, sizeof *d);
	if (!d)
		return playout_error_set(err, PLAYOUT_ENOMEM, "ec2: out of memory");
	d->rt = rt;
	d->g = (struct po_asg){.aws = rt->aws, .group = c->ec2.group, .endpoint = c->ec2.endpoint};
	d->p = po_ec2_params_of(c->ec2.lead_min, c->ec2.tail_min, c->ec2.merge_gap_min,
				c->horizon_h);
	d->apply = c->ec2.apply_after_plan;
	d->idle_stop = c->ec2.idle_stop;
	d->interval_ms = (int64_t)c->plan_interval_s * 1000;
	/* The first plans after a start may know nothing yet (a new state, a
	 * source still answering): "nothing due" then means "not known yet".
	 * Five plan intervals, and at least a tail, before an idle stop; a
	 * machine started by hand gets that long too. */
	int64_t grace = 5 * d->interval_ms > d->p.tail_ms ? 5 * d->interval_ms : d->p.tail_ms;
	d->grace_until_ms = po_clock_now_ms(&rt->clock) + grace;
	pthread_mutex_init(&d->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* signals belong to the control thread (signalfd) */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int e = pthread_create(&d->thread, NULL, duty_main, d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		pthread_cond_destroy(&d->cv);
		pthread_mutex_destroy(&d->mu);
		free(d);
		return playout_error_set(err, PLAYOUT_EIO, "ec2: cannot start a thread: %s",
					 strerror(e));
	}
	po_log_info(SRC, "group %s:%s%s", c->ec2.group, d->apply ? " apply the schedule after each plan" : "",
		    d->idle_stop ? (d->apply ? "; idle stop" : " idle stop") : "");
	*out = d;
	return PLAYOUT_OK;
}

void po_ec2_duty_plan(struct po_ec2_duty *d, const struct po_rundown *r, int64_t now_ms,
		      int64_t to_ms)
{
	struct po_ec2_schedule s;
	if (!d || po_ec2_schedule_build(r->v, r->n, now_ms, to_ms, &d->p, &s) < 0)
		return;
	uint64_t sig = blocks_sig(&s);
	pthread_mutex_lock(&d->mu);
	/* the window moves every round; only a change of blocks wakes the thread */
	int changed = !d->planned || sig != d->sig;
	struct po_ec2_schedule old = d->sched;
	d->sched = s;
	d->sig = sig;
	d->planned = 1;
	if (changed) {
		d->kick = 1;
		pthread_cond_signal(&d->cv);
	}
	pthread_mutex_unlock(&d->mu);
	po_ec2_schedule_free(&old);
}

void po_ec2_duty_stop(struct po_ec2_duty *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->mu);
	d->quit = 1;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
	pthread_join(d->thread, NULL);
	po_ec2_schedule_free(&d->sched);
	pthread_cond_destroy(&d->cv);
	pthread_mutex_destroy(&d->mu);
	free(d);
}
