// SPDX-License-Identifier: GPL-2.0-or-later
/* vswitch_fdb.c - MAC learning table, one per network
 *
 * Open addressing with linear probing over atomics: datapath threads learn
 * and look up without locks; the control thread ages entries out, pins and
 * unpins them.  A key is (VLAN, MAC) packed into 64 bits so learning is
 * independent per VLAN.  The home slot comes from SipHash-1-3 of the key
 * under a random 128-bit key drawn for each table, so a guest choosing its
 * source MACs cannot aim them at one probe chain.
 *
 * The key word is also each slot's lock.  Whoever changes a slot's port
 * (insert, move, pin, removal) first sets FDB_KEY_LOCK in it by CAS and
 * clears it with a release store; a refresh only stores the time.  So the
 * port read under the lock is the port that owns the entry, and the
 * per-port count of learned entries (the MAC limit) stays exact through
 * moves, aging, flushes and rebuilds.  Counts live in the table: a rebuilt
 * table counts what it copied.  A datapath thread never waits on a lock: a
 * move that finds the slot locked is simply done by the next frame.
 *
 * Removed entries become tombstones that later inserts reuse; when too many
 * accumulate the switch swaps in a rebuilt table after a grace period.
 */
#include "vswitch_priv.h"

#include <endian.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "../lib/siphash.h"

/* The key word: bits 0-47 MAC, 48-59 VLAN, then the flags below.  An empty
 * slot is 0 and a tombstone bit 63 alone, so neither matches a key. */
#define FDB_KEY_EMPTY 0
#define FDB_KEY_TOMB  (1ull << 63)
#define FDB_KEY_VALID (1ull << 62)
#define FDB_KEY_LOCK  (1ull << 61) /* port being changed: hands off */
#define FDB_KEY_PIN                                           \
	(1ull << 60) /* set by the control plane: never ages, \
		      * never moves */
#define FDB_KEY_ID (~(FDB_KEY_LOCK | FDB_KEY_PIN))

struct fdb_entry {
	_Atomic uint64_t key;
	_Atomic uint32_t port; /* port id + 1; 0 while no port owns the slot */
	_Atomic int64_t seen;
};

struct fdb {
	struct siphash_key hkey;
	unsigned max;  /* most live entries learned */
	unsigned mask; /* table size - 1 */
	_Atomic unsigned aging;
	_Atomic unsigned live; /* learned entries + inserts under way: at
				  most @max; pins do not count here */
	_Atomic unsigned pins; /* pinned entries (the control plane's) */
	_Atomic unsigned tombs;
	_Atomic unsigned *learned; /* per port: learned entries (not pins) */
	struct fdb_entry *tab;
};

static uint64_t fdb_key(const uint8_t mac[6], uint16_t vlan)
{
	uint64_t raw = 0;

	/* mac[0] in bits 40-47 down to mac[5] in bits 0-7: one load and a
	 * byte swap rather than six shifts (once or twice per frame). */
	memcpy(&raw, mac, 6);
	return FDB_KEY_VALID | (uint64_t)(vlan & 0xfff) << 48 |
	       be64toh(raw) >> 16;
}

static uint16_t fdb_key_split(uint64_t k, uint8_t mac[6])
{
	for (int b = 0; b < 6; b++)
		mac[b] = (uint8_t)(k >> (40 - 8 * b));
	return (uint16_t)((k >> 48) & 0xfff);
}

static unsigned fdb_slot(const struct fdb *fdb, uint64_t key)
{
	return (unsigned)siphash13_u64(&fdb->hkey, key) & fdb->mask;
}

/* Allocate a table of @max learned entries with room for @extra pins. */
static struct fdb *fdb_alloc(unsigned max, unsigned extra, unsigned aging,
			     uint64_t k0, uint64_t k1)
{
	struct fdb *fdb = calloc(1, sizeof(*fdb));
	unsigned size = 16;

	if (!fdb)
		return NULL;
	if (!max)
		max = 1;
	if (max > VSW_FDB_SIZE_MAX)
		max = VSW_FDB_SIZE_MAX;
	while (size < (max + extra) * 2)
		size <<= 1;
	fdb->tab = calloc(size, sizeof(*fdb->tab));
	fdb->learned = calloc(VSW_MAX_PORTS, sizeof(*fdb->learned));
	if (!fdb->tab || !fdb->learned) {
		fdb_destroy(fdb);
		return NULL;
	}
	siphash_key_init(&fdb->hkey, k0, k1);
	fdb->max = max;
	fdb->mask = size - 1;
	fdb->aging = aging;
	return fdb;
}

