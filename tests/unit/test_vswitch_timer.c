// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vswitch_timer.c - the per-thread timer wheel: exact expiry across
 * levels, cancel, re-arm from callbacks, sleep hints, random load */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "lib/util.h"
#include "vswitch/vswitch_priv.h"

struct tt {
	struct vsw_timer tm;
	uint64_t want; /* absolute expiry */
	uint64_t fired_at;
	uint64_t prev_at; /* "now" of the run before the one that fired it */
	unsigned fired;
	struct vsw_wheel *w;
	struct tt *victim; /* cancelled by this timer's callback */
	bool rearm;
};

static uint64_t cur;  /* the "now" of the run that is under way */
static uint64_t prev; /* the "now" of the run before it */

static void on_fire(struct vsw_timer *tm)
{
	struct tt *t = (struct tt *)tm;

	t->fired++;
	t->fired_at = cur;
	t->prev_at = prev;
	if (t->victim)
		vsw_wheel_del(t->w, &t->victim->tm);
	if (t->rearm) {
		t->rearm = false;
		t->want = cur; /* already run: must wait for the next tick */
		vsw_wheel_add(t->w, tm, cur);
	}
}

static void run_to(struct vsw_wheel *w, uint64_t now)
{
	prev = cur;
	cur = now;
	vsw_wheel_run(w, now);
}

/* One timer per delay, run tick by tick: each fires at exactly its tick. */
static void test_exact(void **state)
{
	static const uint64_t delays[] = {
	    0,	    1,	   2,	  255,	 256,	   257,
	    1000,   16383, 16384, 16385, 1u << 20, (1u << 20) + 7,
	    3000000};
	struct vsw_wheel *w = malloc(sizeof(*w));
	struct tt t[ARRAY_SIZE(delays)] = {0};
	uint64_t start = 12345;

	vsw_wheel_init(w, start);
	cur = start - 1;
	for (unsigned i = 0; i < ARRAY_SIZE(delays); i++) {
		vsw_timer_init(&t[i].tm, on_fire);
		t[i].want = start + delays[i];
		vsw_wheel_add(w, &t[i].tm, t[i].want);
		assert_true(vsw_timer_pending(&t[i].tm));
	}
	assert_int_equal(w->count, ARRAY_SIZE(delays));
	for (uint64_t now = start; now <= start + 3000001; now++)
		run_to(w, now);
	for (unsigned i = 0; i < ARRAY_SIZE(delays); i++) {
		assert_int_equal(t[i].fired, 1);
		assert_int_equal(t[i].fired_at, t[i].want);
		assert_false(vsw_timer_pending(&t[i].tm));
	}
	assert_int_equal(w->count, 0);
	assert_int_equal(vsw_wheel_next(w), -1);
	free(w);
}

/* Cancelled timers never fire, including one cancelled by a callback
 * that runs in the same tick just before it. */
static void test_cancel(void **state)
{
	struct vsw_wheel *w = malloc(sizeof(*w));
	struct tt a = {0}, b = {0}, c = {0};

	vsw_wheel_init(w, 0);
	cur = 0;
	vsw_timer_init(&a.tm, on_fire);
	vsw_timer_init(&b.tm, on_fire);
	vsw_timer_init(&c.tm, on_fire);
	a.w = b.w = c.w = w;
	vsw_wheel_add(w, &a.tm, 500);
	vsw_wheel_add(w, &b.tm, 500);
	vsw_wheel_add(w, &c.tm, 70000);
	/* Whichever of a and b runs first cancels the other. */
	a.victim = &b;
	b.victim = &a;
	vsw_wheel_del(w, &c.tm);
	vsw_wheel_del(w, &c.tm); /* idle: no effect */
	assert_int_equal(w->count, 2);
	run_to(w, 100000);
	assert_int_equal(a.fired + b.fired, 1);
	assert_int_equal(c.fired, 0);
	assert_int_equal(w->count, 0);
	/* Re-arming a pending timer moves it. */
	vsw_wheel_add(w, &c.tm, 100010);
	vsw_wheel_add(w, &c.tm, 100020);
	assert_int_equal(w->count, 1);
	run_to(w, 100015);
	assert_int_equal(c.fired, 0);
	run_to(w, 100020);
	assert_int_equal(c.fired, 1);
	free(w);
}

