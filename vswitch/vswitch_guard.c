// SPDX-License-Identifier: GPL-2.0-or-later
/* vswitch_guard.c - the MAC and IP guards: does a frame from a guest port
 * claim a MAC other than the port's own, or an address it was not given?
 * A guest that may send from any MAC can take a neighbour's unicast (the
 * MAC table moves the address to it), and one that may answer ARP or
 * neighbour discovery with another MAC or address can point its
 * neighbours' caches anywhere; one that may send from any address can
 * pose as another guest to hosts behind a router, or use up a NAT. */
#include <endian.h>
#include <string.h>

#include "vswitch_priv.h"

#define ETHERTYPE_ARP  0x0806
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define IPPROTO_HOPOPT 0
#define IPPROTO_UDP_   17
#define IPPROTO_ICMP6  58
#define DHCP_SERVER_PT 67

/* Two loads and two byte swaps: every frame of a guarded port takes this
 * at least once (a loop over the bytes took some 40 instructions). */
static inline uint64_t mac_u64(const uint8_t *mac)
{
	uint32_t hi;
	uint16_t lo;

	memcpy(&hi, mac, 4);
	memcpy(&lo, mac + 4, 2);
	return (uint64_t)be32toh(hi) << 16 | be16toh(lo);
}

/**
 * vsw_mac_u64() - a MAC as a number (first byte highest)
 * @mac: the MAC
 *
 * Return: its 48 bits
 */
uint64_t vsw_mac_u64(const uint8_t mac[6])
{
	return mac_u64(mac);
}

static bool mac_is(const uint8_t *b, uint64_t guard)
{
	return mac_u64(b) == (guard & (VSW_MAC_GUARD_ON - 1));
}

static uint32_t get_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

/* What a guard reads of a frame: its EtherType and layer 3 behind every
 * tag, not only the one the classifier takes off. */
struct inner {
	uint16_t type;
	const uint8_t *l3;
	size_t left;
};

static bool is_tag(uint16_t type)
{
	return type == 0x8100 || type == 0x88a8 || type == 0x9100;
}

/* Look behind the tags the classifier left (a second 802.1Q tag, an
 * 802.1ad or 0x9100 one): a guest's VLAN device, or a neighbour's, hands
 * the inner frame on.  False when there are more than VSW_GUARD_TAGS or
 * the frame ends inside one: a guarded port's frame is then dropped. */
static bool inner_of(const struct pkt *p, struct inner *in)
{
	in->type = p->ethertype;
	in->l3 = p->data + p->l3_ofs;
	in->left = p->l3_ofs <= p->len ? p->len - p->l3_ofs : 0;
	for (unsigned n = 0; is_tag(in->type); n++) {
		if (n == VSW_GUARD_TAGS || in->left < 4)
			return false;
		in->type = (uint16_t)(in->l3[2] << 8 | in->l3[3]);
		in->l3 += 4;
		in->left -= 4;
	}
	return true;
}

/* The ICMPv6 message of an IPv6 packet, behind hop-by-hop, routing and
 * destination options headers (RFC 6980 forbids neighbour discovery in
 * fragments only, and receivers drop those): NULL when it carries none;
 * @bad set when the chain is longer than PKT_IP6_MAX_EXTS or ends outside
 * the payload (it could hide one). */
static const uint8_t *icmp6_of(const uint8_t *ip6, size_t left, size_t *len,
			       bool *bad)
{
	size_t off = 40, plen;
	unsigned nh = ip6[6];

	*bad = false;
	plen = (size_t)ip6[4] << 8 | ip6[5];
	if (plen < left - 40)
		left = 40 + plen;
	for (unsigned n = 0; nh != IPPROTO_ICMP6; n++) {
		size_t ext;

		if (nh != 0 && nh != 43 && nh != 60)
			return NULL; /* another upper layer, or a fragment */
		if (n == PKT_IP6_MAX_EXTS || left < off + 8) {
			*bad = true;
			return NULL;
		}
		ext = pkt_ip6_ext_len(nh, ip6 + off);
		nh = ip6[off];
		off += ext;
	}
	if (left < off + 8) {
		*bad = left < off + 4; /* not even a type and code */
		return NULL;
	}
	*len = left - off;
	return ip6 + off;
}

