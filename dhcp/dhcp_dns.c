// SPDX-License-Identifier: GPL-2.0-or-later
/* dhcp_dns.c - the gateway's DNS responder: the network's names table and
 * the query engine that answers A and PTR for it
 *
 * The names table maps the hosts of one network (reserved hostnames and the
 * hostnames clients give with their leases) to addresses, under the
 * network's domain ("vm1.lab.vnet") and in in-addr.arpa for the network's
 * prefix.  dns_answer() answers what lies in those zones, NXDOMAIN for
 * unknown names in them, and leaves everything else to the host's
 * resolvers (DNS_ACT_RELAY).
 *
 * Trust boundary: queries come from guests.  They are read through the
 * bounds-checked cursor; compression pointers must point before the run of
 * labels they end and are followed a bounded number of times.
 */
#include "dhcp_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/pkt.h"

#define DNS_NAME_MAX  255
#define DNS_MAX_JUMPS 16
#define DNS_TYPE_A    1
#define DNS_TYPE_PTR  12
#define DNS_TYPE_ANY  255
#define DNS_CLASS_IN  1
#define DNS_F_AA      0x0400
#define DNS_F_RD      0x0100
#define DNS_F_RA      0x0080
#define DNS_RCODE_NX  3
#define DNS_TYPE_OPT  41
#define DNS_OPT_LEN   11 /* root owner, type, class, TTL, RDLEN 0 */

/* Entries link by index + 1; 0 ends a chain. */
struct dns_name {
	char host[DHCPS_HOSTNAME_MAX + 1];
	uint32_t ip;
	uint32_t name_next, ip_next;
	bool used, fixed;
};

struct dns_names {
	uint8_t dwire[DHCPS_DOMAIN_MAX + 2]; /* domain in wire form */
	size_t dwire_len;		     /* 0: no forward zone */
	uint32_t net, mask;		     /* reverse zone; mask 0: none */
	uint32_t ttl;
	struct dns_name *e;
	uint32_t cap, free_head;
	uint32_t *name_bkt, *ip_bkt, bmask;
	struct dns_stats st;
};

/* A question's name in wire form, as the client wrote it. */
struct qname {
	uint8_t w[DNS_NAME_MAX + 1];
	size_t len;
	uint8_t lab[DNS_NAME_MAX / 2 + 1]; /* offset of each label in w */
	unsigned nlabels;
	uint16_t qtype, qclass;
	/* The query's EDNS0 OPT record (RFC 6891): the answer carries one;
	 * @badvers: its version was not 0 (the answer says BADVERS). */
	bool edns, badvers;
};

static const char *const drop_names[] = {
#define DNS_DROP_NAME(id, name, desc) name,
    DNS_DROPS(DNS_DROP_NAME)
#undef DNS_DROP_NAME
};

static const char *const drop_descs[] = {
#define DNS_DROP_DESC(id, name, desc) desc,
    DNS_DROPS(DNS_DROP_DESC)
#undef DNS_DROP_DESC
};

/**
 * dns_drop_name() - short name of a DNS drop reason
 * @d: reason
 *
 * Return: the name, "none" for DNS_DROP_NONE
 */
const char *dns_drop_name(enum dns_drop d)
{
	return d < DNS_DROP_MAX ? drop_names[d] : "none";
}

/**
 * dns_drop_desc() - one-sentence description of a DNS drop reason
 * @d: reason
 *
 * Return: the sentence, "" for DNS_DROP_NONE
 */
const char *dns_drop_desc(enum dns_drop d)
{
	return d < DNS_DROP_MAX ? drop_descs[d] : "";
}

static uint32_t hash_name(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ dns_lower((uint8_t)*s)) * 16777619u;
	return h;
}

/* ---- the names table ---- */

/**
 * dns_names_create() - create an empty names table
 * @domain: the network's domain ("lab.vnet"), "" for no forward zone
 * @net: the network, host order: its in-addr.arpa zone is answered
 * @prefix: its prefix length; 0 for no reverse zone
 * @capacity: most names held (the DHCP pool's size)
 * @ttl: TTL of answers, seconds; 0 for 60
 * @out: the table
 *
 * Return: 0, -EINVAL for a bad domain, prefix or capacity, -ENOMEM
 */
