// SPDX-License-Identifier: GPL-2.0-or-later
/* vnic.c - the table of port backends and the calls the switch makes */
#include "vnic.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../lib/jsonrpc.h"
#include "vnic_provider.h"

static const struct {
	const char *name, *desc;
} vnic_drop_info[] = {
#define VNIC_DROP_INFO(id, name, desc) {name, desc},
    VNIC_DROPS(VNIC_DROP_INFO)
#undef VNIC_DROP_INFO
};

/* Every backend, listed once; nothing is discovered at run time. */
static const struct vnic_ops *const vnic_backends[] = {
    &vnic_tap_ops,	  &vnic_host_ops,  &vnic_afpacket_ops, &vnic_pcap_ops,
    &vnic_vhost_user_ops, &vnic_dummy_ops, /* tests only; vnetd does not offer
					      it */
    &vnic_veth_ops,
};

/**
 * vnic_drop_name() - counter name of a backend drop reason
 * @d: reason
 *
 * Return: static string
 */
const char *vnic_drop_name(enum vnic_drop d)
{
	return d < VNIC_DROP_MAX ? vnic_drop_info[d].name : "?";
}

/**
 * vnic_drop_desc() - sentence describing a backend drop reason
 * @d: reason
 *
 * Return: static string
 */
const char *vnic_drop_desc(enum vnic_drop d)
{
	return d < VNIC_DROP_MAX ? vnic_drop_info[d].desc : "?";
}

static const struct vnic_ops *vnic_find(const char *kind, const char *backend)
{
	/* An uplink is served by a capture backend chosen by the user. */
	if (!strcmp(kind, "uplink"))
		kind = backend ? backend : "afpacket";
	for (size_t i = 0; i < sizeof(vnic_backends) / sizeof(vnic_backends[0]);
	     i++)
		if (!strcmp(vnic_backends[i]->kind, kind))
			return vnic_backends[i];
	return NULL;
}

/**
 * vnic_kind_valid() - whether a port kind can be opened
 * @kind: "tap", "host", "uplink", ...
 *
 * Return: true if a backend serves it
 */
bool vnic_kind_valid(const char *kind)
{
	return vnic_find(kind, NULL) != NULL;
}

/**
 * vnic_base_init() - fill the common part of a backend's port
 * @v: port
 * @ops: backend
 * @params: open parameters
 */
void vnic_base_init(struct vnic *v, const struct vnic_ops *ops,
		    const struct vnic_params *params)
{
	v->ops = ops;
	snprintf(v->name, sizeof(v->name), "%s", params->name);
	v->mtu = params->mtu ? params->mtu : 1500;
	for (int i = 0; i < VNIC_DROP_MAX; i++)
		atomic_init(&v->drops[i], 0);
}

/**
 * vnic_open() - open a port with the backend its kind names
 * @params: what to open
 * @out: the port
 * @err: filled with a sentence for the user on failure
 * @errlen: room in @err
 *
 * Return: 0 or -errno
 */
int vnic_open(const struct vnic_params *params, struct vnic **out, char *err,
	      size_t errlen)
{
	const struct vnic_ops *ops = vnic_find(params->kind, params->backend);

	if (!ops) {
		snprintf(err, errlen, "unknown port kind or backend '%s'",
			 params->backend ? params->backend : params->kind);
		return -EINVAL;
	}
	err[0] = 0;
	return ops->open(params, out, err, errlen);
}

/**
 * vnic_close() - release a port; the device it made may stay (see
 * vnic_remove()); NULL is ignored
 * @v: port
 */
void vnic_close(struct vnic *v)
{
	if (v)
		v->ops->close(v);
}

/**
 * vnic_remove() - make the next close delete the device the port created
 * @v: port being deleted for good
 *
 * Return: true if the backend had a device to remove
 */
bool vnic_remove(struct vnic *v)
{
	return v->ops->remove ? v->ops->remove(v) : false;
}

/**
 * vnic_purge() - delete the device a port made, while it is not open
 * @params: what the port was opened with
 *
 * Return: 0 (also when there is none), -EOPNOTSUPP when the kind's backend
 * cannot (the caller deletes the device itself), or -errno
 */
int vnic_purge(const struct vnic_params *params)
{
	const struct vnic_ops *ops = vnic_find(params->kind, params->backend);

	if (!ops || !ops->purge)
		return -EOPNOTSUPP;
	return ops->purge(params);
}

