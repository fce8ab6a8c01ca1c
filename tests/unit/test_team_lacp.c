// SPDX-License-Identifier: GPL-2.0-or-later
/* test_team_lacp.c - LACPDU parsing (recorded Open vSwitch PDUs, malformed
 * ones) and the IEEE 802.1AX machines: negotiation, timeout within 3 s at
 * the fast rate, fallback, compatible members only, a flapping partner
 * damped, churn, the transmit rate limit */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "test_team.h"

/* Recorded from Open vSwitch 3.1 (bond_mode=balance-tcp lacp=active
 * lacp-time=fast) on a veth: first with no partner yet (expired), then
 * negotiated with a vnet team.  The negotiated one's partner system
 * (offset 0x28) is replaced by the test team's before use. */
static const uint8_t ovs_expired[124] = {
    0x01, 0x80, 0xc2, 0x00, 0x00, 0x02, 0xee, 0xd2, 0x54, 0x12, 0xb7, 0x3d,
    0x88, 0x09, 0x01, 0x01, 0x01, 0x14, 0xff, 0xfe, 0x72, 0xba, 0xc4, 0x16,
    0xd5, 0x4a, 0x00, 0x01, 0xff, 0xff, 0x00, 0x02, 0x77, 0x00, 0x00, 0x00,
    0x02, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x10,
};
static const uint8_t ovs_negotiated[124] = {
    0x01, 0x80, 0xc2, 0x00, 0x00, 0x02, 0xee, 0xd2, 0x54, 0x12, 0xb7, 0x3d,
    0x88, 0x09, 0x01, 0x01, 0x01, 0x14, 0xff, 0xfe, 0x72, 0xba, 0xc4, 0x16,
    0xd5, 0x4a, 0x00, 0x01, 0xff, 0xff, 0x00, 0x02, 0x3f, 0x00, 0x00, 0x00,
    0x02, 0x14, 0xff, 0xff, 0xb6, 0x2b, 0x97, 0x21, 0xe6, 0x48, 0x00, 0x0b,
    0x00, 0xff, 0x00, 0x01, 0x3f, 0x00, 0x00, 0x00, 0x03, 0x10,
};

static void test_parse_recorded(void **state)
{
	struct lacp_pdu pdu;
	uint8_t buf[TEAM_LACPDU_LEN];

	assert_int_equal(lacp_pdu_parse(ovs_expired, 124, &pdu), 0);
	assert_int_equal(pdu.version, 1);
	assert_int_equal(pdu.actor.sys_prio, 65534);
	assert_int_equal(pdu.actor.key, 1);
	assert_int_equal(pdu.actor.port, 2);
	assert_int_equal(pdu.actor.port_prio, 65535);
	assert_int_equal(pdu.actor.state, 0x77);
	assert_true(pdu.actor.state & LACP_ST_DEFAULTED);
	assert_int_equal(pdu.partner.state, 0);
	assert_int_equal(lacp_pdu_parse(ovs_negotiated, 124, &pdu), 0);
	assert_int_equal(pdu.partner.key, 11);
	assert_int_equal(pdu.partner.state, 0x3f);
	/* Build what was parsed: the same bytes past the source MAC. */
	assert_int_equal(
	    lacp_pdu_build(buf, sizeof(buf), ovs_negotiated + 6, &pdu),
	    TEAM_LACPDU_LEN);
	assert_memory_equal(buf, ovs_negotiated, TEAM_LACPDU_LEN);
	assert_int_equal(lacp_pdu_build(buf, 100, ovs_negotiated + 6, &pdu), 0);
}

