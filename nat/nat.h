/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nat.h - the NAT engine: connection tracking, SNAT with endpoint-independent
 * mapping and filtering, port forwards (DNAT), hairpin, in a table that
 * outlives the process
 *
 * The engine is pure: no I/O, no clock, no logging, no locks.  The caller
 * hands it IPv4 packets (rewritten in place), the current time and a memory
 * region; it gets back verdicts with named drop reasons.
 *
 * Terms: the *inside* is the private network (its subnet in the config), the
 * *outside* the external network reached through the uplink, an *external
 * address* one of the gateway's addresses there (one, or a few).  A
 * *mapping* binds an inside endpoint (proto, ip, port) to an external one
 * (proto, ext ip, ext port), whatever the remote (RFC 4787 EIM); a
 * *session* is one connection (inside endpoint, remote endpoint) through a
 * mapping, with its state and timeout; a *forward* is a static mapping made
 * by the administrator (DNAT).  ICMP echo uses the identifier as its port.
 *
 * How the daemon drives it (the gateway of a network with --nat-via):
 *
 *   1. Start.  Pick the region: capacity C from the config, size
 *      nat_table_size(C); open /run/vnet/nat-<network>.tbl (O_RDWR|O_CREAT,
 *      mode 0600), ftruncate() it to that size if it is not, mmap() it
 *      MAP_SHARED.  Fill struct nat_config: @epoch from the boot id
 *      (/proc/sys/kernel/random/boot_id, hashed), @hash_key from getrandom(),
 *      @now from the monotonic clock in seconds (now_sec(): it keeps
 *      counting across a process restart and starts again at boot, hence
 *      the epoch; entries keep it in 32 bits).  Call nat_table_attach(); if
 *      it refuses, log its sentence once (warning: a damaged, foreign,
 *      other-boot or resized table is discarded, never trusted) and call
 *      nat_table_init(), which formats the
 *      region empty.  After a reboot /run is empty anyway.
 *   2. Forwards: the store is the truth.  nat_forward_walk() lists those the
 *      table kept; delete the ones the store no longer has
 *      (nat_forward_del()), add the missing ones (nat_forward_add(); -EEXIST
 *      for one already there is fine).  `vnetctl nat forward add/del` run
 *      the same calls after the store commit, on the owning thread.
 *   3. Packets.  One datapath thread runs both legs (the gateway port on the
 *      private network and its uplink side on the external one) and owns the
 *      table; every call below is made on it.  The caller strips the
 *      Ethernet header (and any tag) and hands the IPv4 packet, writable,
 *      and its length (padding after the IP total length is allowed):
 *      - nat_out() for a packet a VM routed to the gateway's MAC that is not
 *        for the gateway itself (its services - ARP, DHCP, DNS, echo to its
 *        inside address - are answered first by vnic_gateway);
 *      - nat_in() for an IPv4 packet received on the uplink for the
 *        gateway's external MAC (ARP for the external address, the DHCP
 *        client and the ARP cache are the caller's).
 *      The verdict says what to do with the rewritten packet:
 *      - NAT_FORWARD from nat_out(): send it out the uplink to its
 *        destination's next hop (ARP-resolved by the caller, with a short
 *        queue while resolving), source MAC the external one.  If the packet
 *        is larger than the external MTU and has DF set, the caller answers
 *        with ICMP frag-needed instead (nat_icmp_error() on the packet as
 *        the VM sent it: keep a copy of its first 548 bytes before
 *        nat_out()); only then, so that a packet the engine drops costs
 *        no ICMP.
 *      - NAT_FORWARD from nat_in(): deliver it into the private network to
 *        its (now inside) destination, source MAC the gateway's.
 *      - NAT_HAIRPIN (nat_out() only): a VM reached another VM through an
 *        external address; the packet has been translated both ways and
 *        goes back into the private network like a NAT_FORWARD of nat_in().
 *      - NAT_HOST: for the gateway itself, left untranslated: an ICMP echo
 *        request to an external address, unfragmented (answer it: the
 *        engine does not reassemble, and drops a fragmented one), a UDP
 *        datagram to port 68 on the uplink (the DHCP client's).
 *      - NAT_DROP: v->drop names why; it is counted here.  The packet is
 *        left as it was (except when the second leg of a hairpin drops it:
 *        the first has rewritten it).  NAT_DROP_TTL means the caller may
 *        send ICMP time exceeded (nat_icmp_error() builds it; rate-limit
 *        it) so traceroute shows the gateway; NAT_DROP_PORTS_EXHAUSTED,
 * NAT_DROP_TABLE_FULL, NAT_DROP_QUOTA and NAT_DROP_FORWARD_SHARE (name the
 * packet's source: it is left untranslated) deserve a log line once per
 * interval (vlog_rl). A
 * datapath burst goes through nat_out_burst()/nat_in_burst(): the same
 * verdicts, with the table's cache misses overlapped. With the
 * NAT_F_CSUM_PARTIAL flag the L4 checksum field holds only the pseudo-header
 * sum (virtio NEEDS_CSUM): addresses are updated in it, ports and options are
 * not.
 *   4. Time.  A periodic timer on the same thread (every 100 ms or so) calls
 *      nat_expire(now, budget); it frees what is due, touching at most
 *      @budget slots and entries, and returns false while it is behind
 *      (call it again soon).  The packet path never scans the table.
 *   5. Changes.  A new external address (the DHCP client got another lease),
 *      a new MTU or new timeouts: nat_table_configure() on the owning
 *      thread; mappings on a lost address are flushed, forwards follow the
 *      first address.  `vnetctl nat sessions`: nat_session_walk() on the
 *      owning thread (post the request to it, or hold the gateway's lock),
 *      counters in struct nat_session_info; `vnetctl nat flush`:
 *      nat_flush().  Both go in slices of NAT_SLICE entries, resuming
 *      from a position, and so do nat_forward_add() and nat_forward_del()
 *      when a mapping has more sessions than that (-EAGAIN): take the
 *      lock per call, not around the loop.  Counters: nat_stats_get().
 *   6. Stop (or kill -9): nat_table_detach() frees the handle; the region
 *      stays in the file and the next start attaches it.  Nothing needs a
 *      msync(): the file is in tmpfs and the kernel keeps its pages.
 *
 * Bad input (the documented rule): a packet whose IPv4 header is not
 * version 4, shorter than 20 bytes, runs past the packet, has a bad header
 * checksum or a total length outside [header, bytes present] is dropped, as
 * is a fragment whose offset and length end past 65535 bytes; so
 * is one with a truncated or inconsistent L4 header (TCP data offset below
 * 5 or past the packet, UDP length below 8 or past the packet, a TCP or UDP
 * port 0: it cannot be mapped, RFC 6335 reserves it), TTL <= 1 when it
 * would be forwarded, a protocol other than TCP, UDP and ICMP (without
 * ports, two VMs' flows to one server could not be told apart, and passing
 * it untranslated would leak inside addresses), an ICMP type other than
 * echo, destination unreachable, time exceeded and parameter problem, an
 * address never routed (0/8, 127/8, multicast, broadcast: the caller hands
 * over unicast only), a packet from the inside to an address of the
 * private subnet (another VM, the subnet's broadcast, the gateway's own
 * inside address: the switch and the gateway's services handle those, the
 * uplink never sees them), and anything on the outside claiming an inside
 * or external source.  TCP and UDP checksums are not verified (the cost per
 * packet is the whole payload, and an incremental update keeps a wrong
 * checksum wrong, so the receiver drops it); the IPv4 header checksum
 * always is, and ICMP error messages' too (they are rewritten whole).
 * Nothing is passed untranslated.
 */
#ifndef VNET_NAT_H
#define VNET_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nat_table;

#define NAT_MAX_EXT	     4u	      /* external addresses per table */
#define NAT_MIN_CAPACITY     16u      /* entries */
#define NAT_MAX_CAPACITY     4194304u /* entries */
#define NAT_DEFAULT_PORT_MIN 1024
#define NAT_DEFAULT_PORT_MAX 65535

#define NAT_PROTO_ICMP 1
#define NAT_PROTO_TCP  6
#define NAT_PROTO_UDP  17

/* Flags for nat_out() and nat_in(). */
#define NAT_F_CSUM_PARTIAL 0x1u /* L4 checksum holds the pseudo-header sum */

/* Why a packet was not translated; counted per table. */
#define NAT_DROPS(X)                                                          \
	X(BAD_IP, "bad_ip",                                                   \
	  "IPv4 header not version 4, shorter than 20 bytes or past the "     \
	  "packet, or total length outside the bytes present")                \
	X(BAD_IP_CSUM, "bad_ip_csum", "IPv4 header checksum wrong")           \
	X(TTL, "ttl", "TTL 1 or 0: not forwarded (time exceeded)")            \
	X(TRUNCATED, "truncated", "TCP, UDP or ICMP header truncated")        \
	X(BAD_L4, "bad_l4",                                                   \
	  "TCP data offset or UDP length inconsistent with the packet, or "   \
	  "port 0")                                                           \
	X(BAD_PROTO, "bad_proto", "protocol other than TCP, UDP and ICMP")    \
	X(ICMP_TYPE, "icmp_type",                                             \
	  "ICMP type other than echo, unreachable, time exceeded and "        \
	  "parameter problem")                                                \
	X(BAD_ICMP_CSUM, "bad_icmp_csum", "ICMP error with a bad checksum")   \
	X(BAD_ICMP_ERR, "bad_icmp_err",                                       \
	  "ICMP error quoting a truncated or unusable packet (or an error, "  \
	  "or fragmented)")                                                   \
	X(TCP_FLAGS, "tcp_flags",                                             \
	  "TCP flags no connection has (SYN with FIN or RST, none at all)")   \
	X(SRC_NOT_INSIDE, "src_not_inside",                                   \
	  "packet from the inside with a source outside its subnet")          \
	X(DST_INSIDE, "dst_inside",                                           \
	  "packet from the inside to an address of the private subnet (its "  \
	  "broadcast too): not for the uplink")                               \
	X(SPOOFED, "spoofed",                                                 \
	  "packet from the outside with an inside or external source")        \
	X(MARTIAN, "martian",                                                 \
	  "address never routed: source or destination in 0/8 or 127/8, "     \
	  "multicast or broadcast")                                           \
	X(NOT_OURS, "not_ours",                                               \
	  "packet from the outside not for an external address")              \
	X(NO_MAPPING, "no_mapping",                                           \
	  "packet from the outside to a port with no mapping nor forward")    \
	X(NO_SESSION, "no_session",                                           \
	  "ICMP echo reply or error for no known connection")                 \
	X(TCP_NOT_SYN, "tcp_not_syn",                                         \
	  "TCP segment that opens nothing (no SYN, or a SYN/ACK answering "   \
	  "no SYN the NAT let in) and belongs to no connection")              \
	X(TCP_BAD_ACK, "tcp_bad_ack",                                         \
	  "TCP ACK completing a handshake that acknowledges nothing the "     \
	  "answering side sent (a blind ACK from a host that never saw the "  \
	  "SYN/ACK)")                                                         \
	X(FRAG_NO_FIRST, "frag_no_first",                                     \
	  "IP fragment whose first fragment was not seen (or was forgotten)") \
	X(FRAG_TOO_LONG, "frag_too_long",                                     \
	  "IP fragment ending past 65535 bytes, the largest datagram (its "   \
	  "offset would wrap when cut again)")                                \
	X(HOST_FRAG, "host_frag",                                             \
	  "fragmented echo request to an external address: not "              \
	  "reassembled, not answered")                                        \
	X(PORTS_EXHAUSTED, "ports_exhausted",                                 \
	  "no free external port for a new mapping")                          \
	X(TABLE_FULL, "table_full",                                           \
	  "connection table full of answered connections: new flow refused")  \
	X(FORWARD_SHARE, "forward_share",                                     \
	  "new connection through a forward while the sessions remotes "      \
	  "opened through forwards hold their share of the table (half), "    \
	  "none of them unanswered")                                          \
	X(QUOTA, "quota",                                                     \
	  "new flow from an inside address holding its share of the table "   \
	  "(sessions_per_ip entries) already")

enum nat_drop {
#define NAT_DROP_ENUM(id, name, desc) NAT_DROP_##id,
	NAT_DROPS(NAT_DROP_ENUM)
#undef NAT_DROP_ENUM
	    NAT_DROP_MAX,
	NAT_DROP_NONE = NAT_DROP_MAX,
};

enum nat_action {
	NAT_FORWARD, /* translated: send on (see nat_out()/nat_in()) */
	NAT_HAIRPIN, /* translated both ways: back into the private network */
	NAT_HOST,    /* for the gateway itself, untranslated */
	NAT_DROP,    /* dropped, @drop says why */
};

/**
 * struct nat_verdict - what to do with one packet
 * @action: see enum nat_action
 * @drop: reason for NAT_DROP, NAT_DROP_NONE otherwise
 */
struct nat_verdict {
	enum nat_action action;
	enum nat_drop drop;
};

/* TCP connection states (a session's @state). */
#define NAT_TCP_STATES(X)                                          \
	X(NONE, "none")                                            \
	X(SYN_SENT, "syn_sent")                                    \
	X(SYN_RECV, "syn_recv")                                    \
	X(ESTABLISHED, "established")                              \
	X(FIN_WAIT, "fin_wait")	  /* one side sent FIN */          \
	X(LAST_ACK, "last_ack")	  /* both sent FIN */              \
	X(TIME_WAIT, "time_wait") /* the first FIN's side acked */ \
	X(CLOSE, "close")	  /* reset */

enum nat_tcp_state {
#define NAT_TCP_ENUM(id, name) NAT_TCP_##id,
	NAT_TCP_STATES(NAT_TCP_ENUM)
#undef NAT_TCP_ENUM
	    NAT_TCP_MAX,
};

/**
 * struct nat_timeouts - seconds an idle entry lives; 0 for the default
 * @tcp_syn: SYN_SENT and SYN_RECV (240: RFC 5382 REQ-5 asks at least
 *           4 min of a connection opening or closing)
 * @tcp_est: ESTABLISHED, and FIN_WAIT (half-closed: the other side may
 *           send on) (7440: RFC 5382 REQ-5 asks at least 2 h 4 min)
 * @tcp_fin: LAST_ACK, both sides' FIN seen (240)
 * @tcp_time_wait: TIME_WAIT (240)
 * @tcp_close: after a reset (10)
 * @udp: UDP session seen in one direction only (30)
 * @udp_replied: UDP session with traffic both ways (120)
 * @icmp: ICMP echo session (60: RFC 5508 REQ-2 asks at least 60 s)
 * @mapping: a dynamic mapping after its last session is gone (120: RFC 4787
 *           REQ-5 asks 2 min after the last outbound packet, and a session
 *           lives at least as long as its last packet)
 */
struct nat_timeouts {
	uint32_t tcp_syn, tcp_est, tcp_fin, tcp_time_wait, tcp_close;
	uint32_t udp, udp_replied, icmp, mapping;
};

/**
 * struct nat_config - a table's settings
 * @capacity: entries (every session, dynamic mapping and forward takes
 *            one), NAT_MIN_CAPACITY..NAT_MAX_CAPACITY; fixes the region's
 *            size: nat_table_attach() refuses a region of another capacity
 * @epoch: identity of the clock @now counts in (the boot id): a table from
 *         another epoch is refused
 * @hash_key: secret key of the hash index (random at each start)
 * @inside_net: the private subnet, host order
 * @inside_prefix: its prefix length, 1..30
 * @ext_addr: external addresses, host order; a new mapping takes the one
 *            chosen by its inside address (RFC 4787 "paired" pooling)
 * @n_ext: entries in @ext_addr, 1..NAT_MAX_EXT
 * @port_min: lowest external port of dynamic mappings (0: 1024)
 * @port_max: highest (0: 65535)
 * @ext_mtu: MTU of the external network; TCP SYNs in either direction get
 *           their MSS clamped to @ext_mtu - 40 (0: no clamping)
 * @sessions_per_ip: entries one inside address may hold (0: no limit).
 *           Counted: its dynamic mappings and the sessions it opened (a
 *           flow from a new port takes two entries, one through a mapping
 *           it has one); not counted: forwards and the sessions remotes
 *           open through them (the VM does not choose those: counting them
 *           would let any remote use up a server's share with SYNs; they
 *           are held at NAT_FWD_SESSIONS_MAX() instead).  A new
 *           flow that would take the address past it is dropped
 *           (NAT_DROP_QUOTA); its flows in place carry on, and it opens new
 *           ones as its entries expire.  Lowering it frees nothing.
 * @timeouts: see struct nat_timeouts
 */
struct nat_config {
	uint32_t capacity;
	uint64_t epoch;
	uint64_t hash_key[2];
	uint32_t inside_net;
	uint8_t inside_prefix;
	uint32_t ext_addr[NAT_MAX_EXT];
	unsigned n_ext;
	uint16_t port_min, port_max;
	uint16_t ext_mtu;
	uint32_t sessions_per_ip;
	struct nat_timeouts timeouts;
};

/**
 * struct nat_attach_info - what nat_table_attach() found
 * @kept: mappings, forwards and sessions kept
 * @discarded: entries found inconsistent (bad kind, protocol, state,
 *             address, mapping index, duplicate key, expiry too far) and
 *             freed
 * @stale: entries already expired at attach, freed
 */
struct nat_attach_info {
	uint32_t kept, discarded, stale;
};

enum nat_entry_kind {
	NAT_KIND_MAPPING = 1, /* dynamic mapping */
	NAT_KIND_FORWARD = 2, /* static mapping: a port forward */
	NAT_KIND_SESSION = 3, /* one connection through a mapping or forward */
};

/**
 * struct nat_session_info - one entry, for listings
 * @kind: see enum nat_entry_kind
 * @proto: NAT_PROTO_*
 * @state: enum nat_tcp_state for TCP sessions, NAT_TCP_NONE otherwise
 * @inbound: a session opened from the outside (through a forward)
 * @replied: a session that saw traffic both ways
 * @int_ip, @int_port: inside endpoint (host order)
 * @ext_ip, @ext_port: external endpoint
 * @rem_ip, @rem_port: remote endpoint (sessions only; 0 for ICMP's port)
 * @refs: sessions through this mapping or forward
 * @expires: when it expires if idle (caller's seconds; 0 for forwards)
 * @created: when it was made (0 for forwards)
 * @pkts_out, @bytes_out: inside to outside (IP bytes)
 * @pkts_in, @bytes_in: outside to inside
 */
struct nat_session_info {
	enum nat_entry_kind kind;
	uint8_t proto;
	enum nat_tcp_state state;
	bool inbound, replied;
	uint32_t int_ip, ext_ip, rem_ip;
	uint16_t int_port, ext_port, rem_port;
	uint32_t refs;
	int64_t expires, created;
	uint64_t pkts_out, bytes_out, pkts_in, bytes_in;
};

/**
 * struct nat_stats - counters of one table (reset at each attach)
 * @out, @in: packets translated each way (hairpins count in both)
 * @bytes_out, @bytes_in: their IP bytes
 * @hairpin: packets turned back into the private network
 * @host: packets for the gateway itself
 * @sessions, @mappings, @forwards: entries live now
 * @capacity: entries the table holds
 * @created: sessions created
 * @expired: entries freed by nat_expire()
 * @mss_clamped: SYNs whose MSS was lowered
 * @rst_ignored: TCP RSTs outside the connection's window: passed on, the
 *               session left as it was
 * @early_drops: unanswered sessions a full table freed for a new flow
 * @drops: by reason
 */
struct nat_stats {
	uint64_t out, in, hairpin, host;
	uint64_t bytes_out, bytes_in;
	uint64_t sessions, mappings, forwards, capacity;
	uint64_t created, expired, mss_clamped, rst_ignored, early_drops;
	uint64_t drops[NAT_DROP_MAX];
};

const char *nat_drop_name(enum nat_drop d);
const char *nat_drop_desc(enum nat_drop d);
const char *nat_tcp_state_name(enum nat_tcp_state s);

size_t nat_table_size(uint32_t capacity);
bool nat_ext_addr_usable(uint32_t inside_net, uint8_t inside_prefix,
			 uint32_t ip);
uint32_t nat_ext_addr_placeholder(uint32_t inside_net, uint8_t inside_prefix);
int nat_check_config(const struct nat_config *cfg, char *err, size_t errlen)
    __attribute__((warn_unused_result));
int nat_table_init(void *mem, size_t size, const struct nat_config *cfg,
		   int64_t now, struct nat_table **out, char *err,
		   size_t errlen) __attribute__((warn_unused_result));
int nat_table_attach(void *mem, size_t size, const struct nat_config *cfg,
		     int64_t now, struct nat_table **out,
		     struct nat_attach_info *info, char *err, size_t errlen)
    __attribute__((warn_unused_result));
int nat_table_configure(struct nat_table *t, const struct nat_config *cfg,
			int64_t now, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void nat_table_detach(struct nat_table *t);

void nat_out(struct nat_table *t, uint8_t *ip, size_t len, unsigned flags,
	     int64_t now, struct nat_verdict *v);
void nat_in(struct nat_table *t, uint8_t *ip, size_t len, unsigned flags,
	    int64_t now, struct nat_verdict *v);

#define NAT_BURST_MAX 32 /* packets whose lookups are overlapped */

/**
 * struct nat_pkt - one packet of a burst
 * @ip: the IPv4 packet (untrusted), rewritten in place
 * @len: bytes at @ip
 * @flags: NAT_F_*
 * @v: its verdict, filled in
 */
struct nat_pkt {
	uint8_t *ip;
	size_t len;
	unsigned flags;
	struct nat_verdict v;
};

void nat_out_burst(struct nat_table *t, struct nat_pkt *pkts, unsigned n,
		   int64_t now);
void nat_in_burst(struct nat_table *t, struct nat_pkt *pkts, unsigned n,
		  int64_t now);
bool nat_expire(struct nat_table *t, int64_t now, unsigned budget);

size_t nat_icmp_error(const uint8_t *pkt, size_t len, uint8_t type,
		      uint8_t code, uint16_t mtu, uint32_t src, uint8_t *out,
		      size_t size);

/*
 * Forwards take at most a quarter of the table's entries, so that they can
 * never leave it without room for sessions (vnetd refuses the forward
 * beyond, nat_forward_add() too).
 */
#define NAT_FORWARDS_MAX(capacity) ((capacity) / 4)

/*
 * Sessions remotes open through forwards take at most half the table,
 * whoever the remotes are (NAT_DROP_FORWARD_SHARE beyond): remote hosts
 * completing handshakes through a forward cannot fill the table for the
 * established timeout and lock the VMs' own flows out.  With forwards at
 * most a quarter, the VMs keep a quarter at least.
 */
#define NAT_FWD_SESSIONS_MAX(capacity) ((capacity) / 2)

int nat_forward_add(struct nat_table *t, uint8_t proto, uint16_t ext_port,
		    uint32_t int_ip, uint16_t int_port, char *err,
		    size_t errlen) __attribute__((warn_unused_result));
int nat_forward_del(struct nat_table *t, uint8_t proto, uint16_t ext_port);

/*
 * Entries one call of the functions that may scan many (walks, flush,
 * freeing a forward's or mapping's sessions) visits at most: the caller
 * holds the table's lock for one call, lets packets through, and calls
 * again, so no packet of any flow waits for a whole table.
 */
#define NAT_SLICE 1024u

/**
 * typedef nat_walk_cb - one entry, for nat_session_walk()
 * @si: the entry
 * @arg: the walker's argument
 */
typedef void (*nat_walk_cb)(const struct nat_session_info *si, void *arg);
uint32_t nat_session_walk(const struct nat_table *t, uint32_t pos,
			  unsigned budget, nat_walk_cb cb, void *arg);
uint32_t nat_forward_walk(const struct nat_table *t, uint32_t pos,
			  unsigned budget, nat_walk_cb cb, void *arg);
bool nat_flush(struct nat_table *t, uint32_t *pos, unsigned budget,
	       unsigned *freed);
void nat_stats_get(const struct nat_table *t, struct nat_stats *st);

#endif
