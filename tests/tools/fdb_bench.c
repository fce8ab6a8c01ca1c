// SPDX-License-Identifier: GPL-2.0-or-later
/* fdb_bench.c - micro-benchmark of the MAC table's hot path
 *
 * Measures, in ns per operation: the bucket hash alone (the unkeyed
 * multiply-xorshift the table used before, SipHash-1-3, SipHash-2-4), and
 * the per-frame table work (fdb_learn of a known source + fdb_lookup of a
 * known destination) on a 4096-entry table holding 1024 MACs: "mixed" with
 * a new source and destination every frame (every lookup hashes), "flow"
 * with one source and destination per port as a VM's traffic mostly is
 * (the port's slot hints skip the hash).
 *
 *   cc -O2 -I. -o fdb-bench tests/tools/fdb_bench.c build/libvnet.a -pthread
 *   ./fdb-bench [rounds]
 *
 * Built with -DFDB_OLD_API against a tree from before the MAC limit, the
 * table part measures the old table (fdb_learn without its limit).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lib/siphash.h"
#include "vswitch/vswitch_priv.h"

#define NKEYS  1024
#define NITERS 20000

static uint64_t ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static unsigned fmix(uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (unsigned)key;
}

static uint64_t keys[NKEYS];
static uint8_t macs[NKEYS][6];

#define HASH_LOOP(expr)                                                  \
	do {                                                             \
		uint64_t t0 = ns_now();                                  \
		for (int it = 0; it < NITERS; it++)                      \
			for (int i = 0; i < NKEYS; i++)                  \
				acc += (expr);                           \
		dt = (double)(ns_now() - t0) / ((double)NITERS * NKEYS); \
	} while (0)

#ifndef FDB_OLD_API
static _Atomic uint64_t hints[8][2];
#endif

/* One frame from port @port: learn its source, look up its destination. */
static unsigned table_op(struct fdb *f, const uint8_t *src, const uint8_t *dst,
			 int port)
{
#ifdef FDB_OLD_API
	return fdb_learn(f, src, 0, (uint16_t)port, 2) +
	       (unsigned)fdb_lookup(f, dst, 0, 2);
#else
	return fdb_learn(f, src, 0, (uint16_t)port, 1024, 2, &hints[port][0]) +
	       (unsigned)fdb_lookup(f, dst, 0, 2, &hints[port][1]);
#endif
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	struct siphash_key sk;
	unsigned acc = 0;
	struct fdb *f = fdb_create(4096, 300);

	siphash_key_init(&sk, 0x0123456789abcdefull, 0xfedcba9876543210ull);
	for (int i = 0; i < NKEYS; i++) {
		for (int b = 0; b < 6; b++)
			macs[i][b] = (uint8_t)rand();
		macs[i][0] = (macs[i][0] & 0xfc) | 0x02;
		keys[i] = (1ull << 62);
		for (int b = 0; b < 6; b++)
			keys[i] |= (uint64_t)macs[i][b] << (40 - 8 * b);
		table_op(f, macs[i], macs[i], i % 8);
	}
	printf("round  fmix  sip13  sip24  mixed   flow (ns)\n");
	for (int r = 0; r < rounds; r++) {
		double h0, h1, h2, tl, tf, dt;
		uint64_t t0;

		HASH_LOOP(fmix(keys[i]));
		h0 = dt;
		HASH_LOOP((unsigned)siphash13_u64(&sk, keys[i]));
		h1 = dt;
		HASH_LOOP((unsigned)siphash24_u64(&sk, keys[i]));
		h2 = dt;
		t0 = ns_now();
		for (int it = 0; it < NITERS / 10; it++)
			for (int i = 0; i < NKEYS; i++) {
				const uint8_t *dst = macs[(i * 7) % NKEYS];
				acc += table_op(f, macs[i], dst, i % 8);
			}
		tl = (double)(ns_now() - t0) / ((double)NITERS / 10 * NKEYS);
		t0 = ns_now();
		for (int it = 0; it < NITERS / 10; it++)
			for (int i = 0; i < NKEYS; i++)
				acc += table_op(f, macs[i & 7],
						macs[8 + (i & 7)], i & 7);
		tf = (double)(ns_now() - t0) / ((double)NITERS / 10 * NKEYS);
		printf("%5d %5.2f %6.2f %6.2f %6.2f %6.2f\n", r, h0, h1, h2, tl,
		       tf);
	}
	fdb_destroy(f);
	return acc == 42; /* keep the work alive */
}
