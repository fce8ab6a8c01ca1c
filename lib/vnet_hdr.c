// SPDX-License-Identifier: GPL-2.0-or-later
/* vnet_hdr.c - checksum and segmentation offloads between ports
 *
 * A frame read from a guest, a packet socket or a tap with offloads on may
 * carry a partial checksum (the pseudo-header sum only) or be one large TCP
 * or UDP super-frame that a NIC was meant to cut.  The switch carries that
 * state with the packet (struct pkt_offload): an egress that can take it gets
 * the frame whole with its header rebuilt, any other gets MSS-sized segments
 * with finished checksums (peers such as DHCP clients silently drop frames
 * with unfinished ones).  Headers come from guests: every field is checked
 * against the frame and the offloads the sender negotiated before use.
 */
#include "vnet_hdr.h"

#include <endian.h>
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

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

/* Offsets of the headers of a TCP or UDP frame, checked against its
 * length; in a UDP tunnel (@tnl) @l3 to @hdrs are the inner headers and
 * @ol3, @ol4 the outer IP and UDP headers */
struct l4_frame {
	size_t l3, l4, hdrs;
	bool v6;
	uint8_t proto;
	bool tnl, ov6;
	size_t ol3, ol4;
};

static int l4_frame_parse(const uint8_t *frame, size_t len, struct l4_frame *t)
{
	struct pkt_cursor c;
	uint16_t type;
	const uint8_t *ip, *l4;

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
		t->proto = ip[9];
		if (t->proto != 6 && t->proto != 17)
			return -EPROTONOSUPPORT;
		if ((ip[6] & 0x3f) || ip[7])
			return -EINVAL; /* a fragment is never a super-frame */
		ihl = (size_t)(ip[0] & 0xf) * 4;
		if (ihl < 20 || !pkt_pull(&c, ihl))
			return -EINVAL;
		t->v6 = false;
	} else if (type == ETHERTYPE_IPV6) {
		ip = pkt_pull(&c, 40);
		if (!ip)
			return -EINVAL;
		t->proto = ip[6];
		if (t->proto != 6 && t->proto != 17)
			return -EPROTONOSUPPORT;
		t->v6 = true;
	} else {
		return -EPROTONOSUPPORT;
	}
	t->l4 = len - c.left;
	if (t->proto == 17) {
		if (!pkt_pull(&c, 8))
			return -EINVAL;
	} else {
		l4 = pkt_peek(&c, 20);
		if (!l4)
			return -EINVAL;
		if ((size_t)(l4[12] >> 4) * 4 < 20 ||
		    !pkt_pull(&c, (size_t)(l4[12] >> 4) * 4))
			return -EINVAL;
	}
	t->hdrs = len - c.left;
	return 0;
}

/*
 * A TCP super-frame inside a UDP tunnel (VXLAN, Geneve: Linux's
 * SKB_GSO_UDP_TUNNEL and _CSUM).  A packet socket's virtio-net header has
 * no word for it: it gives the inner type (TCPV4 or TCPV6, @v6) and puts
 * the partial checksum at the inner TCP header (@start), past the outer
 * UDP header.  The bytes between the outer UDP header and the inner IP
 * header (the tunnel's own header and an inner Ethernet header) are copied
 * to every segment unchanged, as skb_udp_tunnel_segment() does; the inner
 * IP header is the one that ends at @start (IPv4: with options; IPv6:
 * without extension headers) and carries TCP.  Its lengths and checksum
 * are checked later (gso_lengths_ok()), which no tunnel header that merely
 * looks like one passes.  @t is filled in from the outer parse @o.
 */
static int tnl_frame_parse(const uint8_t *frame, size_t len, size_t start,
			   bool v6, const struct l4_frame *o,
			   struct l4_frame *t)
{
	size_t l3 = 0, doff;

