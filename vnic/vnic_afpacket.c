// SPDX-License-Identifier: GPL-2.0-or-later
/* vnic_afpacket.c - uplink to a physical NIC over a packet socket
 *
 * Receive through a TPACKET_V3 ring (one poll wakes us for a whole block of
 * frames); transmit with sendmmsg() past the qdisc layer.  PACKET_VNET_HDR
 * makes the kernel tell us what offloads left undone, so partial checksums
 * are finished, and super-frames (GRO'd, or sent whole by a veth peer's
 * stack: TCP, and UDP from UDP_SEGMENT or UDP GRO where the kernel speaks
 * USO in the header) enter the switch whole (it cuts them only for ports
 * without the offload), or are cut back to MSS-sized frames here when no
 * super-frame buffer is free or their header does not pass the check:
 * offloads on the NIC can stay on.  Tags the
 * NIC stripped into metadata are put back into the frame.  On transmit the
 * same header hands TCP super-frames and partial checksums to the kernel,
 * which leaves them to the NIC or segments them in software: vnet never
 * cuts a TCP frame it sends to an uplink, nor a UDP one (USO) where the
 * kernel takes it (probed once, see afp_uso_probe()).  Super-frames take a
 * second socket that goes through the qdisc layer: the direct path drops a
 * frame the device cannot take whole instead of segmenting it.
 */
#include "vnic_provider.h"
#include "vnic_afpacket.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/util.h"
#include "../lib/vnet_hdr.h"

#define AFP_BLOCK_SIZE (1u << 20)
#define AFP_BLOCK_NR   16
#define AFP_FRAME_SIZE 2048
#define AFP_RETIRE_MS  1 /* bounds the latency a half-filled block adds */
#define AFP_SNDBUF     (8u << 20) /* a burst of super-frames in flight */
/* What the kernel takes with PACKET_VNET_HDR on transmit, on any kernel;
 * UDP super-frames (VNET_OL_USO) only where afp_uso_probe() says so. */
#define AFP_TX_OFFLOADS \
	(VNET_OL_CSUM | VNET_OL_TSO4 | VNET_OL_TSO6 | VNET_OL_ECN)
/* What a super-frame from the kernel may be to enter the switch whole; UDP
 * ones too where afp_uso_probe() says the kernel speaks USO in virtio-net
 * headers (a veth peer's UDP_SEGMENT sends, rx-udp-gro-forwarding). */
#define AFP_RX_OFFLOADS AFP_TX_OFFLOADS

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

struct vnic_afpacket {
	struct vnic base;
	int fd;
	int gso_fd; /* transmit only, through the qdisc layer */
	int ifindex;
	char dev[IFNAMSIZ];
	uint8_t *ring;
	size_t ring_size;
	/* Position in the ring: block, next frame in it, frames left. */
	unsigned block;
	struct tpacket3_hdr *frame;
	unsigned left;
	size_t gso_off; /* progress through a super-frame being cut */
	unsigned rx_ol; /* VNET_OL_* a received super-frame enters whole with */
	void *priv;	/* a backend built on this one (veth): its state */
};

static struct vnic_afpacket *to_afp(const struct vnic *v)
{
	return (struct vnic_afpacket *)v;
}

