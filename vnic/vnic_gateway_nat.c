// SPDX-License-Identifier: GPL-2.0-or-later
/* vnic_gateway_nat.c - the gateway as a NAT router: its second leg on an
 * external network, next hops resolved by ARP on both legs, the external
 * address by DHCP, and the NAT engine (nat/nat.h) between the two
 *
 * The inside leg is the gateway port itself (vnic_gateway.c): a frame a VM
 * sends to the gateway's MAC that is not for the gateway's address comes
 * here (vgw_nat_ip()).  The outside leg is a port of its own on the
 * external network ("gx.NET", its own MAC); the switch hands it frames for
 * that MAC and broadcasts.  Both legs share the gateway's lock: every call
 * into the engine, the ARP caches and the DHCP client is made under it, so
 * the table has one user at a time.  vnetd pins both legs to one datapath
 * thread and runs vnic_gateway_nat_tick() from that thread's timer wheel,
 * so the lock is never contended in the common case.
 *
 * What leaves a leg waits in that leg's queue and enters the switch on the
 * leg's next rx_burst(), like every frame the gateway sends.
 *
 * Trust boundary: frames from VMs and from the external network are both
 * untrusted.  The engine validates IPv4 and L4 headers; ARP and DHCP are
 * read here through the bounds-checked cursor.
 */
#include "vnic_gateway.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/util.h"
#include "../lib/vnet_hdr.h"
#include "../nat/nat.h"
#include "vnic_gateway_priv.h"

#define VGW_QUOTE_MAX  (14 + 576) /* frame bytes an ICMP error may quote */
#define ARP_SLOTS      512	  /* cached next hops per leg (a power of 2) */
#define ARP_PROBE      8	  /* slots tried from an address's hash */
#define ARP_VALID_NS   60000000000ull /* an answer is trusted this long */
#define ARP_REFRESH_NS 15000000000ull /* ask again this long before */
#define ARP_RETRY_NS   1000000000ull
#define ARP_TRIES      3
#define ARP_FAILED_NS  3000000000ull /* a silent hop is not asked again */
#define PEND_SLOTS     32	     /* packets waiting for ARP, per leg */
#define PEND_PER_HOP   4
/* A queued packet's deadline: its hop's tries, and one more interval. */
#define PEND_TTL_NS   (ARP_TRIES * ARP_RETRY_NS + ARP_RETRY_NS)
#define ICMP_TOKENS   20 /* ICMP errors per tick (100 ms) */
#define LEG_SLOTS     1024
#define LEG_BIG_SLOTS 16
#define DHCPC_PORT    68
#define DHCPS_PORT    67

enum { INSIDE, OUTSIDE };

enum arp_state { ARP_FREE, ARP_RESOLVING, ARP_VALID, ARP_FAILED };

struct arp_ent {
	uint32_t ip;
	uint8_t mac[6];
	uint8_t state, tries;
	uint64_t t; /* valid: expiry; resolving: next try; failed: until */
};

/* A frame (Ethernet header to be filled) waiting for its next hop, until
 * @until at the latest. */
struct pend {
	bool used;
	uint32_t hop;
	uint64_t until;
	size_t len;
	struct pkt_offload ol;
	uint8_t data[VGW_SLOT_SIZE];
};

struct resolver {
	struct arp_ent ent[ARP_SLOTS];
	struct pend pend[PEND_SLOTS];
};

enum dhcpc_state {
	DHCPC_STATIC, /* no client: a static address */
	DHCPC_INIT,
	DHCPC_SELECTING,
	DHCPC_REQUESTING,
	DHCPC_BOUND,
	DHCPC_RENEWING,
	DHCPC_REBINDING,
};

static const char *const dhcpc_names[] = {
    "static", "init",	  "selecting", "requesting",
    "bound",  "renewing", "rebinding",
};

struct dhcpc {
	enum dhcpc_state state;
	uint32_t xid;
	uint64_t next;	  /* ns: next retransmission or state change */
	unsigned backoff; /* s */
	uint32_t offered; /* SELECTING/REQUESTING: the address asked for */
	uint32_t server;  /* the server to request from / renew with */
	uint8_t server_mac[6];
	uint64_t t1, t2, end; /* ns */
};

/* The external leg: a port of its own, state in the gateway. */
struct vgw_leg {
	struct vnic base;
	struct vnic_gateway *g;
	int efd;     /* readable while frames wait */
	bool kicked; /* @efd was written and not read yet */
	_Atomic uint64_t due;
	struct vgw_queue out[3]; /* small, jumbo, super-frames */
};

struct vgw_nat {
	struct nat_table *t;
	struct nat_config ncfg;
	struct vgw_leg *leg;
	uint8_t mac[6]; /* the leg's */
	unsigned ext_mtu;
	struct vgw_nat_lease addr;
	uint32_t fixed_router;
	struct dhcpc dc;
	void (*lease_changed)(void *arg);
	void *arg;
	unsigned tokens;
	struct resolver arp[2];
	struct vgw_nat_stats st;
	uint8_t buf[VGW_SLOT_SIZE]; /* an ICMP error or DHCP message */
};

static const char *const drop_names[] = {
#define VGW_NAT_DROP_NAME(id, name, desc) name,
    VGW_NAT_DROPS(VGW_NAT_DROP_NAME)
#undef VGW_NAT_DROP_NAME
};

/**
 * vgw_nat_drop_name() - short name of a NAT path drop reason
 * @d: reason
 *
 * Return: the name
 */
const char *vgw_nat_drop_name(enum vgw_nat_drop d)
{
	return d < VGW_NAT_DROP_MAX ? drop_names[d] : "none";
}

static uint32_t mask_of(unsigned prefix)
{
	return prefix ? ~0u << (32 - prefix) : 0;
}

static void ndrop(struct vgw_nat *n, enum vgw_nat_drop d)
{
	n->st.drops[d]++;
}

static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* ---- the external leg's queue and timer ---- */

static void leg_arm(struct vgw_leg *l)
{
	bool work = l->out[0].head != l->out[0].tail ||
		    l->out[1].head != l->out[1].tail ||
		    l->out[2].head != l->out[2].tail;
	uint64_t one = 1;

	atomic_store_explicit(&l->due, work ? 0 : UINT64_MAX,
			      memory_order_release);
	if (work && !l->kicked && write(l->efd, &one, sizeof(one)) > 0)
		l->kicked = true;
}

/* Room for a frame leaving on @side, with its offload state @ol (NULL:
 * none). */
static uint8_t *leg_slot_ol(struct vnic_gateway *g, int side, size_t len,
			    const struct pkt_offload *ol)
{
	struct vgw_nat *n = g->nat;
	uint64_t too_big = 0;
	uint8_t *f;

	if (side == INSIDE) {
		f = vgw_out_slot_ol(g, len, ol);
		if (!f)
			ndrop(n, VGW_NAT_DROP_QUEUE_FULL);
		return f;
	}
	if (!n->leg) {
		ndrop(n, VGW_NAT_DROP_NO_LEG);
		return NULL;
	}
	f = vgw_queue_slot(&n->leg->out[vgw_queue_pick(len)], len, ol,
			   &n->st.drops[VGW_NAT_DROP_QUEUE_FULL], &too_big);
	if (too_big)
		ndrop(n, VGW_NAT_DROP_TOO_BIG);
	return f;
}

static uint8_t *leg_slot(struct vnic_gateway *g, int side, size_t len)
{
	return leg_slot_ol(g, side, len, NULL);
}

static const uint8_t *side_mac(const struct vnic_gateway *g, int side)
{
	return side == INSIDE ? g->mac : g->nat->mac;
}

static uint32_t side_ip(const struct vnic_gateway *g, int side)
{
	return side == INSIDE ? g->cfg.ip : g->nat->addr.ip;
}

/* ---- ARP: a cache per leg, a few packets queued while resolving ---- */

/* Drop the packets waiting for @hop (every hop: @all). */
static void pend_drop(struct resolver *r, uint32_t hop, bool all,
		      struct vgw_nat *n)
{
	for (unsigned i = 0; i < PEND_SLOTS; i++)
		if (r->pend[i].used && (all || r->pend[i].hop == hop)) {
			r->pend[i].used = false;
			ndrop(n, VGW_NAT_DROP_ARP_FAILED);
		}
}

