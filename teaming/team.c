// SPDX-License-Identifier: GPL-2.0-or-later
/* team.c - a team's members, which of them carry traffic, failure detection
 * (carrier with up/down delays, ARP probes, beacons), failback, and the
 * failover history
 *
 * Everything here runs under the owner's lock, except the hot-path helpers
 * at the end, which read the map word published by team_update() (one
 * atomic load) and the lock-free tables it points into.
 */
#include "team.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/pkt.h"
#include "../lib/util.h"
#include "team_priv.h"

static const char *const mode_names[TEAM_MODE_MAX] = {
    "active-backup", "balance-port", "balance-mac", "static", "lacp",
};
static const char *const hash_names[TEAM_HASH_MAX] = {"l2", "l23", "l34"};
static const char *const reason_text[TEAM_R_MAX] = {
#define TEAM_REASON_TEXT(id, text) text,
    TEAM_REASONS(TEAM_REASON_TEXT)
#undef TEAM_REASON_TEXT
};
static const char *const drop_names[TEAM_DROP_MAX] = {
#define TEAM_DROP_NAME(id, name, desc) name,
    TEAM_DROPS(TEAM_DROP_NAME)
#undef TEAM_DROP_NAME
};

static const uint8_t beacon_magic[8] = {'v', 'n', 'e', 't', 'b', 'c', 'n', '1'};

/**
 * team_mode_name() - a mode's keyword
 * @m: mode
 *
 * Return: static string
 */
const char *team_mode_name(enum team_mode m)
{
	return m < TEAM_MODE_MAX ? mode_names[m] : "?";
}

/**
 * team_mode_parse() - a mode from its keyword
 * @s: "active-backup", "balance-port", "balance-mac", "static", "lacp"
 *
 * Return: mode, or -EINVAL
 */
int team_mode_parse(const char *s)
{
	for (int i = 0; s && i < TEAM_MODE_MAX; i++)
		if (!strcmp(s, mode_names[i]))
			return i;
	return -EINVAL;
}

/**
 * team_hash_name() - a hash policy's keyword
 * @h: policy
 *
 * Return: static string
 */
const char *team_hash_name(enum team_hash h)
{
	return h < TEAM_HASH_MAX ? hash_names[h] : "?";
}

/**
 * team_hash_parse() - a hash policy from its keyword
 * @s: "l2", "l23" or "l34"
 *
 * Return: policy, or -EINVAL
 */
int team_hash_parse(const char *s)
{
	for (int i = 0; s && i < TEAM_HASH_MAX; i++)
		if (!strcmp(s, hash_names[i]))
			return i;
	return -EINVAL;
}

/**
 * team_reason_text() - why a failover happened, in words
 * @r: reason
 *
 * Return: static string
 */
const char *team_reason_text(enum team_reason r)
{
	return r < TEAM_R_MAX ? reason_text[r] : "?";
}

/**
 * team_drop_name() - counter name of a team drop reason
 * @d: reason
 *
 * Return: static string
 */
const char *team_drop_name(enum team_drop d)
{
	return d < TEAM_DROP_MAX ? drop_names[d] : "?";
}

/**
 * team_config_default() - the settings a team has unless told otherwise
 * @cfg: filled in
 */
void team_config_default(struct team_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = TEAM_MODE_ACTIVE_BACKUP;
	cfg->hash = TEAM_HASH_L23;
	cfg->probe_interval_ms = 100;
	cfg->probe_missed = 2;
	cfg->failback = true;
	cfg->rebalance_ms = 10000;
}

/**
 * team_create() - a team without members
 * @name: its name (for messages)
 * @cfg: settings
 * @io: how it sends frames
 * @now: monotonic ms
 *
 * Return: the team, or NULL without memory
 */
struct team *team_create(const char *name, const struct team_config *cfg,
			 const struct team_io *io, uint64_t now)
{
	struct team *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->cfg = *cfg;
	t->io = *io;
	t->active = t->draining = t->bcast = -1;
	t->next_probe = now;
	t->next_rebalance = now + cfg->rebalance_ms;
	t->key_base = 1;
	team_update(t, TEAM_R_CONFIG, -1, now);
	return t;
}

/**
 * team_destroy() - free a team; NULL is ignored
 * @t: team
 */
void team_destroy(struct team *t)
{
	free(t);
}

/**
 * team_configure() - change settings of a live team (not its mode)
 * @t: team
 * @cfg: new settings
 * @now: monotonic ms
 *
 * Return: 0, or -EINVAL when @cfg changes the mode
 */
