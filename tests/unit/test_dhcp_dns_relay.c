// SPDX-License-Identifier: GPL-2.0-or-later
/* test_dhcp_dns_relay.c - the gateway's DNS relay engine: answers matched on
 * the whole random ID, the resolver and the question; late, forged and
 * stray answers dropped under their reasons; answers larger than the guest
 * takes cut to a well-formed truncated reply */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dhcp/dhcp.h"
#include "lib/pkt.h"

#define QNAME "\7example\3com"	  /* 13 bytes with the root */
#define QLEN  (sizeof(QNAME) + 4) /* the question: name, type, class */

static const struct dns_relay_client guest = {.mac = {0x52, 0x54, 0, 0, 0, 7},
					      .ip = 0x0a000007,
					      .port = 40000,
					      .in_port = 3};

/* A query for example.com A, ID @id; with an OPT record of @edns bytes
 * unless 0.  Return: its length. */
static size_t query(uint8_t *q, uint16_t id, uint16_t edns)
{
	size_t o = 12;

	memset(q, 0, 64);
	pkt_put_be16(q, id);
	pkt_put_be16(q + 2, 0x0100);
	pkt_put_be16(q + 4, 1);
	memcpy(q + o, QNAME, sizeof(QNAME));
	o += sizeof(QNAME);
	pkt_put_be16(q + o, 1);
	pkt_put_be16(q + o + 2, 1);
	o += 4;
	if (edns) {
		pkt_put_be16(q + 10, 1);
		q[o] = 0; /* root owner */
		pkt_put_be16(q + o + 1, 41);
		pkt_put_be16(q + o + 3, edns);
		o += 11; /* TTL and RDLENGTH 0 */
	}
	return o;
}

/* An answer of @len bytes to the query @q (ID @id): its question, then one
 * TXT record padding it out. */
static size_t answer(uint8_t *a, const uint8_t *q, uint16_t id, size_t len)
{
	size_t o = 12 + QLEN;

	memset(a, 0, len);
	pkt_put_be16(a, id);
	pkt_put_be16(a + 2, 0x8180);
	pkt_put_be16(a + 4, 1);
	pkt_put_be16(a + 6, 1);
	memcpy(a + 12, q + 12, QLEN);
	pkt_put_be16(a + o, 0xc00c);
	pkt_put_be16(a + o + 2, 16);
	pkt_put_be16(a + o + 4, 1);
	pkt_put_be16(a + o + 10, (uint16_t)(len - o - 12));
	return len;
}

static struct dns_relay *mk(unsigned slots)
{
	struct dns_relay *r;

	assert_int_equal(dns_relay_create(slots, 5000, 1472, &r), 0);
	return r;
}

/* Relay query @q to the servers in @mask with random bits @rnd; the ID it
 * went out with, and its slot in *@slot. */
static uint16_t relay(struct dns_relay *r, uint8_t *q, size_t len, uint16_t rnd,
		      uint32_t mask, int *slot)
{
	*slot = -1;
	assert_int_equal(dns_relay_query(r, q, len, &guest, rnd, 1000, slot),
			 DNS_RELAY_DROP_NONE);
	assert_true(*slot >= 0);
	dns_relay_sent(r, *slot, mask);
	return pkt_get_be16(q);
}

/* An answer on @slot's socket from resolver @server. */
static enum dns_relay_drop back(struct dns_relay *r, int slot, unsigned server,
				uint8_t *a, size_t len, size_t *out)
{
	struct dns_relay_client c;
	enum dns_relay_drop d =
	    dns_relay_answer(r, slot, server, a, len, &c, out);

	if (d == DNS_RELAY_DROP_NONE)
		assert_memory_equal(&c, &guest, sizeof(c));
	return d;
}

