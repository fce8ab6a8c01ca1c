// SPDX-License-Identifier: GPL-2.0-or-later
/* vnet_hdr.c - finish what checksum and segmentation offloads left undone
 *
 * A frame read from a packet socket or a tap with offloads on may carry a
 * partial checksum (the pseudo-header sum only) or be one large TCP segment
 * that the NIC was meant to cut.  Peers such as DHCP clients silently drop
 * frames with unfinished checksums, so a port that receives them finishes the
 * work before the frame enters the switch.
 */
#include "vnet_hdr.h"

#include <errno.h>
#include <stdint.h>

/**
 * vnet_hdr_csum_complete() - fill in a checksum left partial (NEEDS_CSUM)
 * @h: header that came with the frame (host order fields: tap/packet socket)
 * @frame: frame bytes, writable
 * @len: frame length
 *
 * Return: 0, or -EINVAL when the offsets point outside the frame
 */
int vnet_hdr_csum_complete(const struct virtio_net_hdr *h, uint8_t *frame,
			   size_t len)
{
	size_t start = h->csum_start, off = h->csum_offset;

	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return 0;
	if (start > len || off > len - start || 2 > len - start - off)
		return -EINVAL;
	/* The field holds the pseudo-header sum: summing over it includes it.
	 */
	pkt_put_be16(frame + start + off,
		     csum_fold(csum_partial(frame + start, len - start, 0)));
	return 0;
}

/* Offsets of the headers of a TCP frame, checked against its length. */
struct tcp_frame {
	size_t l3, l4, hdrs;
	bool v6;
};

static int tcp_frame_parse(const uint8_t *frame, size_t len,
			   struct tcp_frame *t)
{
	struct pkt_cursor c;
	uint16_t type;
	const uint8_t *ip, *tcp;

	pkt_cursor_init(&c, frame, len);
	if (!pkt_pull(&c, 12) || !pkt_pull_be16(&c, &type))
		return -EINVAL;
	if (type == ETHERTYPE_VLAN) {
		if (!pkt_pull(&c, 2) || !pkt_pull_be16(&c, &type))
			return -EINVAL;
	}
	t->l3 = len - c.left;
	if (type == ETHERTYPE_IPV4) {
		size_t ihl;

		ip = pkt_peek(&c, 20);
		if (!ip)
			return -EINVAL;
		if (ip[9] != 6 /* TCP */)
			return -EPROTONOSUPPORT;
		ihl = (size_t)(ip[0] & 0xf) * 4;
		if (ihl < 20 || !pkt_pull(&c, ihl))
			return -EINVAL;
		t->v6 = false;
	} else if (type == ETHERTYPE_IPV6) {
		ip = pkt_pull(&c, 40);
		if (!ip)
			return -EINVAL;
		if (ip[6] != 6)
			return -EPROTONOSUPPORT;
		t->v6 = true;
	} else {
		return -EPROTONOSUPPORT;
	}
	t->l4 = len - c.left;
	tcp = pkt_peek(&c, 20);
	if (!tcp)
		return -EINVAL;
	if ((size_t)(tcp[12] >> 4) * 4 < 20 ||
	    !pkt_pull(&c, (size_t)(tcp[12] >> 4) * 4))
		return -EINVAL;
	t->hdrs = len - c.left;
	return 0;
}

static uint32_t pseudo_sum(const uint8_t *ip, bool v6, size_t l4len)
{
	uint32_t sum;

	if (v6) {
		sum = csum_partial(ip + 8, 32, 0);
		sum += (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff);
	} else {
		sum = csum_partial(ip + 12, 8, 0);
		sum += (uint32_t)l4len;
	}
	return sum + 6;
}

/**
 * vnet_hdr_gso_segment() - cut one large TCP frame into MSS-sized frames
 * @h: header that came with the frame
 * @frame: the large frame (read only: it may sit in a kernel ring)
 * @len: its length
 * @off: payload offset to start at (0 the first time); advanced past what was
 *       cut, and set to SIZE_MAX once the whole frame is done
 * @pool: where the segments are allocated
 * @out: filled with the segments
 * @max: room in @out; a frame needing more is cut over several calls
 *
 * Only TCPv4 and TCPv6 are cut; UDP segmentation is refused.
 *
 * Return: number of segments made, -EPROTONOSUPPORT, -EINVAL for bad
 * offsets or sizes, -ENOBUFS when the pool is empty
 */
int vnet_hdr_gso_segment(const struct virtio_net_hdr *h, const uint8_t *frame,
			 size_t len, size_t *off, struct pkt_pool *pool,
			 struct pkt **out, unsigned max)
{
	unsigned type = h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	size_t mss = h->gso_size, payload;
	struct tcp_frame t;
	uint32_t seq;
	unsigned n = 0;
	uint16_t id;
	int ret;

	if (type != VIRTIO_NET_HDR_GSO_TCPV4 &&
	    type != VIRTIO_NET_HDR_GSO_TCPV6)
		return -EPROTONOSUPPORT;
	ret = tcp_frame_parse(frame, len, &t);
	if (ret)
		return ret;
	if (!mss || t.hdrs + mss > PKT_MAX_FRAME)
		return -EINVAL;
	payload = len - t.hdrs;
	if (*off >= payload && payload) {
		*off = SIZE_MAX;
		return 0;
	}
	seq = (uint32_t)frame[t.l4 + 4] << 24 |
	      (uint32_t)frame[t.l4 + 5] << 16 | (uint32_t)frame[t.l4 + 6] << 8 |
	      frame[t.l4 + 7];
	id = t.v6 ? 0 : pkt_get_be16(frame + t.l3 + 4);

