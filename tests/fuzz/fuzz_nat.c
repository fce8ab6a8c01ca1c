// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_nat.c - libFuzzer target: random packets through nat_out() and
 * nat_in() on a small table with forwards, with expiry and re-attach of
 * the region in between, and the ICMP error the gateway would send about
 * each.  Checked: a translated packet keeps a valid IP header checksum and,
 * when its L4 checksum was valid, a valid one (a zero UDP checksum stays
 * zero); a dropped packet is left untouched; a region the engine wrote
 * always attaches with nothing discarded; no fragment passed ends past
 * 65535 bytes; an ICMP error built is valid and at most 576 bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "lib/pkt.h"
#include "nat/nat_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stop on a broken invariant, saying which (the target keeps state across
 * inputs, so a crash file alone may not reproduce it). */
#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "fuzz_nat: %s:%d: %s\n", __FILE__, \
				__LINE__, #cond);                          \
			__builtin_trap();                                  \
		}                                                          \
	} while (0)

#define IP4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static struct nat_config cfg;
static struct nat_table *tbl;
static void *region;
static size_t region_size;
static int64_t now = 1000;

static void setup(void)
{
	char err[160];

	cfg.capacity = 64;
	cfg.epoch = 1;
	cfg.hash_key[0] = 7;
	cfg.inside_net = IP4(10, 10, 0, 0);
	cfg.inside_prefix = 24;
	cfg.ext_addr[0] = IP4(192, 0, 2, 1);
	cfg.ext_addr[1] = IP4(192, 0, 2, 2);
	cfg.n_ext = 2;
	cfg.port_min = 1024;
	cfg.port_max = 1055; /* small: exhaustion is reachable */
	cfg.ext_mtu = 1400;
	cfg.sessions_per_ip = 12; /* reachable in a table of 64 */
	region_size = nat_table_size(cfg.capacity);
	region = aligned_alloc(64, (region_size + 63) & ~(size_t)63);
	if (!region ||
	    nat_table_init(region, region_size, &cfg, now, &tbl, err,
			   sizeof(err)) ||
	    nat_forward_add(tbl, NAT_PROTO_TCP, 8080, IP4(10, 10, 0, 5), 80,
			    err, sizeof(err)) ||
	    nat_forward_add(tbl, NAT_PROTO_UDP, 5000, IP4(10, 10, 0, 6), 5000,
			    err, sizeof(err)))
		__builtin_trap();
}

/* Header checksum, and the L4 checksum of an unfragmented packet:
 * 1 valid, 0 invalid, 2 a zero UDP checksum, -1 not checkable. */
static int l4_state(const uint8_t *ip, size_t len)
{
	size_t hl, tot, l4len;
	const uint8_t *l4;
	uint8_t ph[12];
	uint32_t sum = 0;

	if (len < 20 || (ip[0] >> 4) != 4 || (ip[0] & 15) < 5)
		return -1;
	hl = (size_t)(ip[0] & 15) * 4;
	tot = pkt_get_be16(ip + 2);
	if (hl > len || tot < hl || tot > len ||
	    (pkt_get_be16(ip + 6) & 0x3fff))
		return -1;
	l4 = ip + hl;
	l4len = tot - hl;
	switch (ip[9]) {
	case NAT_PROTO_UDP:
		if (l4len < 8)
			return -1;
		if (!l4[6] && !l4[7])
			return 2;
		/* fall through */
	case NAT_PROTO_TCP:
		memcpy(ph, ip + 12, 8);
		ph[8] = 0;
		ph[9] = ip[9];
		ph[10] = (uint8_t)(l4len >> 8);
		ph[11] = (uint8_t)l4len;
		sum = csum_partial(ph, 12, 0);
		break;
	case NAT_PROTO_ICMP:
		break;
	default:
		return -1;
	}
	return !csum_fold(csum_partial(l4, l4len, sum));
}

