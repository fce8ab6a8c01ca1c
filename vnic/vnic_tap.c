// SPDX-License-Identifier: GPL-2.0-or-later
/* vnic_tap.c - tap ports: a guest's or namespace's NIC ("tap"), and the
 * host's own vNIC ("host")
 *
 * The tap is made persistent so that it, and whatever the namespace or host
 * configured on it, survives a vnetd restart; vnetd re-attaches by name.  It
 * is deleted when the port is deleted.  A tap keeps working for vnetd when
 * it is moved to another network namespace: the fd stays bound to it.
 *
 * A burst is one system call where the kernel allows io_uring (vnic_uring.c):
 * a receive ring for the queue's owner and a transmit ring that one thread
 * at a time takes; a thread that finds it taken, and every tap where
 * io_uring is off or refused, reads and writes one frame per readv() or
 * writev().
 */
#include "vnic_provider.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/util.h"
#include "../lib/vnet_hdr.h"
#include "vnic_uring.h"

struct vnic_tap {
	struct vnic base;
	int fd;
	unsigned ol; /* VNET_OL_* the kernel may send us, and takes from us */
	int ifindex; /* in vnetd's namespace; 0 when elsewhere */
	bool remove;
	unsigned rx_lone; /* reads left to try one at a time (lone frames) */
	unsigned rx_want; /* reads the next ring burst submits */
	struct vnic_uring *rxu; /* receive ring (queue owner), or NULL */
	struct vnic_uring *txu; /* transmit ring, or NULL */
	atomic_flag tx_busy;	/* a thread is using txu */
	char netns[64];
};

static struct vnic_tap *to_tap(const struct vnic *v)
{
	return (struct vnic_tap *)v;
}

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

/* Let the kernel hand us super-frames with partial checksums: the namespace
 * or host then sends 64 KB TCP frames through the tap, and so do we.  USO
 * only where the kernel knows it.  Return: the VNET_OL_* set now on. */
static unsigned tap_offloads_on(int fd)
{
	unsigned tso = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;

	if (!ioctl(fd, TUNSETOFFLOAD, tso | TUN_F_USO4 | TUN_F_USO6))
		return VNET_OL_ALL;
	if (!ioctl(fd, TUNSETOFFLOAD, tso))
		return VNET_OL_ALL & ~VNET_OL_USO;
	return 0;
}

/* A tap another process holds refuses TUNSETIFF with EBUSY.  So does one
 * whose holder was a vnetd killed a moment ago: the kernel tears down the
 * dead process's io_uring rings, which hold the tap too, some 20 ms after
 * it is gone (a vnetd that closes its taps itself unregisters them from the
 * rings first, and lets go of them at once).  Only a vnetd re-attaching the
 * ports of its state file, which its predecessor held, has reason to wait
 * for that: vnic_tap_busy_wait() turns the wait on for that while.  Any
 * other time a busy tap is refused at once, and the control thread does
 * not sleep on it. */
static bool tap_wait_busy;

/**
 * vnic_tap_busy_wait() - wait for taps found busy, or refuse them at once
 * @on: true while vnetd re-attaches the taps its predecessor held (a
 *      killed one's rings may hold them for some milliseconds more): a busy
 *      tap is tried again for half a second; false (the default): a busy
 *      tap is refused at once
 *
 * Control thread only.
 */
void vnic_tap_busy_wait(bool on)
{
	tap_wait_busy = on;
}

/* 10 ms apart: half a second for a dead vnetd's rings to let go. */
#define TAP_BUSY_TRIES 50

static int tap_attach(const char *name, int *fd_out, unsigned *ol, char *err,
		      size_t errlen)
{
	struct ifreq ifr = {0};
	int fd, ret, tries;

	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	for (tries = 0;; tries++) {
		fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			snprintf(err, errlen, "cannot open /dev/net/tun: %s",
				 strerror(errno));
			return ret;
		}
		ret = ioctl(fd, TUNSETIFF, &ifr) < 0 ? -errno : 0;
		if (!ret)
			break;
		close(fd);
		if (ret != -EBUSY || !tap_wait_busy || tries == TAP_BUSY_TRIES)
			break;
		usleep(10 * 1000);
	}
	if (ret == -EBUSY) {
		snprintf(err, errlen,
			 "tap '%s' is in use: another process has it open%s",
			 name, tries ? " (still after half a second)" : "");
		return ret;
	}
	if (ret) {
		snprintf(err, errlen,
			 "cannot create or attach tap '%s': %s (a device of "
			 "that name that is not a vnet tap?)",
			 name, strerror(-ret));
		return ret;
	}
	if (tries)
		vlog(VNIC, INFO,
		     "tap %s: busy for %d ms (a killed vnetd's "
		     "rings), then attached",
		     name, tries * 10);
	*ol = tap_offloads_on(fd);
	/* Without them, the kernel hands us finished checksums, no GSO. */
	if ((!*ol && ioctl(fd, TUNSETOFFLOAD, 0) < 0) ||
	    ioctl(fd, TUNSETPERSIST, 1) < 0) {
		ret = -errno;
		snprintf(err, errlen, "tap '%s': %s", name, strerror(errno));
		close(fd);
		return ret;
	}
	*fd_out = fd;
	return 0;
}

