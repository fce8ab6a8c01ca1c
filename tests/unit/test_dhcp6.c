// SPDX-License-Identifier: GPL-2.0-or-later
/* test_dhcp6.c - the DHCPv6 server engine: each message type, the RFC 8415
 * 16 identifier rules, malformed and hostile messages (table-driven),
 * rapid commit, NoBinding, release, decline hold-back, the per-port share
 * (default, REBIND, ports that left), DUIDs copied by another port, a full
 * table, a small range, expiry, addresses stable across engines with one
 * key, reserved interface identifiers, replies bounded before anything
 * changes, the FQDN's bounds, and messages captured from real clients (ISC
 * dhclient -6, dhcpcd) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../dhcp/dhcp6_priv.h"
#include "../../lib/pkt.h"

#define T0    1000000
#define PREF  1000
#define VALID 2000

static const uint8_t prefix[16] = {0xfd, 0x00, 0x0a, 0xbc, 0, 0, 0, 1};
static const uint8_t gw_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t ll_src[16] = {0xfe, 0x80, [8] = 0x50, [15] = 0x02};
static const uint8_t all_srv[16] = {0xff, 0x02, [13] = 1, [15] = 2};

/* ---- building messages ---- */

struct m6 {
	uint8_t b[4096];
	size_t len;
};

static void m6_init(struct m6 *m, uint8_t type)
{
	m->b[0] = type;
	m->b[1] = 0x12;
	m->b[2] = 0x34;
	m->b[3] = 0x56;
	m->len = 4;
}

static size_t m6_open(struct m6 *m, uint16_t code)
{
	size_t at = m->len;

	pkt_put_be16(m->b + at, code);
	pkt_put_be16(m->b + at + 2, 0);
	m->len += 4;
	return at;
}

static void m6_close(struct m6 *m, size_t at)
{
	pkt_put_be16(m->b + at + 2, (uint16_t)(m->len - at - 4));
}

static void m6_put(struct m6 *m, const void *d, size_t n)
{
	if (n) /* @d may be NULL then */
		memcpy(m->b + m->len, d, n);
	m->len += n;
}

static void m6_be32(struct m6 *m, uint32_t v)
{
	uint8_t b[4] = {v >> 24, v >> 16, v >> 8, v};

	m6_put(m, b, 4);
}

static void m6_opt(struct m6 *m, uint16_t code, const void *d, size_t n)
{
	size_t at = m6_open(m, code);

	m6_put(m, d, n);
	m6_close(m, at);
}

/* Client @id's DUID-LL. */
static void m6_cid(struct m6 *m, uint8_t id)
{
	uint8_t duid[10] = {0, 3, 0, 1, 0x52, 0x54, 0, 0, 0, id};

	m6_opt(m, DHCP6_OPT_CLIENTID, duid, sizeof(duid));
}

/* An IA_NA with @naddr addresses of @addrs (16 bytes each). */
static void m6_ia(struct m6 *m, uint16_t type, uint32_t iaid,
		  const uint8_t *addrs, unsigned naddr)
{
	size_t at = m6_open(m, type);

	m6_be32(m, iaid);
	if (type != DHCP6_OPT_IA_TA) {
		m6_be32(m, 0);
		m6_be32(m, 0);
	}
	for (unsigned i = 0; i < naddr; i++) {
		size_t a = m6_open(m, DHCP6_OPT_IAADDR);

		m6_put(m, addrs + 16 * i, 16);
		m6_be32(m, 0);
		m6_be32(m, 0);
		m6_close(m, a);
	}
	m6_close(m, at);
}

static void m6_oro(struct m6 *m)
{
	static const uint8_t oro[] = {0, 23, 0, 24, 0, 39};

	m6_opt(m, DHCP6_OPT_ORO, oro, sizeof(oro));
}

/* ---- the server under test ---- */

struct env {
	struct dhcp6s *s;
	struct dhcp6s_config cfg;
	struct dhcp6s_reply out;
	struct dhcp6_msg rep; /* the last reply, parsed */
	uint8_t sduid[10];
	int64_t now;
	uint16_t in_port;
	bool trusted;
	bool unicast;
	uint8_t src[16];
};

static void cfg_default(struct env *e)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->cfg.prefix, prefix, 16);
	memcpy(e->cfg.gateway, prefix, 8);
	e->cfg.gateway[15] = 1;
	memcpy(e->cfg.server_mac, gw_mac, 6);
	memcpy(e->cfg.dns[0], e->cfg.gateway, 16);
	e->cfg.ndns = 1;
	strcpy(e->cfg.search, "lab.vnet, example.org");
	e->cfg.preferred = PREF;
	e->cfg.valid = VALID;
	e->cfg.preference = 255;
	e->cfg.stateful = true;
	e->cfg.max_bindings = 64;
	memcpy(e->cfg.key, "0123456789abcdef", 16);
	e->now = T0;
	memcpy(e->src, ll_src, 16);
}

static void start(struct env *e)
{
	char err[160];

	if (dhcp6s_new(&e->cfg, &e->s, err, sizeof(err)))
		fail_msg("new: %s", err);
	assert_int_equal(dhcp6s_server_duid(e->s, e->sduid, sizeof(e->sduid)),
			 10);
}

static void setup(struct env *e)
{
	cfg_default(e);
	start(e);
}

static void teardown(struct env *e)
{
	assert_true(dhcp6s_counts_ok(e->s));
	dhcp6s_free(e->s);
}

static void m6_sid(struct m6 *m, const struct env *e)
{
	m6_opt(m, DHCP6_OPT_SERVERID, e->sduid, sizeof(e->sduid));
}

/* Hand @len bytes at @b to the server; parse its reply into e->rep. */
static enum dhcp6s_drop run_raw(struct env *e, const uint8_t *b, size_t len)
{
	struct dhcp6s_rx rx = {.data = b,
			       .len = len,
			       .src_port = DHCP6_CLIENT_PORT,
			       .in_port = e->in_port,
			       .trusted = e->trusted,
			       .now = e->now};
	enum dhcp6s_drop d;

	memcpy(rx.src, e->src, 16);
	memcpy(rx.dst, all_srv, 16);
	if (e->unicast)
		memcpy(rx.dst, e->cfg.gateway, 16);
	memset(&e->out, 0xa5, sizeof(e->out));
	d = dhcp6s_handle(e->s, &rx, &e->out);
	assert_true(dhcp6s_counts_ok(e->s));
	if (d != DHCP6S_DROP_NONE) {
		assert_int_equal(e->out.len, 0);
		return d;
	}
	assert_true(e->out.len >= 4 && e->out.len <= DHCP6S_REPLY_MAX);
	assert_memory_equal(e->out.dst, e->src, 16);
	assert_int_equal(e->out.dst_port, DHCP6_CLIENT_PORT);
	assert_int_equal(e->out.type, e->out.data[0]);
	assert_memory_equal(e->out.data + 1, b + 1, 3); /* transaction id */
	assert_int_equal(dhcp6_msg_parse(e->out.data, e->out.len, &e->rep),
			 DHCP6S_DROP_NONE);
	assert_non_null(e->rep.sid);
	assert_int_equal(e->rep.sid_len, 10);
	assert_memory_equal(e->rep.sid, e->sduid, 10);
	return d;
}

static enum dhcp6s_drop run(struct env *e, const struct m6 *m)
{
	return run_raw(e, m->b, m->len);
}

/* The top-level option @code of the last reply, NULL if absent. */
static const uint8_t *rep_opt(const struct env *e, uint16_t code, size_t *n)
{
	struct pkt_cursor c;
	uint16_t oc, ol;

	pkt_cursor_init(&c, e->out.data + 4, e->out.len - 4);
	while (pkt_pull_be16(&c, &oc) && pkt_pull_be16(&c, &ol)) {
		const uint8_t *v = pkt_pull(&c, ol);

		assert_non_null(v);
		if (oc == code) {
			*n = ol;
			return v;
		}
	}
	return NULL;
}

static bool rep_has(const struct env *e, uint16_t code)
{
	size_t n;

	return rep_opt(e, code, &n) != NULL;
}

static unsigned nbound(const struct env *e)
{
	struct dhcp6s_stats st;

	dhcp6s_stats_get(e->s, &st);
	return (unsigned)st.bindings;
}

static uint64_t drops(const struct env *e, enum dhcp6s_drop d)
{
	struct dhcp6s_stats st;

	dhcp6s_stats_get(e->s, &st);
	return st.drops[d];
}

static void solicit(struct m6 *m, uint8_t id, uint32_t iaid)
{
	m6_init(m, DHCP6_SOLICIT);
	m6_cid(m, id);
	m6_opt(m, DHCP6_OPT_ELAPSED_TIME, "\0\0", 2);
	m6_ia(m, DHCP6_OPT_IA_NA, iaid, NULL, 0);
	m6_oro(m);
}