static int afp_setup(struct vnic_afpacket *a, char *err, size_t errlen)
{
	struct tpacket_req3 req = {
	    .tp_block_size = AFP_BLOCK_SIZE,
	    .tp_block_nr = AFP_BLOCK_NR,
	    .tp_frame_size = AFP_FRAME_SIZE,
	    .tp_frame_nr = AFP_BLOCK_SIZE / AFP_FRAME_SIZE * AFP_BLOCK_NR,
	    .tp_retire_blk_tov = AFP_RETIRE_MS,
	};
	struct sockaddr_ll sll = {
	    .sll_family = AF_PACKET,
	    .sll_protocol = htons(ETH_P_ALL),
	    .sll_ifindex = a->ifindex,
	};
	struct packet_mreq mr = {.mr_ifindex = a->ifindex,
				 .mr_type = PACKET_MR_PROMISC};
	int one = 1, v3 = TPACKET_V3;
	const char *what;

	a->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	what = "socket";
	if (a->fd < 0)
		goto fail;
	what = "PACKET_VNET_HDR";
	if (setsockopt(a->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)))
		goto fail;
	what = "TPACKET_V3";
	if (setsockopt(a->fd, SOL_PACKET, PACKET_VERSION, &v3, sizeof(v3)))
		goto fail;
	what = "PACKET_RX_RING";
	if (setsockopt(a->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)))
		goto fail;
	a->ring_size = (size_t)AFP_BLOCK_SIZE * AFP_BLOCK_NR;
	a->ring = mmap(NULL, a->ring_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_LOCKED, a->fd, 0);
	if (a->ring == MAP_FAILED)
		a->ring = mmap(NULL, a->ring_size, PROT_READ | PROT_WRITE,
			       MAP_SHARED, a->fd, 0);
	what = "mmap";
	if (a->ring == MAP_FAILED) {
		a->ring = NULL;
		goto fail;
	}
	/* Frames the host itself sends on the NIC are not the switch's. */
	what = "PACKET_IGNORE_OUTGOING";
	if (setsockopt(a->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		       sizeof(one)))
		goto fail;
	what = "PACKET_QDISC_BYPASS";
	if (setsockopt(a->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
		       sizeof(one)))
		goto fail;
	what = "bind";
	if (bind(a->fd, (struct sockaddr *)&sll, sizeof(sll)))
		goto fail;
	/* Protocol 0: this one receives nothing. */
	a->gso_fd =
	    socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	what = "socket";
	if (a->gso_fd < 0)
		goto fail;
	what = "PACKET_VNET_HDR";
	if (setsockopt(a->gso_fd, SOL_PACKET, PACKET_VNET_HDR, &one,
		       sizeof(one)))
		goto fail;
	if (setsockopt(a->gso_fd, SOL_SOCKET, SO_SNDBUFFORCE,
		       &(int){AFP_SNDBUF}, sizeof(int)) &&
	    setsockopt(a->gso_fd, SOL_SOCKET, SO_SNDBUF, &(int){AFP_SNDBUF},
		       sizeof(int))) {
		/* the default buffer works, with more tx_full drops */
	}
	sll.sll_protocol = 0;
	what = "bind";
	if (bind(a->gso_fd, (struct sockaddr *)&sll, sizeof(sll)))
		goto fail;
	what = "promiscuous mode";
	if (setsockopt(a->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
		       sizeof(mr)))
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "uplink '%s': %s: %s", a->dev, what,
		 strerror(errno));
	return -errno;
}

/* The probe's UDP super-frame: 3 segments of AFP_PROBE_MSS payload bytes,
 * IPv4 from and to TEST-NET-1, to a MAC that is not the device's. */
#define AFP_PROBE_MSS 100
#define AFP_PROBE_LEN (14 + 20 + 8 + 3 * AFP_PROBE_MSS)

static void afp_probe_frame(uint8_t *f, struct virtio_net_hdr *h)
{
	uint8_t *ip = f + 14, *udp = f + 34;
	uint32_t sum;

	memset(f, 0, AFP_PROBE_LEN);
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	pkt_put_be16(f + 12, ETHERTYPE_IPV4);
	ip[0] = 0x45;
	pkt_put_be16(ip + 2, AFP_PROBE_LEN - 14);
	ip[8] = 1;
	ip[9] = 17;
	memcpy(ip + 12, "\xc0\x00\x02\x01\xc0\x00\x02\x02", 8);
	pkt_put_be16(ip + 10, csum_fold(csum_partial(ip, 20, 0)));
	pkt_put_be16(udp, 9);	  /* discard */
	pkt_put_be16(udp + 2, 9); /* discard */
	pkt_put_be16(udp + 4, AFP_PROBE_LEN - 34);
	sum = csum_partial(ip + 12, 8, 0) + 17 + (AFP_PROBE_LEN - 34);
	pkt_put_be16(udp + 6, (uint16_t)~csum_fold(sum));
	*h = (struct virtio_net_hdr){
	    .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
	    .gso_type = VIRTIO_NET_HDR_GSO_UDP_L4,
	    .hdr_len = 42,
	    .gso_size = AFP_PROBE_MSS,
	    .csum_start = 34,
	    .csum_offset = 6,
	};
}

