// SPDX-License-Identifier: GPL-2.0-or-later
/* team_lacp.c - IEEE 802.1AX link aggregation control: LACPDU parsing and
 * building, and the receive, periodic, selection, mux and transmit machines
 *
 * One aggregator per team: the selection logic puts in it the members whose
 * partner (system, key) is the most common among members with a current
 * partner that allows aggregation, and whose own key (link speed) matches;
 * the others stay detached.  The mux machine uses coupled control
 * (collecting and distributing switch together) and no aggregate wait: with
 * one aggregator there is nothing to wait for, so a member carries traffic
 * as soon as the partner says it is in sync.
 *
 * A partner whose information or sync changes more than LACP_FLAP_MAX times
 * in LACP_FLAP_WINDOW is held out of the aggregate for LACP_DAMP_MS.  Churn
 * (actor or partner out of sync for 60 s) is detected and shown.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../lib/pkt.h"
#include "../lib/util.h"
#include "team_priv.h"

static const uint8_t slow_proto_mac[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x02};

#define LACP_SUBTYPE   1
#define MARKER_SUBTYPE 2
#define TLV_ACTOR      1
#define TLV_PARTNER    2
#define TLV_COLLECTOR  3
#define TLV_INFO_LEN   20
#define TLV_COLL_LEN   16
#define LACP_SYS_PRIO  0xffff
#define LACP_PORT_PRIO 0x00ff

static bool pull_info(struct pkt_cursor *c, uint8_t type, struct lacp_info *i)
{
	const uint8_t *b = pkt_pull(c, TLV_INFO_LEN);

	if (!b || b[0] != type || b[1] != TLV_INFO_LEN)
		return false;
	i->sys_prio = pkt_get_be16(b + 2);
	memcpy(i->sys, b + 4, 6);
	i->key = pkt_get_be16(b + 10);
	i->port_prio = pkt_get_be16(b + 12);
	i->port = pkt_get_be16(b + 14);
	i->state = b[16];
	return true;
}

/**
 * lacp_pdu_parse() - parse an LACPDU
 * @frame: Ethernet frame, untagged (untrusted)
 * @len: its length
 * @pdu: filled in
 *
 * TLVs must come in the order and with the lengths IEEE 802.1AX gives;
 * the trailing reserved octets are not required (some senders cut them).
 *
 * Return: 0, -ENOTSUP for another slow protocol, -EINVAL when malformed
 */
int lacp_pdu_parse(const uint8_t *frame, size_t len, struct lacp_pdu *pdu)
{
	struct pkt_cursor c;
	const uint8_t *b;
	uint16_t et;
	uint8_t sub;

	pkt_cursor_init(&c, frame, len);
	if (!pkt_pull(&c, 12) || !pkt_pull_be16(&c, &et) ||
	    et != TEAM_LACP_ETHERTYPE || !pkt_pull_u8(&c, &sub))
		return -EINVAL;
	if (sub != LACP_SUBTYPE)
		return -ENOTSUP;
	memset(pdu, 0, sizeof(*pdu));
	if (!pkt_pull_u8(&c, &pdu->version) || !pdu->version)
		return -EINVAL;
	if (!pull_info(&c, TLV_ACTOR, &pdu->actor) ||
	    !pull_info(&c, TLV_PARTNER, &pdu->partner))
		return -EINVAL;
	b = pkt_pull(&c, TLV_COLL_LEN);
	if (!b || b[0] != TLV_COLLECTOR || b[1] != TLV_COLL_LEN)
		return -EINVAL;
	pdu->max_delay = pkt_get_be16(b + 2);
	/* Terminator (version 1); later versions may add TLVs first. */
	b = pkt_pull(&c, 2);
	if (!b || (pdu->version == 1 && (b[0] || b[1])))
		return -EINVAL;
	return 0;
}