static struct fdb *fdb_alloc_random(unsigned max, unsigned extra,
				    unsigned aging)
{
	uint64_t k[2];
	size_t got = 0;

	while (got < sizeof(k)) {
		ssize_t n = getrandom((uint8_t *)k + got, sizeof(k) - got, 0);

		if (n < 0 && errno != EINTR)
			return NULL;
		if (n > 0)
			got += (size_t)n;
	}
	return fdb_alloc(max, extra, aging, k[0], k[1]);
}

/**
 * fdb_create() - an empty table with a fresh random hash key
 * @max_entries: most MAC addresses it will learn (1 to VSW_FDB_SIZE_MAX)
 * @aging: seconds an entry lives without being refreshed
 *
 * Return: table, or NULL on allocation (or getrandom) failure
 */
struct fdb *fdb_create(unsigned max_entries, unsigned aging)
{
	return fdb_alloc_random(max_entries, 0, aging);
}

/**
 * fdb_create_keyed() - an empty table with a given hash key (for tests)
 * @max_entries: most MAC addresses it will learn
 * @aging: seconds an entry lives without being refreshed
 * @k0: first half of the SipHash key
 * @k1: second half
 *
 * Return: table, or NULL on allocation failure
 */
struct fdb *fdb_create_keyed(unsigned max_entries, unsigned aging, uint64_t k0,
			     uint64_t k1)
{
	return fdb_alloc(max_entries, 0, aging, k0, k1);
}

/**
 * fdb_destroy() - free a table; NULL is ignored
 * @fdb: table no thread uses any more
 */
void fdb_destroy(struct fdb *fdb)
{
	if (!fdb)
		return;
	free(fdb->tab);
	free(fdb->learned);
	free(fdb);
}

static bool fdb_expired(const struct fdb *fdb, int64_t seen, int64_t now)
{
	return now - seen >=
	       (int64_t)atomic_load_explicit(&fdb->aging, memory_order_relaxed);
}

/* Count one more against @cap (0: no cap); false, and nothing counted, when
 * the cap is reached.  Several threads may race here: the compare and swap
 * decides, so the count never goes past @cap, not even for a moment (an
 * add taken back after the fact would show a reader, or refuse another
 * thread's MAC, beyond the limit). */
static bool fdb_take(_Atomic unsigned *c, unsigned cap)
{
	unsigned n = atomic_load_explicit(c, memory_order_relaxed);

	if (!cap) {
		atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
		return true;
	}
	do {
		if (n >= cap)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(
	    c, &n, n + 1, memory_order_relaxed, memory_order_relaxed));
	return true;
}

static void fdb_give(_Atomic unsigned *c)
{
	atomic_fetch_sub_explicit(c, 1, memory_order_relaxed);
}

enum fdb_sweep {
	FDB_SWEEP_AGED,	    /* learned entries past their age */
	FDB_SWEEP_PORT,	    /* learned entries behind a port */
	FDB_SWEEP_PORT_ALL, /* learned and pinned entries behind a port */
	FDB_SWEEP_KEY,	    /* the pinned entry of one key */
	FDB_SWEEP_DUP,	    /* a learned entry of one key (a second copy) */
};

static bool fdb_remove(struct fdb *fdb, struct fdb_entry *e, uint64_t k,
		       enum fdb_sweep how, int64_t arg);

static bool fdb_lock(struct fdb_entry *e, uint64_t k)
{
	return !(k & FDB_KEY_LOCK) &&
	       atomic_compare_exchange_strong_explicit(
		   &e->key, &k, k | FDB_KEY_LOCK, memory_order_acquire,
		   memory_order_relaxed);
}

/* Fill a free slot (@was: EMPTY or TOMB as seen) with @key behind port
 * @pid (id + 1).  Claimed locked, so readers never take its old port. */