static void request(struct m6 *m, const struct env *e, uint8_t type, uint8_t id,
		    uint32_t iaid, const uint8_t *addr)
{
	m6_init(m, type);
	m6_cid(m, id);
	if (type != DHCP6_REBIND)
		m6_sid(m, e);
	m6_ia(m, DHCP6_OPT_IA_NA, iaid, addr, addr ? 1 : 0);
	m6_oro(m);
}

/* SOLICIT then REQUEST: the address bound to client @id's IA @iaid. */
static void lease(struct env *e, uint8_t id, uint32_t iaid, uint8_t *addr)
{
	struct m6 m;

	solicit(&m, id, iaid);
	assert_int_equal(run(e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e->out.type, DHCP6_ADVERTISE);
	assert_int_equal(e->rep.nia, 1);
	assert_int_equal(e->rep.ia[0].naddr, 1);
	memcpy(addr, e->rep.ia[0].addr[0], 16);
	request(&m, e, DHCP6_REQUEST, id, iaid, addr);
	assert_int_equal(run(e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e->out.type, DHCP6_REPLY);
	assert_int_equal(e->rep.ia[0].naddr, 1);
	assert_memory_equal(e->rep.ia[0].addr[0], addr, 16);
	assert_int_equal(e->rep.ia[0].valid[0], VALID);
}

struct walked {
	unsigned n;
	struct dhcp6s_binding b[8];
};

static void walk_cb(const struct dhcp6s_binding *b, void *arg)
{
	struct walked *w = arg;

	if (w->n < 8)
		w->b[w->n] = *b;
	w->n++;
}

static void walk(const struct env *e, struct walked *w)
{
	memset(w, 0, sizeof(*w));
	dhcp6s_walk(e->s, walk_cb, w);
}

/* ---- the message types ---- */

static void test_solicit_request(void **state)
{
	static const uint8_t search[] = "\3lab\4vnet\0\7example\3org\0";
	static const uint8_t fqdn[] = "\1\5web-1\3lab\4vnet\0";
	struct env e;
	struct m6 m;
	struct walked w;
	uint8_t addr[16];
	const uint8_t *v;
	size_t n;

	setup(&e);
	solicit(&m, 1, 7);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.out.type, DHCP6_ADVERTISE);
	/* DUID-LL of the gateway's MAC; the client's id echoed */
	assert_memory_equal(e.sduid, "\0\3\0\1\2\0\0\0\0\1", 10);
	assert_int_equal(e.rep.cid_len, 10);
	assert_memory_equal(e.rep.cid, m.b + 8, 10);
	assert_int_equal(e.rep.nia, 1);
	assert_int_equal(e.rep.ia[0].iaid, 7);
	assert_int_equal(e.rep.ia[0].t1, PREF / 2);
	assert_int_equal(e.rep.ia[0].t2, PREF * 4 / 5);
	assert_int_equal(e.rep.ia[0].naddr, 1);
	assert_int_equal(e.rep.ia[0].pref[0], PREF);
	assert_int_equal(e.rep.ia[0].valid[0], VALID);
	memcpy(addr, e.rep.ia[0].addr[0], 16);
	assert_memory_equal(addr, prefix, 8);
	v = rep_opt(&e, DHCP6_OPT_DNS_SERVERS, &n);
	assert_non_null(v);
	assert_int_equal(n, 16);
	assert_memory_equal(v, e.cfg.gateway, 16);
	v = rep_opt(&e, DHCP6_OPT_DOMAIN_LIST, &n);
	assert_non_null(v);
	assert_int_equal(n, sizeof(search) - 1);
	assert_memory_equal(v, search, n);
	assert_false(rep_has(&e, DHCP6_OPT_INFO_REFRESH_TIME));
	assert_false(rep_has(&e, DHCP6_OPT_RAPID_COMMIT));
	v = rep_opt(&e, DHCP6_OPT_PREFERENCE, &n);
	assert_non_null(v);
	assert_int_equal(n, 1);
	assert_int_equal(v[0], 255);
	/* an ADVERTISE binds nothing */
	assert_int_equal(nbound(&e), 0);

	request(&m, &e, DHCP6_REQUEST, 1, 7, addr);
	m6_opt(&m, DHCP6_OPT_CLIENT_FQDN, fqdn, sizeof(fqdn) - 1);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.out.type, DHCP6_REPLY);
	assert_int_equal(e.rep.ia[0].naddr, 1);
	assert_memory_equal(e.rep.ia[0].addr[0], addr, 16);
	assert_int_equal(e.rep.ia[0].valid[0], VALID);
	/* FQDN back: N set (no DNS update), O set (the client's S
	 * overridden), the name echoed */
	v = rep_opt(&e, DHCP6_OPT_CLIENT_FQDN, &n);
	assert_non_null(v);
	assert_int_equal(v[0], 0x06);
	assert_memory_equal(v + 1, fqdn + 1, sizeof(fqdn) - 2);
	assert_int_equal(nbound(&e), 1);
	walk(&e, &w);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.b[0].state, DHCP6S_BOUND);
	assert_string_equal(w.b[0].duid_hex, "00030001525400000001");
	assert_int_equal(w.b[0].iaid, 7);
	assert_memory_equal(w.b[0].addr, addr, 16);
	assert_int_equal(w.b[0].expires, T0 + VALID);
	assert_int_equal(w.b[0].port, 1);
	assert_string_equal(w.b[0].hostname, "web-1");

	/* another IAID of the same client: another address */
	solicit(&m, 1, 8);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_memory_not_equal(e.rep.ia[0].addr[0], addr, 16);
	teardown(&e);
}

static void test_rapid_commit(void **state)
{
	struct env e;
	struct m6 m;
	struct walked w;

	setup(&e);
	solicit(&m, 2, 1);
	m6_opt(&m, DHCP6_OPT_RAPID_COMMIT, NULL, 0);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.out.type, DHCP6_REPLY);
	assert_true(rep_has(&e, DHCP6_OPT_RAPID_COMMIT));
	assert_false(rep_has(&e, DHCP6_OPT_PREFERENCE));
	assert_int_equal(e.rep.ia[0].naddr, 1);
	assert_int_equal(nbound(&e), 1);
	walk(&e, &w);
	assert_memory_equal(w.b[0].addr, e.rep.ia[0].addr[0], 16);
	teardown(&e);
}

static void test_confirm(void **state)
{
	struct env e;
	struct m6 m;
	uint8_t addrs[32];

	setup(&e);
	memcpy(addrs, prefix, 8);
	addrs[15] = 9;
	m6_init(&m, DHCP6_CONFIRM);
	m6_cid(&m, 3);
	m6_ia(&m, DHCP6_OPT_IA_NA, 1, addrs, 1);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.out.type, DHCP6_REPLY);
	assert_int_equal(e.rep.status, DHCP6_ST_SUCCESS);

	memcpy(addrs + 16, prefix, 16);
	addrs[16 + 7] ^= 1; /* another /64 */
	m6_init(&m, DHCP6_CONFIRM);
	m6_cid(&m, 3);
	m6_ia(&m, DHCP6_OPT_IA_NA, 1, addrs, 2);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.status, DHCP6_ST_NOT_ON_LINK);

	m6_init(&m, DHCP6_CONFIRM);
	m6_cid(&m, 3);
	m6_ia(&m, DHCP6_OPT_IA_NA, 1, NULL, 0);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_CONFIRM_EMPTY);
	assert_int_equal(nbound(&e), 0);
	teardown(&e);
}

/* CONFIRM and REBIND with more addresses than are kept get no answer
 * rather than a judgement of only some of them. */
static void test_confirm_many(void **state)
{
	struct env e;
	struct m6 m;
	uint8_t addrs[5][16];

	setup(&e);
	for (int i = 0; i < 5; i++) {
		memcpy(addrs[i], prefix, 8);
		addrs[i][15] = (uint8_t)(10 + i);
	}
	addrs[4][0] = 0x20; /* off the link */
	for (uint8_t t = DHCP6_CONFIRM; t <= DHCP6_REBIND; t += 2) {
		m6_init(&m, t);
		m6_cid(&m, 82);
		m6_ia(&m, DHCP6_OPT_IA_NA, 1, addrs[0], 5);
		assert_int_equal(run(&e, &m), DHCP6S_DROP_TOO_MANY_ADDRS);
		m6_init(&m, t);
		m6_cid(&m, 82);
		for (uint32_t i = 0; i < 4; i++)
			m6_ia(&m, DHCP6_OPT_IA_NA, i, addrs[i], 1);
		m6_ia(&m, DHCP6_OPT_IA_NA, 9, addrs[4], 1);
		assert_int_equal(run(&e, &m), DHCP6S_DROP_TOO_MANY_ADDRS);
	}
	/* four of four, one off the link: judged */
	m6_init(&m, DHCP6_CONFIRM);
	m6_cid(&m, 82);
	m6_ia(&m, DHCP6_OPT_IA_NA, 1, addrs[1], 4);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.status, DHCP6_ST_NOT_ON_LINK);
	assert_int_equal(nbound(&e), 0);
	teardown(&e);
}

