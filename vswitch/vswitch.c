// SPDX-License-Identifier: GPL-2.0-or-later
/* vswitch.c - the switch's control side: networks, ports, threads, counters
 *
 * Everything here runs on the control thread.  Objects the datapath reads are
 * published with release stores and retired only after vsw_synchronize().
 */
#include "vswitch_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/util.h"
#include "../vnic/vnic.h"

static const char *const net_type_names[] = {
    [VSW_NET_PRIVATE] = "private",
    [VSW_NET_INTERNAL] = "internal",
    [VSW_NET_EXTERNAL] = "external",
};

static const char *const role_names[] = {
    [VSW_ROLE_VM] = "vm",
    [VSW_ROLE_HOST] = "host",
    [VSW_ROLE_UPLINK] = "uplink",
    [VSW_ROLE_GATEWAY] = "gateway",
};

static const struct {
	const char *name, *desc;
} drop_info[] = {
#define VSW_DROP_INFO(id, name, desc) {name, desc},
    VSW_DROPS(VSW_DROP_INFO)
#undef VSW_DROP_INFO
};

/**
 * vsw_net_type_name() - "private", "internal" or "external"
 * @t: type
 *
 * Return: static string
 */
const char *vsw_net_type_name(enum vsw_net_type t)
{
	return (unsigned)t < ARRAY_SIZE(net_type_names) ? net_type_names[t]
							: "?";
}

/**
 * vsw_net_type_parse() - parse a network type name (exact match)
 * @s: name
 *
 * Return: type, or -EINVAL
 */
int vsw_net_type_parse(const char *s)
{
	for (unsigned i = 0; i < ARRAY_SIZE(net_type_names); i++)
		if (!strcmp(s, net_type_names[i]))
			return (int)i;
	return -EINVAL;
}

/**
 * vsw_role_name() - "vm", "host" or "uplink"
 * @r: role
 *
 * Return: static string
 */
const char *vsw_role_name(enum vsw_port_role r)
{
	return (unsigned)r < ARRAY_SIZE(role_names) ? role_names[r] : "?";
}

/**
 * vsw_role_allowed() - the reachability rule of each network type
 * @t: network type
 * @r: port role
 *
 * Private networks join guests only; internal ones add the host; external
 * ones add an uplink (and optionally the host).
 *
 * Return: true if a port of role @r may join a network of type @t
 */
bool vsw_role_allowed(enum vsw_net_type t, enum vsw_port_role r)
{
	switch (r) {
	case VSW_ROLE_VM:
		return true;
	case VSW_ROLE_HOST:
		return t != VSW_NET_PRIVATE;
	case VSW_ROLE_UPLINK:
		return t == VSW_NET_EXTERNAL;
	case VSW_ROLE_GATEWAY:
		return true;
	}
	return false;
}

/**
 * vsw_drop_name() - counter name of a drop reason
 * @d: reason
 *
 * Return: static string
 */
const char *vsw_drop_name(enum vsw_drop d)
{
	return d < VSW_DROP_MAX ? drop_info[d].name : "?";
}

/**
 * vsw_drop_desc() - sentence describing a drop reason
 * @d: reason
 *
 * Return: static string
 */
const char *vsw_drop_desc(enum vsw_drop d)
{
	return d < VSW_DROP_MAX ? drop_info[d].desc : "?";
}

/**
 * vswitch_create() - allocate a switch and its threads' state
 * @cfg: settings; copied
 *
 * Return: switch, or NULL on failure (logged)
 */
struct vswitch *vswitch_create(const struct vsw_config *cfg)
{
	struct vswitch *sw = calloc(1, sizeof(*sw));

	if (!sw)
		return NULL;
	sw->cfg = *cfg;
	if (!sw->cfg.threads)
		sw->cfg.threads = 1;
	if (sw->cfg.threads > VSW_MAX_THREADS)
		sw->cfg.threads = VSW_MAX_THREADS;
	if (!sw->cfg.pool_size)
		sw->cfg.pool_size = 1024;
	sw->threads = calloc(sw->cfg.threads, sizeof(*sw->threads));
	if (!sw->threads)
		goto err;
	for (unsigned i = 0; i < sw->cfg.threads; i++) {
		int ret = vsw_thread_init(sw, &sw->threads[i], i);

		if (ret) {
			vlog(VSWITCH, ERR, "datapath thread %u: %s", i,
			     strerror(-ret));
			goto err;
		}
	}
	return sw;
err:
	vswitch_destroy(sw);
	return NULL;
}

/**
 * vswitch_start() - start the datapath threads
 * @sw: switch
 *
 * Return: 0 or -errno
 */