/* The entry for @ip, or NULL; with @make a new one if there is none,
 * taking the slot of the entry nearest its end when the window is full
 * (what waited for that one's answer is dropped: nothing would release
 * it). */
static struct arp_ent *arp_find(struct vgw_nat *n, struct resolver *r,
				uint32_t ip, bool make)
{
	uint32_t h = (ip * 2654435761u) >> 23; /* 9 bits: ARP_SLOTS */
	struct arp_ent *victim = NULL;

	for (unsigned i = 0; i < ARP_PROBE; i++) {
		struct arp_ent *e = &r->ent[(h + i) & (ARP_SLOTS - 1)];

		if (e->state != ARP_FREE && e->ip == ip)
			return e;
		if (!victim || e->state == ARP_FREE ||
		    (victim->state != ARP_FREE && e->t < victim->t))
			victim = e;
	}
	if (!make)
		return NULL;
	if (victim->state == ARP_RESOLVING)
		pend_drop(r, victim->ip, false, n);
	memset(victim, 0, sizeof(*victim));
	victim->ip = ip;
	return victim;
}

static void arp_request(struct vnic_gateway *g, int side, uint32_t ip)
{
	uint8_t *f = leg_slot(g, side, 60);

	if (!f)
		return;
	memset(f, 0, 60);
	vgw_eth_put(f, bcast_mac, side_mac(g, side), ETHERTYPE_ARP);
	pkt_put_be16(f + 14, 1);
	pkt_put_be16(f + 16, ETHERTYPE_IPV4);
	f[18] = 6;
	f[19] = 4;
	pkt_put_be16(f + 20, 1);
	memcpy(f + 22, side_mac(g, side), 6);
	vgw_put_be32(f + 28, side_ip(g, side));
	vgw_put_be32(f + 38, ip);
	g->nat->st.arp_requests++;
}

/* @ip is at @mac on @side: cache it and release what waited for it. */
static void arp_learn(struct vnic_gateway *g, int side, uint32_t ip,
		      const uint8_t *mac, bool make)
{
	struct resolver *r = &g->nat->arp[side];
	struct arp_ent *e;

	/* Checked before arp_find() may make room by evicting an entry. */
	if (!ip || mac_is_multicast(mac) || mac_is_zero(mac))
		return;
	e = arp_find(g->nat, r, ip, make);
	if (!e)
		return;
	memcpy(e->mac, mac, 6);
	e->state = ARP_VALID;
	e->tries = 0;
	e->t = now_ns() + ARP_VALID_NS;
	for (unsigned i = 0; i < PEND_SLOTS; i++) {
		struct pend *p = &r->pend[i];
		uint8_t *f;

		if (!p->used || p->hop != ip)
			continue;
		p->used = false;
		f = leg_slot_ol(g, side, p->len, &p->ol);
		if (!f)
			continue;
		memcpy(f, p->data, p->len);
		memcpy(f, mac, 6);
		g->nat->st.to_outside += side == OUTSIDE;
		g->nat->st.to_inside += side == INSIDE;
	}
}

/*
 * Send the frame @f (@len bytes, IPv4 after 14 bytes of Ethernet header to
 * be filled, offload state @ol) out @side to next hop @hop.
 */
static void leg_send(struct vnic_gateway *g, int side, uint32_t hop, uint8_t *f,
		     size_t len, const struct pkt_offload *ol)
{
	struct vgw_nat *n = g->nat;
	struct resolver *r = &n->arp[side];
	struct arp_ent *e = arp_find(n, r, hop, false);
	uint64_t now = now_ns();
	unsigned queued = 0;
	struct pend *slot = NULL;
	uint8_t *o;

	memcpy(f + 6, side_mac(g, side), 6);
	pkt_put_be16(f + 12, ETHERTYPE_IPV4);
	if (e && e->state == ARP_VALID && e->t > now) {
		/* Asked again before it runs out, so a busy flow never
		 * waits for ARP (the answer extends the entry). */
		if (e->t - now < ARP_REFRESH_NS && !e->tries) {
			e->tries = 1;
			arp_request(g, side, hop);
		}
		o = leg_slot_ol(g, side, len, ol);
		if (!o)
			return;
		memcpy(f, e->mac, 6);
		if (o != f) /* translated in place in its slot: no copy */
			memcpy(o, f, len);
		n->st.to_outside += side == OUTSIDE;
		n->st.to_inside += side == INSIDE;
		return;
	}
	if (e && e->state == ARP_FAILED && e->t > now)
		return ndrop(n, VGW_NAT_DROP_ARP_FAILED);
	for (unsigned i = 0; i < PEND_SLOTS; i++) {
		if (r->pend[i].used)
			queued += r->pend[i].hop == hop;
		else if (!slot)
			slot = &r->pend[i];
	}
	if (queued >= PEND_PER_HOP || len > VGW_SLOT_SIZE)
		slot = NULL;
	if (slot) {
		slot->used = true;
		slot->hop = hop;
		slot->until = now + PEND_TTL_NS;
		slot->len = len;
		slot->ol = *ol;
		memcpy(slot->data, f, len);
	}
	if (!e || e->state != ARP_RESOLVING) {
		/* Asked for whether or not the packet found room: a hop is
		 * never left unasked.  An expired entry keeps its slot; a
		 * new one takes one. */
		e = e ? e : arp_find(n, r, hop, true);
		e->state = ARP_RESOLVING;
		e->tries = 1;
		e->t = now + ARP_RETRY_NS;
		arp_request(g, side, hop);
	}
	if (!slot)
		ndrop(n, VGW_NAT_DROP_ARP_QUEUE_FULL);
}

/* Retries and give-ups, from the tick; a packet queued past its deadline
 * goes too (its hop's entry keeps none longer, but nothing else bounds
 * the queue). */
static void arp_tick(struct vnic_gateway *g, int side, uint64_t now)
{
	struct resolver *r = &g->nat->arp[side];

	for (unsigned i = 0; i < PEND_SLOTS; i++)
		if (r->pend[i].used && r->pend[i].until <= now) {
			r->pend[i].used = false;
			ndrop(g->nat, VGW_NAT_DROP_ARP_FAILED);
		}
	for (unsigned i = 0; i < ARP_SLOTS; i++) {
		struct arp_ent *e = &r->ent[i];

		if (e->state == ARP_RESOLVING && e->t <= now) {
			if (e->tries >= ARP_TRIES) {
				e->state = ARP_FAILED;
				e->t = now + ARP_FAILED_NS;
				pend_drop(r, e->ip, false, g->nat);
				continue;
			}
			e->tries++;
			e->t = now + ARP_RETRY_NS;
			arp_request(g, side, e->ip);
		} else if (e->state == ARP_FAILED && e->t <= now) {
			e->state = ARP_FREE;
		}
	}
}

/* An ARP packet (@a: 28 bytes, checked Ethernet/IPv4) on @side. */
static bool arp_rx(struct vnic_gateway *g, int side, const uint8_t *a)
{
	uint32_t spa = vgw_get_be32(a + 14), tpa = vgw_get_be32(a + 24),
		 me = side_ip(g, side);
	uint16_t op = pkt_get_be16(a + 6);
	uint8_t *f;

	if (!me || spa == me)
		return false;
	/* Only hops we asked for, or hosts asking for us, enter the cache. */
	arp_learn(g, side, spa, a + 8, tpa == me);
	if (op == 2)
		return tpa == me;
	if (op != 1 || tpa != me || side == INSIDE)
		return false; /* the inside gateway answers its own */
	f = leg_slot(g, OUTSIDE, 60);
	if (!f)
		return true;
	memset(f, 0, 60);
	vgw_eth_put(f, a + 8, g->nat->mac, ETHERTYPE_ARP);
	memcpy(f + 14, a, 6);
	pkt_put_be16(f + 20, 2);
	memcpy(f + 22, g->nat->mac, 6);
	vgw_put_be32(f + 28, me);
	memcpy(f + 32, a + 8, 6);
	vgw_put_be32(f + 38, spa);
	g->nat->st.arp_replies++;
	return true;
}