static void test_match(void **state)
{
	struct dns_relay *r = mk(256);
	struct dns_relay_stats st;
	uint8_t q[64], q2[64], q3[64], a[600], e[12];
	size_t ql = query(q, 0x1234, 0), out;
	uint16_t id, id2, id3;
	int s1, s2, s3;

	/* the upstream ID is the random one, not the guest's */
	id = relay(r, q, ql, 0xbeef, 3, &s1);
	assert_int_equal(id, 0xbeef);
	/* the same random bits again: the same ID, on a socket of its own */
	id2 = relay(r, q2, query(q2, 0x1235, 0), 0xbeef, 1, &s2);
	assert_int_equal(id2, id);
	assert_int_not_equal(s2, s1);
	/* an ID that matches in its low 8 bits only: not ours */
	answer(a, q, (uint16_t)(id ^ 0x0100), 100);
	assert_int_equal(back(r, s1, 0, a, 100, &out),
			 DNS_RELAY_DROP_UNKNOWN_ID);
	/* a resolver the query did not go to; an address that is none */
	answer(a, q2, id2, 100);
	assert_int_equal(back(r, s2, 1, a, 100, &out),
			 DNS_RELAY_DROP_WRONG_SERVER);
	assert_int_equal(back(r, s2, DNS_RELAY_NOT_UPSTREAM, a, 100, &out),
			 DNS_RELAY_DROP_NOT_UPSTREAM);
	/* the right ID for another question */
	answer(a, q, id, 100);
	a[13] = 'x';
	assert_int_equal(back(r, s1, 0, a, 100, &out), DNS_RELAY_DROP_QUESTION);
	/* an error without the question (FORMERR) but with records: not
	 * taken; without them it is */
	id3 = relay(r, q3, query(q3, 9, 0), 0x7777, 1, &s3);
	memset(e, 0, sizeof(e));
	pkt_put_be16(e, id3);
	pkt_put_be16(e + 2, 0x8001);
	pkt_put_be16(e + 6, 1);
	assert_int_equal(back(r, s3, 0, e, 12, &out), DNS_RELAY_DROP_QUESTION);
	pkt_put_be16(e + 6, 0);
	assert_int_equal(back(r, s3, 0, e, 12, &out), DNS_RELAY_DROP_NONE);
	assert_int_equal(out, 12);
	assert_int_equal(pkt_get_be16(e), 9);
	/* no QR bit; too short */
	answer(a, q, id, 100);
	a[2] &= 0x7f;
	assert_int_equal(back(r, s1, 0, a, 100, &out),
			 DNS_RELAY_DROP_NOT_RESPONSE);
	assert_int_equal(back(r, s1, 0, a, 11, &out), DNS_RELAY_DROP_SHORT);
	/* the answer, its name in other case: the guest's ID back */
	answer(a, q, id, 100);
	a[13] = 'E';
	assert_int_equal(back(r, s1, 1, a, 100, &out), DNS_RELAY_DROP_NONE);
	assert_int_equal(out, 100);
	assert_int_equal(pkt_get_be16(a), 0x1234);
	/* the second resolver's answer to it comes late: dropped */
	answer(a, q, id, 100);
	assert_int_equal(back(r, s1, 0, a, 100, &out),
			 DNS_RELAY_DROP_UNKNOWN_ID);
	/* one unanswered a quarter of its time is sent again, once */
	assert_int_equal(dns_relay_expire(r, 2000), 2250);
	assert_int_equal(dns_relay_resend_due(r, 2249), -1);
	assert_int_equal(dns_relay_resend_due(r, 2250), s2);
	assert_int_equal(dns_relay_resend_due(r, 5999), -1);
	assert_int_equal(dns_relay_servers(r, s2), 1);
	/* a query that waited too long is forgotten */
	assert_int_equal(dns_relay_expire(r, 5999), 6000);
	assert_int_equal(dns_relay_expire(r, 6000), UINT64_MAX);
	answer(a, q2, id2, 100);
	assert_int_equal(back(r, s2, 0, a, 100, &out),
			 DNS_RELAY_DROP_UNKNOWN_ID);
	dns_relay_stats_get(r, &st);
	assert_int_equal(st.queries, 3);
	assert_int_equal(st.answers, 2);
	assert_int_equal(st.drops[DNS_RELAY_DROP_UNKNOWN_ID], 3);
	assert_int_equal(st.drops[DNS_RELAY_DROP_WRONG_SERVER], 1);
	assert_int_equal(st.drops[DNS_RELAY_DROP_NOT_UPSTREAM], 1);
	assert_int_equal(st.drops[DNS_RELAY_DROP_QUESTION], 2);
	assert_int_equal(st.drops[DNS_RELAY_DROP_TIMEOUT], 1);
	assert_string_equal(dns_relay_drop_name(DNS_RELAY_DROP_QUESTION),
			    "question");
	dns_relay_destroy(r);
}