int team_configure(struct team *t, const struct team_config *cfg, uint64_t now)
{
	bool rate = cfg->lacp_fast != t->cfg.lacp_fast;
	bool probe = cfg->probe != t->cfg.probe ||
		     cfg->n_targets != t->cfg.n_targets ||
		     (cfg->n_targets <= TEAM_MAX_TARGETS &&
		      memcmp(cfg->targets, t->cfg.targets,
			     cfg->n_targets * sizeof(cfg->targets[0])));

	if (cfg->mode != t->cfg.mode)
		return -EINVAL;
	t->cfg = *cfg;
	for (unsigned i = 0; rate && i < TEAM_MAX_MEMBERS; i++)
		if (t->m[i].used)
			lacp_member_link(t, i, now);
	/* A verdict of the old probing says nothing under the new one: every
	 * member's path is ok again (for good without probing, until the new
	 * probing has had its probe_missed rounds to judge it otherwise).
	 * Only probe_tick() and a reply ever set it back, and without
	 * probing probe_tick() no longer runs. */
	for (unsigned i = 0; probe && i < TEAM_MAX_MEMBERS; i++) {
		struct team_member *m = &t->m[i];

		m->path_ok = true;
		m->link_round = m->reply_round = t->rounds;
		memset(m->heard, 0, sizeof(m->heard));
	}
	t->next_probe = now;
	team_update(t, TEAM_R_CONFIG, -1, now);
	return 0;
}

/**
 * team_member_find() - a member's index by device name
 * @t: team
 * @name: device
 *
 * Return: index, or -ENOENT
 */
int team_member_find(const struct team *t, const char *name)
{
	for (int i = 0; i < TEAM_MAX_MEMBERS; i++)
		if (t->m[i].used && !strcmp(t->m[i].name, name))
			return i;
	return -ENOENT;
}

/**
 * team_member_add() - add a member
 * @t: team
 * @name: device name
 * @mac: device MAC
 * @speed_mbps: link speed (0: unknown)
 * @carrier: carrier now
 * @now: monotonic ms
 *
 * Return: member index, -EEXIST or -ENOSPC
 */
int team_member_add(struct team *t, const char *name, const uint8_t mac[6],
		    unsigned speed_mbps, bool carrier, uint64_t now)
{
	struct team_member *m;
	int i;

	if (team_member_find(t, name) >= 0)
		return -EEXIST;
	for (i = 0; i < TEAM_MAX_MEMBERS && t->m[i].used; i++)
		;
	if (i == TEAM_MAX_MEMBERS)
		return -ENOSPC;
	m = &t->m[i];
	memset(m, 0, sizeof(*m));
	m->used = true;
	snprintf(m->name, sizeof(m->name), "%s", name);
	memcpy(m->mac, mac, 6);
	m->speed = speed_mbps;
	m->carrier = m->link = carrier;
	m->link_at = m->link_since = now;
	m->link_round = t->rounds;
	m->path_ok = true;
	if (!mac_u64(t->sys_mac))
		memcpy(t->sys_mac, mac, 6);
	lacp_member_init(t, (unsigned)i, now);
	team_record(t, now, TEAM_R_MEMBER_ADDED, -1, i);
	team_update(t, TEAM_R_MEMBER_ADDED, i, now);
	return i;
}

/**
 * team_leave() - the team is going away: each member with a link tells its
 * LACP partner it no longer aggregates (see team_member_del()); nothing
 * else changes
 * @t: team
 */
void team_leave(struct team *t)
{
	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++)
		lacp_member_leave(t, i);
}

static bool mac_taken(const uint8_t mac[6], const uint8_t (*taken)[6],
		      unsigned n_taken)
{
	for (unsigned k = 0; k < n_taken; k++)
		if (!memcmp(mac, taken[k], 6))
			return true;
	return false;
}

/**
 * team_system_avoid() - give the team a system ID no other team has
 * @t: team
 * @taken: the system IDs (MACs) of the other running teams
 * @n_taken: entries in @taken
 *
 * A team's system ID (LACP system, beacon sender) is its first member's
 * MAC and stays for the team's life, even when that member leaves:
 * changing it would make the partner renegotiate every member.  So a
 * member that left one team and is the first of another would give both
 * the same ID, and the physical switch could bundle both teams' ports into
 * one LAG (and each team take the other's beacons).  The team whose ID
 * would repeat one (the newer: its members have sent nothing yet) takes
 * the MAC of one of its other members instead, else its own with the
 * locally administered bit flipped (the low octet stepped until free).
 * Called before the team's members send anything.
 *
 * Return: true if the ID changed
 */
bool team_system_avoid(struct team *t, const uint8_t (*taken)[6],
		       unsigned n_taken)
{
	if (!mac_u64(t->sys_mac) || !mac_taken(t->sys_mac, taken, n_taken))
		return false;
	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++)
		if (t->m[i].used && mac_u64(t->m[i].mac) &&
		    !mac_taken(t->m[i].mac, taken, n_taken)) {
			memcpy(t->sys_mac, t->m[i].mac, 6);
			return true;
		}
	t->sys_mac[0] ^= 0x02;
	for (unsigned k = 0; k < 256 && mac_taken(t->sys_mac, taken, n_taken);
	     k++)
		t->sys_mac[5]++;
	/* LACPDUs take the actor's system from t->sys_mac as they go. */
	return true;
}

/**
 * team_member_del() - remove a member
 * @t: team
 * @name: device name
 * @now: monotonic ms
 *
 * In an LACP team the member first sends a last LACPDU saying it leaves
 * the aggregate (lacp_member_leave()), so the caller must still be able to
 * send on it.
 *
 * Return: 0 or -ENOENT
 */
