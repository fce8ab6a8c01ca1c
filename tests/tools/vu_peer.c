// SPDX-License-Identifier: GPL-2.0-or-later
/* vu_peer.c - vnet-vu-peer: a vhost-user frontend for tests, well-behaved or
 * deliberately broken
 *
 *   vnet-vu-peer evil SOCK loop|head|next|addr|indirect|avail
 *	set up normally, then publish one malformed transmit chain; exit 0
 *	if the backend disconnects within 5 s, 1 if it does not
 *   vnet-vu-peer badmsg SOCK unknown|overlap|queue|nofd|size|early
 *	send one malformed control message; exit 0 on disconnect
 *   vnet-vu-peer handshake SOCK
 *	connect, set up a queue pair, then make one round trip
 *	(GET_QUEUE_NUM: the backend has handled every earlier message when
 *	it answers); prints "handshake N us", exit 0 on success
 *   vnet-vu-peer badhdr SOCK KIND WHOLE CUT
 *	connect two receiving frontends, WHOLE (taking checksum, TSO and
 *	USO offloads) and CUT (none); on SOCK negotiate checksum, TSO and
 *	USO offloads (not for nonego), then send one frame with a
 *	virtio-net header, its IP lengths and IPv4 header checksum right
 *	but for the KIND's fault: nonego, csum (start past the frame), gso0,
 *	gsotiny (gso_size 40), toobig (70000 bytes), mismatch (TSO6 type on
 *	IPv4), ip4short/ip4long (IPv4 total length 1 short/long), ip6len
 *	(TSO6, payload length 8 short), udplen (USO, UDP length 1 long),
 *	ipcsum (IPv4 header checksum) -- or none: tso4 (20000-byte TCPv4
 *	super-frame), uso (8000-byte UDPv4 one), onesegment (TCPv4, 1000
 *	bytes of payload under a gso_size of 1448).  Exit 0 when the backend
 *	took it and kept the connection, and a bad frame reached neither
 *	receiver in 300 ms, or a good one reached WHOLE whole (the same
 *	bytes; a one-segment frame as a plain frame with its partial
 *	checksum) and CUT as its segments, each with finished lengths and
 *	checksums, the payload complete; 1 otherwise
 *   vnet-vu-peer ping SOCK MAC IP PEER_IP COUNT
 *	answer ARP for IP and count ICMP echo replies from PEER_IP to our
 *	requests; prints "replies N"
 *   vnet-vu-peer smallrx SOCK SECONDS
 *	negotiate mergeable receive buffers, then make every receive buffer
 *	16 bytes long (64 of them cannot hold a 1400-byte frame); for
 *	SECONDS, take what arrives and print "frames N bytes B" (a frame is
 *	as many buffers as its num_buffers says); exit 0
 *   vnet-vu-peer inorder SOCK
 *	negotiate VIRTIO_F_IN_ORDER, then publish three transmit chains at
 *	once: a frame, a chain too short for a virtio-net header (dropped),
 *	a frame; exit 0 when the backend gives all three back in the order
 *	they were made available, 1 otherwise
 *   vnet-vu-peer lone A.sock B.sock COUNT
 *	two well-behaved drivers: B sleeps in poll() on its receive queue's
 *	call eventfd (asking for the interrupt and looking once more before
 *	each sleep), A sends COUNT lone frames to B, each after B took the
 *	one before and a pause (0 to 40 ms; every fourth time a burst of 8
 *	goes first, every tenth time a stream of 200 frames 5 us apart, so
 *	that vnetd finds more frames each time it re-arms its kicks),
 *	kicking only when its ring asks; exit 0 when every frame
 *	arrives within 2 s with an interrupt, 1 otherwise ("stalled": not
 *	forwarded; "no interrupt": in B's ring, B never woken)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_net.h>

#include "lib/pkt.h"
#include "lib/util.h"
#include "vmm-glue/vu_frontend.h"

static int wait_closed(int sock, int ms)
{
	struct pollfd p = {.fd = sock, .events = POLLIN};
	char b[256];

	while (poll(&p, 1, ms) > 0) {
		ssize_t r = recv(sock, b, sizeof(b), MSG_DONTWAIT);

		if (r == 0 || (r < 0 && errno != EAGAIN))
			return 0;
	}
	return 1;
}

static int evil(const char *sock, const char *kind)
{
	struct vu_front f;
	struct vring_desc_le d[4] = {0};
	char err[256];
	uint16_t head = 0;
	unsigned n = 1;

	if (vu_front_open(&f, sock, 256, 5, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	d[0].addr = f.vq[1].buf_gpa;
	d[0].len = 100;
	if (!strcmp(kind, "loop")) { /* 0 -> 1 -> 0 -> ... */
		d[0].flags = VRING_DESC_F_NEXT;
		d[0].next = 1;
		d[1] = d[0];
		d[1].next = 0;
		n = 2;
	} else if (!strcmp(kind, "head")) {
		head = 999; /* beyond the 256-entry table */
	} else if (!strcmp(kind, "next")) {
		d[0].flags = VRING_DESC_F_NEXT;
		d[0].next = 4000;
	} else if (!strcmp(kind, "addr")) {
		d[0].addr = 1ull << 40; /* outside guest memory */
	} else if (!strcmp(kind, "indirect")) {
		d[0].flags = VRING_DESC_F_INDIRECT;
		d[0].len = 17; /* not a multiple of 16 */
	} else if (!strcmp(kind, "avail")) {
		/* Claim 1000 new entries on a 256-entry ring. */
		f.vq[1].avail_idx = 999;
	} else {
		fprintf(stderr, "unknown kind %s\n", kind);
		return 2;
	}
	vu_front_post_raw(&f, 1, d, n, head);
	return wait_closed(f.sock, 5000);
}