/* What the guest gets of an answer of @len bytes to a query with EDNS0
 * size @edns (0: none), on a gateway that sends guests at most @cap bytes:
 * the answer whole, or its header and question with TC set. */
static void size_case_cap(unsigned cap, uint16_t edns, size_t len, bool whole)
{
	struct dns_relay *r;
	struct dns_relay_stats st;
	static uint8_t a[9000];
	uint8_t q[64];
	size_t ql = query(q, 0x4242, edns), out;
	uint16_t id;
	int slot;

	assert_int_equal(dns_relay_create(4, 5000, cap, &r), 0);
	id = relay(r, q, ql, 7, 1, &slot);
	if (edns) /* what went upstream asks for no more than fits */
		assert_int_equal(pkt_get_be16(q + 12 + QLEN + 3),
				 edns > cap ? cap : edns);
	answer(a, q, id, len);
	assert_int_equal(back(r, slot, 0, a, len, &out), DNS_RELAY_DROP_NONE);
	assert_int_equal(pkt_get_be16(a), 0x4242);
	dns_relay_stats_get(r, &st);
	if (whole) {
		assert_int_equal(out, len);
		assert_int_equal(pkt_get_be16(a + 2) & 0x0200, 0);
		assert_int_equal(st.truncated, 0);
	} else {
		assert_int_equal(out, 12 + QLEN);
		assert_int_equal(pkt_get_be16(a + 2), 0x8180 | 0x0200);
		assert_int_equal(pkt_get_be16(a + 4), 1);
		assert_int_equal(pkt_get_be16(a + 6), 0);
		assert_int_equal(pkt_get_be16(a + 8), 0);
		assert_int_equal(pkt_get_be16(a + 10), 0);
		assert_memory_equal(a + 12, q + 12, QLEN);
		assert_int_equal(st.truncated, 1);
	}
	dns_relay_destroy(r);
}

static void size_case(uint16_t edns, size_t len, bool whole)
{
	size_case_cap(1472, edns, len, whole);
}

static void test_size(void **state)
{
	size_case(0, 512, true);
	size_case(0, 513, false);
	size_case(0, 1400, false);
	size_case(1232, 1232, true);
	size_case(1232, 1233, false);
	size_case(100, 512, true); /* below 512 means 512 */
	size_case(100, 600, false);
	size_case(4096, 1472, true); /* capped by the MTU */
	size_case(4096, 1473, false);
	size_case(4096, 8000, false);
	/* a network MTU of 428: even a classic 512-byte answer is cut */
	size_case_cap(400, 0, 400, true);
	size_case_cap(400, 0, 401, false);
	size_case_cap(400, 0, 512, false);
	size_case_cap(400, 1232, 401, false);
}

/* A query that came over TCP: its EDNS0 size raised to 65535 on its way
 * out, and any answer passed back whole, beyond the MTU and 512 bytes. */
