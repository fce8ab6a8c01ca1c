/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pkt.h - packet descriptors, the preallocated pool, the bounds-checked cursor
 */
#ifndef VNET_PKT_H
#define VNET_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#define PKT_BURST     32 /* packets per rx/tx burst */
#define PKT_HEADROOM  128
#define PKT_MAX_FRAME 9238 /* 9000 MTU + 14 Ethernet + 2 tags + slack */
#define PKT_BUF_SIZE  (PKT_HEADROOM + PKT_MAX_FRAME + 42)
/* A super-frame: 64 KB of IP packet behind an Ethernet header and a tag. */
#define PKT_GSO_MAX_FRAME (65536 + 18)
#define PKT_BIG_BUF_SIZE  (PKT_HEADROOM + PKT_GSO_MAX_FRAME + 110)
#define PKT_POOL_BIG	  64 /* super-frame buffers per pool */
#define ETH_HLEN_	  14
#define ETH_ALEN_	  6
#define ETHERTYPE_VLAN	  0x8100
#define ETHERTYPE_QINQ	  0x88a8
#define ETHERTYPE_IPV4	  0x0800
#define ETHERTYPE_IPV6	  0x86dd
#define ETHERTYPE_ARP	  0x0806

struct pkt_pool;

/* Offload state of a frame (struct pkt_offload.flags). */
#define PKT_OL_NEEDS_CSUM 0x01 /* L4 checksum holds the pseudo-header sum */
#define PKT_OL_ECN	  0x02 /* super-frame's TCP flow uses ECN (CWR) */
#define PKT_OL_UDP_TNL	  0x04 /* TCP super-frame inside a UDP tunnel */

/* Segmentation type of a super-frame (struct pkt_offload.gso_type). */
enum pkt_gso {
	PKT_GSO_NONE,
	PKT_GSO_TCPV4,
	PKT_GSO_TCPV6,
	PKT_GSO_UDP_L4,
};

/**
 * struct pkt_offload - the virtio-net header's checksum and segmentation
 * fields, carried with a frame from the port it came in on to each egress
 * @csum_start: offset from the packet's data of the bytes the L4 checksum
 *              covers (valid with PKT_OL_NEEDS_CSUM)
 * @csum_offset: offset of the checksum field from @csum_start
 * @gso_size: payload bytes per segment; 0 for a frame that is not a
 *            super-frame
 * @hdr_len: bytes of headers (Ethernet to L4) before the payload (super-frame)
 * @gso_type: enum pkt_gso
 * @flags: PKT_OL_*
 */
struct pkt_offload {
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t gso_size;
	uint8_t hdr_len;
	uint8_t gso_type : 4;
	uint8_t flags : 4;
};

/**
 * struct pkt - one frame moving through the switch
 * @data: first byte of the Ethernet header; may point into memory the packet
 *        does not own (a guest's buffer, a frame in a ring) when @pool is NULL
 * @len: bytes at @data
 * @in_port: switch port the frame came in on
 * @vlan: VLAN the switch classified it into (0: none)
 * @l3_ofs: offset of the L3 header from @data, past any VLAN tag
 * @ethertype: ethertype after any VLAN tag, host order
 * @tagged: the frame carries an 802.1Q tag at offset 12
 * @in_trusted: @in_port's DHCP guard is off (not a guest port, or one
 *              marked dhcp_trusted): a DHCP relay may speak from it
 * @ext: @data points outside the pool buffer (a guest's memory): read only
 * @pool: owning pool, NULL for a packet that references foreign memory
 * @buf: start of the pool buffer
 * @cookie: the receiving backend's note (descriptor head, ring slot)
 * @ol: checksum and segmentation offload state (all zero: a finished frame)
 * @big: @buf is a super-frame buffer (PKT_BIG_BUF_SIZE bytes)
 */