static void test_renew_rebind(void **state)
{
	struct env e;
	struct m6 m;
	struct walked w;
	uint8_t addr[16], other[32];

	setup(&e);
	lease(&e, 4, 1, addr);
	e.now += 100;
	request(&m, &e, DHCP6_RENEW, 4, 1, addr);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, -1);
	assert_memory_equal(e.rep.ia[0].addr[0], addr, 16);
	walk(&e, &w);
	assert_int_equal(w.b[0].expires, T0 + 100 + VALID);

	/* a RENEW listing an address not its own: lifetimes 0 for it */
	memcpy(other, addr, 16);
	other[15] ^= 1;
	m6_init(&m, DHCP6_RENEW);
	m6_cid(&m, 4);
	m6_sid(&m, &e);
	m6_ia(&m, DHCP6_OPT_IA_NA, 1, other, 1);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].naddr, 2);
	assert_memory_equal(e.rep.ia[0].addr[0], addr, 16);
	assert_memory_equal(e.rep.ia[0].addr[1], other, 16);
	assert_int_equal(e.rep.ia[0].valid[1], 0);

	/* RENEW of an unknown IA: NoBinding, nothing created */
	request(&m, &e, DHCP6_RENEW, 4, 2, addr);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, DHCP6_ST_NO_BINDING);
	assert_int_equal(e.rep.ia[0].naddr, 0);
	assert_int_equal(nbound(&e), 1);

	/* REBIND of a known IA: extended */
	request(&m, &e, DHCP6_REBIND, 4, 1, addr);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_memory_equal(e.rep.ia[0].addr[0], addr, 16);
	assert_int_equal(e.rep.ia[0].valid[0], VALID);

	/* REBIND with an address off the link: lifetimes 0 */
	memcpy(other, prefix, 16);
	other[0] = 0x20;
	request(&m, &e, DHCP6_REBIND, 4, 3, other);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].naddr, 1);
	assert_int_equal(e.rep.ia[0].valid[0], 0);
	assert_int_equal(e.rep.ia[0].pref[0], 0);
	assert_int_equal(nbound(&e), 1);
	teardown(&e);
}

/* A server restart: the new engine (same key) knows no binding.  RENEW
 * gets NoBinding; REBIND of the address the hash gives back recreates it;
 * REBIND of another address of the link gets NoBinding. */
static void test_restart_rebind(void **state)
{
	struct env e;
	struct m6 m;
	uint8_t addr[16], wrong[16];

	setup(&e);
	lease(&e, 5, 1, addr);
	dhcp6s_free(e.s);
	start(&e);
	request(&m, &e, DHCP6_RENEW, 5, 1, addr);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, DHCP6_ST_NO_BINDING);
	assert_int_equal(nbound(&e), 0);

	memcpy(wrong, addr, 16);
	wrong[15] ^= 0x10;
	request(&m, &e, DHCP6_REBIND, 5, 1, wrong);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, DHCP6_ST_NO_BINDING);
	assert_int_equal(nbound(&e), 0);

	request(&m, &e, DHCP6_REBIND, 5, 1, addr);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, -1);
	assert_memory_equal(e.rep.ia[0].addr[0], addr, 16);
	assert_int_equal(nbound(&e), 1);
	teardown(&e);
}

static void test_release(void **state)
{
	struct env e;
	struct m6 m;
	struct dhcp6s_stats st;
	uint8_t addr[16], other[16];

	setup(&e);
	lease(&e, 6, 1, addr);
	request(&m, &e, DHCP6_RELEASE, 6, 1, addr);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.out.type, DHCP6_REPLY);
	assert_int_equal(e.rep.status, DHCP6_ST_SUCCESS);
	assert_int_equal(e.rep.nia, 0);
	assert_int_equal(nbound(&e), 0);
	dhcp6s_stats_get(e.s, &st);
	assert_int_equal(st.released, 1);
	/* again: that IA has no binding now */
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.status, DHCP6_ST_SUCCESS);
	assert_int_equal(e.rep.nia, 1);
	assert_int_equal(e.rep.ia[0].status, DHCP6_ST_NO_BINDING);
	/* another client cannot release a binding: it is not its */
	lease(&e, 6, 1, addr);
	/* nor can its client name another address */
	memcpy(other, addr, 16);
	other[15] ^= 1;
	request(&m, &e, DHCP6_RELEASE, 6, 1, other);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, DHCP6_ST_NO_BINDING);
	assert_int_equal(nbound(&e), 1);
	request(&m, &e, DHCP6_RELEASE, 7, 1, addr);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, DHCP6_ST_NO_BINDING);
	assert_int_equal(nbound(&e), 1);
	teardown(&e);
}

static void test_decline_hold(void **state)
{
	struct env e;
	struct m6 m;
	struct walked w;
	uint8_t addr[16], addr2[16];

	setup(&e);
	e.cfg.decline_hold = 300;
	dhcp6s_free(e.s);
	start(&e);
	lease(&e, 8, 1, addr);
	request(&m, &e, DHCP6_DECLINE, 8, 1, addr);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.status, DHCP6_ST_SUCCESS);
	assert_int_equal(nbound(&e), 0);
	walk(&e, &w);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.b[0].state, DHCP6S_DECLINED);
	assert_string_equal(w.b[0].duid_hex, "");
	assert_memory_equal(w.b[0].addr, addr, 16);
	assert_int_equal(w.b[0].expires, T0 + 300);
	assert_int_equal(w.b[0].port, 1); /* still the port's */
	/* the same client now gets another address */
	lease(&e, 8, 1, addr2);
	assert_memory_not_equal(addr, addr2, 16);
	/* after the hold, the declined address is free again */
	assert_int_equal(dhcp6s_expire(e.s, T0 + 299), T0 + 300);
	walk(&e, &w);
	assert_int_equal(w.n, 2);
	dhcp6s_expire(e.s, T0 + 300);
	walk(&e, &w);
	assert_int_equal(w.n, 1);
	assert_memory_equal(w.b[0].addr, addr2, 16);
	teardown(&e);
}

static void test_info_request(void **state)
{
	struct env e;
	struct m6 m;
	const uint8_t *v;
	size_t n;

	setup(&e);
	/* no client id: allowed for INFORMATION-REQUEST */
	m6_init(&m, DHCP6_INFORMATION_REQUEST);
	m6_oro(&m);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.out.type, DHCP6_REPLY);
	assert_null(e.rep.cid);
	v = rep_opt(&e, DHCP6_OPT_INFO_REFRESH_TIME, &n);
	assert_non_null(v);
	assert_int_equal(n, 4);
	assert_int_equal(dhcp6_get_be32(v), 86400);
	assert_true(rep_has(&e, DHCP6_OPT_DNS_SERVERS));
	assert_true(rep_has(&e, DHCP6_OPT_DOMAIN_LIST));
	/* without asking for them (no ORO): neither */
	m6_init(&m, DHCP6_INFORMATION_REQUEST);
	m6_cid(&m, 9);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_false(rep_has(&e, DHCP6_OPT_DNS_SERVERS));
	assert_non_null(e.rep.cid);
	/* its server id, when present, must be ours */
	m6_sid(&m, &e);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	/* an IA in it: discarded (RFC 8415 16.12) */
	m6_ia(&m, DHCP6_OPT_IA_NA, 1, NULL, 0);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_IA_IN_INFO);
	teardown(&e);
}

static void test_stateless(void **state)
{
	struct env e;
	struct m6 m;

	cfg_default(&e);
	e.cfg.stateful = false;
	start(&e);
	solicit(&m, 1, 1);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_STATELESS);
	request(&m, &e, DHCP6_REQUEST, 1, 1, NULL);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_STATELESS);
	m6_init(&m, DHCP6_INFORMATION_REQUEST);
	m6_oro(&m);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_true(rep_has(&e, DHCP6_OPT_DNS_SERVERS));
	assert_int_equal(drops(&e, DHCP6S_DROP_STATELESS), 2);
	teardown(&e);
}

