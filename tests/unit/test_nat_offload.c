// SPDX-License-Identifier: GPL-2.0-or-later
/* test_nat_offload.c - TCP super-frames with partial checksums through the
 * NAT gateway's two legs: translated whole, their offload state kept, the
 * pseudo-header sum in the checksum field following the new addresses, and
 * every segment lib/vnet_hdr.c cuts from them right against checksums
 * computed from scratch; frag-needed judged on the segment size */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/util.h"
#include "lib/vnet_hdr.h"
#include "test_nat_gw_env.h"

#define PAYLOAD 30000u /* a super-frame larger than a jumbo frame */
#define MSS	1448u

struct env {
	struct vnic *gw, *leg;
	struct pkt_pool *pool;
	void *mem;
	uint16_t ext_port;
};

static uint8_t frame[PKT_GSO_MAX_FRAME];

static int setup(void **state, uint16_t ext_mtu)
{
	struct env *e = calloc(1, sizeof(*e));

	tnat_open(false, ext_mtu, &e->gw, &e->leg, &e->mem);
	e->pool = pkt_pool_create(128);
	*state = e;
	return 0;
}

static int setup_1500(void **state)
{
	return setup(state, 1500);
}

static int setup_1280(void **state)
{
	return setup(state, 1280);
}

static int teardown(void **state)
{
	struct env *e = *state;

	tnat_close(e->gw, e->leg, e->mem);
	pkt_pool_destroy(e->pool);
	free(e);
	return 0;
}

/* Hand @len bytes of frame[] with offload state @ol to a leg. */
static void send_ol(struct vnic *v, size_t len, const struct pkt_offload *ol)
{
	struct pkt p = {.data = frame, .len = (uint32_t)len, .ol = *ol};
	struct pkt_out po = {.pkt = &p};
	uint64_t bytes = 0;

	assert_int_equal(vnic_tx_burst(v, 0, &po, 1, &bytes), 1);
}

static void eth(const uint8_t *dst, const uint8_t *src)
{
	memcpy(frame, dst, 6);
	memcpy(frame + 6, src, 6);
	pkt_put_be16(frame + 12, ETHERTYPE_IPV4);
}

/* The one frame @v queued (a pool packet the caller frees), or NULL. */
static struct pkt *one(struct env *e, struct vnic *v)
{
	struct pkt *pk[PKT_BURST];
	int n = vnic_rx_burst(v, 0, e->pool, pk, PKT_BURST);

	assert_true(n <= 1);
	return n == 1 ? pk[0] : NULL;
}

/* Open VM1:40000 -> REM:80 with a SYN; resolve the router. */
static void syn_out(struct env *e)
{
	struct tpkt p;
	struct pkt_offload none = {0};
	struct pkt *o;

	tp_tcp(&p, VM1, 40000, REM, 80, 0x02, 0, 0);
	eth(gw_mac, vm_mac);
	memcpy(frame + 14, p.b, p.len);
	send_ol(e->gw, 14 + p.len, &none);
	o = one(e, e->leg); /* ARP for the router */
	assert_non_null(o);
	pkt_free(o);
	send_ol(e->leg, tnat_arp(frame, 2, rtr_mac, RTR, leg_mac, EXT), &none);
	o = one(e, e->leg);
	assert_non_null(o);
	e->ext_port = tp_get16(o->data + 34);
	pkt_free(o);
}

/*
 * A TCP super-frame in frame[] as a guest's stack hands it over: PAYLOAD
 * bytes, the checksum field holding the folded pseudo-header sum, offload
 * state for TSO at @mss.
 */
