// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vnic_monitor.c - the link monitor against the kernel, in a network
 * namespace of the test's own: events as they come, and after its queue
 * overflowed (events lost) a resync that still reports every link deleted
 * and the state of every link that remains.  Needs root (CAP_SYS_ADMIN for
 * the namespace); skipped without. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <unistd.h>

#include "../../vnic/vnic.h"
#include "test_netns.h"

#define MAX_SEEN 512

/* Every event the monitor delivered, in order. */
struct seen {
	struct {
		int ifindex;
		bool deleted, up;
	} ev[MAX_SEEN];
	size_t n;
};

static void record(const struct vnic_link_event *ev, void *arg)
{
	struct seen *s = arg;

	if (s->n < MAX_SEEN) {
		s->ev[s->n].ifindex = ev->ifindex;
		s->ev[s->n].deleted = ev->deleted;
		s->ev[s->n].up = ev->up;
		s->n++;
	}
}

/* The last event seen for @ifindex: 1 deleted, 2 present and up, 3
 * present and down, 0 none. */
static int last_of(const struct seen *s, int ifindex)
{
	for (size_t i = s->n; i-- > 0;)
		if (s->ev[i].ifindex == ifindex)
			return s->ev[i].deleted ? 1 : s->ev[i].up ? 2 : 3;
	return 0;
}

/* Deliver everything queued. */
static void drain(struct vnic_monitor *m)
{
	struct pollfd pfd = {.fd = vnic_monitor_fd(m), .events = POLLIN};

	while (poll(&pfd, 1, 100) == 1)
		vnic_monitor_run(m);
}

static int setup_netns(void **state)
{
	(void)state;
	if (!test_netns_own())
		return 0;
	*state = (void *)1;
	return 0;
}

/* With room in the queue: a link made up, a link deleted, as events. */
static void test_events(void **state)
{
	static struct seen s;
	struct vnic_monitor *m;
	int a;

	if (!*state)
		skip();
	test_veth_add("mon-a", "mon-ap");
	a = vnic_link_ifindex("mon-a");
	assert_true(a > 0);
	m = vnic_monitor_open(record, &s, 0);
	assert_non_null(m);
	assert_int_equal(vnic_link_set("mon-a", 1, 0, NULL), 0);
	drain(m);
	assert_int_equal(last_of(&s, a), 2);
	assert_int_equal(vnic_link_delete("mon-a", NULL), 0);
	drain(m);
	assert_int_equal(last_of(&s, a), 1);
	assert_int_equal(vnic_monitor_resyncs(m), 0);
	vnic_monitor_close(m);
}

/* A queue too small for what happens while nobody reads it: the deletion
 * and the link set up come after the overflow, so their events are lost;
 * the resync must still report both, and say nothing false about the
 * links that stayed. */
static void test_overflow_resync(void **state)
{
	static struct seen s;
	struct vnic_monitor *m;
	int keep, gone, gone_peer, stay;
	char a[32], b[32];

	if (!*state)
		skip();
	test_veth_add("mon-keep", "mon-keepp");
	test_veth_add("mon-gone", "mon-gonep");
	keep = vnic_link_ifindex("mon-keep");
	gone = vnic_link_ifindex("mon-gone");
	gone_peer = vnic_link_ifindex("mon-gonep");
	stay = vnic_link_ifindex("mon-keepp");
	assert_true(keep > 0 && gone > 0 && gone_peer > 0 && stay > 0);

	m = vnic_monitor_open(record, &s, 1); /* the kernel's least */
	assert_non_null(m);
	for (int i = 0; i < 24; i++) {
		snprintf(a, sizeof(a), "mon-f%d", i);
		snprintf(b, sizeof(b), "mon-f%dp", i);
		test_veth_add(a, b);
	}
	assert_int_equal(vnic_link_delete("mon-gone", NULL), 0);
	assert_int_equal(vnic_link_set("mon-keep", 1, 0, NULL), 0);
	drain(m);

	assert_true(vnic_monitor_resyncs(m) >= 1);
	assert_int_equal(last_of(&s, gone), 1);
	assert_int_equal(last_of(&s, gone_peer), 1);
	assert_int_equal(last_of(&s, keep), 2);
	assert_int_equal(last_of(&s, stay), 3);
	/* the links made during the flood are known: deleting one now is
	 * an ordinary event */
	s.n = 0;
	stay = vnic_link_ifindex("mon-f23");
	assert_int_equal(vnic_link_delete("mon-f23", NULL), 0);
	drain(m);
	assert_int_equal(last_of(&s, stay), 1);
	vnic_monitor_close(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_events),
	    cmocka_unit_test(test_overflow_resync),
	};

	return cmocka_run_group_tests(tests, setup_netns, NULL);
}