int vswitch_start(struct vswitch *sw)
{
	for (unsigned i = 0; i < sw->cfg.threads; i++) {
		struct vsw_thread *t = &sw->threads[i];
		char name[32];
		int ret;

		ret = pthread_create(&t->tid, NULL, vsw_thread_main, t);
		if (ret)
			return -ret;
		t->started = true;
		snprintf(name, sizeof(name), "vnet-dp%u", i);
		name[15] = 0;
		pthread_setname_np(t->tid, name);
	}
	vlog(VSWITCH, INFO, "%u datapath thread(s) started in %s mode",
	     sw->cfg.threads, sw->cfg.poll ? "poll" : "event");
	return 0;
}

/**
 * vswitch_destroy() - stop threads, close every port, free; NULL is ignored
 * @sw: switch
 */
void vswitch_destroy(struct vswitch *sw)
{
	if (!sw)
		return;
	atomic_store(&sw->stop, true);
	for (unsigned i = 0; sw->threads && i < sw->cfg.threads; i++) {
		struct vsw_thread *t = &sw->threads[i];

		if (!t->started)
			continue;
		vsw_thread_wake(t);
		pthread_join(t->tid, NULL);
		t->started = false;
	}
	for (int i = 0; i < VSW_MAX_PORTS; i++)
		if (atomic_load(&sw->ports[i]))
			vswitch_port_del(sw, i);
	for (int i = 0; i < VSW_MAX_NETS; i++)
		if (sw->nets[i])
			vswitch_net_del(sw, i);
	for (unsigned i = 0; sw->threads && i < sw->cfg.threads; i++)
		vsw_thread_fini(&sw->threads[i]);
	free(sw->threads);
	free(sw);
}

static struct vsw_idlist *idlist_with(const struct vsw_idlist *old, int add,
				      int del)
{
	unsigned n = old ? old->n : 0;
	struct vsw_idlist *l = malloc(sizeof(*l) + (n + 1) * sizeof(l->ids[0]));

	if (!l)
		return NULL;
	l->n = 0;
	for (unsigned i = 0; i < n; i++)
		if (old->ids[i] != del)
			l->ids[l->n++] = old->ids[i];
	if (add >= 0)
		l->ids[l->n++] = add;
	return l;
}

/* Swap in a new id list and free the old one after a grace period. */
static int idlist_update(struct vswitch *sw, _Atomic(struct vsw_idlist *) *slot,
			 int add, int del)
{
	struct vsw_idlist *old = atomic_load(slot);
	struct vsw_idlist *l = idlist_with(old, add, del);

	if (!l)
		return -ENOMEM;
	atomic_store_explicit(slot, l, memory_order_release);
	vsw_synchronize(sw);
	free(old);
	return 0;
}

static void rxq_unwatch(struct vswitch *sw, struct vsw_port *port, unsigned q);

/**
 * vswitch_run() - periodic work: MAC aging, table rebuilds, failed ports
 * @sw: switch
 */
void vswitch_run(struct vswitch *sw)
{
	int64_t now = now_sec();

	for (int i = 0; i < VSW_MAX_PORTS; i++) {
		struct vsw_port *p = atomic_load(&sw->ports[i]);

		if (p && atomic_load(&p->broken) &&
		    !atomic_exchange(&p->fault_seen, true)) {
			vlog(VSWITCH, WARN, "%s: port failed (%s), marked down",
			     p->name, strerror(-atomic_load(&p->fault_err)));
			fdb_flush_port(atomic_load(&p->net->fdb),
				       (uint16_t)p->id);
			/* Owners drop the fds too when they next wake; this
			 * covers fds that never become readable again. */
			for (unsigned q = 0; q < p->n_rxq; q++)
				rxq_unwatch(sw, p, q);
			/* Last: the owner may delete the port. */
			if (sw->fault_hook)
				sw->fault_hook(sw->fault_hook_arg, i,
					       atomic_load(&p->fault_err));
		}
	}
	if (now == sw->last_age)
		return;
	sw->last_age = now;
	for (int i = 0; i < VSW_MAX_NETS; i++) {
		struct vsw_net *net = sw->nets[i];
		struct fdb *fdb, *fresh;

		if (!net)
			continue;
		fdb = atomic_load(&net->fdb);
		fdb_age(fdb, now);
		if (!fdb_needs_rebuild(fdb))
			continue;
		fresh = fdb_rebuild(fdb);
		if (!fresh)
			continue;
		atomic_store_explicit(&net->fdb, fresh, memory_order_release);
		vsw_synchronize(sw);
		fdb_destroy(fdb);
	}
}

/**
 * vswitch_net_add() - create a network
 * @sw: switch
 * @p: parameters, already validated by the caller
 *
 * Return: network id, or -errno (-ENOSPC: too many networks)
 */