static int tap_open_common(const struct vnic_ops *ops,
			   const struct vnic_params *params, struct vnic **out,
			   char *err, size_t errlen)
{
	struct vnic_tap *t;
	int saved = -1, ret;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	vnic_base_init(&t->base, ops, params);
	t->fd = -1;
	t->rx_want = 1;
	atomic_flag_clear(&t->tx_busy);
	if (params->netns) {
		snprintf(t->netns, sizeof(t->netns), "%s", params->netns);
		ret = vnic_netns_enter(params->netns, &saved);
		if (ret) {
			snprintf(err, errlen,
				 "cannot enter network namespace '%s': %s",
				 params->netns, strerror(-ret));
			free(t);
			return ret;
		}
	}
	ret = tap_attach(params->name, &t->fd, &t->ol, err, errlen);
	atomic_store(&t->base.tx_offloads, t->ol);
	if (!ret) {
		ret = vnic_link_set(params->name, 1, t->base.mtu,
				    params->has_mac ? params->mac : NULL);
		if (ret)
			snprintf(err, errlen, "tap '%s': cannot set it up: %s",
				 params->name, strerror(-ret));
	}
	if (!ret && !params->netns)
		t->ifindex = vnic_link_ifindex(params->name);
	if (params->netns)
		vnic_netns_leave(saved);
	/* Without a ring the tap works as well, a call per frame. */
	if (!ret && !vnic_uring_open(t->fd, false, &t->rxu) &&
	    vnic_uring_open(t->fd, true, &t->txu)) {
		vnic_uring_close(t->rxu);
		t->rxu = NULL;
	}
	if (ret) {
		if (t->fd >= 0) {
			if (ioctl(t->fd, TUNSETPERSIST, 0) < 0) {
				/* closing still detaches */
			}
			close(t->fd);
		}
		free(t);
		return ret;
	}
	*out = &t->base;
	return 0;
}

static int tap_open(const struct vnic_params *params, struct vnic **out,
		    char *err, size_t errlen)
{
	return tap_open_common(&vnic_tap_ops, params, out, err, errlen);
}

static int host_open(const struct vnic_params *params, struct vnic **out,
		     char *err, size_t errlen)
{
	if (params->netns) {
		snprintf(err, errlen, "a host vNIC lives in vnetd's namespace");
		return -EINVAL;
	}
	return tap_open_common(&vnic_host_ops, params, out, err, errlen);
}

static void tap_close(struct vnic *v)
{
	struct vnic_tap *t = to_tap(v);

	if (t->remove && ioctl(t->fd, TUNSETPERSIST, 0) < 0 && errno != EBADFD)
		vlog(VNIC, WARN, "%s: cannot drop persistence: %s", v->name,
		     strerror(errno));
	vnic_uring_close(t->rxu);
	vnic_uring_close(t->txu);
	close(t->fd);
	free(t);
}

static bool tap_remove(struct vnic *v)
{
	to_tap(v)->remove = true;
	return true;
}

/* Frames arriving one per wake-up (low rates) cost a read that takes the
 * frame and one more that finds the queue empty, as dear as the first.  The
 * tap's fd is watched level-triggered, so a frame not read now wakes the
 * thread again at once: after a burst that was one lone frame, the next
 * bursts read one frame each and skip the empty read, for a few bursts;
 * then one burst reads until the queue is empty again to see whether
 * frames still come alone.  Any burst of more than one frame ends it.
 *
 * A ring burst must choose its number of reads, and give each a buffer (64
 * KB with offloads) before it knows how many frames wait: it first submits
 * as many as the last burst found frames, plus one to see the queue's end,
 * then, while every read finds a frame, a round of twice as many.  So a
 * queue that holds a few frames costs a few buffers, and a full one a few
 * rounds. */
#define TAP_LONE_READS 8