/* ---- badhdr: hostile and good virtio-net headers on transmit ---- */

enum gso_l4 { G_TCP4, G_TCP6, G_UDP4 };

/* Where the parts of a frame gso_frame() built lie. */
struct gso_shape {
	enum gso_l4 k;
	size_t l4, hdrs, len;
};

/* A frame of @len bytes (at most 0xffff after the Ethernet header count in
 * its IP length) as a guest's stack sends one with a virtio-net header:
 * broadcast, IP and UDP lengths that count its bytes, a right IPv4 header
 * checksum, the pseudo-header sum in the L4 checksum field (a partial
 * checksum), payload bytes in a pattern. */
static void gso_frame(uint8_t *b, enum gso_l4 k, size_t len,
		      struct gso_shape *g)
{
	bool v6 = k == G_TCP6, udp = k == G_UDP4;
	uint8_t *ip = b + 14, *l4 = b + (v6 ? 54 : 34);
	size_t l4len = len - (size_t)(l4 - b);
	uint32_t sum;

	g->k = k;
	g->l4 = (size_t)(l4 - b);
	g->hdrs = g->l4 + (udp ? 8 : 20);
	g->len = len;
	memset(b, 0, g->hdrs);
	memset(b, 0xff, 6);
	memcpy(b + 6, "\x02\x00\x00\x00\x0b\xad", 6);
	pkt_put_be16(b + 12, v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
	if (v6) {
		ip[0] = 0x60;
		pkt_put_be16(ip + 4, (uint16_t)(len - 54));
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, "\xfd\x00\x0b\xad", 4);
		ip[23] = 1;
		memcpy(ip + 24, "\xfd\x00\x0b\xad", 4);
		ip[39] = 2;
		sum = csum_partial(ip + 8, 32, 0);
	} else {
		ip[0] = 0x45;
		pkt_put_be16(ip + 2,
			     (uint16_t)(len - 14 > 0xffff ? 0xffff : len - 14));
		pkt_put_be16(ip + 4, 0x4242);
		ip[6] = 0x40; /* DF */
		ip[8] = 64;
		ip[9] = udp ? 17 : 6;
		memcpy(ip + 12, "\x0a\xf0\x00\x01\x0a\xf0\x00\x02", 8);
		pkt_put_be16(ip + 10, csum_fold(csum_partial(ip, 20, 0)));
		sum = csum_partial(ip + 12, 8, 0);
	}
	pkt_put_be16(l4, 40000);
	pkt_put_be16(l4 + 2, 5201);
	if (udp) {
		pkt_put_be16(l4 + 4, (uint16_t)l4len);
	} else {
		memcpy(l4 + 4, "\x12\x34\x56\x78", 4);
		l4[12] = 5 << 4;
		l4[13] = 0x18; /* PSH ACK */
		pkt_put_be16(l4 + 14, 512);
	}
	for (size_t i = g->hdrs; i < len; i++)
		b[i] = (uint8_t)(i * 7 + i / 251);
	sum += (uint32_t)(udp ? 17 : 6) + (uint32_t)(l4len & 0xffff) +
	       (uint32_t)(l4len >> 16);
	pkt_put_be16(l4 + (udp ? 6 : 16), (uint16_t)~csum_fold(sum));
}

/* One frame from the receive queue of @f into @out: its virtio-net header,
 * then the frame, the mergeable buffers it spans joined; the buffers go
 * back to the ring.  Return: bytes, 0 when none waits, -1 for a frame that
 * does not fit @cap or a bad used entry. */
static long rx_one(struct vu_front *f, uint8_t *out, size_t cap)
{
	struct vuf_vq *q = &f->vq[0];
	uint16_t used = __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE);
	unsigned nbuf = 1;
	size_t got = 0;

	if (q->used_seen == used)
		return 0;
	for (unsigned i = 0; i < nbuf; i++) {
		struct vring_used_elem_le e;

		/* A frame's buffers are published together; wait a little
		 * for a device that does not. */
		for (int t = 0; t < 100 && q->used_seen == used; t++) {
			usleep(1000);
			used = __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE);
		}
		if (q->used_seen == used)
			return -1;
		e = q->used->ring[q->used_seen & (q->num - 1)];
		if (e.id >= q->num || e.len > VUF_BUF_SIZE ||
		    e.len > cap - got || (!i && e.len < f->hdr_len))
			return -1;
		memcpy(out + got, q->bufs + (size_t)e.id * VUF_BUF_SIZE, e.len);
		if (!i)
			nbuf = (unsigned)(out[10] | out[11] << 8);
		got += e.len;
		q->avail->ring[q->avail_idx & (q->num - 1)] = (uint16_t)e.id;
		q->avail_idx++;
		q->used_seen++;
		if (!nbuf || nbuf > q->num)
			return -1;
	}
	__atomic_store_n(&q->avail->idx, q->avail_idx, __ATOMIC_RELEASE);
	__atomic_store_n(&q->avail->ring[q->num], q->used_seen,
			 __ATOMIC_RELEASE);
	return (long)got;
}