	if (o->proto != 17 || start < o->hdrs || start > len ||
	    len - start < 20)
		return -EPROTONOSUPPORT;
	if (v6) {
		if (start - o->hdrs >= 40 && frame[start - 40] >> 4 == 6 &&
		    frame[start - 40 + 6] == 6)
			l3 = start - 40;
	} else {
		for (size_t ihl = 20; ihl <= 60 && !l3; ihl += 4) {
			const uint8_t *ip;

			if (start - o->hdrs < ihl)
				break;
			ip = frame + start - ihl;
			if (ip[0] == 0x40 + ihl / 4 && ip[9] == 6 &&
			    !(ip[6] & 0x3f) && !ip[7])
				l3 = start - ihl;
		}
	}
	if (!l3)
		return -EPROTONOSUPPORT;
	doff = (size_t)(frame[start + 12] >> 4) * 4;
	if (doff < 20 || doff > len - start)
		return -EINVAL;
	*t = (struct l4_frame){.l3 = l3,
			       .l4 = start,
			       .hdrs = start + doff,
			       .v6 = v6,
			       .proto = 6,
			       .tnl = true,
			       .ov6 = o->v6,
			       .ol3 = o->l3,
			       .ol4 = o->l4};
	return 0;
}

/* The headers of super-frame @frame of virtio-net GSO type @type, partial
 * checksum at @start (SIZE_MAX: none): a TCP or UDP frame, or a TCP one in
 * a UDP tunnel when @tnl allows it.  -EPROTONOSUPPORT: not of that type. */
static int gso_frame_parse(const uint8_t *frame, size_t len, unsigned type,
			   size_t start, bool tnl, struct l4_frame *t)
{
	bool tcp = type == VIRTIO_NET_HDR_GSO_TCPV4 ||
		   type == VIRTIO_NET_HDR_GSO_TCPV6;
	struct l4_frame o;
	int ret;

	ret = l4_frame_parse(frame, len, &o);
	if (ret)
		return ret;
	if (tcp && tnl && o.proto == 17 && start != o.l4)
		return tnl_frame_parse(frame, len, start,
				       type == VIRTIO_NET_HDR_GSO_TCPV6, &o, t);
	if (o.proto != (tcp ? 6 : 17))
		return -EPROTONOSUPPORT;
	*t = o;
	t->tnl = false;
	return 0;
}

/*
 * Whether a partial checksum may be finished where the header puts its
 * field (@start + @cofs, inside the frame).  Finishing writes two bytes
 * chosen by the sender after the switch has judged the frame, so the field
 * must be the TCP or UDP checksum of an L4 header that starts at @start,
 * or be summed from no earlier than the L4 header and lie past every byte
 * the switch judges a frame by: the Ethernet header and VLAN tag, the IP
 * header (IPv6: with its extension headers), the TCP or UDP header, over
 * IPv4 UDP a DHCP message through its chaddr (the DHCP and MAC guards),
 * over IPv6 UDP a DHCPv6 type.  ICMP and ICMPv6 (the router guard,
 * neighbour discovery under the MAC and IP guards) take one only in their
 * own checksum field.  A tunnel's inner checksum is the usual case past
 * them.  Frames that are not IP never carry one.
 */
static bool csum_field_ok(const uint8_t *f, size_t len, size_t start,
			  size_t cofs)
{
	struct l4_frame t;
	size_t l3 = 14, l4, judged;
	uint16_t type;
	uint8_t proto;

	if (!l4_frame_parse(f, len, &t) && start == t.l4 &&
	    cofs == (t.proto == 17 ? 6u : 16u))
		return true;
	if (len < 18)
		return false;
	type = pkt_get_be16(f + 12);
	if (type == ETHERTYPE_VLAN) {
		type = pkt_get_be16(f + 16);
		l3 = 18;
	}
	if (type == ETHERTYPE_IPV4 && len >= l3 + 20) {
		/* The guards read a 20-byte header whatever it says of
		 * itself: one that is not IPv4 or shorter keeps no field
		 * (a field placed in its addresses would rewrite them). */
		if ((f[l3] >> 4) != 4 || (f[l3] & 15) < 5)
			return false;
		l4 = l3 + (size_t)(f[l3] & 15) * 4;
		proto = f[l3 + 9];
	} else if (type == ETHERTYPE_IPV6 && len >= l3 + 40) {
		l4 = l3 + 40;
		proto = f[l3 + 6];
		/* The DHCP guard reads past extension headers (hop-by-hop 0,
		 * routing 43, fragment 44, authentication 51, destination
		 * options 60): so does this; a chain longer than the guard
		 * walks, or cut short, keeps no field. */
		for (unsigned n = 0;
		     proto < 64 && ((PKT_IP6_EXT_MASK >> proto) & 1); n++) {
			size_t hl;

			if (n == PKT_IP6_MAX_EXTS || len - l4 < 8)
				return false;
			hl = pkt_ip6_ext_len(proto, f + l4);
			if (len - l4 < hl)
				return false;
			proto = f[l4];
			l4 += hl;
		}
		/* Behind them, an L4 header's own checksum. */
		if (l4 != l3 + 40 && start == l4 &&
		    ((proto == 17 && cofs == 6) || (proto == 6 && cofs == 16)))
			return true;
	} else {
		return false;
	}
	if (start < l4)
		return false;
	switch (proto) {
	case 1:
	case 58:
		return start == l4 && cofs == 2;
	case 6:
		judged = l4 + 60;
		break;
	case 17: /* BOOTP op .. chaddr, or a DHCPv6 type */
		judged = l4 + 8 + (type == ETHERTYPE_IPV4 ? 34 : 1);
		break;
	default:
		judged = l4;
		break;
	}
	return start + cofs >= judged;
}

