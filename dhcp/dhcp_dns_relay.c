// SPDX-License-Identifier: GPL-2.0-or-later
/* dhcp_dns_relay.c - the gateway's DNS relay engine: which upstream answer
 * belongs to which guest's query, and what of it the guest can take
 *
 * A query the responder leaves to the upstream resolvers gets a slot (the
 * caller sends it from a socket of that slot's own), a random 16-bit
 * upstream ID, and a copy of its question; one guest (one switch port: a guest
 * forging addresses or MACs is still one) has at most DNS_RELAY_PER_CLIENT
 * slots, so its unanswered queries cannot starve the others.  An answer is
 * taken only when its ID, its sender (one of the resolvers the query went to)
 * and its question all match, on the socket of its slot: IDs need not differ
 * between slots; everything else is dropped under a named reason.  The answer
 * goes back whole when it fits what the guest can take (its EDNS0 UDP size, or
 * 512 bytes without EDNS0, capped by the gateway's MTU); otherwise as a
 * well-formed truncated reply (header and question, TC set) so the guest asks
 * again over TCP. The EDNS0 size of the query itself is lowered to that cap
 * before it goes out, so resolvers size their answers to fit.  A query that
 * came over TCP takes any answer whole: its EDNS0 size is raised to 65535
 * instead (vnetd sends it upstream over TCP).  A query the caller gives up
 * (dns_relay_fail(): no answer in time, nothing sent) gets a SERVFAIL built
 * from its slot (dns_relay_servfail(): ID, flags and question echoed, and
 * an OPT record when the query had one).
 *
 * Loss upstream: a UDP query unanswered after a quarter of its time is sent
 * again once from its slot (dns_relay_resend_due()), and the guest's own
 * resend of a query still waiting (same port and generation, address, UDP
 * port, ID and question) goes out again from the first one's slot instead
 * of taking a second: the SERVFAIL of the first would otherwise answer the
 * guest's second try, which the resend's answer could have.  The timeout
 * the caller picks should end before the usual stub retry (5 s in glibc),
 * so a SERVFAIL answers the first try and the guest retries at once.
 *
 * Pure like the other engines: no I/O, no clock, no randomness of its own
 * (the caller passes random bits and the time).
 *
 * Trust boundary: queries come from guests, answers from the network; both
 * are read through the bounds-checked cursor.
 */
#include "dhcp_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/pkt.h"

#define QUESTION_MAX   (255 + 4) /* an uncompressed name, type, class */
#define TYPE_OPT       41
#define F_TC	       0x0200
#define CLASSIC_MAX    512 /* a UDP answer without EDNS0 (RFC 1035) */
#define F_OPCODE       0x7800
#define F_RD	       0x0100
#define F_RA	       0x0080
#define F_CD	       0x0010
#define RCODE_SERVFAIL 2
#define DNS_OPT_MIN    11 /* root, type, class, TTL, RDLEN */

struct relay_slot {
	bool used;
	uint16_t id;	  /* upstream ID */
	uint16_t orig_id; /* the guest's */
	uint16_t flags;	  /* and its header flags */
	uint16_t qdcount;
	uint16_t room; /* bytes of answer the guest takes */
	bool edns;     /* the query had an OPT record */
	uint32_t servers;
	uint64_t resend; /* when it goes upstream again, 0: not again */
	uint64_t deadline;
	struct dns_relay_client client;
	uint16_t qlen;
	uint8_t q[QUESTION_MAX];
};

struct dns_relay {
	struct relay_slot *s;
	unsigned n;
	unsigned next; /* where the search for a free slot starts */
	uint32_t timeout_ms;
	uint16_t cap;
	struct dns_relay_stats st;
};

static const char *const drop_names[] = {
#define DNS_RELAY_DROP_NAME(id, name, desc) name,
    DNS_RELAY_DROPS(DNS_RELAY_DROP_NAME)
#undef DNS_RELAY_DROP_NAME
};

