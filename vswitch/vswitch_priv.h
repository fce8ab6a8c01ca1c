/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vswitch_priv.h - switch internals shared by the vswitch_*.c files and tests
 */
#ifndef VNET_VSWITCH_PRIV_H
#define VNET_VSWITCH_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "../lib/pkt.h"
#include "../vnic/vnic.h"
#include "vswitch.h"

/* ---- MAC learning table (vswitch_fdb.c) ---- */

struct fdb;

enum fdb_learn_result {
	FDB_REFRESHED, /* known MAC, same port (or a race left it as it was) */
	FDB_LEARNED,   /* new MAC */
	FDB_MOVED,     /* known MAC, now behind another port */
	FDB_FULL,      /* new MAC, no room: not learned, frame still goes */
	FDB_LIMIT,     /* new or moving MAC, port at its MAC limit: drop */
	FDB_PINNED,    /* MAC pinned to another port: drop */
};

struct fdb *fdb_create(unsigned max_entries, unsigned aging);
struct fdb *fdb_create_keyed(unsigned max_entries, unsigned aging, uint64_t k0,
			     uint64_t k1);
void fdb_destroy(struct fdb *fdb);
enum fdb_learn_result fdb_learn(struct fdb *fdb, const uint8_t mac[6],
				uint16_t vlan, uint16_t port, unsigned limit,
				int64_t now, _Atomic uint64_t *hint);
int fdb_lookup(struct fdb *fdb, const uint8_t mac[6], uint16_t vlan,
	       int64_t now, _Atomic uint64_t *hint);
unsigned fdb_bucket(const struct fdb *fdb, const uint8_t mac[6], uint16_t vlan);
unsigned fdb_age(struct fdb *fdb, int64_t now);
unsigned fdb_flush_port(struct fdb *fdb, uint16_t port);
unsigned fdb_forget_port(struct fdb *fdb, uint16_t port);
unsigned fdb_count(const struct fdb *fdb);
unsigned fdb_port_count(const struct fdb *fdb, uint16_t port);
unsigned fdb_max(const struct fdb *fdb);
bool fdb_needs_rebuild(const struct fdb *fdb);
struct fdb *fdb_rebuild(const struct fdb *fdb);
struct fdb *fdb_resize(const struct fdb *fdb, unsigned max_entries,
		       unsigned *dropped);
bool fdb_pin_room(const struct fdb *fdb);
struct fdb *fdb_grow_pins(const struct fdb *fdb);
void fdb_set_aging(struct fdb *fdb, unsigned aging);
int fdb_pin(struct fdb *fdb, const uint8_t mac[6], uint16_t vlan, uint16_t port,
	    int64_t now);
int fdb_unpin(struct fdb *fdb, const uint8_t mac[6], uint16_t vlan);
void fdb_foreach(const struct fdb *fdb, int64_t now, vsw_fdb_cb cb, void *arg);

/* IEEE 802.1Q reserved group addresses 01:80:c2:00:00:00-0f: bridges never
 * forward them (STP, LACP, LLDP, 802.1X, pause). */
static inline bool vsw_mac_reserved(const uint8_t *dst)
{
	return dst[0] == 0x01 && dst[1] == 0x80 && dst[2] == 0xc2 &&
	       dst[3] == 0 && dst[4] == 0 && !(dst[5] & 0xf0);
}

/* ---- frame classification (vswitch_parse.c) ---- */

/* How many more tags (802.1Q, 802.1ad, 0x9100) the DHCP guard looks
 * behind; a frame with more is judged a server message. */
#define VSW_GUARD_TAGS 4

/* The guards a port applies to the frames it sends (vsw_classify()'s
 * @guards, bits). */
#define VSW_GUARD_DHCP	 1u /* DHCP server messages */
#define VSW_GUARD_ROUTER 2u /* IPv6 RAs and redirects, IPv4 redirects */

enum vsw_drop vsw_parse(struct pkt *p, unsigned mtu);
bool vsw_is_dhcp_server_msg(const struct pkt *p);
bool vsw_is_router_msg(const struct pkt *p);
/* A port's MAC guard: the MAC (48 bits, first byte highest) and this bit. */
#define VSW_MAC_GUARD_ON (1ull << 48)
uint64_t vsw_mac_u64(const uint8_t mac[6]);
bool vsw_mac_spoofed(const struct pkt *p, uint64_t guard);
bool vsw_ip_spoofed(const struct pkt *p, const struct vsw_ipset *set);

/* Does the IP guard read a frame of this EtherType (IPv4, IPv6, ARP, or a
 * tag it looks behind)?  The others pass it without a call. */
static inline bool vsw_ip_guard_reads(uint16_t type)
{
	return type == 0x0800 || type == 0x86dd || type == 0x0806 ||
	       type == 0x8100 || type == 0x88a8 || type == 0x9100;
}
enum vsw_drop vsw_classify(struct pkt *p, unsigned mtu,
			   const struct vsw_vlan *v, unsigned guards);
