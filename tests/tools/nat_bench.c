// SPDX-License-Identifier: GPL-2.0-or-later
/* nat_bench.c - micro-benchmark of the NAT engine's per-packet path
 *
 * A table of 262144 entries holds 100 000 live UDP sessions (through
 * 50 000 mappings) from 250 VMs; then, in ns per packet and packets per second:
 *   out-hot    one established flow, out (the table stays in cache)
 *   out-100k   round-robin over the 100 000 flows, out (a cache miss or
 *              two per packet, as with many busy flows)
 *   in-100k    the same flows' replies, in
 *   tcp-new    a new TCP connection per packet (mapping + session made),
 *              then nat_expire() of all of them, counted per connection
 * Each packet is first copied from a prepared 64-byte frame into the work
 * buffer (the caller hands the engine a writable copy); "copy" measures
 * that copy alone.
 *
 *   cc -O2 -I. -o nat-bench tests/tools/nat_bench.c build/libvnet.a -pthread
 *   ./nat-bench [rounds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/pkt.h"
#include "nat/nat_priv.h"

#define IP4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define NFLOWS	 100000u
#define CAPACITY 262144u
#define NSYN	 50000u
#define PKT_LEN	 50 /* 64-byte frame less the Ethernet header */
#define EXT	 IP4(192, 0, 2, 1)
#define REM	 IP4(198, 51, 100, 7)

static uint64_t ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void fix(uint8_t *ip)
{
	size_t l4len = PKT_LEN - 20;
	uint8_t ph[12];

	ip[10] = ip[11] = 0;
	pkt_put_be16(ip + 10, csum_fold(csum_partial(ip, 20, 0)));
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = ip[9];
	ph[10] = 0;
	ph[11] = (uint8_t)l4len;
	if (ip[9] == NAT_PROTO_TCP) {
		ip[36] = ip[37] = 0;
		pkt_put_be16(ip + 36,
			     csum_fold(csum_partial(ip + 20, l4len,
						    csum_partial(ph, 12, 0))));
	} else {
		ip[26] = ip[27] = 0;
		pkt_put_be16(ip + 26,
			     csum_fold(csum_partial(ip + 20, l4len,
						    csum_partial(ph, 12, 0))));
	}
}

static void mk(uint8_t *ip, uint8_t proto, uint32_t src, uint16_t sport,
	       uint32_t dst, uint16_t dport, uint8_t tcp_flags)
{
	memset(ip, 0, PKT_LEN);
	ip[0] = 0x45;
	pkt_put_be16(ip + 2, PKT_LEN);
	ip[8] = 64;
	ip[9] = proto;
	nat_put_be32(ip + 12, src);
	nat_put_be32(ip + 16, dst);
	pkt_put_be16(ip + 20, sport);
	pkt_put_be16(ip + 22, dport);
	if (proto == NAT_PROTO_TCP) {
		ip[32] = 0x50;
		ip[33] = tcp_flags;
	} else {
		pkt_put_be16(ip + 24, PKT_LEN - 20);
	}
	fix(ip);
}

/* Flow i: VM i % 250, port by i / 500, one of two remotes by i / 250 % 2:
 * 50 000 mappings (one external address holds 64 512 ports per protocol)
 * with two sessions each. */
static uint32_t vm_ip(unsigned i)
{
	return IP4(10, 10, 0, 2 + i % 250);
}

static uint16_t vm_port(unsigned i)
{
	return (uint16_t)(10000 + i / 500);
}

static uint32_t rem_ip(unsigned i)
{
	return REM + (i / 250) % 2;
}