/* Neighbour discovery (RFC 4861: types 133-137) whose source or target
 * link-layer address option is not @guard's MAC. */
static bool nd_spoofed(const uint8_t *icmp, size_t len, uint64_t guard)
{
	static const uint8_t opts_at[] = {8, 16, 24, 24, 40}; /* 133-137 */
	const uint8_t *o;

	if (icmp[0] < 133 || icmp[0] > 137 || len < opts_at[icmp[0] - 133])
		return false;
	o = icmp + opts_at[icmp[0] - 133];
	len -= opts_at[icmp[0] - 133];
	while (len >= 8) {
		size_t olen = (size_t)o[1] * 8;

		if (!olen || olen > len)
			return false; /* malformed: every host drops it */
		if ((o[0] == 1 || o[0] == 2) && olen == 8 &&
		    !mac_is(o + 2, guard))
			return true;
		o += olen;
		len -= olen;
	}
	return false;
}

/* A DHCP client message (UDP to 67) whose client hardware address is not
 * @guard's: the DHCP server takes chaddr for the client.  A first
 * fragment cut before chaddr counts too: a server that reassembles would
 * read chaddr from a fragment nobody checked. */
static bool bootp_spoofed(const uint8_t *ip, size_t left, uint64_t guard)
{
	size_t ihl = (size_t)(ip[0] & 0xf) * 4, len;
	const uint8_t *udp = ip + ihl;
	uint32_t frag = get_be32(ip + 6);

	if (ip[9] != IPPROTO_UDP_ || ihl < 20 || left < ihl + 4 ||
	    (frag & 0x1fff0000u) || (udp[2] << 8 | udp[3]) != DHCP_SERVER_PT)
		return false; /* not UDP to 67, or no UDP header to tell */
	len = (size_t)(ip[2] << 8 | ip[3]);
	if (len > left)
		len = left;
	if (len < ihl + 8 + 34)
		return (frag & 0x20000000u) != 0; /* cut short: only whole */
	/* BOOTP: op, htype 1, hlen 6, ..., chaddr at 28 */
	return udp[8 + 1] == 1 && udp[8 + 2] == 6 &&
	       !mac_is(udp + 8 + 28, guard);
}

/**
 * vsw_mac_spoofed() - does a classified frame claim a MAC other than the
 * one its port's MAC guard allows
 * @p: the frame (guest-controlled bytes; @l3_ofs and @ethertype filled in
 *     by the classifier)
 * @guard: the port's guard (VSW_MAC_GUARD_ON | its MAC)
 *
 * Return: true when its Ethernet source, its ARP sender hardware address
 * (Ethernet ARP), a link-layer address option of its IPv6 neighbour
 * discovery message or the client hardware address of its DHCP client
 * message is another MAC; the layers behind any VLAN tags are read, and a
 * frame with more tags than the guards read is taken as spoofed
 */
bool vsw_mac_spoofed(const struct pkt *p, uint64_t guard)
{
	const uint8_t *icmp;
	struct inner in;
	size_t len;
	bool bad;

	if (!mac_is(p->data + 6, guard) || !inner_of(p, &in))
		return true;
	switch (in.type) {
	case ETHERTYPE_ARP:
		/* sender hardware address after htype, ptype, hlen, plen, op */
		return in.left >= 14 && in.l3[4] == 6 &&
		       !mac_is(in.l3 + 8, guard);
	case ETHERTYPE_IPV4:
		return in.left >= 20 && bootp_spoofed(in.l3, in.left, guard);
	case ETHERTYPE_IPV6:
		if (in.left < 40)
			return false;
		icmp = icmp6_of(in.l3, in.left, &len, &bad);
		return bad || (icmp && nd_spoofed(icmp, len, guard));
	default:
		return false;
	}
}

static bool v4_allowed(const struct vsw_ipset *s, uint32_t a)
{
	for (unsigned i = 0; i < s->n4; i++)
		if ((a & s->v4[i].mask) == s->v4[i].addr)
			return true;
	return false;
}

