// SPDX-License-Identifier: GPL-2.0-or-later
/* test_nat_xlate.c - the NAT engine's packet path: TCP, UDP and ICMP echo
 * both ways, ICMP errors with their quoted headers, EIM/EIF, forwards,
 * hairpin, port preservation and exhaustion, a full table, MSS clamping,
 * fragments, partial checksums and malformed packets; every checksum is
 * compared with a from-scratch recomputation */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>

#include "test_nat_pkt.h"

static int setup_mtu(void **state)
{
	static struct tnat n;

	tnat_cfg(&n, 64);
	n.cfg.ext_mtu = 1400;
	if (tnat_start(&n))
		return -1;
	*state = &n;
	return 0;
}

static void assert_fwd(struct tnat *n, enum nat_action a)
{
	if (a != NAT_FORWARD)
		fail_msg("action %d drop %s", a, nat_drop_name(n->v.drop));
}

/* A VM's packet to an inside address (another VM, the subnet's broadcast,
 * the gateway's inside address) sent to the gateway's MAC is not for the
 * uplink: dropped, nothing made, nothing translated. */
static void test_dst_inside(void **state)
{
	struct tnat *n = *state;
	const uint32_t dst[] = {VM2, IP4(10, 10, 0, 255), IP4(10, 10, 0, 1),
				IP4(10, 10, 0, 0)};
	struct nat_stats st;
	struct tpkt p, copy;

	for (size_t i = 0; i < sizeof(dst) / sizeof(dst[0]); i++) {
		tp_udp(&p, VM1, 5353, dst[i], 5353, 8, false);
		copy = p;
		assert_int_equal(tnat_out(n, &p, T0), NAT_DROP);
		assert_int_equal(n->v.drop, NAT_DROP_DST_INSIDE);
		assert_memory_equal(p.b, copy.b, p.len);
		tp_tcp(&p, VM1, 40000, dst[i], 22, NAT_TCP_SYN, 0, 0);
		assert_int_equal(tnat_out(n, &p, T0), NAT_DROP);
		assert_int_equal(n->v.drop, NAT_DROP_DST_INSIDE);
		tp_echo(&p, VM1, dst[i], 8, 3);
		assert_int_equal(tnat_out(n, &p, T0), NAT_DROP);
		assert_int_equal(n->v.drop, NAT_DROP_DST_INSIDE);
	}
	nat_stats_get(n->t, &st);
	assert_int_equal(st.drops[NAT_DROP_DST_INSIDE], 12);
	assert_int_equal(st.sessions + st.mappings, 0);
	assert_int_equal(st.out, 0);
	assert_string_equal(nat_drop_name(NAT_DROP_DST_INSIDE), "dst_inside");
	/* The next subnet is outside. */
	tp_udp(&p, VM1, 5353, IP4(10, 10, 1, 3), 5353, 8, false);
	assert_fwd(n, tnat_out(n, &p, T0));
}

/* A new outbound flow goes out through the endpoint's dynamic mapping when
 * it has one, also when a forward to the same endpoint was made later (and
 * so comes first in the shared hash chain), else through the forward. */
static void test_owner_in(void **state)
{
	struct tnat *n = *state;
	struct tpkt p;
	char err[160];

	tp_udp(&p, VM5, 7000, REM, 4000, 32, false);
	assert_fwd(n, tnat_out(n, &p, T0));
	assert_int_equal(nat_forward_add(n->t, NAT_PROTO_UDP, 7070, VM5, 7000,
					 err, sizeof(err)),
			 0);
	assert_int_equal(nat_forward_add(n->t, NAT_PROTO_UDP, 5000, VM5, 5001,
					 err, sizeof(err)),
			 0);
	tp_udp(&p, VM5, 7000, REM2, 4001, 32, false);
	assert_fwd(n, tnat_out(n, &p, T0));
	assert_int_equal(tp_sport(&p), 7000);
	tp_udp(&p, VM5, 5001, REM2, 4001, 32, false);
	assert_fwd(n, tnat_out(n, &p, T0));
	assert_int_equal(tp_sport(&p), 5000);
}

/* A forward and its target's own traffic: one inside 5-tuple is one
 * session, whichever side spoke first, and a restart keeps every one. */
static void test_forward_own_traffic(void **state)
{
	struct tnat *n = *state;
	struct nat_attach_info info;
	struct tfind f;
	struct tpkt p;
	char err[160];

	assert_int_equal(nat_forward_add(n->t, NAT_PROTO_UDP, 51820, VM5, 51820,
					 err, sizeof(err)),
			 0);
	/* The target speaks first: it leaves from the forward's port. */
	tp_udp(&p, VM5, 51820, REM, 4000, 32, false);
	assert_fwd(n, tnat_out(n, &p, T0));
	assert_int_equal(tp_sport(&p), 51820);
	tp_udp(&p, REM, 4000, EXT, 51820, 32, false);
	assert_fwd(n, tnat_in(n, &p, T0));
	assert_int_equal(tp_dst(&p), VM5);
	f = tnat_find(n, NAT_PROTO_UDP, REM, 4000);
	assert_int_equal(f.sessions, 1);
	assert_int_equal(f.mappings, 0);
	tp_udp(&p, VM5, 51820, REM2, 4000, 32, false);
	assert_fwd(n, tnat_out(n, &p, T0));
	assert_int_equal(tp_sport(&p), 51820);

	/* A dynamic mapping made before the forward to it. */
	tp_udp(&p, VM5, 7000, REM, 4000, 32, false);
	assert_fwd(n, tnat_out(n, &p, T0));
	assert_int_equal(tp_sport(&p), 7000);
	assert_int_equal(nat_forward_add(n->t, NAT_PROTO_UDP, 7070, VM5, 7000,
					 err, sizeof(err)),
			 0);
	/* The same remote through the forward: the session it has. */
	tp_udp(&p, REM, 4000, EXT, 7070, 32, false);
	assert_fwd(n, tnat_in(n, &p, T0 + 1));
	assert_int_equal(tp_dst(&p), VM5);
	assert_int_equal(tp_dport(&p), 7000);
	assert_int_equal(tnat_find(n, 0, 0, 0).sessions, 3);
	tp_udp(&p, VM5, 7000, REM, 4000, 32, false);
	assert_fwd(n, tnat_out(n, &p, T0 + 1));
	assert_int_equal(tp_sport(&p), 7000);
	/* Another remote through the forward: a session of its own. */
	tp_udp(&p, REM2, 4000, EXT, 7070, 32, false);
	assert_fwd(n, tnat_in(n, &p, T0 + 1));
	assert_int_equal(tnat_find(n, 0, 0, 0).sessions, 4);

	/* Restart: nothing found twice, nothing discarded. */
	nat_table_detach(n->t);
	assert_int_equal(nat_table_attach(n->mem, n->size, &n->cfg, T0 + 2,
					  &n->t, &info, err, sizeof(err)),
			 0);
	assert_int_equal(info.discarded, 0);
	assert_int_equal(info.kept, 4 + 1 + 2);
	tp_udp(&p, VM5, 51820, REM, 4000, 32, false);
	assert_fwd(n, tnat_out(n, &p, T0 + 2));
	assert_int_equal(tp_sport(&p), 51820);
	/* Deleting the forward ends the sessions through it only. */
	assert_int_equal(nat_forward_del(n->t, NAT_PROTO_UDP, 51820), 0);
	assert_int_equal(tnat_find(n, 0, 0, 0).sessions, 2);
	tp_udp(&p, VM5, 51820, REM, 4000, 32, false);
	assert_fwd(n, tnat_out(n, &p, T0 + 2));
	assert_int_equal(tnat_find(n, 0, 0, 0).mappings, 2);
}