static void tap_rx_learn(struct vnic_tap *t, unsigned want, unsigned found,
			 bool emptied)
{
	if (emptied) {
		t->rx_lone = found == 1 ? TAP_LONE_READS : 0;
		t->rx_want = found + 1;
	} else if (want == 1 && t->rx_lone) {
		t->rx_lone--;
	} else {
		t->rx_lone = 0;
		t->rx_want = 2 * want;
	}
	if (t->rx_want > VNIC_URING_MAX)
		t->rx_want = VNIC_URING_MAX;
}

/* A receive buffer: big when the kernel may hand us a super-frame. */
static struct pkt *tap_rx_buf(struct vnic_tap *t, struct pkt_pool *pool,
			      size_t *room)
{
	struct pkt *p = NULL;

	/* With offloads on, any read may be a 64 KB super-frame. */
	if (t->ol)
		p = pkt_pool_alloc_big(pool);
	*room = p ? PKT_GSO_MAX_FRAME + 1 : PKT_MAX_FRAME;
	if (!p)
		p = pkt_pool_alloc(pool);
	if (!p)
		vnic_count_drop(&t->base, VNIC_DROP_NO_BUFFER, 1);
	return p;
}

/* @r bytes were read into @h and @p: keep the frame, or count and free it.
 * Return: whether @p is a frame to hand on. */
static bool tap_rx_frame(struct vnic_tap *t, const struct virtio_net_hdr *h,
			 struct pkt *p, size_t r, size_t room)
{
	enum vnet_hdr_err e;

	if (r < sizeof(*h)) {
		pkt_free(p);
		return false;
	}
	p->len = (uint32_t)(r - sizeof(*h));
	if (p->len >= room) {
		vnic_count_drop(&t->base, VNIC_DROP_TRUNCATED, 1);
		pkt_free(p);
		return false;
	}
	e = vnet_hdr_to_pkt(h, t->ol, p);
	if (e != VNET_HDR_OK) {
		vnic_count_drop(&t->base, vnic_drop_hdr(e), 1);
		pkt_free(p);
		return false;
	}
	return true;
}

/**
 * struct tap_rx_round - what the rounds of one ring burst found
 * @got: frames handed on
 * @found: reads that returned a frame (handed on or dropped)
 * @emptied: a read found the queue empty
 * @err: the first error other than EAGAIN and EINTR (positive errno)
 */
struct tap_rx_round {
	unsigned got, found;
	bool emptied;
	int err;
};

/* One io_uring_enter() for @want reads (at most VNIC_URING_MAX) into
 * @pkts beyond those @r got already.  Return: reads submitted. */
static unsigned tap_rx_round(struct vnic_tap *t, struct pkt_pool *pool,
			     struct pkt **pkts, unsigned want,
			     struct tap_rx_round *r)
{
	struct virtio_net_hdr h[VNIC_URING_MAX];
	struct iovec iov[VNIC_URING_MAX][2];
	const struct iovec *iovs[VNIC_URING_MAX];
	unsigned cnts[VNIC_URING_MAX], k;
	struct pkt *p[VNIC_URING_MAX];
	size_t room[VNIC_URING_MAX];
	int res[VNIC_URING_MAX];
	bool broke;

	for (k = 0; k < want; k++) {
		p[k] = tap_rx_buf(t, pool, &room[k]);
		if (!p[k])
			break;
		iov[k][0] = (struct iovec){&h[k], sizeof(h[k])};
		iov[k][1] = (struct iovec){p[k]->data, room[k]};
		iovs[k] = iov[k];
		cnts[k] = 2;
	}
	if (!k)
		return 0;
	/* One read alone costs less as readv() than through the ring.  A
	 * ring that broke read nothing for the entries it left: the next
	 * call reads them with readv(). */
	broke = false;
	if (k == 1) {
		ssize_t len = readv(t->fd, iov[0], 2);

		res[0] = len < 0 ? -errno : (int)len;
	} else {
		broke = vnic_uring_rw(t->rxu, iovs, cnts, k, res) < 0;
	}
	for (unsigned i = 0; i < k; i++) {
		if (res[i] >= 0) {
			r->found++;
			if (tap_rx_frame(t, &h[i], p[i], (size_t)res[i],
					 room[i]))
				pkts[r->got++] = p[i];
			continue;
		}
		pkt_free(p[i]);
		if (res[i] == -EAGAIN)
			r->emptied = true;
		else if (res[i] != -EINTR && !(broke && res[i] == -EIO) &&
			 !r->err)
			r->err = -res[i];
	}
	return k;
}

