// SPDX-License-Identifier: GPL-2.0-or-later
/* dhcp_server.c - DHCPv4 server engine (RFC 2131/2132): the lease table and
 * the state machine that answers DISCOVER, REQUEST, DECLINE, RELEASE, INFORM
 *
 * The lease table holds one entry per address ever handed out, at most the
 * pool's size (ranges plus reservations), allocated once.  Entries are found
 * by address and by client key (two chained hashes), wait for their expiry
 * in a heap, and free ones queue per subnet oldest first, so an address
 * given back goes to a new client only after the never-used ones and the
 * longer-free ones: a client that comes back usually finds its old address.
 *
 * Every message is untrusted (a guest's); it is parsed by dhcp_msg_parse()
 * and each field is checked before use.  Nothing here does I/O: decisions
 * go back to the caller in struct dhcps_result (see dhcp.h).
 */
#include "dhcp_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/pkt.h"

enum lease_state {
	L_FREE,	    /* may be handed out (still remembered for @key) */
	L_PROBING,  /* being ARP-probed before its first offer */
	L_OFFERED,  /* offered, held until @expires */
	L_BOUND,    /* leased until @expires */
	L_DECLINED, /* unusable until @expires */
};

/*
 * One address.  Links are entry index + 1 so that 0 means none.  An entry
 * has a client (key_len != 0) exactly when it is on the key hash.
 */
struct dhcps_lease {
	uint32_t ip;
	uint32_t ip_next, key_next;
	uint32_t free_prev, free_next;
	uint32_t heap_pos;
	int64_t expires;
	uint8_t state;
	uint8_t subnet;
	uint8_t key_len;
	/* The untrusted switch port whose message holds it, + 1 (counted in
	 * port_held while it is offered, probed or bound, whatever the
	 * share: a share set later counts what is held already), 0 for
	 * none. */
	uint16_t port;
	bool ever_bound; /* leased once: no probe needed */
	bool probed;	 /* a probe found it free */
	bool in_free;
	/* The address its client held bound before it (freed here, still
	 * bound in the store until a record says otherwise), 0 for none. */
	uint32_t moved_from;
	uint8_t mac[6];
	uint8_t key[DHCPS_KEY_MAX];
	char hostname[DHCPS_HOSTNAME_MAX + 1];
};

struct dhcps_subnet {
	struct dhcps_subnet_cfg cfg;
	uint32_t mask, bcast;
	uint32_t fresh_next; /* next range address not looked at yet */
	uint32_t free_head, free_tail;
};

/* A client key: option 61 or the hardware address, tagged by its source. */
struct ckey {
	uint8_t b[DHCPS_KEY_MAX];
	uint8_t len;
};

struct dhcps {
	uint32_t server_ip;
	uint32_t offer_hold, decline_hold, probe_hold;
	bool probe;
	size_t reply_max;
	int local; /* subnet holding server_ip, -1 if none */
	struct dns_names *names;
	struct dhcps_subnet sn[DHCPS_MAX_SUBNETS];
	unsigned nsn;
	struct dhcps_reservation *res; /* sorted by MAC */
	uint32_t *res_ip;	       /* indices into res, sorted by address */
	unsigned nres;
	struct dhcps_lease *l;
	uint32_t nl, cap;
	uint32_t *ip_bkt, *key_bkt, bmask;
	uint32_t *heap, nheap;
	uint32_t port_share; /* addresses one untrusted port may hold, 0: any */
	uint32_t *port_held; /* what each port holds, DHCPS_MAX_PORTS */
	struct dhcps_stats st;
	struct dhcp_msg msg; /* scratch: the message being handled */
};

#define MIN_LEASE_OPT 60

/* ---- hashes, reservations, subnets ---- */

static uint32_t hash_key(const uint8_t *k, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

static uint64_t hash64(const uint8_t *k, size_t n)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ k[i]) * 1099511628211ull;
	return h;
}

static void client_key(const struct dhcp_msg *m, struct ckey *k)
{
	size_t n;
	const uint8_t *id = dhcp_opt_get(m, DHCP_OPT_CLIENT_ID, &n);

	if (!id) {
		k->b[0] = 'H';
		memcpy(k->b + 1, m->chaddr, 6);
		k->len = 7;
		return;
	}
	k->b[0] = 'C';
	if (n < DHCPS_KEY_MAX) {
		memcpy(k->b + 1, id, n);
		k->len = (uint8_t)(n + 1);
		return;
	}
	/* A longer identifier: its head and a hash of the whole. */
	uint64_t h = hash64(id, n);

	memcpy(k->b + 1, id, DHCPS_KEY_MAX - 9);
	memcpy(k->b + DHCPS_KEY_MAX - 8, &h, 8);
	k->len = DHCPS_KEY_MAX;
}

static bool key_eq(const struct dhcps_lease *e, const struct ckey *k)
{
	return e->key_len == k->len && !memcmp(e->key, k->b, k->len);
}

static int res_mac_cmp(const void *a, const void *b)
{
	return memcmp(((const struct dhcps_reservation *)a)->mac,
		      ((const struct dhcps_reservation *)b)->mac, 6);
}

static const struct dhcps_reservation *res_by_mac(const struct dhcps *s,
						  const uint8_t *mac)
{
	struct dhcps_reservation key = {0};

	memcpy(key.mac, mac, 6);
	return bsearch(&key, s->res, s->nres, sizeof(*s->res), res_mac_cmp);
}