/* TCP: SYN out, SYN/ACK in, ACK out; port preserved, TTL lowered. */
static void test_tcp_both_ways(void **state)
{
	struct tnat *n = *state;
	struct tpkt p;
	struct tfind f;

	tp_tcp(&p, VM1, 40000, REM, 80, NAT_TCP_SYN, 0, 0);
	assert_fwd(n, tnat_out(n, &p, T0));
	assert_int_equal(tp_src(&p), EXT);
	assert_int_equal(tp_sport(&p), 40000);
	assert_int_equal(tp_dst(&p), REM);
	assert_int_equal(tp_dport(&p), 80);
	assert_int_equal(p.b[8], 63);
	assert_true(tp_csum_ok(p.b, false));

	tp_tcp(&p, REM, 80, EXT, 40000, NAT_TCP_SYN | NAT_TCP_ACK, 0, 10);
	assert_fwd(n, tnat_in(n, &p, T0));
	assert_int_equal(tp_dst(&p), VM1);
	assert_int_equal(tp_dport(&p), 40000);
	assert_int_equal(tp_src(&p), REM);
	assert_true(tp_csum_ok(p.b, false));

	/* The ACK acknowledges the SYN/ACK and its 10 bytes. */
	tp_tcp(&p, VM1, 40000, REM, 80, NAT_TCP_ACK, 0, 100);
	tp_put32(p.b + 20 + 8, 1011);
	tp_fix(p.b, false);
	assert_fwd(n, tnat_out(n, &p, T0 + 1));
	assert_true(tp_csum_ok(p.b, false));
	f = tnat_find(n, NAT_PROTO_TCP, REM, 80);
	assert_int_equal(f.si.state, NAT_TCP_ESTABLISHED);
	assert_int_equal(f.si.pkts_out, 2);
	assert_int_equal(f.si.pkts_in, 1);
	assert_int_equal(f.si.bytes_out, 40 + 140);
	assert_int_equal(f.si.expires, T0 + 1 + 7440);
	assert_int_equal(f.si.created, T0);
	assert_string_equal(nat_tcp_state_name(f.si.state), "established");
}

/* A second VM with the same source port gets another port, in range. */
static void test_port_collision(void **state)
{
	struct tnat *n = *state;
	struct tpkt p;

	tp_udp(&p, VM1, 5000, REM, 53, 20, false);
	assert_fwd(n, tnat_out(n, &p, T0));
	assert_int_equal(tp_sport(&p), 5000);
	tp_udp(&p, VM2, 5000, REM, 53, 20, false);
	assert_fwd(n, tnat_out(n, &p, T0));
	assert_int_not_equal(tp_sport(&p), 5000);
	assert_true(tp_sport(&p) >= 1024);
	assert_true(tp_csum_ok(p.b, false));
	/* A source port below the range is not preserved. */
	tp_udp(&p, VM1, 123, REM, 123, 20, false);
	assert_fwd(n, tnat_out(n, &p, T0));
	assert_true(tp_sport(&p) >= 1024);
}

/* UDP both ways; a zero checksum stays zero. */
static void test_udp_zero_csum(void **state)
{
	struct tnat *n = *state;
	struct tpkt p;
	uint16_t port;

	tp_udp(&p, VM1, 6000, REM, 9999, 33, true);
	assert_fwd(n, tnat_out(n, &p, T0));
	assert_int_equal(tp_get16(p.b + 26), 0);
	assert_true(tp_csum_ok(p.b, true));
	port = tp_sport(&p);
	tp_udp(&p, REM, 9999, EXT, port, 7, false);
	assert_fwd(n, tnat_in(n, &p, T0));
	assert_int_equal(tp_dst(&p), VM1);
	assert_int_equal(tp_dport(&p), 6000);
	assert_true(tp_csum_ok(p.b, false));
	tp_udp(&p, REM, 9999, EXT, port, 7, true);
	assert_fwd(n, tnat_in(n, &p, T0));
	assert_int_equal(tp_get16(p.b + 26), 0);
}

/* ICMP echo by identifier, both ways; an unknown identifier is dropped. */
static void test_icmp_echo(void **state)
{
	struct tnat *n = *state;
	struct tpkt p;
	uint16_t id;

	/* Two VMs with the same identifier: the second is remapped. */
	tp_echo(&p, VM1, REM, 8, 77);
	assert_fwd(n, tnat_out(n, &p, T0));
	tp_echo(&p, VM2, REM, 8, 77);
	assert_fwd(n, tnat_out(n, &p, T0));
	assert_int_equal(tp_src(&p), EXT);
	id = tp_sport(&p);
	assert_int_not_equal(id, 77);
	assert_true(tp_csum_ok(p.b, false));
	tp_echo(&p, REM, EXT, 0, id);
	assert_fwd(n, tnat_in(n, &p, T0));
	assert_int_equal(tp_dst(&p), VM2);
	assert_int_equal(tp_sport(&p), 77);
	assert_true(tp_csum_ok(p.b, false));
	tp_echo(&p, REM, EXT, 0, 4321);
	assert_int_equal(tnat_in(n, &p, T0), NAT_DROP);
	assert_int_equal(n->v.drop, NAT_DROP_NO_SESSION);
	/* Echo requests to the external address are the gateway's. */
	tp_echo(&p, REM, EXT, 8, 1);
	assert_int_equal(tnat_in(n, &p, T0), NAT_HOST);
}

/* Time exceeded and frag-needed for outbound packets come back to the VM
 * with the quoted header translated back. */
