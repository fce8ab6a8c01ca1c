// SPDX-License-Identifier: GPL-2.0-or-later
/* test_lib_vnet_hdr_tnl.c - TCP super-frames inside a UDP tunnel (VXLAN),
 * as a packet socket reports them (type TCPV4/TCPV6, partial checksum at
 * the inner TCP header): taken with VNET_OL_UDP_TNL, never passed whole,
 * and cut like Linux's skb_udp_tunnel_segment(); every segment's lengths
 * and checksums are checked against values computed here from scratch.
 * Shapes: IPv4 and IPv6 outside and inside in all four pairings, an inner
 * IPv4 header with options, Geneve with and without options (a tunnel
 * header of its own length), and cuts spread over several calls of one to
 * three segments each */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lib/pkt.h"
#include "lib/util.h"
#include "lib/vnet_hdr.h"

#define MSS  1000
#define PAY  3500 /* 3 full segments and one of 500 */
#define TCPH 32	  /* with 12 bytes of options */

/* Offsets of one test frame's headers. */
struct tf {
	bool ov6, v6, ocsum;
	size_t iopt; /* inner IPv4 option bytes, a multiple of 4 */
	bool geneve; /* else VXLAN */
	size_t gopt; /* Geneve option bytes, a multiple of 4 */
	size_t ol3, ol4, l3, l4, len;
};

/* Router Alert, then NOP, NOP, NOP, end of options. */
static const uint8_t ip_opts[8] = {0x94, 4, 0, 0, 1, 1, 1, 0};

static void put_ip(uint8_t *ip, bool v6, size_t left, uint8_t proto,
		   uint16_t id, uint8_t host, size_t opt)
{
	if (v6) {
		ip[0] = 0x60;
		pkt_put_be16(ip + 4, (uint16_t)(left - 40));
		ip[6] = proto;
		ip[7] = 64;
		ip[8] = 0xfd;
		ip[23] = host;
		ip[24] = 0xfd;
		ip[39] = (uint8_t)(host + 1);
		return;
	}
	ip[0] = (uint8_t)(0x45 + opt / 4);
	memcpy(ip + 20, ip_opts, opt);
	pkt_put_be16(ip + 2, (uint16_t)left);
	pkt_put_be16(ip + 4, id);
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, (uint8_t[]){10, 0, host, 1, 10, 0, host, 2}, 8);
	pkt_put_be16(ip + 10, csum_fold(csum_partial(ip, 20 + opt, 0)));
}

/* The pseudo-header sum of an L4 datagram of @n bytes behind @ip. */
static uint32_t pseudo(const uint8_t *ip, bool v6, size_t n, uint8_t proto)
{
	uint32_t sum =
	    v6 ? csum_partial(ip + 8, 32, 0) : csum_partial(ip + 12, 8, 0);

	return sum + proto + (uint32_t)n;
}

/* Build a VXLAN frame: outer Ethernet, IP (@ov6), UDP (checksum when
 * @ocsum, else 0), VXLAN, inner Ethernet, IP (@v6), TCP with PAY bytes;
 * both L4 checksums partial, as the kernel hands such a frame over. */