static bool fdb_claim(struct fdb *fdb, struct fdb_entry *e, uint64_t was,
		      uint64_t key, uint32_t pid, int64_t now)
{
	if (!atomic_compare_exchange_strong_explicit(
		&e->key, &was, key | FDB_KEY_LOCK, memory_order_acquire,
		memory_order_relaxed))
		return false;
	atomic_store_explicit(&e->seen, now, memory_order_relaxed);
	atomic_store_explicit(&e->port, pid, memory_order_relaxed);
	atomic_store_explicit(&e->key, key, memory_order_release);
	if (was == FDB_KEY_TOMB)
		atomic_fetch_sub(&fdb->tombs, 1);
	return true;
}

/* Two threads inserting one key at once may each claim a slot for it: a
 * probe that passed a slot while another key held it claims further on,
 * and a probe made after that key went takes the freed slot.  So after
 * claiming @mine for @key, look along the key's probe chain: of two copies
 * the pinned one stays, else the first in probe order (the one lookups
 * find), and the other is removed by whichever claimer sees it (the slot
 * lock lets one removal through).  The fence orders each claim before its
 * look, so of two claimers at least one sees the other's copy.  A copy
 * that is locked right now (being moved) stays until aging or a flush.
 *
 * Return: the entry that holds @key: @mine, or the copy that stayed */
static struct fdb_entry *fdb_dedup(struct fdb *fdb, uint64_t key,
				   struct fdb_entry *mine)
{
	unsigned home = fdb_slot(fdb, key), i = home;
	unsigned pos = ((unsigned)(mine - fdb->tab) - home) & fdb->mask;

	atomic_thread_fence(memory_order_seq_cst);
	for (unsigned n = 0; n <= fdb->mask; n++, i = (i + 1) & fdb->mask) {
		struct fdb_entry *e = &fdb->tab[i];
		uint64_t k =
		    atomic_load_explicit(&e->key, memory_order_acquire);
		uint64_t mk;

		if (k == FDB_KEY_EMPTY)
			break;
		if (e == mine || (k & FDB_KEY_ID) != key)
			continue;
		mk = atomic_load_explicit(&mine->key, memory_order_acquire);
		if ((mk & FDB_KEY_ID) != key)
			return e; /* the other claimer removed ours */
		if ((k & FDB_KEY_PIN) || (!(mk & FDB_KEY_PIN) && n < pos)) {
			fdb_remove(fdb, mine, mk, FDB_SWEEP_DUP, (int64_t)key);
			return e;
		}
		fdb_remove(fdb, e, k, FDB_SWEEP_DUP, (int64_t)key);
	}
	return mine;
}

/* A frame from port @pid (id + 1) carries a source MAC the table has. */
static enum fdb_learn_result fdb_hit(struct fdb *fdb, struct fdb_entry *e,
				     uint64_t k, uint32_t pid, unsigned limit,
				     int64_t now)
{
	uint32_t old = atomic_load_explicit(&e->port, memory_order_relaxed);

	/* Same port, or another thread is filling the slot right now. */
	if (old == pid || !old) {
		if (atomic_load_explicit(&e->seen, memory_order_relaxed) != now)
			atomic_store_explicit(&e->seen, now,
					      memory_order_relaxed);
		return FDB_REFRESHED;
	}
	if (k & FDB_KEY_PIN)
		return FDB_PINNED;
	/* A move counts against the new port's limit like a new MAC. */
	if (!fdb_take(&fdb->learned[pid - 1], limit))
		return FDB_LIMIT;
	if (!fdb_lock(e, k)) {
		/* Someone else is changing it; the next frame retries. */
		fdb_give(&fdb->learned[pid - 1]);
		return FDB_REFRESHED;
	}
	old = atomic_load_explicit(&e->port, memory_order_relaxed);
	if (old != pid) {
		atomic_store_explicit(&e->port, pid, memory_order_relaxed);
		atomic_store_explicit(&e->seen, now, memory_order_relaxed);
	}
	atomic_store_explicit(&e->key, k, memory_order_release);
	/* Under the lock @old was the owner: it gives its count back (or, if
	 * another thread moved the MAC here meanwhile, we give ours). */
	if (old)
		fdb_give(&fdb->learned[old - 1]);
	return old != pid ? FDB_MOVED : FDB_REFRESHED;
}

