// SPDX-License-Identifier: GPL-2.0-or-later
/* test_nat_gateway.c - the gateway as a NAT router (vnic_gateway_nat.c):
 * next hops resolved by ARP with packets queued meanwhile, the external
 * address answered (ARP, ping), replies delivered to the VM's MAC, TTL and
 * MTU errors, MACs learned only from accepted packets, ARP entries kept
 * from multicast senders, and the DHCP client's DISCOVER, REQUEST, bound
 * address, bad leases and foreign servers */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/util.h"
#include "test_nat_gw_env.h"

#define LEASE IP4(192, 0, 2, 77)

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

struct env {
	struct vnic *gw, *leg;
	struct pkt_pool *pool;
	void *mem;
	uint8_t out[64][2048];
	size_t len[64];
	unsigned n;
};

static int setup(void **state, bool dhcp, uint16_t ext_mtu)
{
	struct env *e = calloc(1, sizeof(*e));

	tnat_open(dhcp, ext_mtu, &e->gw, &e->leg, &e->mem);
	e->pool = pkt_pool_create(64);
	*state = e;
	return 0;
}

static int setup_static(void **state)
{
	return setup(state, false, 1500);
}

static int setup_small_mtu(void **state)
{
	return setup(state, false, 1280);
}

static int setup_dhcp(void **state)
{
	return setup(state, true, 1500);
}

static int teardown(void **state)
{
	struct env *e = *state;

	tnat_close(e->gw, e->leg, e->mem);
	pkt_pool_destroy(e->pool);
	free(e);
	return 0;
}

/* Hand a frame to a leg, as the switch does. */
static void send_frame(struct vnic *v, const uint8_t *f, size_t len)
{
	static uint8_t buf[2048];
	struct pkt p = {.data = buf, .len = (uint32_t)len};
	struct pkt_out po = {.pkt = &p};
	uint64_t bytes = 0;

	memcpy(buf, f, len);
	assert_int_equal(vnic_tx_burst(v, 0, &po, 1, &bytes), 1);
}

static void send_ip(struct vnic *v, const uint8_t *dst, const uint8_t *src,
		    const struct tpkt *ip)
{
	uint8_t f[2048];

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	pkt_put_be16(f + 12, ETHERTYPE_IPV4);
	memcpy(f + 14, ip->b, ip->len);
	send_frame(v, f, 14 + ip->len);
}

static void send_arp(struct vnic *v, uint16_t op, const uint8_t *sha,
		     uint32_t spa, const uint8_t *dst, uint32_t tpa)
{
	uint8_t f[60];

	send_frame(v, f, tnat_arp(f, op, sha, spa, dst, tpa));
}

/* Drain what @v queued into e->out. */
static unsigned drain(struct env *e, struct vnic *v)
{
	struct pkt *pk[PKT_BURST];
	int n;

	e->n = 0;
	do {
		n = vnic_rx_burst(v, 0, e->pool, pk, PKT_BURST);
		for (int i = 0; i < n; i++) {
			assert_true(e->n < 64);
			memcpy(e->out[e->n], pk[i]->data, pk[i]->len);
			e->len[e->n++] = pk[i]->len;
			pkt_free(pk[i]);
		}
	} while (n > 0);
	return e->n;
}

/* The first frame out of the leg waits for ARP, then leaves with the
 * external address to the router's MAC; the reply reaches the VM. */
static void test_out_arp_in(void **state)
{
	struct env *e = *state;
	struct tpkt p;
	uint8_t *f;

	tp_tcp(&p, VM1, 40000, REM, 80, 0x02, 0, 0);
	send_ip(e->gw, gw_mac, vm_mac, &p);
	assert_int_equal(drain(e, e->leg), 1);
	f = e->out[0];
	assert_memory_equal(f, bcast, 6);
	assert_int_equal(tp_get16(f + 12), ETHERTYPE_ARP);
	assert_int_equal(tp_get16(f + 20), 1);
	assert_int_equal(tp_get32(f + 28), EXT);
	assert_int_equal(tp_get32(f + 38), RTR);
	send_arp(e->leg, 2, rtr_mac, RTR, leg_mac, EXT);
	assert_int_equal(drain(e, e->leg), 1);
	f = e->out[0];
	assert_memory_equal(f, rtr_mac, 6);
	assert_memory_equal(f + 6, leg_mac, 6);
	assert_int_equal(tp_get32(f + 14 + 12), EXT);
	assert_int_equal(tp_get32(f + 14 + 16), REM);
	assert_true(tp_csum_ok(f + 14, false));
	/* The SYN-ACK back to the mapped port. */
	uint16_t port = tp_get16(f + 34);

	tp_tcp(&p, REM, 80, EXT, port, 0x12, 0, 0);
	send_ip(e->leg, leg_mac, rtr_mac, &p);
	assert_int_equal(drain(e, e->gw), 1);
	f = e->out[0];
	assert_memory_equal(f, vm_mac, 6); /* learned from its packets */
	assert_memory_equal(f + 6, gw_mac, 6);
	assert_int_equal(tp_get32(f + 14 + 16), VM1);
	assert_int_equal(tp_get16(f + 36), 40000);
	assert_true(tp_csum_ok(f + 14, false));
}