int vswitch_net_add(struct vswitch *sw, const struct vsw_net_params *p)
{
	struct vsw_net *net;
	int id;

	for (id = 0; id < VSW_MAX_NETS && sw->nets[id]; id++)
		;
	if (id == VSW_MAX_NETS)
		return -ENOSPC;
	if (p->mtu < VSW_MTU_MIN || p->mtu > VSW_MTU_MAX)
		return -EINVAL;
	net = calloc(1, sizeof(*net));
	if (!net)
		return -ENOMEM;
	net->id = id;
	snprintf(net->name, sizeof(net->name), "%s", p->name);
	net->type = p->type;
	net->mtu = p->mtu;
	net->fdb = fdb_create(p->fdb_size, p->aging);
	net->members = idlist_with(NULL, -1, -1);
	if (!net->fdb || !net->members) {
		fdb_destroy(net->fdb);
		free(net->members);
		free(net);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < sw->cfg.threads; i++)
		memset(&sw->threads[i].nstats[id], 0,
		       sizeof(sw->threads[i].nstats[id]));
	sw->nets[id] = net;
	return id;
}

/**
 * vswitch_net_del() - delete a network that has no ports
 * @sw: switch
 * @id: network
 *
 * Return: 0, -ENOENT, or -EBUSY while ports remain
 */
int vswitch_net_del(struct vswitch *sw, int id)
{
	struct vsw_net *net;

	if (id < 0 || id >= VSW_MAX_NETS || !sw->nets[id])
		return -ENOENT;
	net = sw->nets[id];
	if (atomic_load(&net->members)->n)
		return -EBUSY;
	sw->nets[id] = NULL;
	vsw_synchronize(sw);
	fdb_destroy(atomic_load(&net->fdb));
	free(atomic_load(&net->members));
	free(net);
	return 0;
}

/**
 * vswitch_net_set_mtu() - change a network's MTU while it forwards
 * @sw: switch
 * @id: network
 * @mtu: 68-9000
 *
 * Return: 0, -ENOENT or -EINVAL
 */
int vswitch_net_set_mtu(struct vswitch *sw, int id, unsigned mtu)
{
	if (id < 0 || id >= VSW_MAX_NETS || !sw->nets[id])
		return -ENOENT;
	if (mtu < VSW_MTU_MIN || mtu > VSW_MTU_MAX)
		return -EINVAL;
	atomic_store(&sw->nets[id]->mtu, mtu);
	return 0;
}

/**
 * vswitch_net_stats() - a network's counters, summed over threads
 * @sw: switch
 * @id: network
 * @st: result
 */
void vswitch_net_stats(struct vswitch *sw, int id, struct vsw_net_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (id < 0 || id >= VSW_MAX_NETS || !sw->nets[id])
		return;
	for (unsigned i = 0; i < sw->cfg.threads; i++) {
		const struct vsw_tstats_net *t = &sw->threads[i].nstats[id];

		st->unicast += __atomic_load_n(&t->unicast, __ATOMIC_RELAXED);
		st->flooded += __atomic_load_n(&t->flooded, __ATOMIC_RELAXED);
		st->learned += __atomic_load_n(&t->learned, __ATOMIC_RELAXED);
		st->moved += __atomic_load_n(&t->moved, __ATOMIC_RELAXED);
		st->fdb_full += __atomic_load_n(&t->fdb_full, __ATOMIC_RELAXED);
	}
	st->fdb_entries = fdb_count(atomic_load(&sw->nets[id]->fdb));
}

/**
 * vswitch_fdb_dump() - list a network's MAC table
 * @sw: switch
 * @id: network
 * @cb: called per entry
 * @arg: passed to @cb
 *
 * Return: 0 or -ENOENT
 */
int vswitch_fdb_dump(struct vswitch *sw, int id, vsw_fdb_cb cb, void *arg)
{
	if (id < 0 || id >= VSW_MAX_NETS || !sw->nets[id])
		return -ENOENT;
	fdb_foreach(atomic_load(&sw->nets[id]->fdb), now_sec(), cb, arg);
	return 0;
}

static void port_sync_cb(void *arg)
{
	struct vsw_port *port = arg;

	vsw_synchronize(port->sw);
}

static void port_link_cb(void *arg, bool up)
{
	struct vsw_port *port = arg;

	vswitch_port_set_link(port->sw, port->id, up);
}

static unsigned pick_thread(struct vswitch *sw)
{
	unsigned best = 0;

	for (unsigned i = 1; i < sw->cfg.threads; i++)
		if (sw->threads[i].n_rxq < sw->threads[best].n_rxq)
			best = i;
	return best;
}

