// SPDX-License-Identifier: GPL-2.0-or-later
/* dhcp6.c - DHCPv6 server engine (RFC 8415): the binding table and the
 * answers to SOLICIT, REQUEST, CONFIRM, RENEW, REBIND, RELEASE, DECLINE and
 * INFORMATION-REQUEST
 *
 * The binding table is allocated once (@max_bindings entries).  An entry is
 * found by address and by client (DUID, IAID) through two chained hashes
 * keyed with the server's secret, so a guest cannot line its DUIDs up on
 * one chain.  Addresses come from a keyed hash of (DUID, IAID) (dhcp6.h
 * says why); ADVERTISE creates no entry.
 *
 * Every message is a guest's: dhcp6_msg_parse() checks its bounds, and the
 * rules of RFC 8415 16 (which identifiers each type must or must not
 * carry) are checked here before anything changes.  Nothing here does I/O.
 */
#include "dhcp6.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/pkt.h"
#include "../lib/siphash.h"
#include "dhcp6_priv.h"
#include "dhcp_priv.h"

enum bstate {
	B_FREE,
	B_BOUND,
	B_DECLINED,
};

/* The largest status code option written: code, length, status and a
 * message of at most 32 characters. */
#define STATUS_MAX (DHCP6_OPT_HDR + 2 + 32)
/* The largest Client FQDN option echoed: flags and a 255-byte name. */
#define FQDN_ECHO_MAX 256

/* Candidates tried for one client before the IA gets NoAddrsAvail. */
#define PICK_TRIES 64

/* A binding's holder (@port): 0 a trusted port, 1..DHCP6S_MAX_PORTS a
 * switch port + 1, PORT_GONE one that left (dhcp6s_port_gone()). */
#define PORT_GONE 0xffffu
/* The holder of an untrusted port id >= DHCP6S_MAX_PORTS: always full. */
#define PORT_UNKNOWN 0xfffeu

/*
 * One address.  Links are entry index + 1 so that 0 means none.  A bound
 * entry is on both hashes; a declined one (no client any more) on the
 * address hash only; a free one on the free list.
 */
struct binding {
	uint64_t iid;
	int64_t expires;
	uint32_t iaid;
	uint32_t addr_next, key_next, free_next;
	uint16_t port; /* holder: see PORT_GONE; part of the client key */
	uint8_t state;
	uint8_t duid_len;
	uint8_t duid[DHCP6S_DUID_MAX];
	char hostname[DHCP6S_HOSTNAME_MAX + 1];
};

struct dhcp6s {
	struct dhcp6s_config cfg; /* defaults filled in */
	uint8_t sduid[10];	  /* DUID-LL: type 3, hardware type 1, MAC */
	bool avoid_gw;		  /* the gateway's address is in the /64 */
	uint64_t gw_iid;
	struct siphash_key key;
	uint8_t search[DHCP6S_SEARCH_MAX + 2];
	size_t search_len;
	struct binding *b;
	uint32_t cap, free_head;
	uint32_t *addr_bkt, *key_bkt, bmask;
	uint32_t port_held[DHCP6S_MAX_PORTS];
	int64_t next_expiry;
	struct dhcp6s_stats st;
	struct dhcp6_msg msg; /* scratch: the message being handled */
};

/* One message being answered. */
struct ctx {
	struct dhcp6s *s;
	const struct dhcp6_msg *m;
	const struct dhcp6s_rx *rx;
	struct dhcp6_writer w;
	unsigned assigned; /* IA_NAs given an address */
	bool lean;	   /* leave the optional parts out: see reply_bound() */
};

static const char *const drop_names[] = {
#define DHCP6S_DROP_NAME(id, name, desc) name,
    DHCP6S_DROPS(DHCP6S_DROP_NAME)
#undef DHCP6S_DROP_NAME
};

static const char *const drop_descs[] = {
#define DHCP6S_DROP_DESC(id, name, desc) desc,
    DHCP6S_DROPS(DHCP6S_DROP_DESC)
#undef DHCP6S_DROP_DESC
};

/**
 * dhcp6s_drop_name() - a drop reason's counter name
 * @d: the reason
 *
 * Return: e.g. "wrong_server"; "none" for DHCP6S_DROP_NONE
 */
const char *dhcp6s_drop_name(enum dhcp6s_drop d)
{
	return d < DHCP6S_DROP_MAX ? drop_names[d] : "none";
}

/**
 * dhcp6s_drop_desc() - a drop reason in a sentence
 * @d: the reason
 *
 * Return: the sentence; "" for DHCP6S_DROP_NONE
 */
const char *dhcp6s_drop_desc(enum dhcp6s_drop d)
{
	return d < DHCP6S_DROP_MAX ? drop_descs[d] : "";
}

