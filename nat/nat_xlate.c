// SPDX-License-Identifier: GPL-2.0-or-later
/* nat_xlate.c - the per-packet path: parse (bounds-checked), look up or
 * make the connection, rewrite addresses, ports and checksums in place,
 * ICMP errors' quoted headers, fragments, MSS clamping, hairpin
 *
 * Trust boundary: every byte of the packet is untrusted, from either side.
 * It is read through pkt_pull(); writes go only to offsets a pull proved
 * present.
 */
#include "nat_priv.h"

#include "lib/pkt.h"

#define IP_MF	       0x2000
#define IP_OFFMASK     0x1fff
#define ICMP_ECHOREPLY 0
#define ICMP_UNREACH   3
#define ICMP_ECHO      8
#define ICMP_TIMXCEED  11
#define ICMP_PARAMPROB 12
#define DHCP_CLIENT    68

/**
 * struct ip4 - a parsed IPv4 packet
 * @ip: its first byte (writable)
 * @hlen: header bytes
 * @tot: total length
 * @proto: protocol
 * @src, @dst: addresses
 * @id: identification
 * @frag: a fragment (MF set or offset not 0)
 * @later: a fragment other than the first
 * @last: a fragment, the last (MF clear)
 * @l4off: a fragment's offset in the datagram's L4 bytes
 * @l4: L4 header (first fragment or whole packet)
 * @l4len: bytes from @l4 to the end of the packet
 * @sport, @dport: ports; ICMP echo: the identifier in both
 * @seg: TCP: flags, sequence and acknowledgement numbers, length
 * @icmp_type: ICMP type
 */
struct ip4 {
	uint8_t *ip;
	size_t hlen, tot;
	uint8_t proto;
	uint32_t src, dst;
	uint16_t id;
	bool frag, later, last;
	uint32_t l4off;
	uint8_t *l4;
	size_t l4len;
	uint16_t sport, dport;
	struct nat_seg seg;
	uint8_t icmp_type;
};

/* The writable byte at the place a pull returned. */
static inline uint8_t *wr(uint8_t *base, const uint8_t *start, const void *p)
{
	return base + ((const uint8_t *)p - start);
}

static enum nat_drop parse_l4(struct ip4 *p)
{
	struct pkt_cursor c;
	const uint8_t *h;

	pkt_cursor_init(&c, p->l4, p->l4len);
	switch (p->proto) {
	case NAT_PROTO_TCP: {
		size_t doff;

		h = pkt_pull(&c, 20);
		if (!h)
			return NAT_DROP_TRUNCATED;
		doff = (size_t)(h[12] >> 4) * 4;
		if (doff < 20)
			return NAT_DROP_BAD_L4;
		if (doff > p->l4len)
			return p->frag ? NAT_DROP_TRUNCATED : NAT_DROP_BAD_L4;
		p->sport = pkt_get_be16(h);
		p->dport = pkt_get_be16(h + 2);
		p->seg.flags = h[13];
		p->seg.seq = nat_get_be32(h + 4);
		p->seg.ack = nat_get_be32(h + 8);
		p->seg.len = (uint32_t)(p->l4len - doff) +
			     !!(h[13] & NAT_TCP_SYN) + !!(h[13] & NAT_TCP_FIN);
		return p->sport && p->dport ? NAT_DROP_NONE : NAT_DROP_BAD_L4;
	}
	case NAT_PROTO_UDP: {
		uint16_t ulen;

		h = pkt_pull(&c, 8);
		if (!h)
			return NAT_DROP_TRUNCATED;
		ulen = pkt_get_be16(h + 4);
		if (ulen < 8 || (!p->frag && ulen > p->l4len))
			return NAT_DROP_BAD_L4;
		p->sport = pkt_get_be16(h);
		p->dport = pkt_get_be16(h + 2);
		return p->sport && p->dport ? NAT_DROP_NONE : NAT_DROP_BAD_L4;
	}
	case NAT_PROTO_ICMP:
		h = pkt_pull(&c, 8);
		if (!h)
			return NAT_DROP_TRUNCATED;
		p->icmp_type = h[0];
		p->sport = p->dport = pkt_get_be16(h + 4);
		return NAT_DROP_NONE;
	}
	return NAT_DROP_BAD_PROTO;
}

static enum nat_drop parse(uint8_t *ip, size_t len, struct ip4 *p)
{
	struct pkt_cursor c;
	const uint8_t *h;
	uint16_t fo;

