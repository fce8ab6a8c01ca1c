// SPDX-License-Identifier: GPL-2.0-or-later
/* vswitch_dp.c - datapath threads and the per-burst pipeline
 *
 * Each thread owns some receive queues of ports.  It takes a burst from a
 * queue, classifies the whole burst, learns and looks up MACs, queues each
 * frame on its egress ports and then transmits one burst per egress port,
 * on its own transmit queue of that port.  Configuration reaches it through
 * pointers the control thread swaps; a thread announces quiescent states
 * (between bursts, and while asleep) so the control thread knows when an old
 * object can be freed.  Besides ports, a thread runs its own timers (a wheel
 * per thread: its sleep ends at the next expiry) and functions the control
 * thread queues for it on a single-producer ring.
 */
#include "vswitch_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/util.h"
#include "../vnic/vnic.h"

#define VSW_RX_BUDGET 4 /* bursts per port per wake-up, for fairness */
#define VSW_WAKE_ID   UINT32_MAX

/* The datapath thread this code runs on, NULL on any other thread. */
static __thread struct vsw_thread *vsw_self;

static uint64_t now_ms(void)
{
	return now_ns() / 1000000;
}

/* A spin-wait hint: the core idles briefly, its sibling runs. */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

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

/* A polling thread's quiescent state: only a grace period begun since the
 * last one is acknowledged, with a release store (everything read before
 * is done with); no fence on the usual pass. */
static inline void qs_quiesce(struct vsw_thread *t)
{
	uint64_t seq =
	    atomic_load_explicit(&t->sw->gp_seq, memory_order_acquire);

	if (atomic_load_explicit(&t->qs, memory_order_relaxed) != seq)
		atomic_store_explicit(&t->qs, seq, memory_order_release);
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

		if (!t->started)
			continue;
		/* A sleeping thread is quiescent; a busy one soon will be. */
		while (atomic_load(&t->qs) < seq) {
			vsw_thread_wake(t);
			usleep(50);
		}
	}
}

static inline void enqueue(struct vsw_thread *t, const struct vsw_port *out,
			   struct pkt *p, uint16_t tci)
{
	uint16_t id = (uint16_t)out->id;
	uint16_t n = t->outn[id]; /* read once: @dirty may alias it */

	if (!n)
		t->dirty[t->n_dirty++] = id;
	t->outq[id][n] = (struct pkt_out){p, tci};
	t->outn[id] = (uint16_t)(n + 1);
}

/* Sources learned in this burst: each is learned (refreshed) once per burst
 * rather than per frame, however many a burst mixes.  Direct-mapped by a
 * multiplicative hash; a collision only costs one more fdb_learn(). */
#define LEARN_MEMO_BITS 4
#define FLOOD_MEMO	8
struct learn_memo {
	uint64_t key[1u << LEARN_MEMO_BITS]; /* MAC and VLAN, 0: none */
	/* The last destination looked up in this burst and the answer: a
	 * burst is mostly one conversation, and an unknown destination (a
	 * flood) costs the table's keyed hash on every look.  Forgotten
	 * when this burst changes the table (a source learned or moved). */
	uint64_t dkey; /* MAC and VLAN, 0: none */
	int doid;
	/* The egresses the last flood of an untagged frame went to, for the
	 * next frame to the same destination: kept only when every member
	 * took it or was left out by its VLAN (a port that is down counts
	 * a drop per frame) and there were at most FLOOD_MEMO of them. */
	uint64_t fkey; /* MAC and VLAN, 0: none */
	unsigned fn;
	/* Frames of the burst flooded and sent to one port, added to the
	 * network's counters once at its end. */
	uint64_t flooded, unicast;
	struct vsw_port *fo[FLOOD_MEMO];
	uint16_t ftci[FLOOD_MEMO];
};

/* MAC table slots where this thread last found keys, sources and
 * destinations alike, by a multiplicative hash of the key: frames of many
 * conversations skip the table's keyed hash.  Only guesses: fdb_learn()
 * and fdb_lookup() compare the key in the slot, and a wrong one costs the
 * hash. */
#define HINT_BITS 6
static __thread _Atomic uint64_t vsw_hints[1u << HINT_BITS];

static inline _Atomic uint64_t *hint_of(uint64_t key)
{
	return &vsw_hints[(key * 0x9e3779b97f4a7c15ull) >> (64 - HINT_BITS)];
}

static inline uint64_t mac_key(const uint8_t *mac, uint16_t vlan)
{
	uint64_t k = 0;

	memcpy(&k, mac, 6);
	return k | (uint64_t)(vlan + 1u) << 48;
}

static inline uint64_t *memo_slot(struct learn_memo *m, uint64_t key)
{
	return &m->key[(key * 0x9e3779b97f4a7c15ull) >> (64 - LEARN_MEMO_BITS)];
}

