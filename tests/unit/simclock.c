/*
 * The simulated clock of simclock.h: a discrete-event scheduler for the
 * threads that sleep on one struct po_clock. Not the real clock (core/clock.c).
 */
#include "simclock.h"

#include <pthread.h>
#include <stdlib.h>

#define MAX_SLEEPERS 64

/* A thread asleep: its deadline on the wall clock or on the monotonic one. */
struct sleeper {
	int64_t deadline_ns;
	int wall;
};

struct po_simclock {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_key_t member;   /* set (to this clock) in each thread taking part */
	int64_t now_ns;         /* the monotonic reading; time moves this */
	int64_t wall_off_ns;    /* the wall clock reads now_ns + wall_off_ns */
	int members;            /* threads taking part, announced ones included */
	int announced;          /* announced, not yet seen on the clock */
	struct sleeper *sleeping[MAX_SLEEPERS]; /* the threads asleep */
	int nsleeping;
	uint64_t jumps;
};

/* Under the lock: the monotonic instant a sleeper wakes at; a wall deadline
 * moves with every step of the wall clock, as CLOCK_REALTIME's do. */
static int64_t wake_at(const struct po_simclock *s, const struct sleeper *z)
{
	return z->wall ? z->deadline_ns - s->wall_off_ns : z->deadline_ns;
}

/* Under the lock. Time moves only when every member sleeps to a deadline
 * still ahead: one just woken (deadline reached, not yet running) counts as
 * running, so time never jumps past what it has yet to do. */
static void maybe_advance(struct po_simclock *s)
{
	int ahead = 0;
	int64_t next = INT64_MAX;
	for (int i = 0; i < s->nsleeping; i++) {
		int64_t w = wake_at(s, s->sleeping[i]);
		if (w > s->now_ns) {
			ahead++;
			if (w < next)
				next = w;
		}
	}
	if (s->members > 0 && ahead == s->members && next != INT64_MAX) {
		s->now_ns = next;
		s->jumps++;
		pthread_cond_broadcast(&s->cv);
	}
}

/* Under the lock: the calling thread takes part, if it was announced. */
static void join(struct po_simclock *s)
{
	if (pthread_getspecific(s->member) || s->announced == 0)
		return;
	s->announced--;
	pthread_setspecific(s->member, s);
}

/* A member thread ended: time no longer waits for it. */
static void leave(void *arg)
{
	struct po_simclock *s = arg;
	pthread_mutex_lock(&s->mu);
	s->members--;
	maybe_advance(s);
	pthread_mutex_unlock(&s->mu);
}

static int64_t sim_mono(void *arg)
{
	struct po_simclock *s = arg;
	pthread_mutex_lock(&s->mu);
	join(s);
	int64_t t = s->now_ns;
	pthread_mutex_unlock(&s->mu);
	return t;
}

static int64_t sim_now(void *arg)
{
	struct po_simclock *s = arg;
	pthread_mutex_lock(&s->mu);
	join(s);
	int64_t t = s->now_ns + s->wall_off_ns;
	pthread_mutex_unlock(&s->mu);
	return t;
}

static void sim_sleep(struct po_simclock *s, int64_t deadline_ns, int wall)
{
	struct sleeper z = { deadline_ns, wall };
	pthread_mutex_lock(&s->mu);
	join(s);
	if (wake_at(s, &z) <= s->now_ns || s->nsleeping == MAX_SLEEPERS ||
	    !pthread_getspecific(s->member)) {
		/* a thread not taking part cannot hold time back; it must not
		 * wait for time either: it would wait for ever */
		pthread_mutex_unlock(&s->mu);
		return;
	}
	s->sleeping[s->nsleeping++] = &z;
	maybe_advance(s);
	while (s->now_ns < wake_at(s, &z))
		pthread_cond_wait(&s->cv, &s->mu);
	/* find our slot again: others may have moved it */
	int slot;
	for (slot = 0; slot < s->nsleeping && s->sleeping[slot] != &z; slot++)
		;
	s->sleeping[slot] = s->sleeping[--s->nsleeping];
	pthread_mutex_unlock(&s->mu);
}

static void sim_sleep_until(void *arg, int64_t deadline_ns)
{
	sim_sleep(arg, deadline_ns, 1);
}

static void sim_sleep_until_mono(void *arg, int64_t deadline_ns)
{
	sim_sleep(arg, deadline_ns, 0);
}

static const struct po_clock_ops sim_ops = {
	.now_ns = sim_now,
	.mono_ns = sim_mono,
	.sleep_until_ns = sim_sleep_until,
	.sleep_until_mono_ns = sim_sleep_until_mono,
};

struct po_simclock *po_simclock_new(struct po_clock *c, int64_t start_ns)
{
	struct po_simclock *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	if (pthread_key_create(&s->member, leave) != 0) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->now_ns = start_ns;
	s->members = 1;
	pthread_setspecific(s->member, s);
	po_clock_init(c, 0); /* the whole of c: set back to no ops, it is the real clock */
	po_clock_set_ops(c, &sim_ops, s);
	return s;
}

void po_simclock_free(struct po_simclock *s)
{
	if (!s)
		return;
	pthread_setspecific(s->member, NULL);
	pthread_key_delete(s->member);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

void po_simclock_add_thread(struct po_simclock *s)
{
	pthread_mutex_lock(&s->mu);
	s->members++;
	s->announced++;
	pthread_mutex_unlock(&s->mu);
}

void po_simclock_cancel_thread(struct po_simclock *s)
{
	pthread_mutex_lock(&s->mu);
	s->members--;
	s->announced--;
	maybe_advance(s);
	pthread_mutex_unlock(&s->mu);
}

int po_simclock_members(struct po_simclock *s)
{
	pthread_mutex_lock(&s->mu);
	int n = s->members;
	pthread_mutex_unlock(&s->mu);
	return n;
}

uint64_t po_simclock_jumps(struct po_simclock *s)
{
	pthread_mutex_lock(&s->mu);
	uint64_t n = s->jumps;
	pthread_mutex_unlock(&s->mu);
	return n;
}

int64_t po_simclock_now_ns(struct po_simclock *s)
{
	pthread_mutex_lock(&s->mu);
	int64_t t = s->now_ns + s->wall_off_ns;
	pthread_mutex_unlock(&s->mu);
	return t;
}

void po_simclock_step_wall(struct po_simclock *s, int64_t delta_ns)
{
	pthread_mutex_lock(&s->mu);
	s->wall_off_ns += delta_ns;
	/* wall sleepers whose deadline the step passed wake now */
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}
