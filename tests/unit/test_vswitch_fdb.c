// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vswitch_fdb.c - MAC learning table: learn, move, age, capacity,
 * keyed hashing, per-port limits and counts, pinned entries, resizing */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "lib/siphash.h"
#include "vswitch/vswitch_priv.h"

static const uint8_t mac_a[6] = {0x52, 0x54, 0, 0, 0, 1};
static const uint8_t mac_b[6] = {0x52, 0x54, 0, 0, 0, 2};

static void test_learn_lookup(void **state)
{
	struct fdb *f = fdb_create(16, 300);

	assert_int_equal(fdb_lookup(f, mac_a, 0, 100, NULL), -1);
	assert_int_equal(fdb_learn(f, mac_a, 0, 3, 0, 100, NULL), FDB_LEARNED);
	assert_int_equal(fdb_lookup(f, mac_a, 0, 100, NULL), 3);
	assert_int_equal(fdb_learn(f, mac_a, 0, 3, 0, 101, NULL),
			 FDB_REFRESHED);
	assert_int_equal(fdb_count(f), 1);
	/* Same MAC in another VLAN is another entry. */
	assert_int_equal(fdb_lookup(f, mac_a, 10, 100, NULL), -1);
	assert_int_equal(fdb_learn(f, mac_a, 10, 4, 0, 100, NULL), FDB_LEARNED);
	assert_int_equal(fdb_lookup(f, mac_a, 10, 100, NULL), 4);
	assert_int_equal(fdb_lookup(f, mac_a, 0, 100, NULL), 3);
	fdb_destroy(f);
}

static void test_move(void **state)
{
	struct fdb *f = fdb_create(16, 300);

	fdb_learn(f, mac_a, 0, 1, 0, 10, NULL);
	assert_int_equal(fdb_learn(f, mac_a, 0, 2, 0, 11, NULL), FDB_MOVED);
	assert_int_equal(fdb_lookup(f, mac_a, 0, 11, NULL), 2);
	assert_int_equal(fdb_count(f), 1);
	fdb_destroy(f);
}

static void test_age(void **state)
{
	struct fdb *f = fdb_create(16, 30);

	fdb_learn(f, mac_a, 0, 1, 0, 100, NULL);
	fdb_learn(f, mac_b, 0, 2, 0, 120, NULL);
	/* Expired entries stop answering before the sweep removes them. */
	assert_int_equal(fdb_lookup(f, mac_a, 0, 130, NULL), -1);
	assert_int_equal(fdb_lookup(f, mac_b, 0, 130, NULL), 2);
	assert_int_equal(fdb_age(f, 130), 1);
	assert_int_equal(fdb_count(f), 1);
	/* A refresh keeps an entry alive. */
	fdb_learn(f, mac_b, 0, 2, 0, 145, NULL);
	assert_int_equal(fdb_age(f, 160), 0);
	assert_int_equal(fdb_lookup(f, mac_b, 0, 160, NULL), 2);
	/* The tombstone is reused and lookups still work past it. */
	assert_int_equal(fdb_learn(f, mac_a, 0, 5, 0, 160, NULL), FDB_LEARNED);
	assert_int_equal(fdb_lookup(f, mac_a, 0, 160, NULL), 5);
	fdb_destroy(f);
}

static void test_capacity(void **state)
{
	struct fdb *f = fdb_create(20, 300);
	uint8_t m[6] = {0x02, 0, 0, 0, 0, 0};
	unsigned learned = 0, full = 0;

	for (int i = 0; i < 100; i++) {
		m[5] = (uint8_t)i;
		m[4] = (uint8_t)(i >> 8);
		switch (fdb_learn(f, m, 0, 1, 0, 1, NULL)) {
		case FDB_LEARNED:
			learned++;
			break;
		case FDB_FULL:
			full++;
			break;
		default:
			fail();
		}
	}
	assert_int_equal(learned, 20);
	assert_int_equal(full, 80);
	assert_int_equal(fdb_count(f), 20);
	/* Known MACs still refresh when the table is full. */
	m[5] = 0;
	m[4] = 0;
	assert_int_equal(fdb_learn(f, m, 0, 1, 0, 2, NULL), FDB_REFRESHED);
	fdb_destroy(f);
}