static void test_unicast(void **state)
{
	struct env e;
	struct m6 m;
	uint8_t addr[16];

	setup(&e);
	lease(&e, 10, 1, addr);
	e.unicast = true;
	request(&m, &e, DHCP6_RENEW, 10, 1, addr);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.status, DHCP6_ST_USE_MULTICAST);
	assert_int_equal(e.rep.nia, 0);
	solicit(&m, 11, 1);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_UNICAST);
	teardown(&e);
}

/* ---- malformed and hostile messages ---- */

struct bad_case {
	const char *name;
	void (*build)(struct m6 *m, const struct env *e);
	enum dhcp6s_drop want;
};

static void b_short(struct m6 *m, const struct env *e)
{
	m6_init(m, DHCP6_SOLICIT);
	m->len = 3;
}

static void b_opt_past_end(struct m6 *m, const struct env *e)
{
	solicit(m, 1, 1);
	pkt_put_be16(m->b + m->len - 8, 7); /* ORO says 7, 6 follow */
}

static void b_opt_header_cut(struct m6 *m, const struct env *e)
{
	solicit(m, 1, 1);
	m6_put(m, "\0\x08\0", 3);
}

static void b_nested_overflow(struct m6 *m, const struct env *e)
{
	size_t at;

	m6_init(m, DHCP6_SOLICIT);
	m6_cid(m, 1);
	at = m6_open(m, DHCP6_OPT_IA_NA);
	m6_be32(m, 1);
	m6_be32(m, 0);
	m6_be32(m, 0);
	/* an IAADDR claiming 24 bytes with 10 left in the IA */
	m6_put(m, "\0\x05\0\x18", 4);
	m6_put(m, "0123456789", 10);
	m6_close(m, at);
	m6_put(m, "\0\x06\0\x0a\0\x17\0\x18\0\x27\0\x20\0\x08", 14);
}

static void b_nested2_overflow(struct m6 *m, const struct env *e)
{
	size_t at, a;

	m6_init(m, DHCP6_SOLICIT);
	m6_cid(m, 1);
	at = m6_open(m, DHCP6_OPT_IA_NA);
	m6_be32(m, 1);
	m6_be32(m, 0);
	m6_be32(m, 0);
	a = m6_open(m, DHCP6_OPT_IAADDR);
	m6_put(m, prefix, 16);
	m6_be32(m, 0);
	m6_be32(m, 0);
	m6_put(m, "\0\x0d\0\x40\0\0", 6); /* status: 64 bytes, 2 there */
	m6_close(m, a);
	m6_close(m, at);
}

static void b_iaaddr_short(struct m6 *m, const struct env *e)
{
	size_t at;

	m6_init(m, DHCP6_SOLICIT);
	m6_cid(m, 1);
	at = m6_open(m, DHCP6_OPT_IA_NA);
	m6_put(m, "\0\0\0\1\0\0\0\0\0\0\0\0", 12);
	m6_opt(m, DHCP6_OPT_IAADDR, prefix, 16);
	m6_close(m, at);
}

static void b_ia_short(struct m6 *m, const struct env *e)
{
	m6_init(m, DHCP6_SOLICIT);
	m6_cid(m, 1);
	m6_opt(m, DHCP6_OPT_IA_NA, "\0\0\0\1\0\0\0\0", 8);
}

static void b_dup_cid(struct m6 *m, const struct env *e)
{
	solicit(m, 1, 1);
	m6_cid(m, 2);
}

static void b_dup_sid(struct m6 *m, const struct env *e)
{
	request(m, e, DHCP6_REQUEST, 1, 1, NULL);
	m6_sid(m, e);
}

static void b_elapsed_len(struct m6 *m, const struct env *e)
{
	m6_init(m, DHCP6_SOLICIT);
	m6_cid(m, 1);
	m6_opt(m, DHCP6_OPT_ELAPSED_TIME, "\0\0\0", 3);
}

static void b_rapid_len(struct m6 *m, const struct env *e)
{
	solicit(m, 1, 1);
	m6_opt(m, DHCP6_OPT_RAPID_COMMIT, "x", 1);
}

static void b_cid_short(struct m6 *m, const struct env *e)
{
	m6_init(m, DHCP6_SOLICIT);
	m6_opt(m, DHCP6_OPT_CLIENTID, "\0", 1);
}

static void b_cid_long(struct m6 *m, const struct env *e)
{
	static uint8_t duid[DHCP6S_DUID_MAX + 1];

	m6_init(m, DHCP6_SOLICIT);
	m6_opt(m, DHCP6_OPT_CLIENTID, duid, sizeof(duid));
}

static void b_oro_odd(struct m6 *m, const struct env *e)
{
	m6_init(m, DHCP6_SOLICIT);
	m6_cid(m, 1);
	m6_opt(m, DHCP6_OPT_ORO, "\0\x17\0", 3);
}

static void b_no_cid(struct m6 *m, const struct env *e)
{
	m6_init(m, DHCP6_SOLICIT);
	m6_ia(m, DHCP6_OPT_IA_NA, 1, NULL, 0);
}

static void b_request_no_cid(struct m6 *m, const struct env *e)
{
	m6_init(m, DHCP6_REQUEST);
	m6_sid(m, e);
	m6_ia(m, DHCP6_OPT_IA_NA, 1, NULL, 0);
}

static void b_solicit_sid(struct m6 *m, const struct env *e)
{
	solicit(m, 1, 1);
	m6_sid(m, e);
}

static void b_rebind_sid(struct m6 *m, const struct env *e)
{
	request(m, e, DHCP6_REBIND, 1, 1, NULL);
	m6_sid(m, e);
}

static void b_request_no_sid(struct m6 *m, const struct env *e)
{
	m6_init(m, DHCP6_REQUEST);
	m6_cid(m, 1);
	m6_ia(m, DHCP6_OPT_IA_NA, 1, NULL, 0);
}

static void b_release_no_sid(struct m6 *m, const struct env *e)
{
	m6_init(m, DHCP6_RELEASE);
	m6_cid(m, 1);
	m6_ia(m, DHCP6_OPT_IA_NA, 1, NULL, 0);
}

static void b_wrong_server(struct m6 *m, const struct env *e)
{
	uint8_t sid[10];

	memcpy(sid, e->sduid, 10);
	sid[9] ^= 1;
	m6_init(m, DHCP6_REQUEST);
	m6_cid(m, 1);
	m6_opt(m, DHCP6_OPT_SERVERID, sid, 10);
	m6_ia(m, DHCP6_OPT_IA_NA, 1, NULL, 0);
}

static void b_wrong_server_len(struct m6 *m, const struct env *e)
{
	m6_init(m, DHCP6_RENEW);
	m6_cid(m, 1);
	m6_opt(m, DHCP6_OPT_SERVERID, e->sduid, 9);
}

static void b_relay(struct m6 *m, const struct env *e)
{
	m6_init(m, DHCP6_RELAY_FORW);
	m6_put(m, ll_src, 16);
	m6_put(m, ll_src, 16);
}

static void b_advertise(struct m6 *m, const struct env *e)
{
	solicit(m, 1, 1);
	m->b[0] = DHCP6_ADVERTISE;
}

static void b_reply(struct m6 *m, const struct env *e)
{
	solicit(m, 1, 1);
	m->b[0] = DHCP6_REPLY;
}

static void b_reconfigure(struct m6 *m, const struct env *e)
{
	solicit(m, 1, 1);
	m->b[0] = DHCP6_RECONFIGURE;
}

static void b_relay_repl(struct m6 *m, const struct env *e)
{
	b_relay(m, e);
	m->b[0] = DHCP6_RELAY_REPL;
}

static void b_type0(struct m6 *m, const struct env *e)
{
	solicit(m, 1, 1);
	m->b[0] = 0;
}

static void b_type200(struct m6 *m, const struct env *e)
{
	solicit(m, 1, 1);
	m->b[0] = 200;
}

