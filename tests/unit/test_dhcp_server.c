// SPDX-License-Identifier: GPL-2.0-or-later
/* test_dhcp_server.c - the DHCP server engine: each message kind and
 * REQUEST sub-state, NAK cases, reply destinations, options, reservations,
 * exhaustion, expiry, DECLINE, relays, the probe flow, restore, and the
 * configuration checks */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dhcp_test_msg.h"

#define SRV   IP4(10, 0, 0, 1)
#define T0    1000000
#define LEASE 3600

static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
/* Another guest's MAC, the source of messages that name someone else, and
 * the MAC of client 1, whose lease they are after. */
static const uint8_t evil_mac[6] = {0x52, 0x54, 0, 0, 0, 0xbb};
static const uint8_t victim[6] = {0x52, 0x54, 0, 0, 0, 1};

static void clash_ip(struct dhcps_reservation *first,
		     struct dhcps_reservation *last)
{
	last->ip = first->ip;
}

static void clash_mac(struct dhcps_reservation *first,
		      struct dhcps_reservation *last)
{
	memcpy(last->mac, first->mac, 6);
}

static void clash_host(struct dhcps_reservation *first,
		       struct dhcps_reservation *last)
{
	strcpy(last->hostname, "H00000");
}

struct env {
	struct dhcps *s;
	struct dns_names *names;
	struct dhcps_result res;
	struct dhcps_subnet_cfg sn[2];
	struct dhcps_reservation rv[1];
	struct dhcps_config cfg;
	struct dhcp_msg reply; /* last reply, parsed */
	bool trusted;	       /* messages come from a port trusted to relay */
	uint16_t in_port;      /* the switch port they come in on */
};

static void cfg_default(struct env *e)
{
	struct dhcps_subnet_cfg *a = &e->sn[0], *b = &e->sn[1];

	memset(e, 0, sizeof(*e));
	a->net = IP4(10, 0, 0, 0);
	a->prefix = 24;
	a->range_start = IP4(10, 0, 0, 100);
	a->range_end = IP4(10, 0, 0, 103);
	a->router = SRV;
	a->dns[0] = SRV;
	a->ndns = 1;
	strcpy(a->domain, "lab.vnet");
	a->lease_time = LEASE;
	a->mtu = 1400;
	a->routes[0] =
	    (struct dhcps_route){IP4(192, 168, 5, 0), 24, IP4(10, 0, 0, 254)};
	a->nroutes = 1;
	b->net = IP4(10, 1, 0, 0);
	b->prefix = 24;
	b->range_start = IP4(10, 1, 0, 10);
	b->range_end = IP4(10, 1, 0, 20);
	b->router = IP4(10, 1, 0, 1);
	b->lease_time = 600;
	memcpy(e->rv[0].mac, (uint8_t[]){0x52, 0x54, 0, 0, 0, 0xaa}, 6);
	e->rv[0].ip = IP4(10, 0, 0, 50);
	strcpy(e->rv[0].hostname, "vm1");
	e->cfg.server_ip = SRV;
	e->cfg.subnets = e->sn;
	e->cfg.nsubnets = 2;
	e->cfg.res = e->rv;
	e->cfg.nres = 1;
}

static void start(struct env *e)
{
	char err[160];

	assert_int_equal(dns_names_create("lab.vnet", IP4(10, 0, 0, 0), 24, 64,
					  0, &e->names),
			 0);
	e->cfg.names = e->names;
	if (dhcps_create(&e->cfg, &e->s, err, sizeof(err)))
		fail_msg("create: %s", err);
}

static void setup(struct env *e)
{
	cfg_default(e);
	start(e);
}

static void teardown(struct env *e)
{
	assert_true(dhcps_counts_ok(e->s));
	dhcps_destroy(e->s);
	dns_names_destroy(e->names);
}

/* Hand a message to the server; parse the reply, if any, into e->reply. */
static void run_at(struct env *e, struct tmsg *m, int64_t now, bool bcast)
{
	struct dhcps_rx rx = {.data = m->b,
			      .len = m->len,
			      .bcast = bcast,
			      .trusted = e->trusted,
			      .in_port = e->in_port};
	uint8_t copy[DHCPS_REPLY_MAX];
	enum dhcps_drop d;

	memcpy(rx.src_mac, m->b + DHCP_OFS_CHADDR, 6);
	rx.src_ip = dhcp_get_be32(m->b + DHCP_OFS_CIADDR);
	dhcps_input(e->s, &rx, now, &e->res);
	if (!e->res.reply.len)
		return;
	assert_true(e->res.reply.len >= DHCP_MIN_REPLY);
	assert_true(e->res.reply.len <= DHCPS_REPLY_MAX);
	memcpy(copy, e->res.reply.data, e->res.reply.len);
	assert_int_equal(copy[0], DHCP_BOOTREPLY);
	copy[0] = DHCP_BOOTREQUEST;
	d = dhcp_msg_parse(copy, e->res.reply.len, &e->reply);
	assert_true(d == DHCPS_DROP_NONE || d == DHCPS_DROP_BAD_MSG_TYPE);
	assert_int_equal(e->reply.opts.buf[e->reply.opts.off[53]],
			 e->res.reply_type);
}

static void run(struct env *e, struct tmsg *m)
{
	run_at(e, m, T0, true);
}

/* Hand a message to the server at @now as a frame from Ethernet source
 * @src. */
static void run_from_at(struct env *e, struct tmsg *m, const uint8_t *src,
			int64_t now)
{
	struct dhcps_rx rx = {.data = m->b,
			      .len = m->len,
			      .bcast = true,
			      .trusted = e->trusted,
			      .in_port = e->in_port};

	memcpy(rx.src_mac, src, 6);
	dhcps_input(e->s, &rx, now, &e->res);
}

static void run_from(struct env *e, struct tmsg *m, const uint8_t *src)
{
	run_from_at(e, m, src, T0);
}

static uint32_t yiaddr(const struct env *e)
{
	return dhcp_get_be32(e->res.reply.data + DHCP_OFS_YIADDR);
}

static uint32_t opt32(const struct env *e, uint8_t code)
{
	size_t n;
	const uint8_t *v = dhcp_opt_get(&e->reply, code, &n);

	assert_non_null(v);
	assert_int_equal(n, 4);
	return dhcp_get_be32(v);
}

static void discover(struct tmsg *m, uint8_t mac)
{
	tmsg_init(m, DHCP_DISCOVER, mac, 0x1000u + mac);
}

static void request_sel(struct tmsg *m, uint8_t mac, uint32_t ip, uint32_t sid)
{
	tmsg_init(m, DHCP_REQUEST, mac, 0x2000u + mac);
	tmsg_opt_ip(m, DHCP_OPT_SERVER_ID, sid);
	tmsg_opt_ip(m, DHCP_OPT_REQ_IP, ip);
}

/* DISCOVER then REQUEST: the address bound. */
static uint32_t lease(struct env *e, uint8_t mac)
{
	struct tmsg m;
	uint32_t ip;

	discover(&m, mac);
	tmsg_end(&m);
	run(e, &m);
	assert_int_equal(e->res.action, DHCPS_ACT_SEND);
	ip = yiaddr(e);
	request_sel(&m, mac, ip, SRV);
	tmsg_end(&m);
	run(e, &m);
	assert_int_equal(e->res.action, DHCPS_ACT_COMMIT);
	assert_int_equal(e->res.reply_type, DHCP_ACK);
	return ip;
}

static void test_dora(void **state)
{
	struct env e;
	struct tmsg m;
	struct dhcps_lease_rec rec;
	size_t n;
	const uint8_t *v;

	setup(&e);
	discover(&m, 1);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.action, DHCPS_ACT_SEND);
	assert_int_equal(e.res.reply_type, DHCP_OFFER);
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 100));
	/* no broadcast bit, no ciaddr: unicast to yiaddr and chaddr */
	assert_int_equal(e.res.reply.dst_ip, IP4(10, 0, 0, 100));
	assert_memory_equal(e.res.reply.dst_mac, m.b + DHCP_OFS_CHADDR, 6);
	assert_int_equal(e.res.reply.dst_port, DHCP_CLIENT_PORT);
	assert_int_equal(e.res.reply.src_ip, SRV);
	assert_int_equal(dhcp_get_be32(e.res.reply.data + DHCP_OFS_XID),
			 0x1001);
	assert_int_equal(opt32(&e, DHCP_OPT_SERVER_ID), SRV);
	assert_int_equal(opt32(&e, DHCP_OPT_LEASE_TIME), LEASE);
	assert_int_equal(opt32(&e, DHCP_OPT_T1), LEASE / 2);
	assert_int_equal(opt32(&e, DHCP_OPT_T2), LEASE / 8 * 7);
	assert_int_equal(opt32(&e, DHCP_OPT_SUBNET_MASK), 0xffffff00);
	assert_int_equal(opt32(&e, DHCP_OPT_ROUTER), SRV);
	assert_int_equal(opt32(&e, DHCP_OPT_DNS), SRV);
	assert_int_equal(opt32(&e, DHCP_OPT_BROADCAST), IP4(10, 0, 0, 255));
	v = dhcp_opt_get(&e.reply, DHCP_OPT_DOMAIN, &n);
	assert_int_equal(n, 8);
	assert_memory_equal(v, "lab.vnet", 8);
	v = dhcp_opt_get(&e.reply, DHCP_OPT_MTU, &n);
	assert_int_equal(pkt_get_be16(v), 1400);
	assert_false(dhcp_opt_has(&e.reply, DHCP_OPT_HOSTNAME));

	request_sel(&m, 1, IP4(10, 0, 0, 100), SRV);
	tmsg_opt(&m, DHCP_OPT_HOSTNAME, "Web-1.example", 13);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.action, DHCPS_ACT_COMMIT);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	assert_int_equal(e.res.rec.ip, IP4(10, 0, 0, 100));
	assert_int_equal(e.res.rec.state, DHCPS_LEASE_BOUND);
	assert_int_equal(e.res.rec.expires, T0 + LEASE);
	assert_string_equal(e.res.rec.hostname, "web-1");
	assert_int_equal(e.res.rec.key_len, 7);
	assert_int_equal(dhcps_lease_find(e.s, IP4(10, 0, 0, 100), &rec), 0);
	assert_int_equal(rec.state, DHCPS_LEASE_BOUND);
	/* the hostname is published */
	uint32_t ip = 0;

	assert_int_equal(dns_names_lookup(e.names, "web-1", &ip), 0);
	assert_int_equal(ip, IP4(10, 0, 0, 100));
	teardown(&e);
}