static const struct dhcps_reservation *res_by_ip(const struct dhcps *s,
						 uint32_t ip)
{
	unsigned lo = 0, hi = s->nres;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		uint32_t v = s->res[s->res_ip[mid]].ip;

		if (v == ip)
			return &s->res[s->res_ip[mid]];
		if (v < ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int subnet_of(const struct dhcps *s, uint32_t ip)
{
	for (unsigned i = 0; i < s->nsn; i++)
		if ((ip & s->sn[i].mask) == s->sn[i].cfg.net)
			return (int)i;
	return -1;
}

static bool in_range(const struct dhcps_subnet *sn, uint32_t ip)
{
	return ip >= sn->cfg.range_start && ip <= sn->cfg.range_end;
}

/* ---- the lease table ---- */

static uint32_t lease_idx(const struct dhcps *s, const struct dhcps_lease *e)
{
	return (uint32_t)(e - s->l) + 1;
}

static struct dhcps_lease *lease_by_ip(const struct dhcps *s, uint32_t ip)
{
	uint32_t i = s->ip_bkt[dhcp_hash_ip(ip) & s->bmask];

	for (; i; i = s->l[i - 1].ip_next)
		if (s->l[i - 1].ip == ip)
			return &s->l[i - 1];
	return NULL;
}

static struct dhcps_lease *lease_by_key(const struct dhcps *s,
					const struct ckey *k, unsigned sn)
{
	uint32_t i = s->key_bkt[hash_key(k->b, k->len) & s->bmask];

	for (; i; i = s->l[i - 1].key_next)
		if (s->l[i - 1].subnet == sn && key_eq(&s->l[i - 1], k))
			return &s->l[i - 1];
	return NULL;
}

static struct dhcps_lease *lease_new(struct dhcps *s, uint32_t ip, unsigned sn)
{
	struct dhcps_lease *e;
	uint32_t *b;

	if (s->nl == s->cap) /* cannot happen: cap counts every address */
		return NULL;
	e = &s->l[s->nl++];
	memset(e, 0, sizeof(*e));
	e->ip = ip;
	e->subnet = (uint8_t)sn;
	e->state = L_FREE;
	b = &s->ip_bkt[dhcp_hash_ip(ip) & s->bmask];
	e->ip_next = *b;
	*b = lease_idx(s, e);
	return e;
}

static void key_unlink(struct dhcps *s, struct dhcps_lease *e)
{
	uint32_t *pp;

	if (!e->key_len)
		return;
	pp = &s->key_bkt[hash_key(e->key, e->key_len) & s->bmask];
	while (*pp != lease_idx(s, e))
		pp = &s->l[*pp - 1].key_next;
	*pp = e->key_next;
	e->key_next = 0;
	e->key_len = 0;
}

static void key_link(struct dhcps *s, struct dhcps_lease *e,
		     const struct ckey *k)
{
	uint32_t *b = &s->key_bkt[hash_key(k->b, k->len) & s->bmask];

	memcpy(e->key, k->b, k->len);
	e->key_len = k->len;
	e->key_next = *b;
	*b = lease_idx(s, e);
}

static void free_push(struct dhcps *s, struct dhcps_lease *e)
{
	struct dhcps_subnet *sn = &s->sn[e->subnet];

	/* A reserved address is only ever its owner's. */
	if (e->in_free || res_by_ip(s, e->ip))
		return;
	e->in_free = true;
	e->free_next = 0;
	e->free_prev = sn->free_tail;
	if (sn->free_tail)
		s->l[sn->free_tail - 1].free_next = lease_idx(s, e);
	else
		sn->free_head = lease_idx(s, e);
	sn->free_tail = lease_idx(s, e);
}

static void free_unlink(struct dhcps *s, struct dhcps_lease *e)
{
	struct dhcps_subnet *sn = &s->sn[e->subnet];

	if (!e->in_free)
		return;
	if (e->free_prev)
		s->l[e->free_prev - 1].free_next = e->free_next;
	else
		sn->free_head = e->free_next;
	if (e->free_next)
		s->l[e->free_next - 1].free_prev = e->free_prev;
	else
		sn->free_tail = e->free_prev;
	e->in_free = false;
	e->free_prev = e->free_next = 0;
}

static int64_t heap_exp(const struct dhcps *s, uint32_t i)
{
	return s->l[s->heap[i] - 1].expires;
}

static void heap_swap(struct dhcps *s, uint32_t a, uint32_t b)
{
	uint32_t t = s->heap[a];

	s->heap[a] = s->heap[b];
	s->heap[b] = t;
	s->l[s->heap[a] - 1].heap_pos = a + 1;
	s->l[s->heap[b] - 1].heap_pos = b + 1;
}

static void heap_fix(struct dhcps *s, uint32_t i)
{
	while (i && heap_exp(s, i) < heap_exp(s, (i - 1) / 2)) {
		heap_swap(s, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		uint32_t c = 2 * i + 1, m = i;

		if (c < s->nheap && heap_exp(s, c) < heap_exp(s, m))
			m = c;
		if (c + 1 < s->nheap && heap_exp(s, c + 1) < heap_exp(s, m))
			m = c + 1;
		if (m == i)
			return;
		heap_swap(s, i, m);
		i = m;
	}
}

static void heap_del(struct dhcps *s, struct dhcps_lease *e)
{
	uint32_t i, last;

	if (!e->heap_pos)
		return;
	i = e->heap_pos - 1;
	last = --s->nheap;
	e->heap_pos = 0;
	if (i == last)
		return;
	s->heap[i] = s->heap[last];
	s->l[s->heap[i] - 1].heap_pos = i + 1;
	heap_fix(s, i);
}

static void heap_set(struct dhcps *s, struct dhcps_lease *e, int64_t expires)
{
	e->expires = expires;
	if (!e->heap_pos) {
		s->heap[s->nheap] = lease_idx(s, e);
		e->heap_pos = ++s->nheap;
	}
	heap_fix(s, e->heap_pos - 1);
}

static void names_del(struct dhcps *s, const struct dhcps_lease *e)
{
	if (s->names)
		dns_names_del(s->names, e->ip);
}

/* Publish a bound lease's hostname; one taken by another address is not. */
static void names_add(struct dhcps *s, const struct dhcps_lease *e)
{
	if (s->names && e->hostname[0] &&
	    dns_names_add(s->names, e->hostname, e->ip, false) < 0)
		s->st.name_conflicts++;
}

/*
 * Move an entry to a state: free entries queue for reuse, the others wait
 * for @expires in the heap.  Leaving BOUND withdraws its DNS name.
 */
static bool held(uint8_t st)
{
	return st == L_OFFERED || st == L_PROBING || st == L_BOUND;
}

static void lease_move(struct dhcps *s, struct dhcps_lease *e,
		       enum lease_state st, int64_t expires)
{
	if (e->port && held(e->state) && !held(st)) {
		s->port_held[e->port - 1]--;
		e->port = 0;
	}
	if (e->state == L_BOUND && st != L_BOUND) {
		s->st.leases--;
		names_del(s, e);
	}
	if (st == L_BOUND && e->state != L_BOUND)
		s->st.leases++;
	e->state = (uint8_t)st;
	if (st == L_FREE) {
		heap_del(s, e);
		e->expires = expires;
		free_push(s, e);
	} else {
		free_unlink(s, e);
		heap_set(s, e, expires);
	}
}

/*
 * Give an entry to a client: it loses any other entry it had in the same
 * subnet (one address per client and subnet), and the entry's previous
 * client, if any, is forgotten.  A bound address it loses is remembered in
 * @e->moved_from until the lease of @e is committed with a record that
 * releases it (lease_bind()).
 */
static void key_assign(struct dhcps *s, struct dhcps_lease *e,
		       const struct ckey *k, const uint8_t *mac, int64_t now)
{
	struct dhcps_lease *old = lease_by_key(s, k, e->subnet);

	if (old && old != e) {
		e->moved_from =
		    old->state == L_BOUND ? old->ip : old->moved_from;
		old->moved_from = 0;
		key_unlink(s, old);
		if (old->state != L_FREE && old->state != L_DECLINED)
			lease_move(s, old, L_FREE, now);
	}
	if (e->key_len && !key_eq(e, k))
		key_unlink(s, e);
	if (!e->key_len)
		key_link(s, e, k);
	memcpy(e->mac, mac, 6);
}

/*
 * Whether the message's chaddr is the frame's Ethernet source, the one sign
 * that the sender is the MAC it names (a VM sending from another's MAC is
 * that MAC to the switch as well).  A relayed message (giaddr) comes from
 * the relay's MAC and never passes.
 */
static bool chaddr_is_src(const struct dhcp_msg *m, const struct dhcps_rx *rx)
{
	return !m->giaddr && !memcmp(m->chaddr, rx->src_mac, 6);
}

/*
 * Whether @k holds a lease in subnet @sni bound to another MAC than the
 * message's chaddr: a client identifier (61) that a second MAC sends while
 * the first's lease runs.  RFC 2131 makes the identifier the client, but it
 * is the guest's to write and every guest hears its neighbours' DISCOVERs:
 * the lease stays with its MAC (the one the IP guard lets send from it)
 * until it ends or that MAC gives it back, and the second MAC is refused.
 */
static bool key_bound_elsewhere(const struct dhcps *s, const struct dhcp_msg *m,
				const struct ckey *k, unsigned sni)
{
	const struct dhcps_lease *e = lease_by_key(s, k, sni);

	return e && e->state == L_BOUND && memcmp(e->mac, m->chaddr, 6);
}

/* The port a message counts against, + 1; 0 for none (a trusted one). */
static uint16_t port_of(const struct dhcps_rx *rx)
{
	return rx->trusted || rx->in_port >= DHCPS_MAX_PORTS
		   ? 0
		   : (uint16_t)(rx->in_port + 1);
}

/*
 * Whether the untrusted port the message came in on holds its share of
 * addresses and the message's client, holding @had (its entry, NULL for
 * none), holds nothing through that port: then it gets nothing more.  A
 * guest that may write any chaddr (no MAC guard), or any client identifier
 * (with it), is any number of clients, so per-client rules cannot stop it
 * taking the whole pool; its port is the one thing it cannot change.  A
 * client whose address the port holds (its lease, its offer, a
 * retransmission) goes on as before.  Asked before an address is picked,
 * so a refused message changes nothing.
 */
static bool port_full(const struct dhcps *s, const struct dhcps_lease *had,
		      const struct dhcps_rx *rx)
{
	uint16_t p = port_of(rx);

	if (!s->port_share || !p || (had && had->port == p))
		return false;
	return s->port_held[p - 1] >= s->port_share;
}

/* @e, about to be offered, probed or bound, is held through the message's
 * port from now on. */
static void port_take(struct dhcps *s, struct dhcps_lease *e,
		      const struct dhcps_rx *rx)
{
	uint16_t p = port_of(rx);

	if (e->port == p)
		return;
	if (e->port)
		s->port_held[e->port - 1]--;
	e->port = p;
	if (p)
		s->port_held[p - 1]++;
}

static bool needs_probe(const struct dhcps *s, const struct dhcps_lease *e)
{
	return s->probe && !e->ever_bound && !e->probed;
}

/*
 * The entry for @ip if this client may have it: inside the range or
 * reserved for its MAC, not the gateway's, not held by another client nor
 * declined.  Creates the entry of an address never used.  A reservation is
 * by MAC: its address goes to that MAC whatever client key it comes with
 * (a client that starts sending option 61, systemd-networkd's DUID) and the
 * key that held it loses it (key_assign()), but only when @own_mac says the
 * frame came from that MAC: chaddr is the guest's to write, and another VM
 * naming the owner's MAC in it must not take the address while the owner's
 * key holds it.
 */
static struct dhcps_lease *lease_claim(struct dhcps *s, unsigned sni,
				       uint32_t ip, const struct ckey *k,
				       const uint8_t *mac, bool own_mac)
{
	const struct dhcps_reservation *r = res_by_ip(s, ip);
	struct dhcps_lease *e;

	if (subnet_of(s, ip) != (int)sni || ip == s->server_ip)
		return NULL;
	if (r ? memcmp(r->mac, mac, 6) != 0 : !in_range(&s->sn[sni], ip))
		return NULL;
	e = lease_by_ip(s, ip);
	if (!e)
		return lease_new(s, ip, sni);
	if (e->state == L_DECLINED)
		return NULL;
	if (e->key_len && !key_eq(e, k) && e->state != L_FREE &&
	    !(r && own_mac))
		return NULL;
	return e;
}

/*
 * Choose the address to offer (RFC 2131 4.3.1), NULL when none is left.
 * A client of the local subnet whose bound lease is not its reservation
 * moves to the reservation (key_assign() frees the lease) only on a message
 * from its own MAC: one naming that MAC from another would free the lease
 * and put the address back in the pool.
 */
static struct dhcps_lease *lease_pick(struct dhcps *s, unsigned sni,
				      const struct dhcp_msg *m,
				      const struct dhcps_rx *rx,
				      const struct ckey *k)
{
	bool own = chaddr_is_src(m, rx);
	struct dhcps_subnet *sn = &s->sn[sni];
	const struct dhcps_reservation *r = res_by_mac(s, m->chaddr);
	struct dhcps_lease *e = lease_by_key(s, k, sni), *c;
	const uint8_t *req;
	size_t n;

	if (r && subnet_of(s, r->ip) == (int)sni &&
	    (own || (int)sni != s->local || !e || e->state != L_BOUND)) {
		c = lease_claim(s, sni, r->ip, k, m->chaddr, own);
		if (c)
			return c;
	}
	if (e && e->state != L_DECLINED) {
		const struct dhcps_reservation *o = res_by_ip(s, e->ip);

		if (!o || !memcmp(o->mac, m->chaddr, 6))
			return e;
	}
	req = dhcp_opt_get(m, DHCP_OPT_REQ_IP, &n);
	if (req) {
		e = lease_claim(s, sni, dhcp_get_be32(req), k, m->chaddr, own);
		if (e && (e->state == L_FREE || key_eq(e, k)))
			return e;
	}
	while (sn->fresh_next <= sn->cfg.range_end) {
		uint32_t ip = sn->fresh_next++;

		if (ip == s->server_ip || res_by_ip(s, ip) ||
		    lease_by_ip(s, ip))
			continue;
		return lease_new(s, ip, sni);
	}
	return sn->free_head ? &s->l[sn->free_head - 1] : NULL;
}

static void rec_fill(const struct dhcps_lease *e, struct dhcps_lease_rec *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->ip = e->ip;
	rec->expires = e->expires;
	rec->state = e->state == L_DECLINED ? DHCPS_LEASE_DECLINED
		     : e->state == L_FREE   ? DHCPS_LEASE_RELEASED
					    : DHCPS_LEASE_BOUND;
	memcpy(rec->mac, e->mac, 6);
	memcpy(rec->key, e->key, e->key_len);
	rec->key_len = e->key_len;
	memcpy(rec->hostname, e->hostname, sizeof(rec->hostname));
	rec->port = held(e->state) ? e->port : 0;
}

/* ---- replies ---- */

/* The hostname option's first label if it is a valid one, else "". */
static void hostname_from_msg(const struct dhcp_msg *m, char *out)
{
	size_t n, len = 0;
	const uint8_t *h = dhcp_opt_get(m, DHCP_OPT_HOSTNAME, &n);

	out[0] = 0;
	if (!h)
		return;
	while (len < n && h[len] != '.')
		len++;
	if (!dhcp_label_valid((const char *)h, len))
		return;
	for (size_t i = 0; i < len; i++)
		out[i] = (char)(h[i] >= 'A' && h[i] <= 'Z' ? h[i] + 32 : h[i]);
	out[len] = 0;
}

static const char *res_hostname(const struct dhcps *s, const uint8_t *mac,
				uint32_t ip)
{
	const struct dhcps_reservation *r = res_by_mac(s, mac);

	return r && r->ip == ip && r->hostname[0] ? r->hostname : NULL;
}

/* Option 121 (RFC 3442): the configured routes plus the default route. */
static size_t routes_encode(const struct dhcps_subnet_cfg *c, uint8_t *b)
{
	size_t n = 0;
	bool have_default = false;

	for (unsigned i = 0; i < c->nroutes; i++) {
		const struct dhcps_route *r = &c->routes[i];
		uint8_t dst[4];

		dhcp_put_be32(dst, r->dst);
		b[n++] = r->prefix;
		memcpy(b + n, dst, (r->prefix + 7u) / 8);
		n += (r->prefix + 7u) / 8;
		dhcp_put_be32(b + n, r->gw);
		n += 4;
		have_default |= r->prefix == 0;
	}
	/* A client that takes 121 ignores option 3 (RFC 3442). */
	if (c->router && !have_default) {
		b[n++] = 0;
		dhcp_put_be32(b + n, c->router);
		n += 4;
	}
	return n;
}

/* Add option @code if the subnet has a value for it. */
static void param_put(struct dhcp_writer *w, const struct dhcps_subnet *sn,
		      uint8_t code, const char *hostname)
{
	const struct dhcps_subnet_cfg *c = &sn->cfg;
	uint8_t b[DHCPS_MAX_ROUTES * 9 + 5];
	size_t n = 0;

	switch (code) {
	case DHCP_OPT_SUBNET_MASK:
		dhcp_put_be32(b, sn->mask);
		n = 4;
		break;
	case DHCP_OPT_ROUTER:
		if (c->router) {
			dhcp_put_be32(b, c->router);
			n = 4;
		}
		break;
	case DHCP_OPT_DNS:
		for (unsigned i = 0; i < c->ndns && i < DHCPS_MAX_DNS; i++) {
			dhcp_put_be32(b + 4 * i, c->dns[i]);
			n += 4;
		}
		break;
	case DHCP_OPT_DOMAIN:
		n = strnlen(c->domain, DHCPS_DOMAIN_MAX);
		if (n)
			dhcp_opt_put(w, code, c->domain, n);
		return;
	case DHCP_OPT_HOSTNAME:
		if (hostname)
			dhcp_opt_put(w, code, hostname, strlen(hostname));
		return;
	case DHCP_OPT_MTU:
		if (c->mtu) {
			pkt_put_be16(b, c->mtu);
			n = 2;
		}
		break;
	case DHCP_OPT_BROADCAST:
		dhcp_put_be32(b, sn->bcast);
		n = 4;
		break;
	case DHCP_OPT_CLASSLESS_ROUTES:
		n = routes_encode(c, b);
		break;
	default:
		break;
	}
	if (n)
		dhcp_opt_put(w, code, b, n);
}

/* Largest reply the client takes: 576-byte datagrams unless 57 says more. */
static size_t reply_size(const struct dhcps *s, const struct dhcp_msg *m)
{
	size_t n, max = DHCP_MIN_MAXSIZE - 28;
	const uint8_t *v = dhcp_opt_get(m, DHCP_OPT_MAX_SIZE, &n);

	if (v && pkt_get_be16(v) > DHCP_MIN_MAXSIZE)
		max = pkt_get_be16(v) - 28u;
	return max < s->reply_max ? max : s->reply_max;
}

/* Where a reply goes (RFC 2131 4.1). */
static void reply_dest(const struct dhcp_msg *m, const struct dhcps_rx *rx,
		       uint8_t type, uint32_t yiaddr, struct dhcps_reply *r)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

	r->dst_port = DHCP_CLIENT_PORT;
	if (m->giaddr) {
		r->dst_ip = m->giaddr;
		r->dst_port = DHCP_SERVER_PORT;
		memcpy(r->dst_mac, rx->src_mac, 6);
	} else if (type != DHCP_NAK && m->ciaddr) {
		r->dst_ip = m->ciaddr;
		memcpy(r->dst_mac, rx->src_mac, 6);
	} else if (type == DHCP_NAK || (m->flags & DHCP_FLAG_BCAST) ||
		   !yiaddr) {
		r->dst_ip = 0xffffffffu;
		memcpy(r->dst_mac, bcast, 6);
	} else {
		r->dst_ip = yiaddr;
		memcpy(r->dst_mac, m->chaddr, 6);
	}
}

static void echo_opts(struct dhcp_writer *w, const struct dhcp_msg *m)
{
	size_t n;
	const uint8_t *v = dhcp_opt_get(m, DHCP_OPT_CLIENT_ID, &n);

	if (v) /* RFC 6842 */
		dhcp_opt_put(w, DHCP_OPT_CLIENT_ID, v, n);
	v = dhcp_opt_get(m, DHCP_OPT_RELAY_AGENT, &n);
	if (v && m->giaddr) /* RFC 3046: last, as the relay sent it */
		dhcp_opt_put(w, DHCP_OPT_RELAY_AGENT, v, n);
}

/*
 * Build a reply.  @sn is NULL for a NAK; @lease is the lease time for an
 * OFFER or ACK of a lease, 0 for an INFORM answer.
 */
static void reply_build(struct dhcps *s, const struct dhcps_subnet *sn,
			const struct dhcp_msg *m, const struct dhcps_rx *rx,
			uint8_t type, uint32_t yiaddr, uint32_t lease,
			const char *hostname, struct dhcps_result *res)
{
	struct dhcps_reply *r = &res->reply;
	uint8_t *b = r->data, sent[32] = {0}, v[4];
	struct dhcp_writer w;
	const uint8_t *prl;
	size_t n = 0;

	memset(b, 0, DHCP_OFS_OPTS);
	b[0] = DHCP_BOOTREPLY;
	b[1] = 1;
	b[2] = 6;
	dhcp_put_be32(b + DHCP_OFS_XID, m->xid);
	pkt_put_be16(
	    b + DHCP_OFS_FLAGS,
	    (uint16_t)(m->flags |
		       (type == DHCP_NAK && m->giaddr ? DHCP_FLAG_BCAST : 0)));
	if (type == DHCP_ACK)
		dhcp_put_be32(b + DHCP_OFS_CIADDR, m->ciaddr);
	dhcp_put_be32(b + DHCP_OFS_YIADDR, yiaddr);
	dhcp_put_be32(b + DHCP_OFS_GIADDR, m->giaddr);
	memcpy(b + DHCP_OFS_CHADDR, m->chaddr, sizeof(m->chaddr));
	dhcp_put_be32(b + DHCP_OFS_COOKIE, DHCP_COOKIE);

	dhcp_writer_init(&w, b, reply_size(s, m));
	dhcp_opt_put(&w, DHCP_OPT_MSG_TYPE, &type, 1);
	dhcp_put_be32(v, s->server_ip);
	dhcp_opt_put(&w, DHCP_OPT_SERVER_ID, v, 4);
	if (type == DHCP_NAK) {
		static const char text[] = "requested address not available";

		dhcp_opt_put(&w, DHCP_OPT_MESSAGE, text, sizeof(text) - 1);
	} else {
		if (lease) {
			const struct dhcps_subnet_cfg *c = &sn->cfg;

			dhcp_put_be32(v, lease);
			dhcp_opt_put(&w, DHCP_OPT_LEASE_TIME, v, 4);
			dhcp_put_be32(v, c->t1 ? c->t1 : lease / 2);
			dhcp_opt_put(&w, DHCP_OPT_T1, v, 4);
			dhcp_put_be32(v, c->t2 ? c->t2 : lease / 8 * 7);
			dhcp_opt_put(&w, DHCP_OPT_T2, v, 4);
		}
		prl = dhcp_opt_get(m, DHCP_OPT_PARAM_LIST, &n);
		if (!prl) {
			static const uint8_t dflt[] = {
			    DHCP_OPT_SUBNET_MASK, DHCP_OPT_ROUTER,
			    DHCP_OPT_DNS,	  DHCP_OPT_DOMAIN,
			    DHCP_OPT_BROADCAST,	  DHCP_OPT_MTU};

			prl = dflt;
			n = sizeof(dflt);
		}
		for (size_t i = 0; i < n; i++) {
			if (sent[prl[i] >> 3] & (1u << (prl[i] & 7)))
				continue;
			sent[prl[i] >> 3] |= (uint8_t)(1u << (prl[i] & 7));
			param_put(&w, sn, prl[i], hostname);
		}
		if (!(sent[0] & (1u << DHCP_OPT_SUBNET_MASK)))
			param_put(&w, sn, DHCP_OPT_SUBNET_MASK, NULL);
		if (hostname && !(sent[DHCP_OPT_HOSTNAME >> 3] &
				  (1u << (DHCP_OPT_HOSTNAME & 7))))
			param_put(&w, sn, DHCP_OPT_HOSTNAME, hostname);
	}
	echo_opts(&w, m);
	r->len = dhcp_writer_finish(&w);
	r->src_ip = s->server_ip;
	reply_dest(m, rx, type, yiaddr, r);
	res->reply_type = type;
}

/* ---- the state machine ---- */

static void drop(struct dhcps *s, struct dhcps_result *res, enum dhcps_drop d)
{
	res->action = DHCPS_ACT_NONE;
	res->drop = d;
	s->st.drops[d]++;
}

static void nak(struct dhcps *s, const struct dhcp_msg *m,
		const struct dhcps_rx *rx, struct dhcps_result *res)
{
	reply_build(s, NULL, m, rx, DHCP_NAK, 0, 0, NULL, res);
	res->action = DHCPS_ACT_SEND;
	s->st.naks++;
}

static void probe(struct dhcps *s, struct dhcps_lease *e, int64_t now,
		  struct dhcps_result *res)
{
	lease_move(s, e, L_PROBING, now + s->probe_hold);
	res->action = DHCPS_ACT_PROBE;
	res->probe_ip = e->ip;
	s->st.probes++;
}

/*
 * The client of @e held another address bound: unless someone else holds
 * it now, a record releasing it goes with the new lease, or the store would
 * keep both rows bound to the client (and a restore give it the old one).
 */
static void moved_rec(struct dhcps *s, struct dhcps_lease *e,
		      const struct ckey *k, struct dhcps_result *res)
{
	struct dhcps_lease *o =
	    e->moved_from ? lease_by_ip(s, e->moved_from) : NULL;

	e->moved_from = 0;
	if (!o || o == e || (o->state != L_FREE && o->state != L_OFFERED))
		return;
	rec_fill(o, &res->old);
	res->old.state = DHCPS_LEASE_RELEASED;
	memcpy(res->old.mac, e->mac, 6);
	memcpy(res->old.key, k->b, k->len);
	res->old.key_len = k->len;
	res->old.hostname[0] = 0;
	res->has_old = true;
}

/* ACK a lease: the caller persists res->rec before sending the ACK. */
static void lease_bind(struct dhcps *s, unsigned sni, struct dhcps_lease *e,
		       const struct dhcp_msg *m, const struct dhcps_rx *rx,
		       const struct ckey *k, int64_t now,
		       struct dhcps_result *res)
{
	const struct dhcps_subnet *sn = &s->sn[sni];
	const char *rh = res_hostname(s, m->chaddr, e->ip);
	uint32_t lease = sn->cfg.lease_time;

	port_take(s, e, rx);
	key_assign(s, e, k, m->chaddr, now);
	moved_rec(s, e, k, res);
	names_del(s, e);
	if (rh)
		snprintf(e->hostname, sizeof(e->hostname), "%s", rh);
	else
		hostname_from_msg(m, e->hostname);
	lease_move(s, e, L_BOUND, now + lease);
	e->ever_bound = true;
	names_add(s, e);
	rec_fill(e, &res->rec);
	reply_build(s, sn, m, rx, DHCP_ACK, e->ip, lease, rh, res);
	res->action = DHCPS_ACT_COMMIT;
	s->st.acks++;
}

static int subnet_for(const struct dhcps *s, const struct dhcp_msg *m)
{
	return m->giaddr ? subnet_of(s, m->giaddr) : s->local;
}

static void on_discover(struct dhcps *s, const struct dhcp_msg *m,
			const struct dhcps_rx *rx, const struct ckey *k,
			int64_t now, struct dhcps_result *res)
{
	int sni = subnet_for(s, m);
	struct dhcps_lease *e;

	if (sni < 0)
		return drop(s, res, DHCPS_DROP_NO_SUBNET);
	if (key_bound_elsewhere(s, m, k, (unsigned)sni))
		return drop(s, res, DHCPS_DROP_CLIENT_ID_IN_USE);
	if (port_full(s, lease_by_key(s, k, (unsigned)sni), rx))
		return drop(s, res, DHCPS_DROP_PORT_SHARE);
	e = lease_pick(s, (unsigned)sni, m, rx, k);
	if (!e)
		return drop(s, res, DHCPS_DROP_POOL_EXHAUSTED);
	if (e->state == L_PROBING)
		return drop(s, res, DHCPS_DROP_PROBING);
	port_take(s, e, rx);
	key_assign(s, e, k, m->chaddr, now);
	if (needs_probe(s, e))
		return probe(s, e, now, res);
	if (e->state != L_BOUND)
		lease_move(s, e, L_OFFERED, now + s->offer_hold);
	reply_build(s, &s->sn[sni], m, rx, DHCP_OFFER, e->ip,
		    s->sn[sni].cfg.lease_time,
		    res_hostname(s, m->chaddr, e->ip), res);
	res->action = DHCPS_ACT_SEND;
	s->st.offers++;
}

/* REQUEST in SELECTING state: the client answers an offer (54 and 50). */
static void on_selecting(struct dhcps *s, const struct dhcp_msg *m,
			 const struct dhcps_rx *rx, const struct ckey *k,
			 uint32_t sid, int64_t now, struct dhcps_result *res)
{
	int sni = subnet_for(s, m);
	struct dhcps_lease *e;
	const uint8_t *req;
	size_t n;

	if (sni < 0)
		return drop(s, res, DHCPS_DROP_NO_SUBNET);
	e = lease_by_key(s, k, (unsigned)sni);
	if (sid != s->server_ip) {
		/* It took another server's offer: ours is free again. */
		if (e && e->state == L_OFFERED)
			lease_move(s, e, L_FREE, now);
		return drop(s, res, DHCPS_DROP_NOT_FOR_US);
	}
	req = dhcp_opt_get(m, DHCP_OPT_REQ_IP, &n);
	if (!req)
		return drop(s, res, DHCPS_DROP_BAD_REQUEST);
	if (!e || e->ip != dhcp_get_be32(req) || e->state == L_PROBING ||
	    e->state == L_DECLINED ||
	    key_bound_elsewhere(s, m, k, (unsigned)sni))
		return nak(s, m, rx, res);
	if (port_full(s, e, rx))
		return drop(s, res, DHCPS_DROP_PORT_SHARE);
	lease_bind(s, (unsigned)sni, e, m, rx, k, now, res);
}

/*
 * REQUEST in INIT-REBOOT (50, no 54), RENEWING (ciaddr, unicast) or
 * REBINDING (ciaddr, broadcast) state: the client asks to keep @ip.  This
 * server is the network's only one, so it is authoritative: an address the
 * client may have is ACKed even without a record of it (a lost database),
 * anything else is NAKed so the client starts over.
 */
static void on_verify(struct dhcps *s, const struct dhcp_msg *m,
		      const struct dhcps_rx *rx, const struct ckey *k,
		      uint32_t ip, bool init_reboot, int64_t now,
		      struct dhcps_result *res)
{
	const struct dhcps_reservation *r = res_by_mac(s, m->chaddr);
	struct dhcps_lease *e, *c;
	int sni;

	if (m->giaddr)
		sni = subnet_of(s, m->giaddr);
	else
		sni = init_reboot ? s->local : subnet_of(s, ip);
	if (sni < 0 && m->giaddr)
		return drop(s, res, DHCPS_DROP_NO_SUBNET);
	if (sni < 0 || subnet_of(s, ip) != sni)
		return nak(s, m, rx, res); /* the client moved networks */
	if (key_bound_elsewhere(s, m, k, (unsigned)sni))
		return nak(s, m, rx, res);
	e = lease_by_key(s, k, (unsigned)sni);
	if (r && subnet_of(s, r->ip) == sni && r->ip != ip)
		return nak(s, m, rx, res); /* its reserved address waits */
	if (e && e->ip != ip && e->state == L_BOUND)
		return nak(s, m, rx, res);
	if (port_full(s, e, rx))
		return drop(s, res, DHCPS_DROP_PORT_SHARE);
	c = lease_claim(s, (unsigned)sni, ip, k, m->chaddr,
			chaddr_is_src(m, rx));
	if (!c)
		return nak(s, m, rx, res);
	if (c->state == L_PROBING)
		return drop(s, res, DHCPS_DROP_PROBING);
	if (needs_probe(s, c)) {
		port_take(s, c, rx);
		key_assign(s, c, k, m->chaddr, now);
		return probe(s, c, now, res);
	}
	lease_bind(s, (unsigned)sni, c, m, rx, k, now, res);
}

static void on_request(struct dhcps *s, const struct dhcp_msg *m,
		       const struct dhcps_rx *rx, const struct ckey *k,
		       int64_t now, struct dhcps_result *res)
{
	size_t n;
	const uint8_t *sid = dhcp_opt_get(m, DHCP_OPT_SERVER_ID, &n);
	const uint8_t *req = dhcp_opt_get(m, DHCP_OPT_REQ_IP, &n);

	if (sid)
		return on_selecting(s, m, rx, k, dhcp_get_be32(sid), now, res);
	if (req)
		return on_verify(s, m, rx, k, dhcp_get_be32(req), true, now,
				 res);
	if (m->ciaddr)
		return on_verify(s, m, rx, k, m->ciaddr, false, now, res);
	drop(s, res, DHCPS_DROP_BAD_REQUEST);
}

/*
 * DECLINE: the client found the address in use; nobody gets it a while.
 * Only from the client itself (chaddr the frame's source): chaddr and the
 * client identifier are the guest's to write, and another guest naming
 * them would take the address from its holder.
 */
static void on_decline(struct dhcps *s, const struct dhcp_msg *m,
		       const struct dhcps_rx *rx, const struct ckey *k,
		       int64_t now, struct dhcps_result *res)
{
	size_t n;
	const uint8_t *sid = dhcp_opt_get(m, DHCP_OPT_SERVER_ID, &n);
	const uint8_t *req = dhcp_opt_get(m, DHCP_OPT_REQ_IP, &n);
	struct dhcps_lease *e;

	if (!chaddr_is_src(m, rx))
		return drop(s, res, DHCPS_DROP_FORGED_CHADDR);
	if (!sid || !req)
		return drop(s, res, DHCPS_DROP_BAD_REQUEST);
	if (dhcp_get_be32(sid) != s->server_ip)
		return drop(s, res, DHCPS_DROP_NOT_FOR_US);
	e = lease_by_ip(s, dhcp_get_be32(req));
	if (!e || !key_eq(e, k) || e->state == L_FREE)
		return drop(s, res, DHCPS_DROP_UNKNOWN_CLIENT);
	if (memcmp(e->mac, m->chaddr, 6))
		return drop(s, res, DHCPS_DROP_CLIENT_ID_IN_USE);
	key_unlink(s, e);
	e->hostname[0] = 0;
	lease_move(s, e, L_DECLINED, now + s->decline_hold);
	rec_fill(e, &res->rec);
	res->action = DHCPS_ACT_COMMIT;
}

/*
 * RELEASE: the address is free; it stays remembered for the client.  Only
 * from the client itself, as for DECLINE: a client behind a router (its
 * RELEASE comes from the router's MAC) keeps the lease until it ends.
 */
static void on_release(struct dhcps *s, const struct dhcp_msg *m,
		       const struct dhcps_rx *rx, const struct ckey *k,
		       int64_t now, struct dhcps_result *res)
{
	size_t n;
	const uint8_t *sid = dhcp_opt_get(m, DHCP_OPT_SERVER_ID, &n);
	struct dhcps_lease *e;

	if (!chaddr_is_src(m, rx))
		return drop(s, res, DHCPS_DROP_FORGED_CHADDR);
	if (sid && dhcp_get_be32(sid) != s->server_ip)
		return drop(s, res, DHCPS_DROP_NOT_FOR_US);
	if (!m->ciaddr)
		return drop(s, res, DHCPS_DROP_BAD_REQUEST);
	e = lease_by_ip(s, m->ciaddr);
	if (!e || !key_eq(e, k) || e->state != L_BOUND)
		return drop(s, res, DHCPS_DROP_UNKNOWN_CLIENT);
	if (memcmp(e->mac, m->chaddr, 6))
		return drop(s, res, DHCPS_DROP_CLIENT_ID_IN_USE);
	lease_move(s, e, L_FREE, now);
	rec_fill(e, &res->rec);
	res->action = DHCPS_ACT_COMMIT;
}

/* INFORM: configuration only, for a client with its own address. */
static void on_inform(struct dhcps *s, const struct dhcp_msg *m,
		      const struct dhcps_rx *rx, struct dhcps_result *res)
{
	uint32_t ip = m->ciaddr ? m->ciaddr : rx->src_ip;
	int sni = m->giaddr ? subnet_of(s, m->giaddr) : subnet_of(s, ip);

	if (sni < 0 && !m->giaddr)
		sni = s->local;
	if (sni < 0)
		return drop(s, res, DHCPS_DROP_NO_SUBNET);
	reply_build(s, &s->sn[sni], m, rx, DHCP_ACK, 0, 0,
		    res_hostname(s, m->chaddr, ip), res);
	res->action = DHCPS_ACT_SEND;
	s->st.acks++;
}

static void handle(struct dhcps *s, const struct dhcps_rx *rx, int64_t now,
		   struct dhcps_result *res)
{
	struct dhcp_msg *m = &s->msg;
	enum dhcps_drop d;
	struct ckey k;

	memset(res, 0, offsetof(struct dhcps_result, reply));
	res->reply.len = 0;
	res->action = DHCPS_ACT_NONE;
	res->drop = DHCPS_DROP_NONE;
	dhcps_expire(s, now);
	d = dhcp_msg_parse(rx->data, rx->len, m);
	if (d != DHCPS_DROP_NONE)
		return drop(s, res, d);
	res->msg_type = m->type;
	s->st.in[m->type]++;
	if (m->giaddr && !rx->trusted)
		return drop(s, res, DHCPS_DROP_UNTRUSTED_RELAY);
	client_key(m, &k);
	switch (m->type) {
	case DHCP_DISCOVER:
		return on_discover(s, m, rx, &k, now, res);
	case DHCP_REQUEST:
		return on_request(s, m, rx, &k, now, res);
	case DHCP_DECLINE:
		return on_decline(s, m, rx, &k, now, res);
	case DHCP_RELEASE:
		return on_release(s, m, rx, &k, now, res);
	default:
		return on_inform(s, m, rx, res);
	}
}

/**
 * dhcps_input() - handle one datagram to port 67
 * @s: server
 * @rx: the datagram and facts from its headers
 * @now: current time, caller's seconds
 * @res: what to do (see enum dhcps_action)
 *
 * Also expires whatever is due by @now first.
 */
void dhcps_input(struct dhcps *s, const struct dhcps_rx *rx, int64_t now,
		 struct dhcps_result *res)
{
	s->st.rx++;
	handle(s, rx, now, res);
}

/**
 * dhcps_probe_done() - the verdict of a probe asked by DHCPS_ACT_PROBE
 * @s: server
 * @ip: the address probed
 * @in_use: something answered the ARP probe
 * @rx: the message that asked for the probe, as given to dhcps_input()
 * @now: current time
 * @res: the message's outcome now: an offer or ACK of the probed address,
 *       another probe (of another address) after a conflict, or a drop
 *
 * An address in use is held back as if declined.  A verdict on an address
 * that is no longer being probed (it timed out) is ignored and the message
 * handled afresh.
 */
void dhcps_probe_done(struct dhcps *s, uint32_t ip, bool in_use,
		      const struct dhcps_rx *rx, int64_t now,
		      struct dhcps_result *res)
{
	struct dhcps_lease *e = lease_by_ip(s, ip);

	if (e && e->state == L_PROBING) {
		if (in_use) {
			key_unlink(s, e);
			lease_move(s, e, L_DECLINED, now + s->decline_hold);
			s->st.conflicts++;
		} else {
			e->probed = true;
			lease_move(s, e, L_FREE, now);
		}
	}
	handle(s, rx, now, res);
}

/**
 * dhcps_expire() - end the offers, leases, probes and declines due
 * @s: server
 * @now: current time
 *
 * A declined address comes back needing a probe again.
 *
 * Return: when the next one is due, INT64_MAX when nothing is pending
 */
int64_t dhcps_expire(struct dhcps *s, int64_t now)
{
	while (s->nheap) {
		struct dhcps_lease *e = &s->l[s->heap[0] - 1];

		if (e->expires > now)
			return e->expires;
		if (e->state == L_BOUND || e->state == L_OFFERED)
			s->st.expired++;
		if (e->state == L_DECLINED)
			e->ever_bound = e->probed = false;
		lease_move(s, e, L_FREE, e->expires);
	}
	return INT64_MAX;
}

/* ---- set-up, restore, inspection ---- */

static int subnets_setup(struct dhcps *s, const struct dhcps_config *cfg,
			 char *err, size_t errlen)
{
	char a[16], b[16];

	if (!cfg->nsubnets || cfg->nsubnets > DHCPS_MAX_SUBNETS) {
		snprintf(err, errlen, "a DHCP server needs 1 to %u subnets",
			 DHCPS_MAX_SUBNETS);
		return -EINVAL;
	}
	s->local = -1;
	for (unsigned i = 0; i < cfg->nsubnets; i++) {
		const struct dhcps_subnet_cfg *c = &cfg->subnets[i];
		struct dhcps_subnet *sn = &s->sn[i];

		if (dhcps_check_subnet(c, cfg->server_ip, err, errlen))
			return -EINVAL;
		sn->cfg = *c;
		sn->cfg.domain[DHCPS_DOMAIN_MAX] = 0;
		sn->mask = dhcp_prefix_mask(c->prefix);
		sn->bcast = c->net | ~sn->mask;
		sn->fresh_next = c->range_start;
		for (unsigned j = 0; j < i; j++) {
			if ((c->net & s->sn[j].mask) == s->sn[j].cfg.net ||
			    (s->sn[j].cfg.net & sn->mask) == c->net) {
				snprintf(err, errlen,
					 "subnet %s/%u overlaps subnet %s/%u",
					 dhcp_ip_fmt(c->net, a), c->prefix,
					 dhcp_ip_fmt(s->sn[j].cfg.net, b),
					 s->sn[j].cfg.prefix);
				return -EINVAL;
			}
		}
		if ((cfg->server_ip & sn->mask) == c->net)
			s->local = (int)i;
		s->cap += c->range_end - c->range_start + 1;
	}
	s->nsn = cfg->nsubnets;
	return 0;
}

static int res_ip_cmp(const void *a, const void *b, void *arg)
{
	const struct dhcps_reservation *res = arg;
	uint32_t x = res[*(const uint32_t *)a].ip;
	uint32_t y = res[*(const uint32_t *)b].ip;

	return x < y ? -1 : x > y;
}

static int res_idx_mac_cmp(const void *a, const void *b, void *arg)
{
	const struct dhcps_reservation *res = arg;

	return res_mac_cmp(&res[*(const uint32_t *)a],
			   &res[*(const uint32_t *)b]);
}

static int res_idx_host_cmp(const void *a, const void *b, void *arg)
{
	const struct dhcps_reservation *res = arg;

	return strcasecmp(res[*(const uint32_t *)a].hostname,
			  res[*(const uint32_t *)b].hostname);
}

/* Reservations that clash (dhcps_check_reservation()) sit side by side once
 * sorted by what they share: each is compared with its neighbours only,
 * not with every other (thousands of reservations took seconds). */
static int res_clashes(const struct dhcps_config *cfg, uint32_t *idx,
		       int (*cmp)(const void *, const void *, void *),
		       char *err, size_t errlen)
{
	struct dhcps_reservation *res = (struct dhcps_reservation *)cfg->res;
	int rc;

	for (unsigned i = 0; i < cfg->nres; i++)
		idx[i] = i;
	qsort_r(idx, cfg->nres, sizeof(*idx), cmp, res);
	for (unsigned i = 1; i < cfg->nres; i++) {
		if (cmp(&idx[i - 1], &idx[i], res))
			continue;
		rc = dhcps_check_reservation(cfg->subnets, cfg->nsubnets,
					     cfg->server_ip, &res[idx[i - 1]],
					     1, &res[idx[i]], err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

static int res_setup(struct dhcps *s, const struct dhcps_config *cfg, char *err,
		     size_t errlen)
{
	int rc;

	s->res = calloc(cfg->nres + 1, sizeof(*s->res));
	s->res_ip = calloc(cfg->nres + 1, sizeof(*s->res_ip));
	if (!s->res || !s->res_ip)
		return -ENOMEM;
	for (unsigned i = 0; i < cfg->nres; i++) {
		rc = dhcps_check_reservation(cfg->subnets, cfg->nsubnets,
					     cfg->server_ip, NULL, 0,
					     &cfg->res[i], err, errlen);
		if (rc)
			return rc;
		s->res[i] = cfg->res[i];
	}
	rc = res_clashes(cfg, s->res_ip, res_ip_cmp, err, errlen);
	if (!rc)
		rc = res_clashes(cfg, s->res_ip, res_idx_mac_cmp, err, errlen);
	if (!rc)
		rc = res_clashes(cfg, s->res_ip, res_idx_host_cmp, err, errlen);
	if (rc)
		return rc;
	for (unsigned i = 0; i < cfg->nres; i++)
		s->res_ip[i] = i;
	s->nres = cfg->nres;
	qsort(s->res, s->nres, sizeof(*s->res), res_mac_cmp);
	qsort_r(s->res_ip, s->nres, sizeof(*s->res_ip), res_ip_cmp, s->res);
	s->cap += s->nres;
	for (unsigned i = 0; s->names && i < s->nres; i++) {
		const struct dhcps_reservation *r = &s->res[i];

		if (r->hostname[0] &&
		    dns_names_add(s->names, r->hostname, r->ip, true) < 0) {
			snprintf(err, errlen,
				 "hostname %s does not fit the DNS names "
				 "table",
				 r->hostname);
			return -ENOSPC;
		}
	}
	return 0;
}

/**
 * dhcps_create() - create a server with an empty lease table
 * @cfg: configuration; copied, @cfg->names is kept
 * @out: the server
 * @err: the refusal, a sentence
 * @errlen: size of @err
 *
 * Every subnet and reservation is checked as dhcps_check_subnet() and
 * dhcps_check_reservation() do; subnets must not overlap.  The lease table
 * is sized for every address of the ranges plus the reservations.
 *
 * Return: 0, -EINVAL/-EEXIST with @err set, -ENOMEM
 */
int dhcps_create(const struct dhcps_config *cfg, struct dhcps **out, char *err,
		 size_t errlen)
{
	struct dhcps *s = calloc(1, sizeof(*s));
	uint32_t nb = 64;
	int rc;

	if (!s)
		return -ENOMEM;
	s->server_ip = cfg->server_ip;
	s->offer_hold = cfg->offer_hold ? cfg->offer_hold : 60;
	s->decline_hold = cfg->decline_hold ? cfg->decline_hold : 600;
	s->probe_hold = cfg->probe_hold ? cfg->probe_hold : 10;
	s->probe = cfg->probe;
	s->port_share = cfg->port_share;
	s->reply_max = DHCPS_REPLY_MAX;
	if (cfg->mtu >= DHCP_MIN_MAXSIZE && cfg->mtu - 28 < s->reply_max)
		s->reply_max = cfg->mtu - 28;
	s->names = cfg->names;
	rc = subnets_setup(s, cfg, err, errlen);
	if (!rc)
		rc = res_setup(s, cfg, err, errlen);
	if (rc)
		goto fail;
	while (nb < s->cap)
		nb <<= 1;
	s->bmask = nb - 1;
	s->l = calloc(s->cap, sizeof(*s->l));
	s->heap = calloc(s->cap, sizeof(*s->heap));
	s->ip_bkt = calloc(nb, sizeof(*s->ip_bkt));
	s->key_bkt = calloc(nb, sizeof(*s->key_bkt));
	s->port_held = calloc(DHCPS_MAX_PORTS, sizeof(*s->port_held));
	if (!s->l || !s->heap || !s->ip_bkt || !s->key_bkt || !s->port_held) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory for %u leases", s->cap);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	dhcps_destroy(s);
	return rc;
}

/**
 * dhcps_destroy() - free a server
 * @s: server, or NULL
 *
 * The names table given at create is not freed; its entries stay.
 */
void dhcps_destroy(struct dhcps *s)
{
	if (!s)
		return;
	free(s->l);
	free(s->heap);
	free(s->ip_bkt);
	free(s->key_bkt);
	free(s->port_held);
	free(s->res);
	free(s->res_ip);
	free(s);
}

/**
 * dhcps_restore() - load one stored lease at start
 * @s: server, before any dhcps_input()
 * @rec: the row
 * @now: current time
 *
 * A lease whose time has passed becomes a free address remembered for its
 * client; a decline that has passed is forgotten.  When two rows name the
 * same client in one subnet, a live lease keeps the client, else the first
 * row.  A live lease whose @rec->port is set counts against that port
 * (dhcps_port_claim()).
 *
 * Return: 0; -ERANGE for an address the configuration no longer serves,
 * -EEXIST for a second row of one address, -EINVAL for a bad row (the
 * caller deletes such rows and says so)
 */
int dhcps_restore(struct dhcps *s, const struct dhcps_lease_rec *rec,
		  int64_t now)
{
	int sni = subnet_of(s, rec->ip);
	struct dhcps_lease *e, *old;
	struct ckey k;
	bool live;

	if (sni < 0 || rec->ip == s->server_ip ||
	    (!res_by_ip(s, rec->ip) && !in_range(&s->sn[sni], rec->ip)))
		return -ERANGE;
	if (rec->key_len > DHCPS_KEY_MAX ||
	    (rec->state != DHCPS_LEASE_DECLINED && !rec->key_len) ||
	    rec->state > DHCPS_LEASE_DECLINED)
		return -EINVAL;
	if (lease_by_ip(s, rec->ip))
		return -EEXIST;
	e = lease_new(s, rec->ip, (unsigned)sni);
	if (!e)
		return -ENOSPC;
	if (rec->state == DHCPS_LEASE_DECLINED) {
		if (rec->expires > now)
			lease_move(s, e, L_DECLINED, rec->expires);
		else
			lease_move(s, e, L_FREE, rec->expires);
		return 0;
	}
	e->ever_bound = true;
	memcpy(e->mac, rec->mac, 6);
	memcpy(k.b, rec->key, rec->key_len);
	k.len = rec->key_len;
	old = lease_by_key(s, &k, (unsigned)sni);
	live = rec->state == DHCPS_LEASE_BOUND && rec->expires > now;
	/* A live lease takes its client from a free address remembered for
	 * it (a row released when the client moved, read first). */
	if (old && live && old->state == L_FREE)
		key_unlink(s, old);
	if (!lease_by_key(s, &k, (unsigned)sni))
		key_link(s, e, &k);
	if (dhcp_label_valid(rec->hostname,
			     strnlen(rec->hostname, sizeof(rec->hostname))))
		memcpy(e->hostname, rec->hostname, sizeof(e->hostname));
	if (rec->state == DHCPS_LEASE_BOUND && rec->expires > now &&
	    e->key_len) {
		lease_move(s, e, L_BOUND, rec->expires);
		names_add(s, e);
		if (rec->port)
			(void)dhcps_port_claim(s, rec->ip,
					       (uint16_t)(rec->port - 1));
	} else {
		lease_move(s, e, L_FREE, rec->expires);
	}
	return 0;
}

/**
 * dhcps_lease_walk() - call @cb for every offered, bound or declined address
 * @s: server
 * @cb: callback
 * @arg: its argument
 */
void dhcps_lease_walk(const struct dhcps *s, dhcps_lease_cb cb, void *arg)
{
	struct dhcps_lease_rec rec;

	for (uint32_t i = 0; i < s->nl; i++) {
		const struct dhcps_lease *e = &s->l[i];

		if (e->state == L_FREE || e->state == L_PROBING)
			continue;
		rec_fill(e, &rec);
		cb(&rec, e->state == L_OFFERED, arg);
	}
}

/**
 * dhcps_lease_find() - the state of one address
 * @s: server
 * @ip: address
 * @rec: filled in (a free address reads as RELEASED)
 *
 * Return: 0, or -ENOENT when the address was never handed out
 */
int dhcps_lease_find(const struct dhcps *s, uint32_t ip,
		     struct dhcps_lease_rec *rec)
{
	const struct dhcps_lease *e = lease_by_ip(s, ip);

	if (!e || e->state == L_PROBING)
		return -ENOENT;
	rec_fill(e, rec);
	return 0;
}

/**
 * dhcps_port_forget() - switch port @port left: the addresses its messages
 * took count for no port any more, so a port given its id later starts
 * with its whole share (the addresses themselves stay their clients')
 * @s: server
 * @port: the port's id, as in struct dhcps_rx's @in_port
 */
void dhcps_port_forget(struct dhcps *s, uint16_t port)
{
	if (port >= DHCPS_MAX_PORTS || !s->port_held[port])
		return;
	for (uint32_t i = 0; i < s->nl; i++)
		if (s->l[i].port == port + 1)
			s->l[i].port = 0;
	s->port_held[port] = 0;
}

/**
 * dhcps_port_claim() - a restored lease counts against the switch port that
 * holds it
 * @s: server
 * @ip: the lease's address
 * @port: the port's switch id now, as in struct dhcps_rx's @in_port
 *
 * What a port holds is counted as its messages take addresses; a lease read
 * back from the store (dhcps_restore(): a restart, a rebuilt server) or
 * held by a port that left and came back (dhcps_port_forget()) has no port
 * until the caller, who knows which port took it, says so here.  A lease
 * that counts against a port already (its client renewed it since) keeps
 * it: the message is newer than the store.  A port may end up holding more
 * than its share (a share lowered since): it gets nothing more until it
 * holds less.
 *
 * Return: 0; -ENOENT when @ip is not a bound lease, -EEXIST when it counts
 * against a port already, -EINVAL for a port id out of range
 */
int dhcps_port_claim(struct dhcps *s, uint32_t ip, uint16_t port)
{
	struct dhcps_lease *e = lease_by_ip(s, ip);

	if (port >= DHCPS_MAX_PORTS)
		return -EINVAL;
	if (!e || e->state != L_BOUND)
		return -ENOENT;
	if (e->port)
		return -EEXIST;
	e->port = (uint16_t)(port + 1);
	s->port_held[port]++;
	return 0;
}

/**
 * dhcps_counts_ok() - whether the counters kept as entries change state
 * (bound leases, the addresses each port holds) agree with the table
 * @s: server
 *
 * For tests and fuzzing: it walks every entry.
 *
 * Return: true when they do
 */
bool dhcps_counts_ok(const struct dhcps *s)
{
	uint32_t held_now[DHCPS_MAX_PORTS] = {0};
	uint64_t bound = 0;

	for (uint32_t i = 0; i < s->nl; i++) {
		const struct dhcps_lease *e = &s->l[i];

		bound += e->state == L_BOUND;
		if (!e->port)
			continue;
		if (!held(e->state) || e->port > DHCPS_MAX_PORTS)
			return false;
		held_now[e->port - 1]++;
	}
	return bound == s->st.leases &&
	       !memcmp(held_now, s->port_held, sizeof(held_now));
}

/**
 * dhcps_stats_get() - a server's counters
 * @s: server
 * @st: filled in
 */
void dhcps_stats_get(const struct dhcps *s, struct dhcps_stats *st)
{
	*st = s->st;
}
