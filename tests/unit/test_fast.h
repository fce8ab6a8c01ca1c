/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_fast.h - the veth fast path loaded as vnetd loads it, for the tests
 * of its control side */
#ifndef VNET_TEST_FAST_H
#define VNET_TEST_FAST_H

#include "../../vnic/vnic_fast.h"

/* The loaded fast path; NULL when the kernel refused it (the tests then
 * skip). */
static struct vnic_fast *fast;

/* Load it into @fast; said why not when the kernel refuses (no
 * CAP_BPF). */
static inline void test_fast_open(void)
{
	char err[256];

	if (vnic_fast_open(&fast, err, sizeof(err))) {
		print_message("skip: %s\n", err);
		fast = NULL;
	}
}

static inline int test_fast_teardown(void **state)
{
	(void)state;
	vnic_fast_close(fast);
	return 0;
}

#endif