static const char *const drop_descs[] = {
#define DNS_RELAY_DROP_DESC(id, name, desc) desc,
    DNS_RELAY_DROPS(DNS_RELAY_DROP_DESC)
#undef DNS_RELAY_DROP_DESC
};

/**
 * dns_relay_drop_name() - short name of a relay drop reason
 * @d: reason
 *
 * Return: the name
 */
const char *dns_relay_drop_name(enum dns_relay_drop d)
{
	return d < DNS_RELAY_DROP_MAX ? drop_names[d] : "none";
}

/**
 * dns_relay_drop_desc() - one-sentence description of a relay drop reason
 * @d: reason
 *
 * Return: the sentence
 */
const char *dns_relay_drop_desc(enum dns_relay_drop d)
{
	return d < DNS_RELAY_DROP_MAX ? drop_descs[d] : "";
}

/**
 * dns_relay_create() - an empty relay table
 * @slots: queries that may wait at once, 1..65536
 * @timeout_ms: how long one waits for its answer
 * @cap: largest UDP payload the gateway sends a guest (its MTU less the IP
 *       and UDP headers): answers larger than this go truncated, even
 *       below 512 bytes (a network MTU under 540)
 * @out: the table
 *
 * Return: 0, -EINVAL, -ENOMEM
 */
int dns_relay_create(unsigned slots, uint32_t timeout_ms, unsigned cap,
		     struct dns_relay **out)
{
	struct dns_relay *r;

	if (!slots || slots > 65536)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->s = calloc(slots, sizeof(*r->s));
	if (!r->s) {
		free(r);
		return -ENOMEM;
	}
	r->n = slots;
	r->timeout_ms = timeout_ms;
	r->cap = (uint16_t)(cap > 65535 ? 65535 : cap);
	*out = r;
	return 0;
}

/**
 * dns_relay_destroy() - free a relay table
 * @r: table, or NULL
 */
void dns_relay_destroy(struct dns_relay *r)
{
	if (!r)
		return;
	free(r->s);
	free(r);
}

/* Skip a name (compressed or not); false when it runs past the end. */
static bool name_skip(struct pkt_cursor *c)
{
	for (unsigned n = 0; n < 128; n++) {
		uint8_t l;

		if (!pkt_pull_u8(c, &l))
			return false;
		if (!l)
			return true;
		if ((l & 0xc0) == 0xc0)
			return pkt_pull(c, 1) != NULL;
		if ((l & 0xc0) || !pkt_pull(c, l))
			return false;
	}
	return false;
}

/*
 * The question a message starts with: its bytes after the header, up to
 * QUESTION_MAX, uncompressed (a pointer could only point into the header).
 * @c is left after it.
 */
static bool question_get(struct pkt_cursor *c, const uint8_t **q,
			 uint16_t *qlen)
{
	const uint8_t *start = c->p;

	for (size_t len = 0;;) {
		uint8_t l;

		if (!pkt_pull_u8(c, &l) || (l & 0xc0))
			return false;
		len += 1u + l;
		if (len + 4 > QUESTION_MAX || (l && !pkt_pull(c, l)))
			return false;
		if (!l)
			break;
	}
	if (!pkt_pull(c, 4))
		return false;
	*q = start;
	*qlen = (uint16_t)(c->p - start);
	return true;
}

/* Same question: names compared without case (resolvers may keep or fold
 * it; length bytes are below 'A'), type and class exactly. */
static bool question_eq(const uint8_t *a, const uint8_t *b, uint16_t len)
{
	for (uint16_t i = 0; i + 4 < len; i++)
		if (dns_lower(a[i]) != dns_lower(b[i]))
			return false;
	return !memcmp(a + len - 4, b + len - 4, 4);
}

/*
 * The query's EDNS0 OPT record (RFC 6891): the offset of its UDP size
 * field, 0 when there is none.  @c is after the questions.
 */
