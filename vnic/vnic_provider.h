/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vnic_provider.h - the contract between the switch and a port backend
 *
 * Threads.  open(), close(), attach(), rx_queues(), rx_fd(), ifindex(),
 * describe(), mtu_changed(), remove(), ctl_fd() and ctl_event() run on the
 * control thread; alive() on any thread.  A port has rx_queues() receive
 * queues, a number fixed for its life; each queue is owned by one datapath
 * thread at a time, the only one that calls rx_burst() and rx_done() with that
 * queue's index. The switch may hand a queue to another thread: it stops the
 * old owner and waits for a grace period first, so the backend never sees two
 * callers on one queue and the new owner sees everything the old one wrote.
 * tx_burst() runs on any datapath thread, several at once; @txq is the
 * calling thread's index, below host->tx_queues.  A backend with several
 * transmit queues may give each thread its own (one writer, no lock); any
 * other backend serialises transmit itself.  close() runs on the control
 * thread after the switch has made sure no datapath thread still uses the
 * port.
 *
 * Errors.  rx_burst() and tx_burst() return the count handled, or a negative
 * errno when the port is broken for good (device gone, peer misbehaved); the
 * switch then marks the port down, stops polling it and tells the control
 * thread, which reports it.  A frame the backend drops on receive is counted
 * in vnic->drops, never reported as an error.
 *
 * Transmit accounting: every frame given to tx_burst() is counted exactly
 * once.  tx_burst() returns how many frames it sent and adds their bytes on
 * the wire (pkt_tx_len()) to *@bytes; each frame it did not send it counts
 * in one vnic->drops reason (TX_FULL, TX_ERROR, TX_NO_QUEUE).  When it
 * returns -errno it has neither sent nor counted any frame of the burst, and
 * the switch counts them all as its own "tx_failed".  So for every port:
 * frames queued = tx_packets + backend tx drops + tx_failed (a super-frame
 * the switch cut for the port counts as its segments).
 *
 * Offloads.  A frame from rx_burst() may carry offload state (pkt->ol: a
 * partial checksum, a super-frame up to 64 KB) only when the backend checked
 * its header with vnet_hdr_to_pkt() against what its peer negotiated.  On
 * transmit the switch hands tx_burst() only frames the port's tx_offloads
 * (VNET_OL_*, 0 unless the backend sets it) allow: any other super-frame is
 * cut into MSS-sized segments and any other partial checksum finished first.
 * A backend that sets tx_offloads builds the frame's header for its peer
 * with vnet_hdr_from_pkt().
 */
#ifndef VNET_VNIC_PROVIDER_H
#define VNET_VNIC_PROVIDER_H

#include <stdatomic.h>

#include "vnic.h"

/**
 * struct vnic - base of every backend's port structure (embed it first)
 * @ops: the backend
 * @name: port name
 * @mtu: network MTU
 * @drops: drop counters by reason, atomic adds from any thread
 * @host: the switch's callbacks, set when the port joins it (NULL before)
 * @superframes: offload super-frames cut into segments on receive
 * @csum_fixed: frames whose partial checksum was completed on receive
 * @tx_offloads: VNET_OL_* the port takes on transmit (the backend sets it
 *               when its peer says so; frames it cannot take are cut or
 *               finished by the switch first)
 * @sf_whole: super-frames transmitted whole (larger than the MTU)
 * @sf_cut: super-frames cut into segments for this port on transmit
 */
struct vnic {
	const struct vnic_ops *ops;
	char name[16];
	unsigned mtu;
	_Atomic uint64_t drops[VNIC_DROP_MAX];
	const struct vnic_host *host;
	_Atomic uint64_t superframes;
	_Atomic uint64_t csum_fixed;
	_Atomic unsigned tx_offloads;
	_Atomic uint64_t sf_whole;
	_Atomic uint64_t sf_cut;
};

