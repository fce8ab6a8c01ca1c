// SPDX-License-Identifier: GPL-2.0-or-later
/* test_team_select.c - member selection per mode, failover and failback,
 * up/down delays, hash distribution, balance by port (re-pin, rebalance),
 * receive rules (backup, duplicates, loops), ARP probes and beacons, and
 * the announcement list */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "test_team.h"

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t vm1[6] = {0x52, 0x54, 0, 0, 0, 1};
static const uint8_t vm2[6] = {0x52, 0x54, 0, 0, 0, 2};
static const uint8_t vm3[6] = {0x52, 0x54, 0, 0, 0, 3};
static const uint8_t far[6] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};

static const char *last_reason(const struct team *t)
{
	return team_reason_text(t->hist[(t->n_hist - 1) % TEAM_HISTORY].reason);
}

static void test_active_backup_failback(void **state)
{
	struct team_config cfg;
	struct team *t;

	team_config_default(&cfg);
	snprintf(cfg.primary, sizeof(cfg.primary), "eth1");
	t = mk_team(TEAM_MODE_ACTIVE_BACKUP, 3, &cfg, 0);
	assert_int_equal(MAP_ACTIVE(team_map(t)), 1); /* the primary */
	team_member_carrier(t, 1, false, 10);
	assert_int_equal(MAP_ACTIVE(team_map(t)), 0);
	assert_string_equal(last_reason(t), "carrier down");
	assert_int_equal(t->failovers, 1);
	team_member_carrier(t, 1, true, 20);
	assert_int_equal(MAP_ACTIVE(team_map(t)), 1);
	assert_string_equal(last_reason(t), "failback to the primary");
	/* Graceful: the old member still takes unicast for a while. */
	assert_int_equal(MAP_RX_UC(team_map(t)), 3);
	assert_int_equal(MAP_RX_BC(team_map(t)), 2);
	team_run(t, 20 + TEAM_DRAIN_MS);
	assert_int_equal(MAP_RX_UC(team_map(t)), 2);
	/* Failback off: the team stays where it is. */
	cfg.failback = false;
	assert_int_equal(team_configure(t, &cfg, 3000), 0);
	team_member_carrier(t, 1, false, 3010);
	team_member_carrier(t, 1, true, 3020);
	assert_int_equal(MAP_ACTIVE(team_map(t)), 0);
	/* No member: nothing sent; the mode cannot change live. */
	for (unsigned i = 0; i < 3; i++)
		team_member_carrier(t, i, false, 3030);
	assert_false(team_carrying(t));
	cfg.mode = TEAM_MODE_STATIC;
	assert_int_equal(team_configure(t, &cfg, 3040), -EINVAL);
	team_destroy(t);
}

static void test_delays(void **state)
{
	struct team_config cfg;
	struct team *t;

	team_config_default(&cfg);
	cfg.updelay_ms = 500;
	cfg.downdelay_ms = 200;
	snprintf(cfg.primary, sizeof(cfg.primary), "eth0");
	t = mk_team(TEAM_MODE_ACTIVE_BACKUP, 2, &cfg, 0);
	team_member_carrier(t, 0, false, 1000);
	assert_int_equal(MAP_ACTIVE(team_map(t)), 0); /* down delay */
	assert_int_equal(team_run(t, 1100), 1200);
	team_run(t, 1200);
	assert_int_equal(MAP_ACTIVE(team_map(t)), 1);
	/* A blip shorter than the up delay is not used. */
	team_member_carrier(t, 0, true, 2000);
	team_run(t, 2400);
	team_member_carrier(t, 0, false, 2450);
	team_run(t, 2600);
	assert_int_equal(MAP_ACTIVE(team_map(t)), 1);
	team_member_carrier(t, 0, true, 3000);
	team_run(t, 3499);
	assert_int_equal(MAP_ACTIVE(team_map(t)), 1);
	team_run(t, 3500);
	assert_int_equal(MAP_ACTIVE(team_map(t)), 0); /* failback */
	team_destroy(t);
}

#define FLOWS 6000

/* Flow @f of a spread test: random IPv4 addresses and ports (@rnd). */
static void flow_frame(struct pkt *p, uint8_t *buf, enum team_hash h,
		       unsigned f, const uint8_t *rnd)
{
	uint8_t src[6] = {0x52, 0x54, 0, 0, (uint8_t)(f >> 8), (uint8_t)f};
	uint8_t pl[40] = {0x45, [9] = 6};

	memcpy(pl + 12, rnd, 12);
	mk_frame(p, buf, far, h == TEAM_HASH_L2 ? src : vm1, ETHERTYPE_IPV4, pl,
		 sizeof(pl), 1);
	if (h == TEAM_HASH_L34) /* same hosts, many connections */
		memset(buf + 14 + 12, 10, 8);
}

