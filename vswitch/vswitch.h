/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vswitch.h - the L2 switch: networks, ports, datapath threads */
#ifndef VNET_VSWITCH_H
#define VNET_VSWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vswitch;
struct vnic;

#define VSW_MAX_NETS	256
#define VSW_MAX_PORTS	1024
#define VSW_MAX_THREADS 64
#define VSW_MTU_MIN	68
#define VSW_MTU_MAX	9000

#define VSW_MAC_LIMIT_DEFAULT 1024     /* per VM or host port */
#define VSW_FDB_SIZE_MAX      1048576u /* MAC table entries */
#define VSW_AGING_MAX	      1000000u /* seconds */

/* Drops the switch makes, counted per port (ingress or egress). */
#define VSW_DROPS(X)                                                         \
	X(RUNT, "runt", "frame shorter than an Ethernet header")             \
	X(OVERSIZE, "oversize", "frame longer than the network MTU allows")  \
	X(BAD_SRC_MAC, "bad_src_mac", "multicast or zero source MAC")        \
	X(VLAN_TAGGED, "vlan_tagged", "tagged frame on an access port")      \
	X(VLAN_NOT_ALLOWED, "vlan_not_allowed", "VLAN not allowed on port")  \
	X(SAME_PORT, "same_port", "destination is the ingress port")         \
	X(NO_PORTS, "no_ports", "no other port in the frame's VLAN")         \
	X(PORT_DOWN, "port_down", "egress port down")                        \
	X(TX_FAILED, "tx_failed", "egress port did not take the frame")      \
	X(MAC_LIMIT, "mac_limit",                                            \
	  "new source MAC beyond the port's MAC limit")                      \
	X(MAC_PINNED, "mac_pinned", "source MAC is pinned to another port")  \
	X(RESERVED_MCAST, "reserved_mcast",                                  \
	  "IEEE reserved group 01:80:c2:00:00:0x, port has no handler")      \
	X(DHCP_GUARD, "dhcp_guard",                                          \
	  "DHCP server message from a guest port not marked trusted")        \
	X(ROUTER_GUARD, "router_guard",                                      \
	  "IPv6 router advertisement or redirect, or IPv4 ICMP redirect, "   \
	  "from a guest port not marked router-trusted")                     \
	X(GSO_FAILED, "gso_failed",                                          \
	  "super-frame or partial checksum that could not be finished for "  \
	  "a port without offloads")                                         \
	X(VLAN_DOUBLE_TAG, "vlan_double_tag",                                \
	  "priority-tagged frame with a VLAN tag inside, taken as untagged") \
	X(MAC_SPOOFED, "mac_spoofed",                                        \
	  "from a guest port with the MAC guard: a source MAC, ARP sender "  \
	  "or neighbour discovery link-layer address not its own")           \
	X(IP_SPOOFED, "ip_spoofed",                                          \
	  "from a guest port with the IP guard: a source address, ARP "      \
	  "sender or neighbour advertisement target it may not use")         \
	X(PORT_GONE, "port_gone",                                            \
	  "egress port deleted while the frame waited to leave on it "       \
	  "(counted on the ingress port)")

enum vsw_drop {
#define VSW_DROP_ENUM(id, name, desc) VSW_DROP_##id,
	VSW_DROPS(VSW_DROP_ENUM)
#undef VSW_DROP_ENUM
	    VSW_DROP_MAX,
	VSW_DROP_NONE = VSW_DROP_MAX,
};

enum vsw_net_type {
	VSW_NET_PRIVATE,
	VSW_NET_INTERNAL,
	VSW_NET_EXTERNAL,
};

/* Who is behind a port decides which network types may have it. */
enum vsw_port_role {
	VSW_ROLE_VM,	  /* a guest's vNIC (tap, vhost-user) */
	VSW_ROLE_HOST,	  /* the host's own vNIC */
	VSW_ROLE_UPLINK,  /* a physical NIC or team */
	VSW_ROLE_GATEWAY, /* the network's own L3 endpoint (DHCP, DNS) */
};

/**
 * struct vsw_config - switch-wide settings fixed at start
 * @threads: datapath threads, 1 to VSW_MAX_THREADS
 * @poll: busy-poll instead of sleeping on fds
 * @pool_size: packet buffers per datapath thread
 * @thread_start: called first thing in each datapath thread, before it
 *                touches a port (e.g. to install a seccomp filter); may be
 *                NULL
 * @thread_arg: passed to @thread_start
 */
struct vsw_config {
	unsigned threads;
	bool poll;
	unsigned pool_size;
	void (*thread_start)(unsigned idx, void *arg);
	void *thread_arg;
};

/**
 * struct vsw_timer - a timer of state owned by one datapath thread; embed it
 * and set it up with vsw_timer_init().  Fields are the wheel's.
 */