static void put_info(uint8_t *b, uint8_t type, const struct lacp_info *i)
{
	b[0] = type;
	b[1] = TLV_INFO_LEN;
	pkt_put_be16(b + 2, i->sys_prio);
	memcpy(b + 4, i->sys, 6);
	pkt_put_be16(b + 10, i->key);
	pkt_put_be16(b + 12, i->port_prio);
	pkt_put_be16(b + 14, i->port);
	b[16] = i->state;
}

/**
 * lacp_pdu_build() - an LACPDU frame
 * @buf: where to build it
 * @size: room in @buf
 * @src: source MAC (the member's)
 * @pdu: content
 *
 * Return: frame length, or 0 when @size is too small
 */
size_t lacp_pdu_build(uint8_t *buf, size_t size, const uint8_t src[6],
		      const struct lacp_pdu *pdu)
{
	uint8_t *b = buf;

	if (size < TEAM_LACPDU_LEN)
		return 0;
	memset(buf, 0, TEAM_LACPDU_LEN);
	memcpy(b, slow_proto_mac, 6);
	memcpy(b + 6, src, 6);
	pkt_put_be16(b + 12, TEAM_LACP_ETHERTYPE);
	b[14] = LACP_SUBTYPE;
	b[15] = pdu->version ? pdu->version : 1;
	put_info(b + 16, TLV_ACTOR, &pdu->actor);
	put_info(b + 36, TLV_PARTNER, &pdu->partner);
	b[56] = TLV_COLLECTOR;
	b[57] = TLV_COLL_LEN;
	pkt_put_be16(b + 58, pdu->max_delay);
	/* Terminator and reserved octets stay zero. */
	return TEAM_LACPDU_LEN;
}

/* Only members of equal speed may aggregate: the speed is the key, one
 * per speed.  Whole Gb/s count in Gb/s (1 Gb/s: 1, 10 Gb/s: 10, 100 Gb/s:
 * 100), other speeds in Mb/s with bit 14 set (10 Mb/s: 0x400a, 100 Mb/s:
 * 0x4064, 2.5 Gb/s: 0x49c4), unknown speed 0; plus the team's base. */
static uint16_t actor_key(const struct team *t, unsigned i)
{
	unsigned speed = t->m[i].speed, code;

	if (!speed)
		code = 0;
	else if (speed % 1000 == 0)
		code = speed / 1000 > 0x3fff ? 0x3fff : speed / 1000;
	else
		code = 0x4000 | (speed > 0x3fff ? 0x3fff : speed);
	return (uint16_t)(t->key_base + code);
}

static void actor_refresh(struct team *t, unsigned i)
{
	struct lacp_port *p = &t->m[i].lacp;

	p->actor.sys_prio = LACP_SYS_PRIO;
	memcpy(p->actor.sys, t->sys_mac, 6);
	p->actor.key = actor_key(t, i);
	p->actor.port_prio = LACP_PORT_PRIO;
	p->actor.port = (uint16_t)(i + 1);
	p->actor.state |= LACP_ST_ACTIVITY | LACP_ST_AGGREGATION;
	if (t->cfg.lacp_fast)
		p->actor.state |= LACP_ST_TIMEOUT;
	else
		p->actor.state &= (uint8_t)~LACP_ST_TIMEOUT;
}

/**
 * lacp_member_init() - a new member's LACP state
 * @t: team
 * @i: member
 * @now: monotonic ms
 */
void lacp_member_init(struct team *t, unsigned i, uint64_t now)
{
	struct lacp_port *p = &t->m[i].lacp;

	memset(p, 0, sizeof(*p));
	p->rx = LACP_RX_DISABLED;
	p->mux = LACP_MUX_DETACHED;
	p->actor_unsync_at = p->partner_unsync_at = now;
	actor_refresh(t, i);
	lacp_member_link(t, i, now);
}

static void detach(struct lacp_port *p)
{
	if (p->mux != LACP_MUX_DETACHED)
		p->ntt = true;
	p->mux = LACP_MUX_DETACHED;
	p->actor.state &= (uint8_t) ~(LACP_ST_SYNC | LACP_ST_COLLECTING |
				      LACP_ST_DISTRIBUTING);
}