static void flood_members(struct vsw_thread *t, struct vsw_port *in,
			  struct pkt *p, const struct vsw_idlist *members,
			  struct learn_memo *memo, uint64_t fkey)
{
	struct vswitch *sw = t->sw;
	unsigned sent = 0;
	bool keep = fkey != 0, down = false;

	for (unsigned i = 0; i < members->n; i++) {
		struct vsw_port *o;
		uint16_t tci;

		if (members->ids[i] == in->id)
			continue;
		o = atomic_load_explicit(&sw->ports[members->ids[i]],
					 memory_order_acquire);
		if (!o || !vsw_vlan_egress(vsw_port_vlan(o), p, &tci))
			continue;
		if (!atomic_load_explicit(&o->link_up, memory_order_relaxed) ||
		    atomic_load_explicit(&o->broken, memory_order_relaxed)) {
			stat_add(&t->pstats[o->id].drops[VSW_DROP_PORT_DOWN],
				 1);
			keep = false;
			down = true;
			continue;
		}
		enqueue(t, o, p, tci);
		if (sent < FLOOD_MEMO) {
			memo->fo[sent] = o;
			memo->ftci[sent] = tci;
		} else {
			keep = false;
		}
		sent++;
	}
	memo->fkey = keep ? fkey : 0;
	memo->fn = sent;
	/* A frame that only down members could have taken is counted once,
	 * as port_down on each of them: no_ports is for a frame that has no
	 * member in its VLAN at all. */
	if (!sent && !down)
		stat_add(&t->pstats[in->id].drops[VSW_DROP_NO_PORTS], 1);
}

/* Flood @p to the network's members; the next frame of the burst to the
 * same destination reuses the egress list (inline: most floods do).
 * @dkey: mac_key() of the destination and VLAN. */
static inline void flood(struct vsw_thread *t, struct vsw_port *in,
			 struct pkt *p, const struct vsw_idlist *members,
			 struct learn_memo *memo, uint64_t dkey)
{
	uint64_t fkey = p->tagged ? 0 : dkey;
	unsigned fn;

	if (!fkey || memo->fkey != fkey) {
		flood_members(t, in, p, members, memo, fkey);
		return;
	}
	fn = memo->fn;
	for (unsigned i = 0; i < fn; i++)
		enqueue(t, memo->fo[i], p, memo->ftci[i]);
	if (!fn)
		stat_add(&t->pstats[in->id].drops[VSW_DROP_NO_PORTS], 1);
}

static void forward(struct vsw_thread *t, struct vsw_port *in,
		    struct vsw_tstats_net *ns, struct pkt *p, struct fdb *fdb,
		    const struct vsw_idlist *members, int64_t now,
		    struct learn_memo *memo)
{
	const uint8_t *dst = p->data;
	uint64_t key = mac_key(p->data + 6, p->vlan);
	uint64_t dkey = mac_key(dst, p->vlan);
	uint64_t *seen = memo_slot(memo, key);
	struct vsw_port *o;
	uint16_t tci;
	int oid;

	/* Slow protocols belong to the port's own service, never to others. */
	if (unlikely(vsw_mac_reserved(dst))) {
		vsw_slow_rx(t, in, p);
		return;
	}
	if (*seen == key)
		goto lookup;
	switch (fdb_learn(fdb, p->data + 6, p->vlan, (uint16_t)in->id,
			  vsw_port_mac_limit(in), now, hint_of(key))) {
	case FDB_LIMIT:
		vsw_learn_refused(t, in, p, VSW_DROP_MAC_LIMIT, now);
		return;
	case FDB_PINNED:
		vsw_learn_refused(t, in, p, VSW_DROP_MAC_PINNED, now);
		return;
	case FDB_LEARNED:
		stat_add(&ns->learned, 1);
		memo->dkey = 0;
		break;
	case FDB_MOVED:
		stat_add(&ns->moved, 1);
		memo->dkey = 0;
		break;
	case FDB_FULL:
		stat_add(&ns->fdb_full, 1);
		break;
	case FDB_REFRESHED:
		break;
	}
	*seen = key;
lookup:

