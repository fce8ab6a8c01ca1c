// SPDX-License-Identifier: GPL-2.0-or-later
/* vswitch_parse.c - frame classification: parse once, apply port VLAN policy
 *
 * Every frame is untrusted: it may come from a guest.  The parser reads it
 * through the bounds-checked cursor and records offsets once, so later stages
 * never parse again.
 */
#include "vswitch_priv.h"

#include "../lib/util.h"

/**
 * vsw_parse() - check a frame's Ethernet header and record its offsets
 * @p: packet; @tagged, @l3_ofs and @ethertype are filled in
 * @mtu: network MTU: the largest L3 payload accepted
 *
 * Return: VSW_DROP_NONE, or why the frame must be dropped
 */
enum vsw_drop vsw_parse(struct pkt *p, unsigned mtu)
{
	struct pkt_cursor c;
	const uint8_t *eth;
	uint16_t type, tci;

	pkt_cursor_init(&c, p->data, p->len);
	eth = pkt_pull(&c, 12);
	if (!eth || !pkt_pull_be16(&c, &type))
		return VSW_DROP_RUNT;
	p->tagged = 0;
	if (type == ETHERTYPE_VLAN) {
		if (!pkt_pull_be16(&c, &tci) || !pkt_pull_be16(&c, &type))
			return VSW_DROP_RUNT;
		p->tagged = 1;
	}
	/* A super-frame is checked against 64 KB where it came in and leaves
	 * cut for a port that cannot take it whole: its segments, not the
	 * super-frame, must fit the MTU. */
	if (c.left > mtu && !p->ol.gso_type)
		return VSW_DROP_OVERSIZE;
	if (p->ol.gso_type &&
	    (size_t)p->ol.gso_size + p->ol.hdr_len - (p->len - c.left) > mtu)
		return VSW_DROP_OVERSIZE;
	if (mac_is_multicast(eth + 6) || mac_is_zero(eth + 6))
		return VSW_DROP_BAD_SRC_MAC;
	p->ethertype = type;
	p->l3_ofs = (uint16_t)(p->len - c.left);
	return VSW_DROP_NONE;
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
	uint16_t vid = frame_tci(p) & 0xfff;

	switch (v->mode) {
	case VSW_VLAN_ACCESS:
		if (vid) /* priority tags (VID 0) are fine */
			return VSW_DROP_VLAN_TAGGED;
		p->vlan = v->access;
		return VSW_DROP_NONE;
	case VSW_VLAN_TRUNK:
		if (!vid) {
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

/**
 * vsw_is_dhcp_server_msg() - whether a frame carries a DHCP server message
 * (a BOOTREPLY from UDP port 67: OFFER, ACK, NAK, to a client or a relay)
 * @p: classified packet (guest-controlled bytes)
 *
 * Return: true for an unfragmented IPv4 UDP datagram from port 67 whose
 * payload starts with op 2
 */
bool vsw_is_dhcp_server_msg(const struct pkt *p)
{
	struct pkt_cursor c;
	const uint8_t *ip, *udp, *op;
	size_t ihl;

	if (p->ethertype != ETHERTYPE_IPV4 || p->l3_ofs >= p->len)
		return false;
	pkt_cursor_init(&c, p->data + p->l3_ofs, p->len - p->l3_ofs);
	ip = pkt_pull(&c, 20);
	if (!ip || ip[0] >> 4 != 4 || ip[9] != 17)
		return false;
	/* Later fragments have no UDP header; first fragments do. */
	if (pkt_get_be16(ip + 6) & 0x1fff)
		return false;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	if (ihl < 20 || !pkt_pull(&c, ihl - 20))
		return false;
	udp = pkt_pull(&c, 8);
	if (!udp || pkt_get_be16(udp) != 67)
		return false;
	op = pkt_pull(&c, 1);
	return op && *op == 2;
}