/*
 * Slot hints: a port sends from the same MAC and to the same peer frame
 * after frame, so remembering where they were found skips the hash.  A hint
 * is (low 32 bits of the key, slot) in one word: a hint for another key is
 * seen for what it is without touching the table.  It is only a guess
 * (stale, from an older table): the full key comparison in the slot decides.
 */
static void fdb_hint_set(_Atomic uint64_t *hint, uint64_t key, unsigned slot)
{
	if (hint)
		atomic_store_explicit(hint, key << 32 | slot,
				      memory_order_relaxed);
}

static inline struct fdb_entry *fdb_hinted(struct fdb *fdb, uint64_t key,
					   _Atomic uint64_t *hint, uint64_t *k)
{
	struct fdb_entry *e;
	uint64_t h;

	if (!hint)
		return NULL;
	h = atomic_load_explicit(hint, memory_order_relaxed);
	if ((h ^ key << 32) >> 32)
		return NULL;
	e = &fdb->tab[(unsigned)h & fdb->mask];
	*k = atomic_load_explicit(&e->key, memory_order_acquire);
	return (*k & FDB_KEY_ID) == key ? e : NULL;
}

/**
 * fdb_learn() - note that @mac in @vlan was seen behind @port
 * @fdb: table
 * @mac: source MAC (unicast; callers drop multicast sources)
 * @vlan: VLAN of the frame
 * @port: ingress port, below VSW_MAX_PORTS
 * @limit: most MACs learned behind @port, 0 for no limit
 * @now: monotonic seconds
 * @hint: NULL, or where the caller found its last source MAC; updated
 *
 * Return: what happened; FDB_LIMIT and FDB_PINNED mean drop the frame
 */
enum fdb_learn_result fdb_learn(struct fdb *fdb, const uint8_t mac[6],
				uint16_t vlan, uint16_t port, unsigned limit,
				int64_t now, _Atomic uint64_t *hint)
{
	uint64_t key = fdb_key(mac, vlan), k;
	uint32_t pid = (uint32_t)port + 1;
	struct fdb_entry *e = fdb_hinted(fdb, key, hint, &k);

	if (e)
		return fdb_hit(fdb, e, k, pid, limit, now);
	for (int attempt = 0; attempt < 4; attempt++) {
		struct fdb_entry *free_slot = NULL;
		uint64_t free_key = 0;
		unsigned i = fdb_slot(fdb, key);

		for (unsigned n = 0; n <= fdb->mask;
		     n++, i = (i + 1) & fdb->mask) {
			e = &fdb->tab[i];
			k = atomic_load_explicit(&e->key, memory_order_acquire);
			if ((k & FDB_KEY_ID) == key) {
				fdb_hint_set(hint, key, i);
				return fdb_hit(fdb, e, k, pid, limit, now);
			}
			if (k == FDB_KEY_TOMB && !free_slot) {
				free_slot = e;
				free_key = k;
			}
			if (k == FDB_KEY_EMPTY) {
				if (!free_slot) {
					free_slot = e;
					free_key = k;
				}
				break;
			}
		}
		if (!free_slot)
			return FDB_FULL;
		/* The table's place first, then the port's: a learner that
		 * finds the table full never holds a place of its port's
		 * meanwhile, where another learner of the port would take
		 * it for the port's limit (and drop what the full table
		 * only keeps from being learnt).  A port at its limit is
		 * that still when the table is full. */
		if (!fdb_take(&fdb->live, fdb->max))
			return limit && atomic_load_explicit(
					    &fdb->learned[port],
					    memory_order_relaxed) >= limit
				   ? FDB_LIMIT
				   : FDB_FULL;
		if (!fdb_take(&fdb->learned[port], limit)) {
			fdb_give(&fdb->live);
			return FDB_LIMIT;
		}
		if (fdb_claim(fdb, free_slot, free_key, key, pid, now)) {
			e = fdb_dedup(fdb, key, free_slot);
			fdb_hint_set(hint, key, (unsigned)(e - fdb->tab));
			if (e == free_slot)
				return FDB_LEARNED;
			/* Another thread learnt it first: ours is gone. */
			k = atomic_load_explicit(&e->key, memory_order_acquire);
			return (k & FDB_KEY_ID) == key
				   ? fdb_hit(fdb, e, k, pid, limit, now)
				   : FDB_REFRESHED;
		}
		/* Another thread took the slot: look again, it may have been
		 * this very MAC. */
		fdb_give(&fdb->live);
		fdb_give(&fdb->learned[port]);
	}
	return FDB_FULL;
}