/**
 * lacp_member_link() - a member's link (or the team's rate) changed
 * @t: team
 * @i: member
 * @now: monotonic ms
 */
void lacp_member_link(struct team *t, unsigned i, uint64_t now)
{
	struct team_member *m = &t->m[i];
	struct lacp_port *p = &m->lacp;

	actor_refresh(t, i);
	if (!m->link) {
		p->rx = LACP_RX_DISABLED;
		p->selected = false;
		detach(p);
		p->ntt = false;
		p->current_until = p->periodic_at = 0;
		p->partner.state &= (uint8_t)~LACP_ST_SYNC;
		return;
	}
	if (p->rx == LACP_RX_DISABLED) {
		/* Port enabled: EXPIRED, waiting a short timeout for a
		 * partner, asking it to talk fast meanwhile. */
		p->rx = LACP_RX_EXPIRED;
		p->current_until = now + LACP_SHORT_TIMEOUT;
		p->partner.state = LACP_ST_TIMEOUT;
		p->actor.state |= LACP_ST_EXPIRED;
	}
	p->periodic_at = now;
	p->ntt = true;
}

static bool info_same(const struct lacp_info *a, const struct lacp_info *b)
{
	return a->sys_prio == b->sys_prio && !memcmp(a->sys, b->sys, 6) &&
	       a->key == b->key && a->port_prio == b->port_prio &&
	       a->port == b->port;
}

static void flap(struct team *t, unsigned i, uint64_t now)
{
	struct lacp_port *p = &t->m[i].lacp;

	if (now - p->flap_window > LACP_FLAP_WINDOW) {
		p->flap_window = now;
		p->flaps = 0;
	}
	p->flaps++;
	p->flaps_total++;
	if (p->flaps > LACP_FLAP_MAX && p->damped_until <= now) {
		p->damped_until = now + LACP_DAMP_MS;
		team_record(t, now, TEAM_R_LACP_DAMPED, (int)i, -1);
	}
}

/* The member's one-second transmit window: a new one once it ran out. */
static void tx_window_roll(struct lacp_port *p, uint64_t now)
{
	if (now - p->tx_window >= 1000) {
		p->tx_window = now;
		p->tx_count = 0;
		p->marker_count = 0;
	}
}

static uint64_t periodic_ms(const struct lacp_port *p)
{
	return (p->partner.state & LACP_ST_TIMEOUT) ? LACP_FAST_PERIODIC
						    : LACP_SLOW_PERIODIC;
}

/* Selection, mux, transmit, then the team's map.  @why is the reason to
 * record when the members carrying traffic change. */