static const struct bad_case bad_cases[] = {
    {"3 bytes", b_short, DHCP6S_DROP_SHORT},
    {"option length past the end", b_opt_past_end, DHCP6S_DROP_OPT_TRUNCATED},
    {"option header cut", b_opt_header_cut, DHCP6S_DROP_OPT_TRUNCATED},
    {"IAADDR past its IA_NA", b_nested_overflow, DHCP6S_DROP_OPT_TRUNCATED},
    {"status past its IAADDR", b_nested2_overflow, DHCP6S_DROP_OPT_TRUNCATED},
    {"IAADDR of 16 bytes", b_iaaddr_short, DHCP6S_DROP_BAD_OPTION},
    {"IA_NA of 8 bytes", b_ia_short, DHCP6S_DROP_BAD_OPTION},
    {"two client ids", b_dup_cid, DHCP6S_DROP_DUP_OPTION},
    {"two server ids", b_dup_sid, DHCP6S_DROP_DUP_OPTION},
    {"elapsed time of 3 bytes", b_elapsed_len, DHCP6S_DROP_BAD_OPTION},
    {"rapid commit with data", b_rapid_len, DHCP6S_DROP_BAD_OPTION},
    {"client id of 1 byte", b_cid_short, DHCP6S_DROP_BAD_OPTION},
    {"client id of 131 bytes", b_cid_long, DHCP6S_DROP_BAD_OPTION},
    {"ORO of odd length", b_oro_odd, DHCP6S_DROP_BAD_OPTION},
    {"SOLICIT without client id", b_no_cid, DHCP6S_DROP_NO_CLIENT_ID},
    {"REQUEST without client id", b_request_no_cid, DHCP6S_DROP_NO_CLIENT_ID},
    {"SOLICIT with server id", b_solicit_sid, DHCP6S_DROP_SERVER_ID_SENT},
    {"REBIND with server id", b_rebind_sid, DHCP6S_DROP_SERVER_ID_SENT},
    {"REQUEST without server id", b_request_no_sid, DHCP6S_DROP_NO_SERVER_ID},
    {"RELEASE without server id", b_release_no_sid, DHCP6S_DROP_NO_SERVER_ID},
    {"REQUEST for another server", b_wrong_server, DHCP6S_DROP_WRONG_SERVER},
    {"RENEW with a cut server id", b_wrong_server_len,
     DHCP6S_DROP_WRONG_SERVER},
    {"RELAY-FORW", b_relay, DHCP6S_DROP_RELAY},
    {"ADVERTISE", b_advertise, DHCP6S_DROP_BAD_MSG_TYPE},
    {"REPLY", b_reply, DHCP6S_DROP_BAD_MSG_TYPE},
    {"RECONFIGURE", b_reconfigure, DHCP6S_DROP_BAD_MSG_TYPE},
    {"RELAY-REPL", b_relay_repl, DHCP6S_DROP_BAD_MSG_TYPE},
    {"type 0", b_type0, DHCP6S_DROP_BAD_MSG_TYPE},
    {"type 200", b_type200, DHCP6S_DROP_BAD_MSG_TYPE},
};

static void test_bad_messages(void **state)
{
	struct env e;
	struct m6 m;

	setup(&e);
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		uint64_t before = drops(&e, c->want);
		enum dhcp6s_drop d;

		c->build(&m, &e);
		d = run(&e, &m);
		if (d != c->want)
			fail_msg("%s: %s, not %s", c->name, dhcp6s_drop_name(d),
				 dhcp6s_drop_name(c->want));
		assert_int_equal(drops(&e, c->want), before + 1);
		/* every cut of it is handled too (some are whole
		 * messages; run_raw() checks the table after each) */
		for (size_t n = 0; n < m.len; n++)
			run_raw(&e, m.b, n);
	}
	teardown(&e);
}

static void test_bad_src(void **state)
{
	struct env e;
	struct m6 m;

	setup(&e);
	memcpy(e.src, prefix, 16);
	e.src[15] = 0x77;
	solicit(&m, 1, 1);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_BAD_SRC);
	teardown(&e);
}

/* Repeated IAs are answered once; more than DHCP6S_MAX_IA are not
 * answered; IA_TA and IA_PD get their statuses. */
static void test_many_ias(void **state)
{
	struct env e;
	struct m6 m;
	uint8_t addrs[16 * 9];

	setup(&e);
	m6_init(&m, DHCP6_REQUEST);
	m6_cid(&m, 12);
	m6_sid(&m, &e);
	m6_ia(&m, DHCP6_OPT_IA_NA, 1, NULL, 0);
	m6_ia(&m, DHCP6_OPT_IA_NA, 1, NULL, 0);
	m6_ia(&m, DHCP6_OPT_IA_TA, 1, NULL, 0);
	m6_ia(&m, DHCP6_OPT_IA_PD, 1, NULL, 0);
	for (uint32_t i = 2; i < 10; i++)
		m6_ia(&m, DHCP6_OPT_IA_NA, i, NULL, 0);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.nia, DHCP6S_MAX_IA);
	assert_int_equal(e.rep.ia[0].type, DHCP6_OPT_IA_NA);
	assert_int_equal(e.rep.ia[0].naddr, 1);
	assert_int_equal(e.rep.ia[1].type, DHCP6_OPT_IA_TA);
	assert_int_equal(e.rep.ia[1].status, DHCP6_ST_NO_ADDRS_AVAIL);
	assert_int_equal(e.rep.ia[2].type, DHCP6_OPT_IA_PD);
	assert_int_equal(e.rep.ia[2].status, DHCP6_ST_NO_PREFIX_AVAIL);
	assert_int_equal(e.rep.ia[3].iaid, 2);
	assert_int_equal(nbound(&e), 2);

	/* RENEW of IA_PD: NoBinding */
	m6_init(&m, DHCP6_RENEW);
	m6_cid(&m, 12);
	m6_sid(&m, &e);
	m6_ia(&m, DHCP6_OPT_IA_PD, 1, NULL, 0);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, DHCP6_ST_NO_BINDING);

	/* the largest reply a client can ask for still fits, or is
	 * refused whole */
	memset(addrs, 0x11, sizeof(addrs));
	m6_init(&m, DHCP6_RENEW);
	m6_opt(&m, DHCP6_OPT_CLIENTID, addrs, DHCP6S_DUID_MAX);
	m6_sid(&m, &e);
	for (uint32_t i = 0; i < 6; i++)
		m6_ia(&m, DHCP6_OPT_IA_NA, i, addrs, 8);
	{
		uint8_t fq[300];

		memset(fq, 'a', sizeof(fq));
		fq[0] = 1;
		m6_opt(&m, DHCP6_OPT_CLIENT_FQDN, fq, 256);
	}
	m6_oro(&m);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	teardown(&e);
}

/* The largest REQUEST binds every IA it can and always gets its REPLY:
 * what is optional (hint echoes, the FQDN echo) is left out when the
 * whole would not fit. */
static void test_reply_bounded(void **state)
{
	struct env e;
	struct m6 m;
	uint8_t addrs[4][16], duid[DHCP6S_DUID_MAX], fq[256];

	cfg_default(&e);
	e.cfg.ndns = 3;
	/* 198 characters, the longest list that encodes in 202 bytes */
	for (unsigned i = 0, at = 0; i < 3; i++) {
		static const unsigned label[3] = {62, 62, 48};

		memset(e.cfg.search + at, 'a' + i, label[i]);
		memcpy(e.cfg.search + at + label[i], ".example ", 9);
		at += label[i] + 9;
		e.cfg.search[at - 1] = i < 2 ? ' ' : 0;
	}
	assert_int_equal(strlen(e.cfg.search), 198);
	start(&e);
	memset(duid, 0x41, sizeof(duid));
	memset(fq, 'h', sizeof(fq));
	fq[0] = 0;
	fq[1] = 63;
	for (int i = 0; i < 4; i++)
		memset(addrs[i], 0x20 + i, 16);
	m6_init(&m, DHCP6_REQUEST);
	m6_opt(&m, DHCP6_OPT_CLIENTID, duid, sizeof(duid));
	m6_sid(&m, &e);
	for (uint32_t i = 0; i < 4; i++)
		m6_ia(&m, DHCP6_OPT_IA_NA, i, addrs[0], 4);
	m6_oro(&m);
	m6_opt(&m, DHCP6_OPT_CLIENT_FQDN, fq, sizeof(fq));
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.out.type, DHCP6_REPLY);
	assert_int_equal(e.rep.nia, 4);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(e.rep.ia[i].naddr, 1);
		assert_int_equal(e.rep.ia[i].valid[0], VALID);
	}
	assert_true(rep_has(&e, DHCP6_OPT_DNS_SERVERS));
	assert_true(rep_has(&e, DHCP6_OPT_DOMAIN_LIST));
	assert_false(rep_has(&e, DHCP6_OPT_CLIENT_FQDN));
	assert_int_equal(nbound(&e), 4);
	assert_int_equal(drops(&e, DHCP6S_DROP_REPLY_FULL), 0);
	teardown(&e);
}

/* ---- shares, limits, time ---- */