struct vsw_timer {
	struct vsw_timer *next, **pprev;
	uint64_t expires;
	void (*fn)(struct vsw_timer *tm);
	uint16_t slot;
};

/**
 * struct vsw_net_params - a network
 * @name: name
 * @type: private, internal or external
 * @mtu: largest L3 packet, 68-9000
 * @fdb_size: most MAC addresses learned
 * @aging: seconds an idle MAC entry lives
 */
struct vsw_net_params {
	const char *name;
	enum vsw_net_type type;
	unsigned mtu;
	unsigned fdb_size;
	unsigned aging;
};

/**
 * struct vsw_vlan - a port's 802.1Q setting
 * @mode: VSW_VLAN_NONE passes every tag through (untagged frames form their
 *        own domain); ACCESS puts untagged frames in @access and refuses tags;
 *        TRUNK carries the VIDs in @allowed tagged and @native untagged
 * @access: access VID
 * @native: trunk's untagged VID, 0 for the untagged domain
 * @allowed: trunk's VIDs, bit map
 */
struct vsw_vlan {
	enum { VSW_VLAN_NONE, VSW_VLAN_ACCESS, VSW_VLAN_TRUNK } mode;
	uint16_t access;
	uint16_t native;
	uint8_t allowed[512];
};

/* The most prefixes of each family a port's IP guard holds. */
#define VSW_IPSET_MAX 64

/**
 * struct vsw_ipset - the source addresses a port with the IP guard may use
 * @n4: IPv4 prefixes in @v4
 * @v4: address and mask, host byte order
 * @n6: IPv6 prefixes in @v6 (link-local addresses too: none is allowed
 *      unless it is in the set)
 * @v6: address and prefix length
 */
struct vsw_ipset {
	unsigned n4, n6;
	struct {
		uint32_t addr, mask;
	} v4[VSW_IPSET_MAX];
	struct {
		uint8_t addr[16];
		uint8_t plen;
	} v6[VSW_IPSET_MAX];
};

/**
 * struct vsw_port_stats - counters of one port (summed over threads)
 */
struct vsw_port_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
	uint64_t drops[VSW_DROP_MAX];
};

/**
 * struct vsw_net_stats - counters of one network
 */
struct vsw_net_stats {
	uint64_t unicast, flooded, learned, moved, fdb_full;
	uint64_t fdb_entries;
};

/* An entry of a MAC table: @age seconds since its port last sent from
 * it; @pinned: set by configuration, never learnt elsewhere nor aged. */
typedef void (*vsw_fdb_cb)(const uint8_t mac[6], uint16_t vlan, int port,
			   int64_t age, bool pinned, void *arg);

/*
 * A port's own service for slow-protocol frames (IEEE 802.1 reserved group
 * 01:80:c2:00:00:00-0f: STP, LACP, LLDP, 802.1X).  Called on a datapath
 * thread, in the middle of a burst: it must not block, and the frame is only
 * valid during the call (copy what you keep).  @frame is guest-controlled.
 */
typedef void (*vsw_slow_rx_fn)(void *arg, int port, const uint8_t *frame,
			       size_t len);

const char *vsw_net_type_name(enum vsw_net_type t);
int vsw_net_type_parse(const char *s);
const char *vsw_role_name(enum vsw_port_role r);
bool vsw_role_allowed(enum vsw_net_type t, enum vsw_port_role r);
const char *vsw_drop_name(enum vsw_drop d);
const char *vsw_drop_desc(enum vsw_drop d);

struct vswitch *vswitch_create(const struct vsw_config *cfg);
int vswitch_start(struct vswitch *sw) __attribute__((warn_unused_result));
void vswitch_destroy(struct vswitch *sw);
void vswitch_run(struct vswitch *sw);

int vswitch_net_add(struct vswitch *sw, const struct vsw_net_params *p)
    __attribute__((warn_unused_result));
int vswitch_net_del(struct vswitch *sw, int net);
int vswitch_net_set_mtu(struct vswitch *sw, int net, unsigned mtu);
void vswitch_net_stats(struct vswitch *sw, int net, struct vsw_net_stats *st);
int vswitch_fdb_dump(struct vswitch *sw, int net, vsw_fdb_cb cb, void *arg);

/* MAC table control (vswitch_fdb_ctl.c); control thread only. */
int vswitch_net_set_aging(struct vswitch *sw, int net, unsigned secs);
int vswitch_net_set_fdb_size(struct vswitch *sw, int net, unsigned n);
int vswitch_fdb_pin(struct vswitch *sw, int net, const uint8_t mac[6],
		    uint16_t vlan, int port);
int vswitch_fdb_unpin_port(struct vswitch *sw, int net, const uint8_t mac[6],
			   uint16_t vlan, int port);
int vswitch_fdb_unpin(struct vswitch *sw, int net, const uint8_t mac[6],
		      uint16_t vlan);