	memset(p, 0, sizeof(*p));
	pkt_cursor_init(&c, ip, len);
	h = pkt_pull(&c, 20);
	if (!h || h[0] >> 4 != 4 || (h[0] & 15) < 5)
		return NAT_DROP_BAD_IP;
	p->hlen = (size_t)(h[0] & 15) * 4;
	p->tot = pkt_get_be16(h + 2);
	if (!pkt_pull(&c, p->hlen - 20) || p->tot < p->hlen || p->tot > len)
		return NAT_DROP_BAD_IP;
	if (csum_fold(csum_partial(ip, p->hlen, 0)))
		return NAT_DROP_BAD_IP_CSUM;
	p->ip = ip;
	p->proto = h[9];
	p->id = pkt_get_be16(h + 4);
	p->src = nat_get_be32(h + 12);
	p->dst = nat_get_be32(h + 16);
	fo = pkt_get_be16(h + 6);
	p->frag = fo & (IP_MF | IP_OFFMASK);
	p->later = fo & IP_OFFMASK;
	p->last = p->frag && !(fo & IP_MF);
	p->l4off = (uint32_t)(fo & IP_OFFMASK) * 8;
	p->l4 = ip + p->hlen;
	p->l4len = p->tot - p->hlen;
	/* No datagram is longer than 65535 bytes (RFC 791): a fragment that
	 * ends past that is no part of one, and cut again its offset would
	 * run into the flag bits. */
	if (p->l4off + p->tot > 65535)
		return NAT_DROP_FRAG_TOO_LONG;
	if (nat_proto_idx(p->proto) < 0)
		return NAT_DROP_BAD_PROTO;
	return p->later ? NAT_DROP_NONE : parse_l4(p);
}

/* ---- rewriting ---- */

static uint8_t *l4_csum_field(const struct ip4 *p)
{
	switch (p->proto) {
	case NAT_PROTO_TCP:
		return p->l4 + 16;
	case NAT_PROTO_UDP:
		return p->l4 + 6;
	default:
		return p->l4 + 2;
	}
}

/* An address in the L4 pseudo-header changed (TCP and UDP only). */
static void l4_addr_changed(const struct ip4 *p, uint32_t old, uint32_t new,
			    unsigned flags)
{
	uint8_t *cs;

	if (p->later || p->proto == NAT_PROTO_ICMP)
		return;
	cs = l4_csum_field(p);
	if (flags & NAT_F_CSUM_PARTIAL) {
		/* The field holds the folded pseudo-header sum itself. */
		cs[0] = (uint8_t)~cs[0];
		cs[1] = (uint8_t)~cs[1];
		nat_csum_update32(cs, old, new);
		cs[0] = (uint8_t)~cs[0];
		cs[1] = (uint8_t)~cs[1];
		return;
	}
	if (p->proto == NAT_PROTO_UDP && !cs[0] && !cs[1])
		return; /* no checksum: stays none */
	nat_csum_update32(cs, old, new);
	if (p->proto == NAT_PROTO_UDP && !cs[0] && !cs[1])
		cs[0] = cs[1] = 0xff;
}

/* A port (or the echo identifier) changed at @field. */
static void l4_port_changed(const struct ip4 *p, uint8_t *field, uint16_t new,
			    unsigned flags)
{
	uint16_t old = pkt_get_be16(field);
	uint8_t *cs = l4_csum_field(p);

	pkt_put_be16(field, new);
	if (p->proto != NAT_PROTO_ICMP && (flags & NAT_F_CSUM_PARTIAL))
		return; /* ports are not in the pseudo-header */
	if (p->proto == NAT_PROTO_UDP && !cs[0] && !cs[1])
		return;
	nat_csum_update16(cs, old, new);
	if (p->proto == NAT_PROTO_UDP && !cs[0] && !cs[1])
		cs[0] = cs[1] = 0xff;
}

static void set_src(struct ip4 *p, uint32_t ip, unsigned flags)
{
	nat_csum_update32(p->ip + 10, p->src, ip);
	nat_put_be32(p->ip + 12, ip);
	l4_addr_changed(p, p->src, ip, flags);
	p->src = ip;
}

static void set_dst(struct ip4 *p, uint32_t ip, unsigned flags)
{
	nat_csum_update32(p->ip + 10, p->dst, ip);
	nat_put_be32(p->ip + 16, ip);
	l4_addr_changed(p, p->dst, ip, flags);
	p->dst = ip;
}

static void set_sport(struct ip4 *p, uint16_t port, unsigned flags)
{
	if (p->later || p->sport == port)
		return;
	l4_port_changed(p, p->proto == NAT_PROTO_ICMP ? p->l4 + 4 : p->l4, port,
			flags);
	p->sport = port;
}

static void set_dport(struct ip4 *p, uint16_t port, unsigned flags)
{
	if (p->later || p->dport == port)
		return;
	l4_port_changed(p, p->proto == NAT_PROTO_ICMP ? p->l4 + 4 : p->l4 + 2,
			port, flags);
	p->dport = port;
}