static uint32_t pseudo_sum(const uint8_t *ip, bool v6, size_t l4len,
			   uint8_t proto)
{
	uint32_t sum;

	if (v6) {
		sum = csum_partial(ip + 8, 32, 0);
		sum += (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff);
	} else {
		sum = csum_partial(ip + 12, 8, 0);
		sum += (uint32_t)l4len;
	}
	return sum + proto;
}

/* Set the length of the IP header at @ip (@hl bytes) to cover the
 * segment's last @left bytes from it; IPv4: the @k-th segment's id (the
 * super-frame's plus @k) and the header checksum */
static void seg_ip_fix(uint8_t *ip, size_t hl, bool v6, size_t left, unsigned k)
{
	if (v6) {
		pkt_put_be16(ip + 4, (uint16_t)(left - 40));
		return;
	}
	pkt_put_be16(ip + 2, (uint16_t)left);
	pkt_put_be16(ip + 4, (uint16_t)(pkt_get_be16(ip + 4) + k));
	pkt_put_be16(ip + 10, 0);
	pkt_put_be16(ip + 10, csum_fold(csum_partial(ip, hl, 0)));
}

/* Set the length of the UDP header at @l4 to the last @l4len bytes of the
 * segment and its checksum afresh, over the IP header at @ip; an IPv4
 * datagram sent without a checksum (0, as a tunnel may) stays so. */
static void seg_udp_fix(const uint8_t *ip, bool v6, uint8_t *l4, size_t l4len)
{
	uint16_t ck;

	pkt_put_be16(l4 + 4, (uint16_t)l4len);
	if (!v6 && !pkt_get_be16(l4 + 6))
		return;
	pkt_put_be16(l4 + 6, 0);
	ck = csum_fold(csum_partial(l4, l4len, pseudo_sum(ip, v6, l4len, 17)));
	pkt_put_be16(l4 + 6, ck ? ck : 0xffff);
}

/* Fix the IP and L4 headers of the @k-th segment built by gso_cut(): the
 * inner ones first, then in a tunnel the outer IP and UDP headers, whose
 * checksum covers the finished inner ones (skb_udp_tunnel_segment()). */
static void seg_fix(uint8_t *d, size_t len, const struct l4_frame *t,
		    unsigned k, uint32_t seq, bool first, bool last)
{
	uint8_t *ip = d + t->l3, *l4 = d + t->l4;
	size_t l4len = len - t->l4;

	seg_ip_fix(ip, t->l4 - t->l3, t->v6, len - t->l3, k);
	if (t->proto == 17) {
		/* A UDP super-frame's segments all carry a checksum. */
		pkt_put_be16(l4 + 6, 0xffff);
		seg_udp_fix(ip, t->v6, l4, l4len);
		return;
	}
	l4[4] = (uint8_t)(seq >> 24);
	l4[5] = (uint8_t)(seq >> 16);
	l4[6] = (uint8_t)(seq >> 8);
	l4[7] = (uint8_t)seq;
	if (!first)
		l4[13] &= ~0x80; /* CWR only on the first segment */
	if (!last)
		l4[13] &= ~0x09; /* FIN and PSH only on the last */
	pkt_put_be16(l4 + 16, 0);
	pkt_put_be16(l4 + 16, csum_fold(csum_partial(
				  l4, l4len, pseudo_sum(ip, t->v6, l4len, 6))));
	if (t->tnl) {
		seg_ip_fix(d + t->ol3, t->ol4 - t->ol3, t->ov6, len - t->ol3,
			   k);
		seg_udp_fix(d + t->ol3, t->ov6, d + t->ol4, len - t->ol4);
	}
}