/**
 * vgw_nat_arp() - an ARP packet on the inside: learn the VM's MAC, take
 * answers to the gateway's own requests
 * @g: gateway, locked, with NAT
 * @a: the ARP packet (28 bytes, Ethernet/IPv4 checked)
 *
 * Return: true if consumed (an answer to the gateway)
 */
bool vgw_nat_arp(struct vnic_gateway *g, const uint8_t *a)
{
	return arp_rx(g, INSIDE, a);
}

/* ---- ICMP the gateway sends itself ---- */

/* An ICMP error about the IPv4 packet @ip back to where the frame @f came
 * from, from @src. */
static void icmp_error(struct vnic_gateway *g, int side, const uint8_t *f,
		       const uint8_t *ip, size_t len, uint8_t type,
		       uint8_t code, uint16_t mtu, uint32_t src)
{
	struct vgw_nat *n = g->nat;
	size_t m;
	uint8_t *o;

	if (!n->tokens)
		return ndrop(n, VGW_NAT_DROP_ICMP_RATE);
	m = nat_icmp_error(ip, len, type, code, mtu, src, n->buf + 14,
			   sizeof(n->buf) - 14);
	if (!m)
		return;
	n->tokens--;
	o = leg_slot(g, side, 14 + m);
	if (!o)
		return;
	vgw_eth_put(n->buf, f + 6, side_mac(g, side), ETHERTYPE_IPV4);
	memcpy(o, n->buf, 14 + m);
	n->st.icmp_errors++;
}

/*
 * An echo request to the external address (NAT_HOST): answer it, from a
 * header of its own.  The request's IP options are not echoed (a source
 * route reversed blindly would steer the reply where the sender chose:
 * RFC 1812 4.3.3.6 leaves them out of the reply too), and a fragment is
 * never answered as if it were the whole request (the engine drops those:
 * nothing is reassembled).
 */
static void echo_reply(struct vnic_gateway *g, int side, uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14;
	size_t hl = (size_t)(ip[0] & 15) * 4, tot = pkt_get_be16(ip + 2), icmp;
	uint8_t *o;

	if (len < 14 + 20 || hl < 20 || ip[9] != NAT_PROTO_ICMP ||
	    tot < hl + 8 || tot > len - 14 || ip[hl] != 8 ||
	    (pkt_get_be16(ip + 6) & 0x3fff))
		return;
	icmp = tot - hl;
	o = leg_slot(g, side, 14 + 20 + icmp);
	if (!o)
		return;
	vgw_eth_put(o, f + 6, side_mac(g, side), ETHERTYPE_IPV4);
	vgw_ip_put(o + 14, vgw_get_be32(ip + 16), vgw_get_be32(ip + 12),
		   NAT_PROTO_ICMP, 20 + icmp, ip[1], pkt_get_be16(ip + 4));
	memcpy(o + 34, ip + hl, icmp);
	o[34] = 0; /* echo reply */
	pkt_put_be16(o + 36, 0);
	pkt_put_be16(o + 36, csum_fold(csum_partial(o + 34, icmp, 0)));
	g->nat->st.echo_replies++;
}

/* ---- the DHCP client on the external leg ---- */

static uint64_t secs_ns(uint64_t s)
{
	return s * 1000000000ull;
}

/*
 * Send a DISCOVER or REQUEST for the client's state, or a DECLINE of
 * @decline (with the server id of the client's server).
 */
static void dhcpc_send(struct vnic_gateway *g, uint8_t type, uint32_t decline)
{
	struct vgw_nat *n = g->nat;
	struct dhcpc *c = &n->dc;
	bool renew = c->state == DHCPC_RENEWING && !decline;
	bool ciaddr = !decline && (renew || c->state == DHCPC_REBINDING);
	uint8_t *m = n->buf + 42, *o;
	size_t len;

	memset(n->buf, 0, sizeof(n->buf));
	m[DHCP_OFS_OP] = DHCP_BOOTREQUEST;
	m[1] = 1; /* htype: Ethernet */
	m[2] = DHCP_CHADDR_ETH;
	vgw_put_be32(m + DHCP_OFS_XID, c->xid);
	if (!ciaddr) /* answer by broadcast */
		pkt_put_be16(m + DHCP_OFS_FLAGS, DHCP_FLAG_BCAST);
	else
		vgw_put_be32(m + DHCP_OFS_CIADDR, n->addr.ip);
	memcpy(m + DHCP_OFS_CHADDR, n->mac, DHCP_CHADDR_ETH);
	vgw_put_be32(m + DHCP_OFS_COOKIE, DHCP_COOKIE);
	o = m + DHCP_OFS_OPTS;
	*o++ = 53, *o++ = 1, *o++ = type;
	if (decline || c->state == DHCPC_REQUESTING) {
		*o++ = 50, *o++ = 4;
		vgw_put_be32(o, decline ? decline : c->offered), o += 4;
		*o++ = 54, *o++ = 4, vgw_put_be32(o, c->server), o += 4;
	}
	*o++ = 55, *o++ = 6;
	*o++ = 1, *o++ = 3, *o++ = 51, *o++ = 54, *o++ = 58, *o++ = 59;
	*o++ = 255;
	len = (size_t)(o - m) < 300 ? 300 : (size_t)(o - m);
	vgw_eth_put(n->buf, renew ? c->server_mac : bcast_mac, n->mac,
		    ETHERTYPE_IPV4);
	vgw_ip_put(n->buf + 14, ciaddr ? n->addr.ip : 0,
		   renew ? c->server : 0xffffffffu, 17, 20 + 8 + len, 0, 0);
	pkt_put_be16(n->buf + 34, DHCPC_PORT);
	pkt_put_be16(n->buf + 36, DHCPS_PORT);
	pkt_put_be16(n->buf + 38, (uint16_t)(8 + len));
	pkt_put_be16(n->buf + 40, 0xffff);
	l4_csum_fill(n->buf, 42 + len);
	o = leg_slot(g, OUTSIDE, 42 + len);
	if (!o)
		return;
	memcpy(o, n->buf, 42 + len);
	n->st.dhcp_sent++;
}

static void dhcpc_state(struct vgw_nat *n, enum dhcpc_state s, uint64_t next)
{
	n->dc.state = s;
	n->dc.next = next;
}

/*
 * Use lease @l as the external address (ip 0: none).  The table takes the
 * address first: one it refuses changes nothing.
 *
 * Return: 0 or -EINVAL
 */
static int set_address(struct vnic_gateway *g, const struct vgw_nat_lease *l)
{
	struct vgw_nat *n = g->nat;
	struct nat_config c = n->ncfg;
	char err[160];

	if (l->ip && l->ip != n->addr.ip) {
		c.ext_addr[0] = l->ip;
		c.n_ext = 1;
		if (nat_table_configure(n->t, &c, now_sec(), err,
					sizeof(err))) {
			vlog_rl(VNIC, ERR,
				"%s: external address %u.%u.%u.%u refused: %s",
				g->base.name, l->ip >> 24, l->ip >> 16 & 255,
				l->ip >> 8 & 255, l->ip & 255, err);
			return -EINVAL;
		}
		n->ncfg = c;
		vlog(VNIC, INFO, "%s: external address %u.%u.%u.%u/%u",
		     g->base.name, l->ip >> 24, l->ip >> 16 & 255,
		     l->ip >> 8 & 255, l->ip & 255, l->prefix);
	}
	if (l->ip != n->addr.ip) {
		/* The outside cache was the old address's; what waited in it
		 * carries the old address as its source. */
		memset(n->arp[OUTSIDE].ent, 0, sizeof(n->arp[OUTSIDE].ent));
		pend_drop(&n->arp[OUTSIDE], 0, true, n);
	}
	n->addr = *l;
	if (n->fixed_router)
		n->addr.router = n->fixed_router;
	return 0;
}