static void test_tcp_client(void **state)
{
	struct dns_relay_client tc = guest, c;
	static uint8_t q[128], a[20000];
	struct dns_relay_stats st;
	struct dns_relay *r = mk(4);
	size_t qlen, out;
	int slot;

	tc.tcp = 0x105;
	for (unsigned edns = 0; edns < 2; edns++) {
		qlen = query(q, 0x1234, edns ? 1232 : 0);
		assert_int_equal(
		    dns_relay_query(r, q, qlen, &tc, 0x4321, 1000, &slot),
		    DNS_RELAY_DROP_NONE);
		if (edns)
			assert_int_equal(pkt_get_be16(q + 12 + QLEN + 3),
					 0xffff);
		dns_relay_sent(r, slot, 1);
		answer(a, q, 0x4321, sizeof(a));
		assert_int_equal(
		    dns_relay_answer(r, slot, 0, a, sizeof(a), &c, &out),
		    DNS_RELAY_DROP_NONE);
		assert_int_equal(out, sizeof(a));
		assert_int_equal(c.tcp, 0x105);
		assert_int_equal(pkt_get_be16(a), 0x1234);
		assert_int_equal(pkt_get_be16(a + 2) & 0x0200, 0);
	}
	dns_relay_stats_get(r, &st);
	assert_int_equal(st.truncated, 0);
	dns_relay_destroy(r);
}

static void test_bad_and_full(void **state)
{
	struct dns_relay *r = mk(2);
	struct dns_relay_stats st;
	uint8_t q[64];
	size_t ql = query(q, 1, 0);
	int slot;

	assert_int_equal(dns_relay_query(r, q, 11, &guest, 1, 0, &slot),
			 DNS_RELAY_DROP_BAD_QUERY);
	pkt_put_be16(q + 4, 2); /* two questions */
	assert_int_equal(dns_relay_query(r, q, ql, &guest, 1, 0, &slot),
			 DNS_RELAY_DROP_BAD_QUERY);
	pkt_put_be16(q + 4, 1);
	assert_int_equal(dns_relay_query(r, q, ql - 1, &guest, 1, 0, &slot),
			 DNS_RELAY_DROP_BAD_QUERY);
	relay(r, q, ql, 1, 1, &slot);
	pkt_put_be16(q, 2);
	relay(r, q, ql, 1, 1, &slot);
	pkt_put_be16(q, 3);
	assert_int_equal(dns_relay_query(r, q, ql, &guest, 1, 0, &slot),
			 DNS_RELAY_DROP_NO_SLOT);
	/* nothing went out: the slot is free again */
	assert_int_equal(dns_relay_expire(r, 6000), UINT64_MAX);
	assert_int_equal(dns_relay_query(r, q, ql, &guest, 1, 0, &slot),
			 DNS_RELAY_DROP_NONE);
	dns_relay_sent(r, slot, 0);
	dns_relay_stats_get(r, &st);
	assert_int_equal(st.queries, 2);
	assert_int_equal(st.drops[DNS_RELAY_DROP_NO_SERVER], 1);
	assert_int_equal(st.drops[DNS_RELAY_DROP_BAD_QUERY], 3);
	assert_int_equal(st.drops[DNS_RELAY_DROP_NO_SLOT], 1);
	dns_relay_destroy(r);
}

/* One guest's unanswered queries take DNS_RELAY_PER_CLIENT slots at most:
 * the next is dropped as client_busy, also with another address or MAC
 * (the guest's to forge: the guest is its switch port), while another
 * guest (another port) is still relayed; an answer or a timeout gives the
 * guest its share back. */
/* The guest's whole share of queries (IDs 0.., upstream IDs 100..), sent
 * to resolver 0: the first one's slot; @q and *@ql hold the last query. */
