// SPDX-License-Identifier: GPL-2.0-or-later
/* team_macs.c - the MACs behind a team and their announcement
 *
 * Every frame the team sends records its source MAC (with its VLAN, the
 * switch port it came from, its IPv4 address when an ARP it sends proves it
 * (never the source of an IPv4 packet: that may be routed), and
 * the member it left on) in a fixed open-addressed table written without a
 * lock by every datapath thread: a slot is claimed by compare-and-swap on
 * its key, the other fields are hints updated with relaxed stores.  When the
 * members carrying traffic change, every MAC whose member changed is
 * announced on its new member so the physical switch relearns it at once:
 * a gratuitous ARP when its address is known (its DHCP lease on the
 * network, else an ARP of its own), an unsolicited neighbour advertisement
 * when its IPv6 address is known (a neighbour solicitation or advertisement
 * of its own), a RARP when neither is (what VMware
 * and QEMU send after a move).  The same table tells a broadcast of our own
 * that the physical switch sent back (balance modes) from a stranger's.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/pkt.h"
#include "team_priv.h"

#define MAC_PROBE      8
#define ETHERTYPE_RARP 0x8035

static uint64_t mac_key(const uint8_t mac[6], uint16_t vlan)
{
	return 1ULL << 63 | (uint64_t)(vlan & 0xfff) << 48 | mac_u64(mac);
}

static unsigned slot_of(uint64_t key)
{
	return mix32(key) & (TEAM_MAC_SLOTS - 1);
}

/**
 * team_macs_find() - the entry of a MAC the team has sent from
 * @t: team
 * @mac: MAC
 * @vlan: VLAN
 *
 * Return: entry, or NULL
 */
struct team_mac *team_macs_find(struct team *t, const uint8_t mac[6],
				uint16_t vlan)
{
	uint64_t want = mac_key(mac, vlan);
	unsigned h = slot_of(want);

	for (unsigned k = 0; k < MAC_PROBE; k++) {
		struct team_mac *e = &t->macs[(h + k) & (TEAM_MAC_SLOTS - 1)];
		uint64_t key =
		    atomic_load_explicit(&e->key, memory_order_acquire);

		if (key == want)
			return e;
		if (!key)
			return NULL;
	}
	return NULL;
}

/*
 * The IPv4 address a frame proves its sender owns, 0 if none.  Only an ARP
 * request (or a gratuitous ARP reply, sender = target) whose sender MAC is
 * the frame's source MAC counts: the source address of an IPv4 packet is
 * not its sender's when the sender routes (a router VM forwards other
 * hosts' packets with its own MAC) or spoofs, and an ordinary ARP reply may
 * be proxy ARP for someone else's address.  Announcing such an address
 * would point the neighbours' ARP caches at the wrong MAC.
 */
static uint32_t sender_ip(const uint8_t *f, size_t len)
{
	size_t o = 12;
	uint16_t et, op;
	uint32_t ip = 0;

	if (len < 14)
		return 0;
	et = pkt_get_be16(f + o);
	if (et == ETHERTYPE_VLAN && len >= 18) {
		o += 4;
		et = pkt_get_be16(f + o);
	}
	o += 2;
	if (et != ETHERTYPE_ARP || len - o < 28)
		return 0;
	/* Ethernet/IPv4 ARP, sender hardware address = frame source. */
	if (pkt_get_be16(f + o) != 1 || pkt_get_be16(f + o + 2) != 0x0800 ||
	    f[o + 4] != 6 || f[o + 5] != 4 || memcmp(f + o + 8, f + 6, 6))
		return 0;
	op = pkt_get_be16(f + o + 6);
	if (op != 1 && !(op == 2 && !memcmp(f + o + 14, f + o + 24, 4)))
		return 0;
	memcpy(&ip, f + o + 14, 4);
	ip = ntohl(ip);
	/* Not 0.0.0.0 (an ARP probe), broadcast, multicast or loopback. */
	return ip && ip != 0xffffffff && (ip >> 28) != 0xe && (ip >> 24) != 127
		   ? ip
		   : 0;
}