static uint32_t get_be32(const uint8_t *b)
{
	return (uint32_t)pkt_get_be16(b) << 16 | pkt_get_be16(b + 2);
}

/* Whether @s (@n bytes) is segment @i of @orig cut at @mss, with its
 * lengths and checksums finished; *@at is the payload offset it must start
 * at, advanced past it. */
static bool seg_ok(const uint8_t *s, size_t n, const uint8_t *orig,
		   const struct gso_shape *g, size_t mss, size_t *at)
{
	bool v6 = g->k == G_TCP6, udp = g->k == G_UDP4;
	const uint8_t *ip = s + 14, *l4 = s + g->l4;
	size_t pl = n - g->hdrs, l4len = n - g->l4;
	uint32_t sum;

	if (n <= g->hdrs || pl > mss || memcmp(s, orig, 14) ||
	    memcmp(s + g->hdrs, orig + g->hdrs + *at, pl))
		return false;
	if (v6) {
		if (pkt_get_be16(ip + 4) != n - 54 ||
		    memcmp(ip + 6, orig + 20, 34))
			return false;
		sum = csum_partial(ip + 8, 32, 0);
	} else {
		if (pkt_get_be16(ip + 2) != n - 14 || ip[9] != orig[23] ||
		    memcmp(ip + 12, orig + 26, 8) ||
		    csum_fold(csum_partial(ip, 20, 0)))
			return false;
		sum = csum_partial(ip + 12, 8, 0);
	}
	sum += (uint32_t)(udp ? 17 : 6) + (uint32_t)l4len;
	if (csum_fold(csum_partial(l4, l4len, sum)) ||
	    memcmp(l4, orig + g->l4, 4))
		return false;
	if (udp ? pkt_get_be16(l4 + 4) != l4len
		: get_be32(l4 + 4) !=
		      get_be32(orig + g->l4 + 4) + (uint32_t)*at)
		return false;
	*at += pl;
	return true;
}

/* What the two receiving frontends of badhdr must get of the frame sent:
 * nothing (a bad header), the frame whole, or its segments. */
struct gso_expect {
	const uint8_t *frame;
	struct gso_shape g;
	uint8_t gso_type; /* what the whole copy's header says */
	size_t mss;	  /* segment size of the cut copies */
	bool pass;
};

/* Take what @w (offloads on) and @c (none) receive for up to @ms (until
 * both have their frames, for one that passes) and check it against @x.
 * Return: 0, or 1 with the reason on stderr. */
static int gso_check(struct vu_front *w, struct vu_front *c,
		     const struct gso_expect *x, int ms)
{
	static uint8_t b[70000];
	size_t payload = x->g.len - x->g.hdrs, at = 0;
	unsigned nw = 0, nc = 0, want = 0;

	if (x->pass) /* a frame without payload is one segment too */
		want =
		    payload ? (unsigned)((payload + x->mss - 1) / x->mss) : 1;
	for (int t = 0; t < ms; t++) {
		long n;

		while ((n = rx_one(w, b, sizeof(b))) != 0) {
			const struct virtio_net_hdr_mrg *h = (const void *)b;

			if (n < 0 || !x->pass || nw) {
				fprintf(stderr, "whole: unexpected frame\n");
				return 1;
			}
			nw++;
			if ((size_t)n - w->hdr_len != x->g.len ||
			    memcmp(b + w->hdr_len, x->frame, x->g.len)) {
				fprintf(stderr,
					"whole: %ld bytes, not the %zu sent\n",
					n - (long)w->hdr_len, x->g.len);
				return 1;
			}
			if (h->gso_type != x->gso_type ||
			    (x->gso_type && h->gso_size != x->mss) ||
			    !(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) ||
			    h->csum_start != x->g.l4 ||
			    h->csum_offset != (x->g.k == G_UDP4 ? 6 : 16)) {
				fprintf(stderr,
					"whole: header flags %u gso %u/%u "
					"csum %u+%u\n",
					h->flags, h->gso_type, h->gso_size,
					h->csum_start, h->csum_offset);
				return 1;
			}
		}
		while ((n = rx_one(c, b, sizeof(b))) != 0) {
			const struct virtio_net_hdr_mrg *h = (const void *)b;

			if (n < 0 || nc == want) {
				fprintf(stderr, "cut: unexpected frame\n");
				return 1;
			}
			if (h->gso_type ||
			    (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) ||
			    !seg_ok(b + c->hdr_len, (size_t)n - c->hdr_len,
				    x->frame, &x->g, x->mss, &at)) {
				fprintf(stderr, "cut: segment %u is wrong\n",
					nc);
				return 1;
			}
			nc++;
		}
		if (x->pass && nw == 1 && nc == want)
			break;
		usleep(1000);
	}
	if (x->pass && (nw != 1 || nc != want || at != payload)) {
		fprintf(stderr,
			"whole: %u of 1 frame; cut: %u of %u segments, %zu of "
			"%zu bytes\n",
			nw, nc, want, at, payload);
		return 1;
	}
	if (x->pass)
		printf("whole: %zu bytes intact; cut: %u segments intact\n",
		       x->g.len, nc);
	return 0;
}