/* The probe proper, on a thread of its own: the namespace it makes is that
 * thread's alone, and goes away with it.  @arg: an int, set to 1 when the
 * send was taken. */
static void *afp_uso_probe_thread(void *arg)
{
	uint8_t frame[AFP_PROBE_LEN];
	struct virtio_net_hdr h;
	struct iovec iov[2] = {{&h, sizeof(h)}, {frame, sizeof(frame)}};
	struct ifreq ifr = {.ifr_name = "lo"};
	struct sockaddr_ll sll = {.sll_family = AF_PACKET};
	int one = 1, fd;

	if (unshare(CLONE_NEWNET))
		return NULL;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		if (!ioctl(fd, SIOCSIFFLAGS, &ifr) &&
		    !ioctl(fd, SIOCGIFINDEX, &ifr) &&
		    !setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one,
				sizeof(one))) {
			sll.sll_ifindex = ifr.ifr_ifindex;
			afp_probe_frame(frame, &h);
			if (!bind(fd, (struct sockaddr *)&sll, sizeof(sll)) &&
			    writev(fd, iov, 2) ==
				(ssize_t)(sizeof(h) + sizeof(frame)))
				*(int *)arg = 1;
		}
	}
	close(fd);
	return NULL;
}

static bool afp_uso_ok;

static void afp_uso_probe_once(void)
{
	pthread_t t;
	int ok = 0;

	if (!pthread_create(&t, NULL, afp_uso_probe_thread, &ok))
		pthread_join(t, NULL);
	afp_uso_ok = ok;
	if (ok)
		vlog(VNIC, INFO,
		     "uplinks: the kernel takes UDP super-frames (USO) whole");
	else
		vlog(VNIC, INFO,
		     "uplinks: the kernel refuses UDP super-frames (USO), or "
		     "the probe failed: they are cut before uplinks");
}

/*
 * Whether a packet socket with PACKET_VNET_HDR takes a UDP super-frame
 * (VIRTIO_NET_HDR_GSO_UDP_L4): virtio_net_hdr_to_skb() knows the type from
 * Linux 6.2 on (the USO series that also gave taps TUN_F_USO4/6) and older
 * kernels refuse the send with EINVAL, frame and all.  Rather than trust a
 * version number (distributions backport) or a tap's TUNSETOFFLOAD (the
 * same series, another code path), the probe asks the packet socket itself:
 * it sends one small UDP super-frame on the loopback device of a network
 * namespace made for it, so nothing reaches a wire or the host's stack
 * (the frame is for another MAC: that namespace's stack drops it).  Once
 * per process, at the first open: the kernel does not change under us.
 * Without CAP_SYS_ADMIN (unshare) the answer is no, which is always safe:
 * the switch then cuts UDP super-frames before an uplink.  The same series
 * taught virtio_net_hdr_from_skb() the type, so the answer also says
 * whether the ring hands us UDP super-frames with a header (they then enter
 * the switch whole); before it the kernel drops them itself.
 */
static bool afp_uso_probe(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, afp_uso_probe_once);
	return afp_uso_ok;
}

static void afp_free(struct vnic_afpacket *a)
{
	if (a->ring)
		munmap(a->ring, a->ring_size);
	if (a->fd >= 0)
		close(a->fd);
	if (a->gso_fd >= 0)
		close(a->gso_fd);
	free(a);
}

/**
 * vnic_afpacket_open_as() - open a packet-socket port for a backend built on
 * this one
 * @ops: the port's ops (vnic_afpacket_ops, or a backend that forwards its
 *       datapath calls to them)
 * @params: what to open; @params->dev the device
 * @priv: that backend's state, kept for vnic_afpacket_priv(); not freed here
 * @out: the port
 * @err: a sentence for the user on failure
 * @errlen: room in @err
 *
 * Return: 0 or -errno
 */
int vnic_afpacket_open_as(const struct vnic_ops *ops,
			  const struct vnic_params *params, void *priv,
			  struct vnic **out, char *err, size_t errlen)
{
	struct vnic_afpacket *a;
	unsigned uso;
	int ret;