int dns_names_create(const char *domain, uint32_t net, uint8_t prefix,
		     unsigned capacity, uint32_t ttl, struct dns_names **out)
{
	struct dns_names *t;
	uint32_t nb = 16;
	size_t n = 0;

	if ((domain[0] && !dhcp_domain_valid(domain)) || prefix > 32 ||
	    !capacity || capacity > (1u << 22))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (const char *p = domain; *p;) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		t->dwire[n++] = (uint8_t)l;
		for (size_t i = 0; i < l; i++)
			t->dwire[n++] = dns_lower((uint8_t)p[i]);
		p += l + (dot ? 1 : 0);
	}
	if (n) {
		t->dwire[n++] = 0;
		t->dwire_len = n;
	}
	t->mask = dhcp_prefix_mask(prefix);
	t->net = net & t->mask;
	t->ttl = ttl ? ttl : 60;
	t->cap = capacity;
	while (nb < capacity)
		nb <<= 1;
	t->bmask = nb - 1;
	t->e = calloc(capacity, sizeof(*t->e));
	t->name_bkt = calloc(nb, sizeof(*t->name_bkt));
	t->ip_bkt = calloc(nb, sizeof(*t->ip_bkt));
	if (!t->e || !t->name_bkt || !t->ip_bkt) {
		dns_names_destroy(t);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < capacity; i++)
		t->e[i].name_next = i + 2 <= capacity ? i + 2 : 0;
	t->free_head = 1;
	*out = t;
	return 0;
}

/**
 * dns_names_destroy() - free a names table
 * @t: table, or NULL
 */
void dns_names_destroy(struct dns_names *t)
{
	if (!t)
		return;
	free(t->e);
	free(t->name_bkt);
	free(t->ip_bkt);
	free(t);
}

/* @host is lower case, as every stored name is. */
static struct dns_name *by_name(const struct dns_names *t, const char *host)
{
	uint32_t i = t->name_bkt[hash_name(host) & t->bmask];

	for (; i; i = t->e[i - 1].name_next)
		if (!strcmp(t->e[i - 1].host, host))
			return &t->e[i - 1];
	return NULL;
}

static struct dns_name *by_ip(const struct dns_names *t, uint32_t ip)
{
	uint32_t i = t->ip_bkt[dhcp_hash_ip(ip) & t->bmask];

	for (; i; i = t->e[i - 1].ip_next)
		if (t->e[i - 1].ip == ip)
			return &t->e[i - 1];
	return NULL;
}

static void chain_unlink(struct dns_names *t, uint32_t *head, uint32_t idx,
			 bool ip_chain)
{
	uint32_t *pp = head;

	while (*pp != idx)
		pp = ip_chain ? &t->e[*pp - 1].ip_next
			      : &t->e[*pp - 1].name_next;
	*pp = ip_chain ? t->e[idx - 1].ip_next : t->e[idx - 1].name_next;
}

static void name_remove(struct dns_names *t, struct dns_name *n)
{
	uint32_t idx = (uint32_t)(n - t->e) + 1;

	chain_unlink(t, &t->name_bkt[hash_name(n->host) & t->bmask], idx,
		     false);
	chain_unlink(t, &t->ip_bkt[dhcp_hash_ip(n->ip) & t->bmask], idx, true);
	memset(n, 0, sizeof(*n));
	n->name_next = t->free_head;
	t->free_head = idx;
	t->st.names--;
}

/* Lower-case copy of a valid label, or false. */
static bool label_lower(const char *host, char out[DHCPS_HOSTNAME_MAX + 1])
{
	size_t len = strnlen(host, DHCPS_HOSTNAME_MAX + 1);

	if (!dhcp_label_valid(host, len))
		return false;
	for (size_t i = 0; i < len; i++)
		out[i] = (char)dns_lower((uint8_t)host[i]);
	out[len] = 0;
	return true;
}

