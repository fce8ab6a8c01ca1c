// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vswitch_edge.c - event mode with a backend whose receive fd is
 * watched edge-triggered (rx_fd_edge, as vhost-user's kick eventfds are):
 * an eventfd written once per frame and never read.  Every frame gets
 * through, on its thread and after its queue moved to another thread,
 * including a frame queued with no new edge (the fd stays readable, and
 * the new owner's registration reports it at once). */
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
	int fd;		       /* the receive fd: an eventfd, never read */
	_Atomic unsigned want; /* frames queued so far */
	unsigned taken;	       /* by the owner thread */
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
	return (int)got;
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

static void test_edge_move(void **state)
{
	struct vsw_config cfg = {.threads = 2, .pool_size = 64};
	struct vsw_net_params np = {"n", VSW_NET_PRIVATE, 1500, 64, 300};
	struct vnic_params dp = {.kind = "dummy", .name = "d", .mtu = 1500};
	struct vswitch *sw = vswitch_create(&cfg);
	struct edge_vnic *e = edge_open();
	struct vnic *d;
	char err[128];
	int n, pe, pd;
	unsigned want = 0, thread;

	assert_non_null(sw);
	assert_int_equal(vswitch_start(sw), 0);
	assert_int_equal(vnic_open(&dp, &d, err, sizeof(err)), 0);
	n = vswitch_net_add(sw, &np);
	pe = vswitch_port_add(sw, n, "e", VSW_ROLE_VM, NULL, &e->base);
	pd = vswitch_port_add(sw, n, "d", VSW_ROLE_VM, NULL, d);
	assert_true(pe >= 0 && pd >= 0);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_edge_move),
	};

	return cmocka_run_group_tests_name("vswitch_edge", tests, NULL, NULL);
}
