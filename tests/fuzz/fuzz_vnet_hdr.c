// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_vnet_hdr.c - libFuzzer target: virtio-net header translation as a
 * frame crosses the switch: the ingress check against the sender's offload
 * set, the egress header, segmentation and checksum completion for an
 * egress without the offload; a super-frame accepted must be one a
 * receiving stack takes whole (IP and UDP lengths, IPv4 header checksum),
 * and a frame with a GSO type taken as a plain frame must be one whose
 * payload fits one segment, with the same checks passed; and a partial
 * checksum, finished, must leave the guards' verdicts as they were.
 *
 * Input: 10 bytes of virtio_net_hdr, one byte of the sender's VNET_OL_* set,
 * one of the egress's, one of flags (bit 0: the frame is in foreign memory,
 * bit 1: leave with a VLAN tag, bit 2: the sender changes a header byte,
 * 12 + 4 * (flags >> 3), between the calls that cut a super-frame, as a
 * guest may), then the frame. */
#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pkt.h"
#include "lib/vnet_hdr.h"
#include "vswitch/vswitch_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pkt_pool *pool;

/* A frame accepted with a GSO type is one a receiving stack takes whole as
 * it is: its IPv4 header checksum is right and its IP and UDP lengths count
 * the frame's bytes (read here without lib/'s parser: the L4 header is
 * where the accepted checksum starts, or in a UDP tunnel the outer UDP
 * header follows the outer IP header).  @udp: the type is UDP_L4. */