/**
 * dns_names_add() - publish a host name
 * @t: table
 * @host: one label ("vm1"); case does not matter
 * @ip: its address, host order
 * @fixed: a reservation's name: dns_names_del() leaves it, and dynamic
 *         names cannot take its name or address
 *
 * One name per address and one address per name: the new pair replaces
 * older dynamic ones.
 *
 * Return: 0; -EINVAL for a bad label, -EEXIST when a fixed entry holds the
 * name or the address, -ENOSPC when the table is full
 */
int dns_names_add(struct dns_names *t, const char *host, uint32_t ip,
		  bool fixed)
{
	char h[DHCPS_HOSTNAME_MAX + 1];
	struct dns_name *n;
	uint32_t idx, *b;

	if (!label_lower(host, h))
		return -EINVAL;
	n = by_name(t, h);
	if (n && n->ip == ip) {
		n->fixed |= fixed;
		return 0;
	}
	if (n && n->fixed && !fixed)
		return -EEXIST;
	if (by_ip(t, ip) && by_ip(t, ip)->fixed && !fixed)
		return -EEXIST;
	if (n)
		name_remove(t, n);
	n = by_ip(t, ip);
	if (n)
		name_remove(t, n);
	if (!t->free_head)
		return -ENOSPC;
	idx = t->free_head;
	n = &t->e[idx - 1];
	t->free_head = n->name_next;
	memcpy(n->host, h, sizeof(h));
	n->ip = ip;
	n->fixed = fixed;
	n->used = true;
	b = &t->name_bkt[hash_name(h) & t->bmask];
	n->name_next = *b;
	*b = idx;
	b = &t->ip_bkt[dhcp_hash_ip(ip) & t->bmask];
	n->ip_next = *b;
	*b = idx;
	t->st.names++;
	return 0;
}

/**
 * dns_names_del() - withdraw the dynamic name of an address
 * @t: table
 * @ip: address; a fixed (reserved) name stays
 */
void dns_names_del(struct dns_names *t, uint32_t ip)
{
	struct dns_name *n = by_ip(t, ip);

	if (n && !n->fixed)
		name_remove(t, n);
}

/**
 * dns_names_lookup() - address of a host name
 * @t: table
 * @host: one label; case does not matter
 * @ip: set on success
 *
 * Return: 0, or -ENOENT
 */
int dns_names_lookup(const struct dns_names *t, const char *host, uint32_t *ip)
{
	char h[DHCPS_HOSTNAME_MAX + 1];
	const struct dns_name *n;

	if (!label_lower(host, h))
		return -ENOENT;
	n = by_name(t, h);
	if (!n)
		return -ENOENT;
	*ip = n->ip;
	return 0;
}

/**
 * dns_names_reverse() - host name of an address
 * @t: table
 * @ip: address, host order
 *
 * Return: the label, or NULL
 */
const char *dns_names_reverse(const struct dns_names *t, uint32_t ip)
{
	const struct dns_name *n = by_ip(t, ip);

	return n ? n->host : NULL;
}

/**
 * dns_stats_get() - a responder's counters
 * @t: table
 * @st: filled in
 */
void dns_stats_get(const struct dns_names *t, struct dns_stats *st)
{
	*st = t->st;
}

/* ---- queries ---- */

/*
 * Read the name at @off.  A pointer must point before the start of the run
 * of labels it ends, so each jump goes strictly backwards and the walk ends;
 * the jump count is bounded as well.  @next is where the question continues
 * after the name.
 */
static enum dns_drop name_read(const uint8_t *msg, size_t len, size_t off,
			       struct qname *n, size_t *next)
{
	size_t pos = off, start = off;
	unsigned jumps = 0;