/*
 * The IPv6 address a frame proves its sender owns, in @ip6; false if none.
 * Like ARP: a neighbour solicitation from a real address (not ::, which
 * duplicate address detection uses) with a source link-layer option equal
 * to the frame's source MAC, or an advertisement for its own source
 * address with that target link-layer option.  A router's packets, and an
 * advertisement for another address (proxy ND), do not count.
 */
static bool sender_ip6(const uint8_t *f, size_t len, uint8_t ip6[16])
{
	static const uint8_t zero[16];
	size_t o = 12, opt;
	uint16_t et;
	uint8_t type, want;

	if (len < 14)
		return false;
	et = pkt_get_be16(f + o);
	if (et == ETHERTYPE_VLAN && len >= 18) {
		o += 4;
		et = pkt_get_be16(f + o);
	}
	o += 2;
	/* IPv6 without extension headers, ICMPv6, hop limit 255 (RFC 4861),
	 * then the 24 bytes of NS or NA up to the target. */
	if (et != ETHERTYPE_IPV6 || len - o < 40 + 24 || (f[o] >> 4) != 6 ||
	    f[o + 6] != 58 || f[o + 7] != 255)
		return false;
	type = f[o + 40];
	if ((type != 135 && type != 136) || f[o + 41] != 0 ||
	    !memcmp(f + o + 8, zero, 16) || f[o + 8] == 0xff)
		return false;
	if (type == 136 && memcmp(f + o + 40 + 8, f + o + 8, 16))
		return false;	    /* advertises another address */
	want = type == 135 ? 1 : 2; /* source / target link-layer option */
	for (opt = o + 64; len - opt >= 8 && f[opt + 1];
	     opt += (size_t)f[opt + 1] * 8) {
		if (f[opt] == want && f[opt + 1] == 1 &&
		    !memcmp(f + opt + 2, f + 6, 6)) {
			memcpy(ip6, f + o + 8, 16);
			return true;
		}
		if ((size_t)f[opt + 1] * 8 > len - opt)
			break;
	}
	return false;
}

static bool ip6_link_local(const uint8_t a[16])
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/* Record @a in @e (any datapath thread): a global address is not replaced
 * by a link-local one. */
static void note_ip6(struct team_mac *e, const uint8_t a[16])
{
	uint64_t hi, lo;
	uint8_t cur[16];
	uint32_t seq = atomic_load_explicit(&e->ip6_seq, memory_order_acquire);

	memcpy(&hi, a, 8);
	memcpy(&lo, a + 8, 8);
	if (seq & 1)
		return; /* another thread is writing it */
	if (seq) {
		uint64_t h =
		    atomic_load_explicit(&e->ip6[0], memory_order_relaxed);
		uint64_t l =
		    atomic_load_explicit(&e->ip6[1], memory_order_relaxed);

		if (h == hi && l == lo)
			return;
		memcpy(cur, &h, 8);
		memcpy(cur + 8, &l, 8);
		if (ip6_link_local(a) && !ip6_link_local(cur))
			return;
	}
	if (!atomic_compare_exchange_strong(&e->ip6_seq, &seq, seq + 1))
		return;
	atomic_store_explicit(&e->ip6[0], hi, memory_order_relaxed);
	atomic_store_explicit(&e->ip6[1], lo, memory_order_relaxed);
	atomic_store_explicit(&e->ip6_seq, seq + 2, memory_order_release);
}

/* @e's IPv6 address into @a; false when it has none (or is being
 * written). */
static bool read_ip6(struct team_mac *e, uint8_t a[16])
{
	uint32_t seq = atomic_load_explicit(&e->ip6_seq, memory_order_acquire);
	uint64_t hi, lo;

	if (!seq || (seq & 1))
		return false;
	hi = atomic_load_explicit(&e->ip6[0], memory_order_relaxed);
	lo = atomic_load_explicit(&e->ip6[1], memory_order_relaxed);
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(&e->ip6_seq, memory_order_relaxed) != seq)
		return false;
	memcpy(a, &hi, 8);
	memcpy(a + 8, &lo, 8);
	return true;
}