	if (dst[0] & 1) { /* group address: flood */
		oid = -1;
	} else {
		if (memo->dkey != dkey) {
			memo->dkey = dkey;
			memo->doid =
			    fdb_lookup(fdb, dst, p->vlan, now, hint_of(dkey));
		}
		oid = memo->doid;
	}
	if (oid < 0) {
		memo->flooded++;
		flood(t, in, p, members, memo, dkey);
		return;
	}
	if (oid == in->id) {
		stat_add(&t->pstats[in->id].drops[VSW_DROP_SAME_PORT], 1);
		return;
	}
	o = atomic_load_explicit(&t->sw->ports[oid], memory_order_acquire);
	if (!o || o->net != in->net ||
	    !vsw_vlan_egress(vsw_port_vlan(o), p, &tci)) {
		/* Stale entry (port removed or re-added): flood instead. */
		memo->flooded++;
		flood(t, in, p, members, memo, dkey);
		return;
	}
	if (!atomic_load_explicit(&o->link_up, memory_order_relaxed) ||
	    atomic_load_explicit(&o->broken, memory_order_relaxed)) {
		stat_add(&t->pstats[o->id].drops[VSW_DROP_PORT_DOWN], 1);
		return;
	}
	memo->unicast++;
	enqueue(t, o, p, tci);
}

/* Mark a port broken.  Any thread may find out (a transmit fails on a
 * thread that does not own the port's receive side): each owner stops
 * polling its queues when it next sees the flag, and the control thread
 * logs the fault (once, in vswitch_run()) and, on deletion, releases
 * everything.  The datapath itself does not log: one fault is one line. */
static void port_fail(struct vsw_port *port, int err)
{
	int none = 0;

	/* The first error stays: the flag is set after it. */
	atomic_compare_exchange_strong(&port->fault_err, &none, err);
	atomic_store(&port->broken, true);
}

/* Hand @n frames to port @o; every frame ends in one counter.  Return: how
 * many the port took (0 when it failed). */
static unsigned tx_send(struct vsw_thread *t, struct vsw_port *o,
			const struct pkt_out *q, unsigned n)
{
	struct vsw_tstats_port *ps = &t->pstats[o->id];
	uint64_t bytes = 0;
	int sent;

	if (!n)
		return 0;
	sent = vnic_tx_burst(o->vnic, t->idx, q, n, &bytes);
	if (sent < 0) {
		port_fail(o, sent);
		stat_add(&ps->drops[VSW_DROP_TX_FAILED], n);
		return 0;
	}
	stat_add(&ps->tx_packets, (uint64_t)sent);
	stat_add(&ps->tx_bytes, bytes);
	return (unsigned)sent;
}

/*
 * Staged frames for one egress, the pool packets made for it, and the
 * super-frames among them, which count (superframes_sent_whole,
 * superframes_segmented) only once the port has taken them.
 * @whole: super-frames staged whole
 * @cut: super-frames cut for the port whose last segment is staged
 * @cur: segments staged of the super-frame being cut
 * @lost: a segment of the super-frame being cut was not taken
 * @sf_whole, @sf_cut: super-frames the port took, whole or as segments
 */
struct tx_stage {
	struct pkt_out q[PKT_BURST];
	struct pkt *own[PKT_BURST];
	unsigned n, nown;
	unsigned whole, cut, cur;
	bool lost;
	uint64_t sf_whole, sf_cut;
};

static void stage_flush(struct vsw_thread *t, struct vsw_port *o,
			struct tx_stage *s)
{
	unsigned missed = s->n - tx_send(t, o, s->q, s->n);

	/* A backend says how many frames it took, not which: a super-frame
	 * counts only where the number proves it taken (each frame missing
	 * may have been one of them, or a segment of one). */
	s->sf_whole += s->whole > missed ? s->whole - missed : 0;
	s->sf_cut += s->cut > missed ? s->cut - missed : 0;
	if (missed && s->cur)
		s->lost = true;
	for (unsigned i = 0; i < s->nown; i++)
		pkt_free(s->own[i]);
	s->n = 0;
	s->nown = 0;
	s->whole = 0;
	s->cut = 0;
	s->cur = 0;
}

/* Stage super-frame @p (to go with tag @tci) cut into segments, flushing
 * full stages on the way; one that cannot be cut counts gso_failed (the
 * segments staged before the failure still go) and not as segmented. */
static void stage_segments(struct vsw_thread *t, struct vsw_port *o,
			   struct tx_stage *s, const struct pkt *p,
			   uint16_t tci)
{
	size_t off = 0;

	s->lost = false;
	while (off != SIZE_MAX) {
		int k;

		if (s->n == PKT_BURST)
			stage_flush(t, o, s);
		k = vnet_hdr_segment(p, &off, t->pool, s->own + s->nown,
				     PKT_BURST - s->n);
		if (k == -ENOBUFS && s->nown) {
			stage_flush(t, o, s); /* frees some */
			continue;
		}
		if (k < 0) {
			stat_add(&t->pstats[o->id].drops[VSW_DROP_GSO_FAILED],
				 1);
			s->cur = 0;
			return;
		}
		for (int j = 0; j < k; j++)
			s->q[s->n++] = (struct pkt_out){s->own[s->nown++], tci};
		s->cur += (unsigned)k;
	}
	s->cut += !s->lost;
	s->cur = 0;
}