static void test_param_list(void **state)
{
	struct env e;
	struct tmsg m;
	const uint8_t *v;
	size_t n;

	setup(&e);
	discover(&m, 1);
	tmsg_opt(&m, DHCP_OPT_PARAM_LIST,
		 (uint8_t[]){DHCP_OPT_CLASSLESS_ROUTES, DHCP_OPT_MTU, 3, 121},
		 4);
	m.b[DHCP_OFS_FLAGS] = 0x80; /* broadcast bit */
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.reply.dst_ip, 0xffffffffu);
	assert_memory_equal(e.res.reply.dst_mac, bcast_mac, 6);
	assert_true(dhcp_opt_has(&e.reply, DHCP_OPT_MTU));
	assert_true(dhcp_opt_has(&e.reply, DHCP_OPT_ROUTER));
	assert_true(dhcp_opt_has(&e.reply, DHCP_OPT_SUBNET_MASK));
	assert_false(dhcp_opt_has(&e.reply, DHCP_OPT_DOMAIN));
	assert_false(dhcp_opt_has(&e.reply, DHCP_OPT_DNS));
	v = dhcp_opt_get(&e.reply, DHCP_OPT_CLASSLESS_ROUTES, &n);
	/* 192.168.5.0/24 via .254, then the default route via the router */
	static const uint8_t want[] = {24,  192, 168, 5, 10, 0, 0,
				       254, 0,	 10,  0, 0,  1};
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(v, want, sizeof(want));
	teardown(&e);
}

/* A 576-byte client gets at most 548 bytes; option 57 allows more. */
static void test_max_size(void **state)
{
	struct env e;
	struct tmsg m;
	uint8_t prl[200];

	cfg_default(&e);
	e.sn[0].nroutes = DHCPS_MAX_ROUTES;
	for (unsigned i = 0; i < DHCPS_MAX_ROUTES; i++)
		e.sn[0].routes[i] = (struct dhcps_route){
		    IP4(172, 16, i, 0) | 0x80000000u, 32, IP4(10, 0, 0, 2)};
	start(&e);
	for (unsigned i = 0; i < sizeof(prl); i++)
		prl[i] = (uint8_t)(i + 1);
	discover(&m, 1);
	tmsg_opt(&m, DHCP_OPT_PARAM_LIST, prl, sizeof(prl));
	tmsg_opt(&m, DHCP_OPT_CLIENT_ID, "\1abcdefghijklmnopqrstuvwxyz", 27);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.action, DHCPS_ACT_SEND);
	assert_true(e.res.reply.len <= 548);
	assert_true(dhcp_opt_has(&e.reply, DHCP_OPT_CLASSLESS_ROUTES));
	assert_true(dhcp_opt_has(&e.reply, DHCP_OPT_CLIENT_ID));

	discover(&m, 2);
	tmsg_opt(&m, DHCP_OPT_MAX_SIZE, (uint8_t[]){0x05, 0xdc}, 2);
	tmsg_opt(&m, DHCP_OPT_PARAM_LIST, prl, sizeof(prl));
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.action, DHCPS_ACT_SEND);
	assert_true(e.res.reply.len <= 1472);
	teardown(&e);
}

static void test_selecting_other_server(void **state)
{
	struct env e;
	struct tmsg m;

	setup(&e);
	discover(&m, 1);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 100));
	/* the client chose 10.0.0.9's offer: ours is released */
	request_sel(&m, 1, IP4(10, 0, 0, 100), IP4(10, 0, 0, 9));
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.action, DHCPS_ACT_NONE);
	assert_int_equal(e.res.drop, DHCPS_DROP_NOT_FOR_US);
	assert_int_equal(dhcps_lease_find(e.s, IP4(10, 0, 0, 100), &e.res.rec),
			 0);
	assert_int_equal(e.res.rec.state, DHCPS_LEASE_RELEASED);

	/* REQUEST for an address not offered: NAK, broadcast */
	request_sel(&m, 1, IP4(10, 0, 0, 101), SRV);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.action, DHCPS_ACT_SEND);
	assert_int_equal(e.res.reply_type, DHCP_NAK);
	assert_int_equal(e.res.reply.dst_ip, 0xffffffffu);
	assert_int_equal(yiaddr(&e), 0);
	assert_true(dhcp_opt_has(&e.reply, DHCP_OPT_MESSAGE));
	assert_false(dhcp_opt_has(&e.reply, DHCP_OPT_LEASE_TIME));

	/* SELECTING without option 50 */
	tmsg_init(&m, DHCP_REQUEST, 1, 5);
	tmsg_opt_ip(&m, DHCP_OPT_SERVER_ID, SRV);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.drop, DHCPS_DROP_BAD_REQUEST);

	/* no 54, no 50, no ciaddr */
	tmsg_init(&m, DHCP_REQUEST, 1, 5);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.drop, DHCPS_DROP_BAD_REQUEST);
	teardown(&e);
}

static void init_reboot(struct tmsg *m, uint8_t mac, uint32_t ip)
{
	tmsg_init(m, DHCP_REQUEST, mac, 0x3000u + mac);
	tmsg_opt_ip(m, DHCP_OPT_REQ_IP, ip);
	tmsg_end(m);
}

static void test_init_reboot(void **state)
{
	struct env e;
	struct tmsg m;

	setup(&e);
	assert_int_equal(lease(&e, 1), IP4(10, 0, 0, 100));
	init_reboot(&m, 1, IP4(10, 0, 0, 100));
	run(&e, &m);
	assert_int_equal(e.res.action, DHCPS_ACT_COMMIT);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	/* another network's address: NAK */
	init_reboot(&m, 1, IP4(192, 168, 1, 7));
	run(&e, &m);
	assert_int_equal(e.res.reply_type, DHCP_NAK);
	/* an address held by client 1 */
	init_reboot(&m, 2, IP4(10, 0, 0, 100));
	run(&e, &m);
	assert_int_equal(e.res.reply_type, DHCP_NAK);
	/* client 1 asks for another address while holding .100 */
	init_reboot(&m, 1, IP4(10, 0, 0, 102));
	run(&e, &m);
	assert_int_equal(e.res.reply_type, DHCP_NAK);
	/* the gateway's address, and one outside the range */
	init_reboot(&m, 3, SRV);
	run(&e, &m);
	assert_int_equal(e.res.reply_type, DHCP_NAK);
	init_reboot(&m, 3, IP4(10, 0, 0, 20));
	run(&e, &m);
	assert_int_equal(e.res.reply_type, DHCP_NAK);
	/* a free address, no record of the client: authoritative ACK */
	init_reboot(&m, 3, IP4(10, 0, 0, 102));
	run(&e, &m);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	assert_int_equal(e.res.rec.ip, IP4(10, 0, 0, 102));
	/* a reserved address for another MAC; its owner's other address */
	init_reboot(&m, 4, IP4(10, 0, 0, 50));
	run(&e, &m);
	assert_int_equal(e.res.reply_type, DHCP_NAK);
	init_reboot(&m, 0xaa, IP4(10, 0, 0, 101));
	run(&e, &m);
	assert_int_equal(e.res.reply_type, DHCP_NAK);
	init_reboot(&m, 0xaa, IP4(10, 0, 0, 50));
	run(&e, &m);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	teardown(&e);
}

static void renew(struct tmsg *m, uint8_t mac, uint32_t ciaddr)
{
	tmsg_init(m, DHCP_REQUEST, mac, 0x4000u + mac);
	dhcp_put_be32(m->b + DHCP_OFS_CIADDR, ciaddr);
	tmsg_end(m);
}

static void test_renew_rebind(void **state)
{
	struct env e;
	struct tmsg m;

	setup(&e);
	assert_int_equal(lease(&e, 1), IP4(10, 0, 0, 100));
	renew(&m, 1, IP4(10, 0, 0, 100));
	run_at(&e, &m, T0 + 1800, false);
	assert_int_equal(e.res.action, DHCPS_ACT_COMMIT);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	assert_int_equal(e.res.rec.expires, T0 + 1800 + LEASE);
	/* unicast to ciaddr, ciaddr echoed */
	assert_int_equal(e.res.reply.dst_ip, IP4(10, 0, 0, 100));
	assert_int_equal(dhcp_get_be32(e.res.reply.data + DHCP_OFS_CIADDR),
			 IP4(10, 0, 0, 100));
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 100));
	/* REBINDING (broadcast) extends too */
	run_at(&e, &m, T0 + 3200, true);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	assert_int_equal(e.res.rec.expires, T0 + 3200 + LEASE);
	/* another client renewing client 1's address */
	renew(&m, 2, IP4(10, 0, 0, 100));
	run_at(&e, &m, T0 + 3300, false);
	assert_int_equal(e.res.reply_type, DHCP_NAK);
	/* an address of no subnet */
	renew(&m, 2, IP4(172, 16, 0, 5));
	run_at(&e, &m, T0 + 3300, false);
	assert_int_equal(e.res.reply_type, DHCP_NAK);
	teardown(&e);
}

