// SPDX-License-Identifier: GPL-2.0-or-later
/* nat_icmp.c - the ICMP errors the gateway itself sends as a router: time
 * exceeded for a packet whose TTL ran out (traceroute shows the gateway),
 * fragmentation needed for a DF packet larger than the external MTU (path
 * MTU discovery) */
#include "nat_priv.h"

#include "lib/pkt.h"

#define ICMP_ERR_MAX 576 /* RFC 1812 4.3.2.3: the error fits in 576 bytes */

/**
 * nat_icmp_error() - build the ICMP error a router sends about a packet
 * @pkt: the offending IPv4 packet as it arrived (untrusted)
 * @len: bytes at @pkt: the whole packet, or a copy of at least its first
 *       548 bytes (what the error quotes at most)
 * @type: ICMP type: 3 (destination unreachable) or 11 (time exceeded)
 * @code: its code (3/4: fragmentation needed; 11/0: TTL exceeded)
 * @mtu: next-hop MTU for fragmentation needed, else 0
 * @src: the address the error comes from (the gateway's, on the side the
 *       packet came from)
 * @out: where to write the IPv4 packet
 * @size: bytes at @out
 *
 * The error quotes the packet's header and as much of its data as fits in
 * 576 bytes.  None is built (RFC 1812 4.3.2.7) about a malformed packet,
 * an ICMP error, a fragment other than the first, or a packet from an
 * address never routed (0/8, 127/8, multicast, broadcast).
 *
 * Return: bytes written to @out, 0 when no error may be sent
 */
size_t nat_icmp_error(const uint8_t *pkt, size_t len, uint8_t type,
		      uint8_t code, uint16_t mtu, uint32_t src, uint8_t *out,
		      size_t size)
{
	struct pkt_cursor c;
	const uint8_t *h, *l4;
	size_t hl, tot, quote, n;
	uint32_t dst;

	pkt_cursor_init(&c, pkt, len);
	h = pkt_pull(&c, 20);
	if (!h || h[0] >> 4 != 4 || (h[0] & 15) < 5)
		return 0;
	hl = (size_t)(h[0] & 15) * 4;
	tot = pkt_get_be16(h + 2);
	if (!pkt_pull(&c, hl - 20) || tot < hl ||
	    (tot > len && len < ICMP_ERR_MAX - 28) ||
	    csum_fold(csum_partial(pkt, hl, 0)))
		return 0;
	dst = nat_get_be32(h + 12);
	if (nat_martian(dst))
		return 0;
	if (pkt_get_be16(h + 6) & 0x1fff)
		return 0;
	if (h[9] == NAT_PROTO_ICMP) {
		l4 = pkt_peek(&c, 1);
		if (!l4 || (*l4 != 0 && *l4 != 8))
			return 0; /* about an error, or unknown: stay silent */
	}
	quote = tot < ICMP_ERR_MAX - 28 ? tot : ICMP_ERR_MAX - 28;
	n = 28 + quote;
	if (size < n)
		return 0;
	memset(out, 0, 28);
	out[0] = 0x45;
	pkt_put_be16(out + 2, (uint16_t)n);
	out[8] = 64;
	out[9] = NAT_PROTO_ICMP;
	nat_put_be32(out + 12, src);
	nat_put_be32(out + 16, dst);
	pkt_put_be16(out + 10, csum_fold(csum_partial(out, 20, 0)));
	out[20] = type;
	out[21] = code;
	if (type == 3 && code == 4)
		pkt_put_be16(out + 26, mtu);
	memcpy(out + 28, pkt, quote);
	pkt_put_be16(out + 22, csum_fold(csum_partial(out + 20, n - 20, 0)));
	return n;
}
