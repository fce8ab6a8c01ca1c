// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_dns.c - libFuzzer target: the gateway's DNS responder on a guest's
 * query to port 53 (header, name with compression pointers, answers) */
#include <stdint.h>
#include <string.h>

#include "dhcp/dhcp.h"
#include "lib/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dns_names *names;

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
	}
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