/* Where every flow leaves now; counts per member in @got. */
static void flows_place(struct team *t, enum team_hash h, uint8_t (*rnd)[12],
			int *where, unsigned *got)
{
	uint8_t buf[128];
	struct pkt p;

	memset(got, 0, TEAM_MAX_MEMBERS * sizeof(*got));
	for (unsigned f = 0; f < FLOWS; f++) {
		int m;

		flow_frame(&p, buf, h, f, rnd[f]);
		m = team_tx_member(t, team_map(t), &p, 0);
		/* A flow stays on its member. */
		assert_int_equal(team_tx_member(t, team_map(t), &p, 0), m);
		assert_in_range(m, 0, TEAM_MAX_MEMBERS - 1);
		assert_true(MAP_TX(team_map(t)) & 1u << m);
		where[f] = m;
		got[m]++;
	}
}

/* Frames with random IPv4 5-tuples; each member's share must be fair.  A
 * member that fails takes only its own flows along (spread over the
 * others), and they come back when it does; a member added takes flows
 * from every member and moves none between the others. */
static void spread(enum team_hash h, unsigned members)
{
	static uint8_t rnd[FLOWS][12];
	static int was[FLOWS], now[FLOWS];
	unsigned got[TEAM_MAX_MEMBERS], moved = 0, gone = members / 2;
	struct team_config cfg;
	struct team *t;

	team_config_default(&cfg);
	cfg.hash = h;
	t = mk_team(TEAM_MODE_STATIC, members, &cfg, 0);
	srand(7);
	for (unsigned f = 0; f < FLOWS; f++)
		for (int i = 0; i < 12; i++)
			rnd[f][i] = (uint8_t)rand();
	flows_place(t, h, rnd, was, got);
	for (unsigned i = 0; i < members; i++)
		assert_in_range(got[i], FLOWS / members * 85 / 100,
				FLOWS / members * 115 / 100);
	/* Member @gone fails: its flows, and only those, move. */
	team_member_carrier(t, gone, false, 10);
	flows_place(t, h, rnd, now, got);
	assert_int_equal(got[gone], 0);
	for (unsigned f = 0; f < FLOWS; f++) {
		if (was[f] != (int)gone)
			assert_int_equal(now[f], was[f]);
		else
			moved++;
	}
	/* ... spread over every survivor. */
	for (unsigned i = 0; i < members; i++)
		if (i != gone)
			assert_true(got[i] > FLOWS / members +
						 moved / (members - 1) / 2);
	/* It comes back: every flow is where it was. */
	team_member_carrier(t, gone, true, 20);
	flows_place(t, h, rnd, now, got);
	assert_memory_equal(now, was, sizeof(was));
	/* A member added takes about its share, from every member. */
	if (members < 4) {
		unsigned from[TEAM_MAX_MEMBERS] = {0};

		assert_int_equal(
		    team_member_add(t, "new", mac_m[members], 10000, true, 30),
		    (int)members);
		flows_place(t, h, rnd, now, got);
		moved = 0;
		for (unsigned f = 0; f < FLOWS; f++) {
			if (now[f] == was[f])
				continue;
			assert_int_equal(now[f], members);
			from[was[f]]++;
			moved++;
		}
		assert_in_range(moved, FLOWS / (members + 1) * 85 / 100,
				FLOWS / (members + 1) * 115 / 100);
		for (unsigned i = 0; i < members; i++)
			assert_true(from[i] > 0);
	}
	team_destroy(t);
}

static void test_hash_distribution(void **state)
{
	spread(TEAM_HASH_L2, 2);
	spread(TEAM_HASH_L23, 3);
	spread(TEAM_HASH_L34, 2);
	spread(TEAM_HASH_L34, 4);
}

static void test_hash_l2_ignores_ports(void **state)
{
	struct team_config cfg;
	struct team *t;
	uint8_t buf[128], pl[40] = {0x45, [9] = 6};
	struct pkt p;
	int first = -1;

	team_config_default(&cfg);
	cfg.hash = TEAM_HASH_L23;
	t = mk_team(TEAM_MODE_STATIC, 4, &cfg, 0);
	/* L23: the same two hosts always use one member. */
	for (unsigned port = 0; port < 500; port++) {
		int m;

		pkt_put_be16(pl + 20, (uint16_t)port);
		mk_frame(&p, buf, far, vm1, ETHERTYPE_IPV4, pl, sizeof(pl), 1);
		m = team_tx_member(t, team_map(t), &p, 0);
		if (first < 0)
			first = m;
		assert_int_equal(m, first);
	}
	team_destroy(t);
}

