// SPDX-License-Identifier: GPL-2.0-or-later
/* vswitch_fdb.c - MAC learning table, one per network
 *
 * Open addressing with linear probing over atomics: datapath threads learn
 * and look up without locks; the control thread ages entries out.  A key is
 * (VLAN, MAC) packed into 64 bits so learning is independent per VLAN.
 * Removed entries become tombstones that later inserts reuse; when too many
 * accumulate the switch swaps in a rebuilt table after a grace period.
 */
#include "vswitch_priv.h"

#include <stdlib.h>

#define FDB_KEY_EMPTY 0
#define FDB_KEY_TOMB  UINT64_MAX
#define FDB_KEY_VALID (1ull << 62)

struct fdb_entry {
	_Atomic uint64_t key;
	_Atomic uint32_t port;
	_Atomic int64_t seen;
};

struct fdb {
	unsigned max;  /* most live entries */
	unsigned mask; /* table size - 1 */
	_Atomic unsigned aging;
	_Atomic unsigned live;
	_Atomic unsigned tombs;
	struct fdb_entry *tab;
};

static uint64_t fdb_key(const uint8_t mac[6], uint16_t vlan)
{
	uint64_t k = FDB_KEY_VALID | (uint64_t)(vlan & 0xfff) << 48;

	for (int i = 0; i < 6; i++)
		k |= (uint64_t)mac[i] << (40 - 8 * i);
	return k;
}

static unsigned fdb_hash(uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (unsigned)key;
}

/**
 * fdb_create() - an empty table
 * @max_entries: most MAC addresses it will hold (at least 1)
 * @aging: seconds an entry lives without being refreshed
 *
 * Return: table, or NULL on allocation failure
 */
struct fdb *fdb_create(unsigned max_entries, unsigned aging)
{
	struct fdb *fdb = calloc(1, sizeof(*fdb));
	unsigned size = 16;

	if (!fdb)
		return NULL;
	if (!max_entries)
		max_entries = 1;
	while (size < max_entries * 2)
		size <<= 1;
	fdb->tab = calloc(size, sizeof(*fdb->tab));
	if (!fdb->tab) {
		free(fdb);
		return NULL;
	}
	fdb->max = max_entries;
	fdb->mask = size - 1;
	fdb->aging = aging;
	return fdb;
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
	free(fdb);
}

static bool fdb_expired(const struct fdb *fdb, int64_t seen, int64_t now)
{
	return now - seen >= (int64_t)fdb->aging;
}

/**
 * fdb_learn() - note that @mac in @vlan was seen behind @port
 * @fdb: table
 * @mac: source MAC (unicast; callers drop multicast sources)
 * @vlan: VLAN of the frame
 * @port: ingress port
 * @now: monotonic seconds
 *
 * Return: what happened
 */