static void report(const char *what, uint64_t ns, unsigned n)
{
	double per = (double)ns / n;

	printf("  %-9s %7.1f ns/pkt  %6.2f Mpps\n", what, per, 1000.0 / per);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	struct nat_config cfg = {0};
	static uint8_t out_pkts[NFLOWS][64], in_pkts[NFLOWS][64];
	static uint8_t syn_pkts[NSYN][64];
	uint8_t work[64];
	static uint8_t bwork[NAT_BURST_MAX][64];
	struct nat_pkt bp[NAT_BURST_MAX];
	struct nat_table *t;
	struct nat_verdict v;
	size_t size = nat_table_size(CAPACITY);
	void *mem = aligned_alloc(64, size);
	char err[160];
	int64_t now = 1000;
	uint64_t sink = 0;

	cfg.capacity = CAPACITY;
	cfg.epoch = 1;
	cfg.hash_key[0] = 0x1234;
	cfg.hash_key[1] = 0x5678;
	cfg.inside_net = IP4(10, 10, 0, 0);
	cfg.inside_prefix = 24;
	cfg.ext_addr[0] = EXT;
	cfg.n_ext = 1;
	if (!mem ||
	    nat_table_init(mem, size, &cfg, now, &t, err, sizeof(err))) {
		fprintf(stderr, "nat-bench: %s\n", err);
		return 1;
	}
	for (unsigned i = 0; i < NFLOWS; i++) {
		mk(out_pkts[i], NAT_PROTO_UDP, vm_ip(i), vm_port(i), rem_ip(i),
		   443, 0);
		memcpy(work, out_pkts[i], PKT_LEN);
		nat_out(t, work, PKT_LEN, 0, now, &v);
		if (v.action != NAT_FORWARD) {
			fprintf(stderr, "nat-bench: flow %u: %s\n", i,
				nat_drop_name(v.drop));
			return 1;
		}
		mk(in_pkts[i], NAT_PROTO_UDP, rem_ip(i), 443, EXT,
		   pkt_get_be16(work + 20), 0);
	}
	printf("nat-bench: %u live sessions in a %u-entry table (%zu MB)\n",
	       NFLOWS, CAPACITY, size >> 20);
	for (int r = 1; r <= rounds; r++) {
		const unsigned n = 4 * NFLOWS;
		uint64_t t0;

		printf("round %d\n", r);
		t0 = ns_now();
		for (unsigned i = 0; i < n; i++) {
			memcpy(work, out_pkts[i % NFLOWS], PKT_LEN);
			sink += work[12];
		}
		report("copy", ns_now() - t0, n);

		t0 = ns_now();
		for (unsigned i = 0; i < n; i++) {
			memcpy(work, out_pkts[7], PKT_LEN);
			nat_out(t, work, PKT_LEN, 0, now, &v);
			sink += v.action;
		}
		report("out-hot", ns_now() - t0, n);

		t0 = ns_now();
		for (unsigned i = 0; i < n; i++) {
			memcpy(work, out_pkts[(i * 7919u) % NFLOWS], PKT_LEN);
			nat_out(t, work, PKT_LEN, 0, now, &v);
			sink += v.action;
		}
		report("out-100k", ns_now() - t0, n);

		t0 = ns_now();
		for (unsigned i = 0; i < n; i++) {
			memcpy(work, in_pkts[(i * 7919u) % NFLOWS], PKT_LEN);
			nat_in(t, work, PKT_LEN, 0, now, &v);
			sink += v.action;
		}
		report("in-100k", ns_now() - t0, n);

		for (int dir = 0; dir < 2; dir++) {
			t0 = ns_now();
			for (unsigned i = 0; i < n; i += NAT_BURST_MAX) {
				for (unsigned j = 0; j < NAT_BURST_MAX; j++) {
					unsigned f = ((i + j) * 7919u) % NFLOWS;

					memcpy(bwork[j],
					       dir ? in_pkts[f] : out_pkts[f],
					       PKT_LEN);
					bp[j].ip = bwork[j];
					bp[j].len = PKT_LEN;
					bp[j].flags = 0;
				}
				if (dir)
					nat_in_burst(t, bp, NAT_BURST_MAX, now);
				else
					nat_out_burst(t, bp, NAT_BURST_MAX,
						      now);
				sink += bp[0].v.action;
			}
			report(dir ? "in-burst" : "out-burst", ns_now() - t0,
			       n);
		}

		/* New TCP connections: 50 000 SYNs from fresh ports, then
		 * all of them expired. */
		for (unsigned i = 0; i < NSYN; i++)
			mk(syn_pkts[i], NAT_PROTO_TCP, vm_ip(i),
			   (uint16_t)(30000 + i / 250), REM, 80, NAT_TCP_SYN);
		t0 = ns_now();
		for (unsigned i = 0; i < NSYN; i++) {
			memcpy(work, syn_pkts[i], PKT_LEN);
			nat_out(t, work, PKT_LEN, 0, now, &v);
			if (v.action != NAT_FORWARD) {
				fprintf(stderr, "nat-bench: syn %u: %s\n", i,
					nat_drop_name(v.drop));
				return 1;
			}
		}
		now += 121;
		while (!nat_expire(t, now, 1u << 20))
			;
		report("tcp-new", ns_now() - t0, NSYN);
		/* The UDP flows were expired too: make them again. */
		for (unsigned i = 0; i < NFLOWS; i++) {
			memcpy(work, out_pkts[i], PKT_LEN);
			nat_out(t, work, PKT_LEN, 0, now, &v);
			mk(in_pkts[i], NAT_PROTO_UDP, rem_ip(i), 443, EXT,
			   pkt_get_be16(work + 20), 0);
		}
	}
	nat_table_detach(t);
	free(mem);
	return sink == 42;
}