/* ARP for the external address and ping to it are answered. */
static void test_ext_address_answers(void **state)
{
	struct env *e = *state;
	struct tpkt p;
	uint8_t *f;

	send_arp(e->leg, 1, rtr_mac, RTR, bcast, EXT);
	assert_int_equal(drain(e, e->leg), 1);
	f = e->out[0];
	assert_memory_equal(f, rtr_mac, 6);
	assert_int_equal(tp_get16(f + 20), 2);
	assert_memory_equal(f + 22, leg_mac, 6);
	assert_int_equal(tp_get32(f + 28), EXT);
	send_arp(e->leg, 1, rtr_mac, RTR, bcast, EXT2); /* not ours */
	assert_int_equal(drain(e, e->leg), 0);
	tp_echo(&p, REM, EXT, 8, 77);
	send_ip(e->leg, leg_mac, rtr_mac, &p);
	assert_int_equal(drain(e, e->leg), 1);
	f = e->out[0];
	assert_int_equal(f[14 + 20], 0); /* echo reply */
	assert_int_equal(tp_get32(f + 14 + 12), EXT);
	assert_int_equal(tp_get32(f + 14 + 16), REM);
	assert_true(tp_csum_ok(f + 14, false));
}

/* An echo request with a loose source route to the external address is
 * answered with a header of the gateway's own: the option is not echoed
 * (the reply is not steered where the sender chose), the data is. */
static void test_echo_no_options(void **state)
{
	struct env *e = *state;
	struct tpkt p, q;
	uint8_t *f;

	tp_echo(&q, REM, EXT, 8, 77);
	/* Insert 8 bytes of options: LSRR through REM2, then end. */
	memset(&p, 0, sizeof(p));
	memcpy(p.b, q.b, 20);
	p.b[0] = 0x47;
	p.b[20] = 131;
	p.b[21] = 7;
	p.b[22] = 4;
	tp_put32(p.b + 23, REM2);
	memcpy(p.b + 28, q.b + 20, q.len - 20);
	p.len = q.len + 8;
	pkt_put_be16(p.b + 2, (uint16_t)p.len);
	tp_fix(p.b, false);
	send_ip(e->leg, leg_mac, rtr_mac, &p);
	assert_int_equal(drain(e, e->leg), 1);
	f = e->out[0];
	assert_memory_equal(f, rtr_mac, 6);
	assert_int_equal(f[14], 0x45);
	assert_int_equal(tp_get16(f + 14 + 2), q.len);
	assert_int_equal(tp_get32(f + 14 + 12), EXT);
	assert_int_equal(tp_get32(f + 14 + 16), REM);
	assert_int_equal(f[14 + 20], 0); /* echo reply */
	assert_memory_equal(f + 14 + 24, q.b + 24, q.len - 24);
	assert_true(tp_csum_ok(f + 14, false));
}

/* A fragment of an echo request to the external address is not answered
 * as if it were the whole request (MF kept, the checksum over part of the
 * data): dropped, from either side. */
static void test_echo_fragment(void **state)
{
	struct env *e = *state;
	struct vgw_nat_stats st;
	struct nat_stats ns;
	struct tpkt p;

	tp_echo(&p, REM, EXT, 8, 77);
	pkt_put_be16(p.b + 6, 0x2000);
	tp_fix(p.b, false);
	send_ip(e->leg, leg_mac, rtr_mac, &p);
	assert_int_equal(drain(e, e->leg), 0);
	tp_echo(&p, VM1, EXT, 8, 78);
	pkt_put_be16(p.b + 6, 0x2000);
	tp_fix(p.b, false);
	send_ip(e->gw, gw_mac, vm_mac, &p);
	assert_int_equal(drain(e, e->gw), 0);
	vnic_gateway_nat_stats(e->gw, &st, &ns);
	assert_int_equal(ns.drops[NAT_DROP_HOST_FRAG], 2);
	assert_int_equal(st.echo_replies, 0);
	/* Whole, the VM's is answered. */
	tp_echo(&p, VM1, EXT, 8, 78);
	send_ip(e->gw, gw_mac, vm_mac, &p);
	assert_int_equal(drain(e, e->gw), 1);
	assert_int_equal(tp_get32(e->out[0] + 14 + 12), EXT);
	assert_int_equal(tp_get32(e->out[0] + 14 + 16), VM1);
	assert_true(tp_csum_ok(e->out[0] + 14, false));
}

