// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vswitch_fdb.c - MAC learning table: learn, move, age, capacity */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vswitch/vswitch_priv.h"

static const uint8_t mac_a[6] = {0x52, 0x54, 0, 0, 0, 1};
static const uint8_t mac_b[6] = {0x52, 0x54, 0, 0, 0, 2};

static void test_learn_lookup(void **state)
{
	struct fdb *f = fdb_create(16, 300);

	assert_int_equal(fdb_lookup(f, mac_a, 0, 100), -1);
	assert_int_equal(fdb_learn(f, mac_a, 0, 3, 100), FDB_LEARNED);
	assert_int_equal(fdb_lookup(f, mac_a, 0, 100), 3);
	assert_int_equal(fdb_learn(f, mac_a, 0, 3, 101), FDB_REFRESHED);
	assert_int_equal(fdb_count(f), 1);
	/* Same MAC in another VLAN is another entry. */
	assert_int_equal(fdb_lookup(f, mac_a, 10, 100), -1);
	assert_int_equal(fdb_learn(f, mac_a, 10, 4, 100), FDB_LEARNED);
	assert_int_equal(fdb_lookup(f, mac_a, 10, 100), 4);
	assert_int_equal(fdb_lookup(f, mac_a, 0, 100), 3);
	fdb_destroy(f);
}

static void test_move(void **state)
{
	struct fdb *f = fdb_create(16, 300);

	fdb_learn(f, mac_a, 0, 1, 10);
	assert_int_equal(fdb_learn(f, mac_a, 0, 2, 11), FDB_MOVED);
	assert_int_equal(fdb_lookup(f, mac_a, 0, 11), 2);
	assert_int_equal(fdb_count(f), 1);
	fdb_destroy(f);
}

static void test_age(void **state)
{
	struct fdb *f = fdb_create(16, 30);

	fdb_learn(f, mac_a, 0, 1, 100);
	fdb_learn(f, mac_b, 0, 2, 120);
	/* Expired entries stop answering before the sweep removes them. */
	assert_int_equal(fdb_lookup(f, mac_a, 0, 130), -1);
	assert_int_equal(fdb_lookup(f, mac_b, 0, 130), 2);
	assert_int_equal(fdb_age(f, 130), 1);
	assert_int_equal(fdb_count(f), 1);
	/* A refresh keeps an entry alive. */
	fdb_learn(f, mac_b, 0, 2, 145);
	assert_int_equal(fdb_age(f, 160), 0);
	assert_int_equal(fdb_lookup(f, mac_b, 0, 160), 2);
	/* The tombstone is reused and lookups still work past it. */
	assert_int_equal(fdb_learn(f, mac_a, 0, 5, 160), FDB_LEARNED);
	assert_int_equal(fdb_lookup(f, mac_a, 0, 160), 5);
	fdb_destroy(f);
}

static void test_capacity(void **state)
{
	struct fdb *f = fdb_create(20, 300);
	uint8_t m[6] = {0x02, 0, 0, 0, 0, 0};
	unsigned learned = 0, full = 0;

	for (int i = 0; i < 100; i++) {
		m[5] = (uint8_t)i;
		m[4] = (uint8_t)(i >> 8);
		switch (fdb_learn(f, m, 0, 1, 1)) {
		case FDB_LEARNED:
			learned++;
			break;
		case FDB_FULL:
			full++;
			break;
		default:
			fail();
		}
	}
	assert_int_equal(learned, 20);
	assert_int_equal(full, 80);
	assert_int_equal(fdb_count(f), 20);
	/* Known MACs still refresh when the table is full. */
	m[5] = 0;
	m[4] = 0;
	assert_int_equal(fdb_learn(f, m, 0, 1, 2), FDB_REFRESHED);
	fdb_destroy(f);
}

static void test_flush_and_rebuild(void **state)
{
	struct fdb *f = fdb_create(64, 300), *g;
	uint8_t m[6] = {0x02, 0, 0, 0, 0, 0};

	/* 64 entries in a 128-slot table; port 1 has three in four. */
	for (int i = 0; i < 64; i++) {
		m[5] = (uint8_t)i;
		fdb_learn(f, m, 0, (uint16_t)(i % 4 != 0), 1);
	}
	assert_int_equal(fdb_flush_port(f, 1), 48);
	assert_int_equal(fdb_count(f), 16);
	assert_true(fdb_needs_rebuild(f));
	g = fdb_rebuild(f);
	assert_non_null(g);
	assert_int_equal(fdb_count(g), 16);
	assert_false(fdb_needs_rebuild(g));
	m[5] = 4;
	assert_int_equal(fdb_lookup(g, m, 0, 1), 0);
	m[5] = 3;
	assert_int_equal(fdb_lookup(g, m, 0, 1), -1);
	fdb_destroy(f);
	fdb_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_learn_lookup),
	    cmocka_unit_test(test_move),
	    cmocka_unit_test(test_age),
	    cmocka_unit_test(test_capacity),
	    cmocka_unit_test(test_flush_and_rebuild),
	};

	return cmocka_run_group_tests_name("vswitch_fdb", tests, NULL, NULL);
}