static void test_balance_port(void **state)
{
	struct team_config cfg;
	struct team *t;
	uint8_t buf[128], pl[40] = {0};
	int pin[8];
	struct pkt p;

	team_config_default(&cfg);
	cfg.rebalance_ms = 1000;
	t = mk_team(TEAM_MODE_BALANCE_PORT, 2, &cfg, 0);
	for (unsigned port = 0; port < 8; port++) {
		mk_frame(&p, buf, far, vm1, ETHERTYPE_IPV4, pl, sizeof(pl),
			 (uint16_t)port);
		pin[port] = team_tx_member(t, team_map(t), &p, 0);
		/* Pinned: every frame of a port leaves on one member. */
		assert_int_equal(team_tx_member(t, team_map(t), &p, 0),
				 pin[port]);
	}
	/* Member 0 fails: its ports move to member 1, the others stay. */
	team_member_carrier(t, 0, false, 10);
	for (unsigned port = 0; port < 8; port++) {
		mk_frame(&p, buf, far, vm1, ETHERTYPE_IPV4, pl, sizeof(pl),
			 (uint16_t)port);
		assert_int_equal(team_tx_member(t, team_map(t), &p, 0), 1);
	}
	team_member_carrier(t, 0, true, 20);
	/* Rebalance by load: two heavy ports end on different members. */
	for (unsigned port = 0; port < 8; port++)
		atomic_store(&t->pin[port], 2);
	team_note_load(t, 3, 1000000);
	team_note_load(t, 5, 900000);
	team_note_load(t, 6, 10);
	team_run(t, 1000);
	assert_int_not_equal(atomic_load(&t->pin[3]), atomic_load(&t->pin[5]));
	assert_string_equal(last_reason(t), "rebalanced by load");
	team_destroy(t);
}

static void test_balance_mac(void **state)
{
	struct team *t = mk_team(TEAM_MODE_BALANCE_MAC, 2, NULL, 0);
	uint8_t buf[128], pl[40] = {0};
	unsigned used = 0;
	struct pkt p;

	for (unsigned i = 0; i < 64; i++) {
		uint8_t src[6] = {0x52, 0x54, 0, 0, 1, (uint8_t)i};
		int m;

		mk_frame(&p, buf, far, src, ETHERTYPE_IPV4, pl, sizeof(pl), 1);
		m = team_tx_member(t, team_map(t), &p, 0);
		/* Source MAC only: the destination does not matter. */
		mk_frame(&p, buf, vm2, src, ETHERTYPE_IPV4, pl, sizeof(pl), 9);
		assert_int_equal(team_tx_member(t, team_map(t), &p, 0), m);
		used |= 1u << m;
	}
	assert_int_equal(used, 3);
	team_destroy(t);

	/* Three members, 60 MACs: member 1 fails; only its MACs move, so
	 * only they are announced (each once, on its new member). */
	t = mk_team(TEAM_MODE_BALANCE_MAC, 3, NULL, 0);
	{
		int where[60];
		unsigned on1 = 0;

		for (unsigned i = 0; i < 60; i++) {
			uint8_t src[6] = {0x52, 0x54, 0, 0, 2, (uint8_t)i};

			mk_frame(&p, buf, far, src, ETHERTYPE_IPV4, pl,
				 sizeof(pl), 1);
			where[i] = team_tx_member(t, team_map(t), &p, 0);
			team_note_tx(t, &p, 0, (unsigned)where[i], 100);
			on1 += where[i] == 1;
		}
		assert_true(on1 > 5);
		cap.n = 0;
		team_member_carrier(t, 1, false, 200);
		assert_int_equal(cap.n, on1);
		for (unsigned k = 0; k < cap.n; k++)
			assert_int_not_equal(cap.fr[k].member, 1);
		for (unsigned i = 0; i < 60; i++) {
			uint8_t src[6] = {0x52, 0x54, 0, 0, 2, (uint8_t)i};

			mk_frame(&p, buf, far, src, ETHERTYPE_IPV4, pl,
				 sizeof(pl), 1);
			if (where[i] != 1)
				assert_int_equal(
				    team_tx_member(t, team_map(t), &p, 0),
				    where[i]);
		}
	}
	team_destroy(t);
}

