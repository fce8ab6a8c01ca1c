/* SPDX-License-Identifier: GPL-2.0-or-later */
/* team.h - NIC teaming: several member NICs behind one uplink port
 *
 * Two layers.  The team itself (team.c, team_lacp.c, team_macs.c) is a pure
 * state machine with no I/O: it is told about carrier, probe replies, LACPDUs
 * and the passing of time, and it decides which members carry traffic, which
 * frames to send (LACPDUs, ARP probes, beacons, announcements: through
 * struct team_io) and what to remember (failover history).  Its caller holds
 * one lock around every call except the lock-free hot-path helpers
 * team_tx_member(), team_rx_verdict() and team_macs_note(), which read the
 * published map word and the MAC table only.
 *
 * The port (team_port.c) is a vnic backend that owns member ports (afpacket
 * or pcap), so the switch sees one uplink.
 */
#ifndef VNET_TEAM_H
#define VNET_TEAM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pkt;
struct vnic;

#define TEAM_MAX_MEMBERS 8
#define TEAM_MAX_TARGETS 4
#define TEAM_HISTORY	 32
#define TEAM_MAX_PORTS	 1024 /* switch port ids (VSW_MAX_PORTS) */
#define TEAM_NAME_LEN	 16

#define TEAM_LACP_ETHERTYPE   0x8809
#define TEAM_BEACON_ETHERTYPE 0x88b5 /* IEEE local experimental */
#define TEAM_LACPDU_LEN	      124    /* with the Ethernet header, no FCS */

enum team_mode {
	TEAM_MODE_ACTIVE_BACKUP,
	TEAM_MODE_BALANCE_PORT, /* each origin port pinned to a member */
	TEAM_MODE_BALANCE_MAC,	/* by source MAC */
	TEAM_MODE_STATIC,	/* static LAG, hashed */
	TEAM_MODE_LACP,		/* IEEE 802.1AX, hashed */
	TEAM_MODE_MAX,
};

enum team_hash { TEAM_HASH_L2, TEAM_HASH_L23, TEAM_HASH_L34, TEAM_HASH_MAX };
enum team_probe { TEAM_PROBE_NONE, TEAM_PROBE_ARP, TEAM_PROBE_BEACON };

/* Why the members carrying traffic changed (failover history). */
#define TEAM_REASONS(X)                                                  \
	X(NONE, "none")                                                  \
	X(CARRIER_DOWN, "carrier down")                                  \
	X(CARRIER_UP, "carrier up")                                      \
	X(PROBE_LOST, "ARP probe replies lost")                          \
	X(PROBE_OK, "ARP probe replies back")                            \
	X(BEACON_LOST, "beacons lost")                                   \
	X(BEACON_OK, "beacons back")                                     \
	X(LACP_EXPIRED, "LACP partner timed out")                        \
	X(LACP_DEFAULTED, "no LACP partner")                             \
	X(LACP_IN_SYNC, "LACP partner in sync")                          \
	X(LACP_OUT_OF_SYNC, "LACP partner out of sync")                  \
	X(LACP_INCOMPATIBLE, "LACP partner not in the team's aggregate") \
	X(LACP_DAMPED, "LACP partner flapping: damped")                  \
	X(LACP_LOOP, "the team's own LACPDUs come back: a loop")         \
	X(FALLBACK, "no LACP partner: active-backup fallback")           \
	X(FALLBACK_END, "LACP partner answers: fallback ends")           \
	X(MEMBER_ADDED, "member added")                                  \
	X(MEMBER_REMOVED, "member removed")                              \
	X(FAILBACK, "failback to the primary")                           \
	X(CONFIG, "configuration changed")                               \
	X(REBALANCE, "rebalanced by load")                               \
	X(DEVICE_GONE, "device gone")

enum team_reason {
#define TEAM_REASON_ENUM(id, text) TEAM_R_##id,
	TEAM_REASONS(TEAM_REASON_ENUM)
#undef TEAM_REASON_ENUM
	    TEAM_R_MAX,
};

