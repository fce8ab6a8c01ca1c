// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_dhcp.c - libFuzzer target: the DHCP server engine on a guest's
 * datagram to port 67 (message parser, state machine, reply writer), with
 * probes answered from the input; every reply must parse back */
#include <stdint.h>
#include <string.h>

#include "dhcp/dhcp_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IP4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static struct dhcps *srv;
static struct dns_names *names;
static int64_t now = 1000000;

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
	if (dns_names_create("lab.vnet", sn[0].net, 24, 64, 0, &names) ||
	    dhcps_create(&cfg, &srv, err, sizeof(err)))
		__builtin_trap();
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

/*
 * Input: one control byte (bit 0: broadcast; bits 1-2: probe verdicts
 * "in use"; bits 3-7: seconds to advance the clock), then the datagram.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcps_result res;
	struct dhcps_rx rx = {0};

	if (!srv)
		setup();
	if (size < 1)
		return 0;
	now += data[0] >> 3;
	rx.data = data + 1;
	rx.len = size - 1;
	rx.bcast = data[0] & 1;
	memcpy(rx.src_mac, (uint8_t[]){0x52, 0x54, 0, 0, 0, 1}, 6);
	dhcps_input(srv, &rx, now, &res);
	check_reply(&res);
	for (int i = 0; i < 2 && res.action == DHCPS_ACT_PROBE; i++) {
		dhcps_probe_done(srv, res.probe_ip, data[0] & (2 << i), &rx,
				 now, &res);
		check_reply(&res);
	}
	if (dhcps_expire(srv, now) < now)
		__builtin_trap();
	return 0;
}
