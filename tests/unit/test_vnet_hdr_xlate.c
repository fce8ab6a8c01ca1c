// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vnet_hdr_xlate.c - virtio-net header translation between ports: for
 * every pair of offload sets (what the sender negotiated, what the egress
 * takes) a super-frame is passed whole, cut, or finished, and every frame
 * that leaves is checked against checksums recomputed here from scratch;
 * hostile headers are refused under their named reason */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pkt.h"
#include "lib/vnet_hdr.h"
#include "vswitch/vswitch_priv.h"

#define PAYLOAD 60000
#define MSS	1448

/* Reference checksum, written plainly (no shared code with lib/). */
static uint16_t ref_sum(const uint8_t *b, size_t len, uint32_t acc)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		acc += (uint32_t)b[len - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static uint16_t be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* The L4 sum over pseudo-header and segment, 0xffff when correct. */
static uint16_t l4_verify(const uint8_t *f, size_t len, bool v6, size_t l3,
			  uint8_t proto)
{
	const uint8_t *ip = f + l3;
	size_t l4 = l3 + (v6 ? 40 : (size_t)(ip[0] & 0xf) * 4);
	size_t l4len = len - l4;
	uint32_t acc = proto + (uint32_t)l4len;

	acc += v6 ? ref_sum(ip + 8, 32, 0) : ref_sum(ip + 12, 8, 0);
	return ref_sum(f + l4, l4len, acc);
}

enum kind { TCP4, TCP6, UDP4, UDP6 };

/* A frame with a GSO header as a kernel or guest sends it: partial
 * checksum (the pseudo-header sum in the field), @payload bytes after the
 * headers. */
static size_t build_n(uint8_t *f, enum kind k, bool tagged,
		      struct virtio_net_hdr *h, size_t payload)
{
	bool v6 = k == TCP6 || k == UDP6, udp = k == UDP4 || k == UDP6;
	size_t l3 = tagged ? 18 : 14, iphl = v6 ? 40 : 20;
	size_t l4 = l3 + iphl, l4hl = udp ? 8 : 20, len = l4 + l4hl + payload;
	uint8_t *ip = f + l3, *t = f + l4;
	uint32_t acc;

	memset(f, 0, len);
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	if (tagged) {
		put16(f + 12, 0x8100);
		put16(f + 14, 7);
	}
	put16(f + l3 - 2, v6 ? 0x86dd : 0x0800);
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)(l4hl + payload));
		ip[6] = udp ? 17 : 6;
		ip[7] = 64;
		ip[8 + 15] = 1;
		ip[24 + 15] = 2;
	} else {
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(iphl + l4hl + payload));
		put16(ip + 4, 0x1234);
		ip[6] = 0x40; /* DF */
		ip[8] = 64;
		ip[9] = udp ? 17 : 6;
		memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	}
	put16(t, 40000);
	put16(t + 2, 5201);
	if (udp) {
		put16(t + 4, (uint16_t)(8 + payload));
	} else {
		memcpy(t + 4, "\xff\xff\xf0\x00", 4); /* seq wraps */
		t[12] = 5 << 4;
		t[13] = 0x18 | 0x80; /* PSH ACK CWR */
		put16(t + 14, 512);
	}
	for (size_t i = 0; i < payload; i++)
		f[l4 + l4hl + i] = (uint8_t)(i * 7 + i / 251);
	/* Partial checksum: the folded pseudo-header sum, not inverted. */
	acc = (udp ? 17 : 6) + (uint32_t)(len - l4);
	acc += v6 ? ref_sum(ip + 8, 32, 0) : ref_sum(ip + 12, 8, 0);
	put16(t + (udp ? 6 : 16), ref_sum(NULL, 0, acc));
	if (!v6)
		put16(ip + 10, (uint16_t)~ref_sum(ip, 20, 0));
	*h = (struct virtio_net_hdr){
	    .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
	    .gso_type = k == TCP4   ? VIRTIO_NET_HDR_GSO_TCPV4
			: k == TCP6 ? VIRTIO_NET_HDR_GSO_TCPV6
				    : 5 /* UDP_L4 */,
	    .hdr_len = htole16((uint16_t)(l4 + l4hl)),
	    .gso_size = htole16(MSS),
	    .csum_start = htole16((uint16_t)l4),
	    .csum_offset = htole16(udp ? 6 : 16),
	};
	return len;
}

/* A super-frame: one big payload. */
static size_t build(uint8_t *f, enum kind k, bool tagged,
		    struct virtio_net_hdr *h)
{
	return build_n(f, k, tagged, h, PAYLOAD);
}

static unsigned need_of(enum kind k)
{
	return VNET_OL_CSUM | (k == TCP4   ? VNET_OL_TSO4
			       : k == TCP6 ? VNET_OL_TSO6
					   : VNET_OL_USO);
}