struct pkt {
	uint8_t *data;
	uint32_t len;
	uint16_t in_port;
	uint16_t vlan;
	uint16_t l3_ofs;
	uint16_t ethertype;
	uint8_t tagged;
	uint8_t in_trusted;
	uint8_t ext;
	struct pkt_pool *pool;
	uint8_t *buf;
	uint64_t cookie;
	struct pkt_offload ol;
	uint8_t big;
};

/**
 * struct pkt_out - a packet queued to one egress port
 * @pkt: the packet (shared between every port it is flooded to)
 * @tci: 802.1Q TCI to send it with; 0 sends it untagged
 */
struct pkt_out {
	struct pkt *pkt;
	uint16_t tci;
};

struct pkt_pool *pkt_pool_create(unsigned count);
void pkt_pool_destroy(struct pkt_pool *pool);
unsigned pkt_pool_alloc_bulk(struct pkt_pool *pool, struct pkt **pkts,
			     unsigned n);
struct pkt *pkt_pool_alloc(struct pkt_pool *pool);
struct pkt *pkt_pool_alloc_big(struct pkt_pool *pool);
void pkt_free(struct pkt *p);
unsigned pkt_pool_avail(const struct pkt_pool *pool);

/**
 * struct pkt_cursor - bounds-checked reader over untrusted bytes
 * @p: next byte to read
 * @left: bytes remaining
 */
struct pkt_cursor {
	const uint8_t *p;
	size_t left;
};

static inline void pkt_cursor_init(struct pkt_cursor *c, const void *p,
				   size_t len)
{
	c->p = p;
	c->left = len;
}

/* pkt_pull() - take @n bytes; NULL and no advance when fewer remain */
static inline const void *pkt_pull(struct pkt_cursor *c, size_t n)
{
	const uint8_t *r = c->p;

	if (n > c->left)
		return NULL;
	c->p += n;
	c->left -= n;
	return r;
}

/* pkt_peek() - look at @n bytes without advancing; NULL if fewer remain */
static inline const void *pkt_peek(const struct pkt_cursor *c, size_t n)
{
	return n > c->left ? NULL : c->p;
}

static inline bool pkt_pull_be16(struct pkt_cursor *c, uint16_t *v)
{
	const uint8_t *b = pkt_pull(c, 2);

	if (!b)
		return false;
	*v = (uint16_t)(b[0] << 8 | b[1]);
	return true;
}

static inline bool pkt_pull_u8(struct pkt_cursor *c, uint8_t *v)
{
	const uint8_t *b = pkt_pull(c, 1);

	if (!b)
		return false;
	*v = *b;
	return true;
}

static inline uint16_t pkt_get_be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline void pkt_put_be16(uint8_t *b, uint16_t v)
{
	b[0] = v >> 8;
	b[1] = v & 0xff;
}

/* IPv6 extension headers walked to the upper layer, as a mask of
 * next-header values (all below 64): hop-by-hop options (0), routing (43),
 * fragment (44), authentication (51), destination options (60); and how
 * many are walked at most (a legitimate datagram has at most six): the
 * DHCP guard judges a longer chain a server message, and a partial
 * checksum behind one is refused. */
#define PKT_IP6_EXT_MASK                                            \
	((1ull << 0) | (1ull << 43) | (1ull << 44) | (1ull << 51) | \
	 (1ull << 60))
#define PKT_IP6_MAX_EXTS 8

/* The length of the extension header of type @nh whose first two bytes
 * are at @h (authentication counts 4-byte units, the fragment header is
 * 8 bytes, the rest count 8-byte units past the first 8). */
static inline size_t pkt_ip6_ext_len(unsigned nh, const uint8_t *h)
{
	return nh == 44	  ? 8
	       : nh == 51 ? ((size_t)h[1] + 2) * 4
			  : ((size_t)h[1] + 1) * 8;
}

uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);
uint16_t csum_fold(uint32_t sum);

unsigned pkt_tx_iov(const struct pkt *p, uint16_t tci, uint8_t tag[4],
		    struct iovec iov[3]);
uint32_t pkt_tx_len(const struct pkt *p, uint16_t tci);

#endif