/* Let the owner of receive queue @q hear about it (epoll or poll list). */
static int rxq_watch(struct vswitch *sw, struct vsw_port *port, unsigned q)
{
	struct vsw_thread *t = &sw->threads[atomic_load(&port->rxq[q].thread)];
	uint32_t key = VSW_RXQ_KEY(port->id, q);
	int ret = 0;

	if (sw->cfg.poll) {
		ret = idlist_update(sw, &t->owned, (int)key, -1);
	} else if (port->rxq[q].fd >= 0) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = key};

		/* Adding polls the fd once: a queue with work, moved here
		 * from another thread, is reported at once either way. */
		if (vnic_rx_fd_edge(port->vnic))
			ev.events |= EPOLLET;
		if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, port->rxq[q].fd, &ev))
			ret = -errno;
	}
	if (!ret)
		t->n_rxq++;
	return ret;
}

/* The opposite of rxq_watch(); safe to repeat. */
static void rxq_unwatch(struct vswitch *sw, struct vsw_port *port, unsigned q)
{
	struct vsw_thread *t = &sw->threads[atomic_load(&port->rxq[q].thread)];

	/* The owner may have removed the fd itself (ENOENT then). */
	if (port->rxq[q].fd >= 0)
		epoll_ctl(t->epfd, EPOLL_CTL_DEL, port->rxq[q].fd, NULL);
}

/* Stop polling queue @q of @port on its owner thread (control thread). */
static int rxq_detach(struct vswitch *sw, struct vsw_port *port, unsigned q)
{
	struct vsw_thread *t = &sw->threads[atomic_load(&port->rxq[q].thread)];

	if (sw->cfg.poll) {
		int ret = idlist_update(sw, &t->owned, -1,
					(int)VSW_RXQ_KEY(port->id, q));

		if (ret)
			return ret;
	}
	rxq_unwatch(sw, port, q);
	t->n_rxq--;
	return 0;
}

/**
 * vswitch_port_add() - attach an open backend to a network
 * @sw: switch
 * @net_id: network
 * @name: port name
 * @role: who is behind the port
 * @vlan: 802.1Q setting, NULL for none
 * @vnic: open backend; owned by the switch on success
 *
 * Each receive queue of the backend goes to the datapath thread that owns
 * the fewest so far.
 *
 * Return: port id, or -errno (-EPERM: role not allowed on this network type)
 */
int vswitch_port_add(struct vswitch *sw, int net_id, const char *name,
		     enum vsw_port_role role, const struct vsw_vlan *vlan,
		     struct vnic *vnic)
{
	return vswitch_port_add_guarded(sw, net_id, name, role, vlan, vnic,
					NULL);
}

/**
 * vswitch_port_add_guarded() - vswitch_port_add() for a port whose MAC or
 * IP guard is on from its first frame
 * @sw: switch
 * @net_id: network
 * @name: port name
 * @role: who is behind the port
 * @vlan: 802.1Q setting, NULL for none
 * @vnic: open backend; owned by the switch on success
 * @guards: the guards it starts with, NULL for none
 *
 * Return: port id, or -errno
 */
int vswitch_port_add_guarded(struct vswitch *sw, int net_id, const char *name,
			     enum vsw_port_role role,
			     const struct vsw_vlan *vlan, struct vnic *vnic,
			     const struct vsw_port_guards *guards)
{
	struct vsw_net *net;
	struct vsw_port *port;
	unsigned q = 0;
	int id, ret;

	if (net_id < 0 || net_id >= VSW_MAX_NETS || !sw->nets[net_id])
		return -ENOENT;
	net = sw->nets[net_id];
	if (!vsw_role_allowed(net->type, role))
		return -EPERM;
	for (id = 0; id < VSW_MAX_PORTS && atomic_load(&sw->ports[id]); id++)
		;
	if (id == VSW_MAX_PORTS)
		return -ENOSPC;
	port = calloc(1, sizeof(*port));
	if (!port)
		return -ENOMEM;
	port->vlan = calloc(1, sizeof(struct vsw_vlan));
	if (!port->vlan) {
		free(port);
		return -ENOMEM;
	}
	port->id = id;
	port->sw = sw;
	port->host = (struct vnic_host){port_sync_cb, port_link_cb, port,
					sw->cfg.threads};
	snprintf(port->name, sizeof(port->name), "%s", name);
	port->net = net;
	port->role = role;
	/* Guests may not act as DHCP servers unless trusted (Hyper-V's DHCP
	 * guard). */
	port->dhcp_guard = role == VSW_ROLE_VM;
	/* Nor as routers (IPv6 advertisements, redirects of either IP
	 * version) unless router-trusted (its router guard). */
	port->router_guard = role == VSW_ROLE_VM;
	if (guards && guards->mac)
		port->mac_guard = VSW_MAC_GUARD_ON | vsw_mac_u64(guards->mac);
	if (guards && guards->ips) {
		struct vsw_ipset *ips = malloc(sizeof(*ips));

		if (!ips) {
			free(port->vlan);
			free(port);
			return -ENOMEM;
		}
		*ips = *guards->ips;
		atomic_init(&port->ip_guard, ips);
	}
	if (vlan)
		*port->vlan = *vlan;
	port->vnic = vnic;
	port->n_rxq = vnic_rx_queues(vnic);
	for (unsigned i = 0; i < port->n_rxq; i++)
		port->rxq[i].fd = sw->cfg.poll ? -1 : vnic_rx_fd(vnic, i);
	port->link_up = true;
	for (unsigned i = 0; i < sw->cfg.threads; i++)
		memset(&sw->threads[i].pstats[id], 0,
		       sizeof(sw->threads[i].pstats[id]));

	atomic_store_explicit(&sw->ports[id], port, memory_order_release);
	ret = idlist_update(sw, &net->members, id, -1);
	for (q = 0; !ret && q < port->n_rxq; q++) {
		atomic_store(&port->rxq[q].thread, pick_thread(sw));
		atomic_store(&port->rxq[q].epoch, ++sw->rxq_epoch);
		ret = rxq_watch(sw, port, q);
	}
	if (ret) {
		while (q-- > 1)
			rxq_detach(sw, port, q - 1);
		idlist_update(sw, &net->members, -1, id);
		atomic_store(&sw->ports[id], NULL);
		vsw_synchronize(sw);
		free(atomic_load(&port->vlan));
		free(atomic_load(&port->ip_guard));
		free(port);
		return ret;
	}
	vnic_attach(vnic, &port->host);
	return id;
}