/* Transmit to a port that cannot take some of the frames as they are: cut
 * super-frames into segments and finish partial checksums on the way.  A
 * super-frame cut into segments counts as its segments in tx_packets. */
static void tx_adapt(struct vsw_thread *t, struct vsw_port *o,
		     const struct pkt_out *q, unsigned n)
{
	struct vsw_tstats_port *ps = &t->pstats[o->id];
	unsigned caps = vnic_tx_offloads(o->vnic);
	unsigned mtu = atomic_load_explicit(&o->net->mtu, memory_order_relaxed);
	struct tx_stage s;

	s.n = s.nown = s.whole = s.cut = s.cur = 0;
	s.lost = false;
	s.sf_whole = s.sf_cut = 0;
	for (unsigned i = 0; i < n; i++) {
		struct pkt *p = q[i].pkt, *c;

		if (vnet_hdr_fits(p, caps)) {
			s.whole += p->ol.gso_type && p->len - p->l3_ofs > mtu;
			s.q[s.n++] = q[i];
		} else if (p->ol.gso_type) {
			stage_segments(t, o, &s, p, q[i].tci);
		} else if (!vnet_hdr_finish_csum(p, t->pool, &c)) {
			if (c)
				s.own[s.nown++] = c;
			s.q[s.n++] = (struct pkt_out){c ? c : p, q[i].tci};
		} else {
			stat_add(&ps->drops[VSW_DROP_GSO_FAILED], 1);
		}
		if (s.n == PKT_BURST)
			stage_flush(t, o, &s);
	}
	stage_flush(t, o, &s);
	vnic_count_superframes(o->vnic, s.sf_whole, s.sf_cut);
}

static void flush(struct vsw_thread *t, bool offloads)
{
	struct vswitch *sw = t->sw;

	for (unsigned i = 0; i < t->n_dirty; i++) {
		uint16_t id = t->dirty[i];
		unsigned n = t->outn[id];
		struct vsw_port *o =
		    atomic_load_explicit(&sw->ports[id], memory_order_acquire);

		t->outn[id] = 0;
		if (unlikely(!o)) {
			/* Deleted since the frames were queued: they count
			 * on the ingress port (the frames of one flush came
			 * in on one), as the egress id may serve another
			 * port soon. */
			stat_add(&t->pstats[t->outq[id][0].pkt->in_port]
				      .drops[VSW_DROP_PORT_GONE],
				 n);
			continue;
		}
		/* Every frame ends in exactly one counter: tx_packets, a drop
		 * the backend counts, or tx_failed (vnic_provider.h). */
		if (unlikely(offloads))
			tx_adapt(t, o, t->outq[id], n);
		else
			tx_send(t, o, t->outq[id], n);
	}
	t->n_dirty = 0;
}

/**
 * vsw_process_burst() - run the pipeline on a burst received on one port
 * @t: datapath thread
 * @in: ingress port
 * @pkts: packets, released by the caller afterwards
 * @n: count (any: taken PKT_BURST at a time)
 */
void vsw_process_burst(struct vsw_thread *t, struct vsw_port *in,
		       struct pkt **pkts, unsigned n)
{
	struct vsw_net *net = in->net;
	struct vsw_tstats_port *ps = &t->pstats[in->id];
	struct vsw_tstats_net *ns = &t->nstats[net->id];
	struct fdb *fdb = atomic_load_explicit(&net->fdb, memory_order_acquire);
	const struct vsw_idlist *members =
	    atomic_load_explicit(&net->members, memory_order_acquire);
	unsigned mtu = atomic_load_explicit(&net->mtu, memory_order_relaxed);
	const struct vsw_vlan *vlan = vsw_port_vlan(in);
	unsigned guards =
	    (atomic_load_explicit(&in->dhcp_guard, memory_order_relaxed)
		 ? VSW_GUARD_DHCP
		 : 0) |
	    (atomic_load_explicit(&in->router_guard, memory_order_relaxed)
		 ? VSW_GUARD_ROUTER
		 : 0);
	uint64_t mac_guard =
	    atomic_load_explicit(&in->mac_guard, memory_order_relaxed);
	const struct vsw_ipset *ip_guard =
	    atomic_load_explicit(&in->ip_guard, memory_order_acquire);
	int64_t now = now_sec();
	uint64_t bytes = 0;
	bool offloads = false;
	struct learn_memo memo = {0};
	uint8_t why[PKT_BURST]; /* enum vsw_drop of each frame */