/*
 * Can the lease of @ip/@prefix with next hop @router (0: none) be the
 * external address?  Not 0/8, 127/8, multicast, class E or broadcast, not
 * inside the private subnet, not the network or broadcast address of its
 * own prefix; its router likewise, and not the address itself.
 */
static bool lease_usable(const struct vgw_nat *n, uint32_t ip, unsigned prefix,
			 uint32_t router)
{
	uint32_t m = mask_of(prefix);

	if (!nat_ext_addr_usable(n->ncfg.inside_net, n->ncfg.inside_prefix, ip))
		return false;
	if (prefix < 31 && ((ip & ~m) == 0 || (ip & ~m) == ~m))
		return false;
	return !router || (router != ip &&
			   nat_ext_addr_usable(n->ncfg.inside_net,
					       n->ncfg.inside_prefix, router));
}

struct dhcp_opts {
	uint8_t type;
	uint32_t server, mask, router, lease, t1, t2;
};

static bool dhcp_opts_parse(struct pkt_cursor *c, struct dhcp_opts *o)
{
	uint8_t code, len;
	const uint8_t *v;

	while (pkt_pull_u8(c, &code) && code != 255) {
		if (!code)
			continue;
		if (!pkt_pull_u8(c, &len) || !(v = pkt_pull(c, len)))
			return false;
		if (code == 53 && len == 1)
			o->type = v[0];
		else if (len >= 4 && code == 54)
			o->server = vgw_get_be32(v);
		else if (len >= 4 && code == 1)
			o->mask = vgw_get_be32(v);
		else if (len >= 4 && code == 3)
			o->router = vgw_get_be32(v);
		else if (len >= 4 && code == 51)
			o->lease = vgw_get_be32(v);
		else if (len >= 4 && code == 58)
			o->t1 = vgw_get_be32(v);
		else if (len >= 4 && code == 59)
			o->t2 = vgw_get_be32(v);
	}
	return true;
}

static unsigned mask_prefix(uint32_t mask)
{
	unsigned p = 0;

	while (p < 32 && (mask & (1u << (31 - p))))
		p++;
	return p ? p : 24;
}

/* Count and log a DHCP @what of @ip that cannot be the external one. */
static void bad_lease(struct vnic_gateway *g, const char *what, uint32_t ip,
		      const char *done)
{
	ndrop(g->nat, VGW_NAT_DROP_BAD_LEASE);
	vlog_rl(VNIC, WARN,
		"%s: DHCP %s of %u.%u.%u.%u %s: not usable as the external "
		"address",
		g->base.name, what, ip >> 24, ip >> 16 & 255, ip >> 8 & 255,
		ip & 255, done);
}

/* A DHCP message (@m, @len bytes, untrusted) for the client. */
static void dhcpc_rx(struct vnic_gateway *g, const uint8_t *f, const uint8_t *m,
		     size_t len)
{
	struct vgw_nat *n = g->nat;
	struct dhcpc *c = &n->dc;
	struct dhcp_opts o = {0};
	struct pkt_cursor cur;
	const uint8_t *h;
	uint64_t now = now_ns();
	uint32_t yiaddr;

	pkt_cursor_init(&cur, m, len);
	h = pkt_pull(&cur, DHCP_OFS_OPTS);
	if (!h || h[DHCP_OFS_OP] != DHCP_BOOTREPLY ||
	    vgw_get_be32(h + DHCP_OFS_XID) != c->xid ||
	    memcmp(h + DHCP_OFS_CHADDR, n->mac, DHCP_CHADDR_ETH) ||
	    vgw_get_be32(h + DHCP_OFS_COOKIE) != DHCP_COOKIE ||
	    !dhcp_opts_parse(&cur, &o))
		return;
	yiaddr = vgw_get_be32(h + DHCP_OFS_YIADDR);
	if (o.type == 2 && c->state == DHCPC_SELECTING && yiaddr && o.server) {
		if (!lease_usable(n, yiaddr, mask_prefix(o.mask), o.router)) {
			bad_lease(g, "offer", yiaddr, "ignored");
			return;
		}
		c->offered = yiaddr;
		c->server = o.server;
		dhcpc_state(n, DHCPC_REQUESTING, now + secs_ns(4));
		dhcpc_send(g, 3, 0);
		return;
	}
	if ((o.type != 5 && o.type != 6) || c->state < DHCPC_REQUESTING)
		return;
	/* An ACK or NAK: from the server requested from or renewing with
	 * (any if a kept lease did not name it); rebinding asks every
	 * server.  A NAK always names its server. */
	if (!o.server ? o.type == 6 || c->state == DHCPC_REBINDING
		      : c->state != DHCPC_REBINDING && c->server &&
			    o.server != c->server) {
		ndrop(n, VGW_NAT_DROP_DHCP_FOREIGN);
		return;
	}
	if (o.type == 6) {
		struct vgw_nat_lease none = {0};

		n->st.dhcp_naks++;
		vlog_rl(VNIC, WARN, "%s: DHCP server refused the address",
			g->base.name);
		(void)set_address(g, &none);
		dhcpc_state(n, DHCPC_INIT, now);
		return;
	}
	if (!yiaddr)
		return;
	struct vgw_nat_lease l = {
	    .ip = yiaddr,
	    .prefix = (uint8_t)mask_prefix(o.mask),
	    .router = o.router,
	    .server = o.server ? o.server : c->server,
	    .expires = (int64_t)time(NULL) + (o.lease ? o.lease : 3600),
	};
	uint32_t lease = o.lease ? o.lease : 3600;

	if (!lease_usable(n, yiaddr, l.prefix, l.router) ||
	    set_address(g, &l)) {
		/* Declined; a bound address stays until its lease ends. */
		bad_lease(g, "lease", yiaddr, "declined");
		if (l.server)
			c->server = l.server;
		dhcpc_send(g, 4, yiaddr);
		if (c->state == DHCPC_REQUESTING)
			dhcpc_state(n, DHCPC_INIT, now + secs_ns(10));
		return;
	}
	c->server = l.server;
	memcpy(c->server_mac, f + 6, 6);
	c->t1 = now + secs_ns(o.t1 && o.t1 < lease ? o.t1 : lease / 2);
	c->t2 = now + secs_ns(o.t2 && o.t2 < lease ? o.t2 : lease * 7 / 8);
	c->end = now + secs_ns(lease);
	if (c->t2 < c->t1)
		c->t2 = c->t1;
	n->st.dhcp_acks++;
	dhcpc_state(n, DHCPC_BOUND, c->t1);
	if (n->lease_changed)
		n->lease_changed(n->arg);
}

static void dhcpc_tick(struct vnic_gateway *g, uint64_t now)
{
	struct vgw_nat *n = g->nat;
	struct dhcpc *c = &n->dc;

	if (c->state == DHCPC_STATIC || c->next > now)
		return;
	switch (c->state) {
	case DHCPC_INIT:
		c->xid =
		    (uint32_t)(now ^ (now >> 32)) ^ vgw_get_be32(n->mac + 2);
		c->backoff = 2;
		dhcpc_state(n, DHCPC_SELECTING, now + secs_ns(c->backoff));
		dhcpc_send(g, 1, 0);
		break;
	case DHCPC_SELECTING:
		c->backoff = c->backoff < 16 ? c->backoff * 2 : 16;
		c->next = now + secs_ns(c->backoff);
		dhcpc_send(g, 1, 0);
		break;
	case DHCPC_REQUESTING:
		dhcpc_state(n, DHCPC_INIT, now);
		break;
	case DHCPC_BOUND:
		c->xid++;
		dhcpc_state(n, DHCPC_RENEWING, now);
		/* fall through */
	case DHCPC_RENEWING:
		if (now >= c->t2) {
			dhcpc_state(n, DHCPC_REBINDING, now);
			return dhcpc_tick(g, now);
		}
		dhcpc_send(g, 3, 0);
		c->next = now + secs_ns(2) < c->t2 ? now + secs_ns(2) : c->t2;
		break;
	case DHCPC_REBINDING:
		if (now >= c->end) {
			struct vgw_nat_lease none = {0};

			vlog_rl(VNIC, WARN, "%s: DHCP lease ended unrenewed",
				g->base.name);
			(void)set_address(g, &none);
			dhcpc_state(n, DHCPC_INIT, now);
			return;
		}
		dhcpc_send(g, 3, 0);
		c->next = now + secs_ns(2) < c->end ? now + secs_ns(2) : c->end;
		break;
	default:
		break;
	}
}

