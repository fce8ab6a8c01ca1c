// SPDX-License-Identifier: GPL-2.0-or-later
/* vnic_tap.c - tap ports: a guest's or namespace's NIC ("tap"), and the
 * host's own vNIC ("host")
 *
 * The tap is made persistent so that it, and whatever the namespace or host
 * configured on it, survives a vnetd restart; vnetd re-attaches by name.  It
 * is deleted when the port is deleted.  A tap keeps working for vnetd when
 * it is moved to another network namespace: the fd stays bound to it.
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
#include <sys/ioctl.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/util.h"
#include "../lib/vnet_hdr.h"

struct vnic_tap {
	struct vnic base;
	int fd;
	unsigned ol; /* VNET_OL_* the kernel may send us, and takes from us */
	int ifindex; /* in vnetd's namespace; 0 when elsewhere */
	bool remove;
	unsigned rx_lone; /* reads left to try one at a time (lone frames) */
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

static int tap_attach(const char *name, int *fd_out, unsigned *ol, char *err,
		      size_t errlen)
{
	struct ifreq ifr = {0};
	int fd, ret;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open /dev/net/tun: %s",
			 strerror(errno));
		return ret;
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		ret = -errno;
		snprintf(err, errlen,
			 "cannot create or attach tap '%s': %s (a device of "
			 "that name that is not a vnet tap?)",
			 name, strerror(errno));
		close(fd);
		return ret;
	}
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
 * frames still come alone.  Any burst of more than one frame ends it. */
#define TAP_LONE_READS 8

static void tap_rx_learn(struct vnic_tap *t, unsigned want, unsigned tried,
			 bool emptied)
{
	if (emptied)
		t->rx_lone = tried == 1 ? TAP_LONE_READS : 0;
	else if (want == 1 && t->rx_lone)
		t->rx_lone--;
	else
		t->rx_lone = 0;
}

static int tap_rx_burst(struct vnic *v, unsigned rxq, struct pkt_pool *pool,
			struct pkt **pkts, unsigned n)
{
	struct vnic_tap *t = to_tap(v);
	unsigned got = 0, tried = 0, want = t->rx_lone > 1 ? 1 : n;
	bool emptied = false;

	for (; tried < want; tried++) {
		struct virtio_net_hdr h;
		struct pkt *p = NULL;
		struct iovec iov[2];
		enum vnet_hdr_err e;
		size_t room;
		ssize_t r;

		/* With offloads on, any read may be a 64 KB super-frame. */
		if (t->ol)
			p = pkt_pool_alloc_big(pool);
		room = p ? PKT_GSO_MAX_FRAME + 1 : PKT_MAX_FRAME;
		if (!p)
			p = pkt_pool_alloc(pool);
		if (!p) {
			vnic_count_drop(v, VNIC_DROP_NO_BUFFER, 1);
			break;
		}
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
		if ((size_t)r < sizeof(h)) {
			pkt_free(p);
			continue;
		}
		p->len = (uint32_t)((size_t)r - sizeof(h));
		if (p->len >= room) {
			vnic_count_drop(v, VNIC_DROP_TRUNCATED, 1);
			pkt_free(p);
			continue;
		}
		e = vnet_hdr_to_pkt(&h, t->ol, p);
		if (e != VNET_HDR_OK) {
			vnic_count_drop(v, vnic_drop_hdr(e), 1);
			pkt_free(p);
			continue;
		}
		pkts[got++] = p;
	}
	tap_rx_learn(t, want, tried, emptied);
	return (int)got;
}

static int tap_tx_burst(struct vnic *v, unsigned txq, const struct pkt_out *out,
			unsigned n, uint64_t *bytes)
{
	struct vnic_tap *t = to_tap(v);
	unsigned sent = 0;

	for (unsigned i = 0; i < n; i++) {
		struct virtio_net_hdr h;
		struct iovec iov[4];
		uint8_t tag[4];
		unsigned cnt;

		vnet_hdr_from_pkt(out[i].pkt, out[i].tci, &h);
		iov[0] = (struct iovec){&h, sizeof(h)};
		cnt = pkt_tx_iov(out[i].pkt, out[i].tci, tag, iov + 1);
		if (writev(t->fd, iov, (int)cnt + 1) < 0) {
			if (errno == EBADFD && !sent)
				return -ENODEV;
			if (errno == EBADFD) {
				/* Device gone mid-burst: the rest are lost
				 * here, the next call reports the failure. */
				vnic_count_drop(v, VNIC_DROP_TX_ERROR, n - i);
				break;
			}
			/* EIO: the device is down; EAGAIN: queue full. */
			vnic_count_drop(v,
					errno == EAGAIN ? VNIC_DROP_TX_FULL
							: VNIC_DROP_TX_ERROR,
					1);
			continue;
		}
		*bytes += pkt_tx_len(out[i].pkt, out[i].tci);
		sent++;
	}
	return (int)sent;
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
	.mtu_changed = tap_mtu_changed, .remove = tap_remove

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
