/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vnet_hdr.h - virtio-net header offloads: checksum completion, TCP GSO */
#ifndef VNET_VNET_HDR_H
#define VNET_VNET_HDR_H

#include <linux/virtio_net.h>

#include "pkt.h"

int vnet_hdr_csum_complete(const struct virtio_net_hdr *h, uint8_t *frame,
			   size_t len);
int vnet_hdr_gso_segment(const struct virtio_net_hdr *h, const uint8_t *frame,
			 size_t len, size_t *off, struct pkt_pool *pool,
			 struct pkt **out, unsigned max);
int pkt_push_vlan(struct pkt *p, uint16_t tci);
int l4_csum_fill(uint8_t *frame, size_t len);

#endif
