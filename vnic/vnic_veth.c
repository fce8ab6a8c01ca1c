// SPDX-License-Identifier: GPL-2.0-or-later
/* vnic_veth.c - a namespace on a veth pair: the backend owns the pair
 *
 * open() makes the pair (vnic_link_veth_add(): the end named like the port
 * goes into the port's namespace, "vh-NAME" stays in vnetd's, marked with
 * the ifalias "vnet:PORT"), or takes the one an earlier vnetd left, and
 * reads the host end through a packet socket (vnic_afpacket.c, whose
 * datapath calls these ops forward to).  Nothing is made or touched while
 * the namespace does not exist.  A device named like the host end that is
 * not this port's pair (not marked, nor provably the other end of the
 * port's device) is never replaced nor deleted, a veth another tool made
 * too: open() fails with -EEXIST and says so.  The network's MTU goes to
 * the namespace's end (the kernel fast path, vnic_fast.c, hands frames to
 * it unchecked); the host end takes any length (VETH_HOST_MTU), so that
 * vnetd sees and counts every frame too long for the network.  remove() makes
 * close() delete the pair (by the host end's index: the name may be another
 * device's by then); purge() deletes it for a port that is not open, if it is
 * the port's.
 *
 * The pair dies with its namespace.  The backend is "remakes": vnetd then
 * closes the port and opens it again, which makes a new pair, once a
 * namespace of that name exists again (vnetd_netns.c watches for it).
 */
#include "vnic_provider.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/log.h"
#include "vnic_afpacket.h"

/**
 * struct veth_priv - what a veth port knows beyond its packet socket
 * @host: the end in vnetd's namespace
 * @peer: the end in @netns (the port's device)
 * @netns: namespace name under /run/netns
 * @ifindex: @host's index when opened
 * @remove: close() deletes the pair
 */
struct veth_priv {
	char host[VNIC_IFNAMSIZ];
	char peer[VNIC_IFNAMSIZ];
	char netns[64];
	int ifindex;
	bool remove;
};

static struct veth_priv *priv_of(const struct vnic *v)
{
	return vnic_afpacket_priv(v);
}

/* The host end's MTU: the most a veth takes.  A namespace may raise its
 * end's MTU past the network's; a frame longer than the host end's MTU
 * (plus 18 bytes) the veth drops itself, counted only in the devices' own
 * counters, while one that reaches the packet socket vnetd drops as
 * `oversize` (`truncated` past its buffers), counted on the port.  vnetd
 * sends the host end nothing longer than the network's MTU. */
#define VETH_HOST_MTU 65535

static void veth_host_mtu(const struct veth_priv *vp)
{
	int ret = vnic_link_set(vp->host, 1, VETH_HOST_MTU, NULL);

	/* A pair gone with its namespace meanwhile: the port goes down and
	 * is made again, with this MTU, when the namespace comes back. */
	if (ret && ret != -ENODEV)
		vlog(VNIC, WARN,
		     "port %s: cannot set MTU %u on its host end %s: %s: "
		     "frames over it are dropped uncounted",
		     vp->peer, VETH_HOST_MTU, vp->host, strerror(-ret));
}

static int veth_open(const struct vnic_params *params, struct vnic **out,
		     char *err, size_t errlen)
{
	struct vnic_params host = *params;
	char mark[VNIC_VETH_MARKSIZ];
	struct veth_priv *vp;
	int ret;

	if (!params->dev || !params->netns) {
		snprintf(err, errlen,
			 "a veth port needs a device and the "
			 "namespace its end goes to");
		return -EINVAL;
	}
	vp = calloc(1, sizeof(*vp));
	if (!vp)
		return -ENOMEM;
	vnic_link_veth_host_name(params->dev, vp->host);
	snprintf(vp->peer, sizeof(vp->peer), "%s", params->dev);
	snprintf(vp->netns, sizeof(vp->netns), "%s", params->netns);
	vnic_link_veth_mark(params->name ? params->name : params->dev, mark);
	ret = vnic_link_veth_add(vp->host, vp->peer, vp->netns, mark,
				 params->has_mac ? params->mac : NULL,
				 params->mtu);
	if (ret == -ENOENT)
		snprintf(err, errlen,
			 "namespace %s does not exist: the pair %s/%s is made "
			 "when it does",
			 vp->netns, vp->host, vp->peer);
	else if (ret == -EEXIST && vnic_link_ifindex(vp->host) > 0)
		snprintf(err, errlen,
			 "%s exists and is not this port's veth (no ifalias "
			 "%s, not the peer of %s in %s): left alone",
			 vp->host, mark, vp->peer, vp->netns);
	else if (ret == -EEXIST)
		snprintf(err, errlen,
			 "cannot make veth pair %s/%s: %s is another device in "
			 "namespace %s",
			 vp->host, vp->peer, vp->peer, vp->netns);
	else if (ret)
		snprintf(err, errlen,
			 "cannot make veth pair %s/%s in namespace %s: %s",
			 vp->host, vp->peer, vp->netns, strerror(-ret));
	if (ret) {
		free(vp);
		return ret;
	}
	veth_host_mtu(vp);
	host.dev = vp->host;
	host.netns = NULL;
	ret =
	    vnic_afpacket_open_as(&vnic_veth_ops, &host, vp, out, err, errlen);
	if (ret)
		free(vp);
	else
		vp->ifindex = vnic_afpacket_ops.ifindex(*out);
	return ret;
}