static size_t opt_find(const uint8_t *msg, struct pkt_cursor *c,
		       unsigned records, unsigned skip)
{
	for (unsigned i = 0; i < records; i++) {
		const uint8_t *owner = c->p;
		const uint8_t *rr;
		uint16_t rdlen;

		if (!name_skip(c))
			return 0;
		rr = pkt_pull(c, 10);
		if (!rr)
			return 0;
		rdlen = pkt_get_be16(rr + 8);
		if (!pkt_pull(c, rdlen))
			return 0;
		if (i >= skip && *owner == 0 && pkt_get_be16(rr) == TYPE_OPT)
			return (size_t)(rr + 2 - msg);
	}
	return 0;
}

/* Queries waiting from @client's switch port: its addresses and MACs are
 * the guest's to choose, so they cannot tell one guest from many.  A port
 * id given to a new port after the old one left (another generation) starts
 * with none. */
static unsigned client_waiting(const struct dns_relay *r,
			       const struct dns_relay_client *client)
{
	unsigned n = 0;

	for (unsigned i = 0; i < r->n; i++)
		if (r->s[i].used && r->s[i].client.in_port == client->in_port &&
		    r->s[i].client.gen == client->gen)
			n++;
	return n;
}

/* A UDP query of @client's still waiting with guest ID @id and question
 * @qs: the one @client resends. */
static struct relay_slot *same_query(struct dns_relay *r,
				     const struct dns_relay_client *client,
				     uint16_t id, const uint8_t *qs,
				     uint16_t qlen)
{
	for (unsigned i = 0; i < r->n && !client->tcp; i++) {
		struct relay_slot *s = &r->s[i];

		if (s->used && s->servers && !s->client.tcp &&
		    s->client.in_port == client->in_port &&
		    s->client.gen == client->gen &&
		    s->client.ip == client->ip && s->client.v6 == client->v6 &&
		    !memcmp(s->client.ip6, client->ip6, 16) &&
		    s->client.port == client->port &&
		    !memcmp(s->client.mac, client->mac, 6) &&
		    s->orig_id == id && s->qlen == qlen &&
		    (!qlen || !memcmp(s->q, qs, qlen)))
			return s;
	}
	return NULL;
}

static enum dns_relay_drop relay_drop(struct dns_relay *r,
				      enum dns_relay_drop d)
{
	r->st.drops[d]++;
	return d;
}

/**
 * dns_relay_query() - take a guest's query for the upstream resolvers
 * @r: table
 * @q: the query (UDP payload): untrusted; its ID is replaced by the
 *     upstream one and its EDNS0 UDP size lowered to what the guest can be
 *     sent (raised to 65535 for a query that came over TCP)
 * @len: bytes at @q
 * @client: where the answer goes
 * @rnd: random bits (from getrandom()) for the upstream ID
 * @now: current time, ms
 * @slot: set to the query's slot
 *
 * Call dns_relay_sent() next with the resolvers the query went to.  When
 * the query is the guest's resend of one still waiting, @slot is that one's
 * and dns_relay_servers() is nonzero: send @q again from the slot's socket
 * to those resolvers (its ID is the slot's upstream one), without
 * dns_relay_sent().
 *
 * Return: DNS_RELAY_DROP_NONE, or why the query is not relayed
 */