	if (!params->dev) {
		snprintf(err, errlen, "an uplink needs a device");
		return -EINVAL;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	vnic_base_init(&a->base, ops, params);
	a->fd = -1;
	a->gso_fd = -1;
	a->priv = priv;
	snprintf(a->dev, sizeof(a->dev), "%s", params->dev);
	a->ifindex = vnic_link_ifindex(params->dev);
	if (a->ifindex <= 0) {
		snprintf(err, errlen, "no network device '%s'", params->dev);
		free(a);
		return -ENODEV;
	}
	ret = afp_setup(a, err, errlen);
	uso = afp_uso_probe() ? VNET_OL_USO : 0;
	a->rx_ol = AFP_RX_OFFLOADS | VNET_OL_UDP_TNL | uso;
	atomic_store(&a->base.tx_offloads, AFP_TX_OFFLOADS | uso);
	if (!ret) {
		ret = vnic_link_set(params->dev, 1, 0, NULL);
		if (ret)
			snprintf(err, errlen,
				 "uplink '%s': cannot set it up: %s",
				 params->dev, strerror(-ret));
	}
	if (ret) {
		afp_free(a);
		return ret;
	}
	*out = &a->base;
	return 0;
}

/**
 * vnic_afpacket_priv() - the state a backend gave vnic_afpacket_open_as()
 * @v: a port opened by it
 *
 * Return: that state
 */
void *vnic_afpacket_priv(const struct vnic *v)
{
	return to_afp(v)->priv;
}

static int afp_open(const struct vnic_params *params, struct vnic **out,
		    char *err, size_t errlen)
{
	return vnic_afpacket_open_as(&vnic_afpacket_ops, params, NULL, out, err,
				     errlen);
}

static void afp_close(struct vnic *v)
{
	afp_free(to_afp(v));
}

static struct tpacket_block_desc *afp_block(struct vnic_afpacket *a)
{
	return (struct tpacket_block_desc *)(a->ring +
					     (size_t)a->block * AFP_BLOCK_SIZE);
}

/* The TPID of the VLAN tag the kernel took off a received frame, 0 when
 * there was none.  TP_STATUS_VLAN_VALID says a tag was there even when its
 * TCI is 0 (a priority tag); a kernel without it reports a nonzero TCI
 * only.  The tag may be an 802.1ad S-tag: its TPID comes with
 * TP_STATUS_VLAN_TPID_VALID, and 802.1Q is the kernel's only other. */
static uint16_t afp_tag_tpid(const struct tpacket3_hdr *f)
{
	if (!(f->tp_status & TP_STATUS_VLAN_VALID) && !f->hv1.tp_vlan_tci)
		return 0;
	if (f->tp_status & TP_STATUS_VLAN_TPID_VALID && f->hv1.tp_vlan_tpid)
		return (uint16_t)f->hv1.tp_vlan_tpid;
	return ETHERTYPE_VLAN;
}

/* A super-frame the kernel received (GRO) or a local stack sent (TSO): into
 * one super-frame buffer, whole, when its header passes the check; the
 * switch cuts it only for ports that cannot take it.  NULL: cut it here. */
static struct pkt *afp_take_whole(const struct virtio_net_hdr *hdr,
				  const uint8_t *data, uint32_t len,
				  uint16_t tpid, uint16_t tci, unsigned allowed,
				  struct pkt_pool *pool)
{
	/* A copy: the caller cuts the untagged frame with @hdr as it came
	 * when this refuses it. */
	struct virtio_net_hdr hc = *hdr, *h = &hc;
	struct pkt *p;

	if (len + 4 > PKT_GSO_MAX_FRAME)
		return NULL;
	p = pkt_pool_alloc_big(pool);
	if (!p)
		return NULL;
	memcpy(p->data, data, len);
	p->len = len;
	if (tpid && !pkt_push_vlan(p, tpid, tci)) {
		/* The tag moved everything after the MAC addresses. */
		h->csum_start = htole16((uint16_t)(le16toh(h->csum_start) + 4));
	}
	if (vnet_hdr_to_pkt(h, allowed, p) != VNET_HDR_OK) {
		pkt_free(p);
		return NULL;
	}
	return p;
}

/* Copy one ring frame into pool packets: 0..n packets (super-frames are cut
 * into several).  Returns the count made, or -EAGAIN when @room is too small
 * to finish it (the frame stays current). */
static int afp_take(struct vnic_afpacket *a, struct tpacket3_hdr *f,
		    struct pkt_pool *pool, struct pkt **pkts, unsigned room)
{
	struct vnic *v = &a->base;
	const uint8_t *data = (const uint8_t *)f + f->tp_mac;
	const struct virtio_net_hdr *h =
	    (const struct virtio_net_hdr *)(data - sizeof(*h));
	uint16_t tpid = afp_tag_tpid(f);
	uint16_t tci = (uint16_t)f->hv1.tp_vlan_tci;
	uint32_t len = f->tp_snaplen;
	struct virtio_net_hdr hcopy;
	struct pkt *p;
	int n;