static void check_whole(const struct pkt *p, bool udp)
{
	const uint8_t *f = p->data;
	size_t l3 = f[12] == 0x81 && f[13] == 0 ? 18 : 14;
	size_t l4 = p->ol.csum_start, len = p->len;
	uint32_t sum = 0;

	if (l4 <= l3 || l4 + 8 > len)
		abort();
	if (p->ol.flags & PKT_OL_UDP_TNL) {
		if (udp)
			abort(); /* TCP inside only */
		udp = true;
		l4 = l3 + (f[l3 - 2] == 0x86 ? 40 : (size_t)(f[l3] & 15) * 4);
		if (l4 + 8 > p->ol.csum_start)
			abort();
	}
	if (f[l3 - 2] == 0x86) {
		if ((size_t)(f[l3 + 4] << 8 | f[l3 + 5]) != len - l3 - 40)
			abort();
	} else {
		if ((size_t)(f[l3 + 2] << 8 | f[l3 + 3]) != len - l3)
			abort();
		for (size_t i = l3; i < l4; i += 2)
			sum += (uint32_t)(f[i] << 8 | f[i + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		if (sum != 0xffff)
			abort();
	}
	if (udp && (size_t)(f[l4 + 4] << 8 | f[l4 + 5]) != len - l4)
		abort();
}

/* A frame whose header has a GSO type but that was taken as a plain frame:
 * its payload fits one gso_size segment, its partial checksum is the L4
 * one, and no segmentation state is left for an egress to act on. */
static void check_one_segment(const struct pkt *p,
			      const struct virtio_net_hdr *h, bool udp)
{
	size_t l4 = p->ol.csum_start, hdrs;

	if (p->ol.flags != PKT_OL_NEEDS_CSUM || p->ol.gso_size ||
	    p->ol.csum_offset != (udp ? 6 : 16) || l4 + (udp ? 8 : 20) > p->len)
		abort();
	hdrs = l4 + (udp ? 8 : (size_t)(p->data[l4 + 12] >> 4) * 4);
	if (hdrs > p->len || p->len - hdrs > le16toh(h->gso_size))
		abort();
}

/* The switch's verdicts on a frame: its classification with the DHCP and
 * router guards, the MAC guard for @mac and the IP guard for @set. */
static unsigned verdicts(const struct pkt *p, uint64_t mac,
			 const struct vsw_ipset *set)
{
	static const struct vsw_vlan none;
	struct pkt q = *p;
	unsigned why =
	    vsw_classify(&q, 65535, &none, VSW_GUARD_DHCP | VSW_GUARD_ROUTER);

	return why << 2 | (unsigned)vsw_mac_spoofed(&q, mac) << 1 |
	       (unsigned)vsw_ip_spoofed(&q, set);
}

/* What the guards allow: the frame's own source MAC and source address. */
static void own_sources(const struct pkt *p, uint64_t *mac,
			struct vsw_ipset *set)
{
	const uint8_t *f = p->data;
	size_t l3 = p->len >= 18 && f[12] == 0x81 && f[13] == 0 ? 18 : 14;

	memset(set, 0, sizeof(*set));
	*mac = p->len >= 12 ? VSW_MAC_GUARD_ON | vsw_mac_u64(f + 6) : 0;
	if (p->len >= l3 + 20 && f[l3 - 2] == 0x08 && f[l3 - 1] == 0) {
		set->n4 = 1;
		set->v4[0].addr = (uint32_t)f[l3 + 12] << 24 |
				  (uint32_t)f[l3 + 13] << 16 |
				  (uint32_t)f[l3 + 14] << 8 | f[l3 + 15];
		set->v4[0].mask = 0xffffffffu;
	} else if (p->len >= l3 + 40 && f[l3 - 2] == 0x86 &&
		   f[l3 - 1] == 0xdd) {
		set->n6 = 1;
		memcpy(set->v6[0].addr, f + l3 + 8, 16);
		set->v6[0].plen = 128;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[PKT_GSO_MAX_FRAME + 64];
	struct virtio_net_hdr h, oh;
	struct pkt p = {0}, *out[8], *c;
	unsigned allowed, caps, flags;
	size_t off = 0, pay = 0;
	unsigned gso;
	bool udp;

	if (!pool)
		pool = pkt_pool_create(64);
	if (size < sizeof(h) + 3 || size - sizeof(h) - 3 > PKT_GSO_MAX_FRAME)
		return 0;
	memcpy(&h, data, sizeof(h));
	allowed = data[sizeof(h)];
	caps = data[sizeof(h) + 1];
	flags = data[sizeof(h) + 2];
	data += sizeof(h) + 3;
	size -= sizeof(h) + 3;
	memcpy(frame, data, size);
	p.data = frame;
	p.len = (uint32_t)size;
	p.ext = flags & 1;
	p.pool = NULL;
	if (vnet_hdr_to_pkt(&h, allowed, &p) != VNET_HDR_OK)
		return 0;
	if (p.len >= 16 && frame[12] == 0x81 && frame[13] == 0)
		p.tagged = 1;
	gso = h.gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	udp = gso == 5; /* UDP_L4 */
	if (gso != VIRTIO_NET_HDR_GSO_NONE)
		check_whole(&p, udp);
	if (gso != VIRTIO_NET_HDR_GSO_NONE && !p.ol.gso_type)
		check_one_segment(&p, &h, udp);
	/* A super-frame kept is one of more than one segment, or in a UDP
	 * tunnel (only cutting finishes its outer checksum). */
	if (p.ol.gso_type && p.len - p.ol.hdr_len <= p.ol.gso_size &&
	    !(p.ol.flags & PKT_OL_UDP_TNL))
		abort();
	if ((p.ol.flags & PKT_OL_UDP_TNL) &&
	    (!(allowed & VNET_OL_UDP_TNL) || vnet_hdr_fits(&p, VNET_OL_ALL)))
		abort();
	if (vnet_hdr_fits(&p, caps)) {
		vnet_hdr_from_pkt(&p, flags & 2 ? 5 : 0, &oh);
		return 0;
	}
	if (p.ol.gso_type) {
		while (off != SIZE_MAX) {
			int n = vnet_hdr_segment(&p, &off, pool, out, 8);

			if (n <= 0)
				break;
			for (int i = 0; i < n; i++) {
				if (out[i]->len > PKT_MAX_FRAME ||
				    out[i]->len < p.ol.hdr_len)
					abort();
				pay += out[i]->len - p.ol.hdr_len;
				pkt_free(out[i]);
			}
			if ((flags & 4) && 12 + 4 * (flags >> 3) < p.len)
				frame[12 + 4 * (flags >> 3)] ^= 0xf0;
		}
		if (off == SIZE_MAX && pay != p.len - p.ol.hdr_len && pay)
			abort();
		return 0;
	}
	/* Finishing the checksum (at an egress without the offload, or in
	 * the receiving kernel) must not change what the switch judged the
	 * frame by at ingress. */
	{
		struct vsw_ipset set;
		uint64_t mac;
		unsigned before;

		own_sources(&p, &mac, &set);
		before = verdicts(&p, mac, &set);
		if (!vnet_hdr_finish_csum(&p, pool, &c)) {
			if (verdicts(c ? c : &p, mac, &set) != before)
				abort();
			if (c)
				pkt_free(c);
		}
	}
	if (pkt_pool_avail(pool) != 64)
		abort();
	return 0;
}