static void lacp_step(struct team *t, uint64_t now, enum team_reason why)
{
	unsigned best = 0, best_n = 0, cnt[TEAM_MAX_MEMBERS] = {0};
	bool cand[TEAM_MAX_MEMBERS] = {0}, was[TEAM_MAX_MEMBERS] = {0};
	uint32_t before = lacp_distributing(t);
	int culprit = -1;

	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++) {
		struct team_member *m = &t->m[i];
		struct lacp_port *p = &m->lacp;

		cand[i] = m->used && m->link && !m->gone &&
			  p->rx == LACP_RX_CURRENT &&
			  (p->partner.state & LACP_ST_AGGREGATION) &&
			  p->damped_until <= now;
		/* Still selected from the last step: in the current aggregate
		 * (a partner change or a timeout clears it). */
		was[i] = cand[i] && p->selected;
	}
	/* The aggregate: the partner (system, key) and own key most members
	 * share; members elsewhere are not compatible with it.  On a tie
	 * the current aggregate stays: a member reaching another partner
	 * (a miscabled port, a second switch) must not take the traffic off
	 * the members carrying it. */
	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++) {
		const struct lacp_port *a = &t->m[i].lacp;

		if (!cand[i])
			continue;
		for (unsigned j = 0; j < TEAM_MAX_MEMBERS; j++) {
			const struct lacp_port *b = &t->m[j].lacp;

			if (cand[j] &&
			    a->partner.sys_prio == b->partner.sys_prio &&
			    !memcmp(a->partner.sys, b->partner.sys, 6) &&
			    a->partner.key == b->partner.key &&
			    a->actor.key == b->actor.key)
				cnt[i]++;
		}
		if (cnt[i] > best_n ||
		    (cnt[i] == best_n && was[i] && !was[best])) {
			best_n = cnt[i];
			best = i;
		}
	}
	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++) {
		struct lacp_port *p = &t->m[i].lacp, *b = &t->m[best].lacp;

		p->selected = cand[i] && best_n &&
			      p->partner.sys_prio == b->partner.sys_prio &&
			      !memcmp(p->partner.sys, b->partner.sys, 6) &&
			      p->partner.key == b->partner.key &&
			      p->actor.key == b->actor.key;
	}
	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++) {
		struct team_member *m = &t->m[i];
		struct lacp_port *p = &m->lacp;
		bool psync = p->rx == LACP_RX_CURRENT &&
			     (p->partner.state & LACP_ST_SYNC);

		if (!m->used)
			continue;
		if (!p->selected) {
			detach(p);
		} else {
			if (p->mux == LACP_MUX_DETACHED) {
				p->mux = LACP_MUX_ATTACHED;
				p->actor.state |= LACP_ST_SYNC;
				p->ntt = true;
			}
			if (p->mux == LACP_MUX_ATTACHED && psync) {
				p->mux = LACP_MUX_COLL_DIST;
				p->actor.state |=
				    LACP_ST_COLLECTING | LACP_ST_DISTRIBUTING;
				p->ntt = true;
			} else if (p->mux == LACP_MUX_COLL_DIST && !psync) {
				p->mux = LACP_MUX_ATTACHED;
				p->actor.state &= (uint8_t) ~(
				    LACP_ST_COLLECTING | LACP_ST_DISTRIBUTING);
				p->ntt = true;
			}
		}
		if ((before ^ lacp_distributing(t)) & 1u << i && culprit < 0)
			culprit = (int)i;
	}
	if (culprit >= 0 && why == TEAM_R_NONE) {
		const struct lacp_port *p = &t->m[culprit].lacp;

		why = (lacp_distributing(t) & 1u << culprit)
			  ? TEAM_R_LACP_IN_SYNC
		      : p->rx == LACP_RX_EXPIRED   ? TEAM_R_LACP_EXPIRED
		      : p->rx == LACP_RX_DEFAULTED ? TEAM_R_LACP_DEFAULTED
		      : p->damped_until > now	   ? TEAM_R_LACP_DAMPED
		      : !p->selected		   ? TEAM_R_LACP_INCOMPATIBLE
						   : TEAM_R_LACP_OUT_OF_SYNC;
	}
	/* Transmit machine: at most LACP_TX_PER_SEC per second. */
	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++) {
		struct team_member *m = &t->m[i];
		struct lacp_port *p = &m->lacp;
		struct lacp_pdu pdu = {.version = 1};
		uint8_t frame[TEAM_LACPDU_LEN];

		if (!m->used || !m->link || !p->ntt)
			continue;
		tx_window_roll(p, now);
		if (p->tx_count >= LACP_TX_PER_SEC) {
			t->wake = true; /* sent when the window ends */
			continue;
		}
		actor_refresh(t, i);
		pdu.actor = p->actor;
		pdu.partner = p->partner;
		t->io.send(t->io.arg, i, frame,
			   lacp_pdu_build(frame, sizeof(frame), m->mac, &pdu),
			   0);
		p->tx_count++;
		p->tx_pdus++;
		p->ntt = false;
	}
	team_update(t, why, culprit, now);
}

/**
 * lacp_member_speed() - a member's link speed changed: its key with it
 * @t: team
 * @i: member
 * @now: monotonic ms
 *
 * A new key takes the member out of the aggregate it was selected for and
 * into the one of its speed, and the partner is told at once.
 */