/* ---- hashing ---- */

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* SipHash-2-4 of @n bytes. */
static uint64_t sip_bytes(const struct siphash_key *k, const uint8_t *p,
			  size_t n)
{
	uint64_t v0 = k->v[0], v1 = k->v[1], v2 = k->v[2], v3 = k->v[3];
	uint64_t b = (uint64_t)n << 56;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t m = le64(p + i);

		v3 ^= m;
		SIPHASH_ROUND(v0, v1, v2, v3);
		SIPHASH_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (size_t j = 0; i + j < n; j++)
		b |= (uint64_t)p[i + j] << (8 * j);
	v3 ^= b;
	SIPHASH_ROUND(v0, v1, v2, v3);
	SIPHASH_ROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		SIPHASH_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The keyed hash of a client's IA, told apart by @tag: the address
 * candidates ('A' and the try number) and the table bucket ('K'). */
static uint64_t ia_hash(const struct dhcp6s *s, uint8_t tag, uint8_t n,
			const uint8_t *duid, size_t duid_len, uint32_t iaid)
{
	uint8_t buf[6 + DHCP6S_DUID_MAX];

	buf[0] = tag;
	buf[1] = n;
	dhcp_put_be32(buf + 2, iaid);
	memcpy(buf + 6, duid, duid_len);
	return sip_bytes(&s->key, buf, 6 + duid_len);
}

static uint64_t iid_of(const uint8_t *addr)
{
	uint64_t v = 0;

	for (int i = 8; i < 16; i++)
		v = v << 8 | addr[i];
	return v;
}

static void addr_of(const struct dhcp6s *s, uint64_t iid, uint8_t *addr)
{
	memcpy(addr, s->cfg.prefix, 8);
	for (int i = 15; i >= 8; i--, iid >>= 8)
		addr[i] = (uint8_t)iid;
}

static bool on_link(const struct dhcp6s *s, const uint8_t *addr)
{
	return !memcmp(addr, s->cfg.prefix, 8);
}

/* Interface identifiers never handed out (RFC 5453 and the IANA registry
 * of reserved IIDs), as disjoint inclusive ranges: the subnet-router
 * anycast (RFC 4291), the ISATAP ones (RFC 5214), the IANA Ethernet block
 * (RFC 7136, holding proxy mobile IPv6's 0200:5eff:fe00:5213) and the
 * reserved subnet anycast addresses (RFC 2526). */
static const struct {
	uint64_t first, last;
} iid_reserved_ranges[] = {
    {0, 0},
    {0x00005efe00000000ull, 0x00005efeffffffffull},
    {0x02005efe00000000ull, 0x02005efeffffffffull},
    {0x02005efffe000000ull, 0x02005efffeffffffull},
    {0xfdffffffffffff80ull, 0xfdffffffffffffffull},
};

static bool iid_reserved(uint64_t iid)
{
	for (size_t i = 0;
	     i < sizeof(iid_reserved_ranges) / sizeof(iid_reserved_ranges[0]);
	     i++)
		if (iid >= iid_reserved_ranges[i].first &&
		    iid <= iid_reserved_ranges[i].last)
			return true;
	return false;
}

/* Whether [@first, @last] holds only reserved identifiers: the ranges are
 * disjoint and apart, so only when one of them holds it whole. */
static bool iid_range_reserved(uint64_t first, uint64_t last)
{
	for (size_t i = 0;
	     i < sizeof(iid_reserved_ranges) / sizeof(iid_reserved_ranges[0]);
	     i++)
		if (first >= iid_reserved_ranges[i].first &&
		    last <= iid_reserved_ranges[i].last)
			return true;
	return false;
}

/* ---- the binding table ---- */

static uint32_t bidx(const struct dhcp6s *s, const struct binding *e)
{
	return (uint32_t)(e - s->b) + 1;
}

static uint32_t *addr_head(const struct dhcp6s *s, uint64_t iid)
{
	return &s->addr_bkt[siphash13_u64(&s->key, iid) & s->bmask];
}

/* The client key's bucket: (DUID, IAID, holder), so that the bindings one
 * DUID has through many ports do not share one chain. */
static uint32_t *key_head(const struct dhcp6s *s, const uint8_t *duid,
			  size_t len, uint32_t iaid, uint16_t port)
{
	uint64_t h = ia_hash(s, 'K', 0, duid, len, iaid);

	return &s->key_bkt[siphash13_u64(&s->key, h ^ port) & s->bmask];
}

static struct binding *by_addr(const struct dhcp6s *s, uint64_t iid)
{
	if (!s->cap) /* no table: its allocation failed */
		return NULL;
	for (uint32_t i = *addr_head(s, iid); i; i = s->b[i - 1].addr_next)
		if (s->b[i - 1].iid == iid)
			return &s->b[i - 1];
	return NULL;
}

static struct binding *by_key(const struct dhcp6s *s, const uint8_t *duid,
			      size_t len, uint32_t iaid, uint16_t port)
{
	uint32_t i = s->cap ? *key_head(s, duid, len, iaid, port) : 0;

	for (; i; i = s->b[i - 1].key_next) {
		const struct binding *e = &s->b[i - 1];

		if (e->iaid == iaid && e->port == port && e->duid_len == len &&
		    !memcmp(e->duid, duid, len))
			return &s->b[i - 1];
	}
	return NULL;
}

static void unlink_from(struct dhcp6s *s, uint32_t *pp, struct binding *e,
			bool key)
{
	uint32_t me = bidx(s, e);

	while (*pp && *pp != me)
		pp = key ? &s->b[*pp - 1].key_next : &s->b[*pp - 1].addr_next;
	if (*pp)
		*pp = key ? e->key_next : e->addr_next;
}

static void key_unlink(struct dhcp6s *s, struct binding *e)
{
	if (!e->duid_len)
		return;
	unlink_from(s, key_head(s, e->duid, e->duid_len, e->iaid, e->port), e,
		    true);
	e->key_next = 0;
	e->duid_len = 0;
}

static void key_link(struct dhcp6s *s, struct binding *e)
{
	uint32_t *h = key_head(s, e->duid, e->duid_len, e->iaid, e->port);

	e->key_next = *h;
	*h = bidx(s, e);
}

/* Whether @port (a holder) counts against a switch port's share. */
static bool port_counted(uint16_t port)
{
	return port && port <= DHCP6S_MAX_PORTS;
}

/* Change @e's holder, keeping the shares and, for a bound entry, the
 * client key's hash right. */
static void port_set(struct dhcp6s *s, struct binding *e, uint16_t port)
{
	bool keyed = e->duid_len;

	if (e->port == port)
		return;
	if (keyed)
		unlink_from(s,
			    key_head(s, e->duid, e->duid_len, e->iaid, e->port),
			    e, true);
	if (port_counted(e->port))
		s->port_held[e->port - 1]--;
	e->port = port;
	if (port_counted(port))
		s->port_held[port - 1]++;
	if (keyed)
		key_link(s, e);
}

static void set_expiry(struct dhcp6s *s, struct binding *e, int64_t t)
{
	e->expires = t;
	if (t < s->next_expiry)
		s->next_expiry = t;
}

static void binding_free(struct dhcp6s *s, struct binding *e)
{
	if (e->state == B_FREE)
		return;
	if (e->state == B_BOUND)
		s->st.bindings--;
	else
		s->st.declined--;
	key_unlink(s, e);
	unlink_from(s, addr_head(s, e->iid), e, false);
	port_set(s, e, 0);
	memset(e, 0, sizeof(*e));
	e->free_next = s->free_head;
	s->free_head = bidx(s, e);
}

static struct binding *binding_new(struct dhcp6s *s, uint64_t iid,
				   const uint8_t *duid, size_t len,
				   uint32_t iaid, uint16_t port)
{
	struct binding *e;
	uint32_t *h;

	if (!s->free_head)
		return NULL;
	e = &s->b[s->free_head - 1];
	s->free_head = e->free_next;
	memset(e, 0, sizeof(*e));
	e->state = B_BOUND;
	e->iid = iid;
	e->iaid = iaid;
	memcpy(e->duid, duid, len);
	e->duid_len = (uint8_t)len;
	h = addr_head(s, iid);
	e->addr_next = *h;
	*h = bidx(s, e);
	e->port = port;
	if (port_counted(port))
		s->port_held[port - 1]++;
	key_link(s, e);
	s->st.bindings++;
	return e;
}

/* The holder a message's bindings get: its port + 1, 0 for a trusted
 * one, PORT_UNKNOWN for an id the share table cannot tell apart. */
static uint16_t port_of(const struct dhcp6s_rx *rx)
{
	if (rx->trusted)
		return 0;
	return rx->in_port < DHCP6S_MAX_PORTS ? (uint16_t)(rx->in_port + 1)
					      : PORT_UNKNOWN;
}

/* Whether the message's port may not take one more binding. */
static bool port_full(const struct dhcp6s *s, const struct dhcp6s_rx *rx)
{
	uint16_t p = port_of(rx);

	if (p == PORT_UNKNOWN) /* fail closed: it holds nothing */
		return true;
	return s->cfg.port_share != DHCP6S_SHARE_UNLIMITED && port_counted(p) &&
	       s->port_held[p - 1] >= s->cfg.port_share;
}

/*
 * The client's binding for @ia.  DUIDs and IAIDs cross the link in
 * multicast, so a guest can name another's; a binding is therefore keyed
 * by (DUID, IAID, holder): the same DUID and IAID from another guest's
 * port is another client, whose binding (and address: the next candidate)
 * is its own and cannot renew, release, take or block the first one's, at
 * any time, including before the first one binds.  A trusted port is one
 * more holder (0).  A binding whose port left (dhcp6s_port_gone()) goes to
 * the first port that asks for it with room in its share (commit() moves
 * it).
 */
static struct binding *own_binding(const struct ctx *c,
				   const struct dhcp6_ia *ia)
{
	const struct dhcp6_msg *m = c->m;
	struct binding *e =
	    by_key(c->s, m->cid, m->cid_len, ia->iaid, port_of(c->rx));

	if (e)
		return e;
	e = by_key(c->s, m->cid, m->cid_len, ia->iaid, PORT_GONE);
	return e && !port_full(c->s, c->rx) ? e : NULL;
}

/* Whether the IA's first address candidate is bound to the same DUID and
 * IAID through another holder: the IA gets the next one (counted). */
static void count_foreign(struct dhcp6s *s, const struct dhcp6_msg *m,
			  const struct dhcp6_ia *ia)
{
	uint64_t span = s->cfg.iid_last - s->cfg.iid_first + 1;
	uint64_t h = ia_hash(s, 'A', 0, m->cid, m->cid_len, ia->iaid);
	const struct binding *e =
	    by_addr(s, s->cfg.iid_first + (span ? h % span : h));

	if (e && e->iaid == ia->iaid && e->duid_len == m->cid_len &&
	    !memcmp(e->duid, m->cid, m->cid_len))
		s->st.drops[DHCP6S_DROP_FOREIGN_PORT]++;
}

static bool iid_free(const struct dhcp6s *s, uint64_t c)
{
	return !iid_reserved(c) && !(s->avoid_gw && c == s->gw_iid) &&
	       !by_addr(s, c);
}

/*
 * The address for a client's IA: the first candidate of its hash sequence
 * that is in range, not reserved, not the gateway's and held by no other
 * entry.  The same (key, DUID, IAID) gives the same sequence, so the same
 * address while nobody else holds it.  In a range of at most four times
 * the table's size, where PICK_TRIES candidates can all be taken while
 * some are free, the range is then walked from the first candidate on:
 * still the same answer for the same table, and bounded.
 *
 * Return: false when no free address was found
 */
static bool pick(const struct dhcp6s *s, const uint8_t *duid, size_t len,
		 uint32_t iaid, uint64_t *iid)
{
	uint64_t span = s->cfg.iid_last - s->cfg.iid_first + 1, first = 0;

	for (unsigned n = 0; n < PICK_TRIES; n++) {
		uint64_t h = ia_hash(s, 'A', (uint8_t)n, duid, len, iaid);
		uint64_t c = span ? h % span : h;

		if (!n)
			first = c;
		if (iid_free(s, s->cfg.iid_first + c)) {
			*iid = s->cfg.iid_first + c;
			return true;
		}
	}
	if (!span || span > 4ull * s->cap)
		return false;
	for (uint64_t k = 1; k < span; k++) {
		uint64_t c = s->cfg.iid_first + (first + k) % span;

		if (iid_free(s, c)) {
			*iid = c;
			return true;
		}
	}
	return false;
}

/* ---- writing replies ---- */

static void put_ia_head(struct ctx *c, const struct dhcp6_ia *ia,
			bool lifetimes, size_t *at)
{
	uint32_t pref = c->s->cfg.preferred;

	*at = dhcp6_opt_open(&c->w, ia->type);
	dhcp6_put_be32(&c->w, ia->iaid);
	if (ia->type == DHCP6_OPT_IA_TA)
		return;
	dhcp6_put_be32(&c->w, lifetimes ? pref / 2 : 0);
	dhcp6_put_be32(&c->w, lifetimes ? (uint32_t)(pref * 4ull / 5) : 0);
}

static void put_iaaddr(struct ctx *c, const uint8_t *addr, uint32_t pref,
		       uint32_t valid)
{
	size_t at = dhcp6_opt_open(&c->w, DHCP6_OPT_IAADDR);

	dhcp6_put(&c->w, addr, 16);
	dhcp6_put_be32(&c->w, pref);
	dhcp6_put_be32(&c->w, valid);
	dhcp6_opt_close(&c->w, at);
}

/* An IA holding only a status (its T1/T2 0). */
static void put_ia_status(struct ctx *c, const struct dhcp6_ia *ia, uint16_t st,
			  const char *msg)
{
	size_t at;

	put_ia_head(c, ia, false, &at);
	dhcp6_status_put(&c->w, st, msg);
	dhcp6_opt_close(&c->w, at);
}

/* An IA_NA holding @e's address with fresh lifetimes, and the other
 * addresses the client listed with lifetimes 0: not its any more (RFC
 * 8415 18.3.4). */
static void put_ia_bound(struct ctx *c, const struct dhcp6_ia *ia, uint64_t iid)
{
	uint8_t addr[16];
	size_t at;

	addr_of(c->s, iid, addr);
	put_ia_head(c, ia, true, &at);
	put_iaaddr(c, addr, c->s->cfg.preferred, c->s->cfg.valid);
	for (unsigned i = 0; i < ia->naddr && !c->lean; i++)
		if (memcmp(ia->addr[i], addr, 16))
			put_iaaddr(c, ia->addr[i], 0, 0);
	dhcp6_opt_close(&c->w, at);
	c->assigned++;
}

static bool ia_lists(const struct dhcp6_ia *ia, const struct dhcp6s *s,
		     uint64_t iid)
{
	uint8_t addr[16];

	addr_of(s, iid, addr);
	for (unsigned i = 0; i < ia->naddr; i++)
		if (!memcmp(ia->addr[i], addr, 16))
			return true;
	return false;
}

/* The first label of the client's FQDN (RFC 4704 option 39: flags, then
 * a name in DNS wire format), if it is a valid host name. */
static void hostname_of(const struct dhcp6_msg *m, char *out)
{
	out[0] = 0;
	if (m->fqdn_len < 3)
		return;
	size_t n = m->fqdn[1];

	if (n > DHCP6S_HOSTNAME_MAX || n + 2 > m->fqdn_len ||
	    !dhcp_label_valid((const char *)m->fqdn + 2, n))
		return;
	memcpy(out, m->fqdn + 2, n);
	out[n] = 0;
}

/* Bind (or extend) @e for the message's client; a binding whose port
 * left goes to the message's. */
static void commit(struct ctx *c, struct binding *e)
{
	set_expiry(c->s, e, c->rx->now + c->s->cfg.valid);
	if (e->port == PORT_GONE)
		port_set(c->s, e, port_of(c->rx));
	if (c->m->fqdn)
		hostname_of(c->m, e->hostname);
}

/*
 * An IA_NA of SOLICIT (@bind false: nothing changes) or of REQUEST or a
 * rapid-commit SOLICIT (@bind true): the client's binding, or a new
 * address, or NoAddrsAvail.  Hints (IAADDR in the IA) are not followed:
 * the address stays the hash's.
 */
static void ia_na_assign(struct ctx *c, const struct dhcp6_ia *ia, bool bind)
{
	struct dhcp6s *s = c->s;
	const struct dhcp6_msg *m = c->m;
	struct binding *e = own_binding(c, ia);
	uint64_t iid;

	if (e) {
		if (bind)
			commit(c, e);
		return put_ia_bound(c, ia, e->iid);
	}
	if (port_full(s, c->rx)) {
		s->st.drops[DHCP6S_DROP_PORT_SHARE]++;
		return put_ia_status(c, ia, DHCP6_ST_NO_ADDRS_AVAIL,
				     "port share used up");
	}
	if (!s->free_head || !pick(s, m->cid, m->cid_len, ia->iaid, &iid)) {
		s->st.drops[DHCP6S_DROP_POOL_FULL]++;
		return put_ia_status(c, ia, DHCP6_ST_NO_ADDRS_AVAIL,
				     "no addresses available");
	}
	count_foreign(s, m, ia);
	if (bind)
		commit(c, binding_new(s, iid, m->cid, m->cid_len, ia->iaid,
				      port_of(c->rx)));
	put_ia_bound(c, ia, iid);
}

static void ia_other(struct ctx *c, const struct dhcp6_ia *ia, bool assign)
{
	if (!assign)
		return put_ia_status(c, ia, DHCP6_ST_NO_BINDING, "no binding");
	if (ia->type == DHCP6_OPT_IA_PD)
		return put_ia_status(c, ia, DHCP6_ST_NO_PREFIX_AVAIL,
				     "no prefixes delegated");
	put_ia_status(c, ia, DHCP6_ST_NO_ADDRS_AVAIL, "no temporary addresses");
}

/* Whether the reply echoes the client's FQDN (not a name longer than DNS
 * allows). */
static bool fqdn_echoed(const struct ctx *c)
{
	const struct dhcp6_msg *m = c->m;

	return m->fqdn && m->type != DHCP6_INFORMATION_REQUEST &&
	       m->fqdn_len <= FQDN_ECHO_MAX && !c->lean;
}

static bool dns_sent(const struct ctx *c)
{
	return c->s->cfg.ndns && dhcp6_oro_has(c->m, DHCP6_OPT_DNS_SERVERS);
}

static bool search_sent(const struct ctx *c)
{
	return c->s->search_len && dhcp6_oro_has(c->m, DHCP6_OPT_DOMAIN_LIST);
}

/*
 * An upper bound of the reply's size, known before anything changes: a
 * reply that follows a commit must never be dropped as too big.  When the
 * bound exceeds DHCP6S_REPLY_MAX the reply is lean: the hints a client
 * listed are not echoed with lifetimes 0 and its FQDN is not echoed (both
 * optional), and then it always fits: 4 + 14 + 134 (DUID) + 5 + STATUS_MAX
 * + 8 + 4 IAs x (16 + 4 x 28) + 52 (DNS) + 206 (search) < 1232.
 */
static size_t reply_bound(const struct ctx *c)
{
	const struct dhcp6_msg *m = c->m;
	size_t n = DHCP6_HDR_LEN + DHCP6_OPT_HDR + sizeof(c->s->sduid) +
		   DHCP6_OPT_HDR + m->cid_len + 5 + STATUS_MAX + 8;

	if (dns_sent(c))
		n += DHCP6_OPT_HDR + 16 * c->s->cfg.ndns;
	if (search_sent(c))
		n += DHCP6_OPT_HDR + c->s->search_len;
	if (fqdn_echoed(c))
		n += DHCP6_OPT_HDR + m->fqdn_len;
	for (unsigned i = 0; i < m->nia; i++)
		n += DHCP6_OPT_HDR + DHCP6_IA_NA_MIN + STATUS_MAX +
		     (DHCP6_OPT_HDR + DHCP6_IAADDR_MIN) * (1u + m->ia[i].naddr);
	return n;
}

/* DNS servers (23) and domain search list (24) when asked for; the
 * client's FQDN back with N set (RFC 4704 4.2: the server updates no DNS;
 * O says it overrode a client's S). */
static void put_config(struct ctx *c)
{
	const struct dhcp6s *s = c->s;
	const struct dhcp6_msg *m = c->m;

	if (dns_sent(c))
		dhcp6_opt_put(&c->w, DHCP6_OPT_DNS_SERVERS, s->cfg.dns,
			      16 * s->cfg.ndns);
	if (search_sent(c))
		dhcp6_opt_put(&c->w, DHCP6_OPT_DOMAIN_LIST, s->search,
			      s->search_len);
	if (fqdn_echoed(c)) {
		size_t at = dhcp6_opt_open(&c->w, DHCP6_OPT_CLIENT_FQDN);
		uint8_t flags = 0x04 | ((m->fqdn[0] & 0x01) << 1);

		dhcp6_put(&c->w, &flags, 1);
		dhcp6_put(&c->w, m->fqdn + 1, m->fqdn_len - 1u);
		dhcp6_opt_close(&c->w, at);
	}
}

/* ---- the message types ---- */

/* SOLICIT (RFC 8415 18.3.1): an ADVERTISE; with rapid commit (and an
 * address for some IA_NA) the bindings made and a REPLY. */
static void on_solicit(struct ctx *c, size_t after_ids)
{
	const struct dhcp6_msg *m = c->m;
	bool bind = m->rapid;

	for (unsigned i = 0; i < m->nia; i++) {
		if (m->ia[i].type == DHCP6_OPT_IA_NA)
			ia_na_assign(c, &m->ia[i], bind);
		else
			ia_other(c, &m->ia[i], true);
	}
	if (!c->assigned) {
		/* RFC 8415 18.3.9: nothing but the status (and the ids). */
		c->w.pos = after_ids;
		c->w.full = false;
		dhcp6_status_put(&c->w, DHCP6_ST_NO_ADDRS_AVAIL,
				 "no addresses available");
		c->w.b[0] = DHCP6_ADVERTISE;
		return;
	}
	if (bind) {
		dhcp6_opt_put(&c->w, DHCP6_OPT_RAPID_COMMIT, NULL, 0);
		c->w.b[0] = DHCP6_REPLY;
	} else {
		c->w.b[0] = DHCP6_ADVERTISE;
		if (c->s->cfg.preference)
			dhcp6_opt_put(&c->w, DHCP6_OPT_PREFERENCE,
				      &c->s->cfg.preference, 1);
	}
	put_config(c);
}

static void on_request(struct ctx *c)
{
	const struct dhcp6_msg *m = c->m;

	for (unsigned i = 0; i < m->nia; i++) {
		if (m->ia[i].type == DHCP6_OPT_IA_NA)
			ia_na_assign(c, &m->ia[i], true);
		else
			ia_other(c, &m->ia[i], true);
	}
	put_config(c);
}

/*
 * RENEW and REBIND (RFC 8415 18.3.4, 18.3.5): a binding's lifetimes
 * extended.  Without one, RENEW gets NoBinding; REBIND (the client lost
 * its server: a restart) gets its address back when it is the one the hash
 * gives it and still free, else addresses off the link with lifetimes 0,
 * else NoBinding.
 */
static void on_renew(struct ctx *c)
{
	struct dhcp6s *s = c->s;
	const struct dhcp6_msg *m = c->m;

	for (unsigned i = 0; i < m->nia; i++) {
		const struct dhcp6_ia *ia = &m->ia[i];
		struct binding *e;
		uint64_t iid;
		bool off = false;

		if (ia->type != DHCP6_OPT_IA_NA) {
			ia_other(c, ia, false);
			continue;
		}
		e = own_binding(c, ia);
		if (!e && m->type == DHCP6_REBIND && !port_full(s, c->rx) &&
		    pick(s, m->cid, m->cid_len, ia->iaid, &iid) &&
		    ia_lists(ia, s, iid))
			e = binding_new(s, iid, m->cid, m->cid_len, ia->iaid,
					port_of(c->rx));
		if (e) {
			commit(c, e);
			put_ia_bound(c, ia, e->iid);
			continue;
		}
		for (unsigned j = 0; j < ia->naddr; j++)
			off |= !on_link(s, ia->addr[j]);
		if (m->type == DHCP6_REBIND && off) {
			size_t at;

			put_ia_head(c, ia, false, &at);
			for (unsigned j = 0; j < ia->naddr; j++)
				put_iaaddr(c, ia->addr[j], 0, 0);
			dhcp6_opt_close(&c->w, at);
			continue;
		}
		put_ia_status(c, ia, DHCP6_ST_NO_BINDING, "no binding");
	}
	put_config(c);
}

/*
 * RELEASE and DECLINE (RFC 8415 18.3.7, 18.3.8): each IA_NA whose binding
 * lists its address gives it back (RELEASE) or has it held back for
 * @decline_hold, still counted against the port (DECLINE); the others get
 * NoBinding.  The reply says Success.
 */
static void on_release(struct ctx *c)
{
	struct dhcp6s *s = c->s;
	const struct dhcp6_msg *m = c->m;

	for (unsigned i = 0; i < m->nia; i++) {
		const struct dhcp6_ia *ia = &m->ia[i];
		struct binding *e = NULL;

		if (ia->type == DHCP6_OPT_IA_NA)
			e = own_binding(c, ia);
		if (!e || !ia_lists(ia, s, e->iid)) {
			put_ia_status(c, ia, DHCP6_ST_NO_BINDING, "no binding");
			continue;
		}
		if (m->type == DHCP6_RELEASE) {
			binding_free(s, e);
			s->st.released++;
			continue;
		}
		if (e->port == PORT_GONE)
			port_set(s, e, port_of(c->rx));
		key_unlink(s, e);
		e->state = B_DECLINED;
		e->hostname[0] = 0;
		s->st.bindings--;
		s->st.declined++;
		set_expiry(s, e, c->rx->now + s->cfg.decline_hold);
	}
	dhcp6_status_put(&c->w, DHCP6_ST_SUCCESS, "ok");
}

/* CONFIRM (RFC 8415 18.3.3): are the addresses still on this link?
 * Return: DHCP6S_DROP_CONFIRM_EMPTY when it lists none (no reply) */
static enum dhcp6s_drop on_confirm(struct ctx *c)
{
	const struct dhcp6_msg *m = c->m;
	unsigned n = 0;
	bool off = false;

	for (unsigned i = 0; i < m->nia; i++)
		for (unsigned j = 0; j < m->ia[i].naddr; j++, n++)
			off |= !on_link(c->s, m->ia[i].addr[j]);
	if (!n)
		return DHCP6S_DROP_CONFIRM_EMPTY;
	if (off)
		dhcp6_status_put(&c->w, DHCP6_ST_NOT_ON_LINK,
				 "not on this link");
	else
		dhcp6_status_put(&c->w, DHCP6_ST_SUCCESS, "on link");
	return DHCP6S_DROP_NONE;
}

static void on_info(struct ctx *c)
{
	uint8_t v[4];

	put_config(c);
	dhcp_put_be32(v, c->s->cfg.info_refresh);
	dhcp6_opt_put(&c->w, DHCP6_OPT_INFO_REFRESH_TIME, v, 4);
}

static bool is_link_local(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static bool is_all_servers(const uint8_t *a)
{
	static const uint8_t ff02_1_2[16] = {0xff, 2, [13] = 1, [15] = 2};

	return !memcmp(a, ff02_1_2, 16);
}

/*
 * RFC 8415 16: which messages a server takes, and the identifiers each
 * must and must not carry.  Checked before anything changes.
 */
static enum dhcp6s_drop check(const struct dhcp6s *s, const struct dhcp6_msg *m,
			      const struct dhcp6s_rx *rx)
{
	bool need_sid, no_sid, mcast_only;

	switch (m->type) {
	case DHCP6_SOLICIT:
	case DHCP6_CONFIRM:
	case DHCP6_REBIND:
		need_sid = false;
		no_sid = mcast_only = true;
		break;
	case DHCP6_REQUEST:
	case DHCP6_RENEW:
	case DHCP6_RELEASE:
	case DHCP6_DECLINE:
		need_sid = true;
		no_sid = mcast_only = false;
		break;
	case DHCP6_INFORMATION_REQUEST:
		need_sid = no_sid = false;
		mcast_only = true;
		break;
	default:
		return DHCP6S_DROP_BAD_MSG_TYPE;
	}
	if (!is_link_local(rx->src))
		return DHCP6S_DROP_BAD_SRC;
	if (mcast_only && !is_all_servers(rx->dst))
		return DHCP6S_DROP_UNICAST;
	if (!m->cid && m->type != DHCP6_INFORMATION_REQUEST)
		return DHCP6S_DROP_NO_CLIENT_ID;
	if (m->sid && no_sid)
		return DHCP6S_DROP_SERVER_ID_SENT;
	if (!m->sid && need_sid)
		return DHCP6S_DROP_NO_SERVER_ID;
	if (m->sid && (m->sid_len != sizeof(s->sduid) ||
		       memcmp(m->sid, s->sduid, sizeof(s->sduid))))
		return DHCP6S_DROP_WRONG_SERVER;
	if (m->type == DHCP6_INFORMATION_REQUEST)
		return m->ia_total ? DHCP6S_DROP_IA_IN_INFO : DHCP6S_DROP_NONE;
	if (!s->cfg.stateful)
		return DHCP6S_DROP_STATELESS;
	/* every address must be judged (on the link? the client's?) */
	if ((m->type == DHCP6_CONFIRM || m->type == DHCP6_REBIND) && m->cut)
		return DHCP6S_DROP_TOO_MANY_ADDRS;
	return DHCP6S_DROP_NONE;
}

static enum dhcp6s_drop drop(struct dhcp6s *s, enum dhcp6s_drop d)
{
	s->st.drops[d]++;
	return d;
}

/**
 * dhcp6s_handle() - answer one datagram to port 547
 * @s: server
 * @rx: the datagram, facts from its headers, the time
 * @out: the reply (@out->len 0 when there is none)
 *
 * Expires whatever is due by @rx->now first.  A REQUEST, RENEW, RELEASE
 * or DECLINE sent to a unicast address gets UseMulticast (RFC 8415
 * 18.3.2): the server offers no Server Unicast option.
 *
 * Return: DHCP6S_DROP_NONE when @out is to be sent, else why not
 */
enum dhcp6s_drop dhcp6s_handle(struct dhcp6s *s, const struct dhcp6s_rx *rx,
			       struct dhcp6s_reply *out)
{
	struct dhcp6_msg *m = &s->msg;
	struct ctx c = {.s = s, .m = m, .rx = rx};
	enum dhcp6s_drop d;
	size_t after_ids;

	out->len = 0;
	s->st.rx++;
	dhcp6s_expire(s, rx->now);
	d = dhcp6_msg_parse(rx->data, rx->len, m);
	if (rx->len >= 1)
		s->st.in[rx->data[0] < 14 ? rx->data[0] : 0]++;
	if (d == DHCP6S_DROP_NONE)
		d = check(s, m, rx);
	if (d != DHCP6S_DROP_NONE)
		return drop(s, d);

	dhcp6_writer_init(&c.w, out->data, sizeof(out->data));
	dhcp6_put(&c.w, (uint8_t[]){DHCP6_REPLY}, 1);
	dhcp6_put(&c.w, m->xid, 3);
	dhcp6_opt_put(&c.w, DHCP6_OPT_SERVERID, s->sduid, sizeof(s->sduid));
	if (m->cid)
		dhcp6_opt_put(&c.w, DHCP6_OPT_CLIENTID, m->cid, m->cid_len);
	after_ids = c.w.pos;
	c.lean = reply_bound(&c) > DHCP6S_REPLY_MAX;
	if (!is_all_servers(rx->dst)) {
		dhcp6_status_put(&c.w, DHCP6_ST_USE_MULTICAST,
				 "send to ff02::1:2");
	} else {
		switch (m->type) {
		case DHCP6_SOLICIT:
			on_solicit(&c, after_ids);
			break;
		case DHCP6_REQUEST:
			on_request(&c);
			break;
		case DHCP6_RENEW:
		case DHCP6_REBIND:
			on_renew(&c);
			break;
		case DHCP6_RELEASE:
		case DHCP6_DECLINE:
			on_release(&c);
			break;
		case DHCP6_CONFIRM:
			d = on_confirm(&c);
			break;
		default:
			on_info(&c);
			break;
		}
	}
	if (d == DHCP6S_DROP_NONE && c.w.full)
		d = DHCP6S_DROP_REPLY_FULL;
	if (d != DHCP6S_DROP_NONE)
		return drop(s, d);
	out->len = c.w.pos;
	out->type = out->data[0];
	memcpy(out->dst, rx->src, 16);
	out->dst_port = rx->src_port ? rx->src_port : DHCP6_CLIENT_PORT;
	if (out->type == DHCP6_ADVERTISE)
		s->st.advertises++;
	else
		s->st.replies++;
	return DHCP6S_DROP_NONE;
}

/**
 * dhcp6s_expire() - end the bindings and decline holds due
 * @s: server
 * @now: current time
 *
 * Walks the table only when something is due (the earliest expiry is
 * kept).
 *
 * Return: when the next one is due, INT64_MAX when nothing is pending
 */
int64_t dhcp6s_expire(struct dhcp6s *s, int64_t now)
{
	int64_t next = INT64_MAX;

	if (now < s->next_expiry)
		return s->next_expiry;
	for (uint32_t i = 0; i < s->cap; i++) {
		struct binding *e = &s->b[i];

		if (e->state == B_FREE)
			continue;
		if (e->expires <= now) {
			if (e->state == B_BOUND)
				s->st.expired++;
			binding_free(s, e);
		} else if (e->expires < next) {
			next = e->expires;
		}
	}
	s->next_expiry = next;
	return next;
}

/* ---- set-up and inspection ---- */

static void table_free(struct dhcp6s *s)
{
	free(s->b);
	free(s->addr_bkt);
	free(s->key_bkt);
	s->b = NULL;
	s->addr_bkt = s->key_bkt = NULL;
}

static int table_alloc(struct dhcp6s *s, uint32_t cap)
{
	uint32_t nb = 1;

	while (nb < cap)
		nb <<= 1;
	table_free(s);
	s->cap = s->free_head = 0;
	memset(s->port_held, 0, sizeof(s->port_held));
	s->st.bindings = s->st.declined = 0;
	s->next_expiry = INT64_MAX;
	s->b = calloc(cap, sizeof(*s->b));
	s->addr_bkt = calloc(nb, sizeof(*s->addr_bkt));
	s->key_bkt = calloc(nb, sizeof(*s->key_bkt));
	if (!s->b || !s->addr_bkt || !s->key_bkt) {
		table_free(s);
		return -ENOMEM;
	}
	s->cap = cap;
	s->bmask = nb - 1;
	for (uint32_t i = 0; i < cap; i++)
		s->b[i].free_next = i + 1 < cap ? i + 2 : 0;
	s->free_head = 1;
	return 0;
}

/* @cfg with its defaults filled in, checked. */
static int normalize(const struct dhcp6s_config *cfg, struct dhcp6s_config *n,
		     uint8_t *search, size_t *search_len, char *err,
		     size_t errlen)
{
	*n = *cfg;
	memset(n->prefix + 8, 0, 8);
	if (!n->preferred)
		n->preferred = 3600;
	if (!n->valid)
		n->valid = n->preferred > 7200 ? n->preferred : 7200;
	if (!n->info_refresh)
		n->info_refresh = 86400;
	if (!n->max_bindings)
		n->max_bindings = 1024;
	if (!n->decline_hold)
		n->decline_hold = 600;
	if (!n->port_share) {
		n->port_share =
		    n->max_bindings / 64 > 4 ? n->max_bindings / 64 : 4;
		if (n->port_share > n->max_bindings / 2)
			n->port_share = n->max_bindings / 2;
		if (!n->port_share)
			n->port_share = 1;
	}
	if (!n->iid_first && !n->iid_last) {
		n->iid_first = 1;
		n->iid_last = UINT64_MAX;
	}
	if (n->prefix[0] == 0xff || is_link_local(n->prefix)) {
		snprintf(err, errlen,
			 "the DHCPv6 prefix must be a global or unique-local "
			 "/64");
		return -EINVAL;
	}
	if (n->valid < n->preferred) {
		snprintf(err, errlen,
			 "valid lifetime %u is shorter than the preferred %u",
			 n->valid, n->preferred);
		return -EINVAL;
	}
	if (n->ndns > DHCP6S_MAX_DNS) {
		snprintf(err, errlen, "at most %u DNS servers", DHCP6S_MAX_DNS);
		return -EINVAL;
	}
	if (n->iid_first > n->iid_last ||
	    iid_range_reserved(n->iid_first, n->iid_last)) {
		snprintf(err, errlen,
			 "empty interface identifier range (or only reserved "
			 "ones, RFC 5453)");
		return -EINVAL;
	}
	if (n->max_bindings > DHCP6S_MAX_BINDINGS) {
		snprintf(err, errlen, "at most %u DHCPv6 bindings",
			 DHCP6S_MAX_BINDINGS);
		return -EINVAL;
	}
	if (!memchr(n->search, 0, sizeof(n->search))) {
		snprintf(err, errlen, "domain search list too long");
		return -EINVAL;
	}
	*search_len =
	    dhcp6_search_encode(n->search, search, DHCP6S_SEARCH_MAX + 2);
	if (*search_len == (size_t)-1) {
		snprintf(err, errlen, "bad domain search list \"%s\"",
			 n->search);
		return -EINVAL;
	}
	return 0;
}

/**
 * dhcp6s_configure() - apply new settings to a server
 * @s: server
 * @cfg: the settings
 * @err: the refusal in a sentence, for the user
 * @errlen: bytes at @err
 *
 * Bindings are kept unless the prefix, the identifier range, the key or
 * the table size change (their addresses would no longer be the ones the
 * hash gives), but one on the gateway's new address ends; a lower
 * @port_share lets ports that hold more keep what
 * they hold, but take nothing more.
 *
 * Return: 0, -EINVAL (bad settings: @s unchanged) or -ENOMEM (@s then has
 * an empty table of no entries: every IA gets NoAddrsAvail)
 */
int dhcp6s_configure(struct dhcp6s *s, const struct dhcp6s_config *cfg,
		     char *err, size_t errlen)
{
	struct dhcp6s_config n;
	uint8_t search[DHCP6S_SEARCH_MAX + 2];
	size_t search_len;
	bool reset;
	int rc;

	rc = normalize(cfg, &n, search, &search_len, err, errlen);
	if (rc)
		return rc;
	reset = !s->b || memcmp(n.prefix, s->cfg.prefix, 8) ||
		n.iid_first != s->cfg.iid_first ||
		n.iid_last != s->cfg.iid_last ||
		memcmp(n.key, s->cfg.key, sizeof(n.key)) ||
		n.max_bindings != s->cfg.max_bindings;
	s->cfg = n;
	memcpy(s->search, search, search_len);
	s->search_len = search_len;
	s->sduid[0] = 0;
	s->sduid[1] = 3; /* DUID-LL */
	s->sduid[2] = 0;
	s->sduid[3] = 1; /* Ethernet */
	memcpy(s->sduid + 4, n.server_mac, 6);
	s->avoid_gw = on_link(s, n.gateway);
	s->gw_iid = iid_of(n.gateway);
	siphash_key_init(&s->key, le64(n.key), le64(n.key + 8));
	if (reset && table_alloc(s, n.max_bindings)) {
		snprintf(err, errlen, "out of memory for %u DHCPv6 bindings",
			 n.max_bindings);
		return -ENOMEM;
	}
	/* the gateway's address is never a client's, also when it moves */
	if (s->avoid_gw && by_addr(s, s->gw_iid))
		binding_free(s, by_addr(s, s->gw_iid));
	return 0;
}

/**
 * dhcp6s_new() - create a server
 * @cfg: its settings (see struct dhcp6s_config)
 * @out: the server
 * @err: the refusal in a sentence, for the user
 * @errlen: bytes at @err
 *
 * Return: 0, -EINVAL or -ENOMEM
 */
int dhcp6s_new(const struct dhcp6s_config *cfg, struct dhcp6s **out, char *err,
	       size_t errlen)
{
	struct dhcp6s *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = dhcp6s_configure(s, cfg, err, errlen);
	if (rc) {
		dhcp6s_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/**
 * dhcp6s_free() - destroy a server
 * @s: server, or NULL
 */
void dhcp6s_free(struct dhcp6s *s)
{
	if (!s)
		return;
	table_free(s);
	free(s);
}

/**
 * dhcp6s_walk() - call @cb for each binding and declined address
 * @s: server
 * @cb: the callback; it must not change @s
 * @arg: its argument
 */
void dhcp6s_walk(const struct dhcp6s *s, dhcp6s_walk_cb cb, void *arg)
{
	static const char hex[] = "0123456789abcdef";
	struct dhcp6s_binding b;

	for (uint32_t i = 0; i < s->cap; i++) {
		const struct binding *e = &s->b[i];

		if (e->state == B_FREE)
			continue;
		memset(&b, 0, sizeof(b));
		b.state = e->state == B_BOUND ? DHCP6S_BOUND : DHCP6S_DECLINED;
		for (unsigned j = 0; j < e->duid_len; j++) {
			b.duid_hex[2 * j] = hex[e->duid[j] >> 4];
			b.duid_hex[2 * j + 1] = hex[e->duid[j] & 15];
		}
		b.iaid = e->iaid;
		addr_of(s, e->iid, b.addr);
		b.expires = e->expires;
		b.port = e->port == PORT_GONE ? 0 : e->port;
		memcpy(b.hostname, e->hostname, sizeof(b.hostname));
		cb(&b, arg);
	}
}

/**
 * dhcp6s_port_gone() - switch port @port left: the bindings its messages
 * took count for no port any more, so a port given its id later starts
 * with its whole share; each stays until it expires, for the first port
 * that asks for it (a guest that moved) with room in its share
 * @s: server
 * @port: the port's id, as in struct dhcp6s_rx's @in_port
 */
void dhcp6s_port_gone(struct dhcp6s *s, uint16_t port)
{
	if (port >= DHCP6S_MAX_PORTS || !s->port_held[port])
		return;
	for (uint32_t i = 0; i < s->cap; i++) {
		struct binding *e = &s->b[i];

		if (e->port != port + 1)
			continue;
		if (e->state == B_DECLINED) {
			port_set(s, e, 0);
			continue;
		}
		/* one left-over binding per client key: the older stays */
		if (by_key(s, e->duid, e->duid_len, e->iaid, PORT_GONE))
			binding_free(s, e);
		else
			port_set(s, e, PORT_GONE);
	}
}

/**
 * dhcp6s_stats_get() - a server's counters
 * @s: server
 * @st: filled in
 */
void dhcp6s_stats_get(const struct dhcp6s *s, struct dhcp6s_stats *st)
{
	*st = s->st;
}

/**
 * dhcp6s_server_duid() - the server's DUID (what its Server ID option
 * carries)
 * @s: server
 * @duid: where it goes
 * @size: bytes at @duid
 *
 * Return: its length (10: DUID-LL of an Ethernet MAC), 0 if @size is less
 */
size_t dhcp6s_server_duid(const struct dhcp6s *s, uint8_t *duid, size_t size)
{
	if (size < sizeof(s->sduid))
		return 0;
	memcpy(duid, s->sduid, sizeof(s->sduid));
	return sizeof(s->sduid);
}

/**
 * dhcp6s_counts_ok() - whether the counters kept as entries change state
 * agree with the table (bindings, declined, per-port holdings, the hashes
 * and the free list)
 * @s: server
 *
 * For tests and fuzzing: it walks every entry.
 *
 * Return: true when they do
 */
bool dhcp6s_counts_ok(const struct dhcp6s *s)
{
	static uint32_t held[DHCP6S_MAX_PORTS];
	uint64_t bound = 0, declined = 0;
	uint32_t nfree = 0;

	memset(held, 0, sizeof(held));
	for (uint32_t i = 0; i < s->cap; i++) {
		const struct binding *e = &s->b[i];

		if (e->state == B_FREE)
			continue;
		bound += e->state == B_BOUND;
		declined += e->state == B_DECLINED;
		if (by_addr(s, e->iid) != e)
			return false;
		if (e->state == B_BOUND &&
		    by_key(s, e->duid, e->duid_len, e->iaid, e->port) != e)
			return false;
		if (e->expires < s->next_expiry)
			return false;
		if (port_counted(e->port))
			held[e->port - 1]++;
	}
	for (uint32_t i = s->free_head; i && nfree <= s->cap;
	     i = s->b[i - 1].free_next)
		nfree++;
	return bound == s->st.bindings && declined == s->st.declined &&
	       nfree + bound + declined == s->cap &&
	       !memcmp(held, s->port_held, sizeof(held));
}