static int fill(struct dns_relay *r, uint8_t *q, size_t *ql)
{
	int slot = -1, first = -1;

	for (unsigned i = 0; i < DNS_RELAY_PER_CLIENT; i++) {
		*ql = query(q, (uint16_t)i, 0);
		assert_int_equal(dns_relay_query(r, q, *ql, &guest,
						 (uint16_t)(100 + i), 1000,
						 &slot),
				 DNS_RELAY_DROP_NONE);
		dns_relay_sent(r, slot, 1);
		if (!i)
			first = slot;
	}
	return first;
}

/* The minimal OPT a SERVFAIL to an EDNS query carries (RFC 6891 7): root,
 * type 41, the gateway's UDP size, TTL 0, no data; ARCOUNT 1. */
static void opt_check(const uint8_t *m, size_t len, uint16_t size)
{
	const uint8_t *o = m + len - 11;

	assert_int_equal(pkt_get_be16(m + 10), 1);
	assert_int_equal(o[0], 0);
	assert_int_equal(pkt_get_be16(o + 1), 41);
	assert_int_equal(pkt_get_be16(o + 3), size);
	assert_int_equal(
	    pkt_get_be16(o + 5) | pkt_get_be16(o + 7) | pkt_get_be16(o + 9), 0);
}

/* A query given up (no answer in time, no socket): SERVFAIL for its guest
 * with the guest's ID, flags and question, and an OPT when the query had
 * one; a malformed query gets none. */
static void test_servfail(void **state)
{
	struct dns_relay *r = mk(4);
	struct dns_relay_stats st;
	struct dns_relay_client c;
	uint8_t q[64], orig[64], m[300];
	size_t ql = query(q, 0x1234, 1232), n;
	int slot;

	memcpy(orig, q, ql);
	relay(r, q, ql, 0xbeef, 1, &slot);
	assert_int_equal(dns_relay_expired(r, 5999), -1);
	assert_int_equal(dns_relay_expired(r, 6000), slot);
	n = dns_relay_fail(r, slot, DNS_RELAY_DROP_TIMEOUT, m, sizeof(m), &c);
	assert_int_equal(n, 12 + QLEN + 11);
	assert_memory_equal(&c, &guest, sizeof(c));
	assert_int_equal(pkt_get_be16(m), 0x1234);
	assert_int_equal(pkt_get_be16(m + 2), 0x8000 | 0x0100 | 0x0080 | 2);
	assert_int_equal(pkt_get_be16(m + 4), 1);
	assert_int_equal(pkt_get_be16(m + 6) | pkt_get_be16(m + 8), 0);
	assert_memory_equal(m + 12, orig + 12, QLEN);
	opt_check(m, n, 1472);
	assert_false(dns_relay_waiting(r, slot));
	assert_int_equal(dns_relay_expired(r, 6000), -1);
	/* once only */
	assert_int_equal(
	    dns_relay_fail(r, slot, DNS_RELAY_DROP_TIMEOUT, m, sizeof(m), &c),
	    0);
	dns_relay_stats_get(r, &st);
	assert_int_equal(st.drops[DNS_RELAY_DROP_TIMEOUT], 1);
	/* without EDNS: no OPT */
	ql = query(q, 0x1235, 0);
	relay(r, q, ql, 0xbef0, 1, &slot);
	n = dns_relay_fail(r, slot, DNS_RELAY_DROP_TIMEOUT, m, sizeof(m), &c);
	assert_int_equal(n, 12 + QLEN);
	assert_int_equal(pkt_get_be16(m + 10), 0);

	/* from the query itself, in place: no longer than it */
	ql = query(q, 0x1234, 1232);
	assert_int_equal(dns_relay_servfail(q, ql, 1400, q, ql), ql);
	assert_int_equal(pkt_get_be16(q), 0x1234);
	assert_int_equal(pkt_get_be16(q + 2), 0x8182);
	assert_memory_equal(q + 12, orig + 12, QLEN);
	opt_check(q, ql, 1400);
	/* no room for the OPT */
	assert_int_equal(dns_relay_servfail(orig, ql, 1232, m, 12 + QLEN), 0);
	ql = query(q, 0x1234, 0);
	memcpy(orig, q, ql);
	assert_int_equal(dns_relay_servfail(q, ql, 1232, q, ql), 12 + QLEN);
	assert_int_equal(pkt_get_be16(q + 10), 0);
	/* no answer: a response, two questions, a bad name, no header */
	memcpy(q, orig, ql);
	q[2] |= 0x80;
	assert_int_equal(dns_relay_servfail(q, ql, 1232, m, sizeof(m)), 0);
	memcpy(q, orig, ql);
	pkt_put_be16(q + 4, 2);
	assert_int_equal(dns_relay_servfail(q, ql, 1232, m, sizeof(m)), 0);
	memcpy(q, orig, ql);
	q[12] = 0xc0;
	assert_int_equal(dns_relay_servfail(q, ql, 1232, m, sizeof(m)), 0);
	assert_int_equal(dns_relay_servfail(orig, 11, 1232, m, sizeof(m)), 0);
	assert_int_equal(dns_relay_servfail(orig, ql, 1232, m, 12), 0);
	dns_relay_destroy(r);
}