static void test_rx_rules(void **state)
{
	struct team *t = mk_team(TEAM_MODE_ACTIVE_BACKUP, 2, NULL, 0);
	uint8_t buf[128], pl[40] = {0};
	struct pkt p;

	mk_frame(&p, buf, vm1, far, ETHERTYPE_IPV4, pl, sizeof(pl), 0);
	assert_int_equal(team_rx_verdict(t, team_map(t), 0, buf, p.len, 0), -1);
	assert_int_equal(team_rx_verdict(t, team_map(t), 1, buf, p.len, 0),
			 TEAM_DROP_BACKUP);
	mk_frame(&p, buf, bcast, far, ETHERTYPE_ARP, pl, 28, 0);
	assert_int_equal(team_rx_verdict(t, team_map(t), 1, buf, p.len, 0),
			 TEAM_DROP_BACKUP);
	team_destroy(t);

	/* Switch-independent: broadcasts on one member only; our own
	 * broadcast coming back is a loop. */
	t = mk_team(TEAM_MODE_BALANCE_MAC, 2, NULL, 0);
	mk_frame(&p, buf, bcast, far, ETHERTYPE_ARP, pl, 28, 0);
	assert_int_equal(team_rx_verdict(t, team_map(t), 0, buf, p.len, 5), -1);
	assert_int_equal(team_rx_verdict(t, team_map(t), 1, buf, p.len, 5),
			 TEAM_DROP_DUP_BCAST);
	mk_frame(&p, buf, bcast, vm1, ETHERTYPE_ARP, pl, 28, 4);
	team_note_tx(t, &p, 0, 1, 5);
	assert_int_equal(team_rx_verdict(t, team_map(t), 0, buf, p.len, 6),
			 TEAM_DROP_LOOP);
	/* Long after it stopped sending, the MAC is someone else's. */
	assert_int_equal(team_rx_verdict(t, team_map(t), 0, buf, p.len, 60000),
			 -1);
	mk_frame(&p, buf, vm1, far, ETHERTYPE_IPV4, pl, sizeof(pl), 0);
	assert_int_equal(team_rx_verdict(t, team_map(t), 1, buf, p.len, 5), -1);
	team_destroy(t);

	/* A LAG is one link: broadcasts on every member. */
	t = mk_team(TEAM_MODE_STATIC, 2, NULL, 0);
	mk_frame(&p, buf, bcast, far, ETHERTYPE_ARP, pl, 28, 0);
	assert_int_equal(team_rx_verdict(t, team_map(t), 1, buf, p.len, 5), -1);
	team_destroy(t);
}

static void arp_reply(uint8_t *buf, const uint8_t dst[6], uint32_t sip)
{
	uint8_t pl[28] = {0, 1, 8, 0, 6, 4, 0, 2};
	uint32_t n = htonl(sip);
	struct pkt p;

	memcpy(pl + 8, far, 6);
	memcpy(pl + 14, &n, 4);
	mk_frame(&p, buf, dst, far, ETHERTYPE_ARP, pl, sizeof(pl), 0);
}

static void test_arp_probe(void **state)
{
	struct team_config cfg;
	struct team *t;
	uint8_t buf[64];
	uint64_t now;

	team_config_default(&cfg);
	cfg.probe = TEAM_PROBE_ARP;
	cfg.targets[0] = 0x0a000001;
	cfg.n_targets = 1;
	cfg.probe_interval_ms = 100;
	snprintf(cfg.primary, sizeof(cfg.primary), "eth0");
	t = mk_team(TEAM_MODE_ACTIVE_BACKUP, 2, &cfg, 0);
	/* Both members probe; only member 1 hears the target. */
	for (now = 0; now <= 1000; now += 100) {
		team_run(t, now);
		arp_reply(buf, mac_m[1], 0x0a000001);
		team_arp_rx(t, 1, buf, 42, now + 1);
		if (now < 200)
			assert_int_equal(MAP_ACTIVE(team_map(t)), 0);
	}
	assert_int_equal(MAP_ACTIVE(team_map(t)), 1);
	assert_string_equal(last_reason(t), "ARP probe replies lost");
	assert_true(cap_count(0, ETHERTYPE_ARP) >= 10);
	assert_false(t->m[0].path_ok);
	/* A reply from a stranger does not count. */
	arp_reply(buf, mac_m[0], 0x0a000099);
	team_arp_rx(t, 0, buf, 42, now);
	assert_false(t->m[0].path_ok);
	/* The target answers member 0 again: back at once (failback). */
	arp_reply(buf, mac_m[0], 0x0a000001);
	team_arp_rx(t, 0, buf, 42, now);
	assert_true(t->m[0].path_ok);
	assert_int_equal(MAP_ACTIVE(team_map(t)), 0);
	team_destroy(t);
}