static struct vsw_port *port_get(struct vswitch *sw, int id)
{
	if (id < 0 || id >= VSW_MAX_PORTS)
		return NULL;
	return atomic_load(&sw->ports[id]);
}

static void port_stats_sum(struct vswitch *sw, int id,
			   struct vsw_port_stats *st);

/**
 * vswitch_port_del() - detach a port and close its backend, broken or not
 * @sw: switch
 * @id: port
 *
 * Return: 0, -ENOENT, or -ENOMEM (the port stays as it was)
 */
int vswitch_port_del(struct vswitch *sw, int id)
{
	return vswitch_port_del_last(sw, id, NULL, NULL);
}

/**
 * vswitch_port_del_last() - vswitch_port_del(), and what the port counted
 * to the end
 * @sw: switch
 * @id: port
 * @last: NULL, or called with the port's final counters and its backend
 *        once no datapath thread is inside the port, before the backend
 *        is closed (nothing counted after a read beforehand is lost)
 * @arg: passed to @last
 *
 * Return: 0, -ENOENT, or -ENOMEM (the port stays as it was, @last not
 * called)
 */
int vswitch_port_del_last(struct vswitch *sw, int id, vsw_port_last_fn last,
			  void *arg)
{
	struct vsw_port *port = port_get(sw, id);

	if (!port)
		return -ENOENT;
	if (idlist_update(sw, &port->net->members, -1, id))
		return -ENOMEM;
	for (unsigned q = 0; q < port->n_rxq; q++)
		if (rxq_detach(sw, port, q)) {
			/* Out of memory: nobody polls queues below q any
			 * more, so none may be left half-removed; finish
			 * the rest without the poll list, which a NULL
			 * port entry makes harmless. */
			for (unsigned r = q; r < port->n_rxq; r++) {
				rxq_unwatch(sw, port, r);
				sw->threads[atomic_load(&port->rxq[r].thread)]
				    .n_rxq--;
			}
			break;
		}
	atomic_store(&sw->ports[id], NULL);
	vsw_synchronize(sw);
	if (last) {
		struct vsw_port_stats st = {0};

		port_stats_sum(sw, id, &st);
		last(port->vnic, &st, arg);
	}
	fdb_forget_port(atomic_load(&port->net->fdb), (uint16_t)id);
	vnic_close(port->vnic);
	free(atomic_load(&port->vlan));
	free(atomic_load(&port->ip_guard));
	free(port);
	return 0;
}

/**
 * vswitch_port_move() - hand a receive queue to another datapath thread
 * @sw: switch
 * @id: port
 * @rxq: receive queue
 * @thread: new owner
 *
 * No frame is lost: the old owner stops polling, a grace period lets it
 * finish the burst in hand, and frames that arrive meanwhile wait in the
 * backend's queue until the new owner polls it.
 *
 * Return: 0, -ENOENT, -EINVAL or -ENOMEM
 */
