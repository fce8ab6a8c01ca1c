/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vnic.h - virtual NIC ports: the one interface every port backend serves */
#ifndef VNET_VNIC_H
#define VNET_VNIC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../lib/pkt.h"
#include "../lib/vnet_hdr.h"

struct vnic;

#define VNIC_MAX_RXQ 16 /* receive queues one port may have */
#define VNIC_MAX_TXQ 64 /* datapath threads that may transmit on a port */

/* Drops a backend makes before a frame reaches the switch. */
#define VNIC_DROPS(X)                                                          \
	X(TRUNCATED, "truncated", "frame larger than the receive buffer")      \
	X(BAD_VNET_HDR, "bad_vnet_hdr", "offload header with bad offsets")     \
	X(GSO_UNSUPPORTED, "gso_unsupported", "segmentation type not handled") \
	X(NO_BUFFER, "no_buffer", "packet pool ran dry")                       \
	X(TX_ERROR, "tx_error", "device refused the frame")                    \
	X(TX_FULL, "tx_full", "device queue full")                             \
	X(TX_NO_QUEUE, "tx_no_queue", "no receive queue ready on the peer")    \
	VNET_HDR_DROPS(X)

enum vnic_drop {
#define VNIC_DROP_ENUM(id, name, desc) VNIC_DROP_##id,
	VNIC_DROPS(VNIC_DROP_ENUM)
#undef VNIC_DROP_ENUM
	    VNIC_DROP_MAX,
};

/* The drop reason for a refused virtio-net header (VNET_HDR_ERR_*, not OK) */
static inline enum vnic_drop vnic_drop_hdr(enum vnet_hdr_err e)
{
	return (enum vnic_drop)(VNIC_DROP_OFFLOAD_NOT_NEGOTIATED + (int)e - 1);
}

/**
 * struct vnic_counters - what a backend counted of super-frames and
 * checksums ("port show")
 * @superframes_cut: super-frames read from the device and cut into
 *                   segments
 * @checksums_completed: frames read with a partial checksum, completed
 * @superframes_sent_whole: super-frames the switch passed to it whole
 * @superframes_segmented: super-frames the switch cut for it
 */
struct vnic_counters {
	uint64_t superframes_cut;
	uint64_t checksums_completed;
	uint64_t superframes_sent_whole;
	uint64_t superframes_segmented;
};

/**
 * vnic_counters_add() - add one set of backend counters to another
 * @to: incremented, field by field
 * @from: what is added
 */
static inline void vnic_counters_add(struct vnic_counters *to,
				     const struct vnic_counters *from)
{
	to->superframes_cut += from->superframes_cut;
	to->checksums_completed += from->checksums_completed;
	to->superframes_sent_whole += from->superframes_sent_whole;
	to->superframes_segmented += from->superframes_segmented;
}

/**
 * struct vnic_params - what a port backend is opened with
 * @kind: backend name: "tap", "host", "uplink", "vhost-user", "veth"
 * @name: port name; for tap kinds also the device name
 * @dev: device to attach to (uplink); a veth's end in @netns
 * @backend: uplink capture backend: "afpacket" (default) or "pcap"
 * @netns: network namespace (name under /run/netns) to place a tap (or a
 *          veth's end) in
 * @mac: MAC address to give the device (tap kinds, a veth's end in
 *       @netns), if @has_mac
 * @mtu: network MTU; receive buffers and device MTU follow it
 * @path: socket path (vhost-user)
 * @client: connect to @path instead of listening on it (vhost-user)
 * @queues: queue pairs (vhost-user)
 * @poll: the datapath busy-polls: no notifications wanted from guests
 */
struct vnic_params {
	const char *kind;
	const char *name;
	const char *dev;
	const char *backend;
	const char *netns;
	uint8_t mac[6];
	bool has_mac;
	unsigned mtu;
	const char *path;
	bool client;
	unsigned queues;
	bool poll;
};

/**
 * struct vnic_host - what a port backend may ask of the switch it is in
 * @sync: wait until no datapath thread is inside this port (control thread)
 * @link: the port's link went up or down (control thread)
 * @arg: passed to both
 * @tx_queues: datapath threads that may transmit; tx_burst()'s @txq is below
 */
struct vnic_host {
	void (*sync)(void *arg);
	void (*link)(void *arg, bool up);
	void *arg;
	unsigned tx_queues;
};

const char *vnic_drop_name(enum vnic_drop d);
const char *vnic_drop_desc(enum vnic_drop d);
bool vnic_kind_valid(const char *kind);