static void test_release(void **state)
{
	struct env e;
	struct tmsg m;
	struct dhcps_stats st;

	setup(&e);
	assert_int_equal(lease(&e, 1), IP4(10, 0, 0, 100));
	dhcps_stats_get(e.s, &st);
	assert_int_equal(st.leases, 1);
	tmsg_init(&m, DHCP_RELEASE, 1, 9);
	dhcp_put_be32(m.b + DHCP_OFS_CIADDR, IP4(10, 0, 0, 100));
	tmsg_opt_ip(&m, DHCP_OPT_SERVER_ID, SRV);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.action, DHCPS_ACT_COMMIT);
	assert_int_equal(e.res.reply.len, 0);
	assert_int_equal(e.res.rec.state, DHCPS_LEASE_RELEASED);
	assert_int_equal(e.res.rec.ip, IP4(10, 0, 0, 100));
	dhcps_stats_get(e.s, &st);
	assert_int_equal(st.leases, 0);
	/* again: not held any more */
	run(&e, &m);
	assert_int_equal(e.res.drop, DHCPS_DROP_UNKNOWN_CLIENT);
	/* a new client gets a never-used address, the old one its own */
	assert_int_equal(lease(&e, 2), IP4(10, 0, 0, 101));
	assert_int_equal(lease(&e, 1), IP4(10, 0, 0, 100));
	/* another client cannot release it */
	tmsg_init(&m, DHCP_RELEASE, 2, 9);
	dhcp_put_be32(m.b + DHCP_OFS_CIADDR, IP4(10, 0, 0, 100));
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.drop, DHCPS_DROP_UNKNOWN_CLIENT);
	teardown(&e);
}

static void test_decline(void **state)
{
	struct env e;
	struct tmsg m;
	struct dhcps_lease_rec rec;

	cfg_default(&e);
	e.cfg.decline_hold = 100;
	start(&e);
	assert_int_equal(lease(&e, 1), IP4(10, 0, 0, 100));
	tmsg_init(&m, DHCP_DECLINE, 1, 9);
	tmsg_opt_ip(&m, DHCP_OPT_REQ_IP, IP4(10, 0, 0, 100));
	tmsg_opt_ip(&m, DHCP_OPT_SERVER_ID, SRV);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.action, DHCPS_ACT_COMMIT);
	assert_int_equal(e.res.reply.len, 0);
	assert_int_equal(e.res.rec.state, DHCPS_LEASE_DECLINED);
	assert_int_equal(e.res.rec.expires, T0 + 100);
	assert_int_equal(e.res.rec.key_len, 0);
	/* the client starts over and gets another address */
	assert_int_equal(lease(&e, 1), IP4(10, 0, 0, 101));
	/* nobody gets .100 while declined, even asking for it */
	init_reboot(&m, 5, IP4(10, 0, 0, 100));
	run(&e, &m);
	assert_int_equal(e.res.reply_type, DHCP_NAK);
	assert_int_equal(dhcps_expire(e.s, T0 + 50), T0 + 100);
	assert_int_equal(dhcps_expire(e.s, T0 + 100), T0 + LEASE);
	assert_int_equal(dhcps_lease_find(e.s, IP4(10, 0, 0, 100), &rec), 0);
	assert_int_equal(rec.state, DHCPS_LEASE_RELEASED);
	run_at(&e, &m, T0 + 101, true);
	assert_int_equal(e.res.reply_type, DHCP_ACK);

	/* DECLINE without 50 or 54, for another server, another's address */
	tmsg_init(&m, DHCP_DECLINE, 1, 9);
	tmsg_opt_ip(&m, DHCP_OPT_REQ_IP, IP4(10, 0, 0, 101));
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.drop, DHCPS_DROP_BAD_REQUEST);
	tmsg_init(&m, DHCP_DECLINE, 1, 9);
	tmsg_opt_ip(&m, DHCP_OPT_REQ_IP, IP4(10, 0, 0, 101));
	tmsg_opt_ip(&m, DHCP_OPT_SERVER_ID, IP4(10, 0, 0, 9));
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.drop, DHCPS_DROP_NOT_FOR_US);
	tmsg_init(&m, DHCP_DECLINE, 2, 9);
	tmsg_opt_ip(&m, DHCP_OPT_REQ_IP, IP4(10, 0, 0, 101));
	tmsg_opt_ip(&m, DHCP_OPT_SERVER_ID, SRV);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.drop, DHCPS_DROP_UNKNOWN_CLIENT);
	teardown(&e);
}

/* A RELEASE of @ip (its address in ciaddr) from client @mac. */
static void release(struct tmsg *m, uint8_t mac, uint32_t ip)
{
	tmsg_init(m, DHCP_RELEASE, mac, 0x5000u + mac);
	dhcp_put_be32(m->b + DHCP_OFS_CIADDR, ip);
	tmsg_end(m);
}

/* A DECLINE of @ip (in option 50) from client @mac. */
static void decline(struct tmsg *m, uint8_t mac, uint32_t ip)
{
	tmsg_init(m, DHCP_DECLINE, mac, 0x6000u + mac);
	tmsg_opt_ip(m, DHCP_OPT_REQ_IP, ip);
	tmsg_opt_ip(m, DHCP_OPT_SERVER_ID, SRV);
	tmsg_end(m);
}

/* Whether @ip is bound to client @mac. */
static bool bound_to(const struct env *e, uint32_t ip, uint8_t mac)
{
	struct dhcps_lease_rec rec;

	return !dhcps_lease_find(e->s, ip, &rec) &&
	       rec.state == DHCPS_LEASE_BOUND &&
	       !memcmp(rec.mac, (uint8_t[]){0x52, 0x54, 0, 0, 0, mac}, 6);
}

/* A DECLINE or RELEASE counts only from the client itself: another guest
 * naming the holder's MAC in chaddr (from its own MAC), or posing as a
 * relay, frees nothing. */
static void test_release_forged(void **state)
{
	struct dhcps_stats st;
	struct env e;
	struct tmsg m;

	setup(&e);
	assert_int_equal(lease(&e, 1), IP4(10, 0, 0, 100));
	release(&m, 1, IP4(10, 0, 0, 100));
	run_from(&e, &m, evil_mac);
	assert_int_equal(e.res.action, DHCPS_ACT_NONE);
	assert_int_equal(e.res.drop, DHCPS_DROP_FORGED_CHADDR);
	decline(&m, 1, IP4(10, 0, 0, 100));
	run_from(&e, &m, evil_mac);
	assert_int_equal(e.res.action, DHCPS_ACT_NONE);
	assert_int_equal(e.res.drop, DHCPS_DROP_FORGED_CHADDR);
	/* as a relay: giaddr set, sent from the victim's MAC even, and from
	 * a port trusted to relay (any other drops it sooner) */
	release(&m, 1, IP4(10, 0, 0, 100));
	dhcp_put_be32(m.b + DHCP_OFS_GIADDR, IP4(10, 0, 0, 7));
	e.trusted = true;
	run_from(&e, &m, victim);
	e.trusted = false;
	assert_int_equal(e.res.drop, DHCPS_DROP_FORGED_CHADDR);
	dhcps_stats_get(e.s, &st);
	assert_int_equal(st.drops[DHCPS_DROP_FORGED_CHADDR], 3);
	assert_int_equal(st.leases, 1);
	assert_true(bound_to(&e, IP4(10, 0, 0, 100), 1));
	/* the address stays the victim's: nobody else is given it */
	init_reboot(&m, 0xbb, IP4(10, 0, 0, 100));
	run_from(&e, &m, evil_mac);
	assert_int_equal(e.res.reply_type, DHCP_NAK);
	/* the victim's own RELEASE */
	release(&m, 1, IP4(10, 0, 0, 100));
	run_from(&e, &m, victim);
	assert_int_equal(e.res.action, DHCPS_ACT_COMMIT);
	assert_int_equal(e.res.rec.state, DHCPS_LEASE_RELEASED);
	teardown(&e);
}

/* A message of @type from client @mac with client identifier @id (7
 * bytes), @ciaddr, and options 50 and 54 when @req and @sid are not 0. */
static void msg_id(struct tmsg *m, uint8_t type, uint8_t mac, const uint8_t *id,
		   uint32_t ciaddr, uint32_t req, uint32_t sid)
{
	tmsg_init(m, type, mac, 0x7000u + type);
	dhcp_put_be32(m->b + DHCP_OFS_CIADDR, ciaddr);
	if (req)
		tmsg_opt_ip(m, DHCP_OPT_REQ_IP, req);
	if (sid)
		tmsg_opt_ip(m, DHCP_OPT_SERVER_ID, sid);
	tmsg_opt(m, DHCP_OPT_CLIENT_ID, id, 7);
	tmsg_end(m);
}

/* The client identifier a neighbour broadcasts, sent by another guest from
 * its own MAC, in every message: the neighbour's bound lease is neither
 * released, declined, offered, ACKed nor moved; the neighbour renews it;
 * once it has ended the identifier's new MAC gets the address. */