enum fdb_learn_result fdb_learn(struct fdb *fdb, const uint8_t mac[6],
				uint16_t vlan, uint16_t port, int64_t now)
{
	uint64_t key = fdb_key(mac, vlan);

	for (int attempt = 0; attempt < 4; attempt++) {
		struct fdb_entry *free_slot = NULL;
		uint64_t free_key = 0;
		unsigned i = fdb_hash(key);

		for (unsigned n = 0; n <= fdb->mask; n++, i++) {
			struct fdb_entry *e = &fdb->tab[i & fdb->mask];
			uint64_t k =
			    atomic_load_explicit(&e->key, memory_order_acquire);

			if (k == key) {
				uint32_t old = atomic_load_explicit(
				    &e->port, memory_order_relaxed);

				atomic_store_explicit(&e->seen, now,
						      memory_order_relaxed);
				if (old == port)
					return FDB_REFRESHED;
				atomic_store_explicit(&e->port, port,
						      memory_order_relaxed);
				return FDB_MOVED;
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
		if (atomic_load_explicit(&fdb->live, memory_order_relaxed) >=
			fdb->max ||
		    !free_slot)
			return FDB_FULL;
		/* Fill port and time before the key makes the entry visible. */
		atomic_store_explicit(&free_slot->port, port,
				      memory_order_relaxed);
		atomic_store_explicit(&free_slot->seen, now,
				      memory_order_relaxed);
		if (atomic_compare_exchange_strong_explicit(
			&free_slot->key, &free_key, key, memory_order_release,
			memory_order_relaxed)) {
			atomic_fetch_add(&fdb->live, 1);
			if (free_key == FDB_KEY_TOMB)
				atomic_fetch_sub(&fdb->tombs, 1);
			return FDB_LEARNED;
		}
	}
	return FDB_FULL;
}

/**
 * fdb_lookup() - port behind a MAC
 * @fdb: table
 * @mac: destination MAC
 * @vlan: VLAN of the frame
 * @now: monotonic seconds; entries past their age do not count
 *
 * Return: port id, or -1 when unknown
 */
int fdb_lookup(struct fdb *fdb, const uint8_t mac[6], uint16_t vlan,
	       int64_t now)
{
	uint64_t key = fdb_key(mac, vlan);
	unsigned i = fdb_hash(key);

	for (unsigned n = 0; n <= fdb->mask; n++, i++) {
		struct fdb_entry *e = &fdb->tab[i & fdb->mask];
		uint64_t k =
		    atomic_load_explicit(&e->key, memory_order_acquire);

		if (k == key) {
			if (fdb_expired(fdb,
					atomic_load_explicit(
					    &e->seen, memory_order_relaxed),
					now))
				return -1;
			return (int)atomic_load_explicit(&e->port,
							 memory_order_relaxed);
		}
		if (k == FDB_KEY_EMPTY)
			return -1;
	}
	return -1;
}

static bool fdb_remove(struct fdb *fdb, struct fdb_entry *e, uint64_t k)
{
	if (!atomic_compare_exchange_strong(&e->key, &k, FDB_KEY_TOMB))
		return false;
	atomic_fetch_sub(&fdb->live, 1);
	atomic_fetch_add(&fdb->tombs, 1);
	return true;
}

/* Remove every live entry @drop says to; returns how many went. */
static unsigned fdb_remove_if(struct fdb *fdb,
			      bool (*drop)(const struct fdb *fdb,
					   const struct fdb_entry *e,
					   int64_t arg),
			      int64_t arg)
{
	unsigned removed = 0;

	for (unsigned i = 0; i <= fdb->mask; i++) {
		struct fdb_entry *e = &fdb->tab[i];
		uint64_t k = atomic_load(&e->key);

		if (k == FDB_KEY_EMPTY || k == FDB_KEY_TOMB)
			continue;
		if (drop(fdb, e, arg) && fdb_remove(fdb, e, k))
			removed++;
	}
	return removed;
}

static bool entry_expired(const struct fdb *fdb, const struct fdb_entry *e,
			  int64_t now)
{
	return fdb_expired(fdb, atomic_load(&e->seen), now);
}

static bool entry_on_port(const struct fdb *fdb, const struct fdb_entry *e,
			  int64_t port)
{
	return atomic_load(&e->port) == (uint32_t)port;
}

/**
 * fdb_age() - drop entries not refreshed within the aging time
 * @fdb: table
 * @now: monotonic seconds
 *
 * Return: entries removed
 */
unsigned fdb_age(struct fdb *fdb, int64_t now)
{
	return fdb_remove_if(fdb, entry_expired, now);
}

/**
 * fdb_flush_port() - forget every MAC behind a port
 * @fdb: table
 * @port: port being removed or gone down
 *
 * Return: entries removed
 */
unsigned fdb_flush_port(struct fdb *fdb, uint16_t port)
{
	return fdb_remove_if(fdb, entry_on_port, port);
}

/**
 * fdb_count() - live entries (some may be past their age until aged out)
 * @fdb: table
 *
 * Return: count
 */
unsigned fdb_count(const struct fdb *fdb)
{
	return atomic_load(&fdb->live);
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

/**
 * fdb_rebuild() - a copy without tombstones
 * @fdb: table to copy (entries learned meanwhile may be missed and are
 *       simply learned again)
 *
 * Return: new table, or NULL on allocation failure
 */
struct fdb *fdb_rebuild(const struct fdb *fdb)
{
	struct fdb *n = fdb_create(fdb->max, fdb->aging);

	if (!n)
		return NULL;
	for (unsigned i = 0; i <= fdb->mask; i++) {
		const struct fdb_entry *e = &fdb->tab[i];
		uint64_t k = atomic_load(&e->key);
		uint8_t mac[6];

		if (k == FDB_KEY_EMPTY || k == FDB_KEY_TOMB)
			continue;
		for (int b = 0; b < 6; b++)
			mac[b] = (uint8_t)(k >> (40 - 8 * b));
		fdb_learn(n, mac, (uint16_t)((k >> 48) & 0xfff),
			  (uint16_t)atomic_load(&e->port),
			  atomic_load(&e->seen));
	}
	return n;
}

/**
 * fdb_set_aging() - change the aging time
 * @fdb: table
 * @aging: seconds
 */
void fdb_set_aging(struct fdb *fdb, unsigned aging)
{
	fdb->aging = aging;
}

/**
 * fdb_foreach() - call @cb for every live, unexpired entry
 * @fdb: table
 * @now: monotonic seconds
 * @cb: callback, gets the entry's age in seconds
 * @arg: passed to @cb
 */
void fdb_foreach(const struct fdb *fdb, int64_t now, vsw_fdb_cb cb, void *arg)
{
	for (unsigned i = 0; i <= fdb->mask; i++) {
		const struct fdb_entry *e = &fdb->tab[i];
		uint64_t k = atomic_load(&e->key);
		int64_t seen = atomic_load(&e->seen);
		uint8_t mac[6];

		if (k == FDB_KEY_EMPTY || k == FDB_KEY_TOMB ||
		    fdb_expired(fdb, seen, now))
			continue;
		for (int b = 0; b < 6; b++)
			mac[b] = (uint8_t)(k >> (40 - 8 * b));
		cb(mac, (uint16_t)((k >> 48) & 0xfff),
		   (int)atomic_load(&e->port), now - seen, arg);
	}
}