int team_member_del(struct team *t, const char *name, uint64_t now)
{
	int i = team_member_find(t, name);

	if (i < 0)
		return i;
	lacp_member_leave(t, (unsigned)i);
	team_record(t, now, TEAM_R_MEMBER_REMOVED, i, -1);
	t->m[i].used = false;
	if (t->draining == i)
		t->draining = -1;
	team_update(t, TEAM_R_MEMBER_REMOVED, i, now);
	return 0;
}

static unsigned link_delay(const struct team *t, bool up)
{
	return up ? t->cfg.updelay_ms : t->cfg.downdelay_ms;
}

static void set_link(struct team *t, unsigned i, uint64_t now)
{
	struct team_member *m = &t->m[i];

	m->link = m->carrier;
	if (m->link) {
		m->link_since = now;
		m->link_round = t->rounds;
		m->path_ok = true; /* probing gets a window to judge it */
	}
	lacp_member_link(t, i, now);
	team_update(t, m->link ? TEAM_R_CARRIER_UP : TEAM_R_CARRIER_DOWN,
		    (int)i, now);
}

/**
 * team_member_carrier() - a member's carrier changed (netlink)
 * @t: team
 * @i: member
 * @up: carrier
 * @now: monotonic ms
 *
 * The member follows after the up or down delay (team_run()).
 */
void team_member_carrier(struct team *t, unsigned i, bool up, uint64_t now)
{
	struct team_member *m;

	if (i >= TEAM_MAX_MEMBERS || !t->m[i].used || t->m[i].carrier == up)
		return;
	m = &t->m[i];
	m->carrier = up;
	m->link_at = now;
	if (m->link != up && !link_delay(t, up))
		set_link(t, i, now);
}

/**
 * team_member_speed() - a member's link speed, read again (its link came
 * up or changed)
 * @t: team
 * @i: member
 * @speed_mbps: link speed (0: unknown)
 * @now: monotonic ms
 *
 * In an LACP team the speed is the member's key: a member added while its
 * link was down (speed unknown) gets the key of its real speed here.
 */
void team_member_speed(struct team *t, unsigned i, unsigned speed_mbps,
		       uint64_t now)
{
	if (i >= TEAM_MAX_MEMBERS || !t->m[i].used ||
	    t->m[i].speed == speed_mbps)
		return;
	t->m[i].speed = speed_mbps;
	lacp_member_speed(t, i, now);
}

/**
 * team_member_gone() - a member's device vanished or broke for good
 * @t: team
 * @i: member
 * @now: monotonic ms
 */
void team_member_gone(struct team *t, unsigned i, uint64_t now)
{
	if (i >= TEAM_MAX_MEMBERS || !t->m[i].used || t->m[i].gone)
		return;
	t->m[i].gone = true;
	t->m[i].carrier = false;
	set_link(t, i, now);
}

/**
 * team_member_ready() - whether a member may carry traffic as far as its
 * own health goes (carrier after delays, probes)
 * @t: team
 * @i: member
 *
 * Return: true if ready
 */
bool team_member_ready(const struct team *t, unsigned i)
{
	const struct team_member *m = &t->m[i];

	return m->used && !m->gone && m->link && m->path_ok;
}

/**
 * team_record() - add an entry to the failover history
 * @t: team
 * @now: monotonic ms
 * @why: reason
 * @from: member that stopped carrying traffic, or -1
 * @to: member that started, or -1
 */
void team_record(struct team *t, uint64_t now, enum team_reason why, int from,
		 int to)
{
	struct team_event *e = &t->hist[t->n_hist % TEAM_HISTORY];

	e->at = now;
	e->reason = why;
	snprintf(e->from, sizeof(e->from), "%s",
		 from >= 0 ? t->m[from].name : "");
	snprintf(e->to, sizeof(e->to), "%s", to >= 0 ? t->m[to].name : "");
	t->n_hist++;
}

static int primary_idx(const struct team *t)
{
	return t->cfg.primary[0] ? team_member_find(t, t->cfg.primary) : -1;
}

/* Active-backup: keep the active member while it is fit, unless failback
 * brings the primary back; otherwise the primary, else the lowest index. */
static int pick_active(struct team *t, uint32_t fit, enum team_reason *why)
{
	int p = primary_idx(t);

	if (t->active >= 0 && (fit & 1u << t->active)) {
		if (t->cfg.failback && p >= 0 && p != t->active &&
		    (fit & 1u << p)) {
			*why = TEAM_R_FAILBACK;
			return p;
		}
		return t->active;
	}
	if (p >= 0 && (fit & 1u << p))
		return p;
	for (int i = 0; i < TEAM_MAX_MEMBERS; i++)
		if (fit & 1u << i)
			return i;
	return -1;
}

static unsigned popcount8(uint32_t x)
{
	return (unsigned)__builtin_popcount(x & 0xff);
}

/**
 * team_pick() - the member a hash selects among those that transmit
 * @t: team
 * @map: published map word
 * @hash: flow hash
 *
 * Rendezvous (highest random weight) hashing: each transmitting member
 * scores the hash mixed with its index, the highest score wins.  A
 * member's flows depend on no other member being there, so when one stops
 * carrying only its own flows move (spread over the rest, each to its
 * second choice), the others stay put, and when it comes back exactly its
 * flows return; a member added takes its share from every member, no flow
 * moves between the others.  (hash % members moved most flows on any
 * change.)  Up to TEAM_MAX_MEMBERS mixes per frame: a few ns.
 *
 * Return: member index; only valid when MAP_TX(@map) is not empty
 */