static void set_id(struct ip4 *p, uint16_t id)
{
	nat_csum_update16(p->ip + 10, p->id, id);
	pkt_put_be16(p->ip + 4, id);
	p->id = id;
}

static void ttl_dec(struct ip4 *p)
{
	uint16_t old = (uint16_t)(p->ip[8] << 8 | p->ip[9]);

	p->ip[8]--;
	nat_csum_update16(p->ip + 10, old, (uint16_t)(old - 0x100));
}

/* Lower a SYN's MSS option to what the external MTU carries. */
static void mss_clamp(struct nat_table *t, struct ip4 *p, unsigned flags)
{
	unsigned max = t->cfg.ext_mtu - 40u;
	size_t doff = (size_t)(p->l4[12] >> 4) * 4;
	struct pkt_cursor c;
	const uint8_t *o;

	pkt_cursor_init(&c, p->l4 + 20, doff - 20);
	while ((o = pkt_pull(&c, 1)) && *o != 0) {
		const uint8_t *ol, *v;

		if (*o == 1)
			continue;
		ol = pkt_pull(&c, 1);
		if (!ol || *ol < 2 || !(v = pkt_pull(&c, *ol - 2u)))
			return;
		if (*o == 2 && *ol == 4 && pkt_get_be16(v) > max) {
			uint8_t *w = wr(p->l4 + 20, p->l4 + 20, v);
			uint16_t old = pkt_get_be16(w);

			pkt_put_be16(w, (uint16_t)max);
			if (!(flags & NAT_F_CSUM_PARTIAL))
				nat_csum_update16(p->l4 + 16, old,
						  (uint16_t)max);
			t->st.mss_clamped++;
			return;
		}
	}
}

/* ---- ICMP errors ---- */

static bool is_icmp_error(uint8_t type)
{
	return type == ICMP_UNREACH || type == ICMP_TIMXCEED ||
	       type == ICMP_PARAMPROB;
}

/* Parse and check the error and the header it quotes. */
static enum nat_drop parse_icmp_err(const struct ip4 *p, struct ip4 *in)
{
	struct pkt_cursor c;
	const uint8_t *h;
	size_t hlen;

	if (p->frag)
		return NAT_DROP_BAD_ICMP_ERR;
	if (csum_fold(csum_partial(p->l4, p->l4len, 0)))
		return NAT_DROP_BAD_ICMP_CSUM;
	memset(in, 0, sizeof(*in));
	pkt_cursor_init(&c, p->l4 + 8, p->l4len - 8);
	h = pkt_pull(&c, 20);
	if (!h || h[0] >> 4 != 4 || (h[0] & 15) < 5)
		return NAT_DROP_BAD_ICMP_ERR;
	hlen = (size_t)(h[0] & 15) * 4;
	if (!pkt_pull(&c, hlen - 20) || (pkt_get_be16(h + 6) & IP_OFFMASK))
		return NAT_DROP_BAD_ICMP_ERR;
	in->ip = wr(p->l4 + 8, p->l4 + 8, h);
	in->hlen = hlen;
	in->proto = h[9];
	in->src = nat_get_be32(h + 12);
	in->dst = nat_get_be32(h + 16);
	in->l4 = in->ip + hlen;
	in->l4len = c.left;
	/* Only the first 8 bytes are sure to be quoted (RFC 792): ports,
	 * or type and identifier. */
	h = pkt_pull(&c, 8);
	if (!h || nat_proto_idx(in->proto) < 0)
		return NAT_DROP_BAD_ICMP_ERR;
	if (in->proto == NAT_PROTO_ICMP) {
		if (h[0] != ICMP_ECHO && h[0] != ICMP_ECHOREPLY)
			return NAT_DROP_BAD_ICMP_ERR;
		in->sport = in->dport = pkt_get_be16(h + 4);
	} else {
		in->sport = pkt_get_be16(h);
		in->dport = pkt_get_be16(h + 2);
	}
	return NAT_DROP_NONE;
}

/* Rewrite the quoted packet's address and port on one side, with its
 * checksums; the outer ICMP checksum is redone by the caller. */
static void inner_rewrite(struct ip4 *in, bool src_side, uint32_t ip,
			  uint16_t port)
{
	uint8_t *cs = NULL;
	uint32_t old_ip = src_side ? in->src : in->dst;
	uint8_t *pf;
	uint16_t old_port;

	if (in->proto == NAT_PROTO_TCP && in->l4len >= 18)
		cs = in->l4 + 16;
	else if (in->proto == NAT_PROTO_UDP && (in->l4[6] || in->l4[7]))
		cs = in->l4 + 6;
	else if (in->proto == NAT_PROTO_ICMP)
		cs = in->l4 + 2;
	nat_csum_update32(in->ip + 10, old_ip, ip);
	nat_put_be32(in->ip + (src_side ? 12 : 16), ip);
	if (cs && in->proto != NAT_PROTO_ICMP)
		nat_csum_update32(cs, old_ip, ip);
	pf = in->proto == NAT_PROTO_ICMP ? in->l4 + 4
					 : in->l4 + (src_side ? 0 : 2);
	old_port = pkt_get_be16(pf);
	pkt_put_be16(pf, port);
	if (cs)
		nat_csum_update16(cs, old_port, port);
	if (cs && in->proto == NAT_PROTO_UDP && !cs[0] && !cs[1])
		cs[0] = cs[1] = 0xff;
}