static void test_flush_and_rebuild(void **state)
{
	struct fdb *f = fdb_create(64, 300), *g;
	uint8_t m[6] = {0x02, 0, 0, 0, 0, 0};

	/* 64 entries in a 128-slot table; port 1 has three in four. */
	for (int i = 0; i < 64; i++) {
		m[5] = (uint8_t)i;
		fdb_learn(f, m, 0, (uint16_t)(i % 4 != 0), 0, 1, NULL);
	}
	assert_int_equal(fdb_flush_port(f, 1), 48);
	assert_int_equal(fdb_count(f), 16);
	assert_true(fdb_needs_rebuild(f));
	g = fdb_rebuild(f);
	assert_non_null(g);
	assert_int_equal(fdb_count(g), 16);
	assert_false(fdb_needs_rebuild(g));
	m[5] = 4;
	assert_int_equal(fdb_lookup(g, m, 0, 1, NULL), 0);
	m[5] = 3;
	assert_int_equal(fdb_lookup(g, m, 0, 1, NULL), -1);
	fdb_destroy(f);
	fdb_destroy(g);
}

static void mac_n(uint8_t m[6], unsigned i)
{
	m[0] = 0x02;
	m[1] = 0;
	m[2] = (uint8_t)(i >> 24);
	m[3] = (uint8_t)(i >> 16);
	m[4] = (uint8_t)(i >> 8);
	m[5] = (uint8_t)i;
}

static void test_siphash_vector(void **state)
{
	struct siphash_key k;

	/* The SipHash paper's vector: key 00..0f, message 00..07. */
	siphash_key_init(&k, 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull);
	assert_true(siphash24_u64(&k, 0x0706050403020100ull) ==
		    0x93f5f5799a932462ull);
	/* The table's variant differs from it and depends on the key. */
	assert_true(siphash13_u64(&k, 1) != siphash24_u64(&k, 1));
	siphash_key_init(&k, 1, 0);
	assert_true(siphash13_u64(&k, 1) !=
		    siphash13_u64(&(struct siphash_key){{0}}, 1));
}

static void test_keyed_buckets(void **state)
{
	struct fdb *a = fdb_create_keyed(4096, 300, 1, 2);
	struct fdb *a2 = fdb_create_keyed(4096, 300, 1, 2);
	struct fdb *b = fdb_create_keyed(4096, 300, 3, 4);
	struct fdb *r1 = fdb_create(4096, 300), *r2 = fdb_create(4096, 300);
	unsigned same_ab = 0, same_r = 0, found = 0, spread = 0;
	static uint8_t used[8192];
	uint8_t m[6];

	for (unsigned i = 0; i < 1000; i++) {
		mac_n(m, i);
		assert_int_equal(fdb_bucket(a, m, 0), fdb_bucket(a2, m, 0));
		same_ab += fdb_bucket(a, m, 0) == fdb_bucket(b, m, 0);
		same_r += fdb_bucket(r1, m, 0) == fdb_bucket(r2, m, 0);
	}
	/* 8192 slots: a chance coincidence is 1 in 8192 per MAC. */
	assert_true(same_ab < 10);
	assert_true(same_r < 10);
	/* MACs aimed at one bucket under key a land all over under key b. */
	for (unsigned i = 0; found < 64; i++) {
		mac_n(m, i);
		if (fdb_bucket(a, m, 0) != 77)
			continue;
		found++;
		if (!used[fdb_bucket(b, m, 0)]++)
			spread++;
	}
	assert_true(spread > 56);
	fdb_destroy(a);
	fdb_destroy(a2);
	fdb_destroy(b);
	fdb_destroy(r1);
	fdb_destroy(r2);
}

struct recount {
	unsigned n[8];
	unsigned total;
};

static void recount_cb(const uint8_t mac[6], uint16_t vlan, int port,
		       int64_t age, bool pinned, void *arg)
{
	struct recount *r = arg;

	if (port >= 0 && port < 8)
		r->n[port]++;
	r->total++;
}

/* Every per-port count equals what a walk of the table finds; @pins
 * entries pinned to port 1 show in the walk but are not learned. */
static void assert_counts_exact(struct fdb *f, int64_t now, unsigned pins)
{
	struct recount r = {{0}, 0};
	unsigned sum = 0;

	fdb_foreach(f, now, recount_cb, &r);
	r.n[1] -= pins;
	r.total -= pins;
	for (uint16_t p = 0; p < 8; p++) {
		assert_int_equal(fdb_port_count(f, p), r.n[p]);
		sum += r.n[p];
	}
	assert_int_equal(r.total, sum);
	assert_int_equal(fdb_count(f), sum + pins);
}