unsigned team_pick(const struct team *t, uint64_t map, uint32_t hash)
{
	uint32_t tx = MAP_TX(map), best_score = 0;
	unsigned best = 0;

	for (uint32_t b = tx; b; b &= b - 1) {
		unsigned i = (unsigned)__builtin_ctz(b);
		uint32_t score = mix32((uint64_t)hash << 8 | i);

		if (b == tx || score > best_score) {
			best_score = score;
			best = i;
		}
	}
	return best;
}

/* Balance by port: ports pinned to a member that left move to the member
 * with the least load pinned to it. */
static void repin(struct team *t, uint32_t tx)
{
	uint64_t load[TEAM_MAX_MEMBERS] = {0};

	for (unsigned p = 0; p < TEAM_MAX_PORTS; p++) {
		unsigned pin = atomic_load(&t->pin[p]);

		if (pin && (tx & 1u << (pin - 1)))
			load[pin - 1] += atomic_load(&t->load[p]) + 1;
	}
	for (unsigned p = 0; p < TEAM_MAX_PORTS; p++) {
		unsigned pin = atomic_load(&t->pin[p]), best = 0;
		bool any = false;

		if (!pin || (tx & 1u << (pin - 1)))
			continue;
		for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++)
			if ((tx & 1u << i) && (!any || load[i] < load[best])) {
				best = i;
				any = true;
			}
		atomic_store(&t->pin[p], any ? (uint8_t)(best + 1) : 0);
		if (any)
			load[best] += atomic_load(&t->load[p]) + 1;
	}
}

/* Balance by port, periodically: the busiest ports first, each to the
 * member with the least load so far.  Returns whether a pin moved. */
static bool rebalance(struct team *t)
{
	uint64_t load[TEAM_MAX_MEMBERS] = {0}, pl[TEAM_MAX_PORTS];
	uint32_t tx = MAP_TX(atomic_load(&t->map));
	bool moved = false, done[TEAM_MAX_PORTS] = {0};

	if (popcount8(tx) < 2)
		return false;
	for (unsigned p = 0; p < TEAM_MAX_PORTS; p++)
		pl[p] = atomic_exchange(&t->load[p], 0);
	for (;;) {
		unsigned best = 0, bm = 0;
		bool found = false;

		for (unsigned p = 0; p < TEAM_MAX_PORTS; p++)
			if (!done[p] && atomic_load(&t->pin[p]) &&
			    (!found || pl[p] > pl[best])) {
				best = p;
				found = true;
			}
		if (!found)
			break;
		done[best] = true;
		for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++)
			if ((tx & 1u << i) &&
			    (!(tx & 1u << bm) || load[i] < load[bm]))
				bm = i;
		load[bm] += pl[best] + 1;
		if (atomic_load(&t->pin[best]) != bm + 1) {
			atomic_store(&t->pin[best], (uint8_t)(bm + 1));
			moved = true;
		}
	}
	return moved;
}

/* History entries for members that started or stopped carrying traffic. */
static void record_changes(struct team *t, uint64_t now, enum team_reason why,
			   uint32_t was, uint32_t is)
{
	for (int i = 0; i < TEAM_MAX_MEMBERS; i++) {
		uint32_t b = 1u << i;

		if ((was & b) == (is & b) || !t->m[i].used)
			continue;
		team_record(t, now, why, (was & b) ? i : -1, (is & b) ? i : -1);
		t->failovers += !(is & b);
	}
}

/**
 * team_update() - decide which members carry traffic and publish it
 * @t: team
 * @why: what changed
 * @member: the member it concerns, or -1
 * @now: monotonic ms
 *
 * Records changes in the history and announces the MACs whose member
 * changed on their new member.
 */