static void icmp_recsum(struct ip4 *p)
{
	uint16_t s;

	p->l4[2] = p->l4[3] = 0;
	s = csum_fold(csum_partial(p->l4, p->l4len, 0));
	pkt_put_be16(p->l4 + 2, s);
}

/* ---- verdicts ---- */

static void verdict(struct nat_table *t, struct nat_verdict *v,
		    enum nat_action a, enum nat_drop d)
{
	v->action = a;
	v->drop = d;
	if (a == NAT_DROP)
		t->st.drops[d]++;
	else if (a == NAT_HOST)
		t->st.host++;
}

/* ---- fragments of TCP segments ---- */

/* A first fragment of session @s going @dir: remember it for its datagram's
 * later fragments (the new identification, the window to complete). */
static uint16_t frag_first(struct nat_table *t, const struct ip4 *p,
			   unsigned dir, uint32_t key_src, uint32_t key_dst,
			   uint32_t addr, uint32_t s, int64_t now)
{
	uint32_t base = p->seg.seq + p->seg.len - (uint32_t)p->l4len;

	if (p->proto != NAT_PROTO_TCP || s == NAT_NIL ||
	    !nat_session_frag_first(t, s, (enum nat_dir)dir, &p->seg))
		s = NAT_NIL;
	return nat_frag_put(t, dir, key_src, key_dst, p->id, p->proto, addr, s,
			    base, now);
}

/* A later fragment: its translation, and for the last one of a TCP
 * segment the end of that segment.  False: its first was not seen. */
static bool frag_later(struct nat_table *t, const struct ip4 *p, unsigned dir,
		       uint32_t rem_ip, int64_t now, uint32_t *addr,
		       uint16_t *id)
{
	uint32_t s, base;

	if (!nat_frag_get(t, dir, p->src, p->dst, p->id, p->proto, now, addr,
			  id, &s, &base))
		return false;
	if (p->last && s != NAT_NIL)
		nat_session_frag_end(t, s, (enum nat_dir)dir, rem_ip,
				     base + p->l4off + (uint32_t)p->l4len);
	return true;
}

/* ---- outbound ---- */

/* The session for an outbound TCP/UDP/echo packet, made if need be. */
static uint32_t out_session(struct nat_table *t, const struct ip4 *p,
			    int64_t now, enum nat_drop *d)
{
	uint16_t rport = p->proto == NAT_PROTO_ICMP ? 0 : p->dport;
	uint32_t s, m;
	bool inbound = false;
	uint8_t state = NAT_TCP_NONE;

	s = nat_lookup_sess_in(t, p->proto, p->src, p->sport, p->dst, rport);
	if (s != NAT_NIL)
		return s;
	if (p->proto == NAT_PROTO_TCP) {
		if (!(p->seg.flags & NAT_TCP_SYN)) {
			*d = NAT_DROP_TCP_NOT_SYN;
			return NAT_NIL;
		}
		inbound = p->seg.flags & NAT_TCP_ACK;
		state = inbound ? NAT_TCP_SYN_RECV : NAT_TCP_SYN_SENT;
	} else if (p->proto == NAT_PROTO_ICMP && p->icmp_type != ICMP_ECHO) {
		*d = NAT_DROP_NO_SESSION;
		return NAT_NIL;
	}
	/*
	 * One inside endpoint, one external endpoint (EIM): its dynamic
	 * mapping if it has one (made before a forward to it), else a forward
	 * to it (a server behind a forward answers from the port its clients
	 * know), else a new mapping.
	 */
	m = nat_lookup_owner_in(t, p->proto, p->src, p->sport);
	/*
	 * A SYN/ACK with no session answers a SYN that endpoint-independent
	 * filtering let in through the VM's dynamic mapping (it makes no
	 * session: this answer does, counted like any other).  A SYN through
	 * a forward makes its session when it comes in, and without a
	 * mapping nothing was let in: there the SYN/ACK answers nothing
	 * (else a forward's target could open sessions at will, in the
	 * remote's name, outside its quota).
	 */
	if (inbound && (m == NAT_NIL || t->e[m].kind == NAT_KIND_FORWARD)) {
		*d = NAT_DROP_TCP_NOT_SYN;
		return NAT_NIL;
	}
	/* The quota, before anything is made: a new mapping and its session,
	 * or a session. */
	if (!nat_ip_quota_ok(t, p->src, m == NAT_NIL ? 2 : 1)) {
		*d = NAT_DROP_QUOTA;
		return NAT_NIL;
	}
	if (m == NAT_NIL) {
		m = nat_mapping_new(t, p->proto, p->src, p->sport, now, d);
		if (m == NAT_NIL)
			return NAT_NIL;
	}
	return nat_session_new(t, m, p->dst, rport, inbound, state, now, d);
}

