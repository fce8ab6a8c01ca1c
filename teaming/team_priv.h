/* SPDX-License-Identifier: GPL-2.0-or-later */
/* team_priv.h - the team's state, shared by team.c, team_lacp.c and
 * team_macs.c (and the unit tests) */
#ifndef VNET_TEAM_PRIV_H
#define VNET_TEAM_PRIV_H

#include <stdatomic.h>

#include "team.h"

/* IEEE 802.1AX timers, milliseconds. */
#define LACP_FAST_PERIODIC 1000
#define LACP_SLOW_PERIODIC 30000
#define LACP_SHORT_TIMEOUT 3000
#define LACP_LONG_TIMEOUT  90000
/* How long a member stays looped after the team's own LACPDU came back on
 * it: a looped member's partner is defaulted, so it sends every
 * LACP_SLOW_PERIODIC; three of them. */
#define LACP_LOOP_MS	LACP_LONG_TIMEOUT
#define LACP_CHURN_TIME 60000
#define LACP_TX_PER_SEC 3
/* Slow-protocol frames a port sends a second (IEEE 802.3 Annex 43B): what
 * LACPDUs leave is for marker responses. */
#define SLOW_TX_PER_SEC	  10
#define MARKER_TX_PER_SEC (SLOW_TX_PER_SEC - LACP_TX_PER_SEC)
/* A partner whose information or sync changes this often is held out. */
#define LACP_FLAP_WINDOW 10000
#define LACP_FLAP_MAX	 4
#define LACP_DAMP_MS	 10000
/* After a voluntary switch the old member still takes unicast this long,
 * so frames already on their way to it are not lost (failback). */
#define TEAM_DRAIN_MS  1000
#define TEAM_MAC_SLOTS 4096
#define TEAM_MAC_AGE   300000 /* ms a MAC stays announceable */

enum lacp_rx_state {
	LACP_RX_DISABLED,
	LACP_RX_EXPIRED,
	LACP_RX_DEFAULTED,
	LACP_RX_CURRENT
};
enum lacp_mux_state {
	LACP_MUX_DETACHED,
	LACP_MUX_ATTACHED,
	LACP_MUX_COLL_DIST
};

/**
 * struct lacp_port - one member's LACP state machines
 * @rx: receive machine state
 * @mux: mux machine state (coupled control: collecting and distributing
 *       together)
 * @actor: our information for this member
 * @partner: the partner's, as last recorded
 * @selected: the selection logic put it in the team's aggregate
 * @ntt: need to transmit
 * @current_until: current_while timer (0: stopped)
 * @periodic_at: next periodic transmission (0: stopped)
 * @tx_window: start of the current one-second transmit window
 * @tx_count: LACPDUs sent in it
 * @marker_count: marker responses sent in it
 * @sync_lost_at: when actor or partner lost sync (churn detection)
 * @actor_churn: actor not in sync for LACP_CHURN_TIME
 * @partner_churn: partner not in sync for LACP_CHURN_TIME
 * @flap_window: start of the flap counting window
 * @flaps: partner changes in the window
 * @damped_until: held out of the aggregate until then
 * @ever_rx: a partner has answered on this member
 * @last_rx: when its last valid LACPDU arrived (the current_while timer
 *           runs from there), monotonic ms
 */
struct lacp_port {
	enum lacp_rx_state rx;
	enum lacp_mux_state mux;
	struct lacp_info actor, partner;
	bool selected, ntt;
	uint64_t current_until, periodic_at;
	uint64_t tx_window;
	unsigned tx_count, marker_count;
	uint64_t actor_unsync_at, partner_unsync_at;
	bool actor_churn, partner_churn;
	uint64_t flap_window;
	unsigned flaps;
	uint64_t damped_until;
	bool ever_rx;
	uint64_t last_rx;
	uint64_t loop_until; /* our own LACPDUs came back: looped till then */
	uint64_t rx_pdus, tx_pdus, malformed, loopback, flaps_total, churns;
	uint64_t markers_tx, markers_limited;
};

/**
 * struct team_member - one member NIC
 * @used: slot in use
 * @name: device name
 * @mac: device MAC: source of its LACPDUs, probes and beacons
 * @speed: link speed, Mb/s (LACP key: only equal speeds aggregate)
 * @carrier: carrier as last reported
 * @link: carrier after up/down delays
 * @link_at: when @carrier last changed (a pending delay runs from there)
 * @link_since: when @link last went up
 * @path_ok: probing says the path past the first hop works
 * @link_round: probe round when @link last went up
 * @reply_round: probe round of the last ARP probe reply
 * @heard: probe round when this member last heard each other member's
 *         beacon (rounds, not time: a late timer blames no one)
 * @lacp: LACP state
 * @probes_tx, @replies_rx, @beacons_tx, @beacons_rx: probe counters
 * @announced: announcements sent on this member
 */
struct team_member {
	bool used;
	char name[TEAM_NAME_LEN];
	uint8_t mac[6];
	unsigned speed;
	bool carrier, link, gone;
	uint64_t link_at, link_since;
	bool path_ok;
	uint64_t link_round, reply_round;
	uint64_t heard[TEAM_MAX_MEMBERS];
	struct lacp_port lacp;
	uint64_t probes_tx, replies_rx, beacons_tx, beacons_rx, announced;
};