void team_update(struct team *t, enum team_reason why, int member, uint64_t now)
{
	enum team_mode mode = t->cfg.mode;
	uint32_t fit = 0, tx = 0, rx_uc = 0, rx_bc = 0;
	uint64_t old = atomic_load(&t->map), map;
	int active = -1, was_active = t->active;
	enum team_reason r = why;

	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++)
		if (team_member_ready(t, i))
			fit |= 1u << i;
	if (mode == TEAM_MODE_LACP) {
		/* Fallback starts once every member with a link knows it has
		 * no partner (DEFAULTED), and ends only when a partner speaks
		 * (a member CURRENT): a member whose link comes up, or one
		 * just added, waits EXPIRED for a partner it has never
		 * heard, which says nothing about one being there, and would
		 * otherwise stop the fallback members for a short timeout.
		 * With every link down fallback stays: none of them heard a
		 * partner when they come back either. */
		bool fb = t->cfg.lacp_fallback &&
			  (t->fallback ? !lacp_partner_heard(t)
				       : fit && lacp_all_defaulted(t));

		if (fb != t->fallback) {
			t->fallback = fb;
			team_record(t, now,
				    fb ? TEAM_R_FALLBACK : TEAM_R_FALLBACK_END,
				    -1, -1);
		}
		if (!fb)
			fit &= lacp_distributing(t);
		else /* never into a loop: our own LACPDUs come back */
			fit &= ~lacp_looped(t, now);
	}
	t->usable = fit;
	if (mode == TEAM_MODE_ACTIVE_BACKUP ||
	    (mode == TEAM_MODE_LACP && t->fallback)) {
		active = pick_active(t, fit, &r);
		if (active != was_active && was_active >= 0 &&
		    (fit & 1u << was_active)) {
			/* A voluntary switch: the old member still works. */
			t->draining = was_active;
			t->drain_until = now + TEAM_DRAIN_MS;
		}
		if (t->draining >= 0 &&
		    (t->draining == active || !(fit & 1u << t->draining)))
			t->draining = -1;
		t->active = active;
		if (active >= 0)
			tx = rx_bc = 1u << active;
		rx_uc = tx | (t->draining >= 0 ? 1u << t->draining : 0);
	} else {
		t->active = -1;
		t->draining = -1;
		tx = rx_uc = fit;
		if (mode == TEAM_MODE_STATIC || mode == TEAM_MODE_LACP) {
			rx_bc = fit; /* one logical link: no duplicates */
		} else {
			/* Switch-independent: the physical switch floods to
			 * every member; one of them takes broadcasts. */
			if (t->bcast < 0 || !(fit & 1u << t->bcast))
				t->bcast = fit ? __builtin_ctz(fit) : -1;
			rx_bc = t->bcast >= 0 ? 1u << t->bcast : 0;
		}
	}
	map = (uint64_t)tx | (uint64_t)rx_uc << 8 | (uint64_t)rx_bc << 16 |
	      (uint64_t)(uint8_t)(active + 1) << 24 | (uint64_t)mode << 32 |
	      (uint64_t)t->cfg.hash << 40;
	if (mode == TEAM_MODE_BALANCE_PORT)
		repin(t, tx);
	atomic_store(&t->map, map);
	if (map == old)
		return;
	t->gen++;
	t->wake = true;
	if (active != was_active && (was_active >= 0 || active >= 0) &&
	    (mode == TEAM_MODE_ACTIVE_BACKUP || t->fallback)) {
		team_record(t, now, r, was_active, active);
		/* Failovers count forced moves, not failbacks. */
		t->failovers += was_active >= 0 && !(fit & 1u << was_active);
	} else if (MAP_TX(old) != tx &&
		   !(mode == TEAM_MODE_ACTIVE_BACKUP || t->fallback)) {
		record_changes(t, now, why, MAP_TX(old), tx);
	}
	team_macs_announce(t, now);
}

/* ---- probing ---- */

static size_t arp_probe_build(uint8_t *b, size_t size, const uint8_t mac[6],
			      uint32_t target)
{
	if (size < 60)
		return 0;
	memset(b, 0, 60);
	memset(b, 0xff, 6);
	memcpy(b + 6, mac, 6);
	pkt_put_be16(b + 12, ETHERTYPE_ARP);
	pkt_put_be16(b + 14, 1);      /* Ethernet */
	pkt_put_be16(b + 16, 0x0800); /* IPv4 */
	b[18] = 6;
	b[19] = 4;
	pkt_put_be16(b + 20, 1); /* request */
	memcpy(b + 22, mac, 6);
	/* Sender address 0.0.0.0 (an RFC 5227 probe): no host learns a
	 * wrong address from it, and hosts still answer it. */
	target = htonl(target);
	memcpy(b + 38, &target, 4);
	return 60;
}

static size_t beacon_build(const struct team *t, uint8_t *b, size_t size,
			   unsigned i)
{
	if (size < 60)
		return 0;
	memset(b, 0, 60);
	memset(b, 0xff, 6);
	memcpy(b + 6, t->m[i].mac, 6);
	pkt_put_be16(b + 12, TEAM_BEACON_ETHERTYPE);
	memcpy(b + 14, beacon_magic, sizeof(beacon_magic));
	memcpy(b + 22, t->sys_mac, 6);
	b[28] = (uint8_t)i;
	return 60;
}

/* Whether member @i's path works: a reply (ARP) or a beacon heard either
 * way within the last probe_missed rounds, counted from its link coming
 * up.  Rounds, not time: a timer that fires late blames no member. */
static bool path_judged_ok(const struct team *t, unsigned i)
{
	const struct team_member *m = &t->m[i];
	uint64_t missed = t->cfg.probe_missed;

	if (t->rounds - m->link_round < missed)
		return true; /* too early to judge */
	if (t->cfg.probe == TEAM_PROBE_ARP)
		return t->rounds - m->reply_round < missed;
	for (unsigned j = 0; j < TEAM_MAX_MEMBERS; j++) {
		if (j == i || !t->m[j].used || !t->m[j].link)
			continue;
		if (t->rounds - m->heard[j] < missed ||
		    t->rounds - t->m[j].heard[i] < missed)
			return true;
	}
	return false;
}