/**
 * vnic_remakes() - whether the port's backend makes its device again when
 * opened anew after it went away
 * @v: port
 *
 * Return: true for such a backend (veth)
 */
bool vnic_remakes(const struct vnic *v)
{
	return v->ops->remakes;
}

/**
 * vnic_rx_queues() - how many receive queues the port has
 * @v: port
 *
 * Return: 1 to VNIC_MAX_RXQ, constant for the port's life
 */
unsigned vnic_rx_queues(const struct vnic *v)
{
	unsigned n = v->ops->rx_queues ? v->ops->rx_queues(v) : 1;

	return n < 1 ? 1 : n > VNIC_MAX_RXQ ? VNIC_MAX_RXQ : n;
}

/**
 * vnic_rx_burst() - receive frames from one queue (its owner thread only)
 * @v: port
 * @rxq: receive queue
 * @pool: buffers for frames that must be copied
 * @pkts: filled with packets
 * @n: room in @pkts
 *
 * Return: count, or -errno when the port is broken for good
 */
int vnic_rx_burst(struct vnic *v, unsigned rxq, struct pkt_pool *pool,
		  struct pkt **pkts, unsigned n)
{
	return v->ops->rx_burst(v, rxq, pool, pkts, n);
}

/**
 * vnic_rx_done() - release packets from vnic_rx_burst()
 * @v: port
 * @rxq: the queue they came from
 * @pkts: packets
 * @n: count
 */
void vnic_rx_done(struct vnic *v, unsigned rxq, struct pkt **pkts, unsigned n)
{
	if (v->ops->rx_done)
		v->ops->rx_done(v, rxq, pkts, n);
	for (unsigned i = 0; i < n; i++)
		pkt_free(pkts[i]);
}

/**
 * vnic_tx_burst() - transmit frames (copied out before return)
 * @v: port
 * @txq: the calling datapath thread's index
 * @out: packets with their egress tags
 * @n: count
 * @bytes: incremented by the wire bytes of the frames sent
 *
 * Every frame not sent is counted in one backend drop reason unless the
 * call fails as a whole (see vnic_provider.h).
 *
 * Return: count sent, or -errno when the port is broken for good
 */
int vnic_tx_burst(struct vnic *v, unsigned txq, const struct pkt_out *out,
		  unsigned n, uint64_t *bytes)
{
	return v->ops->tx_burst(v, txq, out, n, bytes);
}

/**
 * vnic_rx_fd() - fd to wait on in event mode for one receive queue
 * @v: port
 * @rxq: receive queue
 *
 * Return: fd, or -1 when the queue must be polled
 */
int vnic_rx_fd(const struct vnic *v, unsigned rxq)
{
	return v->ops->rx_fd ? v->ops->rx_fd(v, rxq) : -1;
}

/**
 * vnic_rx_fd_edge() - whether vnic_rx_fd() is to be watched edge-triggered
 * (EPOLLET): it signals every arrival and nothing drains it
 * @v: port
 *
 * Return: true for edge-triggered
 */
bool vnic_rx_fd_edge(const struct vnic *v)
{
	return v->ops->rx_fd_edge;
}

/**
 * vnic_rx_hold() - turn a receive queue's notifications off or back on
 * (event mode; the vnic_ops.rx_hold rules apply)
 * @v: port
 * @rxq: receive queue
 * @hold: true for off
 *
 * Return: false when the backend has no such control
 */
bool vnic_rx_hold(struct vnic *v, unsigned rxq, bool hold)
{
	if (!v->ops->rx_hold)
		return false;
	v->ops->rx_hold(v, rxq, hold);
	return true;
}

/**
 * vnic_ifindex() - kernel device index in vnetd's namespace
 * @v: port
 *
 * Return: index, or 0 if none
 */
int vnic_ifindex(const struct vnic *v)
{
	return v->ops->ifindex ? v->ops->ifindex(v) : 0;
}

/**
 * vnic_alive() - whether the device behind the port still exists
 * @v: port
 *
 * Return: true if alive (or the backend cannot tell)
 */
bool vnic_alive(struct vnic *v)
{
	return v->ops->alive ? v->ops->alive(v) : true;
}