	for (unsigned i = 0; i < n; i++) {
		struct pkt *p = pkts[i];
		unsigned k = i % PKT_BURST;

		/* A port's transmit queue holds PKT_BURST frames: what a
		 * longer burst queued so far leaves first. */
		if (!k && i) {
			flush(t, offloads);
			offloads = false;
		}
		/* Classify the burst first, a whole burst in one call. */
		if (!k)
			vsw_classify_burst(
			    pkts + i, n - i < PKT_BURST ? n - i : PKT_BURST,
			    mtu, vlan, guards, why);
		bytes += p->len;
		offloads |= pkt_has_offload(p);
		p->in_port = (uint16_t)in->id;
		p->in_trusted = !(guards & VSW_GUARD_DHCP);
		if (unlikely(mac_guard) && why[k] == VSW_DROP_NONE &&
		    vsw_mac_spoofed(p, mac_guard))
			why[k] = VSW_DROP_MAC_SPOOFED;
		if (unlikely(ip_guard) && why[k] == VSW_DROP_NONE &&
		    vsw_ip_guard_reads(p->ethertype) &&
		    vsw_ip_spoofed(p, ip_guard))
			why[k] = VSW_DROP_IP_SPOOFED;
		if (unlikely(why[k] != VSW_DROP_NONE)) {
			stat_add(&ps->drops[why[k]], 1);
			continue;
		}
		forward(t, in, ns, p, fdb, members, now, &memo);
	}
	stat_add(&ps->rx_packets, n);
	stat_add(&ps->rx_bytes, bytes);
	stat_add(&ns->flooded, memo.flooded);
	stat_add(&ns->unicast, memo.unicast);
	flush(t, offloads);
}

/* Frames received: 0 when the queue was idle.  At most VSW_RX_BUDGET
 * bursts' worth; a short burst ends the look, but on a coalescing port
 * (held between looks, so nothing signals what a short burst left) only an
 * empty one does: a tap reads frames that come alone one per burst. */
static unsigned poll_port(struct vsw_thread *t, struct vsw_port *port,
			  unsigned q)
{
	struct pkt *pkts[PKT_BURST];
	unsigned got = 0;
	bool drain =
	    atomic_load_explicit(&port->coalesce_us, memory_order_relaxed) != 0;

	while (got < VSW_RX_BUDGET * PKT_BURST) {
		int n;

		if (atomic_load_explicit(&port->broken, memory_order_relaxed)) {
			/* Stop hearing about it; the control thread reports
			 * the fault and port deletion frees the rest. */
			if (port->rxq[q].fd >= 0)
				epoll_ctl(t->epfd, EPOLL_CTL_DEL,
					  port->rxq[q].fd, NULL);
			return got;
		}
		n = vnic_rx_burst(port->vnic, q, t->pool, pkts, PKT_BURST);
		if (n < 0) {
			port_fail(port, n);
			continue; /* and retire the queue above */
		}
		if (!n)
			return got;
		got += (unsigned)n;
		vsw_process_burst(t, port, pkts, (unsigned)n);
		vnic_rx_done(port->vnic, q, pkts, (unsigned)n);
		if (n < PKT_BURST && !drain)
			return got;
	}
	return got;
}

/* The port of receive queue @key if this thread owns that queue, else NULL. */
static struct vsw_port *owned_port(struct vsw_thread *t, uint32_t key)
{
	unsigned q = VSW_RXQ_Q(key);
	struct vsw_port *port;

	if (VSW_RXQ_PORT(key) >= VSW_MAX_PORTS)
		return NULL;
	port = atomic_load_explicit(&t->sw->ports[VSW_RXQ_PORT(key)],
				    memory_order_acquire);
	if (port && q < port->n_rxq &&
	    atomic_load_explicit(&port->rxq[q].thread, memory_order_acquire) ==
		t->idx)
		return port;
	return NULL;
}

/* Poll receive queue @key if this thread still owns it (its port in
 * *@portp); return the frames received.  Not inlined: one node of a
 * profile per look at a queue (bench/vhost-callgrind.sh counts bursts by
 * it). */
static __attribute__((noinline)) unsigned
poll_key(struct vsw_thread *t, uint32_t key, struct vsw_port **portp)
{
	struct vsw_port *port = owned_port(t, key);

	*portp = port;
	return port ? poll_port(t, port, VSW_RXQ_Q(key)) : 0;
}

/* ---- notification coalescing (struct vsw_held) ---- */

/* Held entry @i's port if the entry is current: this thread owns the queue
 * and it has not left and come back (or been deleted, its id given to
 * another port) since it was held; else NULL. */
static struct vsw_port *owned_held(struct vsw_thread *t, unsigned i)
{
	struct vsw_port *port = owned_port(t, t->held[i].key);

	if (port &&
	    atomic_load_explicit(&port->rxq[VSW_RXQ_Q(t->held[i].key)].epoch,
				 memory_order_relaxed) == t->held[i].epoch)
		return port;
	return NULL;
}

