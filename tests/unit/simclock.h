/*
 * A simulated clock for tests of code that sleeps to deadlines (the player):
 * time stands still while any thread taking part runs, and jumps to the
 * earliest deadline once every one of them sleeps on it. A test that took
 * seconds of real time runs as fast as the machine can, and every instant
 * it records is exact. Not for code that waits on anything but the clock
 * (a socket, a condition) while others sleep: time would stop for good.
 */
#ifndef PO_TEST_SIMCLOCK_H
#define PO_TEST_SIMCLOCK_H

#include <stdint.h>

#include "clock.h"

struct po_simclock;

/* A simulated clock reading start_ns, and c set to read it (c borrowed
 * until po_simclock_free). The calling thread takes part. Free with
 * po_simclock_free, after every thread taking part but the caller ended. */
struct po_simclock *po_simclock_new(struct po_clock *c, int64_t start_ns);
void po_simclock_free(struct po_simclock *s);

/* Announce a thread about to start (po_player_start) that will sleep on the
 * clock: time waits for it from now on. It joins at its first call to the
 * clock and leaves when it ends. po_simclock_cancel_thread: the thread did
 * not start after all. */
void po_simclock_add_thread(struct po_simclock *s);
void po_simclock_cancel_thread(struct po_simclock *s);

/* Threads taking part now (the creator included): 1 once every announced
 * thread has ended. */
int po_simclock_members(struct po_simclock *s);
/* How many times time jumped; the last reading without taking part. */
uint64_t po_simclock_jumps(struct po_simclock *s);
int64_t po_simclock_now_ns(struct po_simclock *s);
/* Step the wall clock (po_clock_now_ns) by delta_ns, as NTP or an operator
 * would; the monotonic clock (po_clock_mono_ns) does not move. Sleepers on a
 * wall deadline the step passed wake at once. Starts with both the same. */
void po_simclock_step_wall(struct po_simclock *s, int64_t delta_ns);

#endif