/**
 * struct vnic_ops - a port backend
 * @kind: name users give with "port add --KIND"
 * @open: create the port; fill @err with a sentence on failure. Required.
 * @close: release everything. Required.
 * @rx_queues: receive queues, 1 to VNIC_MAX_RXQ, fixed for the port's life.
 *             May be NULL (one queue).
 * @rx_burst: receive up to @n frames from queue @rxq; packets come from
 *            @pool or reference the backend's own memory. Required.
 * @rx_done: the switch is done with packets from rx_burst() on queue @rxq
 *           (same thread); release foreign memory (give descriptors back).
 *           May be NULL; pool packets are freed by the caller either way.
 * @tx_burst: send frames from datapath thread @txq; copies them out before
 *            returning; see "Transmit accounting" above. Required.
 * @rx_fd: fd that becomes readable when rx_burst() on queue @rxq has work
 *         (event mode), constant for the port's life, or -1 when the queue
 *         must be polled. May be NULL.
 * @ifindex: kernel device index for link events, 0 if none. May be NULL.
 * @alive: whether the device still exists. May be NULL.
 * @describe: add backend facts to a JSON object for "port show". May be NULL.
 * @mtu_changed: follow a network MTU change. May be NULL.
 * @remove: make close() delete the device the backend created (the port is
 *          deleted for good rather than vnetd stopping). May be NULL.
 * @attach: the port joined the switch; @host is set. May be NULL.
 * @ctl_fd: fd the control thread watches for the backend's own control
 *          traffic (a vhost-user socket); constant for the port's life, -1
 *          when none. May be NULL.
 * @ctl_event: @ctl_fd is readable: handle it, on the control thread. May be
 *             NULL when @ctl_fd is.
 * @purge: delete the device a port of this kind made, given what it was
 *         opened with, while no port of it is open (it failed to open, or
 *         vnetd stopped without deleting it); 0 when there is none. May be
 *         NULL (nothing to delete that way).
 * @remakes: open() makes the device and can make it again: when the
 *           device goes away (a veth's namespace is deleted) vnetd closes
 *           the port and opens it anew once it can, rather than keeping a
 *           port on a device that is gone.
 * @rx_hold: event mode, on the thread that owns queue @rxq (or on the
 *           control thread while no thread polls it): @hold true turns the
 *           queue's notifications off, as far as the backend can, until it
 *           is called with false, which turns them back on, looks once more
 *           and signals @rx_fd when work came in between.  The switch looks
 *           at a held queue on a timer.  May be NULL: the switch then stops
 *           watching @rx_fd instead (level-triggered fds only).
 * @rx_fd_edge: @rx_fd signals a new edge for every arrival and is never
 *              drained, so it is watched edge-triggered (EPOLLET): rx_burst()
 *              then leaves no work behind without a new edge (it re-arms the
 *              source, looks again and signals itself when work is left).
 */
struct vnic_ops {
	const char *kind;
	int (*open)(const struct vnic_params *params, struct vnic **out,
		    char *err, size_t errlen);
	void (*close)(struct vnic *v);
	unsigned (*rx_queues)(const struct vnic *v);
	int (*rx_burst)(struct vnic *v, unsigned rxq, struct pkt_pool *pool,
			struct pkt **pkts, unsigned n);
	void (*rx_done)(struct vnic *v, unsigned rxq, struct pkt **pkts,
			unsigned n);
	int (*tx_burst)(struct vnic *v, unsigned txq, const struct pkt_out *out,
			unsigned n, uint64_t *bytes);
	int (*rx_fd)(const struct vnic *v, unsigned rxq);
	void (*rx_hold)(struct vnic *v, unsigned rxq, bool hold);
	int (*ifindex)(const struct vnic *v);
	bool (*alive)(struct vnic *v);
	void (*describe)(const struct vnic *v, json_t *obj);
	void (*mtu_changed)(struct vnic *v, unsigned mtu);
	bool (*remove)(struct vnic *v);
	void (*attach)(struct vnic *v);
	int (*ctl_fd)(const struct vnic *v);
	void (*ctl_event)(struct vnic *v);
	int (*purge)(const struct vnic_params *params);
	bool remakes;
	bool rx_fd_edge;
};

static inline void vnic_count_drop(struct vnic *v, enum vnic_drop d, uint64_t n)
{
	atomic_fetch_add_explicit(&v->drops[d], n, memory_order_relaxed);
}

void vnic_base_init(struct vnic *v, const struct vnic_ops *ops,
		    const struct vnic_params *params);

extern const struct vnic_ops vnic_tap_ops;
extern const struct vnic_ops vnic_host_ops;
extern const struct vnic_ops vnic_afpacket_ops;
extern const struct vnic_ops vnic_pcap_ops;
extern const struct vnic_ops vnic_dummy_ops;
extern const struct vnic_ops vnic_vhost_user_ops;
extern const struct vnic_ops vnic_veth_ops;

#endif