/* TTL 1: time exceeded from the gateway's inside address, to the VM. */
static void test_ttl_exceeded(void **state)
{
	struct env *e = *state;
	struct tpkt p;
	uint8_t *f;

	tp_udp(&p, VM1, 5000, REM, 33434, 20, false);
	p.b[8] = 1;
	tp_fix(p.b, false);
	send_ip(e->gw, gw_mac, vm_mac, &p);
	assert_int_equal(drain(e, e->leg), 0);
	assert_int_equal(drain(e, e->gw), 1);
	f = e->out[0];
	assert_memory_equal(f, vm_mac, 6);
	assert_int_equal(tp_get32(f + 14 + 12), GWIP);
	assert_int_equal(tp_get32(f + 14 + 16), VM1);
	assert_int_equal(f[14 + 20], 11);
	assert_int_equal(f[14 + 21], 0);
	assert_true(tp_csum_ok(f + 14, false));
}

/* DF and larger than the external MTU: fragmentation needed with the MTU;
 * without DF: translated and sent on in fragments that fit. */
static void test_frag_needed(void **state)
{
	struct env *e = *state;
	uint8_t whole[20 + 1408];
	struct vgw_nat_stats st;
	struct nat_stats ns;
	struct tpkt p;
	uint8_t *f;

	tp_udp(&p, VM1, 5000, REM, 9, 1400, false);
	pkt_put_be16(p.b + 6, 0x4000);
	tp_fix(p.b, false);
	send_ip(e->gw, gw_mac, vm_mac, &p);
	assert_int_equal(drain(e, e->gw), 1);
	f = e->out[0];
	assert_int_equal(f[14 + 20], 3);
	assert_int_equal(f[14 + 21], 4);
	assert_int_equal(tp_get16(f + 14 + 26), 1280);
	pkt_put_be16(p.b + 6, 0);
	tp_fix(p.b, false);
	send_ip(e->gw, gw_mac, vm_mac, &p);
	assert_int_equal(drain(e, e->gw), 0);
	assert_int_equal(drain(e, e->leg), 1); /* ARP for the router */
	send_arp(e->leg, 2, rtr_mac, RTR, leg_mac, EXT);
	assert_int_equal(drain(e, e->leg), 2);
	/* 1408 bytes of UDP: 1256 (a multiple of 8 under 1280 - 20), 152. */
	for (int i = 0; i < 2; i++) {
		f = e->out[i];
		assert_memory_equal(f, rtr_mac, 6);
		assert_int_equal(tp_get32(f + 14 + 12), EXT);
		assert_int_equal(tp_get32(f + 14 + 16), REM);
		assert_int_equal(tp_get16(f + 14 + 2),
				 i ? 20 + 152 : 20 + 1256);
		assert_int_equal(tp_get16(f + 14 + 6), i ? 1256 / 8 : 0x2000);
		assert_int_equal(csum_fold(csum_partial(f + 14, 20, 0)), 0);
		memcpy(whole + (i ? 20 + 1256 : 0), f + 14 + (i ? 20 : 0),
		       i ? 152 : 20 + 1256);
	}
	/* Put together again: the translated datagram, checksums right. */
	pkt_put_be16(whole + 2, 20 + 1408);
	pkt_put_be16(whole + 6, 0);
	pkt_put_be16(whole + 10, 0);
	pkt_put_be16(whole + 10, csum_fold(csum_partial(whole, 20, 0)));
	assert_true(tp_csum_ok(whole, false));
	vnic_gateway_nat_stats(e->gw, &st, &ns);
	assert_int_equal(st.drops[VGW_NAT_DROP_TOO_BIG], 0);
	assert_int_equal(st.fragmented, 1);
	assert_int_equal(st.icmp_errors, 1);
}

/* Fragmentation needed only for what the engine would forward: an
 * oversized DF packet it drops (a spoofed source, an inside destination,
 * a port with no mapping) gets no ICMP and spends none of the budget;
 * the answer quotes the packet as it arrived. */