/* ---- packets through the engine ---- */

static uint32_t next_hop(const struct vgw_nat *n, uint32_t dst)
{
	uint32_t m = mask_of(n->addr.prefix);

	if (n->addr.router && (dst & m) != (n->addr.ip & m))
		return n->addr.router;
	return dst;
}

/* Total length of a plausible IPv4 header at @ip, else 0 (the engine
 * names what is wrong). */
static size_t ip_total(const uint8_t *ip, size_t len)
{
	size_t tot;

	if (len < 20 || ip[0] >> 4 != 4)
		return 0;
	tot = pkt_get_be16(ip + 2);
	return tot <= len ? tot : 0;
}

/*
 * Ready a frame the switch handed a leg (offload state @ol) for the engine.
 * A partial TCP or UDP checksum stays partial: the engine updates the
 * pseudo-header sum it holds (NAT_F_CSUM_PARTIAL in *@flags), and the
 * segments or the egress finish it.  Any other partial checksum (ICMP, an
 * odd offset) is finished here, since the engine verifies or rewrites it
 * whole.  A super-frame must be TCPv4 with its checksum partial at the TCP
 * field.  The NAT changes no header's length, so csum_start and hdr_len
 * stay right.
 *
 * Return: false for a frame to drop (counted)
 */
static bool ol_prep(struct vgw_nat *n, uint8_t *f, size_t len,
		    struct pkt_offload *ol, unsigned *flags)
{
	const uint8_t *ip = f + 14;
	bool partial = ol->flags & PKT_OL_NEEDS_CSUM;
	size_t hl;
	uint8_t proto;

	*flags = 0;
	if (!ol->flags && !ol->gso_type)
		return true;
	if (len < 34)
		goto finish;
	hl = (size_t)(ip[0] & 15) * 4;
	proto = ip[9];
	if (partial && ip[0] >> 4 == 4 && hl >= 20 &&
	    !(pkt_get_be16(ip + 6) & 0x3fff) && ol->csum_start == 14 + hl &&
	    ((proto == NAT_PROTO_TCP && ol->csum_offset == 16) ||
	     (proto == NAT_PROTO_UDP && ol->csum_offset == 6)) &&
	    (!ol->gso_type ||
	     (ol->gso_type == PKT_GSO_TCPV4 && proto == NAT_PROTO_TCP))) {
		*flags = NAT_F_CSUM_PARTIAL;
		return true;
	}
finish:
	if (!ol->gso_type && vgw_ol_finish(f, len, ol))
		return true;
	ndrop(n, VGW_NAT_DROP_BAD_OFFLOAD);
	return false;
}

/* IP bytes of the largest packet a frame of IP length @tot puts on the
 * wire: a super-frame's segments (each carries the headers), not itself. */
static size_t wire_size(const struct pkt_offload *ol, size_t tot)
{
	size_t seg;

	if (!ol->gso_type || ol->hdr_len <= 14)
		return tot;
	seg = (size_t)ol->hdr_len - 14 + ol->gso_size;
	return seg < tot ? seg : tot;
}

/* An ICMP error about a frame that may hold a partial checksum: the quote
 * shows it finished. */
static void icmp_error_ol(struct vnic_gateway *g, int side, uint8_t *f,
			  size_t len, struct pkt_offload *ol, uint8_t type,
			  uint8_t code, uint16_t mtu, uint32_t src)
{
	if (!vgw_ol_finish(f, len, ol))
		return ndrop(g->nat, VGW_NAT_DROP_BAD_OFFLOAD);
	icmp_error(g, side, f, f + 14, len - 14, type, code, mtu, src);
}

/* The largest frame the gateway fragments: a jumbo network's MTU. */
#define FRAG_MAX_FRAME (14 + 9216)

/*
 * A translated IPv4 packet without DF, larger than the next link's @mtu:
 * sent on as fragments of at most @mtu bytes (RFC 791), as a router does.
 * A fragment is cut again with its offsets and MF kept.  Packets with IP
 * options are not cut (which options each fragment repeats is the
 * option's business; none in common use needs this) and are dropped as
 * too big, as are super-frames (their segments carry DF).  The frame is
 * copied first: @f may be the very slot the first fragment goes into.
 */
static void send_fragments(struct vnic_gateway *g, int side, uint32_t hop,
			   uint8_t *f, size_t len, struct pkt_offload *ol,
			   size_t mtu)
{
	static const struct pkt_offload none;
	uint8_t orig[FRAG_MAX_FRAME], frag[FRAG_MAX_FRAME];
	const uint8_t *ip = orig + 14;
	size_t tot, data, off, chunk, max;
	uint16_t field;

	if (ol->gso_type || len > sizeof(orig) || mtu < 68 ||
	    !vgw_ol_finish(f, len, ol))
		return ndrop(g->nat, VGW_NAT_DROP_TOO_BIG);
	memcpy(orig, f, len);
	tot = ip_total(ip, len - 14);
	if (tot <= 20 || (ip[0] & 15) != 5)
		return ndrop(g->nat, VGW_NAT_DROP_TOO_BIG);
	field = pkt_get_be16(ip + 6);
	data = tot - 20;
	/* A fragment ending past 65535 (the engine drops those) would get
	 * pieces whose offset runs into the flag bits. */
	if ((size_t)(field & 0x1fff) * 8 + tot > 65535)
		return ndrop(g->nat, VGW_NAT_DROP_TOO_BIG);
	max = (mtu - 20) & ~(size_t)7;
	for (off = 0; off < data; off += chunk) {
		bool last = off + max >= data;
		uint16_t fo = (uint16_t)((field & 0x1fff) + off / 8);

		chunk = last ? data - off : max;
		memcpy(frag, orig, 14 + 20);
		memcpy(frag + 34, ip + 20 + off, chunk);
		pkt_put_be16(frag + 16, (uint16_t)(20 + chunk));
		pkt_put_be16(
		    frag + 20,
		    (uint16_t)(fo | (!last || (field & 0x2000) ? 0x2000 : 0)));
		pkt_put_be16(frag + 24, 0);
		pkt_put_be16(frag + 24,
			     csum_fold(csum_partial(frag + 14, 20, 0)));
		leg_send(g, side, hop, frag, 34 + chunk, &none);
	}
	g->nat->st.fragmented++;
}

/* @src (a checked inside source) sent from @mac: keep the cache fresh. */
static void learn_vm(struct vnic_gateway *g, uint32_t src, const uint8_t *mac)
{
	struct arp_ent *e = arp_find(g->nat, &g->nat->arp[INSIDE], src, false);

	if ((src & mask_of(g->cfg.prefix)) !=
	    (g->cfg.ip & mask_of(g->cfg.prefix)))
		return;
	if (!e || e->state != ARP_VALID || memcmp(e->mac, mac, 6) ||
	    e->t < now_ns() + ARP_VALID_NS / 2)
		arp_learn(g, INSIDE, src, mac, true);
}

/**
 * vgw_nat_landing() - where a frame from a VM that is a super-frame is
 * copied to be translated in place: the external leg's next super-frame
 * slot (vgw_queue_landing())
 * @g: gateway, locked, with NAT
 * @o: the frame
 *
 * Return: the slot, or NULL (use the scratch buffer)
 */
uint8_t *vgw_nat_landing(struct vnic_gateway *g, const struct pkt_out *o)
{
	return g->nat->leg ? vgw_queue_landing(&g->nat->leg->out[2], o) : NULL;
}

/* Will frame @f, of @tot IPv4 bytes, need fragments at @mtu (*@frag)? A
 * super-frame does only if its segments do.  True when it does and DF
 * forbids them: if the engine forwards it, "fragmentation needed" answers
 * instead (decided after the engine, so a packet it drops - spoofed, for
 * no mapping - costs no ICMP and none of the shared budget). */