/* Probing changed live: members judged path-down by the old probing are
 * fit again at once; without probing nothing else would ever say so. */
static void test_probe_reconfigured(void **state)
{
	struct team_config cfg;
	struct team *t;
	uint8_t buf[64];
	uint64_t now;

	team_config_default(&cfg);
	cfg.probe = TEAM_PROBE_ARP;
	cfg.targets[0] = 0x0a000001;
	cfg.n_targets = 1;
	t = mk_team(TEAM_MODE_ACTIVE_BACKUP, 2, &cfg, 0);
	/* The target dies: every member path-down, the team down. */
	for (now = 0; now <= 1000; now += 100)
		team_run(t, now);
	assert_false(t->m[0].path_ok || t->m[1].path_ok);
	assert_false(team_carrying(t));
	/* Probing off: carrier alone decides, and both have it. */
	cfg.probe = TEAM_PROBE_NONE;
	cfg.n_targets = 0;
	assert_int_equal(team_configure(t, &cfg, now), 0);
	assert_true(t->m[0].path_ok && t->m[1].path_ok);
	assert_true(team_carrying(t));
	assert_int_equal(MAP_ACTIVE(team_map(t)), 0);
	for (; now <= 3000; now += 100)
		team_run(t, now);
	assert_true(team_carrying(t));
	/* Another target: up until it has had its rounds to answer; member
	 * 1 hears it, member 0 does not. */
	cfg.probe = TEAM_PROBE_ARP;
	cfg.targets[0] = 0x0a000002;
	cfg.n_targets = 1;
	assert_int_equal(team_configure(t, &cfg, now), 0);
	assert_true(team_carrying(t));
	for (unsigned k = 0; k < 10; k++, now += 100) {
		team_run(t, now);
		arp_reply(buf, mac_m[1], 0x0a000002);
		team_arp_rx(t, 1, buf, 42, now + 1);
	}
	assert_false(t->m[0].path_ok);
	assert_true(t->m[1].path_ok);
	assert_int_equal(MAP_ACTIVE(team_map(t)), 1);
	/* A change elsewhere (the down delay) keeps the probing's verdict. */
	cfg.downdelay_ms = 50;
	assert_int_equal(team_configure(t, &cfg, now), 0);
	assert_false(t->m[0].path_ok);
	assert_int_equal(MAP_ACTIVE(team_map(t)), 1);
	team_destroy(t);
}

static void test_beacon(void **state)
{
	struct team_config cfg;
	struct team *t;
	uint64_t now;

	team_config_default(&cfg);
	cfg.probe = TEAM_PROBE_BEACON;
	t = mk_team(TEAM_MODE_ACTIVE_BACKUP, 3, &cfg, 0);
	/* Members 1 and 2 hear each other; member 0's path is cut. */
	for (now = 0; now <= 1000; now += 100) {
		cap.n = 0;
		team_run(t, now);
		for (unsigned i = 0; i < cap.n; i++) {
			unsigned from = cap.fr[i].member;

			assert_int_equal(pkt_get_be16(cap.fr[i].f + 12),
					 TEAM_BEACON_ETHERTYPE);
			for (unsigned to = 1; to < 3; to++)
				if (from != 0 && to != from)
					team_beacon_rx(t, to, cap.fr[i].f, 60,
						       now + 1);
		}
	}
	assert_false(t->m[0].path_ok);
	assert_true(t->m[1].path_ok && t->m[2].path_ok);
	assert_int_equal(MAP_ACTIVE(team_map(t)), 1);
	assert_string_equal(last_reason(t), "beacons lost");
	team_destroy(t);

	/* Nobody hears anybody: no member can be blamed. */
	t = mk_team(TEAM_MODE_ACTIVE_BACKUP, 3, &cfg, 0);
	for (now = 0; now <= 1000; now += 100)
		team_run(t, now);
	assert_true(t->m[0].path_ok);
	assert_int_equal(MAP_ACTIVE(team_map(t)), 0);
	team_destroy(t);
}

/* The announcement list: every MAC behind the team, once, on its new
 * member; gratuitous ARP with the address it used, RARP without one. */