static void test_frag_needed_checked(void **state)
{
	struct env *e = *state;
	const uint32_t bad_src[] = {IP4(10, 99, 0, 5), VM1};
	const uint32_t bad_dst[] = {REM, VM2};
	struct vgw_nat_stats st;
	struct nat_stats ns;
	struct tpkt p;
	uint8_t *f;

	for (int i = 0; i < 2; i++) {
		tp_udp(&p, bad_src[i], 5000, bad_dst[i], 9, 1400, false);
		pkt_put_be16(p.b + 6, 0x4000);
		tp_fix(p.b, false);
		send_ip(e->gw, gw_mac, vm_mac, &p);
		assert_int_equal(drain(e, e->gw), 0);
		assert_int_equal(drain(e, e->leg), 0);
	}
	/* From the outside, larger than the inside MTU, to no mapping. */
	tp_udp(&p, REM, 9, EXT, 5000, 1500, false);
	pkt_put_be16(p.b + 6, 0x4000);
	tp_fix(p.b, false);
	send_ip(e->leg, leg_mac, rtr_mac, &p);
	assert_int_equal(drain(e, e->leg), 0);
	assert_int_equal(drain(e, e->gw), 0);
	vnic_gateway_nat_stats(e->gw, &st, &ns);
	assert_int_equal(st.icmp_errors, 0);
	assert_int_equal(ns.drops[NAT_DROP_SRC_NOT_INSIDE], 1);
	assert_int_equal(ns.drops[NAT_DROP_DST_INSIDE], 1);
	assert_int_equal(ns.drops[NAT_DROP_NO_MAPPING], 1);

	/* Now mapped: the same packet gets fragmentation needed (the inside
	 * MTU), quoting it as it came, addressed to the external address. */
	tp_udp(&p, VM1, 5000, REM, 9, 10, false);
	send_ip(e->gw, gw_mac, vm_mac, &p);
	assert_int_equal(drain(e, e->leg), 1); /* ARP for the router */
	send_arp(e->leg, 2, rtr_mac, RTR, leg_mac, EXT);
	assert_int_equal(drain(e, e->leg), 1);
	tp_udp(&p, REM, 9, EXT, 5000, 1500, false);
	pkt_put_be16(p.b + 6, 0x4000);
	tp_fix(p.b, false);
	send_ip(e->leg, leg_mac, rtr_mac, &p);
	assert_int_equal(drain(e, e->gw), 0);
	assert_int_equal(drain(e, e->leg), 1);
	f = e->out[0];
	assert_memory_equal(f, rtr_mac, 6);
	assert_int_equal(tp_get32(f + 14 + 12), EXT);
	assert_int_equal(tp_get32(f + 14 + 16), REM);
	assert_int_equal(f[14 + 20], 3);
	assert_int_equal(f[14 + 21], 4);
	assert_int_equal(tp_get16(f + 14 + 26), 1500);
	assert_int_equal(tp_get32(f + 14 + 28 + 16), EXT);
	assert_int_equal(tp_get16(f + 14 + 28 + 22), 5000);
	assert_memory_equal(f + 14 + 28, p.b, 548);
	assert_true(tp_csum_ok(f + 14, false));
	vnic_gateway_nat_stats(e->gw, &st, &ns);
	assert_int_equal(st.icmp_errors, 1);
}

/* A later fragment whose offset and length pass 65535 never leaves: cut
 * at the external MTU, its second piece's offset would overflow into the
 * flag bits and claim offset 0 (MF set), with bytes of the VM's choosing
 * where a first fragment's UDP header goes, from the external address. */
static void test_frag_offset_wrap(void **state)
{
	struct env *e = *state;
	struct vgw_nat_stats st;
	struct nat_stats ns;
	struct tpkt p;
	uint8_t *l4;

	/* A first fragment, with its UDP header: the engine records it. */
	l4 = tp_ip(&p, NAT_PROTO_UDP, VM1, REM, 8 + 16);
	pkt_put_be16(l4, 5000);
	pkt_put_be16(l4 + 2, 9);
	pkt_put_be16(l4 + 4, 1000);
	pkt_put_be16(p.b + 6, 0x2000);
	tp_fix(p.b, false);
	send_ip(e->gw, gw_mac, vm_mac, &p);
	assert_int_equal(drain(e, e->leg), 1); /* ARP for the router */
	send_arp(e->leg, 2, rtr_mac, RTR, leg_mac, EXT);
	assert_int_equal(drain(e, e->leg), 1);
	/* 1400 bytes at offset 64280, DF clear: larger than the MTU. */
	l4 = tp_ip(&p, NAT_PROTO_UDP, VM1, REM, 1400);
	pkt_put_be16(p.b + 6, 8035);
	pkt_put_be16(l4 + 1256, 53);
	pkt_put_be16(l4 + 1256 + 2, 53);
	tp_fix(p.b, false);
	send_ip(e->gw, gw_mac, vm_mac, &p);
	assert_int_equal(drain(e, e->leg), 0);
	for (unsigned i = 0; i < e->n; i++)
		assert_int_not_equal(tp_get16(e->out[i] + 14 + 6), 0x2000);
	vnic_gateway_nat_stats(e->gw, &st, &ns);
	assert_int_equal(ns.drops[NAT_DROP_FRAG_TOO_LONG] +
			     st.drops[VGW_NAT_DROP_TOO_BIG],
			 1);
	assert_int_equal(st.fragmented, 0);
}