/* A callback that arms its timer for a tick already run gets it on the
 * next tick, not in a loop within this run. */
static void test_rearm_now(void **state)
{
	struct vsw_wheel *w = malloc(sizeof(*w));
	struct tt a = {0};

	vsw_wheel_init(w, 10);
	vsw_timer_init(&a.tm, on_fire);
	a.w = w;
	a.rearm = true;
	vsw_wheel_add(w, &a.tm, 20);
	run_to(w, 20);
	assert_int_equal(a.fired, 1);
	assert_true(vsw_timer_pending(&a.tm));
	assert_int_equal(vsw_wheel_next(w), 0);
	run_to(w, 21);
	assert_int_equal(a.fired, 2);
	free(w);
}

/* The sleep hint is never later than the first expiry, and exact for
 * timers on level 0. */
static void test_next(void **state)
{
	static const uint64_t delays[] = {3, 200, 300, 5000, 20000, 2000000};
	struct vsw_wheel *w = malloc(sizeof(*w));

	for (unsigned i = 0; i < ARRAY_SIZE(delays); i++) {
		struct tt a = {0};
		uint64_t now = 1000 + i * 7;
		int64_t n;
		unsigned wakes = 0;

		vsw_wheel_init(w, now);
		vsw_timer_init(&a.tm, on_fire);
		vsw_wheel_add(w, &a.tm, now + delays[i]);
		if (delays[i] < 256)
			assert_int_equal(vsw_wheel_next(w), delays[i]);
		/* Sleep as told until it fires: never past the expiry, and
		 * few wake-ups. */
		while (!a.fired) {
			n = vsw_wheel_next(w);
			assert_true(n >= 0);
			now = w->now + (uint64_t)n;
			assert_true(now <= 1000 + i * 7 + delays[i]);
			run_to(w, now);
			wakes++;
		}
		assert_int_equal(a.fired_at, 1000 + i * 7 + delays[i]);
		assert_true(wakes <= 4);
	}
	free(w);
}

/* Many timers, random delays and random run steps: each fires once, in
 * the first run whose "now" reaches its expiry. */
static void test_random(void **state)
{
	enum { N = 3000 };
	struct vsw_wheel *w = malloc(sizeof(*w));
	struct tt *t = calloc(N, sizeof(*t));
	uint64_t now = 777;
	unsigned done = 0;

	srand(42);
	vsw_wheel_init(w, now);
	cur = now;
	for (unsigned i = 0; i < N; i++) {
		vsw_timer_init(&t[i].tm, on_fire);
		t[i].want = now + ((uint64_t)rand() % (1u << 22));
		vsw_wheel_add(w, &t[i].tm, t[i].want);
	}
	/* Cancel every tenth. */
	for (unsigned i = 0; i < N; i += 10)
		vsw_wheel_del(w, &t[i].tm);
	while (w->count) {
		now += 1 + (uint64_t)rand() % 5000;
		run_to(w, now);
	}
	for (unsigned i = 0; i < N; i++) {
		if (i % 10 == 0) {
			assert_int_equal(t[i].fired, 0);
			continue;
		}
		assert_int_equal(t[i].fired, 1);
		assert_true(t[i].fired_at >= t[i].want);
		/* Not late: the run before had not reached the expiry. */
		assert_true(t[i].prev_at < t[i].want);
		done++;
	}
	assert_int_equal(done, N - N / 10);
	free(t);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exact),     cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_rearm_now), cmocka_unit_test(test_next),
	    cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests_name("vswitch_timer", tests, NULL, NULL);
}
