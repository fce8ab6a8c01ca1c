// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_dns.c - libFuzzer target: the gateway's DNS responder on a guest's
 * query to port 53 (header, name with compression pointers, answers), and
 * the relay engine on the same bytes as a query and as an upstream answer */
#include <stdint.h>
#include <string.h>

#include "dhcp/dhcp.h"
#include "lib/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dns_names *names;
static struct dns_relay *relay;

/* A SERVFAIL: header and at most one question, QR and RCODE 2. */
static void servfail_check(const uint8_t *m, size_t len)
{
	if (!len)
		return;
	if (len < 12 || len > 12 + 259 + 11 || !(m[2] & 0x80) ||
	    (m[3] & 0xf) != 2)
		__builtin_trap();
}

/* The bytes as a query to relay, then as the answer to it; or, when the
 * size is odd, the query given up (its SERVFAIL). */
static void fuzz_relay(const uint8_t *data, size_t size)
{
	static uint8_t q[4096], a[4096], sf[300];
	struct dns_relay_client c = {.mac = {2},
				     .ip = 1,
				     .port = 2,
				     .in_port = 3,
				     .gen = (uint32_t)size & 2};
	size_t n = size < sizeof(q) ? size : sizeof(q), out;
	int slot = -1;

	out = dns_relay_servfail(data, size, 1232, sf, sizeof(sf));
	if (out > size) /* never longer than the query */
		__builtin_trap();
	servfail_check(sf, out);
	memcpy(q, data, n);
	if (dns_relay_query(relay, q, n, &c, (uint16_t)size, 0, &slot) ==
	    DNS_RELAY_DROP_NONE)
		dns_relay_sent(relay, slot, 1);
	if (size & 4) { /* the guest resends it: the same slot */
		int again = -1;

		memcpy(q, data, n);
		if (dns_relay_query(relay, q, n, &c, 1, 0, &again) ==
			DNS_RELAY_DROP_NONE &&
		    !dns_relay_servers(relay, again))
			dns_relay_sent(relay, again, 1);
		while (dns_relay_resend_due(relay, 1000) >= 0)
			;
	}
	if ((size & 3) == 3) /* the guest's port leaves */
		dns_relay_port_gone(relay, c.in_port);
	if (size & 1) {
		servfail_check(sf, dns_relay_fail(relay, slot,
						  DNS_RELAY_DROP_TIMEOUT, sf,
						  sizeof(sf), &c));
		return;
	}
	memcpy(a, data, n);
	if (n >= 2)
		memcpy(a, q, 2); /* the upstream ID */
	if (dns_relay_answer(relay, slot, 0, a, n, &c, &out) ==
		DNS_RELAY_DROP_NONE &&
	    (out > n || out < 12))
		__builtin_trap();
	while ((slot = dns_relay_expired(relay, 1)) >= 0)
		servfail_check(sf, dns_relay_fail(relay, slot,
						  DNS_RELAY_DROP_TIMEOUT, sf,
						  sizeof(sf), &c));
	dns_relay_expire(relay, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[DNS_REPLY_MAX];
	struct dns_result r;

	if (!names) {
		if (dns_names_create("lab.vnet", 0x0a000000, 24, 16, 0,
				     &names) ||
		    dns_names_add(names, "vm1", 0x0a000005, true) ||
		    dns_names_add(names, "web", 0x0a000006, false))
			__builtin_trap();
		if (dns_relay_create(4, 1, 1472, &relay))
			__builtin_trap();
	}
	fuzz_relay(data, size);
	dns_answer(names, data, size, out, sizeof(out), &r);
	if (r.action == DNS_ACT_REPLY) {
		/* a reply holds the question at least, and is no larger */
		if (r.len < 12 + 1 + 4 || r.len > sizeof(out) ||
		    r.len > size + 12 + 4 + 256 || memcmp(out, data, 2) ||
		    !(out[2] & 0x80))
			__builtin_trap();
	} else if (r.action == DNS_ACT_DROP && r.drop >= DNS_DROP_MAX) {
		__builtin_trap();
	}
	return 0;
}