static void test_port_share(void **state)
{
	struct env e;
	struct m6 m;
	uint8_t addr[16];

	cfg_default(&e);
	e.cfg.port_share = 2;
	start(&e);
	e.in_port = 3;
	lease(&e, 20, 1, addr);
	lease(&e, 21, 1, addr);
	/* a third client (any DUID the guest makes up) on that port */
	solicit(&m, 22, 1);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.out.type, DHCP6_ADVERTISE);
	assert_int_equal(e.rep.status, DHCP6_ST_NO_ADDRS_AVAIL);
	assert_int_equal(e.rep.nia, 0);
	request(&m, &e, DHCP6_REQUEST, 22, 1, NULL);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, DHCP6_ST_NO_ADDRS_AVAIL);
	assert_int_equal(e.rep.ia[0].naddr, 0);
	assert_int_equal(drops(&e, DHCP6S_DROP_PORT_SHARE), 2);
	assert_int_equal(nbound(&e), 2);
	/* a client the port holds already renews */
	request(&m, &e, DHCP6_REQUEST, 21, 1, NULL);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].naddr, 1);
	/* another port has its own share; a trusted port none */
	e.in_port = 4;
	lease(&e, 22, 1, addr);
	e.trusted = true;
	e.in_port = 3;
	lease(&e, 23, 1, addr);
	/* the port leaves: a port given its id later starts afresh */
	e.trusted = false;
	dhcp6s_port_gone(e.s, 3);
	lease(&e, 24, 1, addr);
	assert_int_equal(nbound(&e), 5);
	teardown(&e);
}

/* A guest that names another guest's DUID and IAID (seen in its multicast
 * SOLICIT) from its own port is another client: it cannot renew, take,
 * release or decline the first one's binding, and gets an address of its
 * own. */
static void test_foreign_port(void **state)
{
	struct env e;
	struct m6 m;
	struct walked w;
	uint8_t addr[16];

	setup(&e);
	e.in_port = 1;
	lease(&e, 70, 1, addr);
	e.in_port = 2;
	for (uint8_t t = DHCP6_RENEW; t <= DHCP6_DECLINE; t++) {
		if (t == DHCP6_REPLY)
			continue;
		request(&m, &e, t, 70, 1, addr);
		assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
		assert_int_equal(e.rep.ia[0].status, DHCP6_ST_NO_BINDING);
	}
	walk(&e, &w);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.b[0].state, DHCP6S_BOUND);
	assert_int_equal(w.b[0].port, 2); /* port 1, + 1 */
	assert_int_equal(w.b[0].expires, T0 + VALID);
	/* its REQUEST binds another address; the one it named: lifetime 0 */
	request(&m, &e, DHCP6_REQUEST, 70, 1, addr);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].naddr, 2);
	assert_memory_not_equal(e.rep.ia[0].addr[0], addr, 16);
	assert_int_equal(e.rep.ia[0].valid[0], VALID);
	assert_memory_equal(e.rep.ia[0].addr[1], addr, 16);
	assert_int_equal(e.rep.ia[0].valid[1], 0);
	assert_int_equal(drops(&e, DHCP6S_DROP_FOREIGN_PORT), 1);
	assert_int_equal(nbound(&e), 2);
	/* the first client keeps its own */
	e.in_port = 1;
	request(&m, &e, DHCP6_RENEW, 70, 1, addr);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].naddr, 1);
	assert_memory_equal(e.rep.ia[0].addr[0], addr, 16);
	/* the port gone, the binding goes to the port that asks */
	lease(&e, 71, 1, addr);
	dhcp6s_port_gone(e.s, 1);
	e.in_port = 2;
	request(&m, &e, DHCP6_REQUEST, 71, 1, addr);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].naddr, 1);
	assert_memory_equal(e.rep.ia[0].addr[0], addr, 16);
	teardown(&e);
}

/* Before the victim binds (between its SOLICIT and REQUEST, after a
 * restart), a guest that copies its DUID and IAID gets the address the
 * hash names, but the victim still gets an address and keeps it. */
static void test_duid_before_bind(void **state)
{
	struct env e;
	struct m6 m;
	uint8_t va[16], vb[16];

	setup(&e);
	e.in_port = 1;
	solicit(&m, 80, 7);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	memcpy(va, e.rep.ia[0].addr[0], 16);
	e.in_port = 2;
	request(&m, &e, DHCP6_REQUEST, 80, 7, NULL);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].naddr, 1);
	/* the victim's REQUEST for the advertised address: another one */
	e.in_port = 1;
	request(&m, &e, DHCP6_REQUEST, 80, 7, va);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, -1);
	assert_int_equal(e.rep.ia[0].valid[0], VALID);
	memcpy(vb, e.rep.ia[0].addr[0], 16);
	assert_memory_not_equal(vb, va, 16);
	solicit(&m, 80, 7);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.status, -1);
	assert_memory_equal(e.rep.ia[0].addr[0], vb, 16);
	/* the copier renews and releases its own only */
	e.in_port = 2;
	e.now += VALID - 1;
	request(&m, &e, DHCP6_RELEASE, 80, 7, vb);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, DHCP6_ST_NO_BINDING);
	e.in_port = 1;
	request(&m, &e, DHCP6_RENEW, 80, 7, vb);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_memory_equal(e.rep.ia[0].addr[0], vb, 16);
	assert_int_equal(nbound(&e), 2);
	teardown(&e);

	/* a restart: the copier REBINDs first with the victim's address */
	setup(&e);
	e.in_port = 1;
	lease(&e, 85, 1, va);
	dhcp6s_free(e.s);
	start(&e);
	e.in_port = 2;
	request(&m, &e, DHCP6_REBIND, 85, 1, va);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].naddr, 1);
	e.in_port = 1;
	request(&m, &e, DHCP6_REBIND, 85, 1, va);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, DHCP6_ST_NO_BINDING);
	request(&m, &e, DHCP6_REQUEST, 85, 1, va);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, -1);
	assert_memory_not_equal(e.rep.ia[0].addr[0], va, 16);
	assert_int_equal(e.rep.ia[0].valid[0], VALID);
	assert_int_equal(nbound(&e), 2);
	teardown(&e);
}

/* A trusted port's messages are one more holder: they neither move nor
 * unprotect a guest's binding, and its own are safe from guests. */
static void test_trusted_holder(void **state)
{
	struct env e;
	struct m6 m;
	struct walked w;
	uint8_t a[16], t[16];

	setup(&e);
	e.in_port = 1;
	lease(&e, 81, 1, a);
	e.trusted = true;
	request(&m, &e, DHCP6_RENEW, 81, 1, a);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, DHCP6_ST_NO_BINDING);
	lease(&e, 82, 1, t);
	e.trusted = false;
	e.in_port = 2;
	request(&m, &e, DHCP6_RELEASE, 81, 1, a);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	request(&m, &e, DHCP6_RELEASE, 82, 1, t);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, DHCP6_ST_NO_BINDING);
	/* an untrusted port id beyond the share table: no binding, none
	 * of the trusted port's either */
	e.in_port = DHCP6S_MAX_PORTS;
	request(&m, &e, DHCP6_RELEASE, 82, 1, t);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, DHCP6_ST_NO_BINDING);
	request(&m, &e, DHCP6_REQUEST, 83, 1, NULL);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, DHCP6_ST_NO_ADDRS_AVAIL);
	assert_int_equal(nbound(&e), 2);
	walk(&e, &w);
	assert_int_equal(w.n, 2);
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(w.b[i].port,
				 !memcmp(w.b[i].addr, a, 16) ? 2 : 0);
	teardown(&e);
}

/* Bindings whose ports left are taken over within the taker's share. */
static void test_gone_share(void **state)
{
	struct env e;
	struct m6 m;
	struct walked w;
	uint8_t a[16];
	unsigned held = 0, got = 0;

	cfg_default(&e);
	e.cfg.port_share = 1;
	start(&e);
	for (uint16_t i = 0; i < 3; i++) {
		e.in_port = 10 + i;
		lease(&e, 90 + i, 1, a);
		dhcp6s_port_gone(e.s, 10 + i);
	}
	e.in_port = 2;
	for (uint8_t i = 0; i < 3; i++) {
		request(&m, &e, DHCP6_RENEW, 90 + i, 1, NULL);
		assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
		got += e.rep.ia[0].naddr;
	}
	walk(&e, &w);
	for (unsigned i = 0; i < w.n; i++)
		held += w.b[i].port == 3;
	assert_int_equal(held, 1);
	assert_int_equal(got, 1);
	teardown(&e);
}

/* With the default share, one port's forged DUIDs cannot fill the
 * table: another guest still gets an address. */