/* Hostile queries: random mutations of a valid EDNS one, random lengths,
 * output buffers from 0 bytes, in place too.  The SERVFAIL never exceeds
 * the buffer nor the query (no amplification), even with its OPT. */
static void test_servfail_hostile(void **state)
{
	uint32_t x = 12345;
	uint8_t base[600], q[600], out[600];
	size_t bl = query(base, 7, 1232);

	memset(base + bl, 0, sizeof(base) - bl);
	for (unsigned it = 0; it < 300000; it++) {
		size_t len, size, n;
		unsigned muts;

		memcpy(q, base, sizeof(q));
		x = x * 1103515245u + 12345u;
		len = (x >> 8) % 600;
		x = x * 1103515245u + 12345u;
		muts = (x >> 8) % 6;
		for (unsigned k = 0; k < muts; k++) {
			x = x * 1103515245u + 12345u;
			q[(x >> 8) % 64] = (uint8_t)(x >> 20);
		}
		x = x * 1103515245u + 12345u;
		size = (x >> 8) % 300;
		n = dns_relay_servfail(q, len, 1232, out, size);
		assert_true(n <= size && n <= len);
		if (n) {
			assert_true(n >= 12);
			assert_int_equal(
			    pkt_get_be16(out + 6) | pkt_get_be16(out + 8), 0);
			assert_true(pkt_get_be16(out + 10) <= 1);
			assert_true(pkt_get_be16(out + 2) & 0x8000);
		}
		n = dns_relay_servfail(q, len, 1232, q, len);
		assert_true(n <= len);
	}
}

/* The guest's resend of a query still waiting (same port, generation,
 * address, UDP port, ID and question) goes out from the first one's slot
 * with its upstream ID, and takes no second slot; its answer is one. */