static bool nat_too_big(const uint8_t *f, const struct pkt_offload *ol,
			size_t tot, size_t mtu, bool *frag)
{
	*frag = wire_size(ol, tot) > mtu;
	return *frag && (pkt_get_be16(f + 14 + 6) & 0x4000);
}

/* Copy the first bytes of frame @f (@len) into @q (@size): what
 * "fragmentation needed" quotes, as the frame arrived, before the engine
 * rewrites it, with a partial checksum finished in the copy.
 * Return: bytes copied, 0 for a checksum offset outside the frame. */
static size_t quote_copy(uint8_t *q, size_t size, const uint8_t *f, size_t len,
			 const struct pkt_offload *ol)
{
	size_t n = len < size ? len : size;

	memcpy(q, f, n);
	return vgw_ol_finish_copy(q, n, f, len, ol) ? n : 0;
}

/* Send the translated packet in @f to @hop on @side, in fragments of @mtu
 * when @frag. */
static void nat_send(struct vnic_gateway *g, int side, uint32_t hop, uint8_t *f,
		     size_t len, struct pkt_offload *ol, bool frag, size_t mtu)
{
	if (frag)
		send_fragments(g, side, hop, f, len, ol, mtu);
	else
		leg_send(g, side, hop, f, len, ol);
}

/* What the engine left to the gateway itself on the packet's own @side:
 * an echo reply (NAT_HOST), or "time exceeded" from @me (a drop for TTL).
 * Return: false for any other verdict. */
static bool nat_answer(struct vnic_gateway *g, int side, uint8_t *f, size_t len,
		       struct pkt_offload *ol, const struct nat_verdict *v,
		       uint32_t me)
{
	if (v->action == NAT_HOST)
		echo_reply(g, side, f, len);
	else if (v->action == NAT_DROP && v->drop == NAT_DROP_TTL)
		icmp_error_ol(g, side, f, len, ol, 11, 0, 0, me);
	else
		return false;
	return true;
}

/* A new flow from the VM at @src the engine refused: worth a line (rate
 * limited: the guest chooses how often), the quota's naming the address. */
static void refused_log(const struct vnic_gateway *g, enum nat_drop d,
			uint32_t src)
{
	if (d == NAT_DROP_PORTS_EXHAUSTED || d == NAT_DROP_TABLE_FULL)
		vlog_rl(VNIC, WARN, "%s: NAT %s: new flow refused",
			g->base.name, nat_drop_name(d));
	else if (d == NAT_DROP_QUOTA)
		vlog_rl(VNIC, WARN,
			"%s: NAT quota: %u.%u.%u.%u holds its %u entries "
			"(nat_sessions_per_ip): new flow refused",
			g->base.name, src >> 24, src >> 16 & 255,
			src >> 8 & 255, src & 255,
			g->nat->ncfg.sessions_per_ip);
}

/**
 * vgw_nat_ip() - a VM sent an IPv4 frame to the gateway's MAC: route it
 * through the engine unless it is for the gateway's own address
 * @g: gateway, locked, with NAT
 * @f: the frame (writable, untrusted)
 * @len: its length
 *
 * Return: true if handled here, false for the gateway's services
 */
bool vgw_nat_ip(struct vnic_gateway *g, uint8_t *f, size_t len)
{
	struct vgw_nat *n = g->nat;
	struct pkt_offload *ol = &g->scratch_ol;
	uint8_t *ip = f + 14;
	size_t iplen = len - 14;
	struct nat_verdict v;
	unsigned flags;
	uint32_t src;
	uint8_t smac[6], quote[VGW_QUOTE_MAX];
	size_t qlen = 0;
	bool frag, big;

	if (len < 34 || vgw_get_be32(ip + 16) == g->cfg.ip ||
	    vgw_get_be32(ip + 16) == 0xffffffffu)
		return false;
	/* The engine rewrites the source: the VM's, for learning below. */
	src = vgw_get_be32(ip + 12);
	memcpy(smac, f + 6, 6);
	if (!n->addr.ip) {
		ndrop(n, VGW_NAT_DROP_NO_ADDRESS);
		return true;
	}
	if (!ol_prep(n, f, len, ol, &flags))
		return true;
	big = nat_too_big(f, ol, ip_total(ip, iplen), n->ext_mtu, &frag);
	if (big && !(qlen = quote_copy(quote, sizeof(quote), f, len, ol))) {
		ndrop(n, VGW_NAT_DROP_BAD_OFFLOAD);
		return true;
	}
	nat_out(n->t, ip, iplen, flags, now_sec(), &v);
	n->st.superframes += v.action != NAT_DROP && ol->gso_type;
	/* Only a packet the engine took (header, checksum and source
	 * checked) teaches the VM's MAC. */
	if (v.action != NAT_DROP)
		learn_vm(g, src, smac);
	if (v.action == NAT_FORWARD && big)
		icmp_error(g, INSIDE, quote, quote + 14, qlen - 14, 3, 4,
			   (uint16_t)n->ext_mtu, g->cfg.ip);
	else if (v.action == NAT_FORWARD)
		nat_send(g, OUTSIDE, next_hop(n, vgw_get_be32(ip + 16)), f,
			 14 + ip_total(ip, iplen), ol, frag, n->ext_mtu);
	else if (v.action == NAT_HAIRPIN)
		leg_send(g, INSIDE, vgw_get_be32(ip + 16), f,
			 14 + ip_total(ip, iplen), ol);
	else if (!nat_answer(g, INSIDE, f, len, ol, &v, g->cfg.ip))
		refused_log(g, v.drop, src);
	return true;
}

/* A frame on the external leg (@f in g->scratch or a landing slot, writable,
 * untrusted). */
static void leg_frame(struct vnic_gateway *g, uint8_t *f, size_t len)
{
	struct vgw_nat *n = g->nat;
	struct pkt_offload *ol = &g->scratch_ol;
	struct pkt_cursor c;
	const uint8_t *a;
	uint8_t *ip;
	size_t iplen, tot;
	struct nat_verdict v;
	unsigned flags;
	uint16_t type;
	uint8_t quote[VGW_QUOTE_MAX];
	size_t qlen = 0;
	bool frag, big;

	pkt_cursor_init(&c, f, len);
	if (!pkt_pull(&c, 12) || !pkt_pull_be16(&c, &type))
		return ndrop(n, VGW_NAT_DROP_BAD_FRAME);
	/* On a shared segment the leg also sees what the switch floods:
	 * multicast and other hosts' unicast are not its to drop. */
	if (memcmp(f, n->mac, 6) && memcmp(f, bcast_mac, 6))
		return;
	if (type == ETHERTYPE_ARP) {
		a = pkt_pull(&c, 28);
		if (a && pkt_get_be16(a) == 1 &&
		    pkt_get_be16(a + 2) == ETHERTYPE_IPV4 && a[4] == 6 &&
		    a[5] == 4)
			arp_rx(g, OUTSIDE, a);
		return;
	}
	if (type != ETHERTYPE_IPV4) {
		if (!memcmp(f, n->mac, 6))
			ndrop(n, VGW_NAT_DROP_BAD_FRAME);
		return;
	}
	ip = f + 14;
	iplen = len - 14;
	tot = ip_total(ip, iplen);
	/* The DHCP client's answers come before the engine: they may be
	 * broadcast, and to an address the gateway does not have yet. */
	if (tot >= 28 && ip[9] == 17 && n->dc.state != DHCPC_STATIC &&
	    (ip[6] & 0x3f) == 0 && ip[7] == 0) {
		size_t hl = (size_t)(ip[0] & 15) * 4;

		if (hl >= 20 && tot >= hl + 8 &&
		    pkt_get_be16(ip + hl + 2) == DHCPC_PORT &&
		    pkt_get_be16(ip + hl) == DHCPS_PORT) {
			size_t ul = pkt_get_be16(ip + hl + 4);

			if (ol->gso_type || !vgw_ol_finish(f, len, ol))
				return ndrop(n, VGW_NAT_DROP_BAD_OFFLOAD);
			if (ul >= 8 && ul <= tot - hl)
				dhcpc_rx(g, f, ip + hl + 8, ul - 8);
			return;
		}
	}
	if (memcmp(f, n->mac, 6))
		return; /* broadcast IPv4 other than the DHCP client's */
	if (!n->addr.ip)
		return ndrop(n, VGW_NAT_DROP_NO_ADDRESS);
	if (!ol_prep(n, f, len, ol, &flags))
		return;
	big = nat_too_big(f, ol, tot, g->base.mtu, &frag);
	if (big && !(qlen = quote_copy(quote, sizeof(quote), f, len, ol)))
		return ndrop(n, VGW_NAT_DROP_BAD_OFFLOAD);
	nat_in(n->t, ip, iplen, flags, now_sec(), &v);
	n->st.superframes += v.action != NAT_DROP && ol->gso_type;
	if ((v.action == NAT_FORWARD || v.action == NAT_HAIRPIN) && big)
		icmp_error(g, OUTSIDE, quote, quote + 14, qlen - 14, 3, 4,
			   (uint16_t)g->base.mtu, n->addr.ip);
	else if (v.action == NAT_FORWARD || v.action == NAT_HAIRPIN)
		nat_send(g, INSIDE, vgw_get_be32(ip + 16), f,
			 14 + ip_total(ip, iplen), ol, frag, g->base.mtu);
	else if (!nat_answer(g, OUTSIDE, f, len, ol, &v, n->addr.ip) &&
		 v.drop == NAT_DROP_FORWARD_SHARE)
		/* Remotes choose how often: rate limited. */
		vlog_rl(VNIC, WARN,
			"%s: NAT forward_share: remotes' connections through "
			"forwards hold half the table: new connection from "
			"%u.%u.%u.%u refused",
			g->base.name, ip[12], ip[13], ip[14], ip[15]);
}

