// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_vnet_hdr.c - libFuzzer target: virtio-net header translation as a
 * frame crosses the switch: the ingress check against the sender's offload
 * set, the egress header, segmentation and checksum completion for an
 * egress without the offload.
 *
 * Input: 10 bytes of virtio_net_hdr, one byte of the sender's VNET_OL_* set,
 * one of the egress's, one of flags (bit 0: the frame is in foreign memory,
 * bit 1: leave with a VLAN tag, bit 2: the sender changes a header byte,
 * 12 + 4 * (flags >> 3), between the calls that cut a super-frame, as a
 * guest may), then the frame. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pkt.h"
#include "lib/vnet_hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pkt_pool *pool;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[PKT_GSO_MAX_FRAME + 64];
	struct virtio_net_hdr h, oh;
	struct pkt p = {0}, *out[8], *c;
	unsigned allowed, caps, flags;
	size_t off = 0, pay = 0;

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
	if (!vnet_hdr_finish_csum(&p, pool, &c) && c)
		pkt_free(c);
	if (pkt_pool_avail(pool) != 64)
		abort();
	return 0;
}
