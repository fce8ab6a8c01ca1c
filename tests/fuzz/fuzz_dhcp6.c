// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_dhcp6.c - libFuzzer target: the DHCPv6 server engine on a guest's
 * datagram to port 547 (message parser, RFC 8415 16 checks, binding
 * table, reply writer), with the frame's facts (source, multicast or
 * unicast, ingress port and its trust) and the clock chosen by the input;
 * every reply must fit DHCP6S_REPLY_MAX and parse back, and the engine's
 * counters must agree with its table, also as ports leave, the settings
 * change and the engine is made anew with its key (a restart) */
#include <stdint.h>
#include <string.h>

#include "dhcp/dhcp6_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dhcp6s *srv;
static struct dhcp6s_config cfg;
static int64_t now = 1000000;
static bool big; /* 3 DNS servers and a 198-character search list */

/* A small table and range, so that the share, a full table, collisions,
 * reserved identifiers and the gateway's are all reached.  The server's
 * MAC is the one in the seeds' server identifiers. */
static void setup(void)
{
	static const uint8_t prefix[8] = {0xfd, 0x00, 0x0a, 0xbc, 0, 0, 0, 1};
	static const uint8_t mac[6] = {0x02, 0x84, 0xd7, 0x03, 0xb7, 0xd9};
	char err[160];

	memcpy(cfg.prefix, prefix, 8);
	memcpy(cfg.gateway, prefix, 8);
	cfg.gateway[15] = 1;
	memcpy(cfg.server_mac, mac, 6);
	memcpy(cfg.dns[0], cfg.gateway, 16);
	cfg.ndns = 1;
	strcpy(cfg.search, "lab.vnet example.org");
	cfg.preferred = 20;
	cfg.valid = 40;
	cfg.iid_first = 0;
	cfg.iid_last = 24;
	cfg.preference = 255;
	cfg.stateful = true;
	cfg.max_bindings = 12;
	cfg.port_share = 3;
	cfg.decline_hold = 30;
	memcpy(cfg.key, "fuzz-dhcp6-key!!", 16);
	big = false;
	if (dhcp6s_new(&cfg, &srv, err, sizeof(err)))
		__builtin_trap();
}

/* Switch to or from the settings with the largest DNS options, whose
 * replies reach the bound where the optional parts are left out. */
static void set_big(bool on)
{
	char err[160];

	big = on;
	cfg.ndns = on ? 3 : 1;
	for (unsigned i = 1; i < 3; i++) {
		memcpy(cfg.dns[i], cfg.gateway, 16);
		cfg.dns[i][14] = (uint8_t)i;
	}
	strcpy(cfg.search, "lab.vnet example.org");
	for (unsigned i = 0, at = 0; on && i < 3; i++) {
		static const unsigned label[3] = {62, 62, 48};

		memset(cfg.search + at, 'a' + i, label[i]);
		memcpy(cfg.search + at + label[i], ".example ", 9);
		at += label[i] + 9;
		cfg.search[at - 1] = i < 2 ? ' ' : 0;
	}
	if (dhcp6s_configure(srv, &cfg, err, sizeof(err)) ||
	    !dhcp6s_counts_ok(srv))
		__builtin_trap();
}

static void check_reply(enum dhcp6s_drop d, const struct dhcp6s_reply *out)
{
	static struct dhcp6_msg m;

	if (d != DHCP6S_DROP_NONE) {
		/* the reply is bounded before anything changes */
		if (out->len || d > DHCP6S_DROP_NONE ||
		    d == DHCP6S_DROP_REPLY_FULL)
			__builtin_trap();
		return;
	}
	if (out->len < 4 || out->len > DHCP6S_REPLY_MAX ||
	    (out->type != DHCP6_ADVERTISE && out->type != DHCP6_REPLY) ||
	    dhcp6_msg_parse(out->data, out->len, &m) != DHCP6S_DROP_NONE ||
	    !m.sid)
		__builtin_trap();
}

/*
 * Input: two control bytes, then the datagram.  The first: bits 0-4
 * seconds to advance the clock; bit 5 sent to a unicast address; bit 6
 * from a trusted port; bit 7 from a global (not link-local) source.  The
 * second: bits 0-2 the ingress port (the share is 3; 7 is one beyond
 * DHCP6S_MAX_PORTS), bit 7 the settings with the largest DNS options
 * (applied before the message); then, after the message, bit 3 that port
 * leaves, bit 4 the settings change (stateless or DNS off, and back), bit
 * 5 a restart (a new engine, same key).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp6s_reply out;
	struct dhcp6s_rx rx = {0};
	enum dhcp6s_drop d;
	char err[160];

	if (!srv)
		setup();
	if (size < 2)
		return 0;
	if (!!(data[1] & 0x80) != big)
		set_big(data[1] & 0x80);
	now += data[0] & 31;
	rx.data = data + 2;
	rx.len = size - 2;
	rx.src[0] = 0xfe;
	rx.src[1] = 0x80;
	if (data[0] & 0x80)
		memcpy(rx.src, cfg.prefix, 8);
	rx.src[15] = 2;
	if (data[0] & 0x20) {
		memcpy(rx.dst, cfg.gateway, 16);
	} else {
		rx.dst[0] = 0xff;
		rx.dst[1] = 0x02;
		rx.dst[13] = 1;
		rx.dst[15] = 2;
	}
	rx.src_port = DHCP6_CLIENT_PORT;
	rx.trusted = data[0] & 0x40;
	rx.in_port = data[1] & 7;
	if (rx.in_port == 7)
		rx.in_port = DHCP6S_MAX_PORTS + 7;
	rx.now = now;
	d = dhcp6s_handle(srv, &rx, &out);
	check_reply(d, &out);
	if (data[1] & 8)
		dhcp6s_port_gone(srv, rx.in_port);
	if (data[1] & 16) {
		struct dhcp6s_config c = cfg;

		c.stateful = data[1] & 64;
		c.ndns = 0;
		if (dhcp6s_configure(srv, &c, err, sizeof(err)) ||
		    !dhcp6s_counts_ok(srv) ||
		    dhcp6s_configure(srv, &cfg, err, sizeof(err)))
			__builtin_trap();
	}
	if (data[1] & 32) {
		dhcp6s_free(srv);
		srv = NULL;
		setup();
	}
	if (dhcp6s_expire(srv, now) <= now || !dhcp6s_counts_ok(srv))
		__builtin_trap();
	return 0;
}
