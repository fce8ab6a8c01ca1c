// SPDX-License-Identifier: GPL-2.0-or-later
/* nat_table.c - the NAT table: the region's format and validation, the hash
 * index, the timer wheel, external ports, expiry */
#include "nat_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(struct nat_hdr) == 128, "header layout");
_Static_assert(sizeof(struct nat_entry) == 104, "entry layout");

/**
 * nat_table_size() - bytes of the region a table of @capacity entries needs
 * @capacity: entries, NAT_MIN_CAPACITY..NAT_MAX_CAPACITY
 *
 * Return: size in bytes, 0 when @capacity is out of range
 */
size_t nat_table_size(uint32_t capacity)
{
	if (capacity < NAT_MIN_CAPACITY || capacity > NAT_MAX_CAPACITY)
		return 0;
	return sizeof(struct nat_hdr) +
	       (size_t)capacity * sizeof(struct nat_entry);
}

/**
 * nat_hdr_csum() - the header's checksum: FNV-1a 64 of the bytes before
 * @csum
 * @h: header
 *
 * Return: the checksum
 */
uint64_t nat_hdr_csum(const struct nat_hdr *h)
{
	const uint8_t *b = (const uint8_t *)h;
	uint64_t x = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < offsetof(struct nat_hdr, csum); i++) {
		x ^= b[i];
		x *= 0x100000001b3ull;
	}
	return x;
}

static void cfg_defaults(struct nat_config *c)
{
	struct nat_timeouts *to = &c->timeouts;

	if (!c->port_min)
		c->port_min = NAT_DEFAULT_PORT_MIN;
	if (!c->port_max)
		c->port_max = NAT_DEFAULT_PORT_MAX;
	to->tcp_syn = to->tcp_syn ? to->tcp_syn : 240;
	to->tcp_est = to->tcp_est ? to->tcp_est : 7440;
	to->tcp_fin = to->tcp_fin ? to->tcp_fin : 240;
	to->tcp_time_wait = to->tcp_time_wait ? to->tcp_time_wait : 240;
	to->tcp_close = to->tcp_close ? to->tcp_close : 10;
	to->udp = to->udp ? to->udp : 30;
	to->udp_replied = to->udp_replied ? to->udp_replied : 120;
	to->icmp = to->icmp ? to->icmp : 60;
	to->mapping = to->mapping ? to->mapping : 120;
}