/* Check segments of a super-frame against the original, from scratch. */
static void check_segments(const uint8_t *orig, size_t olen, enum kind k,
			   bool tagged, struct pkt **seg, int n)
{
	bool v6 = k == TCP6 || k == UDP6, udp = k == UDP4 || k == UDP6;
	size_t l3 = tagged ? 18 : 14, l4 = l3 + (v6 ? 40 : 20);
	size_t hl = l4 + (udp ? 8 : 20), got = 0;

	assert_int_equal(n, (PAYLOAD + MSS - 1) / MSS);
	for (int i = 0; i < n; i++) {
		const uint8_t *f = seg[i]->data, *t = f + l4;
		size_t len = seg[i]->len, pl = len - hl;

		assert_true(pl <= MSS && pl > 0);
		assert_memory_equal(f, orig, 12);
		assert_memory_equal(f + hl, orig + hl + got, pl);
		if (v6) {
			assert_int_equal(be16(f + l3 + 4), len - l3 - 40);
		} else {
			assert_int_equal(be16(f + l3 + 2), len - l3);
			assert_int_equal(be16(f + l3 + 4), 0x1234 + i);
			assert_int_equal(ref_sum(f + l3, 20, 0), 0xffff);
		}
		assert_int_equal(l4_verify(f, len, v6, l3, udp ? 17 : 6),
				 0xffff);
		if (udp) {
			assert_int_equal(be16(t + 4), len - l4);
		} else {
			uint32_t seq = (uint32_t)t[4] << 24 |
				       (uint32_t)t[5] << 16 |
				       (uint32_t)t[6] << 8 | t[7];

			assert_int_equal(seq, (uint32_t)(0xfffff000u + got));
			assert_int_equal(!!(t[13] & 0x80), i == 0); /* CWR */
			assert_int_equal(!!(t[13] & 0x08), i == n - 1);
		}
		assert_int_equal(seg[i]->tagged, tagged);
		assert_int_equal(seg[i]->ol.gso_type, PKT_GSO_NONE);
		assert_int_equal(seg[i]->ol.flags, 0);
		got += pl;
	}
	assert_int_equal(got, PAYLOAD);
	(void)olen;
}

static const unsigned sets[] = {
    0,
    VNET_OL_CSUM,
    VNET_OL_CSUM | VNET_OL_TSO4,
    VNET_OL_CSUM | VNET_OL_TSO6,
    VNET_OL_CSUM | VNET_OL_TSO4 | VNET_OL_TSO6 | VNET_OL_ECN,
    VNET_OL_CSUM | VNET_OL_USO,
    VNET_OL_ALL,
};

/* Every (sender set, egress set) pair, for each kind of super-frame. */
static void test_pairs(void **state)
{
	static uint8_t f[PKT_GSO_MAX_FRAME], copy[PKT_GSO_MAX_FRAME];
	struct pkt_pool *pool = pkt_pool_create(256);

	for (int ecn = 0; ecn < 2; ecn++)
		for (int tagged = 0; tagged < 2; tagged++)
			for (enum kind k = TCP4; k <= UDP6; k++)
				for (size_t a = 0; a < 7; a++)
					for (size_t b = 0; b < 7; b++) {
						struct virtio_net_hdr h, oh;
						struct pkt p = {0}, *seg[64];
						size_t len =
						    build(f, k, tagged, &h);
						unsigned need = need_of(k);
						size_t off = 0;
						enum vnet_hdr_err e;
						int n;

						/* ECN: CWR may be set on the
						 * first segment; both ends must
						 * take it. */
						if (ecn && k >= UDP4)
							continue;
						if (ecn) {
							h.gso_type |=
							    VIRTIO_NET_HDR_GSO_ECN;
							need |= VNET_OL_ECN;
						}
						memcpy(copy, f, len);
						p.data = f;
						p.len = (uint32_t)len;
						p.tagged = (uint8_t)tagged;
						e = vnet_hdr_to_pkt(&h, sets[a],
								    &p);
						if ((sets[a] & need) != need) {
							assert_int_equal(
							    e,
							    VNET_HDR_ERR_OFFLOAD_NOT_NEGOTIATED);
							continue;
						}
						assert_int_equal(e,
								 VNET_HDR_OK);
						if ((sets[b] & need) == need) {
							/* Whole: the same
							 * header out, its
							 * offsets moved by a
							 * tag added or taken
							 * off. */
							assert_true(
							    vnet_hdr_fits(
								&p, sets[b]));
							vnet_hdr_from_pkt(
							    &p, tagged ? 7 : 0,
							    &oh);
							assert_memory_equal(
							    &oh, &h, sizeof(h));
							vnet_hdr_from_pkt(
							    &p, tagged ? 0 : 9,
							    &oh);
							assert_int_equal(
							    le16toh(
								oh.csum_start),
							    le16toh(
								h.csum_start) +
								(tagged ? -4
									: 4));
							assert_int_equal(
							    le16toh(oh.hdr_len),
							    le16toh(h.hdr_len) +
								(tagged ? -4
									: 4));
							assert_int_equal(
							    oh.gso_type,
							    h.gso_type);
							continue;
						}
						assert_false(
						    vnet_hdr_fits(&p, sets[b]));
						n = vnet_hdr_segment(
						    &p, &off, pool, seg, 64);
						assert_int_equal(off, SIZE_MAX);
						check_segments(f, len, k,
							       tagged, seg, n);
						/* The original is left as it
						 * was. */
						assert_memory_equal(f, copy,
								    len);
						for (int i = 0; i < n; i++)
							pkt_free(seg[i]);
					}
	pkt_pool_destroy(pool);
}