	while (n < max) {
		size_t o = *off;
		size_t chunk = payload - o < mss ? payload - o : mss;
		bool last = o + chunk >= payload;
		struct pkt *p = pkt_pool_alloc(pool);
		uint8_t *d, *ip, *tcp;
		uint32_t s = seq + (uint32_t)o;
		size_t l4len;

		if (!p)
			return n ? (int)n : -ENOBUFS;
		d = p->data;
		memcpy(d, frame, t.hdrs);
		memcpy(d + t.hdrs, frame + t.hdrs + o, chunk);
		p->len = (uint32_t)(t.hdrs + chunk);
		ip = d + t.l3;
		tcp = d + t.l4;
		l4len = p->len - t.l4;
		if (t.v6) {
			pkt_put_be16(ip + 4, (uint16_t)(p->len - t.l3 - 40));
		} else {
			pkt_put_be16(ip + 2, (uint16_t)(p->len - t.l3));
			pkt_put_be16(ip + 4, (uint16_t)(id + o / mss));
			pkt_put_be16(ip + 10, 0);
			pkt_put_be16(ip + 10, csum_fold(csum_partial(
						  ip, t.l4 - t.l3, 0)));
		}
		tcp[4] = (uint8_t)(s >> 24);
		tcp[5] = (uint8_t)(s >> 16);
		tcp[6] = (uint8_t)(s >> 8);
		tcp[7] = (uint8_t)s;
		if (o)
			tcp[13] &= ~0x80; /* CWR only on the first segment */
		if (!last)
			tcp[13] &= ~0x09; /* FIN and PSH only on the last */
		pkt_put_be16(tcp + 16, 0);
		pkt_put_be16(tcp + 16,
			     csum_fold(csum_partial(
				 tcp, l4len, pseudo_sum(ip, t.v6, l4len))));
		out[n++] = p;
		if (last) {
			*off = SIZE_MAX;
			break;
		}
		*off = o + chunk;
	}
	return (int)n;
}

/**
 * l4_csum_fill() - compute the TCP or UDP checksum of an IP frame afresh
 * @frame: frame, writable
 * @len: length
 *
 * Used where the kernel's checksum status is not visible (libpcap).
 *
 * Return: 0, or -EPROTONOSUPPORT for frames that are not TCP/UDP over IP
 */
int l4_csum_fill(uint8_t *frame, size_t len)
{
	struct pkt_cursor c;
	const uint8_t *ip;
	uint8_t *l4;
	uint16_t type;
	size_t l4len, hl, iplen;
	uint8_t proto;
	bool v6;
	uint32_t sum;

	pkt_cursor_init(&c, frame, len);
	if (!pkt_pull(&c, 12) || !pkt_pull_be16(&c, &type))
		return -EINVAL;
	if (type == ETHERTYPE_VLAN &&
	    (!pkt_pull(&c, 2) || !pkt_pull_be16(&c, &type)))
		return -EINVAL;
	ip = c.p;
	if (type == ETHERTYPE_IPV4) {
		if (!pkt_peek(&c, 20))
			return -EINVAL;
		if ((ip[6] & 0x3f) || ip[7])
			return -EPROTONOSUPPORT; /* fragments keep theirs */
		hl = (size_t)(ip[0] & 0xf) * 4;
		iplen = pkt_get_be16(ip + 2);
		proto = ip[9];
		v6 = false;
	} else if (type == ETHERTYPE_IPV6) {
		if (!pkt_peek(&c, 40))
			return -EINVAL;
		hl = 40;
		iplen = 40 + (size_t)pkt_get_be16(ip + 4);
		proto = ip[6];
		v6 = true;
	} else {
		return -EPROTONOSUPPORT;
	}
	if (hl < 20 || iplen < hl || iplen > c.left)
		return -EINVAL;
	l4 = (uint8_t *)ip + hl;
	l4len = iplen - hl;
	if (proto == 6 && l4len >= 20) {
		pkt_put_be16(l4 + 16, 0);
		sum = pseudo_sum(ip, v6, l4len);
		pkt_put_be16(l4 + 16, csum_fold(csum_partial(l4, l4len, sum)));
	} else if (proto == 17 && l4len >= 8) {
		if (!v6 && !pkt_get_be16(l4 + 6))
			return 0; /* UDPv4 without a checksum stays so */
		pkt_put_be16(l4 + 6, 0);
		sum = pseudo_sum(ip, v6, l4len) - 6 + 17;
		uint16_t ck = csum_fold(csum_partial(l4, l4len, sum));
		pkt_put_be16(l4 + 6, ck ? ck : 0xffff);
	} else {
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/**
 * pkt_push_vlan() - insert an 802.1Q tag after the MAC addresses, using the
 * pool buffer's headroom
 * @p: pool packet
 * @tci: tag control information
 *
 * Return: 0, or -ENOSPC without headroom (foreign memory)
 */
int pkt_push_vlan(struct pkt *p, uint16_t tci)
{
	if (!p->pool || p->ext || p->data - p->buf < 4)
		return -ENOSPC;
	memmove(p->data - 4, p->data, 12);
	p->data -= 4;
	p->len += 4;
	pkt_put_be16(p->data + 12, ETHERTYPE_VLAN);
	pkt_put_be16(p->data + 14, tci);
	return 0;
}