static void test_mac_limit(void **state)
{
	struct fdb *f = fdb_create(64, 30);
	uint8_t m[6];

	for (unsigned i = 0; i < 5; i++) {
		mac_n(m, i);
		assert_int_equal(fdb_learn(f, m, 0, 1, 3, 100, NULL),
				 i < 3 ? FDB_LEARNED : FDB_LIMIT);
	}
	assert_int_equal(fdb_port_count(f, 1), 3);
	assert_int_equal(fdb_count(f), 3);
	mac_n(m, 4);
	assert_int_equal(fdb_lookup(f, m, 0, 100, NULL), -1);
	/* Known MACs still refresh at the limit; other ports are not held
	 * back by it. */
	mac_n(m, 0);
	assert_int_equal(fdb_learn(f, m, 0, 1, 3, 101, NULL), FDB_REFRESHED);
	mac_n(m, 100);
	assert_int_equal(fdb_learn(f, m, 0, 2, 3, 101, NULL), FDB_LEARNED);
	/* A move onto a port at its limit is refused like a new MAC. */
	assert_int_equal(fdb_learn(f, m, 0, 1, 3, 101, NULL), FDB_LIMIT);
	assert_int_equal(fdb_lookup(f, m, 0, 101, NULL), 2);
	/* Aging frees room: the count follows. */
	assert_int_equal(fdb_age(f, 130), 2); /* MACs 1 and 2 */
	assert_int_equal(fdb_port_count(f, 1), 1);
	mac_n(m, 4);
	assert_int_equal(fdb_learn(f, m, 0, 1, 3, 130, NULL), FDB_LEARNED);
	/* A move out of a port gives its room back. */
	mac_n(m, 4);
	assert_int_equal(fdb_learn(f, m, 0, 2, 3, 130, NULL), FDB_MOVED);
	assert_int_equal(fdb_port_count(f, 1), 1);
	assert_int_equal(fdb_port_count(f, 2), 2);
	assert_counts_exact(f, 130, 0);
	assert_int_equal(fdb_flush_port(f, 2), 2);
	assert_int_equal(fdb_port_count(f, 2), 0);
	assert_counts_exact(f, 130, 0);
	fdb_destroy(f);
}

static void test_counts_exact_sequence(void **state)
{
	struct fdb *f = fdb_create(200, 50), *g;
	unsigned seed = 7;
	int64_t now = 1000;
	uint8_t m[6];

	for (int step = 0; step < 20000; step++) {
		unsigned r = (unsigned)rand_r(&seed);

		mac_n(m, r % 300);
		switch (r % 97) {
		case 0:
			fdb_age(f, now);
			break;
		case 1:
			fdb_flush_port(f, (uint16_t)(r % 8));
			break;
		case 2:
			g = fdb_rebuild(f);
			assert_non_null(g);
			fdb_age(g, now);
			assert_counts_exact(g, now, 0);
			fdb_destroy(f);
			f = g;
			break;
		case 3:
			now += 7;
			break;
		default:
			fdb_learn(f, m, (uint16_t)(r % 3), (uint16_t)(r % 8),
				  (r >> 8) % 2 ? 20 : 0, now, NULL);
		}
		if (step % 500 == 0) {
			/* Entries past their age still count until swept. */
			fdb_age(f, now);
			assert_counts_exact(f, now, 0);
		}
	}
	fdb_destroy(f);
}

struct learner {
	struct fdb *f;
	unsigned seed;
	int64_t now;
	_Atomic bool *done;
};

static void *learner_main(void *arg)
{
	struct learner *l = arg;
	uint8_t m[6];

	for (int i = 0; i < 300000; i++) {
		unsigned r = (unsigned)rand_r(&l->seed);

		mac_n(m, r % 400);
		fdb_learn(l->f, m, 0, (uint16_t)(r % 6), (r >> 9) % 2 ? 40 : 0,
			  l->now + (r >> 12) % 40, NULL);
	}
	atomic_store(l->done, true);
	return NULL;
}

/* Two datapath threads learn, move and race on one table while the control
 * thread ages and flushes: the counts come out exact. */