static void test_default_share(void **state)
{
	struct env e;
	struct m6 m;
	uint8_t addr[16];

	cfg_default(&e);
	e.cfg.max_bindings = 0; /* 1024: the default share is 16 */
	start(&e);
	e.in_port = 2;
	for (unsigned i = 0; i < 1024; i++) {
		uint8_t duid[6] = {0, 4, (uint8_t)(i >> 8), (uint8_t)i, 0xaa};

		m6_init(&m, DHCP6_REQUEST);
		m6_opt(&m, DHCP6_OPT_CLIENTID, duid, sizeof(duid));
		m6_sid(&m, &e);
		m6_ia(&m, DHCP6_OPT_IA_NA, 1, NULL, 0);
		assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	}
	assert_int_equal(nbound(&e), 16);
	assert_int_equal(drops(&e, DHCP6S_DROP_PORT_SHARE), 1024 - 16);
	e.in_port = 1;
	lease(&e, 5, 1, addr);
	teardown(&e);

	/* a small table: at most half of it */
	cfg_default(&e);
	e.cfg.max_bindings = 6;
	start(&e);
	for (uint8_t id = 1; id <= 6; id++) {
		request(&m, &e, DHCP6_REQUEST, id, 1, NULL);
		assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	}
	assert_int_equal(nbound(&e), 3);
	teardown(&e);
}

static void test_table_full(void **state)
{
	struct env e;
	struct m6 m;
	uint8_t addr[16], a30[16];

	cfg_default(&e);
	e.cfg.max_bindings = 2;
	e.cfg.port_share = DHCP6S_SHARE_UNLIMITED;
	start(&e);
	lease(&e, 30, 1, a30);
	lease(&e, 31, 1, addr);
	solicit(&m, 32, 1);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.out.type, DHCP6_ADVERTISE);
	assert_int_equal(e.rep.status, DHCP6_ST_NO_ADDRS_AVAIL);
	assert_false(rep_has(&e, DHCP6_OPT_DNS_SERVERS));
	/* a rapid commit that cannot bind: an ADVERTISE, nothing bound */
	m6_opt(&m, DHCP6_OPT_RAPID_COMMIT, NULL, 0);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.out.type, DHCP6_ADVERTISE);
	request(&m, &e, DHCP6_REQUEST, 32, 1, NULL);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, DHCP6_ST_NO_ADDRS_AVAIL);
	assert_int_equal(drops(&e, DHCP6S_DROP_POOL_FULL), 3);
	assert_int_equal(nbound(&e), 2);
	/* one released: room again */
	request(&m, &e, DHCP6_RELEASE, 30, 1, a30);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	lease(&e, 32, 1, addr);
	teardown(&e);
}

static void test_expiry(void **state)
{
	struct env e;
	struct m6 m;
	struct dhcp6s_stats st;
	uint8_t addr[16];

	setup(&e);
	assert_int_equal(dhcp6s_expire(e.s, T0), INT64_MAX);
	lease(&e, 40, 1, addr);
	e.now = T0 + 10;
	lease(&e, 41, 1, addr);
	assert_int_equal(dhcp6s_expire(e.s, T0 + VALID - 1), T0 + VALID);
	assert_int_equal(nbound(&e), 2);
	assert_int_equal(dhcp6s_expire(e.s, T0 + VALID), T0 + 10 + VALID);
	assert_int_equal(nbound(&e), 1);
	/* a message expires what is due, too */
	e.now = T0 + 10 + VALID;
	request(&m, &e, DHCP6_RENEW, 41, 1, addr);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, DHCP6_ST_NO_BINDING);
	assert_int_equal(nbound(&e), 0);
	dhcp6s_stats_get(e.s, &st);
	assert_int_equal(st.expired, 2);
	teardown(&e);
}

/* REBIND makes a binding only within the port's share. */
static void test_rebind_share(void **state)
{
	struct env e;
	struct m6 m;
	uint8_t a[16], b[16];

	cfg_default(&e);
	e.cfg.port_share = 1;
	start(&e);
	e.in_port = 3;
	lease(&e, 20, 1, a);
	e.in_port = 4; /* the address the hash gives client 21 */
	solicit(&m, 21, 1);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	memcpy(b, e.rep.ia[0].addr[0], 16);
	e.in_port = 3;
	request(&m, &e, DHCP6_REBIND, 21, 1, b);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, DHCP6_ST_NO_BINDING);
	assert_int_equal(nbound(&e), 1);
	teardown(&e);
}

/* The client FQDN: echoed up to a DNS name's length; a label running past
 * the option is no host name. */
static void test_fqdn_bounds(void **state)
{
	struct env e;
	struct m6 m;
	struct walked w;
	uint8_t fq[257];

	setup(&e);
	memset(fq, 'a', sizeof(fq));
	fq[0] = 0;
	fq[1] = 63;
	for (size_t n = 256; n <= 257; n++) {
		request(&m, &e, DHCP6_REQUEST, 60, 1, NULL);
		m6_opt(&m, DHCP6_OPT_CLIENT_FQDN, fq, n);
		assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
		assert_int_equal(e.rep.ia[0].naddr, 1);
		assert_int_equal(rep_has(&e, DHCP6_OPT_CLIENT_FQDN), n == 256);
	}
	/* a 4-byte label of which two bytes are in the option; the next
	 * option's code ("hh") would make it a valid one */
	request(&m, &e, DHCP6_REQUEST, 61, 1, NULL);
	m6_opt(&m, DHCP6_OPT_CLIENT_FQDN, "\0\4ab", 4);
	m6_opt(&m, 0x6868, "hh", 2);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	walk(&e, &w);
	assert_int_equal(w.n, 2);
	for (unsigned i = 0; i < w.n; i++) /* client 61: DUID ends 3d */
		assert_int_equal(strlen(w.b[i].hostname),
				 w.b[i].duid_hex[19] == 'd' ? 0 : 63);
	teardown(&e);
}

/* The gateway's address moved onto a client's: that binding ends. */
static void test_gateway_moved(void **state)
{
	struct env e;
	struct m6 m;
	uint8_t a[16];
	char err[160];

	setup(&e);
	lease(&e, 84, 1, a);
	memcpy(e.cfg.gateway, a, 16);
	assert_int_equal(dhcp6s_configure(e.s, &e.cfg, err, sizeof(err)), 0);
	assert_int_equal(nbound(&e), 0);
	request(&m, &e, DHCP6_RENEW, 84, 1, a);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, DHCP6_ST_NO_BINDING);
	request(&m, &e, DHCP6_REQUEST, 84, 1, a);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].valid[0], VALID);
	assert_memory_not_equal(e.rep.ia[0].addr[0], a, 16);
	teardown(&e);
}

/* A small range is filled to the last address: no client is refused
 * while one is free. */
static void test_small_range(void **state)
{
	struct env e;
	struct m6 m;
	unsigned refused = 0;

	cfg_default(&e);
	e.cfg.iid_first = 0x100;
	e.cfg.iid_last = 0x10f;
	start(&e);
	e.trusted = true;
	for (uint8_t id = 1; id < 200 && nbound(&e) < 16; id++) {
		request(&m, &e, DHCP6_REQUEST, id, 1, NULL);
		assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
		refused += !e.rep.ia[0].naddr;
	}
	assert_int_equal(nbound(&e), 16);
	assert_int_equal(refused, 0);
	request(&m, &e, DHCP6_REQUEST, 201, 1, NULL);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_int_equal(e.rep.ia[0].status, DHCP6_ST_NO_ADDRS_AVAIL);
	teardown(&e);
}

/* The same key gives a client the same address in a new engine (a
 * restart); another key, another address. */
static void test_stable_address(void **state)
{
	struct env e;
	uint8_t a1[16], a2[16], b1[16];

	setup(&e);
	lease(&e, 50, 9, a1);
	lease(&e, 51, 9, b1);
	dhcp6s_free(e.s);
	start(&e);
	lease(&e, 51, 9, a2); /* the other client first this time */
	assert_memory_equal(a2, b1, 16);
	lease(&e, 50, 9, a2);
	assert_memory_equal(a2, a1, 16);
	dhcp6s_free(e.s);
	e.cfg.key[0] ^= 1;
	start(&e);
	lease(&e, 50, 9, a2);
	assert_memory_not_equal(a2, a1, 16);
	teardown(&e);
}

static uint64_t iid(const uint8_t *a)
{
	uint64_t v = 0;

	for (int i = 8; i < 16; i++)
		v = v << 8 | a[i];
	return v;
}

/* Ranges made of reserved identifiers and the gateway's: only the others
 * are handed out, then NoAddrsAvail. */
