/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vnet_hdr.h - virtio-net header offloads: checksum completion, header
 * translation between ports, segmentation of super-frames */
#ifndef VNET_VNET_HDR_H
#define VNET_VNET_HDR_H

#include <linux/virtio_net.h>

#include "pkt.h"

/* Offload sets: what a port's peer may send it, or what a port can take on
 * transmit. */
#define VNET_OL_CSUM 0x01 /* partial checksums (NEEDS_CSUM) */
#define VNET_OL_TSO4 0x02 /* TCPv4 super-frames */
#define VNET_OL_TSO6 0x04 /* TCPv6 super-frames */
#define VNET_OL_ECN  0x08 /* TCP super-frames with ECN (CWR on the first) */
#define VNET_OL_USO  0x10 /* UDP super-frames (UDP_L4) */
#define VNET_OL_ALL \
	(VNET_OL_CSUM | VNET_OL_TSO4 | VNET_OL_TSO6 | VNET_OL_ECN | VNET_OL_USO)
/* TCP super-frames inside a UDP tunnel (VXLAN, Geneve), typed by their
 * inner TCP as a packet socket reports them: accepted on receive only, and
 * always cut before an egress (no port takes them whole). */
#define VNET_OL_UDP_TNL 0x20

/* Why a virtio-net header is refused: named drop reasons (vnic.h) */
/* The smallest TCP segment size and the most UDP segments a super-frame
 * may ask for (more is bad_gso_size). */
#define VNET_HDR_MIN_TCP_MSS  48
#define VNET_HDR_MAX_UDP_SEGS 128

#define VNET_HDR_DROPS(X)                                                     \
	X(OFFLOAD_NOT_NEGOTIATED, "offload_not_negotiated",                   \
	  "checksum or segmentation offload the port did not negotiate")      \
	X(CSUM_OUT_OF_FRAME, "csum_out_of_frame",                             \
	  "checksum start or offset outside the frame or on a judged header") \
	X(BAD_GSO_SIZE, "bad_gso_size",                                       \
	  "gso_size 0, segments over a buffer, or too many segments")         \
	X(GSO_TOO_BIG, "gso_too_big", "super-frame larger than 64 KB")        \
	X(GSO_BAD_FRAME, "gso_bad_frame",                                     \
	  "super-frame whose headers do not match its GSO type")              \
	X(GSO_BAD_LENGTH, "gso_bad_length",                                   \
	  "super-frame whose IP or UDP length is not the frame's")            \
	X(GSO_BAD_IP_CSUM, "gso_bad_ip_csum",                                 \
	  "super-frame whose IPv4 header checksum is wrong")

enum vnet_hdr_err {
	VNET_HDR_OK,
#define VNET_HDR_ERR_ENUM(id, name, desc) VNET_HDR_ERR_##id,
	VNET_HDR_DROPS(VNET_HDR_ERR_ENUM)
#undef VNET_HDR_ERR_ENUM
};

enum vnet_hdr_err vnet_hdr_to_pkt(const struct virtio_net_hdr *h,
				  unsigned allowed, struct pkt *p);
void vnet_hdr_from_pkt(const struct pkt *p, uint16_t tci,
		       struct virtio_net_hdr *h);
bool vnet_hdr_fits(const struct pkt *p, unsigned caps);
int vnet_hdr_segment(const struct pkt *p, size_t *off, struct pkt_pool *pool,
		     struct pkt **out, unsigned max);
int vnet_hdr_finish_csum(struct pkt *p, struct pkt_pool *pool,
			 struct pkt **copy);

/* pkt_has_offload() - the frame carries a partial checksum or is a
 * super-frame: an egress must be able to take it or be given it finished */
static inline bool pkt_has_offload(const struct pkt *p)
{
	return p->ol.flags || p->ol.gso_type;
}

int vnet_hdr_csum_complete(const struct virtio_net_hdr *h, uint8_t *frame,
			   size_t len);
int vnet_hdr_gso_segment(const struct virtio_net_hdr *h, const uint8_t *frame,
			 size_t len, size_t *off, struct pkt_pool *pool,
			 struct pkt **out, unsigned max);
int pkt_push_vlan(struct pkt *p, uint16_t tpid, uint16_t tci);
int l4_csum_fill(uint8_t *frame, size_t len);

#endif