/* Receive through the ring: rounds of reads, each one io_uring_enter(),
 * twice as many as the last while every read finds a frame, until the
 * queue is empty or @n frames are read (an epoll round to come back for
 * the rest costs more than one more round here).  Frames coming alone
 * take one read and one round. */
static int tap_rx_ring(struct vnic_tap *t, struct pkt_pool *pool,
		       struct pkt **pkts, unsigned n)
{
	struct tap_rx_round r = {0};
	bool lone = t->rx_lone > 1;
	unsigned want = lone ? 1 : t->rx_want, tried = 0;

	while (r.found < n) {
		unsigned k;

		if (want > n - r.found)
			want = n - r.found;
		if (want > VNIC_URING_MAX)
			want = VNIC_URING_MAX;
		k = tap_rx_round(t, pool, pkts, want, &r);
		tried += k;
		if (k < want || r.emptied || r.err || lone)
			break;
		want *= 2;
	}
	tap_rx_learn(t, tried, r.found, r.emptied);
	if (r.err && !r.got) /* else report it on the next call */
		return -(r.err == EBADFD ? ENODEV : r.err);
	return (int)r.got;
}

static int tap_rx_burst(struct vnic *v, unsigned rxq, struct pkt_pool *pool,
			struct pkt **pkts, unsigned n)
{
	struct vnic_tap *t = to_tap(v);
	unsigned got = 0, tried = 0, want = t->rx_lone > 1 ? 1 : n;
	bool emptied = false;

	if (vnic_uring_usable(t->rxu))
		return tap_rx_ring(t, pool, pkts, n);
	for (; tried < want; tried++) {
		struct virtio_net_hdr h;
		struct iovec iov[2];
		struct pkt *p;
		size_t room;
		ssize_t r;

		p = tap_rx_buf(t, pool, &room);
		if (!p)
			break;
		iov[0] = (struct iovec){&h, sizeof(h)};
		iov[1] = (struct iovec){p->data, room};
		r = readv(t->fd, iov, 2);
		if (r < 0) {
			int err = errno;

			pkt_free(p);
			emptied = err == EAGAIN;
			if (err == EAGAIN || err == EINTR)
				break;
			if (got)
				break; /* report it on the next call */
			return -(err == EBADFD ? ENODEV : err);
		}
		if (tap_rx_frame(t, &h, p, (size_t)r, room))
			pkts[got++] = p;
	}
	tap_rx_learn(t, want, tried, emptied);
	return (int)got;
}

/* The iovec of one frame to send, its header in @h: its count. */
static unsigned tap_tx_iov(const struct pkt_out *o, struct virtio_net_hdr *h,
			   uint8_t tag[4], struct iovec iov[4])
{
	vnet_hdr_from_pkt(o->pkt, o->tci, h);
	iov[0] = (struct iovec){h, sizeof(*h)};
	return pkt_tx_iov(o->pkt, o->tci, tag, iov + 1) + 1;
}

/* writev() frame by frame; after EBADFD (device gone) the rest are not
 * tried and fail alike. */
static void tap_tx_writev(struct vnic_tap *t, const struct pkt_out *out,
			  unsigned n, int *res, bool redo_eio)
{
	for (unsigned i = 0; i < n; i++) {
		struct virtio_net_hdr h;
		struct iovec iov[4];
		uint8_t tag[4];
		unsigned cnt;

		if (redo_eio && res[i] != -EIO)
			continue;
		cnt = tap_tx_iov(&out[i], &h, tag, iov);
		res[i] = writev(t->fd, iov, (int)cnt) < 0 ? -errno : 0;
		if (res[i] == -EBADFD) {
			/* (frames the ring already sent keep their result) */
			while (++i < n)
				if (!redo_eio || res[i] == -EIO)
					res[i] = -EBADFD;
			return;
		}
	}
}

/* Send @n (at most VNIC_URING_MAX) frames, their results in @res: through
 * the transmit ring when this thread gets it, else frame by frame. */
static void tap_tx_some(struct vnic_tap *t, const struct pkt_out *out,
			unsigned n, int *res)
{
	struct virtio_net_hdr h[VNIC_URING_MAX];
	struct iovec iov[VNIC_URING_MAX][4];
	const struct iovec *iovs[VNIC_URING_MAX];
	uint8_t tag[VNIC_URING_MAX][4];
	unsigned cnts[VNIC_URING_MAX];
	bool broke;

	/* One frame alone costs less as writev() than through the ring. */
	if (n == 1 || !vnic_uring_usable(t->txu) ||
	    atomic_flag_test_and_set_explicit(&t->tx_busy,
					      memory_order_acquire)) {
		tap_tx_writev(t, out, n, res, false);
		return;
	}
	/* Broken by the thread that held it before: never submit again
	 * (its submission queue may hold that thread's dead entries). */
	if (!vnic_uring_usable(t->txu)) {
		atomic_flag_clear_explicit(&t->tx_busy, memory_order_release);
		tap_tx_writev(t, out, n, res, false);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		cnts[i] = tap_tx_iov(&out[i], &h[i], tag[i], iov[i]);
		iovs[i] = iov[i];
	}
	broke = vnic_uring_rw(t->txu, iovs, cnts, n, res) < 0;
	atomic_flag_clear_explicit(&t->tx_busy, memory_order_release);
	/* Entries a broken ring did not take were not written. */
	if (broke)
		tap_tx_writev(t, out, n, res, true);
}