static void test_icmp_error_in(void **state)
{
	struct tnat *n = *state;
	struct tpkt p, inner, orig;
	const uint8_t *q;

	tp_udp(&p, VM1, 33434, REM, 33434, 12, false);
	orig = p;
	assert_fwd(n, tnat_out(n, &p, T0));
	inner = p; /* as it left: src EXT */
	inner.b[8] = 1;
	tp_fix(inner.b, false);
	tp_icmp_err(&p, IP4(198, 51, 100, 1), EXT, 11, 0, &inner);
	assert_fwd(n, tnat_in(n, &p, T0));
	assert_int_equal(tp_dst(&p), VM1);
	q = p.b + 28;
	assert_int_equal(tp_get32(q + 12), VM1);
	assert_int_equal(tp_get16(q + 20), 33434);
	assert_int_equal(tp_get32(q + 16), REM);
	assert_true(tp_csum_ok(p.b, false));
	/* The quoted payload is what the VM sent. */
	assert_memory_equal(q + 28, orig.b + 28, 12);

	/* TCP and frag-needed (path MTU discovery). */
	tp_tcp(&p, VM1, 41000, REM, 443, NAT_TCP_SYN, 0, 0);
	assert_fwd(n, tnat_out(n, &p, T0));
	tp_tcp(&inner, EXT, tp_sport(&p), REM, 443, NAT_TCP_ACK, 0, 200);
	tp_icmp_err(&p, IP4(198, 51, 100, 1), EXT, 3, 4, &inner);
	assert_fwd(n, tnat_in(n, &p, T0));
	q = p.b + 28;
	assert_int_equal(tp_dst(&p), VM1);
	assert_int_equal(tp_get32(q + 12), VM1);
	assert_int_equal(tp_get16(q + 20), 41000);
	assert_int_equal(tp_get16(p.b + 26), 1400);
	assert_true(tp_csum_ok(p.b, false));

	/* An error for nobody's packet, and one with a bad checksum. */
	tp_udp(&inner, EXT, 999, REM2, 53, 4, false);
	tp_icmp_err(&p, REM2, EXT, 3, 3, &inner);
	assert_int_equal(tnat_in(n, &p, T0), NAT_DROP);
	assert_int_equal(n->v.drop, NAT_DROP_NO_SESSION);
	tp_icmp_err(&p, REM2, EXT, 3, 3, &inner);
	p.b[22] ^= 1;
	assert_int_equal(tnat_in(n, &p, T0), NAT_DROP);
	assert_int_equal(n->v.drop, NAT_DROP_BAD_ICMP_CSUM);
}

/* Echo request's time exceeded: the quoted identifier comes back. */
static void test_icmp_error_echo(void **state)
{
	struct tnat *n = *state;
	struct tpkt p, inner;

	tp_echo(&p, VM2, REM, 8, 9);
	assert_fwd(n, tnat_out(n, &p, T0));
	inner = p;
	tp_icmp_err(&p, IP4(198, 51, 100, 1), EXT, 11, 0, &inner);
	assert_fwd(n, tnat_in(n, &p, T0));
	assert_int_equal(tp_get32(p.b + 28 + 12), VM2);
	assert_int_equal(tp_get16(p.b + 28 + 24), 9);
	assert_true(tp_csum_ok(p.b, false));
}

/* A VM's port unreachable for an inbound datagram goes out translated. */
static void test_icmp_error_out(void **state)
{
	struct tnat *n = *state;
	struct tpkt p, inner;
	uint16_t port;

	tp_udp(&p, VM1, 7000, REM, 7000, 4, false);
	assert_fwd(n, tnat_out(n, &p, T0));
	port = tp_sport(&p);
	tp_udp(&p, REM, 7000, EXT, port, 4, false);
	assert_fwd(n, tnat_in(n, &p, T0));
	inner = p; /* as the VM got it */
	tp_icmp_err(&p, VM1, REM, 3, 3, &inner);
	assert_fwd(n, tnat_out(n, &p, T0));
	assert_int_equal(tp_src(&p), EXT);
	assert_int_equal(tp_get32(p.b + 28 + 16), EXT);
	assert_int_equal(tp_get16(p.b + 28 + 22), port);
	assert_true(tp_csum_ok(p.b, false));
}

/* EIM: another destination reuses the mapping; EIF: anyone may send to
 * it (UDP, and a TCP SYN), but a TCP segment opening nothing may not. */
static void test_eim_eif(void **state)
{
	struct tnat *n = *state;
	struct tpkt p;
	uint16_t port;
	struct tfind f;

	tp_udp(&p, VM1, 3478, REM, 3478, 20, false);
	assert_fwd(n, tnat_out(n, &p, T0));
	port = tp_sport(&p);
	tp_udp(&p, VM1, 3478, REM2, 5000, 20, false);
	assert_fwd(n, tnat_out(n, &p, T0));
	assert_int_equal(tp_sport(&p), port);
	f = tnat_find(n, NAT_PROTO_UDP, REM2, 5000);
	assert_int_equal(f.mappings, 1);
	assert_int_equal(f.sessions, 2);

	tp_udp(&p, IP4(192, 0, 2, 99), 6000, EXT, port, 8, false);
	assert_fwd(n, tnat_in(n, &p, T0));
	assert_int_equal(tp_dst(&p), VM1);
	assert_int_equal(tp_dport(&p), 3478);
	assert_true(tp_csum_ok(p.b, false));
	/* Its reply makes a session of its own. */
	tp_udp(&p, VM1, 3478, IP4(192, 0, 2, 99), 6000, 8, false);
	assert_fwd(n, tnat_out(n, &p, T0));
	assert_int_equal(tp_sport(&p), port);
	assert_int_equal(tnat_find(n, NAT_PROTO_UDP, 0, 0).sessions, 3);

	/* TCP: a SYN through a mapping (simultaneous open) is let in. */
	tp_tcp(&p, VM1, 50000, REM, 9000, NAT_TCP_SYN, 0, 0);
	assert_fwd(n, tnat_out(n, &p, T0));
	tp_tcp(&p, REM2, 9001, EXT, 50000, NAT_TCP_SYN, 0, 0);
	assert_fwd(n, tnat_in(n, &p, T0));
	assert_int_equal(tp_dst(&p), VM1);
	tp_tcp(&p, VM1, 50000, REM2, 9001, NAT_TCP_SYN | NAT_TCP_ACK, 0, 0);
	assert_fwd(n, tnat_out(n, &p, T0));
	tp_tcp(&p, REM2, 9001, EXT, 50000, NAT_TCP_ACK, 0, 0);
	assert_fwd(n, tnat_in(n, &p, T0));
	f = tnat_find(n, NAT_PROTO_TCP, REM2, 9001);
	assert_int_equal(f.si.state, NAT_TCP_ESTABLISHED);
	assert_true(f.si.inbound);
	tp_tcp(&p, IP4(192, 0, 2, 77), 1, EXT, 50000, NAT_TCP_ACK, 0, 0);
	assert_int_equal(tnat_in(n, &p, T0), NAT_DROP);
	assert_int_equal(n->v.drop, NAT_DROP_TCP_NOT_SYN);
	/* No mapping at all. */
	tp_udp(&p, REM, 1, EXT, 60000, 8, false);
	assert_int_equal(tnat_in(n, &p, T0), NAT_DROP);
	assert_int_equal(n->v.drop, NAT_DROP_NO_MAPPING);
	/* The DHCP client's port on the uplink is the gateway's. */
	tp_udp(&p, IP4(192, 0, 2, 254), 67, EXT, 68, 300, false);
	assert_int_equal(tnat_in(n, &p, T0), NAT_HOST);
}

/* A forward keeps the client's address; its reply leaves from the
 * forwarded port; duplicates and foreign addresses are refused. */