/* Open a receiving frontend; @ol: with the GUEST_* offloads. */
static int rx_front(struct vu_front *f, const char *path, bool ol)
{
	struct vhost_user_msg r;
	char err[256];
	uint64_t feat;

	if (vu_front_open(f, path, 256, 5, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	feat = f->features;
	if (ol)
		feat |= VU_BIT(VIRTIO_NET_F_GUEST_CSUM_BIT) |
			VU_BIT(VIRTIO_NET_F_GUEST_TSO4_BIT) |
			VU_BIT(VIRTIO_NET_F_GUEST_TSO6_BIT) |
			VU_BIT(VIRTIO_NET_F_GUEST_USO4_BIT) |
			VU_BIT(VIRTIO_NET_F_GUEST_USO6_BIT);
	if (vu_front_call(f, VHOST_USER_SET_FEATURES, &feat, sizeof(feat), NULL,
			  0, NULL) ||
	    vu_front_call(f, VHOST_USER_GET_QUEUE_NUM, NULL, 0, NULL, 0, &r)) {
		fprintf(stderr, "SET_FEATURES failed\n");
		return -1;
	}
	return 0;
}

/* The frame and header of one badhdr kind; Return: 0, -1 when unknown. */
static int badhdr_kind(const char *kind, uint8_t *b,
		       struct virtio_net_hdr_mrg *hm, struct gso_expect *x)
{
	struct virtio_net_hdr_mrg *h = hm;
	struct gso_shape *g = &x->g;
	enum gso_l4 k = G_TCP4;
	size_t len = 20000;

	if (!strcmp(kind, "ip6len"))
		k = G_TCP6;
	else if (!strcmp(kind, "udplen") || !strcmp(kind, "uso"))
		k = G_UDP4;
	if (!strcmp(kind, "toobig"))
		len = 70000; /* spans the transmit buffers, one area */
	else if (!strcmp(kind, "uso"))
		len = 14 + 20 + 8 + 8000;
	else if (!strcmp(kind, "onesegment") || !strcmp(kind, "csum"))
		len = 14 + 20 + 20 + 1000;
	gso_frame(b, k, len, g);
	*h = (struct virtio_net_hdr_mrg){
	    .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
	    .gso_type = k == G_TCP4   ? VIRTIO_NET_HDR_GSO_TCPV4
			: k == G_TCP6 ? VIRTIO_NET_HDR_GSO_TCPV6
				      : 5 /* UDP_L4 */,
	    .gso_size = k == G_UDP4 ? 1400 : 1448,
	    .csum_start = (uint16_t)g->l4,
	    .csum_offset = k == G_UDP4 ? 6 : 16,
	    .hdr_len = (uint16_t)g->hdrs,
	};
	x->frame = b;
	x->mss = h->gso_size;
	x->gso_type = h->gso_type;
	if (!strcmp(kind, "tso4") || !strcmp(kind, "uso")) {
		x->pass = true;
	} else if (!strcmp(kind, "onesegment")) {
		/* 1000 bytes of payload under a gso_size of 1448: a plain
		 * frame with a partial checksum, cut for no one. */
		x->pass = true;
		x->gso_type = VIRTIO_NET_HDR_GSO_NONE;
	} else if (!strcmp(kind, "csum")) {
		h->gso_type = 0;
		h->csum_start = (uint16_t)(len - 10);
	} else if (!strcmp(kind, "gso0")) {
		h->gso_size = 0;
	} else if (!strcmp(kind, "gsotiny")) {
		h->gso_size = 40; /* under TCP's smallest MSS: 480 segments */
	} else if (!strcmp(kind, "mismatch")) {
		h->gso_type = VIRTIO_NET_HDR_GSO_TCPV6; /* an IPv4 frame */
	} else if (!strcmp(kind, "ip4short") || !strcmp(kind, "ip4long")) {
		pkt_put_be16(b + 16,
			     (uint16_t)(len - 14 + (kind[3] == 'l' ? 1 : -1)));
		pkt_put_be16(b + 24, 0);
		pkt_put_be16(b + 24, csum_fold(csum_partial(b + 14, 20, 0)));
	} else if (!strcmp(kind, "ip6len")) {
		pkt_put_be16(b + 18, (uint16_t)(len - 54 - 8));
	} else if (!strcmp(kind, "udplen")) {
		pkt_put_be16(b + 38, (uint16_t)(len - 34 + 1));
	} else if (!strcmp(kind, "ipcsum")) {
		b[25] ^= 1;
	} else if (strcmp(kind, "nonego") && strcmp(kind, "toobig")) {
		return -1;
	}
	return 0;
}

static int badhdr(const char *path, const char *kind, const char *wpath,
		  const char *cpath)
{
	static uint8_t frame[70000];
	struct vu_front f, w, c;
	struct vring_desc_le d = {0};
	struct virtio_net_hdr_mrg h;
	struct gso_expect x = {0};
	struct vhost_user_msg r;
	char err[256];
	uint64_t feat;
	uint16_t used;
	int ret;

	if (badhdr_kind(kind, frame, &h, &x)) {
		fprintf(stderr, "unknown kind %s\n", kind);
		return 2;
	}
	if (rx_front(&w, wpath, true) || rx_front(&c, cpath, false))
		return 2;
	if (vu_front_open(&f, path, 256, 5, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	feat = f.features;
	if (strcmp(kind, "nonego"))
		feat |= VU_BIT(VIRTIO_NET_F_CSUM_BIT) |
			VU_BIT(VIRTIO_NET_F_HOST_TSO4_BIT) |
			VU_BIT(VIRTIO_NET_F_HOST_TSO6_BIT) |
			VU_BIT(VIRTIO_NET_F_HOST_USO_BIT);
	if (vu_front_call(&f, VHOST_USER_SET_FEATURES, &feat, sizeof(feat),
			  NULL, 0, NULL) ||
	    vu_front_call(&f, VHOST_USER_GET_QUEUE_NUM, NULL, 0, NULL, 0, &r)) {
		fprintf(stderr, "SET_FEATURES failed\n");
		return 2;
	}
	memcpy(f.vq[1].bufs, &h, f.hdr_len);
	memcpy(f.vq[1].bufs + f.hdr_len, frame, x.g.len);
	d.addr = f.vq[1].buf_gpa;
	d.len = (uint32_t)(f.hdr_len + x.g.len);
	vu_front_post_raw(&f, 1, &d, 1, 0);
	for (int t = 0; t < 200; t++) {
		used = __atomic_load_n(&f.vq[1].used->idx, __ATOMIC_ACQUIRE);
		if (used)
			break;
		usleep(10000);
	}
	if (!used) {
		fprintf(stderr, "frame not taken\n");
		return 1;
	}
	/* What passes arrives at once; what is dropped must not in 300 ms. */
	ret = gso_check(&w, &c, &x, x.pass ? 3000 : 300);
	if (!ret && !wait_closed(f.sock, 50)) {
		fprintf(stderr, "connection closed\n");
		ret = 1;
	}
	vu_front_close(&f);
	vu_front_close(&w);
	vu_front_close(&c);
	return ret;
}

static int inorder(const char *path)
{
	struct vu_front f;
	struct vuf_vq *q = &f.vq[1];
	struct vhost_user_msg r;
	char err[256];
	uint64_t feat;
	uint16_t used = 0;

	if (vu_front_open(&f, path, 256, 5, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	if (vu_front_call(&f, VHOST_USER_GET_FEATURES, NULL, 0, NULL, 0, &r) ||
	    !(r.payload.u64 & VU_BIT(VIRTIO_F_IN_ORDER_BIT))) {
		fprintf(stderr, "in_order not offered\n");
		return 1;
	}
	feat = f.features | VU_BIT(VIRTIO_F_IN_ORDER_BIT);
	if (vu_front_call(&f, VHOST_USER_SET_FEATURES, &feat, sizeof(feat),
			  NULL, 0, NULL) ||
	    vu_front_call(&f, VHOST_USER_GET_QUEUE_NUM, NULL, 0, NULL, 0, &r)) {
		fprintf(stderr, "SET_FEATURES failed\n");
		return 2;
	}
	/* Chains 0 and 2: a header and a broadcast frame; 1: four bytes. */
	for (uint16_t i = 0; i < 3; i++) {
		uint8_t *b = q->bufs + 256 * i;

		memset(b, 0, 256);
		memset(b + f.hdr_len, 0xff, 6);
		b[f.hdr_len + 11] = 2;
		q->desc[i] = (struct vring_desc_le){
		    q->buf_gpa + 256 * i, i == 1 ? 4 : f.hdr_len + 60, 0, 0};
		q->avail->ring[(q->avail_idx + i) & (q->num - 1)] = i;
	}
	q->avail_idx = (uint16_t)(q->avail_idx + 3);
	__atomic_store_n(&q->avail->idx, q->avail_idx, __ATOMIC_RELEASE);
	vu_front_kick(&f, 1);
	for (int t = 0; t < 200 && used < 3; t++) {
		used = __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE);
		if (used < 3)
			usleep(10000);
	}
	if (used != 3) {
		fprintf(stderr, "%u of 3 chains given back\n", used);
		return 1;
	}
	for (unsigned i = 0; i < 3; i++)
		if (q->used->ring[i].id != i) {
			fprintf(stderr, "used entry %u is chain %u\n", i,
				q->used->ring[i].id);
			return 1;
		}
	vu_front_close(&f);
	return 0;
}

static int smallrx(const char *path, const char *secs)
{
	struct vu_front f;
	struct vuf_vq *q = &f.vq[0];
	char err[256];
	unsigned frames = 0, left = 0;
	uint64_t bytes = 0;
	struct timespec t0, t;

	if (vu_front_open(&f, path, 256, 5, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	if (!(f.features & VU_BIT(VIRTIO_NET_F_MRG_RXBUF_BIT))) {
		fprintf(stderr, "mergeable buffers not negotiated\n");
		return 2;
	}
	for (uint16_t i = 0; i < q->num; i++)
		q->desc[i].len = 16;
	vu_front_kick(&f, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		uint16_t used =
		    __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE);

		while (q->used_seen != used) {
			struct vring_used_elem_le e =
			    q->used->ring[q->used_seen & (q->num - 1)];
			const uint8_t *b =
			    q->bufs + (size_t)(e.id % q->num) * VUF_BUF_SIZE;

			if (!left) { /* the first buffer of a frame */
				left = (unsigned)(b[10] | b[11] << 8);
				frames++;
				bytes +=
				    e.len > f.hdr_len ? e.len - f.hdr_len : 0;
			} else {
				bytes += e.len;
			}
			if (left)
				left--;
			q->avail->ring[q->avail_idx & (q->num - 1)] =
			    (uint16_t)e.id;
			q->avail_idx++;
			q->used_seen++;
		}
		__atomic_store_n(&q->avail->idx, q->avail_idx,
				 __ATOMIC_RELEASE);
		usleep(2000);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < atoi(secs));
	printf("frames %u bytes %llu\n", frames, (unsigned long long)bytes);
	vu_front_close(&f);
	return 0;
}

static int badmsg(const char *path, const char *kind)
{
	struct vu_front f;
	char err[256];
	struct vhost_user_msg m = {.hdr = {0, VHOST_USER_VERSION, 0}};
	int fd = eventfd(0, 0), ret;

	if (vu_front_open(&f, path, 256, 5, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	if (!strcmp(kind, "unknown")) {
		m.hdr.request = 77;
		ret = vhost_user_send(f.sock, &m, NULL, 0);
	} else if (!strcmp(kind, "overlap")) {
		int fds[2] = {f.memfd, f.memfd};

		m.hdr.request = VHOST_USER_SET_MEM_TABLE;
		m.payload.memory.nregions = 2;
		m.payload.memory.regions[0] =
		    (struct vhost_user_region){0, 1 << 20, 0x10000000, 0};
		m.payload.memory.regions[1] =
		    (struct vhost_user_region){1 << 19, 1 << 20, 0x20000000, 0};
		m.hdr.size = 8 + 2 * sizeof(struct vhost_user_region);
		ret = vhost_user_send(f.sock, &m, fds, 2);
	} else if (!strcmp(kind, "queue")) {
		m.hdr.request = VHOST_USER_SET_VRING_NUM;
		m.payload.state = (struct vhost_user_vring_state){99, 256};
		m.hdr.size = sizeof(m.payload.state);
		ret = vhost_user_send(f.sock, &m, NULL, 0);
	} else if (!strcmp(kind, "nofd")) {
		m.hdr.request = VHOST_USER_SET_VRING_KICK;
		m.payload.u64 = 1; /* says an fd follows; none does */
		m.hdr.size = 8;
		ret = vhost_user_send(f.sock, &m, NULL, 0);
	} else if (!strcmp(kind, "size")) {
		m.hdr.request = VHOST_USER_SET_FEATURES;
		m.hdr.size = 2; /* a u64 is 8 bytes */
		ret = vhost_user_send(f.sock, &m, NULL, 0);
	} else if (!strcmp(kind, "early")) {
		/* Vanish in the middle of a message. */
		struct vhost_user_hdr h = {VHOST_USER_SET_FEATURES,
					   VHOST_USER_VERSION, 8};

		ret = send(f.sock, &h, sizeof(h), 0) == sizeof(h) ? 0 : -1;
		close(fd);
		vu_front_close(&f);
		return ret ? 2 : 0;
	} else {
		fprintf(stderr, "unknown kind %s\n", kind);
		return 2;
	}
	close(fd);
	if (ret) {
		fprintf(stderr, "send: %s\n", strerror(-ret));
		return 2;
	}
	return wait_closed(f.sock, 5000);
}

static int handshake(const char *path)
{
	struct timespec t0, t1;
	struct vhost_user_msg r;
	struct vu_front f;
	char err[256];
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (vu_front_open(&f, path, 256, 5, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	ret = vu_front_call(&f, VHOST_USER_GET_QUEUE_NUM, NULL, 0, NULL, 0, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	vu_front_close(&f);
	if (ret) {
		fprintf(stderr, "GET_QUEUE_NUM: %s\n", strerror(-ret));
		return 1;
	}
	printf("handshake %lld us\n",
	       (long long)(t1.tv_sec - t0.tv_sec) * 1000000 +
		   (t1.tv_nsec - t0.tv_nsec) / 1000);
	return 0;
}

/* ---- a tiny IPv4 host: ARP replies, ICMP echo requests/replies ---- */

struct host {
	struct vu_front f;
	uint8_t mac[6];
	uint32_t ip, peer;
	uint8_t peer_mac[6];
	bool have_peer;
	unsigned replies;
};

static void send_frame(struct host *h, const uint8_t *fr, uint16_t len)
{
	const uint8_t *frames[1] = {fr};

	vu_front_tx(&h->f, frames, &len, 1);
}

static void on_frame(const uint8_t *fr, uint32_t len, void *arg)
{
	struct host *h = arg;
	uint8_t out[128];

	if (len < 42)
		return;
	if (pkt_get_be16(fr + 12) == ETHERTYPE_ARP) {
		const uint8_t *a = fr + 14;
		uint32_t tpa, spa;

		memcpy(&tpa, a + 24, 4);
		memcpy(&spa, a + 14, 4);
		if (spa == h->peer) {
			memcpy(h->peer_mac, a + 8, 6);
			h->have_peer = true;
		}
		if (pkt_get_be16(a + 6) != 1 || tpa != h->ip)
			return;
		memcpy(out, fr + 6, 6);
		memcpy(out + 6, h->mac, 6);
		memcpy(out + 12, fr + 12, 2 + 6);
		pkt_put_be16(out + 20, 2);
		memcpy(out + 22, h->mac, 6);
		memcpy(out + 28, &h->ip, 4);
		memcpy(out + 32, a + 8, 10);
		send_frame(h, out, 60);
		return;
	}
	if (pkt_get_be16(fr + 12) == ETHERTYPE_IPV4 && fr[23] == 1 &&
	    len >= 42 && fr[34] == 0 /* echo reply */)
		h->replies++;
}

static void send_arp(struct host *h)
{
	uint8_t f[60] = {0};

	memset(f, 0xff, 6);
	memcpy(f + 6, h->mac, 6);
	pkt_put_be16(f + 12, ETHERTYPE_ARP);
	pkt_put_be16(f + 14, 1);
	pkt_put_be16(f + 16, ETHERTYPE_IPV4);
	f[18] = 6;
	f[19] = 4;
	pkt_put_be16(f + 20, 1);
	memcpy(f + 22, h->mac, 6);
	memcpy(f + 28, &h->ip, 4);
	memcpy(f + 38, &h->peer, 4);
	send_frame(h, f, 60);
}

static void send_echo(struct host *h, uint16_t seq)
{
	uint8_t f[98] = {0};
	uint8_t *ip = f + 14, *icmp = f + 34;

	memcpy(f, h->peer_mac, 6);
	memcpy(f + 6, h->mac, 6);
	pkt_put_be16(f + 12, ETHERTYPE_IPV4);
	ip[0] = 0x45;
	pkt_put_be16(ip + 2, 84);
	ip[8] = 64;
	ip[9] = 1;
	memcpy(ip + 12, &h->ip, 4);
	memcpy(ip + 16, &h->peer, 4);
	pkt_put_be16(ip + 10, csum_fold(csum_partial(ip, 20, 0)));
	icmp[0] = 8;
	pkt_put_be16(icmp + 4, 0x7a7a);
	pkt_put_be16(icmp + 6, seq);
	pkt_put_be16(icmp + 2, csum_fold(csum_partial(icmp, 64, 0)));
	send_frame(h, f, 98);
}

static int ping(char **argv)
{
	struct host h = {0};
	char err[256];
	unsigned count = (unsigned)atoi(argv[4]);

	if (mac_parse(argv[1], h.mac) ||
	    inet_pton(AF_INET, argv[2], &h.ip) != 1 ||
	    inet_pton(AF_INET, argv[3], &h.peer) != 1) {
		fprintf(stderr, "bad MAC or address\n");
		return 2;
	}
	if (vu_front_open(&h.f, argv[0], 256, 5, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	for (int t = 0; t < 300 && !h.have_peer; t++) {
		if (t % 20 == 0)
			send_arp(&h);
		usleep(10000);
		vu_front_rx(&h.f, on_frame, &h, 64);
	}
	for (unsigned i = 0; h.have_peer && i < count; i++) {
		send_echo(&h, (uint16_t)i);
		for (int t = 0; t < 50 && h.replies <= i; t++) {
			usleep(4000);
			vu_front_rx(&h.f, on_frame, &h, 64);
		}
	}
	/* Replies late on a loaded machine still count: up to 3 s more. */
	for (int t = 0; t < 750 && h.have_peer && h.replies < count; t++) {
		usleep(4000);
		vu_front_rx(&h.f, on_frame, &h, 64);
	}
	printf("replies %u\n", h.replies);
	vu_front_close(&h.f);
	return h.replies == count ? 0 : 1;
}

/* ---- lone frames: no lost wake-up on either side of the switch ---- */

struct lone_rx {
	uint32_t want; /* sequence number awaited */
	bool seen;
	unsigned burst; /* burst frames seen */
};

static void lone_frame(const uint8_t *f, uint32_t len, void *arg)
{
	struct lone_rx *r = arg;
	uint32_t seq;

	if (len < 18 || f[12] != 0x88 || f[13] != 0xb5)
		return;
	memcpy(&seq, f + 14, 4);
	if (seq == r->want)
		r->seen = true;
	else if (seq == UINT32_MAX)
		r->burst++;
}

/* Wait up to @ms for frame r->want as a driver would: drain, ask for an
 * interrupt, look again, sleep on the call eventfd.  Return: 0 when it
 * came, 1 when it never left the switch, 2 when it sits in the ring with
 * no interrupt. */
static int lone_wait(struct vu_front *b, struct lone_rx *r, int ms)
{
	int fd = b->vq[0].call_fd;
	uint64_t end = now_ns() + (uint64_t)ms * 1000000, v;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		uint64_t now;

		do {
			vu_front_rxq(b, 0, lone_frame, r, 256);
		} while (vu_front_rx_arm(b, 0));
		if (r->seen)
			return 0;
		now = now_ns();
		if (now >= end)
			break;
		if (poll(&p, 1, (int)((end - now) / 1000000) + 1) > 0 &&
		    read(fd, &v, sizeof(v)) < 0) {
			/* taken already */
		}
	}
	vu_front_rxq(b, 0, lone_frame, r, 256);
	return r->seen ? 2 : 1;
}

static int lone(const char *pa, const char *pb, const char *count)
{
	static const uint8_t ma[6] = {0x02, 0x76, 0x6e, 0x00, 0x01, 0xa1};
	static const uint8_t mb[6] = {0x02, 0x76, 0x6e, 0x00, 0x01, 0xb1};
	struct vu_front a, b;
	struct lone_rx r = {.want = UINT32_MAX - 1};
	unsigned n = (unsigned)atoi(count);
	uint8_t f[60] = {0};
	const uint8_t *fr[8] = {f, f, f, f, f, f, f, f};
	uint16_t lens[8] = {60, 60, 60, 60, 60, 60, 60, 60};
	char err[256];
	int ret = 0;

	if (vu_front_open(&a, pa, 256, 5, err, sizeof(err)) ||
	    vu_front_open(&b, pb, 256, 5, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	/* B makes itself known; A's and B's rings drop what that floods. */
	memset(f, 0xff, 6);
	memcpy(f + 6, mb, 6);
	f[12] = 0x88;
	f[13] = 0xb5;
	for (int i = 0; i < 3; i++) {
		vu_front_tx(&b, fr, lens, 1);
		usleep(20000);
	}
	while (vu_front_rx(&a, lone_frame, &r, 256))
		;
	memcpy(f, mb, 6);
	memcpy(f + 6, ma, 6);
	for (uint32_t i = 0; i < n && !ret; i++) {
		uint32_t m = UINT32_MAX;

		memcpy(f + 14, &m, 4);
		if (i % 4 == 3) /* a burst first: the queue was just busy */
			vu_front_tx(&a, fr, lens, 8);
		for (int k = 0; i % 10 == 9 && k < 200; k++) {
			uint64_t t = now_ns() + 5000;

			vu_front_tx(&a, fr, lens, 1);
			while (now_ns() < t)
				;
		}
		memcpy(f + 14, &i, 4);
		r.want = i;
		r.seen = false;
		if (vu_front_tx(&a, fr, lens, 1) != 1) {
			fprintf(stderr, "frame %u: A's ring is full\n", i);
			ret = 1;
			break;
		}
		ret = lone_wait(&b, &r, 2000);
		if (ret)
			fprintf(stderr, "frame %u: %s\n", i,
				ret == 1 ? "stalled" : "no interrupt");
		usleep((i * 7919 % 5) * 10000);
	}
	printf("lone %u frames, %u burst frames\n", ret ? 0 : n, r.burst);
	vu_front_close(&a);
	vu_front_close(&b);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "evil"))
		return evil(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "badmsg"))
		return badmsg(argv[2], argv[3]);
	if (argc == 6 && !strcmp(argv[1], "badhdr"))
		return badhdr(argv[2], argv[3], argv[4], argv[5]);
	if (argc == 3 && !strcmp(argv[1], "handshake"))
		return handshake(argv[2]);
	if (argc == 7 && !strcmp(argv[1], "ping"))
		return ping(argv + 2);
	if (argc == 3 && !strcmp(argv[1], "inorder"))
		return inorder(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "lone"))
		return lone(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "smallrx"))
		return smallrx(argv[2], argv[3]);
	fprintf(stderr, "usage: vnet-vu-peer evil|badmsg SOCK KIND\n"
			"       vnet-vu-peer badhdr SOCK KIND WHOLE CUT\n"
			"       vnet-vu-peer handshake SOCK\n"
			"       vnet-vu-peer ping SOCK MAC IP PEER_IP COUNT\n"
			"       vnet-vu-peer inorder SOCK\n"
			"       vnet-vu-peer smallrx SOCK SECONDS\n");
	return 2;
}