/* An outbound ICMP error about a packet the VM received. */
static enum nat_drop out_icmp_err(struct nat_table *t, struct ip4 *p,
				  unsigned flags)
{
	struct ip4 in;
	enum nat_drop d = parse_icmp_err(p, &in);
	uint16_t rport;
	uint32_t s, ext_ip;
	uint16_t ext_port;

	if (d != NAT_DROP_NONE)
		return d;
	if (in.dst != p->src)
		return NAT_DROP_BAD_ICMP_ERR;
	rport = in.proto == NAT_PROTO_ICMP ? 0 : in.sport;
	s = nat_lookup_sess_in(t, in.proto, in.dst, in.dport, in.src, rport);
	if (s == NAT_NIL)
		s = nat_lookup_owner_in(t, in.proto, in.dst, in.dport);
	if (s == NAT_NIL)
		return NAT_DROP_NO_SESSION;
	ext_ip = t->e[s].ext_ip;
	ext_port = t->e[s].ext_port;
	if (p->ip[8] <= 1)
		return NAT_DROP_TTL;
	inner_rewrite(&in, false, ext_ip, ext_port);
	set_src(p, ext_ip, flags);
	icmp_recsum(p);
	ttl_dec(p);
	return NAT_DROP_NONE;
}

/* Is a packet from the inside to an external address one to turn back? */
static enum nat_action hairpin_check(const struct nat_table *t,
				     const struct ip4 *p, enum nat_drop *d)
{
	if (p->later)
		return NAT_HAIRPIN;
	if (p->proto == NAT_PROTO_ICMP) {
		if (p->icmp_type != ICMP_ECHO)
			return NAT_HAIRPIN;
		if (!p->frag)
			return NAT_HOST;
		*d = NAT_DROP_HOST_FRAG;
		return NAT_DROP;
	}
	if (nat_lookup_map_out(t, p->proto, p->dst, p->dport) == NAT_NIL) {
		*d = NAT_DROP_NO_MAPPING;
		return NAT_DROP;
	}
	return NAT_HAIRPIN;
}

/* The outbound path; the verdict's action, with *d for NAT_DROP. */
static enum nat_action out_core(struct nat_table *t, uint8_t *ip, size_t len,
				unsigned flags, int64_t now, enum nat_drop *d)
{
	struct ip4 p;
	enum nat_action a = NAT_FORWARD;
	uint32_t s, orig_src;

	*d = parse(ip, len, &p);
	if (*d != NAT_DROP_NONE)
		return NAT_DROP;
	if (!nat_inside(&t->cfg, p.src))
		*d = NAT_DROP_SRC_NOT_INSIDE;
	else if (nat_martian(p.dst))
		*d = NAT_DROP_MARTIAN;
	else if (nat_inside(&t->cfg, p.dst))
		*d = NAT_DROP_DST_INSIDE;
	if (*d != NAT_DROP_NONE)
		return NAT_DROP;
	if (nat_ext_idx(&t->cfg, p.dst) >= 0) {
		a = hairpin_check(t, &p, d);
		if (a != NAT_HAIRPIN)
			return a;
	}
	orig_src = p.src;
	if (p.later) {
		uint32_t addr;
		uint16_t id;

		if (!frag_later(t, &p, NAT_DIR_OUT, p.dst, now, &addr, &id))
			*d = NAT_DROP_FRAG_NO_FIRST;
		else if (ip[8] <= 1)
			*d = NAT_DROP_TTL;
		if (*d != NAT_DROP_NONE)
			return NAT_DROP;
		set_src(&p, addr, flags);
		set_id(&p, id);
		ttl_dec(&p);
	} else if (p.proto == NAT_PROTO_ICMP && p.icmp_type != ICMP_ECHO &&
		   p.icmp_type != ICMP_ECHOREPLY) {
		*d = is_icmp_error(p.icmp_type) ? out_icmp_err(t, &p, flags)
						: NAT_DROP_ICMP_TYPE;
		if (*d != NAT_DROP_NONE)
			return NAT_DROP;
	} else {
		if (p.proto == NAT_PROTO_TCP &&
		    !nat_tcp_flags_valid(p.seg.flags))
			*d = NAT_DROP_TCP_FLAGS;
		else if (ip[8] <= 1)
			*d = NAT_DROP_TTL;
		if (*d != NAT_DROP_NONE)
			return NAT_DROP;
		s = out_session(t, &p, now, d);
		if (s == NAT_NIL)
			return NAT_DROP;
		*d = nat_session_seen(t, s, NAT_DIR_OUT,
				      p.proto == NAT_PROTO_TCP ? &p.seg : NULL,
				      (uint32_t)p.tot, now);
		if (*d != NAT_DROP_NONE)
			return NAT_DROP;
		set_src(&p, t->e[s].ext_ip, flags);
		set_sport(&p, t->e[s].ext_port, flags);
		ttl_dec(&p);
		if (p.proto == NAT_PROTO_TCP && (p.seg.flags & NAT_TCP_SYN) &&
		    t->cfg.ext_mtu)
			mss_clamp(t, &p, flags);
		if (p.frag)
			set_id(&p, frag_first(t, &p, NAT_DIR_OUT, orig_src,
					      p.dst, p.src, s, now));
		/* A datagram the gateway will cut (DF clear, larger than
		 * the external MTU) gets an identification of the NAT's own
		 * too: two VMs' datagrams with one id must not meet in a
		 * receiver's reassembly. */
		else if (!(ip[6] & 0x40) && t->cfg.ext_mtu &&
			 p.tot > t->cfg.ext_mtu)
			set_id(&p, t->frag_id++);
	}
	t->st.out++;
	t->st.bytes_out += len;
	return a;
}