	n->len = 0;
	n->nlabels = 0;
	for (;;) {
		struct pkt_cursor c;
		const uint8_t *p;
		uint8_t l, lo;

		pkt_cursor_init(&c, msg + pos, len - pos);
		if (!pkt_pull_u8(&c, &l))
			return DNS_DROP_TRUNCATED;
		if ((l & 0xc0) == 0xc0) {
			size_t ptr;

			if (!pkt_pull_u8(&c, &lo))
				return DNS_DROP_TRUNCATED;
			ptr = (size_t)(l & 0x3f) << 8 | lo;
			if (ptr >= start || ++jumps > DNS_MAX_JUMPS)
				return DNS_DROP_PTR_LOOP;
			if (jumps == 1)
				*next = pos + 2;
			pos = start = ptr;
			continue;
		}
		if (l & 0xc0)
			return DNS_DROP_BAD_LABEL;
		if (l == 0) {
			n->w[n->len++] = 0;
			if (!jumps)
				*next = pos + 1;
			return DNS_DROP_NONE;
		}
		p = pkt_pull(&c, l);
		if (!p)
			return DNS_DROP_TRUNCATED;
		if (l + 2u > DNS_NAME_MAX - n->len)
			return DNS_DROP_NAME_TOO_LONG;
		n->lab[n->nlabels++] = (uint8_t)n->len;
		n->w[n->len++] = l;
		memcpy(n->w + n->len, p, l);
		n->len += l;
		pos += 1u + l;
	}
}

/* Whether the name ends in zone @z (wire form): the label it starts at. */
static bool in_zone(const struct qname *n, const uint8_t *z, size_t zlen,
		    unsigned *first)
{
	size_t o;

	if (!zlen || zlen > n->len)
		return false;
	o = n->len - zlen;
	for (unsigned i = 0; i <= n->nlabels; i++) {
		size_t lo = i < n->nlabels ? n->lab[i] : n->len - 1;

		if (lo != o)
			continue;
		for (size_t j = 0; j < zlen; j++)
			if (dns_lower(n->w[o + j]) != z[j])
				return false;
		*first = i;
		return true;
	}
	return false;
}

/* The address of a name d.c.b.a.in-addr.arpa, labels 0-3 decimal. */
static bool reverse_addr(const struct qname *n, uint32_t *ip)
{
	*ip = 0;
	for (unsigned i = 0; i < 4; i++) {
		const uint8_t *l = n->w + n->lab[i];
		unsigned v = 0;

		if (l[0] > 3)
			return false;
		for (unsigned j = 1; j <= l[0]; j++) {
			if (l[j] < '0' || l[j] > '9')
				return false;
			v = v * 10 + (l[j] - '0');
		}
		if (v > 255)
			return false;
		*ip |= v << (8 * i);
	}
	return true;
}

/*
 * Build a reply: the question as asked, and one answer of type @qtype when
 * @rdata is set (its name a pointer to the question's).
 */
static size_t reply_build(const struct dns_names *t, const uint8_t *q,
			  const struct qname *n, uint16_t qtype, uint8_t rcode,
			  const uint8_t *rdata, size_t rdlen, uint8_t *out,
			  size_t size)
{
	uint16_t flags = pkt_get_be16(q + 2);
	size_t need = DNS_HDR_LEN + n->len + 4 + (rdata ? 12 + rdlen : 0) +
		      (n->edns ? DNS_OPT_LEN : 0);
	size_t o = DNS_HDR_LEN;

	if (need > size)
		return 0;
	memcpy(out, q, 2);
	pkt_put_be16(out + 2,
		     (uint16_t)(DNS_F_QR | DNS_F_AA | (flags & DNS_F_RD) |
				DNS_F_RA | rcode));
	pkt_put_be16(out + 4, 1);
	pkt_put_be16(out + 6, rdata ? 1 : 0);
	pkt_put_be16(out + 8, 0);
	pkt_put_be16(out + 10, 0);
	memcpy(out + o, n->w, n->len);
	o += n->len;
	pkt_put_be16(out + o, n->qtype);
	pkt_put_be16(out + o + 2, n->qclass);
	o += 4;
	if (rdata) {
		pkt_put_be16(out + o, 0xc000 | DNS_HDR_LEN);
		pkt_put_be16(out + o + 2, qtype);
		pkt_put_be16(out + o + 4, DNS_CLASS_IN);
		dhcp_put_be32(out + o + 6, t->ttl);
		pkt_put_be16(out + o + 10, (uint16_t)rdlen);
		memcpy(out + o + 12, rdata, rdlen);
		o += 12 + rdlen;
	}
	if (n->edns) {
		/* The gateway's own OPT: the UDP size it answers within, no
		 * DNSSEC (DO clear), BADVERS (16: 1 in the extended RCODE's
		 * upper bits) to a version it does not speak. */
		out[o] = 0;
		pkt_put_be16(out + o + 1, DNS_TYPE_OPT);
		pkt_put_be16(out + o + 3, DNS_REPLY_MAX);
		dhcp_put_be32(out + o + 5, n->badvers ? 1u << 24 : 0);
		pkt_put_be16(out + o + 9, 0);
		pkt_put_be16(out + 10, 1);
		o += DNS_OPT_LEN;
	}
	return o;
}

