// SPDX-License-Identifier: GPL-2.0-or-later
/* vswitch_fdb_ctl.c - MAC table policy: live table changes, pinned MACs,
 * per-port MAC limits, slow-protocol frames
 *
 * The vswitch_*() functions run on the control thread, like the rest of the
 * switch's configuration: they publish with release stores and free after
 * vsw_synchronize().  vsw_learn_refused() and vsw_slow_rx() are the cold
 * datapath paths forward() takes when learning refuses a frame or a frame is
 * addressed to the IEEE reserved group.
 */
#include "vswitch_priv.h"

#include <errno.h>

#include "../lib/log.h"
#include "../lib/util.h"

/* One hostile port gets one log line per interval and reason, whatever the
 * frame rate, and cannot use up the lines of another port. */
#define VSW_L2_LOG_INTERVAL 60

static struct vsw_net *ctl_net(struct vswitch *sw, int id)
{
	return id >= 0 && id < VSW_MAX_NETS ? sw->nets[id] : NULL;
}

static struct vsw_port *ctl_port(struct vswitch *sw, int id)
{
	return id >= 0 && id < VSW_MAX_PORTS ? atomic_load(&sw->ports[id])
					     : NULL;
}

/**
 * vswitch_net_set_aging() - change a network's MAC aging time while it
 * forwards; entries already idle longer than @secs expire at once
 * @sw: switch
 * @id: network
 * @secs: 1 to VSW_AGING_MAX
 *
 * Return: 0, -ENOENT or -EINVAL
 */
int vswitch_net_set_aging(struct vswitch *sw, int id, unsigned secs)
{
	struct vsw_net *net = ctl_net(sw, id);

	if (!net)
		return -ENOENT;
	if (!secs || secs > VSW_AGING_MAX)
		return -EINVAL;
	fdb_set_aging(atomic_load(&net->fdb), secs);
	return 0;
}

/**
 * vswitch_net_set_fdb_size() - give a network a MAC table of another size
 * while it forwards
 * @sw: switch
 * @id: network
 * @n: most MACs learned, 1 to VSW_FDB_SIZE_MAX
 *
 * Builds a table of the new size, copies the live entries into it (pinned
 * ones always; when shrinking, the most recently seen learned ones),
 * publishes it and frees the old one after a grace period.  A MAC learned
 * during the copy may be missed: its next frame learns it again.
 *
 * Return: learned entries that did not fit (>= 0), or -ENOENT, -EINVAL,
 * -ENOMEM (the old table stays)
 */
int vswitch_net_set_fdb_size(struct vswitch *sw, int id, unsigned n)
{
	struct vsw_net *net = ctl_net(sw, id);
	struct fdb *old, *fresh;
	unsigned dropped;

	if (!net)
		return -ENOENT;
	if (!n || n > VSW_FDB_SIZE_MAX)
		return -EINVAL;
	old = atomic_load(&net->fdb);
	fresh = fdb_resize(old, n, &dropped);
	if (!fresh)
		return -ENOMEM;
	atomic_store_explicit(&net->fdb, fresh, memory_order_release);
	vsw_synchronize(sw);
	fdb_destroy(old);
	if (dropped)
		vlog(VSWITCH, INFO,
		     "%s: MAC table now holds %u, %u learned entries did not "
		     "fit",
		     net->name, n, dropped);
	return (int)dropped;
}

/**
 * vswitch_fdb_pin() - pin a MAC to a port in a network's MAC table
 * @sw: switch
 * @net_id: network
 * @mac: unicast MAC
 * @vlan: VLAN the MAC sends in (the port's access VLAN, or 0 untagged)
 * @port_id: port of the network that owns the MAC
 *
 * A pinned MAC never ages; a frame from another port with it as source is
 * dropped ("mac_pinned") instead of moving it.  A learned entry for it,
 * wherever it was, is taken over.  The pin lasts until unpinned or until the
 * port is deleted; the port going down does not remove it.
 *
 * Return: 0, -ENOENT (network or port), -EINVAL (port of another network,
 * multicast or zero MAC, VLAN > 4094), -EEXIST (pinned to another port),
 * -ENOSPC, -EAGAIN
 */