int vswitch_port_move(struct vswitch *sw, int id, unsigned rxq, unsigned thread)
{
	struct vsw_port *port = port_get(sw, id);
	int ret;

	if (!port)
		return -ENOENT;
	if (rxq >= port->n_rxq || thread >= sw->cfg.threads)
		return -EINVAL;
	if (atomic_load(&port->rxq[rxq].thread) == thread)
		return 0;
	ret = rxq_detach(sw, port, rxq);
	if (ret)
		return ret;
	atomic_store_explicit(&port->rxq[rxq].thread, thread,
			      memory_order_release);
	/* The old owner may be inside the queue right now. */
	vsw_synchronize(sw);
	/* It may have held the queue (coalescing): notifications back on,
	 * while no thread polls it. */
	if (!sw->cfg.poll)
		(void)vnic_rx_hold(port->vnic, rxq, false);
	atomic_store(&port->rxq[rxq].epoch, ++sw->rxq_epoch);
	ret = rxq_watch(sw, port, rxq);
	if (ret)
		vlog(VSWITCH, ERR, "%s: queue %u not polled by thread %u: %s",
		     port->name, rxq, thread, strerror(-ret));
	return ret;
}

/**
 * vswitch_port_pin() - receive on a port on the same thread as another
 * @sw: switch
 * @id: port to move (every receive queue)
 * @with: port whose first receive queue's thread is the target
 *
 * For services whose state spans ports and is owned by one thread (both
 * legs of a NAT gateway, the members of a team).
 *
 * Return: 0, -ENOENT, -EINVAL or -ENOMEM
 */
int vswitch_port_pin(struct vswitch *sw, int id, int with)
{
	struct vsw_port *port = port_get(sw, id), *w = port_get(sw, with);
	unsigned thread;

	if (!port || !w)
		return -ENOENT;
	thread = atomic_load(&w->rxq[0].thread);
	for (unsigned q = 0; q < port->n_rxq; q++) {
		int ret = vswitch_port_move(sw, id, q, thread);

		if (ret)
			return ret;
	}
	return 0;
}

/**
 * vswitch_port_set_dhcp_guard() - drop (or pass) DHCP server messages a port
 * sends; on by default for guest ports
 * @sw: switch
 * @id: port
 * @on: guard the port
 *
 * Return: 0 or -ENOENT
 */
int vswitch_port_set_dhcp_guard(struct vswitch *sw, int id, bool on)
{
	struct vsw_port *port = port_get(sw, id);

	if (!port)
		return -ENOENT;
	atomic_store_explicit(&port->dhcp_guard, on, memory_order_relaxed);
	return 0;
}

/**
 * vswitch_port_set_router_guard() - drop (or pass) the IPv6 router
 * advertisements and redirects and the IPv4 ICMP redirects a port sends; on
 * by default for guest ports
 * @sw: switch
 * @id: port
 * @on: guard the port
 *
 * Return: 0 or -ENOENT
 */
int vswitch_port_set_router_guard(struct vswitch *sw, int id, bool on)
{
	struct vsw_port *port = port_get(sw, id);

	if (!port)
		return -ENOENT;
	atomic_store_explicit(&port->router_guard, on, memory_order_relaxed);
	return 0;
}

/**
 * vswitch_port_set_mac_guard() - let a port send only from its own MAC
 * @sw: switch
 * @id: port
 * @mac: its MAC; NULL turns the guard off
 *
 * With the guard, a frame whose source MAC, ARP sender MAC or IPv6
 * neighbour discovery link-layer address is another is dropped as
 * mac_spoofed, before the MAC table sees it.
 *
 * Return: 0 or -ENOENT
 */
int vswitch_port_set_mac_guard(struct vswitch *sw, int id, const uint8_t *mac)
{
	struct vsw_port *port = port_get(sw, id);

	if (!port)
		return -ENOENT;
	atomic_store_explicit(&port->mac_guard,
			      mac ? VSW_MAC_GUARD_ON | vsw_mac_u64(mac) : 0,
			      memory_order_relaxed);
	return 0;
}

/**
 * vswitch_port_set_coalesce() - coalesce a port's receive notifications
 * @sw: switch
 * @id: port
 * @us: interval in microseconds, at most VSW_COALESCE_MAX_US; 0 for off
 *
 * Event mode: after a burst that found frames, the port's receive queues
 * stay unnotified and their thread looks at them again @us later, as long
 * as each look finds frames (NAPI's deferred interrupts, gro_flush_timeout
 * in Linux).  A steady stream then costs the switch and its peers a wake-up
 * per interval instead of one per kick; a frame may wait up to @us more.
 * The first frame after a quiet spell goes through at once.  No effect in
 * poll mode.
 *
 * Return: 0, -ENOENT or -EINVAL
 */