static void test_parse_malformed(void **state)
{
	static const struct {
		size_t off;
		uint8_t val;
		int want;
	} edits[] = {
	    {12, 0x08, -EINVAL},  /* not slow protocols */
	    {14, 0x02, -ENOTSUP}, /* marker */
	    {14, 0x0a, -ENOTSUP}, /* OAM */
	    {15, 0x00, -EINVAL},  /* version 0 */
	    {16, 0x02, -EINVAL},  /* actor TLV type */
	    {17, 0x13, -EINVAL},  /* actor TLV length */
	    {36, 0x01, -EINVAL},  /* partner TLV type */
	    {37, 0x15, -EINVAL},  /* partner TLV length */
	    {56, 0x04, -EINVAL},  /* collector TLV type */
	    {57, 0x00, -EINVAL},  /* collector TLV length */
	    {72, 0x01, -EINVAL},  /* terminator */
	    {73, 0x10, -EINVAL},  /* terminator length */
	};
	struct team *t = mk_team(TEAM_MODE_LACP, 1, NULL, 0);
	struct lacp_pdu pdu;
	uint8_t f[124];

	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		memcpy(f, ovs_expired, sizeof(f));
		f[edits[i].off] = edits[i].val;
		assert_int_equal(lacp_pdu_parse(f, sizeof(f), &pdu),
				 edits[i].want);
	}
	/* Every truncation short of the terminator is refused. */
	for (size_t len = 0; len < 74; len++)
		assert_int_not_equal(lacp_pdu_parse(ovs_expired, len, &pdu), 0);
	assert_int_equal(lacp_pdu_parse(ovs_expired, 74, &pdu), 0);
	/* Counted, and the member stays as it was. */
	memcpy(f, ovs_expired, sizeof(f));
	f[17] = 0xff;
	assert_int_equal(team_slow_rx(t, 0, f, sizeof(f), 10), -EINVAL);
	assert_int_equal(t->m[0].lacp.malformed, 1);
	assert_int_equal(t->m[0].lacp.rx, LACP_RX_EXPIRED);
	team_destroy(t);
}

/* The PDU a partner in sync sends back to member @i of @t. */
static void partner_pdu(struct team *t, unsigned i, uint8_t *f, uint8_t state,
			uint16_t key, uint8_t sys_last)
{
	struct lacp_pdu pdu = {.version = 1};
	const uint8_t psys[6] = {0x72, 0xba, 0xc4, 0x16, 0xd5, sys_last};

	pdu.actor.sys_prio = 65534;
	memcpy(pdu.actor.sys, psys, 6);
	pdu.actor.key = key;
	pdu.actor.port_prio = 65535;
	pdu.actor.port = (uint16_t)(10 + i);
	pdu.actor.state = state;
	pdu.partner = t->m[i].lacp.actor;
	lacp_pdu_build(f, TEAM_LACPDU_LEN, psys, &pdu);
}

#define ST_UP                                                       \
	(LACP_ST_ACTIVITY | LACP_ST_TIMEOUT | LACP_ST_AGGREGATION | \
	 LACP_ST_SYNC | LACP_ST_COLLECTING | LACP_ST_DISTRIBUTING)

/* Members 0..@n-1 hear one partner in sync. */
static void partners_up(struct team *t, unsigned n, uint64_t now)
{
	uint8_t f[124];

	for (unsigned i = 0; i < n; i++) {
		partner_pdu(t, i, f, ST_UP, 1, 0x4a);
		team_slow_rx(t, i, f, sizeof(f), now);
	}
}

static struct team *lacp_team(unsigned n, bool fallback, uint64_t now)
{
	struct team_config cfg;

	team_config_default(&cfg);
	cfg.lacp_fast = true;
	cfg.lacp_fallback = fallback;
	return mk_team(TEAM_MODE_LACP, n, &cfg, now);
}

static void test_negotiate_recorded(void **state)
{
	struct team *t = lacp_team(2, false, 1000);
	struct lacp_pdu mine;
	uint8_t f[124];

	team_run(t, 1000);
	/* Both members speak at once, fast, asking for fast. */
	assert_int_equal(cap_count(0, TEAM_LACP_ETHERTYPE), 1);
	assert_int_equal(cap_count(1, TEAM_LACP_ETHERTYPE), 1);
	assert_int_equal(lacp_pdu_parse(cap.fr[0].f, cap.fr[0].len, &mine), 0);
	assert_true(mine.actor.state & LACP_ST_TIMEOUT);
	assert_true(mine.actor.state & LACP_ST_ACTIVITY);
	assert_memory_equal(mine.actor.sys, mac_m[0], 6);
	assert_false(team_carrying(t));
	/* The recorded negotiated PDU, addressed to this team. */
	memcpy(f, ovs_negotiated, sizeof(f));
	memcpy(f + 0x28, t->sys_mac, 6);
	assert_int_equal(team_slow_rx(t, 0, f, sizeof(f), 1010), 0);
	assert_int_equal(t->m[0].lacp.rx, LACP_RX_CURRENT);
	assert_int_equal(t->m[0].lacp.mux, LACP_MUX_COLL_DIST);
	assert_int_equal(lacp_distributing(t), 1);
	assert_true(team_carrying(t));
	assert_int_equal(MAP_TX(team_map(t)), 1);
	/* Our answer says we are in sync and distributing. */
	assert_int_equal(
	    lacp_pdu_parse(cap.fr[cap.n - 1].f, cap.fr[cap.n - 1].len, &mine),
	    0);
	assert_int_equal(mine.actor.state & ST_UP, ST_UP);
	assert_int_equal(mine.partner.key, 1);
	partner_pdu(t, 1, f, ST_UP, 1, 0x4a);
	assert_int_equal(team_slow_rx(t, 1, f, sizeof(f), 1020), 0);
	assert_int_equal(MAP_TX(team_map(t)), 3);
	team_destroy(t);
}

