// SPDX-License-Identifier: GPL-2.0-or-later
/* vswitch_parse.c - frame classification: parse once, apply port VLAN policy
 *
 * Every frame is untrusted: it may come from a guest.  The parser reads it
 * through the bounds-checked cursor and records offsets once, so later stages
 * never parse again.
 */
#include "vswitch_priv.h"

#include "../lib/util.h"

/* A frame's Ethernet header, parsed: the 802.1Q TCI (0 when untagged) is
 * kept for the VLAN policy so the tag is read once. */
static inline __attribute__((always_inline)) enum vsw_drop
parse_eth(struct pkt *p, unsigned mtu, uint16_t *tci)
{
	struct pkt_cursor c;
	const uint8_t *eth;
	uint32_t src_hi;
	uint16_t type, src_lo;

	pkt_cursor_init(&c, p->data, p->len);
	eth = pkt_pull(&c, 12);
	if (!eth || !pkt_pull_be16(&c, &type))
		return VSW_DROP_RUNT;
	*tci = 0;
	p->tagged = 0;
	if (type == ETHERTYPE_VLAN) {
		if (!pkt_pull_be16(&c, tci) || !pkt_pull_be16(&c, &type))
			return VSW_DROP_RUNT;
		p->tagged = 1;
	}
	/* A super-frame is checked against 64 KB where it came in and leaves
	 * cut for a port that cannot take it whole: its segments, not the
	 * super-frame, must fit the MTU. */
	if (unlikely(p->ol.gso_type)) {
		if ((size_t)p->ol.gso_size + p->ol.hdr_len - (p->len - c.left) >
		    mtu)
			return VSW_DROP_OVERSIZE;
	} else if (c.left > mtu) {
		return VSW_DROP_OVERSIZE;
	}
	/* Source MAC: neither a group address nor all zeros (six bytes read
	 * as two words, not one by one). */
	memcpy(&src_hi, eth + 6, 4);
	memcpy(&src_lo, eth + 10, 2);
	if ((eth[6] & 1) || !(src_hi | src_lo))
		return VSW_DROP_BAD_SRC_MAC;
	p->ethertype = type;
	p->l3_ofs = (uint16_t)(p->len - c.left);
	return VSW_DROP_NONE;
}

/**
 * vsw_parse() - check a frame's Ethernet header and record its offsets
 * @p: packet; @tagged, @l3_ofs and @ethertype are filled in
 * @mtu: network MTU: the largest L3 payload accepted
 *
 * Return: VSW_DROP_NONE, or why the frame must be dropped
 */
enum vsw_drop vsw_parse(struct pkt *p, unsigned mtu)
{
	uint16_t tci;

	return parse_eth(p, mtu, &tci);
}

/* A priority tag (VID 0) with another VLAN tag behind it.  Taken into a
 * VLAN as untagged, it would leave untagged with only the priority tag
 * taken off: the inner tag then puts it in a VLAN its port may not reach
 * (double tagging). */
static inline bool priority_over_tag(const struct pkt *p)
{
	return p->tagged && (p->ethertype == ETHERTYPE_VLAN ||
			     p->ethertype == 0x88a8 || p->ethertype == 0x9100);
}

/* The port's VLAN policy on a parsed frame whose tag (0: none) is @tci. */
static inline __attribute__((always_inline)) enum vsw_drop
vlan_ingress(const struct vsw_vlan *v, struct pkt *p, uint16_t tci)
{
	uint16_t vid = tci & 0xfff;

	switch (v->mode) {
	case VSW_VLAN_ACCESS:
		if (vid) /* priority tags (VID 0) are fine */
			return VSW_DROP_VLAN_TAGGED;
		if (unlikely(priority_over_tag(p)))
			return VSW_DROP_VLAN_DOUBLE_TAG;
		p->vlan = v->access;
		return VSW_DROP_NONE;
	case VSW_VLAN_TRUNK:
		if (!vid) {
			if (unlikely(priority_over_tag(p)))
				return VSW_DROP_VLAN_DOUBLE_TAG;
			p->vlan = v->native;
			return VSW_DROP_NONE;
		}
		if (vid == 0xfff ||
		    (vid != v->native && !vlan_bit_test(v->allowed, vid)))
			return VSW_DROP_VLAN_NOT_ALLOWED;
		p->vlan = vid;
		return VSW_DROP_NONE;
	case VSW_VLAN_NONE:
	default:
		if (vid == 0xfff)
			return VSW_DROP_VLAN_NOT_ALLOWED;
		p->vlan = vid;
		return VSW_DROP_NONE;
	}
}