/* Build a DHCP reply of @type to the leg, from the router. */
/* A VM's SYN out through the router (resolved), and the SYN-ACK's port. */
static uint16_t syn_out(struct env *e)
{
	struct tpkt p;

	tp_tcp(&p, VM1, 40000, REM, 80, 0x02, 0, 0);
	send_ip(e->gw, gw_mac, vm_mac, &p);
	assert_int_equal(drain(e, e->leg), 1); /* ARP for the router */
	send_arp(e->leg, 2, rtr_mac, RTR, leg_mac, EXT);
	assert_int_equal(drain(e, e->leg), 1);
	assert_memory_equal(e->out[0], rtr_mac, 6);
	return tp_get16(e->out[0] + 34);
}

/* Only frames the engine accepts teach a VM's MAC: one with a bad header
 * checksum, or from a source outside the subnet, claiming VM1's address
 * from another MAC changes nothing. */
static void test_learn_validated(void **state)
{
	static const uint8_t evil[6] = {0x52, 0x54, 0, 0, 0, 0x66};
	struct env *e = *state;
	uint16_t port = syn_out(e);
	struct tpkt p;

	tp_udp(&p, VM1, 6000, REM, 53, 8, false);
	p.b[10] ^= 0xff; /* header checksum */
	send_ip(e->gw, gw_mac, evil, &p);
	tp_tcp(&p, VM1, 40001, REM, 80, 0x02, 0, 0);
	p.b[0] = 0x44; /* header length 16 */
	send_ip(e->gw, gw_mac, evil, &p);
	assert_int_equal(drain(e, e->leg), 0);
	tp_tcp(&p, REM, 80, EXT, port, 0x12, 0, 0);
	send_ip(e->leg, leg_mac, rtr_mac, &p);
	assert_int_equal(drain(e, e->gw), 1);
	assert_memory_equal(e->out[0], vm_mac, 6);
}

/* The slot arp_find() starts from (vnic_gateway_nat.c). */
static unsigned arp_slot(uint32_t ip)
{
	return (ip * 2654435761u) >> 23;
}

/* ARP from a multicast or zero MAC never evicts a resolved next hop, even
 * when the addresses it names share the router's slots. */
static void test_arp_no_evict(void **state)
{
	static const uint8_t mcast[6] = {0x01, 0, 0x5e, 0, 0, 1};
	static const uint8_t zero[6] = {0};
	struct env *e = *state;
	uint32_t ip = IP4(198, 18, 0, 0), same[9];
	unsigned n = 0;
	struct tpkt p;

	(void)syn_out(e);
	while (n < 9) {
		if (arp_slot(++ip) == arp_slot(RTR))
			same[n++] = ip;
	}
	/* Seven hosts fill the router's window (8 slots). */
	for (unsigned i = 0; i < 7; i++) {
		uint8_t mac[6] = {0x52, 0x54, 0, 1, 0, (uint8_t)i};

		send_arp(e->leg, 1, mac, same[i], bcast, EXT);
	}
	assert_int_equal(drain(e, e->leg), 7); /* the replies */
	send_arp(e->leg, 1, mcast, same[7], bcast, EXT);
	send_arp(e->leg, 1, zero, same[8], bcast, EXT);
	drain(e, e->leg);
	/* The router is still known: the next packet leaves at once. */
	tp_tcp(&p, VM1, 40002, REM, 80, 0x02, 0, 0);
	send_ip(e->gw, gw_mac, vm_mac, &p);
	assert_int_equal(drain(e, e->leg), 1);
	assert_int_equal(tp_get16(e->out[0] + 12), ETHERTYPE_IPV4);
	assert_memory_equal(e->out[0], rtr_mac, 6);
}