void lacp_member_speed(struct team *t, unsigned i, uint64_t now)
{
	struct team_member *m = &t->m[i];
	struct lacp_port *p = &m->lacp;
	uint16_t key = p->actor.key;

	actor_refresh(t, i);
	if (p->actor.key == key || t->cfg.mode != TEAM_MODE_LACP)
		return;
	p->selected = false;
	if (!m->link)
		return; /* the key goes out when the link comes up */
	p->ntt = true;
	lacp_step(t, now, TEAM_R_NONE);
}

/**
 * lacp_member_leave() - a member leaves the team: its last LACPDU
 * @t: team
 * @i: member
 *
 * Says the port is no longer in sync, collecting, distributing nor
 * aggregatable, so the partner takes it out of its aggregate at once
 * instead of sending into it until its own timeout (up to 90 s at the slow
 * rate); Linux bonding does the same when a port is unbound.  Sent past
 * the transmit limit: it is the port's last.  Only for a member with a
 * link in an LACP team; its state is not kept (the member is going).
 */
void lacp_member_leave(struct team *t, unsigned i)
{
	struct team_member *m = &t->m[i];
	struct lacp_port *p = &m->lacp;
	struct lacp_pdu pdu = {.version = 1};
	uint8_t frame[TEAM_LACPDU_LEN];

	if (t->cfg.mode != TEAM_MODE_LACP || !m->used || !m->link || m->gone)
		return;
	actor_refresh(t, i);
	pdu.actor = p->actor;
	pdu.actor.state &=
	    (uint8_t) ~(LACP_ST_SYNC | LACP_ST_COLLECTING |
			LACP_ST_DISTRIBUTING | LACP_ST_AGGREGATION);
	pdu.partner = p->partner;
	t->io.send(t->io.arg, i, frame,
		   lacp_pdu_build(frame, sizeof(frame), m->mac, &pdu), 0);
	p->tx_pdus++;
}

/**
 * lacp_rx() - an LACPDU arrived on a member: the receive machine
 * @t: team
 * @i: member
 * @pdu: parsed LACPDU
 * @now: monotonic ms
 */
void lacp_rx(struct team *t, unsigned i, const struct lacp_pdu *pdu,
	     uint64_t now)
{
	struct team_member *m = &t->m[i];
	struct lacp_port *p = &m->lacp;
	struct lacp_info *us = &p->actor;
	const struct lacp_info *them = &pdu->partner;
	uint8_t keep = LACP_ST_ACTIVITY | LACP_ST_TIMEOUT | LACP_ST_SYNC |
		       LACP_ST_AGGREGATION;
	bool changed, matched, was_sync;
	uint64_t per = periodic_ms(p);

	p->rx_pdus++;
	if (!m->link)
		return;
	actor_refresh(t, i);
	changed = !info_same(&p->partner, &pdu->actor) ||
		  ((p->partner.state ^ pdu->actor.state) & LACP_ST_AGGREGATION);
	was_sync =
	    p->rx == LACP_RX_CURRENT && (p->partner.state & LACP_ST_SYNC);
	if (p->ever_rx && p->rx == LACP_RX_CURRENT &&
	    (changed || (was_sync && !(pdu->actor.state & LACP_ST_SYNC))))
		flap(t, i, now);
	if (changed)
		p->selected = false;
	p->ever_rx = true;
	p->last_rx = now;
	/* recordPDU: does the partner see us as we are? */
	matched = info_same(them, us) && (them->state & LACP_ST_AGGREGATION) ==
					     (us->state & LACP_ST_AGGREGATION);
	p->partner = pdu->actor;
	if (!(matched || !(pdu->actor.state & LACP_ST_AGGREGATION)))
		p->partner.state &= (uint8_t)~LACP_ST_SYNC;
	/* update_NTT: tell the partner when its view of us is stale. */
	if (!info_same(them, us) || ((them->state ^ us->state) & keep))
		p->ntt = true;
	p->rx = LACP_RX_CURRENT;
	p->current_until =
	    now + (t->cfg.lacp_fast ? LACP_SHORT_TIMEOUT : LACP_LONG_TIMEOUT);
	p->actor.state &= (uint8_t) ~(LACP_ST_EXPIRED | LACP_ST_DEFAULTED);
	if (periodic_ms(p) < per && p->periodic_at > now + periodic_ms(p)) {
		p->periodic_at = now + periodic_ms(p);
		t->wake = true; /* an earlier deadline */
	}
	lacp_step(t, now, TEAM_R_NONE);
}