/* Count the results of @n frames (see "Transmit accounting"): bytes for
 * those that went, a drop reason for each other.  Return: frames sent, or
 * -ENODEV when @may_fail and the device was gone for every frame (then
 * none is counted). */
static int tap_tx_account(struct vnic *v, const struct pkt_out *out,
			  const int *res, unsigned n, bool may_fail,
			  uint64_t *bytes)
{
	unsigned sent = 0, gone = 0;

	for (unsigned i = 0; i < n; i++)
		gone += res[i] == -EBADFD;
	if (may_fail && gone == n)
		return -ENODEV;
	for (unsigned i = 0; i < n; i++) {
		if (res[i] >= 0) {
			*bytes += pkt_tx_len(out[i].pkt, out[i].tci);
			sent++;
			continue;
		}
		/* EAGAIN: queue full; EIO: device down; EBADFD: device gone
		 * mid-burst, the next call reports it. */
		vnic_count_drop(v,
				res[i] == -EAGAIN ? VNIC_DROP_TX_FULL
						  : VNIC_DROP_TX_ERROR,
				1);
	}
	return (int)sent;
}

static int tap_tx_burst(struct vnic *v, unsigned txq, const struct pkt_out *out,
			unsigned n, uint64_t *bytes)
{
	struct vnic_tap *t = to_tap(v);
	int res[VNIC_URING_MAX], sent = 0;

	for (unsigned off = 0, m; off < n; off += m) {
		int r;

		m = n - off < VNIC_URING_MAX ? n - off : VNIC_URING_MAX;
		tap_tx_some(t, out + off, m, res);
		r = tap_tx_account(v, out + off, res, m, off == 0, bytes);
		if (r < 0)
			return r;
		sent += r;
	}
	return sent;
}

static int tap_rx_fd(const struct vnic *v, unsigned rxq)
{
	return to_tap(v)->fd;
}

static int tap_ifindex(const struct vnic *v)
{
	return to_tap(v)->ifindex;
}

static bool tap_alive(struct vnic *v)
{
	struct ifreq ifr = {0};

	/* Fails with EBADFD once the device is deleted, moved or not. */
	return ioctl(to_tap(v)->fd, TUNGETIFF, &ifr) == 0;
}

static void tap_describe(const struct vnic *v, json_t *obj)
{
	const struct vnic_tap *t = to_tap(v);

	json_object_set_new(obj, "device", json_string(v->name));
	json_object_set_new(
	    obj, "io",
	    json_string(vnic_uring_usable(t->rxu) && vnic_uring_usable(t->txu)
			    ? "io_uring"
			    : "readv"));
	if (t->netns[0])
		json_object_set_new(obj, "netns", json_string(t->netns));
}

static void tap_mtu_changed(struct vnic *v, unsigned mtu)
{
	const struct vnic_tap *t = to_tap(v);
	int saved = -1;

	if (t->netns[0] && vnic_netns_enter(t->netns, &saved))
		return;
	vnic_link_set(v->name, -1, mtu, NULL);
	if (t->netns[0])
		vnic_netns_leave(saved);
}

/* A host vNIC is a tap that stays in vnetd's namespace: only open differs. */
#define TAP_COMMON_OPS                                                        \
	.close = tap_close, .rx_burst = tap_rx_burst,                         \
	.tx_burst = tap_tx_burst, .rx_fd = tap_rx_fd, .ifindex = tap_ifindex, \
	.alive = tap_alive, .describe = tap_describe,                         \
	.mtu_changed = tap_mtu_changed, .remove = tap_remove, .remakes = true

const struct vnic_ops vnic_tap_ops = {
    .kind = "tap",
    .open = tap_open,
    TAP_COMMON_OPS,
};

const struct vnic_ops vnic_host_ops = {
    .kind = "host",
    .open = host_open,
    TAP_COMMON_OPS,
};