static void test_announcements(void **state)
{
	struct team *t = mk_team(TEAM_MODE_ACTIVE_BACKUP, 2, NULL, 0);
	uint8_t buf[128], arp[28] = {0, 1, 8, 0, 6, 4, 0, 1}, ip[40] = {0x45};
	unsigned garp = 0, rarp = 0;
	struct pkt p;

	memcpy(arp + 8, vm1, 6);
	memcpy(arp + 14, "\x0a\x00\x00\x0b", 4);
	mk_frame(&p, buf, bcast, vm1, ETHERTYPE_ARP, arp, sizeof(arp), 3);
	team_note_tx(t, &p, 0, 0, 100);
	memcpy(arp + 8, vm2, 6);
	memcpy(arp + 14, "\x0a\x00\x00\x0c", 4);
	mk_frame(&p, buf, bcast, vm2, ETHERTYPE_ARP, arp, sizeof(arp), 4);
	team_note_tx(t, &p, 0x0064, 0, 100); /* VLAN 100 */
	memcpy(arp + 8, vm1, 6);
	memcpy(arp + 14, "\x0a\x00\x00\x0b", 4);
	mk_frame(&p, buf, far, vm3, 0x86dd, ip, sizeof(ip), 5);
	team_note_tx(t, &p, 0, 0, 100);
	assert_int_equal(team_macs_count(t, 100), 3);
	cap.n = 0;
	team_member_carrier(t, 0, false, 200);
	assert_int_equal(cap.n, 3);
	for (unsigned i = 0; i < cap.n; i++) {
		const uint8_t *f = cap.fr[i].f;

		assert_int_equal(cap.fr[i].member, 1);
		assert_memory_equal(f, bcast, 6);
		if (pkt_get_be16(f + 12) == 0x8035) {
			rarp++;
			assert_memory_equal(f + 6, vm3, 6);
			assert_int_equal(pkt_get_be16(f + 20), 3);
			continue;
		}
		garp++;
		assert_int_equal(pkt_get_be16(f + 12), ETHERTYPE_ARP);
		assert_memory_equal(f + 28, f + 38, 4); /* sender = target */
		if (!memcmp(f + 6, vm1, 6))
			assert_memory_equal(f + 28, "\x0a\x00\x00\x0b", 4);
		else
			assert_int_equal(cap.fr[i].tci, 0x0064);
	}
	assert_int_equal(garp, 2);
	assert_int_equal(rarp, 1);
	assert_int_equal(t->m[1].announced, 3);
	/* Nothing moved, nothing announced; a LAG never announces. */
	cap.n = 0;
	team_member_carrier(t, 0, true, 300);
	team_member_carrier(t, 0, false, 400);
	team_destroy(t);
	t = mk_team(TEAM_MODE_STATIC, 2, NULL, 0);
	mk_frame(&p, buf, bcast, vm1, ETHERTYPE_ARP, arp, sizeof(arp), 3);
	team_note_tx(t, &p, 0, 0, 100);
	cap.n = 0;
	team_member_carrier(t, 0, false, 200);
	assert_int_equal(cap.n, 0);
	team_destroy(t);
}

/* Only addresses a VM proves are its own are announced: not the source of
 * an IPv4 packet it routes or spoofs, not an ARP whose sender MAC is not
 * the frame's, not an ARP reply for another address (proxy ARP). */
static void test_announce_owned_only(void **state)
{
	struct team *t = mk_team(TEAM_MODE_ACTIVE_BACKUP, 2, NULL, 0);
	uint8_t buf[128], ip[40] = {0x45};
	uint8_t arp[28] = {0, 1, 8, 0, 6, 4, 0, 2};
	struct pkt p;

	/* vm1 routes a packet from 10.0.0.99 (another host's). */
	memcpy(ip + 12, "\x0a\x00\x00\x63", 4);
	mk_frame(&p, buf, far, vm1, ETHERTYPE_IPV4, ip, sizeof(ip), 3);
	team_note_tx(t, &p, 0, 0, 100);
	/* vm2 answers ARP for 10.0.0.98 on behalf of someone (proxy ARP). */
	memcpy(arp + 8, vm2, 6);
	memcpy(arp + 14, "\x0a\x00\x00\x62", 4);
	memcpy(arp + 24, "\x0a\x00\x00\x01", 4);
	mk_frame(&p, buf, far, vm2, ETHERTYPE_ARP, arp, sizeof(arp), 4);
	team_note_tx(t, &p, 0, 0, 100);
	/* vm3 sends an ARP request naming another MAC as its sender. */
	arp[7] = 1;
	memcpy(arp + 8, vm1, 6);
	memcpy(arp + 14, "\x0a\x00\x00\x61", 4);
	mk_frame(&p, buf, bcast, vm3, ETHERTYPE_ARP, arp, sizeof(arp), 5);
	team_note_tx(t, &p, 0, 0, 100);
	cap.n = 0;
	team_member_carrier(t, 0, false, 200);
	assert_int_equal(cap.n, 3);
	for (unsigned i = 0; i < cap.n; i++)
		assert_int_equal(pkt_get_be16(cap.fr[i].f + 12), 0x8035);
	team_destroy(t);
}