/*
 * The additional section of a query for the gateway (@c after the
 * question, @ar records): one OPT record with the root owner sets
 * @n->edns (and @n->badvers for a version other than 0).  Anything else
 * there is ignored, as before EDNS.
 */
static void opt_read(struct pkt_cursor *c, unsigned ar, struct qname *n)
{
	const uint8_t *rr;

	if (ar != 1)
		return;
	rr = pkt_pull(c, DNS_OPT_LEN);
	if (!rr || rr[0] != 0 || pkt_get_be16(rr + 1) != DNS_TYPE_OPT ||
	    pkt_get_be16(rr + 9) > c->left)
		return;
	n->edns = true;
	n->badvers = rr[6] != 0;
}

/* Answer a name in the forward zone; @first is where the domain starts. */
static size_t answer_host(const struct dns_names *t, const uint8_t *q,
			  const struct qname *n, unsigned first, uint16_t qtype,
			  uint8_t *out, size_t size, uint8_t *rcode)
{
	char h[DHCPS_HOSTNAME_MAX + 1];
	const struct dns_name *e = NULL;
	uint8_t a[4];

	if (first == 0) /* the domain itself: it exists, no records */
		return reply_build(t, q, n, qtype, 0, NULL, 0, out, size);
	/* A NUL in the label would end the C string early ("vm1\0x" is
	 * not vm1): such a name is no host's. */
	if (first == 1 && n->w[0] <= DHCPS_HOSTNAME_MAX &&
	    !memchr(n->w + 1, 0, n->w[0])) {
		for (unsigned i = 0; i < n->w[0]; i++)
			h[i] = (char)dns_lower(n->w[1 + i]);
		h[n->w[0]] = 0;
		e = by_name(t, h);
	}
	if (!e) {
		*rcode = DNS_RCODE_NX;
		return reply_build(t, q, n, qtype, DNS_RCODE_NX, NULL, 0, out,
				   size);
	}
	if (qtype != DNS_TYPE_A && qtype != DNS_TYPE_ANY)
		return reply_build(t, q, n, qtype, 0, NULL, 0, out, size);
	dhcp_put_be32(a, e->ip);
	return reply_build(t, q, n, DNS_TYPE_A, 0, a, 4, out, size);
}

/* Answer d.c.b.a.in-addr.arpa for an address of the network. */
static size_t answer_ptr(const struct dns_names *t, const uint8_t *q,
			 const struct qname *n, uint32_t ip, uint16_t qtype,
			 uint8_t *out, size_t size, uint8_t *rcode)
{
	const struct dns_name *e = by_ip(t, ip);
	uint8_t rd[DHCPS_HOSTNAME_MAX + 1 + sizeof(t->dwire)];
	size_t l;

	if (!e) {
		*rcode = DNS_RCODE_NX;
		return reply_build(t, q, n, qtype, DNS_RCODE_NX, NULL, 0, out,
				   size);
	}
	if (qtype != DNS_TYPE_PTR && qtype != DNS_TYPE_ANY)
		return reply_build(t, q, n, qtype, 0, NULL, 0, out, size);
	l = strlen(e->host);
	rd[0] = (uint8_t)l;
	memcpy(rd + 1, e->host, l);
	memcpy(rd + 1 + l, t->dwire_len ? t->dwire : (const uint8_t *)"",
	       t->dwire_len ? t->dwire_len : 1);
	return reply_build(t, q, n, DNS_TYPE_PTR, 0, rd,
			   1 + l + (t->dwire_len ? t->dwire_len : 1), out,
			   size);
}

