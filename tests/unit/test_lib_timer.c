// SPDX-License-Identifier: GPL-2.0-or-later
/* test_lib_timer.c - the control thread's timer service: order, cancel,
 * re-arm, callbacks that re-arm themselves, and the timerfd deadline */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lib/timer.h"

#define N 200

static unsigned fired[N], order[N * 2], n_order;

static void note(struct vtimer *t, void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;

	(void)t;
	fired[i]++;
	order[n_order++] = i;
}

static void reset(void)
{
	memset(fired, 0, sizeof(fired));
	n_order = 0;
}

/* Timers armed in scrambled order fire in deadline order. */
static void test_order(void **state)
{
	struct timer_svc *s = timer_svc_create();
	static struct vtimer t[N];

	(void)state;
	reset();
	assert_non_null(s);
	for (unsigned i = 0; i < N; i++) {
		unsigned k = (i * 7919) % N;

		vtimer_init(&t[k], note, (void *)(uintptr_t)k);
		assert_int_equal(vtimer_arm_at(s, &t[k], 1000 + k * 10), 0);
	}
	assert_int_equal(timer_svc_next(s), 1000);
	assert_int_equal(timer_svc_run_at(s, 999), 0);
	assert_int_equal(timer_svc_run_at(s, 1000 + 49 * 10), 50);
	for (unsigned i = 0; i < 50; i++)
		assert_int_equal(order[i], i);
	assert_int_equal(timer_svc_run_at(s, UINT64_MAX - 1), N - 50);
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(order[i], i);
		assert_false(vtimer_armed(&t[i]));
	}
	assert_int_equal(timer_svc_next(s), UINT64_MAX);
	timer_svc_destroy(s);
}

/* Cancel takes a timer out wherever it sits; moving one re-sorts it. */
static void test_cancel_and_move(void **state)
{
	struct timer_svc *s = timer_svc_create();
	static struct vtimer t[N];

	(void)state;
	reset();
	for (unsigned i = 0; i < N; i++) {
		vtimer_init(&t[i], note, (void *)(uintptr_t)i);
		assert_int_equal(vtimer_arm_at(s, &t[i], 100 + i), 0);
	}
	for (unsigned i = 0; i < N; i += 2)
		vtimer_cancel(s, &t[i]);
	vtimer_cancel(s, &t[0]); /* twice: ignored */
	assert_int_equal(vtimer_arm_at(s, &t[N - 1], 50), 0); /* move first */
	assert_int_equal(timer_svc_next(s), 50);
	assert_int_equal(timer_svc_run_at(s, 1000), N / 2);
	assert_int_equal(order[0], N - 1);
	for (unsigned i = 0; i < N; i++)
		assert_int_equal(fired[i], i % 2);
	timer_svc_destroy(s);
}

static struct timer_svc *self_svc;
static unsigned self_runs;

static void rearm_self(struct vtimer *t, void *arg)
{
	(void)arg;
	self_runs++;
	assert_int_equal(vtimer_arm_at(self_svc, t, 1), 0);
}

/* A callback that re-arms itself for a due time cannot hold the loop. */
static void test_self_rearm_bounded(void **state)
{
	struct vtimer t;

	(void)state;
	self_svc = timer_svc_create();
	self_runs = 0;
	vtimer_init(&t, rearm_self, NULL);
	assert_int_equal(vtimer_arm_at(self_svc, &t, 5), 0);
	assert_int_equal(timer_svc_run_at(self_svc, 10), 1);
	assert_int_equal(self_runs, 1);
	assert_true(vtimer_armed(&t));
	timer_svc_destroy(self_svc);
}

/* The timerfd is set to the earliest deadline and fires for real. */
static void test_timerfd(void **state)
{
	struct timer_svc *s = timer_svc_create();
	struct itimerspec its;
	struct vtimer a, b;
	uint64_t now = timer_now_ms();

	(void)state;
	reset();
	vtimer_init(&a, note, (void *)1);
	vtimer_init(&b, note, (void *)2);
	assert_int_equal(vtimer_arm(s, &a, 5000), 0);
	assert_int_equal(vtimer_arm(s, &b, 20), 0);
	assert_int_equal(timerfd_gettime(timer_svc_fd(s), &its), 0);
	assert_true(its.it_value.tv_sec == 0 &&
		    its.it_value.tv_nsec <= 20 * 1000000L);
	usleep(40 * 1000);
	assert_int_equal(timer_svc_run(s), 1);
	assert_int_equal(fired[2], 1);
	assert_int_equal(fired[1], 0);
	assert_int_equal(timerfd_gettime(timer_svc_fd(s), &its), 0);
	assert_true(its.it_value.tv_sec >= 4);
	assert_true(timer_svc_next(s) >= now + 5000);
	vtimer_cancel(s, &a);
	assert_int_equal(timerfd_gettime(timer_svc_fd(s), &its), 0);
	assert_true(its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0);
	timer_svc_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order),
	    cmocka_unit_test(test_cancel_and_move),
	    cmocka_unit_test(test_self_rearm_bounded),
	    cmocka_unit_test(test_timerfd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
