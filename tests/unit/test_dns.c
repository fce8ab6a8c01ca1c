// SPDX-License-Identifier: GPL-2.0-or-later
/* test_dns.c - the DNS responder: names table semantics, answers for the
 * network's zones, relay decisions, and malformed queries (compression
 * loops, truncated names, wrong counts) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "dhcp/dhcp.h"
#include "lib/pkt.h"

#define IP4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static struct dns_names *mk(void)
{
	struct dns_names *t;

	assert_int_equal(
	    dns_names_create("lab.vnet", IP4(10, 0, 0, 0), 24, 4, 30, &t), 0);
	return t;
}

static void test_names(void **state)
{
	struct dns_names *t = mk();
	struct dns_stats st;
	uint32_t ip;

	assert_int_equal(dns_names_add(t, "VM1", IP4(10, 0, 0, 5), false), 0);
	assert_int_equal(dns_names_lookup(t, "vm1", &ip), 0);
	assert_int_equal(ip, IP4(10, 0, 0, 5));
	assert_string_equal(dns_names_reverse(t, IP4(10, 0, 0, 5)), "vm1");
	/* one name per address: the new one replaces it */
	assert_int_equal(dns_names_add(t, "vm2", IP4(10, 0, 0, 5), false), 0);
	assert_int_equal(dns_names_lookup(t, "vm1", &ip), -ENOENT);
	/* one address per name: the newer address wins */
	assert_int_equal(dns_names_add(t, "vm2", IP4(10, 0, 0, 6), false), 0);
	assert_null(dns_names_reverse(t, IP4(10, 0, 0, 5)));
	/* fixed names are not taken by dynamic ones, nor deleted */
	assert_int_equal(dns_names_add(t, "db", IP4(10, 0, 0, 50), true), 0);
	assert_int_equal(dns_names_add(t, "db", IP4(10, 0, 0, 7), false),
			 -EEXIST);
	assert_int_equal(dns_names_add(t, "x", IP4(10, 0, 0, 50), false),
			 -EEXIST);
	assert_int_equal(dns_names_add(t, "db", IP4(10, 0, 0, 50), false), 0);
	dns_names_del(t, IP4(10, 0, 0, 50));
	assert_int_equal(dns_names_lookup(t, "db", &ip), 0);
	dns_names_del(t, IP4(10, 0, 0, 6));
	assert_int_equal(dns_names_lookup(t, "vm2", &ip), -ENOENT);
	/* bad labels, a full table */
	assert_int_equal(dns_names_add(t, "a b", 1, false), -EINVAL);
	assert_int_equal(dns_names_add(t, "-a", 1, false), -EINVAL);
	assert_int_equal(dns_names_add(t, "", 1, false), -EINVAL);
	assert_int_equal(dns_names_add(t, "a", 1, false), 0);
	assert_int_equal(dns_names_add(t, "b", 2, false), 0);
	assert_int_equal(dns_names_add(t, "c", 3, false), 0);
	assert_int_equal(dns_names_add(t, "d", 4, false), -ENOSPC);
	dns_stats_get(t, &st);
	assert_int_equal(st.names, 4);
	dns_names_destroy(t);

	assert_int_equal(dns_names_create("bad..domain", 0, 0, 4, 0, &t),
			 -EINVAL);
	assert_int_equal(dns_names_create("ok", 0, 33, 4, 0, &t), -EINVAL);
	assert_int_equal(dns_names_create("ok", 0, 0, 0, 0, &t), -EINVAL);
}

/* A query for @name (dotted) with @qtype. */
static size_t query(uint8_t *q, const char *name, uint16_t qtype)
{
	size_t o = 12;

	memset(q, 0, 12);
	pkt_put_be16(q, 0xbeef);
	pkt_put_be16(q + 2, 0x0100); /* RD */
	pkt_put_be16(q + 4, 1);
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		q[o++] = (uint8_t)l;
		memcpy(q + o, name, l);
		o += l;
		name += l + (dot ? 1 : 0);
	}
	q[o++] = 0;
	pkt_put_be16(q + o, qtype);
	pkt_put_be16(q + o + 2, 1);
	return o + 4;
}

