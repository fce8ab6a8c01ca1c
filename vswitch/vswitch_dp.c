// SPDX-License-Identifier: GPL-2.0-or-later
/* vswitch_dp.c - datapath threads and the per-burst pipeline
 *
 * Each thread owns the receive side of some ports.  It takes a burst from a
 * port, classifies the whole burst, learns and looks up MACs, queues each
 * frame on its egress ports and then transmits one burst per egress port.
 * Configuration reaches it through pointers the control thread swaps; a
 * thread announces quiescent states (between bursts, and while asleep) so the
 * control thread knows when an old object can be freed.
 */
#include "vswitch_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/util.h"
#include "../vnic/vnic.h"

#define VSW_RX_BUDGET 4 /* bursts per port per wake-up, for fairness */
#define VSW_WAKE_ID   UINT32_MAX

static inline void stat_add(uint64_t *c, uint64_t n)
{
	/* Single writer; relaxed atomics let readers on other threads sum. */
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

static void qs_online(struct vsw_thread *t)
{
	atomic_store(&t->qs, atomic_load(&t->sw->gp_seq));
	atomic_thread_fence(memory_order_seq_cst);
}

static void qs_offline(struct vsw_thread *t)
{
	atomic_thread_fence(memory_order_seq_cst);
	atomic_store(&t->qs, VSW_QS_OFFLINE);
}

/**
 * vsw_synchronize() - wait until no datapath thread can still hold a pointer
 * it read before this call (control thread only)
 * @sw: switch
 */
void vsw_synchronize(struct vswitch *sw)
{
	uint64_t seq = atomic_fetch_add(&sw->gp_seq, 1) + 1;

	atomic_thread_fence(memory_order_seq_cst);
	for (unsigned i = 0; i < sw->cfg.threads; i++) {
		struct vsw_thread *t = &sw->threads[i];
		uint64_t wake = 1;

		if (!t->started)
			continue;
		/* A sleeping thread is quiescent; a busy one soon will be. */
		while (atomic_load(&t->qs) < seq) {
			if (write(t->wake_fd, &wake, sizeof(wake)) < 0) {
				/* eventfd saturated: the thread is awake */
			}
			usleep(50);
		}
	}
}

static void enqueue(struct vsw_thread *t, const struct vsw_port *out,
		    struct pkt *p, uint16_t tci)
{
	uint16_t id = (uint16_t)out->id;

	if (!t->outn[id])
		t->dirty[t->n_dirty++] = id;
	t->outq[id][t->outn[id]++] = (struct pkt_out){p, tci};
}

static void flood(struct vsw_thread *t, struct vsw_port *in, struct pkt *p,
		  const struct vsw_idlist *members)
{
	struct vswitch *sw = t->sw;
	unsigned sent = 0;

	for (unsigned i = 0; i < members->n; i++) {
		struct vsw_port *o;
		uint16_t tci;

		if (members->ids[i] == in->id)
			continue;
		o = atomic_load_explicit(&sw->ports[members->ids[i]],
					 memory_order_acquire);
		if (!o || !vsw_vlan_egress(&o->vlan, p, &tci))
			continue;
		if (!atomic_load_explicit(&o->link_up, memory_order_relaxed) ||
		    atomic_load_explicit(&o->broken, memory_order_relaxed)) {
			stat_add(&t->pstats[o->id].drops[VSW_DROP_PORT_DOWN],
				 1);
			continue;
		}
		enqueue(t, o, p, tci);
		sent++;
	}
	if (!sent)
		stat_add(&t->pstats[in->id].drops[VSW_DROP_NO_PORTS], 1);
}

static void forward(struct vsw_thread *t, struct vsw_port *in, struct pkt *p,
		    struct fdb *fdb, const struct vsw_idlist *members,
		    int64_t now)
{
	struct vsw_tstats_net *ns = &t->nstats[in->net->id];
	const uint8_t *dst = p->data;
	struct vsw_port *o;
	uint16_t tci;
	int oid;

	/* Slow protocols belong to the port's own service, never to others. */
	if (unlikely(vsw_mac_reserved(dst))) {
		vsw_slow_rx(t, in, p);
		return;
	}
	switch (fdb_learn(fdb, p->data + 6, p->vlan, (uint16_t)in->id,
			  vsw_port_mac_limit(in), now, &in->l2.src_hint)) {
	case FDB_LIMIT:
		vsw_learn_refused(t, in, p, VSW_DROP_MAC_LIMIT, now);
		return;
	case FDB_PINNED:
		vsw_learn_refused(t, in, p, VSW_DROP_MAC_PINNED, now);
		return;
	case FDB_LEARNED:
		stat_add(&ns->learned, 1);
		break;
	case FDB_MOVED:
		stat_add(&ns->moved, 1);
		break;
	case FDB_FULL:
		stat_add(&ns->fdb_full, 1);
		break;
	case FDB_REFRESHED:
		break;
	}

	oid = mac_is_multicast(dst)
		  ? -1
		  : fdb_lookup(fdb, dst, p->vlan, now, &in->l2.dst_hint);
	if (oid < 0) {
		stat_add(&ns->flooded, 1);
		flood(t, in, p, members);
		return;
	}
	if (oid == in->id) {
		stat_add(&t->pstats[in->id].drops[VSW_DROP_SAME_PORT], 1);
		return;
	}
	o = atomic_load_explicit(&t->sw->ports[oid], memory_order_acquire);
	if (!o || o->net != in->net || !vsw_vlan_egress(&o->vlan, p, &tci)) {
		/* Stale entry (port removed or re-added): flood instead. */
		stat_add(&ns->flooded, 1);
		flood(t, in, p, members);
		return;
	}
	if (!atomic_load_explicit(&o->link_up, memory_order_relaxed) ||
	    atomic_load_explicit(&o->broken, memory_order_relaxed)) {
		stat_add(&t->pstats[o->id].drops[VSW_DROP_PORT_DOWN], 1);
		return;
	}
	stat_add(&ns->unicast, 1);
	enqueue(t, o, p, tci);
}

static void port_fail(struct vsw_thread *t, struct vsw_port *port, int err)
{
	bool was = atomic_exchange(&port->broken, true);

	if (was)
		return;
	atomic_store(&port->fault_err, err);
	if (port->rx_fd >= 0)
		epoll_ctl(t->epfd, EPOLL_CTL_DEL, port->rx_fd, NULL);
	vlog_rl(VSWITCH, WARN, "%s: port failed (%s), marked down", port->name,
		strerror(-err));
}

static void flush(struct vsw_thread *t)
{
	struct vswitch *sw = t->sw;

	for (unsigned i = 0; i < t->n_dirty; i++) {
		uint16_t id = t->dirty[i];
		unsigned n = t->outn[id];
		struct vsw_port *o =
		    atomic_load_explicit(&sw->ports[id], memory_order_acquire);
		struct vsw_tstats_port *ps = &t->pstats[id];
		int sent;

		t->outn[id] = 0;
		if (!o)
			continue;
		sent = vnic_tx_burst(o->vnic, t->outq[id], n);
		if (sent < 0) {
			port_fail(t, o, sent);
			stat_add(&ps->drops[VSW_DROP_TX_FAILED], n);
			continue;
		}
		for (int k = 0; k < sent; k++)
			stat_add(&ps->tx_bytes, pkt_tx_len(t->outq[id][k].pkt,
							   t->outq[id][k].tci));
		stat_add(&ps->tx_packets, (uint64_t)sent);
		if ((unsigned)sent < n)
			stat_add(&ps->drops[VSW_DROP_TX_FAILED],
				 n - (unsigned)sent);
	}
	t->n_dirty = 0;
}

/**
 * vsw_process_burst() - run the pipeline on a burst received on one port
 * @t: datapath thread
 * @in: ingress port
 * @pkts: packets, released by the caller afterwards
 * @n: count
 */
void vsw_process_burst(struct vsw_thread *t, struct vsw_port *in,
		       struct pkt **pkts, unsigned n)
{
	struct vsw_net *net = in->net;
	struct vsw_tstats_port *ps = &t->pstats[in->id];
	struct fdb *fdb = atomic_load_explicit(&net->fdb, memory_order_acquire);
	const struct vsw_idlist *members =
	    atomic_load_explicit(&net->members, memory_order_acquire);
	unsigned mtu = atomic_load_explicit(&net->mtu, memory_order_relaxed);
	int64_t now = now_sec();
	uint64_t bytes = 0;

	/* Frames often sit in a guest's memory, cold: fetch ahead. */
	for (unsigned i = 0; i < n && i < 2; i++)
		__builtin_prefetch(pkts[i]->data);
	for (unsigned i = 0; i < n; i++) {
		struct pkt *p = pkts[i];
		enum vsw_drop why;

		if (i + 2 < n)
			__builtin_prefetch(pkts[i + 2]->data);
		bytes += p->len;
		p->in_port = (uint16_t)in->id;
		why = vsw_parse(p, mtu);
		if (why == VSW_DROP_NONE)
			why = vsw_vlan_ingress(&in->vlan, p);
		if (why != VSW_DROP_NONE) {
			stat_add(&ps->drops[why], 1);
			continue;
		}
		forward(t, in, p, fdb, members, now);
	}
	stat_add(&ps->rx_packets, n);
	stat_add(&ps->rx_bytes, bytes);
	flush(t);
}

static void poll_port(struct vsw_thread *t, struct vsw_port *port)
{
	struct pkt *pkts[PKT_BURST];

	for (int b = 0; b < VSW_RX_BUDGET; b++) {
		int n;

		if (atomic_load_explicit(&port->broken, memory_order_relaxed))
			return;
		n = vnic_rx_burst(port->vnic, t->pool, pkts, PKT_BURST);
		if (n < 0) {
			port_fail(t, port, n);
			return;
		}
		if (!n)
			return;
		vsw_process_burst(t, port, pkts, (unsigned)n);
		vnic_rx_done(port->vnic, pkts, (unsigned)n);
		if (n < PKT_BURST)
			return;
	}
}

static void run_event(struct vsw_thread *t)
{
	struct vswitch *sw = t->sw;
	struct epoll_event evs[64];

	while (!atomic_load(&sw->stop)) {
		int n;

		qs_offline(t);
		n = epoll_wait(t->epfd, evs, ARRAY_SIZE(evs), 1000);
		qs_online(t);
		for (int i = 0; i < n; i++) {
			uint32_t id = evs[i].data.u32;
			struct vsw_port *port;
			uint64_t v;

			if (id == VSW_WAKE_ID) {
				if (read(t->wake_fd, &v, sizeof(v)) < 0) {
					/* spurious: nothing to drain */
				}
				continue;
			}
			if (id >= VSW_MAX_PORTS)
				continue;
			port = atomic_load_explicit(&sw->ports[id],
						    memory_order_acquire);
			if (port && port->thread == t->idx)
				poll_port(t, port);
		}
	}
}

static void run_poll(struct vsw_thread *t)
{
	struct vswitch *sw = t->sw;
	uint64_t v, spins = 0;

	while (!atomic_load_explicit(&sw->stop, memory_order_relaxed)) {
		const struct vsw_idlist *owned;

		qs_online(t);
		owned = atomic_load_explicit(&t->owned, memory_order_acquire);
		for (unsigned i = 0; owned && i < owned->n; i++) {
			struct vsw_port *port = atomic_load_explicit(
			    &sw->ports[owned->ids[i]], memory_order_acquire);

			if (port)
				poll_port(t, port);
		}
		/* A busy-polling thread never sleeps, so it needs no wake-up;
		 * drain the eventfd only now and then. */
		if (!(++spins & 0xfffff) &&
		    read(t->wake_fd, &v, sizeof(v)) < 0) {
			/* EAGAIN: nothing pending */
		}
	}
}

/**
 * vsw_thread_main() - body of a datapath thread
 * @arg: its struct vsw_thread
 *
 * Return: NULL
 */
void *vsw_thread_main(void *arg)
{
	struct vsw_thread *t = arg;

	if (t->sw->cfg.poll)
		run_poll(t);
	else
		run_event(t);
	qs_offline(t);
	return NULL;
}

/**
 * vsw_thread_init() - allocate everything a datapath thread will ever use
 * @sw: switch
 * @t: thread state
 * @idx: thread number
 *
 * Return: 0 or -errno
 */
int vsw_thread_init(struct vswitch *sw, struct vsw_thread *t, unsigned idx)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = VSW_WAKE_ID};

	t->sw = sw;
	t->idx = idx;
	t->epfd = -1;
	t->wake_fd = -1;
	atomic_store(&t->qs, VSW_QS_OFFLINE);
	t->pool = pkt_pool_create(sw->cfg.pool_size);
	t->pstats = calloc(VSW_MAX_PORTS, sizeof(*t->pstats));
	t->nstats = calloc(VSW_MAX_NETS, sizeof(*t->nstats));
	t->outq = calloc(VSW_MAX_PORTS, sizeof(*t->outq));
	t->outn = calloc(VSW_MAX_PORTS, sizeof(*t->outn));
	t->dirty = calloc(VSW_MAX_PORTS, sizeof(*t->dirty));
	if (!t->pool || !t->pstats || !t->nstats || !t->outq || !t->outn ||
	    !t->dirty)
		return -ENOMEM;
	t->epfd = epoll_create1(EPOLL_CLOEXEC);
	t->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (t->epfd < 0 || t->wake_fd < 0)
		return -errno;
	if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, t->wake_fd, &ev))
		return -errno;
	return 0;
}

/**
 * vsw_thread_fini() - free a datapath thread's state (thread joined)
 * @t: thread state
 */
void vsw_thread_fini(struct vsw_thread *t)
{
	if (t->epfd >= 0)
		close(t->epfd);
	if (t->wake_fd >= 0)
		close(t->wake_fd);
	pkt_pool_destroy(t->pool);
	free(t->pstats);
	free(t->nstats);
	free(t->outq);
	free(t->outn);
	free(t->dirty);
	free(atomic_load(&t->owned));
}