static int fdb_port_of(const struct fdb *fdb, struct fdb_entry *e, uint64_t k,
		       int64_t now)
{
	uint32_t pid = atomic_load_explicit(&e->port, memory_order_relaxed);

	if (!pid ||
	    (!(k & FDB_KEY_PIN) &&
	     fdb_expired(fdb,
			 atomic_load_explicit(&e->seen, memory_order_relaxed),
			 now)))
		return -1;
	return (int)pid - 1;
}

/**
 * fdb_lookup() - port behind a MAC
 * @fdb: table
 * @mac: destination MAC
 * @vlan: VLAN of the frame
 * @now: monotonic seconds; learned entries past their age do not count
 * @hint: NULL, or where the caller found its last destination; updated
 *
 * Return: port id, or -1 when unknown
 */
int fdb_lookup(struct fdb *fdb, const uint8_t mac[6], uint16_t vlan,
	       int64_t now, _Atomic uint64_t *hint)
{
	uint64_t key = fdb_key(mac, vlan), k;
	struct fdb_entry *e = fdb_hinted(fdb, key, hint, &k);
	unsigned i;

	if (e)
		return fdb_port_of(fdb, e, k, now);
	i = fdb_slot(fdb, key);
	for (unsigned n = 0; n <= fdb->mask; n++, i = (i + 1) & fdb->mask) {
		e = &fdb->tab[i];
		k = atomic_load_explicit(&e->key, memory_order_acquire);
		if ((k & FDB_KEY_ID) == key) {
			fdb_hint_set(hint, key, i);
			return fdb_port_of(fdb, e, k, now);
		}
		if (k == FDB_KEY_EMPTY)
			return -1;
	}
	return -1;
}

/**
 * fdb_bucket() - home slot of a key: where its probe starts
 * @fdb: table
 * @mac: MAC
 * @vlan: VLAN
 *
 * Return: slot index
 */
unsigned fdb_bucket(const struct fdb *fdb, const uint8_t mac[6], uint16_t vlan)
{
	return fdb_slot(fdb, fdb_key(mac, vlan));
}

static bool fdb_doomed(const struct fdb *fdb, const struct fdb_entry *e,
		       uint64_t k, enum fdb_sweep how, int64_t arg)
{
	uint32_t pid = atomic_load(&e->port);

	switch (how) {
	case FDB_SWEEP_AGED:
		return !(k & FDB_KEY_PIN) &&
		       fdb_expired(fdb, atomic_load(&e->seen), arg);
	case FDB_SWEEP_PORT:
		return !(k & FDB_KEY_PIN) && pid == (uint64_t)arg + 1;
	case FDB_SWEEP_PORT_ALL:
		return pid == (uint64_t)arg + 1;
	case FDB_SWEEP_KEY:
		return (k & FDB_KEY_PIN) && (k & FDB_KEY_ID) == (uint64_t)arg;
	case FDB_SWEEP_DUP:
		return !(k & FDB_KEY_PIN) && (k & FDB_KEY_ID) == (uint64_t)arg;
	}
	return false;
}

/* Remove one entry if, once locked, it is still doomed. */
static bool fdb_remove(struct fdb *fdb, struct fdb_entry *e, uint64_t k,
		       enum fdb_sweep how, int64_t arg)
{
	uint32_t pid;

	if (!fdb_lock(e, k))
		return false;
	if (!fdb_doomed(fdb, e, k, how, arg)) {
		atomic_store_explicit(&e->key, k, memory_order_release);
		return false;
	}
	pid = atomic_exchange_explicit(&e->port, 0, memory_order_relaxed);
	atomic_store_explicit(&e->key, FDB_KEY_TOMB, memory_order_release);
	fdb_give(k & FDB_KEY_PIN ? &fdb->pins : &fdb->live);
	atomic_fetch_add(&fdb->tombs, 1);
	if (pid && !(k & FDB_KEY_PIN))
		fdb_give(&fdb->learned[pid - 1]);
	return true;
}

/* Remove every entry @how says to; returns how many went.  An entry that is
 * locked right now (a move under way) is left for the next sweep. */