static uint16_t frame_tci(const struct pkt *p)
{
	return p->tagged ? pkt_get_be16(p->data + 14) : 0;
}

/**
 * vsw_vlan_ingress() - put a frame in a VLAN according to its port
 * @v: ingress port's VLAN setting
 * @p: parsed packet; @vlan is set
 *
 * Return: VSW_DROP_NONE, or why the port refuses the frame
 */
enum vsw_drop vsw_vlan_ingress(const struct vsw_vlan *v, struct pkt *p)
{
	return vlan_ingress(v, p, frame_tci(p));
}

/**
 * vsw_vlan_egress() - whether a frame may leave on a port, and how tagged
 * @v: egress port's VLAN setting
 * @p: classified packet
 * @tci: set to the tag to send with, 0 for untagged (priority bits of an
 *       incoming tag are kept)
 *
 * Return: true if the port is in the frame's VLAN
 */
bool vsw_vlan_egress(const struct vsw_vlan *v, const struct pkt *p,
		     uint16_t *tci)
{
	uint16_t pcp = frame_tci(p) & 0xf000;

	switch (v->mode) {
	case VSW_VLAN_ACCESS:
		*tci = 0;
		return p->vlan == v->access;
	case VSW_VLAN_TRUNK:
		if (p->vlan == v->native) {
			*tci = 0;
			return true;
		}
		if (!p->vlan || !vlan_bit_test(v->allowed, p->vlan))
			return false;
		*tci = pcp | p->vlan;
		return true;
	case VSW_VLAN_NONE:
	default:
		*tci = p->vlan ? (uint16_t)(pcp | p->vlan) : 0;
		return true;
	}
}

/* The payload of the IPv4 packet at @l3, @left bytes to the frame's end
 * (guest-controlled), as a cursor @c past its header; @super: it is a UDP
 * super-frame (USO).  False for a later fragment, which has no UDP or ICMP
 * header (without its first fragment a receiver never reassembles it), and
 * for a header that does not fit.  Bytes past the total length are padding
 * the receiver throws away: they must not decide (a super-frame's length is
 * the sender's business; its segments get their own). */
static inline __attribute__((always_inline)) bool
ipv4_payload(const uint8_t *l3, size_t left, bool super, struct pkt_cursor *c)
{
	size_t ihl, tot;

	if (pkt_get_be16(l3 + 6) & 0x1fff)
		return false;
	tot = pkt_get_be16(l3 + 2);
	if (!super && tot < left)
		left = tot;
	ihl = (size_t)(l3[0] & 0xf) * 4;
	pkt_cursor_init(c, l3, left);
	return ihl >= 20 && pkt_pull(c, ihl);
}

/* Whether the IPv4 UDP packet at @l3, @left bytes to the frame's end
 * (guest-controlled), is a DHCP server message; @super: it is a UDP
 * super-frame (USO); @guards: the port's VSW_GUARD_* bits. */
static inline __attribute__((always_inline)) bool
ipv4_dhcp_server(const uint8_t *l3, size_t left, bool super, unsigned guards)
{
	struct pkt_cursor c;
	const uint8_t *udp, *op;

	if (l3[0] >> 4 != 4 || !ipv4_payload(l3, left, super, &c))
		return false;
	/* A first fragment too short to show the ports could reassemble
	 * into anything: judged a server message. */
	udp = pkt_pull(&c, 8);
	if (!udp)
		return (l3[6] & 0x20) && (guards & VSW_GUARD_DHCP);
	/* Either port marks one: from 67, or to a client's 68 (the port's
	 * guards are asked only then: other UDP costs nothing more). */
	if ((pkt_get_be16(udp) != 67 && pkt_get_be16(udp + 2) != 68) ||
	    !(guards & VSW_GUARD_DHCP))
		return false;
	/* The op byte decides a whole datagram only: a first fragment's
	 * payload may be overlapped or followed by any other, and each
	 * segment of a super-frame starts a datagram of its own. */
	if ((l3[6] & 0x20) || super)
		return true;
	op = pkt_pull(&c, 1);
	return op && *op == 2;
}