static void test_client_id_other_mac(void **state)
{
	static const uint8_t vid[7] = {1, 0x52, 0x54, 0, 0, 0, 1};
	const uint32_t ip = IP4(10, 0, 0, 100);
	/* the other guest's messages; reply 0: dropped */
	const struct {
		uint8_t type;
		uint32_t ciaddr, req, sid;
		uint8_t reply;
	} evil[] = {
	    {DHCP_RELEASE, ip, 0, 0, 0},
	    {DHCP_DECLINE, 0, ip, SRV, 0},
	    {DHCP_DISCOVER, 0, 0, 0, 0},
	    {DHCP_REQUEST, 0, ip, SRV, DHCP_NAK},   /* SELECTING */
	    {DHCP_REQUEST, 0, ip, 0, DHCP_NAK},	    /* INIT-REBOOT */
	    {DHCP_REQUEST, 0, ip + 2, 0, DHCP_NAK}, /* a free address */
	    {DHCP_REQUEST, ip, 0, 0, DHCP_NAK},	    /* RENEWING */
	};
	struct dhcps_stats st;
	struct env e;
	struct tmsg m;

	setup(&e);
	msg_id(&m, DHCP_DISCOVER, 1, vid, 0, 0, 0);
	run_from(&e, &m, victim);
	assert_int_equal(yiaddr(&e), ip);
	msg_id(&m, DHCP_REQUEST, 1, vid, 0, ip, SRV);
	run_from(&e, &m, victim);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
		msg_id(&m, evil[i].type, 0xbb, vid, evil[i].ciaddr, evil[i].req,
		       evil[i].sid);
		run_from(&e, &m, evil_mac);
		if (!evil[i].reply) {
			assert_int_equal(e.res.action, DHCPS_ACT_NONE);
			assert_int_equal(e.res.drop,
					 DHCPS_DROP_CLIENT_ID_IN_USE);
		} else {
			assert_int_equal(e.res.reply_type, evil[i].reply);
		}
		if (!bound_to(&e, ip, 1))
			fail_msg("message %zu took the lease", i);
	}
	dhcps_stats_get(e.s, &st);
	assert_int_equal(st.drops[DHCPS_DROP_CLIENT_ID_IN_USE], 3);
	assert_int_equal(st.acks, 1);

	/* the neighbour renews */
	msg_id(&m, DHCP_REQUEST, 1, vid, ip, 0, 0);
	run_from_at(&e, &m, victim, T0 + 100);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	assert_true(bound_to(&e, ip, 1));

	/* its lease ended: the identifier is the client, whatever its MAC */
	msg_id(&m, DHCP_DISCOVER, 0xbb, vid, 0, 0, 0);
	run_from_at(&e, &m, evil_mac, T0 + 100 + LEASE);
	assert_int_equal(e.res.reply_type, DHCP_OFFER);
	assert_int_equal(yiaddr(&e), ip);
	msg_id(&m, DHCP_REQUEST, 0xbb, vid, 0, ip, SRV);
	run_from_at(&e, &m, evil_mac, T0 + 100 + LEASE);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	assert_true(bound_to(&e, ip, 0xbb));
	teardown(&e);
}

static void test_inform(void **state)
{
	struct env e;
	struct tmsg m;

	setup(&e);
	tmsg_init(&m, DHCP_INFORM, 7, 9);
	dhcp_put_be32(m.b + DHCP_OFS_CIADDR, IP4(10, 0, 0, 7));
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.action, DHCPS_ACT_SEND);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	assert_int_equal(yiaddr(&e), 0);
	assert_int_equal(e.res.reply.dst_ip, IP4(10, 0, 0, 7));
	assert_false(dhcp_opt_has(&e.reply, DHCP_OPT_LEASE_TIME));
	assert_false(dhcp_opt_has(&e.reply, DHCP_OPT_T1));
	assert_int_equal(opt32(&e, DHCP_OPT_ROUTER), SRV);
	assert_int_equal(dhcps_lease_find(e.s, IP4(10, 0, 0, 7), &e.res.rec),
			 -ENOENT);
	teardown(&e);
}

static void test_reservation(void **state)
{
	struct env e;
	struct tmsg m;
	const uint8_t *v;
	size_t n;
	uint32_t ip;

	setup(&e);
	/* the reserved name is published before any lease */
	assert_int_equal(dns_names_lookup(e.names, "vm1", &ip), 0);
	assert_int_equal(ip, IP4(10, 0, 0, 50));
	discover(&m, 0xaa);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 50));
	v = dhcp_opt_get(&e.reply, DHCP_OPT_HOSTNAME, &n);
	assert_non_null(v);
	assert_int_equal(n, 3);
	assert_memory_equal(v, "vm1", 3);
	assert_int_equal(lease(&e, 0xaa), IP4(10, 0, 0, 50));
	assert_string_equal(e.res.rec.hostname, "vm1");
	/* other clients fill the range; the reserved address is never theirs */
	for (uint8_t c = 1; c <= 4; c++)
		assert_int_equal(lease(&e, c), IP4(10, 0, 0, 99 + c));
	/* releasing keeps the fixed DNS name */
	tmsg_init(&m, DHCP_RELEASE, 0xaa, 9);
	dhcp_put_be32(m.b + DHCP_OFS_CIADDR, IP4(10, 0, 0, 50));
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.action, DHCPS_ACT_COMMIT);
	assert_int_equal(dns_names_lookup(e.names, "vm1", &ip), 0);
	discover(&m, 5);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.drop, DHCPS_DROP_POOL_EXHAUSTED);
	teardown(&e);
}

static void test_exhaustion_expiry(void **state)
{
	struct env e;
	struct tmsg m;
	struct dhcps_stats st;

	setup(&e);
	for (uint8_t c = 1; c <= 4; c++)
		lease(&e, c);
	discover(&m, 5);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.action, DHCPS_ACT_NONE);
	assert_int_equal(e.res.drop, DHCPS_DROP_POOL_EXHAUSTED);
	dhcps_stats_get(e.s, &st);
	assert_int_equal(st.drops[DHCPS_DROP_POOL_EXHAUSTED], 1);
	assert_int_equal(st.leases, 4);
	/* client 1 releases, client 2 renews, 3 and 4 run out */
	tmsg_init(&m, DHCP_RELEASE, 1, 9);
	dhcp_put_be32(m.b + DHCP_OFS_CIADDR, IP4(10, 0, 0, 100));
	tmsg_end(&m);
	run_at(&e, &m, T0 + 50, true);
	assert_int_equal(e.res.action, DHCPS_ACT_COMMIT);
	renew(&m, 2, IP4(10, 0, 0, 101));
	run_at(&e, &m, T0 + 100, false);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	assert_int_equal(dhcps_expire(e.s, T0 + 10), T0 + LEASE);
	assert_int_equal(dhcps_expire(e.s, T0 + LEASE), T0 + 100 + LEASE);
	dhcps_stats_get(e.s, &st);
	assert_int_equal(st.leases, 1);
	assert_int_equal(st.expired, 2);
	/* the oldest-freed address goes to the new client */
	discover(&m, 5);
	tmsg_end(&m);
	run_at(&e, &m, T0 + LEASE + 1, true);
	assert_int_equal(e.res.action, DHCPS_ACT_SEND);
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 100));
	/* an expired client coming back gets its own address */
	discover(&m, 3);
	tmsg_end(&m);
	run_at(&e, &m, T0 + LEASE + 1, true);
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 102));
	/* an unanswered offer expires */
	assert_int_equal(dhcps_expire(e.s, T0 + LEASE + 1), T0 + LEASE + 61);
	dhcps_expire(e.s, T0 + LEASE + 61);
	assert_int_equal(dhcps_expire(e.s, T0 + LEASE + 61), T0 + 100 + LEASE);
	teardown(&e);
}

/* A reservation is by MAC: the reserved address goes to that MAC when it
 * changes client key (first no option 61, then a DUID), at DISCOVER and at
 * INIT-REBOOT; the old key holds it no more. */
static void test_reservation_new_key(void **state)
{
	static const uint8_t duid[] = {0xff, 1, 2, 3, 4, 0, 2, 0, 0, 0xab};
	struct dhcps_lease_rec rec;
	struct env e;
	struct tmsg m;

	setup(&e);
	assert_int_equal(lease(&e, 0xaa), IP4(10, 0, 0, 50));
	assert_int_equal(e.res.rec.key[0], 'H');
	discover(&m, 0xaa);
	tmsg_opt(&m, DHCP_OPT_CLIENT_ID, duid, sizeof(duid));
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.reply_type, DHCP_OFFER);
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 50));
	request_sel(&m, 0xaa, IP4(10, 0, 0, 50), SRV);
	tmsg_opt(&m, DHCP_OPT_CLIENT_ID, duid, sizeof(duid));
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	assert_int_equal(e.res.rec.ip, IP4(10, 0, 0, 50));
	assert_int_equal(e.res.rec.key[0], 'C');
	assert_int_equal(dhcps_lease_find(e.s, IP4(10, 0, 0, 50), &rec), 0);
	assert_int_equal(rec.key_len, 1 + sizeof(duid));
	/* back without 61 (another OS on the same VM), straight to
	 * INIT-REBOOT: its reserved address still */
	tmsg_init(&m, DHCP_REQUEST, 0xaa, 77);
	tmsg_opt_ip(&m, DHCP_OPT_REQ_IP, IP4(10, 0, 0, 50));
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	assert_int_equal(e.res.rec.key[0], 'H');
	/* another MAC with the DUID gets no reserved address */
	discover(&m, 0xab);
	tmsg_opt(&m, DHCP_OPT_CLIENT_ID, duid, sizeof(duid));
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 100));
	teardown(&e);
}

/*
 * Another VM naming the owner's MAC in chaddr (its own frame source, its own
 * client id) neither gets nor moves the reserved address the owner holds;
 * the owner with a new client id, from its own MAC, still does.
 */
