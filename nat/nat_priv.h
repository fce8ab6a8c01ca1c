/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nat_priv.h - the NAT table's layout and the helpers shared by the files of
 * nat/ and by their tests
 *
 * The region the caller provides holds a header and an array of fixed-size
 * entries, nothing else: everything derived from the entries (the hash
 * index, the timer wheel, the free list, port bitmaps, reference counts)
 * lives in process memory and is rebuilt at attach, so a damaged index can
 * never be trusted by accident.  Entries refer to each other by index.
 *
 * Crash consistency (kill -9 at any instruction): an entry becomes live by
 * storing its kind last (a release store, after every other field) and dies
 * by storing NAT_E_FREE first.  Attach checks every live entry on its own
 * and against its mapping, and frees what does not hold together.
 */
#ifndef VNET_NAT_PRIV_H
#define VNET_NAT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/siphash.h"
#include "nat.h"

#define NAT_MAGIC	      0x31544e54454e56ull /* "VNETNT1" little-endian */
#define NAT_VERSION	      2u
#define NAT_NIL		      0xffffffffu /* no entry */
#define NAT_WHEEL_SLOTS	      4096u	  /* one second each, a power of 2 */
#define NAT_FRAG_SLOTS	      256u	  /* first fragments remembered */
#define NAT_FRAG_TIMEOUT      30	  /* seconds a first fragment is kept */
#define NAT_NPROTO	      3		  /* ICMP, TCP, UDP */
#define NAT_EXPIRY_SLACK      60	  /* seconds tolerated past a timeout */
#define NAT_EARLY_DROP_PROBES 32	  /* entries a full table looks at */
#define NAT_SEQ_ACK_LAG	      65536u /* how far an ACK may lag the highest seen */
#define NAT_SEQ_JUMP	      (1u << 26) /* how far a segment may skip ahead */
#define NAT_E_FREE	      0
#define NAT_SF_INBOUND	      0x01 /* session opened from the outside */
#define NAT_SF_REPLIED	      0x02 /* session saw traffic both ways */
#define NAT_SF_FIN_ORIG	      0x04 /* the opening side sent FIN */
#define NAT_SF_FIN_REPLY      0x08 /* the answering side sent FIN */
#define NAT_SF_FIN_ORIG_1ST   0x10 /* ... and the opening side's came first */
#define NAT_SF_ACK_ORIG	      0x20 /* CLOSE: the opening side went on */
#define NAT_SF_ACK_REPLY      0x40 /* CLOSE: the answering side went on */
#define NAT_SF_ASSURED	      0x80 /* TCP: reached ESTABLISHED */

/**
 * struct nat_entry - one mapping, forward or session (in the region)
 * @kind: NAT_E_FREE or enum nat_entry_kind; stored last when made live
 * @proto: NAT_PROTO_*
 * @state: enum nat_tcp_state (TCP sessions)
 * @flags: NAT_SF_* (sessions)
 * @int_ip, @int_port: inside endpoint, host order
 * @ext_ip, @ext_port: external endpoint
 * @rem_ip, @rem_port: remote endpoint (sessions; 0 in mappings)
 * @map: sessions: index of their mapping or forward
 * @expires: idle expiry, caller's seconds (0 for forwards)
 * @created: when it was made
 * @seq_end: TCP sessions: the sequence number after the last byte (SYN and
 *           FIN count one) sent by the opening side [0] and the answering
 *           side [1]; 0 until seen
 * @ack: TCP sessions: the highest acknowledgement number sent by the
 *       opening side [0] and the answering side [1]; 0 until seen
 * @refs: derived: sessions through this mapping
 * @next_in, @next_out: derived: hash chains by inside and outside key
 * @tw_next, @tw_prev: derived: timer wheel list (free list: @tw_next)
 * @tw_slot: derived: the wheel slot the entry is in
 * @pkts_out, @bytes_out, @pkts_in, @bytes_in: sessions' counters
 */
struct nat_entry {
	uint8_t kind;
	uint8_t proto;
	uint8_t state;
	uint8_t flags;
	uint32_t int_ip, ext_ip, rem_ip;
	uint16_t int_port, ext_port, rem_port, tw_slot;
	uint32_t map;
	uint32_t expires;
	uint32_t created;
	uint32_t seq_end[2];
	uint32_t ack[2];
	uint32_t refs;
	uint32_t next_in, next_out;
	uint32_t tw_next, tw_prev;
	uint64_t pkts_out, bytes_out, pkts_in, bytes_in;
};