static void probe_tick(struct team *t, uint64_t now)
{
	bool ok[TEAM_MAX_MEMBERS] = {0}, any = false;
	unsigned linked = 0;
	uint8_t frame[64];

	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++) {
		if (!t->m[i].used || !t->m[i].link)
			continue;
		linked++;
		ok[i] = path_judged_ok(t, i);
		any |= ok[i];
	}
	/* Beacons: with every member deaf, no member can be blamed (two
	 * members, or the whole upstream down): trust carrier alone. */
	if (t->cfg.probe == TEAM_PROBE_BEACON && (!any || linked < 2))
		for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++)
			ok[i] = true;
	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++) {
		struct team_member *m = &t->m[i];

		if (!m->used || !m->link)
			continue;
		if (ok[i] != m->path_ok) {
			m->path_ok = ok[i];
			team_update(
			    t,
			    t->cfg.probe == TEAM_PROBE_ARP
				? (ok[i] ? TEAM_R_PROBE_OK : TEAM_R_PROBE_LOST)
				: (ok[i] ? TEAM_R_BEACON_OK
					 : TEAM_R_BEACON_LOST),
			    (int)i, now);
		}
		if (t->cfg.probe == TEAM_PROBE_ARP) {
			for (unsigned k = 0; k < t->cfg.n_targets; k++) {
				size_t n =
				    arp_probe_build(frame, sizeof(frame),
						    m->mac, t->cfg.targets[k]);

				t->io.send(t->io.arg, i, frame, n, 0);
				m->probes_tx++;
			}
		} else {
			t->io.send(t->io.arg, i, frame,
				   beacon_build(t, frame, sizeof(frame), i), 0);
			m->beacons_tx++;
		}
	}
	t->rounds++;
}

/**
 * team_arp_rx() - an ARP frame that arrived on a member addressed to the
 * member's own MAC: a probe reply when it comes from a target
 * @t: team
 * @i: member
 * @frame: the frame (untrusted)
 * @len: its length
 * @now: monotonic ms
 */
void team_arp_rx(struct team *t, unsigned i, const uint8_t *frame, size_t len,
		 uint64_t now)
{
	struct pkt_cursor c;
	const uint8_t *a;
	uint16_t et;
	uint32_t sip;

	if (i >= TEAM_MAX_MEMBERS || !t->m[i].used)
		return;
	pkt_cursor_init(&c, frame, len);
	if (!pkt_pull(&c, 12) || !pkt_pull_be16(&c, &et))
		return;
	if (et == ETHERTYPE_VLAN &&
	    (!pkt_pull(&c, 2) || !pkt_pull_be16(&c, &et)))
		return;
	a = pkt_pull(&c, 28);
	if (et != ETHERTYPE_ARP || !a || pkt_get_be16(a + 6) != 2)
		return;
	memcpy(&sip, a + 14, 4);
	sip = ntohl(sip);
	for (unsigned k = 0; k < t->cfg.n_targets; k++) {
		if (t->cfg.targets[k] != sip)
			continue;
		t->m[i].reply_round = t->rounds;
		t->m[i].replies_rx++;
		if (!t->m[i].path_ok && t->m[i].link) {
			t->m[i].path_ok = true;
			team_update(t, TEAM_R_PROBE_OK, (int)i, now);
		}
		return;
	}
}

/**
 * team_beacon_rx() - a beacon frame arrived on a member
 * @t: team
 * @i: member
 * @frame: the frame (untrusted)
 * @len: its length
 * @now: monotonic ms
 */
void team_beacon_rx(struct team *t, unsigned i, const uint8_t *frame,
		    size_t len, uint64_t now)
{
	struct pkt_cursor c;
	const uint8_t *b;
	unsigned from;

	if (i >= TEAM_MAX_MEMBERS || !t->m[i].used)
		return;
	pkt_cursor_init(&c, frame, len);
	if (!pkt_pull(&c, 14) || !(b = pkt_pull(&c, 15)))
		return;
	if (memcmp(b, beacon_magic, 8) || memcmp(b + 8, t->sys_mac, 6))
		return;
	from = b[14];
	if (from >= TEAM_MAX_MEMBERS || from == i || !t->m[from].used)
		return;
	t->m[i].heard[from] = t->rounds;
	t->m[i].beacons_rx++;
}

/**
 * team_run() - timers: up/down delays, probes, LACP, drain, rebalancing
 * @t: team
 * @now: monotonic ms
 *
 * Return: when to call again (monotonic ms), UINT64_MAX when nothing is
 * due until the next event
 */
uint64_t team_run(struct team *t, uint64_t now)
{
	uint64_t next = UINT64_MAX, n;

	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++) {
		struct team_member *m = &t->m[i];

		if (!m->used || m->link == m->carrier)
			continue;
		n = m->link_at + link_delay(t, m->carrier);
		if (now >= n)
			set_link(t, i, now);
		else if (n < next)
			next = n;
	}
	if (t->cfg.probe != TEAM_PROBE_NONE) {
		if (now >= t->next_probe) {
			probe_tick(t, now);
			t->next_probe = now + t->cfg.probe_interval_ms;
		}
		if (t->next_probe < next)
			next = t->next_probe;
	}
	if (t->cfg.mode == TEAM_MODE_LACP) {
		n = lacp_run(t, now);
		if (n < next)
			next = n;
	}
	if (t->draining >= 0) {
		if (now >= t->drain_until) {
			t->draining = -1;
			team_update(t, TEAM_R_NONE, -1, now);
		} else if (t->drain_until < next) {
			next = t->drain_until;
		}
	}
	if (t->cfg.mode == TEAM_MODE_BALANCE_PORT && t->cfg.rebalance_ms) {
		if (now >= t->next_rebalance) {
			if (rebalance(t)) {
				t->gen++;
				team_record(t, now, TEAM_R_REBALANCE, -1, -1);
				team_macs_announce(t, now);
			}
			t->next_rebalance = now + t->cfg.rebalance_ms;
		}
		if (t->next_rebalance < next)
			next = t->next_rebalance;
	}
	return next;
}

