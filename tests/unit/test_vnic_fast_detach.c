// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vnic_fast_detach.c - taking a port off the veth fast path leaves
 * no program running that could still count for it: vnic_fast_detach()
 * relies on the kernel's wait where the detach makes one (a tcx link on a
 * device that is there: its release waits for an RCU grace period) and
 * waits itself (a map-of-maps update) where it does not (a clsact qdisc,
 * a link whose device is gone).  Which of the two happened is counted
 * (vnic_fast_syncs()): both ways are checked, in a network namespace of
 * the test's own.  Needs root (CAP_SYS_ADMIN, CAP_BPF); skipped without. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <sched.h>
#include <unistd.h>

#include "../../vnic/vnic.h"
#include "test_netns.h"
#include "../../vnic/vnic_fast.h"

static struct vnic_fast *fast;

static int setup(void **state)
{
	char err[256];
	int ret;

	(void)state;
	if (!test_netns_own())
		return 0;
	ret = vnic_fast_open(&fast, err, sizeof(err));
	if (ret) {
		print_message("skip: %s\n", err);
		fast = NULL;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vnic_fast_close(fast);
	return 0;
}

/* Put @ifname on the fast path; return the tcx link's fd (skips on a
 * kernel without tcx). */
static int attach(const char *ifname)
{
	struct vnic_fast_port port = {.net = 1, .enabled = 1, .mtu = 1500};
	int ifindex = vnic_link_ifindex(ifname), link_fd;
	char err[256];

	assert_true(ifindex > 0);
	assert_int_equal(vnic_fast_attach(fast, ifindex, -1, &port, &link_fd,
					  err, sizeof(err)),
			 0);
	if (link_fd < 0) {
		vnic_fast_detach(fast, ifindex, link_fd);
		print_message("skip: no tcx in this kernel\n");
		skip();
	}
	return link_fd;
}

/* A device that is there: its link's release waited, no wait of ours. */
static void test_tcx_waits(void **state)
{
	unsigned long before;
	int fd;

	(void)state;
	if (!fast)
		skip();
	test_veth_add("fd-a", "fd-ap");
	fd = attach("fd-a");
	before = vnic_fast_syncs(fast);
	vnic_fast_detach(fast, vnic_link_ifindex("fd-a"), fd);
	assert_int_equal(vnic_fast_syncs(fast), before);
	assert_int_equal(vnic_link_delete("fd-a", NULL), 0);
}

/* A device gone before its port: the kernel took the link off it then,
 * and the close waits for nothing; vnic_fast_detach() waits. */
static void test_gone_device_synced(void **state)
{
	unsigned long before;
	int fd, ifindex;

	(void)state;
	if (!fast)
		skip();
	test_veth_add("fd-b", "fd-bp");
	ifindex = vnic_link_ifindex("fd-b");
	fd = attach("fd-b");
	assert_int_equal(vnic_link_delete("fd-b", NULL), 0);
	before = vnic_fast_syncs(fast);
	vnic_fast_detach(fast, ifindex, fd);
	assert_int_equal(vnic_fast_syncs(fast), before + 1);
}

/* A clsact qdisc (kernels without tcx): its deletion does not wait for
 * running filters; vnic_fast_detach() does. */
static void test_clsact_synced(void **state)
{
	unsigned long before;

	(void)state;
	if (!fast)
		skip();
	test_veth_add("fd-c", "fd-cp");
	before = vnic_fast_syncs(fast);
	vnic_fast_detach(fast, vnic_link_ifindex("fd-c"), -1);
	assert_int_equal(vnic_fast_syncs(fast), before + 1);
	assert_int_equal(vnic_link_delete("fd-c", NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tcx_waits),
	    cmocka_unit_test(test_gone_device_synced),
	    cmocka_unit_test(test_clsact_synced),
	};

	return cmocka_run_group_tests_name("vnic_fast_detach", tests, setup,
					   teardown);
}
