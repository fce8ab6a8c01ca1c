// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vswitch_tx_count.c - what a port is told it sent is what it took:
 * super-frames handed on whole (superframes_sent_whole) or cut into
 * segments for a port without the offload (superframes_segmented) count
 * only once the port's backend has taken them; a super-frame the backend
 * refused, one whose port failed and one that could not be cut count as
 * neither.  A backend of the test's own takes as many frames of each burst
 * as it is told (the rest counted tx_full, as a full ring does) or fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "lib/vnet_hdr.h"
#include "vnic/vnic_dummy.h"
#include "vnic/vnic_provider.h"
#include "vswitch/vswitch_priv.h"

#define PAYLOAD 4000 /* cut at MSS 1448: three segments */

/* The backend: takes the first @take frames of each burst (or, while
 * @plan has entries, the first plan[i] of its i-th burst), or fails. */
struct lossy {
	struct vnic base;
	unsigned take;
	bool fail;
	unsigned taken;
	const unsigned *plan;
	unsigned plan_n, calls;
};

static int lossy_tx_burst(struct vnic *v, unsigned txq,
			  const struct pkt_out *out, unsigned n,
			  uint64_t *bytes)
{
	struct lossy *l = (struct lossy *)v;
	unsigned take = l->calls < l->plan_n ? l->plan[l->calls] : l->take;
	unsigned k = n < take ? n : take;

	l->calls++;
	if (l->fail)
		return -EIO;
	for (unsigned i = 0; i < k; i++)
		*bytes += pkt_tx_len(out[i].pkt, out[i].tci);
	if (k < n)
		vnic_count_drop(v, VNIC_DROP_TX_FULL, n - k);
	l->taken += k;
	return (int)k;
}

static int lossy_rx_burst(struct vnic *v, unsigned rxq, struct pkt_pool *pool,
			  struct pkt **pkts, unsigned n)
{
	return 0;
}

static void lossy_close(struct vnic *v)
{
	free(v);
}

static const struct vnic_ops lossy_ops = {
    .kind = "lossy-test",
    .close = lossy_close,
    .rx_burst = lossy_rx_burst,
    .tx_burst = lossy_tx_burst,
};

struct env {
	struct vswitch *sw;
	int in, out;
	struct vnic *vin;
	struct lossy *l;
};

/* A network of two ports: a dummy the frames come in on, and the lossy
 * one, which takes the offloads @caps. */
static void setup(struct env *e, unsigned caps)
{
	struct vsw_config cfg = {.threads = 1, .pool_size = 64};
	struct vsw_net_params np = {"n", VSW_NET_PRIVATE, 1500, 64, 300};
	struct vnic_params dp = {.kind = "dummy", .name = "in", .mtu = 1500};
	struct vnic_params lp = {
	    .kind = "lossy-test", .name = "out", .mtu = 1500};
	char err[128];
	int net;

	memset(e, 0, sizeof(*e));
	e->sw = vswitch_create(&cfg);
	assert_non_null(e->sw);
	net = vswitch_net_add(e->sw, &np);
	assert_true(net >= 0);
	assert_int_equal(vnic_open(&dp, &e->vin, err, sizeof(err)), 0);
	e->in = vswitch_port_add(e->sw, net, "in", VSW_ROLE_VM, NULL, e->vin);
	assert_true(e->in >= 0);
	e->l = calloc(1, sizeof(*e->l));
	assert_non_null(e->l);
	vnic_base_init(&e->l->base, &lossy_ops, &lp);
	e->l->take = PKT_BURST;
	atomic_store(&e->l->base.tx_offloads, caps);
	e->out =
	    vswitch_port_add(e->sw, net, "out", VSW_ROLE_VM, NULL, &e->l->base);
	assert_true(e->out >= 0);
}

/* A broadcast TCPv4 super-frame of PAYLOAD bytes in @f (room for it), its
 * offload state checked as a backend checks it. */
static void superframe(uint8_t *f, struct pkt *p)
{
	struct virtio_net_hdr h = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				   .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
				   .hdr_len = 54,
				   .gso_size = 1448,
				   .csum_start = 34,
				   .csum_offset = 16};
	size_t len = 14 + 20 + 20 + PAYLOAD;

	memset(f, 0, len);
	memset(f, 0xff, 6);
	memcpy(f + 6, (uint8_t[]){2, 0, 0, 0, 0, 1, 8, 0}, 8);
	f[14] = 0x45;
	pkt_put_be16(f + 16, (uint16_t)(len - 14));
	f[22] = 64;
	f[23] = 6;
	memcpy(f + 26, (uint8_t[]){10, 0, 0, 1, 10, 0, 0, 2}, 8);
	pkt_put_be16(f + 24, csum_fold(csum_partial(f + 14, 20, 0)));
	pkt_put_be16(f + 34, 1234);
	pkt_put_be16(f + 36, 80);
	f[46] = 0x50;
	f[47] = 0x10; /* ACK */
	*p = (struct pkt){.data = f, .len = (uint32_t)len};
	assert_int_equal(vnet_hdr_to_pkt(&h, VNET_OL_ALL, p), VNET_HDR_OK);
}

#define XMIT_MAX 11 /* 33 segments: the last super-frame's span two bursts */