static size_t superframe(uint32_t src, uint16_t sport, uint32_t dst,
			 uint16_t dport, uint16_t mss, struct pkt_offload *ol)
{
	uint8_t *ip = frame + 14, *l4 = ip + 20;
	size_t l4len = 20 + PAYLOAD;

	memset(ip, 0, 40);
	ip[0] = 0x45;
	pkt_put_be16(ip + 2, (uint16_t)(20 + l4len));
	pkt_put_be16(ip + 6, 0x4000); /* DF, as TCP sends */
	ip[8] = 64;
	ip[9] = NAT_PROTO_TCP;
	tp_put32(ip + 12, src);
	tp_put32(ip + 16, dst);
	pkt_put_be16(ip + 10, csum_fold(csum_partial(ip, 20, 0)));
	pkt_put_be16(l4, sport);
	pkt_put_be16(l4 + 2, dport);
	tp_put32(l4 + 4, 5000);
	tp_put32(l4 + 8, 7000);
	l4[12] = 5 << 4;
	l4[13] = 0x18; /* PSH ACK */
	pkt_put_be16(l4 + 14, 65535);
	for (size_t i = 0; i < PAYLOAD; i++)
		l4[20 + i] = (uint8_t)(i * 13 + 5);
	pkt_put_be16(l4 + 16, (uint16_t)~csum_fold(tp_pseudo(ip, l4len)));
	*ol = (struct pkt_offload){.csum_start = 34,
				   .csum_offset = 16,
				   .gso_size = mss,
				   .hdr_len = 54,
				   .gso_type = PKT_GSO_TCPV4,
				   .flags = PKT_OL_NEEDS_CSUM};
	return 14 + 20 + l4len;
}

/*
 * @p left a leg as the super-frame made above, translated to @src:@sport ->
 * @dst:@dport: its offload state kept, the partial sum right for the new
 * header, and cut into segments that each carry the right headers, payload
 * and checksums computed from scratch.
 */
static void check_translated(struct env *e, struct pkt *p, uint32_t src,
			     uint16_t sport, uint32_t dst, uint16_t dport)
{
	const uint8_t *ip = p->data + 14;
	struct pkt *seg[PKT_BURST];
	uint8_t whole[PKT_GSO_MAX_FRAME];
	size_t off = 0, got = 0;
	unsigned nseg = 0;

	assert_int_equal(p->len, 14 + 40 + PAYLOAD);
	assert_int_equal(p->ol.gso_type, PKT_GSO_TCPV4);
	assert_int_equal(p->ol.gso_size, MSS);
	assert_true(p->ol.flags & PKT_OL_NEEDS_CSUM);
	assert_int_equal(p->ol.csum_start, 34);
	assert_int_equal(p->ol.csum_offset, 16);
	assert_int_equal(p->ol.hdr_len, 54);
	assert_int_equal(tp_get32(ip + 12), src);
	assert_int_equal(tp_get32(ip + 16), dst);
	assert_int_equal(tp_get16(ip + 20), sport);
	assert_int_equal(tp_get16(ip + 22), dport);
	assert_int_equal(csum_fold(csum_partial(ip, 20, 0)), 0);
	/* The field holds the pseudo-header sum of the translated header,
	 * which the kernel's segmentation adjusts incrementally. */
	assert_int_equal(tp_get16(ip + 36),
			 (uint16_t)~csum_fold(tp_pseudo(ip, 20 + PAYLOAD)));
	/* Finished as one frame (an egress with CSUM but no TSO). */
	memcpy(whole, p->data, p->len);
	pkt_put_be16(whole + 14 + 36,
		     csum_fold(csum_partial(whole + 34, p->len - 34, 0)));
	assert_true(tp_csum_ok(whole + 14, false));
	while (off != SIZE_MAX) {
		int k = vnet_hdr_segment(p, &off, e->pool, seg, PKT_BURST);

		assert_true(k > 0);
		for (int i = 0; i < k; i++) {
			const uint8_t *s = seg[i]->data + 14;
			size_t pl = seg[i]->len - 54;

			assert_true(pl <= MSS);
			assert_false(pkt_has_offload(seg[i]));
			assert_int_equal(tp_get32(s + 12), src);
			assert_int_equal(tp_get32(s + 16), dst);
			assert_int_equal(tp_get16(s + 20), sport);
			assert_int_equal(tp_get16(s + 22), dport);
			assert_int_equal(tp_get16(s + 2), 40 + pl);
			assert_int_equal(tp_get32(s + 24), 5000 + got);
			assert_true(tp_csum_ok(s, false));
			assert_memory_equal(s + 40, ip + 40 + got, pl);
			got += pl;
			nseg++;
			pkt_free(seg[i]);
		}
	}
	assert_int_equal(got, PAYLOAD);
	assert_int_equal(nseg, (PAYLOAD + MSS - 1) / MSS);
}