static void test_timeout_fast(void **state)
{
	struct team *t = lacp_team(2, false, 0);
	uint8_t f[124];
	uint64_t now = 100;

	team_run(t, 0);
	partners_up(t, 2, now);
	assert_int_equal(lacp_distributing(t), 3);
	/* The partner keeps talking on member 1 only. */
	for (now = 100; now <= 5100; now += 100) {
		if (now % 1000 == 0) {
			partner_pdu(t, 1, f, ST_UP, 1, 0x4a);
			team_slow_rx(t, 1, f, sizeof(f), now);
		}
		team_run(t, now);
		if (now < 3100)
			assert_int_equal(lacp_distributing(t), 3);
	}
	/* Detected at 3 s (short timeout): member 0 out. */
	assert_int_equal(lacp_distributing(t), 2);
	assert_int_equal(MAP_TX(team_map(t)), 2);
	assert_int_not_equal(t->m[0].lacp.rx, LACP_RX_CURRENT);
	assert_string_equal(t->hist[(t->n_hist - 1) % TEAM_HISTORY].from,
			    "eth0");
	team_destroy(t);
}

static void test_fallback(void **state)
{
	struct team *t = lacp_team(2, true, 0);
	uint8_t f[124];
	uint64_t now;

	for (now = 0; now < 3000; now += 100) {
		team_run(t, now);
		assert_false(team_carrying(t));
	}
	/* Expired for a short timeout, then defaulted: active-backup. */
	for (; now <= 6100; now += 100)
		team_run(t, now);
	assert_true(t->fallback);
	assert_int_equal(MAP_ACTIVE(team_map(t)), 0);
	assert_int_equal(MAP_TX(team_map(t)), 1);
	/* Fallback follows carrier like active-backup. */
	team_member_carrier(t, 0, false, now);
	assert_int_equal(MAP_ACTIVE(team_map(t)), 1);
	team_member_carrier(t, 0, true, now);
	/* A partner answers: LACP takes over again. */
	partner_pdu(t, 1, f, ST_UP, 1, 0x4a);
	team_slow_rx(t, 1, f, sizeof(f), now);
	assert_false(t->fallback);
	assert_int_equal(MAP_ACTIVE(team_map(t)), -1);
	assert_int_equal(MAP_TX(team_map(t)), 2);
	team_destroy(t);
}

/* Members 0 and 1 cabled to each other (each hears the other's LACPDUs,
 * the team's own), member 2 to a switch that does not speak LACP.  The
 * fallback carries on member 2 only, never over the loop, also when the
 * looped members send every 30 s only (defaulted) and when member 2's
 * link goes; once the loop is gone for LACP_LOOP_MS they serve again. */
static void test_fallback_not_into_loop(void **state)
{
	struct team *t = lacp_team(3, true, 1000);
	uint64_t now, loop_end = 70000;

	for (now = 1000; now <= loop_end + LACP_LOOP_MS + 1000; now += 100) {
		unsigned n = cap.n;

		if (now == 40000)
			team_member_carrier(t, 2, false, now);
		team_run(t, now);
		for (unsigned i = n; i < cap.n && now < loop_end; i++)
			if (cap.fr[i].member < 2 &&
			    pkt_get_be16(cap.fr[i].f + 12) ==
				TEAM_LACP_ETHERTYPE)
				assert_int_equal(
				    team_slow_rx(t, !cap.fr[i].member,
						 cap.fr[i].f, cap.fr[i].len,
						 now),
				    -ELOOP);
		if (cap.n > CAP_MAX / 2)
			cap.n = 0;
		if (now >= 7100 && now < 40000) {
			assert_true(t->fallback);
			assert_int_equal(MAP_TX(team_map(t)), 4);
		}
		if (now >= 40000 && now < loop_end + LACP_LOOP_MS - 30000)
			assert_int_equal(MAP_TX(team_map(t)), 0);
	}
	assert_true(t->m[0].lacp.loopback >= 3);
	assert_true(t->m[1].lacp.loopback >= 3);
	assert_true(t->fallback);
	assert_int_not_equal(MAP_TX(team_map(t)), 0);
	team_destroy(t);
}