/**
 * team_note_tx() - remember the source of a frame the team sends
 * (datapath, no lock)
 * @t: team
 * @p: the frame
 * @tci: tag it leaves with
 * @m: member it leaves on
 * @now: monotonic ms
 */
void team_note_tx(struct team *t, const struct pkt *p, uint16_t tci, unsigned m,
		  uint64_t now)
{
	const uint8_t *src = p->data + 6;
	uint64_t want, key;
	struct team_mac *e = NULL;
	unsigned h;
	uint32_t ip;
	uint8_t ip6[16];

	if (p->len < 14 || (src[0] & 1))
		return;
	want = mac_key(src, tci & 0xfff);
	h = slot_of(want);
	/* Its own slot first, anywhere in the neighbourhood: a stale or free
	 * slot before it must not take a second copy of the same key. */
	for (unsigned k = 0; k < MAC_PROBE; k++) {
		struct team_mac *s = &t->macs[(h + k) & (TEAM_MAC_SLOTS - 1)];

		key = atomic_load_explicit(&s->key, memory_order_acquire);
		if (key == want) {
			e = s;
			break;
		}
		if (!key)
			break; /* slots are never freed: it is not further */
	}
	for (unsigned k = 0; k < MAC_PROBE && !e; k++) {
		struct team_mac *s = &t->macs[(h + k) & (TEAM_MAC_SLOTS - 1)];

		key = atomic_load_explicit(&s->key, memory_order_acquire);
		if (key == want) {
			e = s; /* another thread claimed it meanwhile */
			break;
		}
		if (key && now - atomic_load_explicit(&s->seen,
						      memory_order_relaxed) <=
			       TEAM_MAC_AGE)
			continue;
		/* Free or stale: claim it. */
		if (atomic_compare_exchange_strong(&s->key, &key, want)) {
			atomic_store_explicit(&s->ip, 0, memory_order_relaxed);
			atomic_store_explicit(&s->ip6_seq, 0,
					      memory_order_relaxed);
			atomic_store_explicit(&s->member, 0,
					      memory_order_relaxed);
			atomic_store_explicit(&s->seen, 0,
					      memory_order_relaxed);
			e = s;
		} else if (key == want) {
			e = s;
		}
	}
	if (!e)
		return; /* neighbourhood full: not announced, not fatal */
	if (now - atomic_load_explicit(&e->seen, memory_order_relaxed) >= 500)
		atomic_store_explicit(&e->seen, now, memory_order_relaxed);
	if (atomic_load_explicit(&e->member, memory_order_relaxed) != m + 1)
		atomic_store_explicit(&e->member, (uint8_t)(m + 1),
				      memory_order_relaxed);
	if (atomic_load_explicit(&e->port, memory_order_relaxed) != p->in_port)
		atomic_store_explicit(&e->port, p->in_port,
				      memory_order_relaxed);
	if (atomic_load_explicit(&e->tci, memory_order_relaxed) != tci)
		atomic_store_explicit(&e->tci, tci, memory_order_relaxed);
	ip = sender_ip(p->data, p->len);
	if (ip && atomic_load_explicit(&e->ip, memory_order_relaxed) != ip)
		atomic_store_explicit(&e->ip, ip, memory_order_relaxed);
	if (sender_ip6(p->data, p->len, ip6))
		note_ip6(e, ip6);
}

/**
 * team_garp_build() - a gratuitous ARP request announcing @mac at @ip
 * @buf: where to build it
 * @size: room in @buf
 * @mac: the MAC
 * @ip: its address, host order
 *
 * Return: frame length (60), or 0 when @size is too small
 */