/* ---- inbound ---- */

/* An inbound ICMP error about a packet a VM sent out. */
static enum nat_drop in_icmp_err(struct nat_table *t, struct ip4 *p,
				 unsigned flags, bool hairpin)
{
	struct ip4 in;
	enum nat_drop d = parse_icmp_err(p, &in);
	uint16_t rport;
	uint32_t s;

	if (d != NAT_DROP_NONE)
		return d;
	if (in.src != p->dst)
		return NAT_DROP_BAD_ICMP_ERR;
	rport = in.proto == NAT_PROTO_ICMP ? 0 : in.dport;
	s = nat_lookup_sess_out(t, in.proto, in.src, in.sport, in.dst, rport);
	if (s == NAT_NIL)
		return NAT_DROP_NO_SESSION;
	if (!hairpin && p->ip[8] <= 1)
		return NAT_DROP_TTL;
	inner_rewrite(&in, true, t->e[s].int_ip, t->e[s].int_port);
	set_dst(p, t->e[s].int_ip, flags);
	icmp_recsum(p);
	if (!hairpin)
		ttl_dec(p);
	return NAT_DROP_NONE;
}

/* A TCP/UDP/echo-reply packet from the outside: session, EIF or forward. */
static enum nat_drop in_l4(struct nat_table *t, struct ip4 *p, unsigned flags,
			   int64_t now, bool hairpin, enum nat_action *a,
			   uint32_t *sp)
{
	uint16_t rport = p->proto == NAT_PROTO_ICMP ? 0 : p->sport;
	uint32_t s, m = NAT_NIL;
	enum nat_drop d = NAT_DROP_NONE;
	const struct nat_entry *e;

	*sp = NAT_NIL;
	s = nat_lookup_sess_out(t, p->proto, p->dst, p->dport, p->src, rport);
	if (s == NAT_NIL) {
		if (p->proto == NAT_PROTO_ICMP)
			return NAT_DROP_NO_SESSION;
		m = nat_lookup_map_out(t, p->proto, p->dst, p->dport);
		if (m == NAT_NIL) {
			if (p->proto == NAT_PROTO_UDP &&
			    p->dport == DHCP_CLIENT && !hairpin) {
				*a = NAT_HOST;
				return NAT_DROP_NONE;
			}
			return NAT_DROP_NO_MAPPING;
		}
		if (p->proto == NAT_PROTO_TCP &&
		    (p->seg.flags & (NAT_TCP_SYN | NAT_TCP_ACK)) != NAT_TCP_SYN)
			return NAT_DROP_TCP_NOT_SYN;
	}
	if (!hairpin && p->ip[8] <= 1)
		return NAT_DROP_TTL;
	if (s == NAT_NIL && t->e[m].kind == NAT_KIND_FORWARD)
		/* The target may talk to this remote through its dynamic
		 * mapping already: one inside 5-tuple, one session. */
		s = nat_lookup_sess_in(t, p->proto, t->e[m].int_ip,
				       t->e[m].int_port, p->src, rport);
	if (s == NAT_NIL && t->e[m].kind == NAT_KIND_FORWARD) {
		if (!nat_fwd_room(t))
			return NAT_DROP_FORWARD_SHARE;
		s = nat_session_new(t, m, p->src, rport, true,
				    p->proto == NAT_PROTO_TCP ? NAT_TCP_SYN_SENT
							      : NAT_TCP_NONE,
				    now, &d);
		if (s == NAT_NIL)
			return d;
	}
	if (s != NAT_NIL) {
		d = nat_session_seen(t, s, NAT_DIR_IN,
				     p->proto == NAT_PROTO_TCP ? &p->seg : NULL,
				     (uint32_t)p->tot, now);
		if (d != NAT_DROP_NONE)
			return d;
	}
	*sp = s;
	/* Without a session: EIF lets it in through the mapping; the VM's
	 * answer makes the session. */
	e = &t->e[s != NAT_NIL ? s : m];
	set_dst(p, e->int_ip, flags);
	set_dport(p, e->int_port, flags);
	if (!hairpin)
		ttl_dec(p);
	if (p->proto == NAT_PROTO_TCP && (p->seg.flags & NAT_TCP_SYN) &&
	    t->cfg.ext_mtu)
		mss_clamp(t, p, flags);
	return NAT_DROP_NONE;
}