int vswitch_port_set_coalesce(struct vswitch *sw, int id, unsigned us)
{
	struct vsw_port *port = port_get(sw, id);

	if (!port)
		return -ENOENT;
	if (us > VSW_COALESCE_MAX_US)
		return -EINVAL;
	atomic_store_explicit(&port->coalesce_us, us, memory_order_relaxed);
	return 0;
}

/**
 * vswitch_port_coalesce() - a port's coalescing interval (us), 0 if off or
 * no such port
 * @sw: switch
 * @id: port
 *
 * Return: microseconds
 */
unsigned vswitch_port_coalesce(struct vswitch *sw, int id)
{
	struct vsw_port *port = port_get(sw, id);

	return port ? atomic_load_explicit(&port->coalesce_us,
					   memory_order_relaxed)
		    : 0;
}

/**
 * vswitch_port_set_ip_guard() - let a port send only from these addresses
 * @sw: switch
 * @id: port
 * @set: the prefixes it may use, copied; NULL turns the guard off
 *
 * With the guard, an IPv4 packet from another source (but 0.0.0.0 to the
 * DHCP server port), an ARP packet with another sender address (but
 * 0.0.0.0, a probe), an IPv6 packet from another source (but :: for
 * neighbour discovery and MLD; a link-local source must be in @set too)
 * and a neighbour advertisement for another target are dropped as
 * ip_spoofed.  Each burst
 * sees the old set or the new one; the old one is freed after a grace
 * period.
 *
 * Return: 0, -ENOENT or -ENOMEM
 */
int vswitch_port_set_ip_guard(struct vswitch *sw, int id,
			      const struct vsw_ipset *set)
{
	struct vsw_port *port = port_get(sw, id);
	struct vsw_ipset *fresh = NULL, *old;

	if (!port)
		return -ENOENT;
	old = atomic_load_explicit(&port->ip_guard, memory_order_acquire);
	if (!old && !set)
		return 0;
	if (old && set && !memcmp(old, set, sizeof(*set)))
		return 0; /* as it is: no grace period for nothing */
	if (set) {
		fresh = malloc(sizeof(*fresh));
		if (!fresh)
			return -ENOMEM;
		*fresh = *set;
	}
	old = atomic_exchange_explicit(&port->ip_guard, fresh,
				       memory_order_acq_rel);
	if (old) {
		vsw_synchronize(sw);
		free(old);
	}
	return 0;
}

/**
 * vswitch_port_set_vlan() - change a port's 802.1Q setting while it forwards
 * @sw: switch
 * @id: port
 * @vlan: new setting, copied; NULL for none
 *
 * Each burst sees the old setting or the new one, never a mix.  MAC entries
 * learned on the port are forgotten (their VLANs may no longer apply).
 *
 * Return: 0, -ENOENT or -ENOMEM
 */
int vswitch_port_set_vlan(struct vswitch *sw, int id,
			  const struct vsw_vlan *vlan)
{
	struct vsw_port *port = port_get(sw, id);
	struct vsw_vlan *fresh, *old;

	if (!port)
		return -ENOENT;
	fresh = calloc(1, sizeof(*fresh));
	if (!fresh)
		return -ENOMEM;
	if (vlan)
		*fresh = *vlan;
	old =
	    atomic_exchange_explicit(&port->vlan, fresh, memory_order_acq_rel);
	vsw_synchronize(sw);
	free(old);
	fdb_flush_port(atomic_load(&port->net->fdb), (uint16_t)id);
	return 0;
}

/**
 * vswitch_port_vnic() - a port's backend
 * @sw: switch
 * @id: port
 *
 * Return: backend, or NULL
 */
struct vnic *vswitch_port_vnic(struct vswitch *sw, int id)
{
	struct vsw_port *port = port_get(sw, id);

	return port ? port->vnic : NULL;
}

/**
 * vswitch_port_up() - operational state: link up and backend healthy
 * @sw: switch
 * @id: port
 *
 * Return: true if frames can leave on it
 */
bool vswitch_port_up(struct vswitch *sw, int id)
{
	struct vsw_port *port = port_get(sw, id);

	return port && atomic_load(&port->link_up) &&
	       !atomic_load(&port->broken);
}

/**
 * vswitch_port_set_link() - record a carrier change reported by netlink
 * @sw: switch
 * @id: port
 * @up: carrier
 *
 * Return: 0 or -ENOENT
 */
int vswitch_port_set_link(struct vswitch *sw, int id, bool up)
{
	struct vsw_port *port = port_get(sw, id);

	if (!port)
		return -ENOENT;
	if (atomic_exchange(&port->link_up, up) != up) {
		vlog(VSWITCH, INFO, "%s: link %s", port->name,
		     up ? "up" : "down");
		if (!up)
			fdb_flush_port(atomic_load(&port->net->fdb),
				       (uint16_t)id);
		if (sw->link_hook)
			sw->link_hook(sw->link_hook_arg, id, up);
	}
	return 0;
}