size_t team_garp_build(uint8_t *buf, size_t size, const uint8_t mac[6],
		       uint32_t ip)
{
	uint32_t nip = htonl(ip);

	if (size < 60)
		return 0;
	memset(buf, 0, 60);
	memset(buf, 0xff, 6);
	memcpy(buf + 6, mac, 6);
	pkt_put_be16(buf + 12, ETHERTYPE_ARP);
	pkt_put_be16(buf + 14, 1);
	pkt_put_be16(buf + 16, ETHERTYPE_IPV4);
	buf[18] = 6;
	buf[19] = 4;
	pkt_put_be16(buf + 20, 1);
	memcpy(buf + 22, mac, 6);
	memcpy(buf + 28, &nip, 4);
	memcpy(buf + 38, &nip, 4);
	return 60;
}

/**
 * team_rarp_build() - a RARP request from @mac (an address-less
 * announcement, as QEMU sends after migration)
 * @buf: where to build it
 * @size: room in @buf
 * @mac: the MAC
 *
 * Return: frame length (60), or 0 when @size is too small
 */
size_t team_rarp_build(uint8_t *buf, size_t size, const uint8_t mac[6])
{
	if (size < 60)
		return 0;
	memset(buf, 0, 60);
	memset(buf, 0xff, 6);
	memcpy(buf + 6, mac, 6);
	pkt_put_be16(buf + 12, ETHERTYPE_RARP);
	pkt_put_be16(buf + 14, 1);
	pkt_put_be16(buf + 16, ETHERTYPE_IPV4);
	buf[18] = 6;
	buf[19] = 4;
	pkt_put_be16(buf + 20, 3); /* reverse request */
	memcpy(buf + 22, mac, 6);
	memcpy(buf + 32, mac, 6);
	return 60;
}

/**
 * team_na_build() - an unsolicited neighbour advertisement of @ip6 at @mac
 * to all nodes (RFC 4861 7.2.6: override set, solicited clear)
 * @buf: where to build it
 * @size: room in @buf
 * @mac: the MAC
 * @ip6: its address
 *
 * Return: frame length (86), or 0 when @size is too small
 */
size_t team_na_build(uint8_t *buf, size_t size, const uint8_t mac[6],
		     const uint8_t ip6[16])
{
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
	uint8_t *ip = buf + 14, *icmp = buf + 54;
	uint32_t sum;

	if (size < 86)
		return 0;
	memset(buf, 0, 86);
	memcpy(buf, "\x33\x33\x00\x00\x00\x01", 6);
	memcpy(buf + 6, mac, 6);
	pkt_put_be16(buf + 12, ETHERTYPE_IPV6);
	ip[0] = 0x60;
	pkt_put_be16(ip + 4, 32); /* payload length */
	ip[6] = 58;		  /* ICMPv6 */
	ip[7] = 255;
	memcpy(ip + 8, ip6, 16);
	memcpy(ip + 24, all_nodes, 16);
	icmp[0] = 136;
	icmp[4] = 0x20; /* override */
	memcpy(icmp + 8, ip6, 16);
	icmp[24] = 2; /* target link-layer address */
	icmp[25] = 1;
	memcpy(icmp + 26, mac, 6);
	/* Pseudo-header: addresses, upper-layer length, next header. */
	sum = csum_partial(ip + 8, 32, 0);
	sum += 32 + 58;
	sum = csum_partial(icmp, 32, sum);
	pkt_put_be16(icmp + 2, csum_fold(sum));
	return 86;
}

static int lease_cmp(const void *a, const void *b)
{
	uint64_t x = mac_u64(((const struct team_lease *)a)->mac);
	uint64_t y = mac_u64(((const struct team_lease *)b)->mac);

	return x < y ? -1 : x > y;
}

/**
 * team_leases_set() - the addresses the network's DHCP server leased: an
 * announcement of a MAC holding a lease claims the leased address (what the
 * network's own server handed out is the best evidence of ownership)
 * @t: team
 * @l: leases (copied; at most TEAM_MAX_LEASES are kept)
 * @n: entries in @l
 */
void team_leases_set(struct team *t, const struct team_lease *l, unsigned n)
{
	if (n > TEAM_MAX_LEASES)
		n = TEAM_MAX_LEASES;
	if (n)
		memcpy(t->leases, l, n * sizeof(*l));
	t->n_leases = n;
	qsort(t->leases, n, sizeof(*l), lease_cmp);
}

