// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vswitch_edge.c - event mode with a backend whose receive fd is
 * watched edge-triggered (rx_fd_edge, as vhost-user's kick eventfds are):
 * an eventfd written once per frame and never read.  Every frame gets
 * through, on its thread and after its queue moved to another thread,
 * including a frame queued with no new edge (the fd stays readable, and
 * the new owner's registration reports it at once).  And coalescing
 * (vswitch_port_set_coalesce()): a steady stream is taken on the switch's
 * looks with the backend's notifications held off, the first frame after a
 * quiet spell at once, and a moved queue keeps flowing; queues over what a
 * thread can hold are notified as before. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lib/util.h"
#include "vnic/vnic_dummy.h"
#include "vnic/vnic_provider.h"
#include "vswitch/vswitch_priv.h"

/* A backend of this test's own: frames are a count the test raises. */
struct edge_vnic {
	struct vnic base;
	int fd;			/* the receive fd: an eventfd, never read */
	_Atomic unsigned want;	/* frames queued so far */
	_Atomic unsigned taken; /* by the owner thread */
	_Atomic bool held;	/* rx_hold(): the sender does not kick */
	_Atomic unsigned holds, releases;
	/* Bursts that took frames while held (the switch's looks) and while
	 * not (after a notification). */
	_Atomic unsigned held_bursts, free_bursts;
};

static int edge_rx_burst(struct vnic *v, unsigned rxq, struct pkt_pool *pool,
			 struct pkt **pkts, unsigned n)
{
	struct edge_vnic *e = (struct edge_vnic *)v;
	unsigned got = 0;

	while (got < n && e->taken != atomic_load(&e->want)) {
		struct pkt *p = pkt_pool_alloc(pool);

		if (!p)
			break;
		memset(p->data, 0, 60);
		memset(p->data, 0xff, 6); /* broadcast: floods to the dummy */
		p->data[6] = 0x02;
		p->data[11] = 0x01;
		p->data[12] = 0x88;
		p->data[13] = 0xb5;
		p->len = 60;
		pkts[got++] = p;
		e->taken++;
	}
	if (got)
		atomic_fetch_add(atomic_load(&e->held) ? &e->held_bursts
						       : &e->free_bursts,
				 1);
	return (int)got;
}

/* As vhost-user's: held, the sender stops kicking; released, look again
 * and signal ourselves for what came in between. */
static void edge_rx_hold(struct vnic *v, unsigned rxq, bool hold)
{
	struct edge_vnic *e = (struct edge_vnic *)v;
	uint64_t one = 1;

	atomic_store(&e->held, hold);
	atomic_fetch_add(hold ? &e->holds : &e->releases, 1);
	if (!hold && e->taken != atomic_load(&e->want))
		assert_int_equal(write(e->fd, &one, sizeof(one)), sizeof(one));
}

static int edge_tx_burst(struct vnic *v, unsigned txq,
			 const struct pkt_out *out, unsigned n, uint64_t *bytes)
{
	return (int)n;
}

static int edge_rx_fd(const struct vnic *v, unsigned rxq)
{
	return ((const struct edge_vnic *)v)->fd;
}

static void edge_close(struct vnic *v)
{
	close(((struct edge_vnic *)v)->fd);
	free(v);
}

static const struct vnic_ops edge_ops = {
    .kind = "edge-test",
    .close = edge_close,
    .rx_burst = edge_rx_burst,
    .tx_burst = edge_tx_burst,
    .rx_fd = edge_rx_fd,
    .rx_hold = edge_rx_hold,
    .rx_fd_edge = true,
};

static struct edge_vnic *edge_open(void)
{
	struct vnic_params p = {.kind = "edge-test", .name = "e", .mtu = 1500};
	struct edge_vnic *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	vnic_base_init(&e->base, &edge_ops, &p);
	e->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	assert_true(e->fd >= 0);
	return e;
}

/* Queue a frame; @kick: and write the eventfd, as a guest's kick. */
static void edge_send(struct edge_vnic *e, bool kick)
{
	uint64_t one = 1;

	atomic_fetch_add(&e->want, 1);
	if (kick)
		assert_int_equal(write(e->fd, &one, sizeof(one)), sizeof(one));
}

/* Wait up to 2 s for the dummy port to have sent @n frames. */
static bool sent(struct vnic *d, unsigned n)
{
	for (int i = 0; i < 2000; i++) {
		if (vnic_dummy_sent(d) >= n)
			return vnic_dummy_sent(d) == n;
		usleep(1000);
	}
	return false;
}

/* The network of edge_switch()'s ports. */
static int edge_net;

/* A started two-thread switch with one private network (edge_net): port
 * *@pe on the test's backend *@e, and a dummy port *@d. */
static struct vswitch *edge_switch(struct edge_vnic **e, struct vnic **d,
				   int *pe)
{
	struct vsw_config cfg = {.threads = 2, .pool_size = 64};
	struct vsw_net_params np = {"n", VSW_NET_PRIVATE, 1500, 64, 300};
	struct vnic_params dp = {.kind = "dummy", .name = "d", .mtu = 1500};
	struct vswitch *sw = vswitch_create(&cfg);
	char err[128];
	int n;

	assert_non_null(sw);
	*e = edge_open();
	assert_int_equal(vswitch_start(sw), 0);
	assert_int_equal(vnic_open(&dp, d, err, sizeof(err)), 0);
	n = edge_net = vswitch_net_add(sw, &np);
	*pe = vswitch_port_add(sw, n, "e", VSW_ROLE_VM, NULL, &(*e)->base);
	assert_true(*pe >= 0);
	assert_true(vswitch_port_add(sw, n, "d", VSW_ROLE_VM, NULL, *d) >= 0);
	return sw;
}

static void test_edge_move(void **state)
{
	struct edge_vnic *e;
	struct vnic *d;
	int pe;
	struct vswitch *sw = edge_switch(&e, &d, &pe);
	unsigned want = 0, thread;

	/* Lone frames, each with its own edge. */
	for (int i = 0; i < 5; i++) {
		edge_send(e, true);
		assert_true(sent(d, ++want));
		usleep(2000);
	}
	for (int round = 0; round < 6; round++) {
		/* A frame queued with no new edge, then the queue moves: the
		 * new owner is told at once (the fd is still readable). */
		edge_send(e, false);
		thread = (unsigned)vswitch_port_queue_thread(sw, pe, 0);
		assert_int_equal(vswitch_port_move(sw, pe, 0, 1 - thread), 0);
		assert_true(sent(d, ++want));
		/* And kicked frames keep coming on the new owner. */
		edge_send(e, true);
		assert_true(sent(d, ++want));
	}
	vswitch_destroy(sw);
}

/* Queue @n frames @gap_us apart, kicking as a driver does: only while the
 * backend wants kicks.  Return: the kicks made. */
static unsigned edge_stream(struct edge_vnic *e, unsigned n, unsigned gap_us)
{
	unsigned kicks = 0;

	for (unsigned i = 0; i < n; i++) {
		bool kick = !atomic_load(&e->held);

		edge_send(e, kick);
		kicks += kick;
		usleep(gap_us);
	}
	return kicks;
}

static void test_coalesce(void **state)
{
	struct edge_vnic *e;
	struct vnic *d;
	int pe;
	struct vswitch *sw = edge_switch(&e, &d, &pe);
	unsigned want = 0, kicks, thread;

	assert_int_equal(vswitch_port_set_coalesce(sw, pe, 100000), -EINVAL);
	assert_int_equal(vswitch_port_coalesce(sw, pe), 0);

	/* Off: every frame is taken after its own kick; nothing is held.
	 * (The dummy port keeps 64 frames: cleared after each step.) */
	kicks = edge_stream(e, 20, 1000);
	assert_true(sent(d, want = 20));
	vnic_dummy_clear(d);
	assert_int_equal(kicks, 20);
	assert_int_equal(atomic_load(&e->holds), 0);
	assert_int_equal(atomic_load(&e->held_bursts), 0);

	/* On, 10 ms: a stream of a frame a millisecond is taken on the
	 * switch's looks; the sender kicks once at its start (and after any
	 * stall of this thread longer than the interval). */
	assert_int_equal(vswitch_port_set_coalesce(sw, pe, 10000), 0);
	assert_int_equal(vswitch_port_coalesce(sw, pe), 10000);
	usleep(20000);
	kicks = edge_stream(e, 50, 1000);
	assert_true(sent(d, want = 50));
	vnic_dummy_clear(d);
	assert_true(atomic_load(&e->holds) >= 1);
	assert_true(atomic_load(&e->held_bursts) >= 3);
	assert_true(kicks <= 25);
	/* Held, a ring's worth at once: a look that stops at its budget with
	 * frames left looks again at once, not an interval later (three
	 * intervals, 30 ms, for 300 frames). */
	{
		unsigned before = atomic_load(&e->taken);
		uint64_t t0 = now_ns(), t1;

		/* (A kick only if a stall of this thread let the hold
		 * go.) */
		for (int i = 0; i < 300; i++)
			edge_send(e, !i && !atomic_load(&e->held));
		/* The look that comes first takes a budget's worth... */
		while (atomic_load(&e->taken) == before &&
		       now_ns() - t0 < 1000000000)
			usleep(100);
		t1 = now_ns();
		/* ...and the next two come right after it. */
		while (atomic_load(&e->taken) != atomic_load(&e->want) &&
		       now_ns() - t1 < 1000000000)
			usleep(100);
		assert_true(now_ns() - t1 < 8000000);
		vnic_dummy_clear(d);
	}
	/* Quiet: the look that finds nothing gives the notifications back. */
	usleep(50000);
	assert_false(atomic_load(&e->held));
	assert_int_equal(atomic_load(&e->releases), atomic_load(&e->holds));

	/* The first frame after a quiet spell is not kept for a look. */
	for (int i = 0; i < 5; i++) {
		unsigned before = atomic_load(&e->free_bursts);

		edge_send(e, true);
		assert_true(sent(d, want = 1));
		vnic_dummy_clear(d);
		assert_int_equal(atomic_load(&e->free_bursts), before + 1);
		usleep(40000);
	}

	/* A held queue moved to another thread keeps flowing, and is held
	 * there anew. */
	for (int round = 0; round < 4; round++) {
		unsigned holds = atomic_load(&e->holds);

		edge_stream(e, 10, 1000);
		thread = (unsigned)vswitch_port_queue_thread(sw, pe, 0);
		assert_int_equal(vswitch_port_move(sw, pe, 0, 1 - thread), 0);
		/* The new owner has looked at the empty queue by now: what
		 * comes next needs a notification, or a look of its own. */
		usleep(20000);
		edge_stream(e, 10, 1000);
		assert_true(sent(d, want = 20));
		vnic_dummy_clear(d);
		assert_true(atomic_load(&e->holds) > holds);
	}

	/* Deleted while held, its id given to a new port that does not
	 * coalesce: the new port's notifications are heeded, and the old
	 * port's entry leaves it alone (no release of a port never held). */
	{
		struct edge_vnic *e2 = edge_open();
		int pe2;

		edge_stream(e, 10, 1000);
		assert_true(sent(d, want = 10));
		vnic_dummy_clear(d);
		assert_true(atomic_load(&e->held));
		assert_int_equal(vswitch_port_del(sw, pe), 0); /* frees e */
		pe2 = vswitch_port_add(sw, edge_net, "e2", VSW_ROLE_VM, NULL,
				       &e2->base);
		assert_int_equal(pe2, pe);
		for (int i = 0; i < 3; i++) {
			edge_send(e2, true);
			assert_true(sent(d, want = 1));
			vnic_dummy_clear(d);
			usleep(15000);
		}
		assert_int_equal(atomic_load(&e2->free_bursts), 3);
		assert_int_equal(atomic_load(&e2->holds), 0);
		assert_int_equal(atomic_load(&e2->releases), 0);
	}
	vswitch_destroy(sw);
}

/* Wait up to 2 s for every frame queued on @e to have been taken. */
static bool all_taken(struct edge_vnic *e)
{
	for (int i = 0; i < 2000; i++) {
		if (atomic_load(&e->taken) == atomic_load(&e->want))
			return true;
		usleep(1000);
	}
	return false;
}

/* More coalescing queues on one thread than it can hold (VSW_HELD_MAX):
 * those over the count are notified as before, frame by frame, and lose
 * nothing; once held ones go quiet, they are held in turn. */
static void test_coalesce_overflow(void **state)
{
	enum { N = VSW_HELD_MAX + 6 };
	struct vsw_config cfg = {.threads = 1, .pool_size = 256};
	struct vsw_net_params np = {"n", VSW_NET_PRIVATE, 1500, 256, 300};
	struct vswitch *sw = vswitch_create(&cfg);
	struct edge_vnic *e[N];
	unsigned never = 0;
	int net, pe[N];

	assert_non_null(sw);
	assert_int_equal(vswitch_start(sw), 0);
	net = vswitch_net_add(sw, &np);
	for (int i = 0; i < N; i++) {
		char name[16];

		snprintf(name, sizeof(name), "e%d", i);
		e[i] = edge_open();
		pe[i] = vswitch_port_add(sw, net, name, VSW_ROLE_VM, NULL,
					 &e[i]->base);
		assert_true(pe[i] >= 0);
		assert_int_equal(vswitch_port_set_coalesce(sw, pe[i], 10000),
				 0);
	}
	usleep(20000);
	/* Every port streams a frame a round, a round a millisecond: each
	 * look at a held queue finds frames, so the held stay held. */
	for (int round = 0; round < 40; round++) {
		for (int i = 0; i < N; i++)
			edge_send(e[i], !atomic_load(&e[i]->held));
		usleep(1000);
	}
	for (int i = 0; i < N; i++) {
		assert_true(all_taken(e[i]));
		never += !atomic_load(&e[i]->holds);
	}
	/* The thread held what it could, and no more. */
	assert_true(never >= 1);
	assert_true(never <= N - VSW_HELD_MAX + 2);
	/* Quiet: all given back. */
	usleep(60000);
	for (int i = 0; i < N; i++) {
		assert_false(atomic_load(&e[i]->held));
		assert_int_equal(atomic_load(&e[i]->releases),
				 atomic_load(&e[i]->holds));
	}
	/* Now there is room: a port that was never held is held. */
	for (int i = 0; i < N; i++) {
		if (atomic_load(&e[i]->holds))
			continue;
		edge_stream(e[i], 20, 1000);
		assert_true(all_taken(e[i]));
		assert_true(atomic_load(&e[i]->holds) >= 1);
	}
	vswitch_destroy(sw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_edge_move),
	    cmocka_unit_test(test_coalesce),
	    cmocka_unit_test(test_coalesce_overflow),
	};

	return cmocka_run_group_tests_name("vswitch_edge", tests, NULL, NULL);
}