static void test_guest_resend(void **state)
{
	struct dns_relay *r = mk(4);
	struct dns_relay_client other = guest, c;
	struct dns_relay_stats st;
	uint8_t q[64], a[100], m[300];
	size_t ql = query(q, 0x4242, 0), out;
	int slot, again = -1, s3 = -1;

	relay(r, q, ql, 0xaaaa, 3, &slot);
	ql = query(q, 0x4242, 0);
	assert_int_equal(
	    dns_relay_query(r, q, ql, &guest, 0xbbbb, 2000, &again),
	    DNS_RELAY_DROP_NONE);
	assert_int_equal(again, slot);
	assert_int_equal(dns_relay_servers(r, again), 3);
	assert_int_equal(pkt_get_be16(q), 0xaaaa);
	/* another UDP port, ID or question of the guest: another query */
	other.port++;
	ql = query(q, 0x4242, 0);
	assert_int_equal(dns_relay_query(r, q, ql, &other, 0xcccc, 2000, &s3),
			 DNS_RELAY_DROP_NONE);
	assert_int_not_equal(s3, slot);
	assert_int_equal(dns_relay_servers(r, s3), 0);
	dns_relay_sent(r, s3, 1);
	/* the first deadline still holds: SERVFAIL once, for both tries */
	assert_int_equal(dns_relay_expired(r, 5999), -1);
	assert_int_equal(dns_relay_expired(r, 6000), slot);
	/* answered: one answer, the slot is free */
	answer(a, q, 0xaaaa, 100);
	assert_int_equal(back(r, slot, 1, a, 100, &out), DNS_RELAY_DROP_NONE);
	assert_int_equal(pkt_get_be16(a), 0x4242);
	assert_int_equal(back(r, slot, 0, a, 100, &out),
			 DNS_RELAY_DROP_UNKNOWN_ID);
	assert_int_equal(
	    dns_relay_fail(r, slot, DNS_RELAY_DROP_TIMEOUT, m, sizeof(m), &c),
	    0);
	dns_relay_stats_get(r, &st);
	assert_int_equal(st.queries, 2);
	assert_int_equal(st.resent, 1);
	dns_relay_destroy(r);
}

/* A port that leaves: its waiting queries are forgotten, their answers
 * refused, their slots free; another port's stay. */
static void test_port_gone(void **state)
{
	struct dns_relay_client other = guest, c;
	struct dns_relay_stats st;
	uint8_t q[64], a[100];
	size_t ql, out;
	struct dns_relay *r = mk(DNS_RELAY_PER_CLIENT + 1);
	int slot = -1, first = -1, kept = -1;

	other.in_port++;
	first = fill(r, q, &ql);
	ql = query(q, 77, 0);
	assert_int_equal(dns_relay_query(r, q, ql, &other, 300, 1000, &kept),
			 DNS_RELAY_DROP_NONE);
	dns_relay_sent(r, kept, 1);
	assert_int_equal(dns_relay_port_gone(r, guest.in_port),
			 DNS_RELAY_PER_CLIENT);
	assert_false(dns_relay_waiting(r, first));
	assert_true(dns_relay_waiting(r, kept));
	query(q, 0, 0);
	answer(a, q, 100, 100);
	assert_int_equal(dns_relay_answer(r, first, 0, a, 100, &c, &out),
			 DNS_RELAY_DROP_UNKNOWN_ID);
	/* the slots are free again */
	other = guest;
	other.gen++;
	ql = query(q, 78, 0);
	assert_int_equal(dns_relay_query(r, q, ql, &other, 301, 1000, &slot),
			 DNS_RELAY_DROP_NONE);
	dns_relay_stats_get(r, &st);
	assert_int_equal(st.drops[DNS_RELAY_DROP_PORT_GONE],
			 DNS_RELAY_PER_CLIENT);
	dns_relay_destroy(r);
}