static void test_counts_exact_threads(void **state)
{
	struct fdb *f = fdb_create(256, 20);
	_Atomic bool done[2] = {false, false};
	struct learner l[2] = {{f, 1, 100, &done[0]}, {f, 2, 100, &done[1]}};
	pthread_t tid[2];
	unsigned sweeps = 0;

	for (int i = 0; i < 2; i++)
		assert_int_equal(
		    pthread_create(&tid[i], NULL, learner_main, &l[i]), 0);
	while (!atomic_load(&done[0]) || !atomic_load(&done[1])) {
		fdb_age(f, 100 + sweeps % 60);
		if (sweeps % 7 == 0)
			fdb_flush_port(f, (uint16_t)(sweeps % 6));
		sweeps++;
	}
	for (int i = 0; i < 2; i++)
		pthread_join(tid[i], NULL);
	fdb_age(f, 100);
	assert_counts_exact(f, 100, 0);
	assert_true(fdb_count(f) <= 256);
	fdb_destroy(f);
}

/* One new MAC learnt by two threads at once, while the key ahead of it in
 * its probe chain goes: one thread's probe passes that key and picks the
 * next slot, the other's finds the freed slot, and both claim.  The MAC
 * must end up in one slot, counted once.  Thread 1 learns X each round;
 * thread 0 sets the round up (Y, same home slot, before X), starts it,
 * waits a varying while, removes Y and learns X, then checks. */
#define DUP_ROUNDS 200000

struct dup_race {
	struct fdb *f;
	uint8_t x[6], y[6];
	_Atomic unsigned round, done;
	unsigned dups, counts_off, raced;
};

struct dup_count {
	const uint8_t *mac;
	unsigned n;
};

static void dup_count_cb(const uint8_t mac[6], uint16_t vlan, int port,
			 int64_t age, bool pinned, void *arg)
{
	struct dup_count *c = arg;

	c->n += !memcmp(mac, c->mac, 6);
}

static void *dup_other_main(void *arg)
{
	struct dup_race *r = arg;

	for (unsigned i = 1; i <= DUP_ROUNDS; i++) {
		while (atomic_load(&r->round) != i)
			sched_yield();
		fdb_learn(r->f, r->x, 0, 2, 0, 100, NULL);
		atomic_store(&r->done, i);
	}
	return NULL;
}

static void test_no_duplicate_threads(void **state)
{
	struct dup_race r = {.f = fdb_create_keyed(4, 30, 1, 2)};
	unsigned seed = 3;
	pthread_t tid;

	/* Y and X share a home slot. */
	mac_n(r.y, 0);
	for (unsigned i = 1; !r.x[0]; i++) {
		mac_n(r.x, i);
		if (fdb_bucket(r.f, r.x, 0) != fdb_bucket(r.f, r.y, 0))
			r.x[0] = 0;
	}
	assert_int_equal(pthread_create(&tid, NULL, dup_other_main, &r), 0);
	for (unsigned i = 1; i <= DUP_ROUNDS; i++) {
		struct dup_count c = {r.x, 0};
		unsigned wait = (unsigned)rand_r(&seed) % 1024;

		fdb_forget_port(r.f, 2);
		fdb_learn(r.f, r.y, 0, 1, 0, 100, NULL);
		if (fdb_needs_rebuild(r.f)) {
			struct fdb *g = fdb_rebuild(r.f);

			assert_non_null(g);
			fdb_destroy(r.f);
			r.f = g;
		}
		atomic_store(&r.round, i);
		for (volatile unsigned w = 0; w < wait; w++)
			;
		fdb_flush_port(r.f, 1);
		fdb_learn(r.f, r.x, 0, 2, 0, 100, NULL);
		while (atomic_load(&r.done) != i)
			sched_yield();
		fdb_foreach(r.f, 100, dup_count_cb, &c);
		r.dups += c.n > 1;
		r.counts_off +=
		    fdb_count(r.f) != 1 || fdb_port_count(r.f, 2) != 1;
	}
	pthread_join(tid, NULL);
	assert_int_equal(r.dups, 0);
	assert_int_equal(r.counts_off, 0);
	fdb_destroy(r.f);
}

/* Learners racing at a limit: @port's MACs come and go (a flusher makes
 * room), and every look at the counts must find them within the limits. */