static void veth_close(struct vnic *v)
{
	struct veth_priv *vp = priv_of(v);
	int ret;

	/* The socket first: the pair goes with the host end. */
	vnic_afpacket_ops.close(v);
	if (vp->remove && vp->ifindex > 0 &&
	    (ret = vnic_link_delete_ifindex(vp->ifindex)))
		vlog(VNIC, WARN, "port %s: cannot delete veth %s: %s", vp->peer,
		     vp->host, strerror(-ret));
	free(vp);
}

static int veth_rx_burst(struct vnic *v, unsigned rxq, struct pkt_pool *pool,
			 struct pkt **pkts, unsigned n)
{
	return vnic_afpacket_ops.rx_burst(v, rxq, pool, pkts, n);
}

static int veth_tx_burst(struct vnic *v, unsigned txq,
			 const struct pkt_out *out, unsigned n, uint64_t *bytes)
{
	return vnic_afpacket_ops.tx_burst(v, txq, out, n, bytes);
}

static int veth_rx_fd(const struct vnic *v, unsigned rxq)
{
	return vnic_afpacket_ops.rx_fd(v, rxq);
}

static int veth_ifindex(const struct vnic *v)
{
	return vnic_afpacket_ops.ifindex(v);
}

static bool veth_alive(struct vnic *v)
{
	return vnic_afpacket_ops.alive(v);
}

static void veth_describe(const struct vnic *v, json_t *obj)
{
	const struct veth_priv *vp = priv_of(v);

	json_object_set_new(obj, "host_device", json_string(vp->host));
	json_object_set_new(obj, "device", json_string(vp->peer));
}

static void veth_mtu_changed(struct vnic *v, unsigned mtu)
{
	const struct veth_priv *vp = priv_of(v);
	int ret = vnic_link_veth_mtu(vp->host, vp->peer, vp->netns, mtu);

	if (ret)
		vlog(VNIC, WARN, "port %s: cannot set MTU %u on veth %s: %s",
		     vp->peer, mtu, vp->host, strerror(-ret));
	veth_host_mtu(vp);
}

static bool veth_remove(struct vnic *v)
{
	priv_of(v)->remove = true;
	return true;
}

static int veth_purge(const struct vnic_params *params)
{
	char host[VNIC_IFNAMSIZ], mark[VNIC_VETH_MARKSIZ];
	int ret;

	if (!params->dev || !params->netns)
		return -EINVAL;
	vnic_link_veth_host_name(params->dev, host);
	vnic_link_veth_mark(params->name ? params->name : params->dev, mark);
	ret = vnic_link_veth_delete(host, params->dev, params->netns, mark);
	if (ret != -EEXIST)
		return ret;
	vlog(VNIC, INFO,
	     "port %s: %s is not its veth (no ifalias %s): left alone",
	     params->name ? params->name : params->dev, host, mark);
	return 0;
}

const struct vnic_ops vnic_veth_ops = {
    .kind = "veth",
    .remakes = true,
    .open = veth_open,
    .close = veth_close,
    .rx_burst = veth_rx_burst,
    .tx_burst = veth_tx_burst,
    .rx_fd = veth_rx_fd,
    .ifindex = veth_ifindex,
    .alive = veth_alive,
    .describe = veth_describe,
    .mtu_changed = veth_mtu_changed,
    .remove = veth_remove,
    .purge = veth_purge,
};
