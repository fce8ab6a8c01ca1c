/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_nat_pkt.h - builds IPv4 packets and checks their checksums from
 * scratch, and a small table, for the NAT unit tests */
#ifndef VNET_TEST_NAT_PKT_H
#define VNET_TEST_NAT_PKT_H

#include <stdlib.h>
#include <string.h>

#include "lib/pkt.h"
#include "nat/nat_priv.h"

#define IP4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

#define VM1  IP4(10, 10, 0, 2)
#define VM2  IP4(10, 10, 0, 3)
#define VM5  IP4(10, 10, 0, 5)
#define EXT  IP4(192, 0, 2, 1)
#define EXT2 IP4(192, 0, 2, 2)
#define REM  IP4(198, 51, 100, 7)
#define REM2 IP4(203, 0, 113, 9)
#define T0   100000

/* A packet under construction or as translated. */
struct tpkt {
	uint8_t b[2048];
	size_t len;
};

static inline uint16_t tp_get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

#define tp_get32 nat_get_be32
#define tp_put32 nat_put_be32

/* Sum of the TCP/UDP pseudo-header of the IPv4 packet at @ip. */
static inline uint32_t tp_pseudo(const uint8_t *ip, size_t l4len)
{
	uint8_t ph[12];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = ip[9];
	ph[10] = (uint8_t)(l4len >> 8);
	ph[11] = (uint8_t)l4len;
	return csum_partial(ph, 12, 0);
}

/* Fill the IP header checksum and the L4 checksum from scratch. */
static inline void tp_fix(uint8_t *ip, bool udp_zero)
{
	size_t hl = (size_t)(ip[0] & 15) * 4, tot = tp_get16(ip + 2);
	uint8_t *l4 = ip + hl;
	size_t l4len = tot - hl;
	uint16_t s;

	ip[10] = ip[11] = 0;
	pkt_put_be16(ip + 10, csum_fold(csum_partial(ip, hl, 0)));
	if (tp_get16(ip + 6) & 0x3fff)
		return; /* fragment: the test sets the L4 checksum */
	switch (ip[9]) {
	case NAT_PROTO_TCP:
		l4[16] = l4[17] = 0;
		s = csum_fold(csum_partial(l4, l4len, tp_pseudo(ip, l4len)));
		pkt_put_be16(l4 + 16, s);
		break;
	case NAT_PROTO_UDP:
		l4[6] = l4[7] = 0;
		if (udp_zero)
			break;
		s = csum_fold(csum_partial(l4, l4len, tp_pseudo(ip, l4len)));
		pkt_put_be16(l4 + 6, s ? s : 0xffff);
		break;
	case NAT_PROTO_ICMP:
		l4[2] = l4[3] = 0;
		pkt_put_be16(l4 + 2, csum_fold(csum_partial(l4, l4len, 0)));
		break;
	}
}