int vswitch_fdb_pin(struct vswitch *sw, int net_id, const uint8_t mac[6],
		    uint16_t vlan, int port_id)
{
	struct vsw_net *net = ctl_net(sw, net_id);
	struct vsw_port *port = ctl_port(sw, port_id);
	struct fdb *fdb;

	if (!net || !port)
		return -ENOENT;
	if (port->net != net || mac_is_multicast(mac) || mac_is_zero(mac) ||
	    vlan > VLAN_MAX)
		return -EINVAL;
	fdb = atomic_load(&net->fdb);
	/* Pins come on top of the MACs the table learns (fdb_size): a table
	 * that could fill up with them is rebuilt bigger first (guarded
	 * guests pin one MAC each). */
	if (!fdb_pin_room(fdb)) {
		struct fdb *fresh = fdb_grow_pins(fdb);

		if (!fresh)
			return -ENOMEM;
		atomic_store_explicit(&net->fdb, fresh, memory_order_release);
		vsw_synchronize(sw);
		fdb_destroy(fdb);
		fdb = fresh;
	}
	return fdb_pin(fdb, mac, vlan, (uint16_t)port_id, now_sec());
}

/**
 * vswitch_fdb_unpin() - remove a pinned MAC; learning may find it again
 * @sw: switch
 * @net_id: network
 * @mac: MAC
 * @vlan: VLAN it was pinned in
 *
 * Return: 0, or -ENOENT (network, or MAC not pinned there)
 */
int vswitch_fdb_unpin(struct vswitch *sw, int net_id, const uint8_t mac[6],
		      uint16_t vlan)
{
	struct vsw_net *net = ctl_net(sw, net_id);

	if (!net)
		return -ENOENT;
	return fdb_unpin(atomic_load(&net->fdb), mac, vlan);
}

/**
 * vswitch_fdb_unpin_port() - vswitch_fdb_unpin() of a pin @port_id holds
 * (another port's pin of the same MAC stays)
 * @sw: switch
 * @net_id: network
 * @mac: MAC
 * @vlan: VLAN it was pinned in
 * @port_id: the port the pin must belong to
 *
 * Return: 0, -ENOENT (network, or MAC not pinned there), -EPERM (pinned
 * to another port)
 */
int vswitch_fdb_unpin_port(struct vswitch *sw, int net_id, const uint8_t mac[6],
			   uint16_t vlan, int port_id)
{
	struct vsw_net *net = ctl_net(sw, net_id);

	if (!net)
		return -ENOENT;
	if (fdb_lookup(atomic_load(&net->fdb), mac, vlan, now_sec(), NULL) !=
	    port_id)
		return -EPERM;
	return fdb_unpin(atomic_load(&net->fdb), mac, vlan);
}

/**
 * vswitch_port_set_mac_limit() - most MACs a port may have learned
 * @sw: switch
 * @id: port
 * @n: limit, 0 for none
 *
 * Takes effect with the next frame.  Lowering it below what the port has
 * learned removes nothing: new MACs are refused until entries age out.
 *
 * Return: 0 or -ENOENT
 */
int vswitch_port_set_mac_limit(struct vswitch *sw, int id, unsigned n)
{
	struct vsw_port *port = ctl_port(sw, id);

	if (!port)
		return -ENOENT;
	atomic_store(&port->l2.mac_limit, n ? n : UINT32_MAX);
	return 0;
}

/**
 * vswitch_port_mac_limit() - a port's MAC limit in force
 * @sw: switch
 * @id: port
 *
 * Return: limit, 0 for none (also for an unknown port)
 */
unsigned vswitch_port_mac_limit(struct vswitch *sw, int id)
{
	struct vsw_port *port = ctl_port(sw, id);

	return port ? vsw_port_mac_limit(port) : 0;
}