/* A MAC holding a DHCP lease is announced with the leased address, even
 * when it never sent an ARP. */
static void test_announce_lease(void **state)
{
	struct team *t = mk_team(TEAM_MODE_ACTIVE_BACKUP, 2, NULL, 0);
	struct team_lease l[2] = {{{0x52, 0x54, 0, 0, 0, 9}, 0x0a000009}};
	uint8_t buf[128], ip[40] = {0x45};
	struct pkt p;

	memcpy(l[1].mac, vm1, 6);
	l[1].ip = 0x0a000007;
	team_leases_set(t, l, 2);
	memcpy(ip + 12, "\x0a\x00\x00\x63", 4);
	mk_frame(&p, buf, far, vm1, ETHERTYPE_IPV4, ip, sizeof(ip), 3);
	team_note_tx(t, &p, 0, 0, 100);
	cap.n = 0;
	team_member_carrier(t, 0, false, 200);
	assert_int_equal(cap.n, 1);
	assert_int_equal(pkt_get_be16(cap.fr[0].f + 12), ETHERTYPE_ARP);
	assert_memory_equal(cap.fr[0].f + 28, "\x0a\x00\x00\x07", 4);
	assert_memory_equal(cap.fr[0].f + 38, "\x0a\x00\x00\x07", 4);
	team_destroy(t);
}

/* Two MACs that hash to the same slot; the first goes stale; the second,
 * sending again, keeps its own slot instead of taking the stale one too. */
static void test_macs_one_slot(void **state)
{
	struct team *t = mk_team(TEAM_MODE_ACTIVE_BACKUP, 2, NULL, 0);
	uint8_t a[6] = {0x52, 0x54, 0, 0, 0, 0}, b[6], buf[128], pl[46] = {0};
	uint64_t ka, kb;
	unsigned same = 0;
	struct pkt p;

	ka = 1ULL << 63 | mac_u64(a);
	memcpy(b, a, 6);
	for (unsigned i = 1; i < 1u << 20; i++) {
		b[3] = (uint8_t)(i >> 16);
		b[4] = (uint8_t)(i >> 8);
		b[5] = (uint8_t)i;
		kb = 1ULL << 63 | mac_u64(b);
		if ((mix32(ka) & (TEAM_MAC_SLOTS - 1)) ==
		    (mix32(kb) & (TEAM_MAC_SLOTS - 1)))
			break;
	}
	assert_int_equal(mix32(ka) & (TEAM_MAC_SLOTS - 1),
			 mix32(kb) & (TEAM_MAC_SLOTS - 1));
	mk_frame(&p, buf, far, a, ETHERTYPE_IPV4, pl, sizeof(pl), 3);
	team_note_tx(t, &p, 0, 0, 100);
	mk_frame(&p, buf, far, b, ETHERTYPE_IPV4, pl, sizeof(pl), 4);
	team_note_tx(t, &p, 0, 0, 100);
	team_note_tx(t, &p, 0, 0, 100 + TEAM_MAC_AGE + 1000);
	for (unsigned s = 0; s < TEAM_MAC_SLOTS; s++)
		same += atomic_load(&t->macs[s].key) == kb;
	assert_int_equal(same, 1);
	assert_non_null(team_macs_find(t, b, 0));
	assert_int_equal(team_macs_count(t, 100 + TEAM_MAC_AGE + 1000), 1);
	team_destroy(t);
}

/* IPv6: an address a VM proves its own in a neighbour solicitation is
 * announced by an unsolicited neighbour advertisement (override set,
 * checksum right) beside the RARP-less announcement; a proxy advertisement
 * for another address and a DAD probe are not learned. */
