/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_netns.h - devices made in a unit test's own network namespace */
#ifndef VNET_TEST_NETNS_H
#define VNET_TEST_NETNS_H

#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

/* Move the test into a network namespace of its own; false (said why,
 * the tests then skip) without the rights (root). */
static inline bool test_netns_own(void)
{
	if (!unshare(CLONE_NEWNET))
		return true;
	print_message("skip: no network namespace of our own (%s): needs "
		      "root\n",
		      strerror(errno));
	return false;
}

/* A veth pair @a and @b in the calling thread's namespace (the test's
 * own, after unshare(CLONE_NEWNET)); fails the test when refused. */
static inline void test_veth_add(const char *a, const char *b)
{
	struct nl_sock *sk = nl_socket_alloc();

	assert_non_null(sk);
	assert_int_equal(nl_connect(sk, NETLINK_ROUTE), 0);
	assert_int_equal(rtnl_link_veth_add(sk, a, b, getpid()), 0);
	nl_socket_free(sk);
}

#endif