static bool v6_in(const uint8_t *a, const uint8_t *net, unsigned plen)
{
	unsigned bytes = plen / 8, bits = plen % 8;

	if (memcmp(a, net, bytes))
		return false;
	return !bits || !((a[bytes] ^ net[bytes]) & (uint8_t)(0xff00 >> bits));
}

/* Every IPv6 address counts, link-local ones too: a guest that may claim
 * any fe80:: address can claim its router's.  vnetd puts the link-local
 * address made from the port's MAC (modified EUI-64) in the set. */
static bool v6_allowed(const struct vsw_ipset *s, const uint8_t *a)
{
	for (unsigned i = 0; i < s->n6; i++)
		if (v6_in(a, s->v6[i].addr, s->v6[i].plen))
			return true;
	return false;
}

/* 0.0.0.0 is a client without an address: allowed to the DHCP server
 * port only (DISCOVER, REQUEST while it has none). */
static bool v4_spoofed(const struct vsw_ipset *s, const uint8_t *ip,
		       size_t left)
{
	uint32_t src;
	size_t ihl;

	if (left < 20)
		return false; /* not IPv4 enough for any host to take it */
	src = get_be32(ip + 12);
	if (v4_allowed(s, src))
		return false;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	return src || ip[9] != IPPROTO_UDP_ || ihl < 20 || left < ihl + 4 ||
	       (get_be32(ip + 6) & 0x1fff0000u) ||
	       (ip[ihl + 2] << 8 | ip[ihl + 3]) != DHCP_SERVER_PT;
}

/* The source; :: only for ICMPv6 and hop-by-hop options (duplicate
 * address detection and its MLD reports); a neighbour advertisement's
 * target as the source, behind any extension headers. */
static bool v6_spoofed(const struct vsw_ipset *s, const uint8_t *ip6,
		       size_t left)
{
	static const uint8_t any[16];
	const uint8_t *icmp;
	size_t len;
	bool bad;

	if (left < 40)
		return false;
	if (!memcmp(ip6 + 8, any, 16)) {
		if (ip6[6] != IPPROTO_ICMP6 && ip6[6] != IPPROTO_HOPOPT)
			return true;
	} else if (!v6_allowed(s, ip6 + 8)) {
		return true;
	}
	icmp = icmp6_of(ip6, left, &len, &bad);
	return bad || (icmp && icmp[0] == 136 && len >= 24 &&
		       !v6_allowed(s, icmp + 8));
}

/**
 * vsw_ip_spoofed() - does a classified frame use an address its port's IP
 * guard does not allow
 * @p: the frame (guest-controlled bytes; @l3_ofs and @ethertype filled in
 *     by the classifier)
 * @set: the prefixes the port may use
 *
 * Return: true for an IPv4 source not in @set (0.0.0.0 only to UDP port
 * 67), an IPv4-over-Ethernet ARP sender address not in @set (0.0.0.0 is a
 * probe), an IPv6 source not in @set (:: only for ICMPv6 and hop-by-hop
 * options), a neighbour advertisement's target not in @set (behind any
 * extension headers; a chain that could hide one counts as spoofed); the
 * layers behind any VLAN tags are read, and a frame with more tags than
 * the guards read is taken as spoofed
 */
bool vsw_ip_spoofed(const struct pkt *p, const struct vsw_ipset *set)
{
	struct inner in;
	uint32_t spa;

	if (!inner_of(p, &in))
		return true;
	switch (in.type) {
	case ETHERTYPE_IPV4:
		return v4_spoofed(set, in.l3, in.left);
	case ETHERTYPE_IPV6:
		return v6_spoofed(set, in.l3, in.left);
	case ETHERTYPE_ARP:
		/* htype 1, ptype IPv4, hlen 6, plen 4: sender address at 14 */
		if (in.left < 28 || in.l3[2] != 0x08 || in.l3[3] != 0 ||
		    in.l3[4] != 6 || in.l3[5] != 4)
			return false;
		spa = get_be32(in.l3 + 14);
		return spa && !v4_allowed(set, spa);
	default:
		return false;
	}
}