enum dns_relay_drop dns_relay_query(struct dns_relay *r, uint8_t *q, size_t len,
				    const struct dns_relay_client *client,
				    uint16_t rnd, uint64_t now, int *slot)
{
	struct relay_slot *s = NULL;
	struct pkt_cursor c;
	const uint8_t *h, *qs = NULL;
	uint16_t qlen = 0, room = CLASSIC_MAX;
	unsigned qd, an, ns, ar;
	size_t opt = 0;

	pkt_cursor_init(&c, q, len);
	h = pkt_pull(&c, DNS_HDR_LEN);
	if (!h || (pkt_get_be16(h + 2) & DNS_F_QR))
		return relay_drop(r, DNS_RELAY_DROP_BAD_QUERY);
	qd = pkt_get_be16(h + 4);
	an = pkt_get_be16(h + 6);
	ns = pkt_get_be16(h + 8);
	ar = pkt_get_be16(h + 10);
	/* One question (or none: some opcodes), matched on the way back. */
	if (qd > 1 || (qd && !question_get(&c, &qs, &qlen)))
		return relay_drop(r, DNS_RELAY_DROP_BAD_QUERY);
	/* EDNS0: how much the guest takes (what is unreadable is relayed as
	 * it is, with the classic 512 bytes). */
	if (an + ns + ar <= 64)
		opt = opt_find(q, &c, an + ns + ar, an + ns);
	if (client->tcp) {
		/* Over TCP the guest takes any answer (RFC 7766 8): ask for
		 * the largest UDP answer the relay reads. */
		room = 0xffff;
		if (opt)
			pkt_put_be16(q + opt, 0xffff);
	} else if (opt) {
		uint16_t size = pkt_get_be16(q + opt);

		room = size < CLASSIC_MAX ? CLASSIC_MAX : size;
		if (room > r->cap)
			room = r->cap;
		if (size > room)
			pkt_put_be16(q + opt, room);
	}
	/* The MTU bounds even the classic 512 bytes (over UDP). */
	if (!client->tcp && room > r->cap)
		room = r->cap;
	s = same_query(r, client, pkt_get_be16(q), qs, qlen);
	if (s) { /* the guest's resend: from the first one's slot */
		pkt_put_be16(q, s->id);
		r->st.resent++;
		*slot = (int)(s - r->s);
		return DNS_RELAY_DROP_NONE;
	}
	if (client_waiting(r, client) >= DNS_RELAY_PER_CLIENT)
		return relay_drop(r, DNS_RELAY_DROP_CLIENT_BUSY);
	for (unsigned i = 0; i < r->n && !s; i++) {
		unsigned k = (r->next + i) % r->n;

		if (!r->s[k].used) {
			s = &r->s[k];
			r->next = k + 1;
		}
	}
	if (!s)
		return relay_drop(r, DNS_RELAY_DROP_NO_SLOT);
	memset(s, 0, sizeof(*s));
	s->used = true;
	s->id = rnd;
	s->orig_id = pkt_get_be16(q);
	s->flags = pkt_get_be16(q + 2);
	s->qdcount = (uint16_t)qd;
	s->room = room;
	s->edns = opt != 0;
	s->resend = client->tcp ? 0 : now + r->timeout_ms / 4;
	s->deadline = now + r->timeout_ms;
	s->client = *client;
	s->qlen = qlen;
	if (qlen)
		memcpy(s->q, qs, qlen);
	pkt_put_be16(q, rnd);
	*slot = (int)(s - r->s);
	return DNS_RELAY_DROP_NONE;
}

/**
 * dns_relay_servfail() - the SERVFAIL answer to a query the gateway gives
 * up: its ID, opcode, RD and CD bits and its question echoed, QR and RA
 * set, no records but a minimal OPT when the query had one (RFC 6891 7)
 * @q: the query: untrusted
 * @len: bytes at @q
 * @udp_size: the UDP payload size the OPT states (the gateway's)
 * @out: where the answer is built (may be @q)
 * @size: bytes at @out
 *
 * The answer is never longer than the query (its OPT is no shorter than
 * the one added).
 *
 * Return: the answer's length; 0 for a message that gets no answer (no
 * header, a response, more than one question or an unreadable one)
 */