static unsigned fdb_sweep(struct fdb *fdb, enum fdb_sweep how, int64_t arg)
{
	unsigned removed = 0;

	for (unsigned i = 0; i <= fdb->mask; i++) {
		struct fdb_entry *e = &fdb->tab[i];
		uint64_t k = atomic_load(&e->key);

		if (k == FDB_KEY_EMPTY || k == FDB_KEY_TOMB)
			continue;
		if (fdb_doomed(fdb, e, k, how, arg) &&
		    fdb_remove(fdb, e, k, how, arg))
			removed++;
	}
	return removed;
}

/**
 * fdb_age() - drop learned entries not refreshed within the aging time
 * @fdb: table
 * @now: monotonic seconds
 *
 * Return: entries removed (pinned entries never age)
 */
unsigned fdb_age(struct fdb *fdb, int64_t now)
{
	return fdb_sweep(fdb, FDB_SWEEP_AGED, now);
}

/**
 * fdb_flush_port() - forget every MAC learned behind a port
 * @fdb: table
 * @port: port gone down or failed; its pinned MACs stay pinned
 *
 * Return: entries removed
 */
unsigned fdb_flush_port(struct fdb *fdb, uint16_t port)
{
	return fdb_sweep(fdb, FDB_SWEEP_PORT, port);
}

/**
 * fdb_forget_port() - remove every entry of a deleted port, pins included
 * @fdb: table
 * @port: port id about to be reused
 *
 * Return: entries removed
 */
unsigned fdb_forget_port(struct fdb *fdb, uint16_t port)
{
	return fdb_sweep(fdb, FDB_SWEEP_PORT_ALL, port);
}

/**
 * fdb_count() - live entries, pins included (some may be past their age
 * until aged out)
 * @fdb: table
 *
 * Return: count
 */
unsigned fdb_count(const struct fdb *fdb)
{
	return atomic_load(&fdb->live) + atomic_load(&fdb->pins);
}

/**
 * fdb_port_count() - MACs learned behind a port (pins not included)
 * @fdb: table
 * @port: port id
 *
 * Return: count
 */
unsigned fdb_port_count(const struct fdb *fdb, uint16_t port)
{
	return port < VSW_MAX_PORTS ? atomic_load(&fdb->learned[port]) : 0;
}

/**
 * fdb_max() - most entries the table learns (pinned ones come on top)
 * @fdb: table
 *
 * Return: its size as configured
 */
unsigned fdb_max(const struct fdb *fdb)
{
	return fdb->max;
}

/**
 * fdb_needs_rebuild() - tombstones make lookups of unknown MACs slow
 * @fdb: table
 *
 * Return: true when a rebuilt table should replace this one
 */
bool fdb_needs_rebuild(const struct fdb *fdb)
{
	return atomic_load(&fdb->tombs) > (fdb->mask + 1) / 4;
}

struct fdb_copy {
	uint64_t key;
	uint32_t pid;
	int64_t seen;
};

/* Put an entry into a table no other thread sees yet. */
static void fdb_put(struct fdb *fdb, const struct fdb_copy *c)
{
	unsigned i = fdb_slot(fdb, c->key & FDB_KEY_ID);

	for (;; i = (i + 1) & fdb->mask) {
		struct fdb_entry *e = &fdb->tab[i];
		uint64_t k =
		    atomic_load_explicit(&e->key, memory_order_relaxed);

		if ((k & FDB_KEY_ID) == (c->key & FDB_KEY_ID))
			return; /* a duplicate a race left in the old table */
		if (k == FDB_KEY_EMPTY)
			break;
	}
	atomic_store_explicit(&fdb->tab[i].port, c->pid, memory_order_relaxed);
	atomic_store_explicit(&fdb->tab[i].seen, c->seen, memory_order_relaxed);
	atomic_store_explicit(&fdb->tab[i].key, c->key, memory_order_relaxed);
	if (c->key & FDB_KEY_PIN) {
		fdb->pins++;
	} else {
		fdb->live++;
		fdb->learned[c->pid - 1]++;
	}
}

static int fdb_copy_newer(const void *a, const void *b)
{
	const struct fdb_copy *x = a, *y = b;

	return (x->seen < y->seen) - (x->seen > y->seen);
}