static void test_forward(void **state)
{
	struct tnat *n = *state;
	struct tpkt p;
	char err[160];

	assert_int_equal(nat_forward_add(n->t, NAT_PROTO_TCP, 8080, VM5, 80,
					 err, sizeof(err)),
			 0);
	assert_int_equal(nat_forward_add(n->t, NAT_PROTO_TCP, 8080, VM5, 80,
					 err, sizeof(err)),
			 -EEXIST);
	assert_non_null(strstr(err, "already forwarded"));
	assert_int_equal(nat_forward_add(n->t, NAT_PROTO_TCP, 8081,
					 IP4(10, 20, 0, 5), 80, err,
					 sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "subnet"));
	assert_int_equal(
	    nat_forward_add(n->t, NAT_PROTO_ICMP, 1, VM5, 1, err, sizeof(err)),
	    -EINVAL);

	tp_tcp(&p, REM, 55555, EXT, 8080, NAT_TCP_SYN, 0, 0);
	assert_fwd(n, tnat_in(n, &p, T0));
	assert_int_equal(tp_dst(&p), VM5);
	assert_int_equal(tp_dport(&p), 80);
	assert_int_equal(tp_src(&p), REM);
	assert_int_equal(tp_sport(&p), 55555);
	assert_true(tp_csum_ok(p.b, false));
	tp_tcp(&p, VM5, 80, REM, 55555, NAT_TCP_SYN | NAT_TCP_ACK, 0, 0);
	assert_fwd(n, tnat_out(n, &p, T0));
	assert_int_equal(tp_src(&p), EXT);
	assert_int_equal(tp_sport(&p), 8080);
	assert_true(tp_csum_ok(p.b, false));
	tp_tcp(&p, REM, 55555, EXT, 8080, NAT_TCP_ACK, 0, 5);
	assert_fwd(n, tnat_in(n, &p, T0));
	assert_int_equal(tnat_find(n, NAT_PROTO_TCP, REM, 55555).si.state,
			 NAT_TCP_ESTABLISHED);

	/* The VM's own connections from the forward's target leave through
	 * the forward (one inside endpoint, one external: EIM); from another
	 * port they get a dynamic mapping. */
	tp_tcp(&p, VM5, 80, REM2, 443, NAT_TCP_SYN, 0, 0);
	assert_fwd(n, tnat_out(n, &p, T0));
	assert_int_equal(tp_sport(&p), 8080);
	tp_tcp(&p, VM5, 5000, REM2, 443, NAT_TCP_SYN, 0, 0);
	assert_fwd(n, tnat_out(n, &p, T0));
	assert_int_equal(tp_sport(&p), 5000);
	assert_int_equal(tnat_find(n, 0, 0, 0).mappings, 1);

	/* Deleting it ends its sessions. */
	assert_int_equal(nat_forward_del(n->t, NAT_PROTO_TCP, 8080), 0);
	assert_int_equal(nat_forward_del(n->t, NAT_PROTO_TCP, 8080), -ENOENT);
	tp_tcp(&p, REM, 55555, EXT, 8080, NAT_TCP_ACK, 0, 5);
	assert_int_equal(tnat_in(n, &p, T0), NAT_DROP);
	assert_int_equal(n->v.drop, NAT_DROP_NO_MAPPING);
}

/* Cut a UDP datagram of 1000 bytes from @src:@sport to @dst:@dport with
 * IP id @id into a first fragment (@first, 400 bytes of IP payload) and
 * the rest (@rest). */
static void frag_pair(struct tpkt *first, struct tpkt *rest, uint32_t src,
		      uint16_t sport, uint32_t dst, uint16_t dport, uint16_t id)
{
	tp_udp(first, src, sport, dst, dport, 1000, false);
	pkt_put_be16(first->b + 4, id);
	tp_fix(first->b, false);
	*rest = *first;
	pkt_put_be16(first->b + 2, 20 + 400);
	pkt_put_be16(first->b + 6, 0x2000);
	first->len = 420;
	tp_fix(first->b, false);
	memmove(rest->b + 20, rest->b + 20 + 400, 608);
	pkt_put_be16(rest->b + 2, 20 + 608);
	pkt_put_be16(rest->b + 6, 400 / 8);
	rest->len = 628;
	tp_fix(rest->b, false);
}

/* Whole datagrams the gateway will cut (DF clear, over the external MTU of
 * 1400) leave with ids of the NAT's own, as fragments do; one that fits
 * keeps its own. */
static void test_cut_ids(void **state)
{
	struct tnat *n = *state;
	struct tpkt a1, a2, b1;

	tp_udp(&a1, VM1, 8001, REM, 9000, 1450, false);
	tp_udp(&b1, VM2, 8001, REM, 9000, 1450, false);
	tp_udp(&a2, VM1, 8001, REM, 9000, 100, false);
	assert_fwd(n, tnat_out(n, &a1, T0));
	assert_fwd(n, tnat_out(n, &b1, T0));
	assert_fwd(n, tnat_out(n, &a2, T0));
	assert_int_not_equal(tp_get16(a1.b + 4), tp_get16(b1.b + 4));
	assert_int_equal(tp_get16(a2.b + 4), 0x1234);
	assert_int_equal(csum_fold(csum_partial(b1.b, 20, 0)), 0);
}

/* Two VMs' datagrams to one remote with the same IP id leave with ids of
 * the NAT's own, each datagram's fragments with its own; two inbound
 * first fragments with one key to different VMs leave the rest dropped,
 * not handed to the wrong VM. */
static void test_fragment_ids(void **state)
{
	struct tnat *n = *state;
	struct tpkt a1, a2, b1, b2;
	uint16_t ida, idb, pa, pb;

	frag_pair(&a1, &a2, VM1, 8000, REM, 9000, 0x4242);
	frag_pair(&b1, &b2, VM2, 8000, REM, 9000, 0x4242);
	assert_fwd(n, tnat_out(n, &a1, T0));
	assert_fwd(n, tnat_out(n, &b1, T0));
	ida = tp_get16(a1.b + 4);
	idb = tp_get16(b1.b + 4);
	assert_int_not_equal(ida, idb);
	pa = tp_sport(&a1);
	pb = tp_sport(&b1);
	assert_fwd(n, tnat_out(n, &b2, T0));
	assert_fwd(n, tnat_out(n, &a2, T0));
	assert_int_equal(tp_get16(a2.b + 4), ida);
	assert_int_equal(tp_get16(b2.b + 4), idb);
	assert_int_equal(tp_src(&a2), EXT);
	assert_int_equal(csum_fold(csum_partial(a1.b, 20, 0)), 0);
	assert_int_equal(csum_fold(csum_partial(b2.b, 20, 0)), 0);

	/* In: the remote repeats an id towards both mappings. */
	frag_pair(&a1, &a2, REM, 9000, EXT, pa, 0x777);
	frag_pair(&b1, &b2, REM, 9000, EXT, pb, 0x777);
	assert_fwd(n, tnat_in(n, &a1, T0));
	assert_int_equal(tp_dst(&a1), VM1);
	assert_fwd(n, tnat_in(n, &b1, T0));
	assert_int_equal(tp_dst(&b1), VM2);
	assert_int_equal(tnat_in(n, &a2, T0), NAT_DROP);
	assert_int_equal(n->v.drop, NAT_DROP_FRAG_NO_FIRST);
	assert_int_equal(tnat_in(n, &b2, T0), NAT_DROP);
	/* A first fragment seen twice is no conflict. */
	frag_pair(&a1, &a2, REM, 9000, EXT, pa, 0x778);
	b1 = a1;
	assert_fwd(n, tnat_in(n, &a1, T0));
	assert_fwd(n, tnat_in(n, &b1, T0));
	assert_fwd(n, tnat_in(n, &a2, T0));
	assert_int_equal(tp_dst(&a2), VM1);
	assert_int_equal(tp_get16(a2.b + 4), 0x778);
}