static void dns_drop(struct dns_names *t, struct dns_result *res,
		     enum dns_drop d)
{
	res->action = DNS_ACT_DROP;
	res->drop = d;
	t->st.drops[d]++;
}

/**
 * dns_answer() - decide what to do with one DNS query
 * @t: the network's names table
 * @q: UDP payload to port 53: untrusted
 * @len: bytes at @q
 * @out: where a reply is built, at least DNS_REPLY_MAX bytes
 * @size: bytes at @out
 * @res: the decision; for DNS_ACT_REPLY, @res->len bytes of @out
 *
 * Names under the domain and in-addr.arpa names of the network's prefix
 * are answered here (A, PTR; no data for other types; NXDOMAIN for unknown
 * names); everything else, and opcodes other than QUERY, is for the
 * upstream resolvers.
 */
void dns_answer(struct dns_names *t, const uint8_t *q, size_t len, uint8_t *out,
		size_t size, struct dns_result *res)
{
	static const uint8_t arpa[] = "\7in-addr\4arpa";
	struct pkt_cursor c;
	struct qname n;
	uint16_t flags, qtype, qclass;
	const uint8_t *h;
	size_t next = 0;
	unsigned first;
	enum dns_drop d;
	uint32_t ip;

	memset(res, 0, sizeof(*res));
	res->drop = DNS_DROP_NONE;
	t->st.queries++;
	pkt_cursor_init(&c, q, len);
	h = pkt_pull(&c, DNS_HDR_LEN);
	if (!h)
		return dns_drop(t, res, DNS_DROP_SHORT);
	flags = pkt_get_be16(h + 2);
	if (flags & DNS_F_QR)
		return dns_drop(t, res, DNS_DROP_NOT_QUERY);
	/* Other opcodes (NOTIFY, UPDATE: with records in the answer and
	 * authority sections) are the upstream resolvers' to judge. */
	if (((flags >> 11) & 0xf) != 0)
		goto relay;
	if (pkt_get_be16(h + 4) != 1 || pkt_get_be16(h + 6) ||
	    pkt_get_be16(h + 8))
		return dns_drop(t, res, DNS_DROP_BAD_COUNT);
	d = name_read(q, len, DNS_HDR_LEN, &n, &next);
	if (d != DNS_DROP_NONE)
		return dns_drop(t, res, d);
	pkt_cursor_init(&c, q + next, len - next);
	if (!pkt_pull_be16(&c, &qtype) || !pkt_pull_be16(&c, &qclass))
		return dns_drop(t, res, DNS_DROP_TRUNCATED);
	n.qtype = qtype;
	n.qclass = qclass;
	n.edns = n.badvers = false;
	opt_read(&c, pkt_get_be16(h + 10), &n);

	res->action = DNS_ACT_RELAY;
	if (qclass != DNS_CLASS_IN && qclass != DNS_TYPE_ANY)
		goto relay;
	if (in_zone(&n, t->dwire, t->dwire_len, &first)) {
		res->len =
		    n.badvers /* an EDNS version it does not speak: no data */
			? reply_build(t, q, &n, qtype, 0, NULL, 0, out, size)
			: answer_host(t, q, &n, first, qtype, out, size,
				      &res->rcode);
	} else if (t->mask && in_zone(&n, arpa, sizeof(arpa), &first) &&
		   first == 4 && reverse_addr(&n, &ip) &&
		   (ip & t->mask) == t->net) {
		res->len = n.badvers ? reply_build(t, q, &n, qtype, 0, NULL, 0,
						   out, size)
				     : answer_ptr(t, q, &n, ip, qtype, out,
						  size, &res->rcode);
	} else {
		goto relay;
	}
	if (!res->len) /* cannot happen with DNS_REPLY_MAX bytes */
		goto relay;
	res->action = DNS_ACT_REPLY;
	if (res->rcode == DNS_RCODE_NX)
		t->st.nxdomain++;
	else if (pkt_get_be16(out + 6))
		t->st.answered++;
	return;
relay:
	res->action = DNS_ACT_RELAY;
	t->st.relayed++;
}