size_t dns_relay_servfail(const uint8_t *q, size_t len, unsigned udp_size,
			  uint8_t *out, size_t size)
{
	struct pkt_cursor c;
	const uint8_t *h, *qs = NULL;
	uint16_t flags, qlen = 0;
	unsigned qd, records;
	size_t opt = 0, n;

	pkt_cursor_init(&c, q, len);
	h = pkt_pull(&c, DNS_HDR_LEN);
	if (!h)
		return 0;
	flags = pkt_get_be16(h + 2);
	qd = pkt_get_be16(h + 4);
	if ((flags & DNS_F_QR) || qd > 1 ||
	    (qd && !question_get(&c, &qs, &qlen)))
		return 0;
	records = (unsigned)pkt_get_be16(h + 6) + pkt_get_be16(h + 8) +
		  pkt_get_be16(h + 10);
	if (records <= 64)
		opt = opt_find(q, &c, records, records - pkt_get_be16(h + 10));
	n = DNS_HDR_LEN + (size_t)qlen;
	if (n + (opt ? DNS_OPT_MIN : 0) > size)
		return 0;
	if (qlen)
		memmove(out + DNS_HDR_LEN, qs, qlen);
	memmove(out, h, 2);
	pkt_put_be16(out + 2,
		     (uint16_t)(DNS_F_QR | (flags & (F_OPCODE | F_RD | F_CD)) |
				F_RA | RCODE_SERVFAIL));
	pkt_put_be16(out + 4, (uint16_t)qd);
	memset(out + 6, 0, 6);
	if (opt) { /* root owner, OPT, size, TTL 0 (no ext. RCODE), no data */
		out[n] = 0;
		pkt_put_be16(out + n + 1, TYPE_OPT);
		pkt_put_be16(out + n + 3,
			     (uint16_t)(udp_size < CLASSIC_MAX ? CLASSIC_MAX
							       : udp_size));
		memset(out + n + 5, 0, 6);
		pkt_put_be16(out + 10, 1);
		n += DNS_OPT_MIN;
	}
	return n;
}

/**
 * dns_relay_fail() - give up a waiting query (no answer in time, no
 * socket, no resolver reached): its slot is freed and a SERVFAIL built for
 * its guest, so that the guest's resolver need not wait out its own timeout
 * @r: table
 * @slot: from dns_relay_query()
 * @why: the reason counted
 * @out: where the SERVFAIL is built, DNS_HDR_LEN + 259 + 11 bytes at least
 * @size: bytes at @out
 * @client: set to where it goes
 *
 * Return: the SERVFAIL's length, 0 when @slot waits for nothing
 */
size_t dns_relay_fail(struct dns_relay *r, int slot, enum dns_relay_drop why,
		      uint8_t *out, size_t size,
		      struct dns_relay_client *client)
{
	uint8_t m[DNS_HDR_LEN + QUESTION_MAX + DNS_OPT_MIN];
	struct relay_slot *s;
	size_t n;

	if (!dns_relay_waiting(r, slot))
		return 0;
	s = &r->s[slot];
	s->used = false;
	if (why < DNS_RELAY_DROP_MAX)
		relay_drop(r, why);
	*client = s->client;
	memset(m, 0, DNS_HDR_LEN);
	pkt_put_be16(m, s->orig_id);
	pkt_put_be16(m + 2, s->flags);
	pkt_put_be16(m + 4, s->qdcount);
	memcpy(m + DNS_HDR_LEN, s->q, s->qlen);
	n = DNS_HDR_LEN + (size_t)s->qlen;
	if (s->edns) { /* an empty OPT, for the SERVFAIL to carry one */
		memset(m + n, 0, DNS_OPT_MIN);
		pkt_put_be16(m + n + 1, TYPE_OPT);
		pkt_put_be16(m + 10, 1);
		n += DNS_OPT_MIN;
	}
	return dns_relay_servfail(m, n, r->cap, out, size);
}

/**
 * dns_relay_expired() - a query whose time is up, to give up with
 * dns_relay_fail()
 * @r: table
 * @now: current time, ms
 *
 * Return: its slot, -1 when none
 */
