/* SPDX-License-Identifier: GPL-2.0-or-later */
/* timer.h - the control thread's timer service: a min-heap behind a timerfd
 *
 * Every timer the control thread needs (MAC aging, port retries, idle
 * clients, lease expiry, LACP) is a struct vtimer embedded in its owner and
 * armed on one service.  The service keeps one timerfd set to the earliest
 * deadline, so the thread wakes exactly when something is due, with
 * millisecond resolution, and never on an idle tick.  Single-threaded: every
 * call comes from the thread that runs timer_svc_run().
 */
#ifndef VNET_TIMER_H
#define VNET_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct timer_svc;
struct vtimer;

typedef void (*vtimer_fn)(struct vtimer *t, void *arg);

/**
 * struct vtimer - one timer, embedded in its owner
 * @when: deadline, monotonic milliseconds
 * @fn: called once when due (it may re-arm the timer)
 * @arg: passed to @fn
 * @slot: position in the heap plus one; 0 when not armed
 */
struct vtimer {
	uint64_t when;
	vtimer_fn fn;
	void *arg;
	unsigned slot;
};

uint64_t timer_now_ms(void);
struct timer_svc *timer_svc_create(void);
void timer_svc_destroy(struct timer_svc *s);
int timer_svc_fd(const struct timer_svc *s);
unsigned timer_svc_run(struct timer_svc *s);
unsigned timer_svc_run_at(struct timer_svc *s, uint64_t now);
uint64_t timer_svc_next(const struct timer_svc *s);

void vtimer_init(struct vtimer *t, vtimer_fn fn, void *arg);
int vtimer_arm(struct timer_svc *s, struct vtimer *t, uint64_t delay_ms)
    __attribute__((warn_unused_result));
int vtimer_arm_at(struct timer_svc *s, struct vtimer *t, uint64_t when)
    __attribute__((warn_unused_result));
void vtimer_cancel(struct timer_svc *s, struct vtimer *t);

static inline bool vtimer_armed(const struct vtimer *t)
{
	return t->slot != 0;
}

#endif