static int held_find(const struct vsw_thread *t, uint32_t key)
{
	for (unsigned i = 0; i < t->n_held; i++)
		if (t->held[i].key == key)
			return (int)i;
	return -1;
}

static void held_drop(struct vsw_thread *t, unsigned i)
{
	t->held[i] = t->held[--t->n_held];
}

/* Whether an event for queue @key is to be left to its look: it is held.
 * A stale entry for it goes (whoever released the queue did so). */
static bool held_now(struct vsw_thread *t, uint32_t key)
{
	int i = held_find(t, key);

	if (i < 0)
		return false;
	if (owned_held(t, (unsigned)i))
		return true;
	held_drop(t, (unsigned)i);
	return false;
}

/* Turn notifications of receive queue @key off (@hold) or back on: by the
 * backend, or else by not watching its fd (a level-triggered one reports
 * what waits as soon as it is watched again).  Return: false if it cannot. */
static bool rxq_hold(struct vsw_thread *t, struct vsw_port *port, uint32_t key,
		     bool hold)
{
	unsigned q = VSW_RXQ_Q(key);
	struct epoll_event ev = {.events = hold ? 0 : EPOLLIN, .data.u32 = key};

	if (vnic_rx_hold(port->vnic, q, hold))
		return true;
	if (port->rxq[q].fd < 0 || vnic_rx_fd_edge(port->vnic))
		return false;
	return !epoll_ctl(t->epfd, EPOLL_CTL_MOD, port->rxq[q].fd, &ev);
}

/* Receive queue @key of @port found @got frames: on a coalescing port, keep
 * its notifications off and look again after the port's interval, or at
 * once when the look stopped at its budget with frames left.  A stream
 * faster than VSW_HELD_BATCH frames an interval is looked at at a pace of
 * its own: shortened to what would have taken VSW_HELD_BATCH when a look
 * takes more, doubled back towards the interval when one takes fewer than
 * half as many. */
static void held_after_burst(struct vsw_thread *t, struct vsw_port *port,
			     uint32_t key, unsigned got)
{
	uint32_t us =
	    atomic_load_explicit(&port->coalesce_us, memory_order_relaxed);
	uint64_t now, full;
	struct vsw_held *h;
	int i;

	if (!us)
		return;
	now = now_ns();
	full = (uint64_t)us * 1000;
	i = held_find(t, key);
	if (i < 0) {
		if (t->n_held == VSW_HELD_MAX || !rxq_hold(t, port, key, true))
			return; /* notified as before */
		i = (int)t->n_held++;
		h = &t->held[i];
		h->key = key;
		h->epoch = atomic_load_explicit(
		    &port->rxq[VSW_RXQ_Q(key)].epoch, memory_order_relaxed);
		h->pace = full;
	} else {
		h = &t->held[i];
		if (got > VSW_HELD_BATCH && now > h->last)
			h->pace = (now - h->last) * VSW_HELD_BATCH / got;
		else if (got < VSW_HELD_BATCH / 2)
			h->pace *= 2;
		if (h->pace > full)
			h->pace = full;
		if (h->pace < 1000)
			h->pace = 1000;
	}
	h->last = now;
	h->due = now + (got >= VSW_RX_BUDGET * PKT_BURST ? 0 : h->pace);
}

/* Look at the held queues whose time has come. */
static void run_held(struct vsw_thread *t)
{
	uint64_t now = now_ns();

	for (unsigned i = 0; i < t->n_held;) {
		uint32_t key = t->held[i].key;
		struct vsw_port *port;
		unsigned got;

		if (t->held[i].due > now) {
			i++;
			continue;
		}
		port = owned_held(t, i);
		if (!port) {
			/* Deleted, or moved: vswitch_port_move() released
			 * it for the new owner. */
			held_drop(t, i);
			continue;
		}
		got = poll_port(t, port, VSW_RXQ_Q(key));
		if (got && atomic_load_explicit(&port->coalesce_us,
						memory_order_relaxed)) {
			held_after_burst(t, port, key, got);
			now = now_ns();
			i++;
			continue;
		}
		/* Quiet (or coalescing turned off): notifications back on;
		 * the backend looks once more and signals itself if frames
		 * came in between. */
		held_drop(t, i);
		(void)rxq_hold(t, port, key, false);
	}
}

/* Time to the first held queue's look, in ns; -1 when none is held. */
static int64_t held_next_ns(const struct vsw_thread *t)
{
	uint64_t first = UINT64_MAX, now;

	if (!t->n_held)
		return -1;
	for (unsigned i = 0; i < t->n_held; i++)
		if (t->held[i].due < first)
			first = t->held[i].due;
	now = now_ns();
	return first > now ? (int64_t)(first - now) : 0;
}