int dns_relay_expired(const struct dns_relay *r, uint64_t now)
{
	for (unsigned i = 0; i < r->n; i++)
		if (r->s[i].used && r->s[i].deadline <= now)
			return (int)i;
	return -1;
}

/**
 * dns_relay_resend_due() - a UDP query unanswered for a quarter of its
 * time, to send upstream again (once) from its slot's socket, to
 * dns_relay_servers()
 * @r: table
 * @now: current time, ms
 *
 * Return: its slot (counted as resent), -1 when none
 */
int dns_relay_resend_due(struct dns_relay *r, uint64_t now)
{
	for (unsigned i = 0; i < r->n; i++) {
		struct relay_slot *s = &r->s[i];

		if (s->used && s->servers && s->resend && s->resend <= now) {
			s->resend = 0;
			r->st.resent++;
			return (int)i;
		}
	}
	return -1;
}

/**
 * dns_relay_servers() - the resolvers a waiting query went to
 * @r: table
 * @slot: from dns_relay_query()
 *
 * Return: bit i for resolver i; 0 when @slot waits for nothing or its
 * query has not gone out yet
 */
uint32_t dns_relay_servers(const struct dns_relay *r, int slot)
{
	return dns_relay_waiting(r, slot) ? r->s[slot].servers : 0;
}

/**
 * dns_relay_sent() - the resolvers a query went to
 * @r: table
 * @slot: from dns_relay_query()
 * @servers: bit i set when resolver i was sent the query; 0 frees the slot
 *           (nothing went out: counted as no_server)
 */
void dns_relay_sent(struct dns_relay *r, int slot, uint32_t servers)
{
	if (slot < 0 || (unsigned)slot >= r->n || !r->s[slot].used)
		return;
	r->s[slot].servers = servers;
	if (servers)
		r->st.queries++;
	else
		dns_relay_abort(r, slot, DNS_RELAY_DROP_NO_SERVER);
}

/**
 * dns_relay_abort() - give up a query before it goes out
 * @r: table
 * @slot: from dns_relay_query()
 * @why: the reason counted (e.g. DNS_RELAY_DROP_NO_SOCKET)
 */
void dns_relay_abort(struct dns_relay *r, int slot, enum dns_relay_drop why)
{
	if (slot < 0 || (unsigned)slot >= r->n || !r->s[slot].used)
		return;
	r->s[slot].used = false;
	if (why < DNS_RELAY_DROP_MAX)
		relay_drop(r, why);
}

/**
 * dns_relay_answer() - match an answer from upstream to its query
 * @r: table
 * @slot: the slot whose socket (port) it came in on: only that slot's
 *        query can match
 * @server: index of the resolver it came from, DNS_RELAY_NOT_UPSTREAM
 *          when its address and port are none of them
 * @a: the answer: untrusted; rewritten in place into what the guest gets
 *     (its own ID, or the truncated form)
 * @len: bytes at @a
 * @client: set to where it goes
 * @out_len: set to the bytes to send
 *
 * Return: DNS_RELAY_DROP_NONE and the answer to send, or why it is dropped
 */