static void test_per_client(void **state)
{
	struct dns_relay_client other = guest, forged = guest;
	struct dns_relay_stats st;
	struct dns_relay_client c;
	uint8_t q[64], a[100];
	size_t ql = query(q, 1, 0), out;
	struct dns_relay *r = mk(64);
	int slot = -1, first = -1;

	other.in_port++;
	forged.ip++;
	forged.mac[5]++;
	first = fill(r, q, &ql);
	assert_int_equal(dns_relay_query(r, q, ql, &guest, 7, 1000, &slot),
			 DNS_RELAY_DROP_CLIENT_BUSY);
	assert_int_equal(dns_relay_query(r, q, ql, &forged, 8, 1000, &slot),
			 DNS_RELAY_DROP_CLIENT_BUSY);
	assert_int_equal(dns_relay_query(r, q, ql, &other, 7, 1000, &slot),
			 DNS_RELAY_DROP_NONE);
	dns_relay_sent(r, slot, 1);
	/* the port id given to a new port (its next generation): a guest of
	 * its own, with none of the old one's queries against it */
	other = guest;
	other.gen++;
	assert_int_equal(dns_relay_query(r, q, ql, &other, 11, 1000, &slot),
			 DNS_RELAY_DROP_NONE);
	dns_relay_sent(r, slot, 1);
	/* the first query answered: one more may go */
	query(q, 0, 0);
	answer(a, q, 100, 100);
	assert_int_equal(dns_relay_answer(r, first, 0, a, 100, &c, &out),
			 DNS_RELAY_DROP_NONE);
	ql = query(q, 50, 0);
	assert_int_equal(dns_relay_query(r, q, ql, &guest, 9, 1000, &slot),
			 DNS_RELAY_DROP_NONE);
	dns_relay_sent(r, slot, 1);
	ql = query(q, 51, 0);
	assert_int_equal(dns_relay_query(r, q, ql, &guest, 10, 1000, &slot),
			 DNS_RELAY_DROP_CLIENT_BUSY);
	/* all timed out: the guest's share is whole again */
	assert_int_equal(dns_relay_expire(r, 7000), UINT64_MAX);
	for (unsigned i = 0; i < DNS_RELAY_PER_CLIENT; i++) {
		assert_int_equal(dns_relay_query(r, q, ql, &guest,
						 (uint16_t)(200 + i), 7000,
						 &slot),
				 DNS_RELAY_DROP_NONE);
		dns_relay_sent(r, slot, 1);
	}
	dns_relay_stats_get(r, &st);
	assert_int_equal(st.drops[DNS_RELAY_DROP_CLIENT_BUSY], 3);
	assert_int_equal(st.drops[DNS_RELAY_DROP_NO_SLOT], 0);
	dns_relay_destroy(r);
}

/* Each query with a socket (a port) of its own: an answer counts only on
 * the socket of the query it names; there is no socket all share (-1). */
static void test_per_slot(void **state)
{
	struct dns_relay *r = mk(4);
	struct dns_relay_client c;
	uint8_t q1[64], q2[64], a[100];
	size_t out;
	int s1 = -1, s2 = -1;

	assert_int_equal(
	    dns_relay_query(r, q1, query(q1, 1, 0), &guest, 100, 0, &s1),
	    DNS_RELAY_DROP_NONE);
	dns_relay_sent(r, s1, 1);
	assert_int_equal(
	    dns_relay_query(r, q2, query(q2, 2, 0), &guest, 200, 0, &s2),
	    DNS_RELAY_DROP_NONE);
	dns_relay_sent(r, s2, 1);
	assert_true(dns_relay_waiting(r, s1) && dns_relay_waiting(r, s2));
	answer(a, q1, 100, 100);
	assert_int_equal(dns_relay_answer(r, s2, 0, a, 100, &c, &out),
			 DNS_RELAY_DROP_UNKNOWN_ID);
	assert_int_equal(dns_relay_answer(r, -1, 0, a, 100, &c, &out),
			 DNS_RELAY_DROP_UNKNOWN_ID);
	assert_int_equal(dns_relay_answer(r, s1, 0, a, 100, &c, &out),
			 DNS_RELAY_DROP_NONE);
	assert_false(dns_relay_waiting(r, s1));
	assert_true(dns_relay_waiting(r, s2));
	assert_false(dns_relay_waiting(r, -1));
	assert_false(dns_relay_waiting(r, 4));
	dns_relay_destroy(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_match),
	    cmocka_unit_test(test_size),
	    cmocka_unit_test(test_tcp_client),
	    cmocka_unit_test(test_bad_and_full),
	    cmocka_unit_test(test_per_slot),
	    cmocka_unit_test(test_per_client),
	    cmocka_unit_test(test_servfail),
	    cmocka_unit_test(test_servfail_hostile),
	    cmocka_unit_test(test_guest_resend),
	    cmocka_unit_test(test_port_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