static void test_reservation_spoofed_chaddr(void **state)
{
	static const uint8_t owner[6] = {0x52, 0x54, 0, 0, 0, 0xaa};
	struct dhcps_lease_rec rec;
	struct env e;
	struct tmsg m;

	setup(&e);
	assert_int_equal(lease(&e, 0xaa), IP4(10, 0, 0, 50));
	/* INIT-REBOOT for the reserved address */
	tmsg_init(&m, DHCP_REQUEST, 0xaa, 91);
	tmsg_opt(&m, DHCP_OPT_CLIENT_ID, "\0evil", 5);
	tmsg_opt_ip(&m, DHCP_OPT_REQ_IP, IP4(10, 0, 0, 50));
	tmsg_end(&m);
	run_from(&e, &m, evil_mac);
	assert_int_equal(e.res.reply_type, DHCP_NAK);
	assert_int_not_equal(e.res.action, DHCPS_ACT_COMMIT);
	assert_int_equal(dhcps_lease_find(e.s, IP4(10, 0, 0, 50), &rec), 0);
	assert_int_equal(rec.state, DHCPS_LEASE_BOUND);
	assert_int_equal(rec.key[0], 'H');
	/* DISCOVER then SELECTING: not offered the reserved address */
	discover(&m, 0xaa);
	tmsg_opt(&m, DHCP_OPT_CLIENT_ID, "\0evil", 5);
	tmsg_end(&m);
	run_from(&e, &m, evil_mac);
	assert_int_equal(e.res.reply_type, DHCP_OFFER);
	assert_int_not_equal(yiaddr(&e), IP4(10, 0, 0, 50));
	request_sel(&m, 0xaa, IP4(10, 0, 0, 50), SRV);
	tmsg_opt(&m, DHCP_OPT_CLIENT_ID, "\0evil", 5);
	tmsg_end(&m);
	run_from(&e, &m, evil_mac);
	assert_int_not_equal(e.res.reply_type, DHCP_ACK);
	assert_int_equal(dhcps_lease_find(e.s, IP4(10, 0, 0, 50), &rec), 0);
	assert_int_equal(rec.key[0], 'H');
	/* the owner itself with a new client id: moved to the new key */
	tmsg_init(&m, DHCP_REQUEST, 0xaa, 92);
	tmsg_opt(&m, DHCP_OPT_CLIENT_ID, "\0mine", 5);
	tmsg_opt_ip(&m, DHCP_OPT_REQ_IP, IP4(10, 0, 0, 50));
	tmsg_end(&m);
	run_from(&e, &m, owner);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	assert_int_equal(e.res.rec.ip, IP4(10, 0, 0, 50));
	assert_int_equal(e.res.rec.key[0], 'C');
	teardown(&e);
}

static void test_client_id(void **state)
{
	struct env e;
	struct tmsg m;

	setup(&e);
	/* the same MAC with two client ids: two clients */
	discover(&m, 1);
	tmsg_opt(&m, DHCP_OPT_CLIENT_ID, "\0a", 2);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 100));
	size_t n;
	const uint8_t *v = dhcp_opt_get(&e.reply, DHCP_OPT_CLIENT_ID, &n);

	assert_int_equal(n, 2); /* echoed, RFC 6842 */
	assert_memory_equal(v, "\0a", 2);
	discover(&m, 1);
	tmsg_opt(&m, DHCP_OPT_CLIENT_ID, "\0b", 2);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 101));
	/* the same id from another MAC: the same client */
	discover(&m, 9);
	tmsg_opt(&m, DHCP_OPT_CLIENT_ID, "\0a", 2);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 100));
	/* ids longer than the key keep apart by their tail */
	uint8_t id1[200], id2[200];

	memset(id1, 'q', sizeof(id1));
	memcpy(id2, id1, sizeof(id2));
	id2[199] = 'r';
	discover(&m, 2);
	tmsg_opt(&m, DHCP_OPT_CLIENT_ID, id1, sizeof(id1));
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 102));
	discover(&m, 2);
	tmsg_opt(&m, DHCP_OPT_CLIENT_ID, id2, sizeof(id2));
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 103));
	teardown(&e);
}

static void test_relay(void **state)
{
	struct env e;
	struct tmsg m;
	const uint8_t *v;
	size_t n;

	setup(&e);
	e.trusted = true; /* a relay on a trusted port */
	discover(&m, 1);
	dhcp_put_be32(m.b + DHCP_OFS_GIADDR, IP4(10, 1, 0, 1));
	m.b[3] = 1; /* hops */
	tmsg_opt(&m, DHCP_OPT_RELAY_AGENT, "\1\4port", 6);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.action, DHCPS_ACT_SEND);
	assert_int_equal(yiaddr(&e), IP4(10, 1, 0, 10));
	assert_int_equal(e.res.reply.dst_ip, IP4(10, 1, 0, 1));
	assert_int_equal(e.res.reply.dst_port, DHCP_SERVER_PORT);
	assert_int_equal(dhcp_get_be32(e.res.reply.data + DHCP_OFS_GIADDR),
			 IP4(10, 1, 0, 1));
	assert_int_equal(opt32(&e, DHCP_OPT_ROUTER), IP4(10, 1, 0, 1));
	assert_int_equal(opt32(&e, DHCP_OPT_LEASE_TIME), 600);
	v = dhcp_opt_get(&e.reply, DHCP_OPT_RELAY_AGENT, &n);
	assert_int_equal(n, 6); /* echoed, RFC 3046 */
	assert_memory_equal(v, "\1\4port", 6);

	request_sel(&m, 1, IP4(10, 1, 0, 10), SRV);
	dhcp_put_be32(m.b + DHCP_OFS_GIADDR, IP4(10, 1, 0, 1));
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	assert_int_equal(e.res.reply.dst_ip, IP4(10, 1, 0, 1));

	/* a NAK through a relay: to the relay, broadcast bit set */
	init_reboot(&m, 1, IP4(10, 0, 0, 100));
	dhcp_put_be32(m.b + DHCP_OFS_GIADDR, IP4(10, 1, 0, 1));
	run(&e, &m);
	assert_int_equal(e.res.reply_type, DHCP_NAK);
	assert_int_equal(e.res.reply.dst_ip, IP4(10, 1, 0, 1));
	assert_int_equal(e.res.reply.dst_port, DHCP_SERVER_PORT);
	assert_true(e.res.reply.data[DHCP_OFS_FLAGS] & 0x80);

	/* a relay of no subnet */
	discover(&m, 2);
	dhcp_put_be32(m.b + DHCP_OFS_GIADDR, IP4(10, 9, 0, 1));
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.drop, DHCPS_DROP_NO_SUBNET);
	teardown(&e);
}

/* A guest port (not trusted to relay) posing as a relay: giaddr would pick
 * the subnet (another one's leases) and send the replies to an address of
 * its choosing.  Every message type with giaddr set is dropped, before it
 * can take an address; the same client without giaddr is served. */
static void test_relay_untrusted(void **state)
{
	static const uint8_t types[] = {DHCP_DISCOVER, DHCP_REQUEST,
					DHCP_DECLINE, DHCP_RELEASE,
					DHCP_INFORM};
	static const uint32_t relays[] = {IP4(10, 1, 0, 1), IP4(10, 0, 0, 7),
					  IP4(10, 9, 0, 1)};
	struct dhcps_stats st;
	struct env e;
	struct tmsg m;
	unsigned n = 0;

	setup(&e);
	for (size_t i = 0; i < sizeof(types); i++) {
		for (size_t j = 0; j < sizeof(relays) / sizeof(*relays); j++) {
			tmsg_init(&m, types[i], 1, 0x3000u + (unsigned)i);
			tmsg_opt_ip(&m, DHCP_OPT_SERVER_ID, SRV);
			tmsg_opt_ip(&m, DHCP_OPT_REQ_IP, IP4(10, 1, 0, 10));
			tmsg_end(&m);
			dhcp_put_be32(m.b + DHCP_OFS_CIADDR, IP4(10, 1, 0, 10));
			dhcp_put_be32(m.b + DHCP_OFS_GIADDR, relays[j]);
			run(&e, &m);
			assert_int_equal(e.res.action, DHCPS_ACT_NONE);
			assert_int_equal(e.res.drop,
					 DHCPS_DROP_UNTRUSTED_RELAY);
			assert_int_equal(e.res.reply.len, 0);
			n++;
		}
	}
	dhcps_stats_get(e.s, &st);
	assert_int_equal(st.drops[DHCPS_DROP_UNTRUSTED_RELAY], n);
	assert_int_equal(st.offers + st.acks + st.naks, 0);
	assert_int_equal(st.leases, 0);
	/* the relay subnet's first address is still free: a trusted relay
	 * gets it, and the guest itself, without giaddr, its own subnet's */
	e.trusted = true;
	discover(&m, 2);
	dhcp_put_be32(m.b + DHCP_OFS_GIADDR, IP4(10, 1, 0, 1));
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(yiaddr(&e), IP4(10, 1, 0, 10));
	e.trusted = false;
	assert_int_equal(lease(&e, 1), IP4(10, 0, 0, 100));
	teardown(&e);
}

/* Whether a DISCOVER from client @mac, with client identifier @cid when
 * not 0, at @now is offered an address. */
static bool offered(struct env *e, uint8_t mac, uint8_t cid, int64_t now)
{
	struct tmsg m;

	discover(&m, mac);
	if (cid)
		tmsg_opt(&m, DHCP_OPT_CLIENT_ID, (uint8_t[]){0, cid}, 2);
	tmsg_end(&m);
	run_at(e, &m, now, true);
	return e->res.action == DHCPS_ACT_SEND &&
	       e->res.reply_type == DHCP_OFFER;
}

/* One guest port may hold port_share addresses (offered, probed or bound)
 * whatever chaddrs and client identifiers its messages name; its leases
 * renew, other ports and trusted ones are not affected, and a share comes
 * back as an address is released or its offer runs out. */