/* A fragment ending past 65535 bytes (offset * 8 + total length) is part
 * of no datagram: dropped both ways, its first fragment seen or not; one
 * that ends exactly at 65535 goes through. */
static void test_fragment_too_long(void **state)
{
	struct tnat *n = *state;
	struct tpkt a1, a2;
	uint16_t pa;

	frag_pair(&a1, &a2, VM1, 8000, REM, 9000, 0x4343);
	assert_fwd(n, tnat_out(n, &a1, T0));
	pa = tp_sport(&a1);
	/* 608 bytes of data at 64936: ends at 65564. */
	pkt_put_be16(a2.b + 6, 8117);
	tp_fix(a2.b, false);
	assert_int_equal(tnat_out(n, &a2, T0), NAT_DROP);
	assert_int_equal(n->v.drop, NAT_DROP_FRAG_TOO_LONG);
	assert_int_equal(tp_src(&a2), VM1); /* left as it was */
	/* At 64904: 20 + 608 bytes end at 65532, inside the limit. */
	pkt_put_be16(a2.b + 6, 8113);
	tp_fix(a2.b, false);
	assert_fwd(n, tnat_out(n, &a2, T0));
	assert_int_equal(tp_src(&a2), EXT);

	/* In, and the first fragment itself: its offset is 0. */
	frag_pair(&a1, &a2, REM, 9000, EXT, pa, 0x779);
	assert_fwd(n, tnat_in(n, &a1, T0));
	pkt_put_be16(a2.b + 6, 8117);
	tp_fix(a2.b, false);
	assert_int_equal(tnat_in(n, &a2, T0), NAT_DROP);
	assert_int_equal(n->v.drop, NAT_DROP_FRAG_TOO_LONG);
	/* Exactly 65535: 20 + 11 bytes at 65504. */
	pkt_put_be16(a2.b + 2, 20 + 11);
	pkt_put_be16(a2.b + 6, 65504 / 8);
	a2.len = 31;
	tp_fix(a2.b, false);
	assert_fwd(n, tnat_in(n, &a2, T0));
	assert_int_equal(tp_dst(&a2), VM1);
	assert_int_equal(n->t->st.drops[NAT_DROP_FRAG_TOO_LONG], 2);
}

/* A VM reaches another through the external address and back. */
static void test_hairpin(void **state)
{
	struct tnat *n = *state;
	struct tpkt p;
	char err[160];
	uint16_t pa;
	struct nat_stats st;

	assert_int_equal(nat_forward_add(n->t, NAT_PROTO_TCP, 8080, VM5, 80,
					 err, sizeof(err)),
			 0);
	tp_tcp(&p, VM1, 45000, EXT, 8080, NAT_TCP_SYN, 0, 0);
	assert_int_equal(tnat_out(n, &p, T0), NAT_HAIRPIN);
	assert_int_equal(tp_dst(&p), VM5);
	assert_int_equal(tp_dport(&p), 80);
	assert_int_equal(tp_src(&p), EXT);
	pa = tp_sport(&p);
	assert_int_equal(p.b[8], 63); /* one hop */
	assert_true(tp_csum_ok(p.b, false));

	tp_tcp(&p, VM5, 80, EXT, pa, NAT_TCP_SYN | NAT_TCP_ACK, 0, 0);
	assert_int_equal(tnat_out(n, &p, T0), NAT_HAIRPIN);
	assert_int_equal(tp_dst(&p), VM1);
	assert_int_equal(tp_dport(&p), 45000);
	assert_int_equal(tp_src(&p), EXT);
	assert_int_equal(tp_sport(&p), 8080);
	assert_true(tp_csum_ok(p.b, false));
	nat_stats_get(n->t, &st);
	assert_int_equal(st.hairpin, 2);

	/* Ping to the external address from inside: the gateway answers. */
	tp_echo(&p, VM1, EXT, 8, 3);
	assert_int_equal(tnat_out(n, &p, T0), NAT_HOST);
	/* An unmapped external port. */
	tp_udp(&p, VM1, 1000, EXT, 9, 4, false);
	assert_int_equal(tnat_out(n, &p, T0), NAT_DROP);
	assert_int_equal(n->v.drop, NAT_DROP_NO_MAPPING);
}

/* TCP SYNs in either direction get their MSS lowered to the MTU's. */
static void test_mss_clamp(void **state)
{
	struct tnat *n = *state;
	struct tpkt p;
	struct nat_stats st;
	size_t out_bytes, in_bytes;

	tp_tcp(&p, VM1, 42000, REM, 80, NAT_TCP_SYN, 1460, 0);
	out_bytes = p.len;
	assert_fwd(n, tnat_out(n, &p, T0));
	assert_int_equal(tp_get16(p.b + 42), 1360);
	assert_true(tp_csum_ok(p.b, false));
	tp_tcp(&p, REM, 80, EXT, 42000, NAT_TCP_SYN | NAT_TCP_ACK, 1460, 0);
	in_bytes = p.len;
	assert_fwd(n, tnat_in(n, &p, T0));
	assert_int_equal(tp_get16(p.b + 42), 1360);
	assert_true(tp_csum_ok(p.b, false));
	tp_tcp(&p, VM2, 42000, REM, 80, NAT_TCP_SYN, 1200, 0);
	out_bytes += p.len;
	assert_fwd(n, tnat_out(n, &p, T0));
	assert_int_equal(tp_get16(p.b + 42), 1200);
	nat_stats_get(n->t, &st);
	assert_int_equal(st.mss_clamped, 2);
	/* what "vnetctl stats" shows as the NAT's bytes */
	assert_int_equal(st.out, 2);
	assert_int_equal(st.in, 1);
	assert_int_equal(st.bytes_out, out_bytes);
	assert_int_equal(st.bytes_in, in_bytes);
}