/* The inbound path (second leg of a hairpin with @hairpin). */
static enum nat_action in_core(struct nat_table *t, uint8_t *ip, size_t len,
			       unsigned flags, int64_t now, bool hairpin,
			       enum nat_drop *d)
{
	struct ip4 p;
	enum nat_action a = NAT_FORWARD;
	uint32_t orig_dst, s = NAT_NIL;

	*d = parse(ip, len, &p);
	if (*d != NAT_DROP_NONE)
		return NAT_DROP;
	if (nat_ext_idx(&t->cfg, p.dst) < 0)
		*d = NAT_DROP_NOT_OURS;
	else if (nat_martian(p.src))
		*d = NAT_DROP_MARTIAN;
	else if (!hairpin && (nat_inside(&t->cfg, p.src) ||
			      nat_ext_idx(&t->cfg, p.src) >= 0))
		*d = NAT_DROP_SPOOFED;
	if (*d != NAT_DROP_NONE)
		return NAT_DROP;
	orig_dst = p.dst;
	if (p.later) {
		uint32_t addr;
		uint16_t id;

		if (!frag_later(t, &p, NAT_DIR_IN, p.src, now, &addr, &id))
			*d = NAT_DROP_FRAG_NO_FIRST;
		else if (!hairpin && ip[8] <= 1)
			*d = NAT_DROP_TTL;
		if (*d != NAT_DROP_NONE)
			return NAT_DROP;
		set_dst(&p, addr, flags);
		if (!hairpin)
			ttl_dec(&p);
	} else if (p.proto == NAT_PROTO_ICMP && p.icmp_type != ICMP_ECHOREPLY) {
		if (p.icmp_type == ICMP_ECHO && !hairpin) {
			/* For the gateway: answered whole or not at all. */
			if (!p.frag)
				return NAT_HOST;
			*d = NAT_DROP_HOST_FRAG;
		} else {
			*d = is_icmp_error(p.icmp_type)
				 ? in_icmp_err(t, &p, flags, hairpin)
				 : NAT_DROP_ICMP_TYPE;
		}
	} else {
		if (p.proto == NAT_PROTO_TCP &&
		    !nat_tcp_flags_valid(p.seg.flags))
			*d = NAT_DROP_TCP_FLAGS;
		else
			*d = in_l4(t, &p, flags, now, hairpin, &a, &s);
		if (*d == NAT_DROP_NONE && a == NAT_HOST)
			return NAT_HOST;
		if (*d == NAT_DROP_NONE && p.frag)
			(void)frag_first(t, &p, NAT_DIR_IN, p.src, orig_dst,
					 p.dst, s, now);
	}
	if (*d != NAT_DROP_NONE)
		return NAT_DROP;
	t->st.in++;
	t->st.bytes_in += len;
	return NAT_FORWARD;
}

/**
 * nat_out() - translate a packet from the inside going out
 * @t: table
 * @ip: the IPv4 packet (untrusted), rewritten in place
 * @len: bytes at @ip (at least the IP total length)
 * @flags: NAT_F_*
 * @now: caller's seconds
 * @v: the verdict
 *
 * See nat.h for what each verdict asks of the caller.
 */
void nat_out(struct nat_table *t, uint8_t *ip, size_t len, unsigned flags,
	     int64_t now, struct nat_verdict *v)
{
	enum nat_drop d = NAT_DROP_NONE;
	enum nat_action a = out_core(t, ip, len, flags, now, &d);

	if (a == NAT_HAIRPIN) {
		a = in_core(t, ip, len, flags, now, true, &d);
		if (a == NAT_FORWARD) {
			a = NAT_HAIRPIN;
			t->st.hairpin++;
		}
	}
	verdict(t, v, a, a == NAT_DROP ? d : NAT_DROP_NONE);
}