static void test_port_share(void **state)
{
	struct dhcps_stats st;
	struct env e;
	struct tmsg m;

	cfg_default(&e);
	e.cfg.port_share = 2;
	start(&e);
	e.in_port = 7;
	assert_true(offered(&e, 1, 0, T0));
	assert_int_equal(lease(&e, 2), IP4(10, 0, 0, 101));
	/* a third client on port 7: by chaddr, by client identifier (a
	 * MAC-guarded guest can only vary those), by INIT-REBOOT */
	assert_false(offered(&e, 3, 0, T0));
	assert_int_equal(e.res.drop, DHCPS_DROP_PORT_SHARE);
	assert_false(offered(&e, 1, 9, T0));
	assert_int_equal(e.res.drop, DHCPS_DROP_PORT_SHARE);
	init_reboot(&m, 4, IP4(10, 0, 0, 103));
	run(&e, &m);
	assert_int_equal(e.res.action, DHCPS_ACT_NONE);
	assert_int_equal(e.res.drop, DHCPS_DROP_PORT_SHARE);
	/* what port 7 holds still works: a retransmitted DISCOVER, a
	 * REQUEST of the offer, a renewal, an INIT-REBOOT */
	assert_true(offered(&e, 1, 0, T0));
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 100));
	request_sel(&m, 1, IP4(10, 0, 0, 100), SRV);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	renew(&m, 2, IP4(10, 0, 0, 101));
	run(&e, &m);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	init_reboot(&m, 2, IP4(10, 0, 0, 101));
	run(&e, &m);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	/* another guest port, and a trusted one, are served */
	e.in_port = 8;
	assert_true(offered(&e, 3, 0, T0));
	e.trusted = true;
	e.in_port = 7;
	assert_true(offered(&e, 4, 0, T0));
	e.trusted = false;
	/* a release gives port 7 its share back */
	release(&m, 2, IP4(10, 0, 0, 101));
	run(&e, &m);
	assert_int_equal(e.res.action, DHCPS_ACT_COMMIT);
	assert_true(offered(&e, 5, 0, T0));
	assert_false(offered(&e, 6, 0, T0));
	dhcps_stats_get(e.s, &st);
	assert_int_equal(st.drops[DHCPS_DROP_PORT_SHARE], 4);
	/* port 7 leaves: a port given its id starts with its whole share,
	 * and the addresses stay their clients' */
	dhcps_port_forget(e.s, 7);
	assert_true(dhcps_counts_ok(e.s));
	assert_true(bound_to(&e, IP4(10, 0, 0, 100), 1));
	assert_false(offered(&e, 6, 0, T0)); /* the pool is, not the share */
	assert_int_equal(e.res.drop, DHCPS_DROP_POOL_EXHAUSTED);
	dhcps_port_forget(e.s, DHCPS_MAX_PORTS); /* no such port: ignored */
	teardown(&e);
}

/* An offer that runs out gives its share back. */
static void test_port_share_expiry(void **state)
{
	struct env e;

	cfg_default(&e);
	e.cfg.port_share = 1;
	start(&e);
	e.in_port = 7;
	assert_true(offered(&e, 1, 0, T0));
	assert_false(offered(&e, 2, 0, T0 + 59));
	assert_int_equal(e.res.drop, DHCPS_DROP_PORT_SHARE);
	assert_true(offered(&e, 2, 0, T0 + 61)); /* offer_hold: 60 s */
	teardown(&e);
}

struct recs {
	struct dhcps_lease_rec v[8];
	unsigned n;
};

static void rec_keep(const struct dhcps_lease_rec *rec, bool offered, void *arg)
{
	struct recs *r = arg;

	if (!offered && r->n < 8)
		r->v[r->n++] = *rec;
}

/* Leases read back from the store count against the port that holds them
 * once the caller names its id of the moment (dhcps_port_claim(), or the
 * record's @port at restore): a port at its share after a restart, a
 * rebuilt server or a rejoin gets nothing more, and what it holds renews.
 * The records carry the port whatever the share (a share set later counts
 * what is held). */
static void test_port_share_restore(void **state)
{
	struct env e;
	struct tmsg m;
	struct recs r = {0};

	setup(&e); /* no share: the port is recorded all the same */
	e.in_port = 7;
	assert_int_equal(lease(&e, 1), IP4(10, 0, 0, 100));
	assert_int_equal(e.res.rec.port, 8);
	assert_int_equal(lease(&e, 2), IP4(10, 0, 0, 101));
	e.trusted = true;
	assert_int_equal(lease(&e, 3), IP4(10, 0, 0, 102));
	assert_int_equal(e.res.rec.port, 0); /* a trusted port's: none */
	e.trusted = false;
	dhcps_lease_walk(e.s, rec_keep, &r);
	assert_int_equal(r.n, 3);
	teardown(&e);

	/* restarted with a share of 2: port 7 is port 9 now */
	cfg_default(&e);
	e.cfg.port_share = 2;
	start(&e);
	for (unsigned i = 0; i < r.n; i++) {
		struct dhcps_lease_rec rec = r.v[i];

		rec.port = 0; /* as the store reads it back */
		assert_int_equal(dhcps_restore(e.s, &rec, T0), 0);
	}
	assert_true(dhcps_counts_ok(e.s));
	e.in_port = 9;
	assert_true(offered(&e, 4, 0, T0)); /* counted for no port yet */
	teardown(&e);

	cfg_default(&e);
	e.cfg.port_share = 2;
	start(&e);
	for (unsigned i = 0; i < r.n; i++) {
		struct dhcps_lease_rec rec = r.v[i];

		rec.port = 0;
		assert_int_equal(dhcps_restore(e.s, &rec, T0), 0);
	}
	assert_int_equal(dhcps_port_claim(e.s, IP4(10, 0, 0, 100), 9), 0);
	assert_int_equal(dhcps_port_claim(e.s, IP4(10, 0, 0, 101), 9), 0);
	assert_int_equal(dhcps_port_claim(e.s, IP4(10, 0, 0, 101), 9), -EEXIST);
	assert_int_equal(dhcps_port_claim(e.s, IP4(10, 0, 0, 103), 9), -ENOENT);
	assert_int_equal(
	    dhcps_port_claim(e.s, IP4(10, 0, 0, 102), DHCPS_MAX_PORTS),
	    -EINVAL);
	assert_true(dhcps_counts_ok(e.s));
	e.in_port = 9;
	assert_false(offered(&e, 4, 0, T0));
	assert_int_equal(e.res.drop, DHCPS_DROP_PORT_SHARE);
	/* what it holds renews */
	renew(&m, 2, IP4(10, 0, 0, 101));
	run(&e, &m);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	assert_int_equal(e.res.rec.port, 10);
	/* port 7, another guest now, has its whole share */
	e.in_port = 7;
	assert_true(offered(&e, 4, 0, T0));
	/* port 9 leaves and comes back (its device made again): forgotten,
	 * then claimed again */
	dhcps_port_forget(e.s, 9);
	e.in_port = 9;
	assert_int_equal(dhcps_port_claim(e.s, IP4(10, 0, 0, 100), 9), 0);
	assert_int_equal(dhcps_port_claim(e.s, IP4(10, 0, 0, 101), 9), 0);
	assert_false(offered(&e, 5, 0, T0));
	assert_int_equal(e.res.drop, DHCPS_DROP_PORT_SHARE);
	teardown(&e);

	/* a record's port counts at restore; an ended lease counts for
	 * none */
	cfg_default(&e);
	e.cfg.port_share = 1;
	start(&e);
	r.v[0].port = 10;
	assert_int_equal(dhcps_restore(e.s, &r.v[0], T0), 0);
	r.v[1].port = 12;
	r.v[1].expires = T0 - 1;
	assert_int_equal(dhcps_restore(e.s, &r.v[1], T0), 0);
	assert_int_equal(dhcps_port_claim(e.s, r.v[1].ip, 11), -ENOENT);
	assert_true(dhcps_counts_ok(e.s));
	e.in_port = 9;
	assert_false(offered(&e, 4, 0, T0));
	assert_int_equal(e.res.drop, DHCPS_DROP_PORT_SHARE);
	e.in_port = 11;
	assert_true(offered(&e, 4, 0, T0));
	teardown(&e);
}

/* A share of 0 is no limit: one port takes the whole pool. */
static void test_port_share_off(void **state)
{
	struct env e;

	setup(&e);
	e.in_port = 7;
	for (uint8_t mac = 1; mac <= 4; mac++)
		assert_true(offered(&e, mac, 0, T0));
	assert_false(offered(&e, 5, 0, T0));
	assert_int_equal(e.res.drop, DHCPS_DROP_POOL_EXHAUSTED);
	teardown(&e);
}

static void test_probe(void **state)
{
	struct env e;
	struct tmsg m, m2;
	struct dhcps_rx rx;
	struct dhcps_lease_rec rec;
	struct dhcps_stats st;

	cfg_default(&e);
	e.cfg.probe = true;
	start(&e);
	discover(&m, 1);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.action, DHCPS_ACT_PROBE);
	assert_int_equal(e.res.probe_ip, IP4(10, 0, 0, 100));
	/* a retransmission while probing */
	run(&e, &m);
	assert_int_equal(e.res.action, DHCPS_ACT_NONE);
	assert_int_equal(e.res.drop, DHCPS_DROP_PROBING);
	/* free: the offer follows */
	rx = (struct dhcps_rx){.data = m.b, .len = m.len, .bcast = true};
	dhcps_probe_done(e.s, IP4(10, 0, 0, 100), false, &rx, T0 + 1, &e.res);
	assert_int_equal(e.res.action, DHCPS_ACT_SEND);
	assert_int_equal(e.res.reply_type, DHCP_OFFER);
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 100));

	/* in use: held back, the next address is probed */
	discover(&m2, 2);
	tmsg_end(&m2);
	run(&e, &m2);
	assert_int_equal(e.res.probe_ip, IP4(10, 0, 0, 101));
	rx = (struct dhcps_rx){.data = m2.b, .len = m2.len, .bcast = true};
	dhcps_probe_done(e.s, IP4(10, 0, 0, 101), true, &rx, T0 + 1, &e.res);
	assert_int_equal(e.res.action, DHCPS_ACT_PROBE);
	assert_int_equal(e.res.probe_ip, IP4(10, 0, 0, 102));
	assert_int_equal(dhcps_lease_find(e.s, IP4(10, 0, 0, 101), &rec), 0);
	assert_int_equal(rec.state, DHCPS_LEASE_DECLINED);
	dhcps_probe_done(e.s, IP4(10, 0, 0, 102), false, &rx, T0 + 1, &e.res);
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 102));
	dhcps_stats_get(e.s, &st);
	assert_int_equal(st.probes, 3);
	assert_int_equal(st.conflicts, 1);

	/* a probe nobody answers in time: the address is probed again */
	discover(&m, 3);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.probe_ip, IP4(10, 0, 0, 103));
	run_at(&e, &m, T0 + 11, true);
	assert_int_equal(e.res.action, DHCPS_ACT_PROBE);
	assert_int_equal(e.res.probe_ip, IP4(10, 0, 0, 103));

	/* an address leased before is not probed again */
	request_sel(&m, 1, IP4(10, 0, 0, 100), SRV);
	tmsg_end(&m);
	run_at(&e, &m, T0 + 12, true);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	tmsg_init(&m, DHCP_RELEASE, 1, 9);
	dhcp_put_be32(m.b + DHCP_OFS_CIADDR, IP4(10, 0, 0, 100));
	tmsg_end(&m);
	run_at(&e, &m, T0 + 13, true);
	assert_int_equal(e.res.action, DHCPS_ACT_COMMIT);
	discover(&m, 1);
	tmsg_end(&m);
	run_at(&e, &m, T0 + 14, true);
	assert_int_equal(e.res.action, DHCPS_ACT_SEND);
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 100));
	teardown(&e);
}

