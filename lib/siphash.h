/* SPDX-License-Identifier: GPL-2.0-or-later */
/* siphash.h - SipHash on one 64-bit word, for hash tables keyed against
 * collision attacks
 *
 * A table whose bucket index a peer can predict can be filled along one
 * probe chain on purpose.  Hashing with a secret key drawn at start stops
 * that: SipHash (Aumasson and Bernstein) is a PRF, so without the key a peer
 * cannot choose inputs that collide.  Tables use SipHash-1-3, the variant
 * Linux (hsiphash) and Python use for hash tables whose output is never
 * shown to the peer; SipHash-2-4 is here for its published test vectors.
 */
#ifndef VNET_SIPHASH_H
#define VNET_SIPHASH_H

#include <stdint.h>

/**
 * struct siphash_key - a 128-bit key, kept as the four initial state words
 * @v: k0 and k1 folded into SipHash's constants once, so hashing skips it
 */
struct siphash_key {
	uint64_t v[4];
};

static inline void siphash_key_init(struct siphash_key *k, uint64_t k0,
				    uint64_t k1)
{
	k->v[0] = k0 ^ 0x736f6d6570736575ull;
	k->v[1] = k1 ^ 0x646f72616e646f6dull;
	k->v[2] = k0 ^ 0x6c7967656e657261ull;
	k->v[3] = k1 ^ 0x7465646279746573ull;
}

static inline uint64_t siphash_rol(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPHASH_ROUND(v0, v1, v2, v3)     \
	do {                              \
		v0 += v1;                 \
		v1 = siphash_rol(v1, 13); \
		v1 ^= v0;                 \
		v0 = siphash_rol(v0, 32); \
		v2 += v3;                 \
		v3 = siphash_rol(v3, 16); \
		v3 ^= v2;                 \
		v0 += v3;                 \
		v3 = siphash_rol(v3, 21); \
		v3 ^= v0;                 \
		v2 += v1;                 \
		v1 = siphash_rol(v1, 17); \
		v1 ^= v2;                 \
		v2 = siphash_rol(v2, 32); \
	} while (0)

/* SipHash-c-d of the 8 bytes of @m in little-endian order. */
static inline __attribute__((always_inline)) uint64_t
siphash_u64_cd(const struct siphash_key *k, uint64_t m, int c, int d)
{
	uint64_t v0 = k->v[0], v1 = k->v[1], v2 = k->v[2], v3 = k->v[3];
	const uint64_t b = 8ull << 56; /* message length 8, no tail bytes */

	v3 ^= m;
	for (int i = 0; i < c; i++)
		SIPHASH_ROUND(v0, v1, v2, v3);
	v0 ^= m;
	v3 ^= b;
	for (int i = 0; i < c; i++)
		SIPHASH_ROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (int i = 0; i < d; i++)
		SIPHASH_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* siphash13_u64() - the table hash: SipHash-1-3 of one word */
static inline uint64_t siphash13_u64(const struct siphash_key *k, uint64_t m)
{
	return siphash_u64_cd(k, m, 1, 3);
}

/* siphash24_u64() - SipHash-2-4 of one word (the reference variant) */
static inline uint64_t siphash24_u64(const struct siphash_key *k, uint64_t m)
{
	return siphash_u64_cd(k, m, 2, 4);
}

#endif