static void test_reserved_iids(void **state)
{
	static const struct {
		uint64_t first, last, gw;
		uint64_t ok[2];
		unsigned nok;
	} cases[] = {
	    /* subnet-router anycast, the gateway */
	    {0, 2, 1, {2}, 1},
	    /* the reserved subnet anycast range (RFC 2526) */
	    {0xfdffffffffffff7eull,
	     0xfdffffffffffff85ull,
	     0,
	     {0xfdffffffffffff7eull, 0xfdffffffffffff7full},
	     2},
	    /* the gateway in the middle of the range */
	    {0x10, 0x12, 0x11, {0x10, 0x12}, 2},
	    /* ISATAP / proxy mobile IPv6 (0200:5efe:*, 0000:5efe:*) */
	    {0x02005efdffffffffull,
	     0x02005efe00000003ull,
	     0,
	     {0x02005efdffffffffull},
	     1},
	    {0x00005efdffffffffull,
	     0x00005efe00000003ull,
	     0,
	     {0x00005efdffffffffull},
	     1},
	    /* the IANA Ethernet block 0200:5eff:fe00:0-0200:5eff:feff:ffff */
	    {0x02005efffdffffffull,
	     0x02005efffe000003ull,
	     0,
	     {0x02005efffdffffffull},
	     1},
	    {0x02005efffefffffeull,
	     0x02005effff000000ull,
	     0,
	     {0x02005effff000000ull},
	     1},
	    /* above the subnet anycast block: usable */
	    {0xfffffffffffffffeull,
	     0xffffffffffffffffull,
	     0,
	     {0xfffffffffffffffeull, 0xffffffffffffffffull},
	     2},
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct env e;
		struct m6 m;
		uint8_t addr[16];
		unsigned got = 0;

		cfg_default(&e);
		e.cfg.iid_first = cases[k].first;
		e.cfg.iid_last = cases[k].last;
		for (int i = 15; i >= 8; i--)
			e.cfg.gateway[i] =
			    (uint8_t)(cases[k].gw >> 8 * (15 - i));
		start(&e);
		for (uint8_t id = 1; id <= 6; id++) {
			request(&m, &e, DHCP6_REQUEST, id, 1, NULL);
			assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
			if (!e.rep.ia[0].naddr) {
				assert_int_equal(e.rep.ia[0].status,
						 DHCP6_ST_NO_ADDRS_AVAIL);
				continue;
			}
			memcpy(addr, e.rep.ia[0].addr[0], 16);
			bool found = false;

			for (unsigned j = 0; j < cases[k].nok; j++)
				found |= iid(addr) == cases[k].ok[j];
			if (!found)
				fail_msg("case %zu: iid %016llx handed out", k,
					 (unsigned long long)iid(addr));
			got++;
		}
		assert_int_equal(got, cases[k].nok);
		teardown(&e);
	}
	/* a range of reserved identifiers only is refused */
	for (unsigned k = 0; k < 2; k++) {
		struct env e;
		char err[160];

		cfg_default(&e);
		e.cfg.iid_first = k ? 0x02005efffe000000ull : 0;
		e.cfg.iid_last = k ? 0x02005efffeffffffull : 0;
		e.cfg.iid_first |= !k; /* 1..0 is empty too */
		assert_int_equal(dhcp6s_new(&e.cfg, &e.s, err, sizeof(err)),
				 -EINVAL);
	}
}

static void test_config(void **state)
{
	struct env e;
	struct dhcp6s *s;
	char err[160];
	struct m6 m;
	uint8_t addr[16], a2[16];

	cfg_default(&e);
	e.cfg.valid = PREF - 1;
	assert_int_equal(dhcp6s_new(&e.cfg, &s, err, sizeof(err)), -EINVAL);
	assert_null(s);
	cfg_default(&e);
	e.cfg.ndns = 4;
	assert_int_equal(dhcp6s_new(&e.cfg, &s, err, sizeof(err)), -EINVAL);
	cfg_default(&e);
	strcpy(e.cfg.search, "ok.example bad_label.example");
	assert_int_equal(dhcp6s_new(&e.cfg, &s, err, sizeof(err)), -EINVAL);
	cfg_default(&e);
	e.cfg.iid_first = 5;
	e.cfg.iid_last = 4;
	assert_int_equal(dhcp6s_new(&e.cfg, &s, err, sizeof(err)), -EINVAL);
	cfg_default(&e);
	e.cfg.prefix[0] = 0xff;
	assert_int_equal(dhcp6s_new(&e.cfg, &s, err, sizeof(err)), -EINVAL);
	cfg_default(&e);
	e.cfg.max_bindings = DHCP6S_MAX_BINDINGS + 1;
	assert_int_equal(dhcp6s_new(&e.cfg, &s, err, sizeof(err)), -EINVAL);

	/* reconfigured: DNS changes keep bindings; a new prefix drops them */
	setup(&e);
	lease(&e, 60, 1, addr);
	e.cfg.ndns = 0;
	e.cfg.search[0] = 0;
	assert_int_equal(dhcp6s_configure(e.s, &e.cfg, err, sizeof(err)), 0);
	assert_int_equal(nbound(&e), 1);
	request(&m, &e, DHCP6_RENEW, 60, 1, addr);
	assert_int_equal(run(&e, &m), DHCP6S_DROP_NONE);
	assert_false(rep_has(&e, DHCP6_OPT_DNS_SERVERS));
	assert_false(rep_has(&e, DHCP6_OPT_DOMAIN_LIST));
	e.cfg.valid = 1;
	assert_int_equal(dhcp6s_configure(e.s, &e.cfg, err, sizeof(err)),
			 -EINVAL);
	e.cfg.valid = VALID;
	e.cfg.prefix[7] ^= 2;
	assert_int_equal(dhcp6s_configure(e.s, &e.cfg, err, sizeof(err)), 0);
	assert_int_equal(nbound(&e), 0);
	lease(&e, 60, 1, a2);
	assert_memory_equal(a2, e.cfg.prefix, 8);
	teardown(&e);
}

/* ---- messages captured from real clients ---- */

#include "dhcp6_vectors.h"

/* The captured messages, in order, to an engine set up as the capture's
 * server was: each reply is the one those clients took (they got and kept
 * their addresses), byte for byte. */
static void test_real_clients(void **state)
{
	static const uint8_t peer_prefix[16] = {0xfd, 0x00, 0x0a, 0xbc,
						0,    0,    0,	  1};
	struct env e;

	cfg_default(&e);
	memcpy(e.cfg.prefix, peer_prefix, 16);
	memcpy(e.cfg.gateway, peer_prefix, 16);
	e.cfg.gateway[15] = 1;
	memcpy(e.cfg.dns[0], e.cfg.gateway, 16);
	strcpy(e.cfg.search, "lab.vnet");
	e.cfg.preferred = 20;
	e.cfg.valid = 40;
	memcpy(e.cfg.key, "dhcp6-peer-key!!", 16);
	/* the server DUID the clients saw: DUID-LL of the peer's MAC */
	assert_memory_equal(vectors[0].tx + 8, "\0\3\0\1", 4);
	memcpy(e.cfg.server_mac, vectors[0].tx + 12, 6);
	start(&e);
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		enum dhcp6s_drop d = run_raw(&e, v->rx, v->rx_len);

		if (d != DHCP6S_DROP_NONE)
			fail_msg("%s: %s", v->name, dhcp6s_drop_name(d));
		if (e.out.len != v->tx_len ||
		    memcmp(e.out.data, v->tx, v->tx_len))
			fail_msg("%s: reply differs", v->name);
		e.now += 5;
	}
	assert_int_equal(nbound(&e), 1); /* dhcpcd's; dhclient released */
	teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_solicit_request),
	    cmocka_unit_test(test_rapid_commit),
	    cmocka_unit_test(test_confirm),
	    cmocka_unit_test(test_confirm_many),
	    cmocka_unit_test(test_renew_rebind),
	    cmocka_unit_test(test_restart_rebind),
	    cmocka_unit_test(test_release),
	    cmocka_unit_test(test_decline_hold),
	    cmocka_unit_test(test_info_request),
	    cmocka_unit_test(test_stateless),
	    cmocka_unit_test(test_unicast),
	    cmocka_unit_test(test_bad_messages),
	    cmocka_unit_test(test_bad_src),
	    cmocka_unit_test(test_many_ias),
	    cmocka_unit_test(test_reply_bounded),
	    cmocka_unit_test(test_port_share),
	    cmocka_unit_test(test_foreign_port),
	    cmocka_unit_test(test_duid_before_bind),
	    cmocka_unit_test(test_trusted_holder),
	    cmocka_unit_test(test_gone_share),
	    cmocka_unit_test(test_default_share),
	    cmocka_unit_test(test_table_full),
	    cmocka_unit_test(test_expiry),
	    cmocka_unit_test(test_rebind_share),
	    cmocka_unit_test(test_fqdn_bounds),
	    cmocka_unit_test(test_gateway_moved),
	    cmocka_unit_test(test_small_range),
	    cmocka_unit_test(test_stable_address),
	    cmocka_unit_test(test_reserved_iids),
	    cmocka_unit_test(test_config),
	    cmocka_unit_test(test_real_clients),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
