// SPDX-License-Identifier: GPL-2.0-or-later
/* vswitch_guard.c - the MAC and IP guards: does a frame from a guest port
 * claim a MAC other than the port's own, or an address it was not given?
 * A guest that may send from any MAC can take a neighbour's unicast (the
 * MAC table moves the address to it), and one that may answer ARP or
 * neighbour discovery with another MAC or address can point its
 * neighbours' caches anywhere; one that may send from any address can
 * pose as another guest to hosts behind a router, or use up a NAT. */
#include <string.h>

#include "vswitch_priv.h"

#define ETHERTYPE_ARP  0x0806
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define IPPROTO_HOPOPT 0
#define IPPROTO_UDP_   17
#define IPPROTO_ICMP6  58
#define DHCP_SERVER_PT 67

/**
 * vsw_mac_u64() - a MAC as a number (first byte highest)
 * @mac: the MAC
 *
 * Return: its 48 bits
 */
uint64_t vsw_mac_u64(const uint8_t mac[6])
{
	uint64_t v = 0;

	for (int i = 0; i < 6; i++)
		v = v << 8 | mac[i];
	return v;
}

static bool mac_is(const uint8_t *b, uint64_t guard)
{
	return vsw_mac_u64(b) == (guard & (VSW_MAC_GUARD_ON - 1));
}

/* An IPv6 neighbour discovery message (RFC 4861: router solicitation and
 * advertisement, neighbour solicitation and advertisement, redirect) with
 * a source or target link-layer address option that is not @guard's. */
static bool nd_spoofed(const uint8_t *ip6, size_t left, uint64_t guard)
{
	static const uint8_t opts_at[] = {8, 16, 24, 24,
					  40}; /* types 133-137 */
	const uint8_t *icmp = ip6 + 40, *o;
	size_t len;

	if (left < 40 + 8 || ip6[6] != IPPROTO_ICMP6 || icmp[0] < 133 ||
	    icmp[0] > 137)
		return false; /* not neighbour discovery (RFC 6980: never in
			       * extension headers or fragments) */
	len = (size_t)ip6[4] << 8 | ip6[5];
	if (len > left - 40)
		len = left - 40;
	if (len < opts_at[icmp[0] - 133])
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

/**
 * vsw_mac_spoofed() - does a classified frame claim a MAC other than the
 * one its port's MAC guard allows
 * @p: the frame (guest-controlled bytes; @l3_ofs and @ethertype filled in
 *     by the classifier)
 * @guard: the port's guard (VSW_MAC_GUARD_ON | its MAC)
 *
 * Return: true when its Ethernet source, its ARP sender hardware address
 * (Ethernet ARP) or a link-layer address option of its IPv6 neighbour
 * discovery message is another MAC
 */
bool vsw_mac_spoofed(const struct pkt *p, uint64_t guard)
{
	const uint8_t *l3 = p->data + p->l3_ofs;
	size_t left = p->l3_ofs <= p->len ? p->len - p->l3_ofs : 0;

	if (!mac_is(p->data + 6, guard))
		return true;
	if (p->ethertype == ETHERTYPE_ARP)
		/* sender hardware address after htype, ptype, hlen, plen, op */
		return left >= 14 && l3[4] == 6 && !mac_is(l3 + 8, guard);
	if (p->ethertype == ETHERTYPE_IPV6)
		return nd_spoofed(l3, left, guard);
	return false;
}

static uint32_t get_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
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

/* Link-local addresses (fe80::/10) are every interface's own, made from
 * whatever the guest likes (RFC 7217): always allowed. */
static bool v6_allowed(const struct vsw_ipset *s, const uint8_t *a)
{
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return true;
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
 * target as the source. */
static bool v6_spoofed(const struct vsw_ipset *s, const uint8_t *ip6,
		       size_t left)
{
	static const uint8_t any[16];
	const uint8_t *icmp = ip6 + 40;

	if (left < 40)
		return false;
	if (!memcmp(ip6 + 8, any, 16)) {
		if (ip6[6] != IPPROTO_ICMP6 && ip6[6] != IPPROTO_HOPOPT)
			return true;
	} else if (!v6_allowed(s, ip6 + 8)) {
		return true;
	}
	return ip6[6] == IPPROTO_ICMP6 && left >= 40 + 24 && icmp[0] == 136 &&
	       !v6_allowed(s, icmp + 8);
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
 * probe), an IPv6 source neither link-local nor in @set (:: only for ICMPv6
 * and hop-by-hop options), a neighbour advertisement's target likewise
 */
bool vsw_ip_spoofed(const struct pkt *p, const struct vsw_ipset *set)
{
	const uint8_t *l3 = p->data + p->l3_ofs;
	size_t left = p->l3_ofs <= p->len ? p->len - p->l3_ofs : 0;
	uint32_t spa;

	switch (p->ethertype) {
	case ETHERTYPE_IPV4:
		return v4_spoofed(set, l3, left);
	case ETHERTYPE_IPV6:
		return v6_spoofed(set, l3, left);
	case ETHERTYPE_ARP:
		/* htype 1, ptype IPv4, hlen 6, plen 4: sender address at 14 */
		if (left < 28 || l3[2] != 0x08 || l3[3] != 0 || l3[4] != 6 ||
		    l3[5] != 4)
			return false;
		spa = get_be32(l3 + 14);
		return spa && !v4_allowed(set, spa);
	default:
		return false;
	}
}