/* ICMP's Redirect (RFC 792): only a router sends it, and a host that
 * takes one sends its traffic for a destination where it says. */
#define ICMP4_REDIRECT 5

/* Whether the IPv4 ICMP packet at @l3, @left bytes to the frame's end
 * (guest-controlled), is a router's message (a Redirect); @super as
 * above.  The ICMP header of an IPv4 datagram starts its payload, which a
 * first fragment starts at offset 0: no later fragment can overlap the
 * type, so the type decides a first fragment as it does a whole datagram.
 * A first fragment too short to show the type could reassemble into
 * anything. */
static inline __attribute__((always_inline)) bool
ipv4_icmp_router(const uint8_t *l3, size_t left, bool super)
{
	struct pkt_cursor c;
	const uint8_t *type;

	if (l3[0] >> 4 != 4 || !ipv4_payload(l3, left, super, &c))
		return false;
	type = pkt_pull(&c, 1);
	if (!type)
		return l3[6] & 0x20;
	return *type == ICMP4_REDIRECT;
}

/* Which guard, if any, the IPv4 packet at @l3, @left bytes to the frame's
 * end (guest-controlled), falls under: a DHCP server message or a
 * router's ICMP message (@guards: the port's VSW_GUARD_* bits, at least
 * one); @super: it is a UDP super-frame (USO).  The protocol byte is
 * looked at first: for any other than UDP and ICMP this is the only test
 * after the length. */
static inline __attribute__((always_inline)) enum vsw_drop
ipv4_guard(const uint8_t *l3, size_t left, bool super, unsigned guards)
{
	if (left < 20)
		return VSW_DROP_NONE;
	if (l3[9] == 17)
		return ipv4_dhcp_server(l3, left, super, guards)
			   ? VSW_DROP_DHCP_GUARD
			   : VSW_DROP_NONE;
	if (l3[9] == 1 && (guards & VSW_GUARD_ROUTER) &&
	    ipv4_icmp_router(l3, left, super))
		return VSW_DROP_ROUTER_GUARD;
	return VSW_DROP_NONE;
}

/* Extension headers looked through; a longer chain is judged a server
 * message. */
#define VSW_GUARD_EXTS PKT_IP6_MAX_EXTS
/* UDP (17), ICMPv6 (58) and the extension headers: the next headers the
 * guards read on. */
#define IP6_GUARDED (PKT_IP6_EXT_MASK | (1ull << 17) | (1ull << 58))
/* DHCPv6 messages a server or relay sends toward clients and relays:
 * ADVERTISE, REPLY, RECONFIGURE, RELAY-REPL (RFC 8415 7.3) and
 * DHCPV4-RESPONSE (RFC 7341: DHCPv4 server messages over DHCPv6). */
#define DHCP6_SERVER_MSGS \
	((1u << 2) | (1u << 7) | (1u << 10) | (1u << 13) | (1u << 21))
/* ICMPv6 messages only a router sends: Router Advertisement (134) and
 * Redirect (137) (RFC 4861; RFC 6105's RA-Guard). */
#define ICMP6_RA       134
#define ICMP6_REDIRECT 137

static inline __attribute__((always_inline)) bool ip6_guarded(unsigned nh)
{
	return nh < 64 && ((IP6_GUARDED >> nh) & 1);
}

/* How a frame the guards cannot see through (@guards: the port's
 * VSW_GUARD_* bits, at least one) is judged: a DHCP server message, or a
 * router's message on a port with the router guard only. */