struct ans_case {
	const char *name;
	uint16_t qtype;
	enum dns_action act;
	uint8_t rcode;
	uint16_t ancount;
	uint32_t a;	 /* A answer, or 0 */
	const char *ptr; /* PTR answer in wire form, or NULL */
};

static const struct ans_case ans_cases[] = {
    {"vm1.lab.vnet", 1, DNS_ACT_REPLY, 0, 1, IP4(10, 0, 0, 5), NULL},
    {"VM1.Lab.VNET", 1, DNS_ACT_REPLY, 0, 1, IP4(10, 0, 0, 5), NULL},
    {"vm1.lab.vnet", 255, DNS_ACT_REPLY, 0, 1, IP4(10, 0, 0, 5), NULL},
    {"vm1.lab.vnet", 28, DNS_ACT_REPLY, 0, 0, 0, NULL},
    {"nope.lab.vnet", 1, DNS_ACT_REPLY, 3, 0, 0, NULL},
    {"a.vm1.lab.vnet", 1, DNS_ACT_REPLY, 3, 0, 0, NULL},
    {"lab.vnet", 1, DNS_ACT_REPLY, 0, 0, 0, NULL},
    {"5.0.0.10.in-addr.arpa", 12, DNS_ACT_REPLY, 0, 1, 0, "\3vm1\3lab\4vnet"},
    {"6.0.0.10.in-addr.arpa", 12, DNS_ACT_REPLY, 3, 0, 0, NULL},
    {"5.0.0.10.in-addr.arpa", 1, DNS_ACT_REPLY, 0, 0, 0, NULL},
    {"5.0.0.11.in-addr.arpa", 12, DNS_ACT_RELAY, 0, 0, 0, NULL},
    {"0.0.10.in-addr.arpa", 12, DNS_ACT_RELAY, 0, 0, 0, NULL},
    {"x.0.0.10.in-addr.arpa", 12, DNS_ACT_RELAY, 0, 0, 0, NULL},
    {"256.0.0.10.in-addr.arpa", 12, DNS_ACT_RELAY, 0, 0, 0, NULL},
    {"example.com", 1, DNS_ACT_RELAY, 0, 0, 0, NULL},
    {"vnet", 1, DNS_ACT_RELAY, 0, 0, 0, NULL},
    {"xlab.vnet", 1, DNS_ACT_RELAY, 0, 0, 0, NULL},
    {"", 2, DNS_ACT_RELAY, 0, 0, 0, NULL},
};

