// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vnic_fast_learn.c - a port's MAC count on the veth fast path when
 * the program learns while vnetd recounts: the sequences are played by
 * hand on the loaded object's count (the program's steps as it makes them,
 * vnetd's recount as vnetd_fast.c makes it: vnic_fast_learned_get() before
 * its walk of the table, vnic_fast_learned_fix() after), so each ordering
 * is checked every run, none left to timing.  Skipped where the kernel
 * refuses the object (no CAP_BPF). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../vnic/vnic_fast.h"
#include "test_fast.h"

#define SLOT 3

static int setup(void **state)
{
	(void)state;
	test_fast_open();
	return 0;
}

/* The program takes a place for a new MAC (its compare-and-swap from
 * the count it read, uncontended here). */
static void take(void)
{
	vnic_fast_learned_set(fast, SLOT,
			      vnic_fast_learned_get(fast, SLOT) + 1);
}

/* A MAC learnt while vnetd walks the table, its entry in the table after
 * the walk passed its place: the walk finds the 2 MACs it had, and the
 * place taken for the third stays taken (a store of the walk's 2 lost it,
 * and one MAC more than the limit could be learnt until the next run). */
static void test_take_during_recount(void **state)
{
	unsigned before;

	(void)state;
	if (!fast)
		skip();
	vnic_fast_learned_set(fast, SLOT, 2);
	before = vnic_fast_learned_get(fast, SLOT);
	take();
	vnic_fast_learned_fix(fast, SLOT, before, 2);
	assert_int_equal(vnic_fast_learned_get(fast, SLOT), 3);
	/* The next run finds the third MAC in the table: 3, not 4. */
	before = vnic_fast_learned_get(fast, SLOT);
	vnic_fast_learned_fix(fast, SLOT, before, 3);
	assert_int_equal(vnic_fast_learned_get(fast, SLOT), 3);
}

/* MACs gone from the table (aged, the port down) leave the count, also
 * when one is learnt during the walk: 5 counted, 3 found, 1 new. */
static void test_aged_and_taken(void **state)
{
	unsigned before;

	(void)state;
	if (!fast)
		skip();
	vnic_fast_learned_set(fast, SLOT, 5);
	before = vnic_fast_learned_get(fast, SLOT);
	take();
	vnic_fast_learned_fix(fast, SLOT, before, 3);
	assert_int_equal(vnic_fast_learned_get(fast, SLOT), 4);
	/* All gone: down to 0, never wrapping below. */
	before = vnic_fast_learned_get(fast, SLOT);
	vnic_fast_learned_fix(fast, SLOT, before, 0);
	assert_int_equal(vnic_fast_learned_get(fast, SLOT), 0);
}

/* The sequence a give-back made wrong: at limit 3 with 3 MACs a second
 * CPU's take would pass the limit.  It reads 3 and takes nothing (the
 * program takes only below the limit, so it has nothing to give back);
 * vnetd's recount, even one that finds every MAC gone, meets no
 * give-back after it: the count is the table's, 0, not 2^32 - 1. */
static void test_no_give_back(void **state)
{
	const unsigned limit = 3;
	unsigned before;

	(void)state;
	if (!fast)
		skip();
	vnic_fast_learned_set(fast, SLOT, limit);
	if (vnic_fast_learned_get(fast, SLOT) < limit)
		take();
	before = vnic_fast_learned_get(fast, SLOT);
	vnic_fast_learned_fix(fast, SLOT, before, 0);
	assert_int_equal(vnic_fast_learned_get(fast, SLOT), 0);
}

/* Slots out of range are refused, not written past the mapping. */
static void test_slot_range(void **state)
{
	(void)state;
	if (!fast)
		skip();
	vnic_fast_learned_set(fast, VNIC_FAST_PORTS, 7);
	vnic_fast_learned_fix(fast, VNIC_FAST_PORTS, 0, 7);
	assert_int_equal(vnic_fast_learned_get(fast, VNIC_FAST_PORTS), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_take_during_recount),
	    cmocka_unit_test(test_aged_and_taken),
	    cmocka_unit_test(test_no_give_back),
	    cmocka_unit_test(test_slot_range),
	};

	return cmocka_run_group_tests_name("vnic_fast_learn", tests, setup,
					   test_fast_teardown);
}