/**
 * nat_in() - translate a packet from the outside coming in
 * @t: table
 * @ip: the IPv4 packet (untrusted), rewritten in place
 * @len: bytes at @ip (at least the IP total length)
 * @flags: NAT_F_*
 * @now: caller's seconds
 * @v: the verdict
 *
 * See nat.h for what each verdict asks of the caller.
 */
void nat_in(struct nat_table *t, uint8_t *ip, size_t len, unsigned flags,
	    int64_t now, struct nat_verdict *v)
{
	enum nat_drop d = NAT_DROP_NONE;
	enum nat_action a = in_core(t, ip, len, flags, now, false, &d);

	verdict(t, v, a, a == NAT_DROP ? d : NAT_DROP_NONE);
}

/* ---- bursts ---- */

/*
 * The bucket a packet's session would hang from, read cheaply (no
 * validation: nat_out()/nat_in() do that), or NULL for packets that are not
 * plain TCP/UDP first fragments.
 */
static const uint32_t *burst_bucket(const struct nat_table *t,
				    const uint8_t *ip, size_t len,
				    enum nat_dir dir)
{
	struct pkt_cursor c;
	const uint8_t *h, *l4;
	size_t hl;
	uint32_t src, dst, hash;

	pkt_cursor_init(&c, ip, len);
	h = pkt_pull(&c, 20);
	if (!h || (h[9] != NAT_PROTO_TCP && h[9] != NAT_PROTO_UDP) ||
	    (pkt_get_be16(h + 6) & IP_OFFMASK))
		return NULL;
	hl = (size_t)(h[0] & 15) * 4;
	if (hl < 20 || !pkt_pull(&c, hl - 20) || !(l4 = pkt_pull(&c, 4)))
		return NULL;
	src = nat_get_be32(h + 12);
	dst = nat_get_be32(h + 16);
	if (dir == NAT_DIR_OUT) {
		hash = nat_hash(t, NAT_KEY_SESS_IN, h[9], src, pkt_get_be16(l4),
				dst, pkt_get_be16(l4 + 2));
		return &t->bin[hash & t->mask];
	}
	hash = nat_hash(t, NAT_KEY_SESS_OUT, h[9], dst, pkt_get_be16(l4 + 2),
			src, pkt_get_be16(l4));
	return &t->bout[hash & t->mask];
}

/* Prefetch the buckets, then the first entries, then translate. */
static void burst(struct nat_table *t, struct nat_pkt *pkts, unsigned n,
		  int64_t now, enum nat_dir dir)
{
	const uint32_t *b[NAT_BURST_MAX];

	while (n) {
		unsigned k = n < NAT_BURST_MAX ? n : NAT_BURST_MAX;

		for (unsigned i = 0; i < k; i++) {
			b[i] = burst_bucket(t, pkts[i].ip, pkts[i].len, dir);
			if (b[i])
				__builtin_prefetch(b[i]);
		}
		for (unsigned i = 0; i < k; i++) {
			if (b[i] && *b[i] != NAT_NIL) {
				const uint8_t *e =
				    (const uint8_t *)&t->e[*b[i]];

				__builtin_prefetch(e, 1);
				__builtin_prefetch(e + 64, 1);
			}
		}
		for (unsigned i = 0; i < k; i++) {
			if (dir == NAT_DIR_OUT)
				nat_out(t, pkts[i].ip, pkts[i].len,
					pkts[i].flags, now, &pkts[i].v);
			else
				nat_in(t, pkts[i].ip, pkts[i].len,
				       pkts[i].flags, now, &pkts[i].v);
		}
		pkts += k;
		n -= k;
	}
}

/**
 * nat_out_burst() - nat_out() on a burst, with the table's cache misses
 * overlapped
 * @t: table
 * @pkts: the packets; each gets its verdict in @v
 * @n: how many
 * @now: caller's seconds
 *
 * The same as nat_out() on each in order; the buckets and entries of up to
 * NAT_BURST_MAX packets are prefetched first, so a table much larger than
 * the cache costs one memory latency per burst rather than per packet.
 */
void nat_out_burst(struct nat_table *t, struct nat_pkt *pkts, unsigned n,
		   int64_t now)
{
	burst(t, pkts, n, now, NAT_DIR_OUT);
}

/**
 * nat_in_burst() - nat_in() on a burst (see nat_out_burst())
 * @t: table
 * @pkts: the packets; each gets its verdict in @v
 * @n: how many
 * @now: caller's seconds
 */
void nat_in_burst(struct nat_table *t, struct nat_pkt *pkts, unsigned n,
		  int64_t now)
{
	burst(t, pkts, n, now, NAT_DIR_IN);
}