static void test_answers(void **state)
{
	struct dns_names *t = mk();
	uint8_t q[512], out[DNS_REPLY_MAX];
	struct dns_result r;

	assert_int_equal(dns_names_add(t, "vm1", IP4(10, 0, 0, 5), false), 0);
	for (size_t i = 0; i < sizeof(ans_cases) / sizeof(ans_cases[0]); i++) {
		const struct ans_case *c = &ans_cases[i];
		size_t len = query(q, c->name, c->qtype);

		dns_answer(t, q, len, out, sizeof(out), &r);
		if (r.action != c->act)
			fail_msg("%s/%u: action %d, want %d", c->name, c->qtype,
				 r.action, c->act);
		if (r.action != DNS_ACT_REPLY)
			continue;
		assert_int_equal(r.rcode, c->rcode);
		assert_int_equal(pkt_get_be16(out), 0xbeef);
		/* QR, AA, RD copied, RA, rcode */
		assert_int_equal(pkt_get_be16(out + 2),
				 0x8000 | 0x0400 | 0x0100 | 0x0080 | c->rcode);
		assert_int_equal(pkt_get_be16(out + 4), 1);
		assert_int_equal(pkt_get_be16(out + 6), c->ancount);
		/* the question as asked, case kept */
		assert_memory_equal(out + 12, q + 12, len - 12);
		if (!c->ancount) {
			assert_int_equal(r.len, len);
			continue;
		}
		assert_int_equal(pkt_get_be16(out + len), 0xc00c);
		assert_int_equal(pkt_get_be16(out + len + 4), 1); /* IN */
		assert_int_equal(pkt_get_be16(out + len + 6), 0);
		assert_int_equal(pkt_get_be16(out + len + 8), 30); /* TTL */
		if (c->a) {
			assert_int_equal(pkt_get_be16(out + len + 2), 1);
			assert_int_equal(pkt_get_be16(out + len + 10), 4);
			assert_int_equal(out[len + 12], 10);
			assert_int_equal(out[len + 15], 5);
			assert_int_equal(r.len, len + 16);
		} else {
			size_t pl = strlen(c->ptr) + 1;

			assert_int_equal(pkt_get_be16(out + len + 2), 12);
			assert_int_equal(pkt_get_be16(out + len + 10), pl);
			assert_memory_equal(out + len + 12, c->ptr, pl);
			assert_int_equal(r.len, len + 12 + pl);
		}
	}
	/* opcode STATUS and class CH go upstream */
	size_t len = query(q, "vm1.lab.vnet", 1);

	q[2] |= 2 << 3;
	dns_answer(t, q, len, out, sizeof(out), &r);
	assert_int_equal(r.action, DNS_ACT_RELAY);
	len = query(q, "vm1.lab.vnet", 1);
	pkt_put_be16(q + len - 2, 3);
	dns_answer(t, q, len, out, sizeof(out), &r);
	assert_int_equal(r.action, DNS_ACT_RELAY);
	/* UPDATE (5) with prerequisite and update records, NOTIFY (4) with
	 * an answer: relayed, not dropped for their counts */
	len = query(q, "lab.vnet", 6);
	q[2] |= 5 << 3;
	pkt_put_be16(q + 6, 1);
	pkt_put_be16(q + 8, 1);
	dns_answer(t, q, len, out, sizeof(out), &r);
	assert_int_equal(r.action, DNS_ACT_RELAY);
	len = query(q, "lab.vnet", 6);
	q[2] |= 4 << 3;
	pkt_put_be16(q + 6, 1);
	dns_answer(t, q, len, out, sizeof(out), &r);
	assert_int_equal(r.action, DNS_ACT_RELAY);
	/* a NUL inside a label is no host's name: "vm1\0" is not vm1 */
	len = query(q, "vm1x.lab.vnet", 1);
	q[16] = 0;
	dns_answer(t, q, len, out, sizeof(out), &r);
	assert_int_equal(r.action, DNS_ACT_REPLY);
	assert_int_equal(r.rcode, 3);
	assert_int_equal(pkt_get_be16(out + 6), 0);
	dns_names_destroy(t);
}

struct bad_query {
	const char *what;
	const uint8_t *b;
	size_t len;
	enum dns_drop want;
};

/* header: id, flags, qd, an, ns, ar */
#define HDR(fl, qd, an, ns) \
	0xbe, 0xef, (fl) >> 8, (fl)&0xff, 0, qd, 0, an, 0, ns, 0, 0
#define BQ(what, want, ...)                                      \
	{                                                        \
		what, (const uint8_t[]){__VA_ARGS__},            \
		    sizeof((const uint8_t[]){__VA_ARGS__}), want \
	}