/* In fallback, a member whose link comes up, or a member added, waits
 * EXPIRED for a partner for a short timeout; the fallback goes on carrying
 * on the member it was using all along, every 100 ms of it, and ends only
 * when a partner speaks. */
static void test_fallback_member_joins(void **state)
{
	struct team *t = lacp_team(2, true, 0);
	uint8_t f[124];
	uint64_t now;
	int j;

	team_member_carrier(t, 1, false, 0);
	for (now = 0; now <= 3500; now += 100)
		team_run(t, now);
	assert_true(t->fallback);
	assert_int_equal(MAP_TX(team_map(t)), 1);
	/* eth1's carrier comes up at 4 s, eth2 is added at 5 s. */
	for (; now <= 12000; now += 100) {
		if (now == 4000)
			team_member_carrier(t, 1, true, now);
		if (now == 5000) {
			j = team_member_add(t, "eth2", mac_m[2], 10000, true,
					    now);
			assert_int_equal(j, 2);
		}
		team_run(t, now);
		assert_true(t->fallback);
		assert_int_equal(MAP_ACTIVE(team_map(t)), 0);
		assert_int_equal(MAP_TX(team_map(t)), 1);
		if (now == 4500)
			assert_int_equal(t->m[1].lacp.rx, LACP_RX_EXPIRED);
	}
	assert_int_equal(t->m[1].lacp.rx, LACP_RX_DEFAULTED);
	assert_int_equal(t->m[2].lacp.rx, LACP_RX_DEFAULTED);
	/* All links down and one back: still no partner, still fallback. */
	for (unsigned i = 0; i < 3; i++)
		team_member_carrier(t, i, false, now);
	assert_false(team_carrying(t));
	team_member_carrier(t, 2, true, now + 100);
	team_run(t, now + 100);
	assert_true(t->fallback);
	assert_int_equal(MAP_TX(team_map(t)), 4);
	team_member_carrier(t, 0, true, now + 200);
	/* A partner answers on eth0: LACP carries. */
	partner_pdu(t, 0, f, ST_UP, 1, 0x4a);
	team_slow_rx(t, 0, f, sizeof(f), now + 300);
	assert_false(t->fallback);
	assert_int_equal(MAP_ACTIVE(team_map(t)), -1);
	assert_int_equal(MAP_TX(team_map(t)), 1);
	team_destroy(t);
}

/* Two members cabled to each other: each hears the other's LACPDUs, which
 * carry the team's own system ID.  Neither may take the team as its
 * partner and aggregate; the PDUs are dropped and counted. */
static void test_loopback(void **state)
{
	struct team *t = lacp_team(2, false, 1000);
	unsigned got = 0;
	uint64_t now;
	json_t *o;

	for (now = 1000; now <= 6000; now += 100) {
		unsigned n0 = cap.n;

		team_run(t, now);
		/* Whatever a member sent arrives on the other one. */
		for (unsigned k = n0; k < cap.n && k < CAP_MAX; k++) {
			struct cap_frame fr = cap.fr[k];

			if (pkt_get_be16(fr.f + 12) != TEAM_LACP_ETHERTYPE)
				continue;
			assert_int_equal(
			    team_slow_rx(t, !fr.member, fr.f, fr.len, now + 1),
			    -ELOOP);
			got++;
		}
		if (cap.n > CAP_MAX / 2)
			cap.n = 0;
		for (unsigned i = 0; i < 2; i++) {
			assert_int_not_equal(t->m[i].lacp.rx, LACP_RX_CURRENT);
			assert_int_equal(t->m[i].lacp.mux, LACP_MUX_DETACHED);
			assert_memory_not_equal(t->m[i].lacp.partner.sys,
						t->sys_mac, 6);
		}
		assert_int_equal(lacp_distributing(t), 0);
		assert_false(team_carrying(t));
	}
	assert_true(got >= 4); /* each member, while EXPIRED: fast */
	assert_int_equal(t->m[0].lacp.loopback + t->m[1].lacp.loopback, got);
	assert_int_equal(t->m[0].lacp.rx_pdus + t->m[1].lacp.rx_pdus, 0);
	o = json_object();
	lacp_status(t, 0, o, now, 0);
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(o, "lacp"), "loopback")),
			 t->m[0].lacp.loopback);
	json_decref(o);
	/* A real partner on one of them is still heard. */
	partners_up(t, 1, now);
	assert_int_equal(lacp_distributing(t), 1);
	team_destroy(t);
}

