// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vswitch_threads.c - running datapath threads: calls and timers on a
 * given thread, moving and pinning receive queues, live VLAN change, the
 * thread_start hook, and transmit accounting */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "vnic/vnic_dummy.h"
#include "vswitch/vswitch_priv.h"

static _Atomic unsigned started_mask;

static void on_start(unsigned idx, void *arg)
{
	atomic_fetch_or(&started_mask, 1u << idx);
	assert_ptr_equal(arg, &started_mask);
}

static struct vswitch *start(unsigned threads)
{
	struct vsw_config cfg = {.threads = threads,
				 .pool_size = 64,
				 .thread_start = on_start,
				 .thread_arg = &started_mask};
	struct vswitch *sw = vswitch_create(&cfg);

	assert_non_null(sw);
	assert_int_equal(vswitch_start(sw), 0);
	return sw;
}

static struct vnic *dummy(const char *name)
{
	struct vnic_params p = {.kind = "dummy", .name = name, .mtu = 1500};
	struct vnic *v;
	char err[128];

	assert_int_equal(vnic_open(&p, &v, err, sizeof(err)), 0);
	return v;
}

static int net(struct vswitch *sw)
{
	struct vsw_net_params np = {"n", VSW_NET_PRIVATE, 1500, 64, 300};
	int id = vswitch_net_add(sw, &np);

	assert_true(id >= 0);
	return id;
}

static int port(struct vswitch *sw, int n, const char *name, struct vnic **out)
{
	struct vnic *v = dummy(name);
	int id = vswitch_port_add(sw, n, name, VSW_ROLE_VM, NULL, v);

	assert_true(id >= 0);
	if (out)
		*out = v;
	return id;
}

static void whoami(void *arg)
{
	*(int *)arg = vswitch_thread_self();
}

static void count_call(void *arg)
{
	atomic_fetch_add((_Atomic int *)arg, 1);
}

struct tmr {
	struct vsw_timer tm;
	unsigned ms;
	_Atomic int fired_on;
	_Atomic uint64_t fired_ns;
	uint64_t armed_ns;
	int arm_ret;
};

static void tmr_fire(struct vsw_timer *tm)
{
	struct tmr *t = (struct tmr *)tm;

	atomic_store(&t->fired_ns, now_ns());
	atomic_store(&t->fired_on, vswitch_thread_self());
}

static void tmr_arm(void *arg)
{
	struct tmr *t = arg;

	vsw_timer_init(&t->tm, tmr_fire);
	t->armed_ns = now_ns();
	t->arm_ret = vswitch_timer_arm(&t->tm, t->ms);
}

static void tmr_cancel(void *arg)
{
	vswitch_timer_cancel(&((struct tmr *)arg)->tm);
}

static bool wait_for(_Atomic int *v, int want, unsigned ms)
{
	for (unsigned i = 0; i < ms; i++) {
		if (atomic_load(v) == want)
			return true;
		usleep(1000);
	}
	return atomic_load(v) == want;
}

/* Calls run on the thread asked for; the start hook ran on each thread. */
static void test_calls(void **state)
{
	struct vswitch *sw = start(2);
	_Atomic int calls = 0;
	int who = -2;

	for (int i = 0; i < 100 && atomic_load(&started_mask) != 3; i++)
		usleep(1000);
	assert_int_equal(atomic_load(&started_mask), 3);
	assert_int_equal(vswitch_thread_self(), -1);
	for (unsigned t = 0; t < 2; t++) {
		assert_int_equal(vswitch_call_wait(sw, t, whoami, &who), 0);
		assert_int_equal(who, (int)t);
	}
	assert_int_equal(vswitch_call(sw, 2, whoami, &who), -EINVAL);
	/* Fill the ring without waiting: all run, in order (each counts
	 * itself; the main thread reads only after the waited call, which
	 * runs after them). */
	for (int i = 0; i < 200; i++)
		assert_int_equal(vswitch_call(sw, 1, count_call, &calls), 0);
	who = -2;
	assert_int_equal(vswitch_call_wait(sw, 1, whoami, &who), 0);
	assert_int_equal(who, 1);
	assert_int_equal(atomic_load(&calls), 200);
	vswitch_destroy(sw);
}

/* A timer armed on a datapath thread fires there, not early and not much
 * late; a cancelled one never fires; the control thread cannot arm. */
static void test_timers(void **state)
{
	struct vswitch *sw = start(2);
	struct tmr a = {.ms = 30, .fired_on = -1};
	struct tmr b = {.ms = 40, .fired_on = -1};
	struct tmr c = {0};
	uint64_t late;

	vsw_timer_init(&c.tm, tmr_fire);
	assert_int_equal(vswitch_timer_arm(&c.tm, 1), -EPERM);
	assert_int_equal(vswitch_call_wait(sw, 1, tmr_arm, &a), 0);
	assert_int_equal(vswitch_call_wait(sw, 0, tmr_arm, &b), 0);
	assert_int_equal(a.arm_ret, 0);
	assert_int_equal(vswitch_call_wait(sw, 0, tmr_cancel, &b), 0);
	assert_true(wait_for(&a.fired_on, 1, 2000));
	late = atomic_load(&a.fired_ns) - a.armed_ns;
	assert_true(late >= 29 * 1000000ull);
	assert_true(late < 500 * 1000000ull);
	usleep(100000);
	assert_int_equal(atomic_load(&b.fired_on), -1);
	vswitch_destroy(sw);
}