enum dns_relay_drop dns_relay_answer(struct dns_relay *r, int slot,
				     unsigned server, uint8_t *a, size_t len,
				     struct dns_relay_client *client,
				     size_t *out_len)
{
	struct relay_slot *s = NULL;
	struct pkt_cursor c;
	const uint8_t *h, *qs = NULL;
	uint16_t qlen = 0;
	enum dns_relay_drop d;

	if (server >= 32) {
		d = DNS_RELAY_DROP_NOT_UPSTREAM;
		goto drop;
	}
	pkt_cursor_init(&c, a, len);
	h = pkt_pull(&c, DNS_HDR_LEN);
	if (!h) {
		d = DNS_RELAY_DROP_SHORT;
		goto drop;
	}
	if (!(pkt_get_be16(h + 2) & DNS_F_QR)) {
		d = DNS_RELAY_DROP_NOT_RESPONSE;
		goto drop;
	}
	if (dns_relay_waiting(r, slot) && r->s[slot].id == pkt_get_be16(h))
		s = &r->s[slot];
	if (!s) {
		d = DNS_RELAY_DROP_UNKNOWN_ID;
		goto drop;
	}
	if (!(s->servers & (1u << server))) {
		d = DNS_RELAY_DROP_WRONG_SERVER;
		goto drop;
	}
	/* An error may come without the question (FORMERR, as some servers
	 * send it): it carries no records to forge. */
	if (!pkt_get_be16(h + 4) && (pkt_get_be16(h + 2) & 0xf)) {
		if (pkt_get_be16(h + 6) || pkt_get_be16(h + 8)) {
			d = DNS_RELAY_DROP_QUESTION;
			goto drop;
		}
	} else if (pkt_get_be16(h + 4) != s->qdcount ||
		   (s->qdcount &&
		    (!question_get(&c, &qs, &qlen) || qlen != s->qlen ||
		     !question_eq(qs, s->q, qlen)))) {
		d = DNS_RELAY_DROP_QUESTION;
		goto drop;
	}
	s->used = false;
	*client = s->client;
	pkt_put_be16(a, s->orig_id);
	*out_len = len;
	if (len > s->room) {
		/* The header and the question, TC set: the guest asks again
		 * over TCP. */
		pkt_put_be16(a + 2, pkt_get_be16(a + 2) | F_TC);
		memset(a + 6, 0, 6);
		*out_len = DNS_HDR_LEN + qlen;
		r->st.truncated++;
	}
	r->st.answers++;
	return DNS_RELAY_DROP_NONE;
drop:
	r->st.drops[d]++;
	return d;
}

/**
 * dns_relay_expire() - forget the queries whose time is up
 * @r: table
 * @now: current time, ms
 *
 * Return: when the next one is due (to expire or to be resent),
 * UINT64_MAX when none waits
 */
uint64_t dns_relay_expire(struct dns_relay *r, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	for (unsigned i = 0; i < r->n; i++) {
		struct relay_slot *s = &r->s[i];

		if (!s->used)
			continue;
		if (s->deadline <= now) {
			s->used = false;
			r->st.drops[DNS_RELAY_DROP_TIMEOUT]++;
			continue;
		}
		if (s->deadline < next)
			next = s->deadline;
		if (s->resend && s->servers && s->resend < next)
			next = s->resend;
	}
	return next;
}

/**
 * dns_relay_port_gone() - forget the queries of a switch port that left:
 * their answers would go nowhere (vnic_gateway_relay_answer() drops them),
 * and their slots are free for the other guests at once
 * @r: table
 * @in_port: the port's id
 *
 * Return: how many were forgotten (counted as port_gone)
 */
unsigned dns_relay_port_gone(struct dns_relay *r, uint16_t in_port)
{
	unsigned n = 0;

	for (unsigned i = 0; i < r->n; i++)
		if (r->s[i].used && r->s[i].client.in_port == in_port) {
			r->s[i].used = false;
			relay_drop(r, DNS_RELAY_DROP_PORT_GONE);
			n++;
		}
	return n;
}

/**
 * dns_relay_waiting() - whether a slot's query still waits for its answer
 * @r: table
 * @slot: from dns_relay_query()
 *
 * Return: true until it is answered or expired
 */
bool dns_relay_waiting(const struct dns_relay *r, int slot)
{
	return slot >= 0 && (unsigned)slot < r->n && r->s[slot].used;
}

/**
 * dns_relay_stats_get() - a relay table's counters
 * @r: table
 * @st: filled in
 */
void dns_relay_stats_get(const struct dns_relay *r, struct dns_relay_stats *st)
{
	*st = r->st;
}