/* A marker request on member @i (@frame, @len bytes, checked: TLV 1 of
 * length 16) gets its own content back as a response (TLV 2), within the
 * member's slow-protocol budget.  Return: 0, or -EBUSY over it. */
static int marker_reply(struct team *t, unsigned i, const uint8_t *frame,
			size_t len, uint64_t now)
{
	struct lacp_port *p = &t->m[i].lacp;
	uint8_t reply[TEAM_LACPDU_LEN];

	tx_window_roll(p, now);
	if (p->marker_count >= MARKER_TX_PER_SEC) {
		p->markers_limited++;
		return -EBUSY;
	}
	memset(reply, 0, sizeof(reply));
	memcpy(reply, frame, len < sizeof(reply) ? len : sizeof(reply));
	memcpy(reply, slow_proto_mac, 6);
	memcpy(reply + 6, t->m[i].mac, 6);
	reply[16] = 2;
	t->io.send(t->io.arg, i, reply, sizeof(reply), 0);
	p->marker_count++;
	p->markers_tx++;
	return 0;
}

/**
 * team_slow_rx() - a slow-protocol frame arrived on a member
 * @t: team
 * @i: member
 * @frame: the frame (untrusted), untagged
 * @len: its length
 * @now: monotonic ms
 *
 * LACPDUs feed the receive machine (LACP teams); marker requests are
 * answered, at most MARKER_TX_PER_SEC a second per member: with its
 * LACPDUs that is the 10 slow-protocol frames a second a port may send
 * (IEEE 802.3 Annex 43B), and a flood of requests costs one lock and
 * no send each.  A LACPDU whose actor is the team itself (its system MAC) came
 * back over a loop: two members cabled to each other, or a port that
 * reflects frames.  IEEE 802.1AX does not let a port aggregate with
 * itself or its own system, and Linux bonding drops these as an "illegal
 * loopback": it is dropped before the receive machine sees it, so the
 * member never gets a partner (and stays out of the aggregate).  Nor does
 * the fallback use it: a member looped back to the team carries nothing
 * until its own LACPDUs have stopped coming back for LACP_LOOP_MS.
 *
 * Return: 0 when handled, -EINVAL when malformed (counted), -ELOOP for our
 * own LACPDU come back (counted), -EBUSY for a marker request over the
 * budget (counted), -ENOTSUP for a frame the team has no use for
 */
int team_slow_rx(struct team *t, unsigned i, const uint8_t *frame, size_t len,
		 uint64_t now)
{
	struct lacp_pdu pdu;
	int ret;

	if (i >= TEAM_MAX_MEMBERS || !t->m[i].used ||
	    t->cfg.mode != TEAM_MODE_LACP)
		return -ENOTSUP;
	ret = lacp_pdu_parse(frame, len, &pdu);
	if (!ret && !memcmp(pdu.actor.sys, t->sys_mac, 6)) {
		struct lacp_port *p = &t->m[i].lacp;
		bool was = p->loop_until > now;

		p->loopback++;
		p->loop_until = now + LACP_LOOP_MS;
		if (!was) /* out of a fallback now, not at the next tick */
			team_update(t, TEAM_R_LACP_LOOP, (int)i, now);
		return -ELOOP;
	}
	if (!ret) {
		lacp_rx(t, i, &pdu, now);
		return 0;
	}
	if (ret == -EINVAL) {
		t->m[i].lacp.malformed++;
		t->malformed++;
		return ret;
	}
	/* Marker protocol: a request is TLV 1, length 16. */
	if (len < 14 + 2 + 16 || frame[14] != MARKER_SUBTYPE ||
	    frame[16] != 1 || frame[17] != 16)
		return -ENOTSUP;
	return marker_reply(t, i, frame, len, now);
}