void vsw_classify_burst(struct pkt *const *pkts, unsigned n, unsigned mtu,
			const struct vsw_vlan *v, unsigned guards,
			uint8_t *why);
enum vsw_drop vsw_vlan_ingress(const struct vsw_vlan *v, struct pkt *p);
bool vsw_vlan_egress(const struct vsw_vlan *v, const struct pkt *p,
		     uint16_t *tci);

/* ---- runtime objects (vswitch.c, vswitch_dp.c) ---- */

/* An immutable list of port ids (or receive queue keys, VSW_RXQ_KEY()),
 * replaced whole and freed after a grace period, so datapath threads read it
 * without locks. */
struct vsw_idlist {
	unsigned n;
	int32_t ids[];
};

/* A receive queue of a port, as epoll data and in poll lists. */
#define VSW_RXQ_KEY(port, q) ((uint32_t)(port) | (uint32_t)(q) << 16)
#define VSW_RXQ_PORT(key)    ((key)&0xffffu)
#define VSW_RXQ_Q(key)	     ((key) >> 16)

struct vsw_net {
	int id;
	char name[16];
	enum vsw_net_type type;
	_Atomic unsigned mtu;
	_Atomic(struct fdb *) fdb;
	_Atomic(struct vsw_idlist *) members;
};

/*
 * A port's MAC-table policy and slow-protocol hook (vswitch_fdb_ctl.c).
 * @mac_limit: most MACs learned behind the port; 0 means the role's default
 *             (so a zeroed port gets it), UINT32_MAX means no limit
 * @logged: when the limit / pinned-MAC drop was last logged, so one hostile
 *          port yields one line a minute and cannot hide another's
 * @slow_rx, @slow_arg: service for reserved-group frames; @slow_arg is
 *          stored before @slow_rx is released, and changed only while
 *          @slow_rx is NULL and a grace period has passed
 */
struct vsw_port_l2 {
	_Atomic uint32_t mac_limit;
	_Atomic int64_t logged[2];
	_Atomic(vsw_slow_rx_fn) slow_rx;
	void *_Atomic slow_arg;
};

struct vsw_port {
	int id;
	struct vswitch *sw;
	struct vnic_host host; /* callbacks given to the backend */
	char name[16];
	struct vsw_net *net;
	enum vsw_port_role role;
	_Atomic(struct vsw_vlan *) vlan; /* replaced whole, see set_vlan */
	struct vnic *vnic;
	unsigned n_rxq;
	struct {
		_Atomic unsigned
		    thread; /* owner; changed with a grace period */
		int fd;	    /* event mode, -1 when polled */
		/* Changed whenever the queue comes to a thread (added,
		 * moved): a held entry of an earlier stay is stale. */
		_Atomic uint32_t epoch;
	} rxq[VNIC_MAX_RXQ];
	_Atomic bool link_up;	 /* carrier as netlink reports it */
	_Atomic bool broken;	 /* the backend failed for good */
	_Atomic bool fault_seen; /* control thread has handled @broken */
	_Atomic int fault_err;
	_Atomic bool dhcp_guard;    /* drop DHCP server messages it sends */
	_Atomic bool router_guard;  /* drop RAs and redirects (IPv6, IPv4) */
	_Atomic uint64_t mac_guard; /* VSW_MAC_GUARD_ON | its own MAC, or 0 */
	_Atomic(struct vsw_ipset *) ip_guard; /* NULL: off; replaced whole */
	_Atomic uint32_t coalesce_us; /* event mode: see vsw_held, 0 for off */
	struct vsw_port_l2 l2;
};

/* vsw_port_mac_limit() - a port's MAC limit, 0 for none.  Uplinks face a
 * whole LAN and default to none (the table size bounds them); guests and the
 * host default to VSW_MAC_LIMIT_DEFAULT. */
static inline unsigned vsw_port_mac_limit(const struct vsw_port *port)
{
	uint32_t n =
	    atomic_load_explicit(&port->l2.mac_limit, memory_order_relaxed);

	if (!n)
		return port->role == VSW_ROLE_UPLINK ? 0
						     : VSW_MAC_LIMIT_DEFAULT;
	return n == UINT32_MAX ? 0 : n;
}

/* Counters a datapath thread keeps for itself; readers sum them up. */
struct vsw_tstats_port {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t drops[VSW_DROP_MAX];
};

/* The port's VLAN setting as the datapath reads it. */
static inline const struct vsw_vlan *vsw_port_vlan(const struct vsw_port *p)
{
	return atomic_load_explicit(&p->vlan, memory_order_acquire);
}

/* ---- per-thread timer wheel (vswitch_timer.c) ---- */

#define VSW_TW_BITS0  8 /* level 0: 256 slots of one tick (1 ms) */
#define VSW_TW_BITS   6 /* levels 1-3: 64 slots each */
#define VSW_TW_LEVELS 4

