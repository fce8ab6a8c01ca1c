// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_dhcp.c - libFuzzer target: the DHCP server engine on a guest's
 * datagram to port 67 (message parser, state machine, reply writer), with
 * probes answered from the input and the frame's facts (source MAC, IP,
 * ingress port and its trust) chosen by it; every reply must parse back
 * and the server's counters must agree with its lease table, also as
 * ports leave and claim their leases back and as the table is rebuilt
 * from its lease records (a restart) */
#include <stdint.h>
#include <string.h>

#include "dhcp/dhcp_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IP4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static struct dhcps *srv;
static struct dns_names *names;
static int64_t now = 1000000;

static struct dhcps_lease_rec kept[32];
static unsigned nkept;

static void setup(void)
{
	static struct dhcps_subnet_cfg sn[2];
	static struct dhcps_reservation rv = {
	    {0x52, 0x54, 0, 0, 0, 0xaa}, IP4(10, 0, 0, 50), "vm1"};
	struct dhcps_config cfg = {0};
	char err[160];

	sn[0].net = IP4(10, 0, 0, 0);
	sn[0].prefix = 24;
	sn[0].range_start = IP4(10, 0, 0, 100);
	sn[0].range_end = IP4(10, 0, 0, 115);
	sn[0].router = IP4(10, 0, 0, 1);
	sn[0].dns[0] = IP4(10, 0, 0, 1);
	sn[0].ndns = 1;
	strcpy(sn[0].domain, "lab.vnet");
	sn[0].lease_time = 600;
	sn[0].mtu = 1500;
	sn[0].routes[0] =
	    (struct dhcps_route){IP4(192, 168, 0, 0), 16, IP4(10, 0, 0, 2)};
	sn[0].nroutes = 1;
	sn[1] = sn[0];
	sn[1].net = IP4(10, 1, 0, 0);
	sn[1].range_start = IP4(10, 1, 0, 10);
	sn[1].range_end = IP4(10, 1, 0, 12);
	sn[1].router = IP4(10, 1, 0, 1);
	cfg.server_ip = IP4(10, 0, 0, 1);
	cfg.subnets = sn;
	cfg.nsubnets = 2;
	cfg.res = &rv;
	cfg.nres = 1;
	cfg.probe = true;
	cfg.port_share = 3;
	if (dns_names_create("lab.vnet", sn[0].net, 24, 64, 0, &names))
		__builtin_trap();
	cfg.names = names;
	if (dhcps_create(&cfg, &srv, err, sizeof(err)))
		__builtin_trap();
}

static void keep(const struct dhcps_lease_rec *rec, bool offered, void *arg)
{
	if (!offered && nkept < sizeof(kept) / sizeof(kept[0]))
		kept[nkept++] = *rec;
}

/* A restart: a new server reads back every record the old one would have
 * stored, each with the port it names. */
static void rebuild(void)
{
	nkept = 0;
	dhcps_lease_walk(srv, keep, NULL);
	dhcps_destroy(srv);
	dns_names_destroy(names);
	srv = NULL;
	names = NULL;
	setup();
	for (unsigned i = 0; i < nkept; i++)
		if (dhcps_restore(srv, &kept[i], now))
			__builtin_trap();
}

/* After a lease's commit, by @how: its port leaves and comes back claiming
 * it (1), leaves only (2), or the server is rebuilt (3).  The record names
 * the port its message came in on, none for a trusted one. */
static void after_commit(const struct dhcps_rx *rx,
			 const struct dhcps_result *res, unsigned how)
{
	const struct dhcps_lease_rec *rec = &res->rec;

	if (rec->state == DHCPS_LEASE_BOUND &&
	    rec->port != (rx->trusted ? 0 : rx->in_port + 1))
		__builtin_trap();
	if (how == 1 || how == 2)
		dhcps_port_forget(srv, rx->in_port);
	if (how == 1 && rec->state == DHCPS_LEASE_BOUND &&
	    dhcps_port_claim(srv, rec->ip, rx->in_port))
		__builtin_trap();
	if (how == 3)
		rebuild();
}

static void check_reply(const struct dhcps_result *res)
{
	static struct dhcp_msg m;
	static uint8_t copy[DHCPS_REPLY_MAX];
	enum dhcps_drop d;

	if (!res->reply.len)
		return;
	if (res->reply.len < DHCP_MIN_REPLY || res->reply.len > DHCPS_REPLY_MAX)
		__builtin_trap();
	memcpy(copy, res->reply.data, res->reply.len);
	copy[0] = DHCP_BOOTREQUEST;
	d = dhcp_msg_parse(copy, res->reply.len, &m);
	if (d != DHCPS_DROP_NONE && d != DHCPS_DROP_BAD_MSG_TYPE)
		__builtin_trap();
}

/* The frame's Ethernet source, by @how: the message's own chaddr (the
 * client itself: DECLINE, RELEASE and reservation moves pass), a fixed
 * guest's MAC, the reservation's MAC, or chaddr's neighbour (one bit off:
 * another guest naming it). */
static void src_mac(uint8_t how, const uint8_t *msg, size_t len, uint8_t *mac)
{
	static const uint8_t fixed[6] = {0x52, 0x54, 0, 0, 0, 1};
	static const uint8_t reserved[6] = {0x52, 0x54, 0, 0, 0, 0xaa};

	memcpy(mac, how == 2 ? reserved : fixed, 6);
	if ((how == 0 || how == 3) && len >= DHCP_OFS_CHADDR + 6) {
		memcpy(mac, msg + DHCP_OFS_CHADDR, 6);
		mac[5] ^= how == 3;
	}
}

/*
 * Input: two control bytes, then the datagram.  The first: bit 0
 * broadcast; bits 1-2 probe verdicts "in use", or after a commit what
 * happens next (after_commit()); bits 3-7 seconds to advance the clock.  The
 * second: bits 0-1 the source MAC (src_mac()); bit 2 the ingress port is
 * trusted to relay; bits 3-5 the ingress port (the per-port share is 3); bits
 * 6-7 the IP source (0.0.0.0, ciaddr, an address of the local subnet, one of
 * the relay subnet).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t srcs[] = {0, 0, IP4(10, 0, 0, 77),
					IP4(10, 1, 0, 5)};
	struct dhcps_result res;
	struct dhcps_rx rx = {0};

	if (!srv)
		setup();
	if (size < 2)
		return 0;
	now += data[0] >> 3;
	rx.data = data + 2;
	rx.len = size - 2;
	rx.bcast = data[0] & 1;
	src_mac(data[1] & 3, rx.data, rx.len, rx.src_mac);
	rx.trusted = data[1] & 4;
	rx.in_port = (data[1] >> 3) & 7;
	rx.src_ip = srcs[data[1] >> 6];
	if (data[1] >> 6 == 1 && rx.len >= DHCP_OFS_CIADDR + 4)
		rx.src_ip = dhcp_get_be32(rx.data + DHCP_OFS_CIADDR);
	dhcps_input(srv, &rx, now, &res);
	check_reply(&res);
	for (int i = 0; i < 2 && res.action == DHCPS_ACT_PROBE; i++) {
		dhcps_probe_done(srv, res.probe_ip, data[0] & (2 << i), &rx,
				 now, &res);
		check_reply(&res);
	}
	if (res.action == DHCPS_ACT_COMMIT)
		after_commit(&rx, &res, (data[0] >> 1) & 3);
	if (dhcps_expire(srv, now) < now || !dhcps_counts_ok(srv))
		__builtin_trap();
	return 0;
}