/**
 * vnic_name() - port name
 * @v: port
 *
 * Return: name
 */
const char *vnic_name(const struct vnic *v)
{
	return v->name;
}

/**
 * vnic_kind() - backend name
 * @v: port
 *
 * Return: static string
 */
const char *vnic_kind(const struct vnic *v)
{
	return v->ops->kind;
}

/**
 * vnic_counters() - a backend's super-frame and checksum counters
 * @v: port
 * @c: filled
 */
void vnic_counters(const struct vnic *v, struct vnic_counters *c)
{
	c->superframes_cut = atomic_load(&v->superframes);
	c->checksums_completed = atomic_load(&v->csum_fixed);
	c->superframes_sent_whole = atomic_load(&v->sf_whole);
	c->superframes_segmented = atomic_load(&v->sf_cut);
}

/**
 * vnic_describe_from() - add backend facts and counters to a JSON object,
 * the counters from a base (what earlier backends of the port counted)
 * @v: port
 * @base: added to @v's counters; NULL for none
 * @obj: object to extend
 */
void vnic_describe_from(const struct vnic *v, const struct vnic_counters *base,
			json_t *obj)
{
	struct vnic_counters c;

	vnic_counters(v, &c);
	if (base)
		vnic_counters_add(&c, base);
	jsonrpc_set_u64(obj, "superframes_cut", c.superframes_cut);
	jsonrpc_set_u64(obj, "checksums_completed", c.checksums_completed);
	jsonrpc_set_u64(obj, "superframes_sent_whole",
			c.superframes_sent_whole);
	jsonrpc_set_u64(obj, "superframes_segmented", c.superframes_segmented);
	if (v->ops->describe)
		v->ops->describe(v, obj);
}

/**
 * vnic_describe() - add backend facts and counters to a JSON object
 * @v: port
 * @obj: object to extend
 */
void vnic_describe(const struct vnic *v, json_t *obj)
{
	vnic_describe_from(v, NULL, obj);
}

/**
 * vnic_drops() - a backend drop counter
 * @v: port
 * @d: reason
 *
 * Return: count
 */
uint64_t vnic_drops(const struct vnic *v, enum vnic_drop d)
{
	return atomic_load_explicit(&v->drops[d], memory_order_relaxed);
}

/**
 * vnic_mtu_changed() - follow a network MTU change
 * @v: port
 * @mtu: new MTU
 */
void vnic_mtu_changed(struct vnic *v, unsigned mtu)
{
	v->mtu = mtu;
	if (v->ops->mtu_changed)
		v->ops->mtu_changed(v, mtu);
}

/**
 * vnic_attach() - the port joined a switch: give it the switch's callbacks
 * @v: port
 * @host: callbacks; must outlive the port's membership
 */
void vnic_attach(struct vnic *v, const struct vnic_host *host)
{
	v->host = host;
	if (v->ops->attach)
		v->ops->attach(v);
}

/**
 * vnic_ctl_fd() - fd of the backend's control traffic
 * @v: port
 *
 * Return: fd, or -1 when the backend has none
 */
int vnic_ctl_fd(const struct vnic *v)
{
	return v->ops->ctl_fd ? v->ops->ctl_fd(v) : -1;
}

/**
 * vnic_ctl_event() - handle control traffic (control thread)
 * @v: port
 */
void vnic_ctl_event(struct vnic *v)
{
	if (v->ops->ctl_event)
		v->ops->ctl_event(v);
}

/**
 * vnic_tx_offloads() - offloads a port takes on transmit
 * @v: port
 *
 * Return: VNET_OL_* set; 0 for a port that wants finished MTU-sized frames
 */
unsigned vnic_tx_offloads(const struct vnic *v)
{
	return atomic_load_explicit(&v->tx_offloads, memory_order_relaxed);
}

/**
 * vnic_count_superframes() - count super-frames the switch sent to a port
 * @v: port
 * @whole: passed whole
 * @cut: cut into segments because the port cannot take them
 */
void vnic_count_superframes(struct vnic *v, uint64_t whole, uint64_t cut)
{
	if (whole)
		atomic_fetch_add_explicit(&v->sf_whole, whole,
					  memory_order_relaxed);
	if (cut)
		atomic_fetch_add_explicit(&v->sf_cut, cut,
					  memory_order_relaxed);
}