/* Hierarchical timing wheel; expiries are absolute ticks. */
struct vsw_wheel {
	uint64_t now; /* next tick to run */
	unsigned count;
	struct vsw_timer *l0[1 << VSW_TW_BITS0];
	struct vsw_timer *ln[VSW_TW_LEVELS - 1][1 << VSW_TW_BITS];
	uint64_t occ0[(1 << VSW_TW_BITS0) / 64]; /* occupied level-0 slots */
	uint64_t occn[VSW_TW_LEVELS - 1];	 /* occupied slots above */
};

void vsw_wheel_init(struct vsw_wheel *w, uint64_t now);
void vsw_wheel_add(struct vsw_wheel *w, struct vsw_timer *tm, uint64_t expires);
void vsw_wheel_del(struct vsw_wheel *w, struct vsw_timer *tm);
unsigned vsw_wheel_run(struct vsw_wheel *w, uint64_t now);
int64_t vsw_wheel_next(const struct vsw_wheel *w);

/* ---- per-thread command ring (control thread -> one datapath thread) ---- */

#define VSW_CMD_RING 256

struct vsw_cmd {
	void (*fn)(void *arg);
	void *arg;
};

struct vsw_tstats_net {
	uint64_t unicast, flooded, learned, moved, fdb_full;
};

#define VSW_QS_OFFLINE UINT64_MAX

/* Most receive queues one thread holds at a time; more are not held. */
#define VSW_HELD_MAX 64

/*
 * A receive queue held by its event-mode thread (notification coalescing):
 * after a burst that found frames on a port with coalesce_us set, the queue's
 * notifications stay off and the thread looks at it again when @due comes,
 * as long as each look finds frames; a look that finds none turns them back
 * on.  A steady stream then costs one wake-up per interval, not per kick.
 */
struct vsw_held {
	uint32_t key;	/* VSW_RXQ_KEY */
	uint32_t epoch; /* the queue's, when held: see owned_held() */
	uint64_t due;	/* CLOCK_MONOTONIC, ns */
	uint64_t last;	/* the last look, ns */
	uint64_t pace;	/* ns between looks: the interval or less */
};

/* Frames a look aims to take at most: a faster stream is looked at more
 * often than its port's interval, so that a guest's ring (256 buffers in
 * QEMU's default) never fills between two looks. */
#define VSW_HELD_BATCH 32

struct vsw_thread {
	struct vswitch *sw;
	unsigned idx;
	pthread_t tid;
	bool started;
	int epfd;
	int wake_fd;
	_Atomic uint64_t qs;
	_Atomic(struct vsw_idlist *) owned; /* poll mode: rx queue keys */
	unsigned n_rxq; /* receive queues owned (for balancing), control only */
	struct vsw_wheel wheel; /* this thread's timers */
	struct vsw_held held[VSW_HELD_MAX];
	unsigned n_held;
	bool no_pwait2; /* epoll_pwait2() refused: millisecond sleeps */
	struct vsw_cmd cmds[VSW_CMD_RING];
	_Atomic uint32_t cmd_head; /* written by the control thread */
	_Atomic uint32_t cmd_tail; /* written by this thread */
	struct pkt_pool *pool;
	struct vsw_tstats_port *pstats;
	struct vsw_tstats_net *nstats;
	/* Per-burst egress queues. */
	struct pkt_out (*outq)[PKT_BURST];
	uint16_t *outn;
	uint16_t *dirty;
	unsigned n_dirty;
};

struct vswitch {
	struct vsw_config cfg;
	_Atomic bool stop;
	_Atomic uint64_t gp_seq;
	_Atomic(struct vsw_port *) ports[VSW_MAX_PORTS];
	uint32_t rxq_epoch; /* the last vsw_port.rxq[].epoch given, control */
	struct vsw_net *nets[VSW_MAX_NETS]; /* control thread only */
	struct vsw_thread *threads;
	int64_t last_age;
	vsw_link_fn link_hook; /* control thread only */
	void *link_hook_arg;
	vsw_fault_fn fault_hook; /* control thread only */
	void *fault_hook_arg;
};

void vsw_synchronize(struct vswitch *sw);
void vsw_learn_refused(struct vsw_thread *t, struct vsw_port *in,
		       const struct pkt *p, enum vsw_drop why, int64_t now);
void vsw_slow_rx(struct vsw_thread *t, struct vsw_port *in,
		 const struct pkt *p);
void *vsw_thread_main(void *arg);
void vsw_process_burst(struct vsw_thread *t, struct vsw_port *in,
		       struct pkt **pkts, unsigned n);
int vsw_thread_init(struct vswitch *sw, struct vsw_thread *t, unsigned idx);
void vsw_thread_fini(struct vsw_thread *t);
void vsw_thread_wake(struct vsw_thread *t);

#endif