static uint32_t max_timeout(const struct nat_timeouts *to)
{
	const uint32_t v[] = {to->tcp_syn,	 to->tcp_est,	to->tcp_fin,
			      to->tcp_time_wait, to->tcp_close, to->udp,
			      to->udp_replied,	 to->icmp,	to->mapping};
	uint32_t m = 0;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

/**
 * nat_ext_addr_usable() - can @ip be the external address of a NAT whose
 * private subnet is @inside_net/@inside_prefix?
 * @inside_net: the private subnet, host order
 * @inside_prefix: its prefix length, 1..32
 * @ip: the address (static, or from a DHCP lease: untrusted), host order
 *
 * Return: false for 0/8, 127/8, multicast, class E, the limited broadcast
 * and an address inside the private subnet
 */
bool nat_ext_addr_usable(uint32_t inside_net, uint8_t inside_prefix,
			 uint32_t ip)
{
	uint32_t mask = inside_prefix >= 32 ? ~0u
			: inside_prefix	    ? ~0u << (32 - inside_prefix)
					    : 0;

	return !nat_martian(ip) && (ip & mask) != (inside_net & mask);
}

/**
 * nat_ext_addr_placeholder() - an external address for a table whose NAT
 * has none yet (a DHCP client not bound): usable by nat_check_config(),
 * never used by the packet path, which waits for the real one
 * @inside_net: the private subnet, host order
 * @inside_prefix: its prefix length, 1..30
 *
 * Return: an address of TEST-NET-1 or TEST-NET-2 (RFC 5737) outside the
 * subnet
 */
uint32_t nat_ext_addr_placeholder(uint32_t inside_net, uint8_t inside_prefix)
{
	uint32_t a = 0xc0000201u; /* 192.0.2.1 */

	return nat_ext_addr_usable(inside_net, inside_prefix, a)
		   ? a
		   : 0xc6336401u; /* 198.51.100.1 */
}

/**
 * nat_check_config() - check a table's settings
 * @cfg: settings
 * @err: where to write the sentence for the user
 * @errlen: its size
 *
 * Return: 0, or -EINVAL with @err set
 */
int nat_check_config(const struct nat_config *cfg, char *err, size_t errlen)
{
	struct nat_config c = *cfg;

	cfg_defaults(&c);
	if (!nat_table_size(c.capacity)) {
		snprintf(err, errlen, "table size %u outside %u..%u",
			 c.capacity, NAT_MIN_CAPACITY, NAT_MAX_CAPACITY);
		return -EINVAL;
	}
	if (c.inside_prefix < 1 || c.inside_prefix > 30) {
		snprintf(err, errlen, "inside prefix /%u outside 1..30",
			 c.inside_prefix);
		return -EINVAL;
	}
	if (c.n_ext < 1 || c.n_ext > NAT_MAX_EXT) {
		snprintf(err, errlen, "%u external addresses: 1 to %u allowed",
			 c.n_ext, NAT_MAX_EXT);
		return -EINVAL;
	}
	for (unsigned i = 0; i < c.n_ext; i++) {
		uint32_t a = c.ext_addr[i];

		if (!nat_ext_addr_usable(c.inside_net, c.inside_prefix, a)) {
			snprintf(err, errlen,
				 "external address %u.%u.%u.%u unusable "
				 "(0/8, 127/8, multicast, broadcast or "
				 "inside)",
				 a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
			return -EINVAL;
		}
		for (unsigned j = 0; j < i; j++)
			if (c.ext_addr[j] == a) {
				snprintf(err, errlen,
					 "external address listed twice");
				return -EINVAL;
			}
	}
	if (c.port_min > c.port_max || c.port_min < 1) {
		snprintf(err, errlen, "port range %u-%u is empty", c.port_min,
			 c.port_max);
		return -EINVAL;
	}
	if (c.ext_mtu && c.ext_mtu < 576) {
		snprintf(err, errlen, "external MTU %u below 576", c.ext_mtu);
		return -EINVAL;
	}
	return 0;
}

/* ---- hash index ---- */

static uint32_t key_in(const struct nat_table *t, const struct nat_entry *e)
{
	if (e->kind == NAT_KIND_SESSION)
		return nat_hash(t, NAT_KEY_SESS_IN, e->proto, e->int_ip,
				e->int_port, e->rem_ip, e->rem_port);
	return nat_hash(t, NAT_KEY_MAP_IN, e->proto, e->int_ip, e->int_port, 0,
			0);
}

static uint32_t key_out(const struct nat_table *t, const struct nat_entry *e)
{
	if (e->kind == NAT_KIND_SESSION)
		return nat_hash(t, NAT_KEY_SESS_OUT, e->proto, e->ext_ip,
				e->ext_port, e->rem_ip, e->rem_port);
	return nat_hash(t, NAT_KEY_MAP_OUT, e->proto, e->ext_ip, e->ext_port, 0,
			0);
}

static void chain_del(struct nat_table *t, uint32_t *head, uint32_t i, bool in)
{
	uint32_t *pp = head;

	while (*pp != NAT_NIL) {
		struct nat_entry *x = &t->e[*pp];

		if (*pp == i) {
			*pp = in ? x->next_in : x->next_out;
			return;
		}
		pp = in ? &x->next_in : &x->next_out;
	}
}

/**
 * nat_lookup_sess_in() - a session by its inside 5-tuple
 * @t: table
 * @proto: protocol
 * @int_ip: inside address
 * @int_port: inside port (ICMP: identifier)
 * @rem_ip: remote address
 * @rem_port: remote port (ICMP: 0)
 *
 * Return: entry index or NAT_NIL
 */
uint32_t nat_lookup_sess_in(const struct nat_table *t, uint8_t proto,
			    uint32_t int_ip, uint16_t int_port, uint32_t rem_ip,
			    uint16_t rem_port)
{
	uint32_t h = nat_hash(t, NAT_KEY_SESS_IN, proto, int_ip, int_port,
			      rem_ip, rem_port);

	for (uint32_t i = t->bin[h & t->mask]; i != NAT_NIL;
	     i = t->e[i].next_in) {
		const struct nat_entry *e = &t->e[i];

		if (e->kind == NAT_KIND_SESSION && e->proto == proto &&
		    e->int_ip == int_ip && e->int_port == int_port &&
		    e->rem_ip == rem_ip && e->rem_port == rem_port)
			return i;
	}
	return NAT_NIL;
}

/**
 * nat_lookup_sess_out() - a session by its outside 5-tuple
 * @t: table
 * @proto: protocol
 * @ext_ip: external address
 * @ext_port: external port
 * @rem_ip: remote address
 * @rem_port: remote port
 *
 * Return: entry index or NAT_NIL
 */
uint32_t nat_lookup_sess_out(const struct nat_table *t, uint8_t proto,
			     uint32_t ext_ip, uint16_t ext_port,
			     uint32_t rem_ip, uint16_t rem_port)
{
	uint32_t h = nat_hash(t, NAT_KEY_SESS_OUT, proto, ext_ip, ext_port,
			      rem_ip, rem_port);

	for (uint32_t i = t->bout[h & t->mask]; i != NAT_NIL;
	     i = t->e[i].next_out) {
		const struct nat_entry *e = &t->e[i];

		if (e->kind == NAT_KIND_SESSION && e->proto == proto &&
		    e->ext_ip == ext_ip && e->ext_port == ext_port &&
		    e->rem_ip == rem_ip && e->rem_port == rem_port)
			return i;
	}
	return NAT_NIL;
}

/**
 * nat_lookup_map_in() - a dynamic mapping by its inside endpoint
 * @t: table
 * @proto: protocol
 * @int_ip: inside address
 * @int_port: inside port
 *
 * Forwards are not found here (nat_lookup_owner_in()).
 *
 * Return: entry index or NAT_NIL
 */
uint32_t nat_lookup_map_in(const struct nat_table *t, uint8_t proto,
			   uint32_t int_ip, uint16_t int_port)
{
	uint32_t i = nat_lookup_owner_in(t, proto, int_ip, int_port);

	return i != NAT_NIL && t->e[i].kind == NAT_KIND_MAPPING ? i : NAT_NIL;
}

/**
 * nat_lookup_owner_in() - what an inside endpoint's new session goes
 * through: its dynamic mapping, else a forward to it
 * @t: table
 * @proto: protocol
 * @int_ip: inside address
 * @int_port: inside port (ICMP: identifier)
 *
 * Mappings and forwards share the inside key, so one walk of the chain
 * finds either.
 *
 * Return: entry index or NAT_NIL; with several forwards to one endpoint
 * and no mapping, one of them
 */
uint32_t nat_lookup_owner_in(const struct nat_table *t, uint8_t proto,
			     uint32_t int_ip, uint16_t int_port)
{
	uint32_t h = nat_hash(t, NAT_KEY_MAP_IN, proto, int_ip, int_port, 0, 0);
	uint32_t fwd = NAT_NIL;

	for (uint32_t i = t->bin[h & t->mask]; i != NAT_NIL;
	     i = t->e[i].next_in) {
		const struct nat_entry *e = &t->e[i];

		if (e->proto != proto || e->int_ip != int_ip ||
		    e->int_port != int_port)
			continue;
		if (e->kind == NAT_KIND_MAPPING)
			return i;
		if (e->kind == NAT_KIND_FORWARD && fwd == NAT_NIL)
			fwd = i;
	}
	return fwd;
}

/**
 * nat_lookup_map_out() - a mapping or forward by its external endpoint
 * @t: table
 * @proto: protocol
 * @ext_ip: external address
 * @ext_port: external port
 *
 * Return: entry index or NAT_NIL
 */
uint32_t nat_lookup_map_out(const struct nat_table *t, uint8_t proto,
			    uint32_t ext_ip, uint16_t ext_port)
{
	uint32_t h =
	    nat_hash(t, NAT_KEY_MAP_OUT, proto, ext_ip, ext_port, 0, 0);

	for (uint32_t i = t->bout[h & t->mask]; i != NAT_NIL;
	     i = t->e[i].next_out) {
		const struct nat_entry *e = &t->e[i];

		if ((e->kind == NAT_KIND_MAPPING ||
		     e->kind == NAT_KIND_FORWARD) &&
		    e->proto == proto && e->ext_ip == ext_ip &&
		    e->ext_port == ext_port)
			return i;
	}
	return NAT_NIL;
}

/* ---- timer wheel ---- */

static void wheel_add(struct nat_table *t, uint32_t i, int64_t at)
{
	struct nat_entry *e = &t->e[i];
	uint32_t *head;

	if (at < t->wheel_time)
		at = t->wheel_time;
	if (at > t->wheel_time + NAT_WHEEL_SLOTS - 1)
		at = t->wheel_time + NAT_WHEEL_SLOTS - 1;
	e->tw_slot = (uint16_t)(at & (NAT_WHEEL_SLOTS - 1));
	head = &t->wheel[e->tw_slot];
	e->tw_prev = NAT_NIL;
	e->tw_next = *head;
	if (*head != NAT_NIL)
		t->e[*head].tw_prev = i;
	*head = i;
}

static void wheel_del(struct nat_table *t, uint32_t i)
{
	struct nat_entry *e = &t->e[i];

	if (e->tw_prev != NAT_NIL)
		t->e[e->tw_prev].tw_next = e->tw_next;
	else
		t->wheel[e->tw_slot] = e->tw_next;
	if (e->tw_next != NAT_NIL)
		t->e[e->tw_next].tw_prev = e->tw_prev;
	e->tw_next = e->tw_prev = NAT_NIL;
}

/**
 * nat_wheel_resched() - move an entry whose expiry came closer (a RST, a
 * FIN) to its new slot; later expiries need nothing (see nat_expire())
 * @t: table
 * @i: live entry, in the wheel
 */
void nat_wheel_resched(struct nat_table *t, uint32_t i)
{
	wheel_del(t, i);
	wheel_add(t, i, t->e[i].expires);
}

/* ---- ports ---- */

static struct nat_ports *ports_of(struct nat_table *t, uint8_t proto,
				  uint32_t ext_ip)
{
	int p = nat_proto_idx(proto), x = nat_ext_idx(&t->cfg, ext_ip);

	return p < 0 || x < 0 ? NULL : &t->ports[p][x];
}

static void port_mark(struct nat_table *t, const struct nat_entry *e, bool on)
{
	struct nat_ports *pb = ports_of(t, e->proto, e->ext_ip);
	uint64_t bit = 1ull << (e->ext_port & 63);

	if (!pb)
		return;
	if (on)
		pb->w[e->ext_port >> 6] |= bit;
	else
		pb->w[e->ext_port >> 6] &= ~bit;
}

static uint64_t rng_next(struct nat_table *t)
{
	uint64_t x = t->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* First free port in [lo, hi], or -1. */
static int port_scan(const struct nat_ports *pb, unsigned lo, unsigned hi)
{
	for (unsigned p = lo; p <= hi;) {
		uint64_t w = ~pb->w[p >> 6] & (~0ull << (p & 63));

		if (w) {
			unsigned f = (p & ~63u) + (unsigned)__builtin_ctzll(w);

			return f <= hi ? (int)f : -1;
		}
		p = (p & ~63u) + 64;
	}
	return -1;
}

/**
 * nat_port_alloc() - choose an external port for a new mapping
 * @t: table
 * @proto: protocol
 * @ext: index of the external address
 * @want: the inside port, kept when it is free and in the range (port
 *        preservation)
 *
 * Otherwise the search starts at a random port of the range and takes the
 * next free one, wrapping (RFC 6056 style randomization).  The port is not
 * taken until the mapping is published.
 *
 * Return: the port, or -ENOSPC when the range is full
 */
int nat_port_alloc(struct nat_table *t, uint8_t proto, unsigned ext,
		   uint16_t want)
{
	int pi = nat_proto_idx(proto);
	const struct nat_ports *pb;
	unsigned lo = t->cfg.port_min, hi = t->cfg.port_max, start;
	int p;

	if (pi < 0 || ext >= t->cfg.n_ext)
		return -ENOSPC;
	pb = &t->ports[pi][ext];
	if (want >= lo && want <= hi &&
	    !(pb->w[want >> 6] & (1ull << (want & 63))))
		return want;
	start = lo + (unsigned)(rng_next(t) % (hi - lo + 1));
	p = port_scan(pb, start, hi);
	if (p < 0 && start > lo)
		p = port_scan(pb, lo, start - 1);
	return p < 0 ? -ENOSPC : p;
}

/* ---- entries per inside address (quota) ---- */

/* NAT_KEY_* tags end at 5: a tag of its own for the address key. */
#define NAT_KEY_IPQ 6

static uint32_t ipq_home(const struct nat_table *t, uint32_t ip)
{
	return (uint32_t)nat_hash2(&t->key, ip, NAT_KEY_IPQ) & t->ipq_mask;
}

/* @ip's slot, or the empty slot where it would go. */
static struct nat_ipq *ipq_slot(const struct nat_table *t, uint32_t ip)
{
	uint32_t i = ipq_home(t, ip);

	while (t->ipq[i].n && t->ipq[i].ip != ip)
		i = (i + 1) & t->ipq_mask;
	return &t->ipq[i];
}

/**
 * nat_fwd_opened() - is a live entry a session a remote opened through a
 * forward (held at NAT_FWD_SESSIONS_MAX(), not at its inside address's
 * quota)?
 * @t: table
 * @e: entry (a session's mapping or forward live)
 *
 * Return: true for such a session
 */
bool nat_fwd_opened(const struct nat_table *t, const struct nat_entry *e)
{
	return e->kind == NAT_KIND_SESSION && (e->flags & NAT_SF_INBOUND) &&
	       t->e[e->map].kind == NAT_KIND_FORWARD;
}

/**
 * nat_ip_counted() - does a live entry count against its inside address's
 * quota?
 * @t: table
 * @e: entry (a session's mapping or forward live)
 *
 * Return: true for a dynamic mapping and for a session other than one a
 * remote opened through a forward
 */
bool nat_ip_counted(const struct nat_table *t, const struct nat_entry *e)
{
	if (e->kind == NAT_KIND_MAPPING)
		return true;
	return e->kind == NAT_KIND_SESSION && !nat_fwd_opened(t, e);
}

/**
 * nat_ip_count() - entries an inside address holds against its quota
 * @t: table
 * @ip: inside address
 *
 * Return: the count
 */
uint32_t nat_ip_count(const struct nat_table *t, uint32_t ip)
{
	return ipq_slot(t, ip)->n;
}

/**
 * nat_ip_quota_ok() - may an inside address take @need more entries?
 * @t: table
 * @ip: inside address
 * @need: entries about to be made that count (nat_ip_counted())
 *
 * Return: true without a quota or when it holds room for them
 */
bool nat_ip_quota_ok(const struct nat_table *t, uint32_t ip, uint32_t need)
{
	uint32_t q = t->cfg.sessions_per_ip;

	return !q || !need || nat_ip_count(t, ip) + need <= q;
}

static void ipq_inc(struct nat_table *t, uint32_t ip)
{
	struct nat_ipq *q = ipq_slot(t, ip);

	q->ip = ip;
	q->n++;
}

/* Backward-shift deletion: the entries after an emptied slot move up to
 * it while their home allows, so a lookup never stops at a hole. */
static void ipq_dec(struct nat_table *t, uint32_t ip)
{
	struct nat_ipq *q = ipq_slot(t, ip);
	uint32_t i = (uint32_t)(q - t->ipq), j = i;

	if (!q->n || --q->n)
		return;
	for (;;) {
		uint32_t k;

		j = (j + 1) & t->ipq_mask;
		if (!t->ipq[j].n)
			break;
		k = ipq_home(t, t->ipq[j].ip);
		/* Stays when its home lies cyclically in (i, j]. */
		if (i <= j ? i < k && k <= j : i < k || k <= j)
			continue;
		t->ipq[i] = t->ipq[j];
		t->ipq[j].n = 0;
		i = j;
	}
}

/* Slots for the addresses of a /@prefix with a table of @cap entries:
 * twice the most there can be, a power of two. */
static uint32_t ipq_slots(uint32_t cap, unsigned prefix)
{
	uint64_t hosts = 1ull << (32 - prefix),
		 most = cap < hosts ? cap : hosts;
	uint32_t n = 16;

	while (n < 2 * most)
		n <<= 1;
	return n;
}

/* Size the address table for /@prefix (emptied: rebuild() fills it). */
static int ipq_resize(struct nat_table *t, unsigned prefix)
{
	uint32_t n = ipq_slots(t->cap, prefix);
	struct nat_ipq *q;

	if (t->ipq && n == t->ipq_mask + 1)
		return 0;
	q = calloc(n, sizeof(*q));
	if (!q)
		return -ENOMEM;
	free(t->ipq);
	t->ipq = q;
	t->ipq_mask = n - 1;
	return 0;
}

/* ---- entries ---- */

/**
 * nat_entry_alloc() - take a free entry, zeroed and not yet live
 * @t: table
 *
 * Return: its index, or NAT_NIL when the table is full
 */
uint32_t nat_entry_alloc(struct nat_table *t)
{
	uint32_t i = t->free_head;
	struct nat_entry *e;

	if (i == NAT_NIL)
		return NAT_NIL;
	e = &t->e[i];
	t->free_head = e->tw_next;
	t->nfree--;
	memset(e, 0, sizeof(*e));
	e->map = NAT_NIL;
	e->next_in = e->next_out = e->tw_next = e->tw_prev = NAT_NIL;
	return i;
}

/* Put a new session first on its mapping's list. */
static void own_link(struct nat_table *t, uint32_t s)
{
	struct nat_own *m = &t->own[t->e[s].map];

	t->own[s].prev = NAT_NIL;
	t->own[s].next = m->next;
	if (m->next != NAT_NIL)
		t->own[m->next].prev = s;
	m->next = s;
}

static void own_unlink(struct nat_table *t, uint32_t s)
{
	struct nat_own *o = &t->own[s];

	if (o->prev != NAT_NIL)
		t->own[o->prev].next = o->next;
	else
		t->own[t->e[s].map].next = o->next;
	if (o->next != NAT_NIL)
		t->own[o->next].prev = o->prev;
}

/* Put a live entry into the index, the wheel and the port bitmap. */
static void entry_link(struct nat_table *t, uint32_t i)
{
	struct nat_entry *e = &t->e[i];
	uint32_t h;

	h = key_in(t, e) & t->mask;
	e->next_in = t->bin[h];
	t->bin[h] = i;
	if (e->kind != NAT_KIND_FORWARD)
		wheel_add(t, i, e->expires);
	h = key_out(t, e) & t->mask;
	e->next_out = t->bout[h];
	t->bout[h] = i;
	if (nat_ip_counted(t, e))
		ipq_inc(t, e->int_ip);
	else if (nat_fwd_opened(t, e))
		t->fwd_sess++;
	switch (e->kind) {
	case NAT_KIND_SESSION:
		own_link(t, i);
		t->e[e->map].refs++;
		t->st.sessions++;
		break;
	case NAT_KIND_MAPPING:
		t->own[i].next = NAT_NIL;
		port_mark(t, e, true);
		t->st.mappings++;
		break;
	case NAT_KIND_FORWARD:
		t->own[i].next = NAT_NIL;
		port_mark(t, e, true);
		t->st.forwards++;
		break;
	}
}

/**
 * nat_free_sessions_of() - free the sessions of a mapping or forward
 * @t: table
 * @m: the mapping or forward
 * @budget: most sessions to free in this call
 *
 * Return: true when @m has no session left, false when @budget ran out
 * first (call again)
 */
bool nat_free_sessions_of(struct nat_table *t, uint32_t m, unsigned budget)
{
	while (t->own[m].next != NAT_NIL && budget--)
		nat_entry_free(t, t->own[m].next);
	return t->own[m].next == NAT_NIL;
}

/*
 * May early drop take this entry?  A session nobody answered yet: UDP and
 * echo seen one way only, TCP that never completed its handshake - before
 * it does, and after a RST or FIN that ended it before it did (else a
 * SYN then a RST, or a SYN, the server's SYN/ACK and a FIN, would hold an
 * entry for good while the sender refreshes it, outside early drop's
 * reach).
 */
static bool unassured(const struct nat_entry *e)
{
	if (e->kind != NAT_KIND_SESSION)
		return false;
	if (e->proto == NAT_PROTO_TCP)
		return e->state != NAT_TCP_ESTABLISHED &&
		       !(e->flags & NAT_SF_ASSURED);
	return !(e->flags & NAT_SF_REPLIED);
}

/**
 * nat_make_room() - make sure @need entries are free, taking unanswered
 * sessions when the table is full (early drop)
 * @t: table
 * @need: entries the caller is about to allocate
 * @keep: a mapping or forward the caller holds (never freed), or NAT_NIL
 *
 * A full table looks at NAT_EARLY_DROP_PROBES entries at random, no more
 * (the packet path never scans), and frees the unanswered sessions it
 * finds, with their dynamic mapping when nothing else uses it: a VM
 * opening flows nobody answers (a scan, a flood), or a flood of SYNs
 * through a forward, cannot keep new flows from the others out while
 * established connections are left alone.
 *
 * Return: true when @need entries are free
 */
bool nat_make_room(struct nat_table *t, uint32_t need, uint32_t keep)
{
	for (unsigned k = 0; t->nfree < need && k < NAT_EARLY_DROP_PROBES;
	     k++) {
		uint32_t i = (uint32_t)(rng_next(t) % t->cap), m;

		if (!unassured(&t->e[i]))
			continue;
		m = t->e[i].map;
		nat_entry_free(t, i);
		t->st.early_drops++;
		if (m != keep && t->e[m].kind == NAT_KIND_MAPPING &&
		    !t->e[m].refs)
			nat_entry_free(t, m);
	}
	return t->nfree >= need;
}

/**
 * nat_fwd_room() - may a remote open one more session through a forward?
 * @t: table
 *
 * Sessions remotes open through forwards take at most
 * NAT_FWD_SESSIONS_MAX() of the table, whoever the remotes are.  At that
 * share the caller looks at NAT_EARLY_DROP_PROBES entries at random and
 * frees those sessions among them that never completed their handshake
 * (early drop, as nat_make_room()): a SYN flood filling the share leaves
 * room for a real client, established connections stay.
 *
 * Return: true when the share has room for one
 */
bool nat_fwd_room(struct nat_table *t)
{
	uint32_t max = NAT_FWD_SESSIONS_MAX(t->cap);

	for (unsigned k = 0; t->fwd_sess >= max && k < NAT_EARLY_DROP_PROBES;
	     k++) {
		uint32_t i = (uint32_t)(rng_next(t) % t->cap);

		if (unassured(&t->e[i]) && nat_fwd_opened(t, &t->e[i])) {
			nat_entry_free(t, i);
			t->st.early_drops++;
		}
	}
	return t->fwd_sess < max;
}

/**
 * nat_entry_publish() - make an entry filled by the caller live
 * @t: table
 * @i: entry from nat_entry_alloc(), every field set
 * @kind: enum nat_entry_kind
 *
 * The kind is stored last, so a process killed before it leaves a free
 * entry behind, never half of one.
 */
void nat_entry_publish(struct nat_table *t, uint32_t i, uint8_t kind)
{
	__atomic_store_n(&t->e[i].kind, kind, __ATOMIC_RELEASE);
	entry_link(t, i);
}

/**
 * nat_entry_free() - retire a live entry (a mapping must have no session)
 * @t: table
 * @i: entry
 */
void nat_entry_free(struct nat_table *t, uint32_t i)
{
	struct nat_entry *e = &t->e[i];
	uint8_t kind = e->kind;
	uint32_t hin = key_in(t, e) & t->mask, hout = key_out(t, e) & t->mask;

	bool counted = nat_ip_counted(t, e), fwd = nat_fwd_opened(t, e);

	__atomic_store_n(&e->kind, NAT_E_FREE, __ATOMIC_RELEASE);
	if (counted)
		ipq_dec(t, e->int_ip);
	else if (fwd)
		t->fwd_sess--;
	chain_del(t, &t->bin[hin], i, true);
	if (kind != NAT_KIND_FORWARD)
		wheel_del(t, i);
	chain_del(t, &t->bout[hout], i, false);
	switch (kind) {
	case NAT_KIND_SESSION: {
		struct nat_entry *m = &t->e[e->map];
		uint32_t hold =
		    (uint32_t)(t->wheel_time + t->cfg.timeouts.mapping);

		/* The mapping lives on for its own timeout after its last
		 * session (RFC 4787 REQ-5), so a packet in flight still finds
		 * it: counted from here rather than from every outbound
		 * packet, which would touch one more cache line each. */
		own_unlink(t, i);
		if (!--m->refs && m->kind == NAT_KIND_MAPPING &&
		    m->expires < hold)
			m->expires = hold;
		t->st.sessions--;
		break;
	}
	case NAT_KIND_MAPPING:
		port_mark(t, e, false);
		t->st.mappings--;
		break;
	case NAT_KIND_FORWARD:
		port_mark(t, e, false);
		t->st.forwards--;
		break;
	}
	e->tw_next = t->free_head;
	t->free_head = i;
	t->nfree++;
}

/* ---- region: format, validation, rebuild ---- */

/* Is a live entry consistent on its own (and with its mapping)? */
static bool entry_valid(const struct nat_table *t, const struct nat_entry *e,
			int64_t now)
{
	const struct nat_config *c = &t->cfg;
	int64_t limit = now + max_timeout(&c->timeouts) + NAT_EXPIRY_SLACK;
	const struct nat_entry *m;

	if (nat_proto_idx(e->proto) < 0 || nat_ext_idx(c, e->ext_ip) < 0 ||
	    !nat_inside(c, e->int_ip))
		return false;
	if (e->proto != NAT_PROTO_ICMP && (!e->ext_port || !e->int_port))
		return false;
	switch (e->kind) {
	case NAT_KIND_FORWARD:
		return e->proto != NAT_PROTO_ICMP && !e->state;
	case NAT_KIND_MAPPING:
		return !e->state && e->expires <= limit;
	case NAT_KIND_SESSION:
		break;
	default:
		return false;
	}
	if (e->expires > limit || e->map >= t->cap)
		return false;
	if (e->proto == NAT_PROTO_TCP
		? e->state == NAT_TCP_NONE || e->state >= NAT_TCP_MAX
		: e->state != NAT_TCP_NONE)
		return false;
	m = &t->e[e->map];
	if (m->kind != NAT_KIND_MAPPING && m->kind != NAT_KIND_FORWARD)
		return false;
	return m->proto == e->proto && m->int_ip == e->int_ip &&
	       m->int_port == e->int_port && m->ext_ip == e->ext_ip &&
	       m->ext_port == e->ext_port;
}

/* Is another live entry already indexed under @e's keys? */
static bool entry_dup(const struct nat_table *t, const struct nat_entry *e)
{
	if (e->kind == NAT_KIND_SESSION)
		return nat_lookup_sess_in(t, e->proto, e->int_ip, e->int_port,
					  e->rem_ip, e->rem_port) != NAT_NIL ||
		       nat_lookup_sess_out(t, e->proto, e->ext_ip, e->ext_port,
					   e->rem_ip, e->rem_port) != NAT_NIL;
	if (nat_lookup_map_out(t, e->proto, e->ext_ip, e->ext_port) != NAT_NIL)
		return true;
	return e->kind == NAT_KIND_MAPPING &&
	       nat_lookup_map_in(t, e->proto, e->int_ip, e->int_port) !=
		   NAT_NIL;
}

/*
 * Rebuild everything derived from the entries: index, wheel, ports,
 * reference counts, free list.  Entries that do not hold together are freed
 * and counted in @info.  Mappings go first so sessions can be checked
 * against kept mappings.
 */
static void rebuild(struct nat_table *t, int64_t now,
		    struct nat_attach_info *info)
{
	struct nat_attach_info dummy;
	uint64_t created = t->st.created, expired = t->st.expired;

	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	for (uint32_t i = 0; i <= t->mask; i++)
		t->bin[i] = t->bout[i] = NAT_NIL;
	for (unsigned s = 0; s < NAT_WHEEL_SLOTS; s++)
		t->wheel[s] = NAT_NIL;
	memset(t->ports, 0, sizeof(t->ports));
	memset(t->ipq, 0, (t->ipq_mask + 1) * sizeof(*t->ipq));
	t->st.sessions = t->st.mappings = t->st.forwards = 0;
	t->fwd_sess = 0;
	t->wheel_time = now;
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i < t->cap; i++) {
			struct nat_entry *e = &t->e[i];
			bool sess = e->kind == NAT_KIND_SESSION;

			if (e->kind == NAT_E_FREE || sess != (pass == 1))
				continue;
			e->refs = 0;
			e->next_in = e->next_out = NAT_NIL;
			e->tw_next = e->tw_prev = NAT_NIL;
			if (!entry_valid(t, e, now) || entry_dup(t, e)) {
				e->kind = NAT_E_FREE;
				info->discarded++;
			} else if (sess && e->expires <= now) {
				e->kind = NAT_E_FREE;
				info->stale++;
			} else {
				entry_link(t, i);
				info->kept++;
			}
		}
	}
	t->free_head = NAT_NIL;
	t->nfree = 0;
	for (uint32_t i = t->cap; i-- > 0;) {
		if (t->e[i].kind != NAT_E_FREE)
			continue;
		t->e[i].tw_next = t->free_head;
		t->free_head = i;
		t->nfree++;
	}
	t->st.created = created;
	t->st.expired = expired;
}

static void hdr_write_cfg(struct nat_hdr *h, const struct nat_config *c)
{
	h->inside_net = c->inside_net;
	h->inside_prefix = c->inside_prefix;
	memset(h->ext_addr, 0, sizeof(h->ext_addr));
	memcpy(h->ext_addr, c->ext_addr, c->n_ext * sizeof(c->ext_addr[0]));
	h->n_ext = c->n_ext;
	h->port_min = c->port_min;
	h->port_max = c->port_max;
	h->csum = nat_hdr_csum(h);
}

static int table_new(void *mem, size_t size, const struct nat_config *cfg,
		     struct nat_table **out)
{
	struct nat_table *t = calloc(1, sizeof(*t));
	uint32_t nb = 16;

	if (!t)
		return -ENOMEM;
	while (nb < cfg->capacity)
		nb <<= 1;
	t->bin = malloc(nb * sizeof(uint32_t));
	t->bout = malloc(nb * sizeof(uint32_t));
	t->own = malloc(cfg->capacity * sizeof(*t->own));
	t->cap = cfg->capacity;
	if (!t->bin || !t->bout || !t->own ||
	    ipq_resize(t, cfg->inside_prefix)) {
		nat_table_detach(t);
		return -ENOMEM;
	}
	t->mask = nb - 1;
	t->hdr = mem;
	t->e = (struct nat_entry *)((uint8_t *)mem + sizeof(struct nat_hdr));
	t->cfg = *cfg;
	cfg_defaults(&t->cfg);
	siphash_key_init(&t->key, cfg->hash_key[0], cfg->hash_key[1]);
	t->rng = (cfg->hash_key[0] ^ (cfg->hash_key[1] << 1)) | 1;
	t->frag_id = (uint16_t)rng_next(t);
	t->st.capacity = cfg->capacity;
	(void)size;
	*out = t;
	return 0;
}

/**
 * nat_table_init() - format a region as an empty table
 * @mem: the region (8-byte aligned), written whole
 * @size: its size: at least nat_table_size(@cfg->capacity)
 * @cfg: settings
 * @now: caller's seconds
 * @out: the handle
 * @err: the sentence for the user on failure
 * @errlen: its size
 *
 * Return: 0, -EINVAL (bad settings, region too small) or -ENOMEM
 */
int nat_table_init(void *mem, size_t size, const struct nat_config *cfg,
		   int64_t now, struct nat_table **out, char *err,
		   size_t errlen)
{
	struct nat_hdr *h = mem;
	struct nat_table *t;
	int rc = nat_check_config(cfg, err, errlen);

	if (rc)
		return rc;
	if (size < nat_table_size(cfg->capacity) || ((uintptr_t)mem & 7)) {
		snprintf(err, errlen,
			 "region of %zu bytes too small for %u "
			 "entries (or misaligned)",
			 size, cfg->capacity);
		return -EINVAL;
	}
	rc = table_new(mem, size, cfg, &t);
	if (rc) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	memset(mem, 0, nat_table_size(cfg->capacity));
	h->magic = NAT_MAGIC;
	h->version = NAT_VERSION;
	h->hdr_size = sizeof(struct nat_hdr);
	h->entry_size = sizeof(struct nat_entry);
	h->capacity = cfg->capacity;
	h->region_size = nat_table_size(cfg->capacity);
	h->epoch = cfg->epoch;
	hdr_write_cfg(h, &t->cfg);
	rebuild(t, now, NULL);
	*out = t;
	return 0;
}

/* Check the header of a region to attach; the sentence says why not. */
static int hdr_check(const struct nat_hdr *h, size_t size,
		     const struct nat_config *cfg, char *err, size_t errlen)
{
	if (size < sizeof(*h) || h->magic != NAT_MAGIC) {
		snprintf(err, errlen, "not a NAT table (bad magic)");
		return -EINVAL;
	}
	if (h->version != NAT_VERSION || h->hdr_size != sizeof(*h) ||
	    h->entry_size != sizeof(struct nat_entry)) {
		snprintf(err, errlen,
			 "NAT table version %u (header %u, entry %u bytes): "
			 "this vnetd reads version %u",
			 h->version, h->hdr_size, h->entry_size, NAT_VERSION);
		return -EPROTO;
	}
	if (h->csum != nat_hdr_csum(h)) {
		snprintf(err, errlen, "NAT table header checksum wrong");
		return -EBADMSG;
	}
	if (h->capacity != cfg->capacity ||
	    h->region_size != nat_table_size(cfg->capacity) ||
	    size < h->region_size) {
		snprintf(err, errlen,
			 "NAT table holds %u entries in %llu bytes, %u wanted "
			 "in %zu",
			 h->capacity, (unsigned long long)h->region_size,
			 cfg->capacity, size);
		return -ERANGE;
	}
	if (h->epoch != cfg->epoch) {
		snprintf(err, errlen, "NAT table from another boot");
		return -ESTALE;
	}
	if (h->n_ext < 1 || h->n_ext > NAT_MAX_EXT || h->inside_prefix < 1 ||
	    h->inside_prefix > 30 || h->port_min > h->port_max) {
		snprintf(err, errlen, "NAT table settings out of range");
		return -EINVAL;
	}
	return 0;
}

/**
 * nat_table_attach() - take over a table a previous process left
 * @mem: the region
 * @size: its size
 * @cfg: settings now; @capacity and @epoch must match the region's
 * @now: caller's seconds
 * @out: the handle
 * @info: what was kept and discarded (may be NULL)
 * @err: why the region was refused
 * @errlen: its size
 *
 * The header is checked (magic, version, sizes, checksum, capacity, epoch)
 * and nothing else in the region is trusted: every entry is checked on its
 * own and against its mapping, the index is rebuilt from the entries that
 * pass.  Then the settings of @cfg are applied (nat_table_configure()).
 *
 * Return: 0; -EINVAL, -EPROTO, -EBADMSG, -ERANGE or -ESTALE when the region
 * is refused (@err says why; format it with nat_table_init()), -ENOMEM
 */
int nat_table_attach(void *mem, size_t size, const struct nat_config *cfg,
		     int64_t now, struct nat_table **out,
		     struct nat_attach_info *info, char *err, size_t errlen)
{
	const struct nat_hdr *h = mem;
	struct nat_config old;
	struct nat_table *t;
	int rc = nat_check_config(cfg, err, errlen);

	if (rc)
		return rc;
	if ((uintptr_t)mem & 7) {
		snprintf(err, errlen, "region misaligned");
		return -EINVAL;
	}
	rc = hdr_check(h, size, cfg, err, errlen);
	if (rc)
		return rc;
	/* Entries are checked against the settings they were made with. */
	old = *cfg;
	old.inside_net = h->inside_net;
	old.inside_prefix = (uint8_t)h->inside_prefix;
	memcpy(old.ext_addr, h->ext_addr, sizeof(old.ext_addr));
	old.n_ext = h->n_ext;
	old.port_min = h->port_min;
	old.port_max = h->port_max;
	rc = table_new(mem, size, &old, &t);
	if (rc) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	rebuild(t, now, info);
	rc = nat_table_configure(t, cfg, now, err, errlen);
	if (rc) {
		nat_table_detach(t);
		return rc;
	}
	*out = t;
	return 0;
}

/**
 * nat_table_configure() - apply new settings to a live table
 * @t: table
 * @cfg: settings (@capacity and @epoch are ignored: they are the region's)
 * @now: caller's seconds
 * @err: why the settings were refused
 * @errlen: its size
 *
 * Mappings and sessions on an external address no longer listed, or of an
 * inside address outside the new subnet, are flushed; forwards (and their
 * sessions) move to the first external address.  Timeouts apply to the next
 * packet of each entry, a new quota per address to the next new flow.
 *
 * Return: 0, -EINVAL or -ENOMEM (the table left as it was)
 */
int nat_table_configure(struct nat_table *t, const struct nat_config *cfg,
			int64_t now, char *err, size_t errlen)
{
	struct nat_config c = *cfg;
	bool rekey;
	int rc;

	c.capacity = t->cap;
	c.epoch = t->hdr->epoch;
	rc = nat_check_config(&c, err, errlen);
	if (rc)
		return rc;
	cfg_defaults(&c);
	rekey = c.inside_net != t->cfg.inside_net ||
		c.inside_prefix != t->cfg.inside_prefix ||
		c.n_ext != t->cfg.n_ext ||
		memcmp(c.ext_addr, t->cfg.ext_addr,
		       c.n_ext * sizeof(c.ext_addr[0])) ||
		c.port_min != t->cfg.port_min || c.port_max != t->cfg.port_max;
	if (rekey && ipq_resize(t, c.inside_prefix)) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (!rekey) {
		c.hash_key[0] = t->cfg.hash_key[0];
		c.hash_key[1] = t->cfg.hash_key[1];
		t->cfg = c;
		return 0;
	}
	/* Entries first (a crash in between leaves entries the header's
	 * old settings reject), then the header, then the index. */
	for (uint32_t i = 0; i < t->cap; i++) {
		struct nat_entry *e = &t->e[i];
		uint32_t fwd_ip = t->cfg.ext_addr[0];

		if (e->kind == NAT_E_FREE)
			continue;
		if (!nat_inside(&c, e->int_ip)) {
			e->kind = NAT_E_FREE;
			continue;
		}
		if (e->kind == NAT_KIND_FORWARD ||
		    (e->kind == NAT_KIND_SESSION &&
		     t->e[e->map].kind == NAT_KIND_FORWARD)) {
			if (e->ext_ip == fwd_ip)
				e->ext_ip = c.ext_addr[0];
		} else if (nat_ext_idx(&c, e->ext_ip) < 0) {
			e->kind = NAT_E_FREE;
		}
	}
	c.hash_key[0] = t->cfg.hash_key[0];
	c.hash_key[1] = t->cfg.hash_key[1];
	t->cfg = c;
	hdr_write_cfg(t->hdr, &c);
	rebuild(t, now, NULL);
	return 0;
}

/**
 * nat_table_detach() - free the handle; the region is left as it is
 * @t: handle (NULL is fine)
 */
void nat_table_detach(struct nat_table *t)
{
	if (!t)
		return;
	free(t->bin);
	free(t->bout);
	free(t->own);
	free(t->ipq);
	free(t);
}

/* ---- expiry ---- */

/**
 * nat_expire() - free the entries that are due
 * @t: table
 * @now: caller's seconds
 * @budget: most wheel slots and entries to visit in this call
 *
 * Each entry sits in the wheel slot of its expiry as it was when it was
 * last placed.  A packet that moves the expiry later leaves it there (the
 * common case costs nothing), so a slot's entry may turn out to be alive
 * and is placed again; one that moves it sooner (RST, FIN) moves it.  A mapping
 * still used by a session lives on.
 *
 * Return: true when caught up with @now, false when @budget ran out first
 */
bool nat_expire(struct nat_table *t, int64_t now, unsigned budget)
{
	unsigned used = 0;

	if (now - t->wheel_time >= NAT_WHEEL_SLOTS)
		t->wheel_time = now - NAT_WHEEL_SLOTS + 1;
	while (t->wheel_time <= now) {
		uint32_t *head =
		    &t->wheel[t->wheel_time & (NAT_WHEEL_SLOTS - 1)];
		int64_t horizon = t->wheel_time + NAT_WHEEL_SLOTS - 1;

		while (*head != NAT_NIL) {
			uint32_t i = *head;
			struct nat_entry *e = &t->e[i];

			if (used++ >= budget)
				return false;
			if (e->kind == NAT_KIND_MAPPING && e->refs &&
			    e->expires <= now)
				e->expires =
				    (uint32_t)(now + t->cfg.timeouts.mapping);
			if (e->expires > now) {
				wheel_del(t, i);
				wheel_add(t, i,
					  e->expires < horizon ? e->expires
							       : horizon);
				continue;
			}
			nat_entry_free(t, i);
			t->st.expired++;
		}
		if (used++ >= budget)
			return false;
		t->wheel_time++;
	}
	return true;
}