/**
 * struct nat_hdr - the region's first bytes; everything up to @csum is
 * covered by @csum (FNV-1a 64 with @csum taken as 0)
 * @magic: NAT_MAGIC
 * @version: NAT_VERSION
 * @hdr_size: sizeof(struct nat_hdr)
 * @entry_size: sizeof(struct nat_entry)
 * @capacity: entries after the header
 * @region_size: nat_table_size(@capacity)
 * @epoch: the clock's identity (struct nat_config)
 * @inside_net, @inside_prefix: the private subnet
 * @ext_addr, @n_ext: external addresses the entries may use
 * @port_min, @port_max: dynamic port range
 * @csum: checksum of the fields above
 */
struct nat_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t hdr_size;
	uint32_t entry_size;
	uint32_t capacity;
	uint64_t region_size;
	uint64_t epoch;
	uint32_t inside_net;
	uint32_t inside_prefix;
	uint32_t ext_addr[NAT_MAX_EXT];
	uint32_t n_ext;
	uint16_t port_min, port_max;
	uint64_t csum;
	uint8_t reserved[48];
};

/**
 * struct nat_frag - a first fragment's translation, for the fragments that
 * follow it (process memory; fragments in flight at a restart are lost)
 * @src, @dst, @id, @proto, @dir: the datagram as it arrived (key)
 * @addr: the address written into each fragment (source going out,
 *        destination coming in); 0: ambiguous, later fragments dropped
 * @new_id: the identification written into each fragment
 * @sess: a TCP segment's session whose window the last fragment completes
 *        (nat_session_frag_end()), else NAT_NIL
 * @tcp_base: the sequence number the segment's L4 bytes count from: its
 *            end is @tcp_base plus the datagram's L4 length
 * @expires: when the slot may be reused
 */
struct nat_frag {
	uint32_t src, dst;
	uint16_t id, new_id;
	uint8_t proto, dir;
	uint32_t addr;
	uint32_t sess, tcp_base;
	int64_t expires;
};

/**
 * struct nat_own - derived: the sessions of one mapping or forward, a
 * doubly linked list in process memory (one per entry, indexed alike)
 * @next: a session: the next session of its mapping; a mapping or forward:
 *        its first session
 * @prev: a session: the previous one, NAT_NIL for the first
 *
 * Freeing a mapping's sessions visits those sessions, not the table.
 */
struct nat_own {
	uint32_t next, prev;
};

/* Bitmap of external ports in use for one protocol and address. */
struct nat_ports {
	uint64_t w[65536 / 64];
};

/**
 * struct nat_ipq - derived: entries one inside address holds against its
 * quota (struct nat_config @sessions_per_ip), a slot of an open-addressing
 * table (linear probing, keyed hash); @n 0 marks an empty slot
 * @ip: inside address
 * @n: entries counted
 */
struct nat_ipq {
	uint32_t ip, n;
};

/**
 * struct nat_table - the handle: the region and what is derived from it
 * @hdr: the region's header
 * @e: its entries
 * @cap: entries
 * @mask: buckets - 1
 * @bin, @bout: hash buckets by inside and outside key (heads)
 * @own: each mapping's and forward's sessions
 * @ipq: entries counted per inside address, kept at most half full: there
 *       are never more addresses than entries nor than the subnet holds
 * @ipq_mask: its slots - 1
 * @fwd_sess: sessions remotes opened through forwards
 *            (nat_fwd_opened()), held at NAT_FWD_SESSIONS_MAX()
 * @wheel: timer wheel slots (heads)
 * @wheel_time: the second whose slot nat_expire() processes next
 * @free_head: free list
 * @nfree: entries on it
 * @key: hash key
 * @rng: xorshift state for port search
 * @cfg: settings (defaults filled in)
 * @ports: ports in use, by protocol index and external address index
 * @frag: first fragments
 * @frag_id: the next identification for a datagram fragmented going out
 * @st: counters
 */