	if (f->tp_mac < sizeof(*h) || f->tp_snaplen != f->tp_len) {
		vnic_count_drop(v, VNIC_DROP_TRUNCATED, 1);
		return 0;
	}
	memcpy(&hcopy, h, sizeof(hcopy));
	if (hcopy.gso_type != VIRTIO_NET_HDR_GSO_NONE && !a->gso_off) {
		p = afp_take_whole(&hcopy, data, len, tpid, tci, a->rx_ol,
				   pool);
		if (p) {
			pkts[0] = p;
			return 1;
		}
	}
	if (hcopy.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		n = vnet_hdr_gso_segment(&hcopy, data, len, &a->gso_off, pool,
					 pkts, room);
		if (n < 0) {
			vnic_count_drop(v,
					n == -ENOBUFS ? VNIC_DROP_NO_BUFFER
					: n == -EPROTONOSUPPORT
					    ? VNIC_DROP_GSO_UNSUPPORTED
					    : VNIC_DROP_BAD_VNET_HDR,
					1);
			a->gso_off = 0;
			return 0;
		}
		for (int i = 0; tpid && i < n; i++)
			pkt_push_vlan(pkts[i], tpid, tci);
		if (a->gso_off != SIZE_MAX)
			return n ? n : -EAGAIN;
		a->gso_off = 0;
		atomic_fetch_add_explicit(&v->superframes, 1,
					  memory_order_relaxed);
		return n;
	}
	if (len > PKT_MAX_FRAME - 4) {
		vnic_count_drop(v, VNIC_DROP_TRUNCATED, 1);
		return 0;
	}
	p = pkt_pool_alloc(pool);
	if (!p) {
		vnic_count_drop(v, VNIC_DROP_NO_BUFFER, 1);
		return 0;
	}
	memcpy(p->data, data, len);
	p->len = len;
	if (vnet_hdr_csum_complete(&hcopy, p->data, p->len)) {
		vnic_count_drop(v, VNIC_DROP_BAD_VNET_HDR, 1);
		pkt_free(p);
		return 0;
	}
	if (hcopy.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		atomic_fetch_add_explicit(&v->csum_fixed, 1,
					  memory_order_relaxed);
	if (tpid)
		pkt_push_vlan(p, tpid, tci);
	pkts[0] = p;
	return 1;
}

static int afp_rx_burst(struct vnic *v, unsigned rxq, struct pkt_pool *pool,
			struct pkt **pkts, unsigned n)
{
	struct vnic_afpacket *a = to_afp(v);
	unsigned got = 0;

	while (got < n) {
		struct tpacket_block_desc *b = afp_block(a);
		int r;

		if (!a->frame) {
			if (!(__atomic_load_n(&b->hdr.bh1.block_status,
					      __ATOMIC_ACQUIRE) &
			      TP_STATUS_USER))
				break;
			a->left = b->hdr.bh1.num_pkts;
			a->frame =
			    (struct tpacket3_hdr *)((uint8_t *)b +
						    b->hdr.bh1
							.offset_to_first_pkt);
		}
		if (a->left) {
			r = afp_take(a, a->frame, pool, pkts + got, n - got);
			if (r == -EAGAIN)
				break;
			got += (unsigned)r;
			if (a->gso_off) /* super-frame not finished */
				continue;
			a->left--;
			a->frame =
			    (struct tpacket3_hdr *)((uint8_t *)a->frame +
						    a->frame->tp_next_offset);
		}
		if (!a->left) {
			/* Hand the block back to the kernel. */
			__atomic_store_n(&b->hdr.bh1.block_status,
					 TP_STATUS_KERNEL, __ATOMIC_RELEASE);
			a->frame = NULL;
			a->block = (a->block + 1) % AFP_BLOCK_NR;
		}
	}
	if (!got) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		/* A vanished device shows up as a socket error (ENETDOWN). */
		if (!getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) &&
		    soerr && soerr != ENETDOWN)
			vlog_rl(VNIC, WARN, "%s: socket error: %s", v->name,
				strerror(soerr));
		if (soerr == ENODEV || (soerr == ENETDOWN && !vnic_alive(v)))
			return -ENODEV;
	}
	return (int)got;
}