/* Frames the team drops or takes, counted per member. */
#define TEAM_DROPS(X)                                                          \
	X(BACKUP, "backup_member",                                             \
	  "data frame on a member that does not carry traffic")                \
	X(DUP_BCAST, "not_bcast_member",                                       \
	  "broadcast on a member not elected to receive broadcasts")           \
	X(LOOP, "loop", "our own broadcast came back from the switch")         \
	X(LACP_MALFORMED, "lacpdu_malformed", "malformed LACPDU")              \
	X(LACP_LOOPBACK, "lacpdu_loopback",                                    \
	  "LACPDU with the team's own system ID: the member is looped back")   \
	X(SLOW_OTHER, "slow_unhandled", "slow-protocol frame other than LACP") \
	X(MARKER_RATE, "marker_limited",                                       \
	  "LACP marker request not answered: the member sent its 10 "          \
	  "slow-protocol frames this second already")                          \
	X(NO_MEMBER, "no_member", "no member able to send")

enum team_drop {
#define TEAM_DROP_ENUM(id, name, desc) TEAM_DROP_##id,
	TEAM_DROPS(TEAM_DROP_ENUM)
#undef TEAM_DROP_ENUM
	    TEAM_DROP_MAX,
};

/**
 * struct team_config - how a team behaves
 * @mode: member selection
 * @hash: header fields hashed (static and LACP)
 * @probe: path probing besides carrier
 * @targets: ARP probe targets, host order
 * @n_targets: entries in @targets
 * @probe_interval_ms: between ARP probes or beacons
 * @probe_missed: intervals without a reply before a member is down
 * @primary: member preferred in active-backup ("" for none)
 * @failback: go back to @primary when it recovers
 * @lacp_fast: ask the partner for LACPDUs every second (else 30 s)
 * @lacp_fallback: active-backup while no LACP partner answers
 * @updelay_ms: carrier must stay up this long before a member is used
 * @downdelay_ms: carrier may be down this long before a member is dropped
 * @rebalance_ms: balance-port: how often pins follow the load (0: never)
 */
struct team_config {
	enum team_mode mode;
	enum team_hash hash;
	enum team_probe probe;
	uint32_t targets[TEAM_MAX_TARGETS];
	unsigned n_targets;
	unsigned probe_interval_ms;
	unsigned probe_missed;
	char primary[TEAM_NAME_LEN];
	bool failback;
	bool lacp_fast;
	bool lacp_fallback;
	unsigned updelay_ms, downdelay_ms;
	unsigned rebalance_ms;
};

/**
 * struct team_io - what the team asks of its owner
 * @send: transmit @frame (@len bytes, untagged) on member @member, tagged
 *        with @tci unless 0; called with the caller's lock held
 * @arg: passed to @send
 */
struct team_io {
	void (*send)(void *arg, unsigned member, const uint8_t *frame,
		     size_t len, uint16_t tci);
	void *arg;
};

/**
 * struct lacp_info - one side's actor or partner information in an LACPDU
 */
struct lacp_info {
	uint16_t sys_prio;
	uint8_t sys[6];
	uint16_t key;
	uint16_t port_prio;
	uint16_t port;
	uint8_t state;
};

/* Actor/partner state bits (IEEE 802.1AX 6.4.2.3). */
#define LACP_ST_ACTIVITY     0x01
#define LACP_ST_TIMEOUT	     0x02 /* short timeout */
#define LACP_ST_AGGREGATION  0x04
#define LACP_ST_SYNC	     0x08
#define LACP_ST_COLLECTING   0x10
#define LACP_ST_DISTRIBUTING 0x20
#define LACP_ST_DEFAULTED    0x40
#define LACP_ST_EXPIRED	     0x80

/**
 * struct lacp_pdu - a parsed LACPDU
 * @version: LACP version
 * @actor: the sender
 * @partner: the sender's view of us
 * @max_delay: collector max delay, tens of microseconds
 */
struct lacp_pdu {
	uint8_t version;
	struct lacp_info actor, partner;
	uint16_t max_delay;
};

struct team;

const char *team_mode_name(enum team_mode m);
int team_mode_parse(const char *s);
const char *team_hash_name(enum team_hash h);
int team_hash_parse(const char *s);
const char *team_reason_text(enum team_reason r);
const char *team_drop_name(enum team_drop d);
void team_config_default(struct team_config *cfg);