/* A DHCP answer of @type from server @server offering @yiaddr. */
static void dhcp_reply_from(struct env *e, uint8_t type, uint32_t xid,
			    uint32_t yiaddr, uint32_t server)
{
	uint8_t f[400] = {0}, *m = f + 42, *o;

	memcpy(f, bcast, 6);
	memcpy(f + 6, rtr_mac, 6);
	pkt_put_be16(f + 12, ETHERTYPE_IPV4);
	m[0] = 2;
	m[1] = 1;
	m[2] = 6;
	tp_put32(m + 4, xid);
	tp_put32(m + 16, yiaddr);
	memcpy(m + 28, leg_mac, 6);
	tp_put32(m + 236, 0x63825363);
	o = m + 240;
	*o++ = 53, *o++ = 1, *o++ = type;
	*o++ = 54, *o++ = 4, tp_put32(o, server), o += 4;
	*o++ = 51, *o++ = 4, tp_put32(o, 600), o += 4;
	*o++ = 1, *o++ = 4, tp_put32(o, 0xffffff00), o += 4;
	*o++ = 3, *o++ = 4, tp_put32(o, RTR), o += 4;
	*o++ = 255;
	size_t len = (size_t)(o - m);
	uint8_t *ip = f + 14;

	ip[0] = 0x45;
	pkt_put_be16(ip + 2, (uint16_t)(28 + len));
	ip[8] = 64;
	ip[9] = 17;
	tp_put32(ip + 12, RTR);
	tp_put32(ip + 16, 0xffffffff);
	pkt_put_be16(ip + 10, csum_fold(csum_partial(ip, 20, 0)));
	pkt_put_be16(f + 34, 67);
	pkt_put_be16(f + 36, 68);
	pkt_put_be16(f + 38, (uint16_t)(8 + len));
	send_frame(e->leg, f, 42 + len);
}

static void dhcp_reply(struct env *e, uint8_t type, uint32_t xid)
{
	dhcp_reply_from(e, type, xid, LEASE, RTR);
}

/* The first tick's DISCOVER: its xid. */
static uint32_t dhcp_discover(struct env *e)
{
	vnic_gateway_nat_tick(e->gw);
	assert_int_equal(drain(e, e->leg), 1);
	assert_int_equal(e->out[0][42 + 242], 1);
	return tp_get32(e->out[0] + 42 + 4);
}

static uint64_t nat_drops(struct env *e, enum vgw_nat_drop d)
{
	struct vgw_nat_stats st;
	struct nat_stats ns;

	vnic_gateway_nat_stats(e->gw, &st, &ns);
	return st.drops[d];
}

/* Offers and leases of addresses that cannot be the external one are
 * ignored or declined: the client goes on without an address. */
static void test_dhcp_bad_lease(void **state)
{
	static const uint32_t bad[] = {
	    IP4(10, 10, 0, 50),	 /* inside the NAT subnet */
	    IP4(0, 1, 2, 3),	 /* 0/8 */
	    IP4(127, 0, 0, 5),	 /* loopback */
	    IP4(224, 0, 0, 9),	 /* multicast */
	    IP4(240, 0, 0, 1),	 /* class E */
	    0xffffffffu,	 /* broadcast */
	    IP4(192, 0, 2, 255), /* the broadcast of its own /24 */
	};
	struct env *e = *state;
	struct vgw_nat_stats st;
	struct nat_stats ns;
	uint32_t xid = dhcp_discover(e);
	uint8_t *m;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dhcp_reply_from(e, 2, xid, bad[i], RTR);
		assert_int_equal(drain(e, e->leg), 0); /* no REQUEST */
		assert_int_equal(nat_drops(e, VGW_NAT_DROP_BAD_LEASE), i + 1);
	}
	dhcp_reply(e, 2, xid);
	assert_int_equal(drain(e, e->leg), 1);
	assert_int_equal(e->out[0][42 + 242], 3); /* REQUEST */
	/* The server then acks another address, inside: declined. */
	dhcp_reply_from(e, 5, xid, IP4(10, 10, 0, 60), RTR);
	assert_int_equal(drain(e, e->leg), 1);
	m = e->out[0] + 42;
	assert_int_equal(m[242], 4); /* DECLINE */
	assert_int_equal(m[243], 50);
	assert_int_equal(tp_get32(m + 245), IP4(10, 10, 0, 60));
	vnic_gateway_nat_stats(e->gw, &st, &ns);
	assert_int_equal(st.lease.ip, 0);
	assert_int_equal(st.dhcp_acks, 0);
	assert_string_equal(st.dhcp_state, "init");
	assert_int_equal(nat_drops(e, VGW_NAT_DROP_BAD_LEASE), 8);
}