static inline enum vsw_drop guard_hidden(unsigned guards)
{
	return guards & VSW_GUARD_DHCP ? VSW_DROP_DHCP_GUARD
				       : VSW_DROP_ROUTER_GUARD;
}

/* Whether the ICMPv6 message at @c (the payload's rest) is a router's:
 * @first_frag: it is in a first fragment; @after_frag: its header starts
 * the fragmentable part (the fragment header comes right before it). */
static inline __attribute__((always_inline)) bool
icmp6_router(struct pkt_cursor *c, bool first_frag, bool after_frag)
{
	const uint8_t *type = pkt_pull(c, 1);

	/* A first fragment too short to show the type could reassemble into
	 * anything (RFC 7113); a whole datagram without one is no message. */
	if (!type)
		return first_frag;
	if (*type == ICMP6_RA || *type == ICMP6_REDIRECT)
		return true;
	/* Another type decides a first fragment only where no later one can
	 * overlap it: right behind the fragment header, at offset 0, which
	 * every first fragment is judged at.  Receivers drop overlaps
	 * (RFC 5722) and fragmented neighbour discovery (RFC 6980) anyway;
	 * large echoes stay possible. */
	return first_frag && !after_frag;
}

/* Which guard, if any, the IPv6 packet at @l3, @left bytes to the frame's
 * end (guest-controlled; at least the fixed header), falls under: a
 * DHCPv6 server message or a router's ICMPv6 message (@guards: the port's
 * VSW_GUARD_* bits, at least one); @super: it is a UDP super-frame
 * (USO). */
static inline __attribute__((always_inline)) enum vsw_drop
ipv6_guard_walk(const uint8_t *l3, size_t left, bool super, unsigned guards)
{
	struct pkt_cursor c;
	const uint8_t *h, *udp, *msg;
	bool first_frag = false, after_frag = false;
	uint8_t next = l3[6];
	size_t plen;

	/* Bytes past the payload length are padding the receiver throws
	 * away (a super-frame's length is the sender's business).  A
	 * jumbogram's payload length is 0: its hop-by-hop header then lies
	 * outside, and it is judged a server message below. */
	plen = pkt_get_be16(l3 + 4);
	if (!super && plen < left - 40)
		left = 40 + plen;
	pkt_cursor_init(&c, l3 + 40, left - 40);
	for (unsigned n = 0; next != 17 && next != 58; n++) {
		size_t len;

		/* A chain longer than the guard looks, or one that does not
		 * end within the payload, could hide anything (RFC 7113). */
		if (n == VSW_GUARD_EXTS)
			return guard_hidden(guards);
		h = pkt_peek(&c, 8);
		if (!h)
			return guard_hidden(guards);
		after_frag = next == 44;
		if (after_frag) {
			/* Later fragments have no upper-layer header (see
			 * the IPv4 case); an atomic one (offset 0, M clear)
			 * is a whole datagram. */
			if (pkt_get_be16(h + 2) & 0xfff8)
				return VSW_DROP_NONE;
			first_frag |= h[3] & 1;
		}
		len = pkt_ip6_ext_len(next, h);
		if (!pkt_pull(&c, len))
			return guard_hidden(guards);
		next = h[0];
		if (!ip6_guarded(next))
			return VSW_DROP_NONE;
	}
	if (next == 58)
		return (guards & VSW_GUARD_ROUTER) &&
			       icmp6_router(&c, first_frag, after_frag)
			   ? VSW_DROP_ROUTER_GUARD
			   : VSW_DROP_NONE;
	if (!(guards & VSW_GUARD_DHCP))
		return VSW_DROP_NONE;
	/* A first fragment too short to show the ports could reassemble
	 * into anything. */
	udp = pkt_pull(&c, 8);
	if (!udp)
		return first_frag ? VSW_DROP_DHCP_GUARD : VSW_DROP_NONE;
	/* Either port marks one: from a server's 547, or to a client's
	 * 546 (a relay's RELAY-FORW goes from 547 to 547: its type tells). */
	if (pkt_get_be16(udp) != 547 && pkt_get_be16(udp + 2) != 546)
		return VSW_DROP_NONE;
	/* The type decides a whole datagram only, as the op byte does for
	 * IPv4. */
	if (first_frag || super)
		return VSW_DROP_DHCP_GUARD;
	msg = pkt_pull(&c, 1);
	return msg && *msg < 32 && ((DHCP6_SERVER_MSGS >> *msg) & 1)
		   ? VSW_DROP_DHCP_GUARD
		   : VSW_DROP_NONE;
}