/* ---- the external leg's ops ---- */

static struct vgw_leg *to_leg(struct vnic *v)
{
	return (struct vgw_leg *)v;
}

static int leg_open(const struct vnic_params *params, struct vnic **out,
		    char *err, size_t errlen)
{
	snprintf(err, errlen, "a NAT leg is made by its gateway");
	return -EOPNOTSUPP;
}

static void leg_close(struct vnic *v)
{
	struct vgw_leg *l = to_leg(v);
	struct vnic_gateway *g = l->g;

	if (g) {
		pthread_mutex_lock(&g->lock);
		if (g->nat && g->nat->leg == l)
			g->nat->leg = NULL;
		pthread_mutex_unlock(&g->lock);
	}
	if (l->efd >= 0)
		close(l->efd);
	for (unsigned k = 0; k < 3; k++)
		vgw_queue_fini(&l->out[k]);
	free(l);
}

static int leg_rx_burst(struct vnic *v, unsigned rxq, struct pkt_pool *pool,
			struct pkt **pkts, unsigned n)
{
	struct vgw_leg *l = to_leg(v);
	uint64_t now = now_ns(), tick;
	unsigned got;

	if (atomic_load_explicit(&l->due, memory_order_acquire) > now)
		return 0;
	pthread_mutex_lock(&l->g->lock);
	if (l->kicked) {
		if (read(l->efd, &tick, sizeof(tick)) < 0) {
			/* EAGAIN: nothing to clear */
		}
		l->kicked = false;
	}
	got = 0;
	for (unsigned k = 0; k < 3; k++)
		got += vgw_queue_drain(&l->out[k], pool, pkts + got, n - got);
	leg_arm(l);
	pthread_mutex_unlock(&l->g->lock);
	return (int)got;
}

static int leg_tx_burst(struct vnic *v, unsigned txq, const struct pkt_out *out,
			unsigned n, uint64_t *bytes)
{
	struct vgw_leg *l = to_leg(v);
	struct vnic_gateway *g = l->g;

	pthread_mutex_lock(&g->lock);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *buf = vgw_queue_landing(&g->out[2], &out[i]);
		size_t len;

		buf = buf ? buf : g->scratch;
		len = vgw_gather(g, &out[i], buf);
		*bytes += len;
		if (g->nat)
			leg_frame(g, buf, len);
	}
	leg_arm(l);
	vgw_arm(g);
	pthread_mutex_unlock(&g->lock);
	return (int)n;
}

static int leg_rx_fd(const struct vnic *v, unsigned rxq)
{
	return ((const struct vgw_leg *)v)->efd;
}

static void leg_describe(const struct vnic *v, json_t *obj)
{
	const struct vgw_leg *l = (const struct vgw_leg *)v;
	char mac[MAC_STRLEN];

	if (l->g->nat)
		json_object_set_new(
		    obj, "mac", json_string(mac_format(l->g->nat->mac, mac)));
}

static const struct vnic_ops leg_ops = {
    .kind = "nat-leg",
    .open = leg_open,
    .close = leg_close,
    .rx_burst = leg_rx_burst,
    .tx_burst = leg_tx_burst,
    .rx_fd = leg_rx_fd,
    .describe = leg_describe,
};

/**
 * vnic_gateway_nat_open() - give a gateway NAT and make its external leg
 * @gw: gateway port (before it joins the switch, or while it forwards)
 * @cfg: the NAT settings; @cfg->table passes to the gateway
 * @leg: the external leg's port, to add to the external network
 * @err: why not
 * @errlen: room in @err
 *
 * The leg's port holds on to the gateway: close it (vswitch_port_del())
 * before the gateway's.
 *
 * Return: 0 or -errno (the table is then still the caller's)
 */
int vnic_gateway_nat_open(struct vnic *gw, const struct vgw_nat_config *cfg,
			  struct vnic **leg, char *err, size_t errlen)
{
	struct vnic_gateway *g = (struct vnic_gateway *)gw;
	struct vnic_params p = {.kind = "nat-leg",
				.name = cfg->name,
				.mtu = cfg->mtu,
				.has_mac = true};
	struct vgw_nat *n;
	struct vgw_leg *l;

	if (gw->ops != &vnic_gateway_ops || g->nat) {
		snprintf(err, errlen, "%s: not a gateway without NAT",
			 gw->name);
		return -EINVAL;
	}
	if (cfg->addr.ip &&
	    !nat_ext_addr_usable(cfg->nat->inside_net, cfg->nat->inside_prefix,
				 cfg->addr.ip)) {
		snprintf(err, errlen, "%s: external address unusable",
			 cfg->name);
		return -EINVAL;
	}
	n = calloc(1, sizeof(*n));
	l = calloc(1, sizeof(*l));
	if (!n || !l) {
		free(n);
		free(l);
		snprintf(err, errlen, "out of memory for NAT");
		return -ENOMEM;
	}
	memcpy(p.mac, cfg->mac, 6);
	vnic_base_init(&l->base, &leg_ops, &p);
	l->g = g;
	atomic_init(&l->due, UINT64_MAX);
	l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->efd < 0 ||
	    vgw_queue_init(&l->out[0], LEG_SLOTS, VGW_SLOT_SIZE) ||
	    vgw_queue_init(&l->out[1], LEG_BIG_SLOTS, PKT_MAX_FRAME) ||
	    vgw_queue_init(&l->out[2], VGW_GSO_SLOTS, PKT_GSO_MAX_FRAME)) {
		snprintf(err, errlen, "%s: %s", cfg->name,
			 l->efd < 0 ? strerror(errno) : "out of memory");
		if (l->efd >= 0)
			close(l->efd);
		for (unsigned k = 0; k < 3; k++)
			vgw_queue_fini(&l->out[k]);
		free(l);
		free(n);
		return -ENOMEM;
	}
	n->t = cfg->table;
	n->ncfg = *cfg->nat;
	n->leg = l;
	memcpy(n->mac, cfg->mac, 6);
	n->ext_mtu = cfg->mtu;
	n->fixed_router = cfg->router;
	n->addr = cfg->addr;
	if (n->fixed_router)
		n->addr.router = n->fixed_router;
	n->lease_changed = cfg->lease_changed;
	n->arg = cfg->arg;
	n->tokens = ICMP_TOKENS;
	n->dc.state = DHCPC_STATIC;
	if (cfg->dhcp) {
		/* A lease kept across a restart is renewed at once. */
		n->dc.state = n->addr.ip ? DHCPC_BOUND : DHCPC_INIT;
		n->dc.server = n->addr.server;
		memcpy(n->dc.server_mac, bcast_mac, 6);
		n->dc.end = n->dc.t2 = UINT64_MAX;
		if (n->addr.expires > (int64_t)time(NULL))
			n->dc.end = n->dc.t2 =
			    now_ns() +
			    secs_ns((uint64_t)(n->addr.expires - time(NULL)));
		n->dc.next = 0;
	}
	pthread_mutex_lock(&g->lock);
	g->nat = n;
	pthread_mutex_unlock(&g->lock);
	/* Both legs carry partial checksums and TCPv4 super-frames through
	 * the engine whole, so NAT'ed TCP crosses in 64 KB frames. */
	atomic_store(&l->base.tx_offloads, VGW_TX_OFFLOADS);
	atomic_store(&g->base.tx_offloads, VGW_TX_OFFLOADS);
	*leg = &l->base;
	return 0;
}