/* ---- the team (caller holds its lock) ---- */
struct team *team_create(const char *name, const struct team_config *cfg,
			 const struct team_io *io, uint64_t now);
void team_destroy(struct team *t);
int team_configure(struct team *t, const struct team_config *cfg, uint64_t now);
int team_member_add(struct team *t, const char *name, const uint8_t mac[6],
		    unsigned speed_mbps, bool carrier, uint64_t now)
    __attribute__((warn_unused_result));
int team_member_del(struct team *t, const char *name, uint64_t now);
void team_leave(struct team *t);
bool team_system_avoid(struct team *t, const uint8_t (*taken)[6],
		       unsigned n_taken);
int team_member_find(const struct team *t, const char *name);
void team_member_carrier(struct team *t, unsigned m, bool up, uint64_t now);
void team_member_speed(struct team *t, unsigned m, unsigned speed_mbps,
		       uint64_t now);
void team_member_gone(struct team *t, unsigned m, uint64_t now);
uint64_t team_run(struct team *t, uint64_t now);
int team_slow_rx(struct team *t, unsigned m, const uint8_t *frame, size_t len,
		 uint64_t now);
void team_beacon_rx(struct team *t, unsigned m, const uint8_t *frame,
		    size_t len, uint64_t now);
void team_arp_rx(struct team *t, unsigned m, const uint8_t *frame, size_t len,
		 uint64_t now);
bool team_carrying(const struct team *t);
unsigned team_generation(const struct team *t);
void team_status(const struct team *t, json_t *obj, uint64_t now,
		 int64_t wall_offset_ms);

/* ---- hot path: no lock ---- */
uint64_t team_map(const struct team *t);
int team_tx_member(struct team *t, uint64_t map, const struct pkt *p,
		   uint16_t tci);
int team_rx_verdict(struct team *t, uint64_t map, unsigned m,
		    const uint8_t *frame, size_t len, uint64_t now);
void team_note_tx(struct team *t, const struct pkt *p, uint16_t tci, unsigned m,
		  uint64_t now);
void team_note_load(struct team *t, uint16_t port, uint32_t bytes);

/* ---- LACPDUs (team_lacp.c) ---- */
int lacp_pdu_parse(const uint8_t *frame, size_t len, struct lacp_pdu *pdu)
    __attribute__((warn_unused_result));
size_t lacp_pdu_build(uint8_t *buf, size_t size, const uint8_t src[6],
		      const struct lacp_pdu *pdu);

/* ---- announcements (team_macs.c) ---- */
#define TEAM_MAX_LEASES 1024

/**
 * struct team_lease - an address the network's DHCP server leased to a MAC
 * @mac: the client
 * @ip: its address, host order
 */
struct team_lease {
	uint8_t mac[6];
	uint32_t ip;
};

void team_leases_set(struct team *t, const struct team_lease *l, unsigned n);
size_t team_garp_build(uint8_t *buf, size_t size, const uint8_t mac[6],
		       uint32_t ip);
size_t team_rarp_build(uint8_t *buf, size_t size, const uint8_t mac[6]);
size_t team_na_build(uint8_t *buf, size_t size, const uint8_t mac[6],
		     const uint8_t ip6[16]);

/* ---- the port backend (team_port.c), control thread ---- */
int team_port_open(const char *name, const struct team_config *cfg,
		   unsigned mtu, struct vnic **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));
int team_port_member_add(struct vnic *v, const char *dev, const char *backend,
			 char *err, size_t errlen)
    __attribute__((warn_unused_result));
int team_port_member_del(struct vnic *v, const char *dev);
int team_port_configure(struct vnic *v, const struct team_config *cfg);
bool team_port_link_event(struct vnic *v, int ifindex, bool deleted, bool up,
			  bool running);
uint64_t team_port_run(struct vnic *v);
int team_port_event_fd(const struct vnic *v);
void team_port_leases(struct vnic *v, const struct team_lease *l, unsigned n);
void team_port_system(struct vnic *v, uint8_t mac[6]);
bool team_port_system_avoid(struct vnic *v, const uint8_t (*taken)[6],
			    unsigned n_taken);
void team_port_status(struct vnic *v, json_t *obj);

#endif