#define HARD_PORT_LIMIT 6
#define HARD_TABLE	24

struct hard_learner {
	struct fdb *f;
	unsigned seed;
	uint16_t port; /* port 1 is limited to HARD_PORT_LIMIT */
	_Atomic bool *done;
	unsigned over;	  /* looks that found a count past its limit */
	unsigned learned; /* MACs learned or moved here */
};

static void *hard_learner_main(void *arg)
{
	struct hard_learner *l = arg;
	uint8_t m[6];

	for (int i = 0; i < 300000; i++) {
		unsigned r = (unsigned)rand_r(&l->seed);
		unsigned limit = l->port == 1 ? HARD_PORT_LIMIT : 0;
		enum fdb_learn_result res;

		mac_n(m, r % 64);
		res = fdb_learn(l->f, m, 0, l->port, limit, 100, NULL);
		l->learned += res == FDB_LEARNED || res == FDB_MOVED;
		/* Room on port 1 again, often: its two learners race for
		 * the last places up to its limit, over and over. */
		if (l->port == 2 && i % 8 == 0)
			fdb_flush_port(l->f, 1);
		/* And on the table: port 2's MACs fill it, and the control
		 * thread, which flushes them too, may not run for a long
		 * while on a busy machine. */
		if (l->port == 2 && i % 64 == 0)
			fdb_flush_port(l->f, 2);
		l->over += fdb_port_count(l->f, 1) > HARD_PORT_LIMIT;
		l->over += fdb_count(l->f) > HARD_TABLE;
	}
	atomic_store(l->done, true);
	return NULL;
}

/* Three datapath threads learn new MACs (two of them on one limited port,
 * the third on an unlimited one, moving MACs between the two and flushing
 * the first now and then) while the control thread flushes too, to keep
 * both counts at their limits:
 * neither the port's count nor the table's ever shows more than its
 * limit, even for a moment, and the entries agree with the counts. */
static void test_limits_hard_threads(void **state)
{
	struct fdb *f = fdb_create(HARD_TABLE, 20);
	_Atomic bool done[3] = {false, false, false};
	struct hard_learner l[3] = {{f, 11, 1, &done[0], 0, 0},
				    {f, 12, 1, &done[1], 0, 0},
				    {f, 13, 2, &done[2], 0, 0}};
	unsigned over = 0, learned = 0;
	pthread_t tid[3];

	for (int i = 0; i < 3; i++)
		assert_int_equal(
		    pthread_create(&tid[i], NULL, hard_learner_main, &l[i]), 0);
	for (unsigned sweep = 0;
	     !atomic_load(&done[0]) || !atomic_load(&done[1]) ||
	     !atomic_load(&done[2]);
	     sweep++) {
		over += fdb_port_count(f, 1) > HARD_PORT_LIMIT;
		over += fdb_count(f) > HARD_TABLE;
		if (sweep % 4 == 0)
			fdb_flush_port(f, 1);
		if (sweep % 16 == 0)
			fdb_flush_port(f, 2);
		sched_yield();
	}
	for (int i = 0; i < 3; i++) {
		pthread_join(tid[i], NULL);
		over += l[i].over;
		learned += l[i].learned;
	}
	print_message("%u MACs learned or moved at the limits\n", learned);
	assert_true(learned > 1000);
	assert_int_equal(over, 0);
	assert_counts_exact(f, 100, 0);
	assert_true(fdb_port_count(f, 1) <= HARD_PORT_LIMIT);
	fdb_destroy(f);
}

/* A full table: a new MAC from a port below its limit is forwarded
 * without being learnt (FDB_FULL), from a port at its limit dropped
 * (FDB_LIMIT), and neither changes a count. */
static void test_full_and_limit(void **state)
{
	struct fdb *f = fdb_create(8, 300);
	uint8_t m[6];

	for (unsigned i = 0; i < 8; i++) {
		mac_n(m, i);
		assert_int_equal(
		    fdb_learn(f, m, 0, i < 3 ? 1 : 2, i < 3 ? 4 : 0, 100, NULL),
		    FDB_LEARNED);
	}
	mac_n(m, 50);
	assert_int_equal(fdb_learn(f, m, 0, 1, 4, 100, NULL), FDB_FULL);
	assert_int_equal(fdb_learn(f, m, 0, 1, 0, 100, NULL), FDB_FULL);
	assert_int_equal(fdb_learn(f, m, 0, 2, 3, 100, NULL), FDB_LIMIT);
	assert_int_equal(fdb_port_count(f, 1), 3);
	assert_int_equal(fdb_port_count(f, 2), 5);
	assert_int_equal(fdb_count(f), 8);
	assert_counts_exact(f, 100, 0);
	fdb_destroy(f);
}