/* One burst of @n super-frames into port "in". */
static void xmit(struct env *e, unsigned n)
{
	static uint8_t f[XMIT_MAX][14 + 40 + PAYLOAD];
	struct vsw_thread *t = &e->sw->threads[0];
	struct vsw_port *in = atomic_load(&e->sw->ports[e->in]);
	struct pkt p[XMIT_MAX], *pp[XMIT_MAX];

	assert_true(n <= XMIT_MAX);
	for (unsigned i = 0; i < n; i++) {
		superframe(f[i], &p[i]);
		pp[i] = &p[i];
	}
	vsw_process_burst(t, in, pp, n);
}

static uint64_t drop(struct env *e, enum vsw_drop d)
{
	struct vsw_port_stats st;

	vswitch_port_stats(e->sw, e->out, &st);
	return st.drops[d];
}

static uint64_t whole(struct env *e)
{
	return atomic_load(&e->l->base.sf_whole);
}

static uint64_t segmented(struct env *e)
{
	return atomic_load(&e->l->base.sf_cut);
}

/* Handed on whole: counted when taken, not when refused nor when the port
 * failed; of a burst the port took part of, no more than it took. */
static void test_whole(void **state)
{
	struct env e;

	setup(&e, VNET_OL_ALL);
	xmit(&e, 1);
	assert_int_equal(e.l->taken, 1);
	assert_int_equal(whole(&e), 1);
	e.l->take = 0;
	xmit(&e, 2);
	assert_int_equal(vnic_drops(&e.l->base, VNIC_DROP_TX_FULL), 2);
	assert_int_equal(whole(&e), 1);
	e.l->take = 1;
	xmit(&e, 3);
	assert_int_equal(e.l->taken, 2);
	assert_int_equal(whole(&e), 2);
	e.l->fail = true;
	xmit(&e, 2);
	assert_int_equal(drop(&e, VSW_DROP_TX_FAILED), 2);
	assert_int_equal(whole(&e), 2);
	assert_int_equal(segmented(&e), 0);
	vswitch_destroy(e.sw);
}

/* Cut for a port without the offload: counted once every segment was
 * taken; not when some segment was refused, nor when it could not be cut
 * (gso_failed). */
static void test_segmented(void **state)
{
	static uint8_t f[14 + 40 + PAYLOAD];
	struct vsw_thread *t;
	struct vsw_port *in;
	struct pkt p, *pp = &p;
	struct env e;

	setup(&e, 0);
	xmit(&e, 1);
	assert_int_equal(e.l->taken, 3);
	assert_int_equal(segmented(&e), 1);
	/* Two super-frames, six segments; one refused. */
	e.l->take = 5;
	xmit(&e, 2);
	assert_int_equal(e.l->taken, 8);
	assert_int_equal(vnic_drops(&e.l->base, VNIC_DROP_TX_FULL), 1);
	assert_int_equal(segmented(&e), 2);
	/* Every segment refused. */
	e.l->take = 0;
	xmit(&e, 1);
	assert_int_equal(segmented(&e), 2);
	/* Not TCP any more when it is cut (the frame may sit in a guest's
	 * memory, which changed since its header was checked). */
	e.l->take = PKT_BURST;
	superframe(f, &p);
	f[23] = 17;
	t = &e.sw->threads[0];
	in = atomic_load(&e.sw->ports[e.in]);
	vsw_process_burst(t, in, &pp, 1);
	assert_int_equal(drop(&e, VSW_DROP_GSO_FAILED), 1);
	assert_int_equal(segmented(&e), 2);
	assert_int_equal(whole(&e), 0);
	vswitch_destroy(e.sw);
}

/* Eleven super-frames cut into 33 segments: the port gets a burst of
 * PKT_BURST (ten whole super-frames and two segments of the eleventh),
 * then the eleventh's last segment.  The eleventh counts once, and only
 * if both of its parts were taken: a segment missing from the first burst
 * may have been one of its, so it does not count even when its last
 * segment is taken. */
static void test_segments_span_bursts(void **state)
{
	static const unsigned all[] = {PKT_BURST, 1},
			      first_short[] = {PKT_BURST - 1, 1},
			      second_refused[] = {PKT_BURST, 0};
	static const struct {
		const unsigned *plan;
		uint64_t taken, segmented;
	} cases[] = {
	    {all, 33, 11},
	    /* one of 32 missing: any of the ten, or the eleventh */
	    {first_short, 32, 9},
	    {second_refused, 32, 10},
	};
	struct env e;

	assert_int_equal((XMIT_MAX * 3 - 1) / PKT_BURST, 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(&e, 0);
		e.l->plan = cases[i].plan;
		e.l->plan_n = 2;
		xmit(&e, XMIT_MAX);
		assert_int_equal(e.l->calls, 2);
		assert_int_equal(e.l->taken, cases[i].taken);
		assert_int_equal(segmented(&e), cases[i].segmented);
		assert_int_equal(whole(&e), 0);
		vswitch_destroy(e.sw);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_whole),
	    cmocka_unit_test(test_segmented),
	    cmocka_unit_test(test_segments_span_bursts),
	};

	return cmocka_run_group_tests_name("vswitch_tx_count", tests, NULL,
					   NULL);
}