/* Cut a parsed super-frame into @mss-payload segments from payload offset
 * *@off on; see vnet_hdr_segment(). @tmpl, when set, lends its switch
 * metadata (port, VLAN, offsets) to every segment. */
static int gso_cut(const uint8_t *frame, size_t len, const struct l4_frame *t,
		   size_t mss, size_t *off, struct pkt_pool *pool,
		   const struct pkt *tmpl, struct pkt **out, unsigned max)
{
	size_t payload = len - t->hdrs;
	uint32_t seq = 0;
	unsigned n = 0;

	if (!mss || t->hdrs + mss > PKT_MAX_FRAME || t->hdrs > len)
		return -EINVAL;
	if (*off && *off >= payload) {
		*off = SIZE_MAX;
		return 0;
	}
	if (t->proto == 6)
		seq = (uint32_t)frame[t->l4 + 4] << 24 |
		      (uint32_t)frame[t->l4 + 5] << 16 |
		      (uint32_t)frame[t->l4 + 6] << 8 | frame[t->l4 + 7];

	while (n < max) {
		size_t o = *off;
		size_t chunk = payload - o < mss ? payload - o : mss;
		bool last = o + chunk >= payload;
		struct pkt *p = pkt_pool_alloc(pool);

		if (!p)
			return n ? (int)n : -ENOBUFS;
		memcpy(p->data, frame, t->hdrs);
		memcpy(p->data + t->hdrs, frame + t->hdrs + o, chunk);
		p->len = (uint32_t)(t->hdrs + chunk);
		seg_fix(p->data, p->len, t, (unsigned)(o / mss),
			seq + (uint32_t)o, !o, last);
		if (tmpl) {
			p->in_port = tmpl->in_port;
			p->in_trusted = tmpl->in_trusted;
			p->vlan = tmpl->vlan;
			p->l3_ofs = tmpl->l3_ofs;
			p->ethertype = tmpl->ethertype;
			p->tagged = tmpl->tagged;
		}
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
 * vnet_hdr_gso_segment() - cut one large TCP or UDP frame into MSS-sized
 * frames
 * @h: header that came with the frame
 * @frame: the large frame (read only: it may sit in a kernel ring)
 * @len: its length
 * @off: payload offset to start at (0 the first time); advanced past what was
 *       cut, and set to SIZE_MAX once the whole frame is done
 * @pool: where the segments are allocated
 * @out: filled with the segments
 * @max: room in @out; a frame needing more is cut over several calls
 *
 * TCPv4, TCPv6 and UDP (GSO_UDP_L4, over either IP version: each segment a
 * datagram with its own UDP header and checksum) are cut here, for frames
 * from uplinks and captures, and TCP inside a UDP tunnel (the partial
 * checksum at the inner TCP header: see tnl_frame_parse()); a UDP frame may
 * make no more segments than a sender's UDP_SEGMENT does
 * (VNET_HDR_MAX_UDP_SEGS).
 *
 * Return: number of segments made, -EPROTONOSUPPORT (UFO, unknown types, a
 * type the headers do not match), -EINVAL for bad offsets or sizes,
 * -ENOBUFS when the pool is empty
 */
int vnet_hdr_gso_segment(const struct virtio_net_hdr *h, const uint8_t *frame,
			 size_t len, size_t *off, struct pkt_pool *pool,
			 struct pkt **out, unsigned max)
{
	unsigned type = h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	struct l4_frame t;
	int ret;

	if (type != VIRTIO_NET_HDR_GSO_TCPV4 &&
	    type != VIRTIO_NET_HDR_GSO_TCPV6 &&
	    type != VIRTIO_NET_HDR_GSO_UDP_L4)
		return -EPROTONOSUPPORT;
	ret = gso_frame_parse(
	    frame, len, type,
	    h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM ? h->csum_start : SIZE_MAX,
	    true, &t);
	if (ret)
		return ret;
	if (t.proto == 17 && h->gso_size &&
	    (len - t.hdrs + h->gso_size - 1) / h->gso_size >
		VNET_HDR_MAX_UDP_SEGS)
		return -EINVAL;
	return gso_cut(frame, len, &t, h->gso_size, off, pool, NULL, out, max);
}

/*
 * Whether a super-frame's length fields describe the frame: the IPv4 total
 * length or IPv6 payload length, and for UDP the datagram length, must count
 * exactly the bytes after their header.  Cutting rewrites them per segment,
 * but a frame passed whole reaches a guest or a tap as its sender wrote it,
 * and Linux trims a frame to its IP length or drops it when that is larger
 * (ip_rcv_core(), ipv6_rcv(), __udp4_lib_rcv()), and cuts a UDP super-frame
 * by replacing the UDP length in the pseudo-header sum (__udp_gso_segment()):
 * a wrong one gives segments with wrong checksums.  Every sender writes them
 * from the frame's length (Linux's __ip_local_out(), ip6_xmit() and
 * udp_send_skb(); GRO's inet_gro_complete() and udp_gro_complete(); Windows'
 * netkvm fills a zero IP length in before it sends), and a super-frame is
 * never padded.  Lengths past 64 KB (BIG TCP's zero length) never reach
 * here: such frames are gso_too_big.
 */
static bool gso_lengths_ok(const uint8_t *f, size_t len,
			   const struct l4_frame *t)
{
	size_t ip_len = t->v6 ? (size_t)pkt_get_be16(f + t->l3 + 4) + 40
			      : pkt_get_be16(f + t->l3 + 2);

	if (ip_len != len - t->l3)
		return false;
	if (t->tnl) { /* the outer headers too */
		ip_len = t->ov6 ? (size_t)pkt_get_be16(f + t->ol3 + 4) + 40
				: pkt_get_be16(f + t->ol3 + 2);
		return ip_len == len - t->ol3 &&
		       pkt_get_be16(f + t->ol4 + 4) == len - t->ol4;
	}
	return t->proto != 17 || pkt_get_be16(f + t->l4 + 4) == len - t->l4;
}

/**
 * vnet_hdr_to_pkt() - check the virtio-net header a frame came with and
 * record its offload state in the packet
 * @h: header (little-endian fields: virtio 1, or a tap on a little-endian
 *     host); untrusted, from a guest or the kernel
 * @allowed: VNET_OL_* the sender negotiated and may use
 * @p: packet whose @data and @len hold the frame; @ol is set
 *
 * A super-frame must carry a partial checksum that starts at its L4 header
 * (in a UDP tunnel, when @allowed has VNET_OL_UDP_TNL: the inner TCP
 * header; the frame then takes PKT_OL_UDP_TNL) and headers that match its
 * type, IP and UDP lengths that count the frame's
 * bytes and a correct IPv4 header checksum (a receiving stack drops or trims
 * frames without), so that any egress can be given it whole or cut.  The
 * frame may live in guest memory: segmentation parses it again.  A frame
 * with a GSO type but no more payload than gso_size (packetdrill's, or a
 * stack's that sets the type on every frame of a flow) passes the same
 * checks and is then taken as a plain frame with a partial checksum.
 *
 * Return: VNET_HDR_OK, or why the frame must be dropped
 */
enum vnet_hdr_err vnet_hdr_to_pkt(const struct virtio_net_hdr *h,
				  unsigned allowed, struct pkt *p)
{
	size_t start = le16toh(h->csum_start), cofs = le16toh(h->csum_offset);
	size_t mss = le16toh(h->gso_size), len = p->len;
	unsigned type = h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	bool ecn = h->gso_type & VIRTIO_NET_HDR_GSO_ECN;
	struct pkt_offload ol = {0};
	struct l4_frame t;
	unsigned need;

	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if (!(allowed & VNET_OL_CSUM))
			return VNET_HDR_ERR_OFFLOAD_NOT_NEGOTIATED;
		if (start > len || cofs > len - start || 2 > len - start - cofs)
			return VNET_HDR_ERR_CSUM_OUT_OF_FRAME;
		ol.flags = PKT_OL_NEEDS_CSUM;
		ol.csum_start = (uint16_t)start;
		ol.csum_offset = (uint16_t)cofs;
	}
	switch (type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		/* The ECN bit qualifies a GSO type; alone it is no type
		 * (Linux's virtio_net_hdr_to_skb() refuses it too). */
		if (ecn)
			return VNET_HDR_ERR_OFFLOAD_NOT_NEGOTIATED;
		if (ol.flags && !csum_field_ok(p->data, len, start, cofs))
			return VNET_HDR_ERR_CSUM_OUT_OF_FRAME;
		p->ol = ol;
		return VNET_HDR_OK;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		need = VNET_OL_TSO4;
		ol.gso_type = PKT_GSO_TCPV4;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		need = VNET_OL_TSO6;
		ol.gso_type = PKT_GSO_TCPV6;
		break;
	case VIRTIO_NET_HDR_GSO_UDP_L4:
		need = VNET_OL_USO;
		ol.gso_type = PKT_GSO_UDP_L4;
		break;
	default: /* UFO and unknown types are never offered */
		return VNET_HDR_ERR_OFFLOAD_NOT_NEGOTIATED;
	}
	if (ecn) {
		need |= VNET_OL_ECN;
		ol.flags |= PKT_OL_ECN;
	}
	if ((allowed & need) != need)
		return VNET_HDR_ERR_OFFLOAD_NOT_NEGOTIATED;
	if (len > PKT_GSO_MAX_FRAME)
		return VNET_HDR_ERR_GSO_TOO_BIG;
	if (!mss)
		return VNET_HDR_ERR_BAD_GSO_SIZE;
	if (!(ol.flags & PKT_OL_NEEDS_CSUM) ||
	    gso_frame_parse(p->data, len, type, start,
			    allowed & VNET_OL_UDP_TNL, &t) ||
	    (ol.gso_type == PKT_GSO_TCPV4 && t.v6) ||
	    (ol.gso_type == PKT_GSO_TCPV6 && !t.v6) || start != t.l4 ||
	    cofs != (t.proto == 17 ? 6u : 16u) || t.hdrs > UINT8_MAX)
		return VNET_HDR_ERR_GSO_BAD_FRAME;
	if (!gso_lengths_ok(p->data, len, &t))
		return VNET_HDR_ERR_GSO_BAD_LENGTH;
	if (!t.v6 && csum_fold(csum_partial(p->data + t.l3, t.l4 - t.l3, 0)))
		return VNET_HDR_ERR_GSO_BAD_IP_CSUM;
	if (t.tnl) {
		ol.flags |= PKT_OL_UDP_TNL;
		if (!t.ov6 &&
		    csum_fold(csum_partial(p->data + t.ol3, t.ol4 - t.ol3, 0)))
			return VNET_HDR_ERR_GSO_BAD_IP_CSUM;
	}
	/* No more payload than one segment's: not a super-frame (Linux's
	 * virtio_net_hdr_to_skb() drops the GSO fields of such a frame too),
	 * but a plain frame with its partial checksum, which no egress cuts
	 * into one segment and no gso_size rule below is about.  Not in a
	 * tunnel: its outer UDP checksum is partial too, and only cutting
	 * (into one segment) finishes both. */
	if (len - t.hdrs <= mss && !t.tnl) {
		ol.gso_type = PKT_GSO_NONE;
		ol.flags = PKT_OL_NEEDS_CSUM;
		p->ol = ol;
		return VNET_HDR_OK;
	}
	if (t.hdrs + mss > PKT_MAX_FRAME)
		return VNET_HDR_ERR_BAD_GSO_SIZE; /* segments fit no buffer */
	/* One frame may not turn into more segments than a peer's stack
	 * makes: TCP's smallest MSS (48, Linux's tcp_min_snd_mss), UDP's
	 * segment limit (128, UDP_MAX_SEGMENTS). */
	if (t.proto == 6
		? mss < VNET_HDR_MIN_TCP_MSS
		: (len - t.hdrs + mss - 1) / mss > VNET_HDR_MAX_UDP_SEGS)
		return VNET_HDR_ERR_BAD_GSO_SIZE;
	/* A tunnel's frame of one segment is cut as one of its own size:
	 * the switch judges a super-frame's MTU by gso_size. */
	if (len - t.hdrs < mss)
		mss = len - t.hdrs ? len - t.hdrs : 1;
	ol.gso_size = (uint16_t)mss;
	ol.hdr_len = (uint8_t)t.hdrs;
	p->ol = ol;
	return VNET_HDR_OK;
}

/**
 * vnet_hdr_from_pkt() - the virtio-net header a frame leaves a port with
 * @p: packet
 * @tci: tag it is sent with (pkt_tx_iov()); offsets move with the tag
 * @h: filled in, little-endian fields
 */
void vnet_hdr_from_pkt(const struct pkt *p, uint16_t tci,
		       struct virtio_net_hdr *h)
{
	static const uint8_t types[] = {
	    [PKT_GSO_NONE] = VIRTIO_NET_HDR_GSO_NONE,
	    [PKT_GSO_TCPV4] = VIRTIO_NET_HDR_GSO_TCPV4,
	    [PKT_GSO_TCPV6] = VIRTIO_NET_HDR_GSO_TCPV6,
	    [PKT_GSO_UDP_L4] = VIRTIO_NET_HDR_GSO_UDP_L4,
	};
	int delta = (int)pkt_tx_len(p, tci) - (int)p->len;

	*h = (struct virtio_net_hdr){0};
	if (p->ol.flags & PKT_OL_NEEDS_CSUM) {
		h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h->csum_start = htole16((uint16_t)(p->ol.csum_start + delta));
		h->csum_offset = htole16(p->ol.csum_offset);
	}
	if (p->ol.gso_type && p->ol.gso_type < sizeof(types)) {
		h->gso_type = types[p->ol.gso_type];
		if (p->ol.flags & PKT_OL_ECN)
			h->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
		h->gso_size = htole16(p->ol.gso_size);
		h->hdr_len = htole16((uint16_t)(p->ol.hdr_len + delta));
	}
}

/**
 * vnet_hdr_fits() - whether an egress can take a frame as it is
 * @p: packet
 * @caps: VNET_OL_* the egress takes on transmit
 *
 * Return: true when the frame needs neither cutting nor a finished checksum
 */
bool vnet_hdr_fits(const struct pkt *p, unsigned caps)
{
	static const unsigned need[] = {
	    [PKT_GSO_NONE] = 0,
	    [PKT_GSO_TCPV4] = VNET_OL_TSO4,
	    [PKT_GSO_TCPV6] = VNET_OL_TSO6,
	    [PKT_GSO_UDP_L4] = VNET_OL_USO,
	};
	unsigned want = p->ol.gso_type < 4 ? need[p->ol.gso_type] : ~0u;

	if (p->ol.flags & PKT_OL_NEEDS_CSUM)
		want |= VNET_OL_CSUM;
	if (p->ol.gso_type && (p->ol.flags & PKT_OL_ECN))
		want |= VNET_OL_ECN;
	if (p->ol.flags & PKT_OL_UDP_TNL)
		want |= VNET_OL_UDP_TNL;
	return (caps & want) == want;
}

/**
 * vnet_hdr_segment() - cut a super-frame into frames of its segment size
 * with finished checksums, for an egress without the offload
 * @p: super-frame (vnet_hdr_to_pkt() accepted it); left untouched
 * @off: payload offset to start at (0 the first time); advanced past what was
 *       cut, and set to SIZE_MAX once the whole frame is done
 * @pool: where the segments are allocated
 * @out: filled with the segments, which carry @p's switch metadata
 * @max: room in @out; a frame needing more is cut over several calls
 *
 * The frame is parsed again: it may sit in guest memory that changed since.
 *
 * Return: number of segments made, -EINVAL when the frame no longer matches
 * its type, -ENOBUFS when the pool is empty
 */
int vnet_hdr_segment(const struct pkt *p, size_t *off, struct pkt_pool *pool,
		     struct pkt **out, unsigned max)
{
	struct l4_frame t;

	static const uint8_t types[] = {
	    [PKT_GSO_TCPV4] = VIRTIO_NET_HDR_GSO_TCPV4,
	    [PKT_GSO_TCPV6] = VIRTIO_NET_HDR_GSO_TCPV6,
	    [PKT_GSO_UDP_L4] = VIRTIO_NET_HDR_GSO_UDP_L4,
	};
	bool tnl = p->ol.flags & PKT_OL_UDP_TNL;

	/* Parsed again (a guest may have changed its memory since), it must
	 * still have the headers vnet_hdr_to_pkt() accepted: the payload
	 * offsets of every call of a frame cut over several rest on them. */
	if (!p->ol.gso_type || p->ol.gso_type >= sizeof(types) ||
	    gso_frame_parse(p->data, p->len, types[p->ol.gso_type],
			    p->ol.csum_start, tnl, &t) ||
	    t.tnl != tnl || t.hdrs != p->ol.hdr_len || t.l4 != p->ol.csum_start)
		return -EINVAL;
	return gso_cut(p->data, p->len, &t, p->ol.gso_size, off, pool, p, out,
		       max);
}

/**
 * vnet_hdr_finish_csum() - fill in a frame's partial checksum for an egress
 * that cannot
 * @p: packet with PKT_OL_NEEDS_CSUM and no segmentation
 * @pool: where a copy comes from
 * @copy: set to a finished copy when @p cannot be written (guest memory), or
 *        NULL when @p itself was finished (every later egress sees it so)
 *
 * Return: 0, -EINVAL for offsets outside the frame, -ENOBUFS
 */
int vnet_hdr_finish_csum(struct pkt *p, struct pkt_pool *pool,
			 struct pkt **copy)
{
	size_t start = p->ol.csum_start, cofs = p->ol.csum_offset;
	struct pkt *c = p;

	*copy = NULL;
	if (start > p->len || cofs > p->len - start ||
	    2 > p->len - start - cofs)
		return -EINVAL;
	if (!p->pool || p->ext) {
		c = p->len > PKT_MAX_FRAME ? pkt_pool_alloc_big(pool)
					   : pkt_pool_alloc(pool);
		if (!c)
			return -ENOBUFS;
		memcpy(c->data, p->data, p->len);
		c->len = p->len;
		c->in_port = p->in_port;
		c->in_trusted = p->in_trusted;
		c->vlan = p->vlan;
		c->l3_ofs = p->l3_ofs;
		c->ethertype = p->ethertype;
		c->tagged = p->tagged;
		*copy = c;
	}
	/* The field holds the pseudo-header sum: summing over it includes it.
	 */
	pkt_put_be16(
	    c->data + start + cofs,
	    csum_fold(csum_partial(c->data + start, c->len - start, 0)));
	c->ol = (struct pkt_offload){0};
	return 0;
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
		sum = pseudo_sum(ip, v6, l4len, 6);
		pkt_put_be16(l4 + 16, csum_fold(csum_partial(l4, l4len, sum)));
	} else if (proto == 17 && l4len >= 8) {
		if (!v6 && !pkt_get_be16(l4 + 6))
			return 0; /* UDPv4 without a checksum stays so */
		pkt_put_be16(l4 + 6, 0);
		sum = pseudo_sum(ip, v6, l4len, 17);
		uint16_t ck = csum_fold(csum_partial(l4, l4len, sum));
		pkt_put_be16(l4 + 6, ck ? ck : 0xffff);
	} else {
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/**
 * pkt_push_vlan() - insert a VLAN tag after the MAC addresses, using the
 * pool buffer's headroom
 * @p: pool packet
 * @tpid: tag protocol identifier (ETHERTYPE_VLAN, ETHERTYPE_QINQ, ...)
 * @tci: tag control information
 *
 * Return: 0, or -ENOSPC without headroom (foreign memory)
 */
int pkt_push_vlan(struct pkt *p, uint16_t tpid, uint16_t tci)
{
	if (!p->pool || p->ext || p->data - p->buf < 4)
		return -ENOSPC;
	memmove(p->data - 4, p->data, 12);
	p->data -= 4;
	p->len += 4;
	pkt_put_be16(p->data + 12, tpid);
	pkt_put_be16(p->data + 14, tci);
	return 0;
}