static void test_compatible_only(void **state)
{
	struct team *t = lacp_team(3, false, 0);
	uint8_t f[124];

	team_run(t, 0);
	/* Members 0 and 2 reach one partner system, member 1 another. */
	partner_pdu(t, 0, f, ST_UP, 1, 0x4a);
	team_slow_rx(t, 0, f, sizeof(f), 10);
	partner_pdu(t, 1, f, ST_UP, 1, 0x99);
	team_slow_rx(t, 1, f, sizeof(f), 10);
	partner_pdu(t, 2, f, ST_UP, 1, 0x4a);
	team_slow_rx(t, 2, f, sizeof(f), 10);
	assert_int_equal(lacp_distributing(t), 5);
	assert_false(t->m[1].lacp.selected);
	/* A partner that does not allow aggregation stays out too. */
	partner_pdu(t, 2, f, ST_UP & ~LACP_ST_AGGREGATION, 1, 0x4a);
	team_slow_rx(t, 2, f, sizeof(f), 20);
	assert_int_equal(lacp_distributing(t), 1);
	team_destroy(t);
	/* Members of different speeds have different keys. */
	t = lacp_team(2, false, 0);
	t->m[1].speed = 1000;
	team_member_carrier(t, 1, false, 0);
	team_member_carrier(t, 1, true, 0);
	team_run(t, 0);
	assert_int_not_equal(t->m[0].lacp.actor.key, t->m[1].lacp.actor.key);
	partners_up(t, 2, 10);
	assert_int_equal(__builtin_popcount(lacp_distributing(t)), 1);
	team_destroy(t);
}

/* Two partner systems with as many members each: the aggregate carrying
 * traffic stays (the lowest member index used to win the tie, taking the
 * traffic to the newcomer's partner); a majority still wins. */
static void test_selection_tie_keeps(void **state)
{
	struct team *t = lacp_team(3, false, 1000);
	uint8_t f[124];
	uint64_t now = 1000;

	team_run(t, now);
	partner_pdu(t, 1, f, ST_UP, 1, 0x4a);
	team_slow_rx(t, 1, f, sizeof(f), now);
	assert_int_equal(lacp_distributing(t), 2);
	/* Member 0 reaches another switch: one member each. */
	for (; now <= 5000; now += 500) {
		partner_pdu(t, 0, f, ST_UP, 1, 0x99);
		team_slow_rx(t, 0, f, sizeof(f), now);
		partner_pdu(t, 1, f, ST_UP, 1, 0x4a);
		team_slow_rx(t, 1, f, sizeof(f), now);
		team_run(t, now);
		assert_int_equal(lacp_distributing(t), 2);
		assert_int_equal(MAP_TX(team_map(t)), 2);
		assert_false(t->m[0].lacp.selected);
	}
	/* Member 2 joins member 0's switch: two against one, it moves. */
	partner_pdu(t, 2, f, ST_UP, 1, 0x99);
	team_slow_rx(t, 2, f, sizeof(f), now);
	partner_pdu(t, 0, f, ST_UP, 1, 0x99);
	team_slow_rx(t, 0, f, sizeof(f), now);
	assert_int_equal(lacp_distributing(t), 5);
	assert_false(t->m[1].lacp.selected);
	team_destroy(t);
}

/* The last LACPDU a member removed sends, @k frames back. */
static void assert_leave_pdu(struct team *t, unsigned k, unsigned member,
			     uint8_t partner_last)
{
	const struct cap_frame *fr = &cap.fr[k];
	struct lacp_pdu pdu;

	assert_int_equal(fr->member, member);
	assert_int_equal(lacp_pdu_parse(fr->f, fr->len, &pdu), 0);
	assert_memory_equal(fr->f + 6, mac_m[member], 6);
	assert_memory_equal(pdu.actor.sys, t->sys_mac, 6);
	assert_int_equal(pdu.actor.port, member + 1);
	assert_int_equal(pdu.actor.state &
			     (LACP_ST_SYNC | LACP_ST_COLLECTING |
			      LACP_ST_DISTRIBUTING | LACP_ST_AGGREGATION),
			 0);
	assert_true(pdu.actor.state & LACP_ST_ACTIVITY);
	assert_int_equal(pdu.partner.sys[5], partner_last);
	assert_int_equal(pdu.partner.port, 10 + member);
}