/* ipv6_guard_walk() where it may find something: TCP and the rest of the
 * upper layers end at one test of the next header, UDP right after the
 * header between other ports (or cut before them), the common case, at a
 * test of its ports (cut to the payload length, its header goes or stays
 * the same). */
static inline __attribute__((always_inline)) enum vsw_drop
ipv6_guard(const uint8_t *l3, size_t left, bool super, unsigned guards)
{
	if (left < 40 || !ip6_guarded(l3[6]) || l3[0] >> 4 != 6)
		return VSW_DROP_NONE;
	if (l3[6] == 17 && (left < 44 || (pkt_get_be16(l3 + 40) != 547 &&
					  pkt_get_be16(l3 + 42) != 546)))
		return VSW_DROP_NONE;
	return ipv6_guard_walk(l3, left, super, guards);
}

/* Which guard, if any, a classified frame falls under (@guards: the
 * port's VSW_GUARD_* bits, at least one): IPv4 or IPv6 at l3_ofs, or
 * behind more tags (an access port takes the outer tag off, a guest's VLAN
 * device the next: each layer may hand the inner frame to a client).  Up to
 * VSW_GUARD_TAGS more tags are looked behind; a frame with more is judged
 * a server message (or a router's, on a port with the router guard only),
 * as no one sends such frames. */
static inline __attribute__((always_inline)) enum vsw_drop
guard_frame(const struct pkt *p, unsigned guards)
{
	const uint8_t *l3 = p->data + p->l3_ofs;
	size_t left = p->len - p->l3_ofs;
	uint16_t type = p->ethertype;

	for (unsigned tags = 0;
	     type == ETHERTYPE_VLAN || type == 0x88a8 || type == 0x9100;
	     tags++) {
		if (left < 4)
			return VSW_DROP_NONE; /* a tag and no frame behind */
		if (tags == VSW_GUARD_TAGS)
			return guard_hidden(guards);
		type = pkt_get_be16(l3 + 2);
		l3 += 4;
		left -= 4;
	}
	if (type == ETHERTYPE_IPV4)
		return ipv4_guard(l3, left, p->ol.gso_type == PKT_GSO_UDP_L4,
				  guards);
	if (type == ETHERTYPE_IPV6)
		return ipv6_guard(l3, left, p->ol.gso_type == PKT_GSO_UDP_L4,
				  guards);
	return VSW_DROP_NONE;
}

/**
 * vsw_is_dhcp_server_msg() - whether a frame carries a DHCP server message
 * (a BOOTREPLY from UDP port 67: OFFER, ACK, NAK, to a client or a relay;
 * a DHCPv6 ADVERTISE, REPLY, RECONFIGURE, RELAY-REPL or DHCPV4-RESPONSE)
 * @p: classified packet (guest-controlled bytes)
 *
 * Return: true for an IPv4 UDP datagram from port 67 or to port 68 whose
 * payload (within the IPv4 total length) starts with op 2, any first
 * fragment or UDP super-frame from or to those ports, and a first fragment
 * too short to show the ports; the same for IPv6 UDP from port 547 or to
 * port 546 whose payload (within the payload length) starts with a server
 * message type, behind up to VSW_GUARD_EXTS extension headers (hop-by-hop,
 * routing, fragment, authentication, destination options), and any IPv6
 * datagram whose chain of them is longer or ends past the payload; both
 * behind up to VSW_GUARD_TAGS more tags too, and any frame with more tags
 * than that
 */
bool vsw_is_dhcp_server_msg(const struct pkt *p)
{
	return p->l3_ofs <= p->len &&
	       guard_frame(p, VSW_GUARD_DHCP) == VSW_DROP_DHCP_GUARD;
}