int vnic_open(const struct vnic_params *params, struct vnic **out, char *err,
	      size_t errlen) __attribute__((warn_unused_result));
void vnic_close(struct vnic *v);
int vnic_purge(const struct vnic_params *params);
bool vnic_remakes(const struct vnic *v);

unsigned vnic_rx_queues(const struct vnic *v);
int vnic_rx_burst(struct vnic *v, unsigned rxq, struct pkt_pool *pool,
		  struct pkt **pkts, unsigned n);
void vnic_rx_done(struct vnic *v, unsigned rxq, struct pkt **pkts, unsigned n);
int vnic_tx_burst(struct vnic *v, unsigned txq, const struct pkt_out *out,
		  unsigned n, uint64_t *bytes);
int vnic_rx_fd(const struct vnic *v, unsigned rxq);
bool vnic_rx_fd_edge(const struct vnic *v);
bool vnic_rx_hold(struct vnic *v, unsigned rxq, bool hold);
int vnic_ifindex(const struct vnic *v);
bool vnic_alive(struct vnic *v);
const char *vnic_name(const struct vnic *v);
const char *vnic_kind(const struct vnic *v);
void vnic_describe(const struct vnic *v, json_t *obj);
void vnic_counters(const struct vnic *v, struct vnic_counters *c);
void vnic_describe_from(const struct vnic *v, const struct vnic_counters *base,
			json_t *obj);
uint64_t vnic_drops(const struct vnic *v, enum vnic_drop d);
void vnic_mtu_changed(struct vnic *v, unsigned mtu);
void vnic_attach(struct vnic *v, const struct vnic_host *host);
int vnic_ctl_fd(const struct vnic *v);
void vnic_ctl_event(struct vnic *v);
void vnic_io_uring_allow(bool on);
void vnic_tap_busy_wait(bool on);

/* ---- link control over rtnetlink (vnic_link.c) ---- */

struct vnic_monitor;

/* A link event seen by the monitor. */
struct vnic_link_event {
	int ifindex;
	const char *name;
	bool deleted;
	bool up;      /* administratively up */
	bool running; /* carrier */
};

typedef void (*vnic_link_cb)(const struct vnic_link_event *ev, void *arg);

int vnic_link_ifindex(const char *ifname);
int vnic_link_set(const char *ifname, int up, unsigned mtu, const uint8_t *mac);
int vnic_link_addr_add(const char *ifname, const char *cidr);
int vnic_link_addr_del(const char *ifname, const char *cidr);
void vnic_link_close(void);
int vnic_link_delete(const char *ifname, const char *netns);
int vnic_link_exists(const char *ifname, const char *netns);
int vnic_link_mac_in(const char *ifname, const char *netns, uint8_t mac[6]);
int vnic_link_veth_mtu(const char *host, const char *peer, const char *netns,
		       unsigned mtu);
int vnic_link_get_mac(const char *ifname, uint8_t mac[6]);
int vnic_link_state(const char *ifname, bool *up, bool *running);
int vnic_netns_enter(const char *netns, int *saved_fd);
void vnic_netns_leave(int saved_fd);
struct vnic_monitor *vnic_monitor_open(vnic_link_cb cb, void *arg,
				       unsigned rcvbuf);
uint64_t vnic_monitor_resyncs(const struct vnic_monitor *m);
int vnic_monitor_fd(const struct vnic_monitor *m);
void vnic_monitor_run(struct vnic_monitor *m);
void vnic_monitor_close(struct vnic_monitor *m);
bool vnic_remove(struct vnic *v);
unsigned vnic_tx_offloads(const struct vnic *v);
void vnic_count_superframes(struct vnic *v, uint64_t whole, uint64_t cut);

/* veth ports (vnic_link.c): a pair, one end in a namespace */
#define VNIC_IFNAMSIZ 16 /* IFNAMSIZ, without <net/if.h> or <linux/if.h> */
void vnic_link_veth_host_name(const char *name, char out[VNIC_IFNAMSIZ]);
#define VNIC_VETH_MARKSIZ 32 /* "vnet:" and a port name */
void vnic_link_veth_mark(const char *port, char out[VNIC_VETH_MARKSIZ]);
int vnic_link_veth_add(const char *host, const char *peer, const char *netns,
		       const char *mark, const uint8_t *mac, unsigned mtu);
int vnic_link_veth_delete(const char *host, const char *peer, const char *netns,
			  const char *mark);
int vnic_link_delete_ifindex(int ifindex);

#endif