/**
 * struct team_event - one entry of the failover history
 */
struct team_event {
	uint64_t at;
	enum team_reason reason;
	char from[TEAM_NAME_LEN], to[TEAM_NAME_LEN];
};

/**
 * struct team_mac - a MAC the team has sent from (lock-free slots)
 * @key: 1 << 63 | vlan << 48 | MAC, 0 when free
 * @seen: last transmit, ms
 * @ip: its IPv4 address (an ARP of its own or its DHCP lease), host order,
 *      0 if unknown
 * @ip6: an IPv6 address of its own (a neighbour solicitation or
 *       advertisement it sent proves it), two big-endian halves, valid
 *       when @ip6_seq is even and not 0
 * @ip6_seq: seqlock over @ip6: odd while a writer is at it
 * @tci: tag its frames leave with
 * @port: switch port it came from
 * @member: member it was last sent or announced on, plus one
 */
struct team_mac {
	_Atomic uint64_t key;
	_Atomic uint64_t seen;
	_Atomic uint32_t ip;
	_Atomic uint64_t ip6[2];
	_Atomic uint32_t ip6_seq;
	_Atomic uint16_t tci;
	_Atomic uint16_t port;
	_Atomic uint8_t member;
};

/* The published map word: what the hot path reads, in one load. */
#define MAP_TX(map)	((uint32_t)((map)&0xff))
#define MAP_RX_UC(map)	((uint32_t)(((map) >> 8) & 0xff))
#define MAP_RX_BC(map)	((uint32_t)(((map) >> 16) & 0xff))
#define MAP_ACTIVE(map) ((int)(((map) >> 24) & 0xff) - 1)
#define MAP_MODE(map)	((enum team_mode)(((map) >> 32) & 0xff))
#define MAP_HASH(map)	((enum team_hash)(((map) >> 40) & 0xff))

/**
 * struct team - a team's state (see team.h for the locking rule)
 */
struct team {
	char name[TEAM_NAME_LEN];
	struct team_config cfg;
	struct team_io io;
	uint8_t sys_mac[6];
	uint16_t key_base;
	struct team_member m[TEAM_MAX_MEMBERS];
	int active;   /* active-backup (and fallback): -1 none */
	int draining; /* previous active still taking unicast */
	uint64_t drain_until;
	int bcast;	 /* balance modes: member taking broadcasts */
	uint32_t usable; /* members fit to carry traffic */
	bool fallback;	 /* LACP: active-backup fallback */
	uint64_t next_probe, next_rebalance;
	uint64_t rounds; /* probe rounds sent */
	_Atomic uint64_t map;
	unsigned gen; /* bumped on every map change */
	bool wake;    /* the owner should run team_run() soon */
	_Atomic uint8_t pin[TEAM_MAX_PORTS];   /* balance-port: member + 1 */
	_Atomic uint64_t load[TEAM_MAX_PORTS]; /* balance-port: tx bytes */
	struct team_mac macs[TEAM_MAC_SLOTS];
	struct team_lease leases[TEAM_MAX_LEASES]; /* sorted by MAC */
	unsigned n_leases;
	struct team_event hist[TEAM_HISTORY];
	unsigned n_hist; /* events ever recorded */
	uint64_t failovers;
	uint64_t announcements;
	uint64_t malformed;
};

static inline uint32_t mix32(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (uint32_t)x;
}

static inline uint64_t mac_u64(const uint8_t *m)
{
	return (uint64_t)m[0] << 40 | (uint64_t)m[1] << 32 |
	       (uint64_t)m[2] << 24 | (uint64_t)m[3] << 16 |
	       (uint64_t)m[4] << 8 | m[5];
}

/* team.c */
void team_update(struct team *t, enum team_reason why, int member,
		 uint64_t now);
void team_record(struct team *t, uint64_t now, enum team_reason why, int from,
		 int to);
bool team_member_ready(const struct team *t, unsigned m);

/* team_lacp.c */
void lacp_member_init(struct team *t, unsigned m, uint64_t now);
void lacp_member_link(struct team *t, unsigned m, uint64_t now);
void lacp_member_leave(struct team *t, unsigned m);
void lacp_member_speed(struct team *t, unsigned m, uint64_t now);
void lacp_rx(struct team *t, unsigned m, const struct lacp_pdu *pdu,
	     uint64_t now);
uint64_t lacp_run(struct team *t, uint64_t now);
uint32_t lacp_distributing(const struct team *t);
void lacp_status(const struct team *t, unsigned m, json_t *obj, uint64_t now,
		 int64_t wall_offset_ms);
bool lacp_all_defaulted(const struct team *t);
bool lacp_partner_heard(const struct team *t);
uint32_t lacp_looped(const struct team *t, uint64_t now);

/* team_macs.c */
void team_macs_announce(struct team *t, uint64_t now);
struct team_mac *team_macs_find(struct team *t, const uint8_t mac[6],
				uint16_t vlan);
unsigned team_macs_count(const struct team *t, uint64_t now);
unsigned team_pick(const struct team *t, uint64_t map, uint32_t hash);

#endif