/**
 * vswitch_port_mac_count() - MACs learned behind a port now (pins excluded)
 * @sw: switch
 * @id: port
 *
 * Return: count
 */
unsigned vswitch_port_mac_count(struct vswitch *sw, int id)
{
	struct vsw_port *port = ctl_port(sw, id);

	return port ? fdb_port_count(atomic_load(&port->net->fdb), (uint16_t)id)
		    : 0;
}

/**
 * vswitch_port_set_slow_rx() - give a port a service for frames to the IEEE
 * reserved group 01:80:c2:00:00:00-0f (a team's LACP, say)
 * @sw: switch
 * @id: port
 * @fn: handler, called on the port's datapath thread; NULL removes it
 * @arg: passed to @fn
 *
 * Without a handler such frames are dropped ("reserved_mcast"); with or
 * without, they are never flooded, forwarded or learned from.  On return,
 * no datapath thread runs the previous handler any more, so its @arg may be
 * freed.
 *
 * Return: 0 or -ENOENT
 */
int vswitch_port_set_slow_rx(struct vswitch *sw, int id, vsw_slow_rx_fn fn,
			     void *arg)
{
	struct vsw_port *port = ctl_port(sw, id);

	if (!port)
		return -ENOENT;
	if (atomic_load(&port->l2.slow_rx)) {
		atomic_store(&port->l2.slow_rx, NULL);
		vsw_synchronize(sw);
	}
	if (!fn)
		return 0;
	atomic_store_explicit(&port->l2.slow_arg, arg, memory_order_relaxed);
	atomic_store_explicit(&port->l2.slow_rx, fn, memory_order_release);
	return 0;
}

static void count_drop(struct vsw_thread *t, const struct vsw_port *in,
		       enum vsw_drop why)
{
	uint64_t *c = &t->pstats[in->id].drops[why];

	/* Single writer, like every datapath counter. */
	__atomic_store_n(c, *c + 1, __ATOMIC_RELAXED);
}

/**
 * vsw_learn_refused() - count, and now and then log, a frame learning
 * refused (datapath thread)
 * @t: datapath thread
 * @in: ingress port
 * @p: the frame (guest-controlled)
 * @why: VSW_DROP_MAC_LIMIT or VSW_DROP_MAC_PINNED
 * @now: monotonic seconds
 */
void vsw_learn_refused(struct vsw_thread *t, struct vsw_port *in,
		       const struct pkt *p, enum vsw_drop why, int64_t now)
{
	_Atomic int64_t *last = &in->l2.logged[why == VSW_DROP_MAC_PINNED];
	int64_t was = atomic_load_explicit(last, memory_order_relaxed);
	char src[MAC_STRLEN];

	count_drop(t, in, why);
	if ((was && now - was < VSW_L2_LOG_INTERVAL) ||
	    !atomic_compare_exchange_strong(last, &was, now))
		return;
	mac_format(p->data + 6, src);
	if (why == VSW_DROP_MAC_LIMIT)
		vlog_rl(VSWITCH, WARN,
			"%s: MAC limit %u reached, frames from new source "
			"MACs dropped (first: %s)",
			in->name, vsw_port_mac_limit(in), src);
	else
		vlog_rl(VSWITCH, WARN,
			"%s: frames from %s dropped: that MAC is pinned to "
			"another port",
			in->name, src);
}

/**
 * vsw_slow_rx() - hand a reserved-group frame to its port's service, or
 * drop it (datapath thread)
 * @t: datapath thread
 * @in: ingress port
 * @p: the frame (guest-controlled)
 */
void vsw_slow_rx(struct vsw_thread *t, struct vsw_port *in, const struct pkt *p)
{
	vsw_slow_rx_fn fn =
	    atomic_load_explicit(&in->l2.slow_rx, memory_order_acquire);

	if (!fn) {
		count_drop(t, in, VSW_DROP_RESERVED_MCAST);
		return;
	}
	fn(atomic_load_explicit(&in->l2.slow_arg, memory_order_relaxed), in->id,
	   p->data, p->len);
}