/* ACK and NAK count only from the server in use, for our xid and MAC. */
static void test_dhcp_foreign(void **state)
{
	struct env *e = *state;
	struct vgw_nat_stats st;
	struct nat_stats ns;
	uint32_t xid = dhcp_discover(e), other = IP4(192, 0, 2, 99);

	dhcp_reply(e, 2, xid);
	assert_int_equal(drain(e, e->leg), 1); /* REQUEST to RTR */
	dhcp_reply_from(e, 6, xid, 0, other);  /* NAK from another */
	dhcp_reply_from(e, 5, xid, IP4(192, 0, 2, 88), other);
	vnic_gateway_nat_stats(e->gw, &st, &ns);
	assert_string_equal(st.dhcp_state, "requesting");
	assert_int_equal(st.lease.ip, 0);
	assert_int_equal(st.dhcp_naks, 0);
	assert_int_equal(nat_drops(e, VGW_NAT_DROP_DHCP_FOREIGN), 2);
	dhcp_reply(e, 5, xid);
	vnic_gateway_nat_stats(e->gw, &st, &ns);
	assert_string_equal(st.dhcp_state, "bound");
	assert_int_equal(st.lease.ip, LEASE);
	/* Bound: a NAK from another server, or with another xid, changes
	 * nothing. */
	dhcp_reply_from(e, 6, xid, 0, other);
	dhcp_reply_from(e, 6, xid ^ 1, 0, RTR);
	vnic_gateway_nat_stats(e->gw, &st, &ns);
	assert_string_equal(st.dhcp_state, "bound");
	assert_int_equal(st.lease.ip, LEASE);
	assert_int_equal(nat_drops(e, VGW_NAT_DROP_DHCP_FOREIGN), 3);
	/* The server's own NAK is obeyed. */
	dhcp_reply_from(e, 6, xid, 0, RTR);
	vnic_gateway_nat_stats(e->gw, &st, &ns);
	assert_int_equal(st.lease.ip, 0);
	assert_int_equal(st.dhcp_naks, 1);
}

/* A next hop being resolved that loses its cache entry to others (hosts
 * asking for the external address fill its window) loses the packets
 * queued for it too: asked for again, it queues anew. */
static void test_arp_evict_queued(void **state)
{
	struct env *e = *state;
	uint32_t ip = IP4(198, 18, 0, 0), same[8];
	struct vgw_nat_stats st;
	struct nat_stats ns;
	unsigned n = 0;
	struct tpkt p;

	while (n < 8) {
		if (arp_slot(++ip) == arp_slot(RTR))
			same[n++] = ip;
	}
	for (uint16_t i = 0; i < 4; i++) {
		tp_udp(&p, VM1, (uint16_t)(5000 + i), REM, 53, 10, false);
		send_ip(e->gw, gw_mac, vm_mac, &p);
	}
	assert_int_equal(drain(e, e->leg), 1); /* ARP for the router */
	/* Eight hosts: seven fill the window, the eighth takes the router's
	 * entry (resolving: nearest its end). */
	for (unsigned i = 0; i < 8; i++) {
		uint8_t mac[6] = {0x52, 0x54, 0, 1, 0, (uint8_t)i};

		send_arp(e->leg, 1, mac, same[i], bcast, EXT);
	}
	assert_int_equal(drain(e, e->leg), 8); /* the replies */
	assert_int_equal(nat_drops(e, VGW_NAT_DROP_ARP_FAILED), 4);
	/* The router is asked for again, and its answer releases the new
	 * packet. */
	tp_udp(&p, VM1, 6000, REM, 53, 10, false);
	send_ip(e->gw, gw_mac, vm_mac, &p);
	assert_int_equal(drain(e, e->leg), 1);
	assert_int_equal(tp_get16(e->out[0] + 12), ETHERTYPE_ARP);
	assert_int_equal(tp_get32(e->out[0] + 38), RTR);
	send_arp(e->leg, 2, rtr_mac, RTR, leg_mac, EXT);
	assert_int_equal(drain(e, e->leg), 1);
	assert_memory_equal(e->out[0], rtr_mac, 6);
	vnic_gateway_nat_stats(e->gw, &st, &ns);
	assert_int_equal(st.drops[VGW_NAT_DROP_ARP_QUEUE_FULL], 0);
}

/*
 * A new external address empties the outside ARP cache and the packets
 * waiting in it (they carry the old address): the router is asked for
 * again at the next packet, not left unasked behind a queue nothing
 * would release.
 */
