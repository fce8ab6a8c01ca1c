// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vnic_fast.c - the veth fast path's helpers: map keys (every byte
 * defined, since the kernel hashes them all), entry staleness, and the host
 * end's name (within IFNAMSIZ, stable, distinct) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../vnic/vnic.h"
#include "../../vnic/vnic_fast.h"

static const uint8_t mac_a[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};

/* A key made over garbage equals one made over zeroes: no byte of the old
 * contents (padding included) survives. */
static void test_key_defined(void **state)
{
	struct vnic_fast_key k1, k2;

	(void)state;
	memset(&k1, 0xa5, sizeof(k1));
	memset(&k2, 0x00, sizeof(k2));
	vnic_fast_key_make(&k1, 7, 100, mac_a);
	vnic_fast_key_make(&k2, 7, 100, mac_a);
	assert_memory_equal(&k1, &k2, sizeof(k1));
	assert_int_equal(k1.net, 7);
	assert_int_equal(k1.vlan, 100);
	assert_memory_equal(k1.mac, mac_a, 6);
	/* The BPF program builds the same layout: no hidden padding. */
	assert_int_equal(sizeof(k1), 12);
	assert_int_equal(sizeof(struct vnic_fast_fdb), 16);
	assert_int_equal(sizeof(struct vnic_fast_port), 20);
}

/* Keys differ in each field. */
static void test_key_fields(void **state)
{
	static const struct {
		unsigned net, vlan;
		uint8_t last;
	} t[] = {{1, 0, 0x0a}, {2, 0, 0x0a}, {1, 10, 0x0a}, {1, 0, 0x0b}};
	struct vnic_fast_key k[4];
	uint8_t mac[6];

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		memcpy(mac, mac_a, 6);
		mac[5] = t[i].last;
		vnic_fast_key_make(&k[i], t[i].net, t[i].vlan, mac);
	}
	for (size_t i = 0; i < 4; i++)
		for (size_t j = i + 1; j < 4; j++)
			assert_memory_not_equal(&k[i], &k[j], sizeof(k[i]));
}

static void test_stale(void **state)
{
	static const struct {
		uint64_t seen, now, max;
		bool stale;
	} t[] = {
	    {1000, 1000, 10, false}, /* just seen */
	    {1000, 1010, 10, false}, /* exactly the aging time */
	    {1000, 1011, 10, true},  /* one past it */
	    {2000, 1000, 10, false}, /* stamped in the future */
	    {0, UINT64_MAX, 300000000000ull, true},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct vnic_fast_fdb e = {.ifindex = 3, .seen_ns = t[i].seen};

		assert_int_equal(vnic_fast_is_stale(&e, t[i].now, t[i].max),
				 t[i].stale);
	}
}

/* Every field of the counters is added, however many there are (the
 * struct is 64-bit counters only). */
static void test_stats_add(void **state)
{
	union {
		struct vnic_fast_stats st;
		__u64 v[sizeof(struct vnic_fast_stats) / sizeof(__u64)];
	} to, from;
	size_t n = sizeof(to.v) / sizeof(to.v[0]);

	(void)state;
	assert_int_equal(sizeof(to.st), sizeof(to.v));
	for (size_t i = 0; i < n; i++) {
		to.v[i] = 1000 * (i + 1);
		from.v[i] = i + 1;
	}
	vnic_fast_stats_add(&to.st, &from.st);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(to.v[i], 1001 * (i + 1));
}

static void test_host_name(void **state)
{
	static const struct {
		const char *name, *want;
	} t[] = {
	    {"a", "vh-a"},
	    {"eth0", "vh-eth0"},
	    {"abcdefghijkl", "vh-abcdefghijkl"}, /* 12: still fits */
	};
	char out[VNIC_IFNAMSIZ], again[VNIC_IFNAMSIZ], other[VNIC_IFNAMSIZ];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		vnic_link_veth_host_name(t[i].name, out);
		assert_string_equal(out, t[i].want);
	}
	/* Too long for "vh-": a hash, within IFNAMSIZ, the same each time,
	 * different for a different name. */
	vnic_link_veth_host_name("abcdefghijklm", out);
	vnic_link_veth_host_name("abcdefghijklm", again);
	vnic_link_veth_host_name("abcdefghijkln", other);
	assert_true(strlen(out) < VNIC_IFNAMSIZ);
	assert_int_equal(strncmp(out, "vh", 2), 0);
	assert_string_equal(out, again);
	assert_string_not_equal(out, other);
	vnic_link_veth_host_name("abcdefghijklmno", out);
	assert_int_equal(strlen(out), 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_defined),
	    cmocka_unit_test(test_key_fields),
	    cmocka_unit_test(test_stale),
	    cmocka_unit_test(test_host_name),
	    cmocka_unit_test(test_stats_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