int vswitch_port_set_mac_limit(struct vswitch *sw, int port, unsigned n);
unsigned vswitch_port_mac_limit(struct vswitch *sw, int port);
unsigned vswitch_port_mac_count(struct vswitch *sw, int port);
int vswitch_port_set_slow_rx(struct vswitch *sw, int port, vsw_slow_rx_fn fn,
			     void *arg);

const char *vswitch_port_name(struct vswitch *sw, int id);
int vswitch_port_add(struct vswitch *sw, int net, const char *name,
		     enum vsw_port_role role, const struct vsw_vlan *vlan,
		     struct vnic *vnic) __attribute__((warn_unused_result));
int vswitch_port_del(struct vswitch *sw, int port);
/* What vswitch_port_del_last() hands over once no datapath thread is in
 * the port: its final counters and its backend, about to be closed. */
typedef void (*vsw_port_last_fn)(struct vnic *v,
				 const struct vsw_port_stats *st, void *arg);
int vswitch_port_del_last(struct vswitch *sw, int port, vsw_port_last_fn last,
			  void *arg);
struct vnic *vswitch_port_vnic(struct vswitch *sw, int port);
bool vswitch_port_up(struct vswitch *sw, int port);
int vswitch_port_set_link(struct vswitch *sw, int port, bool up);
/* Told on the control thread, as it happens, when a port's carrier changes
 * (vswitch_port_set_link()), for what mirrors vswitch_port_up() outside
 * the switch (the kernel fast path).  NULL @fn: no one. */
typedef void (*vsw_link_fn)(void *arg, int port, bool up);
void vswitch_set_link_hook(struct vswitch *sw, vsw_link_fn fn, void *arg);
typedef void (*vsw_fault_fn)(void *arg, int port, int err);
void vswitch_set_fault_hook(struct vswitch *sw, vsw_fault_fn fn, void *arg);
int vswitch_port_find_ifindex(struct vswitch *sw, int ifindex);
unsigned vswitch_port_thread(struct vswitch *sw, int port);
unsigned vswitch_port_queues(struct vswitch *sw, int port);
int vswitch_port_queue_thread(struct vswitch *sw, int port, unsigned rxq);
int vswitch_port_move(struct vswitch *sw, int port, unsigned rxq,
		      unsigned thread);
int vswitch_port_pin(struct vswitch *sw, int port, int with_port);
int vswitch_port_set_vlan(struct vswitch *sw, int port,
			  const struct vsw_vlan *vlan);
int vswitch_port_set_dhcp_guard(struct vswitch *sw, int port, bool on);
int vswitch_port_set_router_guard(struct vswitch *sw, int port, bool on);
/* Longest receive-notification coalescing interval, microseconds. */
#define VSW_COALESCE_MAX_US 10000
int vswitch_port_set_coalesce(struct vswitch *sw, int port, unsigned us);
unsigned vswitch_port_coalesce(struct vswitch *sw, int port);
/**
 * struct vsw_port_guards - the MAC and IP guards a port starts with, so
 * that its first frame is judged by them
 * @mac: its own MAC for the MAC guard, NULL for none
 * @ips: the IP guard's set (copied), NULL for none
 */
struct vsw_port_guards {
	const uint8_t *mac;
	const struct vsw_ipset *ips;
};
int vswitch_port_add_guarded(struct vswitch *sw, int net_id, const char *name,
			     enum vsw_port_role role,
			     const struct vsw_vlan *vlan, struct vnic *vnic,
			     const struct vsw_port_guards *guards);
int vswitch_port_set_mac_guard(struct vswitch *sw, int port,
			       const uint8_t *mac);
int vswitch_port_set_ip_guard(struct vswitch *sw, int port,
			      const struct vsw_ipset *set);
unsigned vswitch_threads(const struct vswitch *sw);

/* Work on datapath threads: called from the control thread. */
int vswitch_call(struct vswitch *sw, unsigned thread, void (*fn)(void *arg),
		 void *arg) __attribute__((warn_unused_result));
int vswitch_call_wait(struct vswitch *sw, unsigned thread,
		      void (*fn)(void *arg), void *arg)
    __attribute__((warn_unused_result));

/* Timers: called on the datapath thread that owns the timer.  A timer stays
 * on its thread's wheel until it fires or is cancelled there, so cancel it
 * (vswitch_call_wait() to its thread) before freeing what embeds it. */
void vsw_timer_init(struct vsw_timer *tm, void (*fn)(struct vsw_timer *tm));
bool vsw_timer_pending(const struct vsw_timer *tm);
int vswitch_timer_arm(struct vsw_timer *tm, unsigned ms)
    __attribute__((warn_unused_result));
void vswitch_timer_cancel(struct vsw_timer *tm);
int vswitch_thread_self(void);
void vswitch_port_stats(struct vswitch *sw, int port,
			struct vsw_port_stats *st);

#endif