/* Later fragments follow their first; without it they are dropped. */
static void test_fragments(void **state)
{
	struct tnat *n = *state;
	struct tpkt p, f2, f2_copy;
	uint16_t port;

	tp_udp(&p, VM1, 8000, REM, 8000, 1000, false);
	/* Cut into a first fragment (8 + 392 bytes) and the rest. */
	f2 = p;
	pkt_put_be16(p.b + 2, 20 + 400);
	pkt_put_be16(p.b + 6, 0x2000);
	p.len = 420;
	p.b[10] = p.b[11] = 0;
	pkt_put_be16(p.b + 10, csum_fold(csum_partial(p.b, 20, 0)));
	memmove(f2.b + 20, f2.b + 20 + 400, 608);
	pkt_put_be16(f2.b + 2, 20 + 608);
	pkt_put_be16(f2.b + 6, 400 / 8);
	f2.len = 628;
	tp_fix(f2.b, false);

	assert_int_equal(tnat_out(n, &f2, T0), NAT_DROP);
	assert_int_equal(n->v.drop, NAT_DROP_FRAG_NO_FIRST);
	assert_fwd(n, tnat_out(n, &p, T0));
	port = tp_sport(&p);
	assert_fwd(n, tnat_out(n, &f2, T0));
	assert_int_equal(tp_src(&f2), EXT);
	assert_int_equal(csum_fold(csum_partial(f2.b, 20, 0)), 0);
	/* Reassembled, the datagram's UDP checksum holds. */
	{
		static uint8_t whole[1028];

		memcpy(whole, p.b, 420);
		memcpy(whole + 420, f2.b + 20, 608);
		pkt_put_be16(whole + 2, 1028);
		pkt_put_be16(whole + 6, 0);
		tp_put32(whole + 12, EXT);
		whole[10] = whole[11] = 0;
		pkt_put_be16(whole + 10, csum_fold(csum_partial(whole, 20, 0)));
		assert_true(tp_csum_ok(whole, false));
	}

	/* Inbound: a first fragment back, then the rest. */
	tp_udp(&p, REM, 8000, EXT, port, 1000, false);
	f2 = p;
	pkt_put_be16(p.b + 2, 420);
	pkt_put_be16(p.b + 6, 0x2000);
	p.len = 420;
	tp_fix(p.b, false);
	memmove(f2.b + 20, f2.b + 420, 608);
	pkt_put_be16(f2.b + 2, 628);
	pkt_put_be16(f2.b + 6, 50);
	f2.len = 628;
	tp_fix(f2.b, false);
	f2_copy = f2;
	assert_fwd(n, tnat_in(n, &p, T0));
	assert_fwd(n, tnat_in(n, &f2, T0));
	assert_int_equal(tp_dst(&f2), VM1);
	/* After its timeout the slot is forgotten. */
	assert_int_equal(tnat_in(n, &f2_copy, T0 + NAT_FRAG_TIMEOUT + 1),
			 NAT_DROP);
	assert_int_equal(n->v.drop, NAT_DROP_FRAG_NO_FIRST);
}

/* With NAT_F_CSUM_PARTIAL the field keeps the new pseudo-header sum. */
static void test_csum_partial(void **state)
{
	struct tnat *n = *state;
	struct tpkt p;
	uint16_t want;

	tp_tcp(&p, VM1, 43000, REM, 80, NAT_TCP_SYN, 0, 50);
	pkt_put_be16(p.b + 36, (uint16_t)~csum_fold(tp_pseudo(p.b, 70)));
	nat_out(n->t, p.b, p.len, NAT_F_CSUM_PARTIAL, T0, &n->v);
	assert_fwd(n, n->v.action);
	want = (uint16_t)~csum_fold(tp_pseudo(p.b, 70));
	assert_int_equal(tp_get16(p.b + 36), want);
	assert_int_equal(csum_fold(csum_partial(p.b, 20, 0)), 0);
}

/* Exhaustion: a range of 4 ports serves 4 mappings, the 5th is refused
 * with its own reason and the others keep working. */
static void test_exhaustion(void **state)
{
	struct tnat n;
	struct tpkt p;
	struct nat_stats st;

	(void)state;
	tnat_cfg(&n, 64);
	n.cfg.port_min = 2000;
	n.cfg.port_max = 2003;
	assert_int_equal(tnat_start(&n), 0);
	for (unsigned i = 0; i < 4; i++) {
		tp_udp(&p, VM1, (uint16_t)(40000 + i), REM, 53, 4, false);
		assert_fwd(&n, tnat_out(&n, &p, T0));
		assert_true(tp_sport(&p) >= 2000 && tp_sport(&p) <= 2003);
	}
	tp_udp(&p, VM1, 40004, REM, 53, 4, false);
	assert_int_equal(tnat_out(&n, &p, T0), NAT_DROP);
	assert_int_equal(n.v.drop, NAT_DROP_PORTS_EXHAUSTED);
	tp_udp(&p, VM1, 40002, REM2, 53, 4, false);
	assert_fwd(&n, tnat_out(&n, &p, T0));
	nat_stats_get(n.t, &st);
	assert_int_equal(st.drops[NAT_DROP_PORTS_EXHAUSTED], 1);
	assert_string_equal(nat_drop_name(NAT_DROP_PORTS_EXHAUSTED),
			    "ports_exhausted");
	tnat_stop(&n);
}

/* A full table refuses new flows, established ones carry on. */
static void test_table_full(void **state)
{
	struct tnat n;
	struct tpkt p;
	struct nat_stats st;

	(void)state;
	tnat_cfg(&n, 16);
	assert_int_equal(tnat_start(&n), 0);
	/* Eight answered flows: a mapping and a session each. */
	for (unsigned i = 0; i < 8; i++) {
		tp_udp(&p, VM1, (uint16_t)(30000 + i), REM, 53, 4, false);
		assert_fwd(&n, tnat_out(&n, &p, T0));
		tp_udp(&p, REM, 53, EXT, (uint16_t)(30000 + i), 4, false);
		assert_fwd(&n, tnat_in(&n, &p, T0));
	}
	tp_udp(&p, VM1, 30008, REM, 53, 4, false);
	assert_int_equal(tnat_out(&n, &p, T0), NAT_DROP);
	assert_int_equal(n.v.drop, NAT_DROP_TABLE_FULL);
	tp_udp(&p, VM1, 30000, REM, 53, 4, false);
	assert_fwd(&n, tnat_out(&n, &p, T0));
	tp_udp(&p, REM, 53, EXT, 30000, 4, false);
	assert_fwd(&n, tnat_in(&n, &p, T0));
	nat_stats_get(n.t, &st);
	assert_int_equal(st.early_drops, 0);
	tnat_stop(&n);
}

/* A full table frees unanswered sessions for new flows (early drop): a VM
 * opening flows nobody answers keeps going, and so does everyone else,
 * while answered and established connections stay. */