/* Two learners on one port a place below its limit, the table full: the
 * table refuses every new MAC, so each is forwarded unlearnt (FDB_FULL),
 * never dropped for the port's limit, whatever the other learner is doing
 * at that moment. */
struct full_learner {
	struct fdb *f;
	unsigned base;
	unsigned limited; /* FDB_LIMIT answers */
	unsigned others;  /* answers but FDB_FULL and FDB_LIMIT */
};

static void *full_learner_main(void *arg)
{
	struct full_learner *l = arg;
	uint8_t m[6];

	for (unsigned i = 0; i < 400000; i++) {
		mac_n(m, l->base + (i & 1023));
		switch (fdb_learn(l->f, m, 0, 1, 4, 100, NULL)) {
		case FDB_FULL:
			break;
		case FDB_LIMIT:
			l->limited++;
			break;
		default:
			l->others++;
		}
	}
	return NULL;
}

static void test_full_not_limit_threads(void **state)
{
	struct fdb *f = fdb_create(8, 300);
	struct full_learner l[2] = {{f, 1000, 0, 0}, {f, 3000, 0, 0}};
	pthread_t tid[2];
	uint8_t m[6];

	for (unsigned i = 0; i < 8; i++) {
		mac_n(m, i);
		assert_int_equal(
		    fdb_learn(f, m, 0, i < 3 ? 1 : 2, 0, 100, NULL),
		    FDB_LEARNED);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(
		    pthread_create(&tid[i], NULL, full_learner_main, &l[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(tid[i], NULL);
	print_message("dropped for the limit: %u and %u of 400000\n",
		      l[0].limited, l[1].limited);
	assert_int_equal(l[0].limited + l[1].limited, 0);
	assert_int_equal(l[0].others + l[1].others, 0);
	assert_int_equal(fdb_port_count(f, 1), 3);
	assert_counts_exact(f, 100, 0);
	fdb_destroy(f);
}

static void test_pinned(void **state)
{
	struct fdb *f = fdb_create(4, 30), *g;
	uint8_t m[6];

	/* A learned entry elsewhere is taken over; its port's count drops. */
	assert_int_equal(fdb_learn(f, mac_a, 0, 3, 0, 100, NULL), FDB_LEARNED);
	assert_int_equal(fdb_pin(f, mac_a, 0, 1, 100), 0);
	assert_int_equal(fdb_port_count(f, 3), 0);
	assert_int_equal(fdb_port_count(f, 1), 0); /* pins are not learned */
	assert_int_equal(fdb_lookup(f, mac_a, 0, 100, NULL), 1);
	assert_int_equal(fdb_pin(f, mac_a, 0, 1, 100), 0);
	assert_int_equal(fdb_pin(f, mac_a, 0, 2, 100), -EEXIST);
	/* Learning cannot move it; its own port refreshes it. */
	assert_int_equal(fdb_learn(f, mac_a, 0, 2, 0, 101, NULL), FDB_PINNED);
	assert_int_equal(fdb_learn(f, mac_a, 0, 1, 0, 101, NULL),
			 FDB_REFRESHED);
	assert_int_equal(fdb_lookup(f, mac_a, 0, 101, NULL), 1);
	/* Another VLAN is another key. */
	assert_int_equal(fdb_learn(f, mac_a, 5, 2, 0, 101, NULL), FDB_LEARNED);
	/* It never ages, and a port flush (link down) keeps it. */
	assert_int_equal(fdb_age(f, 100000), 1);
	assert_int_equal(fdb_lookup(f, mac_a, 0, 100000, NULL), 1);
	assert_int_equal(fdb_flush_port(f, 1), 0);
	assert_int_equal(fdb_lookup(f, mac_a, 0, 100000, NULL), 1);
	/* A full table still keeps it through a shrinking resize. */
	for (unsigned i = 0; i < 4; i++) {
		mac_n(m, i);
		fdb_learn(f, m, 0, 2, 0, 100000 + i, NULL);
	}
	g = fdb_resize(f, 1, NULL);
	assert_non_null(g);
	fdb_destroy(f);
	f = g;
	assert_int_equal(fdb_lookup(f, mac_a, 0, 100010, NULL), 1);
	assert_int_equal(fdb_learn(f, mac_a, 0, 2, 0, 100010, NULL),
			 FDB_PINNED);
	assert_counts_exact(f, 100003, 1);
	/* Deleting the port removes it; unpin removes it too. */
	assert_int_equal(fdb_forget_port(f, 1), 1);
	assert_int_equal(fdb_lookup(f, mac_a, 0, 100010, NULL), -1);
	assert_int_equal(fdb_pin(f, mac_b, 0, 1, 100010), 0);
	assert_int_equal(fdb_unpin(f, mac_b, 0), 0);
	assert_int_equal(fdb_unpin(f, mac_b, 0), -ENOENT);
	assert_int_equal(fdb_learn(f, mac_b, 0, 2, 0, 100010, NULL), FDB_FULL);
	assert_counts_exact(f, 100003, 0);
	fdb_destroy(f);
}

/* Pins come on top of the table's size: a network with as many pinned MACs
 * as its size still learns that many, a learned MAC taken over by a pin
 * frees its place, and a resize keeps both counts apart. */
static void test_pins_not_learned(void **state)
{
	struct fdb *f = fdb_create(4, 30), *g;
	uint8_t m[6];

	for (unsigned i = 0; i < 4; i++) {
		mac_n(m, 100 + i);
		assert_int_equal(fdb_pin(f, m, 0, 1, 10), 0);
	}
	for (unsigned i = 0; i < 5; i++) {
		mac_n(m, i);
		assert_int_equal(fdb_learn(f, m, 0, 2, 0, 10, NULL),
				 i < 4 ? FDB_LEARNED : FDB_FULL);
	}
	assert_int_equal(fdb_count(f), 8);
	assert_counts_exact(f, 10, 4);
	/* A learned MAC pinned: one more place to learn in. */
	mac_n(m, 0);
	assert_int_equal(fdb_pin(f, m, 0, 1, 11), 0);
	mac_n(m, 4);
	assert_int_equal(fdb_learn(f, m, 0, 2, 0, 11, NULL), FDB_LEARNED);
	assert_counts_exact(f, 11, 5);
	/* A copy of the same size learns no more and no fewer. */
	g = fdb_resize(f, 4, NULL);
	assert_non_null(g);
	fdb_destroy(f);
	f = g;
	assert_counts_exact(f, 11, 5);
	mac_n(m, 5);
	assert_int_equal(fdb_learn(f, m, 0, 2, 0, 12, NULL), FDB_FULL);
	mac_n(m, 100);
	assert_int_equal(fdb_unpin(f, m, 0), 0);
	mac_n(m, 5);
	assert_int_equal(fdb_learn(f, m, 0, 2, 0, 12, NULL), FDB_FULL);
	assert_int_equal(fdb_age(f, 100), 4);
	assert_int_equal(fdb_learn(f, m, 0, 2, 0, 100, NULL), FDB_LEARNED);
	assert_counts_exact(f, 100, 4);
	fdb_destroy(f);
}

static void test_resize(void **state)
{
	struct fdb *f = fdb_create(64, 300), *g;
	unsigned dropped = 99;
	uint8_t m[6];

	for (unsigned i = 0; i < 50; i++) {
		mac_n(m, i);
		fdb_learn(f, m, 0, (uint16_t)(i % 3), 0, 1000 + i, NULL);
	}
	/* Growing keeps every entry. */
	g = fdb_resize(f, 1000, &dropped);
	assert_non_null(g);
	assert_int_equal(dropped, 0);
	assert_int_equal(fdb_count(g), 50);
	assert_int_equal(fdb_max(g), 1000);
	for (unsigned i = 0; i < 50; i++) {
		mac_n(m, i);
		assert_int_equal(fdb_lookup(g, m, 0, 1100, NULL), (int)(i % 3));
	}
	assert_counts_exact(g, 1100, 0);
	fdb_destroy(f);
	/* Shrinking keeps the most recently seen and counts the rest. */
	f = fdb_resize(g, 10, &dropped);
	assert_non_null(f);
	assert_int_equal(dropped, 40);
	assert_int_equal(fdb_count(f), 10);
	for (unsigned i = 0; i < 50; i++) {
		mac_n(m, i);
		assert_int_equal(fdb_lookup(f, m, 0, 1100, NULL) >= 0, i >= 40);
	}
	assert_counts_exact(f, 1100, 0);
	fdb_destroy(f);
	fdb_destroy(g);
}

static void test_set_aging(void **state)
{
	struct fdb *f = fdb_create(16, 300);

	fdb_learn(f, mac_a, 0, 1, 0, 100, NULL);
	assert_int_equal(fdb_lookup(f, mac_a, 0, 150, NULL), 1);
	fdb_set_aging(f, 30);
	assert_int_equal(fdb_lookup(f, mac_a, 0, 150, NULL), -1);
	assert_int_equal(fdb_age(f, 150), 1);
	fdb_learn(f, mac_a, 0, 1, 0, 150, NULL);
	fdb_set_aging(f, 3600);
	assert_int_equal(fdb_age(f, 1000), 0);
	assert_int_equal(fdb_lookup(f, mac_a, 0, 1000, NULL), 1);
	fdb_destroy(f);
}

/* Hints only skip the hash: a stale or foreign one never misleads. */
static void test_hints(void **state)
{
	struct fdb *f = fdb_create(64, 300), *g = fdb_create(64, 300);
	_Atomic uint64_t src = 0, dst = 12345;

	assert_int_equal(fdb_learn(f, mac_a, 0, 1, 0, 10, &src), FDB_LEARNED);
	assert_int_equal((unsigned)atomic_load(&src), fdb_bucket(f, mac_a, 0));
	assert_int_equal(fdb_learn(f, mac_a, 0, 1, 0, 10, &src), FDB_REFRESHED);
	assert_int_equal(fdb_lookup(f, mac_a, 0, 10, &dst), 1);
	assert_int_equal(atomic_load(&dst), atomic_load(&src));
	/* A hint for the key, but from another table: a full lookup. */
	assert_int_equal(fdb_lookup(g, mac_a, 0, 10, &dst), -1);
	assert_int_equal(fdb_learn(g, mac_b, 0, 2, 0, 10, &src), FDB_LEARNED);
	assert_int_equal(fdb_lookup(f, mac_b, 0, 10, &src), -1);
	assert_int_equal(fdb_lookup(g, mac_b, 0, 10, &src), 2);
	/* A hinted hit still moves, and honours limits and pins. */
	assert_int_equal(fdb_learn(f, mac_a, 0, 2, 0, 11, &src), FDB_MOVED);
	assert_int_equal(fdb_learn(f, mac_b, 0, 3, 1, 11, NULL), FDB_LEARNED);
	assert_int_equal(fdb_learn(f, mac_a, 0, 3, 1, 11, &src), FDB_LIMIT);
	assert_int_equal(fdb_pin(f, mac_a, 0, 4, 11), 0);
	assert_int_equal(fdb_learn(f, mac_a, 0, 2, 0, 11, &src), FDB_PINNED);
	assert_int_equal(fdb_lookup(f, mac_a, 0, 11, &src), 4);
	fdb_destroy(f);
	fdb_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_learn_lookup),
	    cmocka_unit_test(test_move),
	    cmocka_unit_test(test_age),
	    cmocka_unit_test(test_capacity),
	    cmocka_unit_test(test_flush_and_rebuild),
	    cmocka_unit_test(test_siphash_vector),
	    cmocka_unit_test(test_keyed_buckets),
	    cmocka_unit_test(test_mac_limit),
	    cmocka_unit_test(test_limits_hard_threads),
	    cmocka_unit_test(test_counts_exact_sequence),
	    cmocka_unit_test(test_counts_exact_threads),
	    cmocka_unit_test(test_no_duplicate_threads),
	    cmocka_unit_test(test_pinned),
	    cmocka_unit_test(test_pins_not_learned),
	    cmocka_unit_test(test_resize),
	    cmocka_unit_test(test_set_aging),
	    cmocka_unit_test(test_hints),
	    cmocka_unit_test(test_full_and_limit),
	    cmocka_unit_test(test_full_not_limit_threads),
	};

	return cmocka_run_group_tests_name("vswitch_fdb", tests, NULL, NULL);
}