/* fdb_resize() with room for @spare more pins than the table has. */
static struct fdb *resize(const struct fdb *fdb, unsigned max_entries,
			  unsigned spare, unsigned *dropped)
{
	unsigned cap = fdb_count(fdb) + 64, n = 0, pins = 0, room;
	struct fdb_copy *v = malloc(cap * sizeof(*v));
	struct fdb *nf = NULL;

	if (!v)
		return NULL;
	if (dropped)
		*dropped = 0;
	/* Snapshot, pins at the front: they are placed first and always.
	 * Only this thread adds pins, so they fit in @cap; learned entries
	 * that arrive during the walk may not, and are learned again. */
	for (unsigned i = 0; i <= fdb->mask; i++) {
		const struct fdb_entry *e = &fdb->tab[i];
		struct fdb_copy c = {atomic_load(&e->key) & ~FDB_KEY_LOCK,
				     atomic_load(&e->port),
				     atomic_load(&e->seen)};

		if (c.key == FDB_KEY_EMPTY || c.key == FDB_KEY_TOMB || !c.pid)
			continue;
		if (c.key & FDB_KEY_PIN) {
			if (n > pins && n < cap)
				v[n] = v[pins];
			n += n < cap;
			v[pins++] = c;
		} else if (n < cap) {
			v[n++] = c;
		}
	}
	nf = fdb_alloc_random(max_entries, pins + spare,
			      atomic_load(&fdb->aging));
	if (!nf)
		goto out;
	room = nf->max;
	if (n - pins > room) {
		qsort(v + pins, n - pins, sizeof(*v), fdb_copy_newer);
		if (dropped)
			*dropped = n - pins - room;
		n = pins + room;
	}
	for (unsigned i = 0; i < n; i++)
		fdb_put(nf, &v[i]);
out:
	free(v);
	return nf;
}

/**
 * fdb_resize() - a copy of a table, without tombstones, of another size
 * @fdb: table to copy; datapath threads may still learn in it (entries
 *       learned meanwhile may be missed and are simply learned again)
 * @max_entries: most MACs the copy learns; pinned entries always fit
 * @dropped: if not NULL, set to the learned entries that did not fit (the
 *           least recently seen go first)
 *
 * The copy gets a fresh hash key and the same aging time.
 *
 * Return: new table, or NULL on allocation failure
 */
struct fdb *fdb_resize(const struct fdb *fdb, unsigned max_entries,
		       unsigned *dropped)
{
	return resize(fdb, max_entries, 0, dropped);
}

/**
 * fdb_pin_room() - can one more pin go in with the table still at most
 * half full when every learned entry it allows is there too?
 * @fdb: table
 *
 * Return: true when it can; otherwise fdb_grow_pins() first
 */
bool fdb_pin_room(const struct fdb *fdb)
{
	return ((size_t)fdb->max + atomic_load(&fdb->pins) + 1) * 2 <=
	       (size_t)fdb->mask + 1;
}

/**
 * fdb_grow_pins() - a copy with room for as many pins again as it has
 * (and 16), learning the same number of MACs
 * @fdb: table to copy
 *
 * Return: new table, or NULL on allocation failure
 */
struct fdb *fdb_grow_pins(const struct fdb *fdb)
{
	return resize(fdb, fdb->max, atomic_load(&fdb->pins) + 16, NULL);
}

/**
 * fdb_rebuild() - a copy without tombstones, same size
 * @fdb: table to copy (entries learned meanwhile may be missed and are
 *       simply learned again)
 *
 * Return: new table, or NULL on allocation failure
 */
struct fdb *fdb_rebuild(const struct fdb *fdb)
{
	return fdb_resize(fdb, fdb->max, NULL);
}

/**
 * fdb_set_aging() - change the aging time; datapath threads see it at once
 * @fdb: table
 * @aging: seconds
 */
void fdb_set_aging(struct fdb *fdb, unsigned aging)
{
	atomic_store(&fdb->aging, aging);
}