static void test_early_drop(void **state)
{
	struct tnat n;
	struct tpkt p;
	struct nat_stats st;
	struct tfind f;

	(void)state;
	tnat_cfg(&n, 64);
	assert_int_equal(tnat_start(&n), 0);
	tp_tcp(&p, VM2, 41000, REM, 443, NAT_TCP_SYN, 0, 0);
	assert_fwd(&n, tnat_out(&n, &p, T0));
	tp_tcp(&p, REM, 443, EXT, 41000, NAT_TCP_SYN | NAT_TCP_ACK, 0, 0);
	assert_fwd(&n, tnat_in(&n, &p, T0));
	tp_tcp(&p, VM2, 41000, REM, 443, NAT_TCP_ACK, 0, 0);
	assert_fwd(&n, tnat_out(&n, &p, T0));
	tp_udp(&p, VM2, 5353, REM, 53, 4, false);
	assert_fwd(&n, tnat_out(&n, &p, T0));
	tp_udp(&p, REM, 53, EXT, 5353, 4, false);
	assert_fwd(&n, tnat_in(&n, &p, T0));
	/* A scan from one port, then from a new port each time. */
	for (unsigned i = 0; i < 300; i++) {
		tp_udp(&p, VM1, 7777, REM2, (uint16_t)(1 + i), 4, false);
		assert_fwd(&n, tnat_out(&n, &p, T0));
	}
	for (unsigned i = 0; i < 300; i++) {
		tp_udp(&p, VM1, (uint16_t)(20000 + i), REM2, 9, 4, false);
		assert_fwd(&n, tnat_out(&n, &p, T0));
	}
	nat_stats_get(n.t, &st);
	assert_true(st.early_drops >= 600 - 64);
	assert_int_equal(st.drops[NAT_DROP_TABLE_FULL], 0);
	f = tnat_find(&n, NAT_PROTO_TCP, REM, 443);
	assert_int_equal(f.si.state, NAT_TCP_ESTABLISHED);
	assert_true(tnat_find(&n, NAT_PROTO_UDP, REM, 53).si.replied);
	/* Another VM's new flow gets in. */
	tp_udp(&p, VM2, 6000, REM2, 99, 4, false);
	assert_fwd(&n, tnat_out(&n, &p, T0));
	tp_tcp(&p, VM2, 41000, REM, 443, NAT_TCP_ACK, 0, 10);
	assert_fwd(&n, tnat_out(&n, &p, T0 + 1));
	tnat_stop(&n);

	/* Unanswered flows with a mapping each, new remotes through those
	 * mappings: the mapping a new session goes through is never the one
	 * freed, and the table holds together (a restart discards nothing). */
	tnat_cfg(&n, 16);
	assert_int_equal(tnat_start(&n), 0);
	for (unsigned i = 0; i < 400; i++) {
		struct nat_attach_info info;
		char err[160];

		tp_udp(&p, VM1, (uint16_t)(30000 + i % 8), REM,
		       (uint16_t)(1 + i), 4, false);
		assert_fwd(&n, tnat_out(&n, &p, T0));
		assert_int_equal(tp_sport(&p), 30000 + i % 8);
		if (i % 50)
			continue;
		nat_table_detach(n.t);
		assert_int_equal(nat_table_attach(n.mem, n.size, &n.cfg, T0,
						  &n.t, &info, err,
						  sizeof(err)),
				 0);
		assert_int_equal(info.discarded, 0);
	}
	tnat_stop(&n);
}

/* Malformed or unroutable packets: each dropped with its reason, and
 * never altered. */
static void test_bad_input(void **state)
{
	struct tnat *n = *state;
	struct {
		const char *what;
		bool in;
		enum nat_drop drop;
	} cases[] = {
	    {"ip version 6", false, NAT_DROP_BAD_IP},
	    {"ihl 4", false, NAT_DROP_BAD_IP},
	    {"ihl past the packet", false, NAT_DROP_BAD_IP},
	    {"total length past the bytes", false, NAT_DROP_BAD_IP},
	    {"total length below the header", false, NAT_DROP_BAD_IP},
	    {"ip checksum", false, NAT_DROP_BAD_IP_CSUM},
	    {"ttl 1", false, NAT_DROP_TTL},
	    {"ttl 1 in", true, NAT_DROP_TTL},
	    {"tcp truncated", false, NAT_DROP_TRUNCATED},
	    {"tcp data offset 4", false, NAT_DROP_BAD_L4},
	    {"tcp data offset past", false, NAT_DROP_BAD_L4},
	    {"udp length 7", false, NAT_DROP_BAD_L4},
	    {"udp length past", false, NAT_DROP_BAD_L4},
	    {"icmp truncated", false, NAT_DROP_TRUNCATED},
	    {"gre", false, NAT_DROP_BAD_PROTO},
	    {"icmp timestamp", false, NAT_DROP_ICMP_TYPE},
	    {"syn+fin", false, NAT_DROP_TCP_FLAGS},
	    {"no flags", false, NAT_DROP_TCP_FLAGS},
	    {"tcp ack without session", false, NAT_DROP_TCP_NOT_SYN},
	    {"source outside subnet", false, NAT_DROP_SRC_NOT_INSIDE},
	    {"inside source from outside", true, NAT_DROP_SPOOFED},
	    {"external source from outside", true, NAT_DROP_SPOOFED},
	    {"not for us", true, NAT_DROP_NOT_OURS},
	    {"short", false, NAT_DROP_BAD_IP},
	    {"udp source port 0", false, NAT_DROP_BAD_L4},
	    {"tcp destination port 0", false, NAT_DROP_BAD_L4},
	    {"to broadcast", false, NAT_DROP_MARTIAN},
	    {"to multicast", false, NAT_DROP_MARTIAN},
	    {"from loopback", true, NAT_DROP_MARTIAN},
	    {"from 0/8", true, NAT_DROP_MARTIAN},
	};
	struct nat_stats before, after;
	struct tpkt m;

	/* A mapping for the inbound cases to aim at. */
	tp_udp(&m, VM1, 2000, REM, 53, 8, false);
	assert_fwd(n, tnat_out(n, &m, T0));
	assert_int_equal(tp_sport(&m), 2000);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tpkt p, copy;
		uint8_t *ip = p.b;

		if (cases[i].in)
			tp_udp(&p, REM, 53, EXT, 2000, 8, false);
		else
			tp_udp(&p, VM1, 2000, REM, 53, 8, false);
		switch (i) {
		case 0:
			ip[0] = 0x65;
			break;
		case 1:
			ip[0] = 0x44;
			break;
		case 2:
			ip[0] = 0x4f;
			p.len = 40;
			pkt_put_be16(ip + 2, 40);
			break;
		case 3:
			pkt_put_be16(ip + 2, (uint16_t)(p.len + 1));
			break;
		case 4:
			pkt_put_be16(ip + 2, 19);
			break;
		case 5:
			ip[10] ^= 0x40;
			break;
		case 6:
		case 7:
			ip[8] = 1;
			break;
		case 8:
			tp_tcp(&p, VM1, 1, REM, 2, NAT_TCP_SYN, 0, 0);
			p.len = 30;
			pkt_put_be16(ip + 2, 30);
			break;
		case 9:
			tp_tcp(&p, VM1, 1, REM, 2, NAT_TCP_SYN, 0, 0);
			ip[32] = 0x40;
			break;
		case 10:
			tp_tcp(&p, VM1, 1, REM, 2, NAT_TCP_SYN, 0, 0);
			ip[32] = 0xf0;
			break;
		case 11:
			pkt_put_be16(ip + 24, 7);
			break;
		case 12:
			pkt_put_be16(ip + 24, 17);
			break;
		case 13:
			tp_echo(&p, VM1, REM, 8, 1);
			p.len = 26;
			pkt_put_be16(ip + 2, 26);
			break;
		case 14:
			ip[9] = 47;
			break;
		case 15:
			tp_echo(&p, VM1, REM, 13, 1);
			break;
		case 16:
			tp_tcp(&p, VM1, 1, REM, 2, NAT_TCP_SYN | NAT_TCP_FIN, 0,
			       0);
			break;
		case 17:
			tp_tcp(&p, VM1, 1, REM, 2, 0, 0, 0);
			break;
		case 18:
			tp_tcp(&p, VM1, 1, REM, 2, NAT_TCP_ACK, 0, 0);
			break;
		case 19:
			tp_udp(&p, IP4(10, 11, 0, 2), 1, REM, 53, 8, false);
			break;
		case 20:
			tp_udp(&p, VM2, 1, EXT, 2000, 8, false);
			break;
		case 21:
			tp_udp(&p, EXT, 1, EXT, 2000, 8, false);
			break;
		case 22:
			tp_udp(&p, REM, 1, REM2, 2000, 8, false);
			break;
		case 23:
			p.len = 19;
			break;
		case 24:
			tp_udp(&p, VM1, 0, REM, 53, 8, false);
			break;
		case 25:
			tp_tcp(&p, VM1, 1, REM, 0, NAT_TCP_SYN, 0, 0);
			break;
		case 26:
			tp_udp(&p, VM1, 1, 0xffffffffu, 53, 8, false);
			break;
		case 27:
			tp_udp(&p, VM1, 1, IP4(239, 1, 2, 3), 53, 8, false);
			break;
		case 28:
			tp_udp(&p, IP4(127, 0, 0, 1), 53, EXT, 2000, 8, false);
			break;
		case 29:
			tp_udp(&p, IP4(0, 1, 2, 3), 53, EXT, 2000, 8, false);
			break;
		}
		if (i >= 6 && i != 23)
			tp_fix(ip, false);
		copy = p;
		nat_stats_get(n->t, &before);
		if (cases[i].in)
			tnat_in(n, &p, T0);
		else
			tnat_out(n, &p, T0);
		if (n->v.action != NAT_DROP || n->v.drop != cases[i].drop)
			fail_msg("%s: action %d drop %s", cases[i].what,
				 n->v.action, nat_drop_name(n->v.drop));
		assert_memory_equal(p.b, copy.b, sizeof(p.b));
		nat_stats_get(n->t, &after);
		assert_int_equal(after.drops[cases[i].drop],
				 before.drops[cases[i].drop] + 1);
	}
	/* TTL 1 to the gateway itself is fine. */
	{
		struct tpkt p;

		tp_echo(&p, REM, EXT, 8, 1);
		p.b[8] = 1;
		tp_fix(p.b, false);
		assert_int_equal(tnat_in(n, &p, T0), NAT_HOST);
	}
}