static void test_restore(void **state)
{
	struct env e;
	struct tmsg m;
	struct dhcps_lease_rec rec = {0}, bad;
	uint32_t ip;

	cfg_default(&e);
	e.cfg.probe = true;
	start(&e);
	rec.ip = IP4(10, 0, 0, 102);
	rec.state = DHCPS_LEASE_BOUND;
	rec.expires = T0 + 500;
	memcpy(rec.mac, (uint8_t[]){0x52, 0x54, 0, 0, 0, 7}, 6);
	rec.key[0] = 'H';
	memcpy(rec.key + 1, rec.mac, 6);
	rec.key_len = 7;
	strcpy(rec.hostname, "db");
	assert_int_equal(dhcps_restore(e.s, &rec, T0), 0);
	assert_int_equal(dhcps_restore(e.s, &rec, T0), -EEXIST);
	assert_int_equal(dns_names_lookup(e.names, "db", &ip), 0);
	bad = rec;
	bad.ip = IP4(10, 0, 0, 20);
	assert_int_equal(dhcps_restore(e.s, &bad, T0), -ERANGE);
	bad.ip = IP4(10, 7, 0, 20);
	assert_int_equal(dhcps_restore(e.s, &bad, T0), -ERANGE);
	bad = rec;
	bad.ip = IP4(10, 0, 0, 103);
	bad.key_len = 0;
	assert_int_equal(dhcps_restore(e.s, &bad, T0), -EINVAL);
	/* the client's DISCOVER gets its address back, unprobed */
	discover(&m, 7);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(e.res.action, DHCPS_ACT_SEND);
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 102));
	/* a restored expired lease is free but remembered */
	rec.ip = IP4(10, 0, 0, 103);
	rec.mac[5] = 8;
	rec.key[6] = 8;
	rec.expires = T0 - 1;
	assert_int_equal(dhcps_restore(e.s, &rec, T0), 0);
	assert_int_equal(dhcps_lease_find(e.s, rec.ip, &bad), 0);
	assert_int_equal(bad.state, DHCPS_LEASE_RELEASED);
	discover(&m, 8);
	tmsg_end(&m);
	run(&e, &m);
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 103));
	teardown(&e);
}

/* Config refusals: each case breaks a good config; the sentence names it. */
struct cfg_case {
	const char *what;
	void (*mod)(struct dhcps_subnet_cfg *sn);
	const char *want;
};

static void c_prefix(struct dhcps_subnet_cfg *sn)
{
	sn->prefix = 31;
}
static void c_host_bits(struct dhcps_subnet_cfg *sn)
{
	sn->net = IP4(10, 0, 0, 1);
}
static void c_reversed(struct dhcps_subnet_cfg *sn)
{
	sn->range_start = IP4(10, 0, 0, 200);
}
static void c_outside(struct dhcps_subnet_cfg *sn)
{
	sn->range_end = IP4(10, 0, 1, 20);
}
static void c_gateway(struct dhcps_subnet_cfg *sn)
{
	sn->range_start = IP4(10, 0, 0, 1);
}
static void c_network(struct dhcps_subnet_cfg *sn)
{
	sn->range_start = IP4(10, 0, 0, 0);
}
static void c_bcast(struct dhcps_subnet_cfg *sn)
{
	sn->range_end = IP4(10, 0, 0, 255);
}
static void c_router(struct dhcps_subnet_cfg *sn)
{
	sn->router = IP4(10, 0, 1, 1);
}
static void c_lease(struct dhcps_subnet_cfg *sn)
{
	sn->lease_time = 30;
}
static void c_t1t2(struct dhcps_subnet_cfg *sn)
{
	sn->t1 = 3000;
	sn->t2 = 2000;
}
static void c_domain(struct dhcps_subnet_cfg *sn)
{
	strcpy(sn->domain, "lab..vnet");
}
static void c_route(struct dhcps_subnet_cfg *sn)
{
	sn->routes[0].dst = IP4(192, 168, 5, 1);
}

static const struct cfg_case cfg_cases[] = {
    {"prefix 31", c_prefix, "prefix /31"},
    {"host bits", c_host_bits, "10.0.0.1/24 is not a network address"},
    {"reversed", c_reversed, "range 10.0.0.200-10.0.0.103 is reversed"},
    {"outside", c_outside,
     "range 10.0.0.100-10.0.1.20 is not inside subnet 10.0.0.0/24"},
    {"gateway", c_gateway, "includes the gateway address 10.0.0.1"},
    {"network", c_network, "includes the network address"},
    {"broadcast", c_bcast, "includes the broadcast address"},
    {"router", c_router, "router 10.0.1.1 is not inside subnet"},
    {"lease", c_lease, "lease time 30 s"},
    {"t1 t2", c_t1t2, "must increase"},
    {"domain", c_domain, "is not a DNS name"},
    {"route", c_route, "static route 192.168.5.1/24"},
};

static void test_config_checks(void **state)
{
	struct env e;
	char err[200];

	cfg_default(&e);
	assert_int_equal(dhcps_check_subnet(&e.sn[0], SRV, err, sizeof(err)),
			 0);
	for (size_t i = 0; i < sizeof(cfg_cases) / sizeof(cfg_cases[0]); i++) {
		struct dhcps_subnet_cfg sn = e.sn[0];

		err[0] = 0;
		cfg_cases[i].mod(&sn);
		assert_int_equal(dhcps_check_subnet(&sn, SRV, err, sizeof(err)),
				 -EINVAL);
		if (!strstr(err, cfg_cases[i].want))
			fail_msg("%s: \"%s\" lacks \"%s\"", cfg_cases[i].what,
				 err, cfg_cases[i].want);
	}

	/* reservations */
	struct dhcps_reservation r = e.rv[0];

	assert_int_equal(dhcps_check_reservation(e.sn, 1, SRV, NULL, 0, &r, err,
						 sizeof(err)),
			 0);
	r.ip = IP4(10, 2, 0, 5);
	assert_int_equal(dhcps_check_reservation(e.sn, 1, SRV, NULL, 0, &r, err,
						 sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "reservation 10.2.0.5 for 52:54:00:00:00:aa "
				 "is outside subnet 10.0.0.0/24");
	r.ip = SRV;
	assert_int_equal(dhcps_check_reservation(e.sn, 1, SRV, NULL, 0, &r, err,
						 sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "gateway's own address"));
	r.ip = IP4(10, 0, 0, 255);
	assert_int_equal(dhcps_check_reservation(e.sn, 1, SRV, NULL, 0, &r, err,
						 sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "broadcast address"));
	r = e.rv[0];
	r.mac[5] = 0xbb;
	assert_int_equal(dhcps_check_reservation(e.sn, 1, SRV, e.rv, 1, &r, err,
						 sizeof(err)),
			 -EEXIST);
	assert_string_equal(
	    err, "10.0.0.50 is already reserved for 52:54:00:00:00:aa");
	r = e.rv[0];
	r.ip = IP4(10, 0, 0, 51);
	assert_int_equal(dhcps_check_reservation(e.sn, 1, SRV, e.rv, 1, &r, err,
						 sizeof(err)),
			 -EEXIST);
	assert_non_null(strstr(err, "already has reservation 10.0.0.50"));
	r.mac[5] = 0xbb;
	assert_int_equal(dhcps_check_reservation(e.sn, 1, SRV, e.rv, 1, &r, err,
						 sizeof(err)),
			 -EEXIST);
	assert_non_null(strstr(err, "hostname vm1 is already reserved"));
	strcpy(r.hostname, "bad name");
	assert_int_equal(dhcps_check_reservation(e.sn, 1, SRV, e.rv, 1, &r, err,
						 sizeof(err)),
			 -EINVAL);
	r.mac[0] = 1;
	strcpy(r.hostname, "ok");
	assert_int_equal(dhcps_check_reservation(e.sn, 1, SRV, e.rv, 1, &r, err,
						 sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "not a unicast address"));

	/* create refuses overlapping subnets */
	e.sn[1] = e.sn[0];
	e.sn[1].net = IP4(10, 0, 0, 0);
	e.sn[1].prefix = 16;
	e.sn[1].range_start = IP4(10, 0, 5, 1);
	e.sn[1].range_end = IP4(10, 0, 5, 9);
	struct dhcps *s = NULL;

	assert_int_equal(dhcps_create(&e.cfg, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "overlaps"));
	assert_null(s);
}

/* Many reservations: a server takes 50 000 in well under a second of CPU
 * (each was compared with every other: seconds), and still finds two that
 * share an address, a MAC or a hostname (in another case) wherever they
 * sit in the list. */
static void test_reservations_many(void **state)
{
	enum { N = 50000 };
	static const struct {
		const char *what, *want;
		void (*clash)(struct dhcps_reservation *first,
			      struct dhcps_reservation *last);
	} cases[] = {
	    {"none", NULL, NULL},
	    {"address", "10.0.1.0 is already reserved for 52:54:00:00:00:00",
	     clash_ip},
	    {"MAC", "52:54:00:00:00:00 already has reservation", clash_mac},
	    {"hostname", "hostname ", clash_host},
	};
	struct dhcps_reservation *rv = calloc(N, sizeof(*rv));
	struct timespec t0, t1;
	struct env e;
	char err[160];

	assert_non_null(rv);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct dhcps *s = NULL;

		cfg_default(&e);
		e.sn[0].prefix = 16;
		e.cfg.nsubnets = 1;
		for (unsigned i = 0; i < N; i++) {
			memcpy(rv[i].mac,
			       (uint8_t[]){0x52, 0x54, 0, 0, i >> 8, i & 255},
			       6);
			rv[i].ip = IP4(10, 0, 1, 0) + i;
			snprintf(rv[i].hostname, sizeof(rv[i].hostname),
				 "h%05u", i);
		}
		if (cases[c].clash)
			cases[c].clash(&rv[0], &rv[N - 1]);
		e.cfg.res = rv;
		e.cfg.nres = N;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		int rc = dhcps_create(&e.cfg, &s, err, sizeof(err));
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		double secs = (double)(t1.tv_sec - t0.tv_sec) +
			      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

		if (secs > 0.5)
			fail_msg("%s: %u reservations took %.2f s of CPU",
				 cases[c].what, N, secs);
		if (!cases[c].want) {
			assert_int_equal(rc, 0);
			dhcps_destroy(s);
			continue;
		}
		assert_int_equal(rc, -EEXIST);
		if (!strstr(err, cases[c].want))
			fail_msg("%s: \"%s\" lacks \"%s\"", cases[c].what, err,
				 cases[c].want);
	}
	free(rv);
}