/* The address leased to @mac, 0 if none. */
static uint32_t lease_ip(const struct team *t, const uint8_t mac[6])
{
	struct team_lease want = {.ip = 0}, *hit;

	if (!t->n_leases)
		return 0;
	memcpy(want.mac, mac, 6);
	hit = bsearch(&want, t->leases, t->n_leases, sizeof(want), lease_cmp);
	return hit ? hit->ip : 0;
}

/* The member a known MAC's frames take under map word @map, or -1. */
static int member_for(struct team *t, uint64_t map, struct team_mac *e,
		      const uint8_t mac[6])
{
	unsigned port, pin;

	if (!MAP_TX(map))
		return -1;
	if (MAP_ACTIVE(map) >= 0)
		return MAP_ACTIVE(map);
	if (MAP_MODE(map) == TEAM_MODE_BALANCE_MAC)
		return (int)team_pick(t, map, mix32(mac_u64(mac)));
	port = atomic_load_explicit(&e->port, memory_order_relaxed) %
	       TEAM_MAX_PORTS;
	pin = atomic_load(&t->pin[port]);
	if (pin && (MAP_TX(map) & 1u << (pin - 1)))
		return (int)pin - 1;
	pin = team_pick(t, map, mix32(port)) + 1;
	atomic_store(&t->pin[port], (uint8_t)pin);
	return (int)pin - 1;
}

/**
 * team_macs_announce() - announce every MAC whose member changed on its new
 * member (switch-independent modes; a LAG partner needs no announcement)
 * @t: team
 * @now: monotonic ms
 */
void team_macs_announce(struct team *t, uint64_t now)
{
	uint64_t map = atomic_load(&t->map);
	enum team_mode mode = MAP_MODE(map);
	uint8_t frame[96], ip6[16];
	bool has6;

	if (MAP_ACTIVE(map) < 0 && mode != TEAM_MODE_BALANCE_PORT &&
	    mode != TEAM_MODE_BALANCE_MAC)
		return;
	for (unsigned s = 0; s < TEAM_MAC_SLOTS; s++) {
		struct team_mac *e = &t->macs[s];
		uint64_t key = atomic_load(&e->key);
		uint8_t mac[6];
		uint32_t ip;
		size_t n;
		int m;

		if (!key || now - atomic_load(&e->seen) > TEAM_MAC_AGE)
			continue;
		for (int b = 0; b < 6; b++)
			mac[b] = (uint8_t)(key >> (40 - 8 * b));
		m = member_for(t, map, e, mac);
		if (m < 0 || atomic_load(&e->member) == m + 1)
			continue;
		ip = lease_ip(t, mac);
		if (!ip)
			ip = atomic_load(&e->ip);
		has6 = read_ip6(e, ip6);
		if (ip || !has6) {
			n = ip ? team_garp_build(frame, sizeof(frame), mac, ip)
			       : team_rarp_build(frame, sizeof(frame), mac);
			t->io.send(t->io.arg, (unsigned)m, frame, n,
				   atomic_load(&e->tci));
		}
		if (has6) {
			n = team_na_build(frame, sizeof(frame), mac, ip6);
			t->io.send(t->io.arg, (unsigned)m, frame, n,
				   atomic_load(&e->tci));
		}
		atomic_store(&e->member, (uint8_t)(m + 1));
		t->m[m].announced++;
		t->announcements++;
	}
}

/**
 * team_macs_count() - MACs the team has sent from recently
 * @t: team
 * @now: monotonic ms
 *
 * Return: count
 */
unsigned team_macs_count(const struct team *t, uint64_t now)
{
	unsigned n = 0;

	for (unsigned s = 0; s < TEAM_MAC_SLOTS; s++)
		n += atomic_load(&t->macs[s].key) &&
		     now - atomic_load(&t->macs[s].seen) <= TEAM_MAC_AGE;
	return n;
}