/**
 * team_carrying() - whether any member carries traffic
 * @t: team
 *
 * Return: true if the team can send
 */
bool team_carrying(const struct team *t)
{
	return MAP_TX(atomic_load(&t->map)) != 0;
}

/**
 * team_generation() - a number that changes whenever the map does
 * @t: team
 *
 * Return: generation
 */
unsigned team_generation(const struct team *t)
{
	return t->gen;
}

static const char *member_role(const struct team *t, unsigned i, uint64_t map)
{
	const struct team_member *m = &t->m[i];

	if (m->gone)
		return "gone";
	if (!m->carrier)
		return "down";
	if (!m->link)
		return "delayed";
	if (!m->path_ok)
		return "path-down";
	if (MAP_ACTIVE(map) == (int)i)
		return "active";
	if (MAP_TX(map) & 1u << i)
		return "carrying";
	if (t->draining == (int)i)
		return "draining";
	if (t->cfg.mode == TEAM_MODE_LACP && !t->fallback)
		return "not-aggregated";
	return "backup";
}

/**
 * team_status() - a team's state as JSON
 * @t: team
 * @obj: object to fill
 * @now: monotonic ms
 * @wall_offset_ms: add to a monotonic time to get Unix time in ms
 */
void team_status(const struct team *t, json_t *obj, uint64_t now,
		 int64_t wall_offset_ms)
{
	uint64_t map = atomic_load(&t->map);
	json_t *members = json_array(), *hist = json_array();
	char buf[MAC_STRLEN];
	unsigned first =
	    t->n_hist > TEAM_HISTORY ? t->n_hist - TEAM_HISTORY : 0;

	json_object_set_new(obj, "state",
			    json_string(!MAP_TX(map)  ? "down"
					: t->fallback ? "fallback"
						      : "up"));
	json_object_set_new(obj, "system_mac",
			    json_string(mac_format(t->sys_mac, buf)));
	json_object_set_new(obj, "failovers",
			    json_integer((json_int_t)t->failovers));
	json_object_set_new(obj, "announcements",
			    json_integer((json_int_t)t->announcements));
	json_object_set_new(obj, "macs_behind",
			    json_integer(team_macs_count(t, now)));
	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++) {
		const struct team_member *m = &t->m[i];
		json_t *o;

		if (!m->used)
			continue;
		o = json_pack(
		    "{s:s,s:s,s:s,s:b,s:b,s:b,s:b}", "name", m->name, "mac",
		    mac_format(m->mac, buf), "role", member_role(t, i, map),
		    "carrier", m->carrier, "path_ok", m->path_ok, "tx",
		    (MAP_TX(map) >> i) & 1, "rx", (MAP_RX_UC(map) >> i) & 1);
		if (t->cfg.probe == TEAM_PROBE_ARP)
			json_object_set_new(
			    o, "probes",
			    json_pack("{s:I,s:I}", "sent",
				      (json_int_t)m->probes_tx, "replies",
				      (json_int_t)m->replies_rx));
		if (t->cfg.probe == TEAM_PROBE_BEACON)
			json_object_set_new(
			    o, "beacons",
			    json_pack("{s:I,s:I}", "sent",
				      (json_int_t)m->beacons_tx, "heard",
				      (json_int_t)m->beacons_rx));
		json_object_set_new(o, "announced",
				    json_integer((json_int_t)m->announced));
		if (t->cfg.mode == TEAM_MODE_LACP)
			lacp_status(t, i, o, now, wall_offset_ms);
		json_array_append_new(members, o);
	}
	json_object_set_new(obj, "member_list", members);
	for (unsigned k = first; k < t->n_hist; k++) {
		const struct team_event *e = &t->hist[k % TEAM_HISTORY];
		json_t *o =
		    json_pack("{s:I,s:s}", "time_ms",
			      (json_int_t)((int64_t)e->at + wall_offset_ms),
			      "reason", team_reason_text(e->reason));

		json_object_set_new(
		    o, "from", e->from[0] ? json_string(e->from) : json_null());
		json_object_set_new(
		    o, "to", e->to[0] ? json_string(e->to) : json_null());
		json_array_append_new(hist, o);
	}
	json_object_set_new(obj, "history", hist);
}

/* ---- hot path ---- */

/**
 * team_map() - the published map word (any thread)
 * @t: team
 *
 * Return: map word
 */
uint64_t team_map(const struct team *t)
{
	return atomic_load_explicit(&t->map, memory_order_acquire);
}