/* A reservation cannot take an address another client holds: refused with
 * the holder and how long it has left; free, expired, released addresses
 * and the client's own lease are no obstacle. */
static void test_reservation_vs_lease(void **state)
{
	struct dhcps_reservation r = {.ip = IP4(10, 0, 0, 3),
				      .mac = {0x52, 0x54, 0, 0, 0, 0x0a}};
	struct dhcps_lease_rec rec = {.ip = IP4(10, 0, 0, 3),
				      .state = DHCPS_LEASE_BOUND,
				      .expires = T0 + 12 * 3600,
				      .mac = {0x52, 0x54, 0, 0, 0, 0x0b}};
	char err[200];

	assert_int_equal(dhcps_check_reservation_lease(&r, &rec, T0, "vms", err,
						       sizeof(err)),
			 -EBUSY);
	assert_string_equal(err, "10.0.0.3 is leased to 52:54:00:00:00:0b for "
				 "12h00m more: release it first (vnetctl dhcp "
				 "release vms 52:54:00:00:00:0b) or reserve "
				 "another address");
	rec.expires = T0;
	assert_int_equal(dhcps_check_reservation_lease(&r, &rec, T0, "vms", err,
						       sizeof(err)),
			 0);
	rec.expires = T0 + 60;
	rec.state = DHCPS_LEASE_RELEASED;
	assert_int_equal(dhcps_check_reservation_lease(&r, &rec, T0, "vms", err,
						       sizeof(err)),
			 0);
	rec.state = DHCPS_LEASE_BOUND;
	rec.mac[5] = 0x0a;
	assert_int_equal(dhcps_check_reservation_lease(&r, &rec, T0, "vms", err,
						       sizeof(err)),
			 0);
	rec.mac[5] = 0x0b;
	rec.ip = IP4(10, 0, 0, 4);
	assert_int_equal(dhcps_check_reservation_lease(&r, &rec, T0, "vms", err,
						       sizeof(err)),
			 0);
}

/* A client that released its address and comes back to a server restored
 * from the state file (a restart, a rebuild) is offered that address. */
static void test_release_restore(void **state)
{
	struct env e;
	struct tmsg m;
	struct dhcps_lease_rec rec;

	setup(&e);
	assert_int_equal(lease(&e, 1), IP4(10, 0, 0, 100));
	assert_int_equal(lease(&e, 2), IP4(10, 0, 0, 101));
	tmsg_init(&m, DHCP_RELEASE, 1, 9);
	dhcp_put_be32(m.b + DHCP_OFS_CIADDR, IP4(10, 0, 0, 100));
	tmsg_end(&m);
	run(&e, &m);
	rec = e.res.rec;
	assert_int_equal(rec.state, DHCPS_LEASE_RELEASED);
	teardown(&e);
	setup(&e);
	assert_int_equal(dhcps_restore(e.s, &rec, T0 + 5), 0);
	discover(&m, 1);
	tmsg_end(&m);
	run_at(&e, &m, T0 + 10, true);
	assert_int_equal(e.res.action, DHCPS_ACT_SEND);
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 100));
	teardown(&e);
}

/* Start @e with 10.0.0.50 reserved for 0xaa, restored from a store in
 * which 0xaa leased 10.0.0.100 before that reservation.  Return: the row
 * of that lease. */
static struct dhcps_lease_rec leased_before_reservation(struct env *e)
{
	struct dhcps_lease_rec rec;

	cfg_default(e);
	e->cfg.nres = 0;
	start(e);
	assert_int_equal(lease(e, 0xaa), IP4(10, 0, 0, 100));
	rec = e->res.rec;
	assert_false(e->res.has_old);
	teardown(e);
	setup(e);
	assert_int_equal(dhcps_restore(e->s, &rec, T0), 0);
	return rec;
}

/* A client leased 10.0.0.100 before its MAC was given a reservation: its
 * move to the reserved address releases the old row in the store too, so
 * after a restart (rows read in address order) it renews the reserved
 * address instead of being NAKed. */
static void test_reservation_move_restore(void **state)
{
	struct dhcps_lease_rec rows[2], rec;
	struct env e;
	struct tmsg m;

	rows[1] = leased_before_reservation(&e);
	assert_int_equal(lease(&e, 0xaa), IP4(10, 0, 0, 50));
	rows[0] = e.res.rec;
	assert_true(e.res.has_old);
	assert_int_equal(e.res.old.ip, IP4(10, 0, 0, 100));
	assert_int_equal(e.res.old.state, DHCPS_LEASE_RELEASED);
	assert_int_equal(e.res.old.key_len, rows[0].key_len);
	assert_memory_equal(e.res.old.key, rows[0].key, rows[0].key_len);
	rows[1] = e.res.old; /* the store: one row per address */
	assert_int_equal(dhcps_lease_find(e.s, IP4(10, 0, 0, 100), &rec), 0);
	assert_int_equal(rec.state, DHCPS_LEASE_RELEASED);
	/* the old address's row goes once only */
	tmsg_init(&m, DHCP_REQUEST, 0xaa, 78);
	dhcp_put_be32(m.b + DHCP_OFS_CIADDR, IP4(10, 0, 0, 50));
	tmsg_end(&m);
	run_at(&e, &m, T0 + 10, false);
	assert_int_equal(e.res.reply_type, DHCP_ACK);
	assert_false(e.res.has_old);
	teardown(&e);

	/* a restart: the old address's row is read first */
	for (int order = 0; order < 2; order++) {
		setup(&e);
		assert_int_equal(dhcps_restore(e.s, &rows[1 - order], T0 + 20),
				 0);
		assert_int_equal(dhcps_restore(e.s, &rows[order], T0 + 20), 0);
		/* the live lease keeps the client, whatever the order */
		assert_int_equal(dhcps_lease_find(e.s, IP4(10, 0, 0, 50), &rec),
				 0);
		assert_int_equal(rec.state, DHCPS_LEASE_BOUND);
		assert_int_equal(rec.key_len, rows[0].key_len);
		run_at(&e, &m, T0 + 30, false);
		assert_int_equal(e.res.reply_type, DHCP_ACK);
		assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 50));
		teardown(&e);
	}
}

/* A client that leased 10.0.0.100 before its MAC was given a reservation
 * moves to the reserved address on its own DISCOVER, not on one naming its
 * MAC from another guest's: that left 10.0.0.100 free for anyone while the
 * client still used it. */
static void test_reservation_move_forged(void **state)
{
	static const uint8_t owner[6] = {0x52, 0x54, 0, 0, 0, 0xaa};
	struct env e;
	struct tmsg m;

	leased_before_reservation(&e);
	discover(&m, 0xaa);
	tmsg_end(&m);
	run_from(&e, &m, evil_mac);
	assert_int_equal(e.res.reply_type, DHCP_OFFER);
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 100));
	assert_true(bound_to(&e, IP4(10, 0, 0, 100), 0xaa));
	run_from(&e, &m, owner);
	assert_int_equal(e.res.reply_type, DHCP_OFFER);
	assert_int_equal(yiaddr(&e), IP4(10, 0, 0, 50));
	teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dora),
	    cmocka_unit_test(test_param_list),
	    cmocka_unit_test(test_max_size),
	    cmocka_unit_test(test_selecting_other_server),
	    cmocka_unit_test(test_init_reboot),
	    cmocka_unit_test(test_renew_rebind),
	    cmocka_unit_test(test_release),
	    cmocka_unit_test(test_decline),
	    cmocka_unit_test(test_release_forged),
	    cmocka_unit_test(test_client_id_other_mac),
	    cmocka_unit_test(test_inform),
	    cmocka_unit_test(test_reservation),
	    cmocka_unit_test(test_reservation_new_key),
	    cmocka_unit_test(test_reservation_spoofed_chaddr),
	    cmocka_unit_test(test_exhaustion_expiry),
	    cmocka_unit_test(test_client_id),
	    cmocka_unit_test(test_relay),
	    cmocka_unit_test(test_relay_untrusted),
	    cmocka_unit_test(test_port_share),
	    cmocka_unit_test(test_port_share_expiry),
	    cmocka_unit_test(test_port_share_off),
	    cmocka_unit_test(test_port_share_restore),
	    cmocka_unit_test(test_probe),
	    cmocka_unit_test(test_restore),
	    cmocka_unit_test(test_config_checks),
	    cmocka_unit_test(test_reservations_many),
	    cmocka_unit_test(test_reservation_vs_lease),
	    cmocka_unit_test(test_release_restore),
	    cmocka_unit_test(test_reservation_move_restore),
	    cmocka_unit_test(test_reservation_move_forged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