/**
 * vswitch_set_link_hook() - be told of every carrier change
 * vswitch_port_set_link() records
 * @sw: switch
 * @fn: called with @arg, the port and its carrier; NULL for none
 * @arg: passed to @fn
 */
void vswitch_set_link_hook(struct vswitch *sw, vsw_link_fn fn, void *arg)
{
	sw->link_hook = fn;
	sw->link_hook_arg = arg;
}

/**
 * vswitch_set_fault_hook() - be told of every port whose backend failed,
 * after vswitch_run() marked it down
 * @sw: switch
 * @fn: called on the control thread with @arg, the port and the error
 *      (-errno); it may delete the port; NULL for none
 * @arg: passed to @fn
 */
void vswitch_set_fault_hook(struct vswitch *sw, vsw_fault_fn fn, void *arg)
{
	sw->fault_hook = fn;
	sw->fault_hook_arg = arg;
}

/**
 * vswitch_port_find_ifindex() - port whose backend sits on a kernel device
 * @sw: switch
 * @ifindex: device index
 *
 * Return: port id, or -ENOENT
 */
int vswitch_port_find_ifindex(struct vswitch *sw, int ifindex)
{
	for (int i = 0; i < VSW_MAX_PORTS; i++) {
		struct vsw_port *p = atomic_load(&sw->ports[i]);

		if (p && ifindex > 0 && vnic_ifindex(p->vnic) == ifindex)
			return i;
	}
	return -ENOENT;
}

/**
 * vswitch_port_thread() - datapath thread that receives on a port's first
 * queue
 * @sw: switch
 * @id: port
 *
 * Return: thread number
 */
unsigned vswitch_port_thread(struct vswitch *sw, int id)
{
	struct vsw_port *port = port_get(sw, id);

	return port ? atomic_load(&port->rxq[0].thread) : 0;
}

/**
 * vswitch_port_queues() - receive queues of a port
 * @sw: switch
 * @id: port
 *
 * Return: count, 0 for no such port
 */
unsigned vswitch_port_queues(struct vswitch *sw, int id)
{
	struct vsw_port *port = port_get(sw, id);

	return port ? port->n_rxq : 0;
}

/**
 * vswitch_port_queue_thread() - datapath thread that owns a receive queue
 * @sw: switch
 * @id: port
 * @rxq: queue
 *
 * Return: thread number, or -ENOENT
 */
int vswitch_port_queue_thread(struct vswitch *sw, int id, unsigned rxq)
{
	struct vsw_port *port = port_get(sw, id);

	if (!port || rxq >= port->n_rxq)
		return -ENOENT;
	return (int)atomic_load(&port->rxq[rxq].thread);
}

/**
 * vswitch_port_name() - the name a port was added with (control thread)
 * @sw: switch
 * @id: port id
 *
 * Return: the name, or NULL when there is no such port
 */
const char *vswitch_port_name(struct vswitch *sw, int id)
{
	struct vsw_port *port = port_get(sw, id);

	return port ? port->name : NULL;
}

/**
 * vswitch_threads() - datapath threads
 * @sw: switch
 *
 * Return: count
 */
unsigned vswitch_threads(const struct vswitch *sw)
{
	return sw->cfg.threads;
}

/**
 * vswitch_port_stats() - a port's counters, summed over threads
 * @sw: switch
 * @id: port
 * @st: result
 */
void vswitch_port_stats(struct vswitch *sw, int id, struct vsw_port_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (port_get(sw, id))
		port_stats_sum(sw, id, st);
}

/* Port @id's counters summed over threads into @st (zeroed by the caller);
 * also once the port has left (its id not reused before it is closed). */
static void port_stats_sum(struct vswitch *sw, int id,
			   struct vsw_port_stats *st)
{
	for (unsigned i = 0; i < sw->cfg.threads; i++) {
		const struct vsw_tstats_port *t = &sw->threads[i].pstats[id];

		st->rx_packets +=
		    __atomic_load_n(&t->rx_packets, __ATOMIC_RELAXED);
		st->rx_bytes += __atomic_load_n(&t->rx_bytes, __ATOMIC_RELAXED);
		st->tx_packets +=
		    __atomic_load_n(&t->tx_packets, __ATOMIC_RELAXED);
		st->tx_bytes += __atomic_load_n(&t->tx_bytes, __ATOMIC_RELAXED);
		for (int d = 0; d < VSW_DROP_MAX; d++)
			st->drops[d] +=
			    __atomic_load_n(&t->drops[d], __ATOMIC_RELAXED);
	}
}
