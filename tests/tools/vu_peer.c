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
 *   vnet-vu-peer badhdr SOCK nonego|csum|gso0|gsobig|toobig|mismatch
 *	negotiate checksum and TSO offloads (not for nonego), then send one
 *	TCP frame whose virtio-net header is wrong in the named way; exit 0
 *	when the backend took it and kept the connection (a bad header is a
 *	dropped frame, not a broken queue), 1 otherwise
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

/* A TCPv4 frame of @len bytes after a virtio-net header, at @b. */
static void tcp4_frame(uint8_t *b, size_t len)
{
	uint8_t *ip = b + 14, *tcp = b + 34;

	memset(b, 0, len);
	memset(b, 0xff, 6);
	memcpy(b + 6, "\x02\x00\x00\x00\x0b\xad", 6);
	pkt_put_be16(b + 12, ETHERTYPE_IPV4);
	ip[0] = 0x45;
	pkt_put_be16(ip + 2, (uint16_t)(len - 14 > 0xffff ? 0xffff : len - 14));
	ip[8] = 64;
	ip[9] = 6;
	tcp[12] = 5 << 4;
}

static int badhdr(const char *path, const char *kind)
{
	struct vu_front f;
	struct vring_desc_le d = {0};
	struct virtio_net_hdr_mrg h = {.flags = 1 /* NEEDS_CSUM */,
				       .gso_type = 1 /* TCPV4 */,
				       .gso_size = 1448,
				       .csum_start = 34,
				       .csum_offset = 16};
	size_t len = 3000;
	struct vhost_user_msg r;
	char err[256];
	uint64_t feat;
	uint16_t used;

	if (vu_front_open(&f, path, 256, 5, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	feat = f.features;
	if (strcmp(kind, "nonego"))
		feat |= VU_BIT(VIRTIO_NET_F_CSUM_BIT) |
			VU_BIT(VIRTIO_NET_F_HOST_TSO4_BIT) |
			VU_BIT(VIRTIO_NET_F_HOST_TSO6_BIT);
	if (vu_front_call(&f, VHOST_USER_SET_FEATURES, &feat, sizeof(feat),
			  NULL, 0, NULL) ||
	    vu_front_call(&f, VHOST_USER_GET_QUEUE_NUM, NULL, 0, NULL, 0, &r)) {
		fprintf(stderr, "SET_FEATURES failed\n");
		return 2;
	}
	if (!strcmp(kind, "csum")) {
		h.gso_type = 0;
		h.csum_start = (uint16_t)(len - 10);
	} else if (!strcmp(kind, "gso0")) {
		h.gso_size = 0;
	} else if (!strcmp(kind, "gsobig")) {
		h.gso_size = 4000;
	} else if (!strcmp(kind, "toobig")) {
		len =
		    70000; /* spans the transmit buffers, which are one area */
	} else if (!strcmp(kind, "mismatch")) {
		h.gso_type = 4; /* TCPV6 on an IPv4 frame */
	} else if (strcmp(kind, "nonego")) {
		fprintf(stderr, "unknown kind %s\n", kind);
		return 2;
	}
	memcpy(f.vq[1].bufs, &h, f.hdr_len);
	tcp4_frame(f.vq[1].bufs + f.hdr_len, len);
	d.addr = f.vq[1].buf_gpa;
	d.len = (uint32_t)(f.hdr_len + len);
	vu_front_post_raw(&f, 1, &d, 1, 0);
	for (int t = 0; t < 200; t++) {
		used = __atomic_load_n(&f.vq[1].used->idx, __ATOMIC_ACQUIRE);
		if (used)
			break;
		usleep(10000);
	}
	if (!used || !wait_closed(f.sock, 300)) {
		fprintf(stderr, "frame not taken, or connection closed\n");
		return 1;
	}
	vu_front_close(&f);
	return 0;
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
	if (argc == 4 && !strcmp(argv[1], "badhdr"))
		return badhdr(argv[2], argv[3]);
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
	fprintf(stderr, "usage: vnet-vu-peer evil|badmsg|badhdr SOCK KIND\n"
			"       vnet-vu-peer handshake SOCK\n"
			"       vnet-vu-peer ping SOCK MAC IP PEER_IP COUNT\n"
			"       vnet-vu-peer inorder SOCK\n"
			"       vnet-vu-peer smallrx SOCK SECONDS\n");
	return 2;
}