struct nat_table {
	struct nat_hdr *hdr;
	struct nat_entry *e;
	uint32_t cap;
	uint32_t mask;
	uint32_t *bin, *bout;
	struct nat_own *own;
	struct nat_ipq *ipq;
	uint32_t ipq_mask;
	uint32_t fwd_sess;
	uint32_t wheel[NAT_WHEEL_SLOTS];
	int64_t wheel_time;
	uint32_t free_head, nfree;
	struct siphash_key key;
	uint64_t rng;
	struct nat_config cfg;
	struct nat_ports ports[NAT_NPROTO][NAT_MAX_EXT];
	struct nat_frag frag[NAT_FRAG_SLOTS];
	uint16_t frag_id;
	struct nat_stats st;
};

/* Key tags: one hash function for four kinds of key. */
enum nat_key_tag {
	NAT_KEY_SESS_IN = 1,
	NAT_KEY_SESS_OUT = 2,
	NAT_KEY_MAP_IN = 3,
	NAT_KEY_MAP_OUT = 4,
	NAT_KEY_FRAG = 5,
};

/* SipHash-1-3 of two words: a keyed hash of a whole 5-tuple. */
static inline uint64_t nat_hash2(const struct siphash_key *k, uint64_t m0,
				 uint64_t m1)
{
	uint64_t v0 = k->v[0], v1 = k->v[1], v2 = k->v[2], v3 = k->v[3];
	const uint64_t b = 16ull << 56;

	v3 ^= m0;
	SIPHASH_ROUND(v0, v1, v2, v3);
	v0 ^= m0;
	v3 ^= m1;
	SIPHASH_ROUND(v0, v1, v2, v3);
	v0 ^= m1;
	v3 ^= b;
	SIPHASH_ROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SIPHASH_ROUND(v0, v1, v2, v3);
	SIPHASH_ROUND(v0, v1, v2, v3);
	SIPHASH_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

static inline uint32_t nat_hash(const struct nat_table *t, unsigned tag,
				uint8_t proto, uint32_t a_ip, uint16_t a_port,
				uint32_t b_ip, uint16_t b_port)
{
	uint64_t m0 = (uint64_t)a_ip << 32 | b_ip;
	uint64_t m1 = (uint64_t)a_port << 48 | (uint64_t)b_port << 32 |
		      (uint64_t)proto << 8 | tag;

	return (uint32_t)nat_hash2(&t->key, m0, m1);
}

static inline int nat_proto_idx(uint8_t proto)
{
	switch (proto) {
	case NAT_PROTO_ICMP:
		return 0;
	case NAT_PROTO_TCP:
		return 1;
	case NAT_PROTO_UDP:
		return 2;
	}
	return -1;
}

static inline uint32_t nat_get_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static inline void nat_put_be32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/*
 * Incremental checksum update (RFC 1624 eqn. 3): HC' = ~(~HC + ~m + m').
 * @csum points at the 16-bit field in the packet.
 */
static inline void nat_csum_update16(uint8_t *csum, uint16_t old, uint16_t new)
{
	uint32_t s = (uint16_t) ~(csum[0] << 8 | csum[1]);

	s += (uint16_t)~old;
	s += new;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (uint16_t)~s;
	csum[0] = (uint8_t)(s >> 8);
	csum[1] = (uint8_t)s;
}

static inline void nat_csum_update32(uint8_t *csum, uint32_t old, uint32_t new)
{
	nat_csum_update16(csum, (uint16_t)(old >> 16), (uint16_t)(new >> 16));
	nat_csum_update16(csum, (uint16_t)old, (uint16_t) new);
}

static inline bool nat_inside(const struct nat_config *c, uint32_t ip)
{
	uint32_t mask = ~0u << (32 - c->inside_prefix);

	return (ip & mask) == (c->inside_net & mask);
}

/* 0/8, 127/8, multicast, class E and broadcast are never routed. */
static inline bool nat_martian(uint32_t ip)
{
	return !(ip >> 24) || ip >> 24 == 127 || ip >> 28 >= 14;
}

static inline int nat_ext_idx(const struct nat_config *c, uint32_t ip)
{
	for (unsigned i = 0; i < c->n_ext; i++)
		if (c->ext_addr[i] == ip)
			return (int)i;
	return -1;
}

/* ---- nat_table.c, nat_frag.c: entries, index, wheel, ports, fragments ---- */
uint32_t nat_entry_alloc(struct nat_table *t);
bool nat_make_room(struct nat_table *t, uint32_t need, uint32_t keep);
void nat_entry_publish(struct nat_table *t, uint32_t i, uint8_t kind);
void nat_entry_free(struct nat_table *t, uint32_t i);
uint32_t nat_lookup_sess_in(const struct nat_table *t, uint8_t proto,
			    uint32_t int_ip, uint16_t int_port, uint32_t rem_ip,
			    uint16_t rem_port);
uint32_t nat_lookup_sess_out(const struct nat_table *t, uint8_t proto,
			     uint32_t ext_ip, uint16_t ext_port,
			     uint32_t rem_ip, uint16_t rem_port);
uint32_t nat_lookup_map_in(const struct nat_table *t, uint8_t proto,
			   uint32_t int_ip, uint16_t int_port);
uint32_t nat_lookup_owner_in(const struct nat_table *t, uint8_t proto,
			     uint32_t int_ip, uint16_t int_port);
uint32_t nat_lookup_map_out(const struct nat_table *t, uint8_t proto,
			    uint32_t ext_ip, uint16_t ext_port);
int nat_port_alloc(struct nat_table *t, uint8_t proto, unsigned ext,
		   uint16_t want);
uint16_t nat_frag_put(struct nat_table *t, unsigned dir, uint32_t src,
		      uint32_t dst, uint16_t id, uint8_t proto, uint32_t addr,
		      uint32_t sess, uint32_t tcp_base, int64_t now);
bool nat_frag_get(const struct nat_table *t, unsigned dir, uint32_t src,
		  uint32_t dst, uint16_t id, uint8_t proto, int64_t now,
		  uint32_t *addr, uint16_t *new_id, uint32_t *sess,
		  uint32_t *tcp_base);
uint64_t nat_hdr_csum(const struct nat_hdr *h);
void nat_wheel_resched(struct nat_table *t, uint32_t i);
bool nat_free_sessions_of(struct nat_table *t, uint32_t m, unsigned budget);
uint32_t nat_ip_count(const struct nat_table *t, uint32_t ip);
bool nat_ip_quota_ok(const struct nat_table *t, uint32_t ip, uint32_t need);
bool nat_ip_counted(const struct nat_table *t, const struct nat_entry *e);
bool nat_fwd_opened(const struct nat_table *t, const struct nat_entry *e);
bool nat_fwd_room(struct nat_table *t);

/* ---- nat_ct.c: sessions and their state ---- */
enum nat_dir { NAT_DIR_OUT = 0, NAT_DIR_IN = 1 };

uint32_t nat_session_new(struct nat_table *t, uint32_t map, uint32_t rem_ip,
			 uint16_t rem_port, bool inbound, uint8_t state,
			 int64_t now, enum nat_drop *drop);
uint32_t nat_mapping_new(struct nat_table *t, uint8_t proto, uint32_t int_ip,
			 uint16_t int_port, int64_t now, enum nat_drop *drop);
/**
 * struct nat_seg - what connection tracking reads of a TCP segment
 * @flags: TCP flags
 * @seq: sequence number
 * @ack: acknowledgement number (meaningful with NAT_TCP_ACK)
 * @len: sequence space it takes: payload bytes, plus one for SYN and FIN
 */
struct nat_seg {
	uint8_t flags;
	uint32_t seq, ack, len;
};

enum nat_drop nat_session_seen(struct nat_table *t, uint32_t s,
			       enum nat_dir dir, const struct nat_seg *seg,
			       uint32_t bytes, int64_t now);
bool nat_session_frag_first(const struct nat_table *t, uint32_t s,
			    enum nat_dir dir, const struct nat_seg *seg);
void nat_session_frag_end(struct nat_table *t, uint32_t s, enum nat_dir dir,
			  uint32_t rem_ip, uint32_t end);
bool nat_tcp_flags_valid(uint8_t flags);
uint32_t nat_timeout_of(const struct nat_table *t, const struct nat_entry *e);

#define NAT_TCP_FIN 0x01
#define NAT_TCP_SYN 0x02
#define NAT_TCP_RST 0x04
#define NAT_TCP_ACK 0x10

#endif