/* A VM's super-frame out through the NAT and the outside's back in: both
 * cross whole and segment into right frames. */
static void test_tso_both_ways(void **state)
{
	struct env *e = *state;
	struct vgw_nat_stats st;
	struct nat_stats ns;
	struct pkt_offload ol;
	struct pkt *p;
	size_t len;

	syn_out(e);
	assert_int_equal(vnic_tx_offloads(e->gw) & VNET_OL_TSO4, VNET_OL_TSO4);
	assert_int_equal(vnic_tx_offloads(e->leg) & VNET_OL_CSUM, VNET_OL_CSUM);
	len = superframe(VM1, 40000, REM, 80, MSS, &ol);
	eth(gw_mac, vm_mac);
	send_ol(e->gw, len, &ol);
	p = one(e, e->leg);
	assert_non_null(p);
	assert_memory_equal(p->data, rtr_mac, 6);
	check_translated(e, p, EXT, e->ext_port, REM, 80);
	pkt_free(p);

	len = superframe(REM, 80, EXT, e->ext_port, MSS, &ol);
	eth(leg_mac, rtr_mac);
	send_ol(e->leg, len, &ol);
	p = one(e, e->gw);
	assert_non_null(p);
	assert_memory_equal(p->data, vm_mac, 6);
	check_translated(e, p, REM, 80, VM1, 40000);
	pkt_free(p);

	vnic_gateway_nat_stats(e->gw, &st, &ns);
	assert_int_equal(st.superframes, 2);
	assert_int_equal(st.icmp_errors, 0);
}

/* A super-frame is too big for the next MTU only if its segments are: one
 * cut at 1200 bytes passes an MTU of 1280, one cut at 1448 draws
 * fragmentation needed, quoting the frame with its checksum finished. */
static void test_frag_needed_by_segment(void **state)
{
	struct env *e = *state;
	struct pkt_offload ol;
	const uint8_t *q;
	struct pkt *p;
	size_t len;

	syn_out(e);
	len = superframe(VM1, 40000, REM, 80, 1200, &ol);
	eth(gw_mac, vm_mac);
	send_ol(e->gw, len, &ol);
	p = one(e, e->leg);
	assert_non_null(p);
	assert_int_equal(p->len, len);
	pkt_free(p);
	assert_null(one(e, e->gw));

	len = superframe(VM1, 40000, REM, 80, MSS, &ol);
	eth(gw_mac, vm_mac);
	send_ol(e->gw, len, &ol);
	assert_null(one(e, e->leg));
	p = one(e, e->gw);
	assert_non_null(p);
	assert_false(pkt_has_offload(p));
	assert_int_equal(p->data[14 + 20], 3);
	assert_int_equal(p->data[14 + 21], 4);
	assert_int_equal(tp_get16(p->data + 14 + 26), 1280);
	assert_true(tp_csum_ok(p->data + 14, false));
	q = p->data + 14 + 28; /* the quoted header: the VM's, untranslated */
	assert_int_equal(tp_get32(q + 12), VM1);
	assert_int_equal(tp_get16(q + 20), 40000);
	pkt_free(p);
}

/* A partial checksum on an ICMP echo is finished before the engine, which
 * verifies nothing but rewrites the identifier's sum: the echo leaves
 * finished and right. */
static void test_icmp_partial_finished(void **state)
{
	struct env *e = *state;
	struct pkt_offload ol = {
	    .csum_start = 34, .csum_offset = 2, .flags = PKT_OL_NEEDS_CSUM};
	struct tpkt p;
	struct pkt *o;

	syn_out(e);
	tp_echo(&p, VM1, REM, 8, 77);
	p.b[22] = p.b[23] = 0; /* partial: no pseudo-header for ICMP */
	eth(gw_mac, vm_mac);
	memcpy(frame + 14, p.b, p.len);
	send_ol(e->gw, 14 + p.len, &ol);
	o = one(e, e->leg);
	assert_non_null(o);
	assert_false(pkt_has_offload(o));
	assert_true(tp_csum_ok(o->data + 14, false));
	pkt_free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_tso_both_ways, setup_1500,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_frag_needed_by_segment,
					    setup_1280, teardown),
	    cmocka_unit_test_setup_teardown(test_icmp_partial_finished,
					    setup_1500, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
