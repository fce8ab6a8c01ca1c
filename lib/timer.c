// SPDX-License-Identifier: GPL-2.0-or-later
/* timer.c - the control thread's timer service: a min-heap behind a timerfd
 *
 * The heap holds pointers to armed timers ordered by deadline; each timer
 * knows its slot, so cancel and re-arm are O(log n) without a search.  The
 * timerfd is set (absolute, CLOCK_MONOTONIC) to the root's deadline whenever
 * the root changes.
 */
#include "timer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

struct timer_svc {
	int fd;
	struct vtimer **heap;
	unsigned n, cap;
	uint64_t armed_for; /* deadline the timerfd is set to, 0 = none */
};

/**
 * timer_now_ms() - monotonic milliseconds, the clock every deadline uses
 *
 * Return: milliseconds since an arbitrary start
 */
uint64_t timer_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/**
 * timer_svc_create() - a timer service with its timerfd
 *
 * Return: the service, or NULL (errno set)
 */
struct timer_svc *timer_svc_create(void)
{
	struct timer_svc *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (s->fd < 0) {
		free(s);
		return NULL;
	}
	return s;
}

/**
 * timer_svc_destroy() - close the service; armed timers are forgotten (their
 * owners must not be armed again on it). NULL is ignored.
 * @s: service
 */
void timer_svc_destroy(struct timer_svc *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->n; i++)
		s->heap[i]->slot = 0;
	close(s->fd);
	free(s->heap);
	free(s);
}

/**
 * timer_svc_fd() - the fd to watch for readability
 * @s: service
 *
 * Return: the timerfd
 */
int timer_svc_fd(const struct timer_svc *s)
{
	return s->fd;
}

/**
 * timer_svc_next() - the earliest deadline
 * @s: service
 *
 * Return: monotonic milliseconds, or UINT64_MAX when nothing is armed
 */
uint64_t timer_svc_next(const struct timer_svc *s)
{
	return s->n ? s->heap[0]->when : UINT64_MAX;
}

static void place(struct timer_svc *s, unsigned i, struct vtimer *t)
{
	s->heap[i] = t;
	t->slot = i + 1;
}

static void sift_up(struct timer_svc *s, unsigned i)
{
	struct vtimer *t = s->heap[i];

	while (i > 0) {
		unsigned parent = (i - 1) / 2;

		if (s->heap[parent]->when <= t->when)
			break;
		place(s, i, s->heap[parent]);
		i = parent;
	}
	place(s, i, t);
}

static void sift_down(struct timer_svc *s, unsigned i)
{
	struct vtimer *t = s->heap[i];

	for (;;) {
		unsigned c = 2 * i + 1;

		if (c >= s->n)
			break;
		if (c + 1 < s->n && s->heap[c + 1]->when < s->heap[c]->when)
			c++;
		if (t->when <= s->heap[c]->when)
			break;
		place(s, i, s->heap[c]);
		i = c;
	}
	place(s, i, t);
}

/* Point the timerfd at the root, if it moved. */
static void rearm(struct timer_svc *s)
{
	uint64_t when = s->n ? s->heap[0]->when : 0;
	struct itimerspec its = {{0, 0}, {0, 0}};

	if (when == s->armed_for)
		return;
	if (when) {
		its.it_value.tv_sec = (time_t)(when / 1000);
		its.it_value.tv_nsec = (long)(when % 1000) * 1000000;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	if (!timerfd_settime(s->fd, TFD_TIMER_ABSTIME, &its, NULL))
		s->armed_for = when;
}

static void heap_remove(struct timer_svc *s, struct vtimer *t)
{
	unsigned i = t->slot - 1;
	struct vtimer *last = s->heap[--s->n];

	t->slot = 0;
	if (i == s->n)
		return;
	place(s, i, last);
	if (i > 0 && s->heap[(i - 1) / 2]->when > last->when)
		sift_up(s, i);
	else
		sift_down(s, i);
}

/**
 * vtimer_init() - prepare a timer (not armed)
 * @t: timer
 * @fn: called when it is due
 * @arg: passed to @fn
 */
void vtimer_init(struct vtimer *t, vtimer_fn fn, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
}

/**
 * vtimer_arm_at() - arm (or move) a timer to an absolute deadline
 * @s: service
 * @t: timer
 * @when: monotonic milliseconds (timer_now_ms() clock)
 *
 * Return: 0, or -ENOMEM (the timer is left as it was)
 */
int vtimer_arm_at(struct timer_svc *s, struct vtimer *t, uint64_t when)
{
	if (!when)
		when = 1;
	if (t->slot) {
		t->when = when;
		heap_remove(s, t);
	}
	if (s->n == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 64;
		struct vtimer **h = realloc(s->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		s->heap = h;
		s->cap = cap;
	}
	t->when = when;
	place(s, s->n++, t);
	sift_up(s, s->n - 1);
	rearm(s);
	return 0;
}

/**
 * vtimer_arm() - arm (or move) a timer to fire after a delay
 * @s: service
 * @t: timer
 * @delay_ms: milliseconds from now
 *
 * Return: 0, or -ENOMEM
 */
int vtimer_arm(struct timer_svc *s, struct vtimer *t, uint64_t delay_ms)
{
	return vtimer_arm_at(s, t, timer_now_ms() + delay_ms);
}

/**
 * vtimer_cancel() - disarm a timer; a timer not armed is ignored
 * @s: service
 * @t: timer
 */
void vtimer_cancel(struct timer_svc *s, struct vtimer *t)
{
	if (!t->slot)
		return;
	heap_remove(s, t);
	rearm(s);
}

/**
 * timer_svc_run_at() - call every timer due at @now (for tests and for
 * timer_svc_run())
 * @s: service
 * @now: the current time, monotonic milliseconds
 *
 * At most as many callbacks run as timers were armed on entry, so a callback
 * that re-arms its timer for a time already due cannot hold the thread; what
 * is left due makes the timerfd fire again at once.
 *
 * Return: how many timers ran
 */
unsigned timer_svc_run_at(struct timer_svc *s, uint64_t now)
{
	unsigned ran = 0, budget = s->n;

	while (s->n && s->heap[0]->when <= now && budget--) {
		struct vtimer *t = s->heap[0];

		heap_remove(s, t);
		t->fn(t, t->arg);
		ran++;
	}
	rearm(s);
	return ran;
}

/**
 * timer_svc_run() - the timerfd is readable: run what is due
 * @s: service
 *
 * Return: how many timers ran
 */
unsigned timer_svc_run(struct timer_svc *s)
{
	uint64_t expirations;

	if (read(s->fd, &expirations, sizeof(expirations)) < 0) {
		/* EAGAIN: woken for a deadline that moved; run anyway */
	}
	s->armed_for = 0; /* the kernel disarmed it */
	return timer_svc_run_at(s, timer_now_ms());
}