/* A partial checksum alone: passed on, or finished in place / in a copy. */
static void test_csum_only(void **state)
{
	static uint8_t f[PKT_GSO_MAX_FRAME];
	struct pkt_pool *pool = pkt_pool_create(8);
	struct virtio_net_hdr h, oh;

	for (enum kind k = TCP4; k <= UDP6; k++) {
		bool v6 = k == TCP6 || k == UDP6, udp = k >= UDP4;
		struct pkt *w = pkt_pool_alloc(pool), *c;
		size_t len = build(f, k, false, &h);
		struct pkt ext = {0};

		/* Make it an MTU-sized frame with a partial checksum. */
		len = 14 + (v6 ? 40 : 20) + (udp ? 8 : 20) + 1000;
		build(f, k, false, &h);
		if (v6) {
			put16(f + 18, (uint16_t)(len - 54));
		} else {
			put16(f + 16, (uint16_t)(len - 14));
			put16(f + 24, 0);
			put16(f + 24, (uint16_t)~ref_sum(f + 14, 20, 0));
		}
		if (udp)
			put16(f + 14 + (v6 ? 40 : 20) + 4,
			      (uint16_t)(len - 14 - (v6 ? 40 : 20)));
		{
			size_t l4 = 14 + (v6 ? 40 : 20);
			uint32_t acc = (udp ? 17 : 6) + (uint32_t)(len - l4);

			acc +=
			    v6 ? ref_sum(f + 22, 32, 0) : ref_sum(f + 26, 8, 0);
			put16(f + l4 + (udp ? 6 : 16), ref_sum(NULL, 0, acc));
		}
		h.gso_type = 0;
		h.gso_size = 0;
		memcpy(w->data, f, len);
		w->len = (uint32_t)len;
		assert_int_equal(vnet_hdr_to_pkt(&h, VNET_OL_CSUM, w),
				 VNET_HDR_OK);
		assert_true(vnet_hdr_fits(w, VNET_OL_CSUM));
		vnet_hdr_from_pkt(w, 0, &oh);
		assert_int_equal(oh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
		assert_int_equal(oh.csum_start, h.csum_start);
		/* Tagged on the way out: the offset moves with the tag. */
		vnet_hdr_from_pkt(w, 5, &oh);
		assert_int_equal(le16toh(oh.csum_start),
				 le16toh(h.csum_start) + 4);
		assert_false(vnet_hdr_fits(w, 0));
		/* Writable: finished in place. */
		assert_int_equal(vnet_hdr_finish_csum(w, pool, &c), 0);
		assert_null(c);
		assert_int_equal(l4_verify(w->data, len, v6, 14, udp ? 17 : 6),
				 0xffff);
		assert_true(vnet_hdr_fits(w, 0));
		/* Foreign memory (a guest's buffer): finished in a copy. */
		ext.data = f;
		ext.len = (uint32_t)len;
		ext.ext = 1;
		assert_int_equal(vnet_hdr_to_pkt(&h, VNET_OL_CSUM, &ext),
				 VNET_HDR_OK);
		assert_int_equal(vnet_hdr_finish_csum(&ext, pool, &c), 0);
		assert_non_null(c);
		assert_int_equal(l4_verify(c->data, len, v6, 14, udp ? 17 : 6),
				 0xffff);
		assert_int_not_equal(l4_verify(f, len, v6, 14, udp ? 17 : 6),
				     0xffff); /* the guest's copy untouched */
		pkt_free(c);
		pkt_free(w);
	}
	pkt_pool_destroy(pool);
}

/* Hostile headers: each refused under its own reason. */
static void test_hostile(void **state)
{
	static uint8_t f[PKT_GSO_MAX_FRAME + 64];
	struct pkt p = {0};
	struct virtio_net_hdr h;
	size_t len;

#define TRY(kind, allowed, stmt, want)                                    \
	do {                                                              \
		len = build(f, kind, false, &h);                          \
		stmt;                                                     \
		p.data = f;                                               \
		p.len = (uint32_t)len;                                    \
		assert_int_equal(vnet_hdr_to_pkt(&h, allowed, &p), want); \
	} while (0)

	/* GSO type the sender did not negotiate. */
	TRY(TCP4, VNET_OL_CSUM | VNET_OL_TSO6, (void)0,
	    VNET_HDR_ERR_OFFLOAD_NOT_NEGOTIATED);
	TRY(UDP4, VNET_OL_CSUM | VNET_OL_TSO4 | VNET_OL_TSO6, (void)0,
	    VNET_HDR_ERR_OFFLOAD_NOT_NEGOTIATED);
	TRY(TCP4, VNET_OL_CSUM | VNET_OL_TSO4,
	    h.gso_type |= VIRTIO_NET_HDR_GSO_ECN,
	    VNET_HDR_ERR_OFFLOAD_NOT_NEGOTIATED);
	TRY(TCP4, VNET_OL_ALL, h.gso_type = VIRTIO_NET_HDR_GSO_UDP,
	    VNET_HDR_ERR_OFFLOAD_NOT_NEGOTIATED); /* UFO, never offered */
	TRY(TCP4, VNET_OL_ALL, h.gso_type = 0x33,
	    VNET_HDR_ERR_OFFLOAD_NOT_NEGOTIATED);
	TRY(TCP4, 0, h.gso_type = 0, VNET_HDR_ERR_OFFLOAD_NOT_NEGOTIATED);
	/* The ECN bit without a GSO type, even from a port that has ECN. */
	TRY(TCP4, VNET_OL_ALL, h.gso_type = VIRTIO_NET_HDR_GSO_ECN,
	    VNET_HDR_ERR_OFFLOAD_NOT_NEGOTIATED);
	/* Checksum start or offset outside the frame. */
	TRY(TCP4, VNET_OL_ALL, h.csum_start = htole16((uint16_t)len),
	    VNET_HDR_ERR_CSUM_OUT_OF_FRAME);
	TRY(TCP4, VNET_OL_ALL,
	    (h.gso_type = 0, h.csum_start = htole16((uint16_t)len - 1)),
	    VNET_HDR_ERR_CSUM_OUT_OF_FRAME);
	TRY(TCP4, VNET_OL_ALL, h.csum_offset = 0xffff,
	    VNET_HDR_ERR_CSUM_OUT_OF_FRAME);
	TRY(TCP4, VNET_OL_ALL, (h.gso_type = 0, len = 30),
	    VNET_HDR_ERR_CSUM_OUT_OF_FRAME);
	/* gso_size 0, or segments fit no buffer (larger than the frame is
	 * one segment: test_one_segment). */
	TRY(TCP4, VNET_OL_ALL, h.gso_size = 0, VNET_HDR_ERR_BAD_GSO_SIZE);
	TRY(TCP4, VNET_OL_ALL, h.gso_size = htole16(PKT_MAX_FRAME),
	    VNET_HDR_ERR_BAD_GSO_SIZE);
	/* Larger than 64 KB. */
	TRY(TCP4, VNET_OL_ALL, len = PKT_GSO_MAX_FRAME + 1,
	    VNET_HDR_ERR_GSO_TOO_BIG);
	/* Headers that do not match the type. */
	TRY(TCP6, VNET_OL_ALL, h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
	    VNET_HDR_ERR_GSO_BAD_FRAME);
	TRY(TCP4, VNET_OL_ALL, h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6,
	    VNET_HDR_ERR_GSO_BAD_FRAME);
	TRY(UDP4, VNET_OL_ALL, h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
	    VNET_HDR_ERR_GSO_BAD_FRAME);
	TRY(TCP4, VNET_OL_ALL, h.flags = 0, VNET_HDR_ERR_GSO_BAD_FRAME);
	TRY(TCP4, VNET_OL_ALL, h.csum_start = htole16(14),
	    VNET_HDR_ERR_GSO_BAD_FRAME);
	TRY(TCP4, VNET_OL_ALL, h.csum_offset = htole16(6),
	    VNET_HDR_ERR_GSO_BAD_FRAME);
	TRY(TCP4, VNET_OL_ALL, f[14 + 6] = 0x20 /* MF */,
	    VNET_HDR_ERR_GSO_BAD_FRAME);
	TRY(TCP4, VNET_OL_ALL, f[14 + 20 + 12] = 0x10 /* doff 1 */,
	    VNET_HDR_ERR_GSO_BAD_FRAME);
	/* More segments than a peer's stack makes of one frame. */
	TRY(TCP4, VNET_OL_ALL, h.gso_size = htole16(VNET_HDR_MIN_TCP_MSS - 1),
	    VNET_HDR_ERR_BAD_GSO_SIZE);
	TRY(UDP4, VNET_OL_ALL,
	    h.gso_size = htole16((uint16_t)(PAYLOAD / VNET_HDR_MAX_UDP_SEGS)),
	    VNET_HDR_ERR_BAD_GSO_SIZE);
	TRY(TCP4, VNET_OL_ALL, h.gso_size = htole16(VNET_HDR_MIN_TCP_MSS),
	    VNET_HDR_OK);
	/* A partial checksum (no GSO) whose field lies on a header the
	 * switch judges the frame by: finished later, it would rewrite the
	 * ethertype into a VLAN tag, or a port or a DHCP op. */
	TRY(TCP4, VNET_OL_ALL,
	    (h.gso_type = 0, h.csum_start = htole16(12), h.csum_offset = 0),
	    VNET_HDR_ERR_CSUM_OUT_OF_FRAME);
	TRY(TCP4, VNET_OL_ALL,
	    (h.gso_type = 0, h.csum_start = htole16(14), h.csum_offset = 0),
	    VNET_HDR_ERR_CSUM_OUT_OF_FRAME);
	TRY(UDP4, VNET_OL_ALL, (h.gso_type = 0, h.csum_offset = 0),
	    VNET_HDR_ERR_CSUM_OUT_OF_FRAME); /* the source port */
	TRY(UDP4, VNET_OL_ALL,
	    (h.gso_type = 0, h.csum_start = htole16(14 + 20 + 8),
	     h.csum_offset = 0),
	    VNET_HDR_ERR_CSUM_OUT_OF_FRAME); /* a DHCP message's op */
	TRY(TCP4, VNET_OL_ALL,
	    (h.gso_type = 0, h.csum_start = htole16(14 + 20 + 4),
	     h.csum_offset = htole16(12)),
	    VNET_HDR_ERR_CSUM_OUT_OF_FRAME); /* TCP flags, not its sum */
	TRY(TCP4, VNET_OL_ALL, (h.gso_type = 0, f[12] = 0x08, f[13] = 0x06),
	    VNET_HDR_ERR_CSUM_OUT_OF_FRAME); /* ARP carries none */
	/* An IPv4 header that says it is none (version 0, length 0): the
	 * IP guard still reads its source address, where the field would
	 * be (l4 taken at the header's start; a protocol, GRE, whose
	 * header the switch does not judge). */
	TRY(TCP4, VNET_OL_ALL,
	    (h.gso_type = 0, f[14] = 0x00, f[14 + 9] = 47,
	     h.csum_start = htole16(14 + 13), h.csum_offset = 0),
	    VNET_HDR_ERR_CSUM_OUT_OF_FRAME);
	TRY(TCP4, VNET_OL_ALL,
	    (h.gso_type = 0, f[14] = 0x44, f[14 + 9] = 47,
	     h.csum_start = htole16(14 + 16), h.csum_offset = 0),
	    VNET_HDR_ERR_CSUM_OUT_OF_FRAME); /* IHL 4: the destination */
	/* Behind an IPv6 destination options header (the UDP header moved
	 * to 62): the DHCPv6 type is judged, the UDP checksum is not. */
#define DOPTS (f[14 + 6] = 60, f[54] = 17, f[55] = 0, h.gso_type = 0)
	TRY(UDP6, VNET_OL_ALL,
	    (DOPTS, h.csum_start = htole16(62 + 8), h.csum_offset = 0),
	    VNET_HDR_ERR_CSUM_OUT_OF_FRAME);
	TRY(UDP6, VNET_OL_ALL,
	    (DOPTS, h.csum_start = htole16(62), h.csum_offset = htole16(6)),
	    VNET_HDR_OK);
	TRY(UDP6, VNET_OL_ALL,
	    (DOPTS, h.csum_start = htole16(62 + 9), h.csum_offset = 0),
	    VNET_HDR_OK);
#undef DOPTS
	/* Over IPv4 UDP, a DHCP message is judged through its chaddr (the
	 * MAC guard): its htype or chaddr rewritten after the guard passed
	 * the frame would pose as another client. */
	TRY(UDP4, VNET_OL_ALL,
	    (h.gso_type = 0, h.csum_start = htole16(34 + 8 + 28),
	     h.csum_offset = 0),
	    VNET_HDR_ERR_CSUM_OUT_OF_FRAME);
	TRY(UDP4, VNET_OL_ALL,
	    (h.gso_type = 0, h.csum_start = htole16(34 + 8 + 9),
	     h.csum_offset = 0),
	    VNET_HDR_ERR_CSUM_OUT_OF_FRAME);
	TRY(UDP4, VNET_OL_ALL,
	    (h.gso_type = 0, h.csum_start = htole16(34 + 8 + 34),
	     h.csum_offset = 0),
	    VNET_HDR_OK);
	/* ICMPv6 and ICMP: in their own checksum field only.  A type, a
	 * neighbour advertisement's target or options, written after the
	 * router, MAC and IP guards passed the frame, would make it a
	 * router advertisement or a foreign neighbour's. */
#define ICMP6 (f[14 + 6] = 58, h.gso_type = 0, h.csum_start = htole16(54))
	TRY(UDP6, VNET_OL_ALL, (ICMP6, h.csum_offset = 0),
	    VNET_HDR_ERR_CSUM_OUT_OF_FRAME);
	TRY(UDP6, VNET_OL_ALL, (ICMP6, h.csum_offset = htole16(24)),
	    VNET_HDR_ERR_CSUM_OUT_OF_FRAME);
	TRY(UDP6, VNET_OL_ALL,
	    (ICMP6, h.csum_start = htole16(54 + 8), h.csum_offset = 0),
	    VNET_HDR_ERR_CSUM_OUT_OF_FRAME);
	TRY(UDP6, VNET_OL_ALL, (ICMP6, h.csum_offset = htole16(2)),
	    VNET_HDR_OK);
#undef ICMP6
	TRY(UDP4, VNET_OL_ALL,
	    (f[14 + 9] = 1, h.gso_type = 0, h.csum_start = htole16(34),
	     h.csum_offset = 0),
	    VNET_HDR_ERR_CSUM_OUT_OF_FRAME);
	/* Summed from before the L4 header (from the Ethernet header), the
	 * field far out: refused. */
	TRY(TCP4, VNET_OL_ALL,
	    (h.gso_type = 0, h.csum_start = htole16(14),
	     h.csum_offset = htole16(80)),
	    VNET_HDR_ERR_CSUM_OUT_OF_FRAME);
	/* Another protocol (GRE): past its IP header, as before. */
	TRY(UDP4, VNET_OL_ALL,
	    (f[14 + 9] = 47, h.gso_type = 0, h.csum_start = htole16(38),
	     h.csum_offset = htole16(16)),
	    VNET_HDR_OK);
	/* A tunnel's inner checksum, past the outer headers, is fine. */
	TRY(UDP4, VNET_OL_ALL,
	    (h.gso_type = 0, h.csum_start = htole16(14 + 20 + 8 + 36),
	     h.csum_offset = htole16(16)),
	    VNET_HDR_OK);
	TRY(UDP4, VNET_OL_ALL, h.gso_type = 0, VNET_HDR_OK);
	/* And the good one passes. */
	TRY(TCP4, VNET_OL_ALL, (void)0, VNET_HDR_OK);
	assert_int_equal(p.ol.hdr_len, 54);
	assert_int_equal(p.ol.gso_size, MSS);
#undef TRY
}

/* The IPv4 header checksum afresh, after a test changed the header. */
static void ip4_fix(uint8_t *f, size_t l3)
{
	put16(f + l3 + 10, 0);
	put16(f + l3 + 10,
	      (uint16_t)~ref_sum(f + l3, (size_t)(f[l3] & 15) * 4, 0));
}

/* A super-frame's length fields must count its bytes and its IPv4 header
 * checksum must be right: one rule each, for each kind, tagged or not. */
static void test_lengths(void **state)
{
	static uint8_t f[PKT_GSO_MAX_FRAME + 64];
	struct virtio_net_hdr h;
	struct pkt p = {0};

	for (int tagged = 0; tagged < 2; tagged++)
		for (enum kind k = TCP4; k <= UDP6; k++) {
			bool v6 = k == TCP6 || k == UDP6, udp = k >= UDP4;
			size_t l3 = tagged ? 18 : 14, l4 = l3 + (v6 ? 40 : 20);
			/* the IP length field and the value that is right */
			size_t lf = l3 + (v6 ? 4 : 2), len;
			uint16_t right;
			const int16_t deltas[] = {1, -1, -4};

#define RUN(want)                                                             \
	do {                                                                  \
		p.data = f;                                                   \
		p.len = (uint32_t)len;                                        \
		assert_int_equal(vnet_hdr_to_pkt(&h, VNET_OL_ALL, &p), want); \
	} while (0)

			len = build(f, k, tagged, &h);
			RUN(VNET_HDR_OK); /* as Linux sends it */
			right = be16(f + lf);
			for (size_t d = 0; d < 3; d++) {
				len = build(f, k, tagged, &h);
				put16(f + lf, (uint16_t)(right + deltas[d]));
				if (!v6)
					ip4_fix(f, l3);
				RUN(VNET_HDR_ERR_GSO_BAD_LENGTH);
			}
			/* zero: BIG TCP's "take the frame's", not below 64 KB
			 */
			len = build(f, k, tagged, &h);
			put16(f + lf, 0);
			if (!v6)
				ip4_fix(f, l3);
			RUN(VNET_HDR_ERR_GSO_BAD_LENGTH);
			/* a byte past what the headers count */
			len = build(f, k, tagged, &h) + 1;
			RUN(VNET_HDR_ERR_GSO_BAD_LENGTH);
			/* and one short of it */
			len = build(f, k, tagged, &h) - 1;
			RUN(VNET_HDR_ERR_GSO_BAD_LENGTH);
			if (udp) {
				for (size_t d = 0; d < 3; d++) {
					len = build(f, k, tagged, &h);
					put16(f + l4 + 4,
					      (uint16_t)(be16(f + l4 + 4) +
							 deltas[d]));
					RUN(VNET_HDR_ERR_GSO_BAD_LENGTH);
				}
			}
			if (!v6) {
				len = build(f, k, tagged, &h);
				f[l3 + 11] ^= 1;
				RUN(VNET_HDR_ERR_GSO_BAD_IP_CSUM);
				len = build(f, k, tagged, &h);
				f[l3 + 8] = 63; /* TTL changed, sum not */
				RUN(VNET_HDR_ERR_GSO_BAD_IP_CSUM);
			}
#undef RUN
		}
	/* The checksum covers IP options too. */
	{
		size_t len = build(f, TCP4, false, &h);

		/* Move the TCP header and payload 4 bytes on: one NOP word. */
		memmove(f + 38, f + 34, len - 34);
		len += 4;
		f[14] = 0x46;
		memset(f + 34, 1, 4);
		put16(f + 16, (uint16_t)(len - 14));
		ip4_fix(f, 14);
		h.csum_start = htole16(38);
		h.hdr_len = htole16(58);
		{
			/* the pseudo-header sum counts the L4 length, unchanged
			 */
			p.data = f;
			p.len = (uint32_t)len;
			assert_int_equal(vnet_hdr_to_pkt(&h, VNET_OL_ALL, &p),
					 VNET_HDR_OK);
			f[14 + 21] ^= 0x10; /* an option byte */
			assert_int_equal(vnet_hdr_to_pkt(&h, VNET_OL_ALL, &p),
					 VNET_HDR_ERR_GSO_BAD_IP_CSUM);
		}
	}
	/* A frame that is not a super-frame keeps whatever its sender wrote:
	 * the receiving stack judges it. */
	{
		size_t len = build(f, TCP4, false, &h);

		h.gso_type = 0;
		put16(f + 16, 0);
		p.data = f;
		p.len = (uint32_t)len;
		assert_int_equal(vnet_hdr_to_pkt(&h, VNET_OL_ALL, &p),
				 VNET_HDR_OK);
	}
}

/* A frame with a GSO header and no more payload than gso_size (Linux's
 * "too small packets are not really GSO ones": packetdrill sets the type
 * and size on every TCP frame, a pure ACK too) is taken as a plain frame
 * with its partial checksum: no egress is handed a one-segment
 * "super-frame", and the gso_size rules (larger than the frame, TCP's
 * smallest MSS) are not about it; the checks of its headers still are. */
static void test_one_segment(void **state)
{
	static uint8_t f[PKT_GSO_MAX_FRAME];
	struct pkt_pool *pool = pkt_pool_create(8);
	const size_t payloads[] = {MSS, MSS - 1, 1, 0};

	for (int tagged = 0; tagged < 2; tagged++)
		for (enum kind k = TCP4; k <= UDP6; k++)
			for (size_t i = 0; i < 5; i++) {
				bool v6 = k == TCP6 || k == UDP6,
				     udp = k >= UDP4;
				size_t l3 = tagged ? 18 : 14;
				size_t l4 = l3 + (v6 ? 40 : 20);
				size_t pl = i < 4 ? payloads[i] : 300;
				struct virtio_net_hdr h, oh;
				struct pkt *w = pkt_pool_alloc(pool), *c;
				size_t len =
				    build_n(w->data, k, tagged, &h, pl);

				w->len = (uint32_t)len;
				w->tagged = (uint8_t)tagged;
				if (i == 4) /* gso_size past the frame's end */
					h.gso_size = htole16(9000);
				if (!udp && i == 3) /* ECN flow's pure ACK */
					h.gso_type |= VIRTIO_NET_HDR_GSO_ECN;
				assert_int_equal(
				    vnet_hdr_to_pkt(&h, VNET_OL_ALL, w),
				    VNET_HDR_OK);
				assert_int_equal(w->ol.gso_type, PKT_GSO_NONE);
				assert_int_equal(w->ol.flags,
						 PKT_OL_NEEDS_CSUM);
				assert_int_equal(w->ol.gso_size, 0);
				assert_int_equal(w->ol.csum_start, l4);
				assert_int_equal(w->ol.csum_offset,
						 udp ? 6 : 16);
				/* Whole to a port that takes partial checksums
				 * and no segmentation; the header says so. */
				assert_true(vnet_hdr_fits(w, VNET_OL_CSUM));
				vnet_hdr_from_pkt(w, tagged ? 7 : 0, &oh);
				assert_int_equal(oh.gso_type,
						 VIRTIO_NET_HDR_GSO_NONE);
				assert_int_equal(oh.gso_size, 0);
				assert_int_equal(oh.flags,
						 VIRTIO_NET_HDR_F_NEEDS_CSUM);
				assert_int_equal(le16toh(oh.csum_start), l4);
				/* Finished as it is for one that takes none */
				assert_false(vnet_hdr_fits(w, 0));
				assert_int_equal(
				    vnet_hdr_finish_csum(w, pool, &c), 0);
				assert_null(c);
				assert_int_equal(w->len, len);
				assert_int_equal(l4_verify(w->data, len, v6, l3,
							   udp ? 17 : 6),
						 0xffff);
				pkt_free(w);
			}
	/* Below TCP's smallest MSS, one segment is still one segment. */
	{
		struct virtio_net_hdr h;
		struct pkt p = {0};

		p.len = (uint32_t)build_n(f, TCP4, false, &h, 10);
		p.data = f;
		h.gso_size = htole16(10);
		assert_int_equal(vnet_hdr_to_pkt(&h, VNET_OL_ALL, &p),
				 VNET_HDR_OK);
		assert_int_equal(p.ol.gso_type, PKT_GSO_NONE);
		/* One byte more is a super-frame of two, and that rule
		 * applies. */
		p.len = (uint32_t)build_n(f, TCP4, false, &h, 11);
		h.gso_size = htole16(10);
		assert_int_equal(vnet_hdr_to_pkt(&h, VNET_OL_ALL, &p),
				 VNET_HDR_ERR_BAD_GSO_SIZE);
	}
	/* One byte over gso_size: a super-frame of two segments. */
	for (enum kind k = TCP4; k <= UDP6; k++) {
		struct virtio_net_hdr h;
		struct pkt p = {0}, *seg[4];
		size_t off = 0;

		p.len = (uint32_t)build_n(f, k, false, &h, MSS + 1);
		p.data = f;
		assert_int_equal(vnet_hdr_to_pkt(&h, VNET_OL_ALL, &p),
				 VNET_HDR_OK);
		assert_int_not_equal(p.ol.gso_type, PKT_GSO_NONE);
		assert_int_equal(vnet_hdr_segment(&p, &off, pool, seg, 4), 2);
		pkt_free(seg[0]);
		pkt_free(seg[1]);
	}
	/* What makes a super-frame bad makes a one-segment frame bad: its
	 * sender meant it as one. */
	{
		struct virtio_net_hdr h;
		struct pkt p = {0};
		size_t len;

#define ONE(kind, allowed, stmt, want)                                    \
	do {                                                              \
		len = build_n(f, kind, false, &h, 100);                   \
		stmt;                                                     \
		p.data = f;                                               \
		p.len = (uint32_t)len;                                    \
		assert_int_equal(vnet_hdr_to_pkt(&h, allowed, &p), want); \
	} while (0)
		ONE(TCP4, VNET_OL_CSUM, (void)0,
		    VNET_HDR_ERR_OFFLOAD_NOT_NEGOTIATED);
		ONE(TCP4, VNET_OL_ALL, h.gso_size = 0,
		    VNET_HDR_ERR_BAD_GSO_SIZE);
		ONE(TCP4, VNET_OL_ALL, h.flags = 0, VNET_HDR_ERR_GSO_BAD_FRAME);
		ONE(UDP6, VNET_OL_ALL, h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6,
		    VNET_HDR_ERR_GSO_BAD_FRAME);
		ONE(TCP4, VNET_OL_ALL, put16(f + 16, 99),
		    VNET_HDR_ERR_GSO_BAD_LENGTH);
		ONE(UDP4, VNET_OL_ALL, put16(f + 34 + 4, 99),
		    VNET_HDR_ERR_GSO_BAD_LENGTH);
		ONE(TCP4, VNET_OL_ALL, f[14 + 8] = 1,
		    VNET_HDR_ERR_GSO_BAD_IP_CSUM);
#undef ONE
	}
	assert_int_equal(pkt_pool_avail(pool), 8);
	pkt_pool_destroy(pool);
}

/* A super-frame whose guest memory changed after it was accepted: the
 * segmenter parses again and refuses instead of cutting garbage. */
static void test_changed_under_us(void **state)
{
	static uint8_t f[PKT_GSO_MAX_FRAME];
	struct pkt_pool *pool = pkt_pool_create(64);
	struct virtio_net_hdr h;
	struct pkt p = {0}, *seg[64];
	size_t off = 0;

	p.len = (uint32_t)build(f, TCP4, false, &h);
	p.data = f;
	p.ext = 1;
	assert_int_equal(vnet_hdr_to_pkt(&h, VNET_OL_ALL, &p), VNET_HDR_OK);
	f[14 + 9] = 17; /* now claims UDP */
	assert_int_equal(vnet_hdr_segment(&p, &off, pool, seg, 64), -EINVAL);
	f[14 + 9] = 6;
	f[12] = 0x99; /* not IP at all */
	assert_int_equal(vnet_hdr_segment(&p, &off, pool, seg, 64), -EINVAL);
	f[12] = 0x08;
	/* Between two calls of a frame cut over several: headers grown to
	 * fill the frame would leave no payload for the offsets reached. */
	assert_int_equal(vnet_hdr_segment(&p, &off, pool, seg, 1), 1);
	pkt_free(seg[0]);
	f[14 + 20 + 12] = 15 << 4;
	assert_int_equal(vnet_hdr_segment(&p, &off, pool, seg, 64), -EINVAL);
	f[14 + 20 + 12] = 5 << 4;
	f[14] = 0x4f; /* IP options instead */
	assert_int_equal(vnet_hdr_segment(&p, &off, pool, seg, 64), -EINVAL);
	assert_int_equal(pkt_pool_avail(pool), 64);
	pkt_pool_destroy(pool);
}

/* csum_partial() sums eight bytes at a time: against the plain reference
 * for every length up to 300, odd and even starts, and carried-in sums. */
static void test_csum_partial(void **state)
{
	static uint8_t buf[512];
	uint32_t seed = 12345;

	for (size_t i = 0; i < sizeof(buf); i++) {
		seed = seed * 1103515245 + 12345;
		buf[i] = (uint8_t)(seed >> 16);
	}
	memset(buf + 100, 0xff, 64); /* long carry chains */
	for (size_t start = 0; start < 3; start++)
		for (size_t len = 0; len <= 300; len++)
			for (uint32_t in = 0; in < 0x30000; in += 0x17fff)
				assert_int_equal(
				    csum_fold(
					csum_partial(buf + start, len, in)),
				    (uint16_t)~ref_sum(buf + start, len,
						       (in & 0xffff) +
							   (in >> 16)));
}

/* The switch takes a super-frame larger than the MTU, but not one whose
 * segments would be: a guest cannot push jumbo frames through TSO. */
static void test_mtu(void **state)
{
	static uint8_t f[PKT_GSO_MAX_FRAME];
	struct virtio_net_hdr h;
	struct pkt p = {0};

	p.len = (uint32_t)build(f, TCP4, true, &h);
	p.data = f;
	assert_int_equal(vnet_hdr_to_pkt(&h, VNET_OL_ALL, &p), VNET_HDR_OK);
	assert_int_equal(vsw_parse(&p, 1500), VSW_DROP_NONE);
	assert_int_equal(vsw_parse(&p, 1488), VSW_DROP_NONE); /* 40 + 1448 */
	assert_int_equal(vsw_parse(&p, 1487), VSW_DROP_OVERSIZE);
	h.gso_size = htole16(8000);
	assert_int_equal(vnet_hdr_to_pkt(&h, VNET_OL_ALL, &p), VNET_HDR_OK);
	assert_int_equal(vsw_parse(&p, 1500), VSW_DROP_OVERSIZE);
	assert_int_equal(vsw_parse(&p, 9000), VSW_DROP_NONE);
	p.ol = (struct pkt_offload){0};
	assert_int_equal(vsw_parse(&p, 9000), VSW_DROP_OVERSIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mtu),
	    cmocka_unit_test(test_csum_partial),
	    cmocka_unit_test(test_pairs),
	    cmocka_unit_test(test_csum_only),
	    cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_lengths),
	    cmocka_unit_test(test_changed_under_us),
	    cmocka_unit_test(test_one_segment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