static void churn_check(struct lacp_port *p, uint64_t now)
{
	bool asyn = p->actor.state & LACP_ST_SYNC;
	bool psyn =
	    p->rx == LACP_RX_CURRENT && (p->partner.state & LACP_ST_SYNC);

	if (asyn) {
		p->actor_unsync_at = 0;
		p->actor_churn = false;
	} else if (!p->actor_unsync_at) {
		p->actor_unsync_at = now;
	} else if (!p->actor_churn &&
		   now - p->actor_unsync_at >= LACP_CHURN_TIME) {
		p->actor_churn = true;
		p->churns++;
	}
	if (psyn) {
		p->partner_unsync_at = 0;
		p->partner_churn = false;
	} else if (!p->partner_unsync_at) {
		p->partner_unsync_at = now;
	} else if (!p->partner_churn &&
		   now - p->partner_unsync_at >= LACP_CHURN_TIME) {
		p->partner_churn = true;
		p->churns++;
	}
}

/**
 * lacp_run() - LACP timers: current_while, periodic, damping, churn
 * @t: team
 * @now: monotonic ms
 *
 * Return: next deadline (monotonic ms)
 */
uint64_t lacp_run(struct team *t, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++) {
		struct team_member *m = &t->m[i];
		struct lacp_port *p = &m->lacp;

		if (!m->used || !m->link)
			continue;
		if (p->current_until && now >= p->current_until) {
			if (p->rx == LACP_RX_CURRENT) {
				p->rx = LACP_RX_EXPIRED;
				p->partner.state &= (uint8_t)~LACP_ST_SYNC;
				p->partner.state |= LACP_ST_TIMEOUT;
				p->actor.state |= LACP_ST_EXPIRED;
				p->current_until = now + LACP_SHORT_TIMEOUT;
				p->periodic_at = now;
			} else if (p->rx == LACP_RX_EXPIRED) {
				p->rx = LACP_RX_DEFAULTED;
				memset(&p->partner, 0, sizeof(p->partner));
				p->actor.state &= (uint8_t)~LACP_ST_EXPIRED;
				p->actor.state |= LACP_ST_DEFAULTED;
				p->current_until = 0;
				p->selected = false;
			}
		}
		if (p->periodic_at && now >= p->periodic_at) {
			p->ntt = true;
			p->periodic_at = now + periodic_ms(p);
		}
		churn_check(p, now);
		if (p->current_until && p->current_until < next)
			next = p->current_until;
		if (p->periodic_at && p->periodic_at < next)
			next = p->periodic_at;
		if (p->ntt && p->tx_window + 1000 < next)
			next = p->tx_window + 1000;
		if (p->damped_until > now && p->damped_until < next)
			next = p->damped_until;
		if (p->loop_until > now && p->loop_until < next)
			next = p->loop_until;
	}
	lacp_step(t, now, TEAM_R_NONE);
	return next;
}

/**
 * lacp_distributing() - members in the collecting-distributing state
 * @t: team
 *
 * Return: bit mask
 */
uint32_t lacp_distributing(const struct team *t)
{
	uint32_t mask = 0;

	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++)
		if (t->m[i].used && t->m[i].link &&
		    t->m[i].lacp.mux == LACP_MUX_COLL_DIST)
			mask |= 1u << i;
	return mask;
}

/**
 * lacp_all_defaulted() - no member with a link has a partner (fallback)
 * @t: team
 *
 * Return: true when at least one member has a link and none of them hears
 * a partner
 */
bool lacp_all_defaulted(const struct team *t)
{
	bool any = false;

	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++) {
		const struct team_member *m = &t->m[i];

		if (!m->used || !m->link)
			continue;
		if (m->lacp.rx != LACP_RX_DEFAULTED)
			return false;
		any = true;
	}
	return any;
}

