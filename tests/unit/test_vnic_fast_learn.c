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
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <unistd.h>

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

/* One recount of SLOT as vnetd_fast.c makes it: the count read before
 * the walk, the program taking a place during it when @take_during, the
 * walk finding @found MACs; then the count must be @expect. */
static void recount(bool take_during, unsigned found, unsigned expect)
{
	unsigned before = vnic_fast_learned_get(fast, SLOT);

	if (take_during)
		take();
	vnic_fast_learned_fix(fast, SLOT, before, found);
	assert_int_equal(vnic_fast_learned_get(fast, SLOT), expect);
}

/* A MAC learnt while vnetd walks the table, its entry in the table after
 * the walk passed its place: the walk finds the 2 MACs it had, and the
 * place taken for the third stays taken (a store of the walk's 2 lost it,
 * and one MAC more than the limit could be learnt until the next run). */
static void test_take_during_recount(void **state)
{
	(void)state;
	if (!fast)
		skip();
	vnic_fast_learned_set(fast, SLOT, 2);
	recount(true, 2, 3);
	/* The next run finds the third MAC in the table: 3, not 4. */
	recount(false, 3, 3);
}

/* MACs gone from the table (aged, the port down) leave the count, also
 * when one is learnt during the walk: 5 counted, 3 found, 1 new. */
static void test_aged_and_taken(void **state)
{
	(void)state;
	if (!fast)
		skip();
	vnic_fast_learned_set(fast, SLOT, 5);
	recount(true, 3, 4);
	/* All gone: down to 0, never wrapping below. */
	recount(false, 0, 0);
}

/* The sequence a give-back made wrong: at limit 3 with 3 MACs a second
 * CPU's take would pass the limit.  The program takes only below the
 * limit, so that CPU takes nothing and has nothing to give back; vnetd's
 * recount, even one that finds every MAC gone, meets no give-back after
 * it: the count is the table's, 0, not 2^64 - 1. */
static void test_no_give_back(void **state)
{
	(void)state;
	if (!fast)
		skip();
	vnic_fast_learned_set(fast, SLOT, 3);
	recount(false, 0, 0);
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

/* The fast_learned map of @fast (other loaded copies, another vnetd's,
 * may exist): the one whose slot 0 reads @mark, set through @fast. */
static int learned_fd_of(unsigned mark)
{
	__u32 id = 0;

	vnic_fast_learned_set(fast, 0, mark);
	while (!bpf_map_get_next_id(id, &id)) {
		struct bpf_map_info info = {0};
		__u32 len = sizeof(info), key = 0;
		__u64 v = 0;
		int fd = bpf_map_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    !strcmp(info.name, "fast_learned") &&
		    !bpf_map_lookup_elem(fd, &key, &v) && v == mark)
			return fd;
		close(fd);
	}
	return -1;
}

/* vnetd's mapping of the counts and the map the program reads are the
 * same numbers slot by slot (the kernel lays an array's values out 8
 * bytes apart: a mapping read 4 bytes apart wrote slot k's count into
 * slot 2k's place and left the odd ones unseen). */
static void test_mapping_is_the_map(void **state)
{
	static const unsigned slots[] = {
	    1, 2, 3, 4, 127, 200, VNIC_FAST_PORTS - 1};
	int fd;

	(void)state;
	if (!fast)
		skip();
	fd = learned_fd_of(0x5eed1);
	assert_true(fd >= 0);
	for (unsigned i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		__u32 key = slots[i];
		__u64 v = 0, w = 1000 + i;

		vnic_fast_learned_set(fast, slots[i], 7 + i);
		assert_int_equal(bpf_map_lookup_elem(fd, &key, &v), 0);
		assert_int_equal(v, 7 + i);
		assert_int_equal(bpf_map_update_elem(fd, &key, &w, 0), 0);
		assert_int_equal(vnic_fast_learned_get(fast, slots[i]), w);
		vnic_fast_learned_fix(fast, slots[i], (unsigned)w, 2);
		assert_int_equal(bpf_map_lookup_elem(fd, &key, &v), 0);
		assert_int_equal(v, 2);
	}
	for (unsigned i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		vnic_fast_learned_set(fast, slots[i], 0);
	vnic_fast_learned_set(fast, 0, 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mapping_is_the_map),
	    cmocka_unit_test(test_take_during_recount),
	    cmocka_unit_test(test_aged_and_taken),
	    cmocka_unit_test(test_no_give_back),
	    cmocka_unit_test(test_slot_range),
	};

	return cmocka_run_group_tests_name("vnic_fast_learn", tests, setup,
					   test_fast_teardown);
}