/* A member removed tells its partner at once that it leaves the aggregate
 * (not in sync, not collecting or distributing, not aggregatable), as the
 * last frame on it; so does each member of a team going away. */
static void test_leave_pdu(void **state)
{
	struct team *t = lacp_team(3, false, 1000);
	struct team_config cfg;

	team_run(t, 1000);
	partners_up(t, 3, 1010);
	assert_int_equal(lacp_distributing(t), 7);
	cap.n = 0;
	assert_int_equal(team_member_del(t, "eth1", 1020), 0);
	assert_int_equal(cap_count(1, TEAM_LACP_ETHERTYPE), 1);
	assert_int_equal(cap.n, 1);
	assert_leave_pdu(t, 0, 1, 0x4a);
	assert_int_equal(lacp_distributing(t), 5);
	/* A member without a link has nothing to tell. */
	team_member_carrier(t, 2, false, 1030);
	cap.n = 0;
	assert_int_equal(team_member_del(t, "eth2", 1040), 0);
	assert_int_equal(cap.n, 0);
	/* The team goes: its remaining member says goodbye. */
	team_leave(t);
	assert_int_equal(cap.n, 1);
	assert_leave_pdu(t, 0, 0, 0x4a);
	team_destroy(t);
	/* Not in a team without LACP. */
	team_config_default(&cfg);
	t = mk_team(TEAM_MODE_STATIC, 2, &cfg, 0);
	assert_int_equal(team_member_del(t, "eth1", 10), 0);
	team_leave(t);
	assert_int_equal(cap_count(1, TEAM_LACP_ETHERTYPE), 0);
	assert_int_equal(cap_count(0, TEAM_LACP_ETHERTYPE), 0);
	team_destroy(t);
}

/* A member added while its link was still negotiating (speed unknown)
 * gets the key of its real speed when the link comes up, and aggregates;
 * a speed change while up changes the key at once (the partner told);
 * every speed has its own key. */
static void test_key_follows_speed(void **state)
{
	static const unsigned speeds[] = {10,	 100,	1000,  2500,   5000,
					  10000, 25000, 40000, 100000, 0};
	struct team *t = lacp_team(1, false, 1000);
	struct lacp_pdu pdu;
	uint16_t keys[10];
	uint8_t f[124];
	uint64_t now = 1000;
	int j;

	j = team_member_add(t, "eth1", mac_m[1], 0, false, now);
	assert_int_equal(j, 1);
	team_run(t, now);
	partners_up(t, 1, now);
	assert_int_equal(lacp_distributing(t), 1);
	/* The link comes up at 10 Gb/s, like eth0. */
	team_member_speed(t, 1, 10000, now + 10);
	team_member_carrier(t, 1, true, now + 10);
	team_run(t, now + 10);
	assert_int_equal(t->m[1].lacp.actor.key, t->m[0].lacp.actor.key);
	partners_up(t, 2, now + 20);
	assert_int_equal(lacp_distributing(t), 3);
	/* eth1 renegotiates at 1 Gb/s without losing carrier: out of eth0's
	 * aggregate at once, and the partner hears the new key. */
	cap.n = 0;
	team_member_speed(t, 1, 1000, now + 30);
	assert_int_not_equal(t->m[1].lacp.actor.key, t->m[0].lacp.actor.key);
	assert_int_equal(lacp_distributing(t), 1);
	assert_int_equal(cap_count(1, TEAM_LACP_ETHERTYPE), 1);
	assert_int_equal(
	    lacp_pdu_parse(cap.fr[cap.n - 1].f, cap.fr[cap.n - 1].len, &pdu),
	    0);
	assert_int_equal(pdu.actor.key, t->m[1].lacp.actor.key);
	/* The same speed again changes nothing. */
	cap.n = 0;
	team_member_speed(t, 1, 1000, now + 40);
	assert_int_equal(cap.n, 0);
	/* Back at 10 Gb/s: the partner answers to the new key, it rejoins. */
	team_member_speed(t, 1, 10000, now + 50);
	partner_pdu(t, 1, f, ST_UP, 1, 0x4a);
	team_slow_rx(t, 1, f, sizeof(f), now + 60);
	assert_int_equal(lacp_distributing(t), 3);
	team_destroy(t);
	/* One key per speed. */
	t = lacp_team(1, false, 0);
	for (unsigned k = 0; k < 10; k++) {
		team_member_speed(t, 0, speeds[k], 10);
		keys[k] = t->m[0].lacp.actor.key;
		for (unsigned l = 0; l < k; l++)
			assert_int_not_equal(keys[l], keys[k]);
	}
	team_destroy(t);
}