/**
 * lacp_looped() - members that heard the team's own LACPDUs lately: a
 * loop, which the fallback must not forward over
 * @t: team
 * @now: monotonic ms
 *
 * Return: member bit mask
 */
uint32_t lacp_looped(const struct team *t, uint64_t now)
{
	uint32_t mask = 0;

	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++)
		if (t->m[i].used && t->m[i].lacp.loop_until > now)
			mask |= 1u << i;
	return mask;
}

/**
 * lacp_partner_heard() - a member with a link hears a partner now (its
 * receive machine is CURRENT): what ends the fallback
 * @t: team
 *
 * Return: true if one does
 */
bool lacp_partner_heard(const struct team *t)
{
	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++) {
		const struct team_member *m = &t->m[i];

		if (m->used && m->link && !m->gone &&
		    m->lacp.rx == LACP_RX_CURRENT)
			return true;
	}
	return false;
}

static json_t *state_words(uint8_t s)
{
	static const char *const words[8] = {
	    "activity",	  "timeout",	  "aggregation", "synchronized",
	    "collecting", "distributing", "defaulted",	 "expired",
	};
	json_t *a = json_array();

	for (int b = 0; b < 8; b++)
		if (s & 1u << b)
			json_array_append_new(a, json_string(words[b]));
	return a;
}

static json_t *info_json(const struct lacp_info *i)
{
	char buf[MAC_STRLEN];
	json_t *o =
	    json_pack("{s:i,s:s,s:i,s:i,s:i}", "system_priority", i->sys_prio,
		      "system", mac_format(i->sys, buf), "key", i->key,
		      "port_priority", i->port_prio, "port", i->port);

	json_object_set_new(o, "state", state_words(i->state));
	return o;
}

/**
 * lacp_status() - a member's LACP state as JSON
 * @t: team
 * @i: member
 * @obj: member object to extend with "lacp"
 * @now: monotonic ms
 * @wall_offset_ms: add to a monotonic time to get Unix time in ms
 */
void lacp_status(const struct team *t, unsigned i, json_t *obj, uint64_t now,
		 int64_t wall_offset_ms)
{
	static const char *const rx_names[] = {"disabled", "expired",
					       "defaulted", "current"};
	static const char *const mux_names[] = {"detached", "attached",
						"collecting_distributing"};
	const struct lacp_port *p = &t->m[i].lacp;
	json_t *o = json_pack(
	    "{s:s,s:s,s:b,s:I,s:I,s:I,s:I,s:b,s:b,s:I}", "rx_state",
	    rx_names[p->rx], "mux_state", mux_names[p->mux], "selected",
	    p->selected, "pdus_rx", (json_int_t)p->rx_pdus, "pdus_tx",
	    (json_int_t)p->tx_pdus, "malformed", (json_int_t)p->malformed,
	    "flaps", (json_int_t)p->flaps_total, "actor_churn", p->actor_churn,
	    "partner_churn", p->partner_churn, "churn_events",
	    (json_int_t)p->churns);

	json_object_set_new(o, "markers_tx",
			    json_integer((json_int_t)p->markers_tx));
	json_object_set_new(o, "markers_limited",
			    json_integer((json_int_t)p->markers_limited));
	json_object_set_new(o, "damped", json_boolean(p->damped_until > now));
	json_object_set_new(o, "loopback",
			    json_integer((json_int_t)p->loopback));
	json_object_set_new(o, "looped", json_boolean(p->loop_until > now));
	json_object_set_new(
	    o, "last_pdu_ms",
	    p->ever_rx ? json_integer(
			     (json_int_t)((int64_t)p->last_rx + wall_offset_ms))
		       : json_null());
	json_object_set_new(o, "actor", info_json(&p->actor));
	json_object_set_new(o, "partner", info_json(&p->partner));
	json_object_set_new(obj, "lacp", o);
}