/* Run what the control thread queued for this thread. */
static void run_cmds(struct vsw_thread *t)
{
	uint32_t tail =
	    atomic_load_explicit(&t->cmd_tail, memory_order_relaxed);
	uint32_t head =
	    atomic_load_explicit(&t->cmd_head, memory_order_acquire);

	while (tail != head) {
		struct vsw_cmd *c = &t->cmds[tail % VSW_CMD_RING];

		c->fn(c->arg);
		tail++;
		atomic_store_explicit(&t->cmd_tail, tail, memory_order_release);
	}
}

static void run_timers(struct vsw_thread *t)
{
	if (t->wheel.count)
		vsw_wheel_run(&t->wheel, now_ms());
}

/* How long an event-mode thread may sleep: until its next timer, or until
 * woken when it has none (every stop, call and grace period writes the
 * wake-up eventfd): no kernel timer is armed and cancelled per sleep. */
static int sleep_ms(struct vsw_thread *t)
{
	int64_t next = vsw_wheel_next(&t->wheel);
	uint64_t now;

	if (next < 0)
		return -1;
	now = now_ms();
	next += (int64_t)t->wheel.now - (int64_t)now;
	return next <= 0 ? 0 : next > INT32_MAX ? INT32_MAX : (int)next;
}

/* Sleep in epoll until an event, a timer or a held queue's look is due. */
static int event_wait(struct vsw_thread *t, struct epoll_event *evs, int max)
{
	int ms = sleep_ms(t);
	int64_t ns = held_next_ns(t);
	struct timespec ts;

	int n;

	if (ns < 0)
		return epoll_wait(t->epfd, evs, max, ms);
	/* Held queues are looked at to the microsecond, past epoll_wait()'s
	 * millisecond. */
	if (ms >= 0 && (int64_t)ms * 1000000 < ns)
		ns = (int64_t)ms * 1000000;
	if (!t->no_pwait2) {
		ts.tv_sec = ns / 1000000000;
		ts.tv_nsec = ns % 1000000000;
		n = epoll_pwait2(t->epfd, evs, max, &ts, NULL);
		if (n >= 0 || (errno != ENOSYS && errno != EPERM))
			return n;
		/* A kernel before 5.11, or a filter that does not know the
		 * call: whole milliseconds, rounded up, from now on. */
		t->no_pwait2 = true;
		vlog(VSWITCH, WARN,
		     "epoll_pwait2: %s: coalescing intervals are rounded up "
		     "to whole milliseconds",
		     strerror(errno));
	}
	return epoll_wait(t->epfd, evs, max,
			  (int)((ns + 999999) / 1000000 > INT32_MAX
				    ? INT32_MAX
				    : (ns + 999999) / 1000000));
}

static void run_event(struct vsw_thread *t)
{
	struct vswitch *sw = t->sw;
	struct epoll_event evs[64];

	while (!atomic_load(&sw->stop)) {
		int n;

		qs_offline(t);
		n = event_wait(t, evs, ARRAY_SIZE(evs));
		qs_online(t);
		for (int i = 0; i < n; i++) {
			uint32_t key = evs[i].data.u32;
			struct vsw_port *port;
			unsigned got;
			uint64_t v;

			if (key == VSW_WAKE_ID) {
				if (read(t->wake_fd, &v, sizeof(v)) < 0) {
					/* spurious: nothing to drain */
				}
				continue;
			}
			/* A kick that crossed the hold: the look comes.  (An
			 * error is reported whatever is watched: see to it.) */
			if (t->n_held &&
			    !(evs[i].events & (EPOLLERR | EPOLLHUP)) &&
			    held_now(t, key))
				continue;
			got = poll_key(t, key, &port);
			if (got)
				held_after_burst(t, port, key, got);
		}
		if (t->n_held)
			run_held(t);
		run_cmds(t);
		run_timers(t);
	}
}