/**
 * vgw_nat_kick() - frames may wait in the external leg's queue: have its
 * rx_burst() run
 * @g: gateway, locked, with NAT
 */
void vgw_nat_kick(struct vnic_gateway *g)
{
	if (g->nat->leg)
		leg_arm(g->nat->leg);
}

/**
 * vgw_nat_free() - the gateway closes: free its NAT and detach the table
 * @g: gateway (no longer in the switch)
 */
void vgw_nat_free(struct vnic_gateway *g)
{
	struct vgw_nat *n = g->nat;

	if (!n)
		return;
	if (n->leg) /* closed out of order: the leg forgets its gateway */
		n->leg->g = NULL;
	nat_table_detach(n->t);
	free(n);
	g->nat = NULL;
}

/**
 * vnic_gateway_nat_tick() - periodic work (every 100 ms): expire NAT
 * entries, retry ARP, run the DHCP client, refill the ICMP error budget
 * @gw: gateway with NAT
 *
 * Call it on the datapath thread both legs are pinned to.
 */
void vnic_gateway_nat_tick(struct vnic *gw)
{
	struct vnic_gateway *g = (struct vnic_gateway *)gw;
	uint64_t now = now_ns();
	struct vgw_nat *n;

	pthread_mutex_lock(&g->lock);
	n = g->nat;
	if (n) {
		n->tokens = ICMP_TOKENS;
		(void)nat_expire(n->t, now_sec(), 4096);
		arp_tick(g, INSIDE, now);
		arp_tick(g, OUTSIDE, now);
		dhcpc_tick(g, now);
		if (n->leg)
			leg_arm(n->leg);
		vgw_arm(g);
	}
	pthread_mutex_unlock(&g->lock);
}

/**
 * vnic_gateway_nat_stats() - the NAT path's counters and the engine's
 * @gw: gateway
 * @st: filled in (zeroed without NAT)
 * @ns: the engine's counters (zeroed without NAT)
 */
void vnic_gateway_nat_stats(struct vnic *gw, struct vgw_nat_stats *st,
			    struct nat_stats *ns)
{
	struct vnic_gateway *g = (struct vnic_gateway *)gw;

	memset(st, 0, sizeof(*st));
	memset(ns, 0, sizeof(*ns));
	pthread_mutex_lock(&g->lock);
	if (g->nat) {
		*st = g->nat->st;
		st->lease = g->nat->addr;
		st->dhcp_state = dhcpc_names[g->nat->dc.state];
		st->sf_whole[INSIDE] = atomic_load(&g->base.sf_whole);
		st->sf_cut[INSIDE] = atomic_load(&g->base.sf_cut);
		if (g->nat->leg) {
			st->sf_whole[OUTSIDE] =
			    atomic_load(&g->nat->leg->base.sf_whole);
			st->sf_cut[OUTSIDE] =
			    atomic_load(&g->nat->leg->base.sf_cut);
		}
		nat_stats_get(g->nat->t, ns);
	}
	pthread_mutex_unlock(&g->lock);
}

/* Entries copied out of the table under the lock, for a walk's callback
 * to see after it is released. */
struct walk_buf {
	unsigned n;
	struct nat_session_info si[NAT_SLICE];
};

static void walk_copy(const struct nat_session_info *si, void *arg)
{
	struct walk_buf *b = arg;

	b->si[b->n++] = *si;
}

/**
 * vnic_gateway_nat_walk() - list the table's sessions and mappings, or its
 * forwards
 * @gw: gateway
 * @forwards: list the forwards only
 * @cb: called per entry, without the gateway's lock
 * @arg: passed to @cb
 *
 * The table is read NAT_SLICE entries per hold of the gateway's lock, and
 * @cb runs between holds, so a listing of a big table (or a slow @cb)
 * does not stop the packets of NAT'd flows.  The listing is therefore not
 * one instant's: see nat_session_walk().
 */
void vnic_gateway_nat_walk(struct vnic *gw, bool forwards,
			   void (*cb)(const struct nat_session_info *si,
				      void *arg),
			   void *arg)
{
	struct vnic_gateway *g = (struct vnic_gateway *)gw;
	struct walk_buf *b = malloc(sizeof(*b));
	uint32_t pos = 0;

	if (!b) {
		vlog_rl(VNIC, ERR, "%s: out of memory for a NAT listing",
			g->base.name);
		return;
	}
	do {
		b->n = 0;
		pthread_mutex_lock(&g->lock);
		if (g->nat && forwards)
			pos = nat_forward_walk(g->nat->t, pos, NAT_SLICE,
					       walk_copy, b);
		else if (g->nat)
			pos = nat_session_walk(g->nat->t, pos, NAT_SLICE,
					       walk_copy, b);
		else
			pos = 0;
		pthread_mutex_unlock(&g->lock);
		for (unsigned i = 0; i < b->n; i++)
			cb(&b->si[i], arg);
	} while (pos);
	free(b);
}

/**
 * vnic_gateway_nat_flush() - forget every session and dynamic mapping
 * @gw: gateway
 *
 * NAT_SLICE entries per hold of the gateway's lock (see nat_flush()).
 *
 * Return: entries freed
 */
unsigned vnic_gateway_nat_flush(struct vnic *gw)
{
	struct vnic_gateway *g = (struct vnic_gateway *)gw;
	unsigned n = 0, k;
	uint32_t pos = 0;
	bool done;

	do {
		k = 0;
		pthread_mutex_lock(&g->lock);
		done = !g->nat || nat_flush(g->nat->t, &pos, NAT_SLICE, &k);
		n += k;
		pthread_mutex_unlock(&g->lock);
	} while (!done);
	return n;
}

/**
 * vnic_gateway_nat_forward() - add or delete a port forward in the table
 * @gw: gateway
 * @add: add (else delete)
 * @proto: NAT_PROTO_TCP or NAT_PROTO_UDP
 * @ext_port: external port
 * @int_ip: inside address (add only), host order
 * @int_port: inside port (add only)
 * @err: why not
 * @errlen: room in @err
 *
 * Return: 0 or -errno (-EEXIST: already there; -ENOENT: no such forward;
 * -ENODEV: no NAT)
 */
int vnic_gateway_nat_forward(struct vnic *gw, bool add, uint8_t proto,
			     uint16_t ext_port, uint32_t int_ip,
			     uint16_t int_port, char *err, size_t errlen)
{
	struct vnic_gateway *g = (struct vnic_gateway *)gw;
	int rc;

	/* A mapping's sessions go NAT_SLICE per hold of the lock. */
	do {
		snprintf(err, errlen, "the gateway has no NAT");
		rc = -ENODEV;
		pthread_mutex_lock(&g->lock);
		if (g->nat && add)
			rc = nat_forward_add(g->nat->t, proto, ext_port, int_ip,
					     int_port, err, errlen);
		else if (g->nat)
			rc = nat_forward_del(g->nat->t, proto, ext_port);
		pthread_mutex_unlock(&g->lock);
	} while (rc == -EAGAIN);
	return rc;
}
