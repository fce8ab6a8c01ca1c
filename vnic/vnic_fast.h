/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vnic_fast.h - the in-kernel fast path of veth ports: map layouts shared by
 * the BPF program (vnic/veth_fast.bpf.c) and vnetd, and the loader's calls
 *
 * The layouts use only fixed-width kernel types so the same header compiles
 * for the BPF target and for vnetd.
 */
#ifndef VNET_VNIC_FAST_H
#define VNET_VNIC_FAST_H

#include <linux/types.h>

#define VNIC_FAST_PORTS 256   /* fast ports (counter slots) */
#define VNIC_FAST_FDB	32768 /* MAC entries over all networks */
/* Most MACs the program learns on one port when its MAC limit is 0 (none):
 * one namespace cannot fill the table every port shares. */
#define VNIC_FAST_PORT_MACS 1024
#define VNIC_FAST_LEARN_NS  1000000000ull /* refresh last-seen at most 1/s */

/**
 * struct vnic_fast_key - a MAC address in one network and VLAN
 * @net: vnetd's network id
 * @vlan: access VLAN of the port it was learnt on, 0 for none
 * @mac: the address
 */
struct vnic_fast_key {
	__u32 net;
	__u16 vlan;
	__u8 mac[6];
};

/**
 * struct vnic_fast_fdb - where a MAC was last seen
 * @ifindex: host end of the veth port it is behind; 0 for a mark (a MAC
 *           on a port outside the fast path)
 * @slot: that port's counter slot (a mark: 0, or VNIC_FAST_HELD)
 * @seen_ns: last seen, bpf_ktime_get_ns() (CLOCK_MONOTONIC)
 */
struct vnic_fast_fdb {
	__u32 ifindex;
	__u32 slot;
	__u64 seen_ns;
};

/* The slot of a mark (ifindex 0) for a MAC that is the slow path's however
 * quiet it is (pinned, or the host vNIC's): the program never learns it on
 * a veth port, even when vnetd's refresh is late.  It goes when vnetd
 * stops refreshing it and it ages out. */
#define VNIC_FAST_HELD 0xffffffffu

/**
 * struct vnic_fast_port - a veth port's host end, keyed by its ifindex
 * @net: network id
 * @vlan: access VLAN, 0 for none
 * @slot: counter slot, below VNIC_FAST_PORTS
 * @enabled: 0 while the port is down or not to be fast-forwarded
 * @mac_limit: most MACs the program learns on the port, 0 for no limit;
 *             frames from further MACs go to vnetd, which applies the
 *             port's limit itself
 * @mtu: the port's network MTU: a frame (not a GSO super-frame) whose
 *       Ethernet payload is longer goes to vnetd, which drops it as
 *       oversize
 */
struct vnic_fast_port {
	__u32 net;
	__u16 vlan;
	__u16 enabled;
	__u32 slot;
	__u32 mac_limit;
	__u32 mtu;
};

/**
 * struct vnic_fast_stats - one port's fast-path counters (per CPU)
 * @rx_packets: frames taken from the port's namespace and forwarded
 * @rx_bytes: their bytes
 * @tx_packets: frames delivered into the port's namespace
 * @tx_bytes: their bytes
 * @rx_super: GSO super-frames forwarded (more than one segment's payload)
 */
struct vnic_fast_stats {
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 tx_packets;
	__u64 tx_bytes;
	__u64 rx_super;
};

#ifndef __bpf__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * vnic_fast_stats_add() - add one set of fast-path counters to another
 * @to: incremented, field by field
 * @from: what is added
 */
static inline void vnic_fast_stats_add(struct vnic_fast_stats *to,
				       const struct vnic_fast_stats *from)
{
	to->rx_packets += from->rx_packets;
	to->rx_bytes += from->rx_bytes;
	to->tx_packets += from->tx_packets;
	to->tx_bytes += from->tx_bytes;
	to->rx_super += from->rx_super;
}

struct vnic_fast;

/* A fast-path entry seen by vnic_fast_fdb_foreach(); return true to delete
 * it. */
typedef bool (*vnic_fast_fdb_fn)(const struct vnic_fast_key *k,
				 const struct vnic_fast_fdb *e, void *arg);

void vnic_fast_key_make(struct vnic_fast_key *k, unsigned net, unsigned vlan,
			const uint8_t mac[6]);
bool vnic_fast_is_stale(const struct vnic_fast_fdb *e, uint64_t now_ns,
			uint64_t max_age_ns);
int vnic_fast_open(struct vnic_fast **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void vnic_fast_close(struct vnic_fast *f);
int vnic_fast_attach(struct vnic_fast *f, int ifindex, int sock_fd,
		     const struct vnic_fast_port *port, int *link_fd, char *err,
		     size_t errlen) __attribute__((warn_unused_result));
void vnic_fast_detach(struct vnic_fast *f, int ifindex, int link_fd);
unsigned long vnic_fast_syncs(const struct vnic_fast *f);
int vnic_fast_port_set(struct vnic_fast *f, int ifindex,
		       const struct vnic_fast_port *port);
unsigned vnic_fast_fdb_foreach(struct vnic_fast *f, vnic_fast_fdb_fn fn,
			       void *arg);
bool vnic_fast_fdb_mark(struct vnic_fast *f, const struct vnic_fast_key *k,
			uint64_t seen_ns, bool force);
void vnic_fast_stats(struct vnic_fast *f, unsigned slot,
		     struct vnic_fast_stats *st);
void vnic_fast_stats_clear(struct vnic_fast *f, unsigned slot);
void vnic_fast_learned_set(struct vnic_fast *f, unsigned slot, unsigned n);
uint64_t vnic_fast_now_ns(void);
#endif

#endif