/* L3/L4 offsets of a frame, past one VLAN tag; false for non-IPv4. */
static bool ipv4_at(const uint8_t *f, size_t len, size_t *l3)
{
	size_t o = 12;
	uint16_t et;

	if (len < 14)
		return false;
	et = pkt_get_be16(f + 12);
	if (et == ETHERTYPE_VLAN) {
		if (len < 18)
			return false;
		et = pkt_get_be16(f + 16);
		o = 16;
	}
	*l3 = o + 2;
	return et == ETHERTYPE_IPV4 && len - *l3 >= 20 && (f[*l3] >> 4) == 4;
}

static uint32_t flow_hash(const uint8_t *f, size_t len, enum team_hash h)
{
	uint64_t x = mac_u64(f) * 31 + mac_u64(f + 6);
	size_t l3, ihl;

	if (h == TEAM_HASH_L2 || !ipv4_at(f, len, &l3))
		return mix32(x);
	x = 0; /* L3: the addresses decide, whatever MACs a router uses */
	x ^= (uint64_t)pkt_get_be16(f + l3 + 12) << 48 |
	     (uint64_t)pkt_get_be16(f + l3 + 14) << 32 |
	     (uint64_t)pkt_get_be16(f + l3 + 16) << 16 |
	     pkt_get_be16(f + l3 + 18);
	ihl = (size_t)(f[l3] & 0xf) * 4;
	if (h == TEAM_HASH_L34 && ihl >= 20 && len - l3 >= ihl + 4 &&
	    !(pkt_get_be16(f + l3 + 6) & 0x3fff) &&
	    (f[l3 + 9] == 6 || f[l3 + 9] == 17))
		x = x * 1000003 + ((uint64_t)pkt_get_be16(f + l3 + ihl) << 16 |
				   pkt_get_be16(f + l3 + ihl + 2));
	return mix32(x ^ f[l3 + 9]);
}

/**
 * team_tx_member() - the member a frame leaves on (datapath, no lock)
 * @t: team
 * @map: map word loaded once for the burst
 * @p: the frame
 * @tci: tag it leaves with
 *
 * Return: member index, or -1 when no member can send
 */
int team_tx_member(struct team *t, uint64_t map, const struct pkt *p,
		   uint16_t tci)
{
	uint32_t tx = MAP_TX(map);
	unsigned pin, port;

	if (!tx)
		return -1;
	if (MAP_ACTIVE(map) >= 0)
		return MAP_ACTIVE(map);
	switch (MAP_MODE(map)) {
	case TEAM_MODE_BALANCE_PORT:
		port = p->in_port % TEAM_MAX_PORTS;
		pin = atomic_load_explicit(&t->pin[port], memory_order_relaxed);
		if (pin && (tx & 1u << (pin - 1)))
			return (int)pin - 1;
		pin = team_pick(t, map, mix32(port)) + 1;
		atomic_store_explicit(&t->pin[port], (uint8_t)pin,
				      memory_order_relaxed);
		return (int)pin - 1;
	case TEAM_MODE_BALANCE_MAC:
		return (int)team_pick(t, map, mix32(mac_u64(p->data + 6)));
	default:
		return (int)team_pick(
		    t, map, flow_hash(p->data, p->len, MAP_HASH(map)));
	}
}

/**
 * team_rx_verdict() - whether a data frame received on a member enters the
 * switch (datapath, no lock)
 * @t: team
 * @map: map word loaded once for the burst
 * @i: member it came in on
 * @frame: the frame (untrusted)
 * @len: its length, at least 14
 * @now: monotonic ms
 *
 * Return: -1 to deliver it, or the team_drop reason
 */
int team_rx_verdict(struct team *t, uint64_t map, unsigned i,
		    const uint8_t *frame, size_t len, uint64_t now)
{
	uint32_t b = 1u << i;
	enum team_mode mode = MAP_MODE(map);
	struct team_mac *e;
	uint16_t vlan = 0;

	if (!(frame[0] & 1))
		return (MAP_RX_UC(map) & b) ? -1 : TEAM_DROP_BACKUP;
	if (!(MAP_RX_BC(map) & b))
		return (MAP_RX_UC(map) & b) ? TEAM_DROP_DUP_BCAST
					    : TEAM_DROP_BACKUP;
	if (mode != TEAM_MODE_BALANCE_PORT && mode != TEAM_MODE_BALANCE_MAC)
		return -1;
	/* Switch-independent modes: a broadcast we sent on one member comes
	 * back on another.  A MAC that sent through us moments ago is ours. */
	if (len >= 18 && pkt_get_be16(frame + 12) == ETHERTYPE_VLAN)
		vlan = pkt_get_be16(frame + 14) & 0xfff;
	e = team_macs_find(t, frame + 6, vlan);
	if (e &&
	    now - atomic_load_explicit(&e->seen, memory_order_relaxed) < 3000)
		return TEAM_DROP_LOOP;
	return -1;
}

/**
 * team_note_load() - count bytes sent for an origin port (balance-port)
 * @t: team
 * @port: switch port the frames came from
 * @bytes: bytes
 */
void team_note_load(struct team *t, uint16_t port, uint32_t bytes)
{
	atomic_fetch_add_explicit(&t->load[port % TEAM_MAX_PORTS], bytes,
				  memory_order_relaxed);
}
