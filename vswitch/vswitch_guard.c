// SPDX-License-Identifier: GPL-2.0-or-later
/* vswitch_guard.c - the MAC guard: does a frame from a guest port claim a
 * MAC other than the port's own?  A guest that may send from any MAC can
 * take a neighbour's unicast (the MAC table moves the address to it), and
 * one that may answer ARP or neighbour discovery with another MAC can
 * point its neighbours' caches anywhere. */
#include <string.h>

#include "vswitch_priv.h"

#define ETHERTYPE_ARP  0x0806
#define ETHERTYPE_IPV6 0x86dd
#define IPPROTO_ICMP6  58

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