static void tnl_frame(uint8_t *f, struct tf *t, struct virtio_net_hdr *h)
{
	uint8_t *ip, *udp, *tcp;

	t->ol3 = 14;
	t->ol4 = t->ol3 + (t->ov6 ? 40 : 20);
	t->l3 = t->ol4 + 8 + 8 + t->gopt + 14;
	t->l4 = t->l3 + (t->v6 ? 40 : 20 + t->iopt);
	t->len = t->l4 + TCPH + PAY;
	memset(f, 0, t->len);
	memcpy(f, (uint8_t[]){2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2}, 12);
	pkt_put_be16(f + 12, t->ov6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
	ip = f + t->ol3;
	put_ip(ip, t->ov6, t->len - t->ol3, 17, 0x2000, 1, 0);
	if (!t->ov6) { /* the outer header without DF */
		ip[6] = 0;
		pkt_put_be16(ip + 10, 0);
		pkt_put_be16(ip + 10, csum_fold(csum_partial(ip, 20, 0)));
	}
	udp = f + t->ol4;
	pkt_put_be16(udp, 40000);
	pkt_put_be16(udp + 2, t->geneve ? 6081 : 4789);
	pkt_put_be16(udp + 4, (uint16_t)(t->len - t->ol4));
	if (t->ocsum)
		pkt_put_be16(udp + 6, (uint16_t)~csum_fold(pseudo(
					  ip, t->ov6, t->len - t->ol4, 17)));
	if (t->geneve) {
		/* Version 0, option length in words, Ethernet inside, VNI
		 * 42; options of 4 bytes each (class 0x0102, type 0x80,
		 * length 0: no data), the last of them 0x45-led (a tunnel
		 * header may hold any bytes, IPv4-like ones too). */
		udp[8] = (uint8_t)(t->gopt / 4);
		pkt_put_be16(udp + 10, 0x6558);
		udp[14] = 42;
		for (size_t o = 0; o < t->gopt; o += 4)
			memcpy(udp + 16 + o, (uint8_t[]){1, 2, 0x80, 0}, 4);
		if (t->gopt)
			udp[16 + t->gopt - 4] = 0x45;
	} else {
		udp[8] = 0x08; /* VXLAN: VNI valid */
		udp[14] = 42;
	}
	memcpy(udp + 16 + t->gopt,
	       (uint8_t[]){2, 0, 0, 0, 0, 3, 2, 0, 0, 0, 0, 4}, 12);
	pkt_put_be16(udp + 28 + t->gopt,
		     t->v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
	ip = f + t->l3;
	put_ip(ip, t->v6, t->len - t->l3, 6, 0x1000, 2, t->iopt);
	tcp = f + t->l4;
	pkt_put_be16(tcp, 33000);
	pkt_put_be16(tcp + 2, 80);
	pkt_put_be16(tcp + 4, 0xfffe); /* the sequence wraps on the way */
	pkt_put_be16(tcp + 6, 0xfc00);
	tcp[12] = (TCPH / 4) << 4;
	tcp[13] = 0x18 | 0x01; /* ACK PSH FIN */
	tcp[20] = 1;	       /* NOP, NOP, timestamps */
	tcp[21] = 1;
	tcp[22] = 8;
	tcp[23] = 10;
	for (size_t i = 0; i < PAY; i++)
		f[t->l4 + TCPH + i] = (uint8_t)(i * 13 + i / 241);
	pkt_put_be16(tcp + 16, (uint16_t)~csum_fold(
				   pseudo(ip, t->v6, t->len - t->l4, 6)));
	*h = (struct virtio_net_hdr){
	    .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
	    .gso_type =
		t->v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4,
	    .hdr_len = (uint16_t)(t->l4 + TCPH),
	    .gso_size = MSS,
	    .csum_start = (uint16_t)t->l4,
	    .csum_offset = 16,
	};
}

/* An IP header of a segment with @left bytes from it on: its length,
 * IPv4: id @id, @opt option bytes kept and a header checksum over all
 * of it that checks. */
static void check_ip(const uint8_t *ip, bool v6, size_t left, unsigned id,
		     size_t opt)
{
	if (v6) {
		assert_int_equal(pkt_get_be16(ip + 4), left - 40);
		return;
	}
	assert_int_equal(ip[0], 0x45 + opt / 4);
	assert_int_equal(pkt_get_be16(ip + 2), left);
	assert_int_equal(pkt_get_be16(ip + 4), id);
	assert_memory_equal(ip + 20, ip_opts, opt);
	assert_int_equal(csum_fold(csum_partial(ip, 20 + opt, 0)), 0);
}

/* Segment @i of frame @f (as struct @t) checked from scratch. */
static void check_seg(const uint8_t *f, const struct tf *t, const struct pkt *s,
		      int i)
{
	size_t want = i < 3 ? MSS : PAY - 3 * MSS, len = t->l4 + TCPH + want;
	const uint8_t *d = s->data, *oip = d + t->ol3, *ip = d + t->l3;
	uint32_t seq = 0xfffefc00u + (uint32_t)i * MSS;

	assert_int_equal(s->len, len);
	/* Outer: lengths, the id one up per segment, header checksum, and
	 * the UDP checksum over all that follows, or none (IPv4 only: over
	 * IPv6 a zero checksum is filled in, valid for every receiver). */
	check_ip(oip, t->ov6, len - t->ol3, 0x2000 + i, 0);
	assert_int_equal(pkt_get_be16(d + t->ol4 + 4), len - t->ol4);
	if (t->ocsum || t->ov6)
		assert_int_equal(csum_fold(csum_partial(
				     d + t->ol4, len - t->ol4,
				     pseudo(oip, t->ov6, len - t->ol4, 17))),
				 0);
	else
		assert_int_equal(pkt_get_be16(d + t->ol4 + 6), 0);
	/* The tunnel header and inner Ethernet header as they were. */
	assert_memory_equal(d + t->ol4 + 8, f + t->ol4 + 8, t->l3 - t->ol4 - 8);
	/* Inner: lengths, id, sequence, flags, TCP checksum, payload. */
	check_ip(ip, t->v6, len - t->l3, 0x1000 + i, t->iopt);
	assert_int_equal(pkt_get_be16(d + t->l4 + 4), seq >> 16);
	assert_int_equal(pkt_get_be16(d + t->l4 + 6), seq & 0xffff);
	assert_int_equal(d[t->l4 + 13], i == 3 ? 0x19 : 0x10);
	assert_int_equal(
	    csum_fold(csum_partial(d + t->l4, len - t->l4,
				   pseudo(ip, t->v6, len - t->l4, 6))),
	    0);
	assert_memory_equal(d + t->l4 + TCPH,
			    f + t->l4 + TCPH + (size_t)i * MSS, want);
}

static uint8_t frame[8192];

/* Cut @p (or, @p NULL, @h's frame through the receive fallback) at most
 * @step segments a call until done; the 4 segments into @out. */
static void cut_steps(const struct tf *t, const struct virtio_net_hdr *h,
		      struct pkt *p, struct pkt_pool *pool, unsigned step,
		      struct pkt **out)
{
	size_t off = 0;
	int n = 0;

	for (unsigned calls = 0; off != SIZE_MAX; calls++) {
		int r = p ? vnet_hdr_segment(p, &off, pool, out + n, step)
			  : vnet_hdr_gso_segment(h, frame, t->len, &off, pool,
						 out + n, step);

		assert_true(calls < 4 && r >= 0 && (unsigned)r <= step);
		assert_true(r > 0 || off == SIZE_MAX);
		n += r;
		assert_true(n <= 4);
	}
	assert_int_equal(n, 4);
}

/* Through the switch: taken whole with the tunnel mark, fit for no
 * egress, cut by vnet_hdr_segment(); and by the receive fallback; both
 * @step segments a call. */
static void cut_by(struct tf t, unsigned step)
{
	struct pkt_pool *pool = pkt_pool_create(16);
	struct virtio_net_hdr h;
	struct pkt *p, *out[8];

	tnl_frame(frame, &t, &h);
	p = pkt_pool_alloc_big(pool);
	assert_non_null(p);
	memcpy(p->data, frame, t.len);
	p->len = (uint32_t)t.len;
	assert_int_equal(vnet_hdr_to_pkt(&h, VNET_OL_ALL | VNET_OL_UDP_TNL, p),
			 VNET_HDR_OK);
	assert_true(p->ol.flags & PKT_OL_UDP_TNL);
	assert_int_equal(p->ol.hdr_len, t.l4 + TCPH);
	assert_false(vnet_hdr_fits(p, VNET_OL_ALL));
	cut_steps(&t, &h, p, pool, step, out);
	for (int i = 0; i < 4; i++) {
		check_seg(frame, &t, out[i], i);
		pkt_free(out[i]);
	}
	pkt_free(p);

	cut_steps(&t, &h, NULL, pool, step, out);
	for (int i = 0; i < 4; i++) {
		check_seg(frame, &t, out[i], i);
		pkt_free(out[i]);
	}
	assert_int_equal(pkt_pool_avail(pool), 16);
	pkt_pool_destroy(pool);
}

static void cut(bool ov6, bool v6, bool ocsum)
{
	cut_by((struct tf){.ov6 = ov6, .v6 = v6, .ocsum = ocsum}, 3);
}

static void test_v4_in_v4_csum(void **state)
{
	cut(false, false, true);
}

static void test_v6_in_v4_nocsum(void **state)
{
	cut(false, true, false);
}

static void test_v4_in_v6(void **state)
{
	cut(true, false, true);
}

static void test_v6_in_v6(void **state)
{
	cut(true, true, true);
	cut(true, true, false);
}

/* Inner IPv4 with 4 and 8 option bytes: kept in every segment, in its
 * header checksum, and the TCP header found behind them. */
static void test_inner_v4_options(void **state)
{
	cut_by((struct tf){.ocsum = true, .iopt = 4}, 3);
	cut_by((struct tf){.ocsum = false, .iopt = 8}, 3);
	cut_by((struct tf){.ov6 = true, .ocsum = true, .iopt = 8}, 2);
}

/* Geneve: a tunnel header of 8 bytes and of 8 plus options, over IPv4
 * and IPv6, the inner IPv4 header with options too: copied to every
 * segment unchanged, the inner headers found behind it. */
static void test_geneve(void **state)
{
	cut_by((struct tf){.geneve = true, .ocsum = true}, 3);
	cut_by((struct tf){.geneve = true, .gopt = 8, .ocsum = true}, 3);
	cut_by((struct tf){.geneve = true, .gopt = 32, .v6 = true}, 2);
	cut_by((struct tf){.geneve = true, .gopt = 12, .ov6 = true, .iopt = 8},
	       4);
	cut_by((struct tf){.geneve = true,
			   .gopt = 16,
			   .ov6 = true,
			   .v6 = true,
			   .ocsum = true},
	       1);
}

/* One, two and three segments a call (four needed): each call goes on
 * where the last one stopped: sequence, ids and checksums as if cut in
 * one go. */
static void test_cut_in_steps(void **state)
{
	for (unsigned step = 1; step <= 4; step++) {
		cut_by((struct tf){.ocsum = true}, step);
		cut_by((struct tf){.ov6 = true, .v6 = true, .ocsum = true},
		       step);
		cut_by((struct tf){.v6 = true}, step);
	}
}

/* @t's frame with one change, judged by vnet_hdr_to_pkt(). */
static enum vnet_hdr_err judge(const struct tf *t,
			       const struct virtio_net_hdr *h, unsigned allowed)
{
	struct pkt_pool *pool = pkt_pool_create(1);
	struct pkt *p = pkt_pool_alloc_big(pool);
	enum vnet_hdr_err e;

	memcpy(p->data, frame, t->len);
	p->len = (uint32_t)t->len;
	e = vnet_hdr_to_pkt(h, allowed, p);
	pkt_free(p);
	pkt_pool_destroy(pool);
	return e;
}

/* What is refused: a tunnel where the port does not take one, and frames
 * whose inner or outer lengths or header checksums are wrong, or whose
 * partial checksum is not at an inner TCP header. */
static void test_refused(void **state)
{
	const unsigned ok = VNET_OL_ALL | VNET_OL_UDP_TNL;
	struct tf t = {.ocsum = true};
	struct virtio_net_hdr h, h2;
	uint8_t saved;

	tnl_frame(frame, &t, &h);
	assert_int_equal(judge(&t, &h, VNET_OL_ALL),
			 VNET_HDR_ERR_GSO_BAD_FRAME);
	h2 = h;
	h2.gso_type = VIRTIO_NET_HDR_GSO_TCPV6; /* inner IPv4 */
	assert_int_equal(judge(&t, &h2, ok | VNET_OL_TSO6),
			 VNET_HDR_ERR_GSO_BAD_FRAME);
	h2 = h;
	h2.csum_start = (uint16_t)(t.l4 - 4); /* no IP header ends there */
	assert_int_equal(judge(&t, &h2, ok), VNET_HDR_ERR_GSO_BAD_FRAME);
	h2 = h;
	h2.csum_offset = 6;
	assert_int_equal(judge(&t, &h2, ok), VNET_HDR_ERR_GSO_BAD_FRAME);
	/* Inner IP length one short, outer UDP length one short. */
	frame[t.l3 + 3]--;
	assert_int_equal(judge(&t, &h, ok), VNET_HDR_ERR_GSO_BAD_LENGTH);
	frame[t.l3 + 3]++;
	frame[t.ol4 + 5]--;
	assert_int_equal(judge(&t, &h, ok), VNET_HDR_ERR_GSO_BAD_LENGTH);
	frame[t.ol4 + 5]++;
	/* A wrong inner, then outer, IPv4 header checksum. */
	saved = frame[t.l3 + 8];
	frame[t.l3 + 8] = 1;
	assert_int_equal(judge(&t, &h, ok), VNET_HDR_ERR_GSO_BAD_IP_CSUM);
	frame[t.l3 + 8] = saved;
	frame[t.ol3 + 8] = 1;
	assert_int_equal(judge(&t, &h, ok), VNET_HDR_ERR_GSO_BAD_IP_CSUM);
	frame[t.ol3 + 8] = 64;
	assert_int_equal(judge(&t, &h, ok), VNET_HDR_OK);
	/* The partial checksum past the frame's end. */
	h2 = h;
	h2.csum_start = (uint16_t)(t.len - 10);
	assert_int_equal(judge(&t, &h2, ok), VNET_HDR_ERR_CSUM_OUT_OF_FRAME);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v4_in_v4_csum),
	    cmocka_unit_test(test_v6_in_v4_nocsum),
	    cmocka_unit_test(test_v4_in_v6),
	    cmocka_unit_test(test_v6_in_v6),
	    cmocka_unit_test(test_inner_v4_options),
	    cmocka_unit_test(test_geneve),
	    cmocka_unit_test(test_cut_in_steps),
	    cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