/* Receive queues move between threads on request; a pin follows another
 * port's thread. */
static void test_move_pin(void **state)
{
	struct vswitch *sw = start(2);
	int n = net(sw), a = port(sw, n, "a", NULL), b = port(sw, n, "b", NULL);

	/* Least loaded first: the two ports are on different threads. */
	assert_int_equal(vswitch_port_queues(sw, a), 1);
	assert_int_not_equal(vswitch_port_queue_thread(sw, a, 0),
			     vswitch_port_queue_thread(sw, b, 0));
	assert_int_equal(vswitch_port_pin(sw, b, a), 0);
	assert_int_equal(vswitch_port_queue_thread(sw, b, 0),
			 vswitch_port_queue_thread(sw, a, 0));
	assert_int_equal(vswitch_port_move(sw, a, 0, 1), 0);
	assert_int_equal(vswitch_port_thread(sw, a), 1);
	assert_int_equal(vswitch_port_move(sw, a, 1, 0), -EINVAL);
	assert_int_equal(vswitch_port_move(sw, a, 0, 2), -EINVAL);
	assert_int_equal(vswitch_port_pin(sw, 999, a), -ENOENT);
	assert_int_equal(vswitch_port_queue_thread(sw, a, 1), -ENOENT);
	/* Load follows: a new port goes to the thread with fewer queues. */
	assert_int_equal(vswitch_port_move(sw, b, 0, 1), 0);
	assert_int_equal(
	    vswitch_port_queue_thread(sw, port(sw, n, "c", NULL), 0), 0);
	vswitch_destroy(sw);
}

/* VLAN setting replaced whole; the old MAC entries of the port go. */
static void test_set_vlan(void **state)
{
	struct vsw_vlan a10 = {.mode = VSW_VLAN_ACCESS, .access = 10};
	struct vswitch *sw = start(1);
	int n = net(sw), a = port(sw, n, "a", NULL);
	struct vsw_port *p = atomic_load(&sw->ports[a]);
	const struct vsw_vlan *before = vsw_port_vlan(p);

	assert_int_equal(before->mode, VSW_VLAN_NONE);
	assert_int_equal(vswitch_port_set_vlan(sw, a, &a10), 0);
	assert_int_equal(vsw_port_vlan(p)->mode, VSW_VLAN_ACCESS);
	assert_int_equal(vsw_port_vlan(p)->access, 10);
	assert_int_equal(vswitch_port_set_vlan(sw, a, NULL), 0);
	assert_int_equal(vsw_port_vlan(p)->mode, VSW_VLAN_NONE);
	assert_int_equal(vswitch_port_set_vlan(sw, 77, &a10), -ENOENT);
	vswitch_destroy(sw);
}

/* Every frame queued to a port is sent or counted as a named drop, and
 * tx_bytes count only the frames sent. */
static void test_tx_accounting(void **state)
{
	struct vsw_config cfg = {.threads = 1, .pool_size = 256};
	struct vswitch *sw = vswitch_create(&cfg);
	struct vsw_port_stats st;
	struct vnic *vb;
	int n, a, b;
	struct pkt *pk[PKT_BURST];
	struct vsw_thread *t = &sw->threads[0];
	unsigned total = 0;

	n = net(sw);
	a = port(sw, n, "a", NULL);
	b = port(sw, n, "b", &vb);
	/* 3 bursts of 32 broadcasts: the dummy keeps 64, then is full. */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < PKT_BURST; i++) {
			pk[i] = pkt_pool_alloc(t->pool);
			memset(pk[i]->data, 0, 100);
			memset(pk[i]->data, 0xff, 6);
			pk[i]->data[7] = 1;
			pk[i]->len = (uint32_t)(60 + i);
			total++;
		}
		vsw_process_burst(t, atomic_load(&sw->ports[a]), pk, PKT_BURST);
		for (int i = 0; i < PKT_BURST; i++)
			pkt_free(pk[i]);
	}
	vswitch_port_stats(sw, b, &st);
	assert_int_equal(vnic_dummy_sent(vb), VNIC_DUMMY_MAX);
	assert_int_equal(st.tx_packets, VNIC_DUMMY_MAX);
	assert_int_equal(st.tx_packets + vnic_drops(vb, VNIC_DROP_TX_FULL),
			 total);
	assert_int_equal(st.drops[VSW_DROP_TX_FAILED], 0);
	/* Bytes of the 64 frames that left: two rounds of 60..91. */
	assert_int_equal(st.tx_bytes, 2 * (32 * 60 + 31 * 32 / 2));
	vswitch_destroy(sw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_calls),
	    cmocka_unit_test(test_timers),
	    cmocka_unit_test(test_move_pin),
	    cmocka_unit_test(test_set_vlan),
	    cmocka_unit_test(test_tx_accounting),
	};

	return cmocka_run_group_tests_name("vswitch_threads", tests, NULL,
					   NULL);
}