static void test_announce_ipv6(void **state)
{
	static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 5};
	static const uint8_t o6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 6};
	struct team *t = mk_team(TEAM_MODE_ACTIVE_BACKUP, 2, NULL, 0);
	uint8_t buf[160], pl[72] = {0x60}, pseudo[40] = {0};
	unsigned na = 0;
	struct pkt p;
	uint32_t sum;

	/* NS from vm1 (2001:db8::5) with its source link-layer option. */
	pl[6] = 58;
	pl[7] = 255;
	memcpy(pl + 8, a6, 16);
	pl[24] = 0xff;
	pl[25] = 0x02;
	pl[40] = 135;
	memcpy(pl + 48, o6, 16);
	pl[64] = 1;
	pl[65] = 1;
	memcpy(pl + 66, vm1, 6);
	mk_frame(&p, buf, far, vm1, ETHERTYPE_IPV6, pl, sizeof(pl), 3);
	team_note_tx(t, &p, 0, 0, 100);
	/* vm2: a proxy NA (target 2001:db8::6, source 2001:db8::5). */
	pl[40] = 136;
	pl[64] = 2;
	memcpy(pl + 66, vm2, 6);
	mk_frame(&p, buf, far, vm2, ETHERTYPE_IPV6, pl, sizeof(pl), 4);
	team_note_tx(t, &p, 0, 0, 100);
	/* vm3: a DAD probe (source ::). */
	pl[40] = 135;
	pl[64] = 1;
	memset(pl + 8, 0, 16);
	memcpy(pl + 66, vm3, 6);
	mk_frame(&p, buf, far, vm3, ETHERTYPE_IPV6, pl, sizeof(pl), 5);
	team_note_tx(t, &p, 0, 0, 100);
	cap.n = 0;
	team_member_carrier(t, 0, false, 200);
	assert_int_equal(cap.n, 3);
	for (unsigned i = 0; i < cap.n; i++) {
		const uint8_t *f = cap.fr[i].f;

		if (pkt_get_be16(f + 12) == 0x8035) {
			assert_memory_not_equal(f + 6, vm1, 6);
			continue;
		}
		na++;
		assert_int_equal(cap.fr[i].len, 86);
		assert_memory_equal(f, "\x33\x33\x00\x00\x00\x01", 6);
		assert_memory_equal(f + 6, vm1, 6);
		assert_int_equal(pkt_get_be16(f + 12), ETHERTYPE_IPV6);
		assert_int_equal(f[20], 58);
		assert_int_equal(f[21], 255);
		assert_memory_equal(f + 22, a6, 16);
		assert_int_equal(f[54], 136);
		assert_int_equal(f[58], 0x20);
		assert_memory_equal(f + 62, a6, 16);
		assert_int_equal(f[78], 2);
		assert_memory_equal(f + 80, vm1, 6);
		memcpy(pseudo, f + 22, 32);
		pseudo[35] = 32;
		pseudo[39] = 58;
		sum = csum_partial(pseudo, 40, 0);
		assert_int_equal(csum_fold(csum_partial(f + 54, 32, sum)), 0);
	}
	assert_int_equal(na, 1);
	team_destroy(t);
}

static void test_members(void **state)
{
	struct team *t = mk_team(TEAM_MODE_ACTIVE_BACKUP, 2, NULL, 0);
	json_t *o = json_object();

	assert_int_equal(team_member_add(t, "eth0", mac_m[0], 0, true, 0),
			 -EEXIST);
	for (unsigned i = 2; i < TEAM_MAX_MEMBERS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "x%u", i);
		assert_int_equal(
		    team_member_add(t, name, mac_m[0], 0, false, 0), (int)i);
	}
	assert_int_equal(team_member_add(t, "full", mac_m[0], 0, true, 0),
			 -ENOSPC);
	assert_int_equal(team_member_del(t, "eth0", 10), 0);
	assert_int_equal(team_member_del(t, "eth0", 10), -ENOENT);
	assert_int_equal(MAP_ACTIVE(team_map(t)), 1);
	assert_string_equal(last_reason(t), "member removed");
	team_status(t, o, 20, 0);
	assert_int_equal(json_array_size(json_object_get(o, "member_list")),
			 TEAM_MAX_MEMBERS - 1);
	assert_true(json_array_size(json_object_get(o, "history")) > 0);
	json_decref(o);
	team_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_active_backup_failback),
	    cmocka_unit_test(test_delays),
	    cmocka_unit_test(test_hash_distribution),
	    cmocka_unit_test(test_hash_l2_ignores_ports),
	    cmocka_unit_test(test_balance_port),
	    cmocka_unit_test(test_balance_mac),
	    cmocka_unit_test(test_rx_rules),
	    cmocka_unit_test(test_arp_probe),
	    cmocka_unit_test(test_probe_reconfigured),
	    cmocka_unit_test(test_beacon),
	    cmocka_unit_test(test_announcements),
	    cmocka_unit_test(test_announce_owned_only),
	    cmocka_unit_test(test_announce_lease),
	    cmocka_unit_test(test_macs_one_slot),
	    cmocka_unit_test(test_announce_ipv6),
	    cmocka_unit_test(test_members),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