/**
 * vsw_is_router_msg() - whether a frame carries a router's message (an
 * ICMPv6 Router Advertisement or Redirect, an IPv4 ICMP Redirect), or may
 * after reassembly
 * @p: classified packet (guest-controlled bytes)
 *
 * Return: true for ICMPv6 of type 134 or 137 (within the payload length)
 * behind up to VSW_GUARD_EXTS extension headers, a first fragment of
 * ICMPv6 too short to show the type or whose ICMPv6 header does not follow
 * its fragment header directly, and any IPv6 datagram whose chain of
 * extension headers is longer or ends past the payload (RFC 6105, RFC
 * 7113); for IPv4 ICMP of type 5 (within the total length, not a later
 * fragment) and a first fragment of ICMP too short to show the type; behind
 * up to VSW_GUARD_TAGS more tags too, and any frame with more tags than
 * that
 */
bool vsw_is_router_msg(const struct pkt *p)
{
	return p->l3_ofs <= p->len &&
	       guard_frame(p, VSW_GUARD_ROUTER) == VSW_DROP_ROUTER_GUARD;
}

/* The body of vsw_classify(), inlined into its burst loop too. */
static inline __attribute__((always_inline)) enum vsw_drop
classify(struct pkt *p, unsigned mtu, const struct vsw_vlan *v, unsigned guards)
{
	enum vsw_drop why;
	uint16_t tci;

	why = parse_eth(p, mtu, &tci);
	if (why != VSW_DROP_NONE)
		return why;
	why = vlan_ingress(v, p, tci);
	if (why != VSW_DROP_NONE)
		return why;
	/* parse_eth() leaves l3_ofs at most len: no test for it here. */
	if (guards)
		return guard_frame(p, guards);
	return VSW_DROP_NONE;
}

/**
 * vsw_classify() - everything the switch asks of a frame before it looks at
 * MAC addresses, in one pass: the Ethernet header and tag (vsw_parse()), the
 * ingress port's VLAN policy (vsw_vlan_ingress()) and, on a port with the
 * DHCP or router guard, whether it carries a DHCP server message
 * (vsw_is_dhcp_server_msg()) or a router's (vsw_is_router_msg()); the same
 * answers, in the same order, as those
 * @p: packet (guest-controlled bytes); @tagged, @l3_ofs, @ethertype and
 *     @vlan are filled in
 * @mtu: network MTU
 * @v: ingress port's VLAN setting
 * @guards: what the ingress port may not send: VSW_GUARD_DHCP (DHCP
 *          server messages), VSW_GUARD_ROUTER (IPv6 router advertisements
 *          and redirects, IPv4 ICMP redirects), or both; 0 for none
 *
 * Return: VSW_DROP_NONE, or why the frame must be dropped
 */
enum vsw_drop vsw_classify(struct pkt *p, unsigned mtu,
			   const struct vsw_vlan *v, unsigned guards)
{
	return classify(p, mtu, v, guards);
}

_Static_assert(VSW_DROP_MAX <= 256, "a drop reason fits a byte");

/**
 * vsw_classify_burst() - vsw_classify() on every frame of a burst, in one
 * loop (the datapath's way: one call per burst, not per frame)
 * @pkts: packets (guest-controlled bytes)
 * @n: their count
 * @mtu: network MTU
 * @v: ingress port's VLAN setting
 * @guards: as vsw_classify()'s
 * @why: set to each frame's answer (enum vsw_drop), @n of them
 */
void vsw_classify_burst(struct pkt *const *pkts, unsigned n, unsigned mtu,
			const struct vsw_vlan *v, unsigned guards, uint8_t *why)
{
	/* Frames may sit in memory the last core to write them was another
	 * one's (a ring shared with the kernel): fetch ahead. */
	for (unsigned i = 0; i < n && i < 2; i++)
		__builtin_prefetch(pkts[i]->data);
	for (unsigned i = 0; i < n; i++) {
		if (i + 2 < n)
			__builtin_prefetch(pkts[i + 2]->data);
		why[i] = (uint8_t)classify(pkts[i], mtu, v, guards);
	}
}