static void run_poll(struct vsw_thread *t)
{
	struct vswitch *sw = t->sw;
	uint64_t v, spins = 0;

	qs_online(t); /* from offline: the one pass with a fence */
	while (!atomic_load_explicit(&sw->stop, memory_order_relaxed)) {
		const struct vsw_idlist *owned;
		struct vsw_port *port;
		unsigned got = 0;

		qs_quiesce(t);
		owned = atomic_load_explicit(&t->owned, memory_order_acquire);
		for (unsigned i = 0; owned && i < owned->n; i++)
			got += poll_key(t, (uint32_t)owned->ids[i], &port);
		/* A pass that found nothing waits a moment before the next:
		 * each look at a ring's index pulls the cache line its
		 * driver writes on every publish, and looking as fast as
		 * the core can slows that driver's own stores down. */
		if (!got)
			cpu_relax();
		run_cmds(t);
		run_timers(t);
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

	if (t->sw->cfg.thread_start)
		t->sw->cfg.thread_start(t->idx, t->sw->cfg.thread_arg);
	vsw_self = t;
	vsw_wheel_init(&t->wheel, now_ms());
	if (t->sw->cfg.poll)
		run_poll(t);
	else
		run_event(t);
	run_cmds(t); /* nothing queued is left behind */
	qs_offline(t);
	vsw_self = NULL;
	return NULL;
}

/**
 * vsw_thread_wake() - interrupt a datapath thread's sleep
 * @t: thread
 */
void vsw_thread_wake(struct vsw_thread *t)
{
	uint64_t one = 1;

	if (write(t->wake_fd, &one, sizeof(one)) < 0) {
		/* eventfd saturated: the thread is awake */
	}
}

/**
 * vswitch_call() - run a function on a datapath thread, soon (control
 * thread only)
 * @sw: switch
 * @thread: datapath thread
 * @fn: runs on @thread between bursts, with @arg
 * @arg: passed to @fn
 *
 * Before the threads start, queued calls run as soon as they do.
 *
 * Return: 0, -EINVAL (no such thread) or -EAGAIN (its queue is full)
 */
int vswitch_call(struct vswitch *sw, unsigned thread, void (*fn)(void *arg),
		 void *arg)
{
	struct vsw_thread *t;
	uint32_t head;

	if (thread >= sw->cfg.threads)
		return -EINVAL;
	t = &sw->threads[thread];
	head = atomic_load_explicit(&t->cmd_head, memory_order_relaxed);
	if (head - atomic_load_explicit(&t->cmd_tail, memory_order_acquire) >=
	    VSW_CMD_RING)
		return -EAGAIN;
	t->cmds[head % VSW_CMD_RING] = (struct vsw_cmd){fn, arg};
	atomic_store_explicit(&t->cmd_head, head + 1, memory_order_release);
	if (!sw->cfg.poll)
		vsw_thread_wake(t);
	return 0;
}

/**
 * vswitch_call_wait() - run a function on a datapath thread and wait for it
 * to return (control thread only)
 * @sw: switch
 * @thread: datapath thread
 * @fn: runs on @thread with @arg
 * @arg: passed to @fn
 *
 * When the threads are not running, @fn runs here, as nothing else can.
 *
 * Return: 0, -EINVAL or -EAGAIN (see vswitch_call())
 */
int vswitch_call_wait(struct vswitch *sw, unsigned thread,
		      void (*fn)(void *arg), void *arg)
{
	struct vsw_thread *t;
	uint32_t mine;
	int ret;

	if (thread >= sw->cfg.threads)
		return -EINVAL;
	t = &sw->threads[thread];
	if (!t->started) {
		fn(arg);
		return 0;
	}
	mine = atomic_load_explicit(&t->cmd_head, memory_order_relaxed);
	ret = vswitch_call(sw, thread, fn, arg);
	if (ret)
		return ret;
	while (
	    (int32_t)(atomic_load_explicit(&t->cmd_tail, memory_order_acquire) -
		      mine) <= 0) {
		if (!sw->cfg.poll)
			vsw_thread_wake(t);
		usleep(50);
	}
	return 0;
}

/**
 * vswitch_thread_self() - the datapath thread the caller runs on
 *
 * Return: its index, or -1 on any other thread
 */
int vswitch_thread_self(void)
{
	return vsw_self ? (int)vsw_self->idx : -1;
}

/**
 * vswitch_timer_arm() - (re)arm a timer on the calling datapath thread
 * @tm: timer, from vsw_timer_init(); from now on owned by this thread
 * @ms: delay in milliseconds
 *
 * The callback runs on this thread, between bursts, at or (by up to about a
 * millisecond, or the length of a burst) after the expiry.
 *
 * Return: 0, or -EPERM when not called on a datapath thread
 */
int vswitch_timer_arm(struct vsw_timer *tm, unsigned ms)
{
	struct vsw_wheel *w;
	uint64_t now;

	if (!vsw_self)
		return -EPERM;
	w = &vsw_self->wheel;
	now = now_ms();
	if (!w->count && w->now < now)
		w->now = now; /* idle wheel: catch up without running */
	vsw_wheel_add(w, tm, now + ms);
	return 0;
}

/**
 * vswitch_timer_cancel() - stop a timer, on the thread that armed it
 * @tm: timer; an idle one is left alone
 */
void vswitch_timer_cancel(struct vsw_timer *tm)
{
	if (vsw_self)
		vsw_wheel_del(&vsw_self->wheel, tm);
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
	atomic_init(&t->cmd_head, 0);
	atomic_init(&t->cmd_tail, 0);
	vsw_wheel_init(&t->wheel, now_ms());
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