/* A partner PDU on member 0 whose sync and key flip every 10 ms: each one
 * asks for an LACPDU back. */
static void partner_flip(struct team *t, uint8_t *f, uint64_t now)
{
	partner_pdu(t, 0, f, (now / 10) % 2 ? ST_UP : ST_UP & ~LACP_ST_SYNC,
		    (uint16_t)(1 + (now / 10) % 2), 0x4a);
	team_slow_rx(t, 0, f, TEAM_LACPDU_LEN, now);
}

/* A team starting whose system ID (its first member's MAC) another
 * running team still presents takes another: one of its other members'
 * MACs, else its own with the locally administered bit flipped (stepped
 * past IDs also taken); its LACPDUs carry the new one. */
static void test_system_unique(void **state)
{
	uint8_t taken[3][6], want[6];
	struct team *t = lacp_team(2, false, 1000);
	struct lacp_pdu pdu;

	memcpy(taken[0], mac_m[2], 6);
	assert_false(team_system_avoid(t, taken, 1));
	assert_memory_equal(t->sys_mac, mac_m[0], 6);
	memcpy(taken[1], mac_m[0], 6);
	assert_true(team_system_avoid(t, taken, 2));
	assert_memory_equal(t->sys_mac, mac_m[1], 6);
	team_run(t, 1000);
	assert_true(cap.n >= 1);
	assert_int_equal(lacp_pdu_parse(cap.fr[0].f, cap.fr[0].len, &pdu), 0);
	assert_memory_equal(pdu.actor.sys, mac_m[1], 6);
	team_destroy(t);
	/* One member, its MAC taken, and the first derived one too. */
	t = lacp_team(1, false, 1000);
	memcpy(taken[0], mac_m[0], 6);
	memcpy(want, mac_m[0], 6);
	want[0] ^= 0x02;
	memcpy(taken[1], want, 6);
	want[5]++;
	assert_true(team_system_avoid(t, taken, 2));
	assert_memory_equal(t->sys_mac, want, 6);
	assert_false(t->sys_mac[0] & 1); /* not a group address */
	assert_false(team_system_avoid(t, taken, 2));
	team_destroy(t);
}

static void test_flapping_partner(void **state)
{
	struct team *t = lacp_team(2, false, 0);
	uint8_t f[124];
	uint64_t now = 0;
	bool damped_seen = false;

	team_run(t, 0);
	partner_pdu(t, 1, f, ST_UP, 1, 0x4a);
	team_slow_rx(t, 1, f, sizeof(f), 0);
	/* Member 0's partner toggles sync every 200 ms. */
	for (unsigned k = 0; k < 20; k++, now += 200) {
		partner_pdu(t, 0, f, k % 2 ? ST_UP : (ST_UP & ~LACP_ST_SYNC), 1,
			    0x4a);
		team_slow_rx(t, 0, f, sizeof(f), now);
		partner_pdu(t, 1, f, ST_UP, 1, 0x4a);
		team_slow_rx(t, 1, f, sizeof(f), now);
		team_run(t, now);
		if (t->m[0].lacp.damped_until > now) {
			damped_seen = true;
			/* Held out while damped, even when in sync. */
			assert_false(lacp_distributing(t) & 1);
		}
	}
	assert_true(damped_seen);
	assert_true(t->m[0].lacp.flaps_total > LACP_FLAP_MAX);
	assert_int_equal(lacp_distributing(t), 2); /* member 1 unharmed */
	/* It settles: after the hold-down, in sync, member 0 is back. */
	now += LACP_DAMP_MS;
	for (unsigned k = 0; k < 5; k++, now += 1000) {
		partner_pdu(t, 0, f, ST_UP, 1, 0x4a);
		team_slow_rx(t, 0, f, sizeof(f), now);
		partner_pdu(t, 1, f, ST_UP, 1, 0x4a);
		team_slow_rx(t, 1, f, sizeof(f), now);
		team_run(t, now);
	}
	assert_int_equal(lacp_distributing(t), 3);
	team_destroy(t);
}