/* A burst gives each packet the verdict and bytes nat_out() would. */
static void test_burst(void **state)
{
	struct tnat *n = *state, m;
	static struct tpkt a[40], b[40];
	struct nat_pkt bp[40];

	tnat_cfg(&m, 64);
	assert_int_equal(tnat_start(&m), 0);
	for (unsigned i = 0; i < 40; i++) {
		if (i % 10 == 3)
			tp_tcp(&a[i], VM1, 3000, REM, 80, NAT_TCP_ACK, 0, 0);
		else
			tp_udp(&a[i], i & 1 ? VM1 : VM2,
			       (uint16_t)(4000 + i / 4), REM, 53, i, false);
		b[i] = a[i];
		bp[i] = (struct nat_pkt){.ip = b[i].b, .len = b[i].len};
	}
	nat_out_burst(m.t, bp, 40, T0);
	for (unsigned i = 0; i < 40; i++) {
		tnat_out(n, &a[i], T0);
		assert_int_equal(bp[i].v.action, n->v.action);
		assert_int_equal(bp[i].v.drop, n->v.drop);
		assert_memory_equal(a[i].b, b[i].b, a[i].len);
	}
	for (unsigned i = 0; i < 40; i++) {
		tp_udp(&a[i], REM, 53, EXT, (uint16_t)(4000 + i / 4), 8, false);
		b[i] = a[i];
		bp[i] = (struct nat_pkt){.ip = b[i].b, .len = b[i].len};
	}
	nat_in_burst(m.t, bp, 40, T0);
	for (unsigned i = 0; i < 40; i++) {
		tnat_in(n, &a[i], T0);
		assert_int_equal(bp[i].v.action, n->v.action);
		assert_memory_equal(a[i].b, b[i].b, a[i].len);
	}
	tnat_stop(&m);
}

/* The errors the gateway sends itself: time exceeded, frag needed; and
 * the packets it must stay silent about. */
static void test_icmp_error_build(void **state)
{
	const uint32_t gw = IP4(10, 10, 0, 1);
	static uint8_t out[1600];
	struct tpkt p, q;
	size_t n;

	(void)state;
	tp_udp(&p, VM1, 33434, REM, 33434, 12, false);
	p.b[8] = 1;
	tp_fix(p.b, false);
	n = nat_icmp_error(p.b, p.len, 11, 0, 0, gw, out, sizeof(out));
	assert_int_equal(n, 28 + p.len);
	assert_int_equal(nat_get_be32(out + 12), gw);
	assert_int_equal(nat_get_be32(out + 16), VM1);
	assert_int_equal(out[20], 11);
	assert_memory_equal(out + 28, p.b, p.len);
	assert_true(tp_csum_ok(out, false));

	tp_tcp(&p, VM1, 40000, REM, 80, NAT_TCP_ACK, 0, 1460);
	n = nat_icmp_error(p.b, p.len, 3, 4, 1400, gw, out, sizeof(out));
	assert_int_equal(n, 576);
	assert_int_equal(tp_get16(out + 26), 1400);
	assert_true(tp_csum_ok(out, false));
	assert_int_equal(nat_icmp_error(p.b, p.len, 3, 4, 1400, gw, out, 575),
			 0);

	/* Silence: about an error, a later fragment, a martian source, a
	 * damaged or truncated header. */
	tp_icmp_err(&q, REM, VM1, 3, 3, &p);
	assert_int_equal(
	    nat_icmp_error(q.b, q.len, 11, 0, 0, gw, out, sizeof(out)), 0);
	q = p;
	pkt_put_be16(q.b + 6, 0x2000 | 100);
	tp_fix(q.b, false);
	assert_int_equal(
	    nat_icmp_error(q.b, q.len, 11, 0, 0, gw, out, sizeof(out)), 0);
	tp_udp(&q, 0, 68, REM, 67, 8, false);
	assert_int_equal(
	    nat_icmp_error(q.b, q.len, 11, 0, 0, gw, out, sizeof(out)), 0);
	q = p;
	q.b[10] ^= 1;
	assert_int_equal(
	    nat_icmp_error(q.b, q.len, 11, 0, 0, gw, out, sizeof(out)), 0);
	assert_int_equal(
	    nat_icmp_error(p.b, 19, 11, 0, 0, gw, out, sizeof(out)), 0);
	assert_int_equal(
	    nat_icmp_error(p.b, 100, 11, 0, 0, gw, out, sizeof(out)), 0);
	/* An echo request is fine to answer about. */
	tp_echo(&q, VM1, REM, 8, 1);
	assert_int_not_equal(
	    nat_icmp_error(q.b, q.len, 11, 0, 0, gw, out, sizeof(out)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_dst_inside, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_owner_in, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_forward_own_traffic,
					    tnat_setup, tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_cut_ids, setup_mtu,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_fragment_too_long, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_fragment_ids, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_tcp_both_ways, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_port_collision, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_udp_zero_csum, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_icmp_echo, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_icmp_error_in, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_icmp_error_echo, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_icmp_error_out, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_eim_eif, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_forward, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_hairpin, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_mss_clamp, setup_mtu,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_fragments, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_csum_partial, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_burst, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test(test_icmp_error_build),
	    cmocka_unit_test(test_exhaustion),
	    cmocka_unit_test(test_table_full),
	    cmocka_unit_test(test_early_drop),
	    cmocka_unit_test_setup_teardown(test_bad_input, tnat_setup,
					    tnat_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
