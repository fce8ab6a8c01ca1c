// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vswitch_spin.c - event mode's busy-poll after a burst: the running
 * average of the gap between bursts and the budget it allows */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>

#include "vswitch/vswitch_priv.h"

/* 3/4 of the old average and 1/4 of the new gap; it converges on a steady
 * gap, and a huge gap (or the "never measured" start) counts as 1 s. */
static void test_gap(void **state)
{
	uint64_t avg = UINT64_MAX;

	assert_int_equal(vsw_spin_gap(4000, 8000), 5000);
	assert_int_equal(vsw_spin_gap(8000, 0), 6000);
	assert_int_equal(vsw_spin_gap(UINT64_MAX, 0), 750000000);
	assert_int_equal(vsw_spin_gap(0, UINT64_MAX), 250000000);
	for (int i = 0; i < 200; i++)
		avg = vsw_spin_gap(avg, 10000);
	assert_true(avg >= 10000 && avg < 10010);
	/* One long pause moves it a quarter of the way only. */
	assert_int_equal(vsw_spin_gap(10000, 1000000), 257500);
}

/* Twice the average gap, nothing when that exceeds the cap or the cap is
 * 0 (turned off), nothing before a gap was measured. */
static void test_budget(void **state)
{
	assert_int_equal(vsw_spin_budget(10000, 50000), 20000);
	assert_int_equal(vsw_spin_budget(25000, 50000), 50000);
	assert_int_equal(vsw_spin_budget(25001, 50000), 0);
	assert_int_equal(vsw_spin_budget(100000, 50000), 0);
	assert_int_equal(vsw_spin_budget(10000, 0), 0);
	assert_int_equal(vsw_spin_budget(UINT64_MAX, 50000), 0);
	assert_int_equal(vsw_spin_budget(0, 50000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gap),
	    cmocka_unit_test(test_budget),
	};

	return cmocka_run_group_tests_name("vswitch_spin", tests, NULL, NULL);
}