static void test_churn_and_rate(void **state)
{
	struct team *t = lacp_team(1, false, 0);
	uint8_t f[124];
	uint64_t now;

	team_run(t, 0);
	cap.n = 0;
	/* A partner that never gets in sync: partner churn after 60 s. */
	for (now = 0; now <= 61000; now += 500) {
		partner_pdu(t, 0, f, ST_UP & ~LACP_ST_SYNC, 1, 0x4a);
		team_slow_rx(t, 0, f, sizeof(f), now);
		team_run(t, now);
	}
	assert_true(t->m[0].lacp.partner_churn);
	assert_false(t->m[0].lacp.actor_churn);
	assert_int_equal(t->m[0].lacp.churns, 1);
	/* Never more than 3 LACPDUs in a second, however often asked. */
	cap.n = 0;
	for (now = 70000; now < 71000; now += 10)
		partner_flip(t, f, now);
	assert_true(cap_count(0, TEAM_LACP_ETHERTYPE) <= LACP_TX_PER_SEC);
	team_destroy(t);
}

/* A marker request in @f, @len bytes. */
static void marker_request(uint8_t *f, size_t len)
{
	static const uint8_t hdr[] = {0x01, 0x80, 0xc2, 0, 0, 0x02,
				      0x02, 0,	  0,	0, 0, 0x99,
				      0x88, 0x09, 2,	1, 1, 16};

	memset(f, 0, len);
	memcpy(f, hdr, sizeof(hdr));
	f[18 + 6] = 0x42; /* requester port, in the content echoed */
}

/*
 * Marker requests are answered within the member's slow-protocol budget:
 * with its LACPDUs at most 10 frames a second (IEEE 802.3 Annex 43B), the
 * excess counted and not answered; the next second answers again, and a
 * flood never delays the LACPDUs.
 */
static void test_marker_rate(void **state)
{
	struct team *t = lacp_team(1, false, 0);
	struct lacp_port *p = &t->m[0].lacp;
	uint8_t f[124];
	uint64_t now;
	unsigned lacpdus;

	team_run(t, 0);
	now = 5000;
	team_run(t, now);
	cap.n = 0;
	marker_request(f, sizeof(f));
	for (int k = 0; k < 500; k++)
		team_slow_rx(t, 0, f, sizeof(f), now);
	assert_int_equal(cap_count(0, TEAM_LACP_ETHERTYPE), MARKER_TX_PER_SEC);
	assert_int_equal(p->markers_tx, MARKER_TX_PER_SEC);
	assert_int_equal(p->markers_limited, 500 - MARKER_TX_PER_SEC);
	/* A response: TLV 2, from the member's MAC, the content kept. */
	assert_memory_equal(cap.fr[0].f + 6, mac_m[0], 6);
	assert_int_equal(cap.fr[0].f[16], 2);
	assert_int_equal(cap.fr[0].f[18 + 6], 0x42);
	assert_int_equal(team_slow_rx(t, 0, f, sizeof(f), now), -EBUSY);
	/* The next second, answered again. */
	cap.n = 0;
	assert_int_equal(team_slow_rx(t, 0, f, sizeof(f), now + 1000), 0);
	assert_int_equal(cap_count(0, TEAM_LACP_ETHERTYPE), 1);
	/* Markers and a partner asking for LACPDUs all the time: never more
	 * than 10 frames in a second, and the LACPDUs still go. */
	cap.n = 0;
	for (now = 10000; now < 11000; now += 10) {
		partner_flip(t, f, now);
		marker_request(f, sizeof(f));
		for (int k = 0; k < 5; k++)
			team_slow_rx(t, 0, f, sizeof(f), now);
	}
	assert_true(cap_count(0, TEAM_LACP_ETHERTYPE) <= SLOW_TX_PER_SEC);
	lacpdus = 0;
	for (unsigned i = 0; i < cap.n; i++)
		lacpdus += cap.fr[i].f[14] == 1;
	assert_int_equal(lacpdus, LACP_TX_PER_SEC);
	team_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_recorded),
	    cmocka_unit_test(test_parse_malformed),
	    cmocka_unit_test(test_negotiate_recorded),
	    cmocka_unit_test(test_timeout_fast),
	    cmocka_unit_test(test_fallback),
	    cmocka_unit_test(test_fallback_member_joins),
	    cmocka_unit_test(test_fallback_not_into_loop),
	    cmocka_unit_test(test_loopback),
	    cmocka_unit_test(test_compatible_only),
	    cmocka_unit_test(test_selection_tie_keeps),
	    cmocka_unit_test(test_leave_pdu),
	    cmocka_unit_test(test_key_follows_speed),
	    cmocka_unit_test(test_system_unique),
	    cmocka_unit_test(test_flapping_partner),
	    cmocka_unit_test(test_churn_and_rate),
	    cmocka_unit_test(test_marker_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