static void test_new_address_arp(void **state)
{
	struct env *e = *state;
	struct tpkt p;
	uint32_t xid;

	xid = dhcp_discover(e);
	dhcp_reply(e, 2, xid);
	assert_int_equal(drain(e, e->leg), 1);
	dhcp_reply(e, 5, xid);
	/* Four packets wait for the router's MAC: the queue for a hop. */
	for (uint16_t i = 0; i < 4; i++) {
		tp_udp(&p, VM1, (uint16_t)(5000 + i), REM, 53, 10, false);
		send_ip(e->gw, gw_mac, vm_mac, &p);
	}
	assert_int_equal(drain(e, e->leg), 1); /* ARP request */
	/* The server takes the address back; the next one differs. */
	dhcp_reply_from(e, 6, xid, 0, RTR);
	assert_int_equal(nat_drops(e, VGW_NAT_DROP_ARP_FAILED), 4);
	xid = dhcp_discover(e);
	dhcp_reply_from(e, 2, xid, LEASE + 1, RTR);
	assert_int_equal(drain(e, e->leg), 1);
	dhcp_reply_from(e, 5, xid, LEASE + 1, RTR);
	tp_udp(&p, VM1, 6000, REM, 53, 10, false);
	send_ip(e->gw, gw_mac, vm_mac, &p);
	assert_int_equal(drain(e, e->leg), 1);
	assert_int_equal(tp_get16(e->out[0] + 12), ETHERTYPE_ARP);
	assert_int_equal(tp_get32(e->out[0] + 28), LEASE + 1);
	assert_int_equal(tp_get32(e->out[0] + 38), RTR);
	/* The answer releases the new packet only, from the new address. */
	send_arp(e->leg, 2, rtr_mac, RTR, leg_mac, LEASE + 1);
	assert_int_equal(drain(e, e->leg), 1);
	assert_int_equal(tp_get32(e->out[0] + 14 + 12), LEASE + 1);
	assert_int_equal(nat_drops(e, VGW_NAT_DROP_ARP_QUEUE_FULL), 0);
}

/* The client: DISCOVER at the first tick, REQUEST for the offer, the
 * address in use once ACKed; no NAT before. */
static void test_dhcp_client(void **state)
{
	struct env *e = *state;
	struct vgw_nat_stats st;
	struct nat_stats ns;
	struct tpkt p;
	uint32_t xid;
	uint8_t *f;

	tp_udp(&p, VM1, 5000, REM, 53, 10, false);
	send_ip(e->gw, gw_mac, vm_mac, &p);
	vnic_gateway_nat_stats(e->gw, &st, &ns);
	assert_int_equal(st.drops[VGW_NAT_DROP_NO_ADDRESS], 1);
	vnic_gateway_nat_tick(e->gw);
	assert_int_equal(drain(e, e->leg), 1);
	f = e->out[0];
	assert_memory_equal(f, bcast, 6);
	assert_int_equal(tp_get16(f + 36), 67);
	assert_memory_equal(f + 42 + 28, leg_mac, 6);
	assert_int_equal(f[42 + 242], 1); /* DISCOVER */
	xid = tp_get32(f + 42 + 4);
	dhcp_reply(e, 2, xid ^ 1); /* another client's: ignored */
	assert_int_equal(drain(e, e->leg), 0);
	dhcp_reply(e, 2, xid);
	assert_int_equal(drain(e, e->leg), 1);
	assert_int_equal(e->out[0][42 + 242], 3); /* REQUEST */
	dhcp_reply(e, 5, xid);
	vnic_gateway_nat_stats(e->gw, &st, &ns);
	assert_int_equal(st.lease.ip, LEASE);
	assert_int_equal(st.lease.prefix, 24);
	assert_int_equal(st.lease.router, RTR);
	assert_string_equal(st.dhcp_state, "bound");
	send_arp(e->leg, 2, rtr_mac, RTR, leg_mac, LEASE);
	send_ip(e->gw, gw_mac, vm_mac, &p);
	assert_int_equal(drain(e, e->leg), 1);
	assert_int_equal(tp_get32(e->out[0] + 14 + 12), LEASE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_out_arp_in, setup_static,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_ext_address_answers,
					    setup_static, teardown),
	    cmocka_unit_test_setup_teardown(test_ttl_exceeded, setup_static,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_echo_no_options, setup_static,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_echo_fragment, setup_static,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_frag_needed_checked,
					    setup_small_mtu, teardown),
	    cmocka_unit_test_setup_teardown(test_frag_offset_wrap,
					    setup_small_mtu, teardown),
	    cmocka_unit_test_setup_teardown(test_frag_needed, setup_small_mtu,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_dhcp_client, setup_dhcp,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_learn_validated, setup_static,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_arp_no_evict, setup_static,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_dhcp_bad_lease, setup_dhcp,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_dhcp_foreign, setup_dhcp,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_new_address_arp, setup_dhcp,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_arp_evict_queued, setup_static,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