/* Send @cnt frames of @out on @fd; see afp_tx_burst() for the counting. */
static int afp_send(struct vnic *v, int fd, const struct pkt_out *out,
		    unsigned cnt, uint64_t *bytes, bool *gone)
{
	struct virtio_net_hdr h[PKT_BURST];
	struct mmsghdr msgs[PKT_BURST];
	struct iovec iov[PKT_BURST][4];
	uint8_t tags[PKT_BURST][4];
	int r;

	for (unsigned i = 0; i < cnt; i++) {
		vnet_hdr_from_pkt(out[i].pkt, out[i].tci, &h[i]);
		iov[i][0] = (struct iovec){&h[i], sizeof(h[i])};
		msgs[i] = (struct mmsghdr){0};
		msgs[i].msg_hdr.msg_iov = iov[i];
		msgs[i].msg_hdr.msg_iovlen =
		    1 + pkt_tx_iov(out[i].pkt, out[i].tci, tags[i], iov[i] + 1);
	}
	r = sendmmsg(fd, msgs, cnt, MSG_DONTWAIT);
	if (r < 0) {
		if (errno == ENXIO || errno == ENODEV) {
			*gone = true;
			return 0;
		}
		/* Count the frame that failed and go on with the rest: one
		 * bad frame must not stall the burst. */
		vnic_count_drop(v,
				errno == EAGAIN || errno == ENOBUFS
				    ? VNIC_DROP_TX_FULL
				    : VNIC_DROP_TX_ERROR,
				1);
		return -1;
	}
	for (int i = 0; i < r; i++)
		*bytes += pkt_tx_len(out[i].pkt, out[i].tci);
	return r;
}

static int afp_tx_burst(struct vnic *v, unsigned txq, const struct pkt_out *out,
			unsigned n, uint64_t *bytes)
{
	struct vnic_afpacket *a = to_afp(v);
	unsigned done = 0, sent = 0;

	while (done < n) {
		bool gso = out[done].pkt->ol.gso_type, gone = false;
		unsigned cnt = 1;
		int r;

		/* A run of frames of one kind, in order, on its socket. */
		while (done + cnt < n && cnt < PKT_BURST &&
		       (bool)out[done + cnt].pkt->ol.gso_type == gso)
			cnt++;
		r = afp_send(v, gso ? a->gso_fd : a->fd, out + done, cnt, bytes,
			     &gone);
		if (gone && !sent)
			return -ENODEV;
		if (gone) {
			/* The next call reports the failure. */
			vnic_count_drop(v, VNIC_DROP_TX_ERROR, n - done);
			break;
		}
		if (r < 0) { /* the first frame of the run, counted */
			done++;
			continue;
		}
		done += (unsigned)r;
		sent += (unsigned)r;
	}
	return (int)sent;
}

static int afp_rx_fd(const struct vnic *v, unsigned rxq)
{
	return to_afp(v)->fd;
}

static int afp_ifindex(const struct vnic *v)
{
	return to_afp(v)->ifindex;
}

static bool afp_alive(struct vnic *v)
{
	struct vnic_afpacket *a = to_afp(v);

	return vnic_link_ifindex(a->dev) == a->ifindex;
}

static void afp_describe(const struct vnic *v, json_t *obj)
{
	json_object_set_new(obj, "device", json_string(to_afp(v)->dev));
}

const struct vnic_ops vnic_afpacket_ops = {
    .kind = "afpacket",
    .open = afp_open,
    .close = afp_close,
    .rx_burst = afp_rx_burst,
    .tx_burst = afp_tx_burst,
    .rx_fd = afp_rx_fd,
    .ifindex = afp_ifindex,
    .alive = afp_alive,
    .describe = afp_describe,
};