static inline uint8_t *tp_ip(struct tpkt *p, uint8_t proto, uint32_t src,
			     uint32_t dst, size_t l4len)
{
	uint8_t *ip = p->b;

	memset(p, 0, sizeof(*p));
	ip[0] = 0x45;
	pkt_put_be16(ip + 2, (uint16_t)(20 + l4len));
	pkt_put_be16(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = proto;
	tp_put32(ip + 12, src);
	tp_put32(ip + 16, dst);
	p->len = 20 + l4len;
	return ip + 20;
}

/* TCP with @flags; a SYN carries an MSS option of @mss (0: none).  Both
 * sides' ISN is 1000: a SYN has sequence number 1000, anything else 1001,
 * and an ACK acknowledges the peer's SYN (1001), as a handshake's third
 * segment must. */
static inline void tp_tcp(struct tpkt *p, uint32_t src, uint16_t sport,
			  uint32_t dst, uint16_t dport, uint8_t flags,
			  uint16_t mss, size_t payload)
{
	size_t hl = mss ? 24 : 20;
	uint8_t *l4 = tp_ip(p, NAT_PROTO_TCP, src, dst, hl + payload);

	pkt_put_be16(l4, sport);
	pkt_put_be16(l4 + 2, dport);
	tp_put32(l4 + 4, flags & NAT_TCP_SYN ? 1000 : 1001);
	if (flags & NAT_TCP_ACK)
		tp_put32(l4 + 8, 1001);
	l4[12] = (uint8_t)(hl / 4) << 4;
	l4[13] = flags;
	pkt_put_be16(l4 + 14, 65535);
	if (mss) {
		l4[20] = 2;
		l4[21] = 4;
		pkt_put_be16(l4 + 22, mss);
	}
	for (size_t i = 0; i < payload; i++)
		l4[hl + i] = (uint8_t)(i * 7 + 1);
	tp_fix(p->b, false);
}

static inline void tp_udp(struct tpkt *p, uint32_t src, uint16_t sport,
			  uint32_t dst, uint16_t dport, size_t payload,
			  bool zero_csum)
{
	uint8_t *l4 = tp_ip(p, NAT_PROTO_UDP, src, dst, 8 + payload);

	pkt_put_be16(l4, sport);
	pkt_put_be16(l4 + 2, dport);
	pkt_put_be16(l4 + 4, (uint16_t)(8 + payload));
	for (size_t i = 0; i < payload; i++)
		l4[8 + i] = (uint8_t)(i * 13 + 5);
	tp_fix(p->b, zero_csum);
}

static inline void tp_echo(struct tpkt *p, uint32_t src, uint32_t dst,
			   uint8_t type, uint16_t id)
{
	uint8_t *l4 = tp_ip(p, NAT_PROTO_ICMP, src, dst, 8 + 16);

	l4[0] = type;
	pkt_put_be16(l4 + 4, id);
	pkt_put_be16(l4 + 6, 1);
	for (size_t i = 0; i < 16; i++)
		l4[8 + i] = (uint8_t)i;
	tp_fix(p->b, false);
}

/* An ICMP error from @src to @dst quoting all of @inner. */
static inline void tp_icmp_err(struct tpkt *p, uint32_t src, uint32_t dst,
			       uint8_t type, uint8_t code,
			       const struct tpkt *inner)
{
	uint8_t *l4 = tp_ip(p, NAT_PROTO_ICMP, src, dst, 8 + inner->len);

	l4[0] = type;
	l4[1] = code;
	if (type == 3 && code == 4)
		pkt_put_be16(l4 + 6, 1400);
	memcpy(l4 + 8, inner->b, inner->len);
	tp_fix(p->b, false);
}

/*
 * Check every checksum of the packet from scratch: IP header, L4 (TCP and
 * UDP with the pseudo-header; a zero UDP checksum is accepted only if
 * @udp_zero), and for an ICMP error the quoted IP header and, when the
 * whole inner packet is quoted, its L4 checksum.
 */
static inline bool tp_csum_ok(const uint8_t *ip, bool udp_zero)
{
	size_t hl = (size_t)(ip[0] & 15) * 4, tot = tp_get16(ip + 2);
	const uint8_t *l4 = ip + hl;
	size_t l4len = tot - hl;

	if (csum_fold(csum_partial(ip, hl, 0)))
		return false;
	switch (ip[9]) {
	case NAT_PROTO_TCP:
		return !csum_fold(
		    csum_partial(l4, l4len, tp_pseudo(ip, l4len)));
	case NAT_PROTO_UDP:
		if (!l4[6] && !l4[7])
			return udp_zero;
		return !csum_fold(
		    csum_partial(l4, l4len, tp_pseudo(ip, l4len)));
	case NAT_PROTO_ICMP:
		if (csum_fold(csum_partial(l4, l4len, 0)))
			return false;
		if (l4[0] == 3 || l4[0] == 11 || l4[0] == 12) {
			const uint8_t *in = l4 + 8;

			if (l4len - 8 < tp_get16(in + 2))
				return csum_fold(csum_partial(
					   in, (size_t)(in[0] & 15) * 4, 0)) ==
				       0;
			return tp_csum_ok(in, udp_zero);
		}
		return true;
	}
	return true;
}

static inline uint32_t tp_src(const struct tpkt *p)
{
	return tp_get32(p->b + 12);
}

static inline uint32_t tp_dst(const struct tpkt *p)
{
	return tp_get32(p->b + 16);
}

static inline uint16_t tp_sport(const struct tpkt *p)
{
	return tp_get16(p->b + 20 + (p->b[9] == NAT_PROTO_ICMP ? 4 : 0));
}

static inline uint16_t tp_dport(const struct tpkt *p)
{
	return tp_get16(p->b + 20 + (p->b[9] == NAT_PROTO_ICMP ? 4 : 2));
}

/* A table in a malloc'ed region. */
struct tnat {
	void *mem;
	size_t size;
	struct nat_config cfg;
	struct nat_table *t;
	struct nat_verdict v;
};

static inline void tnat_cfg(struct tnat *n, uint32_t capacity)
{
	memset(n, 0, sizeof(*n));
	n->cfg.capacity = capacity;
	n->cfg.epoch = 0xb007;
	n->cfg.hash_key[0] = 0x0123456789abcdefull;
	n->cfg.hash_key[1] = 0xfedcba9876543210ull;
	n->cfg.inside_net = IP4(10, 10, 0, 0);
	n->cfg.inside_prefix = 24;
	n->cfg.ext_addr[0] = EXT;
	n->cfg.n_ext = 1;
}

static inline int tnat_start(struct tnat *n)
{
	char err[200];
	int rc;

	n->size = nat_table_size(n->cfg.capacity);
	n->mem = aligned_alloc(64, (n->size + 63) & ~(size_t)63);
	if (!n->mem)
		return -1;
	memset(n->mem, 0xa5, n->size);
	rc = nat_table_init(n->mem, n->size, &n->cfg, T0, &n->t, err,
			    sizeof(err));
	return rc;
}

static inline void tnat_stop(struct tnat *n)
{
	nat_table_detach(n->t);
	free(n->mem);
	n->t = NULL;
	n->mem = NULL;
}

/* cmocka fixtures: a 64-entry table in *state. */
static inline int tnat_setup(void **state)
{
	static struct tnat n;

	tnat_cfg(&n, 64);
	if (tnat_start(&n))
		return -1;
	*state = &n;
	return 0;
}

static inline int tnat_teardown(void **state)
{
	tnat_stop(*state);
	return 0;
}

static inline enum nat_action tnat_out(struct tnat *n, struct tpkt *p,
				       int64_t now)
{
	nat_out(n->t, p->b, p->len, 0, now, &n->v);
	return n->v.action;
}

static inline enum nat_action tnat_in(struct tnat *n, struct tpkt *p,
				      int64_t now)
{
	nat_in(n->t, p->b, p->len, 0, now, &n->v);
	return n->v.action;
}

/* Find the session with this remote, or fill @si->kind with 0. */
struct tfind {
	uint8_t proto;
	uint32_t rem_ip;
	uint16_t rem_port;
	struct nat_session_info si;
	unsigned sessions, mappings, forwards;
};

static inline void tfind_cb(const struct nat_session_info *si, void *arg)
{
	struct tfind *f = arg;

	if (si->kind == NAT_KIND_SESSION) {
		f->sessions++;
		if (si->proto == f->proto && si->rem_ip == f->rem_ip &&
		    si->rem_port == f->rem_port)
			f->si = *si;
	} else if (si->kind == NAT_KIND_MAPPING) {
		f->mappings++;
	} else {
		f->forwards++;
	}
}

static inline struct tfind tnat_find(const struct tnat *n, uint8_t proto,
				     uint32_t rem_ip, uint16_t rem_port)
{
	struct tfind f;

	memset(&f, 0, sizeof(f));
	f.proto = proto;
	f.rem_ip = rem_ip;
	f.rem_port = rem_port;
	(void)nat_session_walk(n->t, 0, ~0u, tfind_cb, &f);
	return f;
}

/* nat_flush() to the end, one slice at a time; the entries freed. */
static inline unsigned tnat_flush(struct tnat *n)
{
	unsigned total = 0, k;
	uint32_t pos = 0;
	bool done;

	do {
		done = nat_flush(n->t, &pos, NAT_SLICE, &k);
		total += k;
	} while (!done);
	return total;
}

#endif