/**
 * fdb_pin() - pin a MAC to a port: it never ages and learning cannot move it
 * @fdb: table
 * @mac: unicast MAC
 * @vlan: VLAN
 * @port: port it belongs to; a learned entry elsewhere is taken over
 * @now: monotonic seconds
 *
 * Control thread.  A pinned entry counts in the table (fdb_count()) but
 * neither against the table's learned entries (its size) nor against the
 * port's MAC limit: pins never keep a MAC from being learned.
 *
 * Return: 0 (also when already pinned there), -EEXIST when pinned to another
 * port, -ENOSPC when no slot is free, -EAGAIN when a datapath thread held
 * the entry every time we tried
 */
int fdb_pin(struct fdb *fdb, const uint8_t mac[6], uint16_t vlan, uint16_t port,
	    int64_t now)
{
	uint64_t key = fdb_key(mac, vlan);
	uint32_t pid = (uint32_t)port + 1;

	for (int attempt = 0; attempt < 64; attempt++) {
		struct fdb_entry *e = NULL, *free_slot = NULL;
		uint64_t k = 0, free_key = 0;
		unsigned i = fdb_slot(fdb, key);

		for (unsigned n = 0; n <= fdb->mask;
		     n++, i = (i + 1) & fdb->mask) {
			k = atomic_load(&fdb->tab[i].key);
			if ((k & FDB_KEY_ID) == key) {
				e = &fdb->tab[i];
				break;
			}
			if (k == FDB_KEY_TOMB && !free_slot) {
				free_slot = &fdb->tab[i];
				free_key = k;
			}
			if (k == FDB_KEY_EMPTY) {
				if (!free_slot) {
					free_slot = &fdb->tab[i];
					free_key = k;
				}
				break;
			}
		}
		if (e && (k & FDB_KEY_PIN))
			return atomic_load(&e->port) == pid ? 0 : -EEXIST;
		if (e && fdb_lock(e, k)) {
			uint32_t old = atomic_exchange(&e->port, pid);

			atomic_store(&e->seen, now);
			atomic_store_explicit(&e->key, k | FDB_KEY_PIN,
					      memory_order_release);
			/* A learned entry becomes a pin: it leaves the
			 * learned counts (the table's and its port's). */
			atomic_fetch_add(&fdb->pins, 1);
			fdb_give(&fdb->live);
			if (old)
				fdb_give(&fdb->learned[old - 1]);
			return 0;
		}
		if (e) {
			sched_yield(); /* a datapath thread holds it: briefly */
			continue;
		}
		if (!free_slot)
			return -ENOSPC;
		atomic_fetch_add(&fdb->pins, 1);
		if (fdb_claim(fdb, free_slot, free_key, key | FDB_KEY_PIN, pid,
			      now)) {
			(void)fdb_dedup(fdb, key, free_slot);
			return 0;
		}
		fdb_give(&fdb->pins);
	}
	return -EAGAIN;
}

/**
 * fdb_unpin() - remove a pinned entry (learning may then find the MAC anew)
 * @fdb: table
 * @mac: MAC
 * @vlan: VLAN
 *
 * Return: 0, or -ENOENT when the MAC is not pinned in @vlan
 */
int fdb_unpin(struct fdb *fdb, const uint8_t mac[6], uint16_t vlan)
{
	return fdb_sweep(fdb, FDB_SWEEP_KEY, (int64_t)fdb_key(mac, vlan))
		   ? 0
		   : -ENOENT;
}

/**
 * fdb_foreach() - call @cb for every live, unexpired entry
 * @fdb: table
 * @now: monotonic seconds
 * @cb: callback, gets the entry's age in seconds (time since its port last
 *      sent from it; pinned entries never expire)
 * @arg: passed to @cb
 */
void fdb_foreach(const struct fdb *fdb, int64_t now, vsw_fdb_cb cb, void *arg)
{
	for (unsigned i = 0; i <= fdb->mask; i++) {
		const struct fdb_entry *e = &fdb->tab[i];
		uint64_t k = atomic_load(&e->key);
		uint32_t pid = atomic_load(&e->port);
		int64_t seen = atomic_load(&e->seen);
		uint8_t mac[6];
		uint16_t vlan;

		if (k == FDB_KEY_EMPTY || k == FDB_KEY_TOMB || !pid ||
		    (!(k & FDB_KEY_PIN) && fdb_expired(fdb, seen, now)))
			continue;
		vlan = fdb_key_split(k, mac);
		cb(mac, vlan, (int)pid - 1, now - seen, k & FDB_KEY_PIN, arg);
	}
}