static void reattach(void)
{
	struct nat_attach_info info;
	char err[160];
	uint32_t held[256], fwd;

	/* The counts per address kept as entries came and went are what a
	 * rebuild from the entries finds (expiry caught up first: a rebuild
	 * frees the sessions already due). */
	while (!nat_expire(tbl, now, 1u << 16))
		;
	for (unsigned a = 0; a < 256; a++)
		held[a] = nat_ip_count(tbl, IP4(10, 10, 0, a));
	fwd = tbl->fwd_sess;
	nat_table_detach(tbl);
	CHECK(!nat_table_attach(region, region_size, &cfg, now, &tbl, &info,
				err, sizeof(err)));
	if (info.discarded)
		fprintf(stderr, "discarded %u kept %u\n", info.discarded,
			info.kept);
	CHECK(!info.discarded);
	for (unsigned a = 0; a < 256; a++)
		CHECK(nat_ip_count(tbl, IP4(10, 10, 0, a)) == held[a]);
	/* So is the count of sessions remotes opened through forwards. */
	CHECK(tbl->fwd_sess == fwd);
}

/*
 * Input: one control byte (bit 0: from the outside; bit 1: partial
 * checksums; bit 2: fix the IP header checksum first; bit 3: detach and
 * attach the region first; bit 4: through the burst call; bits 4-7:
 * seconds to advance), then the packet.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[10000], copy[10000];
	struct nat_verdict v;
	unsigned flags;
	size_t len;
	int before, after;

	if (!tbl)
		setup();
	if (size < 1 || size - 1 > sizeof(pkt))
		return 0;
	len = size - 1;
	memcpy(pkt, data + 1, len);
	now += data[0] >> 4;
	flags = data[0] & 2 ? NAT_F_CSUM_PARTIAL : 0;
	if ((data[0] & 4) && len >= 20 && (pkt[0] & 15) >= 5 &&
	    (size_t)(pkt[0] & 15) * 4 <= len) {
		pkt[10] = pkt[11] = 0;
		pkt_put_be16(pkt + 10, csum_fold(csum_partial(
					   pkt, (pkt[0] & 15) * 4u, 0)));
	}
	if (data[0] & 8)
		reattach();
	memcpy(copy, pkt, len);
	before = l4_state(pkt, len);
	if (data[0] & 0x10) {
		struct nat_pkt bp = {.ip = pkt, .len = len, .flags = flags};

		if (data[0] & 1)
			nat_in_burst(tbl, &bp, 1, now);
		else
			nat_out_burst(tbl, &bp, 1, now);
		v = bp.v;
	} else if (data[0] & 1) {
		nat_in(tbl, pkt, len, flags, now, &v);
	} else {
		nat_out(tbl, pkt, len, flags, now, &v);
	}
	if (v.action == NAT_DROP) {
		/* Only a hairpin's second leg drops a rewritten packet. */
		bool hairpin = !(data[0] & 1) && len >= 20 &&
			       nat_ext_idx(&cfg, nat_get_be32(copy + 16)) >= 0;

		CHECK(v.drop < NAT_DROP_MAX);
		CHECK(hairpin || !memcmp(pkt, copy, len));
	} else if (v.action == NAT_FORWARD || v.action == NAT_HAIRPIN) {
		CHECK(!csum_fold(csum_partial(pkt, (pkt[0] & 15) * 4u, 0)));
		/* No fragment passes that ends beyond the largest datagram. */
		CHECK((pkt_get_be16(pkt + 6) & 0x1fffu) * 8u +
			  pkt_get_be16(pkt + 2) <=
		      65535u);
		after = l4_state(pkt, len);
		CHECK(flags || before < 1 || after == before);
	} else {
		CHECK(v.action == NAT_HOST);
		CHECK(!memcmp(pkt, copy, len));
		/* An echo request for the gateway is whole: a fragment of
		 * one would be answered as if it were. */
		CHECK(pkt[9] != NAT_PROTO_ICMP ||
		      !(pkt_get_be16(pkt + 6) & 0x3fff));
	}
	/* The error the gateway would send about the packet as it came. */
	{
		static uint8_t err_pkt[600];
		size_t n =
		    nat_icmp_error(copy, len, 3, 4, 1400, IP4(10, 10, 0, 1),
				   err_pkt, sizeof(err_pkt));

		CHECK(n <= 576);
		CHECK(!n || !csum_fold(csum_partial(err_pkt, 20, 0)));
		CHECK(!n || !csum_fold(csum_partial(err_pkt + 20, n - 20, 0)));
	}
	/* Remotes' sessions through forwards stay within their share. */
	CHECK(tbl->fwd_sess <= NAT_FWD_SESSIONS_MAX(cfg.capacity));
	(void)nat_expire(tbl, now, 64);
	return 0;
}