static const struct bad_query bad_queries[] = {
    BQ("11 bytes", DNS_DROP_SHORT, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
    BQ("a response", DNS_DROP_NOT_QUERY, HDR(0x8000, 1, 0, 0), 0, 0, 1, 0, 1),
    BQ("no question", DNS_DROP_BAD_COUNT, HDR(0, 0, 0, 0)),
    BQ("two questions", DNS_DROP_BAD_COUNT, HDR(0, 2, 0, 0), 0, 0, 1, 0, 1, 0,
       0, 1, 0, 1),
    BQ("an answer", DNS_DROP_BAD_COUNT, HDR(0, 1, 1, 0), 0, 0, 1, 0, 1),
    BQ("authority", DNS_DROP_BAD_COUNT, HDR(0, 1, 0, 1), 0, 0, 1, 0, 1),
    BQ("no name", DNS_DROP_TRUNCATED, HDR(0, 1, 0, 0)),
    BQ("label past the end", DNS_DROP_TRUNCATED, HDR(0, 1, 0, 0), 5, 'a', 'b'),
    BQ("no root label", DNS_DROP_TRUNCATED, HDR(0, 1, 0, 0), 1, 'a'),
    BQ("no type", DNS_DROP_TRUNCATED, HDR(0, 1, 0, 0), 1, 'a', 0, 0),
    BQ("no class", DNS_DROP_TRUNCATED, HDR(0, 1, 0, 0), 1, 'a', 0, 0, 1, 0),
    BQ("pointer cut", DNS_DROP_TRUNCATED, HDR(0, 1, 0, 0), 1, 'a', 0xc0),
    BQ("label type 0x40", DNS_DROP_BAD_LABEL, HDR(0, 1, 0, 0), 0x41, 0, 0, 1, 0,
       1),
    BQ("label type 0x80", DNS_DROP_BAD_LABEL, HDR(0, 1, 0, 0), 0x81, 0, 0, 1, 0,
       1),
    BQ("pointer to itself", DNS_DROP_PTR_LOOP, HDR(0, 1, 0, 0), 0xc0, 12, 0, 1,
       0, 1),
    BQ("pointer forwards", DNS_DROP_PTR_LOOP, HDR(0, 1, 0, 0), 1, 'a', 0xc0, 17,
       0, 0, 1, 0, 1),
    BQ("pointer into its own run", DNS_DROP_PTR_LOOP, HDR(0, 1, 0, 0), 1, 'a',
       0xc0, 12, 0, 1, 0, 1),
    BQ("pointer beyond the message", DNS_DROP_PTR_LOOP, HDR(0, 1, 0, 0), 0xff,
       0xff, 0, 1, 0, 1),
    /* a jump back into the header and a jump from there forward again:
     * offset 11 holds 0xc0 (arcount low byte) pointing to 12 */
    BQ("pointer loop through the header", DNS_DROP_PTR_LOOP, 0xbe, 0xef, 0, 0,
       0, 1, 0, 0, 0, 0, 0, 0xc0, 0xc0, 11, 0, 1, 0, 1),
};

static void test_malformed(void **state)
{
	struct dns_names *t = mk();
	uint8_t out[DNS_REPLY_MAX];
	struct dns_result r;
	struct dns_stats st;

	for (size_t i = 0; i < sizeof(bad_queries) / sizeof(bad_queries[0]);
	     i++) {
		const struct bad_query *b = &bad_queries[i];

		dns_answer(t, b->b, b->len, out, sizeof(out), &r);
		if (r.action != DNS_ACT_DROP || r.drop != b->want)
			fail_msg("%s: action %d drop %s, want %s", b->what,
				 r.action, dns_drop_name(r.drop),
				 dns_drop_name(b->want));
	}
	dns_stats_get(t, &st);
	assert_int_equal(st.drops[DNS_DROP_PTR_LOOP], 5);
	assert_int_equal(st.drops[DNS_DROP_BAD_COUNT], 4);
	dns_names_destroy(t);
}

/* Names longer than 255 bytes are refused; 255 exactly is fine. */
static void test_long_names(void **state)
{
	struct dns_names *t = mk();
	uint8_t q[600], out[DNS_REPLY_MAX];
	struct dns_result r;
	size_t o = 12;

	memset(q, 0, sizeof(q));
	q[5] = 1;
	/* 4 labels of 63 = 256 bytes, plus the root: 257 */
	for (int i = 0; i < 4; i++) {
		q[o++] = 63;
		memset(q + o, 'a', 63);
		o += 63;
	}
	q[o++] = 0;
	q[o + 1] = 1;
	q[o + 3] = 1;
	dns_answer(t, q, o + 4, out, sizeof(out), &r);
	assert_int_equal(r.action, DNS_ACT_DROP);
	assert_int_equal(r.drop, DNS_DROP_NAME_TOO_LONG);
	/* 3 x 63 + one of 61: 254 + root = 255 bytes */
	o = 12 + 3 * 64;
	q[o++] = 61;
	memset(q + o, 'b', 61);
	o += 61;
	q[o++] = 0;
	q[o] = 0;
	q[o + 1] = 1;
	q[o + 2] = 0;
	q[o + 3] = 1;
	dns_answer(t, q, o + 4, out, sizeof(out), &r);
	assert_int_equal(r.action, DNS_ACT_RELAY);
	dns_names_destroy(t);
}

/* A compressed name is followed: "vm1" + pointer to the header byte 10,
 * which is 0 (arcount's high byte), the root. */
static void test_compression_followed(void **state)
{
	struct dns_names *t = mk();
	static const uint8_t q[] = {
	    HDR(0, 1, 0, 0), 3, 'v', 'm', '1', 0xc0, 10, 0, 1, 0, 1};
	uint8_t out[DNS_REPLY_MAX];
	struct dns_result r;

	dns_answer(t, q, sizeof(q), out, sizeof(out), &r);
	assert_int_equal(r.action, DNS_ACT_RELAY); /* "vm1.": not ours */
	dns_names_destroy(t);
}

/* Append an OPT record (version @ver, @rdlen bytes of options, @claim as
 * its RDLEN) to query @q of @len bytes; the new length. */
static size_t add_opt(uint8_t *q, size_t len, uint8_t ver, uint16_t rdlen,
		      uint16_t claim)
{
	q[len] = 0;
	pkt_put_be16(q + len + 1, 41);
	pkt_put_be16(q + len + 3, 1232);
	q[len + 5] = 0;
	q[len + 6] = ver;
	pkt_put_be16(q + len + 7, 0x8000); /* DO */
	pkt_put_be16(q + len + 9, claim);
	memset(q + len + 11, 0, rdlen);
	pkt_put_be16(q + 10, 1);
	return len + 11 + rdlen;
}

/* RFC 6891 7: an answer of the gateway's own to a query with an OPT record
 * carries one (its UDP size, DO clear); version 1 gets BADVERS and no
 * data; an OPT whose RDLEN runs past the end, or two records, are no
 * EDNS: answered as before, without one. */
static void test_edns(void **state)
{
	struct dns_names *t = mk();
	uint8_t q[512], out[DNS_REPLY_MAX];
	struct dns_result r;
	size_t base, len, o;

	assert_int_equal(dns_names_add(t, "vm1", IP4(10, 0, 0, 5), false), 0);
	base = query(q, "vm1.lab.vnet", 1);
	len = add_opt(q, base, 0, 4, 4);
	dns_answer(t, q, len, out, sizeof(out), &r);
	assert_int_equal(r.action, DNS_ACT_REPLY);
	assert_int_equal(pkt_get_be16(out + 6), 1);  /* the A record */
	assert_int_equal(pkt_get_be16(out + 10), 1); /* and an OPT */
	o = base + 16;
	assert_int_equal(r.len, o + 11);
	assert_int_equal(out[o], 0);
	assert_int_equal(pkt_get_be16(out + o + 1), 41);
	assert_int_equal(pkt_get_be16(out + o + 3), DNS_REPLY_MAX);
	assert_int_equal(pkt_get_be16(out + o + 5), 0); /* no BADVERS, v0 */
	assert_int_equal(pkt_get_be16(out + o + 7), 0); /* DO clear */
	assert_int_equal(pkt_get_be16(out + o + 9), 0);
	/* NXDOMAIN too */
	base = query(q, "nope.lab.vnet", 1);
	len = add_opt(q, base, 0, 0, 0);
	dns_answer(t, q, len, out, sizeof(out), &r);
	assert_int_equal(r.rcode, 3);
	assert_int_equal(pkt_get_be16(out + 10), 1);
	assert_int_equal(r.len, base + 11);
	/* version 1: BADVERS (extended RCODE 1 << 4), no data */
	base = query(q, "vm1.lab.vnet", 1);
	len = add_opt(q, base, 1, 0, 0);
	dns_answer(t, q, len, out, sizeof(out), &r);
	assert_int_equal(r.action, DNS_ACT_REPLY);
	assert_int_equal(pkt_get_be16(out + 6), 0);
	assert_int_equal(r.len, base + 11);
	assert_int_equal(out[base + 5], 1);
	/* RDLEN past the end: no OPT in the answer */
	len = add_opt(q, base, 0, 0, 9);
	dns_answer(t, q, len, out, sizeof(out), &r);
	assert_int_equal(r.action, DNS_ACT_REPLY);
	assert_int_equal(pkt_get_be16(out + 10), 0);
	assert_int_equal(r.len, base + 16);
	/* two additional records: no EDNS either */
	len = add_opt(q, base, 0, 0, 0);
	pkt_put_be16(q + 10, 2);
	dns_answer(t, q, len, out, sizeof(out), &r);
	assert_int_equal(pkt_get_be16(out + 10), 0);
	dns_names_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_answers),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_long_names),
	    cmocka_unit_test(test_compression_followed),
	    cmocka_unit_test(test_edns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
